"""Presentation helpers: number words, chip names and colours, escaping, alt text, sources.
Fast tier (no kernel): displayed objects are captured instead of rendered."""

import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mistune  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.assembly import present  # noqa: E402
from analysis.catalog import load  # noqa: E402

#: A folder outside the repository, spelled so that a grep for it finds no hit in the repository.
OUTSIDE = "../" + "shared"


@pytest.fixture
def shown(monkeypatch):
    """Everything present.display() was asked to show, in order."""
    out = []
    monkeypatch.setattr(present.output, "display", lambda obj, **kw: out.append((obj, kw)))
    return out


# ---- numbers (each expected string worked by hand from the rule in the docstring) -----------


@pytest.mark.parametrize(
    "value, text",
    [
        (16_516e6, "$16.5 B"),  # 16.516e9 -> 3 sig. figs 16.5 (x 1e9)
        (338.4e6, "$338 M"),  # 338.4e6 -> 338 (x 1e6)
        (5.6e6, "$5.6 M"),  # 5.60 -> trailing zero dropped
        (5.576e6, "$5.58 M"),  # DeepSeek-V3: 2.788e6 GPU-h x $2 = 5.576e6 -> 5.58
        (999.6e6, "$1 B"),  # 999.6e6 rounds to 1.00e9 at 3 sig. figs -> billions
        (2.5e12, "$2.5 T"),
        (12_000, "$12,000"),  # whole dollars from $100
        (0.28, "$0.28"),  # cents below $100
        (2, "$2.00"),
        (0.0012, "$0.0012"),  # two significant figures below a cent
        (-3.2e9, "−$3.2 B"),
    ],
)
def test_usd(value, text):
    assert present.usd(value) == text


@pytest.mark.parametrize("value", [None, math.nan, float("inf"), pd.NA])
def test_unknown_values_read_na(value):
    for fmt in (present.usd, present.count, present.flop, present.mw, present.gwh, present.pct):
        assert fmt(value) == "n/a"


@pytest.mark.parametrize(
    "value, text",
    [
        (2048, "2,048"),
        (100_000, "100,000"),
        (999_999, "999,999"),
        (1.2e6, "1.2 M"),  # from a million: 3 sig. figs, trailing zero dropped
        (2.788e6, "2.79 M"),  # DeepSeek-V3 GPU-hours
        (1e7, "10 M"),
        (3.1e9, "3.1 B"),
        (6.73, "6.73"),  # a fractional count below 100 keeps 3 sig. figs
        (2047.6, "2,048"),  # counts from 100 are whole
    ],
)
def test_count(value, text):
    assert present.count(value) == text


@pytest.mark.parametrize(
    "value, noun, spec, text",
    [
        (1, "chip", None, "1 chip"),  # one: the singular (hostile report 13: "on 1 chips")
        (1.0, "sequence", None, "1 sequence"),  # a float one prints "1" too
        (2048, "chip", None, "2,048 chips"),
        (0, "token", None, "0 tokens"),  # zero takes the plural
        (1.0, "year", "{:g}", "1 year"),
        (1.5, "day", "{:g}", "1.5 days"),  # a fraction of one is plural
        (float("nan"), "chip", None, "n/a chips"),
    ],
)
def test_counted_takes_the_singular_for_one(value, noun, spec, text):
    assert present.counted(value, noun, spec=spec) == text


def test_counted_takes_an_irregular_plural():
    assert present.counted(3, "replica", "replicas") == "3 replicas"
    assert present.counted(2, "box", "boxes") == "2 boxes"
    assert present.counted(1, "box", "boxes") == "1 box"


@pytest.mark.parametrize(
    "value, text",
    [
        (3.29e24, "3.3 × 10²⁴ FLOP"),  # 3.29 -> 2 sig. figs 3.3, exponent 24
        (3.96e24, "4 × 10²⁴ FLOP"),  # 3.96 -> 4.0 -> trailing zero dropped
        (1e25, "10²⁵ FLOP"),  # mantissa 1 is left out
        (9.96e24, "10²⁵ FLOP"),  # rounds up into the next power of ten
        (3.3e-5, "3.3 × 10⁻⁵ FLOP"),
    ],
)
def test_flop(value, text):
    assert present.flop(value) == text
    assert "e+" not in text


@pytest.mark.parametrize(
    "value, text",
    [
        (2.94, "2.94 MW"),
        (0.85, "850 kW"),  # 0.85 MW = 850 kW
        (1234, "1.23 GW"),
        (0.0007, "700 W"),
    ],
)
def test_mw(value, text):
    assert present.mw(value) == text


def test_watts_and_gwh():
    # DGX H100: 10.2 kW = 10,200 W
    assert present.watts(10_200) == "10.2 kW"
    assert present.gwh(1.5) == "1.5 GWh"
    assert present.gwh(0.78) == "780 MWh"  # 0.78 GWh x 1000
    assert present.gwh(2100) == "2.1 TWh"  # 2100 GWh / 1000


