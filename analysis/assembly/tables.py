"""The tables each report shows, built from the catalog and a report's parameters.

Each function takes validated parameters and returns a DataFrame (one row per chip or per
chip × region) with units in its column names; the notebooks only display and plot them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..formulas import compute, controls, cost, inference, power, scaling, uncertainty
from ..catalog import load, lookup
from ..formulas.power import HOURS_PER_YEAR

#: Epoch AI's median utilisation of 33 runs with a known figure (training-cost-trends), used
#: when a run discloses neither its MFU nor enough to imply it.
MEDIAN_MFU = 0.375


def region_inputs(region: str, usd_per_kwh: float | None = None, pue: float | None = None) -> dict:
    """Electricity price [USD/kWh], PUE and grid intensity [kg CO2/kWh] of a region; explicit
    ``usd_per_kwh``/``pue`` override the region's base values."""
    row = lookup(load("regions"), region, "region")
    price = row["usd_per_kwh"] if usd_per_kwh is None else usd_per_kwh
    if np.isnan(price):
        raise ValueError(f"region {row.name!r} has no sourced electricity price; pass usd_per_kwh")
    return {"region": row.name, "usd_per_kwh": float(price),
            "pue": float(row["pue"] if pue is None else pue),
            "grid_kgco2_per_kwh": float(row["grid_kgco2_per_kwh"])}


def chip_frame(chip_ids, precision: str = "bf16") -> pd.DataFrame:
    """Catalog rows for ``chip_ids`` (in that order) with their ``peak_tflops`` at ``precision``."""
    chips = load("chips")
    ids = [lookup(chips, c, "chip").name for c in chip_ids]
    frame = chips.loc[ids].copy()
    frame["peak_tflops"] = compute.peak_tflops(frame, precision)
    return frame


def it_w_per_chip(chips: pd.DataFrame, load_factor=power.LOAD_FACTOR,
                  overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP) -> pd.Series:
    """Average IT power per chip [W]: TDP × load factor + overhead; for a chip without a published
    TDP, the all-in power per chip of a system built from it (``systems.csv``, e.g. CloudMatrix
    384: 559 kW / 384), which already includes servers and network."""
    watts = pd.Series(power.it_power_w(1, chips["tdp_w"], load_factor, overhead_w_per_chip), index=chips.index)
    systems = load("systems").dropna(subset=["system_power_kw"])
    per_chip = (systems["system_power_kw"] * 1e3 / systems["chips"]).groupby(systems["chip_id"]).first()
    return watts.fillna(per_chip.reindex(chips.index))


def drawn_it_w(tdp_w, fixed_w, load_factor=power.LOAD_FACTOR, overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP):
    """IT power per chip for drawn TDPs [W], or the :func:`it_w_per_chip` fallback where the
    TDP is unknown (NaN)."""
    tdp_w = np.asarray(tdp_w, dtype=float)
    return np.where(np.isnan(tdp_w), fixed_w, power.it_power_w(1, tdp_w, load_factor, overhead_w_per_chip))


def run_inputs(model: str, overrides: dict) -> dict:
    """The inputs of a training run: a row of ``training_runs.csv`` (``model``) with any non-None
    ``overrides`` (``total_params``, ``active_params``, ``tokens``, ``chip``, ``chip_count``,
    ``usd_per_gpu_hour``) applied; ``custom`` takes everything from the overrides.

    ``disclosed_chip`` and ``gpu_hours`` keep the run's disclosure (for its implied MFU) unless
    the model or token count is overridden, which makes the disclosed hours meaningless.
    """
    fields = ("total_params", "active_params", "tokens", "chip", "chip_count", "usd_per_gpu_hour")
    if model == "custom":
        run = {name: None for name in fields} | {"gpu_hours": None, "pretraining_gpu_hours": None,
                                                 "reported_mfu": None, "disclosed_chip": None}
    else:
        row = lookup(load("training_runs"), model, "training run")
        run = {name: row.get(name) for name in fields if name != "chip"}
        run |= {"chip": row["chip_id"], "disclosed_chip": row["chip_id"],
                "gpu_hours": row["gpu_hours"], "pretraining_gpu_hours": row["pretraining_gpu_hours"],
                "reported_mfu": row["reported_mfu"]}
    changed = {k: v for k, v in overrides.items() if v is not None}
    if changed.get("chip") not in (None, run["chip"]) or "chip_count" in changed:
        run["usd_per_gpu_hour"] = None  # the run's own price was for its own cluster
    run |= changed
    if changed.keys() & {"active_params", "tokens"}:
        run["gpu_hours"] = run["pretraining_gpu_hours"] = None
    missing = [name for name in ("active_params", "tokens", "chip", "chip_count")
               if run.get(name) is None or pd.isna(run.get(name))]
    if missing:
        raise ValueError(f"training run {model!r} needs {', '.join(missing)}: pass them as parameters")
    if run.get("total_params") is None or pd.isna(run["total_params"]):
        run["total_params"] = run["active_params"]
    return {k: (None if v is not None and not isinstance(v, str) and pd.isna(v) else v)
            for k, v in run.items()}


