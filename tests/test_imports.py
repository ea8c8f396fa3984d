"""The command line checks parameters without the plotting and statistics stack: importing the
pipeline and the report modules (for their PARAMETERS) loads no matplotlib.pyplot, seaborn,
scipy.stats or IPython; report functions import those when they draw or display."""

import os
import subprocess
import sys

from analysis.catalog import PROJECT_DIR

HEAVY = ("matplotlib.pyplot", "seaborn", "scipy.stats", "IPython")


def test_checking_parameters_imports_no_plotting_or_statistics():
    code = (
        "import sys\n"
        "import analysis.pipeline.cli, analysis.pipeline.render\n"
        "from analysis.pipeline.notebooks import check_parameters\n"
        "check_parameters('training_run', {'chip': 'h20'})\n"
        "import importlib, pkgutil, analysis.assembly\n"  # and every other report module
        "for m in pkgutil.iter_modules(analysis.assembly.__path__):\n"
        "    importlib.import_module(f'analysis.assembly.{m.name}')\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_handing_a_render_to_the_service_imports_no_pandas(tmp_path):
    """`python -m analysis render ...` asks a running render service before the command line's
    imports (analysis/__main__.py): that path loads neither pandas nor numpy nor nbformat."""
    code = (
        "import sys\n"
        "from analysis.pipeline import service\n"
        "assert service.forward(['render', 'training_run', '-p', 'chip', 'h20']) is None\n"  # none runs there
        "print(' '.join(m for m in ('pandas', 'numpy', 'nbformat', 'jupyter_client') if m in sys.modules))\n"
    )
    env = {**os.environ, "COMPUTE_PARITY_SERVICE": "auto", "COMPUTE_PARITY_SERVICE_DIR": str(tmp_path / "svc")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