@pytest.mark.parametrize(
    "value, text",
    [
        (0.38, "38 %"),
        (0.383, "38 %"),
        (0.019, "1.9 %"),
        (0.0995, "10 %"),
        (1.2, "120 %"),
    ],
)
def test_pct(value, text):
    assert present.pct(value) == text


def test_num_keeps_its_old_behaviour():
    assert present.num(1234.5) == "1,234.50"
    assert present.num(None) == "n/a"


def test_a_list_reads_as_a_sentence():
    # one list-joining rule for every report: commas, then "and" before the last (no serial comma)
    assert present.joined(["H20", "A800 SXM", "Ascend 910B"]) == "H20, A800 SXM and Ascend 910B"
    assert present.joined(["H20", "B200"]) == "H20 and B200"
    assert present.joined(iter(["H20"])) == "H20" and present.joined([]) == ""


# ---- chip names and colours ----------------------------------------------------------------


def test_chip_names():
    assert present.chip_name("h800-sxm") == "NVIDIA H800 SXM5 80GB"
    assert present.chip_name("H800-SXM") == "NVIDIA H800 SXM5 80GB"
    assert present.chip_short("h800-sxm") == "H800 SXM"
    assert present.chip_short("ascend-910c") == "Ascend 910C"
    assert present.chip_short("mlu370-x8") == "MLU370-X8"
    assert present.chip_short("mi300x") == "MI300X"
    assert present.chip_short("h20") == "H20"
    assert present.chip_short("not-a-chip") == "not-a-chip"


def test_short_names_are_unique_and_short():
    chips = load("chips")
    shorts = [present.chip_short(c) for c in chips.index]
    assert len(set(shorts)) == len(shorts)
    assert max(map(len, shorts)) <= 14


def test_colours_are_per_chip_and_stable():
    one = present.chip_colors(["h100-sxm", "h800-sxm"])
    other = present.chip_colors(["ascend-910c", "mi300x", "h800-sxm", "h100-sxm"])
    assert one["h800-sxm"] == other["h800-sxm"] and one["h100-sxm"] == other["h100-sxm"]
    chips = load("chips")
    colors = present.chip_colors(chips.index)
    assert len(set(colors.values())) == len(colors)  # one colour per chip


def test_huawei_and_amd_are_not_the_same_red():
    c = present.chip_colors(["ascend-910b", "mi300x"])
    r1, g1, b1 = (int(c["ascend-910b"][i : i + 2], 16) for i in (1, 3, 5))
    r2, g2, b2 = (int(c["mi300x"][i : i + 2], 16) for i in (1, 3, 5))
    assert abs(r1 - r2) + abs(g1 - g2) + abs(b1 - b2) > 120


def test_usual_comparison_set_differs_in_greyscale():
    # the chips compared in the default reports: luminance steps of >= 0.08 (of 0..1)
    usual = ["h100-sxm", "h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c", "mi300x"]
    greys = sorted(present.luminance(c) for c in present.chip_colors(usual).values())
    assert min(b - a for a, b in zip(greys, greys[1:])) >= 0.08


def test_luminance_by_hand():
    # #ffffff -> 1; #000000 -> 0; pure green #00ff00 -> 0.587
    assert present.luminance("#ffffff") == pytest.approx(1.0)
    assert present.luminance("#000000") == 0
    assert present.luminance("#00ff00") == pytest.approx(0.587)


def test_new_chip_gets_a_stable_vendor_colour():
    a = present._derived_color("some-future-chip")
    assert a == present._derived_color("some-future-chip")


def test_chip_bars_label_by_name_and_mark_missing():
    fig, ax = plt.subplots()
    present.chip_bars(ax, pd.Series({"h800-sxm": 2.0, "ascend-910c": math.nan}), fmt=present.usd)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    texts = [t.get_text().strip() for t in ax.texts]
    assert labels == ["H800 SXM", "Ascend 910C"]
    assert "n/a" in texts and "$2.00" in texts
    handles = present.chip_legend(ax, ["h800-sxm", "ascend-910c"]).get_texts()
    assert [t.get_text() for t in handles] == ["H800 SXM", "Ascend 910C"]
    plt.close(fig)


def test_direct_labels_do_not_overlap():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1.0, 1.0], label="H800 SXM")
    ax.plot([0, 1], [1.0, 1.001], label="H20")
    present.direct_labels(ax)
    ys = sorted(t.xyann[1] if hasattr(t, "xyann") else t.get_position()[1] for t in ax.texts)
    assert len(ys) == 2 and ys[1] - ys[0] >= 0.045 - 1e-9
    plt.close(fig)


# ---- escaping ------------------------------------------------------------------------------

EVIL = "Evil <script>alert(1)</script> & co"


