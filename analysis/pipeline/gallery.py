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
import sys
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
    """``text`` into ``path`` through a temporary file renamed into place; nothing when ``path``
    holds exactly that text (a batch with nothing changed rewrites neither index nor manifest)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, ValueError):  # absent or unreadable: written
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: The largest manifest read (a real one of 1,000 reports is ~0.5 MB); a larger one is set aside.
MAX_MANIFEST_BYTES = 4 << 20
#: A report folder's name as the index links it: no path separators, no "..".
ENTRY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,234}")
#: The mark every index page of ours carries, in its title since the first release (a folder
#: whose index.html lacks it is not ours).
GENERATOR = "compute-parity reports"


class ForeignIndex(ValueError):
    """A folder's index files are someone else's: not replaced."""


def _text(value) -> str:
    """Text made writable as UTF-8 (a lone surrogate from a JSON escape becomes U+FFFD)."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


def _entry(raw) -> dict | None:
    """A manifest entry as the index trusts it, or None: a name that is a plain folder name, text
    fields as text, ``parameters`` a mapping, ``ok`` true only when it is the JSON value true."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not ENTRY_NAME.fullmatch(raw["name"]):
        return None
    if raw["name"].strip(".") == "" or ".." in raw["name"]:
        return None
    entry = {k: _text(raw.get(k) or "") for k in ("name", "notebook", "title", "message", "source")}
    entry["ok"] = raw.get("ok") is True
    params = raw.get("parameters")
    entry["parameters"] = (
        json.loads(json.dumps(params, default=str, ensure_ascii=True)) if isinstance(params, dict) else {}
    )
    return entry


def _parse_manifest(path: Path) -> dict:
    """The manifest at ``path`` (entries checked one by one), or ValueError saying why it is not one."""
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise ValueError(f"larger than {MAX_MANIFEST_BYTES >> 20} MiB")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, UnicodeError) as err:
        raise ValueError(f"not JSON ({type(err).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ValueError("not a manifest (an object with a list of entries)")
    entries = [e for e in map(_entry, data["entries"]) if e is not None]
    source = data.get("scenario_file")
    pairs = data.get("comparisons") if isinstance(data.get("comparisons"), list) else []
    return {
        "scenario_file": _text(source) if isinstance(source, str) else None,
        "entries": entries,
        "comparisons": [c for c in map(_comparison, pairs) if c is not None],
    }


def _comparison(raw) -> dict | None:
    """A manifest's comparison entry as the index trusts it (name, notebook, a, b, ok, message,
    source; the name a plain folder name), or None."""
    entry = _entry(raw)
    if entry is None:
        return None
    return {k: entry[k] for k in ("name", "notebook", "ok", "message", "source")} | {
        k: _text(raw.get(k) or "") for k in ("a", "b")
    }


def _rebuilt(out_root: Path) -> dict:
    """A manifest rebuilt from the report folders in ``out_root`` (each ``NAME/NOTEBOOK.json``)
    and comparison folders (``NAME/compare.json``)."""
    entries, comparisons = [], []
    for folder in sorted(p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for figures in sorted(folder.glob("*.json")):
            try:
                data = json.loads(figures.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError, UnicodeError):
                continue
            pair = data.get("comparison") if isinstance(data, dict) and figures.name == "compare.json" else None
            if isinstance(pair, dict):
                a, b = (pair.get(s) if isinstance(pair.get(s), dict) else {} for s in ("a", "b"))
                raw = {"name": folder.name, "notebook": pair.get("notebook"), "a": a.get("name"), "b": b.get("name")}
                comparisons += [c for c in [_comparison(raw | {"ok": True, "source": "rebuilt"})] if c]
            elif isinstance(data, dict) and data.get("report") == figures.stem:
                raw = {
                    "name": folder.name,
                    "notebook": figures.stem,
                    "title": data.get("title"),
                    "ok": True,
                    "message": "ok",
                    "source": "rebuilt from the report folder",
                    "parameters": data.get("parameters"),
                }
                entries += [e for e in [_entry(raw)] if e]
    return {"scenario_file": None, "entries": entries, "comparisons": comparisons}


def _read_manifest(out_root: Path) -> dict:
    """The folder's manifest; a missing one is empty; a broken one (unreadable, too large, not a
    manifest) is set aside as ``index.json.bad-N`` with one warning line and rebuilt from the
    report folders."""
    path = out_root / MANIFEST
    if not path.exists():
        return {"scenario_file": None, "entries": [], "comparisons": []}
    try:
        return _parse_manifest(path)
    except (OSError, ValueError) as err:
        aside = next(
            out_root / f"{MANIFEST}.bad-{n}"
            for n in range(1, 10_000)
            if not (out_root / f"{MANIFEST}.bad-{n}").exists()
        )
        os.replace(path, aside)
        print(
            f"warning: {path} was {err}; set aside as {aside.name} and rebuilt from the report folders", file=sys.stderr
        )
        return _rebuilt(out_root)


def check_index_is_ours(out_root: Path | str) -> None:
    """ForeignIndex if ``out_root`` holds an ``index.html`` this package did not write (without
    :data:`GENERATOR`), or an ``index.json`` beside no index page of ours: a batch never replaces
    someone else's index files."""
    out_root = Path(out_root)
    page_file, manifest = out_root / INDEX, out_root / MANIFEST
    ours = False
    if page_file.exists():
        try:
            with page_file.open("rb") as handle:
                ours = GENERATOR.encode() in handle.read(4096)
        except OSError:
            ours = False
        if not ours:
            raise ForeignIndex(f"{page_file} was not written by this package; choose another --out")
    if manifest.exists() and not page_file.exists():
        raise ForeignIndex(f"{manifest} has no index page of ours beside it; choose another --out")


