"""Gathered approvals (`wf.gather`): independent branches whose gates are shown together and
answered independently, each branch going on as soon as its own gate is answered; the sequence
goes on after the gather once every branch is done."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import ApprovalKind, SequenceRegistry, sequence
from orchestrator.workflow import Workflow
from storage.models import SlackPendingAction
from tests.support.sequences import RecordingDelivery, gates_of, job_row, seed_org

RAN: list[tuple[str, Any]] = []
DURING: dict[str, Any] = {}  # step name -> coroutine function run while that step runs (a click)


async def prepare(ctx: StepContext) -> dict[str, Any]:
    return {"title": "Follow-up", "draft": {"to": ["a@x.test"], "subject": "S", "body": "B"}}


async def review(ctx: StepContext) -> dict[str, Any]:
    return {"title": "CRM change", "text": "demo → proposal"}


async def act(ctx: StepContext, name: str) -> dict[str, Any]:
    assert ctx.approval is not None and ctx.approval.approved
    if name in DURING:
        await DURING.pop(name)()
    RAN.append((name, ctx.approval.payload))
    return {"ran": name}


async def after(ctx: StepContext) -> dict[str, Any]:
    RAN.append(("after", None))
    return {}


async def gated(wf: Workflow, gate: str, kind: str, payload: dict[str, Any] | None) -> str | None:
    """One branch: no payload, no gate; else ask, and act once approved."""
    if payload is None or "missing" in payload:
        return None
    decision = await wf.approval(kind, payload, name=gate)
    if decision.approved:
        await wf.step(act, gate, name=f"{gate}_done", approval=decision)
    return decision.status


async def no_gate(wf: Workflow) -> str:
    RAN.append(("no_gate", None))  # sequence code re-runs on every replay: a step records once
    await wf.step(after, name="no_gate_step")
    return "done"


def registry(*, with_plain_branch: bool = False) -> SequenceRegistry:
    @sequence("grouped", version=1)
    async def grouped(wf: Workflow) -> None:
        draft = await wf.step(prepare)
        change = await wf.step(review)
        branches = [
            gated(wf, "send", ApprovalKind.EMAIL_SEND, draft),
            gated(wf, "apply", ApprovalKind.STAGE_CHANGE, change),
            gated(
                wf, "never", ApprovalKind.GENERIC, {**change, "missing": True}
            ),  # a branch asks nothing
        ]
        if with_plain_branch:
            branches.append(no_gate(wf))
        await wf.gather(*branches)
        await wf.step(after)

    return SequenceRegistry([grouped])


async def start(
    db: Any, **kw: Any
) -> tuple[Engine, RecordingDelivery, int, dict[str, SlackPendingAction]]:
    RAN.clear()
    DURING.clear()
    delivery = RecordingDelivery()
    engine = Engine(db, Settings(), delivery, registry(**kw), heartbeat_s=None)
    org, users = await seed_org(db)
    ref = await engine.submit(Event("grouped", "test", org, users[0], {}))
    assert isinstance(ref, JobRef)
    await engine.drain()
    return engine, delivery, ref.job_id, await gates_of(db, ref.job_id)


async def test_gates_of_a_gather_are_shown_together(db: Any) -> None:
    engine, delivery, job_id, shown = await start(db)
    assert set(shown) == {"send", "apply"}  # the branch that asks nothing gets no gate
    assert all(g.status == "pending" and g.message_ts for g in shown.values())
    assert {g.kind for g in shown.values()} == {"email_send", "stage_change"}
    posts = [c for m, c in delivery.calls if m == "chat.postMessage"]
    assert len(posts) == 2
    assert (await job_row(db, job_id)).status == "awaiting_approval"
    assert await engine.drain() == 0 and RAN == []


async def test_each_gate_is_answered_on_its_own_in_any_order(db: Any) -> None:
    engine, delivery, job_id, shown = await start(db)
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert RAN == [("apply", {"title": "CRM change", "text": "demo → proposal"})]
    j = await job_row(db, job_id)
    assert j.status == "awaiting_approval" and "send_done" not in j.context["done"]
    assert "after" not in j.context["done"]
    update_call = next(c for m, c in delivery.calls if m == "chat.update")
    assert update_call["ts"] == shown["apply"].message_ts and "Approved by <@U1>" in str(
        update_call["blocks"]
    )

    edit = {"draft": {"subject": "S2"}}
    assert (await engine.resume(shown["send"].id, Decision.EDIT, "U1", edit)).ok
    await engine.drain()
    assert RAN[1:] == [("send", {"title": "Follow-up", "draft": {"to": ["a@x.test"], "subject": "S2",
                                                                 "body": "B"}}), ("after", None)]  # fmt: skip
    j = await job_row(db, job_id)
    assert j.status == "completed"
    assert "never" not in j.context["approvals"] and "never_done" not in j.context["done"]


async def test_a_skip_skips_only_its_own_branch(db: Any) -> None:
    engine, _, job_id, shown = await start(db)
    assert (await engine.resume(shown["send"].id, Decision.SKIP, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "awaiting_approval" and j.context["approvals"]["send"]["status"] == "skipped"
    assert "send_done" not in j.context["outputs"]
    assert RAN == []
    # a cancel inside a gather only skips its own branch: the job goes on
    assert (await engine.resume(shown["apply"].id, Decision.CANCEL, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "completed" and RAN == [("after", None)]
    assert j.context["approvals"]["apply"]["status"] == "cancelled"
    assert "apply_done" not in j.context["outputs"]


async def test_answers_that_arrive_together_are_all_taken_in(db: Any) -> None:
    engine, _, job_id, shown = await start(db)
    assert (await engine.resume(shown["send"].id, Decision.APPROVE, "U1")).ok
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert [r[0] for r in RAN] == ["send", "apply", "after"]
    assert (await job_row(db, job_id)).status == "completed"


async def test_an_answer_while_the_job_runs_leaves_it_due(db: Any) -> None:
    """A gate answered while the job runs another branch's step (after the runner took in the
    answers, before it parks the job) leaves the job due instead of parked forever."""
    engine, _, job_id, shown = await start(db)

    async def click_send() -> None:
        assert (await engine.resume(shown["send"].id, Decision.APPROVE, "U1")).ok

    DURING["apply"] = click_send
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert not DURING
    assert [r[0] for r in RAN] == ["apply", "send", "after"]
    assert (await job_row(db, job_id)).status == "completed"


async def test_an_expired_gate_skips_only_its_own_branch(db: Any) -> None:
    engine, _, job_id, shown = await start(db)
    async with db.transaction() as s:
        await s.execute(update(SlackPendingAction).where(SlackPendingAction.id == shown["send"].id)
                        .values(expires_at=shown["send"].created_at))  # fmt: skip
    assert await engine.sweep_expired() == 1
    await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "awaiting_approval" and j.context["approvals"]["send"]["status"] == "expired"
    assert (await engine.resume(shown["apply"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    assert [r[0] for r in RAN] == ["apply", "after"] and (
        await job_row(db, job_id)
    ).status == "completed"


async def test_a_branch_without_a_gate_runs_at_once_and_once(db: Any) -> None:
    """Gathered branches need not be gates (what the DSL's "consecutive gates" rule guarded):
    a branch that asks nothing runs its step at once, and a replay does not run it again."""
    engine, _, job_id, shown = await start(db, with_plain_branch=True)
    j = await job_row(db, job_id)
    assert j.status == "awaiting_approval" and "no_gate_step" in j.context["done"]
    assert set(shown) == {"send", "apply"}
    for name in ("send", "apply"):
        assert (await engine.resume(shown[name].id, Decision.APPROVE, "U1")).ok
        await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "completed"
    assert j.context["done"].count("no_gate_step") == 1
    assert [r[0] for r in RAN if r[0] == "after"] == [
        "after",
        "after",
    ]  # the branch's step, then the sequence's
