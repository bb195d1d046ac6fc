"""Offline intent detection over a meeting transcript (the nine labels of DESIGN.md 7).

`detect_intents(transcript)` reads each utterance sentence by sentence, matches the
semantic frames of `skills.nlu.intent_patterns`, and weighs each match by its modality
(first-person future vs offer vs question vs past vs condition vs negation vs hedge), by
the other party's reply to offers and questions (accepted, declined, no answer), and by
how sure we are who spoke. The confidence is that product, so a detection under 0.7
(not shown) is one whose evidence is weak, not a different rule. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from skills.deadlines import find_deadline
from skills.nlu import intent_patterns as rules
from skills.nlu.intent_modes import check_readings, load_modes, load_sources
from skills.nlu.scorer import IntentModels, intent_models
from skills.speakers import Person, attribute_speakers
from skills.text_features import (
    CleanText,
    Sentence,
    clause_start,
    clean,
    hedged,
    in_condition,
    leading_condition,
    negated_before,
    negated_within,
    reply_kind,
    reported,
    sentence_at,
    sentences,
)
from skills.transcript_types import Transcript

MIN_CONFIDENCE = 0.7
Speaker = Literal["rep", "prospect"]
COMMIT_MODES = ("commit", "offer", "ask")
# Vendors whose names are also common words: only a capitalised mention counts.
_COMMON_WORD_VENDORS = {
    "attention",
    "momentum",
    "outreach",
    "grain",
    "otter",
    "copilot",
    "gemini",
    "einstein",
    "apollo",
    "chorus",
    "fathom",
    "wingman",
    "lavender",
    "troops",
    "seismic",
    "clari",
}
# Context regexes, read by name: their meaning and examples are in
# skills/nlu/patterns/intent_context.yaml.
_JOINT_PROPOSAL = rules.CONTEXT["joint_proposal"]
_REPLY_DEFERRED = rules.CONTEXT["reply_deferred"]
_TRAILING_CONDITION = rules.CONTEXT["trailing_condition"]
_POLITE_TRAILING = rules.CONTEXT["polite_trailing"]
_REPORT_BEFORE_IF = rules.CONTEXT["report_before_if"]
_EVENT_IF = rules.CONTEXT["event_if"]
_POLITE_IF = rules.CONTEXT["polite_if"]
_DENIED_BEFORE = rules.CONTEXT["denied_before"]
_OWN_PROMISE_BEFORE = rules.CONTEXT["own_promise_before"]
_OFFER_CONTEXT = rules.CONTEXT["offer_context"]


@dataclass(frozen=True)
class Intent:
    label: str
    utterance: int
    speaker: Speaker
    phrase: str
    confidence: float
    event: str | None = None
    deadline: date | None = None
    speaker_label: str = field(default="", compare=False)
    # How it was read: "commit", "offer", "ask" (a question the reply accepted), "state", ...
    kind: str = field(default="state", compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "utterance": self.utterance,
            "speaker": self.speaker,
            "phrase": self.phrase,
            "confidence": round(self.confidence, 3),
        }
        if self.event:
            out["event"] = self.event
        if self.deadline:
            out["deadline"] = self.deadline.isoformat()
        return out


@dataclass(frozen=True)
class SpeakerRole:
    """Who spoke an utterance, as far as we know: the side and how sure we are."""

    role: Literal["rep", "prospect", "internal"] | None
    certainty: float


def _domain(email: str | None) -> str | None:
    if email and "@" in email:
        return email.rsplit("@", 1)[1].lower()
    return None


def known_people(transcript: Transcript) -> list[Person]:
    """The rep, the rep's colleagues (same email domain) and the prospects on the call."""
    rep = Person(transcript.rep.name, transcript.rep.email, "rep")
    rep_domain = _domain(transcript.rep.email)
    # A shared domain only marks colleagues when someone on the call has another domain
    # (otherwise everyone is on one domain and it tells us nothing).
    domains = {_domain(a.email) for a in transcript.attendees if a.email}
    if not domains - {rep_domain}:
        rep_domain = None
    people = [rep]
    for a in transcript.attendees:
        if a.email and transcript.rep.email and a.email.lower() == transcript.rep.email.lower():
            continue
        if a.name and transcript.rep.name and a.name == transcript.rep.name and not a.email:
            continue
        internal = rep_domain is not None and _domain(a.email) == rep_domain
        people.append(Person(a.name, a.email, "internal" if internal else "prospect"))
    return people


