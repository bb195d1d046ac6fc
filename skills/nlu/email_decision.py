"""Deciding an email's category and confidence from the hits found in it.

The hits are combined into a score per category; the subject, automatic-reply headers and bulk
or no-reply senders then adjust the scores (`weigh_subject`, `weigh_auto_reply`,
`weigh_bulk`). `decide` takes the hits and the scores (`Evidence`) and returns the category
and its confidence: `choose` picks by precedence (unsubscribe > out_of_office > referral >
not_interested > meeting_request / proposal_request > needs_response > interested > fyi) unless
a later category is clearly stronger, and the learned scorer (`skills/nlu/weights/emails.json`,
`make train-nlu`) says how likely that choice is to be right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from skills.email_parse import InboundEmail
from skills.nlu.email_features import confidence_features
from skills.nlu.email_hits import Hit as _Hit
from skills.nlu.email_hits import normalise as _normalise
from skills.nlu.email_patterns import context, subject_cues
from skills.nlu.scorer import BinaryModel, email_model
from skills.vocabulary import EMAIL_CATEGORIES, EmailCategory

Category = EmailCategory
CATEGORIES: Final[tuple[Category, ...]] = EMAIL_CATEGORIES
PRECEDENCE: Final[tuple[Category, ...]] = (
    "unsubscribe",
    "out_of_office",
    "referral",
    "not_interested",
    "meeting_request",
    "proposal_request",
    "needs_response",
    "interested",
    "fyi",
)
THRESHOLD = 0.55

_NOREPLY: Final = context("sender.noreply")
_SUBJECT_PREFIX: Final = context("subject.prefix")
_SUBJECT_OOO: Final = context("subject.out_of_office")
_SUBJECT_CUES: Final = subject_cues()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a decision is made from: the hits by category, the scores after weighing, the
    lower-cased text, the categories the subject supports, and two facts about the text."""

    scores: dict[Category, float]
    by_cat: dict[Category, list[_Hit]]
    low: str
    subject_support: set[Category]
    injection: bool
    has_question: bool
    auto_reply: bool = False
    bulk: bool = False


def decide(ev: Evidence, model: BinaryModel | None = None) -> tuple[Category, float]:
    """The category and how sure we are of it. The category is the reviewed cues' by
    precedence (`choose`); text addressed to an assistant may only end as an unsubscribe, an
    out-of-office, a question to answer or information. The confidence is the learned
    probability that the category is right (`skills.nlu.email_features`)."""
    category = choose(ev)
    p = (model or email_model()).probability_of(confidence_inputs(ev, category))
    if ev.injection or not ev.low.strip():
        # cases the labelled emails do not cover, so the scorer cannot know: text addressed to
        # an assistant, and a category read from the subject alone
        p = min(p, 0.6)
    # a choice among nine is shown neither as certain nor as less likely than chance allows
    return category, round(min(0.98, max(0.3, p)), 2)


def confidence_inputs(ev: Evidence, category: Category) -> dict[str, float]:
    """What the confidence model weighs for `category` (see `skills.nlu.email_features`)."""
    return confidence_features(
        category,
        ev.scores,
        conflict=_conflict(category, ev.scores),
        subject_support=category in ev.subject_support,
        has_question=ev.has_question,
        auto_reply=ev.auto_reply,
        bulk=ev.bulk,
        injection=ev.injection,
    )


def choose(ev: Evidence) -> Category:
    """The category by precedence and evidence strength, and the assistant-text rule."""
    category = _choose(ev.scores, ev.by_cat)
    if ev.injection and category not in ("unsubscribe", "out_of_office"):
        category = (
            "needs_response" if (ev.has_question or ev.scores["needs_response"] >= 0.5) else "fyi"
        )
    return category


def _conflict(category: Category, scores: dict[Category, float]) -> float:
    """The strongest score of a category that disagrees with `category` about what to do next."""
    return max(
        (s for c, s in scores.items() if c != category and frozenset((c, category)) in _CONFLICTS),
        default=0.0,
    )


# Pairs that disagree about what to do next; overlapping cues between them cost confidence.
_CONFLICTS: frozenset[frozenset[str]] = frozenset(
    frozenset(p)
    for p in (
        ("not_interested", "interested"),
        ("not_interested", "meeting_request"),
        ("not_interested", "proposal_request"),
        ("not_interested", "needs_response"),
        ("meeting_request", "proposal_request"),
        ("unsubscribe", "interested"),
        ("unsubscribe", "meeting_request"),
        ("unsubscribe", "proposal_request"),
        ("referral", "meeting_request"),
        ("referral", "proposal_request"),
        ("out_of_office", "meeting_request"),
        ("out_of_office", "proposal_request"),
        ("out_of_office", "needs_response"),
    )
)


