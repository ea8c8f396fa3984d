"""The chip_parity report: how many chips of each candidate match N reference chips for a
workload (training, prefill or decode), which constraint binds (throughput or the memory-capacity
floor), and the power, energy, capex, TCO and cost per effective PFLOP-hour (training) or per
million tokens (prefill, decode: the inference_cost report's serving model and defaults) that implies.

:func:`inputs` validates the parameters and resolves them into an :class:`Inputs` (chips, site,
interconnect scaling ratios, goodput inputs, the ranges of every uncertain input and the
``used`` record of every value); :func:`figures` maps arrays of the uncertain inputs (drawn
prices, TDPs, electricity price, PUE, the reference MFU and the vendors' MFU factors) to every
figure of every chip. It is called once at the base point and once at the seeded Monte Carlo
draws (:func:`result`): each headline is the P50 of the draws, with its P10–P90 from the same
draws (:func:`analysis.formulas.uncertainty.percentile_frames`), so a headline and its band never
disagree on chips, reference or method. One module, one concern: this report (inputs, model,
text, tables and figures), hence longer than 400 lines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..catalog import load, lookup
from ..formulas import cost, goodput, inference, power, scaling, uncertainty
from ..formulas.power import HOURS_PER_YEAR
from . import inference_cost as serving
from . import inputs as shared
from . import params, present
from .inputs import Used

PARAMETERS = params.declare(
    reference_chip="h100-sxm",
    reference_count=2048,
    candidates=["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c", "b200"],
    workload="training",
    **params.TRAINING,
    precision="bf16",
    model="deepseek-v3",
    batch_size=serving.PARAMETERS["batch_size"].default,  # the serving defaults: one each, inference_cost's
    context_tokens=2048,
    hbm_efficiency=serving.PARAMETERS["hbm_efficiency"].default,
    utilisation=None,
    **params.WHERE,
    **params.SITE,
    **params.OWNED,
    cost_of_capital=0.0,
    **params.GOODPUT,
    **params.MONTE_CARLO,
)

#: Bytes per parameter held in training with mixed-precision Adam beyond the BF16 weights:
#: BF16 gradients (2) + FP32 master weights, momentum and variance (12) (source key zero-2020).
TRAINING_EXTRA_BYTES_PER_PARAM = 14.0

#: Figures with a P10–P90 band in the tables and the JSON.
BANDED = (
    "chip_count",
    "chips_per_reference_chip",
    "jobs_chip_count",
    "jobs_chips_per_reference_chip",
    "it_power_mw",
    "facility_power_mw",
    "annual_energy_gwh",
    "capex_usd",
    "annual_opex_usd",
    "tco_usd",
    "usd_per_pflop_hour",
)
UNITS = {"training": "TFLOP/s", "prefill": "input tokens/s", "decode": "output tokens/s"}
#: The cost per unit of work, by workload: (figure, words, axis label).
UNIT_COST = {
    "training": ("usd_per_pflop_hour", "the cost per effective PFLOP-hour", "USD per effective PFLOP-hour"),
    "prefill": ("usd_per_million_tokens", "the cost per million input tokens", "USD per million input tokens"),
    "decode": ("usd_per_million_tokens", "the cost per million output tokens", "USD per million output tokens"),
}


def banded(workload: str) -> tuple[str, ...]:
    """:data:`BANDED` with the workload's cost per unit of work (:data:`UNIT_COST`)."""
    return tuple(UNIT_COST[workload][0] if name == "usd_per_pflop_hour" else name for name in BANDED)


@dataclass(frozen=True)
class Inputs(shared.DrawnInputs):
    """Everything :func:`figures` needs, resolved. ``chips``: :func:`analysis.assembly.inputs.chips`
    rows, the reference first; ``model``: the served (inference) or trained (training) row of
    ``data/models.csv``; ``capacity_floor_chips``: chips per chip id that hold the weights (and
    the KV cache in decode; NaN without a published HBM capacity); ``scaling``: by chip,
    ``scaling_efficiency``, ``ratio`` to the reference's and ``used`` (min(1, ratio); 1 for
    inference); ``ranges``: (low, base, high) of every uncertain input keyed ``mfu``,
    ``usd_per_kwh``, ``pue``, ``<chip> price`` [USD], ``<chip> TDP`` [W], ``<vendor> MFU factor``;
    ``parameters``: the validated parameters as given (JSON and appendix only); ``used``: every
    value used, as :class:`~analysis.assembly.inputs.Used` records (per chip under ``chips``)."""

    reference_chip: str
    reference_count: int
    chips: pd.DataFrame
    workload: str
    precision: str
    model: pd.Series
    bytes_per_param: float
    batch_size: float | None
    context_tokens: int
    hbm_efficiency: float
    parallel_config: str
    overlap: float
    compute_efficiency: float
    capacity_floor_chips: np.ndarray
    scaling: pd.DataFrame
    site: shared.Site
    goodput: shared.GoodputInputs
    load_factor: float
    server_power_ratio: float | None
    years: float
    cost_of_capital_per_year: float
    mfu: float
    utilisation: float = 1.0


@dataclass(frozen=True)
class Result:
    """The report's figures. ``base`` (inputs at their base values), ``p10``, ``p50``, ``p90``
    (percentiles of the Monte Carlo draws, :func:`~analysis.formulas.uncertainty.percentiles`):
    frames by chip id (rows, reference first) with the columns of :func:`figures`: ``mfu``
    [share], ``rate`` [:data:`UNITS` of the workload, per chip], ``per_reference`` [chips per
    reference chip in rate], ``throughput_match`` [chips], ``capacity_binds`` [0/1],
    ``chip_count`` [chips; +∞ in a draw where no single job matches, ranked above every count],
    ``chips_per_reference_chip``, ``jobs_chip_count`` and ``jobs_chips_per_reference_chip``
    (in separate jobs of at most the reference's chip count, always finite), ``goodput`` [share],
    ``it_power_mw``, ``facility_power_mw`` [MW], ``annual_energy_gwh`` [GWh/yr], ``capex_usd``,
    ``annual_capex_usd``, ``annual_opex_usd`` [USD/yr], ``tco_usd`` [USD], ``usd_per_pflop_hour``,
    ``capex_usd_per_pflop_hour``, ``kwh_per_pflop_hour``, ``electricity_share_of_tco``,
    ``jobs_facility_power_mw``, ``jobs_tco_usd`` (of the separate jobs' chips).
    ``binding``: by chip, ``memory capacity`` or ``throughput`` (what binds in most draws);
    ``matched``: by chip, the share of draws in which some chip count matches the reference in
    one job; ``open_share``: the share in which none does (+∞; unknown figures count in neither);
    ``top_share``: the share of draws whose chip count is the largest finite count of all draws."""

    inputs: Inputs
    base: pd.DataFrame
    p10: pd.DataFrame
    p50: pd.DataFrame
    p90: pd.DataFrame
    binding: pd.Series
    matched: pd.Series
    open_share: pd.Series
    top_share: pd.Series


