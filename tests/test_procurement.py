"""The procurement report's assembly (fast tier: no kernel, no browser). Every pinned number is
worked by hand in its comment from the sources' figures in data/ and the library's constants."""

import io
import json
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from analysis.assembly import params, present  # noqa: E402
from analysis.assembly import procurement as report
from analysis.formulas import procurement as buy  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DRAWS = 2_000


def run(**values):
    return report.run(**({"draws": DRAWS} | values))


def text_of(r) -> str:
    """Everything the report writes in words (tables are built too), checked for nan, inf and e
    notation; the JSON must hold no NaN or inf (unknowns are null)."""
    for table in (
        report.options_table,
        report.cost_table,
        report.training_table,
        report.band_table,
        report.availability_table,
        report.price_table,
        report.vendor_table,
    ):
        table(r)
    json.dumps(present._plain(report.key_figures(r)), allow_nan=False)
    text = "\n".join(
        [report.title(r), report.answer(r), report.findings(r), report.methods(r), report.band_table(r).to_string()]
    )
    words = text.replace("n/a", "")
    assert not re.search(r"\bnan\b|\binf\b|\d[eE][+-]?\d", words, re.I), words
    return text


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
    # 100,000 chips in clusters of 25,000: 4 × 25,000 × goodput(25,000); goodput(25,000) =
    # 1 / (1 + 25,000 × 1.97e-5 × (1/6 + 1/3 / 2)) = 1 / 1.164167 = 0.858984
    assert buy.useful_chips(100_000, max_cluster_chips=25_000) == pytest.approx(4 * 25_000 * 0.858984, rel=1e-5)
    # 60,000 in clusters of 25,000: two full ones and one of 10,000 (goodput 1 / (1 + 10,000 × 1.97e-5 / 3)
    # = 0.938374)
    assert buy.useful_chips(60_000, max_cluster_chips=25_000) == pytest.approx(
        2 * 25_000 * 0.858984 + 10_000 * 0.938374, rel=1e-5
    )


# --------------------------------------------------------------------------------------------
# issue 9: one function for the headline and its band


def test_reference_b200_fleet_headline_inside_its_band_and_hand_worked():
    r = run(counts=[100_000], reference_chip="b200")
    eq = r["p50"].loc["a800-sxm-80gb", "h100_equivalents_bf16"]
    # 100,000 A800 × 312 TFLOP/s / 2,250 (B200) = 13,866.67 B200-equivalents, with no spread (peaks are
    # fixed); the old code gave a base of 13,867 and a band of 27,742–31,229 (in H100 terms)
    assert eq == pytest.approx(13_866.67, abs=0.01)
    assert (
        r["p10"].loc["a800-sxm-80gb", "h100_equivalents_bf16"]
        <= eq
        <= r["p90"].loc["a800-sxm-80gb", "h100_equivalents_bf16"]
    )
    assert r["p90"].loc["a800-sxm-80gb", "h100_equivalents_bf16"] == pytest.approx(13_866.67, abs=0.01)


def test_reference_b200_budget_p50_is_the_median_price_worked_by_hand():
    r = report.run(reference_chip="b200", draws=10_000)
    lo, mid, hi = (r[q].loc["a800-sxm-80gb", "h100_equivalents_bf16"] for q in ("p10", "p50", "p90"))
    # A800 price triangular (10,000, 15,000, 15,000): median = 10,000 + 5,000 × sqrt(0.5) = 13,535.5;
    # $1 B / 13,535.5 = 73,879.6 -> 73,872 chips in whole 8-chip servers; × 312 / 2,250 = 10,243.6
    # B200-equivalents (sampling error of 10,000 draws: well under 1 %)
    assert mid == pytest.approx(10_243.6, rel=0.01)
    assert lo <= mid <= hi < 15_000
    # the base point (every input at its base, same function): $1 B / $15,000 = 66,666.7 -> 66,664
    # chips; × 312 / 2,250 = 9,244.07
    assert r["base"].loc["a800-sxm-80gb", "h100_equivalents_bf16"] == pytest.approx(9_244.07, abs=0.01)


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
        lo, mid, hi = r["p10"][figure], r["p50"][figure], r["p90"][figure]
        known = mid.notna()
        assert (lo[known] <= mid[known]).all() and (mid[known] <= hi[known]).all(), figure


