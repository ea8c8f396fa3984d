"""Inputs every report resolves the same way, typed: a :class:`Site` (electricity price, PUE,
grid intensity), the library defaults (:data:`DEFAULTS`, each with its unit and source key), the
goodput inputs (:class:`GoodputInputs`), the chips (peak at a precision, maximum power per chip,
price and what it buys, vendor MFU factor) and the ranges of the uncertain inputs for the Monte
Carlo, keyed by the parameter's own name (``usd_per_kwh``, ``pue``, ``mfu``).

Every resolved value is also a :class:`Used` record (value, unit, source key in
``data/SOURCES.md``, origin in words): the ``inputs`` block of every report's JSON and the
"inputs as used" table of its appendix. Reports call these instead of reading the catalog or a
library constant themselves, so an input is resolved by one piece of code in every report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..catalog import CHIPS, keys_in, load, lookup, per_data
from ..formulas import compute, cost, goodput, power, scaling, uncertainty
from .params import SPECS, TRAINING
from .present.chips import chip_short
from .present.numbers import counted

#: The source key of a value the reader set (data/SOURCES.md).
READER = "report-parameter"
#: The source key of a stated assumption of this package (data/SOURCES.md).
ASSUMPTION = "package-assumption"


@dataclass(frozen=True)
class Used:
    """One input as a report used it: ``value`` in ``unit``, its ``source`` key in
    ``data/SOURCES.md`` and its ``origin`` in words ("set by the reader", "Epoch AI" …). A record
    built from several sources (a catalog row, the MFU spread) names them all, ``;``-separated,
    the one that sets the value first; the report's sources appendix lists every key its records name."""

    value: object
    unit: str
    source: str
    origin: str

    def as_json(self) -> dict:
        """The record as the JSON's ``inputs`` block writes it."""
        return {"value": self.value, "unit": self.unit, "source": self.source, "origin": self.origin}


RATIO = "server_power_ratio"
#: The library's defaults for parameters a report leaves at None: value, unit, source key, origin.
DEFAULTS: dict[str, Used] = {
    "load_factor": Used(power.LOAD_FACTOR, "share", "epoch-training-cost-trends", "Epoch AI"),
    "server_power_ratio": Used(
        power.SERVER_POWER_RATIO, "× TDP", "epoch-chip-to-server-power", "Epoch AI's, for a GPU without its own"
    ),
    "years": Used(
        cost.YEARS,
        "years",
        "package-assumption;hyperscaler-depreciation",
        "a choice of this package, shorter than the 5–6-year server lives of the hyperscalers' 10-Ks",
    ),
    "interruptions_per_chip_hour": Used(
        goodput.INTERRUPTIONS_PER_CHIP_HOUR, "per chip-hour", "llama3-paper", "Llama 3: 419 in 54 days on 16,384 GPUs"
    ),
    "restart_hours": Used(
        goodput.RESTART_HOURS,
        "h",
        "trainmover-2025",
        "TrainMover: per interruption of an 8,192-GPU job, restarted from a checkpoint in storage "
        "(detection not included)",
    ),
    "checkpoint_write_hours": Used(
        goodput.CHECKPOINT_WRITE_HOURS,
        "h",
        "llama3-checkpoint-storage",
        "a write to storage, not in memory: Llama 3 405B's state, 405 B parameters × 14 bytes (ZeRO), "
        "at Tectonic's 2 TB/s",
    ),
    "checkpoint_interval_hours": Used(
        "Young–Daly", "h", "young-1974", "sqrt(2 × checkpoint write time / (chips × interruptions per chip-hour))"
    ),
    "mfu": Used(TRAINING["mfu"], "share", "llama3-paper", "Llama 3 405B on H100: 38–43 % BF16 MFU (Table 4)"),
    "parallel_config": Used(
        TRAINING["parallel_config"],
        "layout",
        "deepseek-v3-report",
        "DeepSeek-V3's disclosed layout on 2,048 H800, the one published on an export-restricted chip",
    ),
    "overlap": Used(
        TRAINING["overlap"],
        "share",
        "deepseek-v3-report",
        "DualPipe: computation and communication fully overlapped, near-zero all-to-all overhead",
    ),
}


def setting(name: str, value, *, default: Used | None = None) -> Used:
    """The one way a report resolves a parameter: the reader's ``value`` (source
    :data:`READER`), else ``default``, else the library's :data:`DEFAULTS` entry."""
    if value is not None:
        return Used(value, SPECS[name].unit, READER, "set by the reader")
    chosen = default or DEFAULTS.get(name)
    if chosen is None:
        raise KeyError(f"parameter {name!r} has no library default")
    return chosen


def report_setting(
    name: str, value, declared: dict, *, source: str = ASSUMPTION, origin: str = "the report's default"
) -> Used:
    """A parameter whose report default is a value (not None): the reader's ``value`` (source
    :data:`READER`) or, where it equals the default in ``declared`` (a report's ``PARAMETERS``),
    the shared default's record in :data:`DEFAULTS` where that default is the shared one
    (``params.TRAINING``), else that default with its ``source`` key (default :data:`ASSUMPTION`)
    and ``origin``."""
    spec = declared[name]
    if value != spec.default:
        return setting(name, value)
    library = DEFAULTS.get(name)
    if library is not None and library.value == spec.default:  # the shared default, with its source
        return library
    return Used(spec.default, spec.unit or "share", source, origin)


@dataclass(frozen=True)
class ReportInputs:
    """What every report's typed inputs hold besides their own fields: the ``parameters`` as the
    reader gave them (for the JSON and the appendix only; code reads the typed fields) and
    ``used``, the inputs block (name -> :class:`Used`, nested per chip or region)."""

    parameters: dict
    used: dict


@dataclass(frozen=True)
class DrawnInputs(ReportInputs):
    """Typed inputs of a report with a Monte Carlo: also its ``ranges`` (name -> (low, base,
    high), keyed by parameter name or ``"<chip> price"`` …), ``seed`` and number of ``draws``."""

    ranges: dict[str, tuple[float, float, float]]
    seed: int
    draws: int