def run_mfu(run: dict, precision: str = "bf16", mfu: float | None = None) -> tuple[float, str]:
    """The MFU a run is modelled at, and where it comes from: the ``mfu`` parameter; else implied
    by the disclosed total GPU-hours on the disclosed chip (all stages, so the projection
    reproduces them); else the reported MFU; else Epoch AI's median 0.375."""
    if mfu is not None:
        return mfu, "parameter"
    if run.get("gpu_hours"):
        peak = chip_frame([run["disclosed_chip"]], precision)["peak_tflops"].iloc[0]
        flop = compute.training_flop(run["active_params"], run["tokens"])
        return (float(compute.implied_mfu(flop, run["gpu_hours"], peak)),
                f"implied by the disclosed GPU-hours on {run['disclosed_chip']}")
    if run.get("reported_mfu"):
        return run["reported_mfu"], "reported"
    return MEDIAN_MFU, "Epoch AI median, no disclosure"


def training_by_chip(run: dict, chip_ids, mfu: float, site: dict, precision="bf16",
                     recompute=False, load_factor=power.LOAD_FACTOR,
                     overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP, years=cost.YEARS,
                     usd_per_gpu_hour: float | None = None) -> pd.DataFrame:
    """The run's figures on each chip in ``chip_ids``, same chip count; ``mfu`` is one value for
    every chip or a Series by chip id (see :func:`scaled_mfu`).

    Columns: ``peak_tflops``, ``training_flop``, ``hardware_flop``, ``gpu_hours``, ``days``,
    ``energy_mwh`` (facility, incl. PUE), ``rental_cost_usd`` (GPU-hours × the chip's base rental;
    the run's own chip uses ``usd_per_gpu_hour`` when given), ``ownership_cost_usd`` (hardware
    capex charged for the run's duration over ``years`` + electricity), ``emissions_tco2``.
    """
    chips = chip_frame(chip_ids, precision)
    out = pd.DataFrame(index=chips.index)
    out["peak_tflops"] = chips["peak_tflops"]
    out["training_flop"] = compute.training_flop(run["active_params"], run["tokens"])
    out["hardware_flop"] = compute.hardware_flop(run["active_params"], run["tokens"], recompute)
    out["mfu"] = pd.Series(mfu, index=chips.index) if np.isscalar(mfu) else mfu.reindex(chips.index)
    out["gpu_hours"] = compute.gpu_hours(out["training_flop"], chips["peak_tflops"], out["mfu"])
    out["days"] = compute.wall_clock_days(out["gpu_hours"], run["chip_count"])
    per_chip_w = it_w_per_chip(chips, load_factor, overhead_w_per_chip).to_numpy()
    energy_kwh = power.energy_kwh(power.facility_power_w(per_chip_w, site["pue"]), out["gpu_hours"])
    out["energy_mwh"] = energy_kwh / 1_000
    rental = chips["usd_per_gpu_hour"].copy()
    if usd_per_gpu_hour is not None and run["chip"] in rental.index:
        rental[run["chip"]] = usd_per_gpu_hour
    out["usd_per_gpu_hour"] = rental
    out["rental_cost_usd"] = cost.rental_cost_usd(out["gpu_hours"], rental)
    hardware = cost.capex_usd(run["chip_count"], chips["price_usd"])
    run_years = out["days"] / 365.0
    out["ownership_cost_usd"] = (cost.annual_capex_usd(hardware, years) * run_years
                                 + cost.electricity_cost_usd(energy_kwh, site["usd_per_kwh"]))
    out["emissions_tco2"] = power.emissions_tco2(energy_kwh, site["grid_kgco2_per_kwh"])
    return out


