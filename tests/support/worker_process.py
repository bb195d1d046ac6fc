"""A worker process for crash and multi-process tests and the throughput bench.

    python -m tests.support.worker_process URL --out FILE [--workers N] [--lease S] [--kill-marker F]
        [--wait-for-go]

Runs the `crashy` and `pair` sequences (and `noop7`) until no job is left to do. Every run of step `s1`
and of the last step appends `<job_id> <step>` to `--out` (so tests can count executions);
`s1` also does one effect through the ledger that appends `<job_id> effect` to the same file.
With `--kill-marker F`, the first process to reach step `s2` creates F and SIGKILLs itself
after the effect is recorded but before the step's checkpoint. With `--wait-for-go` the process
warms up, prints `ready` and starts its workers when a line arrives on its stdin: the caller
starts several processes together by writing to each (no shared clock needed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.sequence import SequenceRegistry, sequence
from orchestrator.workflow import Workflow
from storage.engine import Database
from tests.support.sequences import RecordingDelivery, noop, noop_sequence


def die_once(marker: Path) -> None:
    """SIGKILL this process unless `marker` exists (the marker makes it happen once)."""
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)


def crashy_registry(out: Path, kill_marker: Path | None) -> SequenceRegistry:
    reg = SequenceRegistry()

    def append(line: str) -> None:
        with out.open("a", encoding="utf-8") as f:
            f.write(line + "\n")  # the OS keeps it across a SIGKILL; no fsync needed

    async def record(ctx: StepContext) -> dict[str, Any]:
        append(f"{ctx.job_id} {ctx.step.name}")

        async def effect() -> dict[str, int]:
            append(f"{ctx.job_id} effect")
            return {"n": 1}

        return await ctx.effect("side-effect", effect)

    async def maybe_die(ctx: StepContext) -> dict[str, Any]:
        async def effect() -> dict[str, int]:
            append(f"{ctx.job_id} effect2")
            return {"n": 2}

        result = await ctx.effect("second-effect", effect)
        if kill_marker is not None:
            die_once(kill_marker)
        return result

    async def last(ctx: StepContext) -> None:
        append(f"{ctx.job_id} last")

    @sequence("crashy", version=1)
    async def crashy(wf: Workflow) -> None:
        await wf.step(noop, name="s0")
        await wf.step(record, name="s1")
        await wf.step(maybe_die, name="s2")
        await wf.step(noop, name="s3")
        await wf.step(last, name="s4")

    @sequence("pair", version=1)
    async def pair(wf: Workflow) -> None:
        await wf.step(record, name="s1")
        await wf.step(last, name="s4")

    reg.add_all([crashy, pair])
    reg.add(noop_sequence())
    return reg


async def drain(
    url: str, out: Path, workers: int, lease: float, kill: Path | None, wait_for_go: bool = False
) -> int:
    from sqlalchemy import func, select

    from storage.models import SequenceJob

    db = Database(url)
    settings = Settings(database_url=url, lease_seconds=lease)
    engine = Engine(db, settings, RecordingDelivery(), crashy_registry(out, kill), poll_s=0.05)
    async with db.engine.connect():  # warm the pool before the start line
        pass
    if wait_for_go:  # the start line: every process warm, then the caller says go
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    await engine.start_workers(workers)
    try:
        while True:
            async with db.engine.connect() as conn:
                left = (
                    await conn.execute(
                        select(func.count()).where(
                            SequenceJob.status.in_(("pending", "running"))  # type: ignore[attr-defined]
                        )
                    )
                ).scalar_one()
            if left == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await engine.stop()
        await db.dispose()
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--lease", type=float, default=30.0)
    p.add_argument("--kill-marker", default=None)
    p.add_argument("--wait-for-go", action="store_true", help="print ready, start on a stdin line")
    a = p.parse_args()
    kill = Path(a.kill_marker) if a.kill_marker else None
    return asyncio.run(drain(a.url, Path(a.out), a.workers, a.lease, kill, a.wait_for_go))


if __name__ == "__main__":
    raise SystemExit(main())
