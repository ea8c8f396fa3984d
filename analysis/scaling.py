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
Everything is vectorized over chips (pandas Series / numpy arrays).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import load, lookup

BF16_BYTES = 2.0


def link_gb_s(interconnect_gb_s, efficiency=1.0):
    """Usable bandwidth per direction of a chip-to-chip link [GB/s]: bidirectional rate / 2 ×
    the achieved share (DeepSeek measured 160 GB/s on the H800's 400 GB/s NVLink: 0.8)."""
    return np.asarray(interconnect_gb_s, dtype=float) / 2.0 * efficiency


def ring_allreduce_s(bytes_per_chip, chips_in_ring, link_gb_s_per_direction):
    """Time of a ring all-reduce [s]: each chip sends and receives 2 (n − 1) / n × the buffer."""
    n = np.asarray(chips_in_ring, dtype=float)
    return 2.0 * (n - 1.0) / n * np.asarray(bytes_per_chip, dtype=float) / (
        np.asarray(link_gb_s_per_direction, dtype=float) * 1e9)


def transfer_s(bytes_moved, link_gb_s_per_direction):
    """Time to push ``bytes_moved`` through a link [s]."""
    return np.asarray(bytes_moved, dtype=float) / (np.asarray(link_gb_s_per_direction, dtype=float) * 1e9)


def step_time_s(compute_s, communication_s, overlap):
    """Step time [s] = computation + (1 − overlap) × communication; ``overlap`` in [0, 1] is the
    share of communication hidden behind computation (DualPipe hides nearly all of it)."""
    return np.asarray(compute_s, dtype=float) + (1.0 - overlap) * np.asarray(communication_s, dtype=float)


def training_step(config_id: str, chip_ids, compute_efficiency: float = 0.5,
                  overlap: float = 0.0) -> pd.DataFrame:
    """Per-chip step breakdown of a published parallel configuration run on each chip.

    ``compute_efficiency`` is the share of dense BF16 peak the matrix math reaches while not
    waiting for communication (an assumption; MFU = it × scaling efficiency). Returns, per chip:
    ``compute_s``, ``tp_s``, ``ep_s``, ``dp_s``, ``communication_s``, ``step_s`` and
    ``scaling_efficiency`` = compute / step.
    """
    cfg = lookup(load("parallel_configs"), config_id, "parallel configuration")
    model = lookup(load("models"), cfg["model_id"], "model")
    chips = load("chips").loc[[lookup(load("chips"), c, "chip").name for c in chip_ids]]
    tokens = cfg["tokens_per_step"] / cfg["chips"]  # tokens per chip per step
    nvlink = link_gb_s(chips["interconnect_gb_s"], cfg["nvlink_efficiency"])
    network = cfg["network_gb_s_per_chip"]

    compute_s = 6.0 * model["active_params"] * tokens / (chips["bf16_dense_tflops"] * 1e12
                                                         * compute_efficiency)
    tp = cfg["tensor_parallel"]
    tp_bytes = tokens * tp * model["layers"] * 4 * model["hidden_size"] * BF16_BYTES
    tp_s = ring_allreduce_s(tp_bytes, tp, nvlink) if tp > 1 else np.zeros(len(chips))
    token_bytes = tokens * model["moe_layers"] * model["hidden_size"] * (
        cfg["dispatch_bytes"] + cfg["combine_bytes"]) * 2  # forward and backward
    ep_network_s = transfer_s(token_bytes * cfg["ep_nodes_per_token"], network)
    ep_nvlink_s = transfer_s(token_bytes * model["experts_per_token"], nvlink)
    ep_s = np.maximum(ep_network_s, ep_nvlink_s) if cfg["expert_parallel"] > 1 else np.zeros(len(chips))
    grad_bytes = model["total_params"] / (tp * cfg["pipeline_parallel"] * cfg["expert_parallel"]) * BF16_BYTES
    dp_s = np.full(len(chips), float(ring_allreduce_s(grad_bytes, cfg["data_parallel"], network)))

    out = pd.DataFrame({"compute_s": compute_s, "tp_s": tp_s, "ep_s": ep_s, "dp_s": dp_s},
                       index=chips.index)
    out["communication_s"] = out[["tp_s", "ep_s", "dp_s"]].sum(axis=1)
    out["step_s"] = step_time_s(out["compute_s"], out["communication_s"], overlap)
    out["scaling_efficiency"] = out["compute_s"] / out["step_s"]
    return out
