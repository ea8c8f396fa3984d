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
    # 609 mm² = 3.14 >= 1) -> controlled
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
    for name, u in used.items():
        assert isinstance(u, Used) and u.unit and u.value is not None and u.source in known, name
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
    assert r.inputs.parameters == {"tpp_threshold": 2_000.0, "density_threshold": None, "io_threshold_gb_s": 600.0}
    assert report.key_figures(r)["what_if"] == {
        "tpp_threshold": 2_000.0,
        "density_threshold": 5.92,
        "density_tpp_floor": 1_600.0,
        "io_threshold_gb_s": 600.0,
    }


def test_sources(r):
    keys = report.source_keys(r)
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
    assert kwargs["key_value"].startswith("Licence policy for an export to China today")
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
