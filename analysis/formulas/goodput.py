"""Goodput: the share of wall-clock time a training job spends training, which falls as the chip
count grows because interruptions scale with the number of chips.

Each useful hour on ``n`` chips suffers ``n · λ`` interruptions (λ per chip-hour); each costs the
restart time ``R`` plus the work lost since the last checkpoint, on average half the checkpoint
interval ``T``. Wall-clock per useful hour is therefore ``1 + n · λ · (R + T / 2)`` and

    goodput = 1 / (1 + n · λ · (R + T / 2)).

Useful throughput ``n · goodput(n)`` approaches ``1 / (λ · (R + T / 2))`` chips as ``n`` grows:
with fixed restart and checkpoint times, adding chips eventually adds interruptions as fast as it
adds compute.

Defaults and their sources:

* ``INTERRUPTIONS_PER_CHIP_HOUR = 1.97e-5`` — Llama 3 405B (arXiv 2407.21783, Sec. 3.3.4): 419
  unexpected interruptions in a 54-day snapshot on 16,384 H100: 419 / (16,384 × 54 × 24 h)
  = 1.97e-5 per chip-hour (one every 3.1 h for the job; 78 % hardware).
* ``RESTART_HOURS = 1/6`` (10 min) — ByteDance MegaScale (arXiv 2402.15627, Sec. 6): detecting a
  failure and running diagnostics take "less than 10 minutes".
* ``CHECKPOINT_INTERVAL_HOURS = 1/3`` (20 min) — an assumption, chosen so that the defaults give
  Llama 3's 16,384-GPU run its reported "higher than 90 % effective training time":
  1 / (1 + 16,384 × 1.97e-5 × (1/6 + 1/6)) = 0.903. Llama 3 is therefore a calibration case,
  not evidence for the model.
"""

from __future__ import annotations

import numpy as np

INTERRUPTIONS_PER_CHIP_HOUR = 1.97e-5
RESTART_HOURS = 1.0 / 6.0
CHECKPOINT_INTERVAL_HOURS = 1.0 / 3.0


def lost_hours_per_interruption(*, restart_hours=RESTART_HOURS, checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS):
    """Wall-clock lost per interruption [h]: restart + half a checkpoint interval of redone work.

    Default restart 10 min (MegaScale, Sec. 6); the 20-min checkpoint interval and the half-interval
    of redone work are this package's assumptions.

    Source: megascale-2024; package-assumption.
    """
    return np.asarray(restart_hours, dtype=float) + np.asarray(checkpoint_interval_hours, dtype=float) / 2.0


def goodput(
    chip_count,
    *,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    restart_hours=RESTART_HOURS,
    checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS,
):
    """Share of wall-clock time spent training [fraction]: ``1 / (1 + n · λ · (R + T/2))``.

    Defaults: λ from Llama 3 (Sec. 3.3.4), R from MegaScale (Sec. 6); the model and T are this
    package's assumptions (see the module docstring).

    Source: llama3-paper; megascale-2024; package-assumption.
    """
    lost = lost_hours_per_interruption(restart_hours=restart_hours, checkpoint_interval_hours=checkpoint_interval_hours)
    return 1.0 / (1.0 + np.asarray(chip_count, dtype=float) * interruptions_per_chip_hour * lost)


def chips_for_useful_chips(
    useful_chips,
    *,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    restart_hours=RESTART_HOURS,
    checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS,
):
    """Chips ``n`` whose goodput-weighted count ``n · goodput(n)`` equals ``useful_chips``
    [chips, fractional]: solving ``n / (1 + n·a) = u`` gives ``n = u / (1 − u·a)`` with
    ``a = λ (R + T/2)``. NaN where ``u·a ≥ 1``: no chip count delivers that much useful compute.

    Defaults as in :func:`goodput`.

    Source: llama3-paper; megascale-2024; package-assumption.
    """
    a = interruptions_per_chip_hour * lost_hours_per_interruption(
        restart_hours=restart_hours, checkpoint_interval_hours=checkpoint_interval_hours
    )
    u = np.asarray(useful_chips, dtype=float)
    denominator = 1.0 - u * a
    return np.where(denominator > 0, u / np.where(denominator > 0, denominator, 1.0), np.nan)
