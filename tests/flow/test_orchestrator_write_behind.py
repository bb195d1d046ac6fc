"""Write-behind checkpoints: a step that touched nothing outside the job is checkpointed without
waiting, and nothing the next step does through the runner happens before that write is
confirmed; a step that used the database, Slack or the ledger is confirmed before the next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import update

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef
from orchestrator.sequence import sequence
from orchestrator.store import LeaseLost
from orchestrator.workflow import Workflow
from storage.models import Effect, SequenceJob
from tests.support.sequences import RecordingDelivery, noop, noop_registry, seed_org


async def steal(db: Any, job_id: int) -> None:
    """Another worker takes the job (as after an expired lease), outside the runner."""
    async with db.engine.begin() as conn:
        await conn.execute(
            update(SequenceJob)
            .where(SequenceJob.id == job_id)
            .values(locked_by="thief", version=SequenceJob.version + 1)
        )


async def run(db: Any, body: Callable[[Workflow], Awaitable[None]]) -> tuple[int, Engine]:
    """Run sequence `wb` (its code: `body`) once on worker-A."""
    org, users = await seed_org(db)
    reg = noop_registry()
    reg.add(sequence("wb", version=1)(body))
    engine = Engine(db, Settings(), RecordingDelivery(), reg, heartbeat_s=None)
    ref = await engine.submit(Event("wb", "test", org, users[0], {"id": "1"}))
    assert isinstance(ref, JobRef)
    assert await engine.run_once("worker-A")
    return ref.job_id, engine


async def test_a_refused_write_behind_stops_the_next_steps_effect(db: Any) -> None:
    seen: list[str] = []

    async def pure_then_stolen(ctx: StepContext) -> dict[str, int]:
        await steal(db, ctx.job_id)  # the test's own connection: the step itself stays pure
        seen.append("pure")
        return {"n": 1}

    async def act(ctx: StepContext) -> None:
        seen.append("act started")  # it starts while the checkpoint commits...

        async def send() -> str:
            seen.append("sent")
            return "ok"

        await ctx.effect("send", send)  # ...but acts only after it is confirmed

    async def wb(wf: Workflow) -> None:
        await wf.step(pure_then_stolen, name="pure")
        await wf.step(act)

    job_id, _ = await run(db, wb)
    assert seen == ["pure", "act started"]
    async with db.session() as s:
        j = await s.get(SequenceJob, job_id)
        effects = (await s.execute(Effect.__table__.select())).all()
    assert j is not None and j.locked_by == "thief" and j.current_step == 0
    assert effects == []


async def test_a_step_that_used_the_database_is_confirmed_before_the_next_starts(
    db: Any,
) -> None:
    seen: list[str] = []

    async def touch(ctx: StepContext) -> None:
        async with ctx.db.session() as s:  # using the database marks the step
            await s.get(SequenceJob, ctx.job_id)
        await steal(db, ctx.job_id)
        seen.append("touch")

    async def after(ctx: StepContext) -> None:
        seen.append("after")

    async def wb(wf: Workflow) -> None:
        await wf.step(touch)
        await wf.step(after)
        await wf.step(noop, name="end")

    job_id, _ = await run(db, wb)
    assert seen == ["touch"]  # the refused checkpoint stopped the job before `after`
    async with db.session() as s:
        j = await s.get(SequenceJob, job_id)
    assert j is not None and j.locked_by == "thief"


async def test_pure_steps_all_land_in_order(db: Any) -> None:
    async def wb(wf: Workflow) -> None:
        for i in range(5):
            await wf.step(noop, name=f"s{i}")

    job_id, _ = await run(db, wb)
    async with db.session() as s:
        j = await s.get(SequenceJob, job_id)
    assert j is not None and j.status == "completed"
    assert j.version == 1 + 5 and j.context["done"] == [f"s{i}" for i in range(5)]


async def test_heartbeat_follows_the_owner_not_the_version(db: Any) -> None:
    outcome: list[str] = []

    async def beat(ctx: StepContext) -> None:
        runner = ctx._runner  # test only
        await runner.settle()
        await runner.heartbeat()  # the earlier checkpoints moved the version: still ours
        outcome.append("kept")
        await steal(db, ctx.job_id)
        try:
            await runner.heartbeat()
        except LeaseLost:
            outcome.append("lost")

    async def wb(wf: Workflow) -> None:
        await wf.step(noop, name="a")
        await wf.step(noop, name="b")
        await wf.step(beat)

    await run(db, wb)
    assert outcome == ["kept", "lost"]