def test_one_chip_and_all_chip_fleets():
    one = run(chips=["h100-sxm"], counts=[2_048])
    assert list(one["p50"].index) == ["h100-sxm", "reference"]
    priced = [
        c
        for c in report.load("chips").index
        if report.load("chips").at[c, "price_usd"] == report.load("chips").at[c, "price_usd"]
    ]
    everything = run(chips=priced, budget_usd=1e8, draws=200)
    assert set(priced) <= set(everything["p50"].index)
    assert everything["p50"]["chips"].notna().all()


# --------------------------------------------------------------------------------------------
# issue 10 item 8 and problems 7/8: goodput, clusters, prices, availability


def test_goodput_of_100k_chips_is_clearly_below_2048():
    big, small = run(chips=["h100-sxm"], counts=[100_000]), run(chips=["h100-sxm"], counts=[2_048])
    # goodput = 1 / (1 + n × 1.97e-5 × (1/6 h + 1/3 h / 2)): 100,000 -> 1 / 1.65667 = 0.6036;
    # 2,048 -> 1 / 1.013449 = 0.9867
    assert big["p50"].loc["h100-sxm", "goodput"] == pytest.approx(0.6036, abs=1e-4)
    assert small["p50"].loc["h100-sxm", "goodput"] == pytest.approx(0.9867, abs=1e-4)
    # training FLOP per year at the base point: 100,000 × 0.60362 × 989.4e12 × 0.4 × 8,760 × 3,600 = 7.5336e26
    assert big["base"].loc["h100-sxm", "training_flop_per_year"] == pytest.approx(7.5336e26, rel=1e-4)
    assert report.key_figures(big)["options"]["h100-sxm"]["goodput"] < 0.7


def test_max_cluster_chips_sizes_the_trainable_model():
    r = run(counts=[100_000], max_cluster_chips=25_000)
    base = r["base"].loc["a800-sxm-80gb"]
    assert base["largest_cluster_chips"] == 25_000
    # one cluster of 25,000 A800 at goodput 0.858984: 25,000 × 0.858984 × 312e12 × 0.4 FLOP/s × 90 × 86,400 s
    # = 2.08399e25 FLOP; N = sqrt(2.08399e25 / 120) = 4.1673e11 parameters
    assert base["compute_optimal_params"] == pytest.approx(4.1673e11, rel=1e-4)
    assert base["goodput"] == pytest.approx(0.858984, abs=1e-6)


def test_the_order_check_does_not_return_its_own_input():
    # scenario a800-1b: the independent street price (base $15,000, Tom's Hardware) fixed:
    # $1 B / 15,000 = 66,666.7 -> 66,664 chips (whole servers), not the FT's ~100,000
    r = run(price_basis="base", max_cluster_chips=25_000, reported_chips=100_000)
    assert r["p50"].loc["a800-sxm-80gb", "chips"] == 66_664
    assert r["p10"].loc["a800-sxm-80gb", "chips"] == r["p90"].loc["a800-sxm-80gb", "chips"] == 66_664
    # 66,664 / 100,000 − 1 = −33 %; the order implies $1 B / 100,000 = $10,000 each
    assert "−33 %" in report.findings(r) and "$10,000 each" in report.findings(r)


