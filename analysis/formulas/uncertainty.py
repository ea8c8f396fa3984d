"""Uncertainty and sensitivity: inputs with a low/base/high range become distributions, a seeded
Monte Carlo (inverse-CDF sampling in closed form, :func:`ppf`) propagates them through any
vectorized model, and a tornado and Sobol indices (scipy.stats) name the inputs that drive the
result.

A range (low, base, high) becomes a triangular distribution with its mode at the base value; a
range without a base (low, NaN, high) becomes uniform; a range with low == high is a constant
(not a distribution: :func:`draw` repeats it, :func:`sobol` leaves it out). A range whose base
is a median its source quotes (a market median of rents) is drawn with that median as the median of
the draws, not as a triangle's mode: a :class:`Median` range (:func:`median_ppf`, a two-piece
triangle peaking at the median; the rule was pre-registered before it was implemented). An :class:`Empirical`
range (observed values, e.g. published MFUs) is drawn from the observations' own distribution.
Models are functions of a dict of equally long numpy arrays (one per input) that return an array,
so one call evaluates every draw at once.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

PERCENTILES = (10, 50, 90)


def _check(low: float, base: float, high: float) -> None:
    """Refuse a range unless low <= high and (for a base that is not NaN) low <= base <= high."""
    if not low <= high:
        raise ValueError(f"range needs low <= high, got {low} > {high}")
    if base == base and not low <= base <= high:  # a NaN base (no base value) is allowed
        raise ValueError(f"base {base} outside [{low}, {high}]")


def distribution(low: float, base: float, high: float):
    """The scipy.stats distribution of one input range (see the module docstring); its ``ppf``
    gives the numbers of :func:`ppf`.

    Reading a range as triangular (mode at base) or, without a base, uniform is this package's
    assumption.

    Source: package-assumption.
    """
    from scipy import stats

    _check(low, base, high)
    if base != base:  # NaN: no base value
        return stats.uniform(loc=low, scale=high - low)
    return stats.triang(c=(base - low) / (high - low), loc=low, scale=high - low)


def ppf(low: float, base: float, high: float, u) -> np.ndarray:
    """The inverse CDF of the range's distribution at probabilities ``u`` (low < high), in the
    range's unit. With width s = high − low: no base (NaN), uniform: x = u·s + low; otherwise
    triangular with its mode at base, c = (base − low) / s:
    x = √(c·u)·s + low for u < c, else x = (1 − √((1 − c)·(1 − u)))·s + low.
    Operation for operation as scipy.stats computes ``ppf`` (``_ppf(u) * scale + loc``), so the
    draws are bit-identical to its ``uniform`` / ``triang`` objects'.

    The inverse CDFs are definitions; the choice of distribution is as in :func:`distribution`.

    Source: definition; package-assumption.
    """
    _check(low, base, high)
    u = np.asarray(u, dtype=float)
    scale = high - low
    if base != base:
        return u * scale + low
    c = (base - low) / scale
    return np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u))) * scale + low


def median_ppf(low: float, median: float, high: float, u) -> np.ndarray:
    """The inverse CDF at probabilities ``u`` of a range whose base is a median its source quotes
    (``low`` < ``median`` < ``high``, one unit, as :class:`Median` checks): a two-piece triangle, half
    the probability on each side of the median and each half a triangle that peaks at it, so Q(½) = median exactly:
    Q(u) = low + (m − low)·√(2u) for u ≤ ½, Q(u) = high − (high − m)·√(2(1 − u)) for u > ½.
    P10 = low + (m − low)·√0.2 and P90 = high − (high − m)·√0.2. One rule for every quoted median,
    because a single triangle (the :func:`ppf` reading, mode at the base) puts the median of a
    right-skewed range above its base (H100 rent 1.99–2.95–5.00: median 5 − √(½ · 3.01 · 2.05) =
    3.24, not the quoted 2.95), and a single triangle with median m exists only for m within
    low + (high − low)(1 − 1/√2) … low + (high − low)/√2 (the A100's 1.30 on 0.80–3.00 lies below
    1.444), while this one exists for every m inside the range.

    Reading a quoted median this way is this package's assumption.

    Source: package-assumption.
    """
    u = np.asarray(u, dtype=float)
    lower = low + (median - low) * np.sqrt(2 * np.minimum(u, 0.5))
    upper = high - (high - median) * np.sqrt(2 * (1 - np.maximum(u, 0.5)))
    return np.where(u <= 0.5, lower, upper)


class Median(tuple):
    """A (low, median, high) range whose base is a median its source quotes, drawn with that
    median as the median of the draws (:func:`median_ppf`); as a tuple it reads like any range
    (the base point is the median). A range without spread on one side (median == low or high)
    is refused: a quoted median with every quote on one side of it is not a median."""

    def __new__(cls, low: float, median: float, high: float):
        if not low < median < high:
            raise ValueError(
                f"a quoted median must lie strictly inside its range, got low {low}, median {median}, high {high}"
            )
        return super().__new__(cls, (float(low), float(median), float(high)))

    def ppf(self, u) -> np.ndarray:
        """The range's quantiles at probabilities ``u`` (:func:`median_ppf`)."""
        return median_ppf(*self, u)


