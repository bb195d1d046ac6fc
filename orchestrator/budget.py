"""The org's monthly AI budget: what is spent, whether a sequence or step may run, and the
once-per-period notice to the org's admins (`budget_notices`, unique on org and period).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from storage.models import CostLedger, OrgSettings


def period_of(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m")


def month_start(now: datetime) -> datetime:
    n = now.astimezone(UTC)
    return datetime(n.year, n.month, 1, tzinfo=UTC)


async def spent(conn: AsyncConnection, org_id: int, now: datetime) -> float:
    q = select(func.coalesce(func.sum(CostLedger.cost_usd), 0.0)).where(
        col(CostLedger.org_id) == org_id, col(CostLedger.created_at) >= month_start(now)
    )
    return float((await conn.execute(q)).scalar_one())


async def budget(conn: AsyncConnection, org_id: int) -> float:
    q = select(col(OrgSettings.ai_budget_usd_month)).where(col(OrgSettings.org_id) == org_id)
    v = (await conn.execute(q)).scalar_one_or_none()
    return 50.0 if v is None else float(v)


async def allows(conn: AsyncConnection, org_id: int, estimate: float, now: datetime) -> bool:
    """True when the org can afford `estimate` more this month (zero estimates always pass
    unless the budget is already spent)."""
    total = await budget(conn, org_id)
    used = await spent(conn, org_id, now)
    if used >= total:
        return False
    return used + estimate <= total


async def claim_notice(conn: AsyncConnection, org_id: int, now: datetime) -> bool:
    """True for exactly one caller per org and period: that caller tells the admins."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from storage.models import BudgetNotice

    ins = (
        pg_insert(BudgetNotice)
        if conn.dialect.name == "postgresql"
        else sqlite_insert(BudgetNotice)
    )
    stmt = ins.values(org_id=org_id, period=period_of(now), created_at=now).on_conflict_do_nothing(
        index_elements=["org_id", "period"]
    )
    return (await conn.execute(stmt.returning(col(BudgetNotice.id)))).first() is not None


async def record_cost(
    conn: AsyncConnection,
    *,
    org_id: int,
    user_id: int | None,
    job_id: int | None,
    skill: str,
    model: str,
    cost_usd: float,
    tokens_in: int = 0,
    tokens_out: int = 0,
    at: datetime,
) -> None:
    from sqlalchemy import insert

    await conn.execute(
        insert(CostLedger).values(
            org_id=org_id,
            user_id=user_id,
            job_id=job_id,
            skill=skill,
            model=model,
            cost_usd=cost_usd,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            created_at=at,
        )
    )


async def admins(conn: AsyncConnection, org_id: int) -> list[tuple[int, str]]:
    """(user id, Slack id) of the org's active admins: who hears that the budget is spent."""
    from storage.models import User

    rows = (
        await conn.execute(
            select(col(User.id), col(User.slack_user_id)).where(
                col(User.org_id) == org_id, col(User.role) == "admin", col(User.active).is_(True)
            )
        )
    ).all()
    # `uid` is a primary key: never None.
    return [(int(uid), str(slack_id)) for uid, slack_id in rows if uid is not None]
