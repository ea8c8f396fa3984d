"""The export_controls report module: inputs, what-if thresholds (0 included), tables, findings,
key figures and the licence-policy frame other reports use (fast tier: no kernel)."""

import json

import matplotlib
import pytest

from analysis.assembly import export_controls as report
from analysis.assembly import params, present
from analysis.assembly.inputs import READER, Used
from analysis.catalog import load, sources

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def r():
    return report.run()


@pytest.fixture(scope="module")
def zero():
    return report.run(tpp_threshold=0.0)


def test_defaults_are_the_rule_as_written(r):
    # 88 FR 73458: 3A090.a.1 TPP >= 4,800; 3A090.a.2 TPP >= 1,600 with density >= 5.92
    t = r.inputs.thresholds
    assert t == report.Thresholds(4_800, 5.92, 1_600, None) == r.inputs.written
    assert not r.inputs.what_if and "what-if" not in r.status
    assert report.key_figures(r)["what_if"] is None


def test_bad_threshold_is_refused_before_anything_runs():
    with pytest.raises(params.ParameterError, match="tpp_threshold"):
        report.inputs(tpp_threshold=-1.0)
    with pytest.raises(params.ParameterError, match="mfu"):
        report.inputs(mfu=0.4)  # a parameter of another report


def test_threshold_zero_is_used_as_zero_not_as_the_default(zero):
    # issue 9: `p['tpp_threshold'] or 4800` turned 0 into 4,800 in the text
    assert zero.inputs.what_if and zero.inputs.thresholds.tpp_threshold == 0
    # TPP >= 0 holds for every chip with a known TPP: every catalog chip is controlled
    assert (zero.status["what-if"] == "controlled").all() and len(zero.status) == len(load("chips"))
    text = report.findings(zero)
    assert "TPP ≥ 0," in text and "4,800" not in text.split("What-if rule")[1]
    assert report.what_if_text(zero.inputs.thresholds) == "TPP ≥ 0, or TPP ≥ 1,600 with performance density ≥ 5.92"
    assert report.key_figures(zero)["what_if"]["tpp_threshold"] == 0
    # density 0 and I/O 0 are thresholds too
    both = report.run(density_threshold=0.0, io_threshold_gb_s=0.0)
    assert (
        report.what_if_text(both.inputs.thresholds)
        == "TPP ≥ 4,800 with chip-to-chip I/O ≥ 0 GB/s, or TPP ≥ 1,600 with performance density ≥ 0"
    )


def test_what_if_undetermined_is_shown_and_not_counted_as_controlled():
    # TPP >= 10,000, or TPP >= 1,600 with density >= 1: TPU v5p (918 × 8 = 7,344 TPP, die area
    # unpublished) would be decided by its density -> undetermined; the L20 (119.5 × 16 = 1,912 on
    # 608.4 mm², the AD102's = 3.14 >= 1) -> controlled
    r = report.run(tpp_threshold=10_000.0, density_threshold=1.0)
    assert r.status.loc["tpu-v5p", "what-if"] == "undetermined (die area unknown)"
    assert r.status.loc["l20", "what-if"] == "controlled"
    line = report.findings(r).splitlines()[-1]
    controlled, undetermined = line.split("; undetermined — ")
    assert "TPU v5p" not in controlled and "TPU v5p" in undetermined and "L20" in controlled


def test_licence_policies_frame_for_other_reports():
    frame = report.licence_policies()
    assert list(frame.columns) == ["2022-10", "2023-10", "2025-04", "2026-01"] and len(frame) == len(load("chips"))
    one = report.licence_policies(["h20"])
    assert list(one.index) == ["h20"] and one.loc["h20", "2025-04"] == "case-by-case"
    assert set(frame.stack()) <= {
        "not required",
        "case-by-case",
        "presumption of denial",
        "not subject",
        "undetermined",
    }
    # B200 TPP 36,000 >= 21,000 -> denial; H200 15,831 < 21,000 and 4,800 GB/s < 6,500 -> case-by-case
    assert frame.loc["b200", "2026-01"] == "presumption of denial"
    assert frame.loc["h200", "2026-01"] == "case-by-case"
    assert set(frame.loc["ascend-910c"]) == {"not subject"}


