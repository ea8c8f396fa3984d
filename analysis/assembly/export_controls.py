"""The export_controls report: where each accelerator sits against the ECCN 3A090 thresholds of
each rule vintage (per integrated circuit), what licence-review policy a US export of it to China
meets, and how a what-if rule would classify it.

:func:`inputs` validates the parameters (the what-if thresholds; None keeps the rule as written)
and resolves the rules, licence policies and chips from data into an :class:`Inputs`, whose
``used`` block records the thresholds actually used with their source keys; :func:`result` maps
them to the metrics, classification and licence policy of every chip (a :class:`Result`). There
is no Monte Carlo: a classification follows from datasheet figures and legal thresholds, and the
report checks instead whether the catalog's ranges move any chip across a threshold
(:func:`range_check`). Tables, findings, the figure (:func:`plot_thresholds`) and the key figures
are small functions the tests call.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..catalog import load
from ..formulas import controls
from . import inputs as shared
from . import params, present
from .inputs import Used

PARAMETERS = params.declare(
    tpp_threshold=None,
    density_threshold=None,
    io_threshold_gb_s=None,
    new_chip_name=None,
    new_chip_tpp=None,
    new_chip_fp32_dense_tflops=None,
    new_chip_bf16_dense_tflops=None,
    new_chip_fp8_dense_tflops=None,
    new_chip_int8_dense_tops=None,
    new_chip_die_area_mm2=None,
    new_chip_planar_node=False,
    new_chip_interconnect_gb_s=None,
    new_chip_dram_bandwidth_gb_s=None,
    new_chip_us_commercially_available=True,
    new_chip_us_export_licensing=True,
)
#: The what-if rule's thresholds (any given: the report adds a ``what-if`` rule).
THRESHOLDS = ("tpp_threshold", "density_threshold", "io_threshold_gb_s")
#: A what-if chip's dense figures: parameter -> the chips.csv column it stands for.
NEW_CHIP_DENSE = {
    "new_chip_fp32_dense_tflops": "fp32_dense_tflops",
    "new_chip_bf16_dense_tflops": "bf16_dense_tflops",
    "new_chip_fp8_dense_tflops": "fp8_dense_tflops",
    "new_chip_int8_dense_tops": "int8_dense_tops",
}
#: The what-if chip's id: no clause or licence row names it (the H20's row never applies to it).
NEW_CHIP_ID = "what-if-chip"
#: Characters a what-if chip's name may use (it is printed in sentences, tables and figures).
NEW_CHIP_NAME = re.compile(r"[\w .+/()-]{1,40}")

#: The rule vintage whose 3A090.a clauses the what-if rule starts from, and the what-if rule id.
WHAT_IF_BASE = "2023-10"
WHAT_IF = "what-if"
#: Rule vintage of the licence policy of the latest source (the answer and the key figure): the rules as of it.
CURRENT = "2026-01"
#: 91 FR 1684's condition (1), verbatim from the rule's SUMMARY (source fr-2026-00789-govinfo): a
#: chip that fails it is not covered by the case-by-case review and keeps its earlier policy.
US_AVAILABILITY_CONDITION = (
    "provided that (1) the semiconductors are commercially available in the United States at the time of "
    "publication of this rule"
)

# ---------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class Thresholds:
    """The 3A090.a-style thresholds a rule tests: ``tpp_threshold`` (TPP per IC at or above which
    a chip is controlled, 3A090.a.1) [TPP], ``density_threshold`` (performance density at or above
    which a chip of TPP ≥ ``density_tpp_floor`` is controlled, 3A090.a.2) [TPP/mm²],
    ``density_tpp_floor`` [TPP] and ``io_threshold_gb_s`` (chip-to-chip I/O the TPP test also
    requires, as in 2022) [GB/s] (None: no I/O test)."""

    tpp_threshold: float
    density_threshold: float
    density_tpp_floor: float
    io_threshold_gb_s: float | None


def _clause(rules: pd.DataFrame, clause: str) -> pd.Series:
    """The row of ``export_rules.csv`` of clause ``clause`` of :data:`WHAT_IF_BASE`."""
    return rules[(rules["rule_id"] == WHAT_IF_BASE) & (rules["clause"] == clause)].iloc[0]


def rule_as_written(rules: pd.DataFrame | None = None) -> Thresholds:
    """The 3A090.a thresholds of :data:`WHAT_IF_BASE` that a what-if parameter left at None keeps,
    read from ``export_rules.csv`` (source fr-2023-23055): 3A090.a.1's TPP floor (4,800), 3A090.a.2's
    density floor (5.92) and its TPP floor (1,600), no I/O test."""
    rules = load("export_rules") if rules is None else rules
    a1, a2 = _clause(rules, "3A090.a.1"), _clause(rules, "3A090.a.2")
    return Thresholds(
        tpp_threshold=float(a1["tpp_min"]),
        density_threshold=float(a2["density_min"]),
        density_tpp_floor=float(a2["tpp_min"]),
        io_threshold_gb_s=None,
    )


def what_if_rule(thresholds: Thresholds) -> pd.DataFrame:
    """Clauses of a hypothetical rule in the layout of ``export_rules.csv``: ``controlled`` when
    TPP ≥ ``tpp_threshold`` (and bidirectional I/O ≥ ``io_threshold_gb_s`` if given), or when
    TPP ≥ ``density_tpp_floor`` with performance density ≥ ``density_threshold``. Every
    threshold is used as given — 0 included."""
    t = thresholds
    io_min = np.nan if t.io_threshold_gb_s is None else float(t.io_threshold_gb_s)
    clauses = [("a.1", t.tpp_threshold, np.nan, io_min), ("a.2", t.density_tpp_floor, t.density_threshold, np.nan)]
    return pd.DataFrame(
        [
            {
                "rule_id": WHAT_IF,
                "clause": c,
                "tpp_min": float(tpp),
                "tpp_max": np.nan,
                "density_min": float(d),
                "density_max": np.nan,
                "io_min_gb_s": io,
                "chip_ids": "",
                "outcome": "controlled",
            }
            for c, tpp, d, io in clauses
        ]
    )


def _new_chip_given(values: dict) -> bool:
    """Whether ``values`` declare a what-if chip: its TPP or a dense figure."""
    return any(values.get(name) is not None for name in ("new_chip_tpp", *NEW_CHIP_DENSE))


def cross_check(values: dict) -> None:
    """A what-if chip is declared by its TPP or by its dense figures, not both (which would
    decide?); its other figures need one of them; its name is printable text."""
    dense = [name for name in NEW_CHIP_DENSE if values.get(name) is not None]
    if values.get("new_chip_tpp") is not None and dense:
        raise params.ParameterError(
            f"give new_chip_tpp or the dense figures ({', '.join(dense)}), not both: TPP is computed from them"
        )
    figures = ("new_chip_tpp", *NEW_CHIP_DENSE)
    stray = [
        name
        for name, spec in PARAMETERS.items()
        if name.startswith("new_chip_") and name not in figures and values.get(name, spec.default) != spec.default
    ]
    if stray and not _new_chip_given(values):
        raise params.ParameterError(
            f"{', '.join(stray)} describe(s) a what-if chip: give its new_chip_tpp or a dense figure "
            f"({', '.join(NEW_CHIP_DENSE)}) as well"
        )
    name = values.get("new_chip_name")
    if name is not None and not NEW_CHIP_NAME.fullmatch(str(name)):
        raise params.ParameterError(
            f"parameter new_chip_name: {name!r} is not allowed; "
            "expected 1 to 40 letters, digits, spaces or . + / ( ) - _"
        )


def new_chip_frame(p: dict) -> pd.DataFrame | None:
    """The what-if chip of the parameters ``p`` as one row in the layout of ``chips.csv`` (index
    :data:`NEW_CHIP_ID`; figures per integrated circuit, so ``ics_per_card`` 1; a declared TPP in a
    ``tpp`` column, which :func:`controls.tpp` keeps), or None when no chip is declared. A figure
    not given is NaN: unknown, as an unpublished catalog figure."""
    if not _new_chip_given(p):
        return None
    dram = p["new_chip_dram_bandwidth_gb_s"]
    row = {column: p[name] for name, column in NEW_CHIP_DENSE.items()} | {
        "tpp": p["new_chip_tpp"],
        "die_area_mm2": p["new_chip_die_area_mm2"],
        "interconnect_gb_s": p["new_chip_interconnect_gb_s"],
        "hbm_bandwidth_tb_s": None if dram is None else dram / 1e3,
    }
    frame = pd.DataFrame([row], index=pd.Index([NEW_CHIP_ID], name="chip_id")).astype(float)
    frame["name"] = p["new_chip_name"] or "hypothetical chip"
    frame["ics_per_card"] = 1
    frame["planar_node"] = bool(p["new_chip_planar_node"])
    frame["us_export_licensing"] = bool(p["new_chip_us_export_licensing"])
    frame["us_commercially_available"] = bool(p["new_chip_us_commercially_available"])
    return frame


@dataclass(frozen=True)
class Inputs(shared.ReportInputs):
    """Everything the report needs, resolved: ``thresholds`` (the what-if rule's thresholds as
    ``what_if`` (any threshold given), ``chips`` (``chips.csv``), ``rules`` (``export_rules.csv``
    plus the what-if clauses when ``what_if``), ``policies`` (``licence_policies.csv``);
    ``parameters`` (as given, for the JSON and the appendix) and ``used`` (the thresholds and
    licence-policy limits used, each with unit and source key: the JSON's ``inputs`` block);
    ``new_chip`` (:func:`new_chip_frame`: the what-if chip, or None)."""

    thresholds: Thresholds
    written: Thresholds
    what_if: bool
    chips: pd.DataFrame
    rules: pd.DataFrame
    policies: pd.DataFrame
    new_chip: pd.DataFrame | None


def _source(row: pd.Series) -> str:
    """The first source key of a data row's ``source`` cell."""
    return str(row["source"]).split(";")[0].strip()


def _catalog_used(chips: pd.DataFrame, rules: pd.DataFrame, policies: pd.DataFrame) -> dict:
    """The catalog figures the rules test, as inputs records: per chip the dense figures TPP takes
    its maximum over, die area, interconnect, HBM bandwidth and whether it is sold in the US
    (:func:`~analysis.assembly.inputs.chip_used`); per rule and licence policy its rows' sources."""
    figures = ("fp32_dense_tflops", "bf16_dense_tflops", "fp8_dense_tflops", "int8_dense_tops", "die_area_mm2")
    records = shared.chip_used(chips, columns=(*figures, "interconnect_gb_s", "hbm_bandwidth_tb_s"))
    for chip, row in chips.iterrows():
        if row["us_availability_source"]:
            source = row["us_availability_source"].split(";")[0]
            sold = bool(row["us_commercially_available"])
            records[chip]["us_commercially_available"] = Used(sold, "sold in the US", source, "chips.csv")
    return {
        "chips": records,
        "export_rules": shared.rows_used("export_rules", rules["rule_id"], label="rule_name"),
        "licence_policies": shared.rows_used("licence_policies", policies["rule_id"]),
    }


def _used(p: dict, rules: pd.DataFrame, policies: pd.DataFrame) -> dict[str, Used]:
    """The ``inputs`` block: each threshold as used — the reader's what-if value (source
    ``report-parameter``) or the :data:`WHAT_IF_BASE` rule as written, with its clause's source
    key (an I/O threshold only when the reader gives one) — and the TPP and DRAM-bandwidth lines
    below which :data:`CURRENT` reviews a 3A090 chip case by case (``licence_policies.csv``)."""
    a1, a2 = _clause(rules, "3A090.a.1"), _clause(rules, "3A090.a.2")
    written = rule_as_written(rules)
    as_written = f"{WHAT_IF_BASE} rule as written"
    used = {
        "tpp_threshold": shared.setting(
            "tpp_threshold",
            p["tpp_threshold"],
            default=Used(written.tpp_threshold, "TPP", _source(a1), f"{as_written}, 3A090.a.1"),
        ),
        "density_threshold": shared.setting(
            "density_threshold",
            p["density_threshold"],
            default=Used(written.density_threshold, "TPP/mm²", _source(a2), f"{as_written}, 3A090.a.2"),
        ),
        "density_tpp_floor": Used(written.density_tpp_floor, "TPP", _source(a2), f"{as_written}, 3A090.a.2"),
    }
    if p["io_threshold_gb_s"] is not None:  # the rule as written has no I/O test: nothing to record
        used["io_threshold_gb_s"] = shared.setting("io_threshold_gb_s", p["io_threshold_gb_s"])
    row = policies[(policies["rule_id"] == CURRENT) & policies["tpp_max"].notna()].iloc[0]
    case_by_case = f"{CURRENT} licence policy: case-by-case below"
    used["case_by_case_tpp_max"] = Used(float(row["tpp_max"]), "TPP", _source(row), case_by_case)
    used["case_by_case_dram_bandwidth_gb_s_max"] = Used(
        float(row["dram_bandwidth_gb_s_max"]), "GB/s", _source(row), case_by_case
    )
    return used | (_new_chip_flags(p) if _new_chip_given(p) else {})


def _new_chip_flags(p: dict) -> dict[str, Used]:
    """The what-if chip's two licence flags as used: the reader's, or the report's assumption
    (source ``package-assumption``) that it is a US export sold in the US when 91 FR 1684 was
    published — which meets that rule's condition (1)."""
    used = {}
    for name in ("new_chip_us_commercially_available", "new_chip_us_export_licensing"):
        if p[name] != PARAMETERS[name].default:
            used[name] = Used(p[name], "true/false", shared.READER, "set by the reader")
        else:
            used[name] = Used(p[name], "true/false", shared.ASSUMPTION, "assumed for a what-if chip")
    return used


def inputs(**values) -> Inputs:
    """Validate the parameters (:data:`PARAMETERS`) and resolve the report's :class:`Inputs`:
    a threshold left at None is the rule as written."""
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        raise params.ParameterError(
            f"unknown parameter(s) {', '.join(unknown)} for export_controls; declared: {', '.join(PARAMETERS)}"
        )
    p = params.validate(
        "export_controls", **{name: values.get(name, spec.default) for name, spec in PARAMETERS.items()}
    )
    rules, policies = load("export_rules"), load("licence_policies")
    used = _used(p, rules, policies) | _catalog_used(load("chips"), rules, policies)
    thresholds = Thresholds(
        **{name: used[name].value for name in ("tpp_threshold", "density_threshold", "density_tpp_floor")},
        io_threshold_gb_s=p["io_threshold_gb_s"],
    )
    what_if = any(p[name] is not None for name in THRESHOLDS)
    return Inputs(
        parameters=p,
        used=used,
        thresholds=thresholds,
        written=rule_as_written(rules),
        what_if=what_if,
        chips=load("chips"),
        rules=pd.concat([rules, what_if_rule(thresholds)], ignore_index=True) if what_if else rules,
        policies=policies,
        new_chip=new_chip_frame(p),
    )


@dataclass(frozen=True)
class Decided:
    """Metrics, status, licence policy, deciding policy row and unmet condition of some chips
    (frames indexed by chip id, as in :class:`Result`)."""

    metrics: pd.DataFrame
    status: pd.DataFrame
    policy: pd.DataFrame
    policy_row: pd.DataFrame
    condition_unmet: pd.DataFrame


@dataclass(frozen=True)
class Result:
    """The report's figures, per chip (index: chip id, per integrated circuit): ``metrics``
    (:func:`controls.chip_metrics`: ``tpp``, ``performance_density`` [TPP/mm²],
    ``ics_per_card``, ``die_area_mm2``, ``interconnect_gb_s``, ``dram_bandwidth_gb_s``,
    ``planar_node`` …), ``status`` (classification, one column per rule vintage plus
    ``what-if``) and ``policy`` (licence policy for an export to China, one column per vintage
    with policy rows), ``policy_row`` (``order`` of the ``licence_policies.csv`` row that decided
    it, 0 for none) and ``condition_unmet`` (True where a row's condition — 91 FR 1684's
    commercial availability in the US — kept the chip from that row's policy). ``new_chip``: the
    same frames for the what-if chip (one row, :data:`NEW_CHIP_ID`), or None."""

    inputs: Inputs
    metrics: pd.DataFrame
    status: pd.DataFrame
    policy: pd.DataFrame
    policy_row: pd.DataFrame
    condition_unmet: pd.DataFrame
    new_chip: Decided | None = None


def decide(chips: pd.DataFrame, inp: Inputs) -> Decided:
    """Rows of ``chips`` (the layout of ``chips.csv``) through :func:`controls.chip_metrics`,
    :func:`controls.classify` under every rule of ``inp`` and :func:`controls.licence_decision`
    (with the chips' ``us_commercially_available`` flag for the rows that carry 91 FR 1684's
    condition): the one path for catalog chips and the what-if chip alike."""
    metrics = controls.chip_metrics(chips)
    status = controls.classify(metrics, inp.rules)
    decision = controls.licence_decision(
        status,
        metrics,
        inp.policies,
        us_export_licensing=chips["us_export_licensing"],
        us_commercially_available=chips["us_commercially_available"],
    )
    return Decided(metrics, status, decision.policy, decision.row, decision.condition_unmet)


def result(inp: Inputs) -> Result:
    """Metrics, classification and licence policy of every catalog chip and of the what-if chip
    (:func:`decide`)."""
    catalog = decide(inp.chips, inp)
    return Result(inputs=inp, **vars(catalog), new_chip=None if inp.new_chip is None else decide(inp.new_chip, inp))


def run(**values) -> Result:
    """:func:`inputs` then :func:`result` (what the notebook calls)."""
    return result(inputs(**values))


def unconfirmed_die_statuses(r: Result) -> dict[str, list[str]]:
    """By catalog chip whose die area no primary or secondary source ties to it (``chips.csv``
    ``die_area_confirmed`` false: the L20's 608.4 mm² is the AD102's, and only spec aggregators say
    the L20 is an AD102), the rule vintages whose status would change without that die area, i.e.
    where a performance-density clause decides and the status rests on the unconfirmed area."""
    chips = r.inputs.chips
    doubtful = chips[(chips["die_area_confirmed"] == "false") & chips["die_area_mm2"].notna()]
    if doubtful.empty:
        return {}
    without = doubtful.assign(die_area_mm2=float("nan"))
    rules = r.inputs.rules[r.inputs.rules["rule_id"] != WHAT_IF]
    status = controls.classify(controls.chip_metrics(without), rules)
    moved = status.ne(r.status.loc[status.index, status.columns])
    return {chip: list(moved.columns[moved.loc[chip]]) for chip in moved.index if moved.loc[chip].any()}


def unconfirmed_die_text(r: Result) -> str:
    """One sentence per chip of :func:`unconfirmed_die_statuses`: its status, the vintages where
    the die area decides it, the area and performance density, and why the area is unconfirmed;
    empty where there is none."""
    m = r.metrics
    return " ".join(
        f"The {present.chip_short(c)}'s status ({_grouped(r.status.loc[c, rules])}) rests on a die area no primary "
        f"or secondary source ties to it: {number(m.loc[c, 'die_area_mm2'], 1)} mm², the die only spec aggregators "
        f"say it uses, giving performance density {number(m.loc[c, 'performance_density'], 2)}; without it the "
        "status is undetermined."
        for c, rules in unconfirmed_die_statuses(r).items()
    )


def control_status(chip_ids=None) -> pd.DataFrame:
    """Metrics, status under every rule as written, ``us_commercially_available`` (91 FR 1684's
    condition (1)), the licence policy (``licence <vintage>`` columns) and
    ``licence_condition_unmet`` (the vintages, ';'-separated, whose policy row for the chip was
    passed over because it is not commercially available in the US) per chip: the frame
    ``python -m analysis controls`` prints."""
    r = run()
    frame = r.metrics.join(r.status)
    frame["us_commercially_available"] = r.inputs.chips["us_commercially_available"]
    frame = frame.join(r.policy.add_prefix("licence "))
    frame["licence_condition_unmet"] = [
        ";".join(rule for rule in r.condition_unmet.columns if unmet[rule]) for _, unmet in r.condition_unmet.iterrows()
    ]
    doubtful = unconfirmed_die_statuses(r)
    frame["status_rests_on_unconfirmed_die_area"] = [";".join(doubtful.get(c, [])) for c in frame.index]
    return frame if chip_ids is None else frame.loc[list(chip_ids)]


def licence_policies(chip_ids=None) -> pd.DataFrame:
    """Licence-review policy for a US export to China, index chip id, one column per rule vintage
    (values: ``not required``, ``case-by-case``, ``presumption of denial``, ``not subject``,
    ``undetermined``). ``chip_ids`` selects and orders the rows (default: every catalog chip)."""
    policy = run().policy
    return policy if chip_ids is None else policy.loc[list(chip_ids)]


# ---------------------------------------------------------------------------------------------
# names and numbers


def number(value, digits: int = 0) -> str:
    """A threshold or metric as readers write it ("4,800", "5.92", "0"): whole from 1,000, four
    significant figures below, never ``e`` notation (``{:.4g}`` wrote 12,345.5 as 1.235e+04);
    n/a when unknown."""
    if value is None or value != value:
        return "n/a"
    if digits:
        return f"{value:,.{digits}f}"
    if float(value).is_integer() or abs(value) >= 999.95:
        return f"{value:,.0f}"
    return f"{value:.4g}" if abs(value) >= 1e-3 else present.sci(value, digits=4)


def names(chip_ids) -> str:
    """Chip names joined for a sentence ("A, B and C"), or "none"."""
    return present.joined(present.chip_short(c) for c in chip_ids) or "none"


# ---------------------------------------------------------------------------------------------
# tables (chip names, units in labels)


def metrics_table(r: Result) -> pd.DataFrame:
    """What the rules test, per integrated circuit, one row per chip (by name)."""
    m = r.metrics
    table = pd.DataFrame(
        {
            "ICs per card": m["ics_per_card"],
            "TPP per IC": m["tpp"],
            "die area [mm²]": m["die_area_mm2"],
            "performance density [TPP/mm²]": m["performance_density"],
            "chip-to-chip I/O [GB/s]": m["interconnect_gb_s"],
            "DRAM bandwidth per IC [GB/s]": m["dram_bandwidth_gb_s"],
            "US export licensing": np.where(r.inputs.chips["us_export_licensing"], "applies", "no (not a US export)"),
            "sold in the US (91 FR 1684)": np.where(r.inputs.chips["us_commercially_available"], "yes", "no"),
        },
        index=m.index,
    )
    return present.by_short_name(table)


def status_table(r: Result) -> pd.DataFrame:
    """Classification under each rule vintage (and the what-if rule), one row per chip."""
    return present.by_short_name(r.status)


def policy_table(r: Result) -> pd.DataFrame:
    """Licence-review policy for an export to China under each vintage, one row per chip."""
    return present.by_short_name(r.policy)


def rules_table(r: Result) -> pd.DataFrame:
    """One row per rule vintage: name, effective date and its licence-policy rows in words."""
    rules = r.inputs.rules
    rules = rules[rules["rule_id"] != WHAT_IF]
    rows = {}
    for rule_id, clauses in rules.groupby("rule_id", sort=False):
        policy = r.inputs.policies[r.inputs.policies["rule_id"] == rule_id].sort_values("order")
        rows[rule_id] = {
            "rule": clauses["rule_name"].iloc[0],
            "effective": clauses["effective_date"].iloc[0],
            "licence policy for China": "; ".join(_policy_row_text(row) for row in policy.itertuples()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def clauses_table(r: Result) -> pd.DataFrame:
    """The classification clauses of the rule vintages (and the what-if rule) in words, from
    ``export_rules.csv``; vintages that keep an earlier vintage's clause share its row."""
    rows: dict[tuple, dict] = {}
    for clause in r.inputs.rules.itertuples():
        tests = []
        for value, text in (
            (clause.tpp_min, "TPP ≥ {}"),
            (clause.tpp_max, "TPP < {}"),
            (clause.density_min, "density ≥ {}"),
            (clause.density_max, "density < {}"),
            (clause.io_min_gb_s, "I/O ≥ {} GB/s"),
        ):
            if value == value:
                tests.append(text.format(number(value)))
        key = (clause.clause, " and ".join(tests), clause.outcome)
        rows.setdefault(key, {"rules": []})["rules"].append(clause.rule_id)
    return pd.DataFrame(
        [
            {"rule vintages": ", ".join(v["rules"]), "clause": k[0], "test (all must hold)": k[1], "status": k[2]}
            for k, v in rows.items()
        ]
    ).set_index("rule vintages")


def key_figure(r: Result) -> str:
    """The key figure: how many catalog chips meet each licence policy under :data:`CURRENT`."""
    counts = r.policy[CURRENT].value_counts()
    order = [
        controls.CASE_BY_CASE,
        controls.PRESUMPTION_OF_DENIAL,
        controls.NOT_REQUIRED,
        controls.NOT_SUBJECT,
        controls.POLICY_UNDETERMINED,
    ]
    parts = [
        f"{counts[p]} {p}" + (" (not US exports)" if p == controls.NOT_SUBJECT else "")
        for p in order
        if counts.get(p, 0)
    ]
    rule = load("export_rules").set_index("rule_id").loc[CURRENT].iloc[0]
    return (
        f"**Licence policy for an export to China under the rules as of their latest source, the "
        f"{rule['rule_name']}: {len(r.policy)} catalog chips, " + ", ".join(parts) + ".**"
    )


def _policy_row_text(row) -> str:
    """One licence-policy row as a phrase: "3A090.a with TPP < 21,000 and DRAM < 6,500 GB/s → …"."""
    scope = " or ".join(s.strip() for s in row.statuses.split(";"))
    chips = [c.strip() for c in str(row.chip_ids).split(";") if c.strip() and c.strip() != "nan"]
    if chips:
        scope = f"{names(chips)} ({scope})"
    limits = []
    if row.tpp_max == row.tpp_max:
        limits.append(f"TPP < {number(row.tpp_max)}")
    if row.dram_bandwidth_gb_s_max == row.dram_bandwidth_gb_s_max:
        limits.append(f"DRAM bandwidth < {number(row.dram_bandwidth_gb_s_max)} GB/s")
    if str(getattr(row, "condition", "") or "") == "us_commercially_available":
        limits.append("commercially available in the US")
    return scope + (" with " + " and ".join(limits) if limits else "") + f" → {row.policy}"


def what_if_text(t: Thresholds) -> str:
    """The what-if rule in words, with the thresholds actually used (0 stays 0)."""
    io = t.io_threshold_gb_s
    return (
        f"TPP ≥ {number(t.tpp_threshold)}"
        + (f" with chip-to-chip I/O ≥ {number(io)} GB/s" if io is not None else "")
        + f", or TPP ≥ {number(t.density_tpp_floor)} with performance density ≥ {number(t.density_threshold)}"
    )


def _where(frame: pd.DataFrame, column: str, value) -> list[str]:
    return list(frame.index[frame[column] == value])


def current_limits(r: Result) -> tuple[float, float]:
    """TPP and DRAM bandwidth [GB/s] below which a 3A090 chip is reviewed case by case under
    :data:`CURRENT` (``licence_policies.csv``, source fr-2026-00789; the ``inputs`` block)."""
    used = r.inputs.used
    return used["case_by_case_tpp_max"].value, used["case_by_case_dram_bandwidth_gb_s_max"].value


def _grouped(values: pd.Series, *, word: str = "under") -> str:
    """Values per rule vintage in words, vintages sharing a value together, in the order of first
    appearance: "not controlled under 2022-10; 3A090.a under 2023-10, 2025-04 and 2026-01"."""
    groups: dict[str, list[str]] = {}
    for rule, value in values.items():
        groups.setdefault(str(value), []).append(str(rule))
    return "; ".join(f"{value} {word} {names_of(rules)}" for value, rules in groups.items())


def names_of(items: list[str]) -> str:
    """Words joined for a sentence ("a, b and c")."""
    return present.joined(items)


def new_chip_name(r: Result) -> str:
    """The what-if chip's name (the reader's, else "hypothetical chip")."""
    return str(r.inputs.new_chip["name"].iloc[0])


def new_chip_figures(r: Result) -> str:
    """The what-if chip's figures as the rules read them, in words: TPP per IC (given, or from
    its dense figures), die area and performance density (or why there is none), chip-to-chip
    I/O, DRAM bandwidth, and the two flags the licence policy reads."""
    chip, m = r.inputs.new_chip.iloc[0], r.new_chip.metrics.iloc[0]
    given = chip["tpp"] == chip["tpp"]
    parts = [f"TPP {number(m['tpp'])} per IC" + ("" if given else " (largest dense figure × bit length)")]
    if chip["planar_node"]:
        parts.append("planar node: no applicable die area, so no performance density")
    elif m["die_area_mm2"] == m["die_area_mm2"]:
        parts.append(
            f"die area {number(m['die_area_mm2'])} mm², performance density "
            f"{number(m['performance_density'], 2)} TPP/mm²"
        )
    else:
        parts.append("die area not given")
    for column, label in (("interconnect_gb_s", "chip-to-chip I/O"), ("dram_bandwidth_gb_s", "DRAM bandwidth")):
        value = m[column]
        parts.append(f"{label} {number(value)} GB/s" if value == value else f"{label} not given")
    parts.append(
        "commercially available in the US"
        if chip["us_commercially_available"]
        else "not commercially available in the US"
    )
    if not chip["us_export_licensing"]:
        parts.append("not a US export")
    return ", ".join(parts)


def new_chip_caption(r: Result) -> str:
    """The caption of :func:`new_chip_table`: "What-if chip[ NAME]: its figures"."""
    named = r.inputs.parameters["new_chip_name"] is not None
    return f"What-if chip{' ' + new_chip_name(r) if named else ''}: {new_chip_figures(r)}."


def new_chip_table(r: Result) -> pd.DataFrame:
    """The what-if chip's status and licence policy for an export to China, one row per rule
    vintage (and the what-if rule, which sets no licence policy)."""
    status, policy = r.new_chip.status.iloc[0], r.new_chip.policy.iloc[0]
    return pd.DataFrame(
        {"status": status, "licence policy for China": policy.reindex(status.index).fillna("not modelled")}
    ).rename_axis("rule")


def new_chip_notes(r: Result) -> list[str]:
    """Why a vintage leaves the what-if chip undetermined (which figure is missing) and where 91
    FR 1684's condition (1) keeps it from the case-by-case review; vintages sharing a note
    together."""
    status, policy = r.new_chip.status.iloc[0], r.new_chip.policy.iloc[0]
    unmet = r.new_chip.condition_unmet.iloc[0]
    notes: dict[str, list[str]] = {}
    for rule in status.index:
        if status[rule] == controls.UNDETERMINED:
            text = "undetermined: the die area is not given and a performance-density clause would decide"
        elif status[rule] == controls.UNDETERMINED_IO:
            text = "undetermined: the chip-to-chip I/O is not given and the rule's I/O test would decide"
        elif policy.get(rule) == controls.POLICY_UNDETERMINED:
            text = "licence policy undetermined: the DRAM bandwidth, which a licence-policy line tests, is not given"
        elif unmet.get(rule, False):
            text = (
                "not commercially available in the US, so 91 FR 1684's case-by-case review does not cover it; "
                f"it keeps {policy[rule]}"
            )
        else:
            continue
        notes.setdefault(text, []).append(rule)
    return [f"{names_of(rules)}: {text}." for text, rules in notes.items()]


def new_chip_headline(r: Result) -> str:
    """The what-if chip's answer in one bold sentence: its figures, its status per vintage and
    its licence policy for an export to China per vintage."""
    status = r.new_chip.status.iloc[0]
    written = status.drop(WHAT_IF, errors="ignore")
    label = "A hypothetical chip" if r.inputs.parameters["new_chip_name"] is None else new_chip_name(r)
    text = (
        f"**{label} ({new_chip_figures(r)}): {_grouped(written)}"
        + (f"; {status[WHAT_IF]} under the what-if rule" if WHAT_IF in status else "")
        + f". Licence policy for an export to China: {_grouped(r.new_chip.policy.iloc[0], word='in')}.**"
    )
    notes = new_chip_notes(r)
    return text + (" " + " ".join(notes) if notes else "")


def what_if_changes(r: Result) -> dict[str, tuple[str, str]]:
    """Catalog chips whose status under the what-if rule differs from :data:`WHAT_IF_BASE` as
    written: chip id -> (status as written, what-if status). The what-if rule has 3A090.a's
    clauses only, so 3A090.a reads as its ``controlled``, and a chip outside 3A090.a (3A090.b
    included) that the what-if rule does not control has not changed."""
    a_outcomes = {_clause(r.inputs.rules, clause)["outcome"] for clause in ("3A090.a.1", "3A090.a.2")}
    changes = {}
    for chip, before in r.status[WHAT_IF_BASE].items():
        after = r.status.loc[chip, WHAT_IF]
        if before in a_outcomes:
            same = after == "controlled"
        elif before in controls.UNDETERMINED_STATUSES:
            same = after == before
        else:
            same = after == controls.NOT_CONTROLLED
        if not same:
            changes[chip] = (before, after)
    return changes


def what_if_headline(r: Result) -> str:
    """The what-if rule's answer in one bold sentence: which catalog chips change status against
    :data:`WHAT_IF_BASE` as written (grouped by change), or that none does."""
    changes = what_if_changes(r)
    rule = f"**Under the what-if rule ({what_if_text(r.inputs.thresholds)})"
    if not changes:
        controlled = _where(r.status, WHAT_IF, "controlled")
        return (
            f"{rule}, no catalog chip changes status against the {WHAT_IF_BASE} rule as written: the same "
            f"{len(controlled)} of {len(r.status)} are controlled.**"
        )
    groups: dict[tuple[str, str], list[str]] = {}
    for chip, change in changes.items():
        groups.setdefault(change, []).append(chip)
    moves = "; ".join(f"{names(chips)} {before} → {after}" for (before, after), chips in groups.items())
    count = f"{len(changes)} catalog chips change" if len(changes) > 1 else "1 catalog chip changes"
    return f"{rule}, {count} status against the {WHAT_IF_BASE} rule as written: {moves}.**"


def answer(r: Result) -> str:
    """Page 1: a what-if chip's or rule's answer where there is one, then the answer in one bold
    sentence (today's case-by-case review and the catalog chips it covers) and a list of one line
    per finding: the China-market chips that fail its condition, the chips above its lines, the
    H20, the chips that escaped the October 2022 rule, the chips made in China, those needing no
    licence."""
    policy, status, m = r.policy, r.status, r.metrics
    tpp_max, bw_max = current_limits(r)
    us = r.inputs.chips["us_export_licensing"]
    case = [
        c for c in _where(policy, CURRENT, controls.CASE_BY_CASE) if status.loc[c, CURRENT] != controls.NOT_CONTROLLED
    ]
    unmet = _where(r.condition_unmet, CURRENT, True)
    denial = _where(policy, CURRENT, controls.PRESUMPTION_OF_DENIAL)
    free = _where(policy, CURRENT, controls.NOT_REQUIRED)
    h20 = m.loc["h20"] if "h20" in m.index else None
    line = (
        f"**Since 15 January 2026 (91 FR 1684), a US export to China of a 3A090 chip with TPP below "
        f"{number(tpp_max)} and DRAM bandwidth below {number(bw_max)} GB/s is reviewed case by case, provided "
        f"the chip was commercially available in the United States when the rule was published** — of the "
        f"catalog: {names(case)}."
    )
    kept = [c for c in denial if c in unmet]
    lines = [
        f"The {names(kept)}, made for the Chinese market, fail that condition and keep the presumption of denial "
        "they met since October 2023."
    ]
    lines = lines if kept else []
    lines.append(f"Above either line it stays a presumption of denial: {names([c for c in denial if c not in kept])}.")
    if h20 is not None:
        lines.append(
            f"The H20 has never been in 3A090 (TPP {number(h20['tpp'])} per IC, performance density "
            f"{number(h20['performance_density'], 2)}), but since April 2025 it needs a licence all the same "
            "(case-by-case in this model; none was granted before August 2025)"
            + (
                "; as a China-specific SKU it is not covered by 91 FR 1684 and keeps that requirement."
                if "h20" in unmet
                else "."
            )
        )
    escaped = [
        c
        for c in _where(status, "2022-10", controls.NOT_CONTROLLED)
        if m.loc[c, "tpp"] >= r.inputs.written.tpp_threshold and us[c]
    ]
    if escaped:
        lines.append(
            f"The {names(escaped)} escaped the October 2022 rule through their chip-to-chip I/O and were caught "
            "by 3A090.a in October 2023."
        )
    lines.append(
        f"Chips made and sold in China ({names(list(us.index[~us]))}) are not US exports, so US licensing does not "
        "apply to them (“not subject”), although the rules' thresholds would classify most of them."
    )
    if free:
        lines.append(f"Under those rules no licence is needed for {names([c for c in free if us[c]])}.")
    if unconfirmed := unconfirmed_die_text(r):
        lines.append(unconfirmed)
    before = ([new_chip_headline(r)] if r.new_chip is not None else []) + (
        [what_if_headline(r)] if r.inputs.what_if else []
    )
    return "\n\n".join([*before, line, "\n".join(f"- {text}" for text in lines)])


def findings(r: Result) -> str:
    """Key findings as a markdown bullet list (numbers from the data, what-if with the thresholds
    actually used)."""
    status, m = r.status, r.metrics
    us = r.inputs.chips["us_export_licensing"]
    lines = []
    for rule_id, label in (("2022-10", "October 2022"), ("2023-10", "October 2023")):
        in_rule = [
            c
            for c in status.index
            if status.loc[c, rule_id] not in (controls.NOT_CONTROLLED, *controls.UNDETERMINED_STATUSES)
        ]
        lines.append(f"- **{label}** ({rule_id}): in 3A090 — {names(in_rule)}.")
    multi = list(m.index[m["ics_per_card"] > 1])
    for c in multi:
        lines.append(
            f"- **{present.chip_short(c)}** carries {m.loc[c, 'ics_per_card']} integrated circuits; the rules assess "
            f"each IC, so its TPP is {number(m.loc[c, 'tpp'])} per IC "
            f"({number(m.loc[c, 'tpp'] * m.loc[c, 'ics_per_card'])} for the card), "
            f"under 2023-10: {status.loc[c, '2023-10']}."
        )
    undetermined = [
        f"{present.chip_short(c)} under {rule} ({status.loc[c, rule].split('(')[1].rstrip(')')})"
        for rule in status.columns
        for c in status.index
        if status.loc[c, rule] in controls.UNDETERMINED_STATUSES
    ]
    lines.append(
        "- **Undetermined** (a figure the rule tests is unpublished; shown as such, never counted as "
        f"controlled): {'; '.join(undetermined) or 'none'}."
    )
    planar = list(m.index[m["planar_node"]])
    lines.append(
        "- **Planar nodes**: no catalog chip is made on one, so every published die area counts as applicable."
        if not planar
        else f"- **Planar nodes** (no applicable die area, density clauses do not apply): {names(planar)}."
    )
    lines.append(f"- **Not US exports** (licence policy “not subject”): {names(list(us.index[~us]))}.")
    lines.append(availability_finding(r))
    if r.inputs.what_if:
        controlled = _where(status, WHAT_IF, "controlled")
        undecided = list(status.index[status[WHAT_IF].isin(controls.UNDETERMINED_STATUSES)])
        lines.append(
            f"- **What-if rule** ({what_if_text(r.inputs.thresholds)}): controlled — {names(controlled)}"
            + (f"; undetermined — {names(undecided)}" if undecided else "")
            + "."
        )
    return "\n".join(lines)


def availability_finding(r: Result) -> str:
    """The finding on 91 FR 1684's US-availability condition: which chips it keeps from the
    case-by-case review and the policy each keeps instead (the one of the vintage before)."""
    unmet = _where(r.condition_unmet, CURRENT, True)
    previous = r.policy.columns[list(r.policy.columns).index(CURRENT) - 1]
    kept = [
        f"{present.chip_short(c)} {r.policy.loc[c, CURRENT]}"
        + (" (as under " + previous + ")" if r.policy.loc[c, CURRENT] == r.policy.loc[c, previous] else "")
        for c in unmet
    ]
    return f"- **US-availability condition** (91 FR 1684 covers chips “{US_AVAILABILITY_CONDITION}”): " + (
        f"{names(unmet)} were made for the Chinese market and are not sold in the US, so the rule's "
        f"case-by-case review does not cover them; each keeps its earlier policy: {'; '.join(kept)}."
        if unmet
        else "no catalog chip fails it."
    )


def range_check(r: Result) -> str:
    """Whether the catalog's BF16 ranges (low/high) move any chip across a threshold as written."""
    chips = r.inputs.chips
    rules = r.inputs.rules[r.inputs.rules["rule_id"] != WHAT_IF]
    ranged = chips.dropna(subset=["bf16_dense_tflops_low", "bf16_dense_tflops_high"], how="all")
    moved = []
    for end in ("bf16_dense_tflops_low", "bf16_dense_tflops_high"):
        varied = ranged.copy()
        varied["bf16_dense_tflops"] = varied[end].fillna(varied["bf16_dense_tflops"])
        changed = controls.classify(controls.chip_metrics(varied), rules).ne(
            r.status.loc[varied.index, rules["rule_id"].unique()]
        )
        moved += list(changed.index[changed.any(axis=1)])
    moved = list(dict.fromkeys(moved))
    if moved:
        return f"The catalog's BF16 ranges move {names(moved)} across a threshold; see the notes in chips.csv."
    return (
        f"No band: the catalog's BF16 ranges ({names(list(ranged.index))}) move no chip across a threshold "
        "of any rule vintage."
    )


# ---------------------------------------------------------------------------------------------
# figure


def _rule_bands(ax, r: Result, *, x_max: float, y_min: float, y_max: float) -> None:
    """The 3A090.a (red) and 3A090.b (orange) bands of :data:`WHAT_IF_BASE` as written and the
    TPP line of :data:`CURRENT`'s licence policy (dashed)."""
    w, rules = r.inputs.written, r.inputs.rules
    red, orange = "#c44e52", "#dd8452"
    ax.fill_between([w.tpp_threshold, x_max], y_min, y_max, color=red, alpha=0.2, lw=0, label="3A090.a (2023-10)")
    ax.fill_between([w.density_tpp_floor, w.tpp_threshold], w.density_threshold, y_max, color=red, alpha=0.2, lw=0)
    band_b = rules[(rules["rule_id"] == WHAT_IF_BASE) & rules["clause"].str.startswith("3A090.b")]
    for i, clause in enumerate(band_b.itertuples()):
        hi = clause.tpp_max if clause.tpp_max == clause.tpp_max else w.tpp_threshold
        ax.fill_between(
            [clause.tpp_min, hi],
            clause.density_min,
            clause.density_max,
            color=orange,
            alpha=0.15,
            lw=0,
            label="3A090.b (2023-10)" if i == 0 else None,
        )
    tpp_max, _ = current_limits(r)
    ax.axvline(tpp_max, color="#555", lw=1.0, ls="--")
    label = f" {CURRENT}:\n TPP {number(tpp_max)}"
    ax.text(tpp_max, y_max * 0.92, label, fontsize=present.small_pt(), va="top", color="#333")


def _what_if_lines(ax, t: Thresholds, *, x_min: float, y_min: float) -> None:
    """The what-if rule's TPP (dashed) and density (dash-dot) thresholds, kept inside the axes."""
    what_if = {"color": "#1f77b4"}
    label = f"what-if TPP ≥ {number(t.tpp_threshold)}"
    ax.axvline(max(t.tpp_threshold, x_min), lw=1.6, ls="--", label=label, **what_if)
    label = f"what-if density ≥ {number(t.density_threshold)}"
    ax.axhline(max(t.density_threshold, y_min), lw=1.2, ls="-.", label=label, **what_if)


def _chip_points(ax, m: pd.DataFrame, *, bottom: float) -> None:
    """One point per (TPP, density) with the chips' short names; a chip without an applicable die
    area sits at ``bottom`` (▼)."""
    colors = present.chip_colors(m.index)
    placed = m.assign(y=m["performance_density"].fillna(bottom))
    last_bottom, shift = -np.inf, 0.0  # a bottom-edge label within 12 % of TPP of the last one moves right
    for (tpp, y), group in placed.groupby(["tpp", "y"]):
        known = group["performance_density"].notna().iloc[0]
        first = group.index[0]
        ax.scatter(tpp, y, s=42, color=colors[first], edgecolor="black", lw=0.5, marker="o" if known else "v", zorder=3)
        if not known:
            shift = shift + 14 if np.log10(tpp) - last_bottom < 0.05 else 0.0
            last_bottom = np.log10(tpp)
        ax.annotate(
            ", ".join(present.chip_short(c) for c in group.index),
            (tpp, y),
            xytext=(5, 3) if known else (2 + shift, 6),
            textcoords="offset points",
            fontsize=present.small_pt(),
            rotation=0 if known else 80,  # steep: neighbours on the bottom edge stand close
            rotation_mode="anchor",
        )


def _new_chip_point(ax, r: Result, *, bottom: float, top: float) -> None:
    """The what-if chip as a black star with its name (▼ at ``bottom`` without a density; a
    density off the axes sits on its edge)."""
    m = r.new_chip.metrics.iloc[0]
    density = m["performance_density"]
    known = density == density
    y = min(max(density, bottom), top) if known else bottom
    ax.scatter(m["tpp"], y, s=150, marker="*" if known else "v", color="black", zorder=4, label=new_chip_name(r))
    ax.annotate(
        new_chip_name(r),
        (m["tpp"], y),
        xytext=(-7, 7),
        textcoords="offset points",
        ha="right",
        fontsize=present.small_pt(),
        weight="bold",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )


#: The heading and lead-in of the section the licence-policy table opens (``present.table(heading=...)``).
POLICY_SECTION = (
    "Licence policy for a US export to China",
    "The review a licence application meets under each rule vintage. Not subject: a Chinese chip sold in "
    "China is not a US export, so US export licensing does not apply. Undetermined: the classification it "
    "depends on is undetermined.",
)
#: The heading and lead-in of the section the status table opens (``present.table(heading=...)``).
STATUS_SECTION = (
    "Classification by rule vintage",
    "The ECCN 3A090 status of each chip per integrated circuit; the 2025-04 and 2026-01 measures changed "
    "licensing, not classification, so their columns repeat 2023-10.",
)
#: The heading and lead-in of the section the thresholds figure opens (:func:`plot_thresholds`).
THRESHOLDS_SECTION = (
    "TPP against performance density",
    "Each chip's total processing performance per integrated circuit against its performance density. Shaded: "
    "the October 2023 bands (3A090.a red, 3A090.b orange); dashed: the TPP line of the January 2026 licence "
    "policy. Chips whose die area is unpublished sit on the bottom edge (▼).",
)


def plot_thresholds(r: Result) -> None:
    """Show TPP per IC against performance density (log–log) with the 3A090 bands of 2023-10,
    the 2026-01 licence line and the what-if thresholds; chips without an applicable die area sit
    on the bottom edge. Alt text: the title and :func:`key_figure`. Under its section's heading and
    lead-in (:data:`THRESHOLDS_SECTION`), kept with it on one page."""
    import matplotlib.pyplot as plt

    m = r.metrics
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 5.8))
    every = m["tpp"] if r.new_chip is None else pd.concat([m["tpp"], r.new_chip.metrics["tpp"]])
    x_min, x_max, y_min, y_max = min(700.0, float(every.min()) / 1.5), float(every.max()) * 1.8, 0.45, 40.0
    bottom = y_min * 1.25
    _rule_bands(ax, r, x_max=x_max, y_min=y_min, y_max=y_max)
    if r.inputs.what_if:
        _what_if_lines(ax, r.inputs.thresholds, x_min=x_min, y_min=y_min)
    _chip_points(ax, m, bottom=bottom)
    if r.new_chip is not None:
        _new_chip_point(ax, r, bottom=bottom, top=y_max * 0.9)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    # the bottom edge's marker explained in the legend (a note under the axes ran into the tick labels)
    unknown = "die area unpublished: density unknown"
    ax.scatter([], [], s=42, marker="v", color="#999", edgecolor="black", lw=0.5, label=unknown)
    ax.legend(loc="upper left", frameon=True)
    present.finish(
        ax,
        "Accelerators against the 3A090 thresholds (per integrated circuit)",
        "total processing performance per IC, TPP (dense TOPS × bit length)",
        "performance density [TPP per mm² of die]",
        key_value=key_figure(r).strip("*"),
        heading=THRESHOLDS_SECTION,
    )


# ---------------------------------------------------------------------------------------------
# key figures and sources


def _chip_entries(d: Decided | Result, chips: pd.DataFrame) -> dict:
    """Each chip of ``d`` as the JSON writes it (see :func:`key_figures`); ``chips`` holds its
    ``us_export_licensing`` and ``us_commercially_available`` flags."""
    m, status, policy = d.metrics, d.status, d.policy
    entries = {}
    for c in m.index:
        density = m.loc[c, "performance_density"]
        entries[c] = {
            "tpp": float(m.loc[c, "tpp"]),
            "performance_density": None if density != density else float(density),
            "ics_per_card": int(m.loc[c, "ics_per_card"]),
            "us_export_licensing": bool(chips.loc[c, "us_export_licensing"]),
            "us_commercially_available": bool(chips.loc[c, "us_commercially_available"]),
            "status": {rule: status.loc[c, rule] for rule in status.columns},
            "licence_policy": {rule: policy.loc[c, rule] for rule in policy.columns},
            "licence_condition_unmet": [rule for rule in policy.columns if d.condition_unmet.loc[c, rule]],
        }
    return entries


def new_chip_entry(r: Result) -> dict:
    """The what-if chip as the JSON writes it: a catalog chip's entry (:func:`key_figures`) with
    its ``name``, the figures it was given (None: not given; DRAM bandwidth [GB/s], die area
    [mm²], chip-to-chip I/O [GB/s], planar node) and ``notes`` (:func:`new_chip_notes`) — what
    ``python -m analysis classify --format json`` prints."""
    chip, m = r.inputs.new_chip.iloc[0], r.new_chip.metrics.iloc[0]

    def given(value):
        return None if value != value else float(value)

    figures = {
        "name": new_chip_name(r),
        "die_area_mm2": given(m["die_area_mm2"]),
        "planar_node": bool(chip["planar_node"]),
        "interconnect_gb_s": given(m["interconnect_gb_s"]),
        "dram_bandwidth_gb_s": given(m["dram_bandwidth_gb_s"]),
    }
    entry = _chip_entries(r.new_chip, r.inputs.new_chip)[NEW_CHIP_ID]
    return figures | entry | {"notes": new_chip_notes(r)}


def key_figures(r: Result) -> dict:
    """The JSON contract: ``chips`` → {chip id: {``tpp`` (per IC), ``performance_density``
    (TPP/mm², None where unknown), ``ics_per_card``, ``us_export_licensing``,
    ``us_commercially_available``, ``status``: {rule: classification}, ``licence_policy``: {rule:
    policy}, ``licence_condition_unmet``: [rules whose policy row the chip missed for not being
    commercially available in the US]}}, ``what_if`` (the thresholds used, or None),
    ``what_if_changes`` ({chip id: {``from``: status as written, ``to``: what-if status}} of the
    chips whose status the what-if rule changes, :func:`what_if_changes`; None without a what-if
    rule) and ``new_chip`` (:func:`new_chip_entry`, or None)."""
    what_if = asdict(r.inputs.thresholds) if r.inputs.what_if else None
    changes = (
        {c: {"from": before, "to": after} for c, (before, after) in what_if_changes(r).items()}
        if r.inputs.what_if
        else None
    )
    return {
        "chips": _chip_entries(r, r.inputs.chips),
        "what_if": what_if,
        "what_if_changes": changes,
        "new_chip": None if r.new_chip is None else new_chip_entry(r),
    }


#: The chips.csv source columns behind the figures this report uses.
