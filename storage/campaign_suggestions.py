"""The A/B suggestions the campaign digest showed each rep, and "Keep testing" snoozes.

A digest's "winner" suggestion is recorded per rep (`record`); its buttons carry the row id, so
a click is authorised as the rep's own row (`storage.access.Ref.CAMPAIGN_SUGGESTION`). "Keep
testing" snoozes the suggestion for that campaign and step for `SNOOZE`: `snoozed` lists what
the digest leaves out until then. `prune` deletes a rep's rows for campaigns the digest no
longer reports and rows older than `RETENTION` (a row still snoozed is kept). Repository rules:
keyword arguments, the caller owns the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.instantly_models import CampaignSuggestion

SNOOZE = timedelta(days=7)
RETENTION = timedelta(days=90)


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


async def prune(
    s: AsyncSession, *, user_id: int, keep_campaigns: Iterable[str], now: datetime
) -> int:
    """Delete the rep's suggestion rows for campaigns not in `keep_campaigns` (no longer
    reported: completed, drafts, deleted, not sending from the rep's mailboxes), and rows
    older than `RETENTION` unless still snoozed; how many went."""
    keep = tuple(keep_campaigns)
    gone = col(CampaignSuggestion.campaign_id).not_in(keep) if keep else true()
    old = and_(
        col(CampaignSuggestion.created_at) < now - RETENTION,
        or_(col(CampaignSuggestion.snoozed_until).is_(None),
            col(CampaignSuggestion.snoozed_until) <= now),
    )  # fmt: skip
    res = await s.exec(
        delete(CampaignSuggestion).where(col(CampaignSuggestion.user_id) == user_id, or_(gone, old))
    )
    return int(res.rowcount or 0)
