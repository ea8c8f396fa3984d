# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["remove_cell"]
from typing import List, Optional

from analysis.assembly import inference_cost as report
from analysis.assembly import inputs, present, validation_cases

present.setup()

# %% tags=["parameters"]
# fmt: off
model: str = "deepseek-v3"  # architecture id of data/models.csv
chips: List[str] = ["h800-sxm", "h20", "h100-sxm", "h200", "b200", "mi300x", "ascend-910b", "ascend-910c"]  # chip ids of data/chips.csv
batch_size: Optional[int] = None  # sequences decoded together per model replica (all the chips one copy of the model is sharded over) [sequences]; None: the median of published deployments' decode batches (decode_batches.csv), drawn over their spread
input_tokens: int = 2000  # prompt tokens per request [tokens]
output_tokens: int = 500  # generated tokens per request [tokens]
cached_share: float = 0.0  # share of input tokens served from the KV cache
precision: str = "fp8"  # dense peak and bytes per weight: bf16 | fp8
mfu: Optional[float] = None  # model-FLOPs utilisation (of the reference chip where there is one); None: the report's implied or calibrated value (see its appendix)
decode_mfu: Optional[float] = None  # utilisation of the compute in decode (model FLOPs / dense peak) where compute binds; None: the median of published decode throughputs' implied utilisations (decode_observations.csv), drawn over their spread
hbm_efficiency: float = 0.6  # share of HBM bandwidth reached in decode
utilisation: Optional[float] = None  # share of hours an owned chip serves; None: DeepSeek's average / peak nodes
region: str = "cn-avg-industrial"  # region id of data/regions.csv: electricity price, PUE, grid carbon
usd_per_kwh: Optional[float] = None  # electricity price [USD/kWh]; None: the region's base value
pue: Optional[float] = None  # power usage effectiveness: facility power / IT power [ratio]; None: the region's base value
load_factor: Optional[float] = None  # average draw as a share of maximum server power; None: the library's default
server_power_ratio: Optional[float] = None  # server and network power per chip over its TDP [× TDP]; None: the library's default
years: Optional[float] = None  # depreciation period and cost horizon of owned hardware [years]; None: the library's default
seed: int = 0  # Monte Carlo seed (same seed and parameters give the same numbers)
draws: int = 10000  # Monte Carlo draws (memory grows with draws × chips × regions: up to 2.2 GB at 100,000)
# fmt: on

# %% tags=["remove_cell"]
r = report.run(**{name: globals()[name] for name in report.PARAMETERS})

# %%
present.say(report.title(r) + "\n\n" + report.answer(r))

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r, training_ratio=report.h20_training_ratio()) + "\n\n" + report.basis_text(r))

# %%
present.say(present.key_inputs(r.inputs.used, ("matmul_tflops", "hbm_tb_s", "price_usd", "usd_per_gpu_hour")))

# %% [markdown]
# **Terms.** *Prefill* and *decode*: serving a model first processes the prompt (prefill, limited by
# arithmetic) and then generates the answer one token at a time (decode, limited by arithmetic or by
# how fast the chip reads its memory, HBM). *Batch per replica*: the sequences decoded together by
# all the chips one copy of the model is spread over. *Bound by*: whether arithmetic (compute) or
# memory bandwidth limits decode (the roofline model). *Utilisation*: the share of the chip's peak
# arithmetic rate achieved in serving. *Cache hit*: a prompt token the service has already processed
# and reads back from storage. *P10–P90*: the range that holds the middle 80 % of the Monte Carlo
# draws (one draw in ten falls below it, one in ten above); a headline figure is their median, P50.

# %%
report.plot_output_cost(r)

# %% [markdown]
# ## Throughput per chip

# %%
present.table(
    report.throughput_table(r),
    {
        "prefill [computed tokens/s per chip]": (
            "prefill [computed tokens/s per chip]",
            present.count,
            "prefill_tokens_per_s_per_chip_p50",
        ),
        "prefill P10–P90": ("P10–P90", "{}", "prefill_tokens_per_s_per_chip"),
        "decode [output tokens/s per chip]": (
            "decode [output tokens/s per chip]",
            present.count,
            "decode_tokens_per_s_per_chip_p50",
        ),
        "decode P10–P90": ("P10–P90", "{}", "decode_tokens_per_s_per_chip"),
        "decode bound by": ("decode bound by", "{}"),
        "chips per replica": ("chips per replica", "{:,.0f}", "replica_size_chips"),
    },
    caption=f"P50 of {r.inputs.draws:,} draws. Decode at batch {r.inputs.batch_size:,.0f} per replica with "
    f"{present.counted(r.inputs.context_tokens, 'token')} of context per sequence; chips per replica = the capacity floor. "
    "n/a: the chip has no published HBM bandwidth or capacity.",
    name="throughput_by_chip",
)
# %% [markdown]
# ## Cost per token

