"""Issue 11 item 3.1: a step that legitimately runs longer than the job's lease (intent
detection on a long call) keeps the lease: the heartbeat goes on while the skill computes, so
another worker polling all along never takes the job over and the step runs once."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from bench.long_call import long_call
from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef
from orchestrator.sequence import sequence
from orchestrator.workflow import Workflow
from services.language import intents_for
from skills.transcript_types import parse_transcript
from storage.engine import Database
from storage.models import SequenceJob
from tests.support.sequences import RecordingDelivery, noop, noop_registry, seed_org

LEASE_S = 0.6
UTTERANCES = 3000  # about a second of detection: longer than the lease


def registry(runs: list[tuple[str, float]]) -> Any:
    reg = noop_registry()
    transcript = parse_transcript(long_call(UTTERANCES))

    async def detect(ctx: StepContext) -> dict[str, int]:
        started = time.monotonic()
        found = await intents_for(ctx, transcript)
        while time.monotonic() - started < 2 * LEASE_S:  # outlast the lease on any machine
            found = await intents_for(ctx, transcript)
        runs.append((ctx._runner.worker, time.monotonic() - started))  # test only: who ran it
        return {"intents": len(found)}

    @sequence("long_detect", version=1)
    async def long_detect(wf: Workflow) -> None:
        await wf.step(noop, name="a")
        await wf.step(detect, timeout_s=120)
        await wf.step(noop, name="b")

    reg.add(long_detect)
    return reg


def poll_from_another_worker(
    url: str, runs: list[tuple[str, float]], stop: threading.Event, claims: list[bool]
) -> None:
    """Another process's worker, on its own event loop: tries to claim every 50 ms."""

    async def poll() -> None:
        db = Database(url)
        engine = Engine(
            db,
            Settings(lease_seconds=LEASE_S),
            RecordingDelivery(),
            registry(runs),
            heartbeat_s=None,
        )
        try:
            while not stop.is_set():
                claims.append(await engine.run_once("worker-B"))
                await asyncio.sleep(0.05)
        finally:
            await db.dispose()

    asyncio.run(poll())


async def test_a_step_longer_than_the_lease_keeps_it(db: Any, db_url: str) -> None:
    org, users = await seed_org(db)
    runs: list[tuple[str, float]] = []
    a = Engine(
        db,
        Settings(lease_seconds=LEASE_S),
        RecordingDelivery(),
        registry(runs),
        heartbeat_s=LEASE_S / 3,
    )
    ref = await a.submit(Event("long_detect", "test", org, users[0], {"id": "1"}))
    assert isinstance(ref, JobRef)
    stop, claims = threading.Event(), []
    other = threading.Thread(target=poll_from_another_worker, args=(db_url, runs, stop, claims))
    other.start()
    try:
        assert await a.run_once("worker-A")
    finally:
        stop.set()
        await asyncio.to_thread(other.join)
    async with db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
    assert job is not None and job.status == "completed", job and (job.status, job.error)
    assert [who for who, _ in runs] == ["worker-A"], runs
    assert runs[0][1] > LEASE_S  # the step did outlast the lease
    assert len(claims) > 5 and not any(claims)
