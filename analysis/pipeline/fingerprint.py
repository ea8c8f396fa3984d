"""Incremental rebuilds: a report's fingerprint, recorded beside its files, lets a later render
with the same inputs skip it.

The fingerprint is a SHA-256 over everything a report's output depends on: the notebook file,
its checked parameters, the output formats, the scenario (name, title, file: they are printed in
the report), the package version, every file of ``analysis/`` (source, templates, style) and
``CITATION.cff``, every file of ``data/`` (each report loads the catalog, and the catalog reads
and checks every data file together, so every report reads every data file, ``chips.csv``
included), and the environment (Python, the render stack's package versions, the Chromium
binary when a PDF is printed). Data files count by content and by modification time, as a build
tool counts its sources: ``touch data/chips.csv`` (the usual way to ask for a rebuild) re-renders
every report, as an edit does; ``analysis/`` counts by content only. It leaves out when and from
which commit a report was made (its provenance): a report whose inputs are unchanged keeps the
provenance of the render that made it.

A report folder's sidecar file :data:`SIDECAR` (swapped in with the report set) holds the
fingerprint, the inputs it was made from and a SHA-256 of every file written. A report is
*current* when the sidecar's fingerprint equals the new one and the folder holds exactly the
recorded files, each unmodified: a missing, added or edited file makes it render again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..catalog import DATA_DIR, PROJECT_DIR
from .notebooks import notebook_path

#: The record a report folder keeps of its fingerprint and files (hidden: not a report file).
SIDECAR = ".fingerprint"
SOURCE_DIR = PROJECT_DIR / "analysis"
#: Files outside ``analysis/`` that a report prints (the citation block reads CITATION.cff).
SOURCE_FILES = (PROJECT_DIR / "CITATION.cff",)
#: Packages whose version can change what a report shows or how it is printed.
RENDER_STACK = (
    "numpy",
    "pandas",
    "matplotlib",
    "jinja2",
    "mistune",
    "nbformat",
    "nbconvert",
    "nbclient",
    "papermill",
    "ipykernel",
    "pyyaml",
)
#: (path, size, mtime_ns, inode) -> SHA-256 of a file's bytes: a file unchanged since it was last
#: hashed in this process is not read again.
_DIGESTS: dict[tuple, str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of the bytes of file ``path``, cached while its size, mtime and inode stay."""
    st = os.stat(path)
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _DIGESTS:
        with open(path, "rb") as f:
            _DIGESTS[key] = hashlib.file_digest(f, "sha256").hexdigest()
    return _DIGESTS[key]


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder``, in name order, without Python caches and hidden files."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )


def tree_digest(folder: Path, extra: tuple[Path, ...] = ()) -> str:
    """SHA-256 (hex) over the relative names and contents of every file under ``folder`` (see
    :func:`_files`) and of the files ``extra`` that exist."""
    digest = hashlib.sha256()
    for path in [*_files(folder), *(p for p in extra if p.is_file())]:
        name = str(path.relative_to(folder)) if path.is_relative_to(folder) else path.name
        digest.update(f"{name}\0{file_digest(path)}\0".encode())
    return digest.hexdigest()


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """The installed version of each package of :data:`RENDER_STACK` ("absent" if it is not),
    read once per process (≈ 0.04 s, and a render asks twice): the modules a process has imported
    stay the ones it renders with."""
    found = []
    for package in RENDER_STACK:
        try:
            found.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            found.append((package, "absent"))
    return tuple(found)


def newest_mtime_ns(folder: Path) -> int:
    """The latest modification time [ns since the epoch] of the files under ``folder`` (see
    :func:`_files`); 0 for a folder without files."""
    return max((path.stat().st_mtime_ns for path in _files(folder)), default=0)


def environment(formats) -> dict:
    """Python's version, the render stack's package versions and, when a PDF is printed, the
    Chromium binary's path, size and mtime (standing for its version without starting it)."""
    found = {"python": sys.version.split()[0], "packages": dict(_versions())}
    if "pdf" in formats:
        from .pdf import PdfError, chromium_binary

        try:
            binary = os.path.realpath(chromium_binary())
            st = os.stat(binary)
            found["chromium"] = [binary, st.st_size, st.st_mtime_ns]
        except (PdfError, OSError):
            found["chromium"] = "absent"
    return found


def inputs(name: str, parameters: dict, formats, scenario: dict | None = None) -> dict:
    """What report ``name`` rendered with the checked ``parameters`` into ``formats`` (and, in a
    batch, ``scenario``) depends on, each part as a value or a SHA-256."""
    return {
        "notebook": name,
        "notebook_sha256": file_digest(notebook_path(name)),
        "parameters": json.loads(json.dumps(parameters, sort_keys=True, default=str)),
        "formats": sorted(formats),
        "scenario": scenario or None,
        "version": __version__,
        "source_sha256": tree_digest(SOURCE_DIR, SOURCE_FILES),
        "data_sha256": tree_digest(DATA_DIR),
        "data_mtime_ns": newest_mtime_ns(DATA_DIR),
        "environment": environment(formats),
    }


def fingerprint(inputs_: dict) -> str:
    """SHA-256 (hex) of ``inputs_`` (:func:`inputs`) as canonical JSON."""
    return hashlib.sha256(json.dumps(inputs_, sort_keys=True).encode()).hexdigest()


def _written(folder: Path) -> dict[str, str]:
    """``{relative path: SHA-256}`` of every file under ``folder`` but the sidecar (hashed
    afresh: a file edited by hand within its mtime's resolution is still seen)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != SIDECAR:
            with open(path, "rb") as f:
                found[str(path.relative_to(folder))] = hashlib.file_digest(f, "sha256").hexdigest()
    return found


def record(folder: Path, inputs_: dict) -> Path:
    """Write ``folder``'s sidecar: the fingerprint of ``inputs_``, the inputs and a SHA-256 of
    every file now in ``folder`` (call it when the report set is complete, before it is swapped
    in). Returns its path."""
    path = folder / SIDECAR
    record_ = {"fingerprint": fingerprint(inputs_), "inputs": inputs_, "files": _written(folder)}
    path.write_text(json.dumps(record_, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def current(folder: Path, inputs_: dict) -> list[Path] | None:
    """The files of the report in ``folder`` when it is current for ``inputs_`` — its sidecar
    names the same fingerprint and the folder holds exactly the recorded files, each with its
    recorded SHA-256 — else None (no report, other inputs, a file missing, added or modified)."""
    try:
        recorded = json.loads((folder / SIDECAR).read_text(encoding="utf-8"))
        if recorded.get("fingerprint") != fingerprint(inputs_) or _written(folder) != recorded.get("files"):
            return None
    except (OSError, ValueError, AttributeError):
        return None
    return sorted(folder / name for name in recorded["files"] if "/" not in name)
