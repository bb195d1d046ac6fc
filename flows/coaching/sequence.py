"""The coaching sequences, top to bottom.

`coaching_call` (the rep's job, chained by `meeting_ended` once the recap is out): analyse the
call and store it once per analysis version (a replayed job finds the stored row), rebuild the
week's aggregate, then the micro-feedback DM when the rep chose it.

`coaching_digest` (the rep's job, from the `coaching_weekly` cron at their day and time): compose
the week; nothing when there were no analysed calls. With a manager, the manager is asked first
("add a note?", with a note field, or send as is); unanswered after `NOTE_EXPIRES_S` the digest
goes as is. Then the digest to the rep, with the manager's note when one was added.
"""

from __future__ import annotations

from flows.coaching.call_steps import analyse_call, micro_feedback
from flows.coaching.digest_steps import NOTE_EXPIRES_S, compose_digest, deliver_digest, note_card
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnExpire, OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.COACHING_CALL, version=1, events=(EventType.COACHING_CALL,))
async def coaching_call(wf: Workflow) -> None:
    analysed = await wf.step(analyse_call, on_failure=OnFailure.RETRY, retries=3, timeout_s=120)
    await wf.step(micro_feedback, analysed, on_failure=OnFailure.RETRY)


@sequence(EventType.COACHING_DIGEST, version=1, events=(EventType.COACHING_DIGEST,))
async def coaching_digest(wf: Workflow) -> None:
    composed = await wf.step(compose_digest, name="compose", on_failure=OnFailure.RETRY,
                             timeout_s=120)  # fmt: skip
    if composed.get("empty"):
        return
    answer = None
    if composed.get("manager_id"):
        card = await wf.step(note_card, composed)
        answer = await wf.approval(ApprovalKind.COACHING_NOTE, card, name="manager_note",
                                   expires_after_s=NOTE_EXPIRES_S, on_expire=OnExpire.SKIP,
                                   approver=int(composed["manager_id"]))  # fmt: skip
    await wf.step(deliver_digest, composed, name="deliver", on_failure=OnFailure.RETRY,
                  approval=answer)  # fmt: skip
