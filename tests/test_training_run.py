"""The training_run report's assembly, worked by hand from the sources (fast tier: no kernel)."""

import re
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import edit_cell
from numpy.testing import assert_allclose

from analysis.assembly import inputs as shared
from analysis.assembly import present
from analysis.assembly import training_run as report
from analysis.assembly.params import ParameterError
from analysis.catalog import load, sources
from analysis.formulas import goodput, uncertainty

FEW = {"draws": 400}  # enough draws for bands; the base point does not depend on them


@pytest.fixture(scope="module")
def deepseek():
    return report.run(**FEW)


def test_deepseek_reproduces_its_disclosed_hours_and_rental(deepseek):
    # the MFU is implied from the disclosed 2,788,000 H800-hours net of the run's goodput, so the
    # projection on the run's own chip gives back 2,788,000 hours and 2,788,000 × $2 = $5,576,000
    base = deepseek.base.loc["h800-sxm"]
    assert_allclose(base["gpu_hours"], 2_788_000, rtol=1e-9)
    assert_allclose(base["rental_cost_usd"], 5_576_000, rtol=1e-9)
    # energy: 2,788,000 h × 700 W × 1.82143 (server: the DGX H100's 10.2 kW / 8 / 700 W, the H800's
    # module) × 0.75 (load) × PUE 1.5 = 2,788,000 × 1,275 W × 1.125 = 3,999.04 MWh
    assert_allclose(base["energy_mwh"], 2_788_000 * 700 * 1.82143 * 0.75 * 1.5 / 1e6, rtol=1e-9)
    assert_allclose(base["energy_mwh"], 3_999.04, rtol=1e-6)


def test_deepseek_mfu_is_implied_by_its_hours_net_of_goodput(deepseek):
    # DeepSeek-V3 trained in FP8 (training_runs.csv precision fp8; report Sec. 3.3): the H800's dense
    # FP8 peak 1,978.9 TFLOP/s. C = 6 × 37e9 × 14.8e12 = 3.2856e24 FLOP over 2,788,000 h × 3,600 s ×
    # 1,978.9e12 FLOP/s = 1.98618e25 FLOP at full peak: 0.165423, divided by the run's goodput at 2,048 chips
    implied = 6 * 37e9 * 14.8e12 / (2_788_000 * 3600 * 1978.9e12)
    assert_allclose(implied, 0.165423, rtol=1e-5)
    run_goodput = goodput.goodput(2048, **deepseek.inputs.goodput.kwargs())
    assert_allclose(deepseek.inputs.mfu, implied / run_goodput, rtol=1e-9)
    assert deepseek.inputs.anchor_chip == "h800-sxm"
    assert deepseek.inputs.used["mfu"].source == "deepseek-v3-report"
    assert deepseek.inputs.used["precision"].value == "fp8"
    assert deepseek.inputs.used["precision"].source == "deepseek-v3-report"


def test_h800_capex_is_a_server_share_and_not_marked_up_twice(deepseek):
    # H800 price 39,384 is a server share (price_unit = server): capex = 2,048 × 39,384 / (1 − 0.19)
    # = 80,658,432 / 0.81 = 99,578,311.1; charged over 4 years for the run's days, plus electricity at $0.088/kWh
    base = deepseek.base.loc["h800-sxm"]
    capex = 2048 * 39_384 / 0.81
    assert_allclose(capex, 99_578_311.1, rtol=1e-9)
    electricity = base["energy_mwh"] * 1000 * 0.088
    assert_allclose(base["ownership_cost_usd"], capex / 4 * base["days"] / 365 + electricity, rtol=1e-9)


def test_used_block_names_every_input_with_a_unit_and_a_source(deepseek):
    used = deepseek.inputs.used
    for name in (
        "usd_per_kwh",
        "pue",
        "grid_kgco2_per_kwh",
        "load_factor",
        "server_power_ratio",
        "years",
        "mfu",
        "mfu_spread",
        "compute_efficiency",
        "interruptions_per_chip_hour",
        "restart_hours",
        "checkpoint_interval_hours",
        "total_params",
        "active_params",
        "tokens",
        "chip",
        "chip_count",
        "usd_per_gpu_hour",
    ):
        assert name in used, name
    h800 = used["chips"]["h800-sxm"]
    for name in ("peak_tflops", "max_w_per_chip", "price_usd", "usd_per_gpu_hour", "mfu_factor"):
        assert name in h800, name
    keys = set(sources().index)
    records = [u for u in used.values() if not isinstance(u, dict)] + [
        u for c in used["chips"].values() for u in c.values()
    ]
    for u in records:
        assert u.unit and set(u.source.split(";")) <= keys, u
    # the defaults the report used: Epoch AI's load factor 0.75 and server ratio 1.8, 4 years,
    # the region's $0.088/kWh and PUE 1.5, the run's own $2/GPU-hour on its own chip
    assert [used[k].value for k in ("load_factor", "server_power_ratio", "years")] == [0.75, 1.8, 4.0]
    assert (used["usd_per_kwh"].value, used["pue"].value) == (0.088, 1.5)
    assert used["usd_per_gpu_hour"] == h800["usd_per_gpu_hour"]
    assert (used["usd_per_gpu_hour"].value, used["usd_per_gpu_hour"].source) == (2.0, "deepseek-v3-report")
    assert {k for u in records for k in u.source.split(";")} <= set(report.present.source_numbers(used))


def test_values_the_reader_sets_are_marked_as_the_readers():
    r = report.run(
        run="custom", active_params=70e9, tokens=2e12, chip="h100-sxm", chip_count=1024, mfu=0.4, pue=1.2, **FEW
    )
    used = r.inputs.used
    for name in ("active_params", "tokens", "chip", "chip_count", "mfu", "pue"):
        assert used[name].source == shared.READER, name
    # no total given: a dense model, total = active; no rental given: the H100's base $2.95
    assert used["total_params"].value == 70e9 and r.inputs.run.total_params == 70e9
    assert used["usd_per_gpu_hour"].value == 2.95 and used["usd_per_gpu_hour"].source != shared.READER
    assert r.inputs.parameters["pue"] == 1.2 and r.inputs.parameters["load_factor"] is None


def test_another_chip_drops_the_runs_own_price():
    # DeepSeek's $2/GPU-hour was for its H800s: on the H100 the chip's base rental $2.95 applies,
    # so the rental is the projected hours × 2.95
    r = report.run(chip="h100-sxm", **FEW)
    assert r.inputs.run.usd_per_gpu_hour is None and r.inputs.run.disclosed_chip == "h800-sxm"
    base = r.base.loc["h100-sxm"]
    assert_allclose(base["rental_cost_usd"], base["gpu_hours"] * 2.95, rtol=1e-12)
    assert r.inputs.used["usd_per_gpu_hour"].value == 2.95


def test_megatron_gpt3_from_achieved_tflops_with_recomputation():
    # Narayanan et al. 2021, Table 2: GPT-3 175B, 300 B tokens, 384 A100 at 153 achieved TFLOP/s
    # (recomputation included). MFU = 153 / 312 × 6/8 = 0.367788; compute hours =
    # 6 × 175e9 × 300e9 / (312e12 × 0.367788 × 3600) = 762,527 h → 82.74 days on 384 GPUs;
    # goodput(384) at the Young–Daly interval = 1 / (1 + 384 × 1.97e-5 / 6 + sqrt(2 × 7.875e-4 × 384 × 1.97e-5))
    # = 1 / (1 + 0.0012608 + 0.0034517) = 0.995310 → 82.74 / 0.995310 = 83.13 days (paper: 84)
    r = report.run(
        run="custom",
        active_params=175e9,
        tokens=300e9,
        chip="a100-sxm-80gb",
        chip_count=384,
        achieved_tflops=153.0,
        recompute=True,
        **FEW,
    )
    assert_allclose(r.inputs.mfu, 153 / 312 * 6 / 8, rtol=1e-12)
    assert_allclose(r.base.loc["a100-sxm-80gb", "days"], 83.13, rtol=1e-3)


def test_hfu_with_recomputation_is_three_quarters_mfu():
    # HFU 0.49 with full recomputation: MFU = 0.49 × 6/8 = 0.3675
    r = report.run(
        run="custom",
        active_params=70e9,
        tokens=2e12,
        chip="h100-sxm",
        chip_count=1024,
        hfu=0.49,
        recompute=True,
        **FEW,
    )
    assert_allclose(r.inputs.mfu, 0.3675, rtol=1e-12)
    assert r.inputs.used["mfu"].source == shared.READER


def test_a_run_without_a_disclosure_takes_the_prior_and_its_published_dispersion():
    # H100 = hopper, dense, BF16. The prior prefers accounted runs (data/accounted_runs.csv): 10 usable
    # Hopper dense rows (SmolLM2-1.7B is set aside: its GPU-hours are a forum answer), MFU = 6·N·D /
    # (GPU-hours × 3,600 × 989.4e12) / goodput(n), sorted: Phi-3-small 0.129, Phi-3.5-mini 0.178, Granite 8B
    # 0.197, Phi-3-medium 0.220, cosmo-1b 0.228, Phi-4 0.242, Phi-3-mini 0.247 / 0.257, Granite 2B 0.263,
    # Llama 3.1 405B 0.365. Median (inverted CDF of 10: the 5th) is cosmo-1b: 6 · 1.8e9 · 1.8e11 = 1.944e21
    # FLOP / (160 × 15 h = 2,400 h × 3,600 × 989.4e12) = 0.227411; goodput(160) = 1 / (1 + 160·1.97e-5 ×
    # 0.107833 + sqrt(2 · 7.875e-4 · 160·1.97e-5)) = 1 / (1 + 0.00033989 + 0.0022281) = 0.997439 → 0.227411 /
    # 0.997439 = 0.227995.
    r = report.run(run="custom", active_params=70e9, tokens=2e12, chip="h100-sxm", chip_count=1024, **FEW)
    assert r.inputs.mfu == pytest.approx(0.227995, rel=1e-5)
    assert r.inputs.used["mfu"].source == "mfu-observations"
    assert r.inputs.used["precision"].value == "bf16"
    assert "10 accounted utilisations" in r.inputs.used["mfu"].origin
    # GPU-hours ∝ 1 / MFU. The observations' own P10–P90 (inverted CDF of 10: 1st and 9th) is
    # Phi-3-small (6 · 7e9 · 4.8e12 = 2.016e23 / (1,024 × 18 d × 24 = 442,368 h × 3,600 × 989.4e12) = 0.127947
    # / goodput(1,024) 1 / (1 + 0.0021753 + 0.0056367) = 0.992249 → 0.128947) … Granite 2B (6 · 2.5e9 · 12e12
    # = 1.8e23 / (192,030 h × 3,600 × 989.4e12) = 0.26317, no chip count so no goodput removed): 0.26317 /
    # 0.128947 = 2.04; the published MFUs
    # of Hopper dense BF16 runs (data/mfu_observations.csv on 6·N·D, 0.317999 … 0.429757, tests/test_utilisation.py)
    # span only 0.429757 / 0.317999 = 1.35. The run's GPU-hours band must be at least as wide as both.
    band = r.p90.loc["h100-sxm", "gpu_hours"] / r.p10.loc["h100-sxm", "gpu_hours"]
    assert band >= 0.26317 / 0.128947 and band >= 0.429757 / 0.317999


