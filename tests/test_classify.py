"""``python -m analysis classify``: a what-if chip's status and licence policy per rule vintage on
the command line, the same answer as the export_controls report given the same chip (fast tier)."""

import json
import subprocess

import pytest
from conftest import CASES, figures

from analysis.assembly import export_controls as report
from analysis.pipeline.cli import main


def classify(capsys, *args):
    code = main(["classify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_acceptance_json_gives_a_status_and_a_licence_policy_per_vintage(capsys):
    # TPP 4,000 on 600 mm²: density 6.67 >= 5.92 with TPP >= 1,600 -> 3A090.a.2 (88 FR 73458) from 2023-10;
    # the 2022 rule (87 FR 62186) needs TPP >= 4,800 -> not controlled, no licence; 3A090.a -> presumption of
    # denial (2023-10, 2025-04); 91 FR 1684 (2026-01) also bounds DRAM bandwidth (< 6,500 GB/s), not given here
    code, out, err = classify(capsys, "--tpp", "4000", "--die-area", "600", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["status"] == {
        "2022-10": "not controlled",
        "2023-10": "3A090.a",
        "2025-04": "3A090.a",
        "2026-01": "3A090.a",
    }
    assert data["licence_policy"] == {
        "2022-10": "not required",
        "2023-10": "presumption of denial",
        "2025-04": "presumption of denial",
        "2026-01": "undetermined",
    }
    assert "DRAM bandwidth" in data["notes"][0]


def test_the_same_chip_gives_the_same_answer_in_the_report(capsys):
    args = ["--name", "X1", "--bf16-tflops", "250", "--die-area", "700", "--io", "600", "--dram-bandwidth", "5000"]
    code, out, _ = classify(capsys, *args, "--no-us-available", "--format", "json")
    assert code == 0
    # the report's key figure for the same chip given as export_controls' parameters
    r = report.run(
        new_chip_name="X1",
        new_chip_bf16_dense_tflops=250.0,
        new_chip_die_area_mm2=700.0,
        new_chip_interconnect_gb_s=600.0,
        new_chip_dram_bandwidth_gb_s=5_000.0,
        new_chip_us_commercially_available=False,
    )
    assert json.loads(out) == report.key_figures(r)["new_chip"]
    # and by hand: 250 x 16 = 4,000 TPP, 4,000 / 700 = 5.71 TPP/mm²: 3A090.b.1 (2,400 <= TPP < 4,800 with
    # 1.6 <= density < 5.92) -> NAC, case-by-case in 2023-10; 2026-01: 91 FR 1684's row 1 needs US availability
    # (fails), so row 2 keeps 3A090.b case-by-case
    assert json.loads(out)["status"]["2023-10"] == "3A090.b"
    assert json.loads(out)["licence_policy"]["2026-01"] == "case-by-case"


def test_table_format_is_readable_text_with_notes(capsys):
    code, out, _ = classify(capsys, "--tpp", "4000", "--die-area", "600")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("hypothetical chip: TPP 4,000 per IC, die area 600 mm², performance density 6.67")
    row = next(line for line in lines if line.startswith("2023-10"))
    assert row.split()[1:] == ["3A090.a", "presumption", "of", "denial"]
    assert any(line.startswith("note: 2026-01: licence policy undetermined") for line in lines)


def test_csv_format(capsys):
    code, out, _ = classify(
        capsys, "--tpp", "25000", "--die-area", "800", "--dram-bandwidth", "8000", "--format", "csv"
    )
    # 25,000 >= 21,000: above 91 FR 1684's line -> presumption of denial stays in 2026-01
    assert code == 0 and out.splitlines()[0] == "rule,status,licence policy for China"
    assert "2026-01,3A090.a,presumption of denial" in out.splitlines()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tpp", "-5"], "error: --tpp: -5.0 is out of range; expected a number in (0, 1e+07]"),
        (["--tpp", "abc"], "error: --tpp: 'abc' is not a number in (0, 1e+07]"),
        (["--tpp", "4000", "--die-area", "0"], "error: --die-area: 0.0 is out of range"),
        (["--die-area", "600"], "error: --die-area describe(s) a what-if chip: give its --tpp or a dense figure"),
        ([], "error: classify needs the chip's --tpp or a dense figure (--fp32-tflops, --bf16-tflops"),
        (["--tpp", "4000", "--fp8-tflops", "500"], "error: give --tpp or the dense figures (--fp8-tflops), not both"),
        (["--tpp", "4000", "--name", "a*b"], "error: --name: 'a*b' is not allowed; expected 1 to 40 letters"),
    ],
)
def test_bad_values_exit_2_with_one_line_naming_the_option(capsys, args, message):
    code, out, err = classify(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(message), err


@pytest.mark.render
def test_the_rendered_report_gives_the_commands_answer_and_the_what_if_headline(rendered, capsys):
    # conftest's controls-what-if case: what-if TPP >= 2,000 and a what-if chip of TPP 4,000 on 600 mm²
    case = next(c for c in CASES if c.name == "controls-what-if")
    data = figures(rendered, case)["new_chip"]
    code, out, _ = classify(capsys, "--tpp", "4000", "--die-area", "600", "--format", "json")
    assert code == 0
    # the report also has the what-if rule: TPP 4,000 >= 2,000 with I/O >= 600 GB/s (unknown: open), or TPP
    # >= 1,600 with density 6.67 >= 5.92 (holds): controlled either way; the rest is the command's answer
    assert data["status"].pop("what-if") == "controlled"
    assert data == json.loads(out)
    pdf = rendered / case.name / f"{case.notebook}.pdf"
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    # what-if a.1 TPP >= 2,000 with I/O >= 600 GB/s: H20 148 x 16 = 2,368 with 900 GB/s -> controlled; V100
    # 125 x 16 = 2,000 but 300 GB/s, density 2.45 -> stays out; MI325X 20,919 with I/O and die area unknown:
    # a.1 and a.2 both open -> undetermined (3A090.a.1 as written needs no I/O: 3A090.a)
    changes = figures(rendered, case)["what_if_changes"]
    assert changes["h20"] == {"from": "not controlled", "to": "controlled"} and "v100-sxm" not in changes
    assert changes["mi325x"] == {"from": "3A090.a", "to": "undetermined (I/O unknown)"}
    assert f"{len(changes)} catalog chips change status against the 2023-10 rule as written: H20" in text
    headline = text.split("rule as written:")[1].split("Since 15 January 2026")[0]
    assert "MI325X" in headline and "3A090.a → undetermined (I/O unknown)" in headline
    assert "A hypothetical chip (TPP 4,000 per IC, die area 600 mm²" in text
