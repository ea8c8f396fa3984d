# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["remove_cell"]
from typing import List, Optional

from analysis.assembly import chip_parity as report
from analysis.assembly import inputs, present

present.setup()

# %% tags=["parameters"]
# fmt: off
reference_chip: str = "h100-sxm"  # chip id the others are measured against
reference_count: int = 2048  # number of reference chips [chips]
candidates: List[str] = ["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c", "b200"]  # chip ids to compare with the reference
workload: str = "training"  # training | prefill | decode
mfu: float = 0.4  # model-FLOPs utilisation (of the reference chip where there is one)
parallel_config: str = "deepseek-v3-pretraining"  # parallel layout of data/parallel_configs.csv
overlap: float = 1.0  # share of communication hidden behind computation
precision: str = "bf16"  # dense peak and bytes per weight: bf16 | fp8
model: str = "deepseek-v3"  # architecture id of data/models.csv
batch_size: Optional[int] = None  # sequences decoded together per model replica (all the chips one copy of the model is sharded over) [sequences]; None: the median of published deployments' decode batches (decode_batches.csv), drawn over their spread
context_tokens: int = 2048  # tokens of context per sequence: the KV cache in decode, the prompt in prefill [tokens]
hbm_efficiency: float = 0.6  # share of HBM bandwidth reached in decode
utilisation: Optional[float] = None  # share of hours an owned chip serves; None: DeepSeek's average / peak nodes
region: str = "cn-avg-industrial"  # region id of data/regions.csv: electricity price, PUE, grid carbon
usd_per_kwh: Optional[float] = None  # electricity price [USD/kWh]; None: the region's base value
pue: Optional[float] = None  # power usage effectiveness: facility power / IT power [ratio]; None: the region's base value
load_factor: Optional[float] = None  # average draw as a share of maximum server power; None: the library's default
server_power_ratio: Optional[float] = None  # server and network power per chip over its TDP [× TDP]; None: the library's default
years: Optional[float] = None  # depreciation period and cost horizon of owned hardware [years]; None: the library's default
cost_of_capital: float = 0.0  # annual cost of capital for the capex charge [per year]
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
present.say(
    f"# Chip parity: what matches {present.count(r.inputs.reference_count)} × "
    f"{present.chip_name(r.inputs.reference_chip)}\n\n" + report.answer(r)
)

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r))

# %%
present.say(present.key_inputs(r.inputs.used, ("peak_tflops", "hbm_bandwidth_tb_s", "max_w_per_chip", "price_usd")))

# %% [markdown]
# **Terms.** *MFU* (model-FLOPs utilisation): the share of a chip's peak arithmetic rate that the
# model's useful computation achieves. *Goodput*: the share of wall-clock time a cluster spends
# training; the rest is lost to interruptions, restarts and checkpoints, more of it the more chips
# one job uses. *Prefill* and *decode*: serving a model first processes the prompt (prefill, limited
# by arithmetic) and then generates the answer one token at a time (decode, limited by arithmetic or
# by how fast the chip reads its memory, HBM). *Capacity floor*: the fewest chips whose memory holds
# the model (and, in decode, the batch's cache). *PUE* (power usage effectiveness): the facility's
# power over the IT equipment's; power "at the meter" includes cooling. *TCO* (total cost of
# ownership): the purchase price (capex: chips, servers, network) charged over the years of use,
# plus electricity. *P10–P90*: the range that holds the middle 80 % of the Monte Carlo draws (one
# draw in ten falls below it, one in ten above); a headline figure is their median, P50.

# %%
report.plot_parity(r)

# %%
present.say(report.scale_intro(r))
report.plot_scale(r)

# %%
text, table, formats, caption = report.rate_section(r)
present.say("## How each chip's rate is set\n\n" + text)  # one block: the heading never ends a page
present.table(table, formats, caption=caption, name="rate_by_chip")