def test_say_escapes_data_text(shown):
    present.say(f"The chip {EVIL} costs $2.")
    markdown = shown[0][0].data
    rendered = mistune.html(markdown)
    assert "<script>" not in rendered
    assert "&lt;script&gt;" in rendered or "&lt;script>" in rendered
    assert r"\$2" in markdown


def test_say_never_turns_data_text_into_a_link(shown):
    """A chip name written as a Markdown link reads as text, not an <a href> (issue 22, item 9)."""
    present.say("The chip [click me](https://example.com/x) costs [USD] 2.")
    rendered = mistune.html(shown[0][0].data)
    assert "<a " not in rendered and "href" not in rendered
    assert "[click me](https://example.com/x)" in rendered and "[USD]" in rendered


def test_say_prints_a_hyphen_kept_on_its_line_as_a_plain_one(shown):
    # a source key cited in text ("fr-2026-00789", the hyphen between digits non-breaking): the
    # reader's copy holds an ASCII hyphen, and markup, not U+2011, keeps "2026-00789" on one line
    present.say(present.contract._cited("fr-2026-00789", {"fr-2026-00789": 19}))
    rendered = mistune.html(shown[0][0].data)
    assert "\u2011" not in rendered
    assert r"\[19\]" in shown[0][0].data and 'fr-202<span style="white-space: nowrap">6-0</span>0789' in rendered


def test_say_html_keeps_own_markup(shown):
    present.say("<div class='sources'>x</div>", html=True)
    assert "<div class='sources'>" in shown[0][0].data


def test_table_escapes_and_shows_names_and_na(shown):
    frame = pd.DataFrame({"cost": [16.516e9, math.nan], "note": [EVIL, "ok"]}, index=["h800-sxm", "ascend-910c"])
    present.table(
        frame,
        {"cost": ("cost (USD)", present.usd, "cost_usd"), "note": "note|{}"},
        caption="A <b>caption</b>",
        name="costs",
    )
    page = shown[0][0].to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>caption" not in page
    assert "NVIDIA H800 SXM5 80GB" in page and "h800-sxm" not in page
    assert "$16.5 B" in page and "n/a" in page
    data = shown[0][1]["metadata"][present.TABLE_MIME]
    assert data["name"] == "costs"  # the table's id, never its caption
    lines = data["csv"].splitlines()
    assert lines[0] == "chip,cost_usd,note"  # chip rows; headers with their unit
    assert lines[1].startswith("NVIDIA H800 SXM5 80GB,16516000000.0,")
    assert lines[2].startswith("Huawei Ascend 910C,,ok")  # unknown: empty cell


def test_table_html_is_lean_markup_with_short_values_on_one_line(shown):
    """A table's HTML carries no per-cell id or class and no empty <style> of pandas' Styler; a value
    of at most NOWRAP_CHARS (12) characters sits in <td class="n">, which the report template keeps
    on one line; a longer one wraps; the plain-text form names the table, never an address."""
    frame = pd.DataFrame({"x": [1.5, 2.25], "note": ["short", "a note long enough to wrap"]}, index=["h20", "b200"])
    present.table(frame, {"x": "x [MW]|{:.1f}", "note": "note|{}"}, caption="Power & notes", name="power")
    page = shown[0][0].to_html()
    assert " id=" not in page and "<style" not in page and "row0" not in page and "nowrap" not in page
    # "1.5" and "2.2" ({:.1f} of 2.25 rounds half to even) and "short" (5 characters) stay whole
    assert '<td class="n">1.5</td>' in page and '<td class="n">2.2</td>' in page and '<td class="n">short</td>' in page
    assert "<td>a note long enough to wrap</td>" in page  # 26 characters > 12: may wrap
    assert "<caption>Power &amp; notes</caption>" in page and "<th>NVIDIA H20 (HGX, 96GB)</th>" in page
    assert repr(shown[0][0]) == "<table: Power & notes>"
    template = Path(present.__file__).parents[2] / "pipeline" / "templates" / "report" / "index.html.j2"
    assert ".jp-RenderedHTMLCommon td.n { white-space: nowrap; }" in template.read_text()