def test_capex_by_price_unit():
    r = run(chips=["h800-sxm", "h100-sxm"], counts=[8, 8], price_basis="base")
    h800, h100 = r["base"].loc["h800-sxm"], r["base"].loc["h100-sxm"]
    # H800 priced as a server share ($39,384): no server markup; network 8 × 39,384 × 0.19 / 0.81 = 73,905.8
    assert h800["capex_server_usd"] == 0 and h800["capex_priced_usd"] == 8 * 39_384
    assert h800["capex_network_usd"] == pytest.approx(73_905.8, abs=0.1)
    # H100 priced as a chip ($27,500): server 8 × 27,500 × 0.64 = 140,800; network 360,800 × 0.19 / 0.81 = 84,632.1
    assert h100["capex_server_usd"] == pytest.approx(140_800) and h100["capex_network_usd"] == pytest.approx(
        84_632.1, abs=0.1
    )


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
    r = run(budget_usd=1.2e6, price_basis="base", export_rule="2023-10", grey_market_premium=premium, draws=200)
    got = r["p50"].loc["a800-sxm-80gb", "chips"]
    assert (np.isnan(got) and np.isnan(chips)) or got == chips
    if policy == "undetermined":
        assert "undetermined" in report.findings(r) and "not counted as controlled" in report.findings(r)


def test_licence_policies_of_the_real_rules():
    # 2023-10: the A800 is 3A090.a (presumption of denial); the H20 needs no licence; Huawei is not a US export
    policy = report.availability(["a800-sxm-80gb", "h20", "ascend-910c"], "2023-10", None)["policy"]
    assert list(policy) == ["presumption of denial", "not required", "not subject"]
    # 2026-01 (91 FR 1684): H200 case-by-case, B200 presumption of denial
    policy = report.availability(["h200", "b200"], "2026-01", None)["policy"]
    assert list(policy) == ["case-by-case", "presumption of denial"]


# --------------------------------------------------------------------------------------------
# issue 12 items 4/5: values the checker accepts never give warnings, nan or inf


def quiet(figures=False, **values):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = run(draws=200, **values)
        text = text_of(r)
        for figure in (report.compute_figure, report.goodput_figure) if figures else ():
            figure(r).savefig(io.BytesIO(), format="png", dpi=20)
        matplotlib.pyplot.close("all")
    return r, text


def test_export_rule_2023_10_makes_the_a800_unavailable_without_warnings():
    r, text = quiet(figures=True, export_rule="2023-10")
    assert np.isnan(r["p50"].loc["a800-sxm-80gb", "chips"])
    assert "not available" in report.answer(r) and "presumption of denial" in text


UNPRICED = ["v100-sxm", "l20", "mlu370-x8", "ascend-910", "tpu-v5p", "mi325x"]


def test_a_fleet_of_chips_without_price_or_power_reads_n_a():
    r, text = quiet(figures=True, chips=UNPRICED, counts=[8] * len(UNPRICED))
    options = report.key_figures(r)["options"]
    assert all("has no sourced price" in options[chip]["n/a"] for chip in UNPRICED)
    assert "no sourced TDP or system power" in options["tpu-v5p"]["n/a"] and np.isnan(options["tpu-v5p"]["it_power_mw"])
    # power is known for the others: the L20 (275 W TDP) draws 8 × 275 × 1.8 × 0.75 = 2,970 W of IT power
    assert options["l20"]["it_power_mw"] == pytest.approx(2.97e-3)


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
        {"restart_hours": 0.0, "checkpoint_interval_hours": 0.0},
        {"interruptions_per_chip_hour": 0.01, "budget_usd": 1e13, "price_basis": "low"},
    ],
    ids=lambda v: ",".join(f"{k}={v[k]}" for k in v),
)
def test_extreme_values_render_without_warnings_nan_or_inf(values):
    quiet(**values)


def test_a_fleet_of_zero_chips_is_refused():
    with pytest.raises(params.ParameterError, match="counts"):
        params.cross_check("procurement", {"chips": ["h20"], "counts": [0]})


# --------------------------------------------------------------------------------------------
# notebook
