"""Operator views and actions on jobs, shared by `sixty jobs` and the engine:
list, show (steps, timings, redacted outputs, chain), retry a failed job, cancel a job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update

from flows.state import redact
from storage.engine import Database
from storage.models import Effect, SequenceJob, SlackPendingAction
from storage.types import utcnow

STATUSES = ("pending", "running", "awaiting_approval", "completed", "failed", "cancelled")


async def list_jobs(
    db: Database, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    q = (
        select(
            SequenceJob.id,
            SequenceJob.sequence_type,
            SequenceJob.status,
            SequenceJob.current_step,
            SequenceJob.attempts,
            SequenceJob.error,
            SequenceJob.created_at,
            SequenceJob.run_after,
            SequenceJob.chain_depth,
        )
        .order_by(SequenceJob.id.desc())
        .limit(limit)
    )
    if status:
        q = q.where(SequenceJob.status == status)
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
                    SlackPendingAction.id,
                    SlackPendingAction.step_name,
                    SlackPendingAction.status,
                    SlackPendingAction.resolved_by,
                    SlackPendingAction.expires_at,
                ).where(SlackPendingAction.job_id == job_id)
            )
        ).all()
        effects = (
            await s.execute(
                select(Effect.step, Effect.effect_key, Effect.status).where(Effect.job_id == job_id)
            )
        ).all()
    state = job.context or {}
    log = state.get("log") or []
    steps = []
    for st in job.steps:
        entries = [e for e in log if e.get("step") == st["name"]]
        last = entries[-1] if entries else {}
        steps.append(
            {
                "name": st["name"],
                "skill": st["skill"],
                "status": last.get("status", "not run"),
                "ms": last.get("ms"),
                "attempts": sum(1 for e in entries if e.get("status") in ("completed", "failed")),
                "error": last.get("error"),
                "output": redact((state.get("outputs") or {}).get(st["name"])),
            }
        )
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


async def retry_job(db: Database, job_id: int) -> bool:
    """A failed job runs again from the step that failed (its completed steps stay done)."""
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
        res = await s.execute(
            update(SequenceJob)
            .where(SequenceJob.id == job_id, SequenceJob.status == "failed")
            .values(
                status="pending",
                error=None,
                run_after=utcnow(),
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


async def cancel_job(db: Database, job_id: int) -> bool:
    """Cancel a job that has not finished; its open gate (if any) is closed as cancelled."""
    async with db.session() as s:
        res = await s.execute(
            update(SequenceJob)
            .where(
                SequenceJob.id == job_id,
                SequenceJob.status.in_(("pending", "running", "awaiting_approval")),
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
                .where(SlackPendingAction.job_id == job_id, SlackPendingAction.status == "pending")
                .values(
                    status="cancelled",
                    decision="cancel",
                    resolved_by="operator",
                    resolved_at=utcnow(),
                )
            )
        await s.commit()
        return bool(res.rowcount)
