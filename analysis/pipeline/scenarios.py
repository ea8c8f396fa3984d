"""Scenario files (named parameter sets for the report notebooks) and batch rendering.

A scenario file is YAML::

    scenarios:
      - name: deepseek-v3            # lowercase slug; the output folder reports/<name>/
        notebook: training_run       # a notebook of notebooks/
        title: DeepSeek-V3 as disclosed   # optional, shown on the index page
        parameters: {model: deepseek-v3}  # optional overrides of the notebook's defaults
    compare: [[deepseek-v3, deepseek-v3-on-h20]]   # optional pairs to compare (see .compare)

A batch renders every scenario with ``jobs`` workers, each keeping one warm kernel, and one
shared Chromium; a failing scenario is reported and the others go on.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..assembly.params import ParameterError
from . import early, gallery
from .errors import RenderError, scrub
from .kernel import WarmKernel
from .notebooks import check_parameters, notebook_names
from .pdf import Browser, Printer
from .render import FORMATS, REPORTS_DIR, check_out_dir, described, prepare, up_to_date

# reading a scenario file is .scenario_file's; its names are this module's too, as before
from .scenario_file import Scenario, ScenarioError, load_scenarios, read_yaml, scenarios_of  # noqa: F401
from .workspace import Workspace


@dataclass
class Outcome:
    scenario: Scenario
    ok: bool
    message: str
    seconds: float
    skipped: bool = False  # up to date on disk: nothing was rendered or rewritten


def _precheck(scenario: Scenario, out_root: Path, formats: tuple[str, ...], force: bool) -> Outcome | None:
    """None to render ``scenario``, or its Outcome: refused, or skipped as up to date (not ``force``)."""
    if scenario.problem:
        return Outcome(scenario, False, scenario.problem, 0.0)
    try:
        parameters = check_parameters(scenario.notebook, scenario.parameters)
        out_dir = check_out_dir(out_root / scenario.name, notebook_names())
    except ParameterError as err:
        return Outcome(scenario, False, str(err), 0.0)
    current = not force and up_to_date(scenario.notebook, parameters, out_dir, formats, described(scenario))
    return Outcome(scenario, True, "up to date", 0.0, skipped=True) if current else None


def workers_for(jobs: int, scenarios: int) -> int:
    """Workers for a batch: ``jobs``, at most one per scenario and per CPU available."""
    return max(1, min(jobs, scenarios, len(os.sched_getaffinity(0))))


def render_batch(
    scenarios: list[Scenario],
    out_root: Path | str = REPORTS_DIR,
    jobs: int = 2,
    formats: tuple[str, ...] = FORMATS,
    log=None,
    deadline: float | None = None,
    force: bool = False,
    printer: Printer | None = None,
    on_outcome=None,
    on_done=None,
) -> list[Outcome]:
    """Render every scenario into ``out_root/<name>/``, printing one progress line per scenario
    to ``log`` (standard error by default); a report still running after ``deadline`` seconds
    (default :func:`~analysis.pipeline.kernel.deadline_s`) fails and its kernel is restarted.
    Every scenario is checked first; those refused become failed outcomes, those whose report is
    up to date skipped ones (none with ``force``). The browser (``printer``'s or its own) and the
    workers (:func:`workers_for`, each with its kernel) start as soon as a check finds a report
    to render, and boot while the other scenarios are checked; none start if none is to render.
    ``on_outcome(outcome)`` is called in this thread as each rendered report finishes (a batch
    compares its pairs there while the last reports render), ``on_done(outcomes)`` once every
    report is done, before the workers' kernels and their template are stopped (a batch compares
    the pairs left and starts stopping Chromium there, while they stop). Returns the outcomes in
    scenario order."""
    out_root = Path(out_root)
    log = log or sys.stderr
    outcomes: list[Outcome | None] = [None] * len(scenarios)
    with _Batch(scenarios, out_root, jobs, formats, deadline, printer) as batch:
        for index, scenario in enumerate(scenarios):
            outcomes[index] = _precheck(scenario, out_root, formats, force)
            if outcomes[index] is None:
                batch.add(index)
        batch.plan.close()
        for done, outcome in enumerate((o for o in outcomes if o is not None), start=1):
            _report(outcome, done, len(scenarios), log)
        for done in range(len(scenarios) - len(batch.todo) + 1, len(scenarios) + 1):
            index, outcome = batch.next_outcome()
            outcomes[index] = outcome
            _report(outcome, done, len(scenarios), log)
            if on_outcome is not None:
                on_outcome(outcome)
        if on_done is not None:
            on_done(outcomes)
    return outcomes


def _report(outcome: Outcome, done: int, total: int, log) -> None:
    """One progress line."""
    status = "ok" if outcome.ok else f"FAILED: {outcome.message}"
    took = "up to date" if outcome.skipped else f"{outcome.seconds:.1f} s {status}"
    print(
        f"[{done}/{total}] {outcome.scenario.name} ({outcome.scenario.notebook or '?'}) {took}",
        file=log,
        flush=True,
    )


class Plan:
    """The scenarios a batch has to render, in the file's order, handed to its workers as the
    checks find them (:meth:`add`) until :meth:`close`. (Measured, not adopted: the costliest
    notebooks first, each worker keeping to the notebooks its kernel had run — no fewer CPU-s and
    a later end in interleaved batches; benchmarks/README.md.)"""

    def __init__(self, scenarios: list[Scenario]):
        self.scenarios = scenarios
        self._pending: list[int] = []
        self._closed = False
        self._ready = threading.Condition()

    def add(self, index: int) -> None:
        """Plan ``scenarios[index]``."""
        with self._ready:
            self._pending.append(index)
            self._ready.notify()

    def close(self) -> None:
        """No more scenarios: workers end when none is left."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def take(self) -> int | None:
        """The index of the next scenario, waiting for one until :meth:`close`; None when none is left."""
        with self._ready:
            self._ready.wait_for(lambda: self._pending or self._closed)
            return self._pending.pop(0) if self._pending else None


