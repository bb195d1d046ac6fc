"""The coaching skill over a stored call, and its report as the `coaching_analyses` row holds it.

`coach_call(transcript, attribution)` runs in the offload worker for a long call: the skill's
own speaker-mapping confidence, capped by how sure the attribution of each speaker label was
(`flows.meeting_ended.speakers`, weighted by speech time). `row_fields(report)` is what
`storage.coaching.save_analysis` stores; a skipped report (unsure mapping, a silent side)
stores every role-dependent metric in `skipped` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skills.coaching import analyse, turns_from_transcript
from skills.coaching_types import MIN_ROLE_CONFIDENCE, CoachingReport
from skills.transcript_types import Transcript

ANALYSIS_VERSION = 1  # the coaching skill's version; a new one adds a row per meeting
ROLE_METRICS = (
    "talk_ratio_rep", "longest_monologue_s", "longest_story_s", "interactivity", "patience_s",
    "wpm_rep", "wpm_prospect", "fillers_rep", "filler_rate_rep", "questions_rep",
    "open_questions_rep", "discovery_questions_rep", "questions", "objections",
)  # fmt: skip


def attribution_confidence(transcript: Transcript, attribution: Mapping[str, Any]) -> float:
    """Speech-weighted certainty of the speaker labels' attribution (1.0 when none was made)."""
    weighted = total = 0.0
    for u in transcript.utterances:
        m = attribution.get(u.speaker)
        if not isinstance(m, Mapping):
            continue
        weight = max(u.end - u.start, 0.1)
        total += weight
        conf = m.get("confidence")
        sure = float(conf) if isinstance(conf, int | float) and m.get("role") else 0.0
        weighted += weight * sure
    return weighted / total if total > 0 else 1.0


def coach_call(transcript: Transcript, attribution: Mapping[str, Any]) -> CoachingReport:
    turns, skill_conf = turns_from_transcript(transcript)
    confidence = min(skill_conf, attribution_confidence(transcript, attribution))
    return analyse(turns, title=transcript.title, role_confidence=confidence)


def row_fields(report: CoachingReport) -> dict[str, Any]:
    data = report.to_json()
    skipped = {name: report.skipped for name in ROLE_METRICS} if report.skipped else {}
    return {
        "call_type": report.call_type.kind,
        "duration_s": report.metrics.call_s,
        "speaker_confidence": report.role_confidence,
        "mapping_sure": report.skipped is None and report.role_confidence >= MIN_ROLE_CONFIDENCE,
        "metrics": {k: v for k, v in data["metrics"].items() if v is not None},
        "questions": data["questions"],
        "objections": data["objections"],
        "moments": data["feedback"],
        "skipped": skipped,
    }
