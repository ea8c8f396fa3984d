"""The procurement report's figures: training compute per year of every option with its band
(:func:`plot_compute`) and goodput against cluster size (:func:`plot_goodput`). Each builds its
figure from a :class:`~analysis.assembly.procurement_model.Result` and shows it with
:func:`present.show`."""

from __future__ import annotations

import numpy as np

from . import present
from .procurement import option_label
from .procurement_model import Result


def _option_colors(r: Result, options: list[str]) -> list[str]:
    """Each option's bar colour: its chip's, the reference chip's for the reference, grey for a mix."""
    colors = present.chip_colors(r.inputs.chips.index)
    reference = colors[r.inputs.reference_chip]
    return [colors[o] if o in colors else (reference if o == "reference" else "#999999") for o in options]


def plot_compute(r: Result) -> None:
    """Show the training FLOP per year of every option (P50 bars, P10–P90 whiskers); n/a written
    in place of a bar that cannot be computed."""
    import matplotlib.pyplot as plt

    t, lo, hi = (frame["training_flop_per_year"] for frame in (r.p50, r.p10, r.p90))
    options = list(t.index)
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 0.55 * len(options) + 1.6))
    y = np.arange(len(options))
    values = t.fillna(0).to_numpy()
    hatch = ["//" if o == "reference" else "" for o in options]
    ax.barh(y, values, color=_option_colors(r, options), edgecolor=present.EDGE, linewidth=0.5, hatch=hatch)
    known = t.notna().to_numpy() & lo.notna().to_numpy() & hi.notna().to_numpy()
    if known.any():
        below = np.clip(values[known] - lo.to_numpy()[known], 0, None)
        above = np.clip(hi.to_numpy()[known] - values[known], 0, None)
        ax.errorbar(values[known], y[known], xerr=[below, above], fmt="none", ecolor="black", capsize=3, lw=1)
    for yi, value, top in zip(y, t, hi.fillna(0)):
        text = present.NA if present._missing(value) else present.flop(value)
        ax.text(max(top, 0), yi, f"  {text}", va="center", fontsize=present.small_pt())
    ax.set_yticks(y, [option_label(r, o) for o in options])
    ax.invert_yaxis()
    # room for the value labels beyond the whiskers, at the theme's size
    ax.set_xlim(0, max(float(np.nanmax(np.r_[hi.to_numpy(dtype=float), values, 1.0])), 1.0) * 1.5)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))  # long tick labels ("1.2 × 10²⁷") ran together
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: present.sci(v)))
    ax.set_title(f"Training compute per year, net of interruptions\n(reference MFU {r.inputs.mfu:g}, NVIDIA software)")
    ax.set_xlabel("model FLOP per year (P50, whiskers P10–P90)")
    fig.tight_layout()
    present.show(fig)


def plot_goodput(r: Result) -> None:
    """Show the share of wall-clock time spent training against the chips in one job: the P50 of
    the report's draws with its P10–P90 band (:meth:`~analysis.assembly.inputs.Goodput.at_scale`,
    as the findings quote it), with every option's largest cluster marked at its P50."""
    import matplotlib.pyplot as plt

    g, draws, seed = r.inputs.goodput, r.inputs.draws, r.inputs.seed
    sizes = r.p50["largest_cluster_chips"].dropna()
    sizes = sizes[sizes > 0]
    top = max(1e6, float(sizes.max()) * 2 if len(sizes) else 1e6)
    n = np.logspace(2, np.log10(top), 60)
    band = np.array([g.at_scale(size, draws=draws, seed=seed)[:3] for size in n]) * 100
    fig, ax = plt.subplots(figsize=(present.FIGURE_WIDTH_IN, 3.8))
    ax.fill_between(n, band[:, 0], band[:, 2], color="#d9d9d9", lw=0)
    ax.plot(n, band[:, 1], color="#333333", lw=1.8)
    for option, size in sizes.items():
        share = g.at_scale(size, draws=draws, seed=seed)[1] * 100
        color = _option_colors(r, [option])[0]
        label = f"{option_label(r, option)}: {present.counted(size, 'chip')}, {share:.0f} %"
        ax.plot([size], [share], "o", color=color, markeredgecolor=present.EDGE, ms=7, label=label)
    if len(sizes):  # a legend, not labels at the points: nearby clusters' labels overlapped
        ax.legend(loc="lower left", frameon=False)
    present.log_scale(ax, "x")
    ax.set_ylim(0, 105)
    ax.set_title("Goodput falls with the chips in one job (P50 of the draws, shaded P10–P90)")
    ax.set_xlabel("chips in one training job (log scale)")
    ax.set_ylabel("wall-clock time spent training [%]")
    fig.tight_layout()
    present.show(fig)
