"""Layout checks of a printed report: what a reader would see as a defect on a PDF page, found by
comparing the PDF's words and lines (``pdftotext -bbox-layout``) with the HTML page it was
printed from.

- **clipped**: a table cell, header or caption of the HTML whose text is not in the PDF (a table
  wider than the page is cut at the edge: "a rathe", "123,456,789");
- **split from its unit**: a line holding only a number, then one holding only its unit
  ("40.0" / "%");
- **value broken at a hyphen**: a line ending in a number and a hyphen, the next starting with
  the rest ("2022-10-" / "07");
- **stranded heading**: a heading as the last line of a page, low on it, its section on the next;
- **near-empty page**: a page, not the last, with no image whose text ends high on it (a line or
  two, a lone heading or caption: what a forced break or a block too tall for the rest of a page
  leaves);
- **one value as a band**: a band printed as three equal values ("66,664 – 66,664 – 66,664");
- **None**: Python's ``None`` in the text.

``render`` does not run these checks (they cost a fraction of a second per report); the
render-tier tests run them over every report they render.
"""

from __future__ import annotations

import html as html_text
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

#: Units a table cell prints after a number (a unit alone on the line after a number is a split).
UNITS = (
    "%|MW|kW|GW|W|MWh|GWh|TWh|kWh|h|days|years|USD|TFLOP/s|PFLOP/s|PFLOP|EFLOP|FLOP|tok/s|tokens/s|"
    "GPU-h|GPU-hours|chips|kg|t|tCO2|GB|TB/s|GB/s"
)
NUMBER_LINE = re.compile(r"[-+−]?[\d.,]*\d")
UNIT_LINE = re.compile(rf"(?:{UNITS})")
TRIPLE = re.compile(r"(?<![\d.,])(\d[\d,.]*)\s*[–-]\s*\1\s*[–-]\s*\1(?![\d.,])")
NONE = re.compile(r"\bNone\b")
FOOTER = re.compile(r"page \d+ of \d+")
#: A heading whose line ends within this distance of the page's foot [pt] (the bottom margin and
#: the footer take about 40) with nothing after it on the page is stranded.
FOOT_PT = 110.0
#: A page (not the last) with no image whose text ends above this share of its height is near-empty
#: (the top margin takes about 0.04; ten lines of body text end near 0.2).
SPARSE_SHARE = 0.2


@dataclass(frozen=True)
class Line:
    """One printed line: its text (words joined by spaces), its block on the page and its bottom."""

    text: str
    block: int
    bottom: float


@dataclass(frozen=True)
class Page:
    height: float
    lines: tuple[Line, ...]


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


def pdf_pages(pdf: Path) -> list[Page]:
    """The pages of ``pdf`` as printed lines (``pdftotext -bbox-layout``: no words joined across
    lines, no hyphen removed)."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    pages = []
    for page in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', out, flags=re.S):
        lines, block = [], 0
        for block, body in enumerate(re.findall(r"<block [^>]*>(.*?)</block>", page[1], flags=re.S)):
            for bottom, words in re.findall(r'<line [^>]*yMax="([\d.]+)">(.*?)</line>', body, flags=re.S):
                text = " ".join(html_text.unescape(w) for w in re.findall(r"<word [^>]*>([^<]*)</word>", words))
                lines.append(Line(_plain(text), block, float(bottom)))
        pages.append(Page(float(page[0]), tuple(lines)))
    return pages


def _tokens(text: str) -> list[str]:
    """The words and numbers of ``text`` (punctuation and hyphens separate them: a line may break
    after a dash or a hyphen, "(0.113 M–" / "0.319 M)", "[$/PFLOP-" / "h]")."""
    return re.findall(r"[^\W_]+(?:[.,][^\W_]+)*", text)


def _cell_problem(cell: str, solid: str, missing: set[str]) -> str:
    """ "clipped: …" when a table cell's text is not on the pages in one piece (spaces ignored) and
    one of its words is printed fewer times than the HTML's cells hold it (pdftotext may
    interleave the lines of wrapped neighbouring cells, which leaves every word there; a cut table
    leaves "rathe" for "rather"); else ""."""
    if re.sub(r"\s+", "", cell) in solid or not missing & set(_tokens(cell)):
        return ""
    return f"clipped: {cell[:60]!r} is not on any page"


def _line_pairs(pages: list[Page]):
    """(this line, next line) of each block of each page."""
    for page in pages:
        for one, two in zip(page.lines, page.lines[1:]):
            if one.block == two.block:
                yield one.text, two.text


def _body(page: Page, title: str) -> list[Line]:
    """A page's lines without its footer (the "page X of Y" line and the title, whole or
    shortened with an ellipsis, wherever they are read: page 1's title goes too)."""

    def footer(text: str) -> bool:
        return (
            bool(FOOTER.search(text)) or text == title or (text.endswith("…") and title.startswith(text[:-1].strip()))
        )

    return [line for line in page.lines if line.text and not footer(line.text)]


