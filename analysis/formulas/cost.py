"""Capex, opex, total cost of ownership, rental cost, cost per effective PFLOP-hour and the
break-even electricity price.

Defaults and their sources (Epoch AI, ``epoch-research/training-cost-trends``, the code of
Cottier et al. 2024, arXiv 2405.21015):

* ``SERVER_COST_FACTOR = 1.64`` — server cost per accelerator over the accelerator's price
  (Epoch's default; 1.66 for A100 and 1.69 for V100 servers). Epoch applies it only to a
  single-unit (chip) price; a DGX/HGX server price is used per GPU as it is. So does this package:
  the H100 class (H100 SXM, H800, H200, H20) is priced as a share of an 8-GPU server
  (``price_unit`` ``server``; the H100 from the DGX H100's $270,000 / 8 = $33,750, as Epoch prices
  it), which adds the network only: $33,750 / 0.81 = $41,667 all-in per H100, where a $27,500 chip
  price × 1.64 / 0.81 gave $55,679 — more than the DGX it comes in.
* ``NETWORK_COST_FRACTION = 0.19`` — cluster interconnect as a fraction of total cluster cost
  (Epoch's ``CLUSTER_INTERCONNECT_COST_FRACTION``).

  The 0.19 is the *cluster-level* network between servers: Epoch's code books it as
  "Cluster-level interconnect cost", apart from the "intra-node interconnect" its server markup
  covers, and adds it to every hardware type, TPU pods included. A rack or supernode price
  (``price_unit`` ``system``: GB200 NVL72, CloudMatrix 384) buys the system's scale-up network
  (NVLink switch trays; the UB network's switches and optics) as a DGX server price buys its
  NVLink, and no network between systems, which a cluster of several needs. So every price unit
  takes the same ÷ (1 − 0.19); only a chip price takes the 1.64 server markup (rule pre-registered
  in the basis lane, session 15: GB200 all-in $41,667 → $51,441, Ascend 910C $21,354 → $26,363).
* ``YEARS = 4`` — depreciation horizon, a choice of this package (no source found for an analyst's
  4-year horizon), shorter than the 5–6 years over which hyperscalers depreciate servers (10-K
  filings, ``hyperscaler-depreciation``: the range).
"""

from __future__ import annotations

import numpy as np

from .power import HOURS_PER_YEAR

SERVER_COST_FACTOR = 1.64
NETWORK_COST_FRACTION = 0.19
YEARS = 4.0
#: What a catalog price buys: the accelerator alone, its share of a server, or its share of a
#: whole system (rack or supernode with its scale-up network, not the network between systems).
PRICE_UNITS = ("chip", "server", "system")


def capex_parts_usd(
    chip_count,
    price_usd,
    *,
    price_unit="chip",
    server_cost_factor=SERVER_COST_FACTOR,
    network_cost_fraction=NETWORK_COST_FRACTION,
) -> dict:
    """Hardware capex of a cluster in three parts [USD]: ``priced`` = chips × price as quoted;
    ``server`` = what the server adds (price × (factor − 1), only for a ``chip`` price);
    ``network`` = the cluster network between servers or systems, sized so that it is
    ``network_cost_fraction`` of the total, ``(priced + server) × f / (1 − f)``, for every price
    unit (a server or system price carries only its scale-up network: module docstring). Markups
    never apply twice (Epoch AI's 1.64 and 0.19).

    Source: epoch-training-cost-trends.
    """
    unit = np.asarray(price_unit)
    priced = np.asarray(chip_count, dtype=float) * np.asarray(price_usd, dtype=float)
    server = priced * np.where(unit == "chip", server_cost_factor - 1.0, 0.0)
    network = (priced + server) * network_cost_fraction / (1.0 - network_cost_fraction)
    return {"priced": priced, "server": server, "network": network}


def capex_usd(
    chip_count,
    price_usd,
    *,
    price_unit="chip",
    server_cost_factor=SERVER_COST_FACTOR,
    network_cost_fraction=NETWORK_COST_FRACTION,
):
    """Hardware capex of a cluster [USD]: the sum of :func:`capex_parts_usd`. For a chip price,
    ``n × price × 1.64 / (1 − 0.19)``; a server-share or system-share price,
    ``n × price / (1 − 0.19)``.

    Source: epoch-training-cost-trends.
    """
    parts = capex_parts_usd(
        chip_count,
        price_usd,
        price_unit=price_unit,
        server_cost_factor=server_cost_factor,
        network_cost_fraction=network_cost_fraction,
    )
    return parts["priced"] + parts["server"] + parts["network"]


def all_in_usd_per_chip(
    price_usd,
    *,
    price_unit="chip",
    server_cost_factor=SERVER_COST_FACTOR,
    network_cost_fraction=NETWORK_COST_FRACTION,
):
    """All-in capex per chip [USD/chip]: what one chip costs with its share of the server and the
    cluster network, :func:`capex_usd` of one chip: ``price × 1.64 / (1 − 0.19)`` for a chip
    price, ``price / (1 − 0.19)`` for a server-share or system-share price. A budget
    of all-in capex buys ``budget / this`` chips, so options priced in different units are
    compared at equal spend.

    Source: epoch-training-cost-trends.
    """
    return capex_usd(
        1.0,
        price_usd,
        price_unit=price_unit,
        server_cost_factor=server_cost_factor,
        network_cost_fraction=network_cost_fraction,
    )


