"""The warm render service of single renders (issue 24 item 2): a render handed to it writes the
same files, prints the same lines and exits with the same status as one rendered in-process; a
failed render leaves a new kernel; a SIGKILLed service breaks nothing; another user cannot use its
socket; it stops when idle, when its source changes and on command.

Every test that starts a service gives it a private socket folder and stops it (and whatever it
started) before it ends; waits are deadlines, generous for a busy machine, never fixed sleeps.
"""

import contextlib
import json
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from conftest import within

from analysis.assembly.params import ParameterError
from analysis.catalog import PROJECT_DIR
from analysis.pipeline import cli as cli_module
from analysis.pipeline import kernel as kernel_module
from analysis.pipeline import pdf as pdf_ids
from analysis.pipeline import service
from analysis.pipeline.workspace import _kill_users, kill_if

ROOT = Path(__file__).resolve().parents[1]
#: Seconds a test waits for a service to answer, stop or clean up on a loaded 2-core machine.
WAIT_S = 180.0


# ---- fast tier: settings, the private folder, the off switch --------------------------------------


def test_settings_refuse_bad_values_naming_the_allowed_ones(monkeypatch):
    monkeypatch.setenv(service.SERVICE_ENV, "sometimes")
    with pytest.raises(ParameterError, match="allowed: auto, off"):
        service.mode()
    for text in ("0", "-5", "soon", "inf"):
        monkeypatch.setenv(service.IDLE_ENV, text)
        with pytest.raises(ParameterError, match=r"COMPUTE_PARITY_SERVICE_IDLE .*above 0"):
            service.idle_s()
    monkeypatch.delenv(service.IDLE_ENV)
    assert service.idle_s() == 300.0  # 5 idle minutes, as declared in service.IDLE_S


def test_only_a_folder_of_this_user_that_nobody_else_may_enter_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv(service.DIR_ENV, str(tmp_path / "svc"))
    folder = tmp_path / "svc"
    assert service.private_dir(folder, create=True)
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    os.chmod(folder, 0o755)  # others may enter: refused
    assert not service.private_dir(folder)
    os.chmod(folder, 0o700)
    (tmp_path / "link").symlink_to(folder)  # a link, even to a private folder: refused
    assert not service.private_dir(tmp_path / "link")


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a folder another user owns")
def test_a_per_user_folder_made_by_another_user_is_never_used_nor_entered(tmp_path, monkeypatch):
    """Another user may make ``compute-parity-<uid>`` (this user's folder in the shared temporary
    folder) first, open to all: the service is then neither asked nor started there and nothing
    is made in it (the render runs in-process); checked on a fresh clone as user rsa with the
    folder made by user rsb."""
    base = Path(tempfile.mkdtemp(prefix="cps-"))  # short: a longer one falls back to the shared /tmp
    monkeypatch.delenv(service.DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    try:
        folder = service.service_dir()
        assert folder.parent == base / f"compute-parity-{os.getuid()}"
        folder.parent.mkdir(mode=0o777)
        os.chmod(folder.parent, 0o777)
        os.chown(folder.parent, 65534, 65534)  # made by nobody
        assert not service.private_dir(folder, create=True) and service.connect(folder) is None
        assert service.start(folder) is None
        assert list(folder.parent.iterdir()) == []
    finally:
        shutil.rmtree(base)


def test_off_hands_nothing_over_and_starts_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(service.SERVICE_ENV, "off")
    monkeypatch.setenv(service.DIR_ENV, str(tmp_path / "svc"))
    assert service.hand_over(["render", "training_run", "--out", str(tmp_path / "o")]) is None
    assert not (tmp_path / "svc").exists()


def _dead_service(monkeypatch) -> Path:
    """A service folder as a SIGKILL leaves it: a socket file nobody listens on and an unlocked work folder
    (its owner is dead); the folder is the service's for the test (``DIR_ENV``)."""
    folder = Path(tempfile.mkdtemp(prefix="cps-"))  # short: a socket path has at most 107 characters
    monkeypatch.setenv(service.DIR_ENV, str(folder))
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(folder / service.SOCKET))
    dead.close()  # the file stays, nobody listens
    (folder / f"{service.WORK_PREFIX}live-abc").mkdir()
    return folder


def test_a_dead_services_socket_and_work_folder_are_cleaned_up(tmp_path, monkeypatch):
    folder = _dead_service(monkeypatch)
    try:
        assert service.connect(folder) is None
        service.clean_up(folder)
        assert sorted(p.name for p in folder.iterdir()) == [service.LOCK]
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=True)


