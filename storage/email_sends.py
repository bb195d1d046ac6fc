"""Repository for email sent as the rep (`email_sends`) and its audit trail (`email_send_events`).

A send is created with its unique Message-ID before anything is handed to a provider (the
intent). Every state change is a compare-and-set on `status` (so a Cancel click and the send
step can never both win) and writes one `EmailSendEvent`: drafted, approved (by whom),
recipients_confirmed, scheduled, cancelled, sending, sent (provider ids), failed (reason).
The caller owns the session/transaction: nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Contact,
    DealContact,
    EmailMessage,
    EmailSend,
    EmailSendEvent,
    EmailThread,
    MeetingAttendee,
)
from storage.types import utcnow

DRAFTED, APPROVED, SCHEDULED, CANCELLED = "drafted", "approved", "scheduled", "cancelled"
SENDING, SENT, FAILED = "sending", "sent", "failed"
COUNTED = (SCHEDULED, SENDING, SENT)  # what counts against the daily limit
CANCELLABLE = (APPROVED, SCHEDULED)


async def add_event(
    session: AsyncSession,
    send_id: int,
    state: str,
    *,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> EmailSendEvent:
    ev = EmailSendEvent(send_id=send_id, state=state, actor=actor, detail=detail or {},
                        at=at or utcnow())  # fmt: skip
    session.add(ev)
    await session.flush()
    return ev


async def create_send(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    message_id: str,
    provider: str,
    to: list[str],
    cc: list[str],
    subject: str,
    draft: dict[str, Any],
    approved_by: str | None,
    job_id: int | None = None,
    pending_action_id: str | None = None,
    deal_id: int | None = None,
    now: datetime | None = None,
) -> EmailSend:
    """The intent: a row with its unique Message-ID, `drafted` then `approved` (by whom)."""
    at = now or utcnow()
    row = EmailSend(org_id=org_id, user_id=user_id, job_id=job_id,
                    pending_action_id=pending_action_id, message_id_header=message_id,
                    provider=provider, to_addrs=list(to), cc_addrs=list(cc), subject=subject,
                    status=APPROVED, deal_id=deal_id, draft=draft, created_at=at,
                    updated_at=at)  # fmt: skip
    session.add(row)
    await session.flush()
    assert row.id is not None
    await add_event(session, row.id, DRAFTED, detail={"job_id": job_id}, at=at)
    await add_event(session, row.id, APPROVED, actor=approved_by,
                    detail={"pending_action_id": pending_action_id}, at=at)  # fmt: skip
    return row


async def transition(
    session: AsyncSession,
    send_id: int,
    *,
    to_state: str,
    from_states: Iterable[str],
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
    **values: Any,
) -> bool:
    """Move the send to `to_state` if it is in one of `from_states` (compare-and-set) and audit
    it; False (and no audit row) when another actor changed it first."""
    at = now or utcnow()
    stmt = (
        update(EmailSend)
        .where(col(EmailSend.id) == send_id, col(EmailSend.status).in_(tuple(from_states)))
        .values(status=to_state, updated_at=at, **values)
    )
    res = await session.exec(stmt)
    if res.rowcount != 1:
        return False
    await add_event(session, send_id, to_state, actor=actor, detail=detail, at=at)
    return True


async def get_send(session: AsyncSession, send_id: int) -> EmailSend | None:
    row = await session.get(EmailSend, send_id)
    if row is not None:
        await session.refresh(row)
    return row


async def by_message_id(session: AsyncSession, message_id: str) -> EmailSend | None:
    stmt = select(EmailSend).where(EmailSend.message_id_header == message_id)
    return (await session.exec(stmt)).first()


def local_day_bounds(tz: str, now: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the rep's calendar day containing `now`."""
    zone = ZoneInfo(tz or "UTC")
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(0), tzinfo=zone)
    end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


async def sends_today(
    session: AsyncSession, *, user_id: int, tz: str, now: datetime, exclude: int | None = None
) -> int:
    """Sends counted against the daily limit today (rep's timezone): sent, sending, scheduled."""
    start, end = local_day_bounds(tz, now)
    when = func.coalesce(EmailSend.sent_at, EmailSend.send_after, EmailSend.updated_at)
    stmt = select(func.count()).where(
        EmailSend.user_id == user_id,
        col(EmailSend.status).in_(COUNTED),
        when >= start,
        when < end,
    )
    if exclude is not None:
        stmt = stmt.where(EmailSend.id != exclude)
    return int((await session.exec(stmt)).one())


