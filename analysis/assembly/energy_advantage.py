"""The energy_advantage report: does cheap electricity make up for weaker chips? TCO of a cluster
matching N reference chips for each chip × region, electricity's share of it, and each
candidate's break-even electricity price against the reference in the reference's region.

The clusters are sized and costed by :func:`analysis.assembly.chip_parity.figures` (training
workload), once per region with that region's drawn electricity price and PUE and the same drawn
chip prices, TDPs and MFUs (common random numbers, so regions differ only by their site). Every
headline is the P50 of the Monte Carlo with its P10–P90
(:func:`analysis.formulas.uncertainty.percentiles`, the one percentile routine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..catalog import load
from ..formulas import uncertainty
from ..formulas.power import HOURS_PER_YEAR
from . import chip_parity, params, present, quotes
from . import inputs as shared

PARAMETERS = params.declare(
    reference_chip="h100-sxm",
    reference_count=2048,
    candidates=["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c"],
    regions=["cn-avg-industrial", "cn-west-subsidised", "us-avg-industrial", "us-dc-ppa"],
    region="us-avg-industrial",  # not params.WHERE: the reference's region, see REFERENCE_REGION_WHY
    **params.TRAINING,
    precision="bf16",
    pue=None,
    **params.OWNED,
    cost_of_capital=0.0,
    **params.GOODPUT,
    **params.MONTE_CARLO,
)

#: Why this report's reference region differs from the other reports' default region
#: (``params.WHERE``), said on its first page while the reader keeps it.
REFERENCE_REGION_WHY = (
    "the reference H100 cluster sits where export controls let it be bought (the United States), so the "
    "break-even price asks whether cheaper power elsewhere makes up for weaker chips against it"
)

#: Figures shown per chip × region.
BY_REGION = (
    "tco_usd",
    "electricity_share_of_tco",
    "annual_emissions_tco2",
    "usd_per_pflop_hour",
    "chip_count",
    "capex_usd_per_pflop_hour",
    "kwh_per_pflop_hour",
)


@dataclass(frozen=True)
class Inputs(shared.DrawnInputs):
    """Everything :func:`figures` needs, resolved. ``parity``: the clusters as
    :func:`chip_parity.resolve` sizes them (training workload, the reference region as its site:
    chips, MFU, scaling, goodput, load factor, server power ratio, years, cost of capital);
    ``region``: the reference region (break-even prices are against the reference there);
    ``regions``: the regions shown; ``sites``: a :class:`~analysis.assembly.inputs.Site` per region
    shown and the reference region; ``ranges``: the parity ranges without the site's, plus
    ``"<region> usd_per_kwh"`` [USD/kWh] and ``"<region> pue"`` per region (named by :func:`stream`);
    ``parameters``: the validated parameters as given; ``used``: every value used (per region under ``regions``, per
    chip under ``chips``)."""

    parity: chip_parity.Inputs
    region: str
    regions: list[str]
    sites: dict[str, shared.Site]


@dataclass(frozen=True)
class Result:
    """The report's figures. ``base`` (inputs at their base values), ``p10``, ``p50``, ``p90``
    (percentiles of the draws): frames by chip id (rows, reference first) with two column levels,
    (figure of :data:`BY_REGION`, region id) — ``r.p50["tco_usd"]`` is chip × region: ``tco_usd``
    [USD], ``electricity_share_of_tco`` [share], ``annual_emissions_tco2`` [t CO2/yr],
    ``usd_per_pflop_hour``, ``capex_usd_per_pflop_hour`` [USD per effective PFLOP-hour],
    ``chip_count`` [chips], ``kwh_per_pflop_hour`` [kWh per effective PFLOP-hour].
    ``break_even``: by candidate, ``p10``/``p50``/``p90`` of the break-even price [USD/kWh]
    (negative: none); ``break_even_share``: by candidate, the share of draws with a non-negative
    one; ``no_single_job_share``: by candidate, the share of draws in which no single job of it
    matches the reference cluster (:func:`chip_parity.figures`: +∞ chips); ``reference``:
    ``p10``/``p50``/``p90`` of the reference's cost per effective PFLOP-hour [USD] in the reference
    region; ``capex_per_chip``: by chip, ``p10``/``p50``/``p90`` of the all-in capex per chip [USD]
    (capex ÷ chips, each price drawn over its range) that the TCO charges."""

    inputs: Inputs
    base: pd.DataFrame
    p10: pd.DataFrame
    p50: pd.DataFrame
    p90: pd.DataFrame
    break_even: pd.DataFrame
    break_even_share: pd.Series
    no_single_job_share: pd.Series
    reference: dict[str, float]
    capex_per_chip: pd.DataFrame


def cross_check(values: dict) -> None:
    """The checks of several parameters before any kernel: chip_parity's on its training workload
    (:func:`chip_parity.cross_check`: the reference count holds the model), then that the reference chip
    has a sourced price and power (``data/chips.csv``): the report's answer is its cost per effective
    PFLOP-hour, which a reference without them does not have."""
    chip_parity.cross_check({k: v for k, v in values.items() if k in chip_parity.PARAMETERS} | {"workload": "training"})
    frame = shared.chips(list(load("chips").index))
    costed = frame["price_usd"].notna() & frame["max_w_per_chip"].notna()
    reference = str(values.get("reference_chip", PARAMETERS["reference_chip"].default)).lower()
    if reference in frame.index and not costed[reference]:
        row = frame.loc[reference]
        lacks = " or ".join(w for w, v in (("price", row["price_usd"]), ("power", row["max_w_per_chip"])) if v != v)
        allowed = ", ".join(frame.index[costed])
        raise params.ParameterError(
            f"parameter reference_chip: {reference!r} has no sourced {lacks} in data/chips.csv, so its cost per "
            f"effective PFLOP-hour (this report's answer) is unknown; choose one of {allowed}"
        )


def inputs(**values) -> Inputs:
    """Validate the parameters (:data:`PARAMETERS`; missing ones take their defaults) and resolve
    the clusters (via :func:`chip_parity.resolve`, with the reference's region as its site), every
    region's site and the Monte Carlo ranges: chip prices, TDPs, the MFU and vendor factors once;
    electricity price and PUE per region."""
    p = params.validate("energy_advantage", **({n: s.default for n, s in PARAMETERS.items()} | values))
    defaults = {n: s.default for n, s in chip_parity.PARAMETERS.items()}
    parity = chip_parity.resolve(
        defaults | {k: v for k, v in p.items() if k in chip_parity.PARAMETERS} | {"workload": "training"},
        declared=PARAMETERS,
    )
    regions = list(dict.fromkeys([*p["regions"], p["region"]]))
    sites = {g: shared.site(g, pue=p["pue"]) for g in regions}
    ranges = {k: v for k, v in parity.ranges.items() if k not in ("usd_per_kwh", "pue")}
    for g, where in sites.items():
        ranges |= {stream(g, k): v for k, v in where.ranges().items()}
    used = {k: v for k, v in parity.used.items() if k not in ("usd_per_kwh", "pue")}
    used |= {"regions": {g: where.used for g, where in sites.items()}}
    return Inputs(
        parity=parity,
        region=p["region"],
        regions=list(p["regions"]),
        sites=sites,
        ranges=ranges,
        seed=p["seed"],
        draws=p["draws"],
        parameters=dict(p),
        used=used,
    )


def price_basis_text(r: Result) -> str:
    """The basis of the reference's and each candidate's all-in capex per chip at the base point
    (catalog base price), grouped by what the catalog price buys (the H100 class on one 8-GPU
    server basis; a price that is another SKU's names it), then :func:`drawn_capex_text`."""
    chips = r.inputs.parity.chips
    used = r.inputs.used["chips"]
    groups = {"server": [], "chip": [], "system": []}
    for chip, row in chips.iterrows():
        if "all_in_capex_usd_per_chip" in used[chip]:
            value = used[chip]["all_in_capex_usd_per_chip"].value
            sku = f" (priced at {row['price_sku']})" if row["price_sku"] else ""
            groups[row["price_unit"]].append(f"{present.chip_short(chip)} {present.usd(value)}{sku}")
    words = {
        "server": "as a share of an 8-GPU server (the DGX H100's $270,000 / 8 for the H100, as Epoch AI prices it; "
        "Chinese 8-GPU server prices for the H800 and H20) plus the network (÷ (1 − 0.19))",
        "chip": "from a chip price × 1.64 server (Epoch AI) plus the network",
        "system": "from a system price (servers and scale-up network included) plus the network between systems "
        "(÷ (1 − 0.19))",
    }
    parts = [f"{', '.join(v)} {words[k]}" for k, v in groups.items() if v]
    return (
        "All-in capex per chip at the base point (catalog base price): " + "; ".join(parts) + ". " + drawn_capex_text(r)
    )


def drawn_capex_text(r: Result) -> str:
    """The reference's all-in capex per chip as the TCO charges it (:func:`quotes.median_of_draws`
    of :attr:`Result.capex_per_chip`) beside its base point, and why they differ: the price is drawn
    as a triangle with its mode at the base, whose median lies toward the longer side (the H100's
    33,750–33,750–44,490 server share: median 44,490 − 10,740 × √½ = 36,896, ÷ 0.81 = $45,550)."""
    ref = r.inputs.parity.reference_chip
    row = r.inputs.parity.chips.loc[ref]
    record = r.inputs.used["chips"][ref].get("all_in_capex_usd_per_chip")
    if record is None:  # a reference without a catalog price: nothing to quote
        return ""
    low, base, high = (row[f"price_usd{end}"] for end in ("_low", "", "_high"))
    if low != low or high != high:  # no range: every draw charges the base price
        return f"The {present.chip_short(ref)}'s price has no range in the catalog: every draw charges its base point."
    drawn = quotes.median_of_draws(*r.capex_per_chip.loc[ref, ["p10", "p50", "p90"]], present.usd)
    return (
        f"The TCO draws each price over its low–base–high range (a triangle, mode at the base): the "
        f"{present.chip_short(ref)}'s is ${low:,.0f}–${base:,.0f}–${high:,.0f}, so its all-in capex per chip in the "
        f"TCO is {drawn} against {present.usd(record.value)} at "
        "the base point; chip_parity's capex per chip is this same median: every input draws from its own stream, "
        "seeded by the seed and the input's name, so at the same seed and number of draws the two reports draw the "
        "same prices."
    )


def stream(region: str, name: str) -> str:
    """The name of a region's draws of ``name`` (``usd_per_kwh``, ``pue``): ``"<region> <name>"``, but
    chip_parity's own name for the region the other reports default to (``params.WHERE``), so that column
    draws from the same seeded stream as chip_parity at that region and gives the same figures."""
    return name if region == params.WHERE["region"] else f"{region} {name}"


def at_region(x: dict, region: str) -> dict:
    """The draws ``x`` with one region's electricity price and PUE as the site's (:func:`stream`)."""
    return x | {"usd_per_kwh": x[stream(region, "usd_per_kwh")], "pue": x[stream(region, "pue")]}


def figures(x: dict, inp: Inputs) -> dict:
    """Every figure from arrays of the uncertain inputs: ``by_region`` (region -> the
    :func:`chip_parity.figures` of every chip there, with ``annual_emissions_tco2`` = annual
    energy × the region's grid intensity [t CO2/yr]), ``break_even_usd_per_kwh`` (draws × chips)
    and ``reference_usd_per_pflop_hour``.

    Break-even price: a candidate's cost per effective PFLOP-hour is its capex part + its kWh per
    PFLOP-hour × the electricity price; equal to the reference's total in the reference region (at
    that region's PUE) at ``(reference − capex part) / kWh per PFLOP-hour``. A negative value means
    the candidate's hardware alone costs more per PFLOP-hour than the reference's total: no
    electricity price, not even free power, closes the gap.
    """
    by_region = {}
    for region, where in inp.sites.items():
        f = chip_parity.figures(at_region(x, region), inp.parity)
        f["annual_emissions_tco2"] = f["annual_energy_gwh"] * 1e6 * where.grid_kgco2_per_kwh / 1_000.0
        by_region[region] = f
    home = by_region[inp.region]
    reference = home["usd_per_pflop_hour"][:, [0]]
    with np.errstate(invalid="ignore"):  # no single job matches (+∞ per PFLOP-hour): no break-even (NaN)
        break_even = (reference - home["capex_usd_per_pflop_hour"]) / home["kwh_per_pflop_hour"]
    return {
        "by_region": by_region,
        "break_even_usd_per_kwh": break_even,
        "reference_usd_per_pflop_hour": reference[:, 0],
    }


def _by_region_frames(by_region: dict[str, dict[str, np.ndarray]], chips) -> dict[str, pd.DataFrame]:
    """``{"p10": frame, "p50": frame, "p90": frame}`` with columns (figure, region) of the
    :data:`BY_REGION` figures of every region (draws × chips each); a draw in which no single job
    matches (+∞ chips and cost, :func:`chip_parity.figures`) is ranked above every cost, as in
    chip_parity (``open_ended``)."""
    frames = {
        g: uncertainty.percentile_frames({n: f[n] for n in BY_REGION}, chips, open_ended=True)
        for g, f in by_region.items()
    }
    return {
        q: pd.DataFrame({(n, g): frames[g][q][n] for n in BY_REGION for g in by_region}, index=chips)
        for q in ("p10", "p50", "p90")
    }


def result(inp: Inputs) -> Result:
    """Base point and Monte Carlo (see :class:`Result`)."""
    chips = inp.parity.chips.index
    base = figures(shared.base_point(inp.ranges), inp)
    draws = figures(uncertainty.draw(inp.ranges, inp.draws, inp.seed), inp)
    base_frame = pd.DataFrame(
        {(n, g): f[n][0] for n in BY_REGION for g, f in base["by_region"].items()},
        index=chips,
    )
    bands = _by_region_frames(draws["by_region"], chips)
    be = draws["break_even_usd_per_kwh"]
    be_bands = uncertainty.percentile_frames({"be": be}, chips)
    return Result(
        inputs=inp,
        base=base_frame,
        p10=bands["p10"],
        p50=bands["p50"],
        p90=bands["p90"],
        break_even=pd.DataFrame({q: be_bands[q]["be"] for q in ("p10", "p50", "p90")}).iloc[1:],
        break_even_share=pd.Series((be >= 0).mean(axis=0), index=chips).iloc[1:],
        no_single_job_share=pd.Series(
            np.isinf(draws["by_region"][inp.region]["chip_count"]).mean(axis=0), index=chips
        ).iloc[1:],
        reference=uncertainty.percentiles(draws["reference_usd_per_pflop_hour"]),
        capex_per_chip=_capex_per_chip(draws["by_region"][inp.region], chips),
    )


def _capex_per_chip(home: dict[str, np.ndarray], chips) -> pd.DataFrame:
    """``p10``/``p50``/``p90`` by chip of the all-in capex per chip [USD] = capex ÷ chips per draw
    (a draw without a finite count gives none)."""
    count = home["chip_count"]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_chip = np.where(np.isfinite(count) & (count > 0), home["capex_usd"] / count, np.nan)
    bands = uncertainty.percentile_frames({"capex": per_chip}, chips)
    return pd.DataFrame({q: bands[q]["capex"] for q in ("p10", "p50", "p90")})


def run(**values) -> Result:
    """:func:`inputs` then :func:`result`: everything the notebook shows, in one call."""
    return result(inputs(**values))


# --------------------------------------------------------------------------------------------
# text, tables and figures


def price_text(value) -> str:
    """An electricity price in $/kWh, or 'none' for a negative break-even: to three decimals, or
    below $0.01 to two significant digits (0.000076 -> "$0.000076", 1 − floor(log10 0.000076) = 1 + 5 = 6
    decimals; a trailing zero dropped: 0.001 -> "$0.001"), so a small break-even does not read as "$0.000"."""
    if value != value:
        return present.NA
    if value < 0:
        return "none"
    if value == 0 or value >= 0.01:
        return f"${value:.3f}"
    return f"${value:.{1 - math.floor(math.log10(value))}f}".rstrip("0")  # $0.0010 reads $0.001


def region_label(r: Result, region: str) -> str:
    """A region's name, short enough for a column header (before any parenthesis or 'with')."""
    return r.inputs.sites[region].name.split(" (")[0].split(" with ")[0]


def prices(r: Result) -> dict[str, float]:
    """Each shown region's base electricity price [USD/kWh]."""
    return {region: r.inputs.sites[region].usd_per_kwh for region in r.inputs.regions}


def _home_price(r: Result) -> float:
    """The reference region's base electricity price [USD/kWh]."""
    return r.inputs.sites[r.inputs.region].usd_per_kwh


#: The verdict on a candidate of which no single job matches the reference cluster in most draws.
NO_SINGLE_JOB = (
    "no single job matches the reference cluster in {share} of draws: at that size interruptions grow "
    "faster than the compute added (chip_parity gives the count in separate jobs), so no electricity "
    "price is asked of it"
)


def verdicts(r: Result) -> dict[str, str]:
    """One sentence per candidate: at what electricity price it matches the reference; for a
    candidate of which no single job matches the reference cluster in most draws, that."""
    home_price = _home_price(r)
    out = {}
    for chip, row in r.break_even.iterrows():
        share = r.break_even_share.loc[chip]
        some = "" if 0.99 <= share or share <= 0.01 else f" (in {present.pct(share)} of draws a price exists)"
        if r.no_single_job_share.loc[chip] > 0.5:
            out[chip] = NO_SINGLE_JOB.format(share=present.pct(r.no_single_job_share.loc[chip]))
        elif row["p50"] != row["p50"]:
            out[chip] = "cannot be assessed (no sourced price or power)"
        elif row["p50"] < 0 and not some:
            out[chip] = (
                "never matches: its hardware alone costs more per effective PFLOP-hour than the "
                "reference's total, so not even free power closes the gap"
            )
        elif row["p50"] < 0:
            out[chip] = (
                f"matches in only {present.pct(share)} of draws (P90 {price_text(row['p90'])}/kWh): in the "
                f"other {present.pct(1 - share)}, its hardware alone costs more per effective PFLOP-hour than the "
                "reference's total, so not even free power closes the gap"
            )
        else:
            position = (
                "above the reference's own price — it is cheaper even at equal power prices"
                if row["p50"] >= home_price
                else f"below the reference's own ${home_price:.3f}/kWh"
            )
            out[chip] = (
                f"matches at **{price_text(row['p50'])}/kWh** or less (P10–P90 {price_text(row['p10'])}–"
                f"{price_text(row['p90'])}), {position}{some}"
            )
    return out


def _verdict_parts(r: Result) -> list[str]:
    """The answer's clauses: candidates of which no single job matches the reference cluster in
    most draws, that never match, that are cheaper at the same price, and
    that match where power is cheap enough."""
    be, home_price = r.break_even["p50"], _home_price(r)

    def names(chips):
        return present.joined(present.chip_short(c) for c in chips)

    no_job = r.no_single_job_share.index[r.no_single_job_share > 0.5]
    be = be.drop(no_job)
    never, already, needs = be.index[be < 0], be.index[be >= home_price], be.index[(be >= 0) & (be < home_price)]
    parts = []
    if len(no_job):
        parts.append(f"no single job of **{names(no_job)}** matches the reference cluster in most draws")
    if len(never):
        mostly = (r.break_even_share.loc[never] > 0.01).any()
        parts.append(
            f"{'in most draws ' if mostly else ''}no electricity price makes up for the **{names(never)}**: the "
            "hardware alone costs more per effective PFLOP-hour than the reference's total"
        )
    if len(already):
        parts.append(
            f"the **{names(already)}** cost{'s' if len(already) == 1 else ''} less than the reference even at "
            "the same electricity price"
        )
    if len(needs):
        below = [f"below {price_text(be[c])}/kWh" for c in needs]
        if len(needs) > 1:  # one chip is named once: "the **H800 SXM** matches … (below $0.003/kWh)"
            below = [f"{present.chip_short(c)} {words}" for c, words in zip(needs, below)]
        parts.append(
            f"the **{names(needs)}** match{'es' if len(needs) == 1 else ''} where power is cheap enough "
            f"({present.joined(below)})"
        )
    return parts


def region_note(r: Result) -> str:
    """The sentence of the first page on the reference region: where it is this report's default
    and not the other reports' (``params.WHERE``), which and why; else nothing."""
    inp, shared_region = r.inputs, params.WHERE["region"]
    if inp.region == shared_region or inp.region != PARAMETERS["region"].default:
        return ""
    names = load("regions")["name"]
    column = (
        f"; its `{shared_region}` column sizes and prices the clusters as chip_parity does (the same "
        "function, inputs and Monte Carlo draws: each input draws from its own seeded stream), so its chip "
        "counts are the h100-parity report's"
        if shared_region in inp.regions
        else ""
    )
    return (
        f" This report's reference region is `{inp.region}` ({names[inp.region]}), where the other reports "
        f"default to `{shared_region}` ({names[shared_region]}): {REFERENCE_REGION_WHY}{column}."
    )


def answer(r: Result) -> str:
    """Page 1: the answer in one sentence (electricity's share of TCO, so the hardware cost per FLOP
    decides), a list of one line per clause of :func:`_verdict_parts` and one for the reference
    (its cost per effective PFLOP-hour with its band), then what the figures are and
    :func:`region_note`."""
    inp, ref = r.inputs, r.reference
    share = r.p50["electricity_share_of_tco"][inp.regions]
    lines = [f"- {part[0].upper()}{part[1:]}." for part in _verdict_parts(r)]
    lines.append(
        f"- The reference, {present.count(inp.parity.reference_count)} × "
        f"{present.chip_name(inp.parity.reference_chip)} at the {inp.sites[inp.region].name} "
        f"(${_home_price(r):.3f}/kWh), costs **{present.usd(ref['p50'])} per effective PFLOP-hour** (P10–P90 "
        f"{present.usd(ref['p10'])}–{present.usd(ref['p90'])}) over "
        f"{present.counted(inp.parity.years, 'year', spec='{:g}')}, the median of the draws' costs; "
        f"{reference_base_words(r)}"
    )
    drawn = (
        f"Figures are the median (P50) of {present.count(inp.draws)} Monte Carlo draws over chip prices and power, "
        f"each region's electricity price and PUE, {chip_parity.reference_mfu_words(inp.parity)}, the "
        "vendors' MFU factors and the goodput inputs; bands are P10–P90."
        + (f" {chip_parity.reference_mfu_note(inp.parity)}" if chip_parity.reference_mfu_note(inp.parity) else "")
    )
    line = (
        f"Electricity is only **{present.pct(share.min().min())}–{present.pct(share.max().max())} of TCO** across "
        "these chips and regions, so the hardware cost per FLOP decides:"
    )
    return "\n\n".join(
        [line, "\n".join(lines), *filter(None, [precision_note(r)]), drawn, *filter(None, [region_note(r).strip()])]
    )


def precision_note(r: Result) -> str:
    """Page 1's sentence on why a break-even price moves with the precision: in FP8 a chip without a
    faster FP8 peak (``peak_precision`` BF16, :func:`analysis.assembly.inputs.chips`) trains at its BF16
    rate, while a chip with one gains the achieved FP8 speed-up over BF16 (1.28, not the peak ratio of 2:
    :func:`analysis.assembly.inputs.precision_factor`). Where the reference gains it and a candidate does
    not, the reference's cost per effective PFLOP-hour falls and the candidate's does not, so its break-even
    price is lower than in BF16 (Ascend 910C against the H100: $0.108 → $0.005/kWh at 2,000 draws); the
    converse where only candidates gain it. Empty in BF16 or where every candidate is costed at the
    reference's precision."""
    parity = r.inputs.parity
    chips, ref = parity.chips, parity.reference_chip
    if parity.precision == "bf16":
        return ""
    gains = chips["peak_precision"] == parity.precision.upper()
    other = [c for c in chips.index[1:] if gains[c] != gains[ref]]
    if not other:
        return ""
    p, speedup = parity.precision.upper(), parity.used[shared.FP8_SPEEDUP].value
    names, one = present.joined(present.chip_short(c) for c in other), len(other) == 1
    its, prices = ("its", "break-even price is") if one else ("their", "break-even prices are")
    rate = f"the achieved {p} speed-up ({speedup:.2f} × the BF16 rate, not the peak ratio of 2)"
    if gains[ref]:
        lacking = f"{'has' if one else 'have'} no faster {p} peak and train{'s' if one else ''} at {its} BF16 rate"
        theirs = f"the {names}'s" if one else "theirs"
        return (
            f"In {p} the {names} {lacking} while the reference {present.chip_short(ref)} gains {rate}: the "
            f"reference's cost per effective PFLOP-hour falls and {theirs} does not, so {its} {prices} lower than "
            "in BF16."
        )
    return (
        f"In {p} the reference {present.chip_short(ref)} has no faster {p} peak and trains at its BF16 rate while "
        f"the {names} gain{'s' if one else ''} {rate}: {its} cost per effective PFLOP-hour falls and the "
        f"reference's does not, so {its} {prices} higher than in BF16."
    )


def reference_base_words(r: Result) -> str:
    """The reference's cost per effective PFLOP-hour at the base point (every input at its base value,
    :func:`analysis.assembly.inputs.base_point`), in words a reader can redo: TCO ÷ (chips × peak × MFU
    × goodput × 8,760 h × years), then why the headline median differs: it is the median of each draw's
    ratio, the drawn MFU falls far below its base but hardly above it (capped), and goodput and prices
    are drawn mostly on their costly side (base goodput 98.8 %, median 97.5 %). H100 at
    us-avg-industrial: $92.5 M ÷ (2,048 × 0.9894 PFLOP/s × 0.400 × 0.988 × 35,040 h = 28.05 M) = $3.30,
    against a median of $3.92 (hostile M1)."""
    inp = r.inputs
    parity, ref = inp.parity, inp.parity.reference_chip
    f = chip_parity.figures(at_region(shared.base_point(inp.ranges), inp.region), parity)
    tco, mfu, kept, cost = (float(f[n][0, 0]) for n in ("tco_usd", "mfu", "goodput", "usd_per_pflop_hour"))
    peak, hours = parity.chips.loc[ref, "peak_tflops"] / 1_000.0, HOURS_PER_YEAR * parity.years
    pflop_hours = parity.reference_count * peak * mfu * kept * hours
    carried = (  # an FP8 peak: the MFU above is the BF16 one carried over, the drawn one is at the BF16 peak
        f"; {present.pct(mfu, digits=1)} of the FP8 peak above is that carried over"
        if str(parity.chips.loc[ref, "peak_precision"]) == "FP8"
        else ""
    )
    return (
        f"at the base point (every input at its base value) it is {present.usd(tco)} TCO ÷ "
        f"({present.count(parity.reference_count)} × {peak:g} PFLOP/s × MFU {present.pct(mfu, digits=1)} × goodput "
        f"{present.pct(kept, digits=1)} × {hours:,.0f} h = {pflop_hours / 1e6:,.2f} M effective PFLOP-hours) = "
        f"**{present.usd(cost)}**. The median is higher because the drawn MFU ({parity.used['mfu_spread'].value}, "
        f"a share of a BF16 peak{carried}) falls far below its base but hardly above it, and the goodput inputs and "
        "each price are drawn over ranges "
        "that lie mostly on the costly side of their base."
    )


#: The start of :func:`verdicts`' sentence on a candidate whose hardware alone costs more than the reference.
NEVER = "never matches: "


def verdict_lines(r: Result) -> list[str]:
    """:func:`verdicts` as findings: the candidates that never match in one line (their reason is one),
    the others one line each."""
    said = verdicts(r)
    never = [c for c, v in said.items() if v.startswith(NEVER)]
    lines = [f"- **{present.chip_short(c)}** {v}." for c, v in said.items() if len(never) < 2 or c not in never]
    if len(never) < 2:
        return lines
    reason = said[never[0]][len(NEVER) :].replace("its hardware", "their hardware")
    return [f"- **{present.joined(present.chip_short(c) for c in never)}** never match: {reason}.", *lines]


def findings(r: Result) -> str:
    """Key findings as a markdown list: :func:`verdict_lines`, the price basis, where a candidate is
    cheaper to own."""
    inp = r.inputs
    lines = verdict_lines(r)
    lines.append(f"- **Medians do not combine.** {break_even_medians_text(r)}")
    lines.append(f"- **Price basis.** {price_basis_text(r)}")
    tco = r.p50["tco_usd"][inp.regions]
    ref = inp.parity.reference_chip
    cheaper = {c: [g for g in inp.regions if tco.loc[c, g] < tco.loc[ref, g]] for c in tco.index[1:]}
    everywhere = [present.chip_short(c) for c, where in cheaper.items() if len(where) == len(inp.regions)]
    if everywhere:
        lines.append(
            f"- Cheaper to own than the reference cluster in every region shown: {present.joined(everywhere)}."
        )
    for c, where in cheaper.items():
        if where and len(where) < len(inp.regions):
            lines.append(
                f"- {present.chip_short(c)} is cheaper to own than the reference only at: "
                + "; ".join(inp.sites[g].name for g in where)
                + "."
            )
    return "\n".join(lines)


def break_even_medians_text(r: Result) -> str:
    """Why a break-even price cannot be worked out from the break-even table's other columns: each draw
    has its own break-even, (reference total − candidate's capex part) ÷ its kWh per PFLOP-hour, and the
    price quoted is their median, which is not the same formula applied to the columns' medians (the
    median of a ratio is not the ratio of the medians). Worked for the first candidate with a median
    break-even: the Ascend 910C, (3.92 − 3.22) ÷ 7.64 = $0.092/kWh from the medians, $0.108 the median of
    the draws (hostile M2)."""
    home, mid = r.inputs.region, r.p50
    words = (
        "A break-even price is worked out draw by draw, (the reference's total − the candidate's capex part) ÷ "
        "its kWh, each per effective PFLOP-hour, and the price quoted is the median of those; the median of a "
        "ratio is not the ratio of the medians, so the break-even table's columns cannot be combined into it"
    )
    shown = r.break_even["p50"][r.break_even["p50"] >= 0]
    if shown.empty:
        return words + "."
    chip = shown.index[0]
    total = mid["usd_per_pflop_hour"].loc[r.inputs.parity.reference_chip, home]
    capex, kwh = mid["capex_usd_per_pflop_hour"].loc[chip, home], mid["kwh_per_pflop_hour"].loc[chip, home]
    return (
        f"{words}: for the {present.chip_short(chip)} its medians give ({total:,.2f} − {capex:,.2f}) ÷ {kwh:,.2f} = "
        f"{price_text((total - capex) / kwh)}/kWh, the median of its draws {price_text(shown.loc[chip])}/kWh."
    )


def by_region_table(r: Result, name: str, q: str = "p50") -> pd.DataFrame:
    """A figure of :data:`BY_REGION` at percentile ``q`` by chip (names) × shown region (names);
    +∞ (no single job matches, :func:`chip_parity.figures`) left unknown: n/a, an empty CSV cell."""
    frame = present.by_short_name(getattr(r, q)[name][r.inputs.regions].replace(np.inf, np.nan))
    frame.columns = [region_label(r, c) for c in frame.columns]
    return frame


def tco_table(r: Result, q: str = "p50") -> pd.DataFrame:
    """TCO [USD] by chip (names) × region (names) at percentile ``q``, +∞ kept (no single job:
    :func:`tco_bands_table` and :func:`plot_tco` say so)."""
    frame = present.by_short_name(getattr(r, q)["tco_usd"][r.inputs.regions])
    frame.columns = [region_label(r, c) for c in frame.columns]
    return frame


def tco_bands_table(r: Result) -> pd.DataFrame:
    """TCO [USD millions] by chip × region, each cell a :class:`present.Band` that reads
    "P50 (P10–P90)" (its CSV copy: P10, P50 and P90 columns per region); ``n/a`` where unknown; a
    +∞ P50 (no single job matches, :func:`chip_parity.figures`) reads "no single job", a +∞ end "∞"."""
    mid, low, high = (tco_table(r, q) / 1e6 for q in ("p50", "p10", "p90"))

    def text(value, words="∞"):
        return words if value == np.inf else f"{value:,.0f}"

    return pd.DataFrame(
        {
            region: [
                present.Band(f"{text(m, 'no single job')} ({text(lo)}–{text(hi)})", lo, m, hi) if m == m else present.NA
                for m, lo, hi in zip(mid[region], low[region], high[region])
            ]
            for region in mid.columns
        },
        index=mid.index,
    )


def break_even_table(r: Result) -> pd.DataFrame:
    """Per chip in the reference region (P50): chips, capex and energy per effective PFLOP-hour,
    total cost per PFLOP-hour, and the break-even price (P50, P10, P90; negative = none) with the
    share of draws in which one exists. First row: the reference."""
    home, mid = r.inputs.region, r.p50
    frame = pd.DataFrame(
        {
            "chips": mid["chip_count"][home],
            "capex [$/PFLOP-h]": mid["capex_usd_per_pflop_hour"][home],
            "kWh per PFLOP-h": mid["kwh_per_pflop_hour"][home],
            "total [$/PFLOP-h]": mid["usd_per_pflop_hour"][home],
            "break-even [$/kWh]": r.break_even["p50"],
            "P10": r.break_even["p10"],
            "P90": r.break_even["p90"],
            "draws with one": r.break_even_share,
        },
        index=r.inputs.parity.chips.index,
    )
    return present.by_short_name(frame.replace(np.inf, np.nan))  # no single job: n/a


def plot_tco(r: Result) -> None:
    """Heat map of the TCO [USD millions, P50] by chip × region, each cell written out (dark text
    on light cells, white on dark, as seaborn's heatmap: relative luminance above 0.408)."""
    import matplotlib.pyplot as plt

    tco = tco_table(r) / 1e6
    values = np.ma.masked_invalid(tco.to_numpy(dtype=float))
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 0.5 * len(tco) + 2.2))
    mesh = ax.pcolormesh(values, cmap="YlOrRd", edgecolors="white", linewidth=0.5)
    fig.colorbar(mesh, ax=ax, label="TCO [USD millions], P50").outline.set_linewidth(0)
    for (row, column), value in np.ndenumerate(values.filled(np.nan)):
        if value == value:
            color = "#262626" if _relative_luminance(mesh.cmap(mesh.norm(value))) > 0.408 else "white"
            ax.text(column + 0.5, row + 0.5, f"{value:,.0f}", ha="center", va="center", color=color)
        elif tco.iloc[row, column] == np.inf:  # no single job matches in most draws
            ax.text(column + 0.5, row + 0.5, "no single job", ha="center", va="center", color="#555555")
    ax.set_xticks(np.arange(len(tco.columns)) + 0.5, tco.columns, rotation=20, ha="right")
    ax.set_yticks(np.arange(len(tco)) + 0.5, tco.index)
    ax.invert_yaxis()
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(
        f"{r.inputs.parity.years:g}-year TCO of a cluster matching {present.count(r.inputs.parity.reference_count)} × "
        f"{present.chip_short(r.inputs.parity.reference_chip)} [USD millions]"
    )
    ax.set_xlabel("region")
    present.show(fig)


