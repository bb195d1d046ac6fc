"""The per-rep, per-org and per-meeting crons of the proactive flows, in one process.

`ProactivePlanner` combines the planners each flow owns (`morning_brief.crons`,
`campaign_check.crons` (the campaign digest, at the same briefing time), `pipeline_scan.crons`,
`pre_meeting_brief.crons`, `coaching.crons` (the rep's weekly coaching digest),
`coaching_team.crons` (the manager's team digest); plumbing in `orchestrator.planner`);
`attach(scheduler, deps)` installs them (app.py calls it after the static crons): plan now
(in the background), reschedule a rep's morning brief and campaign digest when their settings
change, follow calendar changes, roll the pre-meeting horizon every 6 hours.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from flows.campaign_check.crons import CampaignChecks
from flows.coaching.crons import CoachingDigests
from flows.coaching_team.crons import TeamDigests
from flows.morning_brief.crons import MorningBriefs
from flows.pipeline_scan.crons import PipelineScans
from flows.pre_meeting_brief.crons import HORIZON_ROLL, PreMeetingBriefs
from orchestrator.crons import interval_trigger

log = logging.getLogger(__name__)


class ProactivePlanner(
    MorningBriefs, CampaignChecks, PipelineScans, PreMeetingBriefs, CoachingDigests, TeamDigests
):
    """Keeps this process's scheduler in step with reps, orgs and calendars."""

    async def start(self, *, catch_up: bool = True) -> None:
        await self.start_morning(catch_up=catch_up)
        await self.start_campaigns(catch_up=catch_up)
        await self.start_scans(catch_up=catch_up)
        await self.start_coaching(catch_up=catch_up)
        await self.start_team_digests(catch_up=catch_up)
        await self.replan_pre_meeting(None)

    async def on_settings_changed(self, user_id: int) -> None:
        await MorningBriefs.on_settings_changed(self, user_id)
        await self.on_campaign_settings_changed(user_id)
        await self.on_coaching_settings_changed(user_id)
        await self.on_team_settings_changed(user_id)


def attach(scheduler: Any, deps: Any, *, catch_up: bool = True) -> ProactivePlanner:
    """Install the proactive crons in this process (module docstring)."""
    planner = ProactivePlanner(scheduler, deps)
    planner.follow_calendars()
    deps.settings_listeners.append(planner.on_settings_changed)
    deps.proactive_planner = planner

    async def boot() -> None:
        try:
            await planner.start(catch_up=catch_up)
        except Exception:
            log.exception("proactive planning failed")
        finally:
            planner.ready.set()

    scheduler.add_job(
        planner.replan_pre_meeting,
        interval_trigger(seconds=HORIZON_ROLL.total_seconds()),
        args=[None],
        id="proactive:horizon",
        name="proactive:horizon",
        replace_existing=True,
    )
    task = asyncio.get_running_loop().create_task(boot())
    planner._tasks.add(task)
    task.add_done_callback(planner._tasks.discard)
    return planner
