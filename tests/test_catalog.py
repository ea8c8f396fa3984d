"""Loading validates every dataset; lookups are case-insensitive and suggest close ids."""

import csv

import pytest
from conftest import edit_cell, line_of

from analysis import catalog
from analysis.catalog import DATA_DIR, DataError, UnknownIdError, source_keys

DATASETS = ("chips", "regions", "training_runs", "export_rules")


def test_real_data_loads():
    chips = catalog.load("chips")
    assert len(chips) >= 15
    assert (chips["compute_basis"] == "dense").all()


@pytest.mark.parametrize(
    "name",
    [
        "chips.csv",
        "regions.csv",
        "training_runs.csv",
        "serving_references.csv",
        "models.csv",
        "parallel_configs.csv",
        "systems.csv",
        "export_rules.csv",
    ],
)
def test_every_row_of_every_csv_has_a_defined_source(name):
    known = source_keys()
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    source_columns = [c for c in rows[0] if c == "source" or c.endswith("_source")]
    for row in rows:
        keys = {k.strip() for c in source_columns for k in row[c].split(";") if k.strip()}
        assert keys, f"{name}: {row} has no source"
        assert keys <= known, f"{name}: undefined source keys {keys - known}"


def test_required_chips_are_present():
    chips = catalog.load("chips")
    required = {
        "h100-sxm",
        "h100-pcie",
        "h800-sxm",
        "h20",
        "a100-sxm-80gb",
        "a800-sxm-80gb",
        "h200",
        "b200",
        "gb200",
        "l20",
        "ascend-910b",
        "ascend-910c",
        "mlu370-x8",
        "mi300x",
        "tpu-v5p",
    }
    assert required <= set(chips.index)


def test_every_chip_has_its_architecture_generation():
    # Hopper: H100, H800, H20, H200 (one GH100 family); Ampere: A100, A800; Volta: V100.
    chips = catalog.load("chips")
    assert set(chips.index[chips["generation"] == "hopper"]) == {"h100-sxm", "h100-pcie", "h800-sxm", "h20", "h200"}
    assert set(chips.index[chips["generation"] == "ampere"]) == {"a100-sxm-80gb", "a800-sxm-80gb"}
    assert chips.loc["v100-sxm", "generation"] == "volta"


def test_disputed_ascend_910b_keeps_its_range():
    chip = catalog.lookup(catalog.load("chips"), "ascend-910b")
    # sources disagree: 256 vs ~320 TFLOPS FP16; both ends are kept around the base value
    assert chip["bf16_dense_tflops_low"] == 256
    assert chip["bf16_dense_tflops_low"] <= chip["bf16_dense_tflops"] <= chip["bf16_dense_tflops_high"]
    assert chip["bf16_dense_tflops_high"] >= 320


def test_lookup_is_case_insensitive():
    chips = catalog.load("chips")
    assert catalog.lookup(chips, " H800-SXM ").name == "h800-sxm"


def test_unknown_chip_names_the_closest_ids():
    with pytest.raises(UnknownIdError) as err:
        catalog.lookup(catalog.load("chips"), "h800", "chip")
    message = str(err.value)
    assert "unknown chip 'h800'" in message and "h800-sxm" in message


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(UnknownIdError, match="chips, regions, training_runs, export_rules, serving_references, models"):
        catalog.load("gpus")


