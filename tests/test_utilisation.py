"""The utilisation prior (analysis/formulas/utilisation.py): percentiles of the matching published
MFUs, the fallback when fewer than five match, leave-one-out, and Monte Carlo draws from the
observations (uncertainty.Empirical)."""

from pathlib import Path

import pandas as pd
import pytest
from conftest import edit_cell

from analysis import catalog
from analysis.assembly import inputs
from analysis.catalog import DataError, load
from analysis.formulas import uncertainty, utilisation


def _table(rows):
    """A tiny observation table: (obs_id, generation, architecture, precision, mfu[, excluded])."""
    frame = pd.DataFrame(
        [
            {
                "obs_id": r[0],
                "chip_generation": r[1],
                "architecture": r[2],
                "precision": r[3],
                "mfu": r[4],
                "kind": "benchmark",
                "excluded": r[5] if len(r) > 5 else "",
                "validation_overlap": r[6] if len(r) > 6 else "",
            }
            for r in rows
        ]
    )
    return frame.set_index("obs_id")


TINY = _table(
    [
        ("a1", "ampere", "dense", "bf16", 0.30),
        ("a2", "ampere", "dense", "bf16", 0.50),
        ("a3", "ampere", "dense", "bf16", 0.40),
        ("a4", "ampere", "dense", "bf16", 0.35),
        ("a5", "ampere", "dense", "bf16", 0.45),
        ("a6", "ampere", "dense", "bf16", 0.99, "weak"),  # excluded: never used
        ("h1", "hopper", "dense", "bf16", 0.20),
        ("h2", "hopper", "moe", "bf16", 0.10),
        ("h3", "hopper", "moe", "fp8", 0.15),
    ]
)


def test_prior_percentiles_of_the_matching_observations():
    # ampere dense bf16, usable: 0.30 0.35 0.40 0.45 0.50 (sorted; a6 excluded) -> 5 >= 5, level 1.
    # Inverted CDF of n = 5: P10 = 1st (ceil(0.5) = 1) = 0.30, P50 = 3rd (ceil(2.5)) = 0.40,
    # P90 = 5th (ceil(4.5)) = 0.50.
    p = utilisation.prior(TINY, generation="ampere", architecture="dense", precision="bf16")
    assert (p.p10, p.p50, p.p90) == (0.30, 0.40, 0.50)
    assert p.level == ("generation", "architecture", "precision") and not p.fallback
    assert sorted(p.obs_ids) == ["a1", "a2", "a3", "a4", "a5"]


def test_fallback_drops_generation_then_architecture_but_never_precision():
    # hopper dense bf16: 1 row (< 5) -> dense bf16: a1-a5 + h1 = 6 rows: 0.20 0.30 0.35 0.40 0.45 0.50;
    # P10 = 1st (ceil(0.6)) = 0.20, P50 = 3rd (ceil(3.0)) = 0.35, P90 = 6th (ceil(5.4)) = 0.50.
    p = utilisation.prior(TINY, generation="hopper", architecture="dense", precision="bf16")
    assert p.level == ("architecture", "precision") and p.fallback
    assert (p.p10, p.p50, p.p90) == (0.20, 0.35, 0.50)
    assert "dropped" in p.describe()
    # hopper moe bf16: 1 row; moe bf16: 1 row -> bf16: a1-a5, h1, h2 = 7 rows, median 4th = 0.35
    p = utilisation.prior(TINY, generation="hopper", architecture="moe", precision="bf16")
    assert p.level == ("precision",) and p.p50 == 0.35 and 0.15 not in p.values
    with pytest.raises(ValueError, match="fewer than 5"):
        utilisation.prior(TINY, generation="hopper", architecture="moe", precision="fp8")


def test_leave_one_out_refits_without_the_row():
    # a3 (0.40) left out: ampere dense bf16 has 4 rows (< 5) -> dense bf16: 0.20 0.30 0.35 0.45 0.50,
    # median 3rd = 0.35: error = 0.35 / 0.40 - 1 = -0.125
    loo = utilisation.leave_one_out(TINY.loc[["a1", "a2", "a3", "a4", "a5", "h1"]])
    assert loo.loc["a3", "p50"] == 0.35
    assert loo.loc["a3", "error"] == pytest.approx(-0.125)
    assert loo.loc["a3", "level"] == "architecture;precision"


def test_disjoint_from_drops_rows_of_the_same_run():
    table = _table([("x", "hopper", "dense", "bf16", 0.4, "", "case-a;case-b"), ("y", "hopper", "dense", "bf16", 0.4)])
    assert list(utilisation.disjoint_from(table, ["case-b"]).index) == ["y"]
    assert list(utilisation.disjoint_from(table, "case-c").index) == ["x", "y"]


