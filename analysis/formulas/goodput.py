"""Goodput: the share of wall-clock time a training job spends training, which falls as the chip
count grows because interruptions scale with the number of chips.

The model (first order, Young 1974; Daly 2006). A job on ``n`` chips is interrupted ``n · λ`` times
per hour (λ per chip-hour), so its mean time between interruptions is ``M = 1 / (n · λ)``. It writes
a checkpoint every ``T`` hours of training; each write stalls training for ``δ`` hours. Each
interruption costs the restart time ``R`` (detect, restart, reload) plus the work done since the
last checkpoint, on average ``T / 2``. Counting interruptions per useful hour (first order in
``δ / M`` and ``R / M``), one useful hour takes wall-clock

    W(T) = 1 + δ / T + n · λ · (R + T / 2)   [h],    goodput = 1 / W(T).

``W`` is smallest at ``dW/dT = −δ/T² + n·λ/2 = 0``, the Young–Daly interval

    T* = sqrt(2 · δ · M) = sqrt(2 · δ / (n · λ)),

where the two checkpoint terms are equal, ``δ / T* = n·λ·T*/2 = sqrt(δ · n · λ / 2)``, so

    goodput(n) = 1 / (1 + n · λ · R + sqrt(2 · δ · n · λ)).

This is the goodput used by default (``checkpoint_interval_hours=None``: each cluster size
checkpoints at its own optimum). A reader who fixes ``T`` gets ``1 / W(T)`` instead. With the
optimum interval, the restart term ``n·λ·R`` grows linearly in ``n`` and the checkpoint term only
as ``sqrt(n)``; useful throughput ``n · goodput(n)`` still approaches ``1 / (λ · R)`` chips.

Defaults and their sources:

* ``INTERRUPTIONS_PER_CHIP_HOUR = 1.97e-5`` — Llama 3 405B (arXiv 2407.21783, Sec. 3.3.4): 419
  unexpected interruptions in a 54-day snapshot on 16,384 H100: 419 / (16,384 × 54 × 24 h)
  = 1.97e-5 per chip-hour (one every 3.1 h for the job; 78 % hardware).
* ``RESTART_HOURS = 6.47 / 60`` (6.47 min) — TrainMover (Alibaba, arXiv 2412.12636 v3, Sec. 2.3 and
  Table 1): "even with an automated recovery stack similar to that of Llama-3, an 8,192-GPU
  production job still incurs 6.47 minutes of delay per interruption": stop the job, reschedule
  its machines and re-initialise from the latest checkpoint in remote storage (of the 4.45 min of
  framework initialisation, checkpoint loading 35.1 %, NCCL set-up 24.5 %, warm-up 40.4 %), with
  "instant fault localization and isolation" assumed — so the time to detect a failure is not in
  it, and R leans short. (Until 2026-12-07 R was MegaScale's bound on detection and diagnostics
  alone, "less than 10 minutes", used as the mode.) Its range: from 150 s — FlashRecovery (iFLYTEK
  and Huawei, arXiv 2509.03047) restores a job on 4,800 devices in 150 s, detection included,
  "nearly constant" with scale, from an in-memory copy instead of a checkpoint — up to 30 min,
  Google Cloud's figure for recovery from saved checkpoints on clusters of tens of thousands of
  accelerators ("up to 30 minutes").
* ``CHECKPOINT_WRITE_HOURS = 7.875e-4`` (2.835 s) — a synchronous checkpoint **to storage**
  (not in memory) of Llama 3 405B's training state on Meta's Tectonic file system (Llama 3,
  Sec. 3.3.1, read in the paper's text: "a sustainable throughput of 2 TB/s and a peak throughput
  of 7 TB/s"; "Checkpointing saves each GPU's model state, ranging from 1 MB to 4 GB per GPU";
  the paper gives no write time, so it is derived): weights and the mixed-precision Adam state,
  2 + 12 = 14 bytes per parameter (ZeRO), 405e9 × 14 B = 5.67 TB (346 MB per GPU on 16,384,
  inside the paper's range); at the sustained 2 TB/s: 5.67e12 / 2e12 = 2.835 s = 7.875e-4 h.
  It assumes the job gets the store's sustained throughput; an asynchronous or in-memory
  checkpoint stalls training for less, the worst case — every GPU writing the 4 GB maximum,
  65.5 TB / 2 TB/s = 32.8 s — for more.

The Monte Carlo draws all three over a sourced range (:data:`RANGES`, triangular with its mode at
the default): λ up to ``466 / (16,384 × 54 × 24 h) = 2.19e-5`` (Llama 3's 466 interruptions of the
same snapshot, the 47 planned ones included), δ up to the 32.8 s worst case above and R from 150 s
to 30 min. R sets the useful chips one job can reach, ``1 / (λ·R)`` (:func:`useful_chips_ceiling`):
1 / (1.97e-5 × 150 / 3,600) = 1,218,274 chips at 150 s, 1 / (1.97e-5 × 0.107833) = 470,740 at
6.47 min, 1 / (1.97e-5 × 0.5) = 101,523 at 30 min.

Worked values with the defaults (``a = λ · R = 2.12432e-6``, ``b = sqrt(2 · δ · λ) = 1.76146e-4``):

* 2,048 chips: M = 1 / (2,048 × 1.97e-5) = 24.79 h; T* = sqrt(2 × 7.875e-4 × 24.79) = 0.1976 h
  (11.9 min); goodput = 1 / (1 + 0.004351 + 0.007971) = 0.98783.
* 16,384 chips: M = 3.098 h; T* = 0.06985 h (4.19 min); goodput = 1 / (1 + 0.034805 + 0.022547)
  = 0.94576 — Llama 3 reports "higher than 90 %" on this cluster (a calibration case: λ and δ
  come from the same run and cluster).
* 100,000 chips: M = 0.5076 h; T* = 0.02828 h (1.70 min); goodput = 1 / (1 + 0.212432 + 0.055702)
  = 0.78856 (0.72253 with R = 10 min; the fixed 20-minute interval gave 0.6036).

Checked against published goodput not used to set λ, R or δ (the validation report's goodput
cases, chosen by the rule in docs/methods.md): ByteRobust's dense job on 9,600 GPUs, 97 %
(modelled 1 / (1 + 0.020393 + 0.017259) = 0.96371), and MegaScale's production run on more than
10,000 GPUs, over 90 % (modelled 1 / (1 + 0.021243 + 0.017615) = 0.96260).
"""

