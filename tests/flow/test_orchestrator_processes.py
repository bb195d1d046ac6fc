"""Leases, fences and processes: a paused worker is refused, SIGKILL mid-sequence is finished by
another process with each effect once, two PostgreSQL processes drain 1,000 jobs exactly once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef
from orchestrator.sequence import sequence
from orchestrator.workflow import Workflow
from storage.models import SequenceJob
from tests.conftest import truncate_pg
from tests.support.sequences import (
    RecordingDelivery,
    noop,
    noop_registry,
    seed_org,
)

ROOT = Path(__file__).resolve().parents[2]


def hold_registry(started: asyncio.Event, release: asyncio.Event, runs: list[str]) -> Any:
    reg = noop_registry()

    async def hold(ctx: StepContext) -> dict[str, str]:
        who = ctx._runner.worker  # which worker ran it (test only)
        runs.append(who)
        if len(runs) == 1:
            started.set()
            await release.wait()
        return {"by": who}

    @sequence("held", version=1)
    async def held(wf: Workflow) -> None:
        await wf.step(noop, name="a")
        await wf.step(hold)
        await wf.step(noop, name="b")

    reg.add(held)
    return reg


async def wait_for_lease_expiry(db: Any, job_id: int) -> None:
    """Wait (by the database clock) until the job's lease has run out."""
    for _ in range(100):
        async with db.engine.connect() as conn:
            expired = (
                await conn.exec_driver_sql(
                    "SELECT 1 FROM sequence_jobs WHERE id = %(id)s AND lease_expires_at < now()"
                    if db.engine.dialect.name == "postgresql"
                    else "SELECT 1 FROM sequence_jobs WHERE id = :id AND lease_expires_at < "
                    "strftime('%Y-%m-%d %H:%M:%f','now')||'000'",
                    {"id": job_id},
                )
            ).first()
        if expired:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("lease never expired")


async def test_worker_paused_past_its_lease_is_refused_by_the_fence(db: Any) -> None:
    org, users = await seed_org(db)
    started, release, runs = asyncio.Event(), asyncio.Event(), []
    reg = hold_registry(started, release, runs)
    settings = Settings(lease_seconds=0.3)
    a = Engine(db, settings, RecordingDelivery(), reg, heartbeat_s=None)  # a "paused" process
    b = Engine(db, settings, RecordingDelivery(), reg, heartbeat_s=None)
    ref = await a.submit(Event("held", "test", org, users[0], {"id": "1"}))
    assert isinstance(ref, JobRef)
    task = asyncio.create_task(a.run_once("worker-A"))
    await started.wait()
    await wait_for_lease_expiry(db, ref.job_id)
    assert await b.run_once("worker-B")  # the expired lease returned the job to the pool
    async with db.session() as s:
        done = await s.get(SequenceJob, ref.job_id)
    assert done is not None and done.status == "completed"
    release.set()  # A wakes up and tries to checkpoint
    await task
    async with db.session() as s:
        after = await s.get(SequenceJob, ref.job_id)
    assert after is not None
    assert (after.status, after.version, after.context) == (done.status, done.version, done.context)
    assert after.context["outputs"]["hold"] == {"by": "worker-B"}
    assert runs == ["worker-A", "worker-B"]


async def test_heartbeat_keeps_the_lease_of_a_long_step(db: Any) -> None:
    org, users = await seed_org(db)
    started, release, runs = asyncio.Event(), asyncio.Event(), []
    reg = hold_registry(started, release, runs)
    settings = Settings(lease_seconds=1.0)
    a = Engine(db, settings, RecordingDelivery(), reg, heartbeat_s=0.1)
    b = Engine(db, settings, RecordingDelivery(), reg, heartbeat_s=None)
    await a.submit(Event("held", "test", org, users[0], {"id": "1"}))
    task = asyncio.create_task(a.run_once("worker-A"))
    await started.wait()
    await asyncio.sleep(1.4)  # longer than the lease: only the heartbeat keeps it
    assert not await b.run_once("worker-B")
    release.set()
    await task
    assert runs == ["worker-A"]


def worker_process(url: str, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_process", url, "--out", str(out), *extra],
        cwd=ROOT,
    )


