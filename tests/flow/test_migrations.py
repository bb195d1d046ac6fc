"""Migrations apply from empty and round-trip on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from storage.engine import Database, sync_url
from storage.migrate import downgrade, upgrade
from storage.models import ALL_TABLES, Org, User


async def test_every_table_exists_after_upgrade(db: Database) -> None:
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(ALL_TABLES.tables) <= names


async def test_times_round_trip_as_aware_utc(db: Database) -> None:
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        s.add(User(org_id=org.id, slack_user_id="U1", email="a@x.test", name="A"))
    async with db.session() as s:
        user = (await s.exec(select(User))).one()
    assert user.created_at.tzinfo is not None
    assert user.created_at.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - user.created_at).total_seconds()) < 60


async def test_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as s:
            s.add(Org(name="Naive", created_at=datetime(2026, 1, 1)))


async def test_downgrade_then_upgrade(db_url: str) -> None:
    downgrade(db_url, "base")
    upgrade(db_url)
    database = Database(db_url)
    async with database.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    await database.dispose()
    assert version is not None
    assert sync_url(db_url)
