"""Command-line idioms (issue 11 items 6 and 7): --version, list NOTEBOOK, a closed pipe."""
import subprocess
import sys

import analysis
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
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line, like `| head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait() == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
