"""Quiet hours and rate limits, budget, follow-up chains, context tiers and crons."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, literal_column, select, update

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.crons import CronSpec, fire_once, register_crons, scheduled_time
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef, Skipped
from orchestrator.sequence import ApprovalKind, SequenceRegistry, sequence
from orchestrator.store import Sql
from orchestrator.tiers import ContextLoaders, load_tier1, load_tier2
from orchestrator.workflow import Workflow
from storage.engine import Database
from storage.models import (
    BudgetNotice,
    CostLedger,
    CronFire,
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
)
from tests.support.sequences import (
    RecordingDelivery,
    noop,
    noop_registry,
    seed_org,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def notify_registry() -> SequenceRegistry:
    reg = noop_registry()

    async def ping(ctx: StepContext) -> dict[str, str]:
        posted = await ctx.notify("digest", "Your digest", key="digest")
        return {"ts": posted.ts}

    @sequence("digest", version=1)
    async def digest(wf: Workflow) -> None:
        await wf.step(ping)
        await wf.step(noop, name="after")

    reg.add(digest)
    return reg


async def make_due(db: Any) -> None:
    """Time passes: every deferred job becomes due (by the database clock)."""
    now = Sql(db.engine.dialect.name, injected_clock=db.clock is not None).now  # the claim's clock
    async with db.transaction() as s:
        await s.execute(
            update(SequenceJob)
            .where(SequenceJob.status == "pending")
            .values(run_after=literal_column(now))
        )


async def jobs(db: Any) -> list[SequenceJob]:
    async with db.session() as s:
        return list((await s.execute(select(SequenceJob).order_by(SequenceJob.id))).scalars())


async def test_quiet_hours_defer_to_next_window_with_frozen_time(db: Any) -> None:
    org, users = await seed_org(db, timezone="America/New_York", quiet=("19:00", "07:00"))
    clock = Clock(datetime(2030, 1, 15, 3, 0, tzinfo=UTC))  # 22:00 in New York (future: the
    # injected clock must not be behind the database clock, which decides when a job is due)
    delivery = RecordingDelivery()
    engine = Engine(db, Settings(), delivery, notify_registry(), clock=clock, heartbeat_s=None)
    ref = await engine.submit(Event("digest", "test", org, users[0], {"id": "1"}))
    assert isinstance(ref, JobRef)
    await engine.drain()
    [job] = await jobs(db)
    assert job.status == "pending"
    assert job.run_after == datetime(2030, 1, 15, 12, 0, tzinfo=UTC)  # 07:00 New York
    assert "chat.postMessage" not in delivery.methods()
    async with db.session() as s:
        rows = (await s.execute(select(SlackNotificationSent))).scalars().all()
    assert [(r.status, r.kind) for r in rows] == [("deferred", "digest")]
    clock.now = datetime(2030, 1, 15, 12, 1, tzinfo=UTC)
    await make_due(db)
    await engine.drain()
    [job] = await jobs(db)
    assert job.status == "completed"
    assert delivery.methods().count("chat.postMessage") == 1
    async with db.session() as s:
        rows = (await s.execute(select(SlackNotificationSent))).scalars().all()
    assert [r.status for r in rows] == ["delivered"]


async def test_hourly_cap_defers_the_overflow(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=2)
    clock = Clock(datetime(2030, 3, 2, 15, 0, tzinfo=UTC))
    delivery = RecordingDelivery()
    engine = Engine(db, Settings(), delivery, notify_registry(), clock=clock, heartbeat_s=None)
    for i in range(3):
        await engine.submit(Event("digest", "test", org, users[0], {"id": str(i)}))
        await engine.drain()
        clock.now += timedelta(minutes=10)
    statuses = [j.status for j in await jobs(db)]
    assert statuses == ["completed", "completed", "pending"]
    assert (await jobs(db))[2].run_after == datetime(2030, 3, 2, 16, 0, tzinfo=UTC)
    clock.now = datetime(2030, 3, 2, 16, 0, 1, tzinfo=UTC)
    await make_due(db)
    await engine.drain()
    assert [j.status for j in await jobs(db)] == ["completed"] * 3
    assert delivery.methods().count("chat.postMessage") == 3


async def test_budget_halts_and_admins_are_told_once(db: Any) -> None:
    org, users = await seed_org(db, budget_usd=1.0)
    reg = noop_registry()

    async def think(ctx: StepContext) -> dict[str, bool]:
        await ctx.record_cost("gpt-test", 1.0, 1000, 200)
        return {"thought": True}

    @sequence("ai_seq", version=1, estimated_cost_usd=0.2)  # what its two AI steps may spend
    async def ai_seq(wf: Workflow) -> None:
        await wf.step(think, ai_cost_usd=0.1)
        await wf.step(think, name="think_more", ai_cost_usd=0.1)

    reg.add(ai_seq)
    delivery = RecordingDelivery()
    engine = Engine(db, Settings(), delivery, reg, heartbeat_s=None)
    first = await engine.submit(Event("ai_seq", "test", org, users[1], {"id": "1"}))
    second = await engine.submit(Event("ai_seq", "test", org, users[1], {"id": "2"}))
    assert isinstance(first, JobRef) and isinstance(second, JobRef)
    await engine.drain()
    a, b = await jobs(db)
    assert (a.status, a.error) == ("failed", "budget_exhausted")
    assert a.context["done"] == ["think"] and a.context["meta"]["ai_cost_usd"] == 1.0
    assert (b.status, b.error) == ("failed", "budget_exhausted") and b.context["done"] == []
    later = await engine.submit(Event("ai_seq", "test", org, users[1], {"id": "3"}))
    assert isinstance(later, Skipped) and "budget" in later.reason
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(BudgetNotice))).scalar_one() == 1
        assert (await s.execute(select(func.count()).select_from(CostLedger))).scalar_one() == 1
    budget_dms = [c for m, c in delivery.calls if m == "chat.postMessage" and "budget" in c["text"]]
    assert [c["channel"] for c in budget_dms] == ["DU1"]  # the admin, once


def chain_registry() -> SequenceRegistry:
    reg = noop_registry()

    async def spawn(ctx: StepContext) -> None:
        ctx.queue_followup(
            Event(
                "chain",
                "orchestrator:chain",
                ctx.org_id,
                ctx.user_id,
                {"id": f"after-{ctx.job_id}"},
            )
        )

    @sequence("chain", version=1)
    async def chain(wf: Workflow) -> None:
        await wf.step(spawn)
        await wf.step(noop, name="end")

    @sequence("spawn_then_ask", version=1)
    async def spawn_then_ask(wf: Workflow) -> None:
        spawned = await wf.step(spawn)
        decision = await wf.approval(ApprovalKind.GENERIC, spawned, name="ask")
        if decision.approved:
            await wf.step(noop, name="ask", approval=decision)

    reg.add_all([chain, spawn_then_ask])
    return reg


async def test_follow_ups_become_linked_children_up_to_depth_three(db: Any) -> None:
    org, users = await seed_org(db)
    engine = Engine(db, Settings(), RecordingDelivery(), chain_registry(), heartbeat_s=None)
    await engine.submit(Event("chain", "test", org, users[0], {"id": "root"}))
    await engine.drain()
    root, child, grandchild = await jobs(db)
    assert [j.chain_depth for j in (root, child, grandchild)] == [1, 2, 3]
    assert root.event_chain == {"parent": None, "children": [child.id]}
    assert child.event_chain == {"parent": root.id, "children": [grandchild.id]}
    assert grandchild.event_chain == {"parent": child.id, "children": []}
    assert child.parent_job_id == root.id and child.event_source == "orchestrator:chain"
    assert grandchild.context["meta"]["chain_refused"] == 1
    assert {j.status for j in (root, child, grandchild)} == {"completed"}
    too_deep = await engine.submit(
        Event("chain", "test", org, users[0], {"id": "x"}, parent_job_id=grandchild.id)
    )
    assert isinstance(too_deep, Skipped) and "chain depth" in too_deep.reason


async def test_follow_ups_spawn_when_the_parent_pauses(db: Any) -> None:
    org, users = await seed_org(db)
    reg = chain_registry()
    engine = Engine(db, Settings(), RecordingDelivery(), reg, heartbeat_s=None)
    await engine.submit(Event("spawn_then_ask", "test", org, users[0], {"id": "p"}))
    assert await engine.run_once()
    parent, child = await jobs(db)
    assert parent.status == "awaiting_approval"
    assert child.status == "pending" and child.parent_job_id == parent.id
    assert parent.event_chain["children"] == [child.id]


async def test_context_tiers_load_once_and_reload_when_stale(db: Any) -> None:
    org, users = await seed_org(db)
    calls = {"1": 0, "2": 0, "3": 0}

    async def t1(conn: Any, job: dict[str, Any]) -> dict[str, Any]:
        calls["1"] += 1
        return await load_tier1(conn, job)

    async def t2(conn: Any, job: dict[str, Any]) -> dict[str, Any]:
        calls["2"] += 1
        return await load_tier2(conn, job)

    async def t3(conn: Any, job: dict[str, Any]) -> dict[str, Any]:
        calls["3"] += 1
        return {"news": ["acme raised"]}

    seen: dict[str, Any] = {}

    async def look(ctx: StepContext) -> None:
        seen[ctx.step.name] = sorted(k for k in ctx.tiers if k != "loaded_at")

    @sequence("ctx", version=1)
    async def ctx_seq(wf: Workflow) -> None:
        shown = await wf.step(look, name="plain")
        decision = await wf.approval(ApprovalKind.GENERIC, shown, name="gate")
        if decision.approved:
            await wf.step(look, name="gate", approval=decision)
        await wf.step(look, name="enriched", context=3)

    reg = noop_registry()
    reg.add(ctx_seq)
    loaders = ContextLoaders(t1, t2, t3)
    fresh = Engine(db, Settings(), RecordingDelivery(), reg, loaders=loaders, heartbeat_s=None)
    await fresh.submit(Event("ctx", "test", org, users[0], {"id": "a", "deal_id": 12345}))
    await fresh.drain()
    assert seen == {"plain": ["1", "2"]} and calls == {"1": 1, "2": 1, "3": 0}
    async with db.session() as s:
        pa = (await s.execute(select(SlackPendingAction))).scalar_one()
    assert (await fresh.resume(pa.id, Decision.APPROVE, "U1")).ok
    await fresh.drain()
    assert calls == {"1": 1, "2": 1, "3": 1}  # not stale: no reload on resume
    assert seen["enriched"] == ["1", "2", "3"]
    # with a tiny staleness the tiers are reloaded on resume
    stale = Engine(
        db,
        Settings(context_stale_after_s=1e-6),
        RecordingDelivery(),
        reg,
        loaders=loaders,
        heartbeat_s=None,
    )
    await stale.submit(Event("ctx", "test", org, users[0], {"id": "b"}))
    await stale.drain()
    async with db.session() as s:
        pa2 = (
            await s.execute(
                select(SlackPendingAction).where(SlackPendingAction.status == "pending")
            )
        ).scalar_one()
    assert (await stale.resume(pa2.id, Decision.APPROVE, "U1")).ok
    await stale.drain()
    assert calls["1"] == 3 and calls["2"] == 1  # event b names no deal: no tier 2


async def test_cron_fired_by_two_schedulers_submits_once(db: Any, db_url: str) -> None:
    org, users = await seed_org(db)
    engine = Engine(db, Settings(), RecordingDelivery(), noop_registry(), heartbeat_s=None)
    submitted: list[Event] = []

    async def submit(ev: Event) -> Any:
        submitted.append(ev)
        return await engine.submit(ev)

    async def events(at: datetime) -> list[Event]:
        return [Event("noop7", "cron:morning", org, users[0], {"id": at.isoformat()})]

    # A fixed slot: APScheduler finds it due at start (whenever this runs: the grace covers any
    # past date) and each process's handler names it on the injected clock.
    run_at = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    slot = CronSpec("morning", DateTrigger(run_date=run_at), events, misfire_grace_time=10**9)
    second_db = Database(db_url)  # the other "process" has its own engine and pool
    done: list[asyncio.Event] = []
    schedulers = []
    for which in (db, second_db):
        sched = AsyncIOScheduler(timezone=UTC)
        fired = asyncio.Event()
        sched.add_listener(lambda _e, f=fired: f.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        register_crons(
            sched,
            [slot],
            db=which,
            submit=submit,
            clock=lambda: run_at,
        )
        register_crons(  # registering again replaces, never duplicates
            sched,
            [slot],
            db=which,
            submit=submit,
            clock=lambda: run_at,
        )
        schedulers.append(sched)
        done.append(fired)
    for sched in schedulers:
        sched.start()
        assert len(sched.get_jobs()) == 1
    try:
        await asyncio.wait_for(asyncio.gather(*(d.wait() for d in done)), 10)
    finally:
        for sched in schedulers:
            sched.shutdown(wait=False)
        await second_db.dispose()
    assert len(submitted) == 1
    async with db.session() as s:
        fires = (await s.execute(select(CronFire))).scalars().all()
    assert [(f.cron_id, f.scheduled_for) for f in fires] == [("morning", run_at)]
    assert len(await jobs(db)) == 1
    # a restart (or a third process) firing the same slot again does nothing
    spec = CronSpec("morning", DateTrigger(run_date=run_at), events)
    assert await fire_once(db, spec, run_at, submit, "restarted") is None


def test_scheduled_time_is_the_latest_fire_at_or_before_now() -> None:
    trig = CronTrigger(minute="*/15", timezone=UTC)
    now = datetime(2026, 5, 1, 8, 31, 7, tzinfo=UTC)
    assert scheduled_time(trig, now, timedelta(hours=1)) == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    exact = datetime(2026, 5, 1, 8, 45, 0, 2000, tzinfo=UTC)
    assert scheduled_time(trig, exact, timedelta(hours=1)) == datetime(
        2026, 5, 1, 8, 45, tzinfo=UTC
    )


async def test_an_approved_send_is_created_even_at_the_chain_limit(db: Any) -> None:
    """A send the rep approved ends a chain: it is never refused for depth (it starts nothing)."""
    reg = chain_registry()

    async def send_too(ctx: StepContext) -> None:
        ctx.queue_followup(Event("email_send", "orchestrator:chain", ctx.org_id, ctx.user_id,
                                 {"send_id": ctx.job_id}))  # fmt: skip
        ctx.queue_followup(Event("chain", "orchestrator:chain", ctx.org_id, ctx.user_id,
                                 {"id": f"more-{ctx.job_id}"}))  # fmt: skip

    @sequence("deep", version=1)
    async def deep(wf: Workflow) -> None:
        await wf.step(send_too)

    reg.add_all([deep])
    org, users = await seed_org(db)
    engine = Engine(db, Settings(), RecordingDelivery(), reg, heartbeat_s=None)
    await engine.submit(Event("chain", "test", org, users[0], {"id": "root"}))
    await engine.drain()
    _, child, _ = await jobs(db)
    await engine.submit(Event("deep", "test", org, users[0], {"id": "d"}, parent_job_id=child.id))
    await engine.drain()
    by_type = {j.sequence_type: j for j in await jobs(db) if j.chain_depth == 4}
    assert set(by_type) == {"email_send"}  # the send is made; another chain step is not
