"""One injected clock: with a `SteppingClock`, the engine and SQLite's job times (run_after,
leases, gate expiry) live on the clock's timeline, not the wall clock's — so a test at a fixed
instant sees exactly what the product would see at that instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.settings import Settings
from orchestrator.engine import Engine
from orchestrator.events import Event
from storage.clock import SteppingClock
from storage.engine import Database
from storage.models import SequenceJob
from tests.support.sequences import RecordingDelivery, noop_registry, seed_org

T0 = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def test_stepping_clock_moves_with_time_and_on_demand() -> None:
    clock = SteppingClock(T0)
    first = clock()
    assert T0 <= first < T0 + timedelta(seconds=5)
    assert clock.advance(timedelta(hours=2)) >= T0 + timedelta(hours=2)
    later = clock.advance_to(T0 + timedelta(days=1))
    assert later >= T0 + timedelta(days=1)
    assert clock.advance_to(T0) >= later  # never back
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        SteppingClock(datetime(2026, 3, 3, 12, 0))


async def test_job_times_follow_the_injected_clock(sqlite_url: str, tmp_path: Path) -> None:
    clock = SteppingClock(T0)
    db = Database(sqlite_url, clock=clock)
    try:
        org, users = await seed_org(db)
        engine = Engine(db, Settings(), RecordingDelivery(), noop_registry())
        assert engine.clock is clock
        ref = await engine.submit(Event(type="noop7", source="test", org_id=org, user_id=users[0],
                                        payload={}, idempotency_key="clock-1"))  # fmt: skip
        async with db.session() as s:
            job = await s.get(SequenceJob, ref.job_id)  # type: ignore[union-attr]
        # created and due on the clock's timeline (March 2026), whatever the wall clock says
        assert job is not None and abs(job.run_after - T0) < timedelta(minutes=1)
        assert await engine.drain() == 1
        await engine.settled(timeout_s=5)
        async with db.session() as s:
            job = await s.get(SequenceJob, ref.job_id)  # type: ignore[union-attr]
        assert job is not None and job.status == "completed"
    finally:
        await db.dispose()


async def test_a_deferred_job_waits_for_the_clock_not_the_wall(sqlite_url: str) -> None:
    clock = SteppingClock(T0)
    db = Database(sqlite_url, clock=clock)
    try:
        org, users = await seed_org(db)
        engine = Engine(db, Settings(), RecordingDelivery(), noop_registry())
        ref = await engine.submit(Event(type="noop7", source="test", org_id=org, user_id=users[0],
                                        payload={}, idempotency_key="clock-2"))  # fmt: skip
        async with db.transaction() as s:
            job = await s.get(SequenceJob, ref.job_id)  # type: ignore[union-attr]
            assert job is not None
            job.run_after = T0 + timedelta(hours=1)  # deferred (quiet hours, a pause, ...)
            s.add(job)
        assert await engine.drain() == 0  # an hour ahead on the clock: not due
        await engine.settled(timeout_s=5)  # deferred jobs do not keep the engine busy
        clock.advance(timedelta(hours=1, seconds=1))
        assert await engine.drain() == 1
    finally:
        await db.dispose()


async def test_postgresql_keeps_its_own_clock(pg_url: str) -> None:
    db = Database(pg_url, clock=SteppingClock(T0))
    try:
        assert db.clock is None  # a shared server's clock is the one all processes agree on
    finally:
        await db.dispose()
