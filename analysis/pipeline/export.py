"""What an executed notebook becomes: its key figures (the JSON), its tables (CSV), its first
figure (the thumbnail) and one self-contained HTML page (nbconvert, code hidden).
"""

from __future__ import annotations

import base64
import importlib
import re
import threading
from pathlib import Path

from ..assembly.present import KEY_FIGURES_MIME, TABLE_MIME
from .errors import RenderError

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


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


def to_html(
    notebook, provenance: dict | None = None, data_files: list[dict] | None = None, citation: dict | None = None
) -> str:
    """The executed notebook as one self-contained HTML page without code or prompts, titled by
    the notebook's ``metadata.title``; ``provenance`` goes into ``<meta>`` tags; ``data_files``
    (``{"href", "label"}``) are linked at the end of the page (on screen, not in print);
    ``citation`` (:func:`~analysis.pipeline.identity.citation`) is the "How to cite" block that
    ends the page, on screen and in print."""
    resources = {"provenance": provenance or {}, "data_files": data_files or [], "citation": citation}
    body, _ = _exporter().from_notebook_node(notebook, resources=resources)
    return body


_local = threading.local()


_preloading: list[threading.Thread] = []


def preload_exporter() -> None:
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
