"""Interconnect-aware scaling, inference roofline and capacity floor, Monte Carlo, worked by hand."""

import numpy as np
from numpy.testing import assert_allclose

from analysis.formulas import compute, inference, scaling, uncertainty

LLAMA2_70B = {
    "total_params": 70e9,
    "active_params": 70e9,
    "moe_layers": 0,
    "routed_experts": 0,
    "experts_per_token": 0,
    "params_per_expert": np.nan,
    "kv_cache_bytes_per_token": 327_680,
}
LLAMA31_405B = LLAMA2_70B | {"total_params": 405e9, "active_params": 405e9, "kv_cache_bytes_per_token": 516_096}


def test_one_all_reduce_on_h100_and_h800_links():
    # per direction: H100 NVLink 900 / 2 = 450 GB/s, H800 400 / 2 = 200 GB/s
    links = scaling.link_gb_s([900, 400])
    assert_allclose(links, [450, 200])
    # ring all-reduce of 1 GB over 8 GPUs: each sends 2 × 7/8 × 1e9 = 1.75e9 B
    # H100: 1.75e9 / 450e9 = 3.889 ms; H800: 1.75e9 / 200e9 = 8.75 ms (2.25× longer)
    assert_allclose(scaling.ring_allreduce_s(1e9, 8, links), [3.8889e-3, 8.75e-3], rtol=1e-4)


def test_step_time_and_overlap():
    # 10 s of compute + 4 s of communication: no overlap 14 s, half hidden 12 s, all hidden 10 s
    assert_allclose(scaling.step_time_s(10, 4, np.array([0.0, 0.5, 1.0])), [14, 12, 10])


def test_h20_decode_vs_training_parity_flips_against_h100():
    # training (compute-bound, same MFU): one H100 = 989.4 / 148 = 6.685 H20
    training_h20_per_h100 = float(compute.parity_chip_count(1, 989.4, 148.0))
    assert_allclose(training_h20_per_h100, 6.685, rtol=1e-3)
    # decode of a dense 70B model in FP8 at batch 1, no KV, full bandwidth: bytes per step = 70e9
    # H100: 3.35e12 / 70e9 = 47.86 tokens/s; H20: 4.0e12 / 70e9 = 57.14 tokens/s
    tps, bound = inference.decode_tokens_per_s(
        np.array([989.4, 148.0]),
        np.array([3.35, 4.0]),
        LLAMA2_70B,
        batch_size=1,
        context_tokens=0,
        bytes_per_param=1.0,
        mfu=1.0,
        hbm_efficiency=1.0,
    )
    assert_allclose(tps, [47.857, 57.143], rtol=1e-4)
    assert list(bound) == ["memory bandwidth", "memory bandwidth"]
    decode_h20_per_h100 = tps[0] / tps[1]  # 47.857 / 57.143 = 0.8375
    assert_allclose(decode_h20_per_h100, 0.8375, rtol=1e-4)
    assert training_h20_per_h100 > 1 > decode_h20_per_h100  # the flip


def test_decode_turns_compute_bound_at_large_batch():
    # batch 512 on H20, FP8, MFU 0.5: compute 512 × 2 × 70e9 / (148e12 × 0.5) = 0.9686 s per step,
    # memory 70e9 / 4e12 = 0.0175 s -> compute-bound, 512 / 0.9686 = 528.6 tokens/s
    tps, bound = inference.decode_tokens_per_s(148.0, 4.0, LLAMA2_70B, 512, 0, 1.0, 0.5, 1.0)
    assert bound == "compute"
    assert_allclose(tps, 528.57, rtol=1e-4)


def test_memory_capacity_floor():
    # Llama 3.1 405B in BF16: 405e9 × 2 B = 810 GB; usable H100 HBM 80 GB × 0.9 = 72 GB
    # 810 / 72 = 11.25 -> 12 chips; on the 96 GB H20: 810 / 86.4 = 9.375 -> 10 chips
    assert list(inference.capacity_floor_chips(np.array([80, 96]), LLAMA31_405B, 2.0)) == [12, 10]
    # plus a KV cache of 16 sequences × 8,192 tokens × 516,096 B = 67.65 GB: 877.65 / 72 = 12.19 -> 13
    assert inference.capacity_floor_chips(80, LLAMA31_405B, 2.0, 16, 8192) == 13
    # training with Adam in mixed precision (16 B/param): 405e9 × 16 / 72e9 = 90 chips
    assert inference.capacity_floor_chips(80, LLAMA31_405B, 2.0, extra_bytes_per_param=14.0) == 90


def test_moe_decode_reads_only_the_activated_experts():
    # 256 experts, 8 per token: 1 token hits 8; 32 tokens hit 256 × (1 − (31/32)^32) = 163.3
    assert_allclose(inference.expected_distinct_experts(256, 8, np.array([1, 32])), [8.0, 163.3], rtol=1e-3)


def test_monte_carlo_percentile_of_a_sum_of_uniforms():
    # X + Y with X, Y ~ U(0, 1): F(s) = s² / 2 on [0, 1], so P10 = sqrt(0.2) = 0.4472,
    # P50 = 1, P90 = 2 − sqrt(0.2) = 1.5528
    ranges = {"x": (0.0, float("nan"), 1.0), "y": (0.0, float("nan"), 1.0)}
    samples = uncertainty.monte_carlo(lambda v: v["x"] + v["y"], ranges, n=100_000, seed=7)
    p = uncertainty.percentiles(samples)
    assert_allclose([p["p10"], p["p50"], p["p90"]], [0.4472, 1.0, 1.5528], atol=0.005)
    # same seed, same numbers
    assert np.array_equal(samples, uncertainty.monte_carlo(lambda v: v["x"] + v["y"], ranges, 100_000, 7))


def test_triangular_range_has_its_mode_at_base():
    # triangular(0, 1, 4): mean (0 + 1 + 4) / 3 = 5/3; median: F(m) = 0.5 with
    # F(x) = 1 − (4 − x)² / (4 × 3) for x >= 1 -> (4 − m)² = 6 -> m = 4 − sqrt(6) = 1.5505
    d = uncertainty.distribution(0.0, 1.0, 4.0)
    assert_allclose([d.mean(), d.median()], [5 / 3, 1.5505], rtol=1e-4)


def test_tornado_and_sobol_rank_the_driving_input():
    # y = 10·a + b with a, b in [0, 1]: a swings y by 10, b by 1; Var(10a) = 100/12 vs 1/12,
    # so a's first-order Sobol index is 100/101 = 0.990
    ranges = {"a": (0.0, 0.5, 1.0), "b": (0.0, 0.5, 1.0)}
    model = lambda v: 10 * v["a"] + v["b"]  # noqa: E731
    t = uncertainty.tornado(model, ranges)
    assert list(t.index) == ["a", "b"] and t.loc["a", "swing"] == 10 and t.loc["b", "swing"] == 1
    uniform = {"a": (0.0, float("nan"), 1.0), "b": (0.0, float("nan"), 1.0)}
    s = uncertainty.sobol(model, uniform, n=4096, seed=3)
    assert list(s.index) == ["a", "b"]
    assert_allclose(s.loc["a", "first_order"], 100 / 101, atol=0.03)
