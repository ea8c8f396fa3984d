"""A render closes what it opens (issue 24, item 4: every test passes on a busy machine). A batch's
worker threads each ran their kernel on an event loop that jupyter_core's ``run_sync`` makes per
thread and never closes; the threads ended, and the loops with their self-pipe sockets were
garbage-collected later, unclosed, in whatever test ran then: a test that turns warnings into
errors printed 5 ResourceWarnings. A killed kernel's ZeroMQ context was left open too. Each render
here (batch, single, warm; succeeding, failing, killed at its deadline) is followed by a garbage
collection that must find nothing open (:func:`conftest.unclosed`)."""

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from conftest import loops_made, unclosed, within

from analysis.pipeline import render, service, workspace
from analysis.pipeline.errors import RenderError
from analysis.pipeline.scenarios import Scenario, render_batch

#: Seconds a render or the service has to finish on a loaded 2-core machine.
WAIT_S = 300.0


def test_collecting_garbage_finds_a_loop_left_open_by_a_thread_that_ended():
    """The check itself can fail: a loop made in a thread that ends without closing it is found."""
    unclosed()
    within(WAIT_S, lambda: asyncio_loop_left_open())
    left = unclosed()
    assert len(left) == 1 and left[0].startswith("ResourceWarning: unclosed event loop"), left


def asyncio_loop_left_open() -> None:
    import asyncio

    asyncio.set_event_loop(asyncio.new_event_loop())  # what jupyter_core's run_sync does, per thread


#: Two tests run in that order: the first leaks an event loop (as a batch's worker threads did),
#: the second, innocent, turns warnings into errors and collects garbage.
LEAK_THEN_STRICT = """
import asyncio, gc, threading, warnings

def test_a_leaks_a_loop():
    thread = threading.Thread(target=lambda: asyncio.set_event_loop(asyncio.new_event_loop()))
    thread.start()
    thread.join()

def test_b_turns_warnings_into_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gc.collect()
"""


def run_pytest(folder: Path, *options: str) -> str:
    """pytest's short summary (``-rA``) of the tests of ``folder``, in a process of its own;
    unraisable exceptions (a ResourceWarning raised as an error in ``__del__``) fail a test."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *options, str(folder)],
        cwd=folder,
        env={"PYTHONPATH": str(Path(__file__).parent), "PATH": "/usr/bin:/bin", "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )
    return done.stdout


def test_a_leak_fails_the_test_that_made_it_not_a_later_test_that_turns_warnings_into_errors(tmp_path):
    (tmp_path / "test_order.py").write_text(LEAK_THEN_STRICT)
    strict = ("-W", "error::pytest.PytestUnraisableExceptionWarning")
    alone = run_pytest(tmp_path, *strict)  # without this suite's conftest: the innocent test is hit
    assert "FAILED test_order.py::test_b_turns_warnings_into_errors" in alone, alone
    guarded = run_pytest(tmp_path, "-p", "conftest", *strict)  # with it (tests/conftest.py as a plugin)
    assert "ERROR test_order.py::test_a_leaks_a_loop - AssertionError: this test left open" in guarded, guarded
    assert "PASSED test_order.py::test_b_turns_warnings_into_errors" in guarded, guarded


@pytest.mark.render
def test_a_batch_closes_its_loops_and_kernels_whether_its_reports_pass_fail_or_time_out(tiny_notebooks, tmp_path):
    unclosed()
    made = loops_made()
    cases = [
        Scenario("ok", "tiny"),
        Scenario("fails", "failing"),
        Scenario("late", "sleepy", {"seed": 60}),  # killed at the deadline below
        Scenario("again", "tiny", {"seed": 2}),
    ]
    outcomes = render_batch(cases, tmp_path / "out", jobs=2, formats=("html",), deadline=3.0)
    assert [o.ok for o in outcomes] == [True, False, False, True], [o.message for o in outcomes]
    assert "kernel deadline of 3 s" in outcomes[2].message
    assert loops_made() > made  # the workers ran their kernels on loops of their own ...
    assert unclosed() == []  # ... and closed them, and every kernel's sockets and contexts


@pytest.mark.render
def test_a_single_render_closes_its_loop_and_kernel_even_in_a_thread_that_then_ends(tiny_notebooks, tmp_path):
    unclosed()
    within(WAIT_S, lambda: render.render("tiny", {}, out_dir=tmp_path / "ok", formats=("html",)))
    with pytest.raises(RenderError, match="kernel deadline of 2 s"):
        within(
            WAIT_S,
            lambda: render.render("sleepy", {"seed": 60}, out_dir=tmp_path / "late", formats=("html",), deadline=2.0),
        )
    with pytest.raises(RenderError, match="ValueError"):
        render.render("failing", {}, out_dir=tmp_path / "fails", formats=("html",))  # in this thread
    assert unclosed() == []


@pytest.mark.render
def test_the_warm_service_closes_its_loop_and_kernel_when_it_stops(tiny_notebooks, tmp_path, monkeypatch):
    folder = Path(tempfile.mkdtemp(prefix="cps-"))  # short: a socket path has at most 107 characters
    monkeypatch.setenv(service.SERVICE_ENV, "auto")
    monkeypatch.setenv(service.DIR_ENV, str(folder))
    monkeypatch.setattr(service, "WARM_UP", "tiny")
    unclosed()
    results = []
    thread = threading.Thread(target=lambda: results.append(service.serve(folder)), daemon=True)
    thread.start()
    try:
        assert service.wait_until(lambda: service.ask(folder, {"command": "status"}) is not None, WAIT_S)
        argv = ["render", "tiny", "-p", "seed", "3", "--to", "html", "--out", str(tmp_path / "warm")]
        request = {"command": "cli", "protocol": service.PROTOCOL, "argv": argv, "cwd": str(tmp_path), "env": {}}
        conn = service.connect(folder)
        with conn, conn.makefile("rb") as reader:
            service.send(conn, request)
            while "stream" in (reply := service.receive(conn, WAIT_S, reader)):
                pass
        assert reply == {"status": "done", "code": 0}
        assert (tmp_path / "warm" / "tiny.html").is_file()
    finally:
        service.ask(folder, {"command": "stop"}, timeout=WAIT_S)
        thread.join(WAIT_S)
        service.clean_up(folder)
        for leftover in sorted(folder.rglob("*"), reverse=True):
            leftover.rmdir() if leftover.is_dir() else leftover.unlink()
        folder.rmdir()
    assert results == [0]
    assert unclosed() == []


def test_a_work_folder_that_cannot_take_its_live_name_closes_its_lock(tmp_path, monkeypatch):
    """A render's work folder is made under a staging name, locked, then renamed; when the rename
    failed (a full or read-only disk, a name taken), the lock's descriptor stayed open for good."""

    def refuse(*args):
        raise OSError(28, "No space left on device")

    before = len(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(workspace.os, "rename", refuse)
    for _ in range(3):
        with pytest.raises(OSError, match="No space left"):
            workspace.Workspace(tmp_path, ".r.")
    assert len(os.listdir("/proc/self/fd")) == before  # three failures, no descriptor left open
    assert list(tmp_path.iterdir()) == []  # nor the staging folders
