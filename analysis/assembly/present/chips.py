"""Chips by name and colour: :func:`chip_name` (the catalog name), :func:`chip_short` (an axis
label), one colour per chip, the same in every report and distinguishable in greyscale print
(:func:`chip_colors`, :func:`chip_legend`, :func:`direct_labels`, :func:`chip_bars`).
"""

from __future__ import annotations

import colorsys
import re
import zlib

import numpy as np
import pandas as pd

from ...catalog import load, per_data
from .figures import small_pt
from .numbers import NA, _missing


def _chips() -> pd.DataFrame:
    return load("chips")


@per_data
def _names() -> dict[str, tuple[str, str]]:
    """Each chip id's catalog name and short label (:func:`short_from_name`), looked up thousands
    of times per report."""
    chips = _chips()
    return {
        chip: (name, short_from_name(name, vendor))
        for chip, name, vendor in zip(chips.index, chips["name"], chips["vendor"])
    }


def chip_name(chip_id) -> str:
    """The catalog name of a chip (``h800-sxm`` -> ``NVIDIA H800 SXM5 80GB``); an id that is not
    in the catalog is returned unchanged."""
    names = _names().get(str(chip_id).strip().lower())
    return str(chip_id if names is None else names[0])


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


def server_power_ratios(chips: pd.DataFrame) -> str:
    """Each chip's server power ratio as used (``server_power_ratio_used`` of an
    :func:`analysis.assembly.inputs.chips` frame, chips with a TDP), for a report's Methods."""
    tdp = chips[chips["power_basis"] == "tdp"]
    if len(tdp) and (tdp["server_power_ratio_origin"] == "set by the reader").all():
        return f"{tdp['server_power_ratio_used'].iloc[0]:g}, set by the reader"
    return ", ".join(f"{chip_short(c)} {r:.3g}" for c, r in tdp["server_power_ratio_used"].items())


def chip_short(chip_id) -> str:
    """A short readable label for axes and narrow tables: ``H800 SXM``, ``Ascend 910C``,
    ``MLU370-X8``, ``MI300X``; an id not in the catalog is returned unchanged."""
    names = _names().get(str(chip_id).strip().lower())
    return str(chip_id) if names is None else names[1]


def cheapest(values: pd.Series, *, what: str, fmt, missing: str) -> str:
    """Words for the lowest of a chip-indexed series, naming every chip left out because its value
    is unknown (a ranking never skips an unpriced chip silently): ``the cheapest to rent is H800
    SXM at $5.57 M; no rental price for H20, A800 SXM (n/a)``. ``what``: the ranking
    (``to rent``); ``fmt``: the value's format; ``missing``: what the unknown chips lack
    (``rental price``). Says so when no chip has a value."""
    known = values.dropna()
    unknown = [chip_short(c) for c in values.index if c not in known.index]
    if known.empty:
        return f"no chip shown has a {missing} (n/a)"
    best = known.idxmin()
    words = f"the cheapest {what} is {chip_short(best)} at {fmt(known[best])}"
    if unknown:
        words += f" of the {len(known)} with a {missing}; none for {', '.join(unknown)} (n/a, not ranked)"
    return words


def by_short_name(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose index of chip ids reads as short chip names (:func:`chip_short`),
    so a wide table fits the page."""
    shown = frame.copy()
    shown.index = [chip_short(c) for c in frame.index]
    return shown


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
    kwargs.setdefault("frameon", False)
    return ax.legend(handles=handles, title=title, **kwargs)


def direct_labels(ax, *, min_gap: float = 0.045, fontsize: float | None = None) -> None:
    """Label every labelled line of ``ax`` at its last point, in the line's colour, nudging
    labels apart vertically (``min_gap`` in axes fraction) so none overlap; ``fontsize`` [pt]: the
    theme's smallest (:func:`~.figures.small_pt`) unless given."""
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
            fontsize=fontsize or small_pt(),
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
            ax.text(0, yi, f" {missing}", va="center", fontsize=small_pt(), color="#555")
        elif fmt is not None:
            ax.text(value, yi, f" {fmt(value)}", va="center", fontsize=small_pt(), color="#222")
    ax.invert_yaxis()
