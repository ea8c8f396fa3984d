"""compute-parity reports: the analysis library, in four wings whose imports run one way.

* ``analysis.formulas`` — pure functions on numbers and numpy arrays (compute, scaling, power,
  cost, controls, inference, goodput, uncertainty). No I/O; units in every name.
* ``analysis.catalog`` — the data wing: loads and validates ``data/*.csv``, looks rows up by id.
* ``analysis.assembly`` — one module per report: inputs from data and parameters, the report's
  figures from one function of arrays (called at the base point and at the Monte Carlo draws),
  tables and findings text; parameter specifications; presentation helpers.
* ``analysis.pipeline`` — rendering: execution, HTML, PDF, scenarios, index, command line.

formulas <- catalog <- assembly <- pipeline; notebooks import ``analysis.assembly`` only.
"""

from pathlib import Path

__version__ = "0.3.0"
#: The checkout (or installed tree) holding ``analysis/``, ``data/`` and ``notebooks/``: defined
#: here, where importing it costs nothing, so that the render service's client needs no pandas.
PROJECT_DIR = Path(__file__).resolve().parents[1]
