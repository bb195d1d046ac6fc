"""The cost ledger: one row per language-model call, and an org's spend against its budget.

Repository functions take the caller's `AsyncSession` and never commit. Months are
calendar months in UTC, the same periods `BudgetNotice.period` (YYYY-MM) names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CostLedger, OrgSettings

DEFAULT_AI_BUDGET_USD_MONTH = 50.0


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Start of `now`'s UTC month and start of the next one."""
    if now.tzinfo is None:
        raise ValueError("naive datetime; attach a timezone")
    now = now.astimezone(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        end = start.replace(year=start.year + 1, month=1)
    else:
        end = start.replace(month=start.month + 1)
    return start, end


def period_of(now: datetime) -> str:
    """`YYYY-MM` of `now` in UTC."""
    return month_bounds(now)[0].strftime("%Y-%m")


async def record_cost(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int | None,
    job_id: int | None,
    skill: str,
    model: str,
    tokens_in: int,
    tokens_out: int,
    cost_usd: float,
    at: datetime | None = None,
) -> CostLedger:
    row = CostLedger(
        org_id=org_id,
        user_id=user_id,
        job_id=job_id,
        skill=skill,
        model=model,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=cost_usd,
    )
    if at is not None:
        row.created_at = at
    session.add(row)
    await session.flush()
    return row


async def month_spend(session: AsyncSession, *, org_id: int, now: datetime) -> float:
    """USD spent by the org in `now`'s UTC month."""
    start, end = month_bounds(now)
    total = await session.scalar(
        select(func.coalesce(func.sum(CostLedger.cost_usd), 0.0)).where(
            col(CostLedger.org_id) == org_id,
            col(CostLedger.created_at) >= start,
            col(CostLedger.created_at) < end,
        )
    )
    return float(total or 0.0)


async def monthly_budget(session: AsyncSession, *, org_id: int) -> float:
    """The org's monthly AI budget in USD (the default when it has no settings row)."""
    budget = await session.scalar(
        select(OrgSettings.ai_budget_usd_month).where(OrgSettings.org_id == org_id)
    )
    return DEFAULT_AI_BUDGET_USD_MONTH if budget is None else float(budget)
