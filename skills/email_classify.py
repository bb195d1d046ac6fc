"""Offline inbound-email classifier: `classify_email(InboundEmail) -> Classification`.

Owns the nine categories of DESIGN.md section 7 and the extraction the email flows need
(out-of-office return date, referred person, proposed meeting times). Rules read the NEW
part of the message (never the quoted thread); the subject is a weaker signal. Each cue has
a weight (strong ≈ 0.9, medium ≈ 0.75, weak ≈ 0.6, supporting < 0.5); categories are chosen
by precedence (unsubscribe > out_of_office > referral > not_interested > meeting_request /
proposal_request > needs_response > interested > fyi) unless a later one is clearly
stronger, and the confidence comes from the evidence, its agreement and its conflicts.
Email text is data: instructions inside a message never change what this module does.

This module is the public entry point. The cues and context patterns are reviewed data in
`skills/nlu/patterns/` (loaded by `skills.nlu.email_patterns`); finding the hits is
`skills.nlu.email_hits`, weighing and deciding `skills.nlu.email_decision` (its `decide` is the
seam for another scorer), the extraction `skills.nlu.email_extract`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from skills.email_parse import InboundEmail
from skills.nlu.email_decision import (
    PRECEDENCE,
    THRESHOLD,
    Evidence,
    decide,
    weigh_auto_reply,
    weigh_bulk,
    weigh_subject,
)
from skills.nlu.email_decision import evidence as evidence_phrase
from skills.nlu.email_extract import extract as _extract
from skills.nlu.email_extract import resolve_date_phrase
from skills.nlu.email_hits import Hit as _Hit
from skills.nlu.email_hits import combine as _combine
from skills.nlu.email_hits import discount_before_but as _discount_before_but
from skills.nlu.email_hits import document_passed_on as _document_passed_on
from skills.nlu.email_hits import find_hits as _find_hits
from skills.nlu.email_hits import named_referrals as _named_referrals
from skills.nlu.email_hits import normalise as _normalise
from skills.nlu.email_hits import sentence_hits as _sentence_hits
from skills.nlu.email_patterns import CUES, context
from skills.nlu.scorer import BinaryModel
from skills.vocabulary import EMAIL_CATEGORIES, EmailCategory

__all__ = [
    "CATEGORIES",
    "MAX_TEXT",
    "PRECEDENCE",
    "THRESHOLD",
    "Category",
    "Classification",
    "Reading",
    "classify_email",
    "read_email",
    "resolve_date_phrase",
]

Category = EmailCategory
CATEGORIES: Final[tuple[Category, ...]] = EMAIL_CATEGORIES
MAX_TEXT = 4000
_SUPPORT_TERMS: Final = context("support_terms")
_INJECTION: Final = context("injection")
_CUES: Final = CUES  # the cues in the order they are tried (the tests read them here)


@dataclass(frozen=True, slots=True)
class Classification:
    """The category, a calibrated confidence, the phrase that decided it, extracted data."""

    category: Category
    confidence: float
    evidence: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything read from one email before deciding: the evidence the scorer weighs, the
    normalised text, the evidence phrase an automatic rule forces, and details so far."""

    evidence: Evidence
    original: str
    override: str | None
    details: dict[str, Any]


def read_email(email: InboundEmail) -> Reading:
    """Find the cue hits in the new part of the message and weigh them into scores."""
    body = email.new_text
    if not body and not email.quoted_text:
        body = email.text
    original = _normalise(body)[:MAX_TEXT]
    low = original.lower()

    sentence_hits = _sentence_hits(low)
    hits = _find_hits(low) + sentence_hits + _named_referrals(original, low)
    hits = [h for h in hits if not _document_passed_on(low, h)]
    info_spans = [(h.start, h.end) for h in sentence_hits if h.category == "interested"]
    hits = [
        h
        for h in hits
        if h.category != "needs_response" or not any(s <= h.start < e for s, e in info_spans)
    ]
    hits = _discount_before_but(low, hits)
    by_cat: dict[Category, list[_Hit]] = {c: [] for c in CATEGORIES}
    for hit in hits:
        by_cat[hit.category].append(hit)
    scores: dict[Category, float] = {c: _combine([h.weight for h in by_cat[c]]) for c in CATEGORIES}
    has_question = any(h.category in ("needs_response", "interested") for h in sentence_hits)

    # "Sounds interesting - how does onboarding work?": curiosity, not a support request
    if (
        scores["interested"] >= 0.8
        and by_cat["needs_response"]
        and all(h.question for h in by_cat["needs_response"])
        and not _SUPPORT_TERMS.search(low)
    ):
        scores["needs_response"] = min(scores["needs_response"], THRESHOLD - 0.01)

    subject_support = weigh_subject(email, low, scores)
    evidence_override = weigh_auto_reply(email, has_question, scores)
    bulk = weigh_bulk(email, scores)
    evidence_override = bulk or evidence_override

    details: dict[str, Any] = {"auto_reply": email.is_auto_reply}
    injection = bool(_INJECTION.search(low))
    if injection:
        # text addressed to an assistant is data: it may not steer the flows anywhere
        details["prompt_injection"] = True
        evidence_override = "instructions addressed to an assistant (treated as data)"
        for cat in ("referral", "meeting_request", "proposal_request", "interested"):
            scores[cat] = 0.0
    ev = Evidence(
        scores,
        by_cat,
        low,
        subject_support,
        injection,
        has_question,
        auto_reply=email.is_auto_reply,
        bulk=bulk is not None,
    )
    return Reading(ev, original, evidence_override, details)


def classify_email(email: InboundEmail, *, model: BinaryModel | None = None) -> Classification:
    """Classify one inbound email into one of the nine categories, with evidence and details.

    `model` replaces the shipped confidence model (training and cross-validation use it)."""
    reading = read_email(email)
    ev = reading.evidence
    category, confidence = decide(ev, model)
    evidence = evidence_phrase(
        category, ev.by_cat, reading.original, reading.override, ev.injection
    )
    cue_start = min((h.start for h in ev.by_cat[category]), default=0)
    details = reading.details
    details.update(_extract(category, email, reading.original, cue_start))
    details["scores"] = {c: round(s, 2) for c, s in ev.scores.items() if s >= 0.4}
    return Classification(category, confidence, evidence, details)
