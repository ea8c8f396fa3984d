"""Goodput at the Young–Daly checkpoint interval (issue 19, What to build 5): the interval and the
share of time training at 2,048, 16,384 and 100,000 chips, worked out by hand from the sourced
defaults, and the inversion the chip-parity sizing uses."""

import json
import math

import numpy as np
import pytest

from analysis.assembly import inputs as shared
from analysis.formulas import goodput

# Defaults by hand: λ = 419 / (16,384 × 54 × 24 h) = 419 / 21,233,664 = 1.9733e-5 → 1.97e-5 per
# chip-hour (Llama 3, Sec. 3.3.4); R = 6.47 min = 6.47 / 60 = 0.107833 h (TrainMover, Table 1: an
# 8,192-GPU job's restart from a checkpoint in storage); δ = 405e9 × 14 B / 2e12 B/s = 5.67e12 / 2e12
# = 2.835 s = 2.835 / 3,600 = 7.875e-4 h (Llama 3 Sec. 3.3.1 × ZeRO).
LAMBDA, R, DELTA = 1.97e-5, 6.47 / 60, 7.875e-4


def test_defaults_are_the_sourced_values():
    assert 419 / (16_384 * 54 * 24) == pytest.approx(1.97e-5, rel=2e-3)
    assert goodput.INTERRUPTIONS_PER_CHIP_HOUR == LAMBDA
    assert goodput.RESTART_HOURS == pytest.approx(R)
    assert goodput.CHECKPOINT_WRITE_HOURS == pytest.approx(DELTA, rel=1e-12)
    assert goodput.CHECKPOINT_INTERVAL_HOURS is None


@pytest.mark.parametrize(
    "chips, interval_h, share",
    [
        # 2,048: n·λ = 0.040346 /h, M = 24.786 h; T* = sqrt(2 × 7.875e-4 × 24.786) = sqrt(0.039038)
        # = 0.19758 h (11.9 min); loss = n·λ·R + sqrt(2·δ·n·λ) = 0.040346 × 0.107833 + sqrt(6.3545e-5)
        # = 0.0043506 + 0.0079715 = 0.0123221 → goodput = 1 / 1.0123221 = 0.987828
        (2_048, 0.19758, 0.987828),
        # 16,384: n·λ = 0.322765 /h, M = 3.09823 h; T* = sqrt(2 × 7.875e-4 × 3.09823) = sqrt(0.0048797)
        # = 0.069855 h (4.19 min); loss = 0.322765 × 0.107833 + sqrt(5.08355e-4) = 0.0348048 + 0.0225467
        # = 0.0573515 → goodput = 1 / 1.0573515 = 0.945759 (Llama 3: "higher than 90 %")
        (16_384, 0.069855, 0.945759),
        # 100,000: n·λ = 1.97 /h, M = 0.507614 h; T* = sqrt(2 × 7.875e-4 × 0.507614) = sqrt(7.99492e-4)
        # = 0.028275 h (1.70 min); loss = 1.97 × 0.107833 + sqrt(3.10275e-3) = 0.212432 + 0.0557023
        # = 0.268134 → goodput = 1 / 1.268134 = 0.788560 (0.722525 with R = 10 min)
        (100_000, 0.028275, 0.788560),
        # the published goodput the validation report checks it against (docs/methods.md, the rule):
        # ByteRobust, 9,600 GPUs: n·λ = 0.18912; 0.18912 × 0.107833 = 0.0203934; sqrt(2 × 7.875e-4 × 0.18912)
        # = sqrt(2.97864e-4) = 0.0172587 → 1 / 1.0376521 = 0.963714 (measured 97 %: −0.65 %)
        (9_600, 0.091258, 0.963714),
        # MegaScale, 10,000 GPUs: n·λ = 0.197; 0.0212432 + sqrt(3.10275e-4) = 0.0212432 + 0.0176146 → 1 / 1.0388578
        # = 0.962596 (measured 'over 90 %')
        (10_000, 0.089414, 0.962596),
    ],
)
def test_young_daly_interval_and_goodput_by_hand(chips, interval_h, share):
    assert goodput.checkpoint_interval_hours(chips) == pytest.approx(interval_h, rel=1e-4)
    assert goodput.goodput(chips) == pytest.approx(share, rel=1e-5)


