"""Procurement: what a chip budget (or an existing fleet) buys — chips in whole servers,
H100-equivalents, power, energy, training FLOP per year and the largest compute-optimal model —
with export-control availability and grey-market premiums, and P10/P90 over the uncertain inputs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..formulas import controls, cost, power, uncertainty
from ..catalog import load
from ..formulas.power import HOURS_PER_YEAR
from .tables import cost_ranges, drawn_it_w, it_w_per_chip

#: Chips sold as single PCIe cards; every other catalog accelerator is bought as 8-chip boards or
#: servers (HGX/DGX, OAM platforms, Atlas 800), so purchases are rounded down to multiples of 8.
PCIE_CARDS = ("h100-pcie", "l20", "mlu370-x8")
SERVER_CHIPS = 8
#: Chinchilla: compute-optimal training uses D ≈ 20 tokens per parameter, so C = 6·N·20·N = 120·N²
#: (Hoffmann et al. 2022, arXiv 2203.15556).
CHINCHILLA_TOKENS_PER_PARAM = 20.0


def compute_optimal_params(training_flop):
    """Largest compute-optimal model for a compute budget [parameters]: N = sqrt(C / 120)."""
    return np.sqrt(np.asarray(training_flop, dtype=float) / (6.0 * CHINCHILLA_TOKENS_PER_PARAM))


def unit_prices(chip_ids, price_basis="base", export_rule=None, grey_market_premium=None) -> pd.DataFrame:
    """Price per chip at ``price_basis`` (low/base/high of the catalog; missing ends fall back to
    base) and whether it is available: a chip controlled under ``export_rule`` is bought on the
    grey market at ``price × (1 + premium)``, or not at all when no premium is given.
    Columns: ``price_usd``, ``controlled``, ``available``."""
    chips = load("chips").loc[list(chip_ids)]
    column = {"low": "price_usd_low", "base": "price_usd", "high": "price_usd_high"}[price_basis]
    price = chips[column].fillna(chips["price_usd"])
    controlled = pd.Series(False, index=chips.index)
    if export_rule is not None:
        status = controls.control_table(load("chips"), load("export_rules"))[export_rule]
        controlled = ~status.loc[chips.index].isin([controls.NOT_CONTROLLED])
    available = ~controlled | (grey_market_premium is not None)
    premium = 0.0 if grey_market_premium is None else grey_market_premium
    price = price * np.where(controlled, 1.0 + premium, 1.0)
    return pd.DataFrame({"price_usd": price.where(available), "controlled": controlled, "available": available})


def chips_for_budget(chip_ids, budget_usd, price_usd):
    """Whole chips a chip budget buys [chips]: budget / chip price, rounded down to whole 8-chip
    servers (single cards for PCIe parts). Servers and networking come on top (see ``capex_usd``
    of :func:`procurement_table`), as in the reported orders (e.g. ~$1 B for ~100,000 A800)."""
    raw = np.floor(np.asarray(budget_usd, dtype=float) / np.asarray(price_usd, dtype=float))
    per_server = np.array([1 if c in PCIE_CARDS else SERVER_CHIPS for c in chip_ids], dtype=float)
    return np.nan_to_num(np.floor(raw / per_server) * per_server)


def fleet_figures(counts: pd.Series, chips: pd.DataFrame, reference: pd.Series, mfu: float, site: dict,
                  training_days: float, load_factor=power.LOAD_FACTOR,
                  overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP) -> dict:
    """Key figures of a fleet (chip counts by chip id): chips, H100-equivalents by dense BF16 and
    by TPP, IT and facility power, annual energy and electricity, training FLOP per year at
    ``mfu``, and the largest compute-optimal model trainable in ``training_days``."""
    tpp = controls.tpp(chips)
    it_w = counts * it_w_per_chip(chips, load_factor, overhead_w_per_chip)
    facility_w = power.facility_power_w(it_w, site["pue"])
    annual_kwh = power.energy_kwh(facility_w, HOURS_PER_YEAR)
    flop_per_s = counts * chips["bf16_dense_tflops"] * 1e12 * mfu
    return {
        "chips": float(counts.sum()),
        "h100_equivalents_bf16": float((counts * chips["bf16_dense_tflops"]).sum() / reference["bf16_dense_tflops"]),
        "h100_equivalents_tpp": float((counts * tpp).sum() / controls.tpp(reference.to_frame().T).iloc[0]),
        "it_power_mw": float(np.sum(it_w) / 1e6),
        "facility_power_mw": float(np.sum(facility_w) / 1e6),
        "annual_energy_gwh": float(np.sum(annual_kwh) / 1e6),
        "annual_electricity_usd": float(np.sum(annual_kwh) * site["usd_per_kwh"]),
        "training_flop_per_year": float(flop_per_s.sum() * HOURS_PER_YEAR * 3_600),
        "compute_optimal_params": float(compute_optimal_params(flop_per_s.sum() * training_days * 86_400)),
    }


def capex_split(chip_usd: pd.Series) -> dict:
    """Chip spend [USD] and what servers and networking add on top (Epoch AI's 1.64 server factor
    and 19 % network share): ``chip_usd``, ``server_usd``, ``network_usd``, ``capex_usd``."""
    chips_total = float(np.nansum(chip_usd))
    capex = float(cost.capex_usd(1, chips_total))
    servers = chips_total * (cost.SERVER_COST_FACTOR - 1.0)
    return {"chip_usd": chips_total, "server_usd": servers, "network_usd": capex - chips_total - servers,
            "capex_usd": capex}


def procurement_table(budget_usd: float, chip_ids, shares=None, counts=None, price_basis="base",
                      export_rule=None, grey_market_premium=None, reference_chip="h100-sxm",
                      reference_count=100_000, mfu=0.4, site: dict | None = None, training_days=90.0,
                      **power_kwargs) -> pd.DataFrame:
    """One row per option: the whole budget spent on each chip, the mix (``shares`` of the budget,
    or fixed ``counts``) when more than one chip is given, and the reference fleet of
    ``reference_count`` × ``reference_chip``. Columns: :func:`fleet_figures` plus
    :func:`capex_split`."""
    chips = load("chips").loc[list(chip_ids)]
    reference = load("chips").loc[reference_chip]
    prices = unit_prices(chip_ids, price_basis, export_rule, grey_market_premium)
    rows = {}

    def add(option, fleet):
        fleet = fleet.reindex(chips.index, fill_value=0.0)
        rows[option] = fleet_figures(fleet, chips, reference, mfu, site, training_days, **power_kwargs)
        rows[option] |= capex_split(fleet * prices["price_usd"])

    if counts is not None:
        fixed = pd.Series(counts, index=chips.index, dtype=float)
        for chip in chips.index:
            add(chip, fixed[[chip]])
    else:
        bought = pd.Series(chips_for_budget(chips.index, budget_usd, prices["price_usd"]), index=chips.index)
        for chip in chips.index:
            add(chip, bought[[chip]])
        if shares is not None:
            fixed = pd.Series(chips_for_budget(chips.index, budget_usd * np.asarray(shares), prices["price_usd"]),
                              index=chips.index)
    if len(chips) > 1 and (counts is not None or shares is not None):
        add("mix", fixed)
    ref_chips = load("chips").loc[[reference_chip]]
    rows[f"reference: {reference_count:,} {reference_chip}"] = fleet_figures(
        pd.Series([float(reference_count)], index=ref_chips.index), ref_chips, reference, mfu, site,
        training_days, **power_kwargs) | capex_split(pd.Series([reference_count * reference["price_usd"]]))
    return pd.DataFrame(rows).T


def procurement_uncertainty(budget_usd: float, chip_ids, shares=None, counts=None, export_rule=None,
                            grey_market_premium=None, mfu=0.4, region="cn-avg-industrial", usd_per_kwh=None,
                            pue=None, training_days=90.0, draws=10_000, seed=0,
                            load_factor=power.LOAD_FACTOR,
                            overhead_w_per_chip=power.OVERHEAD_W_PER_CHIP) -> pd.DataFrame:
    """P10/P90 of every option's key figures (:func:`procurement_table`, reference excluded) over
    the catalog price and TDP ranges, the region's electricity price and PUE ranges and MFU ±25 %."""
    chips = load("chips").loc[list(chip_ids)]
    reference = load("chips").loc["h100-sxm"]
    ranges = cost_ranges(chips.index, region, mfu, usd_per_kwh, pue)
    v = uncertainty.draw(ranges, draws, seed)
    available = unit_prices(chips.index, "base", export_rule, grey_market_premium)
    premium = np.where(available["controlled"], 1.0 + (grey_market_premium or 0.0), 1.0)
    tpp = controls.tpp(chips)
    fixed_w = it_w_per_chip(chips, load_factor, overhead_w_per_chip)

    def fleet(allocation):  # chip id -> budget share (None: fixed counts) -> per-draw figures
        total = {k: 0.0 for k in ("chips", "bf16", "tpp", "it_w", "flop_s")}
        for i, chip in enumerate(chips.index):
            if counts is not None:
                n = np.full(draws, float(counts[i]) if allocation[i] else 0.0)
            else:
                price = v[f"{chip} price"] * premium[i] if available.loc[chip, "available"] else np.nan
                n = chips_for_budget([chip], budget_usd * allocation[i], price)
            watts = drawn_it_w(v[f"{chip} TDP"], fixed_w[chip], load_factor, overhead_w_per_chip)
            total["chips"] = total["chips"] + n
            total["bf16"] = total["bf16"] + n * chips.loc[chip, "bf16_dense_tflops"]
            total["tpp"] = total["tpp"] + n * tpp[chip]
            total["it_w"] = total["it_w"] + n * watts
            total["flop_s"] = total["flop_s"] + n * chips.loc[chip, "bf16_dense_tflops"] * 1e12 * v["MFU"]
        facility_w = total["it_w"] * v["PUE"]
        kwh = facility_w * HOURS_PER_YEAR / 1e3
        return {"chips": total["chips"], "h100_equivalents_bf16": total["bf16"] / reference["bf16_dense_tflops"],
                "h100_equivalents_tpp": total["tpp"] / controls.tpp(reference.to_frame().T).iloc[0],
                "it_power_mw": total["it_w"] / 1e6, "facility_power_mw": facility_w / 1e6,
                "annual_energy_gwh": kwh / 1e6, "annual_electricity_usd": kwh * v["electricity price"],
                "training_flop_per_year": total["flop_s"] * HOURS_PER_YEAR * 3_600,
                "compute_optimal_params": compute_optimal_params(total["flop_s"] * training_days * 86_400)}

    n_chips = len(chips)
    options = {chip: [1.0 if j == i else 0.0 for j in range(n_chips)] for i, chip in enumerate(chips.index)}
    if n_chips > 1 and (counts is not None or shares is not None):
        options["mix"] = [1.0] * n_chips if counts is not None else list(shares)
    rows = {}
    for option, allocation in options.items():
        figures = fleet(allocation)
        rows[option] = {f"{k}_{q}": p for k, x in figures.items()
                        for q, p in uncertainty.percentiles(x, (10, 90)).items()}
    return pd.DataFrame(rows).T
