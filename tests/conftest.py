"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

`db` is parametrised over both backends. PostgreSQL tests use one database per xdist
worker (created from the `test` database on 127.0.0.1:5432) and truncate between tests.
When PostgreSQL is unreachable they are skipped, except in CI (`CI=true`), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from storage.engine import Database
from storage.migrate import upgrade

# Property tests judge correctness, not speed: a loaded CI machine must not fail them on time.
settings.register_profile("sixty", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sixty")

PG_ADMIN_URL = os.environ.get("SIXTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means "not reachable" for the skip decision
        return str(exc).splitlines()[0]


def require_pg() -> None:
    reason = _pg_reachable()
    if reason:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable in CI: {reason}")
        pytest.skip(f"PostgreSQL unreachable: {reason}")


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    """A migrated PostgreSQL database for this xdist worker."""
    require_pg()
    import psycopg

    # Unique per test run and worker: runs on one machine (a developer's and CI's) never share.
    run = os.getppid() if worker_id != "main" else os.getpid()
    name = f"sixty_test_{run}_{worker_id}".replace("-", "_")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    wi = getattr(request.config, "workerinput", None)
    return wi["workerid"] if wi else "main"


def truncate_pg(url: str) -> None:
    import psycopg

    from storage.engine import sync_url

    plain = sync_url(url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
        ).fetchall()
        if rows:
            tables = ", ".join(f'"{r[0]}"' for r in rows)
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per worker; tests get copies (migrating takes ~1 s)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, dest_dir: Path) -> str:
    dest = dest_dir / "sixty.db"
    shutil.copyfile(template, dest)
    return f"sqlite:///{dest}"


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    url = request.getfixturevalue("pg_url")
    truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()