def speaker_roles(transcript: Transcript) -> list[SpeakerRole]:
    """Per utterance: the explicit role if given, else attribution by name and email."""
    labels = [u.speaker for u in transcript.utterances]
    attribution = attribute_speakers(list(dict.fromkeys(labels)), known_people(transcript))
    roles: list[SpeakerRole] = []
    for u in transcript.utterances:
        if u.role is not None:
            roles.append(SpeakerRole(u.role, 1.0))
            continue
        a = attribution[u.speaker]
        roles.append(SpeakerRole(a.role, a.confidence if a.role else 0.0))
    return roles


def _side(role: str | None) -> Speaker | None:
    if role in ("rep", "internal"):
        return "rep"
    if role == "prospect":
        return "prospect"
    return None


@dataclass
class _Context:
    transcript: Transcript
    roles: list[SpeakerRole]
    cleaned: list[CleanText]
    lows: list[str]
    # word -> the utterances whose lower-case text has it (built on first use), and the
    # answers of `_named_as_person` so far: one look per name, not per mention
    _word_index: dict[str, list[int]] | None = field(default=None, repr=False)
    _person_names: dict[str, bool] = field(default_factory=dict, repr=False)
    _people_words: set[str] | None = field(default=None, repr=False)

    def people_words(self) -> set[str]:
        """The words of the names of everyone on the call, lower case (computed once)."""
        if self._people_words is None:
            self._people_words = {
                w.lower() for p in known_people(self.transcript) if p.name for w in p.name.split()
            }
        return self._people_words

    def with_word(self, word: str) -> list[int]:
        """The utterances in which `word` is a whole word (\\w+ token) of the lower-case text."""
        if self._word_index is None:
            index: dict[str, list[int]] = {}
            for j, low in enumerate(self.lows):
                for w in set(_WORD.findall(low)):
                    index.setdefault(w, []).append(j)
            self._word_index = index
        return self._word_index.get(word, [])

    def reply(self, i: int) -> str | None:
        """The other party's next words after utterance i (skipping the speaker's own)."""
        me = self.transcript.utterances[i].speaker
        my_side = _side(self.roles[i].role)
        for j in range(i + 1, min(i + 4, len(self.lows))):
            other = self.transcript.utterances[j].speaker
            side = _side(self.roles[j].role)
            if other != me and (my_side is None or side is None or side != my_side):
                return self.lows[j]
        return None

    def previous_other(self, i: int, back: int = 2) -> list[str]:
        me = self.transcript.utterances[i].speaker
        out = []
        for j in range(i - 1, max(-1, i - 1 - back), -1):
            if self.transcript.utterances[j].speaker != me:
                out.append(self.lows[j])
        return out


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n\"'(":
        start += 1
    while end > start and text[end - 1] in " \t\n.,;:!?\"')":
        end -= 1
    return start, end


def _phrase(ct: CleanText, sent: Sentence, m: re.Match[str], extra_end: int | None) -> str:
    """The exact span of the raw utterance text for this sentence (or match, if long)."""
    start, end = sent.start, sent.end
    if end - start > 160:
        start, end = m.start(), max(m.end(), extra_end or 0)
    start, end = _trim_span(ct.text, start, end)
    raw_start, raw_end = ct.raw_span(start, end)
    return ct.raw[raw_start:raw_end]


_NAME_ENDS = rules.CONTEXT["name_ends"]


def _vendor_capitalised(text: str, low: str, start: int, end: int) -> bool:
    all_lower = not any(c.isupper() for c in text)
    for vm in re.finditer(rules.VENDOR_RE, low[start:end]):
        word = vm.group(0)
        if word in _COMMON_WORD_VENDORS and not text[start + vm.start()].isupper():
            if not (all_lower and _NAME_ENDS.match(low, start + vm.end())):
                continue
        return True
    return False


# Capitalised words after "looking at" that are not products.
_NOT_VENDOR_NAMES = frozenset(
    "i it it's hr dr dr. mr mr. mrs mrs. ms ms. prof prof. monday tuesday wednesday thursday friday "
    "saturday sunday january february march april may june july august september october november "
    "december q1 q2 q3 q4 christmas easter diwali ramadan thanksgiving the a an our your my their "
    "this that these those next last options pricing legal finance procurement security it's "
    "sixty you".split()
)
_PERSON_AFTER = rules.CONTEXT["person_after"]
_WEAK_COMPETITION_CUE = rules.CONTEXT["weak_competition_cue"]


