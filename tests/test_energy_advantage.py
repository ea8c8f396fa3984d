"""energy_advantage assembly: capex counted once (H800 against H100), the break-even price worked by
hand, bands that contain their headlines, a non-default reference, the inputs as used per region,
the values in the Methods, the figures and the JSON contract."""

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.assembly import chip_parity, present
from analysis.assembly import chip_parity as cp
from analysis.assembly import energy_advantage as ea
from analysis.assembly import inputs as shared
from analysis.catalog import sources

FAST = {"draws": 200}
#: Capex per chip [USD], both on one basis, a share of an 8-GPU server plus the network (19 %): H100, the DGX
#: H100's $270,000 / 8 = $33,750 / 0.81; H800, an 8 × H800 server's 2.3 M yuan / 8 = $39,384 / 0.81
#: (data/chips.csv, data/systems.csv; Epoch AI's network share).
H100_CAPEX, H800_CAPEX = 270_000 / 8 / 0.81, 39_384 / 0.81  # $41,666.67 and $48,622.22
#: Server power ratio of both: the DGX H100's 10.2 kW / (8 × 700 W) = 1.82143 (Epoch AI; chips.csv).
RATIO = 1.82143


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


@pytest.fixture
def shown(monkeypatch):
    """Everything present.display() was asked to show, in order."""
    out = []
    monkeypatch.setattr(present.output, "display", lambda obj, **kw: out.append(obj))
    return out


def test_h800_capex_per_chip_within_a_quarter_of_the_h100s(default):
    # ratio 48,622.22 / 41,666.67 = 1.1669, inside ± 25 %
    base = ea.figures(shared.base_point(default.inputs.ranges), default.inputs)["by_region"]["us-avg-industrial"]
    per_chip = base["capex_usd"][0] / base["chip_count"][0]
    assert_allclose(per_chip[:2], [H100_CAPEX, H800_CAPEX], rtol=1e-12)
    assert abs(per_chip[1] / per_chip[0] - 1) < 0.25


def test_break_even_price_of_the_h800_by_hand(default):
    # DeepSeek-V3 layout fully overlapped: scaling ratio 1, so 2,048 H800 match 2,048 H100 with the same
    # power (700 W × 1.82143 × 0.75 = 956.25 W) and PUE (1.30, us-avg-industrial's base: Uptime's newer,
    # larger facilities): equal kWh per PFLOP-hour. Break-even = the reference price + capex difference per kWh:
    # kWh per chip-year = 956.25 × 1.30 × 8,760 / 1,000 = 10,889.78; capex difference per chip-year
    # (41,666.67 − 48,622.22) / 4 years = −1,738.89 -> 0.0806 − 1,738.89 / 10,889.78 = −0.07908 $/kWh:
    # at the base prices no electricity price makes the H800 match (it was $0.216 with the H100 on a chip
    # price marked up × 1.64, $14,000 more per chip than the DGX H100 it comes in)
    kwh_per_chip_year = 700 * RATIO * 0.75 * 1.30 * 8_760 / 1_000
    expected = 0.0806 + (H100_CAPEX - H800_CAPEX) / 4 / kwh_per_chip_year
    assert_allclose(expected, -0.07908, atol=1e-5)
    base = ea.figures(shared.base_point(default.inputs.ranges), default.inputs)
    assert_allclose(base["break_even_usd_per_kwh"][0, 1], expected, rtol=1e-9)
    # the two server-price ranges overlap (H100 33,750-44,490; H800 34,819-46,233), so some draws have a price
    assert 0 < default.break_even_share.loc["h800-sxm"] < 1


