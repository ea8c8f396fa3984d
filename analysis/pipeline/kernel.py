"""Executing a notebook: a warm Python kernel kept alive across reports (:class:`WarmKernel`)
and papermill run on it (:func:`execute`), failures reported in one line.
"""

from __future__ import annotations

from pathlib import Path

from . import notebooks
from .errors import RenderError, first_line, scrub

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


#: Report kernels log errors only and keep no input history: IPython's history thread writes
#: every cell to an SQLite file, a tenth of a kernel's time in a batch, for a record nobody reads.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]


class WarmKernel:
    """A Python kernel kept alive across reports: imports (pandas, matplotlib …) are paid once
    per batch worker instead of once per report. It has one client, connected and waited for
    once when the kernel starts; before each report the user namespace is reset through it, and
    a kernel that died is replaced. Use an instance from one thread only (its client's sockets
    belong to that thread's event loop)."""

    def __init__(self):
        self.manager = None
        self.client = None

    def launch(self) -> None:
        """Start the kernel process (replacing a dead one), if not done yet, without waiting for
        it: it boots (about 1 s) while the caller does other work."""
        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.alive():
            return
        self.close()
        _register_warm_engine()
        self.manager = AsyncKernelManager(kernel_name="python3")
        run_sync(self.manager.start_kernel)(cwd=str(notebooks.NOTEBOOK_DIR), extra_arguments=KERNEL_ARGUMENTS)

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
        asynchronous manager, so that nbclient notices within a second when the kernel dies."""
        from jupyter_core.utils import run_sync

        self.start()
        reply = run_sync(self.client.execute_interactive)(RESET_CODE, timeout=60, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"resetting the kernel failed: {reply['content'].get('evalue')}")
        return self.manager

    def alive(self) -> bool:
        """Whether the kernel process is running."""
        from jupyter_core.utils import run_sync

        return self.manager is not None and run_sync(self.manager.is_alive)()

    def close(self) -> None:
        """Disconnect the client and shut the kernel down."""
        from jupyter_core.utils import run_sync

        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.alive():
            run_sync(self.manager.shutdown_kernel)(now=True)


def execute(name: str, parameters: dict, output: Path, kernel: WarmKernel):
    """Run the notebook with papermill into ``output`` in ``kernel`` (its namespace is reset
    first); a failing cell, a dead kernel or a timeout raises RenderError."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        manager = kernel.ready()
        notebook = papermill.execute_notebook(
            str(notebooks.notebook_path(name)),
            str(output),
            parameters=parameters,
            # no cwd: papermill would chdir this whole process (batch workers are threads and
            # restored each other's directory); the kernel already runs in the notebooks folder
            progress_bar=False,
            engine_name=WARM_ENGINE,
            kernel_name="python3",
            km=manager,
            kc=kernel.client,
            request_save_on_cell_execute=False,
        )
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
        died = not kernel.alive()
        kernel.close()
        reason = (
            "died while running the notebook (killed, or out of memory)"
            if died
            else f"failed ({type(err).__name__}: {scrub(first_line(err))})"
        )
        raise RenderError(f"{name}: the notebook's kernel {reason}") from None
    # provenance without this machine's paths: the notebook and output names, the parameters
    notebook.metadata.papermill.update(input_path=f"notebooks/{name}.ipynb", output_path=f"{name}.ipynb")
    nbformat.write(notebook, str(output))
    return notebook
