"""Reads the per-rep and per-meeting crons are planned from: active reps, orgs with their
settings, upcoming calendar events. The caller owns the session (`async def x(session, ...)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CalendarEvent, Org, OrgSettings, User


async def active_reps(session: AsyncSession, *, org_id: int | None = None) -> list[User]:
    """Active users with the rep role (of one org, when given)."""
    q = select(User).where(User.active.is_(True), User.role == "rep")
    if org_id is not None:
        q = q.where(User.org_id == org_id)
    return list((await session.execute(q)).scalars().all())


async def orgs_with_settings(session: AsyncSession) -> list[tuple[Org, OrgSettings | None]]:
    q = select(Org, OrgSettings).outerjoin(OrgSettings, OrgSettings.org_id == Org.id)
    return [(org, settings) for org, settings in (await session.execute(q)).all()]


@dataclass(frozen=True)
class UpcomingEvent:
    id: int
    user_id: int
    org_id: int
    start_at: datetime
    status: str
    is_external: bool
    all_day: bool


async def upcoming_events(
    session: AsyncSession, *, after: datetime, until: datetime, user_id: int | None = None
) -> list[UpcomingEvent]:
    """Calendar events that start in (after, until], of one rep when given."""
    ev = CalendarEvent
    q = select(
        ev.id, ev.user_id, ev.org_id, ev.start_at, ev.status, ev.is_external, ev.all_day
    ).where(ev.start_at > after, ev.start_at <= until)
    if user_id is not None:
        q = q.where(ev.user_id == user_id)
    return [UpcomingEvent(*r) for r in (await session.execute(q)).all()]
