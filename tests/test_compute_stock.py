"""compute_stock (issue 21): the stock formulas on small inputs worked by hand, the policy levers,
stockpiles spent across years, the Epoch AI cross-check, the loader's source rule and the JSON's
fields. Values come from data/shipments.csv and data/chips.csv; the arithmetic is in the comments."""

import re

import numpy as np
import pytest

from analysis import catalog
from analysis.assembly import compute_stock as report
from analysis.assembly import inputs as shared
from analysis.assembly import present
from analysis.catalog import DataError
from analysis.formulas import stock, uncertainty

Y = {year: i for i, year in enumerate(report.YEARS)}


@pytest.fixture(scope="module")
def base():
    """The report's figures at the base point of its default inputs."""
    inp = report.inputs()
    return inp, report.figures(shared.base_point(inp.ranges), inp)


def at_base(**values):
    inp = report.inputs(**values)
    return report.figures(shared.base_point(inp.ranges), inp)


# ------------------------------------------------------------------------------ formulas


def test_stock_is_cumulative_additions_times_a_step_survival():
    # additions 10, 20, 30 at mid-year; lifetime 2 years: end of year 0 holds 10 (age 0.5), year 1
    # holds 10 + 20 (ages 1.5, 0.5), year 2 holds 20 + 30 (the first 10 are 2.5 years old: retired)
    assert stock.stock_by_year([[10, 20, 30]], lifetime_years=2).tolist() == [[10, 30, 50]]
    # the default 6-year life retires nothing within 2022-2027 (oldest: 5.5 years)
    assert stock.stock_by_year([[1, 1, 1, 1, 1, 1]]).tolist() == [[1, 2, 3, 4, 5, 6]]


def test_eight_bit_peak_is_fp8_where_a_chip_has_it_else_int8():
    # B300: FP8 4,500, INT8 150 -> 4,500; A100: no FP8, INT8 624 -> 624; TPU v5p: FP8 459, INT8 918 -> 918
    assert stock.eight_bit_tops([4500, np.nan, 459], [150, 624, 918]).tolist() == [4500, 624, 918]
    # 1,000 A100 = 1,000 x 624 / 1,978.9 = 315.33 8-bit H100e
    assert stock.h100_equivalents(1000, 624, stock.H100_EIGHT_BIT_TOPS) == pytest.approx(315.33, abs=0.01)


def test_die_sites_per_wafer_of_the_ascend_910b_die():
    # 665.61 mm² on 300 mm: π × 150² / 665.61 = 106.20; π × 300 / √(2 × 665.61) = 942.48 / 36.486 = 25.83;
    # 106.20 - 25.83 = 80.37 (Morgan Stanley counts 78 candidates per wafer)
    assert stock.gross_dies_per_wafer(665.61) == pytest.approx(80.37, abs=0.02)


def test_gap_and_break_even_by_hand():
    leader = np.array([[1e24, 1e25, 1e26]])
    follower = np.array([[1e23, 1e24, 1e26]])
    # year 0: 1e23 is a decade below the leader's first value, its first growth is a decade a year:
    # reached one year before 2022 -> 12 months; year 1: the leader had 1e24 in 2022 -> 12 months;
    # year 2: level -> 0
    assert stock.gap_months(leader, follower, [2022, 2023, 2024]).tolist() == [[12.0, 12.0, 0.0]]
    # between years and on a flat stretch (log10 leader 1, 2, 2, 3 in 2020-2023; a second draw
    # level or ahead every year): 10^1.5 is halfway from 2020's 1 to 2021's 2 -> reached mid-2020,
    # (2021 - 2020.5) x 12 = 6; 100 in 2022 is level -> 0; 10^2.5 lies between 2022's 2 and
    # 2023's 3 (the flat 2021-2022 stretch ends in 2022) -> reached mid-2022, 6 months
    leader = np.array([[10.0, 100.0, 100.0, 1000.0], [10.0, 100.0, 100.0, 1000.0]])
    follower = np.array([[1.0, 10**1.5, 100.0, 10**2.5], [10.0, 200.0, 100.0, 1000.0]])
    gaps = stock.gap_months(leader, follower, [2020, 2021, 2022, 2023])
    assert gaps.tolist() == [pytest.approx([12.0, 6.0, 0.0, 6.0]), [0.0, 0.0, 0.0, 0.0]]
    # 3.5e26 / 1.75e25 = 20
    assert stock.break_even_multiplier(3.5e26, 1.75e25) == pytest.approx(20.0)


