"""Training compute, effective throughput, time-to-train, GPU-hours and chip-count parity.

All functions are plain arithmetic on scalars, numpy arrays or pandas Series (broadcasting), so a
sweep over many scenarios is one vectorized call. Units are in the argument names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SECONDS_PER_HOUR = 3_600.0
HOURS_PER_DAY = 24.0

#: Catalog column holding the dense peak for each precision a report may ask for.
PRECISION_COLUMNS = {"bf16": "bf16_dense_tflops", "fp8": "fp8_dense_tflops"}

#: FLOP per parameter per token: forward (2) + backward (4) for model FLOPs; a full activation
#: recomputation repeats the forward pass, so the hardware executes 8 (Korthikanti et al. 2022,
#: arXiv 2205.05198; Chowdhery et al. 2022, PaLM, appendix B).
MODEL_FLOP_PER_PARAM_TOKEN = 6.0
RECOMPUTE_FLOP_PER_PARAM_TOKEN = 8.0


def training_flop(active_params, tokens):
    """Model FLOPs of training, ``6 · N_active · D`` [FLOP].

    ``active_params`` is the parameter count used per token (the activated parameters of a
    mixture-of-experts model) and ``tokens`` the training tokens. Attention FLOPs are ignored,
    as in Kaplan et al. 2020 (arXiv 2001.08361) and Hoffmann et al. 2022 (arXiv 2203.15556).

    Source: kaplan-2020; hoffmann-2022.
    """
    return MODEL_FLOP_PER_PARAM_TOKEN * np.asarray(active_params, dtype=float) * tokens


def hardware_flop(active_params, tokens, recompute=False):
    """FLOPs the chips execute [FLOP]: ``8 · N · D`` with full activation recomputation, else
    ``6 · N · D``. Dividing by peak gives hardware-FLOPs utilisation (HFU), not MFU.

    The recomputed forward pass adds 2 FLOP per parameter and token (Korthikanti et al. 2022).

    Source: korthikanti-2022; kaplan-2020.
    """
    per_token = np.where(recompute, RECOMPUTE_FLOP_PER_PARAM_TOKEN, MODEL_FLOP_PER_PARAM_TOKEN)
    return per_token * np.asarray(active_params, dtype=float) * tokens


def hfu_from_mfu(mfu, recompute=False):
    """Hardware-FLOPs utilisation implied by a model-FLOPs utilisation [fraction].

    Source: korthikanti-2022.
    """
    return np.asarray(mfu, dtype=float) * np.where(
        recompute, RECOMPUTE_FLOP_PER_PARAM_TOKEN / MODEL_FLOP_PER_PARAM_TOKEN, 1.0
    )


def mfu_from_hfu(hfu, recompute=False):
    """Model-FLOPs utilisation of a hardware-FLOPs utilisation [fraction]: with full activation
    recomputation the chips execute 8 FLOP per parameter and token of which 6 are model FLOPs,
    so ``MFU = HFU × 6/8``; without it ``MFU = HFU``.

    Source: korthikanti-2022.
    """
    return np.asarray(hfu, dtype=float) * np.where(
        recompute, MODEL_FLOP_PER_PARAM_TOKEN / RECOMPUTE_FLOP_PER_PARAM_TOKEN, 1.0
    )


def hfu_from_achieved(achieved_tflops, peak_tflops):
    """Hardware-FLOPs utilisation of an achieved rate per chip [fraction]: achieved hardware
    TFLOP/s (as Megatron-style papers report it, recomputation included) / dense peak.

    Source: korthikanti-2022; megatron-2021.
    """
    return np.asarray(achieved_tflops, dtype=float) / np.asarray(peak_tflops, dtype=float)


def transferred_mfu(reference_mfu, *, vendor_factor_ratio=1.0, scaling_ratio=1.0):
    """MFU of another chip when ``reference_mfu`` holds on the reference chip [fraction]:
    ``MFU_ref × (vendor factor_chip / vendor factor_ref) × min(1, scaling efficiency_chip /
    scaling efficiency_ref)``. The vendor factor is a software-maturity prior
    (data/vendor_efficiency.csv); the scaling ratio comes from the interconnect model and may
    lower a chip's MFU but never raise it above the reference's (a chip that communicates less
    per FLOP is not credited with better kernels).

    This transfer rule is a modelling assumption of the package; the vendor factors carry their own
    sources in data/vendor_efficiency.csv.

    Source: package-assumption.
    """
    return (
        np.asarray(reference_mfu, dtype=float)
        * vendor_factor_ratio
        * np.minimum(1.0, np.asarray(scaling_ratio, dtype=float))
    )


def mfu_at_precision(mfu, *, from_peak_tflops, to_peak_tflops, speedup):
    """MFU at another precision of a run whose MFU was measured at one [fraction of each
    precision's dense peak], for a chip that lacks the measured precision:
    ``MFU_to = MFU_from × peak_from / peak_to / speedup``, where ``speedup`` is the achieved
    throughput at the measured precision over that at the other (FP8 over BF16: the published
    same-chip, same-model pairs of data/fp8_speedups.csv, median 1.28, not the peak ratio of 2).
    The achieved rate MFU_from × peak_from is divided by the speed-up and re-expressed as a
    share of the other peak. DeepSeek-V3 on the H800: 16.8 % of its FP8 peak 1,978.9 TFLOP/s
    → 0.168 × 1,978.9 / 989.4 / 1.28 = 26.3 % of its BF16 peak (not 33.6 %, which assumes
    a speed-up of exactly 2). From BF16 to FP8 pass the peaks the other way and 1 / speedup.

    Source: megatron-bridge-fp8-pairs; torchtitan-llama3-h100-2024.
    """
    return (
        np.asarray(mfu, dtype=float)
        * np.asarray(from_peak_tflops, dtype=float)
        / np.asarray(to_peak_tflops, dtype=float)
        / np.asarray(speedup, dtype=float)
    )


def has_precision(chips: pd.DataFrame, precision: str) -> pd.Series:
    """Whether each chip trains at ``precision`` (``bf16`` or ``fp8``) on a peak of its own
    [bool per chip]: BF16 always; FP8 where the catalog gives a dense FP8 peak above the BF16 peak.
    A chip with no FP8 peak (A100, Ascend 910B/910C) and one whose FP8 peak equals its BF16 peak
    (TPU v5p 459 = 459, Trainium1 190 = 190 TFLOP/s: FP8 runs at the BF16 rate, chips.csv notes)
    gain nothing from FP8 and are treated alike: they train at their BF16 peak. The one test of
    "has FP8" in the package (peaks, the MFU's precision conversion and the words of every report).

    The rule is this package's assumption; each peak carries its own source in chips.csv.

    Source: package-assumption.
    """
    if precision not in PRECISION_COLUMNS:
        raise ValueError(f"precision {precision!r} is not one of {', '.join(PRECISION_COLUMNS)}")
    bf16 = chips["bf16_dense_tflops"].astype(float)
    if precision == "bf16":
        return pd.Series(True, index=chips.index, name="has_bf16")
    return (chips[PRECISION_COLUMNS[precision]].astype(float) > bf16).rename(f"has_{precision}")


def peak_tflops(chips: pd.DataFrame, precision: str = "bf16") -> pd.Series:
    """Dense peak per chip for ``precision`` (``bf16`` or ``fp8``) [TFLOP/s].

    A chip without a peak of its own at the precision (:func:`has_precision`: no FP8 on A100,
    Ascend 910B/910C; FP8 at the BF16 rate on TPU v5p, Trainium1) falls back to its BF16 peak:
    training runs in BF16 there.

    The BF16 fallback is this package's assumption; each peak carries its own source in chips.csv.

    Source: package-assumption.
    """
    own = has_precision(chips, precision)
    return chips[PRECISION_COLUMNS[precision]].where(own, chips["bf16_dense_tflops"]).rename(f"{precision}_peak_tflops")


def effective_tflops(peak_tflops, mfu, *, scaling_efficiency=1.0):
    """Sustained useful throughput per chip, ``peak × MFU × scaling efficiency`` [TFLOP/s].

    ``scaling_efficiency`` (0–1) is the share of step time not lost to exposed communication; it
    defaults to 1 because a reported MFU already includes that loss.

    MFU is achieved model FLOP/s over peak (Chowdhery et al. 2022, PaLM, App. B).

    Source: palm-paper.
    """
    return np.asarray(peak_tflops, dtype=float) * mfu * scaling_efficiency


def gpu_hours(training_flop, peak_tflops, mfu, *, scaling_efficiency=1.0):
    """Chip-hours to execute ``training_flop`` model FLOPs at a given MFU [chip-hours].

    Source: palm-paper.
    """
    flop_per_hour = effective_tflops(peak_tflops, mfu, scaling_efficiency=scaling_efficiency) * 1e12 * SECONDS_PER_HOUR
    return np.asarray(training_flop, dtype=float) / flop_per_hour


def wall_clock_days(gpu_hours, chip_count, *, goodput=1.0):
    """Days of wall-clock time for ``gpu_hours`` of training spread over ``chip_count`` chips
    that train a ``goodput`` share of the time [days]: ``hours / n / 24 / goodput``.

    Source: definition.
    """
    return np.asarray(gpu_hours, dtype=float) / chip_count / HOURS_PER_DAY / goodput


def implied_mfu(training_flop, gpu_hours, peak_tflops):
    """Model-FLOPs utilisation implied by a disclosed run [fraction]:
    ``training FLOP / (GPU-hours × 3600 × peak)``.

    Source: palm-paper.
    """
    return np.asarray(training_flop, dtype=float) / (
        np.asarray(gpu_hours, dtype=float) * SECONDS_PER_HOUR * peak_tflops * 1e12
    )


def parity_chip_count(reference_count, reference_tflops, candidate_tflops, *, reference_mfu=1.0, candidate_mfu=1.0):
    """Candidate chips delivering the same sustained throughput as ``reference_count`` reference
    chips [chips, fractional]: ``n_ref × peak_ref × MFU_ref / (peak_cand × MFU_cand)``.

    Round up with :func:`chips_to_buy` for a purchase; keep the fraction for ratios.

    Source: palm-paper.
    """
    return (
        np.asarray(reference_count, dtype=float)
        * reference_tflops
        * reference_mfu
        / (np.asarray(candidate_tflops, dtype=float) * candidate_mfu)
    )


def chips_to_buy(fractional_chips):
    """Whole chips covering a fractional requirement (ceiling, tolerant of float noise).

    Source: definition.
    """
    return np.ceil(np.asarray(fractional_chips, dtype=float) - 1e-9).astype(int)
