"""Applying a rep's validated settings, then telling listeners (cron rescheduling) they changed;
and applying an admin's validated org settings, then rescheduling the org's pipeline scan.

Saving settings also puts what the delivery rules hold back in line again
(`orchestrator.delivery.release_held`): a raised cap or shorter quiet hours release what now fits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from orchestrator.delivery import release_held
from skills.briefs import OrgSettingsChange
from skills.campaign_settings import CampaignSettingsChange
from skills.preferences import ValidatedPreferences
from storage.engine import Database
from storage.models import Org, User
from storage.users import org_settings, update_preferences

SettingsListener = Callable[[int], Awaitable[None]]


async def apply_preferences(
    db: Database,
    user: User,
    changes: ValidatedPreferences,
    listeners: Iterable[SettingsListener] = (),
) -> None:
    assert user.id is not None
    async with db.transaction() as s:
        row = await s.get(User, user.id)
        assert row is not None
        for key, value in changes.user.items():
            setattr(row, key, value)
        s.add(row)
        await update_preferences(s, user_id=user.id, changes=dict(changes.preferences))
        await release_held(await s.connection(), user.id)
    for listener in listeners:
        await listener(user.id)


async def apply_org_settings(
    db: Database, org_id: int, change: OrgSettingsChange, now: datetime, planner: Any = None
) -> None:
    """Save an admin's org settings; `planner` (a `ProactivePlanner`) reschedules the org's scan at once."""
    async with db.transaction() as s:
        row = await org_settings(s, org_id=org_id)
        row.features = {**(row.features or {}), **change.features}
        row.ai_budget_usd_month = change.ai_budget_usd_month
        row.stale_threshold_days = change.stale_threshold_days
        row.updated_at = now
        s.add(row)
        org = await s.get(Org, org_id)
    if planner is not None and org is not None:
        await planner.schedule_scan(org, row)


async def apply_campaign_settings(
    db: Database, org_id: int, change: CampaignSettingsChange, now: datetime
) -> None:
    """Save an admin's campaign digest settings (benchmarks as fractions, the minimum lift)."""
    async with db.transaction() as s:
        row = await org_settings(s, org_id=org_id)
        row.campaign_benchmarks = dict(change.benchmarks)
        row.campaign_min_lift = change.min_lift
        row.updated_at = now
        s.add(row)
