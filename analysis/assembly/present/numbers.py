"""Numbers in the words a reader uses: :func:`usd` ("$16.5 B"), :func:`count` ("2,048"),
:func:`flop` ("3.3 × 10²⁴ FLOP"), :func:`mw` ("2.94 MW"), :func:`gwh`, :func:`pct` ("38 %"); each
reads ``n/a`` for an unknown value (None or NaN) and never prints ``e+`` notation. The function
name of a formatter is the unit of its argument: ``usd`` takes dollars, ``flop`` FLOP, ``mw``
megawatts, ``gwh`` gigawatt-hours; ``pct`` takes a fraction (0.38 -> "38 %"). A list of names
reads as a sentence gives it: :func:`joined` ("H20, A800 SXM and Ascend 910B"); a count with its
noun, singular for one, as :func:`counted` gives it ("1 chip", "2,048 chips").
"""

from __future__ import annotations

import math

import pandas as pd

#: What an unknown value reads everywhere.
NA = "n/a"


def _missing(x) -> bool:
    """None, NaN, pandas NA or an infinite value: a number no reader can use."""
    if x is None or x is pd.NA:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def _sig(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant figures."""
    if x == 0:
        return 0.0
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def _trim(text: str) -> str:
    """'16.50' -> '16.5', '2.00' -> '2'."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(x: float, digits: int, units: tuple[tuple[float, str], ...]) -> tuple[str, str] | None:
    """``x`` to ``digits`` significant figures in the largest unit it reaches: ('16.5', 'B')."""
    rounded = _sig(abs(x), digits)
    for size, name in units:
        if rounded >= size:
            value = _sig(rounded / size, digits)
            decimals = max(0, digits - 1 - int(math.floor(math.log10(value))))
            return _trim(f"{value:,.{decimals}f}"), name
    return None


def _sign(x: float) -> str:
    return "−" if x < 0 else ""


def usd(x, *, digits: int = 3) -> str:
    """Dollars as a reader writes them: ``$16.5 B``, ``$338 M``, ``$5.6 M`` (``digits``
    significant figures, trailing zeros dropped, for millions, billions and trillions),
    ``$12,000`` (whole dollars from $100), ``$0.28`` / ``$2.00`` (cents below $100), ``$0.0012`` /
    ``$0.00003`` (two significant figures below a cent, never ``e`` notation); ``n/a`` for an unknown value."""
    if _missing(x):
        return NA
    x = float(x)
    big = _scaled(x, digits, ((1e12, "T"), (1e9, "B"), (1e6, "M")))
    if big:
        return f"{_sign(x)}${big[0]} {big[1]}"
    a = abs(x)
    if a >= 100:
        return f"{_sign(x)}${a:,.0f}"
    if a >= 0.01 or a == 0:
        return f"{_sign(x)}${a:,.2f}"
    return f"{_sign(x)}${_trim(f'{_sig(a, 2):.{1 - math.floor(math.log10(_sig(a, 2)))}f}')}"


def count(x, *, digits: int = 3) -> str:
    """A count: ``2,048``, ``100,000`` (whole, with thousands separators, below a million),
    ``2.79 M`` / ``1.2 M`` / ``3.1 B`` (``digits`` significant figures from a million); a
    fractional count below 100 keeps three significant figures (``6.73``); ``n/a`` if unknown."""
    if _missing(x):
        return NA
    x = float(x)
    big = abs(x) >= 1e6 and _scaled(x, digits, ((1e12, "T"), (1e9, "B"), (1e6, "M")))
    if big:
        return f"{_sign(x)}{big[0]} {big[1]}"
    if abs(x) < 100 and not float(x).is_integer():
        return f"{_sign(x)}{_trim(f'{_sig(abs(x), 3):.{max(0, 2 - int(math.floor(math.log10(abs(x)))))}f}')}"
    return f"{_sign(x)}{abs(x):,.0f}"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sci(x, *, digits: int = 2) -> str:
    """``x`` in scientific notation with unicode superscripts: ``3.3 × 10²⁴``; plain below
    10,000 (``850``); ``n/a`` if unknown."""
    if _missing(x):
        return NA
    x = float(x)
    if x == 0:
        return "0"
    rounded = _sig(abs(x), digits)
    exponent = int(math.floor(math.log10(rounded)))
    if -3 <= exponent < 4:
        return count(x) if rounded >= 100 else f"{_sign(x)}{_trim(f'{rounded:.{max(0, digits - 1 - exponent)}f}')}"
    mantissa = _trim(f"{rounded / 10**exponent:.{digits - 1}f}")
    power = f"10{str(exponent).translate(_SUPERSCRIPT)}"
    return f"{_sign(x)}{power}" if mantissa == "1" else f"{_sign(x)}{mantissa} × {power}"


def flop(x, *, digits: int = 2) -> str:
    """Floating-point operations: ``3.3 × 10²⁴ FLOP``; ``n/a`` if unknown."""
    text = sci(x, digits=digits)
    return text if text == NA else f"{text} FLOP"


def _si(x, digits: int, units: tuple[tuple[float, str], ...], smallest: str) -> str:
    if _missing(x):
        return NA
    x = float(x)
    scaled = _scaled(x, digits, units)
    if scaled:
        return f"{_sign(x)}{scaled[0]} {scaled[1]}"
    if 0 < abs(x) < 0.001:  # three decimals would read 0: 8.9 × 10⁻⁶ kWh
        return f"{sci(x, digits=digits)} {smallest}"
    return f"{_sign(x)}{_trim(f'{_sig(abs(x), digits):,.3f}')} {smallest}"


def mw(x, *, digits: int = 3) -> str:
    """Power given in megawatts: ``2.94 MW``, ``850 kW`` below 1 MW, ``1.2 GW`` from 1,000 MW;
    ``n/a`` if unknown. (Pass ``watts / 1e6`` for a figure in W, or use :func:`watts`.)"""
    if _missing(x):
        return NA
    return watts(float(x) * 1e6, digits=digits)


def watts(x, *, digits: int = 3) -> str:
    """Power given in watts, in the unit a reader uses: ``700 W``, ``10.2 kW``, ``2.94 MW``."""
    return _si(x, digits, ((1e9, "GW"), (1e6, "MW"), (1e3, "kW"), (1, "W")), "W")


def gwh(x, *, digits: int = 3) -> str:
    """Energy given in gigawatt-hours: ``1.5 GWh``, ``780 MWh`` below 1 GWh, ``2.1 TWh`` from
    1,000 GWh; ``n/a`` if unknown. (Pass ``kwh / 1e6`` for a figure in kWh.)"""
    if _missing(x):
        return NA
    return _si(float(x) * 1e6, digits, ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh"), (1, "kWh")), "kWh")


def counted(n, noun: str, plural: str | None = None, *, spec: str | None = None, fmt=None) -> str:
    """``n`` printed by :func:`count` (or by :func:`num` with the format ``spec``, "{:g}", or by the
    function ``fmt``) and its noun: the singular ``noun`` when the printed number reads "1" ("1 chip",
    "1 sequence", "1 year"), else ``plural`` (default ``noun + "s"``: "2,048 chips", "0 tokens", "1.5
    days", "n/a chips")."""
    text = fmt(n) if fmt is not None else count(n) if spec is None else num(n, spec)
    return f"{text} {noun if text == '1' else plural or noun + 's'}"


def median_band(lo, mid, hi, fmt) -> str:
    """A median in words with its band: ``fmt(mid) (P10–P90 fmt(lo)–fmt(hi))``, or ``fmt(mid)``
    alone where the band's ends print alike; ``n/a`` for an unknown median."""
    if _missing(mid):
        return NA
    if fmt(lo) == fmt(hi):
        return fmt(mid)
    return f"{fmt(mid)} (P10–P90 {fmt(lo)}–{fmt(hi)})"


def times(ratio) -> str:
    """A ratio as ``"1.6×"``, or ``n/a`` for NaN."""
    return NA if ratio != ratio else f"{ratio:.1f}×"


def pct(x, *, digits: int | None = None) -> str:
    """A fraction as a percentage: 0.38 -> ``38 %``; below 10 % one decimal (0.019 -> ``1.9 %``)
    unless ``digits`` (decimals) is given; ``n/a`` if unknown."""
    if _missing(x):
        return NA
    value = float(x) * 100
    if digits is None:
        digits = 0 if abs(value) >= 9.95 or value == 0 else 1
    return f"{_sign(value)}{abs(value):.{digits}f} %"


def num(value, spec: str = "{:,.2f}", missing: str = NA) -> str:
    """``value`` formatted with ``spec``, or ``missing`` when it is unknown (None or NaN)."""
    return missing if _missing(value) else spec.format(value)


def joined(items) -> str:
    """Words joined for a sentence: "A", "A and B", "A, B and C" (no serial comma); "" for none."""
    items = [str(item) for item in items]
    return " and ".join(item for item in [", ".join(items[:-1]), *items[-1:]] if item)


def at_the_meter(load_factor: float) -> str:
    """The basis of a power "at the meter" (facility power: IT power × PUE) in the words every report
    uses: ``at the meter at 75 % load`` (a cluster's draw at the load factor, chip_parity, procurement,
    energy_advantage), ``at the meter at full load`` (load factor 1, compute_stock's stock)."""
    return "at the meter at full load" if load_factor >= 1 else f"at the meter at {pct(load_factor)} load"
