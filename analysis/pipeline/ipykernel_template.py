"""Report kernels forked from one template process (:class:`Template`): a batch's two workers each
started a kernel, and each kernel imported the same stack (ipykernel, pandas, matplotlib, the report
modules) and loaded the same data, ≈ 2 CPU-s paid twice on a 2-core machine. The template pays them
once: it imports the stack and loads the catalog, then forks a kernel for each request (the imports
shared copy-on-write). A forked kernel is what ``python -m ipykernel_launcher`` would start (same
arguments, environment and folder; a session and process group of its own; its parent is the
template). A template that is gone, or cannot fork, fails nothing: the kernel then starts cold, as
without one. Run as ``python -m analysis.pipeline.ipykernel_template FD MODULE...`` (by
:class:`Template` only).
"""

from __future__ import annotations

import functools
import json
import os
import select
import signal
import subprocess
import sys
import threading

from .. import PROJECT_DIR

#: What every report kernel imports before its report's own module (the notebooks' first cell
#: imports ``analysis.assembly``; ipykernel's own modules come before any cell).
PRELOAD = ("ipykernel.kernelapp", "matplotlib_inline.backend_inline", "matplotlib.pyplot", "pandas")
#: ipykernel's default plotting backend: set before matplotlib is imported, as ipykernel sets it
#: (``IPKernelApp.init_gui_pylab``) before a report imports matplotlib.
MPL_BACKEND = "module://matplotlib_inline.backend_inline"
#: The notebooks' folder (:data:`.notebooks.NOTEBOOK_DIR`, named here without its pandas import).
NOTEBOOKS = PROJECT_DIR / "notebooks"
#: Seconds to wait for a forked kernel's pid (the template's imports included), then start cold.
FORK_WAIT_S = 120.0


def modules_for(notebooks) -> tuple[str, ...]:
    """The modules a template preloads for a batch of ``notebooks``: :data:`PRELOAD` and each
    notebook's report module. Not what a report imports only inside a function (scipy.stats for
    chip_parity's sensitivity, ≈ 0.8 CPU-s): the template's imports hold up both kernels' start
    while the other core idles (the batch's checks and Chromium's start are shorter), so on a quiet
    machine preloading it made the batch start ≈ 0.8 s later to save ≈ 0.4 s of both cores later."""
    names = sorted(set(notebooks))
    return (*PRELOAD, "analysis.assembly.present", *(f"analysis.assembly.{n}" for n in names))


class Template:
    """A template process for a batch's kernels (:func:`serve`), started by the first :meth:`fork`
    (a batch's first worker asks at once; a batch whose kernels never start starts none).
    Thread-safe. :meth:`close` ends it (kernels it forked and that still run are killed then; a
    batch closes its kernels first)."""

    def __init__(self, notebooks):
        self.modules = [m for m in modules_for(notebooks) if not m.startswith("analysis.assembly.") or _known(m)]
        self.process, self._read = None, None
        self._lock, self.broken = threading.Lock(), False

    def start(self) -> None:
        """Start the template process now, if not started (or broken) yet: its imports run while the
        caller does other work (:mod:`.early`)."""
        with self._lock:
            if self.process is None and not self.broken:
                try:
                    self._start()
                except OSError:
                    self.broken = True

    def _start(self) -> None:
        """Start the template process in the notebooks' folder, as a kernel (it imports, then waits
        for requests on its input)."""
        read, replies = os.pipe()
        self._read = os.fdopen(read, "rb", buffering=0)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(replies), *self.modules],
                stdin=subprocess.PIPE,
                pass_fds=(replies,),
                cwd=str(NOTEBOOKS),
                env={**os.environ, "MPLBACKEND": os.environ.get("MPLBACKEND") or MPL_BACKEND},
            )
        finally:
            os.close(replies)

    def fork(self, cmd: list[str], env: dict, cwd) -> _Forked | None:
        """A kernel forked for ``cmd`` (jupyter_client's ``python -m ipykernel_launcher -f FILE
        …``) with ``env`` in folder ``cwd``; None if the template cannot give one (gone, failed, or
        no answer within :data:`FORK_WAIT_S`; it is not asked again): the caller starts the
        kernel cold."""
        if list(cmd[:3]) != [sys.executable, "-m", "ipykernel_launcher"]:
            return None
        request = json.dumps({"argv": list(cmd[3:]), "env": dict(env), "cwd": str(cwd)}) + "\n"
        with self._lock:
            pid = 0
            if not self.broken:
                try:
                    if self.process is None:
                        self._start()
                    self.process.stdin.write(request.encode())
                    self.process.stdin.flush()
                    if select.select([self._read], [], [], FORK_WAIT_S)[0]:
                        pid = int(self._read.readline() or 0)
                except (OSError, ValueError):
                    pass
            self.broken = pid <= 0  # an answer may still come: no later request may take it as its own
        return _Forked(pid) if pid > 0 else None

    def close(self) -> None:
        """End the template, if started (its input closed), wait for it, close the pipes."""
        with self._lock:
            self.broken = True
            if self.process is not None:
                try:
                    self.process.stdin.close()
                except OSError:
                    pass
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            if self._read is not None:
                self._read.close()


