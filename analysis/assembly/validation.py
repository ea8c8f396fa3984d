"""The validation report: the package's DEFAULT numbers beside independent published measurements.

Each row of ``data/validation_cases.csv`` is one published measurement — training days, GPU-hours,
energy (with its boundary: GPU only, IT or facility), serving throughput and cost, system power —
with the setup the measurement itself discloses (chips, counts, model size, tokens, precision,
PUE where disclosed, the accounting boundary) and the library defaults it exercises
(``exercised_defaults``, words of :data:`EXERCISED`).
:func:`analysis.assembly.validation_cases.modelled_case` enters that setup and nothing else into
the package's own report functions (:mod:`.training_run`, :mod:`.inference_cost`, the per-chip
power model); every other input keeps its default. Each case is modelled at the base point and at
the seeded Monte Carlo draws of the inputs the package treats as uncertain, so it has a P10–P90
band (:func:`analysis.formulas.uncertainty.percentiles`).

A case's modelled value is the P50 of those draws: the figure its report quotes as the answer
(training_run: "Figures are the median of … Monte Carlo draws"; inference_cost's page 1 likewise),
so the validation judges the number a reader is given, and the modelled value always lies inside
its own band. The base point (every input at its default) is kept beside it (``base``). A case
with no draws, or whose band has no width (a point prediction), has its base point as its P50.
Rule of 2026-12-07 (issue 19; a hostile review found the goodput cases' base points above their
own P10–P90 bands, since the goodput defaults sit at the favourable end of their sourced
ranges): until then the modelled value was the base point. Written and committed before the
errors at the P50 were computed; the base-point errors were known, and both are reported.

Roles keep evidence honest:

* ``validation`` — a measurement no default was set from, exercising at least one default. Only
  these enter the statistics: mean absolute error (goal ≤ 15 %, none above 35 % without a stated
  reason) and coverage, the share whose measurement lies inside its P10–P90 band (nominal 80 %).
* ``calibration`` — a measurement a default was set from. It is evidence for nothing.
* ``arithmetic`` — a case that enters its own throughput or utilisation and so exercises no
  default (Megatron-LM, MegaScale, LLaMA-65B's energy): a check of the FLOP arithmetic only.
* ``cross-check`` — another model's output (llm-analysis), not a measurement.

The error of a case is modelled / measured − 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from ..catalog import keys_in, load
from ..formulas import uncertainty
from ..formulas import utilisation as mfu_prior
from . import inference_cost, params, present, serving_observations, validation_cases
from . import inputs as shared
from .inputs import Used
from .validation_cases import is_point

PARAMETERS = params.declare()

#: Goals of issue 19 for the validation cases: mean and maximum absolute error, and the range the
#: coverage of the P10–P90 bands should fall in (nominal 80 %).
GOAL_MEAN_ABS_ERROR = 0.15
GOAL_MAX_ABS_ERROR = 0.35
NOMINAL_COVERAGE = 0.80
GOAL_COVERAGE = (0.70, 0.90)
ROLES = ("validation", "calibration", "arithmetic", "cross-check")
#: The central band levels of the coverage figure [%]: band P(50 − L/2)–P(50 + L/2).
LEVELS = (10, 20, 30, 40, 50, 60, 70, 80, 90)
#: Within rounding: a point prediction is inside its band only if it equals the measurement within half a
#: unit of the third significant figure, the precision of the published figures (6.5, 10.2, 12 kW) [share].
POINT_TOLERANCE = 0.005

#: The vocabulary of ``exercised_defaults``: each library default a case can exercise.
EXERCISED = {
    "mfu_prior": "training utilisation where the run discloses none (the MFU default and its spread)",
    "goodput": "time lost to interruptions: interruption rate, restart and checkpoint times",
    "server_power_ratio": "maximum power of server and network per chip, × TDP",
    "load_factor": "average draw during training as a share of that maximum",
    "pue": "facility overhead where the measurement's PUE is not disclosed",
    "vendor_mfu_factor": "a vendor's software maturity carried onto its chips",
    "serving_mfu": "prefill utilisation of the serving model",
    "decode_mfu": "decode utilisation of the serving model where compute binds",
    "hbm_efficiency": "share of HBM bandwidth decode achieves",
    "decode_batch": "decode batch where the deployment does not disclose it",
    "serving_utilisation": "share of hours an owned serving chip is busy",
}

#: The quantity groups of the coverage statistics, by the case's method and figure.
GROUPS = ("training time", "training energy", "goodput", "serving throughput", "serving cost", "system power")


def exercised(cell) -> list[str]:
    """The defaults a case exercises: its ``exercised_defaults`` cell split on ``;``; an unknown
    word (not in :data:`EXERCISED`) is an error."""
    words = [w.strip() for w in str(cell if isinstance(cell, str) else "").split(";") if w.strip()]
    unknown = [w for w in words if w not in EXERCISED]
    if unknown:
        raise ValueError(f"exercised_defaults: unknown {', '.join(unknown)}; expected words of {sorted(EXERCISED)}")
    return words


def group(case: pd.Series) -> str:
    """The quantity group of a case (:data:`GROUPS`): training time (days and GPU-hours),
    training energy, goodput (the share of wall-clock time a job trains), serving throughput,
    serving cost or system power (other figures: its ``quantity``)."""
    method = case["method"]
    if method == "training_run":
        return {"energy_mwh": "training energy", "goodput": "goodput"}.get(case["figure"], "training time")
    if method in ("inference_cost.prefill", "inference_cost.decode"):
        return "serving throughput"
    return {"inference_cost.daily_cost": "serving cost", "systems.power": "system power"}.get(method, case["quantity"])


@dataclass(frozen=True)
class Inputs(shared.ReportInputs):
    """What the report needs: ``cases`` (``data/validation_cases.csv``, by case id: the measured
    value, its unit, the case's ``method``, ``figure``, ``setup``, ``role``,
    ``exercised_defaults`` …), ``parameters`` (none: an empty dict, for the JSON) and ``used``
    (the library defaults the cases exercise, :func:`used_inputs`)."""

    cases: pd.DataFrame


def used_inputs() -> dict:
    """The inputs block: every library default a case keeps because its source does not disclose
    it, as :class:`~analysis.assembly.inputs.Used` records: in training, the utilisation where
    none is disclosed and Huawei's vendor MFU factor (the Pangu case); in serving, ``serving_mfu``
    (the prefill utilisation of published prefill throughputs), ``decode_mfu`` (decode's, of
    published decode throughputs), the HBM efficiency and
    the decode batch where none is disclosed, each as
    :func:`analysis.assembly.inference_cost.serving_setting` resolves it for every report; the
    server power ratio and load factor of the power and energy cases; the goodput inputs of the training cases."""
    vendors = load("vendor_efficiency")
    return {
        "mfu": Used(
            "median of the prior",
            "share",
            "mfu-observations",
            "per case: the utilisation observations of its chip's generation, dense or MoE, at its precision "
            "(accounted runs first)",
        ),
        "huawei_mfu_factor": Used(
            float(vendors.at["huawei", "mfu_factor"]),
            "ratio",
            keys_in(vendors.loc[["huawei"]])[0],
            "vendor_efficiency.csv: Huawei's software maturity (Pangu case)",
        ),
        "serving_mfu": inference_cost.serving_setting("mfu", None),
        "decode_mfu": inference_cost.serving_setting("decode_mfu", None),
        **{name: inference_cost.serving_setting(name, None) for name in ("hbm_efficiency", "batch_size")},
        "server_power_ratio": shared.setting("server_power_ratio", None),
        "load_factor": shared.setting("load_factor", None),
        **shared.goodput_inputs().used,
    }


def inputs(**values) -> Inputs:
    """Validate the parameters (none) and load the cases (their ``exercised_defaults`` checked
    against :data:`EXERCISED`) and the defaults they exercise."""
    cases = load("validation_cases")
    cases["exercised_defaults"].map(exercised)
    used = used_inputs() | shared.equations("training_flop", "recompute_flop", "mla_decode")
    used["validation_cases"] = shared.rows_used("validation_cases", cases.index, label="name")
    used["serving_observations"] = shared.rows_used("serving_observations", load("serving_observations").index)
    used["decode_batches"] = shared.rows_used("decode_batches", load("decode_batches").index)
    return Inputs(cases=cases, parameters=params.validate("validation", **values), used=used)


@dataclass(frozen=True)
class Summary:
    """Statistics over the cases of one role: ``count``, ``mean_abs_error`` and
    ``max_abs_error`` (shares; NaN without cases), ``worst`` (case id or None), ``misses`` (ids
    above :data:`GOAL_MAX_ABS_ERROR`), ``coverage`` (share of cases with a band whose
    measurement lies inside its P10–P90; NaN without bands), ``banded`` (cases with a band),
    ``goal_met`` (mean and maximum error goals)."""

    count: int
    mean_abs_error: float
    max_abs_error: float
    worst: str | None
    misses: list[str]
    coverage: float
    banded: int
    goal_met: bool


@dataclass(frozen=True)
class Result:
    """The report's numbers. ``cases``: :attr:`Inputs.cases` plus ``group`` (:func:`group`),
    ``modelled`` (:attr:`~.validation_cases.Modelled.central`: the P50 of its draws, the base
    point where it has none or its band has no width; in the case's unit), ``base`` (the base
    point), ``p10``, ``p50``, ``p90`` (of its draws; NaN for a case without uncertain inputs),
    ``error`` (modelled / measured − 1), ``abs_error``,
    ``point`` (a band with no width, :func:`is_point`), ``inside`` (P10 ≤ measured ≤ P90; a point
    prediction within rounding, :func:`inside_band`), ``within`` (|error| ≤ the case's tolerance), ``in_goal``
    (|error| ≤ 35 %); ``draws``: each case's Monte Carlo draws; ``summary``: :class:`Summary` of
    the validation cases; ``calibration``: of the calibration cases; ``by_group``: a
    :class:`Summary` of the validation cases of each quantity group; ``coverage_curve``: the
    coverage of central bands at the nominal :data:`LEVELS` (:func:`coverage_curve`);
    ``prior_loo``: the utilisation prior's leave-one-out errors on the data it is fitted on
    (:func:`analysis.formulas.utilisation.leave_one_out` of the accounted and production
    observations, :func:`analysis.assembly.inputs.mfu_observations`); ``prior_loo_candidates``:
    the same with each candidate condition of
    :data:`analysis.formulas.utilisation.CANDIDATES` (none adopted), by name; ``implied``: the |error|
    each validation case's band implies if it is honest (:func:`implied_error`); ``narrowed``: the
    scale and coverage of bands narrowed until they imply the goal's mean (:func:`narrowed`)."""

    inputs: Inputs
    cases: pd.DataFrame
    draws: dict[str, np.ndarray]
    summary: Summary
    calibration: Summary
    by_group: dict[str, Summary]
    coverage_curve: pd.DataFrame
    prior_loo: pd.DataFrame
    prior_loo_candidates: dict[str, pd.DataFrame]
    implied: pd.Series
    narrowed: tuple[float, float]


def figures(inp: Inputs) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Every case with its modelled value and band
    (:func:`analysis.assembly.validation_cases.modelled_case`; P10/P50/P90 through
    :func:`analysis.formulas.uncertainty.percentiles`), error and whether its band holds the
    measurement; and each case's draws."""
    cases = inp.cases.copy()
    modelled = {case_id: validation_cases.modelled_case(row) for case_id, row in cases.iterrows()}
    bands = pd.DataFrame({case_id: uncertainty.percentiles(m.draws) for case_id, m in modelled.items()}).T
    cases["group"] = [group(row) for _, row in cases.iterrows()]
    cases["base"] = [m.value for m in modelled.values()]
    cases["utilisation_basis"] = [m.basis for m in modelled.values()]
    cases[["p10", "p50", "p90"]] = bands[["p10", "p50", "p90"]].to_numpy()
    cases["point"] = is_point(cases["p10"], cases["p50"], cases["p90"])
    cases["modelled"] = [m.central for m in modelled.values()]
    cases["error"] = cases["modelled"] / cases["measured"] - 1.0
    cases["abs_error"] = cases["error"].abs()
    cases["inside"] = inside_band(cases["measured"], cases["modelled"], cases["p10"], cases["p90"], cases["point"])
    cases["within"] = cases["abs_error"] <= cases["tolerance"]
    cases["in_goal"] = cases["abs_error"] <= GOAL_MAX_ABS_ERROR
    return cases, {case_id: m.draws for case_id, m in modelled.items()}


def inside_band(measured, modelled, p10, p90, point):
    """Whether each measurement lies inside its P10–P90 band, ``P10 ≤ measured ≤ P90``; for a point
    prediction (``point``, :func:`is_point`) the band has no width, so the rule is stated: inside only if
    ``|modelled / measured − 1| ≤`` :data:`POINT_TOLERANCE` (equal within rounding). A point prediction
    stays in the coverage: it claims certainty, and one that misses is a band that failed."""
    measured, modelled, p10, p90 = (np.asarray(x, dtype=float) for x in (measured, modelled, p10, p90))
    rounding = np.abs(modelled / measured - 1.0) <= POINT_TOLERANCE
    return np.where(np.asarray(point, dtype=bool), rounding, (p10 <= measured) & (measured <= p90))


def summary(cases: pd.DataFrame, role: str = "validation") -> Summary:
    """:class:`Summary` of the cases of one role (of ``cases``, already chosen by group or not)."""
    chosen = cases[cases["role"] == role]
    if chosen.empty:
        return Summary(0, float("nan"), float("nan"), None, [], float("nan"), 0, False)
    mean = float(chosen["abs_error"].mean())
    misses = list(chosen.index[chosen["abs_error"] > GOAL_MAX_ABS_ERROR])
    banded = chosen[chosen["p10"].notna()]
    return Summary(
        count=int(len(chosen)),
        mean_abs_error=mean,
        max_abs_error=float(chosen["abs_error"].max()),
        worst=chosen["abs_error"].idxmax(),
        misses=misses,
        coverage=float(banded["inside"].mean()) if len(banded) else float("nan"),
        banded=int(len(banded)),
        goal_met=mean <= GOAL_MEAN_ABS_ERROR and not misses,
    )


def coverage_curve(cases: pd.DataFrame, draws: dict[str, np.ndarray], levels=LEVELS) -> pd.DataFrame:
    """Coverage against the nominal level: for each central band level L [%] of
    :data:`LEVELS`, the share of the validation cases with a band whose measurement lies inside
    P(50 − L/2)–P(50 + L/2) of its draws (:func:`analysis.formulas.uncertainty.percentiles`),
    overall and per quantity group. Rows: levels as shares; columns ``all`` and each group."""
    chosen = cases[(cases["role"] == "validation") & cases["p10"].notna()]
    rows = {}
    for level in levels:
        low, high = 50 - level // 2, 50 + level // 2
        inside = pd.Series(
            {
                case_id: bool(chosen.at[case_id, "inside"])  # a point prediction: the same at every level
                if chosen.at[case_id, "point"]
                else (lambda b, x: b[f"p{low}"] <= x <= b[f"p{high}"])(
                    uncertainty.percentiles(draws[case_id], q=(low, high)), chosen.at[case_id, "measured"]
                )
                for case_id in chosen.index
            },
            dtype=bool,
        )
        rows[level / 100] = {"all": inside.mean(), **inside.groupby(chosen["group"]).mean().to_dict()}
    return pd.DataFrame(rows).T.rename_axis("nominal")


def implied_error(cases: pd.DataFrame, draws: dict[str, np.ndarray]) -> pd.Series:
    """The |error| each validation case's band implies if the band is honest [share]: were the
    measurement one more draw ``x`` of the case's own Monte Carlo, quoting its modelled value ``m``
    (the P50) would be off by ``mean over the draws of |m / x − 1|`` (the error's definition,
    modelled / measured − 1). A point prediction (:func:`is_point`) and a case without draws imply 0.

    Source: definition (a band that holds the measurement about 8 times in 10 is a band whose draws
    are spread like the measurements; then this is the error to expect of its median)."""
    chosen = cases[cases["role"] == "validation"]
    return pd.Series(
        {
            case_id: 0.0
            if row["point"] or not np.isfinite(row["p10"])
            else float(np.mean(np.abs(row["modelled"] / _finite(draws[case_id]) - 1.0)))
            for case_id, row in chosen.iterrows()
        },
        dtype=float,
    )


def _finite(x) -> np.ndarray:
    """The finite values of ``x`` as a float array."""
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def narrowed(cases: pd.DataFrame, draws: dict[str, np.ndarray], *, target: float = GOAL_MEAN_ABS_ERROR) -> tuple:
    """What bands narrow enough for a mean |error| of ``target`` would hold: every validation
    case's draws pulled towards its modelled value ``m`` in log space, ``x → m · (x / m)^k``, with
    the one scale ``k`` in (0, 1] at which the mean :func:`implied_error` of the pulled draws is
    ``target`` (bisection, 20 halvings: k to within 1e-6; ``k = 1`` where the bands already imply no more). Returns
    ``(k, coverage)``: the scale and the share of the validation cases with a band whose measurement
    lies inside the P10–P90 of the pulled draws (:func:`inside_band`; a point prediction as before).

    Source: definition. The pull keeps each band's centre and shape and shrinks its log-width by ``k``."""
    chosen = cases[(cases["role"] == "validation") & cases["p10"].notna()]

    def pulled(k: float) -> dict[str, np.ndarray]:
        return {i: chosen.at[i, "modelled"] * (_finite(draws[i]) / chosen.at[i, "modelled"]) ** k for i in chosen.index}

    def implied(k: float) -> float:
        return float(implied_error(cases, {**draws, **pulled(k)}).mean())

    low, high = 0.0, 1.0
    if implied(high) > target:
        for _ in range(20):
            mid = (low + high) / 2
            low, high = (low, mid) if implied(mid) > target else (mid, high)
    bands = pd.DataFrame({i: uncertainty.percentiles(d) for i, d in pulled(high).items()}).T
    inside = inside_band(chosen["measured"], chosen["modelled"], bands["p10"], bands["p90"], chosen["point"])
    return high, float(np.mean(inside))


def run(**values) -> Result:
    """:func:`inputs`, then :func:`figures`, the summaries and the coverage curve: everything the
    notebook shows."""
    inp = inputs(**values)
    cases, draws = figures(inp)
    validation = cases[cases["role"] == "validation"]
    return Result(
        inputs=inp,
        cases=cases,
        draws=draws,
        summary=summary(cases),
        calibration=summary(cases, "calibration"),
        by_group={name: summary(validation[validation["group"] == name]) for name in GROUPS},
        coverage_curve=coverage_curve(cases, draws),
        prior_loo=shared.prior_leave_one_out(),
        prior_loo_candidates={name: shared.prior_leave_one_out(name) for name in mfu_prior.CANDIDATES},
        implied=implied_error(cases, draws),
        narrowed=narrowed(cases, draws),
    )


# --------------------------------------------------------------------------------------------
# Text and tables


def label(name: str) -> str:
    """A case's short label: its name up to the colon."""
    return str(name).split(":")[0].strip()


def _value(x: float, unit: str) -> str:
    """A measured or modelled value in a reader's words for its unit (``n/a`` for NaN)."""
    if x != x:
        return present.NA
    if unit == "GPU-hours":
        return f"{x / 1e6:,.3g} M"
    if unit in ("fraction",):
        return present.pct(x, digits=1)
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:,.1f}"
    return f"{x:,.3g}" if x < 1 else f"{x:,.2f}"


