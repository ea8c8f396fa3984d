"""The training_run report: what a published (or custom) training run costs in FLOP, GPU-hours,
days, energy, rental and ownership cost and emissions, and what the same run takes on every chip.

``inputs`` resolves the run, its utilisation, the site and the chips; ``figures`` maps arrays of
the uncertain inputs to every figure for every chip, and is called at the base point and at the
Monte Carlo draws (``result``), so the headline (the P50) and its P10–P90 band come from one
piece of code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import keys_in, load, lookup
from ..formulas import compute, cost, goodput, power, uncertainty
from . import inputs as shared
from . import params, present

PARAMETERS = params.declare(
    run="deepseek-v3",
    total_params=None,
    active_params=None,
    tokens=None,
    chip=None,
    chip_count=None,
    mfu=None,
    hfu=None,
    achieved_tflops=None,
    recompute=False,
    precision="bf16",
    usd_per_gpu_hour=None,
    region="cn-avg-industrial",
    usd_per_kwh=None,
    pue=None,
    load_factor=None,
    server_power_ratio=None,
    years=None,
    parallel_config="deepseek-v3-pretraining",
    overlap=1.0,
    interruptions_per_chip_hour=None,
    restart_hours=None,
    checkpoint_interval_hours=None,
    seed=0,
    draws=10_000,
)

#: Epoch AI's median utilisation of 33 runs with a known figure (training-cost-trends,
#: ``MEDIAN_UTILIZATION``), used when a run discloses neither its MFU nor enough to imply it.
MEDIAN_MFU = 0.375
#: Compute efficiency assumed by the interconnect model while not communicating (see scaling).
COMPUTE_EFFICIENCY = 0.5
FIGURES = ("gpu_hours", "days", "energy_mwh", "rental_cost_usd", "ownership_cost_usd", "emissions_tco2")
RUN_FIELDS = ("total_params", "active_params", "tokens", "chip", "chip_count", "usd_per_gpu_hour")


def run_inputs(model: str, overrides: dict) -> dict:
    """The inputs of a training run: a row of ``training_runs.csv`` (``model``) with any non-None
    ``overrides`` of :data:`RUN_FIELDS` applied; ``custom`` takes everything from the overrides.

    ``disclosed_chip``, ``disclosed_chip_count`` and ``gpu_hours`` keep the run's disclosure (for
    its implied MFU) unless the model or token count is overridden, which makes the disclosed
    hours meaningless. A changed chip or chip count drops the run's own rental price.
    """
    empty = {
        "gpu_hours": None,
        "pretraining_gpu_hours": None,
        "reported_mfu": None,
        "disclosed_chip": None,
        "disclosed_chip_count": None,
    }
    if model == "custom":
        run = dict.fromkeys(RUN_FIELDS) | empty
    else:
        row = lookup(load("training_runs"), model, "training run")
        run = {name: row.get(name) for name in RUN_FIELDS if name != "chip"} | {
            "chip": row["chip_id"],
            "disclosed_chip": row["chip_id"],
            "disclosed_chip_count": row["chip_count"],
            "gpu_hours": row["gpu_hours"],
            "pretraining_gpu_hours": row["pretraining_gpu_hours"],
            "reported_mfu": row["reported_mfu"],
        }
    changed = {k: v for k, v in overrides.items() if v is not None}
    if changed.get("chip") not in (None, run["chip"]) or "chip_count" in changed:
        run["usd_per_gpu_hour"] = None  # the run's own price was for its own cluster
    run |= changed
    if changed.keys() & {"active_params", "tokens"}:
        run["gpu_hours"] = run["pretraining_gpu_hours"] = None
    run = {k: (None if v is not None and not isinstance(v, str) and pd.isna(v) else v) for k, v in run.items()}
    missing = [name for name in ("active_params", "tokens", "chip", "chip_count") if run.get(name) is None]
    if missing:
        raise params.ParameterError(f"training run {model!r} needs {', '.join(missing)}: pass them as parameters")
    if run.get("total_params") is None:
        run["total_params"] = run["active_params"]
    return run


def goodput_inputs(p: dict) -> dict:
    """The goodput model's inputs: the parameters where given, else the defaults of
    :mod:`analysis.formulas.goodput`."""
    return {
        "interruptions_per_chip_hour": _or(p["interruptions_per_chip_hour"], goodput.INTERRUPTIONS_PER_CHIP_HOUR),
        "restart_hours": _or(p["restart_hours"], goodput.RESTART_HOURS),
        "checkpoint_interval_hours": _or(p["checkpoint_interval_hours"], goodput.CHECKPOINT_INTERVAL_HOURS),
    }


def _or(value, default):
    """``value``, or ``default`` where it is None."""
    return default if value is None else value


def utilisation(p: dict, run: dict, chips: pd.DataFrame, run_goodput: float) -> tuple[float, str, str]:
    """The MFU the run trains at (while it runs, goodput aside), the chip it holds on, and where it
    comes from: the ``mfu``, ``hfu`` or ``achieved_tflops`` parameter on the run's chip (HFU →
    MFU × 6/8 with recomputation); else implied by the disclosed GPU-hours on the disclosed chip,
    with the run's own goodput taken out (so the projection reproduces the disclosure); else the
    reported MFU; else Epoch AI's median 0.375."""
    chip = run["chip"]
    if p["mfu"] is not None:
        return p["mfu"], chip, "the mfu parameter"
    if p["hfu"] is not None:
        return (
            float(compute.mfu_from_hfu(p["hfu"], p["recompute"])),
            chip,
            ("the hfu parameter" + (" × 6/8 (full recomputation)" if p["recompute"] else "")),
        )
    if p["achieved_tflops"] is not None:
        hfu = compute.hfu_from_achieved(p["achieved_tflops"], chips.loc[chip, "peak_tflops"])
        return (
            float(compute.mfu_from_hfu(hfu, p["recompute"])),
            chip,
            (
                f"{p['achieved_tflops']:g} achieved TFLOP/s per chip"
                + (" × 6/8 (full recomputation)" if p["recompute"] else "")
                + f" / the {p['precision'].upper()} peak"
            ),
        )
    disclosed = run.get("disclosed_chip")
    if run.get("gpu_hours"):
        flop = compute.training_flop(run["active_params"], run["tokens"])
        implied = float(compute.implied_mfu(flop, run["gpu_hours"], chips.loc[disclosed, "peak_tflops"]))
        return (
            implied / run_goodput,
            disclosed,
            (
                f"implied by the disclosed {present.count(run['gpu_hours'])} GPU-hours on "
                f"{present.chip_short(disclosed)}, net of interruptions"
            ),
        )
    if run.get("reported_mfu"):
        return run["reported_mfu"], disclosed, "reported by the run"
    return MEDIAN_MFU, chip, "Epoch AI's median of 33 runs (no disclosure)"


