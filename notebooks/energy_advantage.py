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

from analysis.assembly import energy_advantage as report
from analysis.assembly import inputs, present

present.setup()

# %% tags=["parameters"]
# fmt: off
reference_chip: str = "h100-sxm"  # chip id the others are measured against
reference_count: int = 2048  # number of reference chips [chips]
candidates: List[str] = ["h800-sxm", "h20", "a800-sxm-80gb", "ascend-910b", "ascend-910c"]  # chip ids to compare with the reference
regions: List[str] = ["cn-avg-industrial", "cn-west-subsidised", "us-avg-industrial", "us-dc-ppa"]  # region ids of data/regions.csv to compare
region: str = "us-avg-industrial"  # region id of data/regions.csv: electricity price, PUE, grid carbon
mfu: float = 0.4  # model-FLOPs utilisation (of the reference chip where there is one)
parallel_config: str = "deepseek-v3-pretraining"  # parallel layout of data/parallel_configs.csv
overlap: float = 1.0  # share of communication hidden behind computation
precision: str = "bf16"  # dense peak and bytes per weight: bf16 | fp8
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
present.say("# Energy advantage: does cheap electricity make up for weaker chips?\n\n" + report.answer(r))

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r))

# %%
present.say(present.key_inputs(r.inputs.used, ("peak_tflops", "max_w_per_chip", "price_usd")))

# %% [markdown]
# **Terms.** *TCO* (total cost of ownership): the purchase price (capex: chips, servers, network)
# charged over the years of use, plus electricity. *Effective PFLOP-hour*: an hour of 10¹⁵ useful
# floating-point operations per second, after MFU and goodput. *Break-even electricity price*: the
# price at which a chip's cost per effective PFLOP-hour equals the reference's. *MFU* (model-FLOPs
# utilisation): the share of a chip's peak arithmetic rate that the model's useful computation
# achieves. *Goodput*: the share of wall-clock time a cluster spends training; the rest is lost to
# interruptions, restarts and checkpoints, more of it the more chips one job uses. *PUE* (power
# usage effectiveness): the facility's power over the IT equipment's; power "at the meter" includes
# cooling. *P10–P90*: the range that holds the middle 80 % of the Monte Carlo draws (one draw in ten
# falls below it, one in ten above); a headline figure is their median, P50.

# %% [markdown]
# ## Total cost of ownership by chip and region

# %%
report.plot_tco(r)

# %%
bands = report.tco_bands_table(r)
present.table(
    bands,
    {c: f"{c}|{{}}" for c in bands.columns},
    caption="TCO [USD millions]: P50 (P10–P90) by chip and region.",
    names=False,
    name="tco_by_region",
    unit="tco_usd_m",
)

# %%
present.say(inputs.basis_note(r.inputs.used))

# %%
shares = report.by_region_table(r, "electricity_share_of_tco")
present.table(
    shares,
    {c: (c, present.pct) for c in shares.columns},
    caption="Electricity's share of TCO (P50). n/a: no sourced price or power.",
    names=False,
    name="electricity_share_by_region",
    unit="electricity_share",
)

# %%
carbon = report.by_region_table(r, "annual_emissions_tco2") / 1e3
present.table(
    carbon,
    {c: f"{c}|{{:,.1f}}" for c in carbon.columns},
    caption="Operational emissions [kt CO₂ per year] at each region's grid intensity (P50; n/a: no "
    "grid figure or power).",
    names=False,
    name="emissions_by_region",
    unit="ktco2_per_year",
)

# %% [markdown]
# ## Break-even electricity price

# %%
report.plot_break_even(r)

# %%
present.table(
    report.break_even_table(r),
    {
        "chips": "chips|{:,.0f}",
        "capex [$/PFLOP-h]": "capex [$/PFLOP-h]|{:,.2f}",
        "kWh per PFLOP-h": ("kWh per PFLOP-h", "{:,.2f}", "kwh_per_pflop_hour"),
        "total [$/PFLOP-h]": "total [$/PFLOP-h]|{:,.2f}",
        "break-even [$/kWh]": ("break-even [$/kWh]", report.price_text, "break_even_usd_per_kwh_p50"),
        "P10": ("P10", report.price_text, "break_even_usd_per_kwh_p10"),
        "P90": ("P90", report.price_text, "break_even_usd_per_kwh_p90"),
        "draws with one": ("draws with a break-even", present.pct, "draws_with_break_even_share"),
    },
    caption="In the reference region, P50 of the draws. First row: the reference. Costs per PFLOP-hour are of the "
    "cluster in the chips column: goodput falls as a job grows, so another reference gives a chip another cost. "
    "'none': the candidate's hardware alone costs more per PFLOP-hour than the reference's total.",
    name="break_even",
)

# %% [markdown]
# ## Methods and assumptions

# %%
present.say(report.methods(r))

# %%
present.source_list(r.inputs.used)

# %%
present.appendix(  # the heading in the table's output: it never ends a page
    r.inputs.parameters, r.inputs.used, report.PARAMETERS, heading=("Appendix: parameters and inputs as used", "")
)

# %% tags=["remove_cell"]
present.emit_key_figures(r.inputs.parameters, r.inputs.used, **report.key_figures(r))