@pytest.mark.parametrize("case", ["default", "a100"])
def test_every_banded_figure_is_the_percentile_of_its_own_draws(case, request):
    # The JSON's P10/P50/P90 must be the inverted-CDF percentiles (numpy "inverted_cdf": the smallest draw with
    # at least P % at or below it) of the report's own draws at its seed, recomputed here from the inputs. (The
    # base point, every input at its base value, may lie outside the band: most price ranges are skewed upward,
    # so the TCO at base prices is below P10 for the default H100; figures quote the median.)
    from analysis.formulas import uncertainty

    r = request.getfixturevalue(case)
    inp = r.inputs
    draws = ea.figures(uncertainty.draw(inp.ranges, inp.draws, inp.seed), inp)
    figures = ea.key_figures(r)
    chips = list(inp.parity.chips.index)
    for name in ("tco_usd", "usd_per_pflop_hour", "annual_emissions_tco2"):
        for region in inp.regions:
            values = draws["by_region"][region][name]
            for j, chip in enumerate(chips):
                column = values[:, j][np.isfinite(values[:, j])]
                if column.size == 0:
                    continue
                p10, p50, p90 = np.percentile(column, [10, 50, 90], method="inverted_cdf")
                assert figures[name][chip][region] == pytest.approx(p50, rel=1e-12)
                assert (figures[f"{name}_p10"][chip][region], figures[f"{name}_p90"][chip][region]) == pytest.approx(
                    (p10, p90), rel=1e-12
                )
    reference = np.percentile(draws["reference_usd_per_pflop_hour"], [10, 50, 90], method="inverted_cdf")
    assert [figures[f"reference_usd_per_pflop_hour{s}"] for s in ("_p10", "", "_p90")] == pytest.approx(reference)


def test_frames_by_figure_and_region(default):
    # columns (figure, region): one column per figure of BY_REGION and region shown
    assert set(default.p50.columns) == {(n, g) for n in ea.BY_REGION for g in default.inputs.sites}
    assert list(default.p50["tco_usd"].index) == list(default.inputs.parity.chips.index)
    # the reference keeps its 2,048 chips in every region
    assert (default.p10["chip_count"].loc["h100-sxm"] == 2048).all()


def test_a_non_default_reference_is_honoured(a100):
    assert a100.inputs.parity.chips.index[0] == "a100-sxm-80gb"
    assert list(a100.break_even.index) == ["mi300x", "h20"]
    # H20 per A100: 312 / 148 = 2.108 chips; its hardware alone costs more per PFLOP-hour: no break-even
    assert a100.break_even_share.loc["h20"] == 0 and ea.key_figures(a100)["break_even_usd_per_kwh"]["h20"] is None
    # the reference MFU is an H100 run's by design: said once (hostile M13), the H100 named nowhere else
    answer = ea.answer(a100)
    note = cp.reference_mfu_note(a100.inputs.parity)
    assert note and note in answer and "A100" in answer and "H100" not in answer.replace(note, "")
    assert a100.inputs.parity.years == 6.0 and "6-year horizon" in ea.methods(a100)


def _records(used: dict):
    for value in used.values():
        yield from (_records(value) if isinstance(value, dict) else [value])


def test_used_block_holds_every_input_per_region_with_unit_and_source(default):
    used, keys = default.inputs.used, set(sources().index)
    wanted = {"load_factor", "server_power_ratio", "years", "cost_of_capital", "mfu", "overlap"}
    wanted |= {"interruptions_per_chip_hour", "restart_hours", "checkpoint_interval_hours", "regions", "chips"}
    assert wanted <= set(used)
    assert set(used["regions"]) == {"cn-avg-industrial", "cn-west-subsidised", "us-avg-industrial", "us-dc-ppa"}
    for record in _records(used):
        assert record.unit and set(record.source.split(";")) <= keys, record
    # us-avg-industrial: $0.0806/kWh, PUE 1.30 (a large new US site, Uptime 2024), 0.366 kg CO2/kWh (data/regions.csv)
    home = used["regions"]["us-avg-industrial"]
    assert (home["usd_per_kwh"].value, home["pue"].value, home["grid_kgco2_per_kwh"].value) == (0.0806, 1.3, 0.366)
    # overlap 1 is the shared default (params.TRAINING, DeepSeek-V3's DualPipe), not a value the reader set
    assert used["overlap"].value == 1.0 and used["overlap"].source == "deepseek-v3-report"
    reader = ea.inputs(pue=1.2, overlap=0.5, **FAST).used
    assert all(reader["regions"][g]["pue"].value == 1.2 for g in reader["regions"])
    assert reader["overlap"].source == shared.READER and reader["regions"]["us-dc-ppa"]["pue"].source == shared.READER


