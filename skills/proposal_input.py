"""The validating parser of `sixty proposal FILE.json` (DESIGN.md 7): `parse_proposal_input`
turns the decoded JSON into typed values, raising `ValueError` with one sentence naming the
first bad field (a missing field, a bad unit, a negative price, mixed currencies, ...).
Money is read as `Decimal` from the JSON number's text. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from skills.proposal_lines import price_book_currency
from skills.proposal_types import (
    UNITS,
    CaseStudy,
    CompanyInfo,
    ContactInfo,
    ContentAsset,
    DealInfo,
    Library,
    PriceItem,
    Template,
    TemplateSection,
    TemplateWhen,
    Unit,
)
from skills.transcript_types import Transcript, parse_transcript


@dataclass(frozen=True)
class ProposalInput:
    transcript: Transcript
    deal: DealInfo
    company: CompanyInfo
    contacts: tuple[ContactInfo, ...]
    library: Library


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a JSON object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list")
    return value


def _str(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if optional:
            return None
        raise ValueError(f"{where}.{key} is missing")
    if not isinstance(value, str) or (not optional and not value.strip()):
        raise ValueError(f"{where}.{key} must be a non-empty string")
    return value


def _need(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = _str(obj, key, where)
    assert value is not None
    return value


def _money(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"{where} must be a finite number")
    if amount < 0:
        raise ValueError(f"{where} must not be negative")
    return amount


def _strings(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    raw = _list(obj.get(key, []), f"{where}.{key}")
    if not all(isinstance(s, str) for s in raw):
        raise ValueError(f"{where}.{key} must be a list of strings")
    return tuple(raw)


def _price_item(value: Any, i: int) -> PriceItem:
    where = f"price_book[{i}]"
    obj = _obj(value, where)
    unit = obj.get("unit")
    if unit not in UNITS:
        raise ValueError(f"{where}.unit must be one of {', '.join(UNITS)}")
    unit_t: Unit = unit
    if "unit_price" not in obj:
        raise ValueError(f"{where}.unit_price is missing")
    currency = _need(obj, "currency", where)
    tier = obj.get("tier", False)
    if not isinstance(tier, bool):
        raise ValueError(f"{where}.tier must be true or false")
    return PriceItem(
        sku=_need(obj, "sku", where),
        name=_need(obj, "name", where),
        unit_price=_money(obj["unit_price"], f"{where}.unit_price"),
        currency=currency.strip().upper(),
        unit=unit_t,
        tier=tier,
        features=_strings(obj, "features", where),
        synonyms=_strings(obj, "synonyms", where),
    )


def _template(value: Any, i: int) -> Template:
    where = f"templates[{i}]"
    obj = _obj(value, where)
    w = _obj(obj.get("when") or {}, f"{where}.when")
    min_seats = w.get("min_seats")
    if min_seats is not None and (
        isinstance(min_seats, bool) or not isinstance(min_seats, int) or min_seats < 0
    ):
        raise ValueError(f"{where}.when.min_seats must be a non-negative whole number")
    when = TemplateWhen(
        deal_type=_str(w, "deal_type", f"{where}.when", optional=True),
        tier=_str(w, "tier", f"{where}.when", optional=True),
        stage=_str(w, "stage", f"{where}.when", optional=True),
        min_seats=min_seats,
    )
    sections = []
    for k, raw in enumerate(_list(obj.get("sections", []), f"{where}.sections")):
        sw = f"{where}.sections[{k}]"
        so = _obj(raw, sw)
        slot = so.get("slot", "locked" not in so)
        if not isinstance(slot, bool):
            raise ValueError(f"{sw}.slot must be true or false")
        sections.append(
            TemplateSection(
                key=_need(so, "key", sw),
                title=_str(so, "title", sw, optional=True)
                or _need(so, "key", sw).replace("_", " ").capitalize(),
                locked=_str(so, "locked", sw, optional=True) or "",
                slot=slot,
            )
        )
    return Template(_need(obj, "id", where), _need(obj, "name", where), when, tuple(sections))


def _case_study(value: Any, i: int) -> CaseStudy:
    where = f"case_studies[{i}]"
    obj = _obj(value, where)
    return CaseStudy(
        id=_need(obj, "id", where),
        title=_need(obj, "title", where),
        industry=_need(obj, "industry", where),
        summary=_str(obj, "summary", where, optional=True) or "",
        metrics=_strings(obj, "metrics", where),
    )


def _content(value: Any, i: int) -> ContentAsset:
    where = f"content[{i}]"
    obj = _obj(value, where)
    return ContentAsset(
        id=_need(obj, "id", where),
        title=_need(obj, "title", where),
        tags=_strings(obj, "tags", where),
        url=_str(obj, "url", where, optional=True),
        file=_str(obj, "file", where, optional=True),
    )


def parse_library(obj: Mapping[str, Any]) -> Library:
    """The library fields of the input: price_book, templates, case_studies, content."""
    if "price_book" not in obj:
        raise ValueError("price_book is missing")
    book = tuple(_price_item(v, i) for i, v in enumerate(_list(obj["price_book"], "price_book")))
    if not book:
        raise ValueError("price_book is empty")
    price_book_currency(book)  # mixed currencies are bad input
    seen: set[str] = set()
    for i, p in enumerate(book):
        if p.sku in seen:
            raise ValueError(f"price_book[{i}].sku {p.sku!r} appears twice")
        seen.add(p.sku)
    if "templates" not in obj:
        raise ValueError("templates is missing")
    templates = tuple(_template(v, i) for i, v in enumerate(_list(obj["templates"], "templates")))
    if not templates:
        raise ValueError("templates is empty")
    studies = tuple(
        _case_study(v, i) for i, v in enumerate(_list(obj.get("case_studies", []), "case_studies"))
    )
    content = tuple(_content(v, i) for i, v in enumerate(_list(obj.get("content", []), "content")))
    limit = obj.get("discount_limit")
    library = Library(templates, book, studies, content)
    if limit is not None:
        library = Library(templates, book, studies, content, _money(limit, "discount_limit"))
    return library


def _deal(value: Any) -> DealInfo:
    obj = _obj(value, "deal")
    amount = obj.get("amount")
    discount = obj.get("discount")
    share = Decimal(0) if discount is None else _money(discount, "deal.discount")
    if share >= 1:
        raise ValueError("deal.discount must be a share below 1 (0.1 is 10%)")
    return DealInfo(
        name=_need(obj, "name", "deal"),
        stage=_str(obj, "stage", "deal", optional=True),
        amount=None if amount is None else _money(amount, "deal.amount"),
        currency=(_str(obj, "currency", "deal", optional=True) or "USD").upper(),
        type=_str(obj, "type", "deal", optional=True),
        discount=share,
    )


def parse_proposal_input(data: Any) -> ProposalInput:
    """Validate the decoded JSON of `sixty proposal`; `ValueError` names the first bad field."""
    obj = _obj(data, "the input")
    if "transcript" not in obj:
        raise ValueError("transcript is missing")
    transcript = parse_transcript(obj["transcript"])
    if "deal" not in obj:
        raise ValueError("deal is missing")
    deal = _deal(obj["deal"])
    if "company" not in obj:
        raise ValueError("company is missing")
    c = _obj(obj["company"], "company")
    company = CompanyInfo(
        _need(c, "name", "company"), _str(c, "industry", "company", optional=True)
    )
    contacts = []
    for i, raw in enumerate(_list(obj.get("contacts", []), "contacts")):
        co = _obj(raw, f"contacts[{i}]")
        contacts.append(
            ContactInfo(
                _need(co, "name", f"contacts[{i}]"),
                _str(co, "email", f"contacts[{i}]", optional=True),
                _str(co, "title", f"contacts[{i}]", optional=True),
            )
        )
    library = parse_library(obj)
    book_currency = price_book_currency(library.price_book)
    if isinstance(obj["deal"].get("currency"), str) and deal.currency != book_currency:
        raise ValueError(
            f"deal.currency {deal.currency} differs from the price book's {book_currency} "
            "(mixed currencies)"
        )
    return ProposalInput(transcript, deal, company, tuple(contacts), library)
