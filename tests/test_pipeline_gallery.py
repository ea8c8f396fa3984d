"""The reports index as a gallery, and single renders in their own folder (issue 11 item 5)."""

import json
import re

import pytest

from analysis.assembly.params import ParameterError
from analysis.catalog import PROJECT_DIR
from analysis.pipeline import gallery, render
from analysis.pipeline.cli import main, single_folder
from analysis.pipeline.render import check_batch_folder
from analysis.pipeline.scenarios import Outcome, Scenario, write_index


def test_a_single_render_folder_is_named_by_its_parameters():
    assert single_folder("export_controls", {}) == "export_controls"
    one = single_folder("export_controls", {"tpp_threshold": 4000.0})
    assert re.fullmatch(r"export_controls-[0-9a-f]{8}", one)
    assert single_folder("export_controls", {"tpp_threshold": 4000.0}) == one
    assert single_folder("export_controls", {"tpp_threshold": 2000.0}) != one


def test_the_index_names_the_scenario_file_without_a_local_path(tmp_path):
    assert gallery.source_label(PROJECT_DIR / "reports" / "scenarios.yaml") == "reports/scenarios.yaml"
    assert gallery.source_label(tmp_path / "mine.yaml") == "mine.yaml"
    page = write_index(
        [Outcome(Scenario("x", "tiny"), False, "boom", 0.0)], tmp_path / "out", tmp_path / "mine.yaml"
    ).read_text()
    assert "<code>mine.yaml</code>" in page and str(tmp_path) not in page


def report_set(root, folder, notebook, date="2026-11-23T10:00:00+00:00"):
    """A fake report set: JSON with provenance and title, HTML, thumbnail and one CSV table."""
    d = root / folder
    (d / f"{notebook}.tables").mkdir(parents=True)
    (d / f"{notebook}.tables" / "cost.csv").write_text("a\n1\n")
    (d / f"{notebook}.json").write_text(
        json.dumps({"title": f"Title of {folder}", "provenance": {"rendered_at": date, "version": "9.9.9"}})
    )
    (d / f"{notebook}.html").write_text("<html></html>")
    (d / f"{notebook}.thumb.png").write_bytes(b"\x89PNG")


def test_a_card_shows_title_thumbnail_links_tables_date_and_version(tmp_path):
    report_set(tmp_path, "a", "tiny")
    page = write_index([Outcome(Scenario("a", "tiny", {"seed": 2}), True, "ok", 0.0)], tmp_path).read_text()
    assert "Title of a" in page and '<img src="a/tiny.thumb.png"' in page
    assert '<a href="a/tiny.html">HTML</a>' in page and '<a href="a/tiny.json">JSON</a>' in page
    assert "a/tiny.pdf" not in page  # only files that exist
    assert '<a href="a/tiny.tables/cost.csv">cost</a>' in page
    assert "rendered 2026-11-23" in page and "compute-parity 9.9.9" in page and "seed=2" in page


def test_single_renders_stay_in_the_index_across_batches(tmp_path):
    report_set(tmp_path, "tiny-0123abcd", "tiny")
    report_set(tmp_path, "a", "tiny")
    gallery.update(
        tmp_path,
        [
            {
                "name": "tiny-0123abcd",
                "notebook": "tiny",
                "parameters": {"seed": 3},
                "ok": True,
                "source": gallery.COMMAND_LINE,
            }
        ],
    )
    write_index([Outcome(Scenario("a", "tiny"), True, "ok", 0.0)], tmp_path, tmp_path / "s.yaml")
    write_index([Outcome(Scenario("b", "tiny"), False, "bad", 0.0)], tmp_path, tmp_path / "s.yaml")
    names = [e["name"] for e in json.loads((tmp_path / "index.json").read_text())["entries"]]
    assert names == ["b", "tiny-0123abcd"]  # the last batch's scenarios, and the single render
    page = (tmp_path / "index.html").read_text()
    assert "Title of tiny-0123abcd" in page and "single render" in page and "failed: bad" in page


