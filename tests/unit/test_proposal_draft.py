"""The proposal draft: templates, verbatim citations, line items and the money rule."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills.proposal_money import allowed_amounts, find_amounts, offending_amounts
from skills.proposal_templates import TemplateFacts, choose_template, holds
from skills.proposal_types import ProposalDraft, Template, TemplateWhen
from skills.proposals import draft_proposal, parse_proposal_input

SAMPLE = Path(__file__).resolve().parents[2] / "cli" / "samples" / "proposal.json"


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def draft(data: dict[str, Any]) -> Any:
    inp = parse_proposal_input(data)
    return inp, draft_proposal(inp.transcript, inp.deal, inp.company, inp.contacts, inp.library)


def test_sample_draft() -> None:
    _, d = draft(sample())
    assert d.template == "standard"
    assert [(li.sku, li.quantity) for li in d.line_items] == [("PRO", 30), ("SSO", 1)]
    assert d.total == Decimal(20000) and d.currency == "USD"
    assert d.case_studies == ("cs-kestrel",)
    roi = next(s for s in d.sections if s.key == "roi")
    assert "$10,000 less" in roi.text and "3,744 hours" in roi.text
    terms = next(s for s in d.sections if s.key == "terms")
    assert terms.text.startswith("Prices are annual")
    assert any("legal" in q for q in d.open_questions)


def test_templates_first_that_holds() -> None:
    facts = TemplateFacts("pilot", "PRO", "proposal", 30)
    assert holds(TemplateWhen(), facts)
    assert holds(TemplateWhen(deal_type="Pilot", tier="PRO", stage="proposal", min_seats=30), facts)
    assert not holds(TemplateWhen(min_seats=31), facts)
    assert not holds(TemplateWhen(tier="STARTER"), facts)
    assert not holds(TemplateWhen(stage="negotiation"), facts)
    ts = (Template("a", "A", TemplateWhen(tier="STARTER")), Template("b", "B"), Template("c", "C"))
    assert choose_template(ts, facts).id == "b"
    with pytest.raises(ValueError, match="no template holds"):
        choose_template(ts[:1], facts)


def test_pilot_from_the_call_picks_the_pilot_template() -> None:
    data = sample()
    data["transcript"]["utterances"][0]["text"] = "We'd like to start with a pilot."
    assert draft(data)[1].template == "pilot"


def test_money_rule() -> None:
    allowed = frozenset({Decimal(600), Decimal(18000), Decimal(30000)})
    assert offending_amounts("It is $18,000, $12,000 less than $30k.", allowed) == []
    assert offending_amounts("A saving of $48,600 and 5,000 USD.", allowed) == [
        Decimal(48600),
        Decimal(5000),
    ]
    assert find_amounts("twenty thousand dollars, €1.5k, 20 hours") == [
        Decimal(20000),
        Decimal(1500),
    ]
    assert find_amounts("over twenty grand, fifty k, 30 grand, 20k users") == [
        Decimal(20000),
        Decimal(50000),
        Decimal(30000),
    ]


WORDS = [
    "we",
    "need",
    "our",
    "goal",
    "is",
    "pay",
    "a year",
    "seats",
    "users",
    "actually",
    "make that",
    "not now",
    "SSO",
    "onboarding",
    "Pro",
    "Starter",
    "hours a week",
    "people",
    "each",
    "check with legal",
    "$",
    "dollars",
]


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, Any]:
    cur = draw(st.sampled_from(["USD", "EUR", "GBP", "CHF"]))
    prices = st.one_of(
        st.integers(0, 100_000), st.decimals(0, 10_000, places=2, allow_nan=False).map(float)
    )
    book = [
        {
            "sku": "STARTER",
            "name": "Starter",
            "unit_price": draw(prices),
            "currency": cur,
            "unit": "seat/year",
            "tier": True,
        },
        {
            "sku": "PRO",
            "name": "Pro",
            "unit_price": draw(prices),
            "currency": cur,
            "unit": "seat/year",
            "tier": True,
            "features": ["Salesforce sync"],
        },
        {
            "sku": "SSO",
            "name": "Single sign-on",
            "unit_price": draw(prices),
            "currency": cur,
            "unit": draw(st.sampled_from(["year", "seat/year", "one-off"])),
            "synonyms": ["SSO"],
        },
        {
            "sku": "ONB",
            "name": "Onboarding",
            "unit_price": draw(prices),
            "currency": cur,
            "unit": "one-off",
        },
    ]
    token = st.one_of(
        st.sampled_from(WORDS),
        st.integers(0, 5000).map(str),
        st.integers(0, 99).map(lambda n: f"${n},000"),
    )
    texts = draw(
        st.lists(st.lists(token, min_size=1, max_size=12).map(" ".join), min_size=1, max_size=12)
    )
    utterances = [
        {
            "speaker": "Alex Rivera" if i % 3 == 0 else "Sarah Chen",
            "start": i,
            "end": i + 1,
            "text": t + draw(st.sampled_from([".", "?", "", "!"])),
        }
        for i, t in enumerate(texts)
    ]
    return {
        "transcript": {
            "meeting_id": "m",
            "started_at": "2026-11-18T15:00:00Z",
            "rep": {"name": "Alex Rivera"},
            "utterances": utterances,
        },
        "deal": {
            "name": "D",
            "stage": "proposal",
            "currency": cur,
            "discount": draw(st.sampled_from([0, 0.1])),
        },
        "company": {"name": "Acme", "industry": "logistics"},
        "price_book": book,
        "templates": [{"id": "t", "name": "T", "when": {}}],
        "case_studies": [
            {
                "id": "cs",
                "title": "Story",
                "industry": "logistics",
                "summary": "They saved $99,999 a year. It went well.",
            }
        ],
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs())
def test_no_invented_money_and_verbatim_citations(data: dict[str, Any]) -> None:
    inp, d = draft(data)
    allowed = allowed_amounts(
        inp.library.price_book, d.line_items, d.total, (u.text for u in inp.transcript.utterances)
    )
    for s in d.sections:
        assert offending_amounts(s.text, allowed) == [], s
        for c in s.citations:
            assert c.quote and c.quote in inp.transcript.utterances[c.utterance].text
    prices = {p.sku: p.unit_price for p in inp.library.price_book}
    for li in d.line_items:
        assert li.unit_price == prices[li.sku]
        assert li.total == (li.quantity * li.unit_price * (1 - li.discount)).quantize(
            Decimal("0.01")
        )
    assert d.total == sum((li.total for li in d.line_items), Decimal(0))
    assert sum(1 for li in d.line_items if li.sku in ("STARTER", "PRO")) == 1
    assert ProposalDraft.from_json(json.loads(json.dumps(d.to_json()))).to_json() == d.to_json()


def test_open_questions_from_the_call() -> None:
    data = sample()
    utts = data["transcript"]["utterances"]
    utts[3]["text"] = "It'll be 30 or 40 seats, we're not sure."
    utts.append({"speaker": "Sarah Chen", "start": 70, "end": 72, "text": "Do you support SAML?"})
    _, d = draft(data)
    qs = " ".join(d.open_questions)
    assert "30 or 40 seats" in qs and "Do you support SAML?" in qs and "legal" in qs
    assert next(li for li in d.line_items if li.sku == "PRO").quantity == 1
