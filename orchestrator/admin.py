"""Operator views and actions on jobs, shared by `sixty jobs` and the engine:
list, show (steps, timings, redacted outputs, chain), retry a failed job (also from the
rep's Retry button, owner-checked: `retry_for_rep`), cancel a job, whether a recurring job's
failure was already told (`series_still_failing`), and which sequence versions unfinished jobs
still run (`versions_in_use`, for `sixty jobs versions`).

A recurring background job (an inbox poll every few minutes) carries `series` in its event
payload: one name for all its runs. Its failure is told to the rep once; further runs that
fail before one succeeds are logged, not posted again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel import col

from orchestrator.sequence import SequenceRegistry
from orchestrator.state import redact
from storage.engine import Database
from storage.models import Effect, SequenceJob, SlackPendingAction
from storage.types import utcnow

SERIES_LOOKBACK = 5  # earlier runs of a series looked at (in-flight ones are passed over)
STATUSES = ("pending", "running", "awaiting_approval", "completed", "failed", "cancelled")


async def list_jobs(
    db: Database, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    q = (
        select(
            col(SequenceJob.id),
            col(SequenceJob.sequence_type),
            col(SequenceJob.status),
            col(SequenceJob.current_step),
            col(SequenceJob.attempts),
            col(SequenceJob.error),
            col(SequenceJob.created_at),
            col(SequenceJob.run_after),
            col(SequenceJob.chain_depth),
        )
        .order_by(col(SequenceJob.id).desc())
        .limit(limit)
    )
    if status:
        q = q.where(col(SequenceJob.status) == status)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(q)).all()
    out = []
    for r in rows:
        d = dict(r._mapping)
        d["reason"] = d.pop("error")
        for k in ("created_at", "run_after"):
            if isinstance(d[k], datetime):
                d[k] = d[k].isoformat()
        out.append(d)
    return out


async def show_job(db: Database, job_id: int) -> dict[str, Any] | None:
    async with db.session() as s:
        job = await s.get(SequenceJob, job_id)
        if job is None:
            return None
        gates = (
            await s.execute(
                select(
                    col(SlackPendingAction.id),
                    col(SlackPendingAction.step_name),
                    col(SlackPendingAction.status),
                    col(SlackPendingAction.resolved_by),
                    col(SlackPendingAction.expires_at),
                ).where(col(SlackPendingAction.job_id) == job_id)
            )
        ).all()
        effects = (
            await s.execute(
                select(col(Effect.step), col(Effect.effect_key), col(Effect.status)).where(
                    col(Effect.job_id) == job_id
                )
            )
        ).all()
    state = job.context or {}
    steps = steps_of(state)
    return {
        "id": job.id,
        "sequence": job.sequence_type,
        "sequence_version": job.sequence_version,
        "status": job.status,
        "reason": job.error,
        "event": {"type": job.event_type, "source": job.event_source},
        "chain": {"depth": job.chain_depth, **(job.event_chain or {})},
        "current_step": job.current_step,
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
        "completed_at": job.completed_at.isoformat() if job.completed_at else None,
        "run_after": job.run_after.isoformat(),
        "steps": steps,
        "meta": state.get("meta") or {},
        "gates": [
            {
                "id": g[0],
                "step": g[1],
                "status": g[2],
                "resolved_by": g[3],
                "expires_at": g[4].isoformat() if g[4] else None,
            }
            for g in gates
        ],
        "effects": [{"step": e[0], "key": e[1], "status": e[2]} for e in effects],
    }


async def retry_job(db: Database, job_id: int, now: datetime | None = None) -> bool:
    """A failed job runs again from the step that failed (its completed steps stay done), due at
    `now` (the engine's clock; the wall clock for `sixty jobs retry`)."""
    async with db.session() as s:
        job = await s.get(SequenceJob, job_id)
        if job is None or job.status != "failed":
            return False
        state = dict(job.context or {})
        state["retries"] = {}
        state.pop("failing", None)
        meta = dict(state.get("meta") or {})
        meta.pop("budget_checked", None)
        state["meta"] = meta
        res = await s.exec(
            update(SequenceJob)
            .where(col(SequenceJob.id) == job_id, col(SequenceJob.status) == "failed")
            .values(
                status="pending",
                error=None,
                run_after=now or utcnow(),
                context=state,
                completed_at=None,
                locked_by=None,
                version=SequenceJob.version + 1,
            )
        )
        if res.rowcount and db.engine.dialect.name == "postgresql":
            await s.execute(text("NOTIFY sixty_jobs"))  # wake workers in every process
        await s.commit()
        return bool(res.rowcount)


async def retry_for_rep(
    db: Database,
    retry: Callable[[int], Awaitable[bool]],
    *,
    job_id: int,
    user_id: int | None,
    org_id: int | None,
) -> str:
    """The failure message's Retry click: the job must be the clicking rep's own (same org,
    same user) and failed; then `retry` (the orchestrator's, as `sixty jobs retry`) re-queues
    it from the failed step. Returns what to tell the rep."""
    async with db.session() as s:
        job = await s.get(SequenceJob, job_id) if job_id > 0 and user_id is not None else None
    if job is None or job.user_id != user_id or job.org_id != org_id:
        return "I can't find that job among yours, so there is nothing to retry."
    what = job.sequence_type.replace("_", " ")
    if job.status != "failed":
        state = (
            "already running again" if job.status in ("pending", "running") else "no longer failed"
        )
        return f"*{what}* is {state}; nothing to retry."
    if not await retry(job_id):
        return f"*{what}* changed while you clicked; nothing to retry."
    return f"Retrying *{what}* from where it stopped. I'll tell you if it stops again."


async def series_still_failing(
    db: Database, *, job_id: int, org_id: int, sequence_type: str, series: str
) -> bool:
    """True when the latest earlier run of `series` that got anywhere failed too (failed, or
    waiting to tell its failure after quiet hours): nothing has succeeded since, so the rep has
    heard (or will hear) about it already. Runs still in flight are passed over."""
    q = (
        select(col(SequenceJob.status), col(SequenceJob.context))
        .where(
            col(SequenceJob.org_id) == org_id,
            col(SequenceJob.sequence_type) == sequence_type,
            col(SequenceJob.id) < job_id,
            col(SequenceJob.status) != "cancelled",
            SequenceJob.trigger_payload["series"].as_string() == series,
        )
        .order_by(col(SequenceJob.id).desc())
        .limit(SERIES_LOOKBACK)
    )
    async with db.engine.connect() as conn:
        rows = (await conn.execute(q)).all()
    for status, context in rows:
        if status == "failed" or (context or {}).get("failing"):
            return True
        if status in ("completed", "awaiting_approval"):
            return False
    return False


async def cancel_job(db: Database, job_id: int) -> bool:
    """Cancel a job that has not finished; its open gate (if any) is closed as cancelled."""
    async with db.session() as s:
        res = await s.exec(
            update(SequenceJob)
            .where(
                col(SequenceJob.id) == job_id,
                col(SequenceJob.status).in_(("pending", "running", "awaiting_approval")),
            )
            .values(
                status="cancelled",
                error="cancelled by operator",
                locked_by=None,
                lease_expires_at=None,
                completed_at=utcnow(),
                version=SequenceJob.version + 1,
            )
        )
        if res.rowcount:
            await s.execute(
                update(SlackPendingAction)
                .where(
                    col(SlackPendingAction.job_id) == job_id,
                    col(SlackPendingAction.status) == "pending",
                )
                .values(
                    status="cancelled",
                    decision="cancel",
                    resolved_by="operator",
                    resolved_at=utcnow(),
                )
            )
        await s.commit()
        return bool(res.rowcount)


def steps_of(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Each step a job ran (or tried), in the order it first ran: status, time, attempts, output."""
    log = state.get("log") or []
    outputs = state.get("outputs") or {}
    order: dict[str, list[dict[str, Any]]] = {}
    for entry in log:
        order.setdefault(str(entry.get("step")), []).append(entry)
    steps = []
    for name, entries in order.items():
        last = entries[-1]
        steps.append(
            {
                "name": name,
                "status": last.get("status", "not run"),
                "ms": last.get("ms"),
                "attempts": sum(1 for e in entries if e.get("status") in ("completed", "failed")),
                "error": last.get("error"),
                "output": redact(outputs.get(name)),
            }
        )
    return steps


UNFINISHED = ("pending", "running", "awaiting_approval")


async def versions_in_use(db: Database, registry: SequenceRegistry) -> list[dict[str, Any]]:
    """Each sequence version this build has or an unfinished job uses: how many unfinished jobs
    run it, whether this build has it, and what a process of this build does with such a job
    when it claims it (`SequenceRegistry.fate`: runs, waits or fails)."""
    async with db.session() as s:
        rows = (
            await s.execute(
                select(
                    col(SequenceJob.sequence_type), col(SequenceJob.sequence_version), func.count()
                )
                .where(col(SequenceJob.status).in_(UNFINISHED))
                .group_by(col(SequenceJob.sequence_type), col(SequenceJob.sequence_version))
            )
        ).all()
    used = {(str(t), int(v)): int(n) for t, v, n in rows}
    keys = set(used) | {(t, v) for t in registry.types() for v in registry.versions(t)}
    newest = {t: max(registry.versions(t)) for t in registry.types()}
    return [
        {
            "sequence": t,
            "version": v,
            "unfinished_jobs": used.get((t, v), 0),
            "in_build": registry.get(t, v) is not None,
            "newest": newest.get(t) == v,
            "when_claimed": registry.fate(t, v),
        }
        for t, v in sorted(keys)
    ]
