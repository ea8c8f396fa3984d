"""Render a report: check parameters, execute the notebook with papermill, convert it to a
self-contained HTML page (nbconvert, code hidden), print that page to PDF with headless Chromium,
and write its key figures as JSON — all into a temporary folder first, so that a failed run never
replaces the last good report. The steps live in :mod:`.notebooks` (parameters), :mod:`.kernel`
(execution), :mod:`.export` (JSON, tables, HTML) and :mod:`.pdf`; this module orders them.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

from ..assembly.params import ParameterError
from ..catalog import PROJECT_DIR
from . import fingerprint, identity
from .errors import RenderError, sanitize_failed
from .export import first_image, key_figures, key_figures_csv, preload_exporter, tables, to_html
from .kernel import WarmKernel, execute
from .notebooks import check_parameters
from .pdf import Browser, PdfError
from .workspace import Workspace, move_into, remove_stale, swap_in, work_folder_names

REPORTS_DIR = PROJECT_DIR / "reports"


FORMATS = ("html", "pdf")


#: The repository's source folders: never an output folder.
SOURCE_FOLDERS = ("notebooks", "analysis", "data", "tests")


SUFFIXES = ("ipynb", "html", "pdf", "json", "key_figures.csv", "failed.ipynb", "tables", "thumb.png")
#: Files of a report folder besides ``NAME.SUFFIX``: the fingerprint sidecar (:mod:`.fingerprint`).
REPORT_EXTRAS = (fingerprint.SIDECAR,)


#: Longest output folder name: its work folder beside it (``.NAME.live-XXXXXXXX``) adds 15
#: characters, and a file name may have 255.
MAX_FOLDER_NAME = 235
#: Longest output folder path (Linux PATH_MAX is 4,096; the report files inside add their names).
MAX_FOLDER_PATH = 3_800


def resolved_out(out_dir: Path | str) -> Path:
    """``out_dir`` as an absolute path, or a ParameterError in one line where no folder can be
    made there: a symlink loop, a path or name too long, a file where a folder must be."""
    text = str(out_dir)
    if len(text) > MAX_FOLDER_PATH:
        raise ParameterError(f"--out is {len(text):,} characters long; at most {MAX_FOLDER_PATH:,}")
    try:
        path = Path(out_dir).expanduser().resolve()
    except (OSError, RuntimeError) as err:  # RuntimeError: pathlib's symlink loop
        raise ParameterError(f"--out {text}: {getattr(err, 'strerror', None) or err}") from None
    if len(path.name) > MAX_FOLDER_NAME:
        raise ParameterError(f"--out: the folder name is {len(path.name)} characters; at most {MAX_FOLDER_NAME}")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise ParameterError(f"--out {path}: {parent} is a file, not a folder")
    return path


def outside_sources(out_dir: Path | str) -> Path:
    """``out_dir`` resolved (:func:`resolved_out`), or a ParameterError if it is the repository
    or inside one of its source folders (:data:`SOURCE_FOLDERS`)."""
    out_dir = resolved_out(out_dir)
    for folder in (PROJECT_DIR, *(PROJECT_DIR / f for f in SOURCE_FOLDERS)):
        inside = out_dir == folder or (folder != PROJECT_DIR and out_dir.is_relative_to(folder))
        if inside:
            where = "the repository" if folder == PROJECT_DIR else f"the repository's {folder.name}/ folder"
            raise ParameterError(f"--out {out_dir}: reports may not be written into {where}; choose e.g. reports/")
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError(f"--out {out_dir} is a file, not a folder")
    return out_dir


#: Files a batch's output folder may hold besides report folders (scenario files and notes kept
#: beside them, as reports/ keeps scenarios.yaml) and the index files of an earlier batch.
BATCH_FOLDER_FILES = re.compile(r"index\.(html|json)|index\.json\.bad-\d+|.+\.ya?ml|README\.md|\..+")


def check_batch_folder(out_root: Path | str) -> Path:
    """``out_root`` resolved (:func:`outside_sources`), or a ParameterError if a batch may not
    write there: it holds files other than report folders, scenario files and index files (``/``,
    a home folder), or index files this package did not write (they are never replaced)."""
    from . import gallery

    out_root = outside_sources(out_root)
    if out_root.is_dir():
        others = sorted(
            p.name for p in out_root.iterdir() if not p.is_dir() and not BATCH_FOLDER_FILES.fullmatch(p.name)
        )
        if others:
            raise ParameterError(
                f"--out {out_root} holds files that are not reports ({', '.join(others[:3])}"
                f"{', …' if len(others) > 3 else ''}); choose a new or a reports folder"
            )
        try:
            gallery.check_index_is_ours(out_root)
        except gallery.ForeignIndex as err:
            raise ParameterError(f"--out: {err}") from None
    return out_root


def check_out_dir(out_dir: Path | str, notebooks) -> Path:
    """``out_dir`` resolved (see :func:`outside_sources`), or a ParameterError if it holds
    anything but a report of ``notebooks``: a report folder is replaced whole."""
    out_dir = outside_sources(out_dir)
    if out_dir.is_dir():
        allowed = {f"{nb}.{suffix}" for nb in notebooks for suffix in SUFFIXES} | set(REPORT_EXTRAS)
        work = work_folder_names(out_dir)  # of a copy into a mount point (workspace.copy_in)
        others = sorted(p.name for p in out_dir.iterdir() if p.name not in allowed and not work.fullmatch(p.name))
        if others:
            raise ParameterError(
                f"--out {out_dir} holds files that are not part of a "
                f"{' or '.join(notebooks) if len(notebooks) == 1 else ''} report "
                f"({', '.join(others[:3])}); a report folder is replaced whole, "
                "so give a new or empty folder"
            )
    return out_dir


def render(name: str, overrides: dict | None = None, **options) -> dict[str, Path]:
    """Render report ``name`` with parameter ``overrides`` into the folder ``out_dir`` (default
    ``reports/NAME``); ``options`` are those of :func:`prepare` (``out_dir``, ``formats``,
    ``kernel``, ``browser``, ``own_folder``, ``deadline``).

    Writes ``NAME.ipynb``, ``NAME.json`` and, per ``formats``, ``NAME.html`` and ``NAME.pdf``,
    and the fingerprint sidecar that lets a later render with the same inputs skip the report
    (:func:`up_to_date`; this function always renders).
    They are produced in a locked hidden folder beside ``out_dir`` and swapped in as one set with
    one rename, so the folder holds every file of the new run or of the last good one, never a
    mix, and no format of an earlier run is left. On failure the executed notebook, without
    tracebacks or local paths, is kept as ``NAME.failed.ipynb``. ``out_dir`` may hold nothing but
    a report of ``own_folder`` (default: ``name``). ``kernel`` (a :class:`WarmKernel`) and
    ``browser`` (a :class:`~analysis.pipeline.pdf.Browser`) let a batch reuse one kernel and one
    Chromium for many reports. Returns the written paths by suffix.
    """
    return prepare(name, overrides, **options)()


def prepare(
    name: str,
    overrides: dict | None = None,
    out_dir: Path | str | None = None,
    formats: tuple[str, ...] = FORMATS,
    *,
    kernel: WarmKernel | None = None,
    browser: Browser | None = None,
    own_folder: tuple[str, ...] | None = None,
    deadline: float | None = None,
    scenario: dict | None = None,
):
    """The first part of :func:`render` (same arguments, and the ``scenario`` a batch renders:
    ``{"name", "title", "file"}``): check, execute and convert. Returns
    the second part, a function of no arguments that prints the PDF, swaps the report in and
    returns the written paths (or raises RenderError); call it exactly once — it releases the
    report's work folder. A batch worker calls it in another thread while its kernel runs the
    next report. ``deadline``: seconds the notebook may run in a kernel this function starts
    (default :func:`~analysis.pipeline.kernel.deadline_s`; a given ``kernel`` keeps its own)."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ParameterError(f"unknown output format(s) {', '.join(sorted(unknown))}; allowed: {', '.join(FORMATS)}")
    parameters = check_parameters(name, overrides or {})
    depends_on = fingerprint.inputs(name, parameters, formats, scenario)
    out_dir = check_out_dir(REPORTS_DIR / name if out_dir is None else out_dir, own_folder or (name,))
    try:
        work = Workspace(out_dir.parent, f".{out_dir.name}.")
        if out_dir.is_dir():  # what a render killed while copying into a mount point left there
            remove_stale(out_dir, f".{out_dir.name}.")
    except OSError as err:
        raise RenderError(f"cannot write to {out_dir}: {err.strerror or err}") from None
    own_kernel, own_browser = kernel is None, browser is None and "pdf" in formats
    # its connection file in the work folder: gone with it, even after a SIGKILL (clean-up)
    kernel = WarmKernel(work.path, deadline) if own_kernel else kernel

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
                preload_exporter()
            report = _produce(name, parameters, out_dir, work.path, formats, kernel, scenario)
            report["depends_on"] = depends_on
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
    move_into(executed, out_dir / f"{name}.failed.ipynb")