def evaluate(
    model, inp: DrawnInputs, index, *, open_ended: bool = False
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    """A report's ``model`` (its ``figures(x, inp)``, arrays of shape (draws, len(index))) at
    the base point and at the seeded draws of ``inp.ranges`` (:func:`evaluate_points`): the base
    frame (one row per entry of ``index``), the ``p10``/``p50``/``p90`` frames
    (:func:`uncertainty.percentile_frames`, ``open_ended``: infinite draws ranked) and the drawn
    figures."""
    base, drawn = evaluate_points(model, inp)
    frame = pd.DataFrame({k: np.asarray(v)[0] for k, v in base.items()}, index=index)
    return frame, uncertainty.percentile_frames(drawn, index, open_ended=open_ended), drawn


def evaluate_points(model, inp: DrawnInputs) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A report's ``model`` at the base point (arrays of one row) and at the seeded draws of
    ``inp.ranges``, without bands: for a caller that reads a few cells of the draws."""
    return model(base_point(inp.ranges), inp), model(uncertainty.draw(inp.ranges, inp.draws, inp.seed), inp)


#: What a region's base PUE is, in words (``regions.csv`` ``pue_basis``): a policy target (China's
#: plans), an operator's measured figure (Meta's new buildings 1.09, Jean Zay 1.2) or a survey's figure
#: for newer, larger facilities (the US 1.30: Uptime's 2024 survey, whose industry average is 1.58).
PUE_BASES = {
    "target": "a policy target",
    "measured": "an operator's measured figure",
    "new-builds": "a survey figure for newer, larger facilities, not an average",
}


@dataclass(frozen=True)
class Site:
    """Where the hardware runs: electricity price [USD/kWh], PUE and grid intensity
    [kg CO2/kWh], with the (low, base, high) ranges of price and PUE for the Monte Carlo;
    ``pue_basis``: what the region's base PUE is, a key of :data:`PUE_BASES` (``regions.csv``)."""

    region: str
    name: str
    usd_per_kwh: float
    pue: float
    pue_basis: str
    grid_kgco2_per_kwh: float
    usd_per_kwh_range: tuple[float, float, float]
    pue_range: tuple[float, float, float]
    used: dict[str, Used]

    def pue_text(self, fmt: str = "{:.2f}") -> str:
        """The base PUE in words with what it is (:data:`PUE_BASES`): "PUE 1.50, a policy target",
        "PUE 1.30, a survey figure for newer, larger facilities, not an average", or just "PUE 1.20"
        for a reader's value."""
        basis = f", {PUE_BASES[self.pue_basis]}" if self.pue_basis in PUE_BASES else ""
        return f"PUE {fmt.format(self.pue)}{basis}"

    def ranges(self) -> dict[str, tuple[float, float, float]]:
        """The Monte Carlo ranges of the site, keyed ``usd_per_kwh`` and ``pue``."""
        return {"usd_per_kwh": self.usd_per_kwh_range, "pue": self.pue_range}


def site(region: str, *, usd_per_kwh: float | None = None, pue: float | None = None) -> Site:
    """The :class:`Site` of a region; explicit ``usd_per_kwh``/``pue`` override the region's base
    values and fix them (no range)."""
    row = lookup(load("regions"), region, "region")
    price = row["usd_per_kwh"] if usd_per_kwh is None else usd_per_kwh
    if np.isnan(price):
        raise ValueError(f"region {row.name!r} has no sourced electricity price; pass usd_per_kwh")
    price_range = (
        (usd_per_kwh,) * 3
        if usd_per_kwh is not None
        else uncertainty.ranges_from(row["usd_per_kwh_low"], row["usd_per_kwh"], row["usd_per_kwh_high"])
    )
    pue_range = (pue,) * 3 if pue is not None else uncertainty.ranges_from(row["pue_low"], row["pue"], row["pue_high"])
    # each figure's origin says what it is: the region's name describes its tariff, not its PUE or grid
    origin = f"{row['name']} ({row.name}), base value"
    pue_origin = f"region {row.name}, base PUE: {PUE_BASES[row['pue_basis']]}"
    used = {
        "usd_per_kwh": setting(
            "usd_per_kwh", usd_per_kwh, default=Used(float(price), "USD/kWh", _key(row["price_source"]), origin)
        ),
        "pue": setting("pue", pue, default=Used(float(row["pue"]), "ratio", _key(row["pue_source"]), pue_origin)),
        "grid_kgco2_per_kwh": Used(
            float(row["grid_kgco2_per_kwh"]),
            "kg CO2/kWh",
            _key(row["carbon_source"]),
            f"region {row.name}, grid average (location-based)",
        ),
    }
    return Site(
        region=row.name,
        name=row["name"],
        usd_per_kwh=float(price),
        pue=float(row["pue"] if pue is None else pue),
        pue_basis=row["pue_basis"] if pue is None else "given",
        grid_kgco2_per_kwh=float(row["grid_kgco2_per_kwh"]),
        usd_per_kwh_range=tuple(map(float, price_range)),
        pue_range=tuple(map(float, pue_range)),
        used=used,
    )


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _times_ten(value: float) -> str:
    """A small number as a reader writes it, three significant figures: ``1.97 × 10⁻⁵``."""
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{float(mantissa):g} × 10{str(int(exponent)).translate(_SUPERSCRIPTS)}"


@dataclass(frozen=True)
class GoodputInputs:
    """The goodput model's inputs (:func:`analysis.formulas.goodput.goodput`): interruptions per
    chip-hour, restart hours, checkpoint write hours and the checkpoint interval [h] (None: the
    Young–Daly interval of each cluster size, :func:`analysis.formulas.goodput.checkpoint_interval_hours`)."""

    interruptions_per_chip_hour: float
    restart_hours: float
    checkpoint_write_hours: float
    checkpoint_interval_hours: float | None
    used: dict[str, Used]

    def kwargs(self) -> dict:
        """The keyword arguments of :func:`analysis.formulas.goodput.goodput`."""
        return {
            "interruptions_per_chip_hour": self.interruptions_per_chip_hour,
            "restart_hours": self.restart_hours,
            "checkpoint_write_hours": self.checkpoint_write_hours,
            "checkpoint_interval_hours": self.checkpoint_interval_hours,
        }

    def ranges(self) -> dict[str, tuple[float, float, float]]:
        """The Monte Carlo ranges of λ [per chip-hour], R and δ [h], keyed by parameter name: the
        sourced range of a library default (:data:`analysis.formulas.goodput.RANGES`), a reader's
        value fixed."""
        return {
            name: (value,) * 3 if self.used[name].source == READER else goodput.RANGES[name]
            for name, value in self.kwargs().items()
            if name in goodput.RANGES
        }

    def spread_used(self) -> Used:
        """The record of :meth:`ranges` for the inputs block: each drawn input's low–high (a reader's
        value: fixed), sourced from Llama 3 (λ: its interruptions; δ: its checkpoint storage),
        FlashRecovery (R's low end) and Google Cloud (R's high end)."""
        r = self.ranges()
        lam, restart, delta = (r[k] for k in ("interruptions_per_chip_hour", "restart_hours", "checkpoint_write_hours"))
        value = (
            f"interruptions per chip-hour {_times_ten(lam[0])}–{_times_ten(lam[2])}; restart "
            f"{restart[0] * 60:.3g}–{restart[2] * 60:.3g} min; checkpoint write "
            f"{delta[0] * 3600:.2g}–{delta[2] * 3600:.3g} s"
        )
        origin = (
            "triangular, mode at the default: λ up to Llama 3's 466 interruptions with the 47 planned ones; R "
            "from FlashRecovery's 150 s on 4,800 devices (in-memory recovery) to Google's 'up to 30 minutes' from "
            "saved checkpoints at tens of thousands of accelerators; δ up to every GPU writing 4 GB at 2 TB/s"
        )
        return Used(value, "range", "llama3-paper;flashrecovery-2025;google-multitier-checkpointing-2025", origin)

    def drawn(self, x: dict, *, per_chip: bool = True) -> dict:
        """:meth:`kwargs` with the drawn inputs of ``x`` (arrays of draws, keyed as :meth:`ranges`)
        as columns (draws × 1), so that they broadcast over a report's chips; with ``per_chip``
        False as they are (one value per draw)."""
        shape = (slice(None), None) if per_chip else slice(None)
        return self.kwargs() | {name: np.asarray(x[name], dtype=float)[shape] for name in self.ranges() if name in x}

    def interval_hours(self, chip_count) -> float:
        """The checkpoint interval [h] a job on ``chip_count`` chips uses: the reader's, else Young–Daly."""
        if self.checkpoint_interval_hours is not None:
            return float(self.checkpoint_interval_hours)
        return float(
            goodput.checkpoint_interval_hours(
                chip_count,
                interruptions_per_chip_hour=self.interruptions_per_chip_hour,
                checkpoint_write_hours=self.checkpoint_write_hours,
            )
        )

    def describe(self, chip_count, *, also: float | None = None, draws: int = 10_000, seed: int = 0) -> str:
        """One sentence for a report's Methods: the goodput equation, each input with its source
        key, and the checkpoint interval used at ``chip_count`` chips (and, with ``also``, the
        interval and goodput at that many chips too: the P50 and P10–P90 of ``draws`` seeded draws
        of λ, R and δ, :meth:`at_scale`, as every report's headline, with the base point beside)."""
        u = self.used
        rate = _times_ten(self.interruptions_per_chip_hour)
        interval = self.interval_hours(chip_count) * 60
        if self.checkpoint_interval_hours is None:
            model = (
                "goodput(n) = 1 / (1 + n·λ·R + sqrt(2·δ·n·λ)), first-order Young (1974) / Daly (2006) with each "
                "cluster checkpointing at its optimum interval T = sqrt(2·δ / (n·λ))"
            )
            at = f"T = {interval:.3g} min at {counted(chip_count, 'chip')} (Young–Daly; `young-1974`, `daly-2006`)"
        else:
            model = "goodput(n) = 1 / (1 + δ/T + n·λ·(R + T/2)) with the reader's fixed checkpoint interval T"
            at = f"T = {interval:.3g} min ({u['checkpoint_interval_hours'].origin})"
        return (
            f"{model}; λ = {rate} interruptions per chip-hour ({u['interruptions_per_chip_hour'].origin}; "
            f"`{u['interruptions_per_chip_hour'].source}`), restart R = {self.restart_hours * 60:.3g} min "
            f"({u['restart_hours'].origin}; `{u['restart_hours'].source}`), checkpoint write δ = "
            f"{self.checkpoint_write_hours * 3600:.2g} s ({u['checkpoint_write_hours'].origin}; "
            f"`{u['checkpoint_write_hours'].source}`); {at}."
        ) + ("" if also is None else self._at(also, draws=draws, seed=seed))

    def at_scale(self, chip_count, *, draws: int, seed: int) -> tuple[float, float, float, float]:
        """Goodput [share] of one job on ``chip_count`` chips: (P10, P50, P90) over ``draws`` draws of
        :meth:`ranges` (seeded by ``seed`` and each input's name, :func:`analysis.formulas.uncertainty.draw`,
        the streams every report draws them from; :func:`~analysis.formulas.uncertainty.percentiles`, the one
        percentile routine) and the base point."""
        x = uncertainty.draw(self.ranges(), draws, seed)
        drawn = goodput.goodput(chip_count, **self.drawn(x, per_chip=False))
        band = uncertainty.percentiles(drawn)
        return band["p10"], band["p50"], band["p90"], float(goodput.goodput(chip_count, **self.kwargs()))

    def _at(self, chip_count, *, draws: int, seed: int) -> str:
        """The checkpoint interval and goodput of one job on ``chip_count`` chips, as a sentence:
        the goodput's P50 with its P10–P90 band and the base point (:meth:`at_scale`)."""
        p10, p50, p90, base = self.at_scale(chip_count, draws=draws, seed=seed)
        return (
            f" At {counted(chip_count, 'chip')} the same inputs give "
            f"T = {self.interval_hours(chip_count) * 60:.3g} min "
            f"and goodput {p50 * 100:.1f} % (P50 of the draws of λ, R and δ, P10–P90 "
            f"{p10 * 100:.1f}–{p90 * 100:.1f} %; base point {base * 100:.1f} %)."
        )


def goodput_inputs(
    *,
    interruptions_per_chip_hour: float | None = None,
    restart_hours: float | None = None,
    checkpoint_write_hours: float | None = None,
    checkpoint_interval_hours: float | None = None,
    chip_count: float | None = None,
) -> GoodputInputs:
    """The goodput inputs: the reader's values where given, else the library's defaults. With the
    default (Young–Daly) interval and a ``chip_count`` (the report's main cluster), the inputs
    block records the interval at that size."""
    used = {
        "interruptions_per_chip_hour": setting("interruptions_per_chip_hour", interruptions_per_chip_hour),
        "restart_hours": setting("restart_hours", restart_hours),
        "checkpoint_write_hours": setting("checkpoint_write_hours", checkpoint_write_hours),
        "checkpoint_interval_hours": setting("checkpoint_interval_hours", checkpoint_interval_hours),
    }
    values = {k: float(u.value) for k, u in used.items() if k != "checkpoint_interval_hours"}
    fixed = None if checkpoint_interval_hours is None else float(checkpoint_interval_hours)
    loss = GoodputInputs(**values, checkpoint_interval_hours=fixed, used=used)
    if fixed is None and chip_count:
        default = used["checkpoint_interval_hours"]
        used["checkpoint_interval_hours"] = Used(
            loss.interval_hours(chip_count),
            "h",
            default.source,
            f"Young–Daly at {counted(chip_count, 'chip')}: {default.origin}",
        )
    return loss


#: What a catalog price buys, as the unit of the price of one chip.
PRICE_UNIT_WORDS = {
    "chip": "USD per chip",
    "server": "USD per chip, server share",
    "system": "USD per chip, system share",
}

#: What a chip's maximum power figure is, as its unit says (``max_w_per_chip``): the chip's share
#: of its server's power (TDP × server power ratio) or of its system's rated power. Never the TDP.
POWER_UNIT_WORDS = {"tdp": "W per chip, server share", "system": "W per chip, system share"}


#: Chip generations without BF16: the catalog's BF16 column holds their dense FP16 tensor peak and a
#: "BF16" run on them trained in FP16 (data/chips.csv's V100 note; nvidia-v100-datasheet).
NO_BF16 = ("volta",)


#: The catalog figures :func:`chip_used` can record: column -> (unit, what it is). The source key
#: is the first of the column's group (``analysis.catalog.CHIPS.sources``), the one that set it.
CHIP_FIGURES = {
    "fp32_dense_tflops": "TFLOP/s, dense FP32",
    "hbm_gb": "GB",
    "hbm_bandwidth_tb_s": "TB/s",
    "interconnect_gb_s": "GB/s",
    "tdp_w": "W",
    "die_area_mm2": "mm²",
    "bf16_dense_tflops": "TFLOP/s, dense BF16",
    "fp8_dense_tflops": "TFLOP/s, dense FP8",
    "int8_dense_tops": "TOP/s, dense INT8",
    "usd_per_gpu_hour": "USD/chip-hour",
}


#: The unit of an all-in capex per chip in the inputs tables: the catalog's base price with what it
#: lacks of server and network, the base point; a report's drawn capex is quoted as a median of draws
#: (:func:`analysis.assembly.quotes.median_of_draws`).
ALL_IN_UNIT = "USD per chip, all-in, base price"


def chip_used(
    frame: pd.DataFrame, columns=("peak_tflops", "max_w_per_chip", "price_usd")
) -> dict[str, dict[str, Used]]:
    """Per chip of ``frame`` (a :func:`chips` frame), the catalog figures a report used, each with
    its unit and source key: dense peak, maximum W per chip (TDP × server power ratio, or a
    system's rated power per chip), price (and what it buys), and any of :data:`CHIP_FIGURES`
    named in ``columns`` that the chip has."""
    systems = load("systems").drop_duplicates("chip_id").set_index("chip_id")
    out = {}
    for chip, row in frame.iterrows():
        entries = {}
        if "peak_tflops" in columns:
            fp16 = row["peak_precision"] == "BF16" and row["generation"] in NO_BF16
            unit = f"TFLOP/s, dense {'BF16/FP16 tensor' if fp16 else row['peak_precision']}"
            entries["peak_tflops"] = Used(float(row["peak_tflops"]), unit, _key(row["compute_source"]), "chips.csv")
        if "max_w_per_chip" in columns and row["power_basis"]:  # none for a chip without a power figure
            by_tdp = row["power_basis"] == "tdp"
            entries["max_w_per_chip"] = Used(
                float(row["max_w_per_chip"]),
                POWER_UNIT_WORDS[row["power_basis"]],
                _key(row["power_source"] if by_tdp else systems.at[chip, "source"]),
                "TDP × server power ratio" if by_tdp else f"{systems.at[chip, 'name']}: rated power / chips",
            )
            if by_tdp:
                ratio = (float(row["server_power_ratio_used"]), "× TDP", row["server_power_ratio_used_source"])
                entries["server_power_ratio"] = Used(*ratio, row["server_power_ratio_origin"])
        if "price_usd" in columns and row["price_usd"] == row["price_usd"]:
            entries["price_usd"] = Used(
                float(row["price_usd"]), price_words(row), _key(row["price_source"]), "chips.csv"
            )
            all_in = float(cost.all_in_usd_per_chip(row["price_usd"], price_unit=row["price_unit"]))
            key = _key(row["price_source"])
            entries["all_in_capex_usd_per_chip"] = Used(all_in, ALL_IN_UNIT, key, capex_basis(row))
        for column in (c for c in columns if c in CHIP_FIGURES and pd.notna(row[c])):
            entries[column] = Used(
                float(row[column]), CHIP_FIGURES[column], _key(row[_source_column(column)]), "chips.csv"
            )
        out[chip] = entries
    return out


def capex_basis(row: pd.Series) -> str:
    """How a chip's all-in capex per chip is built from its catalog price, in words: the price,
    what it buys, its source key and whose price it is where another SKU's (``price_sku``), then
    the markups added (Epoch AI's 1.64 server for a chip price, the 0.19 network share between
    servers or systems for every price: :mod:`analysis.formulas.cost`)."""
    price, unit = float(row["price_usd"]), row["price_unit"]
    key = _key(row["price_source"])
    sku = f"; {row['price_sku']}" if row.get("price_sku", "") else ""
    network = f"÷ (1 − {cost.NETWORK_COST_FRACTION:g}) network"
    return {
        "chip": f"chip price ${price:,.0f} (`{key}`{sku}) × {cost.SERVER_COST_FACTOR:g} server {network}",
        "server": f"server share ${price:,.0f} per chip (`{key}`, 8-GPU server price / 8) {network}",
        "system": f"system share ${price:,.0f} per chip (`{key}`, rack or supernode price / chips) {network}",
    }[unit]


#: The one system whose power is published on both bases: its chip's TDP × server power ratio (the
#: NVIDIA chips' basis) and SemiAnalysis' all-in estimate on CloudMatrix 384's basis (systems.csv note).
BOTH_BASES = "gb200-nvl72"


def basis_note(used: dict) -> str:
    """The sentence every report that sizes a cluster prints beside its power and cost where a chip of
    its ``used["chips"]`` records takes a system's figures (Ascend 910C: CloudMatrix 384): capex is on one
    basis for every chip (all-in, network included), power is not (the system's all-in power per chip,
    network and optics included, against TDP × server power ratio, the server without the network),
    with the size of the difference on the one system published on both bases (:data:`BOTH_BASES`);
    empty where every chip is on the server basis."""
    chips_used = used.get("chips", {})
    system = [c for c, rec in chips_used.items() if _unit(rec.get("max_w_per_chip")) == POWER_UNIT_WORDS["system"]]
    if not system:
        return ""
    systems = load("systems")
    by_chip = systems.reset_index().drop_duplicates("chip_id").set_index("chip_id")
    own = "; ".join(
        f"the {chip_short(c)}'s {chips_used[c]['max_w_per_chip'].value:,.0f} W per chip "
        f"({by_chip.at[c, 'name'].split(' (')[0]}: {by_chip.at[c, 'system_power_kw']:,.0f} kW / "
        f"{by_chip.at[c, 'chips']:,.0f})"
        for c in system
    )
    both = systems.loc[BOTH_BASES]
    row = chips([both["chip_id"]]).iloc[0]
    by_tdp, all_in = float(row["max_w_per_chip"]), float(both["system_power_kw"] * 1e3 / both["chips"])
    name = both["name"].split(" (")[0]
    return (
        "**Cost and power bases.** Capex is on one basis for every chip: all-in per chip, its share of the "
        "server and the cluster network included (a system-share or server-share price ÷ (1 − "
        f"{cost.NETWORK_COST_FRACTION:g}): the rack or server carries its scale-up network, not the one between "
        f"them; a chip price × {cost.SERVER_COST_FACTOR:g} ÷ (1 − "
        f"{cost.NETWORK_COST_FRACTION:g})). Power is not: {own} is the system's all-in power — servers, CPUs, "
        "network racks and optical transceivers — while every other chip's is TDP × its server power ratio, the "
        "server's nameplate without the cluster network. No source splits a system's power into compute and "
        "network or gives an NVIDIA cluster's network power, so the data cannot put both on one basis; on the one "
        f"system published on both ({name}: {row['tdp_w']:,.0f} W × {row['server_power_ratio_used']:g} = "
        f"{by_tdp:,.0f} W per chip by TDP, {both['system_power_kw']:,.0f} kW / {both['chips']:,.0f} = "
        f"{all_in:,.0f} W all-in) the TDP basis is {abs(by_tdp / all_in - 1) * 100:.1f} % "
        f"{'above' if by_tdp > all_in else 'below'} the all-in one."
    )


def _unit(record) -> str:
    """The unit of an inputs record, empty for none."""
    return "" if record is None else record.unit


def price_words(row: pd.Series) -> str:
    """What a chip's catalog price buys, as its unit (:data:`PRICE_UNIT_WORDS`), and, where the price
    is another SKU's (``data/price_skus.csv``, the ``price_sku`` of :func:`chips`), whose:
    ``USD per chip, the A800 PCIe card's street price``."""
    sku = row.get("price_sku", "")
    return PRICE_UNIT_WORDS[row["price_unit"]] + (f", {sku}" if sku else "")


def _source_column(column: str) -> str:
    """The ``chips.csv`` source column of a figure column (``hbm_gb`` -> ``memory_source``)."""
    return next(source for source, values in CHIPS.sources.items() if column in values)


def _key(cell) -> str:
    """The first source key of a source cell."""
    return str(cell or "").split(";")[0].strip()


def rows_used(name: str, ids, *, label: str | None = None) -> dict[str, dict[str, Used]]:
    """Per row id of dataset ``name`` (``systems``, ``training_runs``, ``models``,
    ``parallel_configs``, ``serving_references``, ``validation_cases``, ``export_rules``,
    ``licence_policies`` …; an id over several rows, such as a rule's clauses, counts once): a
    group of one record, named for the dataset, whose value names the row (its ``label`` column,
    else the id) and whose source holds every source key of the row's source columns,
    ``;``-separated. A report that shows or uses whole catalog rows (published runs, systems, a
    model's architecture, rules) records them this way, as ``{"<group>": rows_used(...)}``.
    Computed once per version of the data and arguments (:func:`analysis.catalog.per_data`)."""
    return _rows_used(name, tuple(dict.fromkeys(ids)), label)


@per_data
def _rows_used(name: str, ids: tuple, label: str | None) -> dict[str, dict[str, Used]]:
    """:func:`rows_used` computed."""
    frame = load(name)
    if frame.index.name is None:  # export_rules, licence_policies: one id over several rows
        frame = frame.set_index("rule_id")
    what = re.sub(r"ies$", "y", name).replace("_", " ").removesuffix("s")
    out = {}
    for row_id in ids:
        rows = frame.loc[[row_id]]
        value = str(rows[label].iloc[0]) if label else str(row_id)
        out[str(row_id)] = {what: Used(value, what, ";".join(keys_in(rows)), f"data/{name}.csv")}
    return out


#: The published equations reports apply, as inputs records: the equation and the paper it is from.
EQUATIONS = {
    "training_flop": Used("C = 6 · N_active · D", "FLOP", "kaplan-2020", "training compute, attention neglected"),
    "recompute_flop": Used(
        "8 · N_active · D with full activation recomputation", "FLOP", "korthikanti-2022", "hardware FLOPs"
    ),
    "mla_decode": Used(
        "decode attends in MLA's compressed latent",
        "bytes per token",
        "deepseek-v2-paper",
        "K/V up-projections absorbed",
    ),
    "mfu_definition": Used("model FLOP/s ÷ dense peak FLOP/s", "share", "palm-paper", "MFU as PaLM defines it"),
}


def equations(*names: str) -> dict[str, Used]:
    """The :data:`EQUATIONS` records ``names`` as a report's inputs block holds them
    (``training_flop_equation`` …)."""
    return {f"{name}_equation": EQUATIONS[name] for name in names}


@per_data
def system_w_per_chip() -> pd.Series:
    """Rated power per chip of the systems in ``systems.csv`` [W], by chip id (first system of
    each chip): the all-in power a chip without a published TDP (Ascend 910C) is given."""
    systems = load("systems").dropna(subset=["system_power_kw"])
    return (systems["system_power_kw"] * 1e3 / systems["chips"]).groupby(systems["chip_id"]).first()


def chips(chip_ids, *, precision: str = "bf16", server_power_ratio: float | None = None) -> pd.DataFrame:
    """Catalog rows for ``chip_ids`` (in that order, ids case-insensitive) with the figures every
    report needs: ``peak_tflops`` at ``precision`` (``peak_precision``: ``FP8``, or ``BF16`` where the
    chip has no FP8 peak above its BF16 peak, :func:`~analysis.formulas.compute.has_precision`),
    ``max_w_per_chip`` (TDP × server power ratio,
    or the rated power per chip of a system built from it where the TDP is unpublished),
    ``power_basis`` (``tdp`` or ``system``), ``price_sku`` (what the price is the price of where it is
    another SKU's, ``data/price_skus.csv``; else empty), ``mfu_factor`` (+ ``_low``/``_high``, the vendor's
    software-maturity prior), ``server_power_ratio_used`` (+ ``_source``, ``server_power_ratio_origin``:
    the reader's ratio, else the chip's own in ``chips.csv``, else 1.8) and everything in ``chips.csv``.
    Computed once per version of the data and arguments (:func:`analysis.catalog.per_data`)."""
    return _chips(tuple(chip_ids), precision, server_power_ratio, DEFAULTS[RATIO])


@per_data
def _chips(chip_ids: tuple, precision: str, server_power_ratio: float | None, fallback: Used) -> pd.DataFrame:
    """:func:`chips` computed; ``fallback``: the library's server power ratio (:data:`DEFAULTS`)."""
    catalog = load("chips")
    ids = [lookup(catalog, c, "chip").name for c in chip_ids]
    frame = catalog.loc[ids].copy()
    frame["peak_tflops"] = compute.peak_tflops(frame, precision)
    has = compute.has_precision(frame, precision)
    frame["peak_precision"] = np.where(has, precision.upper(), "BF16")  # compute.peak_tflops' fallback
    own, cells = frame["server_power_ratio"], frame["server_power_ratio_source"]
    frame["server_power_ratio_used"] = own.fillna(fallback.value) if server_power_ratio is None else server_power_ratio
    frame["server_power_ratio_used_source"] = np.where(own.notna(), cells.map(_key), fallback.source)
    frame["server_power_ratio_origin"] = np.where(own.notna(), "chips.csv: " + cells.fillna(""), fallback.origin)
    if server_power_ratio is not None:
        frame[["server_power_ratio_used_source", "server_power_ratio_origin"]] = (READER, "set by the reader")
    from_tdp = power.server_w_per_chip(frame["tdp_w"], server_power_ratio=frame["server_power_ratio_used"])
    from_system = system_w_per_chip().reindex(frame.index).to_numpy()
    frame["max_w_per_chip"] = np.where(np.isnan(from_tdp), from_system, from_tdp)
    frame["power_basis"] = np.where(np.isnan(from_tdp), np.where(np.isnan(from_system), "", "system"), "tdp")
    frame["price_sku"] = load("price_skus")["priced_as"].reindex(frame.index).fillna("").to_numpy()
    vendors = load("vendor_efficiency")
    factors = vendors.reindex(frame["vendor"].str.lower())
    for column in ("mfu_factor_low", "mfu_factor", "mfu_factor_high"):
        frame[column] = factors[column].fillna(1.0).to_numpy()
    return frame


def vendor_factor_used(row: pd.Series) -> Used:
    """The vendor MFU factor of a chip (a row of :func:`chips`) as its inputs record: the factor
    of ``data/vendor_efficiency.csv`` with every source key of its row (``;``-separated, so a report's
    sources appendix lists each; :data:`ASSUMPTION` first where the factor is assumed, not measured)
    and, in ``origin``, its range and whether it is sourced or
    assumed; 1 by assumption for a vendor without a row."""
    vendors = load("vendor_efficiency")
    vendor = str(row["vendor"]).lower()
    if vendor not in vendors.index:
        return Used(1.0, "ratio to NVIDIA's MFU", ASSUMPTION, f"{row['vendor']}: no vendor row, 1 assumed (no range)")
    v = vendors.loc[vendor]
    keys = ";".join(k.strip() for k in v["source"].split(";") if k.strip())
    kind = "an assumption, not measured" if _key(v["source"]) == ASSUMPTION else "sourced"
    low, high = v["mfu_factor_low"], v["mfu_factor_high"]
    span = "no range" if low == high else f"range {low:.2f}–{high:.2f}"
    return Used(float(v["mfu_factor"]), "ratio to NVIDIA's MFU", keys, f"{v['vendor']}: {kind}, {span}")


def vendor_factors_text(frame: pd.DataFrame) -> str:
    """One sentence for a report's Methods: each vendor's MFU factor among the chips of ``frame``
    (a :func:`chips` frame) with its range, marked sourced or assumed (:func:`vendor_factor_used`), every
    source key it rests on and its ``caveat`` (data/vendor_efficiency.csv), where it has one."""
    vendors, parts = load("vendor_efficiency"), []
    for _, row in frame.drop_duplicates("vendor").iterrows():
        u = vendor_factor_used(row)
        keys = ", ".join(f"`{k}`" for k in u.source.split(";"))
        vendor = str(row["vendor"]).lower()
        caveat = (
            f"; caveat: {vendors.at[vendor, 'caveat']}"
            if vendor in vendors.index and vendors.at[vendor, "caveat"]
            else ""
        )
        parts.append(f"{row['vendor']} {u.value:.2f} ({u.origin.split(': ', 1)[1]}; {keys}{caveat})")
    return (
        "**Vendor software factors** (MFU relative to NVIDIA's on the same workload, drawn over their range in "
        f"the Monte Carlo; data/vendor_efficiency.csv): {'; '.join(parts)}."
    )


#: Rental prices that are not market quotes, by the source key that sets them, with the words a
#: report shows beside them: the H800's $2.00 per GPU-hour is DeepSeek's accounting assumption in
#: the DeepSeek-V3 report (and in its serving disclosure), not a price anyone quoted for renting one;
#: a rent the reader sets is the reader's.
ASSUMED_RENTS = {"deepseek-v3-report": "DeepSeek's assumed rent", READER: "the reader's rent"}
#: What every other sourced rental is: a cloud's or a tracker's on-demand price (chips.csv).
MARKET_RENT = "market quote"


def rental_basis(source: str) -> str:
    """What a rental price [USD/chip-hour] is, from the source key that set it (the first key of a
    ``;``-separated cell): the words of :data:`ASSUMED_RENTS` for an accounting assumption, else
    :data:`MARKET_RENT`. The one place that says it, so every report labels the same rent alike and
    never ranks an assumption among market quotes unmarked."""
    return ASSUMED_RENTS.get(_key(source), MARKET_RENT)


def rental_bases(records: dict[str, dict[str, Used]]) -> pd.Series:
    """By chip id of ``records`` (per-chip :class:`Used` records, as a report's ``used["chips"]``),
    the :func:`rental_basis` of the chip's ``usd_per_gpu_hour`` record; empty text where a chip has
    no rental."""
    return pd.Series(
        {
            chip: rental_basis(r["usd_per_gpu_hour"].source) if "usd_per_gpu_hour" in r else ""
            for chip, r in records.items()
        },
        dtype=object,
    )


def max_w_per_chip(frame: pd.DataFrame, tdp_w, *, server_power_ratio: float | None = None):
    """Maximum power per chip [W] for (drawn) TDPs of the chips in ``frame``: TDP × the chip's ratio
    (:func:`chips`), or the chip's fixed system figure where its power basis is ``system``."""
    ratio = frame["server_power_ratio_used"].to_numpy(dtype=float) if server_power_ratio is None else server_power_ratio
    tdp_w = np.asarray(tdp_w, dtype=float)
    return np.where(
        frame["power_basis"].to_numpy() == "system",
        frame["max_w_per_chip"].to_numpy(),
        power.server_w_per_chip(tdp_w, server_power_ratio=ratio),
    )


def chip_ranges(frame: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """(low, base, high) of each chip's price, TDP, rental and vendor MFU factor, keyed
    ``"<chip> price"``, ``"<chip> TDP"``, ``"<chip> rental"``, ``"<chip> MFU factor"``; a missing
    end falls back to the base (a constant). A rental whose base is a market median
    (``rental_base_is`` median) is a :class:`~analysis.formulas.uncertainty.Median` range, drawn
    with that median as the draws' median."""
    ranges = {}
    for chip, row in frame.iterrows():
        ranges[f"{chip} price"] = uncertainty.ranges_from(row["price_usd_low"], row["price_usd"], row["price_usd_high"])
        ranges[f"{chip} TDP"] = uncertainty.ranges_from(row["tdp_w_low"], row["tdp_w"], row["tdp_w_high"])
        rent = uncertainty.ranges_from(
            row["usd_per_gpu_hour_low"], row["usd_per_gpu_hour"], row["usd_per_gpu_hour_high"]
        )
        ranges[f"{chip} rental"] = uncertainty.Median(*rent) if row.get("rental_base_is") == "median" else rent
        ranges[f"{chip} MFU factor"] = (row["mfu_factor_low"], row["mfu_factor"], row["mfu_factor_high"])
    return ranges


#: How an accounted run's utilisation is derived (its ``mfu_definition`` among the observations).
ACCOUNTED = "accounted: 6·N·D ÷ (disclosed GPU-hours × dense peak) ÷ the package's goodput at the run's size"


def accounted_observations() -> pd.DataFrame:
    """The runs of ``data/accounted_runs.csv`` as utilisation observations of kind ``accounted``,
    in the columns of ``mfu_observations``: MFU = implied MFU ÷ goodput, where implied MFU =
    6 · N_active · D / (GPU-hours × 3,600 × dense peak at the run's precision)
    (:func:`~analysis.formulas.compute.implied_mfu`; GPU-hours = chips × days × 24 where only days
    are disclosed) and goodput is the package's default goodput at the run's chip count
    (:func:`~analysis.formulas.goodput.goodput`; 1 where the count is not disclosed), the same
    conversion training_run applies to a run's own disclosure — so a projection with the median
    reproduces a typical run as accounted. Computed once per version of the data and default
    goodput inputs (:func:`analysis.catalog.per_data`; every prior lookup asks for it)."""
    return _accounted_observations(_goodput_defaults())


def _goodput_defaults() -> tuple:
    """The library's default goodput inputs (:func:`goodput_inputs` without a reader's value), as
    the hashable argument of the values computed from them and kept (:func:`analysis.catalog.per_data`)."""
    return tuple(goodput_inputs().kwargs().items())


@per_data
def _accounted_observations(goodput_defaults: tuple) -> pd.DataFrame:
    """:func:`accounted_observations` computed at ``goodput_defaults`` (:func:`_goodput_defaults`)."""
    runs, chips = load("accounted_runs"), load("chips")
    rows = {}
    for run_id, r in runs.iterrows():
        hours = r["gpu_hours"] if pd.notna(r["gpu_hours"]) else r["chip_count"] * r["days"] * 24
        peak = float(compute.peak_tflops(chips.loc[[r["chip_id"]]], r["precision"]).iloc[0])
        implied = float(compute.implied_mfu(compute.training_flop(r["active_params"], r["tokens"]), hours, peak))
        n = r["chip_count"]
        share = 1.0 if pd.isna(n) else float(goodput.goodput(n, **dict(goodput_defaults)))
        rows[run_id] = {
            "chip_id": r["chip_id"],
            "chip_generation": chips.loc[r["chip_id"], "generation"],
            **{k: r[k] for k in ("total_params", "active_params", "architecture", "precision")},
            "cluster_chips": r["chip_count"],
            "mfu": implied / share,
            **{k: r[k] for k in ("tokens", "seq_len", "run_start")},
            "mfu_definition": ACCOUNTED,
            "kind": "accounted",
            **{k: r[k] for k in ("excluded", "validation_overlap", "source", "note")},
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def mfu_observations() -> pd.DataFrame:
    """Every utilisation observation the prior draws on, indexed by id: the published MFUs of
    ``data/mfu_observations.csv`` (kinds ``production`` and ``benchmark``) and the accounted
    runs (:func:`accounted_observations`). Computed once per version of the data and default
    goodput inputs (:func:`analysis.catalog.per_data`)."""
    return _mfu_observations(_goodput_defaults())


@per_data
def _mfu_observations(goodput_defaults: tuple) -> pd.DataFrame:
    """:func:`mfu_observations` computed at ``goodput_defaults`` (:func:`_goodput_defaults`)."""
    published = load("mfu_observations")  # its mfu already on 6·N·D (utilisation.observed_mfu)
    accounted = _accounted_observations(goodput_defaults).assign(flop_basis="6nd")  # 6·N·D by construction
    return pd.concat([published, accounted.reindex(columns=published.columns)])


def mfu_prior(chip: pd.Series, *, precision: str, architecture: str = "dense"):
    """The utilisation prior (:func:`analysis.formulas.utilisation.prior` of
    :func:`mfu_observations`) for a chip's generation, an architecture (dense or moe) and the
    precision of the peak."""
    return observed_prior(generation=chip["generation"], architecture=architecture, precision=precision)


def observed_prior(*, generation: str, architecture: str, precision: str, without=(), kinds=None):
    """:func:`analysis.formulas.utilisation.prior` of :func:`mfu_observations` for a chip
    ``generation``, an ``architecture`` (dense or moe) and the ``precision`` of the peak, from the
    observations of ``kinds`` first (None: the prior's own order, accounted runs then production
    runs, :data:`~analysis.formulas.utilisation.KINDS`); with ``without`` (validation case ids), of
    the observations that share no run with those cases
    (:func:`~analysis.formulas.utilisation.disjoint_from`). Computed once per version of the data,
    default goodput inputs and arguments (:func:`analysis.catalog.per_data`: a report's
    validation cases ask for the same priors dozens of times); each call returns its own copy."""
    without = (without,) if isinstance(without, str) else tuple(without)
    kinds = tuple(kinds) if kinds is not None else None
    prior = _observed_prior(generation, architecture, precision, without, kinds, _goodput_defaults())
    return replace(prior, values=prior.values.copy(), condition=dict(prior.condition))


@per_data
def _observed_prior(generation: str, architecture: str, precision: str, without: tuple, kinds, goodput_defaults: tuple):
    """:func:`observed_prior` computed."""
    from ..formulas import utilisation

    observations = _mfu_observations(goodput_defaults)
    if without:
        observations = utilisation.disjoint_from(observations, without)
    order = {} if kinds is None else {"kinds": kinds}
    return utilisation.prior(
        observations, generation=generation, architecture=architecture, precision=precision, **order
    )


def prior_leave_one_out(candidate: str | None = None) -> pd.DataFrame:
    """:func:`analysis.formulas.utilisation.leave_one_out` of the utilisation prior over the data
    it is fitted on (the observations of :func:`mfu_observations` of kinds
    :data:`~analysis.formulas.utilisation.KINDS`), without a candidate or with ``candidate``
    (:data:`~analysis.formulas.utilisation.CANDIDATES`). Computed once per version of the data and
    default goodput inputs (:func:`analysis.catalog.per_data`)."""
    return _prior_leave_one_out(candidate, _goodput_defaults())


@per_data
def _prior_leave_one_out(candidate: str | None, goodput_defaults: tuple) -> pd.DataFrame:
    """:func:`prior_leave_one_out` computed."""
    from ..formulas import utilisation

    return utilisation.leave_one_out(_mfu_observations(goodput_defaults), kinds=utilisation.KINDS, candidate=candidate)


def mfu_ceiling(*, generation: str, precision: str) -> tuple[float, str, str]:
    """The cap of an MFU draw on a chip ``generation`` at a ``precision`` [share of the dense peak
    at that precision], the observation id that sets it and where it was measured:
    :func:`analysis.formulas.utilisation.ceiling` of :func:`mfu_observations` (the pre-registered
    rules of :mod:`analysis.formulas.utilisation`): the highest published steady-state MFU on
    6·N·D (production runs and benchmarks on a stated FLOP basis; accounted runs, unconverted,
    excluded rows and rows sharing a run or code with a validation case never) of the generation
    at the precision where it has at least :data:`~analysis.formulas.utilisation.MIN_OBSERVATIONS`
    such rows, else of its vendor's chips where they have as many, else of any chip. Hopper BF16
    0.4164 (LLM Foundry, MPT-70B on 128 H100), Ampere BF16 0.5513 (Korthikanti et al.'s 530B on
    280 A100); Volta and Blackwell BF16 take NVIDIA's, the Ampere row. No draw of an MFU goes
    above it (:func:`mfu_range`, training_run's transfer). A benchmark is the best a tuned stack
    shows, a bound for a production run's steady state, not a typical value. Computed once per
    version of the data, default goodput inputs and arguments (:func:`analysis.catalog.per_data`:
    training_run's figures ask for every chip's cap in each evaluation)."""
    return _mfu_ceiling(generation, precision, _goodput_defaults())


@per_data
def _mfu_ceiling(generation: str, precision: str, goodput_defaults: tuple) -> tuple[float, str, str]:
    """:func:`mfu_ceiling` computed."""
    from ..formulas import utilisation

    vendors = load("chips").groupby("generation")["vendor"].first()  # one vendor per generation
    if generation not in vendors.index:
        raise ValueError(f"unknown chip generation {generation!r}; allowed: {', '.join(vendors.index)}")
    observations = _mfu_observations(goodput_defaults)
    observations = observations.assign(
        vendor=observations["chip_generation"].map(vendors)
    )  # a chip of chips.csv's generation
    return utilisation.ceiling(observations, generation=generation, vendor=vendors[generation], precision=precision)


def mfu_ceilings(chips: pd.DataFrame) -> np.ndarray:
    """Per chip of ``chips`` (a :func:`chips` frame), the cap of its MFU draws [share of its dense
    peak at its ``peak_precision``]: :func:`mfu_ceiling` of its generation at the precision it is
    costed at."""
    return np.array(
        [
            mfu_ceiling(generation=g, precision=str(p).lower())[0]
            for g, p in zip(chips["generation"], chips["peak_precision"])
        ]
    )


def mfu_range(mfu: float, prior, *, entered: bool) -> tuple[uncertainty.Empirical, Used]:
    """The Monte Carlo range of an MFU and its record: ``mfu`` times the prior's observations
    over their median (the spread of the observations around their median), each at most
    max(``mfu``, the cap of the prior's chip generation at its precision, :func:`mfu_ceiling`):
    a draw above what any production run or benchmark has shown to sustain is not a plausible value,
    while the MFU itself is kept (the record's "the highest MFU" is the highest such MFU).
    ``entered``: whether the reader set ``mfu`` (a report's parameter; the record then calls an
    ``mfu`` above the cap "the value entered", else "the MFU itself"). With ``mfu`` at the
    prior's median this is the observations themselves. The record's sources are the prior's key,
    each observation's own source (:func:`mfu_observations`) and the cap's."""
    condition = prior.condition
    ceiling, best, measured = mfu_ceiling(generation=condition["generation"], precision=condition["precision"])
    cap = max(float(mfu), ceiling)
    observed = prior.sampler()
    spread = observed.scaled(mfu / observed[1], cap=cap)  # its median is the MFU
    how = "the MFU times the spread around the median of "
    value = f"P10 {spread[0]:.3f}, P50 {spread[1]:.3f}, P90 {spread[2]:.3f}"
    rows = mfu_observations().loc[list(dict.fromkeys([*prior.obs_ids, best]))]
    keys = ";".join(["mfu-observations", *keys_in(rows)])
    where = f"{condition['generation']} {str(condition['precision']).upper()}"
    capped = f"; at most {cap:.3f}, the highest MFU (6·N·D) on {where} outside the validation cases' runs ({best})"
    if measured != condition["generation"]:  # too few rows on the generation
        capped = f"; at most {cap:.3f}, the highest MFU (6·N·D) at {where.split()[1]} on {measured} outside the "
        capped += f"validation cases' runs ({best}; {condition['generation']} has too few published rows to set its "
        capped += "own cap)"
    if cap > ceiling:
        what = "the value entered" if entered else "the MFU itself"
        capped = f"; at most {cap:.3f}, {what} (above {ceiling:.3f}, the cap on {where})"
    return spread, Used(value, "share", keys, how + prior.describe() + capped)


#: The Monte Carlo name of the achieved FP8 speed-up over BF16 (:func:`fp8_speedup`).
FP8_SPEEDUP = "fp8_speedup"


def fp8_speedup() -> tuple[uncertainty.Empirical, Used]:
    """The achieved training speed-up of FP8 over BF16 on one chip [×] as a Monte Carlo input and
    its record: the published same-chip, same-model pairs of ``data/fp8_speedups.csv``, FP8
    tokens/s ÷ BF16 tokens/s, drawn from their empirical distribution
    (:class:`~analysis.formulas.uncertainty.Empirical`, whose base is their median): 1.132 (DeepSeek-V3
    on 256 GB300), 1.280 (Llama 3.1 8B on 8 H100), 1.280 (DeepSeek-V3 on 256 GB200), 1.287 (Llama 3.1
    8B on 128 H100); median (1.2797 + 1.2800) / 2 = 1.280, well below the peak ratio of 2."""
    pairs = load("fp8_speedups")
    ratios = pairs["fp8_tokens_per_s_per_gpu"] / pairs["bf16_tokens_per_s_per_gpu"]
    drawn = uncertainty.Empirical(ratios.to_numpy(dtype=float))
    origin = (
        f"median of {len(ratios)} published same-chip, same-model FP8 / BF16 training throughputs "
        f"(data/fp8_speedups.csv; {drawn.values[0]:.2f}–{drawn.values[-1]:.2f}, drawn over them)"
    )
    return drawn, Used(round(drawn[1], 4), "× BF16 throughput", ";".join(keys_in(pairs)), origin)


#: The Monte Carlo name of the spread of an MFU moved to another chip (:func:`mfu_transfer`).
MFU_TRANSFER = "mfu_transfer"


def mfu_transfer() -> tuple[uncertainty.Empirical, Used]:
    """How much an MFU moves when a run moves to another chip beyond the package's transfer (vendor
    factor, precision, interconnect) [× that transfer], as a Monte Carlo input and its record: the
    published pairs of ``data/mfu_transfers.csv``, MFU on one chip ÷ MFU of the same model and
    software on the other (``data/mfu_observations.csv``, on the 6·N·D basis), each pair both ways (a
    run may move either way), over their median (1.0003, the mean of 0.9771 and 1.0234: 1 up to that
    rounding), so the median draw is the transfer itself. The four pairs (A100 → H100 LLM Foundry
    MPT-7B on 8 GPUs each 0.4644 / 0.6423 = 0.7230 and MPT-70B on 64 each 0.4257 / 0.5333 = 0.7982 as
    published, unchanged on 6·N·D: one model and sequence, one conversion factor on both sides;
    H100 → GB200 Llama 3.1 405B 0.4097 / 0.4003 = 1.0234, was 1.0250 as published; H100 → B200
    DeepSeek-V3 0.1642 / 0.1455 = 1.1284, was 1.1241: NVIDIA's FLOP counts per token differ between
    its two tables) and their inverses span 0.723–1.383 (over the median 0.7228–1.3827). The H100's
    lower MFU than the A100's in the same code at the same GPU count is
    the compute-to-bandwidth balance the transfer does not model. training_run draws it only for a
    chip of other silicon than the run's (:func:`analysis.assembly.training_run.other_silicon`)."""
    pairs, observed = load("mfu_transfers"), load("mfu_observations")["mfu"].astype(float)
    ratios = observed.loc[pairs["to_obs"]].to_numpy() / observed.loc[pairs["from_obs"]].to_numpy()
    both = np.concatenate([ratios, 1 / ratios])
    drawn = uncertainty.Empirical(both / np.median(both))  # median 1: the transfer's own value
    origin = (
        f"{len(pairs)} published pairs of MFUs of one model and software on two chips, each both ways "
        f"(data/mfu_transfers.csv; {drawn.values[0]:.2f}–{drawn.values[-1]:.2f} × the transfer, median 1)"
    )
    return drawn, Used(round(drawn[1], 4), "× the transferred MFU", ";".join(keys_in(pairs)), origin)


def lacking_words(chips: pd.DataFrame, precision: str) -> str:
    """The chips of ``chips`` (a :func:`chips` frame) costed at their BF16 peak in a run at
    ``precision`` (:func:`~analysis.formulas.compute.has_precision`), in the words every report
    prints, by reason: ``A100 SXM, Ascend 910C: no FP8 peak; TPU v5p, Trainium1: FP8 at the BF16
    rate``; empty in BF16 or where every chip has a faster peak at ``precision``."""
    if precision == "bf16":
        return ""
    column = compute.PRECISION_COLUMNS[precision]
    lacking = chips[chips["peak_precision"] != precision.upper()]
    equal = lacking[column].notna()
    groups = (
        (lacking.index[~equal], f"no sourced {precision.upper()} peak"),
        (lacking.index[equal], f"{precision.upper()} at the BF16 rate"),
    )
    return "; ".join(f"{', '.join(chip_short(c) for c in ids)}: {why}" for ids, why in groups if len(ids))


def precision_factor(
    chips: pd.DataFrame, anchor: str, *, precision: str, speedup, measured_at: str | None = None
) -> np.ndarray:
    """Per draw and chip of ``chips`` (a :func:`chips` frame), the factor that turns an MFU measured
    on ``anchor`` at ``precision`` (a share of the anchor's ``peak_tflops``) into one at the precision
    the chip is costed at (its ``peak_precision``), before the vendor and scaling transfer; 1 where
    both have the precision or neither has. A chip lacking it runs at its BF16 peak: the anchor's
    MFU converted on the anchor (:func:`~analysis.formulas.compute.mfu_at_precision`, its
    ``precision`` peak over its BF16 peak / ``speedup``); where the anchor lacks it (measured at BF16)
    a chip that has it gets the converse on its own peaks (BF16 over ``precision`` × ``speedup``).
    ``measured_at``: the precision of the anchor's peak the MFU is a share of, where it is not the
    one the anchor is costed at: ``bf16`` for an MFU measured at the BF16 peak of a chip with a
    faster FP8 one (training_run's accounted BF16 prior in an FP8 run), which takes the converse as
    every chip with FP8 does, the anchor included (H100: × 989.4 / 1,978.9 × 1.28). The one
    conversion of chip_parity's reference MFU (:func:`chips_mfu`) and training_run's MFU.
    ``speedup``: the drawn FP8 speed-up over BF16 (:func:`fp8_speedup`), draws long."""
    s = np.asarray(speedup, dtype=float)[:, None]
    if precision == "bf16":
        return np.ones((s.shape[0], len(chips)))
    if measured_at not in (None, "bf16", precision):
        raise ValueError(f"measured_at {measured_at!r} is not one of None, 'bf16', {precision!r}")
    has = (chips["peak_precision"] == precision.upper()).to_numpy()
    bf16, peak = chips["bf16_dense_tflops"].to_numpy(dtype=float), chips["peak_tflops"].to_numpy(dtype=float)
    at = list(chips.index).index(anchor)
    if has[at] and measured_at != "bf16":
        lacking = compute.mfu_at_precision(1.0, from_peak_tflops=peak[at], to_peak_tflops=bf16[at], speedup=s)
        return np.where(has, 1.0, lacking)
    gaining = compute.mfu_at_precision(1.0, from_peak_tflops=bf16, to_peak_tflops=peak, speedup=1.0 / s)
    return np.where(has, gaining, 1.0)


def reference_mfu_range(chip: pd.Series, mfu: float, *, precision: str) -> tuple[uncertainty.Empirical, Used]:
    """The Monte Carlo range of a reference chip's MFU (the ``mfu`` parameter of chip_parity,
    energy_advantage, procurement and compute_stock) and its record: :func:`mfu_range` over the
    prior of production runs' published MFUs of dense models on the chip's generation at
    ``precision`` (:func:`observed_prior` with ``kinds`` = production; where fewer than five
    match, dense production runs at that precision on every generation), whatever the workload.
    The rule: the parameter is a production run's steady-state MFU (:data:`MFU_BASES`, its default
    0.40 is Llama 3 405B's ~40 % on H100s), so it varies as production runs' steady-state MFUs
    do — not as whole runs' accounted utilisations, which also pay for evaluation, stalls and extra
    stages and spread far wider (Hopper dense BF16: 0.13–0.37) — and no draw goes above the cap
    of the chip's generation at that precision (:func:`mfu_ceiling`: its highest published where
    measured, else its vendor's, else the highest anywhere), or the entered value if higher. One band per chip, MFU
    and precision in every report."""
    prior = observed_prior(
        generation=chip["generation"], architecture="dense", precision=precision, kinds=("production",)
    )
    return mfu_range(mfu, prior, entered=True)


#: The chip the reference MFU of chip_parity, energy_advantage, procurement and compute_stock is an
#: MFU on (its default 0.40 is Llama 3 405B's ~40 % on H100s, llama3-paper): an NVIDIA-software run.
MFU_BASIS_CHIP = "h100-sxm"
#: The vendor whose software the reference MFU was measured with (data/vendor_efficiency.csv's row).
MFU_BASIS_VENDOR = "nvidia"


def basis_mfu_range(mfu: float) -> tuple[uncertainty.Empirical, Used]:
    """:func:`reference_mfu_range` on :data:`MFU_BASIS_CHIP` at its BF16 peak: the range of the
    reference MFU of chip_parity, energy_advantage, procurement and compute_stock, the same whichever
    chip a report compares against and at whatever precision it costs (the MFU is an NVIDIA-software
    run's at the BF16 peak, as Llama 3 405B's ~40 %; :func:`chips_mfu` carries it to an FP8 peak)."""
    return reference_mfu_range(chips([MFU_BASIS_CHIP], precision="bf16").iloc[0], mfu, precision="bf16")


def _chips_mfu_uncapped(x: dict, frame: pd.DataFrame, *, precision: str, scaling_used) -> np.ndarray:
    """:func:`chips_mfu` before the cap, draws × chips."""
    drawn = np.asarray(x["mfu"], dtype=float)
    factor = np.stack([np.asarray(x[f"{v} MFU factor"], dtype=float) for v in frame["vendor"]], axis=1)
    basis = float(load("vendor_efficiency").at[MFU_BASIS_VENDOR, "mfu_factor"])
    converted = np.ones((drawn.shape[0], len(frame)))
    if precision != "bf16":  # measured at the basis chip's BF16 peak: a chip with a faster peak converts
        basis_row = chips([MFU_BASIS_CHIP], precision="bf16").rename(index=lambda chip: f"{chip} at BF16")
        speedup = x.get(FP8_SPEEDUP, np.ones(drawn.shape))
        converted = precision_factor(
            pd.concat([frame, basis_row]), basis_row.index[0], precision=precision, speedup=speedup
        )[:, : len(frame)]
    mfu = compute.transferred_mfu(
        drawn[:, None] * converted, vendor_factor_ratio=factor / basis, scaling_ratio=scaling_used
    )
    return np.minimum(1.0, mfu)


def chips_mfu(x: dict, frame: pd.DataFrame, *, ranges: dict, precision: str, scaling_used=1.0) -> np.ndarray:
    """Per draw and chip of ``frame`` (a :func:`chips` frame), the MFU a chip trains at from the
    reference MFU ``x["mfu"]`` [share of the basis chip's dense BF16 peak] [result: share of each
    chip's dense peak at its ``peak_precision``], draws × chips;
    the one rule of chip_parity, energy_advantage and procurement. The reference MFU is a
    production run's steady-state MFU with NVIDIA's software on :data:`MFU_BASIS_CHIP`
    (:func:`basis_mfu_range`), not an MFU on the chip a report compares against, so a chip's MFU
    does not depend on which chip is the reference:

    MFU_chip = min(1, MFU_ref × precision factor × vendor factor_chip / NVIDIA's factor (1)
    × scaling ratio used), at most the cap of the chip's generation at the precision it is costed
    at (:func:`mfu_ceilings`), or its base-point value where that is higher (an entered MFU is
    kept, as :func:`mfu_range` keeps it; a draw goes no higher than the generation has been
    measured to reach).

    The precision factor (:func:`precision_factor`, 1 in BF16) carries the reference MFU, measured at
    the basis chip's BF16 peak, to the FP8 peak of a chip that has a faster one (BF16 peak / FP8 peak
    × the achieved FP8 speed-up: H100 989.4 / 1,978.9 × 1.279881 = 0.63991, so 0.40 -> 0.256 of
    its FP8 peak); a chip without one keeps it at its BF16 peak. Before 2026-12-07 the 0.40 was read
    as an MFU on the FP8 peak, which credited the H100 with 2 × its BF16 rate and an A100 with
    0.40 × 2 / 1.28 = 0.625. ``x``: arrays of the drawn inputs (``mfu``,
    ``<vendor> MFU factor`` of every vendor of ``frame``, ``fp8_speedup`` at FP8); ``ranges``: their
    (low, base, high), for the base point; ``scaling_used``: min(1, the chip's interconnect scaling
    efficiency over the reference's) per chip, 1 where no interconnect model applies. H20 (NVIDIA,
    Hopper) at the default 0.40 in BF16: 0.40 × 1 / 1 = 0.40 whether the reference is the H100 or
    the Ascend 910B (before: 0.40 / 0.67 = 0.597 against the 910B, above Hopper's cap 0.4644)."""
    mfu = _chips_mfu_uncapped(x, frame, precision=precision, scaling_used=scaling_used)
    base = _chips_mfu_uncapped(base_point(ranges), frame, precision=precision, scaling_used=scaling_used)
    return np.minimum(mfu, np.maximum(mfu_ceilings(frame), base[0]))


#: What a report's MFU stands for and why (its ``mfu_basis`` record, :func:`mfu_basis`), by basis.
MFU_BASES = {
    "steady-state": (
        "a production run's steady-state MFU (model FLOPs ÷ dense peak while a large run trains, goodput apart, "
        "as labs publish it: Llama 3 405B's 38–43 %)",
        "because the report asks what a cluster delivers once running",
    ),
    "accounted": (
        "a whole run's accounted utilisation (disclosed compute ÷ (GPU-hours × dense peak), goodput removed, which "
        "also pays for evaluation, stalls and extra stages), the median of such runs",
        "because the run discloses neither its hours nor its MFU and the report predicts the hours a run accounts",
    ),
    "disclosed": (
        "the run's own accounted utilisation",
        "because its GPU-hours are disclosed: they fix MFU × goodput on its chip, so only the transfer to other "
        "chips is drawn",
    ),
    "estimated": (
        "the run's own accounted utilisation as implied by estimated GPU-hours",
        "because its GPU-hours are someone's estimate, not its disclosure: they fix nothing, so the MFU is "
        "drawn over the spread of such runs, as an entered one is",
    ),
    "reported": ("the run's own published MFU (steady state)", "because the run reports it"),
    "prefill": (
        "a serving utilisation (model FLOPs ÷ dense peak) of published prefill throughputs, their median",
        "because the workload serves prompts (prefill), not training",
    ),
    "decode": (
        "a serving utilisation (model FLOPs ÷ dense peak) of published decode throughputs, their median",
        "because the workload generates tokens (decode), not training",
    ),
    "reader": ("the reader's", "as entered"),
}


def mfu_basis(basis: str) -> Used:
    """The record of what a report's MFU stands for and why (:data:`MFU_BASES`, "what, why"): the
    words every report prints beside its MFU and writes in its JSON ``inputs`` as ``mfu_basis``.
    Two concepts are kept apart: a production run's steady-state MFU (chip_parity,
    energy_advantage, procurement, compute_stock, and a run that reports its MFU) and a whole
    run's accounted utilisation (training_run for a run that discloses nothing or its GPU-hours); a
    serving workload's (chip_parity's prefill and decode) is a serving utilisation."""
    if basis not in MFU_BASES:
        raise ValueError(f"MFU basis {basis!r} is not one of {', '.join(MFU_BASES)}")
    what, why = MFU_BASES[basis]
    source = {"prefill": "serving-observations", "decode": "decode-observations"}.get(basis, "mfu-observations")
    return Used(basis, "basis", source, f"{what}, {why}")


def base_point(ranges: dict) -> dict[str, np.ndarray]:
    """Every input at its base value, as length-1 arrays (the deterministic evaluation)."""
    return {name: np.array([float(r[1])]) for name, r in ranges.items()}


def step_table(
    config_id: str, chip_ids, *, compute_efficiency: float = scaling.COMPUTE_EFFICIENCY, overlap: float = 0.0
) -> pd.DataFrame:
    """:func:`~analysis.formulas.scaling.training_step` of a published parallel configuration
    (``data/parallel_configs.csv``) on each chip, one row per chip id: ``compute_s``, ``tp_s``,
    ``ep_s``, ``dp_s``, ``communication_s``, ``step_s`` [s] and ``scaling_efficiency``. Computed
    once per version of the data and arguments (:func:`analysis.catalog.per_data`)."""
    return _step_table(config_id, tuple(chip_ids), compute_efficiency, overlap)


@per_data
def _step_table(config_id: str, chip_ids: tuple, compute_efficiency: float, overlap: float) -> pd.DataFrame:
    """:func:`step_table` computed."""
    config = lookup(load("parallel_configs"), config_id, "parallel configuration")
    model = lookup(load("models"), config["model_id"], "model")
    frame = chips(chip_ids)
    steps = scaling.training_step(
        frame["bf16_dense_tflops"].to_numpy(),
        frame["interconnect_gb_s"].to_numpy(),
        model=model,
        config=config,
        compute_efficiency=compute_efficiency,
        overlap=overlap,
    )
    return pd.DataFrame(steps, index=frame.index)