def _relative_luminance(rgba) -> float:
    """Relative luminance of an RGBA colour (WCAG: linearised sRGB, 0.2126 R + 0.7152 G + 0.0722 B)."""
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def plot_break_even(r: Result) -> None:
    """Break-even electricity price [USD/kWh] per candidate (P50 bar, P10–P90 whiskers, 'none'
    where no price exists), with each shown region's base price as a dashed line."""
    import matplotlib.pyplot as plt

    be = r.break_even
    shown = be["p50"].where(be["p50"] >= 0)
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 0.5 * len(be) + 1.8))
    present.chip_bars(ax, shown, "none")
    error = np.vstack([(shown - be["p10"].clip(lower=0)).fillna(0), (be["p90"] - shown).fillna(0)])
    ax.errorbar(shown.fillna(0), np.arange(len(be)), xerr=error, fmt="none", ecolor="black", capsize=3, label="P10–P90")
    for i, (name, price) in enumerate(prices(r).items()):
        label = f"{region_label(r, name)}: ${price:.3f}"
        ax.axvline(price, color=plt.cm.tab10(i), linestyle="--", linewidth=1.2, label=label)
    ax.legend(loc="center right", title="region price [USD/kWh]", framealpha=0.9)  # beside the "none" rows
    present.finish(
        ax,
        f"Price at which each chip matches {present.chip_short(r.inputs.parity.reference_chip)} "
        "in the reference region",
        "electricity price [USD/kWh]",
        "",
    )


