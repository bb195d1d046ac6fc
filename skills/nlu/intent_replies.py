"""The reply readings: an utterance read through the turn before it (the rep asks, the
prospect confirms or names a tool, a decider, content; a yes to an offer is a request; a
pronoun promise refers back to an accepted offer). `reply_candidates` lists them for one
utterance, in the order `skills.intents.candidates` adds them."""

from __future__ import annotations

import re
from dataclasses import replace

from skills.deadlines import find_deadline
from skills.nlu import intent_patterns as rules
from skills.nlu.intent_context import CallContext, side_of, speaker_features, trim_span
from skills.nlu.intent_readings import SOURCES
from skills.nlu.intent_types import Candidate, Intent
from skills.nlu.intent_vendors import vendor_capitalised
from skills.text_features import Sentence, negated_before, reply_kind, sentences

_SIGNAL_FRAMES = tuple(
    f
    for f in rules.FRAMES
    if f.label.startswith("signal:")
    and f.mode not in ("stake_pronoun", "stake_it", "competitor_named")
)


def _confirmed_signals(i: int, ctx: CallContext) -> list[Candidate]:
    """The rep asks ("Does your CFO need to sign off?"), the prospect confirms ("Yes, she
    does"): the signal is the prospect's, on the reply. A timeline question is answered by a
    date ("When do you need to be live?" - "End of March")."""
    sr = ctx.roles[i]
    if i == 0 or side_of(sr.role) == "rep" or side_of(ctx.roles[i - 1].role) != "rep":
        return []
    question = ctx.lows[i - 1]
    q_sents = [q for q in sentences(question) if q.is_question]
    if not q_sents:
        return []
    ct = ctx.cleaned[i]
    sents = sentences(ct.low)
    if not sents:
        return []
    first = sents[0]
    kind = reply_kind(ct.low)
    dated = rules.TIME_RE.search(ct.low, first.start, first.end)
    out: list[Candidate] = []
    if dated and rules.TIMING_QUESTION_RE.search(question):
        found = find_deadline(ct.text[first.start : first.end], ctx.transcript.started_at)
        timeline = _reply_intent(i, ctx, "signal:timeline", "timing_answered", "state")
        if timeline is not None:
            dated_intent = replace(timeline.intent, deadline=found.day if found else None)
            out.append(Candidate(dated_intent, timeline.features, timeline.prior))
    named_vendor = vendor_capitalised(ct.text, ct.low, first.start, first.end)
    for q in q_sents:
        for frame in _SIGNAL_FRAMES:
            m = frame.pattern.search(question, q.start, q.end)
            if m is None or (
                frame.mode != "negative_ok" and negated_before(question, q, m.start())
            ):
                continue
            if frame.label == "signal:timeline":
                if not dated:
                    continue
            elif kind != "accept" and not (frame.label == "signal:competitive" and named_vendor):
                continue
            start, end = trim_span(ct.text, first.start, first.end)
            raw_start, raw_end = ct.raw_span(start, end)
            found = None
            if frame.label == "signal:timeline":
                found = find_deadline(ct.text[first.start : first.end], ctx.transcript.started_at)
            intent = Intent(
                label=frame.label,
                utterance=i,
                speaker="prospect",
                phrase=ct.raw[raw_start:raw_end],
                confidence=0.0,
                deadline=found.day if found else None,
                speaker_label=ctx.transcript.utterances[i].speaker,
            )
            features = ("source:question_confirmed", *speaker_features(sr))
            out.append(Candidate(intent, features, SOURCES["question_confirmed"]))
    return out


def _reply_intent(
    i: int, ctx: CallContext, label: str, source: str, kind: str, sent: Sentence | None = None
) -> Candidate | None:
    """A candidate whose phrase is one sentence (by default the first) of utterance i, read by
    the reply reading `source` (the scorer's feature `source:<name>`)."""
    ct = ctx.cleaned[i]
    sents = sentences(ct.low)
    if not sents:
        return None
    first = sent or sents[0]
    start, end = trim_span(ct.text, first.start, first.end)
    raw_start, raw_end = ct.raw_span(start, end)
    found = None
    if label.startswith("commitment:"):
        found = find_deadline(ct.text[first.start : first.end], ctx.transcript.started_at)
    side = side_of(ctx.roles[i].role) or ("rep" if label in _REP_COMMITMENTS else "prospect")
    features = (f"source:{source}", *(("deadline",) if found else ()))
    intent = Intent(
        label=label,
        utterance=i,
        speaker=side,
        phrase=ct.raw[raw_start:raw_end],
        confidence=0.0,
        event=rules.EVENTS.get(label),
        deadline=found.day if found else None,
        speaker_label=ctx.transcript.utterances[i].speaker,
        kind=kind,
    )
    return Candidate(intent, (*features, *speaker_features(ctx.roles[i])), SOURCES[source])


_REP_COMMITMENTS = ("commitment:send_proposal", "commitment:schedule_meeting")
_PROPOSAL_WORD = rules.CONTEXT["proposal_word"]


def _named_tools(i: int, ctx: CallContext) -> Candidate | None:
    """'What are you using today?' - 'HubSpot for CRM and Apollo for prospecting.'
    'Anyone else you're looking at?' - 'Gong. Saw them Monday.'"""
    if i == 0 or side_of(ctx.roles[i].role) == "rep" or side_of(ctx.roles[i - 1].role) != "rep":
        return None
    question = ctx.lows[i - 1]
    if not (
        rules.CURRENT_TOOLS_QUESTION_RE.search(question)
        or rules.COMPETITOR_QUESTION_RE.search(question)
    ):
        return None
    ct = ctx.cleaned[i]
    for sent in sentences(ct.low):
        if rules.PAST_USE_RE.search(sent.low) or rules.HISTORIC_RE.search(sent.low):
            continue
        if vendor_capitalised(ct.text, ct.low, sent.start, sent.end):
            return _reply_intent(i, ctx, "signal:competitive", "tools_named", "state", sent)
    return None


