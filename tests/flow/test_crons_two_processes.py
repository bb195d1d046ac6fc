"""Every cron app.py registers, in two schedulers on one database standing for two processes
started at different moments: each (cron, scheduled time) is acted on once, interval crons
included (an interval counted from each process's own start used to fire once per process).

Time goes through each process's injected clock. The schedulers are not started: for every job
the test asks its trigger for the fire times APScheduler would use and calls the job at those
instants, each process waking a little late by its own amount, as a running scheduler would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import select

import app
from bot.deps import Deps
from config.settings import Settings
from orchestrator.crons import CronSpec, interval_trigger, register_crons
from orchestrator.events import Event, JobRef
from storage.engine import Database
from storage.models import CalendarEvent, Connection, CronFire, Org, OrgSettings, User

# Monday 23 Nov 2026, 10:00 UTC (05:00 in New York): no brief or scan is due for catch-up.
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FIRES_PER_JOB = 3
# Jobs that keep one process's own state (its scheduler's plan, its dedupe cache): they run in
# every process by design. Every other job must be acted on once across processes.
PER_PROCESS = {"housekeeping:slack-events", "proactive:horizon"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(eq=False)
class ProcessDeps(Deps):
    """The app's Deps with the orchestrator's door replaced by a recorder."""

    submitted: list[Event] = field(default_factory=list)

    async def submit(self, event: Event) -> JobRef:
        self.submitted.append(event)
        return JobRef(len(self.submitted), event.type)


async def seed(db: Database) -> None:
    async with db.transaction() as s:
        org = Org(name="Cron", timezone="America/New_York")
        s.add(org)
        await s.flush()
        assert org.id is not None
        s.add(OrgSettings(org_id=org.id))
        for i in (1, 2):
            rep = User(org_id=org.id, slack_user_id=f"U{i}", email=f"rep{i}@x.example",
                       name=f"Rep {i}", timezone="America/New_York", role="rep",
                       briefing_time=time(8, 0), briefing_days="mon-fri")  # fmt: skip
            s.add(rep)
            await s.flush()
            assert rep.id is not None
            for provider in ("google", "microsoft"):
                s.add(Connection(org_id=org.id, user_id=rep.id, provider=provider,
                                 account_email=f"rep{i}@x.example", status="active"))  # fmt: skip
            s.add(CalendarEvent(org_id=org.id, user_id=rep.id, title="Acme sync",
                                start_at=T0 + timedelta(hours=3 + i),
                                end_at=T0 + timedelta(hours=4 + i), is_external=True))  # fmt: skip


async def start_process(db: Database, settings: Settings) -> tuple[AsyncIOScheduler, ProcessDeps]:
    deps = ProcessDeps(settings=settings, db=db, clock=Clock(T0))
    scheduler = AsyncIOScheduler(timezone=UTC)
    app.register_crons(scheduler, deps, None)
    await asyncio.wait_for(deps.proactive_planner.ready.wait(), 10)
    return scheduler, deps


def fire_times(trigger: Any, after: datetime, n: int) -> list[datetime]:
    """The next `n` fire times of `trigger` from `after`, as APScheduler computes them."""
    out: list[datetime] = []
    prev, now = None, after
    while len(out) < n:
        t = trigger.get_next_fire_time(prev, now)
        if t is None:
            break
        out.append(t)
        prev, now = t, t
    return out


@pytest.mark.parametrize("public_url", [None, "https://sixty.example"], ids=["poll", "push"])
async def test_every_cron_acts_once_per_scheduled_time_across_two_processes(
    db: Database, db_url: str, tmp_path: Path, public_url: str | None
) -> None:
    await seed(db)
    settings = Settings(data_dir=tmp_path, email_poll_interval_s=5, public_base_url=public_url)
    other_db = Database(db_url)  # the other process has its own engine and pool
    try:
        a = await start_process(db, settings)
        await asyncio.sleep(1.1)  # the second process starts a little later (wall clock)
        b = await start_process(other_db, settings)
        procs = {"A": a, "B": b}
        jobs = {name: {j.id: j for j in sched.get_jobs()} for name, (sched, _) in procs.items()}
        assert jobs["A"].keys() == jobs["B"].keys()
        interval = {i for i, j in jobs["A"].items() if isinstance(j.trigger, IntervalTrigger)}
        assert interval - PER_PROCESS, "an interval cron acted on once is covered"
        assert any(i.startswith("pre_meeting:") for i in jobs["A"])
        assert any(i.startswith("morning_brief:") for i in jobs["A"])

        times = {
            name: {i: fire_times(j.trigger, T0, FIRES_PER_JOB) for i, j in js.items()}
            for name, js in jobs.items()
        }
        lag = {"A": timedelta(milliseconds=200), "B": timedelta(milliseconds=900)}
        plan = sorted(
            (t + lag[name], name, job_id)
            for name, by_job in times.items()
            for job_id, ts in by_job.items()
            if job_id not in PER_PROCESS
            for t in ts
        )
        for at, name, job_id in plan:  # each process runs its own jobs at its own times
            _, deps = procs[name]
            deps.clock.now = at  # type: ignore[attr-defined]
            job = jobs[name][job_id]
            await job.func(*job.args, **job.kwargs)
    finally:
        await other_db.dispose()

    async with db.session() as s:
        fires = (await s.exec(select(CronFire))).all()
    acted: dict[str, list[datetime]] = {}
    for f in fires:
        acted.setdefault(f.cron_id, []).append(f.scheduled_for)
    for job_id in jobs["A"].keys() - PER_PROCESS:
        expected = sorted(t.astimezone(UTC).replace(microsecond=0) for t in times["A"][job_id])
        assert sorted(acted.get(job_id, [])) == expected, job_id
    assert acted.keys() <= jobs["A"].keys()
    keys = {name: {e.idempotency_key for e in deps.submitted} for name, (_, deps) in procs.items()}
    assert keys["A"] | keys["B"] and not keys["A"] & keys["B"]  # no event submitted by both
    for job_id in jobs["A"]:  # per-process jobs too: both processes keep one timetable
        assert times["A"][job_id] == times["B"][job_id], job_id


async def test_an_interval_cron_counted_from_process_start_is_refused(db: Database) -> None:
    async def none(_at: datetime) -> list[Event]:
        return []

    sched = AsyncIOScheduler(timezone=UTC)
    with pytest.raises(ValueError, match="interval_trigger"):
        register_crons(sched, [CronSpec("x", IntervalTrigger(seconds=5), none)], db=db,
                       submit=ProcessDeps(settings=Settings(), db=db).submit)  # fmt: skip
    register_crons(sched, [CronSpec("x", interval_trigger(seconds=5), none)], db=db,
                   submit=ProcessDeps(settings=Settings(), db=db).submit)  # fmt: skip
    assert sched.get_job("x").trigger.get_next_fire_time(None, T0) == T0  # on the epoch grid
