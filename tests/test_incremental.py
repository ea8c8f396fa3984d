"""Incremental rebuilds (issue 24 item 1): a report whose fingerprint and files on disk match is
skipped and rewrites nothing; a changed scenario, data file, source or version re-renders what it
affects; --force re-renders all; a missing, added or edited file makes a report render again; the
index stays correct. Fast tests render with a stand-in that writes a report set and its sidecar as
the real render does (`render._finish`); `render` tests run the tiny notebooks for real."""

import functools
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import edit_cell

from analysis.pipeline import fingerprint, notebooks, render, scenarios
from analysis.pipeline.cli import main


class Renders:
    """Stand-ins for kernels, browsers and a report's rendering that count what was rendered:
    ``finish`` writes ``NAME.ipynb``, ``NAME.json``, one file per format and a table, then the
    sidecar of the inputs the real ``prepare`` computes, and swaps the set in."""

    def __init__(self, monkeypatch):
        self.rendered: list[str] = []
        run = self

        class Nothing:
            def __init__(self, *args, **kwargs):
                pass

            def close(self):
                pass

        def fake_prepare(notebook, parameters, out_dir, formats, *, scenario=None, **kwargs):
            checked = notebooks.check_parameters(notebook, parameters)
            depends_on = fingerprint.inputs(notebook, checked, formats, scenario)

            def finish():
                new = out_dir.with_name(f".{out_dir.name}.new")
                (new / f"{notebook}.tables").mkdir(parents=True)
                (new / f"{notebook}.tables" / "t.csv").write_text("a\n1\n")
                for suffix in ("ipynb", "json", *formats):
                    (new / f"{notebook}.{suffix}").write_text(json.dumps(checked))
                fingerprint.record(new, depends_on)
                if out_dir.exists():
                    shutil.rmtree(out_dir)
                new.rename(out_dir)
                run.rendered.append(out_dir.name)

            return finish

        monkeypatch.setattr(scenarios, "WarmKernel", Nothing)
        monkeypatch.setattr(scenarios, "Browser", Nothing)
        monkeypatch.setattr(scenarios, "prepare", fake_prepare)


@pytest.fixture()
def renders(monkeypatch, tiny_notebooks):
    return Renders(monkeypatch)


def scenario_file(tmp_path, seed_b=1, title_a="A") -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text(
        "scenarios:\n"
        f"  - {{name: a, notebook: tiny, title: {title_a}}}\n"
        f"  - {{name: b, notebook: tiny, parameters: {{seed: {seed_b}}}}}\n"
        "  - {name: c, notebook: hostile}\n"
    )
    return path


def batch(path, out, capsys, *extra) -> str:
    """Run the batch command; returns its last line of standard error."""
    assert main(["render", "--scenarios", str(path), "--to", "html,pdf", "--out", str(out), *extra]) == 0
    return capsys.readouterr().err.strip().splitlines()[-1]


