"""One answer for a chip without FP8 running an FP8 workload: the achieved FP8 speed-up over BF16
from published same-chip pairs (data/fp8_speedups.csv), the MFU conversion that uses it
(compute.mfu_at_precision), and training_run and chip_parity agreeing on it (fast tier)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.assembly import chip_parity, training_run
from analysis.assembly import inputs as shared
from analysis.catalog import load, sources
from analysis.formulas import compute

FEW = {"draws": 400}  # the base point does not depend on them
# the four published pairs, FP8 / BF16 tokens/s per GPU (data/fp8_speedups.csv):
# DeepSeek-V3 on 256 GB300 4,357 / 3,848 = 1.132277; on 256 GB200 4,018 / 3,139 = 1.280025;
# Llama 3.1 8B on 8 H100 8,532 / 6,667 = 1.279736; on 128 H100 8,380 / 6,514 = 1.286460
PAIRS = sorted([4_357 / 3_848, 4_018 / 3_139, 8_532 / 6_667, 8_380 / 6_514])
# median of four: the mean of the middle two, (1.279736 + 1.280025) / 2 = 1.279881
MEDIAN = (8_532 / 6_667 + 4_018 / 3_139) / 2


def test_the_pairs_are_same_chip_same_model_and_from_primary_sources():
    pairs = load("fp8_speedups")
    assert len(pairs) >= 3
    assert not pairs.duplicated(["chip", "model", "gpus"]).any()
    assert_allclose(sorted(pairs["fp8_tokens_per_s_per_gpu"] / pairs["bf16_tokens_per_s_per_gpu"]), PAIRS, rtol=1e-12)
    # a default is set only from primary sources (DEVELOPERS.md): every pair's source is graded primary
    grades = sources()["grade"]
    assert {grades[k] for cell in pairs["source"] for k in cell.split(";")} == {"primary"}


def test_the_speedup_is_the_median_of_the_pairs_and_is_drawn_over_them():
    drawn, used = shared.fp8_speedup()
    assert_allclose(MEDIAN, 1.279881, rtol=1e-6)
    assert_allclose(drawn[1], MEDIAN, rtol=1e-12)  # the base point
    # four values: P10 and P90 of the empirical quantile function are the smallest and the largest
    assert_allclose((drawn[0], drawn[2]), (PAIRS[0], PAIRS[-1]), rtol=1e-12)
    assert used.value == pytest.approx(1.2799, abs=1e-4)
    assert used.source == "megatron-bridge-fp8-pairs;torchtitan-llama3-h100-2024"
    assert drawn[2] < 2.0  # well below the peak ratio the old rule assumed


def test_mfu_at_precision_by_hand():
    # DeepSeek-V3's 16.8 % of the H800's FP8 peak: 0.168 × 1,978.9 / 989.4 / 1.28 = 0.262511 of its BF16 peak
    assert_allclose(
        compute.mfu_at_precision(0.168, from_peak_tflops=1_978.9, to_peak_tflops=989.4, speedup=1.28),
        0.262511,
        rtol=1e-5,
    )
    # a speed-up equal to the peak ratio (1,978.9 / 989.4 = 2.000101) keeps the achieved rate: MFU unchanged
    assert_allclose(
        compute.mfu_at_precision(0.168, from_peak_tflops=1_978.9, to_peak_tflops=989.4, speedup=1_978.9 / 989.4),
        0.168,
        rtol=1e-12,
    )
    # and back: 0.262511 of the BF16 peak × 989.4 / 1,978.9 / (1 / 1.28) = 0.168 of the FP8 peak
    assert_allclose(
        compute.mfu_at_precision(0.262511, from_peak_tflops=989.4, to_peak_tflops=1_978.9, speedup=1 / 1.28),
        0.168,
        rtol=1e-5,
    )


@pytest.fixture(scope="module")
def deepseek():
    return training_run.run(**FEW)


def test_ascend_910c_deepseek_v3_hours_before_and_after(deepseek):
    # C = 6 × 37e9 × 14.8e12 = 3.2856e24 FLOP; the H800 at its FP8 peak gives back the disclosed 2.788 M hours.
    # The 910C (no FP8: BF16 peak 780 TFLOP/s, Huawei factor 0.78) at the run's MFU m (same goodput, same chips):
    # before, m of its BF16 peak: hours = 2.788e6 × 1,978.9 / (780 × 0.78 = 608.4) = 2.788e6 × 3.252630 = 9.0683 M;
    # after, m × 1,978.9 / 989.4 / 1.279881 of it: 2.788e6 × 989.4 × 1.279881 / 608.4 = 2.788e6 × 1,266.314 / 608.4
    # = 2.788e6 × 2.081384 = 5.8029 M GPU-hours at the base point (2.000101 / 1.279881 = 1.5627 times fewer)
    base = deepseek.base["gpu_hours"]
    assert_allclose(base["h800-sxm"], 2_788_000, rtol=1e-9)
    assert_allclose(base["ascend-910c"], 2_788_000 * 989.4 * MEDIAN / (780 * 0.78), rtol=1e-9)
    assert_allclose(base["ascend-910c"], 5.8029e6, rtol=1e-4)
    before = 2_788_000 * 1_978.9 / (780 * 0.78)
    assert_allclose(before, 9.0683e6, rtol=1e-4)
    assert base["ascend-910c"] < before / 1.5
    # its MFU: the H800's × 1,978.9 / 989.4 / 1.279881 × 0.78 (Huawei over NVIDIA)
    mfu = deepseek.base["mfu"]
    assert_allclose(mfu["ascend-910c"], mfu["h800-sxm"] * 1_978.9 / 989.4 / MEDIAN * 0.78, rtol=1e-9)
    # a chip with an FP8 peak is not converted: the H20's hours are the H800's × 1,978.9 / 296
    assert_allclose(base["h20"], 2_788_000 * 1_978.9 / 296, rtol=1e-9)
    assert deepseek.inputs.used["fp8_speedup"].source == "megatron-bridge-fp8-pairs;torchtitan-llama3-h100-2024"


def test_chip_parity_at_fp8_gives_training_runs_ratio_and_at_bf16_differs_by_the_speedup(deepseek):
    # chip_parity in FP8: the H100's 0.40 of its FP8 peak, the 910C's 0.40 × 1,978.9 / 989.4 / 1.279881 × 0.78
    # of its BF16 peak: 1,978.9 × 0.40 / (780 × 0.40 × 2.000101 / 1.279881 × 0.78) = 989.4 × 1.279881 / 608.4
    # = 2.081384 910C per H100, the 910C / H800 GPU-hours of training_run (the H800 and H100 share FP8 peaks)
    fp8 = chip_parity.run(candidates=["ascend-910c", "a800-sxm-80gb"], precision="fp8", **FEW).base["per_reference"]
    bf16 = chip_parity.run(candidates=["ascend-910c", "a800-sxm-80gb"], **FEW).base["per_reference"]
    hours = deepseek.base["gpu_hours"]
    assert_allclose(fp8["ascend-910c"], 989.4 * MEDIAN / 608.4, rtol=1e-9)
    for chip in ("ascend-910c", "a800-sxm-80gb"):
        assert_allclose(fp8[chip], hours[chip] / hours["h800-sxm"], rtol=1e-9)
        # BF16: both chips train in BF16, 989.4 / (780 × 0.78) = 1.626233 for the 910C: smaller by the speed-up
        assert_allclose(fp8[chip] / bf16[chip], MEDIAN, rtol=1e-9)
    assert_allclose(bf16["ascend-910c"], 989.4 / 608.4, rtol=1e-9)


def test_a_run_measured_on_a_chip_without_fp8_converts_the_other_way():
    # an FP8 run whose MFU 0.3 is given on the 910C (its BF16 peak): the H100 (FP8 peak 1,978.9, BF16 989.4)
    # gets 0.3 × 989.4 / 1,978.9 × 1.279881 / 0.78 (NVIDIA over Huawei) = 0.246118 of its FP8 peak
    r = training_run.run(chip="ascend-910c", mfu=0.3, **FEW)
    assert_allclose(r.base.loc["h100-sxm", "mfu"], 0.3 * 989.4 / 1_978.9 * MEDIAN / 0.78, rtol=1e-9)
    assert_allclose(r.base.loc["h100-sxm", "mfu"], 0.246118, rtol=1e-5)
    assert_allclose(r.base.loc["ascend-910b", "mfu"], 0.3, rtol=1e-9)  # both without FP8: no conversion


def test_a_bf16_run_draws_no_speedup():
    r = training_run.run(run="llama-3.1-405b", **FEW)
    assert "fp8_speedup" not in r.inputs.used and "fp8_speedup" not in r.inputs.ranges
    c = chip_parity.run(candidates=["ascend-910c"], **FEW)
    assert "fp8_speedup" not in c.inputs.used
    factors = shared.precision_factor(r.inputs.chips, "h100-sxm", precision="bf16", speedup=np.array([1.28]))
    assert (factors == 1.0).all()


def test_the_move_of_an_mfu_between_chips_worked_by_hand():
    """data/mfu_transfers.csv: the MFU of one model and software on two chips at the same GPU count
    where the source has it (data/mfu_observations.csv, on 6·N·D), A100 -> H100 (LLM Foundry, both on 8
    GPUs) 0.4644 / 0.6423 = 0.723027 and (both on 64) 0.4257 / 0.5333 = 0.798237 as published, and the
    same on 6·N·D: one model at one sequence length, one conversion factor on both sides (before: the
    H100 rows on 512 GPUs, 0.4220 / 0.6423 = 0.657014 and 0.4125 / 0.5333 = 0.773486); H100 -> GB200
    (Megatron-Bridge, Llama 3.1 405B FP8) 0.4258 / 0.4154 = 1.025036 as published, on 6·N·D (each × 6N
    ÷ NVIDIA's TFLOP/s per token) × (822e12 / 326) / (2,129e12 / 843) = × 0.998404: 1.023400; H100 ->
    B200 (DeepSeek-V3) 0.1920 / 0.1708 = 1.124122, × (338e12 / 1,297) / (864e12 / 3,328) = × 1.003798:
    1.128391. With their inverses (1.383075, 1.252760, 0.977135, 0.886218) the median is (0.977135 +
    1.023400) / 2 = 1.000268, and over it the range runs 0.723027 / 1.000268 = 0.722833 to 1.383075 /
    1.000268 = 1.382705 with median 1 (before the one basis 0.722806-1.382652; before the equal counts
    0.656813-1.521573)."""
    from analysis.assembly import inputs as shared

    pairs = load("mfu_transfers")
    assert list(pairs["to_obs"][:2]) == ["llmfoundry-h100-7b-8", "llmfoundry-h100-70b-64"]
    drawn, used = shared.mfu_transfer()
    ratios = np.array(
        [
            0.4644 / 0.6423,
            0.4257 / 0.5333,
            0.4258 / 0.4154 * (822e12 / 326) / (2_129e12 / 843),
            0.1920 / 0.1708 * (338e12 / 1_297) / (864e12 / 3_328),
        ]
    )
    assert_allclose(ratios, [0.723027, 0.798237, 1.023400, 1.128391], atol=1e-6)
    assert_allclose(1 / ratios, [1.383075, 1.252760, 0.977135, 0.886218], atol=1e-6)
    assert_allclose(tuple(drawn), (0.722833, 1.0, 1.382705), atol=1e-6)
    assert used.value == 1.0 and used.source == "llmfoundry-benchmarks;megatron-bridge-perf"


def test_a_chip_whose_fp8_peak_equals_its_bf16_peak_is_a_chip_without_fp8():
    # chips.csv: TPU v5p FP8 459 = BF16 459, Trainium1 190 = 190 ("FP8 runs at the BF16 rate"); H100 1,978.9 > 989.4
    chips = load("chips").loc[["h100-sxm", "tpu-v5p", "trainium1", "a100-sxm-80gb"]]
    assert compute.has_precision(chips, "fp8").tolist() == [True, False, False, False]
    assert compute.has_precision(chips, "bf16").all()
    assert compute.peak_tflops(chips, "fp8").tolist() == [1_978.9, 459.0, 190.0, 312.0]
    frame = shared.chips(["h100-sxm", "tpu-v5p", "trainium1", "a100-sxm-80gb"], precision="fp8")
    assert frame["peak_precision"].tolist() == ["FP8", "BF16", "BF16", "BF16"]
    words = "A100 SXM: no sourced FP8 peak; TPU v5p, AWS Trainium: FP8 at the BF16 rate"
    assert shared.lacking_words(frame, "fp8") == words
    with pytest.raises(ValueError, match="'fp4' is not one of bf16, fp8"):
        compute.has_precision(chips, "fp4")


def test_deepseek_v3_on_tpu_v5p_takes_fewer_gpu_hours_than_on_the_a100(deepseek):
    # The H800's FP8 MFU m goes to a chip without a faster FP8 peak as m × 1,978.9 / 989.4 / 1.279881 of its
    # BF16 peak (Google and NVIDIA factors 1, scaling ratios 1 at the base point), so
    # hours = 2.788e6 × 1,978.9 m / (peak_BF16 × m × 1,978.9 / 989.4 / 1.279881) = 2.788e6 × 989.4 × 1.279881 / peak:
    # TPU v5p 2.788e6 × 1,266.3 / 459 = 7.6917 M, A100 2.788e6 × 1,266.3 / 312 = 11.3157 M, Trainium1 / 190 = 18.581 M.
    # Before, v5p and Trainium1 kept m of their (equal) FP8 peak: 2.788e6 × 1,978.9 / 459 = 12.020 M for the v5p,
    # more than the A100's 11.3 M though its BF16 peak is 459 / 312 = 1.47 times the A100's.
    hours = deepseek.base["gpu_hours"]
    for chip, peak in (("tpu-v5p", 459), ("a100-sxm-80gb", 312), ("trainium1", 190)):
        assert_allclose(hours[chip], 2_788_000 * 989.4 * MEDIAN / peak, rtol=1e-9)
    assert_allclose(hours["tpu-v5p"], 7.6917e6, rtol=1e-4)
    assert hours["tpu-v5p"] < hours["a100-sxm-80gb"]
    assert deepseek.p50.loc["tpu-v5p", "gpu_hours"] < deepseek.p50.loc["a100-sxm-80gb", "gpu_hours"]
    assert "TPU v5p, AWS Trainium: FP8 at the BF16 rate" in training_run.precision_note(deepseek)


def test_chip_parity_at_fp8_carries_the_reference_mfu_to_the_tpu_v5p_through_bf16():
    # 1,978.9 × 0.40 / (459 × 0.40 × 1,978.9 / 989.4 / 1.279881) = 989.4 × 1.279881 / 459 = 2.758854 v5p per H100
    # (before: 1,978.9 / 459 = 4.311329, more than the A100's 989.4 × 1.279881 / 312 = 4.058699)
    r = chip_parity.run(candidates=["tpu-v5p", "a100-sxm-80gb"], precision="fp8", **FEW)
    per = r.base["per_reference"]
    assert_allclose(per["tpu-v5p"], 989.4 * MEDIAN / 459, rtol=1e-9)
    assert_allclose(per["tpu-v5p"], 2.758854, rtol=1e-6)
    assert per["tpu-v5p"] < per["a100-sxm-80gb"]
    assert "TPU v5p: FP8 at the BF16 rate" in chip_parity._precision_method(r.inputs)
