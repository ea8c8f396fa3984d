"""Issue 22's acceptance property: a batch over every chip as every chip parameter of every report
(the enumeration of tests/test_every_value.py) renders, and no output of it — HTML (the visible
text and alt texts, not the stylesheet or scripts), PDF (its text through pdftotext), notebook
(its outputs; paths and warnings anywhere in the file), JSON, CSV tables — holds a local path, a
Python warning or traceback, ``nan``, ``inf``, the literal ``None`` rendered as a value, or a
number in ``e+``/``e-`` notation; and no CSV cell holds a formatted band ("a – b – c") instead of
numbers.

What counts as a hit, and what does not:

- ``n/a`` is how an unknown value reads; "none" in prose (lower case, or "None of") is a word.
- JSON and CSV numbers are numbers: a float cell written as ``3.8e+25`` by a CSV or JSON writer
  is a value a program reads exactly, not report text; it must be finite. Their *text* values
  (strings, text cells, headers) are held to the rules of report text, and ``null``/an empty
  cell is how they say "unknown".

The fast tier checks the scanner itself on strings with and without each defect; the render tier
renders the batch once (``--jobs 2``, 200 Monte Carlo draws per report: the draws change the
numbers, not which text a report writes) and scans it. Every scenario is rendered to HTML (with its
notebook, JSON and CSV tables); the PDF is printed for the first scenario of each report and chip
parameter (:func:`pdf_sample`, 7 of 133): a PDF is Chromium's print of its report's HTML page, so its
text is the page's visible text, scanned for every scenario, and the page footer (report title,
page numbers, render date, version, commit, data hash), which does not depend on the chip. (With
the whole batch printed, 2026-12-06: the only text of the 133 PDFs that their pages' visible text
lacked was list numbers, the footer and text cut short with an ellipsis.)
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_every_value import CHIP_PARAMETERS, FEW_DRAWS, chip_cases

from analysis.assembly import params

PROJECT = Path(__file__).resolve().parents[1]

#: Marks of a local path or of a Python warning or traceback: none may appear anywhere in an
#: output (a notebook's metadata included).
PRIVATE = sorted(
    {
        str(PROJECT),
        "/root/",
        os.path.expanduser("~") + "/",
        "/tmp/",
        sys.prefix,
        "site-packages",
        "Traceback",
        "Warning:",
        "warnings.warn",
        'File "',
    }
)

#: What report text may not hold, by name.
PATTERNS = {
    "nan": re.compile(r"(?i)(?<![\w/])nan(?![\w/])"),
    "inf": re.compile(r"(?i)(?<![\w/])inf(?![\w/])"),
    "None": re.compile(r"\bNone\b(?! of\b)"),
    # a number as a program writes it in e notation: digits, an optional fraction, e and a SIGNED
    # exponent (Python, numpy, pandas and JavaScript always write the sign: 1e+07, 3.8e+25,
    # 1e-05); a hex hash of digits and one e (a commit or data hash in the footer: 1234e5678901)
    # has no sign, and one standing in a longer word is no number at all
    "e-notation": re.compile(r"(?<![\w.])\d+(\.\d*)?[eE][+-]\d+(?!\w)"),
}
#: A formatted band in a CSV cell: two or more numbers joined by en dashes ("66,664 – 66,664").
BAND = re.compile(r"\d\s*[–—]\s*[$−-]?\d")


def text_hits(text: str) -> list[str]:
    """The defects of a piece of report text: private marks and :data:`PATTERNS`, each with the
    words around it."""
    hits = [f"{mark!r}" for mark in PRIVATE if mark in text]
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            around = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            hits.append(f"{name}: …{around}…")
    return hits


class _Visible(HTMLParser):
    """The text a reader sees on a page (and the alt texts of its images), without the
    stylesheets, scripts and attributes (class names) of the page's markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._hidden += 1
        elif tag == "img":
            self.parts.extend(value for name, value in attrs if name == "alt" and value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def value_hits(node, where: str = "") -> list[str]:
    """Defects of a JSON document: text held to :func:`text_hits`, numbers finite."""
    if isinstance(node, dict):
        return [h for k, v in node.items() for h in text_hits(str(k)) + value_hits(v, f"{where}.{k}")]
    if isinstance(node, list):
        return [h for i, v in enumerate(node) for h in value_hits(v, f"{where}[{i}]")]
    if isinstance(node, float) and not math.isfinite(node):
        return [f"{where}: {node}"]
    if isinstance(node, str):
        return [f"{where}: {h}" for h in text_hits(node)]
    return []


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def csv_hits(text: str) -> list[str]:
    """Defects of a CSV table: a number cell must be finite; a text cell (its spreadsheet-guard
    quote removed) is report text and holds no band ("a – b – c") where numbers belong."""
    hits = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        for cell in row:
            number = _number(cell)
            if number is not None:
                if not math.isfinite(number):
                    hits.append(f"line {line}: {cell}")
                continue
            cell = cell.removeprefix("'")
            hits += [f"line {line}: {h}" for h in text_hits(cell)]
            if BAND.search(cell):
                hits.append(f"line {line}: band as text: {cell}")
    return hits


def notebook_hits(text: str) -> list[str]:
    """Defects of an executed notebook: private marks anywhere in the file; the other patterns
    in what its cells showed (not in its code, where ``None`` is Python)."""
    hits = [f"{mark!r}" for mark in PRIVATE if mark in text]
    book = json.loads(text)
    for cell in book.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                hits += text_hits("".join(output.get("text", "")))
            elif output.get("output_type") == "error":
                hits.append(f"error: {output.get('ename')}: {output.get('evalue')}")
            for mime, data in output.get("data", {}).items():
                body = "".join(data) if isinstance(data, list) else data
                if mime == "text/html":
                    hits += text_hits(visible_text(body))
                elif mime in ("text/plain", "text/markdown"):
                    hits += text_hits(body)
                elif mime.endswith("json"):
                    hits += value_hits(body)
    return [h for h in dict.fromkeys(hits)]


def output_hits(path: Path) -> list[str]:
    """Defects of one output file of a report (unknown kinds: none)."""
    if path.suffix == ".html":
        text = path.read_text(encoding="utf-8")
        return [f"{m!r}" for m in PRIVATE if m in text] + text_hits(visible_text(text))
    if path.suffix == ".pdf":
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        return text_hits(text)
    if path.suffix == ".ipynb":
        return notebook_hits(path.read_text(encoding="utf-8"))
    if path.suffix == ".json":
        text = path.read_text(encoding="utf-8")
        return [f"{m!r}" for m in PRIVATE if m in text] + value_hits(json.loads(text))
    if path.suffix == ".csv":
        return csv_hits(path.read_text(encoding="utf-8-sig"))
    return []


# ------------------------------------------------------------------------------ the scanner itself


@pytest.mark.parametrize(
    "text",
    [
        "Energy: nan MWh",
        "Emissions NaN t",
        "a ratio of inf",
        "−inf %",
        "break-even: None",
        "FLOP: 3.8e+25",
        "5.576e+06 GPU-hours",
        "1e-05 per hour",
        "/work/x/.venv/lib/python3.11/site-packages/seaborn/matrix.py:202: RuntimeWarning: All-NaN slice",
        'File "/tmp/ipykernel_1/123.py", line 4',
    ],
)
def test_scanner_finds_each_defect(text):
    assert text_hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "Energy: n/a (no sourced TDP)",
        "none of the chips; None of the candidates",
        "InfiniBand and Infinity Fabric; finance; nano",
        "3.3 × 10²⁴ FLOP; $16.5 B; 2,048 chips; H100 SXM5; 1e6abc",
        "TPU v5p; 910C; FP8",
    ],
)
def test_scanner_passes_clean_text(text):
    assert text_hits(text) == []


