"""Report parameters: every parameter name is declared once, in :data:`SPECS` (type, bounds,
unit, meaning); one name means one thing in every report.

A report module chooses which parameters it takes and their defaults with :func:`declare`
(``PARAMETERS``); a parameter accepts None exactly where its report's default is None ("the
library's default", resolved by the report's inputs and shown with its source). The notebook's
parameters cell is generated from that declaration (:func:`parameters_cell`; a test fails when a
cell drifts). Checks that involve several parameters belong to the report: its module's
``cross_check(values)``, called by :func:`validate`. The pipeline checks parameters here before
any kernel starts, and the report's ``inputs`` checks them again when a notebook runs on its own,
so both routes accept and refuse the same values.
"""

from __future__ import annotations

import difflib
import importlib
import json
import math
import re
from dataclasses import dataclass, replace

from ..catalog import load

#: Named id sets a parameter may have to belong to: dataset name, index column meaning.
ID_SETS = {
    "chip": "chips",
    "region": "regions",
    "run": "training_runs",
    "model": "models",
    "config": "parallel_configs",
    "rule": "export_rules",
}


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
    unit: str = ""  # the unit of a number ("USD/kWh", "h", "share" …); empty for ids and words
    help: str = ""  # one line: what the parameter means
    none: str = "the library's default"  # what None means where a report's default is None
    default: object = None  # the report's default (set by :func:`declare`)

    def allowed(self) -> str:
        """A short description of the allowed values, for error messages."""
        if self.ids or self.words:
            choices = sorted(allowed_words(self))
            text = ("one of " if self.kind is not list else "a list of ") + ", ".join(choices)
        elif self.kind in (int, float) or self.item in (int, float):
            left = "(" if self.low_open else "["
            number = self.kind if self.kind is not list else self.item
            text = (
                ("a list of " if self.kind is list else "a ")
                + f"{'whole ' if number is int else ''}number{'s' if self.kind is list else ''} in "
                f"{left}{self.low:g}, {self.high:g}]"
            )
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


def _flop(help: str, **more) -> Param:
    """A count of parameters or tokens (a float: it may exceed 2⁶³)."""
    return Param(float, 1e6, 1e32, low_open=True, help=help, **more)


def _share(help: str, low: float = 0.0, **more) -> Param:
    """A share in [low, 1]."""
    return Param(float, low, 1.0, unit="share", help=help, **more)


