"""Render a report: check parameters, execute the notebook with papermill, convert it to a
self-contained HTML page (nbconvert, code hidden), print that page to PDF with headless Chromium,
and write its key figures as JSON — all into a temporary folder first, so that a failed run never
replaces the last good report.
"""
from __future__ import annotations

import ast
import difflib
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..catalog import PROJECT_DIR
from ..assembly.present import KEY_FIGURES_MIME
from ..assembly.params import ParameterError, check, cross_check
from .pdf import Browser, PdfError

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
    """Parameters of a notebook's ``parameters`` cell: name -> type, default and help text."""
    import papermill  # imported here: it costs ~0.6 s and only rendering needs it

    return papermill.inspect_notebook(str(notebook_path(name)))


def check_parameters(name: str, overrides: dict) -> dict:
    """Overrides checked against the notebook's declared parameters and their specifications,
    before any kernel starts. Unknown names fail naming the closest declared ones."""
    declared = declared_parameters(name)
    checked = {}
    for key, value in overrides.items():
        if key not in declared:
            raise unknown_parameter(name, key, declared)
        checked[key] = check(key, value, name)
    defaults = {key: ast.literal_eval(info["default"]) for key, info in declared.items()}
    cross_check(name, defaults | checked)
    return checked


def unknown_parameter(name: str, key: str, declared) -> ParameterError:
    """The error for a parameter ``key`` that notebook ``name`` does not declare."""
    close = difflib.get_close_matches(key, list(declared), n=3, cutoff=0.5)
    hint = f"closest: {', '.join(close)}; " if close else ""
    return ParameterError(f"unknown parameter {key!r} for {name}; {hint}"
                          f"declared: {', '.join(declared)}")


