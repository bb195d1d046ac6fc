"""Coaching of one call: `coach_transcript(transcript)` and `analyse(turns, ...)`.

`turns_from_transcript` maps each utterance to the rep's side (the rep and colleagues) or the
prospect's, as `sixty intents` does (explicit `role`, else attribution by name and email), and
says how sure that mapping is: the share of speech whose speaker is known, weighted by the
attribution's certainty. `analyse` returns a `CoachingReport`: the DESIGN.md 7 metrics, rep
questions, prospect questions and their answers, objections and what followed, the call type
with its norms, and micro-feedback. Below `MIN_ROLE_CONFIDENCE`, or with one side silent, the
role-dependent results are skipped and `skipped` says why. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence

from skills.coaching_calltype import call_type
from skills.coaching_feedback import feedback
from skills.coaching_metrics import (
    call_seconds,
    fillers,
    interactivity,
    longest_run,
    patience,
    talk_ratio_rep,
    words_per_minute,
)
from skills.coaching_objections import objections
from skills.coaching_questions import prospect_questions, rep_questions
from skills.coaching_types import (
    MIN_ROLE_CONFIDENCE,
    CallMetrics,
    CoachingReport,
    Side,
    Turn,
)
from skills.nlu.intent_context import side_of, speaker_roles
from skills.transcript_types import Transcript


def turns_from_transcript(transcript: Transcript) -> tuple[list[Turn], float]:
    """The sided turns and the mapping confidence in [0, 1]."""
    roles = speaker_roles(transcript)
    turns: list[Turn] = []
    weighted = total = 0.0
    for i, (u, sr) in enumerate(zip(transcript.utterances, roles, strict=True)):
        side: Side | None = side_of(sr.role)
        turns.append(Turn(i, side, u.start, u.end, u.text))
        weight = max(u.end - u.start, 0.1)
        total += weight
        weighted += weight * (sr.certainty if side is not None else 0.0)
    return turns, (weighted / total if total > 0 else 0.0)


def _skip_reason(turns: Sequence[Turn], confidence: float) -> str | None:
    if confidence < MIN_ROLE_CONFIDENCE:
        return (
            f"speaker mapping is unsure (confidence {confidence:.2f}, below "
            f"{MIN_ROLE_CONFIDENCE}): rep and prospect metrics are left out"
        )
    sides = {t.side for t in turns if t.side is not None}
    if sides != {"rep", "prospect"}:
        missing = "rep" if "rep" not in sides else "prospect"
        return f"no {missing} speech was found: rep and prospect metrics are left out"
    return None


def analyse(
    turns: Sequence[Turn], *, title: str = "", role_confidence: float = 1.0
) -> CoachingReport:
    skipped = _skip_reason(turns, role_confidence)
    ctype = call_type(turns, title)
    call_s = call_seconds(turns)
    if skipped is not None:
        metrics = CallMetrics(call_s, *([None] * 12))
        return CoachingReport(metrics, (), (), (), ctype, (), role_confidence, skipped)
    questions = rep_questions(turns)
    pqs = prospect_questions(turns)
    objs = objections(turns)
    filler_n, filler_rate = fillers(turns)
    metrics = CallMetrics(
        call_s=call_s,
        talk_ratio_rep=talk_ratio_rep(turns),
        longest_monologue_s=longest_run(turns, "rep"),
        longest_story_s=longest_run(turns, "prospect"),
        interactivity=interactivity(turns),
        patience_s=patience(turns),
        wpm_rep=words_per_minute(turns, "rep"),
        wpm_prospect=words_per_minute(turns, "prospect"),
        fillers_rep=filler_n,
        filler_rate_rep=filler_rate,
        questions_rep=len(questions),
        open_questions_rep=sum(1 for q in questions if q.kind == "open"),
        discovery_questions_rep=sum(1 for q in questions if q.discovery),
    )
    notes = feedback(turns, questions, pqs, objs, ctype)
    return CoachingReport(
        metrics,
        tuple(questions),
        tuple(pqs),
        tuple(objs),
        ctype,
        tuple(notes),
        role_confidence,
        None,
    )


def coach_transcript(transcript: Transcript) -> CoachingReport:
    turns, confidence = turns_from_transcript(transcript)
    return analyse(turns, title=transcript.title, role_confidence=confidence)
