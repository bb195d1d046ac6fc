"""Gate groups: consecutive approval steps shown together and answered independently, each
step running as soon as its own gate is answered; the job goes on once all are answered."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import Condition, Sequence, SequenceRegistry, Step
from storage.models import SequenceJob, SlackPendingAction
from tests.support.sequences import RecordingDelivery, seed_org

RAN: list[tuple[str, Any]] = []
DURING: dict[str, Any] = {}  # step name -> coroutine function run while that step runs (a click)


def registry() -> SequenceRegistry:
    reg = SequenceRegistry()

    async def prepare(ctx: StepContext) -> dict[str, Any]:
        return {"title": "Follow-up", "draft": {"to": ["a@x.test"], "subject": "S", "body": "B"}}

    async def review(ctx: StepContext) -> dict[str, Any]:
        return {"title": "CRM change", "text": "demo → proposal"}

    def act(name: str) -> Any:
        async def run(ctx: StepContext) -> dict[str, Any]:
            assert ctx.approval is not None
            if name in DURING:
                await DURING.pop(name)()
            RAN.append((name, ctx.approval.payload))
            return {"ran": name}

        return run

    async def after(ctx: StepContext) -> dict[str, Any]:
        RAN.append(("after", None))
        return {}

    reg.skills.register("prepare", prepare)
    reg.skills.register("review", review)
    for name in ("send", "apply", "never"):
        reg.skills.register(name, act(name))
    reg.skills.register("after", after)
    reg.add(Sequence("grouped", 1, (
        Step("prepare", "prepare"),
        Step("review", "review"),
        Step("send", "send", requires_approval=True, approval_kind="email_send",
             approval_payload_from="prepare", gate_group="call"),
        Step("apply", "apply", requires_approval=True, approval_kind="stage_change",
             approval_payload_from="review", gate_group="call"),
        Step("never", "never", requires_approval=True, gate_group="call",
             condition=Condition("review.missing", "truthy")),
        Step("after", "after"),
    )))  # fmt: skip
    return reg


async def start(db: Any) -> tuple[Engine, RecordingDelivery, int, dict[str, SlackPendingAction]]:
    RAN.clear()
    delivery = RecordingDelivery()
    engine = Engine(db, Settings(), delivery, registry(), heartbeat_s=None)
    org, users = await seed_org(db)
    ref = await engine.submit(Event("grouped", "test", org, users[0], {}))
    assert isinstance(ref, JobRef)
    await engine.drain()
    return engine, delivery, ref.job_id, await gates(db, ref.job_id)


async def gates(db: Any, job_id: int) -> dict[str, SlackPendingAction]:
    async with db.session() as s:
        rows = (await s.execute(select(SlackPendingAction).where(SlackPendingAction.job_id == job_id))).scalars()
        return {r.step_name: r for r in rows}


async def job(db: Any, job_id: int) -> SequenceJob:
    async with db.session() as s:
        j = await s.get(SequenceJob, job_id)
        assert j is not None
        return j


async def test_gates_of_a_group_are_shown_together(db: Any) -> None:
    engine, delivery, job_id, shown = await start(db)
    assert set(shown) == {"send", "apply"}  # the step whose condition fails gets no gate
    assert all(g.status == "pending" and g.message_ts for g in shown.values())
    posts = [c for m, c in delivery.calls if m == "chat.postMessage"]
    assert len(posts) == 2
    assert (await job(db, job_id)).status == "awaiting_approval"
    assert await engine.drain() == 0 and RAN == []


async def test_each_gate_is_answered_on_its_own_in_any_order(db: Any) -> None:
    engine, delivery, job_id, shown = await start(db)
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert RAN == [("apply", {"title": "CRM change", "text": "demo → proposal"})]
    j = await job(db, job_id)
    assert j.status == "awaiting_approval" and "send" not in j.context["done"]
    update = next(c for m, c in delivery.calls if m == "chat.update")
    assert update["ts"] == shown["apply"].message_ts and "Approved by <@U1>" in str(update["blocks"])

    edit = {"draft": {"subject": "S2"}}
    assert (await engine.resume(shown["send"].id, Decision.EDIT, "U1", edit)).ok
    await engine.drain()
    assert RAN[1:] == [("send", {"title": "Follow-up", "draft": {"to": ["a@x.test"], "subject": "S2",
                                                                 "body": "B"}}), ("after", None)]  # fmt: skip
    j = await job(db, job_id)
    assert j.status == "completed"
    assert "never" in j.context["done"] and "never" not in j.context["approvals"]


async def test_a_skip_skips_only_its_own_step(db: Any) -> None:
    engine, _, job_id, shown = await start(db)
    assert (await engine.resume(shown["send"].id, Decision.SKIP, "U1")).ok
    await engine.drain()
    j = await job(db, job_id)
    assert j.status == "awaiting_approval" and j.context["outputs"]["send"]["skipped"] is True
    assert RAN == []
    assert (await engine.resume(shown["apply"].id, Decision.CANCEL, "U1")).ok
    await engine.drain()
    j = await job(db, job_id)
    assert j.status == "completed" and RAN == [("after", None)]
    assert j.context["outputs"]["apply"] == {"skipped": True, "decision": "cancelled"}


async def test_answers_that_arrive_together_are_all_taken_in(db: Any) -> None:
    engine, _, job_id, shown = await start(db)
    assert (await engine.resume(shown["send"].id, Decision.APPROVE, "U1")).ok
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert [r[0] for r in RAN] == ["send", "apply", "after"]
    assert (await job(db, job_id)).status == "completed"


async def test_an_answer_while_the_job_runs_leaves_it_due(db: Any) -> None:
    """A gate answered while the job runs another step of the group (after the runner took in
    the answers, before it parks the job) leaves the job due instead of parked forever."""
    engine, _, job_id, shown = await start(db)

    async def click_send() -> None:
        assert (await engine.resume(shown["send"].id, Decision.APPROVE, "U1")).ok

    DURING["apply"] = click_send
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert not DURING
    assert [r[0] for r in RAN] == ["apply", "send", "after"]
    assert (await job(db, job_id)).status == "completed"


async def test_an_expired_gate_skips_only_its_own_step(db: Any) -> None:
    engine, _, job_id, shown = await start(db)
    async with db.transaction() as s:
        await s.execute(update(SlackPendingAction).where(SlackPendingAction.id == shown["send"].id)
                        .values(expires_at=shown["send"].created_at))  # fmt: skip
    assert await engine.sweep_expired() == 1
    await engine.drain()
    j = await job(db, job_id)
    assert j.status == "awaiting_approval" and j.context["outputs"]["send"]["decision"] == "expired"
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert [r[0] for r in RAN] == ["apply", "after"] and (await job(db, job_id)).status == "completed"


def test_a_group_must_be_consecutive_gates() -> None:
    with pytest.raises(ValueError, match="has no gate"):
        Sequence("bad", 1, (Step("a", "x", gate_group="g"),))
    with pytest.raises(ValueError, match="not consecutive"):
        Sequence("bad", 1, (Step("a", "x", requires_approval=True, gate_group="g"), Step("b", "x"),
                            Step("c", "x", requires_approval=True, gate_group="g")))  # fmt: skip
