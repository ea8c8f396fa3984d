"""Reports agree where they answer with the same machinery (issue 18): two reports handed the same
Monte Carlo draws report the same P10/P50/P90, because every band comes from one percentile
routine (fast tier: no kernel)."""

import re

import numpy as np
import pytest

from analysis.assembly import chip_parity, procurement_model
from analysis.assembly import procurement as buying
from analysis.formulas import uncertainty


def _draws(n: int) -> np.ndarray:
    """n draws of one figure: a lopsided spread of whole numbers, the same for every caller."""
    return np.floor(1_000 + 400 * np.random.default_rng(7).random(n) ** 3)


def test_chip_parity_and_procurement_give_the_same_band_for_the_same_draws(monkeypatch):
    def parity_figures(x, inp):
        n, chips = len(x["mfu"]), len(inp.chips)
        column = _draws(n)[:, None] * np.ones((1, chips))
        return {"chip_count": column, "capacity_binds": np.zeros((n, chips)), "throughput_match": column}

    def procurement_figures(x, inp):
        n = len(x["mfu"])
        return {o: {k: _draws(n) for k in procurement_model.FIGURES} for o in inp.options}

    monkeypatch.setattr(chip_parity, "figures", parity_figures)
    monkeypatch.setattr(procurement_model, "figures", procurement_figures)
    parity = chip_parity.run(candidates=["h20"], draws=1_000)
    bought = procurement_model.result(buying.inputs(chips=["h20"], budget_usd=1e8, draws=1_000))
    # the same 1,000 draws through each report: the P-th percentile is the smallest draw with at
    # least P % of the draws at or below it, so both must give uncertainty.percentiles(draws)
    expected = uncertainty.percentiles(_draws(1_000))
    for q in ("p10", "p50", "p90"):
        assert getattr(parity, q).loc["h20", "chip_count"] == expected[q]
        assert getattr(bought, q).loc["h20", "chips"] == expected[q]
    assert expected["p10"] < expected["p50"] < expected["p90"]  # a real spread, not a constant


# --------------------------------------------------------------------------------------------
# One default per concept (issue 20 item 1): the same question through two reports, with their
# defaults, gives the same number within 1 %.

ONE_PERCENT = 0.01


def test_the_training_defaults_are_declared_once():
    # params.TRAINING and params.WHERE are the one declaration; every report that trains takes them
    from analysis.assembly import energy_advantage, params, training_run

    for module in (chip_parity, energy_advantage, buying):
        assert module.PARAMETERS["mfu"].default == params.TRAINING["mfu"] == 0.4
    for module in (chip_parity, energy_advantage, training_run):
        assert module.PARAMETERS["parallel_config"].default == params.TRAINING["parallel_config"]
        assert module.PARAMETERS["overlap"].default == params.TRAINING["overlap"] == 1.0
    for module in (chip_parity, buying):
        assert module.PARAMETERS["region"].default == params.WHERE["region"] == "cn-avg-industrial"
    # training_run's region left unset is the run's country's; a run that discloses none takes params.WHERE
    assert training_run.PARAMETERS["region"].default is None
    assert training_run.run(run="deepseek-v3", draws=200).inputs.site.region == params.WHERE["region"]
    # energy_advantage's reference region differs and its first page says which and why
    ea = energy_advantage.run(draws=200)
    assert ea.inputs.region == "us-avg-industrial" and "`cn-avg-industrial`" in energy_advantage.answer(ea)
    assert "where the other reports default to" in energy_advantage.answer(ea)


def test_h800_parity_cost_is_one_answer():
    # DeepSeek-V3's layout at overlap 1 hides all communication, so the H800 (989.4 TFLOP/s dense BF16 like the
    # H100, both NVIDIA: vendor factor ratio 1) matches 2,048 H100 with 2,048 chips in both reports; its 4-year
    # TCO at cn-avg-industrial ($0.088/kWh, PUE 1.5) is then the same cluster costed the same way
    from analysis.assembly import energy_advantage

    parity = chip_parity.run()
    energy = energy_advantage.run()
    assert parity.p50.loc["h800-sxm", "chip_count"] == 2048
    assert energy.p50["chip_count"].loc["h800-sxm", "cn-avg-industrial"] == 2048
    mine = parity.p50.loc["h800-sxm", "tco_usd"]
    theirs = energy.p50["tco_usd"].loc["h800-sxm", "cn-avg-industrial"]
    assert abs(mine / theirs - 1) < ONE_PERCENT, (mine, theirs)


