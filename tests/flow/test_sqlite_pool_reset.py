"""SQLite connections go back to the pool clean: rolled back only when inside a transaction."""

from __future__ import annotations

from typing import Any

from orchestrator.store import RawConn


async def count(db: Any) -> int:
    async with db.engine.connect() as conn:
        return (await conn.exec_driver_sql("SELECT count(*) FROM orgs")).scalar_one()


async def test_unfinished_sqlalchemy_transaction_is_rolled_back(sqlite_db: Any) -> None:
    conn = await sqlite_db.engine.connect()
    await conn.exec_driver_sql(
        "INSERT INTO orgs (name, timezone, created_at) VALUES ('x', 'UTC', '2026-01-01')"
    )
    await conn.close()  # never committed
    assert await count(sqlite_db) == 0


async def test_unfinished_driver_transaction_is_rolled_back(sqlite_db: Any) -> None:
    conn = await sqlite_db.engine.connect()
    raw = await RawConn.of(conn)
    a = raw.driver

    def begin_and_insert() -> None:
        a._conn.execute("BEGIN IMMEDIATE")
        a._conn.execute(
            "INSERT INTO orgs (name, timezone, created_at) VALUES ('y', 'UTC', '2026-01-01')"
        )

    await a._execute(begin_and_insert)
    await conn.close()  # the pool cannot see this transaction; the reset hook can
    assert await count(sqlite_db) == 0
    async with sqlite_db.engine.begin() as other:  # and the write lock is free again
        await other.exec_driver_sql(
            "INSERT INTO orgs (name, timezone, created_at) VALUES ('z', 'UTC', '2026-01-01')"
        )
    assert await count(sqlite_db) == 1
