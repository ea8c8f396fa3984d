"""inference_cost: prefill on computed tokens with attention at the context, one cost basis per
ranking, n/a (never inf or nan) for chips missing a figure, the inputs block with a source for
every value used — values worked by hand from the sources in data/ (fast tier: no kernel). The
validation report's serving cases, which run this report's model, are tested in
tests/test_validation.py."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis import catalog
from analysis.assembly import inference_cost as report
from analysis.assembly import inputs as shared
from analysis.assembly import serving_observations
from analysis.assembly.params import ParameterError
from analysis.formulas import inference

# H100 / H800: FP8 dense 1,978.9, BF16 989.4 TFLOP/s (chips.csv). DeepSeek-V3: 37e9 active,
# 61 layers, 128 heads; MLA prefill d_qk 192, d_v 128 (decode 576 / 512); KV 70,272 B/token.
MATMUL_S = 2 * 37e9 / 1978.9e12  # = 3.73945e-5 s per token at peak
# serving utilisation: the median of the 5 usable prefill observations (data/serving_observations.csv)
# is SGLang's H100 at 4,096-token prompts -> attended 2,048 tokens; attention
# 2 × 61 × 128 × (192 + 128) × 2,048 = 1.02341e10 FLOP at BF16: 1.03437e-5 s; rate at utilisation 1
# = 1 / (3.73945e-5 + 1.03437e-5) = 20,947.56; 6,287.75 / 20,947.56 = 0.300166
MFU = 0.300166


def test_attention_flops_and_attended_context():
    # 2 · L · H · (d_qk + d_v) · T = 2 × 61 × 128 × 320 × 1,000 = 4,997,120,000
    assert_allclose(
        inference.attention_flop_per_token(1_000, layers=61, heads=128, qk_head_dim=192, v_head_dim=128), 4_997_120_000
    )
    # PaLM's 4·L·H·Q·T for a GQA model: Llama-2-70B, 80 layers, 64 heads of 128, T = 512:
    # 4 × 80 × 64 × 128 × 512 = 1,342,177,280
    assert_allclose(
        inference.attention_flop_per_token(512, layers=80, heads=64, qk_head_dim=128, v_head_dim=128), 1_342_177_280
    )
    # DeepSeek's prefill: 4,989 tokens, 56.3 % cached -> 4,989 × (0.563 + 0.437 / 2) = 3,898.9
    assert_allclose(inference.mean_attended_tokens(4_989, cached_share=0.563), 3_898.9, rtol=1e-4)
    assert_allclose(inference.mean_attended_tokens(2_000), 1_000)


def test_prefill_utilisation_is_published_dispersion_not_a_validation_case():
    used = report.serving_setting("mfu", None)
    assert_allclose(used.value, MFU, rtol=1e-5)
    assert used.source == "serving-observations"
    # the observations' own sources are row records of the inputs block (SGLang's blog posts, Ant Group's)
    rows = report.inputs(draws=100).used["serving_observations"]
    assert set(rows) == set(report.serving_observations.prior().obs_ids)
    assert rows["antgroup-h20-prefill-4k"]["serving observation"].source == "lmsys-sglang-h20-antgroup"
    refs = report.load("serving_references")
    for case in (
        "deepseek-serving-prefill-computed-per-h800",
        "deepseek-serving-decode-per-h800",
        "cloudmatrix-prefill-per-npu",
        "cloudmatrix-decode-per-npu",
    ):
        assert refs.loc[case, "role"] == "validation"


def test_prefill_and_decode_rates_by_hand():
    # H100 at the serving utilisation, fresh 4,096-token prompts: 0.300166 × 20,947.56 = 6,287.75
    # (the SGLang observation that is the median)
    h100 = report.serving_chips(["h100-sxm"], "fp8")
    model = report.load("models").loc["deepseek-v3"]
    assert_allclose(
        report.serving_prefill_tokens_per_s(h100, model, attended_tokens=2_048, mfu=MFU),
        [6_287.75],
        rtol=1e-5,
    )
    # decode at batch 1, context 0, FP8 (1 byte per weight): experts 58 layers × 256 × 44,040,192 =
    # 653,908,770,816 params, dense part 671e9 − that = 17,091,229,184; one token reads the dense part and
    # 8 experts per layer: 17,091,229,184 + 58 × 8 × 44,040,192 = 37,525,878,272 B per step;
    # 3.35e12 B/s / 37,525,878,272 B = 89.272 tokens/s (compute: 0.300166 / 3.73945e-5 = 8,027: memory binds)
    rate, bound = report.serving_decode_tokens_per_s(
        h100, model, batch_size=1, context_tokens=0, precision="fp8", mfu=MFU, hbm_efficiency=1.0
    )
    assert bound[0] == "memory bandwidth"
    assert_allclose(rate, [89.2717], rtol=1e-5)


def test_one_cost_basis_per_ranking():
    # every chip rented -> rental; one chip without a rental (H20) -> ownership for all
    assert report.inputs(chips=["h100-sxm", "h200", "b200"], draws=100).cost_basis == "rental"
    inp = report.inputs(chips=["h100-sxm", "h20"], draws=100)
    assert inp.cost_basis == "ownership"
    r = report.run(chips=["h100-sxm", "h20"], draws=100)
    assert report.key_figures(r)["cost_basis"] == "ownership"
    assert "ownership for every chip" in report.basis_text(r)


def test_ownership_chip_hour_by_hand():
    # H20: $20,891 per chip as a share of an 8-GPU server -> capex 20,891 / 0.81 = 25,791.36, / 4 years =
    # 6,447.84 per year; power 400 W × 1.8 × 0.75 × PUE 1.2 = 648 W -> 5,676.48 kWh × $0.10 = 567.65 per year;
    # (6,447.84 + 567.65) / (8,760 h × 0.5) = $1.60171 per serving hour
    inp = report.inputs(chips=["h20"], usd_per_kwh=0.1, pue=1.2, utilisation=0.5, draws=100)
    base = report.figures(shared.base_point(inp.ranges), inp)
    assert_allclose(base["usd_per_chip_hour"][0, 0], 1.60171, rtol=1e-4)


@pytest.mark.parametrize("chip", ["v100-sxm", "l20", "mlu370-x8", "ascend-910", "tpu-v5p"])
def test_chips_missing_figures_read_na_without_warnings(chip):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = report.run(chips=[chip], draws=100)
        texts = report.answer(r) + report.findings(r) + report.basis_text(r)
        tables = [report.cost_table(r), report.throughput_table(r), report.decode_curve(r)]
        figures = report.key_figures(r)["chips"][chip]
    assert all(v is None or isinstance(v, str) or not np.isinf(v) for v in figures.values())
    assert "nan" not in texts and "inf" not in texts
    for table in tables:
        numbers = table.select_dtypes("number").to_numpy(dtype=float)
        assert not np.isinf(numbers).any()
    assert report.missing_reasons(r)[chip]  # the reason is shown


def test_ascend_910_without_hbm_figures_has_no_decode_and_says_why():
    r = report.run(chips=["ascend-910", "h100-sxm"], draws=100)
    assert np.isnan(r.p50.loc["ascend-910", "output_tokens_per_s_per_chip"])
    assert "no published HBM bandwidth" in report.missing_reasons(r)["ascend-910"]
    assert r.decode_bound["ascend-910"] == "n/a"


def test_near_zero_efficiencies_are_refused_before_any_kernel():
    for name in ("hbm_efficiency", "mfu"):
        with pytest.raises(ParameterError, match=name):
            report.inputs(**{name: 1e-308})
    with pytest.raises(ParameterError, match="years"):
        report.inputs(years=1e-308)


def test_headlines_lie_inside_their_bands_for_all_chips():
    r = report.run(chips=list(report.load("chips").index), draws=400)
    for name in report.BANDED:
        p10, p50, p90 = r.p10[name], r.p50[name], r.p90[name]
        known = p50.notna()
        assert ((p10[known] <= p50[known]) & (p50[known] <= p90[known])).all(), name
    figures = report.key_figures(r)
    assert set(figures) >= {"chips", "cost_basis"}
    h100 = figures["chips"]["h100-sxm"]
    for name in ("usd_per_million_input_tokens", "usd_per_million_output_tokens", "output_tokens_per_s_per_chip"):
        assert h100[f"{name}_p10"] <= h100[name] <= h100[f"{name}_p90"]


def test_used_block_names_every_input_with_a_unit_and_a_known_source():
    from analysis.catalog import sources

    known = set(sources().index)
    r = report.run(chips=["h100-sxm", "h20"], draws=100)  # H20 has no rental: ownership basis
    used = r.inputs.used
    for name in ("mfu", "hbm_efficiency", "batch_size", "usd_per_kwh", "pue", "load_factor", "server_power_ratio"):
        assert name in used, name
    assert {"years", "utilisation"} <= set(used)
    for chip in ("h100-sxm", "h20"):
        assert {
            "matmul_tflops",
            "attention_tflops",
            "hbm_tb_s",
            "price_usd",
            "max_w_per_chip",
        } <= set(used["chips"][chip])
    records = [u for u in used.values() if not isinstance(u, dict)] + [
        u for c in used["chips"].values() for u in c.values()
    ]
    for u in records:
        assert u.unit and set(u.source.split(";")) <= known, u
    # the defaults: the published serving utilisations' median and DeepSeek's average / peak nodes
    # 226.75 / 278 = 0.81565
    assert used["mfu"].source == "serving-observations"
    assert_allclose(used["mfu"].value, MFU, rtol=1e-4)
    assert used["utilisation"].source == "deepseek-inference-overview"
    assert_allclose(used["utilisation"].value, 226.75 / 278)
    assert used["hbm_efficiency"].source == shared.ASSUMPTION
    # the decode batch: the published deployments' batches per replica (decode_batches.csv), the
    # median of the 8 usable ones 192, 512, 768, 12,686.4, 15,360, 16,384, 18,432, 67,584: their
    # plotting-position median is the mean of the middle two, (12,686.4 + 15,360) / 2 = 14,023.2
    assert used["batch_size"].source == "decode-batches"
    assert_allclose(used["batch_size"].value, 14_023.2)
    assert set(used["decode_batches"]) == set(serving_observations.batch_prior().obs_ids)
    # values the reader sets are the reader's; the H800's FP8 peak 1,978.9 TFLOP/s is the one used
    r = report.run(chips=["h800-sxm", "h100-sxm"], mfu=0.3, hbm_efficiency=0.5, utilisation=0.5, draws=100)
    assert r.inputs.used["mfu"].source == r.inputs.used["hbm_efficiency"].source == shared.READER
    assert r.inputs.mfu == 0.3 and r.inputs.hbm_efficiency == 0.5
    assert r.inputs.used["chips"]["h800-sxm"]["matmul_tflops"].value == 1978.9
    # the H800's rent is DeepSeek's assumption, not a market quote: ownership for both, its inputs used
    assert r.inputs.cost_basis == "ownership" and "usd_per_kwh" in r.inputs.used
    assert "usd_per_gpu_hour" not in r.inputs.used["chips"]["h100-sxm"]
    # two market rents (H100 $2.95, H200 $4.00): the rental is used, the ownership inputs are not
    r = report.run(chips=["h100-sxm", "h200"], draws=100)
    assert r.inputs.cost_basis == "rental" and "usd_per_kwh" not in r.inputs.used
    assert r.inputs.used["chips"]["h100-sxm"]["usd_per_gpu_hour"].value == 2.95


def test_plots_draw_without_warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(report.present.output, "show", lambda fig, alt=None, **kw: shown.append(alt))
    r = report.run(chips=["h100-sxm", "h20", "ascend-910"], draws=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report.plot_output_cost(r)
        report.plot_decode_roofline(r)
    assert len(shown) == 2 and "cheapest: NVIDIA H100" in shown[0]


def test_h20_training_ratio_comes_from_chip_parity(monkeypatch):
    from analysis.assembly import chip_parity

    calls = []
    monkeypatch.setattr(
        chip_parity, "chips_per_reference", lambda candidate, **kw: calls.append((candidate, kw)) or 6.5
    )
    assert report.h20_training_ratio() == 6.5
    assert calls == [("h20", {"reference_chip": "h100-sxm", "workload": "training"})]
    r = report.run(chips=["h100-sxm", "h20"], draws=100)
    text = report.findings(r, training_ratio=6.5)
    assert "6.50 H20s**: chip_parity's per-chip training answer" in text
    # which answer it is: the per-chip rate ratio (989.4 / 148 = 6.69 at the defaults, the same figure as
    # decode parity by coincidence: both peaks double at FP8), not h100-parity's cluster count at 2,048
    assert "not its cluster answer (h100-parity" in text and "the chip_parity report's answer" not in text


def test_figures_of_a_chip_without_decode_figures_raise_no_warning(monkeypatch):
    """The Ascend 910 has no decode figure: the roofline draws no line and no legend, and no
    Python warning reaches the report (issue 22, item 2: a UserWarning printed its path)."""
    import warnings

    monkeypatch.setattr(report.present.output, "display", lambda *a, **k: None)
    r = report.run(chips=["ascend-910"], draws=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report.plot_decode_roofline(r)
        report.plot_output_cost(r)


# --- serving economics: DeepSeek's day and API prices (issue 20, item 5) ------------------------

DAY = {"input_tokens_per_day": 608e9, "cached_input_tokens_per_day": 342e9, "output_tokens_per_day": 168e9}


def test_daily_cost_by_hand():
    # computed input 608e9 − 342e9 = 266e9 tokens / (4,000 tokens/s × 3,600) = 18,472.22 chip-h; output
    # 168e9 / (2,000 × 3,600) = 23,333.33 chip-h; 41,805.56 chip-h × $2 = $83,611.11
    setup = DAY | {"usd_per_gpu_hour": 2}
    assert_allclose(report.daily_cost_usd(setup, prefill_tokens_per_s=4_000, decode_tokens_per_s=2_000), 83_611.11)
    # arrays of draws broadcast: doubling both rates halves the cost
    assert_allclose(
        report.daily_cost_usd(
            setup, prefill_tokens_per_s=np.array([4e3, 8e3]), decode_tokens_per_s=np.array([2e3, 4e3])
        ),
        [83_611.11, 41_805.56],
        rtol=1e-6,
    )


def test_revenue_at_deepseeks_api_prices_by_hand():
    # R1: 342e9 cache hits × $0.14 / 1e6 = 47,880; 266e9 misses × $0.55 = 146,300; 168e9 output × $2.19 = 367,920
    # -> $562,100 (DeepSeek: $562,027 from unrounded token counts)
    assert_allclose(report.api_revenue_usd(DAY), 562_100)
    # V3: 342e9 × 0.07 + 266e9 × 0.27 + 168e9 × 1.10, / 1e6 = 23,940 + 71,820 + 184,800 = 280,560
    assert_allclose(report.api_revenue_usd(DAY, prices="v3"), 280_560)


def test_deepseek_day_reproduces_the_disclosure_with_the_validation_reports_number():
    from analysis.assembly import validation_cases

    day = report.deepseek_day()
    assert day.disclosed_cost_usd == 87_072
    # 226.75 average nodes × 8 H800 × 24 h × $2 = 87,072 (the disclosure's own arithmetic)
    assert_allclose(day.node_hours_cost_usd, 87_072)
    assert day.setup.items() >= (DAY | {"usd_per_gpu_hour": 2}).items()  # the validation case's disclosed setup
    # the modelled cost is the validation report's value for the same case: one function, both callers
    case = report.load("validation_cases").loc[report.DEEPSEEK_DAY_CASE]
    assert day.modelled_cost_usd == validation_cases.modelled_case(case).central  # the P50 of its draws
    assert_allclose(day.modelled_error, day.modelled_cost_usd / 87_072 - 1)
    assert day.modelled_p10 < day.modelled_cost_usd < day.modelled_p90
    # revenue $562,100 at R1 prices; margin 562,100 / 87,072 − 1 = 5.45558 (DeepSeek: 545 %)
    assert_allclose((day.revenue_usd, day.disclosed_revenue_usd), (562_100, 562_027))
    assert_allclose(day.margin, 5.45558, rtol=1e-5)
    text = report.economics_text(report.run(chips=["h800-sxm", "h100-sxm"], draws=100), day)
    assert "$87,072" in text and "$562,100" in text and "$562,027" in text and "The gap:" in text


def test_the_validation_case_calls_this_reports_daily_cost(monkeypatch):
    from analysis.assembly import validation_cases

    calls = []

    def fake(setup, *, prefill_tokens_per_s, decode_tokens_per_s):
        calls.append(setup["output_tokens_per_day"])
        return np.full(np.shape(prefill_tokens_per_s), 1.0)

    monkeypatch.setattr(report, "daily_cost_usd", fake)
    case = report.load("validation_cases").loc[report.DEEPSEEK_DAY_CASE]
    assert validation_cases.modelled_case(case).value == 1.0
    assert calls and calls[0] == 168e9


def test_api_comparison_in_the_json():
    # owned (the H800's $2.00 is DeepSeek's assumed rent, no market quote): at the base point its chip-hour is
    # capex 39,384 / 0.81 = 48,622.22 / 4 years = 12,155.56 a year + electricity 700 W × 1.82143 × 0.75 load ×
    # PUE 1.5 = 1,434.38 W × 8,760 h = 12,565.1 kWh × $0.088 = 1,105.73 a year; 13,261.29 / (8,760 h × 226.75 /
    # 278 utilisation) = $1.856005 per chip-hour. The H800 prefills 0.300166 × 23,559.8 = 7,071.86 computed
    # tokens/s (its FP8 and BF16 peaks are the H100's; 2,000-token prompts, 1,000 attended tokens)
    # -> 1.856005 / (7,071.86 × 3,600) × 1e6 = $0.0729027 per million cache-miss tokens
    r = report.run(chips=["h800-sxm", "h100-sxm"], draws=400)
    assert_allclose(r.base.loc["h800-sxm", "usd_per_million_cache_miss_tokens"], 0.0729027, rtol=1e-5)
    api = report.key_figures(r, day=report.deepseek_day())
    kinds = api["api_comparison"]["token_kinds"]
    assert api["api_comparison"]["chip"] == "h800-sxm"
    # DeepSeek's standard prices (data/serving_references.csv, deepseek-api-pricing): V3 0.07 / 0.27 / 1.10, R1
    # 0.14 / 0.55 / 2.19 per million cache-hit, cache-miss and output tokens
    assert [kinds[k]["v3_price"] for k in ("input_cache_hit", "input_cache_miss", "output")] == [0.07, 0.27, 1.10]
    assert [kinds[k]["r1_price"] for k in ("input_cache_hit", "input_cache_miss", "output")] == [0.14, 0.55, 2.19]
    assert kinds["input_cache_miss"]["modelled"] == r.p50.loc["h800-sxm", "usd_per_million_cache_miss_tokens"]
    assert kinds["output"]["modelled"] == r.p50.loc["h800-sxm", "usd_per_million_output_tokens"]
    assert kinds["input_cache_hit"]["modelled"] == 0 and np.isnan(kinds["input_cache_hit"]["v3_price_over_cost"])
    assert_allclose(kinds["output"]["v3_price_over_cost"], 1.10 / kinds["output"]["modelled"])
    assert api["deepseek_day"]["disclosed_cost_usd"] == 87_072
    # the same day at this report's own H800 rates: 266e9 / (prefill × 3,600) + 168e9 / (decode × 3,600), × $2
    h800 = r.p50.loc["h800-sxm"]
    hours = 266e9 / (h800["input_tokens_per_s_per_chip"] * 3_600) + 168e9 / (
        h800["output_tokens_per_s_per_chip"] * 3_600
    )
    assert_allclose(api["deepseek_day"]["report_workload_cost_usd"], 2 * hours)
    assert_allclose(api["deepseek_day"]["modelled_error"], api["deepseek_day"]["modelled_cost_usd"] / 87_072 - 1)
    # no H800, or another model: no comparison (DeepSeek's prices are V3's and R1's)
    assert report.key_figures(report.run(chips=["h100-sxm"], draws=100))["api_comparison"] == {}
    assert report.api_comparison(report.run(model="llama-2-70b", chips=["h800-sxm"], draws=100)).empty


@pytest.mark.render
def test_rendered_report_shows_the_api_prices_and_deepseeks_day(rendered):
    import json

    folder = rendered / "inference-default"
    data = json.loads((folder / "inference_cost.json").read_text())
    html = (folder / "inference_cost.html").read_text()
    assert set(data["api_comparison"]["token_kinds"]) == {"input_cache_hit", "input_cache_miss", "output"}
    day = data["deepseek_day"]
    assert day["disclosed_cost_usd"] == 87_072 and day["node_hours_cost_usd"] == 87_072
    assert day["modelled_error"] == pytest.approx(day["modelled_cost_usd"] / 87_072 - 1)
    assert "API prices and DeepSeek" in html and "DeepSeek-V3 API" in html and "$87,072" in html


@pytest.mark.render
def test_rendered_decode_parity_has_no_pflop_hours(rendered):
    html = (rendered / "parity-decode" / "chip_parity.html").read_text()
    assert "PFLOP-h" not in html and "PFLOP-hour" not in html
    assert "per million output tokens" in html and "What drives the cost per million output tokens" in html


def test_the_api_comparison_says_the_prices_ended_and_quotes_the_successors():
    """serving_references.csv: V3's $1.10 per million output tokens held until Sep 5 2025; DeepSeek's
    own price list (deepseek-api-pricing-v3-2) has sold V3.2-Exp and V3.2 at $0.42 per million output
    tokens and $0.28 per million cache-miss input tokens since the Sep 29 2025 cut (from $1.68 and
    $0.56: 0.42 / 1.68 = 0.25, 0.28 / 0.56 = 0.5, the yuan cut 3 / 12 and 2 / 4); the output price is
    quoted beside the modelled cost as its ratio, 0.42 / modelled. Both rows are set by DeepSeek's
    page, benchlm's tracker only cross-checks them."""
    r = report.run(model="deepseek-v3", draws=300)
    text = report.economics_text(r, report.deepseek_day())
    modelled = report.api_comparison(r).loc["output", "modelled"]
    assert "which ended on Sep 5 2025" in text
    assert f"$0.42 per million output tokens since Sep 29 2025 ({0.42 / modelled:.1f}× this V3 cost" in text
    assert "DeepSeek's price list) and $0.28 per million cache-miss input tokens." in text
    references = catalog.load("serving_references")
    for row in ("deepseek-v3.2-api-output-2025", "deepseek-v3.2-api-input-miss-2025"):
        assert references.loc[row, "source"].split(";")[0] == "deepseek-api-pricing-v3-2"
    assert catalog.sources().loc["deepseek-api-pricing-v3-2", "grade"] == "primary"


