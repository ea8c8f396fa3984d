"""What a scenario batch starts before the command line's own imports (issue 24): the template of
its report kernels (:class:`~.ipykernel_template.Template`). Its imports (ipykernel, pandas,
matplotlib, the report modules: ≈ 1.4 CPU-s) then run on the other core while this process imports
the command line (pandas, papermill: ≈ 0.7 s) and checks the first scenarios, instead of after the
first check (1.3 s into a batch on a quiet machine, the kernels forked at 2.7 s). Only the standard
library is imported here.

A batch's process also ends without the interpreter's teardown (:func:`end`).

The command line is read loosely, as a hint (``render --scenarios FILE``, ``--jobs``, ``--out``,
``--force``; the notebooks and scenario names found in FILE's text): the batch checks everything
later, takes this template if it forks kernels for the same notebooks (:func:`take`) and makes its
own otherwise. None is started for fewer than two workers, or when every report of the file has
a fingerprint newer than every source (``analysis/``, ``data/``, ``notebooks/``, ``CITATION.cff``
and FILE): a rebuild with nothing changed usually renders nothing. A template that is not taken
(nothing to render, one worker, a refused command line) is killed when this process ends.
"""

from __future__ import annotations

import atexit
import os
import re
import stat
import sys
import threading
from pathlib import Path

from .. import PROJECT_DIR
from .ipykernel_template import Template

#: A report folder's fingerprint file (:data:`.fingerprint.SIDECAR`) and the default output folder
#: of a batch (:data:`.render.REPORTS_DIR`), named here without the pandas those modules import.
SIDECAR = ".fingerprint"
REPORTS = PROJECT_DIR / "reports"
#: What a report depends on besides its parameters (:mod:`.fingerprint`), by modification time.
SOURCES = ("analysis", "data", "notebooks", "CITATION.cff")
#: Scenario files read for the hint: at most this many bytes (as :data:`.scenario_file.MAX_BYTES`).
MAX_BYTES = 1 << 20
NOTEBOOK = re.compile(r"\bnotebook\s*:\s*[\"']?([a-z_][a-z0-9_]*)")
NAME = re.compile(r"\bname\s*:\s*[\"']?([a-z0-9][a-z0-9\-]{0,63})")

_started: list[Template] = []


def start(argv: list[str]) -> None:
    """Start the kernel template of the batch ``python -m analysis ARGV`` now, if ARGV is a
    ``render --scenarios`` batch with two workers or more that will probably render a report."""
    hint = _hint(argv)
    if hint is None or _started:
        return
    template = Template(hint)
    template.start()
    _started.append(template)
    atexit.register(discard)


def take(notebooks) -> Template:
    """The template for a batch of ``notebooks``: the one :func:`start` started if it preloads
    the same modules, else a new one (not started: its first fork starts it)."""
    fresh = Template(notebooks)
    if _started and _started[0].modules == fresh.modules:
        return _started.pop()
    discard()
    return fresh


def discard() -> None:
    """Kill the template :func:`start` started, if no batch took it (it forked no kernel)."""
    while _started:
        template = _started.pop()
        if template.process is not None:
            template.process.kill()
        template.close()


def is_batch(argv: list[str]) -> bool:
    """Whether ``python -m analysis ARGV`` asks for a scenario batch (``render --scenarios``)."""
    return argv[:1] == ["render"] and any(a.startswith("--scenarios") for a in argv)


def end(code: int) -> None:
    """End a batch's process with exit status ``code`` once its command has returned (every file
    written, every kernel, template and Chromium stopped): the exit handlers run and the output is
    flushed, as at a normal exit, but the interpreter does not tear down what it imported and made
    (pandas, papermill, nbconvert, the reports' notebooks: ≈ 0.2 CPU-s on one core at the batch's
    very end). Threads still running are waited for first, as at a normal exit."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said there
            pass
    os._exit(code)


def _hint(argv: list[str]) -> list[str] | None:
    """The notebooks of the batch ARGV (as its file's text names them), or None: not a batch, one
    worker, an unreadable file, or (without ``--force``) probably nothing to render."""
    if not is_batch(argv):
        return None  # not a batch: a single render asks the render service at once
    import argparse

    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    for option in ("--scenarios", "--out", "--jobs"):
        parser.add_argument(option)
    parser.add_argument("--force", action="store_true")
    try:
        args, _ = parser.parse_known_args(argv[1:])
        jobs, path = int(args.jobs or 2), Path(args.scenarios or "")
        found = path.stat()  # a regular file of a scenario file's size only: a pipe would hold us here
        regular = stat.S_ISREG(found.st_mode) and found.st_size <= MAX_BYTES
        text = path.read_text(encoding="utf-8") if regular else ""
    except (argparse.ArgumentError, OSError, ValueError):
        return None
    names = NAME.findall(text)
    if min(jobs, len(names), len(os.sched_getaffinity(0))) < 2:
        return None
    out = Path(args.out) if args.out else REPORTS
    if not args.force and _current(names, out, path):
        return None
    return sorted(set(NOTEBOOK.findall(text)))


def _current(names: list[str], out: Path, scenario_file: Path) -> bool:
    """Whether every report ``names`` in ``out`` has a fingerprint newer than every source."""
    try:
        recorded = min((out / name / SIDECAR).stat().st_mtime_ns for name in names)
        sources = [scenario_file.stat().st_mtime_ns]
    except OSError:  # a report never rendered (or removed)
        return False
    for name in SOURCES:
        sources += [p.stat().st_mtime_ns for p in _files(PROJECT_DIR / name)]
    return max(sources) < recorded


def _files(path: Path) -> list[Path]:
    """``path`` if it is a file, else every file under it but Python caches and hidden files (as
    :func:`.fingerprint._files`)."""
    if path.is_file():
        return [path]
    return [
        Path(folder, f)
        for folder, _, files in os.walk(path)
        if "__pycache__" not in Path(folder).parts
        for f in files
        if not f.startswith(".")
    ]
