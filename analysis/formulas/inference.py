"""Inference roofline: prefill and decode throughput per chip from compute, HBM bandwidth and
capacity, for a model of ``data/models.csv``.

* Prefill is compute-bound: a token costs 2 FLOP per active parameter, so input tokens/s per chip
  = dense peak × MFU / (2 · N_active).
* Decode is bound by the slower of compute and memory. Each step reads the weights the batch
  touches — the dense part (attention, shared experts, embeddings) plus, for a mixture-of-experts
  model, the distinct routed experts the batch activates, E · (1 − (1 − k/E)^B) per MoE layer for
  B tokens choosing k of E experts uniformly — and every sequence's KV cache. Output tokens/s
  per chip = B / max(bytes / (HBM bandwidth × efficiency), B · 2 · N_active / (peak × MFU)).
  With the model sharded over n chips both bounds scale by n, so the per-chip rate does not
  depend on n; n only has to satisfy the capacity floor.
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
    when each picks ``experts_per_token`` of ``routed_experts`` uniformly: E · (1 − (1 − k/E)^B)."""
    e = np.asarray(routed_experts, dtype=float)
    safe = np.where(e > 0, e, 1.0)
    return np.where(e > 0, e * (1.0 - (1.0 - experts_per_token / safe) ** tokens), 0.0)


def weights_read_bytes(model, batch_size, bytes_per_param):
    """Weight bytes one decode step reads for a batch [bytes]: dense part + activated experts."""
    expert_params = model["moe_layers"] * model["routed_experts"] * np.nan_to_num(model["params_per_expert"])
    dense_params = model["total_params"] - expert_params
    distinct = expected_distinct_experts(model["routed_experts"], model["experts_per_token"], batch_size)
    read = dense_params + model["moe_layers"] * distinct * np.nan_to_num(model["params_per_expert"])
    return read * bytes_per_param


def kv_cache_bytes(model, batch_size, context_tokens, kv_bytes_scale=1.0):
    """KV cache of ``batch_size`` sequences of ``context_tokens`` tokens [bytes];
    ``kv_bytes_scale`` rescales the catalog's BF16 figure (0.5 for an FP8 cache)."""
    return model["kv_cache_bytes_per_token"] * kv_bytes_scale * batch_size * context_tokens


def prefill_tokens_per_s(peak_tflops, active_params, mfu):
    """Input tokens per second per chip, compute-bound [tokens/s]."""
    return np.asarray(peak_tflops, dtype=float) * 1e12 * mfu / (2.0 * active_params)


def decode_tokens_per_s(peak_tflops, hbm_bandwidth_tb_s, model, batch_size, context_tokens,
                        bytes_per_param, mfu, hbm_efficiency, kv_bytes_scale=1.0):
    """Output tokens per second per chip and the binding resource (``memory`` or ``compute``)."""
    memory_bytes = (weights_read_bytes(model, batch_size, bytes_per_param)
                    + kv_cache_bytes(model, batch_size, context_tokens, kv_bytes_scale))
    memory_s = memory_bytes / (np.asarray(hbm_bandwidth_tb_s, dtype=float) * 1e12 * hbm_efficiency)
    compute_s = batch_size * 2.0 * model["active_params"] / (np.asarray(peak_tflops, dtype=float) * 1e12 * mfu)
    step_s = np.maximum(memory_s, compute_s)
    return batch_size / step_s, np.where(memory_s >= compute_s, "memory bandwidth", "compute")


def capacity_floor_chips(hbm_gb, model, bytes_per_param, batch_size=0, context_tokens=0,
                         kv_bytes_scale=1.0, extra_bytes_per_param=0.0):
    """Chips needed just to hold the weights (+ ``extra_bytes_per_param``, e.g. 14 for mixed-
    precision Adam state and master weights in training) and the batch's KV cache [chips]."""
    needed = (model["total_params"] * (bytes_per_param + extra_bytes_per_param)
              + kv_cache_bytes(model, batch_size, context_tokens, kv_bytes_scale))
    return np.ceil(needed / (np.asarray(hbm_gb, dtype=float) * 1e9 * USABLE_HBM_FRACTION)).astype(int)