# %%
costs = report.cost_table(r)
present.table(
    costs,
    {
        column: (column, fmt, header)
        for column, fmt, header in (
            ("chip-hour [$]", present.usd, "usd_per_chip_hour"),
            ("$ per M input tokens", present.usd, "input_usd_per_million_tokens_p50"),
            ("input P10–P90", "{}", "input_usd_per_million_tokens"),
            ("$ per M output tokens", present.usd, "output_usd_per_million_tokens_p50"),
            ("output P10–P90", "{}", "output_usd_per_million_tokens"),
            ("$ per request", present.usd, "usd_per_request"),
            ("n/a because", "{}", "na_because"),
        )
        if column in costs
    },
    caption=f"P50 of the Monte Carlo, {r.inputs.cost_basis} basis for every chip. A request = "
    f"{r.inputs.input_tokens:,} input + {r.inputs.output_tokens:,} output tokens.",
    name="cost_by_chip",
)

# %%
present.say(inputs.basis_note(r.inputs.used))
# %%
report.plot_decode_roofline(r)

# %% [markdown]
# ## API prices and DeepSeek's serving economics

# %%
day = report.deepseek_day()
api = report.api_comparison(r)
if not api.empty:
    present.table(
        api.set_index("label"),
        {
            "v3_price": ("DeepSeek-V3 API [$ per M]", present.usd, "v3_api_usd_per_million_tokens"),
            "r1_price": ("DeepSeek-R1 API [$ per M]", present.usd, "r1_api_usd_per_million_tokens"),
            "modelled": ("modelled cost, H800 [$ per M]", present.usd, "h800_cost_usd_per_million_tokens_p50"),
            "modelled_p10": ("P10", present.usd, "h800_cost_usd_per_million_tokens_p10"),
            "modelled_p90": ("P90", present.usd, "h800_cost_usd_per_million_tokens_p90"),
            "v3_price_over_cost": ("V3 price / cost", "{:.1f}×", "v3_price_to_cost_ratio"),
        },
        caption=f"DeepSeek's standard API prices (until Sep 5 2025) beside this report's cost per million tokens on the "
        f"H800 ({r.inputs.cost_basis} basis, P50 with P10–P90). n/a: the model charges nothing for a cache hit.",
        names=False,
        name="api_prices",
    )
present.say(report.economics_text(r, day))

