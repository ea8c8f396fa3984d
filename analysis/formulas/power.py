"""Cluster power, facility power (PUE), energy and emissions.

Defaults and their sources:

* ``SERVER_POWER_RATIO = 1.8`` — maximum power of a server and its share of the network per
  accelerator, as a multiple of the accelerator's TDP. Epoch AI's training-cost model (Cottier et
  al. 2024, arXiv 2405.21015; code ``epoch-research/training-cost-trends``,
  ``chip_to_server_power``) uses 1.8 for GPUs without a system figure; it matches the DGX H100
  (10.2 kW / (8 × 700 W) = 1.82) and DGX B200 (14.3 kW / (8 × 1,000 W) = 1.79). The overhead
  scales with the chip, so a 275 W card is not charged a 700 W card's host.
* ``LOAD_FACTOR = 0.75`` — average draw as a share of that maximum during training (Epoch AI,
  ``server_TDP_fraction``).
"""

from __future__ import annotations

import numpy as np

SERVER_POWER_RATIO = 1.8
LOAD_FACTOR = 0.75
HOURS_PER_YEAR = 8_760.0


def server_w_per_chip(tdp_w, *, server_power_ratio=SERVER_POWER_RATIO):
    """Maximum IT power per accelerator, its server and network share included [W]:
    ``TDP × server power ratio``.

    Default ratio 1.8 (Epoch AI), matching the DGX H100 and DGX B200 (see the module docstring).

    Source: epoch-training-cost-trends; dgx-h100-power; dgx-b200-datasheet-repro.
    """
    return np.asarray(tdp_w, dtype=float) * server_power_ratio


def it_power_w(chip_count, max_w_per_chip, *, load_factor=LOAD_FACTOR):
    """Average IT power of a cluster [W]: ``n × maximum W per chip × load factor``, where the
    maximum comes from :func:`server_w_per_chip` or from a system's rated power per chip.

    Default load factor 0.75 (Epoch AI).

    Source: epoch-training-cost-trends.
    """
    return np.asarray(chip_count, dtype=float) * np.asarray(max_w_per_chip, dtype=float) * load_factor


def facility_power_w(it_power_w, pue):
    """Facility power including cooling and power conversion, ``IT power × PUE`` [W].

    Source: definition.
    """
    return np.asarray(it_power_w, dtype=float) * pue


def energy_kwh(power_w, hours):
    """Energy drawn at ``power_w`` for ``hours`` [kWh].

    Source: definition.
    """
    return np.asarray(power_w, dtype=float) * hours / 1_000.0


def emissions_tco2(energy_kwh, grid_kgco2_per_kwh):
    """Operational emissions of ``energy_kwh`` at a grid intensity [t CO2].

    Source: definition.
    """
    return np.asarray(energy_kwh, dtype=float) * grid_kgco2_per_kwh / 1_000.0