#: Every parameter of every report, declared once.
SPECS: dict[str, Param] = {
    # where and how long: the site, the hardware's power and the cost horizon
    "region": Param(str, ids="region", help="region id of data/regions.csv: electricity price, PUE, grid carbon"),
    "regions": Param(list, ids="region", help="region ids of data/regions.csv to compare"),
    "usd_per_kwh": Param(
        float, 0.0, 2.0, low_open=True, unit="USD/kWh", help="electricity price", none="the region's base value"
    ),
    "pue": Param(
        float,
        1.0,
        4.0,
        unit="ratio",
        help="power usage effectiveness: facility power / IT power",
        none="the region's base value",
    ),
    "site": Param(
        str,
        words=("run", "region"),
        help="where a named run's energy and carbon are costed: run (the PUE and grid intensity of the site it "
        "trained in, where its developer or a primary source states them; the region for the rest) | region "
        "(the region's, as for any run)",
    ),
    "load_factor": _share("average draw as a share of maximum server power", 0.05),
    "server_power_ratio": Param(float, 1.0, 5.0, unit="× TDP", help="server and network power per chip over its TDP"),
    "years": Param(float, 0.25, 30.0, unit="years", help="depreciation period and cost horizon of owned hardware"),
    "cost_of_capital": Param(float, 0.0, 1.0, unit="per year", help="annual cost of capital for the capex charge"),
    # utilisation
    "precision": Param(
        str,
        words=("bf16", "fp8"),
        optional=True,
        help="dense peak and bytes per weight: bf16 | fp8",
        none="the training run's own precision (training_runs.csv; bf16 for a custom run)",
    ),
    "mfu": _share(
        "model-FLOPs utilisation (of the reference chip where there is one)",
        0.01,
        none="the report's implied or calibrated value (see its appendix)",
    ),
    "hfu": _share("hardware-FLOPs utilisation (with recompute, MFU is HFU × 6/8)", 0.01, none="not given"),
    "achieved_tflops": Param(
        float, 0.1, 100_000.0, unit="TFLOP/s", help="achieved hardware TFLOP/s per chip", none="not given"
    ),
    "utilisation": _share("share of hours an owned chip serves", 0.05, none="DeepSeek's average / peak nodes"),
    "hbm_efficiency": _share("share of HBM bandwidth reached in decode", 0.05),
    "decode_mfu": _share(
        "utilisation of the compute in decode (model FLOPs / dense peak) where compute binds",
        0.01,
        none="the median of published decode throughputs' implied utilisations (decode_observations.csv), "
        "drawn over their spread",
    ),
    # goodput
    "interruptions_per_chip_hour": Param(float, 0.0, 0.01, unit="per chip-hour", help="job interruptions"),
    "restart_hours": Param(float, 0.0, 48.0, unit="h", help="time to detect, restart and reload per interruption"),
    "checkpoint_write_hours": Param(float, 0.0, 48.0, unit="h", help="training stall per checkpoint write"),
    "checkpoint_interval_hours": Param(
        float,
        0.0,
        48.0,
        low_open=True,  # an interval of 0 would checkpoint without end: no training time at all
        unit="h",
        help="time between checkpoints",
        none="Young–Daly for each cluster size",
    ),
    "max_cluster_chips": Param(
        int, 1, 10_000_000, unit="chips", help="most chips in one cluster", none="one cluster per chip type"
    ),
    # a training run
    "run": Param(str, ids="run", extra_words=("custom",), help="run id of data/training_runs.csv, or custom"),
    "total_params": _flop("total parameters", none="the run's"),
    "active_params": _flop("parameters active per token (MoE)", none="the run's"),
    "tokens": _flop("training tokens", none="the run's"),
    "chip": Param(str, ids="chip", help="chip id of data/chips.csv", none="the run's"),
    "chip_count": Param(int, 1, 10_000_000, unit="chips", help="chips in the cluster", none="the run's"),
    "recompute": Param(bool, help="full activation recomputation: the hardware executes 8·N·D instead of 6·N·D"),
    "usd_per_gpu_hour": Param(
        float,
        0.0,
        1_000.0,
        low_open=True,
        unit="USD/chip-hour",
        help="rental price",
        none="the run's, else the chip's base rental",
    ),
    "parallel_config": Param(str, ids="config", help="parallel layout of data/parallel_configs.csv"),
    "overlap": _share("share of communication hidden behind computation"),
    # comparing chips
    "reference_chip": Param(str, ids="chip", help="chip id the others are measured against"),
    "reference_count": Param(int, 1, 10_000_000, unit="chips", help="number of reference chips"),
    "candidates": Param(list, ids="chip", help="chip ids to compare with the reference"),
    "workload": Param(str, words=("training", "prefill", "decode"), help="training | prefill | decode"),
    # serving
    "model": Param(str, ids="model", help="architecture id of data/models.csv"),
    "chips": Param(list, ids="chip", help="chip ids of data/chips.csv"),
    "batch_size": Param(
        int,
        1,
        100_000,
        unit="sequences",
        help="sequences decoded together per model replica (all the chips one copy of the model is sharded over)",
        none="the median of published deployments' decode batches (decode_batches.csv), drawn over their spread",
    ),
    "input_tokens": Param(int, 1, 10_000_000, unit="tokens", help="prompt tokens per request"),
    "output_tokens": Param(int, 1, 10_000_000, unit="tokens", help="generated tokens per request"),
    "context_tokens": Param(
        int,
        0,
        10_000_000,
        unit="tokens",
        help="tokens of context per sequence: the KV cache in decode, the prompt in prefill",
    ),
    "cached_share": Param(float, 0.0, 0.99, unit="share", help="share of input tokens served from the KV cache"),
    # buying chips
    "budget_usd": Param(
        float, 0.0, 1e13, low_open=True, unit="USD", help="money spent per option, on the basis of budget_basis"
    ),
    "budget_basis": Param(
        str,
        words=("all-in", "as-priced"),
        help="what the budget pays for: all-in (chips, servers and network: equal capex per option) | as-priced "
        "(the chips at their catalog price only)",
    ),
    "shares": Param(
        list, 0.0, 1.0, item=float, unit="share", help="budget share per chip (sums to 1)", none="no mixed option"
    ),
    "counts": Param(
        list,
        0.0,
        1e8,
        item=int,
        unit="chips",
        help="chips per chip id of a fleet already owned",
        none="buy with the budget",
    ),
    "price_basis": Param(
        str, words=("range", "low", "base", "high"), help="chip price: range (drawn) | low | base | high (fixed)"
    ),
    "export_rule": Param(
        str, ids="rule", help="rule vintage whose licence policy decides availability", none="every chip available"
    ),
    "grey_market_premium": Param(
        float,
        0.0,
        10.0,
        unit="share",
        help="extra paid for chips under a presumption of denial (0.5: +50 %)",
        none="chips under a presumption of denial are unavailable",
    ),
    "training_days": Param(float, 1.0, 3650.0, unit="days", help="length of the run that sizes the largest model"),
    "reported_chips": Param(
        int,
        1,
        100_000_000,
        unit="chips",
        help="chips a reported order of this budget bought (a price check)",
        none="no check",
    ),
    # a national compute stock (compute_stock): policy levers and the stock's own settings
    "h20_after_april_2025": Param(
        str,
        words=("allowed", "banned"),
        help="H20 sales to China after the 9 Apr 2025 licence requirement: allowed (as Epoch AI records them) | banned",
    ),
    "h200_exports": Param(
        str,
        words=("zero", "cap", "estimate"),
        help="H200 exports to China from 2026: zero | cap (50 % of US volume, 91 FR 1684) | estimate (Grunewald)",
    ),
    "smuggling": Param(
        str, words=("zero", "low", "central", "high"), help="chips smuggled into China: zero | low | central | high"
    ),
    "huawei_output": Param(
        str, words=("low", "central", "high"), help="Huawei Ascend output as reported: low | central | high"
    ),
    "hbm_replenished": Param(bool, help="HBM stacks reach China after the Dec 2024 rule (no stockpile limit)"),
    "packaging_packages_per_year": Param(
        float,
        0.0,
        1e8,
        low_open=True,
        unit="packages/year",
        help="China's advanced-packaging capacity for AI accelerators",
        none="no limit (no sourced capacity)",
    ),
    "lifetime_years": Param(float, 1.0, 30.0, unit="years", help="service life of an AI chip before retirement"),
    "run_share_of_stock": _share(
        "share of a country's stock usable in one training run",
        0.0,
        low_open=True,
        none="the largest known cluster",
    ),
    "china_region": Param(str, ids="region", help="region id of data/regions.csv where China's stock runs"),
    "us_region": Param(str, ids="region", help="region id of data/regions.csv where the US stock runs"),
    # Monte Carlo
    "seed": Param(int, 0, 2**32 - 1, help="Monte Carlo seed (same seed and parameters give the same numbers)"),
    # Kernel memory (max RSS, /usr/bin/time -v of a render) at 100,000 draws: 0.19-0.55 GB per report with
    # its defaults; energy_advantage with all 18 chips in 7 priced regions 2.2 GB, the largest; about ten
    # times that at 1,000,000 (issue 22 item 13: 4.4 GB for energy_advantage's defaults). Not bounded lower:
    # what a render may use is the reader's budget; the help says what it costs.
    "draws": Param(
        int,
        100,
        1_000_000,
        help="Monte Carlo draws (memory grows with draws × chips × regions: up to 2.2 GB at 100,000)",
    ),
    # export controls: what-if thresholds
    "tpp_threshold": Param(
        float,
        0.0,
        1e6,
        unit="TPP",
        help="what-if: TPP per IC at or above which a chip is controlled",
        none="the 2023 rule as written",
    ),
    "density_threshold": Param(
        float, 0.0, 1e3, unit="TPP/mm²", help="what-if: performance density floor", none="the 2023 rule as written"
    ),
    "io_threshold_gb_s": Param(
        float, 0.0, 1e5, unit="GB/s", help="what-if: also require this chip-to-chip I/O", none="no I/O test"
    ),
    # export controls: a what-if chip, classified without editing data/ (figures per integrated circuit)
    "new_chip_name": Param(str, help="what-if chip: its name in the report", none="hypothetical chip"),
    "new_chip_tpp": Param(
        float,
        0.0,
        1e7,
        low_open=True,
        unit="TPP",
        help="what-if chip: total processing performance per IC (or give its dense TOPS instead)",
        none="from its dense TOPS; no what-if chip without either",
    ),
    "new_chip_fp32_dense_tflops": Param(
        float, 0.0, 1e6, low_open=True, unit="TFLOP/s", help="what-if chip: dense FP32 per IC", none="not given"
    ),
    "new_chip_bf16_dense_tflops": Param(
        float, 0.0, 1e6, low_open=True, unit="TFLOP/s", help="what-if chip: dense BF16 per IC", none="not given"
    ),
    "new_chip_fp8_dense_tflops": Param(
        float, 0.0, 1e6, low_open=True, unit="TFLOP/s", help="what-if chip: dense FP8 per IC", none="not given"
    ),
    "new_chip_int8_dense_tops": Param(
        float, 0.0, 1e6, low_open=True, unit="TOPS", help="what-if chip: dense INT8 per IC", none="not given"
    ),
    "new_chip_die_area_mm2": Param(
        float,
        0.0,
        1e5,
        low_open=True,
        unit="mm²",
        help="what-if chip: logic die area per IC",
        none="unknown (a density test it decides is undetermined)",
    ),
    "new_chip_planar_node": Param(bool, help="what-if chip: made on a planar node (no applicable die area)"),
    "new_chip_interconnect_gb_s": Param(
        float,
        0.0,
        1e6,
        unit="GB/s",
        help="what-if chip: aggregate bidirectional chip-to-chip I/O",
        none="unknown (an I/O test it decides is undetermined)",
    ),
    "new_chip_dram_bandwidth_gb_s": Param(
        float,
        0.0,
        1e6,
        unit="GB/s",
        help="what-if chip: DRAM bandwidth per IC",
        none="unknown (a licence line it decides is undetermined)",
    ),
    "new_chip_us_commercially_available": Param(
        bool, help="what-if chip: sold in the US when 91 FR 1684 was published (its condition (1))"
    ),
    "new_chip_us_export_licensing": Param(
        bool, help="what-if chip: a US export (false: a Chinese chip sold in China, not subject)"
    ),
}

