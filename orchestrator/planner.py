"""Crons planned from database rows (one per rep, per org, per meeting) in one process's
APScheduler: the plumbing the flows' planners share.

A static cron is a `CronSpec` in a flow's `cron_specs` (`orchestrator.crons`). A cron that
depends on a row (a rep's briefing time, a meeting's start) is added, moved and removed by a
planner as the rows change: `CronPlanner` holds the scheduler, adds a spec (`_add`) whose
fire goes through `fire_once` (a `CronFire` row unique on (cron id, scheduled time) decides
which process submits), catches up a fire missed within a grace window after a restart
(`_catch_up`), and runs what is due on an injected clock (`run_due`, for tests). The flows'
planners (`flows/*/crons.py`) subclass it; `flows.planner` combines them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.crons import CronSpec, fire_once

log = logging.getLogger(__name__)


def last_fire_within(trigger: Any, now: datetime, grace: timedelta) -> datetime | None:
    """The latest fire time of `trigger` in (now − grace, now], or None (restart catch-up)."""
    t = trigger.get_next_fire_time(None, now - grace)
    last = None
    while t is not None and t <= now:
        last = t
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return None if last is None else last.astimezone(UTC)


class CronPlanner:
    """Keeps this process's scheduler in step with the rows its crons are planned from."""

    def __init__(self, scheduler: Any, deps: Any) -> None:
        self.scheduler = scheduler
        self.deps = deps
        self.who = f"{socket.gethostname()}:{os.getpid()}"
        self._tasks: set[asyncio.Task[Any]] = set()
        self.ready = asyncio.Event()  # set once the first planning pass is done
        self.attached = True  # False once its runtime stopped

    def detach(self) -> None:
        """Stop following changes (the runtime that owned it is stopping)."""
        self.attached = False

    @property
    def db(self) -> Any:
        return self.deps.db

    def now(self) -> datetime:
        now: datetime = self.deps.clock()
        return now

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

    def _add(self, spec: CronSpec) -> None:
        """Schedule `spec` (replacing a job of the same id); each fire goes through `fire_once`."""

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
        """Fire `spec` for its last fire time within `grace` (a restart missed it), once."""
        when = last_fire_within(spec.trigger, self.now(), grace)
        if when is not None:
            await fire_once(self.db, spec, when, self.deps.submit, self.who)
