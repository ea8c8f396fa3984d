"""Reports agree where they answer with the same machinery (issue 18): two reports handed the same
Monte Carlo draws report the same P10/P50/P90, because every band comes from one percentile
routine (fast tier: no kernel)."""

import numpy as np

from analysis.assembly import chip_parity, procurement_model
from analysis.assembly import procurement as buying
from analysis.formulas import uncertainty


def _draws(n: int) -> np.ndarray:
    """n draws of one figure: a lopsided spread of whole numbers, the same for every caller."""
    return np.floor(1_000 + 400 * np.random.default_rng(7).random(n) ** 3)


def test_chip_parity_and_procurement_give_the_same_band_for_the_same_draws(monkeypatch):
    def parity_figures(x, inp):
        n, chips = len(x["mfu"]), len(inp.chips)
        column = _draws(n)[:, None] * np.ones((1, chips))
        return {"chip_count": column, "capacity_binds": np.zeros((n, chips)), "throughput_match": column}

    def procurement_figures(x, inp):
        n = len(x["mfu"])
        return {o: {k: _draws(n) for k in procurement_model.FIGURES} for o in inp.options}

    monkeypatch.setattr(chip_parity, "figures", parity_figures)
    monkeypatch.setattr(procurement_model, "figures", procurement_figures)
    parity = chip_parity.run(candidates=["h20"], draws=1_000)
    bought = procurement_model.result(buying.inputs(chips=["h20"], budget_usd=1e8, draws=1_000))
    # the same 1,000 draws through each report: the P-th percentile is the smallest draw with at
    # least P % of the draws at or below it, so both must give uncertainty.percentiles(draws)
    expected = uncertainty.percentiles(_draws(1_000))
    for q in ("p10", "p50", "p90"):
        assert getattr(parity, q).loc["h20", "chip_count"] == expected[q]
        assert getattr(bought, q).loc["h20", "chips"] == expected[q]
    assert expected["p10"] < expected["p50"] < expected["p90"]  # a real spread, not a constant
