"""Training compute, time and parity, pinned to DeepSeek-V3's disclosed figures."""

import numpy as np
from numpy.testing import assert_allclose

from analysis import catalog
from analysis.formulas import compute


def test_deepseek_v3_training_flop():
    # 6 × 37e9 active params × 14.8e12 tokens = 3.2856e24 FLOP (≈ 3.29e24)
    assert_allclose(compute.training_flop(37e9, 14.8e12), 3.2856e24, rtol=1e-12)


def test_deepseek_v3_wall_clock_days():
    # 2.788e6 GPU-hours / 2,048 GPUs = 1,361.33 h; / 24 = 56.72 days
    assert_allclose(compute.wall_clock_days(2.788e6, 2048), 56.722, rtol=1e-4)


def test_deepseek_v3_implied_mfu_bf16_and_fp8(chips):
    h800 = catalog.lookup(chips, "H800-SXM")
    flop = compute.training_flop(37e9, 14.8e12)
    # 3.2856e24 / (2.664e6 h × 3600 s × 989.4e12 FLOP/s) = 3.2856e24 / 9.4888e24 = 0.3463
    assert_allclose(compute.implied_mfu(flop, 2.664e6, h800["bf16_dense_tflops"]), 0.3463, atol=5e-4)
    # same against the FP8 dense peak 1,978.9: 3.2856e24 / 1.89787e25 = 0.1731
    assert_allclose(compute.implied_mfu(flop, 2.664e6, h800["fp8_dense_tflops"]), 0.1731, atol=5e-4)


def test_gpu_hours_inverts_implied_mfu():
    # at MFU 0.3463 on 989.4 TFLOP/s, 3.2856e24 FLOP takes 3.2856e24 / (989.4e12 × 0.3463 × 3600)
    # = 2.6637e6 GPU-hours, the disclosed pre-training figure
    assert_allclose(compute.gpu_hours(3.2856e24, 989.4, 0.3463), 2.6637e6, rtol=1e-4)


def test_recompute_counts_eight_flop_per_param_token_for_hardware_only():
    # 8 × 37e9 × 14.8e12 = 4.3808e24 hardware FLOP; model FLOP stay 6·N·D
    assert_allclose(compute.hardware_flop(37e9, 14.8e12, recompute=True), 4.3808e24)
    assert_allclose(compute.hardware_flop(37e9, 14.8e12, recompute=False), 3.2856e24)
    # an MFU of 0.30 with full recomputation is an HFU of 0.30 × 8/6 = 0.40
    assert_allclose(compute.hfu_from_mfu(0.30, recompute=True), 0.40)


def test_parity_h800_to_h20_at_equal_utilisation(chips):
    h800, h20 = catalog.lookup(chips, "h800-sxm"), catalog.lookup(chips, "h20")
    # 2,048 × 989.4 / 148 = 13,691.2 H20s (the "≈ 13,690")
    n = compute.parity_chip_count(2048, h800["bf16_dense_tflops"], h20["bf16_dense_tflops"])
    assert_allclose(n, 13691.2, atol=0.1)
    assert compute.chips_to_buy(n) == 13692


def test_chips_to_buy_ignores_float_noise():
    # 2048 × 989.4 / 989.4 is 2048 up to rounding: buy 2,048, not 2,049
    assert compute.chips_to_buy(2048 * 989.4 / 989.4 * (1 + 1e-15)) == 2048


def test_functions_broadcast_over_arrays():
    # two scenarios in one call: 1e24 FLOP at (989.4 TFLOP/s, MFU 0.5) and (148, 0.5)
    # 1e24 / (494.7e12 × 3600) = 561,507.5 h; 1e24 / (74e12 × 3600) = 3,753,753.8 h
    hours = compute.gpu_hours(1e24, np.array([989.4, 148.0]), 0.5)
    assert_allclose(hours, [561_507.5, 3_753_753.8], rtol=1e-6)


def test_precision_falls_back_to_bf16_where_fp8_is_missing(chips):
    peaks = compute.peak_tflops(chips, "fp8")
    # A100 has no FP8: its fp8 peak is its BF16 peak, 312
    assert peaks["a100-sxm-80gb"] == 312
    assert peaks["h100-sxm"] == chips.loc["h100-sxm", "fp8_dense_tflops"]


def test_unknown_precision_names_the_allowed_ones(chips):
    try:
        compute.peak_tflops(chips, "fp4")
    except ValueError as err:
        assert "fp4" in str(err) and "bf16, fp8" in str(err)
    else:
        raise AssertionError("fp4 accepted")
