"""What the rep sees and decides for a triaged campaign reply, and the write-back to Instantly.

- `draft_response`: the approval card (kind `email_send`, the card every email the rep sends
  uses): our category, Instantly's label when it disagrees, the reply being answered and a
  draft from the shared reply drafting (`skills.reply_draft`).
- `send_response` (runs only once approved, as edited): refuses past the rep's daily send limit
  or to a do-not-email contact; otherwise `POST /emails/reply` from the mailbox that received the
  reply, exactly once (`ctx.effect`), recorded in `email_sends` (provider `instantly`, so it
  counts against the daily limit and is audited), then writes the interest value back
  (`update-interest-status`: interested -> 1). No undo window yet: the Cancel-send message of
  `flows/email_send` is tied to the rep's own mailbox.
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

from connectors.instantly_models import INTEREST_INTERESTED, INTEREST_NOT_INTERESTED
from flows.campaign_reply.fetch import instantly_client
from flows.crm_writeback.port import crm_for
from flows.email_received.classify import display_sender
from orchestrator.context import StepContext
from orchestrator.events import Event, EventSource, EventType
from skills.email_body import split_body
from skills.email_questions import questions_in
from skills.reply_draft import ReplyInput, draft_reply, reply_subject, topics_in
from storage import crm
from storage import email_sends as sends
from storage.instantly_models import InstantlyReply
from storage.models import User, UserPreferences

log = logging.getLogger(__name__)

EXCERPT_MAX = 1200
WRITE_BACK = {"interested": INTEREST_INTERESTED}


def sender_of(c: dict[str, Any]) -> str:
    return display_sender(c.get("sender_name") or "", c["lead_email"])


def summary_line(c: dict[str, Any]) -> str:
    """ "Campaign reply from X: interested (Instantly says: not interested)"."""
    line = f"Campaign reply from {sender_of(c)}: {c['category'].replace('_', ' ')}"
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
        category=c["category"], sender_name=c.get("sender_name") or "",
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


async def refusal(ctx: StepContext, c: dict[str, Any]) -> str | None:
    """Why the approved reply may not go out (daily limit, do-not-email), else None."""
    async with ctx.db.session() as s:
        rep = await s.get(User, ctx.user_id) if ctx.user_id else None
        prefs = await s.get(UserPreferences, ctx.user_id) if ctx.user_id else None
        blocked = await sends.do_not_email(s, org_id=ctx.org_id, addresses=[c["lead_email"]])
        today = (await sends.sends_today(s, user_id=ctx.user_id, tz=rep.timezone, now=ctx.now())
                 if rep is not None and ctx.user_id else 0)  # fmt: skip
    if blocked:
        return "this lead asked not to be emailed"
    limit = prefs.daily_send_limit if prefs else 50
    if today >= limit:
        return f"daily send limit reached ({limit})"
    return None


async def record_intent(
    ctx: StepContext, c: dict[str, Any], final: dict[str, Any], subject: str
) -> int:
    """An `email_sends` row (provider `instantly`), `sending`, so the send counts against the
    rep's daily limit and sits in the audit trail like every email the rep sends."""
    assert ctx.approval is not None and ctx.user_id is not None
    async with ctx.db.transaction() as s:
        row = await sends.create_send(
            s, org_id=ctx.org_id, user_id=ctx.user_id, provider="instantly",
            message_id=f"<instantly-{c['instantly_email_id']}-{ctx.job_id}@sixty.invalid>",
            to=[c["lead_email"]], cc=[], subject=subject, approved_by=ctx.approval.actor,
            draft={"body": str(final.get("body") or ""), "eaccount": c["eaccount"],
                   "reply_to_uuid": c["instantly_email_id"]},
            job_id=ctx.job_id, deal_id=c.get("deal_id"), now=ctx.now())  # fmt: skip
        assert row.id is not None
        await sends.transition(s, row.id, to_state=sends.SENDING, from_states=(sends.APPROVED,),
                               detail={"job_id": ctx.job_id}, now=ctx.now())  # fmt: skip
        return row.id


async def finish(ctx: StepContext, send_id: int, state: str, **values: Any) -> None:
    async with ctx.db.transaction() as s:
        await sends.transition(s, send_id, to_state=state, from_states=(sends.SENDING,),
                               detail={"job_id": ctx.job_id}, now=ctx.now(), **values)  # fmt: skip


async def send_response(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    assert ctx.approval is not None, "a campaign reply is only sent once approved"
    final = ctx.approval.payload.get("draft") or {}
    subject = str(final.get("subject") or reply_subject(c["subject"]))

    async def check_and_record() -> dict[str, Any]:
        why_not = await refusal(ctx, c)
        if why_not:
            return {"refused": why_not}
        return {"send_id": await record_intent(ctx, c, final, subject)}

    intent = await ctx.effect("record-send", check_and_record)
    if intent.get("refused"):
        await ctx.post_dm(f"Not sent: {intent['refused']}. The reply to {sender_of(c)} is still "
                          "in Instantly's Unibox.", key="refused")  # fmt: skip
        return {"sent": False, "reason": intent["refused"]}
    send_id = int(intent["send_id"])
    client = await instantly_client(ctx)

    async def send() -> dict[str, Any]:
        # never retried: a POST that timed out may have sent (the rep checks the Unibox)
        try:
            email = await client.reply(
                eaccount=c["eaccount"], reply_to_uuid=c["instantly_email_id"], subject=subject,
                body_text=str(final.get("body") or ""))  # fmt: skip
        except Exception as exc:
            await finish(ctx, send_id, sends.FAILED, error=type(exc).__name__)
            return {"error": type(exc).__name__}
        await finish(ctx, send_id, sends.SENT, provider_message_id=email.id or None,
                     provider_thread_id=email.thread_id or None, sent_at=ctx.now())  # fmt: skip
        return {"instantly_email_id": email.id, "send_id": send_id}

    sent = await ctx.effect("instantly-reply", send)
    if sent.get("error"):
        log.warning("campaign reply failed", extra={"job_id": ctx.job_id, "error": sent["error"]})
        await ctx.post_dm(f"The reply to {sender_of(c)} may not have gone out ({sent['error']}). "
                          "Check the thread in Instantly's Unibox before sending again.",
                          key="failed")  # fmt: skip
        return {"sent": False, **sent}
    value = WRITE_BACK.get(c["category"])
    if value is not None:

        async def write_back() -> int:
            return await client.update_interest_status(
                lead_email=c["lead_email"], interest_value=value, campaign_id=c.get("campaign_id")
            )

        await ctx.effect("interest", write_back)
    await log_decision(ctx, c, "email_sent", f"Campaign reply answered: {subject}")
    await ctx.post_dm(f"✅ Sent to {sender_of(c)} from your Instantly mailbox"
                      + (", and marked interested in Instantly." if value == 1 else "."), key="sent")  # fmt: skip
    log.info("campaign reply sent", extra={"job_id": ctx.job_id, "interest": value})
    return {"sent": True, "decision": ctx.approval.decision, "interest_value": value, **sent}


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
