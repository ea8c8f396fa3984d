"""The layout check of printed reports (analysis/pipeline/layout.py): each defect it looks for, on
text made for the purpose and on a tiny report that has every one (render tier); every report the
render tests make is checked in tests/test_reports.py. The printed page's margins are the report
template's (render tier)."""

import dataclasses
import re

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
    # a table's first column is read before the rest: its last row label ("Ascend 910C", the end of
    # the title "… Huawei Ascend 910C") is read last but is not the page's lowest line
    headings = ["Training run: DeepSeek-V3 on 2,048 × Huawei Ascend 910C", "Appendix"]
    table = _page(("H100 SXM 1.82 2.95", 790.0), ("H100 PCIe 1.8", 800.0), ("Ascend 910C", 760.0))
    assert layout.stranded_headings([table, _page(("more", 100.0))], headings) == []
    # the lowest line, but a table row's: another cell ends at its height ("export-restricted" / "chip")
    headings = ["Report title", "The same run on every chip"]
    row = _page(("text", 700.0), ("chip", 800.0), ("1.8", 800.4))
    assert layout.stranded_headings([row, _page(("more", 100.0))], headings) == []
    alone = _page(("text", 700.0), ("The same run on every chip", 800.0))
    assert layout.stranded_headings([alone, _page(("more", 100.0))], headings) != []
    # alone at its height, but the last line of a tall cell's block, not of a heading
    cell = layout.Page(
        842.0, (layout.Line("x", 0, 700.0), layout.Line("export-restricted", 1, 780.0), layout.Line("chip", 1, 792.0))
    )
    assert layout.stranded_headings([cell, _page(("more", 100.0))], headings) == []
    # a table cell wrapped onto two lines whose text ends a heading (the title): not the heading
    title = ["Training run: DeepSeek-V3 on 2,048 × Huawei Ascend 910C", "Appendix"]
    cell = layout.Page(
        842.0, (layout.Line("x", 0, 700.0), layout.Line("Huawei Ascend", 3, 780.0), layout.Line("910C", 3, 792.0))
    )
    assert layout.stranded_headings([cell, _page(("more", 100.0))], title) == []
    # a heading wrapped onto two lines of one block, low on the page: stranded
    wrapped = layout.Page(842.0, (layout.Line("The same run on", 1, 780.0), layout.Line("every chip", 1, 792.0)))
    assert layout.stranded_headings([wrapped, _page(("more", 100.0))], headings) != []


def _cells(*cells):
    """Report cells of (heading?, text, images, image first?) with the text's spaces removed."""
    return [layout.Cell(heading, "".join(text.split()), images, first) for heading, text, images, first in cells]


def test_a_heading_cell_that_ends_a_page_leaves_its_section_on_the_next():
    footer = [("Report title", 830.0), ("page 3 of 9 · 2026-12-07 · compute-parity 0.3.0", 830.0)]
    lead = ("The validation cases", 700.0), ("Measured: the published figure.", 715.0)
    cells = _cells(
        (False, "Coverage text", 0, False),
        (True, "The validation cases Measured: the published figure.", 0, False),
        (False, "measured GPT-3 1,287 MWh", 0, False),
    )
    # the heading and its lead-in end page 1; the table it opens starts page 2: found, with the page
    pages = [_page(("Coverage text", 100.0), *lead, *footer), _page(("measured", 60.0), ("GPT-3 1,287 MWh", 80.0))]
    found = layout.heading_cells_ending_pages(pages, cells, [], "Report title")
    assert found == [
        "page 1: heading cell 'ThevalidationcasesMeasured:thepublishedf' ends the page, what follows it the next"
    ]
    # the table's first row on the same page: nothing found
    pages = [_page(("Coverage text", 100.0), *lead, ("measured", 760.0), *footer), _page(("GPT-3 1,287 MWh", 80.0))]
    assert layout.heading_cells_ending_pages(pages, cells, [], "Report title") == []
    # a heading cell followed by a figure: found when the figure (drawn on page 2) is on the next page, not when
    # it is drawn on page 1 below the lead-in (images are not text: their page comes from pdfimages' list)
    figure = _cells(
        (True, "TPP against density Each chip's TPP.", 0, False), (False, "", 1, True), (False, "Next", 0, False)
    )
    pages = [_page(("TPP against density", 600.0), ("Each chip's TPP.", 615.0)), _page(("Next", 500.0))]
    assert layout.heading_cells_ending_pages(pages, figure, [(2, 220.0)]) != []
    assert layout.heading_cells_ending_pages(pages, figure, [(1, 220.0)]) == []
    # a whole section (a heading and its text) ending a page before the next section's heading: nothing found
    sections = [
        layout.Cell(True, "Whatitincludes.Onlytherun.", 0, False),
        layout.Cell(False, "Thesamerun", 0, False, True),
    ]
    pages = [_page(("What it includes.", 700.0), ("Only the run.", 715.0)), _page(("The same run", 60.0))]
    assert layout.heading_cells_ending_pages(pages, sections, []) == []
    # a Markdown cell of more than LEAD_IN_LINES lines is a section of its own (a methods list ending a page)
    long = [(f"item {n}", 100.0 + 20 * n) for n in range(layout.LEAD_IN_LINES + 1)]
    methods = _cells((True, "Methods " + " ".join(text for text, _ in long), 0, False), (False, "Sources", 0, False))
    pages = [_page(("Methods", 80.0), *long), _page(("Sources", 60.0))]
    assert layout.heading_cells_ending_pages(pages, methods, []) == []
    # the same cell with a short text is found; a code cell's output (not a heading cell) is never checked
    short = _cells((True, "Methods item 0", 0, False), (False, "Sources", 0, False))
    pages = [_page(("Methods", 700.0), ("item 0", 720.0)), _page(("Sources", 60.0))]
    assert layout.heading_cells_ending_pages(pages, short, []) != []
    assert layout.heading_cells_ending_pages(pages, [dataclasses.replace(c, heading=False) for c in short], []) == []


