"""`calendar_find_times` over the Microsoft Graph path, against the loopback fake Graph: a rep
with a Microsoft 365 connection gets options that avoid the prospect's visible schedule
(getSchedule, one call) and, after approval, a Teams invite created once (transactionId)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from config.settings import Settings
from flows.calendar_find_times.sequence import calendar_find_times
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import SequenceRegistry
from storage import connections as repo
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import CalendarEvent, Contact, SequenceJob, SlackPendingAction
from tests.fakes.graph_server import FakeGraph
from tests.support.sequences import RecordingDelivery, seed_org, sqlite_copy

NOW = datetime(2026, 1, 13, 8, 0, tzinfo=UTC)  # Tuesday
REP = "rep1@example.com"
LEE = "lee@example.com"


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Database, Engine, FakeGraph, int, int, int]]:
    graph = await FakeGraph().start()
    key = Fernet.generate_key()
    settings = Settings(encryption_key=key.decode(), data_dir=tmp_path,
                        graph_api_base=graph.graph_base)  # fmt: skip
    db = Database(sqlite_copy(tmp_path))
    org_id, (rep_id,) = await seed_org(db, users=1, timezone="Europe/London")
    scopes = {"Calendars.ReadWrite", "Mail.Send", "User.Read"}
    async with db.transaction() as s:
        contact = Contact(org_id=org_id, name="Lee Park", email=LEE, timezone="America/New_York")
        s.add(contact)
        await s.flush()
        await repo.save_connection(
            s, cipher=TokenCipher(key), org_id=org_id, user_id=rep_id, provider="microsoft",
            tokens={"access_token": graph.issue_token(REP, scopes)}, scopes=sorted(scopes),
            expires_at=None, account_email=REP,
        )  # fmt: skip
        contact_id = contact.id or 0
    reg = SequenceRegistry([calendar_find_times])
    engine = Engine(db, settings, RecordingDelivery(), reg, clock=lambda: NOW, heartbeat_s=None,
                    listen=False)  # fmt: skip
    try:
        yield db, engine, graph, org_id, rep_id, contact_id
    finally:
        await graph.stop()
        await db.dispose()


async def _run(engine: Engine, db: Database, org_id: int, rep_id: int, payload: dict,
               key: str) -> SequenceJob:  # fmt: skip
    ref = await engine.submit(Event(type="calendar_find_times", source="slack:command",
                                    org_id=org_id, user_id=rep_id, payload=payload,
                                    idempotency_key=key))  # fmt: skip
    assert isinstance(ref, JobRef)
    await engine.drain()
    async with db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
    assert job is not None
    return job


async def test_graph_schedule_and_teams_invite(setup: tuple) -> None:
    db, engine, graph, org_id, rep_id, contact_id = setup
    # Lee is busy Tuesday 14:00-17:00 GMT (09:00-12:00 EST); the rep (not synced yet) 17:00-ish
    graph.add_event(LEE, NOW.replace(hour=14), NOW.replace(hour=17))
    graph.add_event(REP, NOW.replace(day=14, hour=14), NOW.replace(day=14, hour=16))
    offer = await _run(engine, db, org_id, rep_id, {"contact_id": contact_id}, "g:offer")
    found = offer.context["outputs"]["find_times"]
    assert found["provider"] == "microsoft" and found["prospect_visible"] is True
    calls = [r for r in graph.requests if r.route == "calendar.getSchedule"]
    assert len(calls) == 1 and sorted(calls[0].json()["schedules"]) == sorted([LEE, REP])
    pad = timedelta(minutes=15)
    blocked = [(NOW.replace(hour=14), NOW.replace(hour=17)),
               (NOW.replace(day=14, hour=14), NOW.replace(day=14, hour=16))]  # fmt: skip
    assert found["options"]
    for o in found["options"]:
        start, end = datetime.fromisoformat(o["start"]), datetime.fromisoformat(o["end"])
        assert all(end + pad <= b0 or start >= b1 + pad for b0, b1 in blocked)

    chosen = found["options"][0]
    job = await _run(engine, db, org_id, rep_id,
                     {"contact_id": contact_id, "action": "invite", "source_job_id": offer.id,
                      "slot": {"start": chosen["start"], "end": chosen["end"]}}, "g:invite")  # fmt: skip
    assert job.status == "awaiting_approval"
    async with db.session() as s:
        gate = (await s.exec(select(SlackPendingAction))).one()
    assert (await engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert len(graph.events) == 1
    event = graph.events[0]
    assert [a["emailAddress"]["address"] for a in event["attendees"]] == [LEE]
    assert event["isOnlineMeeting"] is True and event["onlineMeeting"]["joinUrl"]
    assert event["transactionId"]
    async with db.session() as s:
        stored = (await s.exec(select(CalendarEvent).where(
            CalendarEvent.provider == "microsoft"))).one()  # fmt: skip
    assert stored.start_at == datetime.fromisoformat(chosen["start"])
