"""The comparisons asked for (each written by :mod:`.compare`): on the command line
(``python -m analysis compare A B``) and in a scenario file (``compare: [[a, b], ...]``: pairs of
its scenarios, each compared into ``compare-a-vs-b/`` beside them once the batch has rendered).

The ``compare`` key as a whole must be a list (else the file is refused, like a file without a
``scenarios:`` list); a pair that is malformed, names a scenario the file lacks or two of
different notebooks becomes a failed comparison with its reason, and the others go on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ..assembly.params import ParameterError
from . import compare
from .fingerprint import SIDECAR
from .notebooks import short
from .scenarios import Outcome, Scenario, ScenarioError, read_yaml, scenarios_of


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    name: str  # the comparison's folder: compare-a-vs-b
    problem: str = ""  # why it cannot be compared (it becomes a failed comparison)


def load_batch(path: Path | str) -> tuple[list[Scenario], list[Pair]]:
    """The scenarios of a scenario file (see :func:`.scenarios.load_scenarios`) and its pairs."""
    path = Path(path)
    data = read_yaml(path)
    scenarios = scenarios_of(path, data)
    return scenarios, pairs_of(path, data.get("compare"), scenarios)


def pairs_of(path: Path, raw, scenarios: list[Scenario]) -> list[Pair]:
    """The pairs of a file's ``compare`` value ``raw`` (None: none); ScenarioError if it is not a
    list; each malformed pair with its ``problem``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ScenarioError(f"{path}: 'compare' must be a list of pairs of scenario names, e.g. [[a, b]]")
    notebooks = {s.name: s.notebook for s in scenarios if not s.problem}
    pairs: list[Pair] = []
    for i, entry in enumerate(raw, start=1):
        ok = isinstance(entry, list) and len(entry) == 2 and all(isinstance(n, str) for n in entry)
        a, b = entry if ok else (f"comparison {i}", "?")
        pair = Pair(a, b, compare.folder_name(a, b) if ok else f"comparison-{i}")
        problem = _problem(i, pair, notebooks, pairs) if ok else f"comparison {i}: {short(entry)} is not a pair [a, b]"
        pairs.append(Pair(pair.a, pair.b, pair.name, problem))
    return pairs


def _problem(i: int, pair: Pair, notebooks: dict, earlier: list[Pair]) -> str:
    """Why pair ``i`` cannot be compared, in one line, or ''."""
    missing = [n for n in (pair.a, pair.b) if n not in notebooks]
    if missing:
        return f"comparison {i}: no scenario named {missing[0]!r} in this file (or it is malformed)"
    if pair.a == pair.b:
        return f"comparison {i}: {pair.a!r} compared with itself"
    if notebooks[pair.a] != notebooks[pair.b]:
        return (
            f"comparison {i}: {pair.a} is a {notebooks[pair.a]} report and {pair.b} a {notebooks[pair.b]} "
            "report; only two reports of one notebook compare"
        )
    if pair.name in notebooks or any(p.name == pair.name for p in earlier):
        return f"comparison {i}: its folder {pair.name} is taken by a scenario or an earlier pair"
    return ""


def compare_batch(
    pairs: list[Pair], outcomes: list[Outcome], out_root: Path, formats, log=None, printer=None, done=None
) -> list[dict]:
    """Compare each pair of a rendered batch into ``out_root/compare-a-vs-b/`` (one Chromium for
    all: ``printer``'s, a :class:`~.pdf.Printer` the batch's reports printed with, else one started
    here), printing a progress line each to ``log``; a pair whose scenario failed fails too. Pairs
    in ``done`` (name → entry: compared already, by an :class:`Early` while the batch rendered)
    are not compared again. Returns the comparisons as the index records them (name, notebook, a,
    b, ok, message, source), in the pairs' order."""
    from .pdf import Printer

    done = done or {}
    rendered = {o.scenario.name: o for o in outcomes}
    own_printer = printer is None
    printer = printer or Printer()
    try:
        return [
            done.get(pair.name) or _compare_one(n, len(pairs), pair, rendered, out_root, formats, printer, log)
            for n, pair in enumerate(pairs, start=1)
        ]
    finally:
        if own_printer:
            printer.close()


class Early:
    """Compares a batch's pairs while its last reports render: :meth:`add` each rendered report's
    outcome (:func:`.scenarios.render_batch`'s ``on_outcome``); once both reports of a pair have
    rendered, the pair is compared (with ``printer``'s Chromium, shared with the reports) and its
    entry kept in :attr:`done` for :func:`compare_batch`. Pairs with a problem, or a report that
    was up to date, are left to it."""

    def __init__(self, pairs: list[Pair], out_root: Path, formats, printer, log=None):
        self.pairs, self.out_root, self.formats, self.printer, self.log = pairs, out_root, formats, printer, log
        self.rendered: dict[str, Outcome] = {}
        self.done: dict[str, dict] = {}

    def add(self, outcome: Outcome) -> None:
        """Record ``outcome``; compare each pair it completes."""
        self.rendered[outcome.scenario.name] = outcome
        for n, pair in enumerate(self.pairs, start=1):
            ready = not pair.problem and pair.name not in self.done
            if ready and pair.a in self.rendered and pair.b in self.rendered:
                args = (self.rendered, self.out_root, self.formats, self.printer, self.log)
                self.done[pair.name] = _compare_one(n, len(self.pairs), pair, *args)


