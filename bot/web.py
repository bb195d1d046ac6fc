"""The aiohttp web app: `/healthz`, `/readyz`, `/slack/events` (HTTP mode) and webhook routes."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot import proposal_page
from bot.deps import Deps
from bot.slack_http import slack_events_handler
from bot.webhooks import (
    gmail_push,
    google_calendar_push,
    graph,
    hubspot,
    instantly,
    oauth,
    recorders,
)

log = logging.getLogger(__name__)

DEPS_KEY = web.AppKey("deps", Deps)

# Modules with `register_routes(app, deps)`: webhooks, OAuth callbacks, the proposal page.
ROUTE_MODULES = (
    recorders, gmail_push, google_calendar_push, graph, oauth, proposal_page, instantly, hubspot
)  # fmt: skip


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    checks: dict[str, object] = {}
    ok = True
    try:
        await deps.db.ping()
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports any failure as not ready
        checks["database"] = f"error: {type(exc).__name__}"
        ok = False
    slack = deps.slack
    checks["slack"] = {
        "mode": slack.mode,
        "state": slack.state,
        "since": slack.since.isoformat(),
        "reconnects": slack.reconnects,
    }
    if slack.state not in ("connected", "http"):
        ok = False
    return web.json_response({"ok": ok, "checks": checks}, status=200 if ok else 503)


def build_web_app(deps: Deps, bolt: AsyncApp | None, *, http_mode: bool) -> web.Application:
    app = web.Application(client_max_size=deps.settings.max_body_bytes)
    app[DEPS_KEY] = deps
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if http_mode and bolt is not None:  # the signature is checked before the body is parsed
        handler = slack_events_handler(
            bolt,
            signing_secret=deps.settings.slack_signing_secret,
            max_bytes=deps.settings.max_body_bytes,
            clock=lambda: deps.clock(),
        )
        app.router.add_post("/slack/events", handler)
    for module in ROUTE_MODULES:
        module.register_routes(app, deps)
    return app