def test_empirical_draws_follow_the_observations_smoothly():
    # 5 values at plotting positions i / 6 = 0.167, 0.333, 0.5, 0.667, 0.833, the quantile function
    # linear between and flat beyond: Q(0.1) = 0.30 (below the first), Q(0.5) = 0.40, Q(0.9) = 0.50;
    # Q(0.25) = 0.30 + (0.25 − 1/6) / (1/6) × 0.05 = 0.325.
    e = uncertainty.Empirical([0.5, 0.3, 0.4, 0.35, 0.45])
    assert tuple(e) == pytest.approx((0.30, 0.40, 0.50))
    assert list(uncertainty.empirical_ppf(e.values, [0.0, 0.25, 0.5, 0.999])) == pytest.approx([0.3, 0.325, 0.4, 0.5])
    x = uncertainty.draw({"mfu": e, "other": (1.0, 2.0, 3.0)}, 10_000, seed=0)["mfu"]
    bands = uncertainty.percentiles(x)  # 10,000 draws: within a few thousandths of Q
    assert bands["p10"] == pytest.approx(0.30, abs=0.005) and bands["p90"] == pytest.approx(0.50, abs=0.005)
    assert bands["p50"] == pytest.approx(0.40, abs=0.005)
    # an even count: the median is the mean of the middle two, (0.35 + 0.40) / 2 = 0.375
    assert uncertainty.Empirical([0.3, 0.35, 0.4, 0.45])[1] == pytest.approx(0.375)


def test_the_real_table_prefers_production_runs_and_falls_back_when_too_few():
    # data/mfu_observations.csv, usable production runs, dense, BF16 peak, on 6·N·D: hopper has 2
    # (Nemotron-4 340B 0.41, Llama 3 405B 0.41, both unconverted) < 5, so generation is dropped: dense
    # BF16 production runs are MT-NLG 0.297 (without attention, as PaLM gives it), GLM-130B 0.325 ×
    # 7.8e11 / (7.8e11 + 12 × 70 × 12,288 × 2,048) = 0.316424, Gopher 0.325, Nemotron-4 0.41, Llama 3
    # 0.41, PaLM 0.457 (without attention), TinyLlama 0.56 (7). Inverted CDF of 7: P10 = 1st
    # (ceil(0.7)) 0.297, P50 = 4th (ceil(3.5)) 0.41, P90 = 7th (ceil(6.3)) 0.56.
    p = utilisation.prior(load("mfu_observations"), generation="hopper", architecture="dense", precision="bf16")
    assert (p.p10, p.p50, p.p90) == (0.297, 0.41, 0.56)
    assert sorted(p.values)[1] == pytest.approx(0.316424, rel=1e-5)
    assert p.kind == "production" and p.level == ("architecture", "precision")
    assert "production" in p.describe()
    # with benchmarks too (kinds=()) the ten Hopper dense BF16 rows match at the first level, LLM Foundry's
    # on 6·N·D (× 6N / (6N + 12·l·d·2,048)): MPT-1B 0.3665 × 7.92e9 / 9,127,959,552 = 0.317999, MPT-30B
    # 0.4027 × 1.7988e11 / 188,335,716,864 = 0.384620, MPT-7B (× 3.996e10 / 43,181,225,472 = 0.925402)
    # 0.422 -> 0.390520, 0.4571 -> 0.423001, 0.4644 -> 0.429757, MPT-70B (× 3.8916e11 / 405,266,127,360 =
    # 0.960258) 0.4125 -> 0.396106, 0.4257 -> 0.408782, 0.4336 -> 0.416368; with 0.41 0.41 sorted:
    # P10 1st (ceil(1.0)) 0.317999, P50 5th (ceil(5.0)) 0.408782, P90 9th (ceil(9.0)) 0.423001
    both = utilisation.prior(
        load("mfu_observations"), generation="hopper", architecture="dense", precision="bf16", kinds=()
    )
    assert (both.p10, both.p50, both.p90) == pytest.approx((0.317999, 0.408782, 0.423001), rel=1e-5)
    # FP8 MoE: only 2 production rows at any level -> all kinds (see test above for the levels)
    moe = utilisation.prior(load("mfu_observations"), generation="hopper", architecture="moe", precision="fp8")
    assert moe.kind is None


def test_an_accounted_run_becomes_an_observation_by_hand():
    # Llama 3.1 405B (data/accounted_runs.csv): 6 · 405e9 · 15.6e12 = 3.7908e25 FLOP over 30.84e6 H100-hours
    # at 989.4e12 FLOP/s: 3.7908e25 / (30.84e6 × 3,600 × 989.4e12 = 1.098485e26) = 0.345098; the package's
    # goodput at 16,384 chips is 1 / 1.0573515 = 0.945759 (tests/test_goodput.py), so the observation's MFU
    # is 0.345098 / 0.945759 = 0.364890.
    observations = inputs.accounted_observations()
    row = observations.loc["llama-3.1-405b"]
    assert row["mfu"] == pytest.approx(0.364890, rel=1e-5)
    assert row["kind"] == "accounted" and row["chip_generation"] == "hopper" and row["cluster_chips"] == 16384
    # Granite 3.0 8B: 6 · 8.1e9 · 12e12 = 5.832e23 / (832,102 × 3,600 × 989.4e12 = 2.963824e24) = 0.196773
    # on 768 GPUs (report Sec. 4.3): n·λ = 768 × 1.97e-5 = 0.0151296 /h, n·λ·R = 0.0151296 × 0.107833 = 0.0016315,
    # sqrt(2 × 7.875e-4 × 0.0151296) = sqrt(2.382912e-5) = 0.0048815 → goodput 1 / 1.0065130 = 0.993529,
    # so the observation's MFU is 0.196773 / 0.993529 = 0.198055
    assert observations.loc["granite-3.0-8b", "mfu"] == pytest.approx(0.198055, rel=1e-5)
    # the prior's table holds both kinds of source, each row once
    both = inputs.mfu_observations()
    assert both.index.is_unique and {"accounted", "production", "benchmark"} == set(both["kind"])


