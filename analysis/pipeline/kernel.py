"""Executing a notebook: a warm Python kernel kept alive across reports (:class:`WarmKernel`)
and papermill run on it (:func:`execute`), failures reported in one line.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import threading
import uuid
from pathlib import Path

from .errors import RenderError, first_line, scrub

#: Seconds a report's notebook may run (kernel reset included) before its kernel is stopped and
#: the report fails: a hung kernel (stopped, deadlocked, swapping) would otherwise hold a render
#: forever. The slowest default report runs in about 10 s on 2 cores; ``--deadline`` or the
#: environment variable :data:`DEADLINE_ENV` sets another value.
DEADLINE_S = 600.0
DEADLINE_ENV = "COMPUTE_PARITY_DEADLINE"


def parse_deadline(text: str, where: str = f"${DEADLINE_ENV}") -> float:
    """Seconds from ``text``: a number above 0 (ParameterError in one line otherwise)."""
    from ..assembly.params import ParameterError  # here: the render service's client imports this module

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ParameterError(f"{where} {text!r}: the kernel deadline must be a number of seconds above 0")
    return value


def deadline_s() -> float:
    """The report deadline in force: :data:`DEADLINE_ENV` if set, else :data:`DEADLINE_S`."""
    text = os.environ.get(DEADLINE_ENV, "").strip()
    return parse_deadline(text) if text else DEADLINE_S


#: papermill's engine name for :class:`WarmKernel` runs (registered on first use).
WARM_ENGINE = "compute-parity-warm"


def _register_warm_engine() -> None:
    """Register :data:`WARM_ENGINE`: papermill's nbclient engine, run on a kernel client that is
    already connected and ready. papermill's own engine makes a new client per notebook and waits
    for it to be ready, which ends with a fixed 0.2 s of listening for stray output."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, *, km, kc, **_):
            client = PapermillNotebookClient(nb_man, km=km, kernel_name=kernel_name, log_output=log_output)
            client.kc = kc  # nbclient starts no client of its own and leaves this one open
            return client.execute()

    papermill_engines.register(WARM_ENGINE, WarmEngine)


#: Run in the kernel before each report: empty the user namespace, then move what survives
#: (the imported modules) out of the garbage collector's reach, so that later collections scan
#: only the report's own objects.
RESET_CODE = "get_ipython().run_line_magic('reset', '-f'); __import__('gc').freeze()"
#: Seconds a kernel has to reset its namespace (at most the report's deadline); seconds between
#: checks that it is still alive meanwhile (a kernel killed by the deadline sends no reply).
RESET_S, ALIVE_CHECK_S = 60.0, 0.2


#: Report kernels log errors only and keep no input history: IPython's history thread writes
#: every cell to an SQLite file, a tenth of a kernel's time in a batch, for a record nobody reads.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]

#: A kernel and its client talk over Unix sockets (ZeroMQ ``ipc``), never TCP ports: jupyter_client
#: picks a TCP port by binding port 0 and releasing it for the kernel to bind, and another process
#: starting a kernel (or making any connection) in between may take it; the kernel then dies at
#: start ("kernel died", once in four full test runs with two workers). The sockets,
#: ``<folder>/<12 hex digits>-<1..5>``, go into the kernel's private folder (its ``runtime_dir``:
#: the render's work folder, mode 0700), or into a short one of its own
#: (``compute-parity-kernel.live-*`` in the temporary folder) when that path is too long for a
#: Unix socket (:data:`SOCKET_PATH_MAX`), or when it has none.
TRANSPORT = "ipc"
SOCKET_PATH_MAX = 107
SOCKET_TAIL = len("/0123456789ab-5")
SOCKET_PREFIX = "compute-parity-kernel."


