"""A prior on model FLOPs utilisation (MFU) from published dispersion: the utilisations of
training runs that match what a user knows about a run (the chip's architecture generation, dense
or mixture-of-experts, the precision whose dense peak the MFU is measured against), with a stated
fallback when too few match.

Observations are of three kinds (``kind``): *accounted* runs, whose developers disclose the run's
compute and the GPU-hours or days it took (``data/accounted_runs.csv``; MFU = 6·N·D over the
accounted chip-time at the dense peak, goodput removed), *production* runs' and *benchmarks'*
published MFUs (``data/mfu_observations.csv``). A published MFU is a steady-state figure; a run's
accounted hours also pay for evaluation, stalls, restarts and extra stages, and what the reports
predict is such hours, so the prior prefers accounted runs, then production runs, then all kinds
(:data:`KINDS`). Benchmarks run some 5-15 points above production runs at similar scale.

The prior's P10 / P50 / P90 are the matching observations' percentiles by the one percentile
routine (:func:`analysis.formulas.uncertainty.percentiles`); a Monte Carlo draws MFU from the
observations themselves (:class:`analysis.formulas.uncertainty.Empirical`). With fewer than ten
observations the inverted-CDF P10 and P90 are the smallest and largest observation: the band is
the observations' full range.

Model size is not a condition: within one generation, architecture and precision the sizes are
confounded with who published them (the Hopper dense BF16 runs span 1.3 B-405 B with no clear
trend), so the data do not support it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from . import uncertainty

#: The fewest matching observations a level of the prior needs before it falls back to the next.
MIN_OBSERVATIONS = 5
#: The conditions of each level, most specific first: a level is used when at least
#: :data:`MIN_OBSERVATIONS` observations match all its conditions. Precision is never dropped: an
#: MFU against the FP8 peak and one against the BF16 peak are different quantities.
LEVELS = (("generation", "architecture", "precision"), ("architecture", "precision"), ("precision",))
#: The kinds of observation the prior prefers, in order: ``accounted`` (a whole run's utilisation
#: from its disclosed compute and GPU-hours, goodput removed), then ``production`` (a production
#: run's published MFU); where neither has enough matches, all kinds (benchmarks included).
KINDS = ("accounted", "production")
#: The observation columns the conditions read.
COLUMNS = {"generation": "chip_generation", "architecture": "architecture", "precision": "precision"}


@dataclass(frozen=True)
class Prior:
    """The MFU prior for one condition: ``values`` (the matching observations' MFUs [share],
    sorted), their ``obs_ids``, the ``level`` used (the names of the conditions that held, e.g.
    ``("generation", "architecture", "precision")``), the ``condition`` asked for, and
    ``p10`` / ``p50`` / ``p90`` of the values."""

    values: np.ndarray
    obs_ids: tuple[str, ...]
    level: tuple[str, ...]
    condition: dict
    p10: float
    p50: float
    p90: float
    kind: str | None = None  # the kind of observation it was drawn from (None: all kinds)

    @property
    def fallback(self) -> bool:
        """True when the prior dropped a condition (too few observations matched all of them)."""
        return len(self.level) < len(LEVELS[0])

    def sampler(self) -> uncertainty.Empirical:
        """The observations as a Monte Carlo input (drawn from their empirical distribution)."""
        return uncertainty.Empirical(self.values)

    def relative(self) -> tuple[float, float]:
        """(P10 / P50, P90 / P50): the prior's spread relative to its median."""
        return self.p10 / self.p50, self.p90 / self.p50

    def describe(self, *, brief: bool = False) -> str:
        """In words: which observations, e.g. "6 published MFUs of hopper dense runs at the BF16
        peak"; unless ``brief``, also which condition was dropped for too few matches."""
        c = {k: self.condition[k] for k in self.level}
        what = " ".join(str(c[k]) for k in ("generation", "architecture") if k in c) or "all"
        dropped = [f"{k} {self.condition[k]}" for k in LEVELS[0] if k not in self.level]
        fallback = f" (fewer than {MIN_OBSERVATIONS} match {', '.join(dropped)}: that condition is dropped)"
        if self.kind == "accounted":
            what = f"{len(self.values)} accounted utilisations (disclosed compute ÷ GPU-hours) of {what} runs"
        else:
            what = f"{len(self.values)} published MFUs of {self.kind + ' ' if self.kind else ''}{what} runs"
        return f"{what} at the {str(c['precision']).upper()} peak" + (fallback if self.fallback and not brief else "")


