"""A claimed job's row and its fenced writes: the lease, checkpoints, release, finish, children.

`FencedJob` holds one pooled connection for the job's run (no lock is held while a step runs)
and writes through fenced statements (`orchestrator.store`): one UPDATE per step carrying the
state, metadata and lease renewal; children of queued follow-ups and the parent's final state
in one transaction. Zero rows updated raises `LeaseLost` and the runner stops without
touching anything else.

Checkpoints of steps that touched nothing outside the job (no `ctx.db`, Slack, effects,
notifications, approvals or costs) are written behind: submitted in order and confirmed
before anything else goes through the runner (`settle`), so the next step's computation
overlaps the commit. A step that touched anything is confirmed before the next one starts.
Either way each step has its own committed checkpoint, and what a crash can repeat is what
it could repeat before: steps after the last durable checkpoint, whose effects the ledger
keeps to once.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orchestrator.effects import EffectLedger
from orchestrator.events import Event
from orchestrator.state import JobState
from orchestrator.store import LeaseLost, RawConn, dumps, loads

if TYPE_CHECKING:
    from orchestrator.engine import Engine

log = logging.getLogger("orchestrator.runner")

MAX_CHAIN_DEPTH = 3  # jobs in one chain: event -> follow-up -> follow-up -> stop
# Follow-ups that end a chain whatever its depth: the send of an email the rep approved (it
# starts nothing itself, so it cannot loop). Refusing it would leave an approved email unsent.
TERMINAL_FOLLOW_UPS = frozenset({"email_send"})


class FencedJob:
    """One claimed job: its row, its state and every write it makes, fenced on its lease."""

    def __init__(
        self,
        engine: Engine,
        row: Any,
        worker: str,
        raw: RawConn,
        tier1: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.engine = engine
        self.sql = engine.sql
        self.raw = raw
        self.conn = raw.conn
        self._tier1 = tier1  # read with the claim; used when the tiers need (re)loading
        self.worker = worker
        (
            self.id,
            self.org_id,
            self.user_id,
            self.sequence_type,
            self.sequence_version,
            _status,
            self.event_type,
            self.event_source,
            payload,
            chain,
            self.chain_depth,
            context,
            self.cur,
            self.version,
            self.attempts,
            self.parent_job_id,
            self.idempotency_key,
        ) = tuple(row)
        self.payload: dict[str, Any] = loads(payload) or {}
        self.chain: dict[str, Any] = loads(chain) or {}
        self.state = JobState.from_dict(loads(context))
        self.ledger = EffectLedger(self)
        self.log_extra = {"job_id": self.id, "sequence": self.sequence_type}
        self.lease = engine.lease_s
        self._queued = False  # writes submitted and not yet confirmed
        self.touched = False  # the running step used the database, Slack or the ledger

    # ------------------------------------------------------------------ fenced writes

    def _fence(self, **params: Any) -> dict[str, Any]:
        params["id"] = self.id
        params["v"] = self.version
        params["w"] = self.worker
        return params

    async def _exec_fenced(self, sql: str, params: dict[str, Any]) -> None:
        """A fenced job update inside the caller's SQLAlchemy transaction."""
        res = await self.conn.exec_driver_sql(sql, self._fence(**params))
        if res.rowcount != 1:
            raise LeaseLost(self.id)
        self.version += 1

    def _queue(self, sql: str, params: dict[str, Any]) -> None:
        """Submit one fenced job update; its outcome is read by `settle`.

        Queued writes commit in order, each in its own transaction, and each carries the
        version the one before it produces: if one is refused or fails, every later one is
        refused by the fence too, so nothing lands out of order.
        """
        self.raw.submit([(sql, self._fence(**params), True)])
        self.version += 1
        self._queued = True

    async def settle(self) -> None:
        """Wait for every queued write; `LeaseLost` if the fence refused one."""
        if not self._queued:
            return
        self._queued = False
        for out in await self.raw.wait():
            if isinstance(out, BaseException):
                raise out
            if out is None:
                raise LeaseLost(self.id)

    async def _discard_behind(self) -> None:
        if self._queued:
            self._queued = False
            await self.raw.wait()

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[None]:
        """A SQLAlchemy transaction on the runner's connection, after every queued write."""
        await self.settle()
        async with self.conn.begin():
            yield

    async def _write(self, sql: str, params: dict[str, Any]) -> None:
        """One fenced job update in its own short transaction, confirmed before returning."""
        self._queue(sql, params)
        await self.settle()

    async def checkpoint(self) -> None:
        await self._write(
            self.sql.checkpoint, {"ctx": dumps(self.state), "cur": self.cur, "lease": self.lease}
        )

    def checkpoint_behind(self) -> None:
        """Checkpoint a step that touched nothing outside the job, without waiting for it.

        The next step starts while this commits (LangGraph's default "async" durability does
        the same). Re-running such a step after a crash has no consequence, and anything the
        next step does through the runner (database, Slack, effects) waits for it first.
        """
        self._queue(
            self.sql.checkpoint, {"ctx": dumps(self.state), "cur": self.cur, "lease": self.lease}
        )

    async def heartbeat(self) -> None:
        async with self.engine.db.engine.begin() as conn:
            res = await conn.exec_driver_sql(
                self.sql.heartbeat, {"id": self.id, "w": self.worker, "lease": self.lease}
            )
        if res.rowcount != 1:
            raise LeaseLost(self.id)

    async def _finish(self, status: str, error: str | None = None) -> None:
        meta = self.state.meta
        meta.duration_ms = (
            round((time.time() - meta.started_at) * 1000, 3) if meta.started_at else 0.0
        )
        params = {"ctx": dumps(self.state), "cur": self.cur, "status": status, "error": error}
        if self.state.followups:
            async with self._tx():
                await self._spawn_children()  # rolled back with the rest if the fence refuses
                params["ctx"] = dumps(self.state)
                await self._exec_fenced(self.sql.finish, params)
        else:
            await self._write(self.sql.finish, params)
        self.engine.wake_local()
        log.info("job finished", extra={**self.log_extra, "status": status})

    async def _release_after(self, delay_s: float, error: str | None = None) -> None:
        await self._write(
            self.sql.release_after,
            {"ctx": dumps(self.state), "cur": self.cur, "delay": delay_s, "error": error},
        )

    async def _release_at(self, at: datetime, error: str | None = None) -> None:
        await self._write(
            self.sql.release_at,
            {"ctx": dumps(self.state), "cur": self.cur, "at": self.sql.at(at), "error": error},
        )
        log.info("job deferred", extra={**self.log_extra, "until": at.isoformat()})

    # ------------------------------------------------------------------ follow-ups

    def answers_rep(self) -> bool:
        raise NotImplementedError  # JobMessages

    def queue_followup(self, event: Event) -> None:
        self.state.followups.append(
            {
                "type": event.type,
                "source": event.source,
                "org_id": event.org_id,
                "user_id": event.user_id,
                "payload": event.payload,
                "key": event.idempotency_key,
                "answers": self.answers_rep(),  # chained from the rep's click: an answer too
            }
        )
        self.state.meta.followups_queued += 1

    async def _spawn_children(self) -> None:
        """Create queued follow-ups as child jobs (inside the caller's transaction)."""
        st = self.state
        if not st.followups:
            return
        depth = self.chain_depth + 1
        base = len(st.children) + st.meta.chain_refused
        new_ids: list[int] = []
        for i, f in enumerate(st.followups):
            if depth > MAX_CHAIN_DEPTH and f["type"] not in TERMINAL_FOLLOW_UPS:
                st.meta.chain_refused += 1
                log.warning(
                    "follow-up not created: chain depth limit",
                    extra={**self.log_extra, "event_type": f["type"], "depth": depth},
                )
                continue
            key = f.get("key") or f"chain:{self.id}:{base + i}:{f['type']}"
            event = Event(
                type=f["type"],
                source=f.get("source") or "orchestrator:chain",
                org_id=f.get("org_id") or self.org_id,
                user_id=f.get("user_id"),
                payload=f.get("payload") or {},
                idempotency_key=key,
                parent_job_id=self.id,
            )
            child = await self.engine.insert_job(
                self.conn, event, depth=depth, parent=self.id, answers=bool(f.get("answers"))
            )
            if child is not None:
                new_ids.append(child)
        st.followups = []
        if new_ids:
            st.children.extend(new_ids)
            self.chain = {"parent": self.parent_job_id, "children": st.children}
            await self.conn.exec_driver_sql(
                self.sql.add_child, {"id": self.id, "chain": dumps(self.chain)}
            )
            log.info("follow-ups spawned", extra={**self.log_extra, "children": new_ids})