class WarmKernel:
    """A Python kernel kept alive across reports: imports (pandas, matplotlib …) are paid once
    per batch worker instead of once per report. It has one client, connected and waited for
    once when the kernel starts; before each report the user namespace is reset through it, and
    a kernel that died is replaced. Use an instance from one thread only (its client's sockets
    belong to that thread's event loop, which :meth:`close` closes)."""

    def __init__(self, runtime_dir: Path | str | None = None, deadline: float | None = None, *, template=None):
        #: where the kernel's connection file goes (a render's work folder, removed with it and
        #: by the clean-up of a killed render's folders); None: jupyter_client's temporary file
        self.runtime_dir = runtime_dir
        #: seconds a report may run in this kernel; None: :func:`deadline_s`
        self.deadline = deadline
        #: the :class:`~.ipykernel_template.Template` that forks this kernel (None: started cold)
        self.template = template
        self.manager = None
        self.client = None
        self._sockets = None  # the short folder of this kernel's sockets, if it needed one
        #: the event loop its coroutines run on (this thread's, made by jupyter_core's run_sync)
        self.loop = None

    def launch(self) -> None:
        """Start the kernel process (replacing a dead one), if not done yet, without waiting for
        it: it boots (about 1 s) while the caller does other work."""
        from jupyter_core.utils import run_sync

        from . import notebooks
        from .ipykernel_template import manager_class

        if self.alive():
            return
        self.close()
        _register_warm_engine()
        key = uuid.uuid4().hex
        sockets = self._socket_folder()
        self.manager = manager_class()(kernel_name="python3", transport=TRANSPORT, ip=str(sockets / key[:12]))
        self.manager.template = self.template
        # in the runtime folder (not jupyter_client's default, a tmpXXXX.json in /tmp)
        self.manager.connection_file = str(Path(self.runtime_dir or sockets) / f"kernel-{key}.json")
        started = self.manager.start_kernel(cwd=str(notebooks.NOTEBOOK_DIR), extra_arguments=KERNEL_ARGUMENTS)
        run_sync(self._on_loop)(started)

    async def _on_loop(self, work):
        """Await ``work``, noting the event loop it runs on as this kernel's (:attr:`loop`): the loop
        jupyter_core's ``run_sync`` makes for this thread on first use, on which nbclient (papermill)
        and this kernel's client run too, and which jupyter_core never closes."""
        self.loop = asyncio.get_running_loop()
        return await work

    def _socket_folder(self) -> Path:
        """Where this kernel's sockets go (see :data:`TRANSPORT`): its runtime folder if the
        sockets' paths fit there, else a private folder of its own, removed by :meth:`close`."""
        import tempfile

        from .workspace import Workspace

        own = Path(self.runtime_dir).absolute() if self.runtime_dir is not None else None
        if own is not None and len(str(own)) + SOCKET_TAIL <= SOCKET_PATH_MAX:
            return own
        base = tempfile.gettempdir()
        if len(base) + len(SOCKET_PREFIX) + len("live-XXXXXXXX") + 1 + SOCKET_TAIL > SOCKET_PATH_MAX:
            base = "/tmp"
        self._sockets = Workspace(base, SOCKET_PREFIX)
        return self._sockets.path

    def start(self) -> None:
        """:meth:`launch`, then connect the kernel's client and wait until it answers, if not done yet."""
        from jupyter_core.utils import run_sync

        self.launch()
        if self.client is None:
            self.client = self.manager.client()
            self.client.allow_stdin = False
            self.client.start_channels()
            run_sync(self.client.wait_for_ready)(timeout=60)

    def ready(self):
        """The kernel manager, started (or restarted) and with a fresh namespace. It is an
        asynchronous manager, so that nbclient notices within a second when the kernel dies.
        The reset has :data:`RESET_S` seconds (the deadline, if shorter): a kernel that dies
        meanwhile (the deadline's watchdog kills it) raises RuntimeError within
        :data:`ALIVE_CHECK_S`, one that does not answer in time TimeoutError; either is closed,
        and the next call starts a new one."""
        from jupyter_core.utils import run_sync

        self.start()
        try:
            reply = run_sync(self._reset)(min(RESET_S, self.deadline or deadline_s()))
        except BaseException:
            self.close()
            raise
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"resetting the kernel failed: {reply['content'].get('evalue')}")
        return self.manager

    async def _reset(self, seconds: float) -> dict:
        """Run :data:`RESET_CODE`: its reply, unless the kernel dies first or ``seconds`` pass."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        # no timeout of its own: the loop below ends it (cancelled) at the deadline or the kernel's death
        reset = asyncio.ensure_future(self.client.execute_interactive(RESET_CODE, output_hook=lambda msg: None))
        try:
            while not (await asyncio.wait({reset}, timeout=ALIVE_CHECK_S))[0]:
                if not await self.manager.is_alive():
                    raise RuntimeError("the kernel died while its namespace was reset")
                if loop.time() > end:
                    raise TimeoutError(f"the kernel did not reset its namespace within {seconds:g} s")
            return reset.result()
        finally:
            if not reset.done():  # settled here, not left pending on this thread's event loop
                reset.cancel()
                await asyncio.wait({reset})

    def alive(self) -> bool:
        """Whether the kernel process is running."""
        from jupyter_core.utils import run_sync

        return self.manager is not None and run_sync(self.manager.is_alive)()

    def kill(self) -> None:
        """SIGKILL the kernel's process group (from any thread); :meth:`close` reaps it."""
        provisioner = getattr(self.manager, "provisioner", None)
        pgid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        if pgid:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:  # gone already
                pass

    def close(self) -> None:
        """Disconnect the client, shut the kernel down and release what both hold, on every path: a
        kernel that died, was killed or never started included (then only its manager's ZeroMQ
        context and socket, connection and socket files go), then the socket folder and the event
        loop (:attr:`loop`). Left open, a batch worker's loop and its self-pipe sockets were
        garbage-collected after its thread ended, warning (ResourceWarning) in whatever code ran
        then; a killed kernel's context warned likewise. The next :meth:`launch` starts afresh."""
        from jupyter_core.utils import run_sync

        try:
            if self.client is not None:
                self.client.stop_channels()
                self.client = None
            manager, self.manager = self.manager, None
            if manager is not None and run_sync(manager.is_alive)():
                run_sync(manager.shutdown_kernel)(now=True)
            elif manager is not None:
                run_sync(manager.cleanup_resources)()
        finally:
            if self._sockets is not None:
                self._sockets.close()
                self._sockets = None
            self._close_loop()

    def _close_loop(self) -> None:
        """Close :attr:`loop` (its tasks cancelled and settled first), unless another thread's
        coroutine runs on it (then it is jupyter_core's runner's, not this kernel's); jupyter_core
        makes this thread a new one when it next needs one."""
        loop, self.loop = self.loop, None
        if loop is None or loop.is_running() or loop.is_closed():
            return
        _settle_tasks(loop)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