from __future__ import annotations

import numpy as np

INTERRUPTIONS_PER_CHIP_HOUR = 1.97e-5
#: 6.47 min per interruption (TrainMover, 8,192 GPUs), in hours.
RESTART_HOURS = 6.47 / 60.0
#: 405e9 parameters × 14 bytes / 2 TB/s = 2.835 s, in hours.
CHECKPOINT_WRITE_HOURS = 405e9 * 14 / 2e12 / 3600.0
#: None: the Young–Daly interval for each cluster size (:func:`checkpoint_interval_hours`).
CHECKPOINT_INTERVAL_HOURS = None
#: (low, base, high) of the inputs drawn in the Monte Carlo (see the module docstring): λ with
#: Llama 3's planned interruptions (466 in all, 419 unexpected), δ up to every GPU writing 4 GB,
#: R from FlashRecovery's 150 s to Google's 30 minutes, mode TrainMover's 6.47 min.
RANGES = {
    "interruptions_per_chip_hour": (INTERRUPTIONS_PER_CHIP_HOUR, INTERRUPTIONS_PER_CHIP_HOUR, 466 / (16_384 * 54 * 24)),
    "restart_hours": (150.0 / 3600.0, RESTART_HOURS, 0.5),
    "checkpoint_write_hours": (CHECKPOINT_WRITE_HOURS, CHECKPOINT_WRITE_HOURS, 16_384 * 4e9 / 2e12 / 3600.0),
}


