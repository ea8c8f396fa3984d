"""Time report regeneration with our CLI against the naive pipeline, in one run.

HTML + PDF (+ JSON for ours), against the pipeline a user would write by hand, same machine, same
run: medians of N repeats, interleaved (every measurement once per round, so slow drift in the
machine's load hits all of them alike).

Measured after an untimed warm-up (one single report each way, so that no measurement pays for
cold file caches); each step renders into a fresh temporary folder that is removed afterwards:

1. Default batch (``--scenarios``, default reports/scenarios.yaml): our CLI at ``--jobs 2`` and
   ``--jobs 1``; the naive pipeline with the JupyterLab venv's tools and with the lean venv's tools.
2. Steady state at ``--jobs 2``: the default scenarios repeated (``NAME-r2``, ``NAME-r3`` …) to at
   least 36 reports. Steady state = marginal cost per report = (T(big batch) - T(default batch)) /
   (extra reports), from the two medians; start-up (interpreter, kernels, Chromium) cancels out.
   The naive pipeline keeps nothing warm, so its steady state is its per-report cost in (1).
3. Cold single report: ``python -m analysis render training_run -p chip h20 --to html,pdf`` in a
   fresh process, against the naive pipeline for the same report.

Naive, per report, one after another: the papermill CLI, then ``jupyter nbconvert --to html
--no-input``, then Chromium printing that HTML to PDF (the cheapest PDF route a user has here: no
TeX and no Playwright browser download). The kernel is this project's with either tool set.

Usage: .venv/bin/python benchmarks/regenerate.py [--repeats 3] [--quick] [--json FILE]
                                                  [--scenarios reports/scenarios.yaml] [--only KEYS]
``--quick``: one repeat, without the JupyterLab-tools naive runs. ``--only KEY,KEY``: those
measurements only (keys as in the JSON, e.g. ``ours_jobs2,naive_lab`` for the default batch against
the naive JupyterLab-tools pipeline). The machine's load average (1 min) is recorded as each
measurement starts: the machine is shared. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from analysis.pipeline.notebooks import NOTEBOOK_DIR
from analysis.pipeline.pdf import CHROMIUM_FLAGS, chromium_binary
from analysis.pipeline.scenarios import load_scenarios

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LAB_BIN = PROJECT / ".venv-lab" / "bin"
BIG_BATCH = 36  # at least this many reports in the steady-state batch
SINGLE = ("training_run", ["-p", "chip", "h20"])  # the cold single report: notebook, parameters
# cold means cold: no warm render service takes the single reports (benchmarks/single.py times it)
os.environ["COMPUTE_PARITY_SERVICE"] = "off"


def run(command: list[str], **kwargs) -> None:
    """Run ``command``; on failure print its stderr's tail and stop the benchmark."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")


def timed(command: list[str], **kwargs) -> float:
    """Wall-clock seconds of ``command``."""
    start = time.perf_counter()
    run(command, **kwargs)
    return time.perf_counter() - start


def naive_report(notebook: str, parameter_args: list[str], folder: Path, bin_dir: Path) -> None:
    """One report the naive way: papermill CLI (with ``parameter_args``), nbconvert CLI (both from
    ``bin_dir``), Chromium."""
    folder.mkdir(parents=True)
    executed = folder / f"{notebook}.ipynb"
    run(
        [
            str(bin_dir / "papermill"),
            str(NOTEBOOK_DIR / f"{notebook}.ipynb"),
            str(executed),
            *parameter_args,
            "--cwd",
            str(NOTEBOOK_DIR),
        ]
    )
    run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
    with tempfile.TemporaryDirectory() as profile:
        run(
            [
                chromium_binary(),
                *CHROMIUM_FLAGS,
                "--no-pdf-header-footer",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={folder / (notebook + '.pdf')}",
                (folder / f"{notebook}.html").as_uri(),
            ]
        )


def naive_batch(scenarios, out: Path, bin_dir: Path) -> float:
    """Seconds for every scenario rendered the naive way (:func:`naive_report`), one by one."""
    start = time.perf_counter()
    for s in scenarios:
        naive_report(s.notebook, ["-y", json.dumps(s.parameters)], out / s.name, bin_dir)
    return time.perf_counter() - start


def naive_single(out: Path, bin_dir: Path) -> float:
    """Seconds for the single report rendered the naive way (papermill ``-p chip h20``)."""
    start = time.perf_counter()
    naive_report(*SINGLE, out / SINGLE[0], bin_dir)
    return time.perf_counter() - start


