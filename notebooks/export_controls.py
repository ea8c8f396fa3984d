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

from analysis.assembly import export_controls as report
from analysis.assembly import present

present.setup()

# %% tags=["parameters"]
# fmt: off
tpp_threshold: Optional[float] = None  # what-if: TPP per IC at or above which a chip is controlled [TPP]; None: the 2023 rule as written
density_threshold: Optional[float] = None  # what-if: performance density floor [TPP/mm²]; None: the 2023 rule as written
io_threshold_gb_s: Optional[float] = None  # what-if: also require this chip-to-chip I/O [GB/s]; None: no I/O test
new_chip_name: Optional[str] = None  # what-if chip: its name in the report; None: hypothetical chip
new_chip_tpp: Optional[float] = None  # what-if chip: total processing performance per IC (or give its dense TOPS instead) [TPP]; None: from its dense TOPS; no what-if chip without either
new_chip_fp32_dense_tflops: Optional[float] = None  # what-if chip: dense FP32 per IC [TFLOP/s]; None: not given
new_chip_bf16_dense_tflops: Optional[float] = None  # what-if chip: dense BF16 per IC [TFLOP/s]; None: not given
new_chip_fp8_dense_tflops: Optional[float] = None  # what-if chip: dense FP8 per IC [TFLOP/s]; None: not given
new_chip_int8_dense_tops: Optional[float] = None  # what-if chip: dense INT8 per IC [TOPS]; None: not given
new_chip_die_area_mm2: Optional[float] = None  # what-if chip: logic die area per IC [mm²]; None: unknown (a density test it decides is undetermined)
new_chip_planar_node: bool = False  # what-if chip: made on a planar node (no applicable die area)
new_chip_interconnect_gb_s: Optional[float] = None  # what-if chip: aggregate bidirectional chip-to-chip I/O [GB/s]; None: unknown (an I/O test it decides is undetermined)
new_chip_dram_bandwidth_gb_s: Optional[float] = None  # what-if chip: DRAM bandwidth per IC [GB/s]; None: unknown (a licence line it decides is undetermined)
new_chip_us_commercially_available: bool = True  # what-if chip: sold in the US when 91 FR 1684 was published (its condition (1))
new_chip_us_export_licensing: bool = True  # what-if chip: a US export (false: a Chinese chip sold in China, not subject)
# fmt: on

# %% tags=["remove_cell"]
r = report.run(**{name: globals()[name] for name in report.PARAMETERS})

# %%
present.say("# Export controls: how the US rules treat each accelerator\n\n" + report.answer(r))

# %%
present.say(report.key_figure(r))

# %%
if r.new_chip is not None:
    chip = report.new_chip_table(r)
    present.table(
        chip, {c: (c, "{}") for c in chip.columns}, report.new_chip_caption(r), names=False, name="what_if_chip"
    )

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r) + "\n\n" + report.range_check(r))

# %% [markdown]
# **Terms.** *3A090*: the export-control classification of advanced AI chips (ECCN 3A090). *TPP*
# (total processing performance): dense TOPS × bit length per integrated circuit, the rules' measure
# of a chip's compute; *performance density*: TPP per mm² of die. *Presumption of denial*: a licence
# is expected to be refused; *case-by-case*: each application is reviewed; *not required*: no
# licence is needed; *not subject*: not a US export. *Undetermined*: a figure the rule tests is
# unpublished.

# %%
# the heading in the figure's output: Chromium keeps a heading with what follows only within one output
report.plot_thresholds(r)