def inputs(**values) -> Inputs:
    """Validate the parameters (:data:`PARAMETERS`; missing ones take their defaults) and resolve
    everything :func:`figures` needs."""
    p = params.validate("chip_parity", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    return resolve(p)


#: What a training figure reads for a chip whose scaling ratio is unknown (no interconnect figure in
#: chips.csv, overlap below 100 %).
NO_INTERCONNECT = "n/a: no interconnect sourced"


def no_interconnect(r: Result) -> list[str]:
    """The chips whose training figures are unknown because their interconnect is (:func:`scaling_ratios`)."""
    if r.inputs.workload != "training":
        return []
    return list(r.inputs.scaling.index[r.inputs.scaling["used"].isna()])


def scaling_ratios(
    parallel_config: str, chip_ids, *, overlap: float, compute_efficiency: float = scaling.COMPUTE_EFFICIENCY
) -> pd.DataFrame:
    """Interconnect scaling efficiency of each chip in a published layout and its ratio to the
    first chip's (the reference): ``scaling_efficiency`` (compute / step time,
    :func:`analysis.formulas.scaling.training_step`), ``ratio`` (uncapped) and ``used``
    (``min(1, ratio)``, what :func:`~analysis.formulas.compute.transferred_mfu` applies). A chip
    without a sourced interconnect figure (Trainium1) has efficiency 1 at full overlap (no
    communication is exposed: step = compute) and NaN below it (:data:`NO_INTERCONNECT`)."""
    steps = shared.step_table(parallel_config, chip_ids, compute_efficiency=compute_efficiency, overlap=overlap)
    efficiency = steps["scaling_efficiency"].fillna(1.0) if overlap >= 1.0 else steps["scaling_efficiency"]
    ratio = efficiency / efficiency.iloc[0]
    return pd.DataFrame({"scaling_efficiency": efficiency, "ratio": ratio, "used": np.minimum(1.0, ratio)})


def _workload_model(p: dict, ids: list[str], hbm_gb: np.ndarray) -> tuple[pd.Series, np.ndarray, pd.DataFrame]:
    """The workload's model row, the capacity floor [chips] of each chip and the scaling ratios:
    training holds the layout's model with Adam state (2 + :data:`TRAINING_EXTRA_BYTES_PER_PARAM`
    bytes per parameter); inference the served model's weights at the precision (+ the KV cache of
    the batch in decode), with no scaling penalty."""
    known_hbm = np.nan_to_num(hbm_gb, nan=1.0)
    if p["workload"] == "training":
        ratios = scaling_ratios(p["parallel_config"], ids, overlap=p["overlap"])
        model = lookup(load("models"), load("parallel_configs").loc[p["parallel_config"], "model_id"], "model")
        floor = inference.capacity_floor_chips(
            known_hbm, model, 2.0, extra_bytes_per_param=TRAINING_EXTRA_BYTES_PER_PARAM
        )
    else:
        ratios = pd.DataFrame({"scaling_efficiency": np.nan, "ratio": np.nan, "used": 1.0}, index=ids)
        model = lookup(load("models"), p["model"], "model")
        batch = serving.serving_setting("batch_size", p["batch_size"]).value if p["workload"] == "decode" else 0
        kv = (batch, p["context_tokens"]) if p["workload"] == "decode" else (0, 0)
        floor = inference.capacity_floor_chips(known_hbm, model, inference.BYTES_PER_PARAM[p["precision"]], *kv)
    return model, np.where(np.isnan(hbm_gb), np.nan, floor).astype(float), ratios


def _ranges(
    mfu_range, site: shared.Site, chips: pd.DataFrame, loss: shared.GoodputInputs
) -> dict[str, tuple[float, float, float]]:
    """The Monte Carlo ranges: ``mfu`` (``mfu_range``: the reference MFU times the spread of
    utilisation observations of dense runs on its generation at the report's precision,
    :func:`~analysis.assembly.inputs.reference_mfu_range`), the site's ``usd_per_kwh`` and
    ``pue``, each chip's ``price`` and ``TDP``, each vendor's MFU factor (one draw per vendor,
    shared by its chips) and the goodput inputs' (:meth:`~analysis.assembly.inputs.GoodputInputs.ranges`).
    Each name has its own seeded stream (:func:`analysis.formulas.uncertainty.draw`)."""
    ranges = {"mfu": mfu_range} | site.ranges()
    for c, row in chips.iterrows():
        ranges[f"{c} price"] = uncertainty.ranges_from(row["price_usd_low"], row["price_usd"], row["price_usd_high"])
        ranges[f"{c} TDP"] = uncertainty.ranges_from(row["tdp_w_low"], row["tdp_w"], row["tdp_w_high"])
    for v, row in chips.drop_duplicates("vendor").set_index("vendor").iterrows():
        ranges[f"{v} MFU factor"] = (row["mfu_factor_low"], row["mfu_factor"], row["mfu_factor_high"])
    return ranges | loss.ranges()


#: The catalog figures each workload reads per chip beyond peak, power and price: HBM capacity
#: (the capacity floor), interconnect (the training layout's step), HBM bandwidth (decode).
WORKLOAD_FIGURES = {
    "training": ("hbm_gb", "interconnect_gb_s"),
    "prefill": ("hbm_gb",),
    "decode": ("hbm_gb", "hbm_bandwidth_tb_s"),
}


def _chips_used(chips: pd.DataFrame, workload: str) -> dict[str, dict[str, Used]]:
    """Per chip: dense peak, maximum W per chip and price (:func:`~analysis.assembly.inputs.chip_used`),
    the figures the workload reads (:data:`WORKLOAD_FIGURES`) and the vendor's MFU factor
    (:func:`~analysis.assembly.inputs.vendor_factor_used`)."""
    out = shared.chip_used(chips, columns=("peak_tflops", "max_w_per_chip", "price_usd", *WORKLOAD_FIGURES[workload]))
    for chip, row in chips.iterrows():
        out[chip]["mfu_factor"] = shared.vendor_factor_used(row)
    return out


def _used(p: dict, values: dict, site: shared.Site, loss: shared.GoodputInputs, *, declared: dict) -> dict:
    """The inputs block without the chips: every value :func:`figures` uses. ``values`` holds
    the resolved library settings (load factor, server power ratio, years); ``declared`` the
    calling report's ``PARAMETERS`` (its defaults)."""
    used = {"usd_per_kwh": site.used["usd_per_kwh"], "pue": site.used["pue"], **values}
    used["cost_of_capital"] = shared.report_setting("cost_of_capital", p["cost_of_capital"], declared)
    used["mfu"] = shared.report_setting("mfu", p["mfu"], declared)
    if p["workload"] == "training":
        used["parallel_config"] = shared.report_setting("parallel_config", p["parallel_config"], declared)
        used["overlap"] = shared.report_setting("overlap", p["overlap"], declared)
        used["compute_efficiency"] = Used(
            scaling.COMPUTE_EFFICIENCY, "share of dense peak", shared.ASSUMPTION, "interconnect model, no communication"
        )
        used |= loss.used | {"goodput_spread": loss.spread_used()}
    return used


def _catalog_used(p: dict, model: pd.Series) -> dict:
    """The catalog rows behind the workload and the systems table, as inputs records
    (:func:`~analysis.assembly.inputs.rows_used`): the model's architecture, the training layout
    and ZeRO's Adam state, and every system of ``systems.csv``."""
    used = {"architecture": shared.rows_used("models", [model.name], label="name")[model.name]["model"]}
    if p["workload"] == "training":
        layout = shared.rows_used("parallel_configs", [p["parallel_config"]])[p["parallel_config"]]
        used["layout"] = layout["parallel config"]
        used["training_bytes_per_param"] = Used(
            2.0 + TRAINING_EXTRA_BYTES_PER_PARAM, "bytes per parameter", "zero-2020", "mixed-precision Adam state"
        )
    return used | {"systems": shared.rows_used("systems", load("systems").index, label="name")}


def cross_check(values: dict) -> None:
    """The checks of several parameters (:func:`analysis.assembly.params.cross_check`, before any
    kernel): the reference count holds the workload's model (:func:`check_reference_holds`); with
    the parameters not all given (a partial check) nothing to check."""
    p = {name: spec.default for name, spec in PARAMETERS.items()} | values
    if "reference_count" not in values and "reference_chip" not in values:
        return
    ids = [p["reference_chip"]]
    model, floor, _ = _workload_model(p, ids, shared.chips(ids)["hbm_gb"].to_numpy(dtype=float))
    check_reference_holds(p, model, floor[0])


def check_reference_holds(p: dict, model: pd.Series, floor_chips: float) -> None:
    """Refuse a reference cluster too small to hold the workload's model: the reference gets the
    capacity floor every candidate gets (:func:`_workload_model`: chips whose usable HBM holds the
    weights, with Adam state in training, with the batch's KV cache in decode). A reference of fewer
    chips cannot run the workload, so a parity with it (e.g. 150 H800 per 1 H100 for DeepSeek-V3,
    all of it the candidates' floor) would answer no real question; raising the count silently would
    answer another than the one asked. NaN floor (no published HBM capacity): nothing to check."""
    count = p["reference_count"]
    if np.isnan(floor_chips) or count >= floor_chips:
        return
    what = "with Adam state" if p["workload"] == "training" else f"in {p['precision'].upper()}"
    if p["workload"] == "decode":
        what += " with the batch's KV cache"
    raise params.ParameterError(
        f"parameter reference_count: {count} × {present.chip_name(p['reference_chip'])} cannot hold "
        f"{model['name']} ({model['total_params'] / 1e9:,.0f} B parameters {what}); its capacity floor, the one "
        f"every candidate gets, is {floor_chips:,.0f} chips: give reference_count ≥ {floor_chips:,.0f}"
    )


def resolve(p: dict, *, declared: dict | None = None) -> Inputs:
    """:class:`Inputs` from validated parameters ``p`` (every name of :data:`PARAMETERS`): the
    chips (reference first), the site, the workload's model and capacity floors, the scaling
    ratios, the goodput inputs and the Monte Carlo ranges. The energy_advantage report calls this
    with its own parameters and their declaration ``declared`` (default :data:`PARAMETERS`),
    against whose defaults the ``used`` records tell a reader's value from a default."""
    ref = p["reference_chip"]
    ids = list(dict.fromkeys([ref, *p["candidates"]]))
    settings = {name: shared.setting(name, p[name]) for name in ("load_factor", "server_power_ratio", "years")}
    ratio = p["server_power_ratio"]  # None: each chip's own (chips.csv), 1.8 where none
    chips = shared.chips(ids, precision=p["precision"], server_power_ratio=ratio)
    where = shared.site(p["region"], usd_per_kwh=p["usd_per_kwh"], pue=p["pue"])
    loss = shared.goodput_inputs(**{name: p[name] for name in params.GOODPUT}, chip_count=p["reference_count"])
    model, floor, ratios = _workload_model(p, ids, chips["hbm_gb"].to_numpy(dtype=float))
    mfu_range, mfu_spread = shared.basis_mfu_range(p["mfu"])
    ranges, speedup = _ranges(mfu_range, where, chips, loss), {}
    if p["workload"] == "training" and p["precision"] != "bf16":  # a chip without it: shared.precision_factor
        ranges[shared.FP8_SPEEDUP], speedup[shared.FP8_SPEEDUP] = shared.fp8_speedup()
    inp = Inputs(
        reference_chip=ref,
        reference_count=p["reference_count"],
        chips=chips,
        workload=p["workload"],
        precision=p["precision"],
        model=model,
        bytes_per_param=inference.BYTES_PER_PARAM[p["precision"]],
        batch_size=p["batch_size"],
        context_tokens=p["context_tokens"],
        hbm_efficiency=p["hbm_efficiency"],
        parallel_config=p["parallel_config"],
        overlap=p["overlap"],
        compute_efficiency=scaling.COMPUTE_EFFICIENCY,
        capacity_floor_chips=floor,
        scaling=ratios,
        site=where,
        goodput=loss,
        load_factor=float(settings["load_factor"].value),
        server_power_ratio=ratio,
        years=float(settings["years"].value),
        cost_of_capital_per_year=p["cost_of_capital"],
        mfu=p["mfu"],
        ranges=ranges,
        seed=p["seed"],
        draws=p["draws"],
        parameters=dict(p),
        used=_used(p, settings, where, loss, declared=declared or PARAMETERS)
        | {
            "mfu_spread": mfu_spread,
            "mfu_basis": shared.mfu_basis("steady-state"),
            **speedup,
            "chips": _chips_used(chips, p["workload"]),
        }
        | _catalog_used(p, model),
    )
    return inp if p["workload"] == "training" else serving_inputs(inp, p, declared=declared or PARAMETERS)


def serving_inputs(inp: Inputs, p: dict, *, declared: dict) -> Inputs:
    """Prefill and decode: ``inp`` on the inference_cost report's serving model and defaults, one
    default each (:func:`analysis.assembly.inference_cost.serving_setting`): the utilisation
    ``mfu`` (the report's training MFU default, or None, stands for "not set" and gives the
    serving utilisation of published prefill throughputs in prefill, decode's of published decode
    throughputs in decode, ``decode_mfu``), the HBM efficiency and batch (decode)
    and the share of hours an owned chip serves; the serving peaks (8-bit matmuls, BF16 attention,
    :func:`~analysis.assembly.inference_cost.serving_peaks`) and the per-chip inputs as that report
    records them; the Monte Carlo draws the utilisation from the published serving utilisations
    (:func:`~analysis.assembly.inference_cost.serving_range`), in decode the HBM efficiency between
    published decode bandwidth shares (:func:`~analysis.assembly.inference_cost.hbm_range`) and a
    default batch over the published deployments' batches
    (:func:`~analysis.assembly.inference_cost.batch_range`), and no vendor MFU factor (serving
    applies none: training priors)."""
    decode = p["workload"] == "decode"
    given = None if p["mfu"] == declared["mfu"].default else p["mfu"]
    records = {"mfu": serving.serving_setting("decode_mfu" if decode else "mfu", given)}
    records["mfu_basis"] = shared.mfu_basis("reader" if given is not None else p["workload"])
    if decode:
        records |= {name: serving.serving_setting(name, p[name]) for name in ("hbm_efficiency", "batch_size")}
    records["utilisation"] = serving.serving_setting("utilisation", p["utilisation"])
    mfu, hbm = float(records["mfu"].value), float(serving.serving_setting("hbm_efficiency", p["hbm_efficiency"]).value)
    if decode:  # inference_cost's draws, in its order (its prefill utilisation drawn, unused here)
        drawn = serving.serving_ranges(serving.serving_setting("mfu", None).value, hbm, p["batch_size"], mfu)
    else:
        drawn = {"mfu": serving.serving_range(mfu)}
    kept = {k: v for k, v in inp.ranges.items() if k != "mfu" and not k.endswith(" MFU factor")}
    chips = serving.with_serving_peaks(inp.chips, p["precision"])
    spread = _serving_spread(drawn["decode_mfu" if decode else "mfu"], decode=decode)
    used = (
        {k: v for k, v in inp.used.items() if k not in ("mfu", "mfu_basis", "chips")} | records | {"mfu_spread": spread}
    )
    used |= serving.decode_observations_used() if decode else serving.serving_observations_used()
    if decode and p["batch_size"] is None:
        used |= serving.decode_batches_used()
    return replace(
        inp,
        chips=chips,
        mfu=mfu,
        hbm_efficiency=hbm,
        batch_size=float(serving.serving_setting("batch_size", p["batch_size"]).value) if decode else None,
        utilisation=float(records["utilisation"].value),
        ranges=drawn | kept,
        used=used | {"chips": serving.chip_used(chips, basis="ownership", precision=p["precision"])},
    )


def _serving_spread(drawn, *, decode: bool) -> Used:
    """The P10–P90 of the serving utilisation as drawn, as an inputs record: decode's from the
    published decode utilisations, prefill's from the published prefill utilisations."""
    phase = "decode" if decode else "prefill"
    key = "decode-observations" if decode and "decode_observations" in serving.decode_observations_used() else None
    return Used(
        f"{drawn[0]:.3f}–{drawn[2]:.3f}",
        "share",
        key or "serving-observations",
        f"P10–P90 of the published {phase} utilisations, as inference_cost draws it",
    )


def _per_chip(x: dict, chips: pd.DataFrame, what: str) -> np.ndarray:
    """Draws × chips of a per-chip input (``<chip> price``, ``<chip> TDP``)."""
    return np.stack([np.asarray(x[f"{c} {what}"], dtype=float) for c in chips.index], axis=1)


def _mfu(x: dict, inp: Inputs) -> np.ndarray:
    """MFU of every chip [share], draws × chips. Training: the reference MFU, an NVIDIA-software run's
    (not the reference chip's), × the chip's vendor factor / NVIDIA's (1) × the scaling ratio used, at
    most 1 and at most its generation's cap, converted at FP8 for a chip without a faster FP8 peak than
    its BF16 one (:func:`~analysis.assembly.inputs.chips_mfu`, the rule energy_advantage and procurement
    share): a chip's MFU is one number whichever chip is the reference. Prefill and decode: the serving
    utilisation for every chip (no vendor factor, as the inference_cost report)."""
    if inp.workload != "training":
        drawn = x["decode_mfu"] if inp.workload == "decode" and "decode_mfu" in x else x["mfu"]
        return np.repeat(np.minimum(1.0, np.asarray(drawn, dtype=float)[:, None]), len(inp.chips), axis=1)
    return shared.chips_mfu(
        x, inp.chips, ranges=inp.ranges, precision=inp.precision, scaling_used=inp.scaling["used"].to_numpy()
    )


def _rate(x: dict, mfu: np.ndarray, inp: Inputs) -> tuple[np.ndarray, np.ndarray]:
    """Sustained rate per chip in :data:`UNITS` of the workload and what bounds it, draws × chips:
    peak × MFU [TFLOP/s] (training, ``throughput``); the inference_cost report's serving model for
    prefill (computed tokens/s of a fresh prompt of ``context_tokens``, ``compute``) and decode
    (the roofline at the batch and context with the drawn HBM efficiency: ``memory bandwidth`` or
    ``compute``)."""
    peak = inp.chips["peak_tflops"].to_numpy(dtype=float)
    if inp.workload == "training":
        rate = peak * mfu
        return rate, np.full(rate.shape, "throughput")
    if inp.workload == "prefill":
        attended = inference.mean_attended_tokens(inp.context_tokens)
        rate = serving.serving_prefill_tokens_per_s(inp.chips, inp.model, attended_tokens=attended, mfu=mfu)
        return np.asarray(rate, dtype=float), np.full(np.shape(rate), "compute")
    hbm = np.asarray(x.get("hbm_efficiency", [inp.hbm_efficiency]), dtype=float)[:, None]
    batch = np.asarray(x.get("batch_size", [inp.batch_size]), dtype=float)[:, None]
    rate, bound = serving.serving_decode_tokens_per_s(
        inp.chips,
        inp.model,
        batch_size=batch,
        context_tokens=inp.context_tokens,
        precision=inp.precision,
        mfu=mfu,
        hbm_efficiency=hbm,
    )
    return np.asarray(rate, dtype=float), bound


def _counts(x: dict, rate: np.ndarray, inp: Inputs) -> dict[str, np.ndarray]:
    """Chips matching the reference, draws × chips: ``per_reference`` (rate ratio),
    ``throughput_match`` (training: one job of n chips with n · goodput(n) = N_ref ·
    goodput(N_ref) × rate ratio, with the goodput inputs drawn in ``x``, +∞ where no n can
    (:func:`~analysis.formulas.goodput.chips_for_useful_chips`); inference: N_ref × rate ratio;
    rounded up; NaN where a figure is unknown), ``chip_count`` (at least the capacity floor; the
    reference keeps N_ref), ``chips_per_reference_chip`` (chip count / N_ref), the same in
    separate jobs of at most N_ref chips (``jobs_chip_count``, ``jobs_chips_per_reference_chip``:
    :func:`~analysis.formulas.goodput.chips_in_jobs`, finite; inference: as one job) and
    ``goodput`` (of one job of that count; NaN where it has none; 1 for inference)."""
    n_ref, loss = inp.reference_count, inp.goodput.drawn(x)
    training = inp.workload == "training"
    per_reference = rate[:, [0]] / rate
    if training:
        useful = n_ref * goodput.goodput(n_ref, **loss) * per_reference
        needed = goodput.chips_for_useful_chips(useful, **loss)
        in_jobs = goodput.chips_in_jobs(useful, max_job_chips=n_ref, **loss)
    else:
        needed = in_jobs = n_ref * per_reference
    floor = inp.capacity_floor_chips
    match, count, jobs = np.ceil(needed - 1e-9), _floored(needed, floor), _floored(in_jobs, floor)
    count[:, 0] = jobs[:, 0] = n_ref
    share = goodput.goodput(np.where(np.isinf(count), np.nan, count), **loss) if training else np.ones_like(count)
    return {
        "per_reference": per_reference,
        "throughput_match": match,
        "capacity_binds": (np.nan_to_num(floor) > np.nan_to_num(match, nan=np.inf)).astype(float),
        "chip_count": count,
        "chips_per_reference_chip": count / n_ref,
        "jobs_chip_count": jobs,
        "jobs_chips_per_reference_chip": jobs / n_ref,
        "goodput": share,
    }


def _floored(needed: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Chips [chips], draws × chips: ``needed`` rounded up, at least the capacity floor where it is
    known (+∞ and NaN pass through)."""
    match = np.ceil(needed - 1e-9)
    return np.where(np.isnan(floor), match, np.maximum(match, np.nan_to_num(floor)))


def _costs(x: dict, inp: Inputs, *, count: np.ndarray, effective_pflops: np.ndarray) -> dict[str, np.ndarray]:
    """Power, energy and cost of ``count`` chips, draws × chips. IT power = n × max W per chip
    (TDP × server power ratio, or the system's rated power per chip) × load factor; facility ×
    PUE; energy over a year (8,760 h). Capex by what the price buys (chip / server / system,
    source key epoch-training-cost-trends); TCO = capex charges + electricity over the horizon;
    per effective PFLOP-hour: over ``effective_pflops`` (n × peak × MFU × goodput / 1,000) × 8,760 h
    × years."""
    chips, years, rate_of_capital = inp.chips, inp.years, inp.cost_of_capital_per_year
    max_w = shared.max_w_per_chip(chips, _per_chip(x, chips, "TDP"), server_power_ratio=inp.server_power_ratio)
    it_w = power.it_power_w(count, max_w, load_factor=inp.load_factor)
    facility_w = power.facility_power_w(it_w, np.asarray(x["pue"], dtype=float)[:, None])
    annual_kwh = power.energy_kwh(facility_w, HOURS_PER_YEAR)
    capex = cost.capex_usd(
        count, _per_chip(x, chips, "price"), price_unit=chips["price_unit"].fillna("chip").to_numpy()
    )
    electricity = cost.electricity_cost_usd(annual_kwh, np.asarray(x["usd_per_kwh"], dtype=float)[:, None])
    tco = cost.tco_usd(capex, electricity, years=years, cost_of_capital=rate_of_capital)
    annual_capex = cost.annual_capex_usd(capex, years=years, cost_of_capital=rate_of_capital)
    pflop_hours = effective_pflops * HOURS_PER_YEAR * years
    return {
        "it_power_mw": it_w / 1e6,
        "facility_power_mw": facility_w / 1e6,
        "annual_energy_gwh": annual_kwh / 1e6,
        "capex_usd": capex,
        "annual_capex_usd": annual_capex,
        "annual_opex_usd": electricity,
        "tco_usd": tco,
        "usd_per_pflop_hour": tco / pflop_hours,
        "capex_usd_per_pflop_hour": annual_capex * years / pflop_hours,
        "kwh_per_pflop_hour": annual_kwh * years / pflop_hours,
        "electricity_share_of_tco": electricity * years / tco,
    }


def figures(x: dict, inp: Inputs) -> dict[str, np.ndarray]:
    """Every figure of every chip from arrays of the uncertain inputs ``x`` (one array of equal
    length per name of ``inp.ranges``). Returns name -> array (draws × chips, reference first),
    the columns of :class:`Result`: MFU (:func:`_mfu`), rate per chip (:func:`_rate`), chip counts
    and goodput (:func:`_counts`; goodput(n) = 1 / (1 + n λ (R + T/2)), source key llama3-paper),
    power and cost (:func:`_costs`)."""
    mfu = _mfu(x, inp)
    rate, _ = _rate(x, mfu, inp)
    counts = _counts(x, rate, inp)
    peak = inp.chips["peak_tflops"].to_numpy(dtype=float)
    effective_pflops = counts["chip_count"] * peak * mfu * counts["goodput"] / 1_000.0
    with np.errstate(invalid="ignore"):
        costs = _open(_costs(x, inp, count=counts["chip_count"], effective_pflops=effective_pflops), counts)
        jobs = _costs(x, inp, count=counts["jobs_chip_count"], effective_pflops=effective_pflops)
    if inp.workload != "training":
        costs = _serving_costs(costs, inp, tokens_per_s=counts["chip_count"] * rate)
    jobs = {"jobs_facility_power_mw": jobs["facility_power_mw"], "jobs_tco_usd": jobs["tco_usd"]}
    return {"mfu": mfu, "rate": rate} | counts | costs | jobs


#: Figures that grow without bound as one job nears its goodput ceiling (its chips grow, its useful
#: compute does not): +∞ where the chip count is (no single job matches).
UNBOUNDED = ("it_power_mw", "facility_power_mw", "annual_energy_gwh", "capex_usd", "annual_capex_usd")
UNBOUNDED += ("annual_opex_usd", "tco_usd", "usd_per_pflop_hour", "capex_usd_per_pflop_hour", "kwh_per_pflop_hour")


def _open(costs: dict, counts: dict) -> dict[str, np.ndarray]:
    """``costs`` where no single job matches (``chip_count`` +∞): the figures of :data:`UNBOUNDED`
    +∞ (their limit as the job nears its ceiling; ranked above every finite draw), the electricity
    share NaN (undefined); elsewhere as computed."""
    endless = np.isinf(counts["chip_count"])
    return {k: np.where(endless, np.inf if k in UNBOUNDED else np.nan, v) for k, v in costs.items()}


def _serving_costs(costs: dict, inp: Inputs, *, tokens_per_s: np.ndarray) -> dict[str, np.ndarray]:
    """Prefill and decode: ``costs`` without the per-PFLOP-hour figures, with
    ``usd_per_million_tokens`` = TCO / (tokens the cluster serves over the horizon) × 10⁶, the
    cluster serving ``tokens_per_s`` (chips × tokens/s per chip) for ``utilisation`` of
    8,760 h × years — the inference_cost report's ownership cost per token
    (:func:`analysis.assembly.inference_cost.chip_hour_usd` / tokens per chip-hour)."""
    hours = HOURS_PER_YEAR * inp.years * inp.utilisation
    kept = {k: v for k, v in costs.items() if "pflop_hour" not in k}
    with np.errstate(all="ignore"):
        per_million = costs["tco_usd"] / (tokens_per_s * 3_600 * hours) * 1e6
    return kept | {"usd_per_million_tokens": np.where(np.isfinite(per_million), per_million, np.nan)}


def result(inp: Inputs) -> Result:
    """The figures at the base point and the P10/P50/P90 of the seeded Monte Carlo draws
    (:func:`analysis.formulas.uncertainty.percentile_frames`, one percentile method for every
    band), with what binds and the share of draws that match."""
    chips = inp.chips.index
    base, bands, draws = shared.evaluate(figures, inp, chips, open_ended=True)
    binds = draws["capacity_binds"].mean(axis=0)
    at_base = shared.base_point(inp.ranges)
    _, bound = _rate(at_base, _mfu(at_base, inp), inp)
    return Result(
        inputs=inp,
        base=base,
        **bands,
        binding=pd.Series(np.where(binds > 0.5, "memory capacity", np.asarray(bound)[0]), index=chips),
        matched=pd.Series(np.isfinite(draws["throughput_match"]).mean(axis=0), index=chips),
        open_share=pd.Series(np.isinf(draws["chip_count"]).mean(axis=0), index=chips),
        top_share=pd.Series(_top_share(draws["chip_count"]), index=chips),
    )


def _top_share(counts: np.ndarray) -> np.ndarray:
    """By column of ``counts`` (draws × chips): the share of draws equal to the column's largest
    finite value (0 where none is finite)."""
    finite = np.where(np.isfinite(counts), counts, -np.inf)
    return (finite == finite.max(axis=0)).mean(axis=0) * np.isfinite(finite.max(axis=0))


def run(**values) -> Result:
    """:func:`inputs` then :func:`result`: everything the notebook shows, in one call."""
    return result(inputs(**values))


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
        return float(r.p50.loc[candidate, "per_reference"])
    return float(r.p50.loc[candidate, "chip_count"] / reference_count)


def focus_chip(r: Result) -> str:
    """The chip the sensitivity analysis is about: the first candidate with a known TCO, else the
    reference."""
    tco = r.p50["tco_usd"]
    return next((c for c in r.p50.index[1:] if np.isfinite(tco.loc[c])), r.inputs.reference_chip)


def sensitivity(r: Result, chip: str, *, sobol_draws: int = 1024) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tornado (each input at its low and high end, the others at base) and Sobol indices of one
    chip's cost per unit of work (:data:`UNIT_COST`: per effective PFLOP-hour in training, per
    million tokens in prefill and decode), over the inputs it depends on: the reference MFU (the
    serving utilisation), the HBM efficiency in decode, the site, the chip's price and TDP and, in
    training, its and the reference's vendor MFU factors, indexed by the input's key
    (:func:`analysis.assembly.present.input_label` names it). Both run :func:`figures`; inputs
    that do not vary are left out."""
    inp = r.inputs
    column = list(inp.chips.index).index(chip)
    vendors = dict.fromkeys([inp.chips.loc[chip, "vendor"], inp.chips.loc[inp.reference_chip, "vendor"]])
    utilisation = "decode_mfu" if inp.workload == "decode" else "mfu"
    names = [utilisation, "hbm_efficiency", "batch_size", "usd_per_kwh", "pue", f"{chip} price", f"{chip} TDP"]
    names += [f"{v} MFU factor" for v in vendors]
    ranges = {n: inp.ranges[n] for n in names if n in inp.ranges and not uncertainty.is_constant(inp.ranges[n])}
    fixed = shared.base_point(inp.ranges)
    cost_figure = UNIT_COST[inp.workload][0]

    def model(x):
        size = len(next(iter(x.values())))
        full = {k: np.repeat(v, size) for k, v in fixed.items()} | x
        return figures(full, inp)[cost_figure][:, column]

    return (uncertainty.tornado(model, ranges), uncertainty.sobol(model, ranges, n=sobol_draws, seed=inp.seed))


def goodput_curve(r: Result, *, points: int = 60) -> pd.Series:
    """Goodput [share] by chip count, from 256 chips to twice the largest cluster of the report
    (at least 200,000), with the report's interruption, restart and checkpoint inputs."""
    counts = r.p50["chip_count"].to_numpy(dtype=float)
    top = max(2e5, 2 * float(np.nanmax(np.where(np.isfinite(counts), counts, np.nan), initial=0.0)))
    sizes = np.unique(np.geomspace(256, top, points).round())
    return pd.Series(goodput.goodput(sizes, **r.inputs.goodput.kwargs()), index=sizes, name="goodput")


#: Reference cluster sizes of :func:`scale_curve` [chips]: 1,000 to 200,000, log-spaced.
SCALE_SIZES = tuple(int(v) for v in np.unique(np.geomspace(1_000, 200_000, 24).round(-1)))


def scale_curve(r: Result, sizes=SCALE_SIZES) -> pd.DataFrame:
    """Chips per reference chip of every chip at each reference cluster size of ``sizes``, from the
    report's own seeded draws (:func:`_counts`): index the sizes, columns (chip, ``p10``/``p50``/
    ``p90``) of one job (``chips_per_reference_chip``; +∞ in a draw where no single job matches,
    ranked above every count), ``matched`` (the share of draws in which one job matches) and
    ``jobs_p10``/``jobs_p50``/``jobs_p90`` in separate jobs of at most that many chips (finite)."""
    inp = r.inputs
    x = uncertainty.draw(inp.ranges, inp.draws, inp.seed)
    rate, _ = _rate(x, _mfu(x, inp), inp)
    rows = {}
    for size in sizes:
        counts = _counts(x, rate, replace(inp, reference_count=int(size)))
        figures = {"": counts["chips_per_reference_chip"], "jobs_": counts["jobs_chips_per_reference_chip"]}
        bands = uncertainty.percentile_frames(figures, inp.chips.index, open_ended=True)
        cells = {(kind, q): bands[q][kind].to_numpy() for kind in figures for q in ("p10", "p50", "p90")}
        matched = np.isfinite(counts["throughput_match"]).mean(axis=0)
        rows[size] = {
            (chip, f"{kind}{q}"): cells[kind, q][i]
            for i, chip in enumerate(inp.chips.index)
            for kind in figures
            for q in ("p10", "p50", "p90")
        } | {(chip, "matched"): matched[i] for i, chip in enumerate(inp.chips.index)}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame


# --------------------------------------------------------------------------------------------
# figures


def scale_intro(r: Result) -> str:
    """The heading and introduction of the figure of chips per reference chip by cluster size
    (:func:`plot_scale`); empty in prefill and decode, which have no interruption model."""
    if r.inputs.workload != "training":
        return ""
    return (
        "## Chips per reference chip by cluster size\n\nA larger cluster is interrupted more often, so a weaker "
        "chip, which needs more of them, loses more to goodput: chips per reference chip grow with the reference "
        "cluster size. A line ends (×) where no single job of that chip matches in most draws (its useful chips "
        "approach 1 / (λ × restart time)); from there the dotted line counts the chips in separate jobs no larger "
        "than the reference cluster, which always exist."
    )


def plot_scale(r: Result) -> None:
    """Chips per reference chip against the reference cluster size (log–log, 1,000 to 200,000
    reference chips): each candidate's P50 line in one job with its P10–P90 band (:func:`scale_curve`;
    the band is drawn where both ends are finite), the report's own size marked. A line ends
    where its P50 is no longer finite — one job stops being possible in most draws (the goodput
    ceiling) — marked ×; from there a dotted line gives the P50 in separate jobs of at most the
    reference's size. Training only: nothing is drawn for prefill or decode, nor where no
    candidate has a chip count at any size (a chip without the figures the model needs)."""
    if r.inputs.workload != "training":
        return
    curve, inp = scale_curve(r), r.inputs
    if not any(np.isfinite(curve[chip]["p50"]).any() for chip in inp.chips.index[1:]):
        return
    import matplotlib.pyplot as plt

    colors = present.chip_colors(inp.chips.index)
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 4.6))
    for chip in inp.chips.index[1:]:
        line = curve[chip]
        one = line["p50"].where(np.isfinite(line["p50"]))
        ax.plot(one.index, one, color=colors[chip], lw=2, label=present.chip_short(chip))
        both = np.isfinite(line["p10"]) & np.isfinite(line["p90"])
        ax.fill_between(line.index, line["p10"], line["p90"], where=both, color=colors[chip], alpha=0.25, lw=0)
        if one.notna().any() and one.isna().iloc[-1]:
            last = one.last_valid_index()
            ax.scatter([last], [one.loc[last]], marker="x", color=colors[chip], s=40, zorder=3)
            rest = line["jobs_p50"].loc[last:]
            ax.plot(rest.index, rest, color=colors[chip], lw=2, ls=(0, (1, 1.2)))
    ax.plot([], [], color="#555555", lw=1.5, ls=":", label="× one job ends;\n··· separate jobs")
    ax.axvline(inp.reference_count, color="#333333", ls="--", lw=1, label=f"this report: {inp.reference_count:,}")
    present.log_scale(ax, "x")
    present.log_scale(ax, "y")
    ax.legend(loc="upper left", ncol=2, framealpha=0.9)  # above the lines while the cluster is small
    present.finish(
        ax,
        f"Chips per {present.chip_short(inp.reference_chip)} grow with the cluster size (P50, P10–P90 band)",
        f"reference cluster [{present.chip_short(inp.reference_chip)} chips, log scale]",
        f"chips per {present.chip_short(inp.reference_chip)} (log scale)",
        alt="Chips per reference chip by reference cluster size; a line ends (×) where one job stops matching, "
        "then dotted in separate jobs",
    )


def plot_parity(r: Result) -> None:
    """Chips needed, facility power [MW] and TCO [USD millions] per chip: P50 bars with P10–P90
    whiskers, reference first."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    inp = r.inputs
    mid, low, high = (frame.replace(np.inf, np.nan) for frame in (r.p50, r.p10, r.p90))
    fig, axes = plt.subplots(1, 3, figsize=(present.FIGURE_WIDTH_IN, 0.5 * len(mid) + 1.8), sharey=True)
    panels = [
        ("chip_count", "chips needed", 1.0),
        ("facility_power_mw", "facility power [MW]", 1.0),
        ("tco_usd", f"{inp.years:g}-year TCO [USD millions]", 1e6),
    ]
    for ax, (column, label, scale) in zip(axes, panels):
        present.chip_bars(ax, mid[column] / scale, missing="")
        for y, value in enumerate(r.p50[column]):  # +∞: no single job matches in most draws
            words = OPEN if value == np.inf else present.NA if value != value else ""
            ax.text(0, y, f" {words}", va="center", fontsize=present.small_pt(), color="#555")
        below = (mid[column] - low[column]).fillna(0)
        above = (high[column] - mid[column]).fillna(0)
        ax.errorbar(
            mid[column].fillna(0) / scale,
            np.arange(len(mid)),
            xerr=np.vstack([below, above]) / scale,
            fmt="none",
            ecolor="black",
            capsize=3,
            label="P10–P90",
        )
        ax.set_xlabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))  # five-digit counts: at most four ticks that fit
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[2].legend(loc="lower right")
    fig.suptitle(
        f"Matching {present.count(inp.reference_count)} × {present.chip_short(inp.reference_chip)} "
        f"({inp.workload}): P50 bars, P10–P90 whiskers",
        fontweight="bold",
        fontsize=plt.rcParams["axes.titlesize"],
    )
    present.show(fig)


def plot_goodput(r: Result) -> None:
    """Goodput [%] by chip count (:func:`goodput_curve`) with each chip's cluster marked; training
    only (inference has no interruption model): nothing is drawn for prefill or decode."""
    if r.inputs.workload != "training":
        return
    import matplotlib.pyplot as plt

    curve = goodput_curve(r)
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 3.6))
    ax.plot(curve.index, curve * 100, color="#333333", label="goodput(n)")
    colors = present.chip_colors(r.p50.index)
    for chip, row in r.p50.iterrows():
        if np.isfinite(row["chip_count"]):
            ax.scatter(
                row["chip_count"],
                row["goodput"] * 100,
                color=colors[chip],
                edgecolor="#333333",
                zorder=3,
                label=present.chip_short(chip),
            )
    present.log_scale(ax, "x")
    ax.legend(frameon=False, loc="lower left", ncol=2)
    present.finish(
        ax,
        "Share of wall-clock time spent training falls with the chip count",
        "chips in the cluster (log scale)",
        "goodput [%]",
    )


def plot_tornado(r: Result, tornado: pd.DataFrame, *, chip: str, heading: tuple[str, str] | None = None) -> None:
    """The tornado of :func:`sensitivity` for ``chip``: cost per unit of work [USD,
    :data:`UNIT_COST`] with each input at its low and high end, around the base-point value; under
    ``heading`` (:func:`analysis.assembly.present.show`), the section it opens."""
    import matplotlib.pyplot as plt

    figure, _, label = UNIT_COST[r.inputs.workload]
    base_value = r.base.loc[chip, figure]
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 0.45 * len(tornado) + 1.4))
    for y, (_, row) in enumerate(tornado.iterrows()):
        for end, color, words in (
            ("low", "#4c72b0", "input at its low end"),
            ("high", "#dd8452", "input at its high end"),
        ):
            ax.barh(y, row[end] - base_value, left=base_value, color=color, label=words if y == 0 else None)
    ax.axvline(base_value, color="black", lw=1)
    ax.set_yticks(range(len(tornado)), [present.input_label(n) for n in tornado.index])
    ax.invert_yaxis()
    ax.legend(frameon=False, loc="lower right")
    present.finish(
        ax,
        f"{present.chip_short(chip)}: each input at the ends of its range, the others at base",
        label,
        "",
        heading=heading,
    )


# --------------------------------------------------------------------------------------------
# text and tables


#: What a chip count (or its power and cost) reads where no single job matches: +∞ in that draw.
OPEN = "more than one job can use"


def band(r: Result, chip: str, name: str, fmt=present.usd) -> str:
    """``"$338 M (P10–P90 $330 M–$350 M)"``: a figure's P50 with its band, or ``n/a``; a +∞ value
    (no single job matches in that draw) reads :data:`OPEN`: ``"14,417 (P10–P90 14,400 to more
    than one job can use)"``. A chip count whose P50 is its P90 and the maximum of the draws (more
    than 10 % of draws at the maximum put the P90 there) reads ``"13,692 (P10 2,982; the
    maximum, in 67 % of draws)"``."""
    mid = r.p50.loc[chip, name]
    if mid != mid:
        return present.NA
    low, high = r.p10.loc[chip, name], r.p90.loc[chip, name]

    def text(value):
        return OPEN if value == np.inf else fmt(value)

    if text(low) == text(high):
        return text(mid)
    if name == "chip_count" and text(mid) == text(high) and high != np.inf and r.top_share.loc[chip] > 0.1:
        return f"{text(mid)} (P10 {text(low)}; the maximum, in {present.pct(r.top_share.loc[chip])} of draws)"
    return f"{text(mid)} (P10–P90 {text(low)}{' to ' if high == np.inf else '–'}{text(high)})"


