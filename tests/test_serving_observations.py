"""The serving utilisation from published dispersion (data/serving_observations.csv,
analysis/formulas/serving_utilisation.py, analysis/assembly/serving_observations.py): implied
shares worked by hand from the sources, percentiles of a tiny table by hand, the fit data disjoint
from the validation cases, and the Monte Carlo drawing from the observations."""

import numpy as np
import pytest
from conftest import edit_cell
from numpy.testing import assert_allclose

from analysis.assembly import inference_cost, serving_observations, validation, validation_cases
from analysis.catalog import keys_in, load
from analysis.formulas import serving_utilisation as formula
from analysis.formulas import uncertainty


def test_a_tiny_table_gives_its_percentiles_by_hand():
    # 5 shares 0.5, 0.1, 0.3, 0.2, 0.4: sorted 0.1 … 0.5; inverted-CDF percentiles of 5 values:
    # P10 = the 1st (10 % of 5 = 0.5 -> the 1st value), P50 = the 3rd (2.5 -> 3rd), P90 = the 5th (4.5 -> 5th)
    prior = formula.prior([0.5, 0.1, 0.3, 0.2, 0.4], ["e", "a", "c", "b", "d"])
    assert (prior.p10, prior.p50, prior.p90) == (0.1, 0.3, 0.5)
    assert prior.obs_ids == ("a", "b", "c", "d", "e")
    # draws come from the observations: plotting positions i / 6, so Q(0.5) = 0.3 and the draws stay in [0.1, 0.5]
    sampler = prior.sampler()
    assert isinstance(sampler, uncertainty.Empirical) and sampler[1] == pytest.approx(0.3)
    drawn = uncertainty.draw({"mfu": sampler}, 1_000, 0)["mfu"]
    assert drawn.min() >= 0.1 and drawn.max() <= 0.5
    # rescaled to a median of 0.6: each value × 0.6 / 0.3 = × 2, capped at 1 -> 0.2, 0.4, 0.6, 0.8, 1.0
    assert_allclose(prior.sampler(0.6).values, [0.2, 0.4, 0.6, 0.8, 1.0])
    with pytest.raises(ValueError, match="at least one"):
        formula.prior([], [])


def test_prefill_share_worked_by_hand_from_sglang():
    # lmsys-sglang-large-scale-ep: 54,543 input tokens/s per 8-H100 node at 2,000-token prompts -> 6,817.875
    # per GPU. Model at utilisation 1: matmuls 2 × 37e9 / 1,978.9e12 = 3.73945e-5 s; attention over the mean
    # 1,000 attended tokens 2 × 61 × 128 × (192 + 128) × 1,000 = 4.99712e9 FLOP / 989.4e12 = 5.05066e-6 s;
    # 1 / 4.24452e-5 s = 23,559.8 tokens/s; share 6,817.875 / 23,559.8 = 0.289386
    rows = serving_observations.implied()
    assert_allclose(rows.loc["sglang-h100-prefill-2k", "implied_utilisation"], 0.289386, rtol=1e-5)
    assert_allclose(formula.compute_share(6_817.875, 23_559.8), 0.289386, rtol=1e-5)


def test_implied_shares_follow_an_edit_of_the_data_and_each_call_gets_its_own_copy(data_copy, monkeypatch):
    """Kept per version of the data (catalog.per_data), not once per process: doubling the SGLang
    2K prefill rate (6,817.875 -> 13,635.75 tokens/s per GPU) doubles its share, 2 x 0.289386 =
    0.578772 (worked above); a caller's edit of the returned frame never reaches the next call."""
    from analysis import catalog

    row, share = "sglang-h100-prefill-2k", "implied_utilisation"
    monkeypatch.setattr(catalog, "DATA_DIR", data_copy)
    catalog._load_all.cache_clear()
    rows = serving_observations.implied()
    rows.loc[row, share] = 9.0
    assert_allclose(serving_observations.implied().loc[row, share], 0.289386, rtol=1e-5)
    edit_cell(data_copy / "serving_observations.csv", row, "tokens_per_s_per_chip", "13635.75")
    catalog._load_all.cache_clear()  # the catalog reads data/ once per process; a new kernel reads it again
    assert_allclose(serving_observations.implied().loc[row, share], 0.578772, rtol=1e-5)
    catalog._load_all.cache_clear()


