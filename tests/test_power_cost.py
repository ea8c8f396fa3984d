"""Power, energy, electricity and TCO for a small cluster, worked by hand."""

import numpy as np
from numpy.testing import assert_allclose

from analysis.assembly import inputs as shared
from analysis.catalog import load
from analysis.formulas import cost, power


def test_eight_h100_power_energy_and_electricity():
    # maximum per chip: 700 W TDP × 1.8 server power ratio (Epoch AI) = 1,260 W
    max_w = power.server_w_per_chip(700)
    assert_allclose(max_w, 1_260.0)
    # average IT power: 8 × 1,260 W × 0.75 load factor = 7,560 W
    it = power.it_power_w(8, max_w)
    assert_allclose(it, 7_560.0)
    # PUE 1.3: 7,560 × 1.3 = 9,828 W at the facility meter
    facility = power.facility_power_w(it, 1.3)
    assert_allclose(facility, 9_828.0)
    # one year: 9,828 W × 8,760 h / 1000 = 86,093.28 kWh
    energy = power.energy_kwh(facility, 8_760)
    assert_allclose(energy, 86_093.28)
    # at $0.08/kWh: $6,887.4624
    assert_allclose(cost.electricity_cost_usd(energy, 0.08), 6_887.4624, rtol=1e-9)
    # at a grid of 0.5703 kg CO2/kWh: 86,093.28 × 0.5703 / 1000 = 49.0990 t
    assert_allclose(power.emissions_tco2(energy, 0.5703), 49.0990, rtol=1e-5)


def test_server_power_scales_with_the_chip():
    # a 275 W card (L20) is charged 275 × 1.8 = 495 W, not a 700 W card's host; a custom ratio 2.031
    # (DGX A100: 6.5 kW / 8 / 400 W) gives 400 × 2.031 = 812.4 W
    assert_allclose(power.server_w_per_chip(275), 495.0)
    assert_allclose(power.server_w_per_chip(400, server_power_ratio=2.031), 812.4)
    # the load factor is a keyword: 2 chips × 1,000 W × 0.5 = 1,000 W
    assert_allclose(power.it_power_w(2, 1_000, load_factor=0.5), 1_000.0)


def test_capex_by_what_the_price_buys():
    # a chip price: 8 × $27,500 = $220,000 + server (0.64 × 220,000 = $140,800) = $360,800, network
    # 19 % of the total: 360,800 × 0.19 / 0.81 = $84,632.10 -> $445,432.10
    parts = cost.capex_parts_usd(8, 27_500, price_unit="chip")
    assert_allclose([parts["priced"], parts["server"], parts["network"]], [220_000, 140_800, 84_632.0988], rtol=1e-9)
    # a server share (H800, $39,384 = an 8-GPU server / 8): no server markup, network only:
    # 8 × 39,384 = $315,072 / 0.81 = $388,977.78
    assert_allclose(cost.capex_usd(8, 39_384, price_unit="server"), 388_977.778, rtol=1e-9)
    # a system share (CloudMatrix 384 at $21,354 per chip) carries its scale-up network, not the network
    # between supernodes (Epoch's "cluster-level interconnect"): no server markup, network added as for a
    # server share: 384 × 21,354 = $8,199,936 priced; network 8,199,936 × 0.19 / 0.81 = $1,923,441.78;
    # total 8,199,936 / 0.81 = $10,123,377.78
    parts = cost.capex_parts_usd(384, 21_354, price_unit="system")
    assert_allclose([parts["priced"], parts["server"], parts["network"]], [8_199_936, 0, 1_923_441.78], rtol=1e-8)
    assert_allclose(cost.capex_usd(384, 21_354, price_unit="system"), 10_123_377.78, rtol=1e-8)
    # a GB200 NVL72 rack share (HSBC ~$3 M / 72 = $41,667): 41,667 / 0.81 = $51,440.74 all-in per GPU
    assert_allclose(cost.all_in_usd_per_chip(41_667, price_unit="system"), 51_440.74, rtol=1e-7)
    # arrays of units broadcast: one call for three chips: 27,500 × 1.64 / 0.81 = 55,679.0123;
    # 39,384 / 0.81 = 48,622.2222; 21,354 / 0.81 = 26,362.9630
    assert_allclose(
        cost.capex_usd(1, [27_500, 39_384, 21_354], price_unit=["chip", "server", "system"]),
        [55_679.0123, 48_622.2222, 26_362.9630],
        rtol=1e-8,
    )


