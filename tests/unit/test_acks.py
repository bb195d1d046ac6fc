"""bot/acks.py: a listener that acks and then fails at once still gets its ack to Slack at once.

Without `KeepAcks`, Bolt's runner writes `ack.response = None` on the error path and waits out
its 3 s ack timeout for an ack it has already lost (what issue 11 saw as a 3 s delay on crafted
clicks). Dispatch level, as bolt-python's own scenario tests do it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.acks import KeepAcks, StickyAck


async def test_ack_then_error_is_answered_at_once() -> None:
    async def authorize(**_: Any) -> AuthorizeResult:  # no auth.test round trip in a unit test
        return AuthorizeResult(
            enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UBOT"
        )

    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-test"),
        authorize=authorize,
        request_verification_enabled=False,
        process_before_response=False,
    )
    app.use(KeepAcks())
    errors: list[Exception] = []
    failed = asyncio.Event()

    @app.error
    async def on_error(error: Exception) -> None:
        errors.append(error)
        failed.set()

    @app.action("boom")
    async def boom(ack: AsyncAck, action: dict[str, Any]) -> None:
        await ack()
        action["value"]

    body = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "token": "t",
        "trigger_id": "1.2",
        "actions": [{"type": "button", "action_id": "boom", "block_id": "b", "action_ts": "1"}],
    }
    started = time.monotonic()
    resp = await app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    assert resp.status == 200 and time.monotonic() - started < 1.0
    async with asyncio.timeout(
        5
    ):  # the listener ran on after the ack; its error reached the handler
        await failed.wait()
    assert isinstance(errors[0], KeyError)


def test_sticky_ack_keeps_its_response() -> None:
    ack = StickyAck()
    assert ack.response is None
    ack.response = None
    assert ack.response is None
    first = BoltResponse(status=200, body="")
    ack.response = first
    ack.response = None
    assert ack.response is first
    second = BoltResponse(status=500, body="")
    ack.response = second
    assert ack.response is second
