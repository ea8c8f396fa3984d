"""Two rendered reports side by side (issue 23 item 4), and the exponent numbers of parameter and
scenario files (issue 23 item 6). Fast tests build report folders by hand; the render tier
compares real renders."""

import json
import subprocess
import sys

import pytest

from analysis.pipeline import compare, gallery, layout, pairs, render
from analysis.pipeline.cli import main
from analysis.pipeline.compare import CompareError, banded, figure_rows, flatten, input_rows, parameter_rows
from analysis.pipeline.scenarios import Outcome, Scenario, ScenarioError, _precheck, load_scenarios

PROV = {"version": "0.3.0", "commit": "abc", "data_hash": "d1", "rendered_at": "2026-12-06T10:00:00+00:00"}
#: A 1 × 1 PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def report(root, name, notebook="training_run", parameters=None, **figures):
    """A report folder as a render leaves it: NOTEBOOK.json and an executed notebook with one figure."""
    folder = root / name
    folder.mkdir(parents=True)
    data = {"report": notebook, "title": f"Title of {name}", "parameters": parameters or {}, "provenance": PROV}
    (folder / f"{notebook}.json").write_text(json.dumps(data | figures))
    figure = {"output_type": "display_data", "data": {"image/png": PNG}, "metadata": {"image/png": {"alt": name}}}
    (folder / f"{notebook}.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [figure]}]}))
    return folder


H800 = {"chip": "h800-sxm", "days": 50.0, "days_p10": 40.0, "days_p90": 80.0, "goodput": 0.98}
H20 = {"chip": "h20", "days": 150.0, "days_p10": 120.0, "days_p90": 240.0, "goodput": 0.98}


# ---------------------------------------------------------------- pairing and differences


def test_a_band_at_any_depth_is_one_row_with_its_p10_and_p90():
    figures = {
        "days": 50.0,
        "days_p10": 40.0,
        "days_p90": 80.0,
        # energy_advantage's shape: {figure: {chip: {region: value}}} with _p10/_p90 siblings
        "tco_usd": {"h20": {"cn": 10.0}},
        "tco_usd_p10": {"h20": {"cn": 8.0}},
        "tco_usd_p90": {"h20": {"cn": 13.0}},
        "p10": 3.0,  # a figure named p10 without a sibling to band: a figure of its own
    }
    assert banded(flatten(figures)) == {
        ("days",): {"p50": 50.0, "p10": 40.0, "p90": 80.0},
        ("tco_usd", "h20", "cn"): {"p50": 10.0, "p10": 8.0, "p90": 13.0},
        ("p10",): {"p50": 3.0},
    }
    # a validation case: its p10 / p90 are the band of its modelled figure (as key_figures.csv reads it)
    case = {"cases": [{"case_id": "llama-3-8b", "measured": 1.3e6, "modelled": 1.1e6, "p10": 0.8e6, "p90": 1.6e6}]}
    assert banded(flatten(case)) == {
        ("cases", "llama-3-8b", "measured"): {"p50": 1.3e6},
        ("cases", "llama-3-8b", "modelled"): {"p50": 1.1e6, "p10": 0.8e6, "p90": 1.6e6},
    }


def test_each_key_figure_gets_the_difference_and_ratio_of_its_medians():
    rows = {r["label"]: r for r in figure_rows(H800 | {"by_chip": {"b200": {"days": 20.0}}}, H20 | {"mfu": 0.3})}
    days = rows["days"]
    assert days["a"] == {"p50": 50.0, "p10": 40.0, "p90": 80.0} and days["b"]["p90"] == 240.0
    assert days["diff"] == 100.0  # 150 − 50
    assert days["ratio"] == 3.0  # 150 / 50
    assert days["differs"]
    assert rows["goodput"]["diff"] == 0.0 and rows["goodput"]["ratio"] == 1.0 and not rows["goodput"]["differs"]
    assert rows["chip"]["diff"] is None and rows["chip"]["differs"]  # text: no difference, but marked
    assert rows["mfu"]["a"] == {} and rows["mfu"]["differs"]  # only in B
    assert rows["b200 › days"]["section"] == "by_chip" and rows["b200 › days"]["b"] == {}
    # the unit its path states: days -> days; a nested figure by its figure's name; goodput a share
    assert (days["unit"], rows["b200 › days"]["unit"], rows["goodput"]["unit"]) == ("days", "days", "fraction")
    assert rows["chip"]["unit"] == ""
    tco = figure_rows({"tco_usd": {"h20": {"cn-avg-industrial": 1.0}}}, {})[0]
    assert (tco["label"], tco["unit"]) == ("h20 › cn-avg-industrial", "USD")
    assert [r["section"] for r in figure_rows(H800 | {"by_chip": {"b200": {"days": 1.0}}}, H20)][-1] == "by_chip"


def test_the_ratio_of_a_zero_or_of_text_is_left_empty():
    assert compare.difference(0.0, 5.0) == (5.0, None)
    assert compare.difference("h20", 5.0) == (None, None)
    assert compare.difference(True, 1.0) == (None, None)  # a flag is not a number


def test_records_in_a_list_are_named_by_their_fields_not_their_position():
    checks = [
        {"run": "DeepSeek-V3", "figure": "days", "computed": 54.2},
        {"run": "BLOOM 176B", "figure": "days", "computed": 117.5},
    ]
    assert flatten({"arithmetic_checks": checks}) == {
        ("arithmetic_checks", "DeepSeek-V3 · days", "computed"): 54.2,
        ("arithmetic_checks", "BLOOM 176B · days", "computed"): 117.5,
    }
    # the same name twice: by position, every field kept
    twice = flatten({"x": [{"run": "a", "v": 1}, {"run": "a", "v": 2}]})
    assert twice == {("x", "#1", "run"): "a", ("x", "#1", "v"): 1, ("x", "#2", "run"): "a", ("x", "#2", "v"): 2}
    assert flatten({"goal_coverage": [0.7, 0.9]}) == {("goal_coverage",): (0.7, 0.9)}  # a list of numbers: one value


def test_parameters_side_by_side_and_only_the_inputs_that_differ():
    rows = parameter_rows({"chip": None, "draws": 10000}, {"chip": "h20", "draws": 10000, "seed": 1})
    assert [(r["name"], r["differs"]) for r in rows] == [("chip", True), ("draws", False), ("seed", True)]
    record = {"value": 700.0, "unit": "W", "source": "nvidia-h800", "origin": "chips.csv"}
    a = {"chip": {"value": "h800-sxm", "unit": "chip id", "source": "x"}, "chips": {"h800-sxm": {"tdp_w": record}}}
    b = {"chip": {"value": "h20", "unit": "chip id", "source": "y"}, "chips": {"h800-sxm": {"tdp_w": dict(record)}}}
    assert [(r["name"], r["a"]["value"], r["b"]["value"]) for r in input_rows(a, b)] == [("chip", "h800-sxm", "h20")]


def test_numbers_read_as_in_the_reports_and_never_wrap_from_their_unit():
    nbsp = "\u00a0"
    assert compare.shown(2780441.0) == f"2.78{nbsp}M"  # 2,780,441 to 3 significant figures, in millions
    assert compare.shown(3.2856e24) == f"3.29{nbsp}×{nbsp}10²⁴"
    assert compare.shown(0.168) == "0.168"
    assert compare.shown(None) == "–" and compare.shown(["h20", "b200"]) == "h20, b200"
    assert compare.signed(322.0) == "+322" and compare.signed(-0.5) == "−0.5"
    assert compare.ratio(6.69) == "6.69×"
    assert compare.band({"p50": 56.6, "p10": 31.6, "p90": 114.0}) == "56.6 (31.6\u2060–\u2060114)"
    assert compare.band({"p50": None}) == "–"


# ---------------------------------------------------------------- the command


def test_compare_writes_both_reports_side_by_side(tmp_path, capsys):
    a = report(tmp_path, "on-h800", parameters={"chip": None}, **H800)
    scenario = {"name": "on-h20", "title": "The run on H20", "file": "s.yaml"}  # a batch's report says its scenario
    b = report(
        tmp_path,
        "on-h20",
        parameters={"chip": "h20"},
        **H20 | {"title": "H20 <script>x</script>", "scenario": scenario},
    )
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b / "training_run.json"), "--out", str(out), "--to", "html"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["compare.html", "compare.json"]
    data = json.loads((out / "compare.json").read_text())
    days = next(r for r in data["figures"] if r["label"] == "days")
    assert (days["diff"], days["ratio"]) == (100.0, 3.0)  # 150 − 50; 150 / 50
    assert data["comparison"]["notebook"] == "training_run"
    page = (out / "compare.html").read_text()
    assert "Comparison: on-h800 vs on-h20 (training_run)" in page
    assert "<script>" not in page and "H20 &lt;script&gt;" in page
    assert page.count("data:image/png;base64,") == 2  # the figure of each
    # figures chip, days, goodput (the scenario is no figure): chip (h800-sxm, h20) and days (50, 150)
    # differ, goodput (0.98) does not
    assert "1 of 1 parameters differ (chip)" in page and "2 of 3 key figures differ" in page
    assert "scenario “The run on H20” of <code>s.yaml</code>" in page
    assert "Cite as:" in page and "Licence: code MIT" in page
    assert str(tmp_path) not in page


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_reports_of_two_notebooks_are_refused_in_one_line(tmp_path, capsys):
    a = report(tmp_path, "run", **H800)
    b = report(tmp_path, "parity", notebook="chip_parity", workload="training")
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "cmp")]) == 2
    err = one_error_line(capsys)
    assert "run is a training_run report and parity a chip_parity report" in err
    assert not (tmp_path / "cmp").exists()


