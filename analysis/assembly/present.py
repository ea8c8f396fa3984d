"""The report theme and the presentation helpers the report notebooks share.

* numbers in the words a reader uses: :func:`usd` ("$16.5 B"), :func:`count` ("2,048"),
  :func:`flop` ("3.3 × 10²⁴ FLOP"), :func:`mw` ("2.94 MW"), :func:`gwh`, :func:`pct` ("38 %");
  each reads ``n/a`` for an unknown value (None or NaN) and never prints ``e+`` notation;
* chips by name: :func:`chip_name` (the catalog name), :func:`chip_short` (an axis label);
* one colour per chip, the same in every report and distinguishable in greyscale print:
  :func:`chip_colors`, :func:`chip_legend`, :func:`direct_labels`, :func:`chip_bars`;
* output: :func:`say` (Markdown; data text is escaped), :func:`table` (units in labels, chip names,
  ``n/a``), :func:`show` (a figure with alt text), :func:`source_list` (the sources appendix),
  :func:`appendix` (the parameters as given and the inputs as used), :func:`emit_key_figures`.

The function name of a number formatter is the unit of its argument: ``usd`` takes dollars,
``flop`` FLOP, ``mw`` megawatts, ``gwh`` gigawatt-hours; ``pct`` takes a fraction (0.38 -> "38 %").
"""

from __future__ import annotations

import base64
import colorsys
import html
import io
import math
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import keys_in, load, sources

#: The output type a notebook's key figures travel in; the pipeline writes it to NAME.json.
KEY_FIGURES_MIME = "application/vnd.compute-parity.key-figures+json"

#: The metadata key under which a table's output carries its data (name, caption, CSV text),
#: invisible in HTML and PDF; the pipeline may write it to ``NOTEBOOK.tables/NAME.csv``.
TABLE_MIME = "application/vnd.compute-parity.table+json"

#: What an unknown value reads everywhere.
NA = "n/a"

# --------------------------------------------------------------------------------------------
# numbers


