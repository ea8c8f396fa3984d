"""How a batch hands its reports to workers (issue 24, the default batch's wall time): the
costliest notebooks first, each worker keeping to the notebooks its kernel has run, workers and
browser started with the first report to render, and comparisons made as soon as their two
reports are done. No timing is asserted."""

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


def planned(*notebooks: str) -> Plan:
    """A closed plan of one scenario per notebook name, named ``s0``, ``s1`` … in file order."""
    plan = Plan([Scenario(f"s{i}", notebook) for i, notebook in enumerate(notebooks)])
    for index in range(len(notebooks)):
        plan.add(index)
    plan.close()
    return plan


def test_workers_take_the_costliest_notebooks_first_and_keep_to_the_notebooks_they_ran():
    # file order: s0 training_run, s1 training_run, s2 procurement, s3 validation, s4 chip_parity,
    # s5 chip_parity, s6 tiny (not in START_ORDER: last)
    plan = planned("training_run", "training_run", "procurement", "validation", "chip_parity", "chip_parity", "tiny")
    # START_ORDER puts validation (s3) first, then chip_parity (s4, s5), training_run (s0, s1),
    # procurement (s2), then tiny (s6). Worker 0 takes s3; worker 1 has run nothing, and
    # validation is gone, so it takes the first left, chip_parity s4.
    assert [plan.take(0), plan.take(1)] == [3, 4]
    # worker 0: the first scenario of a notebook worker 1 has not run: training_run s0 (s5 is
    # chip_parity, worker 1's); worker 1: chip_parity is its own, so s5
    assert [plan.take(0), plan.take(1)] == [0, 5]
    # worker 1: no chip_parity left; training_run is worker 0's, so procurement s2, then tiny s6
    assert [plan.take(1), plan.take(1)] == [2, 6]
    # nothing for worker 1 that no other worker ran: it takes worker 0's training_run s1 rather than idle
    assert [plan.take(1), plan.take(0), plan.take(1)] == [1, None, None]


def test_a_plan_hands_out_nothing_before_every_scenario_is_checked():
    plan = Plan([Scenario("a", "tiny"), Scenario("b", "validation")])
    plan.add(0)
    taken = []
    worker = threading.Thread(target=lambda: taken.append(plan.take(0)))
    worker.start()
    plan.add(1)  # b is checked after the worker asked: it still gets b, the costlier, first
    plan.close()
    worker.join(timeout=60)
    assert not worker.is_alive() and taken == [1]


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
    assert compared == ["a", "b"] and scenarios.START_ORDER[0] == "validation"
