"""The command line checks parameters without the plotting and statistics stack: importing the
pipeline and the report modules (for their PARAMETERS) loads no matplotlib.pyplot, seaborn,
scipy.stats or IPython; report functions import those when they draw or display. (That handing a
render to the service imports no pandas is tested in test_service.py, whose fixture stops the
service the hand-over starts.)"""

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
