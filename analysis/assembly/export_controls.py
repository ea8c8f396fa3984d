"""The export_controls report: where each accelerator sits against the ECCN 3A090 thresholds of
each rule vintage (per integrated circuit), what licence-review policy a US export of it to China
meets, and how a what-if rule would classify it.

``inputs`` validates the parameters and resolves the rules, licence policies and chips from data;
``figures`` maps them to the metrics, classification and licence policy of every chip. There is no
Monte Carlo: a classification follows from datasheet figures and legal thresholds, and the
report checks instead whether the catalog's ranges move any chip across a threshold
(:func:`range_check`). Tables, findings and the key figures are small functions the tests call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import keys_in, load
from ..formulas import controls
from . import params, present

PARAMETERS = params.declare(tpp_threshold=None, density_threshold=None, io_threshold_gb_s=None)

#: The rule vintage whose 3A090.a clauses the what-if rule starts from, and its clause ids.
WHAT_IF_BASE = "2023-10"
WHAT_IF = "what-if"
#: Rule vintage of the licence policy that applies today (the answer and the key figure).
CURRENT = "2026-01"

# ---------------------------------------------------------------------------------------------
# inputs


def rule_as_written(rules: pd.DataFrame | None = None) -> dict:
    """The 3A090.a thresholds of :data:`WHAT_IF_BASE` that a what-if parameter left at None keeps:
    ``tpp_threshold`` (3A090.a.1's TPP floor, 4,800), ``density_threshold`` (3A090.a.2's density
    floor, 5.92), ``density_tpp_floor`` (3A090.a.2's TPP floor, 1,600) — read from
    ``export_rules.csv``."""
    rules = load("export_rules") if rules is None else rules
    base = rules[rules["rule_id"] == WHAT_IF_BASE].set_index("clause")
    return {
        "tpp_threshold": float(base.loc["3A090.a.1", "tpp_min"]),
        "density_threshold": float(base.loc["3A090.a.2", "density_min"]),
        "density_tpp_floor": float(base.loc["3A090.a.2", "tpp_min"]),
        "io_threshold_gb_s": None,
    }


def what_if_rule(
    *, tpp_threshold: float, density_threshold: float, density_tpp_floor: float, io_threshold_gb_s: float | None
) -> pd.DataFrame:
    """Clauses of a hypothetical rule in the layout of ``export_rules.csv``: ``controlled`` when
    TPP ≥ ``tpp_threshold`` (and bidirectional I/O ≥ ``io_threshold_gb_s`` if given), or when
    TPP ≥ ``density_tpp_floor`` with performance density ≥ ``density_threshold``. Every
    threshold is used as given — 0 included."""
    io_min = np.nan if io_threshold_gb_s is None else float(io_threshold_gb_s)
    clauses = [("a.1", tpp_threshold, np.nan, io_min), ("a.2", density_tpp_floor, density_threshold, np.nan)]
    return pd.DataFrame(
        [
            {
                "rule_id": WHAT_IF,
                "clause": c,
                "tpp_min": float(t),
                "tpp_max": np.nan,
                "density_min": float(d),
                "density_max": np.nan,
                "io_min_gb_s": io,
                "chip_ids": "",
                "outcome": "controlled",
            }
            for c, t, d, io in clauses
        ]
    )


def inputs(**values) -> dict:
    """The report's inputs: ``parameters`` (validated), ``resolved`` (the thresholds actually
    used, a None parameter replaced by the rule as written), ``what_if`` (any threshold given),
    ``chips`` (the catalog), ``rules`` (``export_rules.csv`` plus the what-if clauses) and
    ``policies`` (``licence_policies.csv``)."""
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        raise params.ParameterError(
            f"unknown parameter(s) {', '.join(unknown)} for export_controls; declared: {', '.join(PARAMETERS)}"
        )
    p = params.validate(
        "export_controls", **{name: values.get(name, spec.default) for name, spec in PARAMETERS.items()}
    )
    rules = load("export_rules")
    written = rule_as_written(rules)
    resolved = {name: (written[name] if p.get(name) is None else p[name]) for name in PARAMETERS}
    resolved["density_tpp_floor"] = written["density_tpp_floor"]
    what_if = any(p[name] is not None for name in PARAMETERS)
    if what_if:
        rules = pd.concat([rules, what_if_rule(**resolved)], ignore_index=True)
    return {
        "parameters": p,
        "resolved": resolved,
        "written": written,
        "what_if": what_if,
        "chips": load("chips"),
        "rules": rules,
        "policies": load("licence_policies"),
    }


def figures(inp: dict) -> dict:
    """Per chip (per integrated circuit): ``metrics`` (:func:`controls.chip_metrics`),
    ``status`` (one column per rule vintage, plus ``what-if``) and ``policy`` (licence policy for
    an export to China, one column per vintage with policy rows)."""
    chips = inp["chips"]
    metrics = controls.chip_metrics(chips)
    status = controls.classify(metrics, inp["rules"])
    policy = controls.licence_policy(status, metrics, inp["policies"], us_export_licensing=chips["us_export_licensing"])
    return {"metrics": metrics, "status": status, "policy": policy}


def run(**values) -> dict:
    """:func:`inputs` and :func:`figures` in one dict (what the notebook calls)."""
    inp = inputs(**values)
    return inp | figures(inp)


def control_status(chip_ids=None) -> pd.DataFrame:
    """Metrics, status under every rule as written and the licence policy (``licence <vintage>``
    columns) per chip: the frame ``python -m analysis controls`` prints."""
    r = run()
    frame = r["metrics"].join(r["status"]).join(r["policy"].add_prefix("licence "))
    return frame if chip_ids is None else frame.loc[list(chip_ids)]


def licence_policies(chip_ids=None) -> pd.DataFrame:
    """Licence-review policy for a US export to China, index chip id, one column per rule vintage
    (values: ``not required``, ``case-by-case``, ``presumption of denial``, ``not subject``,
    ``undetermined``). ``chip_ids`` selects and orders the rows (default: every catalog chip)."""
    policy = run()["policy"]
    return policy if chip_ids is None else policy.loc[list(chip_ids)]


# ---------------------------------------------------------------------------------------------
# names and numbers


def number(value, digits: int = 0) -> str:
    """A threshold or metric as readers write it ("4,800", "5.92", "0"); n/a when unknown."""
    if value is None or value != value:
        return "n/a"
    return f"{value:,.{digits}f}" if digits else f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def names(chip_ids) -> str:
    """Chip names joined for a sentence ("A, B and C"), or "none"."""
    items = [present.chip_short(c) for c in chip_ids]
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------------------------------------
# tables (chip names, units in labels)


def _by_name(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` indexed by the chips' short names (wide tables fit the page)."""
    shown = frame.copy()
    shown.index = [present.chip_short(c) for c in frame.index]
    return shown


