"""The index page of a reports folder: a gallery of every report in it — those of the last
scenario batch and single renders — each with its title, summary, first figure, links to its
files, render date and version.

What is in the folder is recorded in ``index.json`` (a manifest: the scenario file of the last
batch and one entry per report, failed ones with their reason), updated under an ``flock`` on the
folder and renamed into place, so a batch and a single render never lose each other's entries.
The page is built from the manifest and the files that exist at that moment.
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import re
import threading
from pathlib import Path

from ..catalog import PROJECT_DIR
from . import identity

MANIFEST = "index.json"
INDEX = "index.html"
#: Where an entry came from when it was not a batch: a render from the command line.
COMMAND_LINE = "command line"


def source_label(path: Path | str | None) -> str | None:
    """How the index names a scenario file: its path in the repository, or only its file name
    (no local path) when it lies outside."""
    if path is None:
        return None
    path = Path(path).expanduser().resolve()
    return str(path.relative_to(PROJECT_DIR)) if path.is_relative_to(PROJECT_DIR) else path.name


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_manifest(out_root: Path) -> dict:
    try:
        data = json.loads((out_root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"scenario_file": None, "entries": []}
    entries = [e for e in data.get("entries", []) if isinstance(e, dict) and isinstance(e.get("name"), str)]
    return {"scenario_file": data.get("scenario_file"), "entries": entries}


def update(out_root: Path | str, entries: list[dict], batch_source: str | None = None) -> Path:
    """Record ``entries`` (dicts with name, notebook, title, parameters, ok, message, source) in
    ``out_root``'s manifest and rewrite its index page; returns the page.

    A batch (``batch_source``: its scenario file as :func:`source_label` shows it) replaces the
    entries of the previous batch and keeps single renders whose folder still exists; single
    renders (``batch_source`` None) replace an entry of the same name."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    lock = os.open(out_root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = _read_manifest(out_root)
        names = {e["name"] for e in entries}
        if batch_source is not None:
            singles = [
                e
                for e in manifest["entries"]
                if e.get("source") == COMMAND_LINE and e["name"] not in names and (out_root / e["name"]).is_dir()
            ]
            manifest = {"scenario_file": batch_source, "entries": entries + singles}
        else:
            kept = [e for e in manifest["entries"] if e["name"] not in names]
            manifest["entries"] = kept + entries
        _write_atomically(out_root / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
        _write_atomically(out_root / INDEX, page(out_root, manifest))
    finally:
        os.close(lock)
    return out_root / INDEX


def _shown(value) -> str:
    """A parameter value as the index shows it (lists comma-separated, big numbers grouped)."""
    if isinstance(value, (list, tuple)):
        return ",".join(_shown(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e5:
        return f"{value:,.0f}"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:68] + f"… ({len(text):,} chars)"


def _summary(notebook) -> str:
    """The report's answer: the paragraph after its title, as plain text, at most 260 characters."""
    for text in identity._markdown_texts(notebook):
        if identity.HEADING.search(text):
            after = identity.HEADING.split(text, maxsplit=1)[-1].strip()
            paragraph = after.split("\n\n")[0].strip()
            plain = html.unescape(re.sub(r"[*_`]|\\(?=[$*_])", "", paragraph)).strip()
            return plain if len(plain) <= 260 else plain[:257].rsplit(" ", 1)[0] + " …"
    return ""


def card(out_root: Path, entry: dict) -> dict:
    """What the gallery shows of one entry, from its manifest entry and the files it has now."""
    import nbformat

    name, notebook = entry["name"], entry.get("notebook") or ""
    folder = out_root / name
    shown = {
        "name": name,
        "notebook": notebook,
        "ok": bool(entry.get("ok")),
        "message": entry.get("message") or "",
        "title": entry.get("title") or "",
        "source": entry.get("source") or "",
        "parameters": ", ".join(f"{k}={_shown(v)}" for k, v in (entry.get("parameters") or {}).items()) or "defaults",
        "links": [],
        "tables": [],
        "thumb": None,
        "summary": "",
        "date": "",
        "version": "",
    }
    if not shown["ok"]:
        return shown
    base = f"{name}/{notebook}"
    for ext, label in (("html", "HTML"), ("pdf", "PDF"), ("json", "JSON"), ("ipynb", "notebook")):
        if (folder / f"{notebook}.{ext}").exists():
            shown["links"].append({"href": f"{base}.{ext}", "label": label})
    tables = folder / f"{notebook}.tables"
    if tables.is_dir():
        shown["tables"] = [{"href": f"{base}.tables/{p.name}", "label": p.stem} for p in sorted(tables.glob("*.csv"))]
    if (folder / f"{notebook}.thumb.png").exists():
        shown["thumb"] = f"{base}.thumb.png"
    try:
        figures = json.loads((folder / f"{notebook}.json").read_text(encoding="utf-8"))
        prov = figures.get("provenance") or {}
        shown["date"], shown["version"] = str(prov.get("rendered_at", ""))[:10], str(prov.get("version", ""))
        shown["title"] = shown["title"] or str(figures.get("title") or "")
    except (OSError, ValueError, AttributeError):
        pass
    try:
        book = nbformat.read(str(folder / f"{notebook}.ipynb"), as_version=4)
        shown["summary"] = _summary(book)
        shown["title"] = shown["title"] or identity.title(book, name)
    except Exception:  # noqa: BLE001 — an unreadable notebook only costs the card its summary
        pass
    return shown


def page(out_root: Path, manifest: dict) -> str:
    """The index page (Jinja2 template ``templates/gallery.html.j2``; all text escaped)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from .errors import scrub
    from .export import TEMPLATE_DIR

    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html", "j2"]))
    cards = [card(out_root, e) for e in manifest["entries"]]
    for c in cards:
        c["message"] = scrub(c["message"])
        c["parameters"] = scrub(c["parameters"])
    from .. import __version__

    return env.get_template("gallery.html.j2").render(
        cards=cards, scenario_file=manifest.get("scenario_file"), version=__version__, command_line=COMMAND_LINE
    )
