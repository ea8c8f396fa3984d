"""The inference_cost report: what serving a model of ``data/models.csv`` costs per million input
and output tokens on each chip, on ONE cost basis for the whole ranking.

:func:`inputs` resolves the chips, the site, the utilisation defaults and the Monte Carlo ranges
into a typed :class:`Inputs`; :func:`figures` maps arrays of the uncertain inputs to every figure
for every chip and is called at the base point and at the seeded draws (:func:`run`), so a
headline (the P50) and its P10–P90 band come from one piece of code.

Model (:mod:`analysis.formulas.inference`), one formula path (:func:`serving_prefill_tokens_per_s`,
:func:`serving_decode_tokens_per_s`) that this report, the serving observations and the validation
report's serving cases (:mod:`.validation_cases`) all call:

* Prefill is compute-bound and counted on computed (cache-miss) tokens: 2 FLOP per active
  parameter at the 8-bit (or BF16) peak plus the attention over the attended context at the BF16
  peak, times a utilisation ``mfu``. Its default and its Monte Carlo spread come from published
  dispersion: the median and the draws of the compute shares that published prefill throughputs
  with disclosed setups imply (``data/serving_observations.csv``: SGLang on H100 and GB200, Ant
  Group on H20; :mod:`.serving_observations`), none of them a validation case, so DeepSeek's own
  disclosure and Huawei's CloudMatrix-384 paper stay validation cases (:func:`mfu_default`).
* Decode is the roofline of :func:`~analysis.formulas.inference.decode_tokens_per_s` with the
  attention FLOPs of every sequence at its context (absorbed latent attention for MLA); where
  compute binds it runs at its own utilisation ``decode_mfu``, the median and the draws of the
  compute shares published decode setups imply, one observation per setup
  (``data/decode_observations.csv``: TensorRT-LLM on H200 and H100, Oracle's MI300X; the
  inclusion rule of :mod:`.serving_observations`; :func:`decode_mfu_default`), none a validation
  case.
* Cost per chip-hour: rental where EVERY chip of the ranking has a market rental (an assumed rent,
  as DeepSeek's $2.00 H800-hour, counts as none: :func:`market_rent`); otherwise
  ownership for all of them — capex charged over ``years`` plus electricity, divided by the
  share of hours the chip serves (``utilisation``, default DeepSeek's average / peak serving
  nodes, ``deepseek-inference-overview``).
* One default per serving setting (:func:`serving_setting`), used by chip_parity's prefill and
  decode too. Serving economics: DeepSeek's API prices beside the modelled H800 cost per token
  (:func:`api_comparison`) and DeepSeek's disclosed day (:func:`deepseek_day`,
  :func:`daily_cost_usd`, the one function the validation report's daily-cost case calls).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..catalog import keys_in, load, lookup
from ..formulas import cost, inference, power, serving_utilisation, uncertainty
from ..formulas.power import HOURS_PER_YEAR
from . import inputs as shared
from . import params, present, serving_observations
from .inputs import Used

DEFAULT_CHIPS = ["h800-sxm", "h20", "h100-sxm", "h200", "b200", "mi300x", "ascend-910b", "ascend-910c"]

PARAMETERS = params.declare(
    model="deepseek-v3",
    chips=DEFAULT_CHIPS,
    batch_size=None,
    input_tokens=2000,
    output_tokens=500,
    cached_share=0.0,
    precision="fp8",
    mfu=None,
    decode_mfu=None,
    hbm_efficiency=0.6,
    utilisation=None,
    region="cn-avg-industrial",
    **params.SITE,
    **params.OWNED,
    **params.MONTE_CARLO,
)

FIGURES = (
    "input_tokens_per_s_per_chip",
    "output_tokens_per_s_per_chip",
    "usd_per_chip_hour",
    "usd_per_million_input_tokens",
    "usd_per_million_cache_miss_tokens",
    "usd_per_million_output_tokens",
    "usd_per_request",
)
BANDED = (
    "input_tokens_per_s_per_chip",
    "output_tokens_per_s_per_chip",
    "usd_per_million_input_tokens",
    "usd_per_million_cache_miss_tokens",
    "usd_per_million_output_tokens",
    "usd_per_request",
)


#: The heading and lead-in of the section the serving cases' table opens (``present.table(heading=...)``).
VALIDATION_SECTION = (
    "Validation against published serving figures",
    "The model with its default parameters, given only each case's disclosed setup (model, chip, precision, prompt "
    "or context length, batch where disclosed). The prefill utilisation is the median of published prefill "
    "throughputs, decode's the median of published decode throughputs, none of them among these cases. Cache-hit "
    "tokens are excluded from DeepSeek's prefill figure: they are read from disk, not computed.",
)


def reference_value(reference_id: str) -> float:
    """A value of ``data/serving_references.csv`` (its unit in the row)."""
    return float(load("serving_references").loc[reference_id, "value"])


# ---------------------------------------------------------------------------------------------
# The serving model: peaks, prefill and decode rates (the one formula path)


#: The unit of a dense BF16 peak (the attention peak, and the matmul peak in BF16 serving).
BF16_PEAK = "TFLOP/s, dense BF16"


def serving_peaks(chips: pd.DataFrame, precision: str) -> tuple[np.ndarray, np.ndarray]:
    """(matmul peak, attention peak) per chip [TFLOP/s, dense]. ``fp8``: weights and matmuls in
    8 bits — the FP8 peak, else the INT8 peak (W8A8 serving, as on Ascend and A100), else BF16;
    attention always at the BF16 peak (DeepSeek and Huawei run MLA's core in BF16,
    ``deepseek-v2-paper``). ``bf16``: both at the BF16 peak."""
    bf16 = chips["bf16_dense_tflops"].to_numpy(dtype=float)
    if precision == "bf16":
        return bf16, bf16
    eight = chips["fp8_dense_tflops"].fillna(chips["int8_dense_tops"]).fillna(chips["bf16_dense_tflops"])
    return eight.to_numpy(dtype=float), bf16


def serving_chips(chip_ids, precision: str, *, server_power_ratio: float | None = None) -> pd.DataFrame:
    """:func:`analysis.assembly.inputs.chips` rows for ``chip_ids`` with their serving peaks
    (:func:`with_serving_peaks`)."""
    chips = shared.chips(chip_ids, precision="bf16", server_power_ratio=server_power_ratio)
    return with_serving_peaks(chips, precision)


def with_serving_peaks(chips: pd.DataFrame, precision: str) -> pd.DataFrame:
    """``chips`` (:func:`analysis.assembly.inputs.chips` rows) with the serving peaks
    ``serving_peak_tflops`` (matmuls) and ``attention_peak_tflops`` of :func:`serving_peaks`, and
    ``serving_peak_unit``, what the matmul peak is (``TFLOP/s, dense FP8``, ``TOP/s, dense INT8``
    or ``TFLOP/s, dense BF16``)."""
    matmul, attention = serving_peaks(chips, precision)
    eight = np.where(chips["fp8_dense_tflops"].notna(), "TFLOP/s, dense FP8", "TOP/s, dense INT8")
    eight = np.where(chips[["fp8_dense_tflops", "int8_dense_tops"]].notna().any(axis=1), eight, BF16_PEAK)
    unit = np.full(len(chips), BF16_PEAK) if precision == "bf16" else eight
    return chips.assign(serving_peak_tflops=matmul, attention_peak_tflops=attention, serving_peak_unit=unit)


def serving_prefill_tokens_per_s(chips: pd.DataFrame, model: pd.Series, *, attended_tokens, mfu) -> np.ndarray:
    """Computed (cache-miss) prefill tokens/s per chip of :func:`serving_chips` rows:
    ``mfu / (2 · N_active / matmul peak + attention FLOP / attention peak)``, the attention FLOPs
    per token at ``attended_tokens`` of context (:func:`inference.model_attention_flop_per_token`,
    ``palm-paper`` App. B). ``mfu`` and ``attended_tokens`` broadcast against the chips."""
    return _compute_bound_tokens_per_s(chips, model, context_tokens=attended_tokens, mfu=mfu, phase="prefill")


def serving_decode_compute_tokens_per_s(chips: pd.DataFrame, model: pd.Series, *, context_tokens, mfu) -> np.ndarray:
    """Decode output tokens/s per chip of :func:`serving_chips` rows where compute binds (the
    roofline's compute bound): ``mfu / (2 · N_active / matmul peak + decode attention FLOP at
    ``context_tokens`` / attention peak)`` (absorbed MLA for an MLA model)."""
    return _compute_bound_tokens_per_s(chips, model, context_tokens=context_tokens, mfu=mfu, phase="decode")


def _compute_bound_tokens_per_s(chips: pd.DataFrame, model: pd.Series, *, context_tokens, mfu, phase) -> np.ndarray:
    """Tokens/s per chip where compute binds, for ``phase`` ``prefill`` or ``decode`` (the two
    differ only in the attention FLOPs per token at ``context_tokens``): the one path of
    :func:`serving_prefill_tokens_per_s` and :func:`serving_decode_compute_tokens_per_s`."""
    return inference.prefill_tokens_per_s(
        chips["serving_peak_tflops"].to_numpy(),
        model["active_params"],
        mfu,
        attention_peak_tflops=chips["attention_peak_tflops"].to_numpy(),
        attention_flop_per_token=inference.model_attention_flop_per_token(model, context_tokens, phase=phase),
    )


def serving_decode_tokens_per_s(
    chips: pd.DataFrame,
    model: pd.Series,
    *,
    batch_size,
    context_tokens,
    precision: str,
    mfu,
    hbm_efficiency,
    kv_bytes_scale=1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(output tokens/s per chip, what binds: ``memory bandwidth`` or ``compute``) of the decode
    roofline (:func:`inference.decode_tokens_per_s`) for :func:`serving_chips` rows: weights at
    ``precision``'s bytes per parameter, every sequence's KV cache at ``context_tokens`` (×
    ``kv_bytes_scale``: 0.5 for an FP8 cache), HBM at ``hbm_efficiency`` of its bandwidth, compute
    at ``mfu`` with the decode (absorbed MLA) attention FLOPs. NaN (no warning) where a chip lacks
    a figure."""
    with np.errstate(all="ignore"):
        return inference.decode_tokens_per_s(
            chips["serving_peak_tflops"].to_numpy(),
            chips["hbm_bandwidth_tb_s"].to_numpy(dtype=float),
            model,
            batch_size,
            context_tokens,
            inference.BYTES_PER_PARAM[precision],
            mfu,
            hbm_efficiency,
            kv_bytes_scale,
            attention_peak_tflops=chips["attention_peak_tflops"].to_numpy(),
            attention_flop_per_token=inference.model_attention_flop_per_token(model, context_tokens, phase="decode"),
        )


