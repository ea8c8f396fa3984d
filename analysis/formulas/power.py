"""Cluster power, facility power (PUE), energy and emissions.

Defaults and their sources:

* ``LOAD_FACTOR = 0.75`` — average draw as a share of rated power. Epoch AI's training-cost model
  (Cottier et al. 2024, arXiv 2405.21015, code ``epoch-research/training-cost-trends``) uses 0.75
  of server TDP for GPUs.
* ``OVERHEAD_W_PER_CHIP = 431`` — non-accelerator server, network and fan power per chip. A DGX
  H100 is rated 10.2 kW for 8 × 700 W GPUs (NVIDIA DGX H100 user guide), so the rest of the
  server is (10,200 − 8 × 700) / 8 = 575 W per GPU at maximum; at the same 0.75 average draw that
  is 575 × 0.75 ≈ 431 W. It is applied per chip for every chip, a stated simplification.
"""
from __future__ import annotations

import numpy as np

LOAD_FACTOR = 0.75
OVERHEAD_W_PER_CHIP = 431.0
HOURS_PER_YEAR = 8_760.0


def it_power_w(chip_count, tdp_w, load_factor=LOAD_FACTOR, overhead_w_per_chip=OVERHEAD_W_PER_CHIP):
    """Average IT power of a cluster, ``n × (TDP × load factor + overhead per chip)`` [W]."""
    return np.asarray(chip_count, dtype=float) * (np.asarray(tdp_w, dtype=float) * load_factor
                                                  + overhead_w_per_chip)


def facility_power_w(it_power_w, pue):
    """Facility power including cooling and power conversion, ``IT power × PUE`` [W]."""
    return np.asarray(it_power_w, dtype=float) * pue


def energy_kwh(power_w, hours):
    """Energy drawn at ``power_w`` for ``hours`` [kWh]."""
    return np.asarray(power_w, dtype=float) * hours / 1_000.0


def emissions_tco2(energy_kwh, grid_kgco2_per_kwh):
    """Operational emissions of ``energy_kwh`` at a grid intensity [t CO2]."""
    return np.asarray(energy_kwh, dtype=float) * grid_kgco2_per_kwh / 1_000.0
