"""Bold Chinese, Japanese and Korean text in a report: a bold face in TrueType outlines, inlined
into the page for the characters that need it.

A report prints CJK text in WenQuanYi Micro Hei (the template's stylesheet): a TrueType font, which
Chromium embeds as a CID TrueType font whose text copies in order. WenQuanYi has no bold face, and
a synthesised bold prints as Type 3 glyphs, so CJK text in a bold element (a what-if chip's name in
export_controls' bold lead, ``<strong>华为 昇腾 950 …</strong>``) printed in the regular weight beside
bold Latin text. Noto Sans CJK has a bold face, but its outlines are CFF, which Chromium embeds as
Type 3 glyphs: the PDF's text then reads out of order ("Huawei 910B" and "昇腾 and 华为 Ascend" on
lines of their own, 2026-12-07, Chromium 156).

:func:`with_bold_cjk` takes the CJK characters of the page's bold elements (:data:`BOLD_ELEMENTS`,
the elements the stylesheet prints bold), cuts them out of Noto Sans CJK SC Bold (Debian's
``fonts-noto-cjk``), converts their outlines from cubic (CFF) to quadratic (TrueType) curves and
inlines that font into the page as :data:`FAMILY`, which the template's stylesheet names for bold
elements before WenQuanYi. Chromium then embeds it as a CID TrueType font: bold glyphs whose text
copies in order. A page without bold CJK text is left as it was (no font, the same bytes), and so
is a page where Noto Sans CJK SC Bold is not installed (its bold CJK stays regular, as before).
Noto Sans CJK is under the SIL Open Font License 1.1, which allows a subset to be embedded in a
document; the subset gets a name of its own (:data:`FAMILY`), as the licence asks of a modified font.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
import subprocess

#: The family name of the inlined bold face (the template's stylesheet names it for bold elements).
FAMILY = "compute-parity CJK Bold"
#: The fontconfig pattern of the bold face the subset is cut from (Debian's fonts-noto-cjk).
SOURCE_PATTERN = "Noto Sans CJK SC:bold"
#: Elements the report stylesheet prints bold (lab-used.css: strong, th, dt; b by the browser's
#: own stylesheet). Headings print at weight 500, which DejaVu Sans prints in its regular face: no
#: bold there. Kept in step with the template's rule that names :data:`FAMILY`.
BOLD_ELEMENTS = ("strong", "b", "th", "dt")
#: Characters the text font (DejaVu Sans) lacks and the CJK fonts hold: CJK radicals, symbols and
#: punctuation, kana, ideographs (with extension A and compatibility ideographs), Hangul
#: syllables, full-width forms.
CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_BOLD_TEXT = re.compile(r"<({})\b[^>]*>(.*?)</\1\s*>".format("|".join(BOLD_ELEMENTS)), re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
#: Largest distance, in font units (1,000 a em), between a cubic curve and the quadratic curves
#: that replace it: a thousandth of the type size, below a printed pixel at any size of a report.
MAX_ERR_UNITS = 1.0


def bold_cjk_text(page: str) -> str:
    """The CJK characters (:data:`CJK`) of ``page``'s bold elements (:data:`BOLD_ELEMENTS`),
    markup aside and entities decoded, each once, in code point order."""
    found = set()
    for match in _BOLD_TEXT.finditer(page):
        found |= set(CJK.findall(html.unescape(_TAG.sub("", match.group(2)))))
    return "".join(sorted(found))


def with_bold_cjk(page: str) -> str:
    """``page`` (an HTML document) with a ``@font-face`` for :data:`FAMILY` before ``</head>``: a
    bold TrueType face holding the CJK characters of its bold elements (:func:`bold_cjk_font`);
    ``page`` unchanged when it has none or no bold CJK font is installed."""
    text = bold_cjk_text(page)
    font = bold_cjk_font(text) if text else None
    if font is None or "</head>" not in page:
        return page
    data = base64.b64encode(font).decode("ascii")
    face = (
        f'<style>@font-face {{ font-family: "{FAMILY}"; font-weight: 600 900; '
        f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}</style>\n'
    )
    return page.replace("</head>", face + "</head>", 1)


@functools.lru_cache(maxsize=32)
def bold_cjk_font(text: str) -> bytes | None:
    """A TrueType font (bytes) holding the glyphs of ``text`` in :data:`SOURCE_PATTERN`'s bold face,
    their CFF outlines converted to quadratic curves (:func:`_to_truetype`), named :data:`FAMILY`;
    None when that face is not installed. Cutting the subset reads the 19 MB font: 0.37-0.42 CPU-s
    for 7 characters (imports included)."""
    source = _source_face()
    if source is None:
        return None
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path, index = source
    options = subset.Options()
    options.layout_features = []  # no OpenType features: vertical forms and ligatures are not printed
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = [0, 13, 14]  # copyright, licence and its address; the names are ours (_rename)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    out = io.BytesIO()
    with TTFont(path, fontNumber=index, lazy=True) as font:  # lazy: reads the tables it needs, file kept open
        subsetter.subset(font)
        _to_truetype(font)
        _rename(font)
        font.save(out, reorderTables=True)
    return out.getvalue()


def _source_face() -> tuple[str, int] | None:
    """The file and face index of :data:`SOURCE_PATTERN` (``fc-match``), or None when fontconfig
    is missing or answers with another family (its substitute for a font not installed) or a
    weight below bold (200 on fontconfig's scale)."""
    try:
        found = subprocess.run(
            ["fc-match", "--format=%{family}\n%{weight}\n%{index}\n%{file}", SOURCE_PATTERN],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) != 4 or "Noto Sans CJK SC" not in found[0].split(","):
        return None
    try:
        weight, index = float(found[1]), int(found[2])
    except ValueError:
        return None
    return (found[3], index) if weight >= 200 else None


def _to_truetype(font) -> None:
    """Replace ``font``'s CFF outlines by TrueType ones (``glyf``): each cubic curve by quadratic
    ones within :data:`MAX_ERR_UNITS` (fontTools' cu2qu), contours reversed to TrueType's
    clockwise direction; the tables that describe outlines (``maxp``, ``head``, ``post``) follow."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    glyphs = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=MAX_ERR_UNITS, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs"):
        setattr(maxp, field, 0)
    for field in ("maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: a CID-keyed font has none to keep
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font) -> None:
    """Name ``font`` :data:`FAMILY` (family, style, full and PostScript names), as the SIL Open
    Font License asks of a modified font."""
    names = font["name"]
    postscript = FAMILY.replace(" ", "-")
    for name_id, value in ((1, FAMILY), (2, "Bold"), (3, f"{postscript};subset"), (4, FAMILY), (6, postscript)):
        names.setName(value, name_id, 3, 1, 0x409)
