"""Bold CJK text prints bold, in TrueType outlines whose text copies in order
(analysis/pipeline/fonts.py): a what-if chip named 华为 昇腾 950 led export_controls' bold paragraph
in WenQuanYi's regular weight beside bold Latin text."""

import gc
import io
import subprocess
import warnings

import nbformat
import pytest
from fontTools.ttLib import TTFont
from nbformat.v4 import new_markdown_cell, new_notebook

from analysis.pipeline import export, fonts
from analysis.pipeline.pdf import Browser


def test_the_cjk_characters_of_bold_elements_only_are_taken_each_once():
    page = (
        "<p>中文 regular</p><strong>华为 <a href='x'>昇</a>腾</strong> <th class='c'>芯片 &amp; 华</th>"
        "<h2>标题</h2><b>A</b><dt>为</dt>"
    )
    # bold: 华 为 昇 腾 (strong), 芯 片 华 (th), 为 (dt); not 中 文 (p) nor 标 题 (h2: weight 500).
    # In code point order: 为 U+4E3A, 华 U+534E, 昇 U+6607, 片 U+7247, 腾 U+817E, 芯 U+82AF.
    assert fonts.bold_cjk_text(page) == "为华昇片腾芯"


def test_a_page_without_bold_cjk_text_is_left_as_it_was(monkeypatch):
    monkeypatch.setattr(fonts, "bold_cjk_font", lambda text: pytest.fail("no font is cut for such a page"))
    page = "<html><head></head><body><strong>H20</strong><p>昇腾 in a paragraph</p></body></html>"
    assert fonts.with_bold_cjk(page) == page


def test_the_bold_face_is_a_truetype_subset_of_noto_sans_cjk_bold_under_a_name_of_its_own():
    """Installed by `make setup` (fonts-noto-cjk): the subset holds the asked characters and
    .notdef, in quadratic outlines (glyf, no CFF), named compute-parity CJK Bold; the source font's
    file is closed (a lazily read font keeps it open: "unclosed file" when collected, which failed
    the next test of the worker that ran a kernel)."""
    fonts.bold_cjk_font.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = fonts.bold_cjk_font("华为")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert data is not None
    font = TTFont(io.BytesIO(data))
    assert font.sfntVersion == "\x00\x01\x00\x00" and "glyf" in font and "CFF " not in font
    cmap = font.getBestCmap()
    assert set(cmap) == {ord("华"), ord("为")}
    assert len(font.getGlyphOrder()) == 3  # .notdef + 2 glyphs
    assert all(font["glyf"][cmap[c]].numberOfContours > 0 for c in cmap)  # outlines, not empty glyphs
    assert font["name"].getDebugName(1) == fonts.FAMILY and font["OS/2"].usWeightClass == 700


def test_no_bold_face_when_noto_sans_cjk_is_not_installed(monkeypatch):
    """fontconfig answers a pattern it cannot meet with a substitute (DejaVu Sans): then no font
    is inlined and the page stays as it was."""
    done = subprocess.CompletedProcess([], 0, stdout="DejaVu Sans\n200\n0\n/usr/share/fonts/DejaVuSans-Bold.ttf")
    monkeypatch.setattr(fonts.subprocess, "run", lambda *a, **k: done)
    fonts.bold_cjk_font.cache_clear()
    try:
        assert fonts.bold_cjk_font("华") is None
        page = "<html><head></head><body><strong>华为</strong></body></html>"
        assert fonts.with_bold_cjk(page) == page
    finally:
        fonts.bold_cjk_font.cache_clear()


@pytest.mark.render
def test_bold_cjk_text_prints_bold_in_truetype_and_copies_in_order(tmp_path):
    """A report page (export.to_html: the report template) with a bold lead naming a chip in
    Chinese: its CJK characters print in the inlined bold face, a CID TrueType font, no Type 3
    glyph anywhere; the regular paragraph's in WenQuanYi Micro Hei; the text copies in order."""
    book = new_notebook(
        cells=[
            new_markdown_cell("# Bold CJK"),
            new_markdown_cell("**华为 昇腾 950 (TPP 4,000)**: not controlled.\n\nA paragraph on 昇腾 910B."),
        ]
    )
    page = tmp_path / "page.html"
    page.write_text(export.to_html(nbformat.from_dict(book)), encoding="utf-8")
    assert f'font-family: "{fonts.FAMILY}"' in page.read_text(encoding="utf-8")
    browser = Browser(tmp_path)
    try:
        browser.print_pdf(page, tmp_path / "page.pdf")
    finally:
        browser.close()
    listed = subprocess.run(["pdffonts", str(tmp_path / "page.pdf")], capture_output=True, text=True, check=True)
    kinds = {line.split()[0].split("+")[-1]: line for line in listed.stdout.splitlines()[2:]}
    assert "compute-parity-CJK-Bold" in kinds and "CID TrueType" in kinds["compute-parity-CJK-Bold"]
    assert "WenQuanYiMicroHei" in kinds and "Type 3" not in listed.stdout
    text = subprocess.run(["pdftotext", str(tmp_path / "page.pdf"), "-"], capture_output=True, text=True).stdout
    assert "华为 昇腾 950 (TPP 4,000): not controlled." in text and "A paragraph on 昇腾 910B." in text
