"""The package's value for each published case of ``data/validation_cases.csv`` (the validation
report's model functions): the case's disclosed setup entered, every other input at its default.

:func:`modelled_case` reads a case's ``method`` and ``setup`` (:func:`parse_setup`) and calls the
package's own functions — the training_run report (:func:`training_run_case`), the per-chip power
model (:func:`system_power_case`, :func:`power_per_flop_ratio`) and the inference_cost report's
serving model (:func:`serving_case`, through its ``serving_chips``, ``serving_prefill_tokens_per_s``
and ``serving_decode_tokens_per_s`` with its serving settings, ``serving_setting``) — at the
base point and at the seeded Monte Carlo draws of the inputs each model treats as uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..catalog import load, lookup
from ..formulas import inference, power, uncertainty
from ..formulas import utilisation as mfu_prior
from . import chip_parity, params, serving_observations, training_run
from . import inference_cost as serving
from . import inputs as shared

#: Keys a setup may hold besides training_run's parameters: the chip whose figure is read.
READ_CHIP = "read_chip"
#: The serving cases' architecture (DeepSeek-V3 and R1 share it).
DEEPSEEK = "deepseek-v3"
#: CloudMatrix-Infer's prompt and KV length (``cloudmatrix-serving-2025``) [tokens].
CLOUDMATRIX_TOKENS = 4_096
#: llm-analysis' Llama-2-70B case (``llm-analysis-tests``): chip, chips per replica (TP 2),
#: prompt and generated tokens.
LLAMA2_CHIP = "a100-sxm-80gb"
LLAMA2_CHIPS = 2
LLAMA2_PROMPT_TOKENS = 512
LLAMA2_OUTPUT_TOKENS = 512
#: The Monte Carlo of every case: the reports' default seed and number of draws.
SEED = params.MONTE_CARLO["seed"]
DRAWS = params.MONTE_CARLO["draws"]
#: The serving model's uncertain inputs (as inference_cost draws them; the batch where undisclosed).
SERVING_DRAWN = ("mfu", "hbm_efficiency", "decode_mfu")
#: The rows of ``data/decode_batches.csv`` that the named serving cases run (their disclosed setups).
CASE_BATCHES = {"deepseek-h800": serving.DEEPSEEK_BATCH, "cloudmatrix-910c": "cloudmatrix-910c-decode"}


#: A band no wider than this share of its P50 has no width: no uncertain input reaches the case, whose
#: model is a point prediction (e.g. the DGX H100's power: the H100's TDP and its one-system server ratio
#: are fixed).
POINT_WIDTH = 1e-9


def is_point(p10, p50, p90):
    """Whether each band has no width, P90 − P10 ≤ :data:`POINT_WIDTH` × |P50|: a point prediction (no
    uncertain input reaches the case). A case without a band (NaN) is not one."""
    p10, p50, p90 = (np.asarray(x, dtype=float) for x in (p10, p50, p90))
    return (p90 - p10) <= POINT_WIDTH * np.abs(p50)


@dataclass(frozen=True)
class Modelled:
    """The package's value for a case: ``value`` at the base point (every input at its default)
    and ``draws``, the same figure at the seeded Monte Carlo draws of the inputs the case keeps
    uncertain (its band comes from :func:`analysis.formulas.uncertainty.percentiles`)."""

    value: float
    draws: np.ndarray
    basis: str = ""  # the utilisation a training case used, in words ("" for other cases)

    @property
    def central(self) -> float:
        """The case's modelled value (the validation report's rule of 2026-12-07): the P50 of ``draws``
        (:func:`analysis.formulas.uncertainty.percentiles`), the figure its report quotes as the answer;
        ``value``, the base point, where there are no draws or they have no width (:func:`is_point`)."""
        if not len(self.draws):
            return float(self.value)
        band = uncertainty.percentiles(self.draws)
        point = bool(is_point(band["p10"], band["p50"], band["p90"]))
        return float(self.value) if point or not np.isfinite(band["p50"]) else float(band["p50"])


def _model(model_id: str) -> pd.Series:
    """A row of ``data/models.csv``."""
    return lookup(load("models"), model_id, "model")


def _default(name: str):
    """The serving default of setting ``name`` (``mfu``, ``hbm_efficiency``, ``batch_size``): the
    one resolution every report uses, :func:`analysis.assembly.inference_cost.serving_setting`."""
    return serving.serving_setting(name, None).value


@dataclass(frozen=True)
class ServingSetup:
    """A serving case's disclosed setup: ``chip``, ``model`` (a row of ``models.csv``),
    ``precision`` of the matmuls, ``attended_tokens`` (mean context a computed prompt token
    attends to), ``context_tokens`` (decode KV length) and ``batch_size`` (sequences per replica;
    None where none is disclosed: the default, drawn over the published batches)."""

    chip: str
    model: pd.Series
    precision: str
    attended_tokens: float
    context_tokens: float
    batch_size: float | None


def serving_setup(setup: dict) -> ServingSetup:
    """The :class:`ServingSetup` of a case: a named published case (``case=``) or the setup's
    own ``model``, ``chip``, ``precision`` (default ``fp8``), ``context_tokens`` (a fresh prompt
    of that length attends to half of it) and ``batch_size``.

    ``deepseek-h800`` (``deepseek-inference-overview``): DeepSeek-V3/R1 on H800, FP8 matmuls,
    BF16 attention; prompts taken as the disclosed average KV length (4,989 tokens) with 56.3 % of
    them cached, so a computed token attends to 4,989 × (0.563 + 0.437 / 2) = 3,899 tokens; decode
    at that context and the batch the disclosure lets derive (:data:`CASE_BATCHES`: 1,850 / 21
    tokens/s per user = 88.1 sequences per GPU × 144 of the EP144 unit).
    ``cloudmatrix-910c`` (``cloudmatrix-serving-2025``): DeepSeek-R1 INT8 on one Ascend 910C
    package, fresh 4,096-token prompts (mean attended 2,048); decode at 96 per NPU × 160 NPUs,
    KV length 4,096 (multi-token prediction not modelled). ``batch=<batch_id>``: that row's batch
    per replica (``data/decode_batches.csv``); none: None (the default, drawn by :func:`serving_case`).
    """
    case = setup.get("case")
    batch = CASE_BATCHES.get(case, setup.get("batch"))
    batch_size = None if batch is None else serving_observations.batch_per_replica(batch)
    if case == "deepseek-h800":
        kv = serving.reference_value("deepseek-serving-kv-length")
        attended = inference.mean_attended_tokens(
            kv, cached_share=serving.reference_value("deepseek-serving-cache-hit-share")
        )
        return ServingSetup("h800-sxm", _model(DEEPSEEK), "fp8", float(attended), kv, batch_size)
    if case == "cloudmatrix-910c":
        attended = float(inference.mean_attended_tokens(CLOUDMATRIX_TOKENS))
        return ServingSetup("ascend-910c", _model(DEEPSEEK), "fp8", attended, CLOUDMATRIX_TOKENS, batch_size)
    if case is not None or "chip" not in setup:
        raise ValueError(f"unknown serving case {case!r}; expected deepseek-h800, cloudmatrix-910c or chip=…")
    context = float(setup["context_tokens"])
    return ServingSetup(
        chip=setup["chip"],
        model=_model(setup.get("model", DEEPSEEK)),
        precision=setup.get("precision", "fp8"),
        attended_tokens=float(inference.mean_attended_tokens(context)),
        context_tokens=context,
        batch_size=batch_size,
    )


def prefill_rate(s: ServingSetup, *, mfu) -> np.ndarray:
    """Computed prefill tokens/s per chip of a :class:`ServingSetup` at utilisation ``mfu`` (a
    number or an array of draws): the inference_cost report's
    :func:`~analysis.assembly.inference_cost.serving_prefill_tokens_per_s`."""
    chips = serving.serving_chips([s.chip], s.precision)
    return serving.serving_prefill_tokens_per_s(chips, s.model, attended_tokens=s.attended_tokens, mfu=mfu)


def decode_rate(s: ServingSetup, *, mfu, hbm_efficiency, batch_size=None) -> np.ndarray:
    """Decode output tokens/s per chip of a :class:`ServingSetup` (the report's roofline,
    :func:`~analysis.assembly.inference_cost.serving_decode_tokens_per_s`) at ``mfu`` and
    ``hbm_efficiency`` (numbers or arrays of draws), at the setup's batch or ``batch_size``."""
    batch = s.batch_size if batch_size is None else batch_size
    rate, _ = serving.serving_decode_tokens_per_s(
        serving.serving_chips([s.chip], s.precision),
        s.model,
        batch_size=_default("batch_size") if batch is None else batch,
        context_tokens=s.context_tokens,
        precision=s.precision,
        mfu=mfu,
        hbm_efficiency=hbm_efficiency,
    )
    return rate