def test_only_one_way_of_giving_utilisation():
    with pytest.raises(ParameterError, match="mfu, hfu or achieved_tflops"):
        report.inputs(mfu=0.4, hfu=0.5)


def test_achieved_rate_above_the_chips_peak_is_an_error():
    # The H20's dense FP8 peak is 296 TFLOP/s (chips.csv, tweaktown-h20): 5,000 achieved TFLOP/s would be
    # HFU 5,000 / 296 = 16.9, MFU 1,689 %; a chip executes at most its peak, so the message names 5000,
    # the chip, its 296 TFLOP/s peak and the allowed range up to it.
    with pytest.raises(
        ParameterError, match=r"5000 TFLOP/s is above the H20's dense FP8 peak of 296 TFLOP/s.*0\.1 to 296"
    ):
        report.inputs(chip="h20", achieved_tflops=5000.0)
    # with recomputation the bound is the same (HFU ≤ 1): 300 > 296 on the H20 is an error, 296 is not
    with pytest.raises(ParameterError, match="achieved_tflops: 300 TFLOP/s"):
        report.inputs(chip="h20", achieved_tflops=300.0, recompute=True)
    # at the peak itself: HFU 296 / 296 = 1, MFU 1 × 6/8 = 0.75
    assert_allclose(report.inputs(chip="h20", achieved_tflops=296.0, recompute=True).mfu, 0.75, rtol=1e-12)
    # a limit is printed with every digit the catalog gives, never rounded up past the true peak: the H800's
    # dense FP8 peak is 1,978.9 TFLOP/s (chips.csv), so 1,978.95 is refused with "1,978.9", not "1,979"
    with pytest.raises(ParameterError, match=r"FP8 peak of 1,978\.9 TFLOP/s.*0\.1 to 1,978\.9 TFLOP/s"):
        report.inputs(chip="h800-sxm", precision="fp8", achieved_tflops=1978.95)


def test_a_tiny_custom_run_reads_in_its_own_units_and_claims_no_disclosure():
    # 6 × 1e8 × 2e9 = 1.2e18 FLOP on 8 H100s at MFU 0.25 of 989.4 TFLOP/s: 1.2e18 / (989.4e12 × 0.25 × 3,600)
    # = 1.3476 GPU-hours, 1.3476 / 8 = 0.16845 h of wall clock (goodput ≈ 1 on 8 chips): a few minutes, well
    # under a tonne of CO₂ (1.35 h × 1,275 W × 0.75 × 1.5 = 1.9 kWh × 0.531 kg/kWh ≈ 1 kg).
    r = report.run(run="custom", active_params=1e8, tokens=2e9, chip="h100-sxm", chip_count=8, mfu=0.25, seed=1, **FEW)
    page = report.answer(r) + report.findings(r)
    assert "disclosure sets it" not in page  # no disclosure: the MFU is drawn (the reader's, over the prior's spread)
    assert "e-0" not in page and " 0.0 days" not in page and " 0 t CO₂" not in page
    assert re.search(r"takes \*\*0\.1[67]\d hours\*\*", page)  # 0.168 h at the base point; the P50 nearby
    assert re.search(r"\*\*1\.[2-4]\d\d GPU-hours\*\*", page)  # 1.348 at the base point
    assert "under 1 t CO₂" in page
    # the formatters, by hand: 2,788,000 → "2.788 M"; 552,000 → "552,000"; 1.475 → "1.475"; 0.00767 days × 24
    # = 0.184 hours; 57.4 days stays in days
    assert [report.hours_count(x) for x in (2_788_000, 552_000, 1.475)] == ["2.788 M", "552,000", "1.475"]
    fmt, unit = report.duration(0.00767)
    assert (fmt(0.00767), unit) == ("0.184", "hours")
    fmt, unit = report.duration(57.44)
    assert (fmt(57.44), unit) == ("57.4", "days")
    assert [report.tonnes_co2(x) for x in (0.4, 8_930.2, float("nan"))] == [
        "under 1 t CO₂",
        "8,930 t CO₂",
        "emissions n/a",
    ]


def test_a_region_without_a_grid_intensity_says_so_and_prints_no_nan():
    # us-ercot has no grid_kgco2_per_kwh in regions.csv: the emissions are n/a, and the page says why
    # instead of "n/a t CO₂ at nan kg/kWh"
    r = report.run(region="us-ercot", **FEW)
    page = report.answer(r) + report.findings(r) + report.energy_text(r)
    assert "nan" not in page and "n/a t CO₂" not in page
    assert "has no emissions figure, at region us-ercot: PUE 1.30" in page
    assert "no sourced grid intensity" in page


def test_page_one_rental_words_reproduce(deepseek):
    # DeepSeek-V3 on its H800s at its own $2 rent (not drawn): 2.788 M GPU-hours × $2.00 = $5.576 M → "$5.58 M"
    assert "**$5.58 M** (no band: the disclosure sets it and nothing drawn moves it): 2.788 M GPU-hours × $2.00" in (
        report.rental_line(deepseek)
    )
    # A100 at a drawn rent (chips.csv 0.80–1.30–3.00 USD/GPU-hour): the words give the drawn range and the base
    # point's product, which must multiply out: hours × $1.30 = the cost quoted, to the rounding shown
    line = report.rental_line(report.run(chip="a100-sxm-80gb", **FEW))
    assert "rent drawn over $0.80–$3.00 per GPU-hour around $1.30 per GPU-hour" in line
    hours, price, usd = re.search(r"base point ([\d.]+) M GPU-hours × \$([\d.]+) = \$([\d.]+) M", line).groups()
    assert price == "1.30"
    assert_allclose(float(hours) * float(price), float(usd), rtol=0.01)  # e.g. 11.32 × 1.30 = 14.72 → $14.7 M


def test_chips_that_cannot_hold_the_training_state_are_an_error():
    # DeepSeek-V3: 671e9 parameters × 16 bytes (2 BF16 weights + 14 of gradients and Adam state, zero-2020)
    # = 1.0736e13 B; an H800 holds 80 GB × 0.9 usable = 7.2e10 B: 1.0736e13 / 7.2e10 = 149.1 → 150 chips
    # (chip_parity's floor: "150 H800 SXM match 1 H100 … bound by memory capacity")
    with pytest.raises(ParameterError, match=r"chip_count: 1 H800 SXM cannot hold DeepSeek-V3.*150 chips or more"):
        report.inputs(chip_count=1)
    assert report.capacity_floor(report.inputs().run, 80.0) == 150
    with pytest.raises(ParameterError, match="149 H800 SXM"):
        report.inputs(chip_count=149)
    assert report.inputs(chip_count=150).run.chip_count == 150
    # a custom 7e9 dense model: 7e9 × 16 = 1.12e11 B / 7.2e10 = 1.56 → 2 H100s (80 GB) at least
    with pytest.raises(ParameterError, match="allowed: 2 chips or more"):
        report.inputs(run="custom", active_params=7e9, tokens=1e12, chip="h100-sxm", chip_count=1)


def test_fp8_on_a_chip_without_fp8_says_so_on_page_one_and_shows_that_chips_mfu():
    # DeepSeek-V3 asked in FP8 on an A100 (no FP8 column in chips.csv): the A100 runs at its BF16 peak, 312
    # TFLOP/s. Its MFU: the H800's implied 0.167461 (0.165423 / goodput 0.987828) × FP8 / BF16 peak
    # 1,978.9 / 989.4 ÷ the measured FP8 speed-up, the median of data/fp8_speedups.csv (1.27974 + 1.28003) / 2
    # = 1.27988: 0.167461 × 2.000101 / 1.27988 = 0.261689 → 26.2 %; the vendor factors (NVIDIA 1.0 on both),
    # the scaling ratio (min 1) and the median move between silicons ((0.97687 + 1.02313) / 2 = 1.0) leave it.
    r = report.run(chip="a100-sxm-80gb", precision="fp8", **FEW)
    assert_allclose(r.base.loc["a100-sxm-80gb", "mfu"], 0.167461 * 1978.9 / 989.4 / 1.27988, rtol=1e-4)
    answer = report.answer(r)
    # the FP8 MFU is divided by the speed-up: the A100 gains none (hostile check 2: "carried over" read as a credit)
    assert (
        "The A100 SXM has no sourced FP8 peak: it is costed at its BF16 peak (312 TFLOP/s) at the run's FP8 MFU "
        "converted to a BF16 one (× the FP8 peak ÷ the BF16 peak of the chip it was measured on, ÷ the measured FP8 "
        "speed-up over BF16, 1.28 ×" in answer
    )
    assert "so it gains no FP8 speed-up" in answer and "speed-up over BF16 carried over" not in answer
    utilisation = next(line for line in report.findings(r).split("\n") if "**Utilisation.**" in line)
    assert utilisation.startswith(
        "- **Utilisation.** MFU **26.2 %** on A100 SXM against its dense BF16 peak, carried over from MFU **16.7 %** "
        "on H800 SXM against its dense FP8 peak"
    )
    # TPU v5p: FP8 459 = BF16 459 TFLOP/s (chips.csv), FP8 at the BF16 rate: costed at 459 the same way
    assert "The TPU v5p runs FP8 at its BF16 rate: it is costed at its BF16 peak (459 TFLOP/s)" in report.answer(
        report.run(chip="tpu-v5p", **FEW)
    )
    # the TPU v5p has no power figure in chips.csv: page 1 says its energy and emissions cannot be estimated, and why
    assert (
        "- The run's energy and emissions cannot be estimated: data/chips.csv has no sourced power for the TPU v5p."
        in report.answer(report.run(chip="tpu-v5p", **FEW))
    )
    # the run's own chip has FP8: no such line
    assert "it is costed at its BF16 peak" not in report.answer(report.run(**FEW))


def test_one_chip_is_singular():
    # a 0.1 B model holds its training state on one H100 (1e8 × 16 B = 1.6 GB < 72 GB usable): "on 1 chip"
    r = report.run(run="custom", active_params=1e8, tokens=2e9, chip="h100-sxm", chip_count=1, mfu=0.25, **FEW)
    page = report.answer(r) + report.findings(r)
    assert "is spent training on 1 chip (interruptions" in page and "1 chips" not in page


def test_goodput_falls_with_chip_count():
    # goodput(n) = 1 / (1 + n·λ·R + sqrt(2·δ·n·λ)), λ = 1.97e-5, R = 0.107833 h, δ = 7.875e-4 h (Young–Daly):
    # 2,048 → 1 / (1 + 0.0043506 + 0.0079715) = 0.987828; 100,000 → 1 / (1 + 0.212432 + 0.0557023) = 0.788560
    small = report.run(run="custom", active_params=70e9, tokens=2e12, chip="h100-sxm", chip_count=2048, mfu=0.4, **FEW)
    large = report.run(
        run="custom", active_params=70e9, tokens=2e12, chip="h100-sxm", chip_count=100_000, mfu=0.4, **FEW
    )
    assert_allclose(small.base.loc["h100-sxm", "goodput"], 0.987828, rtol=1e-5)
    assert_allclose(large.base.loc["h100-sxm", "goodput"], 0.788560, rtol=1e-5)
    # the key figure is the P50 of the draws (R's triangle leans long), further apart than the base points' 0.199
    assert report.key_figures(large)["goodput"] < report.key_figures(small)["goodput"] - 0.25


