"""What `coaching_call` stores of a call (`flows.coaching.analysis`): the speaker mapping's
confidence is the skill's capped by the attribution's; when it is unsure the role metrics are
left out, each with the reason, and the row says the mapping is not sure."""

from __future__ import annotations

from flows.coaching.analysis import attribution_confidence, coach_call, row_fields
from skills.transcript_types import parse_transcript

CALL = {
    "meeting_id": "1", "title": "Acme discovery", "started_at": "2026-12-01T15:00:00+00:00",
    "rep": {"name": "Alex Rivera", "email": "alex@sixty.example"},
    "attendees": [{"name": "Sarah Chen", "email": "sarah@acme.example"}],
    "utterances": [
        {"speaker": "Alex Rivera", "start": 0.0, "end": 6.0, "role": "rep",
         "text": "Thanks for the time. How do you handle forecasting today?"},
        {"speaker": "Sarah Chen", "start": 6.5, "end": 30.0, "role": "prospect",
         "text": "Mostly spreadsheets, and it takes the team two days every month to pull it together."},
        {"speaker": "Alex Rivera", "start": 30.5, "end": 36.0, "role": "rep",
         "text": "What happens when the numbers are late?"},
        {"speaker": "Sarah Chen", "start": 36.5, "end": 50.0, "role": "prospect",
         "text": "The board meeting slips and I get the blame for it, honestly."},
    ],
}  # fmt: skip
SURE = {"Alex Rivera": {"role": "rep", "confidence": 1.0},
        "Sarah Chen": {"role": "prospect", "confidence": 0.95}}  # fmt: skip
UNSURE = {"Alex Rivera": {"role": "rep", "confidence": 0.9},
          "Sarah Chen": {"role": None, "confidence": 0.3}}  # fmt: skip


def test_a_sure_mapping_keeps_the_role_metrics() -> None:
    t = parse_transcript(CALL)
    assert 0.95 <= attribution_confidence(t, SURE) <= 1.0
    fields = row_fields(coach_call(t, SURE))
    assert fields["mapping_sure"] and fields["skipped"] == {}
    assert 0 < fields["metrics"]["talk_ratio_rep"] < 0.5 and fields["call_type"] == "discovery"
    assert [q["kind"] for q in fields["questions"]] == ["open", "open"]


def test_an_unsure_mapping_skips_the_role_metrics_with_the_reason() -> None:
    t = parse_transcript(CALL)
    assert attribution_confidence(t, UNSURE) < 0.8
    fields = row_fields(coach_call(t, UNSURE))
    assert not fields["mapping_sure"] and fields["speaker_confidence"] < 0.8
    assert "talk_ratio_rep" not in fields["metrics"] and fields["metrics"]["call_s"] == 50.0
    reason = fields["skipped"]["talk_ratio_rep"]
    assert "speaker mapping is unsure" in reason and fields["skipped"]["questions"] == reason
    assert fields["moments"] == [] and fields["questions"] == []
