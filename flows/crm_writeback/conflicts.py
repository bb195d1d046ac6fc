"""The `crm_conflict` sequence: a HubSpot value a person changed inside the protection window
that Sixty wanted to overwrite, put to the rep ("Dana changed Stage to Contract Sent in HubSpot
on 3 Dec; Sixty wanted Proposal"). Approve writes Sixty's value anyway (`force`); skip (or no
answer) keeps HubSpot's, and Sixty's own field takes HubSpot's value so the two agree. Queued by `HubSpotCrm.write_deal_fields`, one job per (job, record, property).
"""

from __future__ import annotations

from typing import Any

from orchestrator.context import StepContext
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow


async def conflict_card(ctx: StepContext) -> dict[str, Any]:
    """The proposed diff as a yes/no card."""
    from flows.crm_writeback.hubspot import LABELS, conflict_text

    p = ctx.payload
    label = LABELS.get(str(p.get("property")), str(p.get("field")))
    return {
        "title": f"{label} was changed in HubSpot by a person",
        "text": f"{conflict_text(p)}. Approve to apply Sixty's value anyway; skip keeps HubSpot's.",
        "fields": {
            "In HubSpot": str(p.get("theirs") or "(empty)"),
            "Sixty wanted": str(p.get("ours") or ""),
        },
        "deal_id": p.get("deal_id"),
    }


async def apply_anyway(ctx: StepContext) -> dict[str, Any]:
    """The rep chose Sixty's value: write it to HubSpot despite the recent human edit."""
    from flows.crm_writeback.hubspot import HubSpotCrm
    from flows.crm_writeback.port import crm_for

    port = await crm_for(ctx)
    if not isinstance(port, HubSpotCrm):
        return {"written": [], "reason": "HubSpot is no longer connected"}
    p = ctx.payload
    return await port.write_deal_fields(ctx, int(p["deal_id"]), {str(p["field"]): p["value"]},
                                        force=True, key="anyway")  # fmt: skip


async def keep_hubspots(ctx: StepContext) -> dict[str, Any]:
    """The rep kept HubSpot's value: Sixty's field takes it (re-read from HubSpot now)."""
    from flows.crm_writeback.hubspot import HubSpotCrm
    from flows.crm_writeback.port import crm_for

    port = await crm_for(ctx)
    if not isinstance(port, HubSpotCrm):
        return {"changed": False, "reason": "HubSpot is no longer connected"}
    p = ctx.payload
    return await port.keep_hubspot_value(ctx, int(p["deal_id"]), str(p["field"]))


@sequence(EventType.CRM_CONFLICT, version=1, events=(EventType.CRM_CONFLICT,))
async def crm_conflict(wf: Workflow) -> None:
    card = await wf.step(conflict_card, on_failure=OnFailure.STOP)
    # the gate and the approved step at the positions `step_if_approved` gave them (jobs waiting
    # at the gate go on unchanged); a skip now has a step of its own after the gate
    decision = await wf.approval(ApprovalKind.STAGE_CHANGE, card, name="apply_anyway")
    if decision.approved:
        await wf.step(apply_anyway, name="apply_anyway", approval=decision,
                      on_failure=OnFailure.CONTINUE)  # fmt: skip
    else:
        await wf.step(keep_hubspots, on_failure=OnFailure.CONTINUE)