def prefill_tokens_per_s(case: str, *, mfu: float | None = None) -> float:
    """Modelled computed (cache-miss) prefill tokens/s per chip of a named published case
    (:func:`serving_setup`) at the serving utilisation (or ``mfu``). Measured: DeepSeek 4,026
    (73.7k / 8 × 0.437); CloudMatrix 5,655 (default expert balancer)."""
    if case not in ("deepseek-h800", "cloudmatrix-910c"):
        raise ValueError(f"unknown prefill case {case!r}; expected deepseek-h800 or cloudmatrix-910c")
    rate = prefill_rate(serving_setup({"case": case}), mfu=_default("mfu") if mfu is None else mfu)
    return float(np.asarray(rate).ravel()[0])


def decode_tokens_per_s(
    case: str, *, mfu: float | None = None, hbm_efficiency: float | None = None, batch_size: int | None = None
) -> float:
    """Modelled decode output tokens/s per chip of a named published case (:func:`serving_setup`) at the
    serving defaults (or the given values). Measured: DeepSeek 1,850 (14.8k / 8); CloudMatrix 1,943."""
    if case not in ("deepseek-h800", "cloudmatrix-910c"):
        raise ValueError(f"unknown decode case {case!r}; expected deepseek-h800 or cloudmatrix-910c")
    rate = decode_rate(
        serving_setup({"case": case}),
        mfu=_default("decode_mfu") if mfu is None else mfu,
        hbm_efficiency=_default("hbm_efficiency") if hbm_efficiency is None else hbm_efficiency,
        batch_size=batch_size,
    )
    return float(np.asarray(rate).ravel()[0])