_REVISED_VERSION = rules.CONTEXT["revised_version"]
_PRICE_TALK = rules.CONTEXT["price_talk"]


def _pronoun_commitment(
    i: int, ctx: CallContext, seen: dict[tuple[int, str], list[Candidate]]
) -> Candidate | None:
    """'Should I put a proposal together?' - 'Yes.' - 'You'll have it by Monday.'"""
    if side_of(ctx.roles[i].role) == "prospect" or not rules.PRONOUN_COMMIT_RE.search(ctx.lows[i]):
        return None
    me = ctx.transcript.utterances[i].speaker
    for j in range(i - 1, max(-1, i - 3), -1):
        if ctx.transcript.utterances[j].speaker != me:
            continue
        for label in _REP_COMMITMENTS:
            if any(c.intent.kind in ("ask", "offer") for c in seen.get((j, label), ())):
                return _reply_intent(i, ctx, label, "pronoun_promise", "commit")
    # "...you'd send pricing, but I never got it." - "I'll send it right after this call."
    previous = ctx.previous_other(i, back=1)
    if previous and _PROPOSAL_WORD.search(previous[0]) and side_of(ctx.roles[i].role) == "rep":
        return _reply_intent(i, ctx, "commitment:send_proposal", "pricing_chased", "commit")
    # "The per-clinic fee, mostly." - "Let me rework it, I'll have a revised version to you by Wednesday."
    if _REVISED_VERSION.search(ctx.lows[i]) and any(
        _PRICE_TALK.search(p) for p in ctx.previous_other(i, back=3)
    ):
        return _reply_intent(i, ctx, "commitment:send_proposal", "revised_version", "commit")
    return None


def _named_decider(i: int, ctx: CallContext) -> Candidate | None:
    """'Who makes the call?' - 'Our VP of Operations.'"""
    sr = ctx.roles[i]
    if i == 0 or side_of(sr.role) == "rep" or side_of(ctx.roles[i - 1].role) != "rep":
        return None
    if not rules.WHO_DECIDES_RE.search(ctx.lows[i - 1]):
        return None
    ct = ctx.cleaned[i]
    sents = sentences(ct.low)
    if not sents:
        return None
    first = sents[0]
    if not rules.STAKEHOLDER_RE.search(ct.low, first.start, first.end):
        return None
    if re.match(
        r"\W*(?:(?:just|only) (?:me|myself)|(?:me|i do|i am|it's me|that's me)\W*$|no one|nobody)\b",
        first.low,
    ):
        return None
    return _reply_intent(i, ctx, "signal:multi_stakeholder", "decider_named", "state", first)


def _accepted_rep_request(i: int, ctx: CallContext) -> Candidate | None:
    """'Could you send me the user list?' - 'Sure, will do by Friday.'"""
    sr = ctx.roles[i]
    if i == 0 or side_of(sr.role) == "rep" or side_of(ctx.roles[i - 1].role) == "prospect":
        return None
    if not rules.REP_REQUEST_RE.search(ctx.lows[i - 1]):
        return None
    ct = ctx.cleaned[i]
    if not rules.WILL_DO_RE.match(ct.low):
        return None
    return _reply_intent(i, ctx, "commitment:prospect_followup", "request_accepted", "state")


def _content_named_on_request(i: int, ctx: CallContext) -> Candidate | None:
    """'Anything else you need from me?' - 'A copy of your insurance certificate.'"""
    sr = ctx.roles[i]
    if i == 0 or side_of(sr.role) == "rep" or side_of(ctx.roles[i - 1].role) == "prospect":
        return None
    if not rules.NEEDS_QUESTION_RE.search(ctx.lows[i - 1]):
        return None
    ct = ctx.cleaned[i]
    sents = sentences(ct.low)
    if not sents:
        return None
    first = sents[0]
    found = rules.CONTENT_RE.search(ct.low, first.start, first.end)
    if found is None or negated_before(ct.low, first, found.start(), 60):
        return None
    return _reply_intent(i, ctx, "request:send_content", "content_named", "state", first)


_DECLINED_ACCEPT_RE = rules.CONTEXT["declined_accept"]


def _accepted_content_offer(i: int, ctx: CallContext) -> Candidate | None:
    """A prospect saying yes to the rep's offer of content is a request for that content."""
    sr = ctx.roles[i]
    if side_of(sr.role) == "rep" or reply_kind(ctx.lows[i]) != "accept":
        return None
    if _DECLINED_ACCEPT_RE.search(ctx.lows[i]):
        return None
    previous = ctx.previous_other(i, back=1)
    if not previous or not rules.CONTENT_OFFER_RE.search(previous[0]):
        return None
    if i == 0 or side_of(ctx.roles[i - 1].role) == "prospect":
        return None
    return _reply_intent(i, ctx, "request:send_content", "content_offer_accepted", "state")


def reply_candidates(
    i: int, ctx: CallContext, seen: dict[tuple[int, str], list[Candidate]]
) -> list[Candidate | None]:
    """Every reply reading of utterance i (None where one does not apply), in a fixed order;
    `seen` holds the candidates found so far, by utterance and label."""
    return [
        *_confirmed_signals(i, ctx),
        _named_tools(i, ctx),
        _pronoun_commitment(i, ctx, seen),
        _named_decider(i, ctx),
        _accepted_rep_request(i, ctx),
        _content_named_on_request(i, ctx),
        _accepted_content_offer(i, ctx),
    ]
