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
            event_id=e.id,
            start=aware(e.start_at) or now,
            title=e.title,
            external=bool(e.external),
            contact=e.contact,
            company=e.company,
            purpose=e.title.split(" — ", 1)[1] if " — " in e.title else None,
            prep=("prepping" if e.id in prepping else "ready") if e.external else "none",
        )
        for e in events
    ]
    inbox = [
        sk.InboxItem(
            message_id=m.id,
            category=m.category or "",
            sender=m.contact or m.from_addr,
            subject=m.subject or "",
            company=m.company,
            contact_id=m.contact_id,
            deal_id=m.deal_id,
            known=m.contact_id is not None,
        )
        for m in inbox_rows
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
        proposals_awaiting=[sk.DealPulse(d.id, d.name, d.stage, d.amount, None) for d in proposals],
        commitments=[
            sk.CommitmentDue(c.description, aware(c.due_at) or now, c.owner, c.counterparty)
            for c in commitments
        ],
        crm_notes=notes,
    )
