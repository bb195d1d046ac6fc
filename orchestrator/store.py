"""Raw SQL for the job lifecycle, per dialect: claim, fenced checkpoint, release, effects.

Everything on the per-step hot path is a prepared driver-level statement
(`conn.exec_driver_sql`) with named parameters. Times for leases and `run_after` come from the
database clock (`now()` on PostgreSQL, `strftime(..., 'now')` on SQLite — or the injected clock
through `sixty_clock()` when the `Database` was given one —, written in the same
text format SQLAlchemy uses for SQLite datetimes). Every write to a claimed job carries its
`version` and `locked_by`; zero rows updated means the lease was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time
from functools import partial
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import SQLITE_CLOCK_FUNCTION

JOB_COLUMNS = (
    "id, org_id, user_id, sequence_type, sequence_version, status, event_type, event_source,"
    " trigger_payload, event_chain, chain_depth, context, current_step, version,"
    " attempts, parent_job_id, idempotency_key"
)


class LeaseLost(Exception):
    """A fenced write changed nothing: another worker owns the job now."""


_DUMPS_OPTS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    """Compact JSON text for a JSON column (orjson: a step's checkpoint is on the hot path).

    Datetimes become ISO 8601; anything else orjson cannot encode is written as `str()`;
    what orjson refuses outright (integers beyond 64 bits) goes through the stdlib instead.
    """
    try:
        return orjson.dumps(value, default=str, option=_DUMPS_OPTS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), default=_iso_or_str)


def _iso_or_str(value: Any) -> str:
    """The stdlib fallback writes times the way orjson does (ISO 8601)."""
    return value.isoformat() if isinstance(value, (datetime, date, time)) else str(value)


def loads(value: Any) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    return orjson.loads(value)


class Sql:
    """SQL strings for one dialect, built once."""

    def __init__(self, dialect: str, *, injected_clock: bool = False) -> None:
        self.pg = dialect == "postgresql"
        pg = self.pg
        # SQLite with an injected clock reads it through `sixty_clock()` (storage.engine).
        base = f"{SQLITE_CLOCK_FUNCTION}()" if injected_clock and not pg else "'now'"
        now = "now()" if pg else f"(strftime('%Y-%m-%d %H:%M:%f',{base})||'000')"
        self.now = now

        def plus(param: str) -> str:
            if pg:
                return f"(now() + make_interval(secs => CAST(:{param} AS double precision)))"
            return f"(strftime('%Y-%m-%d %H:%M:%f',{base},'+'||:{param}||' seconds')||'000')"

        self.plus = plus
        js = "CAST(:{} AS jsonb)" if pg else ":{}"

        def j(name: str) -> str:
            return js.format(name)

        self.j = j
        skip_locked = " FOR UPDATE SKIP LOCKED" if pg else ""
        fence = "id = :id AND version = :v AND locked_by = :w"
        self.claim_tpl = (
            f"UPDATE sequence_jobs SET status = 'running', locked_by = :w,"
            f" lease_expires_at = {plus('lease')}, version = version + 1,"
            f" attempts = attempts + 1, updated_at = {now}"
            f" WHERE id = (SELECT id FROM sequence_jobs WHERE"
            f" ((status = 'pending' AND run_after <= {now})"
            f" OR (status = 'running' AND lease_expires_at < {now})) {{types}}"
            f" ORDER BY run_after LIMIT 1{skip_locked})"
            f" RETURNING {JOB_COLUMNS}"
        )
        self.claim_id = self._p(
            f"UPDATE sequence_jobs SET status = 'running', locked_by = :w,"
            f" lease_expires_at = {plus('lease')}, version = version + 1,"
            f" attempts = attempts + 1, updated_at = {now}"
            f" WHERE id = :id AND ((status = 'pending' AND run_after <= {now})"
            f" OR (status = 'running' AND lease_expires_at < {now}))"
            f" RETURNING {JOB_COLUMNS}"
        )
        self.checkpoint = self._p(
            f"UPDATE sequence_jobs SET context = {j('ctx')}, current_step = :cur,"
            f" version = version + 1, lease_expires_at = {plus('lease')}, updated_at = {now}"
            f" WHERE {fence}"
        )
        self.adopt = self._p(
            f"UPDATE sequence_jobs SET sequence_version = :sv,"
            f" context = {j('ctx')}, version = version + 1, error = NULL, updated_at = {now}"
            f" WHERE {fence}"
        )
        # Extends the lease of the job this worker owns; no version in the fence, because the
        # runner's own writes move the version while the heartbeat (its own connection) runs.
        self.heartbeat = self._p(
            f"UPDATE sequence_jobs SET lease_expires_at = {plus('lease')}"
            f" WHERE id = :id AND locked_by = :w AND status = 'running'"
        )
        self.finish = self._p(
            f"UPDATE sequence_jobs SET context = {j('ctx')}, current_step = :cur,"
            f" status = :status, error = :error, version = version + 1, locked_by = NULL,"
            f" lease_expires_at = NULL, updated_at = {now}, completed_at = {now}"
            f" WHERE {fence}"
        )
        self.release_after = self._p(
            f"UPDATE sequence_jobs SET context = {j('ctx')}, current_step = :cur,"
            f" status = 'pending', run_after = {plus('delay')}, error = :error,"
            f" version = version + 1, locked_by = NULL, lease_expires_at = NULL,"
            f" updated_at = {now} WHERE {fence}"
        )
        self.release_at = self._p(
            f"UPDATE sequence_jobs SET context = {j('ctx')}, current_step = :cur,"
            f" status = 'pending', run_after = :at, error = :error,"
            f" version = version + 1, locked_by = NULL, lease_expires_at = NULL,"
            f" updated_at = {now} WHERE {fence}"
        )
        # A gate group: parked while every gate the runner counts as open is still pending; a
        # gate answered meanwhile leaves the job due, so the answer is never missed.
        self.pause_group = self._p(
            f"UPDATE sequence_jobs SET context = {j('ctx')}, current_step = :cur,"
            f" status = CASE WHEN (SELECT count(*) FROM slack_pending_actions"
            f" WHERE job_id = :id AND status = 'pending') = :open"
            f" THEN 'awaiting_approval' ELSE 'pending' END, run_after = {now},"
            f" version = version + 1, locked_by = NULL, lease_expires_at = NULL,"
            f" updated_at = {now} WHERE {fence}"
        )
        self.pause = self._p(
            f"UPDATE sequence_jobs SET context = {j('ctx')}, current_step = :cur,"
            f" status = CASE WHEN (SELECT status FROM slack_pending_actions WHERE id = :pa)"
            f" = 'pending' THEN 'awaiting_approval' ELSE 'pending' END, run_after = {now},"
            f" version = version + 1, locked_by = NULL, lease_expires_at = NULL,"
            f" updated_at = {now} WHERE {fence}"
        )
        self.effect = self._p(
            f"INSERT INTO effects (job_id, step, effect_key, status, result, created_at)"
            f" SELECT :id, :step, :key, :status, {j('result')}, {now}"
            f" WHERE EXISTS (SELECT 1 FROM sequence_jobs WHERE {fence})"
            f" ON CONFLICT (job_id, step, effect_key) DO UPDATE SET status = excluded.status,"
            f" result = excluded.result"
        )
        self.effects_of = self._p(
            "SELECT step, effect_key, status, result FROM effects WHERE job_id = :id"
        )
        self.insert_job = self._p(
            f"INSERT INTO sequence_jobs (org_id, user_id, sequence_type, sequence_version,"
            f" status, event_type, event_source, trigger_payload, event_chain, idempotency_key,"
            f" parent_job_id, chain_depth, context, current_step, run_after, version,"
            f" attempts, error, created_at, updated_at) VALUES (:org, :user, :stype, :sv,"
            f" 'pending', :etype, :esource, {j('payload')}, {j('chain')}, :key, :parent,"
            f" :depth, {j('ctx')}, 0, {now}, 0, 0, :error, {now}, {now})"
            f" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
        )
        self.rename_failed_key = self._p(
            "UPDATE sequence_jobs SET idempotency_key = idempotency_key || '#failed:' ||"
            " CAST(id AS VARCHAR) WHERE idempotency_key = :key AND status = 'failed'"
        )
        self.job_by_key = self._p(
            "SELECT id, status FROM sequence_jobs WHERE idempotency_key = :key"
        )
        self.add_child = self._p(
            f"UPDATE sequence_jobs SET event_chain = {j('chain')}, updated_at = {now}"
            f" WHERE id = :id"
        )
        self.insert_gate = self._p(
            f"INSERT INTO slack_pending_actions (id, job_id, org_id, owner_user_id, step_name,"
            f" kind, payload, status, on_expire, expires_at, version, created_at)"
            f" SELECT :pa, :id, :org, :owner, :step, :kind, {j('payload')}, 'pending', :on_expire,"
            f" {plus('expires')}, 0, {now}"
            f" WHERE EXISTS (SELECT 1 FROM sequence_jobs WHERE {fence})"
        )
        # Where the gate's message is, stored even when a fast click resolved the gate before
        # this write (else the resolution could never update the message); only the expiry
        # clock is for pending gates.
        self.gate_posted = self._p(
            f"UPDATE slack_pending_actions SET channel = :channel, message_ts = :ts,"
            f" expires_at = CASE WHEN status = 'pending' THEN {plus('expires')} ELSE expires_at END"
            f" WHERE id = :pa"
        )
        self.gate_row = self._p(
            "SELECT id, status, decision, modifications, resolved_by, resolved_at, payload,"
            " kind, channel, message_ts, step_name, on_expire, owner_user_id"
            " FROM slack_pending_actions WHERE id = :pa"
        )
        self.user_slack_id = self._p("SELECT slack_user_id FROM users WHERE id = :u")
        self.resolve = self._p(
            f"UPDATE slack_pending_actions SET status = :status, decision = :decision,"
            f" modifications = {j('mods')}, resolved_by = :actor, resolved_at = {now},"
            f" version = version + 1 WHERE id = :pa AND status = 'pending'"
            f" AND expires_at > {now} AND owner_user_id ="
            f" (SELECT id FROM users WHERE slack_user_id = :actor AND id = owner_user_id)"
            f" RETURNING job_id"
        )
        self.explain_gate = self._p(
            f"SELECT pa.status, pa.resolved_by, pa.job_id, u.slack_user_id,"
            f" CASE WHEN pa.expires_at <= {now} THEN 1 ELSE 0 END"
            f" FROM slack_pending_actions pa JOIN users u ON u.id = pa.owner_user_id"
            f" WHERE pa.id = :pa"
        )
        self.wake_job = self._p(
            f"UPDATE sequence_jobs SET status = 'pending', run_after = {now}, updated_at = {now}"
            f" WHERE id = :id AND status IN ('awaiting_approval', 'pending')"
        )
        self.expire_gates = self._p(
            f"UPDATE slack_pending_actions SET status = 'expired', decision = on_expire,"
            f" resolved_at = {now}, version = version + 1"
            f" WHERE status = 'pending' AND expires_at <= {now} RETURNING id, job_id"
        )
        self.due_soon = self._p("SELECT min(run_after) FROM sequence_jobs WHERE status = 'pending'")

    def _p(self, sql: str) -> str:
        """`:name` placeholders to the driver's style (psycopg: `%(name)s`)."""
        if not self.pg:
            return sql
        return re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql)

    def claim(self, types: list[str] | None) -> str:
        if types is None:
            flt = ""
        elif not types:
            flt = "AND 1 = 0"
        else:
            quoted = ", ".join("'" + t.replace("'", "''") + "'" for t in types)
            flt = f"AND sequence_type IN ({quoted})"
        return self._p(self.claim_tpl.format(types=flt))

    def at(self, dt: datetime) -> Any:
        """A Python datetime as a parameter for a time column."""
        dt = dt.astimezone(UTC)
        if self.pg:
            return dt
        return dt.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


