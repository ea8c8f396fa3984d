"""No weak source sets a default of data/chips.csv (the standard: a wiki, forum, spec aggregator or AI
summary never sets a default; the first key of a ``*_source`` cell sets the figure), and the prices and
figures that a weak source set until December 2026 (hostile H1) rest on the sources named below."""

import pytest
from numpy.testing import assert_allclose

from analysis import catalog
from analysis.assembly import export_controls
from analysis.formulas import cost

#: Launch years still set by a weak source (a date, not a figure any report computes with): for an
#: engineer to replace with the vendors' announcements.
WEAK_LAUNCH = {"h200", "b200", "gb200", "l20", "mi300x"}


def _first(cell) -> str:
    return str(cell).split(";")[0].strip()


def test_no_weak_source_sets_a_default_of_the_chip_catalog():
    chips, grade = catalog.load("chips"), catalog.sources()["grade"]
    columns = [c for c in chips.columns if c.endswith("_source") and c != "launch_source"]
    weak = [(chip, c) for chip, row in chips.iterrows() for c in columns if grade.get(_first(row[c])) == "weak"]
    assert weak == []
    launch = {chip for chip, key in chips["launch_source"].items() if grade.get(_first(key)) == "weak"}
    assert launch == WEAK_LAUNCH


def test_the_mi300x_price_is_citis_estimate():
    # Citi (via Svet hardware, Feb 2024): $10,000 (Microsoft) to $15,000 (other customers) per card;
    # base = (10,000 + 15,000) / 2 = 12,500. All-in, a chip price: 12,500 × 1.64 / 0.81 = 25,308.64
    mi300x = catalog.load("chips").loc["mi300x"]
    assert _first(mi300x["price_source"]) == "citi-mi300x-asp-2024"
    assert catalog.sources().at["citi-mi300x-asp-2024", "grade"] == "secondary"
    assert (mi300x["price_usd_low"], mi300x["price_usd"], mi300x["price_usd_high"]) == (10_000, 12_500, 15_000)
    assert_allclose(cost.all_in_usd_per_chip(12_500, price_unit="chip"), 25_308.64, rtol=1e-6)


def test_the_h200_price_is_reuters_per_chip_figure():
    # Reuters: "around $27,000 each" per H200 (a chip price): 27,000 × 1.64 / 0.81 = 44,280 / 0.81 = 54,666.67 all-in
    # (the weak listing's server share gave 39,083 / 0.81 = 48,250.62)
    h200 = catalog.load("chips").loc["h200"]
    assert _first(h200["price_source"]) == "reuters-h200-china-orders-2026"
    assert (h200["price_usd"], h200["price_unit"]) == (27_000, "chip")
    assert_allclose(cost.all_in_usd_per_chip(27_000, price_unit="chip"), 54_666.67, rtol=1e-6)


def test_the_a100_price_is_the_next_platforms_list_price_and_the_h100_pcie_has_none():
    # The Next Platform's A100 SXM4 80 GB list price $17,500 (base and high); Mercatus' used $8,000 (low)
    chips = catalog.load("chips")
    a100 = chips.loc["a100-sxm-80gb"]
    assert _first(a100["price_source"]) == "nextplatform-list-price-a100-80gb"
    assert (a100["price_usd_low"], a100["price_usd"], a100["price_usd_high"]) == (8_000, 17_500, 17_500)
    # the H100 PCIe's only price was kunwar.page's rough $25k (weak): no price, n/a in every report
    assert chips.loc["h100-pcie", ["price_usd_low", "price_usd", "price_usd_high"]].isna().all()


def test_the_l20_has_no_power_and_its_status_rests_on_an_unconfirmed_die_area():
    """The L20's 275 W appears only in spec aggregators: no TDP. Its die area is the AD102's 608.4 mm²
    (TweakTown, secondary), which only aggregators tie to the L20. TPP = 119.5 × 16 = 1,912; performance
    density 1,912 / 608.4 = 3.1427, below 3.2 (the 2023-10 density clause for TPP ≥ 1,600), so not
    controlled; without the area a density clause cannot be evaluated: undetermined."""
    l20 = catalog.load("chips").loc["l20"]
    assert l20[["tdp_w", "tdp_w_low", "tdp_w_high"]].isna().all() and l20["power_source"] == ""
    assert (l20["die_area_mm2"], l20["die_area_confirmed"], _first(l20["die_source"])) == (
        608.4,
        "false",
        "tweaktown-ad102-2022",
    )
    r = export_controls.run()
    assert_allclose(r.metrics.loc["l20", "performance_density"], 1_912 / 608.4, rtol=1e-9)
    assert_allclose(1_912 / 608.4, 3.1427, atol=1e-4)
    assert export_controls.unconfirmed_die_statuses(r) == {"l20": ["2023-10", "2025-04", "2026-01"]}
    assert "The L20's status (not controlled under 2023-10, 2025-04 and 2026-01) rests on a die area" in (
        export_controls.answer(r)
    )
    table = export_controls.control_status(["l20", "h20"])
    assert table["status_rests_on_unconfirmed_die_area"].tolist() == ["2023-10;2025-04;2026-01", ""]


@pytest.mark.parametrize("chip", ["h100-sxm", "h20", "h200", "a100-sxm-80gb"])
def test_a_die_area_a_source_ties_to_its_chip_is_confirmed(chip):
    assert catalog.load("chips").at[chip, "die_area_confirmed"] == "true"
