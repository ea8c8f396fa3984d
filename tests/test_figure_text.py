"""Figure text prints at 9 pt or more (analysis/assembly/present/figures.py): the scale a figure
prints at, the sizes of the texts it draws, the narrowing of a figure too wide for its text, and the
layout check that measures the printed size on a PDF (analysis/pipeline/layout.py). Fast tier: no
kernel, no Chromium; every rendered report is measured in tests/test_reports.py (render tier)."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from analysis.assembly import present  # noqa: E402
from analysis.assembly.present import figures  # noqa: E402
from analysis.catalog import PROJECT_DIR  # noqa: E402
from analysis.pipeline import layout  # noqa: E402


@pytest.fixture
def shown(monkeypatch):
    """Everything present.display() was asked to show, in order."""
    out = []
    monkeypatch.setattr(present.output, "display", lambda obj, **kw: out.append((obj, kw)))
    return out


def test_the_page_width_and_the_print_scale():
    # A4 210 mm less two 12.7 mm margins = 184.6 mm = 7.2677 in, less the cell's 0.5 in of insets = 6.7677 in
    # (what Chromium printed a full-width figure at: 974 px at 144 pixels per inch = 6.76 in, pdfimages)
    assert figures.PAGE_WIDTH_IN == pytest.approx(6.7677, abs=1e-4)
    # an 8 in figure is scaled to the column: 6.7677 / 8 = 0.84596; 10.45 pt prints at 8.84 pt
    assert figures.print_scale(8.0, 110) == pytest.approx(0.84596, abs=1e-5)
    assert 10.45 * figures.print_scale(8.0, 110) == pytest.approx(8.840, abs=1e-3)
    # a 5 in figure at 110 dpi is 550 px, shown as 550 CSS px = 5.729 in: scale 110 / 96 = 1.14583
    assert figures.print_scale(5.0, 110) == pytest.approx(1.14583, abs=1e-5)
    # the widest figure whose 10.45 pt text prints at 9 pt: 6.7677 × 10.45 / 9 = 7.858 in
    assert figures.print_scale(7.858, 110) * 10.45 == pytest.approx(9.0, abs=1e-3)


def test_text_sizes_are_those_a_figure_draws():
    present.setup()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_xticks([0.0, 0.5, 1.0, 2.0])
    ax.set_xlim(0, 1)  # 2.0 is out of view: its label is not drawn
    ax.set_yticks([])
    ax.legend(fontsize=9.5)
    ax.set_title("title")  # axes.titlesize 11.4
    ax.text(0.5, 0.5, "note", fontsize=8.5)
    ax.text(0.5, 0.2, "   ")  # blank: not a text a reader sees
    fig.tight_layout()
    figures.tight_bbox(fig)
    # ticks 0, 0.5, 1 at xtick.labelsize 10.45; legend 9.5; note 8.5; title 11.4
    assert figures.text_sizes(fig) == pytest.approx([8.5, 9.5, 10.45, 10.45, 10.45, 11.4])
    plt.close(fig)


def _wide_figure(width: float, title: str = "title"):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.barh(["Ascend 910C", "H20"], [3.0, 5.0])
    ax.set_title(title)
    ax.set_xlabel("chips")
    fig.tight_layout()
    return fig


def test_a_figure_too_wide_for_its_text_is_narrowed():
    present.setup()
    fig = _wide_figure(10.0)
    box = figures.fit_width(fig)
    # its smallest text is the ticks' 10.45 pt: at most 6.7677 × 10.45 / 9 = 7.858 in wide (less 0.05)
    assert 7.858 - 0.1 <= box.width <= 7.858
    assert min(figures.text_sizes(fig)) * figures.print_scale(box.width, fig.dpi) >= 9.0
    plt.close(fig)
    fig = _wide_figure(6.0)  # fits: untouched
    assert figures.fit_width(fig).width == figures.tight_bbox(fig).width and fig.get_figwidth() == 6.0
    plt.close(fig)


def test_a_figure_whose_title_sets_its_width_is_left_as_drawn():
    present.setup()
    fig = _wide_figure(10.0, title="a title far wider than any page allows " * 3)
    drawn = figures.tight_bbox(fig).width
    assert figures.fit_width(fig).width == pytest.approx(drawn) and fig.get_figwidth() == 10.0
    plt.close(fig)


def test_show_writes_the_smallest_text_and_the_dpi(shown):
    present.setup()
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.set_title("t")
    ax.legend(handles=ax.plot([0, 1], [0, 1], label="a"), fontsize=9.5)
    present.show(fig)
    assert 'data-text-pt="9.5" data-dpi="110" ' in shown[0][0]["text/html"]


def test_the_layout_check_measures_printed_figure_text():
    # 10.45 pt in a 110 dpi figure printed at 144 pixels per inch: 10.45 × 110 / 144 = 7.98 pt
    found = layout.small_figure_text([(3, 144.0), (4, 120.0)], [(10.45, 110.0), (10.45, 110.0)])
    assert found == ["small figure text: figure 1 (page 3) prints text at 8.0 pt"]  # 10.45 × 110 / 120 = 9.58: fine
    assert layout.small_figure_text([(3, 144.0)], [None]) == []  # an image that does not say: not measured
    assert layout.small_figure_text([(3, 144.0)], []) == ["figures: 0 in the page, 1 printed"]
    page = '<p><img alt="a" data-text-pt="10.45" data-dpi="110" src="x"><img alt="b" src="y"></p>'
    parsed = layout._Figures()
    parsed.feed(page)
    assert parsed.figures == [(10.45, 110.0), None]


def test_no_report_sets_figure_text_below_the_theme():
    # a literal fontsize= smaller than the theme's 10.45 pt (legends and annotations were 6.5–9 pt);
    # sizes come from the theme or present.small_pt()
    literal = re.compile(r"fontsize=(\d+(?:\.\d+)?)")
    small = [
        f"{path.name}: fontsize={size}"
        for path in (PROJECT_DIR / "analysis" / "assembly").rglob("*.py")
        for size in literal.findall(path.read_text(encoding="utf-8"))
        if float(size) < 10.45
    ]
    assert small == []