def default_utilisation() -> float:
    """Share of hours an owned serving chip is busy: DeepSeek's average / peak serving nodes over
    24 h (``deepseek-inference-overview``: 226.75 / 278 = 0.816): a fleet sized for the peak is
    busy this share of the day."""
    return reference_value("deepseek-serving-nodes-average") / reference_value("deepseek-serving-nodes-peak")


def mfu_default() -> Used:
    """The default prefill/decode utilisation as used: the median of the compute shares the
    usable published prefill throughputs imply (:func:`.serving_observations.prior`); the
    observations' own sources are their rows' records (:func:`serving_observations_used`)."""
    prior = serving_observations.prior()
    return Used(
        prior.p50,
        "share",
        "serving-observations",
        f"median of the serving observations: {len(prior.values)} published prefill utilisations",
    )


def decode_mfu_default() -> Used:
    """The default decode utilisation as used: the median of the compute shares the usable
    published decode setups imply (:func:`.serving_observations.decode_prior`; the mean of the
    middle two for an even count, the median of the Monte Carlo draws) where the
    pre-registered rule adopts them (:func:`.serving_observations.decode_adopted`), else the
    prefill utilisation (:func:`mfu_default`)."""
    if not serving_observations.decode_adopted():
        return mfu_default()
    prior = serving_observations.decode_prior()
    return Used(
        prior.median,
        "share",
        "decode-observations",
        f"median of the decode observations: {len(prior.values)} published decode setups",
    )


def decode_observations_used() -> dict:
    """The published decode throughputs the decode utilisation is drawn from, as an inputs group of
    row records (each with its own source keys): the usable decode operating points of every setup
    (none where the rule keeps the prefill utilisation)."""
    if not serving_observations.decode_adopted():
        return {}
    return {"decode_observations": shared.rows_used("decode_observations", serving_observations.decode_rows())}


def serving_observations_used() -> dict:
    """The published serving throughputs the serving utilisation is drawn from, as an inputs group
    of row records (each with its own source keys): the usable prefill observations."""
    return {"serving_observations": shared.rows_used("serving_observations", serving_observations.prior().obs_ids)}


def utilisation_default() -> Used:
    """The default share of hours an owned chip serves as used: :func:`default_utilisation`."""
    return Used(
        default_utilisation(),
        "share",
        "deepseek-inference-overview",
        "DeepSeek's average / peak serving nodes, Feb 2025",
    )


#: Why the report's serving defaults are what they are (stated assumptions of the package).
ASSUMED = {
    "hbm_efficiency": "assumption: rooflines overstate real systems; drawn between published decode bandwidth shares",
}
#: The serving settings with one default for every report that serves a model.
SERVING_SETTINGS = ("mfu", "decode_mfu", "hbm_efficiency", "batch_size", "utilisation")


def batch_default() -> Used:
    """The default decode batch as used [sequences per replica]: the median of the published
    deployments' batches per replica (:func:`.serving_observations.batch_prior`, the median of
    :func:`batch_range`'s draws); the rows' own sources are their records
    (:func:`decode_batches_used`)."""
    prior = serving_observations.batch_prior()
    return Used(
        float(prior.sampler()[1]),
        "sequences per replica",
        "decode-batches",
        f"median of {len(prior.values)} published deployments' decode batches per replica",
    )


def decode_batches_used() -> dict:
    """The published decode batches the default batch is drawn from, as an inputs group of row
    records (each with its own source keys): the usable rows of ``data/decode_batches.csv``."""
    return {"decode_batches": shared.rows_used("decode_batches", serving_observations.batch_prior().obs_ids)}


def serving_setting(name: str, value) -> Used:
    """The one resolution of a serving setting (:data:`SERVING_SETTINGS`) for every report that
    serves a model — this one, chip_parity's prefill and decode, the validation report's serving
    cases: the reader's ``value``, else (None) the serving default: ``hbm_efficiency`` (0.6) as
    :data:`PARAMETERS` declares it (an assumption, :data:`ASSUMED`), the decode ``batch_size`` per
    replica from published deployments (:func:`batch_default`), the prefill utilisation ``mfu``
    from published prefill throughputs (:func:`mfu_default`), the decode utilisation
    ``decode_mfu`` from published decode throughputs (:func:`decode_mfu_default`), ``utilisation``
    of owned chips (:func:`utilisation_default`)."""
    if name in ASSUMED:
        given = PARAMETERS[name].default if value is None else value
        return shared.report_setting(name, given, PARAMETERS, origin=ASSUMED[name])
    defaults = {
        "mfu": mfu_default,
        "decode_mfu": decode_mfu_default,
        "utilisation": utilisation_default,
        "batch_size": batch_default,
    }
    if name not in defaults:
        raise KeyError(f"{name!r} is not a serving setting; expected one of {', '.join(SERVING_SETTINGS)}")
    return shared.setting(name, value, default=defaults[name]())


# ---------------------------------------------------------------------------------------------
# Inputs and the one function from input arrays to figures


@dataclass(frozen=True)
class Inputs(shared.DrawnInputs):
    """Everything the report needs, resolved. ``model``: the row of ``data/models.csv``;
    ``chips``: :func:`serving_chips` rows (index chip id); ``context_tokens``: decode context per
    sequence (input + half the output); ``prefill_context_tokens``: mean tokens a computed
    prompt token attends to; ``mfu`` (prefill), ``decode_mfu``, ``hbm_efficiency``,
    ``utilisation``, ``load_factor`` are
    shares; ``server_power_ratio`` × TDP; ``cost_basis``: ``rental`` or ``ownership``;
    ``ranges``: (low, base, high) of each Monte Carlo input keyed ``mfu``, ``hbm_efficiency``,
    ``usd_per_kwh``, ``pue``, ``"<chip> price"``, ``"<chip> TDP"``, ``"<chip> rental"`` …;
    ``parameters``: as given (JSON and appendix only); ``used``: the inputs block."""

    model: pd.Series
    chips: pd.DataFrame
    site: shared.Site
    precision: str
    batch_size: float
    input_tokens: int
    output_tokens: int
    cached_share: float
    context_tokens: float
    prefill_context_tokens: float
    mfu: float
    decode_mfu: float
    hbm_efficiency: float
    utilisation: float
    load_factor: float
    server_power_ratio: float
    years: float
    cost_basis: str


