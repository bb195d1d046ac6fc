"""Issue 11, 2.11: no message promises work that no sequence performs. A proposal request by
email starts the proposal job (issue 14), which runs: without a library it says so."""

from __future__ import annotations

import json

from storage.engine import Database
from storage.models import SequenceJob, Task
from tests.flow.test_email_received import World, mail, migrated, posted, push, rows, world  # noqa: F401  (fixtures)

REP = "rep1@example.com"


async def test_a_proposal_request_starts_a_proposal_job_that_runs(world: World) -> None:  # noqa: F811
    w = world
    w.google.deliver(REP, mail("Could you send over a proposal for 25 seats?", subject="Proposal"))
    await push(w)
    await w.engine.drain()
    jobs = {j.event_type: j for j in await rows(w, SequenceJob)}
    assert set(jobs) == {"email_received", "proposal_generation"}
    assert jobs["email_received"].status == "completed"
    # no job waits for a sequence nobody runs: this org has no proposal library, and says so
    assert jobs["proposal_generation"].status == "completed"
    told = json.dumps([c["blocks"] or c["text"] for c in posted(w)])
    assert "Drafting a proposal" in told and "sixty library import" in told
    assert await rows(w, Task) == []


async def test_home_says_campaign_connections_are_coming_and_crm_is_the_admins(
    db: Database,
) -> None:
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
    assert (
        "accessory" not in rows["Instantly campaigns"]
        and "Coming in a later release" in rows["Instantly campaigns"]["text"]["text"]
    )
    # HubSpot is one connection per workspace: a rep sees its status, the buttons are the admins'
    assert "accessory" not in rows["HubSpot CRM"]
    assert "an admin connects it" in rows["HubSpot CRM"]["text"]["text"]
    connect = [b["accessory"]["value"] for b in view["blocks"]
               if b.get("accessory", {}).get("action_id") == "home-connect"]  # fmt: skip
    assert connect == ["google", "microsoft"]  # every Connect button leads somewhere
