"""A warm render service for single renders: a background process that keeps one report kernel
(:class:`~.kernel.WarmKernel`) and one Chromium (:class:`~.pdf.Browser`) ready, so that trying
parameters one render at a time does not pay the cold chain (interpreter, kernel, pandas and
matplotlib imports, Chromium start) every time.

The first single render of a checkout starts it (so does ``python -m analysis service start``) and
renders in-process itself: it starts the service first thing, before its own imports, so that the
service is warm sooner (a service leaves at once if that command line is no single render). Later
single renders by the same user from the same checkout hand their work to it and print its result
as if rendered in-process. It listens only on a Unix socket in a
private folder (0700, owner only; each side checks the other's uid with SO_PEERCRED), never on a
network port. It stops after :data:`IDLE_S` idle seconds (``$COMPUTE_PARITY_SERVICE_IDLE``), when
the checkout's source or data change (a hash of ``analysis/`` and ``data/`` at start vs now), on
``python -m analysis service stop`` and on SIGTERM; after a failed or killed render it starts a new
kernel. A render never depends on it: absent, busy, stale or broken, the render runs in-process,
as without it. ``COMPUTE_PARITY_SERVICE=off`` turns it off.

A client hands its command line over (:func:`forward`) before it imports pandas or the report
stack, which would cost it about half a second: this module and what it imports at the top stay
light (a test checks it).
"""

from __future__ import annotations

import contextlib
import faulthandler
import fcntl
import hashlib
import json
import os
import queue
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from .. import PROJECT_DIR
from .errors import first_line

#: ``auto`` (default): single renders use the service and the first one starts it; ``off``: never.
SERVICE_ENV = "COMPUTE_PARITY_SERVICE"
MODES = ("auto", "off")
#: Seconds without a request after which the service stops by itself (``$COMPUTE_PARITY_SERVICE_IDLE``).
IDLE_S = 300.0
IDLE_ENV = "COMPUTE_PARITY_SERVICE_IDLE"
#: The service's private folder (default: :func:`service_dir`); tests give each their own.
DIR_ENV = "COMPUTE_PARITY_SERVICE_DIR"
SOCKET, LOCK, LOG, WORK_PREFIX = "socket", "service.lock", "service.log", "work."
#: The longest Unix socket path (``sun_path`` holds 108 bytes with its NUL).
SOCKET_PATH_MAX = 107
#: 2: the service parses the command line itself and declines what is not a single render.
PROTOCOL = 2
#: Seconds between the service's checks for idleness, a vanished client and (every
#: :data:`SOURCE_CHECK_S`) changed source; a connected client has :data:`REQUEST_S` to speak.
TICK_S, SOURCE_CHECK_S, REQUEST_S = 1.0, 5.0, 10.0
#: Seconds beyond the kernel deadline a client waits for the service's next word (the PDF, writing)
#: before it gives up on the service and renders in-process.
REPLY_MARGIN_S = 120.0
#: Seconds ``service start`` and ``service stop`` wait for the service to answer or to exit.
COMMAND_S = 60.0
#: Seconds a client whose service broke off mid-render waits for its lock to be free (a killed
#: process releases it as it exits, perhaps a moment after its connection closed) before it
#: removes what the service left (:func:`clean_up`); a live service keeps its lock and its socket.
DYING_S = 5.0
#: Folders whose contents the service's outputs depend on beyond the notebooks it reads afresh:
#: the code it and its kernel have imported, the data the catalog has cached.
WATCHED = ("analysis", "data")


def mode() -> str:
    """``$COMPUTE_PARITY_SERVICE``: ``auto`` (the default) or ``off`` (ParameterError otherwise)."""
    value = os.environ.get(SERVICE_ENV, "").strip().lower() or "auto"
    if value not in MODES:
        from ..assembly.params import ParameterError

        raise ParameterError(f"${SERVICE_ENV} {value!r}: allowed: {', '.join(MODES)}")
    return value


