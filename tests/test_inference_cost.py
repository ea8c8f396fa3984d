"""inference_cost: prefill on computed tokens with attention at the context, one cost basis per
ranking, n/a (never inf or nan) for chips missing a figure, the inputs block with a source for
every value used — values worked by hand from the sources in data/ (fast tier: no kernel). The
validation report's serving cases, which run this report's model, are tested in
tests/test_validation.py."""

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


def test_prefill_and_decode_rates_by_hand():
    # H100 at the calibrated utilisation, fresh 2,000-token prompts: 0.27749 × 23,559.7 = 6,537.5
    # (the SGLang figure it was calibrated on)
    h100 = report.serving_chips(["h100-sxm"], "fp8")
    model = report.load("models").loc["deepseek-v3"]
    assert_allclose(
        report.serving_prefill_tokens_per_s(h100, model, attended_tokens=1_000, mfu=report.calibrated_mfu()),
        [6_537.5],
        rtol=1e-9,
    )
    # decode at batch 1, context 0, FP8 (1 byte per weight): experts 58 layers × 256 × 44,040,192 =
    # 653,908,770,816 params, dense part 671e9 − that = 17,091,229,184; one token reads the dense part and
    # 8 experts per layer: 17,091,229,184 + 58 × 8 × 44,040,192 = 37,525,878,272 B per step;
    # 3.35e12 B/s / 37,525,878,272 B = 89.272 tokens/s (compute: 0.27749 / 3.73945e-5 = 7,420: memory binds)
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
    records = [u for k, u in used.items() if k != "chips"] + [u for c in used["chips"].values() for u in c.values()]
    for u in records:
        assert u.unit and u.source in known, u
    # the defaults: calibrated on SGLang (LMSYS) and DeepSeek's average / peak nodes 226.75 / 278 = 0.81565
    assert used["mfu"].source == "lmsys-sglang-large-scale-ep"
    assert_allclose(used["mfu"].value, MFU, rtol=1e-4)
    assert used["utilisation"].source == "deepseek-inference-overview"
    assert_allclose(used["utilisation"].value, 226.75 / 278)
    assert used["hbm_efficiency"].source == used["batch_size"].source == shared.ASSUMPTION
    # values the reader sets are the reader's; the H800's FP8 peak 1,978.9 TFLOP/s is the one used
    r = report.run(chips=["h800-sxm", "h100-sxm"], mfu=0.3, hbm_efficiency=0.5, utilisation=0.5, draws=100)
    assert r.inputs.used["mfu"].source == r.inputs.used["hbm_efficiency"].source == shared.READER
    assert r.inputs.mfu == 0.3 and r.inputs.hbm_efficiency == 0.5
    assert r.inputs.used["chips"]["h800-sxm"]["matmul_tflops"].value == 1978.9
    # both chips rented: the rental is used, the ownership inputs are not
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
    assert "6.50 H20s" in report.findings(r, training_ratio=6.5)


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
