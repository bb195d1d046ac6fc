"""The commitment ledger's logic: promises from a call, and which action closes which promise.

Both sides' promises are tracked: the rep's (send a proposal, book the next meeting, send
content) and the prospect's (get back by a date). A commitment closes itself when the
matching action happens and is overdue once its date has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

KIND_BY_LABEL = {
    "commitment:send_proposal": ("send_proposal", "rep"),
    "commitment:schedule_meeting": ("schedule_meeting", "rep"),
    "request:send_content": ("send_content", "rep"),
    "commitment:prospect_followup": ("prospect_followup", "prospect"),
}

# which action closes which kind of commitment
CLOSED_BY = {
    "email_sent": {"send_content"},
    "proposal_sent": {"send_proposal", "send_content"},
    "meeting_booked": {"schedule_meeting"},
    "email_received": {"prospect_followup"},
}


class IntentLike(Protocol):
    label: str
    utterance: int
    speaker: str
    phrase: str
    confidence: float
    deadline: str | None


@dataclass(frozen=True)
class NewCommitment:
    kind: str
    owner: str  # rep | prospect
    description: str
    due_at: datetime | None
    utterance: int


def due_at_end_of_day(deadline: str | None, tz: str) -> datetime | None:
    """ "2026-11-20" -> 17:00 that day in the rep's timezone; a full datetime is kept as is."""
    if not deadline:
        return None
    try:
        parsed = datetime.fromisoformat(deadline)
    except ValueError:
        return None
    if len(deadline) <= 10:
        d: date = parsed.date()
        return datetime.combine(d, time(17, 0), ZoneInfo(tz))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


def commitments_from_intents(
    intents: Sequence[IntentLike], *, rep_timezone: str
) -> list[NewCommitment]:
    out: list[NewCommitment] = []
    seen: set[str] = set()
    for i in intents:
        kind_owner = KIND_BY_LABEL.get(i.label)
        if kind_owner is None:
            continue
        kind, owner = kind_owner
        if i.label == "commitment:schedule_meeting" and i.speaker == "prospect":
            owner = "rep"  # the prospect asked to meet; booking it is on the rep
        key = f"{kind}:{owner}"
        if key in seen:
            continue
        seen.add(key)
        out.append(
            NewCommitment(
                kind=kind,
                owner=owner,
                description=i.phrase,
                due_at=due_at_end_of_day(i.deadline, rep_timezone),
                utterance=i.utterance,
            )
        )
    return out


def closes(action: str, kind: str) -> bool:
    return kind in CLOSED_BY.get(action, set())


def is_overdue(due_at: datetime | None, now: datetime, grace: timedelta = timedelta(0)) -> bool:
    return due_at is not None and now > due_at + grace
