"""Load and validate the sourced datasets in ``data/`` and look up their rows by id.

Every table is checked when it is read: required columns, numbers that parse, values inside a
plausible range for their unit (so a 1000x unit slip fails), low <= base <= high for ranges,
dense-only compute figures, a source key on every group of figures, and source keys that
``data/SOURCES.md`` defines. A failure raises :class:`DataError` naming file, line, column and value.
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from io import StringIO
from pathlib import Path

import pandas as pd

from . import PROJECT_DIR
from .formulas import utilisation

DATA_DIR = PROJECT_DIR / "data"


class DataError(ValueError):
    """A dataset file is malformed; the message names file, line, column and value."""

    def __init__(
        self,
        path: Path,
        reason: str,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
        row_id: str | None = None,
    ):
        where = [Path(path).name if Path(path).parent == DATA_DIR else str(path)]
        if line is not None:
            where.append(f"line {line}" + (f" ({row_id})" if row_id else ""))
        if column is not None:
            where.append(f"column '{column}'")
        if value is not None:
            where.append(f"value {value!r}")
        super().__init__(", ".join(where) + f": {reason}")


class UnknownIdError(KeyError):
    """An id is not in a table; the message lists the closest known ids."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


@dataclass(frozen=True)
class Number:
    """A numeric column: empty allowed unless ``required``; value must lie in [low, high]."""

    low: float
    high: float
    required: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Table:
    """The schema of one CSV file."""

    file: str
    key: str
    numbers: dict[str, Number]
    text: tuple[str, ...] = ()  # columns that must be present (may be empty)
    required_text: tuple[str, ...] = ()  # text columns that must be non-empty
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source col -> value cols
    ranges: tuple[tuple[str, str, str], ...] = ()  # (low, base, high) column triples
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> allowed values
    unique_key: bool = True  # False where one id spans several rows (a rule's clauses)
    flags: tuple[str, ...] = ()  # required true/false columns, typed as bool
    required_with: dict[str, str] = field(default_factory=dict)  # column -> column it must accompany


#: Architecture families of ``chips.csv`` ``generation`` (the utilisation prior conditions on it).
GENERATIONS = ("volta", "ampere", "ada", "hopper", "blackwell", "cdna3", "ascend", "tpu", "cambricon", "trainium")

# Plausibility bounds are wide enough for any shipping accelerator and narrow enough that a value
# typed in the wrong unit (W for kW, GB/s for TB/s) falls outside them.
CHIPS = Table(
    file="chips.csv",
    key="chip_id",
    numbers={
        "launch_year": Number(2010, 2035, required=True, integer=True),
        "fp32_dense_tflops": Number(0.1, 2_000),
        "bf16_dense_tflops": Number(1, 20_000, required=True),
        "bf16_dense_tflops_low": Number(1, 20_000),
        "bf16_dense_tflops_high": Number(1, 20_000),
        "fp8_dense_tflops": Number(1, 40_000),
        "int8_dense_tops": Number(1, 40_000),
        "hbm_gb": Number(1, 2_000),
        "hbm_bandwidth_tb_s": Number(0.05, 100),
        "interconnect_gb_s": Number(1, 20_000),
        "tdp_w": Number(10, 5_000),
        "tdp_w_low": Number(10, 5_000),
        "tdp_w_high": Number(10, 5_000),
        "server_power_ratio": Number(1.0, 4.0),
        "die_area_mm2": Number(20, 5_000),
        "ics_per_card": Number(1, 64, required=True, integer=True),
        "price_usd_low": Number(100, 1_000_000),
        "price_usd": Number(100, 1_000_000),
        "price_usd_high": Number(100, 1_000_000),
        "usd_per_gpu_hour_low": Number(0.05, 100),
        "usd_per_gpu_hour": Number(0.05, 100),
        "usd_per_gpu_hour_high": Number(0.05, 100),
    },
    text=("memory_type", "price_unit", "rental_base_is", "die_area_confirmed", "note"),
    required_text=("name", "vendor", "generation", "compute_basis"),
    sources={
        "compute_source": (
            "generation",
            "fp32_dense_tflops",
            "bf16_dense_tflops",
            "bf16_dense_tflops_low",
            "bf16_dense_tflops_high",
            "fp8_dense_tflops",
            "int8_dense_tops",
        ),
        "memory_source": ("hbm_gb", "hbm_bandwidth_tb_s"),
        "interconnect_source": ("interconnect_gb_s",),
        "power_source": ("tdp_w", "tdp_w_low", "tdp_w_high"),
        "server_power_ratio_source": ("server_power_ratio",),
        "die_source": ("die_area_mm2",),
        "launch_source": ("launch_year",),
        "price_source": ("price_usd_low", "price_usd", "price_usd_high"),
        "rental_source": ("usd_per_gpu_hour_low", "usd_per_gpu_hour", "usd_per_gpu_hour_high"),
        "us_availability_source": ("us_commercially_available",),
    },
    ranges=(
        ("bf16_dense_tflops_low", "bf16_dense_tflops", "bf16_dense_tflops_high"),
        ("tdp_w_low", "tdp_w", "tdp_w_high"),
        ("price_usd_low", "price_usd", "price_usd_high"),
        ("usd_per_gpu_hour_low", "usd_per_gpu_hour", "usd_per_gpu_hour_high"),
    ),
    choices={
        "compute_basis": ("dense",),
        "price_unit": ("chip", "server", "system", ""),
        "rental_base_is": ("median", ""),
        "die_area_confirmed": ("true", "false", ""),
        "generation": GENERATIONS,
    },
    flags=("planar_node", "us_export_licensing", "us_commercially_available"),
    required_with={"price_unit": "price_usd", "die_area_confirmed": "die_area_mm2"},
)

REGIONS = Table(
    file="regions.csv",
    key="region_id",
    numbers={
        "usd_per_kwh_low": Number(0.001, 1.0),
        "usd_per_kwh": Number(0.001, 1.0),
        "usd_per_kwh_high": Number(0.001, 1.0),
        "price_year": Number(2000, 2035, integer=True),
        "pue_low": Number(1.0, 3.5),
        "pue": Number(1.0, 3.5, required=True),
        "pue_high": Number(1.0, 3.5),
        "grid_kgco2_per_kwh": Number(0.0, 1.5),
    },
    text=("note",),
    required_text=("name", "country"),
    sources={
        "price_source": ("usd_per_kwh_low", "usd_per_kwh", "usd_per_kwh_high", "price_year"),
        "pue_source": ("pue_low", "pue", "pue_high"),
        "carbon_source": ("grid_kgco2_per_kwh",),
    },
    ranges=(("usd_per_kwh_low", "usd_per_kwh", "usd_per_kwh_high"), ("pue_low", "pue", "pue_high")),
    choices={"pue_basis": ("target", "measured", "new-builds")},
)