def test_page_one_is_an_answer_line_and_a_note():
    """Page 1 reads as one sentence (the cheapest output tokens with their band, how many times as
    much the dearest costs, the unranked chips named) and a note on the cost basis and what the
    bands cover; the findings list below carries the rest. The L20 has no sourced price: n/a."""
    r = report.run(chips=["h100-sxm", "h20", "l20"], draws=100)
    line, note = report.answer(r).split("\n\n")
    # one sentence: no full stop or semicolon inside, no line break
    assert line.endswith("(not ranked, cost n/a: L20).") and ". " not in line and ";" not in line
    assert line.startswith("Serving DeepSeek-V3 at batch ") and " per million** (P10–P90 $" in line
    assert note.startswith(f"All chips are costed on one basis (**{r.inputs.cost_basis}**). The bands cover")


def test_an_assumed_rent_is_no_market_rent_and_a_rental_ranking_falls_back_to_ownership():
    """The H800's $2.00 per chip-hour is DeepSeek's accounting assumption (chips.csv rental_source
    deepseek-v3-report), the H100's $2.95, H200's $4.00 and MI300X's $1.99 market quotes (mercatus,
    cliffcenter): with the H800 in the list, one of four chips has no market rent, so all four are
    costed on ownership (hostile H2: on rentals the H800 came out cheapest by its assumed rent alone,
    the H100 "1.5 × as expensive" at the same modelled throughput); without it, on rentals."""
    chips = report.serving_chips(["h800-sxm", "h100-sxm", "h200", "mi300x"], "fp8")
    assert report.market_rent(chips).to_dict() == {"h800-sxm": False, "h100-sxm": True, "h200": True, "mi300x": True}
    r = report.run(chips=["h800-sxm", "h100-sxm", "h200", "mi300x"], draws=100)
    note = "the H800 SXM's $2.00 per chip-hour is DeepSeek's assumed rent, not a market quote"
    assert r.inputs.cost_basis == "ownership"
    assert "NVIDIA H800 SXM5 80GB has no market rental price (" + note + ")" in report.basis_text(r)
    market = report.run(chips=["h100-sxm", "h200", "mi300x"], draws=100)
    assert market.inputs.cost_basis == "rental" and "assumed rent" not in report.basis_text(market)


