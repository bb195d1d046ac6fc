"""Webhook routes and the HTTP helpers they share: bounded body reading, Svix/Standard Webhooks
signature checks, constant-time secret comparison and JSON error answers.

Each route module exposes `register_routes(app, deps)`; `deps` gives `db`, `settings`, the
process's `clock` and an async `submit(event)` (the orchestrator's door). Handlers parse, authenticate, store what must
be stored, hand an `Event` over and answer fast.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiohttp import web
from standardwebhooks.webhooks import Webhook

from config import Settings
from orchestrator.events import Event, JobRef, Skipped
from storage.engine import Database

log = logging.getLogger(__name__)

_READ_CHUNK = 64 * 1024
SVIX_HEADERS = ("svix-id", "svix-timestamp", "svix-signature")
STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
SIGNATURE_TOLERANCE = timedelta(minutes=5)  # Svix's and Standard Webhooks' replay window


class WebhookDeps(Protocol):
    db: Database
    settings: Settings
    clock: Callable[[], datetime]

    async def submit(self, event: Event) -> JobRef | Skipped: ...


class BodyTooLarge(Exception):
    pass


def json_error(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


async def read_limited(request: web.Request, max_bytes: int) -> bytes:
    """The request body, refusing more than `max_bytes` (declared or actually sent)."""
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise BodyTooLarge
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = await request.content.read(_READ_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def has_signature_headers(headers: Mapping[str, str]) -> bool:
    """Svix (`svix-*`) or Standard Webhooks (`webhook-*`) signature headers are present."""
    return any(h in headers for h in SVIX_HEADERS + STANDARD_HEADERS)


def verify_signature(
    secret: str | None, body: bytes, headers: Mapping[str, str], now: datetime
) -> bool:
    """Check a Svix / Standard Webhooks signed body (MeetingBaaS v2, both Recall.ai styles).

    Reads `svix-id/-timestamp/-signature` or the Standard Webhooks names `webhook-*`, rejects a
    timestamp more than 5 minutes from `now` (a replay; `now` is the app's clock, so the window
    is judged on the same timeline as everything else), and compares the body's signature, made
    by the `standardwebhooks` library (the one svix wraps) byte for byte, with each one sent."""
    if not secret:
        return False
    try:
        signer = Webhook(secret)
    except Exception:  # a malformed secret is a configuration error: authenticate nothing
        log.error("webhook secret is not a valid whsec_ secret")
        return False
    low = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, sent = (
        low.get(s) or low.get(w) for s, w in zip(SVIX_HEADERS, STANDARD_HEADERS, strict=True)
    )
    if not (msg_id and stamp and sent):
        return False
    try:
        at = datetime.fromtimestamp(float(stamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return False
    if abs(now - at) > SIGNATURE_TOLERANCE:
        return False
    expected = signer.sign(msg_id, at, body).encode()
    return any(hmac.compare_digest(expected, s.encode()) for s in sent.split(" "))


def secret_equals(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
