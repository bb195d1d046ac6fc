"""`/webhooks/graph` over loopback HTTP, driven by the fake Graph the way Graph does it: the
validationToken handshake when subscriptions are created, change notifications (batched, with
clientState checks), lifecycle notifications, and renewal of what is due."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from sqlmodel import select

from bot.webhooks import graph as graph_webhook
from config import Settings
from connectors.graph import GraphClient
from connectors.graph_adapters import renew_all, subscribe_connection, webhook_urls
from connectors.graph_subscriptions import (
    LIFECYCLE_PATH,
    LIFETIME,
    WEBHOOK_PATH,
    ensure_calendar_subscription,
    ensure_mail_subscription,
    renew_graph_subscriptions,
)
from orchestrator.events import Event, EventType, JobRef, Skipped
from storage import connections as repo
from storage.crypto import TokenCipher, settings_cipher
from storage.engine import Database
from storage.models import CalendarSyncState, Connection, MailboxState, Org, User
from tests.fakes.graph_server import FakeGraph

REP = "ana@contoso.test"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
SCOPES = {"Mail.Read", "Mail.Send", "Calendars.ReadWrite", "User.Read"}


@dataclass
class Recorder:
    events: list[Event] = field(default_factory=list)
    fail: bool = False

    async def __call__(self, event: Event) -> JobRef | Skipped:
        if self.fail:
            raise ConnectionError("database went away")
        self.events.append(event)
        return JobRef(len(self.events), event.type)


@dataclass
class Deps:
    db: Database
    settings: Settings
    submit: Recorder
    clock: object = field(default=lambda: NOW)


@dataclass
class World:
    fake: FakeGraph
    base: str
    deps: Deps
    ids: dict[str, int]
    graph: GraphClient

    @property
    def url(self) -> str:
        return self.base + graph_webhook.PATH

    @property
    def lifecycle_url(self) -> str:
        return self.base + graph_webhook.LIFECYCLE_PATH


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    fake = await FakeGraph(clock=lambda: NOW).start()  # Graph on the same fixed instant
    key = Fernet.generate_key()
    settings = Settings(_env_file=None, encryption_key=key.decode(),
                        graph_api_base=fake.graph_base)  # fmt: skip
    deps = Deps(db, settings, Recorder())
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        user = User(org_id=org.id, slack_user_id="U1", email=REP, name="Ana")
        s.add(user)
        await s.flush()
        assert user.id is not None
        conn = await repo.save_connection(
            s, cipher=TokenCipher(key), org_id=org.id, user_id=user.id, provider="microsoft",
            tokens={"access_token": fake.issue_token(REP, SCOPES)}, scopes=sorted(SCOPES),
            expires_at=None, account_email=REP,
        )  # fmt: skip
        ids = {"org": org.id, "user": user.id, "conn": conn.id}
    app = web.Application()
    graph_webhook.register_routes(app, deps)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    deps.settings = settings.model_copy(update={"public_base_url": base})
    graph = GraphClient(fake.issue_token(REP, SCOPES), base_url=fake.graph_base)
    yield World(fake, base, deps, ids, graph)
    await graph.aclose()
    await server.close()
    await fake.stop()


async def test_mail_subscription_handshake_and_notifications(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for name in ("bot", "connectors", "storage"):
        caplog.set_level(logging.DEBUG, logger=name)
    now = NOW
    cipher = settings_cipher(world.deps.settings)
    sub_id = await ensure_mail_subscription(world.deps.db, world.graph, world.ids["conn"],
                                            world.url, now, cipher=cipher,
                                            lifecycle_url=world.lifecycle_url)  # fmt: skip
    # Graph validated both URLs through our real route before answering 201
    assert [(url, status) for url, status, _ in world.fake.handshakes] == [
        (world.url, 200), (world.lifecycle_url, 200)]  # fmt: skip
    sub = world.fake.subscriptions[sub_id]
    assert sub["resource"] == "/me/mailFolders('inbox')/messages" and sub["changeType"] == "created"
    async with world.deps.db.session() as s:
        box = await s.get(MailboxState, world.ids["conn"])
    assert box is not None and box.subscription_id == sub_id
    assert len(sub["clientState"]) <= 128
    assert box.client_state and sub["clientState"] not in box.client_state  # stored sealed
    assert cipher.reveal(box.client_state) == sub["clientState"]
    assert box.subscription_expires_at is not None
    assert abs(box.subscription_expires_at - (now + LIFETIME)) < timedelta(seconds=2)

    resp = await world.fake.notify(sub_id, "AAMkMsg1")
    assert resp.status == 202
    [event] = world.deps.submit.events
    assert event.type == EventType.EMAIL_RECEIVED and event.source == "webhook:email"
    assert (event.org_id, event.user_id) == (world.ids["org"], world.ids["user"])
    assert event.payload == {"provider": "microsoft", "connection_id": world.ids["conn"],
                             "message_id": "AAMkMsg1"}  # fmt: skip
    assert event.idempotency_key == f"email_received:microsoft:{world.ids['conn']}:AAMkMsg1"
    # no Graph call inside the request
    assert not [r for r in world.fake.routes_called() if r.startswith("mail.")]

    # a forged clientState is dropped, but Graph still gets its 202 (no 4-hour retries)
    resp = await world.fake.notify(sub_id, "AAMkMsg2", client_state="guess")
    assert resp.status == 202 and len(world.deps.submit.events) == 1
    # a batch with one good and one forged item: only the good one counts
    forged = {"subscriptionId": sub_id, "clientState": "nope", "changeType": "created",
              "resource": "Users/x/Messages/AAMkEvil", "resourceData": {"id": "AAMkEvil"}}  # fmt: skip
    unknown = {**forged, "subscriptionId": "not-ours", "clientState": sub["clientState"]}
    resp = await world.fake.notify(sub_id, "AAMkMsg3", extra=[forged, unknown])
    assert resp.status == 202
    assert [e.payload["message_id"] for e in world.deps.submit.events] == ["AAMkMsg1", "AAMkMsg3"]
    # updates to existing mail (read flags...) start nothing
    await world.fake.notify(sub_id, "AAMkMsg1", change_type="updated")
    assert len(world.deps.submit.events) == 2

    logged = json.dumps([vars(r) for r in caplog.records], default=str)
    assert "bad clientState" in logged and "unknown subscription" in logged
    assert REP not in logged and sub["clientState"] not in logged

    world.deps.submit.fail = True  # the hand-over failed: 503 so Graph retries
    resp = await world.fake.notify(sub_id, "AAMkMsg4")
    assert resp.status == 503


async def test_calendar_notifications_lifecycle_and_renewal(world: World) -> None:
    db = world.deps.db
    now = NOW
    cipher = settings_cipher(world.deps.settings)
    sub_id = await ensure_calendar_subscription(db, world.graph, world.ids["user"], world.url,
                                                now, cipher=cipher,
                                                lifecycle_url=world.lifecycle_url)  # fmt: skip
    assert world.fake.subscriptions[sub_id]["changeType"] == "created,updated,deleted"
    resp = await world.fake.notify(sub_id, "AAMkEv9", change_type="updated")
    assert resp.status == 202
    [event] = world.deps.submit.events
    assert event.type == EventType.CALENDAR_CHANGED and event.payload["provider"] == "microsoft"
    assert event.payload["event_id"] == "AAMkEv9" and event.payload["resource_state"] == "updated"

    async def factory(connection_id: int) -> GraphClient:
        assert connection_id == world.ids["conn"]
        return GraphClient(world.graph.access_token, base_url=world.fake.graph_base)

    # nothing is due yet
    assert await renew_graph_subscriptions(db, factory, now, cipher=cipher) == 0
    # reauthorizationRequired: marked due; the next pass renews it at Graph
    resp = await world.fake.lifecycle(sub_id, "reauthorizationRequired")
    assert resp.status == 202
    later = now + timedelta(minutes=5)
    assert await renew_graph_subscriptions(db, factory, later, cipher=cipher) == 1
    renewed = world.fake.subscriptions[sub_id]["expirationDateTime"]
    assert renewed == (later + LIFETIME).strftime("%Y-%m-%dT%H:%M:%SZ")
    # subscriptionRemoved: forgotten; re-created when the pass knows the URL
    await world.fake.lifecycle(sub_id, "subscriptionRemoved")
    async with db.session() as s:
        row = await s.get(CalendarSyncState, event.payload["sync_state_id"])
    assert row is not None and row.channel_id is None
    no_url = await renew_graph_subscriptions(db, factory, later, cipher=cipher)
    assert no_url == 0  # no URL: left alone
    # with the URL: re-created, and the inbox (connected, never subscribed) is subscribed too
    assert await renew_graph_subscriptions(db, factory, later, cipher=cipher,
                                           notification_url=world.url,
                                           lifecycle_url=world.lifecycle_url) == 2  # fmt: skip
    async with db.session() as s:
        box = await s.get(MailboxState, world.ids["conn"])
    assert box is not None and box.subscription_id in world.fake.subscriptions
    async with db.session() as s:
        row = await s.get(CalendarSyncState, event.payload["sync_state_id"])
    assert row is not None and row.channel_id in world.fake.subscriptions
    assert row.channel_id != sub_id
    # missed: a resync for the calendar
    await world.fake.lifecycle(row.channel_id, "missed")
    assert world.deps.submit.events[-1].payload["resource_state"] == "missed"

    # a grant that stopped working marks the connection expired
    async def dead(connection_id: int) -> GraphClient:
        return GraphClient("revoked", base_url=world.fake.graph_base)

    async with db.transaction() as s:
        row = await s.get(CalendarSyncState, event.payload["sync_state_id"])
        assert row is not None
        row.expires_at = later
        s.add(row)
    assert await renew_graph_subscriptions(db, dead, later, cipher=cipher) == 0
    async with db.session() as s:
        conn = await s.get(Connection, world.ids["conn"])
    assert conn is not None and conn.status == "expired"


async def test_subscribe_on_connect_and_renew_with_settings(world: World) -> None:
    """The settings-level helpers a connect handler and a cron call."""
    db, settings = world.deps.db, world.deps.settings
    assert webhook_urls(settings) == (world.url, world.lifecycle_url)
    assert (WEBHOOK_PATH, LIFECYCLE_PATH) == (graph_webhook.PATH, graph_webhook.LIFECYCLE_PATH)
    now = NOW
    made = await subscribe_connection(db, settings, world.ids["conn"], now)
    assert len(made) == 2 and set(made) <= set(world.fake.subscriptions)
    resources = sorted(world.fake.subscriptions[m]["resource"] for m in made)
    assert resources == ["/me/events", "/me/mailFolders('inbox')/messages"]
    assert await renew_all(db, settings, now) == 0  # fresh: nothing due
    async with db.transaction() as s:  # a day later in effect: both expire within 24 h
        box = await s.get(MailboxState, world.ids["conn"])
        cal = (await s.exec(select(CalendarSyncState))).one()
        assert box is not None
        box.subscription_expires_at = cal.expires_at = now + timedelta(hours=3)
        s.add_all([box, cal])
    assert await renew_all(db, settings, now) == 2
    expected = (now + LIFETIME).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {world.fake.subscriptions[m]["expirationDateTime"] for m in made} == {expected}
    await world.fake.notify(made[0], "AAMkMsg7")
    assert world.deps.submit.events[-1].payload["message_id"] == "AAMkMsg7"
    no_url = settings.model_copy(update={"public_base_url": None})
    assert await subscribe_connection(db, no_url, world.ids["conn"], now) == []


async def test_validation_token_is_echoed_decoded() -> None:
    """No database needed: the handshake and malformed bodies are answered before any lookup."""
    deps = Deps(None, Settings(_env_file=None), Recorder())  # type: ignore[arg-type]
    app = web.Application()
    graph_webhook.register_routes(app, deps)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    url = str(server.make_url(graph_webhook.PATH))
    token = "Validation: Testing client application reachability for subscription Request-Id: a+b&c"
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(url, params={"validationToken": token}, data=b"",
                              headers={"Content-Type": "text/plain"}) as resp:  # fmt: skip
                assert resp.status == 200 and resp.content_type == "text/plain"
                assert await resp.text() == token
            async with s.post(url, data=b"not json") as resp:
                assert resp.status == 400
            async with s.post(url, json={"value": "nope"}) as resp:
                assert resp.status == 400
            async with s.post(url, data=b"x" * (graph_webhook.MAX_BODY + 1)) as resp:
                assert resp.status == 413
    finally:
        await server.close()
    assert deps.submit.events == []
