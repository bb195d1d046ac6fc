"""Issue 11, 2.11: no message promises work that no sequence performs. A proposal request by
email says proposal drafts come later and offers a task (added once approved); nothing is queued
for a sequence that does not exist."""

from __future__ import annotations

import json

from orchestrator.events import Decision
from storage.engine import Database
from storage.models import SequenceJob, SlackPendingAction, Task
from tests.flow.test_email_received import World, mail, migrated, posted, push, rows, world  # noqa: F401  (fixtures)

REP = "rep1@example.com"


async def test_proposal_request_offers_a_task_and_queues_nothing(world: World) -> None:  # noqa: F811
    w = world
    w.google.deliver(REP, mail("Could you send over a proposal for 25 seats?", subject="Proposal"))
    await push(w)
    await w.engine.drain()
    [job] = await rows(w, SequenceJob)
    assert job.status == "awaiting_approval" and job.event_chain.get("children") in (None, [])
    told = json.dumps([c["blocks"] for c in posted(w)])
    assert "Proposal drafts are coming in a later release" in told
    assert "Starting a proposal draft" not in told
    [gate] = [p for p in await rows(w, SlackPendingAction) if p.kind == "tasks"]
    assert (await w.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await w.engine.drain()
    [task] = await rows(w, Task)
    assert task.title == "Send a proposal to Dana Buyer (Northwind platform)"
    assert (task.source, task.deal_id, task.user_id) == ("email", w.deal, w.user)
    assert [j.event_type for j in await rows(w, SequenceJob)] == ["email_received"]


async def test_home_says_crm_and_campaign_connections_are_coming(db: Database) -> None:
    from datetime import UTC, datetime

    from blocks.home import home_view
    from services.home import home_model
    from storage.models import User
    from tests.support.sequences import seed_org

    _, [user_id, _] = await seed_org(db)
    async with db.session() as s:
        user = await s.get(User, user_id)
    assert user is not None
    view = home_view(await home_model(db, user, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))).to_dict()
    rows = {b["text"]["text"].split("*")[1]: b for b in view["blocks"]
            if b["type"] == "section" and b["text"]["text"].startswith("*")}  # fmt: skip
    for label in ("HubSpot CRM", "Instantly campaigns"):
        assert (
            "accessory" not in rows[label]
            and "Coming in a later release" in rows[label]["text"]["text"]
        )
    connect = [b["accessory"]["value"] for b in view["blocks"]
               if b.get("accessory", {}).get("action_id") == "home-connect"]  # fmt: skip
    assert connect == ["google", "microsoft"]  # every Connect button leads somewhere