def test_decode_share_worked_by_hand_from_sglang_h200():
    # lmsys-sglang-mtp-h200: 60.4 output tokens/s per H200 rank, 2 requests per rank on 16 ranks -> batch 32,
    # context 65,536 + 4,096 / 2 = 67,584. Bytes per step (FP8, 1 byte per weight): experts touched per MoE
    # layer 256 × (1 − (1 − 8/256)^32) = 163.314; weights 17,091,229,184 + 58 × 163.314 × 44,040,192
    # = 434,248,870,835; KV 32 × 67,584 × 70,272 = 151,976,411,136; total 586,225,281,971 B.
    # share = 60.4 × 586,225,281,971 / (32 × 4.8e12) = 0.230521
    assert_allclose(
        formula.hbm_share(60.4, bytes_per_step=586_225_281_971, batch_size=32, hbm_bandwidth_tb_s=4.8),
        0.230521,
        rtol=1e-5,
    )
    rows = serving_observations.implied()
    assert_allclose(rows.loc["sglang-h200-decode-b2-overlap", "implied_utilisation"], 0.230521, rtol=1e-5)


def test_the_default_is_the_median_and_the_monte_carlo_draws_the_observations():
    prior = serving_observations.prior()
    # usable prefill shares (by hand, see test_inference_cost): H100 1K 0.28779, 2K 0.28939, 4K 0.30017,
    # GB200 0.31029, H20 0.65825 -> median the 3rd, 0.30017; with 5 values P10 / P90 are the extremes
    assert_allclose(prior.values, [0.28779, 0.28939, 0.30017, 0.31029, 0.65825], atol=1e-5)
    assert_allclose((prior.p10, prior.p50, prior.p90), (0.28779, 0.30017, 0.65825), atol=1e-5)
    assert inference_cost.serving_setting("mfu", None).value == prior.p50
    ranges = inference_cost.inputs(chips=["h100-sxm"], draws=100).ranges
    assert_allclose(ranges["mfu"].values, prior.values)
    # the HBM efficiency keeps its assumed 0.6, drawn between published decode bandwidth shares: low = SGLang
    # H200 without overlap, 51.0 × 586,225,281,971 B / (32 × 4.8e12 B/s) = 0.194645 (the bytes of
    # test_decode_share_worked_by_hand_from_sglang_h200); high = FlashMLA's 3,000 GB/s / 3,350 GB/s (H800) = 0.895522
    assert_allclose(ranges["hbm_efficiency"], (0.194645, 0.6, 0.895522), atol=1e-6)
    # a reader's 0.8 moves both ends by 0.8 / 0.6: 0.194645 × 4/3 = 0.259527 and min(1, 0.895522 × 4/3 = 1.19) = 1
    assert_allclose(inference_cost.hbm_range(0.8), (0.259527, 0.8, 1.0), atol=1e-6)
    assert not hasattr(inference_cost, "SERVING_SPREAD")  # no assumed ±25 % any more


def test_decode_batches_per_replica_by_hand():
    rows = serving_observations.decode_batches()
    # per chip × chips per replica, from each source's setup:
    # DeepSeek online 1,850 / 21 = 88.1 per GPU × 144 (EP144) = 12,686.4; DeepSeek profile 128 × 128 (EP128) = 16,384;
    # SGLang H100 256 × 72 (EP72) = 18,432; SGLang GB200 1,408 × 48 = 67,584; Ant Group H20 48, 32, 12 × 16 = 768,
    # 512, 192; CloudMatrix 96 × 160 = 15,360; SGLang H200 MTP 2 × 16 = 32 (excluded: a low-concurrency benchmark)
    expected = {
        "deepseek-h800-online": 12_686.4,
        "deepseek-h800-profile": 16_384,
        "sglang-h100-ep72": 18_432,
        "sglang-gb200-ep48": 67_584,
        "antgroup-h20-base": 768,
        "antgroup-h20-pro": 512,
        "antgroup-h20-max": 192,
        "cloudmatrix-910c-decode": 15_360,
        "sglang-h200-mtp-b2": 32,
    }
    assert_allclose(rows.loc[list(expected), "batch_per_replica"], list(expected.values()))
    assert not rows.loc["sglang-h200-mtp-b2", "usable"] and rows["usable"].sum() == 8
    # DeepSeek's per-GPU batch is its disclosed 1,850 tokens/s per GPU over the midpoint of 20-22 tokens/s per user
    per_gpu = inference_cost.reference_value("deepseek-serving-decode-per-h800") / 21
    assert rows.loc["deepseek-h800-online", "batch_per_chip"] == pytest.approx(per_gpu, abs=0.05)