# Words that are never a product's name, even in lower-case ASR text.
_FUNCTION_WORDS = frozenset(
    "them him her us me you someone somebody anyone anybody another other others one two three "
    "with in on at for to of and or but so some any all each every this these those that what "
    "which who how when where why here there now then also too just like kind sort ways way "
    "hiring options pricing price costs budget internal other ourselves everything something "
    "things stuff it its their our your my a an the".split()
)
# After a lower-case name: a word that refers to another company ("their thing", "they do").
# Nouns that follow "got ... on a pilot / on the side" without being a product.
_NOT_PRODUCTS = frozenset(
    "new old current existing legacy people staff folks kids team teams guys users reps customers clients stores sites branches "
    "offices office site store project projects budget work job jobs money".split()
)
# A known product, possibly with an ASR plural/possessive ("servicetitans crm").
_VENDOR_PREFIX = re.compile(rules.VENDOR_RE.removesuffix(r"\b"))
_RUN_AGAINST = rules.CONTEXT["run_against"]
_ASR_VENDOR_CUE = rules.CONTEXT["asr_vendor_cue"]


_PERSON_CUE = rules.FRAGMENTS["PERSON_CUE"]


_WORD = re.compile(r"\w+")
_CUE_TITLE = rules.FRAGMENTS["CUE_TITLE"]
_TITLE_BEFORE = rules.CONTEXT["title_before"]  # "our CFO, |Dave"
_ROLE_AFTER = rules.CONTEXT["role_after"]  # "Dave|, our CFO"
_VERB_AFTER = rules.CONTEXT["verb_after"]  # "Dave| said"
_ERRAND_BEFORE = rules.CONTEXT["errand_before"]  # "ask |Dave, he"
_PRONOUN_AFTER = rules.CONTEXT["pronoun_after"]
_BOUNDARY = re.compile(r"\b")


def _title_reach(low: str, at: int) -> int:
    """Where a `_TITLE_BEFORE` match ending at `at` could start at the earliest: the title is a
    word of at most nine letters, or "head of" and a word, then a comma and spaces."""
    k = at
    while k > 0 and low[k - 1].isspace():
        k -= 1
    if k > 0 and low[k - 1] == ",":
        k -= 1
    w = k
    while w > 0 and (low[w - 1].isalnum() or low[w - 1] == "_"):
        w -= 1
    return max(0, min(w - len("head of "), k - 12))


def _cue_around(low: str, at: int, end: int) -> bool:
    """A person cue (`_PERSON_CUE`) holds with the name at low[at:end] (the text before the
    name is searched only as far back as a cue can reach, so each look is short)."""
    if _BOUNDARY.match(low, end) and _TITLE_BEFORE.search(low, _title_reach(low, at), at):
        return True
    if _BOUNDARY.match(low, at) and (_ROLE_AFTER.match(low, end) or _VERB_AFTER.match(low, end)):
        return True
    return bool(_PRONOUN_AFTER.match(low, end) and _ERRAND_BEFORE.search(low, max(0, at - 9), at))


def _named_as_person(ctx: _Context, name: str) -> bool:
    """The name is someone's elsewhere in the call ('our CFO, Dave', 'Dave said').

    Each name is looked up once per call, and only in the utterances that hold its first word
    (every cue puts the name at the start of a word and ends it before a non-word character),
    which keeps a long call linear in its utterances: a pattern compiled per name and run over
    every utterance made it quadratic."""
    bare = name.lower().removesuffix("'s")
    known = ctx._person_names.get(bare)
    if known is not None:
        return known
    head = _WORD.match(bare)
    found = False
    for j in ctx.with_word(head.group(0)) if head else range(len(ctx.lows)):
        low = ctx.lows[j]
        at = low.find(bare) if bare else -1
        while at >= 0 and not found:
            found = _cue_around(low, at, at + len(bare))
            at = low.find(bare, at + 1)
        if found:
            break
    if not bare:  # (no name left: the cue's own words decide, as the pattern would)
        found = any(re.search(_PERSON_CUE.replace("{n}", ""), low) for low in ctx.lows)
    ctx._person_names[bare] = found
    return found


