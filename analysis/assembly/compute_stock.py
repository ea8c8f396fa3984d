"""The compute_stock report: China's AI compute stock by year and channel against the US, in three
measures, which constraint binds China's domestic output, the largest training run each stock
allows, the gap in months, the algorithmic break-even and what each policy lever moves.

:func:`inputs` resolves the shipments (``data/shipments.csv``), supply constraints, clusters and
chips into an :class:`Inputs` whose ``ranges`` hold every uncertain number (one per shipment row,
the die bank and HBM stockpile once, yields per year, each site's price and PUE, each vendor's
software factor); the policy levers set those ranges (a lever never needs code). :func:`figures`
turns one array of draws into every figure (:mod:`analysis.formulas.stock`); :func:`result` runs
it at the base point and at the seeded draws and takes P10/P50/P90 with
:func:`analysis.formulas.uncertainty.percentiles`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..catalog import data_digest, load
from ..formulas import goodput, stock, uncertainty
from ..formulas.power import HOURS_PER_YEAR
from . import chip_parity, params, present, procurement
from . import inputs as shared
from .inputs import Used

YEARS = (2022, 2023, 2024, 2025, 2026, 2027)
COUNTRIES = {"cn": "China", "us": "US"}
#: China's channels, in the order the figures stack them, and their names.
CHANNELS = {
    "licensed": "licensed exports",
    "domestic": "domestic (SMIC dies)",
    "proxy_fab": "domestic (TSMC die bank)",
    "smuggled": "smuggled",
    "rented_abroad": "rented abroad",
}
#: The three measures of compute: key -> name.
MEASURES = {
    "h100e_8bit": "8-bit peak H100e (Epoch-compatible)",
    "h100e_bf16": "dense BF16 H100e",
    "effective_h100e": "effective H100e (BF16 × vendor software factor)",
}
#: Chips whose output is Huawei's domestic production, modelled by its supply constraints.
ASCEND = ("ascend-910b", "ascend-910c")
#: The Ascend 910B-class die whose area sets the die sites per wafer.
ASCEND_DIE = "ascend-910b"
#: Share of SMIC's 7-nm-class wafers making Ascend dies: (low, base, high), a stated assumption
#: (SemiAnalysis: a single-digit share of the capacity would give millions of dies).
ASCEND_WAFER_SHARE = (0.05, 0.10, 0.20)
#: Cluster kinds that count as one machine a run can use (not fleets, holdings, plans or claims).
RUN_KINDS = ("cluster", "run")
#: Channels whose rows are capacity reached once (a rented cluster), not a yearly flow: 2027 does
#: not repeat their 2026 rows.
ONE_OFF_CHANNELS = ("rented_abroad",)
#: Year span of the policy table's additions.
POLICY_YEARS = (2025, 2026, 2027)

PARAMETERS = params.declare(
    h20_after_april_2025="allowed",
    h200_exports="zero",
    smuggling="central",
    huawei_output="central",
    hbm_replenished=False,
    packaging_packages_per_year=None,
    lifetime_years=stock.LIFETIME_YEARS,
    run_share_of_stock=None,
    mfu=chip_parity.PARAMETERS["mfu"].default,
    training_days=procurement.PARAMETERS["training_days"].default,
    china_region="cn-avg-industrial",
    us_region="us-avg-industrial",
    load_factor=None,
    server_power_ratio=None,
    **params.GOODPUT,
    **params.MONTE_CARLO,
)


@dataclass(frozen=True)
class Spec:
    """One shipment row's contribution to a year: ``key`` of its range, ``country``, ``channel``,
    ``chip`` (empty: units only, not in the compute measures), ``year`` index into :data:`YEARS`
    and ``factor`` (12 / months covered, so a partial year counts as a whole one)."""

    key: str
    country: str
    channel: str
    chip: str
    year: int
    factor: float


@dataclass(frozen=True)
class Inputs(shared.DrawnInputs):
    """Everything :func:`figures` needs. ``specs``: shipment rows by year (:class:`Spec`; 2027
    repeats 2026); ``plan``: the Huawei rows (reported output, limited by the constraints);
    ``chips``: :func:`analysis.assembly.inputs.chips` of every chip counted, with ``eight_bit_tops``
    (``chip_specs``: its rows as dicts, for speed);
    ``constraints``: per-package dies and stacks (by Ascend chip), SMIC wafers per month, the die
    sites per wafer and the first year of the HBM limit; ``clusters``: per country, per year, the
    largest cluster known by then (chips, chip, name, dense peak [FLOP/s]); ``sites``: per country;
    the levers and settings as typed fields."""

    specs: tuple[Spec, ...]
    plan: tuple[Spec, ...]
    chips: pd.DataFrame
    chip_specs: dict
    constraints: dict
    clusters: dict
    sites: dict
    goodput: shared.GoodputInputs
    mfu: float
    training_days: float
    lifetime_years: float
    run_share_of_stock: float | None
    h200_exports: str
    hbm_replenished: bool
    packaging: float | None
    load_factor: float


@dataclass(frozen=True)
class Result:
    """``base``: name -> array over :data:`YEARS` at the base point; ``bands``: name ->
    {"p10", "p50", "p90"} arrays over years (names as :func:`figures` returns them); ``binding``:
    per year the limit that binds China's domestic output in most draws and that share;
    ``tornado``: the inputs that move China's 2026 8-bit stock most; ``policy``: additions with
    and without each lever-modelled policy step; ``crosscheck``: the package's figures against
    published ones not used as inputs."""

    inputs: Inputs
    base: dict
    bands: dict
    binding: pd.DataFrame
    tornado: pd.DataFrame
    policy: pd.DataFrame
    crosscheck: pd.DataFrame


def lever_range(row: pd.Series, p: dict) -> tuple[float, float, float]:
    """A shipment row's (low, base, high) after the policy levers: smuggling and Huawei output
    zero/low/central/high pick 0, the low end, the range or the high end; H20 banned after April
    2025 zeroes the rows starting after March 2025; H200 zero zeroes China's H200 rows."""
    low, base, high = uncertainty.ranges_from(row["units_low"], row["units"], row["units_high"])
    level = None
    if row["channel"] == "smuggled":
        level = p["smuggling"]
    elif row["vendor"] == "Huawei":
        level = p["huawei_output"]
    if row["chip_id"] == "h20" and p["h20_after_april_2025"] == "banned":
        level = "zero" if (row["year"], row["start_month"]) >= (2025, 4) else level
    if row["chip_id"] == "h200" and row["country"] == "cn" and p["h200_exports"] == "zero":
        level = "zero"
    return {"zero": (0.0, 0.0, 0.0), "low": (low,) * 3, "high": (high,) * 3}.get(level, (low, base, high))


def _specs(rows: pd.DataFrame) -> list[Spec]:
    """A :class:`Spec` per shipment row in :data:`YEARS`, and a 2027 copy of every 2026 row but
    those of :data:`ONE_OFF_CHANNELS` (no source estimates 2027: the 2026 additions are repeated)."""
    out = []
    for key, row in rows.iterrows():
        if row["year"] not in YEARS:
            continue
        spec = (key, row["country"], row["channel"], row["chip_id"])
        factor = 12.0 / float(row["months"]) if row["country"] == "us" else 1.0
        out.append(Spec(*spec, YEARS.index(row["year"]), factor))
        if row["year"] == 2026 and row["channel"] not in ONE_OFF_CHANNELS:
            out.append(Spec(*spec, YEARS.index(2027), factor))
    return out