TRAINING_RUNS = Table(
    file="training_runs.csv",
    key="run_id",
    numbers={
        "year": Number(2015, 2035, required=True, integer=True),
        "chip_count": Number(1, 10_000_000, integer=True),
        "gpu_hours": Number(1, 1e10),
        "pretraining_gpu_hours": Number(1, 1e10),
        "days": Number(0.01, 3_650),
        "tokens": Number(1e6, 1e16),
        "total_params": Number(1e6, 1e14),
        "active_params": Number(1e6, 1e14),
        "reported_mfu": Number(0.001, 1.0),
        "reported_training_flop": Number(1e15, 1e30),
        "reported_cost_usd": Number(1, 1e12),
        "usd_per_gpu_hour": Number(0.05, 100),
        "energy_mwh": Number(0.001, 1e8),
        "emissions_tco2": Number(0.0, 1e8),
        "reported_w_per_gpu": Number(10, 5_000),
        "reported_pue": Number(1.0, 3.5),
        "reported_kgco2_per_kwh": Number(0.0, 1.5),
        "site_pue": Number(1.0, 3.5),
        "site_kgco2_per_kwh": Number(0.0, 1.5),
    },
    text=("cost_basis", "note"),
    required_text=("model", "organisation", "chip_id", "precision", "source", "is_estimate"),
    sources={"source": (), "site_source": ("site_pue", "site_kgco2_per_kwh"), "country_source": ("country",)},
    choices={"is_estimate": ("true", "false"), "precision": ("bf16", "fp8"), "country": ("", "CN", "FR", "US")},
)

EXPORT_RULES = Table(
    file="export_rules.csv",
    key="rule_id",
    numbers={
        "tpp_min": Number(0, 1e6),
        "tpp_max": Number(0, 1e6),
        "density_min": Number(0, 1e3),
        "density_max": Number(0, 1e3),
        "io_min_gb_s": Number(0, 1e5),
    },
    text=("chip_ids", "note"),
    required_text=("rule_name", "effective_date", "clause", "outcome", "source"),
    sources={"source": ()},
    unique_key=False,
)

LICENCE_POLICIES = Table(
    file="licence_policies.csv",
    key="rule_id",
    numbers={
        "order": Number(1, 1_000, required=True, integer=True),
        "tpp_max": Number(0, 1e6),
        "dram_bandwidth_gb_s_max": Number(1, 1e6),
    },
    text=("chip_ids", "condition", "note"),
    required_text=("statuses", "policy", "source"),
    sources={"source": ()},
    choices={
        "policy": ("not required", "case-by-case", "presumption of denial"),
        "condition": ("", "us_commercially_available"),
    },
    unique_key=False,
)

SERVING_REFERENCES = Table(
    file="serving_references.csv",
    key="reference_id",
    numbers={"value": Number(0.0, 1e9, required=True)},
    text=("chip_id", "note"),
    required_text=("description", "unit", "source"),
    sources={"source": ()},
)


MODELS = Table(
    file="models.csv",
    key="model_id",
    numbers={
        "total_params": Number(1e6, 1e14, required=True),
        "active_params": Number(1e6, 1e14, required=True),
        "layers": Number(1, 1_000, required=True, integer=True),
        "hidden_size": Number(64, 1e6, required=True, integer=True),
        "moe_layers": Number(0, 1_000, required=True, integer=True),
        "routed_experts": Number(0, 100_000, required=True, integer=True),
        "experts_per_token": Number(0, 1_000, required=True, integer=True),
        "shared_experts": Number(0, 1_000, integer=True),
        "params_per_expert": Number(1e3, 1e12),
        "kv_cache_bytes_per_token": Number(1, 1e8, required=True),
    },
    text=("kv_cache_basis", "note"),
    required_text=("name", "source"),
    sources={"source": ()},
)

PARALLEL_CONFIGS = Table(
    file="parallel_configs.csv",
    key="config_id",
    numbers={
        "chips": Number(1, 1e7, required=True, integer=True),
        "tokens_per_step": Number(1, 1e10, required=True),
        "tensor_parallel": Number(1, 1_024, required=True, integer=True),
        "pipeline_parallel": Number(1, 1_024, required=True, integer=True),
        "expert_parallel": Number(1, 100_000, required=True, integer=True),
        "data_parallel": Number(1, 1e7, required=True, integer=True),
        "ep_nodes_per_token": Number(0, 1_000, required=True),
        "dispatch_bytes": Number(0.5, 4, required=True),
        "combine_bytes": Number(0.5, 4, required=True),
        "chips_per_node": Number(1, 1_024, required=True, integer=True),
        "network_gb_s_per_chip": Number(0.1, 10_000, required=True),
        "nvlink_efficiency": Number(0.05, 1.0, required=True),
    },
    text=("note",),
    required_text=("model_id", "description", "source"),
    sources={"source": ()},
)


SYSTEMS = Table(
    file="systems.csv",
    key="system_id",
    numbers={
        "chips": Number(1, 1e6, required=True, integer=True),
        "system_power_kw": Number(0.1, 1e6),
        "bf16_dense_pflops": Number(0.01, 1e6, required=True),
        "hbm_tb": Number(0.001, 1e5),
        "hbm_bandwidth_tb_s": Number(0.01, 1e7),
        "scale_up_domain_chips": Number(1, 1e6, integer=True),
        "price_usd": Number(1_000, 1e10),
    },
    text=("note",),
    required_text=("name", "vendor", "chip_id", "source"),
    sources={"source": ()},
)

#: The range of each chip-specific server power ratio (``chips.csv`` ``server_power_ratio``): the
#: lowest and highest ratio of the NVIDIA systems behind it (system power / (chips × TDP)).
SERVER_POWER_RATIOS = Table(
    file="server_power_ratios.csv",
    key="chip_id",
    numbers={
        "server_power_ratio_low": Number(0.5, 5.0, required=True),
        "server_power_ratio_high": Number(0.5, 5.0, required=True),
    },
    text=("note",),
    required_text=("systems", "source"),
    sources={"source": ()},
)

