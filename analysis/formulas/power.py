"""Cluster power, facility power (PUE), energy and emissions.

Defaults and their sources:

* ``SERVER_POWER_RATIO = 1.8`` — maximum power of a server and its share of the network per
  accelerator, as a multiple of the accelerator's TDP, for a chip without a ratio of its own.
  Epoch AI's training-cost model (Cottier et al. 2024, arXiv 2405.21015; code
  ``epoch-research/training-cost-trends``, ``chip_to_server_power`` in
  ``cost_analysis_standalone.py``) is chip-specific: H100 (10.2 kW / 8) / 0.7 kW = 1.821 (DGX H100),
  A100 (6.5 kW / 8) / 0.4 kW = 2.031 (DGX A100), V100 the mean of (10 kW / 16) / 0.3 kW (DGX-2)
  and (1.5 kW / 4) / 0.3 kW (DGX Station) = 1.667, TPU v1/v2/v3 2.93/1.64/1.47, other TPUs 1.56,
  and 1.8 for every other GPU. Those ratios are ``chips.csv`` ``server_power_ratio`` (with the
  export variants that share the module: H800 = H100, A800 = A100); 1.8 applies where that cell
  is empty. The overhead scales with the chip, so a 275 W card is not charged a 700 W card's host.
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
    ``TDP × server power ratio`` (a scalar, or one ratio per chip).

    Default ratio 1.8, Epoch AI's for a GPU without a system figure; the chip-specific ratios
    (``chips.csv`` ``server_power_ratio``) come from :func:`server_power_ratio_of_system`.

    Source: epoch-chip-to-server-power; epoch-training-cost-trends.
    """
    return np.asarray(tdp_w, dtype=float) * server_power_ratio


def server_power_ratio_of_system(system_power_kw, chips, tdp_w):
    """Server power ratio of a system [× TDP]: its rated power per chip over the chip's TDP,
    ``system kW × 1,000 / (chips × TDP W)`` — how Epoch AI derives its chip-specific ratios
    (DGX H100: 10.2 kW / (8 × 700 W) = 1.821; DGX A100: 6.5 kW / (8 × 400 W) = 2.031).

    Source: epoch-chip-to-server-power.
    """
    return (
        np.asarray(system_power_kw, dtype=float)
        * 1_000.0
        / (np.asarray(chips, dtype=float) * np.asarray(tdp_w, dtype=float))
    )


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