@pytest.mark.parametrize("digest", ["1234e5678901", "0e1234567890", "98765432e100"])
def test_a_footer_hash_of_digits_and_one_e_is_no_e_notation_but_a_number_is(digest):
    """A commit or data hash is 12 hex digits; one of digits and a single e reads like a number
    in e notation without a sign, which no program writes (the footer's text, through pdftotext)."""
    footer = f"page 3 of 9 · 2026-12-07 · compute-parity 0.3.0 · commit {digest} modified · data {digest}"
    assert text_hits(footer) == []
    assert text_hits(footer + " · 1.2e+05 GPU-hours")
    assert text_hits("1.2e+05") and text_hits("FLOP 1.2e+05.") and text_hits("(1e-05)")


def test_html_scan_reads_the_visible_text_not_the_stylesheet_or_class_names():
    page = (
        "<html><head><style>.jp-nan-inf { width: 1e+3px }</style><script>var None = 1e+5;</script></head>"
        '<body class="None inf"><p>TCO $16.5 B</p>'
        '<img alt="TCO by chip" src="data:image/png;base64,AAAA"></body></html>'
    )
    assert text_hits(visible_text(page)) == []
    assert text_hits(visible_text(page.replace("$16.5 B", "nan MWh")))
    assert text_hits(visible_text(page.replace("TCO by chip", "5.576e+06")))


