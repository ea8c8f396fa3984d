"""The report contract's outputs: the appendix (the parameters as given, :func:`parameters_table`,
and the inputs as used with unit and source key, :func:`inputs_table`) and the key figures a
notebook publishes for the pipeline to write to ``NAME.json`` (:func:`emit_key_figures`).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from . import output
from .breaks import BREAK
from .chips import _chips, chip_name, chip_short
from .numbers import _missing, count, counted, sci
from .sources import cite, source_numbers

#: The output type a notebook's key figures travel in; the pipeline writes it to NAME.json.
KEY_FIGURES_MIME = "application/vnd.compute-parity.key-figures+json"
#: How the JSON writes a number without bound, such as a band's P90 where no single job reaches
#: the reference ("more than one job can use"): the text ``"inf"`` (``"-inf"`` below), which
#: Python's ``float()`` and pandas read as infinity; ``null`` is a figure that is unknown (NaN).
#: JSON has no infinity, and a bare ``Infinity`` is not JSON.
OPEN_ENDS = {math.inf: "inf", -math.inf: "-inf"}


def _text(value) -> str:
    """A parameter value as plain table text."""
    if isinstance(value, (list, tuple)):
        return (
            ", ".join(chip_name(v) if isinstance(v, str) and v in _chips().index else _text(v) for v in value) or "none"
        )
    if _missing(value) and not isinstance(value, str):
        return "n/a (not sourced)" if value is not None else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.number)):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:,.0f}"
        if abs(value) >= 1e5 or abs(value) < 1e-3:
            return sci(value, digits=4)
        # five significant figures, for display only (the JSON keeps the value): a derived figure reads as a
        # reader writes it (300 W × 1.66667 = 500.001 W shows as 500; a median batch of 14,023.2 as 14,023)
        return f"{float(f'{value:.5g}'):,.6g}"
    if isinstance(value, str) and value in _chips().index:
        return chip_name(value)
    return str(value)


#: Monte Carlo inputs are keyed by their parameter's name; how a figure or table labels them.
INPUT_LABELS = {
    "usd_per_kwh": "electricity price",
    "pue": "PUE",
    "mfu": "MFU",
    "decode_mfu": "decode MFU",
    "hbm_efficiency": "HBM efficiency",
}


def input_label(name: str) -> str:
    """A Monte Carlo input's label for a reader: ``usd_per_kwh`` -> ``electricity price``;
    per-chip inputs (``h20 price``) name the chip (``H20 price``)."""
    if name in INPUT_LABELS:
        return INPUT_LABELS[name]
    chip, _, what = name.partition(" ")
    return f"{chip_short(chip)} {what}" if what else name


def parameters_table(parameters: dict, declared: dict | None = None, *, heading: tuple[str, str] | None = None) -> None:
    """The parameters as the reader asked for them: a value the reader set reads as itself, one
    left at None reads "default" (the value used is in :func:`inputs_table`); with ``declared``
    (the report's ``PARAMETERS``) a meaning column from each parameter's specification; under
    ``heading`` (:func:`.output.opening`)."""
    rows = [
        {
            "parameter": name,
            "value": "default" if value is None else _text(value),
            "meaning": (declared[name].help if declared and name in declared else ""),
        }
        for name, value in parameters.items()
    ]
    frame = pd.DataFrame(rows, columns=["parameter", "value", "meaning"]).set_index("parameter")
    if not declared:
        frame = frame.drop(columns="meaning")
    output._display_frame(frame.rename_axis(None), caption="Parameters as given (JSON: parameters).", heading=heading)


def _split_inputs(used: dict) -> tuple[dict, dict[str, dict]]:
    """An inputs block as (records shared by the report, {group: {item: records}}): a group is a
    key whose records are per item (``chips``: per chip, ``regions``: per region); a chip id whose
    value is a dict of records forms the ``chips`` group too."""
    shared, groups = {}, {}
    for name, value in used.items():
        if not isinstance(value, dict):
            shared[name] = value
        elif all(isinstance(v, dict) for v in value.values()):
            groups.setdefault(name, {}).update(value)
        else:
            groups.setdefault("chips", {})[name] = value
    return shared, groups


def _cited(source: str, numbers: dict[str, int]) -> str:
    """Source keys (``;``-separated) as the appendix cites them: ``[n] key`` with the number of
    the sources list (:func:`~.sources.source_numbers`), a hyphen between two digits
    non-breaking, so a narrow column may break a key after a word ("china-" / "briefing") but
    never splits two numbers ("fr-2023-" / "23055", which reads as a broken date)."""
    keys = [k.strip() for k in str(source).split(";") if k.strip()]
    return ", ".join(_unbroken_numbers(f"[{numbers[k]}] {k}" if k in numbers else k) for k in keys)


def _unbroken_numbers(text: str) -> str:
    """``text`` with each hyphen between two digits non-breaking (a line never ends "2023-")."""
    return re.sub(r"(?<=\d)-(?=\d)", "\u2011", text)


#: The most input columns one table of a group (chips, regions …) shows; more go to further tables.
GROUP_COLUMNS = 5


def inputs_table(used: dict, *, heading: tuple[str, str] | None = None) -> None:
    """The inputs as the report used them (the JSON's ``inputs`` block), compactly: one row per
    shared input (value, unit, source as ``[n] key``, the number of the sources list, origin),
    then per group (chips, regions …) one row per item with its inputs as columns (unit in the
    header) and the cited sources; the first table under ``heading`` (:func:`.output.opening`)."""
    shared, groups = _split_inputs(used)
    numbers = source_numbers(used)
    rows = [
        {
            "input": name.replace("_", "_" + BREAK),  # breakable at underscores, so the table fits the page
            "value": _text(u.value),
            "unit": u.unit,
            "source": _cited(u.source, numbers),
            "origin": u.origin,
        }
        for name, u in shared.items()
    ]
    frame = pd.DataFrame(rows, columns=["input", "value", "unit", "source", "origin"])
    output._display_frame(
        frame,
        caption="Inputs as used, after defaults (JSON: inputs); source: [n] of the sources list and its key in "
        "data/SOURCES.md.",
        index=False,
        heading=heading,
    )
    for group, items in groups.items():
        frame, keys = _group_table(items, numbers)
        parts = range(0, len(frame.columns), GROUP_COLUMNS)
        for part, start in enumerate(parts, start=1):  # a wide group in several tables, so each fits the page
            of = f", part {part} of {len(parts)}" if len(parts) > 1 else ""
            output._display_frame(
                frame.iloc[:, start : start + GROUP_COLUMNS],
                caption=f"Inputs as used per {group.rstrip('s')}{of} (JSON: inputs.{group}).",
            )
        if keys:
            output.say(f"Source keys per {group.rstrip('s')} input — {keys}.")


def _cell(record, head: str) -> str:
    """A record's value for a table whose header carries the unit ``head``; what the unit adds
    beyond it (``server share``) follows the value in parentheses; empty for no record."""
    if record is None:
        return ""
    rest = record.unit[len(head) :].lstrip(", ") if head and record.unit.startswith(head) else record.unit
    return _text(record.value) + (f" ({rest})" if rest and rest != head else "")


def _group_table(items: dict[str, dict], numbers: dict[str, int]) -> tuple[pd.DataFrame, str]:
    """One row per item (a chip by its short name, else the id), one column per input (``name
    [unit]``, breakable at underscores so the table fits the page; where the unit differs between
    items, e.g. what a price buys, each cell carries its own), and, as text, each input's cited
    sources (a column of them would not fit); a group of one record per item (catalog rows) has
    its sources as a column instead, and no text."""
    names = list(dict.fromkeys(name for records in items.values() for name in records))
    columns = {}
    for n in names:
        units = [r[n].unit for r in items.values() if n in r]
        # one unit: in the header; units that differ ("USD per chip, server share"): the part all
        # share in the header, the rest in each cell
        head = units[0] if len(set(units)) == 1 else units[0].split(", ")[0]
        shared = all(u.split(", ")[0] == head for u in units)
        label = (f"{n} [{head}]" if shared else n).replace("_", "_" + BREAK)
        columns[label] = {chip_short(item): _cell(r.get(n), head if shared else "") for item, r in items.items()}
    rows = len(names) == 1 and all(r[names[0]].unit == names[0] for r in items.values())
    if rows:  # one record per item, a catalog row (a system, a run, a rule: inputs.rows_used): sources beside it
        # ids in a column that wraps (row labels do not, and catalog ids run long), rows numbered
        ids = [_unbroken_numbers(item) for item in items]  # "2022-10" is not split after "2022-"
        frame = pd.DataFrame({"id": ids}, index=[str(i) for i in range(1, len(items) + 1)])
        values = [r[names[0]].value for r in items.values()]
        if any(v != item for v, item in zip(values, items)):  # a name beside the id, where it adds one
            frame[names[0]] = values
        frame["sources"] = [_cited(r[names[0]].source, numbers) for r in items.values()]
        return frame, ""
    keys = [
        f"{n}: {', '.join(dict.fromkeys(_cited(r[n].source, numbers) for r in items.values() if n in r))}"
        for n in names
    ]
    return pd.DataFrame(columns), "; ".join(keys)


def _quantity(record) -> str:
    """A record's value with its unit, as the text quotes it: ``989.4 TFLOP/s, dense``, ``$33,750
    per chip, server share``; a count in a plural noun singular for one (``1 chip``, ``2,048 chips``)."""
    big = isinstance(record.value, (int, float)) and abs(record.value) >= 1e9  # 37 B parameters, 14.8 T tokens
    value = count(record.value) if big else _text(record.value)
    if record.unit.startswith("USD"):
        return f"${value}{record.unit[3:]}"
    if re.fullmatch(r"[a-z]+s", record.unit) and value == "1":  # chips, tokens, parameters
        return counted(1, record.unit[:-1])
    return f"{value} {record.unit}"


def key_inputs(used: dict, names=(), *, top=(), chips=None) -> str:
    """One line for a report's first pages: the key inputs, each with the ``[n]`` of its source in
    the sources list — the records ``top`` of the inputs block (names, or a mapping of name to the
    label a reader reads: ``{"chip_count": "cluster"}`` prints ``cluster: 2,048 chips``), then per chip
    (``chips``, default all of ``used["chips"]``) its records ``names`` (e.g. ``peak_tflops``,
    ``max_w_per_chip``, ``price_usd``). A record the block lacks is left out."""
    numbers = source_numbers(used)

    def cited(record) -> str:
        return f"{_quantity(record)} {cite(used, record, numbers=numbers)}"

    labels = top if isinstance(top, dict) else {name: None for name in top}
    parts = [
        f"{label}: {cited(used[name])}" if label else f"{name.replace('_', ' ')} {cited(used[name])}"
        for name, label in labels.items()
        if name in used
    ]
    for chip in used.get("chips", {}) if chips is None else chips:
        records = used["chips"][chip]
        figures = [cited(records[n]) for n in names if n in records]
        if figures:
            parts.append(f"{chip_short(chip)}: {', '.join(figures)}")
    return "**Key inputs** ([n]: the sources list): " + "; ".join(parts) + "."


def appendix(
    parameters: dict, used: dict, declared: dict | None = None, *, heading: tuple[str, str] | None = None
) -> None:
    """The appendix every report ends with: :func:`parameters_table` then :func:`inputs_table`, the
    first under ``heading`` (title, lead-in), kept with its first rows (:func:`.output.opening`)."""
    if parameters:  # a report without parameters (validation) shows only what it used
        parameters_table(parameters, declared, heading=heading)
        heading = None
    inputs_table(used, heading=heading)


def _plain(value):
    """A JSON-ready copy: numpy scalars as Python numbers, NaN as None, ±inf as
    :data:`OPEN_ENDS`' text, keys as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return OPEN_ENDS.get(value)  # NaN: None
    return value


def emit_key_figures(parameters: dict, used: dict, **figures) -> None:
    """Called by a notebook's last cell: publish its parameters (as given), the inputs it used
    (``used``: name -> :class:`~analysis.assembly.inputs.Used`, nested per chip where needed) and
    its key figures as an output that the render pipeline writes to ``NAME.json`` (invisible in
    HTML and PDF)."""
    inputs = _plain(_used_json(used))
    output.display({KEY_FIGURES_MIME: _plain({"parameters": parameters, "inputs": inputs, **figures})}, raw=True)


def _used_json(used: dict) -> dict:
    """An inputs block as JSON: each record's value, unit, source and origin."""
    return {k: (_used_json(v) if isinstance(v, dict) else v.as_json()) for k, v in used.items()}