def serving_case(method: str, setup: dict, case_id: str = "") -> Modelled:
    """A serving case (``inference_cost.prefill``, ``.decode`` or ``.daily_cost``) at the serving
    defaults and at the seeded draws of inference_cost's ranges (:data:`SERVING_DRAWN`); without a
    disclosed batch, the batch drawn from other deployments' (:func:`.serving_observations.batch_prior`
    without the rows naming ``case_id``), base at their median."""
    s = serving_setup(setup)
    ranges = serving.inputs(model=s.model.name, chips=[s.chip], precision=s.precision).ranges
    drawn = {name: ranges[name] for name in SERVING_DRAWN}
    if s.batch_size is None:
        drawn["batch_size"] = serving_observations.batch_prior([case_id]).sampler()

    def figure(x):
        mfu, hbm, decode_mfu = (np.asarray(x[name], dtype=float) for name in ("mfu", "hbm_efficiency", "decode_mfu"))
        batch = np.asarray(x["batch_size"], dtype=float) if "batch_size" in x else None
        if method == "inference_cost.prefill":
            return prefill_rate(s, mfu=mfu)
        if method == "inference_cost.decode":
            return decode_rate(s, mfu=decode_mfu, hbm_efficiency=hbm, batch_size=batch)
        return serving.daily_cost_usd(
            setup,
            prefill_tokens_per_s=prefill_rate(s, mfu=mfu),
            decode_tokens_per_s=decode_rate(s, mfu=decode_mfu, hbm_efficiency=hbm, batch_size=batch),
        )

    base = np.asarray(figure(shared.base_point(drawn)), dtype=float).ravel()[0]
    return Modelled(float(base), np.asarray(figure(uncertainty.draw(drawn, DRAWS, SEED)), dtype=float).ravel())


