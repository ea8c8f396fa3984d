"""A national AI compute stock: chips added per year and channel, survival, domestic output as the
minimum over its supply constraints (stockpiles spent across years), three measures of compute,
the largest training run a stock allows, the gap in months and the break-even algorithmic
multiplier.

Arrays are (draws, years) unless a docstring says otherwise; a year's additions arrive at
mid-year and a stock is counted at the end of the year.
"""

from __future__ import annotations

import numpy as np

#: H100 SXM dense peaks that define an H100-equivalent: 8-bit (FP8 = INT8, 1,978.9 TOP/s, the
#: 1,979 Epoch AI divides by) and BF16 (989.4 TFLOP/s), both as data/chips.csv has them.
H100_EIGHT_BIT_TOPS = 1978.9
H100_BF16_TFLOPS = 989.4
#: Service life of an AI accelerator before retirement [years]: the hyperscalers' server useful
#: life (Microsoft, Alphabet, Amazon 6 years; Meta 5-5.5).
LIFETIME_YEARS = 6.0
#: Diameter of a leading-edge logic wafer [mm].
WAFER_DIAMETER_MM = 300.0
#: China's exports of a product under 91 FR 1684 may be at most this share of its US volume.
EXPORT_CAP_SHARE_OF_US = 0.5
SECONDS_PER_DAY = 86_400.0

#: Names of the limits on domestic output, in the order :func:`domestic_output` codes them.
LIMITS = ("reported output", "logic dies", "HBM stacks", "packaging")


def eight_bit_tops(fp8_dense_tflops, int8_dense_tops):
    """A chip's dense 8-bit peak [TOP/s] as Epoch AI counts it: the larger of its dense FP8 and
    INT8 peaks (FP8 where a chip has it: Blackwell Ultra's INT8 is a fraction of its FP8),
    max(FP8, INT8), NaN where neither is known.

    Source: epoch-ai-chip-counts.
    """
    fp8 = np.asarray(fp8_dense_tflops, dtype=float)
    int8 = np.asarray(int8_dense_tops, dtype=float)
    return np.where(np.isnan(fp8), int8, np.where(np.isnan(int8), fp8, np.maximum(fp8, int8)))


def h100_equivalents(units, peak, reference_peak):
    """Chips expressed as H100s of equal peak [H100e]: units × peak / the H100's peak at the same
    precision (8-bit: 1,978.9 TOP/s; BF16: 989.4 TFLOP/s).

    Source: epoch-ai-chip-counts.
    """
    return np.asarray(units, dtype=float) * np.asarray(peak, dtype=float) / reference_peak


def survival(age_years, lifetime_years=LIFETIME_YEARS):
    """Share of chips still in service at ``age_years`` [years]: a step at the service life,
    S(a) = 1 for a < L, 0 after (no chip retires before its useful life ends).

    Source: hyperscaler-depreciation.
    """
    return (np.asarray(age_years, dtype=float) < lifetime_years).astype(float)


def stock_by_year(additions, *, lifetime_years=LIFETIME_YEARS):
    """Chips in service at the end of each year [chips], from additions per year (draws, years),
    each year's additions arriving at mid-year: stock_y = Σ_{t ≤ y} additions_t × S(y − t + ½)
    (:func:`survival`).

    Source: hyperscaler-depreciation.
    """
    additions = np.atleast_2d(np.asarray(additions, dtype=float))
    years = additions.shape[1]
    age = np.arange(years)[:, None] - np.arange(years)[None, :] + 0.5  # [end of year y, added in t]
    weights = np.where(age > 0, survival(age, lifetime_years), 0.0)
    return additions @ weights.T


def gross_dies_per_wafer(die_area_mm2, wafer_diameter_mm=WAFER_DIAMETER_MM):
    """Whole die sites on a round wafer [dies]: π (d/2)² / A − π d / √(2 A), the wafer's area over
    the die's less the partial dies on its edge (d wafer diameter [mm], A die area [mm²]).

    Source: definition.
    """
    area = np.asarray(die_area_mm2, dtype=float)
    return np.pi * (wafer_diameter_mm / 2) ** 2 / area - np.pi * wafer_diameter_mm / np.sqrt(2 * area)


def good_dies_per_year(wafers_per_month, share, dies_per_wafer, die_yield):
    """Good logic dies a foundry line makes for one customer in a year [dies]: wafers per month ×
    12 × the customer's share of them × die sites per wafer × yield.

    Source: semianalysis-huawei-diebank-2025; reuters-910c-yield-2024; ft-huawei-yield-2025.
    """
    return np.asarray(wafers_per_month, dtype=float) * 12.0 * share * dies_per_wafer * die_yield


