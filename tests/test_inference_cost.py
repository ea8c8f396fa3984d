"""inference_cost: prefill on computed tokens with attention at the context, one cost basis per
ranking, n/a (never inf or nan) for chips missing a figure, and the validation functions — values
worked by hand from the sources in data/ (fast tier: no kernel)."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.assembly import inference_cost as report
from analysis.assembly import inputs as shared
from analysis.assembly.params import ParameterError
from analysis.formulas import inference

# H100 / H800: FP8 dense 1,978.9, BF16 989.4 TFLOP/s (chips.csv). DeepSeek-V3: 37e9 active,
# 61 layers, 128 heads; MLA prefill d_qk 192, d_v 128 (decode 576 / 512); KV 70,272 B/token.
MATMUL_S = 2 * 37e9 / 1978.9e12  # = 3.73945e-5 s per token at peak
# calibration: SGLang H100, 2,000-token fresh prompts -> attended 1,000 tokens;
# attention 2 × 61 × 128 × (192 + 128) × 1,000 = 4.99712e9 FLOP at BF16: 5.05066e-6 s;
# rate at utilisation 1 = 1 / (3.73945e-5 + 5.05066e-6) = 23,559.7; 6,537.5 / 23,559.7 = 0.27749
MFU = 0.27749


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


def test_prefill_utilisation_is_calibrated_on_sglang_not_on_a_validation_case():
    assert_allclose(report.calibrated_mfu(), MFU, rtol=1e-4)
    refs = report.load("serving_references")
    assert refs.loc["sglang-prefill-per-h100", "role"] == "calibration"
    for case in (
        "deepseek-serving-prefill-computed-per-h800",
        "deepseek-serving-decode-per-h800",
        "cloudmatrix-prefill-per-npu",
        "cloudmatrix-decode-per-npu",
    ):
        assert refs.loc[case, "role"] == "validation"


def test_deepseek_prefill_is_compared_on_computed_tokens():
    # disclosure: 73.7k input tokens/s per 8-GPU node incl. 56.3 % cache hits ->
    # 73,700 / 8 × (1 − 0.563) = 4,025.86 computed tokens/s per GPU
    assert_allclose(
        report.load("serving_references").loc["deepseek-serving-prefill-computed-per-h800", "value"],
        73_700 / 8 * (1 - 0.563),
        rtol=1e-6,
    )
    # model: attention 4,997,120 × 3,898.9 = 1.94833e10 FLOP / 989.4e12 = 1.96921e-5 s;
    # 0.27749 / (3.73945e-5 + 1.96921e-5) = 4,860.9 (+21 % against 4,026)
    assert_allclose(report.validation_prefill_tokens_per_s("deepseek-h800"), 4_860.9, rtol=1e-3)
    # the old model (no attention, MFU 0.4 of the FP8 peak): 1,978.9e12 × 0.4 / 74e9 = 10,697
    assert_allclose(inference.prefill_tokens_per_s(1978.9, 37e9, 0.4), 10_697, rtol=1e-4)


def test_cloudmatrix_prefill_and_decode_per_910c_package():
    # 910C: INT8 1,504 TOPS per package, BF16 780; fresh 4,096-token prompts -> attended 2,048:
    # 74e9 / 1,504e12 = 4.92021e-5 s; 4,997,120 × 2,048 / 780e12 = 1.31206e-5 s;
    # 0.27749 / 6.23227e-5 = 4,452.5
    assert_allclose(report.validation_prefill_tokens_per_s("cloudmatrix-910c"), 4_452.5, rtol=1e-3)
    # decode: batch 96 × 160 NPUs = 15,360, context 4,096. Compute per token: absorbed MLA
    # 2 × 61 × 128 × 1,088 × 4,096 = 6.95949e10 FLOP / 780e12 = 8.92243e-5 s + 4.92021e-5 s
    # = 1.38426e-4 s at peak -> 0.27749 / 1.38426e-4 = 2,004.6 tokens/s; memory: (671e9 + 15,360 ×
    # 70,272 × 4,096 = 4.42118e12) B / (3.2e12 × 0.6) s per step -> 15,360 / 2.6527 = 5,790: compute binds
    assert_allclose(report.validation_decode_tokens_per_s("cloudmatrix-910c"), 2_004.6, rtol=1e-3)


def test_deepseek_decode_at_the_default_batch():
    # batch 1,024 touches all 256 experts: weights 671e9 B (FP8) + KV 70,272 × 1,024 × 4,989 =
    # 3.58999e11 B = 1.030e12 B; / (3.35e12 × 0.6) = 0.512437 s per step -> 1,024 / 0.512437 = 1,998.3
    # (compute: 0.27749 / (3.73945e-5 + 2 × 61 × 128 × 1,088 × 4,989 / 989.4e12) = 2,254.7, not binding)
    assert_allclose(report.validation_decode_tokens_per_s("deepseek-h800"), 1_998.3, rtol=1e-3)


def test_llama2_70b_decode_latency_against_llm_analysis():
    # 2 A100 (2.039 TB/s each), BF16: bytes per step = 140e9 + 327,680 × T; mean T over the 512 steps
    # = 767.5 -> 140.2515e9 B / (2 × 2.039e12 B/s) = 34.3922 ms × 512 = 17.609 s (llm-analysis: 18.06)
    assert_allclose(report.validation_llama2_decode_latency_s(mfu=1.0, hbm_efficiency=1.0), 17.609, rtol=1e-3)
    # at the default HBM efficiency 0.6: 17.609 / 0.6 = 29.348 s (memory-bound at every step)
    assert_allclose(report.validation_llama2_decode_latency_s(), 17.609 / 0.6, rtol=1e-3)


def test_one_cost_basis_per_ranking():
    # every chip rented -> rental; one chip without a rental (H20) -> ownership for all
    assert report.inputs(chips=["h100-sxm", "h200", "b200"], draws=100)["cost_basis"] == "rental"
    inp = report.inputs(chips=["h100-sxm", "h20"], draws=100)
    assert inp["cost_basis"] == "ownership"
    r = report.run(chips=["h100-sxm", "h20"], draws=100)
    assert report.key_figures(r)["cost_basis"] == "ownership"
    assert "ownership for every chip" in report.basis_text(r)


def test_ownership_chip_hour_by_hand():
    # H20: $12,000 per chip -> capex 12,000 × 1.64 / 0.81 = 24,296.30, / 4 years = 6,074.07 per year;
    # power 400 W × 1.8 × 0.75 × PUE 1.2 = 648 W -> 5,676.48 kWh × $0.10 = 567.65 per year;
    # (6,074.07 + 567.65) / (8,760 h × 0.5) = $1.51637 per serving hour
    inp = report.inputs(chips=["h20"], usd_per_kwh=0.1, pue=1.2, utilisation=0.5, draws=100)
    base = report.figures(shared.base_point(inp["ranges"]), inp)
    assert_allclose(base["usd_per_chip_hour"][0, 0], 1.51637, rtol=1e-4)


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
    assert np.isnan(r["p50"].loc["ascend-910", "output_tokens_per_s_per_chip"])
    assert "no published HBM bandwidth" in report.missing_reasons(r)["ascend-910"]
    assert r["decode_bound"]["ascend-910"] == "n/a"


def test_near_zero_efficiencies_are_refused_before_any_kernel():
    for name in ("hbm_efficiency", "mfu"):
        with pytest.raises(ParameterError, match=name):
            report.inputs(**{name: 1e-308})
    with pytest.raises(ParameterError, match="years"):
        report.inputs(years=1e-308)


def test_headlines_lie_inside_their_bands_for_all_chips():
    r = report.run(chips=list(report.load("chips").index), draws=400)
    for name in report.BANDED:
        p10, p50, p90 = r["p10"][name], r["p50"][name], r["p90"][name]
        known = p50.notna()
        assert ((p10[known] <= p50[known]) & (p50[known] <= p90[known])).all(), name
    figures = report.key_figures(r)
    assert set(figures) >= {"chips", "cost_basis"}
    h100 = figures["chips"]["h100-sxm"]
    for name in ("usd_per_million_input_tokens", "usd_per_million_output_tokens", "output_tokens_per_s_per_chip"):
        assert h100[f"{name}_p10"] <= h100[name] <= h100[f"{name}_p90"]


def test_h20_training_ratio_comes_from_chip_parity(monkeypatch):
    from analysis.assembly import chip_parity

    calls = []
    monkeypatch.setattr(
        chip_parity, "chips_per_reference", lambda candidate, **kw: calls.append((candidate, kw)) or 6.5
    )
    assert report.h20_training_ratio() == 6.5
    assert calls == [("h20", {"reference_chip": "h100-sxm", "workload": "training"})]
    r = report.run(chips=["h100-sxm", "h20"], draws=100)
    assert "6.50 H20s" in report.findings(r, training_ratio=6.5)
