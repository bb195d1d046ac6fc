"""What a sales call settled for the proposal: the number of seats, the add-ons and the tier.

`settle_terms(transcript, price_book)` reads the utterances in order and keeps, for each
decision, the latest settled value and the utterance it came from (a `Citation` whose quote is
the sentence, verbatim):

- seats: a number before a seat noun ("35 seats", "forty users", "a hundred and twenty
  licences", "for 30 people"), teams ("two teams of twelve" = 24), and corrections after a
  first figure ("make that 35", "actually, 40", "let's say 50"); the latest wins. Two figures
  ("30 or 40 seats", "between 30 and 40 users") leave the seats open until one is settled.
- add-ons: named by name, SKU or synonym; a mention is an exclusion when its clause says so
  ("not now", "we'll do it ourselves", "we don't need X", "drop the X", "not X", "without X"),
  an inclusion otherwise; a mention inside a question stays open until the other side answers
  ("yes" includes, an exclusion excludes). An exclusion that names nothing ("No, we'll do it
  ourselves.") applies to what the previous utterance named.
- the tier: a sentence naming exactly one tier, not negated; the features of each tier the
  prospect asked for are counted for the tier choice (`proposal_lines`).
- the deal type when the call settled it ("a pilot", "a trial").
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from skills.proposal_types import Citation, PriceItem
from skills.spoken_numbers import find_numbers, sentence_spans
from skills.transcript_types import Transcript, Utterance

_SEAT_NOUN = re.compile(
    r"\s+(?:(?:more|extra|additional|total|named|full|paid|sales|user|seat|active)\s+){0,2}"
    r"(?:seats?|users?|licen[cs]es?|reps|agents|members|teammates|heads|people)\b",
    re.I,
)
_TEAMS = re.compile(r"^\s+(?:teams?|groups?|squads?|pods?)\s+of\s+", re.I)
_CORRECTION = re.compile(
    r"\b(?:make (?:that|it)|actually|sorry|let'?s say|let'?s do|let'?s go with|"
    r"change (?:that|it) to|bump (?:that|it) to|more like|rather|no,)[\s,:]*(?:maybe\s+|about\s+)?$",
    re.I,
)
_NOT_SEATS = re.compile(
    r"^\s*(?:%|percent|per ?cent|hours?|hrs?|minutes?|days?|weeks?|months?|years?|k\b|"
    r"thousand dollars|dollars|euros|pounds|bucks|times|x\b|am\b|pm\b)",
    re.I,
)
_EXCLUDE = re.compile(
    r"\b(?:not (?:right )?now|not yet|not this (?:year|time|quarter)|hold off|later on|"
    r"(?:do|handle|manage) (?:it|that|this|them) ourselves|in-house|"
    r"(?:don'?t|do not|doesn'?t|won'?t|will not) (?:really )?need|no need for|"
    r"drop(?:ping)?|skip(?:ping)?|leave (?:out|off)|remove|not interested|pass on)\b",
    re.I,
)
_NEGATED_BEFORE = re.compile(r"\b(?:no|not|without|minus)\s+(?:the\s+|any\s+|an?\s+)?$", re.I)
_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|definitely|absolutely|please|of course|we do|correct|"
    r"let'?s (?:add|include|do)|include|add)\b",
    re.I,
)
_CLAUSE = re.compile(r"\bbut\b|;|\bwhereas\b", re.I)
_RANGE = re.compile(r"^\s+(?:or|to|and|-)\s+$", re.I)
_DEAL_TYPE = re.compile(r"\b(pilot|trial|proof of concept|poc)\b", re.I)
_DEAL_TYPE_NAMES = {"pilot": "pilot", "trial": "trial", "proof of concept": "pilot", "poc": "pilot"}


@dataclass(frozen=True)
class SeatDecision:
    """The settled number of seats and where it was said; `previous` is what it replaced."""

    seats: int
    citation: Citation
    previous: int | None = None


@dataclass(frozen=True)
class ItemDecision:
    """A price-book item the call talked about: `included` is True (settled in), False
    (excluded) or None (asked about, never answered)."""

    sku: str
    included: bool | None
    citation: Citation


@dataclass(frozen=True)
class CallTerms:
    seats: SeatDecision | None = None
    items: dict[str, ItemDecision] = field(default_factory=dict)  # add-ons by SKU
    tier: ItemDecision | None = None
    excluded_tiers: frozenset[str] = frozenset()
    feature_hits: dict[str, tuple[Citation, ...]] = field(default_factory=dict)  # tier SKU
    deal_type: tuple[str, Citation] | None = None
    seat_range: Citation | None = None  # "30 or 40 seats", not settled since


def speaker_is_rep(u: Utterance, transcript: Transcript) -> bool:
    """The rep's turn: the role says so, or the speaker is the rep by name."""
    if u.role is not None:
        return u.role == "rep"
    rep = (transcript.rep.name or "").strip().lower()
    return bool(rep) and u.speaker.strip().lower() == rep


def item_pattern(item: PriceItem) -> re.Pattern[str]:
    """Name, SKU and synonyms of a price-book item as one whole-word pattern."""
    names = sorted({n.strip() for n in (item.name, item.sku, *item.synonyms) if n.strip()}, key=len)
    alts = "|".join(re.escape(n) for n in reversed(names))
    return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])", re.I)


def _seat_range(sentence: str) -> bool:
    """Whether the sentence leaves the seats open between two figures ("30 or 40 seats")."""
    nums = find_numbers(sentence)
    return any(
        _RANGE.match(sentence[a.end : b.start]) and _SEAT_NOUN.match(sentence[b.end :])
        for a, b in pairwise(nums)
    )


