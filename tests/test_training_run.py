"""The training_run report's assembly, worked by hand from the sources (fast tier: no kernel)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.assembly import training_run as report
from analysis.assembly.params import ParameterError

FEW = {"draws": 400}  # enough draws for bands; the base point does not depend on them


@pytest.fixture(scope="module")
def deepseek():
    return report.run(**FEW)


def test_deepseek_reproduces_its_disclosed_hours_and_rental(deepseek):
    # the MFU is implied from the disclosed 2,788,000 H800-hours net of the run's goodput, so the
    # projection on the run's own chip gives back 2,788,000 hours and 2,788,000 × $2 = $5,576,000
    base = deepseek["base"].loc["h800-sxm"]
    assert_allclose(base["gpu_hours"], 2_788_000, rtol=1e-9)
    assert_allclose(base["rental_cost_usd"], 5_576_000, rtol=1e-9)
    # energy: 2,788,000 h × 700 W × 1.8 (server) × 0.75 (load) × PUE 1.5 = 3,951.99 MWh
    assert_allclose(base["energy_mwh"], 2_788_000 * 700 * 1.8 * 0.75 * 1.5 / 1e6, rtol=1e-9)
    assert_allclose(base["energy_mwh"], 3_951.99, rtol=1e-6)


def test_h800_capex_is_a_server_share_and_not_marked_up_twice(deepseek):
    # H800 price 39,384 is a server share (price_unit = server): capex = 2,048 × 39,384 / (1 − 0.19)
    # = 80,658,432 / 0.81 = 99,578,311.1; charged over 4 years for the run's days, plus electricity at $0.088/kWh
    base = deepseek["base"].loc["h800-sxm"]
    capex = 2048 * 39_384 / 0.81
    assert_allclose(capex, 99_578_311.1, rtol=1e-9)
    electricity = base["energy_mwh"] * 1000 * 0.088
    assert_allclose(base["ownership_cost_usd"], capex / 4 * base["days"] / 365 + electricity, rtol=1e-9)


def test_megatron_gpt3_from_achieved_tflops_with_recomputation():
    # Narayanan et al. 2021, Table 2: GPT-3 175B, 300 B tokens, 384 A100 at 153 achieved TFLOP/s
    # (recomputation included). MFU = 153 / 312 × 6/8 = 0.367788; compute hours =
    # 6 × 175e9 × 300e9 / (312e12 × 0.367788 × 3600) = 762,527 h → 82.74 days on 384 GPUs;
    # goodput(384) = 1 / (1 + 384 × 1.97e-5 × (1/6 + 1/6)) = 0.997485 → 82.95 days (paper: 84)
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
    assert_allclose(r["mfu"], 153 / 312 * 6 / 8, rtol=1e-12)
    assert_allclose(r["base"].loc["a100-sxm-80gb", "days"], 82.95, rtol=1e-3)


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
    assert_allclose(r["mfu"], 0.3675, rtol=1e-12)


def test_only_one_way_of_giving_utilisation():
    with pytest.raises(ParameterError, match="mfu, hfu or achieved_tflops"):
        report.inputs(mfu=0.4, hfu=0.5)


def test_goodput_falls_with_chip_count():
    # goodput(n) = 1 / (1 + n × 1.97e-5 × (1/6 + 1/6)): 2,048 → 0.98673; 100,000 → 0.60362
    small = report.run(run="custom", active_params=70e9, tokens=2e12, chip="h100-sxm", chip_count=2048, mfu=0.4, **FEW)
    large = report.run(
        run="custom", active_params=70e9, tokens=2e12, chip="h100-sxm", chip_count=100_000, mfu=0.4, **FEW
    )
    assert_allclose(small["base"].loc["h100-sxm", "goodput"], 0.98673, rtol=1e-4)
    assert_allclose(large["base"].loc["h100-sxm", "goodput"], 0.60362, rtol=1e-4)
    assert report.key_figures(large)["goodput"] < report.key_figures(small)["goodput"] - 0.3


def test_ascend_gets_huawei_software_factor(deepseek):
    # with full overlap every chip keeps the run's scaling efficiency, so Ascend's MFU is the
    # H800's × Huawei's factor 0.75 / NVIDIA's 1.0 (data/vendor_efficiency.csv)
    base = deepseek["base"]
    assert_allclose(base.loc["ascend-910c", "mfu"], 0.75 * base.loc["h800-sxm", "mfu"], rtol=1e-12)


def test_interconnect_never_raises_a_chip_above_the_run_chip():
    # Llama 3.1 405B layout without overlap: the H20 (148 TFLOP/s) communicates less per FLOP than
    # the H100, but its MFU is capped at the H100's
    r = report.run(run="llama-3.1-405b", parallel_config="llama-3.1-405b-pretraining", overlap=0.0, **FEW)
    mfu = r["base"]["mfu"]
    nvidia = [c for c in mfu.index if r["chips"].loc[c, "vendor"] == "NVIDIA"]
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


def test_a_chip_without_an_interconnect_figure_gets_no_penalty_and_finite_days():
    # the MI325X has no sourced interconnect: its scaling ratio is taken as 1, so its MFU is the
    # H800's × AMD's factor 1.0 / NVIDIA's 1.0 and its days are finite
    r = report.run(chip="mi325x", **FEW)
    assert r["base"].loc["mi325x", "mfu"] == pytest.approx(r["base"].loc["h800-sxm", "mfu"])
    assert np.isfinite(report.key_figures(r)["days"])


def test_h800_penalty_is_the_extra_step_time_of_the_slower_nvlink_at_each_overlap():
    """Extra H800 step time against the H100 [%]. Both chips have the same dense BF16 peak (989.4
    TFLOP/s, data/chips.csv), so only communication differs: the H800's NVLink is 400 GB/s against
    900, so its tensor-parallel all-reduce takes 900 / 400 = 2.25 × as long.
    Llama 3.1 405B layout (TP 8), no overlap: compute 5.029958 s, TP 0.657667 s on the H100, step
    5.938772 s; the H800 adds 0.657667 × 1.25 = 0.822083 s → 0.822083 / 5.938772 = 13.84 %. At
    overlap 0.5 half of each chip's communication shows: 0.5 × 0.822083 / (5.029958 + 0.5 ×
    (5.938772 − 5.029958)) = 0.411042 / 5.484365 = 7.495 %. At overlap 1 the step is computation
    only: 0 %. The DeepSeek-V3 layout has no tensor parallelism and its expert all-to-all is bound
    by the 400 Gb/s network, not NVLink: 0 % at every level."""
    penalty = report.h800_penalty([0.0, 0.5, 1.0])
    assert_allclose(penalty["llama-3.1-405b-pretraining"], [13.84, 7.495, 0.0], atol=0.01)
    assert_allclose(penalty["deepseek-v3-pretraining"], [0.0, 0.0, 0.0], atol=1e-9)