@pytest.mark.parametrize("kind", ["missing", "empty", "not ours", "a batch folder"])
def test_a_folder_that_is_not_one_rendered_report_is_refused(tmp_path, capsys, kind):
    a = report(tmp_path, "a", **H800)
    other = tmp_path / "other"
    if kind != "missing":
        other.mkdir()
    if kind == "not ours":
        (other / "training_run.json").write_text('{"days": 1}')  # no "report": not written by a render
    if kind == "a batch folder":
        report(other, "x", **H800), report(other, "y", **H20)
        (other / "index.json").write_text("{}")
    assert main(["compare", str(a), str(other), "--out", str(tmp_path / "cmp")]) == 2
    assert ("no such report folder" if kind == "missing" else "no report rendered there") in one_error_line(capsys)


def test_a_failed_comparison_leaves_the_last_one_whole(tmp_path, monkeypatch, capsys):
    a, b = report(tmp_path, "a", **H800), report(tmp_path, "b", **H20)
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out), "--to", "html"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compare, "page", full_disk)
    assert main(["compare", str(b), str(a), "--out", str(out), "--to", "html"]) == 1
    assert "No space left on device" in one_error_line(capsys)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "cmp"]  # no work folder left


def test_an_out_folder_holding_other_files_is_refused(tmp_path, capsys):
    a, b = report(tmp_path, "a", **H800), report(tmp_path, "b", **H20)
    assert main(["compare", str(a), str(b), "--out", str(a)]) == 2
    assert "holds files that are not a comparison's" in one_error_line(capsys)


