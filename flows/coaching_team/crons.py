"""The manager's team digest crons: one per manager (an active user with active direct
reports), `coaching_team:{user}`, a `CronTrigger` on their `manager_digest_day` at their
`coaching_digest_time` in their timezone, rescheduled at once when their settings change
(`Deps.settings_listeners`) and removed when they have no reports left. A fire for an org with
coaching off submits nothing. A fire missed by a restart is caught up within `TEAM_GRACE`.
`flows.planner` installs it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flows.coaching.crons import digest_trigger
from flows.coaching_team.steps import week_key
from orchestrator.crons import CronSpec
from orchestrator.events import Event, EventSource, EventType
from orchestrator.planner import CronPlanner
from storage import schedules
from storage.coaching import org_coaching_enabled, team_members
from storage.models import User, UserPreferences

log = logging.getLogger(__name__)

TEAM_GRACE = timedelta(hours=6)
DEFAULT_DAY = "mon"


def team_cron_id(user_id: int | None) -> str:
    return f"coaching_team:{user_id}"


def team_event(user: User, fire: datetime) -> Event:
    assert user.id is not None
    return Event(
        type=EventType.COACHING_TEAM_DIGEST,
        source=EventSource.CRON_COACHING_WEEKLY,
        org_id=user.org_id,
        user_id=user.id,
        payload={"scheduled_for": fire.isoformat()},
        idempotency_key=f"coaching_team_digest:{user.id}:{week_key(user, fire)}",
    )


class TeamDigests(CronPlanner):
    """One team-digest cron per manager on their chosen day."""

    async def start_team_digests(self, *, catch_up: bool) -> None:
        async with self.db.session() as s:
            managers = await schedules.managers(s)
        for u in managers:
            await self.schedule_team_digest(u, catch_up=catch_up)

    async def team_spec(self, user: User) -> CronSpec:
        async with self.db.session() as s:
            prefs = await s.get(UserPreferences, user.id)
        trigger = digest_trigger(prefs.manager_digest_day if prefs else None,
                                 prefs.coaching_digest_time if prefs else None, user.timezone,
                                 default_day=DEFAULT_DAY)  # fmt: skip
        uid = user.id

        async def events(fire: datetime) -> list[Event]:
            async with self.db.session() as s:
                row = await s.get(User, uid)
                if row is None or not row.active:
                    return []
                if not await org_coaching_enabled(s, org_id=row.org_id):
                    log.info("team digest not planned: coaching off", extra={"user_id": uid})
                    return []
            return [team_event(row, fire)]

        return CronSpec(team_cron_id(uid), trigger, events,
                        misfire_grace_time=int(TEAM_GRACE.total_seconds()))  # fmt: skip

    async def schedule_team_digest(self, user: User, *, catch_up: bool = False) -> None:
        spec = await self.team_spec(user)
        self._add(spec)
        if catch_up:
            await self._catch_up(spec, TEAM_GRACE)

    async def on_team_settings_changed(self, user_id: int) -> None:
        async with self.db.session() as s:
            user = await s.get(User, user_id)
            reports = await team_members(s, manager_id=user_id) if user is not None else []
        if user is None or not user.active or not reports:
            self._remove(team_cron_id(user_id))
            return
        await self.schedule_team_digest(user)
        log.info("team digest rescheduled", extra={"user_id": user_id})

    def next_team_digest(self, user_id: int) -> datetime | None:
        job = self.scheduler.get_job(team_cron_id(user_id))
        if job is None:
            return None
        nrt = getattr(job, "next_run_time", None)
        if nrt is None:  # scheduler not started yet: compute from the trigger
            nrt = job.trigger.get_next_fire_time(None, self.now())
        return nrt
