"""Issue 11 item 2.7: a stage move is proposed once per meeting and once per piece of evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from skills.crm_updates import DealSnapshot, PriorStageChange, plan_crm_updates

AT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
BUDGET = "Budget is approved for this quarter, so that part isn't a blocker"


@dataclass(frozen=True)
class Said:
    label: str
    utterance: int
    speaker: str
    phrase: str
    confidence: float = 0.9


def stage_moves(stage: str, history: list[PriorStageChange], *, meeting_id: int = 2,
                phrase: str = BUDGET) -> list[tuple[str, str]]:  # fmt: skip
    plan = plan_crm_updates(DealSnapshot(1, stage), [Said("signal:buying_positive", 0, "prospect", phrase)],
                            meeting_id=meeting_id, meeting_started_at=AT, utterance_offsets=[0.0], now=AT,
                            stage_history=history)  # fmt: skip
    return [(c.old, c.new) for c in plan.changes if c.field == "stage"]


def test_first_evidence_proposes_the_next_stage() -> None:
    assert stage_moves("demo", []) == [("demo", "proposal")]


def test_the_same_quote_from_a_replayed_call_moves_nothing_again() -> None:
    applied = PriorStageChange(meeting_id=1, quote=BUDGET, new="proposal", status="applied")
    assert stage_moves("proposal", [applied]) == []  # not proposal -> negotiation on the same quote
    rejected = PriorStageChange(
        meeting_id=1, quote=BUDGET.upper() + "!", new="proposal", status="rejected"
    )
    assert stage_moves("demo", [rejected]) == []


def test_a_meeting_proposes_at_most_once_whatever_it_quotes() -> None:
    earlier = PriorStageChange(meeting_id=2, quote="We love it", new="proposal", status="applied")
    assert stage_moves("proposal", [earlier], meeting_id=2) == []


def test_a_move_still_waiting_is_not_proposed_twice_but_new_evidence_counts_later() -> None:
    waiting = PriorStageChange(meeting_id=1, quote="We love it", new="proposal", status="proposed")
    assert stage_moves("demo", [waiting]) == []
    done = PriorStageChange(meeting_id=1, quote="We love it", new="proposal", status="applied")
    assert stage_moves("proposal", [done]) == [("proposal", "negotiation")]
