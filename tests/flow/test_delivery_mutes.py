"""Mutes, replies to the rep's own clicks, and no duplicate DM for one dedupe key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import literal_column, select, update

from config.settings import Settings
from orchestrator.context import StepContext, TransientError
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event
from orchestrator.sequence import ApprovalKind, OnFailure, SequenceRegistry, sequence
from orchestrator.store import Sql
from orchestrator.workflow import Workflow
from storage.models import SequenceJob, SlackNotificationSent, UserPreferences
from tests.support.sequences import RecordingDelivery, noop_registry, seed_org

NOW = datetime(2030, 3, 2, 15, 0, tzinfo=UTC)


def registry() -> SequenceRegistry:
    reg = noop_registry()

    async def remind(ctx: StepContext) -> dict[str, Any]:
        first = await ctx.notify("commitment_overdue", "Overdue: send the deck", key="r")
        again = await ctx.notify("commitment_overdue", "Overdue: send the deck", key="r")
        assert again == first  # the same dedupe key never posts twice
        return {"ts": first.ts, "status": getattr(first, "status", "delivered")}

    async def propose(ctx: StepContext) -> dict[str, str]:
        return {"title": "Send it?", "text": "A draft"}

    attempts: list[int] = []

    async def flaky(ctx: StepContext) -> dict[str, str]:
        posted = await ctx.notify("commitment_overdue", "Overdue: send the deck", key="r")
        attempts.append(1)
        if len(attempts) == 1:
            raise TransientError("the CRM timed out after the DM went")
        return {"ts": posted.ts}

    @sequence("flaky", version=1)
    async def flaky_seq(wf: Workflow) -> None:
        await wf.step(flaky, on_failure=OnFailure.RETRY)

    @sequence("remind", version=1)
    async def remind_seq(wf: Workflow) -> None:
        await wf.step(remind)

    @sequence("gated", version=1)
    async def gated(wf: Workflow) -> None:
        shown = await wf.step(propose)
        decision = await wf.approval(ApprovalKind.GENERIC, shown, name="act")
        if decision.approved:
            await wf.step(remind, name="act")

    reg.add_all((flaky_seq, remind_seq, gated))
    return reg


async def set_prefs(db: Any, user_id: int, **values: Any) -> None:
    async with db.transaction() as s:
        await s.execute(
            update(UserPreferences).where(UserPreferences.user_id == user_id).values(**values)
        )


async def notes(db: Any) -> list[tuple[str, str]]:
    async with db.session() as s:
        q = select(SlackNotificationSent).order_by(SlackNotificationSent.id)
        return [(r.kind, r.status) for r in (await s.execute(q)).scalars()]


async def outputs(db: Any) -> list[dict[str, Any]]:
    async with db.session() as s:
        q = select(SequenceJob).order_by(SequenceJob.id)
        return [j.context["outputs"] for j in (await s.execute(q)).scalars()]


def engine_for(db: Any, slack: RecordingDelivery) -> Engine:
    return Engine(db, Settings(), slack, registry(), clock=lambda: NOW, heartbeat_s=None)


async def test_muted_kind_is_recorded_not_posted_unless_the_rep_asked(db: Any) -> None:
    org, users = await seed_org(db)
    await set_prefs(db, users[1], muted_kinds=["commitment_overdue"])
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("remind", "cron:commitments", org, users[1], {}, "remind:1"))
    await engine.submit(Event("remind", "slack:command", org, users[1], {}, "remind:2"))
    await engine.submit(Event("remind", "test", org, users[1], {"requested": True}, "remind:3"))
    await engine.drain()
    assert await notes(db) == [
        ("commitment_overdue", s) for s in ("muted", "delivered", "delivered")
    ]
    assert slack.methods().count("chat.postMessage") == 2
    got = [o["remind"] for o in await outputs(db)]
    assert got[0] == {"ts": "", "status": "muted"}  # the step carried on
    assert got[1]["status"] == "delivered" and got[1]["ts"]


async def test_gates_and_replies_after_a_click_are_never_muted(db: Any) -> None:
    org, users = await seed_org(db)
    await set_prefs(db, users[1], muted_kinds=["approval", "commitment_overdue"])
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("gated", "test", org, users[1], {}, "gated:1"))
    await engine.drain()
    assert await notes(db) == [("approval", "delivered")]
    async with db.session() as s:
        from storage.models import SlackPendingAction

        pa = (await s.execute(select(SlackPendingAction))).scalars().one()
    res = await engine.resume(pa.id, Decision.APPROVE, "U2")
    assert res.ok, res
    await engine.drain()
    assert await notes(db) == [("approval", "delivered"), ("commitment_overdue", "delivered")]


async def test_pause_holds_all_but_replies_to_the_rep(db: Any) -> None:
    org, users = await seed_org(db)
    await set_prefs(db, users[1], paused_until=NOW + timedelta(hours=2))
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("remind", "cron:commitments", org, users[1], {}, "remind:1"))
    await engine.submit(Event("remind", "slack:command", org, users[1], {}, "remind:2"))
    await engine.drain()
    assert await notes(db) == [
        ("commitment_overdue", "deferred"),
        ("commitment_overdue", "delivered"),
    ]
    assert slack.methods().count("chat.postMessage") == 1


async def test_a_replayed_step_does_not_send_the_dm_twice(db: Any) -> None:
    org, users = await seed_org(db)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("flaky", "test", org, users[1], {}, "flaky:1"))
    await engine.drain()
    now = Sql(db.engine.dialect.name, injected_clock=db.clock is not None).now  # the claim's clock
    async with db.transaction() as s:  # the retry is due now (by the database clock)
        await s.execute(
            update(SequenceJob)
            .where(SequenceJob.status == "pending")
            .values(run_after=literal_column(now))
        )
    await engine.drain()
    [out] = await outputs(db)
    assert out["flaky"]["ts"]
    assert slack.methods().count("chat.postMessage") == 1
    assert await notes(db) == [("commitment_overdue", "delivered")]
