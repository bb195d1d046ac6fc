"""Benchmark `pipeline_scan` `s` (with `"db"`): the stale/at-risk scan of 10,000 open deals and
1,000,000 activities, on SQLite and on PostgreSQL; goal under 1 s each (issue 7).

`python -m bench.bench_pipeline_scan`. Data is generated with bulk inserts (sqlite3
`executemany`, PostgreSQL `COPY`) into a freshly migrated database (a temp file; the PostgreSQL
database `sixty_bench_pipeline`, created and dropped here). The timed call is the real
`storage.pipeline.scan` through the app's async engine; the figure is the median of 5 runs after
one warm-up. `SIXTY_BENCH_PG_URL` overrides the PostgreSQL server (`--sqlite-only` skips it).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import emit
from storage.engine import Database
from storage.migrate import upgrade
from storage.pipeline import scan

DEALS = 10_000
ACTIVITIES = 1_000_000
RUNS = 5
PG_ADMIN = os.environ.get("SIXTY_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_DB = "sixty_bench_pipeline"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KINDS = ("email_sent", "email_received", "meeting", "call", "note")
# Bulk load only: the activities indexes are dropped before the load and built again after it,
# under the same names and columns as the migration (building once beats 1M index inserts).
DROP_INDEXES = ["DROP INDEX ix_activities_deal_time", "DROP INDEX ix_activities_org_id"]
CREATE_INDEXES = [
    "CREATE INDEX ix_activities_deal_time ON activities (deal_id, occurred_at)",
    "CREATE INDEX ix_activities_org_id ON activities (org_id)",
]


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def deal_rows(rng: random.Random) -> Iterator[tuple]:
    stamp = _ts(NOW - timedelta(days=90))
    for i in range(1, DEALS + 1):
        close = (NOW + timedelta(days=rng.randrange(-20, 120))).date().isoformat()
        flags = '["at_risk"]' if rng.random() < 0.05 else "[]"
        yield (
            i,
            1,
            1 + i % 3,
            f"Deal {i}",
            "proposal",
            10000.0,
            "USD",
            close,
            flags,
            "{}",
            "{}",
            stamp,
            stamp,
            stamp,
        )


def activity_rows(rng: random.Random) -> list[tuple]:
    """Activities in (deal, time) order, as a CRM sync would load them: index-friendly."""
    keys = sorted(
        (rng.randrange(1, DEALS + 1), rng.randrange(0, 120 * 24 * 60)) for _ in range(ACTIVITIES)
    )
    base = NOW - timedelta(days=120)
    return [
        (i, 1, deal, KINDS[i % 5], _ts(base + timedelta(minutes=m)), "", "bench", "{}")
        for i, (deal, m) in enumerate(keys, start=1)
    ]


DEAL_COLS = (
    "id, org_id, owner_id, name, stage, amount, currency, close_date, flags, properties, "
    "field_edits, stage_changed_at, created_at, updated_at"
)
ACT_COLS = "id, org_id, deal_id, kind, occurred_at, summary, source, provenance"
BASE = [
    "INSERT INTO orgs (id, name, timezone, created_at) VALUES (1, 'Bench', 'UTC', '2026-01-01 00:00:00')",
    *(
        f"INSERT INTO users (id, org_id, slack_user_id, email, name, role, timezone, briefing_time, "
        f"briefing_days, active, created_at) VALUES ({u}, 1, 'U{u}', 'u{u}@x.example', 'Rep {u}', 'rep', "
        f"'UTC', '08:00:00', 'mon-fri', true, '2026-01-01 00:00:00')"
        for u in (1, 2, 3)
    ),
]


def fill_sqlite(path: Path) -> None:
    rng = random.Random(7)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        for sql in BASE + DROP_INDEXES:
            con.execute(sql.replace("true", "1"))
        con.executemany(
            f"INSERT INTO deals ({DEAL_COLS}) VALUES ({','.join('?' * 14)})", deal_rows(rng)
        )
        con.executemany(
            f"INSERT INTO activities ({ACT_COLS}) VALUES ({','.join('?' * 8)})", activity_rows(rng)
        )
        for sql in CREATE_INDEXES:
            con.execute(sql)
    con.execute("ANALYZE")
    con.close()


def fill_pg(url: str) -> None:
    import psycopg

    rng = random.Random(7)
    with psycopg.connect(url) as con:
        # Bulk load only: skip per-row foreign-key triggers (the generated ids are consistent).
        con.execute("SET session_replication_role = replica")
        for sql in BASE + DROP_INDEXES:
            con.execute(sql)
        with con.cursor() as cur:
            with cur.copy(f"COPY deals ({DEAL_COLS}) FROM STDIN") as cp:
                for r in deal_rows(rng):
                    cp.write_row(r)
            with cur.copy(f"COPY activities ({ACT_COLS}) FROM STDIN") as cp:
                rows = activity_rows(rng)
                for start in range(0, len(rows), 100_000):
                    chunk = rows[start : start + 100_000]
                    cp.write("".join("\t".join(map(str, r)) + "\n" for r in chunk).encode())
        for sql in CREATE_INDEXES:
            con.execute(sql)
        con.commit()
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("VACUUM ANALYZE deals")
        con.execute("VACUUM ANALYZE activities")


async def time_scan(url: str) -> tuple[float, int]:
    db = Database(url)
    try:
        found = 0
        times = []
        for i in range(RUNS + 1):
            t0 = time.perf_counter()
            async with db.engine.connect() as conn:
                rows = await scan(conn, org_id=1, now=NOW, stale_days=14)
            if i:
                times.append(time.perf_counter() - t0)
            found = len(rows)
        return statistics.median(times), found
    finally:
        await db.dispose()


def bench_sqlite() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        t0 = time.perf_counter()
        fill_sqlite(path)
        load = time.perf_counter() - t0
        secs, found = asyncio.run(time_scan(url))
        emit(
            "pipeline_scan",
            "s",
            secs,
            "s",
            db="sqlite",
            deals=DEALS,
            activities=ACTIVITIES,
            flagged=found,
            load_s=round(load, 1),
        )


def bench_pg() -> None:
    import psycopg

    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:
        print(
            f"pipeline_scan: PostgreSQL unreachable, skipped ({str(exc).splitlines()[0]})",
            file=sys.stderr,
        )
        return
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{PG_DB}"
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DB}"')
        upgrade(url)
        t0 = time.perf_counter()
        fill_pg(url)
        load = time.perf_counter() - t0
        secs, found = asyncio.run(time_scan(url))
        emit(
            "pipeline_scan",
            "s",
            secs,
            "s",
            db="postgresql",
            deals=DEALS,
            activities=ACTIVITIES,
            flagged=found,
            load_s=round(load, 1),
        )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        admin.close()


def main() -> None:
    bench_sqlite()
    if "--sqlite-only" not in sys.argv:
        bench_pg()


if __name__ == "__main__":
    main()
