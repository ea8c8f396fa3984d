"""Time incremental rebuilds of the default batch, in one run, beside a full render and the naive
pipeline.

Each repeat, in a fresh temporary reports folder (HTML + PDF + JSON, ``--jobs 2``):

1. full: ``python -m analysis render --scenarios FILE`` into the empty folder (every report
   rendered: what every ``make reports`` cost before incremental rebuilds);
2. no-op: the same command again, nothing changed — it must say "N up to date, 0 rendered" and
   leave every report file as it was (same bytes, same mtime), else the benchmark stops;
3. one-scenario change: the scenario file rewritten with one parameter of one scenario changed
   (``ONE_CHANGE``) — it must say "N-1 up to date, 1 rendered" (the file is a copy in the
   temporary folder, the same path throughout: a report prints its scenario file's name, so
   another file would change every report);
4. ``--force``: every report rendered again into the existing folder;
5. the naive pipeline over the same scenarios (papermill CLI, ``jupyter nbconvert``, Chromium per
   report, as ``benchmarks/regenerate.py``), with the JupyterLab venv's tools when ``.venv-lab``
   exists (``make lab``), else with the lean venv's: it has no incremental mode, so a no-op or a
   one-scenario change costs it a full run.

The figures are medians of ``--repeats`` (default 1: a full run is ≈ 20–40 s ours and ≈ 150 s
naive); every measurement once per repeat, in the order above.

Usage: .venv/bin/python benchmarks/incremental.py [--repeats N] [--no-naive] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from regenerate import BIN, LAB_BIN, PROJECT, naive_batch  # noqa: E402

from analysis.pipeline.scenarios import load_scenarios  # noqa: E402

#: The one-scenario change: scenario name, parameter, new value (a valid value of that parameter).
ONE_CHANGE = ("deepseek-v3-on-h20", "mfu", 0.3)


def ours(scenario_file: Path, out: Path, *extra: str) -> tuple[float, str]:
    """Seconds and the last line of standard error of a batch render (a fresh process)."""
    command = [sys.executable, "-m", "analysis", "render", "--scenarios", str(scenario_file), "--jobs", "2"]
    start = time.perf_counter()
    done = subprocess.run([*command, "--out", str(out), *extra], capture_output=True, text=True, cwd=PROJECT)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return seconds, done.stderr.strip().splitlines()[-1]


def report_files(out: Path) -> dict:
    """Every file of every report folder under ``out`` (index files aside): mtime (ns) and bytes."""
    return {
        str(p.relative_to(out)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in out.rglob("*")
        if p.is_file() and p.parent != out
    }


def change_one(path: Path) -> None:
    """Rewrite the scenario file ``path`` with :data:`ONE_CHANGE` applied."""
    data = yaml.safe_load(path.read_text())
    name, parameter, value = ONE_CHANGE
    (entry,) = [e for e in data["scenarios"] if e["name"] == name]
    assert entry.get("parameters", {}).get(parameter) != value, "ONE_CHANGE changes nothing"
    entry.setdefault("parameters", {})[parameter] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def expect(line: str, start: str, what: str) -> None:
    if not line.startswith(start):
        sys.exit(f"{what}: expected '{start} ...', got: {line}")


def one_repeat(scenario_file: Path, n: int, naive_bin: Path | None) -> dict[str, float]:
    """Seconds of each measurement of one repeat (see the module docstring)."""
    times = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out, copy = Path(tmp) / "reports", Path(tmp) / "scenarios.yaml"
        shutil.copyfile(scenario_file, copy)
        times["full"], line = ours(copy, out)
        expect(line, f"0 up to date, {n} rendered", "full")
        before = report_files(out)
        times["noop"], line = ours(copy, out)
        expect(line, f"{n} up to date, 0 rendered", "no-op")
        if report_files(out) != before:
            sys.exit("no-op: a report file was rewritten")
        change_one(copy)
        times["one_change"], line = ours(copy, out)
        expect(line, f"{n - 1} up to date, 1 rendered", "one-scenario change")
        times["force"], line = ours(copy, out, "--force")
        expect(line, f"0 up to date, {n} rendered", "--force")
        if naive_bin is not None:
            times["naive"] = naive_batch(load_scenarios(scenario_file), Path(tmp) / "naive", naive_bin)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=str(PROJECT / "reports" / "scenarios.yaml"))
    parser.add_argument("--repeats", type=int, default=1, help="repeats (median of each measurement)")
    parser.add_argument("--no-naive", action="store_true", help="without the naive pipeline")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = parser.parse_args()
    scenario_file = Path(args.scenarios).resolve()
    n = len(load_scenarios(scenario_file))
    lab = (LAB_BIN / "papermill").exists()
    naive_bin = None if args.no_naive else LAB_BIN if lab else BIN
    samples: dict[str, list[float]] = {}
    for r in range(max(1, args.repeats)):
        print(
            f"repeat {r + 1}/{args.repeats}: full, no-op, one change, --force, naive ...", file=sys.stderr, flush=True
        )
        for key, seconds in one_repeat(scenario_file, n, naive_bin).items():
            samples.setdefault(key, []).append(seconds)
    med = {key: statistics.median(values) for key, values in samples.items()}
    naive_label = "JupyterLab venv tools" if lab else "lean venv tools"
    labels = {
        "full": f"full render, {n} reports (empty folder)",
        "noop": "no-op rebuild (nothing changed)",
        "one_change": f"one-scenario change ({ONE_CHANGE[0]}: {ONE_CHANGE[1]} = {ONE_CHANGE[2]})",
        "force": f"--force, {n} reports over the existing set",
        "naive": f"naive pipeline, {naive_label}, {n} reports",
    }
    print(f"medians of {args.repeats} repeat(s); {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f} at the end")
    for key, seconds in med.items():
        share = f"{seconds / med['full']:6.1%} of full" if key != "full" else ""
        print(f"  {labels[key]:<58} {seconds:7.2f} s  {share}  [{', '.join(f'{s:.1f}' for s in samples[key])}]")
    if "naive" in med:
        for key in ("full", "noop", "one_change"):
            print(f"  naive / {key}: {med['naive'] / med[key]:.1f}x")
    if args.json:
        results = {"date": datetime.date.today().isoformat(), "reports": n, "naive_tools": naive_label}
        results |= {"samples_s": samples, "median_s": {k: round(v, 3) for k, v in med.items()}}
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