def _unknown_vendor(m: re.Match[str], i: int, ctx: _Context, sent: Sentence) -> bool:
    """'we're also talking to Lattice': a capitalised name that is not a person on the call,
    a date or a department, after a verb of weighing vendors, with a cue of competition."""
    text = ctx.cleaned[i].text
    low = ctx.lows[i]
    start, end = m.span("name")
    name = text[start:end]
    bare = name.lower().removesuffix("'s")
    # ASR text has no capitals at all: a lower-case name counts when it is no common word and a
    # third party is referred to ("a quote from veeva too", "looking at acme their thing is...").
    lower_case_text = not any(c.isupper() for c in text)
    asr_name = (
        lower_case_text
        and bare not in _FUNCTION_WORDS
        and bare not in _NOT_PRODUCTS
        and bool(
            _ASR_VENDOR_CUE.search(low, end, min(sent.end, end + 45))
            or _RUN_AGAINST.search(m.group(0))
            or _VENDOR_PREFIX.match(bare)
        )
    )
    if (
        # "Salesforce", "iManage": a capital anywhere in the name
        not (any(c.isupper() for c in name) or asr_name)
        or bare in _NOT_VENDOR_NAMES
        or rules.STAKEHOLDER_RE.fullmatch(bare)
    ):
        return False
    people = ctx.people_words()
    camel = any(c.isupper() for c in name[1:])  # "iManage Insight" is no first name and surname
    if (
        bare in people
        or (not camel and _PERSON_AFTER.match(text, end))
        or _named_as_person(ctx, name)
    ):
        return False
    if rules.PAST_USE_RE.search(low, sent.start, sent.end):
        return False
    if rules.STRONG_EVALUATE_RE.search(m.group(0)) or _VENDOR_PREFIX.match(bare):
        return True
    if any(rules.COMPETITOR_QUESTION_RE.search(p) for p in ctx.previous_other(i)):
        return True  # the rep just asked who else is in the running
    return bool(_WEAK_COMPETITION_CUE.search(low, sent.start, sent.end))


_COND_WORD = rules.CONTEXT["cond_word"]
_MAIN_CLAUSE = rules.CONTEXT["main_clause"]
_SEQUENCE = rules.CONTEXT["sequence"]


def _in_open_condition(low: str, sent: Sentence, offset: int, *, main_closes: bool) -> bool:
    """in_condition, except that a sequence ('once the form lands') is no condition and, when
    `main_closes`, a condition ends where a new main clause begins."""
    if not in_condition(low, sent, offset):
        return False
    for m in _COND_WORD.finditer(low, sent.start, offset):
        between = low[m.end() : offset]
        if "," in between or " then " in between:
            continue
        if _SEQUENCE.match(low, m.start()):
            continue
        if main_closes:
            # the condition's own subject comes first: "if it's approved" keeps the condition
            first = re.match(r"\s*\S+", between)
            skip = m.end() + (first.end() if first else 0)
            main = _MAIN_CLAUSE.search(low, skip, min(sent.end, offset + 20))
            if main and main.start() < offset:
                continue  # the match itself may open the main clause ("... its gotta be")
        return True
    return False


_NEW_SUBJECT = rules.CONTEXT["new_subject"]


def _later_statement(low: str, sent: Sentence, offset: int) -> bool:
    """ASR run-on: 'can you send the deck our ceo has to approve it': the question is only
    its opening (no '?'); a clause starting later with its own subject is a statement."""
    if "?" in sent.low or offset - sent.start < 25:
        return False
    return bool(_NEW_SUBJECT.match(low, offset)) and low[offset - 1] == " "


_CLAUSE_SUBJECT = rules.CONTEXT["clause_subject"]


def _negation_applies(low: str, sent: Sentence, offset: int) -> bool:
    if not negated_before(low, sent, offset):
        return False
    last = None
    for found in _CLAUSE_SUBJECT.finditer(low, max(sent.start, offset - 40), offset + 6):
        if found.start() < offset:
            last = found
    if last is None:
        return True
    return negated_before(
        low, Sentence(last.start(), sent.end, low[last.start() : sent.end]), offset
    )


_SLOT_TAKEN = rules.CONTEXT["slot_taken"]


def _reply_kind(reply: str) -> str:
    kind = reply_kind(reply)
    if (
        kind == "unclear"
        and _SLOT_TAKEN.search(reply)
        and not negated_within(reply, 0, min(len(reply), 40))
    ):
        return "accept"
    return kind


_PRIVATE_LIFE = rules.CONTEXT["private_life"]


@dataclass
class _MatchView:
    """One frame match in its utterance: what the readings look at."""

    frame: rules.Frame
    m: re.Match[str]
    i: int
    ctx: _Context
    sents: Sequence[Sentence]
    sent: Sentence
    mode: str
    held: bool = False  # a `holds` reading applies: context only, never shown

    @property
    def low(self) -> str:
        return self.ctx.lows[self.i]

    @property
    def reply(self) -> str:
        return _reply_kind(self.ctx.reply(self.i) or "")


def _trailing_condition(v: _MatchView) -> bool:
    low, sent, m = v.low, v.sent, v.m
    trailing = _TRAILING_CONDITION.search(low, m.end(), sent.end)
    return bool(
        trailing
        and not _POLITE_TRAILING.match(low, trailing.start())
        and not (
            _REPORT_BEFORE_IF.search(low, sent.start, trailing.start())
            and not _EVENT_IF.match(low, trailing.end())
        )
    )