def test_h20_training_parity_is_one_answer():
    # H20 per H100 in sustained training rate: 989.4 / 148 = 6.68514 (dense BF16 peaks, data/chips.csv; both
    # NVIDIA, vendor factor ratio 1; scaling ratio 1 at full overlap). chip_parity gives it directly;
    # training_run as the H20's GPU-hours over the H100's for the same run on the same 2,048 chips (goodput
    # cancels); procurement as the reference's training FLOP per year per chip over the H20's at equal counts
    from analysis.assembly import training_run

    expected = 989.4 / 148
    parity = chip_parity.chips_per_reference("h20", draws=1_000)
    run = training_run.run(draws=1_000)
    hours = run.p50["gpu_hours"]
    bought = buying.run(chips=["h20"], counts=[2048], reference_count=2048, draws=1_000)
    flop = bought.p50["training_flop_per_year"]
    answers = {"chip_parity": parity, "training_run": hours["h20"] / hours["h100-sxm"]}
    answers["procurement"] = flop["reference"] / flop["h20"]
    for report, value in answers.items():
        assert abs(value / expected - 1) < ONE_PERCENT, (report, value)


def test_h20_decode_parity_is_inference_costs_token_rate_ratio():
    """Issue 20 item 1: the same question through two reports at the same settings (the serving
    defaults, FP8, 2,000-token prompts + half of 500 output tokens = 2,250 tokens of context) gives the
    same number within 1 %: H20s per H100 in decode, and each chip's cost per million output tokens."""
    from analysis.assembly import inference_cost

    out = "output_tokens_per_s_per_chip"
    for settings in ({}, {"batch_size": 64, "hbm_efficiency": 0.8, "precision": "bf16"}):
        serving = {"precision": "fp8"} | settings
        parity = chip_parity.chips_per_reference("h20", workload="decode", context_tokens=2_250, **serving)
        r = inference_cost.run(chips=["h100-sxm", "h20"], **serving)
        # draw by draw (the same seeded serving draws in both reports: utilisation, HBM efficiency, batch)
        assert parity == pytest.approx(inference_cost.decode_chips_per_chip(r, "h20", "h100-sxm"), rel=0.01), settings
        if settings:  # a reader's batch is not drawn: the ratio of the P50 rates is the same answer
            assert parity == pytest.approx(r.p50.loc["h100-sxm", out] / r.p50.loc["h20", out], rel=0.01)
        # both on ownership (the H20 has no rental): the same cost per million output tokens at the base point
        assert r.inputs.cost_basis == "ownership"
        p = chip_parity.run(candidates=["h20"], workload="decode", context_tokens=2_250, draws=200, **serving)
        for chip in ("h100-sxm", "h20"):
            assert p.base.loc[chip, "usd_per_million_tokens"] == pytest.approx(
                r.base.loc[chip, "usd_per_million_output_tokens"], rel=0.01
            )
    # at the defaults (batch 14,023.2 per replica, the median of published deployments') both chips are compute-bound
    # (tests/test_chip_parity.py works the rates), so the ratio is that of compute time per token: H20
    # 7.4e10 / 296e12 + 3.8228e10 / 148e12 = 5.08297e-4 s, H100 7.4e10 / 1,978.9e12 + 3.8228e10 / 989.4e12
    # = 7.60321e-5 s -> 6.6853 H20 per H100 (the utilisation cancels). Both reports decode at the decode
    # utilisation (0.2210465, the median of the published decode setups), not the prefill one.
    ratio = chip_parity.chips_per_reference("h20", workload="decode", context_tokens=2_250, precision="fp8")
    assert ratio == pytest.approx(5.08297e-4 / 7.60321e-5, rel=ONE_PERCENT)
    p = chip_parity.inputs(candidates=["h20"], workload="decode", context_tokens=2_250, precision="fp8")
    assert p.mfu == inference_cost.inputs(chips=["h100-sxm", "h20"]).decode_mfu == pytest.approx(0.2210465, rel=1e-5)
    # at a batch of 1,024 the H100 is bandwidth-bound at the base point: compute 7.60321e-5 / 0.2210465 = 3.43965e-4 s
    # per token, 1,024 of them 0.352220 s per step, against memory (671e9 + 70,272 × 1,024 × 2,250 = 1.61907e11) B
    # / 2.01e12 B/s = 0.414381 s -> 1,024 / 0.414381 = 2,471.15 tokens/s; the H20 stays compute-bound, 0.2210465 /
    # 5.08297e-4 = 434.877 -> 5.6824 H20 per H100 at the base point, fewer than the 6.6853 where both compute
    small_run = chip_parity.run(
        candidates=["h20"], workload="decode", context_tokens=2_250, precision="fp8", batch_size=1_024, draws=200
    )
    assert small_run.binding.to_dict() == {"h100-sxm": "memory bandwidth", "h20": "compute"}
    base_ratio = small_run.base.loc["h100-sxm", "rate"] / small_run.base.loc["h20", "rate"]
    assert base_ratio == pytest.approx((1_024 / 0.414381) / 434.877, rel=1e-4)
    # the P50 over the draws (utilisation and HBM efficiency drawn) is below the compute-bound ratio too
    small = chip_parity.chips_per_reference(
        "h20", workload="decode", context_tokens=2_250, precision="fp8", batch_size=1_024
    )
    assert small < 5.08297e-4 / 7.60321e-5


