"""What a report shows: the theme (:func:`setup`), Markdown with data text escaped (:func:`say`),
tables with units in their labels whose data rides along for a CSV copy named by the table's id,
units in its headers (:func:`table`), figures as inline PNG with alt text (:func:`show`, :func:`finish`).
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .breaks import printable
from .chips import _chips, chip_name, chip_short
from .figures import FIGURE_WIDTH_IN, fit_width, share_text_metrics, text_sizes
from .numbers import NA, _missing
from .table_csv import Band, csv_frame, csv_text
from .table_html import styled_markup
from .units import csv_header, unit_of

#: seaborn's ``set_theme(style="whitegrid", context="notebook", font_scale=0.95)`` as a matplotlib
#: style file (a test checks it against seaborn), so a report kernel needs no seaborn.
STYLE = Path(__file__).resolve().parents[1] / "report.mplstyle"


def setup() -> None:
    """Theme for every report: :data:`STYLE` (white grid, readable fonts), bold titles, a CJK
    fallback font (Noto Sans CJK), PNG figures at print resolution, texts measured once per dpi."""
    import matplotlib.pyplot as plt
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    plt.style.use(STYLE)
    plt.rcParams.update(
        {
            "figure.figsize": (FIGURE_WIDTH_IN, 4.0),
            "figure.dpi": 110,
            "savefig.bbox": "tight",
            "axes.titleweight": "bold",
            # titles at the top edge, as placed automatically, without measuring tick labels
            "axes.titley": 1.0,
            # glyph fallback runs over font.family (not within "sans-serif")
            "font.family": ["DejaVu Sans", "Noto Sans CJK JP"] if _add_cjk_font() else ["DejaVu Sans"],
        }
    )
    set_matplotlib_formats("png")
    share_text_metrics()
    pd.set_option("display.max_columns", 30)


#: Where Debian's fonts-noto-cjk puts its fonts (installed by set-up).
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)


def _add_cjk_font() -> bool:
    """Whether matplotlib knows the CJK fallback font (Noto Sans CJK), adding it when its font
    cache predates the font's installation (matplotlib does not rescan system fonts)."""
    from matplotlib import font_manager

    def known() -> bool:
        return any(f.name == "Noto Sans CJK JP" for f in font_manager.fontManager.ttflist)

    if not known():
        for path in CJK_FONT_FILES:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                pass  # not installed: CJK glyphs print as boxes, nothing else changes
    return known()


def display(*objs, **kwargs) -> None:
    """IPython's ``display``, imported on first use (checking parameters needs no IPython)."""
    from IPython.display import display as ipython_display

    ipython_display(*objs, **kwargs)


def escape(text) -> str:
    """Data text made safe to show in Markdown or HTML: ``<`` ``>`` ``&`` and quotes as
    entities, so ``<script>`` in a chip name reads as text."""
    return html.escape(str(text), quote=True)


def say(text: str, *, html: bool = False) -> None:
    """Display Markdown text (findings, computed explanations). Any ``<`` is shown as a literal character and square
    brackets are escaped — text from the data can never become a tag, a script or a link (``[x](https://…)``) —
    unless ``html=True`` (the report's own markup, not data). ``$`` is always a currency sign here (reports load no
    math renderer), so it is escaped. Marked breaks print as markup (:func:`.breaks.printable`)."""
    from IPython.display import Markdown

    if not html:
        text = printable(text.replace("&", "&amp;").replace("<", "&lt;").replace("[", r"\[").replace("]", r"\]"))
    display(Markdown(text.replace("$", r"\$")))


def _display_frame(
    frame: pd.DataFrame, caption: str | None = None, *, index: bool = True, heading: tuple[str, str] | None = None
) -> None:
    """Display text cells as an HTML table, every cell, label and caption escaped; no index column
    if not ``index``; under ``heading`` (:func:`opening`)."""
    styler = frame.style.format(escape="html", na_rep=NA)
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    styler = styler if index else styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(escape(caption))
    display(Table(styler, opening(heading)))


#: What pandas' Styler puts on a table and its cells that no stylesheet of a report uses: an id
#: (``T_1a2b3_row0_col0``) and classes (``data row0 col0``) on every cell, and an empty ``<style>``.
STYLER_MARKUP = re.compile(r' (?:id|class)="[^"]*"(?= |>)| (?=>)|<style type="text/css">\s*</style>\s*')
#: A table cell whose value stays on one line (:func:`_nowrap`), and the same cell in lean markup.
NOWRAP_CELL = re.compile(r'<td><span style="white-space: nowrap">(.*?)</span></td>')


def lean_html(styled: str) -> str:
    """A Styler's table HTML without its per-cell ids and classes and its empty ``<style>``; a cell whose value
    stays on one line as ``<td class="n">`` (the report template's CSS keeps it on one line) instead of a ``nowrap``
    span in the cell; marked breaks as markup (:func:`.breaks.printable`). The same table, look and text (data text is
    escaped, nothing of it touched) in about 40 % of the bytes; Chromium printed the 20 default reports in 3-6 % less
    CPU (benchmarks/README.md)."""
    return printable(NOWRAP_CELL.sub(r'<td class="n">\1</td>', STYLER_MARKUP.sub("", styled)))


