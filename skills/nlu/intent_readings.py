"""How one frame match reads in its sentence: `MatchView` (what the readings look at), the
named readings a mode may use (`READINGS`, checked against `intent_modes.yaml` on import),
the frame's own constraints (`_fits`), and `read_match`/`match_features`, which apply a mode's
vetoes and holds and list the readings the learned scorer weighs."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skills.nlu import intent_patterns as rules
from skills.nlu.intent_clauses import (
    classify_reply,
    in_open_condition,
    later_statement,
    negation_applies,
    trailing_condition,
)
from skills.nlu.intent_context import CallContext
from skills.nlu.intent_modes import check_readings, load_modes, load_sources
from skills.nlu.intent_vendors import unknown_vendor, vendor_capitalised
from skills.text_features import (
    Sentence,
    clause_start,
    hedged,
    in_condition,
    leading_condition,
    negated_before,
    negated_within,
    reported,
    sentence_at,
)

COMMIT_MODES = ("commit", "offer", "ask")
# Context regexes, read by name: their meaning and examples are in
# skills/nlu/patterns/intent_context.yaml.
_JOINT_PROPOSAL = rules.CONTEXT["joint_proposal"]
_REPLY_DEFERRED = rules.CONTEXT["reply_deferred"]
_POLITE_IF = rules.CONTEXT["polite_if"]
_DENIED_BEFORE = rules.CONTEXT["denied_before"]
_OWN_PROMISE_BEFORE = rules.CONTEXT["own_promise_before"]
_OFFER_CONTEXT = rules.CONTEXT["offer_context"]
_PRIVATE_LIFE = rules.CONTEXT["private_life"]


@dataclass
class MatchView:
    """One frame match in its utterance: what the readings look at."""

    frame: rules.Frame
    m: re.Match[str]
    i: int
    ctx: CallContext
    sents: Sequence[Sentence]
    sent: Sentence
    mode: str
    held: bool = False  # a `holds` reading applies: context only, never shown

    @property
    def low(self) -> str:
        return self.ctx.lows[self.i]

    @property
    def reply(self) -> str:
        return classify_reply(self.ctx.reply(self.i) or "")


def _open_condition(v: MatchView) -> bool:
    if v.mode in COMMIT_MODES:
        return in_open_condition(v.low, v.sent, v.m.start(), main_closes=False)
    return in_open_condition(
        v.low, v.sent, v.m.start(), main_closes=v.mode == "timeline"
    ) and not _POLITE_IF.search(v.low, v.sent.start, v.sent.end)


_MODAL = re.compile(r"\b(?:might|may|could|maybe|perhaps)\b")
_WE_DECIDE = re.compile(r"[,;]\s*(?:and\s+|so\s+|but\s+)?(?:we|i)\b")

# The readings a mode may name in `intent_modes.yaml` (see its header for their meaning).
READINGS: dict[str, Callable[[MatchView], bool]] = {
    "negated": lambda v: (
        negated_within(v.low, v.m.start(), v.m.end())
        or negated_before(v.low, v.sent, v.m.start(), 25)
    ),
    "open_condition": _open_condition,
    "reported": lambda v: reported(v.low, v.sent, v.m.start()),
    "reply_declined": lambda v: v.reply == "decline",
    "reply_accepted": lambda v: v.reply == "accept",
    "no_reply": lambda v: v.ctx.reply(v.i) is None,
    "reply_deferred": lambda v: bool(_REPLY_DEFERRED.search(v.ctx.reply(v.i) or "")),
    "can_promise": lambda v: bool(re.match(r"(?:i|we) can\b", v.m.group(0))),
    "tentative": lambda v: bool(re.search(r"\b(?:could|might)\b", v.m.group(0))),
    "joint": lambda v: bool(_JOINT_PROPOSAL.search(v.low, v.sent.start, v.m.end())),
    "hedged": lambda v: hedged(v.low, v.sent),
    "leading_condition": lambda v: leading_condition(v.low, v.sent),
    "leading_modal": lambda v: leading_condition(v.low, v.sent) and bool(_MODAL.search(v.sent.low)),
    "trailing_condition": lambda v: trailing_condition(v.low, v.sent, v.m),
    "unanswered_can": lambda v: READINGS["can_promise"](v) and not READINGS["reply_accepted"](v),
    "unanswered_tentative": lambda v: (
        READINGS["tentative"](v) and not READINGS["reply_accepted"](v)
    ),
    "unanswered_permission": lambda v: (
        not READINGS["joint"](v) and not READINGS["reply_accepted"](v)
    ),
    "question": lambda v: v.sent.is_question,
    "question_not_request": lambda v: (
        v.sent.is_question and not v.frame.label.startswith("request:")
    ),
    "negation_applies": lambda v: negation_applies(v.low, v.sent, v.m.start()),
    "denied_before": lambda v: bool(_DENIED_BEFORE.search(v.low, v.sent.start, v.m.start())),
    "historic": lambda v: bool(rules.HISTORIC_RE.search(v.low, v.sent.start, v.sent.end)),
    "past_approval": lambda v: bool(
        rules.PAST_APPROVAL_RE.search(v.low[v.sent.start : v.sent.end])
        and not rules.FUTURE_NEED_RE.search(v.low[v.sent.start : v.sent.end])
    ),
    "pending": lambda v: bool(
        rules.PENDING_RE.search(v.low, clause_start(v.low, v.sent, v.m.start()), v.m.start())
    ),
    "ready_dated": lambda v: bool(rules.TIME_RE.search(v.low, v.m.end(), v.sent.end)),
    "own_promise_before": lambda v: bool(
        _OWN_PROMISE_BEFORE.search(v.low[clause_start(v.low, v.sent, v.m.start()) : v.m.start()])
    ),
    "we_decide": lambda v: bool(_WE_DECIDE.search(v.m.group(0))),
    "past_use": lambda v: bool(rules.PAST_USE_RE.search(v.low, v.sent.start, v.sent.end)),
    "private_life": lambda v: (
        v.frame.label.startswith("signal:")
        and bool(_PRIVATE_LIFE.search(v.low, v.sent.start, v.sent.end))
    ),
    "no_time": lambda v: not rules.TIME_RE.search(v.low, v.sent.start, v.sent.end),
    "names_vendor": lambda v: vendor_capitalised(
        v.ctx.cleaned[v.i].text, v.low, v.sent.start, v.sent.end
    ),
    "in_condition": lambda v: in_condition(v.low, v.sent, v.sent.end),
}


def _fits(frame: rules.Frame, v: MatchView) -> bool:
    """The frame's own constraints beyond its pattern (which words may fill it)."""
    low, m, i, ctx = v.low, v.m, v.i, v.ctx
    if v.mode == "reply_content":
        # "that" points at content the rep offered, or that the speaker just named
        # ("You mentioned a case study? Can you send that?")
        own = rules.CONTENT_RE.search(low, 0, m.start())
        return bool(
            own and not negated_before(low, sentence_at(v.sents, own.start()), own.start())
        ) or any(
            rules.CONTENT_RE.search(p) and _OFFER_CONTEXT.search(p) for p in ctx.previous_other(i)
        )
    if v.mode == "stake_it":
        # Lower case hides it: only the department "IT", never the pronoun "it".
        text = ctx.cleaned[i].text
        return any(
            text[m.start() + k.start() : m.start() + k.end()] == "IT"
            for k in re.finditer(r"\bit\b", m.group(0))
        )
    if v.mode == "stake_pronoun":
        earlier = [*ctx.lows[max(0, i - 3) : i], low[: m.start()]]
        return any(rules.STAKEHOLDER_RE.search(t) for t in earlier)
    if v.mode == "competitor":
        generic = re.search(rules.GENERIC_ALT, low[m.start() : m.end()])
        return bool(generic) or vendor_capitalised(ctx.cleaned[i].text, low, m.start(), m.end())
    if v.mode == "competitor_named":
        return unknown_vendor(m, i, ctx, v.sent)
    return True


