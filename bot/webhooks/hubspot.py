"""`POST /webhooks/hubspot`: HubSpot webhook deliveries, and the HubSpot install (OAuth) routes.

Webhook: signature v3 (`connectors.hubspot_signature`) over the exact URI HubSpot called
(PUBLIC_BASE_URL + path and query when set, else the request URL), the raw body and the
timestamp, with the app's client secret; older than 5 minutes, a bad signature, or the same
signature seen again (a replay) -> 401 and nothing is stored. The body is a JSON array of
events (400 otherwise). Events are grouped by portal; a portal with no active connection is
acknowledged and ignored (so HubSpot stops retrying). The rest goes to
`flows.crm_sync.inbound.handle_events` (dedupe by eventId, re-read, apply HubSpot-owned
fields); if HubSpot cannot be reached the answer is 503 and HubSpot retries (already-seen
event ids are dropped then, the journal replays the rest).

Install: `start_install(deps, user)` (admins only; the caller checks) stores a single-use
`state` (provider `hubspot`) and returns HubSpot's install URL with the minimal scopes;
`GET /oauth/hubspot/callback` takes the state once, exchanges the code at the token endpoint,
stores the tokens sealed for the org, and submits the `crm_import` job (`flows.crm_sync.sequence`;
one per org and connection time), which imports the portal durably and DMs the admin.
Nothing here logs bodies, tokens or codes.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.webhooks import BodyTooLarge, json_error, read_limited
from bot.webhooks.oauth import ConnectStart, error_page, page
from connectors.hubspot import HubSpotError
from connectors.hubspot_models import WebhookEvent
from connectors.hubspot_oauth import exchange_code, install_url
from connectors.hubspot_signature import SIGNATURE_HEADER, SignatureRejected, verify_headers
from connectors.mailbox import cipher_for, redirect_uri
from flows.crm_sync.connection import api_base, client_for
from flows.crm_sync.inbound import handle_events
from orchestrator.events import Event, EventSource, EventType, Skipped
from storage import hubspot
from storage.connections import save_oauth_state, take_oauth_state
from storage.models import User

log = logging.getLogger(__name__)

PATH = "/webhooks/hubspot"
CALLBACK_PATH = "/oauth/hubspot/callback"
PROVIDER = "hubspot"
REPLAY_WINDOW_S = 5 * 60


def signed_uri(request: web.Request, settings: Any) -> str:
    base = getattr(settings, "public_base_url", None)
    if base:
        return base.rstrip("/") + request.path_qs
    return str(request.url)


async def start_install(deps: Any, user: User) -> ConnectStart:
    """The HubSpot install link for an admin (the caller checks the role)."""
    assert user.id is not None
    settings = deps.settings
    if not settings.hubspot_client_id or not settings.hubspot_client_secret:
        return ConnectStart(None, "HubSpot is not set up on this install yet (HUBSPOT_CLIENT_ID "
                                  "and HUBSPOT_CLIENT_SECRET). Or connect with a service key: "
                                  "`sixty hubspot connect --service-key`.")  # fmt: skip
    state = secrets.token_urlsafe(24)
    async with deps.db.transaction() as s:
        await save_oauth_state(s, cipher=cipher_for(settings), state=state, user_id=user.id,
                               provider=PROVIDER, code_verifier=None, now=deps.clock())  # fmt: skip
    url = install_url(client_id=settings.hubspot_client_id, state=state,
                      redirect_uri=redirect_uri(settings, PROVIDER),
                      auth_base=settings.hubspot_auth_base)  # fmt: skip
    return ConnectStart(url, "Open the link to connect HubSpot for your workspace.")


def import_event(org_id: int, user_id: int | None, connected_at: datetime) -> Event:
    """The `crm_import` job for a connection: one per org and connection time."""
    at = connected_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return Event(type=EventType.CRM_IMPORT, source=EventSource.OAUTH_HUBSPOT, org_id=org_id,
                 user_id=user_id, payload={"connected_at": at},
                 idempotency_key=f"{EventType.CRM_IMPORT}:{org_id}:{at}")  # fmt: skip


def register_routes(app: web.Application, deps: Any) -> None:
    seen_signatures: dict[str, float] = {}

    def epoch() -> float:
        return float(deps.clock().timestamp())

    def replayed(signature: str) -> bool:
        now = epoch()
        for sig, until in list(seen_signatures.items()):
            if until <= now:
                del seen_signatures[sig]
        if signature in seen_signatures:
            return True
        seen_signatures[signature] = now + REPLAY_WINDOW_S
        return False

    async def hubspot_webhook(request: web.Request) -> web.Response:
        try:
            body = await read_limited(request, deps.settings.max_body_bytes)
        except BodyTooLarge:
            return json_error(413, f"body larger than {deps.settings.max_body_bytes} bytes")
        try:
            verify_headers(deps.settings.hubspot_client_secret or "", method=request.method,
                           uri=signed_uri(request, deps.settings), body=body,
                           headers=request.headers, clock=epoch)  # fmt: skip
        except SignatureRejected as exc:
            log.warning("hubspot webhook rejected", extra={"reason": str(exc)})
            return json_error(401, "unauthenticated")
        if replayed(request.headers.get(SIGNATURE_HEADER, "")):
            log.warning("hubspot webhook replayed")
            return json_error(401, "replayed")
        try:
            docs = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return json_error(400, "body is not JSON")
        if not isinstance(docs, list):
            return json_error(400, "expected a JSON array of events")
        by_portal: dict[str, list[WebhookEvent]] = {}
        for doc in docs:
            if isinstance(doc, dict) and doc.get("eventId") is not None:
                ev = WebhookEvent.from_api(doc)
                by_portal.setdefault(str(ev.portal_id), []).append(ev)
        applied = duplicates = 0
        for portal, events in by_portal.items():
            async with deps.db.session() as s:
                row = await hubspot.connection_by_portal(s, portal)
            if row is None:
                log.info("hubspot webhook for an unconnected portal")
                continue
            client = client_for(row, db=deps.db, settings=deps.settings,
                                cipher=cipher_for(deps.settings), clock=epoch)  # fmt: skip
            try:
                got = await handle_events(deps.db, client, row.org_id, events, clock=deps.clock)
            except HubSpotError as exc:
                log.warning(
                    "hubspot webhook could not re-read", extra={"error": type(exc).__name__}
                )
                return json_error(503, "try again")
            applied += sum(got.applied.values())
            duplicates += got.duplicates
        return web.json_response({"ok": True, "applied": applied, "duplicates": duplicates})

    async def hubspot_callback(request: web.Request) -> web.Response:
        q = request.query
        settings = deps.settings
        state = q.get("state", "")
        async with deps.db.transaction() as s:
            row = await take_oauth_state(s, cipher=cipher_for(settings), state=state,
                                         provider=PROVIDER, now=deps.clock()) if state else None  # fmt: skip
        if row is None:
            return error_page("This link has expired or was already used. "
                              "Start again from Sixty's Home tab in Slack.")  # fmt: skip
        if q.get("error") or not q.get("code"):
            return error_page("HubSpot did not grant access (you may have cancelled). "
                              "Start again from Sixty's Home tab when you are ready.")  # fmt: skip
        if not settings.hubspot_client_id or not settings.hubspot_client_secret:
            return error_page("HubSpot is not set up on this install.", 503)
        try:
            grant = await exchange_code(code=q["code"], client_id=settings.hubspot_client_id,
                                        client_secret=settings.hubspot_client_secret,
                                        redirect_uri=redirect_uri(settings, PROVIDER),
                                        now=deps.clock(), api_base=api_base(settings))  # fmt: skip
        except HubSpotError:
            return error_page(
                "HubSpot refused the install. Start again from Sixty's Home tab.", 502
            )
        if not grant.hub_id:
            return error_page(
                "HubSpot did not name the portal. Start again from Sixty's Home tab.", 502
            )
        async with deps.db.transaction() as s:
            user = await s.get(User, row.user_id)
            if user is None:
                return error_page("Unknown user.", 404)
            conn = await hubspot.save_connection(
                s, cipher=cipher_for(settings), org_id=user.org_id, portal_id=str(grant.hub_id),
                auth_kind=hubspot.OAUTH, access_token=grant.access_token,
                refresh_token=grant.refresh_token, expires_at=grant.expires_at,
                scopes=grant.scopes, connected_by=user.id, now=deps.clock(),
            )  # fmt: skip
            org_id, connected_at = user.org_id, conn.connected_at
            ev = import_event(org_id, user.id, connected_at)
        log.info("hubspot connected", extra={"org_id": org_id})
        submitted = await deps.submit(ev)
        if isinstance(submitted, Skipped) and submitted.reason != "duplicate":
            log.warning("hubspot import not queued", extra={"org_id": org_id,
                                                            "reason": submitted.reason})  # fmt: skip
            return page("Connected — you can close this tab",
                        f"HubSpot portal {grant.hub_id} is connected to Sixty, but the import "
                        "could not be queued. Run `sixty crm import` to import it.")  # fmt: skip
        return page("Connected — you can close this tab",
                    f"HubSpot portal {grant.hub_id} is connected to Sixty. The import has started; "
                    "its progress shows on Sixty's Home tab and Sixty sends you a message in "
                    "Slack when it is done.")  # fmt: skip

    app.router.add_post(PATH, hubspot_webhook)
    app.router.add_get(CALLBACK_PATH, hubspot_callback)
