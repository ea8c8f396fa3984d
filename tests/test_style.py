"""The code keeps one style: ruff's linter and formatter (configured in pyproject.toml) pass over
the library, the notebook twins, the tests and the benchmarks (fast tier: no kernel)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["analysis", "notebooks", "tests", "benchmarks"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_linter_passes():
    done = _ruff("check", "--no-cache", "--output-format", "concise")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_formatter_has_nothing_to_change():
    done = _ruff("format", "--check", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


# ---- size: short functions, modules of one concern ----------------------------------------------

MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 400
#: Modules in assembly/ or pipeline/ allowed above MAX_MODULE_LINES because they hold one concern.
ONE_CONCERN = {
    "analysis/assembly/params.py": "parameters: their one declaration (SPECS) and how values are checked",
    "analysis/assembly/inputs.py": "shared input resolution: the one resolver of defaults and their sources",
    "analysis/assembly/chip_parity.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/energy_advantage.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/export_controls.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/compute_stock.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/inference_cost.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/procurement.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/training_run.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/validation.py": "one report: its inputs, model, result, text, tables and figures",
    "analysis/assembly/validation_cases.py": "the modelled value of each validation case, a function per method",
    "analysis/pipeline/cli.py": "the command line: one parser, and one short function per command",
    "analysis/pipeline/service.py": "the warm render service: its settings, socket protocol, client and server",
}


def _python_files(*folders):
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def test_no_function_is_longer_than_80_lines():
    long = []
    for path in _python_files("analysis"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({size} lines)")
    assert not long, long


def test_assembly_and_pipeline_modules_stay_small_or_hold_one_concern():
    big = [
        f"{path.relative_to(ROOT)} ({n} lines)"
        for path in _python_files("analysis/assembly", "analysis/pipeline")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and str(path.relative_to(ROOT)) not in ONE_CONCERN
    ]
    assert not big, big
