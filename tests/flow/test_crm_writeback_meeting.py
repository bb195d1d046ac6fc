"""End to end through the recorder webhook and `meeting_ended` with the org connected to a
HubSpot portal (the loopback fake): approving the CRM card moves the deal's stage, the meeting
and its recap note are on the deal; approving the tasks adds them as HubSpot tasks; a
second approval adds no second meeting or note. The meeting and its note are logged after every
recorded call, approved or not, once even when the call is run again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlmodel import select

from orchestrator.events import Decision, Event
from storage import hubspot
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import SequenceJob
from tests.fakes.hubspot_server import PORTAL_ID, FakeHubSpot
from tests.flow.post_meeting_world import NOW, SARAH, World, acme_pilot_call, make_world


async def connected_world(db: Database, tmp_path: Path) -> tuple[World, FakeHubSpot, str, str]:
    """The post-meeting world connected to the fake portal, its deal and Sarah linked."""
    fake = await FakeHubSpot(clock=lambda: NOW.timestamp()).start()
    key = Fernet.generate_key()
    w = await make_world(db, tmp_path, encryption_key=key.decode(), hubspot_api_base=fake.url)
    fake.add_pipeline("deals", "default", "Sales Pipeline", [
        ("demo1", "Demo", {"isClosed": "false", "probability": "0.3"}),
        ("prop1", "Proposal", {"isClosed": "false", "probability": "0.6"}),
    ])  # fmt: skip
    old = NOW - timedelta(days=30)
    deal = fake.seed("deals", {"dealname": "Acme pilot", "dealstage": "demo1",
                               "pipeline": "default"}, modified_at=old)  # fmt: skip
    sarah = fake.seed("contacts", {"email": SARAH, "firstname": "Sarah"}, modified_at=old)
    async with db.transaction() as s:
        await hubspot.save_connection(
            s, cipher=TokenCipher(key), org_id=w.ids["org"], portal_id=str(PORTAL_ID),
            auth_kind=hubspot.SERVICE_KEY, access_token=fake.static_token,
            refresh_token=None, expires_at=None, scopes=(), connected_by=w.ids["alex"],
            now=NOW,
        )  # fmt: skip
        await hubspot.link(s, w.ids["org"], "deal", w.ids["deal"], deal)
        await hubspot.link(s, w.ids["org"], "contact", w.ids["sarah"], sarah)
    return w, fake, deal, sarah


async def test_a_call_whose_cards_are_all_skipped_is_logged_in_hubspot_once(
    db: Database, tmp_path: Path
) -> None:
    w, fake, deal, sarah = await connected_world(db, tmp_path)
    try:
        await w.webhook(acme_pilot_call("bot-1"))
        await w.engine.drain()
        pending = [g for g in await w.gates() if g.status == "pending"]
        assert {"email_send", "stage_change", "tasks"} <= {g.kind for g in pending}
        for g in pending:
            assert (await w.engine.resume(g.id, Decision.SKIP, "U1")).ok
        await w.engine.drain()
        assert fake.objects["deals"][deal]["properties"]["dealstage"] == "demo1"  # not approved
        assert not fake.objects.get("tasks")
        notes = list(fake.objects["notes"].values())
        meetings = list(fake.objects["meetings"].values())
        assert len(notes) == 1 and len(meetings) == 1
        assert "Acme" in (notes[0]["properties"]["hs_note_body"] or "")
        assert meetings[0]["properties"]["hs_meeting_title"]
        linked = {(f, t, tid) for f, _fid, t, tid, _c, _n in fake.links}
        assert {("notes", "deals", deal), ("meetings", "deals", deal),
                ("notes", "contacts", sarah), ("meetings", "contacts", sarah)} <= linked  # fmt: skip

        # the same meeting run again (a new job, so no recorded effects): still one of each
        async with db.session() as s:
            job = (await s.exec(select(SequenceJob).where(
                SequenceJob.sequence_type == "meeting_ended"))).one()  # fmt: skip
        await w.engine.submit(Event("meeting_ended", "test", job.org_id, job.user_id,
                                    dict(job.trigger_payload),
                                    idempotency_key="meeting_ended:rerun"))  # fmt: skip
        await w.engine.drain()
        async with db.session() as s:
            jobs = (await s.exec(select(SequenceJob).where(
                SequenceJob.sequence_type == "meeting_ended"))).all()  # fmt: skip
        assert len(jobs) == 2
        for g in [g for g in await w.gates() if g.status == "pending"]:
            assert (await w.engine.resume(g.id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        assert len(fake.objects["notes"]) == 1 and len(fake.objects["meetings"]) == 1
    finally:
        await w.client.close()
        await fake.stop()


async def test_approved_crm_card_puts_stage_meeting_note_and_tasks_in_hubspot(
    db: Database, tmp_path: Path
) -> None:
    w, fake, deal, sarah = await connected_world(db, tmp_path)
    try:
        await w.webhook(acme_pilot_call("bot-1"))
        await w.engine.drain()
        gates = {g.kind: g for g in await w.gates() if g.status == "pending"}
        assert {"stage_change", "tasks"} <= set(gates)

        assert (await w.engine.resume(gates["stage_change"].id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        assert fake.objects["deals"][deal]["properties"]["dealstage"] == "prop1"
        notes = list(fake.objects.get("notes", {}).values())
        meetings = list(fake.objects.get("meetings", {}).values())
        assert len(notes) == 1 and len(meetings) == 1
        assert "Acme" in (notes[0]["properties"]["hs_note_body"] or "")
        linked = {(f, t, tid) for f, _fid, t, tid, _c, _n in fake.links}
        assert ("notes", "deals", deal) in linked and ("meetings", "deals", deal) in linked
        assert ("notes", "contacts", sarah) in linked

        assert (await w.engine.resume(gates["tasks"].id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        tasks = list(fake.objects.get("tasks", {}).values())
        assert tasks and all(t["properties"]["hs_task_subject"] for t in tasks)
        assert ("tasks", "deals", deal) in {(f, t, tid) for f, _fid, t, tid, _c, _n in fake.links}
        # the tasks approval found the meeting already recorded: still one meeting, one note
        assert len(fake.objects["notes"]) == 1 and len(fake.objects["meetings"]) == 1
    finally:
        await w.client.close()
        await fake.stop()