# %%
unit = report.UNITS[r.inputs.workload]
parity = report.parity_table(r)  # training adds the count in separate jobs
present.table(
    parity,
    {
        f"per chip [{unit}]": f"per chip [{unit}]|{{:,.1f}}",
        "per reference chip": ("per reference chip", present.count, "chips_per_reference_chip"),
        "capacity floor [chips]": ("capacity floor [chips]", "{:,.0f}", "capacity_floor_chips"),
        "goodput": ("goodput", lambda v: present.pct(v, digits=1)),
        "chips": ("chips in one job", "{}", "chips"),
    }
    | (
        {"separate jobs": (f"in jobs of ≤ {present.count(r.inputs.reference_count)}", "{}", "separate_jobs_chips")}
        if "separate jobs" in parity
        else {}
    )
    | {"binding": "binding|{}"},
    caption="Chips = the larger of the throughput match and the capacity floor (P50 of the draws with their P10–P90; "
    "the binding column says which). For training "
    "the throughput match holds the reference's useful chips: n × goodput(n) = reference chips × "
    "goodput × rate ratio, so a larger cluster, interrupted more often, needs more than the rate ratio; "
    "'no single job', '∞': in that draw no single job matches (ranked above every count). In jobs of ≤ N: the "
    "same useful compute in separate jobs no larger than the reference cluster (independent runs). "
    "First row: the reference.",
    name="parity_by_chip",
    heading=("Chips needed and what binds", ""),
)

# %%
report.plot_goodput(r)

# %%
present.table(
    report.cost_table(r),
    {
        "chips": "chips|{:,.0f}",
        "IT power [MW]": "IT power [MW]|{:,.2f}",
        "facility power [MW]": "facility power [MW]|{:,.2f}",
        "energy [GWh/yr]": "energy [GWh/yr]|{:,.1f}",
        "capex [$ M]": "capex [$ M]|{:,.0f}",
        "electricity [$ M/yr]": "electricity [$ M/yr]|{:,.1f}",
        "electricity share": ("electricity share of TCO", present.pct, "electricity_share"),
    },
    caption=f"P50 of {present.count(r.inputs.draws)} Monte Carlo draws (seed {r.inputs.seed}); bands in the JSON "
    "and the table below. n/a: no sourced price or power for that chip, or no single job matches in most draws "
    "(the findings give that chip's chips, power and TCO in separate jobs).",
    name="power_and_cost",
    heading=("Power and cost at parity", ""),
)

# %%
present.say(inputs.basis_note(r.inputs.used))

# %%
unit_cost = report.UNIT_COST[r.inputs.workload][1]
present.table(
    report.tco_table(r),
    report.tco_formats(r),
    caption=f"Total cost of ownership (capex charged over the horizon + electricity) and {unit_cost}: "
    "P50 with P10–P90; n/a: unknown, or no single job matches (an open end, see the findings).",
    name="tco_by_chip",
)

# %%
focus = report.focus_chip(r)
tornado, sobol = report.sensitivity(r, focus)
report.plot_tornado(r, tornado, chip=focus, heading=(f"What drives {unit_cost}", ""))

# %%
present.table(
    report.sobol_table(sobol),
    {"first_order": "first-order Sobol index|{:.2f}", "total_order": "total Sobol index|{:.2f}"},
    caption=f"Share of the variance of the {present.chip_short(focus)}'s {unit_cost.removeprefix('the ')} due to "
    "each input (scipy.stats.sobol_indices).",
    names=False,
    name="sobol_indices",
)

# %%
systems = report.systems_table(server_power_ratio=r.inputs.server_power_ratio)
present.table(
    systems.set_index("name"),
    {
        "chips": "chips|{:,.0f}",
        "BF16 dense [PFLOP/s]": "BF16 dense [PFLOP/s]|{:,.1f}",
        "system power [kW]": "power [kW]|{:,.1f}",
        "W per TFLOP/s (system)": ("W per TFLOP/s, system", "{:.2f}", "system_w_per_tflops"),
        "W per TFLOP/s (per-chip model)": ("W per TFLOP/s, per-chip model", "{:.2f}", "model_w_per_tflops"),
        "model / system": ("model / system", "{:.2f}", "model_to_system_ratio"),
        "power basis": "per-chip power from|{}",
    },
    caption="System power as rated (data/systems.csv) beside this report's per-chip model (maximum W per chip / "
    "BF16 peak). n/a: no sourced system power.",
    names=False,
    name="systems",
    heading=("Systems: racks and clusters as sold", ""),
)
present.say(report.systems_text(systems))

# %%
present.say("## Methods and assumptions\n\n" + report.methods(r))  # one block: the heading never ends a page

# %%
present.source_list(r.inputs.used)

# %% [markdown]
# ## Appendix: parameters and inputs as used

# %%
present.appendix(r.inputs.parameters, r.inputs.used, report.PARAMETERS)

# %% tags=["remove_cell"]
present.emit_key_figures(r.inputs.parameters, r.inputs.used, **report.key_figures(r))