def test_the_reference_mfu_band_is_one_answer():
    """The reference H100's MFU 0.40 (dense BF16, a production run's steady-state MFU) is drawn over
    one band in every report that sets it: the spread of the production runs' published dense BF16
    MFUs (only 2 on Hopper, Nemotron-4 340B and Llama 3 405B, both 0.41: fewer than 5, so dense BF16
    production runs on every generation, on 6·N·D, sorted 0.297 MT-NLG, 0.316424 GLM-130B, 0.325 Gopher,
    0.41, 0.41, 0.457 PaLM, 0.56 TinyLlama; tests/test_utilisation.py) around their median 0.41, whatever
    the workload, capped at the highest MFU on Hopper at BF16 on 6·N·D outside the validation cases'
    runs, 0.416368 (LLM Foundry, MPT-70B on 128 H100: 0.4336 × 3.8916e11 / 405,266,127,360). At
    plotting positions i / 8 the P10 (0.1 < 1/8) is the smallest, 0.297 × 0.40 / 0.41 = 0.289756, the
    P90 (0.9 > 7/8) the largest, 0.56 × 0.40 / 0.41 = 0.546341 -> capped at 0.416368; the median 0.41 ×
    0.40 / 0.41 = 0.40. (Before the one FLOP basis: P10-P90 0.294634-0.4644. Before that: the 10
    accounted Hopper runs' spread, P10-P90 0.228-0.614, its P90 above every Hopper MFU published.)"""
    from analysis.assembly import energy_advantage

    defaults = {n: s.default for n, s in chip_parity.PARAMETERS.items()}
    records = {
        "chip_parity": chip_parity.resolve(defaults).used["mfu_spread"],
        "energy_advantage": energy_advantage.inputs(draws=200).used["mfu_spread"],
        "procurement": buying.inputs(draws=200).used["mfu_spread"],
    }
    assert records["chip_parity"] == records["energy_advantage"] == records["procurement"]
    assert records["chip_parity"].value == "P10 0.290, P50 0.400, P90 0.416"
    band = chip_parity.resolve(defaults).ranges["mfu"]
    assert tuple(band) == pytest.approx((0.289756, 0.40, 0.416368), rel=1e-5)