#: Parameter groups several reports take alike, with their defaults (None: the library's,
#: resolved and sourced by analysis.assembly.inputs): a site's price and PUE, owned hardware,
#: the goodput model's inputs, the Monte Carlo.
SITE = {"usd_per_kwh": None, "pue": None}
OWNED = {"load_factor": None, "server_power_ratio": None, "years": None}
GOODPUT = {
    "interruptions_per_chip_hour": None,
    "restart_hours": None,
    "checkpoint_write_hours": None,
    "checkpoint_interval_hours": None,
}
MONTE_CARLO = {"seed": 0, "draws": 10_000}
#: The one default of each training concept every report shares (issue 20), declared here once:
#: the reference chip's MFU, the parallel layout and the share of its communication hidden behind
#: computation. Each value's source and reason is its record in analysis.assembly.inputs.DEFAULTS;
#: docs/methods.md says why the layout is DeepSeek-V3's. A report that must use another setting
#: says which and why on its first page.
TRAINING = {"mfu": 0.4, "parallel_config": "deepseek-v3-pretraining", "overlap": 1.0}
#: Where the hardware runs by default: China's national average industrial tariff, PUE and grid.
WHERE = {"region": "cn-avg-industrial"}

TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1"), ("false", "no", "0")
NONE_WORDS = ("none", "null")


