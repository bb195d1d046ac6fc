"""MSAL against the fake identity platform over TLS on loopback: the authorization-code flow with
PKCE, granted scopes, refresh-token rotation stored through the Graph 401 callback, and
Disconnect deleting tokens, sync state and subscriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlparse

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from connectors.graph import GraphAuthError, GraphClient
from connectors.microsoft_oauth import SCOPES, MicrosoftOAuth, has_scope, normalise_scopes
from storage import connections as repo
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import MailboxState, Org, User
from tests.fakes.graph_server import FakeGraph

REDIRECT = "https://sixty.example/oauth/microsoft/callback"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    graph = await FakeGraph().start()
    yield graph
    await graph.stop()


def oauth_for(fake: FakeGraph, **kw: Any) -> MicrosoftOAuth:
    return MicrosoftOAuth(fake.CLIENT_ID, fake.CLIENT_SECRET, REDIRECT,
                          authority_base=fake.login_base, verify=fake.ca_file, **kw)  # fmt: skip


async def consent(flow: dict[str, object]) -> dict[str, str]:
    """The rep's browser: open auth_uri, come back to the redirect with code and state."""
    async with aiohttp.ClientSession() as s:
        async with s.get(str(flow["auth_uri"]), allow_redirects=False, ssl=False) as resp:
            assert resp.status == 302
            location = resp.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return dict(parse_qsl(urlparse(location).query))


async def test_code_flow_with_pkce_and_granted_scopes(fake: FakeGraph) -> None:
    oauth = oauth_for(fake, clock=lambda: NOW)
    state = oauth.new_state()
    flow = await oauth.initiate_auth_code_flow(state, login_hint="rep@contoso.test")
    query = dict(parse_qsl(urlparse(str(flow["auth_uri"])).query))
    assert query["code_challenge_method"] == "S256" and query["state"] == state
    assert set(query["scope"].split()) == {*SCOPES, "offline_access", "openid", "profile"}
    assert query["redirect_uri"] == REDIRECT and "code_verifier" not in query
    response = await consent(flow)
    grant = await oauth.acquire_token_by_auth_code_flow(flow, response)
    assert grant.scopes == tuple(sorted(SCOPES)) and grant.can_send
    assert grant.account_email == "rep@contoso.test" and grant.refresh_token
    assert grant.tenant_id == fake.TENANT_ID
    assert grant.expires_at == NOW + timedelta(seconds=3599)  # the fake's expires_in
    token_call = next(r for r in fake.requests if r.route == "token")
    form = dict(parse_qsl(token_call.body.decode()))
    assert form["grant_type"] == "authorization_code" and form["code_verifier"]
    # the code is single use; a callback with another state is refused by MSAL
    with pytest.raises(GraphAuthError):
        await oauth.acquire_token_by_auth_code_flow(flow, response)
    flow2 = await oauth.initiate_auth_code_flow(oauth.new_state())
    with pytest.raises(GraphAuthError) as info:
        await oauth.acquire_token_by_auth_code_flow(flow2, {**(await consent(flow2)),
                                                            "state": "forged"})  # fmt: skip
    assert info.value.code == "state_mismatch"


async def test_stored_flow_is_sealed_and_completes_the_code_flow(
    fake: FakeGraph, sqlite_db: Database
) -> None:
    """The MSAL flow kept between Connect and the callback holds its PKCE verifier sealed only;
    the flow taken back completes the exchange (the fake checks the verifier)."""
    _, user_id = await _seed(sqlite_db)
    cipher = TokenCipher(Fernet.generate_key())
    oauth = oauth_for(fake)
    state = oauth.new_state()
    flow = await oauth.initiate_auth_code_flow(state)
    now = NOW
    async with sqlite_db.transaction() as s:
        await repo.save_oauth_state(s, cipher=cipher, state=state, user_id=user_id,
                                    provider="microsoft", code_verifier=flow.get("code_verifier"),
                                    now=now, flow=flow)  # fmt: skip
    async with sqlite_db.session() as s:
        raw = (await s.execute(text("SELECT code_verifier, flow FROM oauth_states"))).one()
    assert str(flow["code_verifier"]) not in f"{raw[0]} {raw[1]}"
    async with sqlite_db.transaction() as s:
        taken = await repo.take_oauth_state(s, cipher=cipher, state=state, provider="microsoft",
                                            now=now)  # fmt: skip
    assert taken is not None and taken.user_id == user_id
    grant = await oauth.acquire_token_by_auth_code_flow(taken.flow, await consent(flow))
    assert grant.refresh_token and grant.account_email == "rep@contoso.test"


