"""Reads for the proactive briefs: a rep's day, the inbox that needs them, a meeting's delta.

What the morning brief, the pre-meeting brief and the stale-deal revival read, one query per
function. The caller owns the session (`async def x(session, ...)`): a brief reads all it
needs in one session. Rows come back as they are; the flows turn them into their view inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Activity,
    CalendarEvent,
    Commitment,
    Company,
    Contact,
    CrmFieldChange,
    Deal,
    EmailMessage,
    EmailThread,
    Meeting,
    SequenceJob,
)


@dataclass(frozen=True)
class DayEvent:
    id: int
    title: str
    start_at: datetime
    external: bool
    deal_id: int | None
    contact: str | None  # the contact's name
    company: str | None


@dataclass(frozen=True)
class Inbound:
    id: int
    category: str | None
    from_addr: str
    subject: str | None
    contact_id: int | None  # the thread's
    deal_id: int | None
    contact: str | None
    company: str | None


@dataclass(frozen=True)
class DealLine:
    id: int
    name: str
    stage: str
    amount: float | None


@dataclass(frozen=True)
class CommitmentDue:
    description: str
    due_at: datetime
    owner: str
    counterparty: str | None


@dataclass(frozen=True)
class AttendeeContact:
    id: int
    name: str
    title: str | None
    company: str | None
    email: str | None


@dataclass(frozen=True)
class MessageNote:
    direction: str
    subject: str | None
    received_at: datetime


@dataclass(frozen=True)
class StageChange:
    old: Any
    new: Any
    at: datetime


@dataclass(frozen=True)
class CommitmentNote:
    owner: str
    description: str
    due_at: datetime | None
    status: str
    closed_at: datetime | None


# --------------------------------------------------------------------------- the rep's day


async def day_events(
    session: AsyncSession, *, user_id: int, start: datetime, end: datetime
) -> list[DayEvent]:
    """The rep's timed, not cancelled calendar events in [start, end), in start order."""
    ev, cm, co = CalendarEvent, Contact, Company
    q = (
        select(ev.id, ev.title, ev.start_at, ev.is_external, ev.deal_id, cm.name, co.name)
        .select_from(ev)
        .outerjoin(cm, cm.id == ev.contact_id)
        .outerjoin(co, co.id == cm.company_id)
        .where(
            ev.user_id == user_id,
            ev.start_at >= start,
            ev.start_at < end,
            ev.status != "cancelled",
            ev.all_day.is_(False),
        )
        .order_by(ev.start_at)
    )
    return [DayEvent(*r) for r in (await session.execute(q)).all()]


async def live_job_keys(
    session: AsyncSession, *, user_id: int, sequence_type: str, since: datetime
) -> list[str]:
    """Idempotency keys of the rep's pending or running jobs of `sequence_type` created since."""
    j = SequenceJob
    q = select(j.idempotency_key).where(
        j.user_id == user_id,
        j.sequence_type == sequence_type,
        j.status.in_(("pending", "running")),
        j.created_at >= since,
    )
    return [k for (k,) in (await session.execute(q)).all()]


async def inbound_in_categories(
    session: AsyncSession,
    *,
    user_id: int,
    categories: Sequence[str],
    since: datetime,
    limit: int = 30,
) -> list[Inbound]:
    """The rep's inbound messages of these categories received since, newest first."""
    th, msg, cm, co = EmailThread, EmailMessage, Contact, Company
    q = (
        select(msg.id, msg.category, msg.from_addr, msg.subject, th.contact_id, th.deal_id,
               cm.name, co.name)
        .select_from(msg)
        .join(th, th.id == msg.thread_id)
        .outerjoin(cm, cm.id == th.contact_id)
        .outerjoin(co, co.id == cm.company_id)
        .where(
            th.user_id == user_id,
            msg.direction == "inbound",
            msg.category.in_(tuple(categories)),
            msg.received_at >= since,
        )
        .order_by(msg.received_at.desc())
        .limit(limit)
    )
    return [Inbound(*r) for r in (await session.execute(q)).all()]


async def deals_in_stage(session: AsyncSession, *, owner_id: int, stage: str) -> list[DealLine]:
    """The owner's deals in `stage`."""
    q = select(Deal.id, Deal.name, Deal.stage, Deal.amount).where(
        Deal.owner_id == owner_id, Deal.stage == stage
    )
    return [DealLine(*r) for r in (await session.execute(q)).all()]


async def commitments_due_before(
    session: AsyncSession, *, user_id: int, before: datetime
) -> list[CommitmentDue]:
    """The rep's open or overdue commitments due before `before`."""
    ct = Commitment
    q = select(ct.description, ct.due_at, ct.owner, ct.counterparty).where(
        ct.user_id == user_id,
        ct.status.in_(("open", "overdue")),
        ct.due_at.is_not(None),
        ct.due_at < before,
    )
    return [CommitmentDue(*r) for r in (await session.execute(q)).all()]