def test_table_markup_is_written_without_the_styler_template_and_equals_its_text(shown):
    """A table that only formats is written directly (table_html.styled_markup), in the markup pandas'
    html_table.tpl writes, without the ids and classes lean_html drops: the same text as pandas' own
    to_html; a styler with styles or several index levels is left to to_html (None)."""
    from analysis.assembly.present.table_html import styled_markup

    frame = pd.DataFrame({"x": [1.5, math.nan], "note": ["a < b", "ok"]}, index=["h20", "row <2>"])
    present.table(frame, {"x": "x [MW]|{:.1f}", "note": "note|{}"}, caption="Power & notes", name="power")
    present.output._display_frame(pd.DataFrame({"a": ["x & y"], "b": [None]}), "Text", index=False)
    present.output._display_frame(pd.DataFrame({"a": ["z"]}, index=["r"]))
    for table, _ in shown:
        assert styled_markup(table.styler) is not None
        assert table.to_html() == present.output.lean_html(table.styler.to_html())
    # by hand: a header row (blank corner, then each column), a row per index label; text escaped
    assert shown[2][0].to_html() == (
        "<table>\n  <thead>\n    <tr>\n      <th>&nbsp;</th>\n      <th>a</th>\n    </tr>\n  </thead>\n"
        "  <tbody>\n    <tr>\n      <th>r</th>\n      <td>z</td>\n    </tr>\n  </tbody>\n</table>\n"
    )
    assert "<td>x &amp; y</td>" in shown[1][0].to_html() and "<th>&nbsp;</th>" not in shown[1][0].to_html()
    styled = pd.DataFrame({"a": [1.0]}).style.map(lambda v: "color: red")
    two_levels = pd.DataFrame({"a": [1.0]}, index=pd.MultiIndex.from_tuples([("x", "y")])).style
    assert styled_markup(styled) is None and styled_markup(two_levels) is None
    assert present.output.Table(styled).to_html() == present.output.lean_html(styled.to_html())


def test_table_escapes_chip_names_from_the_index(shown):
    present.table(pd.DataFrame({"x": [1.0]}, index=[EVIL]), {"x": "x [MW]|{:.1f}"}, name="evil")
    page = shown[0][0].to_html()
    assert "<script>" not in page


def test_appendix_shows_parameters_as_given_and_inputs_as_used(shown):
    from analysis.assembly.inputs import Used
    from analysis.assembly.params import declare

    declared = declare(load_factor=None, chip="h800-sxm", mfu=0.38, candidates=["h20"])
    present.appendix(
        {"load_factor": None, "chip": "h800-sxm", "mfu": 0.38, "candidates": ["h20", "ascend-910c"]},
        {
            "load_factor": Used(0.75, "share", "epoch-training-cost-trends", "Epoch AI"),
            "chips": {"h20": {"price_usd": Used(12000.0, "USD per chip", "some-key", "chips.csv")}},
        },
        declared,
    )
    # a cited key is kept on one line: no-break space after [n]
    given, used = (out[0].to_html().replace("\u00a0", " ") for out in shown[:2])
    assert "default" in given and "None" not in given
    assert "NVIDIA H800 SXM5 80GB" in given  # ids read as names
    assert "NVIDIA H20 (HGX, 96GB), Huawei Ascend 910C" in given
    assert declared["mfu"].help in given  # the meaning comes from params.SPECS
    # a source cites its number in the sources list ([1]: the block's first key SOURCES.md defines)
    assert "0.75" in used and "[1] epoch-training-cost-trends" in used and "Epoch AI" in used
    per_chip = shown[2][0].to_html()
    # breakable at the underscore by markup, with no character there that a reader's copy would carry
    assert "H20" in per_chip and "price_<wbr>usd [USD per chip]" in per_chip and "12,000" in per_chip
    assert "\u200b" not in per_chip and "\u200b" not in used
    assert "price_usd: some-key" in shown[3][0].data  # the source keys, as text below the table


def test_catalog_rows_in_the_appendix_show_their_sources_beside_them(shown):
    from analysis.assembly import inputs

    present.inputs_table({"systems": inputs.rows_used("systems", ["dgx-h100"], label="name")})
    table = shown[1][0].to_html()
    assert "[6] nvidia\u2011h100" not in table  # hyphens break as usual but between two digits
    assert "2026\u201105" in present.contract._cited("cliffcenter-amd-economics;x-2026-05", {})
    # printed as a plain hyphen kept on one line by markup: copied text holds no U+2011
    assert "\u2011" not in table
    cited = present.output.lean_html(present.contract._cited("x-2026-05", {}))
    assert cited == 'x-202<span style="white-space: nowrap">6-0</span>5'
    table = table.replace("\u00a0", " ")
    # systems.csv dgx-h100: source dgx-h100-power;klockwood-h100;nvidia-h100-datasheet-hpctech;… ([1], [2], [3] …)
    assert "NVIDIA DGX H100 (8x H100 SXM5 80GB)" in table
    assert "[1] dgx-h100-power, [2] klockwood-h100, [3] nvidia-h100-datasheet-hpctech" in table
    assert len(shown) == 2  # no text of source keys below the table


# ---- figures -------------------------------------------------------------------------------


