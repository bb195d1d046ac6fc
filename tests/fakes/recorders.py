"""A loopback fake of the recorders' download side: MeetingBaaS v2 transcription files (presigned,
no auth), v2 `GET /v2/bots/{id}` (fresh artifact URLs), v1 `GET /bots/meeting_data` (API key
header) and Recall.ai's Retrieve Transcript +
transcript download (`Authorization: Token <key>`).

Start it with `async with FakeRecorders(meetingbaas_key=..., recall_key=...) as fake:`; put
documents in `fake.files` / `fake.meeting_data` / `fake.recall_transcripts`, and read
`fake.requests` to see what was asked. `fake.fail_next[path] = status` answers one request with
that status; `fake.delay_s` slows every answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeRecorders:
    meetingbaas_key: str = "mb-key"
    recall_key: str = "recall-key"
    files: dict[str, Any] = field(default_factory=dict)  # name -> v2 transcription JSON
    meeting_data: dict[str, Any] = field(default_factory=dict)  # bot id -> v1 meeting data
    recall_transcripts: dict[str, Any] = field(default_factory=dict)  # transcript id -> list
    v2_bots: dict[str, str] = field(default_factory=dict)  # bot id -> name in `files`
    requests: list[SeenRequest] = field(default_factory=list)
    fail_next: dict[str, int] = field(default_factory=dict)
    delay_s: float = 0.0
    base_url: str = ""
    _runner: web.AppRunner | None = None

    def file_url(self, name: str) -> str:
        return f"{self.base_url}/files/{name}?X-Amz-Signature=fake"

    async def _middleware_like(self, request: web.Request) -> web.Response | None:
        self.requests.append(
            SeenRequest(request.method, request.path, dict(request.query), dict(request.headers))
        )
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status = self.fail_next.pop(request.path, None)
        if status is not None:
            headers = {"Retry-After": "7"} if status in (429, 503) else None
            return web.json_response({"error": "injected"}, status=status, headers=headers)
        return None

    async def _file(self, request: web.Request) -> web.StreamResponse:
        early = await self._middleware_like(request)
        if early is not None:
            return early
        doc = self.files.get(request.match_info["name"])
        if doc is None:
            return web.Response(status=403, text="<Error>AccessDenied</Error>")
        return web.json_response(doc)

    async def _v2_bot(self, request: web.Request) -> web.StreamResponse:
        early = await self._middleware_like(request)
        if early is not None:
            return early
        if request.headers.get("x-meeting-baas-api-key") != self.meetingbaas_key:
            return web.json_response({"success": False, "error": "unauthorized"}, status=401)
        bot_id = request.match_info["bot_id"]
        name = self.v2_bots.get(bot_id)
        if name is None:
            return web.json_response({"success": False, "error": "not found"}, status=404)
        data = {"bot_id": bot_id, "status": "completed", "transcription": self.file_url(name)}
        return web.json_response({"success": True, "data": data})

    async def _meeting_data(self, request: web.Request) -> web.StreamResponse:
        early = await self._middleware_like(request)
        if early is not None:
            return early
        if request.headers.get("x-meeting-baas-api-key") != self.meetingbaas_key:
            return web.json_response({"error": "unauthorized"}, status=401)
        doc = self.meeting_data.get(request.query.get("bot_id", ""))
        if doc is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(doc)

    def _recall_authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Token {self.recall_key}"

    async def _recall_transcript(self, request: web.Request) -> web.StreamResponse:
        early = await self._middleware_like(request)
        if early is not None:
            return early
        if not self._recall_authorised(request):
            return web.json_response({"detail": "Invalid token."}, status=401)
        tid = request.match_info["tid"]
        if tid not in self.recall_transcripts:
            return web.json_response({"detail": "Not found."}, status=404)
        url = f"{self.base_url}/api/v1/download/transcript?token={tid}"
        return web.json_response({"id": tid, "data": {"download_url": url}, "metadata": {}})

    async def _recall_download(self, request: web.Request) -> web.StreamResponse:
        early = await self._middleware_like(request)
        if early is not None:
            return early
        doc = self.recall_transcripts.get(request.query.get("token", ""))
        if doc is None:
            return web.json_response({"detail": "Not found."}, status=404)
        return web.json_response(doc)

    async def __aenter__(self) -> FakeRecorders:
        app = web.Application()
        app.router.add_get("/files/{name}", self._file)
        app.router.add_get("/bots/meeting_data", self._meeting_data)
        app.router.add_get("/v2/bots/{bot_id}", self._v2_bot)
        app.router.add_get("/api/v1/transcript/{tid}/", self._recall_transcript)
        app.router.add_get("/api/v1/download/transcript", self._recall_download)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