VENDOR_EFFICIENCY = Table(
    file="vendor_efficiency.csv",
    key="vendor_id",
    numbers={
        "mfu_factor_low": Number(0.05, 2.0, required=True),
        "mfu_factor": Number(0.05, 2.0, required=True),
        "mfu_factor_high": Number(0.05, 2.0, required=True),
    },
    text=("caveat", "note"),
    required_text=("vendor", "source"),
    sources={"source": ()},
    ranges=(("mfu_factor_low", "mfu_factor", "mfu_factor_high"),),
)

#: Catalog prices that are another SKU's price (the A800 SXM priced at the A800 PCIe card's street
#: price): what the price of ``chips.csv`` is the price of, in words, so the reports say it.
PRICE_SKUS = Table(
    file="price_skus.csv",
    key="chip_id",
    numbers={},
    text=("note",),
    required_text=("priced_as", "source"),
    sources={"source": ()},
)


VALIDATION_CASES = Table(
    file="validation_cases.csv",
    key="case_id",
    numbers={"measured": Number(1e-6, 1e12, required=True), "tolerance": Number(0.0, 1.0, required=True)},
    text=("figure", "setup", "exercised_defaults", "miss_reason", "note"),
    required_text=("name", "quantity", "unit", "boundary", "method", "role", "source"),
    sources={"source": ()},
    choices={
        "role": ("validation", "calibration", "cross-check", "arithmetic"),
        "method": (
            "training_run",
            "inference_cost.prefill",
            "inference_cost.decode",
            "inference_cost.daily_cost",
            "inference_cost.llama2_decode_latency",
            "systems.power",
            "systems.power_per_flop_ratio",
        ),
    },
)


MFU_OBSERVATIONS = Table(
    file="mfu_observations.csv",
    key="obs_id",
    numbers={
        "total_params": Number(1e6, 1e14, required=True),
        "active_params": Number(1e6, 1e14, required=True),
        "cluster_chips": Number(1, 1e7, required=True, integer=True),
        "mfu_published": Number(0.01, 1.0, required=True),
        "tokens": Number(1e9, 1e15),
        "seq_len": Number(64, 1e7, integer=True),
        "n_layers": Number(1, 1e4, integer=True),
        "d_model": Number(64, 1e6, integer=True),
        "vocab": Number(100, 1e7, integer=True),
        "model_tflops_per_chip": Number(0.01, 1e5),
        "tokens_per_s_per_chip": Number(0.01, 1e8),
    },
    text=("run_start", "excluded", "validation_overlap", "note"),
    required_text=(
        "chip_id",
        "chip_generation",
        "architecture",
        "precision",
        "mfu_definition",
        "flop_basis",
        "kind",
        "source",
    ),
    sources={"source": ()},
    choices={
        "chip_generation": GENERATIONS,
        "architecture": ("dense", "moe"),
        "precision": ("bf16", "fp8"),
        "kind": ("production", "benchmark"),
        "flop_basis": tuple(utilisation.FLOP_BASES),
    },
)


#: Published serving throughputs with their setups (``analysis.assembly.serving_observations``):
#: the observations whose implied utilisations set the serving model's utilisation and its spread.
SERVING_OBSERVATIONS = Table(
    file="serving_observations.csv",
    key="obs_id",
    numbers={
        "context_tokens": Number(1, 1e7, required=True),
        "batch_size": Number(1, 1e7, integer=True),
        "tokens_per_s_per_chip": Number(0.01, 1e6, required=True),
    },
    text=("excluded", "note"),
    required_text=("chip_id", "model_id", "phase", "precision", "source"),
    sources={"source": ()},
    choices={"phase": ("prefill", "decode"), "precision": ("bf16", "fp8")},
)


#: Published deployments' decode batches (``analysis.assembly.serving_observations.decode_batches``):
#: the observations whose batches per replica set the serving model's decode batch and its spread.
DECODE_BATCHES = Table(
    file="decode_batches.csv",
    key="batch_id",
    numbers={
        "batch_per_chip": Number(0.1, 1e5, required=True),
        "chips_per_replica": Number(1, 1e5, integer=True, required=True),
        "context_tokens": Number(1, 1e7),
    },
    text=("excluded", "validation_overlap", "note"),
    required_text=("chip_id", "model_id", "basis", "source"),
    sources={"source": ()},
    choices={"basis": ("disclosed", "derived")},
)


#: Published same-chip, same-model BF16 and FP8 training throughputs
#: (``analysis.assembly.inputs.fp8_speedup``): the pairs whose FP8 / BF16 throughput ratios set
#: the achieved FP8 speed-up over BF16 and its Monte Carlo spread.
FP8_SPEEDUPS = Table(
    file="fp8_speedups.csv",
    key="pair_id",
    numbers={
        "gpus": Number(1, 1e6, integer=True, required=True),
        "bf16_tokens_per_s_per_gpu": Number(0.01, 1e7, required=True),
        "fp8_tokens_per_s_per_gpu": Number(0.01, 1e7, required=True),
    },
    text=("note",),
    required_text=("chip", "model", "fp8_format", "source"),
    sources={"source": ()},
)

#: Published MFUs of one model and software on two chips: the spread of an MFU moved between chips.
MFU_TRANSFERS = Table(
    file="mfu_transfers.csv",
    key="pair_id",
    numbers={},
    text=("note",),
    required_text=("model", "software", "from_obs", "to_obs", "source"),
    sources={"source": ()},
)

#: Published decode-dominated throughputs with their setups
#: (``analysis.assembly.serving_observations.decode_implied``): the observations whose implied
#: compute utilisations set the serving model's decode utilisation and its spread.
DECODE_OBSERVATIONS = Table(
    file="decode_observations.csv",
    key="obs_id",
    numbers={
        "input_tokens": Number(1, 1e7),
        "output_tokens": Number(1, 1e7, required=True),
        "batch_per_replica": Number(1, 1e7, integer=True),
        "chips_per_replica": Number(1, 1e5, integer=True),
        "output_tokens_per_s_per_chip": Number(0.01, 1e6, required=True),
    },
    text=("excluded", "note"),
    required_text=("chip_id", "model_id", "precision", "kv_cache_precision", "source", "setup"),
    sources={"source": ()},
    choices={"precision": ("bf16", "fp8", "fp4"), "kv_cache_precision": ("bf16", "fp8")},
)


