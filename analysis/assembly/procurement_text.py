"""The procurement report in words, tables and figures: the title and answer, the findings, the methods
with the values actually used and the tables the notebook shows (its figures are in :mod:`.procurement_plots`).
Everything reads a :class:`~analysis.assembly.procurement_model.Result` (``r.p50``, ``r.inputs.site`` …); the
numbers come from :mod:`.procurement` and :mod:`.procurement_model`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..formulas import cost
from ..formulas import procurement as buy
from ..formulas.power import HOURS_PER_YEAR
from . import inputs as shared
from . import present, quotes
from .procurement import equivalents_label, is_the_reference, notes, option_label, reference_comparison, sku_words
from .procurement_model import Result

# --------------------------------------------------------------------------------------------
# numbers in words


def headline_option(r: Result) -> str:
    """The option the answer leads with: the mix or fleet where there is one, else the one chip,
    else the chip option with the most reference-equivalents (P50)."""
    chosen = [o for o in r.inputs.options if o != "reference"]
    if "mix" in chosen:
        return "mix"
    if len(chosen) == 1:
        return chosen[0]
    equivalents = r.p50.loc[chosen, "h100_equivalents_bf16"]
    return equivalents.idxmax() if equivalents.notna().any() else chosen[0]


def _band(r: Result, option: str, figure: str, fmt) -> str:
    """``fmt(P50)`` with ``(P10–P90 a–b)``, or just ``fmt(P50)`` where the band is a point."""
    return present.median_band(*(frame.loc[option, figure] for frame in (r.p10, r.p50, r.p90)), fmt)


def _params_words(n) -> str:
    """A parameter count as ``637 B`` or ``1.24 T`` parameters."""
    if present._missing(n):
        return present.NA
    return present.count(n)


def budget_words(usd: float) -> str:
    """A budget as a reader writes it (``$1 B``); below a cent, ``less than a cent``."""
    return present.usd(usd) if usd >= 0.01 else "less than a cent"


def spend_words(r: Result) -> str:
    """What the budget pays for, after its amount: ``$4 B of all-in capex`` (chips, servers and
    network; every option spends the same) or ``$1 B of chips as priced``."""
    inp = r.inputs
    what = "of all-in capex" if inp.budget_basis == "all-in" else "of chips as priced"
    return f"{budget_words(inp.budget_usd)} {what}"


def _basis_finding(r: Result) -> str | None:
    """The basis the options are compared on (budgets only): equal all-in capex, or the budget
    spent on chips as priced with each option's all-in capex (which then differs)."""
    inp, t = r.inputs, r.p50
    if inp.counts is not None:
        return None
    chosen = [o for o in inp.options if o != "reference"]
    reference = (
        f"the reference is a fixed cluster of {present.count(inp.reference_count)} "
        f"{present.chip_short(inp.reference_chip)}, all-in capex {quotes.reference_capex(r)}"
    )
    if inp.budget_basis == "all-in":
        return (
            f"- **Basis: equal spend.** Every option spends {budget_words(inp.budget_usd)} of all-in capex — chips, "
            "servers and networking, whatever a chip's price covers — to within one server's price (chips come in "
            f"whole servers); {reference}. `budget_basis as-priced` spends the budget on chips at their price instead."
        )
    all_in = "; ".join(f"{option_label(r, o)} {present.usd(t.loc[o, 'capex_usd'])}" for o in chosen)
    return (
        f"- **Basis: chips as priced.** Each option spends {budget_words(inp.budget_usd)} on chips at their catalog "
        f"price; servers and networking come on top where a price lacks them, so all-in capex is: {all_in}; "
        f"{reference}. `budget_basis all-in` compares the options at equal all-in capex."
    )


# --------------------------------------------------------------------------------------------
# title, answer, findings


