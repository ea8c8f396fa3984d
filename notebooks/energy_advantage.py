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
import seaborn as sns

from analysis.assembly import energy_advantage as report
from analysis.assembly import present

present.setup()

# %% tags=["parameters"]
# fmt: off
reference_chip: str = "h100-sxm"  # chip id the others are measured against
reference_count: int = 2048  # number of reference chips [chips]
candidates: List[str] = ["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c"]  # chip ids to compare with the reference
regions: List[str] = ["cn-avg-industrial", "cn-west-subsidised", "us-avg-industrial", "us-dc-ppa"]  # region ids of data/regions.csv to compare
region: str = "us-avg-industrial"  # region id of data/regions.csv: electricity price, PUE, grid carbon
mfu: float = 0.4  # model-FLOPs utilisation (of the reference chip where there is one)
precision: str = "bf16"  # dense peak and bytes per weight: bf16 | fp8
parallel_config: str = "deepseek-v3-pretraining"  # parallel layout of data/parallel_configs.csv
overlap: float = 1.0  # share of communication hidden behind computation
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

# %%
present.say("# Energy advantage: does cheap electricity make up for weaker chips?\n\n" + report.answer(r))

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r))

# %% [markdown]
# ## Total cost of ownership by chip and region

# %%
tco = report.tco_table(r) / 1e6
fig, ax = plt.subplots(figsize=(9, 0.5 * len(tco) + 2.2))
sns.heatmap(
    tco, annot=True, fmt=",.0f", cmap="YlOrRd", cbar_kws={"label": "TCO [USD millions], P50"}, ax=ax, linewidths=0.5
)
ax.set_title(
    f"{r['years']:g}-year TCO of a cluster matching {present.count(reference_count)} × "
    f"{present.chip_short(reference_chip)} [USD millions]"
)
ax.set_xlabel("region")
ax.set_ylabel("")
plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
present.show(fig)

# %%
low, high = report.tco_table(r, "p10") / 1e6, report.tco_table(r, "p90") / 1e6
bands = (
    tco.map(lambda v: f"{v:,.0f}") + " (" + low.map(lambda v: f"{v:,.0f}") + "–" + high.map(lambda v: f"{v:,.0f}") + ")"
)
bands = bands.where(tco.notna(), present.NA)
_ = present.table(
    bands,
    {c: f"{c}|{{}}" for c in bands.columns},
    caption="TCO [USD millions]: P50 (P10–P90) by chip and region.",
    names=False,
)

# %%
_ = present.table(
    report.by_region_table(r, "electricity_share_of_tco"),
    {c: (c, present.pct) for c in report.by_region_table(r, "electricity_share_of_tco").columns},
    caption="Electricity's share of TCO (P50). n/a: no sourced price or power.",
    names=False,
)

# %%
carbon = report.by_region_table(r, "annual_emissions_tco2") / 1e3
_ = present.table(
    carbon,
    {c: f"{c}|{{:,.1f}}" for c in carbon.columns},
    caption="Operational emissions [kt CO₂ per year] at each region's grid intensity (P50; n/a: no "
    "grid figure or power).",
    names=False,
)

# %% [markdown]
# ## Break-even electricity price

# %%
be = r["break_even"]
shown = be["p50"].where(be["p50"] >= 0)
fig, ax = plt.subplots(figsize=(9, 0.5 * len(be) + 1.8))
present.chip_bars(ax, shown, "none")
error = np.vstack([(shown - be["p10"].clip(lower=0)).fillna(0), (be["p90"] - shown).fillna(0)])
ax.errorbar(shown.fillna(0), np.arange(len(be)), xerr=error, fmt="none", ecolor="black", capsize=3, label="P10–P90")
for i, (name, price) in enumerate(report.prices(r).items()):
    ax.axvline(
        price,
        color=plt.cm.tab10(i),
        linestyle="--",
        linewidth=1.2,
        label=f"{report.region_label(r, name)}: ${price:.3f}",
    )
ax.legend(
    fontsize=7,
    loc="upper left",
    bbox_to_anchor=(1.01, 1),
    title="region price [USD/kWh]",
    title_fontsize=8,
    frameon=False,
)
present.finish(
    ax,
    f"Price at which each chip matches {present.chip_short(reference_chip)} in the reference region",
    "electricity price [USD/kWh]",
    "",
)

# %%
_ = present.table(
    report.break_even_table(r),
    {
        "chips": "chips|{:,.0f}",
        "capex [$/PFLOP-h]": "capex [$/PFLOP-h]|{:,.2f}",
        "kWh per PFLOP-h": "kWh per PFLOP-h|{:,.2f}",
        "total [$/PFLOP-h]": "total [$/PFLOP-h]|{:,.2f}",
        "break-even [$/kWh]": ("break-even [$/kWh]", report.price_text),
        "P10": ("P10", report.price_text),
        "P90": ("P90", report.price_text),
        "draws with one": ("draws with a break-even", present.pct),
    },
    caption="In the reference region, P50 of the draws. First row: the reference. 'none': the candidate's hardware "
    "alone costs more per PFLOP-hour than the reference's total.",
)

# %% [markdown]
# ## Methods and assumptions
# - Each candidate is sized to the reference's useful training compute by the chip_parity model: MFU carried over
#   from the reference with the vendor's software-maturity factor and the interconnect scaling ratio (capped at 1)
#   of `parallel_config` at `overlap`; the chip count n solves n × goodput(n) = the reference's useful chips × the
#   rate ratio (interruptions grow with the chip count, Llama 3's rate per chip-hour).
# - Each cluster is then owned for the horizon: **capex** by what the price buys (a chip price × 1.64 server ÷
#   (1 − 0.19) network, Epoch AI; a server-share price ÷ (1 − 0.19); a system price as it is), charged straight-line
#   (or with the cost of capital); **electricity** = chips × TDP × server power ratio (1.8, Epoch AI; or the rated
#   power per chip of a system for a chip without a TDP, CloudMatrix 384 for the Ascend 910C) × load factor × PUE ×
#   8,760 h × price. **Emissions** = annual energy × the region's grid intensity.
# - **Cost per effective PFLOP-hour** = TCO / (chips × peak × MFU × goodput / 1,000 × 8,760 h × years).
# - **Break-even price**: the candidate's cost per PFLOP-hour is its capex part + its kWh per PFLOP-hour × price;
#   equal to the reference's total in the reference region at price = (reference − capex part) / kWh per
#   PFLOP-hour, with the candidate at the reference region's PUE so that only the price differs. A negative value
#   means the hardware alone costs more than the reference's total: no price, not even free power, closes the gap.
# - **Uncertainty**: chip prices, TDPs, vendor MFU factors, the MFU (±25 %) and each region's electricity price and
#   PUE are drawn from triangular distributions over their sourced ranges; the same chip draws serve every region.
#   One function computes every figure at the base point and at the draws; headlines are the P50.
# - Excluded: facility construction, maintenance, staff and subsidies other than the electricity price.

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
