"""Crons for morning briefs, pre-meeting briefs and the pipeline scan (APScheduler, every process).

- Morning brief: one cron per rep, `morning_brief:{user}`, a `CronTrigger` at the rep's
  `briefing_time` on their `briefing_days` in their timezone. Rescheduled at once when the
  rep's settings change (`Deps.settings_listeners`).
- Pipeline scan: one cron per org, `pipeline_scan:{org}`, at `org_settings.pipeline_scan_time`
  (08:00) in the org's timezone; one `pipeline_scan` event per active rep.
- Pre-meeting brief: one `DateTrigger` job per external meeting, `pre_meeting:{event}`, at
  start − 90 minutes, planned from `calendar_events` at start and re-planned for a rep when
  their calendar changes (`calendar_changed(user_id)`, called after a calendar sync; a moved
  meeting gets its job moved, a cancelled one loses it). Jobs are planned 8 days ahead and the
  horizon rolls every 6 hours (a re-plan, not a poll per meeting). A fire that finds the
  meeting moved or cancelled does nothing (the `compose` step checks again).

Each fire goes through `orchestrator.crons.fire_once`: a `CronFire` row unique on (cron id, scheduled
time) decides which process submits, and the event's idempotency key names the run, so two
processes or a restart never double-deliver. After a restart, fires missed within the grace
window are caught up (`MORNING_GRACE`; a pre-meeting brief until 5 minutes before the meeting).

`attach(scheduler, deps)` installs all this in a process (app.py calls it after `cron_specs`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from weakref import WeakSet
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from orchestrator.crons import CronSpec, fire_once, interval_trigger
from orchestrator.events import Event, EventSource, EventType
from storage.models import CalendarEvent, Org, OrgSettings, User

log = logging.getLogger(__name__)

PRE_MEETING_LEAD = timedelta(minutes=90)
PRE_MEETING_LAST_CALL = timedelta(minutes=5)  # a late brief still goes until 5 min before
PLAN_HORIZON = timedelta(days=8)
HORIZON_ROLL = timedelta(hours=6)  # meetings further out than the horizon get planned later
MORNING_GRACE = timedelta(hours=2)
SCAN_GRACE = timedelta(hours=4)
VALID_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_specs(deps: Any) -> list[CronSpec]:
    """Nothing static: every proactive cron depends on a rep or org row (see `attach`)."""
    return []


# --------------------------------------------------------------------------- pure planning


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _days(spec: str | None) -> str:
    spec = (spec or "mon-fri").strip().lower() or "mon-fri"
    if spec in ("daily", "every day"):
        return "mon-sun"
    parts = [p for chunk in spec.split(",") for p in chunk.split("-")]
    return spec if parts and all(p in VALID_DAYS for p in parts) else "mon-fri"


def morning_trigger(
    briefing_time: time, briefing_days: str | None, timezone: str | None
) -> CronTrigger:
    return CronTrigger(
        day_of_week=_days(briefing_days),
        hour=briefing_time.hour,
        minute=briefing_time.minute,
        timezone=_zone(timezone),
    )


def last_fire_within(trigger: Any, now: datetime, grace: timedelta) -> datetime | None:
    """The latest fire time of `trigger` in (now − grace, now], or None (restart catch-up)."""
    t = trigger.get_next_fire_time(None, now - grace)
    last = None
    while t is not None and t <= now:
        last = t
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return None if last is None else last.astimezone(UTC)


@dataclass(frozen=True)
class PlannedBrief:
    event_id: int
    user_id: int
    org_id: int
    start: datetime
    run_at: datetime

    @property
    def job_id(self) -> str:
        return f"pre_meeting:{self.event_id}"


def plan_pre_meeting(events: Iterable[Any], now: datetime) -> dict[str, PlannedBrief]:
    """The pre-meeting brief jobs for calendar rows (id, user_id, org_id, start_at, status,
    is_external, all_day): external, not cancelled, still before their last call."""
    out = {}
    for e in events:
        start = e.start_at if e.start_at.tzinfo else e.start_at.replace(tzinfo=UTC)
        if not e.is_external or e.status == "cancelled" or e.all_day:
            continue
        if start - PRE_MEETING_LAST_CALL <= now or start > now + PLAN_HORIZON:
            continue
        p = PlannedBrief(
            e.id,
            e.user_id,
            e.org_id,
            start.astimezone(UTC),
            (start - PRE_MEETING_LEAD).astimezone(UTC),
        )
        out[p.job_id] = p
    return out


def pre_meeting_event(p: PlannedBrief) -> Event:
    return Event(
        type=EventType.PRE_MEETING_90MIN,
        source=EventSource.CRON_PRE_MEETING,
        org_id=p.org_id,
        user_id=p.user_id,
        payload={"event_id": p.event_id, "start": p.start.isoformat()},
        idempotency_key=f"pre_meeting_90min:{p.event_id}:{p.start.isoformat()}",
    )


def morning_event(user: User, fire: datetime) -> Event:
    local = fire.astimezone(_zone(user.timezone)).date().isoformat()
    return Event(
        type=EventType.MORNING_BRIEF,
        source=EventSource.CRON_MORNING,
        org_id=user.org_id,
        user_id=user.id,
        payload={"scheduled_for": fire.isoformat()},
        idempotency_key=f"morning_brief:{user.id}:{local}",
    )


# --------------------------------------------------------------------------- the planner

_PLANNERS: WeakSet[ProactivePlanner] = WeakSet()


async def calendar_changed(user_id: int) -> None:
    """Re-plan a rep's pre-meeting briefs in this process (call after a calendar sync)."""
    for planner in list(_PLANNERS):
        if planner.attached:
            await planner.replan_pre_meeting(user_id)


