"""The part of JupyterLab's stylesheet that can style a report (``templates/report/static/lab-used.css``).

nbconvert's lab template inlines JupyterLab's whole stylesheet (``lab/static/index.css``, 240 kB:
the rules of JupyterLab's own panels, menus and widgets, and 86 kB of icons as custom properties)
into every page; Chromium parses it and matches every element of a report against it, about
0.04 CPU-s of each print (5–7 %, issue 24). The report template loads the rules a report can use
instead, each kept verbatim and in its place:

- a rule is kept when one of its selectors names only classes that the templates can write
  (:func:`template_classes`: nbconvert's lab and base templates and ours) or no class at all
  (``body``, ``:root``, ``[data-mime-type=…]``), so ``:hover`` and print rules stay with the rest;
- an ``@media`` block keeps the rules of it that are kept, an ``@keyframes`` block stays when a kept
  rule names it;
- a custom property (``--jp-…``) stays when kept CSS (these rules, the lab theme, the template's
  own style blocks) reads it (``var(--jp-…)``), directly or through another one.

The file is made from the installed nbconvert (``python -m analysis.pipeline.stylesheet``; a test
checks that the committed file is what it makes) and is part of the source the incremental
rebuild's fingerprint covers (:mod:`.fingerprint`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .export import TEMPLATE_DIR

USED_CSS = TEMPLATE_DIR / "report" / "static" / "lab-used.css"
HEADER = (
    "/* The rules of nbconvert's lab/static/index.css (JupyterLab's stylesheet) that can style a report,\n"
    "   verbatim: made by `python -m analysis.pipeline.stylesheet` (analysis/pipeline/stylesheet.py). */\n"
)
CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
VAR_USE = re.compile(r"var\(\s*(--[\w-]+)")
DECLARATION = re.compile(r"\s*(--[\w-]+)\s*:")


def lab_template_dir() -> Path:
    """The installed nbconvert's ``templates`` folder (the one holding ``lab/static/index.css``)."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbconvert", "templates"):
        if (Path(folder) / "lab" / "static" / "index.css").is_file():
            return Path(folder)
    raise FileNotFoundError("nbconvert's lab template (lab/static/index.css) is not installed")


def template_classes(templates: Path) -> set[str]:
    """Every class a report page can carry: the words of ``class="…"`` attributes and every
    ``jp-…`` name in nbconvert's lab and base templates and ours (whose classes are partly
    computed, so all such names count), and the ``highlight`` and ``anchor-link`` classes that
    nbconvert's markdown and code filters write."""
    found = {"highlight", "anchor-link"}
    sources = [*(templates / "lab").glob("*.j2"), *(templates / "base").glob("*.j2"), *TEMPLATE_DIR.rglob("*.j2")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"jp-[\w-]+", text))
        for value in re.findall(r'class="([^"]*)"', text):
            found |= {w for w in re.split(r"[^\w-]+", value) if w}
    return found


