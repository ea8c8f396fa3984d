"""Report parameters: one specification per parameter name, shared by every report that uses it.

Each report module of :mod:`analysis.assembly` declares its parameters and their defaults with
:func:`declare` (``PARAMETERS``); the notebook's parameters cell repeats those defaults (a test
checks that they agree). The pipeline checks parameters here before any kernel starts, and the
report's ``inputs`` function checks them again when a notebook runs on its own, so both routes
accept and refuse the same values. A default of ``None`` means "the library's default" (a sourced
constant or a data value), resolved by the report and shown in its appendix.
"""
from __future__ import annotations

import difflib
import math
import importlib
import re
from dataclasses import dataclass, replace

from ..catalog import load

#: Named id sets a parameter may have to belong to: dataset name, index column meaning.
ID_SETS = {"chip": "chips", "region": "regions", "run": "training_runs", "model": "models",
           "config": "parallel_configs", "rule": "export_rules"}


class ParameterError(ValueError):
    """A parameter value is not allowed; the one-line message names it and what is allowed."""


@dataclass(frozen=True)
class Param:
    """What a parameter accepts. ``kind`` is the value type (list = list of ``str`` ids or
    words); ``low``/``high`` bound numbers (``low_open``: strictly above ``low``); ``ids`` names an
    id set of :data:`ID_SETS`; ``words`` lists literal choices; ``optional``: ``None`` allowed."""

    kind: type
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    ids: str | None = None
    words: tuple[str, ...] = ()
    extra_words: tuple[str, ...] = ()  # literals allowed besides the ids (e.g. "custom")
    optional: bool = False
    item: type = str  # the type of a list's items (str ids/words, or int/float within low/high)
    default: object = None  # the report's default (set by :func:`declare`)
    help: str = ""  # one line: meaning and unit (set by :func:`declare`)

    def allowed(self) -> str:
        """A short description of the allowed values, for error messages."""
        if self.ids or self.words:
            choices = sorted(allowed_words(self))
            text = ("one of " if self.kind is not list else "a list of ") + ", ".join(choices)
        elif self.kind in (int, float) or self.item in (int, float):
            left = "(" if self.low_open else "["
            number = self.kind if self.kind is not list else self.item
            text = (("a list of " if self.kind is list else "a ")
                    + f"{'whole ' if number is int else ''}number{'s' if self.kind is list else ''} in "
                    f"{left}{self.low:g}, {self.high:g}]")
        elif self.kind is bool:
            text = "true or false"
        else:
            text = "text"
        return text + (", or None (default)" if self.optional else "")


def allowed_words(spec: Param) -> set[str]:
    """The literal values a parameter accepts (ids of its id set plus its words)."""
    words = set(spec.words) | set(spec.extra_words)
    if spec.ids:
        table = load(ID_SETS[spec.ids])
        words |= set(table["rule_id"] if spec.ids == "rule" else table.index)
    return words


FLOP = Param(float, 1e6, 1e32, low_open=True, optional=True)