def _open_condition(v: _MatchView) -> bool:
    if v.mode in COMMIT_MODES:
        return _in_open_condition(v.low, v.sent, v.m.start(), main_closes=False)
    return _in_open_condition(
        v.low, v.sent, v.m.start(), main_closes=v.mode == "timeline"
    ) and not _POLITE_IF.search(v.low, v.sent.start, v.sent.end)


_MODAL = re.compile(r"\b(?:might|may|could|maybe|perhaps)\b")
_WE_DECIDE = re.compile(r"[,;]\s*(?:and\s+|so\s+|but\s+)?(?:we|i)\b")

# The readings a mode may name in `intent_modes.yaml` (see its header for their meaning).
READINGS: dict[str, Callable[[_MatchView], bool]] = {
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
    "trailing_condition": _trailing_condition,
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
    "negation_applies": lambda v: _negation_applies(v.low, v.sent, v.m.start()),
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
    "names_vendor": lambda v: _vendor_capitalised(
        v.ctx.cleaned[v.i].text, v.low, v.sent.start, v.sent.end
    ),
    "in_condition": lambda v: in_condition(v.low, v.sent, v.sent.end),
}


def _fits(frame: rules.Frame, v: _MatchView) -> bool:
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
        return bool(generic) or _vendor_capitalised(ctx.cleaned[i].text, low, m.start(), m.end())
    if v.mode == "competitor_named":
        return _unknown_vendor(m, i, ctx, v.sent)
    return True


def _read(
    frame: rules.Frame, m: re.Match[str], i: int, ctx: _Context, sents: Sequence[Sentence]
) -> _MatchView | None:
    """How one frame match reads in its sentence, or None when its mode's vetoes rule it out.

    The view's `features` are the readings the scorer weighs (`intent_modes.yaml`)."""
    low = ctx.lows[i]
    sent = sentence_at(sents, m.start())
    mode = frame.mode
    if mode in ("commit", "offer") and sent.is_question:
        mode = "ask"
    if mode not in COMMIT_MODES and sent.is_question and _later_statement(low, sent, m.start()):
        sent = Sentence(m.start(), sent.end, low[m.start() : sent.end])
    view = _MatchView(frame, m, i, ctx, sents, sent, mode)
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


def _features(view: _MatchView) -> list[str]:
    """The scorer's inputs for one surviving match: its frame, mode, and the readings that hold."""
    out = [f"mode:{view.mode}"]
    out.extend(
        name for name in MODES[view.mode].features if name != "deadline" and READINGS[name](view)
    )
    return out


# How far past a promise its date is looked for when its own sentence has none ("I'll send it
# over. By Friday, promise."): a few sentences, so a long monologue is not read once per promise.
DEADLINE_LOOKAHEAD = 600
_WORD_END = re.compile(r"\S*")


def _ahead(text: str, start: int) -> str:
    """The text after `start`, up to DEADLINE_LOOKAHEAD characters, ending on a whole word."""
    end = start + DEADLINE_LOOKAHEAD
    if end >= len(text):
        return text[start:]
    word_end = _WORD_END.match(text, end)
    return text[start : word_end.end() if word_end else end]


# The frames each side may say, in `rules.FRAMES` order (None: the speaker's side is unknown).
_FRAMES_FOR: dict[Speaker | None, tuple[rules.Frame, ...]] = {
    side: tuple(f for f in rules.FRAMES if f.side == "any" or side is None or f.side == side)
    for side in ("rep", "prospect", None)
}


@dataclass(frozen=True)
class Candidate:
    """One reading of one utterance as one label, before it is scored."""

    intent: Intent  # confidence 0 until scored
    features: tuple[str, ...]
    prior: float  # the reviewer's prior for its frame or reply reading (patterns data)
    held: bool = False  # a reading too weak to show on its own: context for later turns only

    def values(self) -> dict[str, float]:
        """What the scorer weighs: each feature present, and the prior as log-odds."""
        out = dict.fromkeys(self.features, 1.0)
        out["prior"] = math.log(self.prior / (1 - self.prior))
        return out


def _speaker_features(sr: SpeakerRole) -> tuple[str, ...]:
    if sr.role is None:
        return ("speaker:unknown",)
    return ("speaker:unsure",) if sr.certainty < 0.8 else ()