def test_exports_capped_at_half_the_us_volume():
    # 91 FR 1684: China at most 50 % of US volume: min(485,000, 0.5 x 662,811 = 331,405.5)
    assert stock.capped_exports(485_000, 662_811) == pytest.approx(331_405.5)
    assert stock.capped_exports(100_000, 662_811) == pytest.approx(100_000)


# ------------------------------------------------------------------------------ stockpiles spent


def _plan(per_year):
    """A 910C-only plan (1 draw, len(per_year) years, 1 chip)."""
    return np.array(per_year, dtype=float)[None, :, None]


def test_a_tiny_hbm_stockpile_is_spent_and_later_years_are_constrained():
    # 100 packages a year at 8 stacks each need 800 stacks; the stockpile holds 1,200, drawn once.
    # Year 0 uses 800 (400 left); year 1 can make 400 / 8 = 50 (HBM binds); year 2 nothing.
    kwargs = dict(dies_per_package=[2], stacks_per_package=[8], die_bank=[1e6], new_dies=np.zeros((1, 3)))
    out = stock.domestic_output(_plan([100, 100, 100]), hbm_stockpile=[1200], hbm_from_year=0, **kwargs)
    assert out["output"][0, :, 0].tolist() == [100, 50, 0]
    assert out["hbm_left"][0].tolist() == [400, 0, 0]
    assert [stock.LIMITS[b] for b in out["binding"][0]] == ["reported output", "HBM stacks", "HBM stacks"]
    # what year 0 used is what year 2 lacks: with nothing made in year 0, years 1 and 2 make 100 and 50
    idle = stock.domestic_output(_plan([0, 100, 100]), hbm_stockpile=[1200], hbm_from_year=0, **kwargs)
    assert idle["output"][0, :, 0].tolist() == [0, 100, 50]
    # replenished HBM: no limit
    free = stock.domestic_output(
        _plan([100, 100, 100]), hbm_stockpile=[1200], hbm_from_year=0, hbm_replenished=True, **kwargs
    )
    assert free["output"][0, :, 0].tolist() == [100, 100, 100]


def test_a_tiny_die_bank_is_spent_before_home_made_dies():
    # 100 packages x 2 dies = 200 dies a year; the bank holds 300, SMIC adds 50 a year (carried over).
    # Year 0: 200 from the bank (100 left; 50 home dies unused). Year 1: 100 + 100 home dies = 200: met,
    # half from the bank. Year 2: only 50 home dies -> 25 packages, logic dies bind.
    out = stock.domestic_output(
        _plan([100, 100, 100]),
        dies_per_package=[2],
        stacks_per_package=[8],
        die_bank=[300],
        hbm_stockpile=[1e9],
        new_dies=np.full((1, 3), 50.0),
        hbm_from_year=0,
    )
    assert out["output"][0, :, 0].tolist() == [100, 100, 25]
    assert out["from_bank"][0].tolist() == [1.0, 0.5, 0.0]
    assert out["die_bank_left"][0].tolist() == [100, 0, 0]
    assert stock.LIMITS[out["binding"][0, 2]] == "logic dies"


# ------------------------------------------------------------------------------ levers


def test_h20_banned_after_april_2025_lowers_licensed_additions(base):
    _, allowed = base
    banned = at_base(h20_after_april_2025="banned")
    cut = allowed["cn licensed units"] - banned["cn licensed units"]
    # the Q2-Q3 2025 row: Epoch AI's 2025 H20 531,486 - its Q1 362,000 = 169,486 chips; 2026: the
    # 2026 H20 row is 0 (NVIDIA expects no China data-centre revenue), so nothing to remove
    assert cut[0, Y[2025]] == pytest.approx(169_486)
    assert cut[0, Y[2026]] == 0 and cut[0, Y[2024]] == 0
    # in 8-bit H100e: 169,486 x 296 / 1,978.9 = 25,351.6
    moved = allowed["cn additions licensed"] - banned["cn additions licensed"]
    assert moved[0, Y[2025]] == pytest.approx(25_351.6, abs=0.5)