def test_key_figures_contract(r):
    data = report.key_figures(r)
    json.dumps(data)  # plain JSON types
    h20 = data["chips"]["h20"]
    # 148 × 16 = 2,368; 2,368 / 814 mm² = 2.909
    assert h20["tpp"] == 2_368 and abs(h20["performance_density"] - 2.909) < 1e-3
    assert h20["status"] == {v: "not controlled" for v in ("2022-10", "2023-10", "2025-04", "2026-01")}
    assert h20["licence_policy"]["2026-01"] == "case-by-case"
    mlu = data["chips"]["mlu370-x8"]
    # 256 TOPS INT8 × 8 / 2 ICs = 1,024 per IC; no die area -> density None
    assert mlu["tpp"] == 1_024 and mlu["ics_per_card"] == 2 and mlu["performance_density"] is None
    assert mlu["us_export_licensing"] is False and set(mlu["licence_policy"].values()) == {"not subject"}


def test_answer_names_chips_and_says_chinese_chips_are_not_us_exports(r):
    text = report.answer(r)
    assert "h200" not in text and "H200 SXM" in text  # names, not ids
    assert "B200, GB200, B300 and TPU7x" in text  # the four above the 2026 lines
    assert "H800 SXM and A800 SXM escaped" in text  # 400 GB/s < 600 in 2022
    assert "not US exports" in text and "MLU370-X8" in text
    assert "21,000" in text and "6,500 GB/s" in text  # read from licence_policies.csv


def test_findings_per_ic_and_undetermined(r):
    text = report.findings(r)
    # MLU370-X8: 256 × 8 = 2,048 per card, 1,024 per IC
    assert "1,024 per IC (2,048 for the card)" in text
    # MI325X has no I/O figure: undetermined under the 2022 rule (which needed I/O >= 600 GB/s)
    assert "MI325X under 2022-10 (I/O unknown)" in text
    assert "e+" not in text and "nan" not in text.lower()


def test_tables_use_names_and_units(r):
    metrics = report.metrics_table(r)
    assert "H20" in metrics.index and "h20" not in metrics.index
    assert {"TPP per IC", "die area [mm²]", "performance density [TPP/mm²]", "DRAM bandwidth per IC [GB/s]"} <= set(
        metrics.columns
    )
    assert report.policy_table(r).loc["B200", "2026-01"] == "presumption of denial"
    clauses = report.clauses_table(r)
    assert clauses.loc["2022-10", "test (all must hold)"] == "TPP ≥ 4,800 and I/O ≥ 600 GB/s"
    rules = report.rules_table(r)
    # 91 FR 1684's row carries its condition (1): commercial availability in the US
    assert (
        "TPP < 21,000 and DRAM bandwidth < 6,500 GB/s and commercially available in the US → case-by-case"
        in rules.loc["2026-01", "licence policy for China"]
    )


def test_key_figures_and_findings_apply_the_us_availability_condition():
    r = report.run()
    chips = report.key_figures(r)["chips"]
    # H800 and A800: below 21,000 / 6,500 GB/s (15,831 and 4,992; 3,350 and 2,039 GB/s) but made for China:
    # "provided that (1) the semiconductors are commercially available in the United States at the time of
    # publication of this rule" fails -> presumption of denial, kept from 2025-04
    for chip in ("h800-sxm", "a800-sxm-80gb"):
        assert chips[chip]["us_commercially_available"] is False
        assert chips[chip]["licence_policy"]["2026-01"] == "presumption of denial"
        assert chips[chip]["licence_condition_unmet"] == ["2026-01"]
    # H20: the condition fails too; it keeps the Apr 2025 licence requirement (case-by-case in this model)
    assert chips["h20"]["licence_policy"]["2026-01"] == "case-by-case"
    assert chips["h20"]["licence_condition_unmet"] == ["2026-01"]
    # H200: sold in the US (named by the rule) -> case-by-case, no condition missed
    assert chips["h200"]["us_commercially_available"] is True and chips["h200"]["licence_condition_unmet"] == []
    finding = report.availability_finding(r)
    assert report.US_AVAILABILITY_CONDITION in finding
    assert "A800 SXM presumption of denial (as under 2025-04)" in finding and "H20 case-by-case" in finding
    assert "made for the Chinese market" in report.answer(r)


