"""Objections a prospect raises (price, timing, competitor, authority, need, trust) and what
the rep did next.

A cue of `coaching_patterns/objections.yaml` in a sentence of a prospect turn is an
objection unless a look-alike holds in the same sentence ("the price looks fine"). Then, over
the turns after it: the pause before the rep's next turn, the rep's pace in the minute after
the objection against the call's rep pace, whether the rep asked a question back before the
prospect spoke again, and whether the rep's first reply acknowledged the concern
(`acknowledged`), went on without doing so or asking back (`deflected`), or never came
(`no_reply`). One objection per turn (the first type found).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from skills.coaching_data import patterns
from skills.coaching_metrics import ordered
from skills.coaching_questions import asks
from skills.coaching_text import normalise, sentences, word_count
from skills.coaching_types import Objection, ObjectionType, Response, Turn

AFTER_S = 60.0


def objection_type(norm: str) -> ObjectionType | None:
    """The objection type one normalised sentence raises, or None."""
    p = patterns()
    if any(e.pattern.search(norm) for e in p.objection_lookalikes):
        return None
    for e in p.objections:
        if e.pattern.search(norm):
            return cast(ObjectionType, e.tag)
    return None


def objection_in(text: str) -> tuple[ObjectionType, str] | None:
    for s in sentences(text):
        kind = objection_type(s.norm)
        if kind is not None:
            return kind, s.raw
    return None


def acknowledges(text: str) -> bool:
    norm = normalise(text)
    return any(e.pattern.search(norm) for e in patterns().acknowledge)


def _pace(turns: Sequence[Turn]) -> float | None:
    seconds = sum(t.duration for t in turns)
    return sum(word_count(t.text) for t in turns) / (seconds / 60) if seconds > 0 else None


def objections(
    turns: Sequence[Turn], found_by: Mapping[int, tuple[ObjectionType, str]] | None = None
) -> list[Objection]:
    """Objections and what followed; `found_by` (utterance -> type and sentence) replaces the
    patterns when given (a checked model answer)."""
    seq = ordered(turns)
    baseline = _pace([t for t in seq if t.side == "rep"])
    asked: dict[int, bool] = {}  # rep turn -> holds a question, computed once per turn

    def asks_once(turn: Turn) -> bool:
        if turn.index not in asked:
            asked[turn.index] = asks(turn.text)
        return asked[turn.index]

    out: list[Objection] = []
    for i, t in enumerate(seq):
        if t.side != "prospect":
            continue
        found = objection_in(t.text) if found_by is None else found_by.get(t.index)
        if found is None:
            continue
        kind, text = found
        later = seq[i + 1 :]
        reply = next((n for n in later if n.side == "rep"), None)
        window = [n for n in later if n.side == "rep" and n.start < t.end + AFTER_S]
        # the rep's turns before the prospect speaks again (after the rep has replied)
        exchange: list[Turn] = []
        for n in later:
            if n.side == "prospect" and exchange:
                break
            if n.side == "rep":
                exchange.append(n)
        response: Response
        question_back = any(asks_once(n) for n in exchange)
        if reply is None:
            response = "no_reply"
        elif any(acknowledges(n.text) for n in exchange):
            response = "acknowledged"
        else:
            response = "deflected"
        out.append(
            Objection(
                utterance=t.index,
                type=kind,
                text=text,
                start=t.start,
                reply_utterance=reply.index if reply else None,
                pause_s=max(0.0, reply.start - t.end) if reply else None,
                wpm_after=_pace(window),
                wpm_baseline=baseline,
                question_back=question_back,
                response=response,
            )
        )
    return out