def test_a_comparison_under_reports_joins_the_index(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(render, "REPORTS_DIR", tmp_path / "reports")
    a, b = report(tmp_path / "reports", "a", **H800), report(tmp_path / "reports", "b", **H20)
    assert main(["compare", str(a), str(b), "--to", "html"]) == 0
    assert (tmp_path / "reports" / "compare-a-vs-b" / "compare.html").exists()
    page = (tmp_path / "reports" / "index.html").read_text()
    assert '<a href="compare-a-vs-b/compare.html">HTML</a>' in page and "<code>a</code> vs <code>b</code>" in page
    # a broken manifest is rebuilt from the folders: the comparison too
    (tmp_path / "reports" / "index.json").write_text("{not json")
    page = gallery.update(tmp_path / "reports", []).read_text()
    assert '<a href="compare-a-vs-b/compare.html">HTML</a>' in page


# ---------------------------------------------------------------- pairs in a scenario file


def scenario_file(tmp_path, compare_yaml: str):
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenarios:\n"
        "  - {name: a, notebook: training_run}\n"
        "  - {name: b, notebook: training_run, parameters: {chip: h20}}\n"
        "  - {name: p, notebook: chip_parity}\n" + compare_yaml
    )
    return path


def test_a_scenario_file_names_pairs_and_each_bad_pair_says_why(tmp_path):
    path = scenario_file(tmp_path, "compare: [[a, b], [a, p], [a, zz], [a, a], [a], [a, b]]\n")
    _, found = pairs.load_batch(path)
    assert found[0] == pairs.Pair("a", "b", "compare-a-vs-b")
    problems = [p.problem for p in found[1:]]
    assert "a is a training_run report and p a chip_parity report" in problems[0]
    assert "no scenario named 'zz'" in problems[1]
    assert "compared with itself" in problems[2]
    assert "is not a pair [a, b]" in problems[3]
    assert "is taken by a scenario or an earlier pair" in problems[4]
    assert pairs.load_batch(scenario_file(tmp_path, ""))[1] == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("compare: {a: b}\n", "'compare' must be a list of pairs"),
        ("comapre: [[a, b]]\n", "unknown top-level key(s) comapre"),
    ],
)
def test_a_malformed_compare_key_refuses_the_file_before_anything_renders(tmp_path, capsys, text, words):
    with pytest.raises(ScenarioError, match=words.replace("(", r"\(").replace(")", r"\)")):
        pairs.load_batch(scenario_file(tmp_path, text))
    assert main(["render", "--scenarios", str(scenario_file(tmp_path, text)), "--out", str(tmp_path / "o")]) == 2
    assert words in one_error_line(capsys)


