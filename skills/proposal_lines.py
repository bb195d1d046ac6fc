"""The line items of a proposal, from the price book and what the call settled.

At most one tier: the tier the call named; else the tier with the most of its features asked
for by the prospect (ties: the cheaper); else the cheapest tier, with an open question saying
no tier was chosen. Then every add-on the call settled in, in price-book order. Quantities:
a `seat/year` item is for the settled seats (1 and an open question when none was said); a
`year` or `one-off` item is 1. Unit prices and the currency come from the price book only; a
discount only from the deal (`DealInfo.discount`), never invented. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from skills.proposal_quantities import CallTerms
from skills.proposal_types import Citation, DealInfo, LineItem, PriceItem


@dataclass(frozen=True)
class Lines:
    items: tuple[LineItem, ...]
    currency: str
    tier: str | None  # the chosen tier's SKU
    tier_reason: str  # "named", "features", "cheapest", "none"
    citations: tuple[Citation, ...]  # the utterances the choices rest on
    open_questions: tuple[str, ...]


def price_book_currency(price_book: tuple[PriceItem, ...]) -> str:
    """The one currency of the price book; mixed currencies are a `ValueError`."""
    currencies = sorted({p.currency.upper() for p in price_book})
    if len(currencies) > 1:
        raise ValueError(f"price_book mixes currencies ({', '.join(currencies)}); use one")
    return currencies[0] if currencies else "USD"


def choose_tier(
    price_book: tuple[PriceItem, ...], terms: CallTerms
) -> tuple[PriceItem | None, str]:
    """The tier and why it was chosen ("named", "features", "cheapest", "none")."""
    tiers = [p for p in price_book if p.tier]
    if terms.tier is not None:
        for p in tiers:
            if p.sku == terms.tier.sku:
                return p, "named"
    candidates = [p for p in tiers if p.sku not in terms.excluded_tiers] or tiers
    if not candidates:
        return None, "none"
    scored = [(len(terms.feature_hits.get(p.sku, ())), p) for p in candidates]
    best = max(s for s, _ in scored)
    if best > 0:
        return min((p for s, p in scored if s == best), key=lambda p: p.unit_price), "features"
    return min(candidates, key=lambda p: p.unit_price), "cheapest"


def build_lines(price_book: tuple[PriceItem, ...], terms: CallTerms, deal: DealInfo) -> Lines:
    currency = price_book_currency(price_book)
    tier, reason = choose_tier(price_book, terms)
    questions: list[str] = []
    cites: list[Citation] = []
    chosen: list[PriceItem] = []
    if tier is not None:
        chosen.append(tier)
        if reason == "named" and terms.tier is not None:
            cites.append(terms.tier.citation)
        elif reason == "features":
            cites.extend(terms.feature_hits.get(tier.sku, ())[:3])
        else:
            questions.append(
                f"Which plan? The call chose none; {tier.name} (the cheapest) is shown."
            )
    for p in price_book:
        if p.tier:
            continue
        decision = terms.items.get(p.sku)
        if decision is None:
            continue
        if decision.included:
            chosen.append(p)
            cites.append(decision.citation)
        elif decision.included is None:
            questions.append(f"Whether to include {p.name} was asked but not settled.")
    seats = terms.seats.seats if terms.seats else None
    if terms.seat_range is not None:
        questions.append(f"How many seats? The call left it open: “{terms.seat_range.quote}”")
    if terms.seats:
        cites.append(terms.seats.citation)
    elif terms.seat_range is None and any(p.unit == "seat/year" for p in chosen):
        questions.append("How many seats? The call never settled a number; 1 is shown.")
    items = tuple(
        LineItem(
            sku=p.sku,
            name=p.name,
            quantity=(seats or 1) if p.unit == "seat/year" else 1,
            unit_price=p.unit_price,
            unit=p.unit,
            discount=deal.discount,
        )
        for p in chosen
    )
    unique = tuple(dict.fromkeys(cites))
    return Lines(items, currency, tier.sku if tier else None, reason, unique, tuple(questions))


def lines_total(items: tuple[LineItem, ...]) -> Decimal:
    return sum((li.total for li in items), Decimal(0))
