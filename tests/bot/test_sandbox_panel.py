"""Sandbox panel actions called directly: the morning brief and the inbound email go to the
orchestrator as the selected rep's events; an unknown rep or one without a reachable contact
gets a line saying what to do."""

from __future__ import annotations

from bot.sandbox_panel import email_received_handler, morning_brief_now_handler
from orchestrator.events import EventSource, EventType
from storage.models import Contact, Deal
from tests.bot.conftest import NOW, World


async def test_morning_brief_now_submits_the_reps_brief(world: World) -> None:
    said = await morning_brief_now_handler(world.deps)("U2")
    [event] = world.orchestrator.events
    assert (event.type, event.user_id, event.payload) == (EventType.MORNING_BRIEF, world.rep_id,
                                                          {"requested": True, "panel": True})  # fmt: skip
    assert event.idempotency_key.startswith(f"morning_brief:{world.rep_id}:2026-11-23:panel:")
    assert said == "Morning brief started for Rep. Watch the DM."
    assert await morning_brief_now_handler(world.deps)("U9") == "Pick one of the demo reps first."


async def test_email_received_writes_from_the_reps_latest_deal(world: World) -> None:
    handler = email_received_handler(world.deps)
    assert await handler("U2") == "This rep has no deal with a contact to hear from."
    async with world.deps.db.transaction() as s:
        dana = Contact(org_id=world.org_id, name="Dana Reyes", email="dana@prospect.test")
        s.add(dana)
        await s.flush()
        s.add(Deal(org_id=world.org_id, owner_id=world.rep_id, name="Granite", primary_contact_id=dana.id,
                   updated_at=NOW))  # fmt: skip
    said = await handler("U2")
    [event] = world.orchestrator.events
    assert (event.type, event.source, event.user_id) == (EventType.EMAIL_RECEIVED, EventSource.WEBHOOK_EMAIL,
                                                         world.rep_id)  # fmt: skip
    assert "From: Dana Reyes <dana@prospect.test>" in event.payload["raw"]
    assert said == "Dana Reyes replied about “Granite”. Watch Rep's DM for the reply draft."
