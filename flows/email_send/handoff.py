"""`hand_off`: what a flow calls after the rep approved a draft, to send it as the rep.

It runs inside a step gated by an approval (it refuses to run without one: no setting turns
approval off). With a connected mailbox that may send, it records the intent (an `email_sends`
row with a fresh unique Message-ID, audited `drafted` + `approved` by the rep) and queues an
`email_send` child job; otherwise the rep gets the draft to copy or open in their mail client,
and (once) the ask for send permission. Nothing here logs bodies or addresses.
"""

from __future__ import annotations

import logging
from typing import Any

from blocks.email_send import copy_fallback_blocks, permission_blocks
from connectors.mailbox import mailbox_status
from flows.email_send.attachments import refs_of
from orchestrator.context import StepContext
from orchestrator.events import Event, EventSource, EventType
from skills.email_compose import make_msgid
from storage import email_sends as sends
from storage.models import Meeting, User
from storage.users import was_told

log = logging.getLogger(__name__)

EVENT = EventType.EMAIL_SEND
PERMISSION_KIND = "email_send_permission"
PROVIDER_LABELS = {"google": "Gmail", "microsoft": "Outlook", "demo": "demo mailbox"}


def norm_addresses(addresses: Any) -> list[str]:
    """Addresses stripped, empty ones dropped, first occurrence kept."""
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
    """Send an approved draft `{to, cc, subject, body, attachments?}` as the rep (through the undo window).

    Call it from the step behind the approval gate, after checking the decision approved it.
    Returns `{"send_id", "message_id"}` when queued, `{"fallback": reason}` when the rep
    got the draft to copy instead."""
    if ctx.approval is None or not ctx.approval.approved:
        raise PermissionError("sending as the rep needs the rep's approval")
    if ctx.user_id is None:
        raise LookupError("the job has no rep to send as")
    to, cc = norm_addresses(draft.get("to")), norm_addresses(draft.get("cc"))
    subject, body = str(draft.get("subject") or ""), str(draft.get("body") or "")
    attachments = refs_of(draft)  # references only: the bytes are read when the mail leaves
    status, provider = await mailbox_status(ctx.db, ctx.settings, ctx.user_id)
    if status != "ready":
        files = (
            f" (attach {', '.join(a['filename'] for a in attachments)} yourself)"
            if attachments
            else ""
        )
        await ctx.notify("follow_up_approved", f"Follow-up approved: copy it or open it in your mail client{files}",
                         copy_fallback_blocks(to=to, cc=cc, subject=subject, body=body), key=f"{key}:copy")  # fmt: skip
        await ask_send_permission(ctx, provider, key=f"{key}:ask")
        return {"fallback": status}
    if meeting_id is not None and (deal_id is None or contact_id is None):
        async with ctx.db.session() as s:
            meeting = await s.get(Meeting, meeting_id)
        if meeting is not None:
            deal_id = deal_id if deal_id is not None else meeting.deal_id
            contact_id = contact_id if contact_id is not None else meeting.contact_id
    user_id, actor, job_id = ctx.user_id, ctx.approval.actor, ctx.job_id

    async def create() -> dict[str, Any]:
        async with ctx.db.transaction() as s:
            user = await s.get(User, user_id)
            assert user is not None
            domain = user.email.rsplit("@", 1)[-1] if "@" in user.email else "sixty.local"
            row = await sends.create_send(
                s, org_id=ctx.org_id, user_id=user_id, message_id=make_msgid(domain),
                provider=provider or "google", to=to, cc=cc, subject=subject, approved_by=actor,
                job_id=job_id, deal_id=deal_id, now=ctx.now(),
                draft={"body": body, "contact_id": contact_id, "meeting_id": meeting_id,
                       "email_thread_id": email_thread_id, "key": key,
                       **({"attachments": attachments} if attachments else {})})  # fmt: skip
            return {"send_id": row.id, "message_id": row.message_id_header}

    async def existing(_intent: Any) -> dict[str, Any] | None:
        """A crash after the row was written but before the ledger said so: reuse that row."""
        async with ctx.db.session() as s:
            row = await sends.send_for_job(s, job_id=job_id, key=key)
        return {"send_id": row.id, "message_id": row.message_id_header} if row is not None else None

    out = await ctx.effect(f"{key}:intent", create, intent=True, reconcile=existing)
    ctx.queue_followup(Event(type=EVENT, source=EventSource.ORCHESTRATOR_CHAIN, org_id=ctx.org_id,
                             user_id=user_id, payload={"send_id": out["send_id"]},
                             idempotency_key=f"{EVENT}:{out['send_id']}", parent_job_id=job_id))  # fmt: skip
    log.info("email send queued", extra={"job_id": job_id, "send_id": out["send_id"]})
    return dict(out)


async def ask_send_permission(ctx: StepContext, provider: str | None, *, key: str) -> bool:
    """Ask the rep, once ever, to let Sixty send from their mailbox; True when asked now."""
    assert ctx.user_id is not None
    async with ctx.db.session() as s:
        if await was_told(s, user_id=ctx.user_id, kind=PERMISSION_KIND):
            return False
    label = PROVIDER_LABELS.get(provider or "", "your mailbox")
    await ctx.notify(PERMISSION_KIND, "To send follow-ups for you, Sixty needs permission to send from your mailbox",
                     permission_blocks(provider if provider in ("google", "microsoft") else "google", label),
                     key=key)  # fmt: skip
    return True
