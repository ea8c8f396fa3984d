"""The sources appendix: the sources a report's numbers used — exactly the source keys of its
inputs block (the JSON's ``inputs``), numbered in the order the block names them
(:func:`source_numbers`), each with its grade (primary / secondary / weak / package / reader, the last words of its
row in ``data/SOURCES.md``), publisher, title and full address (:func:`source_list`); a number in
the text cites its source as ``[n]`` (:func:`cite`).
"""

from __future__ import annotations

import re

import pandas as pd

from ...catalog import GRADES, sources
from .output import escape, say


def used_keys(used: dict) -> list[str]:
    """The source keys of every record of an inputs block (nested blocks included; a record may
    name several keys, ``;``-separated), each once, in the order the block names them."""
    keys = []
    for value in used.values():
        keys += used_keys(value) if isinstance(value, dict) else str(value.source).split(";")
    return list(dict.fromkeys(k.strip() for k in keys if k.strip()))


def source_numbers(used: dict) -> dict[str, int]:
    """Each source key of an inputs block that ``data/SOURCES.md`` defines and its number in the
    report's sources appendix (1, 2, … in the order of :func:`used_keys`)."""
    known = sources().index
    return {key: n for n, key in enumerate((k for k in used_keys(used) if k in known), start=1)}


def cite(used: dict, *records, numbers: dict[str, int] | None = None) -> str:
    """``[n]`` (or ``[n, m]``) for the source of each record (a :class:`~analysis.assembly.inputs.Used`
    or a source key) of the inputs block ``used``: the numbers of its sources appendix
    (``numbers``: :func:`source_numbers` of ``used``, where the caller has it already)."""
    numbers = source_numbers(used) if numbers is None else numbers
    keys = [k.strip() for r in records for k in str(getattr(r, "source", r)).split(";") if k.strip()]
    missing = [k for k in keys if k not in numbers]
    if missing:
        raise KeyError(f"source {', '.join(missing)} is not in the report's inputs block; it has: {', '.join(numbers)}")
    return "[" + ", ".join(str(numbers[k]) for k in dict.fromkeys(keys)) + "]"


def source_entries(keys) -> pd.DataFrame:
    """The SOURCES.md entries of ``keys`` (each once, in first-cited order) with a ``kind``
    column (the grade: :data:`analysis.catalog.GRADES`)."""
    table = sources()
    keys = [k for k in dict.fromkeys(str(k).strip() for k in keys) if k in table.index]
    found = table.loc[keys].copy()
    found["kind"] = found["grade"]
    return found


def _address(url: str) -> str:
    """The full address as a link (its own text); anything that is not an http(s) address is
    dropped (no local or relative paths in a report)."""
    url = str(url).strip().split()[0] if str(url).strip() else ""
    if not re.match(r"https?://\S+", url):
        return ""
    return f'<a href="{escape(url)}">{escape(url)}</a>'


def _source_text(text: str) -> str:
    """A source cell without its closing grade ("(secondary)"), which the list shows apart."""
    return re.sub(r"\s*\((?:" + "|".join(GRADES) + r")\)$", "", str(text).strip())


def source_list(used: dict) -> None:
    """The sources appendix under its heading ("Sources"): each source the report's inputs block (``used``,
    the JSON's ``inputs``) names, once, numbered as :func:`cite` numbers it, with its grade, publisher and
    title and full address. No other source is listed."""
    found = source_entries(source_numbers(used))
    items = [
        f"<li value='{n}'><b>{escape(key)}</b> ({row['kind']}): {escape(_source_text(row['source']))}"
        + (f" — {link}" if (link := _address(row["url"])) else "")
        + "</li>"
        for n, (key, row) in enumerate(found.iterrows(), start=1)
    ]
    counts = found["kind"].value_counts()
    summary = ", ".join(f"{counts[k]} {k}" for k in GRADES if counts.get(k, 0))
    say(
        "## Sources\n\n"  # in the same block as the list's opening, so the heading never ends a page
        f"The {len(found)} sources of this report's numbers ({summary}), numbered as the text cites them "
        "([n]); each is the source key of an input in the appendix and the JSON's `inputs`. Primary: the "
        "publisher of the figure (vendor, regulator, paper, operator); secondary: a report of it by others; "
        "weak: a source that is itself unsure (a wiki asking for citations, an AI-written summary, a forum, a "
        "spec aggregator), which sets no default; package: this package's own assumption or its table of figures "
        "derived from other sources, no document of its own; reader: a value the reader set. What was taken "
        "from each source is in `data/SOURCES.md`.\n\n"
        "<div class='sources'><ol style='overflow-wrap: anywhere'>"
        + "".join(items).replace("$", "&#36;")
        + "</ol></div>",
        html=True,
    )