def serving_range(value: float) -> uncertainty.Empirical:
    """The Monte Carlo range of the serving utilisation (every report that serves a model draws
    it so): the published prefill utilisations (:func:`.serving_observations.prior`) rescaled to
    median ``value``, each at most 1 — the observed relative spread, not an assumed one. At the
    default utilisation these are the observations themselves."""
    return serving_observations.prior().sampler(value)


def decode_range(value: float) -> uncertainty.Empirical:
    """The Monte Carlo range of the decode utilisation: the published decode utilisations
    (:func:`.serving_observations.decode_prior`) rescaled to median ``value`` (as
    :func:`serving_range`), or the prefill utilisations where the rule keeps those for decode."""
    if not serving_observations.decode_adopted():
        return serving_range(value)
    return serving_observations.decode_prior().sampler(value)


def hbm_range(value: float) -> tuple[float, float, float]:
    """The Monte Carlo range (low, base, high) of the decode HBM efficiency: a triangle from the
    lowest published decode bandwidth share (the memory-bound decode observations,
    :func:`.serving_observations.prior` of ``decode``: SGLang on H200 at 2 requests per rank,
    0.19) through ``value`` to the best a published decode kernel reaches (FlashMLA's 3,000 GB/s on
    the H800, 0.896, ``flashmla-readme``); a reader's value other than the assumed 0.6 moves both
    ends in proportion (the high end at most 1)."""
    low = serving_observations.prior("decode").p10
    h800 = shared.chips([DEEPSEEK_CHIP]).iloc[0]
    high = float(
        serving_utilisation.bandwidth_share(
            reference_value("flashmla-h800-decode-bandwidth"), h800["hbm_bandwidth_tb_s"]
        )
    )
    scale = value / PARAMETERS["hbm_efficiency"].default
    return (min(low * scale, value), value, max(value, min(1.0, high * scale)))


def batch_range(value) -> uncertainty.Empirical | tuple[float, float, float]:
    """The Monte Carlo range of the decode batch per replica: the published deployments' batches
    (:func:`.serving_observations.batch_prior`) where the batch is the default (None); a reader's
    ``value`` (a known deployment) is not drawn."""
    if value is None:
        return serving_observations.batch_prior().sampler()
    return (float(value), float(value), float(value))


def serving_ranges(mfu: float, hbm_efficiency: float, batch_size, decode_mfu: float) -> dict:
    """The serving model's Monte Carlo ranges in the order every report that decodes draws them
    first (this one and chip_parity's decode), so that the same seed gives both the same serving
    draws and a ratio between chips taken draw by draw is one answer: ``mfu`` (:func:`serving_range`),
    ``hbm_efficiency`` (:func:`hbm_range`), ``batch_size`` (:func:`batch_range`) and ``decode_mfu``
    (:func:`decode_range`)."""
    return {
        "mfu": serving_range(mfu),
        "hbm_efficiency": hbm_range(hbm_efficiency),
        "batch_size": batch_range(batch_size),
        "decode_mfu": decode_range(decode_mfu),
    }


