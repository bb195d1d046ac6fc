"""Sending email as the rep behind the safety rails (DESIGN.md section 4): the `email_send`
sequence and `hand_off`, the one entry point other flows call after the rep approved a draft.

`hand_off(ctx, draft, ...)` runs inside a step gated by an approval (it refuses to run without
one: no setting turns approval off). With a connected mailbox that may send, it records the
intent (an `email_sends` row with a fresh unique Message-ID, audited `drafted` + `approved`
by the rep) and queues an `email_send` child job; otherwise the rep gets the draft to copy or
open in their mail client, and (once) the ask for send permission.

The `email_send` sequence (payload `{send_id}`):

1. `check`               do-not-email contacts dropped; daily limit (rep's timezone day);
                         recipients outside the thread / the deal's contacts / the meeting's
                         attendees collected for confirmation
2. `confirm_recipients`  **approval** gate, only when there are new addresses (Skip sends to
                         the known ones only)
3. `schedule`            the undo message (countdown + Cancel send), then `scheduled` with
                         `send_after = now + EMAIL_UNDO_SECONDS`
4. `wait_window`         defers the job (`DeferDelivery`, i.e. `run_after`) until the window
                         closes; the mail never leaves earlier
5. `send`                `scheduled -> sending` (compare-and-set: a Cancel click and this step
                         cannot both win), compose (deterministic bytes for the recorded
                         Message-ID), then the provider call as an intent effect whose
                         recovery looks the Message-ID up in Sent before sending again;
                         `sent` with provider ids, or `failed` with the reason
6. `record`              CRM activity `email_sent` on the deal, matching commitments closed,
                         the undo message turned into the "sent" confirmation

`point_hook` (tests only) is called at `intent_recorded`, `provider_called` and
`result_recorded`, so a test can SIGKILL a worker process between each pair.
Nothing here logs bodies or addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from blocks.email_send import (
    cancelled_blocks,
    copy_fallback_blocks,
    failed_blocks,
    limit_reached_blocks,
    new_recipients_text,
    permission_blocks,
    sent_blocks,
    undo_blocks,
)
from connectors.mailbox import Mailbox, mailbox_status, open_mailbox
from orchestrator.events import Event, EventSource
from orchestrator.sequence import END, Branch, Condition, Sequence, SequenceRegistry, Step
from orchestrator.context import DeferDelivery, StepContext, TransientError, classify
from skills.commitments import CLOSED_BY
from skills.email_compose import (
    Mailbox as Address,
)
from skills.email_compose import (
    OutgoingEmail,
    Signature,
    ThreadRef,
    compose,
    make_msgid,
)
from storage import crm
from storage import email_sends as sends
from storage.models import (
    Contact,
    Deal,
    DealContact,
    EmailMessage,
    EmailSend,
    EmailThread,
    Meeting,
    MeetingAttendee,
    SlackNotificationSent,
    User,
    UserPreferences,
)

log = logging.getLogger(__name__)

SEQUENCE = "email_send"
VERSION = 1
EVENT = "email_send"
PERMISSION_KIND = "email_send_permission"
PROVIDER_LABELS = {"google": "Gmail", "microsoft": "Outlook", "demo": "demo mailbox"}

GRAPH_GRACE = timedelta(minutes=2)  # connectors.graph.SENT_VISIBILITY_GRACE
PointHook = Callable[[str], None]
MailboxOpener = Callable[[StepContext, int], Awaitable[Mailbox | None]]


async def default_opener(ctx: StepContext, user_id: int) -> Mailbox | None:
    return await open_mailbox(ctx.db, ctx.settings, user_id)


def _norm(addresses: Any) -> list[str]:
    out: dict[str, None] = {}
    for a in addresses or []:
        a = str(a).strip()
        if a:
            out.setdefault(a, None)
    return list(out)


async def undo_window(db: Any, settings: Any, user_id: int) -> float | None:
    """Seconds an approved email waits before it leaves (Cancel send until then) when the
    rep's mailbox may send; None when an approval gives the rep the email to copy instead."""
    status, _ = await mailbox_status(db, settings, user_id)
    return float(settings.email_undo_seconds) if status == "ready" else None