def ours_batch(scenario_file: Path, out: Path, jobs: int) -> float:
    """Seconds for ``python -m analysis render --scenarios FILE --jobs N`` (HTML, PDF, JSON, index),
    a fresh process: interpreter, kernel and Chromium start-up included."""
    return timed(
        [
            sys.executable,
            "-m",
            "analysis",
            "render",
            "--scenarios",
            str(scenario_file),
            "--jobs",
            str(jobs),
            "--out",
            str(out / "reports"),
        ],
        cwd=PROJECT,
    )


def ours_single(out: Path) -> float:
    """Seconds for ``python -m analysis render training_run -p chip h20 --to html,pdf --out DIR``,
    a fresh process (cold: its own interpreter, kernel and Chromium)."""
    return timed(
        [
            sys.executable,
            "-m",
            "analysis",
            "render",
            SINGLE[0],
            *SINGLE[1],
            "--to",
            "html,pdf",
            "--out",
            str(out / SINGLE[0]),
        ],
        cwd=PROJECT,
    )


def repeated_scenarios(scenarios, at_least: int, path: Path) -> int:
    """Write to ``path`` the ``scenarios`` repeated until there are ``at_least`` (copies k ≥ 2 named
    ``NAME-rk``); returns how many it holds."""
    copies = math.ceil(at_least / len(scenarios))
    entries = [
        {
            "name": s.name if k == 1 else f"{s.name}-r{k}",
            "notebook": s.notebook,
            "title": s.title,
            "parameters": s.parameters,
        }
        for k in range(1, copies + 1)
        for s in scenarios
    ]
    path.write_text(yaml.safe_dump({"scenarios": entries}, sort_keys=False))
    return len(entries)


