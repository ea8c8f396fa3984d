"""The inference_cost report: what serving a model of ``data/models.csv`` costs per million input
and output tokens on each chip, on ONE cost basis for the whole ranking.

``inputs`` resolves the chips, the site, the utilisation defaults and the Monte Carlo ranges;
``figures`` maps arrays of the uncertain inputs to every figure for every chip and is called at
the base point and at the seeded draws (``result``), so a headline (the P50) and its P10–P90 band
come from one piece of code.

Model (:mod:`analysis.formulas.inference`):

* Prefill is compute-bound and counted on computed (cache-miss) tokens: 2 FLOP per active
  parameter at the 8-bit (or BF16) peak plus the attention over the attended context at the BF16
  peak, times a utilisation ``mfu``. Its default is calibrated on an independent deployment —
  SGLang on 96 H100 serving DeepSeek-V3 (LMSYS, May 2025: 52.3k input tokens/s per node for
  2,000-token inputs) — so DeepSeek's own disclosure and Huawei's CloudMatrix-384 paper stay
  validation cases (:func:`calibrated_mfu`).
* Decode is the roofline of :func:`~analysis.formulas.inference.decode_tokens_per_s` with the
  attention FLOPs of every sequence at its context (absorbed latent attention for MLA).
* Cost per chip-hour: rental where EVERY chip of the ranking has a sourced rental; otherwise
  ownership for all of them — capex charged over ``years`` plus electricity, divided by the
  share of hours the chip serves (``utilisation``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import keys_in, load, lookup
from ..formulas import cost, inference, power, uncertainty
from ..formulas.power import HOURS_PER_YEAR
from . import inputs as shared
from . import params, present

DEFAULT_CHIPS = ["h800-sxm", "h20", "h100-sxm", "h200", "b200", "mi300x", "ascend-910b", "ascend-910c"]

PARAMETERS = params.declare(
    model="deepseek-v3",
    chips=DEFAULT_CHIPS,
    batch_size=1024,
    input_tokens=2000,
    output_tokens=500,
    cached_share=0.0,
    precision="fp8",
    mfu=None,
    hbm_efficiency=0.6,
    utilisation=None,
    region="cn-avg-industrial",
    usd_per_kwh=None,
    pue=None,
    load_factor=None,
    server_power_ratio=None,
    years=None,
    seed=0,
    draws=10_000,
)

#: Relative spread of the HBM efficiency in the Monte Carlo (triangular, ±25 %): an assumption,
#: the same width as the MFU's.
HBM_SPREAD = 0.25
#: Prompt length of the calibration case (SGLang's "input sequences of 2000 tokens").
SGLANG_PROMPT_TOKENS = 2_000
FIGURES = (
    "input_tokens_per_s_per_chip",
    "output_tokens_per_s_per_chip",
    "usd_per_chip_hour",
    "usd_per_million_input_tokens",
    "usd_per_million_output_tokens",
    "usd_per_request",
)
BANDED = (
    "input_tokens_per_s_per_chip",
    "output_tokens_per_s_per_chip",
    "usd_per_million_input_tokens",
    "usd_per_million_output_tokens",
    "usd_per_request",
)


def _or(value, default):
    """``value``, or ``default`` where it is None."""
    return default if value is None else value


def _reference(reference_id: str) -> float:
    """A value of ``serving_references.csv``."""
    return float(load("serving_references").loc[reference_id, "value"])


# ---------------------------------------------------------------------------------------------
# Peaks, utilisation defaults


def serving_peaks(chips: pd.DataFrame, precision: str) -> tuple[np.ndarray, np.ndarray]:
    """(matmul peak, attention peak) per chip [TFLOP/s]. ``fp8``: weights and matmuls in 8 bits —
    the FP8 peak, else the INT8 peak (W8A8 serving, as on Ascend and A100), else BF16; attention
    always at the BF16 peak (DeepSeek and Huawei run MLA's core in BF16)."""
    bf16 = chips["bf16_dense_tflops"].to_numpy(dtype=float)
    if precision == "bf16":
        return bf16, bf16
    eight = chips["fp8_dense_tflops"].fillna(chips["int8_dense_tops"]).fillna(chips["bf16_dense_tflops"])
    return eight.to_numpy(dtype=float), bf16


def _peaks_of(chip_id: str, precision: str = "fp8") -> tuple[float, float]:
    frame = shared.chips([chip_id])
    matmul, attention = serving_peaks(frame, precision)
    return float(matmul[0]), float(attention[0])


def calibrated_mfu() -> float:
    """Prefill utilisation calibrated on SGLang's H100 deployment of DeepSeek-V3 (row
    ``sglang-prefill-per-h100``): measured tokens/s / the model's tokens/s at utilisation 1, for
    fresh 2,000-token prompts (mean attended context 1,000 tokens). No validation case enters."""
    model = lookup(load("models"), "deepseek-v3", "model")
    matmul, attention = _peaks_of("h100-sxm")
    flop = inference.model_attention_flop_per_token(
        model, inference.mean_attended_tokens(SGLANG_PROMPT_TOKENS), phase="prefill"
    )
    at_full = inference.prefill_tokens_per_s(
        matmul, model["active_params"], 1.0, attention_flop_per_token=flop, attention_peak_tflops=attention
    )
    return _reference("sglang-prefill-per-h100") / float(at_full)


def default_utilisation() -> float:
    """Share of hours an owned serving chip is busy: DeepSeek's average / peak serving nodes over
    24 h (226.75 / 278 = 0.816): a fleet sized for the peak is busy this share of the day."""
    return _reference("deepseek-serving-nodes-average") / _reference("deepseek-serving-nodes-peak")


# ---------------------------------------------------------------------------------------------
# Inputs and the one function from input arrays to figures


def inputs(**values) -> dict:
    """Validate the parameters (:data:`PARAMETERS`) and resolve the model, chips, site, defaults,
    cost basis and Monte Carlo ranges."""
    p = params.validate("inference_cost", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    model = lookup(load("models"), p["model"], "model")
    chips = shared.chips(p["chips"], precision="bf16", server_power_ratio=p["server_power_ratio"])
    matmul, attention = serving_peaks(chips, p["precision"])
    chips["serving_peak_tflops"], chips["attention_peak_tflops"] = matmul, attention
    where = shared.site(p["region"], usd_per_kwh=p["usd_per_kwh"], pue=p["pue"])
    mfu = _or(p["mfu"], calibrated_mfu())
    basis = cost_basis(chips)
    ranges = (
        {
            "MFU": shared.mfu_range(mfu),
            "HBM efficiency": (
                p["hbm_efficiency"] * (1 - HBM_SPREAD),
                p["hbm_efficiency"],
                min(1.0, p["hbm_efficiency"] * (1 + HBM_SPREAD)),
            ),
        }
        | shared.site_ranges(where)
        | shared.chip_ranges(chips)
    )
    context = p["input_tokens"] + p["output_tokens"] / 2
    return {
        "p": p,
        "model": model,
        "chips": chips,
        "site": where,
        "mfu": mfu,
        "mfu_basis": "the mfu parameter" if p["mfu"] is not None else "calibrated on SGLang H100 (LMSYS, May 2025)",
        "utilisation": _or(p["utilisation"], default_utilisation()),
        "load_factor": _or(p["load_factor"], power.LOAD_FACTOR),
        "server_power_ratio": _or(p["server_power_ratio"], power.SERVER_POWER_RATIO),
        "years": _or(p["years"], cost.YEARS),
        "cost_basis": basis,
        "ranges": ranges,
        "context_tokens": context,
        "prefill_context_tokens": float(
            inference.mean_attended_tokens(p["input_tokens"], cached_share=p["cached_share"])
        ),
        "name": model["name"],
    }


def cost_basis(chips: pd.DataFrame) -> str:
    """``rental`` when every chip has a sourced base rental price, else ``ownership`` (for all)."""
    return "rental" if chips["usd_per_gpu_hour"].notna().all() else "ownership"


def figures(x: dict, inp: dict) -> dict[str, np.ndarray]:
    """Every figure for every chip from arrays of the uncertain inputs ``x`` (one array of equal
    length per name of ``inp["ranges"]``): name -> array (draws × chips). Unknown inputs (a chip
    without a price, bandwidth or capacity) give NaN, never inf.

    prefill = :func:`inference.prefill_tokens_per_s` on computed tokens; decode = the roofline at
    ``batch_size`` and the mean context (input + half the output); chip-hour = rental, or
    ownership = (capex × capital recovery + a year of electricity at load) / (8,760 h ×
    utilisation); $ per million input tokens = chip-hour / (computed tokens/s / (1 − cached
    share) × 3,600) × 10⁶; $ per million output tokens likewise with decode; $ per request =
    chip-hour × (input / input rate + output / output rate) / 3,600.
    """
    p, chips, model = inp["p"], inp["chips"], inp["model"]
    column = lambda name: np.stack([np.asarray(x[f"{c} {name}"], dtype=float) for c in chips.index], axis=1)  # noqa: E731
    mfu = np.asarray(x["MFU"], dtype=float)[:, None]
    hbm = np.asarray(x["HBM efficiency"], dtype=float)[:, None]
    matmul, attention = chips["serving_peak_tflops"].to_numpy(), chips["attention_peak_tflops"].to_numpy()
    bytes_per_param = inference.BYTES_PER_PARAM[p["precision"]]
    with np.errstate(all="ignore"):
        prefill = inference.prefill_tokens_per_s(
            matmul,
            model["active_params"],
            mfu,
            attention_peak_tflops=attention,
            attention_flop_per_token=inference.model_attention_flop_per_token(
                model, inp["prefill_context_tokens"], phase="prefill"
            ),
        )
        decode, _ = inference.decode_tokens_per_s(
            matmul,
            chips["hbm_bandwidth_tb_s"].to_numpy(dtype=float),
            model,
            p["batch_size"],
            inp["context_tokens"],
            bytes_per_param,
            mfu,
            hbm,
            attention_peak_tflops=attention,
            attention_flop_per_token=inference.model_attention_flop_per_token(
                model, inp["context_tokens"], phase="decode"
            ),
        )
        hourly = chip_hour_usd(x, inp, column)
        input_rate = prefill / (1.0 - p["cached_share"])  # input tokens/s incl. cache hits
        out = {
            "input_tokens_per_s_per_chip": prefill,
            "output_tokens_per_s_per_chip": decode,
            "usd_per_chip_hour": hourly,
            "usd_per_million_input_tokens": hourly / (input_rate * 3_600) * 1e6,
            "usd_per_million_output_tokens": hourly / (decode * 3_600) * 1e6,
            "usd_per_request": hourly * (p["input_tokens"] / input_rate + p["output_tokens"] / decode) / 3_600,
        }
    return {name: np.where(np.isfinite(v) & (v > 0), v, np.nan) for name, v in out.items()}


def chip_hour_usd(x: dict, inp: dict, column) -> np.ndarray:
    """Cost of one serving chip-hour [USD] on the report's cost basis (draws × chips)."""
    chips = inp["chips"]
    if inp["cost_basis"] == "rental":
        return column("rental")
    capex = cost.capex_usd(1, column("price"), price_unit=chips["price_unit"].to_numpy())
    max_w = shared.max_w_per_chip(chips, column("TDP"), server_power_ratio=inp["server_power_ratio"])
    facility_w = power.facility_power_w(
        power.it_power_w(1, max_w, load_factor=inp["load_factor"]), np.asarray(x["PUE"], dtype=float)[:, None]
    )
    yearly = cost.annual_capex_usd(capex, years=inp["years"]) + cost.annual_opex_usd(
        facility_w, np.asarray(x["electricity price"], dtype=float)[:, None]
    )
    return yearly / (HOURS_PER_YEAR * inp["utilisation"])


def result(inp: dict) -> dict:
    """The figures at the base point (``base``) and the P10/P50/P90 of the seeded draws (frames by
    chip), plus the decode bound and the capacity floor at the base point."""
    chips = inp["chips"].index
    base = figures(shared.base_point(inp["ranges"]), inp)
    draws = figures(uncertainty.draw(inp["ranges"], inp["p"]["draws"], inp["p"]["seed"]), inp)
    bands = uncertainty.percentile_frames(draws, chips)
    return {
        "base": pd.DataFrame({k: v[0] for k, v in base.items()}, index=chips),
        **bands,
        "decode_bound": decode_bound(inp),
        "chips_per_replica": chips_per_replica(inp),
    }


def decode_bound(inp: dict) -> pd.Series:
    """What binds decode at the base point for each chip (``n/a`` where a figure is missing)."""
    p, chips, model = inp["p"], inp["chips"], inp["model"]
    with np.errstate(all="ignore"):
        rate, bound = inference.decode_tokens_per_s(
            chips["serving_peak_tflops"].to_numpy(),
            chips["hbm_bandwidth_tb_s"].to_numpy(dtype=float),
            model,
            p["batch_size"],
            inp["context_tokens"],
            inference.BYTES_PER_PARAM[p["precision"]],
            inp["mfu"],
            p["hbm_efficiency"],
            attention_peak_tflops=chips["attention_peak_tflops"].to_numpy(),
            attention_flop_per_token=inference.model_attention_flop_per_token(
                model, inp["context_tokens"], phase="decode"
            ),
        )
    return pd.Series(np.where(np.isfinite(rate), bound, present.NA), index=chips.index)


def chips_per_replica(inp: dict) -> pd.Series:
    """Capacity floor: chips whose usable HBM holds the weights and the batch's KV cache (NaN for
    a chip without a published capacity)."""
    p, chips = inp["p"], inp["chips"]
    floor = inference.capacity_floor_chips(
        chips["hbm_gb"].to_numpy(dtype=float),
        inp["model"],
        inference.BYTES_PER_PARAM[p["precision"]],
        p["batch_size"],
        inp["context_tokens"],
    )
    return pd.Series(np.asarray(floor, dtype=float), index=chips.index)


#: Batch sizes of the decode roofline figure.
CURVE_BATCHES = (1, 4, 16, 64, 256, 1024, 4096, 16384)


def decode_curve(r: dict, batches=CURVE_BATCHES) -> pd.DataFrame:
    """Decode tokens/s per chip at the base point for each chip × batch size (long table: chip,
    batch_size, output_tokens_per_s_per_chip); chips without a bandwidth are left out."""
    p, chips, model = r["p"], r["chips"], r["model"]
    flop = inference.model_attention_flop_per_token(model, r["context_tokens"], phase="decode")
    rows = []
    for batch in batches:
        with np.errstate(all="ignore"):
            rate, _ = inference.decode_tokens_per_s(
                chips["serving_peak_tflops"].to_numpy(),
                chips["hbm_bandwidth_tb_s"].to_numpy(dtype=float),
                model,
                batch,
                r["context_tokens"],
                inference.BYTES_PER_PARAM[p["precision"]],
                r["mfu"],
                p["hbm_efficiency"],
                attention_peak_tflops=chips["attention_peak_tflops"].to_numpy(),
                attention_flop_per_token=flop,
            )
        rows.append(pd.DataFrame({"chip": chips.index, "batch_size": batch, "output_tokens_per_s_per_chip": rate}))
    curve = pd.concat(rows, ignore_index=True)
    return curve[np.isfinite(curve["output_tokens_per_s_per_chip"])].reset_index(drop=True)


def run(**values) -> dict:
    """``inputs`` then ``result``: everything the notebook shows, in one call."""
    inp = inputs(**values)
    return inp | result(inp)


# ---------------------------------------------------------------------------------------------
# Tables and text


def missing_reasons(r: dict) -> pd.Series:
    """Why a chip's cost or throughput reads n/a (empty where nothing is missing)."""
    chips = r["chips"]
    reasons = {}
    for chip, row in chips.iterrows():
        why = []
        if pd.isna(row["hbm_bandwidth_tb_s"]) or pd.isna(row["hbm_gb"]):
            why.append("no published HBM bandwidth or capacity")
        if r["cost_basis"] == "rental":
            pass
        else:
            if pd.isna(row["price_usd"]):
                why.append("no sourced price")
            if pd.isna(row["max_w_per_chip"]):
                why.append("no published TDP or system power")
        reasons[chip] = "; ".join(why)
    return pd.Series(reasons)


def _band_column(r: dict, column: str, fmt) -> list[str]:
    """The P10–P90 band of ``column`` for every chip, as text."""
    return [_band(a, b, fmt) for a, b in zip(r["p10"][column], r["p90"][column])]


def throughput_table(r: dict) -> pd.DataFrame:
    """Tokens/s per chip (P50 with P10–P90), decode bound and chips per replica, by chip id."""
    p50 = r["p50"]
    out = pd.DataFrame(
        {
            "prefill [computed tokens/s per chip]": p50["input_tokens_per_s_per_chip"],
            "prefill P10–P90": _band_column(r, "input_tokens_per_s_per_chip", present.count),
            "decode [output tokens/s per chip]": p50["output_tokens_per_s_per_chip"],
            "decode P10–P90": _band_column(r, "output_tokens_per_s_per_chip", present.count),
            "decode bound by": r["decode_bound"],
            "chips per replica": r["chips_per_replica"],
        }
    )
    return out


def cost_table(r: dict) -> pd.DataFrame:
    """$ per chip-hour and per million input/output tokens (P50 with P10–P90), by chip id."""
    p50 = r["p50"]
    out = pd.DataFrame(
        {
            "chip-hour [$]": p50["usd_per_chip_hour"],
            "$ per M input tokens": p50["usd_per_million_input_tokens"],
            "input P10–P90": _band_column(r, "usd_per_million_input_tokens", present.usd),
            "$ per M output tokens": p50["usd_per_million_output_tokens"],
            "output P10–P90": _band_column(r, "usd_per_million_output_tokens", present.usd),
            "$ per request": p50["usd_per_request"],
            "n/a because": missing_reasons(r),
        }
    )
    return out if out["n/a because"].astype(bool).any() else out.drop(columns="n/a because")


def _band(low, high, fmt) -> str:
    """``low–high`` in a reader's format, or n/a."""
    return present.NA if pd.isna(low) or pd.isna(high) else f"{fmt(low)}–{fmt(high)}"


def basis_text(r: dict) -> str:
    """One sentence naming the cost basis of the ranking."""
    if r["cost_basis"] == "rental":
        return (
            "**Cost basis: rental** — every chip in this ranking has a sourced on-demand rental price, so all "
            "are costed per rented chip-hour."
        )
    missing = [present.chip_name(c) for c in r["chips"].index[r["chips"]["usd_per_gpu_hour"].isna()]]
    return (
        f"**Cost basis: ownership for every chip** — {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} "
        f"no sourced rental price, so no chip is costed on rental: capex (price with server and network "
        f"markups where the price lacks them) over {present.count(r['years'])} years plus electricity at "
        f"{present.usd(r['site']['usd_per_kwh'])}/kWh and PUE {r['site']['pue']:.2f}, divided by "
        f"{present.pct(r['utilisation'])} of hours serving."
    )


def h20_training_ratio() -> float:
    """H20s per H100 in training: the one answer of the chip_parity report
    (:func:`analysis.assembly.chip_parity.chips_per_reference`)."""
    from . import chip_parity

    return float(chip_parity.chips_per_reference("h20", reference_chip="h100-sxm", workload="training"))


def findings(r: dict, *, training_ratio: float | None = None) -> str:
    """Key findings as markdown: the cheapest output and input tokens on the report's basis (P50
    with band), the H20 against the H100 in decode and in training, DeepSeek's disclosure."""
    p50, p10, p90 = r["p50"], r["p10"], r["p90"]
    lines = []
    for figure, what in (("usd_per_million_output_tokens", "output"), ("usd_per_million_input_tokens", "input")):
        known = p50[figure].dropna()
        if known.empty:
            lines.append(f"- No chip in this list has every figure its {what}-token cost needs (n/a).")
            continue
        best = known.idxmin()
        lines.append(
            f"- Cheapest {what} tokens ({r['cost_basis']} basis): **{present.chip_name(best)}** at "
            f"**{present.usd(known[best])} per million** (P10–P90 {present.usd(p10.loc[best, figure])}–"
            f"{present.usd(p90.loc[best, figure])})."
        )
    if {"h20", "h100-sxm"} <= set(p50.index):
        ratio = p50.loc["h20", "output_tokens_per_s_per_chip"] / p50.loc["h100-sxm", "output_tokens_per_s_per_chip"]
        text = (
            f"- **H20 against H100 in decode**: {ratio:.2f} × the H100's output tokens per second at batch "
            f"{present.count(r['p']['batch_size'])} (H20 bound by {r['decode_bound']['h20']}, H100 by "
            f"{r['decode_bound']['h100-sxm']})."
        )
        if training_ratio is not None:
            text += (
                f" In training one H100 takes **{training_ratio:.2f} H20s** (the chip_parity report's answer: "
                "sustained training rate per chip)."
            )
        lines.append(text)
    if "h800-sxm" in p50.index and r["p"]["model"] == "deepseek-v3":
        lines.append(
            f"- **H800 against DeepSeek's disclosure** (Feb 2025, 24-hour average): this report's workload "
            f"gives {present.count(p50.loc['h800-sxm', 'input_tokens_per_s_per_chip'])} computed input and "
            f"{present.count(p50.loc['h800-sxm', 'output_tokens_per_s_per_chip'])} output tokens/s per GPU; "
            f"DeepSeek served {present.count(_reference('deepseek-serving-prefill-computed-per-h800'))} "
            f"computed (cache-miss) input and {present.count(_reference('deepseek-serving-decode-per-h800'))} "
            "output tokens/s per GPU on its own, longer contexts — the validation section runs that setup."
        )
    return "\n".join(lines)


def answer(r: dict) -> str:
    """The one-paragraph answer at the top of the report."""
    known = r["p50"]["usd_per_million_output_tokens"].dropna()
    if known.empty:
        return "No chip in this list has every figure a cost per token needs; the tables below say which is missing."
    order = known.sort_values()
    best, worst = order.index[0], order.index[-1]
    return (
        f"Serving {r['name']} at batch {present.count(r['p']['batch_size'])} with "
        f"{present.count(r['p']['input_tokens'])}-token prompts, **{present.chip_name(best)}** gives the "
        f"cheapest output tokens at **{present.usd(order[best])} per million** (P10–P90 "
        f"{present.usd(r['p10'].loc[best, 'usd_per_million_output_tokens'])}–"
        f"{present.usd(r['p90'].loc[best, 'usd_per_million_output_tokens'])}); {present.chip_name(worst)} "
        f"costs {order[worst] / order[best]:.1f} × as much. All chips are costed on one basis "
        f"(**{r['cost_basis']}**). The bands cover the chip prices, TDPs and rentals, electricity price, PUE, "
        f"utilisation (MFU) and HBM efficiency (±25 %)."
    )


def parameter_appendix(r: dict) -> dict:
    """Arguments of :func:`present.parameters_table`: the parameters, the value used where one was
    left at None, where that value comes from, and each parameter's meaning."""
    resolved = {
        "mfu": round(r["mfu"], 4),
        "utilisation": round(r["utilisation"], 4),
        "usd_per_kwh": r["site"]["usd_per_kwh"],
        "pue": r["site"]["pue"],
        "load_factor": r["load_factor"],
        "server_power_ratio": r["server_power_ratio"],
        "years": r["years"],
    }
    origins = {
        "mfu": "calibrated on SGLang's H100 prefill, LMSYS 2025",
        "utilisation": "DeepSeek's average / peak serving nodes, Feb 2025",
        "usd_per_kwh": f"region {r['site']['region']}",
        "pue": f"region {r['site']['region']}",
        "load_factor": "Epoch AI",
        "server_power_ratio": "Epoch AI",
        "years": "SemiAnalysis TCO horizon",
    }
    return {
        "parameters": r["p"],
        "resolved": resolved,
        "origins": origins,
        "help": {name: spec.help for name, spec in PARAMETERS.items()},
    }


def key_figures(r: dict) -> dict:
    """The JSON contract: ``chips`` {id: {figure (P50), figure_p10, figure_p90, …}}, ``cost_basis``."""
    chips = {}
    for chip in r["chips"].index:
        entry = {"usd_per_chip_hour": r["p50"].loc[chip, "usd_per_chip_hour"]}
        for name in BANDED:
            entry[name] = r["p50"].loc[chip, name]
            entry[f"{name}_p10"] = r["p10"].loc[chip, name]
            entry[f"{name}_p90"] = r["p90"].loc[chip, name]
        entry["decode_bound"] = r["decode_bound"][chip]
        chips[chip] = entry
    return {"chips": chips, "cost_basis": r["cost_basis"], "mfu": r["mfu"], "utilisation": r["utilisation"]}


def source_keys(r: dict) -> list[str]:
    """Source keys behind the report beyond the chips and region."""
    refs = load("serving_references")
    return list(
        dict.fromkeys(
            keys_in(refs)
            + keys_in(load("models").loc[[r["p"]["model"]]])
            + ["palm-paper", "deepseek-v2-paper", "epoch-training-cost-trends"]
        )
    )


# ---------------------------------------------------------------------------------------------
# Validation: the model's value with default parameters for published serving cases


def _model(model_id: str):
    return lookup(load("models"), model_id, "model")


def validation_prefill_tokens_per_s(case: str, *, mfu: float | None = None) -> float:
    """Modelled computed (cache-miss) prefill tokens/s per chip for a published case, with default
    parameters and only the case's disclosed setup entered.

    ``deepseek-h800``: DeepSeek-V3/R1 on H800, FP8 matmuls, BF16 attention; prompts taken as the
    disclosed average KV length (4,989 tokens) with 56.3 % of them cached, so a computed token
    attends to 4,989 × (0.563 + 0.437 / 2) = 3,899 tokens. Measured: 4,026 (73.7k / 8 × 0.437).
    ``cloudmatrix-910c``: DeepSeek-R1 INT8 on one Ascend 910C package, fresh 4,096-token prompts
    (mean attended 2,048). Measured: 6,688 (perfect EPLB) / 5,655 (default EPLB).
    """
    model = _model("deepseek-v3")
    mfu = calibrated_mfu() if mfu is None else mfu
    if case == "deepseek-h800":
        chip = "h800-sxm"
        attended = inference.mean_attended_tokens(
            _reference("deepseek-serving-kv-length"), cached_share=_reference("deepseek-serving-cache-hit-share")
        )
    elif case == "cloudmatrix-910c":
        chip, attended = "ascend-910c", inference.mean_attended_tokens(4_096)
    else:
        raise ValueError(f"unknown prefill case {case!r}; expected deepseek-h800 or cloudmatrix-910c")
    matmul, attention = _peaks_of(chip)
    return float(
        inference.prefill_tokens_per_s(
            matmul,
            model["active_params"],
            mfu,
            attention_peak_tflops=attention,
            attention_flop_per_token=inference.model_attention_flop_per_token(model, attended, phase="prefill"),
        )
    )


def validation_decode_tokens_per_s(
    case: str, *, mfu: float | None = None, hbm_efficiency: float | None = None, batch_size: int | None = None
) -> float:
    """Modelled decode output tokens/s per chip for a published case, default parameters.

    ``deepseek-h800``: DeepSeek-V3 on H800, FP8 weights, BF16 latent KV cache, context = the
    disclosed average KV length 4,989; the batch is not disclosed, so the report's default batch
    (:data:`PARAMETERS`) is used. Measured: 1,850 (14.8k / 8).
    ``cloudmatrix-910c``: DeepSeek-R1 INT8 on Ascend 910C, batch 96 per NPU × 160 NPUs per decode
    instance, KV length 4,096 (multi-token prediction not modelled). Measured: 1,943.
    """
    model = _model("deepseek-v3")
    mfu = calibrated_mfu() if mfu is None else mfu
    hbm = PARAMETERS["hbm_efficiency"].default if hbm_efficiency is None else hbm_efficiency
    if case == "deepseek-h800":
        chip, context = "h800-sxm", _reference("deepseek-serving-kv-length")
        batch = PARAMETERS["batch_size"].default if batch_size is None else batch_size
    elif case == "cloudmatrix-910c":
        chip, context = "ascend-910c", 4_096
        batch = (
            _reference("cloudmatrix-decode-batch-per-npu") * _reference("cloudmatrix-decode-npus")
            if batch_size is None
            else batch_size
        )
    else:
        raise ValueError(f"unknown decode case {case!r}; expected deepseek-h800 or cloudmatrix-910c")
    matmul, attention = _peaks_of(chip)
    bandwidth = float(load("chips").loc[chip, "hbm_bandwidth_tb_s"])
    rate, _ = inference.decode_tokens_per_s(
        matmul,
        bandwidth,
        model,
        batch,
        context,
        1.0,
        mfu,
        hbm,
        attention_peak_tflops=attention,
        attention_flop_per_token=inference.model_attention_flop_per_token(model, context, phase="decode"),
    )
    return float(rate)


def validation_llama2_decode_latency_s(*, mfu: float | None = None, hbm_efficiency: float | None = None) -> float:
    """Modelled total decode latency [s] of Llama-2-70B on 2 × A100-SXM-80GB, TP 2, batch 1,
    512 prompt + 512 generated tokens, 16-bit weights and KV: the sum over the 512 steps (context
    512 … 1,023) of the step time of the 2-chip replica, 1 / (2 × tokens/s per chip). llm-analysis
    asserts 18.06 s at 100 % efficiencies (a model output); pass ``mfu=1, hbm_efficiency=1`` for
    the like-for-like value."""
    model = _model("llama-2-70b")
    mfu = calibrated_mfu() if mfu is None else mfu
    hbm = PARAMETERS["hbm_efficiency"].default if hbm_efficiency is None else hbm_efficiency
    chip = load("chips").loc["a100-sxm-80gb"]
    context = 512 + np.arange(512)
    rate, _ = inference.decode_tokens_per_s(
        chip["bf16_dense_tflops"],
        chip["hbm_bandwidth_tb_s"],
        model,
        1,
        context,
        2.0,
        mfu,
        hbm,
        attention_flop_per_token=inference.model_attention_flop_per_token(model, context, phase="decode"),
    )
    return float(np.sum(1.0 / (2 * rate)))


def validation_cases() -> pd.DataFrame:
    """Every serving case: measured, modelled (defaults), error (modelled / measured − 1), source."""
    rows = [
        (
            "DeepSeek H800 prefill (computed)",
            "deepseek-serving-prefill-computed-per-h800",
            validation_prefill_tokens_per_s("deepseek-h800"),
        ),
        ("DeepSeek H800 decode", "deepseek-serving-decode-per-h800", validation_decode_tokens_per_s("deepseek-h800")),
        (
            "CloudMatrix 910C prefill, ideal",
            "cloudmatrix-prefill-per-npu",
            validation_prefill_tokens_per_s("cloudmatrix-910c"),
        ),
        (
            "CloudMatrix 910C prefill",
            "cloudmatrix-prefill-per-npu-measured",
            validation_prefill_tokens_per_s("cloudmatrix-910c"),
        ),
        ("CloudMatrix 910C decode", "cloudmatrix-decode-per-npu", validation_decode_tokens_per_s("cloudmatrix-910c")),
        (
            "Llama-2-70B decode [s]",
            "llm-analysis-llama2-70b-decode-latency",
            validation_llama2_decode_latency_s(mfu=1.0, hbm_efficiency=1.0),
        ),
    ]
    refs = load("serving_references")
    return pd.DataFrame(
        [
            {
                "name": name,
                "measured": refs.loc[ref, "value"],
                "modelled": value,
                "error": value / refs.loc[ref, "value"] - 1,
                "source": refs.loc[ref, "source"],
                "role": refs.loc[ref, "role"],
            }
            for name, ref, value in rows
        ]
    )