SPECS: dict[str, Param] = {
    # shared by several reports (the report contract)
    "region": Param(str, ids="region"),
    "usd_per_kwh": Param(float, 0.0, 2.0, low_open=True, optional=True),
    "pue": Param(float, 1.0, 4.0, optional=True),
    "load_factor": Param(float, 0.05, 1.0),
    "server_power_ratio": Param(float, 1.0, 5.0),
    "years": Param(float, 0.25, 30.0),
    "precision": Param(str, words=("bf16", "fp8")),
    "mfu": Param(float, 0.01, 1.0, optional=True),
    "hfu": Param(float, 0.01, 1.0, optional=True),
    "achieved_tflops": Param(float, 0.1, 100_000.0, optional=True),
    "interruptions_per_chip_hour": Param(float, 0.0, 0.01, optional=True),
    "restart_hours": Param(float, 0.0, 48.0, optional=True),
    "checkpoint_interval_hours": Param(float, 0.0, 48.0, optional=True),
    "max_cluster_chips": Param(int, 1, 10_000_000, optional=True),
    "cost_of_capital": Param(float, 0.0, 1.0),
    # training_run
    "model": Param(str, ids="run", extra_words=("custom",)),
    "total_params": FLOP,
    "active_params": FLOP,
    "tokens": FLOP,
    "chip": Param(str, ids="chip", optional=True),
    "chip_count": Param(int, 1, 10_000_000, optional=True),
    "recompute": Param(bool),
    "usd_per_gpu_hour": Param(float, 0.0, 1_000.0, low_open=True, optional=True),
    # chip_parity, energy_advantage
    "reference_chip": Param(str, ids="chip"),
    "reference_count": Param(int, 1, 10_000_000),
    "candidates": Param(list, ids="chip"),
    "workload": Param(str, words=("training", "prefill", "decode")),
    "regions": Param(list, ids="region"),
    # inference_cost
    "chips": Param(list, ids="chip"),
    "batch_size": Param(int, 1, 100_000),
    "input_tokens": Param(int, 1, 10_000_000),
    "output_tokens": Param(int, 1, 10_000_000),
    "hbm_efficiency": Param(float, 0.05, 1.0),
    # procurement
    "budget_usd": Param(float, 0.0, 1e13, low_open=True),
    "shares": Param(list, 0.0, 1.0, item=float, optional=True),
    "counts": Param(list, 0.0, 1e8, item=int, optional=True),
    "price_basis": Param(str, words=("low", "base", "high")),
    "export_rule": Param(str, ids="rule", optional=True),
    "grey_market_premium": Param(float, 0.0, 10.0, optional=True),
    "training_days": Param(float, 1.0, 3650.0),
    "context_tokens": Param(int, 0, 10_000_000),
    # depth: interconnect-aware scaling and uncertainty
    "parallel_config": Param(str, ids="config"),
    "overlap": Param(float, 0.0, 1.0),
    "seed": Param(int, 0, 2**32 - 1),
    "draws": Param(int, 100, 1_000_000),
    # export_controls (None = the rule as written)
    "tpp_threshold": Param(float, 0.0, 1e6, optional=True),
    "density_threshold": Param(float, 0.0, 1e3, optional=True),
    "io_threshold_gb_s": Param(float, 0.0, 1e5, optional=True),
}

#: Parameters whose meaning differs in one notebook: notebook -> name -> specification.
NOTEBOOK_SPECS: dict[str, dict[str, Param]] = {
    "inference_cost": {"model": Param(str, ids="model")},  # an architecture of data/models.csv
    "chip_parity": {"model": Param(str, ids="model")},
}

TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1"), ("false", "no", "0")
NONE_WORDS = ("none", "null")


def declare(**defaults) -> dict[str, Param]:
    """A report's parameters: name -> its shared specification with the report's default. A value
    may be a :class:`Param` (a meaning particular to this report, with its default set)."""
    declared = {}
    for name, default in defaults.items():
        if isinstance(default, Param):
            declared[name] = default
            continue
        if name not in SPECS:
            raise ParameterError(f"parameter {name!r} has no specification in analysis/assembly/params.py")
        spec = SPECS[name]
        declared[name] = replace(spec, default=default, optional=spec.optional or default is None)
    return declared


def report_parameters(notebook: str) -> dict[str, Param] | None:
    """The ``PARAMETERS`` a report module declares, or None for a report that declares none."""
    try:
        module = importlib.import_module(f"{__package__}.{notebook}")
    except ModuleNotFoundError:
        return None
    return getattr(module, "PARAMETERS", None)


def spec_for(name: str, notebook: str | None = None) -> Param:
    """The specification of a parameter name in a notebook (every parameter must have one)."""
    declared = report_parameters(notebook) if notebook else None
    if declared and name in declared:
        return declared[name]
    if name in NOTEBOOK_SPECS.get(notebook, {}):
        return NOTEBOOK_SPECS[notebook][name]
    if name not in SPECS:
        raise ParameterError(f"parameter {name!r} has no specification in analysis/params.py")
    return SPECS[name]


