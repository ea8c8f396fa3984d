"""The procurement report's model: one function (:func:`figures`) from arrays of the uncertain
inputs to every option's figures, evaluated at the base point and at the seeded draws
(:func:`result`), whose P10/P50/P90 come from the one percentile routine
(:func:`analysis.formulas.uncertainty.percentile_frames`, inverted_cdf). The inputs are resolved by
:func:`analysis.assembly.procurement.inputs`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..formulas import cost, goodput, power, uncertainty
from ..formulas import procurement as buy
from ..formulas.compute import SECONDS_PER_HOUR
from ..formulas.power import HOURS_PER_YEAR
from . import inputs as shared

if TYPE_CHECKING:
    from .procurement import Inputs, Option

#: Figures of every option, in the JSON's order (each with ``_p10``/``_p90`` siblings).
FIGURES = (
    "chips",
    "h100_equivalents_bf16",
    "h100_equivalents_tpp",
    "it_power_mw",
    "facility_power_mw",
    "annual_energy_gwh",
    "annual_electricity_usd",
    "training_flop_per_year",
    "goodput",
    "largest_cluster_chips",
    "compute_optimal_params",
    "capex_priced_usd",
    "capex_server_usd",
    "capex_network_usd",
    "capex_usd",
    "annual_cost_usd",
    "h100_equivalents_per_musd",
    "training_flop_per_year_per_usd",
)


@dataclass(frozen=True)
class _Draws:
    """The uncertain inputs per draw: per chip of ``Inputs.chips`` (shape draws × chips) the
    price paid [USD], maximum power [W] and training FLOP/s (peak × MFU); per draw ``pue`` and
    ``usd_per_kwh`` [USD/kWh]."""

    price_usd: np.ndarray
    max_w_per_chip: np.ndarray
    flop_s_per_chip: np.ndarray
    pue: np.ndarray
    usd_per_kwh: np.ndarray
    goodput_inputs: dict


def _draws(x: dict, inp: Inputs) -> _Draws:
    """Arrays of :class:`_Draws` from the input arrays ``x``: MFU_k = MFU × vendor factor_k /
    NVIDIA's factor (1), at most 1 and at most chip k's generation cap, whichever chip is the reference
    (:func:`analysis.assembly.inputs.chips_mfu`, chip_parity's rule); FLOP/s_k = dense BF16 peak_k ×
    10¹² × MFU_k."""
    chips, ids = inp.chips, list(inp.chips.index)
    column = lambda name: np.stack([np.asarray(x[f"{c} {name}"], dtype=float) for c in ids], axis=1)  # noqa: E731
    mfu = shared.chips_mfu(x, chips, ranges=inp.ranges, precision="bf16")
    return _Draws(
        price_usd=column("price"),
        max_w_per_chip=shared.max_w_per_chip(chips, column("TDP"), server_power_ratio=inp.server_power_ratio),
        flop_s_per_chip=chips["bf16_dense_tflops"].to_numpy(dtype=float) * 1e12 * mfu,
        pue=np.asarray(x["pue"], dtype=float),
        usd_per_kwh=np.asarray(x["usd_per_kwh"], dtype=float),
        goodput_inputs=inp.goodput.drawn(x),
    )


def _total(n: np.ndarray, per_chip) -> np.ndarray:
    """Σ over chips of ``n × per_chip`` [draws]; a chip with no units adds 0 even where its
    figure is unknown, an unknown count (NaN) makes the total unknown."""
    per_chip = np.broadcast_to(np.asarray(per_chip, dtype=float), n.shape)
    return np.where(n == 0, 0.0, n * per_chip).sum(axis=-1)


def _paid(name: str, d: _Draws, inp: Inputs) -> np.ndarray:
    """Price paid per chip [USD] (draws × chips): the price × the availability's price factor
    (1 + grey-market premium under a presumption of denial, NaN where unavailable); the reference
    pays the price."""
    if name == "reference":
        return d.price_usd * 1.0
    ids = list(inp.chips.index)
    candidate = inp.chips.index.isin(inp.availability.index)
    factor = np.where(candidate, inp.availability["price_factor"].reindex(ids).to_numpy(dtype=float), 1.0)
    return d.price_usd * factor


def _counts(option: Option, paid: np.ndarray, inp: Inputs) -> np.ndarray:
    """Chips n_k per draw and chip (draws × chips): the option's count, or
    ``floor(budget_k / cost_k / unit) × unit`` (:func:`buy.chips_for_budget`) with cost_k the
    all-in capex per chip (:func:`cost.all_in_usd_per_chip`: equal spend, ``budget_basis``
    ``all-in``) or the price paid (``as-priced``)."""
    ids = list(inp.chips.index)
    if option.counts:
        return np.tile([option.counts.get(c, 0.0) for c in ids], (paid.shape[0], 1)).astype(float)
    budget = np.array([option.budget_usd.get(c, 0.0) for c in ids])
    per_unit = inp.chips["chips_per_unit"].to_numpy()
    if inp.budget_basis == "all-in":
        paid = cost.all_in_usd_per_chip(paid, price_unit=inp.chips["price_unit"].fillna("").to_numpy())
    return np.where(budget > 0, buy.chips_for_budget(budget, paid, chips_per_unit=per_unit), 0.0)


def _clusters(n: np.ndarray, option: Option, d: _Draws, inp: Inputs) -> dict[str, np.ndarray]:
    """Useful chips per chip type (Σ over clusters of at most ``max_cluster_chips`` of chips ×
    goodput(cluster)), and of the strongest single cluster (most FLOP/s net of goodput) its
    chips and FLOP/s (NaN where any cluster's FLOP/s is unknown)."""
    kwargs = d.goodput_inputs
    useful = buy.useful_chips(n, max_cluster_chips=option.max_cluster_chips, **kwargs)
    cluster = buy.largest_cluster_chips(n, max_cluster_chips=option.max_cluster_chips)
    cluster_flop_s = np.where(cluster == 0, 0.0, cluster * goodput.goodput(cluster, **kwargs) * d.flop_s_per_chip)
    strongest = np.argmax(np.nan_to_num(cluster_flop_s, nan=-1.0), axis=1)[:, None]
    unknown = np.isnan(cluster_flop_s).any(axis=1)
    best_flop_s = np.where(unknown, np.nan, np.take_along_axis(cluster_flop_s, strongest, axis=1)[:, 0])
    largest = np.where(np.isnan(best_flop_s), np.nan, np.take_along_axis(cluster, strongest, axis=1)[:, 0])
    return {"useful": useful, "largest_cluster_chips": largest, "best_flop_s": best_flop_s}


def _option_figures(name: str, option: Option, d: _Draws, inp: Inputs) -> dict[str, np.ndarray]:
    """Every figure of :data:`FIGURES` of one option, one value a draw (see :func:`figures`)."""
    chips, ref = inp.chips, inp.reference_chip
    paid = _paid(name, d, inp)
    n = _counts(option, paid, inp)
    clusters = _clusters(n, option, d, inp)
    total_chips = _total(n, 1.0)
    peak = chips["bf16_dense_tflops"].to_numpy(dtype=float)
    it_w = _total(n, d.max_w_per_chip * inp.load_factor)
    facility_w = power.facility_power_w(it_w, d.pue)
    kwh = power.energy_kwh(facility_w, HOURS_PER_YEAR)
    parts = cost.capex_parts_usd(n, np.where(n == 0, 0.0, paid), price_unit=chips["price_unit"].fillna("").to_numpy())
    priced, server, network = (parts[k].sum(axis=1) for k in ("priced", "server", "network"))
    capex = priced + server + network
    electricity = cost.electricity_cost_usd(kwh, d.usd_per_kwh)
    seconds = inp.training_days * 24 * SECONDS_PER_HOUR
    useful_total = clusters["useful"].sum(axis=1)
    equivalents = _total(n, peak) / peak[list(chips.index).index(ref)]
    flop_per_year = _total(clusters["useful"], d.flop_s_per_chip) * HOURS_PER_YEAR * SECONDS_PER_HOUR
    return {
        "chips": total_chips,
        "h100_equivalents_bf16": equivalents,
        "h100_equivalents_tpp": _total(n, chips["tpp"].to_numpy()) / chips.loc[ref, "tpp"],
        "it_power_mw": it_w / 1e6,
        "facility_power_mw": facility_w / 1e6,
        "annual_energy_gwh": kwh / 1e6,
        "annual_electricity_usd": electricity,
        "training_flop_per_year": flop_per_year,
        "goodput": np.divide(useful_total, total_chips, out=np.full(len(n), np.nan), where=total_chips > 0),
        "largest_cluster_chips": clusters["largest_cluster_chips"],
        "compute_optimal_params": buy.compute_optimal_params(clusters["best_flop_s"] * seconds),
        "capex_priced_usd": priced,
        "capex_server_usd": server,
        "capex_network_usd": network,
        "capex_usd": capex,
        "annual_cost_usd": cost.annual_capex_usd(capex, years=inp.years) + electricity,
        "h100_equivalents_per_musd": _per(equivalents, capex / 1e6),
        "training_flop_per_year_per_usd": _per(flop_per_year, capex),
    }


def _per(figure: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """What a unit of spend buys: ``figure / spend``, NaN where nothing was spent."""
    return np.divide(figure, spend, out=np.full(len(spend), np.nan), where=spend > 0)


def figures(x: dict, inp: Inputs) -> dict[str, dict[str, np.ndarray]]:
    """Every option's figures from arrays of the uncertain inputs ``x`` (one array of equal
    length per name of ``inp.ranges``). Returns option → figure → array (one value a draw).

    Per chip (k) of an option: chips ``n_k`` = its count, or ``floor(budget_k / (price_k ×
    factor_k) / unit) × unit`` (:func:`analysis.formulas.procurement.chips_for_budget`; factor =
    1 + grey-market premium where the licence policy is a presumption of denial). Then
    reference-equivalents = Σ n_k × peak_k / peak_ref (dense BF16; and by TPP); IT power =
    Σ n_k × max W_k × load factor; facility = IT × PUE; energy = facility × 8,760 h; MFU_k = MFU ×
    vendor factor_k / vendor factor_ref (at most 1); useful chips = Σ over clusters of at most
    ``max_cluster_chips`` of chips × goodput(cluster) (one cluster per chip type; goodput:
    llama3-paper, trainmover-2025); training FLOP per year = Σ useful_k × peak_k × MFU_k × 8,760 ×
    3,600 s; goodput = Σ useful / Σ n; largest compute-optimal model = sqrt(C / 120) with C the FLOP
    of the strongest single cluster in ``training_days`` (hoffmann-2022); capex by price unit
    (:func:`analysis.formulas.cost.capex_parts_usd`, epoch-training-cost-trends); what a dollar
    buys = reference-equivalents per $1 M and training FLOP per year per $ of all-in capex.
    """
    d = _draws(x, inp)
    return {name: _option_figures(name, option, d, inp) for name, option in inp.options.items()}


@dataclass(frozen=True)
class Result:
    """The report's figures. ``base`` (every input at its base value), ``p10``, ``p50``, ``p90``
    (:func:`analysis.formulas.uncertainty.percentiles` of the seeded draws, inverted_cdf): frames
    indexed by option (candidate chip ids, ``mix``, ``reference``), one column per figure of
    :data:`FIGURES`: ``chips`` [chips], ``h100_equivalents_bf16`` / ``h100_equivalents_tpp``
    [reference-chip equivalents], ``it_power_mw`` / ``facility_power_mw`` [MW],
    ``annual_energy_gwh`` [GWh/yr], ``annual_electricity_usd`` [USD/yr],
    ``training_flop_per_year`` [FLOP/yr], ``goodput`` [share of wall-clock time],
    ``largest_cluster_chips`` [chips], ``compute_optimal_params`` [parameters], ``capex_priced_usd``
    / ``capex_server_usd`` / ``capex_network_usd`` / ``capex_usd`` [USD], ``annual_cost_usd``
    [USD/yr], ``h100_equivalents_per_musd`` [reference-chip equivalents per $1 M of all-in capex],
    ``training_flop_per_year_per_usd`` [FLOP/yr per USD of all-in capex]. NaN where an input is not
    sourced (:func:`notes` says which)."""

    inputs: Inputs
    base: pd.DataFrame
    p10: pd.DataFrame
    p50: pd.DataFrame
    p90: pd.DataFrame


def result(inp: Inputs) -> Result:
    """The figures at the base point and the P10/P50/P90 of the figures at the seeded draws."""
    names = list(inp.options)
    base = figures(shared.base_point(inp.ranges), inp)
    drawn = figures(uncertainty.draw(inp.ranges, inp.draws, inp.seed), inp)
    base_frame = pd.DataFrame({o: {k: float(v[0]) for k, v in base[o].items()} for o in names}).T[list(FIGURES)]
    bands = uncertainty.percentile_frames({k: np.stack([drawn[o][k] for o in names], axis=1) for k in FIGURES}, names)
    return Result(inputs=inp, base=base_frame, **bands)
