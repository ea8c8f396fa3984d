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

import matplotlib.pyplot as plt
import numpy as np

from analysis.assembly import chip_parity as report
from analysis.assembly import present

present.setup()

# %% tags=["parameters"]
# fmt: off
reference_chip: str = "h100-sxm"  # chip id the others are measured against
reference_count: int = 2048  # number of reference chips [chips]
candidates: List[str] = ["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c", "b200"]  # chip ids to compare with the reference
workload: str = "training"  # training | prefill | decode
mfu: float = 0.4  # model-FLOPs utilisation (of the reference chip where there is one)
precision: str = "bf16"  # dense peak and bytes per weight: bf16 | fp8
parallel_config: str = "llama-3.1-405b-pretraining"  # parallel layout of data/parallel_configs.csv
overlap: float = 0.0  # share of communication hidden behind computation
model: str = "deepseek-v3"  # architecture id of data/models.csv
batch_size: int = 640  # sequences decoded together per model replica [sequences]
context_tokens: int = 2048  # KV-cache tokens per sequence in decode [tokens]
hbm_efficiency: float = 0.6  # share of HBM bandwidth reached in decode
region: str = "cn-avg-industrial"  # region id of data/regions.csv: electricity price, PUE, grid carbon
usd_per_kwh: Optional[float] = None  # electricity price [USD/kWh]; None: the region's base value
pue: Optional[float] = None  # power usage effectiveness: facility power / IT power [ratio]; None: the region's base value
load_factor: Optional[float] = None  # average draw as a share of maximum server power; None: the library's default
server_power_ratio: Optional[float] = None  # server and network power per chip over its TDP [× TDP]; None: the library's default
years: Optional[float] = None  # depreciation period and cost horizon of owned hardware [years]; None: the library's default
cost_of_capital: float = 0.0  # annual cost of capital for the capex charge [per year]
interruptions_per_chip_hour: Optional[float] = None  # job interruptions [per chip-hour]; None: the library's default
restart_hours: Optional[float] = None  # time to detect, restart and reload per interruption [h]; None: the library's default
checkpoint_interval_hours: Optional[float] = None  # time between checkpoints [h]; None: the library's default
seed: int = 0  # Monte Carlo seed (same seed and parameters give the same numbers)
draws: int = 10000  # Monte Carlo draws
# fmt: on

# %% tags=["remove_cell"]
r = report.run(**{name: globals()[name] for name in report.PARAMETERS})
ref = r["reference"]

# %%
present.say(
    f"# Chip parity: what matches {present.count(reference_count)} × {present.chip_name(ref)}\n\n" + report.answer(r)
)

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r))

# %%
mid, low, high = r["p50"], r["p10"], r["p90"]
fig, axes = plt.subplots(1, 3, figsize=(11.5, 0.5 * len(mid) + 1.8), sharey=True)
for ax, (column, label) in zip(
    axes,
    [
        ("chip_count", "chips needed"),
        ("facility_power_mw", "facility power [MW]"),
        ("tco_usd", f"{r['years']:g}-year TCO [USD millions]"),
    ],
):
    scale = 1e6 if column == "tco_usd" else 1.0
    present.chip_bars(ax, mid[column] / scale)
    error = np.vstack([(mid[column] - low[column]).fillna(0), (high[column] - mid[column]).fillna(0)]) / scale
    ax.errorbar(
        mid[column].fillna(0) / scale,
        np.arange(len(mid)),
        xerr=error,
        fmt="none",
        ecolor="black",
        capsize=3,
        label="P10–P90",
    )
    ax.set_xlabel(label)
axes[2].legend(loc="lower right", fontsize=8)
fig.suptitle(
    f"Matching {present.count(reference_count)} × {present.chip_short(ref)} ({workload}): P50 bars, P10–P90 whiskers",
    fontweight="bold",
)
present.show(fig)

# %% [markdown]
# ## How each chip's utilisation is set
# The reference's MFU carries over to each candidate through its vendor's software-maturity factor
# (data/vendor_efficiency.csv, varied over its range in the Monte Carlo) and, for training, the
# ratio of its interconnect scaling efficiency to the reference's in the chosen layout — capped
# at 1, so a chip that communicates less per FLOP is never credited with better kernels than the
# reference.

# %%
_ = present.table(
    report.mfu_table(r),
    {
        "dense peak [TFLOP/s]": "dense peak [TFLOP/s]|{:,.1f}",
        "vendor MFU factor": "vendor MFU factor (range)|{}",
        "scaling ratio": "interconnect scaling ratio|{:.3f}",
        "scaling ratio used (≤ 1)": "ratio used (≤ 1)|{:.3f}",
        "MFU": ("MFU", lambda v: present.pct(v, digits=1)),
    },
    caption="MFU = reference MFU × vendor factor / reference vendor's factor × ratio used (base point). "
    "n/a: no scaling ratio for inference workloads.",
)

