"""The effects ledger for one claimed job: exactly-once side effects across replays.

Rows live in `effects`, unique on (job, step, effect key). The runner loads a job's rows once
per claim (only when the job ran before) and keeps them in memory; only the lease holder
writes them, so the cache is authoritative. Each write is its own short transaction, fenced
on the job's version and lease owner and committed as soon as the effect returns, so a crash
between the effect and the step checkpoint never repeats it.

An effect whose provider cannot be asked "did this happen?" by our own id afterwards is run
with `intent=True`: an intent row (with `intent_value`, e.g. the channel and the client key a
Slack post carries in its metadata, or an email's Message-ID) is committed before acting, and
a replay that finds only the intent calls `reconcile(intent_value)` to look the effect up
before acting again. A crash between the act and its record then repeats nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Row

from orchestrator.store import LeaseLost, dumps, loads

if TYPE_CHECKING:
    from orchestrator.fencing import FencedJob

log = logging.getLogger(__name__)


class EffectLedger:
    def __init__(self, runner: FencedJob) -> None:
        self.runner = runner
        self.rows: dict[tuple[str, str], tuple[str, Any]] = {}
        self.written = 0

    async def load(self) -> None:
        """Read the job's recorded effects (inside the caller's transaction on the runner's
        connection)."""
        r = self.runner
        res = await r.conn.exec_driver_sql(r.sql.effects_of, {"id": r.id})
        rows: Sequence[Row[*tuple[Any, ...]]] = res.all()
        for step, key, status, result in rows:
            self.rows[(step, key)] = (status, (loads(result) or {}).get("value"))

    async def _write(self, step: str, key: str, status: str, value: Any) -> None:
        r = self.runner
        params = {
            "id": r.id,
            "v": r.version,
            "w": r.worker,
            "step": step,
            "key": key,
            "status": status,
            "result": dumps({"value": value}),
        }
        await r.settle()
        if await r.raw.batch([(r.sql.effect, params, True)]) is None:
            raise LeaseLost(r.id)
        self.rows[(step, key)] = (status, value)
        self.written += 1

    def recorded(self, step: str, key: str) -> tuple[str, Any] | None:
        return self.rows.get((step, key))

    async def run(
        self,
        step: str,
        key: str,
        fn: Callable[[], Awaitable[Any]],
        *,
        intent: bool = False,
        intent_value: Any = None,
        reconcile: Callable[[Any], Awaitable[Any]] | None = None,
    ) -> Any:
        rec = self.rows.get((step, key))
        if rec is not None and rec[0] == "done":
            return rec[1]
        if rec is not None and rec[0] == "intent" and reconcile is not None:
            await self.runner.settle()
            found = await reconcile(rec[1])
            if found is not None:
                await self._write(step, key, "done", found)
                return found
        if intent and rec is None:
            await self._write(step, key, "intent", intent_value)
        await self.runner.settle()  # nothing acts before the job's earlier writes are confirmed
        value = await fn()
        await self._write(step, key, "done", value)
        log.debug(
            "effect recorded",
            extra={"job_id": self.runner.id, "sequence": self.runner.sequence_type, "step": step},
        )
        return value