def title(r: Result) -> str:
    """The report title: what the budget buys, or what the fleet delivers."""
    inp = r.inputs
    if inp.counts is None:
        return f"Procurement: what {spend_words(r)} buys"
    fleet = ", ".join(f"{present.count(n)} {present.chip_short(c)}" for c, n in zip(inp.chip_ids, inp.counts))
    return f"Procurement: what a fleet of {fleet} delivers"


def _unavailable_or_empty(r: Result, option: str) -> str | None:
    """The answer when the headline option cannot be bought (n/a) or buys no whole server."""
    inp, mid = r.inputs, r.p50.loc[option]
    if present._missing(mid["chips"]):
        return (
            f"**{option_label(r, option)}: not available.** {notes(r).get(option, '')}. Give "
            "`grey_market_premium` to price it on the grey market, or choose chips the rule allows."
        )
    if mid["chips"] == 0:
        chips = inp.chips
        unit_usd = chips["price_usd"] * chips["chips_per_unit"]
        if inp.budget_basis == "all-in":
            unit_usd = unit_usd * cost.all_in_usd_per_chip(1.0, price_unit=chips["price_unit"].fillna("").to_numpy())
        cheapest = np.nanmin(unit_usd[list(inp.chip_ids)])
        return (
            f"**{spend_words(r)} buys no whole server** of the chips asked for: the cheapest "
            f"purchase unit costs about {present.usd(cheapest)}" + (" all-in." if inp.budget_basis == "all-in" else ".")
        )
    return None


def answer(r: Result) -> str:
    """Page 1: the answer in one sentence (what the budget buys or the fleet delivers, in
    H100-equivalents with their band, against the reference), a list of one line per finding
    (capex, power, compute a year, the largest cluster's model with its band), then what the figures
    are; or the answer when the headline option cannot be bought or buys no whole server."""
    inp, o = r.inputs, headline_option(r)
    short = _unavailable_or_empty(r, o)
    if short is not None:
        return short
    mid = r.p50.loc[o]
    if inp.counts is None:
        bought = _band(r, o, "chips", present.count)
        what = f"**{spend_words(r)} buys {bought} chip{'' if bought == '1' else 's'} ({option_label(r, o)})**:"
    else:
        name = "chips" if o == "mix" else present.chip_name(o)
        what = f"**The fleet of {present.count(mid['chips'])} {name}** delivers"
    share, against = reference_comparison(r, o, _params_words)
    line = (
        f"{what} **{_band(r, o, 'h100_equivalents_bf16', present.count)} {equivalents_label(r)}** by dense BF16{share}."
    )
    lines = [
        f"- All-in capex with servers and networking is {_band(r, o, 'capex_usd', present.usd)}.",
        f"- The fleet draws {_band(r, o, 'facility_power_mw', present.mw)} {present.at_the_meter(inp.load_factor)}.",
        f"- Net of interruptions it delivers {present.flop(mid['training_flop_per_year'])} a year, training "
        f"{_band(r, o, 'goodput', present.pct)} of wall-clock time.",
        f"- Its largest cluster ({present.counted(mid['largest_cluster_chips'], 'chip')}) trains a "
        f"compute-optimal model of **{_band(r, o, 'compute_optimal_params', _params_words)} parameters** in "
        f"{present.counted(inp.training_days, 'day', spec='{:g}')}"
        f"{against}.",
    ]
    fixed = f"prices fixed at the catalog's {inp.price_basis} value"
    basis = "each chip's price drawn over its catalog range" if inp.price_basis == "range" else fixed
    drawn = (
        f"Figures are medians of {inp.draws:,} Monte Carlo draws ({basis}; MFU, power, electricity price, PUE and "
        "the goodput inputs over their ranges); the band is P10–P90."
    )
    return "\n\n".join([line, "\n".join(lines), drawn])


