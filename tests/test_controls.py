"""Export-control TPP, performance density and classification of known chips."""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import catalog
from analysis.formulas import controls


@pytest.fixture(scope="module")
def table():
    return controls.control_table(catalog.load("chips"), catalog.load("export_rules"))


def test_tpp_of_known_chips(table):
    # H100 SXM: 989.4 dense BF16 TFLOPS × 16 bits = 15,830.4 (FP8 1,978.9 × 8 = 15,831.2 is the max)
    assert_allclose(table.loc["h100-sxm", "tpp"], 15_831.2, rtol=1e-6)
    # A100 and A800: 312 × 16 = 4,992 (INT8 624 × 8 = 4,992 too)
    assert table.loc["a100-sxm-80gb", "tpp"] == 4_992
    assert table.loc["a800-sxm-80gb", "tpp"] == 4_992
    # H20: 148 × 16 = 296 × 8 = 2,368
    assert table.loc["h20", "tpp"] == 2_368


def test_performance_density(table):
    # A100: 4,992 / 826 mm² = 6.04; H20 on the 814 mm² GH100 die: 2,368 / 814 = 2.91
    assert_allclose(table.loc["a100-sxm-80gb", "performance_density"], 6.0436, atol=1e-3)
    assert_allclose(table.loc["h20", "performance_density"], 2.9091, atol=1e-3)


def test_oct_2022_rule_needs_both_tpp_and_600_gb_s(table):
    # A100: 4,992 >= 4,800 and 600 GB/s >= 600 -> controlled
    assert table.loc["a100-sxm-80gb", "2022-10"] == "controlled"
    assert table.loc["h100-sxm", "2022-10"] == "controlled"
    # A800 and H800: TPP above 4,800 but 400 GB/s < 600 -> escaped the 2022 rule
    assert table.loc["a800-sxm-80gb", "2022-10"] == "not controlled"
    assert table.loc["h800-sxm", "2022-10"] == "not controlled"
    # H20: 900 GB/s but TPP 2,368 < 4,800
    assert table.loc["h20", "2022-10"] == "not controlled"


def test_oct_2023_rule_catches_a800_h800_but_not_h20(table):
    for chip in ("a800-sxm-80gb", "h800-sxm", "a100-sxm-80gb", "h100-sxm", "h200", "b200"):
        assert table.loc[chip, "2023-10"] == "3A090.a", chip
    # H20: TPP 2,368 < 2,400 (outside .b.1) and density 2.91 < 3.2 (outside .b.2)
    assert table.loc["h20", "2023-10"] == "not controlled"


def test_h20_needs_a_licence_from_april_2025(table):
    assert table.loc["h20", "2025-04"].startswith("licence required")
    assert table.loc["h100-sxm", "2025-04"] == "3A090.a"


def _rules(rows):
    columns = ["rule_id", "clause", "tpp_min", "tpp_max", "density_min", "density_max",
               "io_min_gb_s", "chip_ids", "outcome"]
    return pd.DataFrame(rows, columns=columns)


def test_first_matching_clause_wins_and_unknown_density_is_undetermined():
    nan = np.nan
    rules = _rules([
        ["r", "a.1", 4800, nan, nan, nan, nan, "", "A"],
        ["r", "a.2", 1600, nan, 5.92, nan, nan, "", "A"],
        ["r", "b.1", 2400, 4800, 1.6, 5.92, nan, "", "B"],
    ])
    metrics = pd.DataFrame({"tpp": [5000, 3000, 3000, 2000, 1000],
                            "performance_density": [nan, 2.0, 6.0, nan, nan],
                            "interconnect_gb_s": [0, 0, 0, 0, 0]},
                           index=["big", "band-b", "dense", "no-die", "small"])
    status = controls.classify(metrics, rules)["r"]
    assert status["big"] == "A"                      # TPP alone decides, die area not needed
    assert status["band-b"] == "B"                   # 2,400 <= 3,000 < 4,800 and 1.6 <= 2 < 5.92
    assert status["dense"] == "A"                    # density 6 >= 5.92: a.2 before b.1
    assert status["no-die"] == controls.UNDETERMINED  # a.2 would need the density
    assert status["small"] == "not controlled"       # below every TPP floor
