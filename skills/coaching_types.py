"""Typed data of the coaching skill: the call as coaching reads it (`Turn`) and what the
analysis returns (`CallMetrics`, `Question`, `ProspectQuestion`, `Objection`, `CallType`,
`Feedback`, `CoachingReport`), each with `to_json()` for `sixty coach` and storage."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Side = Literal["rep", "prospect"]
QuestionKind = Literal["open", "closed"]
ObjectionType = Literal["price", "timing", "competitor", "authority", "need", "trust"]
Response = Literal["acknowledged", "deflected", "no_reply"]
FeedbackKind = Literal["strength", "change", "try"]
CallKind = Literal["discovery", "demo", "negotiation", "check_in"]

# Below this speaker-mapping confidence the role-dependent results are skipped.
MIN_ROLE_CONFIDENCE = 0.8


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance: `index` into the transcript's utterances, `side` None when unknown."""

    index: int
    side: Side | None
    start: float
    end: float
    text: str

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class CallMetrics:
    """DESIGN.md 7 metrics (None when skipped, see `CoachingReport.skipped`), plus pace,
    fillers and question counts. Times in seconds; rates per minute."""

    call_s: float
    talk_ratio_rep: float | None
    longest_monologue_s: float | None
    longest_story_s: float | None
    interactivity: float | None
    patience_s: float | None
    wpm_rep: float | None
    wpm_prospect: float | None
    fillers_rep: int | None
    filler_rate_rep: float | None  # fillers per minute of rep speech
    questions_rep: int | None
    open_questions_rep: int | None
    discovery_questions_rep: int | None


@dataclass(frozen=True, slots=True)
class Question:
    """A rep question: the sentence as said, open or closed, and its discovery topic if any."""

    utterance: int
    text: str
    kind: QuestionKind
    discovery: bool
    topic: str | None
    start: float

    def to_json(self) -> dict[str, Any]:
        return {
            "utterance": self.utterance,
            "text": self.text,
            "kind": self.kind,
            "discovery": self.discovery,
            "topic": self.topic,
        }


@dataclass(frozen=True, slots=True)
class ProspectQuestion:
    """A prospect question and when the rep answered it (None: not answered)."""

    utterance: int
    text: str
    asked_s: float
    answered_s: float | None
    answer_utterance: int | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Objection:
    """A prospect objection and what the rep did next. `pause_s`: from the objection's end
    to the rep's next start; `wpm_after`: rep pace over the minute after the objection;
    `wpm_baseline`: rep pace over the whole call; `question_back`: the rep asked a question
    before the prospect spoke again; `response`: acknowledged, deflected or no_reply."""

    utterance: int
    type: ObjectionType
    text: str
    start: float
    reply_utterance: int | None
    pause_s: float | None
    wpm_after: float | None
    wpm_baseline: float | None
    question_back: bool
    response: Response

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class CallType:
    """The call's type, the cue hits per type, and the norms for it with their sources."""

    kind: CallKind
    scores: dict[str, int]
    talk_ratio_rep_norm: tuple[float, float]
    monologue_max_s: float | None
    questions_norm: tuple[int, int] | None
    open_questions_min: int | None
    story_target_s: float | None
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "scores": self.scores,
            "norms": {
                "talk_ratio_rep": list(self.talk_ratio_rep_norm),
                "longest_monologue_max_s": self.monologue_max_s,
                "questions": list(self.questions_norm) if self.questions_norm else None,
                "open_questions_min": self.open_questions_min,
                "story_target_s": self.story_target_s,
                "sources": list(self.sources),
            },
        }


@dataclass(frozen=True, slots=True)
class Feedback:
    """One micro-feedback bullet tied to a moment: `at` is mm:ss from the call's start and
    `quote` a verbatim piece of utterance `utterance`."""

    kind: FeedbackKind
    utterance: int
    at: str
    quote: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CoachingReport:
    metrics: CallMetrics
    questions: tuple[Question, ...]
    prospect_questions: tuple[ProspectQuestion, ...]
    objections: tuple[Objection, ...]
    call_type: CallType
    feedback: tuple[Feedback, ...]
    role_confidence: float
    skipped: str | None  # why the role-dependent results are missing, else None

    def to_json(self) -> dict[str, Any]:
        metrics = {
            k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self.metrics).items()
        }
        return {
            "metrics": metrics,
            "questions": [q.to_json() for q in self.questions],
            "prospect_questions": [q.to_json() for q in self.prospect_questions],
            "objections": [o.to_json() for o in self.objections],
            "call_type": self.call_type.to_json(),
            "feedback": [f.to_json() for f in self.feedback],
            "role_confidence": round(self.role_confidence, 3),
            "skipped": self.skipped,
        }
