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

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import col
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
        select(
            col(ev.id),
            col(ev.title),
            col(ev.start_at),
            col(ev.is_external),
            col(ev.deal_id),
            col(cm.name),
            col(co.name),
        )
        .select_from(ev)
        .outerjoin(cm, col(cm.id) == col(ev.contact_id))
        .outerjoin(co, col(co.id) == col(cm.company_id))
        .where(
            col(ev.user_id) == user_id,
            col(ev.start_at) >= start,
            col(ev.start_at) < end,
            col(ev.status) != "cancelled",
            col(ev.all_day).is_(False),
        )
        .order_by(col(ev.start_at))
    )
    return [DayEvent(*r) for r in (await session.execute(q)).all()]


async def live_job_keys(
    session: AsyncSession, *, user_id: int, sequence_type: str, since: datetime
) -> list[str]:
    """Idempotency keys of the rep's pending or running jobs of `sequence_type` created since."""
    j = SequenceJob
    q = select(col(j.idempotency_key)).where(
        col(j.user_id) == user_id,
        col(j.sequence_type) == sequence_type,
        col(j.status).in_(("pending", "running")),
        col(j.created_at) >= since,
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
        select(
            col(msg.id),
            col(msg.category),
            col(msg.from_addr),
            col(msg.subject),
            col(th.contact_id),
            col(th.deal_id),
            col(cm.name),
            col(co.name),
        )
        .select_from(msg)
        .join(th, col(th.id) == col(msg.thread_id))
        .outerjoin(cm, col(cm.id) == col(th.contact_id))
        .outerjoin(co, col(co.id) == col(cm.company_id))
        .where(
            col(th.user_id) == user_id,
            col(msg.direction) == "inbound",
            col(msg.category).in_(tuple(categories)),
            col(msg.received_at) >= since,
        )
        .order_by(col(msg.received_at).desc())
        .limit(limit)
    )
    return [Inbound(*r) for r in (await session.execute(q)).all()]


async def deals_in_stage(session: AsyncSession, *, owner_id: int, stage: str) -> list[DealLine]:
    """The owner's deals in `stage`."""
    q = select(col(Deal.id), col(Deal.name), col(Deal.stage), col(Deal.amount)).where(
        col(Deal.owner_id) == owner_id, col(Deal.stage) == stage
    )
    return [DealLine(*r) for r in (await session.execute(q)).all()]


async def commitments_due_before(
    session: AsyncSession, *, user_id: int, before: datetime
) -> list[CommitmentDue]:
    """The rep's open or overdue commitments due before `before`."""
    ct = Commitment
    q = select(col(ct.description), col(ct.due_at), col(ct.owner), col(ct.counterparty)).where(
        col(ct.user_id) == user_id,
        col(ct.status).in_(("open", "overdue")),
        col(ct.due_at).is_not(None),
        col(ct.due_at) < before,
    )
    return [CommitmentDue(*r) for r in (await session.execute(q)).all()]


async def notes_since(session: AsyncSession, *, owner_id: int, since: datetime) -> int:
    """How many notes were logged on the owner's deals since."""
    q = (
        select(col(Activity.id))
        .join(Deal, col(Deal.id) == col(Activity.deal_id))
        .where(
            col(Deal.owner_id) == owner_id,
            col(Activity.kind) == "note",
            col(Activity.occurred_at) >= since,
        )
    )
    return len((await session.execute(q)).all())


# --------------------------------------------------------------------------- a meeting's delta


async def contacts_for_attendees(
    session: AsyncSession, *, org_id: int, emails: list[str], contact_id: int | None
) -> list[AttendeeContact]:
    """The org's contacts with these addresses (or, with none, the event's own contact)."""
    cond = col(Contact.email).in_(emails) if emails else col(Contact.id) == contact_id
    q = (
        select(
            col(Contact.id),
            col(Contact.name),
            col(Contact.title),
            col(Company.name),
            col(Contact.email),
        )
        .outerjoin(Company, col(Company.id) == col(Contact.company_id))
        .where(col(Contact.org_id) == org_id, cond)
    )
    return [AttendeeContact(*r) for r in (await session.execute(q)).all()]


async def org_deal(session: AsyncSession, *, org_id: int, deal_id: int) -> Deal | None:
    """The deal when it belongs to the org (a link to another org's deal reads nothing)."""
    q = select(Deal).where(col(Deal.id) == deal_id, col(Deal.org_id) == org_id)
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
    met = (
        col(Meeting.deal_id) == deal_id
        if deal_id is not None
        else col(Meeting.contact_id).in_(contact_ids)
    )
    recorded = (
        await session.execute(
            select(col(Meeting.started_at))
            .where(met, col(Meeting.started_at) < before)
            .order_by(col(Meeting.started_at).desc())
            .limit(1)
        )
    ).scalar()
    ev = CalendarEvent
    cal = col(ev.deal_id) == deal_id if deal_id is not None else col(ev.contact_id).in_(contact_ids)
    calendar = (
        await session.execute(
            select(col(ev.end_at))
            .where(
                cal,
                col(ev.id) != except_event,
                col(ev.end_at) < before,
                col(ev.status) != "cancelled",
            )
            .order_by(col(ev.end_at).desc())
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
    cond: list[ColumnElement[bool]] = [col(th.contact_id).in_(contact_ids)] if contact_ids else []
    if deal_id is not None:
        cond.append(col(th.deal_id) == deal_id)
    if not cond:
        return []
    q = (
        select(col(msg.direction), col(msg.subject), col(msg.received_at))
        .join(th, col(th.id) == col(msg.thread_id))
        .where(col(th.user_id) == user_id, or_(*cond), col(msg.received_at) > since)
        .order_by(col(msg.received_at))
        .limit(limit)
    )
    return [MessageNote(*r) for r in (await session.execute(q)).all()]


async def stage_changes(session: AsyncSession, *, deal_id: int) -> list[StageChange]:
    """The deal's applied stage changes, oldest first."""
    c = CrmFieldChange
    q = (
        select(col(c.old_value), col(c.new_value), col(c.created_at))
        .where(col(c.deal_id) == deal_id, col(c.field) == "stage", col(c.status) == "applied")
        .order_by(col(c.created_at))
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
    cond: list[ColumnElement[bool]] = [col(c.contact_id).in_(contact_ids)] if contact_ids else []
    if deal_id is not None:
        cond.append(col(c.deal_id) == deal_id)
    if not cond:
        return []
    q = (
        select(col(c.owner), col(c.description), col(c.due_at), col(c.status), col(c.closed_at))
        .where(col(c.user_id) == user_id, or_(*cond), col(c.status) != "cancelled")
        .limit(limit)
    )
    return [CommitmentNote(*r) for r in (await session.execute(q)).all()]


# --------------------------------------------------------------------------- a stalled deal


async def last_activity(session: AsyncSession, *, deal_id: int) -> Activity | None:
    q = (
        select(Activity)
        .where(col(Activity.deal_id) == deal_id)
        .order_by(col(Activity.occurred_at).desc())
        .limit(1)
    )
    return (await session.execute(q)).scalars().first()


async def open_deal_commitments(session: AsyncSession, *, deal_id: int) -> list[Commitment]:
    q = select(Commitment).where(
        col(Commitment.deal_id) == deal_id, col(Commitment.status).in_(("open", "overdue"))
    )
    return list((await session.execute(q)).scalars().all())