def test_the_default_batch_is_the_median_and_the_monte_carlo_draws_the_published_batches():
    prior = serving_observations.batch_prior()
    # 8 usable batches sorted: 192, 512, 768, 12,686.4, 15,360, 16,384, 18,432, 67,584; with plotting positions
    # i / 9 the median is the mean of the 4th and 5th, (12,686.4 + 15,360) / 2 = 14,023.2; P10 / P90: the extremes
    assert_allclose(prior.values, [192, 512, 768, 12_686.4, 15_360, 16_384, 18_432, 67_584])
    assert_allclose(tuple(prior.sampler()), (192, 14_023.2, 67_584))
    assert inference_cost.serving_setting("batch_size", None).value == pytest.approx(14_023.2)
    ranges = inference_cost.inputs(chips=["h100-sxm"], draws=100).ranges
    drawn = uncertainty.draw({"batch_size": ranges["batch_size"]}, 2_000, 0)["batch_size"]
    assert drawn.min() >= 192 and drawn.max() <= 67_584 and drawn.min() < 1_000 < 20_000 < drawn.max()
    # a reader's batch is a known deployment: not drawn
    assert inference_cost.inputs(chips=["h100-sxm"], batch_size=64, draws=100).ranges["batch_size"] == (64, 64, 64)
    # a case that exercises the default is judged against the batches of other deployments: without GB200 Part II
    # (67,584) the 7 left give the 4th, 12,686.4
    without = serving_observations.batch_prior(["sglang-gb200-decode"])
    assert "sglang-gb200-ep48" not in without.obs_ids and without.sampler()[1] == pytest.approx(12_686.4)


def test_excluded_rows_are_listed_but_not_used():
    rows = serving_observations.implied()
    assert not rows.loc["sglang-h100-prefill-4k-perfect-eplb", "usable"]  # an idealisation
    assert not rows.loc["antgroup-h20-decode-b48", "usable"]  # speculative decoding
    assert np.isnan(rows.loc["sglang-gb200-decode-2k", "implied_utilisation"])  # no batch
    assert set(serving_observations.prior().obs_ids) == set(rows.index[rows["usable"] & (rows["phase"] == "prefill")])


def test_fit_data_are_disjoint_from_the_validation_cases():
    # no observation the priors use measures a validation case's quantity: same source, chip and phase (prefill /
    # decode); SGLang's GB200 Part II decode row is excluded (its batch is the FP8 KV cache's), and the GB200
    # decode case cites Part II in its miss reason
    cases = load("validation_cases")
    serving = cases[cases["method"].isin(["inference_cost.prefill", "inference_cost.decode"])]
    observed = load("serving_observations")
    fit = observed["excluded"].fillna("").astype(str).str.strip() == ""  # an excluded row is no fit data
    chips = {"case=deepseek-h800": "h800-sxm", "case=cloudmatrix-910c": "ascend-910c"}
    for case_id, case in serving.iterrows():
        setup = case["setup"]
        chip = chips.get(setup.split(";")[0].strip()) or setup.split("chip=")[1].split(";")[0].strip()
        phase = case["method"].split(".")[1]
        for obs_id, row in observed.iterrows():
            same = chip == row["chip_id"] and phase == row["phase"] and fit[obs_id]
            shared_source = set(case["source"].split(";")) & set(keys_in(observed.loc[[obs_id], ["source"]]))
            assert not (same and shared_source), (case_id, obs_id)
        # and no observation's figure is the case's measurement
        assert not np.isclose(observed["tokens_per_s_per_chip"], case["measured"]).any(), case_id


