"""The tables each report shows, built from the catalog and a report's parameters.

Each function takes validated parameters and returns a DataFrame (one row per chip or per
chip × region) with units in its column names; the notebooks only display and plot them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import compute, controls, cost, power
from .catalog import load, lookup
from .power import HOURS_PER_YEAR

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
    """The run's figures on each chip in ``chip_ids``, same chip count and same MFU.

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
    out["gpu_hours"] = compute.gpu_hours(out["training_flop"], chips["peak_tflops"], mfu)
    out["days"] = compute.wall_clock_days(out["gpu_hours"], run["chip_count"])
    per_chip_w = power.it_power_w(1, chips["tdp_w"], load_factor, overhead_w_per_chip)
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


def cluster_costs(chips: pd.DataFrame, chip_count, effective_tflops_per_chip, site: dict,
                  load_factor=power.LOAD_FACTOR, overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP,
                  years=cost.YEARS, cost_of_capital=0.0) -> pd.DataFrame:
    """Power, energy and cost of owning ``chip_count`` of each chip for ``years``.

    Columns: ``chip_count``, ``it_power_mw``, ``facility_power_mw``, ``annual_energy_gwh``,
    ``capex_usd``, ``annual_capex_usd``, ``annual_electricity_usd``, ``annual_opex_usd``,
    ``tco_usd``, ``usd_per_pflop_hour``, ``electricity_share_of_tco``, ``capex_usd_per_pflop_hour``
    and ``kwh_per_pflop_hour`` (for the break-even price).
    """
    out = pd.DataFrame(index=chips.index)
    out["chip_count"] = chip_count
    it_w = power.it_power_w(chip_count, chips["tdp_w"], load_factor, overhead_w_per_chip)
    facility_w = power.facility_power_w(it_w, site["pue"])
    out["it_power_mw"] = it_w / 1e6
    out["facility_power_mw"] = facility_w / 1e6
    annual_kwh = power.energy_kwh(facility_w, HOURS_PER_YEAR)
    out["annual_energy_gwh"] = annual_kwh / 1e6
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


def parity_table(reference_chip: str, reference_count: int, candidates, workload: str,
                 mfu: float, site: dict, precision="bf16", **cluster_kwargs) -> pd.DataFrame:
    """Chips of each candidate matching ``reference_count`` reference chips, and their cost.

    ``training`` and ``prefill`` are compute-bound: parity by sustained FLOP/s (peak × MFU, the
    same MFU for every chip). ``decode`` is first-order memory-bandwidth-bound: parity by HBM
    bandwidth. The reference is the first row. See :func:`cluster_costs` for the cost columns.
    """
    ids = [reference_chip] + [c for c in candidates if c != reference_chip]
    chips = chip_frame(ids, precision)
    capability = chips["hbm_bandwidth_tb_s"] if workload == "decode" else chips["peak_tflops"]
    fractional = compute.parity_chip_count(reference_count, capability.iloc[0], capability)
    counts = compute.chips_to_buy(fractional)
    out = pd.DataFrame({"peak_tflops": chips["peak_tflops"],
                        "hbm_bandwidth_tb_s": chips["hbm_bandwidth_tb_s"],
                        "chips_per_reference_chip": fractional / reference_count})
    effective = compute.effective_tflops(chips["peak_tflops"], mfu)
    return out.join(cluster_costs(chips, counts, effective, site, **cluster_kwargs))


def energy_table(reference_chip: str, reference_count: int, candidates, regions, reference_site,
                 mfu: float, precision="bf16", usd_per_kwh=None, pue=None,
                 **cluster_kwargs) -> tuple[pd.DataFrame, pd.Series]:
    """TCO of compute-matched clusters for each chip × region, and each candidate's break-even
    electricity price against the reference in ``reference_site``.

    Returns (long table with ``chip``, ``region`` and the :func:`cluster_costs` columns,
    break-even price per candidate [USD/kWh], NaN where no non-negative price suffices).
    """
    sites = {r: region_inputs(r, usd_per_kwh, pue) for r in regions}
    rows = []
    for region, site in sites.items():
        table = parity_table(reference_chip, reference_count, candidates, "training", mfu, site,
                             precision, **cluster_kwargs)
        rows.append(table.assign(region=region).rename_axis("chip").reset_index())
    long = pd.concat(rows, ignore_index=True)
    reference = parity_table(reference_chip, reference_count, candidates, "training", mfu,
                             reference_site, precision, **cluster_kwargs)
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
                    load_factor=power.LOAD_FACTOR,
                    overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP) -> pd.DataFrame:
    """First-order serving cost per chip for a model of ``training_runs.csv``.

    Prefill is compute-bound: ``peak × MFU / (2 · N_active)`` tokens/s per chip. Decode is
    bandwidth-bound: each step reads the active weights once for the whole batch, so
    ``batch × HBM bandwidth × efficiency / (N_active × bytes per parameter)`` tokens/s per chip,
    capped by the compute bound. Cost per chip-hour is the rental price where sourced, else
    ownership (capex charged over ``years`` + electricity). KV-cache traffic and capacity are left
    to the depth issue's roofline; the report says so.
    """
    run = run_inputs(model, {})
    chips = chip_frame(chip_ids, precision)
    bytes_per_param = 1.0 if precision == "fp8" else 2.0
    flop_per_token = 2.0 * run["active_params"]
    prefill = chips["peak_tflops"] * 1e12 * mfu / flop_per_token
    decode_memory = (batch_size * chips["hbm_bandwidth_tb_s"] * 1e12 * hbm_efficiency
                     / (run["active_params"] * bytes_per_param))
    decode = np.minimum(decode_memory, prefill)
    per_chip_w = power.it_power_w(1, chips["tdp_w"], load_factor, overhead_w_per_chip)
    electricity = power.facility_power_w(per_chip_w, site["pue"]) / 1_000 * site["usd_per_kwh"]
    owned = cost.annual_capex_usd(cost.capex_usd(1, chips["price_usd"]), years) / HOURS_PER_YEAR
    usd_per_hour = chips["usd_per_gpu_hour"].fillna(pd.Series(owned + electricity, index=chips.index))
    out = pd.DataFrame(index=chips.index)
    out["input_tokens_per_s_per_chip"] = prefill
    out["output_tokens_per_s_per_chip"] = decode
    out["decode_bound"] = np.where(decode_memory < prefill, "memory bandwidth", "compute")
    out["usd_per_chip_hour"] = usd_per_hour
    out["chip_hour_basis"] = np.where(chips["usd_per_gpu_hour"].notna(), "rental",
                                      np.where(usd_per_hour.notna(), "ownership", "no price"))
    out["usd_per_million_input_tokens"] = usd_per_hour / (prefill * 3_600) * 1e6
    out["usd_per_million_output_tokens"] = usd_per_hour / (decode * 3_600) * 1e6
    seconds = input_tokens / prefill + output_tokens / decode  # chip-seconds per request
    out["usd_per_request"] = usd_per_hour * seconds / 3_600
    return out
