"""What the rep sees and decides for a triaged campaign reply, and the write-back to Instantly.

- `draft_response`: the approval card (kind `email_send`, the card every email the rep sends
  uses): our category, Instantly's label when it disagrees, the reply being answered and a
  draft from the shared reply drafting (`skills.reply_draft`).
- once approved, the answer goes out through Instantly behind the undo window
  (`flows.campaign_reply.send`).
- `mark_not_interested`: after the rep approves, `update-interest-status` -1.
Each decision is also logged as an activity on the lead's deal or contact when the CRM knows
them (`log_decision`).
- `tell_reply`: the DM for every other category (and for meeting requests, beside the
  `calendar_find_times` job).
Every step that tells the rep stamps `instantly_replies.routed_at`.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.instantly_models import INTEREST_NOT_INTERESTED
from flows.campaign_reply.fetch import instantly_client
from flows.crm_writeback.port import crm_for
from flows.email_received.classify import display_sender
from orchestrator.context import StepContext
from orchestrator.events import Event, EventSource, EventType
from skills.email_body import split_body
from skills.email_questions import questions_in
from skills.reply_draft import ReplyInput, draft_reply, reply_subject, topics_in
from storage import crm
from storage.instantly_models import InstantlyReply
from storage.models import User, UserPreferences

log = logging.getLogger(__name__)

EXCERPT_MAX = 1200
# a lead asking a campaign for pricing or a proposal is an interested lead: answered as one
DRAFT_AS = {"proposal_request": "interested"}
CATEGORY_WORDS = {"proposal_request": "asks for pricing or a proposal"}


def sender_of(c: dict[str, Any]) -> str:
    return display_sender(c.get("sender_name") or "", c["lead_email"])


def summary_line(c: dict[str, Any]) -> str:
    """ "Campaign reply from X: interested (Instantly says: not interested)"."""
    said = CATEGORY_WORDS.get(c["category"], c["category"].replace("_", " "))
    line = f"Campaign reply from {sender_of(c)}: {said}"
    if c.get("instantly_says"):
        line += f" (Instantly says: {c['instantly_says']})"
    return line


async def routed(ctx: StepContext, c: dict[str, Any]) -> None:
    async def stamp() -> bool:
        async with ctx.db.transaction() as s:
            row = await s.get(InstantlyReply, c["reply_id"])
            if row is not None and row.routed_at is None:
                row.routed_at = ctx.now()
                s.add(row)
        return True

    await ctx.effect("routed", stamp)


async def log_decision(ctx: StepContext, c: dict[str, Any], kind: str, summary: str) -> None:
    """The rep's decision on the lead's deal (or contact) when the CRM knows them."""
    if c.get("deal_id") is None and c.get("contact_id") is None:
        return

    async def write() -> int | None:
        async with ctx.db.transaction() as s:
            act = await crm.add_activity(
                s, org_id=ctx.org_id, kind=kind, deal_id=c.get("deal_id"),
                contact_id=c.get("contact_id"), user_id=ctx.user_id, occurred_at=ctx.now(),
                summary=summary, provenance={"instantly_reply_id": c["reply_id"],
                                             "job_id": ctx.job_id, "source": "instantly"})  # fmt: skip
            return act.id

    await ctx.effect(f"crm-{kind}", write)
    # the same note in HubSpot when the org is connected (nothing more for Sixty's tables)
    await (await crm_for(ctx)).mirror_note(ctx, f"{kind}-{c['reply_id']}", summary,
                                           deal_id=c.get("deal_id"),
                                           contact_id=c.get("contact_id"), at=ctx.now())  # fmt: skip


async def draft_response(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    async with ctx.db.session() as s:
        rep = await s.get(User, ctx.user_id) if ctx.user_id else None
        prefs = await s.get(UserPreferences, ctx.user_id) if ctx.user_id else None
    new_text = split_body(c["body_text"]).new or c["body_text"]
    injected = bool((c.get("details") or {}).get("prompt_injection"))
    draft = draft_reply(ReplyInput(
        category=DRAFT_AS.get(c["category"], c["category"]), sender_name=c.get("sender_name") or "",
        rep_name=rep.name if rep else "", subject=c["subject"],
        topics=topics_in(new_text) if not injected else (),
        signature=prefs.signature if prefs else None,
        questions=questions_in(new_text) if not injected else ()))  # fmt: skip
    await routed(ctx, c)
    title = summary_line(c)
    return {
        "title": title,
        "draft": {"to": [c["lead_email"]], "cc": [],
                  "subject": draft.subject or reply_subject(c["subject"]), "body": draft.body},
        "context": f"{title}. Sent from {c['eaccount']} through Instantly, in the same thread.",
        "answering": {"sender": sender_of(c), "to_confirm": list(draft.to_confirm),
                      "excerpt": "(not shown: this reply holds instructions aimed at Sixty)"
                      if injected else new_text[:EXCERPT_MAX]},
        "deal_id": c.get("deal_id"), "contact_id": c.get("contact_id"),
        "instantly_reply_id": c["reply_id"],
    }  # fmt: skip


def close_review(c: dict[str, Any]) -> dict[str, Any]:
    return {"title": summary_line(c),
            "text": f"Mark {sender_of(c)} as not interested in Instantly?",
            "instantly_reply_id": c["reply_id"]}  # fmt: skip


async def mark_not_interested(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    client = await instantly_client(ctx)

    async def write_back() -> int:
        return await client.update_interest_status(
            lead_email=c["lead_email"], interest_value=INTEREST_NOT_INTERESTED,
            campaign_id=c.get("campaign_id"))  # fmt: skip

    status = await ctx.effect("interest", write_back)
    await log_decision(ctx, c, "interest_changed", "Marked not interested in Instantly")
    return {"interest_value": INTEREST_NOT_INTERESTED, "status": status}


async def tell_reply(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    excerpt = (split_body(c["body_text"]).new or c["body_text"])[:300]
    text = f"{summary_line(c)}\n> {excerpt}" if excerpt else summary_line(c)
    if c["category"] == "meeting_request":
        text += "\nLooking for times that work; I'll DM the options."
    await ctx.notify("campaign_reply", text, key="reply")
    await routed(ctx, c)
    return {"told": True}


def find_times(job_id: int, org_id: int, user_id: int | None, c: dict[str, Any]) -> Event:
    """The `calendar_find_times` job a meeting request in a campaign reply starts."""
    details = c.get("details") or {}
    return Event(
        type=EventType.CALENDAR_FIND_TIMES, source=EventSource.ORCHESTRATOR_CHAIN, org_id=org_id,
        user_id=user_id, parent_job_id=job_id,
        payload={"contact_id": c.get("contact_id"), "deal_id": c.get("deal_id"),
                 "email": c["lead_email"], "source": "instantly",
                 "instantly_reply_id": c["reply_id"],
                 "proposed_times": list(details.get("proposed_times") or [])[:5],
                 "duration_minutes": details.get("duration_minutes"),
                 "timezone": details.get("timezone")},
        idempotency_key=f"{EventType.CALENDAR_FIND_TIMES}:instantly:{c['instantly_email_id']}",
    )  # fmt: skip
