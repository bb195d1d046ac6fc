"""Sending the rep's approved answer to a campaign reply through Instantly, behind the same
undo window as every email sent as the rep (`flows.email_send.undo`, DESIGN.md section 4).

- `hold_response` (runs only once approved, as edited): refuses past the rep's daily send limit
  or to a do-not-email contact; otherwise records the send in `email_sends` (provider
  `instantly`, so it counts against the daily limit and is audited) and opens the undo window:
  the "Sending in 30 seconds" message with the Cancel send button the rep knows
  (`bot.email_actions.cancel_send` works on any `email_sends` row of theirs).
- `wait_window`: the job parks until the window closes; nothing leaves earlier.
- `send_response`: `scheduled -> sending` (a Cancel click and the send cannot both win; a
  cancelled reply is not sent and nothing is written back), then `POST /emails/reply` from the
  mailbox that received the reply, exactly once (`ctx.effect` with an intent: a crash after
  the intent was recorded is never sent again, the row ends `failed` and the rep is asked to
  check the Unibox), then the undo message becomes "Sent" and the interest is written back.

Interest write-back (`WRITE_BACK`, `update-interest-status`): an answered `interested` reply ->
1 (Interested), and so does an answered `proposal_request` (pricing or a proposal asked for).
An answered `needs_response` reply (a question) writes nothing, deliberately:
the values (NEXT_BUILDS.md B1: 1 Interested, 2 Meeting booked, 3 Meeting completed, 4 Won,
0 Out of office, -1 Not interested, -2 Wrong person, -3 Lost, -4 No show, null Lead) have no
"asked a question"; Interested would overstate it (and inflate Instantly's interested totals the
campaign digest reads), and null would erase a label Instantly or a person already set.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.instantly_models import INTEREST_INTERESTED, INTEREST_NAMES
from flows.campaign_reply.fetch import instantly_client
from flows.campaign_reply.respond import log_decision, sender_of
from flows.email_send import undo
from orchestrator.context import StepContext
from skills.reply_draft import reply_subject
from storage import email_sends as sends
from storage.models import EmailSend, User, UserPreferences

log = logging.getLogger(__name__)

WRITE_BACK: dict[str, int] = {
    "interested": INTEREST_INTERESTED,
    "proposal_request": INTEREST_INTERESTED,  # asking for pricing or a proposal
}  # needs_response: none (above)


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
    """The `email_sends` row (provider `instantly`), `approved`: the undo window schedules it."""
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
        return row.id


async def load(ctx: StepContext, send_id: int) -> tuple[EmailSend, str]:
    """The send row and the rep's time zone."""
    async with ctx.db.session() as s:
        send = await sends.get_send(s, send_id)
        rep = await s.get(User, ctx.user_id) if ctx.user_id else None
    if send is None or send.user_id != ctx.user_id:
        raise LookupError(f"email send {send_id} not found for this rep")
    return send, rep.timezone if rep else "UTC"


async def hold_response(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
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
    send, tz = await load(ctx, send_id)
    opened = await undo.open_window(ctx, send, to=list(send.to_addrs), cc=[], tz=tz,
                                    via=f"from {c['eaccount']} through Instantly")  # fmt: skip
    return {"send_id": send_id, **opened}


async def wait_window(ctx: StepContext, held: dict[str, Any]) -> dict[str, Any]:
    return await undo.wait_window(ctx, int(held["send_id"]))


async def finish(ctx: StepContext, send_id: int, state: str, **values: Any) -> None:
    async with ctx.db.transaction() as s:
        await sends.transition(s, send_id, to_state=state, from_states=(sends.SENDING,),
                               detail={"job_id": ctx.job_id}, now=ctx.now(), **values)  # fmt: skip


async def send_response(
    ctx: StepContext, c: dict[str, Any], held: dict[str, Any]
) -> dict[str, Any]:
    send_id = int(held["send_id"])
    send = await undo.claim(ctx, send_id)
    if send.status not in (sends.SENDING, sends.SENT):  # cancelled in the window (or failed)
        log.info("campaign reply not sent", extra={"job_id": ctx.job_id, "status": send.status})
        return {"sent": False, "status": send.status}
    d = send.draft or {}
    client = await instantly_client(ctx)

    async def post() -> dict[str, Any]:
        # never retried: a POST that timed out may have sent (the rep checks the Unibox)
        try:
            email = await client.reply(
                eaccount=str(d["eaccount"]), reply_to_uuid=str(d["reply_to_uuid"]),
                subject=send.subject, body_text=str(d.get("body") or ""))  # fmt: skip
        except Exception as exc:
            await finish(ctx, send_id, sends.FAILED, error=type(exc).__name__)
            return {"error": type(exc).__name__}
        await finish(ctx, send_id, sends.SENT, provider_message_id=email.id or None,
                     provider_thread_id=email.thread_id or None, sent_at=ctx.now())  # fmt: skip
        return {"instantly_email_id": email.id, "send_id": send_id}

    async def interrupted(_intent: Any) -> dict[str, Any]:
        """A crash after the intent: it may have gone out, so it is never sent again."""
        await finish(ctx, send_id, sends.FAILED, error="interrupted")
        return {"error": "interrupted"}

    sent = await ctx.effect("instantly-reply", post, intent=True, reconcile=interrupted)
    if sent.get("error"):
        log.warning("campaign reply failed", extra={"job_id": ctx.job_id, "error": sent["error"]})
        await ctx.post_dm(f"The reply to {sender_of(c)} may not have gone out ({sent['error']}). "
                          "Check the thread in Instantly's Unibox before sending again.",
                          key="failed")  # fmt: skip
        return {"sent": False, **sent}
    done, tz = await load(ctx, send_id)
    await undo.show_sent(ctx, held, done, tz=tz)
    value = WRITE_BACK.get(c["category"])
    if value is not None:

        async def write_back() -> int:
            return await client.update_interest_status(
                lead_email=c["lead_email"], interest_value=value, campaign_id=c.get("campaign_id")
            )

        await ctx.effect("interest", write_back)
        label = INTEREST_NAMES.get(value, str(value)).replace("_", " ")
        await ctx.post_dm(f"Marked {sender_of(c)} as {label} in Instantly.", key="interest-told")
    await log_decision(ctx, c, "email_sent", f"Campaign reply answered: {send.subject}")
    log.info("campaign reply sent", extra={"job_id": ctx.job_id, "interest": value})
    return {"sent": True, "interest_value": value, **sent}