def test_methods_show_every_setting_with_its_value(default):
    text = ea.methods(default)
    # the layout and overlap by name and value (the old text read "of parallel_config at overlap")
    assert "DeepSeek-V3 pre-training layout (`deepseek-v3-pretraining`) at overlap 100 %" in text
    assert "of `parallel_config`" not in text and "at `overlap`" not in text
    # each chip's own ratio: the DGX H100's 1.82 for the H100 and H800, the DGX A100's 2.03 for the A800,
    # 1.8 where none (H20, Ascend 910B); the 910C takes its system's power
    ratios = "server power ratio (H100 SXM 1.82, H800 SXM 1.82, H20 1.8, A800 SXM 2.03, Ascend 910B 1.8;"
    assert ratios in text and "load factor (0.75)" in text and "4-year horizon" in text
    assert "the reference and the H800 are on one basis" in text
    assert "reference's 40 %" in text and "50 % of dense peak" in text and "utilisation observations" in text
    assert "1.97 × 10⁻⁵ interruptions per chip-hour" in text
    assert "10,000 draws" not in text and "200 draws (seed 0)" in text


def test_figures_are_drawn_with_alt_text(default, shown):
    ea.plot_tco(default)
    ea.plot_break_even(default)
    images = [obj for obj in shown if isinstance(obj, dict) and "image/png" in obj]
    assert len(images) == 2
    assert "4-year TCO of a cluster matching 2,048 × H100 SXM" in images[0]["text/plain"]
    assert "Price at which each chip matches H100 SXM" in images[1]["text/plain"]


def test_tco_bands_table_reads_p50_with_its_band(default):
    text = ea.tco_bands_table(default)
    mid = ea.tco_table(default).loc["H800 SXM"].iloc[0] / 1e6
    low = ea.tco_table(default, "p10").loc["H800 SXM"].iloc[0] / 1e6
    high = ea.tco_table(default, "p90").loc["H800 SXM"].iloc[0] / 1e6
    assert str(text.loc["H800 SXM"].iloc[0]) == f"{mid:,.0f} ({low:,.0f}–{high:,.0f})"


def test_tco_bands_csv_holds_numbers_not_text(default):
    """The table's CSV copy carries P10, P50 and P90 as numbers, one column each per region,
    not the "109 (103–119)" text (issue 22 item 13)."""
    import csv
    import io

    from analysis.assembly.present.output import csv_frame, csv_text
    from analysis.assembly.present.units import csv_header

    bands = ea.tco_bands_table(default)
    region = bands.columns[0]  # "China national average industrial tariff"
    headers = [csv_header(c, "tco_usd_m") for c in bands.columns]  # as the notebook's table(unit="tco_usd_m")
    rows = {row[""]: row for row in csv.DictReader(io.StringIO(csv_text(csv_frame(bands, headers))))}
    for q in ("p10", "p50", "p90"):
        expected = ea.tco_table(default, q).loc["H800 SXM", region] / 1e6  # USD -> USD millions
        header = f"china_national_average_industrial_tariff_tco_usd_m_{q}"  # the unit (million USD) in the name
        assert float(rows["H800 SXM"][header]) == pytest.approx(expected, rel=1e-12)
    assert all("–" not in cell for row in rows.values() for cell in row.values())


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