def idle_s() -> float:
    """Idle seconds before the service stops: ``$COMPUTE_PARITY_SERVICE_IDLE``, else :data:`IDLE_S`."""
    text = os.environ.get(IDLE_ENV, "").strip()
    if not text:
        return IDLE_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        from ..assembly.params import ParameterError

        raise ParameterError(f"${IDLE_ENV} {text!r}: the idle time must be a number of seconds above 0")
    return value


def service_dir() -> Path:
    """The service's private folder: ``$COMPUTE_PARITY_SERVICE_DIR``, else one per user and
    checkout, ``compute-parity-<uid>/<12 hex digits of the checkout's path>`` in
    ``$XDG_RUNTIME_DIR`` (or the temporary folder; ``/tmp`` when that path is too long for a socket)."""
    given = os.environ.get(DIR_ENV, "").strip()
    if given:
        return Path(given).absolute()
    key = hashlib.sha256(os.fsencode(PROJECT_DIR)).hexdigest()[:12]
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    if len(base) + len(f"/compute-parity-{os.getuid()}/{key}/{SOCKET}") > SOCKET_PATH_MAX:
        base = "/tmp"
    return Path(base) / f"compute-parity-{os.getuid()}" / key


def private_dir(path: Path, create: bool = False) -> bool:
    """Whether ``path`` is a folder (not a link) owned by this user that nobody else may enter
    (made so, with its parent when it is the default's, if ``create``)."""
    folders = [path] if os.environ.get(DIR_ENV, "").strip() else [path.parent, path]
    try:
        for folder in folders:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.makedirs(folder.parent, exist_ok=True)
                    os.mkdir(folder, 0o700)
            info = os.lstat(folder)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
                return False
    except OSError:
        return False
    return len(str(path / SOCKET)) <= SOCKET_PATH_MAX


def source_hash() -> str:
    """A SHA-256 over the names and contents of every file in :data:`WATCHED` and of the other
    files a report prints (:data:`.fingerprint.SOURCE_FILES`: CITATION.cff, whose reading a
    warm kernel keeps), as a report's fingerprint sees them (:func:`.fingerprint.tree_digest`:
    caches and hidden files aside; a file whose size, mtime and inode have not changed since this
    process hashed it is not read again)."""
    from .fingerprint import SOURCE_FILES, file_digest, tree_digest

    digests = [tree_digest(PROJECT_DIR / root) for root in WATCHED]
    digests += [file_digest(path) for path in SOURCE_FILES if path.is_file()]
    return hashlib.sha256(" ".join(digests).encode()).hexdigest()


