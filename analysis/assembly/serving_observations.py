"""The serving model's observations: each published serving throughput's implied utilisation by
the inference_cost report's own serving formulas (``data/serving_observations.csv``,
:func:`implied`) and the prior the serving model draws its utilisation from (:func:`prior`); each
published deployment's decode batch per replica (``data/decode_batches.csv``,
:func:`decode_batches`) and the prior the decode batch is drawn from (:func:`batch_prior`).

No row is a validation case's measurement (``tests/test_serving_observations.py``): the SGLang
H100 prefill rows are the same deployment as the validation case of its decode, the GB200
prefill the same team's later software as the GB200 decode case, but neither measures a case's
quantity.

Inclusion rule for decode observations (``data/decode_observations.csv``; issue 19, written and
committed on 2026-12-07 before any share of a new row was computed; it applies to every row,
old and new):

1. Sources (primary only): (a) MLPerf Inference results published by MLCommons in its results
   repositories — Datacenter, Closed division, Offline scenario, status "available", result
   VALID — for the LLM benchmarks whose model has a ``models.csv`` row (llama2-70b, its 99 and
   99.9 accuracy targets one benchmark; mixtral-8x7b; llama3.1-405b; deepseek-r1 as the
   DeepSeek-V3 architecture), in every round whose repository can be read (on 2026-12-07:
   v4.1 and v5.1; v5.0 has too many files to fetch here, v6.0 and v6.1 are not stored);
   (b) a vendor's own documented benchmark table that discloses model, chip, chips per model
   replica (parallel layout), precision and input and output tokens per request.
2. Rows: MLPerf — per round, benchmark and catalogued accelerator (``chips.csv``), the best
   result in output tokens/s per accelerator (system tokens/s ÷ accelerators) among systems of
   that one accelerator type, so nothing is picked; accelerators without a catalogue row and
   mixed systems are not entered. Vendor tables — every row whose model and chip are
   catalogued.
3. Precision: the weights' precision the result declares (MLPerf: ``weight_data_types`` of the
   submission's measurements JSON; a vendor table: its column). FP8 runs against the chip's
   dense FP8 peak and BF16/FP16 runs against its dense BF16 peak, as every existing row
   (:func:`analysis.assembly.inference_cost.serving_peaks`: attention at the BF16 peak); a row
   in a precision the serving model does not carry (FP4, INT4) is listed and excluded, and so
   is a row whose own published configuration contradicts its declaration (MLPerf v4.1
   results run on NVIDIA's code declare fp16 while their configurations set ``use_fp8``).
4. Prompts: a request's prefill FLOPs are counted at the same share as its decode
   (:func:`analysis.formulas.serving_utilisation.request_compute_share`) with the mean input and
   output tokens per request — a vendor table's ISL/OSL; for MLPerf the benchmark's means from
   MLCommons' own reference documentation (mlcommons/inference). An MLPerf benchmark whose mean
   input length that documentation does not give is listed and excluded: its prompt FLOPs
   cannot be counted.
5. Decode-dominated: a row counts only with output tokens ≥ input tokens (else its implied share
   is mostly prefill's).
6. Batch: as the source states it; an offline run that queues every request decodes the batch
   its KV cache holds (:func:`analysis.formulas.inference.capacity_batch`), the KV cache at the
   precision the source states, else 16-bit.
7. One setup = one observation: the operating points (lengths, batches) of one setup — one
   source document, chip, model, precision and chips per replica (column ``setup``) — count as
   ONE observation, the median of its usable points' shares; a point whose lengths are within
   5 % of another point of its setup at the same batch is listed and excluded (counted once).
   (Clarified after the rule's commit 020f15e, whose text named the lengths only: the same
   lengths at another stated batch — Oracle's batches 1 to 256 — are another operating point,
   as the data file had always treated them.)
8. A point is usable where compute binds in the roofline at the serving defaults (prefill
   utilisation, HBM efficiency 0.6) and no ``excluded`` reason applies; no row comes from a
   validation case's source (a test checks it).
9. Adoption: decode has its own utilisation with at least :data:`MIN_DECODE_OBSERVATIONS`
   observations (setups) from at least :data:`MIN_DECODE_SOURCES` source keys — their median,
   drawn over the setups' values — else it keeps the prefill utilisation.
"""

from __future__ import annotations

import pandas as pd

from ..catalog import load, lookup, per_data
from ..formulas import inference, utilisation
from ..formulas import serving_utilisation as formula