#: Training runs that disclose their compute and the time it took (model cards, papers): the
#: accounted utilisation of whole runs (``analysis.assembly.inputs.mfu_observations``).
ACCOUNTED_RUNS = Table(
    file="accounted_runs.csv",
    key="run_id",
    numbers={
        "total_params": Number(1e6, 1e14, required=True),
        "active_params": Number(1e6, 1e14, required=True),
        "tokens": Number(1e9, 1e15, required=True),
        "chip_count": Number(1, 1e7, integer=True),
        "gpu_hours": Number(1, 1e10),
        "days": Number(0.1, 2_000),
        "seq_len": Number(64, 1e7, integer=True),
    },
    text=("run_start", "excluded", "validation_overlap", "note"),
    required_text=("model", "chip_id", "architecture", "precision", "stage", "source"),
    sources={"source": ()},
    choices={"architecture": ("dense", "moe"), "precision": ("bf16", "fp8")},
)


def _check_params(path: Path, frame: pd.DataFrame, key: str) -> None:
    """Active <= total parameters, equal for a dense model."""
    for line, row in frame.iterrows():
        if row["active_params"] > row["total_params"] or (
            row["architecture"] == "dense" and row["active_params"] != row["total_params"]
        ):
            raise DataError(
                path,
                "active parameters must not exceed the total (and equal it for a dense model)",
                line,
                "active_params",
                f"{row['active_params']:.0f}",
                row[key],
            )


EXCHANGE_RATES = Table(
    file="exchange_rates.csv",
    key="rate_id",
    numbers={"per_usd": Number(0.01, 1e5, required=True)},
    text=("note",),
    required_text=("period", "source"),
    sources={"source": ()},
    choices={"currency": ("CNY",)},
)

#: What a China-market quote buys: a chip, an 8-chip server, a whole system (as ``price_unit`` of
#: ``chips.csv``) or, for a rental, one chip for one hour.
CHINA_PRICE_UNITS = ("chip", "server", "system", "chip-hour")

CHINA_PRICES = Table(
    file="china_prices.csv",
    key="price_id",
    numbers={"price": Number(0.01, 1e9, required=True), "chips_per_unit": Number(1, 1e6, required=True, integer=True)},
    text=("note",),
    required_text=("chip_id", "date", "rate_id", "source"),
    sources={"source": ()},
    choices={"kind": ("purchase", "rental"), "currency": ("CNY",), "price_unit": CHINA_PRICE_UNITS},
)


def _check_china_prices(path: Path, prices: pd.DataFrame, rates: pd.DataFrame, chips: pd.DataFrame) -> None:
    """A quote names a catalog chip and an exchange rate of its own currency; a rental is priced
    per chip-hour and a purchase per chip, server or system."""
    _check_chip_refs(path, prices, "chip_id", chips, "price_id")
    for line, row in prices.iterrows():
        if row["rate_id"] not in rates.index:
            raise DataError(path, f"unknown rate; known: {', '.join(rates.index)}", line, "rate_id", row["rate_id"])
        if rates.at[row["rate_id"], "currency"] != row["currency"]:
            raise DataError(
                path,
                f"the rate converts {rates.at[row['rate_id'], 'currency']}, not {row['currency']}",
                line,
                "rate_id",
                row["rate_id"],
                row["price_id"],
            )
        if (row["kind"] == "rental") != (row["price_unit"] == "chip-hour"):
            raise DataError(
                path,
                "a rental is priced per chip-hour, a purchase per chip, server or system",
                line,
                "price_unit",
                row["price_unit"],
                row["price_id"],
            )


# The national compute stock (compute_stock report): every row carries its source keys (a row
# without one is refused), ranges where sources disagree.
SHIPMENTS = Table(
    file="shipments.csv",
    key="shipment_id",
    numbers={
        "year": Number(2015, 2035, required=True, integer=True),
        "start_month": Number(1, 12, required=True, integer=True),
        "months": Number(1, 12, required=True, integer=True),
        "units_low": Number(0, 1e8),
        "units": Number(0, 1e8, required=True),
        "units_high": Number(0, 1e8),
    },
    text=("chip_id", "note"),
    required_text=("country", "channel", "vendor", "chip_text", "unit", "source"),
    sources={"source": ()},
    ranges=(("units_low", "units", "units_high"),),
    choices={
        "country": ("cn", "us"),
        "channel": ("licensed", "domestic", "smuggled", "rented_abroad", "us_owned"),
        "unit": ("chips", "b300-equivalents"),
    },
)

SUPPLY_CONSTRAINTS = Table(
    file="supply_constraints.csv",
    key="constraint_id",
    numbers={
        "year": Number(2015, 2035, required=True, integer=True),
        "quantity_low": Number(0, 1e9),
        "quantity": Number(0, 1e9, required=True),
        "quantity_high": Number(0, 1e9),
    },
    text=("chip_id", "note"),
    required_text=("constraint", "role", "unit", "source"),
    sources={"source": ()},
    ranges=(("quantity_low", "quantity", "quantity_high"),),
    choices={
        "constraint": (
            "die_bank",
            "hbm_stockpile",
            "hbm_stacks_per_package",
            "dies_per_package",
            "wafer_capacity",
            "yield",
            "dies_available",
            "packages",
            "packaging",
        ),
        "role": ("model", "context"),
    },
)

CLUSTERS = Table(
    file="clusters.csv",
    key="cluster_id",
    numbers={"chips": Number(1, 1e8, integer=True), "year": Number(2015, 2035, required=True, integer=True)},
    text=("chip_id", "chip_text", "note"),
    required_text=("country", "owner", "name", "kind", "source"),
    sources={"source": ()},
    choices={
        "country": ("cn", "us"),
        "kind": ("cluster", "run", "fleet", "holdings", "planned", "claim"),
    },
)

