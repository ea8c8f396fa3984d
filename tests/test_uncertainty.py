"""Inverse-CDF sampling in closed form (uncertainty.ppf) gives scipy.stats' own numbers, bit for
bit: the expected values come from scipy's triang / uniform objects built here."""

import zlib

import numpy as np
import pytest
from scipy import stats

from analysis.formulas import uncertainty

NAN = float("nan")
#: 0 (rng.random can return it), tiny, ordinary, near 1 and the largest double below 1, then
#: ordinary draws.
U = np.r_[
    0.0,
    5e-324,
    1e-12,
    0.1,
    0.25,
    1 / 3,
    0.5,
    0.75,
    0.9,
    0.999999,
    np.nextafter(1.0, 0.0),
    np.random.default_rng(11).random(2_000),
]

RANGES = [
    (0.0, 1.0, 4.0),  # triangular, mode inside
    (1.6, 2.0, 2.4),  # a price range: low / base / high
    (0.3, 0.3, 0.5),  # base == low: c = 0
    (0.3, 0.5, 0.5),  # base == high: c = 1
    (-3.0, 0.0, 7.5),  # negative low
    (2.1e4, 2.5e4, 4.0e4),  # large values
    (1, 2, 4),  # whole numbers
    (0.0, NAN, 1.0),  # no base: uniform
    (1.2, NAN, 1.6),
    (-1.0, NAN, 3.0),
]


def _scipy(low, base, high):
    if base != base:
        return stats.uniform(loc=low, scale=high - low)
    return stats.triang(c=(base - low) / (high - low), loc=low, scale=high - low)


@pytest.mark.parametrize("low, base, high", RANGES)
def test_ppf_is_scipys_bit_for_bit(low, base, high):
    assert np.array_equal(uncertainty.ppf(low, base, high, U), _scipy(low, base, high).ppf(U))


def test_draw_is_scipys_inverse_cdf_of_each_inputs_own_seeded_uniforms():
    # draw() takes rng.random(n) of a stream seeded by [seed, CRC-32 of the input's name] and maps
    # it through ppf, so an input's draws do not depend on the other inputs or their order
    ranges = {f"x{i}": r for i, r in enumerate(RANGES)} | {"constant": (2.0, 2.0, 2.0)}
    expected = {}
    for name, r in ranges.items():
        u = np.random.default_rng([5, zlib.crc32(name.encode())]).random(1_000)
        expected[name] = _scipy(*r).ppf(u) if r[0] < r[2] else np.full(1_000, 2.0)
    drawn = uncertainty.draw(ranges, 1_000, seed=5)
    assert all(np.array_equal(drawn[name], expected[name]) for name in ranges)
    shuffled = uncertainty.draw({"x1": ranges["x1"], "other": (0.0, 1.0, 2.0), "x0": ranges["x0"]}, 1_000, seed=5)
    assert np.array_equal(shuffled["x0"], drawn["x0"]) and np.array_equal(shuffled["x1"], drawn["x1"])


def test_ppf_refuses_a_base_outside_the_range():
    with pytest.raises(ValueError, match="outside"):
        uncertainty.ppf(1.0, 5.0, 3.0, U)


def test_percentile_frames_take_each_column_of_the_draws_per_row():
    """Two rows (chips a, b), five draws each. The P-th percentile is the smallest draw with at
    least P % of the draws at or below it. Row a of "x": 1..5 → P10: 10 % of 5 draws is 0.5, so the
    first draw, 1; P50: 2.5 → the third, 3; P90: 4.5 → the fifth, 5. Row b: 10 × a → 10, 30, 50.
    A NaN draw is dropped (row a of "y": 2, 4, NaN, 6, 8 → four finite draws; P50: 2 of 4 → the
    second, 4)."""
    import pandas as pd

    from analysis.formulas.uncertainty import percentile_frames

    x = np.array([[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]], dtype=float)
    y = np.array([[2, 0], [4, 0], [np.nan, 0], [6, 0], [8, 0]], dtype=float)
    frames = percentile_frames({"x": x, "y": y}, pd.Index(["a", "b"]))
    assert list(frames) == ["p10", "p50", "p90"]
    assert frames["p10"].loc["a", "x"] == 1.0
    assert frames["p50"].loc["a", "x"] == 3.0
    assert frames["p90"].loc["a", "x"] == 5.0
    assert frames["p90"].loc["b", "x"] == 50.0
    assert frames["p50"].loc["a", "y"] == 4.0
    assert list(frames["p50"].columns) == ["x", "y"] and list(frames["p50"].index) == ["a", "b"]


