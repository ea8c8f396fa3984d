"""Identity and provenance of a report (issue 11 item 1): title, PDF metadata, outline and page
footer, and the JSON's provenance."""

import json
import re
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import analysis
from analysis.pipeline import identity
from analysis.pipeline.errors import RenderError
from analysis.pipeline.render import render


def shown(markdown):
    """A code cell that displayed ``markdown`` (as present.say does)."""
    return new_code_cell("", outputs=[new_output("display_data", {"text/markdown": markdown})])


def test_the_title_is_the_first_level_one_heading_shown():
    book = new_notebook(
        cells=[
            new_markdown_cell("Some text\n## Not this"),
            shown("# Costs in \\$ &amp; &lt;chips&gt;\n\nAnswer."),
            shown("# Later"),
        ]
    )
    assert identity.title(book, "fallback") == "Costs in $ & <chips>"


def test_the_title_of_a_notebook_file_s_plain_json_is_the_same_as_of_the_notebook():
    # the index reads a report's notebook as plain JSON, whose texts are lists of lines
    book = new_notebook(cells=[new_markdown_cell("Intro\nline"), shown("# Costs in \\$\n\nAnswer\nof two lines.")])
    plain = json.loads(nbformat.writes(book))
    assert plain["cells"][1]["outputs"][0]["data"]["text/markdown"] == [
        "# Costs in \\$\n",
        "\n",
        "Answer\n",
        "of two lines.",
    ]
    assert identity.title(plain, "fallback") == identity.title(book, "fallback") == "Costs in $"
    assert list(identity._markdown_texts(plain)) == ["Intro\nline", "# Costs in \\$\n\nAnswer\nof two lines."]


def test_a_notebook_without_a_heading_is_titled_by_its_name():
    assert identity.title(new_notebook(cells=[shown("## Only a section")]), "tiny") == "tiny"


def test_data_hash_is_twelve_hex_digits_and_follows_the_data(tmp_path, monkeypatch):
    (tmp_path / "a.csv").write_text("id\nx\n")
    (tmp_path / "SOURCES.md").write_text("sources\n")
    monkeypatch.setattr(identity, "DATA_DIR", tmp_path)
    first = identity.data_hash()
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    (tmp_path / "a.csv").write_text("id\ny\n")
    assert identity.data_hash() != first


def test_commit_is_unknown_outside_a_git_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(identity, "PROJECT_DIR", tmp_path)
    assert identity.commit() == "unknown"


