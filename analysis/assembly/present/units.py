"""Units in names, one convention for every file a report writes: a figure's JSON name
(``it_power_mw``), the ``unit`` column of ``NAME.key_figures.csv`` and the column headers of its
table CSVs (``NAME.tables/ID.csv``) all end in a unit suffix of :data:`UNITS_BY_NAME`, read back by
:func:`unit_of`; a band's parts end ``_p10`` / ``_p50`` / ``_p90`` after the unit
(``capex_usd_p10``), as in the JSON. A table's header comes from its shown label
(:func:`csv_header`: ``"IT power [MW]"`` -> ``it_power_mw``) unless the table gives one.
"""

from __future__ import annotations

import re

#: The unit a name states, from its end (units live in names); first match wins, so a longer
#: ending comes before a shorter one it ends with.
UNITS_BY_NAME = (
    ("usd_per_kwh", "USD/kWh"),
    ("usd_per_gpu_hour", "USD/chip-hour"),
    ("usd_per_chip_hour", "USD/chip-hour"),
    ("usd_per_pflop_hour", "USD/PFLOP-hour"),
    ("usd_per_million_tokens", "USD/million tokens"),
    ("usd_per_million_input_tokens", "USD/million tokens"),
    ("usd_per_million_output_tokens", "USD/million tokens"),
    ("usd_per_million_cache_miss_tokens", "USD/million tokens"),
    ("usd_per_request", "USD/request"),
    ("usd_m_per_year", "million USD/year"),
    ("usd_m", "million USD"),
    ("per_musd", "per million USD"),
    ("per_usd", "per USD"),
    ("tokens_per_s_per_chip", "tokens/s per chip"),
    ("tokens_per_s", "tokens/s"),
    ("_usd", "USD"),
    ("_cny", "CNY"),
    ("cny_per_usd", "CNY/USD"),
    ("_ktco2_per_year", "kt CO2/year"),
    ("_tco2", "t CO2"),
    ("_mwh", "MWh"),
    ("_gwh_per_year", "GWh/year"),
    ("_gwh", "GWh"),
    ("kwh_per_pflop_hour", "kWh/PFLOP-hour"),
    ("_kwh", "kWh"),
    ("_gw", "GW"),
    ("_mw", "MW"),
    ("_kw", "kW"),
    ("w_per_tflops", "W per TFLOP/s"),
    ("_w", "W"),
    ("gpu_hours_m", "million chip-hours"),
    ("gpu_hours", "chip-hours"),
    ("days", "days"),
    ("months", "months"),
    ("flop_per_year", "FLOP/year"),
    ("_flop", "FLOP"),
    ("_tflops", "TFLOP/s"),
    ("_pflops", "PFLOP/s"),
    ("tpp_per_mm2", "TPP/mm²"),
    ("tpp", "TPP"),
    ("tpp_threshold", "TPP"),
    ("performance_density", "TPP/mm²"),
    ("_mm2", "mm²"),
    ("_gb_s", "GB/s"),
    ("_tb_s", "TB/s"),
    ("h100e_8bit", "8-bit H100-equivalents"),
    ("h100e_bf16", "BF16 H100-equivalents"),
    ("h100e", "H100-equivalents"),
    ("h100_equivalents_bf16", "BF16 H100-equivalents"),
    ("h100_equivalents_tpp", "TPP H100-equivalents"),
    ("_params_b", "billion parameters"),
    ("_params", "parameters"),
    ("chips_per_reference_chip", "chips per reference chip"),
    ("chips_per_reference", "chips per reference chip"),
    ("ics_per_card", "ICs per card"),
    ("packages", "packages"),
    ("chip_count", "chips"),
    ("chips", "chips"),
    ("count", "count"),
    ("_s", "s"),
    ("mfu", "fraction"),
    ("goodput", "fraction"),
    ("utilisation", "fraction"),
    ("coverage_p10_p90", "fraction"),
    ("error", "fraction"),
    ("tolerance", "fraction"),
    ("_share", "fraction"),
    ("efficiency", "fraction"),
    ("sobol_index", "fraction of variance"),
    ("_pct", "%"),
    ("_ratio", "ratio"),
    ("_factor", "ratio"),
    ("_multiplier", "ratio"),
)

