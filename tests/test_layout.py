"""The layout check of printed reports (analysis/pipeline/layout.py): each defect it looks for, on
text made for the purpose and on a tiny report that has every one (render tier); every report the
render tests make is checked in tests/test_reports.py."""

import pytest

from analysis.pipeline import layout
from analysis.pipeline.render import render


def test_a_number_alone_above_its_unit_is_a_split():
    assert layout.SPLIT.search("H100 SXM\n40.0\n%\nnext")
    assert layout.SPLIT.search("52.7\nMW\n")
    # prose that wraps before a unit mid-sentence is not a table cell
    assert not layout.SPLIT.search("written at Tectonic's 2\nTB/s per node")
    assert not layout.SPLIT.search("40.0 %\nMW")


def test_three_equal_values_and_none():
    assert layout.TRIPLE.search("chips 66,664 – 66,664 – 66,664 at P10")
    assert not layout.TRIPLE.search("chips 66,664 (60,000–70,000)") and not layout.TRIPLE.search("1 – 11 – 111")
    assert layout.NONE.search("( export_rule None)") and not layout.NONE.search("Nonetheless")


def test_a_heading_as_a_pages_last_line_is_stranded():
    headings = ["Report title", "Sources", "What each chip costs"]
    footer = "Report title\npage 6 of 9 · 2026-12-06 · compute-parity 0.3.0 · commit abc · data def"
    pages = [f"Some text\nSources\n\n{footer}", "[1] a source\n", f"text\nWhat each chip\n{footer}", "more"]
    # page 1 ends with "Sources" (the footer's title is not a heading of the page body); page 3 with the
    # second line of a heading that wrapped
    assert layout.stranded_headings(pages, headings) == [
        "page 1: heading 'Sources' is the page's last line",
    ]
    pages[2] = f"text\nWhat each chip costs\n{footer}"
    assert len(layout.stranded_headings(pages, headings)) == 2


def test_a_cell_missing_from_the_page_is_clipped_and_a_value_broken_at_a_hyphen_is_named():
    # "a rathe" is what a cut table leaves; the cell's word "rather" is printed fewer times than held
    whole = "a rather long a rathe long 2022-1007 case-bycase"
    missing = {"rather"}
    assert layout._cell_problem("a rather long", whole, missing) == ""
    assert layout._cell_problem("x rather long", whole, missing).startswith("clipped")
    assert layout._cell_problem("2022-10-07", whole, set()) == "value wrapped at a hyphen: '2022-10-07'"
    assert layout._cell_problem("case-by-case", whole, set()) == ""  # prose may break at a hyphen


@pytest.mark.render
def test_a_report_with_every_defect_fails_the_check(tiny_notebooks, tmp_path):
    written = render("broken", out_dir=tmp_path / "broken")
    found = layout.defects(written["pdf"], written["html"])
    kinds = {line.split(":", 1)[0] for line in found}
    assert {"clipped", "split from its unit", "one value as a band", "None in the text"} <= kinds, found
    assert any("a rather long column label number 13" in line for line in found)
