"""The sandbox page's backend: the HTML, a long-poll state endpoint and the user's gestures.

`GET /page/api/state?user=U&since=N` answers at once when the workspace changed after
version N, else waits (up to 25 s) for the next change, so the page updates live without
polling on a timer. The POST endpoints turn what a person does on the page into what Slack
would send the app: slash commands, IM `message` events, `block_actions`,
`view_submission`/`view_closed`, `app_home_opened`, and the sample-event panel.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.payloads import RequiredFieldMissing

if TYPE_CHECKING:
    from sandbox.server import Sandbox

log = logging.getLogger(__name__)

INDEX = Path(__file__).parent / "static" / "index.html"
LONG_POLL_S = 25.0


def add_routes(app: web.Application, sb: Sandbox) -> None:
    async def index(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(INDEX, headers={"Cache-Control": "no-store"})

    async def state(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "-1") or -1)
        if since >= sb.version:
            with contextlib.suppress(TimeoutError):
                await sb.wait_for(lambda: sb.version > since or sb.stopping, timeout=LONG_POLL_S)
        return web.json_response(snapshot(sb, request.query.get("user")))

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        user_id, text = body["user"], str(body.get("text", "")).strip()
        if not text:
            raise web.HTTPBadRequest(text="empty message")
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            sb.fire_slash_command(user_id, command, rest.strip())
        else:
            sb.fire_dm(user_id, text)
        return web.json_response({"ok": True})

    async def action(request: web.Request) -> web.Response:
        body = await request.json()
        sb.fire_click(
            body["user"],
            body["ref"],
            body["action_id"],
            body.get("value"),
            block_id=body.get("block_id"),
            state=body.get("state") or None,
        )
        return web.json_response({"ok": True})

    async def submit(request: web.Request) -> web.Response:
        body = await request.json()
        sb.workspace.view_errors.pop(body["view_id"], None)
        try:
            sb.fire_submit_view(body["user"], body["view_id"], body.get("values") or {})
        except RequiredFieldMissing as exc:  # shown next to the inputs, as Slack's client does
            return web.json_response({"ok": False, "errors": exc.errors})
        return web.json_response({"ok": True})

    async def close(request: web.Request) -> web.Response:
        body = await request.json()
        sb.fire_close_view(body["user"], body["view_id"])
        return web.json_response({"ok": True})

    async def home_opened(request: web.Request) -> web.Response:
        body = await request.json()
        sb.fire_app_home_opened(body["user"], body.get("tab", "home"))
        return web.json_response({"ok": True})

    async def panel(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            result = await sb.run_panel_action(int(body["index"]), body["user"])
        except Exception as exc:  # the page shows what went wrong instead of a blank failure
            log.exception("panel action failed")
            return web.json_response({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return web.json_response({"ok": True, "result": result})

    app.router.add_get("/", index)
    app.router.add_get("/page/api/state", state)
    app.router.add_post("/page/api/send", _guard(send))
    app.router.add_post("/page/api/action", _guard(action))
    app.router.add_post("/page/api/submit", _guard(submit))
    app.router.add_post("/page/api/close", _guard(close))
    app.router.add_post("/page/api/home_opened", _guard(home_opened))
    app.router.add_post("/page/api/panel", panel)


def _guard(handler: Any) -> Any:
    """Unknown users, views or elements are the page's mistake: answer 400 with the reason."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (KeyError, ValueError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)

    return guarded


def snapshot(sb: Sandbox, user_id: str | None) -> dict[str, Any]:
    """Everything the page shows for one user, in one JSON document."""
    ws = sb.workspace
    humans = ws.humans()
    if user_id not in ws.users or ws.users[user_id].is_bot:
        user_id = humans[0].id if humans else None
    timeline: list[dict[str, Any]] = []
    home = None
    views: list[dict[str, Any]] = []
    if user_id is not None:
        channel = ws.im_for(user_id)
        timeline = sb.messages(channel) + [
            e for e in sb.ephemerals(user_id) if e["channel"] == channel
        ]
        timeline.sort(key=lambda m: tuple(int(part) for part in m["ts"].split(".")))
        home = sb.home_view(user_id)
        views = sb.open_views(user_id)
    return {
        "version": sb.version,
        "team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.team_domain},
        "bot": {"id": ws.bot_user.id, "name": ws.bot_user.name, "real_name": ws.bot_user.real_name},
        "users": [
            {
                "id": u.id,
                "name": u.name,
                "real_name": u.real_name,
                "email": u.email,
                "tz": u.tz,
                "is_admin": u.is_admin,
            }
            for u in humans
        ],
        "user": user_id,
        "timeline": timeline,
        "home": home,
        "views": views,
        "view_errors": {v["id"]: sb.view_errors(v["id"]) for v in views},
        "connections": len(sb.hub.live_connections()),
        "panel": [
            {"index": i, "label": a.label, "description": a.description}
            for i, a in enumerate(sb.panel_actions)
        ],
        "activity": list(sb.activity)[-12:],
    }
