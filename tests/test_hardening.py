"""Bad input, faults and determinism: every failure is one clear line, nothing half-written, the
last good report untouched, nothing executed from a parameter's text, same inputs same numbers."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CASES
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.assembly.params import ParameterError
from analysis.pipeline import kernel
from analysis.pipeline.cli import main
from analysis.pipeline.notebooks import check_parameters, declared_parameters, notebook_names
from analysis.pipeline.pdf import Browser
from analysis.pipeline.scenarios import ScenarioError, load_scenarios

PROJECT = Path(__file__).resolve().parents[1]
CANARY = "/tmp/compute-parity-canary"

# (notebook, [NAME VALUE ...], words the one-line error must contain). Every entry is a user error
# the CLI must refuse before a kernel starts.
BAD_PARAMS = [
    ("training_run", ["mfu", "0"], ["parameter mfu", "0.0", "[0.01, 1]"]),
    ("training_run", ["mfu", "1.5"], ["parameter mfu", "1.5", "[0.01, 1]"]),
    ("training_run", ["mfu", "-0.3"], ["parameter mfu", "-0.3", "out of range"]),
    ("training_run", ["mfu", "nan"], ["parameter mfu", "nan", "not a finite number"]),
    ("training_run", ["mfu", "inf"], ["parameter mfu", "inf", "not a finite number"]),
    ("training_run", ["mfu", "high"], ["parameter mfu", "'high'", "a number in [0.01, 1]"]),
    ("training_run", ["chip_count", "0"], ["parameter chip_count", "0", "[1, 1e+07]"]),
    ("training_run", ["chip_count", "-2048"], ["parameter chip_count", "-2048", "out of range"]),
    ("training_run", ["chip_count", "2.5"], ["parameter chip_count", "'2.5'", "whole number"]),
    ("training_run", ["chip_count", "1e400"], ["parameter chip_count", "'1e400'", "whole number"]),
    ("training_run", ["chip_count", "1e9"], ["parameter chip_count", "1000000000", "out of range"]),
    ("training_run", ["chip", "h9000"], ["parameter chip", "'h9000'", "closest: h200, h20"]),
    (
        "training_run",
        ["chip", f"__import__('os').system('touch {CANARY}')"],
        ["parameter chip", "__import__", "allowed:"],
    ),
    (
        "training_run",
        ["chip", "h20'; import os; os.system('touch " + CANARY + "') #"],
        ["parameter chip", "import os", "allowed:"],
    ),
    ("training_run", ["chip", "h20\nimport os"], ["parameter chip", "'h20\\nimport os'", "allowed:"]),
    ("training_run", ["chip", '"h20"'], ["parameter chip", "'\"h20\"'", "allowed:"]),
    ("training_run", ["run", "gpt-5"], ["parameter run", "'gpt-5'", "allowed:"]),
    ("training_run", ["region", "mars"], ["parameter region", "'mars'", "allowed:"]),
    ("training_run", ["precision", "fp4"], ["parameter precision", "'fp4'", "allowed: bf16, fp8"]),
    ("training_run", ["recompute", "maybe"], ["parameter recompute", "'maybe'", "true or false"]),
    ("training_run", ["tokens", "-1"], ["parameter tokens", "-1.0", "out of range"]),
    ("training_run", ["tokens", "1e40"], ["parameter tokens", "1e+40", "out of range"]),
    ("training_run", ["usd_per_gpu_hour", "0"], ["parameter usd_per_gpu_hour", "0.0", "out of range"]),
    ("training_run", ["years", "0"], ["parameter years", "0.0", "out of range"]),
    ("training_run", ["load_factor", "1.2"], ["parameter load_factor", "1.2", "[0.05, 1]"]),
    ("training_run", ["restart_hours", "-5"], ["parameter restart_hours", "-5.0", "out of range"]),
    ("training_run", ["pue", "0.5"], ["parameter pue", "0.5", "[1, 4]"]),
    ("training_run", ["usd_per_kwh", "-0.1"], ["parameter usd_per_kwh", "-0.1", "out of range"]),
    ("training_run", ["parallel_config", "dp-forever"], ["parameter parallel_config", "'dp-forever'", "allowed:"]),
    ("training_run", ["overlap", "1.1"], ["parameter overlap", "1.1", "[0, 1]"]),
    ("training_run", ["seed", "-1"], ["parameter seed", "-1", "out of range"]),
    ("training_run", ["draws", "10"], ["parameter draws", "10", "[100, 1e+06]"]),
    ("training_run", ["mfuu", "0.4"], ["unknown parameter 'mfuu'", "closest: mfu"]),
    ("training_run", ["Chip", "h20"], ["unknown parameter 'Chip'", "closest: chip"]),
    ("chip_parity", ["candidates", ""], ["parameter candidates", "[]", "non-empty list"]),
    ("chip_parity", ["candidates", "h20,h20"], ["parameter candidates", "names an item twice"]),
    ("chip_parity", ["candidates", "h20,nope"], ["parameter candidates", "'nope'", "allowed:"]),
    ("chip_parity", ["reference_count", "0"], ["parameter reference_count", "0", "out of range"]),
    ("chip_parity", ["workload", "trainng"], ["parameter workload", "'trainng'", "closest: training"]),
    ("chip_parity", ["batch_size", "0"], ["parameter batch_size", "0", "out of range"]),
    ("chip_parity", ["context_tokens", "-5"], ["parameter context_tokens", "-5", "out of range"]),
    ("chip_parity", ["hbm_efficiency", "0"], ["parameter hbm_efficiency", "0.0", "[0.05, 1]"]),
    ("chip_parity", ["model", "gpt-x"], ["parameter model", "'gpt-x'", "allowed:"]),
    ("chip_parity", ["reference_chip", ""], ["parameter reference_chip", "''", "allowed:"]),
    ("chip_parity", ["cost_of_capital", "2"], ["parameter cost_of_capital", "2.0", "[0, 1]"]),
    ("energy_advantage", ["regions", "mars"], ["parameter regions", "'mars'", "allowed:"]),
    ("energy_advantage", ["regions", ""], ["parameter regions", "[]", "non-empty list"]),
    ("energy_advantage", ["region", "xx"], ["parameter region", "'xx'", "allowed:"]),
    ("energy_advantage", ["reference_count", "1e9"], ["parameter reference_count", "1000000000", "out of range"]),
    ("export_controls", ["tpp_threshold", "-1"], ["parameter tpp_threshold", "-1.0", "out of range"]),
    ("export_controls", ["density_threshold", "abc"], ["parameter density_threshold", "'abc'", "a number"]),
    ("export_controls", ["io_threshold_gb_s", "inf"], ["parameter io_threshold_gb_s", "inf", "not a finite number"]),
    ("compute_stock", ["smuggling", "some"], ["parameter smuggling", "'some'", "central"]),
    ("compute_stock", ["h200_exports", "half"], ["parameter h200_exports", "'half'", "cap"]),
    ("compute_stock", ["lifetime_years", "0"], ["parameter lifetime_years", "0.0", "[1, 30]"]),
    ("compute_stock", ["run_share_of_stock", "0"], ["parameter run_share_of_stock", "0.0", "(0, 1]"]),
    ("inference_cost", ["chips", ""], ["parameter chips", "[]", "non-empty list"]),
    ("inference_cost", ["batch_size", "1000000"], ["parameter batch_size", "1000000", "out of range"]),
    ("inference_cost", ["input_tokens", "0"], ["parameter input_tokens", "0", "out of range"]),
    ("inference_cost", ["output_tokens", "-1"], ["parameter output_tokens", "-1", "out of range"]),
    ("inference_cost", ["model", "deepseek-v9"], ["parameter model", "'deepseek-v9'", "closest: deepseek-v3"]),
    ("procurement", ["budget_usd", "0"], ["parameter budget_usd", "0.0", "out of range"]),
    ("procurement", ["budget_usd", "-1e9"], ["parameter budget_usd", "-1000000000.0", "out of range"]),
    ("procurement", ["chips", "h20,ascend-910c", "shares", "0.5,0.6"], ["parameter shares", "sums to 1.1"]),
    ("procurement", ["counts", "1,2"], ["parameter counts", "2 items", "one per chip"]),
    ("procurement", ["price_basis", "street"], ["parameter price_basis", "'street'", "allowed: base, high, low"]),
    ("procurement", ["export_rule", "2099-01"], ["parameter export_rule", "'2099-01'", "allowed:"]),
    ("procurement", ["grey_market_premium", "-0.5"], ["parameter grey_market_premium", "-0.5", "out of range"]),
    ("procurement", ["training_days", "0"], ["parameter training_days", "0.0", "out of range"]),
    ("procurement", ["chips", ""], ["parameter chips", "[]", "non-empty list"]),
    ("validation", ["mfu", "0.4"], ["unknown parameter 'mfu' for validation"]),
    ("no_such_report", [], ["unknown notebook 'no_such_report'", "known: chip_parity"]),
]


def previous_report(folder: Path, notebook: str) -> dict:
    """A stand-in for yesterday's good report in ``folder``; returns its bytes by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("ipynb", "html", "pdf", "json"):
        (folder / f"{notebook}.{suffix}").write_bytes(f"good {suffix}".encode())
    return snapshot(folder)