def key_figures(notebook) -> dict:
    """The key figures a report emitted (the output with :data:`KEY_FIGURES_MIME`)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if KEY_FIGURES_MIME in data:
                return data[KEY_FIGURES_MIME]
    raise RenderError("the notebook emitted no key figures (analysis.assembly.present.emit_key_figures)")


def to_html(notebook) -> str:
    """The executed notebook as one self-contained HTML page without code or prompts."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config({"TagRemovePreprocessor": {
        "enabled": True, "remove_cell_tags": ["remove_cell", "parameters", "injected-parameters"]}})
    exporter = HTMLExporter(config=config, template_name="report",
                            extra_template_basedirs=[str(TEMPLATE_DIR)], exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    return body


def _execute(name: str, parameters: dict, output: Path, kernel: "WarmKernel"):
    """Run the notebook with papermill into ``output`` in ``kernel`` (its namespace is reset
    first); a failing cell raises RenderError."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(str(notebook_path(name)), str(output), parameters=parameters,
                                   cwd=str(NOTEBOOK_DIR), progress_bar=False,
                                   kernel_name="python3", km=kernel.ready(),
                                   request_save_on_cell_execute=False)
    except PapermillExecutionError as err:
        raise RenderError(f"{name}: cell {err.exec_count} raised {err.ename}: "
                          f"{err.evalue.splitlines()[0] if err.evalue else ''}") from None
    except (KeyboardInterrupt, OSError):
        raise
    except Exception as err:  # the kernel died, timed out or could not start
        kernel.close()
        raise RenderError(f"{name}: the notebook's kernel failed ({type(err).__name__}: "
                          f"{str(err).splitlines()[0] if str(err) else 'no message'})") from None
    notebook = nbformat.read(str(output), as_version=4)
    # provenance without this machine's paths: the notebook and output names, the parameters
    notebook.metadata.papermill.update(input_path=f"notebooks/{name}.ipynb",
                                       output_path=f"{name}.ipynb")
    nbformat.write(notebook, str(output))
    return notebook


def render(name: str, overrides: dict | None = None, out_dir: Path | str = REPORTS_DIR,
           formats: tuple[str, ...] = FORMATS, kernel: "WarmKernel | None" = None,
           browser: Browser | None = None) -> dict[str, Path]:
    """Render report ``name`` with parameter ``overrides`` into ``out_dir``.

    Writes ``NAME.ipynb``, ``NAME.json`` and, per ``formats``, ``NAME.html`` and ``NAME.pdf``.
    Everything is produced in a temporary folder inside ``out_dir`` and moved into place only when
    all of it succeeded; on failure the executed notebook is kept as ``NAME.failed.ipynb`` and
    the previous report stays untouched. ``kernel`` (a :class:`WarmKernel`) and ``browser`` (a
    :class:`~analysis.pdf.Browser`) let a batch reuse one kernel, with its imports done, and one
    Chromium for many reports. Returns the written paths by suffix.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ParameterError(f"unknown output format(s) {', '.join(sorted(unknown))}; "
                             f"allowed: {', '.join(FORMATS)}")
    parameters = check_parameters(name, overrides or {})
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_work(out_dir, name)
        work = Path(tempfile.mkdtemp(prefix=f".{name}.{os.getpid()}.", dir=out_dir))
    except OSError as err:
        raise RenderError(f"cannot write to {out_dir}: {err.strerror}") from None
    own_kernel = kernel is None
    kernel = WarmKernel() if own_kernel else kernel
    try:
        return _produce(name, parameters, out_dir, work, formats, kernel, browser)
    except OSError as err:
        raise RenderError(f"cannot write the report into {out_dir}: {err.strerror or err}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if own_kernel:
            kernel.close()


def remove_stale_work(out_dir: Path, name: str) -> None:
    """Remove the temporary folders of renders of ``name`` whose process no longer exists (a
    render killed with SIGKILL cannot clean up after itself); the folder name holds the pid."""
    for folder in out_dir.glob(f".{name}.*.*"):
        pid = folder.name.split(".")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass


def _produce(name, parameters, out_dir, work, formats, kernel, browser) -> dict[str, Path]:
    """Execute, convert and print into ``work``, then move every file into ``out_dir``."""
    files = {"ipynb": work / f"{name}.ipynb"}
    try:
        notebook = _execute(name, parameters, files["ipynb"], kernel)
    except RenderError:
        if files["ipynb"].exists():
            os.replace(files["ipynb"], out_dir / f"{name}.failed.ipynb")
        raise
    figures = {"report": name, **key_figures(notebook)}
    files["json"] = work / f"{name}.json"
    files["json"].write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    if "html" in formats or "pdf" in formats:
        files["html"] = work / f"{name}.html"
        files["html"].write_text(to_html(notebook), encoding="utf-8")
    if "pdf" in formats:
        files["pdf"] = work / f"{name}.pdf"
        own_browser = browser is None
        browser = Browser() if own_browser else browser
        try:
            browser.print_pdf(files["html"], files["pdf"])
        except (PdfError, OSError) as err:
            raise RenderError(f"{name}: PDF printing failed: {err}") from None
        finally:
            if own_browser:
                browser.close()
    if "html" not in formats and "html" in files:
        del files["html"]
    written = {suffix: out_dir / path.name for suffix, path in files.items()}
    for suffix, path in files.items():
        os.replace(path, written[suffix])
    (out_dir / f"{name}.failed.ipynb").unlink(missing_ok=True)
    return written


class WarmKernel:
    """A Python kernel kept alive across reports: imports (pandas, seaborn, scipy …) are paid once
    per batch worker instead of once per report. Its user namespace is reset before each report,
    and a kernel that died is replaced."""

    def __init__(self):
        self.manager = None

    def ready(self):
        """The kernel manager, started (or restarted) and with a fresh namespace."""
        from jupyter_client import KernelManager

        if self.manager is None or not self.manager.is_alive():
            self.manager = KernelManager(kernel_name="python3")
            self.manager.start_kernel(cwd=str(NOTEBOOK_DIR),
                                      extra_arguments=["--IPKernelApp.log_level=ERROR"])
        client = self.manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            client.execute_interactive("%reset -f", timeout=60)
        finally:
            client.stop_channels()
        return self.manager

    def close(self) -> None:
        """Shut the kernel down."""
        if self.manager is not None and self.manager.is_alive():
            self.manager.shutdown_kernel(now=True)
