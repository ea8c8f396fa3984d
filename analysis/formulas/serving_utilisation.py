"""The serving utilisation from published dispersion: each published serving throughput with its
disclosed setup implies a utilisation through the package's own serving model — prefill: the
measured computed tokens/s over the model's tokens/s at utilisation 1 (:func:`compute_share`);
decode: the bytes the roofline says a step reads over step time × HBM bandwidth
(:func:`hbm_share`, the model bandwidth utilisation). The serving model's default utilisation is
the usable prefill observations' median and a Monte Carlo draws it from the observations
themselves (:class:`analysis.formulas.uncertainty.Empirical`), as the training MFU prior does
(:mod:`analysis.formulas.utilisation`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import uncertainty


def compute_share(measured_tokens_per_s, at_full_tokens_per_s):
    """Implied compute share of a prefill measurement [share]: measured tokens/s ÷ the model's
    tokens/s at utilisation 1 (every FLOP at the dense peak), so that
    ``prefill_tokens_per_s(…, mfu=share)`` reproduces the measurement.

    Source: definition.
    """
    return np.asarray(measured_tokens_per_s, dtype=float) / np.asarray(at_full_tokens_per_s, dtype=float)


def request_compute_share(
    measured_output_tokens_per_s, *, input_tokens, output_tokens, prefill_at_full, decode_at_full
):
    """Implied compute share of a decode-dominated measurement whose time also prefilled its
    inputs [share]: the FLOPs of prefilling ``input_tokens`` and decoding ``output_tokens`` over
    the time they took at the measured output rate and the dense peak —
    ``measured × (I / prefill_at_full + O / decode_at_full) / O``, with the model's prefill and
    decode (compute-bound) tokens/s at utilisation 1, so that the model at this share reproduces
    the measured output rate of a whole request.

    Source: definition.
    """
    seconds_at_full = np.asarray(input_tokens, dtype=float) / np.asarray(prefill_at_full, dtype=float) + np.asarray(
        output_tokens, dtype=float
    ) / np.asarray(decode_at_full, dtype=float)
    return np.asarray(measured_output_tokens_per_s, dtype=float) * seconds_at_full / np.asarray(output_tokens)


def hbm_share(measured_tokens_per_s, *, bytes_per_step, batch_size, hbm_bandwidth_tb_s):
    """Implied HBM-bandwidth share of a decode measurement [share]: the bytes one decode step reads
    (weights the batch touches + its KV cache, the roofline's count) over step time × bandwidth,
    with step time = batch / (measured tokens/s per chip):
    ``measured × bytes_per_step / (batch × bandwidth [TB/s] × 10¹²)``.

    Source: definition.
    """
    measured = np.asarray(measured_tokens_per_s, dtype=float)
    return measured * bytes_per_step / (np.asarray(batch_size, dtype=float) * hbm_bandwidth_tb_s * 1e12)


def bandwidth_share(achieved_gb_per_s, hbm_bandwidth_tb_s):
    """Share of a chip's HBM bandwidth a published kernel or system reaches [share]:
    ``achieved [GB/s] / (bandwidth [TB/s] × 1,000)`` (FlashMLA's 3,000 GB/s on the H800's
    3.35 TB/s: 0.896).

    Source: definition.
    """
    return np.asarray(achieved_gb_per_s, dtype=float) / (np.asarray(hbm_bandwidth_tb_s, dtype=float) * 1e3)


@dataclass(frozen=True)
class ServingPrior:
    """Published serving observations: ``values`` (implied shares, or decode batches per
    replica; sorted), their ``obs_ids`` and ``p10`` / ``p50`` / ``p90`` of the values."""

    values: np.ndarray
    obs_ids: tuple[str, ...]
    p10: float
    p50: float
    p90: float

    @property
    def median(self) -> float:
        """The median of the values: the middle one, or the mean of the middle two (the median
        of the Monte Carlo draws, :class:`analysis.formulas.uncertainty.Empirical`; equal to
        ``p50`` for an odd count)."""
        return float(uncertainty.Empirical(self.values)[1])

    def sampler(self, base: float | None = None) -> uncertainty.Empirical:
        """The observations as a Monte Carlo input; with ``base``, rescaled so that their median
        is ``base`` (each value × base / :attr:`median`, at most 1): the observed relative spread
        around a reader's value or another setting's default."""
        values = uncertainty.Empirical(self.values)
        return values if base is None else values.scaled(base / self.median, cap=1.0)


def prior(shares, obs_ids) -> ServingPrior:
    """The :class:`ServingPrior` of implied ``shares`` (one per observation of ``obs_ids``):
    P10 / P50 / P90 by :func:`analysis.formulas.uncertainty.percentiles` (with fewer than ten
    observations P10 and P90 are the smallest and the largest). Raises ValueError without one.

    Source: definition.
    """
    values = np.asarray(shares, dtype=float)
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError("a serving prior needs at least one finite value (implied share or batch)")
    order = np.argsort(values, kind="stable")
    p = uncertainty.percentiles(values)
    return ServingPrior(values[order], tuple(str(obs_ids[i]) for i in order), p["p10"], p["p50"], p["p90"])
