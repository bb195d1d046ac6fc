"""Fixtures for handler tests: a migrated SQLite database with an org of two reps (U1 the admin,
U2 a rep), `Deps` on a fixed clock with a recording orchestrator, and a recording client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.deps import Deps
from config import load_settings
from storage.engine import Database
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
async def world(sqlite_db: Database) -> World:
    org_id, (admin_id, rep_id) = await seed_org(sqlite_db, users=2)
    orchestrator = FakeOrchestrator()
    deps = Deps(settings=load_settings(), db=sqlite_db, orchestrator=orchestrator, clock=lambda: NOW)
    return World(deps, orchestrator, RecordingClient(), FakeAck(), org_id, admin_id, rep_id)
