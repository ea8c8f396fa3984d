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
from typing import Optional

from analysis.assembly import compute_stock as report
from analysis.assembly import present

present.setup()

# %% tags=["parameters"]
# fmt: off
h20_after_april_2025: str = "allowed"  # H20 sales to China after the 9 Apr 2025 licence requirement: allowed (as Epoch AI records them) | banned
h200_exports: str = "zero"  # H200 exports to China from 2026: zero | cap (50 % of US volume, 91 FR 1684) | estimate (Grunewald)
smuggling: str = "central"  # chips smuggled into China: zero | low | central | high
huawei_output: str = "central"  # Huawei Ascend output as reported: low | central | high
hbm_replenished: bool = False  # HBM stacks reach China after the Dec 2024 rule (no stockpile limit)
packaging_packages_per_year: Optional[float] = None  # China's advanced-packaging capacity for AI accelerators [packages/year]; None: no limit (no sourced capacity)
lifetime_years: float = 6.0  # service life of an AI chip before retirement [years]
run_share_of_stock: Optional[float] = None  # share of a country's stock usable in one training run; None: the largest known cluster
mfu: float = 0.4  # model-FLOPs utilisation (of the reference chip where there is one)
training_days: float = 90.0  # length of the run that sizes the largest model [days]
china_region: str = "cn-avg-industrial"  # region id of data/regions.csv where China's stock runs
us_region: str = "us-avg-industrial"  # region id of data/regions.csv where the US stock runs
load_factor: Optional[float] = None  # average draw as a share of maximum server power; None: the library's default
server_power_ratio: Optional[float] = None  # server and network power per chip over its TDP [× TDP]; None: the library's default
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
present.say(f"# {report.title(r)}\n\n" + report.answer(r))

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r))

# %% [markdown]
# **Terms.** *H100e* (H100-equivalents): a country's chips × their peak ÷ the H100's, at the 8-bit
# peak (Epoch AI's measure), the dense BF16 peak, or the BF16 peak × the vendor's software factor
# (effective). *Largest run*: the training compute (FLOP) the largest known cluster delivers in the
# Methods' days; *gap*: how many months earlier the US reached China's run; *break-even multiplier*:
# how much more efficient China's algorithms must be to match the US run. *P10–P90*: the range that
# holds the middle 80 % of the Monte Carlo draws (one draw in ten falls below it, one in ten above);
# a headline figure is their median, P50.

# %%
stocks = report.stock_table(r)
present.table(
    stocks[["China h100e_8bit", "US h100e_8bit", "China / US (8-bit)"]],
    {
        "China h100e_8bit": "China [8-bit H100e]|{}",
        "US h100e_8bit": "US [8-bit H100e]|{}",
        "China / US (8-bit)": ("China / US", present.pct, "china_to_us_ratio"),
    },
    caption="Stock at the end of each year, P50 (P10–P90). 2026–2027 are projections (see Methods).",
    names=False,
    name="stock_by_year",
)

# %% [markdown]
# ## China's stock by channel

# %%
report.plot_channels(r)

# %% [markdown]
# ## US and China in three measures

# %%
report.plot_us_vs_china(r)

# %%
for country, table_id in (("China", "china_by_measure"), ("US", "us_by_measure")):
    present.table(
        stocks,
        {
            f"{country} h100e_8bit": ("8-bit peak [H100e]", "{}", "h100e_8bit"),
            f"{country} h100e_bf16": ("dense BF16 [H100e]", "{}", "h100e_bf16"),
            f"{country} effective_h100e": "effective [H100e]|{}",
        },
        caption=f"{country}'s stock in the three measures, P50 (P10–P90).",
        names=False,
        name=table_id,
    )

# %% [markdown]
# ## Which constraint binds China's domestic output

# %%
present.table(
    r.binding,
    {"binding": "binding limit|{}", "share_of_draws": ("share of draws", present.pct, "draws_share")},
    caption="The limit on Huawei's Ascend output that binds in most draws ('reported output': the output sources "
    "report is met).",
    names=False,
    name="binding_limit",
)

# %% [markdown]
# ## What moves China's 2026 stock most

# %%
report.plot_tornado(r)

# %% [markdown]
# ## What each policy step moved

# %%
present.table(
    report.policy_table(r),
    {
        "rule": "rule|{}",
        "lever": ("lever (with / without)", "{}", "lever"),
        "with": ("China's additions 2025 to 2027 with the step [8-bit H100e]", present.count, "with_step_h100e_8bit"),
        "without": ("without it", present.count, "without_step_h100e_8bit"),
        "difference": ("difference", present.count, "difference_h100e_8bit"),
    },
    caption="Steps a lever models: China's additions from 2025 to 2027, P50 over the same draws with the lever set as the "
    "step made it and as it would be without the step.",
    names=False,
    name="policy_levers",
)

# %%
present.table(
    report.policy_table(r, modelled=False),
    {"rule": "rule|{}", "what_changes": "what it changed|{}"},
    caption="Every policy step by date (data/policy_steps.csv). The October 2022 and 2023 rules moved sales from "
    "A100/H100 to A800/H800 and then H20; no source says what would have been sold without them, so they have no "
    "lever.",
    names=False,
    name="policy_steps",
)

# %% [markdown]
# ## The largest run each stock allows

# %%
report.plot_runs(r)

# %%
runs = report.runs_table(r)
present.table(
    runs,
    {
        "China run": ("China's run [FLOP]", present.flop),
        "US run": ("US run [FLOP]", present.flop),
        "gap": "gap [months]|{}",
        "break-even": ("break-even multiplier", "{}", "break_even_multiplier"),
    },
    caption="Largest run each country's largest known cluster allows (P50), how many months earlier the US reached "
    "China's run, and how much more efficient China's algorithms must be to match the US run of the same year, "
    "P50 (P10–P90).",
    names=False,
    name="largest_runs",
)

# %%
clusters = report.clusters_table(r)
present.table(
    clusters,
    {c: f"{c}|{{}}" for c in clusters.columns},
    caption="The cluster behind each largest run and the largest known run of the year (Epoch AI's notable models).",
    names=False,
    name="clusters",
)

# %% [markdown]
# ## Cross-check against published figures

# %%
present.table(
    r.crosscheck,
    {
        "what": "figure|{}",
        "year": "year|{}",
        "p50": ("package P50", present.count, "package_p50"),
        "published_value": ("published", present.count),
        "relative_difference": ("difference", present.pct, "relative_difference"),
    },
    caption="Counted apart from validation. Epoch AI's China (official) series is built from the same shipments, so it "
    "checks the arithmetic. Not inputs: US Commerce's ≤ 200,000 to SemiAnalysis' 805,000 Ascend in 2025 (the "
    "published value is the FT's 400,000 plan); Huawei's > 300 CloudMatrix 384 (a floor: 115,200 910C); one US "
    "lab's compute for scale.",
    names=False,
    name="crosschecks",
    row_unit="what",
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
