"""The sources appendix: each source key a report cited, once, marked primary / secondary /
weak (:func:`source_kind`), with its publisher, title and address (:func:`source_list`).
"""

from __future__ import annotations

import re

import pandas as pd

from ...catalog import keys_in, load, sources
from .output import escape, say

#: Words in a SOURCES.md source cell that mark the entry as secondary (a report of a report, a
#: reprint, a trade-press summary, an aggregator) — the rule stated at the top of SOURCES.md.
SECONDARY_WORDS = re.compile(
    r"\b(secondary|weak|reprint\w*|relay\w*|via|trade press|aggregator|"
    r"indicative)\b",
    re.I,
)


def source_kind(entry) -> str:
    """``primary``, ``secondary`` or ``secondary, weak`` for a SOURCES.md entry (a row of
    :func:`analysis.catalog.sources` or a dict with ``source``), from its source cell: "weak" ->
    weak; "secondary" -> secondary; otherwise "primary" -> primary; otherwise any of
    :data:`SECONDARY_WORDS` -> secondary; otherwise primary."""
    text = str(entry.get("source", ""))
    if re.search(r"\bweak\b", text, re.I):
        return "secondary, weak"
    if re.search(r"\bsecondary\b", text, re.I):
        return "secondary"
    if re.search(r"\bprimary\b", text, re.I):
        return "primary"
    return "secondary" if SECONDARY_WORDS.search(text) else "primary"


def is_secondary(entry) -> bool:
    """Whether a SOURCES.md entry is secondary (see :func:`source_kind`)."""
    return source_kind(entry) != "primary"


def _link(url: str) -> str:
    """An address as a short link (its domain, linked to the full address); anything that is not
    an http(s) address is dropped (no local or relative paths in a report)."""
    url = str(url).strip().split()[0] if str(url).strip() else ""
    match = re.match(r"https?://(?:www\.)?([^/\s]+)", url)
    if not match:
        return ""
    return f'<a href="{escape(url)}">{escape(match.group(1))}</a>'


_KIND_ONLY = re.compile(r"\s*\((?:primary|secondary|weak)(?:[,;] (?:primary|secondary|weak))*\)", re.I)


def _source_text(text: str) -> str:
    """A source cell without the parentheses that only repeat its kind ("(secondary)")."""
    return _KIND_ONLY.sub("", str(text)).strip()


def cited_keys(name: str, ids, columns=None) -> list[str]:
    """Source keys behind rows ``ids`` of dataset ``name``, from all its source columns or only
    ``columns`` (e.g. ``("compute_source", "die_source")`` for a report that uses no prices),
    so the appendix lists the sources of the figures a report cited and no others."""
    frame = load(name)
    ids = [i for i in ids if i in frame.index]
    if columns is not None:
        frame = frame[[c for c in frame.columns if c in columns]]
    return keys_in(frame.loc[ids])


def source_entries(keys) -> pd.DataFrame:
    """The SOURCES.md entries of ``keys`` (each once, in first-cited order) with a ``kind``
    column (:func:`source_kind`)."""
    table = sources()
    keys = [k for k in dict.fromkeys(str(k).strip() for k in keys) if k in table.index]
    found = table.loc[keys].copy()
    found["kind"] = [source_kind(row) for _, row in found.iterrows()]
    return found


def source_list(
    chip_ids=(), regions=(), runs=(), extra_keys=(), *, tables: dict | None = None, chip_columns=None
) -> None:
    """The compact sources appendix, in two columns: each source key the report cited once,
    marked primary / secondary / weak, with its publisher and title and a link named by its
    domain. Keys come from ``extra_keys`` (e.g. a report's ``source_keys(r)``) and the rows of
    the chips, regions and runs given (chips: only the ``chip_columns`` source columns, if
    given), and ``tables`` ({dataset name: row ids})."""
    keys = list(extra_keys)
    if len(chip_ids):
        keys += cited_keys("chips", chip_ids, chip_columns)
    wanted = {"regions": regions, "training_runs": runs, **(tables or {})}
    for name, ids in wanted.items():
        if len(ids):
            keys += cited_keys(name, list(ids))
    found = source_entries(keys)
    items = []
    for key, row in found.iterrows():
        link = _link(row["url"])
        items.append(
            f"<li><b>{escape(key)}</b> ({row['kind']}): "
            f"{escape(_source_text(row['source']))}" + (f" — {link}" if link else "") + "</li>"
        )
    counts = found["kind"].value_counts()
    summary = ", ".join(
        f"{counts.get(k, 0)} {k}" for k in ("primary", "secondary", "secondary, weak") if counts.get(k, 0)
    )
    say(
        f"{len(found)} sources ({summary}). Primary: the publisher of the figure (vendor, "
        "regulator, paper, operator); secondary: a report of it by others; weak: a secondary "
        "source that is itself unsure. What was taken from each source, and the notes on "
        "disputed figures, are in `data/SOURCES.md` and the `note` column of each CSV.\n\n"
        "<div class='sources' style='columns: 2; column-gap: 1.6em'><ul>"
        + "".join(items).replace("$", "&#36;")
        + "</ul></div>",
        html=True,
    )
