"""Gmail Pub/Sub push and Calendar channel notifications over loopback HTTP, delivered by the
fake Google the way Google does (OIDC JWT signed with its key; X-Goog-* headers)."""

from __future__ import annotations

import base64
import json
import logging
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from bot.webhooks import gmail_push, google_calendar_push
from config import Settings
from connectors.google_calendar import GoogleCalendarClient
from orchestrator.events import Event, EventType, JobRef, Skipped
from storage import connections as repo
from storage.crypto import TokenCipher, settings_cipher
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import CalendarSyncState, Org, User
from tests.fakes.google_server import CAL_EVENTS, FakeGoogle

REP = "ana@acme.test"
SERVICE_ACCOUNT = "gmail-push@sixty-test.iam.gserviceaccount.com"


@dataclass
class Recorder:
    events: list[Event] = field(default_factory=list)

    async def __call__(self, event: Event) -> JobRef | Skipped:
        self.events.append(event)
        return JobRef(len(self.events), event.type)


@dataclass
class Deps:
    db: Database
    settings: Settings
    submit: Recorder


@dataclass
class World:
    google: FakeGoogle
    base: str
    deps: Deps
    ids: dict[str, int]

    @property
    def gmail_url(self) -> str:
        return self.base + gmail_push.PATH

    @property
    def audience(self) -> str:
        return self.deps.settings.public_base_url.rstrip("/") + gmail_push.PATH  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once per module; each test copies the file (an Alembic run costs ~0.8 s)."""
    path = tmp_path_factory.mktemp("google-push") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
async def sqlite_copy(migrated_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "sixty.db"
    shutil.copyfile(migrated_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    await db.dispose()


@pytest.fixture
async def world(sqlite_copy: Database) -> AsyncIterator[World]:
    sqlite_db = sqlite_copy
    google = await FakeGoogle().start()
    settings = Settings(_env_file=None, public_base_url="https://sixty.example")
    deps = Deps(sqlite_db, settings, Recorder())
    async with sqlite_db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        user = User(org_id=org.id, slack_user_id="U1", email=REP, name="Ana")
        s.add(user)
        await s.flush()
        assert org.id is not None and user.id is not None
        conn = await repo.save_connection(
            s, cipher=TokenCipher(Fernet.generate_key()), org_id=org.id, user_id=user.id,
            provider="google", tokens={"access_token": "x"}, scopes=[], expires_at=None,
            account_email=REP,
        )  # fmt: skip
        ids = {"org": org.id, "user": user.id, "conn": conn.id}
    app = web.Application()
    verifier = gmail_push.PushVerifier(
        gmail_push.default_audience(settings) or "", certs_url=google.certs_url,
        service_account_email=SERVICE_ACCOUNT,
    )  # fmt: skip
    gmail_push.register_routes(app, deps, verifier=verifier, push_token="fallback-token")
    google_calendar_push.register_routes(app, deps)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield World(google, str(server.make_url("")).rstrip("/"), deps, ids)
    await server.close()
    await google.stop()


async def test_signed_push_submits_one_small_event(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # aiosqlite's DEBUG lines echo SQL parameters (not ours)
    for name in ("bot", "connectors", "storage"):
        caplog.set_level(logging.DEBUG, logger=name)
    resp = await world.google.push_gmail(world.gmail_url, REP, 4242, audience=world.audience)
    assert resp.status == 204
    [event] = world.deps.submit.events
    assert event.type == EventType.EMAIL_RECEIVED and event.source == "webhook:email"
    assert (event.org_id, event.user_id) == (world.ids["org"], world.ids["user"])
    assert event.payload["connection_id"] == world.ids["conn"]
    assert event.payload["history_id"] == "4242" and event.payload["provider"] == "google"
    assert event.idempotency_key == f"email_received:gmail:{world.ids['conn']}:4242"
    logged = json.dumps([vars(r) for r in caplog.records], default=str)
    assert "gmail push accepted" in logged and REP not in logged
    assert REP not in json.dumps(event.payload)
    # nothing was fetched from Gmail inside the request
    assert not [r for r in world.google.requests if r.route.startswith("gmail.")]


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://evil.example/webhooks/gmail"},
        {"email": "someone@else.iam.gserviceaccount.com"},
        {"email_verified": False},
        {"iss": "https://evil.example"},
        {"exp": 1_000_000, "iat": 999_000},
    ],
    ids=["audience", "account", "unverified", "issuer", "expired"],
)
async def test_bad_tokens_are_refused(world: World, claims: dict[str, object]) -> None:
    base = {"aud": world.audience, "email": SERVICE_ACCOUNT, "email_verified": True, "sub": "1"}
    token = world.google.sign_id_token({**base, **claims})
    resp = await world.google.push_gmail(world.gmail_url, REP, 1, audience="", bearer=token)
    assert resp.status == 401
    assert world.deps.submit.events == []


async def test_forged_signature_and_missing_auth_are_refused(world: World) -> None:
    good = world.google.sign_id_token({"aud": world.audience, "email": SERVICE_ACCOUNT,
                                       "email_verified": True})  # fmt: skip
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["email"] = SERVICE_ACCOUNT
    claims["aud"] = world.audience
    claims["historyId"] = 1  # any change to the signed part breaks the signature
    forged = ".".join(
        [head, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), sig]
    )
    resp = await world.google.push_gmail(world.gmail_url, REP, 1, audience="", bearer=forged)
    assert resp.status == 401
    async with aiohttp.ClientSession() as s, s.post(world.gmail_url, json={}) as r:
        assert r.status == 401
    assert world.deps.submit.events == []


async def test_shared_token_fallback_and_malformed_bodies(world: World) -> None:
    url = world.gmail_url + "?token=fallback-token"
    data = base64.urlsafe_b64encode(json.dumps({"emailAddress": REP, "historyId": 7}).encode())
    async with aiohttp.ClientSession() as s:
        async with s.post(url, json={"message": {"data": data.decode(), "messageId": "9"}}) as r:
            assert r.status == 204
        for bad in ({"message": {}}, {"message": {"data": "!!!"}},
                    {"message": {"data": base64.b64encode(b'{"emailAddress": "x"}').decode()}}):  # fmt: skip
            async with s.post(url, json=bad) as r:
                assert r.status == 400
        async with s.post(url, data=b"not json") as r:
            assert r.status == 400
        async with s.post(world.gmail_url + "?token=wrong", json={}) as r:
            assert r.status == 401
    assert [e.payload["history_id"] for e in world.deps.submit.events] == ["7"]


async def test_unknown_mailbox_is_acknowledged_without_event(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    resp = await world.google.push_gmail(world.gmail_url, "stranger@else.test", 5,
                                         audience=world.audience)  # fmt: skip
    assert resp.status == 204 and world.deps.submit.events == []
    logged = json.dumps([vars(r) for r in caplog.records], default=str)  # extras included
    assert "stranger@" not in logged and "*@else.test#" in logged


async def test_calendar_channel_notifications(world: World) -> None:
    creds = world.google.credentials(REP, {CAL_EVENTS})
    cal = GoogleCalendarClient(creds, endpoint=world.google.calendar_endpoint)
    address = world.base + google_calendar_push.PATH
    ch = await cal.watch_events("chan-9", address, "channel-secret")
    sealed = settings_cipher(world.deps.settings).seal(
        "channel-secret"
    )  # as ensure_channel stores it
    async with world.deps.db.transaction() as s:
        s.add(CalendarSyncState(user_id=world.ids["user"], provider="google", channel_id=ch.id,
                                channel_token=sealed, resource_id=ch.resource_id))  # fmt: skip
    assert (await world.google.notify_calendar(address, "chan-9", "sync", number=1)).status == 200
    assert world.deps.submit.events == []
    assert (await world.google.notify_calendar(address, "chan-9", "exists", number=2)).status == 200
    [event] = world.deps.submit.events
    assert event.type == EventType.CALENDAR_CHANGED and event.user_id == world.ids["user"]
    assert event.payload["resource_state"] == "exists"
    assert event.idempotency_key == "calendar_changed:google:chan-9:2"
    bad = await world.google.notify_calendar(address, "chan-9", "exists", number=3, token="guess")
    assert bad.status == 401
    # the stored (sealed) value itself is not the secret either
    stolen = await world.google.notify_calendar(address, "chan-9", "exists", number=3, token=sealed)
    assert stolen.status == 401
    world.google.channels["chan-x"] = {**world.google.channels["chan-9"], "id": "chan-x"}
    assert (await world.google.notify_calendar(address, "chan-x", "exists")).status == 401
    assert len(world.deps.submit.events) == 1
