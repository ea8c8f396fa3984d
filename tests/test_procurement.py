"""The procurement report's assembly (fast tier: no kernel, no browser). Every pinned number is
worked by hand in its comment from the sources' figures in data/ and the library's constants."""

import io
import json
import math
import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from analysis.assembly import params, present, quotes  # noqa: E402
from analysis.assembly import procurement as report  # noqa: E402
from analysis.assembly import procurement_model as model  # noqa: E402
from analysis.assembly import procurement_plots as plots  # noqa: E402
from analysis.assembly import procurement_tables as tables  # noqa: E402
from analysis.assembly import procurement_text as text  # noqa: E402
from analysis.assembly.inputs import READER, Used  # noqa: E402
from analysis.catalog import load, sources  # noqa: E402
from analysis.formulas import cost, uncertainty  # noqa: E402
from analysis.formulas import procurement as buy  # noqa: E402

DRAWS = 2_000
#: The tables the notebook shows, as frames.
TABLES = (
    text.options_table,
    text.cost_table,
    text.training_table,
    text.band_table,
    tables.availability_table,
    tables.price_table,
    tables.china_quotes_table,
    tables.vendor_table,
)


def run(**values):
    return report.run(**({"draws": DRAWS} | values))


def text_of(r) -> str:
    """Everything the report writes in words (tables are built too), checked for nan, inf and e
    notation; the JSON must hold no NaN or inf (unknowns are null)."""
    for table in TABLES:
        table(r)
    json.dumps(present._plain(report.key_figures(r)), allow_nan=False)
    words = "\n".join(
        [text.title(r), text.answer(r), text.findings(r), text.methods(r), text.band_table(r).to_string()]
    )
    shown = words.replace("n/a", "")
    assert not re.search(r"\bnan\b|\binf\b|\d[eE][+-]?\d", shown, re.I), shown
    return words


def unknown_allowed(r, option: str) -> set[str]:
    """The figures of an option that may be unknown (NaN): every figure where the report says why
    (:func:`report.notes`: no sourced price or power, not available), goodput where the option
    has no chip (a share of nothing) and what a dollar buys where nothing is spent."""
    if option in report.notes(r):
        return set(report.FIGURES)
    nothing = {"goodput", "h100_equivalents_per_musd", "training_flop_per_year_per_usd"}
    return nothing if r.p50.loc[option, "chips"] == 0 else set()


def check_numbers(r) -> None:
    """No inf anywhere, and no NaN where a value exists: in the base point and every band
    (P10/P50/P90) of every option, in the JSON's key figures before NaN becomes null, and in the
    numeric cells of every table the notebook shows."""
    for frame in (r.base, r.p10, r.p50, r.p90):
        assert not np.isinf(frame.to_numpy(dtype=float)).any(), frame
        for option, row in frame.iterrows():
            missing = set(row.index[row.isna()])
            assert missing <= unknown_allowed(r, option), (option, missing)
    for option, figures in report.key_figures(r)["options"].items():
        allowed = unknown_allowed(r, option)
        for key, value in figures.items():
            if isinstance(value, float):
                assert not math.isinf(value), (option, key)
                assert value == value or key.removesuffix("_p10").removesuffix("_p90") in allowed, (option, key)
    for table in TABLES:
        numbers = table(r).select_dtypes("number").to_numpy(dtype=float)
        assert not np.isinf(numbers).any(), table.__name__


@pytest.fixture
def shown(monkeypatch):
    """The figures the report shows (present.show captured instead of displayed)."""
    figures = []
    monkeypatch.setattr(present, "show", lambda fig, *args, **kwargs: figures.append(fig))
    yield figures
    matplotlib.pyplot.close("all")


# --------------------------------------------------------------------------------------------
# formulas


def test_chinchilla_optimal_parameters():
    # C = 1.2e25 FLOP: N = sqrt(1.2e25 / (6 × 20)) = sqrt(1e23) = 3.1623e11
    assert buy.compute_optimal_params(1.2e25) == pytest.approx(3.1623e11, rel=1e-4)


def test_chips_for_budget_buys_whole_servers_and_no_unpriced_chip():
    # $1 M / $15,000 = 66.7 chips -> 8 whole servers of 8 = 64; a PCIe card (unit 1) -> 66
    assert buy.chips_for_budget(1e6, 15_000.0) == 64
    assert buy.chips_for_budget(1e6, 15_000.0, chips_per_unit=1) == 66
    assert np.isnan(buy.chips_for_budget(1e6, np.nan))


def test_useful_chips_split_into_clusters():
    # 100,000 chips in clusters of 25,000: 4 × 25,000 × goodput(25,000); at the Young–Daly interval
    # goodput(n) = 1 / (1 + n·λ·R + sqrt(2·δ·n·λ)) with λ = 1.97e-5, R = 6.47 / 60 = 0.107833 h, δ = 7.875e-4 h:
    # n·λ = 0.4925, n·λ·R = 0.0531079, sqrt(2 × 7.875e-4 × 0.4925) = sqrt(7.75688e-4) = 0.0278512
    # → 1 / 1.0809591 = 0.925104
    assert buy.useful_chips(100_000, max_cluster_chips=25_000) == pytest.approx(4 * 25_000 * 0.925104, rel=1e-5)
    # 60,000 in clusters of 25,000: two full ones and one of 10,000 (n·λ = 0.197: 0.0212432 +
    # sqrt(3.10275e-4) = 0.0212432 + 0.0176146 → 1 / 1.0388578 = 0.962596)
    assert buy.useful_chips(60_000, max_cluster_chips=25_000) == pytest.approx(
        2 * 25_000 * 0.925104 + 10_000 * 0.962596, rel=1e-5
    )