def _constraints(p: dict) -> tuple[dict, dict, dict]:
    """The supply constraints the model uses (role ``model`` in supply_constraints.csv): ranges
    (die bank, HBM stockpile, Ascend yield per year, wafer share), fixed figures (dies and stacks
    per package, SMIC wafers per month per year, die sites per wafer, first HBM-limited year)
    and their Used records. Years without a figure take the nearest year's (an assumption)."""
    rows = load("supply_constraints")
    rows = rows[rows["role"] == "model"]

    def triple(r):
        return uncertainty.ranges_from(r["quantity_low"], r["quantity"], r["quantity_high"])

    def nearest(kind):
        found = rows[rows["constraint"] == kind].set_index("year")
        return {y: found.loc[min(found.index, key=lambda k: (abs(k - y), k))] for y in YEARS}

    bank, hbm = rows.loc["die-bank"], rows.loc["hbm-stockpile"]
    yields, wafers = nearest("yield"), nearest("wafer_capacity")
    ranges = {"die bank [dies]": triple(bank), "HBM stockpile [stacks]": triple(hbm)}
    ranges |= {f"Ascend yield {y}": triple(yields[y]) for y in YEARS}
    ranges["Ascend share of SMIC 7-nm wafers"] = ASCEND_WAFER_SHARE
    per = rows[rows["constraint"].isin(["dies_per_package", "hbm_stacks_per_package"])]
    die = load("chips").loc[ASCEND_DIE]
    area = float(die["die_area_mm2"])
    fixed = {
        "dies_per_package": [
            float(per[(per.constraint == "dies_per_package") & (per.chip_id == c)].quantity.iloc[0]) for c in ASCEND
        ],
        "stacks_per_package": [
            float(per[(per.constraint == "hbm_stacks_per_package") & (per.chip_id == c)].quantity.iloc[0])
            for c in ASCEND
        ],
        "wafers_per_month": [float(wafers[y]["quantity"]) for y in YEARS],
        "dies_per_wafer": float(stock.gross_dies_per_wafer(area)),
        "hbm_from_year": YEARS.index(int(hbm["year"])),
    }
    used = {
        "die_bank": Used(bank["quantity"], "dies", _key(bank["source"]), "TSMC-made Ascend dies, drawn once and spent"),
        "hbm_stockpile": Used(hbm["quantity"], "stacks", _key(hbm["source"]), "HBM in China by the Dec 2024 rule"),
        "ascend_dies_per_wafer": Used(
            fixed["dies_per_wafer"], "dies", _key(die["die_source"]), f"{area:g} mm² die, 300 mm wafer"
        ),
        "ascend_wafer_share": Used(ASCEND_WAFER_SHARE[1], "share", shared.ASSUMPTION, "P10–P90 range 0.05–0.20"),
    }
    return ranges, fixed, used


def _largest_clusters(chips: pd.DataFrame) -> dict:
    """Per country and year: the cluster or run of :data:`RUN_KINDS` with the largest dense BF16
    peak known by that year (chips × peak), as (name, chip, chips, peak FLOP/s)."""
    rows = load("clusters")
    rows = rows[rows["kind"].isin(RUN_KINDS) & (rows["chip_id"] != "") & rows["chips"].notna()]
    out = {}
    for country in COUNTRIES:
        mine = rows[rows["country"] == country]
        peak = mine["chips"].astype(float) * mine["chip_id"].map(chips["bf16_dense_tflops"]) * 1e12
        out[country] = {}
        for y in YEARS:
            known = peak[mine["year"] <= y]
            if known.empty:
                out[country][y] = None
                continue
            best = known.idxmax()
            out[country][y] = (
                mine.at[best, "name"],
                mine.at[best, "chip_id"],
                float(mine.at[best, "chips"]),
                known[best],
            )
    return out


def _shipments_used(rows: pd.DataFrame, ranges: dict) -> dict[str, dict[str, Used]]:
    """Each shipment row as used after the levers: its base ``units`` and the ``range`` drawn
    (low–high, or fixed), with the row's unit and first source key."""
    out = {}
    for key, row in rows.iterrows():
        if key in ranges:
            low, base, high = ranges[key]
            source, unit = _key(row["source"]), row["unit"]
            span = "fixed" if low == high else f"{low:,.0f}–{high:,.0f}"
            out[key] = {
                "units": Used(base, unit, source, row["chip_text"]),
                "range": Used(span, unit, source, "low–high drawn (triangular)"),
            }
    return out


def _shipment_ranges(rows: pd.DataFrame, p: dict) -> dict[str, tuple[float, float, float]]:
    """The (low, base, high) of every shipment row in :data:`YEARS` after the levers (:func:`lever_range`)."""
    return {key: lever_range(row, p) for key, row in rows.iterrows() if row["year"] in YEARS}


def lever_inputs(inp: Inputs, lever: str, value) -> Inputs:
    """``inp`` with the policy lever ``lever`` set to ``value``, as :func:`inputs` resolves it
    (parameters, shipment ranges, their used records, the lever's field) without resolving the
    data again: the policy table's runs with and without each step."""
    p = inp.parameters | {lever: value}
    rows = load("shipments")
    ranges = inp.ranges | _shipment_ranges(rows, p)
    return replace(
        inp,
        ranges=ranges,
        parameters=p,
        used=inp.used | {"shipments": _shipments_used(rows, ranges)},
        h200_exports=p["h200_exports"],
        hbm_replenished=bool(p["hbm_replenished"]),
    )


def _key(cell) -> str:
    """The first source key of a source cell."""
    return str(cell or "").split(";")[0].strip()


#: The catalog tables the report shows row by row (clusters, the largest runs, policy moves, the
#: published cross-checks, the supply constraints): their rows are inputs records, so the sources
#: appendix lists their sources.
SHOWN_TABLES = ("supply_constraints", "clusters", "largest_runs", "policy_steps", "stock_crosschecks")


def _reference_mfu(mfu: float):
    """The largest runs' MFU range and its record: procurement's band for its reference H100 at
    ``mfu`` (:func:`analysis.assembly.inputs.basis_mfu_range`, drawn from the same ``mfu``
    stream), so one MFU has one band in every report."""
    return shared.basis_mfu_range(mfu)


def inputs(**values) -> Inputs:
    """Validate the parameters (:data:`PARAMETERS`; missing ones take their defaults) and resolve
    the shipments, constraints, clusters, chips, sites and goodput into :class:`Inputs`."""
    p = params.validate("compute_stock", **({n: s.default for n, s in PARAMETERS.items()} | values))
    rows = load("shipments")
    specs = _specs(rows)
    counted = [s for s in specs if s.chip and s.chip not in ASCEND]
    plan = [s for s in specs if s.chip in ASCEND]
    ids = list(dict.fromkeys([s.chip for s in counted + plan]))
    chips = shared.chips(ids, server_power_ratio=p["server_power_ratio"])
    chips["eight_bit_tops"] = stock.eight_bit_tops(chips["fp8_dense_tflops"], chips["int8_dense_tops"])
    ranges = _shipment_ranges(rows, p)
    c_ranges, fixed, c_used = _constraints(p)
    ranges |= c_ranges
    sites = {"cn": shared.site(p["china_region"]), "us": shared.site(p["us_region"])}
    for country, where in sites.items():
        ranges |= {f"{country} {k}": v for k, v in where.ranges().items()}
    vendors = chips.drop_duplicates("vendor")
    ranges |= {
        f"{v} MFU factor": (r["mfu_factor_low"], r["mfu_factor"], r["mfu_factor_high"])
        for v, r in zip(vendors["vendor"], vendors.to_dict("records"))
    }
    clusters = _largest_clusters(chips)
    largest = max((c[2] for by in clusters.values() for c in by.values() if c), default=1.0)
    loss = shared.goodput_inputs(**{k: p[k] for k in params.GOODPUT}, chip_count=largest)
    ranges |= loss.ranges()  # drawn as chip_parity, training_run and procurement draw them
    ranges["mfu"], mfu_spread = _reference_mfu(p["mfu"])
    declared = PARAMETERS
    used = {
        "lifetime_years": shared.report_setting(
            "lifetime_years",
            p["lifetime_years"],
            declared,
            source="hyperscaler-depreciation",
            origin="hyperscalers' server useful life (Microsoft, Alphabet, Amazon: 6 years)",
        ),
        "mfu": shared.report_setting(
            "mfu", p["mfu"], declared, source="llama3-paper", origin="chip_parity's MFU default"
        ),
        "training_days": shared.report_setting(
            "training_days", p["training_days"], declared, origin="procurement's run length default"
        ),
        "load_factor": shared.setting("load_factor", p["load_factor"]),
        **c_used,
        **loss.used,
        "goodput_spread": loss.spread_used(),
        "mfu_spread": mfu_spread,
        "mfu_basis": shared.mfu_basis("steady-state"),
        "regions": {country: where.used for country, where in sites.items()},
        "shipments": _shipments_used(rows, ranges),
        "chips": {
            c: entries | {"mfu_factor": shared.vendor_factor_used(chips.loc[c])}
            for c, entries in shared.chip_used(chips, ("peak_tflops", "max_w_per_chip")).items()
        },
        **{name: shared.rows_used(name, load(name).index) for name in SHOWN_TABLES},
    }
    return Inputs(
        specs=tuple(counted),
        plan=tuple(plan),
        chips=chips,
        chip_specs=chips.to_dict("index"),
        constraints=fixed,
        clusters=clusters,
        sites=sites,
        goodput=loss,
        mfu=float(p["mfu"]),
        training_days=float(p["training_days"]),
        lifetime_years=float(p["lifetime_years"]),
        run_share_of_stock=p["run_share_of_stock"],
        h200_exports=p["h200_exports"],
        hbm_replenished=bool(p["hbm_replenished"]),
        packaging=p["packaging_packages_per_year"],
        load_factor=float(used["load_factor"].value),
        ranges=ranges,
        seed=p["seed"],
        draws=p["draws"],
        parameters=dict(p),
        used=used,
    )