def test_decode_cases_enter_a_disclosed_batch_or_exercise_the_default():
    # a decode case whose source discloses its batch enters that row of decode_batches.csv and does not list
    # decode_batch; the row names the case in validation_overlap. A case without one lists decode_batch.
    cases = load("validation_cases")
    batches = serving_observations.decode_batches()
    named = {"case=deepseek-h800": "deepseek-h800-online", "case=cloudmatrix-910c": "cloudmatrix-910c-decode"}
    decode = cases[cases["method"].isin(["inference_cost.decode", "inference_cost.daily_cost"])]
    assert len(decode) == 5
    for case_id, case in decode.iterrows():
        setup = validation_cases.parse_setup(case["setup"])
        row = named.get(f"case={setup.get('case')}", setup.get("batch"))
        exercised = validation.exercised(case["exercised_defaults"])
        assert (row is None) == ("decode_batch" in exercised), case_id
        if row is not None:
            assert case_id in batches.loc[row, "validation_overlap"].split(";"), (case_id, row)
            assert validation_cases.serving_setup(setup).batch_size == batches.loc[row, "batch_per_replica"]
    # and every overlap a row names is a case
    for cell in batches["validation_overlap"]:
        assert {c for c in str(cell).split(";") if c} <= set(cases.index), cell
    # DeepSeek's decode and its day no longer exercise the default batch; GB200's decode (batch undisclosed) does
    assert "decode_batch" not in validation.exercised(cases.loc["deepseek-serving-decode", "exercised_defaults"])
    assert "decode_batch" not in validation.exercised(cases.loc["deepseek-serving-daily-cost", "exercised_defaults"])
    assert "decode_batch" in validation.exercised(cases.loc["sglang-gb200-decode", "exercised_defaults"])


def test_the_validation_report_lists_the_decode_batches():
    table = validation.decode_batches_table()
    # every row, the excluded one marked; per replica as worked above (88.1 × 144 = 12,686.4 -> "12,686")
    assert list(table.index) == list(load("decode_batches").index)
    assert table.loc["deepseek-h800-online", "per replica"] == "12,686"
    assert table.loc["sglang-h200-mtp-b2", "used"] == "no" and (table["used"] == "yes").sum() == 8
    text = validation.decode_batches_text()
    # the median (12,686.4 + 15,360) / 2 = 14,023.2 and the extremes 192 and 67,584 of the 8 usable batches
    assert "8 published deployments (14,023 sequences; 192 to 67,584)" in text and "sglang-h200-mtp-b2" in text