def open_text(r: Result, chip: str) -> str:
    """Where some draws have no single job that matches: ``"one job cannot match in 12 % of draws"``;
    else empty."""
    share = r.open_share.loc[chip]
    return f"one job cannot match in {present.pct(share)} of draws" if share > 0 else ""


def jobs_text(r: Result, chip: str) -> str:
    """The always-finite answer (training): the candidate's chips in separate jobs of at most the
    reference's chip count, with its band, per reference chip, power and TCO."""
    name, ref, n_ref = present.chip_short(chip), present.chip_short(r.inputs.reference_chip), r.inputs.reference_count
    return (
        f"in separate jobs of at most {present.counted(n_ref, 'chip')}, "
        f"{band(r, chip, 'jobs_chip_count', present.count)} "
        f"{name} match "
        f"{present.count(n_ref)} {ref}: **{band(r, chip, 'jobs_chips_per_reference_chip', lambda v: f'{v:,.2f}')} "
        f"per {ref}**, {present.mw(r.p50.loc[chip, 'jobs_facility_power_mw'])} "
        f"{present.at_the_meter(r.inputs.load_factor)}, "
        f"{unknown_cost(r, chip) or 'TCO ' + band(r, chip, 'jobs_tco_usd')} — independent runs, not one model"
    )


