"""The revival's steps: analyse why the deal stalled, draft the email, send the approved one."""

from __future__ import annotations

from typing import Any

from flows.briefs_common import aware, job_user
from orchestrator.context import StepContext
from skills import briefs as sk
from storage import briefs as reads
from storage.models import Company, Contact, Deal


async def analyse_stall(ctx: StepContext) -> dict[str, Any]:
    if not sk.feature_on("stale_deal_revival", (ctx.tiers.get("1") or {}).get("features"), None):
        return {"skip": "feature off"}
    deal_id = ctx.payload.get("deal_id")
    user = await job_user(ctx)
    async with ctx.db.session() as s:
        deal = await s.get(Deal, deal_id) if isinstance(deal_id, int) else None
        if deal is None or deal.org_id != user.org_id or deal.id is None:
            return {"skip": "no such deal"}
        contact = await s.get(Contact, deal.primary_contact_id) if deal.primary_contact_id else None
        company = await s.get(Company, deal.company_id) if deal.company_id else None
        last = await reads.last_activity(s, deal_id=deal.id)
        commitments = await reads.open_deal_commitments(s, deal_id=deal.id)
    stall = sk.analyse_stall(
        sk.StallInput(
            deal_name=deal.name,
            company=company.name if company else None,
            stage=deal.stage,
            contact_name=contact.name if contact else None,
            rep_name=user.name,
            days_quiet=sk.quiet_days(aware(last.occurred_at) if last else None, ctx.now()),
            last_touch=last.summary if last else None,
            open_commitments=[
                sk.CommitmentNote(c.owner, c.description, aware(c.due_at), c.status)
                for c in commitments
            ],
            flags=list(deal.flags or []),
        )
    )
    return {
        "skip": None,
        "deal_id": deal.id,
        "deal_name": deal.name,
        "reasons": stall.reasons,
        "contact_id": contact.id if contact else None,
        "to": [contact.email] if contact and contact.email and not contact.do_not_email else [],
        "subject": stall.subject,
        "body": stall.body,
    }


async def draft_revival(ctx: StepContext, analysed: dict[str, Any]) -> dict[str, Any]:
    why = "Why it stalled: " + "; ".join(analysed["reasons"])
    return {
        "title": f"Re-engage {analysed['deal_name']}",
        "text": why,
        "context": why,
        "draft": {
            "to": analysed["to"],
            "cc": [],
            "subject": analysed["subject"],
            "body": analysed["body"],
        },
        "deal_id": analysed["deal_id"],
        "contact_id": analysed["contact_id"],
    }


async def deliver_revival(ctx: StepContext, drafted: dict[str, Any]) -> dict[str, Any]:
    """Sent as the rep through the undo window when their mailbox may send; else the rep gets
    the draft to copy and is asked once to connect (the send flow's `hand_off`)."""
    assert ctx.approval is not None
    final = ctx.approval.payload.get("draft") or {}
    from flows.email_send import hand_off  # the send flow, loaded when a draft is approved

    handed = await hand_off(ctx, final, deal_id=drafted.get("deal_id"),
                            contact_id=drafted.get("contact_id"), key="revival-send")  # fmt: skip
    return {"decision": ctx.approval.decision, "subject": final.get("subject"), **handed}