LARGEST_RUNS = Table(
    file="largest_runs.csv",
    key="run_key",
    numbers={
        "year": Number(2015, 2035, required=True, integer=True),
        "training_flop": Number(1e15, 1e30, required=True),
        "chips": Number(1, 1e8, integer=True),
    },
    text=("chip_text", "note"),
    required_text=("country", "model", "organisation", "epoch_confidence", "source"),
    sources={"source": ()},
    choices={"country": ("cn", "us"), "epoch_confidence": ("confident", "likely", "speculative")},
)

POLICY_STEPS = Table(
    file="policy_steps.csv",
    key="step_id",
    numbers={},
    text=("lever",),
    required_text=("date", "rule", "what_changes", "source"),
    sources={"source": ()},
    choices={"lever": ("", "hbm_replenished", "h20_after_april_2025", "h200_exports")},
)

STOCK_CROSSCHECKS = Table(
    file="stock_crosschecks.csv",
    key="check_id",
    numbers={"value_low": Number(0, 1e30), "value": Number(0, 1e30, required=True), "value_high": Number(0, 1e30)},
    text=("note",),
    required_text=("figure", "unit", "source"),
    sources={"source": ()},
    ranges=(("value_low", "value", "value_high"),),
)


def _check_observations(path: Path, frame: pd.DataFrame, chips: pd.DataFrame) -> None:
    """An observation on a catalog chip has that chip's generation; active <= total parameters,
    equal for a dense model (other chips, e.g. ``tpu-v4``, are plain ids outside the catalog);
    every column its ``flop_basis`` needs (:data:`analysis.formulas.utilisation.FLOP_BASES`) is given."""
    for line, row in frame.iterrows():
        for column in utilisation.FLOP_BASES[row["flop_basis"]]:
            if pd.isna(row[column]):
                raise DataError(path, f"is required by flop_basis {row['flop_basis']}", line, column, "", row["obs_id"])
        chip = row["chip_id"]
        if chip in chips.index and chips.loc[chip, "generation"] != row["chip_generation"]:
            raise DataError(
                path,
                f"chip {chip} is of generation {chips.loc[chip, 'generation']} in chips.csv",
                line,
                "chip_generation",
                row["chip_generation"],
                row["obs_id"],
            )
    _check_params(path, frame, "obs_id")
    _check_months(path, frame, "obs_id")


def _check_months(path: Path, frame: pd.DataFrame, key: str) -> None:
    """A ``run_start`` cell is empty or a month written YYYY-MM (e.g. ``2023-07``)."""
    for line, row in frame.iterrows():
        cell = "" if pd.isna(row["run_start"]) else str(row["run_start"]).strip()
        if cell and not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", cell):
            raise DataError(path, "a month written YYYY-MM, e.g. 2023-07", line, "run_start", cell, row[key])


def _check_accounted(path: Path, frame: pd.DataFrame, chips: pd.DataFrame) -> None:
    """An accounted run is on a catalog chip, discloses its GPU-hours or its days (with the chip
    count, always required), and has active <= total parameters (equal for a dense model)."""
    _check_chip_refs(path, frame, "chip_id", chips, "run_id")
    for line, row in frame.iterrows():
        if pd.isna(row["gpu_hours"]) and pd.isna(row["days"]):
            raise DataError(path, "give gpu_hours or days (with chip_count)", line, "gpu_hours", "", row["run_id"])
    _check_params(path, frame, "run_id")
    _check_months(path, frame, "run_id")


def _read(path: Path) -> pd.DataFrame:
    """Read a CSV as text cells indexed by the line each record starts on (so messages stay
    right after blank lines and multi-line quoted cells). A missing or empty file, undecodable
    bytes, duplicate column names and rows with the wrong number of cells fail naming the line."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise DataError(path, f"cannot be read ({err.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            path, "is not UTF-8 text (save it as UTF-8)", line=line, value=raw[err.start : err.start + 4]
        ) from None
    reader = csv.reader(StringIO(text, newline=""), strict=True)
    records, line = [], 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as err:
        raise DataError(path, f"is not a well-formed CSV ({err})", line=line) from None
    if not records:
        raise DataError(path, "is empty; expected a header line and one row per record")
    (_, header), rows = records[0], records[1:]
    header = [name.strip() for name in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise DataError(
            path, f"duplicate column name(s) {', '.join(duplicated)}; each column must appear once", line=records[0][0]
        )
    for line, cells in rows:
        if len(cells) != len(header):
            raise DataError(path, f"has {len(cells)} cells; the header has {len(header)}", line=line)
    return pd.DataFrame(
        [cells for _, cells in rows], columns=header, index=pd.Index([line for line, _ in rows], name="line"), dtype=str
    )


#: A plain decimal number in ASCII digits: no digit-group underscores, no full-width digits.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _parse_number(path: Path, line: int, row_id: str, column: str, cell: str, spec: Number) -> float:
    """One cell as a float, checked against its column's bounds."""
    if cell.strip() == "":
        if spec.required:
            raise DataError(path, "is required", line, column, cell, row_id)
        return math.nan
    if cell.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise DataError(path, "is not a finite number", line, column, cell, row_id)
    if not PLAIN_NUMBER.fullmatch(cell.strip()):
        raise DataError(
            path,
            "is not a number (plain decimals in ASCII digits only: no units, thousands separators or '_')",
            line,
            column,
            cell,
            row_id,
        )
    value = float(cell)
    if not math.isfinite(value):
        raise DataError(path, "is not a finite number", line, column, cell, row_id)
    if spec.integer and value != int(value):
        raise DataError(path, "must be a whole number", line, column, cell, row_id)
    if not spec.low <= value <= spec.high:
        raise DataError(
            path,
            f"is outside the plausible range [{spec.low:g}, {spec.high:g}] "
            "for this unit (a negative value or a unit slip?)",
            line,
            column,
            cell,
            row_id,
        )
    return value


#: The grades a source cell of ``SOURCES.md`` ends with: the publisher of the figure; a report of it
#: by others; a source that is itself unsure (a wiki asking for citations, an AI-written summary,
#: a forum, a spec aggregator); this package's own assumption or its table of figures derived from
#: other sources (``package``, no document of its own); a value the reader set (``reader``). Weak
#: sources never set a default; only ``primary`` counts as a primary document.
GRADES = ("primary", "secondary", "weak", "package", "reader")
_GRADE = re.compile(r"\((" + "|".join(GRADES) + r")\)$")


