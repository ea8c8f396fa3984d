"""The source keys of a key figure (``NAME.key_figures.csv``'s ``source_keys``): the keys of the
inputs it rests on, as the report's JSON ``inputs`` block recorded them.

A figure rests on the inputs its formula takes, named once per concept in :data:`FIGURE_INPUTS`
(by the figure's name: the deepest segment of its path that has an entry, ``capex_usd`` in
``candidates › h20 › capex_usd``), read in the figure's scope: the report's shared inputs, plus the
records of every item its path names by id or, for a catalog row, by name (a chip, a region, a
validation case, a training run: ``inputs.chips.h20``),
plus the chip a record of the path names in its ``chip`` field (the reference's). A name ending in
``/`` takes every record of every item of that group (``shipments/``). A figure with no such input
says so: ``none: a parameter`` (the reader's own number), ``none: not traced`` (a figure no entry of
:data:`FIGURE_INPUTS` covers).
"""

from __future__ import annotations

GOODPUT = ("interruptions_per_chip_hour", "restart_hours", "checkpoint_write_hours", "checkpoint_interval_hours")
#: What a chip's useful throughput rests on: its peak and the utilisation of training or serving.
RATE = (
    "peak_tflops",
    "matmul_tflops",
    "attention_tflops",
    "hbm_tb_s",
    "hbm_gb",
    "hbm_efficiency",
    "batch_size",
    "architecture",
    "mfu",
    "mfu_factor",
    "huawei_mfu_factor",
    "interconnect_gb_s",
    "parallel_config",
    "overlap",
    "compute_efficiency",
)
CHIPS = (*RATE, *GOODPUT)
POWER = (*CHIPS, "max_w_per_chip", "server_power_ratio", "load_factor", "pue")
CAPEX = (*CHIPS, "price_usd", "all_in_capex_usd_per_chip", "server_cost_factor", "network_cost_fraction")
OPEX = (*POWER, "usd_per_kwh")
TCO = (*CAPEX, *OPEX, "years", "cost_of_capital")
RUN = ("active_params", "tokens", "training run", "model", "chip_count", *CHIPS)
SERVING = (*TCO, "utilisation", "serving reference")
STOCK = (
    "shipments/",
    "supply_constraints/",
    "die_bank",
    "hbm_stockpile",
    "ascend_dies_per_wafer",
    "ascend_wafer_share",
    "lifetime_years",
)
LARGEST_RUN = (*STOCK, "clusters/", "largest_runs/", "training_days", "mfu", "load_factor", *GOODPUT)
TPP = ("bf16_dense_tflops", "fp8_dense_tflops", "int8_dense_tops", "fp32_dense_tflops")

#: The inputs each key figure rests on, by the figure's name (one concept, one entry).
FIGURE_INPUTS: dict[str, tuple[str, ...]] = {
    "goodput": GOODPUT,
    "mfu": RATE,
    "chip_count": CHIPS,
    "chips_per_reference_chip": CHIPS,
    "chips_per_reference": CHIPS,
    "it_power_mw": POWER[:-1],
    "facility_power_mw": POWER,
    "annual_energy_gwh": POWER,
    "capex_usd": CAPEX,
    "annual_opex_usd": OPEX,
    "tco_usd": TCO,
    "usd_per_pflop_hour": TCO,
    "reference_usd_per_pflop_hour": TCO,
    "electricity_share_of_tco": TCO,
    "break_even_usd_per_kwh": TCO,
    "annual_emissions_tco2": (*POWER, "grid_kgco2_per_kwh"),
    "training_flop": ("active_params", "tokens", "training run", "model", "training_flop_equation"),
    "gpu_hours": RUN,
    "days": RUN,
    "energy_mwh": (*RUN, *POWER),
    "emissions_tco2": (*RUN, *POWER, "grid_kgco2_per_kwh"),
    "rental_cost_usd": (*RUN, "usd_per_gpu_hour"),
    "ownership_cost_usd": (*RUN, *TCO),
    "chips": (*CAPEX, "chips_per_server"),
    "h100_equivalents_bf16": ("peak_tflops", "price_usd", "chips_per_server"),
    "h100_equivalents_tpp": ("tpp", "price_usd", "chips_per_server"),
    "training_flop_per_year": (*CHIPS, "chips_per_server", "price_usd"),
    "compute_optimal_params": (*CHIPS, "tokens_per_parameter", "price_usd"),
    "tpp": TPP,
    "performance_density": (*TPP, "die_area_mm2"),
    "input_tokens_per_s_per_chip": RATE,
    "output_tokens_per_s_per_chip": RATE,
    "usd_per_chip_hour": SERVING,
    "usd_per_million_input_tokens": SERVING,
    "usd_per_million_output_tokens": SERVING,
    "usd_per_million_cache_miss_tokens": SERVING,
    "usd_per_request": SERVING,
    "measured": ("validation case",),
    "modelled": ("validation case",),
    "china_h100e_8bit": STOCK,
    "us_h100e_8bit": STOCK,
    "china_h100e_bf16": STOCK,
    "us_h100e_bf16": STOCK,
    "china_effective_h100e": STOCK,
    "us_effective_h100e": STOCK,
    "china_largest_run_flop": LARGEST_RUN,
    "us_largest_run_flop": LARGEST_RUN,
    "gap_months": LARGEST_RUN,
    "break_even_multiplier": LARGEST_RUN,
    "china_by_channel_h100e_8bit": STOCK,
    "binding_constraint_share_of_draws": STOCK,
    "china_power_gw": (*STOCK, "chips/", "regions/"),
    "us_power_gw": (*STOCK, "chips/", "regions/"),
    "china_electricity_usd": (*STOCK, "chips/", "regions/"),
    "us_electricity_usd": (*STOCK, "chips/", "regions/"),
    "policy_licensed_units_difference": (*STOCK, "policy_steps/"),
    "policy_moves_h100e_8bit_2025_2027": (*STOCK, "policy_steps/"),
    "p50": STOCK,
    "published": ("stock crosscheck",),
    "relative_difference": (*STOCK, "stock crosscheck"),
    "matched_share_of_draws": CHIPS,
    "break_even_share_of_draws": TCO,
    "disclosed": ("training run",),
    "computed": ("training run", "training_flop_equation"),
    "error": ("validation case", "training run"),
    "mean_abs_error": ("validation_cases/",),
    "max_abs_error": ("validation_cases/",),
    "coverage_p10_p90": ("validation_cases/",),
    "coverage_curve": ("validation_cases/",),
    "annual_cost_usd": TCO,
    "annual_electricity_usd": OPEX,
    "capex_priced_usd": CAPEX,
    "capex_server_usd": CAPEX,
    "capex_network_usd": CAPEX,
    "h100_equivalents_per_musd": ("peak_tflops", *CAPEX[len(CHIPS) :], "chips_per_server"),
    "training_flop_per_year_per_usd": (*CAPEX, "chips_per_server"),
    "largest_cluster_chips": (*CAPEX, "chips_per_server"),
    "v3_price": ("serving_references/",),
    "r1_price": ("serving_references/",),
    "v3_price_over_cost": ("serving_references/", *SERVING),
    "disclosed_cost_usd": ("serving_references/",),
    "disclosed_revenue_usd": ("serving_references/",),
    "revenue_usd": ("serving_references/",),
    "v3_revenue_usd": ("serving_references/",),
    "cost_profit_margin": ("serving_references/",),
    "modelled_cost_usd": ("serving_references/", *SERVING),
    "node_hours_cost_usd": ("serving_references/", *SERVING),
    "report_workload_cost_usd": ("serving_references/", *SERVING),
    "modelled_error": ("serving_references/", *SERVING),
}


