"""How a figure of the Monte Carlo is quoted in words, one wording in every report: at the base
point (every input at its base value) or as the median of the draws with its P10–P90 band. The
two differ where an input's range is lopsided (the H100's price range 33,750–33,750–44,490 has its
low end at the base, so its median of draws lies above the base) or where a figure is a minimum
or maximum of its inputs (a roofline rate), so a sentence says which it quotes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formulas import uncertainty
from ..formulas.power import HOURS_PER_YEAR
from . import inputs as shared
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


def reference_mfu_p50(r: Result) -> float:
    """The median of the reference chip's MFU draws [share of its dense BF16 peak]: its MFU per draw
    by the report's rule (:func:`analysis.assembly.inputs.chips_mfu`, BF16) from the same seeded streams
    of the MFU and its vendor's factor the report drew (each input draws from its own stream)."""
    inp = r.inputs
    row = inp.chips.loc[[inp.reference_chip]]
    names = ("mfu", f"{row['vendor'].iloc[0]} MFU factor")
    x = uncertainty.draw({k: inp.ranges[k] for k in names}, inp.draws, inp.seed)
    return float(uncertainty.percentiles(shared.chips_mfu(x, row, ranges=inp.ranges, precision="bf16")[:, 0])["p50"])


def reference_flop_basis(r: Result) -> str:
    """Which figure the reference's training FLOP a year is: the median of each draw's product chips ×
    dense BF16 peak × MFU × goodput × 8,760 h × 3,600 s, beside the product of those factors' medians,
    which differs (100,000 H100: median of products 7.3e26, product of medians 100,000 × 989.4e12 ×
    0.40 × 0.654 × 8,760 × 3,600 = 8.2e26), so a reader who multiplies the factors is not misled."""
    inp, ref = r.inputs, r.inputs.reference_chip
    chips, goodput = r.p50.loc["reference", "chips"], r.p50.loc["reference", "goodput"]
    peak, mfu = float(inp.chips.loc[ref, "bf16_dense_tflops"]), reference_mfu_p50(r)
    product = chips * peak * 1e12 * mfu * goodput * HOURS_PER_YEAR * 3_600
    return (
        "the median of the draws' products of chips × peak × MFU × goodput × hours; the product of their medians, "
        f"{present.count(chips)} × {peak:,g} TFLOP/s × {present.pct(mfu)} MFU × {present.pct(goodput)} goodput × "
        f"{HOURS_PER_YEAR:,.0f} h, is {present.flop(product)}"
    )
