"""Stale-deal revival: analyse, draft, and send the draft the rep approves."""

from __future__ import annotations

from flows.stale_deal_revival.steps import analyse_stall, deliver_revival, draft_revival
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.STALE_DEAL_REVIVAL, version=2, events=(EventType.STALE_DEAL_REVIVAL,))
async def stale_deal_revival(wf: Workflow) -> None:
    analysed = await wf.step(analyse_stall, name="analyse", on_failure=OnFailure.RETRY, context=2)
    if analysed.get("skip"):
        return
    drafted = await wf.step(draft_revival, analysed, name="draft")
    await wf.step_if_approved(
        ApprovalKind.EMAIL_SEND, drafted, deliver_revival, drafted, name="deliver"
    )
