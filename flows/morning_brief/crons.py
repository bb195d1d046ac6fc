"""The morning brief's crons: one per rep, `morning_brief:{user}`, a `CronTrigger` at the rep's
`briefing_time` on their `briefing_days` in their timezone, rescheduled at once when the rep's
settings change (`Deps.settings_listeners`). A fire missed by a restart is caught up within
`MORNING_GRACE`. `flows.planner` installs it in a process.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger

from flows.briefs_common import zone
from orchestrator.crons import CronSpec
from orchestrator.events import Event, EventSource, EventType
from orchestrator.planner import CronPlanner
from storage import schedules
from storage.models import User

log = logging.getLogger(__name__)

MORNING_GRACE = timedelta(hours=2)
VALID_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
        timezone=zone(timezone),
    )


def morning_event(user: User, fire: datetime) -> Event:
    assert user.id is not None
    local = fire.astimezone(zone(user.timezone)).date().isoformat()
    return Event(
        type=EventType.MORNING_BRIEF,
        source=EventSource.CRON_MORNING,
        org_id=user.org_id,
        user_id=user.id,
        payload={"scheduled_for": fire.isoformat()},
        idempotency_key=f"morning_brief:{user.id}:{local}",
    )


class MorningBriefs(CronPlanner):
    """One cron per active rep at their briefing time."""

    async def start_morning(self, *, catch_up: bool) -> None:
        async with self.db.session() as s:
            reps = await schedules.active_reps(s)
        for u in reps:
            await self.schedule_morning(u, catch_up=catch_up)

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
