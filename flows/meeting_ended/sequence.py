"""The `meeting_ended` sequence (v4), top to bottom (DESIGN.md section 3 decides the approvals).

v4: v3 and the call's coaching, a chained `coaching_call` job once the recap is out.
v3: code-first; the three approvals after the call are one `wf.gather`. Each gate has the name
of the step it guards (`deliver_follow_up`, `apply_crm`, `add_reviewed_tasks`), as in v2.
"""

from __future__ import annotations

from flows.coaching.analysis import ANALYSIS_VERSION
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


@sequence(SEQUENCE, version=4, events=(EventType.MEETING_ENDED,))
async def meeting_ended(wf: Workflow) -> None:
    await _after_call(wf, coach=True)


@sequence(SEQUENCE, version=3, events=(EventType.MEETING_ENDED,))
async def meeting_ended_v3(wf: Workflow) -> None:
    """v3, kept while jobs started before v4 wait at its gates (a new position shifts them)."""
    await _after_call(wf, coach=False)


async def _after_call(wf: Workflow, *, coach: bool) -> None:
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
    if coach and wf.user_id is not None:  # coaching of the call: its own job, after the recap
        meeting_id = loaded["meeting_id"]
        wf.follow_up(Event(type=EventType.COACHING_CALL, source=EventSource.ORCHESTRATOR_CHAIN,
                           org_id=wf.org_id, user_id=wf.user_id, payload={"meeting_id": meeting_id},
                           parent_job_id=wf.job_id,
                           idempotency_key=f"coaching_call:meeting:{meeting_id}:v{ANALYSIS_VERSION}"))  # fmt: skip
    draft = await wf.step(draft_follow_up, on_failure=OnFailure.STOP)
    changes = (
        await wf.step(crm_review, on_failure=OnFailure.CONTINUE) if crm.get("proposed") else None
    )
    to_review = (
        await wf.step(tasks_review, on_failure=OnFailure.CONTINUE)
        if tasks.get("to_review")
        else None
    )
    # independent approvals: shown together, each going on as soon as it is answered
    asks = [wf.step_if_approved(ApprovalKind.EMAIL_SEND, draft, deliver_follow_up)]
    if changes and "error" not in changes:  # proposed stage moves
        asks.append(wf.step_if_approved(ApprovalKind.STAGE_CHANGE, changes, apply_crm,
                                        on_failure=OnFailure.CONTINUE))  # fmt: skip
    if to_review and "error" not in to_review:  # tasks found in the call, added as edited
        asks.append(wf.step_if_approved(ApprovalKind.TASKS, to_review, add_reviewed_tasks,
                                        on_failure=OnFailure.CONTINUE))  # fmt: skip
    await wf.gather(*asks)