class Empirical(tuple):
    """An input drawn from observed ``values`` (e.g. published MFUs): the continuous distribution
    whose quantile function runs straight between the sorted observations at their plotting
    positions (:func:`empirical_ppf`), so a handful of observations gives a smooth spread whose
    median is well defined (the middle observation, or the mean of the middle two), no quantile
    above ``cap`` (Q_capped(u) = min(Q(u), cap): the draws above it are set to it, the quantiles
    below it are those of the observations, so a cap at or above the median leaves the median
    where it was). As a tuple it is that distribution's (P10, P50, P90), so code reading a
    range's (low, base, high) sees the observed band and the base point is its median; ``values``
    holds the sorted observations (uncapped) and ``cap`` the cap."""

    values: np.ndarray
    cap: float

    def __new__(cls, values, cap: float = np.inf):
        v = np.sort(np.asarray(values, dtype=float).ravel())
        if v.size == 0 or not np.isfinite(v).all():
            raise ValueError("an empirical range needs at least one value, all finite")
        quantiles = np.minimum(empirical_ppf(v, [0.1, 0.5, 0.9]), cap)
        self = super().__new__(cls, tuple(float(x) for x in quantiles))
        self.values, self.cap = v, float(cap)
        return self

    def ppf(self, u) -> np.ndarray:
        """The distribution's quantiles at probabilities ``u`` (see :func:`empirical_ppf`), at most ``cap``."""
        return np.minimum(empirical_ppf(self.values, u), self.cap)

    def scaled(self, factor: float, cap: float = np.inf) -> Empirical:
        """The values times ``factor``, no quantile above ``cap`` (nor above this range's own cap × ``factor``)."""
        return Empirical(self.values * factor, cap=min(cap, self.cap * factor))


def empirical_ppf(values, u) -> np.ndarray:
    """The quantile function through n sorted observations v_1 … v_n placed at the plotting
    positions p_i = i / (n + 1) (Weibull: the expected share of a population below the i-th of n
    draws), linear between them and flat beyond the first and the last: Q(u) = v_1 for u ≤ p_1,
    v_n for u ≥ p_n. Q(0.5) is the sample median; with fewer than ten observations Q(0.1) and
    Q(0.9) are the smallest and the largest, so the spread drawn is the whole published one.

    Source: definition.
    """
    v = np.sort(np.asarray(values, dtype=float).ravel())
    positions = np.arange(1, v.size + 1) / (v.size + 1)
    return np.interp(np.asarray(u, dtype=float), positions, v)


def is_constant(r) -> bool:
    """True for a range that does not vary (low == high; for :class:`Empirical`, all values equal)
    or is unknown (NaN ends).

    Source: definition.
    """
    if isinstance(r, Empirical):
        return not (min(r.values[0], r.cap) < min(r.values[-1], r.cap))
    return not (r[0] < r[2])


def ranges_from(low, base, high) -> tuple[float, float, float]:
    """A (low, base, high) triple where missing ends default to the base (a constant).

    Treating a missing end as no spread is this package's assumption.

    Source: package-assumption.
    """
    low = base if low != low else low
    high = base if high != high else high
    return float(low), float(base), float(high)


def stream_key(name: str) -> int:
    """The input ``name``'s stream number: CRC-32 of its UTF-8 bytes (stable across processes and
    Python versions, unlike ``hash``).

    Source: definition.
    """
    return zlib.crc32(name.encode("utf-8"))


