"""How a batch hands its reports to workers (issue 24, the default batch's wall time): workers
and browser started with the first report to render, while the other scenarios are checked, and
comparisons made as soon as their two reports are done. No timing is asserted."""

from __future__ import annotations

import threading

import pytest

from analysis.pipeline import pairs, scenarios
from analysis.pipeline.cli import main
from analysis.pipeline.scenarios import Plan, Scenario
from tests.test_pipeline import FakeRun, write


@pytest.fixture()
def fake(monkeypatch):
    return FakeRun(monkeypatch)


def test_a_plan_hands_out_scenarios_in_the_files_order_as_they_are_checked_and_ends_when_closed():
    plan = Plan([Scenario("a", "tiny"), Scenario("b", "validation"), Scenario("c", "tiny")])
    taken = []
    worker = threading.Thread(target=lambda: taken.extend(iter(plan.take, None)))
    worker.start()  # waits: nothing planned yet
    for index in (0, 2):  # b was refused by its check
        plan.add(index)
    plan.close()
    worker.join(timeout=60)
    assert not worker.is_alive() and taken == [0, 2] and plan.take() is None


def test_one_report_to_render_starts_one_kernel_and_a_comparison_runs_before_the_last_report(
    tiny_notebooks, tmp_path, capsys, fake, monkeypatch
):
    # a refused entry and one to render: one worker (one kernel), one browser
    path = write(
        tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n  - {name: b, notebook: tiny, parameters: {seed: -1}}\n"
    )
    assert main(["render", "--scenarios", str(path), "--jobs", "2", "--out", str(tmp_path / "one")]) == 1
    assert (fake.kernels, fake.browsers, fake.rendered) == (1, 1, ["a"])
    capsys.readouterr()

    compared = []
    monkeypatch.setattr(pairs.compare, "read_report", lambda folder: compared.append(folder.name) or folder.name)
    monkeypatch.setattr(pairs.compare, "write", lambda a, b, out, formats, browser=None: None)
    path = write(
        tmp_path,
        "scenarios:\n  - {name: a, notebook: tiny}\n  - {name: b, notebook: tiny}\n  - {name: c, notebook: tiny}\n"
        "compare: [[a, b]]\n",
    )
    # one worker renders a, b, c in file order; the pair (a, b) is compared when b is done, before c
    assert main(["render", "--scenarios", str(path), "--jobs", "1", "--out", str(tmp_path / "out")]) == 0
    lines = [line.split(" (")[0] for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    assert lines == ["[1/3] a", "[2/3] b", "[compare 1/1] compare-a-vs-b ok", "[3/3] c"]
    assert compared == ["a", "b"]


def test_the_browser_starts_with_the_first_report_to_render_before_the_others_are_checked(
    tiny_notebooks, tmp_path, capsys, fake, monkeypatch
):
    seen = []  # (scenario checked, browsers started before its check)
    check = scenarios._precheck

    def recording(scenario, *args):
        seen.append((scenario.name, fake.browsers))
        return check(scenario, *args)

    monkeypatch.setattr(scenarios, "_precheck", recording)
    path = write(
        tmp_path,
        "scenarios:\n  - {name: a, notebook: tiny, parameters: {seed: -1}}\n"
        "  - {name: b, notebook: tiny}\n  - {name: c, notebook: tiny}\n",
    )
    assert main(["render", "--scenarios", str(path), "--jobs", "1", "--out", str(tmp_path / "out")]) == 1
    # a is refused (nothing starts), b is the first to render: the browser starts after its
    # check and before c's, and once
    assert seen == [("a", 0), ("b", 0), ("c", 1)] and fake.browsers == 1 and fake.rendered == ["b", "c"]
