"""Layout checks of a printed report: what a reader would see as a defect on a PDF page, found by
comparing the PDF's text (``pdftotext``) with the HTML page it was printed from.

- **clipped**: a table cell, header or caption of the HTML whose text is not in the PDF (a table
  wider than the page is cut at the edge: "a rathe", "123,456,789");
- **value wrapped at a hyphen**: a one-value cell broken over two lines ("2022-10-" / "07");
- **split from its unit**: a number on one line and its unit alone on the next ("40.0" / "%");
- **stranded heading**: a heading as the last line of a page, its text on the next;
- **one value as a band**: a band printed as three equal values ("66,664 – 66,664 – 66,664");
- **None**: Python's ``None`` in the text.

``render`` does not run these checks (they cost a second per report); the render-tier tests run
them over every report they render.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

#: Units a table cell prints after a number (a unit alone on the line after a number is a split).
UNITS = (
    "%|MW|kW|GW|W|MWh|GWh|TWh|kWh|h|days|years|USD|TFLOP/s|PFLOP/s|PFLOP|EFLOP|FLOP|tok/s|tokens/s|"
    "GPU-h|GPU-hours|chips|kg|t|tCO2|GB|TB/s|GB/s"
)
#: A line holding only a number, then a line holding only a unit: a table cell wrapped between them.
SPLIT = re.compile(rf"(?m)^[ \t]*[-+−]?[\d.,]*\d[ \t]*\n[ \t]*(?:{UNITS})[ \t]*$")
TRIPLE = re.compile(r"(?<![\d.,])(\d[\d,.]*)\s*[–-]\s*\1\s*[–-]\s*\1(?![\d.,])")
NONE = re.compile(r"\bNone\b")
FOOTER = re.compile(r"page \d+ of \d+")


class _Texts(HTMLParser):
    """The texts of table cells, headers and captions, and of headings (h1–h3), of an HTML page."""

    CELLS = {"td", "th", "caption"}
    HEADINGS = {"h1", "h2", "h3"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells, self.headings, self._open = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.CELLS | self.HEADINGS:
            self._open.append((tag, []))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            kind, parts = self._open.pop()
            text = _plain("".join(parts))
            if text:
                (self.headings if kind in self.HEADINGS else self.cells).append(text)

    def handle_data(self, data):
        for _, parts in self._open:
            parts.append(data)


def _plain(text: str) -> str:
    """Whitespace collapsed, non-breaking and thin spaces as spaces, the heading anchor "¶" gone."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").replace("¶", " ").split())


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` (``pdftotext``, reading order)."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.split("\f")[:-1] if out.stdout.endswith("\f") else out.stdout.split("\f")


#: A table cell that is one value: a number with an optional scale and unit, or a date.
VALUE = re.compile(r"[-+−]?[\d.,]*\d(?:\s?[kMBT%])?(?:\s[A-Za-z/·%-]{1,8})?|\d{4}-\d{2}(?:-\d{2})?")


def _tokens(text: str) -> list[str]:
    """The words and numbers of ``text``, hyphens dropped (pdftotext joins a word broken at a
    line-end hyphen: "case-by-" / "case" reads "case-bycase") and punctuation ignored (a line may
    break after a dash: "(0.113 M–" / "0.319 M)")."""
    return re.findall(r"[^\W_]+(?:[.,][^\W_]+)*", text.replace("-", ""))


def _cell_problem(cell: str, whole: str, missing: set[str]) -> str:
    """Why a table cell's text is not on the page as it should be, or "". Clipped: its text is not
    there in one piece (spaces and hyphens ignored) and one of its words is printed fewer times
    than the HTML's cells hold it (pdftotext may interleave the lines of wrapped cells, which
    leaves every word there; a cut table leaves "rathe" for "rather"). A value broken at a hyphen
    across two lines ("2022-10-" / "07", "1.3 M GPU-" / "h") is a defect of its own."""
    solid, cell_solid = re.sub(r"\s+", "", whole), re.sub(r"\s+", "", cell)
    if cell_solid in solid:
        return ""
    if cell_solid.replace("-", "") in solid.replace("-", ""):
        return f"value wrapped at a hyphen: {cell!r}" if VALUE.fullmatch(cell) else ""
    return f"clipped: {cell[:60]!r} is not on any page" if missing & set(_tokens(cell)) else ""


def _body_lines(page: str, title: str) -> list[str]:
    """A page's non-empty lines without its footer (the "page X of Y" line and the title, whole
    or shortened with an ellipsis)."""
    lines = [line.strip() for line in page.splitlines() if line.strip() and not FOOTER.search(line)]
    while lines and (lines[-1] == title or (lines[-1].endswith("…") and title.startswith(lines[-1][:-1].strip()))):
        lines.pop()
    return lines


def stranded_headings(pages: list[str], headings: list[str]) -> list[str]:
    """Headings that are the last line of a page (footer aside) while the page after has text."""
    found, title = [], headings[0] if headings else ""
    for number, page in enumerate(pages[:-1], start=1):
        lines = _body_lines(page, title)
        last = _plain(lines[-1]) if lines else ""
        if last and any(last == h or (len(last) > 8 and h.endswith(last)) for h in headings):
            found.append(f"page {number}: heading {lines[-1]!r} is the page's last line")
    return found


def defects(pdf: Path, html: Path) -> list[str]:
    """Every layout defect of ``pdf`` (printed from ``html``), one line each; empty when clean."""
    texts = _Texts()
    texts.feed(Path(html).read_text(encoding="utf-8"))
    pages = pdf_pages(Path(pdf))
    whole = _plain(" ".join(pages))
    printed, held = Counter(_tokens(whole)), Counter(t for cell in texts.cells for t in _tokens(cell))
    missing = {token for token, count in held.items() if printed[token] < count}
    found = [problem for cell in dict.fromkeys(texts.cells) if (problem := _cell_problem(cell, whole, missing))]
    found += [
        f"split from its unit: {' / '.join(m.group(0).split())!r}" for page in pages for m in SPLIT.finditer(page)
    ]
    found += stranded_headings(pages, texts.headings)
    found += [f"one value as a band: {m.group(0)!r}" for m in TRIPLE.finditer(whole)]
    found += [f"None in the text: {whole[max(m.start() - 30, 0) : m.end() + 10]!r}" for m in NONE.finditer(whole)]
    return found