def test_decode_utilisation_worked_by_hand():
    rows = serving_observations.decode_implied()
    # nvidia-trtllm-perf-overview: DeepSeek R1 (V3 architecture) on 8 H200 (DEP8), FP8, ISL/OSL 1,024/32,768,
    # 438 output tokens/s per GPU. At utilisation 1 (FP8 1,978.9, BF16 989.4 TFLOP/s): a prefill token
    # 2 × 37e9 / 1,978.9e12 = 3.73945e-5 s + attention over 512 tokens 2 × 61 × 128 × 320 × 512 = 2.55853e9 FLOP
    # / 989.4e12 = 2.58594e-6 s = 3.99804e-5 s; a decode token at 1,024 + 32,768 / 2 = 17,408 tokens of context
    # 3.73945e-5 + 2 × 61 × 128 × 1,088 × 17,408 = 2.95768e11 FLOP / 989.4e12 = 2.98937e-4 -> 3.36332e-4 s.
    # A request: 1,024 × 3.99804e-5 + 32,768 × 3.36332e-4 = 11.0619 s for 32,768 outputs = 3.37581e-4 s each;
    # share = 438 × 3.37581e-4 = 0.147860
    assert_allclose(rows.loc["trtllm-h200-dsr1-1024-32768", "implied_utilisation"], 0.147860, rtol=1e-4)
    assert_allclose(
        formula.request_compute_share(
            438, input_tokens=1_024, output_tokens=32_768, prefill_at_full=1 / 3.99804e-5, decode_at_full=1 / 3.36332e-4
        ),
        0.147860,
        rtol=1e-4,
    )
    # oracle-oci-mi300x-llama405b: Llama 3.1 405B FP8 on 8 MI300X (FP8 2,614.9, BF16 1,307.4), batch 256,
    # 128 + 128 tokens, 1,846 tokens/s / 8 = 230.75 per GPU. Prefill token 2 × 405e9 / 2,614.9e12 = 3.09763e-4 s
    # + 2 × 126 × 128 × 256 × 64 = 5.28482e8 FLOP / 1,307.4e12 = 4.04224e-7 s; decode token at 192 of context
    # 3.09763e-4 + 1.58545e9 / 1,307.4e12 = 1.21267e-6 s; per output token 3.10167e-4 + 3.10976e-4 = 6.21143e-4 s;
    # share = 230.75 × 6.21143e-4 = 0.143329
    assert_allclose(rows.loc["oci-mi300x-405b-b256", "implied_utilisation"], 0.143329, rtol=1e-4)
    # an offline run's batch is the one the KV cache holds: 8 × 141 GB × 0.9 = 1,015.2 GB less 671 GB of FP8
    # weights = 344.2 GB over an FP8 KV cache of 35,136 B × (1,000 + 1,000 / 2) tokens = 52.704 MB -> 6,530
    assert rows.loc["trtllm-h200-dsr1-1000-1000", "batch"] == 6_530


def test_decode_observations_count_only_where_compute_binds():
    rows = serving_observations.decode_implied()
    # Oracle's MI300X at the serving defaults (utilisation 0.300166, HBM efficiency 0.6 of 5.3 TB/s = 3.18e12 B/s):
    # batch 128: memory (405e9 + 516,096 × 192 × 128 = 1.26836e10) B / 3.18e12 = 0.131347 s per step against
    # compute 128 × 3.10976e-4 / 0.300166 = 0.132609 s: compute binds (usable); batch 64: memory
    # (405e9 + 516,096 × 192 × 64 = 6.34179e9) / 3.18e12 = 0.129353 s against compute 0.066305 s: memory binds
    # (not usable)
    assert rows.loc["oci-mi300x-405b-b128", "compute_bound"] and rows.loc["oci-mi300x-405b-b128", "usable"]
    assert not rows.loc["oci-mi300x-405b-b64", "compute_bound"] and not rows.loc["oci-mi300x-405b-b64", "usable"]
    # excluded rows stay listed, never used: a repeated setup, an undisclosed batch
    assert (
        not rows.loc["trtllm-h200-dsr1-1024-1024", "usable"] and rows.loc["trtllm-h200-dsr1-1024-1024", "compute_bound"]
    )
    assert not rows.loc["oci-mi300x-405b-tput-128-2048", "usable"]
    assert set(serving_observations.decode_rows()) == set(rows.index[rows["usable"]])
    # the prior counts setups, not rows (one setup = one observation)
    assert set(serving_observations.decode_prior().obs_ids) == set(rows.loc[rows["usable"], "setup"])


