"""Export-control formulas: TPP per integrated circuit, applicable die area, performance density,
classification under each rule vintage and the licence policy for exports to China."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import catalog
from analysis.formulas import controls

nan = np.nan


@pytest.fixture(scope="module")
def table():
    return controls.control_table(catalog.load("chips"), catalog.load("export_rules"))


@pytest.fixture(scope="module")
def decision(table):
    chips = catalog.load("chips")
    status = table[catalog.load("export_rules")["rule_id"].unique()]
    return controls.licence_decision(
        status,
        table,
        catalog.load("licence_policies"),
        us_export_licensing=chips["us_export_licensing"],
        us_commercially_available=chips["us_commercially_available"],
    )


@pytest.fixture(scope="module")
def policy(decision):
    return decision.policy


# --- TPP, applicable die area, density --------------------------------------------------------


def test_tpp_is_the_max_over_precisions_per_integrated_circuit():
    # {32: 19.5, 16: 312, 8: 624}: 624, 4,992, 4,992 -> 4,992; a NaN precision is skipped
    assert controls.total_processing_performance({32: 19.5, 16: 312, 8: 624, 4: nan}) == 4_992
    # two ICs on a card: INT8 256 TOPS × 8 = 2,048 per card -> 1,024 per IC
    assert controls.total_processing_performance({16: 96, 8: 256}, ics_per_card=2) == 1_024
    # arrays broadcast; no known precision -> NaN
    out = controls.total_processing_performance({16: np.array([312.0, nan]), 8: np.array([nan, nan])})
    assert out[0] == 4_992 and np.isnan(out[1])


def test_a_declared_tpp_is_kept_and_the_others_come_from_dense_figures():
    # row a: TPP declared 4,000 (a what-if chip given by its TPP): kept, whatever its dense columns say;
    # row b: no declared TPP: BF16 312 x 16 = 4,992
    chips = pd.DataFrame({"bf16_dense_tflops": [nan, 312.0], "tpp": [4_000.0, nan]}, index=["a", "b"])
    assert list(controls.tpp(chips)) == [4_000, 4_992]


def test_no_applicable_die_area_on_a_planar_node():
    area = controls.applicable_die_area_mm2(np.array([500.0, 500.0, nan]), planar_node=np.array([False, True, False]))
    assert area[0] == 500 and np.isnan(area[1]) and np.isnan(area[2])
    # 4,992 / 826 mm² = 6.0436
    assert_allclose(controls.performance_density(4_992, applicable_die_area_mm2=826.0), 6.0436, atol=1e-4)
    assert np.isnan(controls.performance_density(4_992, applicable_die_area_mm2=nan))


def test_tpp_of_known_chips(table):
    # H100 SXM: FP8 1,978.9 × 8 = 15,831.2 (BF16 989.4 × 16 = 15,830.4 is lower)
    assert_allclose(table.loc["h100-sxm", "tpp"], 15_831.2, rtol=1e-9)
    # A100 and A800: 312 × 16 = 4,992 (INT8 624 × 8 = 4,992 too)
    assert table.loc["a100-sxm-80gb", "tpp"] == 4_992 and table.loc["a800-sxm-80gb", "tpp"] == 4_992
    # H20: 148 × 16 = 296 × 8 = 2,368
    assert table.loc["h20", "tpp"] == 2_368
    # MLU370-X8: INT8 256 × 8 = 2,048 per card, two ICs -> 1,024 per IC
    assert table.loc["mlu370-x8", "ics_per_card"] == 2 and table.loc["mlu370-x8", "tpp"] == 1_024
    # B200: FP8 4,500 × 8 = 36,000
    assert table.loc["b200", "tpp"] == 36_000


def test_performance_density_of_known_chips(table):
    # A100: 4,992 / 826 mm² = 6.0436; H20 on the 814 mm² GH100 die: 2,368 / 814 = 2.9091
    assert_allclose(table.loc["a100-sxm-80gb", "performance_density"], 6.0436, atol=1e-4)
    assert_allclose(table.loc["h20", "performance_density"], 2.9091, atol=1e-4)
    assert np.isnan(table.loc["b200", "performance_density"])  # die area unpublished


# --- classification ---------------------------------------------------------------------------


def test_oct_2022_rule_needs_both_tpp_and_600_gb_s(table):
    # A100: 4,992 >= 4,800 and 600 GB/s >= 600 -> controlled
    assert table.loc["a100-sxm-80gb", "2022-10"] == "controlled"
    assert table.loc["h100-sxm", "2022-10"] == "controlled"
    # A800 and H800: TPP above 4,800 but 400 GB/s < 600 -> escaped the 2022 rule
    assert table.loc["a800-sxm-80gb", "2022-10"] == "not controlled"
    assert table.loc["h800-sxm", "2022-10"] == "not controlled"
    # H20: 900 GB/s but TPP 2,368 < 4,800
    assert table.loc["h20", "2022-10"] == "not controlled"
    # MI325X: TPP 20,919 but no I/O figure in the catalog -> undetermined, not "not controlled"
    assert table.loc["mi325x", "2022-10"] == controls.UNDETERMINED_IO


def test_oct_2023_rule_catches_a800_h800_but_not_h20(table):
    for chip in ("a800-sxm-80gb", "h800-sxm", "a100-sxm-80gb", "h100-sxm", "h200", "b200"):
        assert table.loc[chip, "2023-10"] == "3A090.a", chip
    # H20: TPP 2,368 < 2,400 (outside .b.1) and density 2.91 < 3.2 (outside .b.2)
    assert table.loc["h20", "2023-10"] == "not controlled"
    # MLU370-X8 per IC: 1,024 < 1,600, below every TPP floor (per card, 2,048 would need its density)
    assert table.loc["mlu370-x8", "2023-10"] == "not controlled"


def test_h20_is_outside_3a090_in_every_vintage(table):
    for rule in ("2022-10", "2023-10", "2025-04", "2026-01"):
        assert table.loc["h20", rule] == "not controlled", rule


def _rules(rows):
    columns = [
        "rule_id",
        "clause",
        "tpp_min",
        "tpp_max",
        "density_min",
        "density_max",
        "io_min_gb_s",
        "chip_ids",
        "outcome",
    ]
    return pd.DataFrame(rows, columns=columns)


RULES_2023 = _rules(
    [
        ["r", "a.1", 4800, nan, nan, nan, nan, "", "A"],
        ["r", "a.2", 1600, nan, 5.92, nan, nan, "", "A"],
        ["r", "b.1", 2400, 4800, 1.6, 5.92, nan, "", "B"],
    ]
)


def test_first_matching_clause_wins_and_unknown_density_is_undetermined():
    metrics = pd.DataFrame(
        {
            "tpp": [5000, 3000, 3000, 2000, 1000],
            "performance_density": [nan, 2.0, 6.0, nan, nan],
            "interconnect_gb_s": [0, 0, 0, 0, 0],
        },
        index=["big", "band-b", "dense", "no-die", "small"],
    )
    status = controls.classify(metrics, RULES_2023)["r"]
    assert status["big"] == "A"  # TPP alone decides, die area not needed
    assert status["band-b"] == "B"  # 2,400 <= 3,000 < 4,800 and 1.6 <= 2 < 5.92
    assert status["dense"] == "A"  # density 6 >= 5.92: a.2 before b.1
    assert status["no-die"] == controls.UNDETERMINED  # a.2 would need the density
    assert status["small"] == "not controlled"  # below every TPP floor


def test_planar_node_has_no_density_so_density_clauses_do_not_apply():
    # same TPP 3,000 and 500 mm²: non-planar -> 6.0 >= 5.92 -> A; planar -> no applicable area,
    # a.2 and b.1 do not hold -> not controlled (not undetermined)
    metrics = pd.DataFrame(
        {
            "tpp": [3000.0, 3000.0],
            "die_area_mm2": [500.0, 500.0],
            "planar_node": [False, True],
            "interconnect_gb_s": [0.0, 0.0],
        },
        index=["finfet", "planar"],
    )
    metrics["performance_density"] = controls.performance_density(
        metrics["tpp"],
        applicable_die_area_mm2=controls.applicable_die_area_mm2(
            metrics["die_area_mm2"], planar_node=metrics["planar_node"]
        ),
    )
    status = controls.classify(metrics, RULES_2023)["r"]
    assert status["finfet"] == "A" and status["planar"] == "not controlled"


def test_unknown_io_is_undetermined_where_the_io_test_decides():
    rules = _rules([["r", "x", 4800, nan, nan, nan, 600, "", "controlled"]])
    metrics = pd.DataFrame(
        {"tpp": [5000.0, 1000.0], "performance_density": [nan, nan], "interconnect_gb_s": [nan, nan]},
        index=["big", "small"],
    )
    status = controls.classify(metrics, rules)["r"]
    assert status["big"] == controls.UNDETERMINED_IO  # TPP meets 4,800, I/O unknown
    assert status["small"] == "not controlled"  # TPP alone rules it out


def test_an_open_clause_is_decided_by_a_later_clause_with_the_same_outcome():
    # a what-if rule as the report builds it: a.1 TPP >= 2,000 with I/O >= 600 GB/s, or a.2 TPP >= 1,600
    # with density >= 5.92; then a band B (TPP >= 1,600, density >= 3.2) with another outcome
    rules = _rules(
        [
            ["r", "a.1", 2000, nan, nan, nan, 600, "", "controlled"],
            ["r", "a.2", 1600, nan, 5.92, nan, nan, "", "controlled"],
            ["r", "b", 1600, nan, 3.2, nan, nan, "", "B"],
        ]
    )
    ids = ["dense", "band-b", "sparse", "both-unknown", "io-fails-first"]
    metrics = pd.DataFrame(
        {
            "tpp": [4000.0, 4000.0, 4000.0, 4000.0, 4000.0],
            "performance_density": [6.67, 4.0, 2.0, nan, 6.67],
            "interconnect_gb_s": [nan, nan, nan, nan, 400.0],
        },
        index=ids,
    )
    status = controls.classify(metrics, rules)["r"]
    # I/O unknown leaves a.1 open; a.2 surely holds with the same outcome: controlled either way
    assert status["dense"] == "controlled"
    # a.1 open, a.2 fails (4 < 5.92), b holds with another outcome: controlled if I/O >= 600, else B
    assert status["band-b"] == controls.UNDETERMINED_IO
    # a.1 open, nothing else holds: controlled or not controlled
    assert status["sparse"] == controls.UNDETERMINED_IO
    # a.1 open on I/O, a.2 open on the die area (same outcome), b open: undetermined, labelled by the first
    assert status["both-unknown"] == controls.UNDETERMINED_IO
    # I/O 400 < 600: a.1 fails outright; a.2 holds
    assert status["io-fails-first"] == "controlled"


def test_a_known_failing_figure_closes_a_clause_whatever_is_unknown():
    # a clause with an I/O and a density test: density 2 < 5.92 fails it, so the unknown I/O decides nothing
    rules = _rules([["r", "x", 1600, nan, 5.92, nan, 600, "", "controlled"]])
    metrics = pd.DataFrame(
        {"tpp": [3000.0, 3000.0], "performance_density": [2.0, 7.0], "interconnect_gb_s": [nan, nan]},
        index=["low-density", "high-density"],
    )
    status = controls.classify(metrics, rules)["r"]
    assert status["low-density"] == "not controlled" and status["high-density"] == controls.UNDETERMINED_IO


# --- licence policy ---------------------------------------------------------------------------


def test_acceptance_licence_policies(policy):
    # 2026-01, 91 FR 1684: B200 TPP 36,000 >= 21,000 -> presumption of denial;
    # H200 TPP 15,831 < 21,000 and 4,800 GB/s < 6,500 -> case-by-case
    assert policy.loc["b200", "2026-01"] == "presumption of denial"
    assert policy.loc["h200", "2026-01"] == "case-by-case"
    # MI325X: 2,614.9 × 8 = 20,919.2 < 21,000 and 6,000 < 6,500 GB/s -> case-by-case (named by the rule)
    assert policy.loc["mi325x", "2026-01"] == "case-by-case"
    # A800 and H800 need no 3A090 licence under 2022-10, then meet a presumption of denial
    for chip in ("a800-sxm-80gb", "h800-sxm"):
        assert policy.loc[chip, "2022-10"] == "not required"
        assert policy.loc[chip, "2023-10"] == "presumption of denial"
    # H20: outside 3A090, but the Apr 2025 notice requires a licence (case-by-case), kept in 2026-01
    assert list(policy.loc["h20"]) == ["not required", "not required", "case-by-case", "case-by-case"]
    # Huawei and Cambricon: not US exports
    for chip in ("ascend-910b", "ascend-910c", "ascend-910", "mlu370-x8"):
        assert set(policy.loc[chip]) == {"not subject"}, chip


#: 91 FR 1684 (FR Doc 2026-00789), SUMMARY, verbatim: the US-availability condition (1).
RULE_TEXT = (
    "The semiconductors covered by this rule are the Nvidia H200 and its equivalents, as well as less advanced "
    "chips--provided that (1) the semiconductors are commercially available in the United States at the time of "
    "publication of this rule"
)


def test_the_rule_text_is_quoted_in_the_source_row_and_the_policy_row():
    lines = (catalog.DATA_DIR / "SOURCES.md").read_text().splitlines()
    (row,) = [line for line in lines if line.startswith("| fr-2026-00789-govinfo |")]
    assert RULE_TEXT in row and "fr-2026-00789-govinfo" in catalog.sources().index
    policies = catalog.load("licence_policies").set_index(["rule_id", "order"])
    assert RULE_TEXT in policies.loc[("2026-01", 1), "note"]
    assert policies.loc[("2026-01", 1), "condition"] == "us_commercially_available"


def test_2026_case_by_case_needs_commercial_availability_in_the_us(decision):
    # 91 FR 1684: "provided that (1) the semiconductors are commercially available in the United States at
    # the time of publication of this rule". A chip that fails (1) is not covered and keeps its earlier policy.
    policy, unmet, row = decision.policy, decision.condition_unmet, decision.row
    # H800 and H100 SXM: the same TPP, 989.4 × 16 = 15,830.4 (FP8 1,978.9 × 8 = 15,831.2) < 21,000, and
    # 3,350 GB/s < 6,500: the thresholds hold for both; only the condition separates them.
    assert policy.loc["h100-sxm", "2026-01"] == "case-by-case" and not unmet.loc["h100-sxm", "2026-01"]
    # H800 (China-only, Reuters) and A800 (NVIDIA: "for customers in China"; 312 × 16 = 4,992 < 21,000,
    # 2,039 < 6,500): not sold in the US -> presumption of denial, as under 2025-04 (row 3, not row 1)
    for chip in ("h800-sxm", "a800-sxm-80gb"):
        assert policy.loc[chip, "2026-01"] == "presumption of denial" == policy.loc[chip, "2025-04"], chip
        assert unmet.loc[chip, "2026-01"] and row.loc[chip, "2026-01"] == 3, chip
    # H20 (China-specific SKU): row 4 (91 FR 1684's case-by-case) is passed over; row 5, the Apr 2025 licence
    # requirement carried forward, decides: case-by-case as under 2025-04, on the 2025 notice's basis
    assert unmet.loc["h20", "2026-01"] and row.loc["h20", "2026-01"] == 5
    assert policy.loc["h20", "2026-01"] == policy.loc["h20", "2025-04"] == "case-by-case"
    # L20 (China-market, not in 3A090: TPP 119.5 × 16 = 1,912): no licence needed, the condition is moot
    assert policy.loc["l20", "2026-01"] == "not required" and not unmet.loc["l20", "2026-01"]
    # no condition before 2026-01
    assert not unmet[["2022-10", "2023-10", "2025-04"]].to_numpy().any()


def _policies(rows):
    columns = ["rule_id", "order", "statuses", "chip_ids", "tpp_max", "dram_bandwidth_gb_s_max", "policy"]
    return pd.DataFrame(rows, columns=columns)


def test_a_row_condition_falls_through_to_the_next_row():
    policies = _policies(
        [
            ["r", 1, "A", "", 21000, 6500, "case-by-case"],
            ["r", 2, "A", "", nan, nan, "presumption of denial"],
        ]
    ).assign(condition=["us_commercially_available", ""])
    status = pd.DataFrame({"r": ["A", "A", "A"]}, index=["sold", "china-sku", "big"])
    metrics = pd.DataFrame(
        {"tpp": [15000, 15000, 36000], "dram_bandwidth_gb_s": [4800, 4800, 8000]}, index=status.index
    )
    decision = controls.licence_decision(
        status, metrics, policies, us_export_licensing=[True] * 3, us_commercially_available=[True, False, False]
    )
    assert list(decision.policy["r"]) == ["case-by-case", "presumption of denial", "presumption of denial"]
    assert list(decision.row["r"]) == [1, 2, 2]
    # only the China SKU was kept from row 1 by the condition; "big" fails the 21,000 line (36,000) first
    assert list(decision.condition_unmet["r"]) == [False, True, False]
    with pytest.raises(ValueError, match="us_commercially_available"):
        controls.licence_policy(status, metrics, policies, us_export_licensing=[True] * 3)


def test_an_unknown_bandwidth_leaves_a_row_open_only_where_nothing_known_fails_it():
    # 91 FR 1684's row: case-by-case below TPP 21,000 and DRAM 6,500 GB/s, if commercially available in the US
    policies = _policies(
        [
            ["r", 1, "A", "", 21000, 6500, "case-by-case"],
            ["r", 2, "A", "", nan, nan, "presumption of denial"],
        ]
    ).assign(condition=["us_commercially_available", ""])
    ids = ["sold", "china-sku", "big"]
    status = pd.DataFrame({"r": ["A"] * 3}, index=ids)
    metrics = pd.DataFrame({"tpp": [15000, 15000, 36000], "dram_bandwidth_gb_s": [nan, nan, nan]}, index=ids)
    decision = controls.licence_decision(
        status, metrics, policies, us_export_licensing=[True] * 3, us_commercially_available=[True, False, True]
    )
    # sold in the US, TPP 15,000 < 21,000, bandwidth unknown: row 1 or row 2 -> undetermined
    # a China SKU fails condition (1) whatever its bandwidth: row 2; TPP 36,000 >= 21,000 fails row 1: row 2
    assert list(decision.policy["r"]) == ["undetermined", "presumption of denial", "presumption of denial"]
    assert list(decision.condition_unmet["r"]) == [False, True, False]  # only the China SKU for the condition


def test_licence_policy_rows_in_order_with_thresholds_and_undetermined():
    policies = _policies(
        [
            ["r", 2, "A", "", nan, nan, "presumption of denial"],
            ["r", 1, "A", "", 21000, 6500, "case-by-case"],
            ["r", 3, "not controlled", "special", nan, nan, "case-by-case"],
            ["r", 4, "not controlled", "", nan, nan, "not required"],
        ]
    )
    ids = ["small", "big", "wide", "no-bw", "special", "free", "unknown", "foreign"]
    status = pd.DataFrame(
        {"r": ["A", "A", "A", "A", "not controlled", "not controlled", controls.UNDETERMINED, "A"]}, index=ids
    )
    metrics = pd.DataFrame(
        {
            "tpp": [15000, 36000, 15000, 15000, 2000, 2000, 3000, 15000],
            "dram_bandwidth_gb_s": [4800, 8000, 7000, nan, 4000, 4000, 4000, 4800],
        },
        index=ids,
    )
    us = [True] * 7 + [False]
    policy = controls.licence_policy(
        status, metrics, policies, us_export_licensing=us, us_commercially_available=[True] * 8
    )["r"]
    assert policy["small"] == "case-by-case"  # 15,000 < 21,000 and 4,800 < 6,500
    assert policy["big"] == "presumption of denial"  # 36,000 >= 21,000
    assert policy["wide"] == "presumption of denial"  # 7,000 GB/s >= 6,500
    assert policy["no-bw"] == "undetermined"  # bandwidth unknown where it decides
    assert policy["special"] == "case-by-case"  # a row naming the chip
    assert policy["free"] == "not required"
    assert policy["unknown"] == "undetermined"  # never counted as controlled
    assert policy["foreign"] == "not subject"  # not a US export


def test_licence_policy_refuses_a_status_no_row_covers():
    policies = _policies([["r", 1, "A", "", nan, nan, "presumption of denial"]])
    status = pd.DataFrame({"r": ["not controlled"]}, index=["x"])
    metrics = pd.DataFrame({"tpp": [1.0], "dram_bandwidth_gb_s": [1.0]}, index=["x"])
    with pytest.raises(ValueError, match="not controlled"):
        controls.licence_policy(status, metrics, policies, us_export_licensing=[True], us_commercially_available=[True])


def test_every_status_of_every_vintage_has_a_policy_row():
    rules, policies = catalog.load("export_rules"), catalog.load("licence_policies")
    for rule_id, clauses in rules.groupby("rule_id"):
        covered = {
            s.strip() for cell in policies.loc[policies["rule_id"] == rule_id, "statuses"] for s in cell.split(";")
        }
        assert {"not controlled", *clauses["outcome"]} <= covered, rule_id
