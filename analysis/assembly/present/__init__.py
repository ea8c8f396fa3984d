"""The report theme and the presentation helpers the report notebooks share, one module a concern:

* :mod:`.numbers` — numbers in the words a reader uses (``usd``, ``count``, ``flop``, ``mw``,
  ``gwh``, ``pct`` …; ``n/a`` for unknown values, never ``e+`` notation), a count with its noun
  (``counted``: "1 chip", "2,048 chips") and a list in a sentence (``joined``);
* :mod:`.chips` — chips by name and by colour (``chip_name``, ``chip_short``, ``chip_colors``,
  ``chip_legend``, ``direct_labels``, ``chip_bars``);
* :mod:`.output` — the theme and what a report shows (``setup``, ``say``, ``table``, ``show``,
  ``finish``);
* :mod:`.table_csv` — a shown table's CSV copy: bands split into their parts, a unit in every header of
  numbers, no formula a spreadsheet would run (``Band``, ``csv_frame``, ``csv_text``);
* :mod:`.figures` — a figure several reports draw alike drawn once, log axes labelled in plain
  text, text measured once per resolution, one figure width and smallest text size so that figure text prints at 9 pt
  or more (``show_once``, ``log_scale``, ``share_text_metrics``, ``FIGURE_WIDTH_IN``, ``small_pt``);
* :mod:`.units` — units in names, one convention for JSON figures, key_figures.csv and table CSV
  headers (``unit_of``, ``csv_header``);
* :mod:`.sources` — the sources appendix of a report's inputs block and its citations
  (``source_list``, ``cite``);
* :mod:`.contract` — the appendix of parameters and inputs and the key figures of the JSON
  (``appendix``, ``emit_key_figures``).

Reports import this package as ``present`` and call ``present.usd(...)`` etc.
"""

from .chips import (
    CHIP_COLORS,
    EDGE,
    VENDOR_HUES,
    VENDOR_PALETTE,
    _derived_color,
    by_short_name,
    cheapest,
    chip_bars,
    chip_colors,
    chip_legend,
    chip_name,
    chip_short,
    direct_labels,
    luminance,
    server_power_ratios,
    short_from_name,
)
from .contract import (
    INPUT_LABELS,
    KEY_FIGURES_MIME,
    OPEN_ENDS,
    _plain,
    appendix,
    emit_key_figures,
    input_label,
    inputs_table,
    key_inputs,
    parameters_table,
)
from .figures import FIGURE_WIDTH_IN, log_scale, plain_power, share_text_metrics, show_once, small_pt
from .numbers import (
    NA,
    _missing,
    at_the_meter,
    count,
    counted,
    flop,
    gwh,
    joined,
    median_band,
    mw,
    num,
    pct,
    sci,
    times,
    usd,
    watts,
)
from .output import (
    CJK_FONT_FILES,
    STYLE,
    TABLE_ID,
    TABLE_MIME,
    Band,
    alt_text,
    display,
    escape,
    finish,
    say,
    setup,
    show,
    table,
)
from .sources import _address, cite, source_entries, source_list, source_numbers, used_keys
from .units import UNITS_BY_NAME, csv_header, unit_of

__all__ = [
    "at_the_meter",
    "Band",
    "FIGURE_WIDTH_IN",
    "CHIP_COLORS",
    "CJK_FONT_FILES",
    "EDGE",
    "INPUT_LABELS",
    "KEY_FIGURES_MIME",
    "NA",
    "OPEN_ENDS",
    "STYLE",
    "TABLE_ID",
    "TABLE_MIME",
    "UNITS_BY_NAME",
    "VENDOR_HUES",
    "VENDOR_PALETTE",
    "_derived_color",
    "_address",
    "_missing",
    "_plain",
    "alt_text",
    "appendix",
    "by_short_name",
    "cheapest",
    "chip_bars",
    "chip_colors",
    "chip_legend",
    "chip_name",
    "chip_short",
    "cite",
    "count",
    "counted",
    "csv_header",
    "direct_labels",
    "display",
    "emit_key_figures",
    "escape",
    "finish",
    "flop",
    "gwh",
    "input_label",
    "key_inputs",
    "inputs_table",
    "joined",
    "log_scale",
    "luminance",
    "median_band",
    "mw",
    "num",
    "parameters_table",
    "pct",
    "plain_power",
    "say",
    "sci",
    "share_text_metrics",
    "server_power_ratios",
    "setup",
    "short_from_name",
    "show",
    "small_pt",
    "show_once",
    "source_entries",
    "source_list",
    "source_numbers",
    "table",
    "times",
    "unit_of",
    "usd",
    "used_keys",
    "watts",
]
