"""The package's value for each published case of ``data/validation_cases.csv`` (the validation
report's model functions): the case's disclosed setup entered, every other input at its default.

:func:`modelled` reads a case's ``method`` and ``setup`` (:func:`parse_setup`) and calls the
package's own report functions: the training_run report at its base point
(:func:`training_run_value`), the per-chip power model (:func:`system_power_kw`,
:func:`power_per_flop_ratio`, via :mod:`.chip_parity`'s systems table) and the serving model.

The serving cases run the inference_cost report's own serving model
(:func:`~analysis.assembly.inference_cost.serving_chips`,
:func:`~analysis.assembly.inference_cost.serving_prefill_tokens_per_s`,
:func:`~analysis.assembly.inference_cost.serving_decode_tokens_per_s`), with its calibrated
utilisation (:func:`~analysis.assembly.inference_cost.calibrated_mfu`) and its defaults for the
HBM efficiency and the batch, so a case tests exactly the arithmetic the report uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import load, lookup
from ..formulas import inference, power
from . import chip_parity, training_run
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


def _model(model_id: str) -> pd.Series:
    """A row of ``data/models.csv``."""
    return lookup(load("models"), model_id, "model")


def _default(name: str):
    """The inference_cost report's default of parameter ``name``."""
    return serving.PARAMETERS[name].default


def prefill_tokens_per_s(case: str, *, mfu: float | None = None) -> float:
    """Modelled computed (cache-miss) prefill tokens/s per chip for a published case, with default
    parameters (``mfu``: the calibrated utilisation) and only the case's disclosed setup entered.

    ``deepseek-h800`` (``deepseek-inference-overview``): DeepSeek-V3/R1 on H800, FP8 matmuls,
    BF16 attention; prompts taken as the disclosed average KV length (4,989 tokens) with 56.3 % of
    them cached, so a computed token attends to 4,989 × (0.563 + 0.437 / 2) = 3,899 tokens.
    Measured: 4,026 (73.7k / 8 × 0.437).
    ``cloudmatrix-910c`` (``cloudmatrix-serving-2025``): DeepSeek-R1 INT8 on one Ascend 910C
    package, fresh 4,096-token prompts (mean attended 2,048). Measured: 6,688 (perfect EPLB) /
    5,655 (default EPLB).
    """
    if case == "deepseek-h800":
        chip = "h800-sxm"
        attended = inference.mean_attended_tokens(
            serving.reference_value("deepseek-serving-kv-length"),
            cached_share=serving.reference_value("deepseek-serving-cache-hit-share"),
        )
    elif case == "cloudmatrix-910c":
        chip, attended = "ascend-910c", inference.mean_attended_tokens(CLOUDMATRIX_TOKENS)
    else:
        raise ValueError(f"unknown prefill case {case!r}; expected deepseek-h800 or cloudmatrix-910c")
    rate = serving.serving_prefill_tokens_per_s(
        serving.serving_chips([chip], "fp8"),
        _model(DEEPSEEK),
        attended_tokens=attended,
        mfu=serving.calibrated_mfu() if mfu is None else mfu,
    )
    return float(rate[0])


def decode_tokens_per_s(
    case: str, *, mfu: float | None = None, hbm_efficiency: float | None = None, batch_size: int | None = None
) -> float:
    """Modelled decode output tokens/s per chip for a published case, default parameters (the
    calibrated utilisation, the inference_cost report's HBM efficiency).

    ``deepseek-h800``: DeepSeek-V3 on H800, FP8 weights, BF16 latent KV cache, context = the
    disclosed average KV length 4,989; the batch is not disclosed, so the inference_cost report's
    default batch is used. Measured: 1,850 (14.8k / 8).
    ``cloudmatrix-910c``: DeepSeek-R1 INT8 on Ascend 910C, batch 96 per NPU × 160 NPUs per decode
    instance, KV length 4,096 (multi-token prediction not modelled). Measured: 1,943.
    """
    if case == "deepseek-h800":
        chip, context = "h800-sxm", serving.reference_value("deepseek-serving-kv-length")
        batch = _default("batch_size") if batch_size is None else batch_size
    elif case == "cloudmatrix-910c":
        chip, context = "ascend-910c", CLOUDMATRIX_TOKENS
        disclosed = serving.reference_value("cloudmatrix-decode-batch-per-npu") * serving.reference_value(
            "cloudmatrix-decode-npus"
        )
        batch = disclosed if batch_size is None else batch_size
    else:
        raise ValueError(f"unknown decode case {case!r}; expected deepseek-h800 or cloudmatrix-910c")
    rate, _ = serving.serving_decode_tokens_per_s(
        serving.serving_chips([chip], "fp8"),
        _model(DEEPSEEK),
        batch_size=batch,
        context_tokens=context,
        precision="fp8",
        mfu=serving.calibrated_mfu() if mfu is None else mfu,
        hbm_efficiency=_default("hbm_efficiency") if hbm_efficiency is None else hbm_efficiency,
    )
    return float(rate[0])


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
        mfu=serving.calibrated_mfu() if mfu is None else mfu,
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


def training_run_value(figure: str, setup: dict) -> float:
    """A figure of the training_run report (``days``, ``gpu_hours``, ``energy_mwh``,
    ``goodput``, ``mfu`` …) at its base point (no Monte Carlo) for a case's setup (training_run
    parameters, ``run=`` first): on the run's chip, or on ``read_chip``'s."""
    setup = dict(setup)
    read = setup.pop(READ_CHIP, None)
    inp = training_run.inputs(**setup)
    values = training_run.figures(shared.base_point(inp.ranges), inp)
    column = list(inp.chips.index).index(read or inp.run.chip)
    return float(np.asarray(values[figure])[0, column])


def system_power_kw(setup: dict) -> float:
    """A system's (``system=``) power at full load from the per-chip model [kW]: chips × max W
    per chip (TDP × server power ratio, ``epoch-training-cost-trends``, or the system's own
    figure for a chip without a TDP)."""
    system = load("systems").loc[setup["system"]]
    max_w = shared.chips([system["chip_id"]])["max_w_per_chip"].iloc[0]
    return float(power.it_power_w(system["chips"], max_w, load_factor=1.0)) / 1e3


def power_per_flop_ratio(setup: dict) -> float:
    """Power per dense BF16 FLOP of one system (``system=``) over another's (``versus=``), from
    the per-chip model (the chip_parity report's systems table)."""
    systems = chip_parity.systems_table()
    column = "W per TFLOP/s (per-chip model)"
    return float(systems.loc[setup["system"], column] / systems.loc[setup["versus"], column])


def modelled(case: pd.Series) -> float:
    """The package's value for one case (a row of ``validation_cases.csv``), with default
    parameters and only the case's disclosed setup entered."""
    setup = parse_setup(case["setup"])
    method = case["method"]
    if method == "training_run":
        return training_run_value(case["figure"], setup)
    if method == "inference_cost.prefill":
        return prefill_tokens_per_s(setup["case"])
    if method == "inference_cost.decode":
        return decode_tokens_per_s(setup["case"])
    if method == "inference_cost.llama2_decode_latency":
        return llama2_decode_latency_s(**setup)
    if method == "systems.power":
        return system_power_kw(setup)
    if method == "systems.power_per_flop_ratio":
        return power_per_flop_ratio(setup)
    raise ValueError(f"case {case.name}: unknown method {method!r}")