def methods(r: Result) -> str:
    """The Methods and assumptions section, every setting with the value this render used."""
    inp, parity = r.inputs, r.inputs.parity
    loss = parity.goodput
    return "\n".join(
        [
            "- Each candidate is sized to the reference's useful training compute by the chip_parity model: MFU "
            f"carried over from the reference's {present.pct(parity.mfu)} ({parity.used['mfu_basis'].origin}) "
            "with the vendor's software-maturity factor "
            f"and the interconnect scaling ratio (capped at 1) of the {chip_parity.layout_name(parity)} layout "
            f"(`{parity.parallel_config}`) at overlap {present.pct(parity.overlap)} (share of communication hidden "
            f"behind computation; matrix math at {present.pct(parity.compute_efficiency)} of dense peak, an "
            "assumption); the chip count n solves n × goodput(n) = the reference's useful chips × the rate ratio. "
            "Interruptions grow with the chip count: "
            + loss.describe(parity.reference_count, also=100_000, draws=inp.draws, seed=inp.seed),
            "- Each cluster is then owned for the "
            f"{parity.years:g}-year horizon: **capex** by what the price buys (a chip price × 1.64 server ÷ (1 − 0.19) "
            "network, Epoch AI; a server-share price ÷ (1 − 0.19): the H100 class — H100 SXM, H800, H200, H20 — is "
            "priced as a share of an 8-GPU server, the basis of the DGX H100 in `systems.csv` and of Epoch AI's H100 "
            "prices, so the reference and the H800 are on one basis; a system-share price ÷ (1 − 0.19) too; each "
            "chip's all-in capex per chip and its basis are in the appendix), charged straight-line "
            f"(cost of capital {present.pct(parity.cost_of_capital_per_year)} a year); **electricity** = chips × "
            f"TDP × server power ratio ({present.server_power_ratios(parity.chips)}; or the rated power per chip "
            "of a system for a "
            "chip without a TDP, CloudMatrix 384 for the Ascend 910C) × load factor "
            f"({parity.load_factor:g}) × PUE × {HOURS_PER_YEAR:,.0f} h × price, at each region's base price and PUE "
            "(appendix). **Emissions** = annual energy × the region's grid intensity.",
            "- **Cost per effective PFLOP-hour** = TCO / (chips × peak × MFU × goodput / 1,000 × "
            f"{HOURS_PER_YEAR:,.0f} h × years). {chip_parity.PER_PFLOP_HOUR_AT_SIZE}",
            "- **Break-even price**: the candidate's cost per PFLOP-hour is its capex part + its kWh per PFLOP-hour × "
            f"price; equal to the reference's total in the reference region ({inp.sites[inp.region].name}) at "
            "price = (reference − capex part) / kWh per PFLOP-hour, with the candidate at the reference region's PUE "
            "so that only the price differs. A negative value means the hardware alone costs more than the "
            "reference's total: no price, not even free power, closes the gap.",
            "- **Uncertainty**: chip prices, TDPs, vendor MFU factors and each region's electricity price and PUE "
            "are drawn from triangular distributions over their sourced ranges, the MFU from the spread of "
            f"utilisation observations ({inp.parity.used['mfu_spread'].origin}); the same chip draws serve every "
            "region. One "
            f"function computes every figure at the base point and at {present.count(inp.draws)} draws (seed "
            f"{inp.seed}); headlines are the P50.",
            f"- {shared.vendor_factors_text(parity.chips)}",
            "- Excluded: facility construction, maintenance, staff and subsidies other than the electricity price.",
        ]
    )