def llama2_decode_latency_s(*, mfu: float | None = None, hbm_efficiency: float | None = None) -> float:
    """Modelled total decode latency [s] of Llama-2-70B on 2 × A100-SXM-80GB, TP 2, batch 1,
    512 prompt + 512 generated tokens, 16-bit weights and KV (``llm-analysis-tests``): the sum
    over the 512 steps (context 512 … 1,023) of the step time of the 2-chip replica,
    1 / (2 × tokens/s per chip). llm-analysis asserts 18.06 s at 100 % efficiencies (a model
    output); pass ``mfu=1, hbm_efficiency=1`` for the like-for-like value."""
    context = LLAMA2_PROMPT_TOKENS + np.arange(LLAMA2_OUTPUT_TOKENS)
    rate, _ = serving.serving_decode_tokens_per_s(
        serving.serving_chips([LLAMA2_CHIP], "bf16"),
        _model("llama-2-70b"),
        batch_size=1,
        context_tokens=context,
        precision="bf16",
        mfu=_default("decode_mfu") if mfu is None else mfu,
        hbm_efficiency=_default("hbm_efficiency") if hbm_efficiency is None else hbm_efficiency,
    )
    return float(np.sum(1.0 / (LLAMA2_CHIPS * rate)))


def serving_cases() -> pd.DataFrame:
    """Every serving case of ``data/serving_references.csv`` the model is compared with: name,
    measured, modelled (defaults), error (modelled / measured − 1), source, role."""
    rows = [
        (
            "DeepSeek H800 prefill (computed)",
            "deepseek-serving-prefill-computed-per-h800",
            prefill_tokens_per_s,
            "deepseek-h800",
        ),
        ("DeepSeek H800 decode", "deepseek-serving-decode-per-h800", decode_tokens_per_s, "deepseek-h800"),
        ("CloudMatrix 910C prefill, ideal", "cloudmatrix-prefill-per-npu", prefill_tokens_per_s, "cloudmatrix-910c"),
        ("CloudMatrix 910C prefill", "cloudmatrix-prefill-per-npu-measured", prefill_tokens_per_s, "cloudmatrix-910c"),
        ("CloudMatrix 910C decode", "cloudmatrix-decode-per-npu", decode_tokens_per_s, "cloudmatrix-910c"),
    ]
    values = [(name, ref, model(case)) for name, ref, model, case in rows]
    values.append(
        (
            "Llama-2-70B decode [s]",
            "llm-analysis-llama2-70b-decode-latency",
            llama2_decode_latency_s(mfu=1.0, hbm_efficiency=1.0),
        )
    )
    refs = load("serving_references")
    return pd.DataFrame(
        [
            {
                "name": name,
                "measured": refs.loc[ref, "value"],
                "modelled": value,
                "error": value / refs.loc[ref, "value"] - 1,
                "source": refs.loc[ref, "source"],
                "role": refs.loc[ref, "role"],
            }
            for name, ref, value in values
        ]
    )


# ---------------------------------------------------------------------------------------------
# Every case: its setup and its modelled value


