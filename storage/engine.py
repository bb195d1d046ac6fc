"""Database engines: one async engine for the app, a sync URL for Alembic.

SQLite (default) runs in WAL mode with foreign keys on; PostgreSQL uses psycopg 3 for both
the async engine and migrations, so there is one driver to install and reason about.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def normalise_url(url: str) -> str:
    """Accept `postgres://`, `postgresql://` and `sqlite:///` forms from the environment."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    return url


def sync_url(url: str) -> str:
    u = make_url(normalise_url(url))
    if u.get_backend_name() == "postgresql":
        return str(u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return str(u.set(drivername="sqlite").render_as_string(hide_password=False))


def async_url(url: str) -> str:
    u = make_url(normalise_url(url))
    if u.get_backend_name() == "postgresql":
        return u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return u.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    u = make_url(normalise_url(url))
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def install_sqlite_pragmas(sync_engine: Any) -> None:
    event.listen(sync_engine, "connect", _sqlite_pragmas)


def _sqlite_reset(dbapi_conn: Any, _record: Any, state: Any) -> None:
    """Roll back a connection returned to the pool only when it is inside a transaction.

    The pool's default rollback-on-return costs a hop to aiosqlite's thread on every
    checkout; the job runner commits at the driver level (`orchestrator.store`), which the pool
    cannot see, so it would roll back connections that have nothing to roll back.
    """
    if state.terminate_only or not state.asyncio_safe:
        return
    try:
        busy = dbapi_conn.driver_connection._conn.in_transaction
    except ValueError:  # aiosqlite: the connection is already closed
        return
    if busy:
        dbapi_conn.rollback()


SQLITE_CLOCK_FUNCTION = "sixty_clock"


def install_sqlite_clock(sync_engine: Any, clock: Callable[[], datetime]) -> None:
    """Give every SQLite connection `sixty_clock()`: the injected clock's UTC time as SQLite text.

    With an injected clock (tests, the sandbox's fixed instants) the job lifecycle's times
    (`orchestrator.store.Sql`) read it instead of `'now'`, so leases, `run_after` and gate expiry live
    on the same timeline as the code that computes them.
    """

    def now_text() -> str:
        return clock().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def register(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.create_function(SQLITE_CLOCK_FUNCTION, 0, now_text)

    event.listen(sync_engine, "connect", register)


def make_engine(
    url: str, *, pool_size: int = 10, clock: Callable[[], datetime] | None = None
) -> AsyncEngine:
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        engine = create_async_engine(
            async_url(url), connect_args={"timeout": 30}, pool_reset_on_return=None
        )
        install_sqlite_pragmas(engine.sync_engine)
        if clock is not None:
            install_sqlite_clock(engine.sync_engine, clock)
        event.listen(engine.sync_engine.pool, "reset", _sqlite_reset)
        return engine
    return create_async_engine(
        async_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


class Database:
    """The engine plus a session factory; the caller of `session()` owns commit/rollback."""

    def __init__(
        self, url: str, *, pool_size: int = 10, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.url = normalise_url(url)
        # An injected clock also drives SQLite's clock for the job lifecycle (PostgreSQL keeps
        # its own: a shared server's clock is the one every process agrees on).
        self.clock = clock if is_sqlite(self.url) else None
        self.engine = make_engine(self.url, pool_size=pool_size, clock=self.clock)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as s:
            yield s

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on error."""
        async with self.sessions() as s:
            try:
                yield s
                await s.commit()
            except BaseException:
                await s.rollback()
                raise

    async def ping(self) -> None:
        """One round trip to the database (readiness); raises when it cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
