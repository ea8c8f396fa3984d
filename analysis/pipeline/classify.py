"""``python -m analysis classify``: a what-if chip's export-control status and licence policy
under every rule vintage, from its figures per integrated circuit. Each option sets one parameter
of the export_controls report (:data:`OPTIONS`), which checks it and classifies the chip with
the functions that classify the catalog's chips, so the command and the report give one answer.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..assembly.params import ParameterError, parse

FORMATS = ("table", "csv", "json")


#: ``classify`` options -> the export_controls parameters they set (figures per integrated circuit).
OPTIONS = {
    "--name": "new_chip_name",
    "--tpp": "new_chip_tpp",
    "--fp32-tflops": "new_chip_fp32_dense_tflops",
    "--bf16-tflops": "new_chip_bf16_dense_tflops",
    "--fp8-tflops": "new_chip_fp8_dense_tflops",
    "--int8-tops": "new_chip_int8_dense_tops",
    "--die-area": "new_chip_die_area_mm2",
    "--io": "new_chip_interconnect_gb_s",
    "--dram-bandwidth": "new_chip_dram_bandwidth_gb_s",
    "--planar": "new_chip_planar_node",
    "--us-available": "new_chip_us_commercially_available",
    "--us-export": "new_chip_us_export_licensing",
}


def add_parser(commands) -> None:
    """The ``classify`` command's options: a what-if chip's figures per integrated circuit, each
    one export_controls parameter (:data:`OPTIONS`; ``list export_controls`` gives units
    and bounds)."""
    from ..assembly.export_controls import PARAMETERS

    text = "a what-if chip's export-control status and licence policy under every rule vintage"
    sub = commands.add_parser("classify", help=text, description=text + " (figures per integrated circuit)")
    for option, name in OPTIONS.items():
        spec = PARAMETERS[name]
        meaning = spec.help.removeprefix("what-if chip: ") + (f" [{spec.unit}]" if spec.unit else "")
        if spec.kind is bool:
            meaning += f" (default: {'yes' if spec.default else 'no'})"
            sub.add_argument(option, action=argparse.BooleanOptionalAction, default=None, help=meaning)
        else:
            metavar = (spec.unit or "TEXT").replace("/", "_").replace("²", "2").upper()
            sub.add_argument(option, metavar=metavar, help=f"{meaning}; default: {spec.none}")
    sub.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")


def run(args, emit) -> int:
    """The ``classify`` command: the what-if chip through export_controls' own parameters (checked
    there; an error names the option), printed as a readable table with notes, CSV or JSON (the
    report's ``new_chip`` key figure)."""
    from ..assembly import export_controls as report

    try:
        values = {}
        for option, name in OPTIONS.items():
            given = getattr(args, option.removeprefix("--").replace("-", "_"))
            if given is not None:
                values[name] = given if isinstance(given, bool) else parse(name, given, "export_controls")
        r = report.run(**values)
    except ParameterError as err:
        message = str(err).replace(", or None (default)", "")
        for option, name in sorted(OPTIONS.items(), key=lambda item: -len(item[1])):
            message = message.replace(f"parameter {name}", option).replace(name, option)
        raise ParameterError(message) from None
    if r.new_chip is None:
        dense = ", ".join(o for o, n in OPTIONS.items() if n in report.NEW_CHIP_DENSE)
        raise ParameterError(f"classify needs the chip's --tpp or a dense figure ({dense})")
    if args.format == "json":
        sys.stdout.write(json.dumps(report.new_chip_entry(r), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        report.new_chip_table(r).to_csv(sys.stdout)
    else:
        print(f"{report.new_chip_name(r)}: {report.new_chip_figures(r)}\n")
        emit(report.new_chip_table(r), "table")
        for note in report.new_chip_notes(r):
            print(f"\nnote: {note}")
    sys.stdout.flush()
    return 0
