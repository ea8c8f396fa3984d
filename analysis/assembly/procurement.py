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
    budget_usd=1e9,
    chips=["a800-sxm-80gb"],
    shares=None,
    counts=None,
    price_basis="range",
    export_rule=None,
    grey_market_premium=None,
    reference_chip="h100-sxm",
    reference_count=100_000,
    mfu=0.4,
    training_days=90.0,
    max_cluster_chips=None,
    region="cn-avg-industrial",
    usd_per_kwh=None,
    pue=None,
    load_factor=None,
    server_power_ratio=None,
    years=None,
    interruptions_per_chip_hour=None,
    restart_hours=None,
    checkpoint_interval_hours=None,
    reported_chips=None,
    seed=0,
    draws=10_000,
)

#: Chips sold as single PCIe cards; every other catalog accelerator is bought in 8-chip boards or
#: servers (HGX/DGX, OAM platforms, Atlas 800), so a budget buys whole servers of them.
PCIE_CARDS = ("h100-pcie", "l20", "mlu370-x8")

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
)

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
                rows[chip] = (
                    value,
                    1.0 + grey_market_premium,
                    f"grey market only, at the price + {present.pct(grey_market_premium)}",
                )
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


def cross_check(values: dict) -> None:
    """One budget share or count per chip, shares that sum to 1; a budget buys only chips with a
    sourced price; a fleet holds at least one chip."""
    chips = values.get("chips") or []
    for name in ("shares", "counts"):
        if values.get(name) is not None and len(values[name]) != len(chips):
            raise params.ParameterError(
                f"parameter {name}: {values[name]!r} has {len(values[name])} items; "
                f"expected one per chip of chips ({len(chips)})"
            )
    if values.get("shares") is not None and abs(sum(values["shares"]) - 1) > 1e-6:
        raise params.ParameterError(
            f"parameter shares: {values['shares']!r} sums to {sum(values['shares']):g}; "
            "expected budget shares that sum to 1"
        )
    catalog = load("chips")
    if values.get("counts") is None:
        unpriced = [
            c for c in chips if c in catalog.index and not catalog.at[c, "price_usd"] == catalog.at[c, "price_usd"]
        ]
        if unpriced:
            raise params.ParameterError(
                f"parameter chips: {', '.join(unpriced)} has no sourced price in data/chips.csv, "
                "so a budget cannot buy it; give counts (an existing fleet) instead"
            )
    elif not sum(values["counts"]) > 0:
        raise params.ParameterError(f"parameter counts: {values['counts']!r} holds no chip; expected at least one")