def step_table(config_id: str, chip_ids, compute_efficiency: float = 0.5,
               overlap: float = 0.0) -> pd.DataFrame:
    """:func:`~analysis.formulas.scaling.training_step` of a published parallel configuration
    (``data/parallel_configs.csv``) on each chip, one row per chip id."""
    config = lookup(load("parallel_configs"), config_id, "parallel configuration")
    model = lookup(load("models"), config["model_id"], "model")
    chips = chip_frame(chip_ids)
    steps = scaling.training_step(chips["bf16_dense_tflops"].to_numpy(), chips["interconnect_gb_s"].to_numpy(),
                                  model=model, config=config, compute_efficiency=compute_efficiency,
                                  overlap=overlap)
    return pd.DataFrame(steps, index=chips.index)


def scaled_mfu(mfu: float, anchor_chip: str, chip_ids, parallel_config: str, overlap: float,
               compute_efficiency: float = 0.5) -> tuple[pd.Series, pd.DataFrame]:
    """Per-chip MFU when ``mfu`` holds on ``anchor_chip``: each chip's MFU is scaled by its
    interconnect-aware scaling efficiency relative to the anchor's,
    ``MFU_chip = MFU × efficiency_chip / efficiency_anchor``, for a published parallel
    configuration. Returns (MFU by chip, the :func:`scaling.training_step` table)."""
    ids = list(dict.fromkeys([anchor_chip, *chip_ids]))
    steps = step_table(parallel_config, ids, compute_efficiency, overlap)
    efficiency = steps["scaling_efficiency"]
    return (mfu * efficiency / efficiency[anchor_chip]).clip(upper=1.0), steps


def backtest() -> pd.DataFrame:
    """Every run of ``training_runs.csv``: each disclosed figure beside what the model computes
    from the run's other disclosed inputs, and the implied MFU where none is disclosed.

    Checks (where both sides are disclosed): training FLOP = 6 · N_active · D; days = GPU-hours
    (pre-training hours where given) / chips / 24, for runs not marked as estimates; cost =
    GPU-hours × the run's $/GPU-hour; energy = GPU-hours × the run's W per GPU × its PUE (1 if
    none); emissions = that energy × the run's grid intensity.
    Columns: ``run``, ``figure``, ``disclosed``, ``modelled``, ``error`` (modelled / disclosed − 1).
    """
    runs = load("training_runs")
    chips = load("chips")
    rows = []
    for run_id, r in runs.iterrows():
        flop = compute.training_flop(r["active_params"], r["tokens"]) if r["tokens"] == r["tokens"] else np.nan
        hours = r["pretraining_gpu_hours"] if r["pretraining_gpu_hours"] == r["pretraining_gpu_hours"] else r["gpu_hours"]
        energy_mwh = r["gpu_hours"] * r["reported_w_per_gpu"] * np.nan_to_num(r["reported_pue"], nan=1.0) / 1e6
        checks = {
            "training FLOP": (r["reported_training_flop"], flop),
            "days": (np.nan if r["is_estimate"] else r["days"], hours / r["chip_count"] / 24
                     if pd.notna(r["chip_count"]) else np.nan),
            "cost [USD]": (r["reported_cost_usd"], r["gpu_hours"] * r["usd_per_gpu_hour"]),
            "energy [MWh]": (r["energy_mwh"], energy_mwh),
            "emissions [t CO2]": (r["emissions_tco2"], energy_mwh * r["reported_kgco2_per_kwh"]),
        }
        for figure, (disclosed, modelled) in checks.items():
            if pd.notna(disclosed) and pd.notna(modelled):
                rows.append({"run": run_id, "figure": figure, "disclosed": float(disclosed),
                             "modelled": float(modelled), "error": float(modelled) / float(disclosed) - 1})
        if pd.isna(r["reported_mfu"]) and pd.notna(flop):
            peak = chips.loc[r["chip_id"], "bf16_dense_tflops"]
            rows.append({"run": run_id, "figure": "implied BF16 MFU", "disclosed": np.nan,
                         "modelled": float(compute.implied_mfu(flop, hours, peak)), "error": np.nan})
    return pd.DataFrame(rows)