# %%
cases = validation_cases.serving_cases()
cases["quantity"] = ["time [s]" if name.endswith("[s]") else "rate [tokens/s per chip]" for name in cases["name"]]
present.table(
    cases.set_index("name"),
    {
        "measured": ("published", present.count),
        "modelled": ("modelled", present.count),
        "error": ("error", "{:+.0%}", "relative_error"),
    },
    caption="Tokens/s per chip (H800 GPU; 910C package, 'NPU'), except Llama-2-70B: seconds for 512 tokens "
    "on 2 A100 (TP 2, batch 1). error = modelled / published − 1. 'Ideal': perfect expert load "
    "balance. The Llama-2-70B figure is llm-analysis' model output at 100 % efficiencies (compared "
    "at 100 % here), not a measurement.",
    names=False,
    name="throughput_checks",
    row_unit="quantity",
    heading=report.VALIDATION_SECTION,
)
# %% [markdown]
# ## Methods and assumptions
# - **Prefill** is compute-bound and counted on computed (cache-miss) tokens: time per token =
#   (2 · N<sub>active</sub> / 8-bit peak + attention FLOPs / BF16 peak) / `mfu`. Attention FLOPs
#   per token = 2 · layers · heads · (d<sub>qk</sub> + d<sub>v</sub>) · T (PaLM, App. B, with
#   d<sub>qk</sub> = d<sub>v</sub>: 4·L·H·Q·T), T = tokens attended: the cached prefix plus, causally,
#   half of the computed part. DeepSeek's MLA computes prefill attention decompressed
#   (d<sub>qk</sub> = 192, d<sub>v</sub> = 128) and decode attention in the latent space
#   (576 and 512; DeepSeek-V2, Sec. 2.1). DeepSeek and Huawei run the attention core in BF16.
# - **Utilisation (`mfu`)**: the median of the compute shares that published prefill throughputs
#   with disclosed setups imply by this model (`data/serving_observations.csv`: SGLang on H100 at
#   1K, 2K and 4K prompts and on GB200, Ant Group on H20 — measured / the model's rate at
#   utilisation 1); the Monte Carlo draws from those observations. DeepSeek's throughputs and the
#   CloudMatrix paper's are not used to set the utilisation. The training vendor factors (Huawei
#   0.78) are not applied to serving.
# - **Decode utilisation (`decode_mfu`)**: where compute binds, decode runs at its own utilisation,
#   the median of the compute shares that 4 published decode setups imply, one setup one
#   observation (the median of its operating points): TensorRT-LLM's DeepSeek R1 on 8 H200, its
#   Llama 3.1 405B (FP8) on 8 H200 and on 8 H100, and Oracle's Llama 3.1 405B (FP8) on 8 MI300X at
#   batch 128 and 256 (`data/decode_observations.csv`; the validation report lists every row and
#   why it counts or not). A share is the FLOPs of prefilling the inputs and decoding the outputs
#   over the time they took at the dense peak; only points compute-bound in the roofline, with at
#   least as many output as input tokens, count. The rule (decode gets its own utilisation with at
#   least 4 setups from 2 sources, else the prefill one) was fixed before the shares were computed;
#   MLPerf Inference results are listed but cannot count (MLCommons documents no mean input
#   length). The Monte Carlo draws from those observations.
# - **8-bit peak**: FP8 where the chip has it, else INT8 (W8A8 serving on Ascend and A100), else BF16.
# - **Decode** (roofline): each step reads the weights the batch touches (dense part + the distinct
#   routed experts, E·(1 − (1 − k/E)<sup>B</sup>) per MoE layer) and every sequence's KV cache
#   (context = input + half the output); output tokens/s per chip = B / max(bytes / (HBM bandwidth
#   × `hbm_efficiency`), B × compute time per token), B the batch **per model replica** (all the
#   chips one copy of the model is sharded over: batch per chip × chips). `batch_size` by default is
#   the median of the batches per replica that published deployments disclose or let derive
#   (`data/decode_batches.csv`: DeepSeek's online service, 1,850 tokens/s per H800 at 20–22 tokens/s
#   per user, about 88 sequences per GPU × 144 of its EP144 unit; DeepSeek's profile, 128 × 128;
#   SGLang on H100, 256 × 72, and on GB200, 1,408 × 48; Ant Group's three H20 tiers, 12–48 × 16;
#   CloudMatrix, 96 × 160), and the Monte Carlo draws the batch over them (192 to 67,584): at most of
#   them decode is compute-bound, at the smallest memory-bound. A reader's batch is not drawn.
#   `hbm_efficiency` 0.6 stays an assumption (rooflines overstate real systems; LLM-Viewer's users
#   measured 1.7–1.9× below; the memory-bound decode observations are too few to set it), drawn
#   between the lowest published decode bandwidth share (SGLang on H200 at 2 requests per rank,
#   0.19) and the best a published decode kernel reaches (FlashMLA, 3,000 GB/s on the H800: 0.90).
#   The batch, `hbm_efficiency`, the two utilisations (`mfu`, `decode_mfu`) and `utilisation` (the
#   share of hours an owned chip serves) are the serving defaults of every report: chip_parity's
#   prefill and decode parity use the same values.
#   Not modelled: expert-parallel communication, load imbalance, speculative decoding, scheduling.
# - **Cost basis**: one per ranking. Rental where every chip listed has a market rental price (an
#   assumed rent, as DeepSeek's $2.00 per H800-hour, counts as none); otherwise ownership for every
#   chip: capex (× 1.64 server for a chip price only; ÷ 0.81 network between servers or systems for
#   every price) ÷ years + a year of electricity at TDP × server power ratio × load factor × PUE,
#   divided by 8,760 h × `utilisation`. A chip without a published TDP (Ascend 910C) takes its
#   system's rated power per chip (CloudMatrix 384: 559 kW / 384).
# - **Cost per million tokens** = chip-hour / (tokens/s × 3,600) × 10⁶; cached input tokens are free.
# - **DeepSeek's day** (Feb 27–28 2025): the disclosed cost is average nodes × 8 H800 × 24 h × $2;
#   the modelled cost is the H800-hours the day's computed input and output tokens take at the
#   modelled rates for DeepSeek's disclosed setup (average KV length 4,989 tokens, 56.3 % cache hits,
#   FP8) × $2 — the validation report's case, one function. Revenue = each kind of token × its
#   API price.
# - **Uncertainty**: prefill MFU from the published prefill utilisations, decode's from the
#   published decode utilisations, HBM efficiency between published
#   decode bandwidth shares, the default batch over published deployments' batches, chip price, TDP and rental ranges,
#   electricity price and PUE ranges (triangular, mode at base; a rent quoted as a market median is
#   drawn with that median as the median of its draws), seeded Monte Carlo; figures are the
#   P50 with P10–P90.

# %%
present.source_list(r.inputs.used)

# %%
present.appendix(  # the heading in the table's output: it never ends a page
    r.inputs.parameters, r.inputs.used, report.PARAMETERS, heading=("Appendix: parameters and inputs", "")
)

# %% tags=["remove_cell"]
present.emit_key_figures(r.inputs.parameters, r.inputs.used, **report.key_figures(r, day=day))