def _known(module: str) -> bool:
    """Whether ``module`` is a report module of a notebook that exists (checked without importing
    :mod:`.notebooks`, which imports pandas: :mod:`.early` makes a template before that)."""
    return module == "analysis.assembly.present" or (NOTEBOOKS / f"{module.rsplit('.', 1)[1]}.ipynb").is_file()


class _Forked:
    """A forked kernel as jupyter_client's provisioner handles a ``Popen``: :meth:`poll`,
    :meth:`wait`, signals. It is the template's child, not this process's: its end is seen through
    a pidfd (its exit status is the template's; -1 here), signals go through the pidfd too."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode, self._fd = pid, None, None
        try:
            self._fd = os.pidfd_open(pid)
        except OSError:  # ended already (and reaped)
            self.returncode = -1

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._fd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._fd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self._ended()
        return self.returncode

    def _ended(self) -> None:
        self.returncode = -1
        os.close(self._fd)
        self._fd = None

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                signal.pidfd_send_signal(self._fd, signum)
            except ProcessLookupError:  # it ended just now
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self):
        if self._fd is not None:
            os.close(self._fd)


@functools.cache
def manager_class():
    """jupyter_client's ``AsyncKernelManager`` that asks its ``template`` (a :class:`Template`,
    None: none) for the kernel and starts it cold when the template gives none."""
    from jupyter_client import AsyncKernelManager

    class TemplateKernelManager(AsyncKernelManager):
        template = None

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            forked = None if self.template is None else self.template.fork(kernel_cmd, kw.get("env") or {}, kw["cwd"])
            if forked is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            provisioner.process, provisioner.pid, provisioner.pgid = forked, forked.pid, forked.pid
            provisioner.cwd = kw["cwd"]
            self._reconcile_connection_info(provisioner.connection_info)

    return TemplateKernelManager


def serve(replies: int, modules: list[str]) -> None:
    """The template process: import ``modules`` and load the catalog, then fork a kernel for each
    request line on standard input (JSON: ``argv`` after ``-m ipykernel_launcher``, ``env``,
    ``cwd``), answering its pid (0: the fork failed) on file descriptor ``replies``. Ends when its
    input ends (the batch, or its process, is gone), killing the kernels it forked that still run."""
    import gc
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle; it closes the input
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # the kernel imports it again and its report says what failed
            pass
    from analysis import catalog

    try:
        catalog.load("chips")
    except Exception:  # likewise: the report's kernel loads it again
        pass
    gc.collect()
    gc.freeze()  # the kernels' collections skip what is shared; pages stay shared longer
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped as they end
    children = []
    for line in _lines(0):
        try:
            pid = os.fork()
        except OSError:
            os.write(replies, b"0\n")
            continue
        if pid == 0:
            _kernel(json.loads(line), replies)  # never returns
        try:
            children.append((pid, os.pidfd_open(pid)))
        except OSError:  # ended already
            pass
        os.write(replies, f"{pid}\n".encode())
    for pid, fd in children:
        if not select.select([fd], [], [], 0)[0]:  # still running: its process group, as a kernel's is killed
            os.killpg(pid, signal.SIGKILL)


def _lines(fd: int):
    """The lines read from ``fd`` until its end, unbuffered (a forked kernel's standard input must
    hold nothing read ahead)."""
    pending = b""
    while chunk := os.read(fd, 1 << 16):
        *lines, pending = (pending + chunk).split(b"\n")
        yield from lines


def _kernel(request: dict, replies: int) -> None:
    """In a forked child: become the kernel ``python -m ipykernel_launcher ARGV`` would start, with
    ``env`` in ``cwd``, in a session of its own (as jupyter_client starts one); exit when it ends."""
    import atexit
    import traceback

    code = 1
    try:
        os.close(replies)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # as jupyter_client's closed pipe: reading it ends at once
        os.close(null)
        if sys.path and sys.path[0] in ("", os.getcwd()):  # as ipykernel_launcher; the kernel adds "" back
            del sys.path[0]
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"], JPY_PARENT_PID=str(os.getppid()))
        # the parent ipykernel watches (it ends when the template does), read from the environment
        # when ipykernel was imported, in the template
        sys.argv = ["ipykernel_launcher", *request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else int(end.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # not the interpreter's teardown of the preloaded stack (≈ 0.1–0.2 s at a batch's end)