def test_eight_h100_tco_straight_line():
    # capex: 8 × $27,500 × 1.64 server factor = $360,800; networking is 19 % of the total,
    # so $360,800 / 0.81 = $445,432.10
    capex = cost.capex_usd(8, 27_500)
    assert_allclose(capex, 445_432.099, rtol=1e-9)
    # opex: 9,942.4 W for 8,760 h = 87,095.424 kWh × $0.08 = $6,967.63392 a year (any facility power)
    opex = cost.annual_opex_usd(9_942.4, 0.08)
    assert_allclose(opex, 6_967.63392, rtol=1e-9)
    # 4 years straight-line: capex + 4 × opex = 445,432.10 + 27,870.54 = $473,302.6344
    assert_allclose(cost.tco_usd(capex, opex, years=4), 473_302.6344, rtol=1e-9)


def test_tco_with_cost_of_capital():
    # capital recovery factor at 8 % over 4 years: 0.08 / (1 − 1.08^−4) = 0.08 / 0.264970 = 0.301921
    assert_allclose(cost.capital_recovery_factor(4, 0.08), 0.301921, rtol=1e-5)
    # TCO = 4 × (100,000 × 0.301921 + 5,000) = $140,768.4 for $100k capex and $5k/yr opex
    assert_allclose(cost.tco_usd(100_000, 5_000, years=4, cost_of_capital=0.08), 140_768.4, rtol=1e-5)


def test_maintenance_adds_a_share_of_capex():
    # $1,000 of electricity + 3 % of $200,000 capex = $7,000 a year
    # (1,000 / 0.1 $/kWh = 10,000 kWh a year = 1,141.55 W for 8,760 h)
    assert_allclose(
        cost.annual_opex_usd(10_000_000 / 8_760, 0.1, capex_usd=200_000, maintenance_fraction=0.03), 7_000.0
    )


def test_deepseek_v3_rental_cost():
    # 2.788e6 H800 GPU-hours × $2 = $5.576 M
    assert_allclose(cost.rental_cost_usd(2.788e6, 2.0), 5_576_000.0)


def test_cost_per_pflop_hour_and_break_even_price():
    # a $1M cluster sustaining 1,000 TFLOP/s (1 PFLOP/s) for 10,000 h: $100 per PFLOP-hour
    assert_allclose(cost.usd_per_pflop_hour(1_000_000, 1_000, hours=10_000), 100.0)
    # reference $100/PFLOP-h; candidate capex $60/PFLOP-h and 500 kWh/PFLOP-h:
    # (100 − 60) / 500 = $0.08/kWh
    assert_allclose(cost.break_even_usd_per_kwh(100, 60, candidate_kwh_per_pflop_hour=500), 0.08)
    # candidate hardware alone above the reference: no non-negative price works -> NaN
    assert str(cost.break_even_usd_per_kwh(100, 120, candidate_kwh_per_pflop_hour=500)) == "nan"


def test_epoch_chip_specific_server_power_ratios():
    # Epoch AI's chip_to_server_power (training-cost-trends, cost_analysis_standalone.py): a system's
    # rated power per chip over the chip's TDP. DGX H100 10.2 kW / (8 × 700 W) = 1.82143; DGX A100
    # 6.5 kW / (8 × 400 W) = 2.03125; V100 the mean of DGX-2 10 kW / (16 × 300 W) = 2.08333 and DGX
    # Station 1.5 kW / (4 × 300 W) = 1.25: (2.08333 + 1.25) / 2 = 1.66667
    assert_allclose(power.server_power_ratio_of_system(10.2, 8, 700), 1.82143, rtol=1e-5)
    assert_allclose(power.server_power_ratio_of_system(6.5, 8, 400), 2.03125, rtol=1e-12)
    v100 = power.server_power_ratio_of_system([10.0, 1.5], [16, 4], 300).mean()
    assert_allclose(v100, 1.66667, rtol=1e-5)
    # chips.csv carries them (the H800 and A800 take their module's twin, the H100's and A100's); the
    # H100's agrees with systems.csv's DGX H100 (10.2 kW, 8 chips); chips without one stay empty (1.8)
    ratio = load("chips")["server_power_ratio"]
    assert_allclose(
        ratio[["h100-sxm", "h800-sxm", "a100-sxm-80gb", "a800-sxm-80gb", "v100-sxm"]],
        [1.82143, 1.82143, 2.03125, 2.03125, 1.66667],
        rtol=1e-5,
    )
    dgx = load("systems").loc["dgx-h100"]
    assert_allclose(
        power.server_power_ratio_of_system(dgx["system_power_kw"], dgx["chips"], 700), ratio["h100-sxm"], rtol=1e-5
    )
    assert ratio[["h20", "h200", "b200", "mi300x", "ascend-910b"]].isna().all()


