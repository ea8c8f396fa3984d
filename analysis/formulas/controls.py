"""US export-control metrics (ECCN 3A090) and the classification of chips under each rule.

Total processing performance (TPP) is ``2 × MacTOPS × bit length``, the maximum over the chip's
precisions; BIS notes that ``2 × MacTOPS`` may be read as the datasheet's (dense) TOPS or TFLOPS.
Performance density is TPP per mm² of die area. The thresholds of each rule are data
(``data/export_rules.csv``); see data/SOURCES.md for the Federal Register texts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: Catalog column -> bit length of the operation it counts.
BIT_LENGTHS = {"fp32_dense_tflops": 32, "bf16_dense_tflops": 16, "fp8_dense_tflops": 8,
               "int8_dense_tops": 8}

NOT_CONTROLLED = "not controlled"
UNDETERMINED = "undetermined (die area unknown)"


def tpp(chips: pd.DataFrame) -> pd.Series:
    """Total processing performance per chip: max over precisions of dense TOPS × bit length."""
    per_precision = pd.DataFrame({col: chips[col] * bits for col, bits in BIT_LENGTHS.items()})
    return per_precision.max(axis=1, skipna=True).rename("tpp")


def performance_density(tpp_values, die_area_mm2):
    """TPP per mm² of die area; NaN where the die area is unknown."""
    return np.asarray(tpp_values, dtype=float) / np.asarray(die_area_mm2, dtype=float)


def _between(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``low <= values < high`` with NaN bounds meaning 'no bound' (NaN values give False)."""
    ok = np.ones(values.shape, dtype=bool)
    if not np.isnan(low):
        ok &= values >= low
    if not np.isnan(high):
        ok &= values < high
    return ok


def classify(metrics: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Status of each chip under each rule vintage.

    ``metrics`` is indexed by chip id with columns ``tpp``, ``performance_density`` and
    ``interconnect_gb_s``; ``rules`` is ``data/export_rules.csv``. Within a rule the clauses are
    tried in file order and the first clause whose conditions all hold gives the status (its
    ``outcome``); none holding gives ``not controlled``. A clause that needs performance density
    for a chip whose die area is unknown, with its other conditions met, makes the status
    ``undetermined`` unless an earlier clause already decided it.
    Returns a frame indexed by chip id with one column per rule id.
    """
    tpp_values = metrics["tpp"].to_numpy(dtype=float)
    density = metrics["performance_density"].to_numpy(dtype=float)
    io = metrics["interconnect_gb_s"].to_numpy(dtype=float)
    chip_ids = metrics.index.to_numpy()
    result = {}
    for rule_id, clauses in rules.groupby("rule_id", sort=False):
        status = np.full(len(metrics), None, dtype=object)
        for clause in clauses.itertuples():
            undecided = status == None  # noqa: E711 (elementwise on an object array)
            named = [c.strip() for c in clause.chip_ids.split(";") if c.strip()]
            ok = undecided & _between(tpp_values, clause.tpp_min, clause.tpp_max)
            ok &= _between(io, clause.io_min_gb_s, np.nan)
            if named:
                ok &= np.isin(chip_ids, named)
            needs_density = not (np.isnan(clause.density_min) and np.isnan(clause.density_max))
            if needs_density:
                status[ok & np.isnan(density)] = UNDETERMINED
                ok &= _between(density, clause.density_min, clause.density_max)
            status[ok] = clause.outcome
        status[status == None] = NOT_CONTROLLED  # noqa: E711
        result[rule_id] = status
    return pd.DataFrame(result, index=metrics.index)


def control_table(chips: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """TPP, performance density, interconnect and status under every rule, one row per chip."""
    metrics = pd.DataFrame({"tpp": tpp(chips)})
    metrics["die_area_mm2"] = chips["die_area_mm2"]
    metrics["performance_density"] = performance_density(metrics["tpp"], chips["die_area_mm2"])
    metrics["interconnect_gb_s"] = chips["interconnect_gb_s"]
    return metrics.join(classify(metrics, rules))