@dataclass(frozen=True)
class Table:
    """A table as a report shows it: ``styler`` (its data, formats and caption) in lean HTML
    (:func:`lean_html`), with a plain-text form that names the table (the same in every kernel;
    a Styler's names its memory address)."""

    styler: object
    before: str = ""

    @property
    def data(self) -> pd.DataFrame:
        return self.styler.data

    @property
    def caption(self) -> str | None:
        return self.styler.caption

    def to_html(self) -> str:
        return self.before + lean_html(styled_markup(self.styler) or self.styler.to_html())

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<table: {html.unescape(self.caption or '')}>"


def _formatter(spec):
    """A cell formatter from a format string or a callable; unknown values read ``n/a``."""
    if callable(spec):
        return lambda v: NA if _missing(v) and not isinstance(v, (str, Band)) else escape(spec(v))
    return lambda v: NA if (v is None or (not isinstance(v, (str, Band)) and _missing(v))) else escape(spec.format(v))


#: The metadata key under which a table's output carries its data (id, caption, CSV text),
#: invisible in HTML and PDF; the pipeline writes it to ``NOTEBOOK.tables/ID.csv``.
TABLE_MIME = "application/vnd.compute-parity.table+json"

#: A table's id: short, lower-case, the name of its CSV file (``parity_by_chip``).
TABLE_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


#: Cells whose shown text is at most this long never wrap (a value stays whole: "40.0 %", "2022-10-07",
#: "1.3 M GPU-h"); longer text (bands, prose) wraps at its spaces.
NOWRAP_CHARS = 12
#: A text column with a value this long is prose, left-aligned; numbers and bands stay right.
PROSE_CHARS = 40


def _nowrap(formatter, prose: bool = False, min_em: float | None = None):
    """``formatter`` whose short results (at most :data:`NOWRAP_CHARS` characters, already
    escaped) are kept on one line (a ``nowrap`` span); in a column of ``prose``, left-aligned
    instead (cells align right; the lean HTML keeps no cell class, so the cell holds it); with
    ``min_em``, every cell at least that many ems wide (a text column that would be squeezed to a
    word or three a line)."""

    def shown(value) -> str:
        text = formatter(value)
        if min_em:
            align = "text-align: left; " if prose else ""
            return f'<div style="{align}min-width: {min_em:g}em">{text}</div>'
        if prose:
            return f'<div style="text-align: left">{text}</div>'
        return f'<span style="white-space: nowrap">{text}</span>' if len(html.unescape(text)) <= NOWRAP_CHARS else text

    return shown


def opening(heading: tuple[str, str] | None) -> str:
    """The HTML of a section's heading and lead-in printed in the same output as the table or figure it
    opens (:func:`table`, :func:`show`): an ``h2`` whose id is the title with hyphens for spaces (as
    nbconvert gives a Markdown heading) and a ``p class="lead"`` (none for an empty lead-in), which the
    report template keeps with what follows (Chromium keeps a heading with what follows only within
    one output); plain text, escaped. Empty for None."""
    if not heading:
        return ""
    title, lead = heading
    opened = f'<h2 id="{escape(title.replace(" ", "-"))}">{escape(title)}</h2>\n'
    return opened + (f'<p class="lead">{escape(lead)}</p>\n' if lead else "")


#: The narrowest a row label that may wrap (:func:`table`'s ``wrap_labels``) gets [em].
LABEL_MIN_EM = 10


