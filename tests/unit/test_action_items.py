"""Action items: owners from sure speakers only, descriptions, deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skills.action_items import extract_action_items
from skills.intents import detect_intents
from skills.transcript_types import Transcript, parse_transcript


def make(turns: list[tuple[str, str]], attendees: list[dict[str, Any]] | None = None) -> Transcript:
    return parse_transcript(
        {
            "meeting_id": "m",
            "title": "t",
            "started_at": "2026-11-18T15:00:00-05:00",
            "rep": {"name": "Alex Rivera", "email": "alex@sixty.example"},
            "attendees": attendees
            if attendees is not None
            else [{"name": "Sarah Chen", "email": "sarah.chen@acme.example"}],
            "utterances": [
                {"speaker": who, "start": i, "end": i + 1, "text": text}
                for i, (who, text) in enumerate(turns)
            ],
        }
    )


def items_for(t: Transcript) -> list[Any]:
    return extract_action_items(t, detect_intents(t))


def test_owners_follow_who_promised() -> None:
    t = make(
        [
            ("Alex Rivera", "I'll send you a proposal by Friday."),
            ("Sara Chen", "Great. I'll get you the security questionnaire back by Monday."),
            ("Alex", "And I'll send the integration guide after the call."),
        ]
    )
    items = items_for(t)
    by_utterance = {i.utterance: i for i in items}
    assert by_utterance[0].owner == "rep" and by_utterance[0].label == "commitment:send_proposal"
    assert by_utterance[1].owner == "prospect"
    assert by_utterance[2].owner == "rep"
    assert "integration guide" in by_utterance[2].description
    due = by_utterance[0].deadline
    assert isinstance(due, datetime) and due.tzinfo is not None
    assert due.date().isoformat() == "2026-11-20"
    assert by_utterance[1].deadline is not None
    assert by_utterance[1].deadline.date().isoformat() == "2026-11-23"


def test_owner_guard_for_merged_unknown_and_weak_speakers() -> None:
    t = make(
        [
            ("Speaker 1 & 2", "I'll send you a proposal by Friday."),
            ("Speaker 3", "I'll get back to you next week."),
            ("Sam", "I'll share the deck after the call."),
        ],
        attendees=[
            {"name": "Sam Ortiz", "email": "sam@acme.example"},
            {"name": "Sam Lee", "email": "sam.lee@acme.example"},
        ],
    )
    items = items_for(t)
    assert items, "the promises are still listed"
    assert all(i.owner is None and i.needs_owner for i in items)


def test_request_makes_an_item_for_the_rep() -> None:
    t = make([("Sarah Chen", "Could you send me the SOC 2 report?")])
    (item,) = items_for(t)
    assert item.owner == "rep"
    assert item.label == "request:send_content"
    assert item.source_phrase == "Could you send me the SOC 2 report"


def test_no_items_from_declined_past_or_hypothetical_promises() -> None:
    t = make(
        [
            ("Alex Rivera", "Should I send a proposal now?"),
            ("Sarah Chen", "Too early, honestly."),
            ("Alex Rivera", "Last time I sent you the deck it bounced."),
            ("Sarah Chen", "If we get budget, I'll call you."),
            ("Sarah Chen", "I'll think about it."),
        ]
    )
    assert items_for(t) == []


def test_descriptions_name_the_other_party() -> None:
    t = make([("Alex Rivera", "I'll send you our onboarding checklist tomorrow.")])
    (item,) = items_for(t)
    assert item.description.startswith("Send Sarah our onboarding checklist")
