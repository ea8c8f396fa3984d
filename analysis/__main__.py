"""Command line: ``python -m analysis chips|controls [--format table|csv|json]``."""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from .catalog import DataError, load
from .controls import control_table

FORMATS = ("table", "csv", "json")

#: Columns of the terminal table; csv and json print the whole catalog with its sources.
CHIP_TABLE_COLUMNS = ["name", "launch_year", "bf16_dense_tflops", "fp8_dense_tflops",
                      "int8_dense_tops", "hbm_gb", "hbm_bandwidth_tb_s", "interconnect_gb_s",
                      "tdp_w", "die_area_mm2", "price_usd", "usd_per_gpu_hour"]


def chips_frame(full: bool) -> pd.DataFrame:
    """The chip catalog: every column (``full``) or the headline columns with units in names."""
    chips = load("chips")
    return chips if full else chips[CHIP_TABLE_COLUMNS]


def controls_frame() -> pd.DataFrame:
    """TPP, performance density and status under each rule vintage, per chip."""
    table = control_table(load("chips"), load("export_rules"))
    table["tpp"] = table["tpp"].round(1)
    table["performance_density"] = table["performance_density"].round(2)
    return table


def emit(frame: pd.DataFrame, fmt: str) -> None:
    """Write ``frame`` to stdout as an aligned table, CSV or JSON (records keyed by id)."""
    out = sys.stdout
    if fmt == "csv":
        frame.to_csv(out)
    elif fmt == "json":
        out.write(frame.to_json(orient="index", indent=2) + "\n")
    else:
        with pd.option_context("display.max_columns", None, "display.width", 250,
                               "display.max_colwidth", 40):
            out.write(frame.astype(object).where(frame.notna(), "").to_string() + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=(
        "Compute-parity reports: the sourced chip catalog and export-control classification."))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (("chips", "the accelerator catalog (dense figures, units in names)"),
                            ("controls", "export-control TPP, performance density and status "
                                         "under each rule, per chip")):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--format", choices=FORMATS, default="table",
                         help="output format (default: table)")
    args = parser.parse_args(argv)
    try:
        frame = chips_frame(args.format != "table") if args.command == "chips" else controls_frame()
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    emit(frame, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