def domestic_output(
    planned,
    *,
    dies_per_package,
    stacks_per_package,
    die_bank,
    hbm_stockpile,
    new_dies,
    hbm_from_year,
    packaging=None,
    hbm_replenished=False,
) -> dict[str, np.ndarray]:
    """Domestic accelerator output per year as the minimum over its constraints, the stockpiles
    spent across years.

    ``planned``: reported output (draws, years, chips) [packages]; ``dies_per_package`` and
    ``stacks_per_package``: per chip; ``die_bank`` and ``hbm_stockpile``: stocks (draws,) drawn
    once and spent year after year [dies, stacks]; ``new_dies``: dies made at home each year
    (draws, years), unused ones carried over; ``hbm_from_year``: index of the first year in which
    HBM is limited to the stockpile (before it, stacks could be imported); ``packaging``: packages
    per year (years,) or None (no limit); ``hbm_replenished``: stacks never run short.

    Each year the plan is scaled by s = min(1, dies available / dies needed, stacks left /
    stacks needed, packaging / packages); the limit with the smallest ratio binds (index into
    :data:`LIMITS`, 0 when the reported output is met). Dies are taken from the die bank first,
    then from the home-made ones. Returns ``output`` (draws, years, chips), ``from_bank``
    (share of each year's dies from the bank, (draws, years)), ``binding`` (draws, years) and
    the stocks left at each year's end, ``die_bank_left`` and ``hbm_left`` (draws, years).

    Source: semianalysis-huawei-diebank-2025; csis-deepseek-huawei-2025.
    """
    planned = np.asarray(planned, dtype=float)
    draws, years, _ = planned.shape
    bank, hbm = np.array(die_bank, dtype=float), np.array(hbm_stockpile, dtype=float)
    home = np.zeros(draws)
    out = {k: np.zeros((draws, years)) for k in ("from_bank", "die_bank_left", "hbm_left")}
    out["binding"] = np.zeros((draws, years), dtype=int)
    out["output"] = np.zeros_like(planned)
    for y in range(years):
        home = home + np.asarray(new_dies, dtype=float)[:, y]
        dies = planned[:, y] @ np.asarray(dies_per_package, dtype=float)
        stacks = planned[:, y] @ np.asarray(stacks_per_package, dtype=float)
        packages = planned[:, y].sum(axis=1)
        hbm_limited = y >= hbm_from_year and not hbm_replenished
        ratios = np.stack(
            [
                np.ones(draws),
                _ratio(bank + home, dies),
                _ratio(hbm, stacks) if hbm_limited else np.full(draws, np.inf),
                _ratio(np.full(draws, packaging[y]), packages) if packaging is not None else np.full(draws, np.inf),
            ]
        )
        out["binding"][:, y] = ratios.argmin(axis=0)
        scale = ratios.min(axis=0)
        out["output"][:, y] = planned[:, y] * scale[:, None]
        used_dies = dies * scale
        taken = np.minimum(bank, used_dies)
        out["from_bank"][:, y] = np.where(used_dies > 0, taken / np.where(used_dies > 0, used_dies, 1.0), 0.0)
        bank, home = bank - taken, home - (used_dies - taken)
        if hbm_limited:
            hbm = np.maximum(hbm - stacks * scale, 0.0)
        out["die_bank_left"][:, y], out["hbm_left"][:, y] = bank, hbm
    return out


def _ratio(available, needed):
    """available / needed, infinite where nothing is needed."""
    needed = np.asarray(needed, dtype=float)
    return np.where(needed > 0, np.asarray(available, dtype=float) / np.where(needed > 0, needed, 1.0), np.inf)


def capped_exports(units, us_units, cap_share=EXPORT_CAP_SHARE_OF_US):
    """Exports to China allowed under 91 FR 1684's volume condition [chips]: at most ``cap_share``
    (50 %) of the same product shipped to US end users, min(units, 0.5 × US units).

    Source: fr-2026-00789; strtrade-h200-rule-2026.
    """
    return np.minimum(np.asarray(units, dtype=float), cap_share * np.asarray(us_units, dtype=float))


def stock_power_gw(units, w_per_chip, pue):
    """Facility power of a stock at full draw [GW]: chips × maximum power per chip (TDP × server
    power ratio) [W] × PUE / 10⁹.

    Source: epoch-chip-to-server-power.
    """
    return np.asarray(units, dtype=float) * np.asarray(w_per_chip, dtype=float) * pue / 1e9


def largest_run_flop(peak_flop_per_s, *, mfu, goodput, days):
    """Training compute of one run [FLOP]: the cluster's dense peak [FLOP/s] × MFU × goodput ×
    days × 86,400 s.

    Source: kaplan-2020; llama3-paper.
    """
    return np.asarray(peak_flop_per_s, dtype=float) * mfu * goodput * days * SECONDS_PER_DAY


def gap_months(leader, follower, years):
    """How long ago the leader had the follower's capability [months], per draw and year:
    the time t at which the leader's series (made non-decreasing) reaches the follower's value in
    year y, interpolated on log10 between years, gap = (y − t) × 12; 0 where the follower is level
    or ahead; before the leader's first year, extrapolated at its first year-on-year growth rate.

    Source: definition.
    """
    lead = np.log10(np.maximum.accumulate(np.asarray(leader, dtype=float), axis=1))
    follow = np.log10(np.asarray(follower, dtype=float))
    years = np.asarray(years, dtype=float)
    slope = np.maximum(lead[:, 1] - lead[:, 0], 1e-9)[:, None]
    # the last year whose leader value is at or below the follower's (the rows never decrease),
    # and the next: np.interp's segment, with its arithmetic, for every draw and year at once
    below = np.clip((lead[:, None, :] <= follow[:, :, None]).sum(axis=2) - 1, 0, lead.shape[1] - 2)
    lo, hi = np.take_along_axis(lead, below, axis=1), np.take_along_axis(lead, below + 1, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # segments of years the follower is level or ahead
        between = np.where(
            follow == lo, years[below], (years[below + 1] - years[below]) / (hi - lo) * (follow - lo) + years[below]
        )
        when = np.where(follow < lead[:, :1], years[0] - (lead[:, :1] - follow) / slope, between)
        return np.where(follow >= lead, 0.0, (years - when) * 12.0)


def break_even_multiplier(leader_flop, follower_flop):
    """The algorithmic-efficiency multiplier the follower needs to match the leader's largest run
    of the same year [×]: leader FLOP / follower FLOP (1 or less: none needed).

    Source: definition.
    """
    return np.asarray(leader_flop, dtype=float) / np.asarray(follower_flop, dtype=float)
