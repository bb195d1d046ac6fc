"""`campaign_apply`: read the rep's suggestion, ask them to approve, disable the loser(s)."""

from __future__ import annotations

from flows.campaign_apply import steps
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.CAMPAIGN_APPLY, version=1, events=(EventType.CAMPAIGN_APPLY,))
async def campaign_apply(wf: Workflow) -> None:
    s = await wf.step(steps.load_suggestion, name="load")
    if s.get("missing"):
        return
    await wf.step_if_approved(ApprovalKind.GENERIC, steps.review_card(s), steps.disable_losers, s)