def candidates(transcript: Transcript, *, use_gates: bool = True) -> list[Candidate]:
    """Every frame match that survives its mode's vetoes, and every reply reading, with the
    features the scorer weighs (what `make train-nlu` learns from).

    `use_gates=False` runs every frame on every utterance (the gates are only a speed-up;
    a test checks both give the same answer)."""
    cleaned = [clean(u.text) for u in transcript.utterances]
    ctx = _Context(
        transcript=transcript,
        roles=speaker_roles(transcript),
        cleaned=cleaned,
        lows=[c.low for c in cleaned],
    )
    lows = ctx.lows
    out: list[Candidate] = []
    seen: dict[tuple[int, str], list[Candidate]] = {}

    def add(c: Candidate) -> None:
        out.append(c)
        seen.setdefault((c.intent.utterance, c.intent.label), []).append(c)

    for i, u in enumerate(transcript.utterances):
        low = lows[i]
        ct = ctx.cleaned[i]
        sents = sentences(low)
        if not sents:
            continue
        sr = ctx.roles[i]
        side = _side(sr.role)
        speaker_feats = _speaker_features(sr)
        gate_open: dict[str, bool] = {}  # a label's gate is searched once, when first needed
        for frame in _FRAMES_FOR[side]:
            if use_gates:
                is_open = gate_open.get(frame.label)
                if is_open is None:
                    gate = rules.LABEL_GATES.get(frame.label)
                    is_open = gate_open[frame.label] = gate is None or bool(gate.search(low))
                if not is_open:
                    continue
            for m in frame.pattern.finditer(low):
                view = _read(frame, m, i, ctx, sents)
                if view is None:
                    continue
                sent = view.sent
                features = _features(view)
                deadline = None
                extra_end = None
                if frame.mode in COMMIT_MODES or frame.label in (
                    "signal:timeline",
                    "commitment:prospect_followup",
                ):
                    found = find_deadline(ct.text[sent.start : sent.end], transcript.started_at)
                    if found is None and frame.mode in COMMIT_MODES:
                        found = find_deadline(_ahead(ct.text, m.end()), transcript.started_at)
                        offset = m.end()
                    else:
                        offset = sent.start
                    if found is not None:
                        deadline = found.day
                        extra_end = offset + found.end
                        features.append("deadline")
                speaker: Speaker = side or ("rep" if frame.side in ("rep", "any") else "prospect")
                intent = Intent(
                    label=frame.label,
                    utterance=i,
                    speaker=speaker,
                    phrase=_phrase(ct, sent, m, extra_end),
                    confidence=0.0,
                    event=rules.EVENTS.get(frame.label),
                    deadline=deadline,
                    speaker_label=u.speaker,
                    kind="ask" if view.mode == "ask" or sent.is_question else frame.mode,
                )
                add(Candidate(intent, (*features, *speaker_feats), frame.prior, view.held))
        extras = [
            *_confirmed_signals(i, ctx),
            _named_tools(i, ctx),
            _pronoun_commitment(i, ctx, seen),
            _named_decider(i, ctx),
            _accepted_rep_request(i, ctx),
            _content_named_on_request(i, ctx),
            _accepted_content_offer(i, ctx),
        ]
        for extra in extras:
            if extra is not None and (i, extra.intent.label) not in seen:
                add(extra)
    return out


def score(candidate: Candidate, models: IntentModels | None = None) -> Intent:
    """The candidate with its confidence: the learned probability that it is right."""
    p = (models or intent_models()).probability_of(candidate.intent.label, candidate.values())
    return replace(candidate.intent, confidence=round(min(p, 0.99), 3))


def detect_candidates(
    transcript: Transcript, *, use_gates: bool = True, models: IntentModels | None = None
) -> list[Intent]:
    """Every detection with its confidence, before the 0.7 cut (for calibration): the most
    probable reading per utterance and label."""
    best: dict[tuple[int, str], Intent] = {}
    for c in candidates(transcript, use_gates=use_gates):
        if c.held:
            continue
        intent = score(c, models)
        key = (intent.utterance, intent.label)
        if key not in best or best[key].confidence < intent.confidence:
            best[key] = intent
    return sorted(best.values(), key=lambda it: (it.utterance, rules.LABELS.index(it.label)))


_SIGNAL_FRAMES = tuple(
    f
    for f in rules.FRAMES
    if f.label.startswith("signal:")
    and f.mode not in ("stake_pronoun", "stake_it", "competitor_named")
)


def _confirmed_signals(i: int, ctx: _Context) -> list[Candidate]:
    """The rep asks ("Does your CFO need to sign off?"), the prospect confirms ("Yes, she
    does"): the signal is the prospect's, on the reply. A timeline question is answered by a
    date ("When do you need to be live?" - "End of March")."""
    sr = ctx.roles[i]
    if i == 0 or _side(sr.role) == "rep" or _side(ctx.roles[i - 1].role) != "rep":
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
    named_vendor = _vendor_capitalised(ct.text, ct.low, first.start, first.end)
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
            start, end = _trim_span(ct.text, first.start, first.end)
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
            features = ("source:question_confirmed", *_speaker_features(sr))
            out.append(Candidate(intent, features, SOURCES["question_confirmed"]))
    return out


