"""Inference roofline: prefill and decode throughput per chip from compute, HBM bandwidth and
capacity, for a model of ``data/models.csv``.

* Prefill is compute-bound: a token costs 2 FLOP per active parameter in the matmuls plus the
  attention over the context it attends to (:func:`attention_flop_per_token`), so input tokens/s
  per chip = MFU / (2 · N_active / peak + attention FLOP / attention peak).
* Decode is bound by the slower of compute and memory. Each step reads the weights the batch
  touches — the dense part (attention, shared experts, embeddings) plus, for a mixture-of-experts
  model, the distinct routed experts the batch activates, E · (1 − (1 − k/E)^B) per MoE layer for
  B tokens choosing k of E experts uniformly — and every sequence's KV cache. Output tokens/s
  per chip = B / max(bytes / (HBM bandwidth × efficiency), B · 2 · N_active / (peak × MFU)).
  **B is the batch per model replica** — the sequences decoded together by all n chips one copy
  of the model is sharded over (:func:`batch_per_replica`: per chip × n), not per chip: with the
  model sharded over n chips both bounds scale by n, so the per-chip rate depends on the
  replica's batch B and not on n; n only has to satisfy the capacity floor.
  The compute bound counts the attention FLOPs of every sequence at its context length too.
* Capacity floor: chips whose usable HBM holds the weights and the batch's KV cache.

All functions broadcast over chips (pandas Series / numpy arrays).
"""

from __future__ import annotations

import numpy as np

#: Share of HBM capacity usable for weights and KV cache (the rest: activations, runtime,
#: fragmentation) — an assumption in the range vLLM's default gpu_memory_utilization of 0.9 sets.
USABLE_HBM_FRACTION = 0.9
BYTES_PER_PARAM = {"fp8": 1.0, "bf16": 2.0}


def expected_distinct_experts(routed_experts, experts_per_token, tokens):
    """Expected number of distinct routed experts ``tokens`` tokens activate in one MoE layer
    when each picks ``experts_per_token`` of ``routed_experts`` uniformly: E · (1 − (1 − k/E)^B).

    Uniform, independent routing is this package's assumption.

    Source: package-assumption.
    """
    e = np.asarray(routed_experts, dtype=float)
    safe = np.where(e > 0, e, 1.0)
    return np.where(e > 0, e * (1.0 - (1.0 - experts_per_token / safe) ** tokens), 0.0)


def batch_per_replica(batch_per_chip, chips_per_replica):
    """Sequences one model replica decodes together [sequences]: ``batch per chip × chips per
    replica`` (the chips one copy of the model is sharded over, e.g. DeepSeek's EP144 decode unit:
    144 H800). The decode roofline's batch is this per-replica figure.

    Source: definition.
    """
    return np.asarray(batch_per_chip, dtype=float) * np.asarray(chips_per_replica, dtype=float)


def weights_read_bytes(model, batch_size, bytes_per_param):
    """Weight bytes one decode step of a replica reads for a batch of ``batch_size`` sequences
    per replica [bytes]: dense part + activated experts.

    Each step reading every weight the batch touches once is this package's roofline assumption.

    Source: package-assumption.
    """
    expert_params = model["moe_layers"] * model["routed_experts"] * np.nan_to_num(model["params_per_expert"])
    dense_params = model["total_params"] - expert_params
    distinct = expected_distinct_experts(model["routed_experts"], model["experts_per_token"], batch_size)
    read = dense_params + model["moe_layers"] * distinct * np.nan_to_num(model["params_per_expert"])
    return read * bytes_per_param


def kv_cache_bytes(model, batch_size, context_tokens, kv_bytes_scale=1.0):
    """KV cache of ``batch_size`` sequences of ``context_tokens`` tokens [bytes];
    ``kv_bytes_scale`` rescales the catalog's BF16 figure (0.5 for an FP8 cache).

    Source: definition.
    """
    return model["kv_cache_bytes_per_token"] * kv_bytes_scale * batch_size * context_tokens