def _option_finding(r: Result, option: str, why: dict) -> str:
    """One finding line per option (P50 figures)."""
    row, ref = r.p50.loc[option], r.p50.loc["reference"]
    label = option_label(r, option)
    if present._missing(row["chips"]):
        return f"- **{label}**: n/a — {why.get(option, 'unknown')}."
    if row["chips"] == 0:
        return f"- **{label}**: the budget buys no whole server."
    ratio = row["training_flop_per_year"] / ref["training_flop_per_year"]
    why_words = f" (n/a: {why[option]})" if option in why else ""
    return (
        f"- **{label}**: {present.counted(row['chips'], 'chip')} = "
        f"{present.count(row['h100_equivalents_bf16'])} {equivalents_label(r)} by BF16 "
        f"({present.count(row['h100_equivalents_tpp'])} by TPP); {present.mw(row['facility_power_mw'])} "
        f"{present.at_the_meter(r.inputs.load_factor)}; "
        f"{present.usd(row['capex_usd'])} all-in ({present.count(row['h100_equivalents_per_musd'])} "
        f"{equivalents_label(r)} per $1 M); {present.flop(row['training_flop_per_year'])} a year "
        f"({present.pct(ratio)} of the reference); a {_params_words(row['compute_optimal_params'])}-parameter "
        f"model in {present.counted(r.inputs.training_days, 'day', spec='{:g}')}{why_words}."
    )


def _scale_finding(r: Result) -> str | None:
    """Goodput of the smallest largest-cluster against the reference's, if they differ: the P50 of the
    report's draws with the P10–P90 band of each (:meth:`~analysis.assembly.inputs.Goodput.at_scale`)."""
    inp, t = r.inputs, r.p50
    fleets = [o for o in inp.options if o != "reference" and not present._missing(t.loc[o, "goodput"])]
    if not fleets:
        return None
    small = min(fleets, key=lambda o: t.loc[o, "largest_cluster_chips"])
    size = t.loc[small, "largest_cluster_chips"]
    if size == inp.reference_count:
        return None
    cap = inp.max_cluster_chips
    p10, p50, p90, _ = inp.goodput.at_scale(size, draws=inp.draws, seed=inp.seed)
    return (
        f"- **Scale costs time.** Interruptions grow with the chips in one job: a cluster of "
        f"{present.counted(size, 'chip')} trains {present.median_band(p10, p50, p90, present.pct)} of the time, the "
        f"{present.count(inp.reference_count)}-chip reference {_band(r, 'reference', 'goodput', present.pct)}"
        + ("" if cap is None else f"; no cluster exceeds {present.counted(cap, 'chip')} (`max_cluster_chips`)")
        + "."
    )