def test_the_prior_prefers_accounted_runs_then_production_runs():
    # TINY has benchmarks only; add five accounted Ampere dense rows and two production ones: the accounted
    # rows win at the first level (median of 0.20 0.22 0.24 0.26 0.28 = 0.24); with four accounted rows
    # the accounted kind falls short at every level and production (2 rows) too, so all kinds are used.
    extra = _table([(f"c{i}", "ampere", "dense", "bf16", 0.20 + 0.02 * i) for i in range(5)])
    extra["kind"] = "accounted"
    prod = _table([("p1", "ampere", "dense", "bf16", 0.6), ("p2", "ampere", "dense", "bf16", 0.7)])
    prod["kind"] = "production"
    found = utilisation.prior(pd.concat([TINY, extra, prod]), generation="ampere")
    assert found.kind == "accounted" and found.p50 == pytest.approx(0.24)
    assert "5 accounted utilisations" in found.describe()
    fewer = utilisation.prior(pd.concat([TINY, extra.iloc[:4], prod]), generation="ampere")
    assert fewer.kind is None


def test_an_accounted_run_without_hours_or_days_is_refused(data_copy):
    edit_cell(data_copy / "accounted_runs.csv", "phi-4", "days", "")
    with pytest.raises(
        DataError, match=r"accounted_runs.csv, line \d+ \(phi-4\), column 'gpu_hours'.*give gpu_hours or days"
    ):
        catalog.load("accounted_runs", data_copy)


#: Five Ampere dense BF16 runs at 1e9, 1e9, 1e10, 1e11, 1e11 active parameters, and one held out.
SIZED = _table(
    [
        ("s1", "ampere", "dense", "bf16", 0.20),
        ("s2", "ampere", "dense", "bf16", 0.30),
        ("s3", "ampere", "dense", "bf16", 0.30),
        ("s4", "ampere", "dense", "bf16", 0.40),
        ("s5", "ampere", "dense", "bf16", 0.50),
        ("z", "ampere", "dense", "bf16", 0.25),
    ]
).assign(active_params=[1e9, 1e9, 1e10, 1e11, 1e11, 1e10])


def test_size_adjusted_moves_each_observation_along_the_fitted_slope():
    # x = ln N = ln 10 × (9, 9, 10, 11, 11), x̄ = 10 ln 10; Σ(x − x̄)² = 4 (ln 10)²;
    # Σ(x − x̄)(y − ȳ) = ln 10 × (−ln 0.2 − ln 0.3 + ln 0.4 + ln 0.5) = ln 10 × ln(0.2 / 0.06) = ln 10 × ln(10/3);
    # b = ln(10/3) / (4 ln 10) = 1.2039728 / 9.2103404 = 0.1307196. Moved to 1e10: × 10^(b × (10 − log10 N_i)),
    # 10^b = (10/3)^(1/4) = 1.3512001: 0.2 × 1.3512 = 0.2702400, 0.3 × 1.3512 = 0.4053600, 0.3,
    # 0.4 / 1.3512 = 0.2960330, 0.5 / 1.3512 = 0.3700414.
    values, slope = utilisation.trend_adjusted([0.2, 0.3, 0.3, 0.4, 0.5], [1e9, 1e9, 1e10, 1e11, 1e11], 1e10)
    assert slope == pytest.approx(0.1307196, rel=1e-6)
    assert list(values) == pytest.approx([0.2702400, 0.4053600, 0.3, 0.2960330, 0.3700414], rel=1e-6)
    # all sizes equal: no slope, the MFUs unchanged
    same, flat = utilisation.trend_adjusted([0.2, 0.4], [7e9, 7e9], 1e12)
    assert flat == 0.0 and list(same) == [0.2, 0.4]


