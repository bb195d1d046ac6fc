"""`sixty jobs versions`: which sequence versions this build has and unfinished jobs still run."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from orchestrator.admin import versions_in_use
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef
from orchestrator.sequence import SequenceRegistry
from tests.support.sequences import RecordingDelivery, noop_sequence, seed_org


async def test_versions_lists_unfinished_jobs_per_version_and_missing_ones(db: Any) -> None:
    org, users = await seed_org(db)
    old = SequenceRegistry([noop_sequence("brief", steps=1, version=1)])
    engine = Engine(db, Settings(), RecordingDelivery(), old, heartbeat_s=None)
    refs = [await engine.submit(Event("brief", "test", org, users[0], {"id": i})) for i in "ab"]
    assert all(isinstance(r, JobRef) for r in refs)

    both = SequenceRegistry([noop_sequence("brief", steps=1, version=1),
                             noop_sequence("brief", steps=2, version=2)])  # fmt: skip
    rows = {(r["sequence"], r["version"]): r for r in await versions_in_use(db, both)}
    assert rows[("brief", 1)] == {"sequence": "brief", "version": 1, "unfinished_jobs": 2,
                                  "in_build": True, "newest": False, "when_claimed": "runs"}  # fmt: skip
    assert rows[("brief", 2)]["unfinished_jobs"] == 0 and rows[("brief", 2)]["newest"]

    only_new = SequenceRegistry([noop_sequence("brief", steps=2, version=2)])
    rows = {(r["sequence"], r["version"]): r for r in await versions_in_use(db, only_new)}
    assert rows[("brief", 1)]["in_build"] is False and rows[("brief", 1)]["unfinished_jobs"] == 2
    assert rows[("brief", 1)]["when_claimed"] == "fails"  # dropped while jobs still use it

    await engine.drain()  # once they finish, v1 is used by no job
    rows = {(r["sequence"], r["version"]): r for r in await versions_in_use(db, both)}
    assert rows[("brief", 1)]["unfinished_jobs"] == 0