def test_a_pair_whose_scenario_failed_fails_and_the_index_says_why(tmp_path):
    out = tmp_path / "out"
    report(out, "a", **H800), report(out, "b", **H20)
    found = [pairs.Pair("a", "b", "compare-a-vs-b"), pairs.Pair("a", "c", "compare-a-vs-c")]
    outcomes = [
        Outcome(Scenario("a", "training_run"), True, "ok", 1.0),
        Outcome(Scenario("b", "training_run"), True, "ok", 1.0),
        Outcome(Scenario("c", "training_run"), False, "boom", 1.0),
    ]
    done = pairs.compare_batch(found, outcomes, out, ("html",), log=sys.stdout)
    assert [(c["name"], c["ok"], c["message"]) for c in done] == [
        ("compare-a-vs-b", True, ""),
        ("compare-a-vs-c", False, "scenario c did not render"),
    ]
    page = gallery.update(out, [], batch_source="s.yaml", comparisons=done).read_text()
    assert '<a href="compare-a-vs-b/compare.html">HTML</a>' in page and "failed: scenario c did not render" in page
    # a later batch without pairs drops the batch's comparisons and keeps a command-line one
    single = {"name": "compare-b-vs-a", "notebook": "training_run", "a": "b", "b": "a", "ok": True, "message": ""}
    (out / "compare-b-vs-a").mkdir()
    gallery.update(out, [], comparisons=[single | {"source": gallery.COMMAND_LINE}])
    page = gallery.update(out, [], batch_source="s.yaml", comparisons=[]).read_text()
    assert "compare-a-vs-b/compare.html" not in page and "<code>b</code> vs <code>a</code>" in page


# ---------------------------------------------------------------- issue 23 item 6


def test_exponent_numbers_of_a_scenario_file_pass_the_parameter_check(tmp_path):
    """``active_params: 6.7e9`` in a scenario file was text to YAML 1.1 and refused as "not a
    number" (issue 23 item 6); it is the float 6.7 × 10⁹ and passes the check a render makes."""
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - {name: small, notebook: training_run, parameters: {active_params: 6.7e9}}\n")
    (scenario,) = load_scenarios(path)
    assert scenario.parameters == {"active_params": 6.7e9} and isinstance(scenario.parameters["active_params"], float)
    assert _precheck(scenario, tmp_path / "out", ("html",), force=True) is None  # None: it renders


