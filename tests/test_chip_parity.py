"""chip_parity assembly: transferred MFU, goodput-aware chip counts, bands that contain their
headlines, the reference honoured everywhere, the one H20-per-H100 answer, the inputs as used
and the values in the Methods — worked by hand."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.assembly import chip_parity as cp
from analysis.assembly import inputs as shared
from analysis.assembly import present
from analysis.catalog import sources
from analysis.formulas import scaling, uncertainty

FAST = {"draws": 200}
#: Llama 3.1's tensor-parallel layout without overlap: the interconnect model's H800 penalty (the default,
#: DeepSeek-V3's layout at full overlap, hides all communication, so every scaling ratio is 1 there).
LLAMA = {"parallel_config": "llama-3.1-405b-pretraining", "overlap": 0.0}
#: Goodput at the Young–Daly interval with the library defaults: 1 / (1 + n·A + B·sqrt(n)) with
#: A = λ·R = 1.97e-5 / 6 = 3.28333e-6 and B = sqrt(2·δ·λ) = sqrt(2 × 7.875e-4 × 1.97e-5) = 1.76146e-4.
A, B = 1.97e-5 * 6.47 / 60, (2 * 7.875e-4 * 1.97e-5) ** 0.5


@pytest.fixture(scope="module")
def default():
    return cp.run(**FAST)


@pytest.fixture(scope="module")
def a100():
    return cp.run(reference_chip="a100-sxm-80gb", candidates=["h20", "mi300x", "ascend-910b"], seed=7, **FAST)


@pytest.fixture
def shown(monkeypatch):
    """Everything present.display() was asked to show, in order."""
    out = []
    monkeypatch.setattr(present.output, "display", lambda obj, **kw: out.append(obj))
    return out


def test_transferred_mfu_uses_the_compute_efficiency_not_the_mfu():
    # Llama 3.1 405B layout (data/parallel_configs.csv): 16,384 chips, 16,777,216 tokens per step -> 1,024 tokens
    # per chip; TP8, PP16, DP128, no EP; network 50 GB/s per chip; NVLink efficiency 0.8. Model (data/models.csv):
    # 405e9 parameters, 126 layers, hidden size 16,384. Chips (data/chips.csv): H100 and H800 989.4 TFLOP/s dense
    # BF16; NVLink 900 and 400 GB/s. Compute efficiency 0.5 (scaling.COMPUTE_EFFICIENCY, not the MFU 0.4), no overlap.
    compute_s = 6 * 405e9 * 1_024 / (989.4e12 * 0.5)  # 5.02996 s on both chips
    tp_bytes = 1_024 * 8 * 126 * 4 * 16_384 * 2  # 4 BF16 activation all-reduces per layer: 135,291,469,824 B
    h100_tp_s = 2 * 7 / 8 * tp_bytes / (900 / 2 * 0.8 * 1e9)  # ring of 8 over 360 GB/s per direction: 0.65767 s
    h800_tp_s = 2 * 7 / 8 * tp_bytes / (400 / 2 * 0.8 * 1e9)  # over 160 GB/s: 1.47975 s
    dp_s = 2 * 127 / 128 * (405e9 / (8 * 16) * 2) / 50e9  # BF16 gradients, ring of 128 over 50 GB/s: 0.25115 s
    h100 = compute_s / (compute_s + h100_tp_s + dp_s)  # 5.02996 / 5.93877 = 0.84697
    h800 = compute_s / (compute_s + h800_tp_s + dp_s)  # 5.02996 / 6.76086 = 0.74398
    ratios = cp.scaling_ratios("llama-3.1-405b-pretraining", ["h100-sxm", "h800-sxm"], overlap=0.0)
    assert_allclose(ratios["scaling_efficiency"], [h100, h800], rtol=1e-12)
    assert_allclose(ratios.loc["h800-sxm", "ratio"], h800 / h100, rtol=1e-12)  # 0.87840
    # the H800's MFU = the reference MFU × the ratio (NVIDIA's vendor factor 1 on both): 0.4 × 0.87840 = 0.35136
    inp = cp.inputs(candidates=["h800-sxm"], mfu=0.4, **LLAMA, **FAST)
    base = cp.figures(shared.base_point(inp.ranges), inp)
    assert_allclose(base["mfu"][0], [0.4, 0.4 * h800 / h100], rtol=1e-12)
    # the ratio comes from the compute efficiency, whatever the MFU: the same at MFU 0.3
    assert inp.compute_efficiency == scaling.COMPUTE_EFFICIENCY == 0.5
    assert cp.inputs(candidates=["h800-sxm"], mfu=0.3, **LLAMA, **FAST).scaling.equals(inp.scaling)
    # the default layout (DeepSeek-V3's, overlap 1): step = compute + (1 − 1) × communication = compute on
    # every chip, so every ratio is 5.02996 / 5.02996 = 1 and the H800 keeps the reference's 0.4
    default = cp.inputs(candidates=["h800-sxm"], **FAST)
    assert default.parallel_config == "deepseek-v3-pretraining" and default.overlap == 1.0
    assert_allclose(default.scaling["ratio"], [1.0, 1.0], rtol=1e-12)


def test_no_chip_gets_an_mfu_above_the_reference_from_the_interconnect():
    # in Llama 3.1's layout without overlap, H20 (900 GB/s) and Ascend 910B (600 GB/s) communicate less per
    # FLOP than the H100: their scaling ratio is above 1 but capped, so the H20 keeps the reference's 0.4 and
    # the 910B gets 0.4 × 0.78 (Huawei's vendor factor, data/vendor_efficiency.csv) = 0.312
    default = cp.run(**LLAMA, **FAST)
    scaling_ratio = default.inputs.scaling
    assert scaling_ratio.loc["h20", "ratio"] > 1 and scaling_ratio.loc["h20", "used"] == 1
    assert_allclose(default.base.loc["h20", "mfu"], 0.4)
    assert_allclose(default.base.loc["ascend-910b", "mfu"], 0.4 * 0.78)
    assert (default.base["mfu"] <= 0.4 + 1e-12).all()


def test_h20_per_h100_is_one_answer():
    # sustained rate per chip: 989.4 × 0.4 / (148 × 0.4) = 6.6851 (NVIDIA factors 1, ratio capped at 1)
    assert_allclose(cp.chips_per_reference("h20", **FAST), 989.4 / 148, rtol=1e-12)
    # at 2,048 H100 (A = λ·R = 1.97e-5 × 0.107833 = 2.12432e-6, B = 1.76146e-4): goodput(2,048) = 1 / (1 +
    # 0.0043506 + 0.0079715) = 0.987828; useful = 2,048 × 0.987828 × 6.68514 = 13,524.51; n·goodput(n) = u in
    # x = sqrt(n): (1 − u·A) x² − u·B·x − u = 0 with 1 − u·A = 0.971270, u·B = 2.38229: x = (2.38229 +
    # sqrt(5.67531 + 52,543.77)) / 1.942539 = 119.2351 → n = 14,217.0 -> 14,218 H20
    useful = 2_048 / (1 + 2_048 * A + B * 2_048**0.5) * 989.4 / 148
    x = (useful * B + ((useful * B) ** 2 + 4 * useful * (1 - useful * A)) ** 0.5) / (2 * (1 - useful * A))
    assert np.ceil(x * x) == 14_218
    r = cp.run(candidates=["h20"], reference_count=2048, **FAST)
    assert r.base.loc["h20", "chip_count"] == 14_218
    # the P50 over drawn goodput inputs: each drawn λ and δ is at least its base (triangular, mode at the low
    # end), the restart between 150 s and 30 min, so every draw needs at least the count with λ and δ at base
    # and R at 150 s, at most the count with all three at their high ends (below)
    low, high = _h20_count_at_low_ends(), _h20_count_at_high_ends()
    assert low <= r.p10.loc["h20", "chip_count"] < r.p90.loc["h20", "chip_count"] <= high
    assert_allclose(cp.chips_per_reference("h20", reference_count=2048, **FAST), r.p50.loc["h20", "chip_count"] / 2048)
    assert cp.chips_per_reference("h100-sxm") == 1.0


def _h20_count(reference_count: int, lam: float, restart: float, delta: float) -> float:
    """H20s matching ``reference_count`` H100 in one job: n · goodput(n) = N · goodput(N) × 989.4 / 148 with
    A = λ·R, B = sqrt(2·δ·λ), solved in x = sqrt(n), rounded up."""
    a, b = lam * restart, (2 * delta * lam) ** 0.5
    useful = reference_count / (1 + reference_count * a + b * reference_count**0.5) * 989.4 / 148
    x = (useful * b + ((useful * b) ** 2 + 4 * useful * (1 - useful * a)) ** 0.5) / (2 * (1 - useful * a))
    return float(np.ceil(x * x))


def _h20_count_at_high_ends(reference_count: int = 2048) -> float:
    """H20s matching ``reference_count`` H100 with λ, R and δ at the high ends of their ranges: λ = 466 / (16,384
    × 54 × 24) = 2.19463e-5 (Llama 3's interruptions with the planned ones), R = 30 min (Google), δ = 16,384 ×
    4 GB / 2 TB/s = 32.768 s = 9.10222e-3 h; A = λ × R = 1.097315e-5, B = sqrt(2 δ λ) = 6.32076e-4. At 2,048:
    goodput = 1 / (1 + 0.0224730 + 0.0286045) = 0.951405; useful = 2,048 × 0.951405 × 6.68514 = 13,025.8;
    1 − u·A = 0.857063, u·B = 8.23333: x = (8.23333 + sqrt(67.7877 + 44,655.9)) / 1.714126 = 128.178 →
    n = 16,429.6 → 16,430 H20. At 10,000: goodput = 1 / (1 + 0.1097315 + 0.0632076) = 0.852559, useful =
    56,994.7, 1 − u·A = 0.374589, u·B = 36.0250: x = 441.107 → 194,575.0 → 194,576."""
    return _h20_count(reference_count, 466 / (16_384 * 54 * 24), 0.5, 16_384 * 4e9 / 2e12 / 3600)


def _h20_count_at_low_ends(reference_count: int = 2048) -> float:
    """The same with λ and δ at base (their low ends) and R = 150 s (FlashRecovery): A = 1.97e-5 × 0.0416667 =
    8.20833e-7, B = 1.76146e-4. At 2,048: goodput = 1 / (1 + 0.00168107 + 0.0079715) = 0.990440; useful =
    13,560.25; 1 − u·A = 0.988869, u·B = 2.388584: x = (2.388584 + sqrt(5.70533 + 53,637.26)) / 1.977738 =
    118.3160 → 13,998.7 → 13,999 H20. At 10,000: goodput = 1 / (1 + 0.00820833 + 0.0176146) = 0.974827, useful
    = 65,168.5, 1 − u·A = 0.946508, u·B = 11.4792: x = 268.530 → 72,108.3 → 72,109."""
    return _h20_count(reference_count, 1.97e-5, 150 / 3600, 7.875e-4)


def test_goodput_column_and_no_match(default):
    # 2,048 H100 train 1 / (1 + 0.0043506 + 0.0079715) = 98.783 % of the time; 14,218 H20
    # 1 / (1 + 14,218 × 2.12432e-6 + 1.76146e-4 × sqrt(14,218)) = 1 / (1 + 0.0302035 + 0.0210035) = 95.129 %
    assert_allclose(default.base.loc["h100-sxm", "goodput"], 0.987828, rtol=1e-6)
    assert_allclose(default.base.loc["h20", "goodput"], 0.951287, rtol=1e-6)
    assert default.base.loc["h20", "chip_count"] == 14_218
    # 100,000 H100: useful = 100,000 × 0.788560 = 78,856 × 6.68514 = 527,163 H20-equivalents, above the
    # ceiling 1 / (λ·R) = 1 / 2.12432e-6 = 470,740 useful chips: at the base inputs no H20 count matches; one
    # job matches only where R < 5.66 min (test_the_restart_range_moves_the_ceiling), with λ and δ at base
    # (higher λ or δ lower that threshold) P(R < 5.656 min) = (5.656 − 2.5)² / ((30 − 2.5) × (6.47 − 2.5))
    # = 9.96 / 109.18 = 9.1 % of the triangle: at least about 91 % of draws none (200 draws: above 85 %)
    r = cp.run(reference_count=100_000, candidates=["h20", "b200"], **FAST)
    assert np.isnan(r.base.loc["h20", "goodput"]) and r.base.loc["h20", "chip_count"] == np.inf
    assert r.open_share.loc["h20"] > 0.85 and r.p50.loc["h20", "chip_count"] == np.inf
    assert r.matched.loc["h20"] == pytest.approx(1 - r.open_share.loc["h20"])
    assert "no chip count matches" in cp.findings(r) and "- More H20 than one job can use" in cp.answer(r)
    # the answer line ranks +∞ above every count: more H20 (one chip has more, so no "most of all")
    assert cp.answer_line(r).endswith("takes fewer B200 and more H20:")
    assert r.matched.loc["b200"] == 1 and r.open_share.loc["b200"] == 0


@pytest.mark.parametrize("case", ["default", "decode"])
def test_page_one_is_an_answer_line_a_list_and_a_note(case, request):
    """Page 1 reads as one sentence, one bullet per candidate and one for the reference (each
    count with its band or its label, as the band function writes it), then how to read them
    (the h100-parity and h100-decode-parity reports' parameters)."""
    decode = {"workload": "decode", "precision": "fp8", "context_tokens": 2_250}
    r = request.getfixturevalue("default") if case == "default" else cp.run(**decode, **FAST)
    line, bullets, drawn, *serving = cp.answer(r).split("\n\n")
    # one sentence: no full stop or semicolon inside, no line break, ends introducing the list
    assert line == cp.answer_line(r) and line.endswith(":") and ". " not in line and ";" not in line
    assert "\n" not in line and line.startswith("Matching **2,048 × NVIDIA H100 SXM5 80GB** by ")
    lines = bullets.split("\n")
    candidates = r.inputs.chips.index[1:]
    assert len(lines) == len(candidates) + 1 and all(b.startswith("- ") for b in lines)
    for chip, bullet in zip(candidates, lines):
        assert present.chip_short(chip) in bullet and cp.band(r, chip, "chip_count", present.count) in bullet
    assert lines[-1].startswith("- The reference itself") and "(P10–P90 " in lines[-1]
    assert drawn.startswith("Every figure is the median (P50)") and drawn.endswith("the band is their P10–P90.")
    # serving: its settings (and, in decode, what a median at the maximum means), each a paragraph
    assert [p.split(" ")[0] for p in serving] == ([] if case == "default" else ["Serving", "A"])
    # B200 runs faster than the H100 and the H800 is an H100 with a capped NVLink, which the
    # default layout hides (100 % overlap) and decode does not use: fewer B200, as many H800
    assert "fewer B200, as many H800 SXM and more " in line
    assert line.endswith(", most of all H20:")  # the slowest candidate: 148 dense BF16 TFLOP/s


def test_page_one_with_no_candidate_but_the_reference():
    # the reference given as the only candidate is dropped from the candidates: the list holds the reference alone
    line, bullets, _ = cp.answer(cp.run(candidates=["h100-sxm"], **FAST)).split("\n\n")
    assert line.startswith("No chip but the reference itself was asked to match **2,048 × NVIDIA H100 SXM5 80GB**")
    assert bullets.startswith("- The reference itself draws") and "\n" not in bullets


@pytest.mark.parametrize("case", ["default", "a100"])
def test_every_banded_figure_lies_in_its_band(case, request):
    r = request.getfixturevalue(case)
    figures = cp.key_figures(r)
    for chip, entry in [(r.inputs.reference_chip, figures["reference"]), *figures["candidates"].items()]:
        for name in cp.BANDED:
            mid, low, high = entry[name], entry[f"{name}_p10"], entry[f"{name}_p90"]
            if mid == mid:
                assert low <= mid <= high, (chip, name, low, mid, high)


def test_every_band_end_is_a_drawn_value(default):
    # one percentile method (inverse empirical CDF): each P10/P50/P90 is one of the draws, chip counts whole
    inp = default.inputs
    draws = cp.figures(uncertainty.draw(inp.ranges, inp.draws, inp.seed), inp)
    for name in ("chip_count", "tco_usd", "usd_per_pflop_hour"):
        for i, chip in enumerate(inp.chips.index):
            for q in ("p10", "p50", "p90"):
                value = getattr(default, q).loc[chip, name]
                assert value in draws[name][:, i], (name, chip, q)
    assert (default.p10["chip_count"] % 1 == 0).all()


def test_the_reference_is_honoured_everywhere(a100):
    # the reference row is the A100, at its own count in every draw, and the bands are about it
    assert a100.inputs.reference_chip == "a100-sxm-80gb" and a100.inputs.chips.index[0] == "a100-sxm-80gb"
    figures = cp.key_figures(a100)
    assert figures["reference"]["chip"] == "a100-sxm-80gb"
    assert figures["reference"]["chip_count_p10"] == figures["reference"]["chip_count_p90"] == 2048
    # H20 per A100: 312 × 0.4 / (148 × 0.4) = 2.1081 (H20 scaling ratio vs the A100 above 1, capped)
    assert_allclose(a100.p50.loc["h20", "per_reference"], 312 / 148, rtol=1e-12)
    # the reference MFU is an NVIDIA H100 run's by design (CHANGELOG "parity"): the words say so where the
    # reference is another chip, and nothing else on page 1 names the H100 (hostile M13)
    answer = cp.answer(a100)
    note = cp.reference_mfu_note(a100.inputs)
    assert (
        note.startswith("The reference MFU is an NVIDIA H100 SXM5 80GB run's at its BF16 peak whichever chip")
        and note in answer
    )
    assert "A100" in answer and "H100" not in answer.replace(note, "")


def test_one_and_all_chip_candidate_lists():
    one = cp.run(candidates=["b200"], **FAST)
    assert list(one.inputs.chips.index) == ["h100-sxm", "b200"]
    catalog = list(shared.chips(["h100-sxm"]).index) + [c for c in cp.load("chips").index if c != "h100-sxm"]
    every = cp.run(candidates=catalog[1:], workload="decode", model="llama-2-70b", batch_size=8, **FAST)
    assert len(every.p50) == len(catalog)
    # chips without a TDP or system power (TPU v5p) or without a price (L20) read n/a, not a number
    assert np.isnan(every.p50.loc["tpu-v5p", "it_power_mw"]) and np.isnan(every.p50.loc["l20", "capex_usd"])
    assert "nan" not in cp.findings(every)
    assert "max_w_per_chip" not in every.inputs.used["chips"]["tpu-v5p"]


def test_capacity_floor_binds_for_decode_of_a_big_model():
    # DeepSeek-V3 in FP8 needs 671e9 B / (96 GB × 0.9) = 7.77 -> 8 H20 per replica at least, more with the KV cache;
    # the smallest reference that holds it, 671e9 / (192 GB × 0.9) = 3.88 -> 4 MI300X, is matched in bandwidth by
    # 4 × 5.3 / 4.0 = 5.3 -> 6 H20 (decode at batch 1 reads the weights), so the H20's floor of 8 binds
    r = cp.run(
        reference_chip="mi300x",
        reference_count=4,
        candidates=["h20"],
        workload="decode",
        precision="fp8",
        batch_size=1,
        context_tokens=1,
        **FAST,
    )
    assert r.binding.loc["h20"] == "memory capacity"
    assert r.p50.loc["h20", "chip_count"] == 8


def test_json_contract(default):
    figures = cp.key_figures(default)
    assert set(figures["candidates"]) == {"h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c", "b200"}
    for entry in figures["candidates"].values():
        assert {
            "chip_count",
            "it_power_mw",
            "facility_power_mw",
            "annual_energy_gwh",
            "capex_usd",
            "annual_opex_usd",
            "tco_usd",
            "usd_per_pflop_hour",
            "goodput",
            "binding",
            "tco_usd_p10",
            "tco_usd_p90",
        } <= set(entry)


def _records(used: dict):
    for value in used.values():
        yield from (_records(value) if isinstance(value, dict) else [value])


def test_used_block_holds_every_input_with_unit_and_source(default):
    used, keys = default.inputs.used, set(sources().index)
    wanted = {"usd_per_kwh", "pue", "load_factor", "server_power_ratio", "years", "cost_of_capital", "mfu"}
    wanted |= {"mfu_spread", "overlap", "compute_efficiency"}
    wanted |= {"interruptions_per_chip_hour", "restart_hours", "checkpoint_write_hours", "checkpoint_interval_hours"}
    assert wanted <= set(used)
    assert set(used["chips"]) == set(default.inputs.chips.index)
    assert {"peak_tflops", "max_w_per_chip", "price_usd", "mfu_factor"} <= set(used["chips"]["h20"])
    for record in _records(used):
        assert record.unit and set(record.source.split(";")) <= keys, record
    # the values actually used: cn-avg-industrial's base price and PUE (data/regions.csv), the library defaults
    assert (used["usd_per_kwh"].value, used["pue"].value) == (0.088, 1.5)
    assert (used["load_factor"].value, used["server_power_ratio"].value, used["years"].value) == (0.75, 1.8, 4.0)
    # H20: 400 W TDP × 1.8 (no ratio of its own) = 720 W; $20,891 a chip as a share of an 8-GPU server
    # (1.2 M yuan / 7.18 / 8); Huawei's MFU factor 0.78 for the 910B
    assert used["chips"]["h20"]["max_w_per_chip"].value == 400 * 1.8
    assert used["chips"]["h20"]["server_power_ratio"].value == 1.8
    assert used["chips"]["h20"]["price_usd"].value == 20_891
    assert used["chips"]["ascend-910b"]["mfu_factor"].value == 0.78
    # the shared training defaults with their sources (params.TRAINING; inputs.DEFAULTS)
    assert used["mfu"].source == "llama3-paper" and used["compute_efficiency"].value == 0.5
    assert (used["parallel_config"].value, used["parallel_config"].source) == (
        "deepseek-v3-pretraining",
        "deepseek-v3-report",
    )
    assert (used["overlap"].value, used["overlap"].source) == (1.0, "deepseek-v3-report")


def test_used_block_follows_the_reader_and_the_workload():
    used = cp.inputs(workload="decode", mfu=0.5, usd_per_kwh=0.1, load_factor=0.9, **FAST).used
    assert used["mfu"].value == 0.5 and used["mfu"].source == shared.READER
    assert used["usd_per_kwh"].value == 0.1 and used["usd_per_kwh"].source == shared.READER
    assert used["load_factor"].value == 0.9 and used["load_factor"].source == shared.READER
    # decode uses the HBM efficiency and no interconnect or goodput model
    assert used["hbm_efficiency"].value == 0.6
    assert not {"overlap", "compute_efficiency", "restart_hours"} & set(used)


def test_methods_show_every_setting_with_its_value():
    r = cp.run(
        parallel_config="llama-3.1-405b-pretraining",
        overlap=0.5,
        load_factor=0.9,
        server_power_ratio=2.0,
        years=5.0,
        **FAST,
    )
    text = cp.methods(r)
    assert "Llama 3.1 405B pre-training (`llama-3.1-405b-pretraining`) at overlap 50 %" in text
    assert "50 % of dense peak" in text  # the compute efficiency 0.5
    assert "server power ratio (2, set by the reader)" in text
    assert "load factor (0.9)" in text and "5-year horizon" in text
    # the goodput inputs: 1.97 × 10⁻⁵ per chip-hour, 6.47-min restart, a 2.8-s checkpoint write and the
    # Young–Daly interval at 2,048 chips: sqrt(2 × 7.875e-4 / (2,048 × 1.97e-5)) = 0.19758 h = 11.9 min
    assert "1.97 × 10⁻⁵ interruptions" in text and "restart R = 6.47 min" in text and "δ = 2.8 s" in text
    assert "T = 11.9 min at 2,048 chips (Young–Daly" in text
    assert "COMPUTE_EFFICIENCY" not in text and "e-0" not in text


def test_figures_are_drawn_with_alt_text(default, shown):
    cp.plot_parity(default)
    cp.plot_goodput(default)
    focus = cp.focus_chip(default)
    assert focus == "h800-sxm"  # the first candidate with a known TCO
    tornado, sobol = cp.sensitivity(default, focus, sobol_draws=64)
    cp.plot_tornado(default, tornado, chip=focus)
    images = [obj for obj in shown if isinstance(obj, dict) and "image/png" in obj]
    assert len(images) == 3
    assert "Matching 2,048 × H100 SXM (training)" in images[0]["text/plain"]
    assert "falls with the chip count" in images[1]["text/plain"]
    assert "H800 SXM: each input" in images[2]["text/plain"]
    # cn-avg-industrial's electricity price has no range (data/regions.csv): left out as a constant
    assert {"mfu", "pue", "h800-sxm price"} <= set(tornado.index) and "usd_per_kwh" not in tornado.index
    assert {"MFU", "PUE", "H800 SXM price"} <= set(cp.sobol_table(sobol).index)


def test_no_goodput_figure_for_inference(shown):
    cp.plot_goodput(cp.run(workload="prefill", **FAST))
    assert shown == []


def test_systems_power_per_flop_by_both_routes():
    systems = cp.systems_table()
    # GB200 NVL72: 145 kW / 180 PFLOP/s = 0.8056 W per TFLOP/s; per-chip model 1,200 W × 1.8 / 2,500 = 0.864
    assert_allclose(systems.loc["gb200-nvl72", "W per TFLOP/s (system)"], 145 / 180, rtol=1e-12)
    assert_allclose(systems.loc["gb200-nvl72", "W per TFLOP/s (per-chip model)"], 1_200 * 1.8 / 2_500, rtol=1e-9)
    # CloudMatrix 384: 559 kW / 300 PFLOP/s = 1.8633; model: 559,000 / 384 = 1,455.7 W / 780 = 1.8663
    assert_allclose(systems.loc["cloudmatrix-384", "W per TFLOP/s (per-chip model)"], 559_000 / 384 / 780, rtol=1e-12)
    # every system with a power figure agrees with the per-chip model within 10 %
    known = systems["model / system"].dropna()
    assert len(known) >= 4 and (abs(known - 1) < 0.10).all()
    text = cp.systems_text(systems)
    # 1.8633 / 0.8056 = 2.3 from the systems; 1.8663 / 0.864 = 2.2 from the model
    assert "**2.3×**" in text and "**2.2×**" in text and "by construction" in text


def test_chips_per_reference_depend_on_the_cluster_size_and_carry_a_band():
    # issue 20 item 3: at 10,000 H100 more per H100 than at 2,048, since 10,000 × goodput(10,000) × 6.68514
    # H20-equivalents must run in one larger job: with the base inputs goodput(10,000) = 1 / (1 + 0.0212432 +
    # 0.0176146) = 0.962596, useful = 64,350.8, 1 − u·A = 0.863298, u·B = 11.3352: x = (11.3352 + sqrt(128.486
    # + 222,215.9)) / 1.726597 = 279.6653 → 78,213 (7.8213 per H100) against 14,218 (6.9424) at 2,048.
    # With the restart drawn too, each band lies between the counts at the low ends (13,999 and 72,109) and at
    # the high ends (16,430 and 194,576) of λ, R and δ (the helpers above); the P50 grows with the size
    small = cp.run(candidates=["h20"], reference_count=2_048, **FAST)
    large = cp.run(candidates=["h20"], reference_count=10_000, **FAST)
    for r, low, high in (
        (small, _h20_count_at_low_ends() / 2_048, _h20_count_at_high_ends() / 2_048),
        (large, _h20_count_at_low_ends(10_000) / 10_000, _h20_count_at_high_ends(10_000) / 10_000),
    ):
        p10, p90 = r.p10.loc["h20", "chips_per_reference_chip"], r.p90.loc["h20", "chips_per_reference_chip"]
        assert low <= p10 < p90 <= high, (r.inputs.reference_count, p10, p90)
        figures = cp.key_figures(r)
        assert figures["reference_count"] == r.inputs.reference_count
        assert figures["candidates"]["h20"]["chips_per_reference_chip_p10"] == p10
    assert (_h20_count_at_low_ends(), _h20_count_at_high_ends()) == (13_999, 16_430)
    assert (_h20_count_at_low_ends(10_000), _h20_count_at_high_ends(10_000)) == (72_109, 194_576)
    assert large.p50.loc["h20", "chips_per_reference_chip"] > small.p50.loc["h20", "chips_per_reference_chip"]
    assert (small.base.loc["h20", "chip_count"], large.base.loc["h20", "chip_count"]) == (14_218, 78_213)
    # the findings quote each count with the cluster size it holds for
    assert "match 2,048 H100 SXM" in cp.findings(small) and "per H100 SXM at this cluster size" in cp.findings(small)
    assert "match 10,000 H100 SXM" in cp.findings(large)
    # at 100,000 H100 no single job of H20s matches (the ceiling 470,740 useful chips of
    # test_goodput_column_and_no_match): the finding says so at that size
    huge = cp.run(candidates=["h20"], reference_count=100_000, **FAST)
    assert "no chip count matches 100,000 H100 SXM in one job" in cp.findings(huge)
    # and how far one job of H20s reaches: 470,739.6 useful chips / 6.68514 = 70,415.9 useful H100; the reference
    # count n with n · goodput(n) = 70,415.9: 1 − u·A = 0.850414, u·B = 12.4035, x = (12.4035 + sqrt(153.847 +
    # 239,530.7)) / 1.700829 = 295.1381 → n = 87,106
    assert "never exceeds 470,740 useful chips, the work of 70,416 useful H100 SXM" in cp.findings(huge)
    assert "matches at most about 87,106 H100 SXM" in cp.findings(huge)


def test_scale_curve_agrees_with_the_report_at_its_own_size(default, shown):
    # the curve runs the report's own draws through the same count function: at the report's 2,048 it gives
    # the report's chips per reference chip; the reference is 1 at every size; the H20's line ends where no
    # count matches (above about 87,000 H100 with the defaults: 470,740 / 6.68514 = 70,416 useful H100)
    curve = cp.scale_curve(default, sizes=(2_048, 10_000, 100_000))
    for q in ("p10", "p50", "p90"):
        assert curve.loc[2_048, ("h20", q)] == getattr(default, q).loc["h20", "chips_per_reference_chip"]
    assert (curve["h100-sxm"]["p50"] == 1).all()
    assert curve.loc[10_000, ("h20", "p50")] > curve.loc[2_048, ("h20", "p50")]
    assert curve.loc[100_000, ("h20", "matched")] < 0.5 and curve.loc[100_000, ("h20", "p50")] == np.inf
    # in separate jobs of at most 100,000 chips a count always exists, below the rate ratio 6.685 (the last,
    # smaller job loses less) and above 6.685 × goodput(100,000) at R = 30 min ... (each job at most as large)
    assert 6.0 < curve.loc[100_000, ("h20", "jobs_p10")] <= curve.loc[100_000, ("h20", "jobs_p90")] < 989.4 / 148
    assert min(cp.SCALE_SIZES) == 1_000 and max(cp.SCALE_SIZES) == 200_000
    cp.plot_scale(default)
    assert len(shown) == 1
    assert cp.plot_scale(cp.run(workload="decode", **FAST)) is None and len(shown) == 1
    # a reference without an interconnect figure (MI325X) below full overlap gives no candidate a count: no empty
    # log-scale figure (at full overlap no communication is exposed and it has figures)
    assert cp.plot_scale(cp.run(reference_chip="mi325x", overlap=0.5, **FAST)) is None and len(shown) == 1
    assert cp.plot_scale(cp.run(candidates=["h100-sxm"], **FAST)) is None and len(shown) == 1  # no candidate


# --- decode in its own terms, on the serving defaults (issue 20, items 1 and 7) --------------------

#: The prefill/decode utilisation: the median of the published prefill observations, SGLang's H100 at
#: 4,096-token prompts (tests/test_inference_cost.py: 0.300166).
SERVING_MFU = 6_287.75 / (1 / (2 * 37e9 / 1978.9e12 + 2 * 61 * 128 * 320 * 2_048 / 989.4e12))


#: The decode utilisation: the median of the 4 published decode setups (tests/test_serving_observations.py),
#: the mean of the middle two — TensorRT-LLM's DeepSeek R1 on H200 (its points' median: 1,024 input and 8,192
#: output tokens at 1,218 tokens/s per GPU) and TensorRT-LLM's Llama 3.1 405B on 8 H100 (the mean of its middle
#: points: 500/2,000 at 3,994 / 8 = 499.25 and 1,000/1,000 at 2,919 / 8 = 364.875 tokens/s per GPU). Each: the
#: measured output rate × (input × prefill time per token + output × decode time per token at utilisation 1) /
#: output, the prefill token's matmuls 2 × N / FP8 peak + attention over half the input at the BF16 peak, the
#: decode token's matmuls + attention at input + half the output: 0.158722, 0.261951, 0.304791 ->
#: (0.158722 + (0.261951 + 0.304791) / 2) / 2 = 0.2210465.
def _share(rate, inputs, outputs, params, attention_flop_per_token_per_context):
    matmul = 2 * params / 1978.9e12
    prefill = matmul + attention_flop_per_token_per_context * inputs / 2 / 989.4e12
    decode = matmul + attention_flop_per_token_per_context * (inputs + outputs / 2) / 989.4e12
    return rate * (inputs * prefill + outputs * decode) / outputs


DECODE_MFU = (
    # DeepSeek R1: prefill attention 2 × 61 × 128 × 320 per token of context; decode (absorbed MLA) 2 × 61 × 128
    # × 1,088: the two phases differ, so the R1 point is written out
    1_218
    * (
        1_024 * (2 * 37e9 / 1978.9e12 + 2 * 61 * 128 * 320 * 512 / 989.4e12)
        + 8_192 * (2 * 37e9 / 1978.9e12 + 2 * 61 * 128 * 1_088 * (1_024 + 4_096) / 989.4e12)
    )
    / 8_192
    # Llama 3.1 405B: attention 2 × 126 × 128 × (128 + 128) per token of context in both phases
    + (
        _share(499.25, 500, 2_000, 405e9, 2 * 126 * 128 * 256)
        + _share(364.875, 1_000, 1_000, 405e9, 2 * 126 * 128 * 256)
    )
    / 2
) / 2


@pytest.fixture(scope="module")
def decode():
    # inference_cost's setting: FP8 weights, 2,000-token prompts + half of 500 output tokens = 2,250 of context
    return cp.run(candidates=["h20"], workload="decode", precision="fp8", context_tokens=2_250, **FAST)


def test_decode_rates_and_bounds_by_hand(decode):
    # DeepSeek-V3 decode attention (absorbed MLA, d_qk 576, d_v 512) at 2,250 tokens:
    # 2 × 61 × 128 × 1,088 × 2,250 = 38,227,968,000 FLOP per token, at the BF16 peak.
    # The default batch: the median of the published deployments' batches per replica, (12,686.4 + 15,360) / 2
    # = 14,023.2 (tests/test_serving_observations.py).
    # Decode runs at the decode utilisation DECODE_MFU = 0.2210465 (the published decode setups').
    # H20 (FP8 296, BF16 148 TFLOP/s): (7.4e10 / 296e12 + 3.8228e10 / 148e12) / 0.2210465 = 2.29950e-3 s per token
    # -> 434.877 tokens/s (compute); memory: 671e9 B of weights (14,023 sequences touch every expert) + KV
    # 70,272 B × 14,023.2 × 2,250 = 2.21724e12 B, 2.88824e12 B over 4.0e12 × 0.6 B/s = 1.20343 s per step
    # -> 11,652.7: compute binds.
    # H100 (FP8 1,978.9, BF16 989.4, 3.35 TB/s): memory 2.88824e12 B / 2.01e12 B/s = 1.43693 s -> 9,759.1 tokens/s;
    # compute (3.73945e-5 + 3.86376e-5) / 0.2210465 = 3.43965e-4 s -> 2,907.28: compute binds too.
    assert_allclose(decode.inputs.mfu, DECODE_MFU, rtol=1e-12)
    assert_allclose(decode.inputs.batch_size, 14_023.2)
    assert_allclose(decode.base.loc["h20", "rate"], 434.877, rtol=1e-4)
    assert_allclose(decode.base.loc["h100-sxm", "rate"], 2_907.28, rtol=1e-4)
    assert decode.binding.to_dict() == {"h100-sxm": "compute", "h20": "compute"}
    # at a reader's batch of 512 (not drawn) the H100 is bound by memory: weights 671e9 B (512 sequences touch
    # every expert: (1 − 8/256)^512 = 8.7e-8) + KV 70,272 B × 512 × 2,250 = 8.09533e10 B, 7.51953e11 B /
    # 2.01e12 B/s = 0.374106 s per step -> 1,368.60 tokens/s, below its compute bound of 2,907.28
    small = cp.run(candidates=["h20"], workload="decode", precision="fp8", context_tokens=2_250, batch_size=512, **FAST)
    assert_allclose(small.base.loc["h100-sxm", "rate"], 1_368.60, rtol=1e-4)
    assert small.binding.to_dict() == {"h100-sxm": "memory bandwidth", "h20": "compute"}
    assert "batch_size" in decode.inputs.ranges and uncertainty.is_constant(small.inputs.ranges["batch_size"])
    # one utilisation for every chip: no vendor factor in serving (and none drawn)
    assert (decode.base["mfu"] == decode.inputs.mfu).all()
    assert not [name for name in decode.inputs.ranges if name.endswith("MFU factor")]


def test_decode_speaks_tokens_not_pflop_hours(decode):
    words = cp.answer(decode) + cp.findings(decode) + cp.methods(decode) + str(cp.tco_formats(decode))
    assert "PFLOP" not in words and "sustained rate at MFU" not in words
    assert "bound by compute (H100 SXM: compute)" in cp.findings(decode)
    assert "per million output tokens" in cp.findings(decode)
    entry = cp.key_figures(decode)["candidates"]["h20"]
    assert "usd_per_pflop_hour" not in entry and entry["binding"] == "compute"
    assert {"usd_per_million_tokens", "usd_per_million_tokens_p10", "output_tokens_per_s_per_chip"} <= set(entry)
    assert "pflop" not in " ".join(decode.p50.columns)
    # the tornado and Sobol indices are of the cost per million output tokens, over serving inputs
    tornado, _ = cp.sensitivity(decode, "h20", sobol_draws=64)
    assert {"decode_mfu", "hbm_efficiency", "batch_size", "h20 price"} <= set(tornado.index)
    assert not [name for name in tornado.index if "MFU factor" in name]
    # training keeps its own terms
    assert "PFLOP" in cp.methods(cp.run(candidates=["h20"], **FAST))


def test_decode_cost_per_million_tokens_by_hand():
    # H100 on the reader's settings: $33,750 a chip as a server share (chips.csv) ÷ 0.81 = $41,666.67 capex;
    # DGX H100's 10.2 kW / 8 = 1,275 W per chip × 0.75 × PUE 1.0 = 956.25 W -> 8,376.75 kWh a year × $0.10 = $837.675;
    # 4 years: TCO per chip 41,666.67 + 4 × 837.675 = 45,017.37; at the default batch (14,023.2 per replica) the
    # H100 is compute-bound at 2,907.28 tokens/s (test_decode_rates_and_bounds_by_hand): × 3,600 × 8,760 h × 4 years
    # × 0.5 = 1.833679e11 tokens per chip -> 45,017.37 / 1.833679e11 × 1e6 = $0.245503 per million output tokens
    r = cp.run(
        candidates=["h20"],
        workload="decode",
        precision="fp8",
        context_tokens=2_250,
        usd_per_kwh=0.1,
        pue=1.0,
        utilisation=0.5,
        **FAST,
    )
    assert r.inputs.chips.loc["h100-sxm", "price_usd"] == 33_750
    assert_allclose(r.base.loc["h100-sxm", "usd_per_million_tokens"], 0.245503, rtol=1e-4)
    assert r.inputs.used["utilisation"].source == shared.READER


def test_decode_takes_the_serving_defaults_and_page_1_names_the_settings_that_differ():
    from analysis.assembly import inference_cost

    for name in ("batch_size", "hbm_efficiency"):
        assert cp.PARAMETERS[name].default == inference_cost.PARAMETERS[name].default
    ours, theirs = cp.inputs(workload="decode", **FAST).used, inference_cost.inputs(draws=100).used
    for name in ("hbm_efficiency", "batch_size", "utilisation"):
        assert ours[name] == theirs[name], name
    # decode's utilisation is inference_cost's decode utilisation; the training MFU default stands for
    # "not set" in serving; a reader's value is the reader's
    assert ours["mfu"] == theirs["decode_mfu"] and ours["mfu"].source == "decode-observations"
    prefill = cp.inputs(workload="prefill", **FAST).used
    assert prefill["mfu"] == theirs["mfu"] and prefill["mfu"].source == "serving-observations"
    assert_allclose(prefill["mfu"].value, SERVING_MFU, rtol=1e-12)
    # page 1: the defaults (BF16, 2,048 tokens) differ from inference_cost's (FP8, 2,000 + 500 / 2 = 2,250)
    default = cp.answer(cp.run(candidates=["h20"], workload="decode", **FAST))
    assert "Serving settings: utilisation 22.1 %" in default and "batch 14,023 per replica" in default
    assert (
        "BF16 weights (inference_cost: FP8)" in default and "2,048 tokens of context (inference_cost: 2,250)" in default
    )
    assert "precision=fp8 and context_tokens=2250" in default
    same = cp.answer(cp.run(candidates=["h20"], workload="prefill", precision="fp8", context_tokens=2_000, **FAST))
    assert "Serving settings" in same and "This render uses" not in same
    assert "Serving settings" not in cp.answer(cp.run(candidates=["h20"], **FAST))


def test_rate_section_by_workload(decode, default):
    text, table, formats, _ = cp.rate_section(decode)
    assert set(formats) <= set(table.columns) and "same utilisation" in text
    # the H20's row: FP8 matmul peak 296, BF16 attention 148 TFLOP/s, 4.0 TB/s, the serving utilisation, compute-bound
    h20 = table.loc["H20"]
    assert (h20["matmul peak [TFLOP/s]"], h20["attention peak [TFLOP/s]"], h20["HBM [TB/s]"]) == (296, 148, 4.0)
    assert_allclose(h20["utilisation"], DECODE_MFU)
    assert h20["binding"] == "compute"
    text, table, formats, _ = cp.rate_section(default)
    assert set(formats) <= set(table.columns) and "vendor's software-maturity factor" in text


def test_a_parity_count_at_100000_from_five_draws_with_infeasible_ones():
    # five draws at 100,000 H100, everything at base but the restart time R: 150 s, 4 min, 10 min, 30 min,
    # 150 s. One job of H20s matches only where R < 5.656 min (test_the_restart_range_moves_the_ceiling):
    # R = 150 s: 1,368,800 H20 (worked there); R = 4 min = 0.0666667 h: A = 1.31333e-6, goodput(1e5) =
    # 1 / (1 + 0.131333 + 0.0557024) = 0.842434, u = 84,243.4 × 6.685135 = 563,178, 1 − u·A = 0.260360,
    # u·B = 99.2016, x = (99.2016 + sqrt(9,840.96 + 4 × 563,178 × 0.260360)) / 0.520720 = 1,673.5,
    # n = 2,800,700; R = 10 and 30 min: +∞. Sorted: 1,368,800, 1,368,800, 2,800,700, ∞, ∞: P10 = the 1st
    # (0.5 → 1st), P50 = the 3rd, P90 = the 5th (4.5 → 5th) = +∞, more than one job can use
    inp = cp.inputs(candidates=["h20"], reference_count=100_000, **FAST)
    restart = np.array([150 / 3600, 4 / 60, 1 / 6, 0.5, 150 / 3600])
    x = {k: np.full(5, v[1]) for k, v in inp.ranges.items()} | {"restart_hours": restart}
    rate, _ = cp._rate(x, cp._mfu(x, inp), inp)
    counts = cp._counts(x, rate, inp)["chip_count"][:, 1]
    assert counts[[0, 1, 4]] == pytest.approx([1_368_800, 2_800_700, 1_368_800], rel=1e-4)
    assert (counts[[2, 3]] == np.inf).all()
    band = uncertainty.percentiles(counts, open_ended=True)
    assert band["p10"] == counts[0] and band["p50"] == counts[1] and band["p90"] == np.inf


def test_acceptance_h20_at_2048_and_100000_reference_h100():
    # issue 20: at reference counts 2,048 and 100,000 the H20's chips per reference differ, both carry a P10–P90
    # band wider than zero, and the findings quote the count with its cluster size. At 2,048 one job matches in
    # every draw (7.0–8.0 per H100: 13,999–16,430 H20 between the ends of λ, R and δ, worked above). At 100,000
    # one job matches in few draws (R < 5.66 min), so the band of one job is open (+∞); what always exists is
    # the count in separate jobs of at most 100,000 H20: useful / (100,000 × goodput(100,000)) = 6.685135, so
    # floor(6.685135) = 6 full jobs, each with
    # the reference's goodput, and a seventh smaller job that loses less: more than 6, less than 6.685 per H100
    small = cp.run(candidates=["h20"], reference_count=2_048, **FAST)
    huge = cp.run(candidates=["h20"], reference_count=100_000, **FAST)
    one = [small.p10.loc["h20", "chips_per_reference_chip"], small.p90.loc["h20", "chips_per_reference_chip"]]
    jobs = [getattr(huge, q).loc["h20", "jobs_chips_per_reference_chip"] for q in ("p10", "p50", "p90")]
    assert 13_999 / 2_048 <= one[0] < one[1] <= 16_430 / 2_048
    assert 6.0 < jobs[0] < jobs[2] < 989.4 / 148
    assert small.p50.loc["h20", "chips_per_reference_chip"] != jobs[1]
    assert huge.p90.loc["h20", "chip_count"] == np.inf and huge.open_share.loc["h20"] > 0.5
    text = cp.findings(huge)
    count = present.count(huge.p50.loc["h20", "jobs_chip_count"])
    assert f"{count} (P10–P90 " in text and " H20 match 100,000 H100 SXM" in text
    assert f"no chip count matches 100,000 H100 SXM in one job in {present.pct(huge.open_share.loc['h20'])}" in text
    assert f"{present.count(small.p50.loc['h20', 'chip_count'])} (P10–P90 " in cp.findings(small)
    assert " H20 match 2,048 H100 SXM in one job" in cp.findings(small)
    # no table reads or writes "inf": an open end is words in the table, an empty cell in its CSV copy
    from analysis.assembly.present.output import csv_text

    for table in (cp.parity_table(huge), cp.cost_table(huge), cp.tco_table(huge)):
        assert "inf" not in csv_text(table) and "inf" not in table.to_string()
    assert "no single job" in str(cp.parity_table(huge).loc["H20", "chips"])
    # a chip without the figures its rate needs stays unknown, never "no single job" (MI325X has no
    # interconnect figure, so as the reference below full overlap no candidate has a rate ratio)
    unknown = cp.run(reference_chip="mi325x", candidates=["h20"], reference_count=100_000, overlap=0.5, **FAST)
    assert np.isnan(unknown.p50.loc["h20", "chip_count"]) and unknown.open_share.loc["h20"] == 0
    # the JSON: the open end is "inf" (null is an unknown) with the share of such draws beside it;
    # the jobs' band is finite
    figures = cp.key_figures(huge)["candidates"]["h20"]
    assert figures["no_single_job_share_of_draws"] == huge.open_share.loc["h20"]
    assert present._plain(figures)["chip_count_p90"] == "inf"
    assert figures["jobs_chip_count_p10"] < figures["jobs_chip_count_p90"]


@pytest.mark.parametrize("workload", ["prefill", "decode"])
def test_a_serving_workload_records_what_its_utilisation_is(workload):
    """Every report's inputs carry ``mfu_basis`` (inputs.mfu_basis): in prefill and decode (the
    h100-decode-parity report) the utilisation is a serving one, the median of published prefill or
    decode throughputs, read from their observations; an entered one is the reader's."""
    serving = {"workload": workload, "precision": "fp8", "context_tokens": 2_250}
    used = cp.run(**serving, **FAST).inputs.used
    assert used["mfu_basis"] == shared.mfu_basis(workload)
    assert (
        used["mfu_basis"].source
        == used["mfu"].source
        == f"{'serving' if workload == 'prefill' else 'decode'}-observations"
    )
    assert "published " + workload + " throughputs" in used["mfu_basis"].origin
    assert cp.run(**serving, mfu=0.3, **FAST).inputs.used["mfu_basis"].value == "reader"


def test_a_chips_mfu_and_cost_do_not_depend_on_the_reference_chip():
    # The reference MFU is an NVIDIA-software run's (Llama 3 405B's ~40 % on H100s), so a chip's MFU is
    # 0.40 × its vendor factor / NVIDIA's (1): the H20 (NVIDIA) 0.40 against the H100 and against the
    # Ascend 910B (before the one rule: 0.40 / 0.67 = 0.597 against the 910B, Huawei's factor then, above Hopper's
    # BF16 cap 0.4644), and the 910B itself 0.40 × 0.78 = 0.312 as the reference.
    h100 = cp.run(reference_chip="h100-sxm", candidates=["h20"], **FAST)
    ascend = cp.run(reference_chip="ascend-910b", candidates=["h20"], **FAST)
    assert_allclose(h100.base.loc["h20", "mfu"], 0.40, rtol=1e-12)
    assert_allclose(ascend.base.loc["h20", "mfu"], 0.40, rtol=1e-12)
    assert_allclose(ascend.base.loc["ascend-910b", "mfu"], 0.40 * 0.78, rtol=1e-12)
    for band in ("p10", "p50", "p90"):  # one range: the reference MFU is drawn on the H100's generation
        assert_allclose(getattr(ascend, band).loc["h20", "mfu"], getattr(h100, band).loc["h20", "mfu"], rtol=1e-12)
    # Cost per effective PFLOP-hour = per-chip TCO / (peak × MFU × goodput(n) × hours): with the MFU one
    # number, only the goodput of the H20 cluster's own size n differs (about 2,048 × 989.4 / 148 = 13,691 H20s
    # match 2,048 H100s and 2,048 × 320 × 0.312 / (148 × 0.40) = 3,454 match 2,048 910Bs, before goodput), so
    # cost × goodput is the same in both reports.
    h20, other = h100.base.loc["h20"], ascend.base.loc["h20"]
    assert h20["chip_count"] != other["chip_count"]
    assert_allclose(
        h20["usd_per_pflop_hour"] * h20["goodput"], other["usd_per_pflop_hour"] * other["goodput"], rtol=1e-9
    )


def test_no_transferred_mfu_draw_goes_above_its_generations_cap():
    # FP8: the reference MFU is an NVIDIA run's at the H100's BF16 peak (inputs.chips_mfu). A draw of 0.75 with the
    # FP8 speed-up 8,532 / 6,667 = 1.279736: the H100, which has a faster FP8 peak, gets 0.75 × 989.4 / 1,978.9 ×
    # 1.279736 = 0.479877 of its FP8 peak, above Hopper's FP8 cap (0.4003, inputs.mfu_ceiling); the A100, which has
    # none, keeps 0.75 of its BF16 peak, above Ampere's BF16 cap (0.5513): each is held at its own generation's cap
    hopper = shared.mfu_ceiling(generation="hopper", precision="fp8")[0]
    ampere = shared.mfu_ceiling(generation="ampere", precision="bf16")[0]
    inp = cp.inputs(precision="fp8", candidates=["a100-sxm-80gb"], **FAST)
    x = shared.base_point(inp.ranges) | {"mfu": np.array([0.75]), "fp8_speedup": np.array([8_532 / 6_667])}
    assert_allclose(0.75 * 989.4 / 1_978.9 * (8_532 / 6_667), 0.479877, rtol=1e-5)
    assert 0.479877 > hopper and 0.75 > ampere
    assert_allclose(cp.figures(x, inp)["mfu"][0], [hopper, ampere], rtol=1e-12)
    # the base point is below the caps: the H100 at 0.40 × 989.4 / 1,978.9 × 1.279881 (the median FP8 speed-up,
    # (8,532 / 6,667 + 4,018 / 3,139) / 2) = 0.255965 of its FP8 peak; the A100 at 0.40 of its BF16 peak (before
    # 2026-12-07 the 0.40 was read at the H100's FP8 peak, and the A100 got 0.40 × 1,978.9 / 989.4 / 1.279881 = 0.625)
    median = (8_532 / 6_667 + 4_018 / 3_139) / 2
    assert_allclose(0.40 * 989.4 / 1_978.9 * median, 0.255965, rtol=1e-5)
    assert_allclose(cp.figures(shared.base_point(inp.ranges), inp)["mfu"][0], [0.255965, 0.40], rtol=1e-5)


def test_a_reference_too_small_to_hold_the_model_is_refused():
    # DeepSeek-V3 training, 671e9 parameters × 16 bytes (BF16 weights + 14 of Adam state) / (80 GB × 0.9 usable)
    # = 149.1 -> 150 H100 at least, the floor every candidate gets; 1 H100 (before: "150 H800 match 1 H100") is
    # refused with the count and the floor; 150 is accepted
    assert_allclose(671e9 * 16 / (80e9 * 0.9), 149.1, rtol=1e-3)
    with pytest.raises(
        ValueError, match=r"reference_count: 1 × NVIDIA H100 SXM5 80GB cannot hold DeepSeek-V3.*is 150 "
    ):
        cp.inputs(reference_count=1, **FAST)
    with pytest.raises(ValueError, match="give reference_count ≥ 150"):
        cp.inputs(reference_count=149, **FAST)
    assert cp.inputs(reference_count=150, **FAST).reference_count == 150
    # decode in FP8: 671e9 × 1 byte + the KV cache of 1 sequence of 1 token / (80 GB × 0.9) = 9.3 -> 10 H100
    with pytest.raises(ValueError, match="with the batch's KV cache.*is 10 chips"):
        cp.inputs(reference_count=1, workload="decode", precision="fp8", batch_size=1, context_tokens=1, **FAST)


def test_a_chip_without_an_interconnect_figure_has_figures_at_full_overlap_and_says_why_not_below():
    # Trainium1 has no interconnect in chips.csv. At the default overlap 100 % no communication is exposed
    # (step = compute, efficiency 1), so it is matched on peak × MFU: 989.4 × 0.40 / (190 × 0.40 × 1, no Amazon
    # vendor row) = 5.207368 per H100 (before: NaN for every figure). Below full overlap its scaling cannot be
    # worked out: every figure n/a, and the finding and the MFU table's caption say why.
    full = cp.run(candidates=["trainium1"], **FAST)
    assert_allclose(full.base.loc["trainium1", "per_reference"], 989.4 / 190, rtol=1e-12)
    assert_allclose(full.base.loc["trainium1", "per_reference"], 5.207368, rtol=1e-6)
    assert cp.NO_INTERCONNECT not in cp.findings(full)
    half = cp.run(candidates=["trainium1"], overlap=0.5, **FAST)
    assert np.isnan(half.base.loc["trainium1", "per_reference"])
    assert "**AWS Trainium**: n/a: no interconnect sourced" in cp.findings(half)
    assert cp.rate_section(half)[3].endswith("n/a: no interconnect sourced (AWS Trainium).")


def test_power_at_the_meter_says_its_load_in_every_report(default):
    # one question, one basis: a cluster's facility power at the load factor 0.75 (chip_parity, procurement,
    # energy_advantage) reads "at the meter at 75 % load"; compute_stock's stock at full load says so
    assert present.at_the_meter(0.75) == "at the meter at 75 % load"
    assert present.at_the_meter(1.0) == "at the meter at full load"
    text = cp.findings(default)
    assert "at the meter at 75 % load" in text and "at the meter (" not in text


def test_a_chips_mfu_in_the_findings_names_the_peak_it_is_a_share_of():
    # in FP8 the H20 runs at 0.40 × 989.4 / 1,978.9 × 1.279881 = 25.6 % of its FP8 peak and the A100 (no FP8 peak)
    # at 40.0 % of its BF16 peak: a bare "MFU 25.6 %" beside the reference's 40 % read as a worse chip (hostile check 3)
    assert round(0.40 * 989.4 / 1_978.9 * ((8_532 / 6_667 + 4_018 / 3_139) / 2) * 100, 1) == 25.6
    words = cp.findings(cp.run(precision="fp8", candidates=["a100-sxm-80gb", "h20"], **FAST))
    # H20 per H100 at the base point: 1,978.9 × 25.6 % ÷ (296 × 25.6 %) = 6.69 (the MFUs cancel); A100: the H100's
    # 1,978.9 × 0.255866 = 506.33 TFLOP/s ÷ (312 × 0.40 = 124.8) = 4.06
    assert round(1_978.9 * 0.40 * 989.4 / 1_978.9 * 1.279881 / (312 * 0.40), 2) == 4.06
    assert "(296 TFLOP/s FP8 × MFU 25.6 %) = 6.69 in sustained rate per chip at the base point" in words
    assert "(312 TFLOP/s BF16 × MFU 40.0 %) = 4.06 in sustained rate per chip at the base point" in words


def test_the_sustained_rate_ratio_is_the_base_points_with_the_mfus_it_uses(default):
    # hostile M3: "4.44 at MFU 26.8 %" paired a median ratio (over the Huawei factor's triangle, now
    # 0.44–0.78–1.0) with a base-point MFU; the base point reproduces: 989.4 × 0.40 = 395.76 TFLOP/s against
    # 320 × (0.40 × 0.78 = 0.312) = 99.84, 395.76 / 99.84 = 3.9639; the 910C's 780 × 0.312 = 243.36, 1.6262
    assert round(989.4 * 0.40 / (320 * 0.40 * 0.78), 2) == 3.96 and round(989.4 * 0.40 / (780 * 0.312), 2) == 1.63
    words = cp.findings(default)
    assert "989.4 TFLOP/s BF16 × MFU 40.0 % ÷ (320 TFLOP/s BF16 × MFU 31.2 %) = 3.96 in sustained rate" in words
    assert "÷ (780 TFLOP/s BF16 × MFU 31.2 %) = 1.63 in sustained rate per chip at the base point" in words
    # the median of draws differs (the factor is drawn) and is named as such
    assert f"the median of draws is {default.p50.loc['ascend-910b', 'per_reference']:,.2f}" in words
    # no median is quoted beside a base point it equals: the H800's 989.4 × 0.40 ÷ (989.4 × 0.40) = 1.00
    h800 = next(line for line in words.split("\n") if line.startswith("- **H800 SXM**"))
    assert "= 1.00 in sustained rate per chip at the base point)" in h800


def test_a_chip_without_a_price_says_its_tco_is_unknown_and_why():
    # hostile M3/L3 with the H20 as reference: MLU370-X8 148 × 0.40 / (96 × 0.40 × Cambricon's base factor 1.0)
    # = 59.2 / 38.4 = 1.5417 at the base point (the "1.8" printed was the median over the 0.5–1.0–1.0 factor);
    # neither the L20 nor the MLU370-X8 has a price in data/chips.csv, so no TCO: said in words, not "n/a"
    assert round(148 * 0.40 / (96 * 0.40 * 1.0), 2) == 1.54
    r = cp.run(reference_chip="h20", candidates=["h20", "l20", "mlu370-x8"], **FAST)
    answer, words = cp.answer(r), cp.findings(r)
    assert "(148 TFLOP/s BF16 × MFU 40.0 % ÷ (96 TFLOP/s BF16 × MFU 40.0 %) = 1.54 in sustained rate" in words
    # the L20's TDP is unknown too (only spec aggregators give it; prices lane), so its power is named as well
    assert "L20** (TCO unknown: data/chips.csv has no sourced price or power for the L20)" in answer
    assert (
        "TCO and cost per effective PFLOP-hour unknown: data/chips.csv has no sourced price for the MLU370-X8" in words
    )
    assert "n/a" not in answer and "TCO n/a" not in words and "n/a over" not in answer


def test_a_reference_without_a_price_or_power_says_so_in_words():
    # hostile check 3: an H100 PCIe reference (no sourced price in data/chips.csv) read "costs n/a to own", an L20
    # one (no price, no TDP) "draws n/a at the meter": page 1 now says what is unknown and why
    lines = {
        ref: next(
            line for line in cp.answer(cp.run(reference_chip=ref, **FAST)).split("\n") if "reference itself" in line
        )
        for ref in ("h100-pcie", "l20")
    }
    assert "n/a" not in "".join(lines.values())
    assert lines["h100-pcie"].endswith("its TCO is unknown: data/chips.csv has no sourced price for the H100 PCIe.")
    assert lines["l20"] == (
        "- The reference itself has no sourced power and its TCO is unknown: data/chips.csv has no sourced price or "
        "power for the L20."
    )
