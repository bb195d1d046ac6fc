"""Runs one claimed job from its last checkpoint until it completes, pauses, defers or fails.

`JobRunner` holds one pooled connection for the job's run (no lock is held while a step
runs) and writes through fenced statements (`flows.store`): one UPDATE per step carrying the
state, metadata and lease renewal; a gate's pending action and the job state in one
transaction; children of queued follow-ups and the parent's final state in one transaction.
Zero rows updated raises `LeaseLost` and the runner stops without touching anything else.

Checkpoints of steps that touched nothing outside the job (no `ctx.db`, Slack, effects,
notifications, approvals or costs) are written behind: submitted in order and confirmed
before anything else goes through the runner (`settle`), so the next step's computation
overlaps the commit. A step that touched anything is confirmed before the next one starts.
Either way each step has its own committed checkpoint, and what a crash can repeat is what
it could repeat before: steps after the last durable checkpoint, whose effects the ledger
keeps to once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from blocks.approval import (
    ApprovalView,
    approval_message,
    expired_message,
    fallback_text,
    resolved_message,
)
from blocks.job_status import budget_exhausted, job_failed
from flows import budget, delivery
from flows.context import names_tier2
from flows.effects import EffectLedger
from flows.events import Event
from flows.sequence import Step, StoredPlan
from flows.state import new_state
from flows.step import (
    Approval,
    AwaitApproval,
    DeferDelivery,
    StepContext,
    StepResult,
    apply_edits,
    classify,
)
from flows.store import LeaseLost, RawConn, dumps, loads

if TYPE_CHECKING:
    from connectors.slack import Posted
    from flows.engine import Engine

log = logging.getLogger(__name__)

MAX_CHAIN_DEPTH = 3  # jobs in one chain: event -> follow-up -> follow-up -> stop
ENGINE_STEP = "__engine__"
RETRY_CAP_S = 300.0


class JobRunner:
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
            steps,
            context,
            self.cur,
            self.version,
            self.attempts,
            self.parent_job_id,
            self.idempotency_key,
        ) = tuple(row)
        self.payload: dict[str, Any] = loads(payload) or {}
        self.chain: dict[str, Any] = loads(chain) or {}
        self.steps_json: list[dict[str, Any]] = loads(steps) or []
        self.state: dict[str, Any] = loads(context) or {}
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
        self.state["meta"]["duration_ms"] = round(
            (time.time() - self.state["meta"]["started_at"]) * 1000, 3
        )
        params = {"ctx": dumps(self.state), "cur": self.cur, "status": status, "error": error}
        if self.state.get("followups"):
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

    # ------------------------------------------------------------------ run

    async def run(self) -> None:
        try:
            await self._run()
        except LeaseLost:
            log.warning("lease lost; worker stops touching the job", extra=self.log_extra)
        finally:
            await self._discard_behind()  # only after an error: every path settles its writes

    async def _run(self) -> None:
        if not self.steps_json:
            if not await self._adopt_definition():
                return
        st = self.state
        if not st.get("meta"):
            st.update(new_state(chain_depth=self.chain_depth, branches=[]))
        plan = StoredPlan.cached(dumps(self.steps_json), dumps(st.get("branches") or []))
        if self.attempts > 1:
            await self.ledger.load()
        if not st["meta"].get("budget_checked"):
            est = sum(s.estimated_cost_usd for s in plan.steps if s.ai)
            if est > 0 and not await self._budget_allows(est):
                await self._halt_for_budget()
                return
            st["meta"]["budget_checked"] = True
        await self._ensure_tiers(plan)
        if st.get("failing"):
            f = st["failing"]
            await self._fail(f["step"], f["error"])
            return
        if st.get("pending"):
            if not await self._gate_resolution(plan):
                return
        if st.get("group"):
            await self._group_resolution()
        await self._steps(plan)

    async def _adopt_definition(self) -> bool:
        seq = self.engine.registry.get(self.sequence_type)
        if seq is None:  # claimed by an engine whose registry lacks it: put it back
            await self._release_after(60.0, f"no sequence registered for {self.sequence_type}")
            return False
        self.steps_json = StoredPlan.to_json(seq)
        answers = (self.state.get("meta") or {}).get("answers_rep")
        self.state = new_state(
            chain_depth=self.chain_depth, branches=[b.to_dict() for b in seq.branches]
        )
        if answers:
            self.state["meta"]["answers_rep"] = True
        async with self._tx():
            await self._exec_fenced(
                self.sql.adopt,
                {"steps": dumps(self.steps_json), "sv": seq.version, "ctx": dumps(self.state)},
            )
        self.sequence_version = seq.version
        return True

    async def _ensure_tiers(self, plan: StoredPlan) -> None:
        tiers = self.state["tiers"]
        stale = self.engine.settings.context_stale_after_s
        loaded_at = tiers.get("loaded_at")
        if loaded_at is not None and time.time() - loaded_at <= stale:
            return
        job = {"org_id": self.org_id, "user_id": self.user_id, "trigger_payload": self.payload}
        loaders = self.engine.loaders
        fresh1 = self._tier1() if self._tier1 is not None else None  # read with the claim
        self._tier1 = None

        async def load(conn: AsyncConnection) -> None:
            tiers["1"] = fresh1 if fresh1 is not None else await loaders.tier1(conn, job)
            if names_tier2(self.payload):
                tiers["2"] = await loaders.tier2(conn, job)
            if "3" in tiers:
                tiers["3"] = await loaders.tier3(conn, job)

        if fresh1 is not None and not names_tier2(self.payload) and "3" not in tiers:
            tiers["1"] = fresh1  # nothing else to read
        elif self.sql.pg:  # reads only: autocommit saves the BEGIN and COMMIT round trips
            async with self.engine.db.engine.connect() as conn:
                await load(await conn.execution_options(isolation_level="AUTOCOMMIT"))
        else:
            async with self._tx():
                await load(self.conn)
        tiers["loaded_at"] = time.time()

    async def _tier3(self) -> None:
        job = {"org_id": self.org_id, "user_id": self.user_id, "trigger_payload": self.payload}
        async with self._tx():
            self.state["tiers"]["3"] = await self.engine.loaders.tier3(self.conn, job)

    async def _steps(self, plan: StoredPlan) -> None:
        st = self.state
        outputs = st["outputs"]
        meta = st["meta"]
        skills = self.engine.registry.skills
        n = len(plan.steps)
        while True:
            if (st.get("group") or (self.cur < n and plan.steps[self.cur].gate_group)) and not (
                self._group_runnable(plan)
            ):
                nxt = await self._gate_group(plan)
                if nxt is None:
                    return
                self.cur = nxt
                continue
            if self.cur >= n:
                await self._finish("completed")
                return
            step = plan.steps[self.cur]
            if step.condition is not None and not step.condition.evaluate(outputs):
                st["done"].append(step.name)
                st["log"].append({"step": step.name, "status": "skipped", "why": "condition"})
                self.cur += 1
                self.checkpoint_behind()
                continue
            if step.ai and not await self._budget_allows(step.estimated_cost_usd):
                await self._halt_for_budget()
                return
            if step.requires_context >= 3 and "3" not in st["tiers"]:
                await self._tier3()
            approval: Approval | None = None
            if step.requires_approval or step.name in st["approvals"]:
                a = st["approvals"].get(step.name)
                if a is None:
                    payload = self._gate_payload(plan, step)
                    await self._open_gate(
                        step,
                        step.approval_kind,
                        payload,
                        step.approval_expires_after_s,
                        step.on_expire,
                    )
                    return
                approval = Approval(a["decision"], a.get("actor"), a["payload"], a.get("mods"))
            if self._queued and self.raw.refused():
                await self.settle()  # a refused or failed write stops the job before the step
            skill = skills.get(step.skill)
            meta["attempted"] += 1
            self.touched = False
            t0 = time.perf_counter()
            try:
                if skill is None:
                    raise LookupError(f"no skill named {step.skill}")
                async with asyncio.timeout(step.timeout_s):  # no extra task per step
                    res = await skill(StepContext(self, step, approval))
            except LeaseLost:
                raise
            except AwaitApproval as gate:
                await self._open_gate(
                    step, gate.kind, gate.payload, gate.expires_after_s, gate.on_expire
                )
                return
            except DeferDelivery as d:
                await self._release_at(d.until)
                return
            except Exception as exc:
                if not await self._on_failure(plan, step, exc, time.perf_counter() - t0):
                    return
                continue
            ms = round((time.perf_counter() - t0) * 1000, 3)
            goto = None
            if isinstance(res, StepResult):
                out, goto = res.output, res.goto
            elif res is None:
                out = {}
            else:
                out = res
            outputs[step.name] = out
            st["done"].append(step.name)
            st["log"].append(
                {"step": step.name, "status": "completed", "ms": ms, "at": time.time()}
            )
            meta["completed"] += 1
            if goto is not None:
                self.cur = n if goto == "__end__" else plan.index[goto]
            else:
                self.cur = plan.next_index(self.cur, outputs)
            if self.cur >= n and not st.get("group"):
                await self._finish("completed")
                return
            if self.touched:
                await self.checkpoint()
            else:
                self.checkpoint_behind()

    def _gate_payload(self, plan: StoredPlan, step: Step) -> dict[str, Any]:
        src = step.approval_payload_from
        if src is None:
            i = plan.index[step.name]
            src = plan.steps[i - 1].name if i > 0 else None
        value = self.state["outputs"].get(src) if src else None
        return value if isinstance(value, dict) else {}

    # ------------------------------------------------------------------ failures

    async def _on_failure(
        self, plan: StoredPlan, step: Step, exc: Exception, elapsed: float
    ) -> bool:
        """Apply the step's failure policy; True means carry on with the next step."""
        st = self.state
        transient, retry_after = classify(exc)
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        st["meta"]["failed"] += 1
        st["log"].append(
            {
                "step": step.name,
                "status": "failed",
                "ms": round(elapsed * 1000, 3),
                "at": time.time(),
                "error": error,
            }
        )
        log.warning(
            "step failed",
            extra={**self.log_extra, "step": step.name, "error_type": type(exc).__name__},
        )
        if step.on_failure == "continue":
            st["outputs"][step.name] = {"error": error}
            st["done"].append(step.name)
            self.cur = plan.next_index(self.cur, st["outputs"])
            await self.checkpoint()
            return True
        if step.on_failure == "retry" and transient:
            n = int(st["retries"].get(step.name, 0)) + 1
            if n <= step.max_retries:
                st["retries"][step.name] = n
                base = self.engine.retry_base_s * (2 ** (n - 1))
                delay = min(RETRY_CAP_S, base * (1 + random.random() * 0.5))
                if retry_after is not None:
                    delay = max(delay, retry_after)
                await self._release_after(delay, error)
                log.info(
                    "step retry scheduled",
                    extra={**self.log_extra, "step": step.name, "attempt": n, "delay_s": delay},
                )
                return False
        await self._fail(step.name, error)
        return False

    async def _fail(self, step_name: str, error: str) -> None:
        """Stop the job and tell the rep (quiet hours apply) with a Retry button; a recurring
        job's failure is told once until a run of its series succeeds (`flows.admin`)."""
        slack_id = self._slack_user()
        if slack_id and await self._told_before():
            log.info("failure not told again: its series is still failing",
                     extra={**self.log_extra, "step": step_name})  # fmt: skip
            slack_id = None
        if slack_id and self.engine.delivery is not None:
            self.state["failing"] = {"step": step_name, "error": error}
            blocks = job_failed(self.id, self.sequence_type, step_name, error.split(":")[0])
            try:
                await self.notify(
                    ENGINE_STEP,
                    "job_failed",
                    f"{self.sequence_type} stopped",
                    blocks,
                    f"failed:{step_name}:{self.attempts}",
                )
            except DeferDelivery as d:
                await self._release_at(d.until, error)
                return
            self.state.pop("failing", None)
        await self._finish("failed", error)

    async def _told_before(self) -> bool:
        from flows.admin import series_still_failing

        series = self.payload.get("series")
        if not isinstance(series, str) or not series or self.state.get("failing"):
            return False
        return await series_still_failing(self.engine.db, job_id=self.id, org_id=self.org_id,
                                          sequence_type=self.sequence_type, series=series)  # fmt: skip

    # ------------------------------------------------------------------ budget

    async def _budget_allows(self, estimate: float) -> bool:
        async with self._tx():
            return await budget.allows(self.conn, self.org_id, estimate, self.engine.clock())

    async def _halt_for_budget(self) -> None:
        now = self.engine.clock()
        async with self._tx():
            first = await budget.claim_notice(self.conn, self.org_id, now)
            total = await budget.budget(self.conn, self.org_id)
            used = await budget.spent(self.conn, self.org_id, now)
        if first:
            await self._tell_admins(budget.period_of(now), total, used)
        log.warning("budget exhausted; job halted", extra=self.log_extra)
        await self._finish("failed", "budget_exhausted")

    async def _tell_admins(self, period: str, total: float, used: float) -> None:
        from sqlalchemy import select

        from storage.models import User

        if self.engine.delivery is None:
            return
        async with self._tx():
            rows = (
                await self.conn.execute(
                    select(User.id, User.slack_user_id).where(
                        User.org_id == self.org_id, User.role == "admin", User.active.is_(True)
                    )
                )
            ).all()
        blocks = budget_exhausted(period, total, used)
        for uid, slack_id in rows:
            posted = await self._post_dm(
                ENGINE_STEP, f"budget:{period}:{uid}", slack_id, "AI budget spent", list(blocks)
            )
            await self._record(
                "budget_exhausted",
                f"budget:{self.org_id}:{period}:{uid}",
                "delivered",
                self.engine.clock(),
                user_id=uid,
                channel=posted["channel"],
                ts=posted["ts"],
            )

    async def _record(
        self,
        kind: str,
        dedupe: str,
        status: str,
        at: datetime,
        *,
        user_id: int | None = None,
        **extra: Any,
    ) -> None:
        """One row in `slack_notifications_sent`, in its own short transaction."""
        async with self._tx():
            await self._record_in_tx(kind, dedupe, status, at, user_id=user_id, **extra)

    async def _record_in_tx(
        self,
        kind: str,
        dedupe: str,
        status: str,
        at: datetime,
        *,
        user_id: int | None = None,
        **extra: Any,
    ) -> None:
        uid = user_id if user_id is not None else self.user_id
        assert uid is not None
        await delivery.record(
            self.conn,
            org_id=self.org_id,
            user_id=uid,
            kind=kind,
            dedupe_key=dedupe,
            job_id=self.id,
            status=status,
            at=at,
            **extra,
        )

    async def record_cost(
        self, skill: str, model: str, cost: float, tokens_in: int, tokens_out: int
    ) -> None:
        async with self._tx():
            await budget.record_cost(
                self.conn,
                org_id=self.org_id,
                user_id=self.user_id,
                job_id=self.id,
                skill=skill,
                model=model,
                cost_usd=cost,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                at=self.engine.clock(),
            )
        self.state["meta"]["ai_cost_usd"] = round(self.state["meta"]["ai_cost_usd"] + cost, 6)

    # ------------------------------------------------------------------ delivery

    def _slack_user(self) -> str | None:
        user = (self.state.get("tiers", {}).get("1") or {}).get("user") or {}
        return user.get("slack_user_id")

    async def _post_dm(
        self, step: str, key: str, slack_id: str, text: str, blocks: list[Any]
    ) -> dict[str, str]:
        """Post one DM exactly once per (job, step, key), across crashes.

        The intent (the DM channel and a client key) is committed first; the post carries the
        key in its message metadata. A replay that finds only the intent looks the key up in
        the DM's history (`Delivery.find_posted`) and records that message instead of posting
        a second copy, so the ts recorded is the one of the message the rep sees.
        """
        d = self.engine.delivery
        assert d is not None
        dicts = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
        rec = self.ledger.recorded(step, key)
        if rec is not None and rec[0] == "done":
            return dict(rec[1])
        intent = rec[1] if rec is not None and isinstance(rec[1], dict) else None
        if intent is None:
            intent = {"channel": await d.open_dm(slack_id), "key": f"{self.id}:{step}:{key}"}
        channel, client_key = str(intent["channel"]), str(intent["key"])

        async def post() -> dict[str, str]:
            posted = await d.post_message(channel, text, dicts, key=client_key)
            return {"channel": posted.channel, "ts": posted.ts}

        async def reconcile(value: Any) -> dict[str, str] | None:
            found = await d.find_posted(channel, client_key)
            if found is None:
                return None
            log.info("post found after a crash; not posted again", extra=self.log_extra)
            return {"channel": found.channel, "ts": found.ts}

        result: dict[str, str] = await self.ledger.run(
            step, key, post, intent=True, intent_value=intent, reconcile=reconcile
        )
        return result

    def _prefs(self) -> delivery.Prefs:
        return delivery.Prefs.from_tier1(self.state["tiers"].get("1") or {})

    def answers_rep(self) -> bool:
        """This job's messages answer the rep's own click or command (`delivery.answers_rep`)."""
        meta = self.state.get("meta") or {}
        return delivery.answers_rep(
            event_source=self.event_source or "",
            payload=self.payload,
            clicked=bool(meta.get("clicked") or self.state.get("approvals")),
            chained=bool(meta.get("answers_rep")),
        )

    async def _route(self, kind: str, now: datetime) -> delivery.Route:
        """The delivery decision for one DM of this job (`delivery.route`, the one owner)."""
        answers = self.answers_rep()
        if answers or self.user_id is None:
            return delivery.SEND
        async with self._tx():
            prefs, recent = await delivery.proactive_inputs(
                self.conn, self.user_id, now, self._prefs()
            )
        return delivery.route(kind, answers=answers, prefs=prefs, recent=recent, now=now)

    async def notify(
        self, step: str, kind: str, text: str, blocks: list[Any] | None, key: str
    ) -> Posted:
        """Post (or defer, batch, or mute) one DM; `delivery.route` decides.

        A muted or batched notification returns `delivery.Held` (a `Posted` with empty
        channel and ts and a `status`), so a step that depends on the post keeps working.
        """
        from connectors.slack import Posted

        rec = self.ledger.recorded(step, f"notify:{key}")
        if rec is not None and rec[0] == "done":
            if rec[1].get("held"):
                return delivery.Held("", "", rec[1]["held"])
            return Posted(rec[1]["channel"], rec[1]["ts"])
        slack_id = self._slack_user()
        if not slack_id or self.user_id is None or self.engine.delivery is None:
            raise LookupError("the job has no Slack user to notify")
        dedupe = f"job:{self.id}:{step}:{key}"
        now = self.engine.clock()
        dicts = [b if isinstance(b, dict) else b.to_dict() for b in blocks or []]
        if dedupe in self.state.get("held_notes", ()):  # held before: opened from Home since?
            async with self._tx():
                row = await delivery.status_of(self.conn, dedupe)
            if row is not None and row[0] == "delivered" and row[1] and row[2]:
                shown = {"channel": row[1], "ts": row[2]}
                await self.ledger.run(step, f"notify:{key}", self._given(shown))
                return Posted(row[1], row[2])
        # a post begun before a crash is finished (found or posted), never re-decided
        begun = rec is not None and rec[0] == "intent"
        r = delivery.SEND if begun else await self._route(kind, now)
        if r.action == "mute":
            return await self._hold(step, key, kind, dedupe, "muted", now, text, None)
        if r.action == "batch":
            return await self._hold(step, key, kind, dedupe, "batched", now, text, dicts)
        if r.action == "defer":
            assert r.until is not None
            await self._record(
                kind, dedupe, "deferred", now, summary=delivery.summary_of(text), blocks=dicts
            )
            held = self.state.setdefault("held_notes", [])
            if dedupe not in held:
                held.append(dedupe)
            raise DeferDelivery(r.until)
        posted = await self._post_dm(step, f"notify:{key}", slack_id, text, dicts)
        await self._record(
            kind, dedupe, "delivered", now, channel=posted["channel"], ts=posted["ts"]
        )
        return Posted(posted["channel"], posted["ts"])

    @staticmethod
    def _given(value: dict[str, str]) -> Callable[[], Any]:
        async def given() -> dict[str, str]:
            return value

        return given

    async def _hold(
        self,
        step: str,
        key: str,
        kind: str,
        dedupe: str,
        status: str,
        now: datetime,
        text: str,
        blocks: list[dict[str, Any]] | None,
    ) -> Posted:
        """Record a muted or batched notification (visible, never dropped); post nothing."""
        assert self.user_id is not None
        user_id = self.user_id

        async def hold() -> dict[str, str]:
            await self._record(
                kind,
                dedupe,
                status,
                now,
                user_id=user_id,
                summary=delivery.summary_of(text),
                blocks=blocks,
            )
            return {"channel": "", "ts": "", "held": status}

        await self.ledger.run(step, f"notify:{key}", hold)
        log.info("notification held", extra={**self.log_extra, "kind": kind, "status": status})
        return delivery.Held("", "", status)

    # ------------------------------------------------------------------ approval gates

    async def _open_gate(
        self, step: Step, kind: str, payload: dict[str, Any], expires_s: float, on_expire: str
    ) -> None:
        if self.user_id is None or not self._slack_user():
            await self._fail(step.name, "ApprovalError: the job has no Slack user to ask")
            return
        pa = uuid.uuid4().hex
        self.state["pending"] = {
            "id": pa,
            "step": step.name,
            "kind": kind,
            "posted": False,
            "expires_s": expires_s,
        }
        self.state["meta"]["gates"] += 1
        async with self._tx():
            await self._insert_gate(pa, step.name, kind, payload, on_expire, expires_s)
            await self._exec_fenced(
                self.sql.checkpoint,
                {"ctx": dumps(self.state), "cur": self.cur, "lease": self.lease},
            )
        log.info("approval gate opened", extra={**self.log_extra, "step": step.name})
        await self._post_gate()

    async def _insert_gate(self, pa: str, step: str, kind: str, payload: dict[str, Any],
                           on_expire: str, expires_s: float) -> None:  # fmt: skip
        """One pending action row, fenced on this job's lease (inside the caller's transaction)."""
        params = self._fence(pa=pa, org=self.org_id, owner=self.user_id, step=step, kind=kind,
                             payload=dumps(payload), on_expire=on_expire, expires=expires_s)  # fmt: skip
        res = await self.conn.exec_driver_sql(self.sql.insert_gate, params)
        if res.rowcount != 1:
            raise LeaseLost(self.id)

    async def _gate_posted_in_tx(self, p: dict[str, Any], posted: dict[str, str], now: datetime) -> None:
        """Where gate `p` is shown: in the state, the delivery record and its pending action."""
        p["posted"] = True
        p["channel"], p["ts"] = posted["channel"], posted["ts"]
        await self._record_in_tx("approval", f"gate:{p['id']}", "delivered", now,
                                 channel=posted["channel"], ts=posted["ts"])  # fmt: skip
        await self.conn.exec_driver_sql(
            self.sql.gate_posted,
            {"pa": p["id"], "channel": posted["channel"], "ts": posted["ts"], "expires": p["expires_s"]},
        )

    async def _gate_row(self, pa: str) -> Any:
        async with self._tx():
            res = await self.conn.exec_driver_sql(self.sql.gate_row, {"pa": pa})
            return res.first()

    async def _post_gate(self) -> None:
        p = self.state["pending"]
        now = self.engine.clock()
        begun = self.ledger.recorded(ENGINE_STEP, f"gate:{p['id']}") is not None
        r = delivery.SEND if begun else await self._route("approval", now)
        assert self.user_id is not None
        dedupe = f"gate:{p['id']}"
        if r.until is not None:  # a proactive gate in quiet hours, a pause or over the cap
            await self._record("approval", dedupe, "deferred", now)
            await self._release_at(r.until)
            return
        row = await self._gate_row(p["id"])
        view = ApprovalView.from_payload(p["id"], row.kind, loads(row.payload) or {})
        blocks = approval_message(view)
        slack_id = self._slack_user()
        assert slack_id is not None
        posted = await self._post_dm(
            ENGINE_STEP, f"gate:{p['id']}", slack_id, fallback_text(view), list(blocks)
        )
        async with self._tx():  # one transaction: record, gate posted, children, pause
            await self._gate_posted_in_tx(p, posted, now)
            await self._spawn_children()
            await self._exec_fenced(
                self.sql.pause, {"ctx": dumps(self.state), "cur": self.cur, "pa": p["id"]}
            )
        self.engine.wake_local()
        log.info("job awaiting approval", extra=self.log_extra)

    async def _gate_resolution(self, plan: StoredPlan) -> bool:
        """Apply a resolved gate; True means run on, False means the job is parked again."""
        st = self.state
        p = st["pending"]
        row = await self._gate_row(p["id"])
        if row is None or row.status == "pending":
            if row is not None and not p.get("posted"):
                await self._post_gate()
                return False
            async with self._tx():
                await self._exec_fenced(
                    self.sql.pause, {"ctx": dumps(st), "cur": self.cur, "pa": p["id"]}
                )
            return False
        step_name = row.step_name
        payload = loads(row.payload) or {}
        mods = loads(row.modifications)
        decision = row.decision or "skip"
        await self._show_resolution(row, payload)
        st["pending"] = None
        if row.resolved_by and row.status in ("approved", "edited", "skipped"):
            st["meta"]["clicked"] = True  # what the job says from now on answers the rep
        if row.status in ("approved", "edited"):
            merged = apply_edits(payload, mods)
            st["approvals"][step_name] = {
                "decision": decision,
                "actor": row.resolved_by,
                "payload": merged,
                "mods": mods,
            }
            st["log"].append({"step": step_name, "status": row.status, "at": time.time()})
            return True
        if row.status == "skipped" or (row.status == "expired" and row.on_expire == "skip"):
            st["outputs"][step_name] = {"skipped": True, "decision": row.status}
            st["done"].append(step_name)
            st["log"].append({"step": step_name, "status": row.status, "at": time.time()})
            self.cur = plan.next_index(plan.index.get(step_name, self.cur), st["outputs"])
            return True
        st["log"].append({"step": step_name, "status": row.status, "at": time.time()})
        await self._finish("cancelled", f"{row.status} at gate {step_name}")
        return False

    async def _show_resolution(self, row: Any, payload: dict[str, Any]) -> None:
        d = self.engine.delivery
        shown = self.state.get("pending") or {}
        channel, ts = row.channel or shown.get("channel"), row.message_ts or shown.get("ts")
        if d is None or not channel or not ts:
            return
        view = ApprovalView.from_payload(row.id, row.kind, payload)
        if row.status == "expired":
            blocks = expired_message(view, row.on_expire)
        else:
            at = row.resolved_at
            if isinstance(at, str):
                at = datetime.fromisoformat(at[:26]).replace(tzinfo=self.engine.clock().tzinfo)
            tz = ((self.state["tiers"].get("1") or {}).get("user") or {}).get("timezone") or "UTC"
            blocks = resolved_message(
                view, row.decision or row.status, row.resolved_by or "", at, tz
            )
        dicts = [b.to_dict() for b in blocks]

        # chat.update with the same content is idempotent: no ledger row (and no commit) needed
        await self.settle()
        await d.update_message(channel, ts, fallback_text(view), dicts)

    # ------------------------------------------------------------------ gate groups

    def _group_runnable(self, plan: StoredPlan) -> bool:
        """Whether the step at `cur` is a grouped step whose gate was answered and that has not run."""
        if self.cur >= len(plan.steps):
            return False
        step = plan.steps[self.cur]
        st = self.state
        return (
            step.gate_group is not None
            and step.name in st["approvals"]
            and step.name not in st["done"]
        )

    async def _gate_group(self, plan: StoredPlan) -> int | None:
        """Drive a gate group: the index of a step to run next, or None when the job is parked.

        The group is the run of consecutive steps sharing `gate_group`. Every gate in it is
        opened and shown at once; each answered gate lets its own step run (in any order);
        when every step of the group is done or skipped, the job goes on after the group.
        """
        st = self.state
        grp = st.get("group")
        if grp is None:
            grp = st["group"] = {"start": self.cur, "gates": {}}
        start = int(grp["start"])
        name = plan.steps[start].gate_group
        members = []
        i = start
        while i < len(plan.steps) and plan.steps[i].gate_group == name:
            members.append(plan.steps[i])
            i += 1
        to_open: list[Step] = []
        for step in members:
            if step.name in st["done"] or step.name in grp["gates"]:
                continue
            if step.name in st["approvals"]:
                return plan.index[step.name]
            if step.condition is not None and not step.condition.evaluate(st["outputs"]):
                st["done"].append(step.name)
                st["log"].append({"step": step.name, "status": "skipped", "why": "condition"})
                continue
            to_open.append(step)
        if all(step.name in st["done"] for step in members):
            st.pop("group", None)
            return plan.next_index(start + len(members) - 1, st["outputs"])
        self.cur = start
        if to_open:
            if self.user_id is None or not self._slack_user():
                await self._fail(to_open[0].name, "ApprovalError: the job has no Slack user to ask")
                return None
            await self._open_group_gates(plan, to_open)
        await self._post_group()
        return None

    async def _open_group_gates(self, plan: StoredPlan, steps: list[Step]) -> None:
        """Insert one pending action per step, with the checkpoint, in one transaction."""
        gates = self.state["group"]["gates"]
        rows = []
        for step in steps:
            pa = uuid.uuid4().hex
            gates[step.name] = {"id": pa, "step": step.name, "kind": step.approval_kind,
                                "posted": False, "expires_s": step.approval_expires_after_s}  # fmt: skip
            rows.append((pa, step, self._gate_payload(plan, step)))
            self.state["meta"]["gates"] += 1
        async with self._tx():
            for pa, step, payload in rows:
                await self._insert_gate(pa, step.name, step.approval_kind, payload,
                                        step.on_expire, step.approval_expires_after_s)  # fmt: skip
            await self._exec_fenced(
                self.sql.checkpoint,
                {"ctx": dumps(self.state), "cur": self.cur, "lease": self.lease},
            )
        log.info("approval gates opened", extra={**self.log_extra, "gates": len(rows)})

    async def _post_group(self) -> None:
        """Show every gate of the group not shown yet (all together, or all deferred), then park."""
        gates = self.state["group"]["gates"]
        unposted = [p for p in gates.values() if not p["posted"]]
        now = self.engine.clock()
        begun = any(
            self.ledger.recorded(ENGINE_STEP, f"gate:{p['id']}") is not None for p in unposted
        )
        if unposted and not begun:  # a group whose posting began is finished, not re-decided
            r = await self._route("approval", now)
            if r.until is not None:  # proactive, in quiet hours, a pause or over the cap
                for p in unposted:
                    await self._record("approval", f"gate:{p['id']}", "deferred", now)
                await self._release_at(r.until)
                return
        slack_id = self._slack_user()
        assert slack_id is not None
        for p in unposted:
            row = await self._gate_row(p["id"])
            view = ApprovalView.from_payload(p["id"], row.kind, loads(row.payload) or {})
            blocks = approval_message(view)
            posted = await self._post_dm(
                ENGINE_STEP, f"gate:{p['id']}", slack_id, fallback_text(view), list(blocks)
            )
            async with self._tx():
                await self._gate_posted_in_tx(p, posted, now)
        async with self._tx():  # one transaction: children, then parked until an answer
            await self._spawn_children()
            await self._exec_fenced(
                self.sql.pause_group,
                {"ctx": dumps(self.state), "cur": self.cur, "open": len(gates)},
            )
        self.engine.wake_local()
        log.info("job awaiting approvals", extra={**self.log_extra, "gates": len(gates)})

    async def _group_resolution(self) -> None:
        """Take in every answered gate of the group: approved ones let their step run, any other
        answer (skip, cancel, expiry) skips that step only."""
        st = self.state
        gates = st["group"]["gates"]
        for name, p in list(gates.items()):
            row = await self._gate_row(p["id"])
            if row is None or row.status == "pending":
                continue
            payload = loads(row.payload) or {}
            mods = loads(row.modifications)
            await self._show_resolution(row, payload)
            del gates[name]
            st["log"].append({"step": name, "status": row.status, "at": time.time()})
            if row.status in ("approved", "edited"):
                st["approvals"][name] = {
                    "decision": row.decision or row.status,
                    "actor": row.resolved_by,
                    "payload": apply_edits(payload, mods),
                    "mods": mods,
                }
            else:
                st["outputs"][name] = {"skipped": True, "decision": row.status}
                st["done"].append(name)

    # ------------------------------------------------------------------ follow-ups

    def queue_followup(self, event: Event) -> None:
        self.state["followups"].append(
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
        self.state["meta"]["followups_queued"] += 1

    async def _spawn_children(self) -> None:
        """Create queued follow-ups as child jobs (inside the caller's transaction)."""
        st = self.state
        if not st.get("followups"):
            return
        depth = self.chain_depth + 1
        base = len(st["children"]) + st["meta"].get("chain_refused", 0)
        new_ids: list[int] = []
        for i, f in enumerate(st["followups"]):
            if depth > MAX_CHAIN_DEPTH:
                st["meta"]["chain_refused"] = st["meta"].get("chain_refused", 0) + 1
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
        st["followups"] = []
        if new_ids:
            st["children"].extend(new_ids)
            self.chain = {"parent": self.parent_job_id, "children": st["children"]}
            await self.conn.exec_driver_sql(
                self.sql.add_child, {"id": self.id, "chain": dumps(self.chain)}
            )
            log.info("follow-ups spawned", extra={**self.log_extra, "children": new_ids})
