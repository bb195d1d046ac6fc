"""A fake OpenAI-compatible chat completions server on loopback, scriptable per test.

`POST /v1/chat/completions` (and `/chat/completions`) answers in OpenAI's wire format with
`usage`. Tests queue replies (`reply_json`, `reply_text`, `reply_error`, `reply_slow`);
when the queue is empty the last reply repeats, so "always invalid" is one call. Every
request body is recorded in `requests` for assertions on model, messages and
`response_format`. Slow replies end as soon as the server closes, so no test waits them
out.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    error: dict[str, Any] | None = None
    prompt_tokens: int = 11
    completion_tokens: int = 7


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.request_headers: list[dict[str, str]] = []
        self._replies: deque[Reply] = deque()
        self._last: Reply | None = None
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ------------------------------------------------------------------ scripting

    def reply_json(self, obj: Any, *, prompt_tokens: int = 11, completion_tokens: int = 7) -> None:
        self._replies.append(
            Reply(
                content=json.dumps(obj),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )
        )

    def reply_text(self, text: str) -> None:
        self._replies.append(Reply(content=text))

    def reply_error(
        self, status: int, *, retry_after: str | None = None, message: str = "fake error"
    ) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        kind = "rate_limit_exceeded" if status == 429 else "server_error"
        self._replies.append(
            Reply(
                status=status,
                headers=headers,
                error={"error": {"message": message, "type": kind, "code": kind}},
            )
        )

    def reply_slow(self, delay_s: float, obj: Any | None = None) -> None:
        self._replies.append(Reply(content=json.dumps(obj or {}), delay_s=delay_s))

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_base(self) -> str:
        return f"{self.url}/v1"

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        port = server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeOpenAI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ handler

    def _next(self) -> Reply:
        if self._replies:
            self._last = self._replies.popleft()
        if self._last is None:
            raise RuntimeError("FakeOpenAI: no reply scripted")
        return self._last

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.request_headers.append(dict(request.headers))
        reply = self._next()
        if reply.delay_s:
            try:
                await asyncio.wait_for(self._closing.wait(), reply.delay_s)
            except TimeoutError:
                pass
        if reply.error is not None:
            return web.json_response(reply.error, status=reply.status, headers=reply.headers)
        payload = {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }
        return web.json_response(payload, status=reply.status, headers=reply.headers)
