"""The procurement report: what a chip budget (or an existing fleet) buys — whole chips,
H100-equivalents, power, energy, capex, training FLOP per year net of interruptions and the
largest compute-optimal model its largest cluster trains — next to a reference cluster, with
availability under an export rule's licence policy.

The report in five modules, one concern each: this one declares the parameters, checks them
(:func:`cross_check`) and resolves them into an :class:`Inputs` (chips, prices, availability,
site, options, goodput inputs, Monte Carlo ranges, and the ``used`` records of the JSON's
``inputs`` block), and writes the JSON contract (:func:`key_figures`); :mod:`.procurement_model`
maps arrays of the uncertain inputs to every option's figures (:func:`figures`) at the base point
and at the seeded draws (:func:`result`, a :class:`Result`), so a headline (the P50) and its
P10–P90 band come from one piece of code; :mod:`.procurement_text` writes the answer, findings,
methods and the options' tables, :mod:`.procurement_tables` the reference tables at the back
(availability, prices and China-market quotes, vendor factors), :mod:`.procurement_plots` draws the
figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..catalog import load
from ..formulas import controls, cost, uncertainty
from ..formulas import procurement as buy
from . import inputs as shared
from . import market_prices, params, present
from .inputs import Used
from .procurement_model import FIGURES, Result, result

#: What the ``price_basis`` parameter means here: ``range`` draws each chip's price over its
#: catalog low–high range (the headline is the median); ``low``/``base``/``high`` fix it at that
#: catalog value (the band then covers the other inputs only).
PRICE_BASES = ("range", "low", "base", "high")

#: What ``budget_basis`` means: ``all-in`` — the budget is each option's all-in capex (chips,
#: servers and network, :func:`analysis.formulas.cost.all_in_usd_per_chip`), so options priced per
#: chip, per server or per system are compared at equal spend; ``as-priced`` — the budget buys the
#: chips at their catalog price and servers and network come on top (a reported chip order).
BUDGET_BASES = ("all-in", "as-priced")

PARAMETERS = params.declare(
    budget_usd=1e9,
    budget_basis="all-in",
    chips=["a800-sxm-80gb"],
    shares=None,
    counts=None,
    price_basis="range",
    export_rule=None,
    grey_market_premium=None,
    reference_chip="h100-sxm",
    reference_count=100_000,
    mfu=params.TRAINING["mfu"],
    training_days=90.0,
    max_cluster_chips=None,
    **params.WHERE,
    **params.SITE,
    **params.OWNED,
    **params.GOODPUT,
    reported_chips=None,
    **params.MONTE_CARLO,
)

#: Chips sold as single PCIe cards; every other catalog accelerator is bought in 8-chip boards or
#: servers (HGX/DGX, OAM platforms, Atlas 800), so a budget buys whole servers of them.
PCIE_CARDS = ("h100-pcie", "l20", "mlu370-x8")

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


#: The heading and lead-in of the section the options table opens (``present.table(heading=...)``), printed
#: with the table so the heading never ends a page alone.
OPTIONS_SECTION = (
    "The options side by side",
    "Every figure is the median (P50) of the Monte Carlo draws; n/a marks a figure whose inputs are not sourced "
    "(the findings say which).",
)


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
    ``price_factor`` (× the catalog price; NaN: not available), ``action`` (in words)."""
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
    """(low, base, high) of a chip's price [USD] for the Monte Carlo: the catalog range for
    ``range``, else fixed at the catalog's ``low``/``base``/``high`` value (a missing end falls
    back to the base)."""
    low, base, high = uncertainty.ranges_from(row["price_usd_low"], row["price_usd"], row["price_usd_high"])
    if basis == "range":
        return low, base, high
    fixed = {"low": low, "base": base, "high": high}[basis]
    return fixed, fixed, fixed


@dataclass(frozen=True)
class Option:
    """One option compared: chips bought with ``budget_usd`` per chip id [USD] or held as
    ``counts`` per chip id [chips] (the other is empty), in clusters of at most
    ``max_cluster_chips`` of one chip type (None: one cluster per chip type)."""

    budget_usd: dict[str, float]
    counts: dict[str, float]
    max_cluster_chips: int | None

    @property
    def chip_ids(self) -> list[str]:
        """The chips the option buys or holds."""
        return list(self.counts or self.budget_usd)


