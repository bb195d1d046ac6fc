"""A stored coaching analysis as the rep is shown it: its feedback bullets, and its modal (`blocks.coaching.CallDetail`): metrics
formatted, questions by type, objections with what followed, the moments."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.coaching import CallDetail, MicroBullet
from storage.coaching import metric_value, zone_of
from storage.coaching_models import CoachingAnalysis
from storage.models import Meeting, User

RESPONSES = {
    "acknowledged": "you acknowledged it",
    "deflected": "the reply went on without acknowledging it",
    "no_reply": "it was not answered",
}


def bullets_of(row: CoachingAnalysis) -> list[MicroBullet]:
    """The call's stored feedback moments (each with its time and quote)."""
    out = []
    for m in row.moments or []:
        if isinstance(m, dict) and m.get("kind") and m.get("at") and m.get("quote"):
            out.append(MicroBullet(str(m["kind"]), str(m["at"]), str(m["quote"]),
                                   str(m.get("text") or "")))  # fmt: skip
    return out


def _mmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _metrics(row: CoachingAnalysis) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    shown = (
        ("talk_ratio_rep", "Your talk ratio", lambda v: f"{round(100 * v)}%"),
        ("longest_monologue_s", "Longest monologue", _mmss),
        ("longest_story_s", "Longest prospect story", _mmss),
        ("interactivity", "Speaker switches a minute", lambda v: f"{v:.1f}"),
        ("patience_s", "Pause before answering", lambda v: f"{v:.1f} s"),
        ("wpm_rep", "Your pace", lambda v: f"{round(v)} words a minute"),
        ("fillers_rep", "Filler words", lambda v: str(round(v))),
    )
    for key, label, fmt in shown:
        v = metric_value(row, key)
        if v is not None:
            out.append((label, fmt(v)))
    qs = [q for q in row.questions or [] if isinstance(q, dict)]
    if qs and "questions" not in (row.skipped or {}):
        open_n = sum(1 for q in qs if q.get("kind") == "open")
        out.append(("Questions", f"{len(qs)} ({open_n} open)"))
    return tuple(out)


def call_detail(
    row: CoachingAnalysis, meeting: Meeting | None, rep: User, bullets: Sequence[MicroBullet]
) -> CallDetail:
    skipped = next(iter((row.skipped or {}).values()), None)
    questions = tuple(
        (str(q.get("kind") or ""), str(q.get("text") or ""))
        for q in row.questions or []
        if isinstance(q, dict)
    )
    objections = tuple(
        (str(o.get("type") or ""), str(o.get("text") or ""),
         RESPONSES.get(str(o.get("response")), str(o.get("response") or ""))
         + ("; you asked a question back" if o.get("question_back") else ""))
        for o in row.objections or [] if isinstance(o, dict)
    )  # fmt: skip
    return CallDetail(
        title=(meeting.title if meeting else "") or "Call",
        day=row.started_at.astimezone(zone_of(rep)).strftime("%a %-d %b, %H:%M"),
        call_type=row.call_type,
        duration=_mmss(row.duration_s),
        metrics=_metrics(row),
        questions=questions,
        objections=objections,
        moments=tuple(bullets),
        skipped=skipped,
    )
