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
from analysis.assembly import present
from analysis.assembly import validation as report

present.setup()

# %% tags=["parameters"]
# No parameters: every case enters the setup its own source discloses and keeps every other default.

# %% tags=["remove_cell"]
r = report.run(**{name: globals()[name] for name in report.PARAMETERS})

# %%
present.say("# Validation: the package's defaults against published measurements\n\n" + report.answer(r))
present.say(report.contents(), html=True)

# %% [markdown]
# ## Key findings

# %%
present.say(report.findings(r))

# %%
report.plot_errors(r)

# %% [markdown]
# **Terms.** *Error*: modelled ÷ measured − 1; *mean |error|*: its average size, ignoring the sign.
# *P10–P90*: the range that holds the middle 80 % of the Monte Carlo draws (one draw in ten falls
# below it, one in ten above); a headline figure is their median, P50. A band holding the
# measurement in about 8 cases of 10 means what it says (*coverage*). *Calibration case*: a
# measurement a default was set from, which the model reproduces by construction and which is no
# evidence. *MFU* (model-FLOPs utilisation): the share of a chip's peak arithmetic rate that the
# model's useful computation achieves. *Goodput*: the share of wall-clock time a cluster spends
# training; the rest is lost to interruptions, restarts and checkpoints, more of it the more chips
# one job uses.

# %%
coverage = report.coverage_table(r)
present.table(
    coverage,
    {**{column: (column, "{}") for column in coverage.columns}, "cases": ("cases", "{}", "case_count")},
    names=False,
    caption="Validation cases by quantity: error and coverage of the default P10–P90 band.",
    name="coverage",
    heading=report.section("Do the bands hold what was measured?"),
)
# %%
report.plot_coverage(r)

# %%
cases = report.cases_table(r, "validation")
present.table(
    cases,
    {column: (column, "{}") for column in cases.columns},
    names=False,
    caption="Validation cases: no default was set from them and each exercises at least one.",
    name="validation_cases",
    heading=report.section("The validation cases"),
    wrap_labels=True,
    min_widths={"modelled (P10–P90)": 8.5},
)
# %%
present.say("## Cases that miss by more than 35 %, and why\n\n" + report.misses_text(r))

# %%
arithmetic = report.cases_table(r, "arithmetic").drop(columns="defaults exercised")
present.table(
    arithmetic,
    {column: (column, "{}") for column in arithmetic.columns},
    names=False,
    name="arithmetic_checks",
    heading=report.section("Arithmetic checks: cases that test no default (counted for nothing)"),
)
# %%
fitted = report.cases_table(r, "calibration")
present.table(
    fitted,
    {column: (column, "{}") for column in fitted.columns},
    names=False,
    caption="Calibration cases: a default was set from each; they reproduce by construction.",
    name="calibration_cases",
    heading=report.section("Calibration cases: defaults fitted to a measurement (no evidence)"),
    wrap_labels=True,
    min_widths={"modelled (P10–P90)": 8.5},
)
# %%
present.say(report.calibration_text(r))

# %%
present.say("## The utilisation prior, left out one at a time\n\n" + report.loo_text(r))

# %%
loo = report.loo_table(r)
present.table(
    loo,
    {column: (column, "{}") for column in loo.columns},
    caption="Each observation of the fit data (accounted run or production MFU) against the prior fitted on the others.",
    name="utilisation_prior_loo",
    min_widths={"conditions": 11},
)

# %%
candidates = report.candidates_table(r)
present.table(
    candidates,
    {column: (column, "{}") for column in candidates.columns},
    caption="Candidate conditions of the prior, pre-registered (issue 19): leave-one-out on the fit data with each; adopted only if at least 2 points better, coverage within 70–90 % and the expected direction.",
    name="utilisation_prior_candidates",
    min_widths={"expected MFU": 9, "verdict": 10},
)
# %%
present.say("## Published serving throughputs behind the serving utilisation\n\n" + report.serving_observations_text())
served = report.serving_observations_table()
present.table(
    served,
    {column: (column, "{}") for column in served.columns},
    caption="Implied utilisation: prefill, measured ÷ the model's tokens/s at utilisation 1; decode, the "
    "roofline's bytes per step ÷ (step time × HBM bandwidth). Batch: sequences per model replica.",
    name="serving_observations",
)

# %%
present.say("## Published decode throughputs behind the decode utilisation\n\n" + report.decode_observations_text())
decoded = report.decode_observations_table()
present.table(
    decoded,
    {column: (column, "{}") for column in decoded.columns},
    caption=report.decode_observations_caption(),
    name="decode_observations",
)

# %%
present.say("## Published decode batches behind the decode batch\n\n" + report.decode_batches_text())
batches = report.decode_batches_table()
present.table(
    batches,
    {column: (column, "{}") for column in batches.columns},
    caption="Decode batches of published deployments (data/decode_batches.csv): sequences per chip × chips "
    "per replica = sequences per model replica, the roofline's batch. Case: validation cases of the same deployment.",
    name="decode_batches",
    min_widths={"case": 10},
)

# %%
other = report.cases_table(r, "cross-check")
present.table(
    other,
    {column: (column, "{}") for column in other.columns},
    names=False,
    name="cross_checks",
    heading=report.section("Cross-check against another model"),
)
# %% [markdown]
# ## Methods and assumptions

# %%
present.say(report.methods_text(r))

# %%
detail = report.detail_table(r)
present.table(
    detail,
    {column: (column, "{}") for column in detail.columns},
    names=False,
    name="case_detail",
    wrap_labels=True,
    min_widths={"what the measurement includes": 10},
    heading=report.section("Each case in detail"),
)
# %%
present.source_list(r.inputs.used)

# %%
present.appendix(r.inputs.parameters, r.inputs.used, report.PARAMETERS, heading=report.section("Appendix: inputs"))

# %% tags=["remove_cell"]
present.emit_key_figures(r.inputs.parameters, r.inputs.used, **report.key_figures(r))
