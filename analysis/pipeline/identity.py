"""A report's identity and provenance: its title (the first ``# `` heading it displays) and
what it was made from — package version, commit, data hash and render time — for the HTML
``<title>``, the PDF's metadata, outline and page footer, the JSON's ``provenance`` and the
citation block at the end of every report (:func:`citation`, from ``CITATION.cff``)."""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
from datetime import UTC, datetime
from functools import lru_cache

import yaml

from .. import __version__
from ..catalog import DATA_DIR, PROJECT_DIR

HEADING = re.compile(r"^# +(.+?)\s*#*\s*$", re.M)


def _markdown_texts(notebook):
    """The Markdown a notebook shows, in order: Markdown cells and text/markdown outputs (of a
    NotebookNode, or of a notebook file's plain JSON, whose texts may be lists of lines)."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            yield _joined(cell["source"])
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text:
                yield _joined(text)


def _joined(text) -> str:
    """A notebook text, given as one string or as a list of lines."""
    return text if isinstance(text, str) else "".join(text)


def title(notebook, fallback: str) -> str:
    """The report's title: the first level-1 heading it displays, as plain text (the escapes of
    ``present.say`` undone); ``fallback`` if it shows none."""
    for text in _markdown_texts(notebook):
        found = HEADING.search(text)
        if found:
            plain = found.group(1).replace("\\$", "$").replace("\\", "")
            return html.unescape(plain).strip() or fallback
    return fallback


def commit() -> str:
    """The repository's commit (12 hex digits), plus " modified" when ``git status --porcelain``
    lists anything; "unknown" outside a git checkout or without git."""

    def git(*args) -> str:
        return subprocess.run(
            ["git", "-C", str(PROJECT_DIR), *args], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} modified" if dirty else head


def data_hash() -> str:
    """The first 12 hex digits of a SHA-256 over every ``data/*.csv`` and ``data/SOURCES.md``
    (file names and contents, in name order): which data a report was made from."""
    digest = hashlib.sha256()
    for path in sorted([*DATA_DIR.glob("*.csv"), DATA_DIR / "SOURCES.md"]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def provenance() -> dict:
    """``{version, commit, data_hash, rendered_at}`` of a render happening now (UTC, seconds)."""
    return {
        "version": __version__,
        "commit": commit(),
        "data_hash": data_hash(),
        "rendered_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


#: The most characters of a title the PDF footer shows (about 55 % of an A4 line at 8 px).
FOOTER_TITLE_CHARS = 80


def short_title(title: str, limit: int = FOOTER_TITLE_CHARS) -> str:
    """``title`` as the footer shows it: whole, or cut at the last word boundary that fits with
    an ellipsis ("What a fleet of 10,000 H800 SXM, 10,000 H100 SXM, …"), never inside a word."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return f"{cut} …"


def footer_template(report_title: str, prov: dict) -> str:
    """Chromium's ``footerTemplate`` for every PDF page: title, "page X of Y", render date,
    version, commit and data hash (all text escaped; Chromium fills the page numbers)."""
    e = html.escape
    return (
        "<div style=\"font-family: 'DejaVu Sans', Arial, 'WenQuanYi Micro Hei', sans-serif; font-synthesis: none; "
        "font-size: 8px; color: #555; "
        'width: 100%; box-sizing: border-box; padding: 0 12mm; display: flex; justify-content: space-between;">'
        f'<span style="overflow: hidden; white-space: nowrap; text-overflow: ellipsis; min-width: 0;">'
        f"{e(short_title(report_title))}</span>"
        '<span style="white-space: nowrap; flex-shrink: 0; margin-left: 3mm;">'
        'page <span class="pageNumber"></span> of <span class="totalPages"></span> · '
        f"{e(prov['rendered_at'][:10])} · compute-parity {e(prov['version'])} · "
        f"commit {e(prov['commit'])} · data {e(prov['data_hash'])}</span></div>"
    )


#: The licence sentence every report carries (``LICENSE``).
LICENCE = "code MIT; data compilation CC BY 4.0 (each source's own terms still hold)"


@lru_cache(maxsize=1)
def citation_file() -> dict:
    """``CITATION.cff`` as a mapping (empty if it is missing or unreadable)."""
    try:
        data = yaml.safe_load((PROJECT_DIR / "CITATION.cff").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def citation(report_title: str, prov: dict, scenario: dict | None = None) -> dict:
    """What the citation block of a report says: ``title``, ``scenario`` (its title and the file
    it comes from, or None), ``version``, ``commit``, ``date``, ``data_hash``, ``repository``
    (``repository-code`` of ``CITATION.cff``, or None while the repository has no public
    address), ``licence``, ``cite_as`` (one line) and ``cff`` (the same in CITATION.cff form)."""
    cff = citation_file()
    authors = "; ".join(str(a.get("name", "")) for a in cff.get("authors", []) if isinstance(a, dict)) or "anonymous"
    repository = cff.get("repository-code") or cff.get("url") or None
    date = prov["rendered_at"][:10]
    where = f" {repository}." if repository else ""
    cite_as = (
        f"{authors} ({date[:4]}). {report_title}. compute-parity reports {prov['version']}, "
        f"commit {prov['commit']}, data {prov['data_hash']}, rendered {date}.{where}"
    )
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this report, please cite it as below."',
        f'title: "{report_title}"',
        "authors:",
        *[f'  - name: "{a.strip()}"' for a in authors.split(";")],
        f'version: "{prov["version"]}"',
        f'commit: "{prov["commit"]}"',
        f'date-released: "{date}"',
        *([f'repository-code: "{repository}"'] if repository else []),
        f'license: "{cff.get("license", "MIT")}"',
    ]
    return {
        "title": report_title,
        "scenario": scenario,
        "version": prov["version"],
        "commit": prov["commit"],
        "date": date,
        "data_hash": prov["data_hash"],
        "repository": repository,
        "licence": LICENCE,
        "cite_as": cite_as,
        "cff": "\n".join(lines),
    }
