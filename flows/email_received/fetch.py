"""The `fetch` step: a mailbox notification in, stored messages out.

Gmail: history from the stored `mailbox_states.history_id` (expired -> a bounded scan of recent
INBOX messages), the cursor moved forward in the same transaction as the rows. Microsoft: the
message's MIME; without a message id (a poll), a Graph inbox delta pass (`poll_microsoft`)
whose new message ids each become their own job. Demo (sandbox panel): the RFC 822 text in the
payload. Our own outbound mail (the rep's address, or a Message-ID Sixty sent) and messages
already stored are skipped. Each message is parsed (`skills.email_parse`), stored in its thread
(`storage.email_threads`) and the thread linked to the sender's contact and deal.

Output: `{"message": the first new message's meta or None, "others": the further ones (each
becomes its own job), "polled": Graph message ids found by a poll (each its own job)}`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from flows.email_received.providers import (
    RECENT_SCAN_MAX_AGE,
    Fetched,
    demo_fetch,
    fetch_google,
    fetch_microsoft,
    graph_delta,
)
from orchestrator.context import StepContext, TransientError
from skills.email_parse import InboundEmail, parse_email
from storage import email_threads as repo
from storage.models import Connection, EmailMessage, MailboxState, User

log = logging.getLogger(__name__)


async def fetch(ctx: StepContext) -> dict[str, Any]:
    payload = ctx.payload
    if isinstance(payload.get("stored"), dict):  # a child job for one already-stored message
        return {"message": payload["stored"], "others": []}
    provider = str(payload.get("provider") or "")
    user, account = await _rep(ctx)
    own = {a.lower() for a in (user.email, account) if a}
    next_history: str | None = None
    min_date: datetime | None = None
    if provider == "google":
        items, next_history, scanned = await fetch_google(ctx, int(payload["connection_id"]))
        if scanned:
            min_date = ctx.now() - RECENT_SCAN_MAX_AGE
    elif provider == "microsoft" and not payload.get("message_id"):
        return await poll_microsoft(ctx, int(payload["connection_id"]))
    elif provider == "microsoft":
        items = await fetch_microsoft(
            ctx, int(payload["connection_id"]), str(payload["message_id"])
        )
    elif provider == "demo":
        items = demo_fetch(payload)
    else:
        raise ValueError(f"unknown mail provider {provider!r}")
    try:
        result = await ctx.effect(
            "store", lambda: _store(ctx, provider, items, next_history, own, min_date)
        )
    except (IntegrityError, OperationalError) as exc:
        # another job stored the same message or thread at the same moment (unique keys) or
        # SQLite was busy: run again, and the message is then seen as stored
        raise TransientError(f"concurrent store ({type(exc).__name__})", 0.2) from None
    messages = result["messages"]
    log.info("inbound mail fetched", extra={
        "job_id": ctx.job_id, "provider": provider, "new": len(messages), **result["skipped"]})  # fmt: skip
    return {"message": messages[0] if messages else None, "others": messages[1:],
            "skipped": result["skipped"]}  # fmt: skip


async def poll_microsoft(ctx: StepContext, connection_id: int) -> dict[str, Any]:
    """The polling fallback for an Outlook inbox: a Graph delta pass from the delta link stored
    in `mailbox_states.history_id`; each new message id is returned in `polled`, for the same
    job a change notification makes (so push and poll make one job). The answer is recorded
    before the cursor moves, and the cursor (with `last_polled_at`) moves before the jobs are
    created with this one's completion: a crash anywhere loses no message. A poll fired before
    the mailbox's last completed poll does nothing."""
    async with ctx.db.session() as s:
        state = await s.get(MailboxState, connection_id)
        link = state.history_id if state is not None else None
        last = state.last_polled_at if state is not None else None
    fired = ctx.payload.get("fired_at")
    if fired and last is not None and last >= datetime.fromisoformat(str(fired)):
        return {"message": None, "others": [], "polled": [], "polled_after": True}
    delta = await ctx.effect("delta", lambda: graph_delta(ctx, connection_id, link))

    async def save_cursor() -> bool:
        async with ctx.db.transaction() as s:
            row = await repo.mailbox_state(s, connection_id)
            if delta["link"] or delta["restarted"]:  # never keep a link that expired
                row.history_id = str(delta["link"]) if delta["link"] else None
            row.last_polled_at = ctx.now()
            s.add(row)
        return True

    await ctx.effect("cursor", save_cursor)
    log.info("outlook inbox polled", extra={"job_id": ctx.job_id, "connection_id": connection_id,
             "changes": delta["seen"], "new": len(delta["ids"]), "restarted": delta["restarted"]})  # fmt: skip
    return {"message": None, "others": [], "polled": list(delta["ids"]),
            "restarted": delta["restarted"]}  # fmt: skip