class ProactivePlanner:
    """Keeps this process's scheduler in step with reps, orgs and calendars."""

    def __init__(self, scheduler: Any, deps: Any) -> None:
        self.scheduler = scheduler
        self.deps = deps
        self.who = f"{socket.gethostname()}:{os.getpid()}"
        self._tasks: set[asyncio.Task[Any]] = set()
        self.ready = asyncio.Event()  # set once the first planning pass is done
        self.attached = True  # False once its runtime stopped

    def detach(self) -> None:
        """Stop following calendar changes (the runtime that owned it is stopping)."""
        self.attached = False
        _PLANNERS.discard(self)

    async def run_due(self, since: datetime) -> list[str]:
        """Run, in order, every planned job whose fire time falls in (since, now] on the clock.

        What the scheduler does as time passes, driven explicitly: tests move the injected
        clock and call this, instead of waiting for the wall clock. Returns the job ids run.
        """
        now, due = self.now(), []
        for job in self.scheduler.get_jobs():
            nxt = job.trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
            if nxt is not None and nxt <= now:
                due.append((nxt, job))
        due.sort(key=lambda pair: pair[0])
        for _, job in due:
            await job.func(*job.args, **job.kwargs)
        return [job.id for _, job in due]

    @property
    def db(self) -> Any:
        return self.deps.db

    def now(self) -> datetime:
        return self.deps.clock()

    async def start(self, *, catch_up: bool = True) -> None:
        async with self.db.session() as s:
            users = (
                (await s.execute(select(User).where(User.active.is_(True), User.role == "rep")))
                .scalars()
                .all()
            )
            orgs = (
                await s.execute(
                    select(Org, OrgSettings).outerjoin(OrgSettings, OrgSettings.org_id == Org.id)
                )
            ).all()
        for u in users:
            await self.schedule_morning(u, catch_up=catch_up)
        for org, settings in orgs:
            await self.schedule_scan(org, settings, catch_up=catch_up)
        await self.replan_pre_meeting(None)

    # ---- morning brief

    def morning_spec(self, user: User) -> CronSpec:
        trigger = morning_trigger(user.briefing_time, user.briefing_days, user.timezone)
        uid = user.id

        async def events(fire: datetime) -> list[Event]:
            async with self.db.session() as s:
                row = await s.get(User, uid)
            return [morning_event(row, fire)] if row is not None and row.active else []

        return CronSpec(
            f"morning_brief:{uid}",
            trigger,
            events,
            misfire_grace_time=int(MORNING_GRACE.total_seconds()),
        )

    async def schedule_morning(self, user: User, *, catch_up: bool = False) -> None:
        spec = self.morning_spec(user)
        self._add(spec)
        if catch_up:
            await self._catch_up(spec, MORNING_GRACE)

    async def on_settings_changed(self, user_id: int) -> None:
        async with self.db.session() as s:
            user = await s.get(User, user_id)
        if user is None or not user.active or user.role != "rep":
            self._remove(f"morning_brief:{user_id}")
            return
        await self.schedule_morning(user)
        log.info("morning brief rescheduled", extra={"user_id": user_id})

    def next_morning_brief(self, user_id: int) -> datetime | None:
        job = self.scheduler.get_job(f"morning_brief:{user_id}")
        if job is None:
            return None
        nrt = getattr(job, "next_run_time", None)
        if nrt is None:  # scheduler not started yet: compute from the trigger
            nrt = job.trigger.get_next_fire_time(None, self.now())
        return nrt

    # ---- pipeline scan

    def scan_spec(self, org: Org, settings: OrgSettings | None) -> CronSpec:
        at = settings.pipeline_scan_time if settings is not None else time(8, 0)
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=_zone(org.timezone))
        oid = org.id

        async def events(fire: datetime) -> list[Event]:
            async with self.db.session() as s:
                reps = (
                    (
                        await s.execute(
                            select(User).where(
                                User.org_id == oid, User.active.is_(True), User.role == "rep"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            day = fire.date().isoformat()
            return [
                Event(
                    type=EventType.PIPELINE_SCAN,
                    source=EventSource.CRON_PIPELINE_SCAN,
                    org_id=oid or 0,
                    user_id=u.id,
                    payload={"scheduled_for": fire.isoformat()},
                    idempotency_key=f"pipeline_scan:{u.id}:{day}",
                )
                for u in reps
            ]

        return CronSpec(
            f"pipeline_scan:{oid}",
            trigger,
            events,
            misfire_grace_time=int(SCAN_GRACE.total_seconds()),
        )

    async def schedule_scan(
        self, org: Org, settings: OrgSettings | None, *, catch_up: bool = False
    ) -> None:
        spec = self.scan_spec(org, settings)
        self._add(spec)
        if catch_up:
            await self._catch_up(spec, SCAN_GRACE)

    # ---- pre-meeting briefs

    async def replan_pre_meeting(self, user_id: int | None) -> dict[str, PlannedBrief]:
        """Add, move or drop the date jobs for one rep's (or everyone's) upcoming meetings."""
        now = self.now()
        ev = CalendarEvent
        q = select(
            ev.id, ev.user_id, ev.org_id, ev.start_at, ev.status, ev.is_external, ev.all_day
        ).where(ev.start_at > now, ev.start_at <= now + PLAN_HORIZON)
        if user_id is not None:
            q = q.where(ev.user_id == user_id)
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        plan = plan_pre_meeting(rows, now)
        for job in self.scheduler.get_jobs():
            if (
                job.id.startswith("pre_meeting:")
                and job.id not in plan
                and (user_id is None or job.kwargs.get("user_id") == user_id)
            ):
                self.scheduler.remove_job(job.id)
        for p in plan.values():
            self._add_pre_meeting(p)
        return plan

    def _add_pre_meeting(self, p: PlannedBrief) -> None:
        spec = CronSpec(p.job_id, DateTrigger(p.run_at), self._pre_meeting_events(p))

        async def fire(user_id: int) -> None:
            try:
                await fire_once(self.db, spec, p.run_at, self.deps.submit, self.who)
            except Exception:
                log.exception("pre-meeting fire failed", extra={"cron_id": spec.id})

        grace = max(1, int((p.start - PRE_MEETING_LAST_CALL - p.run_at).total_seconds()))
        self._remove(p.job_id)  # replace_existing does not apply to a not-yet-started scheduler
        self.scheduler.add_job(
            fire,
            DateTrigger(p.run_at),
            id=p.job_id,
            name=p.job_id,
            kwargs={"user_id": p.user_id},
            replace_existing=True,
            misfire_grace_time=grace,
            coalesce=True,
            max_instances=1,
        )

    def _pre_meeting_events(self, p: PlannedBrief) -> Any:
        async def events(fire: datetime) -> list[Event]:
            return [pre_meeting_event(p)]

        return events

    # ---- plumbing

    def _add(self, spec: CronSpec) -> None:
        async def handler() -> None:
            when = last_fire_within(
                spec.trigger, self.now(), timedelta(seconds=spec.misfire_grace_time + 1)
            )
            if when is None:
                return
            try:
                await fire_once(self.db, spec, when, self.deps.submit, self.who)
            except Exception:
                log.exception("cron fire failed", extra={"cron_id": spec.id})

        self._remove(spec.id)
        self.scheduler.add_job(
            handler,
            spec.trigger,
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            misfire_grace_time=spec.misfire_grace_time,
            coalesce=True,
            max_instances=1,
        )

    def _remove(self, job_id: str) -> None:
        if self.scheduler.get_job(job_id) is not None:
            self.scheduler.remove_job(job_id)

    async def _catch_up(self, spec: CronSpec, grace: timedelta) -> None:
        when = last_fire_within(spec.trigger, self.now(), grace)
        if when is not None:
            await fire_once(self.db, spec, when, self.deps.submit, self.who)


def attach(scheduler: Any, deps: Any, *, catch_up: bool = True) -> ProactivePlanner:
    """Install the proactive crons in this process: plan now (in the background), reschedule a
    rep's morning brief when their settings change."""
    planner = ProactivePlanner(scheduler, deps)
    _PLANNERS.add(planner)
    deps.settings_listeners.append(planner.on_settings_changed)
    deps.proactive_planner = planner

    async def boot() -> None:
        try:
            await planner.start(catch_up=catch_up)
        except Exception:
            log.exception("proactive planning failed")
        finally:
            planner.ready.set()

    scheduler.add_job(
        planner.replan_pre_meeting,
        interval_trigger(seconds=HORIZON_ROLL.total_seconds()),
        args=[None],
        id="proactive:horizon",
        name="proactive:horizon",
        replace_existing=True,
    )
    task = asyncio.get_running_loop().create_task(boot())
    planner._tasks.add(task)
    task.add_done_callback(planner._tasks.discard)
    return planner
