"""Validation cases moved from secondary to primary sources (issue 19: cases "all from primary
sources"): the measured value is the primary source's own figure, read in its row of data/SOURCES.md;
where no primary was found the case says so and keeps its secondary grade; the primary bounds found
for the GB200 NVL72 rack hold the analyst estimate the case keeps."""

import pytest

from analysis.catalog import load, sources

CASES = load("validation_cases")
SOURCES = sources()


def _first_source(case_id: str) -> str:
    """The key the measured value is read from: the first of the case's sources."""
    return CASES.at[case_id, "source"].split(";")[0].strip()


def _taken(key: str) -> str:
    return SOURCES.at[key, "what was taken"]


@pytest.mark.parametrize(
    ("case_id", "key", "quoted", "measured"),
    [
        # NVIDIA DGX B200 User Guide, Power Specifications: "14.3 kW max." -> 14.3 kW
        ("dgx-b200-power", "dgx-b200-user-guide", '"14.3 kW max."', 14.3),
        # CloudMatrix paper's abstract: "decode throughput of 1,943 tokens/s per NPU" -> 1,943
        (
            "cloudmatrix-decode",
            "cloudmatrix-serving-2025-abstract",
            "decode throughput of 1,943 tokens/s per NPU",
            1943,
        ),
    ],
)
def test_a_re_pointed_case_reads_its_value_from_a_primary_source(case_id, key, quoted, measured):
    assert _first_source(case_id) == key
    assert SOURCES.at[key, "grade"] == "primary"
    assert quoted in _taken(key)
    assert CASES.at[case_id, "measured"] == measured


@pytest.mark.parametrize("case_id", ["gb200-nvl72-power", "dgx-2h-power", "cloudmatrix-prefill-default-eplb"])
def test_a_case_without_a_primary_says_so_and_keeps_its_grade(case_id):
    assert "was found" in CASES.at[case_id, "note"] or "not read" in CASES.at[case_id, "note"]
    assert SOURCES.at[_first_source(case_id), "grade"] == "secondary"


def test_nvidias_own_documents_bracket_the_gb200_rack_estimate():
    # lower: 18 compute trays x 6,667 W (DPS maxLoadWatts) = 120,006 W = 120.0 kW, before the switch trays;
    # upper: 1.2 MW per scalable unit / 8 racks = 150 kW, the unit's networking included
    assert "maxLoadWatts 6667" in _taken("nvidia-dps-device-specs")
    assert "1.2 Megawatts (MW)" in _taken("nvidia-superpod-gb200-ra")
    assert "8 DGX GB200 rack systems" in _taken("nvidia-superpod-gb200-ra")
    lower_kw, upper_kw = 18 * 6_667 / 1_000, 1_200 / 8
    assert (lower_kw, upper_kw) == (pytest.approx(120.006), 150.0)
    assert lower_kw < CASES.at["gb200-nvl72-power", "measured"] == 145 < upper_kw
