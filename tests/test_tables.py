"""Tables for reuse (issue 23, item 3): every table a report writes has a short id given where it is
shown, used as its CSV's name; every CSV header of a column with a unit states it, in the convention
of the JSON's names and key_figures.csv's unit column; key_figures.csv names the sources each figure
rests on."""

import ast
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import CASES

from analysis.assembly import present
from analysis.assembly.present import TABLE_ID, TABLE_MIME, csv_header, unit_of
from analysis.pipeline.export import key_figures_csv

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


@pytest.fixture
def shown(monkeypatch):
    """Everything present.display() was asked to show, in order."""
    out = []
    monkeypatch.setattr(present.output, "display", lambda obj, **kw: out.append((obj, kw)))
    return out


def table_ids(path: Path) -> list[str]:
    """The id of every present.table call of a notebook twin, read from its source: a literal
    ``name="..."``, or a name a ``for`` loop takes from a literal tuple of tuples (one id per pass).
    Every call counts, also those only some parameters reach."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    loops = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
            for i, target in enumerate(node.target.elts):
                if isinstance(target, ast.Name):
                    loops[target.id] = [ast.literal_eval(row)[i] for row in node.iter.elts]
    ids = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "present.table":
            name = next((k.value for k in node.keywords if k.arg == "name"), None)
            assert name is not None, f"{path.name} line {node.lineno}: present.table without name="
            if isinstance(name, ast.Constant):
                ids.append(name.value)
            else:
                assert isinstance(name, ast.Name) and name.id in loops, f"{path.name} line {node.lineno}: name= {name}"
                ids += loops[name.id]
    return ids


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_table_of_every_notebook_has_its_own_short_id(path):
    ids = table_ids(path)
    assert ids, f"{path.name} shows no table"
    assert [i for i in ids if not TABLE_ID.fullmatch(i)] == []
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_the_id_check_reads_loops_and_catches_a_missing_or_repeated_id(tmp_path):
    """The test above can fail: a call without an id, and one id twice (once through a loop)."""
    path = tmp_path / "nb.py"
    path.write_text(
        "for country, table_id in (('China', 'china'), ('US', 'us')):\n"
        "    present.table(t, {}, name=table_id)\n"
        "present.table(t, {}, name='china')\n"
    )
    assert sorted(table_ids(path)) == ["china", "china", "us"]  # "china" twice: the test above fails
    path.write_text("present.table(t, {}, caption='Cost by chip')\n")
    with pytest.raises(AssertionError, match="without name="):
        table_ids(path)


def test_a_table_is_refused_without_a_short_id(shown):
    frame = pd.DataFrame({"w": [700.0]}, index=["h100-sxm"])
    for bad in ("Power by chip", "power-by-chip", "", "x" * 41):
        with pytest.raises(ValueError, match="is not a short id"):
            present.table(frame, {"w": "TDP [W]|{:,.0f}"}, name=bad)
    with pytest.raises(TypeError, match="name"):
        present.table(frame, {"w": "TDP [W]|{:,.0f}"}, caption="Power by chip")  # never named by its caption


@pytest.mark.parametrize(
    "label, unit, header, stated",
    [
        ("IT power [MW]", None, "it_power_mw", "MW"),  # as the JSON's it_power_mw
        ("energy [GWh/yr]", None, "energy_gwh_per_year", "GWh/year"),
        ("capex [$ M]", None, "capex_usd_m", "million USD"),
        ("capex [$/PFLOP-h]", None, "capex_usd_per_pflop_hour", "USD/PFLOP-hour"),
        ("emissions [t CO₂]", None, "emissions_tco2", "t CO2"),
        ("die area [mm²]", None, "die_area_mm2", "mm²"),
        ("China's run [FLOP]", None, "chinas_run_flop", "FLOP"),
        ("goodput", None, "goodput", "fraction"),
        ("us-dc-ppa", "tco_usd_m", "us_dc_ppa_tco_usd_m", "million USD"),  # the table's unit for unitless labels
        ("energy [MWh]", "tco_usd_m", "energy_mwh", "MWh"),  # a label's own unit wins
        ("binding", None, "binding", ""),  # text: no unit
    ],
)
def test_headers_state_units_as_the_json_names_do(label, unit, header, stated):
    assert csv_header(label, unit) == header
    assert unit_of(header) == stated
    assert unit_of(f"{header}_p90") == stated  # a band's part keeps its unit


def test_table_csv_has_headers_with_units_and_band_parts_after_the_unit(shown):
    frame = pd.DataFrame(
        {
            "power": [10.2, 5.0],
            "tco": [present.Band("98 (91–108)", 91.0, 98.0, 108.0), present.Band("7", 7.0, 7.0, 7.0)],
            "binding": ["throughput", "capacity"],
        },
        index=["h100-sxm", "h20"],
    )
    formats = {"power": "server power [kW]|{:.1f}", "tco": ("TCO", "{}", "tco_usd_m"), "binding": "binding|{}"}
    present.table(frame, formats, caption="x", name="power_and_tco")
    data = shown[0][1]["metadata"][TABLE_MIME]
    assert data["name"] == "power_and_tco"
    rows = list(csv.reader(io.StringIO(data["csv"])))
    assert rows[0] == ["chip", "server_power_kw", "tco_usd_m_p10", "tco_usd_m_p50", "tco_usd_m_p90", "binding"]
    assert rows[1] == ["NVIDIA H100 SXM5 80GB", "10.2", "91.0", "98.0", "108.0", "throughput"]


def test_a_column_of_numbers_without_a_unit_or_a_header_used_twice_is_refused(shown):
    frame = pd.DataFrame({"a": [1.0], "b": [2.0], "note": ["ok"]}, index=["x"])
    with pytest.raises(
        ValueError, match="table 'sizes': column 'size' holds numbers but its CSV header states no unit"
    ):
        present.table(frame, {"a": "size|{}", "note": "note|{}"}, names=False, name="sizes")
    with pytest.raises(ValueError, match="CSV header 'size_mw' names two columns"):
        present.table(frame, {"a": "size [MW]|{}", "b": "size [MW]|{}"}, names=False, name="sizes")
    present.table(frame, {"note": "note [MW]|{}"}, names=False, name="notes")  # text needs no unit


def test_a_table_whose_rows_differ_in_unit_gets_a_unit_column(shown):
    frame = pd.DataFrame({"figure": ["days", "cost [USD]", "training FLOP"], "disclosed": [54.8, 5.576e6, 3.8e25]})
    present.table(frame, {"disclosed": "disclosed|{}"}, names=False, name="checks", row_unit="figure")
    rows = list(csv.reader(io.StringIO(shown[0][1]["metadata"][TABLE_MIME]["csv"])))
    assert [r[1] for r in rows] == ["unit", "days", "USD", "FLOP"]
    with pytest.raises(ValueError, match="row 0 states no unit"):
        frame["figure"] = ["a thing", "days", "days"]
        present.table(frame, {"disclosed": "disclosed|{}"}, names=False, name="checks", row_unit="figure")


def test_key_figures_name_the_sources_each_figure_rests_on():
    """chip_parity's defaults, worked by hand from the inputs block (sources of each record:
    data/chips.csv row h20, analysis/assembly/inputs.py DEFAULTS)."""
    from analysis.assembly import chip_parity as report
    from analysis.assembly.present.contract import _plain, _used_json

    r = report.run(draws=200)
    figures = _plain({"parameters": r.inputs.parameters, "inputs": _used_json(r.inputs.used), **report.key_figures(r)})
    rows = {row["figure"]: row for row in csv.DictReader(io.StringIO(key_figures_csv(figures)))}
    # goodput = 1 / (1 + n·λ·R + sqrt(2·δ·n·λ)) at the Young-Daly interval: λ interruptions_per_chip_hour
    # (llama3-paper), R restart_hours (trainmover-2025), δ checkpoint_write_hours (llama3-checkpoint-storage),
    # the interval checkpoint_interval_hours (young-1974)
    assert rows["candidates › h20 › goodput"]["source_keys"] == (
        "llama3-paper; trainmover-2025; llama3-checkpoint-storage; young-1974"
    )
    # the H20's MFU: its peak, HBM and link (tweaktown-h20), the architecture (deepseek-v3-report;
    # deepseek-v3-github-config), reference MFU and NVIDIA's vendor factor (llama3-paper), the layout and
    # overlap (deepseek-v3-report), compute efficiency (package-assumption)
    assert rows["candidates › h20 › mfu"]["source_keys"] == (
        "tweaktown-h20; deepseek-v3-report; deepseek-v3-github-config; llama3-paper; package-assumption"
    )
    # IT power adds the H20's TDP (tweaktown-h20), the server power ratio and load factor (Epoch AI)
    it_power = rows["candidates › h20 › it_power_mw"]["source_keys"].split("; ")
    assert it_power[-2:] == ["epoch-chip-to-server-power", "epoch-training-cost-trends"]
    assert rows["reference_count"]["source_keys"] == "none: a parameter"  # the reader's own number
    assert rows["candidates › h20 › matched_share_of_draws"]["unit"] == ""
    figures["candidates"]["h20"]["unheard_of"] = 1.0
    rows = {row["figure"]: row for row in csv.DictReader(io.StringIO(key_figures_csv(figures)))}
    assert rows["candidates › h20 › unheard_of"]["source_keys"] == "none: not traced"


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_rendered_csv_is_named_by_its_id_with_units_in_its_headers(rendered, case):
    folder = rendered / case.name
    files = sorted((folder / f"{case.notebook}.tables").glob("*.csv"))
    assert files and all(TABLE_ID.fullmatch(f.stem) for f in files)
    for file in files:
        frame = pd.read_csv(file, encoding="utf-8-sig")
        numbers = [c for c in frame.columns[1:] if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].notna().any()]
        if "unit" not in frame.columns:  # a table whose rows differ in unit has a unit column instead
            assert [c for c in numbers if not unit_of(c)] == [], file.name
    kf = pd.read_csv(folder / f"{case.notebook}.key_figures.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(kf.columns) == ["figure", "unit", "p10", "p50", "p90", "source_keys"]
    assert (kf["source_keys"] != "").all()


def test_a_token_price_states_its_unit_not_its_path_head():
    # hostile M11: inference_cost's key figures chips › h20 › usd_per_million_output_tokens read "chips"
    # (the path's head: the name stated no unit); each of the three token prices is USD per million tokens
    from analysis.pipeline.export import path_unit

    for kind in ("input", "output", "cache_miss"):
        name = f"usd_per_million_{kind}_tokens"
        assert unit_of(name) == unit_of(f"{name}_p90") == "USD/million tokens"
        assert path_unit(("chips", "h20", name)) == "USD/million tokens"
    assert path_unit(("chips", "h20", "chip_count")) == "chips"  # a count still reads chips
