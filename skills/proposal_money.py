"""The money rule of a proposal (DESIGN.md 7, `sixty proposal`): every amount of money in the
text is in the price book, the line items, the total, or was said in the call, or is the sum
or difference of two such amounts. Anything else is invented money.

`find_amounts(text)` reads amounts written with a symbol or a currency ("$21,600", "€1.5k",
"30,000 USD", "thirty thousand dollars", "twenty grand", "fifty k"); `allowed_amounts(...)` gathers what may be quoted;
`offending_amounts(text, allowed)` returns the amounts that break the rule (the model path
checks its prose with it; the offline prose passes by construction). `format_money` writes an
amount the way `find_amounts` reads it back. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from skills.proposal_types import LineItem, PriceItem
from skills.spoken_numbers import find_numbers

_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
_CODES = {v: k for k, v in _SYMBOLS.items()}
_MULT = {"k": 1000, "thousand": 1000, "m": 1_000_000, "mm": 1_000_000, "million": 1_000_000}
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
_MULT_RE = r"(?:\s?(?P<mult>k|mm|m|thousand|million)(?![\w]))?"
_SYMBOL_AMOUNT = re.compile(rf"[$€£]\s?{_NUM}{_MULT_RE}", re.I)
_CODE_AMOUNT = re.compile(
    rf"(?<![\w.,$€£]){_NUM}{_MULT_RE}\s?(?:USD|EUR|GBP|CAD|AUD|CHF|dollars?|bucks|euros?|pounds?)\b",
    re.I,
)
_PREFIX_CODE_AMOUNT = re.compile(rf"\b(?:USD|EUR|GBP|CAD|AUD|CHF)\s?{_NUM}{_MULT_RE}", re.I)
_WORD_CURRENCY = re.compile(r"^\s+(?:dollars?|bucks|euros?|pounds?)\b", re.I)
_THOUSANDS = re.compile(r"^\s?(?:grand\b|k\b)", re.I)  # "twenty grand", "fifty k", "20 grand"
_CENT = Decimal("0.01")


def _amount(m: re.Match[str]) -> Decimal | None:
    try:
        value = Decimal(
            m.group("num").replace(",", "") + ("." + m.group("dec") if m.group("dec") else "")
        )
    except InvalidOperation:
        return None
    mult = (m.group("mult") or "").lower()
    return (value * _MULT.get(mult, 1)).quantize(_CENT)


def find_amounts(text: str) -> list[Decimal]:
    """Every amount of money in `text`, in order of where it starts."""
    found: list[tuple[int, Decimal]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_SYMBOL_AMOUNT, _PREFIX_CODE_AMOUNT, _CODE_AMOUNT):
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            value = _amount(m)
            if value is not None:
                found.append((m.start(), value))
                taken.append((m.start(), m.end()))
    for n in find_numbers(text):
        if any(s < n.end and n.start < e for s, e in taken):
            continue
        digits = text[n.start : n.end][0].isdigit()
        rest = text[n.end :]
        thousands = _THOUSANDS.match(rest)
        if thousands and not (digits and thousands.group().strip().lower() == "k"):
            found.append((n.start, Decimal(n.value * 1000).quantize(_CENT)))
        elif not digits and _WORD_CURRENCY.match(rest):
            found.append((n.start, Decimal(n.value).quantize(_CENT)))
    return [v for _, v in sorted(found, key=lambda f: f[0])]


def format_money(amount: Decimal, currency: str) -> str:
    """ "$21,600", "€1,234.50", or "21,600 CHF" for a currency without a symbol."""
    q = amount.quantize(_CENT)
    body = f"{q:,.0f}" if q == q.to_integral_value() else f"{q:,.2f}"
    symbol = _CODES.get(currency.upper())
    return f"{symbol}{body}" if symbol else f"{body} {currency.upper()}"


def allowed_amounts(
    price_book: Iterable[PriceItem],
    line_items: Iterable[LineItem],
    total: Decimal,
    call_texts: Iterable[str],
) -> frozenset[Decimal]:
    """The amounts a proposal may state (before sums and differences)."""
    out = {total.quantize(_CENT)}
    out.update(p.unit_price.quantize(_CENT) for p in price_book)
    for li in line_items:
        out.update((li.unit_price.quantize(_CENT), li.total))
    for text in call_texts:
        out.update(find_amounts(text))
    return frozenset(out)


def is_allowed(amount: Decimal, allowed: frozenset[Decimal]) -> bool:
    """In `allowed`, or the sum or difference of two amounts of it."""
    a = amount.quantize(_CENT)
    if a in allowed:
        return True
    return any((a - x) in allowed or (x - a) in allowed for x in allowed)


def offending_amounts(text: str, allowed: frozenset[Decimal]) -> list[Decimal]:
    """The amounts of money in `text` that the money rule forbids, in order."""
    return [a for a in find_amounts(text) if not is_allowed(a, allowed)]