def test_smuggling_zero_removes_the_channel(base):
    _, central = base
    # central, base point: 2024 140,000 H100 -> 140,000 H100e; 2025 65,000 B200 x 4,500 / 1,978.9 =
    # 147,809; 2026 48,000 B300e x 4,500 / 1,978.9 = 109,151.5
    added = central["cn additions smuggled"][0]
    assert added[Y[2024]] == pytest.approx(140_000)
    assert added[Y[2025]] == pytest.approx(147_809, abs=1)
    assert added[Y[2026]] == pytest.approx(109_151.5, abs=1)
    zero = at_base(smuggling="zero")
    assert not zero["cn stock smuggled"].any() and not zero["cn additions smuggled"].any()
    # the rest of the stock is untouched: China's 2024 stock falls by exactly the smuggled stock
    # (18,000 in 2023 + 140,000 in 2024 = 158,000 H100e)
    drop = central["cn h100e_8bit"][0, Y[2024]] - zero["cn h100e_8bit"][0, Y[2024]]
    assert drop == pytest.approx(158_000)


def test_lever_range_picks_the_ends():
    rows = catalog.load("shipments")
    row = rows.loc["cn-smuggled-h100-sxm-2024"]  # 10,000 / 140,000 / 300,000
    values = {n: s.default for n, s in report.PARAMETERS.items()}
    assert report.lever_range(row, values | {"smuggling": "low"}) == (10_000, 10_000, 10_000)
    assert report.lever_range(row, values | {"smuggling": "high"}) == (300_000, 300_000, 300_000)
    assert report.lever_range(row, values) == (10_000, 140_000, 300_000)


# ------------------------------------------------------------------------------ cross-check


def test_official_nvidia_stock_within_25_percent_of_epoch(base):
    _, f = base
    # end-2025, 8-bit H100e, no retirement yet: A100 2022 72,696 x 624/1,978.9 = 22,923.2; A800
    # (28,132 + 93,286) x 624/1,978.9 = 38,286.5; H800 115,429 x 1 = 115,429; H20 (958,410 + 362,000
    # + 169,486) x 296/1,978.9 = 222,855.7; sum 399,494.4 against Epoch AI's 401,698 (-0.55 %)
    mine = f["cn licensed nvidia h100e_8bit"][0, Y[2025]]
    assert mine == pytest.approx(399_494.4, rel=1e-5)
    assert abs(mine / 401_698 - 1) <= report.CROSSCHECK_TOLERANCE


# ------------------------------------------------------------------------------ data


def test_a_shipment_row_without_a_source_key_is_refused(data_copy):
    from conftest import edit_cell, line_of

    path = data_copy / "shipments.csv"
    line = line_of(path, "cn-licensed-h20-2024")
    edit_cell(path, "cn-licensed-h20-2024", "source", "")
    with pytest.raises(DataError, match=rf"shipments.csv, line {line}.*column 'source'.*is required"):
        catalog.load("shipments", data_copy)


@pytest.mark.parametrize(
    "file, row_id", [("supply_constraints.csv", "die-bank"), ("clusters.csv", "us-xai-colossus-1-2024")]
)
def test_every_stock_table_refuses_a_row_without_a_source(data_copy, file, row_id):
    from conftest import edit_cell

    edit_cell(data_copy / file, row_id, "source", "")
    with pytest.raises(DataError, match="column 'source'.*is required"):
        catalog.load("chips", data_copy)