def unknown_cost(r: Result, chip: str) -> str:
    """Where ``chip``'s TCO is unknown (its P50 is NaN), why, in words that say so plainly rather than
    "n/a": ``"TCO unknown (data/chips.csv gives the L20 no sourced price)"``; else empty."""
    if r.p50.loc[chip, "tco_usd"] == r.p50.loc[chip, "tco_usd"]:
        return ""
    row, name = r.inputs.chips.loc[chip], present.chip_short(chip)
    missing = [
        what for what, column in (("price", "price_usd"), ("power", "max_w_per_chip")) if row[column] != row[column]
    ]
    why = f"data/chips.csv has no sourced {' or '.join(missing)} for the {name}" if missing else "nothing to cost it"
    return f"TCO unknown: {why}"


def sustained_words(r: Result, chip: str) -> str:
    """A candidate's chips per reference chip in sustained rate, in words a reader can redo: the base
    point's ratio, reference peak × its MFU ÷ (candidate peak × its MFU), each MFU the base point's at
    the peak that chip is costed at, then the median of draws where it differs (it does where a vendor
    factor is drawn): the Ascend 910B against the H100, 989.4 × 40.0 % ÷ (320 × 26.8 %) = 395.76 / 85.76
    = 4.61 at the base point, 4.44 the median over the Huawei factor's 0.44–0.67–1.0 triangle."""
    ref, inp = r.inputs.reference_chip, r.inputs
    base, mid = r.base.loc[chip, "per_reference"], r.p50.loc[chip, "per_reference"]

    def rate(c: str) -> str:
        row, mfu = inp.chips.loc[c], present.pct(r.base.loc[c, "mfu"], digits=1)
        return f"{row['peak_tflops']:,g} TFLOP/s {row['peak_precision']} × MFU {mfu}"

    median = "" if f"{mid:,.2f}" == f"{base:,.2f}" else f"; the median of draws is {mid:,.2f}"
    return f"{rate(ref)} ÷ ({rate(chip)}) = {base:,.2f} in sustained rate per chip at the base point{median}"


