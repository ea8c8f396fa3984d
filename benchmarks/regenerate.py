"""Time regenerating the default scenarios (HTML + PDF) with our CLI against the naive pipeline a
user would write by hand, on the same machine in the same run, and print both and the ratio.

Naive, per scenario, one after another: the papermill CLI, then `jupyter nbconvert --to html
--no-input`, then Chromium printing that HTML to PDF. This naive pipeline is already lean (no
`jupyter` metapackage in the environment, and Chromium instead of LaTeX for the PDF), so the
ratio is conservative against the one measured in ../shared/research/tooling.md.

Usage: .venv/bin/python benchmarks/regenerate.py [--scenarios reports/scenarios.yaml] [--jobs 2]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from analysis.render import CHROMIUM_FLAGS, NOTEBOOK_DIR, chromium_binary  # noqa: E402
from analysis.scenarios import load_scenarios  # noqa: E402

BIN = Path(sys.executable).parent


def run(command: list[str], **kwargs) -> None:
    subprocess.run(command, check=True, capture_output=True, **kwargs)


def naive(scenarios, out: Path) -> float:
    """Seconds for papermill CLI + nbconvert CLI + Chromium, scenario after scenario."""
    start = time.perf_counter()
    for s in scenarios:
        folder = out / s.name
        folder.mkdir(parents=True)
        executed = folder / f"{s.notebook}.ipynb"
        run([str(BIN / "papermill"), str(NOTEBOOK_DIR / f"{s.notebook}.ipynb"), str(executed),
             "-y", json.dumps(s.parameters), "--cwd", str(NOTEBOOK_DIR)])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
        with tempfile.TemporaryDirectory() as profile:
            run([chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                 f"--print-to-pdf={folder / (s.notebook + '.pdf')}",
                 (folder / f"{s.notebook}.html").as_uri()])
    return time.perf_counter() - start


def ours(scenario_file: Path, out: Path, jobs: int) -> float:
    """Seconds for `python -m analysis render --scenarios FILE --jobs N` (HTML, PDF, JSON)."""
    start = time.perf_counter()
    run([sys.executable, "-m", "analysis", "render", "--scenarios", str(scenario_file),
         "--jobs", str(jobs), "--out", str(out)], cwd=PROJECT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=str(PROJECT / "reports" / "scenarios.yaml"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    scenarios = load_scenarios(args.scenarios)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t_ours = ours(Path(args.scenarios), tmp / "ours", args.jobs)
        t_naive = naive(scenarios, tmp / "naive")
    n = len(scenarios)
    print(f"scenarios: {n}")
    print(f"ours  (render --scenarios, --jobs {args.jobs}): {t_ours:6.1f} s  ({t_ours / n:.2f} s per report)")
    print(f"naive (papermill + nbconvert + chromium, serial): {t_naive:6.1f} s  ({t_naive / n:.2f} s per report)")
    print(f"speed-up: {t_naive / t_ours:.1f}x")


if __name__ == "__main__":
    main()