async def events_for(session: AsyncSession, send_id: int) -> list[EmailSendEvent]:
    stmt = (
        select(EmailSendEvent)
        .where(EmailSendEvent.send_id == send_id)
        .order_by(col(EmailSendEvent.id))
    )
    return list((await session.exec(stmt)).all())


async def sends_for_jobs(
    session: AsyncSession, job_ids: Iterable[int], send_ids: Iterable[int] = ()
) -> list[EmailSend]:
    """Sends created by these jobs, plus the given send ids (a send job's `payload.send_id`)."""
    jobs, sends = list(job_ids), list(send_ids)
    if not jobs and not sends:
        return []
    stmt = (
        select(EmailSend)
        .where(or_(col(EmailSend.job_id).in_(jobs), col(EmailSend.id).in_(sends)))
        .order_by(col(EmailSend.id))
    )
    return list((await session.exec(stmt)).all())


async def audit_for_jobs(
    session: AsyncSession, job_ids: Iterable[int], send_ids: Iterable[int] = ()
) -> list[dict[str, Any]]:
    """What `sixty jobs show` prints: each linked send with its audit trail (no bodies)."""
    out = []
    for send in await sends_for_jobs(session, job_ids, send_ids):
        assert send.id is not None
        out.append({
            "send_id": send.id, "status": send.status, "provider": send.provider,
            "message_id": send.message_id_header, "recipients": len(send.to_addrs) + len(send.cc_addrs),
            "provider_message_id": send.provider_message_id,
            "provider_thread_id": send.provider_thread_id, "error": send.error,
            "events": [{"state": e.state, "actor": e.actor, "at": e.at.isoformat(),
                        **({"detail": e.detail} if e.detail else {})}
                       for e in await events_for(session, send.id)],
        })  # fmt: skip
    return out


async def send_for_job(session: AsyncSession, *, job_id: int, key: str) -> EmailSend | None:
    """The send a job created under `key` (a crash after the row was written, before the ledger
    said so, finds it again)."""
    rows = (await session.exec(select(EmailSend).where(EmailSend.job_id == job_id))).all()
    return next((r for r in rows if (r.draft or {}).get("key") == key), None)


async def known_recipients(session: AsyncSession, send: EmailSend) -> set[str]:
    """Addresses the rep may send to without confirming: the thread's participants, the deal's
    contacts, the meeting's attendees (lower-cased)."""
    known: set[str] = set()
    d = send.draft or {}
    if send.deal_id is not None:
        rows = await session.exec(
            select(Contact.email)
            .join(DealContact, col(DealContact.contact_id) == col(Contact.id))
            .where(DealContact.deal_id == send.deal_id)
        )
        known.update(e for e in rows.all() if e)
    if d.get("contact_id"):
        c = await session.get(Contact, d["contact_id"])
        if c is not None and c.email:
            known.add(c.email)
    if d.get("meeting_id"):
        rows2 = await session.exec(
            select(MeetingAttendee.email).where(MeetingAttendee.meeting_id == d["meeting_id"])
        )
        known.update(e for e in rows2.all() if e)
    if d.get("email_thread_id"):
        thread = await session.get(EmailThread, d["email_thread_id"])
        if thread is not None and thread.user_id == send.user_id:
            known.update(thread.participants or [])
            msgs = await session.exec(
                select(EmailMessage).where(EmailMessage.thread_id == thread.id)
            )
            for m in msgs.all():
                known.update([m.from_addr, *(m.to_addrs or []), *(m.cc_addrs or [])])
    return {k.strip().lower() for k in known if k}


async def do_not_email(session: AsyncSession, *, org_id: int, addresses: list[str]) -> set[str]:
    """Which of `addresses` (lower-cased) belong to the org's do-not-email contacts."""
    lowered = [a.lower() for a in addresses]
    if not lowered:
        return set()
    rows = await session.exec(select(Contact.email).where(
        Contact.org_id == org_id, col(Contact.do_not_email).is_(True),
        func.lower(Contact.email).in_(lowered)))  # fmt: skip
    return {e.lower() for e in rows.all() if e}


async def contact_names(
    session: AsyncSession, *, org_id: int, addresses: list[str]
) -> dict[str, str]:
    """Lower-cased address -> the org's contact name, for the addresses that have one."""
    lowered = [a.lower() for a in addresses]
    if not lowered:
        return {}
    rows = await session.exec(select(Contact).where(
        Contact.org_id == org_id, func.lower(Contact.email).in_(lowered)))  # fmt: skip
    return {c.email.lower(): c.name for c in rows.all() if c.email}
