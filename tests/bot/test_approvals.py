"""Approval handlers called directly: a decision resumes the gate with the parsed pending id, a
gate of someone else's is refused without resuming, feedback on one's own draft is stored."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from blocks.approval_modals import REASON, SUBJECT
from blocks.ids import ApprovalAction
from bot import approvals
from bot.authz import REFUSALS
from bot.values import PendingRef
from orchestrator.events import Decision
from storage.access import Ref
from storage.models import Feedback
from tests.bot.conftest import World, seed_pending
from tests.bot.fakes import click, context_for


async def test_approve_resumes_the_gate(world: World) -> None:
    pending_id = await seed_pending(world, world.rep_id)
    action = {"action_id": ApprovalAction.APPROVE.value, "value": pending_id}
    await approvals.handle_decision(world.ack, click("U2", action=action), action, world.client,
                                    PendingRef(pending_id=pending_id), world.deps)  # fmt: skip
    assert world.ack.calls == [{}]
    assert world.orchestrator.resumed == [(pending_id, Decision.APPROVE, "U2", None)]
    assert world.client.calls == []


async def test_someone_elses_gate_is_refused(world: World) -> None:
    pending_id = await seed_pending(world, world.admin_id)
    action = {"action_id": ApprovalAction.SKIP.value, "value": pending_id}
    await approvals.handle_decision(world.ack, click("U2", action=action), action, world.client,
                                    PendingRef(pending_id=pending_id), world.deps)  # fmt: skip
    assert world.orchestrator.resumed == []
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [REFUSALS[Ref.PENDING]]


async def test_empty_edit_is_a_field_error_and_resumes_nothing(world: World) -> None:
    pending_id = await seed_pending(world, world.rep_id)
    view: dict[str, Any] = {"state": {"values": {SUBJECT: {SUBJECT: {"value": "  "}},
                                                 approvals.BODY: {approvals.BODY: {"value": "Hi"}}}}}  # fmt: skip
    await approvals.handle_edit_submit(world.ack, {"user": {"id": "U2"}}, view, world.client,
                                       PendingRef(pending_id=pending_id), world.deps)  # fmt: skip
    assert world.ack.calls == [
        {"response_action": "errors", "errors": {SUBJECT: "This can't be empty."}}
    ]
    assert world.orchestrator.resumed == []


async def test_feedback_on_own_draft_is_stored(world: World) -> None:
    pending_id = await seed_pending(world, world.rep_id, kind="follow_up")
    view = {"state": {"values": {REASON: {REASON: {"value": "  Too long  "}}}}}
    await approvals.handle_feedback_submit(world.ack, {"user": {"id": "U2"}}, view, world.client,
                                           context_for(world.deps, "U2"), PendingRef(pending_id=pending_id),
                                           world.deps)  # fmt: skip
    assert world.ack.calls[0]["response_action"] == "update"
    async with world.deps.db.session() as s:
        [row] = (await s.exec(select(Feedback))).all()
    assert (row.user_id, row.pending_action_id, row.subject, row.reason) == (
        world.rep_id,
        pending_id,
        "follow_up",
        "Too long",
    )