def snapshot(folder: Path) -> dict:
    """Every entry of ``folder``: file bytes, or None for a folder."""
    return {p.name: (p.read_bytes() if p.is_file() else None) for p in sorted(folder.iterdir())}


@pytest.fixture()
def no_kernel(monkeypatch):
    def refuse(self):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(kernel.WarmKernel, "ready", refuse)
    monkeypatch.setattr(
        Browser, "__init__", lambda self, *a, **k: (_ for _ in ()).throw(AssertionError("a browser was started"))
    )


def test_at_least_fifty_bad_parameter_sets_across_every_notebook():
    assert len(BAD_PARAMS) >= 50
    assert {nb for nb, _, _ in BAD_PARAMS} >= set(notebook_names())


@pytest.mark.parametrize(
    "notebook, pairs, words", BAD_PARAMS, ids=[f"{nb}:{'='.join(p[:2])!r}" for nb, p, _ in BAD_PARAMS]
)
def test_bad_parameters_are_refused_in_one_line(no_kernel, tmp_path, capsys, notebook, pairs, words):
    target = tmp_path / "report"
    before = previous_report(target, notebook)
    argv = ["render", notebook]
    for i in range(0, len(pairs), 2):
        argv += ["-p", pairs[i], pairs[i + 1]]
    code = main(argv + ["--out", str(target)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: "), err
    for word in words:
        assert word in err[0], (word, err[0])
    assert snapshot(target) == before
    assert not os.path.exists(CANARY)


SPECIFIED = [(nb, name) for nb in notebook_names() for name in declared_parameters(nb)]


@settings(max_examples=300, deadline=None)
@given(case=st.sampled_from(SPECIFIED), text=st.text(max_size=40))
def test_any_text_is_either_a_valid_value_or_one_clear_line(case, text):
    """Property: random text for any parameter parses to an allowed value or fails with a
    ParameterError naming the parameter; never another exception, never code execution."""
    notebook, name = case
    from analysis.assembly.params import parse

    try:
        value = parse(name, text, notebook)
        checked = check_parameters(notebook, {name: value})
    except ParameterError as err:
        message = str(err)
        assert "\n" not in message.replace(repr(text), "") and name in message
        return
    assert name in checked
    if isinstance(checked[name], str):  # accepted text is always one of the known ids or words
        from analysis.assembly.params import allowed_words, spec_for

        assert checked[name] in allowed_words(spec_for(name, notebook))


# ---------------------------------------------------------------- scenario files


def write(tmp_path, text):
    path = tmp_path / "scenarios.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, words",
    [
        ("scenarios: [name: x\n", "is not valid YAML"),
        ("scenarios: []\n", "at least one entry"),
        ("- name: a\n  notebook: export_controls\n", "top-level 'scenarios:' list"),
    ],
)
def test_bad_scenario_files_fail_clearly(tmp_path, capsys, no_kernel, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError, match=re.escape(words)):
        load_scenarios(path)
    assert main(["render", "--scenarios", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0]


@pytest.mark.parametrize(
    "text, words",
    [
        ("scenarios:\n  - name: a\n    notebook: export_contrls\n", "closest: export_controls"),
        (
            "scenarios:\n  - name: a\n    notebook: export_controls\n  - name: a\n    notebook: export_controls\n",
            "duplicate scenario name 'a'",
        ),
        ("scenarios:\n  - name: A b\n    notebook: export_controls\n", "must be a lowercase slug"),
        ("scenarios:\n  - name: a\n    notebook: export_controls\n    params: {}\n", "unknown key(s) params"),
        (
            "scenarios:\n  - name: a\n    notebook: export_controls\n    parameters: [1, 2]\n",
            "parameters must be a mapping",
        ),
        ("scenarios:\n  - just-a-string\n", "is not a mapping"),
    ],
)
def test_bad_scenario_entries_fail_as_rows(tmp_path, capsys, no_kernel, text, words):
    """A malformed entry is a failed row of the batch (exit 1, index written), not a crash."""
    path = write(tmp_path, text)
    assert any(words in s.problem for s in load_scenarios(path))
    if "duplicate" in words:
        return  # the first 'a' is valid and would render: the batch is covered in test_pipeline.py
    assert main(["render", "--scenarios", str(path), "--out", str(tmp_path / "out")]) == 1
    assert words in capsys.readouterr().err
    assert words.replace("'", "&#x27;") in (tmp_path / "out" / "index.html").read_text()


def test_missing_scenario_file_fails_clearly(tmp_path, capsys):
    assert main(["render", "--scenarios", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.render
def test_a_batch_goes_on_past_failures_and_exits_1(tmp_path, capsys):
    path = write(
        tmp_path,
        """scenarios:
  - name: good
    notebook: export_controls
  - name: wrong-type
    notebook: training_run
    parameters: {mfu: high}
  - name: fails-in-kernel
    notebook: training_run
    parameters: {run: custom}
""",
    )
    code = main(["render", "--scenarios", str(path), "--to", "html", "--jobs", "2", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1, err  # some scenarios failed
    assert "2 of 3 scenarios failed: wrong-type, fails-in-kernel" in err
    assert "parameter mfu: 'high' is not a number" in err and "needs active_params" in err
    assert (tmp_path / "out" / "good" / "export_controls.json").exists()
    index = (tmp_path / "out" / "index.html").read_text()
    assert "failed: parameter mfu" in index and "good/export_controls.html" in index


# ---------------------------------------------------------------- faults


@pytest.mark.render
def test_a_full_disk_gives_a_clear_error_and_keeps_the_last_report(tiny_notebooks, tmp_path, monkeypatch, capsys):
    before = previous_report(tmp_path, "tiny")
    real = Path.write_text

    def full(self, *args, **kwargs):
        if self.suffix == ".json":
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["render", "tiny", "--to", "html", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "cannot write the report into" in err and "No space left on device" in err
    assert snapshot(tmp_path) == before


def test_an_unwritable_output_folder_gives_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    # bad input, refused before any kernel: exit 2 (issue 22 item 8; it was 1 after the kernel ran)
    assert main(["render", "export_controls", "--to", "html", "--out", str(blocker / "reports")]) == 2
    assert "a-file is a file, not a folder" in capsys.readouterr().err


# ---------------------------------------------------------------- determinism and safe output


def page_text(path: Path) -> str:
    """The visible text of a report page (numbers included), without markup or images."""
    html = re.sub(r"<(style|script)\b.*?</\1>", "", path.read_text(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>|data:image/png;base64,[A-Za-z0-9+/=]+", " ", html))


@pytest.mark.render
def test_jobs_1_and_jobs_2_give_identical_numbers(rendered, rendered_again):
    """The session's reports (conftest.rendered: two workers) and some of them again (jobs=1)."""
    cases = [c for c in CASES if c.name in ("parity-default", "procurement-default", "training-default")]
    for case in cases:
        one, two = rendered_again / case.name, rendered / case.name
        first, second = (json.loads((d / f"{case.notebook}.json").read_text()) for d in (one, two))
        first.pop("provenance"), second.pop("provenance")  # when and from which commit: not compared
        assert first == second
        assert page_text(one / f"{case.notebook}.html") == page_text(two / f"{case.notebook}.html")


@pytest.mark.render
def test_reports_open_offline(rendered, tmp_path):
    pages = sorted(rendered.glob("*/*.html"))
    assert len(pages) == len(CASES)
    browser = Browser(tmp_path)
    try:
        requests = {page.parent.name: browser.external_requests(page) for page in pages}
    finally:
        browser.close()
    assert requests == {page.parent.name: [] for page in pages}  # zero external requests


#: What no output may hold: local paths (repository, home, temporary folder, virtual environment)
#: and the marks of Python warnings and tracebacks.
PRIVATE = [
    str(PROJECT),
    "/root/",
    os.path.expanduser("~") + "/",
    "/tmp/",
    sys.prefix,
    "Traceback",
    "Warning:",
    "warnings.warn",
    'File "',
]


def leaks(folder: Path) -> dict[str, list[str]]:
    """Every HTML, JSON, notebook (executed or failed), PDF (its text) and index under
    ``folder`` that holds one of :data:`PRIVATE`, with what it holds."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".html", ".json", ".ipynb"):
            text = path.read_text()
        elif path.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        else:
            continue
        hits = [p for p in PRIVATE if p in text]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


@pytest.mark.render
def test_no_output_holds_a_local_path_warning_or_traceback(rendered):
    """Strict, over every report of CASES and the index. The pipeline adds none of these; a hit
    in a report's own output was printed by the notebook's code (analysis/assembly)."""
    from analysis.pipeline.scenarios import Outcome, write_index

    write_index([Outcome(c, True, "ok", 0.0) for c in CASES], rendered)
    assert leaks(rendered) == {}


@pytest.mark.render
def test_pipeline_outputs_hold_no_local_path_or_traceback(tiny_notebooks, tmp_path):
    """The pipeline's own part: executed, failed and converted tiny reports and the index."""
    path = write(tmp_path, "scenarios:\n  - {name: ok, notebook: tiny}\n  - {name: bad, notebook: failing}\n")
    assert main(["render", "--scenarios", str(path), "--out", str(tmp_path / "out")]) == 1
    assert (tmp_path / "out" / "bad" / "failing.failed.ipynb").exists()
    assert leaks(tmp_path / "out") == {}
