"""Reads of a rep's calendar for Slack commands: their next external meeting matching a few words.

Functions take an AsyncSession (the caller owns it) and only read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CalendarEvent, Company, Contact

LOOKAHEAD = timedelta(days=7)


async def next_external_meeting(
    session: AsyncSession, *, user_id: int, query: str, now: datetime
) -> CalendarEvent | None:
    """The rep's next external meeting (within 7 days) whose title, contact or company contains `query`."""
    ev = CalendarEvent
    q = (
        select(ev)
        .outerjoin(Contact, col(Contact.id) == col(ev.contact_id))
        .outerjoin(Company, col(Company.id) == col(Contact.company_id))
        .where(
            ev.user_id == user_id,
            col(ev.end_at) > now,
            col(ev.start_at) < now + LOOKAHEAD,
            ev.status != "cancelled",
            col(ev.is_external).is_(True),
        )
        .order_by(col(ev.start_at))
        .limit(1)
    )
    words = query.strip()
    if words:
        like = f"%{words.lower()}%"
        q = q.where(
            or_(
                func.lower(ev.title).like(like),
                func.lower(Contact.name).like(like),
                func.lower(Company.name).like(like),
            )
        )
    return (await session.exec(q)).first()