def inputs(**values) -> Inputs:
    """Validate the parameters (:data:`PARAMETERS`) and resolve the model, chips, site, defaults
    (each a :class:`~analysis.assembly.inputs.Used` record of :func:`used_inputs`), cost basis
    and Monte Carlo ranges."""
    p = params.validate("inference_cost", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    chips = serving_chips(p["chips"], p["precision"], server_power_ratio=p["server_power_ratio"])
    site = shared.site(p["region"], usd_per_kwh=p["usd_per_kwh"], pue=p["pue"])
    basis = cost_basis(chips)
    used = used_inputs(p, chips=chips, site=site, basis=basis)
    mfu, hbm = float(used["mfu"].value), float(p["hbm_efficiency"])
    decode_mfu = float(used["decode_mfu"].value)
    ranges = (
        serving_ranges(mfu, hbm, p["batch_size"], decode_mfu)  # each from its own stream: chip_parity's draws
        | site.ranges()
        | shared.chip_ranges(chips)
    )
    resolved = {name: shared.setting(name, p[name]).value for name in ("load_factor", "server_power_ratio", "years")}
    return Inputs(
        model=lookup(load("models"), p["model"], "model"),
        chips=chips,
        site=site,
        precision=p["precision"],
        batch_size=float(used["batch_size"].value),
        input_tokens=p["input_tokens"],
        output_tokens=p["output_tokens"],
        cached_share=p["cached_share"],
        context_tokens=p["input_tokens"] + p["output_tokens"] / 2,
        prefill_context_tokens=float(inference.mean_attended_tokens(p["input_tokens"], cached_share=p["cached_share"])),
        mfu=mfu,
        decode_mfu=decode_mfu,
        hbm_efficiency=hbm,
        utilisation=float(serving_setting("utilisation", p["utilisation"]).value),
        cost_basis=basis,
        ranges=ranges,
        seed=p["seed"],
        draws=p["draws"],
        parameters=p,
        used=used,
        **{name: float(value) for name, value in resolved.items()},
    )


def used_inputs(p: dict, *, chips: pd.DataFrame, site: shared.Site, basis: str) -> dict:
    """The inputs block: the utilisation in prefill (``mfu``) and in decode (``decode_mfu``), each with what it
    stands for (``mfu_basis``, ``decode_mfu_basis``: :func:`analysis.assembly.inputs.mfu_basis`), ``hbm_efficiency``,
    ``batch_size`` and, per chip, the serving peaks and HBM figures; on the rental basis each
    chip's rental; on the ownership basis the electricity price, PUE, load factor, server power
    ratio, years, ``utilisation`` and each chip's price and maximum W."""
    used = {name: serving_setting(name, p[name]) for name in ("mfu", "decode_mfu", "hbm_efficiency", "batch_size")}
    used |= {  # what each utilisation stands for (inputs.mfu_basis), as chip_parity records its workload's
        "mfu_basis": shared.mfu_basis("reader" if p["mfu"] is not None else "prefill"),
        "decode_mfu_basis": shared.mfu_basis("reader" if p["decode_mfu"] is not None else "decode"),
    }
    if basis == "ownership":
        used |= {
            "usd_per_kwh": site.used["usd_per_kwh"],
            "pue": site.used["pue"],
            "load_factor": shared.setting("load_factor", p["load_factor"]),
            "server_power_ratio": shared.setting("server_power_ratio", p["server_power_ratio"]),
            "years": shared.setting("years", p["years"]),
            "utilisation": serving_setting("utilisation", p["utilisation"]),
        }
    batches = decode_batches_used() if p["batch_size"] is None else {}
    return (
        used | {"chips": chip_used(chips, basis=basis, precision=p["precision"])} | _catalog_used(p["model"]) | batches
    )


def _catalog_used(model_id: str) -> dict:
    """The catalog rows and equations behind the serving model, as inputs records: the model's
    architecture (``models.csv``), MLA decode (an MLA model) and the MFU definition, and every published serving
    figure and API price the report compares with (``serving_references.csv``)."""
    row = lookup(load("models"), model_id, "model")
    mla = ("mla_decode",) if "MLA" in row["kv_cache_basis"] else ()
    return (
        {"architecture": shared.rows_used("models", [row.name], label="name")[row.name]["model"]}
        | shared.equations(*mla, "mfu_definition")
        | {"serving_references": shared.rows_used("serving_references", load("serving_references").index)}
        | serving_observations_used()
        | decode_observations_used()
    )


def chip_used(chips: pd.DataFrame, *, basis: str, precision: str) -> dict[str, dict]:
    """Per chip, the catalog figures the report used, each with its unit and first source key:
    ``matmul_tflops`` and ``attention_tflops`` (dense serving peaks), ``hbm_tb_s`` and ``hbm_gb``
    (HBM bandwidth and capacity), and ``usd_per_gpu_hour`` (rental basis) or ``price_usd`` and
    ``max_w_per_chip`` (ownership basis, :func:`analysis.assembly.inputs.chip_used`)."""
    eight = "chips.csv: BF16" if precision == "bf16" else "chips.csv: FP8, else INT8, else BF16"
    owned = shared.chip_used(chips, columns=("max_w_per_chip", "price_usd")) if basis == "ownership" else {}
    out = {}
    for chip, row in chips.iterrows():

        def record(column, unit, source, origin="chips.csv", chip=chip, row=row):
            return Used(float(row[column]), unit, keys_in(chips.loc[[chip], [source]])[0], origin)

        entries = {
            "matmul_tflops": record("serving_peak_tflops", row["serving_peak_unit"], "compute_source", eight),
            "attention_tflops": record("attention_peak_tflops", BF16_PEAK, "compute_source", "chips.csv: BF16"),
        }
        if row["hbm_bandwidth_tb_s"] == row["hbm_bandwidth_tb_s"]:
            entries["hbm_tb_s"] = record("hbm_bandwidth_tb_s", "TB/s", "memory_source")
        if row["hbm_gb"] == row["hbm_gb"]:
            entries["hbm_gb"] = record("hbm_gb", "GB", "memory_source")
        if basis == "rental":
            entries["usd_per_gpu_hour"] = record("usd_per_gpu_hour", "USD/chip-hour", "rental_source", "base rental")
        out[chip] = entries | owned.get(chip, {})
    return out


def market_rent(chips: pd.DataFrame) -> pd.Series:
    """By chip id, whether the chip's base rental is a market quote: a rent that is an accounting
    assumption (the H800's $2.00, DeepSeek's assumed rent: :func:`analysis.assembly.inputs.rental_basis`)
    counts as no rent, so a rental ranking compares market quotes only."""
    return chips["usd_per_gpu_hour"].notna() & chips["rental_source"].map(
        lambda source: shared.rental_basis(str(source)) == shared.MARKET_RENT
    )


def cost_basis(chips: pd.DataFrame) -> str:
    """``rental`` when every chip has a market rental price (:func:`market_rent`), else ``ownership``
    (for all)."""
    return "rental" if market_rent(chips).all() else "ownership"


def figures(x: dict, inp: Inputs) -> dict[str, np.ndarray]:
    """Every figure for every chip from arrays of the uncertain inputs ``x`` (one array of equal
    length per name of ``inp.ranges``): name -> array (draws × chips). Unknown inputs (a chip
    without a price, bandwidth or capacity) give NaN, never inf.

    prefill = :func:`serving_prefill_tokens_per_s` on computed tokens; decode =
    :func:`serving_decode_tokens_per_s` at ``batch_size`` and the mean context (input + half the
    output); chip-hour = :func:`chip_hour_usd`; $ per million input tokens = chip-hour /
    (computed tokens/s / (1 − cached share) × 3,600) × 10⁶; $ per million cache-miss (computed)
    input tokens = chip-hour / (computed tokens/s × 3,600) × 10⁶; $ per million output tokens
    likewise with decode; $ per request = chip-hour × (input / input rate + output / output rate) / 3,600.
    """
    mfu = np.asarray(x["mfu"], dtype=float)[:, None]
    decode_mfu = np.asarray(x["decode_mfu"], dtype=float)[:, None]
    hbm = np.asarray(x["hbm_efficiency"], dtype=float)[:, None]
    batch = np.asarray(x["batch_size"], dtype=float)[:, None]
    with np.errstate(all="ignore"):
        prefill = serving_prefill_tokens_per_s(
            inp.chips, inp.model, attended_tokens=inp.prefill_context_tokens, mfu=mfu
        )
        decode, _ = _decode(inp, mfu=decode_mfu, hbm_efficiency=hbm, batch_size=batch)
        hourly = chip_hour_usd(x, inp)
        input_rate = prefill / (1.0 - inp.cached_share)  # input tokens/s incl. cache hits
        out = {
            "input_tokens_per_s_per_chip": prefill,
            "output_tokens_per_s_per_chip": decode,
            "usd_per_chip_hour": hourly,
            "usd_per_million_input_tokens": hourly / (input_rate * 3_600) * 1e6,
            "usd_per_million_cache_miss_tokens": hourly / (prefill * 3_600) * 1e6,
            "usd_per_million_output_tokens": hourly / (decode * 3_600) * 1e6,
            "usd_per_request": hourly * (inp.input_tokens / input_rate + inp.output_tokens / decode) / 3_600,
        }
    return {name: np.where(np.isfinite(v) & (v > 0), v, np.nan) for name, v in out.items()}


def chip_hour_usd(x: dict, inp: Inputs) -> np.ndarray:
    """Cost of one serving chip-hour [USD] on the report's cost basis (draws × chips): the drawn
    rental, or ownership = (capex × capital recovery over ``years`` + a year of electricity at
    max W per chip × load factor × PUE) / (8,760 h × ``utilisation``)
    (``epoch-training-cost-trends``, ``hyperscaler-depreciation``)."""
    chips = inp.chips

    def column(name):
        return np.stack([np.asarray(x[f"{c} {name}"], dtype=float) for c in chips.index], axis=1)

    if inp.cost_basis == "rental":
        return column("rental")
    capex = cost.capex_usd(1, column("price"), price_unit=chips["price_unit"].to_numpy())
    max_w = shared.max_w_per_chip(chips, column("TDP"))  # each chip's ratio as serving_chips resolved it
    facility_w = power.facility_power_w(
        power.it_power_w(1, max_w, load_factor=inp.load_factor), np.asarray(x["pue"], dtype=float)[:, None]
    )
    yearly = cost.annual_capex_usd(capex, years=inp.years) + cost.annual_opex_usd(
        facility_w, np.asarray(x["usd_per_kwh"], dtype=float)[:, None]
    )
    return yearly / (HOURS_PER_YEAR * inp.utilisation)


@dataclass(frozen=True)
class Result:
    """The report's numbers. ``base``, ``p10``, ``p50``, ``p90``: frames by chip id with the
    columns of :data:`FIGURES` — ``input_tokens_per_s_per_chip`` (computed prefill tokens/s),
    ``output_tokens_per_s_per_chip`` (decode tokens/s), ``usd_per_chip_hour``,
    ``usd_per_million_input_tokens``, ``usd_per_million_cache_miss_tokens``,
    ``usd_per_million_output_tokens``, ``usd_per_request`` [USD] — at the base point and as
    percentiles of the seeded draws; ``decode_bound``: what binds decode at the base point;
    ``chips_per_replica``: the capacity floor [chips]; ``output_draws``: decode output tokens/s per
    chip at every draw (draws × chips), for ratios between chips taken draw by draw
    (:func:`decode_chips_per_chip`)."""

    inputs: Inputs
    base: pd.DataFrame
    p10: pd.DataFrame
    p50: pd.DataFrame
    p90: pd.DataFrame
    decode_bound: pd.Series
    chips_per_replica: pd.Series
    output_draws: np.ndarray


def run(**values) -> Result:
    """:func:`inputs`, then the figures at the base point and the P10/P50/P90 of the seeded draws
    (:func:`analysis.formulas.uncertainty.percentile_frames`), the decode bound and the capacity
    floor."""
    inp = inputs(**values)
    base, bands, drawn = shared.evaluate(figures, inp, inp.chips.index)
    return Result(
        inputs=inp,
        base=base,
        **bands,
        decode_bound=decode_bound(inp),
        chips_per_replica=chips_per_replica(inp),
        output_draws=np.asarray(drawn["output_tokens_per_s_per_chip"], dtype=float),
    )


def decode_chips_per_chip(r: Result, candidate: str, reference: str) -> float:
    """``candidate`` chips that decode as fast as one ``reference`` chip: the P50 of
    :func:`decode_chips_per_chip_band`, as chip_parity's decode parity takes it."""
    return decode_chips_per_chip_band(r, candidate, reference)["p50"]


def decode_chips_per_chip_band(r: Result, candidate: str, reference: str) -> dict[str, float]:
    """P10, P50 and P90 (keys ``p10``, ``p50``, ``p90``) over the draws of the reference's output
    tokens/s / the candidate's, draw by draw (the drawn batch and utilisation apply to both chips
    in a draw): a median of ratios, not the ratio of the two chips' own medians."""
    chips = list(r.inputs.chips.index)
    ratio = r.output_draws[:, chips.index(reference)] / r.output_draws[:, chips.index(candidate)]
    return {k: float(v) for k, v in uncertainty.percentiles(ratio).items()}


def _decode(inp: Inputs, *, mfu, hbm_efficiency, batch_size=None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`serving_decode_tokens_per_s` of the report's chips, model, context and precision at
    ``mfu``, ``hbm_efficiency`` and ``batch_size`` per replica (numbers or arrays of draws; the
    batch defaults to the report's): (rate, bound)."""
    return serving_decode_tokens_per_s(
        inp.chips,
        inp.model,
        batch_size=inp.batch_size if batch_size is None else batch_size,
        context_tokens=inp.context_tokens,
        precision=inp.precision,
        mfu=mfu,
        hbm_efficiency=hbm_efficiency,
    )


def decode_bound(inp: Inputs) -> pd.Series:
    """What binds decode at the base point for each chip (``n/a`` where a figure is missing)."""
    rate, bound = _decode(inp, mfu=inp.decode_mfu, hbm_efficiency=inp.hbm_efficiency)
    return pd.Series(np.where(np.isfinite(rate), bound, present.NA), index=inp.chips.index)


def chips_per_replica(inp: Inputs) -> pd.Series:
    """Capacity floor: chips whose usable HBM holds the weights and the batch's KV cache
    (:func:`inference.capacity_floor_chips`; NaN for a chip without a published capacity)."""
    floor = inference.capacity_floor_chips(
        inp.chips["hbm_gb"].to_numpy(dtype=float),
        inp.model,
        inference.BYTES_PER_PARAM[inp.precision],
        inp.batch_size,
        inp.context_tokens,
    )
    return pd.Series(np.asarray(floor, dtype=float), index=inp.chips.index)


#: Batch sizes of the decode roofline figure.
CURVE_BATCHES = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536)


def decode_curve(r: Result, batches=CURVE_BATCHES) -> pd.DataFrame:
    """Decode tokens/s per chip at the base point for each chip × batch size (long table: chip,
    batch_size, output_tokens_per_s_per_chip); chips without a bandwidth are left out."""
    inp = r.inputs
    rows = []
    for batch in batches:
        rate, _ = serving_decode_tokens_per_s(
            inp.chips,
            inp.model,
            batch_size=batch,
            context_tokens=inp.context_tokens,
            precision=inp.precision,
            mfu=inp.decode_mfu,
            hbm_efficiency=inp.hbm_efficiency,
        )
        rows += [
            {"chip": chip, "batch_size": batch, "output_tokens_per_s_per_chip": float(value)}
            for chip, value in zip(inp.chips.index, rate)
            if np.isfinite(value)
        ]
    return pd.DataFrame(rows, columns=["chip", "batch_size", "output_tokens_per_s_per_chip"])


# ---------------------------------------------------------------------------------------------
# Tables and text


def missing_reasons(r: Result) -> pd.Series:
    """Why a chip's cost or throughput reads n/a (empty where nothing is missing)."""
    reasons = {}
    for chip, row in r.inputs.chips.iterrows():
        why = []
        if pd.isna(row["hbm_bandwidth_tb_s"]) or pd.isna(row["hbm_gb"]):
            why.append("no published HBM bandwidth or capacity")
        if r.inputs.cost_basis == "ownership":
            if pd.isna(row["price_usd"]):
                why.append("no sourced price")
            if pd.isna(row["max_w_per_chip"]):
                why.append("no published TDP or system power")
        reasons[chip] = "; ".join(why)
    return pd.Series(reasons)


def _band(low, high, fmt) -> present.Band | str:
    """``low–high`` in a reader's format (a :class:`present.Band` whose CSV copy is the P10 and
    P90 columns, headed by the table), or n/a."""
    if pd.isna(low) or pd.isna(high):
        return present.NA
    return present.Band(f"{fmt(low)}–{fmt(high)}", low, None, high, names=("_p10", "", "_p90"))


def _band_column(r: Result, column: str, fmt) -> list:
    """The P10–P90 band of ``column`` for every chip (text; numbers in the CSV)."""
    return [_band(a, b, fmt) for a, b in zip(r.p10[column], r.p90[column])]


def throughput_table(r: Result) -> pd.DataFrame:
    """Tokens/s per chip (P50 with P10–P90), decode bound and chips per replica, by short chip name
    (:func:`analysis.assembly.present.by_short_name`: the table fits a printed page)."""
    frame = pd.DataFrame(
        {
            "prefill [computed tokens/s per chip]": r.p50["input_tokens_per_s_per_chip"],
            "prefill P10–P90": _band_column(r, "input_tokens_per_s_per_chip", present.count),
            "decode [output tokens/s per chip]": r.p50["output_tokens_per_s_per_chip"],
            "decode P10–P90": _band_column(r, "output_tokens_per_s_per_chip", present.count),
            "decode bound by": r.decode_bound,
            "chips per replica": r.chips_per_replica,
        }
    )
    return present.by_short_name(frame)


def cost_table(r: Result) -> pd.DataFrame:
    """$ per chip-hour and per million input/output tokens (P50 with P10–P90), by short chip name."""
    out = pd.DataFrame(
        {
            "chip-hour [$]": r.p50["usd_per_chip_hour"],
            "$ per M input tokens": r.p50["usd_per_million_input_tokens"],
            "input P10–P90": _band_column(r, "usd_per_million_input_tokens", present.usd),
            "$ per M output tokens": r.p50["usd_per_million_output_tokens"],
            "output P10–P90": _band_column(r, "usd_per_million_output_tokens", present.usd),
            "$ per request": r.p50["usd_per_request"],
            "n/a because": missing_reasons(r),
        }
    )
    return present.by_short_name(out if out["n/a because"].astype(bool).any() else out.drop(columns="n/a because"))


def basis_text(r: Result) -> str:
    """One sentence naming the cost basis of the ranking."""
    inp = r.inputs
    if inp.cost_basis == "rental":
        return (
            "**Cost basis: rental** — every chip in this ranking has a market rental price, so all are costed per "
            "rented chip-hour."
        )
    market = market_rent(inp.chips)
    missing = [present.chip_name(c) for c in inp.chips.index[~market]]
    assumed = [
        f"the {present.chip_short(c)}'s {present.usd(row['usd_per_gpu_hour'])} per chip-hour is "
        f"{shared.rental_basis(row['rental_source'])}, not a market quote"
        for c, row in inp.chips[inp.chips["usd_per_gpu_hour"].notna() & ~market].iterrows()
    ]
    return (
        f"**Cost basis: ownership for every chip** — {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} "
        f"no market rental price{''.join(f' ({a})' for a in assumed)}, so no chip is costed on rental: capex "
        f"(price with server and network "
        f"markups where the price lacks them) over "
        f"{present.counted(inp.years, 'year', spec='{:g}')} plus electricity at "
        f"{present.usd(inp.site.usd_per_kwh)}/kWh and PUE {inp.site.pue:.2f}, divided by "
        f"{present.pct(inp.utilisation)} of hours serving."
    )


def h20_training_ratio() -> float:
    """H20s per H100 in training: the one answer of the chip_parity report
    (:func:`analysis.assembly.chip_parity.chips_per_reference`)."""
    from . import chip_parity

    return float(chip_parity.chips_per_reference("h20", reference_chip="h100-sxm", workload="training"))


def _cheapest_lines(r: Result) -> list[str]:
    """A finding per token kind: the chip with the cheapest P50 and its band, or why none."""
    lines = []
    for figure, what in (("usd_per_million_output_tokens", "output"), ("usd_per_million_input_tokens", "input")):
        known = r.p50[figure].dropna()
        if known.empty:
            lines.append(f"- No chip in this list has every figure its {what}-token cost needs (n/a).")
            continue
        best = known.idxmin()
        unranked = _unranked(r, figure)
        lines.append(
            f"- Cheapest {what} tokens ({r.inputs.cost_basis} basis): **{present.chip_name(best)}** at "
            f"**{present.usd(known[best])} per million** (P10–P90 {present.usd(r.p10.loc[best, figure])}–"
            f"{present.usd(r.p90.loc[best, figure])})"
            + (f"; not ranked (a figure its cost needs is n/a): {', '.join(unranked)}." if unranked else ".")
        )
    return lines


def _ratio_of_medians_words(ratio: float, answer: float) -> str:
    """Whether the ratio of two chips' median rates is the decode answer (the median of the ratio taken
    draw by draw), at the two decimals shown: "is not this answer", or, where they agree (batch 1, H20
    and H100 both bound by memory bandwidth: H100 50.5 / H20 60.3 output tokens/s = 0.84 both ways), that it is
    here though it need not be."""
    if f"{ratio:.2f}" != f"{answer:.2f}":
        return "is not this answer"
    return "is this answer here, though it need not be: a median of ratios is not in general a ratio of medians"


def findings(r: Result, *, training_ratio: float | None = None) -> str:
    """Key findings as markdown: the cheapest output and input tokens on the report's basis (P50
    with band), the H20 against the H100 in decode and in training, DeepSeek's disclosure."""
    p50 = r.p50
    lines = _cheapest_lines(r)
    if {"h20", "h100-sxm"} <= set(p50.index):
        per = decode_chips_per_chip_band(r, "h20", "h100-sxm")
        rate = r.p50["output_tokens_per_s_per_chip"]
        ratio = rate["h100-sxm"] / rate["h20"]
        text = (
            f"- **H20 against H100 in decode**: **{per['p50']:.2f} H20s per H100** (P10–P90 {per['p10']:.2f}–"
            f"{per['p90']:.2f}), the decode parity chip_parity gives at the same settings (precision "
            f"{r.inputs.precision.upper()}, {present.counted(r.inputs.context_tokens, 'token')} of context; at "
            f"batch {present.count(r.inputs.batch_size)} the H20 is bound by {r.decode_bound['h20']}, the H100 by "
            f"{r.decode_bound['h100-sxm']}). It is the median of the ratio taken draw by draw, the two chips at "
            f"the same drawn batch and utilisation; the throughput table gives each chip's own median "
            f"({present.count(rate['h20'])} and {present.count(rate['h100-sxm'])} output tokens/s), whose ratio "
            f"({ratio:.2f}) {_ratio_of_medians_words(ratio, per['p50'])}."
        )
        if training_ratio is not None:
            text += (
                f" In training one H100 takes **{training_ratio:.2f} H20s**: chip_parity's per-chip training "
                "answer (the ratio of sustained BF16 training rates per chip, P50; no capacity floor, no "
                "interruptions), not its cluster answer (h100-parity: the H20s matching 2,048 H100s, with the "
                "capacity floor and interruptions, a higher ratio)."
            )
        lines.append(text)
    if "h800-sxm" in p50.index and r.inputs.model.name == "deepseek-v3":
        lines.append(
            f"- **H800 against DeepSeek's disclosure** (Feb 2025, 24-hour average): this report's workload "
            f"gives {present.count(p50.loc['h800-sxm', 'input_tokens_per_s_per_chip'])} computed input and "
            f"{present.count(p50.loc['h800-sxm', 'output_tokens_per_s_per_chip'])} output tokens/s per GPU (medians "
            f"of draws; at the base point {present.count(r.base.loc['h800-sxm', 'output_tokens_per_s_per_chip'])} "
            "output, the rate chip_parity's decode findings quote: small drawn batches are memory-bound); "
            f"DeepSeek served {present.count(reference_value('deepseek-serving-prefill-computed-per-h800'))} "
            f"computed (cache-miss) input and {present.count(reference_value('deepseek-serving-decode-per-h800'))} "
            "output tokens/s per GPU on its own, longer contexts — the validation section runs that setup."
        )
    return "\n".join(lines)


def _unranked(r: Result, figure: str) -> list[str]:
    """Short names of the chips a cost ranking leaves out because their ``figure`` (P50) is n/a."""
    cost = r.p50[figure]
    return [present.chip_short(c) for c in cost.index[cost.isna()]]


def _unranked_words(r: Result) -> str:
    """`` (not ranked, cost n/a: H20, …)`` for the chips whose output-token cost is unknown."""
    unknown = _unranked(r, "usd_per_million_output_tokens")
    return f" (not ranked, cost n/a: {', '.join(unknown)})" if unknown else ""


def answer(r: Result) -> str:
    """Page 1: the answer in one sentence (the chip with the cheapest output tokens, its cost with
    its band, and how many times as much the dearest costs, or that it is the only chip costed;
    naming the chips left unranked), then what the figures are (one cost basis; what the bands
    cover). The findings list follows it."""
    known = r.p50["usd_per_million_output_tokens"].dropna()
    if known.empty:
        return "No chip in this list has every figure a cost per token needs; the tables below say which is missing."
    order = known.sort_values()
    best, worst = order.index[0], order.index[-1]
    cost = (
        f"**{present.usd(order[best])} per million** (P10–P90 "
        f"{present.usd(r.p10.loc[best, 'usd_per_million_output_tokens'])}–"
        f"{present.usd(r.p90.loc[best, 'usd_per_million_output_tokens'])})"
    )
    serving = (
        f"Serving {r.inputs.model['name']} at batch {present.count(r.inputs.batch_size)} with "
        f"{present.count(r.inputs.input_tokens)}-token prompts, "
    )
    if len(order) == 1:  # nothing to rank it against
        unknown = _unranked(r, "usd_per_million_output_tokens")
        line = f"{serving}**{present.chip_name(best)}** is the only chip costed: its output tokens cost {cost}" + (
            f"; {present.joined(unknown)} {'has' if len(unknown) == 1 else 'have'} no cost (n/a)." if unknown else "."
        )
    else:
        line = (
            f"{serving}**{present.chip_name(best)}** gives the cheapest output tokens at {cost} and "
            f"{present.chip_name(worst)} costs {order[worst] / order[best]:.1f} × as much{_unranked_words(r)}."
        )
    return "\n\n".join([line, _basis_words(r)])


def _basis_words(r: Result) -> str:
    """Page 1's second paragraph: the one cost basis and what the bands cover."""
    return (
        f"All chips are costed on one basis (**{r.inputs.cost_basis}**). The bands cover the chip prices, TDPs and "
        "rentals, electricity price, PUE, utilisation (prefill and decode MFU, the spread of published prefill and "
        f"decode utilisations), HBM efficiency (between published decode bandwidth shares){_batch_band_words(r)}."
    )


def _batch_band_words(r: Result) -> str:
    """`` and the decode batch (…)`` where the batch is the default, drawn; else empty."""
    if "decode_batches" not in r.inputs.used:
        return ""
    return (
        f" and the decode batch (the {len(r.inputs.used['decode_batches'])} published deployments' batches per "
        "replica, data/decode_batches.csv: decode is compute-bound at most of them, memory-bound at the smallest)"
    )


def title(r: Result) -> str:
    """The report's title line (markdown heading)."""
    return f"# Inference cost: serving {r.inputs.model['name']} on each chip"


# ---------------------------------------------------------------------------------------------
# API prices and DeepSeek's serving economics

#: The chip DeepSeek serves on, and the validation case of its disclosed day (data/validation_cases.csv).
DEEPSEEK_CHIP = "h800-sxm"
DEEPSEEK_DAY_CASE = "deepseek-serving-daily-cost"
#: DeepSeek's decode batch as its disclosure lets derive it (a row of data/decode_batches.csv).
DEEPSEEK_BATCH = "deepseek-h800-online"
#: Token kinds of DeepSeek's API prices: (label, V3 price row, R1 price row, figure of :func:`figures`).
API_PRICES = {
    "input_cache_hit": ("input, cache hit", "deepseek-v3-api-input-hit-2025", "deepseek-r1-api-input-hit-2025", None),
    "input_cache_miss": (
        "input, cache miss",
        "deepseek-v3-api-input-miss-2025",
        "deepseek-r1-api-input-miss-2025",
        "usd_per_million_cache_miss_tokens",
    ),
    "output": ("output", "deepseek-v3-api-output-2025", "deepseek-r1-api-output-2025", "usd_per_million_output_tokens"),
}


def daily_cost_usd(setup: dict, *, prefill_tokens_per_s, decode_tokens_per_s) -> np.ndarray:
    """A serving fleet's cost per day [USD] for a day's tokens (DeepSeek's $87,072,
    ``deepseek-inference-overview``): chip-hours = computed (cache-miss) input tokens / (prefill
    tokens/s × 3,600) + output tokens / (decode tokens/s × 3,600)
    (:func:`analysis.formulas.inference.chip_hours_for_tokens`) at ``usd_per_gpu_hour``
    (:func:`analysis.formulas.cost.rental_cost_usd`). ``setup``: ``input_tokens_per_day``,
    ``cached_input_tokens_per_day``, ``output_tokens_per_day`` [tokens] and ``usd_per_gpu_hour``
    [USD] (the validation case's disclosed setup); the rates are numbers or arrays of draws. The
    validation report's daily-cost case and :func:`deepseek_day` call this one function."""
    computed = setup["input_tokens_per_day"] - setup["cached_input_tokens_per_day"]
    chip_hours = inference.chip_hours_for_tokens(computed, prefill_tokens_per_s) + inference.chip_hours_for_tokens(
        setup["output_tokens_per_day"], decode_tokens_per_s
    )
    return cost.rental_cost_usd(chip_hours, setup["usd_per_gpu_hour"])


def api_revenue_usd(setup: dict, *, prices: str = "r1") -> float:
    """A day's revenue [USD] if every token of ``setup`` (:func:`daily_cost_usd`'s) were billed at
    DeepSeek's API prices (``prices``: ``r1`` or ``v3``, standard daytime prices): cache hits,
    cache misses and output tokens each at their price per million
    (:func:`analysis.formulas.inference.token_revenue_usd`)."""
    tokens = {
        "input_cache_hit": setup["cached_input_tokens_per_day"],
        "input_cache_miss": setup["input_tokens_per_day"] - setup["cached_input_tokens_per_day"],
        "output": setup["output_tokens_per_day"],
    }
    column = {"v3": 1, "r1": 2}[prices]
    return float(
        sum(inference.token_revenue_usd(n, reference_value(API_PRICES[kind][column])) for kind, n in tokens.items())
    )


@dataclass(frozen=True)
class DeepSeekDay:
    """DeepSeek's disclosed day of serving V3 and R1 on H800s (Feb 27-28 2025,
    ``deepseek-inference-overview``) against this package. ``setup``: the disclosed tokens and
    $ per GPU-hour (the validation case's); ``disclosed_cost_usd`` ($87,072);
    ``node_hours_cost_usd``: average nodes × 8 GPUs × 24 h × $ per GPU-hour (the disclosure's
    own arithmetic); ``modelled_cost_usd`` and its ``modelled_p10``/``modelled_p90``: chip-hours
    for the day's tokens at the modelled H800 rates (:func:`daily_cost_usd`; the P50 of the
    draws, the validation report's value, :attr:`~.validation_cases.Modelled.central`);
    ``modelled_error``: modelled / disclosed − 1; ``disclosed_revenue_usd`` ($562,027 at R1 prices)
    and ``revenue_usd``: the tokens × R1 prices (:func:`api_revenue_usd`);
    ``v3_revenue_usd``: the same at V3's prices; ``margin``: revenue / disclosed cost − 1."""

    setup: dict
    disclosed_cost_usd: float
    node_hours_cost_usd: float
    modelled_cost_usd: float
    modelled_p10: float
    modelled_p90: float
    modelled_error: float
    disclosed_revenue_usd: float
    revenue_usd: float
    v3_revenue_usd: float
    margin: float


def deepseek_day() -> DeepSeekDay:
    """:class:`DeepSeekDay` from the validation case :data:`DEEPSEEK_DAY_CASE` (its disclosed
    setup and the validation report's modelled value and draws,
    :func:`analysis.assembly.validation_cases.modelled_case`, which calls :func:`daily_cost_usd`)
    and the disclosure's rows of ``data/serving_references.csv``."""
    from . import validation_cases

    case = load("validation_cases").loc[DEEPSEEK_DAY_CASE]
    setup = validation_cases.parse_setup(case["setup"])
    modelled = validation_cases.modelled_case(case)
    band = uncertainty.percentiles(modelled.draws)
    disclosed = reference_value("deepseek-serving-usd-per-day")
    chip_hours = reference_value("deepseek-serving-nodes-average") * 8 * 24
    revenue = api_revenue_usd(setup)
    return DeepSeekDay(
        setup=setup,
        disclosed_cost_usd=disclosed,
        node_hours_cost_usd=float(cost.rental_cost_usd(chip_hours, setup["usd_per_gpu_hour"])),
        modelled_cost_usd=modelled.central,
        modelled_p10=float(band["p10"]),
        modelled_p90=float(band["p90"]),
        modelled_error=modelled.central / disclosed - 1,
        disclosed_revenue_usd=reference_value("deepseek-serving-revenue-usd-per-day"),
        revenue_usd=revenue,
        v3_revenue_usd=api_revenue_usd(setup, prices="v3"),
        margin=revenue / disclosed - 1,
    )


def workload_day_cost_usd(r: Result, day: DeepSeekDay) -> float:
    """DeepSeek's day (:func:`daily_cost_usd` of ``day.setup``) at this report's own H800 rates (P50:
    its prompts, context, batch and cache share, not DeepSeek's disclosed setup) [USD]; NaN without
    the H800."""
    if DEEPSEEK_CHIP not in r.p50.index:
        return float("nan")
    rates = r.p50.loc[DEEPSEEK_CHIP]
    return float(
        daily_cost_usd(
            day.setup,
            prefill_tokens_per_s=rates["input_tokens_per_s_per_chip"],
            decode_tokens_per_s=rates["output_tokens_per_s_per_chip"],
        )
    )


def api_comparison(r: Result) -> pd.DataFrame:
    """DeepSeek's API prices beside the modelled cost per million tokens on the H800 (P50 with
    P10–P90, the report's cost basis and workload), by token kind (index of :data:`API_PRICES`):
    ``label``, ``v3_price``, ``r1_price`` [USD per million tokens], ``modelled``, ``modelled_p10``,
    ``modelled_p90`` [USD per million tokens] and ``v3_price_over_cost`` (n/a where the model
    charges nothing: a cache hit is read from disk, not computed). Empty without the H800 or for a
    model other than DeepSeek-V3 (the prices are V3's and R1's, one architecture)."""
    if DEEPSEEK_CHIP not in r.p50.index or r.inputs.model.name != "deepseek-v3":
        return pd.DataFrame()
    rows = {}
    for kind, (label, v3, r1, figure) in API_PRICES.items():
        mid, low, high = (
            (0.0, 0.0, 0.0) if figure is None else (f.loc[DEEPSEEK_CHIP, figure] for f in (r.p50, r.p10, r.p90))
        )
        rows[kind] = {
            "label": label,
            "v3_price": reference_value(v3),
            "r1_price": reference_value(r1),
            "modelled": mid,
            "modelled_p10": low,
            "modelled_p90": high,
            "v3_price_over_cost": reference_value(v3) / mid if mid > 0 else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _decode_mfu_words(r: Result) -> str:
    """Where the decode utilisation comes from, in words: published decode benchmarks (the default)
    or the reader."""
    if r.inputs.used["decode_mfu"].source == "decode-observations":
        return "the utilisation of published single-node decode benchmarks"
    return "the decode utilisation as set"


def economics_text(r: Result, day: DeepSeekDay) -> str:
    """The API comparison and DeepSeek's day in words: what the model says a token costs on the
    H800 against DeepSeek's prices, and the daily cost and revenue reproduced, with the gap and its
    reasons."""
    lines = []
    api = api_comparison(r)
    if not api.empty:
        miss, out = api.loc["input_cache_miss"], api.loc["output"]
        successor = reference_value("deepseek-v3.2-api-output-2025")
        lines.append(
            f"- **DeepSeek's API prices against the modelled cost on the H800** ({r.inputs.cost_basis} basis, this "
            f"report's workload): output tokens {present.usd(out['modelled'])} per million against V3's "
            f"{present.usd(out['v3_price'])} and R1's {present.usd(out['r1_price'])}; cache-miss input "
            f"{present.usd(miss['modelled'])} against {present.usd(miss['v3_price'])} and "
            f"{present.usd(miss['r1_price'])}. Cache hits (V3 {present.usd(api.loc['input_cache_hit', 'v3_price'])}) "
            "cost nothing in the model: they are read from disk, and storage is not modelled. These are the prices "
            "of DeepSeek's disclosed day (Feb 2025), which ended on Sep 5 2025; its successors DeepSeek-V3.2-Exp and "
            "V3.2 (sparse attention, not modelled here) have sold at "
            f"{present.usd(successor)} per million output tokens since Sep 29 2025 "
            f"({present.times(successor / out['modelled'])} this V3 cost; DeepSeek's price list) and "
            f"{present.usd(reference_value('deepseek-v3.2-api-input-miss-2025'))} per million cache-miss input tokens."
        )
    ds = day.setup
    lines.append(
        f"- **DeepSeek's disclosed day** (Feb 27–28 2025): {present.usd(day.node_hours_cost_usd)} = "
        f"{present.count(reference_value('deepseek-serving-nodes-average') * 8 * 24)} H800-hours (average nodes × 8 "
        f"× 24 h) × {present.usd(ds['usd_per_gpu_hour'])}, the {present.usd(day.disclosed_cost_usd)} DeepSeek gives. "
        f"The model needs **{present.usd(day.modelled_cost_usd)}** (P10–P90 {present.usd(day.modelled_p10)}–"
        f"{present.usd(day.modelled_p90)}) for the day's {present.count(ds['input_tokens_per_day'] / 1e9)} B input "
        f"tokens ({present.pct(reference_value('deepseek-serving-cache-hit-share'), digits=1)} cache "
        f"hits) and {present.count(ds['output_tokens_per_day'] / 1e9)} B output tokens at its H800 rates: "
        f"**{'+' if day.modelled_error > 0 else ''}{present.pct(day.modelled_error)}**. The gap: the model "
        "counts only the hours the tokens take at roofline rates, while DeepSeek pays for every node "
        "allocated over 24 hours, sized for the peak and run with headroom for 20–22 tokens/s per user; "
        f"against that, the model decodes at {_decode_mfu_words(r)} "
        f"({present.pct(r.inputs.decode_mfu, digits=1)}), below what DeepSeek's EP144 deployment reaches; "
        "expert-parallel communication, load imbalance and scheduling are "
        "not modelled. Decode runs at the batch the disclosure lets derive: 1,850 output tokens/s per GPU at "
        "20–22 tokens/s per user is about 88 sequences per GPU, "
        f"{present.count(serving_observations.batch_per_replica(DEEPSEEK_BATCH))} per 144-GPU unit (EP144)."
    )
    at_workload = workload_day_cost_usd(r, day)
    if at_workload == at_workload:
        kv = present.count(reference_value("deepseek-serving-kv-length"))
        hits = present.pct(reference_value("deepseek-serving-cache-hit-share"), digits=1)
        lines[-1] += (
            f" At this report's own workload ({present.count(r.inputs.input_tokens)}-token prompts, "
            f"{present.pct(r.inputs.cached_share)} cached, {present.counted(r.inputs.context_tokens, 'token')} of "
            f"context) instead of DeepSeek's (KV length {kv} tokens, {hits} cached), the same day costs "
            f"{present.usd(at_workload)} ({'+' if at_workload > day.disclosed_cost_usd else ''}"
            f"{present.pct(at_workload / day.disclosed_cost_usd - 1)}): shorter contexts make the rates higher."
        )
    lines.append(
        f"- **Theoretical revenue**: the day's tokens at R1's prices give {present.usd(day.revenue_usd)} "
        f"(DeepSeek: {present.usd(day.disclosed_revenue_usd)}; the token counts are rounded to billions), a "
        f"cost-profit margin of {present.pct(day.margin)} on {present.usd(day.disclosed_cost_usd)}. At V3's "
        f"prices the same tokens bring {present.usd(day.v3_revenue_usd)}; DeepSeek says its actual revenue is "
        "lower still (web and app use is free, off-peak discounts)."
    )
    return "\n".join(lines)


def day_key_figures(day: DeepSeekDay) -> dict:
    """The JSON's ``deepseek_day``: disclosed and modelled daily cost with its band and error, the
    node-hours check, revenue at R1 and V3 prices and the margin."""
    return {
        "disclosed_cost_usd": day.disclosed_cost_usd,
        "node_hours_cost_usd": day.node_hours_cost_usd,
        "modelled_cost_usd": day.modelled_cost_usd,
        "modelled_cost_usd_p10": day.modelled_p10,
        "modelled_cost_usd_p90": day.modelled_p90,
        "modelled_error": day.modelled_error,
        "disclosed_revenue_usd": day.disclosed_revenue_usd,
        "revenue_usd": day.revenue_usd,
        "v3_revenue_usd": day.v3_revenue_usd,
        "cost_profit_margin": day.margin,
    }


# ---------------------------------------------------------------------------------------------
# Figures


def plot_output_cost(r: Result) -> None:
    """Bars of the P50 cost per million output tokens by chip, cheapest first, on the report's
    cost basis; a chip without the figures reads n/a."""
    import matplotlib.pyplot as plt

    costs = r.p50["usd_per_million_output_tokens"]
    order = costs.sort_values().index
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 0.45 * len(costs) + 1.6))
    present.chip_bars(ax, costs.loc[order], fmt=present.usd)
    ax.invert_yaxis()
    present.finish(
        ax,
        f"Cost of output tokens ({r.inputs.cost_basis} basis, P50)",
        "USD per million output tokens",
        "",
        alt=f"Cost per million output tokens by chip; cheapest: {present.chip_name(order[0])}",
    )


def plot_decode_roofline(r: Result) -> None:
    """Decode output tokens/s per chip against batch size (log–log) at the base point, the
    report's batch marked and, where it is the default, the span of the published deployments'
    batches shaded: memory-bound rising lines that flatten where compute binds."""
    import matplotlib.pyplot as plt

    curve = decode_curve(r)
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 5.4))
    colors = present.chip_colors(r.inputs.chips.index)
    for chip, rows in curve.groupby("chip", sort=False):
        ax.plot(
            rows["batch_size"],
            rows["output_tokens_per_s_per_chip"],
            marker="o",
            ms=3,
            color=colors[chip],
            label=present.chip_short(chip),
        )
    present.log_scale(ax, "x", base=2)
    present.log_scale(ax, "y")
    low, _, high = r.inputs.ranges["batch_size"]
    if high > low:  # the default batch, drawn: the published batches' span
        ax.axvspan(low, high, color="#999", alpha=0.15, lw=0, label="published batches")
    ax.axvline(r.inputs.batch_size, color="#555", ls=":", lw=1.2, label=f"batch {present.count(r.inputs.batch_size)}")
    if ax.get_legend_handles_labels()[0]:  # no chip with a decode figure: no legend (and no warning)
        # under the axes: it hid lines inside them
        ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    present.finish(
        ax,
        "Decode roofline: output tokens/s per chip against batch size "
        f"(context {present.counted(r.inputs.context_tokens, 'token')})",
        "sequences per replica (batch size)",
        "output tokens/s per chip",
        alt="Decode throughput per chip rises with batch size until compute binds",
    )