def _with_unit(x: float, unit: str) -> str:
    """:func:`_value` with its short unit (:data:`SHORT_UNITS`), which a percentage already carries."""
    return _value(x, unit) if unit == "fraction" else f"{_value(x, unit)} {SHORT_UNITS.get(unit, unit)}"


def _signed_pct(x: float) -> str:
    """``+23.1 %`` / ``−6.4 %`` / ``0.0 %``."""
    if abs(x) < 0.0005:
        return "0.0 %"
    return ("+" if x >= 0 else "−") + f"{abs(x) * 100:.1f} %"


def _coverage_words(share: float, banded: int) -> str:
    """``18 of 44 (40.9 %)``."""
    return f"{round(share * banded):,} of {banded:,} ({present.pct(share, digits=1)})"


#: The report's sections as page 1's contents line lists them: (heading, what a reader finds there).
SECTIONS = (
    ("Do the bands hold what was measured?", "coverage"),
    ("The validation cases", "the cases and the defaults they exercise"),
    ("Cases that miss by more than 35 %, and why", "misses over 35 %"),
    ("Arithmetic checks: cases that test no default (counted for nothing)", "arithmetic checks"),
    ("Calibration cases: defaults fitted to a measurement (no evidence)", "calibration cases"),
    ("The utilisation prior, left out one at a time", "the prior left out one at a time"),
    ("Published serving throughputs behind the serving utilisation", "serving data"),
    ("Methods and assumptions", "methods"),
    ("Each case in detail", "each case in detail"),
    ("Sources", "sources"),
)