def _seat_numbers(sentence: str, after_seats: bool) -> list[int]:
    """Seat counts said in one sentence, in order."""
    nums = find_numbers(sentence)
    out: list[int] = []
    skip: set[int] = set()
    for k, n in enumerate(nums):
        if k in skip:
            continue
        rest = sentence[n.end :]
        if sentence[max(0, n.start - 1) : n.start] in ("$", "€", "£"):
            continue
        teams = _TEAMS.match(rest)
        if teams and k + 1 < len(nums) and nums[k + 1].start == n.end + teams.end():
            out.append(n.value * nums[k + 1].value)
            skip.add(k + 1)
            continue
        noun = _SEAT_NOUN.match(rest)
        if noun and not (
            noun.group().strip().lower().endswith("people") and not _for_before(sentence, n.start)
        ):
            out.append(n.value)
            continue
        if after_seats and _CORRECTION.search(sentence[: n.start]) and not _NOT_SEATS.match(rest):
            out.append(n.value)
    return out


def _for_before(sentence: str, start: int) -> bool:
    return bool(
        re.search(r"\b(?:for|across|covering)\s+(?:about\s+|around\s+)?$", sentence[:start], re.I)
    )


def settle_terms(transcript: Transcript, price_book: tuple[PriceItem, ...]) -> CallTerms:
    """The latest settled seats, add-ons, tier and deal type of the call (see the docstring)."""
    addons = [(p, item_pattern(p)) for p in price_book if not p.tier]
    tiers = [(p, item_pattern(p)) for p in price_book if p.tier]
    features = [
        (p.sku, re.compile(rf"(?<![\w-]){re.escape(f)}(?![\w-])", re.I))
        for p in price_book
        if p.tier
        for f in p.features
        if f.strip()
    ]
    seats: SeatDecision | None = None
    items: dict[str, ItemDecision] = {}
    tier: ItemDecision | None = None
    excluded_tiers: set[str] = set()
    hits: dict[str, list[Citation]] = {}
    deal_type: tuple[str, Citation] | None = None
    seat_range: Citation | None = None
    asked: list[str] = []  # add-ons asked about in the previous utterance's question
    named_before: list[str] = []  # add-ons the previous utterance named
    for index, u in enumerate(transcript.utterances):
        rep = speaker_is_rep(u, transcript)
        named_now: list[str] = []
        asked_now: list[str] = []
        for s, e in sentence_spans(u.text):
            sent = u.text[s:e]
            cite = Citation(index, sent)
            if _seat_range(sent):
                seat_range = cite
            else:
                for value in _seat_numbers(sent, seats is not None or seat_range is not None):
                    if seats is None or value != seats.seats:
                        seats = SeatDecision(value, cite, seats.seats if seats else None)
                    seat_range = None
            question = sent.rstrip().endswith("?")
            mentioned = False
            for clause in _clauses(sent):
                excluding = bool(_EXCLUDE.search(clause))
                for item, pat in addons:
                    for m in pat.finditer(clause):
                        mentioned = True
                        named_now.append(item.sku)
                        negated = excluding or bool(_NEGATED_BEFORE.search(clause[: m.start()]))
                        if negated:
                            items[item.sku] = ItemDecision(item.sku, False, cite)
                        elif question:
                            asked_now.append(item.sku)
                            if item.sku not in items:
                                items[item.sku] = ItemDecision(item.sku, None, cite)
                        else:
                            items[item.sku] = ItemDecision(item.sku, True, cite)
                        break
                if excluding and not mentioned:
                    for sku in named_before:  # "Onboarding? Not now."
                        items[sku] = ItemDecision(sku, False, cite)
                named_tiers = [(p, pat.search(clause)) for p, pat in tiers]
                kept: list[PriceItem] = []
                for p, tm in named_tiers:
                    if tm is None:
                        continue
                    if excluding or _NEGATED_BEFORE.search(clause[: tm.start()]):
                        excluded_tiers.add(p.sku)
                        if tier is not None and tier.sku == p.sku:
                            tier = None
                    else:
                        kept.append(p)
                if len(kept) == 1 and not question:
                    excluded_tiers.discard(kept[0].sku)
                    tier = ItemDecision(kept[0].sku, True, cite)
            named_before = named_now[-1:] if mentioned else []
            if asked and not question and not mentioned:
                if _YES.search(sent):
                    for sku in asked:
                        items[sku] = ItemDecision(sku, True, cite)
                    asked = []
            if not rep:
                for sku, pat in features:
                    if pat.search(sent):
                        hits.setdefault(sku, []).append(cite)
            dm = _DEAL_TYPE.search(sent)
            if dm and not _NEGATED_BEFORE.search(sent[: dm.start()]):
                deal_type = (_DEAL_TYPE_NAMES[dm.group(1).lower()], cite)
        asked = asked_now  # an answer comes in the next turn
    return CallTerms(
        seats=seats,
        items=items,
        tier=tier,
        excluded_tiers=frozenset(excluded_tiers),
        feature_hits={k: tuple(v) for k, v in hits.items()},
        deal_type=deal_type,
        seat_range=seat_range,
    )


def _clauses(sentence: str) -> list[str]:
    """A sentence cut at "but" and semicolons, so "SSO but not onboarding" reads as two."""
    return [c for c in _CLAUSE.split(sentence) if c.strip()]