def test_ascend_gets_huawei_software_factor(deepseek):
    # with full overlap every chip keeps the run's scaling efficiency, so Ascend's MFU is the
    # H800's × Huawei's factor 0.78 / NVIDIA's 1.0 (data/vendor_efficiency.csv), converted from the
    # H800's FP8 peak to its BF16 peak (the 910C has no FP8): × 1,978.9 / 989.4 / the FP8 speed-up
    # (1.279736 + 1.280025) / 2 = 1.279881 (data/fp8_speedups.csv; tests/test_fp8_speedup.py)
    base = deepseek.base
    speedup = (8_532 / 6_667 + 4_018 / 3_139) / 2
    assert_allclose(
        base.loc["ascend-910c", "mfu"], 0.78 * base.loc["h800-sxm", "mfu"] * 1_978.9 / 989.4 / speedup, rtol=1e-12
    )
    assert deepseek.inputs.used["chips"]["ascend-910c"]["mfu_factor"].value == 0.78


def test_interconnect_never_raises_a_chip_above_the_run_chip():
    # Llama 3.1 405B layout without overlap: the H20 (148 TFLOP/s) communicates less per FLOP than
    # the H100, but its MFU is capped at the H100's
    r = report.run(run="llama-3.1-405b", parallel_config="llama-3.1-405b-pretraining", overlap=0.0, **FEW)
    mfu = r.base["mfu"]
    nvidia = [c for c in mfu.index if r.inputs.chips.loc[c, "vendor"] == "NVIDIA"]
    assert (mfu[nvidia] <= mfu["h100-sxm"] + 1e-12).all()
    assert mfu["h800-sxm"] < mfu["h100-sxm"]  # the slower NVLink still costs


@pytest.mark.parametrize("case", [{}, {"chip": "ascend-910c"}, {"run": "llama-3.1-405b", "chip": "mi300x"}])
def test_headlines_lie_inside_their_bands(case):
    r = report.run(**case, **FEW)
    figures = report.key_figures(r)
    for name in report.FIGURES:
        low, mid, high = figures[f"{name}_p10"], figures[name], figures[f"{name}_p90"]
        if mid == mid:
            assert low <= mid <= high, (name, low, mid, high)


def test_chips_without_a_price_or_tdp_read_na_not_inf():
    r = report.run(chip="mi325x", **FEW)  # no interconnect, price or rental sourced for the MI325X
    figures = report.key_figures(r)
    assert all(v != float("inf") for v in figures.values() if isinstance(v, float))


def test_arithmetic_checks_are_within_two_percent():
    checks = report.arithmetic_checks()
    assert len(checks) >= 10
    assert (checks["error"].abs() < 0.02).all(), checks[checks["error"].abs() >= 0.02]


def test_a_custom_run_without_its_figures_is_refused_before_any_kernel():
    with pytest.raises(ParameterError, match="'custom' needs active_params, tokens, chip, chip_count"):
        report.params.validate("training_run", run="custom")


def test_more_active_than_total_parameters_is_refused_before_any_kernel():
    bad = {"run": "custom", "active_params": 70e9, "total_params": 7e9, "tokens": 1e12, "chip": "h100-sxm"}
    with pytest.raises(ParameterError, match="active_params 7e[+]10 is more than total_params 7e[+]09"):
        report.params.validate("training_run", chip_count=100, **bad)
    # DeepSeek-V3's disclosed 671 B total holds 700 B active only if the total changes too
    with pytest.raises(ParameterError, match="active_params 7e[+]11 is more than total_params 6.71e[+]11"):
        report.params.validate("training_run", active_params=700e9)
    report.params.validate("training_run", active_params=700e9, total_params=700e9)
    # as a notebook passes them: every parameter, those not set as None (the disclosed total counts)
    defaults = {name: spec.default for name, spec in report.PARAMETERS.items()}
    with pytest.raises(ParameterError, match="active_params 1e[+]32 is more than total_params 6.71e[+]11"):
        report.params.validate("training_run", **(defaults | {"active_params": 1e32}))


def test_a_chip_without_an_interconnect_figure_gets_no_penalty_and_finite_days():
    # the MI325X has no sourced interconnect: its scaling ratio is taken as 1, so its MFU is the
    # H800's × AMD's factor 1.0 / NVIDIA's 1.0 and its days are finite
    r = report.run(chip="mi325x", **FEW)
    assert r.base.loc["mi325x", "mfu"] == pytest.approx(r.base.loc["h800-sxm", "mfu"])
    assert np.isfinite(report.key_figures(r)["days"])


def test_h800_penalty_is_the_extra_step_time_of_the_slower_nvlink_at_each_overlap():
    """Extra H800 step time against the H100 [%]: step time on the H800 / on the H100 − 1 (the
    efficiency is compute / step and compute is the same). Both chips have the same dense BF16
    peak, 989.4 TFLOP/s, and differ only in NVLink: 400 GB/s against 900 (data/chips.csv)."""
    # Llama 3.1 405B layout (data/parallel_configs.csv): 16,777,216 tokens per step on 16,384
    # chips, TP 8, PP 16, EP 1, DP 128, 50 GB/s network per chip, NVLink efficiency 0.8; the model
    # (data/models.csv): 405e9 parameters (dense), 126 layers, hidden size 16,384; compute at 0.5
    # of peak (scaling.COMPUTE_EFFICIENCY).
    tokens = 16_777_216 / 16_384  # 1,024 tokens per chip per step
    compute_s = 6 * 405e9 * tokens / (989.4e12 * 0.5)  # 2.48832e15 / 4.947e14 = 5.0300 s
    tp_bytes = tokens * 8 * 126 * 4 * 16_384 * 2  # 4 all-reduces a layer over TP 8, BF16: 1.3529e11 B
    tp_h100 = 2 * 7 / 8 * tp_bytes / (900 / 2 * 0.8 * 1e9)  # ring over 8 at 360 GB/s: 0.6577 s
    tp_h800 = 2 * 7 / 8 * tp_bytes / (400 / 2 * 0.8 * 1e9)  # at 160 GB/s, 2.25 × as long: 1.4798 s
    dp_s = 2 * 127 / 128 * (405e9 / (8 * 16 * 1) * 2) / 50e9  # gradients over DP 128: 0.2511 s on both

    def step_s(tp_s, overlap):  # compute + (1 − overlap) × communication
        return compute_s + (1 - overlap) * (tp_s + dp_s)

    expected = [(step_s(tp_h800, o) / step_s(tp_h100, o) - 1) * 100 for o in (0.0, 0.5, 1.0)]
    # no overlap: (1.4798 − 0.6577) / 5.9388 = 0.8221 / 5.9388 = 13.84 %; overlap 0.5: half of each
    # chip's communication shows, 0.4110 / (5.0300 + 0.5 × 0.9088) = 0.4110 / 5.4844 = 7.49 %;
    # overlap 1: computation only, 0 %
    assert_allclose(expected, [13.84, 7.49, 0.0], atol=0.01)
    penalty = report.h800_penalty([0.0, 0.5, 1.0])
    assert_allclose(penalty["llama-3.1-405b-pretraining"], expected, rtol=1e-9, atol=1e-12)
    # DeepSeek-V3 layout: no tensor parallelism, and each token's expert all-to-all crosses the
    # network to 4 nodes (4 / 50 GB/s = 0.08 s per GB) while NVLink forwards it to 8 experts
    # (8 / 160 GB/s = 0.05 s per GB on the H800, 8 / 360 = 0.022 on the H100): the network sets
    # the time on both chips, so their steps are equal: 0 % at every level
    assert_allclose(penalty["deepseek-v3-pretraining"], [0.0, 0.0, 0.0], atol=1e-9)


def test_plots_draw_without_warnings(monkeypatch, deepseek):
    shown = []
    monkeypatch.setattr(report.present.output, "display", lambda obj, **kw: shown.append(obj))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report.plot_by_chip(deepseek)
        report.plot_h800_penalty()
    alts = [figure["text/plain"] for figure in shown]
    assert len(alts) == 2
    assert "Days and cost of DeepSeek-V3 on every chip; fastest: GB200" in alts[0]
    assert "H800 penalty: 14 % without overlap" in alts[1]  # 13.84 % (see the penalty test)


def test_the_h800_penalty_figure_is_drawn_again_after_an_edit_of_the_data(data_copy, monkeypatch):
    """The figure is drawn once per version of the data (catalog.per_data), not once per process:
    an edited chips.csv, once the catalog loads it again (as a new kernel does), reaches it. The
    H800's NVLink edited from 400 to 600 GB/s: in the Llama 3.1 405B layout without overlap (worked
    in the penalty test above) the H800's TP time is 0.6577 × 900 / 600 = 0.9866 s, so its extra
    step time is (0.9866 − 0.6577) / (5.0300 + 0.6577 + 0.2511) = 0.3289 / 5.9388 = 5.54 %: 6 %."""
    from analysis import catalog

    drawn = []
    monkeypatch.setattr(report.present.output, "display", lambda obj, **kw: drawn.append(obj["text/plain"]))
    monkeypatch.setattr(catalog, "DATA_DIR", data_copy)
    report._h800_penalty_shown.cache_clear()
    report._h800_penalty_shown()
    report._h800_penalty_shown()  # the same data: kept, not drawn again
    assert len(drawn) == 1 and drawn[0].startswith("<figure: H800 penalty: 14 % without overlap")  # 13.84 %
    edit_cell(data_copy / "chips.csv", "h800-sxm", "interconnect_gb_s", "600")
    catalog._load_all.cache_clear()  # the catalog reads data/ once per process; a new kernel reads it again
    report._h800_penalty_shown()
    assert len(drawn) == 2 and drawn[1].startswith("<figure: H800 penalty: 6 % without overlap")


def test_text_reads_attributes_of_the_result(deepseek):
    days = deepseek.p50.loc["h800-sxm", "days"]
    assert report.title(deepseek) == "# Training run: DeepSeek-V3 on 2,048 × NVIDIA H800 SXM5 80GB"  # chips.csv name
    assert f"**{days:,.1f} days**" in report.answer(deepseek)
    # 0.165423 / goodput(2,048) 0.987828 = 0.167461 against the FP8 peak (see the MFU test); the run trained in FP8
    assert "MFU **16.7 %** on H800 SXM against its dense FP8 peak (the run trained in FP8" in report.findings(deepseek)