def attention_flop_per_token(context_tokens, *, layers, heads, qk_head_dim, v_head_dim):
    """Forward attention FLOPs of one token attending to ``context_tokens`` tokens [FLOP]:
    ``2 · layers · heads · (d_qk + d_v) · T`` — the scores (Q·Kᵀ, d_qk per head) and the weighted
    sum of values (d_v per head), 2 FLOP per multiply-add.

    With d_qk = d_v = Q this is the ``4 · L · H · Q · T`` of PaLM's FLOP count (Chowdhery et al.
    2022, arXiv 2204.02311, App. B: ``6N + 12LHQT`` per trained token, a third of it forward).
    For DeepSeek's MLA (DeepSeek-V2, arXiv 2405.04434, Sec. 2.1): prefill computes attention in
    the decompressed form, d_qk = 128 + 64 (RoPE) = 192 and d_v = 128; decode absorbs the
    up-projections and attends in the latent space, d_qk = d_c + d_R = 512 + 64 = 576 and
    d_v = d_c = 512 (:func:`attention_dims`).

    Source: palm-paper; deepseek-v2-paper.
    """
    return (
        2.0
        * np.asarray(layers, dtype=float)
        * heads
        * (np.asarray(qk_head_dim, dtype=float) + v_head_dim)
        * np.asarray(context_tokens, dtype=float)
    )


def attention_dims(model, *, phase: str) -> tuple[float, float]:
    """(d_qk, d_v) per head that attention runs at in ``phase`` (``prefill`` or ``decode``) for a
    row of ``models.csv``: the head dims, or for an MLA model in decode the absorbed latent dims
    (``mla_kv_rank + mla_rope_dim``, ``mla_kv_rank``); see :func:`attention_flop_per_token`.

    Source: deepseek-v2-paper.
    """
    rank = _number(model.get("mla_kv_rank"))
    if phase == "decode" and rank == rank:
        return rank + _number(model.get("mla_rope_dim")), rank
    return _number(model.get("qk_head_dim")), _number(model.get("v_head_dim"))


def _number(value) -> float:
    """A catalog cell as a float; NaN for an empty or missing cell."""
    try:
        return float(value) if value not in (None, "") else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def model_attention_flop_per_token(model, context_tokens, *, phase: str):
    """:func:`attention_flop_per_token` of a ``models.csv`` row in ``phase`` [FLOP].

    Source: palm-paper; deepseek-v2-paper.
    """
    qk, v = attention_dims(model, phase=phase)
    return attention_flop_per_token(
        context_tokens,
        layers=_number(model.get("layers")),
        heads=_number(model.get("attention_heads")),
        qk_head_dim=qk,
        v_head_dim=v,
    )


def mean_attended_tokens(prompt_tokens, *, cached_share=0.0):
    """Mean number of tokens a computed (cache-miss) prompt token attends to [tokens]:
    ``P · (h + (1 − h) / 2)`` for a prompt of P tokens whose first share h is already in the KV
    cache — each computed token sees the cached prefix and, causally, on average half of the
    computed part. ``h = 0`` (a fresh prompt) gives P / 2.

    Source: definition.
    """
    return np.asarray(prompt_tokens, dtype=float) * (cached_share + (1.0 - np.asarray(cached_share)) / 2.0)


def prefill_tokens_per_s(peak_tflops, active_params, mfu, *, attention_flop_per_token=0.0, attention_peak_tflops=None):
    """Input (computed) tokens per second per chip, compute-bound [tokens/s]:
    ``MFU / (2 · N_active / peak + attention FLOP / attention peak)``. The attention runs at
    ``attention_peak_tflops`` (default: the same peak; DeepSeek and Huawei run MLA's core in BF16
    while the matmuls run in 8 bits).

    A forward pass costs 2 FLOP per active parameter and token (Kaplan et al. 2020).

    Source: kaplan-2020; palm-paper.
    """
    peak = np.asarray(peak_tflops, dtype=float) * 1e12
    attention_peak = peak if attention_peak_tflops is None else np.asarray(attention_peak_tflops, dtype=float) * 1e12
    seconds_at_peak = 2.0 * np.asarray(active_params, dtype=float) / peak + attention_flop_per_token / attention_peak
    return np.asarray(mfu, dtype=float) / seconds_at_peak