def findings(r: Result) -> str:
    """Key findings as a markdown list (numbers from the P50 figures)."""
    inp, t = r.inputs, r.p50
    ref, why, days = t.loc["reference"], notes(r), present.counted(inp.training_days, "day", spec="{:g}")
    basis = _basis_finding(r)
    lines = ([basis] if basis else []) + [_option_finding(r, o, why) for o in inp.options if o != "reference"]
    if not any(is_the_reference(r, o) for o in inp.options if o != "reference"):  # else the answer says so
        lines.append(
            f"- **{option_label(r, 'reference')}** (one cluster): {quotes.reference_words(r)}; "
            f"{present.flop(ref['training_flop_per_year'])} a year at {_band(r, 'reference', 'goodput', present.pct)} "
            f"goodput ({quotes.reference_flop_basis(r)}), a "
            f"{_params_words(ref['compute_optimal_params'])}-parameter model in {days}."
        )
    scale = _scale_finding(r)
    if scale:
        lines.append(scale)
    if inp.reported_chips is not None and inp.counts is None:
        bought = t.loc[headline_option(r), "chips"]
        lines.append(
            f"- **Check against the reported order.** {present.counted(inp.reported_chips, 'chip')} reported for "
            f"{present.usd(inp.budget_usd)}, i.e. {present.usd(inp.budget_usd / inp.reported_chips)} each; at prices "
            f"independent of that order the budget buys {present.count(bought)} "
            f"({present.pct(bought / inp.reported_chips - 1)} against the report)." + sku_words(r, headline_option(r))
        )
    if inp.export_rule is not None:
        lines.append(
            f"- **Export rule {inp.export_rule}** (licence policy for exports to China): "
            + "; ".join(
                f"{present.chip_short(c)}: {row['policy']} — {row['action']}" for c, row in inp.availability.iterrows()
            )
            + "."
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# methods


def _methods_buying(r: Result) -> list[str]:
    """Methods: chips bought, availability, capex, equivalents."""
    inp, chips, ref = r.inputs, r.inputs.chips, r.inputs.reference_chip
    cards = [present.chip_short(c) for c in chips.index if chips.loc[c, "chips_per_unit"] == 1]
    prices = (
        "low–base–high range, drawn as a triangular distribution"
        if inp.price_basis == "range"
        else f"{inp.price_basis} values"
    )
    cost_per_chip = (
        "all-in capex per chip (the price with what it lacks of server and network, as under Capex: equal spend, "
        "`budget_basis all-in`)"
        if inp.budget_basis == "all-in"
        else "price (`budget_basis as-priced`: servers and network come on top)"
    )
    return [
        f"- **Chips bought** = budget × share / {cost_per_chip}, rounded down to whole {buy.CHIPS_PER_SERVER}-chip "
        "servers"
        + (f" (single cards for {', '.join(cards)})" if cards else "")
        + f". Prices are the catalog's {prices}; a fleet given by `counts` keeps its chips.",
        "- **Availability** follows each chip's licence policy for exports to China under `export_rule` (not its "
        "classification): *presumption of denial* → bought only on the grey market at price × (1 + "
        "`grey_market_premium`), or not at all without a premium; *case-by-case* → available, flagged; *not "
        "required* / *not subject* (not a US export) → available; *undetermined* → shown as such and available "
        "at its price, never counted as controlled.",
        "- **Capex** by what a price covers (Epoch AI): a chip price adds the server "
        f"(× {cost.SERVER_COST_FACTOR:g} of the price) and the cluster network "
        f"({present.pct(cost.NETWORK_COST_FRACTION)} of the total); a server-share or system-share price (rack or "
        f"supernode, its scale-up network included) adds the network between them only. Cost per year = capex over "
        f"{present.counted(inp.years, 'year', spec='{:g}')} + electricity.",
        f"- **{equivalents_label(r)}** = chips × dense BF16 peak / {present.chip_short(ref)}'s "
        f"{chips.loc[ref, 'bf16_dense_tflops']:,.1f} TFLOP/s; by TPP, chips × TPP / {chips.loc[ref, 'tpp']:,.0f}.",
    ]


def _methods_training(r: Result) -> list[str]:
    """Methods: power, MFU, goodput, compute-optimal model, uncertainty."""
    inp, g = r.inputs, r.inputs.goodput
    ref, tokens = present.chip_short(inp.reference_chip), buy.CHINCHILLA_TOKENS_PER_PARAM
    cap = "" if inp.max_cluster_chips is None else f" of at most {present.counted(inp.max_cluster_chips, 'chip')}"
    return [
        "- **Power**: maximum W per chip = TDP × server power ratio (server and network share; "
        f"{present.server_power_ratios(inp.chips)}), "
        "or the rated power per chip of a system built from it where no TDP is published; IT power = chips × "
        f"that × load factor {inp.load_factor:g}; facility = IT × PUE; energy over {HOURS_PER_YEAR:,.0f} h a year.",
        f"- **MFU**: {inp.mfu:g}, {inp.used['mfu_basis'].origin}, an MFU with NVIDIA's software whichever chip is "
        f"the reference ({ref} here); each chip scales it by its vendor's software-maturity factor over NVIDIA's (1) "
        "(table below; `data/vendor_efficiency.csv`), at most 1 and at most its generation's cap.",
        f"- {shared.vendor_factors_text(inp.chips)}",
        f"- **Goodput** of a job on n chips (`analysis/formulas/goodput.py`): {g.describe(inp.reference_count)} "
        f"Each chip type forms its own clusters{cap}; the reference is one cluster. Training FLOP per year = "
        "Σ chips × goodput(cluster) × peak × MFU × 8,760 h × 3,600 s.",
        f"- **Largest compute-optimal model** (Chinchilla, Hoffmann et al. 2022): D ≈ {tokens:g} tokens per "
        f"parameter, so C = 6·N·D = {6 * tokens:g}·N² and N = √(C / {6 * tokens:g}), with C the FLOP of the "
        f"strongest single cluster in {present.counted(inp.training_days, 'day', spec='{:g}')} (no interconnect "
        "penalty: see chip_parity).",
        f"- **Uncertainty**: {inp.draws:,} seeded draws (seed {inp.seed}) over the sourced price and TDP ranges, "
        "the vendor MFU factors, the region's electricity price and PUE, the goodput inputs "
        f"({g.spread_used().value}), and the MFU ({inp.used['mfu_spread'].origin}); every figure is the "
        "median (P50) of the draws and its band P10–P90 (inverse empirical CDF: each band end is a drawn "
        "value). The base-point evaluation (every input at its base) uses the same function.",
    ]


def methods(r: Result) -> str:
    """Methods and assumptions as markdown, with the constants and values actually used."""
    return "\n".join(_methods_buying(r) + _methods_training(r))


# --------------------------------------------------------------------------------------------
# tables


def _frame(r: Result, columns: dict, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Figures (``columns``: figure -> (label, scale)) of ``table`` (default P50) by option label."""
    t = r.p50 if table is None else table
    frame = pd.DataFrame({label: t[figure] * scale for figure, (label, scale) in columns.items()})
    frame.index = [option_label(r, o) for o in t.index]
    return frame


def options_table(r: Result) -> pd.DataFrame:
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


def cost_table(r: Result) -> pd.DataFrame:
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


def per_dollar_table(r: Result) -> pd.DataFrame:
    """What each dollar of all-in capex buys, by option (P50): all-in capex [$ M], reference-chip
    equivalents per $1 M and training FLOP per year per $."""
    eq = equivalents_label(r)
    return _frame(
        r,
        {
            "capex_usd": ("all-in capex [$ M]", 1e-6),
            "h100_equivalents_per_musd": (f"{eq} per $1 M", 1),
            "training_flop_per_year_per_usd": ("training FLOP per year per $", 1),
        },
    )


def training_table(r: Result) -> pd.DataFrame:
    """Training FLOP per year, goodput, largest cluster and compute-optimal model (P50)."""
    return _frame(
        r,
        {
            "training_flop_per_year": ("training FLOP per year", 1),
            "goodput": ("goodput [%]", 100),
            "largest_cluster_chips": ("largest cluster [chips]", 1),
            "compute_optimal_params": (f"optimal model in {r.inputs.training_days:g} d [B params]", 1e-9),
        },
    )


def band_table(r: Result) -> pd.DataFrame:
    """P50 with its P10–P90 of the headline figures of every option, each cell a
    :class:`present.Band` that reads as text (each number kept on one line; a band of one value
    as that value) and whose CSV copy is its P10, P50 and P90 columns (headers: the notebook's)."""
    columns = {
        "chips": ("chips", present.count),
        "h100_equivalents_bf16": (equivalents_label(r), present.count),
        "facility_power_mw": ("facility power", present.mw),
        "compute_optimal_params": ("optimal model [parameters]", present.count),
    }

    def cell(figure, option, fmt):
        low, mid, high = (t.loc[option, figure] for t in (r.p10, r.p50, r.p90))
        low_text, mid_text, high_text = (fmt(v).replace(" ", "\u00a0") for v in (low, mid, high))
        text = mid_text if low_text == high_text else f"{mid_text} ({low_text}–{high_text})"
        return present.Band(text, low, mid, high)

    frame = pd.DataFrame(
        {label: [cell(figure, o, fmt) for o in r.p50.index] for figure, (label, fmt) in columns.items()}
    )
    frame.index = [option_label(r, o) for o in r.p50.index]
    return frame