# --------------------------------------------------------------------------------------------
# the model


def additions(x: dict, inp: Inputs) -> tuple[dict, dict]:
    """Chips added per (country, channel, chip) and year [chips] (draws, years), and the domestic
    model's outputs (:func:`analysis.formulas.stock.domestic_output`): Huawei's reported output
    limited by dies, HBM and packaging, split into packages from SMIC dies (``domestic``) and
    from the TSMC die bank (``proxy_fab``). With ``h200_exports`` = cap, China's H200 additions
    are capped at 50 % of the latest US H100/H200 additions (:func:`stock.capped_exports`)."""
    n, years = len(next(iter(x.values()))), len(YEARS)
    adds = {}
    for s in inp.specs:
        adds.setdefault((s.country, s.channel, s.chip), np.zeros((n, years)))[:, s.year] += x[s.key] * s.factor
    if inp.h200_exports == "cap" and ("cn", "licensed", "h200") in adds:
        us = adds.get(("us", "us_owned", "h100-sxm"), np.zeros((n, years))).copy()
        for y in range(1, years):  # the latest year with US volume
            us[:, y] = np.where(us[:, y] > 0, us[:, y], us[:, y - 1])
        adds[("cn", "licensed", "h200")] = stock.capped_exports(adds[("cn", "licensed", "h200")], us)
    planned = np.zeros((n, years, len(ASCEND)))
    for s in inp.plan:
        planned[:, s.year, ASCEND.index(s.chip)] += x[s.key] * s.factor
    c = inp.constraints
    new_dies = np.stack(
        [
            stock.good_dies_per_year(
                c["wafers_per_month"][y],
                x["Ascend share of SMIC 7-nm wafers"],
                c["dies_per_wafer"],
                x[f"Ascend yield {year}"],
            )
            for y, year in enumerate(YEARS)
        ],
        axis=1,
    )
    dom = stock.domestic_output(
        planned,
        dies_per_package=c["dies_per_package"],
        stacks_per_package=c["stacks_per_package"],
        die_bank=x["die bank [dies]"],
        hbm_stockpile=x["HBM stockpile [stacks]"],
        new_dies=new_dies,
        hbm_from_year=c["hbm_from_year"],
        packaging=None if inp.packaging is None else np.full(years, inp.packaging),
        hbm_replenished=inp.hbm_replenished,
    )
    for i, chip in enumerate(ASCEND):
        adds[("cn", "domestic", chip)] = dom["output"][:, :, i] * (1 - dom["from_bank"])
        adds[("cn", "proxy_fab", chip)] = dom["output"][:, :, i] * dom["from_bank"]
    return adds, dom


def _measures(units: np.ndarray, chip: str, x: dict, inp: Inputs) -> dict[str, np.ndarray]:
    """A chip's units [chips] in the three measures [H100e]: 8-bit peak, dense BF16 and effective
    (BF16 × its vendor's drawn software factor)."""
    row = inp.chip_specs[chip]
    bf16 = stock.h100_equivalents(units, row["bf16_dense_tflops"], stock.H100_BF16_TFLOPS)
    return {
        "h100e_8bit": stock.h100_equivalents(units, row["eight_bit_tops"], stock.H100_EIGHT_BIT_TOPS),
        "h100e_bf16": bf16,
        "effective_h100e": bf16 * x[f"{row['vendor']} MFU factor"][:, None],
    }


def figures(x: dict, inp: Inputs) -> dict[str, np.ndarray]:
    """Every figure from arrays of the uncertain inputs, each (draws, years): per country
    ``"<cc> <measure>"`` stock [H100e], ``"<cc> power_gw"``, ``"<cc> electricity_usd"`` [USD per
    year], ``"<cc> largest_run_flop"``; China's 8-bit stock and additions by channel
    (``"cn stock <channel>"``, ``"cn additions <channel>"``) and licensed additions in chips
    (``"cn licensed units"``); ``gap_months``, ``break_even_multiplier``, ``binding`` (index into
    :data:`analysis.formulas.stock.LIMITS`) and ``cn licensed nvidia h100e_8bit`` (the stock
    Epoch AI calls China (official))."""
    adds, dom = additions(x, inp)
    n = len(next(iter(x.values())))
    zeros = np.zeros((n, len(YEARS)))
    out = {f"{c} {m}": zeros.copy() for c in COUNTRIES for m in (*MEASURES, "power_gw", "peak_flop_s", "units")}
    out |= {f"cn {k} {ch}": zeros.copy() for ch in CHANNELS for k in ("stock", "additions")}
    out |= china_additions(adds, inp)
    out["cn licensed nvidia h100e_8bit"] = zeros.copy()
    for (country, channel, chip), added in adds.items():
        units = stock.stock_by_year(added, lifetime_years=inp.lifetime_years)
        measured = _measures(units, chip, x, inp)
        for m, value in measured.items():
            out[f"{country} {m}"] += value
        row = inp.chip_specs[chip]
        out[f"{country} units"] += units
        out[f"{country} peak_flop_s"] += units * row["bf16_dense_tflops"] * 1e12
        out[f"{country} power_gw"] += stock.stock_power_gw(
            units, np.nan_to_num(row["max_w_per_chip"]), x[f"{country} pue"][:, None]
        )
        if country == "cn":
            out[f"cn stock {channel}"] += measured["h100e_8bit"]
            if channel == "licensed" and row["vendor"] == "NVIDIA":
                out["cn licensed nvidia h100e_8bit"] += measured["h100e_8bit"]
    for country in COUNTRIES:
        hours = HOURS_PER_YEAR * inp.load_factor
        out[f"{country} electricity_usd"] = (
            out[f"{country} power_gw"] * 1e6 * hours * x[f"{country} usd_per_kwh"][:, None]
        )
        out[f"{country} largest_run_flop"] = _largest_run(out, country, x, inp)
    out["gap_months"] = stock.gap_months(out["us largest_run_flop"], out["cn largest_run_flop"], YEARS)
    out["break_even_multiplier"] = stock.break_even_multiplier(out["us largest_run_flop"], out["cn largest_run_flop"])
    out["binding"] = dom["binding"].astype(float)
    out["cn huawei units"] = dom["output"].sum(axis=2)
    out["cn ascend-910c stock"] = stock.stock_by_year(
        dom["output"][:, :, ASCEND.index("ascend-910c")], lifetime_years=inp.lifetime_years
    )
    out["die_bank_left"], out["hbm_left"] = dom["die_bank_left"], dom["hbm_left"]
    return out