@pytest.mark.parametrize("case", ["deepseek", "h20", "b200", "reader_mfu"])
def test_page_one_is_an_answer_line_a_list_and_notes(case, request):
    """Page 1 reads as one sentence (days with their band, GPU-hours), one bullet per finding (the
    rental cost with its band or why there is none, the ownership cost, the energy, and on the
    disclosed chip and count the base point against the disclosure), then what the figures are and,
    unless the reader set the MFU, why it is the run's own (the deepseek-v3, deepseek-v3-on-h20
    and deepseek-v3-on-b200 reports' parameters; the H20 has no rental price in chips.csv or
    china_prices.csv, the B200 one in chips.csv)."""
    values = {"h20": {"chip": "h20"}, "b200": {"chip": "b200"}, "reader_mfu": {"mfu": 0.4}}.get(case, {})
    r = request.getfixturevalue("deepseek") if case == "deepseek" else report.run(**values, **FEW)
    line, bullets, drawn, *notes = report.answer(r).split("\n\n")
    own, lo, hi = (report.headline(r, q) for q in ("p50", "p10", "p90"))
    # one sentence: no full stop or semicolon inside, no line break, ends introducing the list
    assert line.endswith(":") and ". " not in line and ";" not in line and "\n" not in line
    band = f"(P10–P90 {lo['days']:,.1f}–{hi['days']:,.1f}) and **"
    if case == "deepseek":  # the disclosed hours on the disclosed chip and count: nothing drawn moves the days
        band = " M GPU-hours** (for each, no band: the disclosure sets it and nothing drawn moves it):"
    else:  # another chip draws the move of an MFU between chips (inputs.mfu_transfer); a reader's MFU its spread
        assert hi["days"] > 1.3 * lo["days"]
    assert line.startswith("Training DeepSeek-V3 (") and band in line
    lines = bullets.split("\n")
    assert all(b.startswith("- ") and b.endswith(".") for b in lines)
    rental = "- No rental price is sourced" if case == "h20" else "- Renting the chips costs **"
    assert lines[0].startswith(rental) and ("(P10–P90 $" in lines[0] or "(no band: " in lines[0]) == (case != "h20")
    assert lines[1].startswith("- Owning the chips") and lines[2].startswith("- The run draws **")
    # the base point against the disclosure only on the disclosed 2,048 H800 (so with a reader's MFU too)
    disclosed = case in ("deepseek", "reader_mfu")
    assert len(lines) == 3 + disclosed and lines[-1].startswith("- The base point") == disclosed
    assert drawn.startswith("Figures are the median of 400 Monte Carlo draws") and drawn.endswith("write time).")
    assert [n.split(" ")[0] for n in notes] == ([] if case == "reader_mfu" else ["MFU"])


def test_arithmetic_checks_read_four_figures_without_e_notation():
    # 5,576,000 → 5.576 × 10⁶; 6 × 405e9 × 15.6e12 = 3.7908e25 → 3.791 × 10²⁵ (one line: no-break
    # spaces); below 10⁴ four figures as written: 117.5119 → 117.5, 1,289.376 → 1,289, 54.8
    nbsp = "\u00a0"
    assert report.four_figures(5_576_000) == f"5.576{nbsp}×{nbsp}10⁶"
    assert report.four_figures(6 * 405e9 * 15.6e12) == f"3.791{nbsp}×{nbsp}10²⁵"
    assert [report.four_figures(x) for x in (117.5119, 1289.376, 54.8)] == ["117.5", "1,289", "54.8"]
    checks = report.arithmetic_checks()
    assert not any("e+" in report.four_figures(x) for x in [*checks["disclosed"], *checks["computed"]])


def test_interconnect_table_names_each_layout_by_its_model():
    table = report.interconnect_table()
    assert list(table.index) == [
        "DeepSeek-V3: H100 SXM",
        "DeepSeek-V3: H800 SXM",
        "Llama 3.1 405B: H100 SXM",
        "Llama 3.1 405B: H800 SXM",
    ]
    assert "compute at 50 % of dense BF16 peak" in report.INTERCONNECT_CAPTION


def test_a_chip_without_power_reads_n_a_not_nan():
    """TPU v5p has no TDP and no system figure: its energy and emissions are unknown and the text
    says n/a, never "nan MWh" (issue 22, item 9)."""
    r = report.run(chip="tpu-v5p", **FEW)
    text = report.answer(r) + report.findings(r)
    assert "nan" not in text.lower().replace("n/a", "")
    assert "n/a at the facility meter" in text


def test_the_first_page_says_why_the_mfu_is_the_runs_own(deepseek):
    # the run's MFU is implied by its disclosed hours, not the shared 40 % reference MFU (params.TRAINING):
    # the answer says which and why; a reader's MFU needs no such note
    text = report.answer(deepseek)
    # DeepSeek-V3 trained in FP8: its MFU is against the FP8 peak, the shared one against the BF16 peak
    assert "of the FP8 peak on H800 SXM (implied by the disclosed 2.788 M GPU-hours" in text
    assert "is the run's own accounted utilisation, because its GPU-hours are disclosed" in text
    assert "reports' 40 % (of the BF16 peak) is another concept: a production run's steady-state MFU" in text
    assert "is the run's own" not in report.answer(report.run(mfu=0.4, **FEW))
    # the layout and overlap are the shared defaults, with their source
    used = deepseek.inputs.used
    assert used["parallel_config"].value == "deepseek-v3-pretraining" and used["overlap"].value == 1.0
    assert used["parallel_config"].source == used["overlap"].source == "deepseek-v3-report"


def test_only_chips_gives_the_kept_chips_figures_from_the_same_draws():
    """only_chips keeps the chips asked for and the anchor (DeepSeek-V3's H800, whose disclosed
    GPU-hours set the MFU), in catalog order, and every other range: the H20's and the H800's
    figures at the base point and in every draw are those of the report with every chip, bit for bit."""
    inp = report.inputs(run="deepseek-v3", draws=500)
    few = report.only_chips(inp, ["h20"])
    assert list(few.chips.index) == ["h800-sxm", "h20"] and few.ranges == inp.ranges
    for point in (shared.base_point(inp.ranges), uncertainty.draw(inp.ranges, inp.draws, inp.seed)):
        every, kept = report.figures(point, inp), report.figures(point, few)
        columns = [list(inp.chips.index).index(c) for c in few.chips.index]
        for name, values in kept.items():
            assert np.array_equal(values, np.asarray(every[name])[:, columns], equal_nan=True), name


def test_the_carbon_line_names_the_grid_not_the_tariff(deepseek):
    # cn-avg-industrial: grid 0.5306 kg/kWh (MEE/NBS national average) and PUE 1.5, a target (regions.csv
    # pue_basis); the region's name ("… industrial tariff") describes its price, not its grid
    page = report.answer(deepseek) + report.findings(deepseek)
    assert "China's average (region cn-avg-industrial): PUE 1.50 (a policy target) [" in page
    assert "a grid average of 0.531 kg CO₂/kWh [" in page and "tariff" not in page
    assert "(PUE 1.50, 0.531 kg CO₂/kWh: China's average (region cn-avg-industrial))" in report.findings(deepseek)


def test_goodput_is_drawn_as_chip_parity_draws_it():
    """One answer per question: the share of time 2,048 chips train. Both reports draw λ, R and δ over
    the same sourced triangles from the same seeded streams, so training_run's DeepSeek-V3 run (2,048
    H800) and chip_parity's 2,048-H100 reference give the same P10/P50/P90; the base point stays
    1 / (1 + 2,048 × 1.97e-5 × 0.107833 + sqrt(2 × 7.875e-4 × 2,048 × 1.97e-5)) = 0.987828 (R = 6.47 min, the
    mode), above the median, as the restart time's triangle (150 s, 6.47 min, 30 min) leans to the long end."""
    from analysis.assembly import chip_parity

    run, parity = report.run(run="deepseek-v3", draws=2_000), chip_parity.run(draws=2_000)
    assert set(shared.goodput_inputs().ranges()) <= set(run.inputs.ranges)
    for band in ("p10", "p50", "p90"):
        mine, theirs = getattr(run, band).loc["h800-sxm", "goodput"], getattr(parity, band).loc["h100-sxm", "goodput"]
        assert mine == pytest.approx(theirs, rel=1e-12), band
    assert_allclose(run.base.loc["h800-sxm", "goodput"], 0.987828, rtol=1e-5)
    assert run.p10.loc["h800-sxm", "goodput"] < run.p50.loc["h800-sxm", "goodput"] < 0.987828
    # the band of the GPU-hours now carries it: the page says so, with the base point beside the median
    assert "the goodput inputs (interruption rate, restart time, checkpoint write time)" in report.answer(run)
    assert "at the base point) is spent training on 2,048 chips" in report.findings(run)


def test_a_rent_says_whether_it_is_a_market_quote():
    """The H800's $2.00 per GPU-hour is DeepSeek's accounting assumption (deepseek-v3-report: "$2 per
    GPU hour" rental assumption), every other rent of chips.csv a cloud's or a tracker's quote; the
    first key of a source cell decides."""
    assert shared.rental_basis("deepseek-v3-report;deepseek-v3-readme") == "DeepSeek's assumed rent"
    assert shared.rental_basis("mercatus-gpu-pricing-2026;aimultiple-gpu-index-2026") == shared.MARKET_RENT
    assert shared.rental_basis(shared.READER) == "the reader's rent"
    chips = load("chips")
    rented = chips[chips["usd_per_gpu_hour"].notna()]
    assumed = [c for c, source in rented["rental_source"].items() if shared.rental_basis(source) != shared.MARKET_RENT]
    assert assumed == ["h800-sxm"]


def test_the_h800_has_one_rent_in_every_report():
    """One answer per question: chips.csv's H800 rent, DeepSeek-V3's own (training_runs.csv) and the
    one of DeepSeek's serving day (validation_cases.csv setup) are the same $2.00 per GPU-hour, and
    each source says it is DeepSeek's assumption."""
    from analysis.assembly import validation_cases

    case = load("validation_cases").loc["deepseek-serving-daily-cost"]
    setup = validation_cases.parse_setup(case["setup"])
    assert load("chips").loc["h800-sxm", "usd_per_gpu_hour"] == 2.0
    assert load("training_runs").loc["deepseek-v3", "usd_per_gpu_hour"] == 2.0
    assert setup["usd_per_gpu_hour"] == 2.0


def test_an_assumed_rent_is_labelled_and_not_ranked_among_quotes(deepseek):
    """The run on its 2,048 H800 at DeepSeek's $2.00 (2,788,000 GPU-hours × $2 = $5.576 M at the base
    point) is the cheapest rental of the table but not a market quote: page 1, the table and the
    findings say so, and the ranking of rents names the cheapest market quote instead."""
    shown = report.by_chip_table(deepseek)
    assert shown.loc["H800 SXM", "rental basis"] == "DeepSeek's assumed rent"
    assert shown.loc["H100 SXM", "rental basis"] == shared.MARKET_RENT and shown.loc["H20", "rental basis"] == ""
    assert "× $2.00 per GPU-hour, DeepSeek's assumed rent (not a market quote)." in report.answer(deepseek)
    ranking = report.rent_ranking(deepseek)
    market = deepseek.p50["rental_cost_usd"].where(shown["rental basis"].to_numpy() == shared.MARKET_RENT)
    assert ranking.startswith(f"the cheapest to rent at a market quote is {present.chip_short(market.idxmin())} at ")
    assert ranking.endswith("at $2.00 per GPU-hour, DeepSeek's assumed rent (not a market quote)")
    assert "; H800 SXM costs $" in ranking and "none for H800 SXM" in ranking  # no market quote for the H800
    assert_allclose(deepseek.base.loc["h800-sxm", "rental_cost_usd"], 2_788_000 * 2.0, rtol=1e-9)