async def notes_since(session: AsyncSession, *, owner_id: int, since: datetime) -> int:
    """How many notes were logged on the owner's deals since."""
    q = (
        select(Activity.id)
        .join(Deal, Deal.id == Activity.deal_id)
        .where(Deal.owner_id == owner_id, Activity.kind == "note", Activity.occurred_at >= since)
    )
    return len((await session.execute(q)).all())


# --------------------------------------------------------------------------- a meeting's delta


async def contacts_for_attendees(
    session: AsyncSession, *, org_id: int, emails: list[str], contact_id: int | None
) -> list[AttendeeContact]:
    """The org's contacts with these addresses (or, with none, the event's own contact)."""
    cond = Contact.email.in_(emails) if emails else Contact.id == contact_id
    q = (
        select(Contact.id, Contact.name, Contact.title, Company.name, Contact.email)
        .outerjoin(Company, Company.id == Contact.company_id)
        .where(Contact.org_id == org_id, cond)
    )
    return [AttendeeContact(*r) for r in (await session.execute(q)).all()]


async def org_deal(session: AsyncSession, *, org_id: int, deal_id: int) -> Deal | None:
    """The deal when it belongs to the org (a link to another org's deal reads nothing)."""
    q = select(Deal).where(Deal.id == deal_id, Deal.org_id == org_id)
    return (await session.execute(q)).scalars().first()


async def last_meeting_at(
    session: AsyncSession,
    *,
    deal_id: int | None,
    contact_ids: list[int],
    before: datetime,
    except_event: int | None,
) -> tuple[datetime | None, datetime | None]:
    """(last recorded meeting start, last calendar meeting end) before `before` about the deal
    (or, without one, with these contacts); the calendar event `except_event` not counted."""
    if deal_id is None and not contact_ids:
        return None, None
    met = Meeting.deal_id == deal_id if deal_id is not None else Meeting.contact_id.in_(contact_ids)
    recorded = (
        await session.execute(
            select(Meeting.started_at)
            .where(met, Meeting.started_at < before)
            .order_by(Meeting.started_at.desc())
            .limit(1)
        )
    ).scalar()
    ev = CalendarEvent
    cal = ev.deal_id == deal_id if deal_id is not None else ev.contact_id.in_(contact_ids)
    calendar = (
        await session.execute(
            select(ev.end_at)
            .where(cal, ev.id != except_event, ev.end_at < before, ev.status != "cancelled")
            .order_by(ev.end_at.desc())
            .limit(1)
        )
    ).scalar()
    return recorded, calendar


async def thread_messages_since(
    session: AsyncSession,
    *,
    user_id: int,
    contact_ids: list[int],
    deal_id: int | None,
    since: datetime,
    limit: int = 50,
) -> list[MessageNote]:
    """The rep's messages since, in threads with these contacts or about the deal, oldest
    first."""
    th, msg = EmailThread, EmailMessage
    cond = [th.contact_id.in_(contact_ids)] if contact_ids else []
    if deal_id is not None:
        cond.append(th.deal_id == deal_id)
    if not cond:
        return []
    q = (
        select(msg.direction, msg.subject, msg.received_at)
        .join(th, th.id == msg.thread_id)
        .where(th.user_id == user_id, or_(*cond), msg.received_at > since)
        .order_by(msg.received_at)
        .limit(limit)
    )
    return [MessageNote(*r) for r in (await session.execute(q)).all()]


async def stage_changes(session: AsyncSession, *, deal_id: int) -> list[StageChange]:
    """The deal's applied stage changes, oldest first."""
    c = CrmFieldChange
    q = (
        select(c.old_value, c.new_value, c.created_at)
        .where(c.deal_id == deal_id, c.field == "stage", c.status == "applied")
        .order_by(c.created_at)
    )
    return [StageChange(*r) for r in (await session.execute(q)).all()]


async def commitments_about(
    session: AsyncSession,
    *,
    user_id: int,
    contact_ids: list[int],
    deal_id: int | None,
    limit: int = 30,
) -> list[CommitmentNote]:
    """The rep's not-cancelled commitments with these contacts or about the deal."""
    c = Commitment
    cond = [c.contact_id.in_(contact_ids)] if contact_ids else []
    if deal_id is not None:
        cond.append(c.deal_id == deal_id)
    if not cond:
        return []
    q = (
        select(c.owner, c.description, c.due_at, c.status, c.closed_at)
        .where(c.user_id == user_id, or_(*cond), c.status != "cancelled")
        .limit(limit)
    )
    return [CommitmentNote(*r) for r in (await session.execute(q)).all()]


# --------------------------------------------------------------------------- a stalled deal


async def last_activity(session: AsyncSession, *, deal_id: int) -> Activity | None:
    q = (
        select(Activity)
        .where(Activity.deal_id == deal_id)
        .order_by(Activity.occurred_at.desc())
        .limit(1)
    )
    return (await session.execute(q)).scalars().first()


async def open_deal_commitments(session: AsyncSession, *, deal_id: int) -> list[Commitment]:
    q = select(Commitment).where(
        Commitment.deal_id == deal_id, Commitment.status.in_(("open", "overdue"))
    )
    return list((await session.execute(q)).scalars().all())
