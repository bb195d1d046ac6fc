"""Orchestrator core: submit, dedupe, validation, steps, checkpoints, failures, branching in code,
replay, versions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import Settings
from orchestrator.context import StepContext, TransientError
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef, Skipped
from orchestrator.sequence import OnFailure, SequenceRegistry, sequence
from orchestrator.workflow import Workflow
from storage.models import Effect, OrgSettings, SequenceJob
from tests.support.sequences import (
    RecordingDelivery,
    noop,
    noop_registry,
    seed_org,
)


def make_engine(db: Any, registry: SequenceRegistry, **kw: Any) -> tuple[Engine, RecordingDelivery]:
    delivery = RecordingDelivery()
    kw.setdefault("heartbeat_s", None)
    kw.setdefault("retry_base_s", 0.0)
    return Engine(db, Settings(), delivery, registry, **kw), delivery


async def job(db: Any, job_id: int) -> SequenceJob:
    async with db.session() as s:
        j = await s.get(SequenceJob, job_id)
        assert j is not None
        return j


def ev(org: int, user: int | None, ext: str, etype: str = "noop7", **payload: Any) -> Event:
    return Event(etype, "test", org, user, {"id": ext, **payload})


async def test_seven_step_job_completes_with_checkpoints(db: Any) -> None:
    org, users = await seed_org(db)
    engine, _ = make_engine(db, noop_registry())
    ref = await engine.submit(ev(org, users[0], "a"))
    assert isinstance(ref, JobRef)
    assert await engine.drain() == 1
    j = await job(db, ref.job_id)
    assert j.status == "completed"
    assert j.current_step == 7
    assert j.context["done"] == [f"s{i}" for i in range(7)]
    meta = j.context["meta"]
    assert (meta["attempted"], meta["completed"], meta["failed"]) == (7, 7, 0)
    assert j.version == 1 + 7  # one claim plus one fenced write per step
    assert j.locked_by is None and j.completed_at is not None
    assert j.context["tiers"]["1"]["user"]["slack_user_id"] == "U1"


async def test_five_concurrent_submits_make_one_job(db: Any) -> None:
    org, users = await seed_org(db)
    engine, _ = make_engine(db, noop_registry())
    results = await asyncio.gather(*(engine.submit(ev(org, users[0], "same")) for _ in range(5)))
    refs = [r for r in results if isinstance(r, JobRef)]
    skips = [r for r in results if isinstance(r, Skipped)]
    assert len(refs) == 1 and len(skips) == 4
    assert {s.existing_job_id for s in skips} == {refs[0].job_id}
    async with db.session() as s:
        assert len((await s.execute(select(SequenceJob.id))).all()) == 1


async def test_key_of_failed_job_may_run_again(db: Any) -> None:
    org, users = await seed_org(db)
    reg = SequenceRegistry()

    async def boom(ctx: StepContext) -> None:
        raise ValueError("bad data")

    @sequence("fragile", version=1)
    async def fragile(wf: Workflow) -> None:
        await wf.step(boom, name="only")

    reg.add(fragile)
    engine, _ = make_engine(db, reg)
    first = await engine.submit(ev(org, users[0], "x", "fragile"))
    await engine.drain()
    assert isinstance(first, JobRef) and (await job(db, first.job_id)).status == "failed"
    again = await engine.submit(ev(org, users[0], "x", "fragile"))
    assert isinstance(again, JobRef) and again.job_id != first.job_id


async def test_validation_skips_with_reasons(db: Any) -> None:
    org, users = await seed_org(db)
    engine, _ = make_engine(db, noop_registry())
    assert (await engine.submit(ev(org + 99, None, "a"))).reason.startswith("unknown org")  # type: ignore[union-attr]
    assert (await engine.submit(ev(org, 9999, "b"))).reason.startswith("unknown user")  # type: ignore[union-attr]
    async with db.transaction() as s:
        st = await s.get(OrgSettings, org)
        st.disabled_event_types = ["noop7"]
        s.add(st)
    skipped = await engine.submit(ev(org, users[0], "c"))
    assert isinstance(skipped, Skipped) and "disabled" in skipped.reason


async def test_unregistered_sequence_waits_pending_then_runs_when_registered(db: Any) -> None:
    org, users = await seed_org(db)
    engine, _ = make_engine(db, noop_registry())
    ref = await engine.submit(ev(org, users[0], "later", "coaching_digest"))
    assert isinstance(ref, JobRef)
    assert await engine.drain() == 0
    j = await job(db, ref.job_id)
    assert j.status == "pending" and "no sequence registered" in (j.error or "")
    reg = noop_registry()

    @sequence("coaching_digest", version=3)
    async def coaching_digest(wf: Workflow) -> None:
        await wf.step(noop, name="a")
        await wf.step(noop, name="b")

    reg.add(coaching_digest)
    engine2, _ = make_engine(db, reg)
    assert await engine2.drain() == 1
    j = await job(db, ref.job_id)
    assert j.status == "completed" and j.sequence_version == 3 and j.error is None


async def test_failure_policies_stop_continue_retry(db: Any) -> None:
    org, users = await seed_org(db)
    reg = noop_registry()
    calls = {"flaky": 0}

    async def broken(ctx: StepContext) -> None:
        raise ValueError("broken")

    async def flaky(ctx: StepContext) -> dict[str, int]:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise TransientError("503 from service", retry_after=0.0)
        return {"tries": calls["flaky"]}

    async def always_429(ctx: StepContext) -> None:
        raise TransientError("429", retry_after=0.0)

    @sequence("policies", version=1)
    async def policies(wf: Workflow) -> None:
        await wf.step(broken, name="soft", on_failure=OnFailure.CONTINUE)
        await wf.step(flaky, on_failure=OnFailure.RETRY, retries=3)
        await wf.step(broken, name="hard", on_failure=OnFailure.STOP)
        await wf.step(noop, name="never")

    @sequence("give_up", version=1)
    async def give_up(wf: Workflow) -> None:
        await wf.step(always_429, name="x", on_failure=OnFailure.RETRY, retries=2)

    reg.add_all([policies, give_up])
    engine, delivery = make_engine(db, reg)
    ref = await engine.submit(ev(org, users[0], "p", "policies"))
    ref2 = await engine.submit(ev(org, users[0], "q", "give_up"))
    assert isinstance(ref, JobRef) and isinstance(ref2, JobRef)
    for _ in range(10):
        await engine.drain()
    j = await job(db, ref.job_id)
    assert j.status == "failed" and "ValueError" in (j.error or "")
    assert j.context["outputs"]["soft"]["error"].startswith("ValueError")
    assert j.context["outputs"]["flaky"] == {"tries": 3}
    assert "never" not in j.context["done"]
    j2 = await job(db, ref2.job_id)
    assert j2.status == "failed" and j2.context["retries"]["x"] == 2
    # the rep was told, with a Retry button carrying the job id
    posts = [c for m, c in delivery.calls if m == "chat.postMessage"]
    retry_values = [
        el["value"]
        for p in posts
        for b in p["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"] == "job-retry"
    ]
    assert sorted(retry_values) == sorted([str(ref.job_id), str(ref2.job_id)])


async def test_step_timeout_is_a_failure(db: Any) -> None:
    org, users = await seed_org(db)
    reg = noop_registry()

    async def slow(ctx: StepContext) -> None:
        await asyncio.sleep(5)

    @sequence("slowseq", version=1)
    async def slowseq(wf: Workflow) -> None:
        await wf.step(slow, timeout_s=0.05)

    reg.add(slowseq)
    engine, _ = make_engine(db, reg)
    ref = await engine.submit(ev(org, users[0], "t", "slowseq"))
    await engine.drain()
    j = await job(db, ref.job_id)  # type: ignore[union-attr]
    assert j.status == "failed" and "TimeoutError" in (j.error or "")


async def test_retry_command_resumes_failed_job_from_failed_step(db: Any) -> None:
    org, users = await seed_org(db)
    reg = noop_registry()
    state = {"ok": False}

    async def gate(ctx: StepContext) -> dict[str, bool]:
        if not state["ok"]:
            raise ValueError("not yet")
        return {"ok": True}

    @sequence("retryable", version=1)
    async def retryable(wf: Workflow) -> None:
        await wf.step(noop, name="a")
        await wf.step(gate, name="b")
        await wf.step(noop, name="c")

    reg.add(retryable)
    engine, _ = make_engine(db, reg)
    ref = await engine.submit(ev(org, users[0], "r", "retryable"))
    await engine.drain()
    assert (await job(db, ref.job_id)).status == "failed"  # type: ignore[union-attr]
    state["ok"] = True
    assert await engine.retry(ref.job_id)  # type: ignore[union-attr]
    assert not await engine.retry(ref.job_id)  # type: ignore[union-attr]
    await engine.drain()
    j = await job(db, ref.job_id)  # type: ignore[union-attr]
    assert j.status == "completed" and j.context["done"] == ["a", "b", "c"]


async def test_branches_and_conditions(db: Any) -> None:
    org, users = await seed_org(db)
    reg = noop_registry()

    async def classify(ctx: StepContext) -> dict[str, str]:
        return {"category": ctx.payload["category"]}

    @sequence("router", version=1)
    async def router(wf: Workflow) -> None:
        match (await wf.step(classify))["category"]:
            case "spam":
                return
            case "proposal":
                await wf.step(noop, name="proposal")
            case _:
                await wf.step(noop, name="meeting")
        await wf.step(noop, name="wrap")

    reg.add(router)
    engine, _ = make_engine(db, reg)
    refs = {
        cat: await engine.submit(ev(org, users[0], cat, "router", category=cat))
        for cat in ("spam", "proposal", "meeting")
    }
    await engine.drain()
    done = {c: (await job(db, r.job_id)).context["done"] for c, r in refs.items()}  # type: ignore[union-attr]
    assert done["spam"] == ["classify"]
    assert done["proposal"] == ["classify", "proposal", "wrap"]
    assert done["meeting"] == ["classify", "meeting", "wrap"]


async def test_effects_are_recorded_once_per_key(db: Any) -> None:
    org, users = await seed_org(db)
    reg = noop_registry()
    acted: list[str] = []

    async def act(ctx: StepContext) -> dict[str, Any]:
        async def do() -> dict[str, str]:
            acted.append(ctx.step.name)
            return {"crm_id": "C-1"}

        first = await ctx.effect("crm-write", do)
        second = await ctx.effect("crm-write", do)
        return {"first": first, "second": second}

    @sequence("effects", version=1)
    async def effects(wf: Workflow) -> None:
        await wf.step(act, name="write")

    reg.add(effects)
    engine, _ = make_engine(db, reg)
    ref = await engine.submit(ev(org, users[0], "e", "effects"))
    await engine.drain()
    j = await job(db, ref.job_id)  # type: ignore[union-attr]
    assert acted == ["write"]
    assert j.context["outputs"]["write"] == {
        "first": {"crm_id": "C-1"},
        "second": {"crm_id": "C-1"},
    }
    async with db.session() as s:
        rows = (await s.execute(select(Effect.effect_key, Effect.status))).all()
    assert [tuple(r) for r in rows] == [("crm-write", "done")]


async def test_cancel_stops_a_pending_job(db: Any) -> None:
    org, users = await seed_org(db)
    engine, _ = make_engine(db, noop_registry())
    ref = await engine.submit(ev(org, users[0], "c"))
    assert await engine.cancel(ref.job_id)  # type: ignore[union-attr]
    assert await engine.drain() == 0
    assert (await job(db, ref.job_id)).status == "cancelled"  # type: ignore[union-attr]


@pytest.mark.parametrize("n", [3])
async def test_workers_run_jobs_in_background(db: Any, n: int) -> None:
    org, users = await seed_org(db)
    engine, _ = make_engine(db, noop_registry(), poll_s=0.2)
    await engine.start_workers(n)
    try:
        refs = [await engine.submit(ev(org, users[0], f"w{i}")) for i in range(10)]
        for _ in range(200):
            async with db.session() as s:
                statuses = (await s.execute(select(SequenceJob.status))).scalars().all()
            if all(st == "completed" for st in statuses):
                break
            await asyncio.sleep(0.02)
        assert len(refs) == 10 and set(statuses) == {"completed"}
    finally:
        await engine.stop()
    assert noop is not None


async def test_intent_then_reconcile_never_acts_twice_and_retry_after_is_honoured(db: Any) -> None:
    org, users = await seed_org(db)
    reg = noop_registry()
    provider: list[str] = []  # what the (non-idempotent) email provider really sent

    async def send(ctx: StepContext) -> dict[str, Any]:
        async def do() -> dict[str, str]:
            provider.append("msg-1")
            if len(provider) == 1:  # sent, but the answer never came back
                raise TransientError("gateway timeout", retry_after=30)
            return {"id": "msg-1"}

        async def reconcile(_intent: Any) -> dict[str, str] | None:
            return {"id": "msg-1", "reconciled": "yes"} if provider else None

        return await ctx.effect("email", do, intent=True, reconcile=reconcile)

    @sequence("mail", version=1)
    async def mail(wf: Workflow) -> None:
        await wf.step(send, on_failure=OnFailure.RETRY)

    reg.add(mail)
    engine, _ = make_engine(db, reg, retry_base_s=0.001)
    ref = await engine.submit(ev(org, users[0], "m", "mail"))
    await engine.drain()
    j = await job(db, ref.job_id)  # type: ignore[union-attr]
    assert j.status == "pending" and j.context["retries"] == {"send": 1}
    wait = (j.run_after - j.updated_at).total_seconds()
    assert 29 <= wait <= 31  # Retry-After beats the tiny exponential backoff
    async with db.transaction() as s:
        await s.execute(
            SequenceJob.__table__.update()
            .where(SequenceJob.id == j.id)
            .values(run_after=j.updated_at)
        )
    await engine.drain()
    j = await job(db, ref.job_id)  # type: ignore[union-attr]
    assert j.status == "completed"
    assert j.context["outputs"]["send"] == {"id": "msg-1", "reconciled": "yes"}
    assert provider == ["msg-1"]


async def test_run_once_on_a_held_connection_runs_job_after_job(db: Any) -> None:
    org, users = await seed_org(db)
    engine, _ = make_engine(db, noop_registry())
    refs = [await engine.submit(ev(org, users[0], f"held{i}")) for i in range(2)]
    async with db.engine.connect() as conn:  # as a worker holds its own
        assert await engine.run_once(conn=conn)
        assert await engine.run_once(conn=conn)
        assert not await engine.run_once(conn=conn)
    for ref in refs:
        assert isinstance(ref, JobRef)
        j = await job(db, ref.job_id)
        assert j.status == "completed" and j.version == 1 + 7