def test_page_one_is_the_answer_and_three_findings_the_rents_follow_the_tables(deepseek):
    """Page 1 reads answer first, then compute, utilisation, energy and a pointer for the other chips; the
    rent ranking, which names every chip without a market quote (issue 20), is the paragraph after the
    tables of 'The same run on every chip', never on page 1 without its unpriced chips."""
    lines = report.findings(deepseek).splitlines()
    assert [line.split("**")[1] for line in lines] == ["Compute.", "Utilisation.", "Energy and carbon.", "Other chips."]
    assert "cheapest" not in report.findings(deepseek) and "'The same run on every chip'" in lines[-1]
    rents = report.rent_text(deepseek)
    unpriced = deepseek.p50.index[deepseek.p50["rental_cost_usd"].isna()]
    assert rents.startswith("**Rent.** Of all chips, including the run's own, the cheapest to rent at a market quote")
    assert len(unpriced) > 0 and all(report.present.chip_short(c) in rents for c in unpriced)


def test_a_disclosed_run_carries_only_what_is_not_disclosed(deepseek):
    """DeepSeek-V3 discloses 2,788,000 H800-hours: they fix MFU × goodput at 2,048 chips, so the MFU is
    not drawn and, draw by draw, MFU_draw = MFU × goodput_base(2,048) / goodput_draw(2,048): the H800's
    GPU-hours are 2,788,000 at P10, P50 and P90 and its days 2,788,000 / 2,048 / 24 = 56.722 (before:
    P10–P90 32.0–114.6 days, the whole spread of every run's MFU drawn around a disclosed one). On
    other chips only the transfer is drawn: on a chip of other silicon the move of an MFU between
    chips (inputs.mfu_transfer, 0.723-1.383 × the transfer), the A100 (no FP8) also by the FP8
    speed-up (1.132 … 1.287, data/fp8_speedups.csv), the Ascend 910C also by Huawei's factor
    (0.44–1.0). The H100 SXM is the H800's silicon (989.4 and 1,978.9 TFLOP/s, 3.35 TB/s; NVIDIA's
    factor 1, scaling ratio 1 with the layout fully overlapped): no move, so it takes the disclosed
    2,788,000 GPU-hours in every draw (before: 2,788,000 / move, P90 > 1.3 × P10). The H200 (the
    same peaks, 4.8 TB/s) is other silicon: 2,788,000 / move GPU-hours, its GPU-hours times the
    drawn move the disclosed 2,788,000 in every draw (its MFU 0.168 / move <= 0.168 / 0.7228 = 0.23,
    below Hopper FP8's cap 0.400330 on 6·N·D)."""
    from analysis.formulas import uncertainty

    for q in ("p10", "p50", "p90"):
        frame = getattr(deepseek, q)
        assert_allclose(frame.loc["h800-sxm", "gpu_hours"], 2_788_000, rtol=1e-9)
        assert_allclose(frame.loc["h800-sxm", "days"], 2_788_000 / 2_048 / 24, rtol=1e-9)
    assert_allclose(2_788_000 / 2_048 / 24, 56.722, rtol=1e-5)
    inp = deepseek.inputs
    x = uncertainty.draw(inp.ranges, inp.draws, inp.seed)
    hours = report.figures(x, inp)["gpu_hours"]
    assert_allclose(hours[:, list(inp.chips.index).index("h100-sxm")], 2_788_000, rtol=1e-9)
    assert_allclose(hours[:, list(inp.chips.index).index("h200")] * x[shared.MFU_TRANSFER], 2_788_000, rtol=1e-9)
    assert deepseek.p90.loc["h200", "gpu_hours"] > 1.3 * deepseek.p10.loc["h200", "gpu_hours"]
    for chip in ("a100-sxm-80gb", "ascend-910c"):
        assert deepseek.p90.loc[chip, "gpu_hours"] > 1.02 * deepseek.p10.loc[chip, "gpu_hours"]
    spread = deepseek.inputs.used["mfu_spread"]
    assert spread.origin == "not drawn: the disclosed hours fix MFU × goodput"
    assert deepseek.inputs.ranges["mfu"] == (deepseek.inputs.mfu,) * 3
    assert deepseek.inputs.used["mfu_basis"].value == "disclosed"


def test_a_transferred_mfu_is_capped_like_every_mfu_draw():
    """Llama 3.1 405B discloses 30.84 M H100-hours (BF16): its MFU is not drawn on the H100, and on
    the H200 (other silicon: 4.8 against 3.35 TB/s; NVIDIA's factor 1, the same BF16 peak, scaling
    ratio 1) it is the H100's times the drawn move (0.722833-1.382705, inputs.mfu_transfer on 6·N·D): the
    base 0.364890 × 1.382705 = 0.504535 would go above Hopper BF16's cap, 0.416368 (LLM Foundry, MPT-70B
    on 128 H100 on 6·N·D, tests/test_flop_basis.py; before the one basis 0.4644), so each draw is
    min(H100's × move, 0.416368): the P90 is 0.416368 (before the cap: uncapped, above 0.50). The H800
    (the H100's silicon) takes no move: the H100's MFU in every draw, capped as every chip but the run's
    own is (training_run.chip_mfu): the H100's own draws, 0.364890 × goodput_base / goodput_draw, go above
    0.416368 in a few draws (a drawn goodput more than 12 % below the base), which the cap on 6·N·D
    (before: 0.4644) now reaches."""
    from analysis.formulas import uncertainty

    r = report.run(run="llama-3.1-405b", **FEW)
    inp, index = r.inputs, list(r.inputs.chips.index)
    assert inp.mfu == pytest.approx(0.364890, abs=1e-6) and inp.used["mfu_basis"].value == "disclosed"
    x = uncertainty.draw(inp.ranges, inp.draws, inp.seed)
    mfu = report.figures(x, inp)["mfu"]
    h100, h200, h800 = (mfu[:, index.index(c)] for c in ("h100-sxm", "h200", "h800-sxm"))
    cap = 0.4336 * 3.8916e11 / 405_266_127_360  # 0.416368
    assert_allclose(h200, np.minimum(h100 * x[shared.MFU_TRANSFER], cap), rtol=1e-9)
    assert_allclose(h800, np.minimum(h100, cap), rtol=1e-9)
    assert 0 < (h100 > cap).sum() < 0.05 * len(h100)
    assert 0.364890 * 1.382705 == pytest.approx(0.504535, abs=1e-6)
    assert h200.max() == pytest.approx(0.416368, rel=1e-5) and r.p90.loc["h200", "mfu"] == pytest.approx(cap)
    assert r.base.loc["h200", "mfu"] == pytest.approx(0.364890, abs=1e-6)  # the base transfer is not capped


def test_every_mfu_says_which_concept_it_is_from_one_function():
    """Two concepts, one function of words (inputs.mfu_basis): training_run's MFU is a whole run's
    accounted utilisation (the prior's median where nothing is disclosed, implied by disclosed
    hours) or the run's published MFU; the reference MFU of chip_parity, energy_advantage,
    procurement and compute_stock is a production run's steady-state MFU. Each report's JSON
    ``inputs`` carries it as ``mfu_basis`` and its text prints the same words."""
    from analysis.assembly import chip_parity, compute_stock, energy_advantage, procurement_text
    from analysis.assembly import procurement as buying

    steady = shared.mfu_basis("steady-state")
    custom = report.run(run="custom", active_params=70e9, tokens=2e12, chip="h100-sxm", chip_count=1024, **FEW)
    assert custom.inputs.used["mfu_basis"] == shared.mfu_basis("accounted")
    assert report.run(mfu=0.4, **FEW).inputs.used["mfu_basis"].value == "reader"
    defaults = {n: s.default for n, s in chip_parity.PARAMETERS.items()}
    parity = chip_parity.resolve(defaults)
    assert parity.used["mfu_basis"] == steady
    assert chip_parity.methods(chip_parity.run(draws=200)).count(steady.origin) == 1
    ea = energy_advantage.run(draws=200)
    assert ea.inputs.parity.used["mfu_basis"] == steady and steady.origin in energy_advantage.methods(ea)
    b = buying.run(draws=200)
    assert b.inputs.used["mfu_basis"] == steady and steady.origin in procurement_text.methods(b)
    stock = compute_stock.run(draws=200)
    assert stock.inputs.used["mfu_basis"] == steady and steady.origin in compute_stock.methods(stock)
    with pytest.raises(ValueError, match="'typical' is not one of steady-state, accounted"):
        shared.mfu_basis("typical")


def test_an_estimated_runs_implied_mfu_is_drawn_not_fixed():
    """GPT-3's row is is_estimate (Patterson et al.'s 14.8 days on NVIDIA's suggested 10,000 V100s, not a
    disclosure): its implied MFU is drawn over the prior's spread, as an entered MFU is, and the words
    say the hours are estimated. By hand: C = 6 × 175e9 × 300e9 = 3.15e23 FLOP over 3,552,000 h × 3,600 s
    × 125e12 FLOP/s (the V100's FP16 tensor peak, in the BF16 column) = 1.5984e24 at full peak: 0.197072,
    which the base point's goodput divides."""
    gpt3 = report.run(run="gpt-3-175b", **FEW)
    inp = gpt3.inputs
    assert inp.used["mfu_basis"] == shared.mfu_basis("estimated")
    assert_allclose(inp.mfu * gpt3.base.loc["v100-sxm", "goodput"], 3.15e23 / 1.5984e24, rtol=1e-9)
    assert_allclose(3.15e23 / 1.5984e24, 0.197072, rtol=1e-5)
    low, mid, high = (float(v) for v in inp.ranges["mfu"])
    assert low < mid < high and mid == pytest.approx(inp.mfu)  # a band, not (mfu,) * 3
    assert inp.disclosed_chips is None and shared.MFU_TRANSFER not in inp.ranges
    days = (gpt3.p10.loc["v100-sxm", "days"], gpt3.p90.loc["v100-sxm", "days"])
    assert days[1] > 1.2 * days[0]
    page = report.answer(gpt3)
    assert "no band" not in page and "estimated (not disclosed) 3.552 M GPU-hours" in page
    assert "disclosed 3.552" not in page.replace("not disclosed) 3.552", "")