def test_decode_utilisation_is_the_median_of_the_decode_setups(monkeypatch):
    setups = serving_observations.decode_setups()
    # one observation per setup, the median of its usable points (worked above and in the rows):
    # Oracle MI300X 405B: b128 0.123064, b256 0.143329 -> (0.123064 + 0.143329) / 2 = 0.1331965;
    # TensorRT-LLM DeepSeek R1 H200: 0.147859, 0.158722, 0.167699 -> 0.158722;
    # TensorRT-LLM 405B H100 TP8: 128/2048 0.241168, 500/2000 0.261951, 1000/1000 0.304791, 128/128 0.372118
    # -> (0.261951 + 0.304791) / 2 = 0.283371; 405B H200 TP8, 7 points -> the 4th, 500/2000 0.309829
    # (each point by the equations of the two tests around this one; e.g. H100 500/2000 at 499.25 tokens/s per GPU:
    # 499.25 × (500 × 4.114048e-4 + 2,000 × 4.218373e-4) / 2,000 = 0.261951, H100's dense peaks equal to H200's;
    # 1000/1000 at 364.875: prefill 2 × 405e9 / 1,978.9e12 + 2 × 126 × 128 × 256 × 500 / 989.4e12 = 4.134913e-4 s,
    # decode at 1,500 of context 4.218373e-4 s -> 364.875 × (4.134913e-4 + 4.218373e-4) = 0.304791)
    expected = {
        "oci-mi300x-405b-tp8": 0.1331965,
        "trtllm-h200-dsr1-dep8": 0.158722,
        "trtllm-v1-h100-405b-tp8": 0.283371,
        "trtllm-v1-h200-405b-tp8": 0.309829,
    }
    assert_allclose(setups.loc[list(expected), "implied_utilisation"], list(expected.values()), atol=1e-6)
    assert list(setups.loc[list(expected), "points"]) == [2, 3, 4, 7]
    prior = serving_observations.decode_prior()
    assert_allclose(prior.values, sorted(expected.values()), atol=1e-6)
    # 4 setups from 3 source keys: the pre-registered rule (at least 4 from 2) holds
    assert serving_observations.decode_adopted()
    # the median of an even count is the mean of the middle two, (0.158722 + 0.283371) / 2 = 0.2210465 — the
    # median of the Monte Carlo's draws (Empirical); P10 / P90 are the extremes with fewer than ten values
    assert_allclose((prior.p10, prior.median, prior.p90), (0.1331965, 0.2210465, 0.309829), atol=1e-6)
    used = inference_cost.serving_setting("decode_mfu", None)
    assert used.value == prior.median and used.source == "decode-observations"
    ranges = inference_cost.inputs(chips=["h100-sxm"], draws=100).ranges
    assert_allclose(ranges["decode_mfu"].values, prior.values)
    assert ranges["decode_mfu"][1] == pytest.approx(used.value)  # the draws' median is the base point
    assert list(ranges)[:4] == ["mfu", "hbm_efficiency", "batch_size", "decode_mfu"]  # chip_parity draws the same
    # with fewer than 4 setups (or one source) decode keeps the prefill utilisation, drawn as prefill's
    rows = serving_observations.decode_implied()
    monkeypatch.setattr(
        serving_observations, "decode_implied", lambda: rows[rows["source"] != "oracle-oci-mi300x-llama405b"]
    )
    assert not serving_observations.decode_adopted()
    assert inference_cost.serving_setting("decode_mfu", None) == inference_cost.serving_setting("mfu", None)
    assert_allclose(inference_cost.decode_range(0.3).values, inference_cost.serving_range(0.3).values)


def test_a_new_vendor_row_worked_by_hand():
    # trtllm-perf-overview-405b: Llama 3.1 405B FP8 on 8 H200 (TP8), ISL/OSL 500/2000, 4,724 output tokens/s of
    # the 8 GPUs -> 590.5 per GPU. At utilisation 1 (FP8 1,978.9, BF16 989.4 TFLOP/s): a prefill token
    # 2 × 405e9 / 1,978.9e12 = 4.093183e-4 s + attention over 250 tokens 2 × 126 × 128 × 256 × 250 = 2.064384e9 FLOP
    # / 989.4e12 = 2.086500e-6 s = 4.114048e-4 s; a decode token at 500 + 2,000 / 2 = 1,500 tokens of context
    # 4.093183e-4 + 1.2386304e10 / 989.4e12 = 1.251901e-5 -> 4.218373e-4 s. A request: 500 × 4.114048e-4 +
    # 2,000 × 4.218373e-4 = 1.049377 s for 2,000 outputs = 5.246885e-4 s each; share = 590.5 × 5.246885e-4 = 0.309829
    rows = serving_observations.decode_implied()
    assert rows.loc["trtllm-v1-h200-405b-500-2000", "output_tokens_per_s_per_chip"] == 4_724 / 8
    assert_allclose(rows.loc["trtllm-v1-h200-405b-500-2000", "implied_utilisation"], 0.309829, rtol=1e-5)
    # its offline batch is what the KV cache holds: 8 × 141 GB × 0.9 = 1,015.2 GB less 405 GB of FP8 weights
    # = 610.2 GB over a 16-bit KV cache of 516,096 B × 1,500 tokens = 774.144 MB -> 788
    assert rows.loc["trtllm-v1-h200-405b-500-2000", "batch"] == 788
    assert rows.loc["trtllm-v1-h200-405b-500-2000", "usable"]
    # more input than output tokens: listed, never used (the share would be mostly prefill's)
    assert not rows.loc["trtllm-v1-h200-405b-2048-128", "decode_dominated"]
    assert not rows.loc["trtllm-v1-h200-405b-2048-128", "usable"]