def test_each_utilisation_records_what_it_stands_for():
    """The JSON inputs say what the prefill and the decode utilisations are (inputs.mfu_basis), as
    chip_parity's serving reports do: the medians of published prefill and decode throughputs, or the
    reader's value where one is entered."""
    used = report.run(draws=200).inputs.used
    assert used["mfu_basis"] == shared.mfu_basis("prefill") and used["decode_mfu_basis"] == shared.mfu_basis("decode")
    entered = report.run(mfu=0.3, draws=200).inputs.used
    assert entered["mfu_basis"].value == "reader" and entered["decode_mfu_basis"].value == "decode"


def test_one_costed_chip_is_not_called_the_cheapest_nor_compared_with_itself():
    # Of Ascend 910B, L20 and V100 SXM only the 910B has a price (chips.csv: L20 and V100 price cells empty), so
    # page 1 names it the only chip costed and the two left unranked (before: "gives the cheapest ... and
    # Huawei Ascend 910B costs 1.0 × as much")
    r = report.run(chips=["ascend-910b", "l20", "v100-sxm"], precision="bf16", draws=200)
    line = report.answer(r).split("\n")[0]
    assert "**Huawei Ascend 910B** is the only chip costed" in line
    assert "cheapest" not in line and "× as much" not in line
    assert line.endswith("; L20 and V100 SXM have no cost (n/a).")  # the words lane's sentence (test_words)


def test_the_ratio_of_medians_is_called_the_answer_only_where_it_is_one():
    # hostile L2: at batch 1 the H20 and H100 medians are 60.3 and 50.5 output tokens/s, 50.5 / 60.3 = 0.8375,
    # and the decode answer is 0.84 too: "whose ratio (0.84) is not this answer" contradicted itself
    assert round(50.5 / 60.3, 2) == 0.84
    assert report._ratio_of_medians_words(50.5 / 60.3, 0.84).startswith("is this answer here, though it need not be")
    # a ratio of medians that differs from the answer at the two decimals shown (0.21 against 0.25) is said not to be it
    assert report._ratio_of_medians_words(0.209, 0.25) == "is not this answer"
    r = report.run(chips=["h100-sxm", "h20"], batch_size=1, draws=200)
    assert "whose ratio (0.84) is this answer here" in report.findings(r)