def layout_name(inp: Inputs) -> str:
    """The training layout's name from ``data/parallel_configs.csv`` ("Llama 3.1 405B pre-training")."""
    return load("parallel_configs").loc[inp.parallel_config, "description"].split(":")[0]


def basis(r: Result) -> str:
    """What 'matching' means for the workload, in words."""
    inp = r.inputs
    if inp.workload == "training":
        hidden = (
            "no communication hidden" if inp.overlap == 0 else f"{present.pct(inp.overlap)} of communication hidden"
        )
        return f"sustained training compute in the {layout_name(inp)} layout ({hidden} behind computation)"
    if inp.workload == "prefill":
        return f"prefill throughput of {inp.model['name']}"
    return (
        f"decode throughput of {inp.model['name']} at {present.counted(inp.batch_size, 'sequence')} per replica of "
        f"{present.counted(inp.context_tokens, 'token')}"
    )


def answer(r: Result) -> str:
    """Page 1: the answer in one sentence (:func:`answer_line`), a list of one line per candidate
    (its chip count with its band, its TCO) and one for the reference (power at the meter, TCO
    with its band), then what the figures are and, in serving, :func:`serving_note`."""
    inp, ref = r.inputs, r.inputs.reference_chip
    lines = []
    for chip in inp.chips.index[1:]:
        name, note = present.chip_short(chip), open_text(r, chip)
        if r.p50.loc[chip, "chip_count"] == np.inf:
            lines.append(
                f"- More {name} than one job can use ({note}; interruptions grow faster than compute) — in separate "
                f"jobs of at most {present.counted(inp.reference_count, 'chip')}, "
                f"**{band(r, chip, 'jobs_chip_count', present.count)} {name}**"
            )
            continue
        cost = unknown_cost(r, chip) or (
            f"{present.usd(r.p50.loc[chip, 'tco_usd'])} over {present.counted(inp.years, 'year', spec='{:g}')}"
        )
        lines.append(f"- **{band(r, chip, 'chip_count', present.count)} {name}** ({cost}{'; ' + note if note else ''})")
    owned = (
        unknown.replace("TCO unknown", "its TCO is unknown")
        if (unknown := unknown_cost(r, ref))
        else f"costs {band(r, ref, 'tco_usd')} to own for {present.counted(inp.years, 'year', spec='{:g}')} at the "
        f"{inp.site.name} electricity price"
    )
    drawn_power = r.p50.loc[ref, "facility_power_mw"]
    power = (
        f"draws {present.mw(drawn_power)} {present.at_the_meter(r.inputs.load_factor)}"
        if drawn_power == drawn_power
        else "has no sourced power"
    )
    lines.append(f"- The reference itself {power} and {owned}.")
    drawn = (
        f"Every figure is the median (P50) of {present.count(inp.draws)} Monte Carlo draws over chip prices and "
        f"power, the electricity price, PUE, {_drawn_words(inp)}; the band is their P10–P90."
        + (f" {reference_mfu_note(inp)}" if reference_mfu_note(inp) else "")
    )
    return "\n\n".join([answer_line(r), "\n".join(lines), drawn, *serving_note(r)])


def answer_line(r: Result) -> str:
    """The answer in one sentence: matching the reference by :func:`basis` takes fewer of some
    candidates, as many of others and more of the rest (by P50 chip count, +∞ the most), naming
    the one that takes the most; the counts with their bands are :func:`answer`'s list."""
    inp = r.inputs
    counts = r.p50["chip_count"].iloc[1:].round()
    question = f"**{present.count(inp.reference_count)} × {present.chip_name(inp.reference_chip)}** by {basis(r)}"
    if counts.empty:  # the candidates were the reference alone
        return f"No chip but the reference itself was asked to match {question}:"
    groups = {
        "fewer": counts.index[counts < inp.reference_count],
        "as many": counts.index[counts == inp.reference_count],
        "more": counts.index[counts > inp.reference_count],
        "an unknown number of": counts.index[counts.isna()],
    }
    named = [
        f"{how} {present.joined([present.chip_short(c) for c in chips])}" for how, chips in groups.items() if len(chips)
    ]
    most = f", most of all {present.chip_short(counts.idxmax())}" if len(groups["more"]) > 1 else ""
    return f"Matching {question} takes {present.joined(named)}{most}:"