# (file, row id, column, bad value, words the message must contain)
BAD_CELLS = [
    ("chips.csv", "h20", "compute_source", "", "missing source"),
    ("chips.csv", "h20", "tdp_w", "-400", "outside the plausible range"),
    ("chips.csv", "h20", "tdp_w", "400000", "outside the plausible range"),  # W typed as mW
    ("chips.csv", "h20", "hbm_bandwidth_tb_s", "4000", "outside the plausible range"),  # GB/s
    ("chips.csv", "h20", "compute_basis", "sparse", "dense figures only"),
    ("chips.csv", "h20", "bf16_dense_tflops", "148 TFLOPS", "is not a number"),
    ("chips.csv", "h20", "bf16_dense_tflops", "1,979", "is not a number"),
    ("chips.csv", "h20", "bf16_dense_tflops", "", "is required"),
    ("chips.csv", "h20", "bf16_dense_tflops", "nan", "not a finite number"),
    ("chips.csv", "h20", "launch_year", "2024.5", "whole number"),
    ("chips.csv", "h20", "memory_source", "no-such-source", "not defined in data/SOURCES.md"),
    ("chips.csv", "ascend-910b", "bf16_dense_tflops_low", "400", "must not exceed bf16_dense_tflops"),
    ("chips.csv", "h20", "chip_id", "H20", "lowercase"),
    ("chips.csv", "h20", "generation", "hoper", "must be one of volta, ampere"),
    ("chips.csv", "h20", "generation", "", "is required"),
    ("chips.csv", "h100-sxm", "rental_base_is", "mean", "must be one of median"),  # a median or nothing
    ("training_runs.csv", "deepseek-v3", "chip_id", "h800", "unknown chip; closest: h800-sxm"),
    ("training_runs.csv", "deepseek-v3", "source", "", "is required"),
    ("training_runs.csv", "deepseek-v3", "reported_mfu", "35", "outside the plausible range"),
    ("training_runs.csv", "deepseek-v3", "is_estimate", "yes", "must be one of true, false"),
    ("regions.csv", "cn-avg-industrial", "usd_per_kwh", "88", "outside the plausible range"),
    ("mfu_observations.csv", "glm-130b", "source", "", "is required"),  # a row without a source key
    ("mfu_observations.csv", "glm-130b", "chip_generation", "hopper", "is of generation ampere in chips.csv"),
    ("mfu_observations.csv", "glm-130b", "precision", "fp16", "must be one of bf16, fp8"),
    ("mfu_observations.csv", "glm-130b", "mfu_published", "32.5", "outside the plausible range"),  # a percentage
    ("mfu_observations.csv", "glm-130b", "flop_basis", "hfu", "must be one of 6nd, 6nd+attn, megatron-model"),
    ("mfu_observations.csv", "glm-130b", "n_layers", "", "is required by flop_basis 6nd+attn"),  # no shape
    (
        "mfu_observations.csv",
        "mbridge-h100-llama3-70b-fp8-64",
        "tokens_per_s_per_chip",
        "",
        "is required by flop_basis throughput",
    ),
    ("mfu_observations.csv", "glm-130b", "active_params", "140000000000", "must not exceed the total"),
    ("regions.csv", "cn-avg-industrial", "pue", "0.9", "outside the plausible range"),
]


@pytest.mark.parametrize(
    "file, row_id, column, value, words", BAD_CELLS, ids=[f"{c[0]}:{c[2]}={c[3]!r}" for c in BAD_CELLS]
)
def test_bad_cell_names_file_line_column_and_value(data_copy, file, row_id, column, value, words):
    path = data_copy / file
    line = line_of(path, row_id)
    edit_cell(path, row_id, column, value)
    with pytest.raises(DataError) as err:
        catalog.load("chips", data_copy)
    message = str(err.value)
    assert file in message and f"line {line}" in message and f"column '{column}'" in message
    if value:
        assert repr(value) in message
    assert words in message


def test_missing_column_is_named(data_copy):
    path = data_copy / "regions.csv"
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    drop = rows[0].index("pue")
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([r[:drop] + r[drop + 1 :] for r in rows])
    with pytest.raises(DataError, match=r"regions.csv.*missing column\(s\) pue;"):
        catalog.load("regions", data_copy)