async def test_consent_without_send_is_recorded(fake: FakeGraph) -> None:
    fake.deny_scopes = {"Mail.Send"}
    oauth = oauth_for(fake)
    flow = await oauth.initiate_auth_code_flow(oauth.new_state())
    grant = await oauth.acquire_token_by_auth_code_flow(flow, await consent(flow))
    assert not grant.can_send and "Mail.Send" not in grant.scopes and "Mail.Read" in grant.scopes


def test_scope_helpers_and_reserved_scopes() -> None:
    assert normalise_scopes("https://graph.microsoft.com/Mail.Send openid Mail.Send") == (
        "Mail.Send", "openid")  # fmt: skip
    assert has_scope(("Mail.ReadWrite",), "Mail.Read") and not has_scope(
        ("Mail.Read",), "Mail.Send"
    )
    with pytest.raises(ValueError):
        MicrosoftOAuth("id", "secret", REDIRECT, scopes=("Mail.Read", "offline_access"))


async def _seed(db: Database) -> tuple[int, int]:
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        user = User(org_id=org.id, slack_user_id="U1", email="rep@contoso.test", name="Rep")
        s.add(user)
        await s.flush()
        assert user.id is not None
        return org.id, user.id


async def test_refresh_rotates_and_is_stored_then_disconnect(fake: FakeGraph, db: Database) -> None:
    org_id, user_id = await _seed(db)
    cipher = TokenCipher(Fernet.generate_key())
    oauth = oauth_for(fake)
    flow = await oauth.initiate_auth_code_flow(oauth.new_state())
    grant = await oauth.acquire_token_by_auth_code_flow(flow, await consent(flow))
    conn = await oauth.store_grant(db, cipher, org_id=org_id, user_id=user_id, grant=grant)
    assert conn.scopes == tuple(sorted(SCOPES)) and conn.account_email == "rep@contoso.test"

    fake.expire_access_tokens()
    graph = GraphClient(conn.tokens["access_token"], base_url=fake.graph_base,
                        refresh=oauth.refresher(db, cipher, conn))  # fmt: skip
    assert (await graph.me())["mail"] == "rep@contoso.test"  # 401 -> refresh -> retried
    async with db.session() as s:
        stored = await repo.load_connection(s, cipher=cipher, user_id=user_id, provider="microsoft")
    assert stored is not None and stored.id == conn.id
    assert stored.tokens["access_token"] == graph.access_token != grant.access_token
    assert stored.tokens["refresh_token"] != grant.refresh_token  # rotated, and kept

    async with db.transaction() as s:  # a stored inbox subscription (made earlier)
        s.add(
            MailboxState(
                connection_id=conn.id, subscription_id="sub-1", client_state=cipher.seal("c")
            )
        )
    fake.subscriptions["sub-1"] = {"resource": "x", "account": "rep@contoso.test"}

    fake.revoke_refresh_tokens()
    fake.expire_access_tokens()
    with pytest.raises(GraphAuthError):
        await graph.me()
    async with db.session() as s:
        gone = await repo.load_connection(s, cipher=cipher, user_id=user_id, provider="microsoft")
    assert gone is not None and gone.status == "expired"

    fresh = GraphClient(fake.issue_token("rep@contoso.test", set(SCOPES)),
                        base_url=fake.graph_base)  # fmt: skip
    assert await oauth.disconnect(db, user_id=user_id, graph=fresh) is True
    assert "sub-1" not in fake.subscriptions
    async with db.session() as s:
        assert await s.get(MailboxState, conn.id) is None
        assert await repo.load_connection(s, cipher=cipher, user_id=user_id,
                                          provider="microsoft") is None  # fmt: skip
    assert await oauth.disconnect(db, user_id=user_id) is False
    await graph.aclose()
    await fresh.aclose()