def table(
    frame: pd.DataFrame,
    formats: dict,
    caption: str | None = None,
    *,
    name: str,
    names: bool = True,
    unit: str | None = None,
    row_unit: str | None = None,
    wrap_labels: bool = False,
    min_widths: dict[str, float] | None = None,
    heading: tuple[str, str] | None = None,
) -> None:
    """Show the ``formats`` columns of ``frame`` with their labels (units included) and
    formats; unknown values read ``n/a``; all text is escaped. ``formats`` maps column ->
    ``"label|{format}"``, ``(label, format)`` or ``(label, format, header)`` where format is a
    format string or a function such as :func:`usd`. With ``names``, an index of chip ids shows the
    chips' names (rows of chips head the CSV's first column ``chip``). The table's data (values
    unformatted, unknown values empty) rides along in the output's metadata under
    :data:`TABLE_MIME` for the pipeline's copy ``NOTEBOOK.tables/NAME.csv``: ``name`` is the
    table's id (:data:`TABLE_ID`, e.g. ``parity_by_chip``; one per table of a report), each column
    headed by ``header`` or :func:`.units.csv_header` of its label (``unit``: the unit suffix of
    columns whose label states none), a column of numbers always with its unit (:func:`csv_frame`);
    ``row_unit``: a column of ``frame`` whose labels state each row's unit (``"cost [USD]"``,
    ``"days"``), for a table whose rows differ in unit; ``wrap_labels``: row labels may wrap onto
    lines of at least :data:`LABEL_MIN_EM` ems (long case names, which kept on one line squeeze the
    other columns to a few words or push the last off the page); ``min_widths``: the least width
    [em] of the named columns of ``frame``, for text columns that would wrap a word or three a line;
    ``heading``: (title, lead-in) of the section the table opens, kept with its first rows
    (:func:`opening`). Returns nothing, so a table at the end of a notebook cell is not shown a
    second time as a raw frame."""
    if not isinstance(name, str) or not TABLE_ID.fullmatch(name):
        raise ValueError(
            f"table id {name!r} is not a short id: lower-case letters, digits and _, a letter first, at most 40 "
            "characters (e.g. 'parity_by_chip')"
        )
    specs = {}
    for column, spec in formats.items():
        label, fmt, *header = spec.split("|", 1) if isinstance(spec, str) else spec
        specs[column] = (label, fmt, header[0] if header else csv_header(label, unit))
    shown = frame[list(specs)].rename(columns={c: s[0] for c, s in specs.items()})
    ids = _chips().index
    chip_ids = names and len(shown.index) and all(str(i) in ids for i in shown.index)
    if chip_ids:
        shown.index = [chip_name(str(i)) for i in shown.index]
    known = {*map(chip_name, ids), *map(chip_short, ids)}  # rows of chips by name: the CSV's first column "chip"
    chip_rows = len(shown.index) and all(str(i) in known for i in shown.index)
    shown.index.name = None
    prose = {s[0] for c, s in specs.items() if any(isinstance(v, str) and len(v) >= PROSE_CHARS for v in frame[c])}
    widths = {specs[c][0]: em for c, em in (min_widths or {}).items()}
    styler = shown.style.format(
        {label: _nowrap(_formatter(fmt), label in prose, widths.get(label)) for label, fmt, _ in specs.values()}
    )
    labels = (
        (lambda x: f'<div style="white-space: normal; min-width: {LABEL_MIN_EM}em">{escape(x)}</div>')
        if wrap_labels
        else None
    )
    styler = styler.format_index(labels, escape=None if wrap_labels else "html", axis=0)
    styler = styler.format_index(escape="html", axis=1)
    if caption:
        styler = styler.set_caption(escape(caption))
    units = None if row_unit is None else [unit_of(csv_header(label)) for label in frame[row_unit]]
    data = csv_frame(shown, [s[2] for s in specs.values()], table_id=name, row_units=units)
    display(
        Table(styler, opening(heading)),
        metadata={
            TABLE_MIME: {"name": name, "caption": caption or "", "csv": csv_text(data, "chip" if chip_rows else "")}
        },
    )


def alt_text(fig, key_value: str | None = None) -> str:
    """Alt text from a figure's titles (suptitle, then each axes' title) and a key value."""
    titles = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        titles.append(fig._suptitle.get_text())
    titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    text = "; ".join(dict.fromkeys(titles)) or "Figure"
    return f"{text}. {key_value}" if key_value else text


#: How a figure's PNG is compressed: zlib level 3 instead of Pillow's 6, the same pixels; encoding the
#: 53 figures of the 20 default reports takes 0.58 instead of 0.85 CPU-s, for 3 % more bytes.
PNG_OPTIONS = {"compress_level": 3}


def show(fig, alt: str | None = None, *, key_value: str | None = None, heading: tuple[str, str] | None = None) -> None:
    """Display ``fig`` as an inline PNG with alt text (``alt``, or the figure's titles plus
    ``key_value``), narrowed first where its text would print below 9 pt (:func:`fit_width`), then
    close it. The output carries both ``text/html`` (an ``<img alt=...>`` with the PNG inline, so the
    page opens offline, its smallest text size [pt, at the figure's own size] and its pixels per
    inch as ``data-text-pt`` and ``data-dpi``, from which the layout check works out the size the
    text prints at) and ``image/png`` (for thumbnails and comparisons; its metadata repeats the alt
    text, the smallest text size and the dpi). ``heading``: (title, lead-in) of the section the figure
    opens, printed above it in the same output and kept with it (:func:`opening`)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    bbox = fit_width(fig)
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches=bbox, pil_kwargs=PNG_OPTIONS)
    smallest = min(text_sizes(fig), default=0.0)
    plt.close(fig)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = alt if alt is not None else alt_text(fig, key_value)
    img = opening(heading) + (
        f'<img alt="{escape(alt)}" data-text-pt="{smallest:.4g}" data-dpi="{fig.dpi:.4g}" '
        f'src="data:image/png;base64,{png}" style="max-width:100%; height:auto">'
    )
    display(
        {"image/png": png, "text/html": img, "text/plain": f"<figure: {alt}>"},
        metadata={"image/png": {"alt": alt, "text_pt": round(smallest, 4), "dpi": fig.dpi}},
        raw=True,
    )


def finish(
    ax,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str | None = None,
    *,
    key_value: str | None = None,
    heading: tuple[str, str] | None = None,
) -> None:
    """Title and axis labels (with units), then show the figure with alt text (``alt``, or the
    title plus ``key_value``) under ``heading`` (:func:`show`) and close it."""
    import matplotlib.pyplot as plt

    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig = ax.figure
    fig.tight_layout()
    show(fig, alt, key_value=key_value, heading=heading)
    plt.close("all")