def test_json_has_every_year_and_the_acceptance_fields():
    r = report.run(draws=200)
    k = report.key_figures(r)
    years = [str(y) for y in report.YEARS]
    for country in ("china", "us"):
        for measure in report.MEASURES:
            for suffix in ("", "_p10", "_p90"):
                assert list(k[f"{country}_{measure}{suffix}"]) == years
        assert list(k[f"{country}_largest_run_flop"]) == years
    assert set(k["china_by_channel_h100e_8bit"]) == set(report.CHANNELS)
    assert list(k["binding_constraint"]) == years and set(k["binding_constraint"].values()) <= set(stock.LIMITS)
    assert list(k["gap_months"]) == years and list(k["break_even_multiplier"]) == years
    for year in years:
        assert k["china_h100e_8bit_p10"][year] <= k["china_h100e_8bit"][year] <= k["china_h100e_8bit_p90"][year]
    assert k["policy_licensed_units_difference"]["h20_after_april_2025"]["2025"] < 0


# ------------------------------------------------------------------------------ policy runs


def test_a_policy_run_changes_only_the_lever_of_the_resolved_inputs():
    # the policy table's runs are the resolved inputs with one lever set (lever_inputs), not a
    # second resolution: the same ranges, records and fields as inputs() given that value
    inp = report.inputs(draws=200)
    for lever, values in report.STEP_VALUES.items():
        for value in values:
            derived, resolved = report.lever_inputs(inp, lever, value), report.inputs(draws=200, **{lever: value})
            assert derived.ranges == resolved.ranges and derived.parameters == resolved.parameters
            assert derived.used["shipments"] == resolved.used["shipments"]
            assert (derived.h200_exports, derived.hbm_replenished) == (resolved.h200_exports, resolved.hbm_replenished)
    banned = report.lever_inputs(inp, "h20_after_april_2025", "banned")
    # the Q2-Q3 2025 H20 row is zeroed (Epoch AI: 531,486 in 2025 - 362,000 in Q1 = 169,486 chips)
    assert inp.ranges["cn-licensed-h20-2025-q2q3"][1] == 169_486 and banned.ranges["cn-licensed-h20-2025-q2q3"] == (
        0,
        0,
        0,
    )


def test_policy_moves_are_the_runs_with_and_without_each_step():
    # P50 of China's 2025-2027 additions from each run resolved on its own (inputs() with the
    # lever's value), against the table made from one resolution and the report's own draws
    inp = report.inputs(draws=300, seed=7)
    drawn = report.figures(uncertainty.draw(inp.ranges, inp.draws, inp.seed), inp)
    table = report.policy_moves(inp, drawn)
    span = [Y[y] for y in report.POLICY_YEARS]
    for step, row in table.iterrows():
        for label, value in zip(("with", "without"), report.STEP_VALUES[row["lever"]]):
            alone = report.inputs(draws=300, seed=7, **{row["lever"]: value})
            f = report.figures(uncertainty.draw(alone.ranges, alone.draws, alone.seed), alone)
            total = sum(f[f"cn additions {c}"][:, span].sum(axis=1) for c in report.CHANNELS)
            assert row[label] == uncertainty.percentiles(total)["p50"], (step, label)


# ------------------------------------------------------------------------------ scenario identity


def test_the_scenario_is_named_from_the_parameters():
    # every lever at its default (params.declare above) is the baseline; one lever off its default
    # names it in LEVER_WORDS' words, the other levers at the baseline in theirs
    default = {name: spec.default for name, spec in report.PARAMETERS.items()}
    name, same = report.scenario(default)
    assert name == "baseline"
    assert same.startswith("H20 sold after April 2025 as Epoch AI records it, no H200 exports")
    name, same = report.scenario(default | {"h20_after_april_2025": "banned"})
    assert name == "H20 sales banned after April 2025" and "H20 sold" not in same
    assert report.scenario(default | {"hbm_replenished": True})[0] == (
        "HBM reaching China despite the Dec 2024 rule, no stockpile limit"
    )
    # a setting that is no lever reads as name = value; seed and draws change no scenario
    assert report.scenario(default | {"mfu": 0.5, "seed": 3, "draws": 200})[0] == "`mfu` = 0.5"


