"""Huawei's vendor MFU factor (data/vendor_efficiency.csv) worked out by hand from its sources: throughput
against the catalog's peak on both sides, the median of three like-for-like readings, none a validation case
(issue 19, judge call 1)."""

import statistics

import pytest

from analysis.catalog import load

PEAK_910B = 320.0  # TFLOP/s, dense BF16, data/chips.csv ascend-910b


@pytest.fixture(scope="module")
def huawei():
    return load("vendor_efficiency").loc["huawei"]


def test_pangu_ultra_moe_throughput_on_the_catalog_peak():
    # Pangu Ultra MoE (pangu-ultra-moe-2025): 1.46 M tokens/s on 6,000 NPUs at 39e9 active parameters:
    # 6 × 39e9 × 1.46e6 / 6,000 = 5.694e13 FLOP/s = 56.94 TFLOP/s per NPU; / 320 = 0.177938 of the 910B's peak;
    # Huawei's stated 30.0 % MFU therefore divides by 56.94 / 0.30 = 189.8 TFLOP/s, a peak the paper does not name
    achieved = 6 * 39e9 * 1.46e6 / 6_000 / 1e12
    assert achieved == pytest.approx(56.94)
    assert achieved / PEAK_910B == pytest.approx(0.177938, rel=1e-5)
    assert achieved / 0.30 == pytest.approx(189.8)


def test_huawei_factor_is_the_median_of_three_readings(huawei):
    pangu = 56.94 / 320  # 0.177938
    # (1) MoE on Hopper: DeepSeek-V3 on 1,024 H100 in FP8, 338 model TFLOP/s (megatron-bridge-perf) = 0.341621 of
    # the BF16 peak 989.4; in BF16 terms / the FP8 speed-up (8,532 / 6,667 + 4,018 / 3,139) / 2 = 1.279881
    # (data/fp8_speedups.csv) = 0.266917: 0.177938 / 0.266917 = 0.666641
    speedup = (8_532 / 6_667 + 4_018 / 3_139) / 2
    hopper = pangu / (338 / 989.4 / speedup)
    assert hopper == pytest.approx(0.666641, rel=1e-5)
    # (2) MoE in the same precision: DeepSeek-V3 in BF16 on 256 GB200 (mfu_observations), 0.3128 as published, on
    # 6·N·D (both sides 6 · N · tokens/s) 0.3128 × 2.22e11 / (782e12 / 3,139) = 0.278743: 0.177938 / 0.278743 =
    # 0.638356 (0.568854 against the published 0.3128). Reading (1) stays on NVIDIA's own count (338 TFLOP/s, attention
    # counted); on 6·N·D it would be 6 × 3.7e10 × 1,297 / 989.4e12 / 1.279881 = 0.227380: 0.782557.
    blackwell = pangu / load("mfu_observations").loc["mbridge-gb200-deepseekv3-bf16-256", "mfu"]
    assert blackwell == pytest.approx(0.638356, rel=1e-5)
    # (3) dense: MindSpeed-LLM on Atlas 900 A2 PODc (mindspeed-llm-readme), 6 · N · tokens/s per NPU / 320:
    # LLaMA-65B 6 × 65.2e9 × 348 = 136.14 TF → 0.425430; Llama 2 70B 6 × 68,976,648,192 × 439 = 181.68 TF → 0.567764;
    # Llama 3 70B 6 × 70.55e9 × 353 = 149.42 TF → 0.466950; GPT-3 175B 6 × 175e9 × 153 = 160.65 TF → 0.502031;
    # BLOOM 176B 6 × 176.247e9 × 100 = 105.75 TF → 0.330463; median 0.466950
    ascend = [6 * n * t / 320e12 for n, t in ((65.2e9, 348), (68_976_648_192, 439), (70.55e9, 353), (175e9, 153))]
    ascend.append(6 * 176.247e9 * 100 / 320e12)
    assert statistics.median(ascend) == pytest.approx(0.466950, rel=1e-5)
    # NVIDIA dense BF16 benchmarks of ≥ 60 B parameters (as the Ascend rows, 65-176 B) on 64-2,520 A100/H100
    # in data/mfu_observations.csv, on 6·N·D (as the Ascend readings, 6 · N · tokens/s): Megatron 2021's 76.1B-529.6B
    # 0.327568 0.343411 0.367639 0.383856, LLM Foundry's 70B (× 0.960258) 0.396106 0.408782 0.416368 (H100) 0.512106
    # (A100), Korthikanti's 175B 0.501374, 1T 0.551223, 530B 0.551326 (tests/test_flop_basis.py): median the 6th,
    # 0.408782: 0.466950 / 0.408782 = 1.142 → 1.0 (published, before the one basis: 0.4257, 1.097 → 1.0)
    obs = load("mfu_observations")
    rows = obs[
        (obs["architecture"] == "dense")
        & (obs["precision"] == "bf16")
        & (obs["kind"] == "benchmark")
        & obs["chip_id"].isin(["a100-sxm-80gb", "h100-sxm"])
        & (obs["active_params"] >= 60e9)
        & (obs["cluster_chips"] >= 64)
    ]
    nvidia = statistics.median(rows["mfu"])
    assert len(rows) == 11 and nvidia == pytest.approx(0.4257 * 3.8916e11 / 405_266_127_360, rel=1e-9)
    assert nvidia == pytest.approx(0.408782, rel=1e-5)
    dense = min(1.0, statistics.median(ascend) / nvidia)
    assert dense == 1.0
    # base = median(0.666641, 0.638356, 1.0) = 0.666641 → 0.67 (with reading (1) on 6·N·D, 0.782557 → 0.78);
    # low = 0.177938 / 0.40 (the dense reference, the
    # lowest reading) = 0.444844 → 0.44; high = the dense reading, 1.0
    assert round(statistics.median([hopper, blackwell, dense]), 2) == huawei["mfu_factor"] == 0.67
    assert round(pangu / 0.40, 2) == huawei["mfu_factor_low"] == 0.44
    assert huawei["mfu_factor_high"] == dense