def test_a_bf16_run_on_a_chip_without_bf16_is_said_to_train_in_fp16():
    # the V100 (volta) has no BF16: chips.csv's BF16 column holds its 125 TFLOP/s FP16 tensor peak
    gpt3 = report.run(run="gpt-3-175b", **FEW)
    text = report.findings(gpt3) + report.mfu_note(gpt3)
    assert "dense BF16/FP16 tensor peak (the run trained in FP16: V100 SXM has no BF16" in text
    assert "of the BF16/FP16 tensor peak on V100 SXM" in text
    assert "trained in BF16" not in text
    # the key inputs say the same of the V100's peak: 125 TFLOP/s, its FP16 tensor peak (nvidia-v100-datasheet)
    peak = gpt3.inputs.used["chips"]["v100-sxm"]["peak_tflops"]
    assert (peak.value, peak.unit) == (125.0, "TFLOP/s, dense BF16/FP16 tensor")
    deepseek = report.run(**FEW)  # an FP8 run on the H800 keeps its precision's words
    assert "against its dense FP8 peak (the run trained in FP8: DeepSeek-V3, as disclosed)" in report.findings(deepseek)


def test_page_one_says_where_the_mfu_comes_from_once(deepseek):
    """The basis of a disclosed run's MFU ("implied by the disclosed 2.788 M GPU-hours …") stands once on page 1
    (the MFU note), not again in the utilisation finding, which says how the MFU is drawn instead: not on the
    H800 and, on chips of other silicon, by the move between chips: the equal-count pairs on 6·N·D 0.72303 and
    0.79824 (LLM Foundry: one conversion factor on both sides, the published 0.4644 / 0.6423 and 0.4257 /
    0.5333), 1.02340 and 1.12839 (Megatron-Bridge, tests/test_fp8_speedup.py), both ways, over their median
    1.000268: 0.72303 / 1.000268 = 0.7228 to (1 / 0.72303) / 1.000268 = 1.3827."""
    page = report.answer(deepseek) + report.findings(deepseek)
    assert page.count(deepseek.inputs.used["mfu_basis"].origin) == 1
    assert (
        "(not drawn on H800 SXM, where the disclosure fixes it; on a chip of other silicon it moves by 0.72–1.38 ×"
        in (report.findings(deepseek))
    )
    # the report for 2,048 H20: the MFU is fixed on the disclosed chip, the H800, not on the H20
    h20 = report.run(chip="h20", **FEW)
    assert "(not drawn on H800 SXM, where the disclosure fixes it;" in report.findings(h20)


def test_a_chip_of_the_disclosed_silicon_says_why_it_has_no_band():
    # the H100 SXM is the H800's silicon (989.4 / 1,978.9 TFLOP/s, 3.35 TB/s): with the layout fully
    # overlapped its days equal the disclosed H800's 2,788,000 / 2,048 / 24 = 56.7, and its page says why,
    # not that the disclosure (of the H800's hours) sets them
    line = report.answer(report.run(chip="h100-sxm", **FEW)).split("\n")[0]
    assert "GPU-hours** (for each, no band: the H100 SXM is the disclosed H800 SXM's silicon, so only the" in line
    assert "the disclosure sets it" not in line


# --- the site a named run trained in (site = run, the default) ---------------------------------------------------


@pytest.fixture(scope="module")
def gpt3():
    return report.run(run="gpt-3-175b", **FEW)


def test_gpt3_energy_and_carbon_at_the_site_patterson_give(gpt3):
    """GPT-3 175B trained at PUE 1.10 and 0.429 kg CO2e/kWh (Patterson et al. 2021, Table 4; training_runs.csv
    site_pue, site_kgco2_per_kwh): its energy and emissions use them, not the report's region (China's
    average, PUE 1.5 and 0.5306 kg/kWh); the disclosed PUE is not drawn."""
    # base point: Patterson's estimated 10,000 V100 × 14.8 days × 24 = 3,552,000 GPU-hours; the package's power
    # per GPU: 300 W TDP × 1.66667 (the V100's server power ratio, chips.csv) × 0.75 load = 375.00075 W;
    # × PUE 1.10 = 412.500825 W; × 3,552,000 h = 1,465,202,930 Wh = 1,465.20 MWh
    energy = 3_552_000 * 300 * 1.66667 * 0.75 * 1.10 / 1e6
    assert_allclose(energy, 1_465.2029, rtol=1e-7)
    base = gpt3.base.loc["v100-sxm"]
    assert_allclose(base["gpu_hours"], 3_552_000, rtol=1e-9)
    assert_allclose(base["energy_mwh"], energy, rtol=1e-9)
    # emissions: 1,465.2029 MWh × 0.429 t/MWh = 628.572 t CO2 (Patterson: 1,287 MWh × 0.429 = 552 t, at their
    # measured 330 W per V100 instead of the package's 375 W: 3,552,000 × 330 × 1.1 = 1,289 MWh)
    assert_allclose(base["emissions_tco2"], 628.572, rtol=1e-5)
    inp = gpt3.inputs
    assert inp.site_basis == "run" and inp.ranges["pue"] == (1.10, 1.10, 1.10)
    assert inp.used["pue"].source == inp.used["grid_kgco2_per_kwh"].source == "patterson-2021"
    # the price stays the region's: no run discloses one
    assert inp.used["usd_per_kwh"].value == 0.088 and inp.site.region == "cn-avg-industrial"


def test_gpt3_says_where_and_sets_patterson_beside_it_in_words(gpt3):
    page_one = report.answer(gpt3)
    assert "at the site GPT-3 175B trained in, as Patterson et al. state it [" in page_one
    assert "PUE 1.10 (not drawn) and 0.429 kg CO₂/kWh" in page_one
    assert "(PUE 1.10, 0.429 kg CO₂/kWh: the site the run trained in)" in report.findings(gpt3)
    # the drawn inputs no longer include the PUE: it is disclosed
    assert "the site's electricity price and the goodput inputs" in page_one
    text = report.energy_text(gpt3)
    # Patterson's 1,287 MWh and 552 t on their 330 W, PUE 1.10, 0.429; the base point's 1,465 MWh and 628.6 t
    # (above) at 375 W = 500.001 W maximum (300 × 1.66667) × 0.75: words, not an accuracy claim
    assert "Patterson et al. give 1,287 MWh and 552 t CO₂e [" in text
    assert "at 330 W per GPU, PUE 1.10, 0.429 kg CO₂/kWh" in text
    assert "the report's base point gives 1,465 MWh and 628.6 t CO₂e at its power model's 375 W per GPU" in text
    assert "not a test of the model" in text


def test_every_chip_is_costed_at_the_one_site(gpt3):
    # each chip's energy over its GPU-hours × maximum W × load is the one PUE, its emissions over its energy
    # the one grid: 1.10 and 0.429 (per chip at the base point, where hours and power are each chip's own)
    base = gpt3.base.dropna(subset=["energy_mwh"])
    max_w = {c: gpt3.inputs.used["chips"][c]["max_w_per_chip"].value for c in base.index}
    pue = base["energy_mwh"] * 1e6 / (base["gpu_hours"] * base.index.map(max_w) * 0.75)
    assert len(base) > 10
    assert_allclose(pue.to_numpy(), 1.10, rtol=1e-9)
    assert_allclose((base["emissions_tco2"] / base["energy_mwh"]).to_numpy(), 0.429, rtol=1e-9)
    assert report.site_caption(gpt3) == (
        "Every chip at one site: the site GPT-3 175B trained in (PUE 1.10, 0.429 kg CO₂/kWh; the electricity "
        "price of China's average (region cn-avg-industrial): GPT-3 175B discloses no training country: the "
        "default region)."
    )


def test_the_json_records_which_site(gpt3, deepseek):
    assert report.key_figures(gpt3)["site"] == {
        "basis": "run",
        "region": "cn-avg-industrial",
        "region_basis": "undisclosed",
        "source": "patterson-2021",
        "words": report.site_words(gpt3),
    }
    assert report.key_figures(deepseek)["site"]["basis"] == "region"
    assert report.key_figures(deepseek)["site"]["source"] is None


def test_bloom_at_jean_zay_not_at_its_dynamic_energy_accounting():
    """BLOOM's disclosed 433 MWh is dynamic GPU energy (reported_pue 1.0); its site, Jean Zay, runs at PUE
    1.2 on the French grid's 0.057 kg/kWh (Luccioni et al.): the site's figures are used, not the accounting's."""
    r = report.run(run="bloom-176b", **FEW)
    # 1,082,990 GPU-h × 400 W × 2.03125 (the A100's server ratio: DGX A100 6.5 kW / 8 / 400 W) × 0.75 × 1.2
    # = 1,082,990 × 731.25 W = 791,936,438 Wh = 791.936 MWh; × 0.057 = 45.140 t CO2
    base = r.base.loc["a100-sxm-80gb"]
    assert_allclose(base["energy_mwh"], 1_082_990 * 400 * 2.03125 * 0.75 * 1.2 / 1e6, rtol=1e-9)
    assert_allclose(base["energy_mwh"], 791.936, rtol=1e-6)
    assert_allclose(base["emissions_tco2"], 45.1404, rtol=1e-5)
    assert "as Luccioni, Viguier & Ligozat state it [" in report.answer(r)
    # data/SOURCES.md grades that reading secondary (public reprints of the paper), and the words say so;
    # Patterson et al. (GPT-3) are graded primary and get no such words
    assert "(read in a secondary copy, not first-hand)" in report.site_words(r)
    assert "not first-hand" not in report.site_words(report.run(run="gpt-3-175b", **FEW))
    assert "Luccioni, Viguier & Ligozat give 433 MWh and 24.69 t CO₂e [" in report.energy_text(r)
    assert "at 400 W per GPU, PUE 1.00, 0.057 kg CO₂/kWh" in report.energy_text(r)


def test_site_region_and_the_readers_pue():
    # site = region: GPT-3 back at the region's PUE 1.5 and grid 0.5306: 3,552,000 × 375.00075 W × 1.5
    # = 1,998.004 MWh, × 0.5306 = 1,060.14 t; the words say the run's own site is set aside
    region = report.run(run="gpt-3-175b", site="region", **FEW)
    base = region.base.loc["v100-sxm"]
    assert_allclose(base["energy_mwh"], 3_552_000 * 375.00075 * 1.5 / 1e6, rtol=1e-9)
    assert_allclose(base["emissions_tco2"], 1_998.004 * 0.5306, rtol=1e-5)
    assert region.inputs.site_basis == "region" and region.inputs.ranges["pue"] == (1.3, 1.5, 1.58)
    assert (
        "(the site parameter is region: GPT-3 175B's own disclosed site is set aside; GPT-3 175B discloses no "
        "training country: the default region)"
    ) in report.answer(region)
    # the reader's PUE 1.3 wins over the disclosed 1.10; the grid stays the site's 0.429:
    # 3,552,000 × 375.00075 W × 1.3 = 1,731.603 MWh, × 0.429 = 742.86 t
    given = report.run(run="gpt-3-175b", pue=1.3, **FEW)
    base = given.base.loc["v100-sxm"]
    assert_allclose(base["energy_mwh"], 3_552_000 * 375.00075 * 1.3 / 1e6, rtol=1e-9)
    assert_allclose(base["emissions_tco2"], 1_731.603 * 0.429, rtol=1e-5)
    assert given.inputs.used["pue"].source == shared.READER and given.inputs.site_basis == "run"
    assert "0.429 kg CO₂/kWh; PUE 1.30 (the pue parameter)" in report.answer(given)