def anchor(heading: str) -> str:
    """The id nbconvert gives a heading in the HTML page (its text with spaces as hyphens)."""
    return heading.replace(" ", "-")


#: The lead-in of each section that a table opens, by heading (:func:`section`).
LEADS = {
    "Do the bands hold what was measured?": (
        "Coverage: the share of validation cases whose measurement lies "
        "inside the package's default P10–P90 band, per quantity and overall, beside the nominal 80 %. The figure "
        "repeats it for every central band from 10 % to 90 %: a model whose bands mean what they say follows the "
        "diagonal."
    ),
    "The validation cases": (
        "Measured: the published figure. Modelled: the package with its default "
        "parameters and only the measurement's disclosed setup entered, the P50 of its draws (the figure its report "
        "quotes); P10–P90: its default band. Error: modelled / "
        "measured − 1. Defaults exercised: the library defaults the case leaves to the package (its source does not "
        "disclose them); only cases that exercise one count in the statistics."
    ),
    "Arithmetic checks: cases that test no default (counted for nothing)": (
        "These cases enter their "
        "source's own achieved throughput or utilisation, so the package only repeats the source's arithmetic (the "
        "FLOP count); they stay out of the statistics."
    ),
    "Calibration cases: defaults fitted to a measurement (no evidence)": (
        "A measurement used to set or "
        "calibrate a default reproduces by construction. These cases are kept apart from the validation cases and "
        "do not enter the statistics."
    ),
    "Cross-check against another model": (
        "llm-analysis' regression value for Llama-2-70B decode is another "
        "roofline model's output at 100 % efficiency, not a measurement: the like-for-like entry sets both "
        "efficiencies to 1."
    ),
    "Appendix: inputs": (
        "This report has no parameters: each case's inputs are its source's disclosed setup "
        "(data/validation_cases.csv, column setup); everything else is the package's default, listed below as the "
        "cases used it."
    ),
    "Each case in detail": (
        "What each measurement includes (its boundary), the setup the case entered as "
        "parameters of the package's functions (its source's disclosure; every other input keeps its default) and "
        "the source keys (numbered in the appendix's table of validation cases)."
    ),
}


def section(heading: str) -> tuple[str, str]:
    """(heading, lead-in) of a section a table opens, for ``present.table(..., heading=...)``."""
    return heading, LEADS[heading]