def test_the_h100_and_h800_capex_per_chip_name_their_one_basis(default):
    # inputs block: all-in capex per chip with the price basis it comes from (H100 33,750 / 0.81 = 41,666.67;
    # H800 39,384 / 0.81 = 48,622.22, both a server share); the findings say it in words
    chips = default.inputs.used["chips"]
    h100, h800 = chips["h100-sxm"]["all_in_capex_usd_per_chip"], chips["h800-sxm"]["all_in_capex_usd_per_chip"]
    assert_allclose([h100.value, h800.value], [H100_CAPEX, H800_CAPEX], rtol=1e-12)
    assert h100.source == "semianalysis-ai-server-cost-2023" and "server share $33,750" in h100.origin
    assert "server share $39,384" in h800.origin and h800.unit == "USD per chip, all-in, base price"
    # the A800 on a chip price: 15,000 × 1.64 / 0.81 = 30,370.37
    assert_allclose(chips["a800-sxm-80gb"]["all_in_capex_usd_per_chip"].value, 30_370.37, rtol=1e-6)
    assert "H100 SXM $41,667, H800 SXM $48,622" in ea.findings(default)
    assert "as a share of an 8-GPU server (the DGX H100's $270,000 / 8" in ea.findings(default)


def test_page_one_is_an_answer_line_a_list_and_notes(default):
    """Page 1 reads as one sentence, one bullet per clause of the verdict and one for the reference
    (its cost with its band), then how to read the figures and the reference region's note."""
    line, bullets, drawn, region = ea.answer(default).split("\n\n")  # BF16: no precision note
    # one sentence: no full stop or semicolon inside, no line break, ends introducing the list
    assert line.startswith("Electricity is only **") and line.endswith("so the hardware cost per FLOP decides:")
    assert ". " not in line and ";" not in line and "\n" not in line
    lines = bullets.split("\n")
    parts = ea._verdict_parts(default)
    assert len(lines) == len(parts) + 1 and all(b.startswith("- ") and b.endswith(".") for b in lines)
    for part, bullet in zip(parts, lines):
        assert bullet == f"- {part[0].upper()}{part[1:]}."
    assert lines[-1].startswith("- The reference, 2,048 × NVIDIA H100 SXM5 80GB at ") and "(P10–P90 $" in lines[-1]
    assert drawn.startswith("Figures are the median (P50)") and drawn.endswith("bands are P10–P90.")
    assert region.startswith("This report's reference region is `us-avg-industrial`")
    # no region note where the reference region is the shared one: three paragraphs
    assert len(ea.answer(ea.run(region="cn-avg-industrial", **FAST)).split("\n\n")) == 3


def test_the_first_page_names_the_reference_region_and_why(default):
    # us-avg-industrial is this report's own reference region, not the shared cn-avg-industrial (params.WHERE)
    text = ea.answer(default)
    assert "reference region is `us-avg-industrial`" in text and "default to `cn-avg-industrial`" in text
    assert "export controls" in text
    # the reader's own reference region, or the shared one, needs no note
    assert "reference region is" not in ea.answer(ea.run(region="us-dc-ppa", **FAST))
    assert "reference region is" not in ea.answer(ea.run(region="cn-avg-industrial", **FAST))


def test_a_cluster_no_single_job_can_match_reads_so():
    # at 100,000 H100 one job of H20s matches only where the drawn restart is under 5.66 min (test_goodput:
    # test_the_restart_range_moves_the_ceiling), most draws: its TCO is +∞ there (as in chip_parity), the P50
    # cell reads "no single job", never "inf"; the B200 (0.44 per H100) always matches
    r = ea.run(reference_count=100_000, candidates=["h20", "b200"], regions=["cn-avg-industrial"], draws=200)
    cells = ea.tco_bands_table(r)
    assert str(cells.iloc[1, 0]).startswith("no single job (") and "inf" not in str(cells.iloc[1, 0])
    assert np.isfinite(cells.iloc[2, 0].mid)
    from analysis.assembly.present.output import csv_text

    for table in (cells, ea.by_region_table(r, "annual_emissions_tco2"), ea.break_even_table(r)):
        assert "inf" not in csv_text(table)
    # the verdict and the answer say so instead of ranking a break-even price drawn from the few draws
    # with a job: one job matches only where the drawn restart is under 5.66 min, below the restart
    # range's mode (10 min), so most of the 200 draws have none, well above the 0.5 the verdict needs
    assert r.no_single_job_share["h20"] > 0.5 and r.no_single_job_share["b200"] == 0.0
    assert ea.verdicts(r)["h20"].startswith("no single job matches the reference cluster in ")
    assert "- No single job of **H20** matches the reference cluster in most draws." in ea.answer(r)
    assert ea.key_figures(r)["no_single_job_share_of_draws"]["h20"] > 0.5


