"""Sweep 10^6 scenarios (chip × region × MFU × price × PUE) through the full chain to energy and
TCO with the library's vectorized functions, against a per-scenario Python loop over the same
functions, and time a 10^5-draw Monte Carlo of the chip_parity report's figures (the report's own
``figures`` function, the one its tables and headlines come from).

Usage (with the package installed, ``pip install -e .``): .venv/bin/python benchmarks/sweep.py
"""

from __future__ import annotations

import resource
import time

import numpy as np

from analysis.assembly import chip_parity
from analysis.catalog import load
from analysis.formulas import compute, cost, power, uncertainty

YEARS = 4.0
LOOP_SAMPLE = 20_000  # scenarios timed in the Python loop; its time is scaled to the full grid


def grid():
    """The scenario grid as broadcastable arrays: 17 chips × 8 regions × 20 MFU × 20 price × 20 PUE."""
    chips = load("chips").dropna(subset=["tdp_w", "price_usd", "price_unit"])
    regions = load("regions").dropna(subset=["usd_per_kwh"])
    n_chips, n_regions = len(chips), len(regions)
    steps = max(2, round((1e6 / (n_chips * n_regions)) ** (1 / 3)))
    shape = (n_chips, n_regions, steps, steps, steps)
    axes = {
        "peak_tflops": chips["bf16_dense_tflops"].to_numpy(),
        "tdp_w": chips["tdp_w"].to_numpy(),
        "price_usd": chips["price_usd"].to_numpy(),
        "price_unit": chips["price_unit"].to_numpy(),
        "usd_per_kwh": regions["usd_per_kwh"].to_numpy(),
        "mfu": np.linspace(0.2, 0.6, steps),
        "price_factor": np.linspace(0.7, 1.5, steps),
        "pue": np.linspace(1.05, 1.6, steps),
    }
    view = {  # each axis placed on its own dimension of the 5-d grid
        "peak_tflops": (slice(None), None, None, None, None),
        "tdp_w": (slice(None), None, None, None, None),
        "price_usd": (slice(None), None, None, None, None),
        "price_unit": (slice(None), None, None, None, None),
        "usd_per_kwh": (None, slice(None), None, None, None),
        "mfu": (None, None, slice(None), None, None),
        "price_factor": (None, None, None, slice(None), None),
        "pue": (None, None, None, None, slice(None)),
    }
    return {k: v[view[k]] for k, v in axes.items()}, shape


def chain(peak_tflops, tdp_w, price_usd, price_unit, usd_per_kwh, mfu, price_factor, pue, chip_count=1024):
    """Energy and TCO of ``chip_count`` chips for YEARS years, and cost per effective PFLOP-hour
    (the formulas the reports use: TDP × server power ratio × load factor, capex by price unit)."""
    it_w = power.it_power_w(chip_count, power.server_w_per_chip(tdp_w))
    facility_w = power.facility_power_w(it_w, pue)
    energy_mwh = power.energy_kwh(facility_w, power.HOURS_PER_YEAR * YEARS) / 1_000
    capex = cost.capex_usd(chip_count, price_usd * price_factor, price_unit=price_unit)
    tco = cost.tco_usd(capex, cost.annual_opex_usd(facility_w, usd_per_kwh), years=YEARS)
    effective = compute.effective_tflops(peak_tflops, mfu) * chip_count
    return energy_mwh, tco, cost.usd_per_pflop_hour(tco, effective, hours=power.HOURS_PER_YEAR * YEARS)


def main() -> None:
    arrays, shape = grid()
    n = int(np.prod(shape))
    # one row per scenario, as a user's table of scenarios would hold them (no broadcasting shortcuts)
    full = {k: np.ascontiguousarray(np.broadcast_to(v, shape).ravel()) for k, v in arrays.items()}
    chain(**full)  # warm-up (first-call costs)
    start = time.perf_counter()
    energy, tco, per_pflop = chain(**full)
    vectorized_s = time.perf_counter() - start
    assert per_pflop.shape == (n,) and np.isfinite(per_pflop).all()  # every scenario computed

    picks = np.random.default_rng(0).choice(n, LOOP_SAMPLE, replace=False)
    start = time.perf_counter()
    for i in picks:
        result = chain(**{k: (v[i] if v.dtype == object else float(v[i])) for k, v in full.items()})
    loop_s = (time.perf_counter() - start) / LOOP_SAMPLE * n
    assert np.isclose(result[2], per_pflop[picks[-1]])  # same functions, same numbers

    inp = chip_parity.inputs(candidates=["h800-sxm", "h20", "ascend-910b", "b200"], region="cn-avg-industrial")
    start = time.perf_counter()
    figures = chip_parity.figures(uncertainty.draw(inp.ranges, 100_000, 0), inp)
    uncertainty.percentile_frames({k: figures[k] for k in ("tco_usd", "usd_per_pflop_hour")}, inp.chips.index)
    mc_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"scenarios: {n:,} (grid {' x '.join(map(str, shape))}: chips x regions x MFU x price x PUE)")
    print(f"vectorized chain to energy and TCO: {vectorized_s:.3f} s")
    print(
        f"per-scenario Python loop (timed on {LOOP_SAMPLE:,}, scaled): {loop_s:.1f} s "
        f"-> vectorized is {loop_s / vectorized_s:,.0f}x faster"
    )
    print(f"Monte Carlo, 100,000 draws, chip_parity key figures (5 chips x TCO and $/PFLOP-h): {mc_s:.3f} s")
    print(f"peak resident memory of this process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