def parse(name: str, text: str, notebook: str | None = None):
    """A command-line string as a value of the parameter's type (not yet range-checked)."""
    spec = spec_for(name, notebook)
    raw = text.strip()
    if spec.optional and raw.lower() in NONE_WORDS:
        return None
    try:
        if spec.kind is bool:
            if raw.lower() not in TRUE_WORDS + FALSE_WORDS:
                raise ValueError
            return raw.lower() in TRUE_WORDS
        if spec.kind is int:
            number = float(raw)
            if not number.is_integer():
                raise ValueError
            return int(number)
        if spec.kind is float:
            return float(raw)
        if spec.kind is list:
            items = list_items(raw)
            return items if spec.item is str else [float(item) for item in items]
    except (ValueError, OverflowError):
        raise ParameterError(f"parameter {name}: {text!r} is not {spec.allowed()}") from None
    return raw


def list_items(text: str) -> list[str]:
    """The items of a list written as text, in any of the forms the reports accept: a comma
    string (``h20,ascend-910c``) or a YAML/Python flow list (``[h20, 'ascend-910c']``)."""
    raw = text.strip()
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]
    items = (item.strip().strip("'\"").strip() for item in raw.split(","))
    return [item for item in items if item]


def _normal(text: str) -> str:
    """A word as ids are written: lower case, spaces and underscores as '-'."""
    return re.sub(r"[\s_]+", "-", text.strip().lower()).strip("-")


def aliases(ids: str) -> dict[str, set[str]]:
    """Other ways to write the ids of id set ``ids``: each row's ``name`` (``NVIDIA H800 SXM5
    80GB``), without its parentheses and without its first word (the vendor), normalised as ids
    are (see :func:`_normal`) -> the ids they may mean."""
    table = load(ID_SETS[ids])
    found: dict[str, set[str]] = {}
    if "name" not in table.columns or ids == "rule":
        return found
    for key, name in table["name"].items():
        plain = _normal(re.sub(r"\([^)]*\)", " ", str(name)))
        for alias in {_normal(str(name)), plain, plain.split("-", 1)[-1]}:
            if alias:
                found.setdefault(alias, set()).add(key)
    return found


def _check_word(name: str, spec: Param, value) -> str:
    """An id or word, written in any case, with spaces or underscores for '-', as a name from the
    data (``NVIDIA H800 SXM5 80GB``) or as the unique id it starts or ends with (``H800`` ->
    ``h800-sxm``, ``910C`` -> ``ascend-910c``); else a ParameterError naming the closest allowed
    ones, the same family (``h100-…``) first."""
    allowed = allowed_words(spec)
    if not isinstance(value, str):
        raise ParameterError(f"parameter {name}: {value!r} is not {spec.allowed()}")
    word = _normal(value)
    if word in allowed:
        return word
    known = aliases(spec.ids) if spec.ids and word else {}
    named = known.get(word, set())
    if len(named) == 1:
        return next(iter(named))
    family = sorted(named or {a for a in allowed if a.startswith(word + "-") or a.endswith("-" + word)}
                    or {key for alias, keys in known.items() if alias.startswith(word + "-") for key in keys})
    if len(family) == 1:
        return family[0]
    if family:
        raise ParameterError(f"parameter {name}: {value!r} may mean {', '.join(family)}; give one of them")
    stem = word.split("-")[0]
    related = sorted(a for a in allowed if stem and a.split("-")[0] == stem)
    close = list(dict.fromkeys(related + difflib.get_close_matches(word, sorted(allowed), n=3, cutoff=0.5)))[:3]
    hint = f"closest: {', '.join(close)}; " if close else ""
    raise ParameterError(f"parameter {name}: {value!r} is unknown; {hint}allowed: "
                         f"{', '.join(sorted(allowed))}")