def _reply_intent(
    i: int, ctx: _Context, label: str, source: str, kind: str, sent: Sentence | None = None
) -> Candidate | None:
    """A candidate whose phrase is one sentence (by default the first) of utterance i, read by
    the reply reading `source` (the scorer's feature `source:<name>`)."""
    ct = ctx.cleaned[i]
    sents = sentences(ct.low)
    if not sents:
        return None
    first = sent or sents[0]
    start, end = _trim_span(ct.text, first.start, first.end)
    raw_start, raw_end = ct.raw_span(start, end)
    found = None
    if label.startswith("commitment:"):
        found = find_deadline(ct.text[first.start : first.end], ctx.transcript.started_at)
    side = _side(ctx.roles[i].role) or ("rep" if label in _REP_COMMITMENTS else "prospect")
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
    return Candidate(intent, (*features, *_speaker_features(ctx.roles[i])), SOURCES[source])


_REP_COMMITMENTS = ("commitment:send_proposal", "commitment:schedule_meeting")
_PROPOSAL_WORD = rules.CONTEXT["proposal_word"]


def _named_tools(i: int, ctx: _Context) -> Candidate | None:
    """'What are you using today?' - 'HubSpot for CRM and Apollo for prospecting.'
    'Anyone else you're looking at?' - 'Gong. Saw them Monday.'"""
    if i == 0 or _side(ctx.roles[i].role) == "rep" or _side(ctx.roles[i - 1].role) != "rep":
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
        if _vendor_capitalised(ct.text, ct.low, sent.start, sent.end):
            return _reply_intent(i, ctx, "signal:competitive", "tools_named", "state", sent)
    return None


_REVISED_VERSION = rules.CONTEXT["revised_version"]
_PRICE_TALK = rules.CONTEXT["price_talk"]


def _pronoun_commitment(
    i: int, ctx: _Context, seen: dict[tuple[int, str], list[Candidate]]
) -> Candidate | None:
    """'Should I put a proposal together?' - 'Yes.' - 'You'll have it by Monday.'"""
    if _side(ctx.roles[i].role) == "prospect" or not rules.PRONOUN_COMMIT_RE.search(ctx.lows[i]):
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
    if previous and _PROPOSAL_WORD.search(previous[0]) and _side(ctx.roles[i].role) == "rep":
        return _reply_intent(i, ctx, "commitment:send_proposal", "pricing_chased", "commit")
    # "The per-clinic fee, mostly." - "Let me rework it, I'll have a revised version to you by Wednesday."
    if _REVISED_VERSION.search(ctx.lows[i]) and any(
        _PRICE_TALK.search(p) for p in ctx.previous_other(i, back=3)
    ):
        return _reply_intent(i, ctx, "commitment:send_proposal", "revised_version", "commit")
    return None


def _named_decider(i: int, ctx: _Context) -> Candidate | None:
    """'Who makes the call?' - 'Our VP of Operations.'"""
    sr = ctx.roles[i]
    if i == 0 or _side(sr.role) == "rep" or _side(ctx.roles[i - 1].role) != "rep":
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


def _accepted_rep_request(i: int, ctx: _Context) -> Candidate | None:
    """'Could you send me the user list?' - 'Sure, will do by Friday.'"""
    sr = ctx.roles[i]
    if i == 0 or _side(sr.role) == "rep" or _side(ctx.roles[i - 1].role) == "prospect":
        return None
    if not rules.REP_REQUEST_RE.search(ctx.lows[i - 1]):
        return None
    ct = ctx.cleaned[i]
    if not rules.WILL_DO_RE.match(ct.low):
        return None
    return _reply_intent(i, ctx, "commitment:prospect_followup", "request_accepted", "state")


def _content_named_on_request(i: int, ctx: _Context) -> Candidate | None:
    """'Anything else you need from me?' - 'A copy of your insurance certificate.'"""
    sr = ctx.roles[i]
    if i == 0 or _side(sr.role) == "rep" or _side(ctx.roles[i - 1].role) == "prospect":
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