class _Watchdog:
    """Kills ``kernel`` if the report has not finished ``seconds`` after :meth:`start`; nbclient
    then sees a dead kernel within a second, and the next report gets a new one."""

    def __init__(self, kernel: WarmKernel, seconds: float):
        self.kernel, self.seconds, self.expired = kernel, seconds, False
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
        self.kernel.kill()

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def _settle_tasks(loop) -> None:
    """Cancel and settle the tasks left on ``loop`` (an interrupted papermill run leaves nbclient's
    cell and kernel-alive polls): left alone, they end with an error when the kernel is shut down
    and asyncio prints "Task exception was never retrieved" with a traceback, or are destroyed
    pending when the loop closes."""
    if loop is None or loop.is_running() or loop.is_closed():
        return
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        try:
            loop.run_until_complete(asyncio.wait(tasks, timeout=5))
        except BaseException:  # a second interrupt: the tasks stay, their noise with them
            return
    for task in asyncio.all_tasks(loop) | set(tasks):
        if task.done() and not task.cancelled():
            task.exception()  # marks it retrieved


def execute(name: str, parameters: dict, output: Path, kernel: WarmKernel):
    """Run the notebook with papermill into ``output`` in ``kernel`` (its namespace is reset
    first); a failing cell, a dead kernel or one still running at the kernel's deadline
    (:func:`deadline_s`; then it is killed, and restarted for the next report) raises RenderError."""
    import nbformat

    watchdog = _Watchdog(kernel, kernel.deadline or deadline_s())
    try:
        with watchdog:
            notebook = _run(name, parameters, output, kernel)
    except KeyboardInterrupt:
        _settle_tasks(kernel.loop)
        raise
    except RenderError:
        if watchdog.expired:
            kernel.close()
            raise RenderError(
                f"{name}: the notebook did not finish within the kernel deadline of {watchdog.seconds:g} s "
                f"(hung, or slower than that; --deadline or {DEADLINE_ENV} sets it); its kernel was stopped"
            ) from None
        raise
    # provenance without this machine's paths: the notebook and output names, the parameters
    notebook.metadata.papermill.update(input_path=f"notebooks/{name}.ipynb", output_path=f"{name}.ipynb")
    number_cells(notebook)
    nbformat.write(notebook, str(output))
    return notebook


def number_cells(notebook) -> None:
    """Number the executed code cells 1, 2, … in order (and their results), in place: a warm
    kernel's own count goes on from the reports it ran before, which would make its notebook
    differ from a cold render's."""
    executed = (c for c in notebook.cells if c.cell_type == "code" and c.get("execution_count") is not None)
    for number, cell in enumerate(executed, start=1):
        cell.execution_count = number
        for output in cell.get("outputs", []):
            if output.get("output_type") == "execute_result":
                output["execution_count"] = number


def _run(name: str, parameters: dict, output: Path, kernel: WarmKernel):
    """papermill on ``kernel``, as ``papermill.execute_notebook`` runs it but for its last step:
    writing the executed notebook, which :func:`execute` writes again with tidy provenance (JSON
    and validation of the whole notebook, ≈ 0.01 CPU-s per report). A notebook with a failed cell
    is written to ``output`` (with papermill's error cells) before the error is raised. Failures as
    RenderError in one line."""
    import papermill
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    from . import notebooks

    try:
        manager = kernel.ready()
        source = str(notebooks.notebook_path(name))
        # parameterized only (its output path None: nothing written); no cwd: papermill would chdir
        # this whole process (batch workers are threads); the kernel runs in the notebooks folder
        notebook = papermill.execute_notebook(
            source, None, parameters=parameters, prepare_only=True, engine_name=WARM_ENGINE, kernel_name="python3"
        )
        notebook = papermill_engines.execute_notebook_with_engine(
            WARM_ENGINE, notebook, "python3", input_path=source, progress_bar=False, km=manager, kc=kernel.client
        )
        raise_for_execution_errors(notebook, str(output))
    except PapermillExecutionError as err:
        raise RenderError(
            f"{name}: cell {err.exec_count} raised {err.ename}: "
            f"{scrub(err.evalue.splitlines()[0]) if err.evalue else ''}"
        ) from None
    except KeyboardInterrupt:
        raise
    except Exception as err:  # the kernel died, timed out or could not start; or a full disk
        if isinstance(err, OSError) and not isinstance(err, TimeoutError):
            raise
        died = not isinstance(err, TimeoutError) and not kernel.alive()
        kernel.close()
        reason = (
            "died while running the notebook (killed, or out of memory)"
            if died
            else f"failed ({type(err).__name__}: {scrub(first_line(err))})"
        )
        raise RenderError(f"{name}: the notebook's kernel {reason}") from None
    return notebook
