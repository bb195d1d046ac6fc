"""A proposal draft to self-contained, print-ready HTML (Jinja2, `proposal_templates/`).

`render_html` is pure: the same draft and arguments give the same page. The page is the hosted
share page and the input of `services.proposal_pdf.render_pdf`; it carries its CSS inline, with
CSS paged media for the PDF (A4, the org's name and "Page n of m" in the footer), and loads
nothing (no fonts, images or scripts). Every section is a `<section data-section="{key}">`; the
line items go into the `pricing` section (their own one when the draft has none), the case
studies into the `case_study` section (likewise). Draft text is data: the environment
autoescapes, and nothing from the draft reaches the CSS (the footer takes the org name with
`string-set` from the page, and the brand colour is validated to `#rrggbb`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined

from services.money_format import format_money, format_share
from skills.proposal_types import CaseStudy, ProposalDraft

DEFAULT_BRAND_COLOUR = "#1f4e79"
PRICING_KEY = "pricing"
CASE_STUDY_KEY = "case_study"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

_ENV = Environment(
    loader=PackageLoader("services", "proposal_templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def valid_colour(value: str | None) -> str:
    """`value` when it is `#rrggbb` (lower-cased), else the default colour."""
    v = (value or "").strip()
    return v.lower() if _COLOUR.fullmatch(v) else DEFAULT_BRAND_COLOUR


def paragraphs(text: str) -> list[list[str]]:
    """Text to paragraphs (split on blank lines), each a list of lines (one `<br>` between)."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [[ln.strip() for ln in b.split("\n") if ln.strip()] for b in blocks if b.strip()]


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    paragraphs: list[list[str]]
    quotes: list[str]


@dataclass(frozen=True)
class LineView:
    name: str
    sku: str
    quantity: int
    unit_price: str
    unit: str
    discount: str
    total: str


@dataclass(frozen=True)
class PageView:
    """Everything the template prints, already formatted."""

    title: str
    org_name: str
    colour: str
    company_name: str
    contact_name: str | None
    version: int
    date_line: str
    sections: list[SectionView]
    lines: list[LineView]
    any_discount: bool
    total: str
    currency: str
    case_studies: list[CaseStudy]
    open_questions: list[str]
    pricing_in_sections: bool
    case_studies_in_sections: bool


def date_line(version: int, sent_at: datetime | None) -> str:
    """`Version 3 · 7 December 2026`, or `Version 3 · draft, not sent` before it is sent."""
    when = f"{sent_at.day} {sent_at:%B %Y}" if sent_at else "draft, not sent"
    return f"Version {version} · {when}"


def page_view(
    draft: ProposalDraft,
    *,
    org_name: str,
    brand_colour_value: str,
    company_name: str,
    contact_name: str | None,
    case_studies: Sequence[CaseStudy],
    version: int,
    sent_at: datetime | None,
) -> PageView:
    """The draft and its context, formatted for the template."""
    cur = draft.currency
    lines = [
        LineView(
            name=li.name,
            sku=li.sku,
            quantity=li.quantity,
            unit_price=format_money(li.unit_price, cur),
            unit=li.unit,
            discount=format_share(li.discount) if li.discount else "",
            total=format_money(li.total, cur),
        )
        for li in draft.line_items
    ]
    keys = {s.key for s in draft.sections}
    return PageView(
        title=draft.title,
        org_name=org_name,
        colour=valid_colour(brand_colour_value),
        company_name=company_name,
        contact_name=contact_name or None,
        version=version,
        date_line=date_line(version, sent_at),
        sections=[
            SectionView(s.key, s.title, paragraphs(s.text), [c.quote for c in s.citations])
            for s in draft.sections
        ],
        lines=lines,
        any_discount=any(li.discount for li in draft.line_items),
        total=format_money(draft.total, cur),
        currency=cur.upper(),
        case_studies=list(case_studies),
        open_questions=list(draft.open_questions),
        pricing_in_sections=PRICING_KEY in keys,
        case_studies_in_sections=CASE_STUDY_KEY in keys,
    )


def render_html(
    draft: ProposalDraft,
    *,
    org_name: str,
    brand_colour: str,
    company_name: str,
    contact_name: str | None,
    case_studies: Sequence[CaseStudy],
    version: int,
    sent_at: datetime | None,
) -> str:
    """The proposal as one self-contained HTML document (also the PDF's source)."""
    view = page_view(
        draft,
        org_name=org_name,
        brand_colour_value=brand_colour,
        company_name=company_name,
        contact_name=contact_name,
        case_studies=case_studies,
        version=version,
        sent_at=sent_at,
    )
    return _ENV.get_template("proposal.html.j2").render(
        p=view, pricing_key=PRICING_KEY, case_study_key=CASE_STUDY_KEY
    )
