"""The campaign digest's crons: one per rep, `campaign_check:{user}`, at the rep's morning
`briefing_time` on their `briefing_days` in their timezone (the same trigger as the morning
brief, `flows.morning_brief.crons.morning_trigger`), rescheduled when the rep's settings change.
A fire missed by a restart is caught up within `CAMPAIGN_GRACE`. `flows.planner` installs it.
A rep with no Instantly campaigns gets nothing (the compose step finds none and stops).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flows.briefs_common import zone
from flows.morning_brief.crons import morning_trigger
from orchestrator.crons import CronSpec
from orchestrator.events import Event, EventSource, EventType
from orchestrator.planner import CronPlanner
from storage import schedules
from storage.models import User

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
    """One campaign-digest cron per active rep at their briefing time."""

    async def start_campaigns(self, *, catch_up: bool) -> None:
        async with self.db.session() as s:
            reps = await schedules.active_reps(s)
        for u in reps:
            await self.schedule_campaigns(u, catch_up=catch_up)

    def campaign_spec(self, user: User) -> CronSpec:
        trigger = morning_trigger(user.briefing_time, user.briefing_days, user.timezone)
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

    async def schedule_campaigns(self, user: User, *, catch_up: bool = False) -> None:
        spec = self.campaign_spec(user)
        self._add(spec)
        if catch_up:
            await self._catch_up(spec, CAMPAIGN_GRACE)

    async def on_campaign_settings_changed(self, user_id: int) -> None:
        async with self.db.session() as s:
            user = await s.get(User, user_id)
        if user is None or not user.active or user.role != "rep":
            self._remove(f"campaign_check:{user_id}")
            return
        await self.schedule_campaigns(user)