def options(p: dict) -> dict[str, Option]:
    """The options compared, by name: the whole budget on each chip (or each chip's own count),
    ``mix`` when ``shares`` or ``counts`` spread over several chips, and ``reference`` (one
    cluster of ``reference_count`` reference chips)."""
    chips, cap = p["chips"], p["max_cluster_chips"]
    out = {}
    if p["counts"] is None:
        for chip in chips:
            out[chip] = Option({chip: p["budget_usd"]}, {}, cap)
        if p["shares"] is not None and len(chips) > 1:
            out["mix"] = Option({c: p["budget_usd"] * s for c, s in zip(chips, p["shares"])}, {}, cap)
    else:
        for chip, n in zip(chips, p["counts"]):
            out[chip] = Option({}, {chip: float(n)}, cap)
        if len(chips) > 1:
            out["mix"] = Option({}, {c: float(n) for c, n in zip(chips, p["counts"])}, cap)
    out["reference"] = Option({}, {p["reference_chip"]: float(p["reference_count"])}, None)
    return out


def cross_check(values: dict) -> None:
    """One budget share or count per chip, shares that sum to 1; a budget buys only chips with a
    sourced price; a fleet holds at least one chip; a reported order is checked only on a budget
    of chips as priced (the order bought chips, not servers and network)."""
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
    basis = values.get("budget_basis") or PARAMETERS["budget_basis"].default
    if values.get("reported_chips") is not None and basis != "as-priced":
        raise params.ParameterError(
            f"parameter reported_chips: {values['reported_chips']!r} checks an order of chips bought at their price, "
            f"but budget_basis is {basis!r}; set budget_basis 'as-priced' (allowed: {', '.join(BUDGET_BASES)})"
        )


@dataclass(frozen=True)
class Inputs(shared.DrawnInputs):
    """Everything the report needs, resolved. ``chips``: the candidate chips then the reference,
    with everything in ``chips.csv`` plus ``peak_tflops`` (dense BF16), ``max_w_per_chip`` [W],
    ``power_basis``, ``mfu_factor`` (+ ``_low``/``_high``), ``tpp`` (per card bought) and
    ``chips_per_unit`` (8 for a server, 1 for a PCIe card). ``availability``: :func:`availability`
    of the candidates. ``budget_basis``: what ``budget_usd`` pays for (:data:`BUDGET_BASES`).
    ``ranges``: (low, base, high) of every Monte Carlo input, keyed ``mfu``,
    ``usd_per_kwh``, ``pue``, ``<chip> price`` [USD], ``<chip> TDP`` [W], ``<vendor> MFU factor``.
    ``parameters``: the validated parameters as given (JSON and appendix only); ``used``: every
    input as used, with unit and source key (the JSON's ``inputs`` block)."""

    chip_ids: tuple[str, ...]
    reference_chip: str
    reference_count: int
    chips: pd.DataFrame
    budget_usd: float
    budget_basis: str
    shares: tuple[float, ...] | None
    counts: tuple[int, ...] | None
    price_basis: str
    export_rule: str | None
    availability: pd.DataFrame
    options: dict[str, Option]
    mfu: float
    training_days: float
    max_cluster_chips: int | None
    reported_chips: int | None
    site: shared.Site
    load_factor: float
    server_power_ratio: float | None
    years: float
    goodput: shared.GoodputInputs


def _chip_frame(ids: list[str], server_power_ratio: float | None) -> pd.DataFrame:
    """:func:`shared.chips` at BF16 with ``tpp`` per card (TPP is per IC × ICs per card) and
    ``chips_per_unit`` (1 for a PCIe card, else :data:`buy.CHIPS_PER_SERVER`)."""
    chips = shared.chips(ids, precision="bf16", server_power_ratio=server_power_ratio)
    chips["tpp"] = controls.tpp(chips) * chips["ics_per_card"]
    chips["chips_per_unit"] = [1.0 if c in PCIE_CARDS else float(buy.CHIPS_PER_SERVER) for c in ids]
    return chips