async def _rep(ctx: StepContext) -> tuple[User, str | None]:
    """The rep and the mailbox's own address (both are "our" mail)."""
    async with ctx.db.session() as s:
        user = await s.get(User, ctx.user_id) if ctx.user_id else None
        conn_id = ctx.payload.get("connection_id")
        conn = await s.get(Connection, conn_id) if isinstance(conn_id, int) else None
    if user is None:
        raise LookupError("email_received needs the rep (user_id)")
    return user, conn.account_email if conn else None


def _meta(row: EmailMessage, email: InboundEmail) -> dict[str, Any]:
    return {
        "message_id": row.id, "thread_id": row.thread_id,
        "sender_name": (email.sender.name if email.sender else "")[:120],
        "auto_reply_signals": list(email.auto_reply_signals)[:4],
        "has_list_unsubscribe": email.has_list_unsubscribe, "is_bulk": email.is_bulk,
        "date": email.date.isoformat() if email.date else None,
    }  # fmt: skip


async def _store(ctx: StepContext, provider: str, items: list[Fetched], next_history: str | None,
                 own: set[str], min_date: datetime | None) -> dict[str, Any]:  # fmt: skip
    """Parse and store the new messages (and move the cursor) in one transaction."""
    stored: list[dict[str, Any]] = []
    skipped = {"own": 0, "duplicate": 0, "old": 0, "unreadable": 0}
    conn_id = ctx.payload.get("connection_id")
    async with ctx.db.transaction() as s:
        for item in items:
            email = parse_email(item.raw)
            if email.sender is None or not email.looks_like_email:
                skipped["unreadable"] += 1
                continue
            if email.sender.address.lower() in own or await repo.is_our_outbound(
                s, email.message_id
            ):
                skipped["own"] += 1
                continue
            if min_date is not None and email.date is not None and email.date < min_date:
                skipped["old"] += 1
                continue
            refs = [*email.references, *([email.in_reply_to] if email.in_reply_to else [])]
            thread = None
            if not item.provider_thread_id:  # without the provider's thread id: by references
                thread = await repo.find_thread(s, user_id=ctx.user_id or 0, provider=provider,
                                                references=refs)  # fmt: skip
            if thread is None:
                root = item.provider_thread_id or (
                    email.references[0] if email.references else None
                )
                thread = await repo.thread_for(
                    s, org_id=ctx.org_id, user_id=ctx.user_id or 0, provider=provider,
                    external_thread_id=root or email.message_id or item.provider_message_id,
                    subject=email.subject)  # fmt: skip
            row = EmailMessage(
                org_id=ctx.org_id, thread_id=thread.id or 0,
                provider_message_id=item.provider_message_id, message_id_header=email.message_id,
                references=" ".join(refs)[:4000] or None, direction="inbound",
                from_addr=email.sender.address, to_addrs=[a.address for a in email.to],
                cc_addrs=[a.address for a in email.cc], subject=email.subject[:1000],
                body_text=email.text, received_at=(email.date or ctx.now()).astimezone(UTC),
            )  # fmt: skip
            if not await repo.add_message(s, thread=thread, message=row):
                skipped["duplicate"] += 1
                continue
            match = await repo.match_sender(s, org_id=ctx.org_id, address=email.sender.address)
            await repo.link_thread(s, thread=thread, match=match)
            stored.append(_meta(row, email))
        if next_history and isinstance(conn_id, int):
            await repo.set_history_id(s, conn_id, next_history)
    return {"messages": stored, "skipped": skipped}