@pytest.fixture(scope="module")
def scenarios():
    """compute_stock runs of the scenarios of reports/scenarios.yaml (200 draws: the text's wording
    does not depend on the draws)."""
    levers = {
        "baseline": {},
        "h20-banned": {"h20_after_april_2025": "banned"},
        "hbm-replenished": {"hbm_replenished": True},
        "huawei-low": {"huawei_output": "low"},
    }
    return {name: report.run(draws=200, **values) for name, values in levers.items()}


def test_each_scenario_report_says_which_scenario_it_is(scenarios):
    base, banned = scenarios["baseline"], scenarios["h20-banned"]
    assert report.title(base) == "National compute: China vs US AI compute, 2022–2027, and the largest run each can do"
    assert report.answer(base).startswith("**Scenario: baseline** (H20 sold after April 2025 as Epoch AI records it")
    assert report.title(banned).startswith("National compute — H20 sales banned after April 2025: ")
    assert report.answer(banned).startswith(
        "**Scenario: H20 sales banned after April 2025** (the other levers as in the baseline: no H200 exports"
    )


def test_the_h20_finding_reads_as_the_scenario_or_as_a_what_if(scenarios):
    # the same difference both ways: with the step (banned) minus without it (allowed)
    base, banned = (report.findings(scenarios[s]) for s in ("baseline", "h20-banned"))
    assert "banning H20 sales after April 2025 (`h20_after_april_2025` = banned) would lower" in base
    assert "this scenario bans H20 sales after April 2025, which takes" in banned and "banning" not in banned


def test_the_hbm_finding_offers_replenishment_only_where_hbm_binds(scenarios):
    for name, r in scenarios.items():
        text = report.findings(r)
        hbm_binds = "HBM stacks" in set(r.binding["binding"])
        assert ("the HBM limit lifts" in text) == (hbm_binds and not r.inputs.hbm_replenished), name
        assert "compute-stock-hbm-replenished" not in text, name  # no scenario file's name inside a report
    replenished = report.findings(scenarios["hbm-replenished"])
    assert "in this scenario HBM reaches China despite the Dec 2024 rule" in replenished
    assert "HBM stockpile last" not in replenished
    # Huawei's low output needs fewer HBM stacks than the stockpile holds: no limit binds to lift
    assert "HBM stacks" not in set(scenarios["huawei-low"].binding["binding"])
    assert "no supply constraint binds before 2028" in report.findings(scenarios["huawei-low"])


def test_the_policy_table_writes_levers_as_the_scenario_files_do(scenarios):
    levers = list(report.policy_table(scenarios["baseline"])["lever"])
    assert "hbm_replenished = false / true" in levers and not any("False" in v or "True" in v for v in levers)


def test_the_power_finding_says_china_pue_is_a_target_and_the_us_one_measured(scenarios):
    # regions.csv: cn-avg-industrial PUE 1.5 is the 2024 action plan's target (pue_basis target),
    # us-avg-industrial 1.3 Uptime's 2024 survey figure for newer, larger facilities (new-builds), not an average
    text = report.findings(scenarios["baseline"])
    assert "(PUE 1.5, a policy target)" in text
    assert "(PUE 1.3, a survey figure for newer, larger facilities, not an average)" in text
    assert "measured average" not in text


def test_no_data_text_prices_a_percentage():
    # policy_steps.csv quoted Trump's post as "$25%": a share reads "25%", a price "$25"
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(catalog.DATA_DIR.glob("*.csv")))
    assert not re.search(r"\$\d+(\.\d+)?\s?%", text)
    assert (
        "25% of the sales paid to the US"
        in catalog.load("policy_steps").loc["2025-12-08-president-trump-truth-social-post", "what_changes"]
    )


