"""The check a model's typing of questions and objections must pass before it replaces the
patterns' typing, and how an accepted answer is applied to a `CoachingReport`.

With `LLM_MODEL` set a flow may ask the model to list the rep's questions (open or closed,
discovery or not) and the prospect's objections (one of the six types) over `model_lines(turns)`.
`check_model_typing` accepts the answer only when every item names an utterance of the right
side (questions from the rep, objections from the prospect), its `text` is a verbatim piece of
that utterance, kinds and types are known, and no item repeats; otherwise it returns the
reasons, which name indexes and fields only (never text of the call), so they can go back to
the model and into logs. `apply_model_typing` rebuilds questions, objections (with what
followed, measured as usual), the question counts and the feedback. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from skills.coaching_data import OBJECTION_TYPES, QUESTION_KINDS
from skills.coaching_feedback import feedback
from skills.coaching_objections import objections
from skills.coaching_questions import discovery_topic
from skills.coaching_text import normalise
from skills.coaching_types import (
    CoachingReport,
    ObjectionType,
    Question,
    QuestionKind,
    Turn,
)


@dataclass(frozen=True, slots=True)
class ModelQuestion:
    utterance: int
    text: str
    kind: QuestionKind
    discovery: bool


@dataclass(frozen=True, slots=True)
class ModelObjection:
    utterance: int
    type: ObjectionType
    text: str


@dataclass(frozen=True, slots=True)
class CheckedTyping:
    """The accepted answer (`ok`), or the reasons it was rejected."""

    questions: tuple[ModelQuestion, ...]
    objections: tuple[ModelObjection, ...]
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons


def model_lines(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """What the model reads: each sided utterance with its index, side and text."""
    return [
        {"utterance": t.index, "side": t.side, "text": t.text} for t in turns if t.side is not None
    ]


def check_model_typing(
    questions: Sequence[ModelQuestion],
    objections_: Sequence[ModelObjection],
    turns: Sequence[Turn],
) -> CheckedTyping:
    by_index = {t.index: t for t in turns}
    reasons: list[str] = []
    seen: set[tuple[str, int, str]] = set()

    def where_ok(what: str, i: int, utterance: int, text: str, side: str) -> bool:
        turn = by_index.get(utterance)
        if turn is None:
            reasons.append(f"{what}[{i}]: utterance {utterance} does not exist")
            return False
        if turn.side != side:
            reasons.append(f"{what}[{i}]: utterance {utterance} is not the {side}'s")
            return False
        if not text.strip() or text not in turn.text:
            reasons.append(f"{what}[{i}]: text is not a verbatim piece of utterance {utterance}")
            return False
        key = (what, utterance, text)
        if key in seen:
            reasons.append(f"{what}[{i}]: repeats an earlier item")
            return False
        seen.add(key)
        return True

    for i, q in enumerate(questions):
        if q.kind not in QUESTION_KINDS:
            reasons.append(f"questions[{i}]: kind must be one of {', '.join(QUESTION_KINDS)}")
        elif not isinstance(q.discovery, bool):
            reasons.append(f"questions[{i}]: discovery must be true or false")
        else:
            where_ok("questions", i, q.utterance, q.text, "rep")
    for i, o in enumerate(objections_):
        if o.type not in OBJECTION_TYPES:
            reasons.append(f"objections[{i}]: type must be one of {', '.join(OBJECTION_TYPES)}")
        else:
            where_ok("objections", i, o.utterance, o.text, "prospect")
    if reasons:
        return CheckedTyping((), (), tuple(reasons))
    return CheckedTyping(tuple(questions), tuple(objections_), ())


def apply_model_typing(
    report: CoachingReport, checked: CheckedTyping, turns: Sequence[Turn]
) -> CoachingReport:
    """The report with the model's questions and objections; unchanged when `checked` failed
    or the role-dependent results were skipped."""
    if not checked.ok or report.skipped is not None:
        return report
    starts = {t.index: t.start for t in turns}
    questions = []
    for q in sorted(checked.questions, key=lambda q: (starts[q.utterance], q.utterance)):
        topic = discovery_topic(normalise(q.text)) if q.discovery else None
        questions.append(
            Question(q.utterance, q.text, q.kind, q.discovery, topic, starts[q.utterance])
        )
    found: dict[int, tuple[ObjectionType, str]] = {}
    for o in checked.objections:
        found.setdefault(o.utterance, (o.type, o.text))  # one objection per utterance
    objs = objections(turns, found)
    metrics = replace(
        report.metrics,
        questions_rep=len(questions),
        open_questions_rep=sum(1 for q in questions if q.kind == "open"),
        discovery_questions_rep=sum(1 for q in questions if q.discovery),
    )
    notes = feedback(turns, questions, report.prospect_questions, objs, report.call_type)
    return replace(
        report,
        metrics=metrics,
        questions=tuple(questions),
        objections=tuple(objs),
        feedback=tuple(notes),
    )
