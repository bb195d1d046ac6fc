"""Reads the per-rep and per-meeting crons are planned from: active reps, orgs with their
settings, the reps' own campaign digest times, upcoming calendar events. The caller owns the session (`async def x(session, ...)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CalendarEvent, Org, OrgSettings, User, UserPreferences


async def active_reps(session: AsyncSession, *, org_id: int | None = None) -> list[User]:
    """Active users with the rep role (of one org, when given)."""
    q = select(User).where(col(User.active).is_(True), col(User.role) == "rep")
    if org_id is not None:
        q = q.where(col(User.org_id) == org_id)
    return list((await session.execute(q)).scalars().all())


async def campaign_digest_times(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, time]:
    """user id -> their own campaign digest time, for those who set one (the others get it at
    their morning brief's time)."""
    ids = list(user_ids)
    if not ids:
        return {}
    q = select(col(UserPreferences.user_id), col(UserPreferences.campaign_digest_time)).where(
        col(UserPreferences.user_id).in_(ids),
        col(UserPreferences.campaign_digest_time).is_not(None),
    )
    return {int(uid): t for uid, t in (await session.execute(q)).all() if t is not None}


async def managers(session: AsyncSession, *, org_id: int | None = None) -> list[User]:
    """Active users with at least one active direct report (of one org, when given)."""
    reports = select(col(User.manager_id)).where(
        col(User.active).is_(True), col(User.manager_id).is_not(None)
    )
    q = select(User).where(col(User.active).is_(True), col(User.id).in_(reports))
    if org_id is not None:
        q = q.where(col(User.org_id) == org_id)
    return list((await session.execute(q)).scalars().all())


async def orgs_with_settings(session: AsyncSession) -> list[tuple[Org, OrgSettings | None]]:
    q = select(Org, OrgSettings).outerjoin(OrgSettings, col(OrgSettings.org_id) == col(Org.id))
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
        col(ev.id),
        col(ev.user_id),
        col(ev.org_id),
        col(ev.start_at),
        col(ev.status),
        col(ev.is_external),
        col(ev.all_day),
    ).where(col(ev.start_at) > after, col(ev.start_at) <= until)
    if user_id is not None:
        q = q.where(col(ev.user_id) == user_id)
    return [UpcomingEvent(*r) for r in (await session.execute(q)).all()]