def test_energy_advantage_sizes_the_clusters_as_chip_parity_does():
    """energy_advantage's clusters are chip_parity's: the same function on the same inputs gives the
    same chip counts draw by draw, and, as each input draws from its own seeded stream, the default
    reports' P10/P50/P90 counts are the same too, though energy_advantage also draws four regions'
    prices and PUEs and has no B200 (the reader found 14,850 against 14,858 H20 before)."""
    from analysis.assembly import energy_advantage

    ea = energy_advantage.inputs(draws=500)
    cp = chip_parity.inputs(candidates=ea.parity.parameters["candidates"], draws=500)
    assert list(cp.ranges) != list(ea.ranges)  # other inputs, in another order ...
    x = uncertainty.draw(cp.ranges, cp.draws, cp.seed)
    mine = chip_parity.figures(x, cp)["chip_count"]
    theirs = chip_parity.figures(x, ea.parity)["chip_count"]
    np.testing.assert_array_equal(mine, theirs)  # ... the same sizing
    parity, energy = chip_parity.run(), energy_advantage.run()
    home = ("chip_count", energy.inputs.region)
    for band in ("p10", "p50", "p90"):  # ... and the same draws of the inputs they share
        shown = getattr(energy, band)[home]
        assert getattr(parity, band).loc[shown.index, "chip_count"].tolist() == shown.tolist()
    assert "so its chip counts are the h100-parity report's" in energy_advantage.answer(energy)


# --------------------------------------------------------------------------------------------
# One figure, one way of quoting it (num-quotes): a sentence says whether it quotes the base point
# (every input at its base) or the median of the draws with its band.

# The H100's all-in capex per chip: its price is a server share, 33,750 (low = base) to 44,490
# (data/chips.csv), plus the network, ÷ (1 − 0.19). Base point: 33,750 / 0.81 = 41,666.7. Drawn as a
# triangle with its mode at the low end (c = 0): median = 44,490 − (44,490 − 33,750) × √½
# = 44,490 − 7,594.3 = 36,895.7, / 0.81 = 45,550.3 (above the base, which is the range's low end).
H100_BASE_ALL_IN = 33_750 / 0.81
H100_MEDIAN_ALL_IN = (44_490 - (44_490 - 33_750) * 0.5**0.5) / 0.81
MC_NOISE = 0.005  # 10,000 draws: the sample median is within 0.5 % of the distribution's


def test_reference_capex_is_quoted_as_what_it_is_in_every_procurement_report():
    from analysis.assembly import quotes

    # h20-910c-4b (prices drawn over their range): the reference's 100,000 H100 are $4.555 B as a median
    ranged = buying.run(budget_usd=4e9, chips=["h20", "ascend-910c"], shares=[0.5, 0.5])
    assert ranged.base.loc["reference", "capex_usd"] == pytest.approx(100_000 * H100_BASE_ALL_IN)  # $4.17 B
    assert ranged.p50.loc["reference", "capex_usd"] == pytest.approx(100_000 * H100_MEDIAN_ALL_IN, rel=MC_NOISE)
    capex = quotes.reference_capex(ranged)
    assert capex.startswith("$4.55 B (median of draws, P10–P90 ")
    # the basis finding and the reference's line quote it through the one function, with its base point
    lines = buying_text_findings(ranged)
    assert all(capex in line for line in lines) and len(lines) == 2
    assert (
        "at the base point $4.17 B" in lines[1]
        and "the price $33,750–$33,750–$44,490 per chip, median above" in (lines[1])
    )
    # a800-1b buys at the base price: the same $4.17 B in every draw, and it says so
    fixed = buying.run(budget_usd=1e9, budget_basis="as-priced", chips=["a800-sxm-80gb"], price_basis="base")
    assert quotes.reference_capex(fixed) == "$4.17 B (the same in every draw)"
    # us-100k-h100: another region, so another PUE (United States 1.09–1.3–1.58 against China's 1.3–1.5–1.58):
    # its reference draws less power as a median; the capex is the same median (the price draws from its own
    # stream whatever else the report draws: h20-910c-4b's, to the dollar)
    us = buying.run(chips=["h100-sxm"], counts=[100_000], region="us-avg-industrial")
    assert us.p50.loc["reference", "capex_usd"] == pytest.approx(100_000 * H100_MEDIAN_ALL_IN, rel=MC_NOISE)
    assert us.p50.loc["reference", "capex_usd"] == ranged.p50.loc["reference", "capex_usd"]
    assert "the PUE 1.09–1.3–1.58 of United States" in quotes.reference_words(us)


