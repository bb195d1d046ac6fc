"""Each reading a mode may name in intent_modes.yaml, on a sentence where it holds and one where
it does not (the readings decide what a match means before the scorer weighs it)."""

from __future__ import annotations

from typing import Any

import pytest

from skills.nlu import intent_patterns as rules
from skills.nlu.intent_context import CallContext, speaker_roles
from skills.nlu.intent_readings import COMMIT_MODES, MODES, READINGS, MatchView
from skills.text_features import clean, sentence_at, sentences
from skills.transcript_types import parse_transcript

SP = "commitment:send_proposal"
SM = "commitment:schedule_meeting"
MS = "signal:multi_stakeholder"
CP = "signal:competitive"
TL = "signal:timeline"
BP = "signal:buying_positive"


def transcript(turns: list[tuple[str, str]]) -> Any:
    names = {"R": "Alex Rivera", "P": "Pat Doe"}
    return parse_transcript(
        {
            "meeting_id": "m-readings",
            "title": "readings",
            "started_at": "2026-11-18T15:00:00Z",
            "rep": {"name": "Alex Rivera", "email": "alex@sixty.example"},
            "attendees": [{"name": "Pat Doe", "email": "pat@customer.example"}],
            "utterances": [
                {"speaker": names[who], "start": k, "end": k + 1, "text": text}
                for k, (who, text) in enumerate(turns)
            ],
        }
    )


def view(label: str, turns: list[tuple[str, str]]) -> MatchView:
    """The first frame of `label` that matches the first utterance, as the detector reads it."""
    t = transcript(turns)
    cleaned = [clean(u.text) for u in t.utterances]
    ctx = CallContext(t, speaker_roles(t), cleaned, [c.low for c in cleaned])
    low = ctx.lows[0]
    sents = sentences(low)
    for frame in rules.FRAMES:
        if frame.label != label:
            continue
        m = frame.pattern.search(low)
        if m is None:
            continue
        sent = sentence_at(sents, m.start())
        mode = "ask" if frame.mode in ("commit", "offer") and sent.is_question else frame.mode
        return MatchView(frame, m, 0, ctx, sents, sent, mode)
    raise AssertionError(f"no {label} frame matches {turns[0][1]!r}")


R, P = "R", "P"
CASES: list[tuple[str, str, list[tuple[str, str]], bool]] = [
    ("negated", SP, [(R, "I don't think I'll send a proposal.")], True),
    ("negated", SP, [(R, "I'll send the proposal this week.")], False),
    ("reported", SP, [(R, "Last time I said I'll send you a proposal.")], True),
    ("reported", SP, [(R, "I'll send a proposal over.")], False),
    ("reply_declined", SP, [(R, "Shall I send a proposal?"), (P, "No, not yet.")], True),
    ("reply_declined", SP, [(R, "Shall I send a proposal?"), (P, "Yes please.")], False),
    ("reply_accepted", SP, [(R, "Shall I send a proposal?"), (P, "Yes please.")], True),
    ("reply_accepted", SP, [(R, "Shall I send a proposal?"), (P, "Hmm.")], False),
    ("no_reply", SP, [(R, "I'll send the proposal Friday.")], True),
    ("no_reply", SP, [(R, "I'll send the proposal Friday."), (P, "Great.")], False),
    (
        "reply_deferred",
        SM,
        [(R, "Should we book a call with Marco?"), (P, "Let me talk to him first.")],
        True,
    ),
    ("reply_deferred", SM, [(R, "Should we book a call with Marco?"), (P, "Yes, let's.")], False),
    ("joint", SM, [(R, "Shall we book a call for Tuesday?")], True),
    ("joint", SP, [(R, "Should I send over a proposal?")], False),
    ("unanswered_permission", SP, [(R, "Should I send over a proposal?"), (P, "Hmm.")], True),
    (
        "unanswered_permission",
        SP,
        [(R, "Should I send over a proposal?"), (P, "Yes please.")],
        False,
    ),
    ("hedged", SP, [(R, "I think I'll send you the proposal, maybe Friday.")], True),
    ("hedged", SP, [(R, "I'll send the proposal Friday.")], False),
    ("leading_condition", SP, [(R, "If legal agrees, I'll send the proposal Friday.")], True),
    ("leading_condition", SP, [(R, "I'll send the proposal Friday.")], False),
    ("trailing_condition", SP, [(R, "I'll send the proposal if anything changes.")], True),
    ("trailing_condition", SP, [(R, "I'll send the proposal if that helps.")], False),
    ("question", MS, [(P, "Does our CFO sign off on this?")], True),
    ("question", MS, [(P, "Our CFO signs off on this.")], False),
    ("historic", MS, [(P, "Last year our CFO signs off on everything.")], True),
    ("historic", MS, [(P, "Our CFO signs off on everything.")], False),
    ("past_use", CP, [(P, "We used to be evaluating Gong, years ago.")], True),
    ("past_use", CP, [(P, "We're also evaluating Gong.")], False),
    ("no_time", TL, [(P, "We want to be live soon.")], True),
    ("no_time", TL, [(P, "We want to be live by March.")], False),
    ("private_life", BP, [(P, "We've got budget set aside for my wedding.")], True),
    ("private_life", BP, [(P, "We've got budget set aside for this.")], False),
]


@pytest.mark.parametrize(("reading", "label", "turns", "holds"), CASES)
def test_reading(reading: str, label: str, turns: list[tuple[str, str]], holds: bool) -> None:
    assert READINGS[reading](view(label, turns)) is holds


def test_every_reading_a_mode_names_exists_and_commit_modes_are_modes() -> None:
    for mode in MODES.values():
        for name in (*mode.vetoes, *mode.holds, *mode.features):
            assert name == "deadline" or name in READINGS, (mode.mode, name)
    assert set(COMMIT_MODES) <= set(MODES)
