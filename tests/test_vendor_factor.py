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
    # (1) MoE on Hopper: DeepSeek-V3 on 1,024 H100 in FP8 (megatron-bridge-perf, 25.09), 1,297 tokens/s per GPU, on
    # 6·N·D (the one basis, commit 7301cf5): 6 × 37e9 × 1,297 = 2.87934e14 FLOP/s = 0.291019 of the BF16 peak 989.4
    # (NVIDIA's own 338 model TFLOP/s = 0.341621, × 2.22e11 / (338e12 / 1,297 = 2.60601e11) = 0.291019, the same);
    # in BF16 terms / the FP8 speed-up (8,532 / 6,667 + 4,018 / 3,139) / 2 = 1.279881 (data/fp8_speedups.csv) =
    # 0.227380: 0.177938 / 0.227380 = 0.782557 (0.666641 against NVIDIA's count, before)
    speedup = (8_532 / 6_667 + 4_018 / 3_139) / 2
    hopper_6nd = 6 * 37e9 * 1_297 / 989.4e12
    assert hopper_6nd == pytest.approx(338 / 989.4 * 6 * 37e9 / (338e12 / 1_297), rel=1e-12)
    assert hopper_6nd == pytest.approx(0.291019, rel=1e-5)
    hopper = pangu / (hopper_6nd / speedup)
    assert hopper == pytest.approx(0.782557, rel=1e-5)
    # the package's own conversion of the same row gives the same 6·N·D MFU on the FP8 peak 1,978.9:
    # 0.1708 × 2.22e11 / 2.60601e11 = 0.145500 = 0.291019 × 989.4 / 1,978.9 (0.1708 is 338 / 1,978.9 rounded)
    h100 = load("mfu_observations").loc["mbridge-h100-deepseekv3-fp8-1024", "mfu"]
    assert h100 == pytest.approx(0.145500, rel=1e-4) and h100 == pytest.approx(hopper_6nd * 989.4 / 1_978.9, rel=2e-4)
    # (2) MoE in the same precision: DeepSeek-V3 in BF16 on 256 GB200 (mfu_observations), 0.3128 as published, on
    # 6·N·D (both sides 6 · N · tokens/s) 0.3128 × 2.22e11 / (782e12 / 3,139) = 0.278743 = 6 × 37e9 × 3,139 / 2,500e12
    # to the table's rounding: 0.177938 / 0.278743 = 0.638356 (0.568854 against the published 0.3128, before)
    blackwell = pangu / load("mfu_observations").loc["mbridge-gb200-deepseekv3-bf16-256", "mfu"]
    assert blackwell == pytest.approx(0.638356, rel=1e-5)
    assert pangu / (6 * 37e9 * 3_139 / 2_500e12) == pytest.approx(0.638356, rel=1e-5)
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
    # base = median(0.782557, 0.638356, 1.0) = 0.782557 → 0.78 (before reading (1) was on 6·N·D: median(0.666641,
    # 0.568854, 1.0) = 0.67); low = 0.177938 / 0.40 (the dense reference, Llama 3's, basis not stated, kept as
    # published; the lowest reading) = 0.444844 → 0.44 (against NVIDIA's dense 6·N·D median 0.408782: 0.435291, also
    # 0.44); high = the dense reading, 1.0
    assert round(statistics.median([hopper, blackwell, dense]), 2) == huawei["mfu_factor"] == 0.78
    assert round(pangu / 0.40, 2) == round(pangu / nvidia, 2) == huawei["mfu_factor_low"] == 0.44
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
    # 0.070091, so in 6N terms 0.52 / 1.070091 = 0.485940. Against NVIDIA's dense 6·N·D median 0.408782 (reading (3))
    # it reaches the cap 1.0 on any peak of at least 0.408782 × 320 / 0.485940 = 269.19 TFLOP/s (280.33 against the
    # published 0.4257); on the catalog's 910B 320 it is 0.485940 / 0.408782 = 1.189 → 1.0, the dense reading as it
    # is: no peak is stated, so it is a check, not a reading
    share = 2 * 94 * 12_288 * 4_096 / 135e9
    assert share == pytest.approx(0.070091, rel=1e-5)
    mfu_6n = 0.52 / (1 + share)
    assert mfu_6n == pytest.approx(0.485940, rel=1e-5)
    assert 0.408782 * PEAK_910B / mfu_6n == pytest.approx(269.19, rel=1e-4)
    assert min(1.0, mfu_6n / 0.408782) == 1.0 == huawei["mfu_factor_high"]
    keys = huawei["source"].split(";")
    assert "pangu-ultra-report-2025" in keys and keys[0] == "pangu-ultra-moe-2025"