def sources(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The source tables of ``SOURCES.md``, indexed by key: ``source``, ``url``, ``accessed``,
    ``what was taken`` and ``grade`` (:data:`GRADES`: the last words of the source cell, which a
    row must end with or the file fails to load). Parsed once per content of the file (a report
    asks several times), returned as a copy."""
    path = Path(data_dir) / "SOURCES.md"
    return _sources(path, path.read_text(encoding="utf-8")).copy(deep=False)


@lru_cache(maxsize=4)
def _sources(path: Path, text: str) -> pd.DataFrame:
    """:func:`sources` of ``text``, the content of ``path``."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not (
            line.startswith("|")
            and len(cells) >= 5
            and cells[0] != "key"
            and re.fullmatch(r"[a-z0-9][a-z0-9-]*", cells[0])
        ):
            continue
        grade = _GRADE.search(cells[1])
        if not grade:
            raise DataError(
                path,
                "the source cell must end with its grade: one of " + ", ".join(f"({g})" for g in GRADES),
                number,
                "source",
                cells[1][-60:],
                cells[0],
            )
        rows.append(
            {
                "key": cells[0],
                "source": cells[1],
                "url": cells[2],
                "accessed": cells[3],
                "what was taken": " | ".join(cells[4:]),
                "grade": grade.group(1),
            }
        )
    return pd.DataFrame(rows).drop_duplicates("key").set_index("key")


def source_keys(data_dir: Path = DATA_DIR) -> set[str]:
    """The source keys defined in ``SOURCES.md``."""
    return set(sources(data_dir).index)


def keys_in(frame: pd.DataFrame) -> list[str]:
    """Source keys named in a table's ``source`` / ``*_source`` columns, in first-seen order."""
    columns = [c for c in frame.columns if c == "source" or c.endswith("_source")]
    keys = [k.strip() for c in columns for cell in frame[c] for k in str(cell).split(";")]
    return list(dict.fromkeys(k for k in keys if k))


def _check_sources(path: Path, frame: pd.DataFrame, table: Table, known: set[str]) -> None:
    """Every non-empty group of figures has source keys, and every key is defined."""
    for line, row in frame.iterrows():  # the index is the line number (see _read)
        for source_col, value_cols in table.sources.items():
            keys = [k.strip() for k in row[source_col].split(";") if k.strip()]
            has_values = any(row[c] for c in value_cols)
            if has_values and not keys:
                raise DataError(
                    path,
                    f"missing source for the figures in this group ({', '.join(value_cols)})",
                    line,
                    source_col,
                    row[source_col],
                    row[table.key],
                )
            for key in keys:
                if key not in known:
                    raise DataError(
                        path, "source key is not defined in data/SOURCES.md", line, source_col, key, row[table.key]
                    )


def validate(path: Path, table: Table, known_sources: set[str]) -> pd.DataFrame:
    """Read ``path`` and check it against ``table``; return typed columns indexed by the key."""
    frame = _read(path)
    required = (table.key, *table.numbers, *table.text, *table.required_text, *table.sources, *table.flags)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(path, f"missing column(s) {', '.join(missing)}; the header is: {', '.join(frame.columns)}")
    frame = frame.apply(lambda col: col.str.strip())
    for line, row_id in zip(frame.index, frame[table.key]):
        if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", row_id):
            raise DataError(path, "ids are lowercase slugs (a-z, 0-9, '-', '.')", line, table.key, row_id)
    if table.unique_key:
        duplicated = frame[table.key].duplicated()
        if duplicated.any():
            i = int(duplicated.to_numpy().argmax())
            raise DataError(path, "duplicate id", int(frame.index[i]), table.key, frame[table.key].iloc[i])
    for column in table.required_text:
        for line, (cell, row_id) in zip(frame.index, zip(frame[column], frame[table.key])):
            if not cell:
                raise DataError(path, "is required", line, column, cell, row_id)
    for column, allowed in table.choices.items():
        for line, (cell, row_id) in zip(frame.index, zip(frame[column], frame[table.key])):
            if cell not in allowed:
                hint = (
                    " (the catalog stores dense figures only: halve a 2:4-sparse figure and say so in the note)"
                    if column == "compute_basis"
                    else ""
                )
                raise DataError(path, f"must be one of {', '.join(allowed)}{hint}", line, column, cell, row_id)
    for column in table.flags:
        for line, (cell, row_id) in zip(frame.index, zip(frame[column], frame[table.key])):
            if cell not in ("true", "false"):
                raise DataError(path, "must be true or false", line, column, cell, row_id)
    for column, partner in table.required_with.items():
        for line, (cell, other, row_id) in zip(frame.index, zip(frame[column], frame[partner], frame[table.key])):
            if other and not cell:
                raise DataError(path, f"is required where {partner} is given", line, column, cell, row_id)
    _check_sources(path, frame, table, known_sources)
    typed = frame.copy()
    for column in table.flags:
        typed[column] = frame[column] == "true"
    for column, spec in table.numbers.items():
        typed[column] = pd.Series(
            [
                _parse_number(path, line, row_id, column, cell, spec)
                for line, (cell, row_id) in zip(frame.index, zip(frame[column], frame[table.key]))
            ],
            index=frame.index,
            dtype="Int64" if spec.integer else float,
        )
    for low, base, high in table.ranges:
        for small, large in ((low, base), (base, high), (low, high)):
            bad = (typed[small] > typed[large]).to_numpy()
            if bad.any():
                i = int(bad.argmax())
                raise DataError(
                    path,
                    f"must not exceed {large} ({frame[large].iloc[i]}); ranges need {low} <= {base} <= {high}",
                    int(frame.index[i]),
                    small,
                    frame[small].iloc[i],
                    frame[table.key].iloc[i],
                )
    return typed


def _check_chip_refs(path: Path, frame: pd.DataFrame, column: str, chips: pd.DataFrame, key: str) -> None:
    """Every chip id named in ``column`` (';'-separated) is in the chip catalog."""
    for line, (cell, row_id) in zip(frame.index, zip(frame[column], frame[key])):
        for chip_id in filter(None, (c.strip() for c in cell.split(";"))):
            if chip_id not in chips.index:
                raise DataError(
                    path, f"unknown chip; closest: {_closest(chip_id, chips.index)}", line, column, chip_id, row_id
                )


