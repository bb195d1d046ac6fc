"""Connecting mailboxes: start (the consent link), the OAuth callbacks, and Disconnect.

`GET /oauth/google/callback` and `GET /oauth/microsoft/callback` (under PUBLIC_BASE_URL):
the `state` must be one we issued to a Slack user, unexpired, and is used up on the way
(`storage.connections.take_oauth_state`); the code is exchanged with the stored PKCE verifier
(Google) or the stored MSAL flow (Microsoft, PKCE + nonce checked by MSAL); tokens are stored
encrypted with the scopes actually granted; the rep sees a small HTML page ("Connected — you
can close this tab", or a clear error) and their App Home is refreshed.

`start_connect(deps, user, provider)` makes the link (or, in sandbox mode without
GOOGLE_CLIENT_ID, connects a clearly labelled demo mailbox: `connectors.demo_mailbox`);
`disconnect(deps, user, provider)` revokes at the provider where it can and deletes the row.
Nothing here logs tokens, codes or addresses.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from config.settings import Mode
from connectors.mailbox import cipher_for, google_oauth, redirect_uri
from storage.connections import (
    delete_connection,
    load_connection,
    save_connection,
    save_oauth_state,
    take_oauth_state,
)
from storage.models import User

log = logging.getLogger(__name__)

PROVIDERS = {
    "google": "Google (Gmail & Calendar)",
    "microsoft": "Microsoft 365 (Outlook & Calendar)",
}
DEMO_SCOPES = ("demo:mail.read", "demo:mail.send")

# Set by bot/email_actions.register: republish a rep's App Home after a callback.
HomeRefresher = Callable[[User], Awaitable[None]]
_refreshers: dict[int, HomeRefresher] = {}


def set_home_refresher(deps: Any, fn: HomeRefresher) -> None:
    _refreshers[id(deps)] = fn


@dataclass(frozen=True)
class ConnectStart:
    """What to show after Connect: a link to open, or a message (demo / not configured)."""

    url: str | None
    message: str
    demo: bool = False


def microsoft_oauth(settings: Any) -> Any:
    if not settings.microsoft_client_id:
        return None
    from connectors.microsoft_oauth import MicrosoftOAuth

    kw: dict[str, Any] = {"tenant": settings.microsoft_tenant}
    if getattr(settings, "microsoft_authority_base", None):
        kw["authority_base"] = settings.microsoft_authority_base
    return MicrosoftOAuth(settings.microsoft_client_id, settings.microsoft_client_secret or "",
                          redirect_uri(settings, "microsoft"), **kw)  # fmt: skip


async def start_connect(deps: Any, user: User, provider: str) -> ConnectStart:
    assert user.id is not None
    now = deps.clock()
    if provider == "google":
        oauth = google_oauth(deps.settings)
        if oauth is None:
            if deps.settings.mode is Mode.SANDBOX:
                return await connect_demo(deps, user)
            return ConnectStart(None, "Google is not set up on this install yet (GOOGLE_CLIENT_ID). "
                                      "Ask your admin.")  # fmt: skip
        state = oauth.new_state()
        url, verifier = oauth.authorization_url(state, login_hint=user.email)
        async with deps.db.transaction() as s:
            await save_oauth_state(s, cipher=cipher_for(deps.settings), state=state, user_id=user.id,
                                   provider="google", code_verifier=verifier, now=now)  # fmt: skip
        return ConnectStart(url, "Open the link to connect Google.")
    if provider == "microsoft":
        ms = microsoft_oauth(deps.settings)
        if ms is None:
            return ConnectStart(None, "Microsoft 365 is not set up on this install yet "
                                      "(MICROSOFT_CLIENT_ID). Ask your admin.")  # fmt: skip
        state = ms.new_state()
        flow = await ms.initiate_auth_code_flow(state, login_hint=user.email)
        async with deps.db.transaction() as s:
            await save_oauth_state(s, cipher=cipher_for(deps.settings), state=state, user_id=user.id,
                                   provider="microsoft", code_verifier=flow.get("code_verifier"),
                                   now=now, flow=flow)  # fmt: skip
        return ConnectStart(str(flow["auth_uri"]), "Open the link to connect Microsoft 365.")
    return ConnectStart(None, f"Unknown provider {provider!r}: use google or microsoft.")


async def connect_demo(deps: Any, user: User) -> ConnectStart:
    """Sandbox without Google: a demo mailbox that keeps sent mail in the local database."""
    assert user.id is not None
    async with deps.db.transaction() as s:
        await save_connection(s, cipher=cipher_for(deps.settings), org_id=user.org_id, user_id=user.id,
                              provider="google", tokens={}, scopes=DEMO_SCOPES, expires_at=None,
                              account_email=f"demo mailbox — {user.email}",
                              meta={"demo": True, "address": user.email})  # fmt: skip
    log.info("demo mailbox connected", extra={"user_id": user.id})
    return ConnectStart(None, ":test_tube: Connected a *demo mailbox* (sandbox: no Google app configured). "
                              "Emails you approve are \"sent\" into the local database only.", demo=True)  # fmt: skip


async def disconnect(deps: Any, user: User, provider: str) -> bool:
    """Revoke at the provider (Google) where possible, then delete the stored connection."""
    assert user.id is not None
    async with deps.db.session() as s:
        conn = await load_connection(
            s, cipher=cipher_for(deps.settings), user_id=user.id, provider=provider
        )
    if conn is None:
        return False
    if provider == "google" and not conn.meta.get("demo"):
        oauth = google_oauth(deps.settings)
        token = conn.tokens.get("refresh_token") or conn.tokens.get("access_token")
        if oauth is not None and token:
            try:
                await oauth.revoke(token)
            except Exception as exc:  # deletion goes on: we forget the tokens either way
                log.info("google revoke failed", extra={"error": type(exc).__name__})
    if provider == "microsoft":
        ms = microsoft_oauth(deps.settings)
        if ms is not None:
            return bool(await ms.disconnect(deps.db, user_id=user.id))
    async with deps.db.transaction() as s:
        return await delete_connection(s, user_id=user.id, provider=provider)


def page(title: str, text: str, status: int = 200) -> web.Response:
    body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;"
            "padding:0 1rem;color:#1d1c1d}h1{font-size:1.4rem}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")  # fmt: skip
    return web.Response(text=body, status=status, content_type="text/html")


def error_page(text: str, status: int = 400) -> web.Response:
    return page("Could not connect", text, status)


async def _refresh_home(deps: Any, user_id: int) -> None:
    fn = _refreshers.get(id(deps))
    if fn is None:
        return
    async with deps.db.session() as s:
        user = await s.get(User, user_id)
    if user is not None:
        try:
            await fn(user)
        except Exception as exc:
            log.info("home refresh after connect failed", extra={"error": type(exc).__name__})


async def _callback_state(
    deps: Any, q: Any, provider: str, label: str
) -> tuple[Any, web.Response | None]:
    """The single-use state row of an OAuth callback, or the page that says why not."""
    state = q.get("state", "")
    async with deps.db.transaction() as s:
        row = await take_oauth_state(s, cipher=cipher_for(deps.settings), state=state, provider=provider,
                                     now=deps.clock()) if state else None  # fmt: skip
    if row is None:
        return None, error_page(
            "This link has expired or was already used. Start again from Sixty in Slack."
        )
    if q.get("error"):
        return None, error_page(
            f"{label} did not grant access (you may have cancelled). "
            "Start again from Sixty in Slack when you are ready."
        )
    return row, None


def register_routes(app: web.Application, deps: Any) -> None:
    async def google_callback(request: web.Request) -> web.Response:
        q = request.query
        row, refused = await _callback_state(deps, q, "google", "Google")
        if refused is not None:
            return refused
        oauth = google_oauth(deps.settings)
        if oauth is None or not q.get("code") or not row.code_verifier:
            return error_page("Google is not set up on this install.", 503)
        from connectors.google_api import GoogleError

        try:
            grant = await oauth.exchange(q["code"], row.code_verifier)
        except GoogleError:
            return error_page("Google refused the sign-in. Start again from Sixty in Slack.", 502)
        async with deps.db.transaction() as s:
            user = await s.get(User, row.user_id)
            if user is None:
                return error_page("Unknown user.", 404)
            await save_connection(s, cipher=cipher_for(deps.settings), org_id=user.org_id, user_id=row.user_id,
                                  provider="google", tokens=grant.token_blob(), scopes=grant.scopes,
                                  expires_at=grant.expires_at, account_email=grant.account_email,
                                  meta={"demo": False})  # fmt: skip
        log.info("google connected", extra={"user_id": row.user_id, "can_send": grant.can_send})
        await _refresh_home(deps, row.user_id)
        extra = (
            ""
            if grant.can_send
            else " Sixty cannot send email for you: the send permission was not granted."
        )
        return page("Connected — you can close this tab", "Google is connected to Sixty." + extra)

    async def microsoft_callback(request: web.Request) -> web.Response:
        q = request.query
        row, refused = await _callback_state(deps, q, "microsoft", "Microsoft")
        if refused is not None:
            return refused
        ms = microsoft_oauth(deps.settings)
        if ms is None:
            return error_page("Microsoft 365 is not set up on this install.", 503)
        from connectors.graph import GraphError

        try:
            grant = await ms.acquire_token_by_auth_code_flow(row.flow, dict(q))
        except GraphError:
            return error_page(
                "Microsoft refused the sign-in. Start again from Sixty in Slack.", 502
            )
        async with deps.db.session() as s:
            user = await s.get(User, row.user_id)
        if user is None:
            return error_page("Unknown user.", 404)
        await ms.store_grant(deps.db, cipher_for(deps.settings), org_id=user.org_id, user_id=row.user_id,
                             grant=grant)  # fmt: skip
        log.info("microsoft connected", extra={"user_id": row.user_id, "can_send": grant.can_send})
        await _refresh_home(deps, row.user_id)
        extra = (
            ""
            if grant.can_send
            else " Sixty cannot send email for you: the send permission was not granted."
        )
        return page(
            "Connected — you can close this tab", "Microsoft 365 is connected to Sixty." + extra
        )

    app.router.add_get("/oauth/google/callback", google_callback)
    app.router.add_get("/oauth/microsoft/callback", microsoft_callback)
