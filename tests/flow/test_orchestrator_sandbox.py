"""An approval gate through the real slack_sdk client against the sandbox Slack on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from connectors.slack import SlackDelivery
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event
from orchestrator.sequence import ApprovalKind, sequence
from orchestrator.workflow import Workflow
from storage.engine import Database
from tests.support.sequences import noop, noop_registry, seed_org, sqlite_copy

sandbox = pytest.importorskip("sandbox.server")


async def test_gate_posts_updates_and_survives_a_429(tmp_path: Path) -> None:
    sb = sandbox.Sandbox(team_name="Acme", users=[{"name": "rep1", "id": "U1"}])
    await sb.start(host="127.0.0.1", port=0)
    db = Database(sqlite_copy(tmp_path))
    try:
        org, users = await seed_org(db, users=1)
        reg = noop_registry()

        async def draft(ctx: StepContext) -> dict[str, Any]:
            return {"title": "Send the follow-up?", "text": "Hi Ana, thanks for today."}

        @sequence("followup", version=1)
        async def followup(wf: Workflow) -> None:
            shown = await wf.step(draft)
            decision = await wf.approval(ApprovalKind.GENERIC, shown, name="send")
            if decision.approved:
                await wf.step(noop, name="send", approval=decision)

        reg.add(followup)
        delivery = SlackDelivery(token=sb.bot_token, base_url=sb.api_url)
        engine = Engine(db, Settings(), delivery, reg, heartbeat_s=None)
        sb.rate_limit("chat.postMessage", times=1, retry_after=1)  # the retry handler waits
        await engine.submit(Event("followup", "test", org, users[0], {"id": "1"}))
        await engine.drain()
        [msg] = sb.dm_messages("U1")
        actions = next(b for b in msg["blocks"] if b["type"] == "actions")
        pending_id = actions["elements"][0]["value"]
        assert len(sb.calls_to("chat.postMessage")) == 2  # 429 first, then posted
        res = await engine.resume(pending_id, Decision.APPROVE, "U1")
        assert res.ok
        await engine.drain()
        [msg] = sb.dm_messages("U1")
        assert "Approved by <@U1> at" in str(msg["blocks"])
        assert all(b["type"] != "actions" for b in msg["blocks"])
        posted = await delivery.post_ephemeral(
            msg.get("channel") or sb.im_channel("U1"), "U1", "hi"
        )
        assert posted.channel and sb.ephemerals("U1")
    finally:
        await db.dispose()
        await sb.stop()
