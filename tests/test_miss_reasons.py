"""The stated reasons of the validation misses rest on their sources (issue 19: "none above 35 % without a
stated, sourced reason"): every miss_reason names a source key that data/SOURCES.md defines and that the
case lists, every passage it quotes stands in the row of a source it names, and the key numbers it
quotes are in that row too."""

import re

import pytest

from analysis.catalog import load, sources

CASES = load("validation_cases")
SOURCES = sources()
#: The reasons of the validation cases (calibration cases are counted for nothing and are not held to this)
REASONS = {
    case_id: reason
    for case_id, reason in CASES.loc[CASES["role"] == "validation", "miss_reason"].items()
    if isinstance(reason, str) and reason
}

#: The numbers each reason quotes from its sources (not the ones it derives): each must be in the
#: reason and in the row of a source the reason names.
KEY_NUMBERS = {
    "llama31-8b-gpu-hours": ("1.46M", "15T", "1.3M", "7.7M"),
    "llama32-1b-gpu-hours": ("370k", "1.23B", "86k", "9 trillion"),
    "llama32-3b-gpu-hours": ("460k", "3.21B", "86k", "9 trillion"),
    "bloomberggpt-50b-days": ("102 TFLOPs", "32.5 s", "139,200", "2,048", "50.6", "128 GPUs", "400 Gb/s"),
    "deepseek-llm-67b-gpu-hours-per-t": ("300.6K", "5 minutes"),
}


def _plain(text: str) -> str:
    """Lower case, one space between words, no markdown escapes: how a quotation is compared."""
    return re.sub(r"\s+", " ", text.replace("\\", "")).strip().lower()


def _named_keys(reason: str) -> list[str]:
    """The source keys a reason names (a key counts as a whole word: letters, digits and hyphens)."""
    return [key for key in SOURCES.index if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", reason)]


def _rows(keys: list[str]) -> str:
    return _plain(" ".join(f"{SOURCES.at[k, 'source']} {SOURCES.at[k, 'what was taken']}" for k in keys))


def _quotations(reason: str) -> list[str]:
    """Passages in single quotes: an opening quote after a space or '(' (so "card's" is no quote), a
    closing one before a space or punctuation."""
    return re.findall(r"(?:(?<=\s)|(?<=\())'([^']+?)'(?=[\s),.;:])", reason)


def test_the_misses_with_a_stated_reason_are_the_ones_checked_here():
    # the five cases above 35 % at the time of writing; a new miss needs its key numbers listed here
    assert set(KEY_NUMBERS) <= set(REASONS)


@pytest.mark.parametrize("case_id", sorted(REASONS))
def test_a_reason_names_a_defined_source_that_the_case_lists(case_id):
    keys = _named_keys(REASONS[case_id])
    assert keys, f"{case_id}: its miss_reason names no source key of data/SOURCES.md"
    listed = {k.strip() for k in CASES.at[case_id, "source"].split(";")}
    assert set(keys) <= listed, f"{case_id}: the reason cites {sorted(set(keys) - listed)}, not in its source column"


@pytest.mark.parametrize("case_id", sorted(REASONS))
def test_every_passage_a_reason_quotes_stands_in_a_source_it_names(case_id):
    reason = REASONS[case_id]
    rows = _rows(_named_keys(reason))
    for passage in _quotations(reason):
        assert _plain(passage) in rows, f"{case_id}: '{passage}' is not in its sources' rows of data/SOURCES.md"


@pytest.mark.parametrize("case_id", sorted(KEY_NUMBERS))
def test_the_key_numbers_a_reason_quotes_are_in_its_source_rows(case_id):
    reason = _plain(REASONS[case_id])
    rows = _rows(_named_keys(REASONS[case_id]))
    for number in KEY_NUMBERS[case_id]:
        assert _plain(number) in reason, f"{case_id}: {number} not quoted by its reason"
        assert _plain(number) in rows, f"{case_id}: {number} is not in its sources' rows of data/SOURCES.md"


def test_the_checks_catch_an_unsourced_reason():
    # a reason that only restates the miss names no key; a misquotation and a number its source
    # does not carry are not found in the source row (BloombergGPT's paper says 102 TFLOPs, not 120)
    assert not _named_keys("The run was faster than the prior's median.")
    rows = _rows(["bloomberggpt-paper"])
    assert _plain("we apply activation checkpointing to each transformer layer") in rows
    assert _plain("we apply activation checkpointing to every other layer") not in rows
    assert _plain("120 TFLOPs") not in rows and _plain("102 TFLOPs") in rows
    assert _quotations("(x 'a quoted passage', and the card's 'second one')") == ["a quoted passage", "second one"]
