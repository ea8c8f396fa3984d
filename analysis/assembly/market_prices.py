"""China-market prices: purchase and rental quotes in yuan (``data/china_prices.csv``), each
converted to US dollars per chip at its dated exchange rate (``data/exchange_rates.csv``), beside
the catalog's price in ``chips.csv`` that the reports use (one price per chip: a quote documents
where a catalog price comes from, it does not replace it). Where a chip has no quote, the reports
say so rather than leave the chip out of a comparison."""

from __future__ import annotations

import pandas as pd

from ..catalog import load
from ..formulas import cost
from . import inputs

#: What a quote's unit buys, in words.
UNIT_WORDS = {
    "chip": "a chip",
    "server": "{n}-chip server",
    "system": "{n}-chip system",
    "chip-hour": "chip-hour",
}


def quotes(chip_ids=None, *, kind: str | None = None) -> pd.DataFrame:
    """The quotes of ``chip_ids`` (all chips: None), of one ``kind`` (``purchase``/``rental``; both:
    None), in file order. Columns: ``chip_id``, ``kind``, ``date``, ``quote`` (the price as
    quoted, in ``currency``), ``buys`` (in words), ``per_usd`` and ``rate_period`` (the exchange
    rate used), ``usd_per_chip`` (USD per chip, or per chip-hour for a rental:
    :func:`analysis.formulas.cost.usd_per_chip_from_quote`), ``catalog_usd`` (:func:`_catalog_usd`),
    ``source``."""
    table, rates, chips = load("china_prices"), load("exchange_rates"), load("chips")
    if chip_ids is not None:
        table = table[table["chip_id"].isin(list(chip_ids))]
    if kind is not None:
        table = table[table["kind"] == kind]
    rate = rates.loc[table["rate_id"]]
    catalog = [_catalog_usd(chips.loc[c], u) for c, u in zip(table["chip_id"], table["price_unit"])]
    return pd.DataFrame(
        {
            "chip_id": table["chip_id"],
            "kind": table["kind"],
            "date": table["date"],
            "quote": table["price"],
            "currency": table["currency"],
            "buys": [UNIT_WORDS[u].format(n=int(n)) for u, n in zip(table["price_unit"], table["chips_per_unit"])],
            "per_usd": rate["per_usd"].to_numpy(),
            "rate_period": rate["period"].to_numpy(),
            "usd_per_chip": cost.usd_per_chip_from_quote(
                table["price"], per_usd=rate["per_usd"].to_numpy(), chips_per_unit=table["chips_per_unit"]
            ),
            "catalog_usd": catalog,
            "source": table["source"],
        },
        index=table.index,
    )


def _catalog_usd(chip: pd.Series, unit: str) -> float:
    """``chips.csv``'s base rental (a chip-hour quote) or base price where it buys what the quote
    buys (``price_unit``), else NaN: a card price is not compared with a server-share price."""
    if unit == "chip-hour":
        return float(chip["usd_per_gpu_hour"])
    return float(chip["price_usd"]) if chip["price_unit"] == unit else float("nan")


def without_quote(chip_ids, *, kind: str) -> list[str]:
    """The chips of ``chip_ids`` with no China-market quote of ``kind``, in the given order."""
    quoted = set(quotes(chip_ids, kind=kind)["chip_id"])
    return [c for c in chip_ids if c not in quoted]


def used(chip_ids) -> dict:
    """The China-market quotes of ``chip_ids`` and their exchange rates as inputs records
    (:func:`~analysis.assembly.inputs.rows_used`), so a report that shows them lists their sources;
    empty where no chip has a quote."""
    table = load("china_prices")
    table = table[table["chip_id"].isin(list(chip_ids))]
    if table.empty:
        return {}
    return {
        "china_prices": inputs.rows_used("china_prices", table.index),
        "exchange_rates": inputs.rows_used("exchange_rates", table["rate_id"].unique(), label="period"),
    }