class _Batch:
    """The workers of :func:`render_batch` and what they share: the :class:`Plan`, a queue of
    finished ``(index, Outcome)``, a stop flag, the batch's private folder and the browser. Each
    worker owns one warm kernel for the whole batch (a kernel's client belongs to the thread that
    made it); the workers share one Chromium — a Chromium start costs about 3 CPU-seconds, a second
    one more than the pages gain from printing in parallel on two cores. Leaving the ``with``
    block (Ctrl-C included) lets the reports in progress finish and starts no other."""

    def __init__(self, scenarios, out_root, jobs, formats, deadline, printer):
        self.scenarios, self.out_root, self.jobs, self.formats = scenarios, out_root, jobs, formats
        self.deadline, self.printer = deadline, printer
        self.plan, self.todo, self.threads = Plan(scenarios), [], []
        self.finished: queue.SimpleQueue = queue.SimpleQueue()
        self.stop = threading.Event()
        self.run_dir, self.browser, self.template = None, None, None

    def add(self, index: int) -> None:
        """Plan ``scenarios[index]``; start the browser with the first, and a worker while there are
        fewer than :func:`workers_for` the scenarios planned."""
        if self.run_dir is None:
            self.run_dir = Workspace(tempfile.gettempdir(), "compute-parity-batch.")
            if "pdf" in self.formats:
                self.browser = self.printer.browser() if self.printer else Browser(self.run_dir.path)
            if workers_for(self.jobs, len(self.scenarios)) > 1:  # kernels forked from one that imported once
                self.template = early.take({s.notebook for s in self.scenarios})  # started early, if it was
        self.todo.append(index)
        self.plan.add(index)
        if len(self.threads) < workers_for(self.jobs, len(self.todo)):
            args = (self.plan, self.finished, self.stop, self.out_root, self.formats)
            thread = threading.Thread(
                target=_worker,
                name=f"render-{len(self.threads)}",
                args=(*args, self.browser, self.run_dir.path, self.deadline, self.template),
            )
            self.threads.append(thread)
            thread.start()

    def next_outcome(self) -> tuple[int, Outcome]:
        """The next finished ``(index, Outcome)``; a worker's unexpected exception is raised."""
        item = _next(self.finished)
        if isinstance(item, BaseException):  # e.g. Chromium missing, a full disk
            raise item
        return item

    def __enter__(self) -> _Batch:
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.plan.close()
        try:
            for thread in self.threads:
                thread.join()
        finally:
            if self.browser is not None and self.printer is None:  # else the printer's: its owner closes it
                self.browser.close()
            if self.template is not None:
                self.template.close()
            if self.run_dir is not None:
                self.run_dir.close()