# --------------------------------------------------------------------------------------------
# issue 9: one function for the headline and its band


def test_reference_b200_fleet_headline_inside_its_band_and_hand_worked():
    r = run(counts=[100_000], reference_chip="b200")
    eq = r.p50.loc["a800-sxm-80gb", "h100_equivalents_bf16"]
    # 100,000 A800 × 312 TFLOP/s / 2,250 (B200) = 13,866.67 B200-equivalents, with no spread (peaks are
    # fixed); the old code gave a base of 13,867 and a band of 27,742–31,229 (in H100 terms)
    assert eq == pytest.approx(13_866.67, abs=0.01)
    assert (
        r.p10.loc["a800-sxm-80gb", "h100_equivalents_bf16"] <= eq <= r.p90.loc["a800-sxm-80gb", "h100_equivalents_bf16"]
    )
    assert r.p90.loc["a800-sxm-80gb", "h100_equivalents_bf16"] == pytest.approx(13_866.67, abs=0.01)


def test_reference_b200_budget_p50_is_the_median_price_worked_by_hand():
    r = report.run(reference_chip="b200", draws=10_000)
    lo, mid, hi = (t.loc["a800-sxm-80gb", "h100_equivalents_bf16"] for t in (r.p10, r.p50, r.p90))
    # A800 price triangular (10,000, 15,000, 19,571: the high end is the PCIe card's street price ×
    # 13,700 / 10,500, the V100's SXM / PCIe list-price ratio): the mode sits at c = 5,000 / 9,571 = 0.522 of
    # the range, past the middle, so the median is 10,000 + sqrt(0.5 × 9,571 × 5,000) = 10,000 + 4,891.6 =
    # 14,891.6; the default budget is all-in capex: a chip price × 1.64 server / (1 − 0.19) network
    # = × 2.024691 → 30,150.9 per chip; $1 B / 30,150.9 = 33,166.6 -> 33,160 chips in whole 8-chip servers;
    # × 312 / 2,250 = 4,598.2 B200-equivalents (sampling error of 10,000 draws: well under 1 %)
    assert mid == pytest.approx(4_598.2, rel=0.01)
    assert lo <= mid <= hi < 15_000
    # the base point (every input at its base, same function): 15,000 × 2.024691 = 30,370.37 all-in;
    # $1 B / 30,370.37 = 32,926.8 -> 32,920 chips; × 312 / 2,250 = 10,271,040 / 2,250 = 4,564.91
    assert r.base.loc["a800-sxm-80gb", "h100_equivalents_bf16"] == pytest.approx(4_564.91, abs=0.01)
    # chips as priced (budget_basis as-priced): $1 B / 15,000 = 66,666.7 -> 66,664 chips; × 312 / 2,250 = 9,244.07
    as_priced = report.run(reference_chip="b200", draws=200, budget_basis="as-priced")
    assert as_priced.base.loc["a800-sxm-80gb", "h100_equivalents_bf16"] == pytest.approx(9_244.07, abs=0.01)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"chips": ["h20", "ascend-910c"], "budget_usd": 4e9, "shares": [0.5, 0.5]},
        {"chips": ["h800-sxm", "h100-sxm", "h20", "a100-sxm-80gb"], "counts": [10_000, 10_000, 30_000, 10_000]},
        {"reference_chip": "ascend-910c", "export_rule": "2026-01", "grey_market_premium": 0.5},
    ],
    ids=["default", "mix", "fleet", "910c-reference"],
)
def test_every_headline_lies_inside_its_band(values):
    r = run(**values)
    for figure in report.FIGURES:
        lo, mid, hi = r.p10[figure], r.p50[figure], r.p90[figure]
        known = mid.notna()
        assert (lo[known] <= mid[known]).all() and (mid[known] <= hi[known]).all(), figure


def test_one_chip_and_all_chip_fleets():
    one = run(chips=["h100-sxm"], counts=[2_048])
    assert list(one.p50.index) == ["h100-sxm", "reference"]
    priced = [c for c in load("chips").index if load("chips").at[c, "price_usd"] == load("chips").at[c, "price_usd"]]
    everything = run(chips=priced, budget_usd=1e8, draws=200)
    assert set(priced) <= set(everything.p50.index)
    assert everything.p50["chips"].notna().all()


# --------------------------------------------------------------------------------------------
# issue 10 item 8 and problems 7/8: goodput, clusters, prices, availability


