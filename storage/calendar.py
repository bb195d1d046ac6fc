"""Repository for the reps' synced calendars: `calendar_events` and `calendar_sync_states`.

The caller owns the session (and so the transaction); nothing here commits. What counts as
busy, tentative or a day off, and which events are external, is decided by the flows: these
functions only read and write rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CalendarEvent, CalendarSyncState, Connection, User
from storage.types import utcnow

if TYPE_CHECKING:
    from connectors.calendar import EventChange

CALENDAR_PROVIDERS = ("google", "microsoft")


# ---------------------------------------------------------------------------------- sync state


async def sync_state(
    session: AsyncSession, *, user_id: int, provider: str, create: bool = True
) -> CalendarSyncState | None:
    """The rep's sync state for `provider` (a new, flushed row when `create` and none yet)."""
    row = (
        await session.exec(
            select(CalendarSyncState).where(
                CalendarSyncState.user_id == user_id, CalendarSyncState.provider == provider
            )
        )
    ).first()
    if row is None and create:
        row = CalendarSyncState(user_id=user_id, provider=provider)
        session.add(row)
        await session.flush()
    return row


async def sync_state_by_id(session: AsyncSession, *, state_id: int) -> CalendarSyncState | None:
    return await session.get(CalendarSyncState, state_id)


async def has_synced(session: AsyncSession, *, user_id: int) -> bool:
    """Whether any of the rep's calendars has been synced (holds a sync token)."""
    row = (
        await session.exec(
            select(CalendarSyncState.id).where(
                CalendarSyncState.user_id == user_id,
                col(CalendarSyncState.sync_token).is_not(None),
            )
        )
    ).first()
    return row is not None


@dataclass(frozen=True)
class SyncTarget:
    """An active rep with an active calendar connection, and its stored sync state (if any)."""

    provider: str
    user: User
    state: CalendarSyncState | None


async def sync_targets(session: AsyncSession) -> list[SyncTarget]:
    """Every active rep's active Google or Microsoft connection, with its sync state."""
    rows = (
        await session.exec(
            select(Connection.provider, User)
            .join(User, col(User.id) == col(Connection.user_id))
            .where(col(Connection.provider).in_(CALENDAR_PROVIDERS),
                   Connection.status == "active", User.active == True)  # noqa: E712
        )
    ).all()  # fmt: skip
    states = {
        (st.user_id, st.provider): st
        for st in (
            await session.exec(
                select(CalendarSyncState).where(
                    col(CalendarSyncState.provider).in_(CALENDAR_PROVIDERS)
                )
            )
        ).all()
    }
    return [SyncTarget(p, u, states.get((u.id or 0, p))) for p, u in rows]


# ---------------------------------------------------------------------------------- events


async def events_between(
    session: AsyncSession, *, user_id: int, start: datetime, end: datetime
) -> list[CalendarEvent]:
    """The rep's stored events overlapping [start, end), every provider and status."""
    return list(
        (
            await session.exec(
                select(CalendarEvent).where(
                    CalendarEvent.user_id == user_id,
                    CalendarEvent.start_at < end,
                    CalendarEvent.end_at > start,
                )
            )
        ).all()
    )


async def find_event(
    session: AsyncSession, *, user_id: int, provider: str, external_id: str
) -> CalendarEvent | None:
    return (
        await session.exec(
            select(CalendarEvent).where(
                CalendarEvent.user_id == user_id,
                CalendarEvent.provider == provider,
                CalendarEvent.external_id == external_id,
            )
        )
    ).first()


async def add_event(session: AsyncSession, *, event: CalendarEvent) -> bool:
    """Store `event` unless the rep already has it (same provider and external id)."""
    found = await find_event(
        session, user_id=event.user_id, provider=event.provider, external_id=event.external_id
    )
    if found is not None:
        return False
    session.add(event)
    await session.flush()
    return True


def _apply(row: CalendarEvent, change: EventChange) -> None:
    row.title = change.title
    row.start_at, row.end_at = change.start, change.end
    row.all_day = change.all_day
    row.status = change.status
    row.show_as = change.show_as
    row.attendees = change.attendees
    row.updated_at = utcnow()


async def store_changes(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    provider: str,
    changes: Sequence[EventChange],
    full: bool,
    external: Mapping[str, bool] | None = None,
) -> dict[str, int]:
    """Upsert `changes` (cancelled ones deleted); `full` first clears the rep's stored events
    of that provider. `external` sets `is_external` by external id (absent: unchanged)."""
    counts = {"upserted": 0, "deleted": 0}
    owned = (col(CalendarEvent.user_id) == user_id, col(CalendarEvent.provider) == provider)
    if full:
        res: Any = await session.exec(delete(CalendarEvent).where(*owned))
        counts["deleted"] += int(res.rowcount or 0)
    ids = [c.external_id for c in changes]
    existing = {
        r.external_id: r
        for r in (
            await session.exec(
                select(CalendarEvent).where(*owned, col(CalendarEvent.external_id).in_(ids))
            )
        ).all()
    }
    for change in changes:
        row = existing.get(change.external_id)
        if change.cancelled:
            if row is not None:
                await session.delete(row)
                counts["deleted"] += 1
            continue
        if row is None:
            row = CalendarEvent(org_id=org_id, user_id=user_id, provider=provider,
                                external_id=change.external_id, start_at=change.start,
                                end_at=change.end)  # fmt: skip
            existing[change.external_id] = row
        _apply(row, change)
        if external is not None and change.external_id in external:
            row.is_external = external[change.external_id]
        session.add(row)
        counts["upserted"] += 1
    await session.flush()
    return counts
