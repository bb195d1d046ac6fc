"""`calendar_find_times` over the Google path, against the loopback fake Google: options that
respect the rep's synced calendar and the prospect's visible free/busy in both zones (one
free/busy call per search), the invite after approval (attendee, time, Meet link, stored,
idempotent), a slot taken in the meantime, the email draft gate, and explanations with ways
out. The Microsoft Graph path is in test_calendar_find_times_graph.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from blocks.ids import ApprovalAction, ScheduleAction
from config.settings import Settings
from connectors.calendar import GoogleCalendar, NewEvent, provider_for
from connectors.google_calendar import Attendee
from flows.calendar_find_times.sequence import calendar_find_times
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import SequenceRegistry
from skills.timezones import local_label
from storage import connections as repo
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import (
    CalendarEvent,
    CalendarSyncState,
    Company,
    Contact,
    SequenceJob,
    SlackPendingAction,
)
from tests.fakes.google_server import CAL_EVENTS, CAL_FREEBUSY, FakeGoogle
from tests.fakes.instantly_server import WORKSPACE_ID, FakeInstantly
from tests.support.sequences import RecordingDelivery, seed_org, sqlite_copy

NOW = datetime(2026, 1, 13, 8, 0, tzinfo=UTC)  # Tuesday; London on GMT, New York on EST
REP = "rep1@example.com"
TOKEN_EXPIRES = datetime(2099, 1, 1, tzinfo=UTC)  # a fixed expiry no test outlives (google-auth
# checks a token's expiry on the wall clock, so an expiry past in real time would make it refresh)
DANA = "dana@example.com"  # same Workspace: her free/busy is visible
LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


@dataclass
class World:
    db: Database
    engine: Engine
    delivery: RecordingDelivery
    google: FakeGoogle
    settings: Settings
    org_id: int
    rep_id: int
    contact_id: int
    instantly: FakeInstantly

    async def run(self, payload: dict[str, Any], key: str) -> SequenceJob:
        ref = await self.engine.submit(
            Event(type="calendar_find_times", source="slack:command", org_id=self.org_id,
                  user_id=self.rep_id, payload=payload, idempotency_key=key)
        )  # fmt: skip
        assert isinstance(ref, JobRef)
        await self.engine.drain(max_jobs=20)  # bounded: a deferral must not spin forever
        async with self.db.session() as s:
            job = await s.get(SequenceJob, ref.job_id)
        assert job is not None
        return job

    def posted(self) -> list[dict[str, Any]]:
        return [c for m, c in self.delivery.calls if m in ("chat.postMessage", "chat.update")]

    def freebusy_items(self) -> list[list[str]]:
        return [[i["id"] for i in r.json()["items"]] for r in self.google.requests
                if r.route == "calendar.freebusy"]  # fmt: skip


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    google = await FakeGoogle().start()
    instantly = await FakeInstantly().start()
    key = Fernet.generate_key()
    settings = Settings(google_client_id=FakeGoogle.CLIENT_ID,
                        google_client_secret=FakeGoogle.CLIENT_SECRET,
                        encryption_key=key.decode(), data_dir=tmp_path,
                        google_api_base=google.url, instantly_api_base=instantly.url)  # fmt: skip
    db = Database(sqlite_copy(tmp_path))
    org_id, (rep_id,) = await seed_org(db, users=1, timezone="Europe/London")
    scopes = {CAL_EVENTS, CAL_FREEBUSY}
    async with db.transaction() as s:
        company = Company(org_id=org_id, name="Initech", location="Austin, TX")
        s.add(company)
        await s.flush()
        contact = Contact(org_id=org_id, company_id=company.id, name="Dana Diaz", email=DANA,
                          timezone="America/New_York")  # fmt: skip
        s.add(contact)
        await s.flush()
        await repo.save_connection(
            s, cipher=TokenCipher(key), org_id=org_id, user_id=rep_id, provider="google",
            tokens={"access_token": google.issue_token(REP, scopes),
                    "refresh_token": google.issue_refresh_token(REP, scopes),
                    "expires_at": TOKEN_EXPIRES.isoformat()},
            scopes=sorted(scopes), expires_at=None, account_email=REP,
        )  # fmt: skip
        # the rep's calendar is synced: a meeting Tuesday 15:30-16:00 GMT, a tentative one
        # Wednesday 14:00-15:00, and Thursday out of office
        s.add(CalendarSyncState(user_id=rep_id, provider="google", sync_token="sync-1"))
        for ext, start, end, extra in (
            ("m1", NOW.replace(hour=15, minute=30), NOW.replace(hour=16), {}),
            ("t1", NOW.replace(day=14, hour=14), NOW.replace(day=14, hour=15),
             {"show_as": "tentative"}),
            ("ooo", NOW.replace(day=15, hour=0), NOW.replace(day=16, hour=0), {"all_day": True}),
        ):  # fmt: skip
            s.add(CalendarEvent(org_id=org_id, user_id=rep_id, provider="google",
                                external_id=ext, start_at=start, end_at=end, **extra))  # fmt: skip
        contact_id = contact.id or 0
    google.busy[DANA] = [{"start": "2026-01-13T14:00:00Z", "end": "2026-01-13T15:00:00Z"}]
    reg = SequenceRegistry([calendar_find_times])
    delivery = RecordingDelivery()
    engine = Engine(db, settings, delivery, reg, clock=lambda: NOW, heartbeat_s=None,
                    listen=False)  # fmt: skip
    try:
        yield World(db, engine, delivery, google, settings, org_id, rep_id, contact_id, instantly)
    finally:
        await instantly.stop()
        await google.stop()
        await db.dispose()


def _overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime], pad: timedelta) -> bool:
    return a[0] < b[1] + pad and b[0] < a[1] + pad


async def test_options_respect_both_calendars_and_zones(world: World) -> None:
    job = await world.run({"contact_id": world.contact_id}, "t:offer")
    assert job.status == "completed", job.error
    found = job.context["outputs"]["find_times"]
    assert found["provider"] == "google" and found["prospect_visible"] is True
    assert found["prospect_tz"] == "America/New_York"
    assert world.freebusy_items() == [[DANA]]  # one call; the rep's side comes from storage
    options = found["options"]
    assert 3 <= len(options) <= 5
    pad = timedelta(minutes=15)
    rep_busy = (NOW.replace(hour=15, minute=30), NOW.replace(hour=16))
    dana_busy = (NOW.replace(hour=14), NOW.replace(hour=15))
    for o in options:
        span = (datetime.fromisoformat(o["start"]), datetime.fromisoformat(o["end"]))
        assert span[1] - span[0] == timedelta(minutes=30)
        assert not _overlaps(span, rep_busy, pad) and not _overlaps(span, dana_busy, pad)
        local = span[0].astimezone(LONDON)
        assert local.date().isoformat() != "2026-01-15"  # out of office
        end_local = span[1].astimezone(LONDON)
        assert local.hour >= 9 and (end_local.hour, end_local.minute) <= (17, 0)
        ny = span[0].astimezone(NEW_YORK)
        assert 8 <= ny.hour < 18  # their business hours, give or take the flagged stretch
        assert ("early_for_prospect" in o["flags"]) == (ny.hour < 9)
        assert o["prospect_local"].endswith("EST") and o["rep_local"].endswith("GMT")
        tentative = (NOW.replace(day=14, hour=14), NOW.replace(day=14, hour=15))
        if _overlaps(span, tentative, pad):
            assert "tentative_conflict" in o["flags"]
    picker = world.posted()[-1]
    radios = [el for b in picker["blocks"] if b["type"] == "actions" for el in b["elements"]
              if el["action_id"] == ScheduleAction.CHOOSE]  # fmt: skip
    assert [o["text"]["text"].split(" / ")[0] for o in radios[0]["options"]] == [
        local_label(datetime.fromisoformat(o["start"]), LONDON, with_date=True) for o in options
    ]  # rows carry their dates ("Wed 14 Jan 16:30 GMT"), not a weekday alone
    assert "Checked against Dana Diaz's calendar" in json.dumps(picker["blocks"])


async def test_invite_after_approval_creates_the_google_event_once(world: World) -> None:
    offer = await world.run({"contact_id": world.contact_id}, "t:offer")
    chosen = offer.context["outputs"]["find_times"]["options"][0]
    payload = {"contact_id": world.contact_id, "action": "invite", "source_job_id": offer.id,
               "slot": {"start": chosen["start"], "end": chosen["end"]},
               "picker": {"channel": "DU1", "ts": "1700000000.000001"}}  # fmt: skip
    job = await world.run(payload, "t:invite")
    assert job.status == "awaiting_approval"
    assert world.freebusy_items()[-1] == [DANA, REP]  # the re-check also asks for the rep, once
    async with world.db.session() as s:
        gate = (await s.exec(select(SlackPendingAction))).one()
    assert gate.kind == "calendar_invite" and "Dana Diaz" in json.dumps(gate.payload)
    res = await world.engine.resume(gate.id, Decision.APPROVE, "U1")
    assert res.ok, res.message
    await world.engine.drain()
    events = list(world.google.calendar(REP).events.values())
    assert len(events) == 1
    event = events[0]
    assert [a["email"] for a in event["attendees"]] == [DANA]
    assert datetime.fromisoformat(event["start"]["dateTime"]) == datetime.fromisoformat(
        chosen["start"]
    )
    assert event["hangoutLink"].startswith("https://meet.google.com/")
    async with world.db.session() as s:
        stored = (await s.exec(select(CalendarEvent).where(
            CalendarEvent.external_id == event["id"]))).one()  # fmt: skip
        done = await s.get(SequenceJob, job.id)
    assert stored.provider == "google" and stored.contact_id == world.contact_id
    assert done is not None and done.status == "completed"
    assert done.context["outputs"]["create_invite"]["event_id"] == event["id"]
    assert any("Invite sent" in json.dumps(c["blocks"]) and "meet.google.com" in json.dumps(
        c["blocks"]) for c in world.posted() if c.get("ts") == "1700000000.000001")  # fmt: skip
    # the same transaction again (a retry after a crash) finds the event instead of a second one
    provider = await provider_for(world.db, world.settings, world.rep_id)
    assert isinstance(provider, GoogleCalendar)
    tx = f"sixty:{offer.id}:{datetime.fromisoformat(chosen['start']).astimezone(UTC).isoformat()}"
    again = await provider.create_event(NewEvent(
        summary="x", description="", start=datetime.fromisoformat(chosen["start"]),
        end=datetime.fromisoformat(chosen["end"]), tz="Europe/London",
        attendees=(Attendee(DANA),), transaction_id=tx))  # fmt: skip
    assert again.id == event["id"] and len(world.google.calendar(REP).events) == 1


async def test_a_campaign_reply_meeting_booked_is_written_back_to_instantly(world: World) -> None:
    """A search a campaign reply started (`instantly_reply_id`) keeps that id through the picker
    into the invite; once the invite is created the lead is marked Meeting booked (2) in
    Instantly, once, and the stored reply's Instantly value follows."""
    from connectors.instantly_connection import save_api_key
    from storage.crypto import settings_cipher
    from storage.instantly_models import InstantlyReply

    campaign = world.instantly.add_campaign("Q1 outbound", accounts=[REP])
    async with world.db.transaction() as s:
        await save_api_key(s, cipher=settings_cipher(world.settings), org_id=world.org_id,
                           user_id=world.rep_id, api_key=world.instantly.api_key,
                           workspace_id=WORKSPACE_ID)  # fmt: skip
        row = InstantlyReply(org_id=world.org_id, user_id=world.rep_id, campaign_id=campaign,
                             lead_email=DANA, instantly_email_id="em-1", eaccount=REP,
                             i_status=1, category="meeting_request", received_at=NOW)  # fmt: skip
        s.add(row)
        await s.flush()
        reply_id = row.id
    offer = await world.run({"contact_id": world.contact_id, "instantly_reply_id": reply_id},
                            "t:offer")  # fmt: skip
    found = offer.context["outputs"]["find_times"]
    assert found["params"]["instantly_reply_id"] == reply_id  # what the picker's buttons carry
    chosen = found["options"][0]
    payload = {
        **found["params"],
        "action": "invite",
        "source_job_id": offer.id,
        "slot": {"start": chosen["start"], "end": chosen["end"]},
    }  # as handle_invite does
    await world.run(payload, "t:invite")
    assert world.instantly.interest_updates == []  # not before the rep approves the invite
    async with world.db.session() as s:
        gate = (await s.exec(select(SlackPendingAction))).one()
    assert (await world.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await world.engine.drain()
    assert len(world.google.calendar(REP).events) == 1
    assert world.instantly.interest_updates == [
        {"lead_email": DANA, "interest_value": 2, "campaign_id": campaign}
    ]
    async with world.db.session() as s:
        stored = await s.get(InstantlyReply, reply_id)
    assert stored is not None and stored.i_status == 2


async def test_skipped_invite_books_nothing(world: World) -> None:
    offer = await world.run({"contact_id": world.contact_id}, "t:offer")
    chosen = offer.context["outputs"]["find_times"]["options"][0]
    job = await world.run({"contact_id": world.contact_id, "action": "invite",
                           "source_job_id": offer.id,
                           "slot": {"start": chosen["start"], "end": chosen["end"]}}, "t:skip")  # fmt: skip
    async with world.db.session() as s:
        gate = (await s.exec(select(SlackPendingAction))).one()
    assert gate.step_name == "create_invite"
    assert (await world.engine.resume(gate.id, Decision.SKIP, "U1")).ok
    await world.engine.drain()
    async with world.db.session() as s:
        done = await s.get(SequenceJob, job.id)
    assert done is not None and done.status == "completed", done.error
    assert "create_invite" not in done.context["outputs"]
    assert not world.google.calendar(REP).events


async def test_each_action_runs_its_own_mode() -> None:
    """The payload's `action` picks the mode; anything else offers times."""
    from flows.calendar_find_times.sequence import Mode, mode_of

    assert mode_of({"action": "invite"}) is Mode.INVITE
    assert mode_of({"action": "email"}) is Mode.EMAIL
    assert mode_of({}) is Mode.OFFER and mode_of({"action": "dance"}) is Mode.OFFER


async def test_slot_taken_meanwhile_offers_the_next_best(world: World) -> None:
    offer = await world.run({"contact_id": world.contact_id}, "t:offer")
    chosen = offer.context["outputs"]["find_times"]["options"][0]
    world.google.busy[REP] = [{"start": chosen["start"], "end": chosen["end"]}]  # not synced yet
    job = await world.run({"contact_id": world.contact_id, "action": "invite",
                           "source_job_id": offer.id,
                           "slot": {"start": chosen["start"], "end": chosen["end"]}}, "t:taken")  # fmt: skip
    assert job.status == "completed"
    checked = job.context["outputs"]["check_slot"]
    assert checked["taken"] is True and checked["options"]
    assert chosen["start"] not in [o["start"] for o in checked["options"]]
    assert "was just taken" in json.dumps(world.posted()[-1]["blocks"])
    async with world.db.session() as s:
        assert not (await s.exec(select(SlackPendingAction))).all()
    assert not world.google.calendar(REP).events


async def test_send_times_by_email_is_a_draft_behind_the_email_gate(world: World) -> None:
    offer = await world.run({"contact_id": world.contact_id}, "t:offer")
    found = offer.context["outputs"]["find_times"]
    job = await world.run({"contact_id": world.contact_id, "action": "email",
                           "source_job_id": offer.id, "options": found["options"][:3],
                           "prospect_tz": found["prospect_tz"]}, "t:email")  # fmt: skip
    assert job.status == "awaiting_approval"
    async with world.db.session() as s:
        gate = (await s.exec(select(SlackPendingAction))).one()
    draft = gate.payload["draft"]
    assert gate.kind == "email_send" and draft["to"] == [DANA]
    first = datetime.fromisoformat(found["options"][0]["start"]).astimezone(NEW_YORK)
    assert first.strftime("%H:%M") in draft["body"] and "EST" in draft["body"]
    shown = json.dumps(world.posted()[-1]["blocks"])
    assert ApprovalAction.APPROVE in shown and DANA in shown
    # approved: handed to the email-send flow; without send permission the rep gets a copy
    assert (await world.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await world.engine.drain()
    async with world.db.session() as s:
        done = await s.get(SequenceJob, job.id)
    assert done is not None and done.status == "completed", done.error
    assert done.context["outputs"]["send_times_email"]["fallback"]


async def test_no_overlap_is_explained_with_ways_out_that_work(world: World) -> None:
    async with world.db.transaction() as s:
        contact = await s.get(Contact, world.contact_id)
        assert contact is not None
        contact.timezone = "Asia/Tokyo"  # 09:00-17:00 JST is 00:00-08:00 GMT
        s.add(contact)
    job = await world.run({"contact_id": world.contact_id}, "t:tokyo")
    found = job.context["outputs"]["find_times"]
    assert not found["options"]
    assert any("don't overlap" in r for r in found["reasons"])
    codes = [w["code"] for w in found["ways_out"]]
    assert "allow_outside_hours" in codes
    blocks = json.dumps(world.posted()[-1]["blocks"])
    assert ScheduleAction.WAY_OUT in blocks and "don't overlap" in blocks
    way = next(w for w in found["ways_out"] if w["code"] == "allow_outside_hours")
    again = await world.run({"contact_id": world.contact_id, **way["params"]}, "t:outside")
    options = again.context["outputs"]["find_times"]["options"]
    assert options and all("outside_prospect_hours" in o["flags"] for o in options)


async def test_timezone_from_company_location_else_asked(world: World) -> None:
    async with world.db.transaction() as s:
        contact = await s.get(Contact, world.contact_id)
        assert contact is not None
        contact.timezone = None
        s.add(contact)
    job = await world.run({"contact_id": world.contact_id}, "t:loc")
    found = job.context["outputs"]["find_times"]
    assert (found["prospect_tz"], found["tz_source"]) == ("America/Chicago", "company_location")
    job = await world.run({"email": "someone@elsewhere.example"}, "t:unknown")
    found = job.context["outputs"]["find_times"]
    assert found["prospect_tz"] is None and found["options"]
    blocks = json.dumps(world.posted()[-1]["blocks"])
    assert ScheduleAction.TIMEZONE in blocks and "time zone" in blocks


async def test_quiet_hours_defer_proactive_pickers_but_not_ones_asked_for(world: World) -> None:
    from datetime import time

    from storage.models import UserPreferences

    async with world.db.transaction() as s:
        prefs = await s.get(UserPreferences, world.rep_id)
        assert prefs is not None
        prefs.quiet_hours_start, prefs.quiet_hours_end = time(7), time(9)  # NOW is 08:00 GMT
        s.add(prefs)
    asked = await world.run({"contact_id": world.contact_id, "requested": "slack"}, "t:asked")
    assert asked.status == "completed" and len(world.posted()) == 1
    ref = await world.engine.submit(
        Event(type="calendar_find_times", source="orchestrator:chain", org_id=world.org_id,
              user_id=world.rep_id, payload={"contact_id": world.contact_id}, idempotency_key="q")
    )  # fmt: skip
    assert isinstance(ref, JobRef)
    for _ in range(3):  # (run_after is on the real clock, quiet hours on the test's)
        await world.engine.run_once()
    async with world.db.session() as s:
        queued = await s.get(SequenceJob, ref.job_id)
    assert queued is not None and queued.status != "completed"
    assert len(world.posted()) == 1  # the proactive one waits for 09:00