def inputs(**values) -> dict:
    """Validate the parameters (:data:`PARAMETERS`) and resolve everything the report needs: the
    chips (candidates, then the reference), their availability, the site, the options, the
    goodput inputs and the ranges of the uncertain inputs."""
    p = params.validate("procurement", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    reference = p["reference_chip"]
    ids = list(dict.fromkeys([*p["chips"], reference]))
    chips = shared.chips(ids, precision="bf16", server_power_ratio=p["server_power_ratio"])
    chips["tpp"] = controls.tpp(chips) * chips["ics_per_card"]  # per card bought (TPP is per IC)
    chips["chips_per_unit"] = [1.0 if c in PCIE_CARDS else float(buy.CHIPS_PER_SERVER) for c in ids]
    where = shared.site(p["region"], usd_per_kwh=p["usd_per_kwh"], pue=p["pue"])
    vendors = chips.drop_duplicates("vendor").set_index("vendor")
    ranges = {"MFU": shared.mfu_range(p["mfu"])} | shared.site_ranges(where)
    for chip, row in chips.iterrows():
        ranges[f"{chip} price"] = price_range(row, p["price_basis"])
        ranges[f"{chip} TDP"] = uncertainty.ranges_from(row["tdp_w_low"], row["tdp_w"], row["tdp_w_high"])
    for vendor, row in vendors.iterrows():
        ranges[f"{vendor} MFU factor"] = (row["mfu_factor_low"], row["mfu_factor"], row["mfu_factor_high"])
    return {
        "p": p,
        "reference": reference,
        "chips": chips,
        "site": where,
        "availability": availability(p["chips"], p["export_rule"], p["grey_market_premium"]),
        "options": options(p, reference),
        "ranges": ranges,
        "goodput_inputs": {
            "interruptions_per_chip_hour": _or(p["interruptions_per_chip_hour"], goodput.INTERRUPTIONS_PER_CHIP_HOUR),
            "restart_hours": _or(p["restart_hours"], goodput.RESTART_HOURS),
            "checkpoint_interval_hours": _or(p["checkpoint_interval_hours"], goodput.CHECKPOINT_INTERVAL_HOURS),
        },
        "load_factor": _or(p["load_factor"], power.LOAD_FACTOR),
        "server_power_ratio": _or(p["server_power_ratio"], power.SERVER_POWER_RATIO),
        "years": _or(p["years"], cost.YEARS),
    }


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
            n = np.where(
                budget > 0, buy.chips_for_budget(budget, paid, chips_per_unit=chips["chips_per_unit"].to_numpy()), 0.0
            )
        cap = spec["cluster"]
        useful = buy.useful_chips(n, max_cluster_chips=cap, **inp["goodput_inputs"])
        cluster = buy.largest_cluster_chips(n, max_cluster_chips=cap)
        cluster_flop_s = np.where(
            cluster == 0, 0.0, cluster * goodput.goodput(cluster, **inp["goodput_inputs"]) * flop_s_per_chip
        )
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
            "it_power_mw": it_w / 1e6,
            "facility_power_mw": facility_w / 1e6,
            "annual_energy_gwh": kwh / 1e6,
            "annual_electricity_usd": electricity,
            "training_flop_per_year": _total(useful, flop_s_per_chip) * HOURS_PER_YEAR * SECONDS_PER_HOUR,
            "goodput": np.divide(useful_total, total_chips, out=np.full(draws, np.nan), where=total_chips > 0),
            "largest_cluster_chips": np.where(
                np.isnan(best_flop_s), np.nan, np.take_along_axis(cluster, strongest[:, None], axis=1)[:, 0]
            ),
            "compute_optimal_params": buy.compute_optimal_params(best_flop_s * seconds),
            "capex_priced_usd": priced,
            "capex_server_usd": server,
            "capex_network_usd": network,
            "capex_usd": capex,
            "annual_cost_usd": cost.annual_capex_usd(capex, years=inp["years"]) + electricity,
        }
    return out