def cross_check(values: dict) -> None:
    """A custom run names its own size, tokens, chip and chip count; utilisation is given one way."""
    if values.get("run") == "custom":
        missing = [n for n in ("active_params", "tokens", "chip", "chip_count") if values.get(n) is None]
        if missing:
            raise params.ParameterError(f"parameter run: 'custom' needs {', '.join(missing)}; pass them with -p")
    given = [n for n in ("mfu", "hfu", "achieved_tflops") if values.get(n) is not None]
    if len(given) > 1:
        raise params.ParameterError(f"parameters {', '.join(given)}: give one of mfu, hfu or achieved_tflops")


def inputs(**values) -> dict:
    """Validate the parameters (:data:`PARAMETERS`) and resolve everything the report needs: the
    run, the chips (the run's chip first, then every other chip of the catalog), the site, the
    utilisation and its basis, the scaling ratios of the interconnect model and the Monte Carlo
    ranges."""
    p = params.validate("training_run", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    run = run_inputs(p["run"], {k: p[k] for k in RUN_FIELDS})
    catalog = load("chips")
    ids = [run["chip"]] + [c for c in catalog.index if c != run["chip"]]
    chips = shared.chips(ids, precision=p["precision"], server_power_ratio=p["server_power_ratio"])
    where = shared.site(p["region"], usd_per_kwh=p["usd_per_kwh"], pue=p["pue"])
    loss = goodput_inputs(p)
    disclosed_n = run.get("disclosed_chip_count") or run["chip_count"]
    mfu, anchor, basis = utilisation(p, run, chips, float(goodput.goodput(disclosed_n, **loss)))
    steps = shared.step_table(p["parallel_config"], ids, compute_efficiency=COMPUTE_EFFICIENCY, overlap=p["overlap"])

    ranges = {"MFU": shared.mfu_range(mfu)} | shared.site_ranges(where) | shared.chip_ranges(chips)
    if run["usd_per_gpu_hour"] is not None:
        ranges[f"{run['chip']} rental"] = (run["usd_per_gpu_hour"],) * 3
    return {
        "p": p,
        "run": run,
        "chips": chips,
        "site": where,
        "mfu": mfu,
        "anchor": anchor,
        "mfu_basis": basis,
        "goodput_inputs": loss,
        "scaling": steps["scaling_efficiency"],
        "ranges": ranges,
        "load_factor": _or(p["load_factor"], power.LOAD_FACTOR),
        "server_power_ratio": _or(p["server_power_ratio"], power.SERVER_POWER_RATIO),
        "years": _or(p["years"], cost.YEARS),
        "name": "a custom run" if p["run"] == "custom" else load("training_runs").loc[p["run"], "model"],
    }


def scaling_ratio(inp: dict) -> np.ndarray:
    """Each chip's interconnect-model efficiency over the anchor chip's; 1 where either lacks a
    sourced interconnect figure (no penalty can be worked out, none is applied)."""
    return (inp["scaling"] / inp["scaling"][inp["anchor"]]).fillna(1.0).to_numpy()


def figures(x: dict, inp: dict) -> dict[str, np.ndarray]:
    """Every figure of the run on every chip, from arrays of the uncertain inputs ``x`` (one array
    of equal length per name of ``inp["ranges"]``). Returns name -> array (draws × chips).

    GPU-hours = C / (peak × MFU_chip × 3,600) / goodput(n) (billed hours include time lost to
    interruptions); days = those hours / n / 24; energy = hours × max W × load factor × PUE;
    rental = hours × $/GPU-hour; ownership = capex charged over ``years`` for the run's days +
    electricity; emissions = energy × grid intensity.
    """
    chips, run = inp["chips"], inp["run"]
    n = run["chip_count"]
    column = lambda name: np.stack([np.asarray(x[f"{c} {name}"], dtype=float) for c in chips.index], axis=1)  # noqa: E731
    factor = column("MFU factor")
    anchor = list(chips.index).index(inp["anchor"])
    mfu = compute.transferred_mfu(
        np.asarray(x["MFU"], dtype=float)[:, None],
        vendor_factor_ratio=factor / factor[:, [anchor]],
        scaling_ratio=scaling_ratio(inp),
    )
    flop = compute.training_flop(run["active_params"], run["tokens"])
    share = goodput.goodput(n, **inp["goodput_inputs"])
    compute_hours = compute.gpu_hours(flop, chips["peak_tflops"].to_numpy(), mfu)
    hours = compute_hours / share
    days = compute.wall_clock_days(compute_hours, n, goodput=share)
    max_w = shared.max_w_per_chip(chips, column("TDP"), server_power_ratio=inp["server_power_ratio"])
    pue = np.asarray(x["PUE"], dtype=float)[:, None]
    kwh = power.energy_kwh(
        power.facility_power_w(power.it_power_w(1, max_w, load_factor=inp["load_factor"]), pue), hours
    )
    capex = cost.capex_usd(n, column("price"), price_unit=chips["price_unit"].to_numpy())
    electricity = cost.electricity_cost_usd(kwh, np.asarray(x["electricity price"], dtype=float)[:, None])
    return {
        "mfu": mfu,
        "gpu_hours": hours,
        "days": days,
        "energy_mwh": kwh / 1_000,
        "rental_cost_usd": cost.rental_cost_usd(hours, column("rental")),
        "ownership_cost_usd": cost.annual_capex_usd(capex, years=inp["years"]) * days / 365.0 + electricity,
        "emissions_tco2": power.emissions_tco2(kwh, inp["site"]["grid_kgco2_per_kwh"]),
        "goodput": np.broadcast_to(share, mfu.shape),
    }


def result(inp: dict) -> dict:
    """The figures at the base point and the Monte Carlo: ``base`` (a frame by chip of the
    deterministic figures), ``p10``, ``p50``, ``p90`` (frames by chip) and ``training_flop``."""
    chips = inp["chips"].index
    base = figures(shared.base_point(inp["ranges"]), inp)
    draws = figures(uncertainty.draw(inp["ranges"], inp["p"]["draws"], inp["p"]["seed"]), inp)
    bands = uncertainty.percentile_frames(draws, chips)
    return {
        "base": pd.DataFrame({k: v[0] for k, v in base.items()}, index=chips),
        **bands,
        "training_flop": float(compute.training_flop(inp["run"]["active_params"], inp["run"]["tokens"])),
    }


def run(**values) -> dict:
    """``inputs`` then ``result``: everything the notebook shows, in one call."""
    inp = inputs(**values)
    return inp | result(inp)


def headline(r: dict) -> pd.Series:
    """The run's own chip: the P50 of every figure (what the report quotes)."""
    return r["p50"].loc[r["run"]["chip"]]


def answer(r: dict) -> str:
    """The one-paragraph answer at the top of the report, with its bands."""
    run, own, lo, hi = r["run"], headline(r), r["p10"].loc[r["run"]["chip"]], r["p90"].loc[r["run"]["chip"]]
    rental = (
        f"Renting the chips costs **{present.usd(own['rental_cost_usd'])}** "
        f"(P10–P90 {present.usd(lo['rental_cost_usd'])}–{present.usd(hi['rental_cost_usd'])})"
        if pd.notna(own["rental_cost_usd"])
        else "No rental price is sourced for this chip"
    )
    return (
        f"Training {r['name']} ({present.flop(r['training_flop'])}) on {present.count(run['chip_count'])} × "
        f"{present.chip_short(run['chip'])} takes **{own['days']:,.1f} days** (P10–P90 {lo['days']:,.1f}–"
        f"{hi['days']:,.1f}) and **{own['gpu_hours'] / 1e6:,.2f} M GPU-hours**. {rental}; owning them "
        f"for the run's duration costs **{present.usd(own['ownership_cost_usd'])}**. The run draws "
        f"**{own['energy_mwh']:,.0f} MWh** at the facility meter. Figures are the median of "
        f"{r['p']['draws']:,} Monte Carlo draws over MFU, prices, power and the site's electricity price and PUE."
    )


def findings(r: dict) -> str:
    """Key findings as a markdown list (numbers from the P50 figures)."""
    run, own, p = r["run"], headline(r), r["p"]
    others = r["p50"].drop(index=run["chip"])
    fastest = others["days"].idxmin()
    rentable = others["rental_cost_usd"].dropna()
    lines = [
        f"- **Compute.** 6 × {present.count(run['active_params'] / 1e9)} B active parameters × "
        f"{present.count(run['tokens'] / 1e12)} T tokens = **{present.flop(r['training_flop'])}** of model compute"
        + (
            f" ({present.flop(compute.hardware_flop(run['active_params'], run['tokens'], True))} executed with "
            "full recomputation)."
            if p["recompute"]
            else "."
        ),
        f"- **Utilisation.** MFU **{present.pct(r['mfu'], digits=1)}** on {present.chip_short(r['anchor'])} "
        f"({r['mfu_basis']}); {present.pct(own['goodput'], digits=1)} of wall-clock time is spent training on "
        f"{present.count(run['chip_count'])} chips (interruptions grow with the chip count).",
        f"- **Energy and carbon.** {own['energy_mwh']:,.0f} MWh at the facility meter (PUE {r['site']['pue']:.2f}), "
        f"{own['emissions_tco2']:,.0f} t CO₂ at {r['site']['grid_kgco2_per_kwh']:.3f} kg/kWh ({r['site']['name']}).",
        f"- **Other chips.** With the same chip count the run is fastest on **{present.chip_short(fastest)}** "
        f"({others.loc[fastest, 'days']:,.1f} days)"
        + (
            f"; the cheapest to rent is {present.chip_short(rentable.idxmin())} at {present.usd(rentable.min())}."
            if len(rentable)
            else "."
        ),
    ]
    return "\n".join(lines)


def by_chip_table(r: dict) -> pd.DataFrame:
    """The run on every chip (P50 figures), chip names as the index, units in the labels."""
    t = r["p50"]
    frame = pd.DataFrame(
        {
            "dense peak [TFLOP/s]": r["chips"]["peak_tflops"],
            "MFU": r["base"]["mfu"],
            "vendor MFU factor": r["chips"]["mfu_factor"],
            "GPU-hours [M]": t["gpu_hours"] / 1e6,
            "days": t["days"],
            "energy [MWh]": t["energy_mwh"],
            "emissions [t CO₂]": t["emissions_tco2"],
            "rental [$ M]": t["rental_cost_usd"] / 1e6,
            "ownership [$ M]": t["ownership_cost_usd"] / 1e6,
        }
    )
    frame.index = [present.chip_short(c) for c in frame.index]
    return frame


def interconnect_table() -> pd.DataFrame:
    """Step breakdown of the H100 and the H800 in two published layouts, no overlap; rows
    (layout, chip) with chip names, columns with units."""
    steps = {
        cfg: shared.step_table(cfg, ["h100-sxm", "h800-sxm"], compute_efficiency=COMPUTE_EFFICIENCY, overlap=0.0)
        for cfg in ("deepseek-v3-pretraining", "llama-3.1-405b-pretraining")
    }
    frame = pd.concat(steps, names=["layout", "chip"]).rename(
        columns={
            "compute_s": "compute [s]",
            "tp_s": "TP [s]",
            "ep_s": "EP [s]",
            "dp_s": "DP [s]",
            "communication_s": "communication [s]",
            "step_s": "step [s]",
            "scaling_efficiency": "efficiency",
        }
    )
    frame.index = [f"{layout}: {present.chip_short(chip)}" for layout, chip in frame.index]
    return frame


def h800_penalty(overlap_levels) -> dict[str, np.ndarray]:
    """Extra H800 step time against the H100 [%] at each overlap level, for both layouts:
    (efficiency on the H100 / efficiency on the H800 − 1) × 100, with efficiency = compute /
    :func:`~analysis.formulas.scaling.step_time_s` (one step breakdown per layout, all levels at once)."""
    from ..formulas import scaling

    levels = np.asarray(overlap_levels, dtype=float)
    penalty = {}
    for cfg in ("deepseek-v3-pretraining", "llama-3.1-405b-pretraining"):
        steps = shared.step_table(cfg, ["h100-sxm", "h800-sxm"], compute_efficiency=COMPUTE_EFFICIENCY, overlap=0.0)
        compute_s = steps["compute_s"].to_numpy()[:, None]
        efficiency = compute_s / scaling.step_time_s(compute_s, steps["communication_s"].to_numpy()[:, None], levels)
        penalty[cfg] = (efficiency[0] / efficiency[1] - 1) * 100
    return penalty


def arithmetic_checks() -> pd.DataFrame:
    """Every run of ``training_runs.csv``: each disclosed figure beside what the same formulas give
    from the run's OTHER disclosed inputs (its own hours, power, PUE and price). This checks the
    arithmetic, not the model: the validation report compares defaults with independent data.

    FLOP = 6 · N_active · D; days = GPU-hours (pre-training where given) / chips / 24 for runs not
    marked as estimates; cost = GPU-hours × the run's $/GPU-hour; energy = GPU-hours × the run's W
    per GPU × its PUE (1 if none); emissions = that energy × the run's grid intensity.
    Columns: ``run``, ``figure``, ``disclosed``, ``computed``, ``error`` (computed / disclosed − 1).
    """
    rows = []
    for _, r in load("training_runs").iterrows():
        flop = compute.training_flop(r["active_params"], r["tokens"])
        hours = r["pretraining_gpu_hours"] if pd.notna(r["pretraining_gpu_hours"]) else r["gpu_hours"]
        kwh = power.energy_kwh(
            r["reported_w_per_gpu"] * (r["reported_pue"] if pd.notna(r["reported_pue"]) else 1.0), r["gpu_hours"]
        )
        checks = {
            "training FLOP": (r["reported_training_flop"], flop),
            "days": (
                np.nan if r["is_estimate"] else r["days"],
                compute.wall_clock_days(hours, r["chip_count"]) if pd.notna(r["chip_count"]) else np.nan,
            ),
            "cost [USD]": (r["reported_cost_usd"], cost.rental_cost_usd(r["gpu_hours"], r["usd_per_gpu_hour"])),
            "energy [MWh]": (r["energy_mwh"], kwh / 1_000),
            "emissions [t CO2]": (r["emissions_tco2"], power.emissions_tco2(kwh, r["reported_kgco2_per_kwh"])),
        }
        for figure, (disclosed, computed) in checks.items():
            if pd.notna(disclosed) and pd.notna(computed):
                rows.append(
                    {
                        "run": r["model"],
                        "figure": figure,
                        "disclosed": float(disclosed),
                        "computed": float(computed),
                        "error": float(computed) / float(disclosed) - 1,
                    }
                )
    return pd.DataFrame(rows)


def parameter_appendix(r: dict) -> dict:
    """Arguments of :func:`present.parameters_table`: every parameter, the value used where it
    was left at None, and where that default came from."""
    p, run = r["p"], r["run"]
    resolved = {k: run[k] for k in RUN_FIELDS} | {
        "mfu": round(r["mfu"], 4),
        "load_factor": r["load_factor"],
        "server_power_ratio": r["server_power_ratio"],
        "years": r["years"],
        "usd_per_kwh": r["site"]["usd_per_kwh"],
        "pue": r["site"]["pue"],
        **r["goodput_inputs"],
    }
    origin = {
        "mfu": r["mfu_basis"],
        "load_factor": "Epoch AI",
        "server_power_ratio": "Epoch AI (DGX H100: 1.82)",
        "years": "SemiAnalysis' TCO horizon",
        "usd_per_kwh": "the region's base value",
        "pue": "the region's base value",
        "interruptions_per_chip_hour": "Llama 3 (419 in 54 days on 16,384 GPUs)",
        "restart_hours": "MegaScale (< 10 min to detect and diagnose)",
        "checkpoint_interval_hours": "assumption calibrated on Llama 3's > 90 % effective training time",
    }
    origin |= {k: ("the run's disclosure" if p["run"] != "custom" else "") for k in RUN_FIELDS}
    return {"parameters": p, "resolved": resolved, "origins": origin}


def key_figures(r: dict) -> dict:
    """The JSON of the report contract: the run's own chip (P50 with P10/P90) and every chip."""
    chip = r["run"]["chip"]
    own = {k: r["p50"].loc[chip, k] for k in FIGURES}
    bands = {f"{k}_{q}": r[q].loc[chip, k] for k in FIGURES for q in ("p10", "p90")}
    return {
        "training_flop": r["training_flop"],
        **own,
        **bands,
        "mfu": r["mfu"],
        "mfu_basis": r["mfu_basis"],
        "chip": chip,
        "goodput": float(r["p50"].loc[chip, "goodput"]),
        "arithmetic_checks": arithmetic_checks().to_dict(orient="records"),
        "by_chip": {c: {k: r["p50"].loc[c, k] for k in FIGURES} for c in r["chips"].index},
    }


def source_keys(r: dict) -> list[str]:
    """Source keys of everything the report used, for its sources appendix."""
    return (
        keys_in(r["chips"])
        + keys_in(load("regions").loc[[r["site"]["region"]]])
        + keys_in(load("training_runs"))
        + keys_in(load("parallel_configs"))
        + keys_in(load("models"))
        + keys_in(load("vendor_efficiency"))
        + ["kaplan-2020", "korthikanti-2022", "epoch-training-cost-trends", "llama3-paper"]
    )