# --------------------------------------------------------------------------- hand-off


async def hand_off(
    ctx: StepContext,
    draft: dict[str, Any],
    *,
    deal_id: int | None = None,
    contact_id: int | None = None,
    meeting_id: int | None = None,
    email_thread_id: int | None = None,
    key: str = "email-send",
) -> dict[str, Any]:
    """Send an approved draft `{to, cc, subject, body}` as the rep (through the undo window).

    Call it from the step behind the approval gate, after checking the decision approved it.
    Returns `{"send_id", "message_id"}` when queued, `{"fallback": reason}` when the rep
    got the draft to copy instead."""
    if ctx.approval is None or not ctx.approval.approved:
        raise PermissionError("sending as the rep needs the rep's approval")
    if ctx.user_id is None:
        raise LookupError("the job has no rep to send as")
    to, cc = _norm(draft.get("to")), _norm(draft.get("cc"))
    subject, body = str(draft.get("subject") or ""), str(draft.get("body") or "")
    status, provider = await mailbox_status(ctx.db, ctx.settings, ctx.user_id)
    if status != "ready":
        await ctx.notify("follow_up_approved", "Follow-up approved: copy it or open it in your mail client",
                         copy_fallback_blocks(to=to, cc=cc, subject=subject, body=body), key=f"{key}:copy")  # fmt: skip
        await ask_send_permission(ctx, provider, key=f"{key}:ask")
        return {"fallback": status}
    if meeting_id is not None and (deal_id is None or contact_id is None):
        async with ctx.db.session() as s:
            meeting = await s.get(Meeting, meeting_id)
        if meeting is not None:
            deal_id = deal_id if deal_id is not None else meeting.deal_id
            contact_id = contact_id if contact_id is not None else meeting.contact_id
    user_id, actor = ctx.user_id, ctx.approval.actor

    async def create() -> dict[str, Any]:
        async with ctx.db.transaction() as s:
            user = await s.get(User, user_id)
            assert user is not None
            domain = user.email.rsplit("@", 1)[-1] if "@" in user.email else "sixty.local"
            row = await sends.create_send(
                s, org_id=ctx.org_id, user_id=user_id, message_id=make_msgid(domain),
                provider=provider or "google", to=to, cc=cc, subject=subject, approved_by=actor,
                job_id=ctx.job_id, deal_id=deal_id, now=ctx.now(),
                draft={"body": body, "contact_id": contact_id, "meeting_id": meeting_id,
                       "email_thread_id": email_thread_id, "key": key})  # fmt: skip
            return {"send_id": row.id, "message_id": row.message_id_header}

    async def existing(_intent: Any) -> dict[str, Any] | None:
        """A crash after the row was written but before the ledger said so: reuse that row."""
        async with ctx.db.session() as s:
            rows = (await s.exec(select(EmailSend).where(EmailSend.job_id == ctx.job_id))).all()
        row = next((r for r in rows if (r.draft or {}).get("key") == key), None)
        return {"send_id": row.id, "message_id": row.message_id_header} if row is not None else None

    out = await ctx.effect(f"{key}:intent", create, intent=True, reconcile=existing)
    ctx.queue_followup(Event(type=EVENT, source=EventSource.ORCHESTRATOR_CHAIN, org_id=ctx.org_id,
                             user_id=user_id, payload={"send_id": out["send_id"]},
                             idempotency_key=f"{EVENT}:{out['send_id']}", parent_job_id=ctx.job_id))  # fmt: skip
    log.info("email send queued", extra={"job_id": ctx.job_id, "send_id": out["send_id"]})
    return dict(out)