def check(name: str, value, notebook: str | None = None):
    """``value`` checked against the parameter's specification in ``notebook``; returns it
    normalised (ids lowercased, ints as float where the spec is float)."""
    spec = spec_for(name, notebook)
    if value is None:
        if spec.optional:
            return None
        raise ParameterError(f"parameter {name}: None is not allowed; expected {spec.allowed()}")
    if spec.kind is list:
        if isinstance(value, str):  # a comma string or flow list, as on the command line
            value = list_items(value)
            if spec.item is not str:
                try:
                    value = [float(item) for item in value]
                except ValueError:
                    raise ParameterError(f"parameter {name}: {value!r} is not {spec.allowed()}") from None
        if not isinstance(value, (list, tuple)) or not value:
            raise ParameterError(f"parameter {name}: {value!r} is not a non-empty list; "
                                 f"expected {spec.allowed()}")
        if spec.item is not str:
            return [_check_number(name, spec, item, spec.item) for item in value]
        items = [_check_word(name, spec, item) for item in value]
        if len(set(items)) != len(items):
            raise ParameterError(f"parameter {name}: {value!r} names an item twice")
        return items
    if spec.kind is str:
        return _check_word(name, spec, value) if (spec.ids or spec.words) else value
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise ParameterError(f"parameter {name}: {value!r} is not true or false")
        return value
    return _check_number(name, spec, value, spec.kind)


def _check_number(name: str, spec: Param, value, kind: type):
    """A number of ``kind`` inside the specification's bounds, or a ParameterError."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or (kind is int and not float(value).is_integer()):
        raise ParameterError(f"parameter {name}: {value!r} is not {spec.allowed()}")
    if not math.isfinite(value):
        raise ParameterError(f"parameter {name}: {value!r} is not a finite number; "
                             f"expected {spec.allowed()}")
    too_low = value <= spec.low if spec.low_open else value < spec.low
    if too_low or value > spec.high:
        raise ParameterError(f"parameter {name}: {value!r} is out of range; expected "
                             f"{spec.allowed()}")
    return kind(value)


def cross_check(notebook: str, values: dict) -> None:
    """Checks that involve several parameters (e.g. one budget share per chip)."""
    chips = values.get("chips") or []
    for name in ("shares", "counts"):
        if notebook == "procurement" and values.get(name) is not None and len(values[name]) != len(chips):
            raise ParameterError(f"parameter {name}: {values[name]!r} has {len(values[name])} items; "
                                 f"expected one per chip of chips ({len(chips)})")
    if notebook == "procurement" and values.get("shares") is not None and abs(sum(values["shares"]) - 1) > 1e-6:
        raise ParameterError(f"parameter shares: {values['shares']!r} sums to {sum(values['shares']):g}; "
                             "expected budget shares that sum to 1")
    if notebook == "procurement":
        _cross_check_procurement(values)
    if notebook == "training_run":
        _cross_check_training_run(values)


def _cross_check_training_run(values: dict) -> None:
    """A custom run names its own size, tokens, chip and chip count; utilisation is given one way."""
    if values.get("model") == "custom":
        missing = [n for n in ("active_params", "tokens", "chip", "chip_count") if values.get(n) is None]
        if missing:
            raise ParameterError(f"parameter model: 'custom' needs {', '.join(missing)}; pass them with -p")
    given = [n for n in ("mfu", "hfu", "achieved_tflops") if values.get(n) is not None]
    if len(given) > 1:
        raise ParameterError(f"parameters {', '.join(given)}: give one of mfu, hfu or achieved_tflops")


def _cross_check_procurement(values: dict) -> None:
    """A budget can only buy chips with a sourced price; a fleet needs at least one chip."""
    catalog = load("chips")
    if values.get("counts") is None:
        unpriced = [c for c in values.get("chips") or [] if c in catalog.index
                    and not catalog.at[c, "price_usd"] == catalog.at[c, "price_usd"]]
        if unpriced:
            raise ParameterError(f"parameter chips: {', '.join(unpriced)} has no sourced price in data/chips.csv, "
                                 "so a budget cannot buy it; give counts (an existing fleet) instead")
    elif not sum(values["counts"]) > 0:
        raise ParameterError(f"parameter counts: {values['counts']!r} holds no chip; expected at least one")


def validate(notebook: str, **values) -> dict:
    """All ``values`` of ``notebook`` checked (see :func:`check` and :func:`cross_check`); the
    notebooks' validation cell calls this."""
    checked = {name: check(name, value, notebook) for name, value in values.items()}
    cross_check(notebook, checked)
    return checked
