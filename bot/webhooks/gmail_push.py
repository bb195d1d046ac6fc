"""`POST /webhooks/gmail`: Gmail push notifications delivered by a Pub/Sub push subscription.

Authenticity, as Google documents it (cloud.google.com/pubsub/docs/authenticate-push-subscriptions):
the push carries `Authorization: Bearer <OIDC JWT>` signed by Google; we check the signature
against Google's certs (`google.oauth2.id_token.verify_token` with `certs_url`, cached per the
answer's max-age and refetched once for an unknown key id), `iss` = accounts.google.com, `aud` =
GOOGLE_PUBSUB_AUDIENCE or PUBLIC_BASE_URL + this path, and, when configured, the push service
account in `email` with `email_verified`. A shared `?token=` query parameter is accepted as a
fallback for subscriptions set up without authentication.

The body is the Pub/Sub envelope; `message.data` is base64url JSON `{emailAddress, historyId}`.
We find the connection for that mailbox, submit a small `email_received` event
(`{provider, connection_id, history_id, pubsub_message_id}`; the inbound flow runs history.list
from its own stored id) and answer 204. 401 bad auth, 400 malformed, 204 for a mailbox we do
not know (so Pub/Sub stops retrying). The address is never logged (`redact_address`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from google.auth import exceptions as gauth_exceptions
from google.oauth2 import id_token

from bot.webhooks import BodyTooLarge, WebhookDeps, as_dict, json_error, read_limited, secret_equals
from config.logging import redact_address
from connectors.google_api import GoogleEndpoints
from orchestrator.events import Event, EventSource, EventType, JobRef
from skills.json_input import read_json
from storage.connections import connection_for_account

log = logging.getLogger(__name__)

PATH = "/webhooks/gmail"
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")


class InvalidPush(Exception):
    pass


class _CertsResponse:
    """Enough of `google.auth.transport.Response` for `id_token._fetch_certs`."""

    def __init__(self, data: bytes) -> None:
        self.status = 200
        self.headers: dict[str, str] = {}
        self.data = data


class PushVerifier:
    """Verifies Pub/Sub push OIDC tokens; Google's certs are fetched async and cached."""

    def __init__(
        self,
        audience: str,
        *,
        certs_url: str = GOOGLE_CERTS_URL,
        service_account_email: str | None = None,
        clock_skew_s: int = 10,
        timeout_s: float = 5.0,
    ) -> None:
        self.audience = audience
        self.certs_url = certs_url
        self.service_account_email = service_account_email
        self._skew = clock_skew_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._certs: bytes | None = None
        self._certs_until = 0.0
        self._lock = asyncio.Lock()

    async def _load_certs(self, *, force: bool = False) -> bytes:
        async with self._lock:
            if self._certs is not None and not force and time.monotonic() < self._certs_until:
                return self._certs
            try:
                async with (
                    aiohttp.ClientSession(timeout=self._timeout) as s,
                    s.get(self.certs_url) as resp,
                ):
                    data = await resp.read()
                    if resp.status != 200:
                        raise InvalidPush(f"certs endpoint answered {resp.status}")
                    max_age = _max_age(resp.headers.get("Cache-Control", ""))
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise InvalidPush(f"certs unavailable ({type(exc).__name__})") from None
            self._certs, self._certs_until = data, time.monotonic() + max_age
            return data

    def _check(self, token: str, certs: bytes) -> dict[str, Any]:
        def fetch(url: str, method: str = "GET", **_: Any) -> _CertsResponse:
            return _CertsResponse(certs)

        claims = id_token.verify_token(token, fetch, audience=self.audience,  # type: ignore[arg-type]
                                       certs_url=self.certs_url,
                                       clock_skew_in_seconds=self._skew)  # fmt: skip
        return dict(claims)

    async def verify(self, token: str) -> dict[str, Any]:
        certs = await self._load_certs()
        try:
            try:
                claims = self._check(token, certs)
            except ValueError as exc:
                if "not found" not in str(exc):  # unknown key id: Google rotated its keys
                    raise
                claims = self._check(token, await self._load_certs(force=True))
        except (ValueError, gauth_exceptions.GoogleAuthError) as exc:
            raise InvalidPush(type(exc).__name__) from None
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise InvalidPush("wrong issuer")
        if self.service_account_email and (
            claims.get("email") != self.service_account_email or not claims.get("email_verified")
        ):
            raise InvalidPush("wrong service account")
        return claims