def test_the_young_daly_interval_minimises_lost_time():
    # W(T) = 1 + δ/T + n·λ·(R + T/2); at T* both checkpoint terms equal sqrt(δ·n·λ/2): at 16,384
    # chips sqrt(7.875e-4 × 0.322765 / 2) = 0.0112734 each. Any other T loses more.
    n = 16_384
    best = goodput.checkpoint_interval_hours(n)
    fixed = goodput.lost_share(n, checkpoint_interval_hours=best)
    assert fixed == pytest.approx(goodput.lost_share(n), rel=1e-12)
    assert DELTA / best == pytest.approx(0.0112734, rel=1e-4)
    for other in (best / 2, best * 2, 1 / 3):
        assert goodput.lost_share(n, checkpoint_interval_hours=other) > fixed


def test_a_fixed_interval_keeps_the_old_model_when_writes_are_free():
    # δ = 0 and T = 20 min: 1 / (1 + 100,000 × 1.97e-5 × (0.107833 + 1/6)) = 1 / (1 + 1.97 × 0.2745)
    # = 1 / 1.540765 = 0.649028
    assert goodput.goodput(100_000, checkpoint_write_hours=0.0, checkpoint_interval_hours=1 / 3) == pytest.approx(
        0.649028, rel=1e-5
    )
    # with the 2.835-s write: + δ/T = 7.875e-4 × 3 = 0.0023625 → 1 / 1.5431275 = 0.648035
    assert goodput.goodput(100_000, checkpoint_interval_hours=1 / 3) == pytest.approx(0.648035, rel=1e-5)


def test_chips_for_useful_chips_inverts_goodput():
    # Young–Daly: 16,384 chips deliver 16,384 × 0.9457593 = 15,495.3 useful chips; solving
    # (1 − u·a) x² − u·b·x − u = 0 (a = 2.12432e-6, b = 1.76146e-4) gives x = 128, n = 16,384
    useful = 16_384 * 0.9457593
    assert goodput.chips_for_useful_chips(useful) == pytest.approx(16_384, rel=1e-6)
    # ceiling: n · goodput(n) → 1 / (λ·R) = 1 / 2.12432e-6 = 470,740 useful chips; beyond it, no finite count:
    # +∞, more than any count (NaN would read "unknown"); a fixed T = 0.5 h: 1 / (1.97e-5 × 0.357833) = 141,858
    assert goodput.chips_for_useful_chips(480_000) == np.inf
    assert goodput.chips_for_useful_chips(480_000, checkpoint_interval_hours=0.5) == np.inf
    # an unknown need (a chip without the figures its rate needs) stays unknown, never +∞
    assert np.isnan(goodput.chips_for_useful_chips(np.nan))
    assert np.isnan(goodput.chips_for_useful_chips(np.nan, checkpoint_interval_hours=0.5))
    assert np.isnan(goodput.chips_in_jobs(np.nan, max_job_chips=2_048))
    # a fixed T = 0.5 h, δ = 0.01 h: n = u (1 + 0.02) / (1 − u · 1.97e-5 × (0.107833 + 0.25)); u = 1,000:
    # 1,020 / (1 − 0.00704932) = 1,020 / 0.99295068 = 1,027.241
    assert goodput.chips_for_useful_chips(
        1_000, checkpoint_write_hours=0.01, checkpoint_interval_hours=0.5
    ) == pytest.approx(1_027.241, rel=1e-5)