def usd_per_chip_from_quote(price_local, *, per_usd, chips_per_unit=1):
    """A quote in a local currency as US dollars per chip (or per chip-hour) [USD]:
    ``price / per_usd / chips_per_unit``, with ``per_usd`` the dated exchange rate (local units per
    US dollar) and ``chips_per_unit`` the chips the quote buys (8 for an 8-GPU server).

    Source: definition; fed-g5a-2024-02.
    """
    return np.asarray(price_local, dtype=float) / np.asarray(per_usd, dtype=float) / np.asarray(chips_per_unit)


def capital_recovery_factor(years, cost_of_capital=0.0):
    """Share of capex charged per year [1/year]: ``r / (1 − (1 + r)^−years)``; ``1 / years``
    (straight-line depreciation) when ``cost_of_capital`` is 0.

    The annuity formula is a definition; a cost of capital of 0 (the default: straight-line capex)
    is this package's assumption.

    Source: definition; package-assumption.
    """
    years = np.asarray(years, dtype=float)
    rate = np.asarray(cost_of_capital, dtype=float)
    safe = np.where(rate == 0, 1.0, rate)
    return np.where(rate == 0, 1.0 / years, safe / (1.0 - (1.0 + safe) ** -years))


def annual_capex_usd(capex_usd, *, years=YEARS, cost_of_capital=0.0):
    """Capex charged per year over ``years`` at ``cost_of_capital`` [USD/year].

    Default horizon 4 years (a choice of this package, shorter than the 5-6 years over which
    hyperscalers depreciate servers); cost of capital 0 is assumed.

    Source: hyperscaler-depreciation; package-assumption.
    """
    return np.asarray(capex_usd, dtype=float) * capital_recovery_factor(years, cost_of_capital)


def electricity_cost_usd(energy_kwh, usd_per_kwh):
    """Cost of ``energy_kwh`` at ``usd_per_kwh`` [USD].

    Source: definition.
    """
    return np.asarray(energy_kwh, dtype=float) * usd_per_kwh


def annual_opex_usd(facility_power_w, usd_per_kwh, *, capex_usd=0.0, maintenance_fraction=0.0):
    """Yearly operating cost [USD/year]: electricity at the facility meter for a full year, plus
    maintenance as a fraction of capex per year (0 by default: no public source gives one).

    Source: definition; package-assumption.
    """
    energy = np.asarray(facility_power_w, dtype=float) * HOURS_PER_YEAR / 1_000.0
    return energy * usd_per_kwh + np.asarray(capex_usd, dtype=float) * maintenance_fraction


def tco_usd(capex_usd, annual_opex_usd, *, years=YEARS, cost_of_capital=0.0):
    """Total cost of ownership over ``years`` [USD]: capex charges plus opex for each year.

    Defaults as in :func:`annual_capex_usd`.

    Source: definition; hyperscaler-depreciation; package-assumption.
    """
    return (
        annual_capex_usd(capex_usd, years=years, cost_of_capital=cost_of_capital)
        + np.asarray(annual_opex_usd, dtype=float)
    ) * years


def usd_per_pflop_hour(cost_usd, effective_tflops_total, *, hours):
    """Cost per effective PFLOP-hour [USD/(PFLOP/s·h)]: cost / (sustained PFLOP/s × hours).

    Source: definition.
    """
    return np.asarray(cost_usd, dtype=float) / (np.asarray(effective_tflops_total) / 1_000.0 * hours)


def rental_cost_usd(gpu_hours, usd_per_gpu_hour):
    """Cost of renting ``gpu_hours`` at ``usd_per_gpu_hour`` [USD].

    Source: definition.
    """
    return np.asarray(gpu_hours, dtype=float) * usd_per_gpu_hour


def break_even_usd_per_kwh(
    reference_usd_per_pflop_hour, candidate_capex_usd_per_pflop_hour, *, candidate_kwh_per_pflop_hour
):
    """Electricity price at which a candidate's cost per effective PFLOP-hour equals the
    reference's [USD/kWh].

    The candidate's cost per PFLOP-hour is linear in the price ``p``:
    ``capex part + kWh per PFLOP-hour × p``; setting it equal to the reference's gives
    ``p = (reference − capex part) / kWh per PFLOP-hour``. NaN where that price would be negative:
    the candidate's hardware alone already costs more per PFLOP-hour than the reference's total.

    Source: definition.
    """
    price = (
        np.asarray(reference_usd_per_pflop_hour, dtype=float) - candidate_capex_usd_per_pflop_hour
    ) / candidate_kwh_per_pflop_hour
    return np.where(price >= 0, price, np.nan)
