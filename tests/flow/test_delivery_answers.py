"""The hourly cap holds back proactive messages only (DESIGN.md section 3, issue 11 item 2.2).

What answers the rep's own click or command goes at once: the next gate of a job the rep
resumed, the gates of a job started by a command, and the jobs chained from a click. Saving
settings re-decides what is held (a raised cap releases it). Each test runs on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event
from orchestrator.sequence import ApprovalKind, SequenceRegistry, sequence
from orchestrator.workflow import Workflow
from services.settings import apply_preferences
from skills.preferences import ValidatedPreferences
from storage.models import (
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
    User,
    UserPreferences,
)
from tests.support.sequences import RecordingDelivery, noop, noop_registry, seed_org

NOW = datetime(2030, 3, 2, 15, 0, tzinfo=UTC)


def registry() -> SequenceRegistry:
    reg = noop_registry()

    async def propose(ctx: StepContext) -> dict[str, str]:
        return {"title": f"Approve {ctx.step.name}?", "text": "A proposal"}

    async def chain(ctx: StepContext) -> dict[str, str]:
        ctx.queue_followup(
            Event("child", "orchestrator:chain", ctx.org_id, ctx.user_id, {}, f"child:{ctx.job_id}")
        )
        return {}

    async def tell(ctx: StepContext) -> dict[str, str]:
        posted = await ctx.notify("follow_up_approved", "Done: your follow-up went", key="t")
        return {"ts": posted.ts}

    async def gate(wf: Workflow, shown: dict[str, str]) -> None:
        decision = await wf.approval(ApprovalKind.STAGE_CHANGE, shown, name="act")
        if decision.approved:
            await wf.step(noop, name="act")

    @sequence("two_gates", version=1)
    async def two_gates(wf: Workflow) -> None:
        shown = await wf.step(propose)
        decision = await wf.approval(ApprovalKind.EMAIL_SEND, shown, name="send")
        if decision.approved:
            await wf.step(noop, name="send")
        await gate(wf, shown)

    # queues its child before the first gate (proactive) or after it (answers the click)
    @sequence("chain_early", version=1)
    async def chain_early(wf: Workflow) -> None:
        await wf.step(chain)
        await gate(wf, await wf.step(propose))

    @sequence("chain_late", version=1)
    async def chain_late(wf: Workflow) -> None:
        await gate(wf, await wf.step(propose))
        await wf.step(chain)

    @sequence("child", version=1)
    async def child(wf: Workflow) -> None:
        await wf.step(tell)

    @sequence("one_gate", version=1)
    async def one_gate(wf: Workflow) -> None:
        await gate(wf, await wf.step(propose))

    reg.add_all((two_gates, chain_early, chain_late, child, one_gate))
    return reg


def engine_for(db: Any, slack: RecordingDelivery) -> Engine:
    return Engine(db, Settings(), slack, registry(), clock=lambda: NOW, heartbeat_s=None)


async def posts(slack: RecordingDelivery) -> int:
    return slack.methods().count("chat.postMessage")


async def gates(db: Any) -> list[SlackPendingAction]:
    async with db.session() as s:
        q = select(SlackPendingAction).order_by(SlackPendingAction.created_at)
        return list((await s.execute(q)).scalars())


async def notes(db: Any) -> list[tuple[str, str]]:
    async with db.session() as s:
        q = select(SlackNotificationSent).order_by(SlackNotificationSent.id)
        return [(r.kind, r.status) for r in (await s.execute(q)).scalars()]


async def statuses(db: Any) -> dict[str, str]:
    async with db.session() as s:
        rows = (await s.execute(select(SequenceJob))).scalars()
        return {j.idempotency_key: j.status for j in rows}


async def approve_open_gate(db: Any, engine: Engine) -> None:
    [pa] = [g for g in await gates(db) if g.status == "pending"]
    assert (await engine.resume(pa.id, Decision.APPROVE, "U2")).ok
    await engine.drain()


async def test_the_gate_after_a_click_is_not_held_by_the_cap(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=1)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("two_gates", "webhook:meetingbaas", org, users[1], {}, "m:1"))
    await engine.drain()
    assert await posts(slack) == 1  # the first gate: the one message this hour
    await approve_open_gate(db, engine)  # the rep clicks Send: the next card answers the click
    shown = await gates(db)
    assert len(shown) == 2 and shown[1].channel and shown[1].message_ts
    assert await posts(slack) == 2
    assert await notes(db) == [("approval", "delivered"), ("approval", "delivered")]
    assert (await statuses(db))["m:1"] == "awaiting_approval"


async def test_skip_is_a_click_too(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=1)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("two_gates", "webhook:meetingbaas", org, users[1], {}, "m:1"))
    await engine.drain()
    [pa] = await gates(db)
    assert (await engine.resume(pa.id, Decision.SKIP, "U2")).ok
    await engine.drain()
    assert await posts(slack) == 2 and (await gates(db))[1].message_ts


async def test_a_command_started_job_posts_its_gate_over_the_cap(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=1)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("one_gate", "webhook:meetingbaas", org, users[1], {}, "w:1"))
    await engine.drain()
    await engine.submit(Event("one_gate", "slack:command", org, users[1], {}, "c:1"))
    await engine.submit(Event("one_gate", "webhook:meetingbaas", org, users[1], {}, "w:2"))
    await engine.drain()
    assert await posts(slack) == 2  # the webhook's second gate waits; the command's does not
    assert await statuses(db) == {"w:1": "awaiting_approval", "c:1": "awaiting_approval",
                                  "w:2": "pending"}  # fmt: skip


async def test_a_job_chained_from_a_click_answers_it_and_an_earlier_one_does_not(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=1)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("chain_late", "webhook:meetingbaas", org, users[1], {}, "late"))
    await engine.drain()
    await approve_open_gate(db, engine)  # the child is queued after the click
    assert await notes(db) == [("approval", "delivered"), ("follow_up_approved", "delivered")]

    org2, users2 = await seed_org(db, max_per_hour=1)
    slack2 = RecordingDelivery()
    engine2 = engine_for(db, slack2)
    await engine2.submit(Event("chain_early", "webhook:meetingbaas", org2, users2[1], {}, "early"))
    await engine2.drain()  # the child was queued by the webhook job itself: proactive, capped
    assert (await statuses(db))["child:" + str(await job_id(db, "early"))] == "pending"
    assert await posts(slack2) == 1


async def job_id(db: Any, key: str) -> int:
    async with db.session() as s:
        q = select(SequenceJob.id).where(SequenceJob.idempotency_key == key)
        return int((await s.execute(q)).scalar_one())


async def test_raising_the_cap_releases_what_now_fits(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=1)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    for i in range(3):
        await engine.submit(Event("one_gate", "webhook:meetingbaas", org, users[1], {}, f"w:{i}"))
    await engine.drain()
    assert await posts(slack) == 1
    assert sorted((await statuses(db)).values()) == ["awaiting_approval", "pending", "pending"]
    async with db.session() as s:
        user = await s.get(User, users[1])
    assert user is not None
    await apply_preferences(db, user, ValidatedPreferences({}, {"max_notifications_per_hour": 2}))
    await engine.drain()
    assert await posts(slack) == 2  # one more fits this hour; the third waits for its turn
    assert sorted((await statuses(db)).values()) == [
        "awaiting_approval", "awaiting_approval", "pending"]  # fmt: skip
    await apply_preferences(db, user, ValidatedPreferences({}, {"max_notifications_per_hour": 10}))
    await engine.drain()
    assert await posts(slack) == 3
    assert set((await statuses(db)).values()) == {"awaiting_approval"}


async def test_a_held_gate_approved_from_home_runs_on_at_once(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=1)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("one_gate", "webhook:meetingbaas", org, users[1], {}, "w:0"))
    await engine.submit(Event("one_gate", "webhook:meetingbaas", org, users[1], {}, "w:1"))
    await engine.drain()
    held = [g for g in await gates(db) if not g.message_ts]
    assert len(held) == 1
    assert (await engine.resume(held[0].id, Decision.APPROVE, "U2")).ok  # Home's button
    await engine.drain()
    assert (await statuses(db))["w:1"] == "completed"


async def test_quiet_hours_still_hold_proactive_gates(db: Any) -> None:
    org, users = await seed_org(db)
    async with db.transaction() as s:
        await s.execute(
            update(UserPreferences)
            .where(UserPreferences.user_id == users[1])
            .values(paused_until=NOW + timedelta(hours=2))
        )
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("one_gate", "webhook:meetingbaas", org, users[1], {}, "w:0"))
    await engine.submit(Event("one_gate", "slack:command", org, users[1], {}, "c:0"))
    await engine.drain()
    assert await statuses(db) == {"w:0": "pending", "c:0": "awaiting_approval"}


async def test_a_held_notification_is_on_home_and_opening_it_is_its_delivery(db: Any) -> None:
    from orchestrator.delivery import mark_opened
    from services.home import home_model

    org, users = await seed_org(db, max_per_hour=1)
    slack = RecordingDelivery()
    engine = engine_for(db, slack)
    await engine.submit(Event("one_gate", "webhook:meetingbaas", org, users[1], {}, "w:0"))
    await engine.submit(Event("child", "webhook:meetingbaas", org, users[1], {}, "w:1"))
    await engine.drain()
    assert await posts(slack) == 1 and (await statuses(db))["w:1"] == "pending"
    async with db.session() as s:
        user = await s.get(User, users[1])
    assert user is not None
    [held] = (await home_model(db, user, NOW)).held
    assert (
        held.note_id is not None and held.openable and "Done: your follow-up went" in held.summary
    )
    async with db.engine.begin() as conn:  # the rep clicks Open on Home: posted by the listener
        assert await mark_opened(conn, held.note_id, "DU2", "1700000000.999999")
    await engine.drain()
    assert await posts(slack) == 1  # the deferred job found it delivered: no second copy
    assert (await statuses(db))["w:1"] == "completed"
    assert (await home_model(db, user, NOW)).held == []


async def test_a_brief_asked_by_a_click_updates_the_unread_one_at_once_even_when_paused(
    db: Any,
) -> None:
    from flows.briefs_common import deliver

    reg = registry()

    async def brief(ctx: StepContext) -> dict[str, Any]:
        return await deliver(ctx, "pre_meeting", "Prep: Acme", [], subject_key="prep:acme:")

    @sequence("brief", version=1)
    async def briefing(wf: Workflow) -> None:
        await wf.step(brief)

    reg.add(briefing)
    org, users = await seed_org(db)
    slack = RecordingDelivery()
    engine = Engine(db, Settings(), slack, reg, clock=lambda: NOW, heartbeat_s=None)
    await engine.submit(Event("brief", "cron:pre_meeting", org, users[1], {}, "prep:acme:1"))
    await engine.drain()  # the first brief: posted, not read yet
    async with db.transaction() as s:
        await s.execute(
            update(UserPreferences)
            .where(UserPreferences.user_id == users[1])
            .values(paused_until=NOW + timedelta(hours=2))
        )
    await engine.submit(Event("brief", "slack:button_approve", org, users[1], {}, "prep:acme:2"))
    await engine.drain()
    assert (await statuses(db))["prep:acme:2"] == "completed"  # not deferred by the pause
    assert slack.methods().count("chat.update") == 1 and await posts(slack) == 1
