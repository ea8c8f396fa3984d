"""Every value the parameter checker accepts renders (issue 12, item 4), checked without a kernel
by running each report's assembly exactly as its notebook does: every chip in every chip
parameter, and every numeric parameter at its bounds, either is refused by the pre-kernel check
(``params.validate``) with a one-line ParameterError, or runs without a warning and gives key
figures with no infinity. It runs every report some 260 times, so it sits in the slow (render)
tier."""

import importlib
import json
import math
import warnings

import pytest

from analysis.assembly import params, present
from analysis.catalog import load

REPORTS = (
    "training_run",
    "chip_parity",
    "energy_advantage",
    "inference_cost",
    "procurement",
    "export_controls",
    "compute_stock",
)
#: Parameters that name one chip or a list of chips, per report.
CHIP_PARAMETERS = {
    "training_run": ["chip"],
    "chip_parity": ["reference_chip", "candidates"],
    "energy_advantage": ["reference_chip", "candidates"],
    "inference_cost": ["chips"],
    "procurement": ["chips"],
}
FEW_DRAWS = 200
#: Chips appended to chips.csv for the compute_stock report (issue 21). Each is tried as one chip
#: parameter of one report, in turn, not as every one: seven chips in every chip parameter would add
#: some 50 renders to the property batch (tests/test_outputs_clean.py), so the batch samples them.
SAMPLED_CHIPS = ("b300", "tpu-v4", "tpu-v5e", "tpu-v6e", "tpu7x", "trainium1", "trainium2")


#: The fleet a procurement of a chip without a sourced price holds (a budget cannot buy it).
UNPRICED_FLEET = [10_000]


def chip_cases():
    """(report, values) with every chip of data/chips.csv as each chip parameter of each report (the
    :data:`SAMPLED_CHIPS` in one each);
    procurement's ``counts`` is :data:`UNPRICED_FLEET` where the chip has no sourced price (a
    budget would be refused)."""
    chips = load("chips")
    pairs = [(report, name) for report in REPORTS for name in CHIP_PARAMETERS.get(report, [])]
    for report in REPORTS:
        module = importlib.import_module(f"analysis.assembly.{report}")
        for name in CHIP_PARAMETERS.get(report, []):
            for chip in chips.index:
                if chip in SAMPLED_CHIPS and pairs[SAMPLED_CHIPS.index(chip) % len(pairs)] != (report, name):
                    continue
                values = {name: [chip] if module.PARAMETERS[name].kind is list else chip}
                if report == "procurement" and not chips.at[chip, "price_usd"] == chips.at[chip, "price_usd"]:
                    values["counts"] = UNPRICED_FLEET
                yield report, values


def _cases():
    yield from chip_cases()
    for report in REPORTS:
        module = importlib.import_module(f"analysis.assembly.{report}")
        for name, spec in module.PARAMETERS.items():
            if spec.kind in (int, float) and spec.low is not None and name not in ("seed", "draws"):
                for bound in (spec.low, spec.high):
                    value = spec.kind(bound) if spec.kind is int else float(bound)
                    if spec.low_open and bound == spec.low:
                        continue
                    yield report, {name: value}
        for name in ("region", "regions"):
            if name in module.PARAMETERS:
                for region in load("regions").index:
                    yield report, {name: [region] if name == "regions" else region}


CASES = list(_cases())


def _infinite(node):
    if isinstance(node, dict):
        return any(_infinite(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_infinite(v) for v in node)
    return isinstance(node, float) and math.isinf(node)


@pytest.mark.render
@pytest.mark.parametrize("report, values", CASES, ids=[f"{r}:{json.dumps(v)}" for r, v in _cases()])
def test_accepted_values_run_or_are_refused_before_any_kernel(report, values):
    module = importlib.import_module(f"analysis.assembly.{report}")
    defaults = {name: spec.default for name, spec in module.PARAMETERS.items()}
    if "draws" in defaults:
        values = values | {"draws": FEW_DRAWS}
    try:
        params.validate(report, **(defaults | values))
    except params.ParameterError as err:
        assert "\n" not in str(err)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ResourceWarnings too: the suite's leaks fail their makers
        r = module.run(**values)
        figures = present._plain(module.key_figures(r))
    assert not _infinite(figures), figures