def china_additions(adds: dict, inp: Inputs) -> dict[str, np.ndarray]:
    """China's additions by channel [8-bit H100e] (``"cn additions <channel>"``) and its licensed
    additions [chips] (``"cn licensed units"``), (draws, years), from :func:`additions`' ``adds``."""
    n = len(next(iter(adds.values())))
    out = {f"cn additions {channel}": np.zeros((n, len(YEARS))) for channel in CHANNELS}
    out["cn licensed units"] = np.zeros((n, len(YEARS)))
    for (country, channel, chip), added in adds.items():
        if country == "cn":
            eight_bit = inp.chip_specs[chip]["eight_bit_tops"]
            out[f"cn additions {channel}"] += stock.h100_equivalents(added, eight_bit, stock.H100_EIGHT_BIT_TOPS)
            if channel == "licensed":
                out["cn licensed units"] += added
    return out


def _largest_run(out: dict, country: str, x: dict, inp: Inputs) -> np.ndarray:
    """The largest run a country's stock allows each year [FLOP]: the largest known cluster's
    dense BF16 peak (at most the whole stock's) × its chip's MFU (:func:`_cluster_mfu`), or the
    reader's share of the stock × the reference MFU, × goodput at its size (MFU, λ, R and δ as
    drawn) × the run's days."""
    n = out[f"{country} units"].shape[0]
    flop = np.zeros((n, len(YEARS)))
    drawn = inp.goodput.drawn(x, per_chip=False)
    for y, year in enumerate(YEARS):
        whole, units = out[f"{country} peak_flop_s"][:, y], out[f"{country} units"][:, y]
        found = inp.clusters[country][year]
        if inp.run_share_of_stock is not None or found is None:
            share = inp.run_share_of_stock or 0.0
            peak, chips, mfu = whole * share, units * share, np.asarray(x["mfu"], dtype=float)
        else:
            _, chip, count, cluster_peak = found
            peak, chips, mfu = np.minimum(cluster_peak, whole), np.minimum(count, units), _cluster_mfu(x, chip, inp)
        loss = goodput.goodput(np.maximum(chips, 1.0), **drawn)
        flop[:, y] = stock.largest_run_flop(peak, mfu=mfu, goodput=loss, days=inp.training_days)
    return flop


def _cluster_mfu(x: dict, chip: str, inp: Inputs) -> np.ndarray:
    """The MFU a cluster of ``chip`` trains at [share of its dense BF16 peak], per draw: the
    reference MFU × its vendor's factor / NVIDIA's (1), at most its generation's cap or the base
    point where that is higher — :func:`analysis.assembly.inputs.chips_mfu`, the rule of chip_parity,
    energy_advantage, procurement and training_run (before 2026-12-07 the product was uncapped)."""
    return shared.chips_mfu(x, inp.chips.loc[[chip]], ranges=inp.ranges, precision="bf16")[:, 0]


def _bands(drawn: dict) -> dict:
    """name -> {"p10", "p50", "p90"}: arrays over years of :func:`uncertainty.percentiles`."""
    out = {}
    for name, values in drawn.items():
        per_year = [uncertainty.percentiles(values[:, y]) for y in range(values.shape[1])]
        out[name] = {q: np.array([p[q] for p in per_year]) for q in ("p10", "p50", "p90")}
    return out


def binding_table(binding: np.ndarray) -> pd.DataFrame:
    """Per year: the limit on China's domestic output that binds in most draws (a name of
    :data:`analysis.formulas.stock.LIMITS`) and the share of draws in which it binds."""
    rows = {}
    for y, year in enumerate(YEARS):
        counts = np.bincount(binding[:, y].astype(int), minlength=len(stock.LIMITS)) / binding.shape[0]
        rows[year] = {"binding": stock.LIMITS[int(counts.argmax())], "share_of_draws": float(counts.max())}
    return pd.DataFrame(rows).T


def tornado(inp: Inputs, year: int = 2026, top: int = 10) -> pd.DataFrame:
    """China's 8-bit stock at the end of ``year`` [H100e] with each uncertain input at its low and
    high end, the others at base (:func:`uncertainty.tornado`, every point in one call of
    :func:`figures`): the ``top`` inputs by swing."""
    y = YEARS.index(year)
    varying = {k: r for k, r in inp.ranges.items() if not uncertainty.is_constant(r)}
    fixed = {k: float(r[1]) for k, r in inp.ranges.items() if k not in varying}

    def model(x):
        n = len(next(iter(x.values())))
        return figures({k: np.full(n, v) for k, v in fixed.items()} | x, inp)["cn h100e_8bit"][:, y]

    return uncertainty.tornado(model, varying, at_once=True).head(top)


#: The policy steps a lever models: step (policy_steps.csv lever) -> (value with the step, without it).
STEP_VALUES = {
    "h20_after_april_2025": ("banned", "allowed"),
    "hbm_replenished": (False, True),
    "h200_exports": ("cap", "zero"),
}


def policy_moves(inp: Inputs, drawn: dict) -> pd.DataFrame:
    """Per policy step modelled by a lever: China's additions over :data:`POLICY_YEARS` [8-bit
    H100e, P50] with the step and without it (the same seeded draws, so only the lever differs),
    the difference, and China's licensed additions in chips per year with and without it.
    ``drawn``: :func:`figures` of ``inp``'s seeded draws, the run whose lever is as ``inp`` sets it;
    the other runs change only the lever (:func:`lever_inputs`)."""
    steps = load("policy_steps")
    rows = {}
    for step, row in steps[steps["lever"] != ""].iterrows():
        runs = {}
        for label, value in zip(("with", "without"), STEP_VALUES[row["lever"]]):
            if value == inp.parameters[row["lever"]]:
                runs[label] = drawn
                continue
            other = lever_inputs(inp, row["lever"], value)
            runs[label] = china_additions(
                additions(uncertainty.draw(other.ranges, other.draws, other.seed), other)[0], other
            )
        span = [YEARS.index(y) for y in POLICY_YEARS]
        total = {k: sum(f[f"cn additions {c}"][:, span].sum(axis=1) for c in CHANNELS) for k, f in runs.items()}
        licensed = {k: f["cn licensed units"] for k, f in runs.items()}
        rows[step] = {
            "date": row["date"],
            "rule": row["rule"],
            "lever": row["lever"],
            "with": uncertainty.percentiles(total["with"])["p50"],
            "without": uncertainty.percentiles(total["without"])["p50"],
            "difference": uncertainty.percentiles(total["with"] - total["without"])["p50"],
            **{
                f"licensed_units_difference_{year}": uncertainty.percentiles(
                    licensed["with"][:, YEARS.index(year)] - licensed["without"][:, YEARS.index(year)]
                )["p50"]
                for year in POLICY_YEARS
            },
        }
    return pd.DataFrame(rows).T


#: Published figures the report compares with: check id -> (figure name, year, what the package computes).
CROSSCHECKS = {
    "epoch-china-nvidia-2025": ("cn licensed nvidia h100e_8bit", 2025, "licensed NVIDIA stock [8-bit H100e]"),
    "epoch-china-nvidia-2024": ("cn licensed nvidia h100e_8bit", 2024, "licensed NVIDIA stock [8-bit H100e]"),
    "huawei-output-2025": ("cn huawei units", 2025, "Huawei Ascend output in 2025 [packages]"),
    "cloudmatrix-2025": ("cn ascend-910c stock", 2025, "Ascend 910C in service, end-2025 [chips]"),
    "openai-2025": ("cn h100e_8bit", 2025, "China's whole stock vs OpenAI's [8-bit H100e]"),
}
#: Within this relative distance of a published median a cross-check passes.
CROSSCHECK_TOLERANCE = 0.25


def crosscheck(bands: dict) -> pd.DataFrame:
    """The package's figures (P50, P10, P90) beside the published ones of
    ``stock_crosschecks.csv`` (value and range), with the relative difference of the medians."""
    published = load("stock_crosschecks")
    rows = {}
    for check, (name, year, what) in CROSSCHECKS.items():
        y, ref = YEARS.index(year), published.loc[check]
        mine = {q: float(bands[name][q][y]) for q in ("p10", "p50", "p90")}
        rows[check] = {
            "what": what,
            "year": year,
            "published": ref["figure"],
            **mine,
            "published_value": ref["value"],
            "published_low": ref["value_low"],
            "published_high": ref["value_high"],
            "relative_difference": mine["p50"] / ref["value"] - 1,
            "source": ref["source"],
        }
    return pd.DataFrame(rows).T


