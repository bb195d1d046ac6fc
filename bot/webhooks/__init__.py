"""Webhook routes and the HTTP helpers they share: bounded body reading, Svix/Standard Webhooks
signature checks, constant-time secret comparison and JSON error answers.

Each route module exposes `register_routes(app, deps)`; `deps` gives `db`, `settings` and an
async `submit(event)` (the orchestrator's door). Handlers parse, authenticate, store what must
be stored, hand an `Event` over and answer fast.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from aiohttp import web
from svix.webhooks import Webhook, WebhookVerificationError

from config import Settings
from orchestrator.events import Event, JobRef, Skipped
from storage.engine import Database

log = logging.getLogger(__name__)

_READ_CHUNK = 64 * 1024
SVIX_HEADERS = ("svix-id", "svix-timestamp", "svix-signature")
STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class WebhookDeps(Protocol):
    db: Database
    settings: Settings

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


def verify_signature(secret: str | None, body: bytes, headers: Mapping[str, str]) -> bool:
    """Check a Svix-signed body with the `svix` package.

    `svix.webhooks.Webhook.verify` reads `svix-id/-timestamp/-signature` and falls back to the
    Standard Webhooks names `webhook-id/-timestamp/-signature` (svix 2.9.1 `svix/webhooks.py`),
    so one call covers MeetingBaaS v2 and both Recall.ai header styles. It also rejects
    timestamps more than 5 minutes away (replays)."""
    if not secret:
        return False
    try:
        verifier = Webhook(secret)
    except Exception:  # a malformed secret is a configuration error: authenticate nothing
        log.error("webhook secret is not a valid whsec_ secret")
        return False
    wanted = {
        k.lower(): v for k, v in headers.items() if k.lower() in SVIX_HEADERS + STANDARD_HEADERS
    }
    try:
        verifier.verify(body, wanted)
    except (WebhookVerificationError, ValueError):  # ValueError: malformed header or body
        return False
    return True


def secret_equals(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
