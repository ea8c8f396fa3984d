"""Inputs every report resolves the same way: a site (electricity price, PUE, grid intensity), the
chips (peak at a precision, maximum power per chip, price and what it buys, vendor MFU factor)
and the ranges of the uncertain inputs for the Monte Carlo.

Reports call these instead of reading the catalog themselves, so a chip's power or price is
resolved by one piece of code in every report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import load, lookup
from ..formulas import compute, power, uncertainty

#: Share of the reference MFU by which MFU varies in the Monte Carlo (an assumption: ±25 %).
MFU_SPREAD = 0.25


def site(region: str, *, usd_per_kwh: float | None = None, pue: float | None = None) -> dict:
    """Electricity price [USD/kWh], PUE and grid intensity [kg CO2/kWh] of a region, with their
    ranges; explicit ``usd_per_kwh``/``pue`` override the region's base values and fix them."""
    row = lookup(load("regions"), region, "region")
    price = row["usd_per_kwh"] if usd_per_kwh is None else usd_per_kwh
    if np.isnan(price):
        raise ValueError(f"region {row.name!r} has no sourced electricity price; pass usd_per_kwh")
    price_range = (
        (usd_per_kwh,) * 3
        if usd_per_kwh is not None
        else uncertainty.ranges_from(row["usd_per_kwh_low"], row["usd_per_kwh"], row["usd_per_kwh_high"])
    )
    pue_range = (pue,) * 3 if pue is not None else uncertainty.ranges_from(row["pue_low"], row["pue"], row["pue_high"])
    return {
        "region": row.name,
        "name": row["name"],
        "usd_per_kwh": float(price),
        "pue": float(row["pue"] if pue is None else pue),
        "grid_kgco2_per_kwh": float(row["grid_kgco2_per_kwh"]),
        "usd_per_kwh_range": tuple(map(float, price_range)),
        "pue_range": tuple(map(float, pue_range)),
    }


def system_w_per_chip() -> pd.Series:
    """Rated power per chip of the systems in ``systems.csv`` [W], by chip id (first system of
    each chip): the all-in power a chip without a published TDP (Ascend 910C) is given."""
    systems = load("systems").dropna(subset=["system_power_kw"])
    return (systems["system_power_kw"] * 1e3 / systems["chips"]).groupby(systems["chip_id"]).first()


def chips(chip_ids, *, precision: str = "bf16", server_power_ratio: float | None = None) -> pd.DataFrame:
    """Catalog rows for ``chip_ids`` (in that order, ids case-insensitive) with the figures every
    report needs: ``peak_tflops`` at ``precision``, ``max_w_per_chip`` (TDP × server power ratio,
    or the rated power per chip of a system built from it where the TDP is unpublished),
    ``power_basis`` (``tdp`` or ``system``), ``mfu_factor`` (+ ``_low``/``_high``, the vendor's
    software-maturity prior) and everything in ``chips.csv``."""
    ratio = power.SERVER_POWER_RATIO if server_power_ratio is None else server_power_ratio
    catalog = load("chips")
    ids = [lookup(catalog, c, "chip").name for c in chip_ids]
    frame = catalog.loc[ids].copy()
    frame["peak_tflops"] = compute.peak_tflops(frame, precision)
    from_tdp = power.server_w_per_chip(frame["tdp_w"], server_power_ratio=ratio)
    from_system = system_w_per_chip().reindex(frame.index).to_numpy()
    frame["max_w_per_chip"] = np.where(np.isnan(from_tdp), from_system, from_tdp)
    frame["power_basis"] = np.where(np.isnan(from_tdp), np.where(np.isnan(from_system), "", "system"), "tdp")
    vendors = load("vendor_efficiency")
    factors = vendors.reindex(frame["vendor"].str.lower())
    for column in ("mfu_factor_low", "mfu_factor", "mfu_factor_high"):
        frame[column] = factors[column].fillna(1.0).to_numpy()
    return frame


def max_w_per_chip(frame: pd.DataFrame, tdp_w, *, server_power_ratio: float | None = None):
    """Maximum power per chip [W] for (drawn) TDPs of the chips in ``frame``: TDP × ratio, or the
    chip's fixed system figure where its power basis is ``system``."""
    ratio = power.SERVER_POWER_RATIO if server_power_ratio is None else server_power_ratio
    tdp_w = np.asarray(tdp_w, dtype=float)
    return np.where(
        frame["power_basis"].to_numpy() == "system",
        frame["max_w_per_chip"].to_numpy(),
        power.server_w_per_chip(tdp_w, server_power_ratio=ratio),
    )


def chip_ranges(frame: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """(low, base, high) of each chip's price, TDP, rental and vendor MFU factor, keyed
    ``"<chip> price"``, ``"<chip> TDP"``, ``"<chip> rental"``, ``"<chip> MFU factor"``; a missing
    end falls back to the base (a constant)."""
    ranges = {}
    for chip, row in frame.iterrows():
        ranges[f"{chip} price"] = uncertainty.ranges_from(row["price_usd_low"], row["price_usd"], row["price_usd_high"])
        ranges[f"{chip} TDP"] = uncertainty.ranges_from(row["tdp_w_low"], row["tdp_w"], row["tdp_w_high"])
        ranges[f"{chip} rental"] = uncertainty.ranges_from(
            row["usd_per_gpu_hour_low"], row["usd_per_gpu_hour"], row["usd_per_gpu_hour_high"]
        )
        ranges[f"{chip} MFU factor"] = (row["mfu_factor_low"], row["mfu_factor"], row["mfu_factor_high"])
    return ranges


def site_ranges(where: dict) -> dict[str, tuple[float, float, float]]:
    """(low, base, high) of the site's electricity price and PUE (fixed where given explicitly)."""
    return {"electricity price": where["usd_per_kwh_range"], "PUE": where["pue_range"]}


def mfu_range(mfu: float) -> tuple[float, float, float]:
    """MFU ± :data:`MFU_SPREAD` (capped at 1)."""
    return (mfu * (1 - MFU_SPREAD), mfu, min(1.0, mfu * (1 + MFU_SPREAD)))


def base_point(ranges: dict) -> dict[str, np.ndarray]:
    """Every input at its base value, as length-1 arrays (the deterministic evaluation)."""
    return {name: np.array([float(r[1])]) for name, r in ranges.items()}


def step_table(config_id: str, chip_ids, *, compute_efficiency: float = 0.5, overlap: float = 0.0) -> pd.DataFrame:
    """:func:`~analysis.formulas.scaling.training_step` of a published parallel configuration
    (``data/parallel_configs.csv``) on each chip, one row per chip id: ``compute_s``, ``tp_s``,
    ``ep_s``, ``dp_s``, ``communication_s``, ``step_s`` [s] and ``scaling_efficiency``."""
    from ..formulas import scaling

    config = lookup(load("parallel_configs"), config_id, "parallel configuration")
    model = lookup(load("models"), config["model_id"], "model")
    frame = chips(chip_ids)
    steps = scaling.training_step(
        frame["bf16_dense_tflops"].to_numpy(),
        frame["interconnect_gb_s"].to_numpy(),
        model=model,
        config=config,
        compute_efficiency=compute_efficiency,
        overlap=overlap,
    )
    return pd.DataFrame(steps, index=frame.index)
