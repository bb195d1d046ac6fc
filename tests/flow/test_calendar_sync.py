"""Calendar sync into `calendar_events` against the loopback fakes: Google sync tokens (first
full sync, incremental changes and cancellations, 410 -> full resync), push channel opening and
renewal before expiry (with its token), the calendar cron and the `calendar_changed` sequence,
and Microsoft Graph delta."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from config.settings import Settings
from connectors.google_calendar import Attendee, GoogleCalendarClient
from flows.calendar_sync.crons import cron_specs
from flows.calendar_sync.sequence import calendar_changed
from flows.calendar_sync.sync import ensure_channel, sync_calendar
from orchestrator.engine import Engine
from orchestrator.events import JobRef
from orchestrator.sequence import SequenceRegistry
from storage import connections as repo
from storage.crypto import TokenCipher, settings_cipher
from storage.engine import Database
from storage.models import CalendarEvent, CalendarSyncState, SequenceJob
from tests.fakes.google_server import CAL_EVENTS, FakeGoogle
from tests.fakes.graph_server import FakeGraph
from tests.support.sequences import RecordingDelivery, seed_org, sqlite_copy

REP = "rep1@example.com"
START = datetime(2026, 1, 13, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass
class Env:
    db: Database
    settings: Settings
    google: FakeGoogle
    graph: FakeGraph
    cipher: TokenCipher
    org_id: int
    rep_id: int

    async def connect(self, provider: str) -> None:
        scopes = {CAL_EVENTS} if provider == "google" else {"Calendars.ReadWrite"}
        fake = self.google if provider == "google" else self.graph
        tokens = {"access_token": fake.issue_token(REP, scopes),
                  "refresh_token": fake.issue_refresh_token(REP, scopes)}  # fmt: skip
        async with self.db.transaction() as s:
            await repo.save_connection(s, cipher=self.cipher, org_id=self.org_id,
                                       user_id=self.rep_id, provider=provider, tokens=tokens,
                                       scopes=sorted(scopes), expires_at=None, account_email=REP)  # fmt: skip

    async def stored(self, provider: str = "google") -> dict[str, CalendarEvent]:
        async with self.db.session() as s:
            rows = (await s.exec(select(CalendarEvent).where(
                CalendarEvent.provider == provider))).all()  # fmt: skip
        return {r.external_id: r for r in rows}

    async def state(self, provider: str = "google") -> CalendarSyncState:
        async with self.db.session() as s:
            return (await s.exec(select(CalendarSyncState).where(
                CalendarSyncState.provider == provider))).one()  # fmt: skip


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    google, graph = await FakeGoogle().start(), await FakeGraph().start()
    key = Fernet.generate_key()
    settings = Settings(google_client_id=FakeGoogle.CLIENT_ID,
                        google_client_secret=FakeGoogle.CLIENT_SECRET, encryption_key=key.decode(),
                        data_dir=tmp_path, google_api_base=google.url,
                        graph_api_base=graph.graph_base,
                        public_base_url="https://sixty.test")  # fmt: skip
    db = Database(sqlite_copy(tmp_path))
    org_id, (rep_id,) = await seed_org(db, users=1, timezone="Europe/London")
    try:
        yield Env(db, settings, google, graph, TokenCipher(key), org_id, rep_id)
    finally:
        await google.stop()
        await graph.stop()
        await db.dispose()


async def _insert(env: Env, hours: int, summary: str = "Call") -> str:
    client = GoogleCalendarClient(env.google.credentials(REP, {CAL_EVENTS}),
                                  endpoint=env.google.calendar_endpoint)  # fmt: skip
    made = await client.insert_event(
        summary=summary, description="", start=START + timedelta(hours=hours),
        end=START + timedelta(hours=hours, minutes=30), tz="Europe/London",
        attendees=[Attendee("x@partner.example")], request_id=f"r{hours}", with_meet=False,
    )  # fmt: skip
    return made.id


async def test_google_sync_tokens_changes_cancellations_and_410(env: Env) -> None:
    await env.connect("google")
    a, b = await _insert(env, 0), await _insert(env, 2)
    first = await sync_calendar(env.db, env.settings, env.rep_id)
    assert first["full"] is True and first["upserted"] == 2
    stored = await env.stored()
    assert set(stored) == {a, b} and stored[a].is_external
    token = (await env.state()).sync_token
    assert token

    # a move, a cancellation, an all-day out-of-office, a tentative reply: incremental
    env.google.change_event(REP, a, start={"dateTime": "2026-01-14T10:00:00Z"},
                            end={"dateTime": "2026-01-14T11:00:00Z"})  # fmt: skip
    env.google.change_event(REP, b, status="cancelled")
    c = await _insert(env, 4)
    env.google.change_event(REP, c, start={"date": "2026-01-15"}, end={"date": "2026-01-16"},
                            eventType="outOfOffice")  # fmt: skip
    d = await _insert(env, 6)
    env.google.change_event(REP, d, attendees=[{"email": REP, "self": True,
                                                "responseStatus": "tentative"}])  # fmt: skip
    second = await sync_calendar(env.db, env.settings, env.rep_id)
    assert second["full"] is False and second["changes"] == 4
    stored = await env.stored()
    assert set(stored) == {a, c, d}
    assert stored[a].start_at == datetime(2026, 1, 14, 10, tzinfo=UTC)
    assert stored[c].all_day and stored[c].show_as == "oof"
    assert stored[d].show_as == "tentative"
    assert (await env.state()).sync_token != token

    # the token expires (410): a full resync replaces what was stored
    async with env.db.transaction() as s:
        s.add(CalendarEvent(org_id=env.org_id, user_id=env.rep_id, provider="google",
                            external_id="stale", start_at=START, end_at=START))  # fmt: skip
    env.google.expire_sync_tokens(REP)
    third = await sync_calendar(env.db, env.settings, env.rep_id)
    assert third["full"] is True
    assert set(await env.stored()) == {a, c, d}


async def test_channel_opened_renewed_before_expiry_and_cron(env: Env) -> None:
    await env.connect("google")
    now = NOW
    (spec,) = cron_specs(SimpleNamespace(db=env.db))
    (event,) = await spec.events(now)
    assert event.type == "calendar_changed" and event.payload["renew"] is True

    opened = await ensure_channel(env.db, env.settings, env.rep_id, now)
    assert opened["channel"] == "opened"
    state = await env.state()
    channel = env.google.channels[state.channel_id or ""]
    cipher = settings_cipher(env.settings)
    assert state.channel_token and channel["token"] not in state.channel_token  # stored sealed
    assert cipher.reveal(state.channel_token) == channel["token"] and len(channel["token"]) >= 32
    assert channel["address"] == "https://sixty.test/webhooks/google-calendar"
    assert state.resource_id == channel["resourceId"]
    assert (await ensure_channel(env.db, env.settings, env.rep_id, now))["channel"] == "current"
    (event,) = await spec.events(now)
    assert event.payload["renew"] is False

    # within a day of expiry: a new channel with a new token; the old one is stopped
    later = (state.expires_at or now) - timedelta(hours=2)
    renewed = await ensure_channel(env.db, env.settings, env.rep_id, later)
    assert renewed["channel"] == "renewed"
    fresh = await env.state()
    assert fresh.channel_id != state.channel_id
    assert cipher.reveal(fresh.channel_token) != cipher.reveal(state.channel_token)
    assert state.channel_id not in env.google.channels and fresh.channel_id in env.google.channels


async def test_calendar_changed_sequence_syncs_the_named_state(env: Env) -> None:
    await env.connect("google")
    await _insert(env, 0)
    async with env.db.transaction() as s:
        st = CalendarSyncState(user_id=env.rep_id, provider="google", channel_id="c1")
        s.add(st)
        await s.flush()
        state_id = st.id
    reg = SequenceRegistry([calendar_changed])
    engine = Engine(env.db, env.settings, RecordingDelivery(), reg, heartbeat_s=None, listen=False)
    from orchestrator.events import Event

    ref = await engine.submit(Event(type="calendar_changed", source="webhook:calendar",
                                    org_id=env.org_id, user_id=env.rep_id,
                                    payload={"provider": "google", "sync_state_id": state_id},
                                    idempotency_key="calendar_changed:google:c1:1"))  # fmt: skip
    await engine.drain()
    assert len(await env.stored()) == 1
    assert isinstance(ref, JobRef)
    async with env.db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
    assert job is not None and job.status == "completed", job.error
    assert job.context["outputs"]["sync"]["synced"] is True
    assert "channel" not in job.context["outputs"]  # no `renew`: the channel is left alone


async def test_graph_delta_sync_and_expired_delta(env: Env) -> None:
    await env.connect("microsoft")
    now = NOW
    one = env.graph.add_event(REP, now + timedelta(days=1), now + timedelta(days=1, hours=1))
    two = env.graph.add_event(REP, now + timedelta(days=2), now + timedelta(days=2, hours=1),
                              show_as="tentative")  # fmt: skip
    first = await sync_calendar(env.db, env.settings, env.rep_id, provider_name="microsoft",
                                clock=lambda: NOW)  # fmt: skip
    assert first["full"] is True
    stored = await env.stored("microsoft")
    assert set(stored) == {one, two} and stored[two].show_as == "tentative"
    env.graph.remove_event(REP, one)
    second = await sync_calendar(env.db, env.settings, env.rep_id, provider_name="microsoft",
                                 clock=lambda: NOW)  # fmt: skip
    assert second["full"] is False
    assert set(await env.stored("microsoft")) == {two}
    env.graph.expire_delta_tokens(REP)
    third = await sync_calendar(env.db, env.settings, env.rep_id, provider_name="microsoft",
                                clock=lambda: NOW)  # fmt: skip
    assert third["full"] is True and set(await env.stored("microsoft")) == {two}


async def test_cron_syncs_each_connected_calendar_with_its_own_provider(env: Env) -> None:
    """A rep on Microsoft 365 is synced by the cron as a Microsoft rep (delta), and a rep with
    both connections gets one event, key and series per provider; only Google renews channels."""
    await env.connect("google")
    await env.connect("microsoft")
    one = env.graph.add_event(REP, NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    (spec,) = cron_specs(SimpleNamespace(db=env.db))
    events = sorted(await spec.events(NOW), key=lambda e: e.payload["provider"])
    assert [(e.payload["provider"], e.payload["renew"]) for e in events] == [
        ("google", True),
        ("microsoft", False),
    ]
    assert len({e.idempotency_key for e in events}) == 2
    assert len({e.payload["series"] for e in events}) == 2
    reg = SequenceRegistry([calendar_changed])
    engine = Engine(env.db, env.settings, RecordingDelivery(), reg, clock=lambda: NOW,
                    heartbeat_s=None, listen=False)  # fmt: skip
    ref = await engine.submit(events[1])
    await engine.drain()
    assert set(await env.stored("microsoft")) == {one}
    assert isinstance(ref, JobRef)
    async with env.db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
    assert job is not None and job.status == "completed", job.error
