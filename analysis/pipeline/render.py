"""Render a report: check parameters, execute the notebook with papermill, convert it to a
self-contained HTML page (nbconvert, code hidden), print that page to PDF with headless Chromium,
and write its key figures as JSON — all into a temporary folder first, so that a failed run never
replaces the last good report.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import difflib
import functools
import importlib
import json
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

from ..assembly.params import ParameterError, check, cross_check
from ..assembly.present import KEY_FIGURES_MIME, TABLE_MIME
from ..catalog import PROJECT_DIR
from . import identity
from .pdf import Browser, PdfError
from .workspace import Workspace, swap_in

NOTEBOOK_DIR = PROJECT_DIR / "notebooks"
REPORTS_DIR = PROJECT_DIR / "reports"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "pdf")


class RenderError(RuntimeError):
    """A report could not be rendered; the one-line message says why."""


def notebook_names() -> list[str]:
    """The report notebooks, by name (file stem), sorted."""
    return sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))


def notebook_path(name: str) -> Path:
    """The source notebook of report ``name``; unknown names fail naming the closest."""
    names = notebook_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"closest: {', '.join(close)}; " if close else ""
        raise ParameterError(f"unknown notebook {name!r}; {hint}known: {', '.join(names)}")
    return NOTEBOOK_DIR / f"{name}.ipynb"


def declared_parameters(name: str) -> dict[str, dict]:
    """Parameters of a notebook's ``parameters`` cell: name -> type, default and help text (read
    once per version of the notebook file: a single render asks three times)."""
    path = notebook_path(name)
    declared = _inspect(str(path), path.stat().st_mtime_ns)
    return {key: dict(info) for key, info in declared.items()}


@functools.lru_cache(maxsize=32)
def _inspect(path: str, mtime_ns: int) -> dict[str, dict]:
    """papermill's reading of the parameters cell of the notebook at ``path`` (as of ``mtime_ns``)."""
    import papermill  # imported here: it costs ~0.6 s and only rendering needs it

    return papermill.inspect_notebook(path)


def check_parameters(name: str, overrides: dict) -> dict:
    """Overrides checked against the notebook's declared parameters and their specifications,
    before any kernel starts. Unknown names fail naming the closest declared ones."""
    declared = declared_parameters(name)
    checked = {}
    for key, value in overrides.items():
        if not isinstance(key, str):
            raise ParameterError(f"parameter name {short(key)} is not text; declared: {', '.join(declared)}")
        if key not in declared:
            raise unknown_parameter(name, key, declared)
        try:
            checked[key] = check(key, value, name)
        except ParameterError:
            raise
        except (ArithmeticError, TypeError, ValueError) as err:  # e.g. a 400-digit integer
            raise ParameterError(
                f"parameter {key}: {short(value)} is not allowed ({type(err).__name__}: {first_line(err)})"
            ) from None
    defaults = {key: ast.literal_eval(info["default"]) for key, info in declared.items()}
    cross_check(name, defaults | checked)
    return checked