def contents() -> str:
    """Page 1's contents line (HTML, the report's own markup): each section linked by its heading's id
    (:data:`SECTIONS`); the figure of every case's error follows page 1."""
    links = " · ".join(f'<a href="#{escape(anchor(h), quote=True)}">{escape(words)}</a>' for h, words in SECTIONS)
    return f"<p><strong>In this report:</strong> every case's error (figure) · {links}.</p>"


def answer(r: Result) -> str:
    """The answer at the top of the report: one line with the mean error (the index page's summary),
    a list (the largest error against the goal; the P10–P90 coverage against its goal) and a note on
    what a case enters."""
    s, cases = r.summary, r.cases
    worst = cases.loc[s.worst] if s.worst is not None else None
    low, high = GOAL_COVERAGE
    met = "meets" if s.goal_met else "misses"
    covered = "within" if low <= s.coverage <= high else "outside"
    return (
        f"Against **{s.count} independent published measurements that exercise a default** (training "
        f"days and GPU-hours, training energy, serving throughput and cost, system power), the package's "
        f"default model is off by **{present.pct(s.mean_abs_error, digits=1)} on average** (mean absolute "
        f"error):\n\n"
        f"- by at most **{present.pct(s.max_abs_error, digits=1)}** "
        f"({label(worst['name']) if worst is not None else 'n/a'}): it {met} the goal (mean ≤ 15 %, none "
        f"above 35 % without a stated reason);\n"
        f"- its P10–P90 bands hold the measurement in **{_coverage_words(s.coverage, s.banded)}** cases "
        f"against a nominal {present.pct(NOMINAL_COVERAGE)}, {covered} the goal of "
        f"{present.pct(low)}–{present.pct(high)}.\n\n"
        f"Each case enters only the setup its source discloses; every other input keeps the package's "
        f"default. Calibration cases ({r.calibration.count}), arithmetic checks "
        f"({int((cases['role'] == 'arithmetic').sum())}) and a cross-check are shown apart and count for nothing."
    )


def findings(r: Result) -> str:
    """Key findings as a markdown list."""
    c = r.cases
    v = c[c["role"] == "validation"]
    over = v[v["error"] > GOAL_MAX_ABS_ERROR].sort_values("error", ascending=False)
    under = v[v["error"] < -GOAL_MAX_ABS_ERROR].sort_values("error")

    def names(frame):
        return "; ".join(f"{label(row['name'])} ({_signed_pct(row['error'])})" for _, row in frame.iterrows())

    lines = [
        "- **By quantity.** "
        + "; ".join(
            f"{name}: mean {present.pct(g.mean_abs_error, digits=1)}, max {present.pct(g.max_abs_error, digits=1)}, "
            f"P10–P90 holds {_coverage_words(g.coverage, g.banded) if g.banded else 'n/a (no band)'}"
            for name, g in r.by_group.items()
            if g.count
        )
        + "."
    ]
    if len(under):
        lines.append(f"- **Too low by more than 35 %.** {names(under)}.")
    if len(over):
        lines.append(f"- **Too high by more than 35 %.** {names(over)}.")
    curve = r.coverage_curve["all"]
    lines.append(
        f"- **Bands.** The central 50 % band holds {present.pct(curve.loc[0.5], digits=0)} of the cases, the "
        f"80 % band {present.pct(curve.loc[0.8], digits=0)}, the 90 % band {present.pct(curve.loc[0.9], digits=0)}: "
        + (
            "the bands are too narrow for the spread of what was measured."
            if curve.loc[0.8] < GOAL_COVERAGE[0]
            else "too wide."
            if curve.loc[0.8] > GOAL_COVERAGE[1]
            else "about as wide as they should be."
        )
    )
    if r.summary.mean_abs_error > GOAL_MEAN_ABS_ERROR:
        lines += [why_missed(r), honest_bands_text(r)]
    lines.append(
        "- **What is not evidence.** Megatron-LM, MegaScale and LLaMA-65B's energy enter their own "
        "achieved throughput (arithmetic checks: they test the FLOP count, no default); Llama 3.1 405B's "
        "GPU-hours, DeepSeek-V3's implied MFU, Llama 3's effective training time, the DGX H100's, DGX A100's "
        "and DGX-2's power, Pangu Ultra MoE and CloudMatrix 384's power per FLOP set defaults (calibration, "
        f"{(r.cases['role'] == 'calibration').sum()} cases)."
    )
    return "\n".join(lines)


def why_missed(r: Result) -> str:
    """A finding on why the mean error misses its goal: the training-time cases' share of the error
    against the other cases' mean, and the utilisation prior's leave-one-out error on its own fit
    data (:func:`analysis.assembly.shared.prior_leave_one_out`), which is how far apart published
    utilisations of like runs are."""
    v = r.cases[r.cases["role"] == "validation"]
    training = v["group"] == "training time"
    loo = r.prior_loo["error"].abs()
    return (
        f"- **Why the mean misses.** Training time ({training.sum()} cases) averages "
        f"{present.pct(v.loc[training, 'error'].abs().mean(), digits=1)}, the other {(~training).sum()} cases "
        f"{present.pct(v.loc[~training, 'error'].abs().mean(), digits=1)}: a run that discloses no utilisation is "
        f"predicted from like runs' published ones, and those {len(loo)}, each predicted from the others, are off "
        f"by {present.pct(loo.mean(), digits=1)} on average (Methods)."
    )


def honest_bands_text(r: Result) -> str:
    """What honest bands allow: the mean |error| the validation cases' own bands imply
    (:func:`implied_error`) beside the measured mean, and what bands narrowed to imply the goal's
    mean would hold (:func:`narrowed`)."""
    scale, coverage = r.narrowed
    banded = r.summary.banded
    low = GOAL_COVERAGE[0]
    return (
        f"- **What honest bands allow.** Bands as wide as these, if they are honest, imply a mean |error| of "
        f"{present.pct(r.implied.mean(), digits=1)} for their medians (each measurement taken as one more draw "
        f"of its case); the measured mean, {present.pct(r.summary.mean_abs_error, digits=1)}, is no worse. Bands "
        f"narrowed until they imply {present.pct(GOAL_MEAN_ABS_ERROR)} (every case's draws pulled towards its "
        f"median to {scale:.2f} of their log-width) would hold {_coverage_words(coverage, banded)} of the "
        f"measurements, {'below' if coverage < low else 'within'} the {present.pct(low)} the coverage goal asks: "
        "with the spread of published utilisations, a smaller mean needs more known about each run, not narrower bands."
    )


def _exercised_text(cell) -> str:
    """The exercised defaults of a case as text (``—`` for none)."""
    return ", ".join(exercised(cell)) or "—"


#: Short unit words for the case tables.
SHORT_UNITS = {"GPU-hours": "GPU\u2011h", "tokens/s per chip": "tok/s", "fraction": "%", "USD per day": "$/day"}


def cases_table(r: Result, role: str | None = None) -> pd.DataFrame:
    """The cases (of one role — then without a role column — or all) by short label: measured
    (with its unit), modelled with its P10–P90, error and whether the band holds the measurement,
    the library defaults each exercises (``exercised_defaults``; ``—`` for none, an arithmetic
    check) and the role, as text a reader reads (``2.66 M GPU-h``, ``+23.1 %``)."""
    c = r.cases if role is None else r.cases[r.cases["role"] == role]
    frame = pd.DataFrame(
        {
            "measured": [_with_unit(x, u) for x, u in zip(c["measured"], c["unit"])],
            "modelled (P10–P90)": [
                f"{_value(x, u)} ({_value(lo, u)}–{_value(hi, u)})" if lo == lo else _with_unit(x, u)
                for x, lo, hi, u in zip(c["modelled"], c["p10"], c["p90"], c["unit"])  # no band: a number with its unit
            ],
            "error; band holds it?": [
                _signed_pct(x).replace(" ", "\u00a0") + ("" if lo != lo else "; yes" if inside else "; no")
                for x, lo, inside in zip(c["error"], c["p10"], c["inside"])
            ],
            "defaults exercised": [_exercised_text(x) for x in c["exercised_defaults"]],
            "role": c["role"].to_numpy(),
        },
        index=[label(n) for n in c["name"]],
    )
    return frame if role is None else frame.drop(columns="role")