def compare(label: str, ours: float, naive: float) -> str:
    """``ours`` seconds against ``naive`` seconds, as the ratio ours/naive and as a speed-up."""
    ratio = ours / naive
    speed = (
        f"{1 / ratio:.1f}x faster"
        if 0 < ratio <= 1
        else f"{ratio:.1f}x slower"
        if ratio > 1
        else "not measurable (noise)"
    )
    return f"{label}: ours/naive {ratio:.3f}, ours is {speed}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=str(PROJECT / "reports" / "scenarios.yaml"))
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement (median)")
    parser.add_argument("--quick", action="store_true", help="one repeat, no JupyterLab-tools naive runs: a fast look")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--only", metavar="KEYS", help="these measurements only, e.g. ours_jobs2,naive_lab")
    args = parser.parse_args()
    repeats = 1 if args.quick else max(1, args.repeats)
    lab = not args.quick and (LAB_BIN / "papermill").exists()
    scenario_file = Path(args.scenarios).resolve()
    scenarios = load_scenarios(scenario_file)
    n = len(scenarios)

    with tempfile.TemporaryDirectory(prefix="bench-") as spec:
        big_file = Path(spec) / "big.yaml"
        n_big = repeated_scenarios(scenarios, BIG_BATCH, big_file)
        # key: (what, reports, function of a fresh output folder)
        steps = {
            "ours_jobs2": (f"ours, --jobs 2, {n} reports", n, lambda o: ours_batch(scenario_file, o, 2)),
            "naive_lab": (
                f"naive, JupyterLab venv tools, {n} reports",
                n,
                lambda o: naive_batch(scenarios, o, LAB_BIN),
            ),
            "ours_jobs1": (f"ours, --jobs 1, {n} reports", n, lambda o: ours_batch(scenario_file, o, 1)),
            "naive_lean": (f"naive, lean venv tools, {n} reports", n, lambda o: naive_batch(scenarios, o, BIN)),
            "ours_big": (f"ours, --jobs 2, {n_big} reports", n_big, lambda o: ours_batch(big_file, o, 2)),
            "ours_single": ("ours, cold single report", 1, ours_single),
            "naive_single_lab": ("naive, JupyterLab venv tools, single report", 1, lambda o: naive_single(o, LAB_BIN)),
            "naive_single_lean": ("naive, lean venv tools, single report", 1, lambda o: naive_single(o, BIN)),
        }
        if not lab:
            del steps["naive_lab"], steps["naive_single_lab"]
        if args.only:
            wanted = args.only.split(",")
            if unknown := set(wanted) - set(steps):
                sys.exit(f"--only: unknown or unavailable {', '.join(sorted(unknown))}; known: {', '.join(steps)}")
            steps = {key: steps[key] for key in wanted}
        samples = {key: [] for key in steps}
        loads = {key: [] for key in steps}
        print("warm-up, untimed: one single report each way (file caches) ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-") as out:
            ours_single(Path(out) / "ours")
            naive_single(Path(out) / "naive", BIN)
        start, total = time.perf_counter(), repeats * len(steps)
        for r in range(repeats):
            for i, (key, (what, _, measure)) in enumerate(steps.items()):
                print(
                    f"[{r * len(steps) + i + 1}/{total}, {time.perf_counter() - start:4.0f} s] "
                    f"repeat {r + 1}/{repeats}: {what} ...",
                    file=sys.stderr,
                    flush=True,
                )
                loads[key].append(round(os.getloadavg()[0], 1))
                with tempfile.TemporaryDirectory(prefix="bench-") as out:
                    samples[key].append(measure(Path(out)))

    results = {
        key: {
            "what": what,
            "reports": reports,
            "samples_s": [round(s, 3) for s in samples[key]],
            "median_s": round(statistics.median(samples[key]), 3),
            "per_report_s": round(statistics.median(samples[key]) / reports, 3),
            "load_1min_at_start": loads[key],
        }
        for key, (what, reports, _) in steps.items()
    }
    med = {key: r["median_s"] for key, r in results.items()}
    marginal = (med["ours_big"] - med["ours_jobs2"]) / (n_big - n) if {"ours_big", "ours_jobs2"} <= set(med) else 0.0
    report = {
        "date": datetime.date.today().isoformat(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "repeats": repeats,
        "quick": args.quick,
        "scenarios": str(scenario_file),
        "default_reports": n,
        "big_reports": n_big,
        "timings": results,
        "steady_state": {
            "definition": "(T(big batch) - T(default batch)) / (extra reports), medians, --jobs 2",
            "marginal_s_per_report": round(marginal, 3),
            "big_batch_average_s_per_report": results["ours_big"]["per_report_s"] if "ours_big" in results else None,
            "naive_s_per_report": {
                k: results[f"naive_{k}"]["per_report_s"] for k in ("lab", "lean") if f"naive_{k}" in results
            },
            "ours_is_faster_x": {
                k: round(results[f"naive_{k}"]["per_report_s"] / marginal, 2)
                for k in ("lab", "lean")
                if f"naive_{k}" in results and marginal > 0
            },
        },
        "speedup": {
            f"{ours}_vs_{naive}": round(med[naive] / med[ours], 2)
            for ours, naive in (
                ("ours_jobs2", "naive_lab"),
                ("ours_jobs2", "naive_lean"),
                ("ours_jobs1", "naive_lab"),
                ("ours_jobs1", "naive_lean"),
                ("ours_single", "naive_single_lab"),
                ("ours_single", "naive_single_lean"),
            )
            if naive in med and ours in med
        },
    }

    def line(key: str, *versus: tuple[str, float | None]) -> None:
        """One measurement's median, per report, samples and loads; then ours (label, seconds) against it."""
        if key not in results:
            return
        r = results[key]
        print(
            f"  {r['what']:<46} {r['median_s']:7.2f} s  {r['per_report_s']:5.2f} s/report  "
            f"[{', '.join(f'{s:.1f}' for s in samples[key])}; load {', '.join(map(str, loads[key]))}]"
        )
        for label, seconds in versus:
            if seconds is not None:
                print(f"  {'':<46} {compare(label, seconds, r['median_s'])}")

    print(f"medians of {repeats} repeat(s), interleaved; {os.cpu_count()} cores; [samples, s]")
    print(f"1. default batch: {n} scenarios of {args.scenarios} (HTML + PDF + JSON)")
    line("ours_jobs2")
    line("ours_jobs1")
    for key in ("naive_lab", "naive_lean"):
        if key in results:
            line(key, ("ours --jobs 2", med.get("ours_jobs2")), ("ours --jobs 1", med.get("ours_jobs1")))
    if not lab:
        print(
            "  naive, JupyterLab venv tools: skipped"
            + (" (--quick)" if args.quick else " (run `make lab` once to create .venv-lab)")
        )
    print(f"2. steady state at --jobs 2: {n_big} reports (the default batch repeated)")
    line("ours_big")
    if marginal > 0:
        print(f"  steady state = marginal cost = (T({n_big}) - T({n})) / {n_big - n} = {marginal:.2f} s/report")
    for key in ("naive_lab", "naive_lean"):
        if key in results and marginal > 0:
            print(
                f"  {results[key]['what'].rsplit(',', 1)[0]}: nothing warm, so its steady state is its "
                f"per-report cost in 1., {results[key]['per_report_s']:.2f} s; "
                f"{compare('ours', marginal, results[key]['per_report_s'])}"
            )
    print("3. cold single report: render training_run -p chip h20 --to html,pdf (a fresh process)")
    line("ours_single")
    for key in ("naive_single_lab", "naive_single_lean"):
        if key in results:
            line(key, ("ours", med.get("ours_single")))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"results: {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
