"""Issue 20 item 4: China-market prices in yuan (data/china_prices.csv) converted at the Federal
Reserve's rate of their date (data/exchange_rates.csv), beside the catalog prices they document.
Fast tier: no kernel."""

import pytest
from conftest import edit_cell

from analysis import catalog
from analysis.assembly import market_prices
from analysis.catalog import DataError, load
from analysis.formulas import cost

CHINA_CHIPS = ["h20", "h800-sxm", "a800-sxm-80gb", "ascend-910b", "ascend-910c"]


def test_a_quote_in_yuan_converts_at_its_dated_rate():
    # 1.2 M yuan for an 8-chip H20 server (Huxiu, Jul 2024) at 7.2547 yuan per dollar (Fed G.5, June
    # 2024): 1,200,000 / 7.2547 / 8 = 20,676.25 per chip
    assert cost.usd_per_chip_from_quote(1_200_000, per_usd=7.2547, chips_per_unit=8) == pytest.approx(20_676.25)
    usd = market_prices.quotes(["ascend-910b"])["usd_per_chip"]
    # 120,000 yuan per 910B card (Reuters, Jan 2024) at 7.1665 (Fed H.10, 12 Jan 2024) = 16,744.58
    assert list(usd) == pytest.approx([16_744.58], abs=0.01)


# (chips.csv column, its value, the quote it is derived from, that quote at its dated Fed rate):
# chips.csv converted the yuan at 7.18 (Reuters' implied rate) or 7.30 (no stated source); the dated
# rates move each by at most 3.6 %
DERIVED = [
    ("h20", "price_usd", 20_891, "h20-server-2024-07", 1_200_000 / 7.2547 / 8),  # 20,676.25 (+1.0 %)
    ("h20", "price_usd_high", 24_373, "h20-server-2024-01", 1_400_000 / 7.1665 / 8),  # 24,419.17 (−0.2 %)
    ("h800-sxm", "price_usd_low", 34_819, "h800-server-2023-03", 2_000_000 / 7.0809 / 8),  # 35,306.25 (−1.4 %)
    ("h800-sxm", "price_usd", 39_384, "h800-server-2023-10-before", 2_300_000 / 7.0809 / 8),  # 40,602.18 (−3.0 %)
    ("h800-sxm", "price_usd_high", 46_233, "h800-server-2023-10-after", 2_700_000 / 7.0809 / 8),  # 47,663.43
    ("a800-sxm-80gb", "price_usd", 15_000, "a800-card-2023-07", 110_000 / 7.0809),  # 15,534.75 (−3.4 %)
    ("ascend-910b", "price_usd", 16_713, "ascend-910b-card-2024-01", 120_000 / 7.1665),  # 16,744.58 (−0.2 %)
]


@pytest.mark.parametrize("chip, column, value, price_id, usd", DERIVED, ids=[d[3] for d in DERIVED])
def test_each_catalog_price_from_a_yuan_quote_lies_near_its_dated_conversion(chip, column, value, price_id, usd):
    assert load("chips").at[chip, column] == value
    quote = market_prices.quotes([chip]).loc[price_id]
    assert quote["usd_per_chip"] == pytest.approx(usd, rel=1e-9)
    assert abs(value / usd - 1) < 0.04


def test_no_rental_quote_is_made_up():
    # no Chinese cloud list rental price was found for any of the five chips: every one is listed as
    # without a rental quote (its rental stays n/a unless chips.csv has one: the H800's $2 is DeepSeek's)
    assert market_prices.without_quote(CHINA_CHIPS, kind="rental") == CHINA_CHIPS
    assert market_prices.without_quote(CHINA_CHIPS, kind="purchase") == ["ascend-910c"]
    chips = load("chips")
    assert [c for c in CHINA_CHIPS if chips.at[c, "usd_per_gpu_hour"] == chips.at[c, "usd_per_gpu_hour"]] == [
        "h800-sxm"
    ]


def test_the_a800_server_quote_checks_the_card_price_that_stands_for_the_sxm():
    quote = market_prices.quotes(["a800-sxm-80gb"]).loc["a800-server-2023-10"]
    # 1,400,000 yuan / 8 chips / 7.0809 (Fed G.5A, 2023 average) = 24,714.37 per chip, its server included
    assert quote["usd_per_chip"] == pytest.approx(24_714.37, abs=0.01)
    assert quote["catalog_usd"] != quote["catalog_usd"]  # NaN: a chip price is not compared with a server share
    # chips.csv's $15,000 (the A800 PCIe card's street price) × Epoch AI's 1.64 server = $24,600, 0.46 % below
    chip = load("chips").loc["a800-sxm-80gb"]
    assert abs(quote["usd_per_chip"] / (chip["price_usd"] * cost.SERVER_COST_FACTOR) - 1) < 0.005


def test_a_card_price_is_not_compared_with_a_server_share():
    h20 = market_prices.quotes(["h20"])
    # the card's 110,000 yuan buys one chip; chips.csv prices the H20 as a share of an 8-GPU server
    assert h20.loc["h20-card-2024-01", "catalog_usd"] != h20.loc["h20-card-2024-01", "catalog_usd"]  # NaN
    assert h20.loc["h20-server-2024-07", "catalog_usd"] == 20_891


@pytest.mark.parametrize(
    "file, row, column, value, words",
    [
        ("china_prices.csv", "h20-card-2024-01", "rate_id", "cny-1999", "unknown rate"),
        ("china_prices.csv", "h20-card-2024-01", "kind", "rental", "a rental is priced per chip-hour"),
        ("china_prices.csv", "h20-card-2024-01", "chip_id", "h21", "unknown chip"),
        ("china_prices.csv", "h20-card-2024-01", "currency", "RMB", "must be one of CNY"),
        ("exchange_rates.csv", "cny-2023", "per_usd", "0", "out of range|outside|range"),
    ],
)
def test_the_loader_refuses_a_broken_quote(data_copy, file, row, column, value, words):
    edit_cell(data_copy / file, row, column, value)
    with pytest.raises(DataError, match=words):
        catalog.load("china_prices", data_copy)