@pytest.mark.slow
async def test_sigkill_mid_sequence_another_process_finishes_effects_once(
    db: Any, db_url: str, tmp_path: Path
) -> None:
    org, users = await seed_org(db)
    from tests.support.worker_process import crashy_registry

    engine = Engine(db, Settings(), None, crashy_registry(tmp_path / "unused", None))
    refs = [
        await engine.submit(Event("crashy", "test", org, users[0], {"id": str(i)}))
        for i in range(3)
    ]
    out, marker = tmp_path / "runs.txt", tmp_path / "killed"
    first = worker_process(
        db_url, out, "--workers", "1", "--lease", "1", "--kill-marker", str(marker)
    )  # one worker: the kill lands at a known point (after an effect, before its checkpoint);
    # an effect interrupted between acting and recording is what `intent=True` + reconcile cover
    assert await asyncio.to_thread(first.wait, 60) == -9  # SIGKILLed itself mid-sequence
    assert marker.exists()
    # another worker (here: this process) takes over once the dead worker's lease runs out
    engine.registry = crashy_registry(out, marker)
    async with db.session() as s:
        stuck = [
            j.id for j in (await s.execute(select(SequenceJob))).scalars() if j.status == "running"
        ]
    assert stuck, "the killed process left no job mid-sequence"
    for job_id in stuck:
        await wait_for_lease_expiry(db, job_id)
    await engine.drain()
    lines = Counter(out.read_text().split("\n")[:-1])
    async with db.session() as s:
        jobs = (await s.execute(select(SequenceJob))).scalars().all()
    assert {j.status for j in jobs} == {"completed"} and len(jobs) == len(refs)
    for j in jobs:
        assert lines[f"{j.id} effect"] == 1, lines
        assert lines[f"{j.id} effect2"] == 1, lines
    killed = [j for j in jobs if j.attempts > 1]
    assert killed, "no job was interrupted"


@pytest.mark.pg
@pytest.mark.slow
async def test_two_pg_processes_drain_1000_jobs_each_once(tmp_path: Path, pg_url: str) -> None:
    from storage.engine import Database

    truncate_pg(pg_url)  # every table: earlier tests on this worker leave rows anywhere
    url = pg_url
    db = Database(url)
    try:
        org, users = await seed_org(db)
        engine = Engine(db, Settings(), None, noop_registry())
        from tests.support.worker_process import crashy_registry

        engine.registry = crashy_registry(tmp_path / "unused", None)
        async with db.engine.begin() as conn:
            for i in range(1000):
                ev = Event("pair", "test", org, users[i % 2], {"id": str(i)})
                assert await engine.insert_job(conn, ev, depth=1, parent=None) is not None
        outs = [tmp_path / "p1.txt", tmp_path / "p2.txt"]
        t0 = time.perf_counter()
        procs = [worker_process(url, o, "--workers", "8") for o in outs]
        codes = [await asyncio.to_thread(p.wait, 120) for p in procs]
        elapsed = time.perf_counter() - t0
        assert codes == [0, 0]
        per_proc = [
            Counter(o.read_text().split("\n")[:-1]) if o.exists() else Counter() for o in outs
        ]
        total = per_proc[0] + per_proc[1]
        async with db.session() as s:
            jobs = (await s.execute(select(SequenceJob.id, SequenceJob.status))).all()
        assert len(jobs) == 1000 and {st for _, st in jobs} == {"completed"}
        for job_id, _ in jobs:
            assert total[f"{job_id} last"] == 1
            assert total[f"{job_id} effect"] == 1
        assert all(sum(1 for k in c if k.endswith(" last")) > 0 for c in per_proc), (
            "both processes should have taken work"
        )
        print(f"1000 jobs by 2 processes in {elapsed:.1f}s")
    finally:
        await db.dispose()


@pytest.mark.pg
async def test_listen_notify_wakes_workers_of_another_process(pg_url: str) -> None:
    from storage.engine import Database

    truncate_pg(pg_url)  # every table: earlier tests on this worker leave rows anywhere
    ran = asyncio.Event()
    reg = noop_registry()

    async def mark(ctx: StepContext) -> None:
        ran.set()

    @sequence("marked", version=1)
    async def marked(wf: Workflow) -> None:
        await wf.step(mark)

    reg.add(marked)
    db_a, db_b = Database(pg_url), Database(pg_url)
    a = Engine(db_a, Settings(), None, reg, poll_s=60.0, sweep_every_s=60.0)
    b = Engine(db_b, Settings(), None, reg)  # the submitting process runs no workers
    try:
        org, users = await seed_org(db_b)
        await a.start_workers(1)
        await asyncio.sleep(0.1)  # let the idle worker reach its 60 s wait
        t0 = time.perf_counter()
        await b.submit(Event("marked", "test", org, users[0], {"id": "n"}))
        await asyncio.wait_for(ran.wait(), 10)
        assert time.perf_counter() - t0 < 10  # far below the 60 s idle poll: NOTIFY woke it
    finally:
        await a.stop()
        await db_a.dispose()
        await db_b.dispose()
