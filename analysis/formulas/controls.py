"""US export-control metrics (ECCN 3A090), the classification of chips under each rule vintage,
and the licence-review policy for exports to China that follows from it.

Definitions (88 FR 73458, Technical Notes to 3A090; source key ``fr-2023-23055``):

- Total processing performance, ``TPP = 2 × MacTOPS × bit length``, "aggregated over all
  processing units on the integrated circuit"; BIS reads ``2 × MacTOPS`` as the datasheet's dense
  TOPS or TFLOPS (300 dense BF16 TFLOPS × 16 = 4,800). The maximum over precisions is taken, and a
  card carrying several integrated circuits (Cambricon MLU370-X8: two) is assessed per IC.
- Performance density ``PD = TPP / applicable die area`` [TPP per mm²]; the applicable die area
  "includes all die area of logic dies manufactured with a process node that uses a non-planar
  transistor architecture" — a chip made on a planar node has none, so its density is undefined
  and a clause that needs density does not apply to it (this is not "undetermined").

The thresholds of each rule are data (``data/export_rules.csv``), and so is the licence policy
(``data/licence_policies.csv``). Every function here works on numbers, arrays or frames passed in;
nothing is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Catalog column -> bit length of the operation it counts.
BIT_LENGTHS = {"fp32_dense_tflops": 32, "bf16_dense_tflops": 16, "fp8_dense_tflops": 8, "int8_dense_tops": 8}

NOT_CONTROLLED = "not controlled"
UNDETERMINED = "undetermined (die area unknown)"
UNDETERMINED_IO = "undetermined (I/O unknown)"
#: Statuses that say the data cannot place the chip: shown as such, never counted as controlled.
UNDETERMINED_STATUSES = (UNDETERMINED, UNDETERMINED_IO)

# Licence-review policy for an export from the United States to China / Macau.
NOT_REQUIRED = "not required"
CASE_BY_CASE = "case-by-case"
PRESUMPTION_OF_DENIAL = "presumption of denial"
NOT_SUBJECT = "not subject"  # not a US export (a Chinese chip sold in China)
POLICY_UNDETERMINED = "undetermined"  # the classification it depends on is undetermined
POLICIES = (NOT_REQUIRED, CASE_BY_CASE, PRESUMPTION_OF_DENIAL, NOT_SUBJECT, POLICY_UNDETERMINED)


def total_processing_performance(dense_tops_by_bit_length: Mapping[int, object], *, ics_per_card=1):
    """TPP per integrated circuit: ``max_p(dense TOPS_p × bit length_p) / ICs per card``.

    ``dense_tops_by_bit_length`` maps a bit length (32, 16, 8, 4 …) to dense (non-sparse) TOPS or
    TFLOPS at that precision — scalars or equally long arrays; NaN where a precision is missing.
    A card's figures are divided evenly among its ``ics_per_card`` integrated circuits (the rule
    assesses the IC). NaN where no precision is known. As defined in 88 FR 73458, Technical Note to
    3A090.

    Source: fr-2023-23055.
    """
    products = [np.asarray(tops, dtype=float) * bits for bits, tops in dense_tops_by_bit_length.items()]
    if not products:
        raise ValueError("no precision given")
    stacked = np.stack(np.broadcast_arrays(*products))
    known = ~np.isnan(stacked)
    best = np.where(known.any(axis=0), np.max(np.where(known, stacked, -np.inf), axis=0), np.nan)
    return best / np.asarray(ics_per_card, dtype=float)


def applicable_die_area_mm2(die_area_mm2, *, planar_node=False):
    """Die area that counts for performance density [mm²]: the logic die area on a non-planar
    (FinFET, GAA) node; NaN on a planar node (no applicable area) or where the area is unknown.
    As defined in 88 FR 73458, Technical Note to 3A090.

    Source: fr-2023-23055.
    """
    area = np.asarray(die_area_mm2, dtype=float)
    return np.where(np.asarray(planar_node, dtype=bool), np.nan, area)


def performance_density(tpp_values, *, applicable_die_area_mm2):
    """``PD = TPP / applicable die area`` [TPP per mm²]; NaN where the area is unknown or none
    applies (planar node). As defined in 88 FR 73458, Technical Note to 3A090.

    Source: fr-2023-23055.
    """
    area = np.asarray(applicable_die_area_mm2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area > 0, np.asarray(tpp_values, dtype=float) / area, np.nan)


def tpp(chips: pd.DataFrame) -> pd.Series:
    """TPP per integrated circuit of each catalog row (``chips.csv`` columns; ``ics_per_card``
    defaults to 1). For what a whole card carries, multiply by ``ics_per_card``. A row with a
    ``tpp`` value (a what-if chip declared by its TPP per IC instead of its dense figures) keeps
    that value.

    Source: fr-2023-23055.
    """
    ics = chips["ics_per_card"].astype(float) if "ics_per_card" in chips else 1.0
    values = total_processing_performance(
        {bits: chips[col] for col, bits in BIT_LENGTHS.items() if col in chips}, ics_per_card=ics
    )
    if "tpp" in chips:
        declared = chips["tpp"].astype(float)
        values = np.where(declared.notna(), declared, values)
    return pd.Series(values, index=chips.index, name="tpp")


def chip_metrics(chips: pd.DataFrame) -> pd.DataFrame:
    """The figures the rules test, per IC, from catalog rows: ``tpp``, ``ics_per_card``,
    ``die_area_mm2``, ``planar_node``, ``applicable_die_area_mm2``, ``performance_density``,
    ``interconnect_gb_s`` (as published, per card) and ``dram_bandwidth_gb_s`` (memory bandwidth
    per IC: a card's bandwidth divided evenly among its ICs).

    TPP and density per 88 FR 73458; the DRAM bandwidth is the quantity 91 FR 1684 bounds.

    Source: fr-2023-23055; fr-2026-00789.
    """
    ics = chips["ics_per_card"].astype(float) if "ics_per_card" in chips else pd.Series(1.0, chips.index)
    planar = chips["planar_node"].astype(bool) if "planar_node" in chips else pd.Series(False, chips.index)
    metrics = pd.DataFrame(
        {
            "tpp": tpp(chips),
            "ics_per_card": ics.astype(int),
            "die_area_mm2": chips["die_area_mm2"].astype(float),
            "planar_node": planar,
        },
        index=chips.index,
    )
    metrics["applicable_die_area_mm2"] = applicable_die_area_mm2(metrics["die_area_mm2"], planar_node=planar)
    metrics["performance_density"] = performance_density(
        metrics["tpp"], applicable_die_area_mm2=metrics["applicable_die_area_mm2"]
    )
    metrics["interconnect_gb_s"] = chips["interconnect_gb_s"].astype(float)
    metrics["dram_bandwidth_gb_s"] = (
        chips["hbm_bandwidth_tb_s"].astype(float) * 1e3 / ics if "hbm_bandwidth_tb_s" in chips else np.nan
    )
    return metrics


def _between(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``low <= values < high`` with NaN bounds meaning 'no bound' (NaN values give False)."""
    ok = np.ones(values.shape, dtype=bool)
    if not np.isnan(low):
        ok &= values >= low
    if not np.isnan(high):
        ok &= values < high
    return ok


def _ids(cell) -> list[str]:
    """The ';'-separated ids of a cell (empty or NaN: none)."""
    return [c.strip() for c in str(cell).split(";") if c.strip() and c.strip() != "nan"]


def _clause_test(clause, *, tpp_values, density, io, planar, chip_ids) -> tuple[np.ndarray, np.ndarray]:
    """Where one clause of ``export_rules.csv`` surely holds, and where it is open: none of its
    conditions fails, but one tests a figure that is unknown — the I/O rate, or the density of a
    chip on a non-planar node whose die area is unknown (on a planar node there is no applicable
    area, so a density condition fails). Open cells hold the undetermined status that figure
    gives (the first one's); others None."""
    fails = ~_between(tpp_values, clause.tpp_min, clause.tpp_max)
    named = _ids(clause.chip_ids)
    if named:
        fails |= ~np.isin(chip_ids, named)
    tests = []
    if not np.isnan(clause.io_min_gb_s):
        tests.append((io, clause.io_min_gb_s, np.nan, np.isnan(io), UNDETERMINED_IO))
    if not (np.isnan(clause.density_min) and np.isnan(clause.density_max)):
        tests.append((density, clause.density_min, clause.density_max, np.isnan(density) & ~planar, UNDETERMINED))
    open_ = np.full(len(fails), None, dtype=object)
    for values, low, high, unknown, label in tests:
        fails |= ~unknown & ~_between(values, low, high)
        open_[unknown & (open_ == None)] = label  # noqa: E711 (elementwise on an object array)
    open_[fails] = None
    return ~fails & (open_ == None), open_  # noqa: E711


def classify(metrics: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Status of each chip under each rule vintage.

    ``metrics`` is indexed by chip id with columns ``tpp``, ``performance_density`` and
    ``interconnect_gb_s`` (optional ``planar_node``); ``rules`` has the layout of
    ``data/export_rules.csv``. Within a rule the clauses are tried in file order and the first
    clause whose conditions all hold gives the status (its ``outcome``); none holding gives
    ``not controlled``. A clause left open by an unknown figure (die area, I/O rate; see
    :func:`_clause_test`) before any clause decided makes the status ``undetermined`` — unless a
    later clause surely holds with the same outcome, which the chip then has whether or not the
    open clause holds (what-if TPP ≥ 2,000 with I/O ≥ 600 GB/s, or density ≥ 5.92: a chip of
    density 6.7 is controlled whatever its unknown I/O). On a planar node there is no applicable
    die area: a density clause simply does not hold. Returns a frame indexed by chip id with one
    column per rule id.

    The clauses are those of the rule vintages in data/export_rules.csv (each row cites its source).

    Source: fr-2022-21658; fr-2023-23055; fr-2026-00789.
    """
    figures = {
        "tpp_values": metrics["tpp"].to_numpy(dtype=float),
        "density": metrics["performance_density"].to_numpy(dtype=float),
        "io": metrics["interconnect_gb_s"].to_numpy(dtype=float),
        "planar": (
            metrics["planar_node"].to_numpy(dtype=bool)
            if "planar_node" in metrics
            else np.zeros(len(metrics), dtype=bool)
        ),
        "chip_ids": metrics.index.to_numpy(),
    }
    result = {}
    for rule_id, clauses in rules.groupby("rule_id", sort=False):
        status = np.full(len(metrics), None, dtype=object)
        pending = np.full(len(metrics), None, dtype=object)  # the outcome of the first open clause
        label = np.full(len(metrics), None, dtype=object)  # the undetermined status it gives
        for clause in clauses.itertuples():
            holds, open_ = _clause_test(clause, **figures)
            undecided = status == None  # noqa: E711
            free = undecided & (pending == None)  # noqa: E711
            status[free & holds] = clause.outcome
            opened = free & (open_ != None)  # noqa: E711
            pending[opened], label[opened] = clause.outcome, open_[opened]
            waiting = undecided & ~free
            same = pending == clause.outcome
            status[waiting & holds & same] = clause.outcome  # that outcome either way
            other = waiting & ~same & (holds | (open_ != None))  # noqa: E711 (another outcome is possible)
            status[other] = label[other]
        left = (status == None) & (pending != None)  # noqa: E711
        status[left] = label[left]
        status[status == None] = NOT_CONTROLLED  # noqa: E711
        result[rule_id] = status
    return pd.DataFrame(result, index=metrics.index)


#: Conditions a licence-policy row may carry (``licence_policies.csv`` ``condition``); each is a
#: per-chip boolean keyword of :func:`licence_decision` (the ``chips.csv`` flag of that name).
CONDITIONS = ("us_commercially_available",)


@dataclass(frozen=True)
class LicenceDecision:
    """What :func:`licence_decision` found, each frame indexed by chip id with one column per
    vintage: ``policy`` (the review policy), ``row`` (``order`` of the policy row that decided;
    0 where none did: not subject or undetermined) and ``condition_unmet`` (True where a row whose
    other conditions held, or were unknown, was passed over because the chip failed the row's
    ``condition``)."""

    policy: pd.DataFrame
    row: pd.DataFrame
    condition_unmet: pd.DataFrame


def _condition_values(conditions: Mapping[str, object], n: int) -> dict[str, np.ndarray]:
    """Each condition of :data:`CONDITIONS` as one boolean per chip (a missing one is an error)."""
    missing = [c for c in CONDITIONS if conditions.get(c) is None]
    if missing:
        raise ValueError(f"licence policy needs the per-chip condition(s) {', '.join(missing)}")
    return {c: np.broadcast_to(np.asarray(conditions[c], dtype=bool), (n,)) for c in CONDITIONS}


def _decide_vintage(rows: pd.DataFrame, classified, *, chip_ids, bounds, us, conditions) -> tuple:
    """Policy, deciding row and passed-over flag of every chip under one vintage's ``rows``."""
    policy = np.full(len(classified), None, dtype=object)
    policy[~us] = NOT_SUBJECT
    policy[us & np.isin(classified, UNDETERMINED_STATUSES)] = POLICY_UNDETERMINED
    decided_by = np.zeros(len(classified), dtype=int)
    unmet = np.zeros(len(classified), dtype=bool)
    for row in rows.itertuples():
        ok = (policy == None) & np.isin(classified, _ids(row.statuses))  # noqa: E711
        named = _ids(row.chip_ids)
        if named:
            ok &= np.isin(chip_ids, named)
        condition = str(getattr(row, "condition", "") or "").strip()
        if condition and condition != "nan" and condition not in conditions:
            raise ValueError(f"unknown licence-policy condition {condition!r}; known: {', '.join(CONDITIONS)}")
        met = conditions[condition] if condition and condition != "nan" else np.ones(len(classified), dtype=bool)
        fails, unknown = np.zeros(len(classified), dtype=bool), np.zeros(len(classified), dtype=bool)
        for values, bound in zip(bounds, (row.tpp_max, row.dram_bandwidth_gb_s_max)):
            if not np.isnan(bound):
                unknown |= np.isnan(values)
                fails |= ~np.isnan(values) & ~(values < bound)
        # an unknown figure leaves the row open only where nothing known (a bound, the condition) fails it
        policy[ok & met & ~fails & unknown] = POLICY_UNDETERMINED
        unmet |= ok & ~fails & ~met  # passed over for the condition alone (whatever an unknown figure is)
        ok &= ~fails & ~unknown & met
        policy[ok] = row.policy
        decided_by[ok] = row.order
    return policy, decided_by, unmet


def licence_decision(
    status: pd.DataFrame, metrics: pd.DataFrame, policies: pd.DataFrame, *, us_export_licensing, **conditions
) -> LicenceDecision:
    """Licence-review policy for an export to China of each chip under each rule vintage, with
    the row that decided it and whether a row's condition kept the chip from a row.

    ``status`` is :func:`classify`'s frame; ``metrics`` has ``tpp`` and ``dram_bandwidth_gb_s``;
    ``policies`` has the layout of ``data/licence_policies.csv`` (``rule_id``, ``order``,
    ``statuses`` — ';'-separated classification statuses a row applies to —, optional
    ``chip_ids``, ``tpp_max`` and ``dram_bandwidth_gb_s_max`` (strict upper bounds),
    ``condition``, ``policy``); ``us_export_licensing`` is one boolean per chip (False: not a US
    export) and each of :data:`CONDITIONS` a keyword with one boolean per chip.

    Per chip and vintage: ``not subject`` where US export licensing does not apply;
    ``undetermined`` where the classification is undetermined; otherwise the policy of the first
    row (by ``order``) whose conditions all hold. A row whose threshold the chip cannot be
    compared with (unknown TPP or bandwidth), its other conditions met (its other bound, its
    ``condition``), gives ``undetermined``; one it surely fails passes the chip on. A
    row's ``condition`` ``us_commercially_available`` is 91 FR 1684's condition (1): the
    case-by-case review covers chips "provided that (1) the semiconductors are commercially
    available in the United States at the time of publication of this rule"; a chip that fails it
    is not covered and falls through to the next row (its earlier policy, as the data's rows say).
    Only vintages with policy rows get a column; a classification no row covers is an error.

    Source: fr-2022-21658; fr-2023-23055; fr-2026-00789; fr-2026-00789-govinfo; nvidia-8k-2025-04.
    """
    us = np.asarray(us_export_licensing, dtype=bool)
    flags = _condition_values(conditions, len(status))
    chip_ids = status.index.to_numpy()
    bounds = (
        metrics["tpp"].reindex(status.index).to_numpy(dtype=float),
        metrics["dram_bandwidth_gb_s"].reindex(status.index).to_numpy(dtype=float),
    )
    frames: dict[str, dict] = {"policy": {}, "row": {}, "condition_unmet": {}}
    for rule_id, rows in policies.sort_values(["rule_id", "order"]).groupby("rule_id", sort=False):
        if rule_id not in status:
            continue
        classified = status[rule_id].to_numpy(dtype=object)
        policy, row, unmet = _decide_vintage(
            rows, classified, chip_ids=chip_ids, bounds=bounds, us=us, conditions=flags
        )
        uncovered = policy == None  # noqa: E711
        if uncovered.any():
            missing = sorted(set(classified[uncovered]))
            raise ValueError(f"licence policy rows of {rule_id} cover no row for status(es) {', '.join(missing)}")
        for name, values in zip(frames, (policy, row, unmet)):
            frames[name][rule_id] = values
    return LicenceDecision(
        **{
            name: pd.DataFrame(columns, index=status.index, columns=list(columns) or None)
            for name, columns in frames.items()
        }
    )


def licence_policy(
    status: pd.DataFrame, metrics: pd.DataFrame, policies: pd.DataFrame, *, us_export_licensing, **conditions
) -> pd.DataFrame:
    """The ``policy`` frame of :func:`licence_decision` (same arguments): one column per vintage,
    values of :data:`POLICIES`.

    Source: fr-2022-21658; fr-2023-23055; fr-2026-00789; fr-2026-00789-govinfo; nvidia-8k-2025-04.
    """
    return licence_decision(status, metrics, policies, us_export_licensing=us_export_licensing, **conditions).policy


def control_table(chips: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """:func:`chip_metrics` and the status under every rule, one row per chip (per IC).

    Source: fr-2023-23055; fr-2022-21658; fr-2026-00789.
    """
    metrics = chip_metrics(chips)
    return metrics.join(classify(metrics, rules))