def _max_age(cache_control: str) -> float:
    for part in cache_control.split(","):
        key, _, value = part.strip().partition("=")
        if key == "max-age" and value.isdigit():
            return float(value)
    return 300.0


@dataclass(frozen=True)
class Notification:
    email_address: str
    history_id: str
    pubsub_message_id: str


def parse_push(body: bytes) -> Notification:
    """The Pub/Sub envelope's Gmail notification; ValueError with a short reason if malformed."""
    envelope = read_json(body)  # JSONInputError is a ValueError with a one-line reason
    message = as_dict(as_dict(envelope).get("message"))
    data = message.get("data")
    if not isinstance(data, str) or not data:
        raise ValueError("message.data is missing")
    try:
        decoded = read_json(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except (binascii.Error, ValueError):
        raise ValueError("message.data is not base64 JSON") from None
    decoded = as_dict(decoded)
    address, history = decoded.get("emailAddress"), decoded.get("historyId")
    if not isinstance(address, str) or "@" not in address:
        raise ValueError("emailAddress is missing")
    if (
        isinstance(history, bool)
        or not isinstance(history, (int, str))
        or not str(history).isdigit()
    ):
        raise ValueError("historyId is missing")
    mid = message.get("messageId") or message.get("message_id") or ""
    return Notification(address.strip(), str(history), str(mid))


def default_audience(settings: Any) -> str | None:
    if getattr(settings, "google_pubsub_audience", None):
        return str(settings.google_pubsub_audience)
    base = getattr(settings, "public_base_url", None)
    return f"{base.rstrip('/')}{PATH}" if base else None


def register_routes(
    app: web.Application,
    deps: WebhookDeps,
    *,
    verifier: PushVerifier | None = None,
    push_token: str | None = None,
) -> None:
    """`verifier` defaults to Google's certs and `default_audience(settings)`; `push_token`
    (or a `google_pubsub_token` setting, when there is one) enables the `?token=` fallback."""
    if verifier is None:
        audience = default_audience(deps.settings)
        base = getattr(deps.settings, "google_api_base", None)
        certs = GoogleEndpoints.at(base).certs_url if base else GOOGLE_CERTS_URL
        verifier = PushVerifier(audience, certs_url=certs) if audience else None
    token = push_token or getattr(deps.settings, "google_pubsub_token", None)

    async def gmail_push(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Bearer ") and verifier is not None:
            try:
                await verifier.verify(auth[7:].strip())
                ok = True
            except InvalidPush as exc:
                log.warning("gmail push rejected", extra={"reason": str(exc)})
        if not ok and token and secret_equals(request.query.get("token"), token):
            ok = True
        if not ok:
            return json_error(401, "unauthenticated")
        try:
            body = await read_limited(request, min(deps.settings.max_body_bytes, 64 * 1024))
            note = parse_push(body)
        except BodyTooLarge:
            return json_error(413, "body too large")
        except ValueError as exc:
            log.warning("gmail push malformed", extra={"reason": str(exc)})
            return json_error(400, str(exc))
        async with deps.db.session() as session:
            conn = await connection_for_account(session, provider="google",
                                                account_email=note.email_address)  # fmt: skip
            found = (conn.id, conn.org_id, conn.user_id) if conn is not None else None
        if found is None:
            log.info("gmail push for unknown mailbox",
                     extra={"mailbox": redact_address(note.email_address)})  # fmt: skip
            return web.Response(status=204)
        conn_id, org_id, user_id = found
        event = Event(
            type=EventType.EMAIL_RECEIVED,
            source=EventSource.WEBHOOK_EMAIL,
            org_id=org_id,
            user_id=user_id,
            payload={"provider": "google", "connection_id": conn_id,
                     "history_id": note.history_id, "pubsub_message_id": note.pubsub_message_id},
            idempotency_key=f"email_received:gmail:{conn_id}:{note.history_id}",
        )  # fmt: skip
        result = await deps.submit(event)
        log.info("gmail push accepted", extra={
            "connection_id": conn_id, "history_id": note.history_id,
            **({"job_id": result.job_id} if isinstance(result, JobRef) else {"skipped": result.reason}),
        })  # fmt: skip
        return web.Response(status=204)

    app.router.add_post(PATH, gmail_push)