def test_a_size_conditioned_prior_is_the_residual_spread_at_the_run_size():
    # the five runs above moved to 1e10 (previous test), sorted 0.27024 0.29603 0.3 0.37004 0.40536: inverted CDF
    # of 5: P10 = 1st, P50 = 3rd, P90 = 5th. Without size: 0.2 0.3 0.3 0.4 0.5 -> P10 0.2, P50 0.3, P90 0.5.
    runs = SIZED.drop(index="z")
    sized = utilisation.prior(runs, generation="ampere", candidate="size", at=1e10)
    assert (sized.p10, sized.p50, sized.p90) == pytest.approx((0.2702400, 0.3, 0.4053600), rel=1e-6)
    assert sized.slope == pytest.approx(0.1307196, rel=1e-6) and "the run's size (slope +0.131" in sized.describe()
    plain = utilisation.prior(runs, generation="ampere")
    assert (plain.p10, plain.p50, plain.p90) == (0.2, 0.3, 0.5) and plain.slope is None


def test_leave_one_out_by_size_on_a_tiny_table():
    # z (1e10, MFU 0.25) held out: the other five are the runs above. Without size P50 0.3: error 0.3 / 0.25 − 1
    # = 0.2, inside 0.2–0.5; by size the same P50 0.3 but P10 0.27024 > 0.25: outside.
    plain = utilisation.leave_one_out(SIZED)
    sized = utilisation.leave_one_out(SIZED, candidate="size")
    assert plain.loc["z", "error"] == pytest.approx(0.2) and plain.loc["z", "inside"]
    assert sized.loc["z", "error"] == pytest.approx(0.2) and not sized.loc["z", "inside"]
    # only the kinds asked for are held out (the rest still fit the prior)
    assert utilisation.leave_one_out(SIZED, kinds=("accounted",)).empty


def test_leave_one_out_on_the_fit_data_decides_against_every_candidate():
    # The fit data: every usable accounted and production observation, none of them a validation case's run.
    observations = inputs.mfu_observations()
    loo = utilisation.leave_one_out(observations, kinds=utilisation.KINDS)
    tried = {
        name: utilisation.leave_one_out(observations, kinds=utilisation.KINDS, candidate=name)
        for name in utilisation.CANDIDATES
    }
    fit = utilisation.usable(observations)
    fit = fit[fit["kind"].isin(["accounted", "production"])]
    assert set(loo.index) == set(fit.index) == set(tried["size"].index) == set(tried["era"].index)
    cases = load("validation_cases")  # (benchmarks of a case's code are left out of that case's prior instead)
    named = {c for cell in fit["validation_overlap"].dropna() for c in str(cell).split(";") if c}
    assert not named & set(cases.index[cases["role"] == "validation"])
    # the decision the module docstring and docs/methods.md state: no candidate passes the pre-registered rule
    # (2 points better, coverage within 70-90 %, the expected direction), and both quote these numbers
    for name, frame in tried.items():
        fitted = utilisation.direction(observations, name)
        assert not utilisation.adopted(loo, frame, fitted_direction=fitted, candidate=name)[0], name
    assert loo["error"].abs().mean() < tried["size"]["error"].abs().mean()
    for text in (utilisation.__doc__, (Path(__file__).parents[1] / "docs" / "methods.md").read_text()):
        text = " ".join(text.split())
        for frame in (loo, *tried.values()):
            assert f"{frame['error'].abs().mean() * 100:.1f} %" in text
            assert f"{frame['inside'].mean() * 100:.1f} %" in text
        assert f"{len(loo)} usable accounted and production" in text


#: Ampere dense BF16 runs that started after 2023-07 (e*), before (b*), and one without a month (n).
ERA = _table(
    [(f"e{i}", "ampere", "dense", "bf16", x) for i, x in enumerate([0.2, 0.3, 0.3, 0.4, 0.5])]
    + [(f"b{i}", "ampere", "dense", "bf16", x) for i, x in enumerate([0.4, 0.4, 0.5, 0.5, 0.6])]
    + [("n", "ampere", "dense", "bf16", 0.9)]
).assign(run_start=["2024-01"] * 5 + ["2022-06", "2023-06", "2021-01", "2022-12", "2023-01"] + [""])


def test_the_era_candidate_is_a_first_condition_with_its_fallback():
    # after 2023-07 (e0-e4: 0.2 0.3 0.3 0.4 0.5; 2023-07 itself would count as after): 5 >= 5 at the era level,
    # inverted CDF of 5: P10 1st 0.2, P50 3rd 0.3, P90 5th 0.5
    after = utilisation.prior(ERA, generation="ampere", candidate="era", at="after", kinds=())
    assert after.level == ("era", "generation", "architecture", "precision") and not after.fallback
    assert (after.p10, after.p50, after.p90) == (0.2, 0.3, 0.5) and "started after 2023-07" in after.describe()
    era = utilisation.covariate(ERA, "era")
    assert list(era.iloc[:10]) == ["after"] * 5 + ["before"] * 5 and pd.isna(era["n"])
    # with e0 dropped only 4 are after: the era is dropped first, all 10 ampere rows (n included):
    # 0.3 0.3 0.4 0.4 0.4 0.5 0.5 0.5 0.6 0.9 -> P50 5th (ceil(5.0)) 0.4
    fallback = utilisation.prior(ERA.drop(index="e0"), generation="ampere", candidate="era", at="after", kinds=())
    assert fallback.level == ("generation", "architecture", "precision") and fallback.p50 == 0.4
    # the fitted direction, one group: mean ln MFU after − before = ln(0.2·0.3·0.3·0.4·0.5 = 0.0036) / 5
    # − ln(0.4·0.4·0.5·0.5·0.6 = 0.024) / 5 = ln(0.15) / 5 = −1.8971200 / 5 = −0.3794240 (n has no month: left out)
    assert utilisation.direction(ERA, "era", kinds=("benchmark",)) == pytest.approx(-0.3794240, rel=1e-6)