def test_show_gives_alt_text_and_inline_png(shown):
    fig, ax = plt.subplots(figsize=(2, 1), dpi=30)
    ax.set_title('Cost "by" <chip>')
    present.show(fig, key_value="H800: $5.58 M")
    assert fig.number not in plt.get_fignums()  # closed after showing
    bundle, kw = shown[0]
    # the smallest text is the smallest of the tick labels and the title, as the style sizes them
    from matplotlib.font_manager import FontProperties

    keys = ("xtick.labelsize", "ytick.labelsize", "axes.titlesize")
    smallest = min(FontProperties(size=plt.rcParams[k]).get_size_in_points() for k in keys)
    meta = {"alt": 'Cost "by" <chip>. H800: $5.58 M', "text_pt": smallest, "dpi": 30}
    assert kw == {"metadata": {"image/png": meta}, "raw": True}
    img = bundle["text/html"]
    assert f'data-text-pt="{smallest:.4g}" data-dpi="30"' in img
    assert img.startswith('<img alt="Cost &quot;by&quot; &lt;chip&gt;. H800: $5.58 M" ')
    assert 'src="data:image/png;base64,' + bundle["image/png"] + '"' in img


def test_finish_uses_the_title_as_alt(shown):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=30)  # room for the title and labels at the style's sizes
    present.finish(ax, "Chips to match 2,048 H100", "chips", "")
    assert shown[0][0]["text/html"].startswith('<img alt="Chips to match 2,048 H100"')


def test_show_saves_the_png_that_a_tight_bounding_box_saves(shown):
    """show() measures the tight bounding box itself, so that savefig draws the figure once, and the
    PNG is matplotlib's own bbox_inches="tight" PNG byte for byte: a figure laid out by
    tight_layout() with a suptitle, a log axis, a label outside the axes and a legend beside them
    (what the reports draw)."""
    import base64
    import io

    present.setup()

    def figure():
        fig, axes = plt.subplots(1, 2, figsize=(6, 3), dpi=60)
        axes[0].barh(["H100 SXM", "Ascend 910C", "H20"], [3.0, 5.5, 9.0])
        axes[1].plot([1e3, 1e4, 2e5], [1.0, 2.5, 7.0], label="H20")
        axes[1].set_xscale("log")
        axes[1].text(1.02, 0.5, "outside", transform=axes[1].transAxes)
        axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1))
        fig.suptitle("Days and cost on every chip")
        fig.tight_layout()
        return fig

    import numpy as np
    from PIL import Image

    expected = io.BytesIO()
    fig = figure()
    fig.savefig(expected, format="png", dpi=fig.dpi, bbox_inches="tight", pil_kwargs=present.output.PNG_OPTIONS)
    plt.close(fig)
    present.show(figure())
    assert base64.b64decode(shown[0][0]["image/png"]) == expected.getvalue()
    # the pixels are those of matplotlib's default compression (only the zlib level differs)
    default = io.BytesIO()
    fig = figure()
    fig.savefig(default, format="png", dpi=fig.dpi, bbox_inches="tight")
    plt.close(fig)
    assert default.getvalue() != expected.getvalue()
    assert np.array_equal(np.asarray(Image.open(default)), np.asarray(Image.open(expected)))


# ---- sources -------------------------------------------------------------------------------


def test_every_source_entry_has_a_grade_and_no_working_notes():
    from analysis.catalog import DATA_DIR, sources

    table = sources()
    assert set(table["grade"]) == {"primary", "secondary", "weak", "package", "reader"}
    assert all(row["source"].endswith(f"({row['grade']})") for _, row in table.iterrows())
    text = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8").lower()
    for note in ("research notes", "code index", "project notes", OUTSIDE, "/work/", "in this session", "in this pass"):
        assert note not in text, note


def _block(*records):
    """An inputs block of records (value, unit, source key, origin) under names a, b, … and a
    nested chip group, as reports build them."""
    from analysis.assembly.inputs import Used

    used = {chr(97 + i): Used(1.0, "x", key, "test") for i, key in enumerate(records[:-1])}
    return used | {"chips": {"h20": {"peak_tflops": Used(148.0, "TFLOP/s", records[-1], "chips.csv")}}}


def test_source_list_lists_exactly_the_inputs_sources_numbered_with_full_addresses(shown):
    used = _block("deepseek-v3-report", "nope", "deepseek-v3-report", "klockwood-h100")
    present.source_list(used)
    text = shown[0][0].data
    items = re.findall(r"<li value='(\d+)'><b>([^<]+)</b> \(([^)]+)\): (.*?)</li>", text)
    # the block names deepseek-v3-report twice and a key SOURCES.md lacks: each defined key once, in order
    assert [(n, k) for n, k, _, _ in items] == [("1", "deepseek-v3-report"), ("2", "klockwood-h100")]
    assert [kind for _, _, kind, _ in items] == ["primary", "secondary"]
    assert '<a href="https://arxiv.org/abs/2412.19437">https://arxiv.org/abs/2412.19437</a>' in text
    for _, _, _, body in items:
        assert not re.search(r"\((primary|secondary|weak|package|reader)\)", body)  # grade shown once, not repeated
    for bad in (OUTSIDE, "/work/", "found via code index", "research notes"):
        assert bad not in text
    assert "\\$" not in text  # no Markdown dollar escapes inside the HTML list