def test_service_status_notices_a_dead_services_socket_and_removes_it(tmp_path, monkeypatch, capsys):
    """A SIGKILLed service leaves its socket (nobody listens on it) and its work folder: the next
    command that looks at the service, ``service status`` here, removes both and says so; asked
    again, it finds nothing stale. Before, only a default render or ``service stop`` cleaned up."""
    folder = _dead_service(monkeypatch)
    try:
        assert service.command("status") == 1
        assert "not running (stale socket removed)" in capsys.readouterr().out
        assert sorted(p.name for p in folder.iterdir()) == [service.LOCK]
        assert service.command("status") == 1
        out = capsys.readouterr().out
        assert "no render service is running" in out and "stale" not in out
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=True)


def test_a_live_services_socket_is_never_removed_by_a_look(tmp_path, monkeypatch):
    """A socket nobody listens on is removed only while no service holds the lock: a service that
    holds it (starting, between its bind and its listen) keeps its socket."""
    folder = Path(tempfile.mkdtemp(prefix="cps-"))
    monkeypatch.setenv(service.DIR_ENV, str(folder))
    try:
        lock = service._try_lock(folder)  # held, as a running service holds it
        bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        bound.bind(str(folder / service.SOCKET))  # not listening yet: a connection is refused
        assert service.look(folder) == (None, False)
        assert (folder / service.SOCKET).exists()
        bound.close()
        os.close(lock)
        assert service.look(folder) == (None, True)  # the lock free: the socket was a dead service's
        assert not (folder / service.SOCKET).exists()
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=True)


def test_the_source_hash_changes_with_the_citation_file_a_warm_kernel_keeps(tmp_path, monkeypatch):
    """A report prints CITATION.cff, which a warm kernel reads once (identity.citation_file is cached):
    an edit must make the service stale, as an edit of analysis/ or data/ does, or a warm render
    prints the old citation and its fingerprint (which reads the new file) marks it up to date."""
    from analysis.pipeline import fingerprint

    for folder in service.WATCHED:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.py").write_text("x = 1\n")
    citation = tmp_path / "CITATION.cff"
    citation.write_text("authors: [A]\n")
    monkeypatch.setattr(service, "PROJECT_DIR", tmp_path)
    monkeypatch.setattr(fingerprint, "SOURCE_FILES", (citation,))
    before = service.source_hash()
    assert service.source_hash() == before  # nothing changed
    citation.write_text("authors: [A, Another]\n")
    assert service.source_hash() != before


def test_pdf_structure_ids_are_renumbered_in_order_at_their_width():
    # Chromium numbered these by the DOM nodes it had made so far; ranks among {1, 7, 3142,
    # 99999999}: 1 -> 1, 7 -> 2, 3142 -> 3, 99999999 -> 4, each padded to its old width (8 digits,
    # 1 digit), so the file's length and the ids' order stay
    pdf = b"<</ID (node00003142)>> [(node00000007) (node00003142)] (node99999999) (node1)"
    renumbered = b"<</ID (node00000003)>> [(node00000002) (node00000003)] (node00000004) (node1)"
    assert pdf_ids.stable_node_ids(pdf) == renumbered


