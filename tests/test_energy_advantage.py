"""energy_advantage assembly: capex counted once (H800 against H100), the break-even price worked by
hand, bands that contain their headlines, a non-default reference, the JSON contract."""

import pytest
from numpy.testing import assert_allclose

from analysis.assembly import energy_advantage as ea
from analysis.assembly import inputs as shared

FAST = {"draws": 200}


@pytest.fixture(scope="module")
def default():
    return ea.run(**FAST)


@pytest.fixture(scope="module")
def a100():
    return ea.run(
        reference_chip="a100-sxm-80gb",
        candidates=["mi300x", "h20"],
        regions=["us-dc-ppa"],
        region="us-dc-ppa",
        years=6.0,
        seed=3,
        **FAST,
    )


def test_h800_capex_per_chip_within_a_quarter_of_the_h100s(default):
    # H100: a chip price, $27,500 × 1.64 (server) / 0.81 (network 19 %) = $55,679.01 per chip
    # H800: a server share, $39,384 / 0.81 = $48,622.22 per chip (no second server markup)
    # ratio 48,622.22 / 55,679.01 = 0.8733, inside ± 25 %
    base = ea.figures(shared.base_point(default["ranges"]), default)["by_region"]["us-avg-industrial"]
    per_chip = base["capex_usd"][0] / base["chip_count"][0]
    assert_allclose(per_chip[:2], [55_679.012, 48_622.222], rtol=1e-6)
    assert abs(per_chip[1] / per_chip[0] - 1) < 0.25


def test_break_even_price_of_the_h800_by_hand(default):
    # DeepSeek-V3 layout fully overlapped: scaling ratio 1, so 2,048 H800 match 2,048 H100 with the same
    # power (700 W × 1.8 × 0.75 = 945 W) and PUE (1.57, us-avg-industrial): equal kWh per PFLOP-hour.
    # Break-even = the reference price + capex difference per kWh:
    # kWh per chip-year = 945 × 1.57 × 8,760 / 1,000 = 12,996.77; capex difference per chip-year
    # (55,679.01 − 48,622.22) / 4 years = 1,764.20 -> 0.0806 + 1,764.20 / 12,996.77 = 0.216342 $/kWh
    base = ea.figures(shared.base_point(default["ranges"]), default)
    assert_allclose(base["break_even_usd_per_kwh"][0, 1], 0.216342, rtol=1e-5)
    # the old "the H800 never breaks even" came from capex counted twice: now it has a price in every draw
    assert default["break_even_share"].loc["h800-sxm"] > 0.95


@pytest.mark.parametrize("case", ["default", "a100"])
def test_every_banded_figure_lies_in_its_band(case, request):
    r = request.getfixturevalue(case)
    figures = ea.key_figures(r)
    for name in ("tco_usd", "usd_per_pflop_hour", "annual_emissions_tco2"):
        for chip, by_region in figures[name].items():
            for region, mid in by_region.items():
                if mid is not None:
                    assert figures[f"{name}_p10"][chip][region] <= mid <= figures[f"{name}_p90"][chip][region]
    be = r["break_even"]
    assert ((be["p10"] <= be["p50"]) & (be["p50"] <= be["p90"])).all()
    ref = r["reference"]
    assert ref["p10"] <= ref["p50"] <= ref["p90"]


def test_a_non_default_reference_is_honoured(a100):
    assert a100["chips"].index[0] == "a100-sxm-80gb"
    assert list(a100["break_even"].index) == ["mi300x", "h20"]
    # H20 per A100: 312 / 148 = 2.108 chips; its hardware alone costs more per PFLOP-hour: no break-even
    assert a100["break_even_share"].loc["h20"] == 0 and ea.key_figures(a100)["break_even_usd_per_kwh"]["h20"] is None
    assert "A100" in ea.answer(a100) and "H100" not in ea.answer(a100)


def test_json_contract(default):
    figures = ea.key_figures(default)
    assert {
        "break_even_usd_per_kwh",
        "break_even_usd_per_kwh_p10",
        "break_even_usd_per_kwh_p90",
        "electricity_share_of_tco",
        "tco_usd",
        "tco_usd_p10",
        "tco_usd_p90",
        "reference_usd_per_pflop_hour",
    } <= set(figures)
    assert set(figures["tco_usd"]["h20"]) == {
        "cn-avg-industrial",
        "cn-west-subsidised",
        "us-avg-industrial",
        "us-dc-ppa",
    }
    # electricity is a small share of TCO: hardware decides
    shares = [v for row in figures["electricity_share_of_tco"].values() for v in row.values()]
    assert max(shares) < 0.3