def test_one_chip_that_needs_cheap_power_takes_a_singular_verb():
    # at a reader's PUE of 1.57 (more kWh per chip-hour than the default 1.30, so cheap power is worth
    # more) only the H800 SXM breaks even at a price below the reference's $0.081/kWh (its break-even
    # ≈ $0.01/kWh, in 56 % of draws): "the H800 SXM matches", never "match". The Ascend 910C is left out: with
    # the network between supernodes in its capex (÷ 0.81) it breaks even near $0.01/kWh too
    candidates = ["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b"]
    parts = [p for p in ea._verdict_parts(ea.run(pue=1.57, candidates=candidates, **FAST)) if "cheap enough" in p]
    assert len(parts) == 1 and parts[0].startswith("the **H800 SXM** matches where power is cheap enough (below $")
    # named once: the price in brackets does not repeat the chip
    assert parts[0].count("H800 SXM") == 1 and parts[0].endswith("/kWh)")


def test_a_list_of_chips_in_a_verdict_reads_as_a_sentence(default):
    """Several chips in one clause read "A, B and C" (present.joined), never "A, B, C": in the
    default the chips whose hardware alone costs more than the reference's total are more than one."""
    never = next(p for p in ea._verdict_parts(default) if "no electricity price makes up" in p)
    names = never.split("**")[1]
    assert names.count(" and ") == 1 and ", " not in names.split(" and ")[1]
    # two chips that need cheap power: each named once, with its price, joined by "and"
    be = default.break_even["p50"].copy()
    be[:] = [0.001, 0.002] + [-1.0] * (len(be) - 2)
    no_job = default.no_single_job_share * 0.0  # every candidate has a single job that matches
    r = dataclasses.replace(default, break_even=default.break_even.assign(p50=be), no_single_job_share=no_job)
    two = next(p for p in ea._verdict_parts(r) if "cheap enough" in p)
    first, second = (present.chip_short(c) for c in be.index[:2])
    assert two == (
        f"the **{first} and {second}** match where power is cheap enough ({first} below $0.001/kWh and "
        f"{second} below $0.002/kWh)"
    )


def test_a_reference_without_a_price_range_reads_without_nan():
    """chips.csv: the H200 has a base price without a low-high range (Reuters' $27,000 per chip). The capex
    text then says so instead of raising KeyError or printing "$nan". (A reference with no price at all, the
    L20, is refused: test_a_reference_without_a_price_or_power_is_refused_by_name.)"""
    r = ea.run(reference_chip="h200", draws=200)
    text = ea.drawn_capex_text(r)
    assert "has no range in the catalog" in text and "nan" not in ea.price_basis_text(r)
    assert text.startswith("The H200 SXM's price")


def test_never_only_where_no_draw_has_a_price(default):
    """A candidate whose median break-even is negative "never matches" only where (almost) no draw has a
    price; where some do, the verdict gives their share and the P90 price instead of "never"."""
    chip = default.break_even.index[0]
    be = default.break_even.copy()
    be.loc[chip] = [-0.30, -0.05, 0.128]  # p10, p50, p90 [$/kWh]
    no_job = default.no_single_job_share * 0.0
    for share, start in ((0.0, "never matches: "), (0.49, "matches in only 49 % of draws (P90 $0.128/kWh): ")):
        shares = default.break_even_share.copy()
        shares.loc[chip] = share
        r = dataclasses.replace(default, break_even=be, break_even_share=shares, no_single_job_share=no_job)
        assert ea.verdicts(r)[chip].startswith(start)
        clause = next(p for p in ea._verdict_parts(r) if "no electricity price makes up" in p)
        assert clause.startswith("in most draws no electricity price") == (share > 0.01)