def test_chips_use_their_own_ratio_unless_the_reader_sets_one():
    # max W per chip = TDP × the chip's ratio: H100 700 × 1.82143 = 1,275 W; A800 400 × 2.03125 =
    # 812.5 W; V100 300 × 1.66667 = 500 W; H20 (none of its own) 400 × 1.8 = 720 W
    chips = shared.chips(["h100-sxm", "a800-sxm-80gb", "v100-sxm", "h20"])
    assert_allclose(chips["max_w_per_chip"], [1_275.0, 812.5, 500.0, 720.0], rtol=1e-5)
    used = shared.chip_used(chips)
    assert used["a800-sxm-80gb"]["server_power_ratio"].source == "epoch-chip-to-server-power"
    assert "dgx-a100-datasheet" in used["a800-sxm-80gb"]["server_power_ratio"].origin
    assert used["h20"]["server_power_ratio"].value == 1.8 and "Epoch AI" in used["h20"]["server_power_ratio"].origin
    # drawn TDPs take the same per-chip ratios
    assert_allclose(
        shared.max_w_per_chip(chips, np.array([[700, 400, 300, 400]])), [[1_275.0, 812.5, 500.0, 720.0]], rtol=1e-5
    )
    # the reader's ratio applies to every chip: 1.9 × (700, 400) = (1,330, 760) W
    mine = shared.chips(["h100-sxm", "a800-sxm-80gb"], server_power_ratio=1.9)
    assert_allclose(mine["max_w_per_chip"], [1_330.0, 760.0])
    assert {u["server_power_ratio"].source for u in shared.chip_used(mine).values()} == {shared.READER}


def test_the_a800_order_draws_more_power_on_the_a100s_ratio():
    # the $1 B A800 order at the $15,000 street price: 66,664 chips (whole servers) × 812.5 W × 0.75 load ×
    # PUE 1.5 (cn-avg-industrial) = 60.935 MW; at the old flat 1.8 (720 W) it was 54.0 MW, 11 % less
    a800 = shared.chips(["a800-sxm-80gb"]).iloc[0]
    facility = power.facility_power_w(power.it_power_w(66_664, a800["max_w_per_chip"]), 1.5)
    assert_allclose(facility / 1e6, 60.935, rtol=1e-4)
    assert_allclose(facility / power.facility_power_w(power.it_power_w(66_664, 720.0), 1.5), 2.03125 / 1.8)


def test_h100_class_on_one_server_basis():
    # the H100 SXM priced as the DGX H100's server share (SemiAnalysis $270,000 / 8 = $33,750), the basis
    # of the H800 and H20 too: all-in with the network 33,750 / 0.81 = $41,666.67 (was a $27,500 chip
    # price × 1.64 / 0.81 = $55,679.01); the H800's 39,384 / 0.81 = $48,622.22 on the same basis. The H200's
    # only non-weak price is Reuters' per-chip $27,000 (tests/test_prices.py): a chip price, marked up as one
    chips, dgx = load("chips"), load("systems").loc["dgx-h100"]
    assert chips.at["h100-sxm", "price_usd"] == dgx["price_usd"] / dgx["chips"] == 33_750
    assert set(chips.loc[["h100-sxm", "h800-sxm", "h20"], "price_unit"]) == {"server"}
    assert chips.at["h200", "price_unit"] == "chip"
    assert_allclose(cost.capex_usd(1, [33_750, 39_384], price_unit="server"), [41_666.667, 48_622.222], rtol=1e-7)
    # the chip price the sources quote for the card alone ($25-30k) is not marked up a second time
    assert chips.at["h100-sxm", "price_usd_low"] <= 33_750 < chips.at["h100-sxm", "price_usd_high"]
