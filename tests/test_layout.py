"""The layout check of printed reports (analysis/pipeline/layout.py): each defect it looks for, on
text made for the purpose and on a tiny report that has every one (render tier); every report the
render tests make is checked in tests/test_reports.py."""

import pytest

from analysis.pipeline import layout
from analysis.pipeline.render import render


def test_three_equal_values_and_none():
    assert layout.TRIPLE.search("chips 66,664 – 66,664 – 66,664 at P10")
    assert not layout.TRIPLE.search("chips 66,664 (60,000–70,000)") and not layout.TRIPLE.search("1 – 11 – 111")
    assert layout.NONE.search("( export_rule None)") and not layout.NONE.search("Nonetheless")


def _page(*lines, height=842.0):
    """A page of (text, bottom) lines, each its own block."""
    return layout.Page(height, tuple(layout.Line(text, i, bottom) for i, (text, bottom) in enumerate(lines)))


def test_a_heading_low_on_a_page_as_its_last_line_is_stranded():
    headings = ["Report title", "Sources", "What each chip costs"]
    footer = [("Report title", 830.0), ("page 6 of 9 · 2026-12-06 · compute-parity 0.3.0", 830.0)]
    pages = [
        _page(("Some text", 700.0), ("Sources", 760.0), *footer),  # 842 − 760 = 82 < 110: stranded
        _page(("[1] a source", 100.0)),
        _page(("text", 300.0), ("What each chip costs", 420.0), *footer),  # a figure follows on the page
        _page(("more", 100.0)),
    ]
    assert layout.stranded_headings(pages, headings) == ["page 1: heading 'Sources' is the page's last line"]


def test_a_cell_missing_from_the_page_is_clipped():
    # "a rathe" is what a cut table leaves: the cell's word "rather" is printed fewer times than held
    solid = "aratherlongaratheleng"
    assert layout._cell_problem("a rather long", solid, {"rather"}) == ""
    assert layout._cell_problem("x rather long", solid, {"rather"}).startswith("clipped")
    # not in one piece but every word printed as often as held: interleaved wrapped cells, not clipped
    assert layout._cell_problem("total [$/PFLOP-h]", "total[$/PFLOP-break-h]even", set()) == ""


@pytest.mark.render
def test_a_report_with_every_defect_fails_the_check(tiny_notebooks, tmp_path):
    written = render("broken", out_dir=tmp_path / "broken")
    found = layout.defects(written["pdf"], written["html"])
    kinds = {line.split(":", 1)[0] for line in found}
    assert {"clipped", "split from its unit", "one value as a band", "None in the text"} <= kinds, found
    assert any("a rather long column label number 13" in line for line in found)