def key_figures(r: Result) -> dict:
    """The JSON of the report contract: P50 figures by chip and region with ``_p10``/``_p90``
    siblings, break-even prices (None where no non-negative price exists) and the reference's cost."""

    def nested(q, name):
        return {c: row.to_dict() for c, row in getattr(r, q)[name][r.inputs.regions].iterrows()}

    def price(v):
        return None if v != v or v < 0 else v

    out = {}
    for name in ("tco_usd", "electricity_share_of_tco", "annual_emissions_tco2", "usd_per_pflop_hour"):
        out[name] = nested("p50", name)
        if name != "electricity_share_of_tco":
            out[f"{name}_p10"], out[f"{name}_p90"] = nested("p10", name), nested("p90", name)
    for q, suffix in (("p50", ""), ("p10", "_p10"), ("p90", "_p90")):
        out[f"break_even_usd_per_kwh{suffix}"] = {c: price(v) for c, v in r.break_even[q].items()}
    out["break_even_share_of_draws"] = r.break_even_share.to_dict()
    out["no_single_job_share_of_draws"] = r.no_single_job_share.to_dict()
    out["reference_usd_per_pflop_hour"] = r.reference["p50"]
    out["reference_usd_per_pflop_hour_p10"] = r.reference["p10"]
    out["reference_usd_per_pflop_hour_p90"] = r.reference["p90"]
    return out