def cluster_costs(chips: pd.DataFrame, chip_count, effective_tflops_per_chip, site: dict,
                  load_factor=power.LOAD_FACTOR, overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP,
                  years=cost.YEARS, cost_of_capital=0.0) -> pd.DataFrame:
    """Power, energy and cost of owning ``chip_count`` of each chip for ``years``.

    Columns: ``chip_count``, ``it_power_mw``, ``facility_power_mw``, ``annual_energy_gwh``,
    ``annual_emissions_tco2`` (at the site's grid intensity),
    ``capex_usd``, ``annual_capex_usd``, ``annual_electricity_usd``, ``annual_opex_usd``,
    ``tco_usd``, ``usd_per_pflop_hour``, ``electricity_share_of_tco``, ``capex_usd_per_pflop_hour``
    and ``kwh_per_pflop_hour`` (for the break-even price).
    """
    out = pd.DataFrame(index=chips.index)
    out["chip_count"] = chip_count
    it_w = np.asarray(chip_count) * it_w_per_chip(chips, load_factor, overhead_w_per_chip).to_numpy()
    facility_w = power.facility_power_w(it_w, site["pue"])
    out["it_power_mw"] = it_w / 1e6
    out["facility_power_mw"] = facility_w / 1e6
    annual_kwh = power.energy_kwh(facility_w, HOURS_PER_YEAR)
    out["annual_energy_gwh"] = annual_kwh / 1e6
    out["annual_emissions_tco2"] = power.emissions_tco2(annual_kwh, site["grid_kgco2_per_kwh"])
    out["capex_usd"] = cost.capex_usd(chip_count, chips["price_usd"])
    out["annual_capex_usd"] = cost.annual_capex_usd(out["capex_usd"], years, cost_of_capital)
    out["annual_electricity_usd"] = cost.electricity_cost_usd(annual_kwh, site["usd_per_kwh"])
    out["annual_opex_usd"] = out["annual_electricity_usd"]
    out["tco_usd"] = cost.tco_usd(out["capex_usd"], out["annual_opex_usd"], years, cost_of_capital)
    pflop_hours = np.asarray(chip_count) * effective_tflops_per_chip / 1_000 * HOURS_PER_YEAR * years
    out["usd_per_pflop_hour"] = out["tco_usd"] / pflop_hours
    out["electricity_share_of_tco"] = out["annual_electricity_usd"] * years / out["tco_usd"]
    out["capex_usd_per_pflop_hour"] = out["annual_capex_usd"] * years / pflop_hours
    out["kwh_per_pflop_hour"] = annual_kwh * years / pflop_hours
    return out


#: Bytes per parameter held in training with mixed-precision Adam beyond the BF16 weights:
#: BF16 gradients (2) + FP32 master weights, momentum and variance (12) (ZeRO, arXiv 1910.02054).
TRAINING_EXTRA_BYTES_PER_PARAM = 14.0


