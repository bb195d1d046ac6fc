"""Issue 11, 2.13: re-planning the demo calendar (every start) keeps the meetings booked through
Sixty; it replaces only what the seed planned, without duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from connectors.calendar import Attendee, DemoCalendar, NewEvent
from storage.demo import seed_demo
from storage.engine import Database
from storage.models import CalendarEvent, User

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


async def _events(db: Database) -> list[CalendarEvent]:
    async with db.session() as s:
        return list((await s.exec(select(CalendarEvent))).all())


async def test_restart_keeps_a_meeting_booked_through_sixty(db: Database) -> None:
    async with db.transaction() as s:
        planned = (await seed_demo(s, now=NOW))["calendar_events"]
        rep = (await s.exec(select(User).where(User.role == "rep"))).first()
    assert rep is not None and rep.id is not None
    start = NOW + timedelta(days=1, hours=3)
    booked = await DemoCalendar(db, rep.org_id, rep.id).create_event(NewEvent(
        summary="Acme — next steps", description="", start=start, end=start + timedelta(minutes=30), tz="UTC",
        attendees=(Attendee("dana@acme.example", "Dana"),), transaction_id="booking-1"))  # fmt: skip
    for restart in (
        NOW + timedelta(minutes=5),
        NOW + timedelta(hours=2),
    ):  # `make run` again, twice
        async with db.transaction() as s:
            await seed_demo(s, now=restart)
    rows = await _events(db)
    assert [r.title for r in rows if r.external_id == booked.id] == ["Acme — next steps"]
    assert len(rows) == planned + 1  # the seed's own meetings were replaced, not duplicated


async def test_seed_rows_from_before_the_prefix_are_still_replanned(db: Database) -> None:
    async with db.transaction() as s:
        planned = (await seed_demo(s, now=NOW))["calendar_events"]
    async with db.transaction() as s:  # as seeded by the previous version: bare uuid4 hex ids
        for i, row in enumerate((await s.exec(select(CalendarEvent))).all()):
            row.external_id = f"{i:032x}"
            s.add(row)
    async with db.transaction() as s:
        await seed_demo(s, now=NOW)
    assert len(await _events(db)) == planned