def result(inp: Inputs) -> Result:
    """Base point and Monte Carlo (see :class:`Result`)."""
    base = {k: v[0] for k, v in figures(shared.base_point(inp.ranges), inp).items()}
    drawn = figures(uncertainty.draw(inp.ranges, inp.draws, inp.seed), inp)
    bands = _bands({k: v for k, v in drawn.items() if k != "binding"})
    return Result(
        inputs=inp,
        base=base,
        bands=bands,
        binding=binding_table(drawn["binding"]),
        tornado=tornado(inp),
        policy=policy_moves(inp, drawn),
        crosscheck=crosscheck(bands),
    )


def run(**values) -> Result:
    """:func:`inputs` then :func:`result`: everything the notebook shows, in one call."""
    return result(inputs(**values))


# --------------------------------------------------------------------------------------------
# text, tables and figures


def band_text(r: Result, name: str, year: int, fmt=present.count) -> str:
    """A figure of a year as "P50 (P10–P90)" in ``fmt``."""
    y, b = YEARS.index(year), r.bands[name]
    if fmt(b["p10"][y]) == fmt(b["p90"][y]):
        return fmt(b["p50"][y])
    return f"{fmt(b['p50'][y])} ({fmt(b['p10'][y])}–{fmt(b['p90'][y])})"


def _months(value) -> str:
    """A gap in months, rounded, its noun singular for one (:func:`present.counted`)."""
    return present.counted(value, "month", spec="{:,.0f}")


def _gw(value) -> str:
    """Power in GW with one decimal."""
    return f"{value:,.1f} GW"


def _times(value) -> str:
    """A multiplier: '20×'."""
    return f"{value:,.3g}×"


#: The policy levers in words, per value: lever -> {value: words}; the defaults make the baseline.
LEVER_WORDS = {
    "h20_after_april_2025": {
        "allowed": "H20 sold after April 2025 as Epoch AI records it",
        "banned": "H20 sales banned after April 2025",
    },
    "h200_exports": {
        "zero": "no H200 exports",
        "cap": "H200 exports at 91 FR 1684's cap of 50 % of US volume",
        "estimate": "H200 exports at Grunewald's estimate",
    },
    "smuggling": {
        "zero": "no smuggling",
        "low": "smuggling at the sources' low end",
        "central": "smuggling over the sources' range",
        "high": "smuggling at the sources' high end",
    },
    "huawei_output": {
        "low": "Huawei output at the low estimates",
        "central": "Huawei output over the reported range",
        "high": "Huawei output at the high estimates",
    },
    "hbm_replenished": {
        False: "the HBM stockpile limits Huawei's output",
        True: "HBM reaching China despite the Dec 2024 rule, no stockpile limit",
    },
}
#: Parameters that change no scenario (the Monte Carlo's size and seed).
NOT_SCENARIO = ("seed", "draws")


def scenario(parameters: dict) -> tuple[str, str]:
    """The scenario of a render from its own ``parameters`` (not from a scenario file): its name,
    "baseline" where every lever and setting is at its default, else the levers that differ in
    words (:data:`LEVER_WORDS`) and other settings as ``name = value``, joined by "; "; and the
    other levers, at the baseline, in words."""
    changed, same = [], []
    for name, spec in PARAMETERS.items():
        value = parameters[name]
        if name in LEVER_WORDS:
            (same if value == spec.default else changed).append(LEVER_WORDS[name][value])
        elif name not in NOT_SCENARIO and value != spec.default:
            changed.append(f"`{name}` = {value:g}" if isinstance(value, float) else f"`{name}` = {value}")
    return ("; ".join(changed) or "baseline"), ", ".join(same)


def title(r: Result) -> str:
    """The report's title, naming its scenario unless it is the baseline (:func:`scenario`)."""
    name = scenario(r.inputs.parameters)[0]
    what = "China vs US AI compute, 2022–2027, and the largest run each can do"
    return f"National compute: {what}" if name == "baseline" else f"National compute — {name}: {what}"


def _scenario_line(r: Result) -> str:
    """The answer's first sentence: which scenario this is and what the other levers are."""
    name, same = scenario(r.inputs.parameters)
    if name == "baseline":
        return f"**Scenario: baseline** ({same})."
    return f"**Scenario: {name}**" + (f" (the other levers as in the baseline: {same})." if same else ".")


def answer(r: Result) -> str:
    """Page 1: the scenario (:func:`scenario`) and the answer in one sentence (China's stock as a
    share of the US's in 2025 and 2027), one paragraph (the index page's summary), then a list of
    one line per finding (each stock with its band, the largest run each allows in 2026, the US's
    lead in months, the algorithmic gain China would need) and what the figures are."""
    b = r.bands
    ratio = {y: b["cn h100e_8bit"]["p50"][YEARS.index(y)] / b["us h100e_8bit"]["p50"][YEARS.index(y)] for y in YEARS}
    line = (
        f"China holds **{present.pct(ratio[2025])}** of the US's AI compute stock in 2025 and "
        f"{present.pct(ratio[2027])} in 2027 (H100-equivalents, 8-bit peak, Epoch-compatible):"
    )
    lines = [
        f"- China's stock grows from **{band_text(r, 'cn h100e_8bit', 2022)}** H100-equivalents at the end of 2022 "
        f"to **{band_text(r, 'cn h100e_8bit', 2025)}** in 2025 and **{band_text(r, 'cn h100e_8bit', 2027)}** in 2027.",
        f"- The US stock is **{band_text(r, 'us h100e_8bit', 2025)}** in 2025 and "
        f"**{band_text(r, 'us h100e_8bit', 2027)}** in 2027.",
        "- The largest run China's stock allows in 2026 is "
        f"**{band_text(r, 'cn largest_run_flop', 2026, present.flop)}** against the US's "
        f"**{band_text(r, 'us largest_run_flop', 2026, present.flop)}** (each from its largest known cluster; known "
        "runs show these are floors).",
        f"- The US had China's 2026 capability **{_months(b['gap_months']['p50'][4])}** earlier.",
        f"- China would need algorithms **{_times(b['break_even_multiplier']['p50'][4])}** more efficient to match "
        "the US run of the same year.",
    ]
    drawn = (
        f"Figures are the median (P50) of {present.count(r.inputs.draws)} Monte Carlo draws, P10–P90 in brackets; "
        "2027 repeats 2026's additions (no source estimates 2027) and the US 2026 additions annualise Epoch AI's "
        "first quarter, so both years are projections, the US ones a floor."
    )
    return "\n\n".join([f"{_scenario_line(r)} {line}", "\n".join(lines), *filter(None, [caveat(r)]), drawn])


def caveat(r: Result) -> str:
    """Page 1's one sentence on how far the headline share holds: the 2025 cross-checks against
    independent figures outside :data:`CROSSCHECK_TOLERANCE` (Huawei's output +48 %, the 910C in
    service +190 %, China's whole stock −34 % against OpenAI's) and China's 2025 units counted as zero
    for want of a sourced dense BF16 figure (AMD MI308X 31,859; Cambricon's 142,000, a mix of Siyuan
    590/690 and older models, for which the catalog's one Cambricon row, the older MLU370-X8, cannot
    stand). Words only: the figures are those of the findings' cross-check and uncounted lines."""
    checks = r.crosscheck[~r.crosscheck.index.str.startswith("epoch-")]
    off = checks[checks["relative_difference"].astype(float).abs() > CROSSCHECK_TOLERANCE]
    misses = [
        f"{row['what'].split(' [')[0]} {'+' if row['relative_difference'] > 0 else ''}"
        f"{present.pct(row['relative_difference'])}"
        for _, row in off.iterrows()
    ]
    rows = load("shipments")
    zero = rows[(rows["country"] == "cn") & (rows["chip_id"] == "") & (rows["year"] == 2025)]
    cambricon = (
        " Cambricon chips of several models (Siyuan 590/690 and older; the catalog's one Cambricon figure, the older "
        "MLU370-X8's, cannot stand for them)"
    )
    uncounted = [
        present.count(row["units"]) + (cambricon if row["vendor"] == "Cambricon" else f" {_maker_chip(row)} chips")
        for _, row in zero.iterrows()
    ]
    parts = [f"its 2025 figures miss independent ones ({'; '.join(misses)})"] if misses else []
    parts += [f"{present.joined(uncounted)} count as zero for want of a sourced dense BF16 figure"] * bool(uncounted)
    if not parts:
        return ""
    return (
        f"**How far the share holds.** China's side is the least certain: {', and '.join(parts)}; these errors "
        "partly offset one another, so the share is less certain than its band, which draws only the sources' own "
        "ranges."
    )