def test_candidates_that_never_match_share_one_finding(default):
    """Page 1 names the candidates whose hardware alone costs more than the reference's total once, in
    one line with their one reason, instead of one identical sentence per chip; every other verdict
    keeps its own line."""
    said = ea.verdicts(default)
    never = [c for c, v in said.items() if v.startswith(ea.NEVER)]
    assert len(never) >= 2, said  # the default's H20, A800 SXM and Ascend 910B at least (break-even < 0)
    lines = ea.verdict_lines(default)
    grouped = [line for line in lines if " never match: " in line]
    assert len(grouped) == 1 and len(lines) == len(said) - len(never) + 1
    assert grouped[0].startswith(f"- **{present.joined(present.chip_short(c) for c in never)}** never match: ")
    assert "their hardware alone costs more per effective PFLOP-hour than the reference's total" in grouped[0]
    assert not any(line.startswith(f"- **{present.chip_short(c)}** ") for line in lines for c in never)


def test_the_shared_region_column_is_chip_parity_at_that_region():
    # the page says its cn-avg-industrial column prices the clusters as chip_parity does, with the same draws:
    # every figure of that column equals chip_parity's at region cn-avg-industrial, draw for draw (the electricity
    # price and PUE of that region draw from chip_parity's own streams, energy_advantage.stream)
    from analysis.assembly import chip_parity

    e = ea.run(draws=300)
    c = chip_parity.run(draws=300, region="cn-avg-industrial")
    for name in ("tco_usd", "usd_per_pflop_hour", "kwh_per_pflop_hour"):
        assert (e.p50[(name, "cn-avg-industrial")] == c.p50[name].loc[e.p50.index]).all(), name
    assert ea.stream("cn-avg-industrial", "pue") == "pue"
    assert ea.stream("us-avg-industrial", "pue") == "us-avg-industrial pue"


def test_page_one_gives_the_reference_at_the_base_point_in_numbers_a_reader_can_redo(default):
    # hostile M1: "$3.92 per effective PFLOP-hour" could not be redone from "MFU 40 %". At the base point, at
    # us-avg-industrial: capex 2,048 × $33,750 / 0.81 = $85.33 M; electricity 2,048 × 1,275 W × 0.75 load × PUE 1.30
    # × 35,040 h = 89,210 MWh × $0.0806/kWh = $7.19 M; TCO $92.52 M. Goodput (Young–Daly) 1 / (1 + 2,048 × 1.97e-5
    # × 6.47/60 + sqrt(2 × 7.875e-4 × 2,048 × 1.97e-5)) = 0.98783; PFLOP-hours 2,048 × 0.9894 × 0.40 × 0.98783
    # × 35,040 = 28.055 M; $92.52 M / 28.055 M = $3.298
    tco = 2_048 * 33_750 / 0.81 + 2_048 * 1_275 * 0.75 * 1.30 * 35_040 / 1_000 * 0.0806
    kept = 1 / (1 + 2_048 * 1.97e-5 * 6.47 / 60 + (2 * 7.875e-4 * 2_048 * 1.97e-5) ** 0.5)
    hours = 2_048 * 0.9894 * 0.40 * kept * 35_040
    assert (round(tco / 1e6, 1), round(kept, 3), round(hours / 1e6, 2), round(tco / hours, 2)) == (
        92.5,
        0.988,
        28.05,
        3.30,
    )
    answer = ea.answer(default)
    assert (
        "the median of the draws' costs; at the base point (every input at its base value) it is $92.5 M TCO ÷ "
        "(2,048 × 0.9894 PFLOP/s × MFU 40.0 % × goodput 98.8 % × 35,040 h = 28.05 M effective PFLOP-hours) = **$3.30**"
    ) in answer


