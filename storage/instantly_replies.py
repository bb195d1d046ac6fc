"""Counts over `instantly_replies`: how many campaign replies arrived for a rep in a window and how
many of them were routed (`routed_at` set), so a lost reply shows in the campaign digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.instantly_models import InstantlyReply


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