def coverage_table(r: Result) -> pd.DataFrame:
    """By quantity group (and all validation cases): cases, mean and max |error|, and the share
    whose P10–P90 holds the measurement beside the nominal 80 %."""
    rows = {**{name: g for name, g in r.by_group.items() if g.count}, "all validation cases": r.summary}
    return pd.DataFrame(
        {
            "cases": [g.count for g in rows.values()],
            "mean |error|": [present.pct(g.mean_abs_error, digits=1) for g in rows.values()],
            "max |error|": [present.pct(g.max_abs_error, digits=1) for g in rows.values()],
            "inside P10–P90": [
                _coverage_words(g.coverage, g.banded) if g.banded else present.NA for g in rows.values()
            ],
            "nominal": present.pct(NOMINAL_COVERAGE),
        },
        index=list(rows),
    )


def detail_table(r: Result) -> pd.DataFrame:
    """By short label: what each measurement includes (its boundary), the inputs the case entered
    (its source's disclosed setup; everything else keeps its default) and its source keys."""
    c = r.cases
    return pd.DataFrame(
        {
            "what the measurement includes": c["boundary"].to_numpy(),
            "setup entered (everything else: defaults)": c["setup"]
            .fillna("")
            .str.replace(r"\s*;\s*", "; ", regex=True)
            .to_numpy(),
            "source": c["source"].str.replace(";", "; ").to_numpy(),
        },
        index=[label(n) for n in c["name"]],
    )


def misses_text(r: Result) -> str:
    """The validation cases above 35 % with their reasons, or a sentence saying there are none."""
    c = r.cases
    misses = c.loc[r.summary.misses].sort_values("error")
    if misses.empty:
        return "No validation case is off by more than 35 %."
    return "\n".join(
        f"- **{label(row['name'])}** ({_signed_pct(row['error'])}): "
        f"{row['miss_reason'] if isinstance(row['miss_reason'], str) and row['miss_reason'] else 'reason not stated'}"
        + (f" The model used {row['utilisation_basis']}." if row["utilisation_basis"] else "")
        for _, row in misses.iterrows()
    )


def calibration_text(r: Result) -> str:
    """Which defaults are calibrated on which measurement (markdown list)."""
    c = r.cases
    rows = c[c["role"] == "calibration"]
    lines = [
        f"- **{label(row['name'])}** — measured {_value(row['measured'], row['unit'])}, modelled "
        f"{_value(row['modelled'], row['unit'])}. {row['note']}"
        for _, row in rows.iterrows()
    ]
    prior = serving_observations.prior()
    lines.append(
        f"- **{len(prior.values)} published prefill throughputs** (`data/serving_observations.csv`: SGLang on "
        "H100 and GB200, Ant Group on H20) — the serving utilisation default "
        f"({present.pct(prior.p50, digits=1)}, their median) and its spread "
        f"({present.pct(prior.p10, digits=1)}–{present.pct(prior.p90, digits=1)}) are set from them; none is a "
        "validation case's measurement, so DeepSeek's and Huawei's serving figures stay validation cases "
        "(table below)."
    )
    decode = serving_observations.decode_prior()
    lines.append(
        f"- **{len(decode.values)} published decode setups** (`data/decode_observations.csv`: TensorRT-LLM's "
        "DeepSeek R1 on 8 H200 and Llama 3.1 405B on 8 H200 and on 8 H100, vLLM's Llama 3.1 405B on 8 MI300X) — "
        f"the decode utilisation default ({present.pct(decode.median, digits=1)}, their median) and its spread "
        f"({present.pct(decode.p10, digits=1)}–{present.pct(decode.p90, digits=1)}); none from a validation "
        "case's source (table below)."
    )
    return "\n".join(lines)


def decode_observations_table() -> pd.DataFrame:
    """By row of ``data/decode_observations.csv`` (its id names the chip): input / output tokens,
    batch per replica (stated, or what the KV cache holds), measured output tokens/s per chip, the
    implied compute utilisation (:func:`analysis.assembly.serving_observations.decode_implied`) and whether the
    default uses it (``yes``; else ``excluded`` with a reason in :func:`decode_observations_text`,
    ``prefill`` — more input than output tokens — or ``memory``: memory-bound in the roofline)."""
    rows = serving_observations.decode_implied()
    excluded = rows["excluded"].fillna("").str.strip() != ""
    used = np.where(
        rows["usable"],
        "yes",
        np.where(excluded, "excluded", np.where(rows["decode_dominated"], "memory", "prefill")),
    )
    return pd.DataFrame(
        {
            "in / out": [
                f"{present.num(i, '{:,.0f}', '—')} / {o:,.0f}"
                for i, o in zip(rows["input_tokens"], rows["output_tokens"])
            ],
            "batch": [
                present.num(b, "{:,.0f}", "—") + (" (KV)" if derived and b == b else "")
                for b, derived in zip(rows["batch"], rows["batch_per_replica"].isna())
            ],
            "tok/s per chip": [f"{x:,.1f}" if x < 100 else f"{x:,.0f}" for x in rows["output_tokens_per_s_per_chip"]],
            "implied": [present.pct(x, digits=1) for x in rows["implied_utilisation"]],
            "used": used,
        },
        index=rows.index,
    )


def decode_observations_caption() -> str:
    """The caption of :func:`decode_observations_table`, with the HBM efficiency the roofline test
    uses (the serving default, :func:`analysis.assembly.inference_cost.serving_setting`)."""
    hbm = inference_cost.serving_setting("hbm_efficiency", None).value
    return (
        "Implied utilisation: FLOPs of the inputs' prefill and the outputs' decode ÷ (time × dense peak). "
        "Batch: sequences per model replica, stated or (KV) the one the KV cache holds. Used: memory, "
        f"memory-bound in the roofline at the prefill utilisation and HBM efficiency {hbm:g}; prefill, more "
        "input than output tokens. A setup's points count as one observation, their median."
    )


def decode_observations_text() -> str:
    """The decode utilisation's observations in one paragraph: the rule, fixed before they were
    computed, the setups it counts and the rows it leaves out."""
    prior = serving_observations.decode_prior()
    setups = serving_observations.decode_setups()
    rows = serving_observations.decode_implied()
    excluded = rows["excluded"].fillna("").str.strip()
    grouped = excluded[excluded != ""].groupby(excluded, sort=False)
    unused = " — ".join(f"{', '.join(ids.index)}: {why}" for why, ids in grouped)
    hbm = inference_cost.serving_setting("hbm_efficiency", None).value
    counted = ", ".join(
        f"{setup} {present.pct(row['implied_utilisation'], digits=1)} ({row['points']} points)"
        for setup, row in setups.iterrows()
    )
    return (
        f"Where compute binds, decode runs at its own utilisation: the median of {len(prior.values)} published "
        f"decode setups ({present.pct(prior.median, digits=1)}; P10–P90 "
        f"{present.pct(prior.p10, digits=1)}–{present.pct(prior.p90, digits=1)}: {counted}), each point the FLOPs "
        "of prefilling its inputs and decoding its outputs over the time they took at the dense peak, a setup "
        "the median of its points. The inclusion rule was fixed before any share of a new row was computed "
        "(module docstring of analysis/assembly/serving_observations.py): MLPerf Inference results (Closed, "
        "Datacenter, Offline; per round, benchmark and chip the best result per accelerator) and vendors' "
        "documented tables with disclosed setups; only points with at least as many output as input tokens "
        f"whose batch is compute-bound in the roofline (at the prefill utilisation and HBM efficiency {hbm:g}); "
        f"adopted with at least {serving_observations.MIN_DECODE_OBSERVATIONS} setups from "
        f"{serving_observations.MIN_DECODE_SOURCES} sources, else decode keeps the prefill utilisation. An "
        "offline run that queues every request decodes the batch its KV cache holds (marked KV). Listed and not "
        f"used besides the memory-bound and prefill-dominated points: {unused}."
    )


