"""Connecting a mailbox: the Google consent round trip through our callback (state bound to the
user, single use, expiring; PKCE; tokens encrypted; granted scopes stored; the App Home
refreshed), a consent without the send permission, Disconnect revoking, `/60 connect` usage,
and the sandbox's demo mailbox sending into the local database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from bot.command_types import CommandContext
from bot.commands_email import SUBCOMMANDS
from bot.deps import Deps
from bot.webhooks.oauth import (
    connect_demo,
    disconnect,
    register_routes,
    set_home_refresher,
    start_connect,
)
from config.settings import Settings
from connectors.google_oauth import GMAIL_SEND
from connectors.mailbox import mailbox_status
from orchestrator.engine import Engine
from storage.connections import save_oauth_state
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.models import Connection, EmailMessage, EmailSend, User
from tests.fakes.google_server import FakeGoogle
from tests.flow.test_email_send import (
    BUYER,
    World,
    approve_follow_up,
    draft,
    follow_up_registry,
    make_world,
)
from tests.support.sequences import seed_org


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    fake = await FakeGoogle().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def site(sqlite_db: Database, tmp_path: Path, google: FakeGoogle,
               monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Deps, str, list[int]]]:  # fmt: skip
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http
    deps = Deps(settings=Settings(database_url=sqlite_db.url, data_dir=tmp_path), db=sqlite_db)
    refreshed: list[int] = []

    async def refresh(user: User) -> None:
        refreshed.append(user.id or 0)

    set_home_refresher(deps, refresh)
    app = web.Application()
    register_routes(app, deps)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    deps.settings = Settings(database_url=sqlite_db.url, data_dir=tmp_path, public_base_url=base,
                             google_client_id=FakeGoogle.CLIENT_ID, google_client_secret=FakeGoogle.CLIENT_SECRET,
                             google_api_base=google.url)  # fmt: skip
    yield deps, base, refreshed
    await runner.cleanup()


async def rep(db: Database) -> User:
    _org, users = await seed_org(db, users=1)
    async with db.session() as s:
        user = await s.get(User, users[0])
    assert user is not None
    return user


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        return r.status, await r.text(), str(r.url)


async def test_google_consent_round_trip(sqlite_db: Database, site: tuple[Deps, str, list[int]],
                                         google: FakeGoogle) -> None:  # fmt: skip
    deps, base, refreshed = site
    user = await rep(sqlite_db)
    google.account = user.email
    started = await start_connect(deps, user, "google")
    assert started.url and started.url.startswith(google.url) and "code_challenge=" in started.url
    assert f"redirect_uri={base.replace(':', '%3A').replace('/', '%2F')}" in started.url
    status, page, callback = await get(
        started.url
    )  # consent, then the fake redirects to our callback
    assert status == 200 and "Connected — you can close this tab" in page
    async with sqlite_db.session() as s:
        row = (await s.exec(select(Connection))).one()
    assert row.provider == "google" and GMAIL_SEND in row.scopes and row.account_email == user.email
    assert row.token_encrypted and b"ya29." not in row.token_encrypted  # encrypted at rest
    assert refreshed == [user.id]
    assert await mailbox_status(sqlite_db, deps.settings, user.id or 0) == ("ready", "google")

    # the same callback again: the state was used up
    status, page, _ = await get(callback)
    assert status == 400 and "expired or was already used" in page
    # an unknown or expired state
    assert (await get(f"{base}/oauth/google/callback?state=nope&code=x"))[0] == 400
    async with sqlite_db.transaction() as s:
        await save_oauth_state(s, cipher=settings_cipher(deps.settings), state="old", user_id=user.id or 0,
                               provider="google", code_verifier="v",
                               now=deps.clock() - timedelta(hours=1))  # fmt: skip
    status, page, _ = await get(f"{base}/oauth/google/callback?state=old&code=x")
    assert status == 400 and "expired" in page

    # Disconnect revokes at Google and forgets the tokens
    assert await disconnect(deps, user, "google")
    assert "/revoke" in [r.path for r in google.requests]
    async with sqlite_db.session() as s:
        assert (await s.exec(select(Connection))).first() is None
    assert await mailbox_status(sqlite_db, deps.settings, user.id or 0) == ("none", None)


async def test_consent_without_send_permission(sqlite_db: Database, site: tuple[Deps, str, list[int]],
                                               google: FakeGoogle) -> None:  # fmt: skip
    deps, _base, _ = site
    user = await rep(sqlite_db)
    google.deny_scopes = {GMAIL_SEND}
    started = await start_connect(deps, user, "google")
    status, page, _ = await get(started.url or "")
    assert status == 200 and "cannot send email" in page
    assert await mailbox_status(sqlite_db, deps.settings, user.id or 0) == (
        "no_permission",
        "google",
    )


async def test_connect_command_usage_and_unconfigured_microsoft(
    sqlite_db: Database, tmp_path: Path
) -> None:
    user = await rep(sqlite_db)
    deps = Deps(settings=Settings(database_url=sqlite_db.url, data_dir=tmp_path), db=sqlite_db)
    said: list[dict[str, Any]] = []

    async def respond(**kw: Any) -> None:
        said.append(kw)

    for args in ("", "yahoo", "microsoft"):
        await SUBCOMMANDS["connect"].handler(CommandContext(deps, user, args, respond, None, None))  # type: ignore[arg-type]
    assert "Usage: `/60 connect google|microsoft`" in said[0]["text"] and "yahoo" in said[1]["text"]
    assert "MICROSOFT_CLIENT_ID" in said[2]["text"] and all(
        s["response_type"] == "ephemeral" for s in said
    )
    # sandbox without GOOGLE_CLIENT_ID: a demo mailbox, labelled as such
    await SUBCOMMANDS["connect"].handler(CommandContext(deps, user, "google", respond, None, None))  # type: ignore[arg-type]
    assert "demo mailbox" in said[3]["text"]
    assert await mailbox_status(sqlite_db, deps.settings, user.id or 0) == ("ready", "demo")


async def test_demo_mailbox_sends_into_the_local_database(
    sqlite_db: Database, tmp_path: Path
) -> None:
    google = FakeGoogle()  # never started: the demo mailbox calls nothing
    google.url = "http://127.0.0.1:9"
    w: World = await make_world(sqlite_db, tmp_path, google, connect=False)
    async with sqlite_db.session() as s:
        user = await s.get(User, w.user_id)
    assert user is not None
    await connect_demo(Deps(settings=w.settings, db=sqlite_db), user)
    w.engine = Engine(sqlite_db, w.settings, w.delivery, follow_up_registry(), heartbeat_s=None)
    await approve_follow_up(w, draft([BUYER], "Demo follow-up"))
    async with sqlite_db.session() as s:
        row = (await s.exec(select(EmailSend))).one()
        out = (await s.exec(select(EmailMessage).where(EmailMessage.direction == "outbound"))).one()
    assert row.status == "sent" and row.provider == "demo"
    assert out.message_id_header == row.message_id_header and out.to_addrs == [BUYER]
    assert "case study" in out.body_text and out.from_addr == user.email
    undo = [c for m, c in w.delivery.calls if m == "chat.postMessage" and "Cancel send" in str(c)]
    assert "demo mailbox" in str(undo[0]["blocks"])
