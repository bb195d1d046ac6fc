"""Orchestrator benchmarks (JSON lines via bench.common.emit).

- `orchestrator_step` `us_per_step`, peer `langgraph`: the same 7-step no-op sequence, state
  persisted after every step to a SQLite file with `synchronous=FULL` for both (ours: a job
  run from claim to completion on a connection held across jobs, as a worker runs them;
  LangGraph: `invoke` with `langgraph-checkpoint-sqlite`'s `SqliteSaver`, its default
  "async" durability), median microseconds per step over interleaved runs; ratio = ours /
  peer. The headline is steady state: both run until neither WAL file grows any more, as in
  a long-running process (a fresh file makes every fsync also flush the file's growth).
  Extra fields: the same from fresh files (`cold_*`), LangGraph with `durability="sync"`,
  warm-up runs, rows and bytes stored per run by each.
- `resume_latency` `p50_ms`: from `engine.resume()` (a click) to the next step starting, with
  background workers waiting.
- `jobs_throughput` `jobs_per_s`: 7-step no-op jobs, SQLite with 1 process, PostgreSQL with 1
  and 2 processes (4 workers each; PostgreSQL skipped when unreachable).

`python -m bench.bench_orchestrator [--quick] [BENCH ...]` (only the benches named, e.g.
`resume_latency`; `python -m bench resume_latency` does the same).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy import event

from bench.common import emit, percentile
from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event
from orchestrator.sequence import ApprovalKind, sequence
from orchestrator.workflow import Workflow
from storage.engine import Database
from storage.migrate import upgrade
from tests.support.sequences import RecordingDelivery, noop, noop_registry, seed_org

ROOT = Path(__file__).resolve().parents[1]
BENCH = "orchestrator"
BENCHES = ("orchestrator_step", "resume_latency", "jobs_throughput")
PG_ADMIN = os.environ.get("SIXTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _full_sync(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


class GraphState(TypedDict):
    n: int


def langgraph_app(path: Path) -> tuple[Any, sqlite3.Connection]:
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph import END, START, StateGraph

    def node(s: GraphState) -> GraphState:
        return {"n": s["n"] + 1}

    g = StateGraph(GraphState)
    for i in range(7):
        g.add_node(f"s{i}", node)
    g.add_edge(START, "s0")
    for i in range(6):
        g.add_edge(f"s{i}", f"s{i + 1}")
    g.add_edge("s6", END)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return g.compile(checkpointer=SqliteSaver(conn)), conn


def langgraph_storage(conn: sqlite3.Connection, runs: int) -> tuple[float, float]:
    rows = conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
    rows += conn.execute("SELECT count(*) FROM writes").fetchone()[0]
    size = conn.execute(
        "SELECT coalesce(sum(length(checkpoint) + length(metadata)), 0) FROM checkpoints"
    ).fetchone()[0]
    size += conn.execute("SELECT coalesce(sum(length(value)), 0) FROM writes").fetchone()[0]
    return rows / runs, size / runs


async def ours_storage(db: Database, runs: int) -> tuple[float, float]:
    async with db.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("SELECT count(*) FROM sequence_jobs")).scalar_one()
        rows += (await conn.exec_driver_sql("SELECT count(*) FROM effects")).scalar_one()
        size = (
            await conn.exec_driver_sql(
                "SELECT sum(length(context) + length(trigger_payload)"
                " + length(event_chain) + length(idempotency_key)) FROM sequence_jobs"
            )
        ).scalar_one()
    return rows / runs, size / runs


def wal_size(db_file: Path) -> int:
    wal = db_file.with_name(db_file.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def bench_step(tmp: Path, runs: int) -> None:
    ours_file, peer_file = tmp / "ours.db", tmp / "langgraph.db"
    url = f"sqlite:///{ours_file}"
    upgrade(url)
    db = Database(url)
    event.listen(db.engine.sync_engine, "connect", _full_sync)
    org, users = await seed_org(db)
    engine = Engine(db, Settings(), None, noop_registry(), heartbeat_s=None)
    app, lg_conn = langgraph_app(peer_file)
    n = 0

    async def ours_once(conn: Any) -> float:
        nonlocal n
        n += 1
        await engine.submit(Event("noop7", "bench", org, users[0], {"id": str(n)}))
        t0 = time.perf_counter()
        ran = await engine.run_once(conn=conn)
        assert ran
        return (time.perf_counter() - t0) / 7 * 1e6

    def peer_once(durability: str | None = None) -> float:
        t0 = time.perf_counter()
        app.invoke({"n": 0}, {"configurable": {"thread_id": f"t{n}"}}, durability=durability)
        return (time.perf_counter() - t0) / 7 * 1e6

    async with db.engine.connect() as conn:  # held across jobs, as each worker holds its own
        for _ in range(3):
            await ours_once(conn)
            peer_once()
        cold = [(await ours_once(conn), peer_once()) for _ in range(runs)]
        # Steady state, as in a long-running process: run both until neither SQLite WAL file
        # grows any more (frames are rewritten in place once the WAL has wrapped); a fresh
        # file pays for growing on every fsync, which a long-lived database does not.
        sizes: list[tuple[int, int]] = []
        while len(sizes) < 1000 and (len(sizes) < 10 or sizes[-10] != sizes[-1]):
            await ours_once(conn)
            peer_once()
            sizes.append((wal_size(ours_file), wal_size(peer_file)))
        steady = [(await ours_once(conn), peer_once(), peer_once("sync")) for _ in range(runs)]
    total = n
    rows, size = await ours_storage(db, total)
    peer_rows, peer_size = langgraph_storage(lg_conn, total + runs)
    lg_conn.close()
    await db.dispose()
    mine, theirs = (statistics.median(x) for x in list(zip(*steady, strict=True))[:2])
    theirs_sync = statistics.median(x[2] for x in steady)
    cold_mine, cold_theirs = (statistics.median(x) for x in zip(*cold, strict=True))
    emit(
        "orchestrator_step",
        "us_per_step",
        mine,
        "us",
        peer="langgraph",
        peer_value=round(theirs, 1),
        ratio=round(mine / theirs, 3),
        runs=runs,
        sqlite_synchronous="FULL",
        warmup_runs=len(sizes) + runs + 3,
        peer_durability_sync_value=round(theirs_sync, 1),
        cold_value=round(cold_mine, 1),
        cold_peer_value=round(cold_theirs, 1),
        cold_ratio=round(cold_mine / cold_theirs, 3),
        rows_per_run=rows,
        bytes_per_run=round(size),
        peer_rows_per_run=peer_rows,
        peer_bytes_per_run=round(peer_size),
    )


async def bench_resume(tmp: Path, runs: int) -> None:
    url = f"sqlite:///{tmp / 'resume.db'}"
    upgrade(url)
    db = Database(url)
    org, users = await seed_org(db, max_per_hour=10_000)  # many approvals in a minute
    started: dict[int, float] = {}
    ready: dict[int, asyncio.Event] = {}
    reg = noop_registry()

    async def after(ctx: StepContext) -> None:
        started[ctx.job_id] = time.perf_counter()
        ready.setdefault(ctx.job_id, asyncio.Event()).set()

    @sequence("gated", version=1)
    async def gated(wf: Workflow) -> None:
        decision = await wf.approval(ApprovalKind.GENERIC, {}, name="ask")
        if decision.approved:
            await wf.step(noop, name="ask", approval=decision)
        await wf.step(after)

    reg.add(gated)
    engine = Engine(db, Settings(), RecordingDelivery(), reg, poll_s=5.0)
    await engine.start_workers(2)
    from sqlalchemy import select

    from storage.models import SequenceJob, SlackPendingAction

    lat: list[float] = []
    try:
        for i in range(runs):
            ref = await engine.submit(Event("gated", "bench", org, users[0], {"id": str(i)}))
            job_id = ref.job_id  # type: ignore[union-attr]
            pa = None
            for _ in range(500):
                async with db.engine.connect() as conn:
                    pa = (
                        await conn.execute(
                            select(SlackPendingAction.id)
                            .join(SequenceJob, SequenceJob.id == SlackPendingAction.job_id)
                            .where(
                                SlackPendingAction.job_id == job_id,
                                SequenceJob.status == "awaiting_approval",
                            )
                        )
                    ).scalar_one_or_none()
                if pa is not None:
                    break
                await asyncio.sleep(0.005)
            assert pa is not None
            ready[job_id] = asyncio.Event()
            t0 = time.perf_counter()
            res = await engine.resume(pa, Decision.APPROVE, "U1")
            assert res.ok
            await asyncio.wait_for(ready[job_id].wait(), 10)
            lat.append((started[job_id] - t0) * 1000)
    finally:
        await engine.stop()
        await db.dispose()
    emit("resume_latency", "p50_ms", percentile(lat, 50), "ms", db="sqlite", runs=runs)


async def sqlite_throughput(tmp: Path, jobs: int) -> None:
    url = f"sqlite:///{tmp / 'throughput.db'}"
    upgrade(url)
    db = Database(url)
    org, users = await seed_org(db)
    engine = Engine(db, Settings(), None, noop_registry(), poll_s=0.05)
    async with db.engine.begin() as conn:
        for i in range(jobs):
            ev = Event("noop7", "bench", org, users[i % 2], {"id": str(i)})
            await engine.insert_job(conn, ev, depth=1, parent=None)
    t0 = time.perf_counter()
    await engine.start_workers(4)
    while True:
        async with db.engine.connect() as conn:
            left = (
                await conn.exec_driver_sql(
                    "SELECT count(*) FROM sequence_jobs WHERE status <> 'completed'"
                )
            ).scalar_one()
        if left == 0:
            break
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - t0
    await engine.stop()
    await db.dispose()
    emit(
        "jobs_throughput",
        "jobs_per_s",
        jobs / elapsed,
        "jobs/s",
        db="sqlite",
        processes=1,
        workers=4,
        jobs=jobs,
    )


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


async def pg_throughput(tmp: Path, jobs: int, processes: int) -> None:
    from tests.support.sequences import fresh_pg_database

    url = fresh_pg_database(f"sixty_bench_orch_{os.getpid()}")
    db = Database(url)
    try:
        org, users = await seed_org(db)
        engine = Engine(db, Settings(), None, noop_registry())
        async with db.engine.begin() as conn:
            for i in range(jobs):
                ev = Event("noop7", "bench", org, users[i % 2], {"id": str(i)})
                await engine.insert_job(conn, ev, depth=1, parent=None)
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.support.worker_process",
                url,
                "--out",
                str(tmp / f"pg{k}.txt"),
                "--workers",
                "4",
                "--wait-for-go",
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            for k in range(processes)
        ]
        for p in procs:  # every process has imported and connected
            assert p.stdout is not None and (await p.stdout.readline()).strip() == b"ready"
        start_at = time.time()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(b"go\n")
            await p.stdin.drain()
        codes = [await asyncio.wait_for(p.wait(), 300) for p in procs]
        assert codes == [0] * processes, codes
        async with db.engine.connect() as conn:
            last, done = (
                await conn.exec_driver_sql(
                    "SELECT extract(epoch FROM max(completed_at)), count(*) FROM sequence_jobs"
                    " WHERE status = 'completed'"
                )
            ).one()
        assert done == jobs
        elapsed = float(last) - start_at
        emit(
            "jobs_throughput",
            "jobs_per_s",
            jobs / elapsed,
            "jobs/s",
            db="postgresql",
            processes=processes,
            workers=4 * processes,
            jobs=jobs,
        )
    finally:
        await db.dispose()
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "sixty_bench_orch_{os.getpid()}" WITH (FORCE)')


async def main(quick: bool, only: set[str]) -> None:
    want = only or set(BENCHES)
    with tempfile.TemporaryDirectory(prefix="sixty-bench-orch-") as d:
        tmp = Path(d)
        if "orchestrator_step" in want:
            await bench_step(tmp, 20 if quick else 60)
        if "resume_latency" in want:
            await bench_resume(tmp, 10 if quick else 30)
        if "jobs_throughput" not in want:
            return
        await sqlite_throughput(tmp, 100 if quick else 300)
        if pg_reachable():
            for n in (1, 2):
                await pg_throughput(tmp, 100 if quick else 300, n)
        else:
            print("PostgreSQL unreachable: jobs_throughput on postgresql skipped", file=sys.stderr)


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    args = sys.argv[1:]
    unknown = sorted(set(args) - set(BENCHES) - {"--quick"})
    if unknown:
        sys.exit(f"unknown bench {', '.join(unknown)}; this module has {', '.join(BENCHES)}")
    asyncio.run(main("--quick" in args, set(args) - {"--quick"}))
