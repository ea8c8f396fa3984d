"""chip_parity assembly: transferred MFU, goodput-aware chip counts, bands that contain their
headlines, the reference honoured everywhere, and the one H20-per-H100 answer — worked by hand."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.assembly import chip_parity as cp
from analysis.assembly import inputs as shared

FAST = {"draws": 200}


@pytest.fixture(scope="module")
def default():
    return cp.run(**FAST)


@pytest.fixture(scope="module")
def a100():
    return cp.run(reference_chip="a100-sxm-80gb", candidates=["h20", "mi300x", "ascend-910b"], seed=7, **FAST)


def test_transferred_mfu_uses_the_compute_efficiency_not_the_mfu():
    # Llama 3.1 405B layout (TP8, PP16, DP128; 16,777,216 tokens / 16,384 chips = 1,024 tokens per chip),
    # compute efficiency 0.5, no overlap.
    # compute: 6 × 405e9 × 1,024 / (989.4e12 × 0.5) = 2.48832e15 / 4.947e14 = 5.029958 s (H100 and H800)
    # TP all-reduce: 1,024 × 8 × 126 layers × 4 × 16,384 × 2 B = 135,291,469,824 B; ring 2 × 7/8 = 1.75 ×
    #   H100 link 900/2 × 0.8 = 360 GB/s -> 0.657667 s; H800 400/2 × 0.8 = 160 GB/s -> 1.479750 s
    # DP all-reduce: 405e9 / (8 × 16) × 2 B = 6.328125e9 B × 2 × 127/128 / 50e9 = 0.251147 s
    # efficiency H100 = 5.029958 / 5.938772 = 0.846972; H800 = 5.029958 / 6.760855 = 0.743983
    # ratio 0.878404 -> H800 MFU = 0.4 × 0.878404 = 0.351362
    ratios = cp.scaling_ratios(
        "llama-3.1-405b-pretraining", ["h100-sxm", "h800-sxm"], overlap=0.0, compute_efficiency=0.5
    )
    assert_allclose(ratios["scaling_efficiency"], [0.846972, 0.743983], rtol=1e-5)
    assert_allclose(ratios.loc["h800-sxm", "ratio"], 0.878404, rtol=1e-5)
    inp = cp.inputs(candidates=["h800-sxm"], mfu=0.4, **FAST)
    base = cp.figures(shared.base_point(inp["ranges"]), inp)
    assert_allclose(base["mfu"][0], [0.4, 0.351362], rtol=1e-5)


def test_no_chip_gets_an_mfu_above_the_reference_from_the_interconnect(default):
    # H20 (900 GB/s) and Ascend 910B (600 GB/s) communicate less per FLOP than the H100: their scaling
    # ratio is above 1 but capped, so the H20 keeps the reference's 0.4 and the 910B gets 0.4 × 0.75
    # (Huawei's vendor factor, data/vendor_efficiency.csv) = 0.30
    assert default["scaling"].loc["h20", "ratio"] > 1 and default["scaling"].loc["h20", "used"] == 1
    assert_allclose(default["base"].loc["h20", "mfu"], 0.4)
    assert_allclose(default["base"].loc["ascend-910b", "mfu"], 0.30)
    assert (default["base"]["mfu"] <= 0.4 + 1e-12).all()


def test_h20_per_h100_is_one_answer():
    # sustained rate per chip: 989.4 × 0.4 / (148 × 0.4) = 6.685135 (NVIDIA factors 1, ratio capped at 1)
    assert_allclose(cp.chips_per_reference("h20", **FAST), 6.685135, rtol=1e-6)
    # at 2,048 H100: λ (R + T/2) = 1.97e-5 × (1/6 + 1/6) = 6.56667e-6 per chip;
    # goodput(2,048) = 1 / (1 + 2,048 × 6.56667e-6) = 0.986730; useful = 2,048 × 0.986730 × 6.685135 = 13,509.5
    # n = 13,509.5 / (1 − 13,509.5 × 6.56667e-6) = 13,509.5 / 0.911288 = 14,824.6 -> 14,825 H20
    assert_allclose(cp.chips_per_reference("h20", reference_count=2048, **FAST), 14_825 / 2048)
    assert cp.chips_per_reference("h100-sxm") == 1.0


def test_goodput_column_and_no_match(default):
    # 2,048 H100 train 1 / (1 + 2,048 × 6.56667e-6) = 98.673 % of the time; 14,825 H20 1 / (1 + 0.097351) = 91.128 %
    assert_allclose(default["p50"].loc["h100-sxm", "goodput"], 0.986730, rtol=1e-5)
    assert_allclose(default["p50"].loc["h20", "goodput"], 0.911286, rtol=1e-5)
    assert default["p50"].loc["h20", "chip_count"] == 14_825
    # 100,000 H100: useful = 100,000 / (1 + 0.656667) = 60,362 × 6.685 = 403,531 H20-equivalents, above the
    # ceiling 1 / 6.56667e-6 = 152,284 useful chips: no H20 count matches
    r = cp.run(reference_count=100_000, candidates=["h20", "b200"], **FAST)
    assert r["matched"].loc["h20"] == 0 and np.isnan(r["p50"].loc["h20", "chip_count"])
    assert "no chip count matches" in cp.findings(r) and "no number of H20" in cp.answer(r)
    assert r["matched"].loc["b200"] == 1


@pytest.mark.parametrize("case", ["default", "a100"])
def test_every_banded_figure_lies_in_its_band(case, request):
    r = request.getfixturevalue(case)
    figures = cp.key_figures(r)
    for chip, entry in [(r["reference"], figures["reference"]), *figures["candidates"].items()]:
        for name in cp.BANDED:
            mid, low, high = entry[name], entry[f"{name}_p10"], entry[f"{name}_p90"]
            if mid == mid:
                assert low <= mid <= high, (chip, name, low, mid, high)


def test_the_reference_is_honoured_everywhere(a100):
    # the reference row is the A100, at its own count in every draw, and the bands are about it
    assert a100["reference"] == "a100-sxm-80gb" and a100["chips"].index[0] == "a100-sxm-80gb"
    figures = cp.key_figures(a100)
    assert figures["reference"]["chip"] == "a100-sxm-80gb"
    assert figures["reference"]["chip_count_p10"] == figures["reference"]["chip_count_p90"] == 2048
    # H20 per A100: 312 × 0.4 / (148 × 0.4) = 2.108108 (H20 scaling ratio vs the A100 above 1, capped)
    assert_allclose(a100["p50"].loc["h20", "per_reference"], 2.108108, rtol=1e-6)
    assert "A100" in cp.answer(a100) and "H100" not in cp.answer(a100)


def test_one_and_all_chip_candidate_lists():
    one = cp.run(candidates=["b200"], **FAST)
    assert list(one["chips"].index) == ["h100-sxm", "b200"]
    catalog = list(shared.chips(["h100-sxm"]).index) + [c for c in cp.load("chips").index if c != "h100-sxm"]
    every = cp.run(candidates=catalog[1:], workload="decode", model="llama-2-70b", batch_size=8, **FAST)
    assert len(every["p50"]) == len(catalog)
    # chips without a TDP or system power (TPU v5p) or without a price (L20) read n/a, not a number
    assert np.isnan(every["p50"].loc["tpu-v5p", "it_power_mw"]) and np.isnan(every["p50"].loc["l20", "capex_usd"])
    assert "nan" not in cp.findings(every)


def test_capacity_floor_binds_for_decode_of_a_big_model():
    # DeepSeek-V3 in FP8 needs 671e9 B / (96 GB × 0.9) = 7.77 -> 8 H20 per replica at least, more with the KV cache;
    # 1 H100 cannot hold it, but the reference keeps its count; a 1-chip reference makes the H20 floor-bound
    r = cp.run(
        reference_count=1,
        candidates=["h20"],
        workload="decode",
        precision="fp8",
        batch_size=1,
        context_tokens=1,
        **FAST,
    )
    assert r["binding"].loc["h20"] == "memory capacity"
    assert r["p50"].loc["h20", "chip_count"] == 8


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


def test_systems_power_per_flop_by_both_routes():
    systems = cp.systems_table()
    # GB200 NVL72: 145 kW / 180 PFLOP/s = 0.8056 W per TFLOP/s; per-chip model 1,200 W × 1.8 / 2,500 = 0.864
    assert_allclose(systems.loc["gb200-nvl72", "W per TFLOP/s (system)"], 0.805556, rtol=1e-5)
    assert_allclose(systems.loc["gb200-nvl72", "W per TFLOP/s (per-chip model)"], 0.864, rtol=1e-9)
    # CloudMatrix 384: 559 kW / 300 PFLOP/s = 1.8633; model: 559,000 / 384 = 1,455.7 W / 780 = 1.8663
    assert_allclose(systems.loc["cloudmatrix-384", "W per TFLOP/s (per-chip model)"], 1.866319, rtol=1e-5)
    # every system with a power figure agrees with the per-chip model within 10 %
    known = systems["model / system"].dropna()
    assert len(known) >= 4 and (abs(known - 1) < 0.10).all()
    text = cp.systems_text(systems)
    # 1.8633 / 0.8056 = 2.3 from the systems; 1.8663 / 0.864 = 2.2 from the model
    assert "**2.3×**" in text and "**2.2×**" in text and "by construction" in text
