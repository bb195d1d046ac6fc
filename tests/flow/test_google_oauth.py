"""Google OAuth over loopback: consent URL, PKCE, partial grants, refresh, revoke, and the
encrypted connection store (google-auth-oauthlib and google-auth against the fake Google)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from connectors.gmail import GmailClient
from connectors.google_api import GoogleAuthError, GoogleInsufficientScope
from connectors.google_oauth import GMAIL_SEND, SCOPES, GoogleOAuth, expires_at_of
from storage import connections as repo
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import Org, User
from tests.fakes.google_server import FakeGoogle

REDIRECT = "http://127.0.0.1:9/oauth/google/callback"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
async def google(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeGoogle]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http
    fake = await FakeGoogle().start()
    yield fake
    await fake.stop()


def oauth_for(fake: FakeGoogle, **kw: Any) -> GoogleOAuth:
    return GoogleOAuth(
        fake.CLIENT_ID, fake.CLIENT_SECRET, REDIRECT, endpoints=fake.endpoints(), **kw
    )


async def consent(url: str) -> dict[str, str]:
    """The browser's part: follow the consent URL, read the redirect back to us."""
    async with aiohttp.ClientSession() as s, s.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return dict(parse_qsl(urlsplit(location).query))


async def test_consent_url_asks_for_offline_access_with_pkce(google: FakeGoogle) -> None:
    url, verifier = oauth_for(google).authorization_url("state-123", login_hint="rep@acme.test")
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(google.auth_uri + "?")
    assert q["state"] == "state-123"
    assert q["access_type"] == "offline"
    assert q["include_granted_scopes"] == "true"
    assert q["prompt"] == "consent"
    assert q["code_challenge_method"] == "S256"
    assert len(q["code_challenge"]) == 43 and 43 <= len(verifier) <= 128
    assert set(q["scope"].split()) == set(SCOPES)
    assert q["redirect_uri"] == REDIRECT and q["login_hint"] == "rep@acme.test"


async def test_exchange_gives_grant_with_scopes_account_and_expiry(google: FakeGoogle) -> None:
    oauth = oauth_for(google, clock=lambda: NOW)
    url, verifier = oauth.authorization_url(oauth.new_state())
    back = await consent(url)
    grant = await oauth.exchange(back["code"], verifier)
    assert grant.account_email == google.account
    assert set(grant.scopes) == set(SCOPES) and grant.can_send
    assert grant.refresh_token and grant.access_token
    assert grant.expires_at is not None
    assert grant.expires_at == NOW + timedelta(seconds=google.access_token_ttl_s)
    form = parse_qs(next(r for r in google.requests if r.path == "/token").body.decode())
    assert form["grant_type"] == ["authorization_code"] and form["code_verifier"] == [verifier]


async def test_wrong_verifier_and_reused_code_are_refused(google: FakeGoogle) -> None:
    oauth = oauth_for(google)
    url, verifier = oauth.authorization_url("s")
    back = await consent(url)
    with pytest.raises(GoogleAuthError):
        await oauth.exchange(back["code"], verifier[::-1])
    with pytest.raises(GoogleAuthError):  # the code was used up by the failed attempt
        await oauth.exchange(back["code"], verifier)


async def test_rep_who_unticks_send_gets_a_grant_without_it(google: FakeGoogle) -> None:
    google.deny_scopes = {GMAIL_SEND}
    oauth = oauth_for(google)
    url, verifier = oauth.authorization_url("s")
    grant = await oauth.exchange((await consent(url))["code"], verifier)
    assert not grant.can_send and GMAIL_SEND not in grant.scopes
    gmail = GmailClient(oauth.credentials_for(grant), endpoint=google.gmail_endpoint)
    with pytest.raises(GoogleInsufficientScope):
        await gmail.send("RnJvbTogYUBiLmNvbQ0KDQpoaQ")
    assert await gmail.find_sent_by_message_id("<x@y>") is None  # read scope still works


async def test_refresh_then_revoke_ends_the_grant(google: FakeGoogle) -> None:
    oauth = oauth_for(google)
    url, verifier = oauth.authorization_url("s")
    grant = await oauth.exchange((await consent(url))["code"], verifier)
    creds = oauth.credentials_from_blob(grant.token_blob(), grant.scopes)
    assert creds.valid and creds.refresh_token == grant.refresh_token
    assert expires_at_of(creds) == grant.expires_at
    first = creds.token
    await oauth.refresh(creds)
    assert creds.token != first and expires_at_of(creds) is not None
    assert grant.refresh_token is not None
    assert await oauth.revoke(grant.refresh_token) is True
    assert await oauth.revoke(grant.refresh_token) is True  # already gone counts as done
    with pytest.raises(GoogleAuthError):
        await oauth.refresh(creds)
    gmail = GmailClient(creds, endpoint=google.gmail_endpoint)
    with pytest.raises(GoogleAuthError):
        await gmail.send_as_signature()


async def _user(db: Database) -> tuple[int, int]:
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        user = User(org_id=org.id, slack_user_id="U1", email="rep@acme.test", name="Rep")
        s.add(user)
        await s.flush()
        assert org.id is not None and user.id is not None
        return org.id, user.id


