"""The calendar sync cron: every 30 minutes, one `calendar_changed` event per active rep and
active Google or Microsoft calendar connection (`{provider, user_id, renew}`).

For Google `renew` is set when the rep has no push channel or it expires within
`sync.RENEW_BEFORE`, so channels are renewed before they lapse; the sync itself (sync token /
Graph delta) catches anything a lost push missed. Graph subscriptions are renewed by the email
crons. Keys are per provider, rep and fire time, so a fire is acted on once
(orchestrator/crons.py); each rep's sync for a provider is one series, so a failing sync is told
once (orchestrator.admin).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from flows.calendar_sync.sync import needs_renewal
from orchestrator.crons import CronSpec
from orchestrator.events import Event, EventSource, EventType
from storage import calendar as calendars


def _event(provider: str, user_id: int, org_id: int, renew: bool, stamp: str) -> Event:
    # Google keeps the keys and series it had before Microsoft was synced too.
    tag = "" if provider == "google" else f"{provider}:"
    return Event(
        type=EventType.CALENDAR_CHANGED,
        source=EventSource.WEBHOOK_CALENDAR,
        org_id=org_id,
        user_id=user_id,
        payload={
            "provider": provider,
            "user_id": user_id,
            "renew": renew,
            "series": f"calendar:sync:{tag}{user_id}",  # a failing sync is told once
        },
        idempotency_key=f"calendar_changed:cron:{tag}{user_id}:{stamp}",
    )


async def sync_events(db: Any, at: datetime) -> list[Event]:
    async with db.session() as s:
        targets = await calendars.sync_targets(s)
    stamp = at.strftime("%Y%m%dT%H%M")
    events = []
    for t in targets:
        renew = t.provider == "google" and needs_renewal(t.state, at)
        events.append(_event(t.provider, t.user.id or 0, t.user.org_id, renew, stamp))
    return events


def cron_specs(deps: Any) -> list[CronSpec]:
    async def events(at: datetime) -> list[Event]:
        return await sync_events(deps.db, at)

    return [CronSpec("calendar_sync", CronTrigger(minute="*/30"), events)]