def test_a_run_without_a_stated_site_is_costed_at_the_region_and_says_so(deepseek):
    # only GPT-3 (Patterson) and BLOOM (Luccioni) state their site; LLaMA 65B's PUE 1.1 and 0.385 kg/kWh are
    # its accounting assumptions (the US average "instead" of its site's), not a site
    runs = load("training_runs")
    stated = runs.index[runs["site_pue"].notna() | runs["site_kgco2_per_kwh"].notna()]
    assert sorted(stated) == ["bloom-176b", "gpt-3-175b"]
    assert runs.loc["llama-1-65b", "reported_pue"] == 1.1 and np.isnan(runs.loc["llama-1-65b", "site_pue"])
    assert deepseek.inputs.site_basis == "region" and deepseek.inputs.ranges["pue"] == (1.3, 1.5, 1.58)
    assert "(DeepSeek-V3 discloses neither its training site nor its country: the default region)" in report.answer(
        deepseek
    )
    llama = report.run(run="llama-1-65b", **FEW)
    assert llama.inputs.site_basis == "region"
    assert "(LLaMA 65B discloses neither its training site nor its country: the default region)" in report.answer(llama)
    custom = report.run(run="custom", active_params=7e9, tokens=1e12, chip="h100-sxm", chip_count=64, **FEW)
    assert "(a custom run has no disclosed site or country: the default region)" in report.answer(custom)


def test_site_is_run_or_region():
    with pytest.raises(ParameterError, match="parameter site: 'moon' is unknown.*allowed: region, run"):
        report.inputs(site="moon")


def test_a_custom_fp8_run_on_a_chip_without_fp8_takes_the_prior_at_its_bf16_peak():
    # a custom 7e9 × 1e12-token run on 512 A100 (no FP8 peak): its MFU comes from the prior, which is now taken at
    # the peak the chip is costed at (BF16), so asking for FP8 changes nothing: 6 × 7e9 × 1e12 = 4.2e22 FLOP at the
    # same MFU and peak either way. Before, the FP8 prior's median (an MFU at FP8 peaks, 0.197) was applied to the
    # A100's BF16 peak and the run took about twice the hours at FP8 (hostile check 3)
    runs = {
        p: report.run(
            run="custom", active_params=7e9, tokens=1e12, chip="a100-sxm-80gb", chip_count=512, precision=p, **FEW
        )
        for p in ("bf16", "fp8")
    }
    base = {p: r.base.loc["a100-sxm-80gb"] for p, r in runs.items()}
    assert_allclose(base["fp8"]["gpu_hours"], base["bf16"]["gpu_hours"], rtol=1e-9)
    assert_allclose(base["fp8"]["mfu"], base["bf16"]["mfu"], rtol=1e-12)
    assert "so FP8 buys it nothing" in report.precision_line(runs["fp8"])


def test_an_mfu_with_recompute_above_three_quarters_is_refused():
    # recomputation executes 8 model FLOPs for every 6: MFU 0.9 with recompute is HFU 0.9 × 8/6 = 1.2 > 1, refused
    # with the value and the allowed range; 0.75 × 8/6 = 1.0 is the most a chip can execute, and is accepted
    with pytest.raises(ValueError, match=r"parameter mfu: 0.9 with recompute implies HFU 1.2 .*0.01 to 0.75"):
        report.inputs(mfu=0.9, recompute=True)
    report.cross_check({"mfu": 0.75, "recompute": True})
    report.cross_check({"mfu": 0.9, "recompute": False})  # without recomputation HFU = MFU = 0.9


#: The median achieved FP8 speed-up over BF16 of data/fp8_speedups.csv (fp8 / bf16 tokens/s per GPU): 4357 / 3848
#: = 1.13228, 8532 / 6667 = 1.27974, 4018 / 3139 = 1.28003, 8380 / 6514 = 1.28646; four pairs, so the median is
#: the mean of the middle two, (1.279736 + 1.280025) / 2 = 1.279881
FP8_SPEEDUP = (8532 / 6667 + 4018 / 3139) / 2


def test_a_custom_fp8_run_on_an_h100_takes_the_accounted_bf16_prior_carried_to_the_fp8_peak():
    # no accounted FP8 run is published, so a custom FP8 run's MFU is the accounted BF16 prior of its generation
    # (hopper dense), a share of the BF16 peak, carried to the H100's FP8 peak as chip_parity carries its reference
    # MFU: × 989.4 / 1,978.9 × 1.279881 = × 0.639908. The GPU-hours then fall by the achieved speed-up, 1.279881,
    # not by the peaks' 2 × (nor by the 1.728 × of the FP8 prior's steady-state 0.197 on the FP8 peak: 51,981 /
    # 30,078 GPU-hours before, hostile check 1 of session 15). A chip without FP8 (A100) keeps the BF16 MFU.
    runs = {
        p: report.run(run="custom", active_params=7e9, tokens=1e12, chip="h100-sxm", chip_count=512, precision=p, **FEW)
        for p in ("bf16", "fp8")
    }
    prior = shared.observed_prior(generation="hopper", architecture="dense", precision="bf16")
    assert prior.kind == "accounted"
    for r in runs.values():
        assert r.inputs.mfu == prior.p50 and r.inputs.mfu_precision == "bf16"
        assert r.inputs.used["mfu_basis"].value == "accounted"
    bf16, fp8 = (runs[p].base for p in ("bf16", "fp8"))
    assert_allclose(989.4 / 1978.9 * FP8_SPEEDUP, 0.639908, rtol=1e-6)
    assert_allclose(fp8.loc["h100-sxm", "mfu"], prior.p50 * 989.4 / 1978.9 * FP8_SPEEDUP, rtol=1e-9)
    assert_allclose(bf16.loc["h100-sxm", "gpu_hours"] / fp8.loc["h100-sxm", "gpu_hours"], FP8_SPEEDUP, rtol=1e-9)
    assert_allclose(fp8.loc["a100-sxm-80gb", "gpu_hours"], bf16.loc["a100-sxm-80gb", "gpu_hours"], rtol=1e-9)
    # the words say which peak the MFU is on and what FP8 buys
    line = report.precision_line(runs["fp8"])
    assert "no accounted FP8 run is published" in line and "× 989.4 / 1,978.9 × 1.28" in line
    assert "FP8 takes 1.28 × fewer GPU-hours than BF16 at the base point, not the peaks' 2.00 ×" in line
    mfu = present.pct(prior.p50, digits=1)
    assert f"MFU {mfu} of the BF16 peak on H100 SXM" in report.mfu_note(runs["fp8"])
    shown = present.pct(prior.p50 * 989.4 / 1978.9 * FP8_SPEEDUP, digits=1)
    assert f"MFU **{mfu}** on H100 SXM against its dense BF16 peak, **{shown}** of its FP8 peak" in report.findings(
        runs["fp8"]
    )
    assert report.precision_line(runs["bf16"]) == ""


def test_an_entered_fp8_mfu_stays_on_the_fp8_peak():
    # an MFU the reader enters at FP8 is a share of the FP8 peak: 0.30 × 1,978.9 TFLOP/s on the H100, not converted
    r = report.run(
        run="custom", active_params=7e9, tokens=1e12, chip="h100-sxm", chip_count=512, precision="fp8", mfu=0.3, **FEW
    )
    assert r.inputs.mfu_precision == "fp8"
    assert_allclose(r.base.loc["h100-sxm", "mfu"], 0.3, rtol=1e-12)
    assert report.precision_line(r) == ""


def test_gpt3_at_fp8_claims_no_speed_up_on_the_v100_and_says_it_is_costed_in_fp8():
    # GPT-3's MFU is fixed on the V100 (no FP8, no BF16) by Patterson's estimated 3,552,000 V100-hours: at the base
    # point the V100 gives them back at any precision, so page 1 must not say an FP8 speed-up is carried over. A
    # chip with FP8 (H100) carries the V100's MFU over × 989.4 / 1,978.9 × 1.279881 = × 0.639908 against BF16.
    bf16, fp8 = report.run(run="gpt-3-175b", **FEW), report.run(run="gpt-3-175b", precision="fp8", **FEW)
    assert fp8.inputs.anchor_chip == "v100-sxm" and fp8.inputs.mfu_precision == "bf16"
    assert_allclose(fp8.base.loc["v100-sxm", "gpu_hours"], 3_552_000, rtol=1e-9)
    assert_allclose(bf16.base.loc["v100-sxm", "gpu_hours"], 3_552_000, rtol=1e-9)
    ratio = fp8.base.loc["h100-sxm", "mfu"] / bf16.base.loc["h100-sxm", "mfu"]
    assert_allclose(ratio, 989.4 / 1978.9 * FP8_SPEEDUP, rtol=1e-9)
    line = report.precision_line(fp8)
    assert line.startswith("The V100 SXM has no sourced FP8 peak") and "so FP8 buys it nothing" in line
    assert "carried over" not in line and "speed-up" not in line
    findings = report.findings(fp8)
    assert "the run trained in FP16" not in findings
    assert "the run is costed in FP8: set by the reader; V100 SXM has neither FP8 nor BF16" in findings
    assert "the run trained in FP16" in report.findings(bf16)  # as it did: Patterson et al., V100s in FP16
    note = report.precision_note(fp8)
    assert "the run's MFU is a share of a BF16 peak (the V100 SXM it holds on has no sourced FP8 peak)" in note
    assert "MFU_BF16 = MFU_FP8" not in note


def test_a_chip_that_cannot_hold_the_run_at_its_count_reads_n_a_with_the_reason():
    # 405e9 parameters × 16 bytes (2 of BF16 weights + 14 of gradients and Adam state, zero-2020) = 6.48e12 bytes,
    # 90 % of HBM usable: 32 GB chips need 6.48e12 / (32e9 × 0.9) = 225 chips, 48 GB 150, 16 GB 450, 64 GB 112.5
    # -> 113 and 80 GB 90. On 128 chips the H100 (the run's) and the Ascend 910B hold it; the V100, TPU v4, TPU v6e
    # and Trainium1 (32 GB), L20 and MLU370-X8 (48 GB) and TPU v5e (16 GB) do not: no time, energy or cost for them
    r = report.run(run="custom", active_params=405e9, tokens=1e12, chip="h100-sxm", chip_count=128, **FEW)
    short = ["l20", "mlu370-x8", "v100-sxm", "tpu-v4", "tpu-v5e", "tpu-v6e", "trainium1"]
    assert sorted(r.inputs.chips.index[~report.holds(r.inputs)]) == sorted(short)
    for frame in (r.base, r.p50):
        for name in report.FIGURES:
            assert frame.loc[short, name].isna().all()
        assert frame.loc[["h100-sxm", "ascend-910b", "ascend-910"], "days"].notna().all()  # 910: no HBM figure
        assert frame.loc[short, "mfu"].notna().all()
    caption = report.by_chip_caption(r, "no sourced TDP for that chip")
    assert "128 chips cannot hold the run's training state (405 B parameters × 16 bytes" in caption
    assert "= 6.48 TB, 90 % of HBM usable) on L20 (150 chips needed), MLU370-X8 (150), V100 SXM (225)" in caption
    assert "TPU v5e (450)" in caption
    assert "not ranked, 128 chips cannot hold the run's training state" in report.rent_text(r)
    assert (report.by_chip_table(r).loc["V100 SXM", "rental basis"]) == ""
    assert (
        report.unheld_words(
            report.run(run="custom", active_params=7e9, tokens=1e12, chip="h100-sxm", chip_count=128, **FEW)
        )
        == ""
    )