def test_the_break_even_words_do_not_send_a_reader_to_the_medians(default):
    # hostile M2: "at the median, its hardware alone costs more" beside a table whose medians show the opposite
    # (H800 capex 3.89 < reference total 3.92). The sentence counts draws instead, and a finding says why
    # the table's columns do not combine: for the 910C (3.92 − 3.22) / 7.64 = 0.0916 against a median of 0.108
    assert round((3.92 - 3.22) / 7.64, 3) == 0.092
    text = ea.answer(default) + ea.findings(default)
    assert "at the median, its hardware" not in text
    medians = ea.break_even_medians_text(default)
    assert "the median of a ratio is not the ratio of the medians" in medians
    chip = default.break_even["p50"][default.break_even["p50"] >= 0].index[0]
    home, mid = default.inputs.region, default.p50
    total, capex, kwh = (
        round(mid[name].loc[c, home], 2)
        for name, c in (
            ("usd_per_pflop_hour", "h100-sxm"),
            ("capex_usd_per_pflop_hour", chip),
            ("kwh_per_pflop_hour", chip),
        )
    )
    assert f"({total:,.2f} − {capex:,.2f}) ÷ {kwh:,.2f} = $" in medians


def test_a_rare_break_even_counts_the_draws_without_one(default):
    # "matches in only 49 % of draws …: in the other 51 % (1 − 0.49), its hardware alone costs more"
    be, share = default.break_even.copy(), default.break_even_share.copy()
    be.loc["h800-sxm", "p50"], share.loc["h800-sxm"] = -0.001, 0.49
    no_job = default.no_single_job_share * 0
    r = dataclasses.replace(default, break_even=be, break_even_share=share, no_single_job_share=no_job)
    said = ea.verdicts(r)["h800-sxm"]
    assert said.startswith("matches in only 49 % of draws") and "in the other 51 %, its hardware alone costs" in said


def test_fp8_says_why_a_chip_without_fp8_peak_moves_its_break_even():
    """In FP8 the H100 gains the achieved FP8 speed-up, the median of data/fp8_speedups.csv's four pairs,
    (1.27976 + 1.28000) / 2 = 1.27988, while the Ascend 910C (no FP8 peak) trains at its BF16 rate: at the
    base point the reference's cost per effective PFLOP-hour is its BF16 one / 1.27988 (same cluster,
    same TCO, 1.27988 × the effective FLOP) and the 910C's does not fall (more chips to match, at a
    lower goodput), so its break-even falls (0.108 -> 0.005 $/kWh at 2,000 draws). Page 1 says so in
    one sentence; in BF16 it says nothing."""
    runs = {p: ea.run(precision=p, candidates=["h20", "ascend-910c"], **FAST) for p in ("bf16", "fp8")}
    cost = {
        p: ea.figures(shared.base_point(r.inputs.ranges), r.inputs)["by_region"]["us-avg-industrial"][
            "usd_per_pflop_hour"
        ][0]
        for p, r in runs.items()
    }
    assert cost["bf16"][0] / cost["fp8"][0] == pytest.approx(1.27988, rel=1e-5)  # the reference H100
    assert cost["fp8"][2] >= cost["bf16"][2]  # the Ascend 910C
    note = (
        "In FP8 the Ascend 910C has no faster FP8 peak and trains at its BF16 rate while the reference H100 SXM "
        "gains the achieved FP8 speed-up (1.28 × the BF16 rate, not the peak ratio of 2): the reference's cost "
        "per effective PFLOP-hour falls and the Ascend 910C's does not, so its break-even price is lower than "
        "in BF16."
    )
    assert note in ea.answer(runs["fp8"]).split("\n\n")
    assert "FP8" not in ea.answer(runs["bf16"])
    # the converse: an A100 reference (no FP8 peak) against the H20 (one): the H20's break-even rises
    a100 = ea.run(precision="fp8", reference_chip="a100-sxm-80gb", candidates=["h20"], **FAST)
    assert ea.precision_note(a100).endswith(
        "the H20 gains the achieved FP8 speed-up (1.28 × the BF16 rate, not the peak ratio of 2): its cost per "
        "effective PFLOP-hour falls and the reference's does not, so its break-even price is higher than in BF16."
    )


def test_a_small_break_even_price_keeps_two_significant_digits():
    # H800 against H100 in BF16 breaks even near $0.000076/kWh, which read "$0.000" (as if zero):
    # below $0.01 the price keeps 1 − floor(log10 x) decimals: 0.000076 -> 1 + 5 = 6, 0.0047 -> 1 + 3 = 4
    assert ea.price_text(0.000076) == "$0.000076" and ea.price_text(0.0047) == "$0.0047"
    assert ea.price_text(0.001) == "$0.001" and ea.price_text(0.00010) == "$0.0001"  # 5 decimals, one zero dropped
    assert ea.price_text(0.108085) == "$0.108" and ea.price_text(0.0) == "$0.000"
    assert ea.price_text(-0.2) == "none" and ea.price_text(float("nan")) == present.NA