@pytest.mark.render
def test_a_single_render_goes_to_its_own_folder_and_joins_the_index(tiny_notebooks, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(render, "REPORTS_DIR", tmp_path / "reports")
    assert main(["render", "tiny", "-p", "seed", "3", "--to", "html"]) == 0
    assert main(["render", "tiny", "--to", "html"]) == 0
    folders = sorted(p.name for p in (tmp_path / "reports").iterdir() if p.is_dir())
    assert folders == ["tiny", single_folder("tiny", {"seed": 3})]
    page = (tmp_path / "reports" / "index.html").read_text()
    for folder in folders:
        assert f'<a href="{folder}/tiny.html">HTML</a>' in page
    assert page.count("Tiny report") >= 2  # each card titled by the report's heading


# ---- a manifest that is not one is set aside and rebuilt; index files of others are never replaced (issue 22)


def report(root, folder, notebook):
    """A report set as a render leaves it, its JSON naming its notebook."""
    report_set(root, folder, notebook)
    figures = root / folder / f"{notebook}.json"
    figures.write_text(json.dumps({**json.loads(figures.read_text()), "report": notebook, "parameters": {}}))


BROKEN_MANIFESTS = {
    "a list": "[]",
    "null entries": '{"entries": null}',
    "deep nesting": "[" * 100_000,
    "a lone surrogate": '{"entries": [{"name": "a", "notebook": "tiny", "ok": true, "title": "x\\ud800"}]}',
    "not JSON": "{oops",
}


@pytest.mark.parametrize("kind", list(BROKEN_MANIFESTS))
def test_a_broken_manifest_is_set_aside_and_rebuilt_from_the_report_folders(tmp_path, capsys, kind):
    report(tmp_path, "a", "tiny")
    (tmp_path / "index.json").write_text(BROKEN_MANIFESTS[kind], encoding="utf-8")
    page = gallery.update(tmp_path, [{"name": "b", "notebook": "tiny", "ok": False, "message": "x"}])
    text = page.read_text(encoding="utf-8")
    manifest = json.loads((tmp_path / "index.json").read_text())
    names = {e["name"] for e in manifest["entries"]}
    if kind == "a lone surrogate":  # a manifest with one odd character is still a manifest
        assert names == {"a", "b"} and manifest["entries"][0]["title"] == "x?"  # writable as UTF-8
    else:
        assert names == {"a", "b"}  # a rebuilt from its folder, b added
        assert (tmp_path / "index.json.bad-1").exists()
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "set aside as index.json.bad-1" in err
    assert 'href="a/tiny.html"' in text


def test_manifest_entries_are_checked_one_by_one(tmp_path):
    report(tmp_path, "good", "tiny")
    entries = [
        {"name": "../../etc", "notebook": "tiny", "ok": True},
        {"name": "good", "notebook": "tiny", "ok": "false", "parameters": "seed=1"},
    ]
    (tmp_path / "index.json").write_text(json.dumps({"entries": entries}))
    gallery.update(tmp_path, [])
    manifest = json.loads((tmp_path / "index.json").read_text())
    assert [e["name"] for e in manifest["entries"]] == ["good"]  # the path outside the folder is dropped
    assert manifest["entries"][0]["ok"] is False and manifest["entries"][0]["parameters"] == {}


def test_a_manifest_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "MAX_MANIFEST_BYTES", 100)
    (tmp_path / "index.json").write_text(json.dumps({"entries": [{"name": "x" * 10}] * 20}))
    gallery.update(tmp_path, [])
    assert (tmp_path / "index.json.bad-1").exists()


@pytest.mark.parametrize("files", [{"index.html": "<html>someone's</html>"}, {"index.json": "{}"}, {"notes.txt": "x"}])
def test_a_batch_refuses_a_folder_with_files_it_did_not_write(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ParameterError, match="--out"):
        check_batch_folder(tmp_path)
    assert all((tmp_path / name).read_text() == text for name, text in files.items())  # untouched


def test_a_batch_may_write_where_its_own_index_and_scenario_files_are(tmp_path):
    report(tmp_path, "a", "tiny")
    gallery.update(tmp_path, [{"name": "a", "notebook": "tiny", "ok": True}])
    (tmp_path / "scenarios.yaml").write_text("scenarios: []\n")
    assert check_batch_folder(tmp_path) == tmp_path.resolve()