def parity_table(reference_chip: str, reference_count: int, candidates, workload: str,
                 mfu: float, site: dict, precision="bf16", parallel_config="deepseek-v3-pretraining",
                 overlap=0.0, model="deepseek-v3", batch_size=32, context_tokens=4096,
                 hbm_efficiency=0.6, **cluster_kwargs) -> pd.DataFrame:
    """Chips of each candidate matching ``reference_count`` reference chips, which constraint
    binds, and what they cost. The reference is the first row.

    ``training``: sustained FLOP/s, peak × MFU × interconnect-aware scaling efficiency of
    ``parallel_config`` at ``overlap`` (relative to the reference chip); the capacity floor holds
    the configuration's model with Adam state (16 bytes/parameter). ``prefill``: compute-bound
    tokens/s of ``model``. ``decode``: roofline tokens/s of ``model`` at ``batch_size`` and
    ``context_tokens``. Inference floors hold the weights (and the batch's KV cache for decode).
    Parity = the larger of the throughput match and the capacity floor. See
    :func:`cluster_costs` for the cost columns.
    """
    ids = list(dict.fromkeys([reference_chip, *candidates]))
    chips = chip_frame(ids, precision)
    bytes_per_param = inference.BYTES_PER_PARAM[precision]
    if workload == "training":
        chip_mfu, _ = scaled_mfu(mfu, reference_chip, ids, parallel_config, overlap, mfu)
        served = load("models").loc[load("parallel_configs").loc[parallel_config, "model_id"]]
        rate = chips["bf16_dense_tflops"] * chip_mfu
        floor = inference.capacity_floor_chips(chips["hbm_gb"], served, 2.0,
                                               extra_bytes_per_param=TRAINING_EXTRA_BYTES_PER_PARAM)
    else:
        served = lookup(load("models"), model, "model")
        chip_mfu = pd.Series(mfu, index=chips.index)
        if workload == "prefill":
            rate = inference.prefill_tokens_per_s(chips["peak_tflops"], served["active_params"], mfu)
            floor = inference.capacity_floor_chips(chips["hbm_gb"], served, bytes_per_param)
        else:
            rate, _ = inference.decode_tokens_per_s(chips["peak_tflops"], chips["hbm_bandwidth_tb_s"],
                                                    served, batch_size, context_tokens,
                                                    bytes_per_param, mfu, hbm_efficiency)
            floor = inference.capacity_floor_chips(chips["hbm_gb"], served, bytes_per_param,
                                                   batch_size, context_tokens)
    rate = pd.Series(np.asarray(rate, dtype=float), index=chips.index)
    matched = compute.chips_to_buy(compute.parity_chip_count(reference_count, rate.iloc[0], rate))
    floor = np.asarray(floor)
    counts = np.maximum(matched, floor)
    counts[0] = reference_count
    out = pd.DataFrame({"peak_tflops": chips["peak_tflops"],
                        "hbm_bandwidth_tb_s": chips["hbm_bandwidth_tb_s"], "hbm_gb": chips["hbm_gb"],
                        "mfu": chip_mfu, "rate_per_chip": rate, "throughput_match": matched,
                        "capacity_floor": floor,
                        "binding": np.where(floor > matched, "memory capacity", "throughput")})
    out["chips_per_reference_chip"] = counts / reference_count
    effective = compute.effective_tflops(chips["peak_tflops"], chip_mfu)
    return out.join(cluster_costs(chips, counts, effective, site, **cluster_kwargs))


def energy_table(reference_chip: str, reference_count: int, candidates, regions, reference_site,
                 mfu: float, precision="bf16", usd_per_kwh=None, pue=None,
                 parallel_config="deepseek-v3-pretraining", overlap=1.0, **cluster_kwargs) -> tuple[pd.DataFrame, pd.Series]:
    """TCO of compute-matched clusters for each chip × region, and each candidate's break-even
    electricity price against the reference in ``reference_site``.

    Returns (long table with ``chip``, ``region`` and the :func:`cluster_costs` columns,
    break-even price per candidate [USD/kWh], NaN where no non-negative price suffices).
    """
    sites = {r: region_inputs(r, usd_per_kwh, pue) for r in regions}
    rows = []
    for region, site in sites.items():
        table = parity_table(reference_chip, reference_count, candidates, "training", mfu, site,
                             precision, parallel_config, overlap, **cluster_kwargs)
        rows.append(table.assign(region=region).rename_axis("chip").reset_index())
    long = pd.concat(rows, ignore_index=True)
    reference = parity_table(reference_chip, reference_count, candidates, "training", mfu,
                             reference_site, precision, parallel_config, overlap, **cluster_kwargs)
    break_even = pd.Series(cost.break_even_usd_per_kwh(
        reference["usd_per_pflop_hour"].iloc[0], reference["capex_usd_per_pflop_hour"],
        reference["kwh_per_pflop_hour"]), index=reference.index, name="break_even_usd_per_kwh")
    return long, break_even.iloc[1:]


