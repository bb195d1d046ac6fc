"""Everything the morning brief shows for a rep at an instant, read in one session."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flows.briefs_common import aware, zone
from skills import briefs as sk
from storage import briefs as reads
from storage import pipeline
from storage.models import User

ATTENTION = tuple(sk.ATTENTION_CATEGORIES)
PRE_MEETING_SEQUENCE = "pre_meeting_90min"


def _event_of(key: str) -> int | None:
    """The calendar event id of a pre-meeting job's key (`pre_meeting_90min:{event}:{start}`)."""
    part = key.split(":")[1] if ":" in key else ""
    return int(part) if part.isdigit() else None


async def gather_morning(db: Any, user: User, now: datetime, stale: int) -> sk.MorningInput:
    """Everything the morning brief shows for `user` at `now`."""
    assert user.id is not None
    local = now.astimezone(zone(user.timezone))
    day_start = datetime.combine(local.date(), time(0), zone(user.timezone)).astimezone(UTC)
    day_end = day_start + timedelta(days=1)
    async with db.session() as s:
        events = await reads.day_events(s, user_id=user.id, start=day_start, end=day_end)
        keys = await reads.live_job_keys(
            s, user_id=user.id, sequence_type=PRE_MEETING_SEQUENCE, since=now - timedelta(hours=3)
        )
        inbox_rows = await reads.inbound_in_categories(
            s, user_id=user.id, categories=ATTENTION, since=now - timedelta(hours=36)
        )
        flagged = await pipeline.scan(
            await s.connection(), org_id=user.org_id, now=now, stale_days=stale, owner_id=user.id
        )
        proposals = await reads.deals_in_stage(s, owner_id=user.id, stage="proposal")
        commitments = await reads.commitments_due_before(s, user_id=user.id, before=day_end)
        notes = await reads.notes_since(s, owner_id=user.id, since=now - timedelta(hours=24))
    prepping = {e for e in map(_event_of, keys) if e is not None}
    meetings = [
        sk.MeetingInfo(
            event_id=r[0],
            start=aware(r[2]) or now,
            title=r[1],
            external=bool(r[3]),
            contact=r[5],
            company=r[6],
            purpose=r[1].split(" — ", 1)[1] if " — " in r[1] else None,
            prep=("prepping" if r[0] in prepping else "ready") if r[3] else "none",
        )
        for r in events
    ]
    inbox = [
        sk.InboxItem(
            message_id=r[0],
            category=r[1] or "",
            sender=r[6] or r[2],
            subject=r[3] or "",
            company=r[7],
            contact_id=r[4],
            deal_id=r[5],
            known=r[4] is not None,
        )
        for r in inbox_rows
    ]
    deals = [
        sk.DealPulse(h.deal_id, h.name, h.stage, h.amount, h.days_quiet, h.reasons, h.company)
        for h in flagged
    ]
    return sk.MorningInput(
        rep_name=user.name,
        timezone=user.timezone,
        now=now,
        meetings=meetings,
        inbox=inbox,
        deals=deals,
        proposals_awaiting=[sk.DealPulse(r[0], r[1], r[2], r[3], None) for r in proposals],
        commitments=[sk.CommitmentDue(r[0], aware(r[1]) or now, r[2], r[3]) for r in commitments],
        crm_notes=notes,
    )