async def ask_send_permission(ctx: StepContext, provider: str | None, *, key: str) -> bool:
    """Ask the rep, once ever, to let Sixty send from their mailbox; True when asked now."""
    assert ctx.user_id is not None
    async with ctx.db.session() as s:
        asked = (await s.exec(select(SlackNotificationSent.id).where(
            SlackNotificationSent.user_id == ctx.user_id, SlackNotificationSent.kind == PERMISSION_KIND,
            SlackNotificationSent.status == "delivered"))).first()  # fmt: skip
    if asked is not None:
        return False
    label = PROVIDER_LABELS.get(provider or "", "your mailbox")
    await ctx.notify(PERMISSION_KIND, "To send follow-ups for you, Sixty needs permission to send from your mailbox",
                     permission_blocks(provider if provider in ("google", "microsoft") else "google", label),
                     key=key)  # fmt: skip
    return True


# --------------------------------------------------------------------------- the sequence


@dataclass
class Loaded:
    send: EmailSend
    user: User
    prefs: UserPreferences | None


async def _load(ctx: StepContext) -> Loaded:
    send_id = int(ctx.payload["send_id"])
    async with ctx.db.session() as s:
        send = await sends.get_send(s, send_id)
        if send is None or send.user_id != ctx.user_id:
            raise LookupError(f"email send {send_id} not found for this rep")
        user = await s.get(User, send.user_id)
        assert user is not None
        prefs = await s.get(UserPreferences, send.user_id)
    return Loaded(send, user, prefs)


async def known_recipients(ctx: StepContext, send: EmailSend) -> set[str]:
    """Addresses the rep may send to without confirming: the thread's participants, the deal's
    contacts, the meeting's attendees (lower-cased)."""
    known: set[str] = set()
    d = send.draft or {}
    async with ctx.db.session() as s:
        if send.deal_id is not None:
            rows = await s.exec(select(Contact.email).join(
                DealContact, DealContact.contact_id == Contact.id).where(DealContact.deal_id == send.deal_id))  # type: ignore[arg-type]  # fmt: skip
            known.update(e for e in rows.all() if e)
        if d.get("contact_id"):
            c = await s.get(Contact, d["contact_id"])
            if c is not None and c.email:
                known.add(c.email)
        if d.get("meeting_id"):
            rows2 = await s.exec(select(MeetingAttendee.email).where(
                MeetingAttendee.meeting_id == d["meeting_id"]))  # fmt: skip
            known.update(e for e in rows2.all() if e)
        if d.get("email_thread_id"):
            thread = await s.get(EmailThread, d["email_thread_id"])
            if thread is not None and thread.user_id == send.user_id:
                known.update(thread.participants or [])
                for m in (
                    await s.exec(select(EmailMessage).where(EmailMessage.thread_id == thread.id))
                ).all():
                    known.update([m.from_addr, *(m.to_addrs or []), *(m.cc_addrs or [])])
    return {k.strip().lower() for k in known if k}


async def do_not_email(ctx: StepContext, org_id: int, addresses: list[str]) -> set[str]:
    lowered = [a.lower() for a in addresses]
    if not lowered:
        return set()
    from sqlalchemy import func

    async with ctx.db.session() as s:
        rows = await s.exec(select(Contact.email).where(
            Contact.org_id == org_id, col(Contact.do_not_email).is_(True),
            func.lower(Contact.email).in_(lowered)))  # fmt: skip
        return {e.lower() for e in rows.all() if e}