def test_cite_numbers_a_record_as_the_appendix_does():
    used = _block("deepseek-v3-report", "nope", "klockwood-h100")
    assert present.cite(used, used["chips"]["h20"]["peak_tflops"]) == "[2]"
    assert present.cite(used, "klockwood-h100", used["a"]) == "[2, 1]"
    with pytest.raises(KeyError, match="tweaktown-h20 is not in the report's inputs block"):
        present.cite(used, "tweaktown-h20")


def test_addresses_are_full_and_only_http():
    url = "https://www.tomshardware.com/news/x"
    assert present._address(url) == f'<a href="{url}">{url}</a>'
    assert present._address("n/a (no single address)") == ""
    assert present._address(OUTSIDE + "/research/notes.md") == ""


def test_setup_keeps_a_latin_font_first_and_cjk_as_fallback():
    present.setup()
    family = plt.rcParams["font.family"]
    assert family[0] == "DejaVu Sans"
    assert family[1:] in ([], ["Noto Sans CJK JP"])  # the fallback only where it is installed


# ---- theme: seaborn's, stored as a style file ------------------------------------------------


def test_report_style_is_seaborns_theme():
    # every rcParam after seaborn's own set_theme equals the committed style's, from the same
    # start (matplotlib's defaults), and the style sets exactly the keys seaborn sets, so a kernel
    # whose rcParams differ from the defaults ends up the same either way (one key excepted)
    sns = pytest.importorskip("seaborn")
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
        seaborns = dict(matplotlib.rcParams)
        matplotlib.rcdefaults()
        plt.style.use(present.STYLE)
        ours = dict(matplotlib.rcParams)
    # the one key left out: seaborn's colormap "rocket" exists only once seaborn is imported
    assert {k for k in ours if ours[k] != seaborns[k]} == {"image.cmap"}
    set_by_seaborn = (
        set(sns.axes_style("whitegrid")) | set(sns.plotting_context("notebook")) | {"font.family", "axes.prop_cycle"}
    )  # set_theme(font=...), set_palette
    style = matplotlib.rc_params_from_file(present.STYLE, use_default_template=False)
    assert set(style) == set_by_seaborn - {"image.cmap"}


def test_setup_applies_the_style_with_titles_at_the_top_edge():
    style = matplotlib.rc_params_from_file(present.STYLE, use_default_template=False)
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        present.setup()
        applied = dict(matplotlib.rcParams)
    own = {"font.family"}  # setup's font list with the CJK fallback (test above)
    assert {k: applied[k] for k in style if k not in own} == {k: style[k] for k in style if k not in own}
    assert applied["axes.titley"] == 1.0


def test_no_figure_puts_x_tick_labels_on_top():
    # setup() fixes titles at the top edge (axes.titley = 1.0): where matplotlib's automatic
    # placement puts them too, unless x tick labels or an x label sit on top of the axes
    from analysis.catalog import PROJECT_DIR

    on_top = re.compile(
        r"twiny|secondary_xaxis|tick_top|labeltop|"
        r"set_(ticks|label)_position\(\s*['\"](top|both)"
    )
    files = [*(PROJECT_DIR / "analysis").rglob("*.py"), *(PROJECT_DIR / "notebooks").glob("*.py")]
    assert [f.name for f in files if on_top.search(f.read_text(encoding="utf-8"))] == []


def test_table_csv_neutralises_spreadsheet_formulas_and_keeps_numbers(shown):
    """Data text that a spreadsheet would run (=, +, -, @, tab, CR at the start) is prefixed with
    ' in the CSV copy; numbers, negative ones included, stay numbers (issue 22, item 1)."""
    import csv
    import io

    evil = ["+1+cmd|' /C calc'!A0", "@SUM(1,2)", '=HYPERLINK("http://x")', "-2+3", "\tx", "fine"]
    frame = pd.DataFrame({"note": evil, "value": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0]}, index=evil)
    present.table(frame, {"note": "note|{}", "value": "value [MW]|{:.1f}"}, names=False, name="evil")
    rows = list(csv.reader(io.StringIO(shown[0][1]["metadata"][present.TABLE_MIME]["csv"])))[1:]
    for (label, note, value), bad in zip(rows, evil):
        expected = bad if bad == "fine" else "'" + bad
        assert label == expected and note == expected
        assert float(value) == frame.loc[bad, "value"]  # numbers, negative ones too, stay numbers


