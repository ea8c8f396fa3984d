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
- **heading cell ending a page**: a notebook's Markdown cell holding a heading (with or without a
  lead-in paragraph) whose text ends a page while what follows it (the next cell's table, text or
  figure) starts on the next: Chromium does not keep two cells together (``break-after: avoid``);
- **near-empty page**: a page, not the last, with no image whose text ends high on it (a line or
  two, a lone heading or caption: what a forced break or a block too tall for the rest of a page
  leaves);
- **one value as a band**: a band printed as three equal values ("66,664 – 66,664 – 66,664");
- **None**: Python's ``None`` in the text;
- **small figure text**: a figure whose smallest text prints below 9 pt (its size in the figure,
  which the page's ``<img>`` gives, times the scale the PDF prints the figure at).

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
#: A Markdown cell with a heading printed on at most this many lines that ends a page is a heading
#: with its lead-in left at the page's foot (a longer cell is a section of its own).
LEAD_IN_LINES = 10


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
    cells share it), and its block a whole heading (a tall cell's last word "chip" is not the end of a
    heading "… every chip", nor is a wrapped cell "Huawei Ascend 910C" the end of the title "… on 2,048 ×
    Huawei Ascend 910C")."""
    found, title = [], headings[0] if headings else ""
    for number, page in enumerate(pages[:-1], start=1):
        lines = _body(page, title)
        last = max(lines, key=lambda line: line.bottom) if lines else None
        alone = last and sum(abs(line.bottom - last.bottom) < 1.0 for line in lines) == 1
        block = last and " ".join(line.text for line in lines if line.block == last.block)
        if alone and page.height - last.bottom < FOOT_PT and any(last.text == h or block == h for h in headings):
            found.append(f"page {number}: heading {last.text!r} is the page's last line")
    return found


@dataclass(frozen=True)
class Cell:
    """One cell of a report page: whether it is a Markdown cell holding a heading (h1–h3), its
    printed text without spaces, how many figures (``<img>``) it shows, whether it starts with one
    and whether it starts with a heading (a section of its own)."""

    heading: bool
    solid: str
    images: int
    image_first: bool
    opens: bool = False


class _Text(HTMLParser):
    """The text of an HTML fragment as printed (a heading's hidden anchor "¶" left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.first, self._hidden = [], None, 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag == "a" and "anchor-link" in (dict(attrs).get("class") or "")
        if self.first is None and (tag == "img" or tag in {"p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "pre"}):
            self.first = tag

    def handle_endtag(self, tag):
        self._hidden -= tag == "a" and self._hidden > 0

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def report_cells(page: str) -> list[Cell]:
    """The cells of a report's HTML ``page`` in order (nbconvert's ``jp-Cell`` divisions)."""
    cells = []
    for chunk in re.split(r'<div id="cell-id=[^"]*" class="jp-Cell ', page)[1:]:
        text = _Text()
        text.feed(chunk.split(">", 1)[1].split('<section class="citation', 1)[0])
        markdown = chunk.startswith("jp-MarkdownCell")
        heading = markdown and bool(re.search(r"<h[123][ >]", chunk))
        solid = re.sub(r"\s+", "", _plain("".join(text.parts)))
        cells.append(Cell(heading, solid, chunk.count("<img "), text.first == "img", text.first in {"h1", "h2", "h3"}))
    return cells


def heading_cells_ending_pages(
    pages: list[Page], cells: list[Cell], drawn: list[tuple[int, float]], title: str = ""
) -> list[str]:
    """Markdown cells holding a heading, printed on one page in at most :data:`LEAD_IN_LINES` lines
    (a heading and a short lead-in, not a section of its own), that end the page while the next
    cell — not a section of its own, which may start a page — has its first text or figure
    (``drawn``: :func:`printed_images`) on a later page. The cells' text is found in the pages' text
    (the footer, with the report's ``title``, aside) in order, spaces ignored (a cell not found is
    skipped)."""
    stream, where = [], []
    for number, page in enumerate(pages, start=1):
        for line in _body(page, title):
            solid = re.sub(r"\s+", "", line.text)
            stream.append(solid)
            where += [(number, len(stream))] * len(solid)
    stream, found, position, image = "".join(stream), [], 0, 0
    for index, cell in enumerate(cells):
        at = stream.find(cell.solid, position) if cell.heading and cell.solid else -1
        if at >= 0:
            end = at + len(cell.solid)
            following = cells[index + 1] if index + 1 < len(cells) else None
            if following is not None and following.opens:
                later = None
            elif following is not None and following.image_first and image + cell.images < len(drawn):
                later = drawn[image + cell.images][0]
            else:
                later = where[end][0] if end < len(where) else None
            (start, first), (page, last) = where[at], where[end - 1]
            if later is not None and later > page == start and last - first < LEAD_IN_LINES:
                found.append(f"page {page}: heading cell {cell.solid[:40]!r} ends the page, what follows it the next")
            position = end
        image += cell.images
    return found


def printed_images(pdf: Path) -> list[tuple[int, float]]:
    """The images ``pdf`` draws, in the order it draws them (``pdfimages -list``; an image's alpha
    channel, an "smask", is not one): (page number, horizontal pixels per printed inch)."""
    out = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    return [(int(row[0]), float(row[12])) for row in rows if len(row) > 12 and row[2] == "image"]


#: How Chromium's PDF of a report page starts: the page's scale (PDF points per drawing unit, y
#: downwards), a move to the content box's corner (inside the @page margins) in CSS pixels, and the
#: page's background over the content box (its width and height in CSS pixels).
CONTENT_BOX = re.compile(
    rb"([\d.]+) 0 0 -[\d.]+ 0 [\d.]+ cm\s+q\s+([\d.]+) 0 0 [\d.]+ ([\d.]+) ([\d.]+) cm\s+"
    rb"(?:[^\n]*\n){0,4}?0 0 ([\d.]+) ([\d.]+) re\s+f"
)


def page_margins(pdf: Path) -> list[tuple[float, float, float, float]]:
    """The margins [pt] around the content box of each page of ``pdf`` (a report as Chromium
    prints it): (top, right, bottom, left), from the page's MediaBox and where its drawing starts
    (:data:`CONTENT_BOX`)."""
    import zlib

    data = Path(pdf).read_bytes()
    width, height = (float(v) for v in re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data).groups())
    margins = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\nendstream", data, flags=re.S):
        try:  # a stream's last byte may be a CR, which the end-of-line before "endstream" is not
            content = zlib.decompressobj().decompress(stream.group(1))  # ignores an end-of-line after the data
        except zlib.error:
            continue  # not deflated: not a page's drawing
        box = CONTENT_BOX.match(content)
        if box:
            scale, px, x, y, w, h = (float(v) for v in box.groups())
            left, top = x * scale, y * scale
            margins.append((top, width - left - w * px * scale, height - top - h * px * scale, left))
    return margins


class _Figures(HTMLParser):
    """Each ``<img>`` of an HTML page, in order: its smallest text [pt, at the figure's own size]
    and its pixels per figure inch, as :func:`analysis.assembly.present.show` writes them
    (``data-text-pt``, ``data-dpi``), or None where it does not say."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            given = dict(attrs)
            known = "data-text-pt" in given and "data-dpi" in given
            self.figures.append((float(given["data-text-pt"]), float(given["data-dpi"])) if known else None)


def small_figure_text(printed: list[tuple[int, float]], figures: list) -> list[str]:
    """Figures whose smallest text prints below :data:`~analysis.assembly.present.figures.MIN_PRINTED_PT`:
    a text of ``s`` points in a figure of ``dpi`` pixels per inch that prints at ``ppi`` pixels
    per inch prints at ``s × dpi / ppi`` points (``printed``: :func:`printed_images`; ``figures``:
    each ``<img>``'s (smallest text, dpi), in the page's order)."""
    from analysis.assembly.present.figures import MIN_PRINTED_PT

    if len(printed) != len(figures):
        return [f"figures: {len(figures)} in the page, {len(printed)} printed"]
    found = []
    for number, ((page, ppi), figure) in enumerate(zip(printed, figures), start=1):
        size = figure and figure[0] * figure[1] / ppi
        if size and round(size, 1) < MIN_PRINTED_PT:
            found.append(f"small figure text: figure {number} (page {page}) prints text at {size:.1f} pt")
    return found


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
    page = Path(html).read_text(encoding="utf-8")
    texts, images = _Texts(), _Figures()
    texts.feed(page)
    images.feed(page)
    pages, drawn = pdf_pages(Path(pdf)), printed_images(Path(pdf))
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
    found += heading_cells_ending_pages(pages, report_cells(page), drawn, texts.headings[0] if texts.headings else "")
    found += sparse_pages(pages, texts.headings, {number for number, _ in drawn})
    found += small_figure_text(drawn, images.figures)
    found += [f"one value as a band: {m.group(0)!r}" for m in TRIPLE.finditer(whole)]
    found += [f"None in the text: {whole[max(m.start() - 30, 0) : m.end() + 10]!r}" for m in NONE.finditer(whole)]
    return found
