"""Interconnect-aware scaling: how much of a training step is lost to communication.

step time = computation + (1 − overlap) × communication, per chip and per step, with the
communication time from the bytes each chip moves in the collectives of the parallelism used:

* tensor parallelism (TP): 4 ring all-reduces of activations per layer (2 forward, 2 backward)
  inside a node, over NVLink;
* expert parallelism (EP, mixture-of-experts): an all-to-all dispatch and combine per MoE layer,
  forward and backward. With node-limited routing a token crosses the network once per target
  node and is forwarded to its experts over NVLink; the two links work concurrently, so the
  slower one sets the time (DeepSeek-V3 report, Sec. 3.2.2);
* data parallelism (DP): one ring all-reduce of the gradients a chip holds, over the network.

Pipeline-parallel point-to-point traffic is small next to these and is left out. Link speeds are
per direction: a chip's catalog interconnect (bidirectional) / 2 × an achieved-efficiency factor.
Everything is vectorized over chips (numpy arrays).
"""

from __future__ import annotations

import numpy as np

BF16_BYTES = 2.0

#: Share of dense BF16 peak the matrix math reaches while not waiting for communication, in this
#: interconnect model: an assumption of this package (source key ``package-assumption``), no
#: published figure. It sets how large communication is next to computation; reports carry a
#: measured MFU over between chips by the ratio of the scaling efficiencies it gives.
COMPUTE_EFFICIENCY = 0.5


def link_gb_s(interconnect_gb_s, efficiency=1.0):
    """Usable bandwidth per direction of a chip-to-chip link [GB/s]: bidirectional rate / 2 ×
    the achieved share (DeepSeek measured 160 GB/s on the H800's 400 GB/s NVLink: 0.8).

    Source: definition; deepseek-v3-report."""
    return np.asarray(interconnect_gb_s, dtype=float) / 2.0 * efficiency


def ring_allreduce_s(bytes_per_chip, chips_in_ring, link_gb_s_per_direction):
    """Time of a ring all-reduce [s]: each chip sends and receives 2 (n − 1) / n × the buffer.

    Source: definition."""
    n = np.asarray(chips_in_ring, dtype=float)
    return (
        2.0
        * (n - 1.0)
        / n
        * np.asarray(bytes_per_chip, dtype=float)
        / (np.asarray(link_gb_s_per_direction, dtype=float) * 1e9)
    )


def transfer_s(bytes_moved, link_gb_s_per_direction):
    """Time to push ``bytes_moved`` through a link [s].

    Source: definition."""
    return np.asarray(bytes_moved, dtype=float) / (np.asarray(link_gb_s_per_direction, dtype=float) * 1e9)


def step_time_s(compute_s, communication_s, overlap):
    """Step time [s] = computation + (1 − overlap) × communication; ``overlap`` in [0, 1] is the
    share of communication hidden behind computation (DualPipe hides nearly all of it).

    Source: package-assumption; deepseek-v3-report."""
    return np.asarray(compute_s, dtype=float) + (1.0 - overlap) * np.asarray(communication_s, dtype=float)


def training_step(
    bf16_dense_tflops, interconnect_gb_s, *, model, config, compute_efficiency=COMPUTE_EFFICIENCY, overlap=0.0
) -> dict:
    """Per-chip step breakdown [s] of a published parallel configuration run on chips with the
    given dense BF16 peak [TFLOP/s] and bidirectional interconnect [GB/s] (arrays, one per chip).

    ``model`` is a mapping with ``active_params``, ``total_params``, ``layers``, ``hidden_size``,
    ``moe_layers``, ``experts_per_token`` (a row of data/models.csv); ``config`` one with
    ``tokens_per_step``, ``chips``, ``tensor_parallel``, ``pipeline_parallel``,
    ``expert_parallel``, ``data_parallel``, ``ep_nodes_per_token``, ``dispatch_bytes``,
    ``combine_bytes``, ``network_gb_s_per_chip`` and ``nvlink_efficiency`` (a row of
    data/parallel_configs.csv). ``compute_efficiency`` is the share of dense BF16 peak the matrix
    math reaches while not waiting for communication (an assumption; MFU = it × scaling
    efficiency). Returns arrays ``compute_s``, ``tp_s``, ``ep_s``, ``dp_s``, ``communication_s``,
    ``step_s`` and ``scaling_efficiency`` = compute / step.

    Source: kaplan-2020; megatron-2021; deepseek-v3-report; package-assumption.
    """
    peak = np.asarray(bf16_dense_tflops, dtype=float)
    zeros = np.zeros(peak.shape)
    tokens = config["tokens_per_step"] / config["chips"]  # tokens per chip per step
    nvlink = link_gb_s(interconnect_gb_s, config["nvlink_efficiency"])
    network = config["network_gb_s_per_chip"]

    compute_s = 6.0 * model["active_params"] * tokens / (peak * 1e12 * compute_efficiency)
    tp = config["tensor_parallel"]
    tp_bytes = tokens * tp * model["layers"] * 4 * model["hidden_size"] * BF16_BYTES
    tp_s = ring_allreduce_s(tp_bytes, tp, nvlink) if tp > 1 else zeros
    token_bytes = (
        tokens * model["moe_layers"] * model["hidden_size"] * (config["dispatch_bytes"] + config["combine_bytes"]) * 2
    )  # forward and backward
    ep_network_s = transfer_s(token_bytes * config["ep_nodes_per_token"], network)
    ep_nvlink_s = transfer_s(token_bytes * model["experts_per_token"], nvlink)
    ep_s = np.maximum(ep_network_s, ep_nvlink_s) if config["expert_parallel"] > 1 else zeros
    grad_bytes = model["total_params"] / (tp * config["pipeline_parallel"] * config["expert_parallel"]) * BF16_BYTES
    dp_s = zeros + ring_allreduce_s(grad_bytes, config["data_parallel"], network)
    communication_s = tp_s + ep_s + dp_s
    step_s = step_time_s(compute_s, communication_s, overlap)
    return {
        "compute_s": compute_s,
        "tp_s": tp_s + zeros,
        "ep_s": ep_s + zeros,
        "dp_s": dp_s,
        "communication_s": communication_s,
        "step_s": step_s,
        "scaling_efficiency": compute_s / step_s,
    }
