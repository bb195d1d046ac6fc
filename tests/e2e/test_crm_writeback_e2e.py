"""Issue 17 end to end in the sandbox with the demo HubSpot portal connected (`sandbox_hubspot`):
a meeting ends and its meeting and recap note are in the fake portal before any approval; the rep
links the deal, approves the CRM card and the tasks card in their DM, and the stage move, the
meeting with its note (now also on the deal) and the tasks are in the portal on the deal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from app import Runtime
from blocks.ids import ApprovalAction
from sandbox import hubspot_demo
from storage import hubspot
from storage.models import Deal, Meeting, SlackPendingAction
from tests.e2e.conftest import ALEX, started_app
from tests.flow.post_meeting_world import acme_pilot_call

KEY = "mb-test-key"


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    async with started_app(tmp_path, seeded_template, meetingbaas_api_key=KEY,
                           sandbox_hubspot=True) as runtime:  # fmt: skip
        yield runtime


async def until(predicate: Callable[[], Any], timeout_s: float = 30.0) -> None:
    """Poll `predicate` (the fake portal sends no sandbox change notifications)."""
    for _ in range(int(timeout_s / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the portal never showed the write")


def buttons(message: dict) -> dict[str, dict]:
    out = {}
    for block in message.get("blocks") or []:
        for el in block.get("elements", []) if block.get("type") == "actions" else []:
            out[el["action_id"]] = el
    return out


async def pending(runtime: Runtime, kind: str) -> SlackPendingAction | None:
    assert runtime.db is not None
    async with runtime.db.session() as s:
        rows = (await s.exec(select(SlackPendingAction).where(
            SlackPendingAction.kind == kind, SlackPendingAction.status == "pending"))).all()  # fmt: skip
    return rows[0] if rows else None


async def test_approved_cards_write_stage_meeting_note_and_tasks_to_the_portal(
    app: Runtime,
) -> None:
    fake = app.hubspot_fake
    assert fake is not None
    await asyncio.gather(*hubspot_demo._tasks)  # the demo import has finished
    sb = app.sandbox
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            app.urls["web"] + "/webhooks/meetingbaas",
            json=acme_pilot_call("bot-e2e"),
            headers={"x-meeting-baas-api-key": KEY},
        ) as r,  # fmt: skip
    ):
        assert r.status == 200, await r.text()

    async def gates() -> tuple[SlackPendingAction, SlackPendingAction] | None:
        a, b = await pending(app, "stage_change"), await pending(app, "tasks")
        return (a, b) if a and b and a.message_ts and b.message_ts else None

    for _ in range(200):
        found = await gates()
        if found:
            break
        await asyncio.sleep(0.1)
    assert found, "the CRM and tasks cards were not posted"
    crm_gate, tasks_gate = found

    # the call's deal is a HubSpot deal too (linked as an import would)
    assert app.db is not None
    async with app.db.transaction() as s:
        meeting = (await s.exec(select(Meeting).where(Meeting.deal_id.is_not(None)))).first()  # type: ignore[union-attr]
        assert meeting is not None and meeting.deal_id is not None
        deal = await s.get(Deal, meeting.deal_id)
        assert deal is not None
        # (the demo pipeline has no stage meaning "proposal": this deal is in one that has)
        fake.add_pipeline("deals", "e2e", "Expansion", [
            ("e2e-qual", "Qualified", {"isClosed": "false", "probability": "0.3"}),
            ("e2e-prop", "Proposal Sent", {"isClosed": "false", "probability": "0.6"})])  # fmt: skip
        ext = fake.seed("deals", {"dealname": deal.name, "dealstage": "e2e-qual",
                                  "pipeline": "e2e"})  # fmt: skip
        await hubspot.link(s, deal.org_id, "deal", meeting.deal_id, ext)
    # the meeting and its note were logged when the call ended, before any approval
    assert len(fake.objects["notes"]) == 1 and len(fake.objects["meetings"]) == 1

    def message(ts: str | None) -> dict:
        return next(m for m in sb.dm_messages(ALEX) if m["ts"] == ts)

    card = message(crm_gate.message_ts)
    await sb.click(ALEX, card, ApprovalAction.APPROVE,
                   value=buttons(card)[ApprovalAction.APPROVE]["value"])  # fmt: skip

    def on_deal() -> bool:
        linked = {(f, t, tid) for f, _fid, t, tid, _c, _n in fake.links}
        return ("notes", "deals", ext) in linked and ("meetings", "deals", ext) in linked

    await until(lambda: on_deal() and
                fake.objects["deals"][ext]["properties"]["dealstage"] == "e2e-prop")  # fmt: skip
    note = next(iter(fake.objects["notes"].values()))
    assert "notes by Sixty" in json.dumps(note["properties"])

    card = message(tasks_gate.message_ts)
    await sb.click(ALEX, card, ApprovalAction.APPROVE,
                   value=buttons(card)[ApprovalAction.APPROVE]["value"])  # fmt: skip
    await until(lambda: bool(fake.objects.get("tasks")))
    linked = {(f, t, tid) for f, _fid, t, tid, _c, _n in fake.links}
    assert ("tasks", "deals", ext) in linked
    assert len(fake.objects["notes"]) == 1 and len(fake.objects["meetings"]) == 1