def test_the_h20s_cost_per_pflop_hour_differs_with_the_reference_only_by_goodput_and_the_page_says_so():
    """One question, two answers ($16.70 against 2,048 H100, $15.41 against 2,048 Ascend 910B, P50s): the
    H20's MFU is the same against either (0.40, an NVIDIA chip), so its cost per effective PFLOP-hour =
    per-chip TCO / (peak × MFU × goodput(n) × hours) differs only by the goodput of its own cluster size n,
    which falls as n grows: at the base point cost × goodput is one number, and the larger cluster (the
    one matching the H100s: 148 TFLOP/s against 989.4 takes more H20s than against the 910B's 320 × 0.67)
    costs more. chip_parity's and energy_advantage's Methods say why, in one sentence."""
    base = {}
    for ref in ("h100-sxm", "ascend-910b"):
        r = ea.run(reference_chip=ref, candidates=["h20"], region="cn-avg-industrial", **FAST)
        f = ea.figures(shared.base_point(r.inputs.ranges), r.inputs)["by_region"]["cn-avg-industrial"]
        base[ref] = {k: f[k][0][1] for k in ("usd_per_pflop_hour", "goodput", "chip_count")}
        assert chip_parity.PER_PFLOP_HOUR_AT_SIZE in ea.methods(r)
    h100, ascend = base["h100-sxm"], base["ascend-910b"]
    assert h100["chip_count"] > ascend["chip_count"] and h100["goodput"] < ascend["goodput"]
    assert_allclose(
        h100["usd_per_pflop_hour"] * h100["goodput"], ascend["usd_per_pflop_hour"] * ascend["goodput"], rtol=1e-9
    )
    assert h100["usd_per_pflop_hour"] > ascend["usd_per_pflop_hour"]
    training = chip_parity.run(candidates=["h20"], **FAST)
    assert chip_parity.PER_PFLOP_HOUR_AT_SIZE in chip_parity.methods(training)


def test_the_base_point_line_at_fp8_says_which_peak_each_mfu_is_a_share_of():
    # hostile check 2: at FP8 the base-point line printed "MFU 25.6 %" (of the H100's FP8 peak: 0.40 × 989.4 /
    # 1,978.9 × 1.279881 = 0.25596) beside the drawn MFU's "P50 0.400" (of the BF16 peak) and said the draws fall
    # "far below its base": both are now named with their peak
    assert round(0.40 * 989.4 / 1_978.9 * 1.279881, 3) == 0.256
    words = ea.reference_base_words(ea.run(precision="fp8", **FAST))
    assert (
        "MFU 25.6 % ×" in words and "a share of a BF16 peak; 25.6 % of the FP8 peak above is that carried over" in words
    )
    assert "carried over" not in ea.reference_base_words(ea.run(**FAST))


def test_a_reference_without_a_price_or_power_is_refused_by_name():
    from analysis.assembly.params import ParameterError

    # hostile check 3: with the H100 PCIe as reference (data/chips.csv: no sourced price since the weak one was
    # dropped) page 1 read "costs n/a per effective PFLOP-hour (P10–P90 n/a–n/a) … = n/a"; the report's answer is
    # that cost, so the parameter is refused before any kernel, naming what is missing and the chips that have both
    with pytest.raises(ParameterError) as error:
        ea.cross_check({"reference_chip": "h100-pcie"})
    message = str(error.value)
    assert "parameter reference_chip: 'h100-pcie' has no sourced price in data/chips.csv" in message
    assert "choose one of h100-sxm, " in message and "h100-pcie" not in message.split("choose one of")[1]
    with pytest.raises(ParameterError, match="'l20' has no sourced price or power"):
        ea.cross_check({"reference_chip": "l20"})
