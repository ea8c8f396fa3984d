"""A shown table's copy as CSV beside the report: its numbers (a band cell, :class:`Band`, split into
its parts), a unit in every header of numbers (:func:`csv_frame`) and no text a spreadsheet would run
as a formula (:func:`csv_text`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .numbers import _missing
from .units import unit_of


@dataclass(frozen=True)
class Band:
    """A table cell shown as text (``"98 (91–108)"``, ``"1,447–1,958"``) whose CSV copy holds its
    numbers: in the CSV, a column of bands becomes one column per part, its header followed by
    the part's suffix of ``names`` (:data:`.units.BAND_PARTS`: ``_p10``, ``_p50``, ``_p90`` by
    default, ``_low``, ``_base``, ``_high`` for a range that is not a P10–P90); an empty suffix
    drops that part, unknown parts are empty. ``low``, ``mid``, ``high`` are numbers in the unit of
    the column."""

    text: str
    low: float | None = None
    mid: float | None = None
    high: float | None = None
    names: tuple[str, str, str] = ("_p10", "_p50", "_p90")

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        return format(self.text, spec)


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (columns named by their CSV headers) with each column holding a :class:`Band`
    split into its parts' columns, ``HEADER_p10``, ``HEADER_p50``, ``HEADER_p90`` by default
    (numbers; a cell that is not a band, such as ``n/a``, leaves them empty)."""
    if not any(isinstance(v, Band) for v in frame.to_numpy().ravel()):
        return frame
    headers, columns = [], []
    for number, header in enumerate(frame.columns):
        cells = list(frame.iloc[:, number])
        bands = [v for v in cells if isinstance(v, Band)]
        if not bands:
            headers.append(header)
            columns.append(cells)
            continue
        for part, suffix in zip(("low", "mid", "high"), bands[0].names):
            values = [getattr(v, part) if isinstance(v, Band) else None for v in cells]
            if suffix and any(v is not None and not _missing(v) for v in values):
                headers.append(header + suffix)
                columns.append([None if _missing(v) else float(v) for v in values])
    return pd.DataFrame(dict(enumerate(columns)), index=frame.index).set_axis(headers, axis=1)


def _number(value) -> bool:
    """Whether a CSV cell is a number (not a flag, not missing)."""
    numeric = isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
    return numeric and not _missing(value)


def csv_frame(
    frame: pd.DataFrame, headers: list[str], *, table_id: str = "table", row_units: list[str] | None = None
) -> pd.DataFrame:
    """A shown table's data for its CSV: columns renamed to ``headers`` (:func:`.units.csv_header`),
    bands split into their parts; with ``row_units`` (a table whose rows differ in unit), a first
    column ``unit``. Refuses (ValueError naming the table, column and header) two columns with one
    header, a column of numbers whose header states no unit (:func:`.units.unit_of`) and a row
    without one."""
    twice = sorted({h for h in headers if headers.count(h) > 1})
    if twice:
        raise ValueError(f"table {table_id!r}: CSV header {twice[0]!r} names two columns; give each its own")
    data = _numbers(frame.set_axis(headers, axis=1))
    if row_units is not None:
        if not all(row_units):
            raise ValueError(f"table {table_id!r}: row {frame.index[row_units.index('')]!r} states no unit")
        return data.assign(unit=row_units)[["unit", *data.columns]]
    for header in data.columns:
        if not unit_of(header) and any(_number(v) for v in data[header]):
            raise ValueError(
                f"table {table_id!r}: column {header!r} holds numbers but its CSV header states no unit; give it "
                "one as the third entry of its format, (label, format, header), or end it "
                f"with a suffix of analysis/assembly/present/units.py UNITS_BY_NAME (e.g. _usd, _mw, _chips, _share, "
                f"_ratio)"
            )
    return data


#: What a spreadsheet reads as the start of a formula in a text cell (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value):
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` (shown as text);
    numbers and other text unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _plain(value):
    """A text cell without the print's line-break marks (:mod:`.breaks`): a non-breaking hyphen as
    ``-``, no zero-width space; numbers and other text unchanged."""
    return value.replace("\u2011", "-").replace("\u200b", "") if isinstance(value, str) else value


def csv_text(frame: pd.DataFrame, index_label: str = "") -> str:
    """``frame`` (:func:`csv_frame`) as CSV text for a table's copy beside the report: text as it
    reads (:func:`_plain`), every text cell, index label and header that begins with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return prefixed with ``'`` so no spreadsheet runs it; numbers stay
    numbers."""
    safe = frame.map(lambda v: _inert(_plain(v)))
    safe.index = [_inert(_plain(i)) for i in frame.index]
    safe.columns = [_inert(_plain(c)) for c in frame.columns]
    return safe.to_csv(index_label=index_label)
