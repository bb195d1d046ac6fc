"""Approval gates: pause, resume once, owner only, edits applied, expiry; versions side by side and
replays that no longer match."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select, update

from config.settings import Settings
from orchestrator.context import Approval, StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import ApprovalKind, SequenceDef, SequenceRegistry, sequence
from orchestrator.workflow import Workflow
from storage.models import SequenceJob, SlackNotificationSent, SlackPendingAction
from tests.support.sequences import (
    RecordingDelivery,
    noop,
    noop_registry,
    seed_org,
)

SENT: list[dict[str, Any]] = []


async def draft(ctx: StepContext) -> dict[str, Any]:
    return {"title": "Follow-up to Acme", "text": "Hi Ana, thanks for today.", "subject": "Hi"}


async def send(ctx: StepContext, decision: Approval) -> dict[str, Any]:
    payload = decision.payload

    async def do() -> dict[str, str]:
        SENT.append(payload)
        return {"message_id": f"m{len(SENT)}"}

    return await ctx.effect("send", do)


@sequence("email_followup", version=1)
async def email_followup_v1(wf: Workflow) -> None:
    shown = await wf.step(draft)
    decision = await wf.approval(ApprovalKind.EMAIL_SEND, shown, name="send")
    if decision.approved:
        await wf.step(send, decision)
    await wf.step(noop, name="log")


@sequence("email_followup", version=2)  # a later definition: renamed and reordered steps
async def email_followup_v2(wf: Workflow) -> None:
    shown = await wf.step(draft, name="prepare")
    decision = await wf.approval(ApprovalKind.GENERIC, shown, name="ship")
    if decision.approved:
        await wf.step(send, decision, name="ship")


def email_registry(*versions: SequenceDef) -> SequenceRegistry:
    reg = noop_registry()
    reg.add_all(versions or (email_followup_v1,))
    return reg


def make_engine(db: Any, reg: SequenceRegistry) -> tuple[Engine, RecordingDelivery]:
    delivery = RecordingDelivery()
    return Engine(db, Settings(), delivery, reg, heartbeat_s=None), delivery


async def gated_job(db: Any, engine: Engine, ext: str = "1") -> tuple[int, SlackPendingAction]:
    org, users = await seed_org(db)
    ref = await engine.submit(Event("email_followup", "test", org, users[0], {"id": ext}))
    assert isinstance(ref, JobRef)
    await engine.drain()
    async with db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
        pa = (
            await s.execute(
                select(SlackPendingAction).where(SlackPendingAction.job_id == ref.job_id)
            )
        ).scalar_one()
    assert job is not None and job.status == "awaiting_approval"
    return ref.job_id, pa


async def status_of(db: Any, job_id: int) -> SequenceJob:
    async with db.session() as s:
        j = await s.get(SequenceJob, job_id)
        assert j is not None
        return j


async def test_gate_pauses_posts_and_approve_resumes(db: Any) -> None:
    SENT.clear()
    engine, delivery = make_engine(db, email_registry())
    job_id, pa = await gated_job(db, engine)
    assert pa.owner_user_id is not None and pa.channel == "DU1" and pa.message_ts
    post = next(c for m, c in delivery.calls if m == "chat.postMessage")
    actions = next(b for b in post["blocks"] if b["type"] == "actions")
    assert {e["action_id"] for e in actions["elements"]} == {
        "approval-approve",
        "approval-edit",
        "approval-skip",
        "approval-cancel",
    }
    assert {e["value"] for e in actions["elements"]} == {pa.id}
    assert await engine.drain() == 0  # an awaiting job is not claimable
    res = await engine.resume(pa.id, Decision.APPROVE, "U1")
    assert res.ok and res.job_id == job_id
    await engine.drain()
    job = await status_of(db, job_id)
    assert job.status == "completed"
    assert SENT == [
        {"title": "Follow-up to Acme", "text": "Hi Ana, thanks for today.", "subject": "Hi"}
    ]
    update_call = next(c for m, c in delivery.calls if m == "chat.update")
    assert update_call["ts"] == pa.message_ts
    texts = str(update_call["blocks"])
    assert "Approved by <@U1> at" in texts and "approval-approve" not in texts
    async with db.session() as s:
        kinds = (await s.execute(select(SlackNotificationSent.kind))).scalars().all()
    assert kinds == ["approval"]


async def test_edit_applies_modifications(db: Any) -> None:
    SENT.clear()
    engine, _ = make_engine(db, email_registry())
    job_id, pa = await gated_job(db, engine)
    res = await engine.resume(pa.id, Decision.EDIT, "U1", {"text": "Edited body"})
    assert res.ok
    await engine.drain()
    assert SENT[-1]["text"] == "Edited body" and SENT[-1]["subject"] == "Hi"
    assert (await status_of(db, job_id)).context["approvals"]["send"]["decision"] == "edit"
    assert (await status_of(db, job_id)).context["outputs"]["send"] == {"message_id": "m1"}


async def test_skip_and_cancel_paths(db: Any) -> None:
    SENT.clear()
    engine, _ = make_engine(db, email_registry())
    job_a, pa_a = await gated_job(db, engine, "a")
    org, users = await seed_org(db)
    ref = await engine.submit(Event("email_followup", "test", org, users[0], {"id": "b"}))
    await engine.drain()
    async with db.session() as s:
        pa_b = (
            await s.execute(
                select(SlackPendingAction).where(SlackPendingAction.job_id == ref.job_id)
            )  # type: ignore[union-attr]
        ).scalar_one()
    assert (await engine.resume(pa_a.id, Decision.SKIP, "U1")).ok
    assert (await engine.resume(pa_b.id, Decision.CANCEL, "U1")).ok
    await engine.drain()
    a = await status_of(db, job_a)
    b = await status_of(db, ref.job_id)  # type: ignore[union-attr]
    assert a.status == "completed" and a.context["approvals"]["send"]["status"] == "skipped"
    assert a.context["done"] == ["draft", "log"]
    assert b.status == "cancelled"
    assert SENT == []


async def test_non_owner_second_click_and_unknown_are_refused(db: Any) -> None:
    engine, _ = make_engine(db, email_registry())
    _job_id, pa = await gated_job(db, engine)
    other = await engine.resume(pa.id, Decision.APPROVE, "U2")
    assert not other.ok and "Only <@U1>" in other.message
    async with db.session() as s:
        assert (await s.get(SlackPendingAction, pa.id)).status == "pending"  # type: ignore[union-attr]
    assert (await engine.resume(pa.id, Decision.SKIP, "U1")).ok
    again = await engine.resume(pa.id, Decision.APPROVE, "U1")
    assert not again.ok and "already skipped by <@U1>" in again.message
    missing = await engine.resume("nope", Decision.APPROVE, "U1")
    assert not missing.ok and "no longer exists" in missing.message


async def test_hundred_concurrent_resolutions_one_winner(db: Any) -> None:
    engine, _ = make_engine(db, email_registry())
    _job_id, pa = await gated_job(db, engine)
    decisions = [Decision.APPROVE, Decision.SKIP, Decision.CANCEL, Decision.EDIT]
    results = await asyncio.gather(
        *(engine.resume(pa.id, decisions[i % 4], "U1", {"text": str(i)}) for i in range(100))
    )
    winners = [r for r in results if r.ok]
    assert len(winners) == 1
    assert all("already" in r.message for r in results if not r.ok)
    async with db.session() as s:
        row = await s.get(SlackPendingAction, pa.id)
    assert row is not None and row.version == 1 and row.status == winners[0].message


async def test_gate_expiry_takes_declared_path_and_updates_message(db: Any) -> None:
    SENT.clear()
    engine, delivery = make_engine(db, email_registry())
    job_id, pa = await gated_job(db, engine)
    assert await engine.sweep_expired() == 0
    async with db.transaction() as s:  # the gate's 24 h pass
        await s.execute(
            update(SlackPendingAction)
            .where(SlackPendingAction.id == pa.id)
            .values(expires_at=pa.created_at)
        )
    late = await engine.resume(pa.id, Decision.APPROVE, "U1")
    assert not late.ok and "expired" in late.message
    assert await engine.sweep_expired() == 1
    assert await engine.sweep_expired() == 0
    await engine.drain()
    job = await status_of(db, job_id)
    assert job.status == "completed" and job.context["approvals"]["send"]["status"] == "expired"
    assert job.context["done"] == ["draft", "log"]
    assert SENT == []
    upd = [c for m, c in delivery.calls if m == "chat.update"]
    assert len(upd) == 1 and "Expired without an answer" in str(upd[0]["blocks"])


async def test_definition_changed_while_waiting_finishes_on_own_version(db: Any) -> None:
    SENT.clear()
    engine_v1, _ = make_engine(db, email_registry(email_followup_v1))
    job_id, pa = await gated_job(db, engine_v1)
    # a deploy with a new version, the old one kept beside it
    engine_v2, _ = make_engine(db, email_registry(email_followup_v1, email_followup_v2))
    assert (await engine_v2.resume(pa.id, Decision.APPROVE, "U1")).ok
    await engine_v2.drain()
    job = await status_of(db, job_id)
    assert job.status == "completed" and job.sequence_version == 1
    assert job.context["done"] == ["draft", "send", "log"]
    assert len(SENT) == 1
    # new jobs take the new definition
    org, users = await seed_org(db)
    ref = await engine_v2.submit(Event("email_followup", "test", org, users[0], {"id": "new"}))
    async with db.session() as s:
        j2 = await s.get(SequenceJob, ref.job_id)  # type: ignore[union-attr]
    assert j2 is not None and j2.sequence_version == 2
    await engine_v2.drain()
    j2 = await status_of(db, ref.job_id)  # type: ignore[union-attr]
    assert j2.status == "awaiting_approval" and j2.context["done"] == ["prepare"]


async def test_a_removed_version_fails_its_jobs_loudly(db: Any) -> None:
    engine_v1, _ = make_engine(db, email_registry(email_followup_v1))
    job_id, pa = await gated_job(db, engine_v1)
    engine_v2, delivery = make_engine(db, email_registry(email_followup_v2))  # v1 dropped too soon
    assert (await engine_v2.resume(pa.id, Decision.APPROVE, "U1")).ok
    await engine_v2.drain()
    job = await status_of(db, job_id)
    assert job.status == "failed" and "email_followup v1 is not in this build" in (job.error or "")
    assert "sixty jobs versions" in (job.error or "")
    told = [c["text"] for m, c in delivery.calls if m == "chat.postMessage"]
    assert told == ["email_followup stopped"]  # the rep hears it, with a Retry button


async def test_a_replay_that_no_longer_matches_fails_with_both_names(db: Any) -> None:
    engine_v1, _ = make_engine(db, email_registry(email_followup_v1))
    job_id, pa = await gated_job(db, engine_v1)

    @sequence("email_followup", version=1)  # changed in place: the step was renamed
    async def edited_in_place(wf: Workflow) -> None:
        shown = await wf.step(draft, name="draft_v2")
        await wf.approval(ApprovalKind.EMAIL_SEND, shown, name="send")

    engine, _ = make_engine(db, email_registry(edited_in_place))
    assert (await engine.resume(pa.id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    job = await status_of(db, job_id)
    assert job.status == "failed" and f"job {job_id}" in (job.error or "")
    assert "recorded 'draft'" in (job.error or "") and "'draft_v2'" in (job.error or "")


async def test_an_approval_asked_from_code_with_a_computed_payload(db: Any) -> None:
    reg = noop_registry()

    async def stage_change(ctx: StepContext, decision: Approval) -> dict[str, Any]:
        return {"decision": decision.decision, "by": decision.actor}

    @sequence("crm_update", version=1)
    async def crm_update(wf: Workflow) -> None:
        title = f"Move deal {wf.payload['id']} to Proposal"
        decision = await wf.approval(
            ApprovalKind.STAGE_CHANGE, {"title": title}, expires_after_s=60
        )
        await wf.step(stage_change, decision, name="stage")

    reg.add(crm_update)
    engine, _ = make_engine(db, reg)
    org, users = await seed_org(db)
    ref = await engine.submit(Event("crm_update", "test", org, users[0], {"id": "d"}))
    await engine.drain()
    async with db.session() as s:
        pa = (
            await s.execute(
                select(SlackPendingAction).where(SlackPendingAction.job_id == ref.job_id)
            )  # type: ignore[union-attr]
        ).scalar_one()
    assert pa.kind == "stage_change"
    assert (await engine.resume(pa.id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    job = await status_of(db, ref.job_id)  # type: ignore[union-attr]
    assert job.context["outputs"]["stage"] == {"decision": "approve", "by": "U1"}


async def test_a_click_before_the_gate_is_stored_still_updates_the_message(db: Any) -> None:
    """The rep can click the moment the message appears, before the worker has written where
    the message is; the resolution must still replace the buttons with who decided."""
    org, users = await seed_org(db)
    async with db.session() as s:
        from storage.models import User

        owner = (await s.get(User, users[0])).slack_user_id  # type: ignore[union-attr]
    engine, _ = make_engine(db, email_registry())

    class ClickingDelivery(RecordingDelivery):
        async def post_message(self, channel: str, text: str, blocks: Any = None, **kw: Any) -> Any:
            posted = await super().post_message(channel, text, blocks, **kw)
            async with db.session() as s:
                pa = (await s.execute(select(SlackPendingAction))).scalars().first()
            if pa is not None and pa.status == "pending":
                await engine.resume(pa.id, Decision.APPROVE, owner)  # the click races the write
            return posted

    engine.delivery = ClickingDelivery()
    await engine.submit(Event("email_followup", "test", org, users[0], {"id": "race"}))
    await engine.drain()
    updates = [c for c in engine.delivery.calls if c[0] == "chat.update"]
    assert updates and "Approved by" in str(updates[-1][1])
    async with db.session() as s:
        pa = (await s.execute(select(SlackPendingAction))).scalars().one()
    assert pa.status == "approved" and pa.channel and pa.message_ts