def blocks(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    """The top-level blocks of ``text[start:end]`` as ``(begin, brace, stop)`` offsets: where the
    prelude begins, its ``{`` and just after its ``}``; comments and strings are skipped."""
    end = len(text) if end is None else end
    found, depth, begin, brace, i = [], 0, None, None, start
    while i < end:
        c = text[i]
        if text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        if c in "\"'":  # a string: to its closing quote, escapes skipped
            i += 1
            while text[i] != c:
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if depth == 0 and begin is None and not c.isspace():
            begin = i
        if c == "{":
            brace = i if depth == 0 else brace
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                found.append((begin, brace, i + 1))
                begin = None
        i += 1
    return found


def _wanted(prelude: str, classes: set[str]) -> bool:
    """Whether a style rule's selector list has a selector whose classes (outside ``:not(…)``)
    are all in ``classes``."""
    selectors = re.sub(r":not\([^)]*\)", "", prelude).split(",")
    return any(set(CLASS.findall(re.sub(r"\[[^\]]*\]", "", s))) <= classes for s in selectors)


def _rules(text: str, classes: set[str]) -> list[str]:
    """The kept rules and ``@media`` blocks of ``text``, verbatim, and every ``@keyframes`` block
    (:func:`used` drops those no kept rule names)."""
    kept = []
    for begin, brace, stop in blocks(text):
        prelude = text[begin:brace].strip()
        if prelude.startswith("@media"):
            inner = [text[b:s] for b, r, s in blocks(text, brace + 1, stop - 1) if _wanted(text[b:r], classes)]
            kept += [prelude + " {\n" + "\n".join(inner) + "\n}"] if inner else []
        elif prelude.startswith("@keyframes") or (not prelude.startswith("@") and _wanted(prelude, classes)):
            kept.append(text[begin:stop])
    return kept


def _names(name: str, css: str) -> bool:
    """Whether ``css`` names ``name`` as a whole word (not inside ``--jp-name-x``)."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", css) is not None


def _read_vars(rule: str) -> set[str]:
    return set(VAR_USE.findall(rule))


def _declarations(body: str) -> list[str]:
    """A rule's body split at its top-level ``;`` (not those inside ``url(data:…;base64,…)``)."""
    parts, depth, begin = [], 0, 0
    for i, c in enumerate(body):
        depth += (c == "(") - (c == ")")
        if c == ";" and depth == 0:
            parts.append(body[begin:i])
            begin = i + 1
    return [*parts, body[begin:]]


def used(lab_css: str, classes: set[str], also_read: str = "") -> str:
    """The stylesheet a report needs of ``lab_css``: the rules :func:`_wanted` keeps, the
    ``@keyframes`` they name, and of the custom properties only those read by kept CSS or by
    ``also_read`` (the theme and the template's styles), directly or through one another."""
    rules = _rules(lab_css, classes)
    plain = [r for r in rules if not r.startswith("@keyframes")]
    body = "\n".join(plain)
    rules = [r for r in rules if not r.startswith("@keyframes") or _names(r.split()[1], body)]
    defined = {}
    for rule in rules:
        for decl in _declarations(rule[rule.index("{") + 1 : rule.rindex("}")]):
            found = DECLARATION.match(decl)
            if found:
                defined.setdefault(found.group(1), []).append(decl)
    needed, todo = set(), _read_vars(body + also_read)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo |= set().union(*(_read_vars(d) for d in defined.get(name, [])))
    return HEADER + "\n".join(filter(None, (_drop_unread(r, needed) for r in rules))) + "\n"


def _drop_unread(rule: str, needed: set[str]) -> str:
    """``rule`` without the declarations of custom properties not in ``needed`` (comments kept);
    "" if it declared nothing else and none of them is needed."""
    head, body = rule[: rule.index("{") + 1], rule[rule.index("{") + 1 : rule.rindex("}")]
    parts = _declarations(body)
    kept = [p for p in parts if not (m := DECLARATION.match(p)) or m.group(1) in needed]
    if len(kept) == len(parts):
        return rule
    if not any(p.strip() and not p.strip().startswith("/*") for p in kept):
        return ""
    return head + ";".join(kept) + "}"


def make() -> str:
    """The committed stylesheet's text, from the installed nbconvert."""
    templates = lab_template_dir()
    lab = templates / "lab" / "static"
    also = (lab / "theme-light.css").read_text(encoding="utf-8")
    also += (templates / "lab" / "index.html.j2").read_text(encoding="utf-8")
    also += (TEMPLATE_DIR / "report" / "index.html.j2").read_text(encoding="utf-8")
    return used((lab / "index.css").read_text(encoding="utf-8"), template_classes(templates), also)


if __name__ == "__main__":
    USED_CSS.parent.mkdir(exist_ok=True)
    USED_CSS.write_text(make(), encoding="utf-8")
    print(f"wrote {USED_CSS} ({USED_CSS.stat().st_size:,} bytes)", file=sys.stderr)