def test_tokens_per_parameter_and_the_adoption_rule():
    # tokens / active parameters: 2e12 / 1e10 = 200; no tokens: NaN
    frame = pd.DataFrame({"tokens": [2e12, None], "active_params": [1e10, 1e9]}, index=["x", "y"])
    value = utilisation.covariate(frame, "tokens_per_param")
    assert value["x"] == pytest.approx(200.0) and pd.isna(value["y"])
    # the rule: mean |error| 0.30 without; 0.27 with (3 points lower), coverage 4 of 5 = 80 %, direction −0.1
    # for cluster (expected lower): adopted. 0.29 (1 point): not; direction +0.1: not; coverage 3 of 5 = 60 %: not.
    base = pd.DataFrame({"error": [0.3, -0.3, 0.3, -0.3, 0.3], "inside": [True] * 5})
    tried = pd.DataFrame({"error": [0.27, -0.27, 0.27, -0.27, 0.27], "inside": [True] * 4 + [False]})
    assert utilisation.adopted(base, tried, fitted_direction=-0.1, candidate="cluster") == (True, "passes")
    assert utilisation.adopted(base, tried.assign(error=0.29), fitted_direction=-0.1, candidate="cluster") == (
        False,
        "error not 2 points lower",
    )
    assert not utilisation.adopted(base, tried, fitted_direction=0.1, candidate="cluster")[0]
    fewer = tried.assign(inside=[True] * 3 + [False] * 2)
    assert utilisation.adopted(base, fewer, fitted_direction=-0.1, candidate="cluster")[1] == "coverage outside 70–90 %"
    # size states no expected direction: never adopted under the rule
    assert (
        utilisation.adopted(base, tried, fitted_direction=-0.1, candidate="size")[1] == "no expected direction stated"
    )


def test_accounted_observations_are_computed_once_per_input(monkeypatch):
    first = inputs.accounted_observations()
    first.loc["phi-4", "mfu"] = 9.0  # a caller's change never reaches the cache
    # phi-4 (1,920 H100): its accounted MFU ÷ goodput(1,920) = 1 / (1 + 0.0040787 + 0.0077183) = 0.988341
    assert inputs.accounted_observations().loc["phi-4", "mfu"] == pytest.approx(0.241653, rel=1e-5)
    # a changed default goodput input is a new key: restart R = 0.5 h at 16,384 chips gives
    # goodput 1 / (1 + 16,384 · 1.97e-5 · 0.5 + sqrt(2 · 7.875e-4 · 16,384 · 1.97e-5))
    # = 1 / (1 + 0.161382 + 0.0225467) = 0.844645, so Llama 3.1 405B's 0.345098 becomes 0.345098 / 0.844645
    monkeypatch.setitem(inputs.DEFAULTS, "restart_hours", inputs.Used(0.5, "h", "megascale-2024", "test"))
    assert inputs.accounted_observations().loc["llama-3.1-405b", "mfu"] == pytest.approx(0.345098 / 0.844645, rel=1e-5)


def test_priors_kept_per_version_of_the_data_follow_an_edit(data_copy, monkeypatch):
    """inputs.mfu_observations, observed_prior and prior_leave_one_out are kept per version of the
    data (catalog.per_data): a caller's change never reaches the kept value, and an edited data
    file, once the catalog loads it again (as a new kernel does), reaches all three. Hopper dense
    BF16 draws on 10 accounted runs; sorted: 0.128947 0.178015 0.198055 0.220452 0.227995
    0.241653 (phi-4) 0.246827 0.256551 0.264050 0.364890, so P90 (inverted CDF: the smallest value
    with at least 90 % at or below it) is the 9th of 10 = 0.264050 (Granite 3.0 2B: 6 · 2.5e9 · 12e12 =
    1.8e23 / (192,030 × 3,600 × 989.4e12 = 6.83975e23) = 0.263166 on 256 GPUs, goodput 1 / (1 + 0.0050432
    × 0.107833 + sqrt(2 × 7.875e-4 × 0.0050432)) = 1 / (1 + 0.00054383 + 0.00281834) = 0.996649, so 0.264051).
    With phi-4 excluded in accounted_runs.csv, 9 are left and P90 is the ceil(0.9 × 9) = 9th of 9 = 0.364890."""
    monkeypatch.setattr(catalog, "DATA_DIR", data_copy)
    hopper = dict(generation="hopper", architecture="dense", precision="bf16")
    first = inputs.observed_prior(**hopper)
    assert "phi-4" in first.obs_ids and first.p90 == pytest.approx(0.264050, abs=1e-6)
    first.values[:] = 0.0  # a caller's change never reaches the kept prior
    assert inputs.observed_prior(**hopper).values.min() == pytest.approx(0.128947, abs=1e-6)
    assert "phi-4" in inputs.prior_leave_one_out().index
    edit_cell(data_copy / "accounted_runs.csv", "phi-4", "excluded", "edited in a test")
    catalog._load_all.cache_clear()  # the catalog reads data/ once per process; a new kernel reads it again
    assert inputs.mfu_observations().loc["phi-4", "excluded"] == "edited in a test"
    edited = inputs.observed_prior(**hopper)
    assert "phi-4" not in edited.obs_ids and len(edited.obs_ids) == 9
    assert edited.p90 == pytest.approx(0.364890, abs=1e-6)
    assert "phi-4" not in inputs.prior_leave_one_out().index
    assert "phi-4" not in inputs.prior_leave_one_out("size").index