async def run(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> Any:
    return await conn.exec_driver_sql(sql, params)


def _sqlite_batch(
    dbapi_conn: Any, statements: list[tuple[str, dict[str, Any], bool]], durable: bool = True
) -> list[Any] | None:
    """Run statements in one transaction inside the aiosqlite thread; None if a fence refused.

    A statement flagged `fenced` must change exactly one row, else everything rolls back.
    Statements with RETURNING give their first row; others give their rowcount.
    `durable=False` (claims) commits without its own fsync under `synchronous=FULL`: in WAL
    mode the next durable commit flushes it, and a claim lost in a crash is harmless (the job
    is simply still due).
    """
    level = None
    if not durable:
        level = dbapi_conn.execute("PRAGMA synchronous").fetchone()[0]
        if level >= 2:
            dbapi_conn.execute("PRAGMA synchronous=NORMAL")
        else:
            level = None
    try:
        return _sqlite_tx(dbapi_conn, statements)
    finally:
        if level is not None:
            dbapi_conn.execute(f"PRAGMA synchronous={int(level)}")


def _sqlite_tx(
    dbapi_conn: Any, statements: list[tuple[str, dict[str, Any], bool]]
) -> list[Any] | None:
    out: list[Any] = []
    if not dbapi_conn.in_transaction:
        dbapi_conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params, fenced in statements:
            cur = dbapi_conn.execute(sql, params)
            if "RETURNING" in sql:
                out.append(cur.fetchone())
                cur.close()
                continue
            if fenced and cur.rowcount != 1:
                dbapi_conn.rollback()
                return None
            out.append(cur.rowcount)
        dbapi_conn.commit()
        return out
    except BaseException:
        dbapi_conn.rollback()
        raise


Read = Callable[[Any], tuple[str, dict[str, Any]] | None]


def _sqlite_into(
    outcomes: list[Any], dbapi_conn: Any, statements: list[tuple[str, dict[str, Any], bool]]
) -> None:
    """A submitted transaction, in aiosqlite's thread: its outcome goes on the list."""
    try:
        outcomes.append(_sqlite_batch(dbapi_conn, statements))
    except Exception as exc:
        outcomes.append(exc)


def _nothing() -> None:
    return None


def _sqlite_claim(
    dbapi_conn: Any, sql: str, params: dict[str, Any], read: Read | None
) -> tuple[Any, Any, Any]:
    """Claim (a non-durable commit), then the follow-up read for the claimed row, one hop."""
    out = _sqlite_batch(dbapi_conn, [(sql, params, False)], durable=False)
    row = out[0] if out else None
    follow = read(row) if row is not None and read is not None else None
    if follow is None:
        return row, None, None
    cur = dbapi_conn.execute(*follow)  # a lone SELECT: autocommit, no transaction
    try:
        return row, cur.fetchone(), cur.description
    finally:
        cur.close()


class RawConn:
    """The driver connection under one pooled SQLAlchemy connection, fetched once.

    The job runner writes every checkpoint through it: on SQLite each transaction is a single
    hop to aiosqlite's thread (a plain function run there through aiosqlite's `_execute` and
    queue, both pinned with the package), on PostgreSQL a lone statement runs in autocommit
    (one round trip). `batch` waits for its transaction; `submit` queues one and `wait`
    collects the outcomes. SQLAlchemy transactions on the same connection stay usable between
    calls: every call here ends its own transaction.
    """

    def __init__(self, conn: AsyncConnection, driver: Any) -> None:
        self.conn = conn
        self.driver = driver
        self.sqlite = conn.dialect.name == "sqlite"
        self._last: asyncio.Future[Any] | None = None  # PostgreSQL: the newest submission
        self._outcomes: list[Any] = []  # results (or exceptions) of submitted transactions
        self._pending = 0

    def submit(self, statements: list[tuple[str, dict[str, Any], bool]]) -> None:
        """Queue one transaction without waiting for it; `wait` gives its outcome.

        Submitted transactions run one after another in submission order. On SQLite the
        transaction goes straight onto aiosqlite's thread queue with no future attached, so
        the thread goes on to the next commit without waking the event loop; on PostgreSQL
        a task runs it after the previous one. No other use of the connection may come
        between `submit` and `wait`.
        """
        if self.sqlite:
            a = self.driver
            work = partial(_sqlite_into, self._outcomes, a._conn, statements)
            a._tx.put_nowait((None, work))  # aiosqlite's queue: (future or None, callable)
        else:
            self._last = asyncio.ensure_future(self._pg_into(self._last, statements))
        self._pending += 1

    def refused(self) -> bool:
        """Whether a submitted transaction already came back refused or failed."""
        return any(o is None or isinstance(o, BaseException) for o in self._outcomes)

    async def wait(self) -> list[Any]:
        """Outcomes of everything submitted since the last wait, in submission order: each
        `batch`'s result (None when a fence refused) or the exception it raised."""
        if self._pending:
            if self.sqlite:
                await self.driver._execute(_nothing)  # runs after every earlier submission
            elif self._last is not None and not self._last.done():
                await asyncio.wait([self._last])
        out, self._outcomes, self._pending = self._outcomes, [], 0
        return out

    async def _pg_into(
        self,
        previous: asyncio.Future[Any] | None,
        statements: list[tuple[str, dict[str, Any], bool]],
    ) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])  # in order
        try:
            self._outcomes.append(await self.batch(statements))
        except Exception as exc:
            self._outcomes.append(exc)

    @classmethod
    async def of(cls, conn: AsyncConnection) -> RawConn:
        raw = await conn.get_raw_connection()
        return cls(conn, raw.driver_connection)

    async def batch(
        self, statements: list[tuple[str, dict[str, Any], bool]], *, durable: bool = True
    ) -> list[Any] | None:
        """One short transaction; None when a fenced statement changed no row."""
        if self.sqlite:
            a = self.driver
            return await a._execute(_sqlite_batch, a._conn, statements, durable)  # type: ignore[no-any-return]
        if len(statements) == 1:  # one statement: autocommit, a single round trip
            sql, params, fenced = statements[0]
            async with self._autocommit() as pg:
                cur = await pg.execute(sql, params)
                row = await cur.fetchone() if "RETURNING" in sql else None
            if "RETURNING" in sql:
                return [row]
            if fenced and cur.rowcount != 1:
                return None
            return [cur.rowcount]
        out: list[Any] = []
        async with self.conn.begin() as tx:
            for sql, params, fenced in statements:
                res = await self.conn.exec_driver_sql(sql, params)
                if "RETURNING" in sql:
                    out.append(res.first())
                    continue
                if fenced and res.rowcount != 1:
                    await tx.rollback()
                    return None
                out.append(res.rowcount)
        return out

    async def claim(
        self, sql: str, params: dict[str, Any], read: Read | None = None
    ) -> tuple[Any, Any, Any]:
        """(claimed row or None, the row `read(claimed)` selects, its cursor description).

        The claim commits without its own fsync (see `_sqlite_batch`); the read runs right
        after it, in the same thread hop on SQLite and the same autocommit session elsewhere.
        """
        if self.sqlite:
            a = self.driver
            return await a._execute(_sqlite_claim, a._conn, sql, params, read)  # type: ignore[no-any-return]
        async with self._autocommit() as pg:
            cur = await pg.execute(sql, params)
            row = await cur.fetchone()
            follow = read(row) if row is not None and read is not None else None
            if follow is None:
                return row, None, None
            cur = await pg.execute(*follow)
            return row, await cur.fetchone(), cur.description

    @contextlib.asynccontextmanager
    async def _autocommit(self) -> AsyncIterator[Any]:
        pg = self.driver
        await pg.set_autocommit(True)
        try:
            yield pg
        finally:
            await pg.set_autocommit(False)


async def batch(
    conn: AsyncConnection,
    statements: list[tuple[str, dict[str, Any], bool]],
    *,
    durable: bool = True,
) -> list[Any] | None:
    """One short transaction on `conn` (see `RawConn.batch`)."""
    return await (await RawConn.of(conn)).batch(statements, durable=durable)
