"""The `meeting_ended` sequence (v3), top to bottom (DESIGN.md section 3 decides the approvals).

v3: code-first; the three approvals after the call are one `wf.gather`. Each gate has the name
of the step it guards (`deliver_follow_up`, `apply_crm`, `add_reviewed_tasks`), as in v2.
"""

from __future__ import annotations

from typing import Any

from flows.meeting_ended.review import (
    add_reviewed_tasks,
    apply_crm,
    crm_review,
    deliver_follow_up,
    draft_follow_up,
    notify_summary,
    tasks_review,
)
from flows.meeting_ended.steps import (
    QUEUED_FOLLOW_UPS,
    action_items,
    create_tasks,
    intents,
    load_transcript,
    next_actions,
    tell_not_recorded,
    update_crm,
)
from orchestrator.events import Event, EventSource, EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow

SEQUENCE = EventType.MEETING_ENDED


@sequence(SEQUENCE, version=3, events=(EventType.MEETING_ENDED,))
async def meeting_ended(wf: Workflow) -> None:
    loaded = await wf.step(load_transcript, on_failure=OnFailure.RETRY, retries=5, timeout_s=60)
    if not loaded.get("recorded"):
        await wf.step(tell_not_recorded, on_failure=OnFailure.RETRY)
        return
    await wf.step(action_items, context=2, on_failure=OnFailure.STOP)
    found = await wf.step(intents, on_failure=OnFailure.CONTINUE)
    for f in found.get("follow_ups") or []:  # e.g. a next meeting to schedule: calendar_find_times
        event_type = QUEUED_FOLLOW_UPS[f["label"]]
        if wf.user_id is not None:
            wf.follow_up(Event(type=event_type, source=EventSource.ORCHESTRATOR_CHAIN, org_id=wf.org_id,
                               user_id=wf.user_id, payload=f["payload"], parent_job_id=wf.job_id,
                               idempotency_key=f"{event_type}:meeting:{f['payload']['meeting_id']}"))  # fmt: skip
    await wf.step(next_actions, on_failure=OnFailure.CONTINUE)
    crm = await wf.step(update_crm, context=2, on_failure=OnFailure.CONTINUE)
    tasks = await wf.step(create_tasks, on_failure=OnFailure.CONTINUE)
    await wf.step(notify_summary, on_failure=OnFailure.RETRY)
    draft = await wf.step(draft_follow_up, on_failure=OnFailure.STOP)
    changes = await wf.step(crm_review, on_failure=OnFailure.CONTINUE) if crm.get("proposed") else None
    to_review = await wf.step(tasks_review, on_failure=OnFailure.CONTINUE) if tasks.get("to_review") else None
    # independent approvals: shown together, each going on as soon as it is answered
    await wf.gather(
        ask_follow_up(wf, draft),
        ask_crm_changes(wf, changes),
        ask_tasks(wf, to_review),
    )


async def ask_follow_up(wf: Workflow, draft: dict[str, Any]) -> None:
    """The follow-up email (Send / Edit / Skip): sent, or handed over to copy, once approved."""
    decision = await wf.approval(ApprovalKind.EMAIL_SEND, draft, name="deliver_follow_up")
    if decision.approved:
        await wf.step(deliver_follow_up, approval=decision, on_failure=OnFailure.STOP)


async def ask_crm_changes(wf: Workflow, changes: dict[str, Any] | None) -> None:
    """The proposed CRM changes (stage moves), applied once approved."""
    if not changes or "error" in changes:
        return
    decision = await wf.approval(ApprovalKind.STAGE_CHANGE, changes, name="apply_crm")
    if decision.approved:
        await wf.step(apply_crm, approval=decision, on_failure=OnFailure.CONTINUE)


async def ask_tasks(wf: Workflow, to_review: dict[str, Any] | None) -> None:
    """The tasks found in the call, added once approved (as edited)."""
    if not to_review or "error" in to_review:
        return
    decision = await wf.approval(ApprovalKind.TASKS, to_review, name="add_reviewed_tasks")
    if decision.approved:
        await wf.step(add_reviewed_tasks, approval=decision, on_failure=OnFailure.CONTINUE)
