"""Repository for inbound mail: threads, messages, the mailbox sync cursor, and who wrote.

Owns `email_threads` / `email_messages` writes (a message is stored once per thread: the
unique (thread, provider_message_id) pair makes a duplicate push a no-op), thread lookup by
the RFC 5322 references (so a reply joins the thread of the message it answers, including
one Sixty sent), `mailbox_states` (Gmail history id, last poll), and matching a sender to a
CRM contact and deal by address, then by company domain. Functions take an AsyncSession and
never commit: the flow step owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Company,
    Contact,
    Deal,
    DealContact,
    EmailMessage,
    EmailSend,
    EmailThread,
    MailboxState,
)

CLOSED_STAGES = ("closed_won", "closed_lost")
# Addresses at these domains say nothing about the sender's company.
FREEMAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
    "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "mail.com",
})  # fmt: skip


@dataclass(frozen=True)
class Match:
    """Who wrote, as far as the CRM knows."""

    contact_id: int | None
    deal_id: int | None
    company_id: int | None
    contact_name: str | None = None


# ------------------------------------------------------------------ mailbox cursor


async def mailbox_state(session: AsyncSession, connection_id: int) -> MailboxState:
    row = await session.get(MailboxState, connection_id)
    if row is None:
        row = MailboxState(connection_id=connection_id)
        session.add(row)
        await session.flush()
    return row


async def set_history_id(session: AsyncSession, connection_id: int, history_id: str) -> None:
    """Move the cursor forward only (numeric history ids; a stale job never rewinds it)."""
    row = await mailbox_state(session, connection_id)
    if row.history_id is None or _as_int(history_id) > _as_int(row.history_id):
        row.history_id = str(history_id)
        session.add(row)
        await session.flush()


def _as_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


# ------------------------------------------------------------------ threads and messages


async def is_our_outbound(session: AsyncSession, message_id_header: str | None) -> bool:
    """True when Sixty sent this Message-ID (a copy of our own mail seen in the inbox)."""
    if not message_id_header:
        return False
    stmt = select(EmailSend.id).where(EmailSend.message_id_header == message_id_header)
    return (await session.exec(stmt)).first() is not None


async def find_thread(
    session: AsyncSession, *, user_id: int, provider: str, references: list[str]
) -> EmailThread | None:
    """The rep's thread holding any of these Message-IDs (our sends count), newest reference first."""
    for ref in reversed([r for r in references if r]):
        stmt = (
            select(EmailThread)
            .join(EmailMessage, col(EmailMessage.thread_id) == col(EmailThread.id))
            .where(EmailThread.user_id == user_id, EmailMessage.message_id_header == ref)
        )
        thread = (await session.exec(stmt)).first()
        if thread is not None:
            return thread
        sent = (
            await session.exec(
                select(EmailSend).where(
                    EmailSend.user_id == user_id, EmailSend.message_id_header == ref
                )
            )
        ).first()
        if sent is not None and sent.provider_thread_id:
            stmt2 = select(EmailThread).where(
                EmailThread.user_id == user_id,
                EmailThread.provider == provider,
                EmailThread.external_thread_id == sent.provider_thread_id,
            )
            thread = (await session.exec(stmt2)).first()
            if thread is not None:
                return thread
    return None


async def thread_for(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    provider: str,
    external_thread_id: str,
    subject: str,
) -> EmailThread:
    stmt = select(EmailThread).where(
        EmailThread.user_id == user_id,
        EmailThread.provider == provider,
        EmailThread.external_thread_id == external_thread_id,
    )
    thread = (await session.exec(stmt)).first()
    if thread is None:
        thread = EmailThread(org_id=org_id, user_id=user_id, provider=provider,
                             external_thread_id=external_thread_id, subject=subject[:500])  # fmt: skip
        session.add(thread)
        await session.flush()
    return thread


async def add_message(session: AsyncSession, *, thread: EmailThread, message: EmailMessage) -> bool:
    """Store `message` in `thread`; False (and nothing stored) when it is already there."""
    assert thread.id is not None
    stmt = select(EmailMessage.id).where(
        EmailMessage.thread_id == thread.id,
        EmailMessage.provider_message_id == message.provider_message_id,
    )
    if (await session.exec(stmt)).first() is not None:
        return False
    message.thread_id = thread.id
    message.org_id = thread.org_id
    session.add(message)
    participants = set(thread.participants or [])
    participants.update(
        a.lower() for a in [message.from_addr, *message.to_addrs, *message.cc_addrs]
    )
    thread.participants = sorted(participants)
    if thread.last_message_at is None or message.received_at > thread.last_message_at:
        thread.last_message_at = message.received_at
    session.add(thread)
    await session.flush()
    return True


async def message_seen(
    session: AsyncSession, *, user_id: int, provider: str, provider_message_id: str
) -> bool:
    """Has any thread of this rep stored the provider's message already?"""
    stmt = (
        select(EmailMessage.id)
        .join(EmailThread, col(EmailMessage.thread_id) == col(EmailThread.id))
        .where(
            EmailThread.user_id == user_id,
            EmailThread.provider == provider,
            EmailMessage.provider_message_id == provider_message_id,
        )
    )
    return (await session.exec(stmt)).first() is not None


