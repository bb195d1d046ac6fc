"""Money as a proposal prints it: a `Decimal` and an ISO currency code to one string.

One style for every currency (English grouping, two decimals): a known currency gets its symbol
in front (`$12,400.00`, `€1,200.00`, `£99.50`), any other its code (`CHF 12,400.00`). Amounts
are rounded half-up to the cent; floats are refused so a rounding error can never be printed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
CENT = Decimal("0.01")


def format_money(amount: Decimal, currency: str) -> str:
    """`amount` in `currency`, e.g. `format_money(Decimal("12400"), "USD") == "$12,400.00"`."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    code = currency.strip().upper()
    q = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    digits = f"{abs(q):,.2f}"
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{code} {digits}"


def format_share(share: Decimal) -> str:
    """A discount share as a percentage: `Decimal("0.125")` -> `"12.5%"`."""
    pct = (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
    return f"{pct:f}%"