def _accepted_content_offer(i: int, ctx: _Context) -> Candidate | None:
    """A prospect saying yes to the rep's offer of content is a request for that content."""
    sr = ctx.roles[i]
    if _side(sr.role) == "rep" or reply_kind(ctx.lows[i]) != "accept":
        return None
    if _DECLINED_ACCEPT_RE.search(ctx.lows[i]):
        return None
    previous = ctx.previous_other(i, back=1)
    if not previous or not rules.CONTENT_OFFER_RE.search(previous[0]):
        return None
    if i == 0 or _side(ctx.roles[i - 1].role) == "prospect":
        return None
    return _reply_intent(i, ctx, "request:send_content", "content_offer_accepted", "state")


def _merge_adjacent_signals(intents: list[Intent]) -> list[Intent]:
    """One signal per moment: the same signal in consecutive utterances of one side."""
    kept: list[Intent] = []
    last: dict[tuple[str, str], int] = {}  # (label, speaker) -> its latest place in `kept`
    for it in intents:
        key = (it.label, it.speaker)
        at = last.get(key)
        if (
            it.label.startswith("signal:")
            and at is not None
            and it.utterance - kept[at].utterance == 1
        ):
            if it.confidence > kept[at].confidence:
                kept[at] = it
            continue
        last[key] = len(kept)
        kept.append(it)
    return kept


def _drop_pronoun_restatements(intents: list[Intent]) -> list[Intent]:
    """'It goes to the board.' ... 'They'll want to see payback.': a pronoun pointing back at a
    stakeholder already signalled a few turns earlier is the same signal, not a new one."""
    kept: list[Intent] = []
    for it in intents:
        if it.label == "signal:multi_stakeholder" and it.kind == "stake_pronoun":
            # `intents` come in utterance order: only the last few kept can be near enough
            near = []
            for k in reversed(kept):
                if it.utterance - k.utterance > 3:
                    break
                near.append(k)
            if any(
                k.label == it.label
                and k.speaker == it.speaker
                and 0 < it.utterance - k.utterance <= 3
                for k in near
            ):
                continue
        kept.append(it)
    return kept


_ERRAND_STOP = frozenset(
    "i'll ill will i'm going gonna let me we'll you your back with that this then them they just "
    "about also know get send over come circle loop follow touch base update keep posted yeah okay "
    "sure".split()
)


def _different_errands(a: Intent, b: Intent) -> bool:
    """Two promises share no content word and fall on different (or unknown) days."""
    if a.deadline and b.deadline and a.deadline == b.deadline:
        return False

    def words(phrase: str) -> set[str]:
        return {w for w in re.findall(r"[a-z']+", phrase.lower()) if len(w) > 3} - _ERRAND_STOP

    return not (words(a.phrase) & words(b.phrase))


def _merge_repeated_commitments(intents: list[Intent]) -> list[Intent]:
    """An accepted offer and the promise that confirms it two turns later are one commitment,
    with the promise's date: a meeting agreed on is kept where it was proposed; material to
    send is the rep's promise ('Want the pricing?' - 'Yes' - 'I'll get it over tomorrow'), kept
    on the promise. Two restatements keep the stronger (on a tie, the later, which usually
    carries the date)."""
    intents = list(intents)
    dropped: set[int] = set()
    for a_idx, a in enumerate(intents):
        if not a.label.startswith("commitment:") or a_idx in dropped:
            continue
        for b_idx in range(a_idx + 1, len(intents)):
            b = intents[b_idx]
            if b.utterance - a.utterance > 2:
                break
            if b.label != a.label or b.utterance == a.utterance:
                continue
            if b.speaker != a.speaker and a.kind != "ask":
                continue  # a counter-proposal to a question is the same meeting
            if a.kind != "ask" and b.kind != "ask" and _different_errands(a, b):
                continue  # two promises about different things are two commitments
            if a.kind == "ask" and b.kind != "ask":
                # the question was accepted and then promised: one commitment, placed where it
                # was proposed, carrying the promise's date and confidence
                keep, drop = (
                    (b_idx, a_idx) if a.label == "commitment:send_proposal" else (a_idx, b_idx)
                )
                intents[keep] = replace(
                    intents[keep],
                    deadline=b.deadline or a.deadline,
                    confidence=max(a.confidence, b.confidence),
                )
                dropped.add(drop)
            else:
                dropped.add(a_idx if a.confidence <= b.confidence else b_idx)
            break
    return [it for k, it in enumerate(intents) if k not in dropped]


def detect_intents(
    transcript: Transcript,
    min_confidence: float = MIN_CONFIDENCE,
    *,
    models: IntentModels | None = None,
) -> list[Intent]:
    """Intents at or above `min_confidence`, sorted by utterance then label."""
    shown = [
        it for it in detect_candidates(transcript, models=models) if it.confidence >= min_confidence
    ]
    return _merge_repeated_commitments(_merge_adjacent_signals(_drop_pronoun_restatements(shown)))
