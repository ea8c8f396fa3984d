"""The training_run report: what a published (or custom) training run costs in FLOP, GPU-hours,
days, energy, rental and ownership cost and emissions, and what the same run takes on every chip.

:func:`inputs` resolves the run (:class:`Run`), its utilisation, the site, the chips and the
Monte Carlo ranges into one :class:`Inputs`; :func:`figures` maps arrays of the uncertain inputs
to every figure for every chip and is called at the base point and at the Monte Carlo draws
(:func:`result`), so the headline (the P50) and its P10–P90 band come from one piece of code.
:func:`run` does both and returns a :class:`Result`.

The utilisation prior at FP8, pre-registered (session 15, 2026-12-07; written and committed before its
effect on any figure or validation case was computed). A run whose MFU comes from the prior (no
disclosure, nothing entered: basis ``accounted``) is costed at a whole run's accounted utilisation. No
accounted FP8 run is published: the accounted runs are BF16 runs, and the FP8 observations are production
runs' and benchmarks' steady-state MFUs at the FP8 peak, another concept on another peak. The rule: such
a run takes the accounted BF16 prior of its chip's generation and architecture whatever its precision (its
median is what a BF16 run accounts on that chip), as a share of the BF16 peak, and on a chip with a faster
FP8 peak each draw is carried to that peak by chip_parity's conversion (one function for both reports,
:func:`analysis.assembly.inputs.precision_factor`): MFU_FP8 = MFU_BF16 × BF16 peak / FP8 peak × the drawn
achieved FP8 speed-up over BF16 (data/fp8_speedups.csv, median 1.28). A chip without a faster FP8 peak
keeps the BF16 MFU at its BF16 peak (as before). So a custom FP8 run takes the BF16 run's hours divided by
the achieved speed-up on a chip with FP8, and the same hours without. An MFU entered, implied by disclosed
or estimated GPU-hours, or reported is unchanged. The one validation case this can move is
deepseek-v3-pretraining-hours (a custom run on 2,048 H800 at precision fp8, no MFU entered); its effect
is reported whatever it is (CHANGELOG).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..catalog import keys_in, load, lookup, per_data, sources
from ..formulas import compute, cost, goodput, inference, power, scaling
from ..formulas import utilisation as mfu_prior
from . import inputs as shared
from . import params, present
from .chip_parity import TRAINING_EXTRA_BYTES_PER_PARAM
from .inputs import Used

PARAMETERS = params.declare(
    run="deepseek-v3",
    total_params=None,
    active_params=None,
    tokens=None,
    chip=None,
    chip_count=None,
    mfu=None,
    hfu=None,
    achieved_tflops=None,
    recompute=False,
    precision=None,
    usd_per_gpu_hour=None,
    **params.WHERE,
    site="run",
    **params.SITE,
    **params.OWNED,
    parallel_config=params.TRAINING["parallel_config"],
    overlap=params.TRAINING["overlap"],
    **params.GOODPUT,
    **params.MONTE_CARLO,
)
#: ``pue`` left None is the site's: a named run's disclosed one where ``site`` is ``run`` (:func:`run_site`).
PARAMETERS["pue"] = replace(
    PARAMETERS["pue"],
    none="the site's base value: the run's disclosed PUE where site is run and it has one, else the region's",
)
#: ``region`` left None is the run's: its training country's average region where it discloses one (:func:`run_region`).
PARAMETERS["region"] = replace(
    PARAMETERS["region"],
    default=None,
    optional=True,
    none=f"the average region of the country the run trained in, where it discloses one and that region has an "
    f"electricity price; else {params.WHERE['region']}",
)
#: Each country's national-average region of data/regions.csv (its ``country``): a named run whose training
#: country is disclosed (training_runs.csv ``country``) is costed there unless the reader sets ``region``.
COUNTRY_REGIONS = {"CN": "cn-avg-industrial", "US": "us-avg-industrial", "FR": "fr-grid"}
#: The countries of :data:`COUNTRY_REGIONS` in words.
COUNTRY_NAMES = {"CN": "China", "US": "the United States", "FR": "France"}

#: Epoch AI's median utilisation of 33 runs with a known figure (training-cost-trends,
#: ``MEDIAN_UTILIZATION``). No longer the fallback of :func:`utilisation` (the prior from
#: published dispersion is, :mod:`analysis.formulas.utilisation`); kept for the reports that quote it.
MEDIAN_MFU = 0.375
#: Its record in the inputs block.
MEDIAN_MFU_USED = Used(
    MEDIAN_MFU, "share", "epoch-training-cost-trends", "Epoch AI's median of 33 runs (no disclosure)"
)
#: The figures of the run on each chip that the JSON carries (columns of :class:`Result` frames).
FIGURES = ("gpu_hours", "days", "energy_mwh", "rental_cost_usd", "ownership_cost_usd", "emissions_tco2")
#: The run's figures a reader may override, with their units (``params.SPECS`` gives counts none).
RUN_UNITS = {
    "total_params": "parameters",
    "active_params": "parameters",
    "tokens": "tokens",
    "chip": "chip id",
    "chip_count": "chips",
    "usd_per_gpu_hour": "USD/chip-hour",
}
#: The run's inputs page 1's Key inputs line quotes, with the label a reader reads (:func:`present.key_inputs`).
KEY_INPUTS = {
    "active_params": "active per token",
    "tokens": "training data",
    "chip_count": "cluster",
    "usd_per_gpu_hour": "rent",
}
#: The published layouts of the interconnect section, and the two chips it compares.
LAYOUTS = ("deepseek-v3-pretraining", "llama-3.1-405b-pretraining")
NVLINK_PAIR = ("h100-sxm", "h800-sxm")
#: The goodput model's parameters (:func:`analysis.assembly.inputs.goodput_inputs`).


@dataclass(frozen=True)
class Run:
    """A training run as the report costs it (``Inputs.run``): the row of
    ``data/training_runs.csv`` named by the ``run`` parameter, or ``custom``, with the reader's
    overrides applied.

    ``total_params``, ``active_params`` [parameters], ``tokens``, ``chip`` (chip id) and
    ``chip_count`` [chips] are what the run is costed with. ``usd_per_gpu_hour`` [USD/chip-hour]
    is the run's own (or the reader's) rental price; None where the run has none or its chip or
    chip count was changed (then the chip's base rental applies). ``disclosed_chip``,
    ``disclosed_chip_count`` and ``gpu_hours`` are the run's disclosure, kept for its implied
    MFU; ``gpu_hours`` is None where the reader changed the active parameters or the tokens (the
    disclosed hours no longer belong to the run). ``reported_mfu`` [share] where the run
    published one; ``is_estimate``: the row's chip count, days and GPU-hours are someone's estimate,
    not the run's disclosure. ``source``: the row's first source key (``report-parameter`` for ``custom``);
    ``used``: a :class:`Used` record of each field of :data:`RUN_UNITS` that has a value.
    ``site_pue`` [ratio] and ``site_kgco2_per_kwh`` [kg CO2/kWh]: the PUE and grid intensity of the
    site the run trained in, where its developer or a primary source states them (``training_runs.csv``
    ``site_*``; None otherwise, and for ``custom``), from the source key ``site_source``. ``country``:
    the country it trained in (a code of :data:`COUNTRY_REGIONS`) where a primary source states it,
    from the source key ``country_source``; None otherwise.
    """

    run_id: str
    name: str
    total_params: float
    active_params: float
    tokens: float
    chip: str
    chip_count: int
    usd_per_gpu_hour: float | None
    disclosed_chip: str | None
    disclosed_chip_count: int | None
    gpu_hours: float | None
    reported_mfu: float | None
    source: str
    used: dict[str, Used]
    precision: str = "bf16"
    is_estimate: bool = False
    site_pue: float | None = None
    site_kgco2_per_kwh: float | None = None
    site_source: str | None = None
    country: str | None = None
    country_source: str | None = None


def _disclosure(run_id: str) -> dict:
    """The run's row of ``training_runs.csv`` as the fields of :class:`Run` (Python scalars, NaN as None);
    ``custom`` has none."""
    fields = dict.fromkeys(RUN_UNITS) | dict.fromkeys(("disclosed_chip", "disclosed_chip_count", "gpu_hours"))
    if run_id == "custom":
        return fields | {"reported_mfu": None, "name": "a custom run", "source": shared.READER, "precision": "bf16"}
    runs = load("training_runs")
    row = lookup(runs, run_id, "training run")
    fields |= {name: row[name] for name in RUN_UNITS if name != "chip"} | {
        "chip": row["chip_id"],
        "disclosed_chip": row["chip_id"],
        "disclosed_chip_count": row["chip_count"],
        "gpu_hours": row["gpu_hours"],
        "reported_mfu": row["reported_mfu"],
        "precision": row["precision"],
        "is_estimate": row["is_estimate"],
        **{name: row[name] for name in ("site_pue", "site_kgco2_per_kwh")},
        "site_source": row["site_source"] or None,
        "country": row["country"] or None,
        "country_source": row["country_source"] or None,
    }
    fields = {k: (None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v) for k, v in fields.items()}
    return fields | {"name": row["model"], "source": keys_in(runs.loc[[row.name], ["source"]])[0]}


def run_disclosure(run_id: str, overrides: dict) -> Run:
    """The :class:`Run` of ``run_id`` (a row of ``training_runs.csv``, or ``custom``) with the
    non-None ``overrides`` (fields of :data:`RUN_UNITS`) applied. A changed chip or chip count
    drops the run's own rental price (it was for its own cluster); a changed active-parameter or
    token count drops the disclosed GPU-hours. ``total_params`` defaults to ``active_params``."""
    fields = _disclosure(run_id)
    changed = {k: v for k, v in overrides.items() if v is not None}
    if changed.get("chip") not in (None, fields["chip"]) or "chip_count" in changed:
        fields["usd_per_gpu_hour"] = None
    fields |= changed
    if changed.keys() & {"active_params", "tokens"}:
        fields["gpu_hours"] = None
    missing = [name for name in ("active_params", "tokens", "chip", "chip_count") if fields[name] is None]
    if missing:
        raise params.ParameterError(f"training run {run_id!r} needs {', '.join(missing)}: pass them as parameters")
    used = {}
    for name, unit in RUN_UNITS.items():
        if fields[name] is not None:
            disclosed = Used(fields[name], unit, fields["source"], f"{fields['name']}, as disclosed")
            used[name] = replace(shared.setting(name, changed.get(name), default=disclosed), unit=unit)
    if fields["total_params"] is None:
        fields["total_params"] = fields["active_params"]
        used["total_params"] = replace(used["active_params"], origin="the active parameters (a dense model)")
    _check_sizes(run_id, fields["active_params"], fields["total_params"])
    fields["chip_count"] = int(fields["chip_count"])
    return Run(run_id=run_id, used=used, **fields)


def utilisation(
    run: Run,
    chips: pd.DataFrame,
    *,
    run_goodput: float,
    mfu: float | None = None,
    hfu: float | None = None,
    achieved_tflops: float | None = None,
    recompute: bool = False,
    precision: str = "bf16",
    prior: mfu_prior.Prior | None = None,
) -> tuple[Used, str]:
    """The MFU [share] the run trains at while it runs (goodput aside), as a :class:`Used`
    record whose origin says where it comes from, and the chip it holds on: the ``mfu``, ``hfu``
    or ``achieved_tflops`` parameter on the run's chip (MFU = HFU × 6/8 with recomputation,
    korthikanti-2022; HFU = achieved / peak); else implied by the disclosed GPU-hours on the
    disclosed chip (C / (hours × peak × 3,600)) divided by the run's own goodput
    (``run_goodput``), so the projection reproduces the disclosure; else the reported MFU; else
    the median of the utilisation ``prior`` (:func:`run_prior`: the observations of the chip's generation,
    dense or MoE, at the BF16 peak whatever the run's precision, the module docstring's rule;
    :func:`analysis.formulas.utilisation.prior`)."""
    times_six_eighths = " × 6/8 (full recomputation)" if recompute else ""
    if mfu is not None:
        return shared.setting("mfu", mfu), run.chip
    if hfu is not None:
        value = float(compute.mfu_from_hfu(hfu, recompute))
        return Used(value, "share", shared.READER, "the hfu parameter" + times_six_eighths), run.chip
    if achieved_tflops is not None:
        peak_tflops = float(chips.loc[run.chip, "peak_tflops"])  # achieved ≤ peak: cross_check
        value = float(compute.mfu_from_hfu(compute.hfu_from_achieved(achieved_tflops, peak_tflops), recompute))
        origin = f"{achieved_tflops:g} achieved TFLOP/s per chip{times_six_eighths} / the {precision.upper()} peak"
        return Used(value, "share", shared.READER, origin), run.chip
    if run.gpu_hours:
        flop = compute.training_flop(run.active_params, run.tokens)
        implied = float(compute.implied_mfu(flop, run.gpu_hours, chips.loc[run.disclosed_chip, "peak_tflops"]))
        origin = (
            f"implied by the {hours_words(run)} {gpu_hours_words(run.gpu_hours)} (all phases) on "
            f"{present.chip_short(run.disclosed_chip)}, net of interruptions"
        )
        return Used(implied / run_goodput, "share", run.source, origin), run.disclosed_chip
    if run.reported_mfu:
        return Used(run.reported_mfu, "share", run.source, "reported by the run"), run.disclosed_chip
    origin = f"no disclosure: median of {prior.describe()}"
    return Used(prior.p50, "share", "mfu-observations", origin), run.chip


def _check_achieved(achieved_tflops: float | None, chip: str, precision: str) -> None:
    """A chip executes at most its dense peak: ``achieved_tflops`` [TFLOP/s per chip, hardware FLOP,
    recomputation included] ≤ the dense peak of ``chip`` at ``precision`` (its BF16 peak where it lacks
    the precision, :func:`analysis.formulas.compute.peak_tflops`): HFU = achieved / peak ≤ 1, and with
    recomputation MFU = HFU × 6/8 ≤ 0.75. None: nothing to check."""
    row = load("chips").loc[[chip]]
    peak_tflops = float(compute.peak_tflops(row, precision).iloc[0])
    peak_precision = precision.upper() if compute.has_precision(row, precision).iloc[0] else "BF16"
    if achieved_tflops is not None and achieved_tflops > peak_tflops:
        raise params.ParameterError(
            f"parameter achieved_tflops: {achieved_tflops:g} TFLOP/s is above the {present.chip_short(chip)}'s dense "
            f"{peak_precision} peak of {peak_tflops:,g} TFLOP/s (HFU {achieved_tflops / peak_tflops:.3g}); allowed: "
            f"0.1 to {peak_tflops:,g} TFLOP/s on this chip"
        )


def capacity_floor(run: Run, hbm_gb):
    """The fewest chips of ``hbm_gb`` [GB of HBM each; a number, or an array of them, one per chip] that
    hold the run's training state: its total parameters × (2 bytes of BF16 weights +
    :data:`~analysis.assembly.chip_parity.TRAINING_EXTRA_BYTES_PER_PARAM` of gradients and Adam state,
    zero-2020) in the usable share of HBM — chip_parity's memory-capacity floor,
    :func:`analysis.formulas.inference.capacity_floor_chips`, with no KV cache. NaN without an HBM figure;
    a float for a number, an array of floats for an array."""
    model = {"total_params": run.total_params, "kv_cache_bytes_per_token": 0.0}
    floor = inference.capacity_floor_chips(hbm_gb, model, 2.0, extra_bytes_per_param=TRAINING_EXTRA_BYTES_PER_PARAM)
    return float(floor) if np.ndim(floor) == 0 else np.asarray(floor, dtype=float)


def holds(inp: Inputs) -> np.ndarray:
    """Per chip of ``inp.chips``, whether the run's ``chip_count`` chips hold its training state:
    count ≥ :func:`capacity_floor` of the chip's HBM [GB] (the check the run's own chip passes,
    :func:`_check_capacity`); True without an HBM figure (nothing to check). A chip that cannot
    hold it runs no such run at that count: :func:`figures` gives it no time, energy or cost."""
    floor = capacity_floor(inp.run, inp.chips["hbm_gb"].to_numpy(dtype=float))
    return np.isnan(floor) | (inp.run.chip_count >= floor)


def unheld_words(r: Result) -> str:
    """The chips whose ``chip_count`` cannot hold the run's training state (:func:`holds`), each with its
    capacity floor, for the by-chip tables' captions: ``n/a for the run's figures (hours, days, energy,
    emissions, costs): 128 chips cannot hold the run's training state (405 B parameters × 16 bytes of
    weights, gradients and Adam state = 6.48 TB, 90 % of HBM usable) on L20 (150 chips needed), V100 SXM
    (225) …``; empty where every chip holds it."""
    inp = r.inputs
    floor = pd.Series(capacity_floor(inp.run, inp.chips["hbm_gb"].to_numpy(dtype=float)), index=inp.chips.index)
    short = floor[~holds(inp)]
    if short.empty:
        return ""
    per_param = 2.0 + TRAINING_EXTRA_BYTES_PER_PARAM
    chips = [
        f"{present.chip_short(c)} ({n:,.0f}{' chips needed' if i == 0 else ''})"
        for i, (c, n) in enumerate(short.items())
    ]
    return (
        f"n/a for the run's figures (hours, days, energy, emissions, costs): "
        f"{present.counted(inp.run.chip_count, 'chip')} cannot hold "
        f"the run's training state ({inp.run.total_params / 1e9:,.4g} B parameters × {per_param:g} bytes of weights, "
        f"gradients and Adam state = {inp.run.total_params * per_param / 1e12:,.3g} TB, "
        f"{present.pct(inference.USABLE_HBM_FRACTION)} of HBM usable) on {', '.join(chips)}"
    )


def _check_capacity(run: Run, hbm_gb: float) -> None:
    """A run's chips hold its training state: ``chip_count`` ≥ :func:`capacity_floor` on its chip of
    ``hbm_gb`` [GB] (no HBM figure: nothing to check). The report's figures assume weights, gradients and
    optimizer state in HBM (no offload), so below the floor they describe no run that could happen: an error."""
    floor = capacity_floor(run, hbm_gb)
    if floor == floor and run.chip_count < floor:
        state_tb = run.total_params * (2.0 + TRAINING_EXTRA_BYTES_PER_PARAM) / 1e12
        raise params.ParameterError(
            f"parameter chip_count: {run.chip_count:,} {present.chip_short(run.chip)} cannot hold {run.name}'s "
            f"training state ({run.total_params / 1e9:,.4g} B parameters × {2.0 + TRAINING_EXTRA_BYTES_PER_PARAM:g} "
            f"bytes of weights, gradients and Adam state = {state_tb:,.3g} TB; {hbm_gb:g} GB of HBM per chip, "
            f"{present.pct(inference.USABLE_HBM_FRACTION)} usable); allowed: {floor:,.0f} chips or more"
        )


def _check_sizes(run_id: str, active_params, total_params) -> None:
    """A token uses at most all of a model's parameters: ``active_params`` ≤ ``total_params``
    [parameters] (either None: nothing to check)."""
    if active_params is not None and total_params is not None and active_params > total_params:
        raise params.ParameterError(
            f"training run {run_id!r}: active_params {active_params:.4g} is more than total_params "
            f"{total_params:.4g}; a token uses at most all the parameters (a dense model: leave total_params "
            "out or pass the same value)"
        )


def cross_check(values: dict) -> None:
    """A custom run names its own size, tokens, chip and chip count; its active parameters are at most
    its total (a named run's disclosed figures fill what is not passed); utilisation is given one way, an
    achieved rate at most the chip's peak (:func:`_check_achieved`), an MFU with recomputation at most 0.75
    (:func:`_check_recompute`); the chips hold the training state
    (:func:`_check_capacity`)."""
    run_id = values.get("run", PARAMETERS["run"].default)
    if run_id == "custom":
        missing = [n for n in ("active_params", "tokens", "chip", "chip_count") if values.get(n) is None]
        if missing:
            raise params.ParameterError(f"parameter run: 'custom' needs {', '.join(missing)}; pass them with -p")
    disclosed = _disclosure(run_id)
    active, total = (disclosed[n] if values.get(n) is None else values[n] for n in ("active_params", "total_params"))
    _check_sizes(run_id, active, active if total is None else total)
    given = [n for n in ("mfu", "hfu", "achieved_tflops") if values.get(n) is not None]
    if len(given) > 1:
        raise params.ParameterError(f"parameters {', '.join(given)}: give one of mfu, hfu or achieved_tflops")
    run = run_disclosure(run_id, {name: values.get(name) for name in RUN_UNITS})
    _check_achieved(values.get("achieved_tflops"), run.chip, values.get("precision") or run.precision)
    _check_recompute(values.get("mfu"), bool(values.get("recompute")))
    _check_capacity(run, float(load("chips").loc[run.chip, "hbm_gb"]))


def _check_recompute(mfu: float | None, recompute: bool) -> None:
    """With recomputation a chip executes 8 of every 6 model FLOPs, so an entered ``mfu`` [share] implies
    HFU = MFU × 8/6 (:func:`analysis.formulas.compute.hfu_from_mfu`), which is at most 1: MFU ≤ 0.75."""
    if mfu is None or not recompute:
        return
    hfu = float(compute.hfu_from_mfu(mfu, recompute=True))
    if hfu > 1:
        raise params.ParameterError(
            f"parameter mfu: {mfu:g} with recompute implies HFU {hfu:.3g} (MFU × 8/6), above 1; allowed with "
            "recompute: 0.01 to 0.75"
        )


@dataclass(frozen=True)
class Inputs(shared.DrawnInputs):
    """Everything the report needs, resolved by :func:`inputs`.

    - ``run``: the run's resolved disclosure (:class:`Run`): size, tokens, chip, chip count, price;
    - ``chips``: one row per chip id, the run's chip first, then every other chip of the catalog
      (:func:`analysis.assembly.inputs.chips`: ``peak_tflops`` at the precision, ``max_w_per_chip``,
      ``mfu_factor``, prices …);
    - ``site`` (electricity price, PUE, grid intensity: :func:`run_site`, one site for every chip),
      ``site_basis`` (``run``: the run's disclosed site figures are used; ``region``: the region's),
      ``goodput`` (interruptions, restart, checkpoint interval);
    - ``mfu`` [share of the anchor's dense peak at ``mfu_precision``]: the run's MFU on ``anchor_chip``,
      goodput aside; ``mfu_precision``: the precision of that peak (``bf16`` for the accounted prior, a
      BF16 prior whatever the run's precision: the module docstring's rule; else the peak the anchor is
      costed at); ``mfu_basis``: where it comes from, in words; ``disclosed_chips``: the chip count at
      which disclosed GPU-hours fix MFU × goodput (None: the MFU is not implied by disclosed hours);
    - ``scaling_efficiency`` [share] by chip id: compute / step time of the interconnect model
      for the ``parallel_config`` layout at ``overlap`` (NaN without an interconnect figure);
    - ``load_factor`` [share of maximum power], ``server_power_ratio`` [× TDP], ``years`` (capex
      horizon), ``recompute`` (8 · N · D executed);
    - ``ranges``: (low, base, high) of the Monte Carlo inputs, keyed ``mfu``, ``usd_per_kwh``,
      ``pue`` and ``"<chip> price"``, ``"<chip> TDP"``, ``"<chip> rental"``, ``"<chip> MFU factor"``;
      ``seed``, ``draws``;
    - ``parameters``: the validated parameters as given (for the JSON and the appendix only);
    - ``used``: every value used, as :class:`Used` records (the JSON's ``inputs``), per-chip ones
      under ``"chips"``.
    """

    run: Run
    chips: pd.DataFrame
    site: shared.Site
    site_basis: str
    goodput: shared.GoodputInputs
    mfu: float
    anchor_chip: str
    mfu_precision: str
    mfu_basis: str
    disclosed_chips: float | None
    scaling_efficiency: pd.Series
    load_factor: float
    server_power_ratio: float | None
    years: float
    recompute: bool


def chip_records(chip_ids, *, precision: str, server_power_ratio: float | None, run: Run) -> dict[str, dict[str, Used]]:
    """Per chip of :func:`analysis.assembly.inputs.chips` (``chip_ids`` at ``precision`` and
    ``server_power_ratio``), the catalog figures the report used:
    :func:`analysis.assembly.inputs.chip_used` (peak, maximum W, price) plus the rental
    [USD/chip-hour] (the run's own on the run's chip), the interconnect [GB/s, bidirectional] and
    the vendor MFU factor, each with its source key. A chip without a TDP or a system (no power
    figure: its energy is n/a) has no power record. Computed once per version of the data and
    arguments (:func:`analysis.catalog.per_data`)."""
    own = run.used["usd_per_gpu_hour"] if run.usd_per_gpu_hour is not None else None
    ratio = shared.DEFAULTS[shared.RATIO]  # read by inputs.chips: part of the key
    return _chip_records(tuple(chip_ids), precision, server_power_ratio, run.chip, own, ratio)


@per_data
def _chip_records(
    chip_ids: tuple, precision: str, server_power_ratio: float | None, run_chip: str, own: Used | None, ratio: Used
) -> dict[str, dict[str, Used]]:
    """:func:`chip_records` computed; ``own``: the run's own rental record, if any; ``ratio``: the library's
    server power ratio, which :func:`analysis.assembly.inputs.chips` reads (only a part of the key)."""
    chips = shared.chips(chip_ids, precision=precision, server_power_ratio=server_power_ratio)
    records = shared.chip_used(chips)
    for chip, row in chips.iterrows():
        entries = records[chip]
        if chip == run_chip and own is not None:
            entries["usd_per_gpu_hour"] = own
        elif pd.notna(row["usd_per_gpu_hour"]):
            key = keys_in(chips.loc[[chip], ["rental_source"]])[0]
            entries["usd_per_gpu_hour"] = Used(float(row["usd_per_gpu_hour"]), "USD/chip-hour", key, "chips.csv")
        if pd.notna(row["interconnect_gb_s"]):
            key = keys_in(chips.loc[[chip], ["interconnect_source"]])[0]
            entries["interconnect_gb_s"] = Used(float(row["interconnect_gb_s"]), "GB/s", key, "chips.csv")
        entries["mfu_factor"] = shared.vendor_factor_used(row)
    return records


def vendor_factors(r: Result) -> str:
    """The Methods sentence on the vendor MFU factors of the chips compared, each sourced or
    assumed, with its range (:func:`~analysis.assembly.inputs.vendor_factors_text`)."""
    return shared.vendor_factors_text(r.inputs.chips)


def _catalog_used(parallel_config: str) -> dict:
    """The catalog rows the report shows whole, as inputs records: every published run (the
    arithmetic checks), the layouts (the run's and the interconnect comparison's) and their models."""
    layouts = list(dict.fromkeys([parallel_config, *LAYOUTS]))
    models = load("parallel_configs").loc[layouts, "model_id"]
    return {
        "training_runs": shared.rows_used("training_runs", load("training_runs").index, label="model"),
        "parallel_configs": shared.rows_used("parallel_configs", layouts),
        "models": shared.rows_used("models", models, label="name"),
    }


def run_region(run: Run, *, region: str | None, usd_per_kwh: float | None) -> tuple[str, str]:
    """The region the run is costed at (electricity price, and the PUE and grid intensity the run does
    not state: :func:`run_site`) and why: ``reader`` (the ``region`` parameter); ``country`` (the
    average region of the country the run trained in, :data:`COUNTRY_REGIONS`, where the run discloses
    that country and the region has an electricity price or the reader gives one [USD/kWh]);
    ``unpriced`` (the run discloses its country, but that region has no sourced electricity price and
    the reader gave none: the default region, ``params.WHERE``); ``undisclosed`` (no country disclosed,
    or a custom run: the default region)."""
    if region is not None:
        return region, "reader"
    default = params.WHERE["region"]
    if run.country is None:
        return default, "undisclosed"
    own = COUNTRY_REGIONS[run.country]
    if usd_per_kwh is None and pd.isna(load("regions").at[own, "usd_per_kwh"]):
        return default, "unpriced"
    return own, "country"


def run_site(
    run: Run, *, region: str | None, site: str, pue: float | None, usd_per_kwh: float | None
) -> tuple[shared.Site, str]:
    """The site the run's energy [MWh] and emissions [t CO2] are costed at, for every chip alike, and
    its basis. ``run`` where ``site`` is ``run`` and the run states a figure of the site it trained in
    (:class:`Run` ``site_pue``, ``site_kgco2_per_kwh``) that the reader did not set: each such figure
    replaces the region's — the PUE fixed, not drawn (a disclosed figure carries no range; the
    reader's ``pue`` wins over it) — while the electricity price [USD/kWh], which no run discloses,
    and any figure the run does not state stay the region's. Else ``region``: the
    :func:`analysis.assembly.inputs.site` of ``region`` with the reader's ``pue`` and ``usd_per_kwh``
    [USD/kWh], as it is. ``region`` None is the run's (:func:`run_region`); where the run discloses its
    country, its record (``country``) joins the site's."""
    region = shared.site(run_region(run, region=region, usd_per_kwh=usd_per_kwh)[0], usd_per_kwh=usd_per_kwh, pue=pue)
    if run.country:
        country = Used(run.country, "country", run.country_source, f"{run.name}, as disclosed")
        region = replace(region, used=region.used | {"country": country})
    if site == "region":
        return region, "region"
    origin = f"{run.name}'s training site, as disclosed"
    used, changed = dict(region.used), {}
    if run.site_pue is not None and pue is None:
        used["pue"] = Used(run.site_pue, "ratio", run.site_source, origin + " (not drawn)")
        changed |= {"pue": run.site_pue, "pue_range": (run.site_pue,) * 3, "pue_basis": "disclosed"}
    if run.site_kgco2_per_kwh is not None:
        used["grid_kgco2_per_kwh"] = Used(run.site_kgco2_per_kwh, "kg CO2/kWh", run.site_source, origin)
        changed["grid_kgco2_per_kwh"] = run.site_kgco2_per_kwh
    if not changed:
        return region, "region"
    return replace(region, used=used, **changed), "run"


def run_precision(run: Run, precision: str | None) -> tuple[str, Used]:
    """The precision whose dense peak the run is costed at: the reader's, else the run's own
    (``training_runs.csv`` ``precision``; bf16 for a custom run), with its :class:`Used` record."""
    if precision:
        return precision, shared.setting("precision", precision)
    origin = f"{run.name}, as disclosed" if run.run_id != "custom" else "no disclosure: BF16"
    return run.precision, Used(run.precision, "precision", run.source, origin)


def hours_words(run: Run) -> str:
    """How the run's GPU-hours are known: "disclosed", or "estimated (not disclosed)" where its row of
    ``training_runs.csv`` is an estimate (``is_estimate``: GPT-3's are Patterson et al.'s computation
    from NVIDIA's suggested 10,000 GPUs)."""
    return "estimated (not disclosed)" if run.is_estimate else "disclosed"


def mfu_basis(run: Run, mfu: Used) -> str:
    """What the run's MFU stands for (:data:`analysis.assembly.inputs.MFU_BASES`): the reader's
    (an ``mfu``, ``hfu`` or ``achieved_tflops`` entered), ``disclosed`` (implied by the disclosed
    GPU-hours), ``estimated`` (implied by GPU-hours the row marks ``is_estimate``), ``reported``
    (the run's published MFU) or ``accounted`` (no disclosure: the prior's median of accounted runs),
    as :func:`utilisation` chose it."""
    if mfu.source == shared.READER:
        return "reader"
    if mfu.source == "mfu-observations":
        return "accounted"
    if run.gpu_hours:
        return "estimated" if run.is_estimate else "disclosed"
    return "reported"


def run_prior(run: Run, chips: pd.DataFrame, *, precision: str, without=()) -> mfu_prior.Prior:
    """The utilisation prior of ``run`` (:func:`analysis.assembly.inputs.observed_prior`): its chip's
    generation (of ``chips``, a :func:`analysis.assembly.inputs.chips` frame), ``moe`` where its total
    parameters exceed its active ones (else ``dense``), the dense peak at ``precision``; ``without``:
    validation case ids whose runs' observations are left out. Its median is the accounted MFU at
    ``bf16`` (:func:`inputs`; the module docstring's rule for an FP8 run)."""
    return shared.observed_prior(
        generation=chips.loc[run.chip, "generation"],
        architecture="moe" if run.total_params and run.total_params > run.active_params else "dense",
        precision=precision,
        without=without,
    )


def mfu_spread(mfu: Used, prior: mfu_prior.Prior, *, basis: str) -> tuple:
    """The Monte Carlo range of the run's MFU and its record. A disclosed quantity carries only the
    uncertainty of what is not disclosed: an MFU the run discloses (``basis`` ``disclosed``: its
    GPU-hours fix MFU × goodput on its chip, :func:`figures` keeps the product; ``reported``: its
    published MFU) is not drawn, so on the run's own chip only what the disclosure leaves open
    varies and on the others the transfer (vendor factor, FP8 speed-up, and on a chip of other
    silicon the spread of published same-model MFUs on two chips,
    :func:`analysis.assembly.inputs.mfu_transfer`) — not again the spread of every run's MFU. An
    MFU the reader enters, one implied by estimated hours (``estimated``: an estimate fixes nothing)
    or the prior's median (``accounted``) is drawn over the prior's spread
    (:func:`analysis.assembly.inputs.mfu_range`)."""
    if basis in ("disclosed", "reported"):
        value = float(mfu.value)
        origin = "not drawn: the disclosed hours fix MFU × goodput" if basis == "disclosed" else "not drawn: reported"
        return (value,) * 3, Used(f"P10 {value:.3f}, P50 {value:.3f}, P90 {value:.3f}", "share", mfu.source, origin)
    return shared.mfu_range(mfu.value, prior, entered=basis == "reader")


def inputs(**values) -> Inputs:
    """Validate the parameters (:data:`PARAMETERS`) and resolve everything the report needs
    (:class:`Inputs`)."""
    p = params.validate("training_run", **({name: spec.default for name, spec in PARAMETERS.items()} | values))
    run = run_disclosure(p["run"], {name: p[name] for name in RUN_UNITS})
    precision, precision_used = run_precision(run, p["precision"])
    ids = [run.chip] + [c for c in load("chips").index if c != run.chip]
    settings = {name: shared.setting(name, p[name]) for name in ("load_factor", "server_power_ratio", "years")}
    chips = shared.chips(ids, precision=precision, server_power_ratio=p["server_power_ratio"])  # None: per chip
    site, site_basis = run_site(run, **{name: p[name] for name in ("region", "site", "pue", "usd_per_kwh")})
    run_chips = run.disclosed_chip_count or run.chip_count
    loss = shared.goodput_inputs(**{name: p[name] for name in params.GOODPUT}, chip_count=run_chips)
    run_goodput = float(goodput.goodput(run_chips, **loss.kwargs()))
    prior = run_prior(run, chips, precision="bf16")  # the accounted prior: BF16 runs at any precision
    mfu, anchor = utilisation(
        run,
        chips,
        run_goodput=run_goodput,
        precision=precision,
        prior=prior,
        **{name: p[name] for name in ("mfu", "hfu", "achieved_tflops", "recompute")},
    )
    records = chip_records(ids, precision=precision, server_power_ratio=p["server_power_ratio"], run=run)
    basis = mfu_basis(run, mfu)
    mfu_precision = "bf16" if basis == "accounted" else str(chips.loc[anchor, "peak_precision"]).lower()
    if basis != "accounted":  # drawn over the spread at the peak the run's chip is costed at
        prior = run_prior(run, chips, precision=str(chips.loc[run.chip, "peak_precision"]).lower())
    spread, spread_used = mfu_spread(mfu, prior, basis=basis)
    ranges = {"mfu": spread} | site.ranges() | shared.chip_ranges(chips) | loss.ranges()
    speedup = {}
    if precision != "bf16":  # a chip without the run's precision converts its MFU (shared.precision_factor)
        ranges[shared.FP8_SPEEDUP], speedup[shared.FP8_SPEEDUP] = shared.fp8_speedup()
    if basis in ("disclosed", "reported"):  # not drawn on its own chip: the other chips draw the move
        ranges[shared.MFU_TRANSFER], speedup[shared.MFU_TRANSFER] = shared.mfu_transfer()
    if run.usd_per_gpu_hour is not None:
        ranges[f"{run.chip} rental"] = (run.usd_per_gpu_hour,) * 3
    rental = records[run.chip].get("usd_per_gpu_hour")  # the run's own price, else the chip's base rental
    used = {
        **{name: run.used[name] for name in ("total_params", "active_params", "tokens", "chip", "chip_count")},
        **({"usd_per_gpu_hour": rental} if rental else {}),
        "precision": precision_used,
        "mfu": mfu,
        "mfu_basis": shared.mfu_basis(basis),
        "parallel_config": shared.report_setting("parallel_config", p["parallel_config"], PARAMETERS),
        "overlap": shared.report_setting("overlap", p["overlap"], PARAMETERS),
        "mfu_spread": spread_used,
        **speedup,
        "compute_efficiency": Used(
            scaling.COMPUTE_EFFICIENCY, "share of dense BF16 peak", shared.ASSUMPTION, "interconnect model"
        ),
        **site.used,
        **settings,
        **loss.used,
        "goodput_spread": loss.spread_used(),
        **shared.equations("training_flop", "recompute_flop"),
        "chips": records,
        **_catalog_used(p["parallel_config"]),
    }
    return Inputs(
        run=run,
        chips=chips,
        site=site,
        site_basis=site_basis,
        goodput=loss,
        mfu=float(mfu.value),
        anchor_chip=anchor,
        mfu_precision=mfu_precision,
        mfu_basis=mfu.origin,
        disclosed_chips=run_chips if basis == "disclosed" else None,
        scaling_efficiency=shared.step_table(p["parallel_config"], ids, overlap=p["overlap"])["scaling_efficiency"],
        load_factor=float(settings["load_factor"].value),
        server_power_ratio=p["server_power_ratio"],
        years=float(settings["years"].value),
        recompute=p["recompute"],
        ranges=ranges,
        seed=p["seed"],
        draws=p["draws"],
        parameters=p,
        used=used,
    )


def scaling_ratio(inp: Inputs) -> np.ndarray:
    """Each chip's interconnect-model efficiency over the anchor chip's; 1 where either lacks a
    sourced interconnect figure (no penalty can be worked out, none is applied)."""
    return (inp.scaling_efficiency / inp.scaling_efficiency[inp.anchor_chip]).fillna(1.0).to_numpy()


def other_silicon(chips: pd.DataFrame, anchor: str) -> np.ndarray:
    """Per chip of ``chips``, whether it differs from the ``anchor`` chip in dense peak (BF16 or
    at the precision it is costed at, TFLOP/s) or HBM bandwidth (TB/s): only there does an MFU
    move by more than the package's transfer (:func:`analysis.assembly.inputs.mfu_transfer`). The
    H800 and the H100 SXM are one silicon (989.4 and 1,978.9 TFLOP/s, 3.35 TB/s): their difference
    is the interconnect, which the scaling ratio models. An unknown figure counts as a difference."""
    figures = chips[["bf16_dense_tflops", "peak_tflops", "hbm_bandwidth_tb_s"]].astype(float)
    return (figures != figures.loc[anchor]).any(axis=1).to_numpy()


def transferred(x: dict, inp: Inputs) -> np.ndarray:
    """The run's MFU on every chip [share of its dense peak at its precision] from arrays of the
    uncertain inputs ``x``, before the cap (draws × chips):
    MFU_chip = MFU × precision factor × move × factor_chip / factor_anchor × min(1, scaling ratio)
    (transferred_mfu; the precision factor, :func:`analysis.assembly.inputs.precision_factor`,
    converts an MFU at the run's precision for a chip that lacks it and an MFU at a BF16 peak
    (``inp.mfu_precision``) for a chip with a faster one, anchor included: 1 otherwise); where the MFU is
    implied by disclosed GPU-hours (``inp.disclosed_chips``) it is MFU × goodput_base(n_disclosed) /
    goodput_draw(n_disclosed) in each draw, so the run's own chip at its own count reproduces the
    disclosed hours in every draw; the move is the drawn move of a disclosed or reported MFU between
    chips (:func:`analysis.assembly.inputs.mfu_transfer`) on a chip of other silicon
    (:func:`other_silicon`), 1 elsewhere."""
    chips = inp.chips
    factor = np.stack([np.asarray(x[f"{c} MFU factor"], dtype=float) for c in chips.index], axis=1)
    anchor = list(chips.index).index(inp.anchor_chip)
    drawn = np.asarray(x["mfu"], dtype=float)
    if inp.disclosed_chips:  # the disclosed hours fix MFU × goodput at the disclosed count, draw by draw
        loss = inp.goodput.drawn(x, per_chip=False)
        drawn = (
            drawn
            * goodput.goodput(inp.disclosed_chips, **inp.goodput.kwargs())
            / goodput.goodput(inp.disclosed_chips, **loss)
        )
    converted = shared.precision_factor(
        chips,
        inp.anchor_chip,
        precision=str(inp.used["precision"].value),
        speedup=x.get(shared.FP8_SPEEDUP, np.ones(drawn.shape)),
        measured_at=inp.mfu_precision,
    )
    moved = np.asarray(x.get(shared.MFU_TRANSFER, np.ones(drawn.shape)), dtype=float)[:, None]
    moved = np.where(other_silicon(chips, inp.anchor_chip), moved, 1.0)  # a disclosed MFU moves off its silicon
    return compute.transferred_mfu(
        drawn[:, None] * converted * moved,
        vendor_factor_ratio=factor / factor[:, [anchor]],
        scaling_ratio=scaling_ratio(inp),
    )


def chip_mfu(x: dict, inp: Inputs) -> np.ndarray:
    """:func:`transferred` capped as every MFU draw is (:func:`analysis.assembly.inputs.mfu_range`):
    on every chip but the anchor (whose draw is capped already, or disclosed),
    min(MFU_chip, max(cap_chip, MFU_chip at the base point)), cap_chip the cap of the chip's
    generation at the precision it is costed at (:func:`analysis.assembly.inputs.mfu_ceilings`):
    a transferred draw goes no higher than its generation has been measured to reach, while the
    transfer of the base MFU itself is kept."""
    mfu = transferred(x, inp)
    base = transferred(shared.base_point(inp.ranges), inp)
    cap = np.maximum(shared.mfu_ceilings(inp.chips), base[0])
    off = np.asarray(inp.chips.index != inp.anchor_chip)
    return np.where(off, np.minimum(mfu, cap), mfu)


def figures(x: dict, inp: Inputs) -> dict[str, np.ndarray]:
    """Every figure of the run on every chip, from arrays of the uncertain inputs ``x`` (one array
    of equal length per name of ``inp.ranges``). Returns name -> array (draws × chips); names
    are the columns of the :class:`Result` frames.

    MFU_chip: :func:`chip_mfu` (the run's MFU transferred to each chip, :func:`transferred`, capped);
    GPU-hours = C / (peak × MFU_chip × 3,600) / goodput(n) (billed hours include time lost to
    interruptions); days = compute hours / n / 24 / goodput; energy = hours × max W × load factor
    × PUE; rental = hours × USD/GPU-hour; ownership = capex / ``years`` × days / 365 + electricity
    (USD/kWh × energy); emissions = energy × grid intensity. Every figure but the MFU and goodput is
    NaN (n/a) on a chip whose ``chip_count`` cannot hold the run's training state (:func:`holds`).
    """
    chips, n = inp.chips, inp.run.chip_count
    column = lambda name: np.stack([np.asarray(x[f"{c} {name}"], dtype=float) for c in chips.index], axis=1)  # noqa: E731
    mfu = chip_mfu(x, inp)
    flop = compute.training_flop(inp.run.active_params, inp.run.tokens)
    held = holds(inp)
    share = goodput.goodput(n, **inp.goodput.drawn(x))
    compute_hours = compute.gpu_hours(flop, chips["peak_tflops"].to_numpy(), mfu)
    hours = compute_hours / share
    days = compute.wall_clock_days(compute_hours, n, goodput=share)
    max_w = shared.max_w_per_chip(chips, column("TDP"), server_power_ratio=inp.server_power_ratio)
    pue = np.asarray(x["pue"], dtype=float)[:, None]
    kwh = power.energy_kwh(power.facility_power_w(power.it_power_w(1, max_w, load_factor=inp.load_factor), pue), hours)
    capex = cost.capex_usd(n, column("price"), price_unit=chips["price_unit"].to_numpy())
    electricity = cost.electricity_cost_usd(kwh, np.asarray(x["usd_per_kwh"], dtype=float)[:, None])
    shown = {
        "gpu_hours": hours,
        "days": days,
        "energy_mwh": kwh / 1_000,
        "rental_cost_usd": cost.rental_cost_usd(hours, column("rental")),
        "ownership_cost_usd": cost.annual_capex_usd(capex, years=inp.years) * days / 365.0 + electricity,
        "emissions_tco2": power.emissions_tco2(kwh, inp.site.grid_kgco2_per_kwh),
    }
    shown = {name: np.where(held, value, np.nan) for name, value in shown.items()}  # no run below the floor
    return {"mfu": mfu, **shown, "goodput": np.broadcast_to(share, mfu.shape)}


def only_chips(inp: Inputs, chip_ids) -> Inputs:
    """``inp`` with only the chips ``chip_ids`` and its anchor chip (in the order of ``inp.chips``)
    in ``chips`` and ``scaling_efficiency``, for a caller that reads a few chips of the draws:
    :func:`figures` works chip by chip against the anchor, and ``ranges`` (every chip's) are kept,
    so the seeded draws and each kept chip's figures are the same as with every chip."""
    kept = [c for c in inp.chips.index if c in {*chip_ids, inp.anchor_chip}]
    return replace(inp, chips=inp.chips.loc[kept], scaling_efficiency=inp.scaling_efficiency.loc[kept])


@dataclass(frozen=True)
class Result:
    """What the report shows (:func:`run`).

    ``inputs`` (:class:`Inputs`) and four frames indexed by chip id (the run's chip first):
    ``base`` at every input's base value, ``p10``/``p50``/``p90`` the percentiles of the Monte
    Carlo draws of each cell (:func:`analysis.formulas.uncertainty.percentile_frames`). Columns:

    - ``mfu`` [share]: the run's MFU carried over to the chip;
    - ``gpu_hours`` [chip-hours]: billed hours, time lost to interruptions included;
    - ``days``: wall-clock days on ``inputs.run.chip_count`` chips;
    - ``energy_mwh`` [MWh]: at the facility meter;
    - ``rental_cost_usd`` [USD]: NaN where no rental price is sourced;
    - ``ownership_cost_usd`` [USD]: capex charged over ``years`` for the run's days plus
      electricity; NaN where no price or power is sourced;
    - ``emissions_tco2`` [t CO2]: energy × the site's grid intensity;
    - ``goodput`` [share]: of wall-clock time spent training.

    ``training_flop`` [FLOP]: 6 · N_active · D.
    """

    inputs: Inputs
    base: pd.DataFrame
    p10: pd.DataFrame
    p50: pd.DataFrame
    p90: pd.DataFrame
    training_flop: float


def result(inp: Inputs) -> Result:
    """The figures at the base point and the Monte Carlo bands (:class:`Result`)."""
    base, bands, _ = shared.evaluate(figures, inp, inp.chips.index)
    return Result(
        inputs=inp,
        base=base,
        **bands,
        training_flop=float(compute.training_flop(inp.run.active_params, inp.run.tokens)),
    )


def run(**values) -> Result:
    """:func:`inputs` then :func:`result`: everything the notebook shows, in one call."""
    return result(inputs(**values))


def headline(r: Result, band: str = "p50") -> pd.Series:
    """The run's own chip: every figure at ``band`` (``p50``, what the report quotes)."""
    return getattr(r, band).loc[r.inputs.run.chip]


#: Why the run's own chip has no band where its GPU-hours are disclosed (:func:`fixed_words`).
DISCLOSED_WORDS = "no band: the disclosure sets it and nothing drawn moves it"


def band_words(low: float, high: float, fmt, *, fixed: str | None = DISCLOSED_WORDS) -> str:
    """A P10–P90 band in words, each end by ``fmt``: "P10–P90 a–b", or, where both ends read the same,
    ``fixed``: why nothing drawn moves it (:func:`fixed_words`); where something drawn does move it
    (``fixed`` None), "P10 and P90 both a"."""
    if fmt(low) != fmt(high):
        return f"P10–P90 {fmt(low)}–{fmt(high)}"
    return fixed or f"P10 and P90 both {fmt(low)}"


def fixed_words(r: Result) -> str | None:
    """Why the report's chip has no band where its GPU-hours are fixed: it is the chip the run disclosed
    them on, or the same silicon (:func:`other_silicon`), whose MFU moves only by the interconnect
    model's ratio, which nothing drawn moves. None where the run's MFU is drawn (its Monte Carlo range
    is not one value: no disclosure fixes it), so no band is ever said to be fixed by a disclosure."""
    chip, anchor = r.inputs.run.chip, r.inputs.anchor_chip
    low, *_, high = r.inputs.ranges["mfu"]
    if low != high:
        return None
    if chip == anchor:
        return DISCLOSED_WORDS
    return (
        f"no band: the {present.chip_short(chip)} is the disclosed {present.chip_short(anchor)}'s silicon, so only "
        "the interconnect model moves its MFU, and nothing drawn moves that model"
    )


def title(r: Result) -> str:
    """The report's title: the run, its chip count and chip."""
    run = r.inputs.run
    return f"# Training run: {run.name} on {present.count(run.chip_count)} × {present.chip_name(run.chip)}"


def hours_count(value: float) -> str:
    """A count of GPU-hours to four significant figures, as a disclosure gives it: ``2.788 M`` from a
    million (``2.209 B``, ``2,209 T`` beyond: :func:`present.count`), whole with separators from 1,000
    (``552,000``), ``1.475`` from 0.001, below that in powers of ten (``8.914 × 10⁻⁶``) — never ``e``
    notation."""
    if value >= 1e6:
        return present.count(value, digits=4)
    if value >= 1_000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if value >= 1e-3 else present.sci(value, digits=4)


#: Days in a year (Julian), for a wall-clock time in years.
DAYS_PER_YEAR = 365.25
#: From this many years a run's wall-clock time is written in years, and page 1 warns (:func:`extreme_line`).
EXTREME_YEARS = 10
#: Below this goodput (share of wall-clock time spent training) page 1 warns (:func:`extreme_line`).
LOW_GOODPUT = 0.10


def gpu_hours_words(value: float) -> str:
    """A count of GPU-hours with its noun, by :func:`hours_count` and :func:`present.counted`'s rule:
    ``1 GPU-hour`` where the number reads "1", else ``2.788 M GPU-hours``, ``552,000 GPU-hours``,
    ``1.475 GPU-hours``."""
    return present.counted(value, "GPU-hour", fmt=hours_count)


def duration(days: float):
    """How page 1 writes a wall-clock time given in days, chosen by the headline figure ``days``: the
    formatter of a number and its unit, ``57.4`` ``days`` from one day, whole years from
    :data:`EXTREME_YEARS` (9,202,408 days / 365.25 = ``25,195`` ``years``), else hours to three significant
    figures (0.00767 days × 24 = ``0.184`` ``hours``), so a short run never reads ``0.0 days``, and below a
    minute seconds (1.03e-7 days × 86,400 = ``0.00891`` ``seconds``; :func:`present.sci` beyond)."""
    if days >= EXTREME_YEARS * DAYS_PER_YEAR:
        return (lambda d: present.count(round(d / DAYS_PER_YEAR))), "years"
    if days >= 1:
        return "{:,.1f}".format, "days"
    if days * 86_400 < 60:
        return (lambda d: present.sci(d * 86_400, digits=3)), "seconds"
    return (lambda d: f"{d * 24:#.3g}".rstrip(".")), "hours"  # three figures kept: 0.170, not 0.17


def emissions_words(r: Result, tco2: float) -> str:
    """What the run emits, for page 1: ``emits **8,930 t CO₂**``, ``emits **under 1 t CO₂**`` (below a
    tonne, never ``0 t``), or, where the site's grid intensity is not sourced (NaN; :func:`site_words`, which
    follows, says so) or the chip has no power figure (its energy reads n/a), that it has no emissions figure."""
    if np.isnan(r.inputs.site.grid_kgco2_per_kwh) or np.isnan(tco2):  # no grid intensity, or no power figure
        return "has no emissions figure"
    return f"emits **{tonnes_co2(tco2)}**"


def tonnes_co2(tco2: float) -> str:
    """Emissions [t CO₂] as page 1 writes them: whole tonnes (``8,930 t CO₂``), ``under 1 t CO₂`` below
    a tonne (never ``0 t``), in words from a billion (``922 billion t CO₂``), ``emissions n/a`` where
    unknown (NaN: no sourced grid intensity)."""
    if np.isnan(tco2):
        return "emissions n/a"
    if tco2 >= 1e9:  # 922,347,085,539 t reads 922 billion t
        return f"{present.count(tco2).replace(' B', ' billion').replace(' T', ' trillion')} t CO₂"
    return "under 1 t CO₂" if tco2 < 1 else f"{tco2:,.0f} t CO₂"


def grid_figure(kgco2_per_kwh: float) -> str:
    """A grid intensity in words: ``0.531 kg CO₂/kWh``, or ``no sourced grid intensity`` (NaN)."""
    return "no sourced grid intensity" if np.isnan(kgco2_per_kwh) else f"{kgco2_per_kwh:.3f} kg CO₂/kWh"


def peak_name(inp: Inputs, chip: str | None = None) -> str:
    """The dense peak ``chip`` is costed at, in words: the run's precision's (``BF16``, ``FP8``) where the
    chip has it, else ``BF16`` (``peak_precision``); without ``chip``, the peak the run's MFU is a share
    of on the anchor chip (``inp.mfu_precision``: ``BF16`` for the accounted prior in an FP8 run); and
    ``BF16/FP16 tensor`` for BF16 on a chip of :data:`analysis.assembly.inputs.NO_BF16` (it runs in FP16)."""
    precision = inp.mfu_precision.upper() if chip is None else str(inp.chips.loc[chip, "peak_precision"])
    chip = inp.anchor_chip if chip is None else chip
    fp16 = precision == "BF16" and inp.chips.loc[chip, "generation"] in shared.NO_BF16
    return "BF16/FP16 tensor" if fp16 else precision


def lacks_words(inp: Inputs, chip: str, precision: str) -> str:
    """Why ``chip`` is costed at its BF16 peak in a run at ``precision`` (``FP8``), in
    :func:`analysis.assembly.inputs.lacking_words`' two reasons: ``runs FP8 at its BF16 rate`` (TPU v5p,
    Trainium1: an FP8 peak equal to the BF16 one) or ``has no sourced FP8 peak`` (absent, or unknown: the L20)."""
    at_bf16_rate = pd.notna(inp.chips.loc[chip, compute.PRECISION_COLUMNS[precision.lower()]])  # lacking_words' test
    return f"runs {precision} at its BF16 rate" if at_bf16_rate else f"has no sourced {precision} peak"


def bf16_basis_words(inp: Inputs, precision: str, chip: str | None = None) -> str:
    """Why the run's MFU is a share of a BF16 peak in a run at ``precision`` (``FP8``;
    ``inp.mfu_precision`` ``bf16``): no accounted FP8 run is published (the accounted prior, the module
    docstring's rule); or, said of ``chip`` where it is the chip the MFU holds on, where the MFU comes
    from (``inp.mfu_basis``); else that the chip it holds on lacks the precision (:func:`lacks_words`)."""
    if mfu_basis(inp.run, inp.used["mfu"]) == "accounted":
        return f"no accounted {precision} run is published, so the utilisation is the accounted BF16 runs'"
    anchor = inp.anchor_chip
    if chip == anchor:
        return inp.mfu_basis
    return f"the {present.chip_short(anchor)} it holds on {lacks_words(inp, anchor, precision)}"


def precision_line(r: Result) -> str:
    """Page 1's finding where the run's precision is not BF16 and either the report's chip lacks it (its
    ``peak_precision`` is BF16, :func:`analysis.formulas.compute.has_precision`: no FP8 peak, or FP8 at
    its BF16 rate, :func:`lacks_words`) or the run's MFU is a share of a BF16 peak (``inp.mfu_precision``,
    :func:`bf16_basis_words`). A chip lacking it is costed at its BF16 peak: with the measured FP8 speed-up
    over BF16 carried over where the MFU is an FP8 one (:func:`analysis.assembly.inputs.precision_factor`,
    :func:`precision_note`), else at its BF16 MFU, so FP8 buys it nothing (the accounted prior; GPT-3's
    V100, whose estimated hours fix its MFU). A chip with it whose MFU is a BF16 one: that MFU × BF16 peak
    / FP8 peak × the achieved speed-up, so FP8 takes that speed-up fewer GPU-hours, not the peaks' ratio
    (H100: × 989.4 / 1,978.9 × 1.28). Empty otherwise."""
    inp, chip = r.inputs, r.inputs.run.chip
    precision = str(inp.used["precision"].value).upper()
    if precision == "BF16":
        return ""
    speedup = inp.used[shared.FP8_SPEEDUP]
    bf16, peak = (float(inp.chips.loc[chip, column]) for column in ("bf16_dense_tflops", "peak_tflops"))
    if inp.chips.loc[chip, "peak_precision"] == precision:
        if inp.mfu_precision != "bf16":
            return ""
        return (
            f"The {present.chip_short(chip)} is costed at its {precision} peak ({peak:,g} TFLOP/s), but its MFU "
            f"is a share of a BF16 peak ({bf16_basis_words(inp, precision)}): it is carried to the {precision} peak "
            f"× {bf16:,g} / {peak:,g} × {speedup.value:.2f} (the achieved {precision} speed-up over BF16, the "
            f"{speedup.origin}), so {precision} takes {speedup.value:.2f} × fewer GPU-hours than BF16 at the base "
            f"point, not the peaks' {peak / bf16:.2f} ×."
        )
    lacks = lacks_words(inp, chip, precision)
    if inp.mfu_precision == "bf16":  # an MFU at a BF16 peak on a chip costed at it: nothing to carry over
        return (
            f"The {present.chip_short(chip)} {lacks}: the run is costed at its {peak_name(inp, chip)} peak "
            f"({peak:,g} TFLOP/s) at an MFU at that peak ({bf16_basis_words(inp, precision, chip)}), so "
            f"{precision} buys it nothing."
        )
    return (
        f"The {present.chip_short(chip)} {lacks}: it is costed at its {peak_name(inp, chip)} peak "
        f"({inp.chips.loc[chip, 'peak_tflops']:,.4g} TFLOP/s) at the run's {precision} MFU converted to a BF16 one "
        f"(× the {precision} peak ÷ the BF16 peak of the chip it was measured on, ÷ the measured {precision} speed-up "
        f"over BF16, {speedup.value:.2f} ×, the {speedup.origin}), so it gains no {precision} speed-up "
        "('The same run on every chip' gives the rule)."
    )


def trained_words(inp: Inputs) -> str:
    """The precision the run trained in and where that comes from: FP16 on a chip without BF16
    (:func:`peak_name`), else the run's precision and its record's origin."""
    precision = inp.used["precision"]
    name = str(precision.value).upper()
    if peak_name(inp) == "BF16/FP16 tensor":
        chip = present.chip_short(inp.anchor_chip)
        if name == "BF16":
            return f"the run trained in FP16: {chip} has no BF16, so its FP16 tensor peak stands in the BF16 column"
        return (
            f"the run is costed in {name}: {precision.origin}; {chip} has neither {name} nor BF16, so its FP16 "
            "tensor peak stands in"
        )
    if peak_name(inp) != name:  # an MFU at a BF16 peak in an FP8 run (precision_line says why)
        return f"the run trained in {name}: {precision.origin}; the MFU is one at a BF16 peak"
    return f"the run trained in {name}: {precision.origin}"


def carried_words(r: Result) -> str:
    """Where the run's MFU is a share of the BF16 peak of an anchor chip costed at a faster FP8 peak
    (``inp.mfu_precision``), that MFU at the FP8 peak at the base point, as the by-chip table gives it:
    ``, **14.6 %** of its FP8 peak at the base point`` (0.228 × 989.4 / 1,978.9 × 1.28); empty otherwise."""
    inp = r.inputs
    precision = str(inp.chips.loc[inp.anchor_chip, "peak_precision"])
    if precision.lower() == inp.mfu_precision:
        return ""
    mfu = present.pct(r.base.loc[inp.anchor_chip, "mfu"], digits=1)
    return f", **{mfu}** of its {precision} peak at the base point"


def mfu_note(r: Result) -> str:
    """Page 1's note on the MFU where it is not the shared reference MFU (``params.TRAINING``):
    which one the report uses and why (:func:`analysis.assembly.inputs.mfu_basis`, the words every
    report prints), against the reference MFU's, pointing to the by-chip section for when the other
    chips' ratios match chip_parity's (:func:`ratio_note`); empty where the reader set it."""
    inp = r.inputs
    if inp.used["mfu"].source == shared.READER:
        return ""
    return (
        f"MFU {present.pct(inp.mfu, digits=1)} of the {peak_name(inp)} peak on {present.chip_short(inp.anchor_chip)} "
        f"({inp.mfu_basis}) is {inp.used['mfu_basis'].origin}. The chip_parity, energy_advantage and procurement "
        f"reports' {present.pct(params.TRAINING['mfu'])} (of the BF16 peak) is another concept: "
        f"{shared.mfu_basis('steady-state').origin}. The other chips' columns carry this run's over (times the "
        'vendor factor; "The same run on every chip" says when their ratios match those reports\').'
    )


def ratio_note(r: Result) -> str:
    """When the chips' GPU-hour ratios match chip_parity's, energy_advantage's and procurement's (dense
    BF16 peaks): always for a BF16 run; for a run in another precision only between chips that have
    it, a chip without it needing the achieved speed-up × chip_parity's BF16 ratio
    (:func:`precision_note`), with an example at the base point (DeepSeek-V3: Ascend 910C 989.4 ×
    1.27988 / (780 × 0.78) = 2.081 × the H800's GPU-hours, chip_parity 1.626 per H100 in BF16)."""
    inp = r.inputs
    precision = str(inp.used["precision"].value)
    reports = "chip_parity's, energy_advantage's and procurement's"
    if precision == "bf16":
        return f"The chips' ratios to each other match {reports} (all compare dense BF16 peaks)."
    text = (
        f"The chips' ratios to each other match {reports} only between chips with a faster "
        f"{precision.upper()} peak than their BF16 one"
    )
    lacking = inp.chips.index[inp.chips["peak_precision"] != precision.upper()]
    hours = r.base["gpu_hours"]
    example = next((c for c in lacking if pd.notna(hours.get(c)) and c != inp.anchor_chip), None)
    if example is None or pd.isna(hours.get(inp.anchor_chip)):
        return text + "."
    return (
        text + f" ({present.chip_short(example)}: {hours[example] / hours[inp.anchor_chip]:.2f} × the "
        f"{present.chip_short(inp.anchor_chip)}'s GPU-hours at the base point)."
    )


def precision_note(r: Result) -> str:
    """The paragraph on the peak each chip is costed at and what is assumed for a chip without the
    run's precision (:func:`analysis.assembly.inputs.precision_factor`), with its source and range,
    then when the ratios match the other reports' (:func:`ratio_note`)."""
    inp = r.inputs
    precision = str(inp.used["precision"].value).upper()
    text = (
        "Same FLOP and chip count. Each chip's MFU is the run's, times its vendor's software-maturity factor "
        "relative to the run's chip, and lowered (never raised) by the interconnect model. The peak is each "
        f"chip's dense peak at the run's precision ({precision})"
    )
    if precision == "BF16":
        return f"{text}. {ratio_note(r)}"
    speedup = inp.used[shared.FP8_SPEEDUP]
    lacking = shared.lacking_words(inp.chips, precision.lower())
    if inp.mfu_precision == "bf16":  # the MFU is a share of a BF16 peak: chip_parity's conversion, the other way
        return (
            text + f"; the run's MFU is a share of a BF16 peak ({bf16_basis_words(inp, precision)}), so a chip with "
            f"a faster {precision} peak runs at it × its BF16 peak / its {precision} peak × the achieved {precision} "
            f"speed-up over BF16 on one chip, {speedup.value:.2f} {present.cite(inp.used, speedup)} — the "
            f"{speedup.origin} — the conversion chip_parity applies to its reference MFU at precision=fp8, and a chip "
            f"without one ({lacking}) keeps it at its BF16 peak. {ratio_note(r)}"
        )
    return (
        text + f"; a chip without a faster {precision} peak than its BF16 one ({lacking}) runs at its BF16 peak. "
        f"It is not given the run's "
        f"{precision} MFU against that peak, which would assume {precision} trains exactly as much faster than BF16 "
        f"as the peaks say (2×): the run's achieved rate is divided by the achieved {precision} speed-up over BF16 "
        f"on one chip, {speedup.value:.2f} {present.cite(inp.used, speedup)} — the {speedup.origin} — so MFU_BF16 "
        f"= MFU_{precision} × peak_{precision} / peak_BF16 / {speedup.value:.2f} on the run's chip, then carried "
        "over. The chip_parity report at precision=fp8 gives the same chips per reference chip; at its default "
        f"BF16 both chips train in BF16 and the ratio is {speedup.value:.2f} times smaller. {ratio_note(r)}"
    )


def disclosure_note(r: Result) -> str:
    """Page 1's finding where the report runs the disclosed run on its own chip and count: its base
    point (every input at its base) against the disclosure, each with its scope (total GPU-hours,
    of which pre-training; the cost at the run's own rental) — the medians of the draws differ
    from it. Empty for another chip or count."""
    run = r.inputs.run
    if not run.gpu_hours or (run.chip, run.chip_count) != (run.disclosed_chip, run.disclosed_chip_count):
        return ""
    base, row = r.base.loc[run.chip], load("training_runs").loc[run.run_id]
    pre = pd.notna(row["pretraining_gpu_hours"])
    scope = f"all phases, {hours_count(row['pretraining_gpu_hours'])} of them pre-training" if pre else "all phases"
    days = (
        f"; the {hours_words(run)} {row['days']:g} days are pre-training only" if pre and pd.notna(row["days"]) else ""
    )
    days = f" over {base['days']:,.1f} days on {present.counted(run.chip_count, 'chip')} (all phases{days})"
    cost_words = (
        f" and ${base['rental_cost_usd'] / 1e6:.4g} M at ${run.usd_per_gpu_hour:g} per GPU-hour against the "
        f"disclosed ${row['reported_cost_usd'] / 1e6:.4g} M"
        if pd.notna(row["reported_cost_usd"]) and pd.notna(base["rental_cost_usd"])
        else ""
    )
    return (
        f"The base point (every input at its base) gives {gpu_hours_words(base['gpu_hours'])} against the "
        f"{hours_words(run)} {hours_count(run.gpu_hours)} ({scope}){cost_words},{days}."
    )


def authors(key: str) -> str:
    """The authors of source ``key`` as its row of data/SOURCES.md names them, for a sentence that
    names its source: the text before the quoted title (``Patterson et al.``, ``Luccioni, Viguier &
    Ligozat``), else before the first comma (``Meta``)."""
    text = str(sources().loc[key, "source"])
    return text.split(', "')[0] if ', "' in text else text.split(",")[0]


#: What a region's base PUE is, in words (``regions.csv`` ``pue_basis``): inputs' one table.
PUE_BASES = shared.PUE_BASES


def _site_figures(r: Result) -> list[tuple[str, str]]:
    """The site's PUE and grid intensity, each as (where it comes from, words): ``run`` (the run's
    disclosed site: ``PUE 1.10 (not drawn)``, ``0.429 kg CO₂/kWh``), ``reader`` (``PUE 1.30 (the pue
    parameter)``) or ``region`` (``PUE 1.50 (a policy target) [9]``, ``a grid average of 0.531 kg
    CO₂/kWh [10]``)."""
    inp = r.inputs
    pue, grid = inp.used["pue"], inp.used["grid_kgco2_per_kwh"]
    from_run = inp.site_basis == "run"
    if pue.source == shared.READER:
        pue_words = ("reader", f"PUE {pue.value:.2f} (the pue parameter)")
    elif from_run and inp.site.pue_basis == "disclosed":
        pue_words = ("run", f"PUE {pue.value:.2f} (not drawn)")
    else:
        pue_words = ("region", f"PUE {pue.value:.2f} ({PUE_BASES[inp.site.pue_basis]}) {present.cite(inp.used, pue)}")
    if from_run and grid.source == inp.run.site_source:
        grid_words = ("run", f"{grid.value:.3f} kg CO₂/kWh")
    elif np.isnan(grid.value):
        grid_words = ("region", "no sourced grid intensity")
    else:
        grid_words = ("region", f"a grid average of {grid.value:.3f} kg CO₂/kWh {present.cite(inp.used, grid)}")
    return [pue_words, grid_words]


def site_words(r: Result) -> str:
    """Where the run's energy and emissions are costed, in words with the sources (:func:`run_site`):
    at the site the run trained in as its source states it, naming that source (and saying so where
    data/SOURCES.md grades the reading below primary), with the reader's
    PUE and the region's figures the run does not state; or at the region, saying why — the run
    disclosed no site, or the reader chose ``site`` region. (The electricity price, always the
    region's, is :func:`site_label`'s.)"""
    inp = r.inputs
    run = inp.run
    figures = _site_figures(r)
    parts = {kind: " and ".join(words for k, words in figures if k == kind) for kind in ("run", "reader", "region")}
    pieces = []
    if parts["run"]:
        cited = f"{authors(run.site_source)} state it {present.cite(inp.used, run.site_source)}"
        if sources().at[run.site_source, "grade"] != "primary":  # data/SOURCES.md grades how it was read
            cited += f" (read in a {sources().at[run.site_source, 'grade']} copy, not first-hand)"
        pieces.append(f"the site {run.name} trained in, as {cited}: {parts['run']}")
    pieces += [parts["reader"]] if parts["reader"] else []
    pieces += [f"{region_label(inp)}: {parts['region']}"] if parts["region"] else []
    text = "at " + "; ".join(pieces)
    if inp.site_basis == "run":
        return text
    if run.site_pue is None and run.site_kgco2_per_kwh is None:
        return text + f" ({no_site_why(r)})"
    if inp.parameters.get("site") == "region":
        why = f"the site parameter is region: {run.name}'s own disclosed site is set aside"
    else:  # the run states only its PUE, and the reader gave one
        why = f"the pue parameter replaces {run.name}'s disclosed PUE"
    return text + f" ({why}; {region_why(r)})"


def region_label(inp: Inputs) -> str:
    """The region in words: a country's average region of :data:`COUNTRY_REGIONS` as ``China's average
    (region cn-avg-industrial)``, any other as ``region us-ercot``."""
    country = next((c for c, region in COUNTRY_REGIONS.items() if region == inp.site.region), None)
    return f"{COUNTRY_NAMES[country]}'s average (region {inp.site.region})" if country else f"region {inp.site.region}"


def region_basis(inp: Inputs) -> str:
    """Why the report's site is at its region (:func:`run_region`): ``reader``, ``country``, ``unpriced``
    or ``undisclosed``, from the run and the parameters as given."""
    return run_region(inp.run, region=inp.parameters["region"], usd_per_kwh=inp.parameters["usd_per_kwh"])[1]


def region_why(r: Result) -> str:
    """Why the run is costed at its region (:func:`run_region`'s ``region_basis``): the region parameter;
    the country the run trained in, citing its source; that country's region has no electricity price, so
    the default region applies; or the run discloses no country (a custom run has none), so the default
    region applies."""
    inp = r.inputs
    run, basis = inp.run, region_basis(inp)
    if basis == "reader":
        return "the region parameter"
    if basis in ("country", "unpriced"):
        trained = f"{run.name} trained in {COUNTRY_NAMES[run.country]} {present.cite(inp.used, inp.used['country'])}"
        if basis == "country":
            return trained
        return (
            f"{trained}, but region {COUNTRY_REGIONS[run.country]} has no sourced electricity price: the default region"
        )
    if run.run_id == "custom":
        return "a custom run has no country: the default region"
    return f"{run.name} discloses no training country: the default region"


def no_site_why(r: Result) -> str:
    """Why a run without a disclosed site is costed at its region, in one clause: the run discloses
    neither its site nor its country (``China's average … (DeepSeek-V3 discloses neither its training site
    nor its country: the default region)``), else no site, then :func:`region_why`."""
    inp = r.inputs
    run = inp.run
    if region_basis(inp) == "undisclosed":
        if run.run_id == "custom":
            return "a custom run has no disclosed site or country: the default region"
        return f"{run.name} discloses neither its training site nor its country: the default region"
    site = "a custom run has no disclosed site" if run.run_id == "custom" else f"{run.name} discloses no training site"
    return f"{site}; {region_why(r)}"


def site_label(r: Result) -> str:
    """The one site every chip is costed at, short, for the tables' captions: ``the site GPT-3 175B
    trained in (PUE 1.10, 0.429 kg CO₂/kWh; the electricity price of China's average (region
    cn-avg-industrial): GPT-3 175B discloses no training country: the default region)`` (the reader's
    price: ``the usd_per_kwh parameter's electricity price``) or ``China's average (region
    cn-avg-industrial) (PUE 1.50, 0.531 kg CO₂/kWh)``."""
    inp = r.inputs
    site = inp.site
    figures = f"PUE {site.pue:.2f}, {grid_figure(site.grid_kgco2_per_kwh)}"
    if inp.site_basis != "run":
        return f"{region_label(inp)} ({figures})"
    if inp.used["usd_per_kwh"].source == shared.READER:
        price = "the usd_per_kwh parameter's electricity price"
    else:
        price = f"the electricity price of {region_label(inp)}: {region_why(r)}"
    return f"the site {inp.run.name} trained in ({figures}; {price})"


def site_caption(r: Result) -> str:
    """The sentence the by-chip tables' captions end with: every chip at one site, which."""
    return f"Every chip at one site: {site_label(r)}."


def _tonnes(x: float) -> str:
    """Tonnes as a disclosure writes them: whole from 1,000 (``8,930``), else four significant figures
    (``552``, ``628.6``, ``24.69``)."""
    return f"{x:,.0f}" if x >= 1_000 else f"{x:.4g}"


#: The disclosed figures of a run's energy and emissions (training_runs.csv columns), as the words give them.
DISCLOSED_FIGURES = {"energy_mwh": "{:,.0f} MWh", "emissions_tco2": "{} t CO₂e"}


def _disclosed(r: Result) -> tuple[pd.Series, list[str]] | None:
    """The run's row of training_runs.csv and which of :data:`DISCLOSED_FIGURES` it discloses, where the
    report runs it on its own chip and count and the chip has a power figure; None otherwise."""
    run = r.inputs.run
    if not run.gpu_hours or (run.chip, run.chip_count) != (run.disclosed_chip, run.disclosed_chip_count):
        return None
    row = load("training_runs").loc[run.run_id]
    shown = [name for name in DISCLOSED_FIGURES if pd.notna(row[name])]
    if not shown or r.inputs.used["chips"][run.chip].get("max_w_per_chip") is None:  # nothing to set beside
        return None
    return row, shown


def _figures_words(values, shown: list[str]) -> str:
    """``values``' figures named in ``shown`` (:data:`DISCLOSED_FIGURES`): ``433 MWh and 24.69 t CO₂e``."""
    return " and ".join(
        DISCLOSED_FIGURES[n].format(_tonnes(values[n]) if n == "emissions_tco2" else values[n]) for n in shown
    )


def disclosed_given(r: Result) -> str:
    """The run's own disclosed energy or emissions with their accounting basis (W per GPU, PUE, grid) and
    source, ``Meta give 8,930 t CO₂e [1], at 700 W per GPU``, where :func:`_disclosed` finds them; else empty."""
    found = _disclosed(r)
    if found is None:
        return ""
    row, shown = found
    basis = [f"{row['reported_w_per_gpu']:g} W per GPU"] if pd.notna(row["reported_w_per_gpu"]) else []
    basis += [f"PUE {row['reported_pue']:.2f}"] if pd.notna(row["reported_pue"]) else []
    basis += [f"{row['reported_kgco2_per_kwh']:.3f} kg CO₂/kWh"] if pd.notna(row["reported_kgco2_per_kwh"]) else []
    run = r.inputs.run
    text = f"{authors(run.source)} give {_figures_words(row, shown)} {present.cite(r.inputs.used, run.source)}"
    return text + (f", at {', '.join(basis)}" if basis else "")


def disclosed_line(r: Result) -> str:
    """Page 1's line beside the modelled energy and emissions: what the run itself discloses
    (:func:`disclosed_given`), as another accounting; empty where it discloses neither."""
    given = disclosed_given(r)
    if not given:
        return ""
    return f"Beside it, {given}: their own accounting, not this model's ('Energy' sets the two side by side)."


def disclosed_energy_words(r: Result) -> str:
    """Where the run discloses its energy or emissions and the report runs it on its own chip and
    count: the disclosure with its own accounting basis (:func:`disclosed_given`), beside
    the report's base point (every input at its base) and the power per GPU it takes (maximum W ×
    load factor) — a comparison of two accountings, not a test of the model (the validation
    report tests it). Empty otherwise."""
    found = _disclosed(r)
    if found is None:
        return ""
    inp = r.inputs
    _, shown = found
    base, max_w = r.base.loc[inp.run.chip], inp.used["chips"][inp.run.chip]["max_w_per_chip"].value
    return (
        f"{disclosed_given(r)}; the report's base point gives {_figures_words(base, shown)} at its power model's "
        f"{max_w * inp.load_factor:,.0f} W per GPU ({max_w:,.0f} W maximum × {inp.load_factor:.2f} load) and the "
        "site above — two accountings side by side, not a test of the model (the validation report tests it)."
    )


def rental_line(r: Result) -> str:
    """Page 1's rental finding, in words that reproduce: the P50 cost [USD] with its P10–P90 band, then
    where a cost of GPU-hours × rent comes from. A rent not drawn (the run's own, or a fixed range): the
    P50 GPU-hours × the rent, which is the P50 cost (each draw's cost is its hours × the same rent). A drawn
    rent: the median of draws, with the rent's range as drawn, and beside it the base point's product
    (base GPU-hours × base rent = base cost), since the median cost is not the median hours × the base rent
    (A100: 11.08 M × $1.30 = $14.4 M, while the draws' median is $18 M over a $0.80–$3.00 rent)."""
    chip, own, lo, hi = r.inputs.run.chip, headline(r), headline(r, "p10"), headline(r, "p90")
    if pd.isna(own["rental_cost_usd"]):
        return (
            "- No rental price is sourced for this chip (none in chips.csv, and no Chinese cloud list price in "
            "data/china_prices.csv)."
        )
    band = band_words(lo["rental_cost_usd"], hi["rental_cost_usd"], present.usd, fixed=fixed_words(r))
    low, rent, high = (float(v) for v in np.asarray(r.inputs.ranges[f"{chip} rental"], dtype=float)[[0, 1, -1]])
    head = f"- Renting the chips costs **{present.usd(own['rental_cost_usd'])}** ({band})"
    if low == high:
        return f"{head}: {gpu_hours_words(own['gpu_hours'])} × {rent_words(r, chip)}."
    base = r.base.loc[chip]
    return (
        f"{head}, the median of draws with the rent drawn over {present.usd(low)}–{present.usd(high)} per GPU-hour "
        f"around {rent_words(r, chip)}; at the base point {gpu_hours_words(base['gpu_hours'])} × "
        f"{present.usd(rent)} = {present.usd(base['rental_cost_usd'])}."
    )


def unsourced_words(r: Result, wanted: tuple[str, ...]) -> str:
    """Which of ``wanted`` (``price``, ``power``) the run's chip has no sourced figure for, in words:
    ``data/chips.csv has no sourced price or power for the L20``."""
    row, chip = r.inputs.chips.loc[r.inputs.run.chip], r.inputs.run.chip
    columns = {"price": "price_usd", "power": "max_w_per_chip"}
    missing = [w for w in wanted if row[columns[w]] != row[columns[w]]] or list(wanted)
    return f"data/chips.csv has no sourced {' or '.join(missing)} for the {present.chip_short(chip)}"


def answer(r: Result) -> str:
    """Page 1: the answer in one sentence (the run on its chips takes so many days, with their band,
    and GPU-hours), a list of one line per finding (the rental cost with its band or why there is
    none; the ownership cost; the energy at the meter; :func:`disclosure_note`), then what the
    figures are and :func:`mfu_note`."""
    run, own, lo, hi = r.inputs.run, headline(r), headline(r, "p10"), headline(r, "p90")
    lines = [
        rental_line(r),
        f"- Owning the chips for the run's duration costs **{present.usd(own['ownership_cost_usd'])}**."
        if own["ownership_cost_usd"] == own["ownership_cost_usd"]
        else f"- Owning the chips cannot be costed: {unsourced_words(r, ('price', 'power'))}.",
        (
            f"- The run draws **{present.gwh(own['energy_mwh'] / 1e3)}** at the facility meter and "
            f"{emissions_words(r, own['emissions_tco2'])}, {site_words(r)}."
            if own["energy_mwh"] == own["energy_mwh"]
            else f"- The run's energy and emissions cannot be estimated: {unsourced_words(r, ('power',))}."
        )
        + (f" {disclosed}" if (disclosed := disclosed_line(r)) else ""),
        *[f"- {note}" for note in [precision_line(r), disclosure_note(r)] if note],
    ]
    if extreme := extreme_line(r):
        lines.insert(0, f"- {extreme}")
    days, unit = duration(own["days"])
    days_band = band_words(lo["days"], hi["days"], days, fixed=fixed_words(r))
    hours_band = band_words(lo["gpu_hours"], hi["gpu_hours"], hours_count, fixed=fixed_words(r))
    took, hours = f"**{days(own['days'])} {unit}**", f"**{gpu_hours_words(own['gpu_hours'])}**"
    if days_band == hours_band:  # both fixed by the disclosure: its reason once
        took = f"{took} and {hours} (for each, {days_band})"
    else:
        took = f"{took} ({days_band}) and {hours} ({hours_band})"
    line = (
        f"Training {run.name} ({present.flop(r.training_flop)}) on {present.count(run.chip_count)} × "
        f"{present.chip_short(run.chip)} takes {took}:"
    )
    mfu = "" if r.inputs.disclosed_chips else "MFU, "
    pue_range = r.inputs.site.pue_range
    pue = " and PUE" if pue_range[0] != pue_range[-1] else ""
    drawn = (
        f"Figures are the median of {r.inputs.draws:,} Monte Carlo draws over {mfu}prices, power, the site's "
        f"electricity price{pue} and the goodput inputs (interruption rate, restart time, checkpoint write time)."
    )
    return "\n\n".join([line, "\n".join(lines), drawn, *filter(None, [mfu_note(r)])])


def extreme_line(r: Result) -> str:
    """Page 1's warning where the run is beyond anything the model is checked against: a wall-clock time
    of :data:`EXTREME_YEARS` years or more, or a goodput below :data:`LOW_GOODPUT` (the cluster spends
    more than nine tenths of its time on interruptions, restarts and checkpoints) — each figure a median of
    draws. Empty otherwise."""
    own = headline(r)
    years, goodput = own["days"] / DAYS_PER_YEAR, own["goodput"]
    reasons = [f"it would take {present.counted(round(years), 'year')}"] if years >= EXTREME_YEARS else []
    if goodput < LOW_GOODPUT:
        reasons.append(f"its cluster would spend only {present.pct(goodput)} of its time training")
    if not reasons:
        return ""
    return (
        f"**Warning: no such run is feasible** — {present.joined(reasons)}. The figures below extrapolate far "
        "beyond the published runs the model is checked against (the validation report); read them as "
        "arithmetic, not as a plan."
    )


def findings(r: Result) -> str:
    """Key findings as a markdown list (numbers from the P50 figures)."""
    inp = r.inputs
    run, own, site = inp.run, headline(r), inp.site
    others = r.p50.drop(index=run.chip)
    days = others["days"].dropna()
    executed = compute.hardware_flop(run.active_params, run.tokens, True)
    lines = [
        f"- **Compute.** 6 × {present.count(run.active_params)} active parameters × "
        f"{present.count(run.tokens)} tokens = **{present.flop(r.training_flop)}** of model compute"
        + (f" ({present.flop(executed)} executed with full recomputation)." if inp.recompute else "."),
        f"- **Utilisation.** {shown_mfu_words(r)}MFU **{present.pct(inp.mfu, digits=1)}** on "
        f"{present.chip_short(inp.anchor_chip)} against its dense {peak_name(inp)} peak{carried_words(r)} "
        f"({trained_words(inp)}) "
        f"({mfu_range_words(r)}); "
        f"{present.pct(own['goodput'], digits=1)} of wall-clock time (median of draws; "
        f"{present.pct(r.base.loc[run.chip, 'goodput'], digits=1)} at the base point) is spent training on "
        f"{present.counted(run.chip_count, 'chip')} (interruptions grow with the chip count).",
        f"- **Energy and carbon.** {present.gwh(own['energy_mwh'] / 1e3)} at the facility meter, "
        f"{tonnes_co2(own['emissions_tco2'])} (PUE {site.pue:.2f}, {grid_figure(site.grid_kgco2_per_kwh)}: "
        f"{'the site the run trained in' if inp.site_basis == 'run' else region_label(inp)}).",
        f"- **Other chips.** {fastest_words(days)}; what each chip costs to rent, and which have no market quote "
        "or cannot hold the run at its chip count, follows the tables of 'The same run on every chip'.",
    ]
    return "\n".join(lines)


def fastest_words(days: pd.Series) -> str:
    """The Other chips finding's start: the fastest of ``days`` (by chip, the chips that hold the run at its
    count), ``With the same chip count the run is fastest on **GB200** (1.4 days)``, or that none holds it."""
    if days.empty:
        return "No other chip holds the run's training state at the same chip count"
    fastest = days.idxmin()
    number, unit = duration(days[fastest])
    chip = present.chip_short(fastest)
    return f"With the same chip count the run is fastest on **{chip}** ({number(days[fastest])} {unit})"


def shown_mfu_words(r: Result) -> str:
    """Where the report's chip is not the chip the run's MFU holds on (the anchor), the Utilisation
    finding starts with the report's chip: its MFU at the base point (as the by-chip table gives it)
    against its own dense peak, carried over from the anchor's, which follows. Empty otherwise."""
    inp, chip = r.inputs, r.inputs.run.chip
    if chip == inp.anchor_chip:
        return ""
    return (
        f"MFU **{present.pct(r.base.loc[chip, 'mfu'], digits=1)}** on {present.chip_short(chip)} against its "
        f"dense {peak_name(inp, chip)} peak, carried over from "
    )


def mfu_range_words(r: Result) -> str:
    """Page 1's words on where the run's MFU comes from and how it is drawn: the basis in full unless
    :func:`mfu_note` already gives it on that page; for an MFU not drawn on its own chip, that the
    other chips draw its move to them (:func:`analysis.assembly.inputs.mfu_transfer`)."""
    inp = r.inputs
    basis = "" if mfu_note(r) else f"{inp.mfu_basis}: {inp.used['mfu_basis'].origin}; "
    moved = inp.ranges.get(shared.MFU_TRANSFER)
    if moved is None:
        return f"{basis}its Monte Carlo range: {inp.used['mfu_spread'].origin}"
    return (
        f"{basis}not drawn on {present.chip_short(inp.anchor_chip)}, where the disclosure fixes it; on a chip of "
        f"other silicon it moves by {moved.values[0]:.2f}–{moved.values[-1]:.2f} × (published MFUs of one model "
        "and software on two chips)"
    )


def energy_text(r: Result) -> str:
    """The paragraph after the tables of the run on every chip: the one site every chip is costed at
    (:func:`site_label`), then, where the run discloses its energy or emissions, the disclosure beside
    the report's base point (:func:`disclosed_energy_words`)."""
    return f"**Energy.** Every chip is costed at one site: {site_label(r)}. {disclosed_energy_words(r)}".rstrip()


def rent_text(r: Result) -> str:
    """The paragraph after the tables of the run on every chip: which chip is cheapest to rent at a
    market quote, naming every chip without one and each costed at an assumed rent (:func:`rent_ranking`;
    page 1's findings point here)."""
    return "**Rent.** Of all chips, including the run's own, " + rent_ranking(r) + "."


def rent_words(r: Result, chip: str) -> str:
    """The rent ``chip`` is costed at, with what it is (:func:`analysis.assembly.inputs.rental_basis`):
    ``$2.00 per GPU-hour, DeepSeek's assumed rent (not a market quote)`` or ``$2.95 per GPU-hour, a
    market quote``."""
    record = r.inputs.used["chips"][chip]["usd_per_gpu_hour"]
    basis = shared.rental_basis(record.source)
    what = "a market quote" if basis == shared.MARKET_RENT else f"{basis} (not a market quote)"
    return f"{present.usd(record.value)} per GPU-hour, {what}"


def rent_ranking(r: Result) -> str:
    """The cheapest chip to rent among those with a market quote (:func:`present.cheapest`), then each
    chip costed at a rent that is not a market quote, with its cost and :func:`rent_words`: an
    assumption is never ranked among quotes unmarked."""
    held = pd.Series(holds(r.inputs), index=r.p50.index)
    bases = shared.rental_bases(r.inputs.used["chips"]).reindex(r.p50.index)[held]
    rental = r.p50["rental_cost_usd"][held]
    words = present.cheapest(
        rental.where(bases == shared.MARKET_RENT),
        what="to rent at a market quote",
        fmt=present.usd,
        missing="market quote",
    )
    others = [c for c in rental.dropna().index if bases[c] != shared.MARKET_RENT]
    words += "".join(f"; {present.chip_short(c)} costs {present.usd(rental[c])} at {rent_words(r, c)}" for c in others)
    if held.all():
        return words
    unheld = ", ".join(present.chip_short(c) for c in held.index[~held])
    count = present.counted(r.inputs.run.chip_count, "chip")
    return words + f"; {unheld}: not ranked, {count} cannot hold the run's training state"


def peak_precisions(r: Result) -> pd.Series:
    """By chip, the precision of the dense peak the run is costed at: the run's (``FP8``) where the
    chip has it, else ``BF16`` (:func:`analysis.formulas.compute.peak_tflops`' fallback), as
    :func:`analysis.assembly.inputs.chips` records it."""
    return r.inputs.chips["peak_precision"].rename(None)


def by_chip_caption(r: Result, missing: str, *, also: str = "") -> str:
    """A by-chip table's caption: the P50, what a chip's n/a means (``missing``: the catalog figures it
    lacks), the chips that cannot hold the run at its count (:func:`unheld_words`), ``also`` (sentences
    of the table's own) and the one site (:func:`site_caption`)."""
    unheld = unheld_words(r)
    return " ".join(
        filter(
            None, [f"P50 of the Monte Carlo; n/a: {missing}{'; ' + unheld if unheld else ''}.", also, site_caption(r)]
        )
    )


def by_chip_table(r: Result) -> pd.DataFrame:
    """The run on every chip (P50 figures), chip short names as the index, units in the labels."""
    t = r.p50
    frame = pd.DataFrame(
        {
            "dense peak [TFLOP/s]": r.inputs.chips["peak_tflops"],
            "peak precision": peak_precisions(r),
            "MFU": r.base["mfu"],
            "vendor MFU factor": r.inputs.chips["mfu_factor"],
            "GPU-hours [M]": t["gpu_hours"] / 1e6,
            "days": t["days"],
            "energy [MWh]": t["energy_mwh"],
            "emissions [t CO₂]": t["emissions_tco2"],
            "rental [$ M]": t["rental_cost_usd"] / 1e6,
            "rental basis": shared.rental_bases(r.inputs.used["chips"])
            .reindex(t.index)
            .fillna("")
            .where(holds(r.inputs), ""),
            "ownership [$ M]": t["ownership_cost_usd"] / 1e6,
        }
    )
    return present.by_short_name(frame)


#: The caption of :func:`interconnect_table`.
INTERCONNECT_CAPTION = (
    "Seconds per chip and optimizer step, no overlap, compute at "
    f"{present.pct(scaling.COMPUTE_EFFICIENCY)} of dense BF16 peak. TP: tensor-parallel all-reduces; "
    "EP: expert all-to-all; DP: gradient all-reduce."
)


def interconnect_table() -> pd.DataFrame:
    """Step breakdown of the H100 and the H800 in the two published :data:`LAYOUTS`, no
    overlap; rows ``"model of the layout: chip"``, columns with units [s] and the scaling
    efficiency."""
    steps = {cfg: shared.step_table(cfg, NVLINK_PAIR, overlap=0.0) for cfg in LAYOUTS}
    frame = pd.concat(steps, names=["layout", "chip"]).rename(
        columns={
            "compute_s": "compute [s]",
            "tp_s": "TP [s]",
            "ep_s": "EP [s]",
            "dp_s": "DP [s]",
            "communication_s": "communication [s]",
            "step_s": "step [s]",
            "scaling_efficiency": "efficiency",
        }
    )
    model = {cfg: load("models").loc[load("parallel_configs").loc[cfg, "model_id"], "name"] for cfg in LAYOUTS}
    frame.index = [f"{model[cfg]}: {present.chip_short(chip)}" for cfg, chip in frame.index]
    return frame


def h800_penalty(overlap_levels) -> dict[str, np.ndarray]:
    """Extra H800 step time against the H100 [%] at each overlap level, for both
    :data:`LAYOUTS`: (efficiency on the H100 / efficiency on the H800 − 1) × 100, with efficiency
    = compute / :func:`~analysis.formulas.scaling.step_time_s` (one step breakdown per layout,
    all levels at once)."""
    levels = np.asarray(overlap_levels, dtype=float)
    penalty = {}
    for cfg in LAYOUTS:
        steps = shared.step_table(cfg, NVLINK_PAIR, overlap=0.0)
        compute_s = steps["compute_s"].to_numpy()[:, None]
        efficiency = compute_s / scaling.step_time_s(compute_s, steps["communication_s"].to_numpy()[:, None], levels)
        penalty[cfg] = (efficiency[0] / efficiency[1] - 1) * 100
    return penalty


def _check_rows(r: pd.Series) -> dict[str, tuple[float, float]]:
    """One run's disclosed figures and what the formulas give from its other disclosed inputs."""
    flop = compute.training_flop(r["active_params"], r["tokens"])
    hours = r["pretraining_gpu_hours"] if pd.notna(r["pretraining_gpu_hours"]) else r["gpu_hours"]
    pue = r["reported_pue"] if pd.notna(r["reported_pue"]) else 1.0
    kwh = power.energy_kwh(r["reported_w_per_gpu"] * pue, r["gpu_hours"])
    return {
        "training FLOP": (r["reported_training_flop"], flop),
        ("pre-training days" if pd.notna(r["pretraining_gpu_hours"]) else "days"): (
            np.nan if r["is_estimate"] else r["days"],
            compute.wall_clock_days(hours, r["chip_count"]) if pd.notna(r["chip_count"]) else np.nan,
        ),
        "cost [USD]": (r["reported_cost_usd"], cost.rental_cost_usd(r["gpu_hours"], r["usd_per_gpu_hour"])),
        "energy [MWh]": (r["energy_mwh"], kwh / 1_000),
        "emissions [t CO2]": (r["emissions_tco2"], power.emissions_tco2(kwh, r["reported_kgco2_per_kwh"])),
    }


#: The heading and lead-in of the section the step-time table opens (``present.table(heading=...)``), printed
#: with the table so the heading never ends a page alone.
INTERCONNECT_SECTION = (
    "Interconnect: what the H800's 400 GB/s NVLink costs",
    "Step time = computation + (1 − overlap) × communication, per chip, for two published layouts. "
    "DeepSeek-V3 sends its expert-parallel all-to-all over 50 GB/s InfiniBand and forwards it inside a node "
    "over NVLink; Llama 3.1 405B splits each layer over 8 GPUs with tensor parallelism, whose all-reduces run "
    "over NVLink alone.",
)
#: The heading and lead-in of the section the arithmetic checks' table opens (``present.table(heading=...)``).
CHECKS_SECTION = (
    "Arithmetic checks against the published runs",
    "Each disclosed figure beside what the same formulas give from the run's other disclosed inputs (its own "
    "GPU-hours, power per GPU, PUE and price). This checks the arithmetic only: the inputs come from the run "
    "itself. The validation report compares the defaults with independent measurements.",
)


def arithmetic_checks() -> pd.DataFrame:
    """Every run of ``training_runs.csv``: each disclosed figure beside what the same formulas give
    from the run's OTHER disclosed inputs (its own hours, power, PUE and price). This checks the
    arithmetic, not the model: the validation report compares defaults with independent data.

    FLOP = 6 · N_active · D (kaplan-2020); days = GPU-hours (pre-training where given) / chips /
    24 for runs not marked as estimates; cost = GPU-hours × the run's $/GPU-hour; energy =
    GPU-hours × the run's W per GPU × its PUE (1 if none); emissions = that energy × the run's
    grid intensity. Columns: ``run``, ``figure``, ``disclosed``, ``computed``, ``error``
    (computed / disclosed − 1).
    """
    rows = [
        {
            "run": r["model"],
            "figure": figure,
            "disclosed": float(disclosed),
            "computed": float(computed),
            "error": float(computed) / float(disclosed) - 1,
        }
        for _, r in load("training_runs").iterrows()
        for figure, (disclosed, computed) in _check_rows(r).items()
        if pd.notna(disclosed) and pd.notna(computed)
    ]
    return pd.DataFrame(rows)


def four_figures(x) -> str:
    """A figure of :func:`arithmetic_checks` to four significant figures, as a reader writes it:
    ``117.5``, ``1,289``, ``24.69`` from 0.001 to 10,000, else :func:`present.sci` (``5.576 ×
    10⁶``, ``3.791 × 10²⁵``) kept on one line; never ``e+`` notation."""
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:,.4g}"  # below 10⁴ the g format writes no exponent
    return present.sci(x, digits=4).replace(" ", "\u00a0")


def site_record(r: Result) -> dict:
    """Which site the JSON's energy and emissions are at (:func:`run_site`): ``basis`` ``run`` (the
    run's disclosed site figures) or ``region``, the region (its electricity price, and the figures
    the run does not state) and why it is that region (``region_basis``, :func:`run_region`), the source
    key of the run's site figures (None at the region) and the sentence the report prints
    (:func:`site_words`). The figures themselves, with their sources, are the inputs block's ``pue`` and
    ``grid_kgco2_per_kwh``."""
    inp = r.inputs
    return {
        "basis": inp.site_basis,
        "region": inp.site.region,
        "region_basis": region_basis(inp),
        "source": inp.run.site_source if inp.site_basis == "run" else None,
        "words": site_words(r),
    }


def key_figures(r: Result) -> dict:
    """The JSON of the report contract: the run's own chip (P50 with P10/P90), its MFU and
    goodput, the site its energy and emissions are at (:func:`site_record`), the arithmetic checks
    and every chip's P50 figures."""
    chip = r.inputs.run.chip
    own = {k: r.p50.loc[chip, k] for k in FIGURES}
    bands = {f"{k}_{q}": getattr(r, q).loc[chip, k] for k in FIGURES for q in ("p10", "p90")}
    return {
        "training_flop": r.training_flop,
        **own,
        **bands,
        "mfu": r.inputs.mfu,
        "mfu_basis": r.inputs.mfu_basis,
        "site": site_record(r),
        "chip": chip,
        "goodput": float(r.p50.loc[chip, "goodput"]),
        "arithmetic_checks": arithmetic_checks().to_dict(orient="records"),
        "by_chip": {c: {k: r.p50.loc[c, k] for k in FIGURES} for c in r.inputs.chips.index},
    }


def plot_by_chip(r: Result) -> None:
    """The same run on every chip (P50): wall-clock days, and rental beside ownership cost
    [USD millions], chips sorted by days; right of each row's bars, which cost is not sourced (n/a) and the
    basis of a rent that is not a market quote (:func:`cost_notes`,
    :func:`analysis.assembly.inputs.rental_basis`), with room kept for them on the axis."""
    import matplotlib.pyplot as plt

    shown = by_chip_table(r)
    order = shown["days"].sort_values().index
    colors = present.chip_colors(r.inputs.chips.index)
    by_name = dict(zip(shown.index, (colors[c] for c in r.inputs.chips.index)))
    # the page's figure width; 0.2 in per chip: with 23 chips it prints about 5.8 in tall, so it fits
    # under page 2's text (0.27 in per chip pushed it to page 3 and left page 2 two-thirds empty)
    fig, axes = plt.subplots(1, 2, figsize=(present.FIGURE_WIDTH_IN, 0.2 * len(order) + 1.4), sharey=True)
    axes[0].barh(order, shown.loc[order, "days"].fillna(0), color=[by_name[c] for c in order])
    for i, days in enumerate(shown.loc[order, "days"]):  # a chip that cannot hold the run at its count
        if np.isnan(days):
            axes[0].text(0, i, " n/a", va="center", fontsize=present.small_pt(), color="#555")
    axes[0].set_xlabel(f"days on {present.counted(r.inputs.run.chip_count, 'chip')}")
    axes[0].set_title("Wall-clock time")
    axes[0].invert_yaxis()
    costs = shown.loc[order, ["rental [$ M]", "ownership [$ M]"]]
    y = np.arange(len(order))
    for offset, name, color in ((-0.2, "rental", "#4c72b0"), (0.2, "ownership", "#dd8452")):
        axes[1].barh(y + offset, costs[f"{name} [$ M]"].fillna(0), height=0.4, color=color, label=name)
    for i, words in enumerate(cost_notes(costs, shown.loc[order, "rental basis"])):  # right of the row's bars
        if words:
            end = float(costs.iloc[i].fillna(0).max())
            axes[1].text(  # on white, so the row's grid line does not strike it through
                end,
                i,
                f" {words}",
                va="center",
                fontsize=present.small_pt(),
                color="#555",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3},
            )
    axes[1].set_xlim(right=float(costs.max().max()) * 1.6 if costs.notna().any().any() else 1.0)
    axes[1].set_xlabel("USD millions")
    axes[1].set_title("Cost of the run")
    axes[1].legend(loc="lower right")
    fig.suptitle(f"The same run on every chip (P50 of {r.inputs.draws:,} draws)", fontweight="bold")
    fig.tight_layout()
    present.show(fig, alt=f"Days and cost of {r.inputs.run.name} on every chip; fastest: {order[0]}")


def cost_notes(costs: pd.DataFrame, bases: pd.Series) -> list[str]:
    """Per row of the cost panel of :func:`plot_by_chip` (columns ``rental [$ M]``, ``ownership [$ M]``),
    one note printed right of the row's longer bar, never over a bar: ``n/a`` where both costs are missing,
    ``rental n/a`` or ``ownership n/a`` where one is, and a rent that is not a market quote by its basis
    (``DeepSeek's assumed rent``); empty where there is nothing to say."""
    notes = []
    for (rental, owned), basis in zip(costs.isna().to_numpy().tolist(), bases):
        words = ["n/a"] if rental and owned else ["rental n/a"] * rental + ["ownership n/a"] * owned
        words += [basis] if basis and basis != shared.MARKET_RENT and not rental else []
        notes.append("; ".join(words))
    return notes


def plot_h800_penalty() -> None:
    """Extra H800 step time against the H100 [%] as overlap hides communication, for both
    :data:`LAYOUTS` (:func:`h800_penalty` at 21 levels from 0 to 1; independent of the
    parameters, so it is drawn once per version of the data and shown again: a warm kernel's
    later reports do not draw it anew, an edit of ``data/`` draws it again)."""
    _h800_penalty_shown().show()


@per_data
def _h800_penalty_shown():
    """What :func:`plot_h800_penalty` displays (IPython's captured outputs: the figure as
    :func:`present.finish` shows it), drawn on the first call for each version of the data
    (:func:`analysis.catalog.per_data`)."""
    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    levels = np.linspace(0, 1, 21)
    with capture_output() as shown:
        penalty = h800_penalty(levels)
        fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 3.8))
        for (cfg, values), style in zip(penalty.items(), ("-", "--")):
            ax.plot(levels, values, style, lw=2, label=cfg)
        ax.legend()
        present.finish(
            ax,
            "H800 penalty against the H100 as overlap hides communication",
            "overlap (share of communication hidden)",
            "extra H800 time per step [%]",
            alt=f"H800 penalty: {penalty['llama-3.1-405b-pretraining'][0]:.0f} % without overlap "
            "in a tensor-parallel layout, 0 % in DeepSeek-V3's",
        )

    return shown