def declare(**defaults) -> dict[str, Param]:
    """A report's parameters: name -> its specification in :data:`SPECS` with the report's
    default; None as a default means "the library's default" and makes None an allowed value."""
    declared = {}
    for name, default in defaults.items():
        if name not in SPECS:
            raise ParameterError(f"parameter {name!r} has no specification in analysis/assembly/params.py")
        declared[name] = replace(SPECS[name], default=default, optional=default is None)
    return declared


def report_parameters(notebook: str) -> dict[str, Param] | None:
    """The ``PARAMETERS`` a report module declares, or None for a report that declares none."""
    module = report_module(notebook)
    return getattr(module, "PARAMETERS", None) if module else None


def report_module(notebook: str):
    """The report module of :mod:`analysis.assembly` named ``notebook``, or None."""
    try:
        return importlib.import_module(f"{__package__}.{notebook}")
    except ModuleNotFoundError:
        return None


def spec_for(name: str, notebook: str | None = None) -> Param:
    """The specification of a parameter name as ``notebook`` declares it (else :data:`SPECS`')."""
    declared = report_parameters(notebook) if notebook else None
    if declared and name in declared:
        return declared[name]
    if name not in SPECS:
        raise ParameterError(f"parameter {name!r} has no specification in analysis/assembly/params.py")
    return SPECS[name]


def _annotation(spec: Param) -> str:
    """The parameters cell's type annotation of a specification (papermill reads it)."""
    kind = {str: "str", int: "int", float: "float", bool: "bool"}
    text = f"List[{kind[spec.item]}]" if spec.kind is list else kind[spec.kind]
    return f"Optional[{text}]" if spec.optional else text


