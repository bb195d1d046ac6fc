"""Runs one claimed job's sequence from the top, replaying what it recorded, until it completes,
parks at a gate, defers, retries or fails.

The parts each own one rule: `fencing` (the lease, checkpoints, release, finish, children),
`messages` (what a job says in Slack, through the one delivery policy), `job_budget` (AI spend),
`gates` (approvals) and `workflow` (what the sequence's code calls, and replay). This module
holds the run loop and a step's run: budget, context, time limit, failure policy, checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from blocks.job_status import job_failed
from orchestrator.context import Approval, DeferDelivery, StepContext, classify
from orchestrator.gates import JobGates
from orchestrator.job_budget import ENGINE_STEP
from orchestrator.sequence import OnFailure, SequenceDef
from orchestrator.state import Failing, JobState
from orchestrator.store import LeaseLost, dumps
from orchestrator.tiers import names_tier2
from orchestrator.workflow import (
    AwaitingGates,
    JobCancelled,
    NameTaken,
    Parked,
    ReplayMismatch,
    StepSpec,
    Workflow,
)

log = logging.getLogger(__name__)

RETRY_CAP_S = 300.0
MISSING_VERSION_RETRY_S = 60.0

__all__ = ["ENGINE_STEP", "RETRY_CAP_S", "JobRunner"]


class JobRunner(JobGates):
    _behind = ""  # "", "behind" or "confirm": the last step's checkpoint is still to write

    async def run(self) -> None:
        try:
            await self._run()
        except LeaseLost:
            log.warning("lease lost; worker stops touching the job", extra=self.log_extra)
        finally:
            await self._discard_behind()  # only after an error: every path settles its writes

    async def _run(self) -> None:
        defn = await self._definition()
        if defn is None:
            return
        st = self.state
        rows: dict[str, Any] = {}
        if self.attempts > 1 or st.gates:  # what the job did before, read in one transaction
            async with self._tx():
                if self.attempts > 1:
                    await self.ledger.load()
                rows = await self.gate_rows()
        if not st.meta.budget_checked:
            est = defn.estimated_cost_usd
            if est > 0 and not await self._budget_allows(est):
                await self._halt_for_budget()
                return
            st.meta.budget_checked = True
        await self._ensure_tiers()
        if st.failing is not None:
            await self._fail(st.failing.step, st.failing.error)
            return
        if st.gates:
            await self.take_answers(rows)
        wf = Workflow(self)
        try:
            await defn.run(wf)
        except AwaitingGates:
            if wf.new_gates:
                if self.user_id is None or not self._slack_user():
                    await self._fail(
                        wf.new_gates[0].name, "ApprovalError: the job has no Slack user to ask"
                    )
                    return
                await self.open_gates(wf.new_gates)
            await self.park_on_gates()
            return
        except Parked:
            return
        except JobCancelled as why:
            await self._finish("cancelled", str(why))
            return
        except (ReplayMismatch, NameTaken) as mismatch:
            log.error("replay mismatch", extra={**self.log_extra, "error": str(mismatch)})
            await self._fail("replay", f"{type(mismatch).__name__}: {mismatch}")
            return
        except Exception as exc:
            if exc is wf.engine_error:
                raise  # the engine's own (a lost lease, the database): the job runs again later
            # the sequence's code raised (a step's error goes through its failure policy):
            # running it again would raise again, so the job fails and the rep is told
            log.exception("sequence code raised", extra=self.log_extra)
            await self._fail("sequence", f"{type(exc).__name__}: {str(exc)[:300]}")
            return
        await self._finish("completed")

    async def _definition(self) -> SequenceDef | None:
        """The version of the sequence this job started with (adopting the newest for a job
        created before its sequence was registered); None when this process cannot run it."""
        registry = self.engine.registry
        if self.sequence_version == 0:
            defn = registry.get(self.sequence_type)
            if defn is None:  # claimed by an engine whose registry lacks it: put it back
                await self._release_after(MISSING_VERSION_RETRY_S,
                                          f"no sequence registered for {self.sequence_type}")  # fmt: skip
                return None
            answers = self.state.meta.answers_rep
            self.state = JobState.new(chain_depth=self.chain_depth, answers_rep=answers)
            async with self._tx():
                await self._exec_fenced(
                    self.sql.adopt, {"sv": defn.version, "ctx": dumps(self.state)}
                )
            self.sequence_version = defn.version
            return defn
        defn = registry.get(self.sequence_type, self.sequence_version)
        if defn is not None:
            return defn
        if registry.fate(self.sequence_type, self.sequence_version) == "fails":
            known = registry.versions(self.sequence_type)
            error = (f"{self.sequence_type} v{self.sequence_version} is not in this build (it has "
                     f"v{', v'.join(map(str, known))}): keep an old version registered until "
                     "`sixty jobs versions` shows no job on it")  # fmt: skip
            log.error("sequence version missing", extra={**self.log_extra, "error": error})
            await self._fail("version", f"MissingVersion: {error}")
            return None
        # a newer process's version: wait for a worker that has it
        await self._release_after(
            MISSING_VERSION_RETRY_S,
            f"waiting: no {self.sequence_type} v{self.sequence_version} in this process",
        )
        return None

    # ------------------------------------------------------------------ context tiers

    async def _ensure_tiers(self) -> None:
        tiers = self.state.tiers
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
            self.state.tiers["3"] = await self.engine.loaders.tier3(self.conn, job)

    # ------------------------------------------------------------------ one step

    async def run_step(
        self,
        key: str,
        spec: StepSpec,
        fn: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        approval: Approval | None,
    ) -> Any:
        """Run one step for the first time (or again after a failure) and record its output."""
        st = self.state
        await self._checkpoint_last_step()
        if spec.ai_cost_usd and not await self._budget_allows(spec.ai_cost_usd):
            await self._halt_for_budget()
            raise Parked()
        if spec.context >= 3 and "3" not in st.tiers:
            await self._tier3()
        if self._queued and self.raw.refused():
            await self.settle()  # a refused or failed write stops the job before the step
        st.meta.attempted += 1
        self.touched = False
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(spec.timeout_s):  # no extra task per step
                res = await fn(StepContext(self, spec, approval), *args)
        except LeaseLost:
            raise
        except DeferDelivery as d:
            await self._release_at(d.until)
            raise Parked() from None
        except Exception as exc:
            return await self._on_failure(key, spec, exc, time.perf_counter() - t0)
        out = {} if res is None else res
        ms = round((time.perf_counter() - t0) * 1000, 3)
        self._record_step(key, spec.name, out, {"status": "completed", "ms": ms})
        st.meta.completed += 1
        self._behind = "confirm" if self.touched else "behind"
        return out

    def _record_step(self, key: str, name: str, out: Any, entry: dict[str, Any]) -> None:
        st = self.state
        if name in st.outputs:  # replays return before this: the name is taken elsewhere
            raise ValueError(f"step name {name!r} is used twice in {self.sequence_type}; name one")
        st.at[key] = name
        st.outputs[name] = out
        st.done.append(name)
        st.log.append({"step": name, **entry, "at": time.time()})
        self.cur = len(st.at)

    async def _checkpoint_last_step(self) -> None:
        """Write the last step's checkpoint before the next step runs: behind (the commit
        overlaps this step) when it touched nothing outside the job, confirmed otherwise.
        A job that stops after its last step writes its state with the stop instead."""
        if self._behind == "behind":
            self.checkpoint_behind()
        elif self._behind == "confirm":
            await self.checkpoint()
        self._behind = ""

    async def _on_failure(self, key: str, spec: StepSpec, exc: Exception, elapsed: float) -> Any:
        """Apply the step's failure policy: the output to carry on with, or `Parked`."""
        st = self.state
        transient, retry_after = classify(exc)
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        st.meta.failed += 1
        st.log.append({"step": spec.name, "status": "failed", "ms": round(elapsed * 1000, 3),
                       "at": time.time(), "error": error})  # fmt: skip
        log.warning("step failed",
                    extra={**self.log_extra, "step": spec.name, "error_type": type(exc).__name__})  # fmt: skip
        if spec.on_failure == OnFailure.CONTINUE:
            out = {"error": error}
            st.at[key] = spec.name
            st.outputs[spec.name] = out
            st.done.append(spec.name)
            self.cur = len(st.at)
            await self.checkpoint()
            return out
        if spec.on_failure == OnFailure.RETRY and transient:
            n = int(st.retries.get(spec.name, 0)) + 1
            if n <= spec.retries:
                st.retries[spec.name] = n
                base = self.engine.retry_base_s * (2 ** (n - 1))
                delay = min(RETRY_CAP_S, base * (1 + random.random() * 0.5))
                if retry_after is not None:
                    delay = max(delay, retry_after)
                await self._release_after(delay, error)
                log.info("step retry scheduled",
                         extra={**self.log_extra, "step": spec.name, "attempt": n, "delay_s": delay})  # fmt: skip
                raise Parked()
        await self._fail(spec.name, error)
        raise Parked()

    async def park_until(self, at: datetime) -> None:
        await self._release_at(at)

    # ------------------------------------------------------------------ failures

    async def _fail(self, step_name: str, error: str) -> None:
        """Stop the job and tell the rep (quiet hours apply) with a Retry button; a recurring
        job's failure is told once until a run of its series succeeds (`orchestrator.admin`)."""
        slack_id = self._slack_user()
        if slack_id and await self._told_before():
            log.info("failure not told again: its series is still failing",
                     extra={**self.log_extra, "step": step_name})  # fmt: skip
            slack_id = None
        if slack_id and self.engine.delivery is not None:
            self.state.failing = Failing(step_name, error)
            blocks = job_failed(self.id, self.sequence_type, step_name, error.split(":")[0])
            try:
                await self.notify(ENGINE_STEP, "job_failed", f"{self.sequence_type} stopped",
                                  blocks, f"failed:{step_name}:{self.attempts}")  # fmt: skip
            except DeferDelivery as d:
                await self._release_at(d.until, error)
                return
            self.state.failing = None
        await self._finish("failed", error)

    async def _told_before(self) -> bool:
        from orchestrator.admin import series_still_failing

        series = self.payload.get("series")
        if not isinstance(series, str) or not series or self.state.failing is not None:
            return False
        return await series_still_failing(self.engine.db, job_id=self.id, org_id=self.org_id,
                                          sequence_type=self.sequence_type, series=series)  # fmt: skip