class FakeService:
    """A socket in a private folder that answers each request with ``reply`` and records it."""

    def __init__(self, folder: Path, reply: dict):
        folder.mkdir(mode=0o700)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(folder / service.SOCKET))
        self.listener.listen(4)
        self.reply, self.requests = reply, []
        self.thread = threading.Thread(target=self._answer, daemon=True)
        self.thread.start()

    def _answer(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.listener.accept()
                with conn:
                    self.requests.append(service.receive(conn, WAIT_S))
                    service.send(conn, self.reply)

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize("answer", ["busy", "declined", "stale"])
def test_a_service_that_does_not_render_it_leaves_the_render_to_the_client(tmp_path, monkeypatch, answer):
    monkeypatch.setenv(service.SERVICE_ENV, "auto")
    monkeypatch.setenv(service.DIR_ENV, str(tmp_path / "svc"))
    monkeypatch.setattr(service, "_asked", threading.Event())  # this process has asked no service yet
    started = []
    monkeypatch.setattr(service, "start", lambda *a, **k: started.append(a))
    fake = FakeService(tmp_path / "svc", {"status": answer})
    try:
        argv = ["render", "training_run", "-p", "chip", "h20", "--out", str(tmp_path / "o")]
        assert service.forward(argv) is None  # the command line renders it in-process
        assert service.hand_over(argv) is None  # ... and does not ask again, nor start a service
        assert [r["argv"] for r in fake.requests] == [argv] and started == []
    finally:
        fake.close()


def test_forward_takes_only_render_command_lines_and_leaves_bad_settings_to_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv(service.DIR_ENV, str(tmp_path / "svc"))
    monkeypatch.setattr(service, "_asked", threading.Event())
    fake = FakeService(tmp_path / "svc", {"status": "done", "code": 0})
    try:
        assert service.forward(["list"]) is None and service.forward([]) is None
        monkeypatch.setenv(service.SERVICE_ENV, "sometimes")  # cli.main reports it (exit 2)
        assert service.forward(["render", "training_run"]) is None
        monkeypatch.setenv(service.SERVICE_ENV, "auto")
        monkeypatch.setenv("COMPUTE_PARITY_DEADLINE", "soon")
        assert service.forward(["render", "training_run"]) is None
        assert fake.requests == []
        monkeypatch.delenv("COMPUTE_PARITY_DEADLINE")
        assert service.forward(["render", "training_run"]) == 0  # a service's render: its status
        assert fake.requests[0]["argv"] == ["render", "training_run"]
    finally:
        fake.close()


def test_a_single_render_starts_the_service_before_its_imports_and_announces_it_after(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(service.SERVICE_ENV, "auto")
    monkeypatch.setenv(service.DIR_ENV, str(tmp_path / "svc"))  # no service listens there
    monkeypatch.setattr(service, "_asked", threading.Event())
    monkeypatch.setattr(service, "_started", [])
    started = []
    monkeypatch.setattr(service, "start", lambda folder, **kw: started.append(kw) or 4321)
    argv = ["render", "training_run", "-p", "chip", "h20"]
    assert service.forward(argv) is None  # the command line renders it in-process ...
    assert started == [{"for_argv": argv}] and capsys.readouterr().err == ""  # ... the service starting
    monkeypatch.setattr(service, "connect", lambda folder: pytest.fail("the first render asks no service"))
    assert service.hand_over(argv) is None  # as the command line calls it: the started one is announced
    assert "started a warm render service (pid 4321)" in capsys.readouterr().err and len(started) == 1


def test_a_batch_neither_asks_nor_starts_a_service(tmp_path, monkeypatch):
    """A batch started a service early (a second Python process importing the command line, about
    0.5 CPU-s at the batch's start) only for it to leave at once (issue 24): now none is started."""
    monkeypatch.setenv(service.DIR_ENV, str(tmp_path / "svc"))
    monkeypatch.setattr(service, "_started", [])
    monkeypatch.setattr(service, "start", lambda folder, **kw: pytest.fail("a batch starts no service"))
    monkeypatch.setattr(service, "connect", lambda folder: pytest.fail("a batch asks no service"))
    for argv in (["render", "--scenarios", "s.yaml", "--jobs", "2"], ["render", "--out", "o", "--scenarios=s.yaml"]):
        assert service.forward(argv) is None, argv


def test_a_service_started_for_a_command_line_that_is_no_single_render_leaves_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv(service.DIR_ENV, str(tmp_path / "svc"))
    for argv, wanted in (
        (["render", "training_run", "-p", "chip", "h20"], True),
        (["render", "--scenarios", "reports/scenarios.yaml"], False),  # a batch starts no service
        (["render", "training_run", "--bogus"], False),
    ):
        monkeypatch.setenv(service.FOR_ENV, json.dumps(argv))
        assert service._wanted() is wanted, argv
        assert service.FOR_ENV not in os.environ  # its kernel and Chromium do not inherit it
    monkeypatch.setenv(service.FOR_ENV, json.dumps(["render", "--scenarios", "s.yaml"]))
    assert service.serve(tmp_path / "svc") == 0 and not (tmp_path / "svc").exists()  # left before anything
    assert service._wanted()  # started by `service start`: no command line to check


def test_the_late_warm_up_waits_for_an_idle_service_and_runs_once(monkeypatch):
    worker = service.Worker.__new__(service.Worker)  # its queue and bookkeeping, no thread or kernel
    worker.jobs, worker.late_done, late = queue.Queue(), False, []
    monkeypatch.setattr(worker, "_warm_up_late", lambda: late.append(1))
    worker.jobs.put({"request": 1})
    assert worker._next_job() == {"request": 1} and late == []  # a request waiting: served first
    monkeypatch.setattr(service, "LATE_WARM_UP_S", 0.05)
    got = []
    thread = threading.Thread(target=lambda: got.append(worker._next_job()), daemon=True)
    thread.start()
    assert service.wait_until(lambda: late == [1], WAIT_S)  # idle: the late warm-up, then waiting on
    worker.jobs.put({"request": 2})
    thread.join(WAIT_S)
    worker.jobs.put({"request": 3})
    assert got == [{"request": 2}] and worker._next_job() == {"request": 3} and late == [1]  # once


def test_the_service_takes_single_renders_only():
    assert cli_module.single_render(["render", "training_run", "-p", "chip", "-h", "--to", "html"])  # -p takes "-h"
    for argv in (["render", "--scenarios", "s.yaml"], ["render", "--help"], ["render", "x", "--bogus"], ["list"]):
        assert not cli_module.single_render(argv), argv


def test_the_warm_up_fills_the_caches_that_take_no_arguments_those_kept_per_version_of_the_data_too():
    """WARM_CACHES (run in the service's kernel after its warm-up render) fills training_run's
    H800-penalty figure, now kept per version of the data (catalog.per_data) rather than by
    functools.cache, and serving_observations' implied utilisation: each holds one value after it."""
    code = (
        "from analysis.assembly import serving_observations, training_run\n"
        "from analysis.pipeline import service\n"
        "exec(service.WARM_CACHES, {})\n"
        "for f in (training_run._h800_penalty_shown, serving_observations.implied):\n"
        "    print(f.cache_info().currsize)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]


def test_messages_arriving_together_are_read_one_by_one():
    here, there = socket.socketpair()
    with here, there, here.makefile("rb") as reader:
        there.sendall(b'{"stream": "stderr", "text": "a"}\n{"status": "done", "code": 0}\n')  # one packet
        assert service.receive(here, 10, reader) == {"stream": "stderr", "text": "a"}
        assert service.receive(here, 10, reader) == {"status": "done", "code": 0}


# ---- render tier: a real service ----------------------------------------------------------------


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m analysis ARGS`` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )


def status(folder: Path) -> dict | None:
    return service.ask(folder, {"command": "status"}, timeout=WAIT_S)


def gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie counts: it runs nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def serves(folder: Path):
    """Whether process PID (read from ``/proc/PID``) is a service of ``folder``, or a process it
    started: its environment names the folder (each test's folder is new, from mkdtemp)."""
    entry = f"{service.DIR_ENV}={folder}".encode()
    return lambda pid: entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")


def _readable(check):
    """``check`` (which reads ``/proc/PID``) that says False for a process it may not read or that
    exited meanwhile."""

    def guarded(pid: int) -> bool:
        try:
            return check(pid)
        except OSError:
            return False

    return guarded


class Held:
    """A service this test started, held by a pidfd from a moment it is known to be this test's
    (:func:`serves`): a PID freed and reused on a busy machine never stands for it, so that the
    clean-up never signals another process."""

    def __init__(self, pid: int, folder: Path):
        self.fd = None
        with contextlib.suppress(OSError):
            fd = os.pidfd_open(pid)
            try:
                if serves(folder)(pid):
                    self.fd, fd = fd, None
            except OSError:  # exited meanwhile
                pass
            finally:
                if fd is not None:
                    os.close(fd)

    def gone(self) -> bool:
        """Whether it has exited (its pidfd reads ready then; never held: gone)."""
        return self.fd is None or bool(select.select([self.fd], [], [], 0)[0])

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(self.fd, signal.SIGKILL)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@pytest.fixture()
def service_folder(monkeypatch):
    """A private socket folder for this test's service, turned on; at the end the service is
    stopped (SIGKILLed if it does not stop) and every process whose environment names the folder
    (a service still starting, its kernel) or whose command line does is killed, each only while
    held as this test's (:class:`Held`, :func:`.workspace.kill_if`)."""
    folder = Path(tempfile.mkdtemp(prefix="cps-"))
    monkeypatch.setenv(service.SERVICE_ENV, "auto")
    monkeypatch.setenv(service.DIR_ENV, str(folder))
    held = []
    yield folder, held
    found = status(folder)
    held += [Held(found["pid"], folder)] if found else []
    service.command("stop")  # what `python -m analysis service stop` runs, without a new process
    for process in held:
        if not process.gone():
            process.kill()
        process.close()
    for _ in range(2):  # a service still starting (no status yet) or what it started, twice for a fork between
        for entry in Path("/proc").glob("[0-9]*"):
            kill_if(int(entry.name), _readable(serves(folder)))
    _kill_users(folder)
    service.clean_up(folder)
    subprocess.run(["rm", "-rf", str(folder)], check=True)


#: Starts a service (for a command line that is no single render: it leaves at once) and reports
#: whether the starter has a child left afterwards.
START_AND_LOOK = """
import gc, os, sys, warnings
from pathlib import Path
warnings.simplefilter("always")
from analysis.pipeline import service
pid = service.start(Path(sys.argv[1]), for_argv=["list"])
gc.collect()
try:
    os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    print(pid, "has a child")
except ChildProcessError:
    print(pid, "has no child")
"""


def test_a_started_service_is_no_child_of_its_starter(service_folder):
    """The service outlives the render that starts it: as that render's child it was a Popen the
    starter dropped ("ResourceWarning: subprocess ... is still running" when collected, and a
    zombie until the starter exits) or kept (the same warning at the starter's exit). Detached
    (DETACH: an intermediate process the starter reaps at once), the starter has no child left and
    warns nothing, and the service still runs, its output in its log."""
    folder, _ = service_folder
    done = subprocess.run(
        [sys.executable, "-c", START_AND_LOOK, str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=WAIT_S
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    pid, rest = done.stdout.split(" ", 1)
    assert int(pid) > 0 and rest == "has no child\n"
    log = folder / service.LOG
    assert service.wait_until(lambda: "no single render" in log.read_text(), WAIT_S), log.read_text()


def test_the_clean_up_signals_only_a_process_it_holds_as_its_own(tmp_path):
    """A PID recorded earlier may belong to another process by the time of the clean-up (a busy
    machine reuses PIDs): a process is signalled only through a pidfd taken before the check
    that it is this test's (its environment names the test's folder), never by a bare PID."""
    folder = tmp_path / "svc"
    sleep = [sys.executable, "-c", "import time; time.sleep(600)"]
    mine = subprocess.Popen(sleep, env={**os.environ, service.DIR_ENV: str(folder)})
    other = subprocess.Popen(sleep, env={k: v for k, v in os.environ.items() if k != service.DIR_ENV})
    try:
        assert not kill_if(other.pid, serves(folder))  # not this test's: not signalled
        assert Held(other.pid, folder).gone()  # nor held
        held = Held(mine.pid, folder)
        assert not held.gone()
        held.kill()
        assert mine.wait(timeout=WAIT_S) == -signal.SIGKILL and held.gone()
        held.kill()  # exited and reaped, its PID free for another process: nothing is signalled
        held.close()
        assert not kill_if(mine.pid, serves(folder))
        assert other.poll() is None  # the other process lives on
    finally:
        for process in (mine, other):
            process.kill()
            process.wait(timeout=WAIT_S)


def without_render_time(data: bytes, rendered_at: str) -> bytes:
    """``data`` with its render time and date (provenance) and the PDF's creation dates blanked."""
    data = data.replace(rendered_at.encode(), b"<rendered_at>").replace(rendered_at[:10].encode(), b"<date>")
    return re.sub(rb"/(CreationDate|ModDate) \(D:[0-9+']+\)", rb"/\1 (D:<date>)", data)


def report_files(folder: Path) -> dict[str, bytes]:
    """Every file of a rendered report, render time aside, by path inside ``folder``."""
    rendered_at = json.loads((folder / "training_run.json").read_text())["provenance"]["rendered_at"]
    return {
        str(p.relative_to(folder)): without_render_time(p.read_bytes(), rendered_at)
        for p in sorted(folder.rglob("*"))
        # the executed notebook records its run's timings; the fingerprint, the written files' hashes
        if p.is_file() and p.suffix != ".ipynb" and p.name != ".fingerprint"
    }


def notebook_cells(folder: Path) -> bytes:
    """The executed notebook's cells (source, execution count, outputs), render time aside."""
    rendered_at = json.loads((folder / "training_run.json").read_text())["provenance"]["rendered_at"]
    cells = json.loads((folder / "training_run.ipynb").read_text())["cells"]
    shown = [(c["source"], c.get("execution_count"), c.get("outputs")) for c in cells]
    return without_render_time(json.dumps(shown).encode(), rendered_at)


@pytest.mark.render
def test_a_warm_render_writes_prints_and_fails_as_a_cold_one(service_folder, tmp_path):
    folder, _ = service_folder
    started = cli("service", "start")
    assert started.returncode == 0 and "render service running" in started.stdout, started.stderr
    pid = status(folder)["pid"]
    # a report with other parameters first: nothing of it may reach the next one
    assert cli("render", "training_run", "-p", "chip", "h20", "--out", str(tmp_path / "first")).returncode == 0
    warm = cli("render", "training_run", "-p", "chip", "h800-sxm", "--out", str(tmp_path / "warm"))
    after = status(folder)
    assert (after["pid"], after["renders"]) == (pid, 2)  # both went through the one service
    cold = cli("render", "training_run", "-p", "chip", "h800-sxm", "--out", str(tmp_path / "cold"), env={
        service.SERVICE_ENV: "off"})  # fmt: skip
    assert status(folder)["renders"] == 2  # the cold one did not
    assert warm.returncode == cold.returncode == 0
    as_cold = lambda text, how="": text.replace(str(tmp_path / f"{how}warm"), str(tmp_path / f"{how}cold"))  # noqa: E731
    assert as_cold(warm.stdout) == cold.stdout and as_cold(warm.stderr) == cold.stderr
    warm_files, cold_files = report_files(tmp_path / "warm"), report_files(tmp_path / "cold")
    assert {"training_run.html", "training_run.pdf", "training_run.json"} <= set(warm_files)
    assert warm_files.keys() == cold_files.keys()
    for name in warm_files:
        assert warm_files[name] == cold_files[name], name
    # the executed notebooks: the same cells, numbered alike (a warm kernel's count goes on from the
    # report before), with the same outputs; their cells' timings aside
    assert notebook_cells(tmp_path / "warm") == notebook_cells(tmp_path / "cold")

    # a failed render: same message and status; the service goes on with a new kernel
    # 10x the default draws: their Monte Carlo cell takes far beyond 0.05 s on any machine (1.5 s was met by a
    # warm kernel on a quiet machine, and the render then succeeded)
    late = ("-p", "draws", "100000", "--deadline", "0.05")
    failed = [
        cli("render", "training_run", *late, "--out", str(tmp_path / f"late-{how}"), env=env)
        for how, env in (("warm", {}), ("cold", {service.SERVICE_ENV: "off"}))
    ]
    assert failed[0].returncode == failed[1].returncode == 1
    assert as_cold(failed[0].stderr, "late-") == failed[1].stderr
    assert "kernel deadline of 0.05 s" in failed[0].stderr
    assert cli("render", "training_run", "--to", "html", "--out", str(tmp_path / "again")).returncode == 0
    # no single render: the service declines it, and the client says what it says without one
    bad = [cli("render", "training_run", "--bogus", env=env) for env in ({}, {service.SERVICE_ENV: "off"})]
    assert bad[0].returncode == bad[1].returncode == 2 and bad[0].stderr == bad[1].stderr
    assert (status(folder)["pid"], status(folder)["renders"]) == (pid, 4)


@pytest.mark.render
def test_a_sigkilled_service_leaves_nothing_that_breaks_the_next_render(service_folder, tmp_path):
    folder, held = service_folder
    assert cli("service", "start").returncode == 0
    old = status(folder)["pid"]
    held.append(Held(old, folder))
    work = next(folder.glob(f"{service.WORK_PREFIX}live-*"))  # its kernel's and Chromium's folder
    held[0].kill()
    assert service.wait_until(held[0].gone, WAIT_S)
    assert (folder / service.SOCKET).exists()  # the stale socket is there ...
    done = cli("render", "export_controls", "--to", "html", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "started a warm render service" in done.stderr  # ... it found none and rendered cold
    assert (tmp_path / "out" / "export_controls.html").is_file()
    assert not work.exists()  # cleaned up, and nothing the killed one started runs on

    def orphans() -> list[str]:
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if os.fsencode(str(work)) in cmdline.read_bytes() and not gone(int(cmdline.parent.name)):
                    found.append(cmdline.parent.name)
            except OSError:
                continue
        return found

    assert service.wait_until(lambda: not orphans(), WAIT_S), orphans()
    # the socket now there is a new, live service's (the render started it)
    assert service.wait_until(lambda: status(folder) is not None, WAIT_S)
    assert status(folder)["pid"] != old


@pytest.mark.render
def test_a_service_killed_mid_render_is_cleaned_up_by_its_client(service_folder, tmp_path):
    """SIGKILL the service while it renders: its client renders in-process (same exit status and
    files) and, having seen the service break off, removes the dead service's socket at once (its
    kernel, stopped here so that the render cannot end before the kill, holds the work folder's lock
    until the fixture kills it); ``service status`` then finds no service and nothing stale. Before, the socket stayed
    until the next default render or ``service stop``."""
    folder, held = service_folder
    assert cli("service", "start").returncode == 0
    held.append(Held(status(folder)["pid"], folder))
    out = tmp_path / "out"
    long = ("-p", "draws", "100000", "--to", "html")  # 10x the default draws: a render of seconds
    client = subprocess.Popen(
        [sys.executable, "-m", "analysis", "render", "training_run", *long, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def stop_kernel(pid: int) -> bool:  # the service's kernel, stopped: its render cannot end before the kill
        return b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes() and serves(folder)(pid)

    try:
        assert service.wait_until(lambda: (status(folder) or {}).get("busy"), WAIT_S)
        for entry in Path("/proc").glob("[0-9]*"):
            kill_if(int(entry.name), _readable(stop_kernel), signal.SIGSTOP)
        held[0].kill()
        _, stderr = client.communicate(timeout=WAIT_S)
    finally:
        if client.poll() is None:
            client.kill()
            client.communicate()
    assert client.returncode == 0, stderr
    assert (out / "training_run.html").is_file()
    assert held[0].gone() and not (folder / service.SOCKET).exists()
    looked = cli("service", "status")
    assert looked.returncode == 1 and "no render service is running" in looked.stdout
    assert "stale" not in looked.stdout


@pytest.mark.render
@pytest.mark.skipif(os.getuid() != 0, reason="needs root to run a process as another user")
def test_another_users_process_cannot_use_the_socket(service_folder):
    folder, _ = service_folder
    assert cli("service", "start").returncode == 0
    probe = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n    s.connect(sys.argv[1])\nexcept OSError as e:\n    print('refused', e.errno); raise SystemExit\n"
        "s.settimeout(60)\n"
        "try:\n"
        '    s.sendall(b\'{"command": "status"}\\n\')\n'
        "    got = s.recv(1000)\n"
        "except OSError:\n"
        "    got = b''\n"
        "print('answered' if got else 'closed without answer')\n"
    )

    def as_nobody() -> str:
        done = subprocess.run(
            ["/usr/bin/python3", "-c", probe, str(folder / service.SOCKET)],
            user=65534,
            cwd="/",
            capture_output=True,
            text=True,
            timeout=WAIT_S,
        )
        return done.stdout.strip()

    assert as_nobody() == "refused 13"  # EACCES: the folder is 0700
    os.chmod(folder, 0o711)  # were the folder and socket opened to all, SO_PEERCRED still refuses
    os.chmod(folder / service.SOCKET, 0o777)
    try:
        assert as_nobody() == "closed without answer"
    finally:
        os.chmod(folder, 0o700)
        os.chmod(folder / service.SOCKET, 0o600)
    assert status(folder) is not None  # still serving its own user


@pytest.mark.render
def test_the_service_stops_by_itself_when_idle(service_folder, monkeypatch):
    folder, held = service_folder
    monkeypatch.setenv(service.IDLE_ENV, "3")
    started = cli("service", "start")
    assert started.returncode == 0, started.stderr
    held.append(Held(int(re.search(r"pid (\d+)", started.stdout).group(1)), folder))  # it may be gone by now
    assert service.wait_until(held[0].gone, WAIT_S)
    assert not (folder / service.SOCKET).exists()
    assert "service stopped: idle for 3 s" in (folder / service.LOG).read_text()


@pytest.mark.render
def test_the_service_stops_when_its_source_changes_and_on_command(service_folder, monkeypatch):
    folder, _ = service_folder
    source = {"hash": "at start"}
    monkeypatch.setattr(service, "source_hash", lambda: source["hash"])
    results = []
    thread = threading.Thread(target=lambda: results.append(service.serve(folder)), daemon=True)
    thread.start()
    assert service.wait_until(lambda: status(folder) is not None, WAIT_S)
    source["hash"] = "changed"  # as if a file of analysis/ or data/ changed
    request = {"command": "cli", "protocol": service.PROTOCOL}
    assert service.ask(folder, request, timeout=WAIT_S) == {"status": "stale"}  # the client renders cold
    thread.join(WAIT_S)
    assert results == [0] and not (folder / service.SOCKET).exists()

    source["hash"] = "at start"
    thread = threading.Thread(target=lambda: results.append(service.serve(folder)), daemon=True)
    thread.start()
    assert service.wait_until(lambda: status(folder) is not None, WAIT_S)
    stopped = cli("service", "stop")
    assert stopped.returncode == 0 and "stopped the render service" in stopped.stdout
    thread.join(WAIT_S)
    assert results == [0, 0] and status(folder) is None


@pytest.mark.render
def test_a_kernel_that_dies_or_hangs_while_it_resets_fails_the_reset_and_is_replaced(tmp_path, monkeypatch):
    """WarmKernel.ready() returns as soon as its kernel dies during the reset (as when the
    deadline's watchdog kills it) and gives up on a hung one at its deadline; the next call has a
    new kernel. Were a death not noticed, the reset would wait RESET_S: an hour here."""
    monkeypatch.setattr(kernel_module, "RESET_S", 3600.0)
    reset_code = kernel_module.RESET_CODE

    def work():
        kernel = kernel_module.WarmKernel(tmp_path)
        try:
            kernel.ready()
            first = kernel.manager.provisioner.pid
            monkeypatch.setattr(kernel_module, "RESET_CODE", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
            with pytest.raises(RuntimeError, match="died while its namespace was reset"):
                kernel.ready()
            monkeypatch.setattr(kernel_module, "RESET_CODE", reset_code)
            kernel.ready()
            second = kernel.manager.provisioner.pid
            os.kill(second, signal.SIGSTOP)  # hung: alive, but it answers nothing
            kernel.deadline = 2.0
            with pytest.raises(TimeoutError, match="within 2 s"):
                kernel.ready()
            kernel.deadline = None
            kernel.ready()
            third = kernel.manager.provisioner.pid
            return first, second, third
        finally:
            kernel.close()

    first, second, third = within(WAIT_S, work)
    assert len({first, second, third}) == 3 and gone(first) and gone(second)


@pytest.mark.render
def test_a_busy_service_leaves_the_render_to_the_client(service_folder, tmp_path, monkeypatch):
    folder, _ = service_folder
    release = threading.Event()
    # the service's render (in this process) holds it busy until the test releases it
    monkeypatch.setattr(cli_module, "main", lambda argv: 0 if release.wait(WAIT_S) else 1)
    results = []
    thread = threading.Thread(target=lambda: results.append(service.serve(folder)), daemon=True)
    thread.start()
    assert service.wait_until(lambda: status(folder) is not None, WAIT_S)
    request = {"command": "cli", "protocol": service.PROTOCOL, "argv": ["render", "training_run"]}
    conn = service.connect(folder)
    with conn, conn.makefile("rb") as reader:
        service.send(conn, {**request, "cwd": str(ROOT), "env": {}})
        assert service.wait_until(lambda: status(folder)["busy"], WAIT_S)
        done = cli("render", "export_controls", "--to", "html", "--out", str(tmp_path / "out"))
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "out" / "export_controls.html").is_file()  # rendered in-process ...
        assert "started a warm render service" not in done.stderr  # ... starting no second service
        assert status(folder)["renders"] == 0
        release.set()
        while "stream" in (reply := service.receive(conn, WAIT_S, reader)):
            pass
        assert reply == {"status": "done", "code": 0}
    assert service.ask(folder, {"command": "stop"}, timeout=WAIT_S)["status"] == "stopping"
    thread.join(WAIT_S)
    assert results == [0]


def test_handing_a_render_to_the_service_imports_no_pandas(service_folder):
    """`python -m analysis render ...` asks a running render service before the command line's
    imports (analysis/__main__.py): that path loads neither pandas nor numpy nor nbformat. None runs
    in the test's folder, so the hand-over starts one early (for the next render) and returns None:
    the fixture stops it and kills what uses the folder (it was left running before)."""
    code = (
        "import sys\n"
        "from analysis.pipeline import service\n"
        "assert service.forward(['render', 'training_run', '-p', 'chip', 'h20']) is None\n"  # none runs there
        "print(' '.join(m for m in ('pandas', 'numpy', 'nbformat', 'jupyter_client') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
