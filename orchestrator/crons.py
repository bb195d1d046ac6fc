"""Crons in every process, each fire acted on once (APScheduler 3.x `AsyncIOScheduler`).

Every process registers the same crons (explicit ids, `replace_existing=True`, in-memory job
store: APScheduler 3 cannot share a store across processes). When a cron fires, the handler
works out the scheduled fire time from the trigger, inserts `CronFire(cron_id,
scheduled_for)` (unique), and only the process whose insert wins builds the events and
submits them. N processes or a restart therefore never double-fire, and no leader hand-over
can drop a fire. That needs every process to compute the same fire times: an interval trigger
counts from a fixed epoch (`interval_trigger`, `EPOCH`), never from the moment a process built
it, and the handler reads the injected clock.

    specs = [CronSpec("morning_brief", CronTrigger(minute=0), make_events),
             CronSpec("email:poll", interval_trigger(seconds=120), poll_events)]
    register_crons(scheduler, specs, db=db, submit=engine.submit, clock=deps.clock)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from orchestrator.events import Event, JobRef, Skipped
from storage.engine import Database
from storage.models import CronFire

log = logging.getLogger(__name__)

EventsFor = Callable[[datetime], Awaitable[list[Event]]]
Submit = Callable[[Event], Awaitable[JobRef | Skipped]]
Clock = Callable[[], datetime]

# Interval crons count from here, so every process fires them at the same instants
# (APScheduler's default start is "now + interval" in each process).
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def interval_trigger(**every: float) -> IntervalTrigger:
    """An `IntervalTrigger` aligned to `EPOCH` (`interval_trigger(seconds=120)`)."""
    return IntervalTrigger(**every, start_date=EPOCH, timezone=UTC)


@dataclass(frozen=True)
class CronSpec:
    """A cron: id, APScheduler trigger, and how to build its events for a fire time."""

    id: str
    trigger: Any
    events: EventsFor
    misfire_grace_time: int = 300


def check_aligned(spec: CronSpec) -> None:
    """Refuse an interval cron whose fire times depend on when this process built it."""
    if isinstance(spec.trigger, IntervalTrigger) and spec.trigger.start_date != EPOCH:
        raise ValueError(f"cron {spec.id}: build interval triggers with interval_trigger()")


def scheduled_time(trigger: Any, now: datetime, lookback: timedelta) -> datetime:
    """The latest fire time of `trigger` at or before `now` (what APScheduler just fired)."""
    t = trigger.get_next_fire_time(None, now - lookback)
    last = None
    while t is not None and t <= now:
        last = t
        t = trigger.get_next_fire_time(t, t + timedelta(microseconds=1))
    fire = last or now
    return fire.astimezone(UTC).replace(microsecond=0)


async def claim_fire(db: Database, cron_id: str, scheduled_for: datetime, fired_by: str) -> bool:
    """True for exactly one caller per (cron id, scheduled time), across processes."""
    async with db.engine.begin() as conn:
        ins = pg_insert(CronFire) if conn.dialect.name == "postgresql" else sqlite_insert(CronFire)
        stmt = ins.values(
            cron_id=cron_id,
            scheduled_for=scheduled_for,
            fired_by=fired_by,
            created_at=datetime.now(UTC),
        ).on_conflict_do_nothing(index_elements=["cron_id", "scheduled_for"])
        return (await conn.execute(stmt.returning(col(CronFire.id)))).first() is not None


def in_series(event: Event, cron_id: str) -> Event:
    """`event` with a `series` naming its cron and user, unless it names one already.

    The runs of one cron for one user form a series: when they keep failing, the rep is told
    once until a run succeeds again (`orchestrator.admin.series_still_failing`), not at every fire.
    """
    if event.payload.get("series"):
        return event
    series = f"cron:{cron_id}:{event.user_id if event.user_id is not None else 'org'}"
    return dataclasses.replace(event, payload={**event.payload, "series": series})


async def fire_once(
    db: Database,
    spec: CronSpec,
    scheduled_for: datetime,
    submit: Submit,
    fired_by: str,
) -> list[JobRef | Skipped] | None:
    """Claim the fire; the winner submits the spec's events. None when another process won."""
    if not await claim_fire(db, spec.id, scheduled_for, fired_by):
        log.info("cron fire taken by another process", extra={"cron_id": spec.id})
        return None
    recurring = not isinstance(spec.trigger, DateTrigger)  # a one-off fire is no series
    events = await spec.events(scheduled_for)
    results = [await submit(in_series(ev, spec.id) if recurring else ev) for ev in events]
    log.info(
        "cron fired",
        extra={
            "cron_id": spec.id,
            "scheduled_for": scheduled_for.isoformat(),
            "events": len(results),
        },
    )
    return results


def register_crons(
    scheduler: AsyncIOScheduler,
    specs: list[CronSpec],
    *,
    db: Database,
    submit: Submit,
    fired_by: str | None = None,
    clock: Clock = utc_now,
) -> None:
    """Add every cron to `scheduler` with its explicit id (replacing an older registration)."""
    who = fired_by or f"{socket.gethostname()}:{os.getpid()}"
    for spec in specs:
        check_aligned(spec)

        async def handler(spec: CronSpec = spec) -> None:
            now = clock()
            when = scheduled_time(spec.trigger, now, timedelta(seconds=spec.misfire_grace_time + 1))
            try:
                await fire_once(db, spec, when, submit, who)
            except Exception:
                log.exception("cron fire failed", extra={"cron_id": spec.id})

        scheduler.add_job(
            handler,
            spec.trigger,
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            misfire_grace_time=spec.misfire_grace_time,
            coalesce=True,
            max_instances=1,
        )
