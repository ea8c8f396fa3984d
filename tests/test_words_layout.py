"""The printed pages of the hostile report's item 12 (main at ba98594): a procurement options table
cut at the page's right edge, a section heading ending page 3 of chip_parity and of
export_controls, and validation's page 2 left four-fifths blank. Each is rendered as the report
gave it and checked with :func:`analysis.pipeline.layout.defects` (and, for the blank page,
where the figure of every case prints)."""

import pytest
from conftest import render_all

from analysis.pipeline import layout
from analysis.pipeline.scenarios import Scenario

CASES = [
    # three chips and a mix: the option labels ("mix: 20 % H20 + 30 % Ascend 910C + 50 % B200") kept on one
    # line pushed the energy, electricity and model-size columns off the page ("clipped: '254 GWh'")
    Scenario(
        "words-procurement-mix",
        "procurement",
        {"chips": ["h20", "ascend-910c", "b200"], "shares": [0.2, 0.3, 0.5], "export_rule": "2025-04"},
    ),
    # "Chips needed and what binds" was page 3's last line, its table on page 4
    Scenario(
        "words-parity-910b", "chip_parity", {"reference_chip": "ascend-910b", "candidates": ["h20", "mlu370-x8", "l20"]}
    ),
    # a what-if chip named in Chinese: "Licence policy for a US export to China" and its lead-in ended page 3
    Scenario(
        "words-controls-cjk",
        "export_controls",
        {"new_chip_name": "昇腾 950 X", "new_chip_bf16_dense_tflops": 500.0, "new_chip_die_area_mm2": 600.0},
    ),
    Scenario("words-validation", "validation"),
]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return render_all(CASES, tmp_path_factory.mktemp("words"), jobs=2)


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_hostile_reports_pages_have_no_layout_defect(pages, case):
    folder = pages / case.name
    assert layout.defects(folder / f"{case.notebook}.pdf", folder / f"{case.notebook}.html") == []


@pytest.mark.render
def test_the_figure_of_every_case_follows_validations_findings(pages):
    """The figure of every case is about a page tall (one row per case); after the Terms box it
    moved whole to page 3 and left page 2 with the Terms box alone (no image on it). The Terms box
    now follows the figure, so page 2 draws it."""
    pdf = pages / "words-validation" / "validation.pdf"
    drawn_on = {page for page, _ in layout.printed_images(pdf)}
    assert 2 in drawn_on
