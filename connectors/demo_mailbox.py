"""A demo mailbox for the sandbox when no Google/Microsoft app is configured.

Connect (sandbox mode, no GOOGLE_CLIENT_ID) stores a connection marked `meta.demo`; this
`Mailbox` then "sends" by writing the message into `email_threads` / `email_messages` as
outbound mail, so the demo shows sent mail with its threading (attachments as a line each with
their size and SHA-256 after the body), and nothing leaves the machine.
`find_sent` looks the Message-ID up there (the same exactly-once recovery as a real mailbox).
Always labelled as a demo in what the rep sees.

Inbound mail reaches the demo mailbox only from the sandbox panel ("Email received"), which hands
each message straight to the `email_received` flow. The `email:poll` cron reads a demo mailbox as
provider `demo` (`flows.email_received.crons.poll_provider`), never as Gmail with its placeholder tokens:
a poll finds nothing new and says nothing, like a quiet real inbox.
"""

from __future__ import annotations

import email
import hashlib
import uuid
from email.policy import default as default_policy

from sqlmodel import col, select

from connectors.mailbox import SentRef
from skills.email_compose import Composed
from storage.connections import StoredConnection
from storage.engine import Database
from storage.models import EmailMessage, EmailThread
from storage.types import utcnow

PROVIDER = "demo"


def _text_of(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=default_policy)
    part = msg.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def attachment_lines(composed: Composed) -> str:
    """How a demo mailbox keeps the files it "sent": one line each after the body (name, size,
    SHA-256), since nothing leaves the machine and the demo shows the message as text."""
    return "".join(
        f"\n[Attachment: {a.filename}, {a.content_type}, {len(a.data)} bytes, "
        f"sha256 {hashlib.sha256(a.data).hexdigest()}]"
        for a in composed.attachments
    )


def _addresses(value: str | None) -> list[str]:
    from email.utils import getaddresses

    return [a for _, a in getaddresses([value or ""]) if a]


class DemoMailbox:
    provider = PROVIDER
    demo = True

    def __init__(self, db: Database, conn: StoredConnection) -> None:
        self._db = db
        self._conn = conn
        self.address = (conn.meta.get("address") or conn.account_email or "").strip()

    @property
    def can_send(self) -> bool:
        return True

    async def send(self, composed: Composed, thread_id: str | None) -> SentRef:
        h = composed.headers
        user_id = self._conn.user_id
        assert user_id is not None
        async with self._db.transaction() as s:
            thread = None
            if thread_id:
                thread = (await s.exec(select(EmailThread).where(
                    EmailThread.user_id == user_id, EmailThread.external_thread_id == thread_id))).first()  # fmt: skip
            if thread is None:
                thread = EmailThread(org_id=self._conn.org_id, user_id=user_id, provider=PROVIDER,
                                     external_thread_id=thread_id or f"demo-{uuid.uuid4().hex[:16]}",
                                     subject=h.get("Subject", ""),
                                     participants=_addresses(h.get("To")) + _addresses(h.get("Cc")))  # fmt: skip
                s.add(thread)
                await s.flush()
            assert thread.id is not None
            msg = EmailMessage(org_id=self._conn.org_id, thread_id=thread.id,
                               provider_message_id=f"demo-{uuid.uuid4().hex[:16]}",
                               message_id_header=composed.message_id,
                               references=h.get("References"), direction="outbound",
                               from_addr=self.address, to_addrs=_addresses(h.get("To")),
                               cc_addrs=_addresses(h.get("Cc")), subject=h.get("Subject", ""),
                               body_text=_text_of(composed.raw) + attachment_lines(composed), received_at=utcnow())  # fmt: skip
            thread.last_message_at = msg.received_at
            s.add(thread)
            s.add(msg)
            await s.flush()
            return SentRef(msg.provider_message_id, thread.external_thread_id, PROVIDER)

    async def find_sent(self, message_id_header: str) -> SentRef | None:
        async with self._db.session() as s:
            row = (await s.exec(
                select(EmailMessage, EmailThread)
                .join(EmailThread, col(EmailThread.id) == EmailMessage.thread_id)
                .where(EmailMessage.message_id_header == message_id_header,
                       EmailMessage.direction == "outbound",
                       EmailThread.user_id == self._conn.user_id)
            )).first()  # fmt: skip
        if row is None:
            return None
        msg, thread = row
        return SentRef(msg.provider_message_id, thread.external_thread_id, PROVIDER)

    async def signature(self) -> str | None:
        return None