def test_no_mfu_draw_goes_above_the_highest_mfu_published_on_its_generation():
    """The cap of an MFU range is the highest published steady-state MFU (production runs and
    benchmarks, any architecture, on a stated FLOP basis: utilisation.cap_rows) on the prior's chip
    generation at its precision, where the generation has at least 5 (utilisation.MIN_OBSERVATIONS)
    such rows, every row on 6·N·D and none that shares a run or code with a validation case: Hopper
    BF16 0.416368 (LLM Foundry, MPT-70B on 128 H100, 0.4336 × 0.960258; its MPT-7B rows, up to
    0.429757, share code and model with mpt-7b-days; before the one basis 0.4644), Ampere BF16
    Korthikanti et al.'s 530B on 280 A100, 0.56 × 6 × 5.3e11 / F, F = 72 × 105 × 20,480² + 12 × 105 ×
    20,480 × 2,048 + 6 × 20,480 × 51,200 = 3,170,893,824,000 + 52,848,230,400 + 6,291,456,000 =
    3,230,033,510,400: 0.56 × 3.18e12 / F = 0.56 × 0.984510 = 0.551326 (its 1T row: 0.563 × 6e12 /
    6,128,192,716,800 = 0.551223, just below; before: phi-2's accounted 0.627210, an accounted run,
    which no longer sets a cap; FlashAttention-2's 72 % is 0.480929 on 6·N·D; LLM Foundry's MPT-7B on
    8 A100, 0.594 on 6·N·D, overlaps mpt-7b-days), Hopper FP8 0.400330 (Megatron Bridge, Llama 3.1 405B
    on 1,024 H100: 0.4154 × 2.43e12 / (822e12 / 326)); a generation whose vendor has fewer than 5 such rows
    either (CDNA 3, AMD: none) takes the highest at the precision on every chip, 0.691497 (MaxText 32B on
    64 TPU v5p, 0.7147 × 1.92e11 / 198,442,450,944). The BF16 MoE prior of a Hopper chip falls
    back to all 28 accounted BF16 runs; their median is the mean of the 14th and 15th, (0.246827 +
    0.256551) / 2 = 0.251689, so an MFU of 0.40 scales them by 0.40 / 0.251689 = 1.589263. Q(0.9)
    sits at 0.9 × 29 = 26.1, between the 26th (0.584116) and 27th (0.586051): 0.584116 + 0.1 ×
    0.001935 = 0.5843095, × 1.589263 = 0.928621 uncapped; capped at Hopper's 0.416368, the median
    stays 0.40."""
    hopper = (pytest.approx(0.416368, rel=1e-5), "llmfoundry-h100-70b-128", "hopper")
    assert inputs.mfu_ceiling(generation="hopper", precision="bf16") == hopper
    ampere = (pytest.approx(0.551326, rel=1e-5), "korthikanti2022-530b", "ampere")
    assert inputs.mfu_ceiling(generation="ampere", precision="bf16") == ampere
    hopper_fp8 = ("mbridge-h100-llama31-405b-fp8-1024", "hopper")
    assert inputs.mfu_ceiling(generation="hopper", precision="fp8") == (pytest.approx(0.400330, rel=1e-5), *hopper_fp8)
    cdna3 = (pytest.approx(0.691497, rel=1e-5), "maxtext-v5p-32b-64chips", "any chip")
    assert inputs.mfu_ceiling(generation="cdna3", precision="bf16") == cdna3
    prior = inputs.observed_prior(generation="hopper", architecture="moe", precision="bf16")
    assert len(prior.values) == 28
    spread, used = inputs.mfu_range(0.40, prior, entered=False)
    assert spread[1] == pytest.approx(0.40, rel=1e-9)
    assert spread[2] == pytest.approx(0.416368, rel=1e-5)
    assert spread.ppf([0.999])[0] == pytest.approx(0.416368, rel=1e-5)
    assert "llmfoundry-benchmarks" in used.source.split(";")  # the cap's own source
    assert (
        "at most 0.416, the highest MFU (6·N·D) on hopper BF16 outside the validation cases' runs "
        "(llmfoundry-h100-70b-128)" in used.origin
    )


