"""Inbound HubSpot changes against the loopback fake: signed webhooks (v3 over the exact URI)
are accepted, bad signatures, stale timestamps and replays are refused with nothing stored;
a repeated eventId is ignored; out-of-order events converge to HubSpot's current record; the
Webhooks Journal feeds the same path; disconnect stops the sync and keeps the records."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from sqlalchemy import func
from sqlmodel import select

from bot.webhooks import hubspot as hook
from config.settings import Settings
from connectors.hubspot_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_v3
from flows.crm_sync.connection import client_for_org
from flows.crm_sync.import_portal import import_portal
from flows.crm_sync.inbound import poll_journal
from flows.registry import build_registry
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef, Skipped
from storage import hubspot
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.hubspot_models import CrmInboundEvent
from storage.models import Company, Deal, Org, SequenceJob, User
from tests.fakes.hubspot_server import PORTAL_ID, FakeHubSpot
from tests.support.sequences import RecordingDelivery

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()


@dataclass
class Deps:
    db: Database
    settings: Settings
    clock: Callable[[], datetime]
    engine: Engine | None = None

    async def submit(self, event: Event) -> JobRef | Skipped:
        assert self.engine is not None
        return await self.engine.submit(event)


@dataclass
class World:
    db: Database
    fake: FakeHubSpot
    settings: Settings
    clock: Clock
    url: str
    org: int
    ids: dict[str, str]


@pytest.fixture
async def world(db: Database, tmp_path: Path) -> AsyncIterator[World]:
    clock = Clock()
    fake = await FakeHubSpot(clock=clock.epoch).start()
    settings = Settings(_env_file=None, hubspot_api_base=fake.url, hubspot_client_id=fake.client_id,
                        hubspot_client_secret=fake.app_secret,
                        encryption_key=Fernet.generate_key().decode(), data_dir=tmp_path)  # fmt: skip
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        s.add(User(org_id=org.id, slack_user_id="U1", email="rep@acme.test", name="Rep"))
        await hubspot.save_connection(
            s, cipher=settings_cipher(settings), org_id=org.id, portal_id=str(PORTAL_ID),
            auth_kind=hubspot.SERVICE_KEY, access_token=fake.static_token, refresh_token=None,
            expires_at=None, scopes=(), connected_by=None, now=NOW,
        )  # fmt: skip
        org_id = org.id
    fake.add_owner("501", 9001, "rep@acme.test", "Rep", "One")
    fake.add_pipeline("deals", "default", "Sales", [
        ("appointmentscheduled", "Appointment Scheduled", {"isClosed": "false"}),
        ("contractsent", "Contract Sent", {"isClosed": "false"}),
    ])  # fmt: skip
    ids = {"co": fake.seed("companies", {"name": "Northwind", "domain": "northwind.test"})}
    ids["deal"] = fake.seed("deals", {"dealname": "Rollout", "amount": "1000",
                                      "dealstage": "appointmentscheduled", "pipeline": "default"})  # fmt: skip
    client = await client_for_org(
        db, settings, settings_cipher(settings), org_id, clock=clock.epoch
    )
    await import_portal(db, client, org_id, clock=clock)
    app = web.Application()
    hook.register_routes(app, Deps(db, settings, clock))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield World(db, fake, settings, clock, str(server.make_url(hook.PATH)), org_id, ids)
    await server.close()
    await fake.stop()


async def deal(w: World) -> Deal:
    async with w.db.session() as s:
        sid = await hubspot.sixty_id_for(s, w.org, "deal", w.ids["deal"])
        row = await s.get(Deal, sid)
    assert row is not None
    return row


async def seen_events(w: World) -> int:
    async with w.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(CrmInboundEvent))).one())


async def test_out_of_order_events_converge_and_a_duplicate_is_ignored(world: World) -> None:
    w = world
    w.fake.edit_in_ui("deals", w.ids["deal"], "amount", "2000", user_id=9001)
    older = w.fake.event("deal.propertyChange", w.ids["deal"], property_name="amount",
                         property_value="2000", event_id=11)  # fmt: skip
    w.clock.now += timedelta(seconds=5)
    w.fake.edit_in_ui("deals", w.ids["deal"], "amount", "3000", user_id=9001)
    newer = w.fake.event("deal.propertyChange", w.ids["deal"], property_name="amount",
                         property_value="3000", event_id=12)  # fmt: skip
    # the newer event arrives first, then the older one: Sixty must end at 3000, not 2000
    assert await w.fake.emit_webhook(w.url, [newer]) == 200
    assert (await deal(w)).amount == 3000.0
    w.clock.now += timedelta(seconds=1)
    assert await w.fake.emit_webhook(w.url, [older]) == 200
    assert (await deal(w)).amount == 3000.0
    # the dealstage is Sixty's: HubSpot's move shows as its label, Sixty's stage stays
    w.fake.edit_in_ui("deals", w.ids["deal"], "dealstage", "contractsent", user_id=9001)
    w.clock.now += timedelta(seconds=1)
    moved = w.fake.event("deal.propertyChange", w.ids["deal"], property_name="dealstage",
                         property_value="contractsent", event_id=13)  # fmt: skip
    assert await w.fake.emit_webhook(w.url, [moved]) == 200
    row = await deal(w)
    assert row.stage == "discovery" and row.properties["hubspot_stage_label"] == "Contract Sent"
    # HubSpot retries event 12 (a new delivery, new signature): dropped by its eventId
    w.fake.edit_in_ui("deals", w.ids["deal"], "amount", "9999", user_id=9001)
    w.clock.now += timedelta(seconds=1)
    assert await w.fake.emit_webhook(w.url, [newer]) == 200
    assert (await deal(w)).amount == 3000.0
    assert await seen_events(w) == 3


async def test_bad_signature_stale_and_replay_are_refused_with_no_side_effect(world: World) -> None:
    w = world
    w.fake.edit_in_ui("companies", w.ids["co"], "name", "Northwind Ltd", user_id=9001)
    ev = w.fake.event("company.propertyChange", w.ids["co"], property_name="name",
                      property_value="Northwind Ltd", event_id=21)  # fmt: skip
    assert await w.fake.emit_webhook(w.url, [ev], secret="not-the-secret") == 401
    stale = int((NOW - timedelta(minutes=6)).timestamp() * 1000)
    assert await w.fake.emit_webhook(w.url, [ev], timestamp_ms=stale) == 401
    # signed over another URI (what a rewriting proxy would cause): refused
    body = json.dumps([ev]).encode()
    now_ms = int(w.clock.epoch() * 1000)
    sig = sign_v3(
        w.fake.app_secret, "POST", "https://elsewhere.test/webhooks/hubspot", body, now_ms
    )
    async with aiohttp.ClientSession() as http:
        async with http.post(w.url, data=body, headers={SIGNATURE_HEADER: sig,
                                                        TIMESTAMP_HEADER: str(now_ms)}) as resp:  # fmt: skip
            assert resp.status == 401
    assert await seen_events(w) == 0
    async with w.db.session() as s:
        names = (await s.exec(select(Company.name))).all()
    assert list(names) == ["Northwind"]
    ts = int(w.clock.epoch() * 1000)
    assert await w.fake.emit_webhook(w.url, [ev], timestamp_ms=ts) == 200
    assert await w.fake.emit_webhook(w.url, [ev], timestamp_ms=ts) == 401  # the same request again
    assert await seen_events(w) == 1
    async with w.db.session() as s:
        assert list((await s.exec(select(Company.name))).all()) == ["Northwind Ltd"]


async def test_a_body_that_is_not_an_array_is_refused(world: World) -> None:
    w = world
    ev = w.fake.event("company.propertyChange", w.ids["co"], event_id=31)
    assert await w.fake.emit_webhook(w.url, ev) == 400  # type: ignore[arg-type]
    assert await seen_events(w) == 0


async def test_journal_feeds_the_same_handler_and_creations_are_imported(world: World) -> None:
    w = world
    new_co = w.fake.seed("companies", {"name": "Globex", "domain": "globex.test"})
    w.fake.edit_in_ui("deals", w.ids["deal"], "dealname", "Rollout phase 2", user_id=9001)
    new_deal = w.fake.seed("deals", {"dealname": "Globex pilot", "dealstage": "contractsent",
                                     "pipeline": "default"})  # fmt: skip
    w.fake.associate("deals", new_deal, "companies", w.ids["co"])
    w.fake.add_journal_entry([w.fake.event("company.creation", new_co, event_id=41),
                              w.fake.event("deal.creation", new_deal, event_id=43)])  # fmt: skip
    w.fake.add_journal_entry([
        w.fake.event("deal.propertyChange", w.ids["deal"], property_name="dealname", event_id=42),
        w.fake.event("deal.propertyChange", w.ids["deal"], property_name="dealname", event_id=42),
    ])  # fmt: skip
    client = await client_for_org(w.db, w.settings, settings_cipher(w.settings), w.org,
                                  clock=w.clock.epoch)  # fmt: skip
    got = await poll_journal(w.db, client, w.org, clock=w.clock)
    assert got.received == 4 and got.duplicates == 1
    assert got.applied == {"company": 1, "deal": 2}
    assert (await deal(w)).name == "Rollout phase 2"
    async with w.db.session() as s:
        assert await hubspot.sixty_id_for(s, w.org, "company", new_co) is not None
        created = await s.get(Deal, await hubspot.sixty_id_for(s, w.org, "deal", new_deal))
        northwind = await hubspot.sixty_id_for(s, w.org, "company", w.ids["co"])
        assert created is not None and created.stage == "negotiation"
        assert created.company_id == northwind is not None  # associations resolved by link
        conn = await hubspot.get_connection(s, w.org)
        assert conn is not None and conn.journal_offset == w.fake.journal[-1][0]
    again = await poll_journal(w.db, client, w.org, clock=w.clock)
    assert again.received == 0


async def test_disconnect_stops_sync_and_keeps_records(world: World) -> None:
    w = world
    async with w.db.transaction() as s:
        assert await hubspot.disconnect(s, w.org, now=NOW)
    w.fake.edit_in_ui("deals", w.ids["deal"], "amount", "5000", user_id=9001)
    ev = w.fake.event("deal.propertyChange", w.ids["deal"], property_name="amount", event_id=51)
    assert await w.fake.emit_webhook(w.url, [ev]) == 200  # acknowledged, nothing applied
    row = await deal(w)
    assert row.amount == 1000.0  # the imported record stays, unchanged
    assert await seen_events(w) == 0
    assert w.fake.calls_to(f"/deals/{w.ids['deal']}", "PATCH") == []


async def test_oauth_install_exchanges_the_code_once_and_refreshes_the_token(
    db: Database, tmp_path: Path
) -> None:
    clock = Clock()
    fake = await FakeHubSpot(clock=clock.epoch).start()
    settings = Settings(_env_file=None, hubspot_api_base=fake.url, hubspot_client_id=fake.client_id,
                        hubspot_client_secret=fake.client_secret, public_base_url="https://sixty.test",
                        hubspot_auth_base="https://app.hubspot.test",
                        encryption_key=Fernet.generate_key().decode(), data_dir=tmp_path)  # fmt: skip
    fake.seed("companies", {"name": "Northwind", "domain": "northwind.test"})
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        admin = User(org_id=org.id or 0, slack_user_id="U1", email="ad@acme.test", name="Ad",
                     role="admin")  # fmt: skip
        s.add(admin)
        await s.flush()
    slack = RecordingDelivery()
    engine = Engine(db, settings, slack, build_registry(), clock=clock, listen=False)
    deps = Deps(db, settings, clock, engine)
    started = await hook.start_install(deps, admin)
    assert started.url is not None and started.url.startswith(
        "https://app.hubspot.test/oauth/authorize?"
    )
    query = parse_qs(urlsplit(started.url).query)
    assert query["redirect_uri"] == ["https://sixty.test/oauth/hubspot/callback"]
    assert set(query["scope"][0].split()) >= {"crm.objects.deals.write", "crm.objects.owners.read"}
    app = web.Application()
    hook.register_routes(app, deps)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        code = fake.issue_code("https://sixty.test/oauth/hubspot/callback")
        url = server.make_url(hook.CALLBACK_PATH).with_query(state=query["state"][0], code=code)
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as resp:
                assert resp.status == 200 and "portal 62515 is connected" in await resp.text()
            async with http.get(url) as resp:  # the state is used up
                assert resp.status == 400 and "already used" in await resp.text()
        async with db.session() as s:  # the install queued one durable import job
            jobs = (await s.exec(select(SequenceJob))).all()
        assert [(j.sequence_type, j.user_id, j.idempotency_key) for j in jobs] == [
            ("crm_import", admin.id, f"crm_import:{org.id}:20261201T090000")
        ]
        assert await engine.drain() == 1
        assert [c["text"] for m, c in slack.calls if m == "chat.postMessage"] == [
            "HubSpot import done: 1 company, 0 contacts, 0 deals; owners matched: 0 of 0."
        ]
        async with db.session() as s:
            row = await hubspot.get_connection(s, org.id or 0)
            assert row is not None and row.auth_kind == hubspot.OAUTH
            assert row.portal_id == str(PORTAL_ID) and row.import_status == "done"
            assert row.access_expires_at == NOW + timedelta(minutes=30)
            sealed_before = row.access_token_sealed
        # 31 minutes later the access token has expired: it is refreshed and stored sealed again
        clock.now += timedelta(minutes=31)
        client = await client_for_org(db, settings, settings_cipher(settings), org.id or 0,
                                      clock=clock.epoch)  # fmt: skip
        assert len(await client.list_objects("companies")) == 1
        assert fake.refreshes == 2  # the install's grant, then one refresh
        async with db.session() as s:
            row = await hubspot.get_connection(s, org.id or 0)
            assert row is not None and row.access_token_sealed != sealed_before
            assert row.access_expires_at == clock.now + timedelta(minutes=30)
    finally:
        await server.close()
        await fake.stop()


async def test_the_journal_cron_applies_the_portals_changes(world: World) -> None:
    """`hubspot:journal` (every 5 minutes) reads every connected portal's journal through the same
    handler; a portal that refuses the key is marked `error` with what to do and not polled again
    until it is reconnected, then the poll reads on from its stored offset."""
    from flows.crm_sync.crons import EVERY_S, cron_specs

    w = world
    [spec] = cron_specs(Deps(w.db, w.settings, w.clock))
    assert spec.id == "hubspot:journal" and spec.trigger.interval.total_seconds() == EVERY_S
    w.fake.edit_in_ui("deals", w.ids["deal"], "dealname", "Rollout, EMEA", user_id=9001)
    w.fake.add_journal_entry([
        w.fake.event("deal.propertyChange", w.ids["deal"], property_name="dealname", event_id=77),
    ])  # fmt: skip
    assert await spec.events(w.clock()) == []  # the poll's work is done in the fire itself
    assert (await deal(w)).name == "Rollout, EMEA"
    assert await seen_events(w) >= 1
    journal = [c.path for c in w.fake.calls if c.path.startswith("/webhooks-journal/")]
    w.fake.fail_next(journal[-1], 401, {"category": "INVALID_AUTHENTICATION"})  # a revoked key
    calls = len(w.fake.calls)
    assert await spec.events(w.clock()) == []  # logged, not raised
    assert [c.path for c in w.fake.calls[calls:]][:1] == [journal[-1]]
    async with w.db.session() as s:
        conn = await hubspot.get_connection(s, w.org)
    assert conn is not None and conn.status == hubspot.ERROR and "reconnect" in conn.status_detail
    calls = len(w.fake.calls)
    await spec.events(w.clock())  # not polled again with a refused key
    assert w.fake.calls[calls:] == []
    async with w.db.transaction() as s:  # an admin reconnects
        conn = await hubspot.get_connection(s, w.org)
        assert conn is not None
        await hubspot.set_status(s, conn, hubspot.ACTIVE, now=w.clock(), detail=None)
    w.fake.edit_in_ui("deals", w.ids["deal"], "dealname", "Rollout, EMEA + APAC", user_id=9001)
    w.fake.add_journal_entry([
        w.fake.event("deal.propertyChange", w.ids["deal"], property_name="dealname", event_id=78),
    ])  # fmt: skip
    await spec.events(w.clock())  # reads on from the stored offset
    assert (await deal(w)).name == "Rollout, EMEA + APAC"
