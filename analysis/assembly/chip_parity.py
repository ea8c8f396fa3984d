"""The chip_parity report: how many chips of each candidate match N reference chips for a
workload (training, prefill or decode), which constraint binds (throughput or the memory-capacity
floor), and the power, energy, capex, TCO and cost per effective PFLOP-hour that implies.

``inputs`` validates the parameters and resolves the chips, the site, the interconnect scaling
ratios and the ranges of every uncertain input; ``figures`` maps arrays of those inputs (drawn
prices, TDPs, electricity price, PUE, the reference MFU and the vendors' MFU factors) to every
figure of every chip. It is called once at the base point and once at the seeded Monte Carlo
draws (``result``): each headline is the P50 of the draws, with its P10–P90 from the same draws,
so a headline and its band never disagree on chips, reference or method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import keys_in, load, lookup
from ..formulas import compute, cost, goodput, inference, power, uncertainty
from ..formulas.power import HOURS_PER_YEAR
from . import inputs as shared
from . import params, present

PARAMETERS = params.declare(
    reference_chip="h100-sxm",
    reference_count=2048,
    candidates=["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c", "b200"],
    workload="training",
    mfu=0.4,
    precision="bf16",
    parallel_config="llama-3.1-405b-pretraining",
    overlap=0.0,
    model="deepseek-v3",
    batch_size=640,
    context_tokens=2048,
    hbm_efficiency=0.6,
    region="cn-avg-industrial",
    usd_per_kwh=None,
    pue=None,
    load_factor=None,
    server_power_ratio=None,
    years=None,
    cost_of_capital=0.0,
    interruptions_per_chip_hour=None,
    restart_hours=None,
    checkpoint_interval_hours=None,
    seed=0,
    draws=10_000,
)

#: Share of dense peak the matrix math reaches while not communicating, in the interconnect model
#: (an assumption, as in the training_run report). It sets how large communication is next to
#: computation; the reference's measured MFU is then carried over by the ratio of scaling
#: efficiencies, never above 1.
COMPUTE_EFFICIENCY = 0.5

#: Bytes per parameter held in training with mixed-precision Adam beyond the BF16 weights:
#: BF16 gradients (2) + FP32 master weights, momentum and variance (12) (ZeRO, arXiv 1910.02054).
TRAINING_EXTRA_BYTES_PER_PARAM = 14.0

#: Figures with a P10–P90 band in the tables and the JSON.
BANDED = (
    "chip_count",
    "it_power_mw",
    "facility_power_mw",
    "annual_energy_gwh",
    "capex_usd",
    "annual_opex_usd",
    "tco_usd",
    "usd_per_pflop_hour",
)
#: Figures that count whole chips (their percentiles are actual draws, not interpolations).
COUNTS = ("chip_count", "throughput_match")
UNITS = {"training": "TFLOP/s", "prefill": "input tokens/s", "decode": "output tokens/s"}


def _or(value, default):
    """``value``, or ``default`` where it is None."""
    return default if value is None else value


def inputs(**values) -> dict:
    """Validate the parameters (:data:`PARAMETERS`; missing ones take their defaults) and resolve
    everything :func:`figures` needs."""
    p = params.validate("chip_parity", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    return resolve(p)


def goodput_inputs(p: dict) -> dict:
    """The goodput model's inputs: the parameters where given, else the defaults of
    :mod:`analysis.formulas.goodput` (Llama 3's interruption rate, MegaScale's restart time)."""
    return {
        "interruptions_per_chip_hour": _or(p.get("interruptions_per_chip_hour"), goodput.INTERRUPTIONS_PER_CHIP_HOUR),
        "restart_hours": _or(p.get("restart_hours"), goodput.RESTART_HOURS),
        "checkpoint_interval_hours": _or(p.get("checkpoint_interval_hours"), goodput.CHECKPOINT_INTERVAL_HOURS),
    }


def scaling_ratios(
    parallel_config: str, chip_ids, *, overlap: float, compute_efficiency: float = COMPUTE_EFFICIENCY
) -> pd.DataFrame:
    """Interconnect scaling efficiency of each chip in a published layout and its ratio to the
    first chip's (the reference): ``scaling_efficiency``, ``ratio`` (uncapped) and ``used``
    (``min(1, ratio)``, what :func:`~analysis.formulas.compute.transferred_mfu` applies)."""
    steps = shared.step_table(parallel_config, chip_ids, compute_efficiency=compute_efficiency, overlap=overlap)
    ratio = steps["scaling_efficiency"] / steps["scaling_efficiency"].iloc[0]
    return pd.DataFrame(
        {"scaling_efficiency": steps["scaling_efficiency"], "ratio": ratio, "used": np.minimum(1.0, ratio)}
    )


def resolve(p: dict) -> dict:
    """Everything :func:`figures` needs from validated parameters ``p``: the chips (reference
    first), the site, the workload's model and capacity floors, the scaling ratios and the
    Monte Carlo ranges. The energy_advantage report calls this with its own parameters."""
    ref = p["reference_chip"]
    ids = list(dict.fromkeys([ref, *p["candidates"]]))
    chips = shared.chips(ids, precision=p["precision"], server_power_ratio=p.get("server_power_ratio"))
    where = shared.site(p["region"], usd_per_kwh=p.get("usd_per_kwh"), pue=p.get("pue"))
    workload = p.get("workload", "training")
    bytes_per_param = inference.BYTES_PER_PARAM[p["precision"]]
    hbm = chips["hbm_gb"].to_numpy(dtype=float)
    if workload == "training":
        scaling = scaling_ratios(p["parallel_config"], ids, overlap=p["overlap"])
        served = lookup(load("models"), load("parallel_configs").loc[p["parallel_config"], "model_id"], "model")
        floor = inference.capacity_floor_chips(
            np.nan_to_num(hbm, nan=1.0), served, 2.0, extra_bytes_per_param=TRAINING_EXTRA_BYTES_PER_PARAM
        )
    else:
        scaling = pd.DataFrame({"scaling_efficiency": np.nan, "ratio": np.nan, "used": 1.0}, index=ids)
        served = lookup(load("models"), p["model"], "model")
        kv = (p["batch_size"], p["context_tokens"]) if workload == "decode" else (0, 0)
        floor = inference.capacity_floor_chips(np.nan_to_num(hbm, nan=1.0), served, bytes_per_param, *kv)
    floor = np.where(np.isnan(hbm), np.nan, floor).astype(float)
    vendors = chips.drop_duplicates("vendor").set_index("vendor")
    ranges = (
        {"MFU": shared.mfu_range(p["mfu"])}
        | shared.site_ranges(where)
        | {
            f"{c} {what}": r
            for c, row in chips.iterrows()
            for what, r in (
                ("price", uncertainty.ranges_from(row["price_usd_low"], row["price_usd"], row["price_usd_high"])),
                ("TDP", uncertainty.ranges_from(row["tdp_w_low"], row["tdp_w"], row["tdp_w_high"])),
            )
        }
        | {
            f"{v} MFU factor": (row["mfu_factor_low"], row["mfu_factor"], row["mfu_factor_high"])
            for v, row in vendors.iterrows()
        }
    )
    return {
        "p": p,
        "chips": chips,
        "reference": ref,
        "site": where,
        "workload": workload,
        "model": served,
        "bytes_per_param": bytes_per_param,
        "capacity_floor": floor,
        "scaling": scaling,
        "ranges": ranges,
        "goodput_inputs": goodput_inputs(p),
        "load_factor": _or(p.get("load_factor"), power.LOAD_FACTOR),
        "server_power_ratio": _or(p.get("server_power_ratio"), power.SERVER_POWER_RATIO),
        "years": _or(p.get("years"), cost.YEARS),
        "cost_of_capital": p.get("cost_of_capital", 0.0),
    }


def figures(x: dict, inp: dict) -> dict[str, np.ndarray]:
    """Every figure of every chip from arrays of the uncertain inputs ``x`` (one array of equal
    length per name of ``inp["ranges"]``). Returns name -> array (draws × chips, reference first).

    * MFU of a chip = the reference MFU × its vendor factor / the reference vendor's ×
      min(1, its interconnect scaling efficiency / the reference's) (training; 1 for inference).
    * Rate per chip: peak × MFU [TFLOP/s] (training), peak × MFU / (2 N_active) (prefill), the
      decode roofline at the batch and context (decode).
    * Chips matching the reference: training keeps the reference's *useful* chips — interruptions
      grow with the chip count, so the candidate count n solves n · goodput(n) = N_ref ·
      goodput(N_ref) × rate_ref / rate (NaN where no count can); inference: N_ref × rate_ref /
      rate. Rounded up, then at least the capacity floor; the reference keeps N_ref.
    * Power: n × max W per chip (TDP × server power ratio, or the system's rated power per chip) ×
      load factor; facility × PUE; energy over a year. Capex by what the price buys
      (chip / server / system), TCO = capex charges + electricity over the horizon; cost per
      effective PFLOP-hour = TCO / (n × peak × MFU × goodput × hours).
    """
    chips = inp["chips"]
    n_ref = inp["p"]["reference_count"]
    training = inp["workload"] == "training"
    column = lambda name: np.stack([np.asarray(x[f"{c} {name}"], dtype=float) for c in chips.index], axis=1)  # noqa: E731
    factor = np.stack([np.asarray(x[f"{v} MFU factor"], dtype=float) for v in chips["vendor"]], axis=1)
    reference_mfu = np.asarray(x["MFU"], dtype=float)[:, None]
    mfu = np.minimum(
        1.0,
        compute.transferred_mfu(
            reference_mfu, vendor_factor_ratio=factor / factor[:, [0]], scaling_ratio=inp["scaling"]["used"].to_numpy()
        ),
    )
    peak = chips["peak_tflops"].to_numpy(dtype=float)
    served = inp["model"]
    if training:
        rate = peak * mfu
    elif inp["workload"] == "prefill":
        rate = inference.prefill_tokens_per_s(peak, served["active_params"], mfu)
    else:
        p = inp["p"]
        rate, _ = inference.decode_tokens_per_s(
            peak,
            chips["hbm_bandwidth_tb_s"].to_numpy(dtype=float),
            served,
            p["batch_size"],
            p["context_tokens"],
            inp["bytes_per_param"],
            mfu,
            p["hbm_efficiency"],
        )
    rate = np.asarray(rate, dtype=float)
    per_reference = rate[:, [0]] / rate
    loss = inp["goodput_inputs"]
    if training:
        useful = n_ref * goodput.goodput(n_ref, **loss) * per_reference
        needed = goodput.chips_for_useful_chips(useful, **loss)
    else:
        needed = n_ref * per_reference
    finite = np.isfinite(needed)
    match = np.where(finite, np.ceil(np.where(finite, needed, 0.0) - 1e-9), np.nan)
    floor = inp["capacity_floor"]
    count = np.where(np.isnan(floor), match, np.maximum(match, np.nan_to_num(floor)))
    count[:, 0] = n_ref
    share = goodput.goodput(count, **loss) if training else np.ones_like(count)
    max_w = shared.max_w_per_chip(chips, column("TDP"), server_power_ratio=inp["server_power_ratio"])
    it_w = power.it_power_w(count, max_w, load_factor=inp["load_factor"])
    facility_w = power.facility_power_w(it_w, np.asarray(x["PUE"], dtype=float)[:, None])
    annual_kwh = power.energy_kwh(facility_w, HOURS_PER_YEAR)
    capex = cost.capex_usd(count, column("price"), price_unit=chips["price_unit"].fillna("chip").to_numpy())
    years, rate_of_capital = inp["years"], inp["cost_of_capital"]
    electricity = cost.electricity_cost_usd(annual_kwh, np.asarray(x["electricity price"], dtype=float)[:, None])
    tco = cost.tco_usd(capex, electricity, years=years, cost_of_capital=rate_of_capital)
    pflop_hours = count * peak * mfu * share / 1_000.0 * HOURS_PER_YEAR * years
    return {
        "mfu": mfu,
        "rate": rate,
        "per_reference": per_reference,
        "throughput_match": match,
        "capacity_binds": (np.nan_to_num(floor) > np.nan_to_num(match, nan=np.inf)).astype(float),
        "chip_count": count,
        "chips_per_reference_chip": count / n_ref,
        "goodput": share,
        "it_power_mw": it_w / 1e6,
        "facility_power_mw": facility_w / 1e6,
        "annual_energy_gwh": annual_kwh / 1e6,
        "capex_usd": capex,
        "annual_capex_usd": cost.annual_capex_usd(capex, years=years, cost_of_capital=rate_of_capital),
        "annual_opex_usd": electricity,
        "tco_usd": tco,
        "usd_per_pflop_hour": tco / pflop_hours,
        "capex_usd_per_pflop_hour": cost.annual_capex_usd(capex, years=years, cost_of_capital=rate_of_capital)
        * years
        / pflop_hours,
        "kwh_per_pflop_hour": annual_kwh * years / pflop_hours,
        "electricity_share_of_tco": electricity * years / tco,
    }


def percentiles(values: np.ndarray, *, whole: bool = False) -> dict[str, float]:
    """P10, P50 and P90 of one figure's draws, ignoring draws where it is unknown (NaN); whole
    counts take actual draws (no interpolation between two chip counts)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[~np.isnan(finite)]
    if not whole:
        return uncertainty.percentiles(finite)
    if finite.size == 0:
        return {"p10": np.nan, "p50": np.nan, "p90": np.nan}
    return {f"p{q}": float(v) for q, v in zip((10, 50, 90), np.percentile(finite, (10, 50, 90), method="inverted_cdf"))}


def summarize(draws: dict[str, np.ndarray], chip_ids) -> dict[str, pd.DataFrame]:
    """``p10``, ``p50``, ``p90``: frames by chip (rows) and figure (columns) of the draws."""
    out = {q: {} for q in ("p10", "p50", "p90")}
    for name, values in draws.items():
        bands = [percentiles(values[:, i], whole=name in COUNTS) for i in range(values.shape[1])]
        for q in out:
            out[q][name] = [b[q] for b in bands]
    return {q: pd.DataFrame(v, index=list(chip_ids)) for q, v in out.items()}


def result(inp: dict) -> dict:
    """The figures at the base point (``base``, a frame by chip) and the Monte Carlo (``p10``,
    ``p50``, ``p90``), plus ``binding`` (the constraint that binds in most draws) and ``matched``
    (share of draws in which some chip count matches the reference)."""
    chips = inp["chips"].index
    base = figures(shared.base_point(inp["ranges"]), inp)
    draws = figures(uncertainty.draw(inp["ranges"], inp["p"]["draws"], inp["p"]["seed"]), inp)
    bands = summarize(draws, chips)
    binds = draws["capacity_binds"].mean(axis=0)
    return {
        "base": pd.DataFrame({k: v[0] for k, v in base.items()}, index=chips),
        **bands,
        "binding": pd.Series(np.where(binds > 0.5, "memory capacity", "throughput"), index=chips),
        "matched": pd.Series(np.isfinite(draws["throughput_match"]).mean(axis=0), index=chips),
    }


def run(**values) -> dict:
    """``inputs`` then ``result``: everything the notebook shows, in one call."""
    inp = inputs(**values)
    return inp | result(inp)


def chips_per_reference(
    candidate: str,
    *,
    reference_chip: str = "h100-sxm",
    workload: str = "training",
    reference_count: int | None = None,
    **values,
) -> float:
    """How many ``candidate`` chips stand in for one ``reference_chip`` — the one answer every
    report and the README quote. Without ``reference_count``: the ratio of sustained rates per
    chip (P50 of the Monte Carlo; no capacity floor, no interruptions). With it: the parity chip
    count at that cluster size (capacity floor and goodput included) / ``reference_count``.
    Other parameters of :data:`PARAMETERS` may be passed (e.g. ``model``, ``batch_size``)."""
    if candidate == reference_chip:
        return 1.0
    r = run(
        reference_chip=reference_chip,
        candidates=[candidate],
        workload=workload,
        **({"reference_count": reference_count} if reference_count is not None else {}),
        **values,
    )
    if reference_count is None:
        return float(r["p50"].loc[candidate, "per_reference"])
    return float(r["p50"].loc[candidate, "chip_count"] / reference_count)


def sensitivity(r: dict, chip: str, *, sobol_draws: int = 1024) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tornado (each input at its low and high end, the others at base) and Sobol indices of one
    chip's cost per effective PFLOP-hour, over the inputs it depends on: the reference MFU, the
    site, the chip's price and TDP and its and the reference's vendor MFU factors. Both run
    :func:`figures`; inputs that do not vary are left out."""
    column = list(r["chips"].index).index(chip)
    vendors = {r["chips"].loc[chip, "vendor"], r["chips"].loc[r["reference"], "vendor"]}
    names = ["MFU", "electricity price", "PUE", f"{chip} price", f"{chip} TDP", *(f"{v} MFU factor" for v in vendors)]
    ranges = {n: r["ranges"][n] for n in names if not uncertainty.is_constant(r["ranges"][n])}
    fixed = shared.base_point(r["ranges"])

    def model(x):
        size = len(next(iter(x.values())))
        full = {k: np.repeat(v, size) for k, v in fixed.items()} | x
        return figures(full, r)["usd_per_pflop_hour"][:, column]

    return (uncertainty.tornado(model, ranges), uncertainty.sobol(model, ranges, n=sobol_draws, seed=r["p"]["seed"]))


def goodput_curve(r: dict, *, points: int = 60) -> pd.Series:
    """Goodput by chip count, from 256 chips to twice the largest cluster of the report (at least
    200,000), with the report's interruption, restart and checkpoint inputs."""
    top = max(2e5, 2 * float(np.nanmax(r["p50"]["chip_count"].to_numpy(dtype=float))))
    sizes = np.unique(np.geomspace(256, top, points).round())
    return pd.Series(goodput.goodput(sizes, **r["goodput_inputs"]), index=sizes, name="goodput")


# --------------------------------------------------------------------------------------------
# text and tables


def band(r: dict, chip: str, name: str, fmt=present.usd) -> str:
    """``"$338 M (P10–P90 $330 M–$350 M)"``: a figure's P50 with its band, or ``n/a``."""
    mid = r["p50"].loc[chip, name]
    if mid != mid:
        return present.NA
    low, high = r["p10"].loc[chip, name], r["p90"].loc[chip, name]
    if fmt(low) == fmt(high):
        return fmt(mid)
    return f"{fmt(mid)} (P10–P90 {fmt(low)}–{fmt(high)})"


def basis(r: dict) -> str:
    """What 'matching' means for the workload, in words."""
    p = r["p"]
    if r["workload"] == "training":
        layout = load("parallel_configs").loc[p["parallel_config"], "description"].split(":")[0]
        hidden = (
            "no communication hidden" if p["overlap"] == 0 else f"{present.pct(p['overlap'])} of communication hidden"
        )
        return f"sustained training compute in the {layout} layout ({hidden} behind computation)"
    if r["workload"] == "prefill":
        return f"prefill throughput of {r['model']['name']}"
    return (
        f"decode throughput of {r['model']['name']} at {present.count(p['batch_size'])} sequences of "
        f"{present.count(p['context_tokens'])} tokens"
    )


def _times(ratio: float) -> str:
    """A ratio as "1.6×", or n/a."""
    return present.NA if ratio != ratio else f"{ratio:.1f}×"


def _no_match(r: dict, chip: str) -> bool:
    return r["matched"].loc[chip] == 0


def answer(r: dict) -> str:
    """The one-paragraph answer at the top of the report, with its bands."""
    p, ref = r["p"], r["reference"]
    parts = []
    for chip in r["chips"].index[1:]:
        if _no_match(r, chip):
            parts.append(f"no number of {present.chip_short(chip)} can (interruptions grow faster than compute)")
            continue
        parts.append(
            f"**{band(r, chip, 'chip_count', present.count)} {present.chip_short(chip)}** "
            f"({present.usd(r['p50'].loc[chip, 'tco_usd'])} over {r['years']:g} years)"
        )
    return (
        f"Matching **{present.count(p['reference_count'])} × {present.chip_name(ref)}** by {basis(r)} takes "
        + "; ".join(parts)
        + f". The reference itself draws {present.mw(r['p50'].loc[ref, 'facility_power_mw'])} "
        f"at the meter and costs {band(r, ref, 'tco_usd')} to own for {r['years']:g} years at the "
        f"{r['site']['name']} electricity price. Every figure is the median (P50) of "
        f"{present.count(p['draws'])} Monte Carlo draws "
        "over chip prices and power, the electricity price, PUE, the reference MFU (±25 %) and the vendors' MFU "
        "factors; the band is their P10–P90."
    )


def findings(r: dict) -> str:
    """Key findings as a markdown list (P50 figures with their bands)."""
    ref = r["reference"]
    lines = []
    for chip in r["chips"].index[1:]:
        name = present.chip_short(chip)
        if _no_match(r, chip):
            lines.append(
                f"- **{name}**: no chip count matches: at this size each added chip adds interruptions "
                "as fast as compute (goodput ceiling)."
            )
            continue
        row, base = r["p50"].loc[chip], r["base"].loc[chip]
        ratio = _times(row["facility_power_mw"] / r["p50"].loc[ref, "facility_power_mw"])
        tco_ratio = _times(row["tco_usd"] / r["p50"].loc[ref, "tco_usd"])
        partial = (
            "" if r["matched"].loc[chip] == 1 else f" (matchable in {present.pct(r['matched'].loc[chip])} of draws)"
        )
        lines.append(
            f"- **{name}**: {band(r, chip, 'chip_count', present.count)} chips{partial}, "
            f"{present.count(row['per_reference'])} per {present.chip_short(ref)} in sustained rate at MFU "
            f"{present.pct(base['mfu'], digits=1)}, bound by {r['binding'].loc[chip]}; "
            f"{present.mw(row['facility_power_mw'])} at the meter ({ratio} the reference); TCO "
            f"{band(r, chip, 'tco_usd')} ({tco_ratio}), {band(r, chip, 'usd_per_pflop_hour')} per effective PFLOP-hour."
        )
    if r["workload"] == "training":
        lines.append(
            f"- **Scale costs goodput.** {present.count(r['p']['reference_count'])} reference chips train "
            f"{present.pct(r['p50'].loc[ref, 'goodput'], digits=1)} of the time; the largest candidate cluster, "
            f"{present.count(r['p50']['chip_count'].max())} chips, "
            f"{present.pct(r['p50'].loc[r['p50']['chip_count'].idxmax(), 'goodput'], digits=1)} — interruptions grow "
            "with the chip count (Llama 3's rate per chip-hour)."
        )
    return "\n".join(lines)


def mfu_table(r: dict) -> pd.DataFrame:
    """How each chip's MFU is set: dense peak, vendor factor (base, low–high), interconnect
    scaling ratio to the reference (uncapped and as used) and the MFU at the base point."""
    chips, scaling = r["chips"], r["scaling"]
    frame = pd.DataFrame(
        {
            "dense peak [TFLOP/s]": chips["peak_tflops"],
            "vendor MFU factor": [
                f"{row['mfu_factor']:.2f} ({row['mfu_factor_low']:.2f}–{row['mfu_factor_high']:.2f})"
                for _, row in chips.iterrows()
            ],
            "scaling ratio": scaling["ratio"],
            "scaling ratio used (≤ 1)": scaling["used"],
            "MFU": r["base"]["mfu"],
        },
        index=chips.index,
    )
    frame.index = [present.chip_short(c) for c in frame.index]
    return frame


def parity_table(r: dict) -> pd.DataFrame:
    """Rate per chip, throughput match, capacity floor, goodput and the chip count (P50 and its
    P10–P90 as text) per chip, with the binding constraint."""
    chips, base, mid = r["chips"], r["base"], r["p50"]
    spread = [
        present.NA
        if low != low
        else (present.count(low) if low == high else f"{present.count(low)}–{present.count(high)}")
        for low, high in zip(r["p10"]["chip_count"], r["p90"]["chip_count"])
    ]
    frame = pd.DataFrame(
        {
            f"per chip [{UNITS[r['workload']]}]": base["rate"],
            "per reference chip": mid["per_reference"],
            "throughput match [chips]": mid["throughput_match"],
            "capacity floor [chips]": r["capacity_floor"],
            "goodput": mid["goodput"],
            "chips (P50)": mid["chip_count"],
            "P10–P90": spread,
            "binding": r["binding"],
        },
        index=chips.index,
    )
    frame.index = [present.chip_short(c) for c in frame.index]
    return frame


def cost_table(r: dict) -> pd.DataFrame:
    """Power, energy, capex and electricity per chip (P50 of the draws)."""
    mid = r["p50"]
    frame = pd.DataFrame(
        {
            "chips": mid["chip_count"],
            "IT power [MW]": mid["it_power_mw"],
            "facility power [MW]": mid["facility_power_mw"],
            "energy [GWh/yr]": mid["annual_energy_gwh"],
            "capex [$ M]": mid["capex_usd"] / 1e6,
            "electricity [$ M/yr]": mid["annual_opex_usd"] / 1e6,
            "electricity share": mid["electricity_share_of_tco"],
        },
        index=r["chips"].index,
    )
    frame.index = [present.chip_short(c) for c in frame.index]
    return frame


def tco_table(r: dict) -> pd.DataFrame:
    """TCO and cost per effective PFLOP-hour per chip: P50 with P10 and P90."""
    frame = pd.DataFrame(
        {
            "TCO [$ M]": r["p50"]["tco_usd"] / 1e6,
            "TCO P10 [$ M]": r["p10"]["tco_usd"] / 1e6,
            "TCO P90 [$ M]": r["p90"]["tco_usd"] / 1e6,
            "$ per PFLOP-h": r["p50"]["usd_per_pflop_hour"],
            "$ per PFLOP-h P10": r["p10"]["usd_per_pflop_hour"],
            "$ per PFLOP-h P90": r["p90"]["usd_per_pflop_hour"],
            "TCO / reference": r["p50"]["tco_usd"] / r["p50"].loc[r["reference"], "tco_usd"],
        },
        index=r["chips"].index,
    )
    frame.index = [present.chip_short(c) for c in frame.index]
    return frame


def systems_table(*, server_power_ratio: float | None = None) -> pd.DataFrame:
    """Racks and clusters as sold (``systems.csv``): power per dense BF16 TFLOP/s from the system's
    own power, beside the per-chip model's (max W per chip / BF16 peak); chips without a TDP take
    the system's own power per chip, so the two agree by construction for them."""
    systems = load("systems")
    chips = shared.chips(list(dict.fromkeys(systems["chip_id"])), server_power_ratio=server_power_ratio)
    model_w = chips["max_w_per_chip"].reindex(systems["chip_id"]).to_numpy()
    peak = chips["bf16_dense_tflops"].reindex(systems["chip_id"]).to_numpy()
    frame = pd.DataFrame(
        {
            "chips": systems["chips"],
            "BF16 dense [PFLOP/s]": systems["bf16_dense_pflops"],
            "system power [kW]": systems["system_power_kw"],
            "W per TFLOP/s (system)": systems["system_power_kw"] * 1e3 / (systems["bf16_dense_pflops"] * 1e3),
            "W per TFLOP/s (per-chip model)": model_w / peak,
            "power basis": chips["power_basis"]
            .reindex(systems["chip_id"])
            .map({"tdp": "TDP × ratio", "system": "the system itself"})
            .to_numpy(),
        },
        index=systems.index,
    )
    frame["model / system"] = frame["W per TFLOP/s (per-chip model)"] / frame["W per TFLOP/s (system)"]
    frame["name"] = systems["name"].str.split("(").str[0].str.strip()
    return frame


def systems_text(systems: pd.DataFrame) -> str:
    """CloudMatrix 384 against GB200 NVL72, in power per FLOP by both routes."""
    if not {"cloudmatrix-384", "gb200-nvl72"} <= set(systems.index):
        return ""
    cm, nvl = systems.loc["cloudmatrix-384"], systems.loc["gb200-nvl72"]
    sys_ratio = cm["W per TFLOP/s (system)"] / nvl["W per TFLOP/s (system)"]
    model_ratio = cm["W per TFLOP/s (per-chip model)"] / nvl["W per TFLOP/s (per-chip model)"]
    return (
        f"Huawei's CloudMatrix 384 delivers {cm['BF16 dense [PFLOP/s]'] / nvl['BF16 dense [PFLOP/s]']:.1f}× the "
        f"dense BF16 compute of a GB200 NVL72 with {cm['chips'] / nvl['chips']:.1f}× the chips and "
        f"{cm['system power [kW]'] / nvl['system power [kW]']:.1f}× the power: "
        f"{cm['W per TFLOP/s (system)']:.2f} W against {nvl['W per TFLOP/s (system)']:.2f} W per TFLOP/s, "
        f"**{sys_ratio:.1f}×** the power per FLOP from the systems' own figures and **{model_ratio:.1f}×** from "
        f"the per-chip model this report uses (GB200: TDP × server power ratio, "
        f"{present.pct(nvl['model / system'] - 1)} off the rack's figure). The Ascend 910C has no published "
        "TDP, so its power per chip in the model *is* CloudMatrix 384's system power / 384 — that row agrees "
        "by construction and is no independent check."
    )


def parameter_appendix(r: dict) -> None:
    """Show every parameter as resolved: the value used and where a default came from."""
    resolved = {
        "usd_per_kwh": r["site"]["usd_per_kwh"],
        "pue": r["site"]["pue"],
        "load_factor": r["load_factor"],
        "server_power_ratio": r["server_power_ratio"],
        "years": r["years"],
        **r["goodput_inputs"],
    }
    origins = {
        "usd_per_kwh": "the region's base value",
        "pue": "the region's base value",
        "load_factor": "Epoch AI",
        "server_power_ratio": "Epoch AI; DGX H100 10.2 kW / 8 / 700 W = 1.82",
        "years": "SemiAnalysis' TCO horizon",
        "interruptions_per_chip_hour": "Llama 3, 419 in 54 days on 16,384 GPUs",
        "restart_hours": "MegaScale, < 10 min",
        "checkpoint_interval_hours": "calibrated on Llama 3's > 90 %",
    }
    present.parameters_table(r["p"], resolved, origins)


def key_figures(r: dict) -> dict:
    """The JSON of the report contract: per chip the P50 of every banded figure with ``_p10`` /
    ``_p90`` siblings, ``goodput``, ``binding``, ``mfu`` and ``chips_per_reference``."""

    def entry(chip):
        row = {k: r["p50"].loc[chip, k] for k in BANDED}
        row |= {f"{k}_{q}": r[q].loc[chip, k] for k in BANDED for q in ("p10", "p90")}
        return row | {
            "goodput": r["p50"].loc[chip, "goodput"],
            "binding": r["binding"].loc[chip],
            "mfu": r["base"].loc[chip, "mfu"],
            "chips_per_reference": r["p50"].loc[chip, "per_reference"],
            "matched_share_of_draws": r["matched"].loc[chip],
        }

    ref = r["reference"]
    return {
        "reference": {"chip": ref, **entry(ref)},
        "workload": r["workload"],
        "candidates": {c: entry(c) for c in r["chips"].index[1:]},
    }


def source_keys(r: dict) -> list[str]:
    """Source keys of everything the report used, for its sources appendix."""
    p = r["p"]
    used = [p["parallel_config"]] if r["workload"] == "training" else []
    vendors = load("vendor_efficiency")
    return (
        keys_in(r["chips"])
        + keys_in(load("regions").loc[[r["site"]["region"]]])
        + keys_in(load("systems").loc[["gb200-nvl72", "cloudmatrix-384"]])
        + keys_in(load("parallel_configs").loc[used])
        + keys_in(load("models").loc[[r["model"].name]])
        + keys_in(vendors[vendors["vendor"].isin(r["chips"]["vendor"])])
        + ["epoch-training-cost-trends", "dgx-h100-power", "hyperscaler-depreciation", "zero-2020", "llama3-paper"]
    )