def test_a_generation_with_too_few_published_rows_is_capped_at_its_vendors_highest():
    """A generation's own cap needs at least 5 rows that may set a cap (utilisation.cap_rows) at the
    precision; with fewer the cap is the highest at that precision on its vendor's chips where they
    have at least 5, else on every chip. Blackwell BF16 has 1 (Megatron-Bridge DeepSeek-V3 on 256
    GB200) and Volta BF16 none (its 2019 Megatron rows are unconverted): both take NVIDIA's highest,
    Korthikanti et al.'s 530B on A100, 0.551326 (0.56 × 3.18e12 / 3,230,033,510,400; before: MaxText's
    0.691497 on TPU v5p, another vendor's chip); Blackwell FP8 has 2 (GB200 and B200): it takes NVIDIA's
    highest FP8 (7 rows), the same GB200 row, 0.4258 × 2.43e12 / (2,129e12 / 843) = 0.409698. A B200
    reference at 0.40: the 7 dense BF16 production MFUs (0.297 0.316424 0.325 0.41 0.41 0.457 0.56, median
    0.41) × 0.40 / 0.41 = 0.975610: P10 = 0.297 × 0.975610 = 0.289756, P90 = 0.56 × 0.975610 = 0.546341,
    below 0.551326. A V100 run's prior (25 accounted dense BF16 runs, median the 13th, 0.261527): P10 at
    0.1 × 26 = 2.6, 0.128947 + 0.6 × (0.178015 − 0.128947) = 0.158388; P90 at 0.9 × 26 = 23.4, 0.584116
    + 0.4 × (0.586051 − 0.584116) = 0.584890, above the cap: 0.551326 (before: 0.584890 under 0.691497);
    its record does not call the prior's median "the value entered"."""
    nvidia = (pytest.approx(0.551326, rel=1e-5), "korthikanti2022-530b", "NVIDIA chips")
    assert inputs.mfu_ceiling(generation="blackwell", precision="bf16") == nvidia
    assert inputs.mfu_ceiling(generation="volta", precision="bf16") == nvidia
    gb200 = (pytest.approx(0.409698, rel=1e-5), "mbridge-gb200-llama31-405b-fp8-256", "NVIDIA chips")
    assert inputs.mfu_ceiling(generation="blackwell", precision="fp8") == gb200
    b200 = inputs.chips(["b200"]).iloc[0]
    spread, used = inputs.reference_mfu_range(b200, 0.40, precision="bf16")
    assert tuple(spread) == pytest.approx((0.289756, 0.40, 0.546341), rel=1e-5)
    assert (
        "at most 0.551, the highest MFU (6·N·D) at BF16 on NVIDIA chips outside the validation cases' runs "
        "(korthikanti2022-530b; blackwell has too few published rows to set its own cap)" in used.origin
    )
    prior = inputs.observed_prior(generation="volta", architecture="dense", precision="bf16")
    assert len(prior.values) == 25 and prior.p50 == pytest.approx(0.261527, abs=1e-6)
    spread, used = inputs.mfu_range(prior.p50, prior, entered=False)
    assert tuple(spread) == pytest.approx((0.158388, 0.261527, 0.551326), abs=1e-6)
    assert "entered" not in used.origin and "volta has too few published rows" in used.origin