def test_goodput_of_100k_chips_is_clearly_below_2048():
    big, small = run(chips=["h100-sxm"], counts=[100_000]), run(chips=["h100-sxm"], counts=[2_048])
    # goodput = 1 / (1 + n·λ·R + sqrt(2·δ·n·λ)) (Young–Daly; λ = 1.97e-5, R = 0.107833 h, δ = 7.875e-4 h):
    # 100,000 -> 1 / (1 + 0.212432 + sqrt(3.10275e-3) = 0.0557023) = 1 / 1.268134 = 0.7886;
    # 2,048 -> 1 / (1 + 0.0043506 + sqrt(6.3545e-5) = 0.0079715) = 1 / 1.0123221 = 0.9878
    assert big.base.loc["h100-sxm", "goodput"] == pytest.approx(0.7886, abs=1e-4)
    assert small.base.loc["h100-sxm", "goodput"] == pytest.approx(0.9878, abs=1e-4)
    # training FLOP per year at the base point: 100,000 × 0.788560 × 989.4e12 × 0.4 × 8,760 × 3,600 = 9.8418e26
    assert big.base.loc["h100-sxm", "training_flop_per_year"] == pytest.approx(9.8418e26, rel=1e-4)
    # the headline is the P50 of the draws (R's triangle leans long): below the base point's 78.9 %
    assert report.key_figures(big)["options"]["h100-sxm"]["goodput"] < 0.7886


def test_goodput_is_drawn_as_chip_parity_draws_it():
    """One answer per question: the share of time 100,000 H100 in one job train. λ, R and δ are drawn
    over the sourced triangles chip_parity draws them over (R: 150 s, 6.47 min, 30 min), from the same
    seeded streams, so the 100,000-H100 reference has chip_parity's P10/P50/P90 at 100,000, below its
    base point 0.7886 (the restart time's triangle leans to the long end, and n·λ·R dominates at scale)."""
    from analysis.assembly import chip_parity

    draws = 2_000
    bought = run(chips=["h100-sxm"], counts=[100_000], draws=draws)
    parity = chip_parity.run(reference_count=100_000, candidates=["b200"], draws=draws)
    assert {"restart_hours", "interruptions_per_chip_hour", "checkpoint_write_hours"} <= set(bought.inputs.ranges)
    for band in ("p10", "p50", "p90"):
        mine = getattr(bought, band).loc["reference", "goodput"]
        assert mine == pytest.approx(getattr(parity, band).loc["h100-sxm", "goodput"], rel=1e-12), band
    assert bought.p10.loc["reference", "goodput"] < bought.p50.loc["reference", "goodput"] < 0.7886


def test_max_cluster_chips_sizes_the_trainable_model():
    r = run(counts=[100_000], max_cluster_chips=25_000)
    base = r.base.loc["a800-sxm-80gb"]
    assert base["largest_cluster_chips"] == 25_000
    # one cluster of 25,000 A800 at goodput 0.925104 (test_useful_chips_split_into_clusters):
    # 25,000 × 0.925104 × 312e12 × 0.4 FLOP/s × 90 × 86,400 s = 2.24441e25 FLOP;
    # N = sqrt(2.24441e25 / 120) = 4.3247e11 parameters
    assert base["compute_optimal_params"] == pytest.approx(4.3247e11, rel=1e-4)
    assert base["goodput"] == pytest.approx(0.925104, abs=1e-6)


def test_the_order_check_does_not_return_its_own_input():
    # scenario a800-1b: the independent street price (base $15,000, Tom's Hardware) fixed:
    # $1 B / 15,000 = 66,666.7 -> 66,664 chips (whole servers), not the FT's ~100,000
    r = run(price_basis="base", max_cluster_chips=25_000, reported_chips=100_000, budget_basis="as-priced")
    assert r.p50.loc["a800-sxm-80gb", "chips"] == 66_664
    assert r.p10.loc["a800-sxm-80gb", "chips"] == r.p90.loc["a800-sxm-80gb", "chips"] == 66_664
    # 66,664 / 100,000 − 1 = −33 %; the order implies $1 B / 100,000 = $10,000 each
    assert "−33 %" in text.findings(r) and "$10,000 each" in text.findings(r)
    # the A800 SXM's price is the A800 PCIe card's (data/price_skus.csv), and the check says so with what
    # the budget buys at the range's high end, 15,000 × 13,700 / 10,500 (the V100's SXM / PCIe list-price
    # ratio) = 19,571: $1 B / 19,571 = 51,096.0 -> 6,387 whole servers of 8 = 51,096 chips, 51,096 /
    # 100,000 − 1 = −49 %
    check = next(line for line in text.findings(r).split("\n") if "reported order" in line)
    assert "The A800 SXM is priced at the A800 PCIe card's street price (`data/price_skus.csv`)" in check
    assert "At the high end of its price range, $19,571" in check and "buys 51,096 (−49 % against the report)" in check
    # drawn over the range, the band already reaches the high end: the SKU is named, no second count
    drawn = run(max_cluster_chips=25_000, reported_chips=100_000, budget_basis="as-priced", draws=200)
    check = next(line for line in text.findings(drawn).split("\n") if "reported order" in line)
    assert "PCIe card's street price" in check and "high end" not in check


