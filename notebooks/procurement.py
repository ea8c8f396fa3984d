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

from analysis.assembly import inputs, present
from analysis.assembly import procurement as report
from analysis.assembly import procurement_plots as plots
from analysis.assembly import procurement_tables as tables
from analysis.assembly import procurement_text as text

present.setup()

# %% tags=["parameters"]
# fmt: off
budget_usd: float = 1e9  # money spent per option, on the basis of budget_basis [USD]
budget_basis: str = "all-in"  # what the budget pays for: all-in (chips, servers and network: equal capex per option) | as-priced (the chips at their catalog price only)
chips: List[str] = ["a800-sxm-80gb"]  # chip ids of data/chips.csv
shares: Optional[List[float]] = None  # budget share per chip (sums to 1); None: no mixed option
counts: Optional[List[int]] = None  # chips per chip id of a fleet already owned [chips]; None: buy with the budget
price_basis: str = "range"  # chip price: range (drawn) | low | base | high (fixed)
export_rule: Optional[str] = None  # rule vintage whose licence policy decides availability; None: every chip available
grey_market_premium: Optional[float] = None  # extra paid for chips under a presumption of denial (0.5: +50 %); None: chips under a presumption of denial are unavailable
reference_chip: str = "h100-sxm"  # chip id the others are measured against
reference_count: int = 100000  # number of reference chips [chips]
mfu: float = 0.4  # model-FLOPs utilisation (of the reference chip where there is one)
training_days: float = 90.0  # length of the run that sizes the largest model [days]
max_cluster_chips: Optional[int] = None  # most chips in one cluster [chips]; None: one cluster per chip type
region: str = "cn-avg-industrial"  # region id of data/regions.csv: electricity price, PUE, grid carbon
usd_per_kwh: Optional[float] = None  # electricity price [USD/kWh]; None: the region's base value
pue: Optional[float] = None  # power usage effectiveness: facility power / IT power [ratio]; None: the region's base value
load_factor: Optional[float] = None  # average draw as a share of maximum server power; None: the library's default
server_power_ratio: Optional[float] = None  # server and network power per chip over its TDP [× TDP]; None: the library's default
years: Optional[float] = None  # depreciation period and cost horizon of owned hardware [years]; None: the library's default
interruptions_per_chip_hour: Optional[float] = None  # job interruptions [per chip-hour]; None: the library's default
restart_hours: Optional[float] = None  # time to detect, restart and reload per interruption [h]; None: the library's default
checkpoint_write_hours: Optional[float] = None  # training stall per checkpoint write [h]; None: the library's default
checkpoint_interval_hours: Optional[float] = None  # time between checkpoints [h]; None: Young–Daly for each cluster size
reported_chips: Optional[int] = None  # chips a reported order of this budget bought (a price check) [chips]; None: no check
seed: int = 0  # Monte Carlo seed (same seed and parameters give the same numbers)
draws: int = 10000  # Monte Carlo draws (memory grows with draws × chips × regions: up to 2.2 GB at 100,000)
# fmt: on

# %% tags=["remove_cell"]
r = report.run(**{name: globals()[name] for name in report.PARAMETERS})

# %%
present.say(f"# {text.title(r)}\n\n" + text.answer(r))

# %% [markdown]
# ## Key findings

# %%
present.say(text.findings(r))

# %%
present.say(present.key_inputs(r.inputs.used, ("peak_tflops", "max_w_per_chip", "price_usd")))

# %% [markdown]
# **Terms.** *H100 SXM-equivalents*: chips × their dense BF16 peak ÷ the H100 SXM's (or by TPP, the
# export-control measure). *All-in capex*: chips, servers and network; *as priced*: the chips at
# their catalog price alone. *MFU* (model-FLOPs utilisation): the share of a chip's peak arithmetic
# rate that the model's useful computation achieves. *Goodput*: the share of wall-clock time a
# cluster spends training; the rest is lost to interruptions, restarts and checkpoints, more of it
# the more chips one job uses. *Compute-optimal model*: the largest model the cluster's compute
# trains on Chinchilla's 20 tokens per parameter. *P10–P90*: the range that holds the middle 80 % of
# the Monte Carlo draws (one draw in ten falls below it, one in ten above); a headline figure is
# their median, P50.

# %%
plots.plot_compute(r)

# %%
eq = report.equivalents_label(r)
present.table(
    text.options_table(r),
    {
        "chips": ("chips", present.count),
        f"{eq} (BF16)": (f"{eq} (BF16)", present.count, "h100_equivalents_bf16"),
        f"{eq} (TPP)": (f"{eq} (TPP)", present.count, "h100_equivalents_tpp"),
        "facility power [MW]": ("facility power", present.mw, "facility_power_mw"),
        "energy [GWh/yr]": ("energy per year", present.gwh, "annual_energy_gwh"),
    },
    caption="Chips are bought in whole 8-chip servers (single cards for PCIe parts).",
    name="options",
    wrap_labels=True,  # an option's label (a mix's shares, a chip's full name) wraps, not the table
    heading=report.OPTIONS_SECTION,
)
# %%
costs = text.cost_table(r)
present.table(
    costs,
    {column: (column, "{:,.0f}") for column in costs.columns},
    caption="Capex by what each price covers: servers and network are added only where a price lacks them.",
    name="capex",
    wrap_labels=True,
)

