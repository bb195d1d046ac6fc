"""The orchestrator engine: submit events, run sequences on workers, resume on clicks.

Construction (app.py)::

    engine = Engine(db, settings, delivery, registry)   # delivery: connectors.slack.Delivery
    await engine.start_workers(settings.workers)        # N asyncio workers + expiry sweep
    ref = await engine.submit(event)                    # JobRef | Skipped, milliseconds
    res = await engine.resume(pending_id, Decision.APPROVE, actor_slack_id, modifications)
    await engine.sweep_expired()                        # also runs every `sweep_every_s`
    await engine.retry(job_id) / await engine.cancel(job_id)
    await engine.stop()                                 # stop claiming, finish in-flight jobs

Tests and tools can run jobs without background workers: `await engine.run_once()` claims and
runs one due job, `await engine.drain()` runs until nothing is due.

Options: `loaders` (context tiers, `orchestrator.tiers.ContextLoaders`), `clock` (an injectable
`() -> aware datetime` for quiet hours and budget periods; leases and `run_after` always use
the database clock), `heartbeat_s` (None disables the lease heartbeat), `retry_base_s`,
`poll_s` (idle wait when nothing wakes the workers), `listen` (PostgreSQL LISTEN/NOTIFY).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from config.settings import Settings
from connectors.slack import Delivery
from orchestrator import budget
from orchestrator.events import EVENT_FEATURES, Decision, Event, JobRef, ResumeResult, Skipped
from orchestrator.fencing import MAX_CHAIN_DEPTH
from orchestrator.runner import JobRunner
from orchestrator.sequence import SequenceRegistry
from orchestrator.state import JobState
from orchestrator.store import LeaseLost, RawConn, Read, Sql, dumps, loads
from orchestrator.tiers import ContextLoaders, load_tier1, tier1_query
from storage.engine import Database

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "sixty_jobs"
DECISION_STATUS = {
    Decision.APPROVE: "approved",
    Decision.EDIT: "edited",
    Decision.SKIP: "skipped",
    Decision.CANCEL: "cancelled",
}


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed job row and, when it was read in the same hop, its tier-1 context."""

    row: Any
    tier1: Callable[[], dict[str, Any]] | None


def utc_clock() -> datetime:
    return datetime.now(UTC)