def _literal(value) -> str:
    """A default as Python source: ``"h100-sxm"``, ``["h20", "b200"]``, ``1e9``, ``0.4``."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e5:
        mantissa, exponent = f"{value:e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return repr(value)


def parameters_cell(declared: dict[str, Param]) -> str:
    """The source of a notebook's parameters cell, generated from the report's declaration: one
    line a parameter, ``name: type = default  # meaning [unit]; None: the library's default``
    (kept out of the formatter, since papermill reads one assignment a line)."""
    if not declared:
        return "# No parameters: every case enters the setup its own source discloses and keeps every other default."
    lines = ["# fmt: off"]
    for name, spec in declared.items():
        if "=" in spec.help + spec.none:  # papermill stops reading the cell at a '=' in a comment
            raise ValueError(f"parameter {name}: its help text may not contain '='")
        unit = f" [{spec.unit}]" if spec.unit and spec.unit != "share" else ""
        none = f"; None: {spec.none}" if spec.optional else ""
        lines.append(f"{name}: {_annotation(spec)} = {_literal(spec.default)}  # {spec.help}{unit}{none}")
    return "\n".join([*lines, "# fmt: on"])


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
    family = sorted(
        named
        or {a for a in allowed if a.startswith(word + "-") or a.endswith("-" + word)}
        or {key for alias, keys in known.items() if alias.startswith(word + "-") for key in keys}
    )
    if len(family) == 1:
        return family[0]
    if family:
        raise ParameterError(f"parameter {name}: {value!r} may mean {', '.join(family)}; give one of them")
    stem = word.split("-")[0]
    related = sorted(a for a in allowed if stem and a.split("-")[0] == stem)
    close = list(dict.fromkeys(related + difflib.get_close_matches(word, sorted(allowed), n=3, cutoff=0.5)))[:3]
    hint = f"closest: {', '.join(close)}; " if close else ""
    raise ParameterError(f"parameter {name}: {value!r} is unknown; {hint}allowed: {', '.join(sorted(allowed))}")


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
            raise ParameterError(f"parameter {name}: {value!r} is not a non-empty list; expected {spec.allowed()}")
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
        raise ParameterError(f"parameter {name}: {value!r} is not a finite number; expected {spec.allowed()}")
    too_low = value <= spec.low if spec.low_open else value < spec.low
    if too_low or value > spec.high:
        raise ParameterError(f"parameter {name}: {value!r} is out of range; expected {spec.allowed()}")
    return kind(value)


def _check_site(values: dict, declared=None) -> None:
    """Every region used needs an electricity price: a region of data/regions.csv without a
    sourced one is allowed only where the reader gives ``usd_per_kwh`` (a report comparing
    ``regions``, or compute_stock's ``china_region``/``us_region``, takes each region's own price,
    so there every region needs one). The error offers ``usd_per_kwh`` only to a report that
    declares it (``declared``: the report's parameter names; None: every report's)."""
    prices = load("regions")["usd_per_kwh"]
    unpriced = sorted(r for r in prices.index if not prices[r] == prices[r])
    if not unpriced:
        return
    asked = [("region", values.get("region"))] if values.get("usd_per_kwh") is None else []
    asked += [("regions", r) for r in values.get("regions") or []]
    asked += [(name, values.get(name)) for name in ("china_region", "us_region")]
    for name, region in asked:
        if region in unpriced:
            priced = ", ".join(r for r in prices.index if r not in unpriced)
            priceable = name == "region" and (declared is None or "usd_per_kwh" in declared)
            fix = "give usd_per_kwh, or choose" if priceable else "choose"
            raise ParameterError(
                f"parameter {name}: {region!r} has no sourced electricity price in data/regions.csv; "
                f"{fix} one of {priced}"
            )


def cross_check(notebook: str, values: dict) -> None:
    """Checks that involve several parameters: every region used has an electricity price (all
    reports), then the report's own (its module's ``cross_check``)."""
    module = report_module(notebook)
    _check_site(values, getattr(module, "PARAMETERS", None) if module else None)
    check_all = getattr(module, "cross_check", None) if module else None
    if check_all is not None:
        check_all(values)


def validate(notebook: str, **values) -> dict:
    """All ``values`` of ``notebook`` checked (see :func:`check` and :func:`cross_check`); the
    reports' ``inputs`` call this."""
    checked = {name: check(name, value, notebook) for name, value in values.items()}
    cross_check(notebook, checked)
    return checked