def short(value, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters for a one-line message."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's digit limit
        text = f"<an integer of {value.bit_length():,} bits>"
    return text if len(text) <= width else f"{text[: width - 12]}… ({len(text):,} chars)"


def unknown_parameter(name: str, key: str, declared) -> ParameterError:
    """The error for a parameter ``key`` that notebook ``name`` does not declare."""
    close = difflib.get_close_matches(key, list(declared), n=3, cutoff=0.5)
    hint = f"closest: {', '.join(close)}; " if close else ""
    return ParameterError(f"unknown parameter {key!r} for {name}; {hint}declared: {', '.join(declared)}")


def key_figures(notebook) -> dict:
    """The key figures a report emitted (the output with :data:`KEY_FIGURES_MIME`)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if KEY_FIGURES_MIME in data:
                return data[KEY_FIGURES_MIME]
    raise RenderError("the notebook emitted no key figures (analysis.assembly.present.emit_key_figures)")


def tables(notebook) -> list[dict]:
    """The tables a report showed (outputs carrying :data:`TABLE_MIME` in their metadata), in
    order: ``{"file", "caption", "csv"}`` with a file name made safe and unique."""
    found, taken = [], set()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            entry = output.get("metadata", {}).get(TABLE_MIME)
            if not isinstance(entry, dict) or not isinstance(entry.get("csv"), str):
                continue
            stem = re.sub(r"[^a-z0-9_-]+", "-", str(entry.get("name") or "table").lower()).strip("-.")[:60]
            stem, n = stem or "table", 2
            file = f"{stem}.csv"
            while file in taken:
                file, n = f"{stem}-{n}.csv", n + 1
            taken.add(file)
            found.append({"file": file, "caption": str(entry.get("caption") or ""), "csv": entry["csv"]})
    return found


def first_image(notebook) -> bytes | None:
    """The first PNG figure a report showed (its thumbnail), or None."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                try:
                    return base64.b64decode(png if isinstance(png, str) else "".join(png))
                except ValueError:
                    return None
    return None


def to_html(notebook, provenance: dict | None = None, data_files: list[dict] | None = None) -> str:
    """The executed notebook as one self-contained HTML page without code or prompts, titled by
    the notebook's ``metadata.title``; ``provenance`` goes into ``<meta>`` tags; ``data_files``
    (``{"href", "label"}``) are linked at the end of the page (on screen, not in print)."""
    body, _ = _exporter().from_notebook_node(
        notebook, resources={"provenance": provenance or {}, "data_files": data_files or []}
    )
    return body


_local = threading.local()
_preloading: list[threading.Thread] = []


def _preload_exporter() -> None:
    """Import nbconvert (about 0.4 s) in a background thread, once per process, so that it
    happens while the kernel runs the notebook rather than after it."""
    if not _preloading:
        _preloading.append(
            threading.Thread(target=importlib.import_module, args=("nbconvert",), name="import-nbconvert", daemon=True)
        )
        _preloading[0].start()


def _exporter():
    """This thread's HTML exporter (made once per thread: building one and its template costs
    about 0.05 s; an exporter is not meant to be shared between threads)."""
    if getattr(_local, "exporter", None) is None:
        from traitlets.config import Config

        config = Config(
            {
                "TagRemovePreprocessor": {
                    "enabled": True,
                    "remove_cell_tags": ["remove_cell", "parameters", "injected-parameters"],
                }
            }
        )
        _local.exporter = _report_exporter_class()(
            config=config,
            template_name="report",
            extra_template_basedirs=[str(TEMPLATE_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
    return _local.exporter


def _report_exporter_class():
    """nbconvert's HTMLExporter without its last step, which re-parses the whole page with
    BeautifulSoup's pure-Python parser (half the export's time for our image-heavy pages) only to
    give images without alt text a placeholder — every figure of ours has alt text, which a
    report test checks — and to put notebook cells in the keyboard's tab order, which a report
    without code or interactive outputs does not need."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name"))
            self.register_filter(
                "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            )
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


def _execute(name: str, parameters: dict, output: Path, kernel: WarmKernel):
    """Run the notebook with papermill into ``output`` in ``kernel`` (its namespace is reset
    first); a failing cell, a dead kernel or a timeout raises RenderError."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        manager = kernel.ready()
        notebook = papermill.execute_notebook(
            str(notebook_path(name)),
            str(output),
            parameters=parameters,
            cwd=str(NOTEBOOK_DIR),
            progress_bar=False,
            engine_name=WARM_ENGINE,
            kernel_name="python3",
            km=manager,
            kc=kernel.client,
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as err:
        raise RenderError(
            f"{name}: cell {err.exec_count} raised {err.ename}: "
            f"{scrub(err.evalue.splitlines()[0]) if err.evalue else ''}"
        ) from None
    except KeyboardInterrupt:
        raise
    except Exception as err:  # the kernel died, timed out or could not start; or a full disk
        if isinstance(err, OSError) and not isinstance(err, TimeoutError):
            raise
        died = not kernel.alive()
        kernel.close()
        reason = (
            "died while running the notebook (killed, or out of memory)"
            if died
            else f"failed ({type(err).__name__}: {scrub(first_line(err))})"
        )
        raise RenderError(f"{name}: the notebook's kernel {reason}") from None
    # provenance without this machine's paths: the notebook and output names, the parameters
    notebook.metadata.papermill.update(input_path=f"notebooks/{name}.ipynb", output_path=f"{name}.ipynb")
    nbformat.write(notebook, str(output))
    return notebook


def first_line(err: BaseException) -> str:
    """The first line of an exception's message, or 'no message'."""
    return str(err).splitlines()[0] if str(err).strip() else "no message"


def _private_prefixes() -> list[tuple[str, str]]:
    """Local paths a report must not show, longest first, with what replaces them."""
    pairs = {
        sys.prefix: "<venv>",
        str(PROJECT_DIR): "<project>",
        tempfile.gettempdir(): "<temp>",
        os.path.expanduser("~"): "~",
    }
    pairs |= {os.path.realpath(path): label for path, label in pairs.items()}
    return sorted(((p, label) for p, label in pairs.items() if len(p) > 1), key=lambda x: -len(x[0]))


def scrub(text: str) -> str:
    """``text`` without this machine's paths (venv, repository, temporary folder, home)."""
    for prefix, label in _private_prefixes():
        text = text.replace(prefix, label)
    return text


def sanitize_failed(notebook) -> None:
    """Strip tracebacks and local paths from a failed run's executed notebook (in place): each
    error keeps its type and message; texts lose this machine's paths."""
    notebook.metadata.get("papermill", {}).update(input_path=None, output_path=None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = []
                output["evalue"] = scrub(output.get("evalue", ""))
            elif output.get("output_type") == "stream":
                output["text"] = scrub(output.get("text", ""))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    output["data"][mime] = scrub(value if isinstance(value, str) else "".join(value))


#: The repository's source folders: never an output folder.
SOURCE_FOLDERS = ("notebooks", "analysis", "data", "tests")
SUFFIXES = ("ipynb", "html", "pdf", "json", "failed.ipynb", "tables", "thumb.png")


def outside_sources(out_dir: Path | str) -> Path:
    """``out_dir`` resolved, or a ParameterError if it is the repository or inside one of its
    source folders (:data:`SOURCE_FOLDERS`)."""
    out_dir = Path(out_dir).expanduser().resolve()
    for folder in (PROJECT_DIR, *(PROJECT_DIR / f for f in SOURCE_FOLDERS)):
        inside = out_dir == folder or (folder != PROJECT_DIR and out_dir.is_relative_to(folder))
        if inside:
            where = "the repository" if folder == PROJECT_DIR else f"the repository's {folder.name}/ folder"
            raise ParameterError(f"--out {out_dir}: reports may not be written into {where}; choose e.g. reports/")
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError(f"--out {out_dir} is a file, not a folder")
    return out_dir


def check_out_dir(out_dir: Path | str, notebooks) -> Path:
    """``out_dir`` resolved (see :func:`outside_sources`), or a ParameterError if it holds
    anything but a report of ``notebooks``: a report folder is replaced whole."""
    out_dir = outside_sources(out_dir)
    if out_dir.is_dir():
        allowed = {f"{nb}.{suffix}" for nb in notebooks for suffix in SUFFIXES}
        others = sorted(p.name for p in out_dir.iterdir() if p.name not in allowed)
        if others:
            raise ParameterError(
                f"--out {out_dir} holds files that are not part of a "
                f"{' or '.join(notebooks) if len(notebooks) == 1 else ''} report "
                f"({', '.join(others[:3])}); a report folder is replaced whole, "
                "so give a new or empty folder"
            )
    return out_dir


def render(
    name: str,
    overrides: dict | None = None,
    out_dir: Path | str | None = None,
    formats: tuple[str, ...] = FORMATS,
    kernel: WarmKernel | None = None,
    browser: Browser | None = None,
    own_folder: tuple[str, ...] | None = None,
) -> dict[str, Path]:
    """Render report ``name`` with parameter ``overrides`` into the folder ``out_dir`` (default
    ``reports/NAME``).

    Writes ``NAME.ipynb``, ``NAME.json`` and, per ``formats``, ``NAME.html`` and ``NAME.pdf``.
    They are produced in a locked hidden folder beside ``out_dir`` and swapped in as one set with
    one rename, so the folder holds every file of the new run or of the last good one, never a
    mix, and no format of an earlier run is left. On failure the executed notebook, without
    tracebacks or local paths, is kept as ``NAME.failed.ipynb``. ``out_dir`` may hold nothing but
    a report of ``own_folder`` (default: ``name``). ``kernel`` (a :class:`WarmKernel`) and
    ``browser`` (a :class:`~analysis.pipeline.pdf.Browser`) let a batch reuse one kernel and one
    Chromium for many reports. Returns the written paths by suffix.
    """
    return prepare(name, overrides, out_dir, formats, kernel=kernel, browser=browser, own_folder=own_folder)()


def prepare(
    name: str,
    overrides: dict | None = None,
    out_dir: Path | str | None = None,
    formats: tuple[str, ...] = FORMATS,
    *,
    kernel: WarmKernel | None = None,
    browser: Browser | None = None,
    own_folder: tuple[str, ...] | None = None,
):
    """The first part of :func:`render` (same arguments): check, execute and convert. Returns
    the second part, a function of no arguments that prints the PDF, swaps the report in and
    returns the written paths (or raises RenderError); call it exactly once — it releases the
    report's work folder. A batch worker calls it in another thread while its kernel runs the
    next report."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ParameterError(f"unknown output format(s) {', '.join(sorted(unknown))}; allowed: {', '.join(FORMATS)}")
    parameters = check_parameters(name, overrides or {})
    out_dir = check_out_dir(REPORTS_DIR / name if out_dir is None else out_dir, own_folder or (name,))
    try:
        work = Workspace(out_dir.parent, f".{out_dir.name}.")
    except OSError as err:
        raise RenderError(f"cannot write to {out_dir}: {err.strerror or err}") from None
    own_kernel, own_browser = kernel is None, browser is None and "pdf" in formats
    kernel = WarmKernel() if own_kernel else kernel

    def release():
        if own_browser and browser is not None:
            browser.close()
        work.close()

    try:
        with _render_errors(name, out_dir):
            if own_browser:  # Chromium boots (about 1 s) while the kernel starts and runs the notebook
                browser = Browser(work.path)
            with contextlib.suppress(Exception):  # a kernel that cannot start fails in _execute, which says why
                kernel.launch()
            if formats:  # after the launch: this import would hold up this thread's launching
                _preload_exporter()
            report = _produce(name, parameters, out_dir, work.path, formats, kernel)
    except BaseException:
        release()
        raise
    finally:
        if own_kernel:
            kernel.close()

    def finish() -> dict[str, Path]:
        try:
            with _render_errors(name, out_dir):
                return _finish(name, out_dir, formats, browser, **report)
        finally:
            release()

    return finish


@contextlib.contextmanager
def _render_errors(name: str, out_dir: Path):
    """Printing and writing failures as RenderError, each in one line."""
    try:
        yield
    except PdfError as err:
        raise RenderError(f"{name}: PDF printing failed: {err}") from None
    except OSError as err:
        raise RenderError(f"cannot write the report into {out_dir}: {err.strerror or err}") from None


def _keep_failed(name: str, executed: Path, out_dir: Path) -> None:
    """Keep a failed run's executed notebook, sanitized, as ``out_dir/NAME.failed.ipynb``."""
    import nbformat

    notebook = nbformat.read(str(executed), as_version=4)
    sanitize_failed(notebook)
    nbformat.write(notebook, str(executed))
    out_dir.mkdir(parents=True, exist_ok=True)
    os.replace(executed, out_dir / f"{name}.failed.ipynb")


def _produce(name, parameters, out_dir, work, formats, kernel) -> dict:
    """Execute and convert into ``work/report``: the executed notebook, JSON, CSV tables,
    thumbnail and (for HTML or PDF) the HTML page. Returns what :func:`_finish` needs."""
    new = work / "report"
    new.mkdir()
    files = {"ipynb": new / f"{name}.ipynb"}
    try:
        notebook = _execute(name, parameters, files["ipynb"], kernel)
    except RenderError:
        if files["ipynb"].exists():
            _keep_failed(name, files["ipynb"], out_dir)
        raise
    prov = identity.provenance()
    report_title = identity.title(notebook, name)
    figures = {"report": name, "title": report_title, **key_figures(notebook), "provenance": prov}
    files["json"] = new / f"{name}.json"
    files["json"].write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    shown = tables(notebook)
    if shown:
        files["tables"] = new / f"{name}.tables"
        files["tables"].mkdir()
        for table in shown:
            (files["tables"] / table["file"]).write_text(table["csv"], encoding="utf-8")
    thumb = first_image(notebook)
    if thumb:
        files["thumb.png"] = new / f"{name}.thumb.png"
        files["thumb.png"].write_bytes(thumb)
    if "html" in formats or "pdf" in formats:
        files["html"] = new / f"{name}.html"
        notebook.metadata["title"] = report_title
        links = [{"href": f"{name}.tables/{t['file']}", "label": t["caption"] or t["file"]} for t in shown]
        files["html"].write_text(to_html(notebook, prov, links), encoding="utf-8")
    return {"new": new, "files": files, "footer": identity.footer_template(report_title, prov)}


def _finish(name, out_dir, formats, browser, *, new, files, footer) -> dict[str, Path]:
    """Print the PDF (per ``formats``), drop the HTML if only the PDF was wanted, and swap the
    report folder ``new`` in for ``out_dir``; returns the written paths by suffix."""
    if "pdf" in formats:
        files["pdf"] = new / f"{name}.pdf"
        browser.print_pdf(files["html"], files["pdf"], footer)
    if "html" not in formats and "html" in files:
        files.pop("html").unlink()
    swap_in(new, out_dir)
    return {suffix: out_dir / path.name for suffix, path in files.items()}


#: papermill's engine name for :class:`WarmKernel` runs (registered on first use).
WARM_ENGINE = "compute-parity-warm"


def _register_warm_engine() -> None:
    """Register :data:`WARM_ENGINE`: papermill's nbclient engine, run on a kernel client that is
    already connected and ready. papermill's own engine makes a new client per notebook and waits
    for it to be ready, which ends with a fixed 0.2 s of listening for stray output."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, *, km, kc, **_):
            client = PapermillNotebookClient(nb_man, km=km, kernel_name=kernel_name, log_output=log_output)
            client.kc = kc  # nbclient starts no client of its own and leaves this one open
            return client.execute()

    papermill_engines.register(WARM_ENGINE, WarmEngine)


#: Run in the kernel before each report: empty the user namespace, then move what survives
#: (the imported modules) out of the garbage collector's reach, so that later collections scan
#: only the report's own objects.
RESET_CODE = "get_ipython().run_line_magic('reset', '-f'); __import__('gc').freeze()"


#: Report kernels log errors only and keep no input history: IPython's history thread writes
#: every cell to an SQLite file, a tenth of a kernel's time in a batch, for a record nobody reads.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]


class WarmKernel:
    """A Python kernel kept alive across reports: imports (pandas, matplotlib …) are paid once
    per batch worker instead of once per report. It has one client, connected and waited for
    once when the kernel starts; before each report the user namespace is reset through it, and
    a kernel that died is replaced. Use an instance from one thread only (its client's sockets
    belong to that thread's event loop)."""

    def __init__(self):
        self.manager = None
        self.client = None

    def launch(self) -> None:
        """Start the kernel process (replacing a dead one), if not done yet, without waiting for
        it: it boots (about 1 s) while the caller does other work."""
        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.alive():
            return
        self.close()
        _register_warm_engine()
        self.manager = AsyncKernelManager(kernel_name="python3")
        run_sync(self.manager.start_kernel)(cwd=str(NOTEBOOK_DIR), extra_arguments=KERNEL_ARGUMENTS)

    def start(self) -> None:
        """:meth:`launch`, then connect the kernel's client and wait until it answers, if not done yet."""
        from jupyter_core.utils import run_sync

        self.launch()
        if self.client is None:
            self.client = self.manager.client()
            self.client.allow_stdin = False
            self.client.start_channels()
            run_sync(self.client.wait_for_ready)(timeout=60)

    def ready(self):
        """The kernel manager, started (or restarted) and with a fresh namespace. It is an
        asynchronous manager, so that nbclient notices within a second when the kernel dies."""
        from jupyter_core.utils import run_sync

        self.start()
        reply = run_sync(self.client.execute_interactive)(RESET_CODE, timeout=60, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"resetting the kernel failed: {reply['content'].get('evalue')}")
        return self.manager

    def alive(self) -> bool:
        """Whether the kernel process is running."""
        from jupyter_core.utils import run_sync

        return self.manager is not None and run_sync(self.manager.is_alive)()

    def close(self) -> None:
        """Disconnect the client and shut the kernel down."""
        from jupyter_core.utils import run_sync

        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.alive():
            run_sync(self.manager.shutdown_kernel)(now=True)
