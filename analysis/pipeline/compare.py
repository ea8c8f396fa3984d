"""Two rendered reports of one notebook side by side: their parameters and inputs (differences
marked), every key figure of both with the difference and the ratio of their medians, and the
figures of both, as one HTML page and its PDF (``python -m analysis compare A B``; a scenario
file's ``compare: [[a, b], ...]`` pairs).

A report is read from its folder's ``NOTEBOOK.json`` (``parameters``, ``inputs``, key figures,
``provenance``) and ``NOTEBOOK.ipynb`` (its figures). A key figure ``x`` with siblings ``x_p10``
and ``x_p90`` (at any depth: ``tco_usd_p10`` → {chip: {region: …}}) is one row with its band.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..assembly.params import ParameterError
from ..assembly.present.numbers import count, sci
from . import identity
from .export import NOT_FIGURES, banded, flatten, path_unit

#: The files of a comparison folder.
FILES = ("compare.html", "compare.pdf", "compare.json")


class CompareError(ParameterError):
    """Two reports cannot be compared (bad input, exit status 2); the one-line message says why."""


@dataclass(frozen=True)
class Report:
    """A rendered report: its folder's name, its notebook, its JSON and its figures (PNG, alt)."""

    name: str
    notebook: str
    data: dict
    figures: list = field(default_factory=list)