def test_commit_is_marked_modified_when_the_tree_is_dirty(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f").write_text("1")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    monkeypatch.setattr(identity, "PROJECT_DIR", tmp_path)
    clean = identity.commit()
    assert re.fullmatch(r"[0-9a-f]{12}", clean)
    (tmp_path / "f").write_text("2")
    assert identity.commit() == f"{clean} modified"


def test_the_footer_escapes_the_title_and_asks_for_page_numbers():
    prov = {
        "version": "9.9",
        "commit": "abc modified",
        "data_hash": "0123456789ab",
        "rendered_at": "2026-11-23T10:00:00+00:00",
    }
    footer = identity.footer_template("<b>Costs</b> & more", prov)
    assert "&lt;b&gt;Costs&lt;/b&gt; &amp; more" in footer and "<b>" not in footer
    assert 'page <span class="pageNumber"></span> of <span class="totalPages"></span>' in footer
    assert "2026-11-23" in footer and "commit abc modified" in footer and "data 0123456789ab" in footer


@pytest.mark.render
def test_a_rendered_report_carries_its_title_footer_outline_and_provenance(tiny_notebooks, tmp_path):
    written = render("tiny", {}, out_dir=tmp_path / "out")
    info = subprocess.run(["pdfinfo", str(written["pdf"])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title:\s+Tiny report$", info, re.M), info  # '# Tiny report' in TINY_CELLS
    text = subprocess.run(["pdftotext", str(written["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "page 1 of 1" in text and f"compute-parity {analysis.__version__}" in text
    assert b"/Outlines" in written["pdf"].read_bytes()
    assert "<title>Tiny report</title>" in written["html"].read_text()
    prov = json.loads(written["json"].read_text())["provenance"]
    assert set(prov) == {"version", "commit", "data_hash", "rendered_at"}
    assert prov["version"] == analysis.__version__ and f"commit {prov['commit']}" in text


# ------------------------------------------------------------------ tables as CSV, thumbnail (item 5)
TABLE_MIME = "application/vnd.compute-parity.table+json"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="


def tabled(name, caption="", csv="a,b\n1,2\n"):
    """A code cell that showed a table carrying its data as present.table does."""
    return new_code_cell(
        "",
        outputs=[
            new_output(
                "display_data",
                {"text/html": "<table></table>"},
                metadata={TABLE_MIME: {"name": name, "caption": caption, "csv": csv}},
            )
        ],
    )


def test_tables_are_named_by_their_id_and_an_id_missing_or_used_twice_fails():
    """CSV names were cut-off caption text (issue 23, item 3): now each is its table's id."""
    from analysis.pipeline.export import tables

    book = new_notebook(cells=[tabled("cost_by_chip", "Cost"), tabled("power")])
    assert [t["file"] for t in tables(book)] == ["cost_by_chip.csv", "power.csv"]
    assert tables(book)[0]["caption"] == "Cost" and tables(book)[0]["csv"] == "a,b\n1,2\n"
    with pytest.raises(RenderError, match="two tables have the id 'power'"):
        tables(new_notebook(cells=[tabled("power"), tabled("cost"), tabled("power")]))
    for bad in ("", "../../etc/x", "Cost by chip", None):
        with pytest.raises(RenderError, match="no valid id"):
            tables(new_notebook(cells=[tabled(bad)]))


def test_the_thumbnail_is_the_first_png_shown():
    import base64

    from analysis.pipeline.export import first_image

    png = new_code_cell("", outputs=[new_output("display_data", {"image/png": PNG, "text/plain": "fig"})])
    assert first_image(new_notebook(cells=[tabled("t"), png])) == base64.b64decode(PNG)
    assert first_image(new_notebook(cells=[tabled("t")])) is None


@pytest.mark.render
def test_tables_and_thumbnail_are_part_of_the_report_set(tiny_notebooks, tmp_path):
    book = nbformat.read(str(tiny_notebooks / "tiny.ipynb"), as_version=4)
    book.cells.insert(
        1,
        new_code_cell(
            "from IPython.display import display\n"
            f"display({{'text/html': '<table><tr><td>1</td></tr></table>'}}, raw=True, metadata={{{TABLE_MIME!r}: "
            "{'name': 'cost', 'caption': 'Cost by chip', 'csv': 'chip,usd\\nH20,1\\n'}})\n"
            f"display({{'image/png': {PNG!r}, 'text/plain': 'figure'}}, raw=True)"
        ),
    )
    nbformat.write(book, str(tiny_notebooks / "tabled.ipynb"))
    out = tmp_path / "out"
    render("tabled", {}, out_dir=out, formats=("html",))
    # UTF-8 with a byte-order mark, so Excel does not garble ×, ₂ or – (issue 22, item 13)
    assert (out / "tabled.tables" / "cost.csv").read_bytes() == "\ufeffchip,usd\nH20,1\n".encode()
    assert (out / "tabled.thumb.png").read_bytes().startswith(b"\x89PNG")
    assert '<a href="tabled.tables/cost.csv">Cost by chip</a>' in (out / "tabled.html").read_text()
    render("tabled", {}, out_dir=out, formats=("html",))  # re-rendered over itself: the folder is its own report's
    assert sorted(p.name for p in out.iterdir()) == [
        ".fingerprint",
        "tabled.html",
        "tabled.ipynb",
        "tabled.json",
        "tabled.key_figures.csv",
        "tabled.tables",
        "tabled.thumb.png",
    ]


def test_a_long_title_is_shortened_at_a_word_boundary_in_the_footer():
    """The footer cut long titles inside a word ("…10,000 A1…", issue 23 item 2)."""
    title = "Procurement: what a fleet of 10,000 H800 SXM, 10,000 H100 SXM, 30,000 H20, 10,000 A100 SXM delivers"
    shown = identity.short_title(title)
    assert len(shown) <= identity.FOOTER_TITLE_CHARS and shown.endswith(" …")
    kept = shown[:-2]
    assert title.startswith(kept) and not title[len(kept)].isalnum()  # cut at a word boundary: a whole word
    assert identity.short_title("Chip parity: what matches 2,048 × H100") == "Chip parity: what matches 2,048 × H100"


def test_citation_names_the_repository_when_citation_cff_has_one(monkeypatch):
    prov = {
        "version": "9.9.9",
        "commit": "abc123def456",
        "data_hash": "0123456789ab",
        "rendered_at": "2027-01-02T03:04:05",
    }
    monkeypatch.setattr(
        identity,
        "citation_file",
        lambda: {"authors": [{"name": "A. Analyst"}], "repository-code": "https://example.org/cp", "license": "MIT"},
    )
    c = identity.citation(
        "H20 parity", prov, {"name": "h20", "title": "H20 against H100", "file": "reports/scenarios.yaml"}
    )
    assert c["cite_as"] == (
        "A. Analyst (2027). H20 parity. compute-parity reports 9.9.9, commit abc123def456, data 0123456789ab, "
        "rendered 2027-01-02. https://example.org/cp."
    )
    assert 'repository-code: "https://example.org/cp"' in c["cff"] and c["scenario"]["title"] == "H20 against H100"
    monkeypatch.setattr(identity, "citation_file", lambda: {})
    bare = identity.citation("H20 parity", prov)
    assert (
        bare["repository"] is None
        and "repository-code" not in bare["cff"]
        and bare["cite_as"].startswith("anonymous (2027)")
    )


def test_key_figures_become_one_tidy_csv():
    from analysis.pipeline.export import key_figures_csv

    figures = {
        "report": "x",
        "days": 54.2,
        "days_p10": 40.0,
        "days_p90": 80.0,
        "candidates": {"h20": {"chip_count": 13_700, "chip_count_p10": 12_000, "chip_count_p90": 15_000}},
        "cases": [{"case_id": "c1", "unit": "MWh", "measured": 10.0, "modelled": 11.0, "p10": 9.0, "p90": 13.0}],
        "flag": True,
        "parameters": {"chip_count": 2048},
        "inputs": {"pue": {"value": 1.3}},
        "provenance": {"version": "0"},
    }
    rows = key_figures_csv(figures).splitlines()
    # one row per number: its path, the unit its name (or its case) states, its band, the sources it rests
    # on (none here: the inputs block records no goodput, chip or case input); parameters, inputs,
    # provenance, text and booleans are not key figures
    assert rows == [
        "figure,unit,p10,p50,p90,source_keys",
        "days,days,40.0,54.2,80.0,none: not traced",
        "candidates › h20 › chip_count,chips,12000.0,13700.0,15000.0,none: not traced",
        "cases › c1 › measured,MWh,,10.0,,none: not traced",
        "cases › c1 › modelled,MWh,9.0,11.0,13.0,none: not traced",
    ]


def test_the_footer_shortens_the_title_never_the_page_block():
    # compute_stock's long title pushed "data <hash>" onto a second line (hostile check L7): the title span shrinks
    # with an ellipsis, the page/commit/data block neither wraps nor shrinks, and padding (not margin) keeps the
    # flex box inside the page, so the block's right end does not run past the page edge
    prov = {"version": "9.9", "commit": "abc", "data_hash": "0123456789ab", "rendered_at": "2026-11-23T10:00:00+00:00"}
    footer = identity.footer_template("National compute: a very long title " * 3, prov)
    title, block = footer.split("<span style=")[1:3]
    assert "text-overflow: ellipsis" in title and "min-width: 0" in title
    assert "white-space: nowrap" in block and "flex-shrink: 0" in block and block.split(">", 1)[1].startswith("page ")
    assert "box-sizing: border-box; padding: 0 12mm" in footer and "margin: 0 12mm" not in footer
