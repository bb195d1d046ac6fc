"""The pipeline scan query: open deals with their last activity, stale and at-risk reasons.

Deals keep no last-activity column of their own: the last touch is `MAX(occurred_at)` over
`activities` for the deal, computed as a correlated subquery per open deal so both SQLite
and PostgreSQL answer it from the `ix_activities_deal_time (deal_id, occurred_at)` index
with one backward index probe per deal (no scan of the activities table; measured in
`bench/bench_pipeline_scan.py`). Only the deals that are stale or at risk are returned.

- stale: no activity for `stale_days` (org `stale_threshold_days`, default 14), or none ever;
- at risk: stale, a negative signal (`at_risk` in `deals.flags`), or the close date passed or
  within 7 days with no activity in the last 7 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Activity, CalendarEvent, Company, Deal
from storage.rows import table_of

CLOSED_STAGES = ("closed_won", "closed_lost")
NEGATIVE_FLAGS = frozenset({"at_risk", "buying_negative", "competitive_threat"})
CLOSE_SOON_DAYS = 7
RECENT_DAYS = 7


@dataclass(frozen=True)
class DealHealth:
    """One open deal needing attention and why."""

    deal_id: int
    name: str
    owner_id: int | None
    stage: str
    amount: float | None
    close_date: date | None
    company: str | None
    contact_id: int | None
    last_activity_at: datetime | None
    days_quiet: int | None
    reasons: tuple[str, ...] = field(default=())

    @property
    def stale(self) -> bool:
        return "stale" in self.reasons

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons)


def _aware(v: Any) -> datetime | None:
    if v is None:
        return None
    # SQLite hands MAX() back as text
    when: datetime = datetime.fromisoformat(v) if isinstance(v, str) else v
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def classify(
    *,
    last: datetime | None,
    flags: list[str] | None,
    close_date: date | None,
    now: datetime,
    stale_days: int,
) -> tuple[tuple[str, ...], int | None]:
    """(reasons, days quiet) for one deal; no reasons means healthy."""
    days = None if last is None else max(0, (now - last).days)
    reasons: list[str] = []
    if days is None or days >= stale_days:
        reasons.append("stale")
    if NEGATIVE_FLAGS & set(flags or ()):
        reasons.append("negative_signal")
    quiet_recently = days is None or days >= RECENT_DAYS
    if close_date is not None:
        today = now.date()
        if close_date < today:
            reasons.append("close_date_passed")
        elif close_date <= today + timedelta(days=CLOSE_SOON_DAYS) and quiet_recently:
            reasons.append("closing_soon_quiet")
    return tuple(reasons), days


async def scan(
    conn: AsyncConnection,
    *,
    org_id: int,
    now: datetime,
    stale_days: int = 14,
    owner_id: int | None = None,
) -> list[DealHealth]:
    """Stale and at-risk open deals of an org (or one owner), most overdue first."""
    a = table_of(Activity)
    d = table_of(Deal)
    c = table_of(Company)
    e = table_of(CalendarEvent)
    last = (
        select(func.max(a.c.occurred_at))
        .where(a.c.deal_id == d.c.id)
        .correlate(d)
        .scalar_subquery()
        .label("last_at")
    )
    # A meeting with the deal that has ended is a touch too, logged or not.
    met = (e.c.deal_id == d.c.id, e.c.end_at <= now, e.c.status != "cancelled")
    last_met = (
        select(func.max(e.c.end_at)).where(*met).correlate(d).scalar_subquery().label("last_met")
    )
    q = (
        select(
            d.c.id,
            d.c.name,
            d.c.owner_id,
            d.c.stage,
            d.c.amount,
            d.c.close_date,
            d.c.flags,
            d.c.primary_contact_id,
            c.c.name.label("company"),
            last,
            last_met,
        )
        .select_from(d.outerjoin(c, c.c.id == d.c.company_id))
        .where(d.c.org_id == org_id, d.c.stage.not_in(CLOSED_STAGES))
    )
    if owner_id is not None:
        q = q.where(d.c.owner_id == owner_id)
    # Only rows that can be flagged leave the database: with flags, a close date near or
    # passed, or no activity since the cut-off (one index probe each; MAX is then computed
    # only for the rows kept). Cheap tests first: the OR short-circuits.
    quiet_cutoff = now - timedelta(days=min(stale_days, RECENT_DAYS))
    near = (now + timedelta(days=CLOSE_SOON_DAYS)).date()
    recent = (
        select(a.c.id)
        .where(a.c.deal_id == d.c.id, a.c.occurred_at > quiet_cutoff)
        .correlate(d)
        .exists()
    )
    met_recently = select(e.c.id).where(*met, e.c.end_at > quiet_cutoff).correlate(d).exists()
    q = q.where(
        or_(cast(d.c.flags, String) != "[]", d.c.close_date <= near, ~recent & ~met_recently)
    )
    out: list[DealHealth] = []
    for row in (await conn.execute(q)).all():
        touches = [t for t in (_aware(row.last_at), _aware(row.last_met)) if t is not None]
        last_at = max(touches) if touches else None
        reasons, days = classify(
            last=last_at, flags=row.flags, close_date=row.close_date, now=now, stale_days=stale_days
        )
        if not reasons:
            continue
        out.append(
            DealHealth(
                deal_id=row.id,
                name=row.name,
                owner_id=row.owner_id,
                stage=row.stage,
                amount=row.amount,
                close_date=row.close_date,
                company=row.company,
                contact_id=row.primary_contact_id,
                last_activity_at=last_at,
                days_quiet=days,
                reasons=reasons,
            )
        )
    out.sort(key=lambda h: (-(h.days_quiet if h.days_quiet is not None else 10**6), h.deal_id))
    return out
