"""Every webhook route reads its body through the one JSON reader: 100,000-deep nesting and
plain garbage are a 400 naming the problem (with or without authentication), never a 500."""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from svix.webhooks import Webhook

from bot.webhooks import gmail_push, graph, recorders
from config import Settings
from orchestrator.events import Event, JobRef, Skipped
from storage.engine import Database

MB_KEY = "mb-test-key"
MB_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
RECALL_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
PUSH_TOKEN = "push-token"
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # the app's clock: signatures are judged by it
DEEP = b"[" * 100_000
DEEP_REASON = "body is nested deeper than 64 levels"
GARBAGE = [
    (DEEP, DEEP_REASON),
    (b'{"event": ' * 100_000, DEEP_REASON),
    (b"{bad", "body is not valid JSON: Expecting property name enclosed in double quotes"),
    (b"payload=%7Bx", "body is not valid JSON: Expecting value at line 1 column 1"),
    (b"\xff\xfe\x00\x81", "body is not UTF-8 text"),
]


@dataclass
class Deps:
    db: Database
    settings: Settings
    events: list[Event] = field(default_factory=list)
    clock: Callable[[], datetime] = lambda: NOW

    async def submit(self, event: Event) -> JobRef | Skipped:
        self.events.append(event)
        return JobRef(len(self.events), event.type)


@pytest.fixture
async def client(sqlite_db: Database) -> AsyncIterator[TestClient]:
    settings = Settings(
        _env_file=None,
        meetingbaas_api_key=MB_KEY,
        meetingbaas_webhook_secret=MB_SECRET,
        recall_webhook_secret=RECALL_SECRET,
    )
    deps = Deps(sqlite_db, settings)
    app = web.Application()
    recorders.register_routes(app, deps)
    gmail_push.register_routes(app, deps, push_token=PUSH_TOKEN)
    graph.register_routes(app, deps)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as c:
        yield c
    assert deps.events == []


def svix(secret: str, body: bytes) -> dict[str, str]:
    msg_id, now = "msg_" + os.urandom(6).hex(), NOW
    # svix signs text; a non-UTF-8 body cannot be signed, so it goes unsigned-but-headed
    text = body.decode("utf-8", "replace")
    return {"svix-id": msg_id, "svix-timestamp": str(int(now.timestamp())),
            "svix-signature": Webhook(secret).sign(msg_id, now, text)}  # fmt: skip


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def answer(
    client: TestClient, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str]:
    resp = await client.post(
        path, data=body, headers={"content-type": "application/json", **headers}
    )
    return resp.status, (await resp.json())["error"]


@pytest.mark.parametrize(("body", "reason"), GARBAGE, ids=range(len(GARBAGE)))
async def test_graph_without_authentication(
    client: TestClient, caplog: pytest.LogCaptureFixture, body: bytes, reason: str
) -> None:
    status, error = await answer(client, graph.PATH, body, {})
    assert status == 400 and error.startswith(reason)
    status, error = await answer(client, graph.LIFECYCLE_PATH, body, {})
    assert status == 400 and error.startswith(reason)
    no_traceback(caplog)


@pytest.mark.parametrize(("body", "reason"), GARBAGE, ids=range(len(GARBAGE)))
async def test_recorders_for_authenticated_senders(
    client: TestClient, caplog: pytest.LogCaptureFixture, body: bytes, reason: str
) -> None:
    v1 = await answer(client, "/webhooks/meetingbaas", body, {"x-meeting-baas-api-key": MB_KEY})
    assert v1[0] == 400 and v1[1].startswith(reason)
    if not reason.endswith("UTF-8 text"):  # a signature is over text
        v2 = await answer(client, "/webhooks/meetingbaas", body, svix(MB_SECRET, body))
        assert v2[0] == 400 and v2[1].startswith(reason)
        recall = await answer(client, "/webhooks/recall", body, svix(RECALL_SECRET, body))
        assert recall[0] == 400 and recall[1].startswith(reason)
    # without credentials the body is never read
    assert (await answer(client, "/webhooks/recall", body, {}))[0] == 401
    no_traceback(caplog)


@pytest.mark.parametrize(("body", "reason"), GARBAGE, ids=range(len(GARBAGE)))
async def test_gmail_push_for_authenticated_senders(
    client: TestClient, caplog: pytest.LogCaptureFixture, body: bytes, reason: str
) -> None:
    path = f"{gmail_push.PATH}?token={PUSH_TOKEN}"
    body = body[:60_000]  # the route takes 64 KB at most; 60,000 bytes still nest 6,000+ deep
    status, error = await answer(client, path, body, {})
    assert status == 400 and error.startswith(reason)
    no_traceback(caplog)


async def test_gmail_push_with_deep_message_data(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    data = base64.urlsafe_b64encode(b"[" * 40_000).decode()
    envelope = json.dumps({"message": {"data": data, "messageId": "1"}}).encode()
    status, error = await answer(client, f"{gmail_push.PATH}?token={PUSH_TOKEN}", envelope, {})
    assert (status, error) == (400, "message.data is not base64 JSON")
    status, _ = await answer(client, f"{gmail_push.PATH}?token={PUSH_TOKEN}", DEEP, {})
    assert status == 413
    no_traceback(caplog)
