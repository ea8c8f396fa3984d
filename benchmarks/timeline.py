"""Where one default batch's time goes: CPU-seconds per process tree and a timeline.

Runs ``python -m analysis render --scenarios reports/scenarios.yaml --jobs 2 --force`` into a
temporary folder (or the command after ``--``, run in the current folder) and samples every process under it with psutil
every ``--every`` seconds: CPU-s (user and system) of our process, the report kernels and
Chromium; when each process started; the progress lines with their time; and the share of the
machine's CPU that was idle in each second of the run. Prints a summary (and ``--json`` the
samples). Speed is measured here, never asserted in tests.

    .venv/bin/python benchmarks/timeline.py [--every 0.05] [--json FILE] [-- COMMAND ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


def kind(proc: psutil.Process, root_pid: int) -> str:
    """Which part of the batch a process is: ours, kernel, chromium or other."""
    if proc.pid == root_pid:
        return "ours"
    try:
        line = " ".join(proc.cmdline())
    except psutil.Error:
        return "other"
    if "ipykernel" in line:
        return "kernel"
    if "chromium" in line or "chrome" in line:
        return "chromium"
    return "other"


def sample(root: psutil.Process, seen: dict, t0: float) -> None:
    """Record each live process's CPU under ``root`` (pid → {kind, start, user, system, last})."""
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    now = time.perf_counter() - t0
    for proc in procs:
        try:
            cpu = proc.cpu_times()
        except psutil.Error:
            continue
        row = seen.setdefault(proc.pid, {"kind": "other", "start": now})
        if row["kind"] == "other":  # a process just started may not show its command line yet
            row["kind"] = kind(proc, root.pid)
        row.update(user=cpu.user, system=cpu.system, last=now)


def machine_idle(stop: threading.Event, out: list, t0: float) -> None:
    """The machine's CPU split (user, system, idle %) each second until ``stop``."""
    psutil.cpu_times_percent(None)
    while not stop.wait(1.0):
        split = psutil.cpu_times_percent(None)
        out.append(
            {"t": round(time.perf_counter() - t0, 1), "user": split.user, "system": split.system, "idle": split.idle}
        )


def run(command: list[str], every: float) -> dict:
    """Run ``command`` and sample it; the measurements as a dict."""
    t0 = time.perf_counter()
    child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)  # in the caller's folder
    root = psutil.Process(child.pid)
    seen: dict = {}
    lines: list = []
    per_second: list = []
    stop = threading.Event()
    threading.Thread(
        target=lambda: [lines.append((round(time.perf_counter() - t0, 2), line.rstrip())) for line in child.stderr],
        daemon=True,
    ).start()
    watcher = threading.Thread(target=machine_idle, args=(stop, per_second, t0), daemon=True)
    watcher.start()
    while child.poll() is None:
        sample(root, seen, t0)
        time.sleep(every)
    wall = time.perf_counter() - t0
    stop.set()
    totals: dict = {}
    for row in seen.values():
        t = totals.setdefault(row["kind"], {"user": 0.0, "system": 0.0, "processes": 0})
        t["user"] += row["user"]
        t["system"] += row["system"]
        t["processes"] += 1
    kernels = sorted((round(r["start"], 2), round(r["last"], 2)) for r in seen.values() if r["kind"] == "kernel")
    chromium = min((r["start"] for r in seen.values() if r["kind"] == "chromium"), default=None)
    return {
        "command": command,
        "wall_s": wall,
        "load_before": psutil.getloadavg()[0],
        "cpu_s": totals,
        "kernels_seen": kernels,
        "chromium_first_seen_s": chromium,
        "lines": lines,
        "per_second": per_second,
    }


def summary(result: dict) -> str:
    """The measurements as text."""
    out = [f"wall {result['wall_s']:.2f} s"]
    total = 0.0
    for name, t in sorted(result["cpu_s"].items()):
        cpu = t["user"] + t["system"]
        total += cpu
        out.append(
            f"  {name:9s} {cpu:6.2f} CPU-s (user {t['user']:.2f}, sys {t['system']:.2f}; {t['processes']} processes)"
        )
    out.append(f"  total     {total:6.2f} CPU-s")
    out.append(
        f"kernels (first seen, last seen): {result['kernels_seen']}; "
        f"chromium first seen {result['chromium_first_seen_s']}"
    )
    out += [f"  {t:6.2f} {line}" for t, line in result["lines"]]
    out.append("second: idle % / sys %")
    out.append("  " + " ".join(f"{s['t']:.0f}:{s['idle']:.0f}/{s['system']:.0f}" for s in result["per_second"]))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.05, help="seconds between samples")
    parser.add_argument("--json", help="write the measurements here")
    parser.add_argument("command", nargs="*", help="the command to time (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="timeline-") as out:
        command = args.command or [
            str(PYTHON),
            "-m",
            "analysis",
            "render",
            "--scenarios",
            "reports/scenarios.yaml",
            "--jobs",
            "2",
            "--force",
            "--out",
            out,
        ]
        result = run(command, args.every)
    print(summary(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