def test_inputs_block_shows_write_time_restart_and_the_interval_used():
    loss = shared.goodput_inputs(chip_count=100_000)
    used = {k: u.as_json() for k, u in loss.used.items()}
    json.dumps(used)
    assert used["checkpoint_write_hours"]["value"] == pytest.approx(DELTA)
    assert used["checkpoint_write_hours"]["source"] == "llama3-checkpoint-storage"
    assert "to storage, not in memory" in used["checkpoint_write_hours"]["origin"]
    assert used["restart_hours"]["source"] == "trainmover-2025"
    assert "detection not included" in used["restart_hours"]["origin"]
    # the interval actually used at 100,000 chips: 0.028275 h (above)
    assert used["checkpoint_interval_hours"]["value"] == pytest.approx(0.028275, rel=1e-4)
    assert used["checkpoint_interval_hours"]["source"] == "young-1974"
    assert loss.checkpoint_interval_hours is None
    text = loss.describe(100_000)
    assert "Young" in text and "1.7 min at 100,000 chips" in text and "2.8 s" in text
    # a reader's fixed interval is used as given
    fixed = shared.goodput_inputs(checkpoint_interval_hours=1 / 3, chip_count=100_000)
    assert fixed.used["checkpoint_interval_hours"].source == shared.READER
    assert fixed.interval_hours(100_000) == pytest.approx(1 / 3)
    assert math.isclose(goodput.goodput(100_000, **fixed.kwargs()), 0.648035, rel_tol=1e-5)


def test_energy_advantage_shows_the_100k_goodput_with_sourced_times():
    # issue 19 acceptance: with defaults the report states the Young–Daly goodput at 100,000 H100 with the
    # sourced write and restart times, headline the P50 of the draws with its P10–P90 band (as every report),
    # the base point beside: T = 0.028275 h = 1.70 min, base goodput 0.788560 = 78.9 % (above)
    from analysis.assembly import energy_advantage as ea
    from analysis.formulas import uncertainty

    r = ea.run(draws=200)
    text = ea.methods(r)
    loss = r.inputs.parity.goodput
    p10, p50, p90, base = loss.at_scale(100_000, draws=200, seed=r.inputs.seed)
    assert base == pytest.approx(0.788560, rel=1e-5)
    # the P50 recomputed from the same seeded draws of λ, R and δ with the equation written out here
    x = uncertainty.draw(loss.ranges(), 200, r.inputs.seed)
    lam, restart, delta = (
        np.asarray(x[k]) for k in ("interruptions_per_chip_hour", "restart_hours", "checkpoint_write_hours")
    )
    shares = 1 / (1 + 1e5 * lam * restart + np.sqrt(2 * delta * 1e5 * lam))
    # the band by the inverted empirical CDF (every report's percentile routine): a drawn value, the 100th of 200
    assert p50 == np.sort(shares)[99] and p10 < p50 < p90
    # R's triangle leans long (mode 6.47 min, up to 30 min) and λ's and δ's only up: the median lies below the base
    assert p50 < base
    sentence = (
        f"At 100,000 chips the same inputs give T = 1.7 min and goodput {p50 * 100:.1f} % (P50 of the draws of "
        f"λ, R and δ, P10–P90 {p10 * 100:.1f}–{p90 * 100:.1f} %; base point 78.9 %)."
    )
    assert sentence in text
    assert "`llama3-checkpoint-storage`" in text and "`trainmover-2025`" in text and "`young-1974`" in text
    used = r.inputs.used
    assert used["checkpoint_write_hours"].source == "llama3-checkpoint-storage"
    assert used["restart_hours"].source == "trainmover-2025"
    # the reference cluster's interval: sqrt(2 × 7.875e-4 / (2,048 × 1.97e-5)) = 0.19758 h
    assert used["checkpoint_interval_hours"].value == pytest.approx(0.19758, rel=1e-4)


def test_goodput_at_scale_without_drawn_inputs_is_the_base_point():
    # a reader's λ, R and δ are fixed (no draw): P10 = P50 = P90 = the base point. λ = 1e-5, R = 0.1 h, δ = 0.001 h
    # at 10,000 chips: n·λ = 0.1; 1 / (1 + 0.1 × 0.1 + sqrt(2 × 0.001 × 0.1)) = 1 / 1.0241421 = 0.976427
    loss = shared.goodput_inputs(interruptions_per_chip_hour=1e-5, restart_hours=0.1, checkpoint_write_hours=0.001)
    p10, p50, p90, base = loss.at_scale(10_000, draws=50, seed=3)
    assert p10 == p50 == p90 == pytest.approx(base, rel=1e-12)
    assert base == pytest.approx(0.976427, rel=1e-6)