def buying_text_findings(r) -> list[str]:
    """The procurement findings that name the reference cluster (the basis and the reference's line)."""
    from analysis.assembly import procurement_text

    lines = procurement_text.findings(r).split("\n")
    return [line for line in lines if "100,000 H100 SXM" in line or "100,000 × H100 SXM" in line]


def test_h100_all_in_capex_per_chip_says_base_and_median():
    from analysis.assembly import energy_advantage

    r = energy_advantage.run()
    # the TCO charges the median of draws; chip_parity's capex for 2,048 H100 is the same median
    assert r.capex_per_chip.loc["h100-sxm", "p50"] == pytest.approx(H100_MEDIAN_ALL_IN, rel=MC_NOISE)
    parity = chip_parity.run()
    assert parity.p50.loc["h100-sxm", "capex_usd"] / 2048 == pytest.approx(H100_MEDIAN_ALL_IN, rel=MC_NOISE)
    # not merely close: the price draws from its own stream (seeded by the seed and the name "h100-sxm price"),
    # so both reports draw the same prices and the median of 2,048 chips' capex / 2,048 is the TCO's, exactly
    assert parity.p50.loc["h100-sxm", "capex_usd"] / 2048 == r.capex_per_chip.loc["h100-sxm", "p50"]
    assert "Monte Carlo noise" not in energy_advantage.drawn_capex_text(r)
    assert "every input draws from its own stream" in energy_advantage.drawn_capex_text(r)
    text = energy_advantage.price_basis_text(r)
    assert text.startswith("All-in capex per chip at the base point (catalog base price): H100 SXM $41,667")
    assert "the H100 SXM's is $33,750–$33,750–$44,490" in text and "against $41,667 at the base point" in text
    assert "(median of draws, P10–P90 " in text


def test_deepseek_v3_disclosure_reads_with_its_scope():
    from analysis.assembly import training_run

    r = training_run.run(run="deepseek-v3", draws=2_000)
    text = training_run.answer(r)
    # the base point gives back the disclosure: 2,664 K pre-training + 119 K context extension + 5 K
    # post-training = 2,788 K GPU-hours; × $2 = $5.576 M; 2,788,000 / 2,048 / 24 = 56.72 days of all phases
    assert r.base.loc["h800-sxm", "gpu_hours"] == pytest.approx(2_788_000)
    assert "gives 2.788 M GPU-hours against the disclosed 2.788 M (all phases, 2.664 M of them pre-training)" in text
    assert "$5.576 M at $2 per GPU-hour against the disclosed $5.576 M" in text
    assert "over 56.7 days on 2,048 chips (all phases; the disclosed 54.8 days are pre-training only)" in text
    assert "2.79 M" not in text
    # the arithmetic check of the 54.8 days (3.7 days per trillion tokens × 14.8 T) is pre-training only:
    # 2,664,000 / 2,048 / 24 = 54.199 days
    checks = training_run.arithmetic_checks().set_index(["run", "figure"])
    assert checks.loc[("DeepSeek-V3", "pre-training days"), "computed"] == pytest.approx(2_664_000 / 2_048 / 24)
    assert ("DeepSeek-V3", "days") not in checks.index