def _implied_one(row: pd.Series) -> float:
    """One observation's implied share: prefill compute share or decode HBM-bandwidth share
    (:mod:`analysis.formulas.serving_utilisation`); NaN for a decode row without a batch."""
    from . import inference_cost as serving  # the serving formulas (that report imports this module)

    chips = serving.serving_chips([row["chip_id"]], row["precision"])
    model = lookup(load("models"), row["model_id"], "model")
    measured = float(row["tokens_per_s_per_chip"])
    if row["phase"] == "prefill":
        attended = inference.mean_attended_tokens(float(row["context_tokens"]))
        at_full = serving.serving_prefill_tokens_per_s(chips, model, attended_tokens=attended, mfu=1.0)
        return float(formula.compute_share(measured, at_full[0]))
    if pd.isna(row["batch_size"]):
        return float("nan")
    batch = float(row["batch_size"])
    read = inference.weights_read_bytes(model, batch, inference.BYTES_PER_PARAM[row["precision"]])
    kv = inference.kv_cache_bytes(model, batch, float(row["context_tokens"]))
    bandwidth = float(chips["hbm_bandwidth_tb_s"].iloc[0])
    return float(formula.hbm_share(measured, bytes_per_step=read + kv, batch_size=batch, hbm_bandwidth_tb_s=bandwidth))


@per_data
def implied() -> pd.DataFrame:
    """``data/serving_observations.csv`` with ``implied_utilisation`` [share]: compute share for
    prefill rows, HBM-bandwidth share for decode rows, and ``usable`` (no ``excluded`` reason).
    Kept per version of the data (:func:`analysis.catalog.per_data`; each call gets a copy)."""
    frame = load("serving_observations")
    frame["implied_utilisation"] = [_implied_one(row) for _, row in frame.iterrows()]
    frame["usable"] = frame.index.isin(utilisation.usable(frame).index)
    return frame


def prior(phase: str = "prefill") -> formula.ServingPrior:
    """The serving utilisation prior of the usable observations of ``phase`` (``prefill``: the
    serving model's utilisation; ``decode``: the implied HBM-bandwidth shares, shown beside it)."""
    if phase not in ("prefill", "decode"):
        raise ValueError(f"phase {phase!r}: expected prefill or decode")
    rows = implied()
    rows = rows[rows["usable"] & (rows["phase"] == phase)]
    return formula.prior(rows["implied_utilisation"].to_numpy(), list(rows.index))


def decode_batches() -> pd.DataFrame:
    """``data/decode_batches.csv`` with ``batch_per_replica`` [sequences]: batch per chip × chips
    per replica (:func:`analysis.formulas.inference.batch_per_replica`), and ``usable`` (no
    ``excluded`` reason)."""
    frame = load("decode_batches")
    frame["batch_per_replica"] = inference.batch_per_replica(frame["batch_per_chip"], frame["chips_per_replica"])
    frame["usable"] = frame.index.isin(utilisation.usable(frame).index)
    return frame


def batch_per_replica(batch_id: str) -> float:
    """The batch per replica of one row of ``data/decode_batches.csv`` [sequences]: the setup of
    a validation case that runs that deployment."""
    return float(lookup(decode_batches(), batch_id, "decode batch")["batch_per_replica"])


def batch_prior(without_cases=()) -> formula.ServingPrior:
    """The decode batch prior: the usable published batches per replica [sequences] (P50: the
    default batch; the Monte Carlo draws the values). ``without_cases``: validation case ids whose
    rows (``validation_overlap``) are left out, so a case that exercises the default batch is
    judged against a prior fitted without its own deployment
    (:func:`analysis.formulas.utilisation.disjoint_from`)."""
    rows = decode_batches()
    rows = utilisation.disjoint_from(rows[rows["usable"]], without_cases)
    return formula.prior(rows["batch_per_replica"].to_numpy(), list(rows.index))


#: The pre-registered rule (module docstring, item 9): decode has its own utilisation with at
#: least this many observations (setups) from at least this many source keys (else it keeps
#: the prefill utilisation).
MIN_DECODE_OBSERVATIONS = 4
MIN_DECODE_SOURCES = 2