def serving_observations_table() -> pd.DataFrame:
    """By observation id: chip, phase, setup (context, decode batch per replica), measured tokens/s
    per chip, the implied utilisation (compute share for prefill, HBM-bandwidth share for decode;
    :func:`analysis.assembly.serving_observations.implied`) and whether the prior uses it (why not:
    :func:`serving_observations_text`)."""
    rows = serving_observations.implied()
    return pd.DataFrame(
        {
            "chip": rows["chip_id"].to_numpy(),
            "phase": rows["phase"].to_numpy(),
            "context / batch": [
                f"{c:,.0f}" + ("" if b != b else f" / {b:,.0f}")
                for c, b in zip(rows["context_tokens"], rows["batch_size"].astype(float))
            ],
            "tok/s per chip": [f"{x:,.1f}" if x < 100 else f"{x:,.0f}" for x in rows["tokens_per_s_per_chip"]],
            "implied": [present.NA if x != x else present.pct(x, digits=1) for x in rows["implied_utilisation"]],
            "used": np.where(rows["usable"], "yes", "no"),
        },
        index=rows.index,
    )


def serving_observations_text() -> str:
    """The serving utilisation's observations in one paragraph: the prefill prior and what the
    decode observations imply beside the HBM efficiency the model assumes."""
    prefill, decode = serving_observations.prior(), serving_observations.prior("decode")
    hbm = inference_cost.serving_setting("hbm_efficiency", None).value
    rows = serving_observations.implied()
    unused = "; ".join(f"{obs_id}: {why}" for obs_id, why in rows.loc[~rows["usable"], "excluded"].items())
    return (
        f"The serving utilisation is the median of {len(prefill.values)} published prefill utilisations "
        f"({present.pct(prefill.p50, digits=1)}; P10–P90 {present.pct(prefill.p10, digits=1)}–"
        f"{present.pct(prefill.p90, digits=1)}): each is the measured throughput over the model's at utilisation 1, "
        f"and the Monte Carlo draws from them. The {len(decode.values)} usable decode observations (one "
        f"deployment, 2 requests per rank) imply {present.pct(decode.p10, digits=1)}–"
        f"{present.pct(decode.p90, digits=1)} of HBM bandwidth in the model's roofline, well below the {hbm:g} it "
        "assumes: too few to set it, so the HBM efficiency stays an assumption, drawn as a triangle from the "
        "lowest of them to the best a published decode kernel reaches (FlashMLA's 3,000 GB/s on the H800, "
        f"{present.pct(inference_cost.hbm_range(hbm)[2], digits=1)}). Listed and not used: {unused}."
    )


def decode_batches_table() -> pd.DataFrame:
    """By row of ``data/decode_batches.csv``: chip, batch per chip, chips per replica, batch per
    replica (:func:`analysis.assembly.serving_observations.decode_batches`), how the batch is known,
    whether the default uses it and the validation cases that run the same deployment."""
    rows = serving_observations.decode_batches()
    return pd.DataFrame(
        {
            "chip": rows["chip_id"].to_numpy(),
            "per chip": [f"{x:,.1f}".removesuffix(".0") for x in rows["batch_per_chip"]],
            "chips": [f"{x:,.0f}" for x in rows["chips_per_replica"]],
            "per replica": [f"{x:,.0f}" for x in rows["batch_per_replica"]],
            "basis": rows["basis"].to_numpy(),
            "used": np.where(rows["usable"], "yes", "no"),
            "case": rows["validation_overlap"].fillna("").str.replace(";", ", ").to_numpy(),
        },
        index=rows.index,
    )


def decode_batches_text() -> str:
    """The decode batch's observations in one paragraph: the default (median), the spread drawn,
    and which cases enter their own deployment's batch."""
    prior = serving_observations.batch_prior()
    low, mid, high = prior.sampler()
    rows = serving_observations.decode_batches()
    unused = "; ".join(f"{batch_id}: {why}" for batch_id, why in rows.loc[~rows["usable"], "excluded"].items())
    return (
        f"The decode batch is the median of the batches per model replica of {len(prior.values)} published "
        f"deployments ({present.count(mid)} sequences; {present.count(low)} to {present.count(high)}), "
        "each the batch per chip its source discloses or lets derive × the chips one copy of the model is "
        "sharded over; the Monte Carlo draws from them. A case whose source discloses its batch enters its "
        "own row (column case) and exercises the utilisation and HBM efficiency, not the batch; a case "
        "without one draws its batch from the rows of other deployments. DeepSeek's online batch is derived: "
        "1,850 output tokens/s per H800 at 20–22 tokens/s per user is about 88 sequences per GPU, × 144 of "
        f"its EP144 decode unit. Listed and not used: {unused}."
    )


def loo_text(r: Result) -> str:
    """The utilisation prior's leave-one-out errors in one paragraph, with and without the
    candidate conditions (:func:`candidates_table`)."""
    loo, sized = r.prior_loo, r.prior_loo_candidates["size"]
    table = candidates_table(r)
    others = "; ".join(
        f"{name} {row['mean |error|']} and {row['P10–P90 holds']}"
        for name, row in table.drop(index=["none (the prior)", "size"]).iterrows()
    )
    return (
        f"Each of the {len(loo)} usable observations the prior is fitted on — accounted runs "
        "(`data/accounted_runs.csv`) and production runs' published MFUs (`data/mfu_observations.csv`; "
        "benchmarks only where too few of these match) — predicted by the prior fitted on the others of its own "
        f"kind (same generation, dense or MoE, precision; fallback below {mfu_prior.MIN_OBSERVATIONS} matches): "
        f"the prior's median is off by **{present.pct(loo['error'].abs().mean(), digits=1)} on average** (median "
        f"{present.pct(loo['error'].abs().median(), digits=1)}, worst "
        f"{present.pct(loo['error'].abs().max(), digits=1)}, "
        f"{loo['error'].abs().idxmax()}), and its P10–P90 holds "
        f"{_coverage_words(loo['inside'].mean(), len(loo))} of the held-out values. Conditioned on model size "
        "as well (ln MFU regressed on ln active parameters within the same conditions, each observation moved to "
        "the held-out run's size with its residual) it would be off by "
        f"{present.pct(sized['error'].abs().mean(), digits=1)} and hold "
        f"{_coverage_words(sized['inside'].mean(), len(sized))}, so model size is not a condition of the prior. "
        "Four more conditions a user knows before a run were pre-registered (issue 19: each in one form, with the "
        "direction physics expects, adopted only if at least 2 points better with coverage within 70–90 % and the "
        f"expected direction): {others}. No candidate passes, so the prior keeps its three conditions. "
        "The validation cases above are other runs (where a case measures the same run or code as an "
        "observation, that observation is left out of the prior the case is modelled with)."
    )


