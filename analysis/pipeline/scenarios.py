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

import os
import queue
import re
import stat
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..assembly.params import ParameterError
from . import gallery
from .errors import RenderError, first_line, scrub
from .kernel import WarmKernel
from .notebooks import check_parameters, notebook_names, notebook_path, short
from .pdf import Browser, Printer
from .render import FORMATS, REPORTS_DIR, check_out_dir, described, prepare, up_to_date
from .workspace import Workspace

#: Bounds on a scenario file, checked before it is built into Python objects: size in bytes,
#: nesting depth, and nodes after every alias is expanded (a "billion laughs" file is refused).
MAX_BYTES = 1 << 20
MAX_DEPTH = 20
MAX_NODES = 100_000
KEYS = ("name", "notebook", "parameters", "title")
TOP_KEYS = ("scenarios", "compare")
SLUG = re.compile(r"[a-z0-9][a-z0-9\-]{0,63}")


class ScenarioError(ValueError):
    """A scenario file is unreadable or malformed as a whole; the one-line message says where."""


@dataclass(frozen=True)
class Scenario:
    name: str
    notebook: str
    parameters: dict = field(default_factory=dict)
    title: str = ""
    problem: str = ""  # why this entry cannot render (it becomes a failed row of the batch)
    source: str = ""  # the scenario file, as the index names it (gallery.source_label)


@dataclass
class Outcome:
    scenario: Scenario
    ok: bool
    message: str
    seconds: float
    skipped: bool = False  # up to date on disk: nothing was rendered or rewritten


class StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, stricter where a silent reading would mislead: a key given twice in a
    mapping is an error (not the last one winning), and numbers in exponent form without a dot
    (``5e8``, ``6.7e9``, as YAML 1.2 and Python read them) are numbers, not text (YAML 1.1)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def read_yaml(path: Path):
    """The YAML document of ``path``, refused (ScenarioError) when it is unreadable, larger than
    :data:`MAX_BYTES`, not UTF-8 text, malformed, nested deeper than :data:`MAX_DEPTH` or larger
    than :data:`MAX_NODES` nodes with its aliases expanded."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device would block or never end
            raise ScenarioError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read ({err.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_BYTES // 1024} KiB; a scenario or parameters file is short")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(f"{path}: line {line} is not UTF-8 text (byte {raw[err.start]:#04x})") from None
    try:
        _check_bounds(path, text)
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or first_line(err)
        raise ScenarioError(f"{path}:{where} is not valid YAML ({problem})") from None
    except ValueError as err:  # e.g. an integer beyond Python's digit limit
        raise ScenarioError(f"{path}: {first_line(err)}") from None


def _check_bounds(path: Path, text: str) -> None:
    """Walk the YAML events (no objects built) counting depth and nodes, an alias counting as
    the nodes it stands for; a self-referring alias is refused."""
    sizes, open_anchors, anchors = [0], [], {}
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.CollectionStartEvent):
            sizes.append(1)
            open_anchors.append(event.anchor)
            if len(sizes) - 1 > MAX_DEPTH:
                raise ScenarioError(f"{path}: line {line} is nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = sizes.pop(), open_anchors.pop()
            sizes[-1] += size
            if anchor:
                anchors[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            sizes[-1] += 1
            if event.anchor:
                anchors[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise ScenarioError(f"{path}: line {line}: alias *{event.anchor} refers to itself")
            sizes[-1] += anchors.get(event.anchor, 1)
        if sum(sizes) > MAX_NODES:
            raise ScenarioError(
                f"{path}: line {line}: more than {MAX_NODES:,} values once aliases "
                "are expanded; a scenario or parameters file is short"
            )


def load_scenarios(path: Path | str) -> list[Scenario]:
    """The scenarios of a YAML file. The file as a whole must be readable, bounded YAML with a
    ``scenarios:`` list (else ScenarioError); an entry that is malformed (shape, name, unknown
    notebook, parameter names) is returned with its ``problem`` so that the batch reports it as a
    failed row and renders the others."""
    return scenarios_of(Path(path), read_yaml(Path(path)))


def scenarios_of(path: Path, data) -> list[Scenario]:
    """The scenarios of the YAML document ``data`` of file ``path`` (see :func:`load_scenarios`)."""
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list) or not data["scenarios"]:
        raise ScenarioError(f"{path}: expected a top-level 'scenarios:' list with at least one entry")
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
    if unknown:
        raise ScenarioError(f"{path}: unknown top-level key(s) {', '.join(unknown)}; allowed: {', '.join(TOP_KEYS)}")
    seen: set[str] = set()
    label = gallery.source_label(path)
    return [replace(_entry(i, entry, seen), source=label) for i, entry in enumerate(data["scenarios"], start=1)]


def _entry(i: int, entry, seen: set[str]) -> Scenario:
    """Scenario ``i`` of a file, with its problem if it is malformed (names in ``seen`` are taken)."""
    if not isinstance(entry, dict):
        return Scenario(f"scenario {i}", "", problem=f"scenario {i} is not a mapping with name, notebook, parameters")
    name, notebook = entry.get("name"), entry.get("notebook")
    parameters = entry.get("parameters") or {}
    title = entry.get("title")
    problem = _entry_problem(i, entry, name, notebook, parameters, seen)
    if not problem:
        seen.add(name)
    usable = isinstance(name, str) and SLUG.fullmatch(name) and (not problem or name not in seen)
    return Scenario(
        name if usable else f"scenario {i}",
        notebook if isinstance(notebook, str) else "",
        parameters if isinstance(parameters, dict) else {},
        "" if title is None else str(title),
        problem,
    )


def _entry_problem(i, entry, name, notebook, parameters, seen) -> str:
    """Why entry ``i`` cannot render, in one line; empty when it is well-formed."""
    unknown = sorted(str(k) for k in entry if k not in KEYS)
    if unknown:
        return f"scenario {i} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}"
    if not isinstance(name, str) or not SLUG.fullmatch(name):
        return f"scenario {i} name {short(name)} must be a lowercase slug (a-z, 0-9, '-'; at most 64)"
    if name in seen:
        return f"scenario {i}: duplicate scenario name {name!r}"
    if not isinstance(parameters, dict):
        return f"scenario {name!r}: parameters must be a mapping of name: value"
    bad_keys = [k for k in parameters if not isinstance(k, str)]
    if bad_keys:
        return f"scenario {name!r}: parameter name {short(bad_keys[0])} is not text"
    try:
        notebook_path(notebook if isinstance(notebook, str) else short(notebook))
    except ParameterError as err:
        return f"scenario {name!r}: {err}"
    return ""


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
) -> list[Outcome]:
    """Render every scenario into ``out_root/<name>/``, printing one progress line per scenario
    to ``log`` (standard error by default); a report still running after ``deadline`` seconds
    (default :func:`~analysis.pipeline.kernel.deadline_s`) fails and its kernel is restarted.
    Every scenario is checked first; those refused become failed outcomes, those whose report is
    up to date skipped ones (none with ``force``), and kernels and browsers start only for the
    others (:func:`workers_for` workers, ``printer``'s browser or their own). Returns the outcomes in scenario order."""
    out_root = Path(out_root)
    log = log or sys.stderr
    outcomes = [_precheck(scenario, out_root, formats, force) for scenario in scenarios]
    todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
    for done, outcome in enumerate((o for o in outcomes if o is not None), start=1):
        _report(outcome, done, len(scenarios), log)
    if todo:
        with Workspace(tempfile.gettempdir(), "compute-parity-batch.") as run_dir:
            _render_all(scenarios, todo, outcomes, out_root, jobs, formats, run_dir.path, log, deadline, printer)
    return [o for o in outcomes if o is not None]


def _report(outcome: Outcome, done: int, total: int, log) -> None:
    """One progress line."""
    status = "ok" if outcome.ok else f"FAILED: {outcome.message}"
    took = "up to date" if outcome.skipped else f"{outcome.seconds:.1f} s {status}"
    print(
        f"[{done}/{total}] {outcome.scenario.name} ({outcome.scenario.notebook or '?'}) {took}",
        file=log,
        flush=True,
    )


def _render_all(scenarios, todo, outcomes, out_root, jobs, formats, run_dir, log, deadline=None, printer=None) -> None:
    """Render ``scenarios[i]`` for i in ``todo`` with :func:`workers_for` ``jobs`` threads, filling
    ``outcomes[i]`` and printing progress as reports finish. Each worker owns one warm kernel for
    the whole batch (a kernel's client belongs to the thread that made it) and takes the next
    scenario from a shared queue; the workers share one Chromium (profile in ``run_dir``), which
    boots while their kernels start — a Chromium start costs about 3 CPU-seconds, a second one
    more than the pages gain from printing in parallel on two cores. On Ctrl-C the reports in
    progress finish and no other starts."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for index in todo:
        pending.put(index)
    finished: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    browser = (printer.browser() if printer else Browser(run_dir)) if "pdf" in formats else None
    threads = [
        threading.Thread(
            target=_worker,
            name=f"render-{n}",
            args=(scenarios, pending, finished, stop, out_root, formats, browser, run_dir, deadline),
        )
        for n in range(workers_for(jobs, len(todo)))
    ]
    for thread in threads:
        thread.start()
    try:
        for done in range(len(scenarios) - len(todo) + 1, len(scenarios) + 1):
            item = _next(finished)
            if isinstance(item, BaseException):  # e.g. Chromium missing, a full disk
                raise item
            index, outcome = item
            outcomes[index] = outcome
            _report(outcome, done, len(scenarios), log)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        if browser is not None and printer is None:  # else the printer's: its owner closes it
            browser.close()


def _next(finished: queue.SimpleQueue):
    """The next item of ``finished``, waiting in short steps: a Ctrl-C that the kernel delivers
    to a worker thread reaches the main thread's handler only when it wakes up."""
    while True:
        try:
            return finished.get(timeout=0.2)
        except queue.Empty:
            continue


def _worker(scenarios, pending, finished, stop, out_root, formats, browser, run_dir, deadline) -> None:
    """One batch worker: render scenarios taken from ``pending`` until it is empty or ``stop`` is
    set, printing with ``browser`` (shared by the workers; None without PDFs), and put
    ``(index, Outcome)`` — or an unexpected exception, then stop — on ``finished``. A report's
    PDF is printed and its files swapped in by the worker's printing thread while the kernel
    already runs the next report (at most one report waits for printing). The kernel's connection
    file lives in the batch's folder ``run_dir``; a report may run ``deadline`` seconds."""
    kernel = WarmKernel(run_dir, deadline)
    own_folder = tuple(notebook_names())
    printing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="print")
    waiting = None  # (index, start time, future) of the report being printed

    def settle() -> None:
        index, start, future = waiting
        try:
            future.result()
            outcome = Outcome(scenarios[index], True, "ok", time.perf_counter() - start)
        except RenderError as err:
            outcome = Outcome(scenarios[index], False, str(err), time.perf_counter() - start)
        finished.put((index, outcome))

    try:
        while not stop.is_set():
            try:
                index = pending.get_nowait()
            except queue.Empty:
                break
            scenario, start = scenarios[index], time.perf_counter()
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