def read_match(
    frame: rules.Frame, m: re.Match[str], i: int, ctx: CallContext, sents: Sequence[Sentence]
) -> MatchView | None:
    """How one frame match reads in its sentence, or None when its mode's vetoes rule it out;
    `held` is set when one of the mode's holds applies (`intent_modes.yaml`)."""
    low = ctx.lows[i]
    sent = sentence_at(sents, m.start())
    mode = frame.mode
    if mode in ("commit", "offer") and sent.is_question:
        mode = "ask"
    if mode not in COMMIT_MODES and sent.is_question and later_statement(low, sent, m.start()):
        sent = Sentence(m.start(), sent.end, low[m.start() : sent.end])
    view = MatchView(frame, m, i, ctx, sents, sent, mode)
    reading = MODES[mode]
    if any(READINGS[name](view) for name in reading.vetoes):
        return None
    if not _fits(frame, view):
        return None
    view.held = any(READINGS[name](view) for name in reading.holds)
    return view


MODES = load_modes()
SOURCES = load_sources()
check_readings(MODES, {*READINGS, "deadline"})  # deadline: found by skills.deadlines


def match_features(view: MatchView) -> list[str]:
    """The scorer's inputs for one surviving match: its mode and the readings that hold (the
    frame enters through its prior, `Candidate.values`)."""
    out = [f"mode:{view.mode}"]
    out.extend(
        name for name in MODES[view.mode].features if name != "deadline" and READINGS[name](view)
    )
    return out
