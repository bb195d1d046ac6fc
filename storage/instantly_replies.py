"""`instantly_replies` beyond the reply path's own writes: how many campaign replies arrived for a
rep in a window and how many were routed (`routed_at` set), so a lost reply shows in the
campaign digest; and Instantly's interest label arriving after the reply was stored
(`set_label`, `latest_label`), so the "Instantly says" second opinion stays current."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.instantly_models import InstantlyReply, InstantlyWebhookDelivery


@dataclass(frozen=True)
class ReplyCounts:
    arrived: int
    routed: int

    @property
    def unrouted(self) -> int:
        return max(0, self.arrived - self.routed)


async def reply_counts(
    session: AsyncSession, *, user_id: int, since: datetime, until: datetime
) -> ReplyCounts:
    """Replies received for `user_id` in `[since, until)` and how many of them were routed."""
    stmt = select(func.count(), func.count(col(InstantlyReply.routed_at))).where(
        col(InstantlyReply.user_id) == user_id,
        col(InstantlyReply.received_at) >= since,
        col(InstantlyReply.received_at) < until,
    )
    arrived, routed = (await session.exec(stmt)).one()
    return ReplyCounts(arrived=int(arrived or 0), routed=int(routed or 0))


async def set_label(
    session: AsyncSession, *, org_id: int, email_id: str | None, lead_email: str | None,
    campaign_id: str | None, i_status: int | None,
) -> int | None:  # fmt: skip
    """Record Instantly's interest value on the stored reply it names (its email id), else on the
    lead's latest reply (in the campaign when given); the row id, None when no reply is stored."""
    stmt = select(InstantlyReply).where(col(InstantlyReply.org_id) == org_id)
    if email_id:
        stmt = stmt.where(col(InstantlyReply.instantly_email_id) == email_id)
    elif lead_email:
        stmt = stmt.where(func.lower(col(InstantlyReply.lead_email)) == lead_email.lower())
        if campaign_id:
            stmt = stmt.where(col(InstantlyReply.campaign_id) == campaign_id)
    else:
        return None
    row = (await session.exec(stmt.order_by(col(InstantlyReply.received_at).desc(),
                                            col(InstantlyReply.id).desc()))).first()  # fmt: skip
    if row is None:
        return None
    row.i_status = i_status
    session.add(row)
    return row.id


async def latest_label(
    session: AsyncSession, *, org_id: int, email_id: str, kinds: Iterable[str]
) -> str | None:
    """The latest delivered event of one of `kinds` (the label events) for `email_id`, if any."""
    stmt = (
        select(InstantlyWebhookDelivery.event_type)
        .where(
            col(InstantlyWebhookDelivery.org_id) == org_id,
            col(InstantlyWebhookDelivery.email_or_lead) == email_id,
            col(InstantlyWebhookDelivery.event_type).in_(tuple(kinds)),
        )
        .order_by(col(InstantlyWebhookDelivery.received_at).desc(),
                  col(InstantlyWebhookDelivery.id).desc())
    )  # fmt: skip
    return (await session.exec(stmt)).first()
