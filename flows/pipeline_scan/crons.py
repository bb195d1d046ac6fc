"""The pipeline scan's crons: one per org, `pipeline_scan:{org}`, at
`org_settings.pipeline_scan_time` (08:00) in the org's timezone; one `pipeline_scan` event per
active rep. A fire missed by a restart is caught up within `SCAN_GRACE`; an admin's change to
the scan time reschedules it at once (`schedule_scan`). `flows.planner` installs it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger

from flows.briefs_common import zone
from orchestrator.crons import CronSpec
from orchestrator.events import Event, EventSource, EventType
from orchestrator.planner import CronPlanner
from storage import schedules
from storage.models import Org, OrgSettings

SCAN_GRACE = timedelta(hours=4)


class PipelineScans(CronPlanner):
    """One cron per org at its scan time."""

    async def start_scans(self, *, catch_up: bool) -> None:
        async with self.db.session() as s:
            orgs = await schedules.orgs_with_settings(s)
        for org, settings in orgs:
            await self.schedule_scan(org, settings, catch_up=catch_up)

    def scan_spec(self, org: Org, settings: OrgSettings | None) -> CronSpec:
        at = settings.pipeline_scan_time if settings is not None else time(8, 0)
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=zone(org.timezone))
        oid = org.id

        async def events(fire: datetime) -> list[Event]:
            async with self.db.session() as s:
                reps = await schedules.active_reps(s, org_id=oid)
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
