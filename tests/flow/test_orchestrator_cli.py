"""`sixty jobs list|show|retry|cancel` over a real SQLite database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Event
from orchestrator.sequence import sequence
from orchestrator.workflow import Workflow
from storage.engine import Database
from tests.support.sequences import RecordingDelivery, noop_registry, seed_org, sqlite_copy


async def make_jobs(url: str) -> dict[str, int]:
    db = Database(url)
    reg = noop_registry()

    async def draft(ctx: StepContext) -> dict[str, Any]:
        return {
            "subject": "Pricing",
            "body": "Secret pricing details for Ana",
            "to": ["ana@acme.io"],
        }

    async def fail(ctx: StepContext) -> None:
        raise ValueError("CRM said no")

    @sequence("fails", version=1)
    async def fails(wf: Workflow) -> None:
        await wf.step(draft)
        await wf.step(fail, name="crm")

    reg.add(fails)
    try:
        org, users = await seed_org(db)
        engine = Engine(db, Settings(), RecordingDelivery(), reg, heartbeat_s=None)
        failed = await engine.submit(Event("fails", "test", org, users[0], {"id": "1"}))
        waiting = await engine.submit(Event("unknown_kind", "test", org, users[0], {"id": "2"}))
        await engine.drain()
        return {"failed": failed.job_id, "waiting": waiting.job_id}  # type: ignore[union-attr]
    finally:
        await db.dispose()


@pytest.fixture
def jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    url = sqlite_copy(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    return asyncio.run(make_jobs(url))


def test_list_show_retry_cancel(jobs: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "list", "--status", "pending", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["id"] == jobs["waiting"] and "no sequence registered" in row["reason"]

    assert main(["jobs", "list"]) == 0
    table = capsys.readouterr().out
    assert "fails" in table and "failed" in table and "unknown_kind" in table

    assert main(["jobs", "show", str(jobs["failed"])]) == 0
    out = capsys.readouterr().out
    detail = json.loads(out)
    assert detail["status"] == "failed" and "CRM said no" in detail["reason"]
    steps = {s["name"]: s for s in detail["steps"]}
    assert steps["draft"]["status"] == "completed" and steps["crm"]["status"] == "failed"
    assert steps["draft"]["ms"] is not None
    assert steps["draft"]["output"]["subject"] == "Pricing"
    assert "Secret pricing" not in out and "ana@acme.io" not in out  # redacted
    assert detail["chain"] == {"depth": 1, "parent": None, "children": []}

    assert main(["jobs", "retry", str(jobs["failed"])]) == 0
    assert "pending" in capsys.readouterr().out
    assert main(["jobs", "retry", str(jobs["failed"])]) == 2  # only failed jobs
    assert "retry needs a job that is failed" in capsys.readouterr().err
    assert main(["jobs", "cancel", str(jobs["waiting"])]) == 0
    assert main(["jobs", "cancel", str(jobs["waiting"])]) == 2
    assert main(["jobs", "show", "999999"]) == 2
    assert "no job 999999" in capsys.readouterr().err


def test_versions_lists_this_builds_sequences_and_flags_jobs_it_cannot_run(
    jobs: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs", "versions"]) == 0
    captured = capsys.readouterr()
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in captured.out.splitlines()[1:]}
    assert rows[("meeting_ended", "4")] == ["newest", "0", "runs"]
    assert ("meeting_ended", "3") in rows  # kept while jobs may wait at its gates
    assert rows[("unknown_kind", "0")] == ["MISSING", "1", "waits"]  # waiting for its sequence
    assert "wait for a process that has it" in captured.err and "fail when" not in captured.err
    assert main(["jobs", "versions", "--json"]) == 0
    parsed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"sequence": "unknown_kind", "version": 0, "unfinished_jobs": 1, "in_build": False,
            "newest": False, "when_claimed": "waits"} in parsed  # fmt: skip
