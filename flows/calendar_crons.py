"""Crons for calendar channel renewal and incremental sync.

`calendar_sync` (every 30 minutes): one `calendar_changed` event per rep and active Google or
Microsoft connection (`{provider, user_id, renew}`); for Google `renew` is set when the rep
has no push channel or it expires within `flows.calendar_sync.RENEW_BEFORE`, so channels are
renewed before they lapse; the sync itself (sync token / Graph delta) catches anything a lost
push missed. Graph subscriptions are renewed by the email crons. Keys are per provider, rep
and fire time, so a fire is acted on once (orchestrator/crons.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import col, select

from flows.calendar_sync import needs_renewal
from orchestrator.crons import CronSpec
from orchestrator.events import Event, EventSource, EventType
from storage.models import CalendarSyncState, Connection, User


async def sync_events(db: Any, at: datetime) -> list[Event]:
    async with db.session() as s:
        rows = (
            await s.exec(
                select(Connection, User)
                .join(User, User.id == Connection.user_id)  # type: ignore[arg-type]
                .where(col(Connection.provider).in_(("google", "microsoft")),
                       Connection.status == "active",
                       User.active == True)  # noqa: E712
            )
        ).all()  # fmt: skip
        states = {
            st.user_id: st
            for st in (
                await s.exec(
                    select(CalendarSyncState).where(CalendarSyncState.provider == "google")
                )
            ).all()
        }
    stamp = at.strftime("%Y%m%dT%H%M")
    return [
        Event(
            type=EventType.CALENDAR_CHANGED,
            source=EventSource.WEBHOOK_CALENDAR,
            org_id=user.org_id,
            user_id=user.id,
            payload={
                "provider": "google",
                "user_id": user.id,
                "renew": needs_renewal(states.get(user.id or 0), at),
                "series": f"calendar:sync:{user.id}",  # a failing sync is told once (orchestrator.admin)
            },
            idempotency_key=f"calendar_changed:cron:{user.id}:{stamp}",
        )
        for conn, user in rows
    ]


def cron_specs(deps: Any) -> list[CronSpec]:
    async def events(at: datetime) -> list[Event]:
        return await sync_events(deps.db, at)

    return [CronSpec("calendar_sync", CronTrigger(minute="*/30"), events)]
