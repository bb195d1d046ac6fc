"""A reply to a `needs_response` / `interested` message: drafted for the rep's approval (to the
sender only; an email that addresses an assistant has its text withheld and unused), then,
once approved, handed to the send flow (undo window, limits, recipient rails, do-not-email; a
rep whose mailbox may not send gets the draft to copy)."""

from __future__ import annotations

from typing import Any

from flows.email_received.tell import about
from flows.email_send import hand_off
from orchestrator.context import StepContext
from skills.email_body import split_body
from skills.email_questions import questions_in
from skills.reply_draft import ReplyInput, draft_reply, reply_subject, topics_in
from storage.models import EmailMessage, EmailThread, User, UserPreferences


async def draft_reply_step(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """The approval card's payload: the draft, what it answers, and why it is shown."""
    from blocks.email_received import EXCERPT_MAX, WITHHELD, InboundView, headline, why

    sender, deal, subject = await about(ctx, c)
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, c["message_id"])
        thread = await s.get(EmailThread, c["thread_id"])
        rep = await s.get(User, ctx.user_id) if ctx.user_id else None
        prefs = await s.get(UserPreferences, ctx.user_id) if ctx.user_id else None
    assert row is not None and rep is not None and thread is not None
    new_text = split_body(row.body_text).new or row.body_text
    injected = bool(c["details"].get("prompt_injection"))  # its text is never shown or used
    draft = draft_reply(ReplyInput(
        category=c["category"], sender_name=c.get("sender_name") or "", rep_name=rep.name,
        subject=row.subject, topics=topics_in(new_text) if not injected else (),
        signature=prefs.signature if prefs else None,
        questions=questions_in(new_text) if not injected else ()))  # fmt: skip
    refs = [r for r in (row.references or "").split() if r]
    if row.message_id_header and row.message_id_header not in refs:
        refs.append(row.message_id_header)
    view = InboundView(sender=sender, category=c["category"], subject=subject, deal=deal)
    return {
        "title": headline(view),
        "draft": {"to": [row.from_addr], "cc": [], "subject": draft.subject or reply_subject(row.subject),
                  "body": draft.body, "in_reply_to": row.message_id_header,
                  "references": refs[-20:], "thread_id": c["thread_id"],
                  "provider": thread.provider, "provider_thread_id": thread.external_thread_id},
        "context": f"{headline(view)}. {why(thread.provider)}",
        "answering": {"sender": sender, "to_confirm": list(draft.to_confirm),
                      "excerpt": WITHHELD if injected else new_text[: EXCERPT_MAX * 2]},
        "deal_id": c.get("deal_id"), "contact_id": c.get("contact_id"),
        "email_message_id": c["message_id"],
    }  # fmt: skip


async def deliver_reply(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """The approved reply (as the rep edited it) to the send flow."""
    assert ctx.approval is not None
    final = ctx.approval.payload.get("draft") or {}
    sent = await hand_off(ctx, final, deal_id=c.get("deal_id"), contact_id=c.get("contact_id"),
                          email_thread_id=c.get("thread_id"), key="reply-send")  # fmt: skip
    return {"decision": ctx.approval.decision, **sent}