def _drawn_words(inp: Inputs) -> str:
    """The utilisation inputs the Monte Carlo draws, in words."""
    if inp.workload == "training":
        return (
            f"{reference_mfu_words(inp)}, the vendors' MFU factors and the goodput inputs "
            "(interruption rate, restart time, checkpoint write time)"
        )
    spread = "drawn from published serving utilisations, data/serving_observations.csv"
    if inp.workload == "decode":
        if "decode_observations" in inp.used:
            spread = "drawn from published decode utilisations, data/decode_observations.csv"
        batch = ", the batch over published deployments' decode batches" if "decode_batches" in inp.used else ""
        return (
            f"the decode utilisation ({spread}), the HBM efficiency (between published decode bandwidth shares){batch}"
        )
    return f"the serving utilisation ({spread})"


def reference_mfu_words(inp: Inputs) -> str:
    """The reference MFU in words: its value, its basis and how it is drawn."""
    return (
        f"the reference MFU {present.pct(inp.mfu)} ({inp.used['mfu_basis'].origin}; drawn as "
        f"{inp.used['mfu_spread'].origin})"
    )


def reference_mfu_note(inp: Inputs) -> str:
    """Where the reference chip is not :data:`~analysis.assembly.inputs.MFU_BASIS_CHIP`, one sentence
    saying the reference MFU is still that chip's (an NVIDIA H100 run's at its BF16 peak, by design:
    every chip trains at it × its vendor's factor, whichever chip is the reference), so a prior and cap
    named for the H100's generation do not read as the reference's own (hostile M13); else empty.
    chip_parity's and energy_advantage's page 1."""
    basis = shared.MFU_BASIS_CHIP
    if inp.reference_chip == basis or inp.workload != "training":  # serving draws its own utilisation
        return ""
    return (
        f"The reference MFU is an {present.chip_name(basis)} run's at its BF16 peak whichever chip is the "
        f"reference, so its prior and cap are those of the {present.chip_short(basis)}'s generation "
        f"({load('chips').loc[basis, 'generation']}); the {present.chip_short(inp.reference_chip)} trains at it × "
        "its vendor's factor, at most its own generation's cap, as every chip does."
    )


def _batch_words(inp: Inputs) -> str:
    """The decode batch in words: its size per replica and, for the default, where it comes from."""
    if "decode_batches" not in inp.used:
        return f"{present.count(inp.batch_size)} per replica"
    return f"{present.count(inp.batch_size)} per replica ({inp.used['batch_size'].origin}, drawn over them)"


def serving_context_default(workload: str) -> float:
    """The context the inference_cost report serves at by default [tokens]: its prompt in prefill,
    the prompt and half the output in decode (its mean KV length)."""
    prompt, output = (serving.PARAMETERS[n].default for n in ("input_tokens", "output_tokens"))
    return float(prompt if workload == "prefill" else prompt + output / 2)


def serving_note(r: Result) -> list[str]:
    """Page 1 of prefill and decode, one paragraph each: the serving settings used (one default
    each, those of the inference_cost report), in decode what a median at the maximum of the draws
    means and, where this render's precision or context differs from that report's defaults, which
    and why. None for training."""
    inp = r.inputs
    if inp.workload == "training":
        return []
    settings = [f"utilisation {present.pct(inp.mfu, digits=1)} ({inp.used['mfu'].origin})"]
    if inp.workload == "decode":
        settings += [f"HBM efficiency {present.pct(inp.hbm_efficiency)}", f"batch {_batch_words(inp)}"]
    settings.append(f"{present.pct(inp.utilisation)} of hours serving ({inp.used['utilisation'].origin})")
    paragraphs = [f"Serving settings: {'; '.join(settings)} — the inference_cost report's, one default each."]
    precision, context = serving.PARAMETERS["precision"].default, serving_context_default(inp.workload)
    differ = []
    if inp.precision != precision:
        differ.append(f"{inp.precision.upper()} weights (inference_cost: {precision.upper()})")
    if inp.context_tokens != context:
        differ.append(
            f"{present.counted(inp.context_tokens, 'token')} of context (inference_cost: {present.count(context)})"
        )
    if inp.workload == "decode":
        paragraphs.append(
            "A median that is the maximum of the draws is the compute-bound count: where both chips are "
            "compute-bound (the larger drawn batches) the count is the ratio of compute time per token, which the "
            "drawn utilisation does not change; a smaller drawn batch leaves the "
            f"{present.chip_short(inp.reference_chip)} bound by memory bandwidth, and fewer chips match it. "
            "Rates per chip in the findings are at the base point (every input at its base); inference_cost's "
            "table quotes their medians of draws, lower where small drawn batches are memory-bound."
        )
    if differ:
        paragraphs.append(
            f"This render uses {' and '.join(differ)}: chip_parity keeps one precision for every workload (BF16 "
            f"by default, for training) and its own context; pass precision={precision} and "
            f"context_tokens={context:.0f} for inference_cost's setting."
        )
    return paragraphs


def _finding(r: Result, chip: str) -> str:
    """One candidate's line of :func:`findings`: its chip count and chips per reference chip,
    each with its band, for the reference cluster size it holds for."""
    name, ref = present.chip_short(chip), r.inputs.reference_chip
    size = f"{present.count(r.inputs.reference_count)} {present.chip_short(ref)}"
    if r.inputs.workload != "training":
        return _serving_finding(r, chip)
    if chip in no_interconnect(r):
        return (
            f"- **{name}**: {NO_INTERCONNECT} — chips.csv gives no interconnect figure for it, so the interconnect "
            f"model cannot work out its scaling at overlap {present.pct(r.inputs.overlap)} and every figure is n/a "
            "(at overlap 100 %, where no communication is exposed, it has figures)."
        )
    if r.p50.loc[chip, "chip_count"] == np.inf:
        low = r.p10.loc[chip, "chip_count"]
        below = f"; P10 {present.count(low)} {name}" if np.isfinite(low) else ""
        return (
            f"- **{name}**: no chip count matches {size} in one job in {present.pct(r.open_share.loc[chip])} of "
            f"draws (P50 {OPEN}{below}): at that size each added chip adds interruptions as fast as compute; "
            f"{largest_match_text(r, chip)} {jobs_text(r, chip)[0].upper()}{jobs_text(r, chip)[1:]}."
        )
    row = r.p50.loc[chip]
    ratio = present.times(row["facility_power_mw"] / r.p50.loc[ref, "facility_power_mw"])
    tco_ratio = present.times(row["tco_usd"] / r.p50.loc[ref, "tco_usd"])
    partial = f" ({open_text(r, chip)})" if r.open_share.loc[chip] > 0 else ""
    per_chip = band(r, chip, "chips_per_reference_chip", lambda v: f"{v:,.2f}")
    cost = unknown_cost(r, chip).replace("TCO unknown", "TCO and cost per effective PFLOP-hour unknown") or (
        f"TCO {band(r, chip, 'tco_usd')} ({tco_ratio}), {band(r, chip, 'usd_per_pflop_hour')} per effective PFLOP-hour"
    )
    return (
        f"- **{name}**: {band(r, chip, 'chip_count', present.count)} {name} match {size} in one job{partial}: "
        f"**{per_chip} per {present.chip_short(ref)} at this cluster size** ({sustained_words(r, chip)}), bound by "
        f"{r.binding.loc[chip]}; "
        f"{present.mw(row['facility_power_mw'])} {present.at_the_meter(r.inputs.load_factor)} "
        f"({ratio} the reference); {cost}"
        f"{'; ' + jobs_text(r, chip) if row['jobs_chip_count'] > r.inputs.reference_count else ''}."
    )


def largest_match_text(r: Result, chip: str) -> str:
    """The goodput ceiling of one job of ``chip`` at the base inputs, in words: the useful chips it
    approaches (:func:`~analysis.formulas.goodput.useful_chips_ceiling`), the reference chips' work
    that is (÷ chips per reference chip in sustained rate) and the largest reference cluster that
    work matches (:func:`~analysis.formulas.goodput.chips_for_useful_chips` of the reference)."""
    loss, ref = r.inputs.goodput.kwargs(), present.chip_short(r.inputs.reference_chip)
    ceiling = float(goodput.useful_chips_ceiling(**{k: v for k, v in loss.items() if k != "checkpoint_write_hours"}))
    work = ceiling / float(r.base.loc[chip, "per_reference"])
    largest = float(goodput.chips_for_useful_chips(work, **loss))
    return (
        f"at the base inputs a job of {present.chip_short(chip)}s never exceeds {present.count(ceiling)} useful "
        f"chips, the work of {present.count(work)} useful {ref}, so it matches at most about "
        f"{present.count(largest)} {ref} (the figure of chips per reference chip by cluster size shows where "
        "each line ends)."
    )


def _serving_finding(r: Result, chip: str) -> str:
    """A candidate's line of :func:`findings` in prefill or decode: chips with their band, chips per
    reference in tokens/s, each chip's rate and what bounds it, power, TCO and the cost per million
    tokens."""
    name, ref = present.chip_short(chip), r.inputs.reference_chip
    row, base = r.p50.loc[chip], r.base
    kind = "output" if r.inputs.workload == "decode" else "input"
    return (
        f"- **{name}**: {band(r, chip, 'chip_count', present.count)} chips match "
        f"{present.count(r.inputs.reference_count)} {present.chip_short(ref)}: "
        f"{present.count(row['per_reference'])} per {present.chip_short(ref)} in {kind} tokens/s "
        f"({present.count(base.loc[chip, 'rate'])} against {present.count(base.loc[ref, 'rate'])} per chip at the "
        "base point), "
        f"bound by {r.binding.loc[chip]} ({present.chip_short(ref)}: {r.binding.loc[ref]}); "
        f"{present.mw(row['facility_power_mw'])} {present.at_the_meter(r.inputs.load_factor)} "
        f"({present.times(row['facility_power_mw'] / r.p50.loc[ref, 'facility_power_mw'])} the reference); TCO "
        f"{band(r, chip, 'tco_usd')} ({present.times(row['tco_usd'] / r.p50.loc[ref, 'tco_usd'])}), "
        f"{band(r, chip, 'usd_per_million_tokens')} per million {kind} tokens."
    )


def findings(r: Result) -> str:
    """Key findings as a markdown list (P50 figures with their bands)."""
    inp, mid = r.inputs, r.p50
    lines = [_finding(r, chip) for chip in inp.chips.index[1:]]
    single = mid["chip_count"].where(np.isfinite(mid["chip_count"]))
    if inp.workload == "training" and single.notna().any():
        largest = single.idxmax()
        lines.append(
            f"- **Scale costs goodput.** {present.count(inp.reference_count)} reference chips train "
            f"{present.pct(mid.loc[inp.reference_chip, 'goodput'], digits=1)} of the time; the largest candidate "
            f"job, {present.counted(single.max(), 'chip')}, "
            f"{present.pct(mid.loc[largest, 'goodput'], digits=1)} — interruptions grow "
            "with the chip count (Llama 3's rate per chip-hour)."
        )
    return "\n".join(lines)


