"""The `classify_reply` step: our classifier on the reply text, Instantly's interest value as a
second opinion, and an activity on the lead's deal (or contact) when the CRM knows them.

Our category maps to the interest value it implies (`IMPLIED`); the two disagree when both are
known and differ, and the DM then shows Instantly's value beside ours.
"""

from __future__ import annotations

from typing import Any

from connectors.instantly_models import (
    INTEREST_INTERESTED,
    INTEREST_NAMES,
    INTEREST_NOT_INTERESTED,
    INTEREST_OUT_OF_OFFICE,
    INTEREST_WRONG_PERSON,
)
from orchestrator.context import StepContext
from skills.email_body import split_body
from skills.email_classify import classify_email
from skills.email_headers import Address
from skills.email_parse import InboundEmail
from storage import crm
from storage import email_threads as threads
from storage.instantly_models import InstantlyReply

IMPLIED: dict[str, int] = {
    "interested": INTEREST_INTERESTED, "meeting_request": INTEREST_INTERESTED,
    "not_interested": INTEREST_NOT_INTERESTED, "unsubscribe": INTEREST_NOT_INTERESTED,
    "out_of_office": INTEREST_OUT_OF_OFFICE, "referral": INTEREST_WRONG_PERSON,
}  # fmt: skip


def disagreement(category: str, i_status: int | None) -> str | None:
    """Instantly's label when it disagrees with our category, else None."""
    ours = IMPLIED.get(category)
    if i_status is None or ours is None or ours == i_status:
        return None
    return INTEREST_NAMES.get(i_status, str(i_status)).replace("_", " ")


def inbound(r: dict[str, Any], ctx: StepContext) -> InboundEmail:
    parts = split_body(r["body_text"])
    return InboundEmail(
        sender=Address("", r["lead_email"]), to=(Address("", r["eaccount"]),),
        subject=r["subject"], date=ctx.now(), text=r["body_text"],
        new_text=parts.new or r["body_text"], quoted_text=parts.quoted, signature=parts.signature,
    )  # fmt: skip


async def classify_reply(ctx: StepContext, r: dict[str, Any]) -> dict[str, Any]:
    result = classify_email(inbound(r, ctx))
    async with ctx.db.session() as s:
        match = await threads.match_sender(s, org_id=ctx.org_id, address=r["lead_email"])

    async def write() -> int | None:
        async with ctx.db.transaction() as s:
            row = await s.get(InstantlyReply, r["reply_id"])
            if row is not None:
                row.category = result.category
                s.add(row)
            if match.deal_id is None and match.contact_id is None:
                return None
            act = await crm.add_activity(
                s, org_id=ctx.org_id, kind="email_received", deal_id=match.deal_id,
                contact_id=match.contact_id, user_id=ctx.user_id, occurred_at=ctx.now(),
                summary=f"Campaign reply: {result.category.replace('_', ' ')}",
                provenance={"instantly_reply_id": r["reply_id"], "job_id": ctx.job_id,
                            "category": result.category,
                            "campaign_id": r.get("campaign_id")})  # fmt: skip
            return act.id

    activity_id = await ctx.effect("classify", write)
    return {
        **r, "category": result.category, "confidence": result.confidence,
        "details": result.details, "instantly_says": disagreement(result.category, r["i_status"]),
        "contact_id": match.contact_id, "deal_id": match.deal_id, "activity_id": activity_id,
        "sender_name": match.contact_name or "",
    }  # fmt: skip