# ---------------------------------------------------------------------------------------------
# The JSON and the sources


def key_figures(r: Result, *, day: DeepSeekDay | None = None) -> dict:
    """The JSON contract: ``chips`` {id: {figure (P50), figure_p10, figure_p90, …}}, ``cost_basis``,
    ``mfu`` (prefill), ``decode_mfu`` and ``utilisation`` as used (shares); ``api_comparison``
    (:func:`api_comparison` by token kind, empty without the H800 or for another model) and, given
    ``day``, ``deepseek_day`` (:func:`day_key_figures`)."""
    chips = {}
    for chip in r.inputs.chips.index:
        entry = {"usd_per_chip_hour": r.p50.loc[chip, "usd_per_chip_hour"]}
        for name in BANDED:
            entry[name] = r.p50.loc[chip, name]
            entry[f"{name}_p10"] = r.p10.loc[chip, name]
            entry[f"{name}_p90"] = r.p90.loc[chip, name]
        entry["decode_bound"] = r.decode_bound[chip]
        chips[chip] = entry
    out = {
        "chips": chips,
        "cost_basis": r.inputs.cost_basis,
        "mfu": r.inputs.mfu,
        "decode_mfu": r.inputs.decode_mfu,
        "utilisation": r.inputs.utilisation,
    }
    api = api_comparison(r).drop(columns="label", errors="ignore")
    out["api_comparison"] = {"chip": DEEPSEEK_CHIP, "token_kinds": api.to_dict(orient="index")} if not api.empty else {}
    if day is not None:
        out["deepseek_day"] = day_key_figures(day) | {"report_workload_cost_usd": workload_day_cost_usd(r, day)}
    return out
