"""Reads of a rep's own inbox for Slack answers: one email of theirs, and their recent inbound mail.

Functions take an AsyncSession (the caller owns it) and only read; every query is limited to the
threads of the given user, so an id from a button never reaches someone else's mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import EmailMessage, EmailThread


@dataclass(frozen=True)
class InboxLine:
    """One inbound email as the inbox summary lists it."""

    subject: str | None
    category: str | None
    from_addr: str


async def own_message(
    session: AsyncSession, *, user_id: int, message_id: int
) -> tuple[EmailMessage, EmailThread] | None:
    """The message and its thread when the thread is `user_id`'s, else None."""
    row = (
        await session.exec(
            select(EmailMessage, EmailThread)
            .join(EmailThread, col(EmailThread.id) == col(EmailMessage.thread_id))
            .where(EmailMessage.id == message_id, EmailThread.user_id == user_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def recent_inbound(
    session: AsyncSession, *, user_id: int, since: datetime, limit: int = 20
) -> list[InboxLine]:
    """`user_id`'s inbound emails received at or after `since`, newest first."""
    rows = (
        await session.exec(
            select(EmailMessage.subject, EmailMessage.category, EmailMessage.from_addr)
            .join(EmailThread, col(EmailThread.id) == col(EmailMessage.thread_id))
            .where(
                EmailThread.user_id == user_id,
                EmailMessage.direction == "inbound",
                col(EmailMessage.received_at) >= since,
            )
            .order_by(col(EmailMessage.received_at).desc())
            .limit(limit)
        )
    ).all()
    return [InboxLine(subject=r[0], category=r[1], from_addr=r[2]) for r in rows]
