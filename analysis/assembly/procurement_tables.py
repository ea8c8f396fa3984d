"""The procurement report's reference tables at the back: availability under the export rule,
the catalog price of every chip used and what each price source gave, the China-market quotes in
yuan at their dated exchange rate (:mod:`.market_prices`), and the vendor MFU factors. Everything
reads a :class:`~analysis.assembly.procurement_model.Result`."""

from __future__ import annotations

import pandas as pd

from . import inputs as shared
from . import market_prices, present
from .procurement_model import Result

#: The heading and lead-in of the section the bands table opens (``present.table(heading=...)``).
BANDS_SECTION = (
    "How uncertain the figures are",
    "Where page 1 says the prices are fixed at a catalog value (price_basis low, base or high), the draws leave "
    "the prices out and vary only the other inputs.",
)


def price_table(r: Result) -> pd.DataFrame:
    """The catalog price of every chip used: low, base, high [USD], what it covers (and whose price
    it is where another SKU's), sources."""
    covers = {"chip": "the chip", "server": "its share of a server", "system": "its share of a whole system"}
    chips = r.inputs.chips
    sku = chips["price_sku"].map(lambda s: f" ({s})" if s else "")
    frame = pd.DataFrame(
        {
            "low [$]": chips["price_usd_low"],
            "base [$]": chips["price_usd"],
            "high [$]": chips["price_usd_high"],
            "price covers": (chips["price_unit"].map(covers) + sku).fillna("n/a (no sourced price)"),
            "sources": chips["price_source"].fillna("none"),
        }
    )
    frame.index = [present.chip_name(c) for c in frame.index]
    return frame


def china_quotes_table(r: Result) -> pd.DataFrame:
    """The China-market quotes in yuan of the chips used (:func:`market_prices.quotes`): date, the
    quote and what it buys, the dated exchange rate, US dollars per chip, and chips.csv's base price
    where it buys the same (chip, server share or system), by short chip name."""
    table = market_prices.quotes(r.inputs.chips.index)
    frame = pd.DataFrame(
        {
            "date": table["date"],
            "quote [CNY]": table["quote"],
            "buys": table["buys"],
            "CNY per USD": [f"{v:.4f} ({p})" for v, p in zip(table["per_usd"], table["rate_period"])],
            "USD per chip": table["usd_per_chip"],
            "chips.csv base [$]": table["catalog_usd"],
            "source": table["source"],
        }
    )
    frame.index = [present.chip_short(c) for c in table["chip_id"]]
    return frame


def china_quotes_words(r: Result) -> str:
    """Which chips compared (the reference aside) have no China-market purchase quote and none a
    rental quote (n/a)."""
    ids = list(r.inputs.chip_ids)
    no_purchase = [present.chip_short(c) for c in market_prices.without_quote(ids, kind="purchase")]
    no_rental = [present.chip_short(c) for c in market_prices.without_quote(ids, kind="rental")]
    words = []
    if no_purchase:
        words.append(f"No purchase quote in yuan for {', '.join(no_purchase)} (their prices are in US dollars)")
    if no_rental:
        words.append(
            f"no Chinese cloud list rental price for {', '.join(no_rental)}: none was found on the Alibaba, Tencent, "
            "Huawei, Baidu or Volcano Engine price pages read (n/a)"
        )
    return ("; ".join(words) + ".") if words else ""


def price_sources(r: Result) -> str:
    """What each price source gave, as a markdown list (so a reader sees which price is derived
    from what, e.g. a per-chip price worked back from a reported order)."""
    cells = r.inputs.chips["price_source"].dropna()
    table = present.source_entries([k.strip() for keys in cells for k in keys.split(";")])
    return "\n".join(f"- **{key}** ({row['kind']}): {row['what was taken']}" for key, row in table.iterrows())


def availability_table(r: Result) -> pd.DataFrame:
    """Each chip's licence policy under the export rule and what the report does with it."""
    frame = r.inputs.availability.rename(
        columns={"policy": "licence policy (exports to China)", "action": "in this report"}
    )
    frame.index = [present.chip_name(c) for c in frame.index]
    return frame.drop(columns="price_factor")


def vendor_table(r: Result) -> pd.DataFrame:
    """The vendor MFU factors used (low, base, high) and the MFU each chip trains at (base):
    MFU × factor / NVIDIA's factor (1), at most 1 and its generation's cap
    (:func:`analysis.assembly.inputs.chips_mfu`)."""
    chips = r.inputs.chips
    base = shared.chips_mfu(shared.base_point(r.inputs.ranges), chips, ranges=r.inputs.ranges, precision="bf16")
    frame = pd.DataFrame(
        {
            "vendor": chips["vendor"],
            "vendor MFU factor": chips["mfu_factor"],
            "factor low": chips["mfu_factor_low"],
            "factor high": chips["mfu_factor_high"],
            "MFU": base[0],
        }
    )
    frame.index = [present.chip_name(c) for c in frame.index]
    return frame