def test_used_block_records_the_thresholds_used_with_their_source_keys(r):
    used, known = r.inputs.used, set(sources().index)
    for name, u in ((n, u) for n, u in used.items() if not isinstance(u, dict)):  # groups: chips, rules
        assert isinstance(u, Used) and u.unit and u.value is not None and set(u.source.split(";")) <= known, name
    # the rule as written (export_rules.csv, 2023-10 rows: fr-2023-23055): 4,800 TPP (3A090.a.1),
    # 5.92 TPP/mm² with 1,600 TPP (3A090.a.2); no I/O test, so no I/O threshold is recorded
    assert used["tpp_threshold"] == Used(4_800.0, "TPP", "fr-2023-23055", "2023-10 rule as written, 3A090.a.1")
    assert used["density_threshold"].value == 5.92 and used["density_tpp_floor"].value == 1_600
    assert "io_threshold_gb_s" not in used
    # the 2026-01 case-by-case lines (licence_policies.csv, 91 FR 1684): TPP 21,000, DRAM 6,500 GB/s
    assert used["case_by_case_tpp_max"] == Used(
        21_000.0, "TPP", "fr-2026-00789", "2026-01 licence policy: case-by-case below"
    )
    assert used["case_by_case_dram_bandwidth_gb_s_max"].value == 6_500
    assert report.current_limits(r) == (21_000, 6_500)


def test_what_if_values_are_recorded_as_the_readers():
    r = report.run(tpp_threshold=2_000.0, io_threshold_gb_s=600.0)
    used = r.inputs.used
    assert used["tpp_threshold"] == Used(2_000.0, "TPP", READER, "set by the reader")
    assert used["io_threshold_gb_s"] == Used(600.0, "GB/s", READER, "set by the reader")
    assert used["density_threshold"].source == "fr-2023-23055"  # left at None: the rule as written
    thresholds = {name: r.inputs.parameters[name] for name in report.THRESHOLDS}
    assert thresholds == {"tpp_threshold": 2_000.0, "density_threshold": None, "io_threshold_gb_s": 600.0}
    assert report.key_figures(r)["what_if"] == {
        "tpp_threshold": 2_000.0,
        "density_threshold": 5.92,
        "density_tpp_floor": 1_600.0,
        "io_threshold_gb_s": 600.0,
    }


def test_sources(r):
    keys = report.present.source_numbers(r.inputs.used)
    assert {"fr-2026-00789", "nvidia-8k-2025-04", "fr-2023-23055"} <= set(keys)


def test_figure_draws_every_chip_and_the_what_if_lines(zero, monkeypatch):
    shown = []
    monkeypatch.setattr(present, "finish", lambda ax, *args, **kwargs: shown.append((ax, args, kwargs)))
    report.plot_thresholds(zero)
    (ax, (title, xlabel, ylabel), kwargs) = shown[0]
    labels = [t.get_text() for t in ax.texts]
    assert any("MLU370-X8" in t for t in labels) and any("B200" in t for t in labels)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "what-if TPP ≥ 0" in legend
    assert "3A090" in title and "TPP" in xlabel and "TPP per mm²" in ylabel
    # the rules as of their latest source (export_rules.csv 2026-01's rule_name), not "today"
    assert kwargs["key_value"].startswith(
        "Licence policy for an export to China under the rules as of their latest source, the Jan 15 2026 "
        "licence-review revision (91 FR 1684): "
    )
    matplotlib.pyplot.close("all")


