"""The data loader: missing and empty files, exact line numbers after blank lines and multi-line
quoted cells, and numbers that Python would parse but the catalog refuses (issue 12, item 11)."""

import csv

import pytest
from conftest import edit_cell, line_of

from analysis import catalog
from analysis.catalog import DataError


def rewrite(path, transform):
    """Rewrite a CSV's rows through ``transform`` (a list of rows -> text)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    path.write_text(transform(rows), encoding="utf-8")


def csv_text(rows) -> str:
    return "".join(",".join(f'"{c}"' if ("," in c or "\n" in c) else c for c in row) + "\n" for row in rows)


@pytest.mark.parametrize(
    "content, words",
    [(None, "regions.csv: cannot be read"), ("", "regions.csv: is empty"), ("\n\n", "regions.csv: is empty")],
)
def test_missing_or_empty_file_is_one_clear_error(data_copy, content, words):
    path = data_copy / "regions.csv"
    if content is None:
        path.unlink()
    else:
        path.write_text(content)
    with pytest.raises(DataError, match=words):
        catalog.load("regions", data_copy)


def test_line_numbers_count_multi_line_cells_and_blank_lines(data_copy):
    path = data_copy / "regions.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    note = rows[0].index("note")
    rows[1][note] = "first line\nsecond line\nthird line"  # a quoted cell spanning three lines
    bad = len(rows) - 1
    rows[bad][rows[0].index("pue")] = "0.5"
    text = csv_text(rows[:2]) + "\n\n" + csv_text(rows[2:])  # two blank lines after the first row
    path.write_text(text, encoding="utf-8")
    expected = (
        text.splitlines().index(next(line for line in text.splitlines() if line.startswith(rows[bad][0] + ","))) + 1
    )
    with pytest.raises(DataError, match=rf"regions.csv, line {expected} \({rows[bad][0]}\), column 'pue'"):
        catalog.load("regions", data_copy)


@pytest.mark.parametrize("value", ["7_00", "７００", "1_000.5", "٣"])
def test_digit_groups_and_non_ascii_digits_are_refused(data_copy, value):
    path = data_copy / "chips.csv"
    line = line_of(path, "h20")
    edit_cell(path, "h20", "tdp_w", value)
    with pytest.raises(DataError, match=rf"line {line}.*'tdp_w'.*is not a number"):
        catalog.load("chips", data_copy)


def test_duplicate_column_names_are_refused(data_copy):
    path = data_copy / "regions.csv"
    rewrite(path, lambda rows: csv_text([rows[0] + ["pue"]] + [r + ["1.2"] for r in rows[1:]]))
    with pytest.raises(DataError, match=r"regions.csv, line 1: duplicate column name\(s\) pue"):
        catalog.load("regions", data_copy)


def test_a_row_with_too_many_cells_names_its_line(data_copy):
    path = data_copy / "regions.csv"
    line = line_of(path, "cn-avg-industrial")
    rewrite(path, lambda rows: csv_text([r + ["extra"] if r[0] == "cn-avg-industrial" else r for r in rows]))
    with pytest.raises(DataError, match=rf"regions.csv, line {line}: has \d+ cells; the header has"):
        catalog.load("regions", data_copy)


def test_plain_numbers_still_load(data_copy):
    for value in ("400", "400.", "+400", "4e2", "4.0E+02", " 400 "):
        edit_cell(data_copy / "chips.csv", "h20", "tdp_w", value)
        catalog._load_all.cache_clear()
        assert catalog.load("chips", data_copy).loc["h20", "tdp_w"] == 400


def test_changing_a_loaded_table_changes_no_later_load():
    """load() hands out shallow copies; pandas' copy-on-write must keep every change to one (a
    cell, a column in place, a new column, a dropped row) away from the loader's cached table."""
    first = catalog.load("chips")
    name, tdp = first.at["h20", "name"], first.at["h20", "tdp_w"]
    first.at["h20", "name"] = "changed"
    first["tdp_w"] *= 2
    first["extra"] = 1
    first.pop("name")
    again = catalog.load("chips")
    assert again.at["h20", "name"] == name and again.at["h20", "tdp_w"] == tdp
    assert "extra" not in again.columns and "name" in again.columns