def state(folder: Path) -> dict:
    """Every file under ``folder`` (the sidecar included): its mtime in nanoseconds and bytes."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()
    }


def test_a_second_batch_with_nothing_changed_renders_nothing_and_rewrites_no_report_file(renders, tmp_path, capsys):
    path, out = scenario_file(tmp_path), tmp_path / "out"
    assert batch(path, out, capsys).startswith("0 up to date, 3 rendered; index:")
    before = {name: state(out / name) for name in "abc"}
    manifest = (out / "index.json").read_text()
    for name in ("index.html", "index.json"):  # an mtime of 2001: any rewrite would set it to now
        os.utime(out / name, ns=(10**18, 10**18))
    renders.rendered.clear()
    assert main(["render", "--scenarios", str(path), "--to", "html,pdf", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert renders.rendered == []
    assert "[1/3] a (tiny) up to date" in err and "3 up to date, 0 rendered; index:" in err
    assert {name: state(out / name) for name in "abc"} == before  # no file rewritten: same mtimes, same bytes
    assert (out / "index.json").read_text() == manifest  # the index still lists all three, as before
    # ... and neither the index page nor the manifest was written again (same bytes, same mtime)
    assert [(out / name).stat().st_mtime_ns for name in ("index.html", "index.json")] == [10**18, 10**18]


def test_one_changed_scenario_re_renders_that_report_only(renders, tmp_path, capsys):
    out = tmp_path / "out"
    batch(scenario_file(tmp_path), out, capsys)
    renders.rendered.clear()
    assert batch(scenario_file(tmp_path, seed_b=2), out, capsys).startswith("2 up to date, 1 rendered")
    assert renders.rendered == ["b"]
    assert json.loads((out / "b" / "tiny.json").read_text()) == {"seed": 2}
    renders.rendered.clear()  # a scenario's title is printed in its report: a new title re-renders it
    assert batch(scenario_file(tmp_path, seed_b=2, title_a="A2"), out, capsys).startswith("2 up to date, 1 rendered")
    assert renders.rendered == ["a"]


def test_a_changed_data_file_re_renders_every_report(renders, tmp_path, capsys, monkeypatch, data_copy):
    monkeypatch.setattr(fingerprint, "DATA_DIR", data_copy)
    out = tmp_path / "out"
    batch(scenario_file(tmp_path), out, capsys)
    renders.rendered.clear()
    edit_cell(data_copy / "chips.csv", "h20", "tdp_w", "401")
    assert batch(scenario_file(tmp_path), out, capsys).startswith("0 up to date, 3 rendered")
    assert sorted(renders.rendered) == ["a", "b", "c"]
    renders.rendered.clear()  # `touch data/chips.csv`: a newer mtime, the same bytes, every report again
    chips = data_copy / "chips.csv"
    later = chips.stat().st_mtime_ns + 10**9
    os.utime(chips, ns=(later, later))
    assert batch(scenario_file(tmp_path), out, capsys).startswith("0 up to date, 3 rendered")
    assert sorted(renders.rendered) == ["a", "b", "c"]


def test_every_notebook_depends_on_chips_csv_source_version_and_environment(monkeypatch, data_copy, tmp_path):
    """Every report loads the catalog, which reads and checks every data file: each notebook's
    fingerprint changes with data/chips.csv, with any file of analysis/, the version and a
    package's version; a data file's mtime alone changes it too (``touch data/chips.csv`` asks
    for a rebuild, as in a build tool), a source file's mtime alone does not."""
    names = notebooks.notebook_names()
    assert len(names) >= 7  # the repository's notebooks, not a stand-in folder

    def prints():
        return {name: fingerprint.fingerprint(fingerprint.inputs(name, {}, ("html", "pdf"))) for name in names}

    monkeypatch.setattr(fingerprint, "DATA_DIR", data_copy)
    source = tmp_path / "analysis"
    shutil.copytree(fingerprint.SOURCE_DIR, source, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "SOURCE_DIR", source)
    first = prints()
    (source / "formulas" / "compute.py").touch()
    assert prints() == first  # source counts by content only
    (data_copy / "chips.csv").touch()
    changes = [prints()]  # a touched data file: every report again
    edit_cell(data_copy / "chips.csv", "h20", "tdp_w", "401")
    changes.append(prints())
    with (source / "formulas" / "compute.py").open("a") as f:
        f.write("\n# an edit\n")
    changes.append(prints())
    monkeypatch.setattr(fingerprint, "__version__", "99.0")
    changes.append(prints())
    version = fingerprint.metadata.version
    monkeypatch.setattr(fingerprint.metadata, "version", lambda p: "9.9" if p == "pandas" else version(p))
    # versions are read once per process: a fresh cache for this test, the shared one back after it
    monkeypatch.setattr(fingerprint, "_versions", functools.cache(fingerprint._versions.__wrapped__))
    changes.append(prints())
    for before, after in zip([first, *changes[:-1]], changes, strict=True):
        assert all(before[name] != after[name] for name in names)


@pytest.mark.parametrize(
    "other",
    [
        {"parameters": {"seed": 2}},
        {"formats": ("html",)},
        {"scenario": {"name": "a", "title": "B", "file": "s.yaml"}},
    ],
    ids=["parameters", "formats", "scenario"],
)
def test_parameters_formats_and_scenario_are_part_of_the_fingerprint(tiny_notebooks, other):
    base = {"parameters": {"seed": 1}, "formats": ("html", "pdf"), "scenario": {"name": "a", "title": "A", "file": ""}}

    def of(args):
        return fingerprint.fingerprint(
            fingerprint.inputs("tiny", args["parameters"], args["formats"], args["scenario"])
        )

    assert of(base) == of(dict(base))  # the same inputs, the same fingerprint
    assert of(base) != of(base | other)
    assert of(base) == of(base | {"formats": ("pdf", "html")})  # the order formats are named in does not matter


def test_the_notebook_file_is_part_of_the_fingerprint(tiny_notebooks):
    first = fingerprint.fingerprint(fingerprint.inputs("tiny", {}, ("html",)))
    with (tiny_notebooks / "tiny.ipynb").open("a") as f:
        f.write("\n")
    assert fingerprint.fingerprint(fingerprint.inputs("tiny", {}, ("html",))) != first


def test_force_re_renders_every_report(renders, tmp_path, capsys):
    path, out = scenario_file(tmp_path), tmp_path / "out"
    batch(path, out, capsys)
    renders.rendered.clear()
    assert batch(path, out, capsys, "--force").startswith("0 up to date, 3 rendered")
    assert sorted(renders.rendered) == ["a", "b", "c"]


def remove_pdf(folder):
    (folder / "tiny.pdf").unlink()


def edit_html(folder):
    (folder / "tiny.html").write_text("edited by hand")


def edit_table(folder):
    (folder / "tiny.tables" / "t.csv").write_text("a\n2\n")


def add_file(folder):
    (folder / "tiny.failed.ipynb").write_text("{}")


def break_sidecar(folder):
    (folder / fingerprint.SIDECAR).write_text("not json")