async def latest_inbound_from(
    session: AsyncSession, *, user_id: int, address: str, limit: int = 3
) -> list[EmailMessage]:
    """The rep's newest inbound messages from `address`, newest first."""
    stmt = (
        select(EmailMessage)
        .join(EmailThread, col(EmailThread.id) == col(EmailMessage.thread_id))
        .where(EmailThread.user_id == user_id, EmailMessage.direction == "inbound",
               EmailMessage.from_addr == address)
        .order_by(col(EmailMessage.received_at).desc())
        .limit(limit)
    )  # fmt: skip
    return list((await session.exec(stmt)).all())


async def set_category(
    session: AsyncSession, *, message_id: int, category: str, confidence: float
) -> None:
    row = await session.get(EmailMessage, message_id)
    if row is not None:
        row.category, row.category_confidence = category, confidence
        session.add(row)
        await session.flush()


# ------------------------------------------------------------------ who wrote


async def match_sender(session: AsyncSession, *, org_id: int, address: str) -> Match:
    """The contact with this address (else the company by domain) and its open deal."""
    addr = address.strip().lower()
    contact = (
        await session.exec(
            select(Contact).where(Contact.org_id == org_id, func.lower(Contact.email) == addr)
        )
    ).first()
    company_id = contact.company_id if contact is not None else None
    domain = addr.rpartition("@")[2]
    if company_id is None and domain and domain not in FREEMAIL:
        company = (
            await session.exec(
                select(Company).where(
                    Company.org_id == org_id, func.lower(Company.domain) == domain
                )
            )
        ).first()
        company_id = company.id if company is not None else None
    deal = None
    if contact is not None:
        stmt = (
            select(Deal)
            .outerjoin(DealContact, col(DealContact.deal_id) == col(Deal.id))
            .where(
                Deal.org_id == org_id,
                (col(Deal.primary_contact_id) == contact.id)
                | (col(DealContact.contact_id) == contact.id),
            )
            .order_by(col(Deal.updated_at).desc())
        )
        deal = _first_open(list((await session.exec(stmt)).all()))
    if deal is None and company_id is not None:
        stmt3 = select(Deal).where(Deal.org_id == org_id, Deal.company_id == company_id)
        deal = _first_open(
            list((await session.exec(stmt3.order_by(col(Deal.updated_at).desc()))).all())
        )
    return Match(
        contact_id=contact.id if contact else None,
        deal_id=deal.id if deal else None,
        company_id=company_id,
        contact_name=contact.name if contact else None,
    )


def _first_open(deals: list[Deal]) -> Deal | None:
    open_deals = [d for d in deals if d.stage not in CLOSED_STAGES]
    picked = open_deals or deals
    return picked[0] if picked else None


async def link_thread(
    session: AsyncSession, *, thread: EmailThread, match: Match, at: datetime | None = None
) -> None:
    """Attach the thread to the sender's contact and deal when it has none yet."""
    changed = False
    if thread.contact_id is None and match.contact_id is not None:
        thread.contact_id, changed = match.contact_id, True
    if thread.deal_id is None and match.deal_id is not None:
        thread.deal_id, changed = match.deal_id, True
    if changed:
        session.add(thread)
        await session.flush()


async def follow_ups_paused(
    session: AsyncSession, *, contact_id: int | None, now: datetime
) -> datetime | None:
    """Until when follow-ups to this contact wait (an out-of-office reply), else None."""
    if contact_id is None:
        return None
    contact = await session.get(Contact, contact_id)
    if contact is None or contact.paused_until is None or contact.paused_until <= now:
        return None
    return contact.paused_until


async def latest_with_message_id(session: AsyncSession, *, thread_id: int) -> EmailMessage | None:
    """The thread's newest message that has a Message-ID (what a reply answers)."""
    stmt = (
        select(EmailMessage)
        .where(
            EmailMessage.thread_id == thread_id, col(EmailMessage.message_id_header).is_not(None)
        )
        .order_by(col(EmailMessage.received_at).desc())
    )
    return (await session.exec(stmt)).first()


async def remember_outbound(session: AsyncSession, *, send: EmailSend, rep_address: str) -> None:
    """Keep mail sent through Gmail in `email_threads` / `email_messages` (its Gmail thread id),
    so a reply in that thread is matched to the deal and the next reply threads under this one."""
    assert send.provider_thread_id and send.provider_message_id
    d = send.draft or {}
    thread = (
        await session.exec(
            select(EmailThread).where(
                EmailThread.user_id == send.user_id,
                EmailThread.provider == "google",
                EmailThread.external_thread_id == send.provider_thread_id,
            )
        )
    ).first()
    if thread is None:
        thread = EmailThread(org_id=send.org_id, user_id=send.user_id, provider="google",
                             external_thread_id=send.provider_thread_id, subject=send.subject,
                             contact_id=d.get("contact_id"), deal_id=send.deal_id)  # fmt: skip
    seen: dict[str, None] = {}
    for a in [*(thread.participants or []), *send.to_addrs, *send.cc_addrs]:
        if str(a).strip():
            seen.setdefault(str(a).strip(), None)
    thread.participants = list(seen)
    thread.last_message_at = send.sent_at
    session.add(thread)
    await session.flush()
    assert thread.id is not None
    session.add(EmailMessage(org_id=send.org_id, thread_id=thread.id, provider_message_id=send.provider_message_id,
                             message_id_header=send.message_id_header, direction="outbound",
                             from_addr=rep_address, to_addrs=list(send.to_addrs),
                             cc_addrs=list(send.cc_addrs), subject=send.subject,
                             body_text=str(d.get("body") or ""),
                             received_at=send.sent_at or send.updated_at))  # fmt: skip
    await session.flush()
