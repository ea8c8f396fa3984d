"""Time regenerating the default scenarios (HTML + PDF) with our CLI against the naive pipeline a
user would write by hand, on the same machine in the same run, and print both and the ratio.

Naive, per scenario, one after another: the papermill CLI, then `jupyter nbconvert --to html
--no-input`, then Chromium printing that HTML to PDF (the cheapest PDF route a user has here: no
TeX and no Playwright browser download). It runs twice: with the tools of the JupyterLab venv
(`make lab`; the jupyter stack a user of the notebooks has installed), and with the lean render
venv's tools; the kernel is this project's in both.

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
from analysis.pipeline.pdf import CHROMIUM_FLAGS, chromium_binary
from analysis.pipeline.render import NOTEBOOK_DIR
from analysis.pipeline.scenarios import load_scenarios

BIN = Path(sys.executable).parent
LAB_BIN = PROJECT / ".venv-lab" / "bin"


def run(command: list[str], **kwargs) -> None:
    subprocess.run(command, check=True, capture_output=True, **kwargs)


def naive(scenarios, out: Path, bin_dir: Path) -> float:
    """Seconds for papermill CLI + nbconvert CLI (from ``bin_dir``) + Chromium, one by one."""
    start = time.perf_counter()
    for s in scenarios:
        folder = out / s.name
        folder.mkdir(parents=True)
        executed = folder / f"{s.notebook}.ipynb"
        run([str(bin_dir / "papermill"), str(NOTEBOOK_DIR / f"{s.notebook}.ipynb"), str(executed),
             "-y", json.dumps(s.parameters), "--cwd", str(NOTEBOOK_DIR)])
        run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
        with tempfile.TemporaryDirectory() as profile:
            run([chromium_binary(), *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--user-data-dir={profile}",
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
        t_lean = naive(scenarios, tmp / "naive-lean", BIN)
        t_lab = naive(scenarios, tmp / "naive-lab", LAB_BIN) if (LAB_BIN / "papermill").exists() else None
    n = len(scenarios)
    print(f"scenarios: {n}")
    print(f"ours (render --scenarios, --jobs {args.jobs}):       {t_ours:6.1f} s  ({t_ours / n:.2f} s per report)")
    if t_lab is not None:
        print(f"naive, JupyterLab venv tools, serial:      {t_lab:6.1f} s  ({t_lab / n:.2f} s per report)"
              f"  -> ours is {t_lab / t_ours:.1f}x faster")
    else:
        print("naive, JupyterLab venv tools: skipped (run `make lab` once to create .venv-lab)")
    print(f"naive, lean render venv tools, serial:     {t_lean:6.1f} s  ({t_lean / n:.2f} s per report)"
          f"  -> ours is {t_lean / t_ours:.1f}x faster")


if __name__ == "__main__":
    main()