def percentiles(samples) -> dict[str, float]:
    """P10, P50 and P90 of the finite draws, each the value of an actual draw (nearest rank), so a
    chip count stays a whole number of servers; NaN where no draw is finite."""
    finite = np.asarray(samples, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {q: float("nan") for q in ("p10", "p50", "p90")}
    return dict(zip(("p10", "p50", "p90"), map(float, np.percentile(finite, (10, 50, 90), method="nearest"))))


def result(inp: dict) -> dict:
    """The figures at the base point and at the seeded draws: ``base``, ``p10``, ``p50``,
    ``p90`` (frames indexed by option, one column per figure of :data:`FIGURES`)."""
    base = figures(shared.base_point(inp["ranges"]), inp)
    drawn = figures(uncertainty.draw(inp["ranges"], inp["p"]["draws"], inp["p"]["seed"]), inp)
    out = {"base": pd.DataFrame({o: {k: float(v[0]) for k, v in f.items()} for o, f in base.items()}).T[list(FIGURES)]}
    bands = {o: {k: percentiles(v) for k, v in f.items()} for o, f in drawn.items()}
    for q in ("p10", "p50", "p90"):
        out[q] = pd.DataFrame({o: {k: b[k][q] for k in FIGURES} for o, b in bands.items()}).T[list(FIGURES)]
    return out


def run(**values) -> dict:
    """``inputs`` then ``result``: everything the notebook shows, in one call."""
    inp = inputs(**values)
    return inp | result(inp)


# --------------------------------------------------------------------------------------------
# words, tables and figures


def equivalents_label(r: dict) -> str:
    """What one equivalent is: ``H100 SXM-equivalents`` for the default reference chip."""
    return f"{present.chip_short(r['reference'])}-equivalents"


def option_label(r: dict, option: str) -> str:
    """An option in words: the chip's name, ``mix: 50 % H20 + 50 % Ascend 910C``, ``whole fleet``
    or ``reference: 100,000 × H100 SXM``."""
    p = r["p"]
    if option == "reference":
        return f"reference: {present.count(p['reference_count'])} × {present.chip_short(r['reference'])}"
    if option == "mix":
        if p["counts"] is not None:
            return "whole fleet"
        return "mix: " + " + ".join(
            f"{present.pct(s)} {present.chip_short(c)}" for c, s in zip(p["chips"], p["shares"])
        )
    return present.chip_name(option)


def notes(r: dict) -> dict[str, str]:
    """Why an option's figures read n/a, by option (options without unknowns are left out)."""
    out = {}
    for option, spec in r["options"].items():
        chips = list(spec.get("budget") or spec.get("counts"))
        reasons = []
        if option != "reference":
            for chip in chips:
                row = r["availability"].loc[chip]
                if np.isnan(row["price_factor"]):
                    reasons.append(
                        f"{present.chip_short(chip)} is not available under the {r['p']['export_rule']} rule "
                        f"({row['policy']}) without a grey-market premium"
                    )
        for chip in chips:
            if np.isnan(r["chips"].loc[chip, "max_w_per_chip"]):
                reasons.append(f"{present.chip_short(chip)} has no sourced TDP or system power")
            if np.isnan(r["chips"].loc[chip, "price_usd"]):
                reasons.append(f"{present.chip_short(chip)} has no sourced price")
        if reasons:
            out[option] = "; ".join(dict.fromkeys(reasons))
    return out


def headline_option(r: dict) -> str:
    """The option the answer leads with: the mix or fleet where there is one, else the one chip,
    else the chip option with the most reference-equivalents (P50)."""
    chosen = [o for o in r["options"] if o != "reference"]
    if "mix" in chosen:
        return "mix"
    if len(chosen) == 1:
        return chosen[0]
    equivalents = r["p50"].loc[chosen, "h100_equivalents_bf16"]
    return equivalents.idxmax() if equivalents.notna().any() else chosen[0]


def _band(r: dict, option: str, figure: str, fmt) -> str:
    """``fmt(P50)`` with ``(P10–P90 a–b)``, or just ``fmt(P50)`` where the band is a point."""
    lo, mid, hi = (r[q].loc[option, figure] for q in ("p10", "p50", "p90"))
    if present._missing(mid):
        return present.NA
    if fmt(lo) == fmt(hi):
        return fmt(mid)
    return f"{fmt(mid)} (P10–P90 {fmt(lo)}–{fmt(hi)})"


def _params_words(n) -> str:
    """A parameter count as ``637 B`` or ``1.24 T`` parameters."""
    if present._missing(n):
        return present.NA
    return present.count(n)


def budget_words(usd: float) -> str:
    """A budget as a reader writes it (``$1 B``); below a cent, ``less than a cent``."""
    return present.usd(usd) if usd >= 0.01 else "less than a cent"


def title(r: dict) -> str:
    """The report title: what the budget buys, or what the fleet delivers."""
    p = r["p"]
    if p["counts"] is None:
        return f"Procurement: what {budget_words(p['budget_usd'])} of chips buys"
    fleet = ", ".join(f"{present.count(n)} {present.chip_short(c)}" for c, n in zip(p["chips"], p["counts"]))
    return f"Procurement: what a fleet of {fleet} delivers"


def answer(r: dict) -> str:
    """The one-paragraph answer at the top of the report, with its bands."""
    p, o = r["p"], headline_option(r)
    mid, ref = r["p50"].loc[o], r["p50"].loc["reference"]
    label, eq = option_label(r, o), equivalents_label(r)
    if present._missing(mid["chips"]):
        return (
            f"**{label}: not available.** {notes(r).get(o, '')}. Give `grey_market_premium` to price it on "
            "the grey market, or choose chips the rule allows."
        )
    if mid["chips"] == 0:
        cheapest = np.nanmin([r["chips"].loc[c, "price_usd"] * r["chips"].loc[c, "chips_per_unit"] for c in p["chips"]])
        return (
            f"**{budget_words(p['budget_usd'])} buys no whole server** of the chips asked for: the cheapest "
            f"purchase unit costs about {present.usd(cheapest)}."
        )
    if p["counts"] is None:
        what = f"**{budget_words(p['budget_usd'])} buys {_band(r, o, 'chips', present.count)} chips ({label})**:"
    else:
        what = (
            f"**The fleet of {present.count(mid['chips'])} "
            + ("chips" if o == "mix" else present.chip_name(o))
            + "** delivers"
        )
    share = mid["h100_equivalents_bf16"] / p["reference_count"]
    text = (
        f"{what} **{_band(r, o, 'h100_equivalents_bf16', present.count)} {eq}** by dense BF16, "
        f"{present.pct(share)} of the {present.count(p['reference_count'])}-chip reference. All-in capex with "
        f"servers and networking is {_band(r, o, 'capex_usd', present.usd)}; the fleet draws "
        f"{_band(r, o, 'facility_power_mw', present.mw)} at the meter. Net of interruptions "
        f"({present.pct(mid['goodput'])} of wall-clock time spent training) it delivers "
        f"{present.flop(mid['training_flop_per_year'])} a year, and its largest cluster "
        f"({present.count(mid['largest_cluster_chips'])} chips) trains a compute-optimal model of "
        f"**{_band(r, o, 'compute_optimal_params', _params_words)} parameters** in {p['training_days']:g} days, "
        f"against {_params_words(ref['compute_optimal_params'])} for the reference."
    )
    basis = (
        "each chip's price drawn over its catalog range"
        if p["price_basis"] == "range"
        else f"prices fixed at the catalog's {p['price_basis']} value"
    )
    return (
        text + f" Figures are medians of {p['draws']:,} Monte Carlo draws ({basis}; MFU, power, "
        "electricity price and PUE over their ranges); the band is P10–P90."
    )


def findings(r: dict) -> str:
    """Key findings as a markdown list (numbers from the P50 figures)."""
    p, t, eq = r["p"], r["p50"], equivalents_label(r)
    ref = t.loc["reference"]
    why = notes(r)
    lines = []
    for option in r["options"]:
        if option == "reference":
            continue
        row = t.loc[option]
        if present._missing(row["chips"]):
            lines.append(f"- **{option_label(r, option)}**: n/a — {why.get(option, 'unknown')}.")
            continue
        if row["chips"] == 0:
            lines.append(f"- **{option_label(r, option)}**: the budget buys no whole server.")
            continue
        ratio = row["training_flop_per_year"] / ref["training_flop_per_year"]
        lines.append(
            f"- **{option_label(r, option)}**: {present.count(row['chips'])} chips = "
            f"{present.count(row['h100_equivalents_bf16'])} {eq} by BF16 ({present.count(row['h100_equivalents_tpp'])} "
            f"by TPP); {present.mw(row['facility_power_mw'])} at the meter; {present.usd(row['capex_usd'])} all-in; "
            f"{present.flop(row['training_flop_per_year'])} a year ({present.pct(ratio)} of the reference); a "
            f"{_params_words(row['compute_optimal_params'])}-parameter model in {p['training_days']:g} days"
            + (f" (n/a: {why[option]})" if option in why else "")
            + "."
        )
    lines.append(
        f"- **{option_label(r, 'reference')}** (one cluster): {present.mw(ref['facility_power_mw'])}, "
        f"{present.usd(ref['capex_usd'])} all-in, {present.flop(ref['training_flop_per_year'])} a year at "
        f"{present.pct(ref['goodput'])} goodput, a {_params_words(ref['compute_optimal_params'])}-parameter model in "
        f"{p['training_days']:g} days."
    )
    fleets = [o for o in r["options"] if o != "reference" and not present._missing(t.loc[o, "goodput"])]
    small = min(fleets, key=lambda o: t.loc[o, "largest_cluster_chips"]) if fleets else None
    if small is not None and t.loc[small, "largest_cluster_chips"] != p["reference_count"]:
        lines.append(
            f"- **Scale costs time.** Interruptions grow with the chips in one job: a cluster of "
            f"{present.count(t.loc[small, 'largest_cluster_chips'])} trains "
            f"{present.pct(goodput.goodput(t.loc[small, 'largest_cluster_chips'], **r['goodput_inputs']))} of the "
            f"time, the {present.count(p['reference_count'])}-chip reference {present.pct(ref['goodput'])}"
            + (
                ""
                if p["max_cluster_chips"] is None
                else f"; no cluster exceeds {present.count(p['max_cluster_chips'])} chips (`max_cluster_chips`)"
            )
            + "."
        )
    if p["reported_chips"] is not None and p["counts"] is None:
        o = headline_option(r)
        implied = p["budget_usd"] / p["reported_chips"]
        lines.append(
            f"- **Check against the reported order.** {present.count(p['reported_chips'])} chips were reported for "
            f"{present.usd(p['budget_usd'])}, i.e. {present.usd(implied)} each; at prices independent of that "
            f"order the budget buys {present.count(t.loc[o, 'chips'])} "
            f"({present.pct(t.loc[o, 'chips'] / p['reported_chips'] - 1)} against the report)."
        )
    if p["export_rule"] is not None:
        policies = r["availability"]
        lines.append(
            f"- **Export rule {p['export_rule']}** (licence policy for exports to China): "
            + "; ".join(f"{present.chip_short(c)}: {row['policy']} — {row['action']}" for c, row in policies.iterrows())
            + "."
        )
    return "\n".join(lines)


def _frame(r: dict, columns: dict, table: str = "p50") -> pd.DataFrame:
    """Figures of :data:`FIGURES` (``columns``: figure -> (label, scale)) by option label."""
    t = r[table]
    frame = pd.DataFrame({label: t[figure] * scale for figure, (label, scale) in columns.items()})
    frame.index = [option_label(r, o) for o in t.index]
    return frame


def options_table(r: dict) -> pd.DataFrame:
    """Chips, equivalents, power and energy of every option (P50), units in the labels."""
    eq = equivalents_label(r)
    return _frame(
        r,
        {
            "chips": ("chips", 1),
            "h100_equivalents_bf16": (f"{eq} (BF16)", 1),
            "h100_equivalents_tpp": (f"{eq} (TPP)", 1),
            "facility_power_mw": ("facility power [MW]", 1),
            "annual_energy_gwh": ("energy [GWh/yr]", 1),
        },
    )


def cost_table(r: dict) -> pd.DataFrame:
    """Capex by part, electricity and yearly cost of every option (P50) [USD millions]."""
    return _frame(
        r,
        {
            "capex_priced_usd": ("chips as priced [$ M]", 1e-6),
            "capex_server_usd": ("+ servers [$ M]", 1e-6),
            "capex_network_usd": ("+ network [$ M]", 1e-6),
            "capex_usd": ("all-in capex [$ M]", 1e-6),
            "annual_electricity_usd": ("electricity [$ M/yr]", 1e-6),
            "annual_cost_usd": ("cost per year [$ M/yr]", 1e-6),
        },
    )


def training_table(r: dict) -> pd.DataFrame:
    """Training FLOP per year, goodput, largest cluster and compute-optimal model (P50)."""
    return _frame(
        r,
        {
            "training_flop_per_year": ("training FLOP per year", 1),
            "goodput": ("goodput [%]", 100),
            "largest_cluster_chips": ("largest cluster [chips]", 1),
            "compute_optimal_params": (f"optimal model in {r['p']['training_days']:g} d [B params]", 1e-9),
        },
    )


def band_table(r: dict) -> pd.DataFrame:
    """P10 – P50 – P90 of the headline figures of every option, as text (each in its unit)."""
    columns = {
        "chips": ("chips", present.count),
        "h100_equivalents_bf16": (equivalents_label(r), present.count),
        "facility_power_mw": ("facility power", present.mw),
        "compute_optimal_params": ("optimal model [parameters]", present.count),
    }
    frame = pd.DataFrame(
        {
            label: [" – ".join(fmt(r[q].loc[o, figure]) for q in ("p10", "p50", "p90")) for o in r["p50"].index]
            for figure, (label, fmt) in columns.items()
        }
    )
    frame.index = [option_label(r, o) for o in r["p50"].index]
    return frame


def availability_table(r: dict) -> pd.DataFrame:
    """Each chip's licence policy under the export rule and what the report does with it."""
    frame = r["availability"].rename(
        columns={"policy": "licence policy (exports to China)", "action": "in this report"}
    )
    frame.index = [present.chip_name(c) for c in frame.index]
    return frame.drop(columns="price_factor")


def price_table(r: dict) -> pd.DataFrame:
    """The catalog price of every chip used: low, base, high [USD], what it covers, sources."""
    covers = {"chip": "the chip", "server": "its share of a server", "system": "its share of a whole system"}
    chips = r["chips"]
    frame = pd.DataFrame(
        {
            "low [$]": chips["price_usd_low"],
            "base [$]": chips["price_usd"],
            "high [$]": chips["price_usd_high"],
            "price covers": chips["price_unit"].map(covers).fillna("n/a (no sourced price)"),
            "sources": chips["price_source"].fillna("none"),
        }
    )
    frame.index = [present.chip_name(c) for c in frame.index]
    return frame


def price_sources(r: dict) -> str:
    """What each price source gave, as a markdown list (so a reader sees which price is derived
    from what, e.g. a per-chip price worked back from a reported order)."""
    table = present.source_entries([k.strip() for keys in r["chips"]["price_source"].dropna() for k in keys.split(";")])
    return "\n".join(f"- **{key}** ({row['kind']}): {row['what was taken']}" for key, row in table.iterrows())


def vendor_table(r: dict) -> pd.DataFrame:
    """The vendor MFU factors used (low, base, high) and the MFU each chip trains at (base)."""
    chips = r["chips"]
    ref_factor = chips.loc[r["reference"], "mfu_factor"]
    frame = pd.DataFrame(
        {
            "vendor": chips["vendor"],
            "vendor MFU factor": chips["mfu_factor"],
            "factor low": chips["mfu_factor_low"],
            "factor high": chips["mfu_factor_high"],
            "MFU": np.minimum(1.0, r["p"]["mfu"] * chips["mfu_factor"] / ref_factor),
        }
    )
    frame.index = [present.chip_name(c) for c in frame.index]
    return frame


def compute_figure(r: dict):
    """Training FLOP per year of every option (P50 bars, P10–P90 whiskers); n/a written in
    place of a bar that cannot be computed. Returns the figure."""
    import matplotlib.pyplot as plt

    t, lo, hi = (r[q]["training_flop_per_year"] for q in ("p50", "p10", "p90"))
    options = list(t.index)
    colors = present.chip_colors(r["chips"].index)
    fig, ax = plt.subplots(figsize=(8.5, 0.55 * len(options) + 1.6))
    y = np.arange(len(options))
    color = [colors[o] if o in colors else (colors[r["reference"]] if o == "reference" else "#999999") for o in options]
    values = t.fillna(0).to_numpy()
    ax.barh(
        y,
        values,
        color=color,
        edgecolor=present.EDGE,
        linewidth=0.5,
        hatch=["//" if o == "reference" else "" for o in options],
    )
    known = t.notna().to_numpy() & lo.notna().to_numpy() & hi.notna().to_numpy()
    if known.any():
        ax.errorbar(
            values[known],
            y[known],
            xerr=[
                np.clip(values[known] - lo.to_numpy()[known], 0, None),
                np.clip(hi.to_numpy()[known] - values[known], 0, None),
            ],
            fmt="none",
            ecolor="black",
            capsize=3,
            lw=1,
        )
    for yi, value, top in zip(y, t, hi.fillna(0)):
        text = present.NA if present._missing(value) else present.flop(value)
        ax.text(max(top, 0), yi, f"  {text}", va="center", fontsize=8)
    ax.set_yticks(y, [option_label(r, o) for o in options])
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(np.nanmax(np.r_[hi.to_numpy(dtype=float), values, 1.0])), 1.0) * 1.35)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: present.sci(v)))
    ax.set_title(f"Training compute per year, net of interruptions (MFU {r['p']['mfu']:g} on the reference chip)")
    ax.set_xlabel("model FLOP per year (P50, whiskers P10–P90)")
    fig.tight_layout()
    return fig