def _produce(name, parameters, out_dir, work, formats, kernel, scenario=None) -> dict:
    """Execute and convert into ``work/report``: the executed notebook, JSON, CSV tables,
    thumbnail and (for HTML or PDF) the HTML page. ``scenario`` (``{"name", "title", "file"}``,
    or None for a single render) goes into the JSON and the citation block. Returns what
    :func:`_finish` needs."""
    new = work / "report"
    new.mkdir()
    files = {"ipynb": new / f"{name}.ipynb"}
    try:
        notebook = execute(name, parameters, files["ipynb"], kernel)
    except RenderError:
        if files["ipynb"].exists():
            _keep_failed(name, files["ipynb"], out_dir)
        raise
    prov = identity.provenance()
    report_title = identity.title(notebook, name)
    figures = {"report": name, "title": report_title, **key_figures(notebook), "provenance": prov}
    if scenario:
        figures["scenario"] = scenario
    files["json"] = new / f"{name}.json"
    files["json"].write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    files["key_figures.csv"] = new / f"{name}.key_figures.csv"
    files["key_figures.csv"].write_text(key_figures_csv(figures), encoding="utf-8-sig")
    shown = tables(notebook)
    if shown:
        files["tables"] = new / f"{name}.tables"
        files["tables"].mkdir()
        for table in shown:
            # with a byte-order mark: Excel reads UTF-8 then (×, ₂, – are not garbled)
            (files["tables"] / table["file"]).write_text(table["csv"], encoding="utf-8-sig")
    thumb = first_image(notebook)
    if thumb:
        files["thumb.png"] = new / f"{name}.thumb.png"
        files["thumb.png"].write_bytes(thumb)
    if "html" in formats or "pdf" in formats:
        files["html"] = new / f"{name}.html"
        notebook.metadata["title"] = report_title
        links = [{"href": f"{name}.key_figures.csv", "label": "Key figures with their units and bands"}]
        links += [{"href": f"{name}.tables/{t['file']}", "label": t["caption"] or t["file"]} for t in shown]
        cite = identity.citation(report_title, prov, scenario)
        files["html"].write_text(to_html(notebook, prov, links, cite), encoding="utf-8")
    return {"new": new, "files": files, "footer": identity.footer_template(report_title, prov)}


