"""Every published MFU on the package's one FLOP basis, 6·N·D (issue 19, "mixed MFU bases"; the rule
in the docstring of analysis/formulas/utilisation.py)."""

import pytest

from analysis.assembly import inputs
from analysis.catalog import load
from analysis.formulas import utilisation


def test_llm_foundry_counts_attention_on_top_of_6n():
    # MPT-7B, seq 2,048 (LLM Foundry's benchmark table; 32 layers, d_model 4,096): the README's formula
    # 6N + 12·l·d·s per token = 6 × 6.66e9 + 12 × 32 × 4,096 × 2,048 = 3.996e10 + 3,221,225,472 = 43,181,225,472
    flop = utilisation.source_flop_per_token("6nd+attn", active_params=6.66e9, n_layers=32, d_model=4096, seq_len=2048)
    assert flop == pytest.approx(43_181_225_472, rel=1e-12)
    # 46.44 % on 8 H100 on 6·N·D: 0.4644 × 3.996e10 / 43,181,225,472 = 0.4644 × 0.925402 = 0.429757
    assert utilisation.mfu_6nd(0.4644, active_params=6.66e9, source_flop_per_token=flop) == pytest.approx(
        0.429757, rel=1e-5
    )


def test_megatron_hfu_removes_recompute_attention_and_logits():
    # Narayanan et al. 2021, 1.7B (24 layers, h 2,304, seq 2,048, V 51,200), 44 % HFU: per token
    # 96·l·h² + 16·l·h·s + 6·h·V = 96 × 24 × 5,308,416 + 16 × 24 × 2,304 × 2,048 + 6 × 2,304 × 51,200
    # = 12,230,590,464 + 1,811,939,328 + 707,788,800 = 14,750,318,592
    flop = utilisation.source_flop_per_token(
        "megatron-hfu", active_params=1.7e9, n_layers=24, d_model=2304, seq_len=2048, vocab=51200
    )
    assert flop == 14_750_318_592
    # 0.44 × 6 × 1.7e9 / 14,750,318,592 = 0.44 × 0.691510 = 0.304265 (the 6/8 rule alone gave 0.33)
    assert utilisation.mfu_6nd(0.44, active_params=1.7e9, source_flop_per_token=flop) == pytest.approx(
        0.304265, rel=1e-5
    )


def test_megatron_model_flops_count_attention_and_logits():
    # Korthikanti et al. 2022, 175B (96 layers, h 12,288, seq 2,048, V 51,200), 51.4 % MFU: per token
    # 72 × 96 × 12,288² + 12 × 96 × 12,288 × 2,048 + 6 × 12,288 × 51,200
    # = 1,043,677,052,928 + 28,991,029,248 + 3,774,873,600 = 1,076,442,955,776
    flop = utilisation.source_flop_per_token(
        "megatron-model", active_params=1.75e11, n_layers=96, d_model=12288, seq_len=2048, vocab=51200
    )
    assert flop == 1_076_442_955_776
    # 0.514 × 1.05e12 / 1,076,442,955,776 = 0.514 × 0.975435 = 0.501374
    assert utilisation.mfu_6nd(0.514, active_params=1.75e11, source_flop_per_token=flop) == pytest.approx(
        0.501374, rel=1e-5
    )


def test_throughput_basis_reads_the_sources_own_count():
    # Megatron-Bridge, Llama 3.1 405B FP8 on 1,024 H100: 822 model TFLOP/s at 326 tokens/s per GPU:
    # F = 822e12 / 326 = 2.521472e12 FLOP/token against 6N = 2.43e12: 0.4154 × 2.43e12 / 2.521472e12 = 0.400330
    flop = utilisation.source_flop_per_token(
        "throughput", active_params=4.05e11, model_tflops_per_chip=822, tokens_per_s_per_chip=326
    )
    assert flop == pytest.approx(2.521472e12, rel=1e-6)
    assert utilisation.mfu_6nd(0.4154, active_params=4.05e11, source_flop_per_token=flop) == pytest.approx(
        0.400330, rel=1e-5
    )


def test_6nd_and_unconverted_keep_the_published_value():
    for basis in ("6nd", "unconverted"):
        flop = utilisation.source_flop_per_token(basis, active_params=4.05e11)
        assert utilisation.mfu_6nd(0.41, active_params=4.05e11, source_flop_per_token=flop) == pytest.approx(0.41)