def _missing(x) -> bool:
    """None, NaN, pandas NA or an infinite value: a number no reader can use."""
    if x is None or x is pd.NA:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def _sig(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant figures."""
    if x == 0:
        return 0.0
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def _trim(text: str) -> str:
    """'16.50' -> '16.5', '2.00' -> '2'."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(x: float, digits: int, units: tuple[tuple[float, str], ...]) -> tuple[str, str] | None:
    """``x`` to ``digits`` significant figures in the largest unit it reaches: ('16.5', 'B')."""
    rounded = _sig(abs(x), digits)
    for size, name in units:
        if rounded >= size:
            value = _sig(rounded / size, digits)
            decimals = max(0, digits - 1 - int(math.floor(math.log10(value))))
            return _trim(f"{value:,.{decimals}f}"), name
    return None


def _sign(x: float) -> str:
    return "−" if x < 0 else ""


def usd(x, *, digits: int = 3) -> str:
    """Dollars as a reader writes them: ``$16.5 B``, ``$338 M``, ``$5.6 M`` (``digits``
    significant figures, trailing zeros dropped, for millions, billions and trillions),
    ``$12,000`` (whole dollars from $100), ``$0.28`` / ``$2.00`` (cents below $100), ``$0.0012``
    (two significant figures below a cent); ``n/a`` for an unknown value."""
    if _missing(x):
        return NA
    x = float(x)
    big = _scaled(x, digits, ((1e12, "T"), (1e9, "B"), (1e6, "M")))
    if big:
        return f"{_sign(x)}${big[0]} {big[1]}"
    a = abs(x)
    if a >= 100:
        return f"{_sign(x)}${a:,.0f}"
    if a >= 0.01 or a == 0:
        return f"{_sign(x)}${a:,.2f}"
    return f"{_sign(x)}${a:.2g}"


def count(x, *, digits: int = 3) -> str:
    """A count: ``2,048``, ``100,000`` (whole, with thousands separators, below a million),
    ``2.79 M`` / ``1.2 M`` / ``3.1 B`` (``digits`` significant figures from a million); a
    fractional count below 100 keeps three significant figures (``6.73``); ``n/a`` if unknown."""
    if _missing(x):
        return NA
    x = float(x)
    big = abs(x) >= 1e6 and _scaled(x, digits, ((1e12, "T"), (1e9, "B"), (1e6, "M")))
    if big:
        return f"{_sign(x)}{big[0]} {big[1]}"
    if abs(x) < 100 and not float(x).is_integer():
        return f"{_sign(x)}{_trim(f'{_sig(abs(x), 3):.{max(0, 2 - int(math.floor(math.log10(abs(x)))))}f}')}"
    return f"{_sign(x)}{abs(x):,.0f}"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sci(x, *, digits: int = 2) -> str:
    """``x`` in scientific notation with unicode superscripts: ``3.3 × 10²⁴``; plain below
    10,000 (``850``); ``n/a`` if unknown."""
    if _missing(x):
        return NA
    x = float(x)
    if x == 0:
        return "0"
    rounded = _sig(abs(x), digits)
    exponent = int(math.floor(math.log10(rounded)))
    if -3 <= exponent < 4:
        return count(x) if rounded >= 100 else f"{_sign(x)}{_trim(f'{rounded:.{max(0, digits - 1 - exponent)}f}')}"
    mantissa = _trim(f"{rounded / 10**exponent:.{digits - 1}f}")
    power = f"10{str(exponent).translate(_SUPERSCRIPT)}"
    return f"{_sign(x)}{power}" if mantissa == "1" else f"{_sign(x)}{mantissa} × {power}"


def flop(x, *, digits: int = 2) -> str:
    """Floating-point operations: ``3.3 × 10²⁴ FLOP``; ``n/a`` if unknown."""
    text = sci(x, digits=digits)
    return text if text == NA else f"{text} FLOP"


def _si(x, digits: int, units: tuple[tuple[float, str], ...], smallest: str) -> str:
    if _missing(x):
        return NA
    x = float(x)
    scaled = _scaled(x, digits, units)
    if scaled:
        return f"{_sign(x)}{scaled[0]} {scaled[1]}"
    return f"{_sign(x)}{_trim(f'{_sig(abs(x), digits):,.3f}')} {smallest}"


def mw(x, *, digits: int = 3) -> str:
    """Power given in megawatts: ``2.94 MW``, ``850 kW`` below 1 MW, ``1.2 GW`` from 1,000 MW;
    ``n/a`` if unknown. (Pass ``watts / 1e6`` for a figure in W, or use :func:`watts`.)"""
    if _missing(x):
        return NA
    return watts(float(x) * 1e6, digits=digits)


def watts(x, *, digits: int = 3) -> str:
    """Power given in watts, in the unit a reader uses: ``700 W``, ``10.2 kW``, ``2.94 MW``."""
    return _si(x, digits, ((1e9, "GW"), (1e6, "MW"), (1e3, "kW"), (1, "W")), "W")


def gwh(x, *, digits: int = 3) -> str:
    """Energy given in gigawatt-hours: ``1.5 GWh``, ``780 MWh`` below 1 GWh, ``2.1 TWh`` from
    1,000 GWh; ``n/a`` if unknown. (Pass ``kwh / 1e6`` for a figure in kWh.)"""
    if _missing(x):
        return NA
    return _si(float(x) * 1e6, digits, ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh"), (1, "kWh")), "kWh")


def pct(x, *, digits: int | None = None) -> str:
    """A fraction as a percentage: 0.38 -> ``38 %``; below 10 % one decimal (0.019 -> ``1.9 %``)
    unless ``digits`` (decimals) is given; ``n/a`` if unknown."""
    if _missing(x):
        return NA
    value = float(x) * 100
    if digits is None:
        digits = 0 if abs(value) >= 9.95 or value == 0 else 1
    return f"{_sign(value)}{abs(value):.{digits}f} %"


def num(value, spec: str = "{:,.2f}", missing: str = NA) -> str:
    """``value`` formatted with ``spec``, or ``missing`` when it is unknown (None or NaN)."""
    return missing if _missing(value) else spec.format(value)


# --------------------------------------------------------------------------------------------
# chips: names and colours


def _chips() -> pd.DataFrame:
    return load("chips")


def chip_name(chip_id) -> str:
    """The catalog name of a chip (``h800-sxm`` -> ``NVIDIA H800 SXM5 80GB``); an id that is not
    in the catalog is returned unchanged."""
    names = _chips()["name"]
    return str(names.get(str(chip_id).strip().lower(), chip_id))


_DROP_WORDS = {"instinct", "tesla"}


def short_from_name(name: str, vendor: str = "") -> str:
    """A short axis label from a chip's catalog name: no vendor, no parentheses, no memory size,
    form factor without its generation digit (``NVIDIA H800 SXM5 80GB`` -> ``H800 SXM``)."""
    text = re.sub(r"\([^)]*\)", " ", name)
    words = []
    for i, word in enumerate(text.split()):
        if i == 0 and vendor and word.lower() == vendor.lower():
            continue
        if word.lower() in _DROP_WORDS or re.fullmatch(r"\d+(GB|TB)", word, re.I):
            continue
        words.append(re.sub(r"^(SXM)\d$", r"\1", word))
    return " ".join(words) or name


def chip_short(chip_id) -> str:
    """A short readable label for axes and narrow tables: ``H800 SXM``, ``Ascend 910C``,
    ``MLU370-X8``, ``MI300X``; an id not in the catalog is returned unchanged."""
    chips = _chips()
    key = str(chip_id).strip().lower()
    if key not in chips.index:
        return str(chip_id)
    return short_from_name(chips.at[key, "name"], chips.at[key, "vendor"])


#: A fixed colour per chip id: hue by vendor (NVIDIA greens, Huawei reds, AMD oranges, Google
#: blue, Cambricon purple) and a grey value (luminance 0.299 R + 0.587 G + 0.114 B) chosen so the
#: chips usually compared together differ by >= 0.08 in greyscale print.
CHIP_COLORS = {
    "ascend-910c": "#7d121b",  # luminance 0.20
    "h100-sxm": "#117519",  # 0.30
    "ascend-910b": "#e23934",  # 0.42
    "a800-sxm-80gb": "#6ba718",  # 0.52
    "h800-sxm": "#5dd81f",  # 0.62
    "mi300x": "#eaa569",  # 0.70
    "h20": "#8defbe",  # 0.80
    "a100-sxm-80gb": "#148c78",  # 0.40
    "h200": "#1ab44d",  # 0.48
    "b200": "#13430a",  # 0.18
    "gb200": "#1fd79a",  # 0.60
    "h100-pcie": "#b9f4b4",  # 0.86
    "l20": "#97a217",  # 0.56
    "v100-sxm": "#c9f7d5",  # 0.90
    "ascend-910": "#f1a89d",  # 0.74
    "mi325x": "#f3d9ab",  # 0.86
    "tpu-v5p": "#1d66cc",  # 0.36
    "mlu370-x8": "#7317a1",  # 0.26
}

#: Hue (degrees) per vendor, for chips added to the catalog after :data:`CHIP_COLORS`.
VENDOR_HUES = {"NVIDIA": 120, "Huawei": 0, "AMD": 30, "Google": 215, "Cambricon": 280}

#: One representative colour per vendor (kept for figures by vendor).
VENDOR_PALETTE = {
    "NVIDIA": "#117519",
    "Huawei": "#e23934",
    "AMD": "#eaa569",
    "Google": "#1d66cc",
    "Cambricon": "#7317a1",
}

#: Bar and patch edges, so light colours stay visible on white paper.
EDGE = "#333333"


def luminance(color: str) -> float:
    """Grey value of a ``#rrggbb`` colour in print (0 black .. 1 white)."""
    r, g, b = (int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b


def _derived_color(chip_id: str) -> str:
    """A colour for a chip missing from :data:`CHIP_COLORS`: its vendor's hue (grey for an
    unknown vendor) and a lightness fixed by its id (a checksum, not its position)."""
    vendor = _chips()["vendor"].get(chip_id, "")
    lightness = 0.25 + 0.5 * (zlib.crc32(chip_id.encode()) % 1000) / 999
    hue = VENDOR_HUES.get(vendor)
    r, g, b = colorsys.hls_to_rgb((hue or 0) / 360, lightness, 0.75 if hue is not None else 0.0)
    return "#" + "".join(f"{round(v * 255):02x}" for v in (r, g, b))


def chip_colors(chip_ids) -> dict[str, str]:
    """``{chip_id: "#rrggbb"}``: one colour per chip, keyed by id, so a chip looks the same in
    every figure of every report whatever else is plotted."""
    return {c: CHIP_COLORS.get(str(c), None) or _derived_color(str(c)) for c in chip_ids}


def chip_legend(ax, chip_ids, *, title: str | None = None, short: bool = True, **kwargs):
    """A legend with one coloured patch per chip, labelled by name (``short`` labels by
    default); extra keyword arguments go to ``ax.legend`` (e.g. ``loc``, ``ncol``)."""
    from matplotlib.patches import Patch

    colors = chip_colors(chip_ids)
    handles = [
        Patch(facecolor=colors[c], edgecolor=EDGE, linewidth=0.5, label=chip_short(c) if short else chip_name(c))
        for c in chip_ids
    ]
    kwargs.setdefault("fontsize", 8)
    kwargs.setdefault("frameon", False)
    return ax.legend(handles=handles, title=title, **kwargs)


def direct_labels(ax, *, min_gap: float = 0.045, fontsize: float = 8) -> None:
    """Label every labelled line of ``ax`` at its last point, in the line's colour, nudging
    labels apart vertically (``min_gap`` in axes fraction) so none overlap."""
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_") and len(ln.get_xdata())]
    if not lines:
        return
    to_axes = ax.transAxes.inverted()
    ends = []
    for line in lines:
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            continue
        px, py = to_axes.transform(ax.transData.transform((x[ok][-1], y[ok][-1])))
        ends.append([py, px, line])
    ends.sort(key=lambda e: e[0])
    for i in range(1, len(ends)):
        ends[i][0] = max(ends[i][0], ends[i - 1][0] + min_gap)
    overflow = ends[-1][0] - 1.0 if ends else 0
    if overflow > 0:
        for e in ends:
            e[0] -= overflow
    for py, _px, line in ends:
        ax.annotate(
            line.get_label(),
            xy=(1.01, py),
            xycoords="axes fraction",
            va="center",
            fontsize=fontsize,
            color=line.get_color(),
            annotation_clip=False,
        )


def chip_bars(ax, values: pd.Series, missing: str = NA, *, fmt=None, short: bool = True) -> None:
    """Horizontal bars of ``values`` (indexed by chip id) in each chip's colour, labelled by chip
    name; an unknown value is drawn as the word ``missing`` in place of its bar. ``fmt`` (e.g.
    :func:`usd`) also writes each value at the end of its bar."""
    colors = chip_colors(values.index)
    labels = [chip_short(c) if short else chip_name(c) for c in values.index]
    y = np.arange(len(values))
    ax.barh(y, values.astype(float).fillna(0), color=[colors[c] for c in values.index], edgecolor=EDGE, linewidth=0.5)
    ax.set_yticks(y, labels)
    for yi, value in zip(y, values):
        if _missing(value):
            ax.text(0, yi, f" {missing}", va="center", fontsize=8, color="#555")
        elif fmt is not None:
            ax.text(value, yi, f" {fmt(value)}", va="center", fontsize=8, color="#222")
    ax.invert_yaxis()


# --------------------------------------------------------------------------------------------
# text, tables and figures


#: seaborn's ``set_theme(style="whitegrid", context="notebook", font_scale=0.95)`` as a matplotlib
#: style file (a test checks it against seaborn), so a report kernel needs no seaborn.
STYLE = Path(__file__).with_name("report.mplstyle")


def setup() -> None:
    """Theme for every report: :data:`STYLE` (white grid, readable fonts), bold titles, a CJK
    fallback font (Noto Sans CJK), PNG figures at print resolution."""
    import matplotlib.pyplot as plt
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    plt.style.use(STYLE)
    plt.rcParams.update(
        {
            "figure.figsize": (8.0, 4.2),
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
    """Display Markdown text (findings, computed explanations). Any ``<`` is shown as a literal
    character — text from the data can never become a tag or a script — unless ``html=True``
    (the report's own markup, not data). ``$`` is always a currency sign here (reports load no
    math renderer), so it is escaped."""
    from IPython.display import Markdown

    if not html:
        text = text.replace("&", "&amp;").replace("<", "&lt;")
    display(Markdown(text.replace("$", r"\$")))


def _text(value) -> str:
    """A parameter value as plain table text."""
    if isinstance(value, (list, tuple)):
        return (
            ", ".join(chip_name(v) if isinstance(v, str) and v in _chips().index else _text(v) for v in value) or "none"
        )
    if _missing(value) and not isinstance(value, str):
        return "n/a (not sourced)" if value is not None else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.number)):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:,.0f}"
        if abs(value) >= 1e5 or abs(value) < 1e-3:
            return sci(value, digits=4)
        return f"{value:,.6g}"
    if isinstance(value, str) and value in _chips().index:
        return chip_name(value)
    return str(value)


#: Monte Carlo inputs are keyed by their parameter's name; how a figure or table labels them.
INPUT_LABELS = {"usd_per_kwh": "electricity price", "pue": "PUE", "mfu": "MFU"}


def input_label(name: str) -> str:
    """A Monte Carlo input's label for a reader: ``usd_per_kwh`` -> ``electricity price``;
    per-chip inputs (``h20 price``) name the chip (``H20 price``)."""
    if name in INPUT_LABELS:
        return INPUT_LABELS[name]
    chip, _, what = name.partition(" ")
    return f"{chip_short(chip)} {what}" if what else name


def parameters_table(parameters: dict, declared: dict | None = None) -> None:
    """The parameters as the reader asked for them: a value the reader set reads as itself, one
    left at None reads "default" (the value used is in :func:`inputs_table`); with ``declared``
    (the report's ``PARAMETERS``) a meaning column from each parameter's specification."""
    rows = [
        {
            "parameter": name,
            "value": "default" if value is None else _text(value),
            "meaning": (declared[name].help if declared and name in declared else ""),
        }
        for name, value in parameters.items()
    ]
    frame = pd.DataFrame(rows, columns=["parameter", "value", "meaning"]).set_index("parameter")
    if not declared:
        frame = frame.drop(columns="meaning")
    _display_frame(frame.rename_axis(None), caption="Parameters as given (JSON: parameters).")


def _flat_inputs(used: dict, prefix: str = "") -> list[tuple[str, object]]:
    """``(name, Used)`` pairs of an inputs block, nested names joined as ``chip: name``."""
    pairs = []
    for name, value in used.items():
        label = f"{prefix}{name}"
        if isinstance(value, dict):
            pairs += _flat_inputs(value, f"{chip_short(name) if prefix == '' else label}: ")
        else:
            pairs.append((label, value))
    return pairs


def inputs_table(used: dict) -> None:
    """The inputs as the report used them (the JSON's ``inputs`` block): each value with its
    unit, its source key in data/SOURCES.md (listed under Sources) and where it came from."""
    rows = [
        {"input": name, "value": _text(u.value), "unit": u.unit, "source": u.source, "origin": u.origin}
        for name, u in _flat_inputs(used)
    ]
    frame = pd.DataFrame(rows, columns=["input", "value", "unit", "source", "origin"]).set_index("input")
    _display_frame(
        frame.rename_axis(None),
        caption="Inputs as used, after defaults (JSON: inputs); source: a key of data/SOURCES.md.",
    )


def appendix(parameters: dict, used: dict, declared: dict | None = None) -> None:
    """The appendix every report ends with: :func:`parameters_table` then :func:`inputs_table`."""
    parameters_table(parameters, declared)
    inputs_table(used)


def _display_frame(frame: pd.DataFrame, caption: str | None = None) -> None:
    """Display text cells as an HTML table with every cell, label and caption escaped."""
    styler = frame.style.format(escape="html", na_rep=NA)
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if caption:
        styler = styler.set_caption(escape(caption))
    display(styler)


def _formatter(spec):
    """A cell formatter from a format string or a callable; unknown values read ``n/a``."""
    if callable(spec):
        return lambda v: NA if _missing(v) and not isinstance(v, str) else escape(spec(v))
    return lambda v: NA if (v is None or (not isinstance(v, str) and _missing(v))) else escape(spec.format(v))


def slug(text: str) -> str:
    """A file-name-safe name: ``"TCO by chip (USD)"`` -> ``"tco-by-chip-usd"``."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or "table"


def table(
    frame: pd.DataFrame, formats: dict, caption: str | None = None, *, names: bool = True, name: str | None = None
) -> pd.DataFrame:
    """Show the ``formats`` columns of ``frame`` with their labels (units included) and
    formats; unknown values read ``n/a``; all text is escaped. ``formats`` maps column ->
    ``"label|{format}"`` or ``(label, format)`` where format is a format string or a function
    such as :func:`usd`. With ``names``, an index of chip ids shows the chips' names. The
    table's data (labels as columns, values unformatted, unknown values empty) rides along in the
    output's metadata under :data:`TABLE_MIME`, named ``name`` (default: the caption's or first
    label's :func:`slug`), for a CSV copy beside the report. Returns that frame."""
    specs = {}
    for column, spec in formats.items():
        label, fmt = spec.split("|", 1) if isinstance(spec, str) else spec
        specs[column] = (label, fmt)
    shown = frame[list(specs)].rename(columns={c: s[0] for c, s in specs.items()})
    if names:
        chips = _chips().index
        index = [str(i) for i in shown.index]
        if len(index) and all(i in chips for i in index):
            shown.index = [chip_name(i) for i in index]
    shown.index.name = None
    styler = shown.style.format({label: _formatter(fmt) for label, fmt in specs.values()})
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if caption:
        styler = styler.set_caption(escape(caption))
    csv_name = slug(name or caption or next(iter(shown.columns), "table"))
    display(
        styler, metadata={TABLE_MIME: {"name": csv_name, "caption": caption or "", "csv": shown.to_csv(index_label="")}}
    )
    return shown


def alt_text(fig, key_value: str | None = None) -> str:
    """Alt text from a figure's titles (suptitle, then each axes' title) and a key value."""
    titles = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        titles.append(fig._suptitle.get_text())
    titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    text = "; ".join(dict.fromkeys(titles)) or "Figure"
    return f"{text}. {key_value}" if key_value else text


def show(fig, alt: str | None = None, *, key_value: str | None = None) -> None:
    """Display ``fig`` as an inline PNG with alt text (``alt``, or the figure's titles plus
    ``key_value``), then close it. The output carries both ``text/html`` (an ``<img alt=...>``
    with the PNG inline, so the page opens offline) and ``image/png`` (for thumbnails)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    plt.close(fig)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = alt if alt is not None else alt_text(fig, key_value)
    img = f'<img alt="{escape(alt)}" src="data:image/png;base64,{png}" style="max-width:100%; height:auto">'
    display(
        {"image/png": png, "text/html": img, "text/plain": f"<figure: {alt}>"},
        metadata={"image/png": {"alt": alt}},
        raw=True,
    )


def finish(ax, title: str, xlabel: str, ylabel: str, alt: str | None = None, *, key_value: str | None = None) -> None:
    """Title and axis labels (with units), then show the figure with alt text (``alt``, or the
    title plus ``key_value``) and close it."""
    import matplotlib.pyplot as plt

    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig = ax.figure
    fig.tight_layout()
    show(fig, alt, key_value=key_value)
    plt.close("all")


# --------------------------------------------------------------------------------------------
# sources

#: Words in a SOURCES.md source cell that mark the entry as secondary (a report of a report, a
#: reprint, a trade-press summary, an aggregator) — the rule stated at the top of SOURCES.md.
SECONDARY_WORDS = re.compile(
    r"\b(secondary|weak|reprint\w*|relay\w*|via|trade press|aggregator|"
    r"indicative)\b",
    re.I,
)


def source_kind(entry) -> str:
    """``primary``, ``secondary`` or ``secondary, weak`` for a SOURCES.md entry (a row of
    :func:`analysis.catalog.sources` or a dict with ``source``), from its source cell: "weak" ->
    weak; "secondary" -> secondary; otherwise "primary" -> primary; otherwise any of
    :data:`SECONDARY_WORDS` -> secondary; otherwise primary."""
    text = str(entry.get("source", ""))
    if re.search(r"\bweak\b", text, re.I):
        return "secondary, weak"
    if re.search(r"\bsecondary\b", text, re.I):
        return "secondary"
    if re.search(r"\bprimary\b", text, re.I):
        return "primary"
    return "secondary" if SECONDARY_WORDS.search(text) else "primary"


def is_secondary(entry) -> bool:
    """Whether a SOURCES.md entry is secondary (see :func:`source_kind`)."""
    return source_kind(entry) != "primary"


def _link(url: str) -> str:
    """An address as a short link (its domain, linked to the full address); anything that is not
    an http(s) address is dropped (no local or relative paths in a report)."""
    url = str(url).strip().split()[0] if str(url).strip() else ""
    match = re.match(r"https?://(?:www\.)?([^/\s]+)", url)
    if not match:
        return ""
    return f'<a href="{escape(url)}">{escape(match.group(1))}</a>'


_KIND_ONLY = re.compile(r"\s*\((?:primary|secondary|weak)(?:[,;] (?:primary|secondary|weak))*\)", re.I)


def _source_text(text: str) -> str:
    """A source cell without the parentheses that only repeat its kind ("(secondary)")."""
    return _KIND_ONLY.sub("", str(text)).strip()


def cited_keys(name: str, ids, columns=None) -> list[str]:
    """Source keys behind rows ``ids`` of dataset ``name``, from all its source columns or only
    ``columns`` (e.g. ``("compute_source", "die_source")`` for a report that uses no prices),
    so the appendix lists the sources of the figures a report cited and no others."""
    frame = load(name)
    ids = [i for i in ids if i in frame.index]
    if columns is not None:
        frame = frame[[c for c in frame.columns if c in columns]]
    return keys_in(frame.loc[ids])


def source_entries(keys) -> pd.DataFrame:
    """The SOURCES.md entries of ``keys`` (each once, in first-cited order) with a ``kind``
    column (:func:`source_kind`)."""
    table = sources()
    keys = [k for k in dict.fromkeys(str(k).strip() for k in keys) if k in table.index]
    found = table.loc[keys].copy()
    found["kind"] = [source_kind(row) for _, row in found.iterrows()]
    return found


def source_list(
    chip_ids=(), regions=(), runs=(), extra_keys=(), *, tables: dict | None = None, chip_columns=None
) -> None:
    """The compact sources appendix, in two columns: each source key the report cited once,
    marked primary / secondary / weak, with its publisher and title and a link named by its
    domain. Keys come from ``extra_keys`` (e.g. a report's ``source_keys(r)``) and the rows of
    the chips, regions and runs given (chips: only the ``chip_columns`` source columns, if
    given), and ``tables`` ({dataset name: row ids})."""
    keys = list(extra_keys)
    if len(chip_ids):
        keys += cited_keys("chips", chip_ids, chip_columns)
    wanted = {"regions": regions, "training_runs": runs, **(tables or {})}
    for name, ids in wanted.items():
        if len(ids):
            keys += cited_keys(name, list(ids))
    found = source_entries(keys)
    items = []
    for key, row in found.iterrows():
        link = _link(row["url"])
        items.append(
            f"<li><b>{escape(key)}</b> ({row['kind']}): "
            f"{escape(_source_text(row['source']))}" + (f" — {link}" if link else "") + "</li>"
        )
    counts = found["kind"].value_counts()
    summary = ", ".join(
        f"{counts.get(k, 0)} {k}" for k in ("primary", "secondary", "secondary, weak") if counts.get(k, 0)
    )
    say(
        f"{len(found)} sources ({summary}). Primary: the publisher of the figure (vendor, "
        "regulator, paper, operator); secondary: a report of it by others; weak: a secondary "
        "source that is itself unsure. What was taken from each source, and the notes on "
        "disputed figures, are in `data/SOURCES.md` and the `note` column of each CSV.\n\n"
        "<div class='sources' style='columns: 2; column-gap: 1.6em'><ul>"
        + "".join(items).replace("$", "&#36;")
        + "</ul></div>",
        html=True,
    )


# --------------------------------------------------------------------------------------------
# key figures


def _plain(value):
    """A JSON-ready copy: numpy scalars as Python numbers, NaN and inf as None, keys as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_key_figures(parameters: dict, used: dict, **figures) -> None:
    """Called by a notebook's last cell: publish its parameters (as given), the inputs it used
    (``used``: name -> :class:`~analysis.assembly.inputs.Used`, nested per chip where needed) and
    its key figures as an output that the render pipeline writes to ``NAME.json`` (invisible in
    HTML and PDF)."""
    inputs = _plain(_used_json(used))
    display({KEY_FIGURES_MIME: _plain({"parameters": parameters, "inputs": inputs, **figures})}, raw=True)


def _used_json(used: dict) -> dict:
    """An inputs block as JSON: each record's value, unit, source and origin."""
    return {k: (_used_json(v) if isinstance(v, dict) else v.as_json()) for k, v in used.items()}