def test_the_cells_of_a_report_page():
    page = (
        '<div id="cell-id=a" class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><h2 id="X">Sources'
        '<a class="anchor-link" href="#X">¶</a></h2><p>Listed  below.</p></div>'
        '<div id="cell-id=b" class="jp-Cell jp-CodeCell jp-Notebook-cell"><img alt="f" src="data:,"><p>after</p></div>'
        '<div id="cell-id=c" class="jp-Cell jp-CodeCell jp-Notebook-cell"><h2>Heading</h2><table></table></div>'
        '<section class="citation"><h2>How to cite this report</h2></section>'
    )
    # the heading's hidden anchor "¶" is not text; the citation block after the last cell is no cell's text
    assert layout.report_cells(page) == [
        layout.Cell(True, "SourcesListedbelow.", 0, False, True),
        layout.Cell(False, "after", 1, True),
        layout.Cell(False, "Heading", 0, False, True),
    ]


def test_a_page_holding_a_line_or_two_is_near_empty():
    headings = ["Report title", "Sources"]
    footer = [("Report title", 830.0), ("page 2 of 9 · 2026-12-06 · compute-parity 0.3.0", 830.0)]
    full = _page(("text", 100.0), ("last line", 780.0), *footer)
    # two lines of a list, then the page's white: 842 × 0.2 = 168.4 > 120, on page 2 of 4
    tail = _page(("• Vendor software factors (MFU relative", 90.0), ("to NVIDIA)", 120.0), *footer)
    blank = _page(*footer)  # only the footer
    pages = [full, tail, blank, full]
    found = layout.sparse_pages(pages, headings, with_images=set())
    assert found == [
        "near-empty page 2: '• Vendor software factors (MFU relative / to NVIDIA)'",
        "near-empty page 3: ''",
    ]
    # a page whose text ends high above a figure is not near-empty; nor is the last page
    assert layout.sparse_pages(pages, headings, with_images={2, 3}) == []
    assert layout.sparse_pages([full, tail], headings, with_images=set()) == []


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
    assert {"clipped", "split from its unit", "one value as a band", "None in the text", "small figure text"} <= kinds
    assert any("a rather long column label number 13" in line for line in found)


@pytest.mark.render
def test_the_printed_pages_have_the_report_templates_margins(tiny_notebooks, tmp_path):
    """One @page rule sets the margins, the report template's (nbconvert's lab template had its own,
    `@page { margin: 0.5in }`, which came later in the page than ours, `14mm 12mm`, and won): A4,
    12.7 mm all round. Chromium rounds a margin to whole CSS pixels (0.75 pt)."""
    written = render("tiny", out_dir=tmp_path / "tiny")
    page = written["html"].read_text(encoding="utf-8")
    rules = re.findall(r"@page\s*\{([^}]*)\}", page)
    assert [r for r in rules if "margin" in r] == [" size: A4; margin: 12.7mm; "], rules
    # the page's margins are the rule's: 12.7 mm = 12.7 / 25.4 × 72 = 36.0 pt all round
    mm = float(re.search(r"margin: ([\d.]+)mm;", rules[0]).group(1))
    assert mm / 25.4 * 72 == pytest.approx(36.0)
    margins = layout.page_margins(written["pdf"])
    assert margins and all(m == pytest.approx((mm / 25.4 * 72,) * 4, abs=0.75) for m in margins), margins
    size = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", written["pdf"].read_bytes()).groups()
    assert [float(v) for v in size] == pytest.approx([595.28, 841.89], abs=0.5)  # A4: 210 × 297 mm


def test_page_margins_read_a_page_whose_compressed_drawing_ends_in_a_carriage_return(tmp_path):
    """A deflated stream's last byte (its Adler-32 checksum's) may be a CR; the end of line before
    "endstream" is then the LF alone. The page was skipped (its data cut short by the CR), so a clean
    checkout, whose footer prints a commit without "modified", read no margins (CI, 255cb59)."""
    import zlib

    drawing = b".24 0 0 -.24 0 841.92 cm\nq\n3.125 0 0 3.125 150 150 cm\n1 1 1 RG\n0 0 1000 1000 re\nf\n%"
    for n in range(256 * 256):  # a comment of two bytes after the drawing, until its compressed bytes end in CR
        packed = zlib.compress(drawing + bytes([n // 256 | 128, n % 256 | 128]))
        if packed.endswith(b"\r"):
            break
    assert packed.endswith(b"\r")
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(b"%PDF-1.4\n/MediaBox [0 0 595.28 841.92]\nstream\n" + packed + b"\nendstream\n")
    # the content box's corner at 150 CSS px × 0.24 pt per unit = 36.0 pt from the left and the top (12.7 mm)
    (top, right, bottom, left), *_ = layout.page_margins(pdf)
    assert (top, left) == pytest.approx((36.0, 36.0))