def metrics_table(r: dict) -> pd.DataFrame:
    """What the rules test, per integrated circuit, one row per chip (by name)."""
    m = r["metrics"]
    table = pd.DataFrame(
        {
            "ICs per card": m["ics_per_card"],
            "TPP per IC": m["tpp"],
            "die area [mm²]": m["die_area_mm2"],
            "performance density [TPP/mm²]": m["performance_density"],
            "chip-to-chip I/O [GB/s]": m["interconnect_gb_s"],
            "DRAM bandwidth per IC [GB/s]": m["dram_bandwidth_gb_s"],
            "US export licensing": np.where(r["chips"]["us_export_licensing"], "applies", "no (not a US export)"),
        },
        index=m.index,
    )
    return _by_name(table)


def status_table(r: dict) -> pd.DataFrame:
    """Classification under each rule vintage (and the what-if rule), one row per chip."""
    return _by_name(r["status"])


def policy_table(r: dict) -> pd.DataFrame:
    """Licence-review policy for an export to China under each vintage, one row per chip."""
    return _by_name(r["policy"])


def rules_table(r: dict) -> pd.DataFrame:
    """One row per rule vintage: name, effective date and its licence-policy rows in words."""
    rules = r["rules"]
    rules = rules[rules["rule_id"] != WHAT_IF]
    rows = {}
    for rule_id, clauses in rules.groupby("rule_id", sort=False):
        policy = r["policies"][r["policies"]["rule_id"] == rule_id].sort_values("order")
        rows[rule_id] = {
            "rule": clauses["rule_name"].iloc[0],
            "effective": clauses["effective_date"].iloc[0],
            "licence policy for China": "; ".join(_policy_row_text(row) for row in policy.itertuples()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def clauses_table(r: dict) -> pd.DataFrame:
    """The classification clauses of the rule vintages (and the what-if rule) in words, from
    ``export_rules.csv``; vintages that keep an earlier vintage's clause share its row."""
    rows: dict[tuple, dict] = {}
    for clause in r["rules"].itertuples():
        tests = []
        for value, text in (
            (clause.tpp_min, "TPP ≥ {}"),
            (clause.tpp_max, "TPP < {}"),
            (clause.density_min, "density ≥ {}"),
            (clause.density_max, "density < {}"),
            (clause.io_min_gb_s, "I/O ≥ {} GB/s"),
        ):
            if value == value:
                tests.append(text.format(number(value)))
        key = (clause.clause, " and ".join(tests), clause.outcome)
        rows.setdefault(key, {"rules": []})["rules"].append(clause.rule_id)
    return pd.DataFrame(
        [
            {"rule vintages": ", ".join(v["rules"]), "clause": k[0], "test (all must hold)": k[1], "status": k[2]}
            for k, v in rows.items()
        ]
    ).set_index("rule vintages")


def key_figure(r: dict) -> str:
    """The key figure: how many catalog chips meet each licence policy under :data:`CURRENT`."""
    counts = r["policy"][CURRENT].value_counts()
    order = [
        controls.CASE_BY_CASE,
        controls.PRESUMPTION_OF_DENIAL,
        controls.NOT_REQUIRED,
        controls.NOT_SUBJECT,
        controls.POLICY_UNDETERMINED,
    ]
    parts = [
        f"{counts[p]} {p}" + (" (not US exports)" if p == controls.NOT_SUBJECT else "")
        for p in order
        if counts.get(p, 0)
    ]
    return (
        f"**Licence policy for an export to China today ({CURRENT}), {len(r['policy'])} catalog chips: "
        + ", ".join(parts)
        + ".**"
    )


def _policy_row_text(row) -> str:
    """One licence-policy row as a phrase: "3A090.a with TPP < 21,000 and DRAM < 6,500 GB/s → …"."""
    scope = " or ".join(s.strip() for s in row.statuses.split(";"))
    chips = [c.strip() for c in str(row.chip_ids).split(";") if c.strip() and c.strip() != "nan"]
    if chips:
        scope = f"{names(chips)} ({scope})"
    limits = []
    if row.tpp_max == row.tpp_max:
        limits.append(f"TPP < {number(row.tpp_max)}")
    if row.dram_bandwidth_gb_s_max == row.dram_bandwidth_gb_s_max:
        limits.append(f"DRAM bandwidth < {number(row.dram_bandwidth_gb_s_max)} GB/s")
    return scope + (" with " + " and ".join(limits) if limits else "") + f" → {row.policy}"


#: One line per parameter for the appendix: meaning and unit.
HELP = {
    "tpp_threshold": "what-if: TPP per IC at or above which a chip is controlled",
    "density_threshold": "what-if: performance density [TPP/mm²] at or above which a chip with "
    "TPP of at least the 2023 floor is controlled",
    "io_threshold_gb_s": "what-if: also require this chip-to-chip I/O [GB/s] for the TPP test, as in 2022",
}


def appendix(r: dict) -> dict:
    """Arguments of ``present.parameters_table``: the parameters as given, the thresholds used
    for those left at None, where they come from, and what each means."""
    written = f"{WHAT_IF_BASE} rule as written"
    return {
        "parameters": r["parameters"],
        "resolved": {k: r["resolved"][k] for k in PARAMETERS if r["resolved"][k] is not None},
        "origins": {
            "tpp_threshold": f"{written}, 3A090.a.1",
            "density_threshold": f"{written}, 3A090.a.2",
            "io_threshold_gb_s": "no I/O test, as in the 2023 rule",
        },
        "help": HELP,
    }


def what_if_text(resolved: dict) -> str:
    """The what-if rule in words, with the thresholds actually used (0 stays 0)."""
    io = resolved.get("io_threshold_gb_s")
    return (
        f"TPP ≥ {number(resolved['tpp_threshold'])}"
        + (f" with chip-to-chip I/O ≥ {number(io)} GB/s" if io is not None else "")
        + f", or TPP ≥ {number(resolved['density_tpp_floor'])} with performance density ≥ "
        f"{number(resolved['density_threshold'])}"
    )


def _where(frame: pd.DataFrame, column: str, value) -> list[str]:
    return list(frame.index[frame[column] == value])


def current_limits(r: dict) -> tuple[float, float]:
    """TPP and DRAM bandwidth [GB/s] below which a 3A090 chip is reviewed case by case under
    :data:`CURRENT` (from ``licence_policies.csv``)."""
    rows = r["policies"][(r["policies"]["rule_id"] == CURRENT) & r["policies"]["tpp_max"].notna()]
    return float(rows["tpp_max"].iloc[0]), float(rows["dram_bandwidth_gb_s_max"].iloc[0])


def answer(r: dict) -> str:
    """The one-paragraph answer: today's licence policy, and the turns that led to it."""
    policy, status, m = r["policy"], r["status"], r["metrics"]
    tpp_max, bw_max = current_limits(r)
    us = r["chips"]["us_export_licensing"]
    case = [
        c for c in _where(policy, CURRENT, controls.CASE_BY_CASE) if status.loc[c, CURRENT] != controls.NOT_CONTROLLED
    ]
    denial = _where(policy, CURRENT, controls.PRESUMPTION_OF_DENIAL)
    free = _where(policy, CURRENT, controls.NOT_REQUIRED)
    h20 = m.loc["h20"] if "h20" in m.index else None
    text = (
        f"**Since 15 January 2026 (91 FR 1684), a US export to China of a 3A090 chip with TPP below "
        f"{number(tpp_max)} and DRAM bandwidth below {number(bw_max)} GB/s is reviewed case by case** — "
        f"of the catalog: "
        f"{names(case)}. Above either line it stays a presumption of denial: {names(denial)}. "
    )
    if h20 is not None:
        text += (
            f"The H20 has never been in 3A090 (TPP {number(h20['tpp'])} per IC, performance density "
            f"{number(h20['performance_density'], 2)}), but since April 2025 it needs a licence all the same "
            f"(case-by-case in this model; none was granted before August 2025). "
        )
    escaped = [
        c
        for c in _where(status, "2022-10", controls.NOT_CONTROLLED)
        if m.loc[c, "tpp"] >= r["written"]["tpp_threshold"] and us[c]
    ]
    if escaped:
        text += (
            f"The {names(escaped)} escaped the October 2022 rule through their chip-to-chip I/O and were caught "
            f"by 3A090.a in October 2023. "
        )
    foreign = list(us.index[~us])
    text += (
        f"Chips made and sold in China ({names(foreign)}) are not US exports, so US licensing does not apply "
        f"to them (“not subject”), although the rules' thresholds would classify most of them."
    )
    if free:
        text += f" No licence is needed today for {names([c for c in free if us[c]])}."
    return text


def findings(r: dict) -> str:
    """Key findings as a markdown bullet list (numbers from the data, what-if with the thresholds
    actually used)."""
    status, m = r["status"], r["metrics"]
    us = r["chips"]["us_export_licensing"]
    lines = []
    for rule_id, label in (("2022-10", "October 2022"), ("2023-10", "October 2023")):
        in_rule = [
            c
            for c in status.index
            if status.loc[c, rule_id] not in (controls.NOT_CONTROLLED, *controls.UNDETERMINED_STATUSES)
        ]
        lines.append(f"- **{label}** ({rule_id}): in 3A090 — {names(in_rule)}.")
    multi = list(m.index[m["ics_per_card"] > 1])
    for c in multi:
        lines.append(
            f"- **{present.chip_short(c)}** carries {m.loc[c, 'ics_per_card']} integrated circuits; the rules assess "
            f"each IC, so its TPP is {number(m.loc[c, 'tpp'])} per IC "
            f"({number(m.loc[c, 'tpp'] * m.loc[c, 'ics_per_card'])} for the card), "
            f"under 2023-10: {status.loc[c, '2023-10']}."
        )
    undetermined = [
        f"{present.chip_short(c)} under {rule} ({status.loc[c, rule].split('(')[1].rstrip(')')})"
        for rule in status.columns
        for c in status.index
        if status.loc[c, rule] in controls.UNDETERMINED_STATUSES
    ]
    lines.append(
        "- **Undetermined** (a figure the rule tests is unpublished; shown as such, never counted as "
        f"controlled): {'; '.join(undetermined) or 'none'}."
    )
    planar = list(m.index[m["planar_node"]])
    lines.append(
        "- **Planar nodes**: no catalog chip is made on one, so every published die area counts as applicable."
        if not planar
        else f"- **Planar nodes** (no applicable die area, density clauses do not apply): {names(planar)}."
    )
    lines.append(f"- **Not US exports** (licence policy “not subject”): {names(list(us.index[~us]))}.")
    if r["what_if"]:
        controlled = _where(status, WHAT_IF, "controlled")
        undecided = list(status.index[status[WHAT_IF].isin(controls.UNDETERMINED_STATUSES)])
        lines.append(
            f"- **What-if rule** ({what_if_text(r['resolved'])}): controlled — {names(controlled)}"
            + (f"; undetermined — {names(undecided)}" if undecided else "")
            + "."
        )
    return "\n".join(lines)


def range_check(r: dict) -> str:
    """Whether the catalog's BF16 ranges (low/high) move any chip across a threshold as written."""
    chips = r["chips"]
    rules = r["rules"][r["rules"]["rule_id"] != WHAT_IF]
    ranged = chips.dropna(subset=["bf16_dense_tflops_low", "bf16_dense_tflops_high"], how="all")
    moved = []
    for end in ("bf16_dense_tflops_low", "bf16_dense_tflops_high"):
        varied = ranged.copy()
        varied["bf16_dense_tflops"] = varied[end].fillna(varied["bf16_dense_tflops"])
        changed = controls.classify(controls.chip_metrics(varied), rules).ne(
            r["status"].loc[varied.index, rules["rule_id"].unique()]
        )
        moved += list(changed.index[changed.any(axis=1)])
    moved = list(dict.fromkeys(moved))
    if moved:
        return f"The catalog's BF16 ranges move {names(moved)} across a threshold; see the notes in chips.csv."
    return (
        f"No band: the catalog's BF16 ranges ({names(list(ranged.index))}) move no chip across a threshold "
        "of any rule vintage."
    )


# ---------------------------------------------------------------------------------------------
# figure


def plot(r: dict, ax=None):
    """TPP per IC against performance density (log–log) with the 3A090 bands of 2023-10 and
    the what-if thresholds; chips without an applicable die area sit on the bottom edge."""
    import matplotlib.pyplot as plt

    m, w = r["metrics"], r["written"]
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(9.5, 5.8))
    x_max = float(np.nanmax(m["tpp"])) * 1.8
    x_min, y_min, y_max = 700.0, 0.45, 40.0
    floor, tpp_a, pd_a = w["density_tpp_floor"], w["tpp_threshold"], w["density_threshold"]
    red, orange = "#c44e52", "#dd8452"
    ax.fill_between([tpp_a, x_max], y_min, y_max, color=red, alpha=0.2, lw=0, label="3A090.a (2023-10)")
    ax.fill_between([floor, tpp_a], pd_a, y_max, color=red, alpha=0.2, lw=0)
    band_b = r["rules"][(r["rules"]["rule_id"] == WHAT_IF_BASE) & r["rules"]["clause"].str.startswith("3A090.b")]
    for i, clause in enumerate(band_b.itertuples()):
        hi = clause.tpp_max if clause.tpp_max == clause.tpp_max else tpp_a
        ax.fill_between(
            [clause.tpp_min, hi],
            clause.density_min,
            clause.density_max,
            color=orange,
            alpha=0.15,
            lw=0,
            label="3A090.b (2023-10)" if i == 0 else None,
        )
    tpp_max, _ = current_limits(r)
    ax.axvline(tpp_max, color="#555", lw=1.0, ls="--")
    ax.text(tpp_max, y_max * 0.92, f" 2026-01:\n TPP {number(tpp_max)}", fontsize=7.5, va="top", color="#333")
    if r["what_if"]:
        res = r["resolved"]
        ax.axvline(
            max(res["tpp_threshold"], x_min),
            color="#1f77b4",
            lw=1.6,
            ls="--",
            label=f"what-if TPP ≥ {number(res['tpp_threshold'])}",
        )
        ax.axhline(
            max(res["density_threshold"], y_min),
            color="#1f77b4",
            lw=1.2,
            ls="-.",
            label=f"what-if density ≥ {number(res['density_threshold'])}",
        )
    colors = present.chip_colors(m.index)
    bottom = y_min * 1.25
    placed = m.assign(y=m["performance_density"].fillna(bottom))
    for (tpp, y), group in placed.groupby(["tpp", "y"]):
        known = group["performance_density"].notna().iloc[0]
        first = group.index[0]
        ax.scatter(tpp, y, s=42, color=colors[first], edgecolor="black", lw=0.5, marker="o" if known else "v", zorder=3)
        ax.annotate(
            ", ".join(present.chip_short(c) for c in group.index),
            (tpp, y),
            xytext=(5, 3 if known else 6),
            textcoords="offset points",
            fontsize=7.2,
            rotation=0 if known else 35,
            rotation_mode="anchor",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.legend(loc="upper left", fontsize=7.5, frameon=True)
    ax.set_title("Accelerators against the 3A090 thresholds (per integrated circuit)")
    ax.set_xlabel("total processing performance per IC, TPP (dense TOPS × bit length)")
    ax.set_ylabel("performance density [TPP per mm² of die]")
    ax.text(x_min * 1.05, bottom * 0.82, "▼ die area unpublished: density unknown", fontsize=7, color="#444", va="top")
    return fig


# ---------------------------------------------------------------------------------------------
# key figures and sources


def key_figures(r: dict) -> dict:
    """The JSON contract: ``chips`` → {chip id: {``tpp`` (per IC), ``performance_density``
    (TPP/mm², None where unknown), ``ics_per_card``, ``us_export_licensing``, ``status``: {rule:
    classification}, ``licence_policy``: {rule: policy}}}, and ``what_if`` (the thresholds used,
    or None)."""
    m, status, policy = r["metrics"], r["status"], r["policy"]
    chips = {}
    for c in m.index:
        density = m.loc[c, "performance_density"]
        chips[c] = {
            "tpp": float(m.loc[c, "tpp"]),
            "performance_density": None if density != density else float(density),
            "ics_per_card": int(m.loc[c, "ics_per_card"]),
            "us_export_licensing": bool(r["chips"].loc[c, "us_export_licensing"]),
            "status": {rule: status.loc[c, rule] for rule in status.columns},
            "licence_policy": {rule: policy.loc[c, rule] for rule in policy.columns},
        }
    what_if = (
        {k: r["resolved"][k] for k in ("tpp_threshold", "density_threshold", "density_tpp_floor", "io_threshold_gb_s")}
        if r["what_if"]
        else None
    )
    return {"chips": chips, "what_if": what_if}


#: The chips.csv source columns behind the figures this report uses.
CHIP_SOURCE_COLUMNS = ("compute_source", "die_source", "interconnect_source", "memory_source")


def source_keys(r: dict) -> list[str]:
    """Source keys of the chip figures the rules test, the rules and the licence policies."""
    chips = r["chips"][list(CHIP_SOURCE_COLUMNS)]
    return list(
        dict.fromkeys(keys_in(chips) + keys_in(r["rules"][r["rules"]["rule_id"] != WHAT_IF]) + keys_in(r["policies"]))
    )