def usable(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations the prior may use: those whose ``excluded`` cell is empty (a weak or
    unrepresentative row carries its reason there).

    Source: definition.
    """
    return observations[observations["excluded"].fillna("").astype(str).str.strip() == ""]


def disjoint_from(observations: pd.DataFrame, case_ids) -> pd.DataFrame:
    """The observations that share no run with the validation cases ``case_ids``: rows whose
    ``validation_overlap`` (``;``-separated case ids) names none of them, so a prior fitted on
    the result is independent of those cases.

    Source: definition.
    """
    cases = {str(c) for c in ([case_ids] if isinstance(case_ids, str) else case_ids)}
    overlap = observations["validation_overlap"].fillna("").astype(str)
    keep = [not (cases & {c.strip() for c in cell.split(";") if c.strip()}) for cell in overlap]
    return observations[keep]


def prior(
    observations: pd.DataFrame,
    *,
    generation: str,
    architecture: str = "dense",
    precision: str = "bf16",
    kinds: tuple[str, ...] = KINDS,
    min_count: int = MIN_OBSERVATIONS,
) -> Prior:
    """The MFU prior [share of the dense peak at ``precision``] for a run on a chip of
    ``generation`` (``chips.csv`` ``generation``), ``architecture`` (``dense`` | ``moe``) and
    ``precision`` (``bf16`` | ``fp8``): the usable observations (:func:`usable`) matching the
    first level of :data:`LEVELS` at which at least ``min_count`` match: generation ×
    architecture × precision, else architecture × precision, else precision — first among the
    observations of the first kind in ``kinds`` (default :data:`KINDS`: accounted runs, whose
    utilisation is what a whole run achieved as its developer accounted it, then production
    runs' published MFUs), then the next kind, and where no kind has enough at any level, among
    all kinds. P10 / P50 / P90 = :func:`analysis.formulas.uncertainty.percentiles` of the
    matching MFUs. Raises ValueError when not even the precision level has ``min_count``.

    Source: definition.
    """
    rows = usable(observations)
    for kind in kinds:
        try:
            found = prior(
                rows[rows["kind"] == kind],
                generation=generation,
                architecture=architecture,
                precision=precision,
                kinds=(),
                min_count=min_count,
            )
            return replace(found, kind=kind)
        except ValueError:
            pass  # too few of that kind at every level: the next kind
    condition = {"generation": generation, "architecture": architecture, "precision": precision}
    for level in LEVELS:
        match = np.ones(len(rows), dtype=bool)
        for name in level:
            match &= (rows[COLUMNS[name]] == condition[name]).to_numpy()
        if match.sum() >= min_count:
            chosen = rows[match]
            values = np.sort(chosen["mfu"].to_numpy(dtype=float))
            p = uncertainty.percentiles(values)
            return Prior(
                values=values,
                obs_ids=tuple(chosen.index.astype(str)),
                level=level,
                condition=condition,
                p10=p["p10"],
                p50=p["p50"],
                p90=p["p90"],
            )
    raise ValueError(f"fewer than {min_count} usable MFU observations at precision {precision!r}")


def leave_one_out(observations: pd.DataFrame, *, min_count: int = MIN_OBSERVATIONS) -> pd.DataFrame:
    """Leave-one-out errors of the prior's median: for each usable observation, the prior for
    its own generation, architecture and precision fitted on the other observations of its own
    kind first (an accounted run against accounted runs, a published MFU against published MFUs
    of its kind; all kinds where too few match), and
    error = P50 / MFU − 1 [share]. One row per observation (indexed like ``observations``):
    ``mfu``, ``p10``, ``p50``, ``p90``, ``error``, ``inside`` (P10 ≤ MFU ≤ P90) and ``level``
    (the conditions that held, ``;``-separated).

    Source: definition.
    """
    rows = usable(observations)
    out = {}
    for obs_id, row in rows.iterrows():
        fitted = prior(
            rows.drop(index=obs_id),
            generation=row["chip_generation"],
            architecture=row["architecture"],
            precision=row["precision"],
            kinds=(row["kind"],),
            min_count=min_count,
        )
        mfu = float(row["mfu"])
        out[obs_id] = {
            "mfu": mfu,
            "p10": fitted.p10,
            "p50": fitted.p50,
            "p90": fitted.p90,
            "error": fitted.p50 / mfu - 1,
            "inside": fitted.p10 <= mfu <= fitted.p90,
            "level": ";".join(fitted.level),
        }
    return pd.DataFrame.from_dict(out, orient="index")