# %%
policies = report.policy_table(r)
present.table(
    policies,
    {c: (c, "{}") for c in policies.columns},
    caption="Exports to China and Macau; end-use and entity-list controls are not modelled.",
    name="licence_policy_by_rule",
    heading=report.POLICY_SECTION,
)
# %%
status = report.status_table(r)
present.table(status, {c: (c, "{}") for c in status.columns}, name="status_by_rule", heading=report.STATUS_SECTION)
# %%
shown = report.metrics_table(r)
present.table(
    shown,
    {
        "ICs per card": ("ICs per card", "{:,.0f}", "ics_per_card"),
        "TPP per IC": ("TPP per IC", "{:,.0f}", "tpp"),
        "die area [mm²]": ("die area [mm²]", "{:,.0f}"),
        "performance density [TPP/mm²]": ("density [TPP/mm²]", "{:.2f}", "performance_density_tpp_per_mm2"),
        "chip-to-chip I/O [GB/s]": ("I/O [GB/s]", "{:,.0f}", "io_gb_s"),
        "DRAM bandwidth per IC [GB/s]": ("DRAM bandwidth per IC [GB/s]", "{:,.0f}", "dram_bandwidth_gb_s"),
        "US export licensing": ("US export licensing", "{}"),
    },
    caption="What the rules test, per integrated circuit. n/a: not published.",
    name="metrics_per_ic",
)
# %%
clauses = report.clauses_table(r)
present.table(
    clauses,
    {c: (c, "{}") for c in clauses.columns},
    names=False,
    caption="Within a vintage the clauses are tried in order; the first that holds gives the status.",
    name="clauses",
    heading=("The rules", ""),
)
# %%
rules = report.rules_table(r)
present.table(rules, {c: (c, "{}") for c in rules.columns}, names=False, name="rules")
# %% [markdown]
# ## Methods and assumptions
# - **TPP** = 2 × MacTOPS × bit length, "aggregated over all processing units on the integrated
#   circuit"; BIS reads 2 × MacTOPS as the datasheet's dense TOPS or TFLOPS. We take the maximum
#   over the catalog's dense figures (FP32 × 32, BF16 × 16, FP8 and INT8 × 8); sparse figures never
#   enter. A card with several integrated circuits (`ics_per_card`) is assessed per IC, its figures
#   split evenly (Cambricon publishes no per-chip figure for the MLU370-X8).
# - **Performance density** = TPP / applicable die area: the logic dies made on a non-planar
#   (FinFET) node. A chip on a planar node has no applicable area: the density clauses do not apply
#   to it (not controlled by them, not undetermined). No catalog chip is planar.
# - **Undetermined**: where a figure a clause tests is unpublished (die area, I/O) and the clause
#   would decide, the status is *undetermined* — shown as such and never counted as controlled; its
#   licence policy is *undetermined* too.
# - **Licence policy** comes from `data/licence_policies.csv`, one sourced row per case, tried in
#   order: 2022-10 and 2023-10 3A090.a meet a presumption of denial; 3A090.b goes through a License
#   Exception NAC notification (modelled as case-by-case); the April 2025 notice puts the H20 under a
#   licence requirement (modelled as case-by-case; no licences were granted until August 2025); 91 FR
#   1684 moves 3A090 chips under its TPP and DRAM-bandwidth lines to case-by-case review, subject to
#   certifications that are not modelled. DRAM bandwidth per IC is the card's divided by its ICs.
# - **Not modelled**: end-use and entity controls, the country scope beyond China and Macau,
#   entities headquartered in China but located elsewhere, Note 2 (non-datacentre chips), the HBM
#   control (3A090.c), and whether a licence is granted in practice.
# - **What-if rule**: the 2023 structure with the thresholds given — TPP at or above the TPP
#   threshold (and I/O at or above the I/O threshold if given), or TPP at or above the 2023 density
#   floor's TPP with density at or above the density threshold. It classifies only; it sets no
#   licence policy. The headline compares it with the 2023 rule as written: 3A090.a there reads as
#   controlled, and a chip outside 3A090.a that it leaves uncontrolled has not changed.
# - **What-if chip** (`new_chip_*` parameters, or `python -m analysis classify`): its figures per
#   integrated circuit go through the same functions as the catalog's, under every rule vintage and
#   the what-if rule; a figure not given is unknown, as an unpublished catalog figure. Unless the
#   reader says otherwise it is assumed a US export, commercially available in the US when 91 FR 1684
#   was published (that rule's condition (1) met; the appendix says which). No licence row
#   that names a chip applies to it (the April 2025 notice named the H20; "ICs reaching its memory
#   bandwidth, interconnect bandwidth or a combination" are not modelled).

# %%
present.say(present.key_inputs(r.inputs.used, top=("tpp_threshold", "density_threshold", "density_tpp_floor")))

# %%
present.source_list(r.inputs.used)

# %% [markdown]
# ## Appendix: parameters and inputs as used

# %%
present.appendix(r.inputs.parameters, r.inputs.used, report.PARAMETERS)

# %% tags=["remove_cell"]
present.emit_key_figures(r.inputs.parameters, r.inputs.used, **report.key_figures(r))