async def test_connection_store_encrypts_and_replaces(db: Database) -> None:
    org_id, user_id = await _user(db)
    cipher = TokenCipher(Fernet.generate_key())
    secret_rt = "1//refresh-secret-value"
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    async with db.transaction() as s:
        saved = await repo.save_connection(
            s, cipher=cipher, org_id=org_id, user_id=user_id, provider="google",
            tokens={"access_token": "ya29.a", "refresh_token": secret_rt},
            scopes=[GMAIL_SEND, "openid"], expires_at=expires, account_email="rep@acme.test",
        )  # fmt: skip
    async with db.session() as s:
        raw = (await s.exec(text("SELECT token_encrypted FROM connections"))).one()[0]  # type: ignore[call-overload]
        assert secret_rt.encode() not in bytes(raw)
        loaded = await repo.load_connection(s, cipher=cipher, user_id=user_id, provider="google")
        by_account = await repo.connection_for_account(s, provider="google",
                                                       account_email="REP@acme.test")  # fmt: skip
    assert loaded is not None and loaded.id == saved.id
    assert loaded.tokens["refresh_token"] == secret_rt and loaded.has_scope(GMAIL_SEND)
    assert loaded.expires_at == expires and loaded.status == repo.ACTIVE
    assert by_account is not None and by_account.id == saved.id
    async with db.transaction() as s:  # re-consent without a refresh token keeps the old one
        again = await repo.save_connection(
            s, cipher=cipher, org_id=org_id, user_id=user_id, provider="google",
            tokens={"access_token": "ya29.b"}, scopes=["openid"], expires_at=None,
        )  # fmt: skip
        await repo.update_tokens(s, cipher=cipher, connection_id=again.id,
                                 access_token="ya29.c", expires_at=expires)  # fmt: skip
    async with db.session() as s:
        loaded = await repo.load_connection(s, cipher=cipher, user_id=user_id, provider="google")
    assert loaded is not None and loaded.id == saved.id
    assert loaded.tokens == {"access_token": "ya29.c", "refresh_token": secret_rt,
                             "expires_at": expires.isoformat()}  # fmt: skip
    assert not loaded.has_scope(GMAIL_SEND)
    async with db.transaction() as s:
        assert await repo.delete_connection(s, user_id=user_id, provider="google") is True
        assert await repo.delete_connection(s, user_id=user_id, provider="google") is False


async def test_oauth_state_is_single_use_and_expires(sqlite_db: Database) -> None:
    _, user_id = await _user(sqlite_db)
    cipher = TokenCipher(Fernet.generate_key())
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    async with sqlite_db.transaction() as s:
        for state in ("fresh", "stale"):
            await repo.save_oauth_state(s, cipher=cipher, state=state, user_id=user_id,
                                        provider="google", code_verifier="v" * 64, now=now)  # fmt: skip
    async with sqlite_db.session() as s:  # the PKCE verifier is stored sealed only
        stored = (await s.execute(text("SELECT code_verifier FROM oauth_states"))).scalars().all()
    assert len(stored) == 2 and all("v" * 64 not in v for v in stored)
    async with sqlite_db.transaction() as s:
        row = await repo.take_oauth_state(s, cipher=cipher, state="fresh", provider="google",
                                          now=now)  # fmt: skip
        assert row is not None and row.user_id == user_id and row.code_verifier == "v" * 64
        assert await repo.take_oauth_state(s, cipher=cipher, state="fresh", provider="google",
                                           now=now) is None  # fmt: skip
        later = now + repo.STATE_TTL + timedelta(seconds=1)
        assert await repo.take_oauth_state(s, cipher=cipher, state="stale", provider="google",
                                           now=later) is None  # fmt: skip
        assert await repo.take_oauth_state(s, cipher=cipher, state="nope", provider="google",
                                           now=now) is None  # fmt: skip


async def test_msal_flow_keeps_its_verifier_only_sealed(sqlite_db: Database) -> None:
    _, user_id = await _user(sqlite_db)
    cipher = TokenCipher(Fernet.generate_key())
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    flow = {"state": "s1", "code_verifier": "pkce-" + "x" * 40, "nonce": "n"}
    async with sqlite_db.transaction() as s:
        await repo.save_oauth_state(s, cipher=cipher, state="s1", user_id=user_id,
                                    provider="microsoft", code_verifier=flow["code_verifier"],
                                    now=now, flow=flow)  # fmt: skip
    async with sqlite_db.session() as s:
        raw = (await s.execute(text("SELECT code_verifier, flow FROM oauth_states"))).one()
    assert "pkce-" not in str(raw[0]) and "pkce-" not in str(raw[1])
    async with sqlite_db.transaction() as s:
        taken = await repo.take_oauth_state(s, cipher=cipher, state="s1", provider="microsoft",
                                            now=now)  # fmt: skip
    assert taken is not None and taken.flow == flow  # MSAL gets its flow back whole


async def test_oauth_state_taken_by_ten_concurrent_callbacks_lets_exactly_one_in(
    db: Database,
) -> None:
    """Ten callbacks racing with one state (a replayed or double-clicked link): one wins.
    Five rounds, so a read-then-delete that lets two through is caught every time."""
    _, user_id = await _user(db)
    cipher = TokenCipher(Fernet.generate_key())
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    async def callback(state: str, start: asyncio.Event) -> object:
        await start.wait()
        async with db.transaction() as s:
            return await repo.take_oauth_state(s, cipher=cipher, state=state, provider="google",
                                               now=now)  # fmt: skip

    for round_ in range(5):
        state = f"race-{round_}"
        async with db.transaction() as s:
            await repo.save_oauth_state(s, cipher=cipher, state=state, user_id=user_id,
                                        provider="google", code_verifier="v" * 64, now=now)  # fmt: skip
        start = asyncio.Event()
        racers = [asyncio.create_task(callback(state, start)) for _ in range(10)]
        await asyncio.sleep(0)  # every racer is parked on the start line
        start.set()
        winners = [t for t in await asyncio.gather(*racers) if t is not None]
        assert len(winners) == 1, f"round {round_}: {len(winners)} callbacks got through"
        assert winners[0].user_id == user_id and winners[0].code_verifier == "v" * 64
    async with db.session() as s:
        assert (await s.execute(text("SELECT count(*) FROM oauth_states"))).scalar() == 0
