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

from ..assembly.present import KEY_FIGURES_MIME, OPEN_ENDS, TABLE_ID, TABLE_MIME, csv_header, unit_of
from .errors import RenderError
from .figure_sources import item_index, source_keys
from .fonts import with_bold_cjk

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
    order: ``{"file", "caption", "csv"}``, the file named by the table's id (``ID.csv``,
    :data:`~analysis.assembly.present.TABLE_ID`). A table without a valid id, or two tables with one
    id, fail the render (RenderError naming the id). Units: :mod:`analysis.assembly.present.units`
    (:func:`unit_of` is the one the key figures' CSV uses)."""
    found, taken = [], set()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            entry = output.get("metadata", {}).get(TABLE_MIME)
            if not isinstance(entry, dict) or not isinstance(entry.get("csv"), str):
                continue
            table_id = entry.get("name")
            if not isinstance(table_id, str) or not TABLE_ID.fullmatch(table_id):
                raise RenderError(f"a table has no valid id ({table_id!r}): present.table(..., name='short_id')")
            if table_id in taken:
                raise RenderError(f"two tables have the id {table_id!r}: give each table of a report its own")
            taken.add(table_id)
            found.append({"file": f"{table_id}.csv", "caption": str(entry.get("caption") or ""), "csv": entry["csv"]})
    return found


#: What a report's JSON holds besides key figures.
NOT_FIGURES = ("parameters", "inputs", "provenance", "report", "title", "scenario")
BAND = re.compile(r"(.+)_(p10|p90)")
#: Fields that name an element of a list of records (a validation case, a checked run).
ITEM_NAMES = ("id", "case_id", "name", "run", "chip", "figure")


def flatten(value, path: tuple = ()) -> dict[tuple, object]:
    """Every leaf of a JSON value by its path of keys: a list of numbers or text is one leaf; a
    list of records is keyed by each record's name (:data:`ITEM_NAMES`), else its position."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, (*path, str(key))).items()}
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        named = [_naming(v) for v in value]
        labels = [" · ".join(str(v[k]) for k in keys) or f"#{i}" for i, (v, keys) in enumerate(zip(value, named), 1)]
        if len(set(labels)) < len(labels):
            labels, named = [f"#{i}" for i in range(1, len(value) + 1)], [()] * len(value)
        items = [{k: x for k, x in v.items() if k not in keys} if keys else v for v, keys in zip(value, named)]
        return {k: v for label, item in zip(labels, items) for k, v in flatten(item, (*path, label)).items()}
    return {path: tuple(value) if isinstance(value, list) else value}


def _naming(item) -> tuple[str, ...]:
    """The fields that name a list element (its first two text fields of :data:`ITEM_NAMES`:
    "DeepSeek-V3 · days"); they name its row and are not repeated as figures."""
    return tuple(k for k in ITEM_NAMES if isinstance(item, dict) and isinstance(item.get(k), str))[:2]


def banded(leaves: dict[tuple, object]) -> dict[tuple, dict]:
    """Leaves grouped into figures: ``{path: {"p50": v, "p10": v, "p90": v}}``, a leaf whose path
    has a segment ``x_p10`` / ``x_p90`` counting as the band of the leaf named ``x`` there (when
    that leaf exists) and a record's ``p10`` / ``p90`` as the band of its ``modelled`` (a
    validation case), every other leaf as a figure of
    its own (``p50`` only)."""
    figures: dict[tuple, dict] = {}
    for path, value in leaves.items():
        if path and path[-1] in ("p10", "p90") and (*path[:-1], "modelled") in leaves:  # a validation case's band
            figures.setdefault((*path[:-1], "modelled"), {})[path[-1]] = value
            continue
        for i, segment in enumerate(path):
            found = BAND.fullmatch(segment)
            base = (*path[:i], found.group(1), *path[i + 1 :]) if found else None
            if base in leaves:
                figures.setdefault(base, {})[found.group(2)] = value
                break
        else:
            figures.setdefault(path, {})["p50"] = value
    return figures


def path_unit(path: tuple) -> str:
    """The unit a figure's path states: that of its deepest segment that states one
    (:func:`~analysis.assembly.present.unit_of` of the segment as a header, so ``cost [USD]`` reads
    USD), or ""."""
    return next((u for segment in reversed(path) if (u := unit_of(csv_header(segment)))), "")


def key_figures_csv(figures: dict) -> str:
    """The key figures as one tidy CSV (``NAME.key_figures.csv``): one row per figure of the JSON
    (:func:`banded` of :func:`flatten`; parameters, inputs, provenance and text aside) —
    ``figure`` (its path, `` › ``-joined), ``unit`` (:func:`path_unit`; a case's own ``unit`` for
    its ``measured`` and ``modelled``), ``p10``, ``p50``, ``p90`` (empty without a band) and
    ``source_keys``, the keys of data/SOURCES.md of the inputs it rests on
    (:func:`.figure_sources.source_keys`; ``none: …`` says why a figure has none)."""
    kept = {k: v for k, v in figures.items() if k not in NOT_FIGURES}
    leaves = flatten(kept)
    index = item_index(figures.get("inputs", {}))
    rows = []
    for path, band in banded(leaves).items():
        if not all(_numeric(band[q]) for q in band):
            continue  # text, flags and lists are not key figures
        own = leaves.get((*path[:-1], "unit")) if path[-1] in ("measured", "modelled") else None
        unit = own if isinstance(own, str) else path_unit(path)
        exercised = leaves.get((*path[:-1], "exercised_defaults"))
        keys = source_keys(path, figures, exercised if isinstance(exercised, tuple) else (), index)
        rows.append((" › ".join(path), unit, band.get("p10"), band.get("p50"), band.get("p90"), keys))
    return pd.DataFrame(rows, columns=["figure", "unit", "p10", "p50", "p90", "source_keys"]).to_csv(index=False)


def _numeric(value) -> bool:
    """Whether a JSON value is a figure's number: a number, null (unknown) or an open end
    (:data:`~analysis.assembly.present.OPEN_ENDS`, written to the CSV as it reads: ``inf``)."""
    return (
        value is None
        or value in OPEN_ENDS.values()
        or (isinstance(value, (int, float)) and not isinstance(value, bool))
    )


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
    ends the page, on screen and in print. Bold CJK text gets a bold face inlined
    (:func:`.fonts.with_bold_cjk`)."""
    resources = {"provenance": provenance or {}, "data_files": data_files or [], "citation": citation}
    body, _ = _exporter().from_notebook_node(notebook, resources=resources)
    return with_bold_cjk(body)


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
    without code or interactive outputs does not need. Its preprocessing works on the one deep copy
    that ``from_notebook_node`` makes and validates the result once: nbconvert copies the notebook
    twice more (normalizing the second copy: missing or repeated cell ids, which papermill's
    notebooks do not have) and validates it after each of its twelve preprocessors, most of them
    off (≈ 0.014 of a report's ≈ 0.034 CPU-s; the same HTML)."""
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

        def _preprocess(self, nb, resources):
            for preprocessor in self._preprocessors:
                nb, resources = preprocessor(nb, resources)
            self._validate_preprocessor(nb, preprocessor)
            return nb, resources

    return ReportExporter
