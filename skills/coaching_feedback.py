"""Micro-feedback: at most three bullets, each tied to one moment of the call (mm:ss and a
verbatim quote): a strength, one thing to change, one thing to try. A bullet is written only
when the call gives it a specific moment; otherwise there are fewer bullets, never a generic
tip. Each moment is used once.
"""

from __future__ import annotations

from collections.abc import Sequence

from skills.coaching_data import patterns
from skills.coaching_metrics import longest_run_span, ordered
from skills.coaching_text import mmss, quote
from skills.coaching_types import (
    CallType,
    Feedback,
    FeedbackKind,
    Objection,
    ProspectQuestion,
    Question,
    Turn,
)

STORY_AFTER_QUESTION_S = 60.0  # a prospect answer this long shows the question opened them up
PACE_RISE = 1.10  # rep pace this much above the call's after an objection is rushing


def _bullet(kind: FeedbackKind, turn: Turn, text: str, said: str | None = None) -> Feedback:
    return Feedback(kind, turn.index, mmss(turn.start), quote(said or turn.text), text)


def _story_after(seq: list[Turn], pos: int) -> float:
    """Length of the prospect run that directly follows position `pos`."""
    start, end = None, 0.0
    for t in seq[pos + 1 :]:
        if t.side != "prospect":
            break
        start = t.start if start is None else start
        end = max(end, t.end)
    return end - start if start is not None else 0.0


def _try_line(kind: str) -> str:
    for e in patterns().objections:
        if e.tag == kind and e.try_line:
            return e.try_line
    return ""


def feedback(
    turns: Sequence[Turn],
    questions: Sequence[Question],
    prospect_qs: Sequence[ProspectQuestion],
    objections: Sequence[Objection],
    ctype: CallType,
) -> list[Feedback]:
    seq = ordered(turns)
    by_index = {t.index: t for t in seq}
    pos = {t.index: i for i, t in enumerate(seq)}
    used: set[int] = set()
    out: list[Feedback] = []

    def add(b: Feedback | None) -> bool:
        if b is None or b.utterance in used:
            return False
        used.add(b.utterance)
        out.append(b)
        return True

    # strength
    strengths: list[Feedback] = []
    for o in objections:
        if o.response == "acknowledged" and o.question_back and o.reply_utterance is not None:
            reply = by_index[o.reply_utterance]
            strengths.append(
                _bullet(
                    "strength",
                    reply,
                    f"When {o.type} came up at {mmss(o.start)} you acknowledged it and asked a "
                    "question back before answering.",
                )
            )
    for q in questions:
        if q.kind == "open" and q.discovery:
            story = _story_after(seq, pos[q.utterance])
            if story >= STORY_AFTER_QUESTION_S:
                strengths.append(
                    _bullet(
                        "strength",
                        by_index[q.utterance],
                        f"This open question got the prospect talking for {round(story)} s.",
                        q.text,
                    )
                )
    any(add(b) for b in strengths)

    # change
    changes: list[Feedback] = []
    cap = ctype.monologue_max_s
    first, length = longest_run_span(seq, "rep")
    if cap is not None and first is not None and length > cap:
        changes.append(
            _bullet(
                "change",
                first,
                f"You spoke for {mmss(length)} without the prospect coming in from here; on a "
                f"{ctype.kind.replace('_', '-')} call keep it under {round(cap)} s and check in "
                "with a question.",
            )
        )
    for o in objections:
        if o.response == "deflected" and not o.question_back:
            changes.append(
                _bullet(
                    "change",
                    by_index[o.utterance],
                    f"The prospect raised {o.type}; the reply went on without acknowledging it "
                    "or asking about it.",
                    o.text,
                )
            )
        elif o.response == "no_reply":
            changes.append(
                _bullet(
                    "change",
                    by_index[o.utterance],
                    f"The prospect raised {o.type} and it was not answered.",
                    o.text,
                )
            )
        elif o.wpm_after and o.wpm_baseline and o.wpm_after > PACE_RISE * o.wpm_baseline:
            changes.append(
                _bullet(
                    "change",
                    by_index[o.utterance],
                    f"After this {o.type} objection you sped up to {round(o.wpm_after)} words a "
                    f"minute from {round(o.wpm_baseline)}; slow down and pause first.",
                    o.text,
                )
            )
    for pq in prospect_qs:
        if pq.answered_s is None:
            changes.append(
                _bullet(
                    "change",
                    by_index[pq.utterance],
                    "The prospect asked this and did not get an answer.",
                    pq.text,
                )
            )
    any(add(b) for b in changes)

    # try
    tries: list[Feedback] = []
    for q in questions:
        if q.kind == "closed" and q.discovery and q.topic:
            line = next((e.try_line for e in patterns().topics if e.id == q.topic), "")
            if line:
                tries.append(
                    _bullet(
                        "try",
                        by_index[q.utterance],
                        f"This closed question on {q.topic} gets a one-word answer; try it open: "
                        f'"{line}"',
                        q.text,
                    )
                )
    for o in objections:
        line = _try_line(o.type)
        if not o.question_back and line:
            tries.append(
                _bullet(
                    "try",
                    by_index[o.utterance],
                    f'Next time {o.type} comes up, ask back before answering: "{line}"',
                    o.text,
                )
            )
    any(add(b) for b in tries)
    return out