class SendSteps:
    """The step skills; `opener` finds the rep's mailbox, `point_hook` is the tests' kill switch."""

    def __init__(
        self, opener: MailboxOpener | None = None, point_hook: PointHook | None = None
    ) -> None:
        self.opener = opener or default_opener
        self.point_hook = point_hook

    def _point(self, name: str) -> None:
        if self.point_hook is not None:
            self.point_hook(name)

    async def _fail(self, ctx: StepContext, ld: Loaded, reason: str, blocks: list[Any] | None = None,
                    from_states: tuple[str, ...] = (sends.APPROVED,)) -> dict[str, Any]:  # fmt: skip
        assert ld.send.id is not None
        async with ctx.db.transaction() as s:
            await sends.transition(s, ld.send.id, to_state=sends.FAILED, from_states=from_states,
                                   detail={"reason": reason}, now=ctx.now(), error=reason)  # fmt: skip
        await ctx.notify("email_send_failed", f"Not sent: {reason}",
                         blocks or failed_blocks(subject=ld.send.subject, reason=reason), key="failed")  # fmt: skip
        log.info(
            "email send failed",
            extra={"job_id": ctx.job_id, "send_id": ld.send.id, "reason": reason},
        )
        return {"stop": True, "failed": reason}

    async def check(self, ctx: StepContext) -> dict[str, Any]:
        ld = await _load(ctx)
        send = ld.send
        if send.status != sends.APPROVED:
            return {"stop": True, "status": send.status}
        blocked = await do_not_email(ctx, send.org_id, [*send.to_addrs, *send.cc_addrs])
        to = [a for a in send.to_addrs if a.lower() not in blocked]
        cc = [a for a in send.cc_addrs if a.lower() not in blocked]
        if not send.to_addrs:
            return await self._fail(ctx, ld, "the email has no recipient")
        if not to:
            return await self._fail(ctx, ld, "every recipient asked not to be emailed")
        limit = ld.prefs.daily_send_limit if ld.prefs else 50
        async with ctx.db.session() as s:
            today = await sends.sends_today(s, user_id=send.user_id, tz=ld.user.timezone, now=ctx.now(),
                                            exclude=send.id)  # fmt: skip
        if today >= limit:
            return await self._fail(ctx, ld, f"daily send limit reached ({limit})",
                                    limit_reached_blocks(limit=limit, subject=send.subject))  # fmt: skip
        known = await known_recipients(ctx, send)
        new = [a for a in [*to, *cc] if a.lower() not in known]
        return {"stop": False, "to": to, "cc": cc, "dropped": len(blocked), "new_recipients": new,
                "title": f"New recipients for “{send.subject[:80]}”", "text": new_recipients_text(new)}  # fmt: skip

    async def confirm_recipients(self, ctx: StepContext) -> dict[str, Any]:
        assert ctx.approval is not None
        new = (ctx.outputs.get("check") or {}).get("new_recipients") or []
        async with ctx.db.transaction() as s:
            await sends.add_event(s, int(ctx.payload["send_id"]), "recipients_confirmed",
                                  actor=ctx.approval.actor, detail={"count": len(new)}, at=ctx.now())  # fmt: skip
        return {"confirmed": new}

    async def schedule(self, ctx: StepContext) -> dict[str, Any]:
        ld = await _load(ctx)
        send = ld.send
        assert send.id is not None
        chk = ctx.outputs.get("check") or {}
        to, cc = list(chk.get("to") or send.to_addrs), list(chk.get("cc") or [])
        confirmed = {
            a.lower() for a in (ctx.outputs.get("confirm_recipients") or {}).get("confirmed") or []
        }
        unconfirmed = {a.lower() for a in chk.get("new_recipients") or []} - confirmed
        to = [a for a in to if a.lower() not in unconfirmed]
        cc = [a for a in cc if a.lower() not in unconfirmed]
        if send.status == sends.SCHEDULED:  # replayed after the transition
            return {"send_after": send.send_after.isoformat() if send.send_after else None,
                    **(ctx.outputs.get("schedule") or {})}  # fmt: skip
        if send.status != sends.APPROVED:
            return {"stop": True, "status": send.status}
        if not to:
            async with ctx.db.transaction() as s:
                await sends.transition(s, send.id, to_state=sends.CANCELLED, from_states=(sends.APPROVED,),
                                       detail={"reason": "no confirmed recipient"}, now=ctx.now())  # fmt: skip
            await ctx.notify("email_send_cancelled", "Not sent: no confirmed recipient",
                             cancelled_blocks(subject=send.subject), key="cancelled")  # fmt: skip
            return {"stop": True, "status": sends.CANCELLED}
        window = float(ctx.settings.email_undo_seconds)
        demo = send.provider == "demo"
        preview_at = ctx.now() + timedelta(seconds=window)
        posted = await ctx.notify("email_undo", f"Sending “{send.subject}” in {round(window)} seconds",
                                  undo_blocks(send.id, to=to, cc=cc, subject=send.subject, seconds=window,
                                              send_at=preview_at, tz=ld.user.timezone, demo=demo),
                                  key="undo")  # fmt: skip
        send_after = ctx.now() + timedelta(seconds=window)
        async with ctx.db.transaction() as s:
            won = await sends.transition(
                s, send.id, to_state=sends.SCHEDULED, from_states=(sends.APPROVED,),
                detail={"job_id": ctx.job_id, "send_after": send_after.isoformat(), "window_s": window,
                        "recipients": len(to) + len(cc)},
                now=ctx.now(), send_after=send_after, to_addrs=to, cc_addrs=cc)  # fmt: skip
        if not won:
            return {"stop": True, "status": "changed", "channel": posted.channel, "ts": posted.ts}
        return {"send_after": send_after.isoformat(), "channel": posted.channel, "ts": posted.ts}

    async def wait_window(self, ctx: StepContext) -> dict[str, Any]:
        ld = await _load(ctx)
        if (
            ld.send.status == sends.SCHEDULED
            and ld.send.send_after
            and ctx.now() < ld.send.send_after
        ):
            raise DeferDelivery(ld.send.send_after)
        return {"status": ld.send.status}

    async def send(self, ctx: StepContext) -> dict[str, Any]:
        ld = await _load(ctx)
        send = ld.send
        assert send.id is not None
        if send.status == sends.SENT:
            return {"sent": True, "provider_message_id": send.provider_message_id,
                    "provider_thread_id": send.provider_thread_id}  # fmt: skip
        if send.status == sends.SCHEDULED:
            async with ctx.db.transaction() as s:
                won = await sends.transition(s, send.id, to_state=sends.SENDING, from_states=(sends.SCHEDULED,),
                                             detail={"job_id": ctx.job_id}, now=ctx.now())  # fmt: skip
            if not won:
                ld = await _load(ctx)
                send = ld.send
        if send.status not in (sends.SCHEDULED, sends.SENDING):
            return {"sent": False, "status": send.status}
        mailbox = await self.opener(ctx, send.user_id)
        if mailbox is None or not mailbox.can_send:
            await ask_send_permission(ctx, send.provider, key="ask")
            await self._copy(ctx, send)
            return await self._fail(ctx, ld, "the mailbox is not connected with send permission",
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
            composed, thread_id = await self._compose(ctx, ld, mailbox)
            result = await ctx.effect("provider-send", act, intent=True, reconcile=reconcile)
        except Exception as exc:
            transient, retry_after = classify(exc)
            if transient or type(exc).__name__ in (
                "GoogleUnavailable",
                "GoogleRateLimited",
                "GraphUnavailable",
                "GraphRateLimited",
            ):
                raise TransientError(f"provider unavailable ({type(exc).__name__})",
                                     getattr(exc, "retry_after", None) or retry_after) from None  # fmt: skip
            reason = _reason(exc)
            if "Scope" in type(exc).__name__:
                await ask_send_permission(ctx, send.provider, key="ask")
            if (
                "Auth" in type(exc).__name__
            ):  # the grant is gone: App Home shows "Needs reconnecting"
                await _mark_expired(ctx, send.user_id, mailbox.provider)
            await self._copy(ctx, send)
            return await self._fail(ctx, ld, reason, from_states=(sends.SENDING,))
        self._point("result_recorded")
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

    async def _copy(self, ctx: StepContext, send: EmailSend) -> None:
        body = str((send.draft or {}).get("body") or "")
        await ctx.notify("follow_up_approved", "Copy your approved email into your mail client",
                         copy_fallback_blocks(to=send.to_addrs, cc=send.cc_addrs, subject=send.subject,
                                              body=body), key="copy")  # fmt: skip

    async def _compose(
        self, ctx: StepContext, ld: Loaded, mailbox: Mailbox
    ) -> tuple[Any, str | None]:
        send, user = ld.send, ld.user
        d = send.draft or {}
        body = str(d.get("body") or "")
        names: dict[str, str] = {}
        async with ctx.db.session() as s:
            lowered = [a.lower() for a in [*send.to_addrs, *send.cc_addrs]]
            from sqlalchemy import func

            for c in (await s.exec(select(Contact).where(
                    Contact.org_id == send.org_id, func.lower(Contact.email).in_(lowered)))).all():  # fmt: skip
                if c.email:
                    names[c.email.lower()] = c.name
            reply_to, thread_id = None, None
            if d.get("email_thread_id"):
                thread = await s.get(EmailThread, d["email_thread_id"])
                if thread is not None and thread.user_id == send.user_id:
                    parent = (await s.exec(select(EmailMessage).where(
                        EmailMessage.thread_id == thread.id, col(EmailMessage.message_id_header).is_not(None))
                        .order_by(col(EmailMessage.received_at).desc()))).first()  # fmt: skip
                    if parent is not None and parent.message_id_header:
                        reply_to = ThreadRef(parent.message_id_header, tuple((parent.references or "").split()),
                                             parent.subject or thread.subject)  # fmt: skip
                    if (
                        thread.provider == mailbox.provider == "microsoft"
                    ):  # Graph replies to a message
                        thread_id = parent.provider_message_id if parent is not None else None
                    elif thread.provider == mailbox.provider:
                        thread_id = thread.external_thread_id
        sig_html = await mailbox.signature()
        app_sig = (ld.prefs.signature or "").strip() if ld.prefs else ""
        signature = None
        if sig_html:
            signature = Signature(html=sig_html)
        elif app_sig and app_sig not in body:
            signature = Signature(text=app_sig)
        date = send.send_after or send.created_at
        draft = OutgoingEmail(
            sender=Address(mailbox.address or user.email, user.name),
            to=tuple(Address(a, names.get(a.lower(), "")) for a in send.to_addrs),
            cc=tuple(Address(a, names.get(a.lower(), "")) for a in send.cc_addrs),
            subject=send.subject, body_text=body, message_id=send.message_id_header, date=date,
            signature=signature, reply_to=reply_to)  # fmt: skip
        return compose(draft), thread_id

    async def record(self, ctx: StepContext) -> dict[str, Any]:
        ld = await _load(ctx)
        send = ld.send
        assert send.id is not None
        d = send.draft or {}
        deal_name = None

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
                    await _remember_in_thread(s, send, ld.user.email)
            return {"closed_commitments": closed, "deal": deal.name if deal else None}

        crm_out = await ctx.effect("crm", log_crm)
        deal_name = crm_out.get("deal")
        sched = ctx.outputs.get("schedule") or {}
        if ctx.delivery is not None and sched.get("channel") and sched.get("ts"):
            blocks = [b.to_dict() for b in sent_blocks(
                to=send.to_addrs, cc=send.cc_addrs, subject=send.subject, at=send.sent_at or ctx.now(),
                tz=ld.user.timezone, demo=send.provider == "demo", logged_on=deal_name)]  # fmt: skip
            delivery = ctx.delivery

            async def update() -> dict[str, str]:
                posted = await delivery.update_message(
                    sched["channel"], sched["ts"], f"Sent: {send.subject}", blocks
                )
                return {"channel": posted.channel, "ts": posted.ts}

            await ctx.effect("sent-message", update)
        return crm_out


async def _remember_in_thread(s: Any, send: EmailSend, rep_address: str) -> None:
    """Keep the sent mail in `email_threads` / `email_messages` (Gmail thread id), so a reply in
    that thread is matched to the deal and the next reply threads under this one."""
    assert send.provider_thread_id and send.provider_message_id
    d = send.draft or {}
    thread = (
        await s.exec(
            select(EmailThread).where(
                EmailThread.user_id == send.user_id,
                EmailThread.provider == "google",
                EmailThread.external_thread_id == send.provider_thread_id,
            )
        )
    ).first()
    if thread is None:
        thread = EmailThread(org_id=send.org_id, user_id=send.user_id, provider="google",
                             external_thread_id=send.provider_thread_id, subject=send.subject,
                             contact_id=d.get("contact_id"), deal_id=send.deal_id)  # fmt: skip
    thread.participants = _norm([*(thread.participants or []), *send.to_addrs, *send.cc_addrs])
    thread.last_message_at = send.sent_at
    s.add(thread)
    await s.flush()
    s.add(EmailMessage(org_id=send.org_id, thread_id=thread.id, provider_message_id=send.provider_message_id,
                       message_id_header=send.message_id_header, direction="outbound", from_addr=rep_address,
                       to_addrs=list(send.to_addrs), cc_addrs=list(send.cc_addrs), subject=send.subject,
                       body_text=str(d.get("body") or ""), received_at=send.sent_at or send.updated_at))  # fmt: skip
    await s.flush()


async def _mark_expired(ctx: StepContext, user_id: int, provider: str) -> None:
    from storage.connections import EXPIRED, set_status
    from storage.models import Connection

    async with ctx.db.transaction() as s:
        row = (
            await s.exec(
                select(Connection).where(
                    Connection.user_id == user_id, Connection.provider == provider
                )
            )
        ).first()
        if row is not None and row.id is not None:
            await set_status(s, connection_id=row.id, status=EXPIRED)


def _reason(exc: BaseException) -> str:
    name = type(exc).__name__
    if "Auth" in name:
        return "the mailbox connection expired; reconnect it from my Home tab"
    if "Scope" in name or "Forbidden" in name:
        return "Sixty has no permission to send from this mailbox"
    if name == "ComposeError":
        return f"the draft cannot be sent ({exc})"
    return f"the provider refused the message ({name})"


STOPPED = Condition("check.stop", "truthy")
NEW_RECIPIENTS = Condition("check.new_recipients", "truthy")


def sequence() -> Sequence:
    return Sequence(
        type=SEQUENCE,
        version=VERSION,
        event_types=(EVENT,),
        steps=(
            Step("check", "email_send.check", on_failure="retry", max_retries=5),
            Step("confirm_recipients", "email_send.confirm_recipients", requires_approval=True,
                 approval_kind="email_recipients", approval_payload_from="check", condition=NEW_RECIPIENTS,
                 approval_expires_after_s=3600.0, on_expire="skip"),
            Step("schedule", "email_send.schedule", on_failure="retry", max_retries=5),
            Step("wait_window", "email_send.wait_window", on_failure="retry", max_retries=5),
            Step("send", "email_send.send", on_failure="retry", max_retries=8, timeout_s=60.0),
            Step("record", "email_send.record", on_failure="retry", max_retries=5,
                 condition=Condition("send.sent", "truthy")),
        ),
        branches=(
            Branch("check", STOPPED, END),
            Branch("schedule", Condition("schedule.stop", "truthy"), END),
            Branch("send", Condition("send.sent", "falsy"), END),
        ),
    )  # fmt: skip


def register(registry: SequenceRegistry, steps: SendSteps | None = None) -> None:
    s = steps or SendSteps()
    for name, fn in (
        ("email_send.check", s.check),
        ("email_send.confirm_recipients", s.confirm_recipients),
        ("email_send.schedule", s.schedule),
        ("email_send.wait_window", s.wait_window),
        ("email_send.send", s.send),
        ("email_send.record", s.record),
    ):
        registry.skills.register(name, fn)
    registry.add(sequence())


def send_cutoff(send: EmailSend) -> datetime | None:
    """When the undo window closes (None until scheduled)."""
    return send.send_after