def _next(finished: queue.SimpleQueue):
    """The next item of ``finished``, waiting in short steps: a Ctrl-C that the kernel delivers
    to a worker thread reaches the main thread's handler only when it wakes up."""
    while True:
        try:
            return finished.get(timeout=0.2)
        except queue.Empty:
            continue


def _worker(plan, finished, stop, out_root, formats, browser, run_dir, deadline, template=None) -> None:
    """One batch worker: launch its kernel at once (it boots while the scenarios are
    checked), then render the scenarios ``plan`` gives it until none is left or ``stop`` is
    set, printing with ``browser`` (shared by the workers; None without PDFs), and put
    ``(index, Outcome)`` — or an unexpected exception, then stop — on ``finished``. A report's
    PDF is printed and its files swapped in by the worker's printing thread while the kernel
    already runs the next report (at most one report waits for printing). The kernel's connection
    file lives in the batch's folder ``run_dir``; a report may run ``deadline`` seconds; the kernel
    is forked from ``template`` (an :class:`~.ipykernel_template.Template`) if given."""
    kernel = WarmKernel(run_dir, deadline, template=template)
    own_folder = tuple(notebook_names())
    printing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="print")
    waiting = None  # (index, start time, future) of the report being printed

    def settle() -> None:
        index, start, future = waiting
        try:
            future.result()
            outcome = Outcome(plan.scenarios[index], True, "ok", time.perf_counter() - start)
        except RenderError as err:
            outcome = Outcome(plan.scenarios[index], False, str(err), time.perf_counter() - start)
        finished.put((index, outcome))

    try:
        with contextlib.suppress(Exception):  # a kernel that cannot start fails its report, which says why
            kernel.launch()  # not waited for: the first report's checks and set-up run meanwhile
        while not stop.is_set():
            index = plan.take()
            if index is None:
                break
            scenario, start = plan.scenarios[index], time.perf_counter()
            try:
                finish = prepare(
                    scenario.notebook,
                    scenario.parameters,
                    out_root / scenario.name,
                    formats,
                    kernel=kernel,
                    browser=browser,
                    own_folder=own_folder,
                    scenario=described(scenario),
                )
            except (ParameterError, RenderError) as err:
                finished.put((index, Outcome(scenario, False, str(err), time.perf_counter() - start)))
                continue
            if waiting:
                settle()
            waiting = (index, start, printing.submit(finish))
        if waiting:
            settle()
    except BaseException as err:  # handed to the main thread, which raises it
        finished.put(err)
    finally:
        printing.shutdown(wait=True)
        kernel.close()


def write_index(outcomes: list[Outcome], out_root=REPORTS_DIR, scenario_file=None, comparisons=None) -> Path:
    """``out_root/index.html``: the gallery of the batch's scenarios (those that failed with
    why), its ``comparisons`` (see :func:`.pairs.compare_batch`) and the single renders kept in
    ``out_root`` (see :mod:`analysis.pipeline.gallery`), naming ``scenario_file``. All text is
    escaped and holds no local paths; the page is written to a temporary file and renamed into
    place."""
    entries = [
        {
            "name": o.scenario.name,
            "notebook": o.scenario.notebook,
            "title": o.scenario.title,
            "parameters": {str(k): v for k, v in o.scenario.parameters.items()},
            "ok": o.ok,
            "message": "" if o.ok else scrub(o.message),
            "source": "scenario",
        }
        for o in outcomes
    ]
    label = gallery.source_label(scenario_file) or "a scenario list"
    return gallery.update(out_root, entries, batch_source=label, comparisons=comparisons or [])