def update(
    out_root: Path | str, entries: list[dict], batch_source: str | None = None, comparisons: list[dict] | None = None
) -> Path:
    """Record ``entries`` (dicts with name, notebook, title, parameters, ok, message, source) and
    ``comparisons`` (name, notebook, a, b, ok, message, source: see :mod:`.compare`) in
    ``out_root``'s manifest and rewrite its index page; returns the page.

    A batch (``batch_source``: its scenario file as :func:`source_label` shows it) replaces the
    entries and comparisons of the previous batch and keeps single renders and comparisons whose
    folder still exists; single ones (``batch_source`` None) replace an entry of the same name."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    lock = os.open(out_root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = _read_manifest(out_root)
        if batch_source is not None:
            manifest["scenario_file"] = batch_source
        for key, new in (("entries", entries), ("comparisons", comparisons or [])):
            names = {e["name"] for e in new}
            kept = [
                e
                for e in manifest.get(key, [])
                if e["name"] not in names
                and (batch_source is None or (e.get("source") == COMMAND_LINE and (out_root / e["name"]).is_dir()))
            ]
            manifest[key] = new + kept if batch_source is not None else kept + new
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
    for ext, label in (
        ("html", "HTML"),
        ("pdf", "PDF"),
        ("json", "JSON"),
        ("key_figures.csv", "key figures (CSV)"),
        ("ipynb", "notebook"),
    ):
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
        # its plain JSON, for its text only: neither validated nor made NotebookNodes (nbformat's
        # reading, 0.018 s for the largest report; its reader without validation 0.007 s; this ≈ 0.002 s)
        book = json.loads((folder / f"{notebook}.ipynb").read_text(encoding="utf-8"))
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

    compared = [comparison_card(out_root, c) for c in manifest.get("comparisons", [])]
    return env.get_template("gallery.html.j2").render(
        cards=cards,
        comparisons=compared,
        scenario_file=manifest.get("scenario_file"),
        version=__version__,
        command_line=COMMAND_LINE,
    )


def comparison_card(out_root: Path, entry: dict) -> dict:
    """What the index shows of a comparison: its two reports, links to its files that exist
    now, or why it failed (without local paths)."""
    from .errors import scrub

    folder = out_root / entry["name"]
    links = [
        {"href": f"{entry['name']}/compare.{ext}", "label": label}
        for ext, label in (("html", "HTML"), ("pdf", "PDF"), ("json", "JSON"))
        if entry["ok"] and (folder / f"compare.{ext}").exists()
    ]
    return entry | {"links": links, "message": scrub(entry.get("message") or "")}
