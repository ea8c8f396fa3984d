"""The report notebooks and their declared parameters: names and paths, the parameters cell as
papermill reads it, and overrides checked against the report's declaration before any kernel
starts.
"""

from __future__ import annotations

import ast
import difflib
import functools
from pathlib import Path

from ..assembly.params import ParameterError, check, cross_check
from ..catalog import PROJECT_DIR, DataError
from .errors import first_line

NOTEBOOK_DIR = PROJECT_DIR / "notebooks"


def notebook_names() -> list[str]:
    """The report notebooks, by name (file stem), sorted."""
    return sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))


def notebook_path(name: str) -> Path:
    """The source notebook of report ``name``; unknown names fail naming the closest."""
    names = notebook_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"closest: {', '.join(close)}; " if close else ""
        raise ParameterError(f"unknown notebook {name!r}; {hint}known: {', '.join(names)}")
    return NOTEBOOK_DIR / f"{name}.ipynb"


def declared_parameters(name: str) -> dict[str, dict]:
    """Parameters of a notebook's ``parameters`` cell: name -> type, default and help text (read
    once per version of the notebook file: a single render asks three times)."""
    path = notebook_path(name)
    declared = _inspect(str(path), path.stat().st_mtime_ns)
    return {key: dict(info) for key, info in declared.items()}


@functools.lru_cache(maxsize=32)
def _inspect(path: str, mtime_ns: int) -> dict[str, dict]:
    """papermill's reading of the parameters cell of the notebook at ``path`` (as of ``mtime_ns``)."""
    import papermill  # imported here: it costs ~0.6 s and only rendering needs it

    return papermill.inspect_notebook(path)


def check_parameters(name: str, overrides: dict) -> dict:
    """Overrides checked against the notebook's declared parameters and their specifications,
    before any kernel starts. Unknown names fail naming the closest declared ones."""
    declared = declared_parameters(name)
    checked = {}
    for key, value in overrides.items():
        if not isinstance(key, str):
            raise ParameterError(f"parameter name {short(key)} is not text; declared: {', '.join(declared)}")
        if key not in declared:
            raise unknown_parameter(name, key, declared)
        try:
            checked[key] = check(key, value, name)
        except (ParameterError, DataError):  # a broken data file is not the parameter's fault
            raise
        except (ArithmeticError, TypeError, ValueError) as err:  # e.g. a 400-digit integer
            raise ParameterError(
                f"parameter {key}: {short(value)} is not allowed ({type(err).__name__}: {first_line(err)})"
            ) from None
    defaults = {key: ast.literal_eval(info["default"]) for key, info in declared.items()}
    cross_check(name, defaults | checked)
    return checked


def short(value, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters for a one-line message."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's digit limit
        text = f"<an integer of {value.bit_length():,} bits>"
    return text if len(text) <= width else f"{text[: width - 12]}… ({len(text):,} chars)"


def unknown_parameter(name: str, key: str, declared) -> ParameterError:
    """The error for a parameter ``key`` that notebook ``name`` does not declare."""
    close = difflib.get_close_matches(key, list(declared), n=3, cutoff=0.5)
    hint = f"closest: {', '.join(close)}; " if close else ""
    return ParameterError(f"unknown parameter {key!r} for {name}; {hint}declared: {', '.join(declared)}")