def test_errors_name_the_bad_basis_and_the_allowed_ones_and_a_missing_shape():
    with pytest.raises(ValueError, match=r"unknown FLOP basis 'hfu'; allowed: 6nd, 6nd\+attn, megatron-model"):
        utilisation.source_flop_per_token("hfu", active_params=1e9)
    with pytest.raises(ValueError, match="needs seq_len"):
        utilisation.source_flop_per_token("6nd+attn", active_params=1e9, n_layers=24, d_model=2048)


def test_loaded_observations_are_on_6nd():
    obs = load("mfu_observations")
    # FlashAttention-2, GPT3-2.7B at 8k (32 layers, d 2,560): 6 × 2.7e9 + 12 × 32 × 2,560 × 8,192 = 1.62e10 +
    # 8,053,063,680 = 24,253,063,680; 0.72 × 1.62e10 / 24,253,063,680 = 0.72 × 0.667957 = 0.480929
    assert obs.loc["flashattention2-gpt3-2.7b", "mfu"] == pytest.approx(0.480929, rel=1e-5)
    assert obs.loc["flashattention2-gpt3-2.7b", "mfu_published"] == 0.72
    # PaLM and MT-NLG: the source's own figures without self-attention (45.7 %, 29.7 %)
    assert obs.loc["palm-540b", "mfu"] == 0.457 and obs.loc["mtnlg-530b-280-nodes", "mfu"] == 0.297
    # the flagged rows: basis not stated or shape not read; published value kept
    unconverted = obs[obs["flop_basis"] == "unconverted"]
    assert set(unconverted.index) == {
        "opt-175b",
        "tinyllama-1.1b",
        "nemotron4-340b-dp64",
        "llama3-405b-16k-gpus",
        "gopher-280b",
        "megatron2019-8.3b-512",
        "megatron2019-1.2b-1gpu",
        "maxtext-v5p-1160b-6144chips",
        "ernie45-300b-a47b",
        "llama4-behemoth",
    }
    assert unconverted["mfu"].to_numpy() == pytest.approx(unconverted["mfu_published"].to_numpy(), rel=1e-12)
    # no converted row moves up except where the source counts fewer FLOPs than 6·N (GPT-OSS: NVIDIA's count
    # 158e12 / 5,810 = 2.71945e10 < 6 × 5.1e9 = 3.06e10)
    up = obs[obs["mfu"] > obs["mfu_published"] + 1e-12]
    assert list(up.index) == ["mbridge-h100-gptoss-120b-bf16-64"]


def test_the_cap_is_on_6nd_and_leaves_out_rows_of_validation_cases():
    # Hopper BF16: LLM Foundry's MPT-7B on 8 H100 (0.4644 published, 0.429757 on 6·N·D) shares its code and
    # model with validation case mpt-7b-days: left out. The highest left is MPT-70B on 128 H100: 80 layers,
    # d 8,192, seq 2,048: F = 6 × 6.486e10 + 12 × 80 × 8,192 × 2,048 = 3.8916e11 + 16,106,127,360 =
    # 405,266,127,360; 0.4336 × 3.8916e11 / 405,266,127,360 = 0.4336 × 0.960258 = 0.416368 (before: 0.4644)
    assert inputs.mfu_ceiling(generation="hopper", precision="bf16") == (
        pytest.approx(0.416368, rel=1e-5),
        "llmfoundry-h100-70b-128",
        "hopper",
    )
    # a generation with fewer than 5 rows whose vendor has none either (CDNA 3, AMD) takes the highest BF16
    # anywhere: no longer FlashAttention-2's 0.72 (0.480929 on 6·N·D) but MaxText's 32B on 64 TPU v5p: 32
    # layers, width 8,192, seq 2,048:
    # F = 1.92e11 + 12 × 32 × 8,192 × 2,048 = 198,442,450,944; 0.7147 × 1.92e11 / F = 0.7147 × 0.967535 = 0.691497
    assert inputs.mfu_ceiling(generation="cdna3", precision="bf16") == (
        pytest.approx(0.691497, rel=1e-5),
        "maxtext-v5p-32b-64chips",
        "any chip",
    )
