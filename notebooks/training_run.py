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
from typing import Optional

from analysis.assembly import inputs, present
from analysis.assembly import training_run as report

present.setup()

# %% tags=["parameters"]
# fmt: off
run: str = "deepseek-v3"  # run id of data/training_runs.csv, or custom
total_params: Optional[float] = None  # total parameters; None: the run's
active_params: Optional[float] = None  # parameters active per token (MoE); None: the run's
tokens: Optional[float] = None  # training tokens; None: the run's
chip: Optional[str] = None  # chip id of data/chips.csv; None: the run's
chip_count: Optional[int] = None  # chips in the cluster [chips]; None: the run's
mfu: Optional[float] = None  # model-FLOPs utilisation (of the reference chip where there is one); None: the report's implied or calibrated value (see its appendix)
hfu: Optional[float] = None  # hardware-FLOPs utilisation (with recompute, MFU is HFU × 6/8); None: not given
achieved_tflops: Optional[float] = None  # achieved hardware TFLOP/s per chip [TFLOP/s]; None: not given
recompute: bool = False  # full activation recomputation: the hardware executes 8·N·D instead of 6·N·D
precision: Optional[str] = None  # dense peak and bytes per weight: bf16 | fp8; None: the training run's own precision (training_runs.csv; bf16 for a custom run)
usd_per_gpu_hour: Optional[float] = None  # rental price [USD/chip-hour]; None: the run's, else the chip's base rental
region: Optional[str] = None  # region id of data/regions.csv: electricity price, PUE, grid carbon; None: the average region of the country the run trained in, where it discloses one and that region has an electricity price; else cn-avg-industrial
site: str = "run"  # where a named run's energy and carbon are costed: run (the PUE and grid intensity of the site it trained in, where its developer or a primary source states them; the region for the rest) | region (the region's, as for any run)
usd_per_kwh: Optional[float] = None  # electricity price [USD/kWh]; None: the region's base value
pue: Optional[float] = None  # power usage effectiveness: facility power / IT power [ratio]; None: the site's base value: the run's disclosed PUE where site is run and it has one, else the region's
load_factor: Optional[float] = None  # average draw as a share of maximum server power; None: the library's default
server_power_ratio: Optional[float] = None  # server and network power per chip over its TDP [× TDP]; None: the library's default
years: Optional[float] = None  # depreciation period and cost horizon of owned hardware [years]; None: the library's default
parallel_config: str = "deepseek-v3-pretraining"  # parallel layout of data/parallel_configs.csv
overlap: float = 1.0  # share of communication hidden behind computation
interruptions_per_chip_hour: Optional[float] = None  # job interruptions [per chip-hour]; None: the library's default
restart_hours: Optional[float] = None  # time to detect, restart and reload per interruption [h]; None: the library's default
checkpoint_write_hours: Optional[float] = None  # training stall per checkpoint write [h]; None: the library's default
checkpoint_interval_hours: Optional[float] = None  # time between checkpoints [h]; None: Young–Daly for each cluster size
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
present.say(report.findings(r))

# %%
present.say(
    present.key_inputs(
        r.inputs.used,
        ("peak_tflops", "max_w_per_chip"),
        top=report.KEY_INPUTS,
        chips=[r.inputs.run.chip],
    )
)

# %% [markdown]
# **Terms.** *FLOP*: floating-point operations, the unit of compute. *MFU* (model-FLOPs
# utilisation): the share of a chip's peak arithmetic rate that the model's useful computation
# achieves. *GPU-hours*: chips × hours. *Goodput*: the share of wall-clock time a cluster spends
# training; the rest is lost to interruptions, restarts and checkpoints, more of it the more chips
# one job uses. *FP8*, *BF16*: 8- and 16-bit number formats; on Hopper and Blackwell chips the FP8
# peak is twice the BF16 one. *PUE* (power usage effectiveness): the facility's power over the IT
# equipment's; power "at the meter" includes cooling. *P10–P90*: the range that holds the middle 80 % of the Monte
# Carlo draws (one draw in ten falls below it, one in ten above); a headline figure is their median,
# P50.

# %%
report.plot_by_chip(r)

# %% [markdown]
# ## What the headline figure includes and excludes
# The rental figure counts only the GPU-hours of the final training run at an hourly price. It
# excludes the hardware purchase, prior research, ablation and failed runs, data acquisition and
# staff; DeepSeek's report says as much ("include only the official training"). The ownership view
# charges the hardware for the run's duration only. GPU-hours include the time lost to interruptions
# (see Methods).

# %%
# the heading in the text's output: Chromium keeps a heading with what follows only within one cell
present.say("## The same run on every chip\n\n" + report.precision_note(r))

# %%
shown = report.by_chip_table(r)
present.table(
    shown,
    {
        column: (column, fmt)
        for column, fmt in {
            "dense peak [TFLOP/s]": "{:,.0f}",
            "peak precision": "{}",
            "MFU": "{:.3f}",
            "vendor MFU factor": "{:.2f}",
            "GPU-hours [M]": "{:,.2f}",
            "days": "{:,.1f}",
            "energy [MWh]": "{:,.0f}",
        }.items()
    },
    caption=report.by_chip_caption(r, "no sourced TDP for that chip"),
    name="run_by_chip",
)
# %%
present.table(
    shown,
    {
        column: (column, fmt)
        for column, fmt in {
            "emissions [t CO₂]": "{:,.0f}",
            "rental [$ M]": "{:,.2f}",
            "rental basis": "{}",
            "ownership [$ M]": "{:,.2f}",
        }.items()
    },
    caption=report.by_chip_caption(
        r,
        "no sourced rental, price or TDP for that chip",
        also="Rental basis: a market quote, or DeepSeek's assumed rent (the H800's $2.00 per GPU-hour, an accounting "
        "assumption).",
    ),
    name="cost_by_chip",
)