def checkpoint_interval_hours(
    chip_count,
    *,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    checkpoint_write_hours=CHECKPOINT_WRITE_HOURS,
):
    """Young–Daly checkpoint interval [h] for a job on ``chip_count`` chips:
    ``T* = sqrt(2 · δ · M)`` with ``M = 1 / (n · λ)`` the job's mean time between interruptions
    [h] and ``δ`` the checkpoint write time [h]; infinite where ``n · λ = 0`` (nothing to lose).

    Defaults: λ from Llama 3 (Sec. 3.3.4), δ from Llama 3's storage (Sec. 3.3.1) and ZeRO's
    14 bytes per parameter (see the module docstring).

    Source: young-1974; daly-2006; llama3-paper; llama3-checkpoint-storage; zero-2020.
    """
    rate = np.asarray(chip_count, dtype=float) * interruptions_per_chip_hour
    with np.errstate(divide="ignore"):
        return np.sqrt(2.0 * np.asarray(checkpoint_write_hours, dtype=float) / rate)


def lost_share(
    chip_count,
    *,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    restart_hours=RESTART_HOURS,
    checkpoint_write_hours=CHECKPOINT_WRITE_HOURS,
    checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS,
):
    """Wall-clock hours lost per useful hour [h/h]: ``δ/T + n·λ·(R + T/2)``; with ``T`` None
    the Young–Daly optimum, where it equals ``n·λ·R + sqrt(2·δ·n·λ)``. A fixed ``T = 0`` with
    ``δ > 0`` loses everything (infinite); with ``δ = 0`` the checkpoint terms vanish.

    Source: young-1974; daly-2006; llama3-paper; llama3-checkpoint-storage; trainmover-2025.
    """
    rate = np.asarray(chip_count, dtype=float) * interruptions_per_chip_hour
    restart = rate * np.asarray(restart_hours, dtype=float)
    delta = np.asarray(checkpoint_write_hours, dtype=float)
    if checkpoint_interval_hours is None:
        return restart + np.sqrt(2.0 * delta * rate)
    interval = np.asarray(checkpoint_interval_hours, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        overhead = np.where(delta == 0, 0.0, delta / interval)
    return restart + overhead + rate * interval / 2.0


def goodput(
    chip_count,
    *,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    restart_hours=RESTART_HOURS,
    checkpoint_write_hours=CHECKPOINT_WRITE_HOURS,
    checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS,
):
    """Share of wall-clock time spent training [fraction]:
    ``1 / (1 + n·λ·R + sqrt(2·δ·n·λ))`` at the Young–Daly interval (``T`` None), else
    ``1 / (1 + δ/T + n·λ·(R + T/2))``.

    Defaults: λ from Llama 3 (Sec. 3.3.4), R from TrainMover (Table 1), δ from Llama 3's
    storage (Sec. 3.3.1) × ZeRO's bytes per parameter (see the module docstring).

    Source: young-1974; daly-2006; llama3-paper; llama3-checkpoint-storage; trainmover-2025.
    """
    loss = lost_share(
        chip_count,
        interruptions_per_chip_hour=interruptions_per_chip_hour,
        restart_hours=restart_hours,
        checkpoint_write_hours=checkpoint_write_hours,
        checkpoint_interval_hours=checkpoint_interval_hours,
    )
    return 1.0 / (1.0 + loss)


def useful_chips_ceiling(
    *,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    restart_hours=RESTART_HOURS,
    checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS,
):
    """The useful chips [chips] one job approaches as it grows and never reaches:
    ``lim n · goodput(n) = 1 / a`` with ``a = λ·R`` (Young–Daly) or ``λ·(R + T/2)`` (fixed ``T``);
    infinite where ``a = 0``. With the defaults 1 / (1.97e-5 × 0.107833) = 470,740 chips.

    Source: young-1974; daly-2006; llama3-paper; trainmover-2025.
    """
    restart = np.asarray(restart_hours, dtype=float)
    if checkpoint_interval_hours is not None:
        restart = restart + np.asarray(checkpoint_interval_hours, dtype=float) / 2.0
    a = np.asarray(interruptions_per_chip_hour, dtype=float) * restart
    with np.errstate(divide="ignore"):
        return 1.0 / a


def chips_for_useful_chips(
    useful_chips,
    *,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    restart_hours=RESTART_HOURS,
    checkpoint_write_hours=CHECKPOINT_WRITE_HOURS,
    checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS,
):
    """Chips ``n`` whose goodput-weighted count ``n · goodput(n)`` equals ``useful_chips``
    [chips, fractional]. ``n · goodput(n)`` rises with ``n`` towards ``1 / a``, ``a = λ·R``
    (Young–Daly) or ``λ·(R + T/2)`` (fixed ``T``), so the solution is unique where ``u·a < 1``:

    * Young–Daly: ``n = u (1 + a n + b sqrt(n))`` with ``b = sqrt(2·δ·λ)``; in ``x = sqrt(n)``,
      ``(1 − u·a) x² − u·b·x − u = 0``, so ``x = (u·b + sqrt(u²b² + 4u(1 − u·a))) / (2(1 − u·a))``.
    * fixed ``T``: ``n = u (1 + δ/T) / (1 − u·a)``.

    +∞ where ``u·a ≥ 1``: no chip count of one job delivers that much useful compute (more than
    any finite count, so a percentile ranks it above every count that exists); NaN where ``u`` is
    unknown (NaN). Defaults as in :func:`goodput`.

    Source: young-1974; daly-2006; llama3-paper; llama3-checkpoint-storage; trainmover-2025.
    """
    u = np.asarray(useful_chips, dtype=float)
    delta = np.asarray(checkpoint_write_hours, dtype=float)
    if checkpoint_interval_hours is None:
        a = interruptions_per_chip_hour * np.asarray(restart_hours, dtype=float)
        b = np.sqrt(2.0 * delta * interruptions_per_chip_hour)
        denominator = 1.0 - u * a
        safe = np.where(denominator > 0, denominator, 1.0)
        x = (u * b + np.sqrt(u * u * b * b + 4.0 * u * safe)) / (2.0 * safe)
        return np.where(denominator > 0, x * x, np.where(np.isnan(denominator), np.nan, np.inf))
    interval = np.asarray(checkpoint_interval_hours, dtype=float)
    a = interruptions_per_chip_hour * (np.asarray(restart_hours, dtype=float) + interval / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        overhead = np.where(delta == 0, 0.0, delta / interval)
    denominator = 1.0 - u * a
    beyond = np.where(np.isnan(denominator), np.nan, np.inf)
    return np.where(denominator > 0, u * (1.0 + overhead) / np.where(denominator > 0, denominator, 1.0), beyond)


def chips_in_jobs(
    useful_chips,
    *,
    max_job_chips,
    interruptions_per_chip_hour=INTERRUPTIONS_PER_CHIP_HOUR,
    restart_hours=RESTART_HOURS,
    checkpoint_write_hours=CHECKPOINT_WRITE_HOURS,
    checkpoint_interval_hours=CHECKPOINT_INTERVAL_HOURS,
):
    """Chips [chips, fractional] delivering ``useful_chips`` in separate jobs of at most
    ``M = max_job_chips`` chips each: ``k = floor(u / (M · goodput(M)))`` full jobs and one last
    job of ``r`` chips with ``r · goodput(r) = u − k · M · goodput(M)``
    (:func:`chips_for_useful_chips`), so ``n = k · M + r``. Finite wherever one job of ``M`` chips
    runs (``M · goodput(M) > 0``): the last job needs less useful compute than a full one, which
    exists. Each job checkpoints and restarts on its own; they are independent runs, not one.
    Defaults as in :func:`goodput`.

    Source: young-1974; daly-2006; llama3-paper; llama3-checkpoint-storage; trainmover-2025.
    """
    loss = {
        "interruptions_per_chip_hour": interruptions_per_chip_hour,
        "restart_hours": restart_hours,
        "checkpoint_write_hours": checkpoint_write_hours,
        "checkpoint_interval_hours": checkpoint_interval_hours,
    }
    size = np.asarray(max_job_chips, dtype=float)
    per_job = size * goodput(size, **loss)
    u = np.asarray(useful_chips, dtype=float)
    full = np.floor(u / per_job)
    rest = np.maximum(u - full * per_job, 0.0)
    return full * size + chips_for_useful_chips(rest, **loss)