def weigh_subject(email: InboundEmail, low: str, scores: dict[Category, float]) -> set[Category]:
    """The subject confirms body evidence, or stands alone (at low confidence) on an empty body."""
    subject = _SUBJECT_PREFIX.sub("", _normalise(email.subject)).lower()
    support: set[Category] = set()
    for cat, pattern in _SUBJECT_CUES:
        if pattern.search(subject):
            support.add(cat)
            if scores[cat] >= 0.4:
                scores[cat] = min(0.97, scores[cat] + 0.04)
            elif not low.strip():
                scores[cat] = max(scores[cat], 0.58)
    return support


def weigh_auto_reply(
    email: InboundEmail, has_question: bool, scores: dict[Category, float]
) -> str | None:
    """Out of office needs absence in the text; auto headers and the subject make it certain.
    A person who mentions being away while asking for something is not an auto-reply."""
    auto = email.is_auto_reply
    subject_ooo = bool(_SUBJECT_OOO.search(_normalise(email.subject)))
    body = scores["out_of_office"]
    evidence: str | None = None
    if auto or subject_ooo:
        if body >= 0.4:
            scores["out_of_office"] = min(0.97, max(body, 0.85) + 0.08)
        elif auto and subject_ooo:
            scores["out_of_office"] = 0.8
        elif subject_ooo:
            scores["out_of_office"] = max(body, 0.5)
        if auto and scores["out_of_office"] >= THRESHOLD:
            evidence = "automatic reply: " + (
                email.auto_reply_signals[0] if email.auto_reply_signals else "subject"
            )
    elif body >= 0.4:
        direct_ask = (
            has_question or max(scores["meeting_request"], scores["proposal_request"]) >= 0.7
        )
        if direct_ask and body < 0.95:
            scores["out_of_office"] = min(body, 0.45)
    if scores["out_of_office"] < 0.6:
        scores["out_of_office"] = min(scores["out_of_office"], THRESHOLD - 0.01)
    if auto and scores["out_of_office"] < THRESHOLD:
        # an automatic acknowledgement ("we received your ticket") is information only
        for cat in ("meeting_request", "proposal_request", "needs_response", "interested"):
            scores[cat] = max(0.0, scores[cat] - 0.3)
        scores["fyi"] = max(scores["fyi"], 0.8)
    return evidence


def weigh_bulk(email: InboundEmail, scores: dict[Category, float]) -> str | None:
    """Bulk mail and no-reply senders: footers and marketing calls to action are not asks."""
    noreply = bool(_NOREPLY.search(email.sender.address if email.sender else ""))
    if not (email.is_bulk or noreply):
        return None
    for cat in CATEGORIES:
        if cat != "fyi":
            scores[cat] = max(0.0, scores[cat] - (0.45 if noreply else 0.25))
    scores["fyi"] = max(scores["fyi"], 0.9 if noreply else 0.85)
    return "no-reply sender" if noreply else "bulk mail (List-Unsubscribe/Precedence)"


def _choose(scores: dict[Category, float], by_cat: dict[Category, list[_Hit]]) -> Category:
    candidates = [c for c in PRECEDENCE[:-1] if scores[c] >= THRESHOLD]
    if not candidates:
        return "fyi"
    chosen = candidates[0]
    hard = chosen in ("unsubscribe", "out_of_office") and scores[chosen] >= 0.8
    if not hard:
        for cat in candidates[1:]:
            if scores[cat] >= scores[chosen] + 0.25:
                chosen = cat
                break
    if chosen in ("meeting_request", "proposal_request"):
        other: Category = "proposal_request" if chosen == "meeting_request" else "meeting_request"
        if scores[other] >= THRESHOLD:
            if scores[other] > scores[chosen] + 0.02:
                chosen = other
            elif abs(scores[other] - scores[chosen]) <= 0.02:
                first = min(by_cat[other], key=lambda h: h.start, default=None)
                mine = min(by_cat[chosen], key=lambda h: h.start, default=None)
                if first and mine and first.start < mine.start:
                    chosen = other
    if scores["fyi"] >= scores[chosen] + 0.2 and chosen in ("needs_response", "interested"):
        chosen = "fyi"
    return chosen


def evidence(
    category: Category,
    by_cat: dict[Category, list[_Hit]],
    original: str,
    override: str | None,
    injection: bool,
) -> str:
    hits = by_cat.get(category) or []
    if override and (injection or category in ("out_of_office", "fyi") or not hits):
        return override
    if not hits:
        return "no request, question or reply signal found" if category == "fyi" else category
    best = max(hits, key=lambda h: (h.weight, -h.start))
    phrase = original[best.start : best.end].strip()
    if len(phrase) > 80:
        phrase = phrase[:77].rstrip() + "..."
    return phrase
