"""One call coached end to end: roles from the transcript, the mapping confidence that skips
role metrics, the call type with its norms, and feedback tied to moments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from skills.coaching import analyse, coach_transcript, turns_from_transcript
from skills.coaching_types import Side, Turn
from skills.transcript_types import parse_transcript

REP = {"name": "Alex Rivera", "email": "alex@sixty.example"}
PROSPECT = {"name": "Sarah Chen", "email": "sarah.chen@acme.example"}


def transcript(utterances: list[dict[str, Any]], title: str = "Acme intro") -> dict[str, Any]:
    return {
        "meeting_id": "m-1",
        "title": title,
        "started_at": datetime(2026, 11, 18, 15, tzinfo=UTC).isoformat(),
        "rep": REP,
        "attendees": [PROSPECT],
        "utterances": utterances,
    }


def U(speaker: str, start: float, end: float, text: str, **extra: Any) -> dict[str, Any]:
    return {"speaker": speaker, "start": start, "end": end, "text": text, **extra}


DISCOVERY = [
    U("Alex Rivera", 0, 5, "Thanks for the time. So walk me through how a load gets booked today"),
    U("Sarah Chen", 6, 100, "Right now it's all manual and it breaks when someone is out."),
    U("Alex Rivera", 101, 104, "Do you use a TMS today?"),
    U("Sarah Chen", 105, 110, "Yes, McLeod. Honestly this feels expensive for us though."),
    U("Alex Rivera", 113, 120, "That's fair. What would you compare it against?"),
    U("Sarah Chen", 121, 124, "What does onboarding look like?"),
    U("Alex Rivera", 125, 230, "Um so basically we set you up in two weeks and import your lanes."),
]


def test_roles_from_names_give_full_confidence() -> None:
    turns, confidence = turns_from_transcript(parse_transcript(transcript(DISCOVERY)))
    assert confidence == 1.0
    assert [t.side for t in turns] == ["rep", "prospect"] * 3 + ["rep"]


def test_a_discovery_call() -> None:
    report = coach_transcript(parse_transcript(transcript(DISCOVERY)))
    assert report.skipped is None
    m = report.metrics
    assert m.longest_monologue_s == 105 and m.longest_story_s == 94
    assert m.questions_rep == 3 and m.open_questions_rep == 2
    assert report.call_type.kind == "discovery"
    assert report.call_type.monologue_max_s == 76 and report.call_type.sources
    assert [(o.type, o.response) for o in report.objections] == [("price", "acknowledged")]
    assert [(q.utterance, q.answer_utterance) for q in report.prospect_questions] == [(5, 6)]
    kinds = [(f.kind, f.utterance, f.at) for f in report.feedback]
    assert kinds == [("strength", 4, "01:53"), ("change", 6, "02:05"), ("try", 2, "01:41")]
    texts = [u["text"] for u in DISCOVERY]
    for f in report.feedback:
        assert f.quote in texts[f.utterance]  # verbatim
    assert "price came up at 01:45" in report.feedback[0].text
    assert "76 s" in report.feedback[1].text
    assert "Walk me through how that works today." in report.feedback[2].text


def test_unsure_speakers_skip_role_metrics_with_a_reason() -> None:
    unsure = [dict(u, speaker=f"Speaker {i % 2 + 1}") for i, u in enumerate(DISCOVERY)]
    report = coach_transcript(parse_transcript(transcript(unsure)))
    assert report.role_confidence < 0.8
    assert report.skipped is not None and "speaker mapping is unsure" in report.skipped
    assert report.metrics.talk_ratio_rep is None and report.metrics.patience_s is None
    assert report.metrics.call_s == 230
    assert report.questions == () and report.feedback == ()


def test_explicit_roles_are_trusted() -> None:
    roled = [
        dict(u, speaker=f"Speaker {i % 2 + 1}", role="rep" if i % 2 == 0 else "prospect")
        for i, u in enumerate(DISCOVERY)
    ]
    report = coach_transcript(parse_transcript(transcript(roled)))
    assert report.skipped is None and report.role_confidence == 1.0
    assert report.metrics.talk_ratio_rep is not None


def test_a_call_with_one_side_only_is_skipped() -> None:
    report = analyse([Turn(0, "rep", 0, 60, "hello")], role_confidence=1.0)
    assert report.skipped == "no prospect speech was found: rep and prospect metrics are left out"


def T(i: int, side: Side, start: float, end: float, text: str) -> Turn:
    return Turn(i, side, start, end, text)


def test_an_open_question_that_drew_a_story_is_the_strength() -> None:
    turns = [
        T(0, "rep", 0, 5, "Help me understand how approvals work today"),
        T(1, "prospect", 6, 80, "Every quote goes to finance and sits there for days."),
        T(2, "rep", 81, 85, "Got it."),
    ]
    (strength,) = analyse(turns).feedback
    assert (strength.kind, strength.utterance, strength.quote) == (
        "strength",
        0,
        "Help me understand how approvals work today",
    )
    assert "74 s" in strength.text


def test_nothing_specific_means_no_bullets() -> None:
    turns = [
        T(0, "rep", 0, 10, "Great to see you again."),
        T(1, "prospect", 11, 20, "Likewise, it has been a good quarter."),
        T(2, "rep", 21, 30, "Glad to hear it."),
    ]
    assert analyse(turns, title="Check-in").feedback == ()


def test_a_demo_gets_demo_norms_and_a_deflected_objection_is_flagged() -> None:
    turns = [
        T(0, "rep", 0, 40, "Let me share my screen. You can see here the dashboard."),
        T(1, "prospect", 41, 45, "We already use a tool for that."),
        T(2, "rep", 46, 80, "If I click into settings you see the routing rules."),
    ]
    report = analyse(turns, title="Acme demo")
    assert report.call_type.kind == "demo"
    assert report.call_type.talk_ratio_rep_norm == (0.6, 0.7)
    # one moment, one bullet: the try for the same objection is not added on top
    (change,) = report.feedback
    assert (change.kind, change.utterance, change.at) == ("change", 1, "00:41")
    assert change.quote == "We already use a tool for that."
    assert "competitor" in change.text and "without acknowledging" in change.text
