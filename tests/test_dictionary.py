"""data/DICTIONARY.md agrees with the loader's schema (analysis/catalog.py) and the CSV headers:
every column documented, ranges, integers, required flags, choices and flags as the loader has
them. Also the repository's citation files name the package version."""

import re

import pandas as pd
import pytest

import analysis
from analysis import catalog

ROOT = catalog.PROJECT_DIR
DICTIONARY = catalog.DATA_DIR / "DICTIONARY.md"


def _sections() -> dict[str, dict[str, dict[str, str]]]:
    """{file: {column: {"meaning", "unit", "allowed", "required"}}} from the dictionary."""
    sections, current = {}, None
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"## `([\w.]+\.csv)`", line.strip())
        if heading:
            current = sections.setdefault(heading.group(1), {})
            continue
        if line.startswith("## "):
            current = None
        if current is None or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 5, f"{line!r}: a row has 5 cells (column, meaning, unit, allowed, required)"
        column = cells[0].strip("`")
        assert column not in current, f"{column} documented twice"
        current[column] = dict(zip(("meaning", "unit", "allowed", "required"), cells[1:]))
    return sections


SECTIONS = _sections()
TABLES = {t.file: t for t in vars(catalog).values() if isinstance(t, catalog.Table)}


def _header(file: str) -> list[str]:
    return list(pd.read_csv(catalog.DATA_DIR / file, nrows=0).columns)


def test_every_csv_and_every_table_has_a_section():
    files = {p.name for p in catalog.DATA_DIR.glob("*.csv")}
    assert files <= set(SECTIONS), f"undocumented files: {files - set(SECTIONS)}"
    assert set(TABLES) <= set(SECTIONS)
    assert set(SECTIONS) <= files, "a documented file that is not in data/"


@pytest.mark.parametrize("file", sorted(p.name for p in catalog.DATA_DIR.glob("*.csv")))
def test_every_column_documented_in_file_order(file):
    documented = SECTIONS.get(file, {})
    assert list(documented) == _header(file)
    for column, row in documented.items():
        assert row["meaning"] and row["unit"], f"{file} {column}: meaning and unit (or —) needed"


def _bounds(allowed: str) -> tuple[float, float]:
    match = re.search(r"in \[([^,\]]+), ([^\]]+)\]", allowed)
    assert match, f"no [low, high] in {allowed!r}"
    return float(match.group(1)), float(match.group(2))


def _checks(table: catalog.Table):
    """(column, what the dictionary must say) for every column the loader knows."""
    ranged = {c for triple in table.ranges for c in triple}
    yield table.key, {"required": "yes", "allowed_has": "id: lowercase slug", "unique": table.unique_key}
    for column, spec in table.numbers.items():
        yield (
            column,
            {
                "bounds": (spec.low, spec.high),
                "integer": spec.integer,
                "required": "yes" if spec.required else "no",
                "ranged": column in ranged,
            },
        )
    for column in table.flags:
        yield column, {"allowed": "true or false", "required": "yes"}
    for column, group in table.sources.items():
        yield (
            column,
            {
                "allowed_has": "source keys",
                "required": "yes" if column in table.required_text or not group else "with its figures",
            },
        )
    for column, options in table.choices.items():
        if column in table.required_with:
            required = f"where `{table.required_with[column]}` is given"
        elif column in table.required_text or "" not in options:
            required = "yes"
        else:
            required = "no"
        yield column, {"choices": set(options), "required": required}
    done = {table.key, *table.numbers, *table.flags, *table.sources, *table.choices}
    for column in table.required_text:
        if column not in done:
            yield column, {"required": "yes"}
    for column in table.text:
        if column not in done:
            yield (
                column,
                {
                    "required": f"where `{table.required_with[column]}` is given"
                    if column in table.required_with
                    else "no"
                },
            )


@pytest.mark.parametrize("file", sorted(TABLES))
def test_dictionary_agrees_with_the_loader(file):
    table, documented = TABLES[file], SECTIONS[file]
    known = set()
    for column, want in _checks(table):
        known.add(column)
        row = documented[column]
        where = f"{file} {column}"
        assert row["required"] == want["required"], where
        if "bounds" in want:
            assert _bounds(row["allowed"]) == pytest.approx(want["bounds"], rel=1e-12), where
            assert row["allowed"].startswith("whole number") == want["integer"], where
            assert ("low ≤ base ≤ high" in row["allowed"]) == want["ranged"], where
        if "allowed" in want:
            assert row["allowed"] == want["allowed"], where
        if "allowed_has" in want:
            assert want["allowed_has"] in row["allowed"], where
        if "unique" in want:
            assert ("unique" in row["allowed"]) == want["unique"], where
        if "choices" in want:
            listed = set(re.findall(r"`([^`]+)`", row["allowed"].split("one of:", 1)[1]))
            if row["allowed"].endswith("or empty"):
                listed.add("")
            assert listed == want["choices"], where
    for column, row in documented.items():
        if column not in known:  # read by the loader as text, with no rule
            assert "not checked by the loader" in row["allowed"], f"{file} {column}"


def test_parser_reads_bounds_by_hand():
    # the forms the dictionary uses: plain, decimal and powers of ten
    assert _bounds("number in [0.05, 100]") == (0.05, 100.0)
    assert _bounds("whole number in [1, 1e7]") == (1.0, 10_000_000.0)
    assert _bounds("number in [1e15, 1e30]") == (1e15, 1e30)


def test_how_to_add_a_chip_and_a_region():
    text = DICTIONARY.read_text(encoding="utf-8")
    assert "## How to add a chip" in text and "## How to add a region" in text


def test_citation_and_changelog_name_the_version():
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf'^version: "?{re.escape(analysis.__version__)}"?$', citation, re.M)
    assert re.search(r"^cff-version: 1\.2\.0$", citation, re.M)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {analysis.__version__}" in changelog
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "CC BY 4.0" in licence