def test_the_drawn_goodput_inputs_and_their_ranges():
    from analysis.assembly import inputs as shared
    from analysis.formulas import goodput as g

    # λ: 419 unexpected interruptions in 54 days on 16,384 GPUs is the base, 466 with the 47 planned ones the
    # high end: 466 / (16,384 × 54 × 24) = 466 / 21,233,664 = 2.19463e-5; δ: 2.835 s base, 16,384 GPUs × 4 GB
    # / 2 TB/s = 32.768 s = 9.10222e-3 h high; the restart time from FlashRecovery's 150 s = 0.0416667 h to
    # Google's 30 min = 0.5 h, TrainMover's 6.47 min = 0.107833 h the mode
    ranges = shared.goodput_inputs().ranges()
    assert set(ranges) == {"interruptions_per_chip_hour", "restart_hours", "checkpoint_write_hours"}
    assert ranges["restart_hours"] == pytest.approx((150 / 3600, 6.47 / 60, 0.5), rel=1e-12)
    assert math.isclose(ranges["interruptions_per_chip_hour"][2], 2.19463e-5, rel_tol=1e-5)
    assert ranges["interruptions_per_chip_hour"][:2] == (1.97e-5, 1.97e-5)
    assert math.isclose(ranges["checkpoint_write_hours"][2] * 3600, 32.768, rel_tol=1e-12)
    assert math.isclose(ranges["checkpoint_write_hours"][1] * 3600, 2.835, rel_tol=1e-12)
    # a reader's value is fixed, and drawn inputs become columns that broadcast over chips
    fixed = shared.goodput_inputs(checkpoint_write_hours=0.001)
    assert fixed.ranges()["checkpoint_write_hours"] == (0.001, 0.001, 0.001)
    drawn = fixed.drawn({"interruptions_per_chip_hour": np.array([1e-5, 2e-5]), "checkpoint_write_hours": [1, 2]})
    assert drawn["interruptions_per_chip_hour"].shape == (2, 1) and drawn["restart_hours"] == g.RESTART_HOURS


def test_useful_chips_ceiling():
    from analysis.formulas import goodput as g

    # Young–Daly: 1 / (λ·R) = 1 / (1.97e-5 × 0.1078333) = 1 / 2.1243167e-6 = 470,739.6 chips; a fixed 1-h
    # interval adds T/2: 1 / (1.97e-5 × (0.1078333 + 1/2)) = 1 / 1.1974317e-5 = 83,512.07; no interruptions:
    # no ceiling
    assert math.isclose(g.useful_chips_ceiling(), 470_739.61, rel_tol=1e-7)
    assert math.isclose(g.useful_chips_ceiling(checkpoint_interval_hours=1.0), 83_512.07, rel_tol=1e-7)
    assert g.useful_chips_ceiling(interruptions_per_chip_hour=0.0) == math.inf
    # n · goodput(n) stays below it and comes within 10 % of it by 10⁸ chips (n·a = 212 there: 1e8 / (1 + 212.43
    # + 1.76) = 464,699 > 0.9 × 470,740 = 423,666)
    n = np.array([1e4, 1e6, 1e8])
    assert (n * g.goodput(n) < 470_739.6).all() and 1e8 * g.goodput(1e8) > 0.9 * 470_739.6
    # its record in the inputs block: 1.97e-5–2.19e-5 per chip-hour, restart 150 s = 2.5 min to 30 min,
    # 2.835–32.768 s
    record = shared.goodput_inputs().spread_used()
    assert record.value == (
        "interruptions per chip-hour 1.97 × 10⁻⁵–2.19 × 10⁻⁵; restart 2.5–30 min; checkpoint write 2.8–32.8 s"
    )
    assert record.source == "llama3-paper;flashrecovery-2025;google-multitier-checkpointing-2025"