def test_one_gpu_hour_is_singular():
    # present.counted's rule: the noun is singular where the printed number reads "1"
    assert report.gpu_hours_words(1.0) == "1 GPU-hour"
    assert report.gpu_hours_words(2.0) == "2 GPU-hours"
    assert report.gpu_hours_words(1.475) == "1.475 GPU-hours"
    assert report.gpu_hours_words(1e6) == "1 M GPU-hours"
    assert report.gpu_hours_words(2_788_000) == "2.788 M GPU-hours"
    # a run of one GPU-hour: 6 × 1e8 × 2.96820e9 = 1.78092e18 FLOP at MFU 0.5 × 989.4e12 FLOP/s on one H100 is
    # 1.78092e18 / 4.947e14 = 3,600 s, one hour before goodput, which on one chip loses about 0.02 % at the base
    # point (1.0002 h, printed "1"); the rent $2.95 (chips.csv) × 1.0002 = $2.95
    r = report.run(run="custom", active_params=1e8, tokens=2.9682e9, chip="h100-sxm", chip_count=1, mfu=0.5, **FEW)
    assert "at the base point 1 GPU-hour × $2.95 = $2.95." in report.answer(r)


def test_the_precision_conversion_names_a_bad_basis():
    chips = shared.chips(["h100-sxm", "a100-sxm-80gb"], precision="fp8")
    with pytest.raises(ValueError, match=r"measured_at 'fp16' is not one of None, 'bf16', 'fp8'"):
        shared.precision_factor(chips, "h100-sxm", precision="fp8", speedup=np.ones(1), measured_at="fp16")
    # measured at the H100's BF16 peak: the H100 takes 989.4 / 1,978.9 × 1.28 = 0.63991, the A100 (no FP8) 1
    factor = shared.precision_factor(chips, "h100-sxm", precision="fp8", speedup=np.array([1.28]), measured_at="bf16")
    assert_allclose(factor, [[989.4 / 1978.9 * 1.28, 1.0]], rtol=1e-12)


def test_a_run_is_costed_at_the_region_of_the_country_it_trained_in():
    # training_runs.csv country: only BLOOM's is stated in a primary source (its model card: Jean Zay, "provided by
    # the French government"); Meta's, OpenAI's and DeepSeek's papers and cards do not say where the run trained
    runs = load("training_runs")
    assert runs.loc[runs["country"] != "", "country"].to_dict() == {"bloom-176b": "FR"}
    llama = report.run_disclosure("llama-3.1-405b", {})
    assert report.run_region(llama, region=None, usd_per_kwh=None) == ("cn-avg-industrial", "undisclosed")
    assert report.run_region(llama, region="us-ercot", usd_per_kwh=None) == ("us-ercot", "reader")
    # a run that discloses the US is costed at us-avg-industrial: PUE 1.30, grid 0.366 kg/kWh (EIA: 1,532 Mt /
    # 4,183,271 GWh), electricity $0.0806/kWh (EIA 2023 industrial average)
    us = replace(llama, country="US", country_source="llama31-model-card")
    assert report.run_region(us, region=None, usd_per_kwh=None) == ("us-avg-industrial", "country")
    # BLOOM: France's region fr-grid has no sourced electricity price, so the default region prices it unless the
    # reader gives a price; its PUE 1.2 and grid 0.057 kg/kWh are the site's (Luccioni et al.) either way
    bloom = report.run_disclosure("bloom-176b", {})
    assert report.run_region(bloom, region=None, usd_per_kwh=None) == ("cn-avg-industrial", "unpriced")
    assert report.run_region(bloom, region=None, usd_per_kwh=0.1) == ("fr-grid", "country")


def test_page_one_says_why_the_region_and_sets_the_disclosed_emissions_beside_it():
    # hostile H3: Llama 3.1 405B at China's average grid (0.531 kg/kWh) and PUE 1.5 emitted 22,969 t on page 1,
    # while Meta's location-based 8,930 t CO2e (model card) appeared only on page 5
    r = report.run(run="llama-3.1-405b", **FEW)
    line = next(line for line in report.answer(r).splitlines() if "facility meter" in line)
    assert "at China's average (region cn-avg-industrial): PUE 1.50 (a policy target) [" in line
    assert "(Llama 3.1 405B discloses neither its training site nor its country: the default region)" in line
    assert "Beside it, Meta give 8,930 t CO₂e [1], at 700 W per GPU" in line
    # BLOOM: France named with its source; its price is the default region's, and the caption says why
    bloom = report.run(run="bloom-176b", **FEW)
    assert bloom.inputs.used["country"].source == "bloom-model-card"
    assert "BLOOM 176B trained in France [" in report.site_label(bloom)
    assert "but region fr-grid has no sourced electricity price: the default region" in report.site_label(bloom)


def test_the_headline_gives_the_gpu_hours_band_beside_the_days():
    # hostile L9: on the H20 the days had a band and the GPU-hours none; the GPU-hours are days × 24 × 2,048
    # draw by draw, so their P10 and P90 are the days' × 49,152 (the same draws, a monotone map)
    r = report.run(chip="h20", **FEW)
    lo, hi = report.headline(r, "p10"), report.headline(r, "p90")
    assert_allclose([lo["gpu_hours"], hi["gpu_hours"]], [lo["days"] * 24 * 2_048, hi["days"] * 24 * 2_048], rtol=1e-9)
    band = f"(P10–P90 {report.hours_count(lo['gpu_hours'])}–{report.hours_count(hi['gpu_hours'])})"
    assert f"GPU-hours** {band}:" in report.answer(r)
    # the disclosed run: neither has a band, said once
    assert "GPU-hours** (for each, no band: the disclosure sets it" in report.answer(report.run(**FEW))


def test_extreme_runs_read_in_words_and_carry_a_warning():
    # hostile L1, by hand: 9,202,408 days / 365.25 = 25,194.8 → "25,195 years"; 2.209e15 GPU-hours / 1e12 =
    # "2,209 T"; 8.914e-6 GPU-hours in powers of ten; 8.91e-6 h × 3,600 = 0.0321 seconds; 922,347,085,539 t →
    # "922 billion t"; $3e-5 → "$0.00003"; 1.25e-11 GWh × 1e6 = 1.25e-5 kWh (was "0 kWh")
    fmt, unit = report.duration(9_202_408.0)
    assert (fmt(9_202_408.0), unit) == ("25,195", "years")
    fmt, unit = report.duration(8.91e-6 / 24)
    assert (fmt(8.91e-6 / 24), unit) == ("0.0321", "seconds")
    assert [report.hours_count(x) for x in (2.209e15, 8.914e-6)] == ["2,209 T", "8.914 × 10⁻⁶"]
    assert report.tonnes_co2(922_347_085_539) == "922 billion t CO₂"
    assert [present.usd(x) for x in (3e-5, 1.3e-5)] == ["$0.00003", "$0.000013"]
    assert present.gwh(1.25e-11) == "1.25 × 10⁻⁵ kWh"
    # 6 × 1e15 × 1e15 = 6e30 FLOP on 10 M H20 (148 TFLOP/s dense BF16): even at MFU 1 and no lost time that is
    # 6e30 / (1e7 × 148e12) = 4.05e9 s = 128 years, so page 1 warns; DeepSeek-V3 as disclosed does not
    huge = report.run(run="custom", active_params=1e15, tokens=1e15, chip="h20", chip_count=10_000_000, **FEW)
    page = report.answer(huge) + report.findings(huge)
    assert "**Warning: no such run is feasible** — it would take " in page
    assert "e+" not in page and "e-0" not in page and "M B" not in page and "1,000 T active parameters" in page
    assert report.extreme_line(report.run(**FEW)) == ""


def test_key_inputs_name_what_they_are_with_counts_in_their_own_number():
    # hostile L13: "chip count 1 chips", "usd per gpu hour $2/chip-hour"
    r = report.run(run="custom", active_params=1e9, tokens=1e12, chip="h100-sxm", chip_count=1, **FEW)
    line = present.key_inputs(r.inputs.used, ("peak_tflops",), top=report.KEY_INPUTS, chips=[r.inputs.run.chip])
    assert "cluster: 1 chip [" in line and "active per token: 1 B parameters [" in line
    assert "chip count" not in line and "usd per gpu hour" not in line and "active params" not in line
    deepseek = report.run(**FEW)
    line = present.key_inputs(deepseek.inputs.used, (), top=report.KEY_INPUTS, chips=[])
    assert "cluster: 2,048 chips [" in line and "rent: $2/chip-hour [" in line


def test_cost_notes_sit_beside_the_bars_and_say_which_cost_is_missing():
    # hostile L5: one note per row, printed right of the row's longer bar; by hand for five rows
    costs = pd.DataFrame(
        {"rental [$ M]": [np.nan, np.nan, 5.576, 3.0, 3.0], "ownership [$ M]": [np.nan, 5.0, 4.3, np.nan, 4.0]}
    )
    bases = pd.Series(["", "", "DeepSeek's assumed rent", shared.MARKET_RENT, shared.MARKET_RENT])
    assert report.cost_notes(costs, bases) == ["n/a", "rental n/a", "DeepSeek's assumed rent", "ownership n/a", ""]


def test_an_unpriced_chip_says_its_ownership_cannot_be_costed():
    # hostile check 2: GPT-3 on the V100 printed "Owning the chips for the run's duration costs n/a."; data/chips.csv
    # has no price for the V100, so page 1 says so in words
    r = report.run(run="gpt-3-175b", **FEW)
    answer = report.answer(r)
    assert "costs n/a" not in answer
    assert "Owning the chips cannot be costed: data/chips.csv has no sourced price for the V100 SXM." in answer


def test_a_chip_without_a_sourced_power_says_its_energy_cannot_be_estimated():
    # hostile check 3: DeepSeek-V3 on the L20 (data/chips.csv: no sourced price, no TDP) printed "The run draws n/a at
    # the facility meter"; page 1 now names what is missing, for ownership (price or power) and energy (power)
    answer = report.answer(report.run(run="deepseek-v3", chip="l20", **FEW))
    assert "n/a" not in answer
    assert "- Owning the chips cannot be costed: data/chips.csv has no sourced price or power for the L20." in answer
    assert (
        "- The run's energy and emissions cannot be estimated: data/chips.csv has no sourced power for the L20."
        in answer
    )
    assert "The L20 has no sourced FP8 peak" in answer  # unknown, not absent (chips.csv: Ada supports FP8)
