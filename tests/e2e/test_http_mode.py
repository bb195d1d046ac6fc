"""HTTP mode: `/slack/events` verifies Slack's signature, answers commands, and drops redelivered events."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import shutil
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from app import Runtime
from config import load_settings
from sandbox.server import Sandbox
from storage.models import SlackEventSeen
from tests.e2e.conftest import ALEX, e2e_runtime

SECRET = "test-signing-secret"


@pytest.fixture
async def http_app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[tuple[Runtime, Sandbox]]:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    sb = Sandbox(
        team_name="Sixty Demo",
        users=[
            {
                "id": ALEX,
                "name": "alex",
                "real_name": "Alex Rivera",
                "email": "alex@sixty-demo.example",
            }
        ],
    )
    await sb.start()
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'sixty.db'}",
        port=0,
        data_dir=tmp_path,
        slack_bot_token=sb.bot_token,
        slack_signing_secret=SECRET,
        slack_app_token=None,
        slack_api_url=sb.api_url,
        encryption_key=Fernet.generate_key().decode(),
        log_format="text",
    )
    runtime = e2e_runtime(settings)
    await runtime.start()
    try:
        yield runtime, sb
    finally:
        await runtime.stop()
        await sb.stop()


def signed(
    body: str, runtime: Runtime, secret: str = SECRET, ts: int | None = None
) -> dict[str, str]:
    """Headers as Slack signs them, stamped on the app's clock (Slack and the app agree on time)."""
    assert runtime.deps is not None
    ts = ts or int(runtime.deps.clock().timestamp())
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}


async def post(
    runtime: Runtime, body: str, headers: dict[str, str], content_type: str
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            runtime.urls["web"] + "/slack/events",
            data=body,
            headers={**headers, "Content-Type": content_type},
        ) as r,
    ):
        return r.status, await r.text()


async def test_signed_command_is_answered_and_forged_ones_refused(
    http_app: tuple[Runtime, Sandbox],
) -> None:
    runtime, sb = http_app
    assert runtime.deps.slack.state == "http"
    form = urllib.parse.urlencode(
        {
            "command": "/60",
            "text": "help",
            "user_id": ALEX,
            "team_id": "T0SIXTYDEMO",
            "channel_id": sb.im_channel(ALEX),
            "trigger_id": "1.2.3",
            "response_url": sb.url + "response/T0SIXTYDEMO/abc",
        }
    )
    status, _ = await post(
        runtime, form, signed(form, runtime, secret="wrong"), "application/x-www-form-urlencoded"
    )
    assert status == 401
    status, _ = await post(
        runtime,
        form,
        signed(form, runtime, ts=int(runtime.deps.clock().timestamp()) - 3600),
        "application/x-www-form-urlencoded",
    )
    assert status == 401
    status, _ = await post(
        runtime, form, signed(form, runtime), "application/x-www-form-urlencoded"
    )
    assert status == 200


async def test_redelivered_event_is_handled_once(http_app: tuple[Runtime, Sandbox]) -> None:
    runtime, sb = http_app
    event = {
        "type": "event_callback",
        "team_id": "T0SIXTYDEMO",
        "api_app_id": "A1",
        "event_id": "Ev0001",
        "event_time": int(runtime.deps.clock().timestamp()),
        "event": {
            "type": "app_home_opened",
            "user": ALEX,
            "tab": "home",
            "channel": sb.im_channel(ALEX),
        },
    }
    body = json.dumps(event)
    for _ in range(3):  # Slack retries when an ack is late
        status, _ = await post(runtime, body, signed(body, runtime), "application/json")
        assert status == 200
    await sb.wait_for(lambda: sb.home_view(ALEX), timeout=15)
    other = json.dumps({**event, "event_id": "Ev0002"})
    status, _ = await post(runtime, other, signed(other, runtime), "application/json")
    await sb.wait_for(lambda: len(sb.calls_to("views.publish")) >= 2, timeout=15)
    # the negative check: two distinct events were recorded once each, the engine is drained,
    # and no third publish came from the retries
    await runtime.engine.settled()
    async with runtime.db.session() as s:
        seen = (await s.exec(select(SlackEventSeen.event_id))).all()
    assert sorted(seen) == ["Ev0001", "Ev0002"]
    assert len(sb.calls_to("views.publish")) == 2


UNSIGNED_GARBAGE = [
    (b"{bad", "application/json", {}, 401),
    (b"payload=%7Bx", "application/x-www-form-urlencoded", {}, 401),
    (b"\xff\xfe\x00\x81payload", "application/json", {}, 401),
    (b"[" * 100_000, "application/json", {}, 401),
    (
        b"{}",
        "application/json",
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64},
        401,
    ),
    (
        b"{}",
        "application/json",
        {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=\u00e9"},
        401,
    ),
    (
        b"\xff\xfe\x00\x81",
        "application/json",
        {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": "v0=" + "a" * 64},
        400,
    ),
]


async def test_unsigned_or_malformed_requests_are_refused_in_one_line(
    http_app: tuple[Runtime, Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    """The signature is checked on the raw body before anything parses it (issue 11, 3.3)."""
    runtime, _ = http_app
    url = runtime.urls["web"] + "/slack/events"
    async with aiohttp.ClientSession() as http:
        for body, content_type, headers, status in UNSIGNED_GARBAGE:
            caplog.clear()
            async with http.post(
                url, data=body, headers={**headers, "Content-Type": content_type}
            ) as r:
                assert r.status == status, body[:20]
                assert (await r.json())["ok"] is False
            refused = [rec for rec in caplog.records if rec.getMessage() == "slack request refused"]
            assert len(refused) == 1 and refused[0].status == status  # type: ignore[attr-defined]
            assert not [
                rec for rec in caplog.records if rec.exc_info or rec.levelno >= logging.ERROR
            ]


async def test_signed_garbage_is_a_400_naming_the_problem(
    http_app: tuple[Runtime, Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    runtime, _ = http_app
    form = "application/x-www-form-urlencoded"
    cases = [
        ("{bad", "application/json", "body is not valid JSON: Expecting property name"),
        ("[" * 100_000, "application/json", "body is nested deeper than 64 levels"),
        ("[1, 2]", "application/json", "the JSON is not an object"),
        ('{"team": 5, "channel": [1]}', "application/json", "body is not a Slack payload"),
        ("payload=%7Bx", form, "payload is not valid JSON: Expecting property name"),
        ("payload=" + "%5B" * 100_000, form, "payload is nested deeper than 64 levels"),
    ]
    for body, content_type, reason in cases:
        caplog.clear()
        status, answer = await post(runtime, body, signed(body, runtime), content_type)
        assert status == 400 and json.loads(answer)["error"].startswith(reason)
        assert not [rec for rec in caplog.records if rec.exc_info or rec.levelno >= logging.ERROR]