def findings(r: Result) -> str:
    """Key findings as a markdown list."""
    b, inp = r.bands, r.inputs
    channels = {c: b[f"cn stock {c}"]["p50"][YEARS.index(2026)] for c in CHANNELS}
    total = sum(channels.values())
    mix = ", ".join(f"{CHANNELS[c]} {present.pct(v / total)}" for c, v in channels.items() if v > 0)
    binding = r.binding
    first_limit = binding.index[binding["binding"] != stock.LIMITS[0]]
    limit = (
        f"from {first_limit[0]} on **{binding.at[first_limit[0], 'binding']}** binds "
        f"(in {present.pct(binding.at[first_limit[0], 'share_of_draws'])} of draws)"
        if len(first_limit)
        else "no supply constraint binds before 2028"
    )
    check = r.crosscheck.loc["epoch-china-nvidia-2025"]
    lines = [
        f"- **Where China's 2026 stock comes from** (8-bit H100e, P50): {mix}.",
        _domestic_line(r, limit),
        f"- **Power**: China's stock draws {band_text(r, 'cn power_gw', 2026, _gw)} "
        f"{present.at_the_meter(1.0)} in 2026 "
        f"({inp.sites['cn'].pue_text('{:g}')}), costing {band_text(r, 'cn electricity_usd', 2026, present.usd)} a "
        f"year at {present.pct(inp.load_factor)} load and the {inp.sites['cn'].name}; the US stock "
        f"{band_text(r, 'us power_gw', 2026, _gw)} ({inp.sites['us'].pue_text('{:g}')}).",
        f"- **Cross-check**: China's official NVIDIA stock at the end of 2025 is {present.count(check['p50'])} "
        f"8-bit H100e against Epoch AI's {present.count(check['published_value'])} "
        f"({present.pct(check['relative_difference'])}; {_within(check['relative_difference'])}; built from the same "
        "Epoch shipments, so it checks the arithmetic, not the data).",
        _independent_checks_line(r),
        _runs_line(r),
        _uncounted_line(),
    ]
    h20 = r.policy[r.policy["lever"] == "h20_after_april_2025"]
    if len(h20):
        cut = (
            f"{present.counted(-h20['licensed_units_difference_2025'].iloc[0], 'chip')} in 2025 and "
            f"{present.count(-h20['licensed_units_difference_2026'].iloc[0])} in 2026 (P50)"
        )
        lines.append(
            f"- **H20 licence (Apr 2025)**: this scenario bans H20 sales after April 2025, which takes {cut} off "
            "China's licensed additions against the sales Epoch AI records."
            if inp.parameters["h20_after_april_2025"] == "banned"
            else f"- **H20 licence (Apr 2025)**: banning H20 sales after April 2025 (`h20_after_april_2025` = banned) "
            f"would lower China's licensed additions by {cut}."
        )
    return "\n".join(line for line in lines if line)


def _domestic_line(r: Result, limit: str) -> str:
    """A finding: what limits Huawei's output (``limit``: which constraint binds from when, in
    words); without HBM replenished, whether replenishing it would lift an HBM limit."""
    if r.inputs.hbm_replenished:
        return (
            "- **Domestic output**: in this scenario HBM reaches China despite the Dec 2024 rule, so Huawei's reported "
            f"output is met while the TSMC die bank lasts and no HBM stockpile limits it; {limit} (table below)."
        )
    hbm = "HBM stacks" in set(r.binding["binding"])
    return (
        "- **Domestic output**: Huawei's reported output is met while the TSMC die bank and the HBM stockpile last; "
        f"{limit} (table below)."
        + (" With HBM replenished (`hbm_replenished` = true) the HBM limit lifts." if hbm else "")
    )


def _independent_checks_line(r: Result) -> str:
    """The cross-checks against figures not built from Epoch's data (:data:`CROSSCHECKS` but the
    ``epoch-`` ones) that lie outside :data:`CROSSCHECK_TOLERANCE`, in words; "" if none."""
    checks = r.crosscheck[~r.crosscheck.index.str.startswith("epoch-")]
    off = checks[checks["relative_difference"].astype(float).abs() > CROSSCHECK_TOLERANCE]
    if off.empty:
        return ""
    parts = [
        f"{row['what']} {present.count(row['p50'])} against {present.count(row['published_value'])} published "
        f"({'+' if row['relative_difference'] > 0 else ''}{present.pct(row['relative_difference'])})"
        for _, row in off.iterrows()
    ]
    return (
        f"- **Against independent figures**, outside ± {present.pct(CROSSCHECK_TOLERANCE)}: "
        + "; ".join(parts)
        + " (P50, 2025; the cross-check table says what each published figure counts and where it comes from)."
    )


def _within(relative_difference: float) -> str:
    """Whether a cross-check lies within :data:`CROSSCHECK_TOLERANCE`, in words."""
    tolerance = present.pct(CROSSCHECK_TOLERANCE)
    if abs(relative_difference) <= CROSSCHECK_TOLERANCE:
        return f"within ± {tolerance}"
    return f"outside ± {tolerance}: the cross-check fails"


def _runs_line(r: Result) -> str:
    """A finding: the largest known runs (largest_runs.csv) against the cluster-based figures,
    which they exceed where hardware is undisclosed or a run was longer, so the latter are floors."""
    known = load("largest_runs")
    ratios, above = [], []
    for year in sorted(set(known["year"])):
        runs = known[known["year"] == year].set_index("country")["training_flop"]
        if {"cn", "us"} <= set(runs.index):
            ratios.append(f"{_times(runs['us'] / runs['cn'])} in {year}")
        for country, flop in runs.items():
            if year in YEARS and flop > r.bands[f"{country} largest_run_flop"]["p50"][YEARS.index(year)]:
                above.append(f"{COUNTRIES[country]} {year}")
    return (
        "- **Known runs** (Epoch AI): the largest known US run was "
        + ", ".join(ratios).replace(" in ", " the largest Chinese one in ", 1)
        + ". "
        + (
            f"Known runs exceed the cluster-based figure for {', '.join(above)}: the clusters behind them are "
            "undisclosed or the runs were longer, so the cluster-based runs are floors (Chinese clusters are the "
            "less disclosed)."
            if above
            else ""
        )
    )


def _uncounted_line() -> str:
    """A finding: China's units counted without compute (no sourced specs), by row."""
    rows = load("shipments")
    rows = rows[(rows["country"] == "cn") & (rows["chip_id"] == "")]
    parts = [f"{_maker_chip(row)} {present.count(row['units'])} ({row['year']})" for _, row in rows.iterrows()]
    return (
        "- **Not in the compute measures** (no sourced dense BF16 figure): " + ", ".join(parts) + " chips; the three "
        "measures nearly coincide because most chips' 8-bit peak is twice their BF16 one, as the H100's."
    )


def _maker_chip(row: pd.Series) -> str:
    """A shipment row's chips in words: the vendor's name and the chip as the source names it."""
    chip = row["chip_text"].split(" (")[0]
    return f"{row['vendor']} {'(all models)' if chip.startswith(row['vendor'].lower()) else chip.upper()}"