def mfu_table(r: Result) -> pd.DataFrame:
    """How each chip's MFU is set: dense peak, vendor factor (base, low–high), interconnect
    scaling ratio to the reference (uncapped and as used) and the MFU at the base point."""
    chips, scaling_ratio = r.inputs.chips, r.inputs.scaling
    factors = [
        present.Band(
            f"{row['mfu_factor']:.2f} ({row['mfu_factor_low']:.2f}–{row['mfu_factor_high']:.2f})",
            row["mfu_factor_low"],
            row["mfu_factor"],
            row["mfu_factor_high"],
            names=("_low", "_base", "_high"),
        )
        for _, row in chips.iterrows()
    ]
    frame = pd.DataFrame(
        {
            "dense peak [TFLOP/s]": chips["peak_tflops"],
            "vendor MFU factor": factors,
            "scaling ratio": scaling_ratio["ratio"],
            "scaling ratio used (≤ 1)": scaling_ratio["used"],
            "MFU": r.base["mfu"],
        },
        index=chips.index,
    )
    return present.by_short_name(frame)


def serving_table(r: Result) -> pd.DataFrame:
    """How each chip's prefill or decode rate is set: the serving peaks (8-bit matmuls, BF16
    attention), HBM bandwidth, the utilisation (and HBM efficiency in decode) at the base point,
    tokens/s per chip and what binds."""
    inp = r.inputs
    frame = pd.DataFrame(
        {
            "matmul peak [TFLOP/s]": inp.chips["serving_peak_tflops"],
            "attention peak [TFLOP/s]": inp.chips["attention_peak_tflops"],
            "HBM [TB/s]": inp.chips["hbm_bandwidth_tb_s"],
            "utilisation": r.base["mfu"],
            "HBM efficiency": inp.hbm_efficiency if inp.workload == "decode" else np.nan,
            "per chip": r.base["rate"],
            "binding": r.binding,
        },
        index=inp.chips.index,
    )
    return present.by_short_name(frame)


#: The introduction of the section on how each chip's rate is set, by kind of workload.
RATE_TEXT = {
    "training": "The reference's MFU carries over to each candidate through its vendor's software-maturity factor "
    "(data/vendor_efficiency.csv, varied over its range in the Monte Carlo) and the ratio of its interconnect "
    "scaling efficiency to the reference's in the chosen layout — capped at 1, so a chip that communicates less "
    "per FLOP is never credited with better kernels than the reference.",
    "decode": "Every chip serves at the same utilisation, the inference_cost report's, and reads its HBM at the "
    "same efficiency: the rate follows from each chip's peaks and memory bandwidth by the roofline, and the "
    "table says which binds.",
    "prefill": "Every chip serves at the same utilisation, the inference_cost report's: prefill is compute-bound, "
    "so the rate follows from each chip's peaks (matmuls and attention).",
}


def rate_section(r: Result) -> tuple[str, pd.DataFrame, dict, str]:
    """The section on how each chip's rate is set: (introduction, table, column formats for
    :func:`analysis.assembly.present.table`, caption) — :func:`mfu_table` in training,
    :func:`serving_table` in prefill and decode."""
    inp = r.inputs
    if inp.workload == "training":
        formats = {
            "dense peak [TFLOP/s]": "dense peak [TFLOP/s]|{:,.1f}",
            "vendor MFU factor": ("vendor MFU factor (range)", "{}", "vendor_mfu_factor"),
            "scaling ratio": "interconnect scaling ratio|{:.3f}",
            "scaling ratio used (≤ 1)": ("ratio used (≤ 1)", "{:.3f}", "used_scaling_ratio"),
            "MFU": ("MFU", lambda v: present.pct(v, digits=1)),
        }
        caption = (
            "MFU = reference MFU (an NVIDIA-software run's) × vendor factor / NVIDIA's factor (1) × ratio used, "
            "at most the generation's cap (base point)."
        )
        unknown = [present.chip_short(c) for c in no_interconnect(r)]
        caption += f" {NO_INTERCONNECT} ({', '.join(unknown)})." if unknown else ""
        return RATE_TEXT["training"], mfu_table(r), formats, caption
    formats = {
        "matmul peak [TFLOP/s]": "matmul peak [TFLOP/s]|{:,.1f}",
        "attention peak [TFLOP/s]": "attention peak [TFLOP/s]|{:,.1f}",
        "HBM [TB/s]": "HBM [TB/s]|{:,.2f}",
        "utilisation": ("utilisation", lambda v: present.pct(v, digits=1)),
        "HBM efficiency": ("HBM efficiency", present.pct),
        "per chip": (f"per chip [{UNITS[inp.workload]}]", present.count),
        "binding": "binding|{}",
    }
    if inp.workload == "prefill":
        formats.pop("HBM efficiency")
    int8 = [present.chip_short(c) for c, u in inp.chips["serving_peak_unit"].items() if "INT8" in u]
    eight = "8-bit peak" + (f" (INT8 TOP/s for {', '.join(int8)}, which have no FP8)" if int8 else "")
    caption = (
        f"Base point. Matmuls at the {eight if inp.precision == 'fp8' else 'BF16 peak'}, attention at the BF16 "
        "peak; binding: memory bandwidth or compute (the roofline), or memory capacity (the floor). n/a: no "
        "published figure."
    )
    return RATE_TEXT[inp.workload], serving_table(r), formats, caption


def parity_table(r: Result) -> pd.DataFrame:
    """Rate per chip, throughput match, capacity floor, goodput, the chip count of one job and, in
    training, in separate jobs of at most the reference's count, per chip, with the binding
    constraint. Each count is a :class:`present.Band` cell: ``"P50 (P10–P90)"`` as text (a +∞
    P50 reads "no single job", a +∞ band end "∞"), its three numbers in the CSV. Goodput: of the
    P50 job (n/a where there is none)."""

    def text(value, words="∞"):
        return words if value == np.inf else present.count(value)

    def cells(name: str) -> list:
        rows = zip(r.p10[name], r.p50[name], r.p90[name])
        return [
            present.NA
            if mid != mid
            else present.Band(
                text(mid, "no single job")
                if text(low) == text(high)
                else f"{text(mid, 'no single job')} ({text(low)}–{text(high)})",
                low,
                mid,
                high,
            )
            for low, mid, high in rows
        ]

    frame = pd.DataFrame(
        {
            f"per chip [{UNITS[r.inputs.workload]}]": r.base["rate"],
            "per reference chip": r.p50["per_reference"],
            "throughput match [chips]": r.p50["throughput_match"].replace(np.inf, np.nan),
            "capacity floor [chips]": r.inputs.capacity_floor_chips,
            "goodput": r.p50["goodput"].where(np.isfinite(r.p50["chip_count"])),
            "chips": cells("chip_count"),
            "separate jobs": cells("jobs_chip_count"),
            "binding": r.binding,
        },
        index=r.inputs.chips.index,
    )
    if r.inputs.workload != "training":
        frame = frame.drop(columns="separate jobs")
    return present.by_short_name(frame)


#: The cost table's columns: label -> (figure of the result, divisor to the label's unit).
COST_COLUMNS = {
    "chips": ("chip_count", 1.0),
    "IT power [MW]": ("it_power_mw", 1.0),
    "facility power [MW]": ("facility_power_mw", 1.0),
    "energy [GWh/yr]": ("annual_energy_gwh", 1.0),
    "capex [$ M]": ("capex_usd", 1e6),
    "electricity [$ M/yr]": ("annual_opex_usd", 1e6),
    "electricity share": ("electricity_share_of_tco", 1.0),
}


def cost_table(r: Result) -> pd.DataFrame:
    """Power, energy, capex and electricity per chip (P50 of the draws), columns :data:`COST_COLUMNS`;
    unknown (n/a) for a chip whose P50 has no single job."""
    frame = pd.DataFrame({label: r.p50[name] / scale for label, (name, scale) in COST_COLUMNS.items()})
    return present.by_short_name(frame.where(np.isfinite(r.p50["chip_count"]), axis=0))


def tco_table(r: Result) -> pd.DataFrame:
    """TCO and the cost per unit of work (:data:`UNIT_COST`: per effective PFLOP-hour in training,
    per million tokens in prefill and decode) per chip: P50 with P10 and P90; the columns of
    :func:`tco_formats`. A +∞ value (no single job matches) is left unknown (n/a)."""
    figure = UNIT_COST[r.inputs.workload][0]
    frame = pd.DataFrame(
        {
            "TCO [$ M]": r.p50["tco_usd"] / 1e6,
            "TCO P10 [$ M]": r.p10["tco_usd"] / 1e6,
            "TCO P90 [$ M]": r.p90["tco_usd"] / 1e6,
            "unit cost": r.p50[figure],
            "unit cost P10": r.p10[figure],
            "unit cost P90": r.p90[figure],
            "TCO / reference": r.p50["tco_usd"] / r.p50.loc[r.inputs.reference_chip, "tco_usd"],
        },
        index=r.inputs.chips.index,
    )
    return present.by_short_name(frame.replace(np.inf, np.nan))  # +∞ (no single job): n/a, an empty CSV cell


def tco_formats(r: Result) -> dict:
    """Labels and formats of :func:`tco_table`'s columns for :func:`analysis.assembly.present.table`."""
    unit = {"training": "$ per effective PFLOP-h", "prefill": "$ per M input tokens", "decode": "$ per M output tokens"}
    header = {"training": "usd_per_pflop_hour", "prefill": "usd_per_million_tokens", "decode": "usd_per_million_tokens"}
    cost, per = ("{:,.2f}" if r.inputs.workload == "training" else "{:,.3f}"), header[r.inputs.workload]
    return {  # (label, format, CSV header)
        "TCO [$ M]": (f"{r.inputs.years:g}-year TCO [$ M]", "{:,.0f}", "tco_usd_m_p50"),
        "TCO P10 [$ M]": ("P10", "{:,.0f}", "tco_usd_m_p10"),
        "TCO P90 [$ M]": ("P90", "{:,.0f}", "tco_usd_m_p90"),
        "TCO / reference": ("× reference", "{:.2f}", "tco_to_reference_ratio"),
        "unit cost": (unit[r.inputs.workload], cost, f"{per}_p50"),
        "unit cost P10": ("P10 ", cost, f"{per}_p10"),
        "unit cost P90": ("P90 ", cost, f"{per}_p90"),
    }


def sobol_table(sobol: pd.DataFrame) -> pd.DataFrame:
    """The Sobol indices of :func:`sensitivity` with each input named for a reader."""
    return sobol.rename(index=present.input_label)


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
    # the name without its vendor (the table must fit a printed page: "CloudMatrix 384", "GB200 NVL72")
    frame["name"] = systems["name"].str.split("(").str[0].str.strip().str.replace(r"^(NVIDIA|Huawei) ", "", regex=True)
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


