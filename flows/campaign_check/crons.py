"""The campaign digest's crons: one per rep, `campaign_check:{user}`, at the rep's own campaign
digest time (`UserPreferences.campaign_digest_time`, set in App Home's settings) or, when they
set none, their morning `briefing_time`; on their `briefing_days` in their timezone (the
morning brief's trigger shape, `flows.morning_brief.crons.morning_trigger`), rescheduled when
the rep's settings change.
A fire missed by a restart is caught up within `CAMPAIGN_GRACE`. `flows.planner` installs it.
A rep with no Instantly campaigns gets nothing (the compose step finds none and stops).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from flows.briefs_common import zone
from flows.morning_brief.crons import morning_trigger
from orchestrator.crons import CronSpec
from orchestrator.events import Event, EventSource, EventType
from orchestrator.planner import CronPlanner
from storage import schedules
from storage.models import User, UserPreferences

log = logging.getLogger(__name__)

CAMPAIGN_GRACE = timedelta(hours=2)


def campaign_event(user: User, fire: datetime) -> Event:
    assert user.id is not None
    local = fire.astimezone(zone(user.timezone)).date().isoformat()
    return Event(
        type=EventType.CAMPAIGN_CHECK,
        source=EventSource.CRON_CAMPAIGN_CHECK,
        org_id=user.org_id,
        user_id=user.id,
        payload={"scheduled_for": fire.isoformat()},
        idempotency_key=f"campaign_check:{user.id}:{local}",
    )


class CampaignChecks(CronPlanner):
    """One campaign-digest cron per active rep at their campaign digest time."""

    async def start_campaigns(self, *, catch_up: bool) -> None:
        async with self.db.session() as s:
            reps = await schedules.active_reps(s)
            times = await schedules.campaign_digest_times(s, [u.id for u in reps if u.id])
        for u in reps:
            await self.schedule_campaigns(u, catch_up=catch_up, at=times.get(u.id or 0))

    def campaign_spec(self, user: User, at: time | None = None) -> CronSpec:
        """`at`: the rep's own digest time; None = their briefing time."""
        trigger = morning_trigger(at or user.briefing_time, user.briefing_days, user.timezone)
        uid = user.id

        async def events(fire: datetime) -> list[Event]:
            async with self.db.session() as s:
                row = await s.get(User, uid)
            return [campaign_event(row, fire)] if row is not None and row.active else []

        return CronSpec(
            f"campaign_check:{uid}",
            trigger,
            events,
            misfire_grace_time=int(CAMPAIGN_GRACE.total_seconds()),
        )

    async def schedule_campaigns(
        self, user: User, *, catch_up: bool = False, at: time | None = None
    ) -> None:
        spec = self.campaign_spec(user, at)
        self._add(spec)
        if catch_up:
            await self._catch_up(spec, CAMPAIGN_GRACE)

    async def on_campaign_settings_changed(self, user_id: int) -> None:
        async with self.db.session() as s:
            user = await s.get(User, user_id)
            prefs = await s.get(UserPreferences, user_id)
        if user is None or not user.active or user.role != "rep":
            self._remove(f"campaign_check:{user_id}")
            return
        await self.schedule_campaigns(user, at=prefs.campaign_digest_time if prefs else None)

    def next_campaign_digest(self, user_id: int) -> datetime | None:
        """When the rep's next campaign digest is planned (None: not planned)."""
        job = self.scheduler.get_job(f"campaign_check:{user_id}")
        if job is None:
            return None
        nrt = getattr(job, "next_run_time", None)
        if nrt is None:  # scheduler not started yet: compute from the trigger
            nrt = job.trigger.get_next_fire_time(None, self.now())
        return nrt