def _record(value) -> bool:
    """Whether an inputs-block value is one record (value, unit, source, origin)."""
    return isinstance(value, dict) and "source" in value


def item_index(inputs: dict) -> tuple[dict[str, dict], dict[str, dict]]:
    """An inputs block's shared records by name, and the records of its items (a chip, a region,
    a validation case …) by each name that names an item: its id, or (a catalog row: one record)
    that record's value ("DeepSeek-V3"); items of one name merged in the block's order. Worked out
    once per report (:func:`source_keys` of its every figure reads it)."""
    shared = {name: r for name, r in inputs.items() if _record(r)}
    named: dict[str, dict] = {}
    for items in inputs.values():
        if not isinstance(items, dict) or _record(items):
            continue
        for key, records in items.items():
            records = {name: r for name, r in records.items() if _record(r)} if isinstance(records, dict) else {}
            value = next(iter(records.values())).get("value") if len(records) == 1 else None
            for name in dict.fromkeys((key, *([value] if isinstance(value, str) else []))):
                named[name] = named.get(name, {}) | records
    return shared, named


def _scope(path: tuple, figures: dict, index: tuple[dict, dict]) -> dict[str, dict]:
    """The records a figure at ``path`` sees, by name: shared ones, then those of every item
    its path names (a segment, or a part of a ``" · "``-joined list label) and of the chip a
    record on its path names (``index``: :func:`item_index` of the report's inputs)."""
    shared, named_items = index
    scope = dict(shared)
    node, named = figures, []
    for segment in ("", *path):
        node = node.get(segment, {}) if segment and isinstance(node, dict) else node
        if isinstance(node, dict) and isinstance(node.get("chip"), str):
            named.append(node["chip"])
        named += segment.split(" · ") if segment else []
    for item in named:
        scope |= named_items.get(item, {})
    return scope


def _every(group: str, inputs: dict) -> list[dict]:
    """Every record of every item of an inputs group (``shipments/``)."""
    items = inputs.get(group.rstrip("/"), {})
    return [r for item in items.values() if isinstance(item, dict) for r in item.values() if _record(r)]


def source_keys(path: tuple, figures: dict, exercised: tuple = (), index: tuple | None = None) -> str:
    """The source keys (``;``-separated, in the order of :data:`FIGURE_INPUTS`, each once) of the
    inputs the figure at ``path`` of a report's JSON rests on, or what it rests on instead:
    ``none: a parameter`` / ``none: not traced``. ``exercised``: the defaults a validation case
    lists as exercised (its ``exercised_defaults``), which its ``modelled`` value rests on too.
    ``index``: :func:`item_index` of the report's inputs, if the caller has it already."""
    inputs = figures.get("inputs", {})
    scope = _scope(path, figures, index or item_index(inputs))
    concept = next((s for s in reversed(path) if s in FIGURE_INPUTS), None)
    names = FIGURE_INPUTS[concept] if concept else (path[-1],)  # else: an input the report also reports
    names = (*names, *exercised) if path[-1] == "modelled" else names
    records = [r for n in names for r in (_every(n, inputs) if n.endswith("/") else [scope.get(n)])]
    if concept is None and not any(records):
        return "none: a parameter" if path[-1] in figures.get("parameters", {}) else "none: not traced"
    keys = [k.strip() for r in records if r for k in str(r.get("source") or "").split(";") if k.strip()]
    return "; ".join(dict.fromkeys(keys)) or "none: not traced"
