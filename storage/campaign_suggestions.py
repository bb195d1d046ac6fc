"""The A/B suggestions the campaign digest showed each rep, and "Keep testing" snoozes.

A digest's "winner" suggestion is recorded per rep (`record`); its buttons carry the row id, so
a click is authorised as the rep's own row (`storage.access.Ref.CAMPAIGN_SUGGESTION`). "Keep
testing" snoozes the suggestion for that campaign and step for `SNOOZE`: `snoozed` lists what
the digest leaves out until then. Repository rules: keyword arguments, the caller owns the session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.instantly_models import CampaignSuggestion

SNOOZE = timedelta(days=7)


async def record(
    s: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    campaign_id: str,
    campaign_name: str,
    step: int,
    variants: tuple[str, ...],
    now: datetime,
) -> int:
    row = CampaignSuggestion(org_id=org_id, user_id=user_id, campaign_id=campaign_id,
                             campaign_name=campaign_name, step=step,
                             variants=",".join(variants), created_at=now)  # fmt: skip
    s.add(row)
    await s.flush()
    assert row.id is not None
    return row.id


async def snoozed(s: AsyncSession, *, user_id: int, now: datetime) -> set[tuple[str, int]]:
    """(campaign id, step) pairs the rep snoozed that are still snoozed at `now`."""
    rows = await s.exec(
        select(CampaignSuggestion.campaign_id, CampaignSuggestion.step).where(
            CampaignSuggestion.user_id == user_id,
            col(CampaignSuggestion.snoozed_until).is_not(None),
            col(CampaignSuggestion.snoozed_until) > now,
        )
    )
    return {(str(c), int(st)) for c, st in rows.all()}


async def snooze(
    s: AsyncSession, *, suggestion_id: int, user_id: int, now: datetime
) -> CampaignSuggestion | None:
    """Snooze the rep's own suggestion for `SNOOZE`; None when it is not theirs."""
    row = await s.get(CampaignSuggestion, suggestion_id)
    if row is None or row.user_id != user_id:
        return None
    row.status = "snoozed"
    row.snoozed_until = now + SNOOZE
    s.add(row)
    return row