def read_report(path: Path | str) -> Report:
    """The rendered report in folder ``path`` (or the folder of report file ``path``), or a
    CompareError naming what is missing: a report folder holds ``NOTEBOOK.json`` written by
    ``python -m analysis render`` (its ``report`` is its file name)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CompareError(f"{path}: no such report folder or file")
    folder = path if path.is_dir() else path.parent
    names = [path.name.split(".")[0]] if path.is_file() else sorted(p.stem for p in folder.glob("*.json"))
    found = [r for r in (_report_json(folder, n) for n in names) if r is not None]
    if len(found) != 1:
        what = "no report" if not found else f"{len(found)} reports"
        raise CompareError(
            f"{path}: {what} rendered there (a report folder holds one NOTEBOOK.json written by "
            "`python -m analysis render`)"
        )
    notebook, data = found[0]
    return Report(folder.resolve().name, notebook, data, _figures(folder / f"{notebook}.ipynb"))


def _report_json(folder: Path, notebook: str) -> tuple[str, dict] | None:
    """``(notebook, JSON)`` if ``folder/NOTEBOOK.json`` is a rendered report's, else None."""
    try:
        data = json.loads((folder / f"{notebook}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("report") != notebook:
        return None
    return notebook, data | {k: data[k] if isinstance(data.get(k), dict) else {} for k in ("parameters", "inputs")}


def _figures(ipynb: Path) -> list[tuple[str, str, float | None, float | None]]:
    """The PNG figures an executed notebook showed, in order: (base64 PNG, alt text, smallest text
    [pt, at the figure's own size], pixels per figure inch), the last two None where the output
    does not say (:func:`analysis.assembly.present.show` writes them in the PNG's metadata)."""
    try:
        cells = json.loads(ipynb.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, RecursionError, UnicodeError, AttributeError):
        return []
    found = []
    for cell in cells:
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            png = output.get("data", {}).get("image/png")
            if png:
                meta = output.get("metadata", {}).get("image/png", {})
                size, dpi = (float(v) if _number(v := meta.get(k)) else None for k in ("text_pt", "dpi"))
                text = "".join(png) if isinstance(png, list) else str(png)
                found.append((text, str(meta.get("alt", "")), size, dpi))
    return found


def pair_problem(a: Report, b: Report) -> str:
    """Why ``a`` and ``b`` cannot be compared (reports of different notebooks), or ''."""
    if a.notebook != b.notebook:
        return (
            f"{a.name} is a {a.notebook} report and {b.name} a {b.notebook} report; "
            "only two reports of one notebook compare"
        )
    return ""


# ---------------------------------------------------------------- differences


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def difference(a, b) -> tuple[float | None, float | None]:
    """``(b − a, b / a)`` of two numbers; None where either is not a number (or a is 0 for the ratio)."""
    if not (_number(a) and _number(b)):
        return None, None
    return b - a, (b / a if a != 0 else None)


def same(a, b) -> bool:
    """Whether two values read the same: equal text, or numbers within a relative 1e-9."""
    if _number(a) and _number(b):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def figure_rows(a: dict, b: dict) -> list[dict]:
    """Every key figure of two reports' JSON, headline figures first, in A's order then B's
    extras: section (its top-level key, '' for a headline figure), label, unit (the one its path
    states, :func:`.export.path_unit`), each side's P10/P50/P90, difference and ratio of the P50s,
    and whether any of them differs."""
    fig_a, fig_b = (banded(flatten({k: v for k, v in d.items() if k not in NOT_FIGURES})) for d in (a, b))
    rows = []
    paths = [*fig_a, *(p for p in fig_b if p not in fig_a)]
    for path in sorted(paths, key=lambda p: len(p) > 1):  # headline figures (top-level) first
        left, right = fig_a.get(path, {}), fig_b.get(path, {})
        diff, ratio = difference(left.get("p50"), right.get("p50"))
        differs = any(not same(left.get(q), right.get(q)) for q in ("p10", "p50", "p90"))
        section = path[0] if len(path) > 1 else ""
        label = " › ".join(path[1:] if section else path)
        unit = path_unit(path)
        row = dict(section=section, label=label, unit=unit, a=left, b=right, diff=diff, ratio=ratio)
        rows.append(row | {"differs": differs})
    return rows


def parameter_rows(a: dict, b: dict) -> list[dict]:
    """Each parameter of either report (as given): name, A's value, B's value, whether they differ."""
    names = [*a, *(k for k in b if k not in a)]
    return [dict(name=n, a=a.get(n), b=b.get(n), differs=not same(a.get(n), b.get(n))) for n in names]


def input_rows(a: dict, b: dict) -> list[dict]:
    """The inputs as used that differ between two reports: name, unit, each side's value and source."""

    def records(block, path=()):
        if isinstance(block, dict) and "value" in block and "unit" in block:
            return {" › ".join(path): block}
        items = block.items() if isinstance(block, dict) else []
        return {k: v for key, item in items for k, v in records(item, (*path, str(key))).items()}

    left, right = records(a), records(b)
    rows = []
    for name in [*left, *(k for k in right if k not in left)]:
        ra, rb = left.get(name, {}), right.get(name, {})
        if not same(ra.get("value"), rb.get("value")) or ra.get("source") != rb.get("source"):
            rows.append(dict(name=name, unit=ra.get("unit") or rb.get("unit") or "", a=ra, b=rb))
    return rows


#: An open end of the JSON (:data:`~analysis.assembly.present.OPEN_ENDS`) as the comparison shows it.
OPEN_SHOWN = {"inf": "∞", "-inf": "−∞"}


def shown(value) -> str:
    """A value as the comparison prints it: numbers to 3 significant figures (``2.78 M``,
    ``3.29 × 10²⁴``), an open end (the JSON's ``"inf"``) as ∞, lists comma-separated, nothing as '–'."""
    if value is None or value == ():
        return "–"
    if isinstance(value, str) and value in OPEN_SHOWN:
        return OPEN_SHOWN[value]
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    text = sci(value, digits=3) if abs(value) >= 1e12 or 0 < abs(value) < 1e-4 else count(value)
    return text.replace(" ", "\u00a0")  # a number never wraps away from its "M" or "× 10²⁴"


def band(side: dict) -> str:
    """One side of a figure row: 'P50 (P10–P90)', or the P50 alone where it has no band."""
    if side.get("p10") is None and side.get("p90") is None:
        return shown(side.get("p50"))
    # word joiners: the band breaks from its P50, never at its dash
    return f"{shown(side.get('p50'))} ({shown(side.get('p10'))}\u2060–\u2060{shown(side.get('p90'))})"


def signed(diff) -> str:
    """A difference with its sign ('+1.2 M', '−3.4', '0')."""
    return "" if diff is None else ("+" if diff > 0 else "") + shown(diff)


def ratio(value) -> str:
    """A ratio B / A to 3 significant figures, trailing zeros kept ('3.25×', '1.00×': a ratio of
    1.004 does not read as equal); beyond 0.001–1,000 as :func:`shown` writes numbers."""
    if value is None:
        return ""
    return f"{value:#.3g}×" if 1e-3 <= abs(value) < 1e3 else f"{shown(value)}×"


def comparison(a: Report, b: Report, prov: dict | None = None) -> dict:
    """Everything the comparison shows, as JSON: both reports' identity, the parameter, input
    and figure rows (see :func:`figure_rows`), and this comparison's provenance."""
    prov = prov or identity.provenance()

    def side(r: Report) -> dict:
        scenario = r.data.get("scenario") if isinstance(r.data.get("scenario"), dict) else None
        title_ = str(r.data.get("title") or r.name)
        return {"name": r.name, "title": title_, "scenario": scenario, "provenance": r.data.get("provenance")}

    return {
        "comparison": {"notebook": a.notebook, "a": side(a), "b": side(b)},
        "parameters": parameter_rows(a.data["parameters"], b.data["parameters"]),
        "inputs": input_rows(a.data["inputs"], b.data["inputs"]),
        "figures": figure_rows(a.data, b.data),
        "provenance": prov,
    }


# ---------------------------------------------------------------- the page and its files


def title(data: dict) -> str:
    """The comparison's title, from the two reports' folder names: 'Comparison: a vs b (notebook)'."""
    c = data["comparison"]
    return f"Comparison: {c['a']['name']} vs {c['b']['name']} ({c['notebook']})"


def page(data: dict, a: Report, b: Report) -> str:
    """The comparison's HTML page (Jinja2 template ``templates/compare.html.j2``; all text
    escaped; figures inline, so it opens offline; no script may run)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from .export import TEMPLATE_DIR

    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html", "j2"]))
    env.filters.update(shown=shown, band=band, signed=signed, ratio=ratio)
    sections: dict[str, list] = {}
    for row in data["figures"]:
        sections.setdefault(row["section"], []).append(row)
    count_a, count_b = len(a.figures), len(b.figures)
    pairs = [
        (a.figures[i] if i < count_a else None, b.figures[i] if i < count_b else None)
        for i in range(max(count_a, count_b))
    ]
    return env.get_template("compare.html.j2").render(
        title=title(data),
        data=data,
        sections=sections,
        figure_pairs=pairs,
        differing=_differing(data),
        cite=identity.citation(title(data), data["provenance"]),
    )


def _differing(data: dict) -> dict:
    """Counts for the page's first lines: parameters and figures that differ, of how many, and
    whether the two reports were made from different data or versions."""
    a, b = ((data["comparison"][s].get("provenance") or {}) for s in ("a", "b"))
    return {
        "parameters": [r["name"] for r in data["parameters"] if r["differs"]],
        "figures": sum(r["differs"] for r in data["figures"]),
        "data": a.get("data_hash") != b.get("data_hash"),
        "version": a.get("version") != b.get("version"),
    }


def folder_name(a: str, b: str) -> str:
    """The folder of the comparison of reports (folders) named ``a`` and ``b``: ``compare-a-vs-b``,
    each name made a plain file name and cut to 100 characters."""

    def plain(name: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:100] or "report"

    return f"compare-{plain(a)}-vs-{plain(b)}"


def check_out(out: Path | str) -> Path:
    """``out`` resolved, or a CompareError if it lies in the repository's sources or holds
    anything but a comparison's files (:data:`FILES`): the folder is replaced whole."""
    from .render import outside_sources
    from .workspace import work_folder_names

    out = outside_sources(out)
    if out.is_dir():
        work = work_folder_names(out)
        others = sorted(p.name for p in out.iterdir() if p.name not in FILES and not work.fullmatch(p.name))
        if others:
            raise CompareError(
                f"--out {out} holds files that are not a comparison's ({', '.join(others[:3])}); "
                "it is replaced whole, so give a new or empty folder"
            )
    return out


def write(a: Report, b: Report, out: Path, formats=("html", "pdf"), browser=None) -> dict[str, Path]:
    """Write the comparison of ``a`` and ``b`` into folder ``out`` (checked by :func:`check_out`):
    ``compare.json`` and, per ``formats``, ``compare.html`` and ``compare.pdf`` (printed by
    ``browser``, else by a Chromium started for it). The files are made in a locked hidden folder
    beside ``out`` and swapped in as one set, so a failure leaves the last comparison (or nothing)
    there, never a mix. Returns the written paths by suffix; a failed print raises PdfError."""
    from .pdf import Browser
    from .workspace import Workspace, remove_stale, swap_in

    problem = pair_problem(a, b)
    if problem:
        raise CompareError(problem)
    with Workspace(out.parent, f".{out.name}.") as work:
        if out.is_dir():
            remove_stale(out, f".{out.name}.")
        new = work.path / "compare"
        new.mkdir()
        data = comparison(a, b)
        files = {"json": new / "compare.json"}
        files["json"].write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
        if "html" in formats or "pdf" in formats:
            files["html"] = new / "compare.html"
            files["html"].write_text(page(data, a, b), encoding="utf-8")
        if "pdf" in formats:
            files["pdf"] = new / "compare.pdf"
            printer = browser or Browser(work.path)
            try:
                printer.print_pdf(
                    files["html"], files["pdf"], identity.footer_template(title(data), data["provenance"])
                )
            finally:
                if browser is None:
                    printer.close()
        if "html" not in formats and "html" in files:
            files.pop("html").unlink()
        swap_in(new, out)
    return {suffix: out / path.name for suffix, path in files.items()}