def test_percentile_frames_rank_whole_columns_together_and_the_others_one_by_one():
    """Column "a": 1..8 then +∞, +∞ (no NaN, so every draw counts with open_ended and the column is
    ranked with the other whole column "b" in one call): 10 draws, P10 = the 1st (1), P50 = the 5th
    (5), P90 = the 9th (+∞). Without open_ended only the 8 finite draws count: P50 = the 4th (4.0 of
    8), P90 = the 8th (7.2 → 8). Column "b" = 10 × (1..10): P10 10, P50 50, P90 90 either way.
    Column "c" has a NaN (dropped: 9 draws 1..9, ranked on its own): P50 = the 5th (4.5 → 5), P90 =
    the 9th (8.1 → 9)."""
    a = [1, 2, 3, 4, 5, 6, 7, 8, np.inf, np.inf]
    b = [10.0 * k for k in range(1, 11)]
    c = [np.nan, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    draws = {"n": np.column_stack([a, b, c])}
    ranked = uncertainty.percentile_frames(draws, ["a", "b", "c"], open_ended=True)
    assert list(ranked["p10"]["n"]) == [1.0, 10.0, 1.0]
    assert list(ranked["p50"]["n"]) == [5.0, 50.0, 5.0]
    assert list(ranked["p90"]["n"]) == [np.inf, 90.0, 9.0]
    finite = uncertainty.percentile_frames(draws, ["a", "b", "c"])
    assert list(finite["p50"]["n"]) == [4.0, 50.0, 5.0]
    assert list(finite["p90"]["n"]) == [8.0, 90.0, 9.0]


def test_every_band_comes_from_the_one_percentile_routine():
    """No module of the library computes a percentile or quantile itself: every P10/P50/P90 goes
    through uncertainty.percentiles (one method for every report)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "analysis"
    own = root / "formulas" / "uncertainty.py"
    calls = []
    for path in sorted(root.rglob("*.py")):
        if path == own:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in ("percentile", "nanpercentile", "quantile", "nanquantile"):
                    calls.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.func.attr}")
    assert not calls, calls


def test_open_ended_percentiles_rank_infinite_draws():
    # ten known draws, three of them +∞ (no finite value), one NaN (unknown, dropped either way): sorted
    # 1, 2, 3, 4, 5, 6, 7, ∞, ∞, ∞. Inverse empirical CDF: P10 = the 1st of 10 (10 % × 10 = 1), P50 = the 5th,
    # P90 = the 9th = +∞. Without open_ended only the 7 finite draws count: P10 = 1st (0.7 → 1st), P50 = 4th
    # (3.5 → 4th), P90 = 7th (6.3 → 7th)
    draws = [5, 3, np.inf, 4, np.inf, np.nan, 6, np.inf, 2, 7, 1]
    assert uncertainty.percentiles(draws, open_ended=True) == {"p10": 1.0, "p50": 5.0, "p90": np.inf}
    assert uncertainty.percentiles(draws) == {"p10": 1.0, "p50": 4.0, "p90": 7.0}
    frames = uncertainty.percentile_frames({"n": np.array(draws)[:, None]}, ["chip"], open_ended=True)
    assert frames["p90"].loc["chip", "n"] == np.inf and frames["p50"].loc["chip", "n"] == 5.0


def test_tornado_at_once_is_the_tornado_of_one_call_per_input():
    # y = a * b, a in (1, 2, 3), b in (10, 20, 50): a's ends with b at 20 give 20 and 60 (swing
    # 40); b's ends with a at 2 give 20 and 100 (swing 80), so b comes first
    ranges = {"a": (1.0, 2.0, 3.0), "b": (10.0, 20.0, 50.0)}
    calls = []

    def model(x):
        calls.append(len(x["a"]))
        return x["a"] * x["b"]

    at_once = uncertainty.tornado(model, ranges, at_once=True)
    assert calls == [4]  # 2 inputs x 2 ends, one call
    assert at_once.index.tolist() == ["b", "a"]
    assert at_once.loc["b"].tolist() == [20.0, 100.0, 80.0] and at_once.loc["a"].tolist() == [20.0, 60.0, 40.0]
    assert at_once.equals(uncertainty.tornado(model, ranges))


def test_a_quoted_median_is_the_median_of_the_draws():
    """A rent whose source quotes a median (H100 SXM: AIMultiple's cohort median $2.95 across 37
    providers, on Mercatus' 1.99 floor to 5.00 ceiling) is drawn with 2.95 as its median. Two-piece
    triangle: Q(u) = 1.99 + 0.96·√(2u) below ½, 5.00 − 2.05·√(2(1 − u)) above.
    P10 = 1.99 + 0.96 × √0.2 = 1.99 + 0.96 × 0.4472136 = 2.4193251;
    P50 = 1.99 + 0.96 × √1 = 2.95; P90 = 5.00 − 2.05 × 0.4472136 = 4.0832121.
    The triangle with its mode at 2.95 (the old reading) has its median at
    5 − √(½ × 3.01 × 2.05) = 5 − √3.08525 = 5 − 1.756488 = 3.243512."""
    r = uncertainty.Median(1.99, 2.95, 5.00)
    np.testing.assert_allclose(r.ppf([0.1, 0.5, 0.9]), [2.4193251, 2.95, 4.0832121], rtol=1e-7)
    assert tuple(r) == (1.99, 2.95, 5.00)  # read as a range, its base point is the quoted median
    np.testing.assert_allclose(uncertainty.ppf(1.99, 2.95, 5.00, 0.5), 3.243512, rtol=1e-6)
    # drawn: the median of 20,001 seeded draws lies within 0.02 of the quote (the old triangle's is 0.29 above)
    drawn = uncertainty.draw({"h100 rent": r}, 20_001, seed=3)["h100 rent"]
    assert abs(np.median(drawn) - 2.95) < 0.02


def test_a_median_no_single_triangle_can_have_is_still_drawn_as_the_median():
    """The A100's $1.30 on 0.80–3.00: a single triangle's median can go no lower than
    0.80 + 2.20 × (1 − 1/√2) = 0.80 + 2.20 × 0.2928932 = 1.4443650 (mode at the low end), above 1.30.
    The two-piece triangle gives P10 = 0.80 + 0.50 × √0.2 = 1.0236068, P50 = 1.30,
    P90 = 3.00 − 1.70 × √0.2 = 2.2397369."""
    np.testing.assert_allclose(uncertainty.ppf(0.80, 0.80, 3.00, 0.5), 1.4443650, rtol=1e-7)
    np.testing.assert_allclose(
        uncertainty.Median(0.80, 1.30, 3.00).ppf([0.1, 0.5, 0.9]), [1.0236068, 1.30, 2.2397369], rtol=1e-7
    )


@pytest.mark.parametrize("low, median, high", [(2.0, 2.0, 3.0), (1.0, 3.0, 3.0), (1.0, 4.0, 3.0), (NAN, 2.0, 3.0)])
def test_a_median_at_or_beyond_an_end_of_its_range_is_refused(low, median, high):
    with pytest.raises(ValueError, match=f"low {low}, median {median}, high {high}"):
        uncertainty.Median(low, median, high)
