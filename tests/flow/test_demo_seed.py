"""The demo org seeds once, re-plans its calendar on every run, and has stale deals on purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from storage.demo import seed_demo
from storage.engine import Database
from storage.models import Activity, CalendarEvent, Company, Deal, Transcript, User, UserPreferences

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # a Monday


async def count(db: Database, model: type) -> int:
    async with db.session() as s:
        return int((await s.exec(select(func.count()).select_from(model))).one())


async def test_seed_is_idempotent_and_realistic(db: Database) -> None:
    async with db.transaction() as s:
        first = await seed_demo(s, now=NOW)
    async with db.transaction() as s:
        second = await seed_demo(s, now=NOW + timedelta(days=1))
    assert first["created"] == 1 and second["created"] == 0
    assert await count(db, User) == 4
    assert await count(db, Company) == 40
    assert await count(db, Deal) == 30
    assert await count(db, Transcript) == 2
    assert await count(db, CalendarEvent) == first["calendar_events"] == second["calendar_events"]

    async with db.session() as s:
        roles = sorted(u.role for u in (await s.exec(select(User))).all())
        quiet = {
            (p.quiet_hours_start, p.quiet_hours_end)
            for p in (await s.exec(select(UserPreferences))).all()
        }
        stages = {d.stage for d in (await s.exec(select(Deal))).all()}
        last = (
            await s.exec(
                select(Activity.deal_id, func.max(Activity.occurred_at)).group_by(Activity.deal_id)
            )
        ).all()
        earliest_event = (await s.exec(select(func.min(CalendarEvent.start_at)))).one()
    assert roles == ["admin", "rep", "rep", "rep"]
    assert quiet == {(None, None)}  # the sandbox answers at any hour
    assert len(stages) >= 5
    stale = [deal for deal, at in last if (NOW - _aware(at)).days >= 14]
    assert 5 <= len(stale) <= 10
    # the second run planned the calendar from its own "today"
    assert _aware(earliest_event) >= NOW + timedelta(days=1) - timedelta(hours=24)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