# %%
present.say(inputs.basis_note(r.inputs.used))
# %%
per_dollar = text.per_dollar_table(r)
present.table(
    per_dollar,
    {
        "all-in capex [$ M]": ("all-in capex [$ M]", "{:,.0f}"),
        per_dollar.columns[1]: (per_dollar.columns[1], "{:,.2f}", "h100_equivalents_per_musd"),
        "training FLOP per year per $": ("training FLOP per year per $", present.flop),
    },
    caption="What each dollar of all-in capex (chips, servers and network) buys.",
    name="per_dollar",
    wrap_labels=True,
)
# %%
training = text.training_table(r)
present.table(
    training,
    {
        "training FLOP per year": ("training FLOP per year", present.flop),
        "goodput [%]": ("goodput [%]", "{:.1f}"),
        "largest cluster [chips]": ("largest cluster [chips]", present.count),
        training.columns[-1]: (training.columns[-1], "{:,.0f}"),
    },
    caption="Net of interruptions: goodput is the share of wall-clock time spent training, averaged over the clusters.",
    name="training",
    wrap_labels=True,
)
# %%
bands = text.band_table(r)
present.table(
    bands,
    {
        column: (column, "{}", header)
        for column, header in zip(
            bands.columns, ("chips", "h100_equivalents_bf16", "facility_power_mw", "compute_optimal_params")
        )
    },
    names=False,
    caption="P50 (P10–P90) of the draws over prices, TDPs, vendor MFU factors, MFU, electricity price, PUE and the "
    "goodput inputs.",
    name="bands",
    wrap_labels=True,
    heading=tables.BANDS_SECTION,
)
# %% [markdown]
# ## Scale costs time: goodput

# %%
plots.plot_goodput(r)

# %% [markdown]
# ## Availability under the export rule

# %%
if r.inputs.export_rule is None:
    present.say("No export rule was applied (no `export_rule` given): every chip is bought at its price.")
else:
    present.table(
        tables.availability_table(r),
        {
            "licence policy (exports to China)": ("licence policy (exports to China)", "{}"),
            "in this report": ("in this report", "{}"),
        },
        name="availability",
    )

# %%
present.say("## Prices and where they come from")  # in the table's cell: the heading never ends a page
present.table(
    tables.price_table(r),
    {
        "low [$]": ("low", present.usd, "price_usd_low"),
        "base [$]": ("base", present.usd, "price_usd_base"),
        "high [$]": ("high", present.usd, "price_usd_high"),
        "price covers": ("price covers", "{}"),
        "sources": ("sources", "{}"),
    },
    caption="Catalog prices per chip; a missing end of a range falls back to the base.",
    name="prices",
)
present.say(tables.price_sources(r))
# %%
quotes = tables.china_quotes_table(r)
if len(quotes):
    present.table(
        quotes,
        {
            "date": ("date", "{}"),
            "quote [CNY]": ("quote [CNY]", "{:,.0f}"),
            "buys": ("buys", "{}"),
            "CNY per USD": ("CNY per USD (period)", "{}", "cny_per_usd"),
            "USD per chip": ("USD per chip", present.usd, "price_usd"),
            "chips.csv base [$]": ("chips.csv base", present.usd, "catalog_price_usd"),
            "source": ("source", "{}"),
        },
        caption="China-market quotes in yuan at the Federal Reserve's rate of their date (data/china_prices.csv, "
        "data/exchange_rates.csv); the report uses chips.csv's price.",
        name="china_quotes",
    )
if tables.china_quotes_words(r):
    present.say(tables.china_quotes_words(r))

# %%
present.say("## Methods and assumptions\n\n" + text.methods(r))  # one block: the heading never ends a page
present.table(
    tables.vendor_table(r),
    {
        "vendor": ("vendor", "{}"),
        "vendor MFU factor": ("vendor MFU factor", "{:.2f}"),
        "factor low": ("low", "{:.2f}", "vendor_mfu_factor_low"),
        "factor high": ("high", "{:.2f}", "vendor_mfu_factor_high"),
        "MFU": ("MFU (base)", "{:.3f}"),
    },
    caption="Vendor software-maturity factors (data/vendor_efficiency.csv) and the MFU each chip trains at.",
    name="vendor_factors",
)
# %%
present.source_list(r.inputs.used)

# %%
present.appendix(  # the heading in the table's output: it never ends a page
    r.inputs.parameters, r.inputs.used, report.PARAMETERS, heading=("Appendix: parameters and inputs as used", "")
)

# %% tags=["remove_cell"]
present.emit_key_figures(r.inputs.parameters, r.inputs.used, **report.key_figures(r))
