"""The send being worked on, loaded for a step, and its exact bytes composed for the provider.

`load_send(ctx)` reads the `email_sends` row of the job's payload with its rep and their
preferences (refusing a send that is not this rep's). `compose_send(ctx, loaded, mailbox)`
builds the RFC 5322 message for the recorded Message-ID (deterministic, so a retried send
composes the same bytes): contact names on the recipients, threading headers from the thread's
last message, the provider's thread id when the thread lives at the same provider, and the
provider's HTML signature (or the rep's app signature), and the promised attachments read now
(`flows.email_send.attachments`: a missing one stops the send).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.mailbox import Mailbox
from flows.email_send.attachments import load as load_attachments
from flows.email_send.attachments import refs_of
from orchestrator.context import StepContext
from skills.email_compose import Mailbox as Address
from skills.email_compose import OutgoingEmail, Signature, ThreadRef, compose
from storage import email_sends as sends
from storage.email_threads import latest_with_message_id
from storage.models import EmailSend, EmailThread, User, UserPreferences


@dataclass
class Loaded:
    send: EmailSend
    user: User
    prefs: UserPreferences | None


async def load_send(ctx: StepContext) -> Loaded:
    send_id = int(ctx.payload["send_id"])
    async with ctx.db.session() as s:
        send = await sends.get_send(s, send_id)
        if send is None or send.user_id != ctx.user_id:
            raise LookupError(f"email send {send_id} not found for this rep")
        user = await s.get(User, send.user_id)
        assert user is not None
        prefs = await s.get(UserPreferences, send.user_id)
    return Loaded(send, user, prefs)


async def compose_send(ctx: StepContext, ld: Loaded, mailbox: Mailbox) -> tuple[Any, str | None]:
    """(the composed message, the provider thread id to send it in, if any)."""
    send, user = ld.send, ld.user
    d = send.draft or {}
    body = str(d.get("body") or "")
    reply_to, thread_id = None, None
    async with ctx.db.session() as s:
        names = await sends.contact_names(s, org_id=send.org_id,
                                          addresses=[*send.to_addrs, *send.cc_addrs])  # fmt: skip
        thread = (
            await s.get(EmailThread, d["email_thread_id"]) if d.get("email_thread_id") else None
        )
        if thread is not None and thread.user_id == send.user_id:
            assert thread.id is not None
            parent = await latest_with_message_id(s, thread_id=thread.id)
            if parent is not None and parent.message_id_header:
                reply_to = ThreadRef(parent.message_id_header, tuple((parent.references or "").split()),
                                     parent.subject or thread.subject)  # fmt: skip
            if thread.provider == mailbox.provider == "microsoft":  # Graph replies to a message
                thread_id = parent.provider_message_id if parent is not None else None
            elif thread.provider == mailbox.provider:
                thread_id = thread.external_thread_id
    files = await load_attachments(ctx.db, refs_of(d), mailbox.provider)
    sig_html = await mailbox.signature()
    app_sig = (ld.prefs.signature or "").strip() if ld.prefs else ""
    signature = None
    if sig_html:
        signature = Signature(html=sig_html)
    elif app_sig and app_sig not in body:
        signature = Signature(text=app_sig)
    draft = OutgoingEmail(
        sender=Address(mailbox.address or user.email, user.name),
        to=tuple(Address(a, names.get(a.lower(), "")) for a in send.to_addrs),
        cc=tuple(Address(a, names.get(a.lower(), "")) for a in send.cc_addrs),
        subject=send.subject, body_text=body, message_id=send.message_id_header,
        date=send.send_after or send.created_at, signature=signature, reply_to=reply_to,
        attachments=files)  # fmt: skip
    return compose(draft), thread_id
