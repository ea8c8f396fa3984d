"""The procurement report: what a chip budget (or an existing fleet) buys — whole chips,
H100-equivalents, power, energy, capex, training FLOP per year net of interruptions and the
largest compute-optimal model its largest cluster trains — next to a reference cluster, with
availability under an export rule's licence policy.

``inputs`` validates the parameters and resolves the chips, prices, availability, site, options
and Monte Carlo ranges; :func:`figures` maps arrays of the uncertain inputs (each chip's price and
TDP, each vendor's MFU factor, the reference MFU, electricity price and PUE) to every option's
figures, and is called at the base point and at the seeded draws (:func:`result`). Every headline
is the P50 of the draws, so a headline and its P10–P90 band come from one piece of code and can
never disagree on chips, reference or method.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..catalog import keys_in, load
from ..formulas import controls, cost, goodput, power, uncertainty
from ..formulas import procurement as buy
from ..formulas.compute import SECONDS_PER_HOUR
from ..formulas.power import HOURS_PER_YEAR
from . import inputs as shared
from . import params, present

#: What the ``price_basis`` parameter means here: ``range`` draws each chip's price over its
#: catalog low–high range (the headline is the median); ``low``/``base``/``high`` fix it at that
#: catalog value (the band then covers the other inputs only).
PRICE_BASES = ("range", "low", "base", "high")

PARAMETERS = params.declare(
    budget_usd=1e9, chips=["a800-sxm-80gb"], shares=None, counts=None,
    price_basis=params.Param(str, words=PRICE_BASES, default="range",
                             help="chip price: range (drawn over the catalog range) | low | base | high"),
    export_rule=None, grey_market_premium=None, reference_chip="h100-sxm", reference_count=100_000,
    mfu=0.4, training_days=90.0, max_cluster_chips=None, region="cn-avg-industrial", usd_per_kwh=None,
    pue=None, load_factor=None, server_power_ratio=None, years=None, interruptions_per_chip_hour=None,
    restart_hours=None, checkpoint_interval_hours=None, seed=0, draws=10_000)

#: Chips sold as single PCIe cards; every other catalog accelerator is bought in 8-chip boards or
#: servers (HGX/DGX, OAM platforms, Atlas 800), so a budget buys whole servers of them.
PCIE_CARDS = ("h100-pcie", "l20", "mlu370-x8")

#: Figures of every option, in the JSON's order (each with ``_p10``/``_p90`` siblings).
FIGURES = ("chips", "h100_equivalents_bf16", "h100_equivalents_tpp", "it_power_mw", "facility_power_mw",
           "annual_energy_gwh", "annual_electricity_usd", "training_flop_per_year", "goodput",
           "largest_cluster_chips", "compute_optimal_params", "capex_priced_usd", "capex_server_usd",
           "capex_network_usd", "capex_usd", "annual_cost_usd")

#: What the report does with a chip under each licence policy (analysis.assembly.export_controls).
POLICY_ACTIONS = {
    "not considered": "available at its price (no export rule applied)",
    "not required": "available at its price (no licence needed)",
    "not subject": "available at its price (not a US export)",
    "case-by-case": "available at its price; licences are reviewed case by case",
    "undetermined": "available at its price; the licence policy is undetermined (not counted as controlled)",
}
DENIED = "presumption of denial"


# --------------------------------------------------------------------------------------------
# inputs


def _or(value, default):
    """``value``, or ``default`` where it is None."""
    return default if value is None else value


def licence_policies(chip_ids, export_rule: str | None) -> pd.Series:
    """Each chip's licence policy for exports to China under ``export_rule`` (one of
    ``not required``, ``case-by-case``, ``presumption of denial``, ``not subject``,
    ``undetermined``; ``not considered`` without a rule), from the export-controls report."""
    if export_rule is None:
        return pd.Series("not considered", index=list(chip_ids), name="policy")
    from . import export_controls

    table = export_controls.licence_policies(list(chip_ids))
    return table[export_rule].reindex(list(chip_ids)).fillna("undetermined").rename("policy")


def availability(chip_ids, export_rule: str | None, grey_market_premium: float | None) -> pd.DataFrame:
    """Whether and at what price factor each chip can be bought under ``export_rule``:
    ``presumption of denial`` → only on the grey market at price × (1 + premium), or not at all
    without a premium; every other policy → available at its price ("case-by-case" and
    "undetermined" are flagged, never counted as controlled). Columns: ``policy``,
    ``price_factor`` (NaN: not available), ``action`` (what the report does, in words)."""
    policy = licence_policies(chip_ids, export_rule)
    rows = {}
    for chip, value in policy.items():
        if value == DENIED:
            if grey_market_premium is None:
                rows[chip] = (value, np.nan, "not available: no grey-market premium given")
            else:
                rows[chip] = (value, 1.0 + grey_market_premium,
                              f"grey market only, at the price + {present.pct(grey_market_premium)}")
        else:
            rows[chip] = (value, 1.0, POLICY_ACTIONS.get(value, POLICY_ACTIONS["undetermined"]))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["policy", "price_factor", "action"])


def price_range(row: pd.Series, basis: str) -> tuple[float, float, float]:
    """(low, base, high) of a chip's price for the Monte Carlo: the catalog range for
    ``range``, else fixed at the catalog's ``low``/``base``/``high`` value (a missing end falls
    back to the base)."""
    low, base, high = uncertainty.ranges_from(row["price_usd_low"], row["price_usd"], row["price_usd_high"])
    if basis == "range":
        return low, base, high
    fixed = {"low": low, "base": base, "high": high}[basis]
    return fixed, fixed, fixed


def options(p: dict, reference: str) -> dict[str, dict]:
    """The options compared: the whole budget on each chip (or each chip's own count), the mix
    when ``shares`` or ``counts`` spread over several chips, and the reference cluster. Each
    option: ``budget`` {chip: USD} or ``counts`` {chip: chips}, ``cluster`` (max chips per
    cluster: None for the reference, a single cluster by definition)."""
    chips, cap = p["chips"], p["max_cluster_chips"]
    out = {}
    if p["counts"] is None:
        for chip in chips:
            out[chip] = {"budget": {chip: p["budget_usd"]}, "cluster": cap}
        if p["shares"] is not None and len(chips) > 1:
            out["mix"] = {"budget": {c: p["budget_usd"] * s for c, s in zip(chips, p["shares"])}, "cluster": cap}
    else:
        for chip, n in zip(chips, p["counts"]):
            out[chip] = {"counts": {chip: float(n)}, "cluster": cap}
        if len(chips) > 1:
            out["mix"] = {"counts": {c: float(n) for c, n in zip(chips, p["counts"])}, "cluster": cap}
    out["reference"] = {"counts": {reference: float(p["reference_count"])}, "cluster": None}
    return out


def inputs(**values) -> dict:
    """Validate the parameters (:data:`PARAMETERS`) and resolve everything the report needs: the
    chips (candidates, then the reference), their availability, the site, the options, the
    goodput inputs and the ranges of the uncertain inputs."""
    p = params.validate("procurement", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    reference = p["reference_chip"]
    ids = list(dict.fromkeys([*p["chips"], reference]))
    chips = shared.chips(ids, precision="bf16", server_power_ratio=p["server_power_ratio"])
    chips["tpp"] = controls.tpp(chips)
    chips["chips_per_unit"] = [1.0 if c in PCIE_CARDS else float(buy.CHIPS_PER_SERVER) for c in ids]
    where = shared.site(p["region"], usd_per_kwh=p["usd_per_kwh"], pue=p["pue"])
    vendors = chips.drop_duplicates("vendor").set_index("vendor")
    ranges = {"MFU": shared.mfu_range(p["mfu"])} | shared.site_ranges(where)
    for chip, row in chips.iterrows():
        ranges[f"{chip} price"] = price_range(row, p["price_basis"])
        ranges[f"{chip} TDP"] = uncertainty.ranges_from(row["tdp_w_low"], row["tdp_w"], row["tdp_w_high"])
    for vendor, row in vendors.iterrows():
        ranges[f"{vendor} MFU factor"] = (row["mfu_factor_low"], row["mfu_factor"], row["mfu_factor_high"])
    return {"p": p, "reference": reference, "chips": chips, "site": where,
            "availability": availability(p["chips"], p["export_rule"], p["grey_market_premium"]),
            "options": options(p, reference), "ranges": ranges,
            "goodput_inputs": {
                "interruptions_per_chip_hour": _or(p["interruptions_per_chip_hour"], goodput.INTERRUPTIONS_PER_CHIP_HOUR),
                "restart_hours": _or(p["restart_hours"], goodput.RESTART_HOURS),
                "checkpoint_interval_hours": _or(p["checkpoint_interval_hours"], goodput.CHECKPOINT_INTERVAL_HOURS)},
            "load_factor": _or(p["load_factor"], power.LOAD_FACTOR),
            "server_power_ratio": _or(p["server_power_ratio"], power.SERVER_POWER_RATIO),
            "years": _or(p["years"], cost.YEARS)}


# --------------------------------------------------------------------------------------------
# the model: one function from input arrays to every option's figures


def _total(n: np.ndarray, per_chip) -> np.ndarray:
    """Σ over chips of ``n × per_chip`` [draws]; a chip with no units adds 0 even where its
    figure is unknown, an unknown count (NaN) makes the total unknown."""
    per_chip = np.broadcast_to(np.asarray(per_chip, dtype=float), n.shape)
    return np.where(n == 0, 0.0, n * per_chip).sum(axis=-1)


def figures(x: dict, inp: dict) -> dict[str, dict[str, np.ndarray]]:
    """Every option's figures from arrays of the uncertain inputs ``x`` (one array of equal
    length per name of ``inp["ranges"]``). Returns option → figure → array (one value a draw).

    Per chip (k) of an option: chips ``n_k`` = its count, or ``floor(budget_k / (price_k ×
    factor_k) / unit) × unit`` (:func:`analysis.formulas.procurement.chips_for_budget`; factor =
    1 + grey-market premium where the licence policy is a presumption of denial). Then
    reference-equivalents = Σ n_k × peak_k / peak_ref (dense BF16; and by TPP); IT power =
    Σ n_k × max W_k × load factor; facility = IT × PUE; energy = facility × 8,760 h; MFU_k = MFU ×
    vendor factor_k / vendor factor_ref (at most 1); useful chips = Σ over clusters of at most
    ``max_cluster_chips`` of chips × goodput(cluster) (one cluster per chip type); training FLOP
    per year = Σ useful_k × peak_k × MFU_k × 8,760 × 3,600 s; goodput = Σ useful / Σ n; largest
    compute-optimal model = sqrt(C / 120) with C the FLOP of the strongest single cluster in
    ``training_days``; capex by price unit (:func:`analysis.formulas.cost.capex_parts_usd`).
    """
    chips, ref = inp["chips"], inp["reference"]
    ids = list(chips.index)
    draws = len(np.asarray(x["MFU"]))
    column = lambda name: np.stack([np.asarray(x[f"{c} {name}"], dtype=float) for c in ids], axis=1)  # noqa: E731
    price = column("price")
    max_w = shared.max_w_per_chip(chips, column("TDP"), server_power_ratio=inp["server_power_ratio"])
    factor = np.stack([np.asarray(x[f"{v} MFU factor"], dtype=float) for v in chips["vendor"]], axis=1)
    mfu = np.minimum(1.0, np.asarray(x["MFU"], dtype=float)[:, None] * factor / factor[:, [ids.index(ref)]])
    peak = chips["bf16_dense_tflops"].to_numpy(dtype=float)
    flop_s_per_chip = peak * 1e12 * mfu
    unit = chips["price_unit"].fillna("").to_numpy()
    pue = np.asarray(x["PUE"], dtype=float)
    usd_per_kwh = np.asarray(x["electricity price"], dtype=float)
    seconds = inp["p"]["training_days"] * 24 * SECONDS_PER_HOUR
    candidate = chips.index.isin(inp["availability"].index)
    premium = np.where(candidate, inp["availability"]["price_factor"].reindex(ids).to_numpy(dtype=float), 1.0)
    out = {}
    for option, spec in inp["options"].items():
        paid = price * (1.0 if option == "reference" else premium)
        if "counts" in spec:
            n = np.tile([spec["counts"].get(c, 0.0) for c in ids], (draws, 1)).astype(float)
        else:
            budget = np.array([spec["budget"].get(c, 0.0) for c in ids])
            n = np.where(budget > 0, buy.chips_for_budget(budget, paid, chips_per_unit=chips["chips_per_unit"].to_numpy()),
                         0.0)
        cap = spec["cluster"]
        useful = buy.useful_chips(n, max_cluster_chips=cap, **inp["goodput_inputs"])
        cluster = buy.largest_cluster_chips(n, max_cluster_chips=cap)
        cluster_flop_s = np.where(cluster == 0, 0.0, cluster * goodput.goodput(cluster, **inp["goodput_inputs"])
                                  * flop_s_per_chip)
        strongest = np.argmax(np.nan_to_num(cluster_flop_s, nan=-1.0), axis=1)
        best_flop_s = np.take_along_axis(cluster_flop_s, strongest[:, None], axis=1)[:, 0]
        best_flop_s = np.where(np.isnan(cluster_flop_s).any(axis=1), np.nan, best_flop_s)
        total_chips = _total(n, 1.0)
        useful_total = useful.sum(axis=1)
        it_w = _total(n, max_w * inp["load_factor"])
        facility_w = power.facility_power_w(it_w, pue)
        kwh = power.energy_kwh(facility_w, HOURS_PER_YEAR)
        parts = cost.capex_parts_usd(n, np.where(n == 0, 0.0, paid), price_unit=unit)
        priced, server, network = (parts[k].sum(axis=1) for k in ("priced", "server", "network"))
        capex = priced + server + network
        electricity = cost.electricity_cost_usd(kwh, usd_per_kwh)
        out[option] = {
            "chips": total_chips,
            "h100_equivalents_bf16": _total(n, peak) / peak[ids.index(ref)],
            "h100_equivalents_tpp": _total(n, chips["tpp"].to_numpy()) / chips.loc[ref, "tpp"],
            "it_power_mw": it_w / 1e6, "facility_power_mw": facility_w / 1e6,
            "annual_energy_gwh": kwh / 1e6, "annual_electricity_usd": electricity,
            "training_flop_per_year": _total(useful, flop_s_per_chip) * HOURS_PER_YEAR * SECONDS_PER_HOUR,
            "goodput": np.divide(useful_total, total_chips, out=np.full(draws, np.nan), where=total_chips > 0),
            "largest_cluster_chips": np.where(np.isnan(best_flop_s), np.nan,
                                              np.take_along_axis(cluster, strongest[:, None], axis=1)[:, 0]),
            "compute_optimal_params": buy.compute_optimal_params(best_flop_s * seconds),
            "capex_priced_usd": priced, "capex_server_usd": server, "capex_network_usd": network,
            "capex_usd": capex,
            "annual_cost_usd": cost.annual_capex_usd(capex, years=inp["years"]) + electricity,
        }
    return out


def result(inp: dict) -> dict:
    """The figures at the base point and at the seeded draws: ``base``, ``p10``, ``p50``,
    ``p90`` (frames indexed by option, one column per figure of :data:`FIGURES`)."""
    base = figures(shared.base_point(inp["ranges"]), inp)
    drawn = figures(uncertainty.draw(inp["ranges"], inp["p"]["draws"], inp["p"]["seed"]), inp)
    out = {"base": pd.DataFrame({o: {k: float(v[0]) for k, v in f.items()} for o, f in base.items()}).T[list(FIGURES)]}
    bands = {o: {k: uncertainty.percentiles(v) for k, v in f.items()} for o, f in drawn.items()}
    for q in ("p10", "p50", "p90"):
        out[q] = pd.DataFrame({o: {k: b[k][q] for k in FIGURES} for o, b in bands.items()}).T[list(FIGURES)]
    return out


def run(**values) -> dict:
    """``inputs`` then ``result``: everything the notebook shows, in one call."""
    inp = inputs(**values)
    return inp | result(inp)
