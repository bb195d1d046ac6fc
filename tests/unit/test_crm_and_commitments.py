"""CRM plans carry provenance and never overwrite a person's recent edit; commitments track both sides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from skills.commitments import closes, commitments_from_intents, is_overdue
from skills.crm_updates import DealSnapshot, next_stage, plan_crm_updates

START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
NOW = START + timedelta(hours=1)


@dataclass(frozen=True)
class Said:
    label: str
    utterance: int
    phrase: str
    speaker: str = "prospect"
    confidence: float = 0.9
    deadline: str | None = None


OFFSETS = [float(i * 10) for i in range(20)]


def plan(deal: DealSnapshot, intents: list[Said]):
    return plan_crm_updates(
        deal, intents, meeting_id=7, meeting_started_at=START, utterance_offsets=OFFSETS, now=NOW
    )


def test_stage_change_is_always_proposed_with_the_quote_and_time() -> None:
    p = plan(
        DealSnapshot(1, "discovery"),
        [
            Said("signal:buying_positive", 4, "budget is approved"),
            Said("commitment:send_proposal", 6, "I'll send you a proposal", "rep"),
        ],
    )
    stage = next(c for c in p.changes if c.field == "stage")
    assert (stage.old, stage.new, stage.needs_approval) == ("discovery", "proposal", True)
    assert stage.provenance.quote == "budget is approved"
    assert stage.provenance.at == START + timedelta(seconds=40)


def test_recent_human_edit_is_proposed_not_overwritten() -> None:
    deal = DealSnapshot(
        1,
        "demo",
        properties={"timeline": "Q3"},
        field_edits={"timeline": {"by": "person", "at": (NOW - timedelta(days=2)).isoformat()}},
    )
    change = plan(deal, [Said("signal:timeline", 5, "live by the end of Q1")]).changes[0]
    assert change.needs_approval and "edited by a person" in change.reason
    old_edit = DealSnapshot(
        1,
        "demo",
        properties={"timeline": "Q3"},
        field_edits={"timeline": {"by": "person", "at": (NOW - timedelta(days=40)).isoformat()}},
    )
    assert (
        not plan(old_edit, [Said("signal:timeline", 5, "live by the end of Q1")])
        .changes[0]
        .needs_approval
    )


def test_negative_signal_flags_risk_tells_manager_and_blocks_stage_move() -> None:
    p = plan(
        DealSnapshot(1, "demo"),
        [
            Said("signal:buying_negative", 3, "budget is tight"),
            Said("signal:buying_positive", 5, "love the pipeline view"),
        ],
    )
    assert "at_risk" in p.flags_to_add and p.notify_manager
    assert not any(c.field == "stage" for c in p.changes)


def test_next_stage_never_closes_a_deal() -> None:
    assert next_stage("negotiation", proposal_committed=False) is None
    assert next_stage("unknown", proposal_committed=True) is None


def test_commitments_from_both_sides_with_due_dates() -> None:
    got = commitments_from_intents(
        [
            Said(
                "commitment:send_proposal",
                6,
                "I'll send you a proposal by Friday",
                "rep",
                deadline="2026-11-20",
            ),
            Said("commitment:prospect_followup", 9, "I'll get back to you next week", "prospect"),
            Said("signal:timeline", 3, "end of Q1"),
        ],
        rep_timezone="America/New_York",
    )
    assert [(c.kind, c.owner) for c in got] == [
        ("send_proposal", "rep"),
        ("prospect_followup", "prospect"),
    ]
    assert got[0].due_at is not None and got[0].due_at.hour == 17
    assert is_overdue(got[0].due_at, got[0].due_at + timedelta(minutes=1))
    assert not is_overdue(None, NOW)
    assert closes("proposal_sent", "send_proposal") and not closes(
        "meeting_booked", "send_proposal"
    )
