"""Issue 4 end to end: a recorder webhook leads to the recap and the follow-up approval in the
rep's DM; Send/Edit/Skip work; tasks, commitments and CRM activity exist; no job is queued that no sequence runs."""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from app import Runtime
from blocks.ids import ApprovalAction
from config import load_settings
from orchestrator.events import Decision
from storage.models import Activity, Commitment, SequenceJob, Task
from tests.e2e.conftest import ALEX, e2e_runtime, no_quiet_hours, started_app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads((ROOT / "cli/samples/meeting_ended_v1.json").read_text())
KEY = "mb-test-key"


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    async with started_app(tmp_path, seeded_template, meetingbaas_api_key=KEY) as runtime:
        yield runtime


async def post_webhook(runtime: Runtime, body: dict, key: str = KEY) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            runtime.urls["web"] + "/webhooks/meetingbaas",
            json=body,
            headers={"x-meeting-baas-api-key": key},
        ) as r,
    ):
        return r.status, await r.json()


def buttons(message: dict) -> dict[str, dict]:
    out = {}
    for block in message.get("blocks") or []:
        for el in block.get("elements", []) if block.get("type") == "actions" else []:
            out[el["action_id"]] = el
    return out


def gate_messages(sb, user: str) -> list[dict]:
    return [m for m in sb.dm_messages(user) if ApprovalAction.APPROVE in buttons(m)]


async def jobs(runtime: Runtime) -> list[SequenceJob]:
    async with runtime.db.session() as s:
        return list((await s.exec(select(SequenceJob).order_by(SequenceJob.id))).all())


async def test_transcript_webhook_to_recap_approval_and_send(app: Runtime) -> None:
    sb = app.sandbox
    status, body = await post_webhook(app, SAMPLE)
    assert status == 200, body
    # a duplicate delivery makes no second job
    status, _ = await post_webhook(app, SAMPLE)
    assert status == 200

    await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=20)
    texts = [json.dumps(m) for m in sb.dm_messages(ALEX)]
    recap = next(t for t in texts if "Meeting recap" in t)
    assert "Action items" in recap and "proposal" in recap.lower()
    gate = gate_messages(sb, ALEX)[0]
    assert "sarah.chen@acme.example" in json.dumps(gate)

    await sb.click(
        ALEX, gate, ApprovalAction.APPROVE, value=buttons(gate)[ApprovalAction.APPROVE]["value"]
    )
    await sb.wait_for(
        lambda: any("Follow-up approved" in json.dumps(m) for m in sb.dm_messages(ALEX)), timeout=20
    )

    # the message now says who approved it, and a second resolution changes nothing and says why
    def resolved() -> dict | None:
        message = next(m for m in sb.dm_messages(ALEX) if m["ts"] == gate["ts"])
        return message if "Approved by" in json.dumps(message) else None

    assert ApprovalAction.APPROVE not in buttons(await sb.wait_for(resolved, timeout=20))
    again = await app.engine.resume(
        buttons(gate)[ApprovalAction.APPROVE]["value"], Decision.APPROVE, ALEX
    )
    assert not again.ok and again.message

    all_jobs = await jobs(app)
    meeting_jobs = [j for j in all_jobs if j.sequence_type == "meeting_ended"]
    assert len(meeting_jobs) == 1
    children = {j.sequence_type for j in all_jobs if j.parent_job_id == meeting_jobs[0].id}
    # the promised proposal and the asked-for content start their own jobs, which run
    assert {"proposal_generation", "calendar_find_times"} <= children
    assert all(
        j.status in ("completed", "awaiting_approval", "pending", "running")
        for j in all_jobs
        if j.parent_job_id == meeting_jobs[0].id
    ), [(j.sequence_type, j.status, j.error) for j in all_jobs]
    async with app.db.session() as s:
        activities = (
            await s.exec(
                select(Activity).where(Activity.kind == "meeting", Activity.source == "sixty")
            )
        ).all()
        commitments = (await s.exec(select(Commitment))).all()
        tasks = (await s.exec(select(Task))).all()
    assert len(activities) == 1
    assert any(c.kind == "send_proposal" and c.owner == "rep" and c.due_at for c in commitments)
    assert tasks or [m for m in gate_messages(sb, ALEX) if "task" in json.dumps(m)]


async def test_skip_and_unauthenticated(app: Runtime) -> None:
    sb = app.sandbox
    status, _ = await post_webhook(app, SAMPLE, key="wrong")
    assert status == 401
    assert not await jobs(app)
    other = copy.deepcopy(SAMPLE)
    other["data"]["bot_id"] = "another-bot"
    status, _ = await post_webhook(app, other)
    assert status == 200
    await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=20)
    gate = gate_messages(sb, ALEX)[0]
    await sb.click(
        ALEX, gate, ApprovalAction.SKIP, value=buttons(gate)[ApprovalAction.SKIP]["value"]
    )
    await sb.wait_for(
        lambda: any("Skipped" in json.dumps(m) for m in sb.dm_messages(ALEX)), timeout=20
    )
    await asyncio.sleep(0)


async def test_sandbox_panel_meeting_ended_for_another_rep(
    tmp_path: Path, seeded_template: Path
) -> None:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'sixty.db'}",
        port=0,
        sandbox_port=0,
        data_dir=tmp_path,
        log_format="text",
    )
    await no_quiet_hours(settings.database_url)
    runtime = e2e_runtime(settings)
    await runtime.start()
    try:
        sb = runtime.sandbox
        jamie = "U0SXJAMIE1"
        index = next(i for i, a in enumerate(sb.panel_actions) if a.label == "Meeting ended")
        answer = await sb.run_panel_action(index, jamie)
        assert "Posted" in answer
        await sb.wait_for(lambda: gate_messages(sb, jamie), timeout=20)
        assert any("Meeting recap" in json.dumps(m) for m in sb.dm_messages(jamie))
    finally:
        await runtime.stop()