def test_duplicate_chip_id_is_named(data_copy):
    path = data_copy / "chips.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    h20 = next(line for line in lines if line.startswith("h20,"))
    path.write_text("\n".join(lines + [h20]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"line {len(lines) + 1}.*'chip_id'.*'h20': duplicate id"):
        catalog.load("chips", data_copy)


def test_export_rule_naming_an_unknown_chip_fails(data_copy):
    path = data_copy / "export_rules.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("chip_ids")
    line = 2  # the first rule clause (no clause names a chip since the H20 notice moved to licence_policies.csv)
    rows[line - 1][col] = "h2O"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with pytest.raises(DataError, match=rf"line {line}.*'chip_ids'.*'h2O'.*closest: h20"):
        catalog.load("export_rules", data_copy)


def test_non_utf8_bytes_name_the_line(data_copy):
    path = data_copy / "regions.csv"
    raw = path.read_bytes().replace(b"China", b"Ch\xefna", 1)
    path.write_bytes(raw)
    line = raw[: raw.index(b"\xef")].count(b"\n") + 1
    with pytest.raises(DataError, match=rf"regions.csv, line {line}.*not UTF-8"):
        catalog.load("regions", data_copy)


def test_extra_columns_and_trailing_blank_lines_still_load(data_copy):
    path = data_copy / "regions.csv"
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0] + ["my_comment"]] + [r + ["x"] for r in rows[1:]])
        f.write("\n\n")
    regions = catalog.load("regions", data_copy)
    assert len(regions) == len(rows) - 1
    assert (regions["my_comment"] == "x").all()


def test_values_kept_per_version_of_the_data_follow_an_edit(data_copy, monkeypatch):
    """inputs.chips and inputs.rows_used keep what they compute per version of the data
    (catalog.per_data, keyed on catalog.data_digest): a caller's change never reaches the kept
    value, and an edited data file, once the catalog loads it again (as a new kernel does), gives
    new values, not the kept ones. H20: TDP 400 W (chips.csv) × the library's server power ratio
    1.8 (it has none of its own) = 720 W per chip; edited to 500 W: 500 × 1.8 = 900 W."""
    from analysis.assembly import inputs

    monkeypatch.setattr(catalog, "DATA_DIR", data_copy)
    first = inputs.chips(["h20"])
    assert first.at["h20", "max_w_per_chip"] == pytest.approx(720.0)
    first.at["h20", "max_w_per_chip"] = 1.0
    assert inputs.chips(["h20"]).at["h20", "max_w_per_chip"] == pytest.approx(720.0)
    rows = inputs.rows_used("models", ["deepseek-v3"], label="name")
    rows["deepseek-v3"]["model"] = None
    assert inputs.rows_used("models", ["deepseek-v3"], label="name")["deepseek-v3"]["model"].value == "DeepSeek-V3"
    digest = catalog.data_digest()
    edit_cell(data_copy / "chips.csv", "h20", "tdp_w", "500")
    catalog._load_all.cache_clear()  # the catalog reads data/ once per process; a new kernel reads it again
    assert catalog.data_digest() != digest
    assert inputs.chips(["h20"]).at["h20", "max_w_per_chip"] == pytest.approx(900.0)


def test_a_rent_quoted_as_a_market_median_is_drawn_with_that_median():
    """rental_base_is says which base rents stand for the middle of the market: H100 SXM (AIMultiple's
    cohort median across 37 providers, $2.95), MI300X (Cliff Center's median, $1.99), A100 and H200 (the
    midpoints of Mercatus' middle, specialty tier: (1.10 + 1.50) / 2 = 1.30 and (3.50 + 4.50) / 2 = 4.00).
    B200's $6.69 is one cloud's quote (Lambda) and GB200's $10.50 another (CoreWeave): each the mode of a
    triangle. The H800's $2.00 is DeepSeek's assumption, not drawn."""
    from analysis.assembly import inputs
    from analysis.formulas import uncertainty

    chips = catalog.load("chips")
    assert sorted(chips.index[chips["rental_base_is"] == "median"]) == ["a100-sxm-80gb", "h100-sxm", "h200", "mi300x"]
    ranges = inputs.chip_ranges(inputs.chips(["h100-sxm", "a100-sxm-80gb", "b200", "h800-sxm"]))
    assert ranges["h100-sxm rental"] == (1.99, 2.95, 5.00) and isinstance(ranges["h100-sxm rental"], uncertainty.Median)
    assert ranges["a100-sxm-80gb rental"] == (0.80, 1.30, 3.00)
    assert isinstance(ranges["a100-sxm-80gb rental"], uncertainty.Median)
    assert not isinstance(ranges["b200 rental"], uncertainty.Median) and ranges["b200 rental"] == (4.50, 6.69, 8.60)
    assert ranges["h800-sxm rental"] == (2.0, 2.0, 2.0)  # a constant: drawn as itself
