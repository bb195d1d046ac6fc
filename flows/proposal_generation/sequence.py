"""The proposal sequences, top to bottom.

`proposal_generation` (the rep's job, from a call's promise, an email or `/60 proposal`):
1. draft from the call (or the deal's latest call, or the email), stored in `proposals`;
2. the card: Review draft / Edit first / Email it / Copy link / Skip;
3. the rep's edits applied (prices stay the price book's);
4. past the team's discount limit, the same job asks the rep's manager (the card goes to the
   manager's DM; only the manager can answer it) and stops if the manager says no;
5. the version is frozen (HTML, PDF, SHA-256) with its link; the link goes to the rep, or the
   email goes through the send flow (preview, undo window, sent as the rep).
Everything runs in this one job, so a chain from a call stays within DESIGN.md's depth of 3
(call → proposal → email send).

`proposal_viewed` (the rep's job, from a buyer's first beacon of a view session): a few minutes
later, one note with the view count and where they spent their time, and the deal's timeline.
"""

from __future__ import annotations

from flows.proposal_generation import delivery, steps
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow

REVIEW_EXPIRES_S = 7 * 24 * 3600  # a proposal card waits a week for the rep (and the manager)


@sequence(EventType.PROPOSAL_GENERATION, version=1, events=(EventType.PROPOSAL_GENERATION,))
async def proposal_generation(wf: Workflow) -> None:
    drafted = await wf.step(steps.draft, on_failure=OnFailure.STOP, timeout_s=120)
    if not drafted.get("proposal_id"):
        return
    card = await wf.step(steps.review, drafted, on_failure=OnFailure.RETRY, timeout_s=60)
    answer = await wf.approval(ApprovalKind.PROPOSAL_REVIEW, card, expires_after_s=REVIEW_EXPIRES_S)
    if not answer.approved:
        await wf.step(steps.skipped, drafted)
        return
    plan = await wf.step(steps.apply_answer, drafted, approval=answer)
    if plan.get("next") == "stopped":
        return
    if plan.get("manager_id"):
        ask = await wf.step(delivery.discount_card, plan)
        decision = await wf.approval(ApprovalKind.PROPOSAL_DISCOUNT, ask, name="manager",
                                     expires_after_s=REVIEW_EXPIRES_S, approver=plan["manager_id"])  # fmt: skip
        went_on = await wf.step(delivery.manager_decided, plan, approval=decision)
        if not went_on.get("approved"):
            return
    frozen = await wf.step(delivery.freeze_version, plan, on_failure=OnFailure.RETRY, timeout_s=120)
    if plan.get("delivery") == "link" or not frozen.get("email"):
        await wf.step(delivery.give_link, frozen)
        return
    sent = await wf.step_if_approved(
        ApprovalKind.EMAIL_SEND, frozen["email"], delivery.send_email, frozen
    )
    if sent is None:  # the rep skipped the email: the link is still theirs to share
        await wf.step(delivery.give_link, frozen, name="link_after_skip")


@sequence(EventType.PROPOSAL_VIEWED, version=1, events=(EventType.PROPOSAL_VIEWED,))
async def proposal_viewed(wf: Workflow) -> None:
    await wf.sleep_until(delivery.summary_due(wf.payload))
    await wf.step(delivery.tell_viewed, on_failure=OnFailure.RETRY)
