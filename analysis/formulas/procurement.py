"""Procurement arithmetic: whole chips a budget buys, the compute-optimal model a compute budget
trains, and how a fleet split into clusters loses time to interruptions.

Sources:

* Chinchilla (Hoffmann et al. 2022, arXiv 2203.15556): compute-optimal training uses about
  ``D = 20`` tokens per parameter, so with ``C = 6 · N · D`` the optimal model for a compute
  budget is ``N = sqrt(C / (6 · 20)) = sqrt(C / 120)``.
* Goodput per cluster: :mod:`analysis.formulas.goodput` (interruptions scale with the chips of one
  job, so a fleet split into smaller clusters loses less time per chip than one large cluster).
"""

from __future__ import annotations

import numpy as np

from . import goodput as _goodput
from .compute import MODEL_FLOP_PER_PARAM_TOKEN

CHINCHILLA_TOKENS_PER_PARAM = 20.0
#: Accelerators per server board (HGX/DGX, OAM platforms, Atlas 800): the unit most are sold in.
CHIPS_PER_SERVER = 8


def compute_optimal_params(training_flop, *, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    """Largest compute-optimal model for a compute budget [parameters]:
    ``N = sqrt(C / (6 · tokens per parameter))`` = ``sqrt(C / 120)`` at Chinchilla's 20.

    Source: hoffmann-2022; kaplan-2020.
    """
    return np.sqrt(np.asarray(training_flop, dtype=float) / (MODEL_FLOP_PER_PARAM_TOKEN * tokens_per_param))


def chips_for_budget(budget_usd, price_usd, *, chips_per_unit=CHIPS_PER_SERVER):
    """Whole chips a budget buys [chips]: ``floor(budget / price / k) · k`` with ``k`` chips per
    purchase unit (8 for a server board, 1 for a PCIe card). NaN where the price is unknown or not
    positive (the chip cannot be bought at a stated price).

    Buying by boards of 8 accelerators (as in the DGX H100 and DGX B200) is this package's
    assumption.

    Source: package-assumption; dgx-h100-power; dgx-b200-datasheet-repro.
    """
    budget = np.asarray(budget_usd, dtype=float)
    price = np.asarray(price_usd, dtype=float)
    k = np.asarray(chips_per_unit, dtype=float)
    ok = np.isfinite(price) & (price > 0)
    units = np.floor(budget / np.where(ok, price, 1.0) / k)
    return np.where(ok, units * k, np.nan)


def cluster_split(chip_count, *, max_cluster_chips=None):
    """A fleet of ``n`` chips in clusters of at most ``M``: ``(full, size, remainder)`` = the
    number of full clusters of ``M`` chips, ``M`` itself, and the chips of one last, smaller
    cluster (``n − full · M``). ``M = None``: one cluster of all ``n`` chips.

    Source: definition.
    """
    n = np.asarray(chip_count, dtype=float)
    if max_cluster_chips is None:
        return np.where(n > 0, 1.0, 0.0), n, np.zeros_like(n)
    size = float(max_cluster_chips)
    full = np.floor(n / size)
    return full, np.full_like(n, size), n - full * size


def useful_chips(chip_count, *, max_cluster_chips=None, **goodput_inputs):
    """Goodput-weighted chips of a fleet [chips]: each cluster of ``m`` chips trains a share
    ``goodput(m)`` of the time (:func:`analysis.formulas.goodput.goodput`), so the fleet counts as
    ``full · M · goodput(M) + r · goodput(r)`` chips that never stop (see :func:`cluster_split`).
    ``goodput_inputs``: ``interruptions_per_chip_hour``, ``restart_hours``,
    ``checkpoint_interval_hours``.

    Goodput and its defaults as in :mod:`analysis.formulas.goodput`.

    Source: llama3-paper; trainmover-2025; package-assumption.
    """
    full, size, rest = cluster_split(chip_count, max_cluster_chips=max_cluster_chips)
    return full * size * _goodput.goodput(size, **goodput_inputs) + rest * _goodput.goodput(rest, **goodput_inputs)


def largest_cluster_chips(chip_count, *, max_cluster_chips=None):
    """Chips in the largest single cluster of a fleet [chips]: ``min(n, M)`` (``n`` when ``M`` is
    None).

    Source: definition.
    """
    n = np.asarray(chip_count, dtype=float)
    return n if max_cluster_chips is None else np.minimum(n, float(max_cluster_chips))


def reference_equivalents(chip_count, per_chip, *, reference_per_chip):
    """A fleet in reference-chip equivalents [chips]: ``n × figure per chip / reference's figure``
    (dense BF16 TFLOP/s gives "H100-equivalents"; TPP gives the export-control view).

    Source: definition.
    """
    return np.asarray(chip_count, dtype=float) * np.asarray(per_chip, dtype=float) / reference_per_chip