def decode_tokens_per_s(
    peak_tflops,
    hbm_bandwidth_tb_s,
    model,
    batch_size,
    context_tokens,
    bytes_per_param,
    mfu,
    hbm_efficiency,
    kv_bytes_scale=1.0,
    *,
    attention_flop_per_token=0.0,
    attention_peak_tflops=None,
):
    """Output tokens per second per chip and the binding resource (``memory bandwidth`` or
    ``compute``): ``B / max(bytes read per step / (bandwidth × efficiency), B × (2 · N_active /
    peak + attention FLOP / attention peak) / MFU)``, with B = ``batch_size`` sequences per model
    replica (:func:`batch_per_replica`); a number or an array that broadcasts against the chips.

    The roofline (the slower of memory and compute binds) is this package's model.

    Source: package-assumption; kaplan-2020.
    """
    memory_bytes = weights_read_bytes(model, batch_size, bytes_per_param) + kv_cache_bytes(
        model, batch_size, context_tokens, kv_bytes_scale
    )
    memory_s = memory_bytes / (np.asarray(hbm_bandwidth_tb_s, dtype=float) * 1e12 * hbm_efficiency)
    compute_s = batch_size / prefill_tokens_per_s(
        peak_tflops,
        model["active_params"],
        mfu,
        attention_flop_per_token=attention_flop_per_token,
        attention_peak_tflops=attention_peak_tflops,
    )
    step_s = np.maximum(memory_s, compute_s)
    return batch_size / step_s, np.where(memory_s >= compute_s, "memory bandwidth", "compute")


def capacity_floor_chips(
    hbm_gb, model, bytes_per_param, batch_size=0, context_tokens=0, kv_bytes_scale=1.0, extra_bytes_per_param=0.0
):
    """Chips needed just to hold the weights (+ ``extra_bytes_per_param``, e.g. 14 for mixed-
    precision Adam state and master weights in training) and the batch's KV cache [chips]. Whole
    chips (int) where every capacity is known and the count fits an int64 (floats above 2⁶³, e.g. for a
    10³² parameter model); NaN for a chip without a published capacity.

    The usable share of HBM (``USABLE_HBM_FRACTION``, 0.9) is assumed; 14 extra bytes per parameter
    are ZeRO's 16 bytes of mixed-precision Adam state less the 2 of the BF16 weights.

    Source: package-assumption; zero-2020.
    """
    needed = model["total_params"] * (bytes_per_param + extra_bytes_per_param) + kv_cache_bytes(
        model, batch_size, context_tokens, kv_bytes_scale
    )
    chips = np.ceil(needed / (np.asarray(hbm_gb, dtype=float) * 1e9 * USABLE_HBM_FRACTION))
    return chips.astype(int) if np.all(np.isfinite(chips) & (chips < 2.0**63)) else chips  # int where int64 holds it


def capacity_batch(hbm_gb, chips, model, bytes_per_param, context_tokens, kv_bytes_scale=1.0):
    """Sequences per replica whose KV cache fits beside the weights on ``chips`` chips [sequences]:
    ``floor((chips × HBM × usable share − total params × bytes per param) / (KV bytes per token ×
    scale × context))`` — the batch of an offline run that queues every request, bounded by its
    KV cache (the inverse of :func:`capacity_floor_chips`).

    The usable share of HBM (``USABLE_HBM_FRACTION``, 0.9) is this package's assumption.

    Source: package-assumption.
    """
    free = np.asarray(chips, dtype=float) * np.asarray(hbm_gb, dtype=float) * 1e9 * USABLE_HBM_FRACTION
    free = free - model["total_params"] * bytes_per_param
    return np.floor(free / kv_cache_bytes(model, 1.0, context_tokens, kv_bytes_scale))


def chip_hours_for_tokens(tokens, tokens_per_s_per_chip):
    """Chip-hours that serve ``tokens`` at ``tokens_per_s_per_chip`` [chip-h]:
    ``tokens / (tokens/s per chip × 3,600 s/h)``.

    Source: definition.
    """
    return np.asarray(tokens, dtype=float) / (np.asarray(tokens_per_s_per_chip, dtype=float) * 3_600.0)


def token_revenue_usd(tokens, usd_per_million_tokens):
    """Revenue of ``tokens`` billed at an API price [USD]: ``tokens / 10⁶ × USD per million tokens``
    (DeepSeek's API prices are per million tokens, cache hits, cache misses and output apart).

    Source: deepseek-api-pricing.
    """
    return np.asarray(tokens, dtype=float) / 1e6 * np.asarray(usd_per_million_tokens, dtype=float)