def test_page_one_names_the_independent_cross_checks_that_fail():
    """A cross-check against a figure not built from Epoch's data, outside ± 25 %, is named in the
    findings: 600,000 modelled against 400,000 published is 600,000 / 400,000 − 1 = +50 %; 1.1 M
    against 1.0 M (+10 %) and Epoch's own check are left out."""
    from types import SimpleNamespace

    import pandas

    frame = pandas.DataFrame(
        {
            "what": ["licensed NVIDIA stock", "Huawei output", "910C in service"],
            "p50": [2_000_000.0, 600_000.0, 1_100_000.0],
            "published_value": [1_000_000.0, 400_000.0, 1_000_000.0],
            "relative_difference": [1.0, 0.5, 0.1],
        },
        index=["epoch-china-nvidia-2025", "huawei-output-2025", "cloudmatrix-2025"],
    )
    line = report._independent_checks_line(SimpleNamespace(crosscheck=frame))
    assert "Huawei output 600,000 against 400,000 published (+50 %)" in line
    assert "910C" not in line and "licensed" not in line
    assert report._independent_checks_line(SimpleNamespace(crosscheck=frame.iloc[[0, 2]])) == ""


def test_the_largest_run_draws_mfu_and_goodput_as_procurement_does():
    """One answer per question: a 90-day run on one cluster of 100,000 H100. The US's largest known
    cluster of 2024 is xAI's 100,000 H100 (data/clusters.csv): its run is 100,000 × 989.4e12 FLOP/s × MFU
    × goodput(100,000) × 90 × 86,400 s, at the base point 7.69358e26 × 0.4 × 0.788560 = 2.42674e26 FLOP
    (MFU 0.4, R = 6.47 min). MFU, λ, R and δ are drawn from the same seeded streams as procurement's
    100,000-H100 reference, whose largest compute-optimal model N = √(C / 120) is of that same C: each
    band end of the run is 120 × N² of procurement's."""
    from analysis.assembly import procurement

    draws = 2_000
    k = report.key_figures(report.run(draws=draws))
    bought = procurement.run(chips=["h100-sxm"], counts=[100_000], draws=draws)
    peak_run = 100_000 * 989.4e12 * 90 * 86_400
    assert peak_run == pytest.approx(7.69358e26, rel=1e-5)
    assert bought.base.loc["reference", "compute_optimal_params"] ** 2 * 120 == pytest.approx(
        peak_run * 0.4 * 0.788560, rel=1e-5
    )
    assert peak_run * 0.4 * 0.788560 == pytest.approx(2.42674e26, rel=1e-5)
    for band, q in (("", "p50"), ("_p10", "p10"), ("_p90", "p90")):
        shown = k[f"us_largest_run_flop{band}"]["2024"]
        assert shown == pytest.approx(
            120 * getattr(bought, q).loc["reference", "compute_optimal_params"] ** 2, rel=1e-9
        )
    assert (
        k["us_largest_run_flop_p10"]["2024"] < k["us_largest_run_flop"]["2024"] < k["us_largest_run_flop_p90"]["2024"]
    )


def test_a_clusters_mfu_is_capped_at_its_generation_as_chip_parity_caps_it():
    """The reference MFU × the cluster chip's vendor factor is capped as chip_parity and procurement cap
    it (inputs.chips_mfu); before, compute_stock multiplied them uncapped. At mfu 0.8 China's 2026
    cluster (10,000 Ascend 910C, data/clusters.csv) has its base point 0.8 × Huawei's 0.78 = 0.624, below
    its generation's cap (no measured Ascend bound: the highest BF16 MFU anywhere), so every draw is
    min(0.8-centred MFU × drawn factor, cap); the MFU draws reach 0.8 and the factor 1.0, so some exceed it.
    The run is then at most 10,000 × 780e12 FLOP/s (dense BF16, chips.csv) × cap × goodput (≤ 1) × 90 d ×
    86,400 s = 6.0653e25 × cap FLOP."""
    inp = report.inputs(mfu=0.8, draws=2_000)
    x = uncertainty.draw(inp.ranges, inp.draws, inp.seed)
    cap = shared.mfu_ceiling(generation="ascend", precision="bf16")[0]
    factor = catalog.load("vendor_efficiency").at["huawei", "mfu_factor"]
    assert factor == 0.78 and 0.8 * factor == pytest.approx(0.624) and 0.624 < cap
    uncapped = np.asarray(x["mfu"]) * np.asarray(x["Huawei MFU factor"])
    assert (uncapped > cap).any()
    assert report._cluster_mfu(x, "ascend-910c", inp) == pytest.approx(np.minimum(uncapped, cap), rel=1e-12)
    assert inp.clusters["cn"][2026][1:3] == ("ascend-910c", 10_000.0)
    assert 10_000 * 780e12 * 90 * 86_400 == pytest.approx(6.0653e25, rel=1e-4)
    assert report.figures(x, inp)["cn largest_run_flop"][:, Y[2026]].max() <= 6.0653e25 * cap * (1 + 1e-4)