def test_accounted_and_unconverted_rows_never_set_the_cap():
    """Rule (1) of utilisation's pre-registered cap rules, on a frame made by hand: the cap is the
    highest production or benchmark MFU on a stated basis outside the validation cases' runs,
    whatever the accounted (0.90) or unconverted (0.80) rows show, or an overlapping benchmark (0.85);
    rule (2): a generation with 5 such rows takes its own highest (g1: 0.50), one with fewer its
    vendor's where the vendor has 5 (g2, 1 row at 0.30, vendor V's 6 rows: 0.50), one whose vendor has
    fewer the highest on any chip (g3, vendor W, 1 row at 0.60: 0.60, the highest of all 7 such rows)."""

    def row(generation, vendor, mfu, *, kind="benchmark", basis="6nd", overlap=""):
        return dict(
            chip_generation=generation,
            vendor=vendor,
            mfu=mfu,
            kind=kind,
            flop_basis=basis,
            validation_overlap=overlap,
            excluded="",
            precision="bf16",
        )

    rows = {f"g1-{i}": row("g1", "V", 0.40 + 0.025 * i) for i in range(5)}  # 0.40 … 0.50
    rows |= {
        "g1-accounted": row("g1", "V", 0.90, kind="accounted"),
        "g1-unconverted": row("g1", "V", 0.80, kind="production", basis="unconverted"),
        "g1-overlap": row("g1", "V", 0.85, overlap="some-case"),
        "g2-1": row("g2", "V", 0.30, kind="production"),
        "g3-1": row("g3", "W", 0.60),
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    assert utilisation.ceiling(frame, generation="g1", vendor="V", precision="bf16") == (0.50, "g1-4", "g1")
    assert utilisation.ceiling(frame, generation="g2", vendor="V", precision="bf16") == (0.50, "g1-4", "V chips")
    assert utilisation.ceiling(frame, generation="g3", vendor="W", precision="bf16") == (0.60, "g3-1", "any chip")
    with pytest.raises(ValueError, match="precision 'fp8' may set a cap; allowed: bf16, fp8"):
        utilisation.ceiling(frame, generation="g1", vendor="V", precision="fp8")
    # the package's own data: phi-2 (accounted, 0.627210) and TinyLlama (unconverted, 0.56) are above Ampere's cap
    observed = inputs.mfu_observations()["mfu"]
    cap = inputs.mfu_ceiling(generation="ampere", precision="bf16")[0]
    assert observed["phi-2"] > observed["tinyllama-1.1b"] > cap
    with pytest.raises(ValueError, match="unknown chip generation 'kepler'; allowed: ada, ampere"):
        inputs.mfu_ceiling(generation="kepler", precision="bf16")


def test_an_entered_mfu_above_the_ceiling_is_the_cap():
    """A reader's MFU above the generation's highest published is theirs to enter: the cap is then
    the value entered. H100 at 0.50: the 7 production dense BF16 MFUs × 0.50 / 0.41 (median 0.41):
    P10 = 0.297 × 1.219512 = 0.362195, P50 = 0.50, P90 = min(0.56 × 1.219512 = 0.682927, 0.50) = 0.50.
    Only the caller knows whether the reader entered it: the same 0.50 not entered is "the MFU
    itself" in the record."""
    h100 = inputs.chips(["h100-sxm"]).iloc[0]
    spread, used = inputs.reference_mfu_range(h100, 0.50, precision="bf16")
    assert tuple(spread) == pytest.approx((0.362195, 0.50, 0.50), rel=1e-5)
    assert "the value entered (above 0.416, the cap on hopper BF16)" in used.origin
    prior = inputs.observed_prior(generation="hopper", architecture="dense", precision="bf16", kinds=("production",))
    spread, used = inputs.mfu_range(0.50, prior, entered=False)
    assert tuple(spread) == pytest.approx((0.362195, 0.50, 0.50), rel=1e-5)
    assert "the MFU itself (above 0.416" in used.origin and "entered" not in used.origin


def test_a_cap_below_the_scaled_middle_values_keeps_the_median():
    """The cap is applied to the quantiles, not to the observations, so it never moves the median:
    the H100's FP8 reference prior has 8 FP8 MFUs of every kind (fewer than 5 dense FP8 production runs),
    on 6·N·D: Megatron-Bridge's × 6N / (its TFLOP/s ÷ tokens/s): Qwen3 0.1177 × 1.32e11 / (233e12 / 1,575) =
    0.105021, DeepSeek-V3 on H100 0.1708 × 2.22e11 / (338e12 / 1,297) = 0.145500, on B200 0.192 × 2.22e11 /
    (864e12 / 3,328) = 0.164181, Llama 3 70B 0.3694 × 4.236e11 / (731e12 / 1,664) = 0.356196, Llama 3.1
    405B 0.400330 (H100) and 0.409698 (GB200); LLM Foundry's MPT-3B 0.277 × 1.59e10 / (1.59e10 + 12 × 32 ×
    2,560 × 2,048) = 0.245868; Llama 4 Behemoth 0.197 (unconverted). Median (0.197 + 0.245868) / 2 =
    0.221434, factor 0.40 / 0.221434 = 1.806407; the 5th scales to 0.444138, above Hopper FP8's cap
    0.400330, but the median, halfway between the 4th (0.355862) and 5th at plotting positions 4/9 and
    5/9, is 0.40 < 0.400330. P10 (0.1 < 1/9) = 0.105021 × 1.806407 = 0.189710; P90 (0.9 > 8/9) =
    min(0.409698 × 1.806407 = 0.740081, 0.400330) = 0.400330."""
    h100 = inputs.chips(["h100-sxm"], precision="fp8").iloc[0]
    spread, _ = inputs.reference_mfu_range(h100, 0.40, precision="fp8")
    assert tuple(spread) == pytest.approx((0.189710, 0.40, 0.400330), rel=1e-5)


def test_the_reference_band_says_when_its_generation_was_dropped():
    """The reference MFU's band (chip_parity, energy_advantage, procurement) of an H100 draws on production
    runs of every generation, since only 2 Hopper production rows (Nemotron-4 340B, Llama 3 405B, both
    0.41) are fewer than 5: its record says so, as training_run's does for its prior."""
    from analysis.assembly import inputs as shared
    from analysis.catalog import load

    _, used = shared.reference_mfu_range(load("chips").loc["h100-sxm"], 0.40, precision="bf16")
    assert "7 published MFUs of production dense runs at the BF16 peak" in used.origin
    assert "(fewer than 5 match generation hopper: that condition is dropped)" in used.origin