# %% [markdown]
# ## What binds: throughput or memory capacity

# %%
unit = report.UNITS[workload]
_ = present.table(
    report.parity_table(r),
    {
        f"per chip [{unit}]": f"per chip [{unit}]|{{:,.1f}}",
        "per reference chip": ("per reference chip", present.count),
        "capacity floor [chips]": "capacity floor|{:,.0f}",
        "goodput": ("goodput", lambda v: present.pct(v, digits=1)),
        "chips (P50)": "chips (P50)|{:,.0f}",
        "P10–P90": "P10–P90|{}",
        "binding": "binding|{}",
    },
    caption="Chips = the larger of the throughput match and the capacity floor (P50 of the draws; the binding column "
    "says which). For training "
    "the throughput match holds the reference's useful chips: n × goodput(n) = reference chips × "
    "goodput × rate ratio, so a larger cluster, interrupted more often, needs more than the rate ratio. "
    "First row: the reference.",
)

# %%
if workload == "training":
    curve = report.goodput_curve(r)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.plot(curve.index, curve * 100, color="#333333", label="goodput(n)")
    colors = present.chip_colors(mid.index)
    for chip, row in mid.iterrows():
        if row["chip_count"] == row["chip_count"]:
            ax.scatter(
                row["chip_count"],
                row["goodput"] * 100,
                color=colors[chip],
                edgecolor="#333333",
                zorder=3,
                label=present.chip_short(chip),
            )
    ax.set_xscale("log")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    present.finish(
        ax,
        "Share of wall-clock time spent training falls with the chip count",
        "chips in the cluster (log scale)",
        "goodput [%]",
    )

# %% [markdown]
# ## Power and cost at parity

# %%
_ = present.table(
    report.cost_table(r),
    {
        "chips": "chips|{:,.0f}",
        "IT power [MW]": "IT power [MW]|{:,.2f}",
        "facility power [MW]": "facility power [MW]|{:,.2f}",
        "energy [GWh/yr]": "energy [GWh/yr]|{:,.1f}",
        "capex [$ M]": "capex [$ M]|{:,.0f}",
        "electricity [$ M/yr]": "electricity [$ M/yr]|{:,.1f}",
        "electricity share": ("electricity share of TCO", present.pct),
    },
    caption=f"P50 of {present.count(draws)} Monte Carlo draws (seed {seed}); bands in the JSON and the table below. "
    "n/a: no sourced price or power for that chip.",
)

# %%
_ = present.table(
    report.tco_table(r),
    {
        "TCO [$ M]": f"{r['years']:g}-year TCO [$ M]|{{:,.0f}}",
        "TCO P10 [$ M]": "P10|{:,.0f}",
        "TCO P90 [$ M]": "P90|{:,.0f}",
        "TCO / reference": "× reference|{:.2f}",
        "$ per PFLOP-h": "$ per effective PFLOP-h|{:,.2f}",
        "$ per PFLOP-h P10": "P10 |{:,.2f}",
        "$ per PFLOP-h P90": "P90 |{:,.2f}",
    },
    caption="Total cost of ownership (capex charged over the horizon + electricity) and cost per effective PFLOP-hour: "
    "P50 with P10–P90.",
)

# %% [markdown]
# ## What drives the cost per PFLOP-hour

# %%
focus = next((c for c in mid.index[1:] if mid.loc[c, "tco_usd"] == mid.loc[c, "tco_usd"]), ref)
tornado, sobol = report.sensitivity(r, focus)
base_value = r["base"].loc[focus, "usd_per_pflop_hour"]
fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(tornado) + 1.4))
for y, (_, row) in enumerate(tornado.iterrows()):
    ax.barh(
        y, row["low"] - base_value, left=base_value, color="#4c72b0", label="input at its low end" if y == 0 else None
    )
    ax.barh(
        y, row["high"] - base_value, left=base_value, color="#dd8452", label="input at its high end" if y == 0 else None
    )
ax.axvline(base_value, color="black", lw=1)
ax.set_yticks(range(len(tornado)), tornado.index)
ax.invert_yaxis()
ax.legend(fontsize=8, frameon=False, loc="lower right")
present.finish(
    ax,
    f"{present.chip_short(focus)}: each input at the ends of its range, the others at base",
    "USD per effective PFLOP-hour",
    "",
)