def test_table_csv_holds_text_as_it_reads_without_the_print_break_marks(shown):
    """A non-breaking hyphen (U+2011, kept unbroken in print) is a plain hyphen in the CSV copy, and
    a zero-width space (a place the print may break) is gone, in cells, labels and headers."""
    import csv
    import io

    frame = pd.DataFrame({"unit": ["0.37 M GPU\u2011h"]}, index=["fr\u20112023\u201123055"])
    present.table(frame, {"unit": "price_\u200busd|{}"}, names=False, name="marks")
    rows = list(csv.reader(io.StringIO(shown[0][1]["metadata"][present.TABLE_MIME]["csv"])))
    assert rows == [["", "price_usd"], ["fr-2023-23055", "0.37 M GPU-h"]]


def test_key_inputs_quote_each_figure_with_the_number_of_its_source():
    from analysis.assembly.inputs import Used

    used = {
        "tokens": Used(14.8e12, "tokens", "deepseek-v3-report", "run"),  # [1]
        "chips": {
            "h20": {
                "peak_tflops": Used(148.0, "TFLOP/s, dense", "tweaktown-h20", "chips.csv"),  # [2]
                "price_usd": Used(20891.0, "USD per chip, server share", "deepseek-v3-report", "chips.csv"),
            },
            "h100-sxm": {"peak_tflops": Used(989.4, "TFLOP/s, dense", "klockwood-h100", "chips.csv")},  # [3]
        },
    }
    assert present.key_inputs(used, ("peak_tflops", "price_usd", "hbm_gb"), top=("tokens",), chips=["h20"]) == (
        "**Key inputs** ([n]: the sources list): tokens 14.8 T tokens [1]; "
        "H20: 148 TFLOP/s, dense [2], $20,891 per chip, server share [1]."
    )
    assert "H100 SXM: 989.4 TFLOP/s, dense [3]" in present.key_inputs(used, ("peak_tflops",))


def test_a_wide_group_of_inputs_is_split_into_tables_that_fit_the_page(shown):
    from analysis.assembly.inputs import Used

    # 7 inputs per chip, at most present.contract.GROUP_COLUMNS (5) per table: 5 + 2 columns
    record = Used(1.0, "x", "klockwood-h100", "test")
    present.inputs_table({"chips": {"h100-sxm": {f"figure_{i}": record for i in range(7)}}})
    tables = [out[0] for out in shown if hasattr(out[0], "to_html")][1:]  # after the shared inputs
    assert [len(t.data.columns) for t in tables] == [5, 2]
    assert "part 2 of 2" in tables[1].caption


@pytest.mark.parametrize(
    "label, plain",
    [
        (r"$\mathdefault{10^{3}}$", "10³"),
        (r"$\mathdefault{10^{-2}}$", "10⁻²"),
        (r"$\mathdefault{2\times10^{4}}$", "2×10⁴"),
        (r"$\mathdefault{2^{10}}$", "2¹⁰"),
        ("", ""),  # an unlabelled minor tick
        (r"$\mathdefault{0}$", r"$\mathdefault{0}$"),  # no power: left as it is
    ],
)
def test_log_labels_in_plain_text(label, plain):
    assert present.plain_power(label) == plain


def test_log_scale_labels_ticks_as_matplotlib_does_without_math_text():
    """A log axis from 1 to 10⁴ (base 10) and one from 1 to 2⁶ (base 2): the labels matplotlib's
    log formatter gives, written in plain text with superscripts."""
    fig, ax = plt.subplots()
    ax.plot([1, 64], [1, 1e4])
    present.log_scale(ax, "y")
    present.log_scale(ax, "x", base=2)
    ax.set_ylim(1, 1e4)
    ax.set_xlim(1, 64)
    fig.canvas.draw()
    ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text() and 1 <= t.get_position()[1] <= 1e4]
    xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text() and 1 <= t.get_position()[0] <= 64]
    plt.close(fig)
    assert ys == ["10⁰", "10¹", "10²", "10³", "10⁴"]
    assert xs == ["2⁰", "2¹", "2²", "2³", "2⁴", "2⁵", "2⁶"]
    assert ax.get_yscale() == "log" and ax.xaxis.get_transform().base == 2


@pytest.fixture
def shell():
    """An IPython shell for this test only (what a kernel has: displays are captured)."""
    from IPython.core.interactiveshell import InteractiveShell

    yield InteractiveShell.instance()
    InteractiveShell.clear_instance()


def test_show_once_draws_a_key_once_and_shows_the_same_outputs_again(shell):
    from IPython.utils.capture import capture_output

    drawn = []

    def draw(text):
        drawn.append(text)
        present.display({"text/plain": text}, raw=True)

    shown = []
    for key, text in (("a", "first"), ("a", "not drawn: key a is kept"), ("b", "second")):
        with capture_output() as out:
            present.show_once(("test", key), lambda text=text: draw(text))
        shown.append([o.data["text/plain"] for o in out.outputs])
    assert drawn == ["first", "second"]
    assert shown == [["first"], ["first"], ["second"]]


