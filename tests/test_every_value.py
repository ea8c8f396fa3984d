"""Every value the parameter checker accepts renders (issue 12, item 4), checked without a kernel
by running each report's assembly exactly as its notebook does: every chip in every chip
parameter, and every numeric parameter at its bounds, either is refused by the pre-kernel check
(``params.validate``) with a one-line ParameterError, or runs without a warning and gives key
figures with no open end (infinity) except where a record says why (no single job matches). It
runs every report some 260 times, so it sits in the slow (render) tier."""

import importlib
import json
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


def _chips_without_a_single_job(node, parent=""):
    """Chips whose share of draws with no single job that matches (``no_single_job_share…``, by
    chip or in a chip's record) is above 0: their figures may be open ends."""
    if not isinstance(node, dict):
        return set()
    found = set()
    for key, value in node.items():
        if key.startswith("no_single_job_share"):
            shares = value if isinstance(value, dict) else {parent: value}
            found |= {chip for chip, share in shares.items() if share not in (None, 0, 0.0)}
        else:
            found |= _chips_without_a_single_job(value, key)
    return found


def _open_ends(node, path=()):
    """Paths of key figures written as an open end (``present.OPEN_ENDS``: "inf", "-inf")."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _open_ends(v, (*path, k))]
    if isinstance(node, (list, tuple)):
        return [p for i, v in enumerate(node) for p in _open_ends(v, (*path, str(i)))]
    return [path] if node in present.OPEN_ENDS.values() else []


def _unexplained_open_ends(figures):
    """Open ends outside the figures of a chip no single job of which matches."""
    explained = _chips_without_a_single_job(figures)
    return ["/".join(p) for p in _open_ends(figures) if not explained & set(p)]


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
    assert not _unexplained_open_ends(figures), _unexplained_open_ends(figures)


def test_an_open_end_counts_only_for_a_chip_no_single_job_of_which_matches():
    # hand-made figures in both shapes the reports write: a chip's record (chip_parity) and a
    # figure by chip beside the shares by chip (energy_advantage); h20 has no single job in
    # some draws (share 0.4), a800 in none (share 0), so only h20's open ends are explained
    figures = {
        "candidates": {
            "h20": {"chip_count": "inf", "no_single_job_share_of_draws": 0.4},
            "a800": {"chip_count": "inf", "no_single_job_share_of_draws": 0.0},
        },
        "tco_usd": {"h20": {"us": "inf"}, "a800": {"us": "-inf"}, "h100": {"us": 1.0}},
        "no_single_job_share_of_draws": {"h20": 0.4, "a800": 0.0},
    }
    assert _unexplained_open_ends(figures) == ["candidates/a800/chip_count", "tco_usd/a800/us"]
