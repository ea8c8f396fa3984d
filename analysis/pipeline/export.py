"""What an executed notebook becomes: its key figures (the JSON), its tables (CSV), its first
figure (the thumbnail) and one self-contained HTML page (nbconvert, code hidden).
"""

from __future__ import annotations

import base64
import importlib
import re
import threading
from pathlib import Path

import pandas as pd

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


#: The unit of a key figure, from the end of its name (units live in names); first match wins.
UNITS_BY_NAME = (
    ("usd_per_kwh", "USD/kWh"),
    ("usd_per_gpu_hour", "USD/chip-hour"),
    ("usd_per_pflop_hour", "USD/PFLOP-hour"),
    ("usd_per_million_tokens", "USD/million tokens"),
    ("tokens_per_s", "tokens/s"),
    ("_usd", "USD"),
    ("_mwh", "MWh"),
    ("_gwh", "GWh"),
    ("_kwh", "kWh"),
    ("_gw", "GW"),
    ("_mw", "MW"),
    ("_kw", "kW"),
    ("_w", "W"),
    ("gpu_hours", "chip-hours"),
    ("days", "days"),
    ("_flop", "FLOP"),
    ("_tflops", "TFLOP/s"),
    ("tpp", "TPP"),
    ("chip_count", "chips"),
    ("chips", "chips"),
    ("count", "count"),
    ("mfu", "share (0–1)"),
    ("goodput", "share (0–1)"),
    ("coverage_p10_p90", "share (0–1)"),
    ("error", "share (0–1)"),
    ("tolerance", "share (0–1)"),
)


def unit_of(name: str) -> str:
    """The unit a key figure's name states (:data:`UNITS_BY_NAME`), or "" if it states none."""
    return next((unit for end, unit in UNITS_BY_NAME if name.endswith(end)), "")


def _band(node: dict, key: str) -> tuple:
    """(P10, P90) of figure ``key`` of a mapping: its ``KEY_p10`` / ``KEY_p90`` siblings, or for
    the ``modelled`` figure of a case the mapping's own ``p10`` / ``p90``."""
    if f"{key}_p10" in node or f"{key}_p90" in node:
        return node.get(f"{key}_p10"), node.get(f"{key}_p90")
    return (node.get("p10"), node.get("p90")) if key == "modelled" else (None, None)


def _is_band(node: dict, key: str) -> bool:
    """True for the band keys of a mapping (they are columns of their figure's row, not rows)."""
    return (key.endswith(("_p10", "_p90")) and key[:-4] in node) or (key in ("p10", "p90") and "modelled" in node)


def _figure_rows(node, path: str = ""):
    """(figure path, value, P10, P90, unit) of every number of a key-figure tree; bands
    (:func:`_band`) are columns of their figure's row; the unit is a case's own ``unit`` for its
    ``measured`` and ``modelled``, else what the name states (:func:`unit_of`). Items of a list
    are named by their ``id``, ``case_id`` or ``name`` (else their position)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if _is_band(node, str(key)):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                own = (
                    node.get("unit") if key in ("measured", "modelled") and isinstance(node.get("unit"), str) else None
                )
                yield f"{path}{key}", value, *_band(node, str(key)), own or unit_of(str(key))
            else:
                yield from _figure_rows(value, f"{path}{key}.")
    elif isinstance(node, list):
        for number, item in enumerate(node):
            named = isinstance(item, dict) and (item.get("id") or item.get("case_id") or item.get("name"))
            yield from _figure_rows(item, f"{path}{named or number}.")


def key_figures_csv(figures: dict) -> str:
    """The key figures as one tidy CSV (``NAME.key_figures.csv``): one row per number of the JSON
    (its ``parameters``, ``inputs``, ``provenance`` and ``scenario`` aside) — ``figure`` (its path
    in the JSON), ``unit`` (from its name, empty where the name states none), ``p10``, ``p50``
    (the figure itself) and ``p90`` (empty without a band)."""
    kept = {k: v for k, v in figures.items() if k not in ("parameters", "inputs", "provenance", "scenario")}
    rows = [(f, unit, p10, value, p90) for f, value, p10, p90, unit in _figure_rows(kept)]
    frame = pd.DataFrame(rows, columns=["figure", "unit", "p10", "p50", "p90"])
    return frame.to_csv(index=False)


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
