"""Shared fixtures: the real datasets, and writable copies of data/ to corrupt."""
import csv
import shutil
from pathlib import Path

import pytest

import analysis
from analysis.catalog import DATA_DIR


@pytest.fixture(scope="session")
def chips():
    return analysis.load("chips")


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A fresh copy of data/ that a test may corrupt."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_cell(path: Path, row_id: str, column: str, value: str) -> None:
    """Set one cell (row chosen by the first column's id) of a CSV in place."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == row_id:
            row[col] = value
            break
    else:
        raise KeyError(row_id)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def line_of(path: Path, row_id: str) -> int:
    """1-based line number of the row whose first cell is ``row_id``."""
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if row and row[0] == row_id:
                return line
    raise KeyError(row_id)
