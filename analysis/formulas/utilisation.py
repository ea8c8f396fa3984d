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

Model size is not a condition, because leave-one-out on the fit data says it does not help
(tested again once the accounted runs existed, issue 19 item 3). The candidate
(:func:`size_adjusted`, ``prior(active_params=…)``) regresses ln MFU on ln N_active within the
level the prior chose and moves every observation to the run's size along the fitted slope, keeping
its residual (so the band is the residuals' spread). Each of the 33 usable accounted and production
observations, predicted from the others of its kind (:func:`leave_one_out` with ``kinds`` =
:data:`KINDS`; the validation cases are never among them): without size the median is off by
31.9 % on average (mean |ln error| 0.275) and P10–P90 holds 75.8 % of the held-out values; with
size 37.8 % (0.345) and 69.7 %. Also tried, one-off, and worse too: MFU linear in ln N (39.4 %,
66.7 %), size bands below 10 B, 10-100 B and above (32.3 %, 69.7 %), and one slope shared by all
groups (it is −0.014 in ln-ln: no size trend across the fit data; 33.0 %, 75.8 %). Within a level
the sizes are confounded with who published them (Hopper dense BF16 accounted runs: 1.8-14 B from
Microsoft, IBM and Hugging Face at 0.13-0.26, Llama 3.1 405B at 0.37). The validation report
shows both leave-one-out figures from :func:`leave_one_out`.

Candidate conditions, pre-registered (issue 19, 2026-12-07, written and committed before any of
them was computed). Each is something a user of training_run knows before the run; each is tried
in one form only, fixed here:

(a) *cluster*: the run's chip count (``cluster_chips``; training_run's ``chip_count``), as a
    log-linear trend within the level the prior chose (ln MFU on ln chips, each observation moved
    to the run's count with its residual: the mechanism of the size candidate). Expected slope
    negative: more chips means more communication per step and a smaller batch per chip at a
    given global batch (goodput is removed separately).
(b) *era*: the run started in or after 2023-07 (FlashAttention-2, released 2023-07-17; FP8
    training kernels of Transformer Engine) or before (``run_start``, YYYY-MM: the training start
    where the source gives it, else its end or the release month, the note says which), as a
    first condition (generation × architecture × precision × era) dropped before the others when
    fewer than :data:`MIN_OBSERVATIONS` match. Expected: later runs higher.
(c) *sequence*: the main pretraining stage's sequence length (``seq_len``), a log-linear trend
    as (a). Expected negative: the attention FLOPs 6·N·D leaves out grow with sequence length.
(d) *tokens per parameter*: D / N_active, a log-linear trend as (a). Expected negative (a weak
    reason): more tokens per parameter is a smaller model for its compute, with narrower matrix
    products and more work outside 6·N·D per parameter.
(e) *frontier lab with its own stack vs open or academic group*: not tried, decided before
    computing: the sources do not state their software stack in comparable words, and "frontier"
    would be the analyst's judgement, not the source's.

Observations without the candidate's value are not moved (a trend) or match no era (b); held out,
they get the prior without the candidate. Adoption rule: a candidate is adopted only if, on the fit
data only (accounted and production observations; validation cases never looked at), its
leave-one-out mean |error| is at least 2 points below the prior without it (31.9 % on the 33
observations of 2026-12-06; and below the prior without it on the fit data as enlarged this
session — both must hold) AND its P10–P90 coverage stays within 70–90 % AND its fitted direction
is the expected one above. At most one candidate is adopted (the one with the lowest error among
those that pass); no pair is pre-declared. Every candidate's figures are reported, adopted or not.
Disclosed: before writing this the current leave-one-out table (MFU, chip count and active
parameters of the 33 observations) had been printed; no candidate had been computed.
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
    size_slope: float | None = None  # d ln MFU / d ln N_active of a size-conditioned prior (None: none)

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
        sized = "" if self.size_slope is None else f", moved to the run's size (slope {self.size_slope:+.3f} in ln-ln)"
        return f"{what} at the {str(c['precision']).upper()} peak{sized}" + (
            fallback if self.fallback and not brief else ""
        )


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


def size_adjusted(mfu, active_params, target_params: float) -> tuple[np.ndarray, float]:
    """Observed MFUs [share] moved to a run of ``target_params`` active parameters along their
    log-linear trend in size, and the trend's slope b: the least-squares fit of
    y = ln MFU on x = ln N_active (b = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², a = ȳ − b·x̄), each
    observation's residual kept: value_i = exp(a + b·ln N + (y_i − a − b·x_i))
    = MFU_i × (N / N_i)^b. All sizes equal: b = 0, the MFUs unchanged. The candidate size
    condition of issue 19 (not adopted: see the module docstring).

    Source: definition.
    """
    y = np.log(np.asarray(mfu, dtype=float))
    x = np.log(np.asarray(active_params, dtype=float))
    spread = ((x - x.mean()) ** 2).sum()
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / spread) if spread > 0 else 0.0
    return np.exp(y + slope * (np.log(float(target_params)) - x)), slope


def prior(
    observations: pd.DataFrame,
    *,
    generation: str,
    architecture: str = "dense",
    precision: str = "bf16",
    active_params: float | None = None,
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
    matching MFUs. With ``active_params`` [parameters] the matching MFUs are first moved to that
    size (:func:`size_adjusted`: the candidate size condition, which no report uses). Raises
    ValueError when not even the precision level has ``min_count``.

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
                active_params=active_params,
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
            values, slope = chosen["mfu"].to_numpy(dtype=float), None
            if active_params is not None:
                values, slope = size_adjusted(values, chosen["active_params"], active_params)
            values = np.sort(values)
            p = uncertainty.percentiles(values)
            return Prior(
                values=values,
                obs_ids=tuple(chosen.index.astype(str)),
                level=level,
                condition=condition,
                p10=p["p10"],
                p50=p["p50"],
                p90=p["p90"],
                size_slope=slope,
            )
    raise ValueError(f"fewer than {min_count} usable MFU observations at precision {precision!r}")


def leave_one_out(
    observations: pd.DataFrame,
    *,
    kinds: tuple[str, ...] | None = None,
    by_size: bool = False,
    min_count: int = MIN_OBSERVATIONS,
) -> pd.DataFrame:
    """Leave-one-out errors of the prior's median: for each usable observation of ``kinds``
    (None: every kind; :data:`KINDS`, accounted and production runs, is the data the prior is
    fitted on), the prior for its own generation, architecture and precision (and, with
    ``by_size``, its active parameters: :func:`size_adjusted`) fitted on the other usable
    observations, of its own kind first (an accounted run against accounted runs, a published
    MFU against published MFUs of its kind; all kinds where too few match), and
    error = P50 / MFU − 1 [share]. One row per observation (indexed like ``observations``):
    ``mfu``, ``p10``, ``p50``, ``p90``, ``error``, ``inside`` (P10 ≤ MFU ≤ P90) and ``level``
    (the conditions that held, ``;``-separated).

    Source: definition.
    """
    rows = usable(observations)
    held_out = rows if kinds is None else rows[rows["kind"].isin(kinds)]
    out = {}
    for obs_id, row in held_out.iterrows():
        fitted = prior(
            rows.drop(index=obs_id),
            generation=row["chip_generation"],
            architecture=row["architecture"],
            precision=row["precision"],
            active_params=float(row["active_params"]) if by_size else None,
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