def test_megatron_bridge_counts_attention_logits_and_mtp_for_deepseek_v3():
    # What NVIDIA's "model TFLOP/s" count per token (megatron-bridge-flops: flop_utils.py transformer_flops, MLA
    # branch, identical from Oct 15 to Nov 26 2025), with DeepSeek-V3's shape (deepseek-v3-github-config):
    # d = 7,168, 61 layers (3 dense, FFN 18,432; 58 MoE, 8 routed + 1 shared expert of 2,048), 128 heads,
    # q_lora 1,536, kv_lora 512, qk 128, rope 64, v 128, s = 4,096 (both tables). Per layer, in 6 × (…):
    # q 1,536 × (7,168 + 128 × 192 + 1) = 48,760,320; kv 512 × (7,168 + 128 × 256 + 1) + 7,168 × 64 = 20,906,496;
    # o 128 × 128 × 7,168 = 117,440,512; causal core 4,096 × 128 × 192 / 2 + 4,096 × 128 × 128 / 2 = 83,886,080;
    # MLP 7,168 × 18,432 × 3 = 396,361,728 (dense) = 7,168 × (2,048 × 8 + 2,048) × 3 (MoE, the same);
    # layer = 6 × (48,760,320 + 20,906,496 + 117,440,512 + 83,886,080 + 396,361,728) = 6 × 667,355,136 =
    # 4,004,130,816.
    # GB200, 25.11, w/o MTP, TP 1: 61 layers + logits 6 × 7,168 × 129,280 = 5,560,074,240:
    # 61 × 4,004,130,816 + 5,560,074,240 = 249,812,054,016 against the table's 782e12 / 3,139 = 2.49124e11 (+0.28 %).
    # H100, 25.09, one MTP layer (a MoE layer, the layout's "m"), TP 2 (vocabulary padded to a multiple of 2,560:
    # 130,560): 62 × 4,004,130,816 + MTP 6 × (3 × 7,168 + 2 × 7,168²) = 616,691,712 + logits 6 × 7,168 × 130,560 × 2 =
    # 11,230,248,960: 260,103,051,264 against 338e12 / 1,297 = 2.60601e11 (−0.19 %). 6N = 6 × 37e9 = 2.22e11 is
    # 0.889 and 0.854 of them: both tables count attention (and logits, and on the H100 MTP), so each reading is put
    # on 6·N·D before it is compared
    layer = 6 * (48_760_320 + 20_906_496 + 117_440_512 + 83_886_080 + 396_361_728)
    assert layer == 4_004_130_816
    assert 1_536 * (7_168 + 128 * 192 + 1) == 48_760_320
    assert 512 * (7_168 + 128 * 256 + 1) + 7_168 * 64 == 20_906_496
    assert 4_096 * 128 * 192 // 2 + 4_096 * 128 * 128 // 2 == 83_886_080
    assert 7_168 * 18_432 * 3 == 7_168 * (2_048 * 8 + 2_048) * 3 == 396_361_728
    gb200 = 61 * layer + 6 * 7_168 * 129_280
    h100 = 62 * layer + 6 * (3 * 7_168 + 2 * 7_168**2) + 6 * 7_168 * 130_560 * 2
    assert (gb200, h100) == (249_812_054_016, 260_103_051_264)
    obs = load("mfu_observations")
    table = {
        row: obs.at[row, "model_tflops_per_chip"] * 1e12 / obs.at[row, "tokens_per_s_per_chip"]
        for row in ("mbridge-gb200-deepseekv3-bf16-256", "mbridge-h100-deepseekv3-fp8-1024")
    }
    assert gb200 / table["mbridge-gb200-deepseekv3-bf16-256"] - 1 == pytest.approx(0.0028, abs=2e-4)
    assert h100 / table["mbridge-h100-deepseekv3-fp8-1024"] - 1 == pytest.approx(-0.0019, abs=2e-4)
    assert 6 * 37e9 / gb200 == pytest.approx(0.8887, rel=1e-3) and 6 * 37e9 / h100 == pytest.approx(0.8535, rel=1e-3)
