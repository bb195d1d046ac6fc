"""Fixtures for handler tests: a migrated database (SQLite, and PostgreSQL under the pg marker)
with an org of two reps (U1 the admin, U2 a rep), `Deps` on a fixed clock with a recording
orchestrator, a recording client and ack; `seed_job` / `seed_pending` add what buttons point at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.deps import Deps
from config import load_settings
from storage.engine import Database
from storage.models import SequenceJob, SlackPendingAction
from tests.bot.fakes import FakeAck, FakeOrchestrator, RecordingClient
from tests.support.sequences import seed_org

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday


@dataclass
class World:
    deps: Deps
    orchestrator: FakeOrchestrator
    client: RecordingClient
    ack: FakeAck
    org_id: int
    admin_id: int
    rep_id: int


@pytest.fixture
async def world(db: Database) -> World:
    org_id, (admin_id, rep_id) = await seed_org(db, users=2)
    orchestrator = FakeOrchestrator()
    deps = Deps(settings=load_settings(), db=db, orchestrator=orchestrator, clock=lambda: NOW)
    return World(deps, orchestrator, RecordingClient(), FakeAck(), org_id, admin_id, rep_id)


async def seed_job(w: World, user_id: int, sequence_type: str = "post_meeting",
                   context: dict[str, Any] | None = None) -> int:  # fmt: skip
    """A sequence job of `user_id`'s (its `context` holds the step outputs handlers read)."""
    async with w.deps.db.transaction() as s:
        job = SequenceJob(org_id=w.org_id, user_id=user_id, sequence_type=sequence_type, event_type=sequence_type,
                          event_source="test", idempotency_key=f"{sequence_type}:{user_id}:{len(str(context))}",
                          context=context or {}, created_at=NOW, run_after=NOW)  # fmt: skip
        s.add(job)
        await s.flush()
        return job.id or 0


async def seed_pending(w: World, user_id: int, kind: str = "email_send",
                       payload: dict[str, Any] | None = None) -> str:  # fmt: skip
    """An approval gate waiting for `user_id`, on a job of theirs."""
    job_id = await seed_job(w, user_id, context={"gate": kind})
    async with w.deps.db.transaction() as s:
        row = SlackPendingAction(job_id=job_id, org_id=w.org_id, owner_user_id=user_id, step_name="approve",
                                 kind=kind, payload=payload or {}, expires_at=NOW + timedelta(days=1),
                                 created_at=NOW)  # fmt: skip
        s.add(row)
        await s.flush()
        return row.id