def what_if_rule(tpp_threshold=None, density_threshold=None, io_threshold_gb_s=None) -> pd.DataFrame:
    """Clauses of a hypothetical rule, in the layout of ``export_rules.csv``: controlled when
    TPP >= ``tpp_threshold`` (and interconnect >= ``io_threshold_gb_s`` if given), or when
    TPP >= 1,600 with performance density >= ``density_threshold`` (the 2023 floor). Unset
    thresholds take the Oct 2023 values (4,800 and 5.92)."""
    tpp_min = 4_800.0 if tpp_threshold is None else tpp_threshold
    density_min = 5.92 if density_threshold is None else density_threshold
    io_min = np.nan if io_threshold_gb_s is None else io_threshold_gb_s
    clauses = [("a.1", tpp_min, np.nan, io_min), ("a.2", 1_600.0, density_min, np.nan)]
    return pd.DataFrame([{"rule_id": "what-if", "clause": c, "tpp_min": t, "tpp_max": np.nan,
                          "density_min": d, "density_max": np.nan, "io_min_gb_s": io,
                          "chip_ids": "", "outcome": "controlled"} for c, t, d, io in clauses])


def control_status(tpp_threshold=None, density_threshold=None, io_threshold_gb_s=None) -> pd.DataFrame:
    """Every catalog chip's TPP, density and status under each rule vintage, plus a ``what-if``
    column when any threshold is given."""
    rules = load("export_rules")
    if any(t is not None for t in (tpp_threshold, density_threshold, io_threshold_gb_s)):
        rules = pd.concat([rules, what_if_rule(tpp_threshold, density_threshold,
                                               io_threshold_gb_s)], ignore_index=True)
    return controls.control_table(load("chips"), rules)


def inference_table(model: str, chip_ids, batch_size: int, input_tokens: int, output_tokens: int,
                    site: dict, precision="fp8", mfu=0.4, hbm_efficiency=0.6, years=cost.YEARS,
                    load_factor=power.LOAD_FACTOR, overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP,
                    context_tokens: int | None = None) -> pd.DataFrame:
    """Serving cost per chip for an architecture of ``models.csv`` (:mod:`analysis.inference`).

    Decode runs at ``batch_size`` sequences per replica with a KV cache of ``context_tokens``
    tokens each (default: input + half the output, the average context while generating).
    Cost per chip-hour is the rental price where sourced, else ownership (capex charged over
    ``years`` + electricity). Columns include the tokens/s per chip, the binding resource, the
    chips a replica needs (capacity floor), $ per million input and output tokens and per request.
    """
    served = lookup(load("models"), model, "model")
    chips = chip_frame(chip_ids, precision)
    context = input_tokens + output_tokens / 2 if context_tokens is None else context_tokens
    bytes_per_param = inference.BYTES_PER_PARAM[precision]
    prefill = pd.Series(inference.prefill_tokens_per_s(chips["peak_tflops"], served["active_params"], mfu),
                        index=chips.index)
    decode, bound = inference.decode_tokens_per_s(chips["peak_tflops"], chips["hbm_bandwidth_tb_s"], served,
                                                  batch_size, context, bytes_per_param, mfu, hbm_efficiency)
    decode = pd.Series(decode, index=chips.index)
    per_chip_w = it_w_per_chip(chips, load_factor, overhead_w_per_chip).to_numpy()
    electricity = power.facility_power_w(per_chip_w, site["pue"]) / 1_000 * site["usd_per_kwh"]
    owned = cost.annual_capex_usd(cost.capex_usd(1, chips["price_usd"]), years) / HOURS_PER_YEAR
    usd_per_hour = chips["usd_per_gpu_hour"].fillna(pd.Series(owned + electricity, index=chips.index))
    out = pd.DataFrame(index=chips.index)
    out["input_tokens_per_s_per_chip"] = prefill
    out["output_tokens_per_s_per_chip"] = decode
    out["decode_bound"] = bound
    out["chips_per_replica"] = inference.capacity_floor_chips(chips["hbm_gb"], served, bytes_per_param,
                                                              batch_size, context)
    out["usd_per_chip_hour"] = usd_per_hour
    out["chip_hour_basis"] = np.where(chips["usd_per_gpu_hour"].notna(), "rental",
                                      np.where(usd_per_hour.notna(), "ownership", "no price"))
    out["usd_per_million_input_tokens"] = usd_per_hour / (prefill * 3_600) * 1e6
    out["usd_per_million_output_tokens"] = usd_per_hour / (decode * 3_600) * 1e6
    seconds = input_tokens / prefill + output_tokens / decode  # chip-seconds per request
    out["usd_per_request"] = usd_per_hour * seconds / 3_600
    return out