def candidates_table(r: Result) -> pd.DataFrame:
    """By candidate condition (:data:`analysis.formulas.utilisation.CANDIDATES`): its form, the
    direction expected (and why) and fitted (:func:`~analysis.formulas.utilisation.direction` on the fit
    data), its leave-one-out mean |error| and coverage, and the pre-registered rule's verdict
    (:func:`~analysis.formulas.utilisation.adopted`); first row the prior without any."""
    observations, base = shared.mfu_observations(), r.prior_loo
    rows = {"none (the prior)": {"form": "—", "expected": "—", "fitted": "—", "loo": base, "verdict": "the prior"}}
    for name, c in mfu_prior.CANDIDATES.items():
        fitted = mfu_prior.direction(observations, name)
        verdict = mfu_prior.adopted(base, r.prior_loo_candidates[name], fitted_direction=fitted, candidate=name)
        rows[name.replace("_", " ")] = {
            "form": f"after {c.threshold}" if c.form == "split" else "ln-ln trend",
            "expected": {None: "none stated", 1: "higher", -1: "lower"}[c.expected]
            + ("" if c.expected is None else f" ({c.reason})"),
            "fitted": f"{fitted:+.3f}",
            "loo": r.prior_loo_candidates[name],
            "verdict": ("adopted" if verdict[0] else "not adopted: ") + ("" if verdict[0] else verdict[1]),
        }
    return pd.DataFrame(
        {
            name: {
                "form": row["form"],
                "expected MFU": row["expected"],
                "fitted slope": row["fitted"],
                "mean |error|": present.pct(row["loo"]["error"].abs().mean(), digits=1),
                "P10–P90 holds": present.pct(row["loo"]["inside"].mean(), digits=1),
                "verdict": row["verdict"],
            }
            for name, row in rows.items()
        }
    ).T


def loo_table(r: Result) -> pd.DataFrame:
    """By observation id: the published MFU, the leave-one-out prior's P10–P50–P90, its error
    (P50 / MFU − 1), whether its band holds the MFU and the conditions it used."""
    loo = r.prior_loo
    return pd.DataFrame(
        {
            "MFU": [present.pct(x, digits=1) for x in loo["mfu"]],
            "prior P10–P50–P90": [
                f"{lo * 100:.0f}–{mid * 100:.0f}–{hi * 100:.0f} %"
                for lo, mid, hi in zip(loo["p10"], loo["p50"], loo["p90"])
            ],
            "error": [_signed_pct(x).replace(" ", "\u00a0") for x in loo["error"]],
            "in band": np.where(loo["inside"], "yes", "no"),
            "conditions": loo["level"].str.replace(";", ", "),
        },
        index=loo.index,
    )


# --------------------------------------------------------------------------------------------
# Figures

ROLE_COLORS = {"validation": "#1f5fa8", "calibration": "#9a9a9a", "arithmetic": "#6a6a6a", "cross-check": "#d08a2c"}
ROLE_MARKERS = {"validation": "o", "calibration": "s", "arithmetic": "^", "cross-check": "D"}
#: The x range of the error figure (modelled / measured, log scale).
RATIO_LIMITS = (0.1, 3.0)


def _role_points(ax, order: pd.DataFrame, y: np.ndarray) -> None:
    """Modelled / measured of each case as a marker of its role, its P10–P90 band as a line, its
    error written at the right."""
    ratio = (order["modelled"] / order["measured"]).to_numpy()
    low, high = (order["p10"] / order["measured"]).to_numpy(), (order["p90"] / order["measured"]).to_numpy()
    ax.hlines(y, low, high, color="#7f9fc8", lw=2.2, zorder=2)
    for role in ROLES:
        chosen = (order["role"] == role).to_numpy()
        if chosen.any():
            ax.scatter(
                np.clip(ratio[chosen], *RATIO_LIMITS),
                y[chosen],
                color=ROLE_COLORS[role],
                marker=ROLE_MARKERS[role],
                s=30,
                zorder=3,
                label=role,
                edgecolor="#333333",
                linewidth=0.5,
            )
    for yi, value in zip(y, order["error"]):
        ax.annotate(
            _signed_pct(value),
            (RATIO_LIMITS[1], yi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=present.small_pt(),
            color="#444444",
            annotation_clip=False,
        )


#: The height of one case's row in the figure of every case [in]: 0.15 (9.4 pt apart as printed) keeps the figure and
#: the lines of page 1 that run over (its terms) on page 2; 0.17 pushed the figure to page 3.
ROW_IN = 0.15


def plot_errors(r: Result) -> None:
    """Modelled / measured for every case on a log axis with its P10–P90 band (a measurement
    inside its band has the band across the vertical line at 1), validation cases first, the goal
    (±35 %) shaded and ±15 % marked; shown with alt text giving the validation statistics."""
    import matplotlib.pyplot as plt

    c = r.cases
    order = pd.concat([c[c["role"] == role] for role in ROLES])
    y = np.arange(len(order))[::-1]
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, ROW_IN * len(order) + 1.4))
    ax.axvspan(1 - GOAL_MAX_ABS_ERROR, 1 + GOAL_MAX_ABS_ERROR, color="#e8f0e8", zorder=0)
    for edge in (1 - GOAL_MEAN_ABS_ERROR, 1 + GOAL_MEAN_ABS_ERROR):
        ax.axvline(edge, color="#7a9a7a", lw=0.8, ls="--", zorder=1)
    ax.axvline(1.0, color="#333333", lw=1.0, zorder=1)
    _role_points(ax, order, y)
    ax.set_xscale("log")
    ticks = [0.1, 0.2, 0.5, 1.0, 2.0, 3.0]  # no labels at the dashed lines: they ran into 1's
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(*RATIO_LIMITS)
    ax.set_yticks(y)
    ax.set_yticklabels([label(n) for n in order["name"]])
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, frameon=False)  # under the axes: no case hidden
    ax.set_xlabel("modelled / measured (log scale)\nbar: P10–P90; shaded: within 35 %, dashed: 15 %")
    ax.set_title("The package's defaults against published measurements")
    fig.tight_layout()
    present.show(
        fig,
        alt=(
            "Modelled over measured for every case with its P10–P90 band; validation mean absolute error "
            f"{present.pct(r.summary.mean_abs_error, digits=1)}, "
            f"maximum {present.pct(r.summary.max_abs_error, digits=1)}, "
            f"P10–P90 coverage {present.pct(r.summary.coverage, digits=1)}"
        ),
    )