def test_a_params_file_budget_in_exponent_form_reaches_the_render(tmp_path, monkeypatch):
    """``-f`` with ``budget_usd: 5e8`` was refused as "not a number" (issue 23 item 6)."""
    seen = {}
    monkeypatch.setattr(render, "render", lambda name, overrides, **options: seen.update(overrides) or {})
    (tmp_path / "p.yaml").write_text("budget_usd: 5e8\n")
    assert main(["render", "procurement", "-f", str(tmp_path / "p.yaml"), "--out", str(tmp_path / "out")]) == 0
    assert seen == {"budget_usd": 5e8}  # 5 × 10⁸ USD, a float


# ---------------------------------------------------------------- render tier


@pytest.mark.render
def test_two_real_renders_compare_into_html_and_pdf(rendered, tmp_path, capsys):
    a, b = rendered / "training-default", rendered / "training-custom"
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out / "compare.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Comparison: training-default vs training-custom (training_run)" in text
    left, right = (json.loads((f / "training_run.json").read_text()) for f in (a, b))
    rows = {r["label"]: r for r in json.loads((out / "compare.json").read_text())["figures"]}
    for name in ("days", "gpu_hours", "energy_mwh", "rental_cost_usd", "training_flop"):
        assert name in text
        assert rows[name]["a"]["p50"] == left[name] and rows[name]["b"]["p50"] == right[name]
        assert rows[name]["diff"] == pytest.approx(right[name] - left[name])
    assert rows["days"]["a"]["p10"] == left["days_p10"] and rows["days"]["b"]["p90"] == right["days_p90"]
    page = (out / "compare.html").read_text()
    assert page.count("data:image/png;base64,") >= 2
    # every figure says its text size and dpi, so the layout check below measures the size its text prints
    # at (>= 9 pt): side by side, half the page's width, it printed at about 5 pt
    assert page.count("data-text-pt=") == page.count("data:image/png;base64,")
    assert layout.defects(out / "compare.pdf", out / "compare.html") == []  # nothing clipped, split, None or small
    assert main(["compare", str(a), str(rendered / "parity-default"), "--out", str(tmp_path / "x")]) == 2
    assert "only two reports of one notebook compare" in one_error_line(capsys)


@pytest.mark.render
def test_a_scenario_batch_renders_its_pairs_and_links_them(tmp_path, capsys):
    """Two scenarios (one with ``active_params: 6.7e9``, issue 23 item 6) and their comparison."""
    path = tmp_path / "s.yaml"
    run = "{run: custom, active_params: 6.7e9, tokens: 1.0e12, chip_count: 256, mfu: 0.4, draws: 500"
    path.write_text(
        "scenarios:\n"
        f"  - {{name: small-h100, notebook: training_run, parameters: {run}, chip: h100-sxm}}}}\n"
        f"  - {{name: small-h20, notebook: training_run, parameters: {run}, chip: h20}}}}\n"
        "compare: [[small-h100, small-h20]]\n"
    )
    out = tmp_path / "out"
    assert main(["render", "--scenarios", str(path), "--out", str(out)]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in (out / "compare-small-h100-vs-small-h20").iterdir()) == list(sorted(compare.FILES))
    data = json.loads((out / "compare-small-h100-vs-small-h20" / "compare.json").read_text())
    assert [r["name"] for r in data["parameters"] if r["differs"]] == ["chip"]
    assert '<a href="compare-small-h100-vs-small-h20/compare.pdf">PDF</a>' in (out / "index.html").read_text()
    assert (
        "scenario “small-h20” of <code>s.yaml</code>"
        in (out / "compare-small-h100-vs-small-h20" / "compare.html").read_text()
    )
    with pytest.raises(CompareError):
        compare.read_report(out)  # the batch folder holds many reports, not one
