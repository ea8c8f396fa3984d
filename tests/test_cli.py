"""The command line prints the catalog and the export-control table."""

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout

import pandas as pd

from analysis.pipeline.cli import main


def run(*argv):
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def test_chips_json_has_every_chip_with_dense_figures():
    code, text = run("chips", "--format", "json")
    data = json.loads(text)
    assert code == 0
    assert data["h20"]["bf16_dense_tflops"] == 148
    assert data["h20"]["compute_basis"] == "dense"
    assert {"h100-sxm", "h800-sxm", "ascend-910c", "tpu-v5p"} <= set(data)


def test_chips_table_shows_units_in_column_names():
    code, text = run("chips")
    assert code == 0
    header = text.splitlines()[0]
    for column in ("bf16_dense_tflops", "hbm_bandwidth_tb_s", "interconnect_gb_s", "tdp_w"):
        assert column in header


def test_chips_table_says_what_each_price_and_rent_buys():
    # hostile M10: prices on three bases and DeepSeek's assumed rent among market quotes, with no unit.
    # The table gives the unit, the all-in capex per chip on one basis and what the rent is:
    # H100 server share 33,750 / 0.81 = 41,667; B200 chip price 35,000 × 1.64 / 0.81 = 70,864.2 -> 70,864;
    # GB200 rack share 41,667 / 0.81 = 51,440.7 -> 51,441; H800 $2.00 = DeepSeek's assumed rent
    code, text = run("chips")
    assert code == 0
    lines = text.splitlines()
    header = lines[0].split()
    for column in ("price_usd", "price_unit", "all_in_usd_per_chip", "usd_per_gpu_hour", "rent_basis"):
        assert column in header
    rows = {line.split()[0]: line for line in lines[2:]}
    assert "server" in rows["h100-sxm"].split() and "41667.0" in rows["h100-sxm"].split()
    assert "chip" in rows["b200"].split() and "70864.0" in rows["b200"].split()
    assert "system" in rows["gb200"].split() and "51441.0" in rows["gb200"].split()
    assert rows["h800-sxm"].endswith("DeepSeek's assumed rent") and rows["h100-sxm"].endswith("market quote")
    assert lines[-1].startswith("price_usd is per price_unit: chip = the accelerator alone")


def test_controls_csv_lists_status_per_rule():
    code, text = run("controls", "--format", "csv")
    frame = pd.read_csv(io.StringIO(text), index_col=0)
    assert code == 0
    assert frame.loc["a800-sxm-80gb", "2022-10"] == "not controlled"
    assert frame.loc["a800-sxm-80gb", "2023-10"] == "3A090.a"
    assert frame.loc["h20", "tpp"] == 2368


def test_bad_format_names_the_allowed_ones():
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "chips", "--format", "xml"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "'xml'" in proc.stderr and "table" in proc.stderr and "json" in proc.stderr