def remove_sidecar(folder):
    (folder / fingerprint.SIDECAR).unlink()


@pytest.mark.parametrize("damage", [remove_pdf, edit_html, edit_table, add_file, break_sidecar, remove_sidecar])
def test_a_report_with_a_file_missing_added_or_modified_is_rendered_again(renders, tmp_path, capsys, damage):
    path, out = scenario_file(tmp_path), tmp_path / "out"
    batch(path, out, capsys)
    intact = state(out / "a")
    damage(out / "a")
    renders.rendered.clear()
    assert batch(path, out, capsys).startswith("2 up to date, 1 rendered")
    assert renders.rendered == ["a"]
    assert {k: v[1] for k, v in state(out / "a").items()} == {k: v[1] for k, v in intact.items()}


def test_a_removed_scenario_leaves_the_index_when_the_others_are_up_to_date(renders, tmp_path, capsys):
    path, out = scenario_file(tmp_path), tmp_path / "out"
    batch(path, out, capsys)
    path.write_text("scenarios:\n  - {name: a, notebook: tiny, title: A}\n")
    assert batch(path, out, capsys).startswith("1 up to date, 0 rendered")
    assert [e["name"] for e in json.loads((out / "index.json").read_text())["entries"]] == ["a"]
    assert 'href="a/tiny.html"' in (out / "index.html").read_text()


# ------------------------------------------------------------------ real renders (tiny notebooks)


@pytest.mark.render
def test_a_real_batch_and_single_render_skip_when_up_to_date_and_force_renders(tiny_notebooks, tmp_path, capsys):
    path, out = scenario_file(tmp_path), tmp_path / "out"
    assert batch(path, out, capsys).startswith("0 up to date, 3 rendered")
    before = {name: state(out / name) for name in "abc"}
    assert set(before["a"]) == {
        ".fingerprint",
        "tiny.ipynb",
        "tiny.json",
        "tiny.key_figures.csv",
        "tiny.html",
        "tiny.pdf",
    }
    assert batch(path, out, capsys).startswith("3 up to date, 0 rendered")
    assert {name: state(out / name) for name in "abc"} == before
    assert batch(path, out, capsys, "--force").startswith("0 up to date, 3 rendered")
    after = state(out / "a")
    assert all(after[name][0] != before["a"][name][0] for name in after)  # every file written again

    single = tmp_path / "single"
    args = ["render", "tiny", "-p", "seed", "5", "--to", "html", "--out", str(single)]
    assert main(args) == 0
    first = state(single)
    assert main(args) == 0
    assert "up to date: nothing rendered" in capsys.readouterr().err
    assert state(single) == first
    (single / "tiny.html").write_text("edited by hand")
    assert main(args) == 0
    assert "rendering tiny" in capsys.readouterr().err  # rendered again: the edit is gone
    assert b"Tiny report" in (single / "tiny.html").read_bytes()


@pytest.mark.render
def test_the_sidecar_records_the_real_render_s_inputs_and_files(tiny_notebooks, tmp_path):
    written = render.render("tiny", {"seed": 3}, out_dir=tmp_path / "r", formats=("html",))
    recorded = json.loads((tmp_path / "r" / fingerprint.SIDECAR).read_text())
    assert recorded["inputs"]["parameters"] == {"seed": 3} and recorded["inputs"]["formats"] == ["html"]
    assert sorted(recorded["files"]) == sorted(p.name for p in written.values())
    assert render.up_to_date("tiny", {"seed": 3}, tmp_path / "r", ("html",)) == sorted(written.values())
    assert render.up_to_date("tiny", {"seed": 4}, tmp_path / "r", ("html",)) is None


def test_a_comparison_of_two_up_to_date_reports_is_not_written_again(renders, tmp_path, capsys, monkeypatch):
    from analysis.pipeline import pairs, pdf

    written = []

    def fake_write(a, b, out, formats, browser=None):
        out.mkdir(parents=True, exist_ok=True)
        for suffix in ("json", *formats):
            (out / f"compare.{suffix}").write_text(f"{a} vs {b}")
        written.append(out.name)

    monkeypatch.setattr(pairs.compare, "read_report", lambda folder: folder.name)
    monkeypatch.setattr(pairs.compare, "write", fake_write)
    monkeypatch.setattr(pdf, "Browser", lambda *args: type("B", (), {"close": lambda self: None})())
    path, out = scenario_file(tmp_path), tmp_path / "out"
    path.write_text(path.read_text() + "compare:\n  - [a, b]\n")
    batch(path, out, capsys)
    assert len(written) == 1
    (folder,) = [p for p in out.iterdir() if p.name.startswith("compare-")]
    before = state(folder)
    main(["render", "--scenarios", str(path), "--to", "html,pdf", "--out", str(out)])
    assert f"{folder.name} up to date" in capsys.readouterr().err
    assert len(written) == 1 and state(folder) == before  # not written again
    path.write_text(path.read_text().replace("seed: 1", "seed: 2"))  # b changes: so does the comparison
    batch(path, out, capsys)
    assert len(written) == 2
