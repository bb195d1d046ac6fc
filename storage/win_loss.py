"""Loads the input of `skills.win_loss`: the org's closed deals (CRM stage won or lost) with the
metrics of their meetings' latest coaching analyses.

A call's metrics come from `coaching_analyses` as `storage.coaching` reads them: a metric the
analysis skipped or lacks is None; questions are not counted when "questions" was skipped, and the
open share is None for a call without questions. Deals without analysed calls are included with
no calls (the skill leaves them out of the comparison). The caller owns the session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from skills.win_loss import LOST_STAGES, WON_STAGES, CallMetrics, DealOutcome
from storage.coaching import (
    LONGEST_MONOLOGUE,
    QUESTIONS,
    TALK_RATIO,
    latest_per_meeting,
    metric_value,
)
from storage.coaching_models import CoachingAnalysis
from storage.models import Deal, Meeting


def call_metrics(analysis: CoachingAnalysis, title: str) -> CallMetrics:
    questions: int | None = None
    open_share: float | None = None
    if QUESTIONS not in (analysis.skipped or {}):
        qs = [q for q in analysis.questions or [] if isinstance(q, dict)]
        questions = len(qs)
        if qs:
            open_share = sum(1 for q in qs if q.get("kind") == "open") / len(qs)
    return CallMetrics(meeting_id=analysis.meeting_id, title=title, call_type=analysis.call_type,
                       talk_ratio=metric_value(analysis, TALK_RATIO), questions=questions,
                       open_share=open_share,
                       longest_monologue_s=metric_value(analysis, LONGEST_MONOLOGUE))  # fmt: skip


async def closed_deals_with_calls(
    s: AsyncSession,
    *,
    org_id: int,
    owner_ids: Sequence[int] | None = None,
    closed_since: datetime | None = None,
) -> list[DealOutcome]:
    """The org's won and lost deals (optionally of these owners, closed since a time: the stage
    changed at or after it), each with its analysed calls in start order."""
    query = select(Deal).where(
        Deal.org_id == org_id, col(Deal.stage).in_([*WON_STAGES, *LOST_STAGES])
    )
    if owner_ids is not None:
        query = query.where(col(Deal.owner_id).in_(list(owner_ids)))
    if closed_since is not None:
        query = query.where(col(Deal.stage_changed_at) >= closed_since)
    deals = sorted((await s.exec(query)).all(), key=lambda d: d.id or 0)
    deal_ids = [d.id for d in deals if d.id is not None]
    calls: dict[int, list[CallMetrics]] = defaultdict(list)
    if deal_ids:
        rows = await s.exec(
            select(CoachingAnalysis, Meeting)
            .join(Meeting, col(Meeting.id) == col(CoachingAnalysis.meeting_id))
            .where(col(Meeting.deal_id).in_(deal_ids))
        )
        pairs = rows.all()
        meetings = {m.id: m for _, m in pairs}
        for a in latest_per_meeting(a for a, _ in pairs):
            m = meetings[a.meeting_id]
            if m.deal_id is not None:
                calls[m.deal_id].append(call_metrics(a, m.title))
    return [DealOutcome(deal_id=d.id or 0, deal_name=d.name, stage=d.stage,
                        calls=tuple(calls.get(d.id or 0, ()))) for d in deals]  # fmt: skip
