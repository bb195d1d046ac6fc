"""Issue 11 item 3.1: the largest transcript a recorder webhook may carry is processed without
freezing the app: `/healthz` and a webhook's acknowledgement answer throughout, and the job gets
through intent detection to the follow-up approval.

"Answer throughout" is checked against `LIMIT_MS`, half a second: well under what one detection
pass over this transcript holds a blocked loop for (about 0.7 s), well over what a loaded CI
machine adds to a probe. The speed figures themselves (an ack's p50 and p99) are measured in
`bench/` (`slack_ack`, `intents_long_call`), not asserted here."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from app import Runtime
from bench.long_call import long_call
from skills.transcript import meetingbaas_v1_body
from storage.models import SequenceJob
from tests.e2e.conftest import started_app
from tests.e2e.test_meeting_ended import KEY

LIMIT_MS = 500.0  # a probe waiting behind a blocked loop takes longer than this (docstring)
SPEAKERS = {
    "Jordan Ellis": "Alex Rivera",
    "Mick Halloran": "Sarah Chen",
    "Tash Nguyen": "Tom Becker",
}


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    async with started_app(tmp_path, seeded_template, meetingbaas_api_key=KEY) as runtime:
        yield runtime


def body_of(n: int, bot_id: str) -> dict[str, Any]:
    doc = long_call(n)
    for u in doc["utterances"]:
        u["speaker"] = SPEAKERS[u["speaker"]]
    doc["rep"] = {"name": "Alex Rivera", "email": "alex@sixty-demo.example"}
    doc["attendees"] = [
        {"name": "Sarah Chen", "email": "sarah.chen@acme.example"},
        {"name": "Tom Becker", "email": "tom.becker@acme.example"},
    ]
    doc["title"] = "Acme Corp - quarterly review"
    return meetingbaas_v1_body(doc, bot_id)


def largest_body(limit: int) -> bytes:
    """The longest call whose v1 `complete` webhook still fits under the body limit."""
    low, high = 100, 20_000
    best = b""
    while low <= high:
        n = (low + high) // 2
        raw = json.dumps(body_of(n, "bot-long-call")).encode()
        if len(raw) <= limit:
            best, low = raw, n + 1
        else:
            high = n - 1
    return best


# Runs in its own process, so it measures the app's answers, not this test's own event loop.
PROBE = r"""
import json, os, sys, time, urllib.request
try:
    os.nice(-5)  # the measuring probe first, where allowed: it measures the app, not the machine
except OSError:
    pass
web, key, stop = sys.argv[1], sys.argv[2], sys.argv[3]
ack = json.dumps({"event": "bot.status_change", "data": {"bot_id": "other"}}).encode()
out = {"health": [], "acks": []}
def timed(req):
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()
        assert r.status == 200
    return (time.perf_counter() - started) * 1000
print("ready", flush=True)
while True:
    out["health"].append(timed(web + "/healthz"))
    out["acks"].append(timed(urllib.request.Request(web + "/webhooks/meetingbaas", data=ack, headers={
        "x-meeting-baas-api-key": key, "content-type": "application/json"})))
    try:
        open(stop).close()
        break
    except FileNotFoundError:
        time.sleep(0.05)
print(json.dumps(out), flush=True)
"""


async def meeting_job_status(runtime: Runtime) -> str | None:
    """Only the status: this test shares the app's event loop, and a job's whole state is big."""
    async with runtime.db.session() as s:
        return (
            await s.exec(
                select(SequenceJob.status).where(SequenceJob.sequence_type == "meeting_ended")
            )
        ).first()


async def meeting_job(runtime: Runtime) -> SequenceJob | None:
    async with runtime.db.session() as s:
        rows = (
            await s.exec(select(SequenceJob).where(SequenceJob.sequence_type == "meeting_ended"))
        ).all()
    return rows[0] if rows else None


@pytest.mark.slow
async def test_health_and_acks_stay_fast_while_the_largest_transcript_is_processed(
    app: Runtime, tmp_path: Path
) -> None:
    limit = app.settings.max_body_bytes
    raw = await asyncio.to_thread(largest_body, limit)
    assert limit * 0.95 < len(raw) <= limit
    web = app.urls["web"]
    stop = tmp_path / "stop"
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, web, KEY, str(stop), stdout=asyncio.subprocess.PIPE
    )
    assert probe.stdout is not None
    assert (await probe.stdout.readline()).strip() == b"ready"
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            web + "/webhooks/meetingbaas",
            data=raw,
            headers={"x-meeting-baas-api-key": KEY, "content-type": "application/json"},
        ) as r,
    ):
        assert r.status == 200, await r.text()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if await meeting_job_status(app) in ("awaiting_approval", "completed", "failed"):
            break
        await asyncio.sleep(0.1)
    stop.touch()
    seen = json.loads((await probe.communicate())[0])
    job = await meeting_job(app)
    health, acks = seen["health"], seen["acks"]
    assert job is not None and job.status == "awaiting_approval", job and (job.status, job.error)
    outputs = job.context["outputs"]
    assert outputs["load_transcript"]["utterances"] > 3000
    assert len(outputs["intents"]["intents"]) > 500
    assert len(health) > 10
    assert max(health) < LIMIT_MS, [(i, round(ms)) for i, ms in enumerate(health) if ms >= LIMIT_MS]
    assert max(acks) < LIMIT_MS, [(i, round(ms)) for i, ms in enumerate(acks) if ms >= LIMIT_MS]


async def test_a_large_body_that_is_not_json_is_still_a_400(app: Runtime) -> None:
    """Bodies over the inline size are read in the worker process; its errors come back as such."""
    async with aiohttp.ClientSession() as http:
        for junk in (
            b"{" + b"x" * 400_000,
            b'{"event": "complete", "data": "' + b"\xff" * 400_000 + b'"}',
        ):
            async with http.post(
                app.urls["web"] + "/webhooks/meetingbaas",
                data=junk,
                headers={"x-meeting-baas-api-key": KEY, "content-type": "application/json"},
            ) as r:
                assert r.status == 400, await r.text()
                error = (await r.json())["error"]  # one line naming the problem
                assert "not valid JSON" in error or "not UTF-8" in error, error