def stranded_headings(pages: list[Page], headings: list[str]) -> list[str]:
    """Headings that are the lowest line of a page, ending within :data:`FOOT_PT` of its foot, while
    a page follows (a heading followed by a figure that fits is not the last thing on its page but
    is its last text: the position tells them apart). The lowest line, not the last one read (a
    table's first column is read before its other columns), alone at its height (a table row's
    cells share it), and its block a heading or a heading's end (a tall cell's last word "chip" is
    not the end of a heading "… every chip")."""
    found, title = [], headings[0] if headings else ""
    for number, page in enumerate(pages[:-1], start=1):
        lines = _body(page, title)
        last = max(lines, key=lambda line: line.bottom) if lines else None
        alone = last and sum(abs(line.bottom - last.bottom) < 1.0 for line in lines) == 1
        block = last and " ".join(line.text for line in lines if line.block == last.block)
        if alone and page.height - last.bottom < FOOT_PT and any(last.text == h or h.endswith(block) for h in headings):
            found.append(f"page {number}: heading {last.text!r} is the page's last line")
    return found


def image_pages(pdf: Path) -> set[int]:
    """The numbers of the pages of ``pdf`` that show an image (``pdfimages -list``)."""
    out = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return {int(line.split()[0]) for line in out.splitlines()[2:] if line.split()}


def sparse_pages(pages: list[Page], headings: list[str], with_images: set[int]) -> list[str]:
    """Pages but the last, showing no image, whose text (the footer aside) ends above
    :data:`SPARSE_SHARE` of the page's height: a line or two left alone."""
    found, title = [], headings[0] if headings else ""
    for number, page in enumerate(pages[:-1], start=1):
        lines = _body(page, title)
        if number not in with_images and max((line.bottom for line in lines), default=0.0) < SPARSE_SHARE * page.height:
            shown = " / ".join(line.text for line in lines[:2])
            found.append(f"near-empty page {number}: {shown[:60]!r}")
    return found


def defects(pdf: Path, html: Path) -> list[str]:
    """Every layout defect of ``pdf`` (printed from ``html``), one line each; empty when clean."""
    texts = _Texts()
    texts.feed(Path(html).read_text(encoding="utf-8"))
    pages = pdf_pages(Path(pdf))
    whole = " ".join(line.text for page in pages for line in page.lines)
    solid = re.sub(r"\s+", "", whole)
    printed, held = Counter(_tokens(whole)), Counter(t for cell in texts.cells for t in _tokens(cell))
    missing = {token for token, count in held.items() if printed[token] < count}
    found = [problem for cell in dict.fromkeys(texts.cells) if (problem := _cell_problem(cell, solid, missing))]
    for one, two in _line_pairs(pages):
        if NUMBER_LINE.fullmatch(one) and UNIT_LINE.fullmatch(two):
            found.append(f"split from its unit: '{one} / {two}'")
        elif re.fullmatch(r"\d[\d.,-]*\d-", one) and re.match(r"\d", two):  # a table cell, not prose
            found.append(f"value broken at a hyphen: '{one[-12:]} / {two[:12]}'")
    found += stranded_headings(pages, texts.headings)
    found += sparse_pages(pages, texts.headings, image_pages(Path(pdf)))
    found += [f"one value as a band: {m.group(0)!r}" for m in TRIPLE.finditer(whole)]
    found += [f"None in the text: {whole[max(m.start() - 30, 0) : m.end() + 10]!r}" for m in NONE.finditer(whole)]
    return found
