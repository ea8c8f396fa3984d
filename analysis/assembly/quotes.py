"""How a figure of the Monte Carlo is quoted in words, one wording in every report: at the base
point (every input at its base value) or as the median of the draws with its P10–P90 band. The
two differ where an input's range is lopsided (the H100's price range 33,750–33,750–44,490 has its
low end at the base, so its median of draws lies above the base) or where a figure is a minimum
or maximum of its inputs (a roofline rate), so a sentence says which it quotes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formulas import uncertainty
from . import present

if TYPE_CHECKING:
    from .procurement_model import Result


def median_of_draws(low, mid, high, fmt) -> str:
    """``"$4.55 B (median of draws, P10–P90 $4.23 B–$5.08 B)"``: a figure's P50 with its band;
    a band of one value (a fixed price, a given count) reads ``"$4.17 B (the same in every
    draw)"``; ``n/a`` where the median is unknown."""
    if present._missing(mid):
        return present.NA
    if fmt(low) == fmt(high):
        return f"{fmt(mid)} (the same in every draw)"
    return f"{fmt(mid)} (median of draws, P10–P90 {fmt(low)}–{fmt(high)})"


def procurement_quote(r: Result, option: str, figure: str, fmt) -> str:
    """An option's figure as every procurement sentence quotes it (:func:`median_of_draws`):
    ``"$4.55 B (median of draws, P10–P90 $4.23 B–$5.08 B)"``, or ``"… (the same in every draw)"``
    where prices are fixed (``price_basis`` base) or the figure does not vary."""
    return median_of_draws(*(frame.loc[option, figure] for frame in (r.p10, r.p50, r.p90)), fmt)


def reference_capex(r: Result) -> str:
    """The procurement reference's all-in capex as every sentence quotes it (:func:`procurement_quote`)."""
    return procurement_quote(r, "reference", "capex_usd", present.usd)


def _skew(low: float, base: float, high: float) -> str:
    """Where the median of a triangular range (mode at ``base``) lies against its base: ``above``
    (the base nearer the low end), ``below`` or ``at``."""
    median = float(uncertainty.distribution(low, base, high).median())
    return "above" if median > base * (1 + 1e-9) else "below" if median < base * (1 - 1e-9) else "at"


def reference_words(r: Result) -> str:
    """The reference cluster's all-in capex and power at the meter as medians of the draws
    (:func:`procurement_quote`), then their base point where the price or PUE is drawn and why the two differ:
    a triangular range (mode at the base) whose base is nearer one end has its median off the base
    (the H100's price 33,750–33,750–44,490: median 44,490 − 10,740 × √½ = 36,896, above the base);
    the PUE is the region's (``region``)."""
    inp, ref = r.inputs, r.inputs.reference_chip
    words = (
        f"all-in capex {reference_capex(r)}, "
        f"{procurement_quote(r, 'reference', 'facility_power_mw', present.mw)} {present.at_the_meter(inp.load_factor)}"
    )
    dollars = lambda v: f"${v:,.0f}"  # noqa: E731
    drawn = [
        f"{what} {'–'.join(fmt(v) for v in (lo, base, hi))}{where}, median {_skew(lo, base, hi)} the base"
        for what, (lo, base, hi), fmt, where in (
            ("the price", inp.ranges[f"{ref} price"], dollars, " per chip"),
            ("the PUE", inp.ranges["pue"], "{:g}".format, f" of {inp.site.name}"),
        )
        if lo != hi
    ]
    if not drawn:
        return words
    return (
        f"{words}; at the base point {present.usd(r.base.loc['reference', 'capex_usd'])} and "
        f"{present.mw(r.base.loc['reference', 'facility_power_mw'])} (drawn as triangles: " + "; ".join(drawn) + ")"
    )