def test_a_gap_of_one_month_and_a_run_of_one_day_take_the_singular():
    """present.counted: "1 month", "1 day" (was "1 months"; a training_days of 1 read "× 1 days")."""
    assert report._months(1.2) == "1 month" and report._months(14.6) == "15 months"
    r = report.run(training_days=1.0, draws=200)
    assert "× 1 day" in report.methods(r) and "× 1 days" not in report.methods(r)


def test_page_one_is_the_scenario_an_answer_line_a_list_and_a_note(scenarios):
    """Page 1 reads as the scenario and one sentence (China's stock as a share of the US's), one
    paragraph (the index page's summary starts with the scenario, as before), then one bullet per
    finding (each stock with its band, the largest runs, the US's lead, the algorithmic gain China
    would need) and what the figures are."""
    for r in scenarios.values():
        opening, bullets, caveat, drawn = report.answer(r).split("\n\n")
        assert caveat.startswith("**How far the share holds.** China's side is the least certain: ")
        scenario, line = opening.split(" China holds ")
        line = "China holds " + line
        assert scenario.startswith("**Scenario: ") and scenario.endswith(").")
        # one sentence: no full stop or semicolon inside, no line break, ends introducing the list
        assert line.startswith("China holds **") and line.endswith("(H100-equivalents, 8-bit peak, Epoch-compatible):")
        assert ". " not in line and ";" not in line and "\n" not in line
        lines = bullets.split("\n")
        assert len(lines) == 5 and all(b.startswith("- ") and b.endswith(".") for b in lines)
        assert lines[0].startswith("- China's stock grows from **") and lines[1].startswith("- The US stock is **")
        assert " months** earlier." in lines[3] and "×** more efficient" in lines[4]
        assert drawn.startswith("Figures are the median (P50) of 200 Monte Carlo draws, P10–P90 in brackets;")


def test_page_one_says_how_far_the_share_holds(scenarios):
    # hostile M8: the 7.4 % headline carries its cross-checks' caveat in one sentence: each independent
    # cross-check outside ± 25 % with its difference as the cross-check table gives it, and the 2025
    # chips counted as zero: shipments.csv's 142,000 Cambricon (bloomberg-cambricon-2026, "Siyuan
    # 590/690 and older") and 31,859 AMD MI308X, for which chips.csv's MLU370-X8 (a 2022 model) cannot stand
    r = scenarios["baseline"]
    said = report.caveat(r)
    lead, sentence = said.split("** ", 1)  # the bold lead-in, then one sentence
    assert lead == "**How far the share holds." and ". " not in sentence and sentence.endswith(".")
    checks = r.crosscheck[~r.crosscheck.index.str.startswith("epoch-")]
    off = checks[checks["relative_difference"].astype(float).abs() > 0.25]
    assert len(off) == 3
    for _, row in off.iterrows():
        sign = "+" if row["relative_difference"] > 0 else ""
        assert f"{row['what'].split(' [')[0]} {sign}{present.pct(row['relative_difference'])}" in said
    assert "142,000 Cambricon chips of several models" in said and "MLU370-X8" in said
    assert "31,859 AMD MI308X chips" in said and "count as zero for want of a sourced dense BF16 figure" in said


def test_methods_name_each_vendors_factor_with_its_caveat():
    # hostile check 3: compute_stock multiplies Huawei's output by its 0.78 factor but its Methods gave neither the
    # factor, its sources nor its caveat; now the one sentence every report prints (inputs.vendor_factors_text)
    r = report.run(draws=200)
    text = report.methods(r)
    assert "Huawei 0.78 (sourced, range 0.44–1.00; `pangu-ultra-moe-2025`" in text
    assert "caveat: two of its three readings and its low end rest on one Huawei figure" in text