def decode_curve(model: str, chip_ids, batch_sizes, context_tokens: int, precision="fp8", mfu=0.4,
                 hbm_efficiency=0.6) -> pd.DataFrame:
    """Decode tokens/s per chip for each chip × batch size (long table: chip, batch_size,
    output_tokens_per_s_per_chip, decode_bound)."""
    served = lookup(load("models"), model, "model")
    chips = chip_frame(chip_ids, precision)
    rows = []
    for batch in batch_sizes:
        rate, bound = inference.decode_tokens_per_s(chips["peak_tflops"], chips["hbm_bandwidth_tb_s"], served,
                                                    batch, context_tokens,
                                                    inference.BYTES_PER_PARAM[precision], mfu, hbm_efficiency)
        rows.append(pd.DataFrame({"chip": chips.index, "batch_size": batch,
                                  "output_tokens_per_s_per_chip": rate, "decode_bound": bound}))
    return pd.concat(rows, ignore_index=True)


#: Relative spread of MFU in the Monte Carlo (triangular, ±25 % around the parameter): an
#: assumption; published runs span roughly 0.2–0.6 (Epoch AI's 33 runs, median 0.375).
MFU_SPREAD = 0.25


def cost_ranges(chip_ids, region: str, mfu: float, usd_per_kwh=None, pue=None) -> dict:
    """(low, base, high) of every uncertain input of an ownership cost: each chip's price and TDP
    (catalog ranges), the region's electricity price and PUE (unless fixed by a parameter), MFU."""
    chips = load("chips")
    row = lookup(load("regions"), region, "region")
    ranges = {}
    for c in chip_ids:
        ranges[f"{c} price"] = uncertainty.ranges_from(*chips.loc[c, ["price_usd_low", "price_usd", "price_usd_high"]])
        ranges[f"{c} TDP"] = uncertainty.ranges_from(*chips.loc[c, ["tdp_w_low", "tdp_w", "tdp_w_high"]])
    ranges["electricity price"] = ((usd_per_kwh,) * 3 if usd_per_kwh is not None else uncertainty.ranges_from(
        *row[["usd_per_kwh_low", "usd_per_kwh", "usd_per_kwh_high"]]))
    ranges["PUE"] = (pue,) * 3 if pue is not None else uncertainty.ranges_from(*row[["pue_low", "pue", "pue_high"]])
    ranges["MFU"] = (mfu * (1 - MFU_SPREAD), mfu, min(1.0, mfu * (1 + MFU_SPREAD)))
    return ranges


def cost_model(chip: str, chip_count, peak_tflops, mfu_ratio, years, load_factor=power.LOAD_FACTOR,
               overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP, cost_of_capital=0.0, output="tco_usd"):
    """A vectorized model of one chip's cluster cost for :mod:`analysis.uncertainty`: draws ->
    ``tco_usd`` or ``usd_per_pflop_hour`` (the same arithmetic as :func:`cluster_costs`).
    ``mfu_ratio`` scales the drawn MFU for this chip (interconnect-aware scaling)."""
    fixed_w = it_w_per_chip(load("chips").loc[[chip]], load_factor, overhead_w_per_chip).iloc[0]

    def model(v):
        capex = cost.capex_usd(chip_count, v[f"{chip} price"])
        it_w = chip_count * drawn_it_w(v[f"{chip} TDP"], fixed_w, load_factor, overhead_w_per_chip)
        opex = cost.annual_opex_usd(power.facility_power_w(it_w, v["PUE"]), v["electricity price"])
        tco = cost.tco_usd(capex, opex, years, cost_of_capital)
        if output == "tco_usd":
            return tco
        pflops = chip_count * peak_tflops * v["MFU"] * mfu_ratio / 1_000
        return tco / (pflops * HOURS_PER_YEAR * years)
    return model


