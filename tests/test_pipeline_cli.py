"""Command-line idioms (issue 11 items 6 and 7): --version, list NOTEBOOK, a closed pipe."""

import os
import subprocess
import sys

import pytest

import analysis
from analysis.assembly.params import ParameterError, check, parse
from analysis.pipeline import render
from analysis.pipeline.cli import main


def test_version_prints_the_package_version(capsys):
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"compute-parity {analysis.__version__}"


def test_list_notebook_lists_only_its_parameters(capsys):
    assert main(["list", "export_controls"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "export_controls"
    assert any(line.split()[0] == "tpp_threshold" for line in out[1:])
    assert "training_run" not in out and all(line.startswith("  ") for line in out[1:])


def test_list_of_an_unknown_notebook_names_the_closest(capsys):
    assert main(["list", "export_control"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "closest: export_controls" in err[0]


def test_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line, like `| head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait() == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


# ---------------------------------------------------------------- one idiom for parameters (item 6)


@pytest.mark.parametrize(
    "text", ["h20,ascend-910c", "h20, ascend-910c", "[h20, ascend-910c]", "['h20', 'ascend-910c']", "H20,Ascend 910C"]
)
def test_a_list_reads_the_same_in_every_written_form(text):
    assert check("candidates", parse("candidates", text, "chip_parity"), "chip_parity") == ["h20", "ascend-910c"]
    assert check("candidates", text, "chip_parity") == ["h20", "ascend-910c"]  # YAML, papermill -p


def test_a_number_list_reads_from_a_comma_string():
    assert check("counts", "100000,8000", "procurement") == [100000, 8000]
    with pytest.raises(ParameterError, match="parameter counts"):
        check("counts", "100000,many", "procurement")


@pytest.mark.parametrize(
    "text,chip",
    [
        ("H800", "h800-sxm"),
        ("h800 sxm", "h800-sxm"),
        ("NVIDIA H800 SXM5 80GB", "h800-sxm"),
        ("Ascend 910C", "ascend-910c"),
        ("910C", "ascend-910c"),
        ("TPU v5p", "tpu-v5p"),
        ("A100", "a100-sxm-80gb"),
        ("h100_pcie", "h100-pcie"),
    ],
)
def test_chip_names_and_aliases_are_accepted_in_any_case(text, chip):
    assert check("chip", text, "training_run") == chip


def test_an_ambiguous_alias_names_its_family():
    with pytest.raises(ParameterError, match=r"'H100' may mean h100-pcie, h100-sxm; give one of them"):
        check("chip", "H100", "training_run")


def test_closest_chips_rank_the_family_first():
    with pytest.raises(ParameterError, match=r"closest: h100-pcie, h100-sxm"):
        check("chip", "h100-nvl", "training_run")


def test_parameters_from_a_yaml_file_like_papermill(tmp_path, monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(render, "render", lambda name, overrides, **options: seen.update(overrides) or {})
    (tmp_path / "p.yaml").write_text("candidates: h20,ascend-910c\nreference_chip: H800\nreference_count: 160\n")
    code = main(
        [
            "render",
            "chip_parity",
            "-f",
            str(tmp_path / "p.yaml"),
            "-p",
            "reference_count",
            "256",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert seen == {"candidates": "h20,ascend-910c", "reference_chip": "H800", "reference_count": 256}
    (tmp_path / "bad.yaml").write_text("candidats: [h20]\n")
    assert main(["render", "chip_parity", "-f", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "o2")]) == 2
    assert "closest: candidates" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["symlink loop", "path too long", "file as a parent", "name too long"])
def test_a_bad_out_is_one_line_and_exit_2(tmp_path, capsys, kind):
    """--out where no folder can be made fails before any kernel, in one line, exit 2 (issue 22,
    item 8): each case gave a traceback and exit 1."""
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "afile").write_text("x")
    out = {
        "symlink loop": tmp_path / "loop1" / "x",
        "path too long": tmp_path / ("a/" * 2_100),
        "file as a parent": tmp_path / "afile" / "sub",
        "name too long": tmp_path / ("b" * 250),
    }[kind]
    for argv in (
        ["render", "export_controls", "--out", str(out)],
        ["render", "--scenarios", "reports/scenarios.yaml", "--out", str(out)],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("error: --out"), err


def test_a_params_file_reads_exponent_numbers_as_numbers(tmp_path):
    """YAML 1.1 reads 5e8 as text; a params file's budget_usd: 5e8 was refused as "not a number"
    (issue 22 item 13, issue 23 item 6)."""
    from analysis.pipeline.cli import parameter_file

    path = tmp_path / "p.yaml"
    path.write_text("budget_usd: 5e8\nmfu: 0.4\nchips: [h20]\n")
    assert parameter_file("procurement", str(path)) == {"budget_usd": 5e8, "mfu": 0.4, "chips": ["h20"]}


def test_a_key_given_twice_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - {name: a, notebook: export_controls, name: b}\n")
    assert main(["render", "--scenarios", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "given twice" in err, err


def test_a_fifo_as_params_file_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "render", "export_controls", "-f", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "not a regular file" in done.stderr, done.stderr


def test_a_broken_data_file_is_bad_input_before_any_kernel(monkeypatch, capsys, tmp_path):
    """A data file that breaks a rule (e.g. tdp_w = -700) is exit 2 in one line naming the file,
    for single renders and batches, before any kernel or browser starts; it was exit 1 after
    three kernels ran, blaming a valid parameter (issue 22, item 10)."""
    from analysis import catalog
    from analysis.pipeline import kernel

    def broken(name, *args, **kwargs):
        raise catalog.DataError(
            catalog.DATA_DIR / "chips.csv", "below 1", line=2, column="tdp_w", value=-700.0, row_id="h100-sxm"
        )

    monkeypatch.setattr(catalog, "load", broken)
    monkeypatch.setattr(kernel.WarmKernel, "ready", lambda self: (_ for _ in ()).throw(AssertionError("kernel")))
    for argv in (
        ["render", "training_run", "--out", str(tmp_path / "one")],
        ["render", "--scenarios", "reports/scenarios.yaml", "--out", str(tmp_path / "many")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err == "error: chips.csv, line 2 (h100-sxm), column 'tdp_w', value -700.0: below 1", err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["training_run", "-p", "region", "fr-grid"], "no sourced electricity price"),
        (["energy_advantage", "-p", "regions", "fr-grid,us-dc-ppa"], "parameter regions: 'fr-grid'"),
        (["compute_stock", "-p", "us_region", "fr-grid"], "parameter us_region: 'fr-grid'"),
        (["chip_parity", "-p", "checkpoint_interval_hours", "0"], "out of range"),
    ],
)
def test_values_a_kernel_could_not_use_are_refused_before_it(argv, words, capsys, tmp_path):
    """A region without a price (it failed inside the kernel) and a checkpoint interval of 0 (a
    division by zero) are refused in one line, exit 2 (issue 22, found by the property batch)."""
    assert main(["render", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