def peer_uid(conn: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (SO_PEERCRED)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def send(conn: socket.socket, message: dict) -> None:
    """One message: a line of JSON."""
    conn.sendall(json.dumps(message).encode() + b"\n")


def receive(conn: socket.socket, timeout: float | None, reader=None) -> dict:
    """The next message on ``conn`` within ``timeout`` seconds (OSError or ValueError otherwise);
    ``reader`` (``conn.makefile("rb")``) keeps what arrived beyond it for the next call."""
    conn.settimeout(timeout)
    line = (reader or conn.makefile("rb")).readline(1 << 24)
    if not line.endswith(b"\n"):
        raise ConnectionError("the other end closed the connection")
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("not a message")
    return message


def connect(directory: Path) -> socket.socket | None:
    """A connection to the service of ``directory``, or None: no private folder, no service
    listening (a killed service's socket is removed then: :func:`look`), or one run by another user."""
    return look(directory)[0]


def look(directory: Path) -> tuple[socket.socket | None, bool]:
    """A connection to the service of ``directory`` (or None, as :func:`connect` says), and whether
    a killed service's socket was found and removed: a socket file nobody listens on while no
    service holds the lock (:func:`clean_up`, which also stops what the killed one left running),
    so that every command that looks at the service notices a dead one and cleans up after it."""
    if not private_dir(directory):
        return None, False
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(REQUEST_S)
        conn.connect(str(directory / SOCKET))
        if peer_uid(conn) != os.getuid():
            raise PermissionError("the service belongs to another user")
    except OSError:
        conn.close()
        return None, os.path.lexists(directory / SOCKET) and clean_up(directory)
    return conn, False


def ask(directory: Path, request: dict, timeout: float = REQUEST_S) -> dict | None:
    """The service's answer to ``request``, or None when none answers within ``timeout`` seconds."""
    conn = connect(directory)
    return None if conn is None else _exchange(conn, request, timeout)


def _exchange(conn: socket.socket, request: dict, timeout: float) -> dict | None:
    """Send ``request`` on ``conn``, then close it; the answer, or None without one in ``timeout`` seconds."""
    with conn:
        try:
            send(conn, request)
            return receive(conn, timeout)
        except (OSError, ValueError):
            return None


#: The warm kernel and Chromium of the render in progress in this service, if any (:func:`render_single`).
_warm = threading.local()
#: Environment variables a client's render reads (its deadline, Chromium): the service renders with the client's.
CLIENT_ENV = ("COMPUTE_PARITY_DEADLINE", "CHROMIUM")


#: Whether this process has put its command line to a service (:func:`hand_over`): it asks once.
_asked = threading.Event()
#: The pid of the service this process started early (:func:`forward`), or None if none could
#: start; empty while it started none.
_started: list[int | None] = []
#: The command line of the client that started a service early (JSON): the service leaves at once
#: unless it is a single render (:func:`.cli.single_render`), as only a single render starts one.
FOR_ENV = "COMPUTE_PARITY_SERVICE_FOR"


def forward(argv: list[str]) -> int | None:
    """``python -m analysis ARGV`` run by a running service, before this process imports the
    command line (pandas and the report stack), when ARGV starts with ``render``: its exit status,
    with its output printed here; None when the caller must run the command line itself (no
    service runs, or it declined: not a single render, or busy, stale, broken; a bad setting,
    which the command line reports). Ctrl-C and SIGTERM end it as they end a render
    (:func:`.stopping.stoppable`)."""
    from .stopping import INTERRUPTED, stoppable

    if argv[:1] != ["render"] or any(a == "--scenarios" or a.startswith("--scenarios=") for a in argv):
        return None  # a batch is never handed over: no service asked, none started (a Python start, 0.5 CPU-s)
    try:
        return stoppable(lambda: hand_over(argv, start_absent=False, start_early=True))
    except ValueError:  # a bad setting ($COMPUTE_PARITY_SERVICE, the deadline's): the command line says so
        return None
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130


def hand_over(argv: list[str], start_absent: bool = True, start_early: bool = False) -> int | None:
    """Run ``python -m analysis ARGV`` (a single render) in the warm service, printing its output
    here as it comes: its exit status; None when the caller must render in-process (the service
    is off, absent — then it is started for the next render if ``start_absent`` —, busy, stale,
    broken or declining), when this process asked a service already, or when this is the service
    itself. ``start_early``: start an absent service now, before this process has parsed ARGV
    (:func:`forward`); the service itself leaves at once unless ARGV is a single render
    (:data:`FOR_ENV`); this process renders in-process, and a later call with ``start_absent``
    announces the service instead of asking it (it would wait for the service's warm-up)."""
    from .kernel import deadline_s

    if getattr(_warm, "kernel", None) is not None or _asked.is_set() or mode() == "off":
        return None
    if _started and _started[0] is not None:  # this render started it: in-process, as a first render
        if start_absent:
            _announce(_started[0])
        return None
    wait_s = deadline_s() + REPLY_MARGIN_S
    directory = service_dir()
    conn = connect(directory)
    if conn is None:
        if start_early:
            _started.append(start(directory, for_argv=argv))
        elif start_absent:
            start(directory, announce=True)
        return None
    _asked.set()
    env = {k: os.environ[k] for k in CLIENT_ENV if k in os.environ}
    request = {"command": "cli", "protocol": PROTOCOL, "argv": argv, "cwd": os.getcwd(), "env": env}
    with conn, conn.makefile("rb") as reader:
        try:
            send(conn, request)
            while "stream" in (message := receive(conn, wait_s, reader)):
                stream = sys.stdout if message["stream"] == "stdout" else sys.stderr
                stream.write(message["text"])
                stream.flush()
        except (OSError, ValueError):  # the service broke off: killed mid-render, perhaps
            if wait_until(lambda: _lock_free(directory), DYING_S):
                clean_up(directory)
            return None
    return message["code"] if message.get("status") == "done" else None


def render_single(notebook: str, overrides: dict, **options) -> dict[str, Path]:
    """A single render (:func:`~.render.render`, same ``options``): with the service's warm
    kernel and Chromium when the service runs it, else with its own."""
    from . import render

    kernel = getattr(_warm, "kernel", None)
    if kernel is None:
        return render.render(notebook, overrides, **options)
    kernel.deadline = options.pop("deadline", None)
    browser = _warm.browser if "pdf" in options.get("formats", render.FORMATS) else None
    return render.render(notebook, overrides, kernel=kernel, browser=browser, **options)


class _Stream:
    """Standard output or error of a render in the service: each write goes to the client."""

    def __init__(self, conn: socket.socket, name: str):
        self.conn, self.name = conn, name

    def write(self, text: str) -> int:
        with contextlib.suppress(OSError):
            send(self.conn, {"stream": self.name, "text": text})
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _as_client(request: dict):
    """The client's folder and render settings (:data:`CLIENT_ENV`) while its command runs here."""
    saved, cwd = {k: os.environ.get(k) for k in CLIENT_ENV}, os.getcwd()
    os.chdir(request["cwd"])
    for key in CLIENT_ENV:
        os.environ.pop(key, None)
    os.environ.update({k: v for k, v in request["env"].items() if k in CLIENT_ENV})
    try:
        yield
    finally:
        os.chdir(cwd)
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def _try_lock(directory: Path) -> int | None:
    """The service lock of ``directory``, taken (a descriptor), or None while a service holds it."""
    fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def clean_up(directory: Path) -> bool:
    """Remove what a killed service left in ``directory``, while no service holds its lock: its
    socket, and its work folder with the kernel and Chromium still using it
    (:func:`.workspace.remove_stale`); whether there was a socket to remove."""
    from .workspace import remove_stale

    fd = _try_lock(directory) if private_dir(directory) else None
    if fd is None:
        return False
    try:
        try:
            os.unlink(directory / SOCKET)
            removed = True
        except FileNotFoundError:
            removed = False
        remove_stale(directory, WORK_PREFIX)
    finally:
        os.close(fd)
    return removed


#: Run by ``python -I -S -c`` between a starter and its service (:func:`start`): starts the command
#: line of its arguments in a session of its own, its stdout going where its stderr goes (the log),
#: prints its pid and exits, so that the starter reaps it at once and the service, re-parented to
#: init (or a subreaper), is not its child (no "subprocess still running" warning, no zombie, a clean exit).
DETACH = (
    "import os, sys\n"
    "actions = [(os.POSIX_SPAWN_DUP2, 2, 1)]\n"
    "print(os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=actions, setsid=True))"
)


def start(directory: Path, announce: bool = False, for_argv: list[str] | None = None) -> int | None:
    """Start a service for ``directory`` in the background, detached from this process (through
    :data:`DETACH`: its own session, not this process's child; output to ``service.log`` there)
    after cleaning up what a killed one left; returns its pid, or None when none can start (no
    private folder, or one holds the lock). ``announce``: say so on stderr; ``for_argv``: the
    command line it starts for, unparsed (it leaves unless a single render)."""
    if not private_dir(directory, create=True):
        return None
    clean_up(directory)
    if not _lock_free(directory):
        return None
    env = {k: v for k, v in os.environ.items() if k != FOR_ENV}
    if for_argv is not None:
        env[FOR_ENV] = json.dumps(for_argv)
    with open(os.open(directory / LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as log:
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-S", "-c", DETACH, sys.executable, "-m", "analysis", "service", "run"],
                cwd=PROJECT_DIR,
                env={**env, DIR_ENV: str(directory)},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                timeout=COMMAND_S,
            )
            pid = int(done.stdout) if done.returncode == 0 else None
        except (OSError, ValueError, subprocess.SubprocessError):
            pid = None
    if announce and pid is not None:
        _announce(pid)
    return pid


def _announce(pid: int) -> None:
    """Say on stderr that this render started service ``pid``, for how long it runs, how to stop it."""
    print(
        f"started a warm render service (pid {pid}) for the next single renders of this "
        f"checkout; it stops after {idle_s():g} idle seconds. `python -m analysis service stop` "
        f"stops it, {SERVICE_ENV}=off turns it off",
        file=sys.stderr,
    )


def _lock_free(directory: Path) -> bool:
    """Whether no service holds the lock of ``directory`` (none can when it is no private folder)."""
    if not private_dir(directory):
        return True
    fd = _try_lock(directory)
    if fd is not None:
        os.close(fd)
    return fd is not None


def wait_until(done, seconds: float) -> bool:
    """Whether ``done()`` became true within ``seconds`` (asked every 0.05 s)."""
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


#: The report the service renders, and throws away, as it starts (:meth:`Worker._warm_up`): a short
#: one with figures, tables and pages like every report's.
WARM_UP = "export_controls"
#: Run in the service's kernel after the warm-up render: fill every cache of the report modules
#: that takes no arguments (``functools.cache`` or :func:`analysis.catalog.per_data`: a report's
#: figure drawn once per version of the data whatever the parameters, such as training_run's H800
#: penalty; serving_observations' implied utilisation; ≈ 0.25 CPU-s in all),
#: under the reports' theme (``present.setup()``, which every notebook runs first), as the first
#: report to need one would fill it.
WARM_CACHES = """
import inspect, sys
from analysis.assembly import present
present.setup()
for module in [m for name, m in sorted(sys.modules.items()) if name.startswith('analysis.assembly.')]:
    for f in list(vars(module).values()):
        if hasattr(f, 'cache_info') and getattr(f, '__module__', '') == module.__name__:
            if all(p.default is not p.empty for p in inspect.signature(f).parameters.values()):
                try:
                    f()
                except Exception:
                    pass
"""
#: Modules a report imports inside a function, heavy enough to slow its first render: scipy.stats
#: (``uncertainty.sobol``, ``uncertainty.distribution``: chip_parity's sensitivity; about 0.8
#: CPU-s). The service's kernel imports them once it has been idle :data:`LATE_WARM_UP_S` seconds
#: (:meth:`Worker._warm_up_late`), not in the warm-up: a render handed over right after the first
#: would wait for them. Ten seconds: renders tried in a row (the first one's 5-7 s while the
#: service warms up, then about 2 s each) are not held up by it; a reader of a report is idle longer.
LATE_IMPORTS = ("scipy.stats",)
LATE_WARM_UP_S = 10.0


class Worker:
    """The thread that owns the service's kernel (a kernel's client belongs to one thread) and
    Chromium, and renders one request at a time."""

    def __init__(self, work_dir: Path):
        self.work_dir, self.jobs = work_dir, queue.Queue()
        self.busy, self.cancelled = threading.Event(), threading.Event()
        self.kernel = self.browser = self.conn = None
        self.renders, self.late_done = 0, False
        self.thread = threading.Thread(target=self._run, name="render", daemon=True)
        self.thread.start()

    def offer(self, conn: socket.socket, request: dict) -> bool:
        """Take ``request`` (and answer on ``conn``) unless a render is in progress."""
        if self.busy.is_set():
            return False
        self.busy.set()
        self.cancelled.clear()
        self.conn = conn
        self.jobs.put(request)
        return True

    def _run(self) -> None:
        from .kernel import WarmKernel
        from .pdf import Browser

        self.kernel = WarmKernel(self.work_dir)
        with contextlib.suppress(Exception):  # one that cannot start fails in the render, which says why
            self.kernel.launch()
        with contextlib.suppress(Exception):
            self.browser = Browser(self.work_dir)
        with contextlib.suppress(Exception):
            self.kernel.start()
            self._warm_up()
        try:
            while (request := self._next_job()) is not None:
                self._render(request)
        finally:
            self.kernel.close()
            if self.browser is not None:
                self.browser.close()

    def _next_job(self) -> dict | None:
        """The next request; first, if none comes within :data:`LATE_WARM_UP_S` seconds, the late
        warm-up (once)."""
        if not self.late_done:
            try:
                return self.jobs.get(timeout=LATE_WARM_UP_S)
            except queue.Empty:
                self.late_done = True
                with contextlib.suppress(Exception):  # a kernel that fails here is restarted by the next render
                    self._warm_up_late()
        return self.jobs.get()

    def _warm_up_late(self) -> None:
        """Import :data:`LATE_IMPORTS` in the kernel (a reset keeps imported modules)."""
        from jupyter_core.utils import run_sync

        code = "".join(f"import {name}\n" for name in LATE_IMPORTS)
        self.kernel.start()
        run_sync(self.kernel.client.execute_interactive)(code, timeout=120, output_hook=lambda msg: None)

    def _warm_up(self) -> None:
        """Pay now what a first render would: the kernel imports the report stack and loads the
        catalog (a reset keeps imported modules and caches, as for a batch's second report); this
        process imports papermill and nbconvert, builds its HTML exporter and reads the notebooks'
        parameters; then one report (:data:`WARM_UP`) is rendered and thrown away, which pays
        the first figure's fonts, the first table's templates, the first HTML page's templates and
        Chromium's first print (together ≈ 0.8 CPU-s off the first render handed over); then the
        report modules' caches that take no arguments are filled (:data:`WARM_CACHES`)."""
        from jupyter_core.utils import run_sync

        from . import export, notebooks, render

        names = notebooks.notebook_names()
        code = (
            "import importlib, matplotlib.pyplot\nfrom analysis import catalog\ncatalog.load('chips')\n"
            f"for name in {names!r}:\n    try:\n        importlib.import_module('analysis.assembly.' + name)\n"
            "    except ImportError:\n        pass\n"
        )
        run_sync(self.kernel.client.execute_interactive)(code, timeout=120, output_hook=lambda msg: None)
        export._exporter()
        for name in names:
            notebooks.declared_parameters(name)
        render.render(WARM_UP, {}, out_dir=self.work_dir / "warm-up", kernel=self.kernel, browser=self.browser)
        shutil.rmtree(self.work_dir / "warm-up")
        run_sync(self.kernel.client.execute_interactive)(WARM_CACHES, timeout=120, output_hook=lambda msg: None)

    def _render(self, request: dict) -> None:
        """Run the client's command (``python -m analysis ARGV``) with this kernel and Chromium,
        its output streamed to the client, then ``done`` and its exit status; ``declined`` when
        it is no single render (:func:`.cli.single_render`: the client runs it itself);
        ``broken`` when it was cancelled or failed outside the command (the client then renders
        in-process)."""
        from . import cli

        if not cli.single_render(request["argv"]):
            self._answer({"status": "declined"})
            self.busy.clear()
            return
        code = None
        _warm.kernel, _warm.browser = self.kernel, self.browser
        try:
            with contextlib.suppress(Exception):  # reset (or restart) now, not within the report's deadline
                self.kernel.ready()
            with _as_client(request):
                out, err = _Stream(self.conn, "stdout"), _Stream(self.conn, "stderr")
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = cli.main(request["argv"])
            reply = {"status": "broken"} if self.cancelled.is_set() else {"status": "done", "code": code}
        except BaseException as err:  # noqa: BLE001 - the client says it its way
            reply = {"status": "broken", "message": first_line(err)}
            traceback.print_exc(file=sys.__stderr__)  # into service.log
        finally:
            _warm.kernel = _warm.browser = None
        self._answer(reply)
        self.renders += 1
        if code != 0:  # a failed or killed render leaves a new kernel, booting
            self.kernel.close()
            with contextlib.suppress(Exception):
                self.kernel.launch()
        self.busy.clear()

    def _answer(self, reply: dict) -> None:
        """Send the client its last message and close the connection."""
        with contextlib.suppress(OSError), self.conn:
            send(self.conn, reply)

    def watch_client(self) -> None:
        """Stop the render (kill its kernel) if its client went away (Ctrl-C, killed)."""
        conn = self.conn
        if not self.busy.is_set() or conn is None or self.cancelled.is_set():
            return
        with contextlib.suppress(OSError, ValueError):
            if select.select([conn], [], [], 0)[0] and not conn.recv(1, socket.MSG_PEEK):
                self.cancel()

    def cancel(self) -> None:
        """Kill the kernel of a render in progress; its client gets ``broken``."""
        if self.busy.is_set():
            self.cancelled.set()
            if self.kernel is not None:
                self.kernel.kill()

    def stop(self) -> None:
        """Cancel a render in progress, then close the kernel and Chromium."""
        self.cancel()
        self.jobs.put(None)
        self.thread.join()


def serve(directory: Path | None = None) -> int:
    """Run the service for ``directory`` (default :func:`service_dir`) in the foreground until it
    is idle :func:`idle_s` seconds, its source changes, ``stop`` or SIGTERM; 0, or 1 when it
    cannot start (another holds the lock: then it leaves at once)."""
    from .workspace import Workspace

    directory = directory or service_dir()
    idle = idle_s()
    if not _wanted():
        return 0
    if not private_dir(directory, create=True):
        print(f"error: {directory} is not a private folder of this user (mode 0700)", file=sys.stderr)
        return 1
    clean_up(directory)
    lock = _try_lock(directory)
    if lock is None:
        print(f"a service already runs for {directory}", file=sys.stderr)
        return 1
    stopping = threading.Event()
    if threading.current_thread() is threading.main_thread():
        faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID`: every thread's stack to the log
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
    try:
        with Workspace(directory, WORK_PREFIX) as work:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(directory / SOCKET))
            os.chmod(directory / SOCKET, 0o600)
            listener.listen(16)
            listener.settimeout(TICK_S)
            worker = Worker(work.path)
            try:
                why = _loop(listener, worker, idle, stopping)
            finally:
                listener.close()
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(directory / SOCKET)
                worker.stop()
    finally:
        os.close(lock)
    print(f"service stopped: {why}", file=sys.stderr)
    return 0


def _wanted() -> bool:
    """Whether the command line this service was started for (:data:`FOR_ENV`), if any, is a
    single render; the variable goes, so that its kernel and Chromium do not inherit it."""
    argv = os.environ.pop(FOR_ENV, None)
    if argv is None:
        return True
    from . import cli

    if cli.single_render(json.loads(argv)):
        return True
    print("service not started: its client's command line is no single render", file=sys.stderr)
    return False


def _loop(listener: socket.socket, worker: Worker, idle: float, stopping: threading.Event) -> str:
    """Answer connections until the service should stop; returns why it stops."""
    source, checked = source_hash(), time.monotonic()
    state = {"pid": os.getpid(), "started": time.time(), "last": time.monotonic(), "idle_s": idle}
    while not stopping.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            conn = None
        now = time.monotonic()
        if conn is not None:
            with contextlib.ExitStack() as close:
                close.callback(lambda c=conn: worker.conn is c or c.close())
                why = _handle(conn, worker, state, source)
            state["last"] = time.monotonic()
            if why:
                return why
        worker.watch_client()
        if worker.busy.is_set():
            state["last"] = now
        elif now - state["last"] > idle:
            return f"idle for {idle:g} s"
        if now - checked > SOURCE_CHECK_S:
            if source_hash() != source:
                return "its checkout's analysis/ or data/ changed"
            checked = now
    return "stopped by a signal"


def _handle(conn: socket.socket, worker: Worker, state: dict, source: str) -> str:
    """Answer one connection; returns why the service stops now, or ''."""
    try:
        if peer_uid(conn) != os.getuid():
            return ""  # another user's process: no answer
        request = receive(conn, REQUEST_S)
    except (OSError, ValueError):
        return ""
    command = request.get("command")
    reply, why = {"status": "broken", "message": f"unknown request {command!r}"}, ""
    if command == "status":
        reply = {
            **{"status": "running", "pid": state["pid"], "checkout": str(PROJECT_DIR), "busy": worker.busy.is_set()},
            **{"renders": worker.renders, "idle_limit_s": state["idle_s"], "started": state["started"]},
            "idle_for_s": 0.0 if worker.busy.is_set() else round(time.monotonic() - state["last"], 1),
        }
    elif command == "stop":
        reply, why = {"status": "stopping", "pid": state["pid"]}, "stopped by command"
    elif command == "cli" and request.get("protocol") == PROTOCOL:
        if source_hash() != source:
            reply, why = {"status": "stale"}, "its checkout's analysis/ or data/ changed"
        elif worker.offer(conn, request):
            return ""  # the worker answers
        else:
            reply = {"status": "busy"}
    with contextlib.suppress(OSError):
        send(conn, reply)
    return why


def command(action: str) -> int:
    """``python -m analysis service start|stop|status|run``: exit status 0, or 1 when ``start``
    or ``stop`` did not happen within :data:`COMMAND_S` or ``status`` finds none running."""
    directory = service_dir()
    if action == "run":
        return serve(directory)
    conn, stale = look(directory)
    status = None if conn is None else _exchange(conn, {"command": "status"}, REQUEST_S)
    if action == "status" or (action == "start" and status):
        print(_describe(directory, status, stale))
        return 0 if status else 1
    if action == "start":
        if start(directory) is None and _lock_free(directory):
            print(f"error: cannot start a service in {directory} (see {directory / LOG})", file=sys.stderr)
            return 1
        found: dict = {}
        answered = wait_until(lambda: found.update(ask(directory, {"command": "status"}) or {}) or found, COMMAND_S)
        print(_describe(directory, found))
        return 0 if answered else 1
    if not status:
        clean_up(directory)
        print(_describe(directory, None, stale))
        return 0
    ask(directory, {"command": "stop"})
    if not wait_until(lambda: _lock_free(directory), COMMAND_S):
        print(f"error: the service (pid {status['pid']}) did not stop within {COMMAND_S:g} s", file=sys.stderr)
        return 1
    print(f"stopped the render service (pid {status['pid']})")
    return 0


def _describe(directory: Path, status: dict | None, stale: bool = False) -> str:
    """One line on the service of ``directory``; ``stale``: a killed service's socket was just removed."""
    if not status:
        removed = ": not running (stale socket removed)" if stale else ""
        return f"no render service is running for this checkout{removed} ({directory})"
    state = "busy" if status["busy"] else f"idle for {status['idle_for_s']:g} s"
    return (
        f"render service running: pid {status['pid']}, {status['renders']} render(s), {state} "
        f"(stops after {status['idle_limit_s']:g} idle s), socket {directory / SOCKET}"
    )
