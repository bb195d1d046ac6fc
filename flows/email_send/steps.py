"""The steps of the `email_send` sequence, as methods of `SendSteps` (whose `opener` finds the
rep's mailbox and whose `point_hook`, tests only, is called at `intent_recorded`,
`provider_called` and `result_recorded` so a test can SIGKILL a worker between each pair).

- `check`: do-not-email recipients dropped, the daily limit (the rep's day), recipients outside
  the thread / the deal's contacts / the meeting's attendees collected for confirmation
- `confirm_recipients`: the audit of the rep's confirmation
- `schedule`: the undo message (countdown + Cancel send), then `scheduled` with
  `send_after = now + EMAIL_UNDO_SECONDS` (`flows.email_send.undo`, shared with campaign replies)
- `wait_window`: defers the job until the window closes; the mail never leaves earlier
- `send`: `scheduled -> sending` (`undo.claim`, compare-and-set: a Cancel click and this step
  cannot both win), compose, then the provider call as an intent effect whose recovery looks the
  Message-ID up in Sent before sending again; `sent` with provider ids, or `failed`
- `record`: CRM activity `email_sent`, matching commitments closed, the undo message turned
  into the "sent" confirmation
Nothing here logs bodies or addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from blocks.email_send import (
    cancelled_blocks,
    copy_fallback_blocks,
    failed_blocks,
    limit_reached_blocks,
    new_recipients_text,
)
from connectors.mailbox import Mailbox, open_mailbox
from flows.email_send import undo
from flows.email_send.compose import Loaded, compose_send, load_send
from flows.email_send.handoff import ask_send_permission
from orchestrator.context import StepContext, TransientError, classify
from skills.commitments import CLOSED_BY
from storage import crm
from storage import email_sends as sends
from storage.connections import expire_connection
from storage.email_threads import remember_outbound
from storage.models import Deal, EmailSend

log = logging.getLogger(__name__)

GRAPH_GRACE = timedelta(minutes=2)  # connectors.graph.SENT_VISIBILITY_GRACE
PointHook = Callable[[str], None]
MailboxOpener = Callable[[StepContext, int], Awaitable[Mailbox | None]]
UNAVAILABLE = ("GoogleUnavailable", "GoogleRateLimited", "GraphUnavailable", "GraphRateLimited")


async def default_opener(ctx: StepContext, user_id: int) -> Mailbox | None:
    return await open_mailbox(ctx.db, ctx.settings, user_id)


class SendSteps:
    """The step functions; `opener` finds the rep's mailbox, `point_hook` is the tests' kill switch."""

    def __init__(
        self, opener: MailboxOpener | None = None, point_hook: PointHook | None = None
    ) -> None:
        self.opener = opener or default_opener
        self.point_hook = point_hook

    def _point(self, name: str) -> None:
        if self.point_hook is not None:
            self.point_hook(name)

    async def check(self, ctx: StepContext) -> dict[str, Any]:
        ld = await load_send(ctx)
        send = ld.send
        if send.status != sends.APPROVED:
            return {"stop": True, "status": send.status}
        async with ctx.db.session() as s:
            blocked = await sends.do_not_email(s, org_id=send.org_id,
                                               addresses=[*send.to_addrs, *send.cc_addrs])  # fmt: skip
        to = [a for a in send.to_addrs if a.lower() not in blocked]
        cc = [a for a in send.cc_addrs if a.lower() not in blocked]
        if not send.to_addrs:
            return await _fail(ctx, ld, "the email has no recipient")
        if not to:
            return await _fail(ctx, ld, "every recipient asked not to be emailed")
        limit = ld.prefs.daily_send_limit if ld.prefs else 50
        async with ctx.db.session() as s:
            today = await sends.sends_today(s, user_id=send.user_id, tz=ld.user.timezone, now=ctx.now(),
                                            exclude=send.id)  # fmt: skip
            known = await sends.known_recipients(s, send)
        if today >= limit:
            return await _fail(ctx, ld, f"daily send limit reached ({limit})",
                               limit_reached_blocks(limit=limit, subject=send.subject))  # fmt: skip
        new = [a for a in [*to, *cc] if a.lower() not in known]
        return {"stop": False, "to": to, "cc": cc, "dropped": len(blocked), "new_recipients": new,
                "title": f"New recipients for “{send.subject[:80]}”", "text": new_recipients_text(new)}  # fmt: skip

    async def confirm_recipients(self, ctx: StepContext, new: list[str]) -> dict[str, Any]:
        """The rep approved the new recipients: audit who did."""
        assert ctx.approval is not None
        async with ctx.db.transaction() as s:
            await sends.add_event(s, int(ctx.payload["send_id"]), "recipients_confirmed",
                                  actor=ctx.approval.actor, detail={"count": len(new)}, at=ctx.now())  # fmt: skip
        return {"confirmed": new}

    async def schedule(
        self, ctx: StepContext, check: dict[str, Any], confirmed: list[str]
    ) -> dict[str, Any]:
        """Unconfirmed new recipients dropped, the undo message posted, the send scheduled."""
        ld = await load_send(ctx)
        send = ld.send
        assert send.id is not None
        to, cc = list(check.get("to") or send.to_addrs), list(check.get("cc") or [])
        unconfirmed = {a.lower() for a in check.get("new_recipients") or []} - {
            a.lower() for a in confirmed
        }
        to = [a for a in to if a.lower() not in unconfirmed]
        cc = [a for a in cc if a.lower() not in unconfirmed]
        if send.status not in (sends.APPROVED, sends.SCHEDULED):
            return {"stop": True, "status": send.status}
        if not to:
            async with ctx.db.transaction() as s:
                await sends.transition(s, send.id, to_state=sends.CANCELLED, from_states=(sends.APPROVED,),
                                       detail={"reason": "no confirmed recipient"}, now=ctx.now())  # fmt: skip
            await ctx.notify("email_send_cancelled", "Not sent: no confirmed recipient",
                             cancelled_blocks(subject=send.subject), key="cancelled")  # fmt: skip
            return {"stop": True, "status": sends.CANCELLED}
        return await undo.open_window(
            ctx, send, to=to, cc=cc, tz=ld.user.timezone, demo=send.provider == "demo"
        )

    async def wait_window(self, ctx: StepContext) -> dict[str, Any]:
        """Park until the undo window closes (a Cancel in the meantime is seen by `send`)."""
        return await undo.wait_window(ctx, int(ctx.payload["send_id"]))

    async def send(self, ctx: StepContext) -> dict[str, Any]:
        ld = await load_send(ctx)
        send = ld.send
        assert send.id is not None
        if send.status == sends.SENT:
            return {"sent": True, "provider_message_id": send.provider_message_id,
                    "provider_thread_id": send.provider_thread_id}  # fmt: skip
        if send.status == sends.SCHEDULED:
            send = await undo.claim(ctx, send.id)
            ld = Loaded(send, ld.user, ld.prefs)
        if send.status not in (sends.SCHEDULED, sends.SENDING):
            return {"sent": False, "status": send.status}
        mailbox = await self.opener(ctx, send.user_id)
        if mailbox is None or not mailbox.can_send:
            await ask_send_permission(ctx, send.provider, key="ask")
            await _copy(ctx, send)
            return await _fail(ctx, ld, "the mailbox is not connected with send permission",
                               from_states=(sends.SENDING,))  # fmt: skip
        composed: Any = None
        thread_id: str | None = None

        async def act() -> dict[str, Any]:
            self._point("intent_recorded")
            ref = await mailbox.send(composed, thread_id)
            self._point("provider_called")
            return {
                "message_id": ref.message_id,
                "thread_id": ref.thread_id,
                "provider": ref.provider,
            }

        async def reconcile(_intent: Any) -> dict[str, Any] | None:
            ref = await mailbox.find_sent(send.message_id_header)
            if ref is None:
                if mailbox.provider == "microsoft" and ctx.now() - send.updated_at < GRAPH_GRACE:
                    # Exchange sends asynchronously: look again later rather than send twice
                    raise TransientError("sent copy not visible yet", GRAPH_GRACE.total_seconds())
                return None
            log.info("email send found in Sent on recovery", extra={"send_id": send.id})
            return {"message_id": ref.message_id, "thread_id": ref.thread_id or thread_id,
                    "provider": ref.provider, "recovered": True}  # fmt: skip

        try:  # composing reads the provider signature: its errors are handled like the send's
            composed, thread_id = await compose_send(ctx, ld, mailbox)
            result = await ctx.effect("provider-send", act, intent=True, reconcile=reconcile)
        except Exception as exc:
            transient, retry_after = classify(exc)
            if transient or type(exc).__name__ in UNAVAILABLE:
                raise TransientError(f"provider unavailable ({type(exc).__name__})",
                                     getattr(exc, "retry_after", None) or retry_after) from None  # fmt: skip
            if "Scope" in type(exc).__name__:
                await ask_send_permission(ctx, send.provider, key="ask")
            if (
                "Auth" in type(exc).__name__
            ):  # the grant is gone: App Home shows "Needs reconnecting"
                async with ctx.db.transaction() as s:
                    await expire_connection(s, user_id=send.user_id, provider=mailbox.provider)
            await _copy(ctx, send)
            return await _fail(ctx, ld, _reason(exc), from_states=(sends.SENDING,))
        self._point("result_recorded")
        assert send.id is not None
        async with ctx.db.transaction() as s:
            await sends.transition(
                s, send.id, to_state=sends.SENT, from_states=(sends.SENDING,),
                detail={"provider": result.get("provider"), "provider_message_id": result["message_id"],
                        "provider_thread_id": result.get("thread_id"), "recovered": bool(result.get("recovered"))},
                now=ctx.now(), provider_message_id=result["message_id"],
                provider_thread_id=result.get("thread_id"), sent_at=ctx.now())  # fmt: skip
        log.info("email sent", extra={"job_id": ctx.job_id, "send_id": send.id})
        return {"sent": True, "provider_message_id": result["message_id"],
                "provider_thread_id": result.get("thread_id")}  # fmt: skip

    async def record(self, ctx: StepContext, scheduled: dict[str, Any]) -> dict[str, Any]:
        """CRM activity and commitments, then the undo message becomes the "sent" one."""
        ld = await load_send(ctx)
        send = ld.send
        assert send.id is not None
        d = send.draft or {}

        async def log_crm() -> dict[str, Any]:
            async with ctx.db.transaction() as s:
                await crm.add_activity(
                    s, org_id=send.org_id, kind="email_sent", deal_id=send.deal_id, contact_id=d.get("contact_id"),
                    user_id=send.user_id, occurred_at=send.sent_at or ctx.now(),
                    summary=f"Email sent: {send.subject}",
                    provenance={"send_id": send.id, "message_id": send.message_id_header, "job_id": ctx.job_id})  # fmt: skip
                closed = await crm.close_commitments(
                    s, user_id=send.user_id, kinds=set(CLOSED_BY["email_sent"]), closed_by="email_sent",
                    deal_id=send.deal_id, now=ctx.now())  # fmt: skip
                deal = await s.get(Deal, send.deal_id) if send.deal_id else None
                if (
                    send.provider == "google"
                    and send.provider_thread_id
                    and send.provider_message_id
                ):
                    await remember_outbound(s, send=send, rep_address=ld.user.email)
            return {"closed_commitments": closed, "deal": deal.name if deal else None}

        crm_out = await ctx.effect("crm", log_crm)
        await undo.show_sent(
            ctx,
            scheduled,
            send,
            tz=ld.user.timezone,
            demo=send.provider == "demo",
            logged_on=crm_out.get("deal"),
        )
        return crm_out


async def _fail(ctx: StepContext, ld: Loaded, reason: str, blocks: list[Any] | None = None,
                from_states: tuple[str, ...] = (sends.APPROVED,)) -> dict[str, Any]:  # fmt: skip
    """The send failed for `reason`: audited, the rep told; the sequence stops."""
    assert ld.send.id is not None
    async with ctx.db.transaction() as s:
        await sends.transition(s, ld.send.id, to_state=sends.FAILED, from_states=from_states,
                               detail={"reason": reason}, now=ctx.now(), error=reason)  # fmt: skip
    await ctx.notify("email_send_failed", f"Not sent: {reason}",
                     blocks or failed_blocks(subject=ld.send.subject, reason=reason), key="failed")  # fmt: skip
    log.info(
        "email send failed", extra={"job_id": ctx.job_id, "send_id": ld.send.id, "reason": reason}
    )
    return {"stop": True, "sent": False, "failed": reason}


async def _copy(ctx: StepContext, send: EmailSend) -> None:
    body = str((send.draft or {}).get("body") or "")
    await ctx.notify("follow_up_approved", "Copy your approved email into your mail client",
                     copy_fallback_blocks(to=send.to_addrs, cc=send.cc_addrs, subject=send.subject,
                                          body=body), key="copy")  # fmt: skip


def _reason(exc: BaseException) -> str:
    name = type(exc).__name__
    if "Auth" in name:
        return "the mailbox connection expired; reconnect it from my Home tab"
    if "Scope" in name or "Forbidden" in name:
        return "Sixty has no permission to send from this mailbox"
    if name == "AttachmentError":
        return str(exc)
    if name == "ComposeError":
        return f"the draft cannot be sent ({exc})"
    return f"the provider refused the message ({name})"