# %%
_ = present.table(
    sobol,
    {"first_order": "first-order Sobol index|{:.2f}", "total_order": "total Sobol index|{:.2f}"},
    caption=f"Share of the variance of the {present.chip_short(focus)}'s cost per PFLOP-hour due to each "
    "input (scipy.stats.sobol_indices).",
    names=False,
)

# %% [markdown]
# ## Systems: racks and clusters as sold

# %%
systems = report.systems_table(server_power_ratio=server_power_ratio)
_ = present.table(
    systems.set_index("name"),
    {
        "chips": "chips|{:,.0f}",
        "BF16 dense [PFLOP/s]": "BF16 dense [PFLOP/s]|{:,.1f}",
        "system power [kW]": "power [kW]|{:,.1f}",
        "W per TFLOP/s (system)": "W per TFLOP/s, system|{:.2f}",
        "W per TFLOP/s (per-chip model)": "W per TFLOP/s, per-chip model|{:.2f}",
        "model / system": "model / system|{:.2f}",
        "power basis": "per-chip power from|{}",
    },
    caption="System power as rated (data/systems.csv) beside this report's per-chip model (maximum W per chip / "
    "BF16 peak). n/a: no sourced system power.",
    names=False,
)
present.say(report.systems_text(systems))

# %% [markdown]
# ## Methods and assumptions
# - **Training parity**: a chip's sustained rate is peak × MFU, with MFU = the reference's MFU × its vendor factor /
#   the reference vendor's × min(1, interconnect scaling efficiency / the reference's). The scaling efficiency comes
#   from the interconnect model (step time = compute + (1 − overlap) × communication: tensor-parallel all-reduces
#   over NVLink, expert-parallel all-to-all over the network and NVLink, the data-parallel gradient all-reduce over
#   the network) for the published layout `parallel_config`, with the matrix math at a fixed share of peak
#   (`COMPUTE_EFFICIENCY` in analysis/assembly/chip_parity.py). A chip with a slower link (H800, A800) needs more chips
#   unless the communication is hidden (overlap → 1).
# - **Goodput** (training): interruptions per chip-hour × (restart time + half a checkpoint interval) of lost
#   wall-clock each, so goodput(n) = 1 / (1 + n × λ × (R + T/2)). The candidate count solves n × goodput(n) = the
#   reference's useful chips × the rate ratio; where n × goodput(n) can never reach it, no chip count matches
#   and the report says so.
# - **Prefill parity**: input tokens/s per chip = peak × MFU / (2 × active parameters). **Decode parity**: roofline
#   tokens/s per chip = batch / max(bytes read per step / (HBM bandwidth × efficiency), batch × 2 × active
#   parameters / (peak × MFU)), the bytes being the weights the batch touches and its KV cache.
# - **Capacity floor**: chips whose usable HBM (90 %) holds the weights — with Adam state, 16 bytes per parameter,
#   for training (ZeRO) — and, for decode, the batch's KV cache. Chips = the larger of the two.
# - **Power**: maximum W per chip = TDP × server power ratio (Epoch AI: 1.8; DGX H100 10.2 kW / 8 / 700 W = 1.82);
#   a chip without a published TDP (Ascend 910C) takes the rated power per chip of a system built from it
#   (CloudMatrix 384: 559 kW / 384, servers and optics included). IT power = chips × that × load factor (0.75,
#   Epoch AI); facility = IT × PUE; energy = facility power × 8,760 h a year.
# - **Capex** by what the price buys: a chip price × 1.64 (server) ÷ (1 − 0.19) (network; Epoch AI); a server-share
#   price (H800) ÷ (1 − 0.19) only; a system price (GB200 NVL72, CloudMatrix 384) as it is. **TCO** = capex over the
#   horizon + electricity; maintenance, buildings and staff are excluded. **$ per PFLOP-h** = TCO / (chips × peak ×
#   MFU × goodput / 1,000 × 8,760 h × years).
# - **Uncertainty**: every input with a sourced low/base/high (prices, TDPs, electricity price, PUE, vendor MFU
#   factors) becomes a triangular distribution with its mode at the base value; the reference MFU varies ±25 %
#   (assumption). One function computes every figure from these inputs; it runs at the base point and at the seeded
#   draws, and every headline is the P50 of the draws with its P10–P90. A P50 can differ from the base-point value
#   where a range is lopsided (the H20's price: $12,000 base, up to $15,000). The tornado moves one input at a time
#   to its ends; Sobol indices split the variance.

# %% [markdown]
# ## Sources

# %%
present.source_list(extra_keys=report.source_keys(r))

# %% [markdown]
# ## Appendix: parameters as used

# %%
report.parameter_appendix(r)

# %% tags=["remove_cell"]
present.emit_key_figures(r["p"], **report.key_figures(r))