def stock_table(r: Result) -> pd.DataFrame:
    """Per year: China's and the US's stock in the three measures [H100e] as "P50 (P10–P90)"
    bands, and the ratio of the 8-bit medians."""
    rows = {}
    for year in YEARS:
        y = YEARS.index(year)
        row = {}
        for country, name in COUNTRIES.items():
            for m in MEASURES:
                band = r.bands[f"{country} {m}"]
                row[f"{name} {m}"] = _band(band, y)
        row["China / US (8-bit)"] = r.bands["cn h100e_8bit"]["p50"][y] / r.bands["us h100e_8bit"]["p50"][y]
        rows[year] = row
    return pd.DataFrame(rows).T


def _band(band: dict, y: int, fmt=present.count) -> present.Band:
    """A :class:`present.Band` "P50 (P10–P90)" of one year of a band."""
    lo, mid, hi = (float(band[q][y]) for q in ("p10", "p50", "p90"))
    low_text, mid_text, high_text = (fmt(v).replace(" ", "\u00a0") for v in (lo, mid, hi))  # one line each
    text = mid_text if low_text == high_text else f"{mid_text} ({low_text}–{high_text})"
    return present.Band(text, lo, mid, hi)


def clusters_table(r: Result) -> pd.DataFrame:
    """Per year: the cluster each country's largest run uses (name, chips) and the largest known
    run of that year (largest_runs.csv)."""
    known = load("largest_runs")
    rows = {}
    for year in YEARS:
        row = {}
        for country, name in COUNTRIES.items():
            found = r.inputs.clusters[country][year]
            row[f"{name} cluster"] = (
                "none known"
                if found is None
                else f"{found[0]} ({present.count(found[2])} × {present.chip_short(found[1])})"
            )
            done = known[(known["country"] == country) & (known["year"] == year)]
            row[f"{name} known"] = (
                present.NA if done.empty else f"{done['model'].iloc[0]}: {present.flop(done['training_flop'].iloc[0])}"
            )
        rows[year] = row
    return pd.DataFrame(rows).T


def runs_table(r: Result) -> pd.DataFrame:
    """Per year: each country's largest run [FLOP, P50], the gap in months and the break-even
    multiplier as "P50 (P10–P90)" bands."""
    rows = {}
    for year in YEARS:
        y = YEARS.index(year)
        row = {f"{name} run": r.bands[f"{c} largest_run_flop"]["p50"][y] for c, name in COUNTRIES.items()}
        row["gap"] = _band(r.bands["gap_months"], y, lambda v: f"{v:,.0f}")
        row["break-even"] = _band(r.bands["break_even_multiplier"], y, lambda v: f"{v:,.3g}")
        rows[year] = row
    return pd.DataFrame(rows).T


def policy_table(r: Result, modelled: bool = True) -> pd.DataFrame:
    """The policy steps of policy_steps.csv by date with the rule's short name: with ``modelled``,
    the steps a lever models, with China's additions 2025–2027 with and without the step [8-bit
    H100e, P50] and the lever; else every step and what it changed."""
    steps = load("policy_steps")
    frame = steps[["date", "rule", "what_changes", "lever"]].copy()
    frame["rule"] = [rule.split(" (")[0].split(",")[0] for rule in frame["rule"]]
    if not modelled:
        return frame.set_index("date")[["rule", "what_changes"]]
    frame = frame[frame["lever"] != ""]
    for column in ("with", "without", "difference"):
        frame[column] = r.policy[column].reindex(frame.index).astype(float)
    frame["lever"] = [f"{lever} = {' / '.join(map(_value_text, STEP_VALUES[lever]))}" for lever in frame["lever"]]
    return frame.set_index("date")[["rule", "lever", "with", "without", "difference"]]


def _value_text(value) -> str:
    """A lever's value as the reports and scenario files write it: booleans as true/false."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def plot_channels(r: Result) -> None:
    """Stacked area: China's stock by channel [8-bit H100e, P50], 2022–2027."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 4.4))
    values = [r.bands[f"cn stock {c}"]["p50"] / 1e6 for c in CHANNELS]
    ax.stackplot(YEARS, values, labels=list(CHANNELS.values()), alpha=0.85)
    ax.axvspan(2026, 2027, color="grey", alpha=0.1, label="2027: 2026's additions repeated (no source)")
    ax.set_xlim(YEARS[0], YEARS[-1])
    ax.legend(loc="upper left", frameon=False)
    present.finish(
        ax,
        "China's AI compute stock by channel (P50, end of year)",
        "year",
        "stock [million 8-bit H100e]",
        key_value=f"2027: {present.count(r.bands['cn h100e_8bit']['p50'][-1])} H100e",
    )


def plot_us_vs_china(r: Result) -> None:
    """US and China stocks on one log axis in the three measures (P50 lines, P10–P90 shading)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 4.6))
    styles = {"h100e_8bit": "-", "h100e_bf16": "--", "effective_h100e": ":"}
    colors = {"us": "#1f4e9a", "cn": "#c8102e"}
    for country, color in colors.items():
        for m, style in styles.items():
            band = r.bands[f"{country} {m}"]
            ax.plot(YEARS, band["p50"], style, color=color)
            ax.fill_between(YEARS, band["p10"], band["p90"], color=color, alpha=0.08)
    # a colour per country and a line style per measure: five entries, below China's line from 2024 on
    for country, color in colors.items():
        ax.plot([], [], color=color, lw=4, label=COUNTRIES[country])
    for m, style in styles.items():
        ax.plot([], [], style, color="#555555", label=MEASURES[m])
    present.log_scale(ax, "y")
    # over several decades a log axis labels no minor tick and the theme draws no tick marks or minor grid:
    # no minor ticks changes no pixel and saves ≈ 0.05 CPU-s
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(loc="lower right", frameon=False)
    present.finish(ax, "US and China AI compute stock, three measures (P50, P10–P90 shaded)", "year", "stock [H100e]")


def plot_tornado(r: Result) -> None:
    """Tornado: China's 2026 stock [8-bit H100e] at each input's low and high end."""
    import matplotlib.pyplot as plt

    t = r.tornado.iloc[::-1] / 1e6
    base = r.base["cn h100e_8bit"][YEARS.index(2026)] / 1e6
    # about the page's width (a wider figure is printed smaller): labels at the theme's size
    fig, ax = plt.subplots(figsize=(7, 0.42 * len(t) + 1.6))
    rows = np.arange(len(t))  # each end's bars in one call (no two bars of one end overlap)
    ax.barh(rows, t["low"] - base, left=base, color="#4c72b0", label="input at its low end")
    ax.barh(rows, t["high"] - base, left=base, color="#dd8452", label="input at its high end")
    ax.set_yticks(range(len(t)), [input_name(n) for n in t.index])
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_ylim(-1.4, len(t) - 0.5)  # a free row at the foot for the legend, which covers no bar
    ax.legend(frameon=False, loc="lower right", ncol=2)
    present.finish(
        ax,
        "What moves China's 2026 stock most\n(each input at its low and high end, the others at base)",
        "China's stock, end of 2026 [million 8-bit H100e]",
        "",
    )


def input_name(key: str) -> str:
    """A shipment row id or range name in words: 'cn-smuggled-h100-sxm-2024' -> 'smuggled H100 SXM5, 2024'."""
    rows = load("shipments")
    if key not in rows.index:
        return key
    row = rows.loc[key]
    chip = present.chip_short(row["chip_id"]) if row["chip_id"] else row["chip_text"]
    if row["vendor"] == "Huawei":
        return f"Huawei reported output, {chip}, {row['year']}"
    return f"{CHANNELS.get(row['channel'], row['channel'].replace('_', ' '))}, {chip}, {row['year']}"


def plot_runs(r: Result) -> None:
    """The largest run each stock allows [FLOP, log] with P10–P90, and the largest known runs
    (``largest_runs.csv``); drawn once per process for the same bands and data
    (:func:`present.show_once`: the policy levers seldom move it)."""
    bands = {country: r.bands[f"{country} largest_run_flop"] for country in COUNTRIES}
    numbers = tuple(bands[c][q].tobytes() for c in COUNTRIES for q in ("p10", "p50", "p90"))
    present.show_once(("compute_stock.plot_runs", data_digest(), numbers), lambda: _draw_runs(bands))


def _draw_runs(bands: dict) -> None:
    """:func:`plot_runs` drawn from ``bands`` (country -> {"p10", "p50", "p90"} over :data:`YEARS`)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 4.4))
    known = load("largest_runs")
    for country, color in (("us", "#1f4e9a"), ("cn", "#c8102e")):
        band = bands[country]
        ax.plot(YEARS, band["p50"], "-o", color=color, label=f"{COUNTRIES[country]}: largest run its stock allows")
        ax.fill_between(YEARS, band["p10"], band["p90"], color=color, alpha=0.12)
        done = known[known["country"] == country]
        ax.scatter(
            done["year"],
            done["training_flop"],
            marker="x",
            color=color,
            label=f"{COUNTRIES[country]}: largest known run",
        )
    present.log_scale(ax, "y")
    # over several decades a log axis labels no minor tick and the theme draws no tick marks or minor grid:
    # no minor ticks changes no pixel and saves ≈ 0.05 CPU-s
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(frameon=False, loc="lower right")  # under China's line from 2024 on
    present.finish(ax, "Largest training run each country's stock allows", "year", "training compute [FLOP]")


