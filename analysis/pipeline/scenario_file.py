"""Scenario files: named parameter sets for the report notebooks, read and checked (see
:mod:`.scenarios` for the format and the batch that renders them).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..assembly.params import ParameterError
from . import gallery
from .errors import first_line
from .notebooks import notebook_path, short

#: Bounds on a scenario file, checked before it is built into Python objects: size in bytes,
#: nesting depth, and nodes after every alias is expanded (a "billion laughs" file is refused).
MAX_BYTES = 1 << 20
MAX_DEPTH = 20
MAX_NODES = 100_000
KEYS = ("name", "notebook", "parameters", "title")
TOP_KEYS = ("scenarios", "compare")
SLUG = re.compile(r"[a-z0-9][a-z0-9\-]{0,63}")


class ScenarioError(ValueError):
    """A scenario file is unreadable or malformed as a whole; the one-line message says where."""


@dataclass(frozen=True)
class Scenario:
    name: str
    notebook: str
    parameters: dict = field(default_factory=dict)
    title: str = ""
    problem: str = ""  # why this entry cannot render (it becomes a failed row of the batch)
    source: str = ""  # the scenario file, as the index names it (gallery.source_label)


class StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, stricter where a silent reading would mislead: a key given twice in a
    mapping is an error (not the last one winning), and numbers in exponent form without a dot
    (``5e8``, ``6.7e9``, as YAML 1.2 and Python read them) are numbers, not text (YAML 1.1)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def read_yaml(path: Path):
    """The YAML document of ``path``, refused (ScenarioError) when it is unreadable, larger than
    :data:`MAX_BYTES`, not UTF-8 text, malformed, nested deeper than :data:`MAX_DEPTH` or larger
    than :data:`MAX_NODES` nodes with its aliases expanded."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device would block or never end
            raise ScenarioError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read ({err.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_BYTES // 1024} KiB; a scenario or parameters file is short")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(f"{path}: line {line} is not UTF-8 text (byte {raw[err.start]:#04x})") from None
    try:
        _check_bounds(path, text)
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or first_line(err)
        raise ScenarioError(f"{path}:{where} is not valid YAML ({problem})") from None
    except ValueError as err:  # e.g. an integer beyond Python's digit limit
        raise ScenarioError(f"{path}: {first_line(err)}") from None


def _check_bounds(path: Path, text: str) -> None:
    """Walk the YAML events (no objects built) counting depth and nodes, an alias counting as
    the nodes it stands for; a self-referring alias is refused."""
    sizes, open_anchors, anchors = [0], [], {}
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.CollectionStartEvent):
            sizes.append(1)
            open_anchors.append(event.anchor)
            if len(sizes) - 1 > MAX_DEPTH:
                raise ScenarioError(f"{path}: line {line} is nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = sizes.pop(), open_anchors.pop()
            sizes[-1] += size
            if anchor:
                anchors[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            sizes[-1] += 1
            if event.anchor:
                anchors[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise ScenarioError(f"{path}: line {line}: alias *{event.anchor} refers to itself")
            sizes[-1] += anchors.get(event.anchor, 1)
        if sum(sizes) > MAX_NODES:
            raise ScenarioError(
                f"{path}: line {line}: more than {MAX_NODES:,} values once aliases "
                "are expanded; a scenario or parameters file is short"
            )


def load_scenarios(path: Path | str) -> list[Scenario]:
    """The scenarios of a YAML file. The file as a whole must be readable, bounded YAML with a
    ``scenarios:`` list (else ScenarioError); an entry that is malformed (shape, name, unknown
    notebook, parameter names) is returned with its ``problem`` so that the batch reports it as a
    failed row and renders the others."""
    return scenarios_of(Path(path), read_yaml(Path(path)))


def scenarios_of(path: Path, data) -> list[Scenario]:
    """The scenarios of the YAML document ``data`` of file ``path`` (see :func:`load_scenarios`)."""
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list) or not data["scenarios"]:
        raise ScenarioError(f"{path}: expected a top-level 'scenarios:' list with at least one entry")
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
    if unknown:
        raise ScenarioError(f"{path}: unknown top-level key(s) {', '.join(unknown)}; allowed: {', '.join(TOP_KEYS)}")
    seen: set[str] = set()
    label = gallery.source_label(path)
    return [replace(_entry(i, entry, seen), source=label) for i, entry in enumerate(data["scenarios"], start=1)]


def _entry(i: int, entry, seen: set[str]) -> Scenario:
    """Scenario ``i`` of a file, with its problem if it is malformed (names in ``seen`` are taken)."""
    if not isinstance(entry, dict):
        return Scenario(f"scenario {i}", "", problem=f"scenario {i} is not a mapping with name, notebook, parameters")
    name, notebook = entry.get("name"), entry.get("notebook")
    parameters = entry.get("parameters") or {}
    title = entry.get("title")
    problem = _entry_problem(i, entry, name, notebook, parameters, seen)
    if not problem:
        seen.add(name)
    usable = isinstance(name, str) and SLUG.fullmatch(name) and (not problem or name not in seen)
    return Scenario(
        name if usable else f"scenario {i}",
        notebook if isinstance(notebook, str) else "",
        parameters if isinstance(parameters, dict) else {},
        "" if title is None else str(title),
        problem,
    )


def _entry_problem(i, entry, name, notebook, parameters, seen) -> str:
    """Why entry ``i`` cannot render, in one line; empty when it is well-formed."""
    unknown = sorted(str(k) for k in entry if k not in KEYS)
    if unknown:
        return f"scenario {i} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}"
    if not isinstance(name, str) or not SLUG.fullmatch(name):
        return f"scenario {i} name {short(name)} must be a lowercase slug (a-z, 0-9, '-'; at most 64)"
    if name in seen:
        return f"scenario {i}: duplicate scenario name {name!r}"
    if not isinstance(parameters, dict):
        return f"scenario {name!r}: parameters must be a mapping of name: value"
    bad_keys = [k for k in parameters if not isinstance(k, str)]
    if bad_keys:
        return f"scenario {name!r}: parameter name {short(bad_keys[0])} is not text"
    try:
        notebook_path(notebook if isinstance(notebook, str) else short(notebook))
    except ParameterError as err:
        return f"scenario {name!r}: {err}"
    return ""
