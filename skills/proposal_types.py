"""The typed data of a proposal: the org's library (templates, price book, case studies, content
assets), the deal it is for, and the draft the proposal skill writes (DESIGN.md section 7,
`sixty proposal`).

Money is `Decimal`, never float; a unit price exists only in the price book, and a line item's
total is its quantity times that price. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Unit = Literal["seat/year", "year", "one-off"]
UNITS: tuple[Unit, ...] = ("seat/year", "year", "one-off")


@dataclass(frozen=True)
class PriceItem:
    """One entry of the price book. `tier` items are plans (one per proposal); the rest are
    add-ons. `features` are what a tier includes (shown in the proposal, matched to the call)."""

    sku: str
    name: str
    unit_price: Decimal
    currency: str
    unit: Unit
    tier: bool = False
    features: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()  # other names the call may use ("SSO" for "Single sign-on")


@dataclass(frozen=True)
class TemplateSection:
    """A section of a template: `locked` text is printed as written; a `slot` is prose the skill
    (or the model) writes from the call. `key` names it ("summary", "requirements", "pricing",
    "roi", "case_study", "terms", "next_steps", ...)."""

    key: str
    title: str
    locked: str = ""
    slot: bool = False


@dataclass(frozen=True)
class TemplateWhen:
    """A template's conditions; an empty one always holds."""

    deal_type: str | None = None
    tier: str | None = None  # a tier SKU
    stage: str | None = None
    min_seats: int | None = None


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    when: TemplateWhen = field(default_factory=TemplateWhen)
    sections: tuple[TemplateSection, ...] = ()


@dataclass(frozen=True)
class CaseStudy:
    id: str
    title: str
    industry: str
    summary: str = ""
    metrics: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentAsset:
    """A document the rep can send: a whitepaper, a security report, a deck."""

    id: str
    title: str
    tags: tuple[str, ...] = ()
    url: str | None = None
    file: str | None = None  # a path inside the library folder


@dataclass(frozen=True)
class Library:
    """An org's proposal library, as `sixty library import DIR` loads it."""

    templates: tuple[Template, ...] = ()
    price_book: tuple[PriceItem, ...] = ()
    case_studies: tuple[CaseStudy, ...] = ()
    content: tuple[ContentAsset, ...] = ()
    discount_limit: Decimal = Decimal("0.15")  # beyond this a manager approves before sending
    brand_colour: str = ""  # "#rrggbb" for the proposal pages; empty: the default colour


@dataclass(frozen=True)
class DealInfo:
    name: str
    stage: str | None = None
    amount: Decimal | None = None
    currency: str = "USD"
    type: str | None = None
    discount: Decimal = Decimal(0)  # a share (0.1 = 10%) the rep set on the deal; never invented


@dataclass(frozen=True)
class CompanyInfo:
    name: str
    industry: str | None = None


@dataclass(frozen=True)
class ContactInfo:
    name: str
    email: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Citation:
    """Where a sentence of the proposal comes from: `quote` is verbatim from that utterance."""

    utterance: int
    quote: str

    def to_json(self) -> dict[str, Any]:
        return {"utterance": self.utterance, "quote": self.quote}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Citation:
        return cls(int(data["utterance"]), str(data["quote"]))


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    text: str
    citations: tuple[Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "text": self.text,
            "citations": [c.to_json() for c in self.citations],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Section:
        cites = tuple(Citation.from_json(c) for c in data.get("citations") or [])
        return cls(
            str(data["key"]), str(data.get("title") or ""), str(data.get("text") or ""), cites
        )


@dataclass(frozen=True)
class LineItem:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    unit: Unit = "seat/year"
    discount: Decimal = Decimal(0)  # a share (0.1 = 10%), only as the rep set it, never invented

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price * (1 - self.discount)).quantize(Decimal("0.01"))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sku": self.sku,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": money_json(self.unit_price),
            "total": money_json(self.total),
        }
        if self.discount:
            out["discount"] = float(self.discount)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineItem:
        unit = str(data.get("unit") or "seat/year")
        if unit not in UNITS:
            raise ValueError(f"line item {data.get('sku')!r}: unknown unit {unit!r}")
        return cls(
            sku=str(data["sku"]),
            name=str(data.get("name") or data["sku"]),
            quantity=int(data["quantity"]),
            unit_price=Decimal(str(data["unit_price"])),
            unit=unit,
            discount=Decimal(str(data.get("discount") or 0)),
        )


@dataclass(frozen=True)
class ProposalDraft:
    """What the skill writes; `to_json` is the `sixty proposal` output."""

    template: str
    title: str
    sections: tuple[Section, ...]
    line_items: tuple[LineItem, ...]
    currency: str
    case_studies: tuple[str, ...] = ()
    open_questions: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((li.total for li in self.line_items), Decimal(0))

    @property
    def max_discount(self) -> Decimal:
        return max((li.discount for li in self.line_items), default=Decimal(0))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProposalDraft:
        """The draft as stored (`to_json`): totals are recomputed, never read back."""
        return cls(
            template=str(data["template"]),
            title=str(data.get("title") or ""),
            sections=tuple(Section.from_json(s) for s in data.get("sections") or []),
            line_items=tuple(LineItem.from_json(li) for li in data.get("line_items") or []),
            currency=str(data.get("currency") or "USD"),
            case_studies=tuple(str(c) for c in data.get("case_studies") or []),
            open_questions=tuple(str(q) for q in data.get("open_questions") or []),
        )

    def to_store(self) -> dict[str, Any]:
        """`to_json` with each line's unit: what the proposals table keeps (`from_json` reads
        both; a line without a unit reads as `seat/year`)."""
        out = self.to_json()
        for li, item in zip(out["line_items"], self.line_items, strict=True):
            li["unit"] = item.unit
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "title": self.title,
            "sections": [s.to_json() for s in self.sections],
            "line_items": [li.to_json() for li in self.line_items],
            "total": money_json(self.total),
            "currency": self.currency,
            "case_studies": list(self.case_studies),
            "open_questions": list(self.open_questions),
        }


def money_json(amount: Decimal) -> int | float:
    """An amount for JSON: whole amounts as integers, cents kept otherwise."""
    q = amount.quantize(Decimal("0.01"))
    return int(q) if q == q.to_integral_value() else float(q)