def test_capex_by_price_unit():
    r = run(chips=["h800-sxm", "h100-sxm"], counts=[8, 8], price_basis="base")
    h800, h100 = r.base.loc["h800-sxm"], r.base.loc["h100-sxm"]
    # H800 priced as a server share ($39,384): no server markup; network 8 × 39,384 × 0.19 / 0.81 = 73,905.8
    assert h800["capex_server_usd"] == 0 and h800["capex_priced_usd"] == 8 * 39_384
    assert h800["capex_network_usd"] == pytest.approx(73_905.8, abs=0.1)
    # H100 priced as a server share too (DGX H100 $270,000 / 8 = $33,750): no server markup; network
    # 8 × 33,750 × 0.19 / 0.81 = 270,000 × 0.19 / 0.81 = 63,333.3
    assert h100["capex_server_usd"] == 0 and h100["capex_priced_usd"] == 8 * 33_750
    assert h100["capex_network_usd"] == pytest.approx(63_333.3, abs=0.1)


def fake_policies(policy_by_chip):
    def licence_policies(chip_ids):
        return pd.DataFrame(
            {"2023-10": [policy_by_chip.get(c, "not required") for c in chip_ids]}, index=list(chip_ids)
        )

    return licence_policies


@pytest.mark.parametrize(
    "policy, premium, chips",
    [
        # presumption of denial: grey market only; $1.2 M / (15,000 × 1.5) = 53.3 -> 48 chips (6 servers)
        ("presumption of denial", 0.5, 48.0),
        ("presumption of denial", None, np.nan),  # no premium: not available
        # case-by-case, not required, not subject, undetermined: available at $15,000: $1.2 M / 15,000 = 80 chips
        ("case-by-case", None, 80.0),
        ("not required", None, 80.0),
        ("not subject", None, 80.0),
        ("undetermined", None, 80.0),
    ],
)
def test_availability_follows_the_licence_policy(monkeypatch, policy, premium, chips):
    from analysis.assembly import export_controls

    monkeypatch.setattr(export_controls, "licence_policies", fake_policies({"a800-sxm-80gb": policy}))
    # the budget buys chips as priced here (the arithmetic above); all-in is tested on its own
    r = run(
        budget_usd=1.2e6,
        budget_basis="as-priced",
        price_basis="base",
        export_rule="2023-10",
        grey_market_premium=premium,
        draws=200,
    )
    got = r.p50.loc["a800-sxm-80gb", "chips"]
    assert (np.isnan(got) and np.isnan(chips)) or got == chips
    if policy == "undetermined":
        assert "undetermined" in text.findings(r) and "not counted as controlled" in text.findings(r)


def test_licence_policies_of_the_real_rules():
    # 2023-10: the A800 is 3A090.a (presumption of denial); the H20 needs no licence; Huawei is not a US export
    policy = report.availability(["a800-sxm-80gb", "h20", "ascend-910c"], "2023-10", None)["policy"]
    assert list(policy) == ["presumption of denial", "not required", "not subject"]
    # 2026-01 (91 FR 1684): H200 case-by-case, B200 presumption of denial
    policy = report.availability(["h200", "b200"], "2026-01", None)["policy"]
    assert list(policy) == ["case-by-case", "presumption of denial"]
    # 91 FR 1684 covers only chips "commercially available in the United States at the time of publication";
    # the A800 (made for China) fails that and keeps its presumption of denial: not available without a premium
    a800 = report.availability(["a800-sxm-80gb"], "2026-01", None).loc["a800-sxm-80gb"]
    assert a800["policy"] == "presumption of denial"


# --------------------------------------------------------------------------------------------
# issue 12 items 4/5: values the checker accepts never give warnings, nan or inf