class Engine:
    """Implements `orchestrator.events.Orchestrator` over a `Database`."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        delivery: Delivery | None,
        registry: SequenceRegistry,
        *,
        loaders: ContextLoaders | None = None,
        clock: Callable[[], datetime] | None = None,
        heartbeat_s: float | None = -1.0,
        retry_base_s: float = 1.0,
        poll_s: float = 2.0,
        sweep_every_s: float = 30.0,
        listen: bool = True,
        name: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.delivery = delivery
        self.registry = registry
        self.loaders = loaders or ContextLoaders()
        # One clock: the one given, else the database's injected one, else the wall clock.
        self.clock = clock or getattr(db, "clock", None) or utc_clock
        self.lease_s = float(settings.lease_seconds)
        self.heartbeat_s = self.lease_s / 3 if heartbeat_s == -1.0 else heartbeat_s
        self.retry_base_s = retry_base_s
        self.poll_s = poll_s
        self.sweep_every_s = sweep_every_s
        self.listen = listen
        self.sql = Sql(
            db.engine.dialect.name, injected_clock=getattr(db, "clock", None) is not None
        )
        self._tier1 = tier1_query(db.engine.dialect)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._claim_sql: tuple[tuple[str, ...], str] | None = None
        self._listener: Any = None

    # ------------------------------------------------------------------ submit

    async def submit(self, event: Event) -> JobRef | Skipped:
        """Validate, dedupe by idempotency key and create the job; never blocks on work."""
        key = event.key()
        extra = {"event_type": event.type, "org_id": event.org_id}
        why = await self._validate(event)
        if why is not None:
            log.info("event skipped", extra={**extra, "reason": why})
            return Skipped(why)
        depth, parent = 1, event.parent_job_id
        if parent is not None:
            depth = await self._parent_depth(parent) + 1
            if depth > MAX_CHAIN_DEPTH:
                log.warning("event skipped: chain depth limit", extra=extra)
                return Skipped("chain depth limit reached")
        async with self.db.engine.begin() as conn:
            await conn.exec_driver_sql(self.sql.rename_failed_key, {"key": key})
            job_id = await self.insert_job(conn, event, depth=depth, parent=parent)
        if job_id is None:
            async with self.db.engine.connect() as conn:
                row = (await conn.exec_driver_sql(self.sql.job_by_key, {"key": key})).first()
            existing = int(row[0]) if row else None
            log.info("duplicate event skipped", extra={**extra, "job_id": existing})
            return Skipped("duplicate", existing)
        self.wake_local()
        stype = self.registry.sequence_type_for(event.type)
        log.info("job created", extra={"job_id": job_id, "sequence": stype})
        return JobRef(job_id, stype)

    async def _validate(self, event: Event) -> str | None:
        from sqlalchemy import select

        from storage.models import Org, OrgSettings, User

        async with self.db.engine.connect() as conn:
            org = (
                await conn.execute(select(col(Org.id)).where(col(Org.id) == event.org_id))
            ).first()
            if org is None:
                return f"unknown org {event.org_id}"
            if event.user_id is not None:
                u = (
                    await conn.execute(
                        select(col(User.org_id), col(User.active)).where(
                            col(User.id) == event.user_id
                        )
                    )
                ).first()
                if u is None or u[0] != event.org_id:
                    return f"unknown user {event.user_id}"
            s = (
                await conn.execute(
                    select(col(OrgSettings.disabled_event_types), col(OrgSettings.features)).where(
                        col(OrgSettings.org_id) == event.org_id
                    )
                )
            ).first()
            if s is not None:
                disabled, features = s
                feature = EVENT_FEATURES.get(event.type, event.type)
                if event.type in (disabled or []) or (features or {}).get(feature) is False:
                    return f"event type {event.type} disabled for the org"
            seq = self.registry.get(self.registry.sequence_type_for(event.type))
            if seq is not None and seq.estimated_cost_usd > 0:
                if not await budget.allows(conn, event.org_id, 0.0, self.clock()):
                    return "AI budget spent for this month"
        return None

    async def _parent_depth(self, parent: int) -> int:
        from sqlalchemy import select

        from storage.models import SequenceJob

        async with self.db.engine.connect() as conn:
            d = (
                await conn.execute(
                    select(col(SequenceJob.chain_depth)).where(col(SequenceJob.id) == parent)
                )
            ).scalar_one_or_none()
        return int(d or 1)

    async def insert_job(
        self,
        conn: AsyncConnection,
        event: Event,
        *,
        depth: int,
        parent: int | None,
        answers: bool = False,
    ) -> int | None:
        """Insert a job row for `event` in the caller's transaction; None on a duplicate key.

        `answers`: the job was chained from the rep's click, so its messages answer the rep
        (kept in the state's `meta.answers_rep`; `orchestrator.delivery.answers_rep`)."""
        stype = self.registry.sequence_type_for(event.type)
        seq = self.registry.get(stype)
        error = None
        if seq is None:
            version = 0
            error = f"waiting: no sequence registered for {stype}"
        else:
            version = seq.version
        ctx = JobState.new(chain_depth=depth, answers_rep=answers)
        res = await conn.exec_driver_sql(
            self.sql.insert_job,
            {
                "org": event.org_id,
                "user": event.user_id,
                "stype": stype,
                "sv": version,
                "etype": event.type,
                "esource": event.source,
                "payload": dumps(event.payload),
                "chain": dumps({"parent": parent, "children": []}),
                "key": event.key(),
                "parent": parent,
                "depth": depth,
                "ctx": dumps(ctx),
                "error": error,
            },
        )
        row = res.first()
        if row is None:
            return None
        if self.sql.pg:
            await conn.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")
        return int(row[0])

    # ------------------------------------------------------------------ resume

    async def resume(
        self,
        pending_action_id: str,
        decision: Decision,
        actor: str,
        modifications: dict[str, Any] | None = None,
    ) -> ResumeResult:
        """Resolve a gate once (compare-and-set); anything else changes nothing and says why."""
        decision = Decision(decision)
        status = DECISION_STATUS[decision]
        mods = modifications if decision == Decision.EDIT else None
        async with self.db.engine.begin() as conn:
            res = await conn.exec_driver_sql(
                self.sql.resolve,
                {
                    "pa": pending_action_id,
                    "status": status,
                    "decision": decision.value,
                    "mods": dumps(mods) if mods is not None else None,
                    "actor": actor,
                },
            )
            resolved: Row[*tuple[Any, ...]] | None = res.first()  # RETURNING job_id
            won = resolved is not None
            job_id = None
            if resolved is not None:
                job_id = int(resolved[0])
                await conn.exec_driver_sql(self.sql.wake_job, {"id": job_id})
                if self.sql.pg:
                    await conn.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")
        if won:
            self.wake_local()
            log.info("gate resolved", extra={"job_id": job_id, "decision": decision.value})
            return ResumeResult(True, f"{status}", job_id)
        return await self._why_not(pending_action_id, actor)

    async def _why_not(self, pending_action_id: str, actor: str) -> ResumeResult:
        async with self.db.engine.connect() as conn:
            row: Row[*tuple[Any, ...]] | None = (
                await conn.exec_driver_sql(self.sql.explain_gate, {"pa": pending_action_id})
            ).first()
        if row is None:
            return ResumeResult(False, "This request no longer exists.")
        status, resolved_by, job_id, owner_slack, expired = row
        job_id = int(job_id)
        if actor != owner_slack:
            return ResumeResult(False, f"Only <@{owner_slack}> can answer this request.", job_id)
        if status == "expired" or (status == "pending" and expired):
            return ResumeResult(False, "This request has expired.", job_id)
        if status != "pending":
            by = f" by <@{resolved_by}>" if resolved_by else ""
            return ResumeResult(False, f"This request was already {status}{by}.", job_id)
        return ResumeResult(False, "This request could not be changed; try again.", job_id)

    # ------------------------------------------------------------------ expiry

    async def sweep_expired(self) -> int:
        """Expire overdue gates and wake their jobs (they take the declared skip/cancel path)."""
        async with self.db.engine.begin() as conn:
            rows: Sequence[Row[*tuple[Any, ...]]] = (
                await conn.exec_driver_sql(self.sql.expire_gates, {})
            ).all()
            for _pa, job_id in rows:
                await conn.exec_driver_sql(self.sql.wake_job, {"id": job_id})
            if rows and self.sql.pg:
                await conn.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")
        if rows:
            self.wake_local()
            log.info("gates expired", extra={"count": len(rows)})
        return len(rows)

    # ------------------------------------------------------------------ admin

    async def retry(self, job_id: int) -> bool:
        from orchestrator.admin import retry_job

        ok = await retry_job(self.db, job_id, now=self.clock())
        if ok:
            self.wake_local()
        return ok

    async def cancel(self, job_id: int) -> bool:
        from orchestrator.admin import cancel_job

        return await cancel_job(self.db, job_id)

    # ------------------------------------------------------------------ workers

    def wake_local(self) -> None:
        self._wake.set()

    def _claim_statement(self) -> str:
        types = tuple(self.registry.types())
        if self._claim_sql is None or self._claim_sql[0] != types:
            self._claim_sql = (types, self.sql.claim(list(types)))
        return self._claim_sql[1]

    def _tier1_read(self) -> Read | None:
        """Tier 1 for a claimed row, read in the claim's hop (default loader only)."""
        if self.loaders.tier1 is not load_tier1:
            return None
        q = self._tier1
        return lambda row: (q.sql, q.params(row[1], row[2]))  # org_id, user_id (JOB_COLUMNS)

    async def claim(self, raw: RawConn, worker: str) -> Claimed | None:
        row, t1_row, t1_desc = await raw.claim(
            self._claim_statement(), {"w": worker, "lease": self.lease_s}, self._tier1_read()
        )
        if row is None:
            return None
        tier1 = None
        if t1_desc is not None:  # parsed only if the job needs its tiers (re)loaded
            tier1 = functools.partial(self._tier1.parse, t1_row, t1_desc, row[2])
        return Claimed(row, tier1)

    async def run_once(
        self, worker: str | None = None, conn: AsyncConnection | None = None
    ) -> bool:
        """Claim one due job and run it to its next stop; False when nothing was due.

        With `conn` the job runs on that connection (held by the caller across jobs, as a
        worker holds its own); otherwise a pooled connection is checked out for the run.
        """
        worker = worker or f"{self.name}:0"
        if conn is not None:
            return await self._claim_and_run(await RawConn.of(conn), worker)
        async with self.db.engine.connect() as own:
            return await self._claim_and_run(await RawConn.of(own), worker)

    async def _claim_and_run(self, raw: RawConn, worker: str) -> bool:
        claimed = await self.claim(raw, worker)
        if claimed is None:
            return False
        await self._run_claimed(claimed, worker, raw)
        return True

    async def _run_claimed(self, claimed: Claimed, worker: str, raw: RawConn) -> None:
        runner = JobRunner(self, claimed.row, worker, raw, claimed.tier1)
        hb: asyncio.Task[None] | None = None
        if self.heartbeat_s:
            hb = asyncio.create_task(self._heartbeat(runner))
        try:
            await runner.run()
        except Exception:
            log.exception("job runner crashed", extra=runner.log_extra)
            with contextlib.suppress(Exception):
                await raw.conn.rollback()
        finally:
            if hb is not None:
                hb.cancel()

    async def _heartbeat(self, runner: JobRunner) -> None:
        assert self.heartbeat_s
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await runner.heartbeat()
            except LeaseLost:
                return
            except Exception:
                log.warning("heartbeat failed", extra=runner.log_extra)

    async def drain(self, max_jobs: int = 100_000) -> int:
        """Run due jobs one after another until none is due; returns how many runs happened."""
        n = 0
        while n < max_jobs and await self.run_once():
            n += 1
        return n

    async def settled(self, timeout_s: float = 30.0, poll_s: float = 0.02) -> None:
        """Return once no job is running or due on the engine's clock: the engine is drained.

        What a negative check waits on ("nothing more was posted"), instead of a sleep that a
        slow machine outruns. Jobs deferred to later (quiet hours, a pause, a backoff) or
        waiting for a click do not count. Raises TimeoutError after `timeout_s`.
        """
        sql = (
            "SELECT count(*) FROM sequence_jobs WHERE status = 'running'"
            f" OR (status = 'pending' AND run_after <= {self.sql.now})"
        )
        quiet = 0
        async with asyncio.timeout(timeout_s):
            while quiet < 2:  # twice in a row: a job finishing can chain a follow-up
                async with self.db.engine.connect() as conn:
                    busy = (await conn.exec_driver_sql(sql)).scalar_one()
                quiet = quiet + 1 if busy == 0 else 0
                if busy:
                    self.wake_local()
                await asyncio.sleep(poll_s)

    async def start_workers(self, n: int | None = None) -> None:
        """Start N workers, the expiry sweep and (PostgreSQL) the LISTEN task."""
        self._stopping = False
        count = n or self.settings.workers
        for i in range(count):
            self._tasks.append(asyncio.create_task(self._worker(f"{self.name}:{i}")))
        self._tasks.append(asyncio.create_task(self._sweeper()))
        if self.sql.pg and self.listen:
            from orchestrator.notify_pg import Listener

            self._listener = Listener(self.db.url, NOTIFY_CHANNEL, self.wake_local)
            await self._listener.start()
        log.info("workers started", extra={"workers": count})

    async def _worker(self, worker: str) -> None:
        """Claim and run due jobs until stopped; one pooled connection held across jobs."""
        conn: AsyncConnection | None = None
        raw: RawConn | None = None
        try:
            while not self._stopping:
                try:
                    if conn is None or raw is None:
                        conn = await self.db.engine.connect()
                        raw = await RawConn.of(conn)
                    self._wake.clear()
                    claimed = await self.claim(raw, worker)
                    if claimed is not None:
                        await self._run_claimed(claimed, worker, raw)
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("worker loop error")
                    if conn is not None:
                        with contextlib.suppress(Exception):
                            await conn.close()
                        conn = None
                    await asyncio.sleep(self.poll_s)
                    continue
                if self._stopping:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _sweeper(self) -> None:
        while not self._stopping:
            try:
                await self.sweep_expired()
            except Exception:
                log.exception("expiry sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event().wait(), self.sweep_every_s)

    def _stop_event(self) -> asyncio.Event:
        if not hasattr(self, "_stop_ev"):
            self._stop_ev = asyncio.Event()
        return self._stop_ev

    async def stop(self, grace_s: float = 30.0) -> None:
        """Graceful: stop claiming, let in-flight jobs reach their next stop, then return."""
        self._stopping = True
        self._stop_event().set()
        self._wake.set()
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        tasks, self._tasks = self._tasks, []
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace_s)
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        log.info("workers stopped")


def job_row_dict(row: Any) -> dict[str, Any]:
    return {k: loads(v) if k == "context" else v for k, v in row._mapping.items()}
