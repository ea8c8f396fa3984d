"""The energy_advantage report: does cheap electricity make up for weaker chips? TCO of a cluster
matching N reference chips for each chip × region, electricity's share of it, and each
candidate's break-even electricity price against the reference in the reference's region.

The clusters are sized and costed by :func:`analysis.assembly.chip_parity.figures` (training
workload), once per region with that region's drawn electricity price and PUE and the same drawn
chip prices, TDPs and MFUs (common random numbers, so regions differ only by their site). Every
headline is the P50 of the Monte Carlo with its P10–P90.
"""

from __future__ import annotations

import pandas as pd

from ..catalog import keys_in, load
from ..formulas import uncertainty
from . import chip_parity, params, present
from . import inputs as shared

PARAMETERS = params.declare(
    reference_chip="h100-sxm",
    reference_count=2048,
    candidates=["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c"],
    regions=["cn-avg-industrial", "cn-west-subsidised", "us-avg-industrial", "us-dc-ppa"],
    region="us-avg-industrial",
    mfu=chip_parity.PARAMETERS["mfu"].default,
    precision="bf16",
    parallel_config="deepseek-v3-pretraining",
    overlap=1.0,
    pue=None,
    load_factor=None,
    server_power_ratio=None,
    years=None,
    cost_of_capital=0.0,
    interruptions_per_chip_hour=None,
    restart_hours=None,
    checkpoint_interval_hours=None,
    seed=0,
    draws=10_000,
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


def inputs(**values) -> dict:
    """Validate the parameters and resolve the clusters (via :func:`chip_parity.resolve`, with the
    reference's region as its site), every region's site and the Monte Carlo ranges: chip prices,
    TDPs, the MFU and vendor factors once; electricity price and PUE per region
    (``"<region> electricity price"``, ``"<region> PUE"``)."""
    p = params.validate("energy_advantage", **({n: s.default for n, s in PARAMETERS.items()} | values))
    parity = (
        {n: s.default for n, s in chip_parity.PARAMETERS.items()}
        | {k: v for k, v in p.items() if k in chip_parity.PARAMETERS}
        | {"workload": "training"}
    )
    inp = chip_parity.resolve(parity)
    regions = list(dict.fromkeys([*p["regions"], p["region"]]))
    sites = {r: shared.site(r, pue=p["pue"]) for r in regions}
    ranges = {k: v for k, v in inp["ranges"].items() if k not in ("electricity price", "PUE")}
    for r, where in sites.items():
        ranges |= {f"{r} {k}": v for k, v in shared.site_ranges(where).items()}
    return inp | {"p": p, "parity_p": parity, "sites": sites, "ranges": ranges}


def at_region(x: dict, region: str) -> dict:
    """The draws ``x`` with one region's electricity price and PUE as the site's."""
    return x | {"electricity price": x[f"{region} electricity price"], "PUE": x[f"{region} PUE"]}


def figures(x: dict, inp: dict) -> dict:
    """Every figure from arrays of the uncertain inputs: ``by_region`` (region -> the
    :func:`chip_parity.figures` of every chip there, with ``annual_emissions_tco2`` at the region's
    grid intensity), ``break_even_usd_per_kwh`` (draws × chips) and ``reference_usd_per_pflop_hour``.

    Break-even price: a candidate's cost per effective PFLOP-hour is its capex part + its kWh per
    PFLOP-hour × the electricity price; equal to the reference's total in the reference region (at
    that region's PUE) at ``(reference − capex part) / kWh per PFLOP-hour``. A negative value means
    the candidate's hardware alone costs more per PFLOP-hour than the reference's total: no
    electricity price, not even free power, closes the gap.
    """
    parity = inp | {"p": inp["parity_p"]}
    by_region = {}
    for region, where in inp["sites"].items():
        f = chip_parity.figures(at_region(x, region), parity)
        f["annual_emissions_tco2"] = f["annual_energy_gwh"] * 1e6 * where["grid_kgco2_per_kwh"] / 1_000.0
        by_region[region] = f
    home = by_region[inp["p"]["region"]]
    reference = home["usd_per_pflop_hour"][:, [0]]
    break_even = (reference - home["capex_usd_per_pflop_hour"]) / home["kwh_per_pflop_hour"]
    return {
        "by_region": by_region,
        "break_even_usd_per_kwh": break_even,
        "reference_usd_per_pflop_hour": reference[:, 0],
    }


def result(inp: dict) -> dict:
    """Base point and Monte Carlo: ``bands[q]`` (q in p10/p50/p90) -> figure -> frame chip × region;
    ``break_even`` (frame chip × p10/p50/p90, negative = none), ``break_even_share`` (share of draws
    with a non-negative price), ``reference`` (P10/P50/P90 of the reference's cost per PFLOP-hour) and
    ``base`` (the base-point figures)."""
    chips = inp["chips"].index
    base = figures(shared.base_point(inp["ranges"]), inp)
    draws = figures(uncertainty.draw(inp["ranges"], inp["p"]["draws"], inp["p"]["seed"]), inp)
    bands = {q: {} for q in ("p10", "p50", "p90")}
    for name in BY_REGION:
        per_region = {region: chip_parity.summarize({name: f[name]}, chips) for region, f in draws["by_region"].items()}
        for q in bands:
            bands[q][name] = pd.DataFrame({region: s[q][name] for region, s in per_region.items()})
    be = draws["break_even_usd_per_kwh"]
    break_even = chip_parity.summarize({"be": be}, chips)
    break_even = pd.DataFrame({q: break_even[q]["be"] for q in ("p10", "p50", "p90")})
    return {
        "base": base,
        "bands": bands,
        "break_even": break_even.iloc[1:],
        "break_even_share": pd.Series((be >= 0).mean(axis=0), index=chips).iloc[1:],
        "reference": chip_parity.percentiles(draws["reference_usd_per_pflop_hour"]),
    }


def run(**values) -> dict:
    """``inputs`` then ``result``: everything the notebook shows, in one call."""
    inp = inputs(**values)
    return inp | result(inp)


def price_text(value) -> str:
    """An electricity price in $/kWh, or 'none' for a negative break-even."""
    if value != value:
        return present.NA
    return "none" if value < 0 else f"${value:.3f}"


def region_label(r: dict, region: str) -> str:
    """A region's name, short enough for a column header (before any parenthesis or 'with')."""
    return r["sites"][region]["name"].split(" (")[0].split(" with ")[0]


def prices(r: dict) -> dict[str, float]:
    """Each region's base electricity price [USD/kWh]."""
    return {region: r["sites"][region]["usd_per_kwh"] for region in r["p"]["regions"]}


def verdicts(r: dict) -> dict[str, str]:
    """One sentence per candidate: at what electricity price it matches the reference."""
    home = r["p"]["region"]
    home_price = r["sites"][home]["usd_per_kwh"]
    out = {}
    for chip, row in r["break_even"].iterrows():
        share = r["break_even_share"].loc[chip]
        some = "" if 0.99 <= share or share <= 0.01 else f" (in {present.pct(share)} of draws a price exists)"
        if row["p50"] != row["p50"]:
            out[chip] = "cannot be assessed (no sourced price or power)"
        elif row["p50"] < 0:
            out[chip] = (
                "never matches: its hardware alone costs more per effective PFLOP-hour than the "
                f"reference's total, so not even free power closes the gap{some}"
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


def answer(r: dict) -> str:
    """The one-paragraph answer at the top of the report."""
    p = r["p"]
    share = r["bands"]["p50"]["electricity_share_of_tco"][p["regions"]]
    ref, be = r["reference"], r["break_even"]["p50"]
    home_price = r["sites"][p["region"]]["usd_per_kwh"]
    names = lambda chips: ", ".join(present.chip_short(c) for c in chips)  # noqa: E731
    never, already, needs = be.index[be < 0], be.index[be >= home_price], be.index[(be >= 0) & (be < home_price)]
    parts = []
    if len(never):
        parts.append(
            f"no electricity price makes up for the **{names(never)}**: the hardware alone costs more per "
            "effective PFLOP-hour than the reference's total"
        )
    if len(already):
        parts.append(
            f"the **{names(already)}** cost{'s' if len(already) == 1 else ''} less than the reference even at "
            "the same electricity price"
        )
    if len(needs):
        parts.append(
            f"the **{names(needs)}** match where power is cheap enough ("
            + ", ".join(f"{present.chip_short(c)} below {price_text(be[c])}/kWh" for c in needs)
            + ")"
        )
    return (
        f"Electricity is only **{present.pct(share.min().min())}–{present.pct(share.max().max())} of TCO** across "
        f"these chips and regions, so the hardware cost per FLOP decides: " + "; ".join(parts) + ". "
        f"The reference, {present.count(p['reference_count'])} × {present.chip_name(p['reference_chip'])} at the "
        f"{r['sites'][p['region']]['name']} (${home_price:.3f}/kWh), costs **{present.usd(ref['p50'])} per effective "
        f"PFLOP-hour** (P10–P90 {present.usd(ref['p10'])}–{present.usd(ref['p90'])}) over {r['years']:g} years. "
        f"Figures are the median (P50) of {present.count(p['draws'])} Monte Carlo draws over chip prices and power, "
        "each region's electricity price and PUE, the MFU (±25 %) and the vendors' MFU factors; bands are P10–P90."
    )


def findings(r: dict) -> str:
    """Key findings as a markdown list."""
    p = r["p"]
    lines = [f"- **{present.chip_short(c)}** {v}." for c, v in verdicts(r).items()]
    tco = r["bands"]["p50"]["tco_usd"][p["regions"]]
    ref = p["reference_chip"]
    cheaper = {c: [g for g in p["regions"] if tco.loc[c, g] < tco.loc[ref, g]] for c in tco.index[1:]}
    everywhere = [present.chip_short(c) for c, where in cheaper.items() if len(where) == len(p["regions"])]
    if everywhere:
        lines.append(f"- Cheaper to own than the reference cluster in every region shown: {', '.join(everywhere)}.")
    for c, where in cheaper.items():
        if where and len(where) < len(p["regions"]):
            lines.append(
                f"- {present.chip_short(c)} is cheaper to own than the reference only at: "
                + "; ".join(r["sites"][g]["name"] for g in where)
                + "."
            )
    return "\n".join(lines)


def tco_table(r: dict, q: str = "p50") -> pd.DataFrame:
    """TCO [USD] by chip (names) × region (names) at percentile ``q``."""
    frame = r["bands"][q]["tco_usd"][r["p"]["regions"]].copy()
    frame.index = [present.chip_short(c) for c in frame.index]
    frame.columns = [region_label(r, c) for c in frame.columns]
    return frame


def by_region_table(r: dict, name: str) -> pd.DataFrame:
    """A P50 figure by chip (names) × region (names)."""
    frame = r["bands"]["p50"][name][r["p"]["regions"]].copy()
    frame.index = [present.chip_short(c) for c in frame.index]
    frame.columns = [region_label(r, c) for c in frame.columns]
    return frame


def break_even_table(r: dict) -> pd.DataFrame:
    """Per chip in the reference region (P50): chips, capex and energy per effective PFLOP-hour,
    total cost per PFLOP-hour, and the break-even price (P50, P10, P90; negative = none) with the
    share of draws in which one exists. First row: the reference."""
    home, mid = r["p"]["region"], r["bands"]["p50"]
    frame = pd.DataFrame(
        {
            "chips": mid["chip_count"][home],
            "capex [$/PFLOP-h]": mid["capex_usd_per_pflop_hour"][home],
            "kWh per PFLOP-h": mid["kwh_per_pflop_hour"][home],
            "total [$/PFLOP-h]": mid["usd_per_pflop_hour"][home],
            "break-even [$/kWh]": r["break_even"]["p50"],
            "P10": r["break_even"]["p10"],
            "P90": r["break_even"]["p90"],
            "draws with one": r["break_even_share"],
        },
        index=r["chips"].index,
    )
    frame.index = [present.chip_short(c) for c in frame.index]
    return frame


def parameter_appendix(r: dict) -> None:
    """Show every parameter as resolved: the value used and where a default came from."""
    resolved = {
        "load_factor": r["load_factor"],
        "server_power_ratio": r["server_power_ratio"],
        "years": r["years"],
        "pue": "each region's base value",
        **r["goodput_inputs"],
    }
    origins = {
        "load_factor": "Epoch AI",
        "server_power_ratio": "Epoch AI; DGX H100 10.2 kW / 8 / 700 W = 1.82",
        "years": "SemiAnalysis' TCO horizon",
        "interruptions_per_chip_hour": "Llama 3, 419 in 54 days on 16,384 GPUs",
        "restart_hours": "MegaScale, < 10 min",
        "checkpoint_interval_hours": "calibrated on Llama 3's > 90 %",
    }
    present.parameters_table(r["p"], resolved, origins)


def key_figures(r: dict) -> dict:
    """The JSON of the report contract: P50 figures by chip and region with ``_p10``/``_p90``
    siblings, break-even prices (None where no non-negative price exists) and the reference's cost."""

    def nested(q, name):
        return {c: row.to_dict() for c, row in r["bands"][q][name][r["p"]["regions"]].iterrows()}

    def price(v):
        return None if v != v or v < 0 else v

    out = {}
    for name in ("tco_usd", "electricity_share_of_tco", "annual_emissions_tco2", "usd_per_pflop_hour"):
        out[name] = nested("p50", name)
        if name != "electricity_share_of_tco":
            out[f"{name}_p10"], out[f"{name}_p90"] = nested("p10", name), nested("p90", name)
    for q, suffix in (("p50", ""), ("p10", "_p10"), ("p90", "_p90")):
        out[f"break_even_usd_per_kwh{suffix}"] = {c: price(v) for c, v in r["break_even"][q].items()}
    out["break_even_share_of_draws"] = r["break_even_share"].to_dict()
    out["reference_usd_per_pflop_hour"] = r["reference"]["p50"]
    out["reference_usd_per_pflop_hour_p10"] = r["reference"]["p10"]
    out["reference_usd_per_pflop_hour_p90"] = r["reference"]["p90"]
    return out


def source_keys(r: dict) -> list[str]:
    """Source keys of everything the report used."""
    return (
        keys_in(r["chips"])
        + keys_in(load("regions").loc[list(r["sites"])])
        + keys_in(load("systems"))
        + keys_in(load("vendor_efficiency"))
        + ["epoch-training-cost-trends", "dgx-h100-power", "hyperscaler-depreciation", "llama3-paper"]
    )