def _check_ratio_ranges(path: Path, frame: pd.DataFrame, chips: pd.DataFrame) -> None:
    """Every row names a chip with its own ``server_power_ratio`` in ``chips.csv``, and
    low ≤ that ratio ≤ high."""
    _check_chip_refs(path, frame, "chip_id", chips, "chip_id")
    for line, row in frame.iterrows():
        ratio = chips.loc[row["chip_id"], "server_power_ratio"]
        if pd.isna(ratio):
            raise DataError(
                path, "the chip has no server_power_ratio of its own in chips.csv", line, "chip_id", row["chip_id"]
            )
        if not row["server_power_ratio_low"] <= ratio <= row["server_power_ratio_high"]:
            raise DataError(
                path,
                f"the range must hold the chip's own ratio {ratio:g} (chips.csv); low ≤ ratio ≤ high",
                line,
                "server_power_ratio_low",
                (row["server_power_ratio_low"], row["server_power_ratio_high"]),
                row["chip_id"],
            )


def _load_stock(data_dir: Path, known: set[str], chips: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The compute stock's tables, validated, their chip ids checked, indexed by their keys."""
    stock = {}
    for table in (SHIPMENTS, SUPPLY_CONSTRAINTS, CLUSTERS, LARGEST_RUNS, POLICY_STEPS, STOCK_CROSSCHECKS):
        frame = validate(data_dir / table.file, table, known)
        if "chip_id" in frame.columns:
            _check_chip_refs(data_dir / table.file, frame, "chip_id", chips, table.key)
        stock[table.file.removesuffix(".csv")] = frame.set_index(table.key)
    return stock


def _load_serving(data_dir: Path, known: set, chips: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``serving_observations.csv``, ``decode_batches.csv`` and ``decode_observations.csv``,
    validated, their chips checked, ``fp8_speedups.csv`` (its chips as the sources name them) and
    ``mfu_transfers.csv`` (pairs of ``mfu_observations.csv`` rows); by dataset name, indexed by their keys."""
    out = {}
    for name, table in (
        ("serving_observations", SERVING_OBSERVATIONS),
        ("decode_batches", DECODE_BATCHES),
        ("decode_observations", DECODE_OBSERVATIONS),
    ):
        frame = validate(data_dir / table.file, table, known)
        _check_chip_refs(data_dir / table.file, frame, "chip_id", chips, table.key)
        out[name] = frame.set_index(table.key)
    out["fp8_speedups"] = validate(data_dir / FP8_SPEEDUPS.file, FP8_SPEEDUPS, known).set_index(FP8_SPEEDUPS.key)
    out["mfu_transfers"] = validate(data_dir / MFU_TRANSFERS.file, MFU_TRANSFERS, known).set_index(MFU_TRANSFERS.key)
    return out


class _Tables(dict):
    """The datasets of one data folder as :func:`_load_all` loaded them, and ``digest``
    (:func:`data_digest`)."""

    def __init__(self, tables: dict[str, pd.DataFrame], digest: str):
        super().__init__(tables)
        self.digest = digest


def _digest(data_dir: Path) -> str:
    """SHA-256 over the names and bytes of the files the catalog reads: every ``*.csv`` of
    ``data_dir`` and ``SOURCES.md``."""
    digest = hashlib.sha256()
    for path in sorted([*data_dir.glob("*.csv"), data_dir / "SOURCES.md"]):
        digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    return digest.hexdigest()


def _load_prices(data_dir: Path, known: set[str], chips: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The price tables, validated: ``exchange_rates``, ``china_prices`` (checked against the rates
    and chips) and ``price_skus`` (checked against the chips)."""
    rates = validate(data_dir / EXCHANGE_RATES.file, EXCHANGE_RATES, known).set_index("rate_id")
    china = validate(data_dir / CHINA_PRICES.file, CHINA_PRICES, known)
    _check_china_prices(data_dir / CHINA_PRICES.file, china, rates, chips)
    skus = validate(data_dir / PRICE_SKUS.file, PRICE_SKUS, known)
    _check_chip_refs(data_dir / PRICE_SKUS.file, skus, "chip_id", chips, "chip_id")
    return {
        "exchange_rates": rates,
        "china_prices": china.set_index("price_id"),
        "price_skus": skus.set_index("chip_id"),
    }


@lru_cache(maxsize=8)
def _load_all(data_dir: Path) -> _Tables:
    known = source_keys(data_dir)
    chips = validate(data_dir / CHIPS.file, CHIPS, known).set_index("chip_id")
    runs = validate(data_dir / TRAINING_RUNS.file, TRAINING_RUNS, known)
    _check_chip_refs(data_dir / TRAINING_RUNS.file, runs, "chip_id", chips, "run_id")
    rules = validate(data_dir / EXPORT_RULES.file, EXPORT_RULES, known)
    _check_chip_refs(data_dir / EXPORT_RULES.file, rules, "chip_ids", chips, "rule_id")
    policies = validate(data_dir / LICENCE_POLICIES.file, LICENCE_POLICIES, known)
    _check_chip_refs(data_dir / LICENCE_POLICIES.file, policies, "chip_ids", chips, "rule_id")
    for line, (rule_id, statuses) in zip(policies.index, zip(policies["rule_id"], policies["statuses"])):
        outcomes = rules.loc[rules["rule_id"] == rule_id, "outcome"]
        if outcomes.empty:
            raise DataError(
                data_dir / LICENCE_POLICIES.file,
                f"unknown rule; known: {', '.join(dict.fromkeys(rules['rule_id']))}",
                line,
                "rule_id",
                rule_id,
            )
        allowed = {"not controlled", *outcomes}
        for status in filter(None, (s.strip() for s in statuses.split(";"))):
            if status not in allowed:
                raise DataError(
                    data_dir / LICENCE_POLICIES.file,
                    f"unknown status of this rule; allowed: {', '.join(sorted(allowed))}",
                    line,
                    "statuses",
                    status,
                    rule_id,
                )
    regions = validate(data_dir / REGIONS.file, REGIONS, known).set_index("region_id")
    serving = validate(data_dir / SERVING_REFERENCES.file, SERVING_REFERENCES, known)
    _check_chip_refs(data_dir / SERVING_REFERENCES.file, serving, "chip_id", chips, "reference_id")
    systems = validate(data_dir / SYSTEMS.file, SYSTEMS, known)
    _check_chip_refs(data_dir / SYSTEMS.file, systems, "chip_id", chips, "system_id")
    ratio_ranges = validate(data_dir / SERVER_POWER_RATIOS.file, SERVER_POWER_RATIOS, known)
    _check_ratio_ranges(data_dir / SERVER_POWER_RATIOS.file, ratio_ranges, chips)
    models = validate(data_dir / MODELS.file, MODELS, known).set_index("model_id")
    configs = validate(data_dir / PARALLEL_CONFIGS.file, PARALLEL_CONFIGS, known)
    for line, (model_id, row_id) in zip(configs.index, zip(configs["model_id"], configs["config_id"])):
        if model_id not in models.index:
            raise DataError(
                data_dir / PARALLEL_CONFIGS.file,
                f"unknown model; closest: {_closest(model_id, models.index)}",
                line,
                "model_id",
                model_id,
                row_id,
            )
    vendors = validate(data_dir / VENDOR_EFFICIENCY.file, VENDOR_EFFICIENCY, known).set_index("vendor_id")
    validation = validate(data_dir / VALIDATION_CASES.file, VALIDATION_CASES, known).set_index("case_id")
    observations = validate(data_dir / MFU_OBSERVATIONS.file, MFU_OBSERVATIONS, known)
    _check_observations(data_dir / MFU_OBSERVATIONS.file, observations, chips)
    observations["mfu"] = utilisation.observed_mfu(observations)  # on the one basis, 6·N·D
    accounted = validate(data_dir / ACCOUNTED_RUNS.file, ACCOUNTED_RUNS, known)
    _check_accounted(data_dir / ACCOUNTED_RUNS.file, accounted, chips)
    served = _load_serving(data_dir, known, chips)
    prices = _load_prices(data_dir, known, chips)
    runs["is_estimate"] = runs["is_estimate"] == "true"
    stock = _load_stock(data_dir, known, chips)
    tables = {
        "chips": chips,
        "regions": regions,
        "training_runs": runs.set_index("run_id"),
        "export_rules": rules.reset_index(drop=True),
        "serving_references": serving.set_index("reference_id"),
        "models": models,
        "parallel_configs": configs.set_index("config_id"),
        "systems": systems.set_index("system_id"),
        "server_power_ratios": ratio_ranges.set_index("chip_id"),
        "vendor_efficiency": vendors,
        "validation_cases": validation,
        "licence_policies": policies.reset_index(drop=True),
        "mfu_observations": observations.set_index("obs_id"),
        "accounted_runs": accounted.set_index("run_id"),
        **served,
        **prices,
        **stock,
    }
    return _Tables(tables, _digest(data_dir))


def load(name: str, data_dir: Path | str | None = None) -> pd.DataFrame:
    """A validated copy of one dataset: ``chips``, ``regions``, ``training_runs``,
    ``export_rules``, ``licence_policies``, ``serving_references``, ``models``,
    ``parallel_configs``, ``systems``, ``server_power_ratios``, ``price_skus``, ``mfu_observations``,
    ``accounted_runs``, ``serving_observations``, ``decode_batches``, ``decode_observations``,
    ``fp8_speedups``, ``mfu_transfers``, ``exchange_rates``, ``china_prices`` or the compute stock's
    ``shipments``, ``supply_constraints``, ``clusters``, ``largest_runs``, ``policy_steps`` and
    ``stock_crosschecks``. All files are validated together (runs, rules, systems, serving
    references, MFU and serving observations, China-market prices and the stock's
    tables refer to chips; configs to models; China-market prices to exchange rates).
    The copy is shallow (0.1 ms instead of 0.4; reports ask thousands of times): under pandas'
    copy-on-write a change to it copies the data first and never reaches the loader's cached table.
    ``data_dir``: the folder (default :data:`DATA_DIR`, read at each call)."""
    tables = _load_all(_resolved(data_dir or DATA_DIR))
    if name not in tables:
        raise UnknownIdError(f"unknown dataset {name!r}; known: {', '.join(tables)}")
    return tables[name].copy(deep=False)


def data_digest(data_dir: Path | str | None = None) -> str:
    """SHA-256 over the data files as the catalog loaded them from ``data_dir`` (default
    :data:`DATA_DIR`; a file changed after that counts once the catalog loads it again): the key
    of every value computed from the catalog and kept (:func:`per_data`)."""
    return _load_all(_resolved(data_dir or DATA_DIR)).digest


@lru_cache(maxsize=8)
def _resolved(data_dir: Path | str) -> Path:
    """``data_dir`` as an absolute path without symbolic links (asked thousands of times per report)."""
    return Path(data_dir).resolve()


def _fresh(value):
    """A copy of a kept value that a caller may change without reaching the cache: frames and
    series shallow (pandas' copy-on-write copies the data on the first change), dicts and lists
    copied down to their frozen or immutable items."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def per_data(function):
    """``function`` of the catalog's data (``data/``) and hashable arguments, computed once per
    version of the data (:func:`data_digest`) and arguments and kept (an LRU cache of 256
    results); each call returns a fresh copy (:func:`_fresh`), so a caller's change never
    reaches the kept value. The function must read nothing else that changes: the catalog's
    tables and its arguments only."""
    kept = lru_cache(maxsize=256)(lambda digest, *args, **kwargs: function(*args, **kwargs))

    @functools.wraps(function)
    def cached(*args, **kwargs):
        return _fresh(kept(data_digest(), *args, **kwargs))

    cached.cache_clear, cached.cache_info = kept.cache_clear, kept.cache_info
    return cached


def _closest(item: str, known) -> str:
    """The closest ids to ``item`` (difflib), or all ids if none is close."""
    item, known = item.lower(), list(known)
    containing = sorted((k for k in known if item and item in k), key=len)
    close = list(dict.fromkeys(containing + difflib.get_close_matches(item, known, n=3, cutoff=0.5)))[:3]
    return ", ".join(close) if close else ", ".join(known)


def lookup(table: pd.DataFrame, item_id: str, what: str = "id") -> pd.Series:
    """Row ``item_id`` of a table indexed by id; case-insensitive; unknown ids name the closest."""
    key = str(item_id).strip().lower()
    if key not in table.index:
        raise UnknownIdError(f"unknown {what} {item_id!r}; closest: {_closest(key, table.index)}")
    return table.loc[key]