def test_no_fit_reading_is_a_validation_case():
    # the readings' NVIDIA rows are not validation cases (no overlap recorded), and the only Huawei training
    # case, pangu-ultra-moe-mfu, is calibration: counted for nothing
    obs = load("mfu_observations")
    used = obs.loc[["mbridge-h100-deepseekv3-fp8-1024", "mbridge-gb200-deepseekv3-bf16-256"]]
    assert (used["validation_overlap"].fillna("") == "").all()
    cases = load("validation_cases")
    huawei = cases[cases["exercised_defaults"].fillna("").str.contains("vendor_mfu_factor")]
    assert set(huawei["role"]) == {"calibration"}


def test_pangu_ultra_dense_mfu_agrees_with_the_dense_reading_and_sets_nothing(huawei):
    # Pangu Ultra (pangu-ultra-report-2025, Sec. 4): "over 52%" MFU on 8,192 Ascend NPUs, PaLM's definition
    # (attention counted: 12 · L · d · T on top of 6N per token); Sec. 2: 94 layers, hidden 12,288, 135e9
    # parameters; 4,096-token sequences for most tokens. Attention share 2 × 94 × 12,288 × 4,096 = 9.46235e9 / 135e9 =
    # 0.070091, so in 6N terms 0.52 / 1.070091 = 0.485940. Against NVIDIA's dense median 0.4257 it reaches the
    # cap 1.0 on any peak of at least 0.4257 × 320 / 0.485940 = 280.33 TFLOP/s; on the catalog's 910B 320 it is
    # 0.485940 / 0.4257 = 1.142 → 1.0, the dense reading as it is: no peak is stated, so it is a check, not a reading
    share = 2 * 94 * 12_288 * 4_096 / 135e9
    assert share == pytest.approx(0.070091, rel=1e-5)
    mfu_6n = 0.52 / (1 + share)
    assert mfu_6n == pytest.approx(0.485940, rel=1e-5)
    assert 0.4257 * PEAK_910B / mfu_6n == pytest.approx(280.33, rel=1e-4)
    assert min(1.0, mfu_6n / 0.4257) == 1.0 == huawei["mfu_factor_high"]
    keys = huawei["source"].split(";")
    assert "pangu-ultra-report-2025" in keys and keys[0] == "pangu-ultra-moe-2025"