def _compare_one(n: int, total: int, pair: Pair, rendered: dict, out_root: Path, formats, printer, log) -> dict:
    """Compare pair number ``n`` of ``total`` (see :func:`compare_batch`), printing its progress
    line to ``log`` (standard error by default); its index entry."""
    from .pdf import PdfError

    message = pair.problem or next(
        (f"scenario {s} did not render" for s in (pair.a, pair.b) if not getattr(rendered.get(s), "ok", 0)), ""
    )
    notebook = getattr(getattr(rendered.get(pair.a), "scenario", None), "notebook", "")
    current = not message and _up_to_date(pair, rendered, out_root, formats)
    if not message and not current:
        try:
            a, b = (compare.read_report(out_root / s) for s in (pair.a, pair.b))
            out = compare.check_out(out_root / pair.name)
            compare.write(a, b, out, formats, browser=printer.browser() if "pdf" in formats else None)
        except (ParameterError, PdfError, OSError) as err:
            message = str(err)
    status = "up to date" if current else "ok" if not message else f"FAILED: {message}"
    print(f"[compare {n}/{total}] {pair.name} {status}", file=log or sys.stderr, flush=True)
    entry = {"name": pair.name, "notebook": notebook, "a": pair.a, "b": pair.b, "source": "scenario"}
    return entry | {"ok": not message, "message": message}


def _up_to_date(pair: Pair, rendered: dict, out_root: Path, formats) -> bool:
    """Whether the comparison of ``pair`` in ``out_root`` needs no new writing: both its reports
    were skipped as up to date (their inputs, this package's source included, are unchanged:
    :mod:`.fingerprint`) and its files for ``formats`` are there, written after both reports."""
    if not all(getattr(rendered.get(s), "skipped", False) for s in (pair.a, pair.b)):
        return False
    try:
        written = min((out_root / pair.name / f"compare.{f}").stat().st_mtime_ns for f in ("json", *formats))
        reports = max((out_root / s / SIDECAR).stat().st_mtime_ns for s in (pair.a, pair.b))
    except OSError:
        return False
    return written >= reports


# ---------------------------------------------------------------- the command line


def add_parser(commands) -> None:
    """The ``compare`` subcommand's arguments (``commands``: the CLI's subparsers)."""
    sub = commands.add_parser(
        "compare",
        help="two rendered reports of one notebook side by side (parameters, key figures, figures)",
        description="Two rendered reports of one notebook side by side: parameters and inputs, every key "
        "figure of both with the difference and ratio, and the figures of both (HTML and PDF).",
    )
    sub.add_argument("a", metavar="A", help="a rendered report folder (or a file in it), e.g. reports/deepseek-v3")
    sub.add_argument("b", metavar="B", help="the report to set beside A (same notebook)")
    sub.add_argument("--out", help="output folder, replaced whole (default: reports/compare-A-vs-B, in the index)")
    sub.add_argument("--to", default="html,pdf", help="formats besides json: html,pdf")


def run(args) -> int:
    """The ``compare`` command: reports ``args.a`` and ``args.b`` side by side in ``args.out``
    (default ``reports/compare-A-vs-B``, which then joins the index). Exit status: 0 written,
    1 printing or writing failed; bad input raises (CompareError, ParameterError: status 2)."""
    from . import gallery
    from .pdf import PdfError
    from .render import FORMATS, REPORTS_DIR

    formats = tuple(f.strip() for f in args.to.split(",") if f.strip())
    if not formats or set(formats) - set(FORMATS):
        raise compare.CompareError(f"--to {args.to!r}: allowed: {', '.join(FORMATS)} (one or both)")
    a, b = compare.read_report(args.a), compare.read_report(args.b)
    if compare.pair_problem(a, b):
        raise compare.CompareError(compare.pair_problem(a, b))
    name = compare.folder_name(a.name, b.name)
    out = compare.check_out(Path(args.out) if args.out else REPORTS_DIR / name)
    try:
        written = compare.write(a, b, out, formats)
    except (PdfError, OSError) as err:
        print(f"error: the comparison could not be written into {out}: {err}", file=sys.stderr)
        return 1
    print("\n".join(str(path) for path in written.values()))
    if not args.out:
        entry = {"name": name, "notebook": a.notebook, "a": a.name, "b": b.name, "ok": True, "message": ""}
        index = gallery.update(REPORTS_DIR, [], comparisons=[entry | {"source": gallery.COMMAND_LINE}])
        print(f"index: {index}", file=sys.stderr)
    return 0
