"""Finding the cues of an email in its text: the hits the decision weighs.

Owns the per-cue search (`find_hits`: the literal pre-filter, negation, conditions, mailing
footers), the per-sentence reading of asks and questions (`sentence_hits`: a meeting or a
price asked for, a question that needs an answer, curiosity), named referrals
(`named_referrals`: "cc'ing Jordan", "reach out to Priya"), and the adjustments between hits
(a refusal turned into an ask by "but", a document passed on). The patterns themselves are
data: `skills/nlu/patterns/email_cues.yaml` and `email_context.yaml`, loaded by
`skills.nlu.email_patterns`. Text is normalised by `normalise` before any of this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from skills.nlu.email_extract import TIME_PHRASE as _TIME_PHRASE
from skills.nlu.email_patterns import CUES as _CUES
from skills.nlu.email_patterns import context
from skills.vocabulary import EmailCategory

Category = EmailCategory


@dataclass(frozen=True, slots=True)
class Hit:
    """A piece of evidence: `category` at `weight`, found at text[start:end]."""

    category: Category
    weight: float
    start: int
    end: int
    question: bool = False


_Hit = Hit
_ASK_CATEGORIES = frozenset({"meeting_request", "proposal_request", "needs_response"})

_NEGATOR: Final = context("negator")
_CONDITIONAL: Final = context("conditional")
_CLAUSE_BREAK: Final = context("clause_break")
_INFO_QUESTION: Final = context("info_question")
_CONTACT_ASK: Final = context("contact_ask")
_SMALL_TALK: Final = context("small_talk")
_REQUEST_IN_QUESTION: Final = context("request_in_question")
_ASK: Final = context("ask")
_TIMED_ASK: Final = context("timed_ask")
_PRODUCT_QUESTION: Final = context("product_question")
_WH_QUESTION: Final = context("wh_question")
_CONDITIONAL_SENTENCE: Final = context("conditional_sentence")
_SCHEDULING: Final = context("scheduling")
_MEETING_TOPIC: Final = context("meeting_topic")
_PROPOSAL_TOPIC: Final = context("proposal_topic")
_REDO_IT: Final = context("redo_it")
_PRICE_CLARIFY: Final = context("price_clarify")
_REFERS_BACK: Final = context("refers_back")
_MEETING_BACK: Final = context("meeting_back")
_MEETING_LOGISTICS: Final = context("meeting_logistics")
_SENDS_LINK: Final = context("sends_link")
_FOOTER_LINE: Final = context("footer_line")
_NAMED_REFERRAL: Final = context("referral.named")
_SUPPORT_TERMS: Final = context("support_terms")
_TIMING_REFUSAL: Final = context("timing_refusal")
_ACKNOWLEDGED: Final = context("acknowledged")
_FORMAT_REFUSAL: Final = context("format_refusal")
_ACTS_ON_PERSON: Final = context("acts_on_person")
_DIRECTED_NAMED: Final = context("referral.directed")
_YOU_WANT_NAMED: Final = context("referral.you_want")
_TO_YOU: Final = context("to_you")
_COLLEAGUE_NAMED: Final = context("referral.colleague")
_JOINS_MEETING: Final = context("joins_meeting")


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"').replace("\u00a0", " ")
    return re.sub(r"[ \t]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


def _window_before(text: str, start: int) -> str:
    window = text[max(0, start - 60) : start]
    parts = _CLAUSE_BREAK.split(window)
    return parts[-1] if parts else window


def _negated(text: str, start: int) -> bool:
    words = _window_before(text, start).split()[-4:]
    return bool(_NEGATOR.search(" ".join(words)))


def _conditional(text: str, start: int) -> bool:
    return bool(_CONDITIONAL.search(_window_before(text, start)))


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for m in re.finditer(r"[^.!?\n]+[.!?]*", text):
        s = m.group(0).strip()
        if s:
            out.append((m.start(), s))
    return out


def _topic_ok(low: str, start: int, back: re.Pattern[str] = _REFERS_BACK) -> bool:
    if _negated(low, start):
        return False
    before = _window_before(low, start).split()[-3:]
    return not back.search(" ".join(before))


def sentence_hits(low: str) -> list[_Hit]:
    """Per sentence: an ask (question, "could you", "please", "I need") about a meeting or a
    price is a meeting or proposal request; other direct questions need a response, unless
    they only ask for general information (then they read as interest)."""
    hits: list[_Hit] = []
    previous = ""
    for start, sentence in _sentences(low):
        end = start + len(sentence)
        mentioned, previous = previous, sentence
        question = (
            "?" in sentence or bool(_WH_QUESTION.match(sentence))
        ) and not _SMALL_TALK.search(sentence)
        ask = (question or bool(_ASK.search(sentence))) and not _CONDITIONAL_SENTENCE.match(
            sentence
        )
        if ask:
            clarifying = bool(_PRICE_CLARIFY.search(sentence))
            for m in _PROPOSAL_TOPIC.finditer(sentence):
                if clarifying and sentence[: m.start()].rstrip().endswith(("the", "that", "this")):
                    continue  # "does the price include onboarding?" asks about a known price
                if _topic_ok(low, start + m.start()):
                    hits.append(_Hit("proposal_request", 0.8, start + m.start(), start + m.end()))
                    break
            else:
                # "Thanks for the proposal. Could you revise it?": the ask refers back
                redo = _REDO_IT.search(sentence)
                if redo and _PROPOSAL_TOPIC.search(mentioned):
                    hits.append(_Hit("proposal_request", 0.8, start + redo.start(), end))
            meeting = (
                None
                if _PRODUCT_QUESTION.search(sentence)
                else next(
                    (
                        m
                        for m in _MEETING_TOPIC.finditer(sentence)
                        if _topic_ok(low, start + m.start(), _MEETING_BACK)
                        or (_MEETING_LOGISTICS.match(m.group(0)) and _SENDS_LINK.search(sentence))
                    ),
                    None,
                )
            )
            timed = _TIME_PHRASE.search(sentence) if meeting is None else None
            if meeting is not None:
                hits.append(_Hit("meeting_request", 0.78, start + meeting.start(), end))
            elif (
                timed is not None
                and (
                    _TIMED_ASK.search(sentence)
                    or (question and _SCHEDULING.search(sentence))
                    or (question and len(sentence.split()) - len(timed.group(0).split()) <= 2)
                )
                and not _negated(low, start + timed.start())
            ):
                hits.append(_Hit("meeting_request", 0.72, start, end))
        if not question:
            continue
        if (
            _INFO_QUESTION.search(sentence)
            and not _SUPPORT_TERMS.search(sentence)
            and not _CONTACT_ASK.search(sentence)
        ):
            hits.append(_Hit("interested", 0.7, start, end))
        elif _REQUEST_IN_QUESTION.search(sentence) or len(sentence.split()) >= 3:
            hits.append(_Hit("needs_response", 0.75, start, end, question=True))
        else:
            hits.append(_Hit("needs_response", 0.6, start, end, question=True))
    return hits


def _line_at(low: str, pos: int) -> str:
    start = low.rfind("\n", 0, pos) + 1
    end = low.find("\n", pos)
    return low[start : end if end >= 0 else len(low)]


def find_hits(low: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for cue in _CUES:
        if cue.anchors is not None and not any(map(low.__contains__, cue.anchors)):
            continue
        for m in cue.pattern.finditer(low):
            if cue.negatable and _negated(low, m.start()):
                continue
            if cue.conditional_skip and _conditional(low, m.start()):
                continue
            if cue.category == "unsubscribe" and _FOOTER_LINE.search(_line_at(low, m.start())):
                continue
            hits.append(_Hit(cue.category, cue.weight, m.start(), m.end()))
    return hits


def named_referrals(original: str, low: str) -> list[_Hit]:
    """A first-person hand-over to a capitalised name ("cc'ing Jordan") marks a person."""
    if len(original) != len(low):
        return []
    return [
        h for h in _named_referral_hits(original, low) if not _JOINS_MEETING.search(low[h.end :])
    ]


def _named_referral_hits(original: str, low: str) -> list[_Hit]:
    hits = [
        _Hit("referral", 0.85, m.start(), m.end())
        for m in _NAMED_REFERRAL.finditer(original)
        if not _conditional(low, m.start())
    ]
    hits += [
        _Hit("referral", 0.8, m.start(), m.end())
        for m in _DIRECTED_NAMED.finditer(original)
        if (
            not _window_before(low, m.start()).strip()
            or _TO_YOU.search(_window_before(low, m.start()))
        )
        and not _conditional(low, m.start())
    ]
    hits += [
        _Hit("referral", 0.8, m.start(), m.end())
        for m in _YOU_WANT_NAMED.finditer(original)
        if not _conditional(low, m.start())
    ]
    hits += [
        _Hit("referral", 0.7, m.start(), m.end())
        for m in _COLLEAGUE_NAMED.finditer(original)
        if not _conditional(low, m.start())
        and not _negated(low, m.start())
        and not _ACTS_ON_PERSON.search(_window_before(low, m.start()))
    ]
    return hits


def document_passed_on(low: str, hit: _Hit) -> bool:
    """ "Received, and passed to our finance team": a document handed on, not a referral."""
    if hit.category != "referral" or not low[hit.start : hit.end].endswith(("team", "department")):
        return False
    start = max(low.rfind(ch, 0, hit.start) for ch in ".!?\n") + 1
    return bool(_ACKNOWLEDGED.search(low[start : hit.end]))


def discount_before_but(low: str, hits: list[_Hit]) -> list[_Hit]:
    """A refusal followed by "but" and a real ask or a referral in the same sentence, or a
    refusal of a format ("I don't need a meeting") followed by any ask: the ask wins."""
    later = _ASK_CATEGORIES | {"referral"}
    spans: list[tuple[int, int]] = []
    for hit in hits:
        if hit.category != "not_interested":
            continue
        stop = re.compile(r"[.!?\n]").search(low, hit.end)
        end = stop.end() if stop else len(low)
        turn = re.search(r"\b(but|however|though|just)\b", low[hit.end : end])
        # "no need for a call, a quote is fine": the refused thing is named just after the cue
        clause = re.compile(r"[,;.!?\n]|\b(but|and)\b").search(low, hit.end)
        named = low[hit.start : clause.start() if clause else end]
        format_only = _FORMAT_REFUSAL.search(named) is not None
        timing = _TIMING_REFUSAL.search(low[hit.start : end]) is not None
        if (
            (
                turn
                and any(
                    o.category in later and o.weight >= 0.6 and hit.end <= o.start < end
                    for o in hits
                )
            )
            or (
                # "not right now, but this is interesting - keep me posted": interest, later
                turn
                and timing
                and any(
                    o.category == "interested" and o.weight >= 0.7 and o.start >= hit.end
                    for o in hits
                )
            )
            or (
                # a weak regret ("unfortunately", "I can't make it") turned into an alternative:
                # "I can't make the dinner, unfortunately, but could we meet on the 10th?"
                turn
                and hit.weight <= 0.6
                and any(
                    o.category in _ASK_CATEGORIES and o.weight >= 0.7 and o.start >= hit.end
                    for o in hits
                )
            )
            or (
                format_only
                and any(
                    o.category in _ASK_CATEGORIES and o.weight >= 0.6 and o.start >= hit.end
                    for o in hits
                )
            )
        ):
            spans.append((hit.start, hit.end))
    if not spans:
        return hits
    return [
        _Hit(h.category, max(0.0, h.weight - 0.35), h.start, h.end)
        if h.category == "not_interested" and any(h.start < e and s < h.end for s, e in spans)
        else h
        for h in hits
    ]


def combine(weights: list[float]) -> float:
    if not weights:
        return 0.0
    ordered = sorted(weights, reverse=True)
    bonus = sum(min(0.04, w * 0.05) for w in ordered[1:3])
    return min(0.97, ordered[0] + bonus)
