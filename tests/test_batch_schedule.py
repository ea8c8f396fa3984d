"""How a batch hands its reports to workers (issue 24, the default batch's wall time): workers
and browser started with the first report to render, while the other scenarios are checked, and
comparisons made as soon as their two reports are done; the kernels' template started before the
command line's imports. No timing is asserted."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time

import pytest

from analysis.catalog import PROJECT_DIR
from analysis.pipeline import early, fingerprint, ipykernel_template, pairs, pdf, render, scenarios
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


def test_a_batch_command_starts_its_kernel_template_before_importing_pandas_and_kills_it_if_untaken(tmp_path):
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: training_run}\n  - {name: b, notebook: validation}\n")
    argv = ["render", "--scenarios", str(path), "--jobs", "2", "--out", str(tmp_path / "out")]
    code = (
        "import sys\n"
        "from analysis.pipeline import early\n"
        f"early.start({argv!r})\n"
        "template = early._started[0]\n"
        "print(template.process.pid, 'pandas' in sys.modules, template.modules[-2:])\n"
    )  # the process ends without a batch taking the template: it is killed and reaped
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pid, pandas, modules = done.stdout.split(" ", 2)
    assert pandas == "False" and modules.strip() == str(
        ["analysis.assembly.training_run", "analysis.assembly.validation"]
    )
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)


def test_no_early_template_for_one_worker_a_single_render_or_reports_newer_than_every_source(tmp_path):
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: training_run}\n  - {name: b, notebook: tiny}\n")
    out = tmp_path / "out"
    batch = ["render", "--scenarios", str(path), "--out", str(out)]
    assert early._hint(batch) == ["tiny", "training_run"]  # never rendered: both notebooks, sorted
    assert early._hint(batch + ["--jobs", "1"]) is None and early._hint(["render", "training_run"]) is None
    assert early._hint(["render", "--scenarios", str(tmp_path / "missing.yaml")]) is None
    os.mkfifo(tmp_path / "fifo.yaml")  # read by no one: never opened here (the batch refuses it later)
    assert early._hint(["render", "--scenarios", str(tmp_path / "fifo.yaml"), "--force"]) is None
    later = time.time() + 3600  # both reports' fingerprints newer than the sources and the file
    for name in ("a", "b"):
        (out / name).mkdir(parents=True)
        (out / name / fingerprint.SIDECAR).write_text("{}")
        os.utime(out / name / fingerprint.SIDECAR, (later, later))
    assert early.SIDECAR == fingerprint.SIDECAR and early.REPORTS == render.REPORTS_DIR
    assert early._hint(batch) is None  # a rebuild with nothing changed: none started
    assert early._hint(batch + ["--force"]) == ["tiny", "training_run"]
    os.utime(path, (later + 1, later + 1))  # the scenario file changed since
    assert early._hint(batch) == ["tiny", "training_run"]


def test_a_batch_takes_the_early_template_only_when_it_preloads_the_same_modules(monkeypatch):
    started = ipykernel_template.Template(["training_run", "validation"])  # not started: no process here
    monkeypatch.setattr(early, "_started", [started])
    assert early.take({"validation", "training_run"}) is started and early._started == []
    early._started.append(started)
    other = early.take({"training_run"})
    assert other is not started and started.broken and early._started == []  # closed; a new one instead
    assert other.process is None and "analysis.assembly.validation" not in other.modules


def test_a_batch_s_end_comes_before_its_kernels_template_stops_and_chromium_stops_before_the_command_ends(
    tiny_notebooks, tmp_path, capsys, fake, monkeypatch
):
    events = []

    class Template:
        def close(self):
            events.append("template stopped")

    monkeypatch.setattr(scenarios.early, "take", lambda notebooks: Template())
    two = [Scenario("a", "tiny"), Scenario("b", "tiny")]
    outcomes = scenarios.render_batch(two, tmp_path / "out", jobs=2, on_done=lambda o: events.append([x.ok for x in o]))
    # the outcomes are handed over (a batch compares its pairs left and stops Chromium there) first
    assert events == [[True, True], "template stopped"] and [o.ok for o in outcomes] == [True, True]

    stopped = []
    monkeypatch.setattr(pdf.Printer, "close", lambda self: stopped.append(threading.current_thread().name))
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n  - {name: b, notebook: tiny}\n")
    assert main(["render", "--scenarios", str(path), "--out", str(tmp_path / "batch")]) == 0
    assert "stop-chromium" in stopped  # in a thread of its own, started at the batch's end, and over
    assert (tmp_path / "batch" / "index.html").is_file()


def test_a_batch_s_process_ends_after_its_threads_and_exit_handlers_without_the_interpreter_s_teardown(tmp_path):
    code = (
        "import atexit, queue, sys, threading\n"
        "from pathlib import Path\n"
        "from analysis.pipeline import early\n"
        "class Teardown:\n"
        "    def __del__(self):\n"
        "        print('torn down', flush=True)\n"
        "kept = Teardown()  # a module's object: collected by the interpreter's teardown\n"
        "atexit.register(lambda: print('exit handler', flush=True))\n"
        "items = queue.Queue()\n"
        f"writer = threading.Thread(target=lambda: Path({str(tmp_path / 'written')!r}).write_text(items.get()))\n"
        "writer.start()\n"
        "items.put('last words')\n"
        "sys.stdout.write('unflushed ')\n"
        "early.end(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "unflushed exit handler\n"  # flushed and handled, but not torn down
    assert (tmp_path / "written").read_text() == "last words"  # the running thread was waited for
    assert early.is_batch(["render", "--scenarios", "x.yaml"]) and not early.is_batch(["render", "training_run"])


@pytest.mark.render
def test_a_batch_killed_while_its_early_template_imports_leaves_it_ending_by_itself(tmp_path):
    import psutil

    from tests.test_kernel_template import gone

    path = write(
        tmp_path, "scenarios:\n  - {name: a, notebook: export_controls}\n  - {name: b, notebook: validation}\n"
    )
    batch = subprocess.Popen(
        [sys.executable, "-m", "analysis", "render", "--scenarios", str(path), "--out", str(tmp_path / "out")],
        cwd=PROJECT_DIR,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        end, template = time.monotonic() + 120, None
        while template is None and time.monotonic() < end:
            with contextlib.suppress(subprocess.TimeoutExpired):
                batch.wait(timeout=0.05)  # a batch that ended fails below
            with contextlib.suppress(psutil.Error):  # a child that ended meanwhile
                found = [
                    p for p in psutil.Process(batch.pid).children() if "ipykernel_template" in " ".join(p.cmdline())
                ]
                template = found[0] if found else None
        assert template is not None and batch.poll() is None  # started by the batch (before its imports)
        batch.kill()  # SIGKILL of the batch's process alone: nothing of it runs to clean up
        batch.wait(timeout=60)
        assert gone(template.pid)  # its input ended: it ends once imported, with any kernel it forked
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, 9)