def methods(r: Result) -> str:
    """The Methods and assumptions section, every setting with the value this render used."""
    inp, c = r.inputs, r.inputs.constraints
    return "\n".join(
        [
            "- **Additions** per country, channel, chip and year come from `data/shipments.csv` (Epoch AI's revenue ÷ "
            "price estimates for NVIDIA, TPU, Trainium and AMD; press and analyst figures for Huawei, Cambricon, "
            "smuggling and rented capacity), each row a triangular distribution over its low–base–high. US 2026 rows "
            "are Epoch AI's first quarter × 4; 2027 repeats 2026 (no source estimates 2027), except capacity rented "
            "abroad, which the sources give as a cluster reached, not a yearly flow. Rows in B300-equivalents "
            "count as B300s. Rows whose chip has no dense BF16 figure in `chips.csv` (Cambricon, AMD MI308X, "
            "MI350X/355X, MI250X, MI300A, TPU v4i) are counted in units only, not in compute.",
            f"- **Stock** = cumulative additions × survival: additions arrive mid-year and a chip serves "
            f"{present.counted(inp.lifetime_years, 'year', spec='{:g}')} (hyperscalers' server useful life). "
            "Only chips added from 1 January 2022 are counted (the shipments start there), so the 2022–2023 stocks "
            "of both countries are low.",
            "- **Domestic output** (Huawei Ascend) = the reported output × min(1, dies available / dies needed, HBM "
            f"stacks left / stacks needed, packaging / packages). Dies: the TSMC die bank (drawn once per draw, spent "
            f"first, then gone) plus SMIC's good dies = 7-nm wafers per month × 12 × Ascend's share (0.05–0.20, an "
            f"assumption) × {c['dies_per_wafer']:.0f} die sites per wafer × yield. HBM: the stockpile (drawn once, "
            f"spent from {YEARS[c['hbm_from_year']]}) at {c['stacks_per_package'][1]:g} stacks per 910C and "
            f"{c['stacks_per_package'][0]:g} per 910B; packaging: "
            + ("no limit (no sourced capacity)" if inp.packaging is None else f"{present.count(inp.packaging)} a year")
            + ". Packages made from die-bank dies are the proxy-fabricated channel.",
            "- **Three measures**: 8-bit peak H100e = units × max(FP8, INT8) dense / 1,978.9 TOP/s (Epoch AI's "
            "metric); dense BF16 H100e = units × BF16 / 989.4 TFLOP/s; effective H100e = BF16 H100e × the vendor's "
            "software factor (`vendor_efficiency.csv`; 1 where none).",
            f"- {shared.vendor_factors_text(inp.chips)}",
            f"- **Power** = chips × TDP × server power ratio × the region's PUE; cost at its electricity price and "
            f"{present.pct(inp.load_factor)} load.",
            "- **Largest run** = the largest known cluster or run of each country by then (`clusters.csv`, kinds "
            "cluster and run; planned sites, fleets, holdings and unverified claims excluded), at most the whole "
            f"stock, × dense BF16 peak × MFU {present.pct(inp.mfu)} ({inp.used['mfu_basis'].origin}; drawn: "
            f"{inp.used['mfu_spread'].value}) × "
            "vendor factor (at most the cap of the chip's generation, as chip_parity and procurement cap it) × "
            f"goodput at its size (its inputs drawn: {inp.goodput.spread_used().value}; MFU and "
            f"goodput as procurement draws them) × {present.counted(inp.training_days, 'day', spec='{:g}')}"
            + (
                ""
                if inp.run_share_of_stock is None
                else f"; here instead {present.pct(inp.run_share_of_stock)} of the stock"
            )
            + ". **Gap** = how long before year y the US run reached China's (log-interpolated); **break-even** = US "
            "run ÷ China's run of the same year. MFU and days are the same for both, so they cancel in the ratio; the "
            "clusters are taken as published, so the runs' bands hold the MFU, the goodput inputs, the vendor factor "
            "and a stock smaller than its largest cluster.",
            "- **Levers** (parameters; defaults first): H20 after 9 April 2025 (allowed: Epoch AI's 2025 Q2–Q3 "
            "sales kept; banned: dropped), H200 exports from 2026 (zero: NVIDIA's May 2026 outlook assumes no China "
            "data-centre revenue and Chinese customs blocked the H200; cap: 50 % of the latest US H100/H200 "
            "additions, 91 FR 1684; estimate: Grunewald's), smuggling and Huawei output (central: the whole range "
            "drawn; low or high: that end; zero: none), HBM replenished (no: the stockpile limits output).",
            "- **Uncertainty**: every shipment row, the die bank, HBM stockpile, yields, wafer share, prices, PUEs, "
            "vendor factors, the largest runs' MFU and goodput inputs are drawn "
            f"({present.count(inp.draws)} draws, seed {inp.seed}); bands are P10–P90.",
        ]
    )


def key_figures(r: Result) -> dict:
    """The JSON: per year 2022–2027 China's and the US's stock in the three measures with
    ``_p10``/``_p90``, China by channel, the binding constraint, the largest run per country, the
    gap in months and the break-even multiplier, power, the policy moves and the cross-checks."""

    def by_year(values):
        return {str(year): float(v) for year, v in zip(YEARS, values)}

    out = {}
    names = [f"{c} {m}" for c in COUNTRIES for m in (*MEASURES, "largest_run_flop", "power_gw", "electricity_usd")]
    for name in [*names, "gap_months", "break_even_multiplier"]:
        key = name.replace("cn ", "china_").replace("us ", "us_")
        for q, suffix in (("p50", ""), ("p10", "_p10"), ("p90", "_p90")):
            out[key + suffix] = by_year(r.bands[name][q])
    out["china_by_channel_h100e_8bit"] = {c: by_year(r.bands[f"cn stock {c}"]["p50"]) for c in CHANNELS}
    out["binding_constraint"] = {str(y): row["binding"] for y, row in r.binding.iterrows()}
    out["binding_constraint_share_of_draws"] = {str(y): float(row["share_of_draws"]) for y, row in r.binding.iterrows()}
    out["policy_moves_h100e_8bit_2025_2027"] = {
        step: {k: float(row[k]) for k in ("with", "without", "difference")} | {"lever": row["lever"]}
        for step, row in r.policy.iterrows()
    }
    out["policy_licensed_units_difference"] = {
        row["lever"]: {str(y): float(row[f"licensed_units_difference_{y}"]) for y in POLICY_YEARS}
        for _, row in r.policy.iterrows()
    }
    out["crosschecks"] = {
        k: {"p50": row["p50"], "published": row["published_value"], "relative_difference": row["relative_difference"]}
        for k, row in r.crosscheck.iterrows()
    }
    return out