# %%
present.say(report.rent_text(r))
present.say(report.energy_text(r))
present.say(inputs.basis_note(r.inputs.used))
# %%
steps = report.interconnect_table()
present.table(
    steps,
    {column: (column, "{:.2f}" if "[s]" in column else "{:.3f}") for column in steps.columns},
    caption=report.INTERCONNECT_CAPTION,
    name="step_time",
    heading=report.INTERCONNECT_SECTION,
)
# %%
report.plot_h800_penalty()

# %%
checks = report.arithmetic_checks()
checks.index = checks["run"] + ": " + checks["figure"]
present.table(
    checks,
    {
        "disclosed": ("disclosed", report.four_figures),
        "computed": ("computed", report.four_figures),
        "error": ("error", "{:+.2%}", "relative_error"),
    },
    name="checks",
    row_unit="figure",
    heading=report.CHECKS_SECTION,
)
# %% [markdown]
# ## Methods and assumptions
# - **Training compute** C = 6 · N<sub>active</sub> · D (Kaplan et al. 2020): a mixture-of-experts
#   model counts its activated parameters; attention FLOPs are ignored. With full activation
#   recomputation the chips execute 8 · N · D (Korthikanti et al. 2022): HFU = MFU × 8/6.
# - **Utilisation.** Give `mfu`, `hfu` (MFU = HFU × 6/8 with recomputation) or `achieved_tflops`
#   (hardware TFLOP/s per chip, as Megatron-LM reports it: HFU = achieved / peak). Without them the
#   MFU is implied by the run's disclosed GPU-hours, net of the time the goodput model says was
#   lost to interruptions, so the projection on the run's own chip reproduces the disclosure.
#   Other chips: MFU × vendor factor<sub>chip</sub> / vendor factor<sub>run chip</sub>
#   (data/vendor_efficiency.csv: Huawei 0.78, the median of three throughput readings on the
#   catalog peak, Pangu Ultra MoE and Huawei's MindSpeed-LLM tables against NVIDIA's; 0.44–1.00)
#   × min(1, scaling efficiency<sub>chip</sub> / scaling efficiency<sub>run chip</sub>).
# - **Goodput.** Interruptions per chip-hour λ (Llama 3: 419 in 54 days on 16,384 GPUs =
#   1.97 × 10⁻⁵), each costing the restart time R (TrainMover: 6.47 min) plus half a checkpoint
#   interval T of redone work; each checkpoint stalls training δ (a write to storage: Llama 3
#   405B's state, 405 B parameters × 14 bytes, at Tectonic's sustained 2 TB/s = 2.8 s). T is the Young–Daly
#   optimum √(2 δ / (n λ)), so share of time training = 1 / (1 + n λ R + √(2 δ n λ)); the
#   inputs table shows T at the run's chip count. λ, R and δ are drawn over their sourced ranges
#   (the inputs table's goodput spread), as chip_parity draws them.
# - **Time**: GPU-hours = C / (peak × MFU × 3,600) / goodput; days = GPU-hours / chips / 24.
# - **Interconnect**: step = compute + (1 − overlap) × communication, with TP all-reduces over
#   NVLink, EP all-to-all over the network and NVLink concurrently and the DP gradient all-reduce
#   over the network; links per direction = bidirectional rate / 2 × 0.8. Pipeline traffic,
#   latency and load imbalance are left out: the model ranks chips, it does not predict MFU.
# - **Energy** per chip-hour = TDP × server power ratio × load factor (0.75, Epoch AI) × PUE. The
#   server power ratio is the chip's own where a server's rated power gives it (H100 class: DGX
#   H100 10.2 kW / (8 × 700 W) = 1.82; A100 class: DGX A100 6.5 kW / (8 × 400 W) = 2.03), else
#   Epoch AI's 1.8; the appendix's per-chip inputs give each. A chip without a published TDP
#   (Ascend 910C) takes the rated power per chip of its system (CloudMatrix 384: 559 kW / 384).
# - **Site.** With `site` = `run` (the default) a named run is costed at the PUE and grid intensity
#   of the site it trained in where its developer or a primary source states them
#   (data/training_runs.csv `site_*`: GPT-3 175B, Patterson et al. 2021; BLOOM 176B, Luccioni et
#   al.), the PUE not drawn; the region gives the electricity price and whatever the run does not
#   state. An accounting assumption is not a site (LLaMA's US average). `site` = `region` costs
#   every run at the region. Every chip of the report is costed at the same one site.
# - **Cost**: rental = GPU-hours × $/GPU-hour; ownership = capex ÷ depreciation years × the run's
#   duration + electricity. Capex adds Epoch AI's server (× 1.64) and network (19 % of the total)
#   costs only where the price lacks them (`price_unit`: chip, server share or system share).
# - **Uncertainty**: MFU drawn from the spread of utilisation observations (accounted runs, data/accounted_runs.csv, before published MFUs, data/mfu_observations.csv), vendor factors, chip price, TDP and rental ranges,
#   the region's electricity price and PUE ranges (a disclosed site PUE is not drawn) and the goodput inputs (λ, R, δ; triangular, mode at
#   base; a rent quoted as a market median is drawn with that median as the median of its draws) in a
#   seeded Monte Carlo; figures are P50 with P10–P90.

# %%
present.say("- " + report.vendor_factors(r))

# %%
present.source_list(r.inputs.used)

# %% [markdown]
# ## Appendix: parameters and inputs

# %%
present.appendix(r.inputs.parameters, r.inputs.used, report.PARAMETERS)

# %% tags=["remove_cell"]
present.emit_key_figures(r.inputs.parameters, r.inputs.used, **report.key_figures(r))