def _parity_methods(inp: Inputs) -> list[str]:
    """The Methods items on how chips are matched, with the values this render used."""
    loss = inp.goodput
    basis = f": {inp.used['mfu_basis'].origin}" if inp.workload == "training" else ""
    items = [
        "- **Training parity**: a chip's sustained rate is peak × MFU, with MFU = the reference MFU "
        f"({present.pct(inp.mfu)}{basis}; an MFU with NVIDIA's software, whichever chip is the reference) × its "
        "vendor factor / NVIDIA's (1) × min(1, interconnect scaling efficiency / the reference's), no draw above "
        "the cap of the chip's generation (its highest published MFU). The scaling efficiency comes from the "
        "interconnect model (step time = "
        "compute + (1 − overlap) × communication: tensor-parallel all-reduces over NVLink, expert-parallel "
        "all-to-all over the network and NVLink, the data-parallel gradient all-reduce over the network) for the "
        f"published layout {layout_name(inp)} (`{inp.parallel_config}`) at overlap {present.pct(inp.overlap)}, "
        f"with the matrix math at {present.pct(inp.compute_efficiency)} of dense peak while not communicating (an "
        "assumption). A chip with a slower link (H800, A800) needs more chips unless the communication is hidden "
        "(overlap → 100 %)." + _precision_method(inp),
        f"- **Goodput** (training): {loss.describe(inp.reference_count)} The candidate count of one job solves "
        "n × goodput(n) = the reference's useful chips × the rate ratio; where n × goodput(n) can never reach it "
        f"(it approaches 1 / (λ × R)), no single job matches: that draw's count is {OPEN} (+∞), ranked above every "
        "count, so a band's upper end can be open and the report gives the share of such draws. Always finite: the "
        f"chips in separate jobs of at most {present.counted(inp.reference_count, 'chip')} each (the reference's own "
        "size, so no job is interrupted more often than the reference's): full jobs of that size, each with the "
        "reference's goodput, and one smaller job for the rest — independent runs, which together match the "
        "reference's useful compute but do not train one model.",
        _serving_method(inp),
        f"- **Capacity floor**: chips whose usable HBM ({present.pct(inference.USABLE_HBM_FRACTION)}) holds the "
        f"weights — with Adam state, {2 + TRAINING_EXTRA_BYTES_PER_PARAM:g} bytes per parameter, for training "
        "(ZeRO) — and, for decode, the batch's KV cache. Chips = the larger of the two.",
    ]
    return items if inp.workload == "training" else items[2:]


def _precision_method(inp: Inputs) -> str:
    """The Methods sentence on training at a precision some chips have a faster peak for (nothing in
    BF16): the reference MFU, measured at the H100's BF16 peak, is carried to such a chip's peak with
    the achieved FP8 speed-up (:func:`~analysis.assembly.inputs.precision_factor`, as training_run
    converts a run's MFU); a chip without one keeps it at its BF16 peak."""
    if shared.FP8_SPEEDUP not in inp.used:
        return ""
    speedup, lacking = inp.used[shared.FP8_SPEEDUP], shared.lacking_words(inp.chips, inp.precision)
    p = inp.precision.upper()
    return (
        f" In {p}, the reference MFU (an MFU at the H100's BF16 peak, as Llama 3's) becomes, on a chip with a "
        f"faster {p} peak, MFU × its BF16 peak / its {p} peak × {speedup.value:.2f}, the achieved speed-up over "
        f"BF16 ({speedup.origin}; `{speedup.source}`), not the peak ratio of 2; a chip without one "
        f"({lacking or 'none here'}) trains at its BF16 peak at the reference MFU. The training_run report "
        "converts a run's MFU the same way."
    )


def _serving_method(inp: Inputs) -> str:
    """The Methods item on prefill and decode parity: the inference_cost report's serving model
    and defaults, with the values this render used."""
    text = (
        "- **Prefill parity**: computed tokens/s per chip = utilisation / (2 × active parameters / 8-bit peak + "
        "attention FLOPs / BF16 peak), the attention over a fresh prompt of the context length. **Decode "
        "parity**: roofline tokens/s per chip = batch / max(bytes read per step / (HBM bandwidth × efficiency), "
        "batch × compute time per token), the bytes being the weights the batch touches and its KV cache, the "
        "compute the matmuls and the attention over the context; per chip the report names what binds: memory "
        "bandwidth, compute or (below) memory capacity. This is the inference_cost report's model"
    )
    if inp.workload == "training":
        return text + "."
    settings = f"utilisation {present.pct(inp.mfu, digits=1)} ({inp.used['mfu'].origin})"
    if inp.workload == "decode":
        settings += f", HBM efficiency {present.pct(inp.hbm_efficiency)}, batch {present.count(inp.batch_size)}"
    return (
        f"{text}, at its serving defaults unless set: {settings}; every chip at the same utilisation (the vendor "
        "MFU factors are training priors and are not applied to serving)."
    )


#: Why one chip's cost per effective PFLOP-hour differs with the reference it is matched to: one sentence,
#: in chip_parity's and energy_advantage's Methods. Against 2,048 H100 the H20 costs $16.70 in 14,773 chips at
#: 90.4 % goodput (P50s), against 2,048 Ascend 910B $15.41 in 3,111 at 96.8 %; cost × goodput agrees at the base
#: point (tests/test_chip_parity.py).
PER_PFLOP_HOUR_AT_SIZE = (
    "A chip's cost per effective PFLOP-hour is that of the cluster matching the reference, and goodput falls as "
    "one job grows, so the same chip costs more per effective PFLOP-hour against a reference it takes more of its "
    "chips to match (the H20 against 2,048 H100 than against 2,048 Ascend 910B); its MFU is the same against any "
    "reference."
)


def _unit_cost_method(inp: Inputs) -> str:
    """The Methods sentence defining the cost per unit of work (:data:`UNIT_COST`) and, in training, why it
    depends on the cluster size (:data:`PER_PFLOP_HOUR_AT_SIZE`)."""
    if inp.workload == "training":
        return (
            f"**$ per PFLOP-h** = TCO / (chips × peak × MFU × goodput / 1,000 × {HOURS_PER_YEAR:,.0f} h × years). "
            + PER_PFLOP_HOUR_AT_SIZE
        )
    kind = "output" if inp.workload == "decode" else "input"
    return (
        f"**$ per million {kind} tokens** = TCO / (chips × {kind} tokens/s per chip × 3,600 × "
        f"{HOURS_PER_YEAR:,.0f} h × years × {present.pct(inp.utilisation)} of hours serving) × 10⁶ — the "
        "inference_cost report's ownership cost per token."
    )


def _uncertainty_inputs(inp: Inputs) -> str:
    """The Methods sentence on what the Monte Carlo draws besides prices, TDPs, electricity price
    and PUE: in training the vendor factors, the goodput inputs and the reference MFU; in prefill
    and decode the serving utilisation (and HBM efficiency)."""
    if inp.workload == "training":
        return (
            "vendor MFU factors and, for training, the goodput inputs: interruptions per chip-hour up to Llama 3's "
            "466 with the planned ones, 2.19 × 10⁻⁵, the restart from FlashRecovery's 150 s to Google's 30 min, "
            "and the checkpoint write up to every GPU writing 4 GB, 32.8 s) "
            "becomes a triangular distribution with its mode at the base value, so chip counts carry a band from "
            f"goodput as well as from the MFU factors; the reference MFU is {inp.used['mfu_spread'].origin} "
            "(data/mfu_observations.csv: the published dispersion, not an assumed ±25 %)."
        )
    return (
        "vendor MFU factors, which serving does not apply) becomes a triangular distribution with its mode at the "
        f"base value; so do {_drawn_words(inp)}, as the inference_cost report draws them."
    )


def methods(r: Result) -> str:
    """The Methods and assumptions section, every setting with the value this render used."""
    inp = r.inputs
    return "\n".join(
        [
            *_parity_methods(inp),
            "- **Power**: maximum W per chip = TDP × server power ratio "
            f"({present.server_power_ratios(inp.chips)}); a chip without a published TDP (Ascend 910C) takes "
            "the rated power per chip of a system built from it (CloudMatrix 384: 559 kW / 384, servers and optics "
            "included). "
            f"IT power = chips × that × load factor ({inp.load_factor:g}); facility = IT × PUE ({inp.site.pue:g} "
            f"base, {inp.site.name}); energy = facility power × {HOURS_PER_YEAR:,.0f} h a year.",
            "- **Capex** by what the price buys: a chip price × 1.64 (server) ÷ (1 − 0.19) (network; Epoch AI); a "
            "server-share price (the H100 class: H100 SXM, H800, H200, H20) or a system-share price (GB200 NVL72, "
            "CloudMatrix 384: its scale-up network included, not the one between systems) ÷ (1 − 0.19) only. "
            f"**TCO** = capex over the {inp.years:g}-year horizon (cost of capital "
            f"{present.pct(inp.cost_of_capital_per_year)} a year) + electricity at ${inp.site.usd_per_kwh:.3f}/kWh "
            f"(base); maintenance, buildings and staff are excluded. {_unit_cost_method(inp)}",
            "- **Uncertainty**: every input with a sourced low/base/high (prices, TDPs, electricity price, PUE, "
            f"{_uncertainty_inputs(inp)} One function computes every figure from these "
            f"inputs; it runs at the base point and at {present.count(inp.draws)} draws (seed {inp.seed}), and every "
            "headline is the P50 of the draws with its P10–P90 (inverse empirical CDF: each band end is a drawn "
            "value). A P50 can differ from the base-point value where a range is lopsided. The tornado moves one "
            "input at a time to its ends; Sobol indices split the variance.",
            f"- {shared.vendor_factors_text(inp.chips)}",
        ]
    )


def key_figures(r: Result) -> dict:
    """The JSON of the report contract: per chip the P50 of every banded figure (:func:`banded`:
    the cost per effective PFLOP-hour in training, per million tokens in prefill and decode) with
    ``_p10`` / ``_p90`` siblings (+∞ where no single job matches, written "inf" in the JSON: an
    open end, not an unknown; the share of such draws is ``no_single_job_share_of_draws``),
    ``goodput``, ``binding`` (in decode: memory bandwidth, compute or memory capacity), ``mfu``,
    ``chips_per_reference`` and, in prefill and decode, the tokens/s per chip at the base point."""
    names = banded(r.inputs.workload)
    rate = {"prefill": "input_tokens_per_s_per_chip", "decode": "output_tokens_per_s_per_chip"}

    def entry(chip):
        row = {k: r.p50.loc[chip, k] for k in names}
        row |= {f"{k}_{q}": getattr(r, q).loc[chip, k] for k in names for q in ("p10", "p90")}
        if r.inputs.workload in rate:
            row[rate[r.inputs.workload]] = r.base.loc[chip, "rate"]
        return row | {
            "goodput": r.p50.loc[chip, "goodput"],
            "binding": r.binding.loc[chip],
            "mfu": r.base.loc[chip, "mfu"],
            "chips_per_reference": r.p50.loc[chip, "per_reference"],
            "matched_share_of_draws": r.matched.loc[chip],
            "no_single_job_share_of_draws": r.open_share.loc[chip],
        }

    ref = r.inputs.reference_chip
    return {
        "reference": {"chip": ref, **entry(ref)},
        "workload": r.inputs.workload,
        "reference_count": r.inputs.reference_count,
        "candidates": {c: entry(c) for c in r.inputs.chips.index[1:]},
    }