def draw(ranges: dict[str, tuple[float, float, float]], n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` draws of every input, reproducible for a given ``seed`` (inverse-CDF sampling of a
    uniform array per input from its own stream, seeded by ``seed`` and the input's name
    (:func:`stream_key`), so an input draws the same values in every report that draws it with
    the same seed, whatever else that report draws; an :class:`Empirical` input maps it through
    :func:`empirical_ppf`, a :class:`Median` input through :func:`median_ppf`).

    Source: definition.
    """
    out = {}
    for name, r in ranges.items():
        if is_constant(r):  # no draw: its own stream leaves the others' as they are
            out[name] = np.full(n, float(r[1]))
        else:
            u = np.random.default_rng([seed, stream_key(name)]).random(n)
            out[name] = r.ppf(u) if isinstance(r, (Empirical, Median)) else ppf(*r, u)
    return out


def monte_carlo(model, ranges: dict, n: int = 10_000, seed: int = 0) -> np.ndarray:
    """The model's output for ``n`` seeded draws of its inputs.

    Source: definition.
    """
    return np.asarray(model(draw(ranges, n, seed)), dtype=float)


def percentiles(samples, q=PERCENTILES, *, open_ended: bool = False) -> dict[str, float]:
    """``{"p10": …, "p50": …, "p90": …}`` of the finite samples (NaN if none): the one percentile
    routine of every band in every report. Method: the inverse of the empirical distribution
    function (Hyndman & Fan 1996, definition 1; numpy's ``inverted_cdf``): the P-th percentile is
    the smallest draw with at least P % of the draws at or below it, so every band end is a value
    that was drawn (a chip count stays a whole number) and two reports given the same draws give
    the same P10/P50/P90. ``open_ended``: ±∞ draws are ranked too (a quantity with no finite value
    in a draw, e.g. the chips of one job that cannot match: more than any count), so a band end
    can be +∞; NaN draws (unknown) are dropped either way.

    Source: definition.
    """
    finite = np.asarray(samples, dtype=float)
    finite = finite[~np.isnan(finite)] if open_ended else finite[np.isfinite(finite)]
    if finite.size == 0:
        return {f"p{p}": float("nan") for p in q}
    return {f"p{p}": float(v) for p, v in zip(q, np.percentile(finite, q, method="inverted_cdf"))}


def percentile_frames(draws: dict, index, *, open_ended: bool = False) -> dict[str, pd.DataFrame]:
    """``{"p10": frame, "p50": frame, "p90": frame}`` of Monte Carlo outputs ``draws`` (name ->
    array of shape (draws, len(index))): one row per entry of ``index``, one column per name,
    each cell :func:`percentiles` of that column's finite draws (``open_ended``: of its draws
    that are not NaN, ±∞ ranked; :func:`_column_percentiles`).

    Source: definition.
    """
    stats = {name: _column_percentiles(values, open_ended=open_ended) for name, values in draws.items()}
    return {
        f"p{q}": pd.DataFrame({name: by_column[row] for name, by_column in stats.items()}, index=index)
        for row, q in enumerate(PERCENTILES)
    }


def _column_percentiles(values, *, open_ended: bool = False) -> np.ndarray:
    """:func:`percentiles` (P10, P50, P90: rows) of each column of ``values`` (draws × columns):
    the columns whose every draw counts in one call of the same method (each a whole column, so
    the same values as one at a time), the others one by one."""
    values = np.asarray(values, dtype=float)
    kept = ~np.isnan(values) if open_ended else np.isfinite(values)
    whole = kept.all(axis=0)
    out = np.empty((len(PERCENTILES), values.shape[1]))
    if whole.any():
        out[:, whole] = np.percentile(values[:, whole], PERCENTILES, axis=0, method="inverted_cdf")
    for i in np.flatnonzero(~whole):
        out[:, i] = list(percentiles(values[:, i], open_ended=open_ended).values())
    return out


def tornado(model, ranges: dict, *, at_once: bool = False) -> pd.DataFrame:
    """Output with each input at its low and at its high end while the others stay at base,
    sorted by the swing (largest first): columns ``low``, ``high``, ``swing``. ``at_once``: the
    2 × inputs points in one call of the model (one draw per point) instead of two calls per input.

    Source: definition.
    """
    if at_once:
        names, k = list(ranges), len(ranges)
        points = {name: np.full(2 * k, float(r[1])) for name, r in ranges.items()}
        for i, name in enumerate(names):
            points[name][[i, k + i]] = ranges[name][0], ranges[name][2]
        out = np.asarray(model(points), dtype=float)
        ends = {name: (out[i], out[k + i]) for i, name in enumerate(names)}
    else:
        base = {name: np.array([r[1]]) for name, r in ranges.items()}
        ends = {
            name: tuple(float(np.asarray(model(base | {name: np.array([end])}))[0]) for end in (low, high))
            for name, (low, _, high) in ranges.items()
        }
    rows = {}
    for name, (at_low, at_high) in ends.items():
        at_low, at_high = float(at_low), float(at_high)
        rows[name] = {"low": at_low, "high": at_high, "swing": abs(at_high - at_low)}
    return pd.DataFrame(rows).T.sort_values("swing", ascending=False)


def sobol(model, ranges: dict, n: int = 1024, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices of each varying input (scipy.stats.sobol_indices,
    Saltelli 2010 estimator); ``n`` must be a power of two.

    Source: definition.
    """
    from scipy import stats

    varying = {k: r for k, r in ranges.items() if not is_constant(r)}
    names = list(varying)
    fixed = {k: r[1] for k, r in ranges.items() if k not in varying}

    def func(x):  # x: (inputs, n) -> (1, n)
        inputs = {name: x[i] for i, name in enumerate(names)}
        inputs |= {k: np.full(x.shape[1], v) for k, v in fixed.items()}
        return np.asarray(model(inputs), dtype=float)[np.newaxis, :]

    result = stats.sobol_indices(
        func=func,
        n=n,
        dists=[r if isinstance(r := varying[k], (Empirical, Median)) else distribution(*r) for k in names],
        rng=np.random.default_rng(seed),
    )
    first, total = np.atleast_2d(result.first_order)[0], np.atleast_2d(result.total_order)[0]
    return pd.DataFrame({"first_order": first, "total_order": total}, index=names).sort_values(
        "total_order", ascending=False
    )