def quiet(shown=None, **values):
    """The report run, written and (with ``shown``, the fixture's list) drawn with warnings as
    errors; its words and numbers checked for NaN and inf."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = run(draws=200, **values)
        words = text_of(r)
        check_numbers(r)
        if shown is not None:
            plots.plot_compute(r)
            plots.plot_goodput(r)
            for fig in shown:
                fig.savefig(io.BytesIO(), format="png", dpi=20)
        matplotlib.pyplot.close("all")
    return r, words


def test_export_rule_2023_10_makes_the_a800_unavailable_without_warnings(shown):
    r, words = quiet(shown, export_rule="2023-10")
    assert np.isnan(r.p50.loc["a800-sxm-80gb", "chips"])
    assert "not available" in text.answer(r) and "presumption of denial" in words
    assert len(shown) == 2


UNPRICED = ["v100-sxm", "l20", "mlu370-x8", "ascend-910", "tpu-v5p", "mi325x"]


def test_a_fleet_of_chips_without_price_or_power_reads_n_a(shown):
    r, _ = quiet(shown, chips=UNPRICED, counts=[8] * len(UNPRICED))
    options = report.key_figures(r)["options"]
    assert all("has no sourced price" in options[chip]["n/a"] for chip in UNPRICED)
    for chip in ("tpu-v5p", "l20"):  # the L20's 275 W is an aggregator's only (weak): no TDP
        assert "no sourced TDP or system power" in options[chip]["n/a"] and np.isnan(options[chip]["it_power_mw"])
    # power is known for the others: the V100 SXM (300 W TDP × Epoch AI's server ratio 1.66667 = 500 W) draws
    # 8 × 500 × 0.75 = 3,000 W of IT power
    assert options["v100-sxm"]["it_power_mw"] == pytest.approx(3.0e-3, rel=1e-5)


@pytest.mark.parametrize("chip", UNPRICED)
def test_a_budget_for_a_chip_without_a_price_is_refused_before_any_kernel(chip):
    with pytest.raises(params.ParameterError, match=f"chips: {chip} has no sourced price"):
        params.cross_check("procurement", {"chips": [chip], "counts": None})


@pytest.mark.parametrize(
    "values",
    [
        {"budget_usd": 1e-300, "usd_per_kwh": 1e-300},
        {"mfu": 0.01, "training_days": 1.0, "load_factor": 0.05},
        {"max_cluster_chips": 1, "reference_count": 1},
        # no time lost to interruptions: no restart, no checkpoint stall, the Young–Daly interval (an
        # interval of 0 is refused: it would checkpoint without end)
        {"restart_hours": 0.0, "checkpoint_write_hours": 0.0},
        {"interruptions_per_chip_hour": 0.01, "budget_usd": 1e13, "price_basis": "low"},
    ],
    ids=lambda v: ",".join(f"{k}={v[k]}" for k in v),
)
def test_extreme_values_render_without_warnings_nan_or_inf(values, shown):
    r, _ = quiet(shown, **values)
    # the default A800 and H100 are priced and powered: no option reads n/a, so every banded
    # figure exists (finite) except the goodput and the per-dollar figures of an option that buys no chip
    assert report.notes(r) == {}
    nothing = ["goodput", "h100_equivalents_per_musd", "training_flop_per_year_per_usd"]
    assert np.isfinite(
        r.p50.drop(columns=nothing if r.p50["chips"].min() == 0 else ["goodput"]).to_numpy(dtype=float)
    ).all()


# --------------------------------------------------------------------------------------------
# issue 18: typed inputs, the inputs block, one percentile routine, plots in the module


def test_used_block_names_every_input_with_unit_and_a_sources_key():
    r = run(draws=200)
    used, known = r.inputs.used, set(sources().index)
    assert {
        "usd_per_kwh",
        "pue",
        "load_factor",
        "server_power_ratio",
        "years",
        "mfu",
        "interruptions_per_chip_hour",
        "restart_hours",
        "checkpoint_write_hours",
        "checkpoint_interval_hours",
    } <= set(used)
    records = [(name, u) for name, u in used.items() if not isinstance(u, dict)]
    records += [(f"{chip}: {name}", u) for chip, entries in used["chips"].items() for name, u in entries.items()]
    for name, u in records:
        assert isinstance(u, Used) and u.unit and set(u.source.split(";")) <= known, name
    # library defaults: load factor 0.75 and server power ratio 1.8 (Epoch AI), 4 years; the region
    # cn-avg-industrial: $0.088/kWh (China Briefing) and PUE 1.5; goodput λ = 1.97e-5 per chip-hour
    # (Llama 3), restart 6.47 min (TrainMover); MFU 0.4 on H100 (Llama 3's 38–43 %)
    assert (used["load_factor"].value, used["load_factor"].source) == (0.75, "epoch-training-cost-trends")
    assert used["server_power_ratio"].value == 1.8 and used["years"].value == 4.0
    assert used["usd_per_kwh"].value == 0.088 and used["usd_per_kwh"].source == "china-briefing-industrial-power"
    assert used["pue"].value == 1.5 and used["interruptions_per_chip_hour"].value == 1.97e-5
    assert used["restart_hours"].value == pytest.approx(6.47 / 60) and used["mfu"].source == "llama3-paper"
    # the A800 and the reference H100: dense BF16 312 and 989.4 TFLOP/s; the A800's price drawn
    # over its catalog range (10,000, 15,000, 19,571), recorded at its base and said to be the PCIe card's price
    a800, h100 = used["chips"]["a800-sxm-80gb"], used["chips"]["h100-sxm"]
    assert a800["peak_tflops"].value == 312 and h100["peak_tflops"].value == 989.4
    assert a800["price_usd"].value == 15_000 and "10,000–19,571" in a800["price_usd"].origin
    assert a800["price_usd"].unit == "USD per chip, the A800 PCIe card's street price"
    assert h100["price_usd"].unit == "USD per chip, server share"  # priced as itself: no SKU named
    # max W per chip = 400 W TDP × the A800's own ratio, the DGX A100's 6.5 kW / (8 × 400 W) = 2.03125
    # (Epoch AI's A100 ratio; the A800 is the same SXM4 module) = 812.5 W
    assert a800["max_w_per_chip"].value == pytest.approx(812.5)
    ratio = a800["server_power_ratio"]
    assert (ratio.value, ratio.source) == (2.03125, "epoch-chip-to-server-power")
    json.dumps(present._plain({k: u.as_json() for k, u in records}), allow_nan=False)


def test_a_value_the_reader_sets_is_recorded_as_theirs_and_used():
    r = run(draws=200, load_factor=0.6, mfu=0.3, price_basis="low", region="us-avg-industrial", pue=1.2)
    used = r.inputs.used
    assert used["load_factor"] == Used(0.6, "share", READER, "set by the reader")
    assert used["mfu"].source == READER and used["pue"] == Used(1.2, "ratio", READER, "set by the reader")
    # the region's price is still its own: EIA 8.06 US cents/kWh
    # us-avg-industrial: 8.06 ¢/kWh, the EIA 2023 US industrial average as charted by Statista (a secondary
    # relay: EIA's own U.S. table was not read), so the relay's key sets it and EIA's state page cross-checks
    assert used["usd_per_kwh"].value == 0.0806 and used["usd_per_kwh"].source == "statista-eia-industrial-2023"
    # price_basis low: the A800 is bought at its catalog low, $10,000
    assert used["chips"]["a800-sxm-80gb"]["price_usd"].value == 10_000
    assert r.inputs.load_factor == 0.6 and r.inputs.site.pue == 1.2 and r.inputs.ranges["pue"] == (1.2, 1.2, 1.2)
    # the typed inputs drive the numbers: IT power of the 100,000 H100 reference = 100,000 × 700 W
    # × 1.82143 (the DGX H100's 10.2 kW / 8 / 700 W) × 0.6 = 100,000 × 1,275 W × 0.6 = 76.5 MW (fixed: the
    # H100's TDP has no range)
    assert r.base.loc["reference", "it_power_mw"] == pytest.approx(76.5, rel=1e-5)
    assert r.inputs.parameters["load_factor"] == 0.6 and r.inputs.parameters["years"] is None


def test_bands_come_from_the_one_percentile_routine():
    r = run(draws=200)
    drawn = model.figures(uncertainty.draw(r.inputs.ranges, 200, 0), r.inputs)
    for option in r.inputs.options:
        for figure in ("chips", "capex_usd", "training_flop_per_year"):
            bands = uncertainty.percentiles(drawn[option][figure])
            got = (r.p10.loc[option, figure], r.p50.loc[option, figure], r.p90.loc[option, figure])
            assert got == (bands["p10"], bands["p50"], bands["p90"])
    # inverted_cdf: every band end is a drawn value, so chip counts are whole 8-chip servers
    chips = [r.p10.loc["a800-sxm-80gb", "chips"], r.p90.loc["a800-sxm-80gb", "chips"]]
    assert all(n % 8 == 0 and n in drawn["a800-sxm-80gb"]["chips"] for n in chips)


def test_plots_draw_every_option_with_its_band(shown):
    r = run(draws=200, chips=["h20", "ascend-910c"], budget_usd=4e9, shares=[0.5, 0.5])
    plots.plot_compute(r)
    plots.plot_goodput(r)
    compute, goodput_ = shown
    labels = [t.get_text() for t in compute.axes[0].get_yticklabels()]
    assert labels == [report.option_label(r, o) for o in r.p50.index]
    assert labels[-1] == "reference: 100,000 × H100 SXM" and labels[2] == "mix: 50 % H20 + 50 % Ascend 910C"
    assert "Training compute per year" in compute.axes[0].get_title()
    # one marker per option on the goodput curve, named in the legend with its largest cluster
    # (labels beside the markers overlapped where clusters are of similar size)
    notes = [t.get_text() for t in goodput_.axes[0].get_legend().get_texts()]
    assert len(notes) == 4 and any(n.startswith("reference: 100,000 × H100 SXM: 100,000 chips") for n in notes)


def test_a_fleet_of_zero_chips_is_refused():
    with pytest.raises(params.ParameterError, match="counts"):
        params.cross_check("procurement", {"chips": ["h20"], "counts": [0]})


# --------------------------------------------------------------------------------------------
# issue 20 item 2: options compared at equal spend


def test_all_in_capex_per_chip_by_price_unit():
    # Epoch AI: a chip price × 1.64 (server) / (1 − 0.19) (network): 15,000 × 1.64 / 0.81 = 30,370.37;
    # a server-share price adds the network only: 20,891 / 0.81 = 25,791.36; so does a system price (the
    # network between supernodes): 21,354 / 0.81 = 26,362.96
    got = cost.all_in_usd_per_chip(np.array([15_000.0, 20_891.0, 21_354.0]), price_unit=np.array(UNITS))
    assert got == pytest.approx([30_370.37, 25_791.36, 26_362.96], abs=0.01)


UNITS = ["chip", "server", "system"]


def test_two_price_units_at_one_budget_spend_the_same_all_in():
    r = run(draws=200, chips=["h20", "ascend-910c"], budget_usd=4e9, shares=[0.5, 0.5], price_basis="base")
    options = report.key_figures(r)["options"]
    assert report.key_figures(r)["budget"] == {"budget_usd": 4e9, "budget_basis": "all-in"}
    # H20 priced per chip as a share of an 8-GPU server ($1.2 M yuan server / 8 = $20,891): all-in
    # 20,891 / 0.81 = 25,791.36; $4 B / 25,791.36 = 155,090.7 -> 19,386 servers = 155,088 chips;
    # all-in 155,088 × 25,791.36 = $3,999.93 M
    assert options["h20"]["chips"] == 155_088
    assert options["h20"]["capex_usd"] == pytest.approx(3_999.93e6, abs=0.01e6)
    # Ascend 910C priced per system (CloudMatrix 384 $8.2 M / 384 = $21,354, racks and scale-up network
    # included) plus the network between supernodes: 21,354 / 0.81 = 26,362.96 all-in; $4 B / 26,362.96 =
    # 151,728.01 -> 18,966 servers = 151,728 chips; all-in 151,728 × 26,362.96 = $3,999.9996 M
    assert options["ascend-910c"]["chips"] == 151_728
    assert options["ascend-910c"]["capex_usd"] == pytest.approx(3_999.9996e6, abs=0.001e6)
    # the mix: $2 B each -> 77,544 H20 (2e9 / 25,791.36 = 77,545.4) and 75,864 910C (2e9 / 26,362.96 = 75,864.0)
    assert options["mix"]["chips"] == 77_544 + 75_864
    # every option, at every band end, is within one 8-chip server's all-in price of the budget
    server = {"h20": 8 * 25_791.36, "ascend-910c": 8 * 26_362.96, "mix": 8 * 25_791.36 + 8 * 26_362.96}
    for option, most in server.items():
        for q in ("", "_p10", "_p90"):
            assert 0 <= 4e9 - options[option][f"capex_usd{q}"] < most, (option, q)
    # page 1 names the basis and gives each option's all-in capex
    page_one = text.answer(r) + text.findings(r)
    assert "$4 B of all-in capex buys" in page_one and "Basis: equal spend" in page_one
    assert page_one.count("$4 B all-in") == 3


def test_chips_as_priced_keep_the_old_meaning_and_say_so():
    r = run(
        draws=200,
        chips=["h20", "ascend-910c"],
        budget_usd=4e9,
        shares=[0.5, 0.5],
        price_basis="base",
        budget_basis="as-priced",
    )
    # $4 B / 20,891 = 191,470.9 -> 191,464 H20, all-in 191,464 × 25,791.36 = $4.938 B; the 910C's system
    # price: $4 B / 21,354 = 187,318.5 -> 187,312 chips (all-in 187,312 × 26,362.96 = $4.938 B)
    options = report.key_figures(r)["options"]
    assert options["h20"]["chips"] == 191_464
    assert options["h20"]["capex_usd"] == pytest.approx(4_938.12e6, abs=0.01e6)
    assert options["ascend-910c"]["chips"] == 187_312
    words = text.answer(r) + text.findings(r)
    assert "$4 B of chips as priced buys" in words and "Basis: chips as priced" in words
    assert "NVIDIA H20 (HGX, 96GB) $4.94 B" in words


def test_a_reported_order_is_checked_on_chips_as_priced_only():
    with pytest.raises(params.ParameterError, match="reported_chips.*budget_basis is 'all-in'.*as-priced"):
        params.cross_check("procurement", {"chips": ["a800-sxm-80gb"], "reported_chips": 100_000})


def test_what_a_dollar_buys():
    r = run(draws=200, chips=["h100-sxm"], counts=[8], price_basis="base")
    row = r.base.loc["h100-sxm"]
    # 8 H100 at $33,750 (server share) / 0.81 = $333,333.33 all-in; 8 H100-equivalents per $0.3333 M = 24
    assert row["h100_equivalents_per_musd"] == pytest.approx(24.0)
    assert text.per_dollar_table(r).loc["NVIDIA H100 SXM5 80GB", "all-in capex [$ M]"] == pytest.approx(333_333.33e-6)


def test_a_chip_price_and_a_system_price_spend_the_same_all_in():
    r = run(draws=200, chips=["a800-sxm-80gb", "ascend-910c"], budget_usd=4e9, price_basis="base")
    options = report.key_figures(r)["options"]
    # A800 priced per chip ($15,000, Tom's Hardware): all-in × 1.64 / 0.81 = 30,370.37; $4 B / 30,370.37
    # = 131,707.3 -> 16,463 servers = 131,704 chips, all-in 131,704 × 30,370.37 = $3,999.90 M
    assert options["a800-sxm-80gb"]["chips"] == 131_704
    assert options["a800-sxm-80gb"]["capex_usd"] == pytest.approx(3_999.90e6, abs=0.01e6)
    # Ascend 910C per system: 151,728 chips, $3,999.9996 M (as above); both within one server of $4 B
    assert options["ascend-910c"]["capex_usd"] == pytest.approx(3_999.9996e6, abs=0.001e6)
    assert 4e9 - options["a800-sxm-80gb"]["capex_usd"] < 8 * 30_370.37


def test_a_fleet_that_is_the_reference_is_not_compared_with_itself():
    # us-100k-h100 (reports/scenarios.yaml): 100,000 H100 SXM against the default reference of
    # 100,000 H100 SXM in one cluster: the answer says it is the reference, with no "100 % of"
    r = run(chips=["h100-sxm"], counts=[100_000], region="us-avg-industrial")
    assert report.is_the_reference(r, "h100-sxm")
    words = text.answer(r)
    assert "by dense BF16; it is the reference cluster itself.\n\n- All-in capex" in words
    assert "of the 100,000-chip reference" not in words and "for the reference" not in words
    assert "**reference: 100,000 × H100 SXM** (one cluster)" not in text.findings(r)
    # a fleet of the same chips split into clusters of 25,000, or of another size, is compared:
    # 2,048 / 100,000 = 2.048 % → "2 %" (present.pct, two significant figures below 10 %)
    assert not report.is_the_reference(run(chips=["h100-sxm"], counts=[100_000], max_cluster_chips=25_000), "h100-sxm")
    small = run(chips=["h100-sxm"], counts=[2_048])
    assert "of the 100,000-chip reference" in text.answer(small) and "for the reference." in text.answer(small)


@pytest.mark.parametrize("case", ["budget", "fleet"])
def test_page_one_is_an_answer_line_a_list_and_a_note(case):
    """Page 1 reads as one sentence (what the budget buys, or what the fleet delivers, in
    H100-equivalents against the reference), one bullet per finding (all-in capex, power, compute a
    year, the largest cluster's model with its band against the reference's), then what the figures
    are (the default report and deepseek-fleet-year's fleet)."""
    fleet = {"chips": ["h800-sxm", "h20"], "counts": [10_000, 30_000]}
    r = run(**(fleet if case == "fleet" else {}))
    line, bullets, drawn = text.answer(r).split("\n\n")
    opening = "**$1 B of all-in capex buys " if case == "budget" else "**The fleet of 40,000 chips** delivers **"
    assert line.startswith(opening) and line.endswith("of the 100,000-chip reference.") and "\n" not in line
    lines = bullets.split("\n")
    starts = ["- All-in capex", "- The fleet draws", "- Net of interruptions it delivers ", "- Its largest cluster ("]
    assert [b[: len(s)] for b, s in zip(lines, starts)] == starts and len(lines) == 4
    assert all(b.endswith(".") for b in lines) and lines[-1].endswith("for the reference.")
    assert " parameters** in 90 days" in lines[-1] and "(P10–P90 " in lines[-1]
    assert drawn.startswith("Figures are medians of ") and drawn.endswith("the band is P10–P90.")


def test_a_chips_mfu_does_not_depend_on_the_reference_chip():
    # The reference MFU 0.40 is an NVIDIA-software run's: each chip trains at 0.40 × its vendor factor / NVIDIA's
    # (1), so the A800 at 0.40 and the Ascend 910B at 0.40 × 0.78 = 0.312 whichever is the reference (before the
    # one rule, against the 910B the A800 got 0.40 / 0.67 = 0.597, Huawei's factor then, and the 910B 0.40).
    for reference in ("h100-sxm", "ascend-910b"):
        r = report.run(reference_chip=reference, chips=["a800-sxm-80gb", "ascend-910b"], draws=200)
        mfu = tables.vendor_table(r)["MFU"]
        assert mfu["NVIDIA A800 SXM4 80GB"] == pytest.approx(0.40, rel=1e-12)
        assert mfu["Huawei Ascend 910B"] == pytest.approx(0.40 * 0.78, rel=1e-12)


def test_power_at_the_meter_states_its_load_every_time():
    # hostile M7: us-100k-h100's "The fleet draws 126 MW … at the meter" stated no load. At the base point
    # 100,000 × 1,275 W × 0.75 load × PUE 1.30 = 124.3 MW; at full load 165.75 MW: the load must be said
    assert round(100_000 * 1_275 * 0.75 * 1.30 / 1e6, 1) == 124.3
    r = run(chips=["h100-sxm"], counts=[100_000], region="us-avg-industrial")
    words = text.answer(r) + "\n" + text.findings(r)
    assert "at the meter at 75 % load." in text.answer(r) and "at the meter at 75 % load;" in text.findings(r)
    assert words.count("at the meter") == words.count("at the meter at 75 % load")


def test_the_reference_line_says_its_flop_is_the_median_of_products_and_gives_the_product_of_medians():
    """The reference's training FLOP a year is the median of each draw's chips × peak × MFU × goodput ×
    8,760 h × 3,600 s, not the product of the medians shown beside it. 100,000 H100 (989.4 TFLOP/s dense
    BF16): the MFU's median is the reference MFU, 0.40 (an NVIDIA chip, factor 1; the spread's median is the
    MFU), so the product of the medians is 100,000 × 989.4e12 × 0.40 × goodput × 31,536,000 s =
    1.24806e27 × goodput FLOP (8.2e26 at the 65 % goodput of the default's 10,000 draws), above the median of
    the products (7.3e26 there): the line quotes both."""
    r = report.run(draws=2_000)
    mfu, goodput = quotes.reference_mfu_p50(r), r.p50.loc["reference", "goodput"]
    assert mfu == pytest.approx(0.40, rel=0.01)  # the median of 2,000 draws
    assert 100_000 * 989.4e12 * 0.40 * 8_760 * 3_600 == pytest.approx(1.24806e27, rel=1e-5)
    product = 1.24806e27 * mfu / 0.40 * goodput
    line = next(b for b in text.findings(r).split("\n") if b.startswith("- **reference: "))
    assert f"{present.flop(r.p50.loc['reference', 'training_flop_per_year'])} a year at " in line
    assert (
        "goodput (the median of the draws' products of chips × peak × MFU × goodput × hours; the product of their "
        f"medians, 100,000 × 989.4 TFLOP/s × 40 % MFU × {present.pct(goodput)} goodput × 8,760 h, is "
        f"{present.flop(product)})" in line
    )
    assert product > 1.05 * r.p50.loc["reference", "training_flop_per_year"]  # why the line says which it is
