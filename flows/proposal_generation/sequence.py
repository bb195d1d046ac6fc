"""The proposal sequences, top to bottom.

- `proposal_generation` (the rep): draft from the call, the email or the command; the card with
  Review draft / Edit first / Email it / Copy link / Skip; the rep's edits applied; then
  delivery, or the manager first when the discount is past the team's limit.
- `proposal_discount_review` (the manager): approve or not; approved goes on to delivery.
- `proposal_delivery` (the rep): freeze the version (HTML, PDF, SHA-256) and its link; give the
  link, or send the email through the send flow (preview, undo window, sent as the rep).
- `proposal_viewed` (the rep): a few minutes after a buyer opens the link, one note with the
  view count and where they spent their time, and the same on the deal's timeline.
"""

from __future__ import annotations

from flows.proposal_generation import delivery, steps
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow

REVIEW_EXPIRES_S = 7 * 24 * 3600  # a proposal card waits a week for the rep


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
    await wf.step(steps.apply_answer, drafted, approval=answer)


@sequence(
    EventType.PROPOSAL_DISCOUNT_REVIEW, version=1, events=(EventType.PROPOSAL_DISCOUNT_REVIEW,)
)
async def proposal_discount_review(wf: Workflow) -> None:
    card = await wf.step(delivery.discount_card, on_failure=OnFailure.RETRY)
    answer = await wf.approval(
        ApprovalKind.PROPOSAL_DISCOUNT, card, expires_after_s=REVIEW_EXPIRES_S
    )
    await wf.step(delivery.manager_decided, approval=answer)


@sequence(EventType.PROPOSAL_DELIVERY, version=1, events=(EventType.PROPOSAL_DELIVERY,))
async def proposal_delivery(wf: Workflow) -> None:
    frozen = await wf.step(delivery.freeze_version, on_failure=OnFailure.RETRY, timeout_s=120)
    if wf.payload.get("delivery") == "link" or not frozen.get("email"):
        await wf.step(delivery.give_link, frozen)
        return
    email = frozen["email"]
    sent = await wf.step_if_approved(ApprovalKind.EMAIL_SEND, email, delivery.send_email, frozen)
    if sent is None:  # the rep skipped the email: the link is still theirs to share
        await wf.step(delivery.give_link, frozen, name="link_after_skip")


@sequence(EventType.PROPOSAL_VIEWED, version=1, events=(EventType.PROPOSAL_VIEWED,))
async def proposal_viewed(wf: Workflow) -> None:
    await wf.sleep_until(delivery.summary_due(wf.payload))
    await wf.step(delivery.tell_viewed, on_failure=OnFailure.RETRY)
