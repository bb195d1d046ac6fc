"""Where a match sits in its sentence's clauses: inside an open condition
(`in_open_condition`), before a trailing one (`trailing_condition`), under a negation that
reaches it (`negation_applies`), or in a later statement of an ASR run-on question
(`later_statement`); and how the other party's reply reads (`classify_reply`)."""

from __future__ import annotations

import re

from skills.nlu import intent_patterns as rules
from skills.text_features import (
    Sentence,
    in_condition,
    negated_before,
    negated_within,
    reply_kind,
)

_COND_WORD = rules.CONTEXT["cond_word"]
_MAIN_CLAUSE = rules.CONTEXT["main_clause"]
_SEQUENCE = rules.CONTEXT["sequence"]


def in_open_condition(low: str, sent: Sentence, offset: int, *, main_closes: bool) -> bool:
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


def later_statement(low: str, sent: Sentence, offset: int) -> bool:
    """ASR run-on: 'can you send the deck our ceo has to approve it': the question is only
    its opening (no '?'); a clause starting later with its own subject is a statement."""
    if "?" in sent.low or offset - sent.start < 25:
        return False
    return bool(_NEW_SUBJECT.match(low, offset)) and low[offset - 1] == " "


_CLAUSE_SUBJECT = rules.CONTEXT["clause_subject"]


def negation_applies(low: str, sent: Sentence, offset: int) -> bool:
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


def classify_reply(reply: str) -> str:
    """`reply_kind`, except that an unclear reply taking a slot ('Tuesday works') accepts."""
    kind = reply_kind(reply)
    if (
        kind == "unclear"
        and _SLOT_TAKEN.search(reply)
        and not negated_within(reply, 0, min(len(reply), 40))
    ):
        return "accept"
    return kind


# Context regexes, read by name: their meaning and examples are in
# skills/nlu/patterns/intent_context.yaml.
_TRAILING_CONDITION = rules.CONTEXT["trailing_condition"]
_POLITE_TRAILING = rules.CONTEXT["polite_trailing"]
_REPORT_BEFORE_IF = rules.CONTEXT["report_before_if"]
_EVENT_IF = rules.CONTEXT["event_if"]


def trailing_condition(low: str, sent: Sentence, m: re.Match[str]) -> bool:
    """A condition follows the match in its sentence ('I'll send it if legal agrees'), not a
    polite one nor one that belongs to a report."""
    trailing = _TRAILING_CONDITION.search(low, m.end(), sent.end)
    return bool(
        trailing
        and not _POLITE_TRAILING.match(low, trailing.start())
        and not (
            _REPORT_BEFORE_IF.search(low, sent.start, trailing.start())
            and not _EVENT_IF.match(low, trailing.end())
        )
    )