def test_cli_controls_json_gains_licence_policy_and_keeps_classification_keys(capsys):
    from analysis.pipeline.cli import main

    assert main(["controls", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    h200, a800 = data["h200"], data["a800-sxm-80gb"]
    # classification keys as before, flat
    assert a800["2022-10"] == "not controlled" and a800["2023-10"] == "3A090.a" and data["h20"]["tpp"] == 2368
    # 15,831 < 21,000 and 4,800 GB/s < 6,500 -> case-by-case under 2026-01
    assert h200["licence_policy"] == {
        "2022-10": "presumption of denial",
        "2023-10": "presumption of denial",
        "2025-04": "presumption of denial",
        "2026-01": "case-by-case",
    }
    assert set(data["ascend-910b"]["licence_policy"].values()) == {"not subject"}
    assert main(["controls", "--format", "csv"]) == 0
    assert "licence 2026-01" in capsys.readouterr().out.splitlines()[0]


@pytest.mark.parametrize(
    "value, text",
    [
        (4800, "4,800"),  # whole: thousands separator
        (5.92, "5.92"),  # four significant figures below 1,000
        (12345.5, "12,346"),  # from 1,000 whole; {:,.4g} wrote 1.235e+04
        (999.99, "1,000"),  # rounds to 1,000 (four significant figures would be 1000 without a separator)
        (1e-5, "10⁻⁵"),  # below 0.001 in powers of ten, not 1e-05
        (float("nan"), "n/a"),
    ],
)
def test_number_never_writes_e_notation(value, text):
    assert report.number(value) == text


# --- what-if rule: the headline says which chips change status ---------------------------------


def test_what_if_threshold_that_moves_no_chip_says_so_in_the_headline():
    # 88 FR 73458's own thresholds given as a what-if rule (3A090.a.1 TPP >= 4,800; 3A090.a.2 TPP >= 1,600
    # with density >= 5.92): the what-if rule is 3A090.a as written, so no chip of any catalog can move
    r = report.run(tpp_threshold=4_800.0, density_threshold=5.92)
    assert report.what_if_changes(r) == {}
    first = report.answer(r).split("\n\n")[0]
    assert first.startswith("**Under the what-if rule (TPP ≥ 4,800, or TPP ≥ 1,600 with performance density ≥ 5.92)")
    assert "no catalog chip changes status against the 2023-10 rule as written" in first
    assert report.key_figures(r)["what_if_changes"] == {}
    assert report.key_figures(report.run())["what_if_changes"] is None  # no what-if rule: no comparison


def test_what_if_threshold_of_4000_moves_only_chips_between_4000_and_4800():
    # 3A090.a.1 lowered to 4,000: a chip can move only if its TPP is in [4,000, 4,800) and 3A090.a.2 did not
    # already catch it. The Ascend 910 (256 BF16 x 16 = 4,096) is there, but its density 4,096 / 456.25 mm²
    # = 8.98 >= 5.92 already makes it 3A090.a: it does not move (in today's catalog, nothing does)
    r = report.run(tpp_threshold=4_000.0)
    changes = report.what_if_changes(r)
    assert "ascend-910" not in changes
    # TPU v4: 275 BF16 x 16 = 4,400 in [4,000, 4,800), die area unpublished: undetermined as written (3A090.a.2's
    # density would decide), controlled by the what-if 3A090.a.1 alone
    assert changes["tpu-v4"] == ("undetermined (die area unknown)", "controlled")
    assert all(4_000 <= r.metrics.loc[c, "tpp"] < 4_800 for c in changes)
    first = report.answer(r).split("\n\n")[0]
    said = {0: "no catalog chip changes status", 1: "1 catalog chip changes status"}.get(len(changes))
    assert (
        first.startswith("**Under the what-if rule (TPP ≥ 4,000")
        and (said or f"{len(changes)} catalog chips change") in first
    )


def test_what_if_threshold_names_the_chips_that_change_status():
    # 3A090.a.1 at TPP >= 2,000 instead of 4,800: H20 148 BF16 x 16 = 2,368 >= 2,000 and V100 125 x 16 = 2,000
    # >= 2,000 become controlled (both were outside 3A090: densities 2,368 / 814 = 2.91 and 2,000 / 815 = 2.45
    # are below 3.2); L20 119.5 x 16 = 1,912 < 2,000 stays out; A100 (4,992, density 6.04) was 3A090.a already
    r = report.run(tpp_threshold=2_000.0)
    changes = report.what_if_changes(r)
    assert changes["h20"] == changes["v100-sxm"] == ("not controlled", "controlled")
    assert "l20" not in changes and "a100-sxm-80gb" not in changes
    first = report.answer(r).split("\n\n")[0]
    assert f"{len(changes)} catalog chips change status against the 2023-10 rule as written" in first
    moved = first.split("H20", 1)[1].split(" not controlled → controlled")[0]
    assert "V100 SXM" in moved  # named in the same group as the H20
    assert report.key_figures(r)["what_if_changes"]["h20"] == {"from": "not controlled", "to": "controlled"}


def test_what_if_threshold_above_a_chip_with_unknown_die_area_leaves_it_undetermined():
    # 3A090.a.1 at 20,000: the TPU v5p (918 INT8 x 8 = 7,344 TPP) and Ascend 910C (780 BF16 x 16 = 12,480)
    # fall below it and have no published die area, so 3A090.a.2's density test would decide: undetermined
    r = report.run(tpp_threshold=20_000.0)
    changes = report.what_if_changes(r)
    assert changes["tpu-v5p"] == ("3A090.a", "undetermined (die area unknown)")
    assert changes["ascend-910c"] == ("3A090.a", "undetermined (die area unknown)")
    # MI300X: 2,614.9 FP8 x 8 = 20,919 >= 20,000: 3A090.a.1 still decides (its die area is unknown too)
    assert "MI300X" not in report.answer(r).split("\n\n")[0]


# --- the what-if chip -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chip():
    return report.run(new_chip_tpp=4_000.0, new_chip_die_area_mm2=600.0)


def test_what_if_chip_by_tpp_and_die_area(chip):
    # density 4,000 / 600 mm² = 6.67 TPP/mm².
    # 2022-10 (87 FR 62186, 3A090.a): TPP >= 4,800 and I/O >= 600 GB/s -> 4,000 < 4,800: not controlled;
    #   policy: outside 3A090, no licence -> not required.
    # 2023-10 (88 FR 73458): 3A090.a.1 TPP >= 4,800 fails; 3A090.a.2 TPP >= 1,600 and density >= 5.92 holds ->
    #   3A090.a -> presumption of denial; 2025-04 keeps the classification and the policy.
    # 2026-01 (91 FR 1684): 3A090.a, TPP 4,000 < 21,000, but the DRAM bandwidth the rule also bounds
    #   (< 6,500 GB/s) is not given -> licence policy undetermined.
    entry = report.key_figures(chip)["new_chip"]
    assert entry["tpp"] == 4_000 and abs(entry["performance_density"] - 6.667) < 1e-3
    assert entry["status"] == {
        "2022-10": "not controlled",
        "2023-10": "3A090.a",
        "2025-04": "3A090.a",
        "2026-01": "3A090.a",
    }
    assert entry["licence_policy"] == {
        "2022-10": "not required",
        "2023-10": "presumption of denial",
        "2025-04": "presumption of denial",
        "2026-01": "undetermined",
    }
    assert entry["name"] == "hypothetical chip" and entry["dram_bandwidth_gb_s"] is None
    assert entry["notes"] == [
        "2026-01: licence policy undetermined: the DRAM bandwidth, which a licence-policy line tests, is not given."
    ]
    first = report.answer(chip).split("\n\n")[0]
    assert first.startswith("**A hypothetical chip (TPP 4,000 per IC, die area 600 mm², performance density 6.67")
    assert "not controlled under 2022-10; 3A090.a under 2023-10, 2025-04 and 2026-01" in first
    # the catalog is untouched: 18 chips, the same statuses as without the what-if chip
    assert chip.status.equals(report.run().status)


def test_what_if_chip_dram_bandwidth_and_us_availability_decide_2026():
    # 91 FR 1684: 3A090 chips with TPP < 21,000 and DRAM bandwidth < 6,500 GB/s are reviewed case by case,
    # "provided that (1) the semiconductors are commercially available in the United States"
    base = {"new_chip_tpp": 4_000.0, "new_chip_die_area_mm2": 600.0, "new_chip_dram_bandwidth_gb_s": 4_000.0}
    sold = report.run(**base).new_chip
    assert sold.policy.loc[report.NEW_CHIP_ID, "2026-01"] == "case-by-case"  # 4,000 < 21,000; 4,000 < 6,500
    china = report.run(**base, new_chip_us_commercially_available=False)
    # condition (1) fails: not covered, keeps the presumption of denial of 2023-10 (licence_policies.csv row 3)
    assert china.new_chip.policy.loc[report.NEW_CHIP_ID, "2026-01"] == "presumption of denial"
    assert report.key_figures(china)["new_chip"]["licence_condition_unmet"] == ["2026-01"]
    big = report.run(**base | {"new_chip_tpp": 25_000.0}).new_chip  # 25,000 >= 21,000: above the line
    assert big.policy.loc[report.NEW_CHIP_ID, "2026-01"] == "presumption of denial"
    wide = report.run(**base | {"new_chip_dram_bandwidth_gb_s": 6_500.0}).new_chip  # not < 6,500
    assert wide.policy.loc[report.NEW_CHIP_ID, "2026-01"] == "presumption of denial"
    foreign = report.run(**base, new_chip_us_export_licensing=False).new_chip  # not a US export
    assert set(foreign.policy.iloc[0]) == {"not subject"}


def test_what_if_chip_by_dense_figures_and_unknown_io():
    # TPP = max(dense TOPS x bit length) (88 FR 73458): BF16 300 x 16 = 4,800; FP8 500 x 8 = 4,000 -> 4,800.
    # 2022-10 needs TPP >= 4,800 AND I/O >= 600 GB/s: the TPP test holds, the I/O is not given -> undetermined.
    # 2023-10 3A090.a.1: 4,800 >= 4,800 -> 3A090.a without any die area.
    r = report.run(new_chip_bf16_dense_tflops=300.0, new_chip_fp8_dense_tflops=500.0)
    entry = report.key_figures(r)["new_chip"]
    assert entry["tpp"] == 4_800 and entry["performance_density"] is None
    assert entry["status"]["2022-10"] == "undetermined (I/O unknown)" and entry["status"]["2023-10"] == "3A090.a"
    assert entry["licence_policy"]["2022-10"] == "undetermined"
    with_io = report.run(new_chip_bf16_dense_tflops=300.0, new_chip_interconnect_gb_s=400.0).new_chip
    assert with_io.status.loc[report.NEW_CHIP_ID, "2022-10"] == "not controlled"  # 400 < 600 GB/s: the H800's way out


def test_what_if_chip_on_a_planar_node_has_no_density():
    # TPP 3,000 on 600 mm²: density 5.0. 88 FR 73458 3A090.b.1: 2,400 <= TPP < 4,800 with 1.6 <= density < 5.92
    # -> 3A090.b (NAC notification: case-by-case). On a planar node the applicable die area is none, so no
    # density clause applies: TPP 3,000 < 4,800 -> not controlled -> not required.
    finfet = report.run(new_chip_tpp=3_000.0, new_chip_die_area_mm2=600.0).new_chip
    planar = report.run(new_chip_tpp=3_000.0, new_chip_die_area_mm2=600.0, new_chip_planar_node=True).new_chip
    assert finfet.status.loc[report.NEW_CHIP_ID, "2023-10"] == "3A090.b"
    assert finfet.policy.loc[report.NEW_CHIP_ID, "2023-10"] == "case-by-case"
    assert planar.status.loc[report.NEW_CHIP_ID, "2023-10"] == "not controlled"
    assert planar.policy.loc[report.NEW_CHIP_ID, "2023-10"] == "not required"


def test_a_catalog_chip_entered_as_a_what_if_chip_gets_the_catalogs_answer():
    # the H200's own catalog figures, entered as parameters, take the one path (report.decide) and must give
    # its catalog status and policy under every vintage, except where a licence row names the catalog chip
    h200 = load("chips").loc["h200"]
    r = report.run(
        new_chip_fp32_dense_tflops=float(h200["fp32_dense_tflops"]),
        new_chip_bf16_dense_tflops=float(h200["bf16_dense_tflops"]),
        new_chip_fp8_dense_tflops=float(h200["fp8_dense_tflops"]),
        new_chip_int8_dense_tops=float(h200["int8_dense_tops"]),
        new_chip_die_area_mm2=float(h200["die_area_mm2"]),
        new_chip_interconnect_gb_s=float(h200["interconnect_gb_s"]),
        new_chip_dram_bandwidth_gb_s=float(h200["hbm_bandwidth_tb_s"]) * 1e3,
    )
    assert list(r.new_chip.status.iloc[0]) == list(r.status.loc["h200"])
    assert list(r.new_chip.policy.iloc[0]) == list(r.policy.loc["h200"])
    assert r.new_chip.metrics.loc[report.NEW_CHIP_ID, "tpp"] == r.metrics.loc["h200", "tpp"]


def test_what_if_chip_with_the_what_if_rule_gets_a_what_if_status():
    # what-if TPP >= 2,000: TPP 3,000 >= 2,000 -> controlled; the what-if rule sets no licence policy
    r = report.run(tpp_threshold=2_000.0, new_chip_tpp=3_000.0, new_chip_name="Test 3000")
    table = report.new_chip_table(r)
    assert report.new_chip_caption(r).startswith("What-if chip Test 3000: TPP 3,000 per IC, die area not given")
    assert (
        table.loc["what-if", "status"] == "controlled"
        and table.loc["what-if", "licence policy for China"] == "not modelled"
    )
    first, second = report.answer(r).split("\n\n")[:2]
    assert first.startswith("**Test 3000 (TPP 3,000 per IC") and "controlled under the what-if rule" in first
    assert second.startswith("**Under the what-if rule")


@pytest.mark.parametrize(
    "values, message",
    [
        ({"new_chip_tpp": 4_000.0, "new_chip_bf16_dense_tflops": 250.0}, "give new_chip_tpp or the dense figures"),
        ({"new_chip_die_area_mm2": 600.0}, "new_chip_die_area_mm2 describe(s) a what-if chip"),
        ({"new_chip_planar_node": True}, "new_chip_planar_node describe(s) a what-if chip"),
        ({"new_chip_tpp": 4_000.0, "new_chip_name": "<b>x</b>"}, "new_chip_name: '<b>x</b>' is not allowed"),
        ({"new_chip_tpp": 0.0}, "new_chip_tpp: 0.0 is out of range"),
        ({"new_chip_tpp": 4_000.0, "new_chip_die_area_mm2": -1.0}, "new_chip_die_area_mm2: -1.0 is out of range"),
    ],
)
def test_what_if_chip_bad_values_are_refused_naming_them(values, message):
    with pytest.raises(params.ParameterError) as err:
        report.inputs(**values)
    assert message in str(err.value)


def test_figure_marks_the_what_if_chip(chip, monkeypatch):
    shown = []
    monkeypatch.setattr(present, "finish", lambda ax, *args, **kwargs: shown.append(ax))
    report.plot_thresholds(chip)
    assert "hypothetical chip" in [t.get_text() for t in shown[0].texts]
    matplotlib.pyplot.close("all")


def test_what_if_chip_flags_are_recorded_as_assumed_or_the_readers():
    # the licence policy reads both flags, so the inputs block says whether each is the reader's or assumed
    r = report.run(new_chip_tpp=4_000.0, new_chip_us_export_licensing=False)
    used = r.inputs.used
    assert used["new_chip_us_commercially_available"] == Used(
        True, "true/false", "package-assumption", "assumed for a what-if chip"
    )
    assert used["new_chip_us_export_licensing"] == Used(False, "true/false", READER, "set by the reader")
    assert "new_chip_us_export_licensing" not in report.run().inputs.used  # no what-if chip: nothing to record


def test_page_one_is_an_answer_line_and_a_list(r):
    """Page 1 reads as one bold sentence (today's case-by-case review and the catalog chips it
    covers), then one bullet per finding: the China-market chips that fail its condition, the chips
    above its lines, the H20, the chips that escaped the October 2022 rule, the chips made in China,
    those that need no licence (the export-controls report's defaults)."""
    line, bullets = report.answer(r).split("\n\n")
    assert line.startswith("**Since 15 January 2026 (91 FR 1684), ") and "** — of the catalog: " in line
    assert line.endswith(".") and ". " not in line and ";" not in line and "\n" not in line
    lines = bullets.split("\n")
    starts = ["The H800 SXM and A800 SXM, made", "Above either line", "The H20 has never", "The H800 SXM and A800 SXM"]
    starts += ["Chips made and sold in China (", "Under those rules no licence", "The L20's status ("]
    assert len(lines) == len(starts) and all(b.startswith(f"- {s}") and b.endswith(".") for b, s in zip(lines, starts))
