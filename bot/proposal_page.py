"""The shareable proposal page: `/p/{token}` serves a frozen snapshot to the buyer.

`GET /p/{token}` is the snapshot's HTML with the tracker injected, behind strict headers
(noindex, no referrer, a CSP allowing only first-party script and requests, no caching);
`GET /p/{token}/pdf` its PDF; `GET /p/{token}/track.js` the first-party tracker, which posts
per-section visible seconds to `POST /p/{token}/views` with a per-tab session id (no cookies).
Unknown token: 404; expired or revoked: 410, a short plain page. A session's first beacon
writes an `_open` view and calls each `deps.proposal_view_listeners` (the rep's "opened" DM).
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from bot.webhooks import BodyTooLarge, read_limited
from storage.engine import Database
from storage.proposals import OPEN, Refused, record_view, resolve_link

log = logging.getLogger(__name__)

TRACK_JS = (Path(__file__).parent / "proposal_track.js").read_text(encoding="utf-8")
MAX_BEACON_BYTES = 1024
MAX_SECONDS = 3600
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SECTION_RE = re.compile(r"""data-section\s*=\s*["']([^"']{1,64})["']""")
BEACONS_PER_MINUTE = 30  # the tracker posts every 5 s per visible section at most
TRACKED_SESSIONS = 10_000  # the rate limiter forgets the least recent beyond this

PAGE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "script-src 'self'; connect-src 'self'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class ViewOpened:
    """A buyer's tab opened a proposal link (the first beacon of its session)."""

    token: str
    snapshot_id: int
    session_id: str
    recipient_email: str | None
    recipient_name: str | None
    at: datetime


ViewListener = Callable[[ViewOpened], Awaitable[None]]


class PageDeps(Protocol):
    db: Database
    clock: Callable[[], datetime]


class RateLimiter:
    """At most `limit` beacons per minute per (token, session), on the app's clock."""

    def __init__(self, limit: int = BEACONS_PER_MINUTE, size: int = TRACKED_SESSIONS) -> None:
        self.limit, self.size = limit, size
        self._hits: OrderedDict[tuple[str, str], list[datetime]] = OrderedDict()

    def allow(self, key: tuple[str, str], now: datetime) -> bool:
        recent = [t for t in self._hits.pop(key, []) if now - t < timedelta(minutes=1)]
        ok = len(recent) < self.limit
        if ok:
            recent.append(now)
        self._hits[key] = recent
        while len(self._hits) > self.size:
            self._hits.popitem(last=False)
        return ok


def _plain(status: int, title: str, text: str) -> web.Response:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html", headers=PAGE_HEADERS)


def _refused(reason: str) -> web.Response:
    if reason == "unknown":
        return _plain(404, "Not found", "There is no proposal at this address.")
    what = "has expired" if reason == "expired" else "has been withdrawn"
    return _plain(410, "Link no longer available",
                  f"This proposal link {what}. Ask the sender for a new one.")  # fmt: skip


def inject_tracker(html: str, token: str) -> str:
    tag = f'<script src="/p/{token}/track.js" defer></script>'
    i = html.lower().rfind("</body>")
    return html + tag if i < 0 else html[:i] + tag + html[i:]


def section_keys(html: str) -> set[str]:
    return set(SECTION_RE.findall(html))


def register_routes(app: web.Application, deps: Any) -> None:
    limiter = RateLimiter()

    async def resolve(token: str) -> Any:
        async with deps.db.session() as s:
            return await resolve_link(s, token, deps.clock())

    async def page(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        found = await resolve(token)
        if isinstance(found, Refused):
            return _refused(found.reason)
        html = inject_tracker(found.snapshot.html, found.link.token)
        return web.Response(text=html, content_type="text/html", charset="utf-8",
                            headers=PAGE_HEADERS)  # fmt: skip

    async def pdf(request: web.Request) -> web.Response:
        found = await resolve(request.match_info["token"])
        if isinstance(found, Refused):
            return _refused(found.reason)
        if found.snapshot.pdf is None:
            return _plain(404, "Not found", "This proposal has no PDF.")
        headers = dict(PAGE_HEADERS, **{"Content-Disposition": 'inline; filename="proposal.pdf"'})
        return web.Response(body=found.snapshot.pdf, content_type="application/pdf",
                            headers=headers)  # fmt: skip

    async def track(request: web.Request) -> web.Response:
        found = await resolve(request.match_info["token"])
        if isinstance(found, Refused):
            return _refused(found.reason)
        return web.Response(text=TRACK_JS, content_type="application/javascript",
                            charset="utf-8", headers=PAGE_HEADERS)  # fmt: skip

    async def views(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            raw = await read_limited(request, MAX_BEACON_BYTES)
            body = json.loads(raw)
        except BodyTooLarge:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        except ValueError:
            return web.json_response({"ok": False, "error": "not JSON"}, status=400)
        session_id = body.get("session") if isinstance(body, dict) else None
        section = body.get("section") if isinstance(body, dict) else None
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if not isinstance(session_id, str) or not SESSION_RE.match(session_id):
            return web.json_response({"ok": False, "error": "bad session"}, status=400)
        if (
            not isinstance(seconds, int)
            or isinstance(seconds, bool)
            or not 0 <= seconds <= MAX_SECONDS
        ):
            return web.json_response({"ok": False, "error": "bad seconds"}, status=400)
        now = deps.clock()
        if not limiter.allow((token, session_id), now):
            return web.json_response({"ok": False, "error": "slow down"}, status=429)
        async with deps.db.transaction() as s:
            found = await resolve_link(s, token, now)
            if isinstance(found, Refused):
                return _refused(found.reason)
            if not isinstance(section, str) or (
                section != OPEN and section not in section_keys(found.snapshot.html)
            ):
                return web.json_response({"ok": False, "error": "unknown section"}, status=400)
            opened = await record_view(s, token, session_id, section, seconds, now)
            link = found.link
        if opened:
            event = ViewOpened(token=token, snapshot_id=link.snapshot_id, session_id=session_id,
                               recipient_email=link.recipient_email,
                               recipient_name=link.recipient_name, at=now)  # fmt: skip
            listeners: list[ViewListener] = list(getattr(deps, "proposal_view_listeners", ()))
            for listener in listeners:  # read now: the app may add listeners after startup
                try:
                    await listener(event)
                except Exception:  # a listener's failure never fails the buyer's beacon
                    log.exception("proposal view listener failed")
        return web.json_response({"ok": True}, status=202)

    app.router.add_get("/p/{token}", page)
    app.router.add_get("/p/{token}/pdf", pdf)
    app.router.add_get("/p/{token}/track.js", track)
    app.router.add_post("/p/{token}/views", views)