def _finish(name, out_dir, formats, browser, *, new, files, footer, depends_on) -> dict[str, Path]:
    """Print the PDF (per ``formats``), drop the HTML if only the PDF was wanted, record the
    fingerprint of ``depends_on`` and the files' hashes, and swap the report folder ``new`` in
    for ``out_dir``; returns the written paths by suffix."""
    if "pdf" in formats:
        files["pdf"] = new / f"{name}.pdf"
        browser.print_pdf(files["html"], files["pdf"], footer)
    if "html" not in formats and "html" in files:
        files.pop("html").unlink()
    fingerprint.record(new, depends_on)
    swap_in(new, out_dir)
    return {suffix: out_dir / path.name for suffix, path in files.items()}


def described(scenario) -> dict:
    """What a report shows of the batch scenario (:class:`~.scenarios.Scenario`) it renders."""
    return {"name": scenario.name, "title": scenario.title, "file": scenario.source}


def up_to_date(
    name: str, parameters: dict, out_dir: Path, formats: tuple[str, ...] = FORMATS, scenario: dict | None = None
) -> list[Path] | None:
    """The files of the report in ``out_dir`` if rendering ``name`` with the checked
    ``parameters`` into ``formats`` (for ``scenario``, in a batch) would remake it: its recorded
    fingerprint matches and its files are all there, unmodified (:func:`.fingerprint.current`);
    else None, and it must be rendered."""
    return fingerprint.current(out_dir, fingerprint.inputs(name, parameters, formats, scenario))