def _ranges(chips: pd.DataFrame, *, mfu_range, site: shared.Site, price_basis: str) -> dict:
    """The Monte Carlo ranges: ``mfu`` (``mfu_range``: the reference MFU times the spread of
    utilisation observations, :func:`shared.basis_mfu_range`), the site's ``usd_per_kwh`` and ``pue``, each chip's
    price (:func:`price_range`) and TDP, each vendor's MFU factor."""
    ranges = {"mfu": mfu_range} | site.ranges()
    for chip, row in chips.iterrows():
        ranges[f"{chip} price"] = price_range(row, price_basis)
        ranges[f"{chip} TDP"] = uncertainty.ranges_from(row["tdp_w_low"], row["tdp_w"], row["tdp_w_high"])
    for vendor, row in chips.drop_duplicates("vendor").set_index("vendor").iterrows():
        ranges[f"{vendor} MFU factor"] = (row["mfu_factor_low"], row["mfu_factor"], row["mfu_factor_high"])
    return ranges


def inputs(**values) -> Inputs:
    """Validate the parameters (:data:`PARAMETERS`, :func:`cross_check`) and resolve everything
    the report needs into an :class:`Inputs`."""
    p = params.validate("procurement", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    settings = {name: shared.setting(name, p[name]) for name in ("load_factor", "server_power_ratio", "years")}
    ratio = p["server_power_ratio"]  # None: each chip's own (chips.csv), 1.8 where none
    ids = list(dict.fromkeys([*p["chips"], p["reference_chip"]]))
    chips = _chip_frame(ids, ratio)
    site = shared.site(p["region"], usd_per_kwh=p["usd_per_kwh"], pue=p["pue"])
    goodput_in = shared.goodput_inputs(**{name: p[name] for name in params.GOODPUT}, chip_count=p["reference_count"])
    mfu_range, mfu_spread = shared.basis_mfu_range(p["mfu"])
    used = _used(p, chips=chips, site=site, goodput_in=goodput_in, settings=settings) | {"mfu_spread": mfu_spread}
    used["mfu_basis"] = shared.mfu_basis("steady-state")
    used["goodput_spread"] = goodput_in.spread_used()
    return Inputs(
        parameters=p,
        used=used,
        chip_ids=tuple(p["chips"]),
        reference_chip=p["reference_chip"],
        reference_count=p["reference_count"],
        chips=chips,
        budget_usd=p["budget_usd"],
        budget_basis=p["budget_basis"],
        shares=None if p["shares"] is None else tuple(p["shares"]),
        counts=None if p["counts"] is None else tuple(p["counts"]),
        price_basis=p["price_basis"],
        export_rule=p["export_rule"],
        availability=availability(p["chips"], p["export_rule"], p["grey_market_premium"]),
        options=options(p),
        mfu=p["mfu"],
        training_days=p["training_days"],
        max_cluster_chips=p["max_cluster_chips"],
        reported_chips=p["reported_chips"],
        site=site,
        load_factor=float(settings["load_factor"].value),
        server_power_ratio=ratio,
        years=float(settings["years"].value),
        goodput=goodput_in,
        ranges=_ranges(chips, mfu_range=mfu_range, site=site, price_basis=p["price_basis"]) | goodput_in.ranges(),
        seed=p["seed"],
        draws=p["draws"],
    )


def _used(p: dict, *, chips: pd.DataFrame, site: shared.Site, goodput_in: shared.GoodputInputs, settings: dict) -> dict:
    """The ``inputs`` block: electricity price and PUE, load factor, server power ratio, years,
    MFU (and its Monte Carlo spread), the goodput inputs, the capex and sizing constants, the
    grey-market premium where it applies, and per chip (``chips``) its figures as used."""
    mfu = shared.report_setting("mfu", p["mfu"], PARAMETERS)  # the shared reference MFU and its source
    used = {"usd_per_kwh": site.used["usd_per_kwh"], "pue": site.used["pue"], **settings, "mfu": mfu}
    used |= goodput_in.used
    epoch = "epoch-training-cost-trends"
    used["server_cost_factor"] = Used(cost.SERVER_COST_FACTOR, "× chip price", epoch, "Epoch AI: server per chip")
    used["network_cost_fraction"] = Used(cost.NETWORK_COST_FRACTION, "share of cluster cost", epoch, "Epoch AI")
    used["chips_per_server"] = Used(
        buy.CHIPS_PER_SERVER, "chips", shared.ASSUMPTION, "HGX/DGX, OAM and Atlas 800 boards; PCIe cards: 1"
    )
    used["tokens_per_parameter"] = Used(
        buy.CHINCHILLA_TOKENS_PER_PARAM, "tokens per parameter", "hoffmann-2022", "Chinchilla compute-optimal"
    )
    if p["export_rule"] is not None and p["grey_market_premium"] is not None:
        used["grey_market_premium"] = shared.setting("grey_market_premium", p["grey_market_premium"])
    used["chips"] = _chip_used(chips, p["price_basis"])
    systems = load("systems")
    system_chips = chips.index[chips["power_basis"] == "system"]
    if len(system_chips):  # a chip powered (and priced) as part of a system: that system's row
        used["systems"] = shared.rows_used(
            "systems", systems.index[systems["chip_id"].isin(system_chips)], label="name"
        )
    if p["export_rule"] is not None:
        used["licence_policies"] = shared.rows_used("licence_policies", [p["export_rule"]])
    return used | market_prices.used(chips.index)


def _chip_used(chips: pd.DataFrame, price_basis: str) -> dict[str, dict[str, Used]]:
    """Per chip: dense BF16 peak, maximum W per chip (where sourced), the price as used under
    ``price_basis`` (where sourced), TPP per card and the vendor MFU factor."""
    out = {}
    for chip, row in chips.iterrows():
        columns = ("peak_tflops", "price_usd") + (("max_w_per_chip",) if row["power_basis"] else ())
        entries = shared.chip_used(chips.loc[[chip]], columns=columns)[chip]
        if "price_usd" in entries:
            low, base, high = price_range(row, price_basis)
            entries["price_usd"] = replace(
                entries["price_usd"],
                value=base,
                origin=(
                    f"chips.csv base, drawn over {low:,.0f}–{high:,.0f}"
                    if price_basis == "range"
                    else f"chips.csv {price_basis} value"
                ),
            )
        entries["tpp"] = Used(
            float(row["tpp"]), "TPP per card", _first_key(row["compute_source"]), "dense TOPS × bit length"
        )
        entries["mfu_factor"] = shared.vendor_factor_used(row)
        out[chip] = {name: u for name, u in entries.items() if u.value == u.value}  # NaN: not sourced
    return out


def _first_key(cell) -> str:
    """The first source key of a source cell of the catalog."""
    return str(cell if cell == cell else "").split(";")[0].strip()


def run(**values) -> Result:
    """:func:`inputs` then :func:`result`: everything the notebook shows, in one call."""
    return result(inputs(**values))


# --------------------------------------------------------------------------------------------
# labels, n/a reasons and the JSON contract


def equivalents_label(r: Result) -> str:
    """What one equivalent is: ``H100 SXM-equivalents`` for the default reference chip."""
    return f"{present.chip_short(r.inputs.reference_chip)}-equivalents"


def is_the_reference(r, option: str) -> bool:
    """Whether ``option`` of result ``r`` is the reference cluster itself: a fleet of
    ``reference_count`` reference chips in one cluster (us-100k-h100: 100,000 H100 SXM)."""
    inp = r.inputs
    one_cluster = inp.max_cluster_chips is None or inp.max_cluster_chips >= inp.reference_count
    return inp.options[option].counts == {inp.reference_chip: float(inp.reference_count)} and one_cluster


def reference_comparison(r, option: str, params_words) -> tuple[str, str]:
    """The answer's comparisons with the reference: the share (", 100 % of the 100,000-chip
    reference", BF16 H100-equivalents, P50) and the model (", against 1.36 T for the reference",
    ``params_words`` formats the parameters); for a fleet that is the reference cluster itself
    (:func:`is_the_reference`) "; it is the reference cluster itself" and nothing."""
    if is_the_reference(r, option):
        return "; it is the reference cluster itself", ""
    share = r.p50.loc[option, "h100_equivalents_bf16"] / r.inputs.reference_count
    model = params_words(r.p50.loc["reference", "compute_optimal_params"])
    return f", {present.pct(share)} of the {present.count(r.inputs.reference_count)}-chip reference", (
        f", against {model} for the reference"
    )


def option_label(r: Result, option: str) -> str:
    """An option in words: the chip's name, ``mix: 50 % H20 + 50 % Ascend 910C``, ``whole fleet``
    or ``reference: 100,000 × H100 SXM``."""
    inp = r.inputs
    if option == "reference":
        return f"reference: {present.count(inp.reference_count)} × {present.chip_short(inp.reference_chip)}"
    if option == "mix":
        if inp.counts is not None:
            return "whole fleet"
        return "mix: " + " + ".join(
            f"{present.pct(s)} {present.chip_short(c)}" for c, s in zip(inp.chip_ids, inp.shares)
        )
    return present.chip_name(option)


def notes(r: Result) -> dict[str, str]:
    """Why an option's figures read n/a, by option (options without unknowns are left out)."""
    inp, out = r.inputs, {}
    for option, spec in inp.options.items():
        reasons = []
        if option != "reference":
            for chip in spec.chip_ids:
                row = inp.availability.loc[chip]
                if np.isnan(row["price_factor"]):
                    reasons.append(
                        f"{present.chip_short(chip)} is not available under the {inp.export_rule} rule "
                        f"({row['policy']}) without a grey-market premium"
                    )
        for chip in spec.chip_ids:
            if np.isnan(inp.chips.loc[chip, "max_w_per_chip"]):
                reasons.append(f"{present.chip_short(chip)} has no sourced TDP or system power")
            if np.isnan(inp.chips.loc[chip, "price_usd"]):
                reasons.append(f"{present.chip_short(chip)} has no sourced price")
        if reasons:
            out[option] = "; ".join(dict.fromkeys(reasons))
    return out


def key_figures(r: Result) -> dict:
    """The JSON of the report contract: ``reference_chip``, ``budget`` (``budget_usd`` and
    ``budget_basis``: what each option spends, all-in capex or chips as priced; null for a fleet)
    and ``options`` {option: every figure of :data:`FIGURES` (P50) with ``_p10``/``_p90``
    siblings, its label, its licence policy and why any figure is n/a}."""
    why = notes(r)
    bands = {"p10": r.p10, "p90": r.p90}
    out = {}
    for option in r.inputs.options:
        figures_ = {k: float(r.p50.loc[option, k]) for k in FIGURES}
        banded = {f"{k}_{q}": float(frame.loc[option, k]) for k in FIGURES for q, frame in bands.items()}
        extra = {"label": option_label(r, option)}
        if option in r.inputs.availability.index:
            extra["licence_policy"] = r.inputs.availability.loc[option, "policy"]
        if option in why:
            extra["n/a"] = why[option]
        out[option] = figures_ | banded | extra
    inp = r.inputs
    budget = None if inp.counts is not None else {"budget_usd": inp.budget_usd, "budget_basis": inp.budget_basis}
    return {"reference_chip": inp.reference_chip, "budget": budget, "options": out}


def sku_words(r: Result, option: str) -> str:
    """Where the option is one chip priced at another SKU's price (``price_sku``, data/price_skus.csv):
    that SKU in words, and what the budget buys at the high end of the chip's price range (set for
    the SKUs' difference; :func:`buy.chips_for_budget` at the price × any grey-market factor) where
    the price is fixed below it, against the reported order; else nothing."""
    inp = r.inputs
    if option not in inp.chips.index or not inp.chips.loc[option, "price_sku"]:
        return ""
    row = inp.chips.loc[option]
    words = (
        f" The {present.chip_short(option)} is priced at {row['price_sku']} (`data/price_skus.csv`): no price of "
        "its own SKU was found."
    )
    high = price_range(row, "range")[2]
    if inp.price_basis == "range" or price_range(row, inp.price_basis)[1] >= high:
        return words
    factor = float(inp.availability["price_factor"].get(option, 1.0))
    n = float(buy.chips_for_budget(inp.budget_usd, high * factor, chips_per_unit=row["chips_per_unit"]))
    return words + (
        f" At the high end of its price range, {present.usd(high)}, which allows for the SKUs' difference, the "
        f"budget buys {present.count(n)} ({present.pct(n / inp.reported_chips - 1)} against the report)."
    )
