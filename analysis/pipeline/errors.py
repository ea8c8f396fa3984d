"""What a failed render says, and what leaves this machine: one-line errors
(:class:`RenderError`, :func:`first_line`) without local paths (:func:`scrub`), and a failed run's
executed notebook without tracebacks or paths (:func:`sanitize_failed`).
"""

from __future__ import annotations

import os
import sys
import tempfile

from .. import PROJECT_DIR


class RenderError(RuntimeError):
    """A report could not be rendered; the one-line message says why."""


def first_line(err: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it has none."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _private_prefixes() -> list[tuple[str, str]]:
    """Local paths a report must not show, longest first, with what replaces them."""
    pairs = {
        sys.prefix: "<venv>",
        str(PROJECT_DIR): "<project>",
        tempfile.gettempdir(): "<temp>",
        os.path.expanduser("~"): "~",
    }
    pairs |= {os.path.realpath(path): label for path, label in pairs.items()}
    return sorted(((p, label) for p, label in pairs.items() if len(p) > 1), key=lambda x: -len(x[0]))


def scrub(text: str) -> str:
    """``text`` without this machine's paths (venv, repository, temporary folder, home)."""
    for prefix, label in _private_prefixes():
        text = text.replace(prefix, label)
    return text


def sanitize_failed(notebook) -> None:
    """Strip tracebacks and local paths from a failed run's executed notebook (in place): each
    error keeps its type and message; texts lose this machine's paths."""
    notebook.metadata.get("papermill", {}).update(input_path=None, output_path=None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = []
                output["evalue"] = scrub(output.get("evalue", ""))
            elif output.get("output_type") == "stream":
                output["text"] = scrub(output.get("text", ""))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    output["data"][mime] = scrub(value if isinstance(value, str) else "".join(value))