def parse_setup(text) -> dict:
    """``"chip=a100-sxm-80gb; chip_count=384; recompute=true"`` → ``{"chip": "a100-sxm-80gb",
    "chip_count": 384, "recompute": True}``: whole numbers as int, other numbers as float,
    ``true``/``false`` as bool, anything else as text. Empty → ``{}``."""
    if not isinstance(text, str) or not text.strip():
        return {}
    setup = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"setup item {item!r} is not name=value")
        name, raw = name.strip(), raw.strip()
        if raw.lower() in ("true", "false"):
            setup[name] = raw.lower() == "true"
            continue
        try:
            number = float(raw)
        except ValueError:
            setup[name] = raw
            continue
        setup[name] = int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number
    return setup


def disjoint_prior(inp: training_run.Inputs, case_id: str | None) -> training_run.Inputs:
    """``inp`` with its utilisation prior refitted on the observations that share no run with
    case ``case_id`` (:func:`analysis.formulas.utilisation.disjoint_from`), where its MFU comes
    from the prior and some observation measures the same run or code (``validation_overlap``):
    the MFU becomes that prior's median (P50) and the Monte Carlo draws from its observations
    scaled to that median (:func:`analysis.assembly.inputs.mfu_range`), as training_run does with
    the full table. Otherwise ``inp`` unchanged."""
    observations = shared.mfu_observations()
    kept = mfu_prior.disjoint_from(observations, case_id or [])
    if len(kept) == len(observations) or inp.used["mfu"].source != "mfu-observations":
        return inp
    prior = training_run.run_prior(inp.run, inp.chips, precision=inp.mfu_precision, without=case_id or ())
    origin = f"no disclosure: median of {prior.describe()}, without the observations of this case's run"
    used = inp.used | {"mfu": replace(inp.used["mfu"], value=prior.p50, origin=origin)}
    spread, _ = shared.mfu_range(prior.p50, prior, entered=False)  # its median (the base point) is the P50
    return replace(inp, mfu=prior.p50, ranges=inp.ranges | {"mfu": spread}, used=used)


def training_run_case(figure: str, setup: dict, case_id: str | None = None) -> Modelled:
    """A figure of the training_run report (``days``, ``gpu_hours``, ``energy_mwh``, ``goodput``, ``mfu`` …)
    for a case's setup (training_run parameters, ``run=`` first), on the run's chip or on ``read_chip``'s: at
    the base point and at the report's own seeded Monte Carlo draws (:func:`analysis.assembly.inputs.evaluate_points`
    of :func:`~.training_run.figures`, so the band carries the utilisation prior's spread and every other range
    the report draws), with the prior kept disjoint from case ``case_id`` (:func:`disjoint_prior`), for that
    chip and the anchor only (:func:`~.training_run.only_chips`: the same numbers, from the same draws)."""
    inp = disjoint_prior(training_run.inputs(**{k: v for k, v in setup.items() if k != READ_CHIP}), case_id)
    inp = training_run.only_chips(inp, [chip := setup.get(READ_CHIP) or inp.run.chip])
    base, drawn = shared.evaluate_points(training_run.figures, inp)
    column, mfu = list(inp.chips.index).index(chip), inp.used["mfu"]
    peak = str(inp.chips.loc[chip, "peak_precision"])  # the peak the chip is costed at; the prior's is the MFU's
    carried = (
        ""
        if peak.lower() == inp.mfu_precision
        else f", {float(np.asarray(base['mfu'])[0, column]):.3f} of its {peak} peak"
    )
    basis = f"an MFU of {float(mfu.value):.3f}{carried} ({mfu.origin})" if mfu.source == "mfu-observations" else ""
    value = float(np.asarray(base[figure])[0, column])
    return Modelled(value, np.asarray(drawn[figure], dtype=float)[:, column], basis)


def _power_setup(setup: dict) -> tuple[str, float]:
    """(chip id, chip count) of a system power case: a system of ``systems.csv`` (``system=``)
    or the setup's ``chip`` and ``chip_count``."""
    if "system" in setup:
        system = load("systems").loc[setup["system"]]
        return system["chip_id"], float(system["chips"])
    return setup["chip"], float(setup["chip_count"])


