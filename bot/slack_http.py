"""`POST /slack/events` in HTTP mode: Slack's signature is checked on the raw body first.

Order, each refusal one warning line and a JSON answer, never a traceback:
1. the body, at most `max_body_bytes` (413);
2. `X-Slack-Request-Timestamp` (digits) and `X-Slack-Signature` (`v0=` + 64 hex) present and
   well formed (401), the body UTF-8 (400; Slack signs text);
3. the signature, with `slack_sdk.signature.SignatureVerifier` on the raw text: right secret,
   timestamp within five minutes of the app's clock (401);
4. the body readable the way Bolt will read it (`slack_bolt.request.internals.parse_body`):
   JSON bodies and a form's `payload` field through the one JSON reader (depth limit), as an
   object (400), whose ids Bolt can read (400).
Only then is the request handed to Bolt, which dispatches it to the listeners.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import Clock, SignatureVerifier

from bot.webhooks import BodyTooLarge, json_error, read_limited
from skills.json_input import JSONInputError, read_json

log = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

Handler = Callable[[web.Request], Awaitable[web.Response]]


class _AppClock(Clock):
    """The app's injected clock, as the seconds `SignatureVerifier` compares timestamps with."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now().timestamp()


def unreadable(text: str, content_type: str | None) -> str | None:
    """Why Bolt could not read this body (None when it can), deciding JSON or form as it does."""
    if not text:
        return None
    try:
        if content_type == "application/json" or text.startswith("{"):
            doc: Any = read_json(text, what="body")
        elif "payload" in text:
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            if payload is None:
                return None
            doc = read_json(payload, what="payload")
        else:
            return None
    except JSONInputError as exc:
        return exc.reason
    return None if isinstance(doc, dict) else "the JSON is not an object"


def slack_events_handler(
    bolt: AsyncApp, *, signing_secret: str | None, max_bytes: int, clock: Callable[[], datetime]
) -> Handler:
    verifier = SignatureVerifier(signing_secret, _AppClock(clock)) if signing_secret else None
    if verifier is None:
        log.error("HTTP mode without SLACK_SIGNING_SECRET: every Slack request is refused")

    def refuse(status: int, reason: str) -> web.Response:
        log.warning("slack request refused", extra={"status": status, "reason": reason})
        return json_error(status, reason)

    async def slack_events(request: web.Request) -> web.Response:
        try:
            raw = await read_limited(request, max_bytes)
        except BodyTooLarge:
            return refuse(413, f"body larger than {max_bytes} bytes")
        headers: dict[str, str] = {}
        for name, value in request.headers.items():  # the first of repeated headers, as Bolt
            headers.setdefault(name.lower(), value)  # is given exactly what was checked
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return refuse(401, "missing or malformed Slack signature headers")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return refuse(400, "body is not UTF-8 text")
        if verifier is None or not verifier.is_valid(text, timestamp, signature):
            return refuse(401, "bad or expired Slack signature")
        content_type = headers.get("content-type")
        reason = unreadable(text, content_type.split(";")[0] if content_type else None)
        if reason is not None:
            return refuse(400, reason)
        try:  # Bolt reads ids out of the payload as it builds the request (team, channel, ...)
            bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
            bolt_request = AsyncBoltRequest(
                body=text, query=request.query_string, headers=bolt_headers
            )
        except (TypeError, AttributeError, KeyError, ValueError):
            return refuse(400, "body is not a Slack payload")
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return slack_events
