"""Units say what a figure is (numbers cross-check, item 3): a dense peak names its precision, so
the H800's 1,978.9 (FP8) and 989.4 (BF16), quoted by two reports, are never the same "TFLOP/s,
dense"; an INT8 peak is TOP/s; a power per chip says it is a share of a server or a system, never
the chip's TDP (fast tier: inputs only, no Monte Carlo)."""

import pytest

from analysis.assembly import chip_parity, inference_cost, present, training_run


def test_a_dense_peak_names_its_precision():
    # DeepSeek-V3 trained in FP8: the H800 at its FP8 peak (1,978.9, data/chips.csv), the A100 (no FP8 on
    # Ampere) at its BF16 peak (312); chip_parity compares BF16 peaks: the H100 at 989.4
    run = training_run.inputs(run="deepseek-v3", draws=100).used["chips"]
    assert (run["h800-sxm"]["peak_tflops"].value, run["h800-sxm"]["peak_tflops"].unit) == (
        1_978.9,
        "TFLOP/s, dense FP8",
    )
    assert (run["a100-sxm-80gb"]["peak_tflops"].value, run["a100-sxm-80gb"]["peak_tflops"].unit) == (
        312.0,
        "TFLOP/s, dense BF16",
    )
    defaults = {n: s.default for n, s in chip_parity.PARAMETERS.items()}
    parity = chip_parity.resolve(defaults).used["chips"]
    assert (parity["h100-sxm"]["peak_tflops"].value, parity["h100-sxm"]["peak_tflops"].unit) == (
        989.4,
        "TFLOP/s, dense BF16",
    )
    # the by-chip table's precision column is the same answer
    r = training_run.run(run="deepseek-v3", draws=100)
    assert training_run.peak_precisions(r)[["h800-sxm", "a100-sxm-80gb"]].tolist() == ["FP8", "BF16"]


def test_power_per_chip_says_it_is_a_server_or_system_share():
    # H800: 700 W TDP × the DGX H100's 10.2 kW / (8 × 700 W) = 1.82143 -> 1,275.0 W of server per chip;
    # Ascend 910C (no published TDP): CloudMatrix 384's 559 kW / 384 = 1,455.73 W of system per chip
    defaults = {n: s.default for n, s in chip_parity.PARAMETERS.items()}
    chips = chip_parity.resolve(defaults).used["chips"]
    h800, c910 = chips["h800-sxm"]["max_w_per_chip"], chips["ascend-910c"]["max_w_per_chip"]
    assert h800.value == pytest.approx(700 * 1.82143) and h800.unit == "W per chip, server share"
    assert c910.value == pytest.approx(559_000 / 384) and c910.unit == "W per chip, system share"
    line = present.key_inputs({"chips": {"h800-sxm": chips["h800-sxm"]}}, ("peak_tflops", "max_w_per_chip"))
    assert "H800 SXM: 989.4 TFLOP/s, dense BF16 [" in line and "1,275 W per chip, server share [" in line


def test_serving_peaks_name_fp8_int8_or_bf16():
    # FP8 serving: 8-bit matmuls at the FP8 peak where a chip has one (H100 1,978.9 TFLOP/s), else the
    # INT8 peak (Ascend 910C 1,504 TOP/s, W8A8); attention at the BF16 peak (910C 780); BF16 serving: both BF16
    fp8 = inference_cost.inputs(chips=["h100-sxm", "ascend-910c"], draws=100).used["chips"]
    quoted = {c: (fp8[c]["matmul_tflops"].value, fp8[c]["matmul_tflops"].unit) for c in fp8}
    assert quoted == {"h100-sxm": (1_978.9, "TFLOP/s, dense FP8"), "ascend-910c": (1_504.0, "TOP/s, dense INT8")}
    assert (fp8["ascend-910c"]["attention_tflops"].value, fp8["ascend-910c"]["attention_tflops"].unit) == (
        780.0,
        "TFLOP/s, dense BF16",
    )
    bf16 = inference_cost.inputs(chips=["h100-sxm"], precision="bf16", draws=100).used["chips"]["h100-sxm"]
    assert (bf16["matmul_tflops"].value, bf16["matmul_tflops"].unit) == (989.4, "TFLOP/s, dense BF16")


def test_decode_rate_table_names_the_int8_chips():
    # decode at FP8: the A800 (Ampere) and Ascend 910B/910C have no FP8, so their 8-bit matmul peak is INT8
    # (624, 640 and 1,504 TOP/s); the H20 has FP8 (296 TFLOP/s) and is not named
    r = chip_parity.run(
        candidates=["h20", "a800-sxm-80gb", "ascend-910c"], workload="decode", precision="fp8", draws=100
    )
    caption = chip_parity.rate_section(r)[3]
    assert "Matmuls at the 8-bit peak (INT8 TOP/s for A800 SXM, Ascend 910C, which have no FP8)" in caption
