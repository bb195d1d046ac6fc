"""The pre-meeting brief's data for one calendar event: attendees from the CRM and the delta
since the last meeting with the same people (emails either side, stage changes, commitments)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from flows.briefs_common import aware
from skills import briefs as sk
from storage import briefs as reads
from storage.models import CalendarEvent, User


async def gather_pre_meeting(
    db: Any,
    user: User,
    event: CalendarEvent,
    now: datetime,
    enrich: Callable[[str], Awaitable[str | None]] | None = None,
) -> sk.PreMeetingInput:
    """What the brief shows for `event`; `enrich(email)` adds a headline per attendee."""
    assert user.id is not None
    emails_in = [str(a.get("email") or "").lower() for a in event.attendees or []]
    emails_in = [e for e in emails_in if e and e != (user.email or "").lower()]
    async with db.session() as s:
        contacts = await reads.contacts_for_attendees(
            s, org_id=user.org_id, emails=emails_in, contact_id=event.contact_id
        )
        contact_ids = [c.id for c in contacts] or ([event.contact_id] if event.contact_id else [])
        deal = (
            await reads.org_deal(s, org_id=user.org_id, deal_id=event.deal_id)
            if event.deal_id
            else None
        )
        deal_id = deal.id if deal is not None else None
        recorded, calendar = await reads.last_meeting_at(
            s, deal_id=deal_id, contact_ids=contact_ids, before=now, except_event=event.id
        )
        touches = [t for t in (aware(recorded), aware(calendar)) if t is not None]
        last_meet = max(touches) if touches else None
        since = last_meet or now - timedelta(days=30)
        emails = await reads.thread_messages_since(
            s, user_id=user.id, contact_ids=contact_ids, deal_id=deal_id, since=since
        )
        stages = await reads.stage_changes(s, deal_id=deal_id) if deal_id is not None else []
        commitments = await reads.commitments_about(
            s, user_id=user.id, contact_ids=contact_ids, deal_id=deal_id
        )
    attendees = [sk.Attendee(c.name, c.title, c.company) for c in contacts]
    emails_of: list[str | None] = [c.email for c in contacts]
    known = set(emails_in)
    if not attendees:
        guests = [a for a in event.attendees or [] if str(a.get("email") or "").lower() in known]
        attendees = [sk.Attendee(str(a.get("name") or "Guest")) for a in guests]
        emails_of = [str(a.get("email")) for a in guests]
    if enrich is not None:  # Apollo, when configured: a headline per attendee, best effort
        attendees = [
            sk.Attendee(a.name, a.title, a.company, await enrich(e) if e else None)
            for a, e in zip(attendees[:5], emails_of[:5], strict=False)
        ] + attendees[5:]
    return sk.PreMeetingInput(
        title=event.title,
        start=aware(event.start_at) or now,
        timezone=user.timezone,
        now=now,
        attendees=attendees,
        deal_name=deal.name if deal is not None else None,
        deal_id=deal.id if deal is not None else None,
        stage=deal.stage if deal is not None else None,
        amount=deal.amount if deal is not None else None,
        close_date=deal.close_date if deal is not None else None,
        last_meeting_at=last_meet,
        emails=[
            sk.EmailNote(m.direction, m.subject or "", aware(m.received_at) or now) for m in emails
        ],
        stage_changes=[sk.StageNote(c.old, str(c.new), aware(c.at) or now) for c in stages],
        commitments=[
            sk.CommitmentNote(c.owner, c.description, aware(c.due_at), c.status, aware(c.closed_at))
            for c in commitments
        ],
    )