def test_csv_scan_keeps_numbers_as_numbers_and_refuses_text_values():
    assert csv_hits(",tco_usd\nH100,3.8e+25\nH20,\n") == []  # a number (e-notation of a writer), an unknown
    assert csv_hits(",tco_usd\nH100,nan\n")
    assert csv_hits(",tco_usd\nH100,inf\n")
    assert csv_hits(",tco_usd\nH100,None\n")
    assert csv_hits(',band\nH100,"66,664 – 66,664 – 66,664"\n')
    assert csv_hits(",note\nH100,'=1+1\n") == []  # the guard quote is not report text


def test_json_scan_refuses_non_finite_numbers_and_bad_text():
    assert value_hits({"a": 1.5e30, "b": None, "c": "n/a"}) == []
    assert value_hits(json.loads('{"a": NaN}'))
    assert value_hits({"a": ["4.1e+06 h"]})


def test_notebook_scan_reads_outputs_not_code():
    book = {
        "cells": [
            {"cell_type": "code", "source": "chip = None\nx = 1e+5", "outputs": []},
            {"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "text": ["ok\n"]}]},
        ]
    }
    assert notebook_hits(json.dumps(book)) == []
    book["cells"][1]["outputs"][0]["text"] = ["nan MWh\n"]
    assert notebook_hits(json.dumps(book))
    book["cells"][1]["outputs"] = [{"output_type": "display_data", "data": {"text/html": "<b>3.8e+25</b>"}}]
    assert notebook_hits(json.dumps(book))


# ------------------------------------------------------------------------------ the property batch


def scenarios():
    """A scenario per case of :func:`chip_cases` that the pre-kernel check accepts (a refused
    one is test_every_value's business), with few draws; and the refused ones."""
    from analysis.pipeline.scenarios import Scenario

    accepted, refused = [], []
    for n, (report, values) in enumerate(chip_cases()):
        values = values | {"draws": FEW_DRAWS}
        try:
            params.validate(report, **values)
        except params.ParameterError as err:
            refused.append((report, values, str(err)))
            continue
        accepted.append(Scenario(f"{n:03d}-{report.replace('_', '-')}", report, values))
    return accepted, refused


def pdf_sample(accepted) -> list:
    """The scenarios of ``accepted`` printed to PDF as well: the first of each report and chip
    parameter (the PDF's own text, its footer, is the same for every chip of a report)."""
    first = {}
    for scenario in accepted:
        chip_parameter = next(name for name in scenario.parameters if name in CHIP_PARAMETERS[scenario.notebook])
        first.setdefault((scenario.notebook, chip_parameter), scenario)
    return list(first.values())


def test_the_pdf_sample_has_every_report_and_chip_parameter_once():
    accepted, _ = scenarios()
    sample = pdf_sample(accepted)
    # training_run chip; chip_parity and energy_advantage reference_chip and candidates; inference_cost
    # and procurement chips: 1 + 2 + 2 + 1 + 1 = 7 report and chip parameter pairs
    assert len(sample) == 7
    assert {s.notebook for s in sample} == set(CHIP_PARAMETERS)
    assert {name for s in sample for name in s.parameters} >= {n for names in CHIP_PARAMETERS.values() for n in names}


@pytest.fixture(scope="module")
def property_batch(tmp_path_factory):
    """Every accepted scenario rendered (HTML, JSON, notebook, CSV; and the PDF for
    :func:`pdf_sample`): the batch's folder and its outcomes in scenario order."""
    from analysis.pipeline.scenarios import render_batch

    out = tmp_path_factory.mktemp("every-chip")
    accepted, _ = scenarios()
    printed = pdf_sample(accepted)
    outcomes = render_batch([s for s in accepted if s not in printed], out, jobs=2, formats=("html",), log=sys.stdout)
    outcomes += render_batch(printed, out, jobs=2, formats=("html", "pdf"), log=sys.stdout)
    return out, sorted(outcomes, key=lambda o: o.scenario.name)


@pytest.mark.render
def test_every_chip_as_every_chip_parameter_renders(property_batch):
    out, outcomes = property_batch
    assert len(outcomes) >= 100
    assert [f"{o.scenario.name} {o.scenario.parameters}: {o.message}" for o in outcomes if not o.ok] == []
    accepted, _ = scenarios()
    assert [o.scenario.name for o in outcomes] == [s.name for s in accepted]
    # the HTML page of every scenario, its PDF for the sample
    assert sorted(p.parent.name for p in out.glob("*/*.html")) == [s.name for s in accepted]
    assert sorted(p.parent.name for p in out.glob("*/*.pdf")) == sorted(s.name for s in pdf_sample(accepted))


@pytest.mark.render
def test_no_output_of_the_batch_holds_a_path_warning_nan_inf_none_or_e_notation(property_batch):
    out, outcomes = property_batch
    found = {}
    for outcome in outcomes:
        folder = out / outcome.scenario.name
        for path in sorted(folder.rglob("*")):
            hits = output_hits(path)
            if hits:
                found[f"{path.relative_to(out)} {outcome.scenario.parameters}"] = hits[:5]
    assert found == {}


def test_a_band_reads_as_text_and_its_csv_copy_holds_its_numbers():
    """present.Band: the table shows "98 (91–108)"; the CSV has one number column per part (its
    header, then the part's suffix), an n/a cell leaves them empty, an empty suffix drops a part."""
    import pandas as pd

    from analysis.assembly import present
    from analysis.assembly.present.output import csv_frame, csv_text

    frame = pd.DataFrame(
        {
            "TCO [$ M]": [present.Band("98 (91–108)", 91.2, 98.4, 108.0), present.NA],
            "chips": [present.Band("10–12", 10.0, None, 12.0, ("_p10", "", "_p90")), present.NA],
        },
        index=["a", "b"],
    )
    assert f"{frame.iloc[0, 0]}" == "98 (91–108)" and str(frame.iloc[0, 1]) == "10–12"
    text = csv_text(csv_frame(frame, ["tco_usd_m", "chips"]))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["", "tco_usd_m_p10", "tco_usd_m_p50", "tco_usd_m_p90", "chips_p10", "chips_p90"]
    assert rows[1] == ["a", "91.2", "98.4", "108.0", "10.0", "12.0"]
    assert rows[2] == ["b", "", "", "", "", ""]
    assert csv_hits(text) == []