def plot_coverage(r: Result) -> None:
    """Coverage against the nominal level (:attr:`Result.coverage_curve`): the share of the
    validation cases inside each central band, overall (thick) and per quantity group, against the
    diagonal a calibrated model follows; the goal's 70–90 % at the 80 % level marked."""
    import matplotlib.pyplot as plt

    curve = r.coverage_curve
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 4.2))
    ax.plot([0, 1], [0, 1], color="#333333", lw=0.8, ls="--", label="calibrated (coverage = nominal)")
    ax.vlines(NOMINAL_COVERAGE, *GOAL_COVERAGE, color="#5a9a5a", lw=6, alpha=0.4, label="goal at 80 %: 70–90 %")
    for name in [g for g in GROUPS if g in curve.columns]:
        ax.plot(curve.index, curve[name], lw=1.0, marker=".", label=f"{name} ({r.by_group[name].banded})")
    ax.plot(curve.index, curve["all"], color="#1f5fa8", lw=2.6, marker="o", label=f"all ({r.summary.banded})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=True)  # beside the curves
    present.finish(
        ax,
        "Do the bands hold what was measured?",
        "nominal level of the central band (0.8 = P10–P90)",
        "share of validation cases inside",
        alt=(
            f"Coverage of the P10–P90 band {present.pct(r.summary.coverage, digits=1)} against a nominal 80 %; "
            f"of the 50 % band {present.pct(curve.loc[0.5, 'all'], digits=1)}"
        ),
    )


def point_words(r: Result) -> str:
    """The validation cases whose band has no width (:func:`is_point`), listed apart: `` Point predictions
    among the validation cases: <name>: 12.0 kW measured, 8.00 kW modelled (outside).`` — empty
    without any (none since the V100's server power ratio has a range)."""
    c = r.cases
    points = c[(c["role"] == "validation") & c["point"]]
    if points.empty:
        return ""
    listed = "; ".join(
        f"{label(row['name'])}: {_with_unit(row['measured'], row['unit'])} measured, "
        f"{_with_unit(row['modelled'], row['unit'])} modelled ({'inside' if row['inside'] else 'outside'})"
        for _, row in points.iterrows()
    )
    return f" Point predictions among the validation cases: {listed}."


def methods_text(r: Result) -> str:
    """Methods and assumptions, with the library's defaults as the report used them (its inputs
    block)."""
    used = r.inputs.used
    return "\n".join(
        [
            "- **What is entered.** Each case enters the setup its source discloses — model size, tokens, chip, "
            "chip count, precision (FP8 where the run used it), throughput where disclosed, PUE where disclosed — "
            "and, where the published figure is an accounting rather than a metered value, its accounting boundary "
            "(e.g. BLOOM's energy = GPU-hours × GPU TDP: server power ratio 1 and load factor 1 are entered; the "
            "OLMo energies are measured GPU power: server ratio 1 and PUE 1). A figure derived from iteration "
            "time or throughput (Pythia, GPT-3's 14.8 days) is a compute time without failures, so no "
            "interruptions are entered for it. OLMo 2 7B's energy is compared as facility energy (its measured GPU "
            "energy × its disclosed PUE 1.2, entered; where it trained could not be read, so no region is). "
            "Everything else keeps the package's default; the defaults each case exercises are listed with it.",
            "- **Training** (the training_run report, base point and its own Monte Carlo): C = 6 · N · D; "
            "GPU-hours = C / (peak × MFU × 3,600) / goodput; days = GPU-hours / chips / 24. Where the run discloses "
            f"no utilisation the report's default applies ({r.inputs.used['mfu'].origin}).",
            "- **Goodput**: " + shared.goodput_inputs().describe(16_384),
            "- **Power**: max W per chip = TDP × the chip's server-to-chip power ratio (Epoch AI's, from NVIDIA's "
            "own systems where it gives one, data/chips.csv and data/server_power_ratios.csv; "
            f"{used['server_power_ratio'].value:g} for a chip without one), or the system's own power per chip for "
            "a chip without a TDP; average draw × "
            f"{used['load_factor'].value:g}; facility = IT × PUE. System nameplates are compared at full load.",
            "- **Serving** (the inference_cost report's serving model): prefill on computed tokens at the "
            "8-bit peak plus attention at the BF16 peak, with the median utilisation of published prefill "
            f"throughputs ({present.pct(used['serving_mfu'].value, digits=1)}); decode from the roofline (weights "
            f"touched + KV cache over HBM bandwidth × {used['hbm_efficiency'].value:g}, or compute at the median "
            f"utilisation of published decode throughputs, {present.pct(used['decode_mfu'].value, digits=1)}, "
            "data/decode_observations.csv) at the batch "
            "the deployment discloses or lets derive (data/decode_batches.csv); a batch that is not disclosed is "
            f"the default, the median of the other deployments' batches per replica "
            f"({present.counted(used['batch_size'].value, 'sequence')} with all of them). "
            "DeepSeek's daily cost = the day's computed input and output tokens at the modelled rates, priced at "
            "the disclosed $2 per H800-hour.",
            "- **Bands.** Each case's P10–P90 comes from the seeded draws (10,000, seed 0) of the inputs its "
            "model treats as uncertain — training: the training_run report's ranges (utilisation, TDP, the "
            "vendor factor, electricity price and PUE where not entered); serving: the prefill and decode "
            "utilisations drawn from the published prefill and decode utilisations, the HBM efficiency between "
            "published decode bandwidth shares "
            "and an undisclosed decode batch from the other deployments' batches, as the inference_cost report "
            "draws them; system power: the chip's TDP range and its server power ratio's (between the NVIDIA "
            "systems behind a chip's own ratio, data/server_power_ratios.csv; for a chip without one, between "
            "the catalog's chip ratios) — through the "
            "one percentile routine. Coverage = share of validation cases whose measurement lies inside its band "
            f"(nominal {present.pct(NOMINAL_COVERAGE)}). A band with no width (P90 − P10 ≤ 10⁻⁹ × P50: "
            "no uncertain input reaches the case) is a point prediction: it is inside only if the modelled value "
            f"equals the measurement within {present.pct(POINT_TOLERANCE, digits=1)} (rounding of the published "
            "figure), and it stays in the coverage, since it claims certainty and one that misses is a band that "
            "failed." + point_words(r),
            f"- **Error** = modelled / measured − 1. Goal over validation cases: mean absolute error ≤ "
            f"{present.pct(GOAL_MEAN_ABS_ERROR)}, none above {present.pct(GOAL_MAX_ABS_ERROR)} without a stated "
            "reason. Calibration cases, arithmetic checks and the cross-check are shown but not counted; no case "
            "is dropped to improve the statistics and no default was changed to pass a case.",
        ]
    )


def _case_json(case_id: str, row: pd.Series) -> dict:
    """One case as the JSON writes it."""
    number = lambda x: None if x != x else float(x)  # noqa: E731
    return {
        "case_id": case_id,
        "name": row["name"],
        "quantity": row["quantity"],
        "group": row["group"],
        "unit": row["unit"],
        "measured": float(row["measured"]),
        "modelled": float(row["modelled"]),
        "base": float(row["base"]),
        "p10": number(row["p10"]),
        "p90": number(row["p90"]),
        "inside_p10_p90": bool(row["inside"]) if row["p10"] == row["p10"] else None,
        "point_prediction": bool(row["point"]),
        "error": float(row["error"]),
        "exercised_defaults": exercised(row["exercised_defaults"]),
        "source": row["source"],
        "role": row["role"],
        "boundary": row["boundary"],
        "tolerance": float(row["tolerance"]),
        "miss_reason": row["miss_reason"] if isinstance(row["miss_reason"], str) else "",
    }


def key_figures(r: Result) -> dict:
    """The JSON of the report contract: ``cases`` (the validation cases, in table order, each with
    ``measured``, ``modelled``, ``p10``, ``p90``, ``error``, ``exercised_defaults``, ``source``
    …), ``mean_abs_error``, ``max_abs_error`` and ``coverage_p10_p90`` (validation cases only,
    also ``by_quantity``), ``validation_count``; the ``calibration_cases``, ``arithmetic_checks``
    and ``cross_checks`` listed apart (counted for nothing); the goals, ``goal_met``, ``misses``;
    ``implied_mean_abs_error`` (:func:`implied_error`) and ``narrowed_for_goal`` (:func:`narrowed`)."""
    c, s = r.cases, r.summary

    def listed(role):
        return [_case_json(case_id, row) for case_id, row in c[c["role"] == role].iterrows()]

    return {
        "cases": listed("validation"),
        "mean_abs_error": s.mean_abs_error,
        "max_abs_error": s.max_abs_error,
        "coverage_p10_p90": s.coverage,
        "validation_count": s.count,
        "case_count": s.count,
        "by_quantity": {
            name: {
                "count": g.count,
                "mean_abs_error": g.mean_abs_error,
                "max_abs_error": g.max_abs_error,
                "coverage_p10_p90": g.coverage,
            }
            for name, g in r.by_group.items()
            if g.count
        },
        "coverage_curve": {f"{level:g}": float(v) for level, v in r.coverage_curve["all"].items()},
        "implied_mean_abs_error": float(r.implied.mean()),
        "narrowed_for_goal": {"scale": r.narrowed[0], "coverage_p10_p90": r.narrowed[1]},
        "calibration_cases": listed("calibration"),
        "arithmetic_checks": listed("arithmetic"),
        "cross_checks": listed("cross-check"),
        "calibration_count": r.calibration.count,
        "goal_mean_abs_error": GOAL_MEAN_ABS_ERROR,
        "goal_max_abs_error": GOAL_MAX_ABS_ERROR,
        "nominal_coverage": NOMINAL_COVERAGE,
        "goal_coverage": list(GOAL_COVERAGE),
        "goal_met": s.goal_met,
        "coverage_goal_met": GOAL_COVERAGE[0] <= s.coverage <= GOAL_COVERAGE[1],
        "misses": s.misses,
        "worst_case": s.worst,
    }
