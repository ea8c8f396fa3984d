"""Validation cases moved from secondary to primary sources (issue 19: cases "all from primary
sources"): the measured value is the primary source's own figure, read in its row of data/SOURCES.md;
where no primary was found the case says so and keeps its secondary grade; the primary bounds found
for the GB200 NVL72 rack hold the analyst estimate the case keeps."""

import re

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


#: The fixed last sentence of a case left on secondary sources: "... the case stays on <what> (secondary)."
_STAYS = re.compile(r"[Tt]he case stays on [^.;:]+ \(secondary\)\.$")
#: The search it states: "No <document> ... was found on <date>" or "... was not read on <date>"
_NOT_FOUND = re.compile(r"(?:^|[.;:] )No [^.;:]+ was found on 2026-12-07|was not read on 2026-12-07")


def _says_no_primary(note: str, source: str) -> list[str]:
    """What is wrong with a case's claim that no primary was found (nothing: the claim holds). One rule:
    the note states the search that failed, says "was found" only in a clause opening with "No", ends
    with the fixed sentence, and no key of the source column is graded primary."""
    faults = [] if _NOT_FOUND.search(note) else ["no 'No ... was found' / 'was not read' on 2026-12-07"]
    clauses = [c.strip() for c in re.split(r"[.;:]", note) if "was found" in c]
    faults += [f"says '{c}'" for c in clauses if not c.startswith("No ")]
    faults += [] if _STAYS.search(note) else ["does not end 'the case stays on ... (secondary).'"]
    keys = [k.strip() for k in source.split(";")]
    return faults + [f"{k} is primary" for k in keys if SOURCES.at[k, "grade"] == "primary"]


NO_PRIMARY = ["gb200-nvl72-power", "dgx-2h-power", "cloudmatrix-prefill-default-eplb"]


@pytest.mark.parametrize("case_id", NO_PRIMARY)
def test_a_case_without_a_primary_says_so_and_keeps_its_grade(case_id):
    assert _says_no_primary(CASES.at[case_id, "note"], CASES.at[case_id, "source"]) == []
    assert SOURCES.at[_first_source(case_id), "grade"] == "secondary"


@pytest.mark.parametrize(
    ("edit", "fault"),
    [
        # a found primary written before, after or instead of the search's sentence
        (lambda n: "A primary was found: NVIDIA DGX-2H datasheet gives 12 kW. " + n, "says 'A primary was found'"),
        (lambda n: n + " A primary was found: NVIDIA DGX-2H datasheet gives 12 kW.", "does not end"),
        (lambda n: n[: n.index("No NVIDIA document")] + "A primary was found.", "no 'No ... was found'"),
    ],
)
def test_the_no_primary_check_refuses_a_note_that_found_one(edit, fault):
    note, source = CASES.at["dgx-2h-power", "note"], CASES.at["dgx-2h-power", "source"]
    assert any(f.startswith(fault) for f in _says_no_primary(edit(note), source))
    # a primary key added to the source column is refused too (dgx-b200-user-guide is graded primary)
    assert _says_no_primary(note, source + ";dgx-b200-user-guide") == ["dgx-b200-user-guide is primary"]


def test_nvidias_own_documents_bracket_the_gb200_rack_estimate():
    # lower: 18 compute trays x 6,667 W (DPS maxLoadWatts) = 120,006 W = 120.0 kW, before the switch trays;
    # upper: 1.2 MW per scalable unit / 8 racks = 150 kW, the unit's networking included
    assert "maxLoadWatts 6667" in _taken("nvidia-dps-device-specs")
    assert "1.2 Megawatts (MW)" in _taken("nvidia-superpod-gb200-ra")
    assert "8 DGX GB200 rack systems" in _taken("nvidia-superpod-gb200-ra")
    lower_kw, upper_kw = 18 * 6_667 / 1_000, 1_200 / 8
    assert (lower_kw, upper_kw) == (pytest.approx(120.006), 150.0)
    assert lower_kw < CASES.at["gb200-nvl72-power", "measured"] == 145 < upper_kw


@pytest.mark.parametrize("case_id", ["llama4-scout-gpu-hours", "llama4-maverick-gpu-hours"])
def test_a_llama4_case_keeps_the_bf16_peak_while_no_primary_states_its_precision(case_id):
    # The rule "precision follows the run (FP8 where disclosed)": the model card states no training
    # precision (its FP8 is a released weight format) and the blog gives FP8 figures for Behemoth only,
    # so no precision is entered (the BF16 default) and the note says what each source states.
    setup = CASES.at[case_id, "setup"]
    assert "precision" not in setup
    note = CASES.at[case_id, "note"]
    assert "training precision" in note and "(read first-hand" in note
    taken = _taken("llama4-model-card")
    assert "Training precision: none stated" in taken
    assert '"all reported evaluations and testing were conducted on bf16 models"' in taken
    assert "released as both BF16 and FP8 quantized weights" in taken
    assert "Behemoth" in _taken("llama4-blog")