def parity_uncertainty(parity: pd.DataFrame, mfu: float, region: str, years: float, draws: int,
                       seed: int, usd_per_kwh=None, pue=None, **cost_kwargs) -> pd.DataFrame:
    """P10/P50/P90 of each chip's TCO and cost per PFLOP-hour at parity (the chip counts of
    ``parity`` fixed), from one seeded set of draws of :func:`cost_ranges`."""
    ranges = cost_ranges(parity.index, region, mfu, usd_per_kwh, pue)
    values = uncertainty.draw(ranges, draws, seed)
    rows = {}
    for chip, row in parity.iterrows():
        entry = {}
        for output in ("tco_usd", "usd_per_pflop_hour"):
            model = cost_model(chip, row["chip_count"], row["peak_tflops"], row["mfu"] / mfu, years,
                               output=output, **cost_kwargs)
            for name, value in uncertainty.percentiles(model(values)).items():
                entry[f"{output}_{name}"] = value
        rows[chip] = entry
    return pd.DataFrame(rows).T


def parity_sensitivity(parity: pd.DataFrame, chip: str, mfu: float, region: str, years: float,
                       seed: int, usd_per_kwh=None, pue=None, **cost_kwargs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tornado and Sobol indices of one chip's cost per PFLOP-hour at parity."""
    row = parity.loc[chip]
    ranges = {k: v for k, v in cost_ranges([chip], region, mfu, usd_per_kwh, pue).items()}
    model = cost_model(chip, row["chip_count"], row["peak_tflops"], row["mfu"] / mfu, years,
                       output="usd_per_pflop_hour", **cost_kwargs)
    return uncertainty.tornado(model, ranges), uncertainty.sobol(model, ranges, n=1024, seed=seed)


def run_uncertainty(run: dict, mfu: float, region: str, precision: str, years: float, draws: int,
                    seed: int, usd_per_kwh=None, pue=None, load_factor=power.LOAD_FACTOR,
                    overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP) -> pd.DataFrame:
    """P10/P50/P90 of a run's GPU-hours, days, energy, rental and ownership cost on its own chip:
    MFU ±25 %, the chip's price, TDP and rental ranges (a given ``usd_per_gpu_hour`` is fixed),
    and the region's electricity price and PUE ranges; one seeded set of draws."""
    chip = chip_frame([run["chip"]], precision).iloc[0]
    ranges = cost_ranges([run["chip"]], region, mfu, usd_per_kwh, pue)
    fixed = run.get("usd_per_gpu_hour")
    ranges["rental"] = ((fixed,) * 3 if fixed is not None else uncertainty.ranges_from(
        *chip[["usd_per_gpu_hour_low", "usd_per_gpu_hour", "usd_per_gpu_hour_high"]]))
    v = uncertainty.draw(ranges, draws, seed)
    hours = compute.gpu_hours(compute.training_flop(run["active_params"], run["tokens"]),
                              chip["peak_tflops"], v["MFU"])
    days = compute.wall_clock_days(hours, run["chip_count"])
    fixed_w = it_w_per_chip(load("chips").loc[[chip.name]], load_factor, overhead_w_per_chip).iloc[0]
    it_w = drawn_it_w(v[f"{chip.name} TDP"], fixed_w, load_factor, overhead_w_per_chip)
    kwh = power.energy_kwh(power.facility_power_w(it_w, v["PUE"]), hours)
    capex = cost.capex_usd(run["chip_count"], v[f"{chip.name} price"])
    figures = {"gpu_hours": hours, "days": days, "energy_mwh": kwh / 1_000,
               "rental_cost_usd": cost.rental_cost_usd(hours, v["rental"]),
               "ownership_cost_usd": cost.annual_capex_usd(capex, years) * days / 365.0
               + cost.electricity_cost_usd(kwh, v["electricity price"])}
    return pd.DataFrame({name: uncertainty.percentiles(x) for name, x in figures.items()}).T