def _decode_one(row: pd.Series) -> tuple[float, float, bool]:
    """One decode observation: (batch per replica [sequences] — stated, or what the KV cache holds
    for an offline run, :func:`analysis.formulas.inference.capacity_batch` —, implied compute
    share, compute-bound in the roofline at the prefill utilisation and the default HBM
    efficiency); NaN, NaN, False for a row without input tokens or chips per replica, or in a
    precision the serving model does not carry (FP4)."""
    from . import inference_cost as serving  # the serving formulas (that report imports this module)

    unknown = pd.isna(row["input_tokens"]) or pd.isna(row["chips_per_replica"])
    if unknown or row["precision"] not in inference.BYTES_PER_PARAM:
        return float("nan"), float("nan"), False  # listed, never used (the inclusion rule, items 3-4)
    chips = serving.serving_chips([row["chip_id"]], row["precision"])
    model = lookup(load("models"), row["model_id"], "model")
    kv_scale = 0.5 if row["kv_cache_precision"] == "fp8" else 1.0
    inputs, outputs = float(row["input_tokens"]), float(row["output_tokens"])
    context = inputs + outputs / 2
    batch = row["batch_per_replica"]
    if pd.isna(batch):
        hbm_gb = float(chips["hbm_gb"].iloc[0])
        bytes_per_param = inference.BYTES_PER_PARAM[row["precision"]]
        batch = inference.capacity_batch(hbm_gb, row["chips_per_replica"], model, bytes_per_param, context, kv_scale)
    prefill = serving.serving_prefill_tokens_per_s(chips, model, attended_tokens=inputs / 2, mfu=1.0)[0]
    decode = serving.serving_decode_compute_tokens_per_s(chips, model, context_tokens=context, mfu=1.0)[0]
    share = formula.request_compute_share(
        float(row["output_tokens_per_s_per_chip"]),
        input_tokens=inputs,
        output_tokens=outputs,
        prefill_at_full=prefill,
        decode_at_full=decode,
    )
    _, bound = serving.serving_decode_tokens_per_s(
        chips,
        model,
        batch_size=float(batch),
        context_tokens=context,
        precision=row["precision"],
        mfu=prior().p50,
        hbm_efficiency=serving.PARAMETERS["hbm_efficiency"].default,
        kv_bytes_scale=kv_scale,
    )
    return float(batch), float(share), bool(bound[0] == "compute")


@per_data
def decode_implied() -> pd.DataFrame:
    """``data/decode_observations.csv`` with ``batch`` [sequences per replica], ``implied_utilisation``
    [share], ``compute_bound``, ``decode_dominated`` (output tokens ≥ input tokens) and ``usable``
    (compute-bound, decode-dominated and no ``excluded`` reason). Kept per version of the data."""
    frame = load("decode_observations")
    worked = [_decode_one(row) for _, row in frame.iterrows()]
    frame["batch"] = [w[0] for w in worked]
    frame["implied_utilisation"] = [w[1] for w in worked]
    frame["compute_bound"] = [w[2] for w in worked]
    frame["decode_dominated"] = frame["output_tokens"] >= frame["input_tokens"]
    usable = frame.index.isin(utilisation.usable(frame).index)
    frame["usable"] = usable & frame["compute_bound"] & frame["decode_dominated"]
    return frame


def decode_rows() -> list[str]:
    """The ids of the usable decode operating points (rows of ``data/decode_observations.csv``)."""
    rows = decode_implied()
    return list(rows.index[rows["usable"]])


def decode_setups() -> pd.DataFrame:
    """One observation per setup (the inclusion rule, item 7): by ``setup``, the median
    ``implied_utilisation`` [share] of its usable operating points, their count ``points`` and
    the setup's ``source``."""
    rows = decode_implied()
    rows = rows[rows["usable"]]
    grouped = rows.groupby("setup", sort=True)
    return pd.DataFrame(
        {
            "implied_utilisation": grouped["implied_utilisation"].median(),
            "points": grouped.size(),
            "source": grouped["source"].first(),
        }
    )


def decode_adopted() -> bool:
    """Whether decode has its own utilisation (the pre-registered rule, item 9): at least
    :data:`MIN_DECODE_OBSERVATIONS` setups with a usable decode point from at least
    :data:`MIN_DECODE_SOURCES` source keys."""
    setups = decode_setups()
    return len(setups) >= MIN_DECODE_OBSERVATIONS and setups["source"].nunique() >= MIN_DECODE_SOURCES


def decode_prior() -> formula.ServingPrior:
    """The decode utilisation prior: one implied compute share per setup (:func:`decode_setups`;
    P50: the decode utilisation where :func:`decode_adopted`; the Monte Carlo draws the values),
    ``obs_ids`` the setups."""
    setups = decode_setups()
    return formula.prior(setups["implied_utilisation"].to_numpy(), list(setups.index))
