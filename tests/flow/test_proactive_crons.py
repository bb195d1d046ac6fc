"""Proactive crons (flows/*/crons.py, flows/planner.py) with a fixed clock and two planners on one database
standing for two processes: restart catch-up fires once, pre-meeting jobs follow the calendar
(moved, cancelled, internal), a settings change moves the next brief."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import select

from flows.morning_brief.crons import morning_trigger
from flows.planner import ProactivePlanner
from orchestrator.events import Event, JobRef
from orchestrator.planner import last_fire_within
from storage.engine import Database
from storage.models import CalendarEvent, CronFire, Org, User

# Monday 23 Nov 2026, 13:20 UTC = 08:20 in New York: 20 minutes after an 08:00 brief.
NOW = datetime(2026, 11, 23, 13, 20, tzinfo=UTC)


@dataclass
class FakeDeps:
    db: Database
    now: datetime = NOW
    submitted: list[Event] = field(default_factory=list)
    settings_listeners: list[Any] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    async def submit(self, event: Event) -> JobRef:
        self.submitted.append(event)
        return JobRef(len(self.submitted), event.type)


async def seed(db: Database) -> tuple[int, int]:
    async with db.transaction() as s:
        org = Org(name="Cron", timezone="America/New_York")
        s.add(org)
        await s.flush()
        rep = User(
            org_id=org.id,
            slack_user_id="U1",
            email="rep@x.example",
            name="Rep",
            timezone="America/New_York",
            briefing_time=time(8, 0),
            briefing_days="mon-fri",
        )
        s.add(rep)
        await s.flush()
        return org.id, rep.id


def _event(org_id: int, user_id: int, start: datetime, **kw: Any) -> CalendarEvent:
    return CalendarEvent(
        org_id=org_id,
        user_id=user_id,
        title="Acme — Demo",
        start_at=start,
        end_at=start + timedelta(minutes=30),
        **{"is_external": True, **kw},
    )


async def test_catch_up_fires_once_across_processes(sqlite_db: Database) -> None:
    _org_id, rep_id = await seed(sqlite_db)
    a, b = FakeDeps(sqlite_db), FakeDeps(sqlite_db)
    for deps in (a, b):
        await ProactivePlanner(AsyncIOScheduler(timezone="UTC"), deps).start()
    briefs = [e for e in a.submitted + b.submitted if e.type == "morning_brief"]
    assert [e.idempotency_key for e in briefs] == [f"morning_brief:{rep_id}:2026-11-23"]
    async with sqlite_db.session() as s:
        fires = (await s.exec(select(CronFire.cron_id, CronFire.scheduled_for))).all()
    assert (f"morning_brief:{rep_id}", datetime(2026, 11, 23, 13, 0, tzinfo=UTC)) in fires
    # outside the grace window nothing is caught up
    late = FakeDeps(sqlite_db, now=NOW + timedelta(hours=3))
    await ProactivePlanner(AsyncIOScheduler(timezone="UTC"), late).start()
    assert not [e for e in late.submitted if e.type == "morning_brief"]


async def test_pre_meeting_jobs_follow_the_calendar(sqlite_db: Database) -> None:
    org_id, rep_id = await seed(sqlite_db)
    deps = FakeDeps(sqlite_db, now=NOW + timedelta(hours=3))  # past the briefing window
    sched = AsyncIOScheduler(timezone="UTC")
    planner = ProactivePlanner(sched, deps)
    start = NOW + timedelta(hours=6)
    async with sqlite_db.transaction() as s:
        ext = _event(org_id, rep_id, start)
        internal = _event(org_id, rep_id, start, is_external=False)
        s.add_all([ext, internal])
        await s.flush()
        ext_id = ext.id
    plan = await planner.replan_pre_meeting(rep_id)
    assert list(plan) == [f"pre_meeting:{ext_id}"]
    job = sched.get_job(f"pre_meeting:{ext_id}")
    assert job.trigger.run_date == start - timedelta(minutes=90)

    moved = start + timedelta(hours=2)
    async with sqlite_db.transaction() as s:
        row = await s.get(CalendarEvent, ext_id)
        row.start_at, row.end_at = moved, moved + timedelta(minutes=30)
        s.add(row)
    await planner.replan_pre_meeting(rep_id)
    assert sched.get_job(f"pre_meeting:{ext_id}").trigger.run_date == moved - timedelta(minutes=90)

    # the job fires once even when two processes both run it
    other = ProactivePlanner(AsyncIOScheduler(timezone="UTC"), deps)
    await other.replan_pre_meeting(rep_id)
    for p in (planner, other):
        await p.scheduler.get_job(f"pre_meeting:{ext_id}").func(user_id=rep_id)
    pre = [e for e in deps.submitted if e.type == "pre_meeting_90min"]
    assert [e.payload for e in pre] == [{"event_id": ext_id, "start": moved.isoformat()}]

    async with sqlite_db.transaction() as s:
        row = await s.get(CalendarEvent, ext_id)
        row.status = "cancelled"
        s.add(row)
    await planner.replan_pre_meeting(rep_id)
    assert sched.get_job(f"pre_meeting:{ext_id}") is None


async def test_settings_change_reschedules_the_morning_brief(sqlite_db: Database) -> None:
    _org_id, rep_id = await seed(sqlite_db)
    deps = FakeDeps(sqlite_db, now=NOW + timedelta(hours=3))
    planner = ProactivePlanner(AsyncIOScheduler(timezone="UTC"), deps)
    await planner.start()
    assert planner.next_morning_brief(rep_id) == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    async with sqlite_db.transaction() as s:
        rep = await s.get(User, rep_id)
        rep.briefing_time, rep.timezone, rep.briefing_days = time(7, 30), "Europe/London", "mon-sun"
        s.add(rep)
    await planner.on_settings_changed(rep_id)
    assert planner.next_morning_brief(rep_id) == datetime(2026, 11, 24, 7, 30, tzinfo=UTC)


def test_triggers_in_local_time_across_dst() -> None:
    trig = morning_trigger(time(8, 0), "mon-fri", "America/New_York")
    # Friday 31 Oct 2025 is EDT (12:00 UTC); Monday 3 Nov 2025 is EST (13:00 UTC)
    assert last_fire_within(
        trig, datetime(2025, 10, 31, 12, 5, tzinfo=UTC), timedelta(hours=1)
    ) == datetime(2025, 10, 31, 12, 0, tzinfo=UTC)
    nxt = trig.get_next_fire_time(None, datetime(2025, 11, 1, tzinfo=UTC))
    assert nxt.astimezone(UTC) == datetime(2025, 11, 3, 13, 0, tzinfo=UTC)
    assert morning_trigger(time(8, 0), "garbage", "Nowhere/City").get_next_fire_time(
        None, datetime(2026, 11, 21, tzinfo=UTC)
    ).astimezone(UTC) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
