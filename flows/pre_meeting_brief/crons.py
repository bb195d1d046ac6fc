"""The pre-meeting brief's jobs: one `DateTrigger` job per external meeting,
`pre_meeting:{event}`, at start − 90 minutes, planned from `calendar_events` and re-planned
for a rep when their calendar changes (`calendar_changed(user_id)`, called after a calendar
sync: a moved meeting gets its job moved, a cancelled one loses it). Jobs are planned 8 days
ahead and the horizon rolls every 6 hours (a re-plan, not a poll per meeting). After a
restart a brief still goes until 5 minutes before the meeting. A fire that finds the meeting
moved or cancelled does nothing (the `compose` step checks again). `flows.planner` installs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakSet

from apscheduler.triggers.date import DateTrigger

from orchestrator.crons import CronSpec, fire_once
from orchestrator.events import Event, EventSource, EventType
from orchestrator.planner import CronPlanner
from storage import schedules

log = logging.getLogger(__name__)

PRE_MEETING_LEAD = timedelta(minutes=90)
PRE_MEETING_LAST_CALL = timedelta(minutes=5)  # a late brief still goes until 5 min before
PLAN_HORIZON = timedelta(days=8)
HORIZON_ROLL = timedelta(hours=6)  # meetings further out than the horizon get planned later


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


_PLANNERS: WeakSet[PreMeetingBriefs] = WeakSet()


async def calendar_changed(user_id: int) -> None:
    """Re-plan a rep's pre-meeting briefs in this process (call after a calendar sync)."""
    for planner in list(_PLANNERS):
        if planner.attached:
            await planner.replan_pre_meeting(user_id)


class PreMeetingBriefs(CronPlanner):
    """One date job per upcoming external meeting."""

    def follow_calendars(self) -> None:
        """Re-plan on `calendar_changed` in this process (until `detach`)."""
        _PLANNERS.add(self)

    def detach(self) -> None:
        super().detach()
        _PLANNERS.discard(self)

    async def replan_pre_meeting(self, user_id: int | None) -> dict[str, PlannedBrief]:
        """Add, move or drop the date jobs for one rep's (or everyone's) upcoming meetings."""
        now = self.now()
        async with self.db.session() as s:
            rows = await schedules.upcoming_events(
                s, after=now, until=now + PLAN_HORIZON, user_id=user_id
            )
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