def test_mlperf_rows_are_listed_with_why_they_cannot_count():
    rows = serving_observations.decode_implied()
    mlperf = rows[rows.index.str.startswith("mlperf-")]
    # per round, benchmark and catalogued chip the best result per accelerator: v5.1 llama2-70b on H200, Dell
    # XE9680 (8 × H200-SXM), 35,316.7 tokens/s / 8 = 4,414.59 per GPU; 294.45 output tokens per sample (MLCommons)
    assert rows.loc["mlperf-v51-llama2-70b-h200", "output_tokens_per_s_per_chip"] == pytest.approx(
        35_316.7 / 8, abs=0.005
    )
    assert rows.loc["mlperf-v51-llama2-70b-h200", "output_tokens"] == 294.45
    # MLCommons documents no mean input length, so no MLPerf row has an implied share or counts; FP4 runs and
    # NVIDIA-code v4.1 runs (declared fp16, configured use_fp8) say so too
    assert len(mlperf) == 21 and mlperf["input_tokens"].isna().all() and not mlperf["usable"].any()
    assert mlperf["implied_utilisation"].isna().all()
    assert mlperf["excluded"].str.contains("no mean input length").all()
    assert mlperf.loc[mlperf["precision"] == "fp4", "excluded"].str.contains("FP4").all()
    assert rows.loc["mlperf-v41-llama2-70b-h100-sxm", "excluded"].startswith("declares fp16")


def test_decode_observations_are_disjoint_from_the_validation_cases():
    # no decode observation comes from a validation case's source (any case), and none is a case's measurement
    cases = load("validation_cases")
    observed = load("decode_observations")
    case_sources = {key for cell in cases["source"] for key in str(cell).split(";") if key}
    assert not case_sources & set(keys_in(observed[["source"]]))
    for case_id, case in cases.iterrows():
        assert not np.isclose(observed["output_tokens_per_s_per_chip"], case["measured"]).any(), case_id


def test_the_validation_report_lists_the_decode_observations():
    table = validation.decode_observations_table()
    assert list(table.index) == list(load("decode_observations").index)
    # 16 used (the compute-bound, decode-dominated, not excluded points: 3 + 2 + 4 + 7 of the four setups); an
    # offline run's batch is marked as the KV cache's
    assert (table["used"] == "yes").sum() == 16 and table.loc["trtllm-h200-dsr1-1000-1000", "batch"] == "6,530 (KV)"
    assert table.loc["trtllm-v1-h200-405b-2048-128", "used"] == "prefill"
    assert table.loc["mlperf-v51-llama2-70b-h200", "in / out"] == "— / 294"
    assert table.loc["oci-mi300x-405b-b64", "used"] == "memory" and table.loc["oci-mi300x-405b-b256", "batch"] == "256"
    assert table.loc["trtllm-h200-dsr1-1024-1024", "used"] == "excluded"
    text = validation.decode_observations_text()
    # the median 0.2210465 and the extremes 0.1331965 and 0.309829 of test_decode_utilisation_is_the_median…
    assert "median of 4 published decode setups (22.1 %; P10–P90 13.3 %–31.0 %" in text
    # the roofline's HBM efficiency comes from the serving default, not a literal
    assert f"HBM efficiency {inference_cost.serving_setting('hbm_efficiency', None).value:g})" in text
    assert "HBM efficiency 0.6;" in validation.decode_observations_caption()
    assert "trtllm-h200-dsr1-1024-1024" in text and "oci-mi300x-405b-tput-128-2048" in text