def server_power_ratio_range(chips: pd.DataFrame) -> tuple[float, float, float]:
    """(low, base, high) of the server power ratio of the (one) chip of ``chips``
    (:func:`analysis.assembly.inputs.chips` rows): a chip with its own ratio in ``chips.csv``
    (``epoch-chip-to-server-power``) keeps it as the base, drawn between the lowest and highest
    ratio of the NVIDIA systems behind it (``server_power_ratios.csv``; low = high where one
    system sets it); a chip without one gets the library's ratio with the range of the
    chip-specific ratios of the catalog (the published ratios a chip without its own figure
    could equally have)."""
    row = chips.iloc[0]
    base = float(row.get("server_power_ratio_used", power.SERVER_POWER_RATIO))
    own = load("chips").get("server_power_ratio", pd.Series(dtype=float)).dropna()
    if row.get("server_power_ratio") == row.get("server_power_ratio") or own.empty:
        ranges = load("server_power_ratios")
        if row.name not in ranges.index:
            return (base, base, base)
        low, high = ranges.loc[row.name, ["server_power_ratio_low", "server_power_ratio_high"]]
        return (min(float(low), base), base, max(float(high), base))
    return (min(float(own.min()), base), base, max(float(own.max()), base))


def system_power_case(setup: dict) -> Modelled:
    """A system's power at full load from the per-chip model [kW]: chips × max W per chip
    (:func:`analysis.assembly.inputs.max_w_per_chip`: TDP × server power ratio,
    ``epoch-chip-to-server-power``, or the system's own figure for a chip without a TDP;
    :func:`analysis.formulas.power.it_power_w` at load 1), at the base point and at the seeded
    draws of the chip's TDP range and its server power ratio range
    (:func:`server_power_ratio_range`)."""
    chip, count = _power_setup(setup)
    chips = shared.chips([chip])
    drawn = {"TDP": shared.chip_ranges(chips)[f"{chip} TDP"], "server_power_ratio": server_power_ratio_range(chips)}

    def figure(x):
        tdp, ratio = (np.asarray(x[name], dtype=float)[:, None] for name in ("TDP", "server_power_ratio"))
        max_w = shared.max_w_per_chip(chips, tdp, server_power_ratio=ratio)[:, 0]
        return power.it_power_w(count, max_w, load_factor=1.0) / 1e3

    base = float(np.asarray(figure(shared.base_point(drawn))).ravel()[0])
    return Modelled(base, np.asarray(figure(uncertainty.draw(drawn, DRAWS, SEED)), dtype=float))


def power_per_flop_ratio(setup: dict) -> float:
    """Power per dense BF16 FLOP of one system (``system=``) over another's (``versus=``), from
    the per-chip model (the chip_parity report's systems table)."""
    systems = chip_parity.systems_table()
    column = "W per TFLOP/s (per-chip model)"
    return float(systems.loc[setup["system"], column] / systems.loc[setup["versus"], column])


def _fixed(value: float) -> Modelled:
    """A value without uncertain inputs: no draws (no band)."""
    return Modelled(float(value), np.array([], dtype=float))


def modelled_case(case: pd.Series) -> Modelled:
    """The package's value for one case (a row of ``validation_cases.csv``), with default
    parameters and only the case's disclosed setup entered, with its Monte Carlo draws."""
    setup = parse_setup(case["setup"])
    method = case["method"]
    if method == "training_run":
        return training_run_case(case["figure"], setup, case.name)
    if method in ("inference_cost.prefill", "inference_cost.decode", "inference_cost.daily_cost"):
        return serving_case(method, setup, case.name)
    if method == "inference_cost.llama2_decode_latency":
        return _fixed(llama2_decode_latency_s(**setup))
    if method == "systems.power":
        return system_power_case(setup)
    if method == "systems.power_per_flop_ratio":
        return _fixed(power_per_flop_ratio(setup))
    raise ValueError(f"case {case.name}: unknown method {method!r}")
