"""Repository for `slack_events_seen`: the Slack event ids already received (redelivery guard).

Functions take an AsyncSession (the caller owns it and its transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackEventSeen


def record_event(session: AsyncSession, *, event_id: str, now: datetime) -> None:
    """Add the event id; a second delivery fails on the primary key at flush (IntegrityError)."""
    session.add(SlackEventSeen(event_id=event_id, received_at=now))


async def forget_events_before(session: AsyncSession, *, cutoff: datetime) -> int:
    """Delete ids received before `cutoff`; how many were deleted."""
    result = await session.exec(
        delete(SlackEventSeen).where(col(SlackEventSeen.received_at) < cutoff)
    )
    return int(result.rowcount or 0)