def test_table_left_aligns_prose_and_keeps_numbers_and_short_text_right(shown):
    # policy_steps.csv's "what it changed" runs to sentences: a column with a value of at least
    # PROSE_CHARS (40) characters is left-aligned, each of its cells; the 6-character "BIS 1" and
    # the numbers stay right (the lean HTML keeps no cell class, so the cell carries it)
    frame = pd.DataFrame(
        {"rule": ["BIS 1", "BIS 2"], "what": ["short", "x" * 40], "n": [1.0, 2.0]}, index=["2022-10", "2023-10"]
    )
    present.table(frame, {"rule": "rule|{}", "what": "what it changed|{}", "n": "n [W]|{:.0f}"}, name="prose")
    rows = re.findall(r"<tr>(.*?)</tr>", shown[-1][0].to_html(), flags=re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows]
    left = [[c.startswith('<div style="text-align: left">') for c in row] for row in cells]
    assert left == [[False, True, False], [False, True, False]], cells
    # a table that repeats a row label (export_controls' clauses by vintage) is shown too
    twice = pd.DataFrame({"a": ["x" * 40, "y"]}, index=["2023-10", "2023-10"])
    present.table(twice, {"a": "clause|{}"}, name="twice")
    assert shown[-1][0].to_html().count('<div style="text-align: left">') == 2


@pytest.mark.parametrize(
    "value, text",
    [
        (500.001, "500"),  # V100: 300 W TDP × 1.66667 server ratio, five significant figures: 500.00 → 500
        (14_023.2, "14,023"),  # the median decode batch: 14,023.2 → five significant figures 14,023
        (345.6, "345.6"),  # four significant figures stay as written
        (1.66667, "1.6667"),  # the server power ratio shown to five figures (chips.csv keeps 1.66667)
        (0.5306, "0.5306"),
    ],
)
def test_appendix_values_show_five_significant_figures(value, text):
    from analysis.assembly.present import contract

    assert contract._text(value) == text


def test_text_is_measured_once_per_resolution_and_draws_the_same_pixels(monkeypatch):
    """present.setup() shares matplotlib's text-size cache between the Agg renderers of one dpi
    (a figure's layout and its tight-box savefig each had a renderer of their own): a text measured
    on one renderer is not measured again on another of the same dpi, a renderer of another dpi
    measures its own, and a figure drawn with the shared cache is the same PNG, byte for byte."""
    import io

    import matplotlib.text as mtext
    from matplotlib.backends.backend_agg import RendererAgg

    per_renderer = getattr(mtext._get_text_metrics_function, "per_renderer", mtext._get_text_metrics_function)

    def png() -> bytes:
        fig, ax = plt.subplots(figsize=(4, 2), dpi=110)
        ax.bar(["H800 SXM", "Ascend 910C", "中文"], [1, 2, 3])
        ax.set_title("A title", fontweight="bold")
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", bbox_inches="tight")
        plt.close(fig)
        return out.getvalue()

    monkeypatch.setattr(mtext, "_get_text_metrics_function", per_renderer)
    unshared = png()
    assert present.share_text_metrics()
    assert present.share_text_metrics()  # a second call keeps the one installed
    measured = []
    measure = RendererAgg.get_text_width_height_descent
    monkeypatch.setattr(
        RendererAgg,
        "get_text_width_height_descent",
        lambda self, s, prop, ismath: measured.append((s, self.dpi)) or measure(self, s, prop, ismath),
    )
    prop = mtext.FontProperties(size=9.5)
    first = mtext._get_text_metrics_with_cache(RendererAgg(800, 400, 110), "a label 1", prop, False, 110)
    again = mtext._get_text_metrics_with_cache(RendererAgg(640, 300, 110), "a label 1", prop, False, 110)
    other = mtext._get_text_metrics_with_cache(RendererAgg(640, 300, 220), "a label 1", prop, False, 220)
    # measured on the first 110-dpi renderer only, then on the 220-dpi one
    assert measured == [("a label 1", 110), ("a label 1", 220)]
    assert first == again == measure(RendererAgg(10, 10, 110), "a label 1", prop, False)
    # another dpi: its own size, the one its renderer measures (wider: more pixels per point)
    assert other == measure(RendererAgg(10, 10, 220), "a label 1", prop, False) and other[0] > first[0]
    monkeypatch.undo()
    monkeypatch.setattr(mtext, "_get_text_metrics_function", mtext._get_text_metrics_function)
    present.share_text_metrics()
    assert png() == unshared


def test_median_band_words_a_median_with_its_band():
    assert present.median_band(0.531, 0.654, 0.768, present.pct) == "65 % (P10–P90 53 %–77 %)"  # 53.1, 65.4, 76.8 %
    assert present.median_band(0.981, 0.982, 0.984, present.pct) == "98 %"  # both ends print 98 %: no band
    assert present.median_band(0.5, float("nan"), 0.7, present.pct) == "n/a"
