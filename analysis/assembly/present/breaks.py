"""Where a printed line of a report may break and where it may not, marked in the text by a
character and printed as markup, so that text copied from the PDF holds neither character:
:data:`BREAK` (a zero-width space: ``price_`` / ``usd`` in a narrow table column) prints as
``<wbr>``; a non-breaking hyphen between two characters (:data:`UNBROKEN`: "fr-2023-23055",
"2022-10") prints as a plain hyphen in a ``nowrap`` span with its neighbours."""

from __future__ import annotations

import re

#: A line may break here (after an underscore of an input's name); prints as ``<wbr>``.
BREAK = "\u200b"
#: A hyphen the line may not break at, between two characters; prints as a plain hyphen.
UNBROKEN = re.compile(r"(\w)\u2011(\w)")


def printable(text: str) -> str:
    """``text`` (escaped HTML or Markdown) with :data:`BREAK` as ``<wbr>`` and each
    :data:`UNBROKEN` hyphen as ``-`` inside ``<span style="white-space: nowrap">`` with the
    characters either side of it."""
    return UNBROKEN.sub(r'<span style="white-space: nowrap">\1-\2</span>', text).replace(BREAK, "<wbr>")