def test_training_run_ratios_say_when_they_match_chip_parity():
    import re

    from analysis.assembly import training_run

    r = training_run.run(run="deepseek-v3", chip="ascend-910c", draws=2_000)
    # at the base point: the 910C has no FP8, so it runs at its BF16 peak 780 at the H800's FP8 MFU converted to
    # the H800's BF16 peak with the achieved FP8 speed-up (8,532 / 6,667 + 4,018 / 3,139) / 2 = 1.279881
    # (data/fp8_speedups.csv), times Huawei's vendor factor 0.78: 910C / H800 GPU-hours = 1,978.9 / (780 ×
    # 1,978.9 / 989.4 / 1.279881 × 0.78) = 989.4 × 1.279881 / 608.4 = 2.081384 (it would be 1,978.9 / 608.4 = 3.2526
    # with the peak ratio 2 as the speed-up); chip_parity compares BF16 peaks: 989.4 / 780 / 0.78 = 1.626233
    speedup = (8_532 / 6_667 + 4_018 / 3_139) / 2
    hours = r.base["gpu_hours"]
    assert hours["ascend-910c"] / hours["h800-sxm"] == pytest.approx(989.4 * speedup / 608.4, rel=1e-9)
    assert training_run.peak_precisions(r)[["h800-sxm", "ascend-910c"]].tolist() == ["FP8", "BF16"]
    assert "peak precision" in training_run.by_chip_table(r).columns
    # page 1 points to the by-chip section, which says when the ratios match and quotes the example
    assert "says when their ratios match those reports'" in training_run.answer(r)
    text = training_run.precision_note(r)
    assert (
        "match chip_parity's, energy_advantage's and procurement's only between chips with a faster FP8 peak "
        "than their BF16 one" in text
    )
    quoted = float(re.search(r"Ascend 910C: ([\d.]+) × the H800 SXM's GPU-hours at the base point", text).group(1))
    assert quoted == pytest.approx(989.4 * speedup / 608.4, abs=0.005)  # 2.08
    # chip_parity's BF16 answer at the base point × the speed-up, which is chip_parity's own at precision=fp8
    parity = chip_parity.run(candidates=["ascend-910c"], draws=400).base.loc["ascend-910c", "per_reference"]
    assert parity == pytest.approx(989.4 / 608.4, rel=1e-9)
    assert quoted == pytest.approx(speedup * parity, abs=0.005)


def test_decode_rates_and_a_median_at_its_maximum_read_as_what_they_are():
    from analysis.assembly import inference_cost

    r = chip_parity.run(candidates=["h20"], workload="decode", context_tokens=2_250, precision="fp8")
    # the compute-bound count is the most any draw needs: 2,048 × (5.08297e-4 / 7.60321e-5 = 6.6853) = 13,691.5
    # -> 13,692 whole chips; more than half the draws are compute-bound on both chips (larger drawn batches)
    assert r.p50.loc["h20", "chip_count"] == r.p90.loc["h20", "chip_count"] == np.ceil(2_048 * 5.08297e-4 / 7.60321e-5)
    assert r.top_share.loc["h20"] > 0.5
    # the P10 is a drawn value (not worked by hand): only the form is checked
    shown = chip_parity.band(r, "h20", "chip_count", lambda v: f"{v:,.0f}")
    assert re.fullmatch(r"13,692 \(P10 [\d,]+; the maximum, in \d+ % of draws\)", shown)
    # the rate per chip in the findings is the base point: 0.2210465 / 7.60321e-5 s = 2,907.3 tokens/s
    assert r.base.loc["h100-sxm", "rate"] == pytest.approx(0.2210465 / 7.60321e-5, rel=1e-4)
    assert "(435 against 2,907 per chip at the base point)" in chip_parity.findings(r)
    # inference_cost quotes the median of draws of the same model, and its base point beside it
    served = inference_cost.run(model="deepseek-v3")
    assert served.base.loc["h800-sxm", "output_tokens_per_s_per_chip"] == pytest.approx(r.base.loc["h100-sxm", "rate"])
    median = served.p50.loc["h800-sxm", "output_tokens_per_s_per_chip"]
    assert median < r.base.loc["h100-sxm", "rate"]  # small drawn batches are memory-bound
    assert f"{median:,.0f} output tokens/s per GPU (medians of draws; at the base point 2,907 output" in (
        inference_cost.findings(served)
    )