def test_the_restart_range_moves_the_ceiling():
    from analysis.formulas import goodput as g

    # ceiling 1 / (λ·R): R = 150 s: 1 / (1.97e-5 × 0.0416667) = 1 / 8.20833e-7 = 1,218,274 chips; R = 6.47 min:
    # 470,740; R = 30 min: 1 / (1.97e-5 × 0.5) = 1 / 9.85e-6 = 101,523
    low, mode, high = g.RANGES["restart_hours"]
    assert math.isclose(g.useful_chips_ceiling(restart_hours=low), 1_218_274.1, rel_tol=1e-6)
    assert math.isclose(g.useful_chips_ceiling(restart_hours=mode), 470_739.6, rel_tol=1e-6)
    assert math.isclose(g.useful_chips_ceiling(restart_hours=high), 101_522.8, rel_tol=1e-6)
    # one job of H20s (989.4 / 148 = 6.685135 per H100 in rate) matches 100,000 H100 iff u·a < 1 with
    # u = N · goodput(N) · 6.685135, i.e. 5.685135 · N · λ · R < 1 + b · sqrt(N) = 1 + 1.76146e-4 × 316.228
    # = 1.0557024: R < 1.0557024 / (5.685135e5 × 1.97e-5) = 0.0942614 h = 5.656 min. At R = 150 s:
    # goodput(1e5) = 1 / (1 + 0.0820833 + 0.0557024) = 0.878900, u = 587,557, u·a = 0.482290,
    # u·b = 103.496, x = (103.496 + sqrt(10,711.4 + 4 × 587,557 × 0.517710)) / 1.035420 = 1,169.96,
    # n = 1,368,800 H20; at the mode, 6.47 min, none (+∞); at 5.6 min some, at 5.7 min none
    useful = [1e5 * float(g.goodput(1e5, restart_hours=r)) * 989.4 / 148 for r in (low, 5.6 / 60, 5.7 / 60, mode)]
    counts = [
        float(g.chips_for_useful_chips(u, restart_hours=r)) for u, r in zip(useful, (low, 5.6 / 60, 5.7 / 60, mode))
    ]
    assert counts[0] == pytest.approx(1_368_800, rel=1e-4)
    assert np.isfinite(counts[1]) and counts[2] == counts[3] == np.inf


def test_chips_in_jobs_by_hand():
    from analysis.formulas import goodput as g

    # no checkpoint cost (δ = 0): goodput(n) = 1 / (1 + n·λ·R); λ = 1e-4, R = 1 h: a = 1e-4. Jobs of at most
    # 1,000 chips: goodput(1,000) = 1 / 1.1 = 0.909091, 909.091 useful chips each. u = 2,500: floor(2,500 /
    # 909.091) = 2 full jobs (1,818.18 useful), the rest 681.818 in one job of r = u / (1 − u·a) = 681.818 /
    # 0.931818 = 731.707 chips: n = 2,000 + 731.707 = 2,731.71
    kw = {"interruptions_per_chip_hour": 1e-4, "restart_hours": 1.0, "checkpoint_write_hours": 0.0}
    assert g.chips_in_jobs(2_500, max_job_chips=1_000, **kw) == pytest.approx(2_731.707, rel=1e-6)
    # one job could not: 2,500 · 1e-4 = 0.25 < 1, so it can: 2,500 / 0.75 = 3,333.3 > 2,731.7 (bigger jobs lose more)
    assert g.chips_for_useful_chips(2_500, **kw) == pytest.approx(3_333.333, rel=1e-6)
    # beyond one job's ceiling 1 / a = 10,000 useful chips the jobs still give a finite count: u = 20,000:
    # 22 full jobs (20,000.0 useful = 22 × 909.091) and nothing left: 22,000 chips
    assert g.chips_for_useful_chips(20_000, **kw) == np.inf
    assert g.chips_in_jobs(20_000, max_job_chips=1_000, **kw) == pytest.approx(22_000, rel=1e-6)


def test_chips_in_jobs_inverts_the_fleet_split_of_procurement():
    # procurement counts a fleet of n chips in clusters of at most M as full · M · goodput(M) + r · goodput(r)
    # useful chips (formulas.procurement.useful_chips); chips_in_jobs is its inverse: the 2,731.71 chips of
    # test_chips_in_jobs_by_hand, split into jobs of 1,000 (2 full, 731.71 left), give back 2,500 useful chips
    from analysis.formulas import goodput as g
    from analysis.formulas import procurement

    kw = {"interruptions_per_chip_hour": 1e-4, "restart_hours": 1.0, "checkpoint_write_hours": 0.0}
    n = g.chips_in_jobs(2_500, max_job_chips=1_000, **kw)
    assert procurement.useful_chips(n, max_cluster_chips=1_000, **kw) == pytest.approx(2_500, rel=1e-9)