def goodput_figure(r: dict):
    """Share of wall-clock time spent training against the chips in one job, with every option's
    largest cluster marked. Returns the figure."""
    import matplotlib.pyplot as plt

    g = r["goodput_inputs"]
    sizes = r["p50"]["largest_cluster_chips"].dropna()
    sizes = sizes[sizes > 0]
    top = max(1e6, float(sizes.max()) * 2 if len(sizes) else 1e6)
    n = np.logspace(2, np.log10(top), 200)
    fig, ax = plt.subplots(figsize=(8.0, 3.8))
    ax.plot(n, goodput.goodput(n, **g) * 100, color="#333333", lw=1.8)
    colors = present.chip_colors(r["chips"].index)
    for option, size in sizes.items():
        chip = r["reference"] if option == "reference" else option
        share = float(goodput.goodput(size, **g)) * 100
        ax.plot([size], [share], "o", color=colors.get(chip, "#999999"), markeredgecolor=present.EDGE, ms=7)
        ax.annotate(
            f"{option_label(r, option)}: {present.count(size)} chips, {share:.0f} %",
            (size, share),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_ylim(0, 105)
    ax.set_title("Goodput falls with the chips in one job")
    ax.set_xlabel("chips in one training job (log scale)")
    ax.set_ylabel("wall-clock time spent training [%]")
    fig.tight_layout()
    return fig


def methods(r: dict) -> str:
    """Methods and assumptions as markdown, with the constants and values actually used."""
    p, chips, g = r["p"], r["chips"], r["goodput_inputs"]
    ref = r["reference"]
    cards = [present.chip_short(c) for c in chips.index if chips.loc[c, "chips_per_unit"] == 1]
    return "\n".join(
        [
            f"- **Chips bought** = chip budget × share / price, rounded down to whole "
            f"{buy.CHIPS_PER_SERVER}-chip servers"
            + (f" (single cards for {', '.join(cards)})" if cards else "")
            + ". Prices are the catalog's "
            + (
                "low–base–high range, drawn as a triangular distribution"
                if p["price_basis"] == "range"
                else f"{p['price_basis']} values"
            )
            + "; a fleet given by `counts` keeps its chips.",
            "- **Availability** follows each chip's licence policy for exports to China under `export_rule` (not its "
            "classification): *presumption of denial* → bought only on the grey market at price × (1 + "
            "`grey_market_premium`), or not at all without a premium; *case-by-case* → available, flagged; *not "
            "required* / *not subject* (not a US export) → available; *undetermined* → shown as such and available "
            "at its price, never counted as controlled.",
            "- **Capex** by what a price covers (Epoch AI): a chip price adds the server "
            f"(× {cost.SERVER_COST_FACTOR:g} "
            f"of the price) and the cluster network ({present.pct(cost.NETWORK_COST_FRACTION)} of the total); a server-"
            "share price adds the network only; a system price (rack or supernode) is taken as it is. "
            f"Cost per year = capex over {r['years']:g} years + electricity.",
            f"- **{equivalents_label(r)}** = chips × dense BF16 peak / {present.chip_short(ref)}'s "
            f"{chips.loc[ref, 'bf16_dense_tflops']:,.1f} TFLOP/s; by TPP, chips × TPP / {chips.loc[ref, 'tpp']:,.0f}.",
            f"- **Power**: maximum W per chip = TDP × {r['server_power_ratio']:g} "
            "(server and network share; Epoch AI), "
            "or the rated power per chip of a system built from it where no TDP is published; IT power = chips × "
            f"that × load factor {r['load_factor']:g}; facility = IT × PUE; "
            f"energy over {HOURS_PER_YEAR:,.0f} h a year.",
            f"- **MFU**: {p['mfu']:g} on {present.chip_short(ref)}; other vendors' chips scale it by the ratio of "
            "vendor software-maturity factors (table below; `data/vendor_efficiency.csv`), at most 1.",
            f"- **Goodput** = 1 / (1 + n · λ · (R + T/2)) for a job on n chips, with λ = "
            f"{present.sci(g['interruptions_per_chip_hour'], digits=3)} interruptions per chip-hour, restart R = "
            f"{g['restart_hours'] * 60:g} min and checkpoint interval T = {g['checkpoint_interval_hours'] * 60:g} min "
            "(`analysis/formulas/goodput.py`: λ from Llama 3 405B's record, R from MegaScale, "
            "T calibrated on Llama 3). "
            "Each chip type forms its own clusters"
            + ("" if p["max_cluster_chips"] is None else f" of at most {present.count(p['max_cluster_chips'])} chips")
            + "; the reference is one cluster. Training FLOP per year = Σ chips × goodput(cluster) × peak × MFU × "
            "8,760 h × 3,600 s.",
            f"- **Largest compute-optimal model** (Chinchilla, Hoffmann et al. 2022): D ≈ "
            f"{buy.CHINCHILLA_TOKENS_PER_PARAM:g} tokens per parameter, so C = 6·N·D = "
            f"{6 * buy.CHINCHILLA_TOKENS_PER_PARAM:g}·N² and N = √(C / {6 * buy.CHINCHILLA_TOKENS_PER_PARAM:g}), "
            f"with C the FLOP of the strongest single cluster in {p['training_days']:g} days (no interconnect "
            "penalty: see chip_parity).",
            f"- **Uncertainty**: {p['draws']:,} seeded draws (seed {p['seed']}) over the sourced price and TDP ranges, "
            "the vendor MFU factors, the region's electricity price and PUE, and MFU ±25 %; every figure is the "
            "median (P50) of the draws and its band P10–P90. The base-point evaluation (every input at its base) "
            "uses the same function.",
        ]
    )


def parameter_appendix(r: dict) -> dict:
    """Arguments of :func:`present.parameters_table`: every parameter, the value used where it
    was left at None, and where that default came from."""
    p = r["p"]
    resolved = {
        "load_factor": r["load_factor"],
        "server_power_ratio": r["server_power_ratio"],
        "years": r["years"],
        "usd_per_kwh": r["site"]["usd_per_kwh"],
        "pue": r["site"]["pue"],
        **r["goodput_inputs"],
    }
    origins = {
        "load_factor": "Epoch AI",
        "server_power_ratio": "Epoch AI (DGX H100: 1.82)",
        "years": "SemiAnalysis' TCO horizon",
        "usd_per_kwh": "the region's base value",
        "pue": "the region's base value",
        "interruptions_per_chip_hour": "Llama 3 405B's record",
        "restart_hours": "MegaScale",
        "checkpoint_interval_hours": "calibrated on Llama 3",
    }
    return {"parameters": p, "resolved": resolved, "origins": origins}


def key_figures(r: dict) -> dict:
    """The JSON of the report contract: ``options`` {option: every figure of :data:`FIGURES` (P50)
    with ``_p10``/``_p90`` siblings, its label, and why any figure is n/a}."""
    why = notes(r)
    out = {}
    for option in r["options"]:
        figures_ = {k: float(r["p50"].loc[option, k]) for k in FIGURES}
        bands = {f"{k}_{q}": float(r[q].loc[option, k]) for k in FIGURES for q in ("p10", "p90")}
        extra = {"label": option_label(r, option)}
        if option in r["availability"].index:
            extra["licence_policy"] = r["availability"].loc[option, "policy"]
        if option in why:
            extra["n/a"] = why[option]
        out[option] = figures_ | bands | extra
    return {"reference_chip": r["reference"], "options": out}


def source_keys(r: dict) -> list[str]:
    """Source keys of everything the report used, for its sources appendix."""
    policies = load("licence_policies")
    systems = load("systems")
    system_chips = r["chips"].index[r["chips"]["power_basis"] == "system"]
    vendors = load("vendor_efficiency")
    return (
        keys_in(r["chips"])
        + keys_in(load("regions").loc[[r["site"]["region"]]])
        + keys_in(vendors[vendors["vendor"].isin(r["chips"]["vendor"])])
        + keys_in(systems[systems["chip_id"].isin(system_chips)])
        + (keys_in(policies[policies["rule_id"] == r["p"]["export_rule"]]) if r["p"]["export_rule"] else [])
        + ["hoffmann-2022", "epoch-training-cost-trends", "llama3-paper", "megascale-2024"]
    )
