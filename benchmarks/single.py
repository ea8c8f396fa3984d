"""Time a series of single renders with new parameters, cold vs warm, beside the naive pipeline,
in one run (issue 24 item 3).

Five renders of ``training_run`` in a row, each with another ``-p chip``, HTML + PDF (+ JSON for
ours), each a fresh ``python -m analysis render`` process into a fresh temporary folder:

1. **cold**: ``COMPUTE_PARITY_SERVICE=off``, so every render starts its own kernel and Chromium;
2. **warm**: the render service on, with a private socket folder and no service running at first:
   the first render starts the service and renders in-process (cold), the next four hand their
   work to it; the service is stopped at the end;
3. **naive**: papermill CLI, ``jupyter nbconvert --to html --no-input``, Chromium ``--print-to-pdf``
   with the lean venv's tools (and the JupyterLab venv's, if ``make lab`` made it), as in
   ``benchmarks/regenerate.py``.

Rounds are interleaved (cold, warm, naive, then again), after an untimed warm-up render (file
caches). Each warm render is compared with the median cold render of its round; the warm series'
files are compared with the cold series' for the same chip, byte for byte, render time aside.
The machine's load average (1 min) is recorded as each render starts: the machine is shared.

Usage: .venv/bin/python benchmarks/single.py [--repeats 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from regenerate import BIN, LAB_BIN, PROJECT, naive_report

from analysis.pipeline import service

NOTEBOOK = "training_run"
#: The 1-minute load average as each timed render started, by series (:func:`ours`, :func:`naive_series`).
LOADS: dict[str, list[float]] = {}
CHIPS = ("h20", "h800-sxm", "a100-sxm-80gb", "ascend-910c", "h100-sxm")


def record_load(series: str) -> None:
    """Note the 1-minute load average now under ``series`` in :data:`LOADS`."""
    LOADS.setdefault(series, []).append(round(os.getloadavg()[0], 1))


def ours(chip: str, out: Path, env: dict, series: str = "") -> float:
    """Seconds for ``python -m analysis render training_run -p chip CHIP --out OUT`` (HTML, PDF,
    JSON); the load as it starts is recorded under ``series`` (if given)."""
    if series:
        record_load(series)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "render", NOTEBOOK, "-p", "chip", chip, "--out", str(out)],
        cwd=PROJECT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"render failed ({done.returncode}): chip {chip}\n{done.stderr[-3000:]}")
    return seconds


def cold_series(out: Path) -> list[float]:
    return [ours(chip, out / f"cold-{chip}", {service.SERVICE_ENV: "off"}, "cold") for chip in CHIPS]


def warm_series(out: Path) -> list[float]:
    """The five renders with the service on (none running at first); the service stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="cps-bench-"))
    env = {service.SERVICE_ENV: "auto", service.DIR_ENV: str(folder)}
    try:
        return [ours(chip, out / f"warm-{chip}", env, "warm") for chip in CHIPS]
    finally:
        stop = [sys.executable, "-m", "analysis", "service", "stop"]
        subprocess.run(stop, env={**os.environ, **env}, capture_output=True, check=False)
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def naive_series(out: Path, bin_dir: Path) -> list[float]:
    times = []
    for chip in CHIPS:
        record_load(f"naive_{'lab' if bin_dir == LAB_BIN else 'lean'}")
        start = time.perf_counter()
        naive_report(NOTEBOOK, ["-p", "chip", chip], out / f"naive-{bin_dir.parent.name}-{chip}", bin_dir)
        times.append(time.perf_counter() - start)
    return times


def same_files(a: Path, b: Path) -> bool:
    """Whether two renders' HTML, PDF and JSON are the same bytes, render time aside."""

    def files(folder: Path) -> dict[str, bytes]:
        when = json.loads((folder / f"{NOTEBOOK}.json").read_text())["provenance"]["rendered_at"]
        found = {}
        for suffix in ("html", "pdf", "json"):
            data = (folder / f"{NOTEBOOK}.{suffix}").read_bytes()
            data = data.replace(when.encode(), b"").replace(when[:10].encode(), b"")
            found[suffix] = re.sub(rb"/(CreationDate|ModDate) \(D:[0-9+']+\)", b"", data)
        return found

    return files(a) == files(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="rounds of the three series (interleaved)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = parser.parse_args()
    series = {"cold": cold_series, "warm": warm_series, "naive_lean": lambda o: naive_series(o, BIN)}
    if (LAB_BIN / "papermill").exists():
        series["naive_lab"] = lambda o: naive_series(o, LAB_BIN)
    samples = {key: [] for key in series}
    equal = []
    with tempfile.TemporaryDirectory(prefix="bench-") as out:
        print("warm-up, untimed: one cold render (file caches) ...", file=sys.stderr, flush=True)
        ours(CHIPS[0], Path(out) / "warm-up", {service.SERVICE_ENV: "off"})
        for r in range(max(1, args.repeats)):
            for key, measure in series.items():
                print(f"round {r + 1}: {key}, {len(CHIPS)} renders ...", file=sys.stderr, flush=True)
                folder = Path(out) / f"r{r}"
                samples[key].append(measure(folder))
            equal += [same_files(folder / f"cold-{c}", folder / f"warm-{c}") for c in CHIPS]
    report(samples, equal, args.json)


def report(samples: dict, equal: list[bool], json_file: str | None) -> None:
    """Print each round's series and the warm renders as fractions of that round's median cold render."""
    rounds = []
    for r in range(len(samples["cold"])):
        cold = statistics.median(samples["cold"][r])
        row = {key: [round(s, 2) for s in samples[key][r]] for key in samples}
        row["cold_median_s"] = round(cold, 2)
        row["warm_over_cold"] = [round(s / cold, 3) for s in samples["warm"][r]]
        row["load_1min_at_start"] = {key: LOADS[key][r * len(CHIPS) : (r + 1) * len(CHIPS)] for key in samples}
        rounds.append(row)
        print(f"round {r + 1}: five single renders of {NOTEBOOK}, -p chip {', '.join(CHIPS)} (s)")
        for key in samples:
            times = samples[key][r]
            print(f"  {key:<11} {' '.join(f'{s:6.2f}' for s in times)}   median {statistics.median(times):6.2f}")
            print(f"  {'load':<11} {' '.join(f'{x:6.1f}' for x in row['load_1min_at_start'][key])}   (1-min average)")
        print(f"  warm / median cold: {' '.join(f'{f:6.1%}' for f in row['warm_over_cold'])}")
        worst = max(row["warm_over_cold"][1:])
        print(f"  renders 2-5 warm: at most {worst:.1%} of a cold render (target <= 40 %)")
    print(f"warm files equal to cold ones (HTML, PDF, JSON; render time aside): {sum(equal)} of {len(equal)}")
    if json_file:
        result = {"date": datetime.date.today().isoformat(), "cores": os.cpu_count(), "chips": CHIPS}
        Path(json_file).write_text(json.dumps({**result, "rounds": rounds, "equal": equal}, indent=2) + "\n")


if __name__ == "__main__":
    main()
