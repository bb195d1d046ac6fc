"""The weekly coaching digest's crons: one per active rep, `coaching_weekly:{user}`, a
`CronTrigger` at the rep's `coaching_digest_day` and `coaching_digest_time` in their zone,
rescheduled at once when the rep's settings change (`Deps.settings_listeners`). A fire missed
by a restart is caught up within `DIGEST_GRACE`. `flows.planner` installs it. Whether a digest
goes (the rep's mode, the org switch, calls that week) is the sequence's to decide.
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
from storage.models import User, UserPreferences

log = logging.getLogger(__name__)

DIGEST_GRACE = timedelta(hours=6)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DAY, DEFAULT_TIME = "fri", time(16, 0)


def digest_trigger(
    day: str | None, at: time | None, timezone: str | None, *, default_day: str = DEFAULT_DAY
) -> CronTrigger:
    """Weekly on `day` at `at` in `timezone` (unknown or unset: `default_day`, 16:00); the rep's
    digest and the manager's team digest both use it."""
    day = day if day in DAYS else default_day
    at = at or DEFAULT_TIME
    return CronTrigger(day_of_week=day, hour=at.hour, minute=at.minute, timezone=zone(timezone))


def digest_event(user: User, fire: datetime) -> Event:
    assert user.id is not None
    local = fire.astimezone(zone(user.timezone)).date().isoformat()
    return Event(
        type=EventType.COACHING_DIGEST,
        source=EventSource.CRON_COACHING_WEEKLY,
        org_id=user.org_id,
        user_id=user.id,
        payload={"scheduled_for": fire.isoformat()},
        idempotency_key=f"coaching_digest:{user.id}:{local}",
    )


class CoachingDigests(CronPlanner):
    """One weekly-digest cron per active rep at their chosen day and time."""

    async def start_coaching(self, *, catch_up: bool) -> None:
        async with self.db.session() as s:
            reps = await schedules.active_reps(s)
        for u in reps:
            await self.schedule_coaching(u, catch_up=catch_up)

    async def coaching_spec(self, user: User) -> CronSpec:
        async with self.db.session() as s:
            prefs = await s.get(UserPreferences, user.id)
        trigger = digest_trigger(prefs.coaching_digest_day if prefs else None,
                                 prefs.coaching_digest_time if prefs else None, user.timezone)  # fmt: skip
        uid = user.id

        async def events(fire: datetime) -> list[Event]:
            async with self.db.session() as s:
                row = await s.get(User, uid)
            return [digest_event(row, fire)] if row is not None and row.active else []

        return CronSpec(f"coaching_weekly:{uid}", trigger, events,
                        misfire_grace_time=int(DIGEST_GRACE.total_seconds()))  # fmt: skip

    async def schedule_coaching(self, user: User, *, catch_up: bool = False) -> None:
        spec = await self.coaching_spec(user)
        self._add(spec)
        if catch_up:
            await self._catch_up(spec, DIGEST_GRACE)

    async def on_coaching_settings_changed(self, user_id: int) -> None:
        async with self.db.session() as s:
            user = await s.get(User, user_id)
        if user is None or not user.active or user.role != "rep":
            self._remove(f"coaching_weekly:{user_id}")
            return
        await self.schedule_coaching(user)
        log.info("coaching digest rescheduled", extra={"user_id": user_id})