#: What a figure's name may end in after its unit: the parts of its band (P10, P50, P90) or of a
#: range that is not one (low, base, high).
BAND_PARTS = ("_p10", "_p50", "_p90", "_low", "_base", "_high")


def unit_of(name: str) -> str:
    """The unit a name states (:data:`UNITS_BY_NAME`; a band part's suffix, :data:`BAND_PARTS`, set
    aside), or "" if it states none: ``capex_usd_m_p90`` -> ``million USD``."""
    stem = next((name.removesuffix(part) for part in BAND_PARTS if name.endswith(part)), name)
    return next((unit for n in (name, stem) for end, unit in UNITS_BY_NAME if n.endswith(end)), "")


#: The units tables show in brackets (``"energy [GWh/yr]"``) and the suffix each becomes in a header.
LABEL_UNITS = {
    "$": "usd",
    "$ M": "usd_m",
    "$ M/yr": "usd_m_per_year",
    "$/PFLOP-h": "usd_per_pflop_hour",
    "$/kWh": "usd_per_kwh",
    "$ per M": "usd_per_million_tokens",
    "CNY": "cny",
    "MW": "mw",
    "kW": "kw",
    "GWh/yr": "gwh_per_year",
    "MWh": "mwh",
    "t CO₂": "tco2",
    "t CO2": "tco2",
    "USD": "usd",
    "TFLOP/s": "tflops",
    "PFLOP/s": "pflops",
    "FLOP": "flop",
    "M": "m",
    "s": "s",
    "%": "pct",
    "mm²": "mm2",
    "TPP/mm²": "tpp_per_mm2",
    "GB/s": "gb_s",
    "TB/s": "tb_s",
    "tokens/s": "tokens_per_s",
    "tokens/s per chip": "tokens_per_s_per_chip",
    "chips": "chips",
    "packages": "packages",
    "months": "months",
    "8-bit H100e": "h100e_8bit",
    "H100e": "h100e",
    "B params": "params_b",
    "parameters": "params",
    "computed tokens/s per chip": "tokens_per_s_per_chip",
    "output tokens/s per chip": "tokens_per_s_per_chip",
}

#: Characters a header spells out.
SPELLED = {"$": " usd ", "%": " pct ", "²": "2", "₂": "2", "×": " x ", "/": " per ", "≤": " le "}


def snake(text: str) -> str:
    """``text`` as a lower-case ASCII name joined by ``_``: ``"China's run"`` -> ``chinas_run``."""
    for char, spelled in SPELLED.items():
        text = text.replace(char, spelled)
    return re.sub(r"[^a-z0-9]+", "_", text.lower().replace("'", "")).strip("_")


def csv_header(label: str, unit: str | None = None) -> str:
    """A table column's CSV header from its shown ``label``: the words in :func:`snake` case, then
    the unit in brackets as its suffix (:data:`LABEL_UNITS`): ``"IT power [MW]"`` -> ``it_power_mw``,
    ``"energy [GWh/yr]"`` -> ``energy_gwh_per_year``. ``unit`` (a suffix of :data:`UNITS_BY_NAME`) is
    added where the label states none: ``csv_header("us-dc-ppa", "tco_usd_m")`` -> ``us_dc_ppa_tco_usd_m``."""
    found = re.fullmatch(r"(.*?)\s*\[([^\]]+)\]\s*(.*)", str(label))
    words, suffix = (f"{found.group(1)} {found.group(3)}", found.group(2)) if found else (str(label), "")
    header = "_".join(p for p in (snake(words), LABEL_UNITS.get(suffix, snake(suffix))) if p)
    if unit and not unit_of(header):
        header = f"{header}_{unit}"
    return header or "value"
