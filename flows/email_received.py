"""The `email_received` sequence: fetch new inbound mail, classify it, start the right work.

Steps:

1. `fetch`      a mailbox notification in, stored messages out. Gmail: `history.list` from the
                stored `mailbox_states.history_id` (HistoryExpired -> a bounded scan of recent
                INBOX messages), `messages.get` raw per new id, the cursor moved forward in the
                same transaction as the rows. Microsoft: the message's MIME via the Graph
                connector; without a message id (a poll), a Graph inbox delta pass from the
                delta link in `mailbox_states.history_id` (expired -> restart from recent mail)
                that queues one job per new message under the change notification's key
                (`poll_microsoft`). Demo (sandbox panel): the RFC 822 text in the payload; a poll of
                the demo mailbox has none and ends quietly. Our own
                outbound mail (the rep's address, or a Message-ID Sixty sent) and messages
                already stored are skipped. Each message is parsed (`skills.email_parse`),
                stored in its thread (`storage.email_threads`) and the thread linked to the
                sender's contact and deal. The first new message is handled by this job; each
                further one becomes its own child job (one job per message).
2. `classify`   offline classifier, or the model (`LLMClient` purpose `email_classification`)
                when one is configured, falling back to offline on `LLMError`; a message the
                offline rules flag as addressing an assistant keeps the offline category. Logs
                an `email_received` activity on the deal (or contact).
3. one branch by category (conditions on the category):
   `meeting_request` -> `schedule` queues `calendar_find_times`;
   `proposal_request` -> `proposal` says proposal drafts come in a later release (no sequence
        drafts them yet, so nothing is queued) and offers the task "Send a proposal to X",
        added by `add_proposal_task` once the rep approves;
   `needs_response` / `interested` -> `draft_reply` then `deliver_reply` behind an
        `email_send` approval (the draft goes to the sender only);
   `referral` -> `referral_review` then `add_referral` (approval: create the contact);
   `not_interested` -> `close_review` then `apply_close` (approval: closed_lost or nurture);
   `unsubscribe` -> `unsubscribe` (do_not_email, tell the rep);
   `out_of_office` -> `out_of_office` (contact paused until the return date, tell the rep);
   `fyi` -> nothing beyond the activity.

Email content is data: it is classified and stored, never followed. No body, subject or
address is logged; job outputs carry ids, the category and the sender's display name.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from orchestrator.events import Event, EventSource, EventType
from orchestrator.sequence import END, Branch, Condition, Sequence, SequenceRegistry, Step
from orchestrator.context import StepContext, StepResult, TransientError
from skills.email_classify import Classification, classify_email
from skills.email_parse import Address, InboundEmail, parse_email, questions_in, split_body
from skills.reply_draft import ReplyInput, draft_reply, reply_subject, topics_in
from storage import crm
from storage import email_threads as repo
from storage.models import (
    Contact,
    Deal,
    DealContact,
    EmailMessage,
    EmailThread,
    MailboxState,
    User,
    UserPreferences,
)

log = logging.getLogger(__name__)

SEQUENCE = "email_received"
VERSION = 1
RECENT_SCAN_LIMIT = 25
RECENT_SCAN_MAX_AGE = timedelta(days=3)
DRAFT_CATEGORIES = ("needs_response", "interested")


# ---------------------------------------------------------------------------------- fetch


@dataclass(frozen=True)
class Fetched:
    """One message read from a provider: its id there, its thread id there (if known), bytes."""

    provider_message_id: str
    raw: bytes
    provider_thread_id: str | None = None


def _endpoints(settings: Any) -> Any:
    from connectors.google_api import GoogleEndpoints

    base = getattr(settings, "google_api_base", None)
    return GoogleEndpoints.at(base) if base else GoogleEndpoints()


def _cipher(settings: Any) -> Any:
    from storage.crypto import TokenCipher, load_key

    return TokenCipher(load_key(settings.encryption_key, settings.data_dir))


async def gmail_client_for(db: Any, settings: Any, connection_id: int) -> Any:
    """A GmailClient for the stored connection; refreshed tokens are written back."""
    from connectors.gmail import GmailClient
    from connectors.google_oauth import GoogleOAuth, expires_at_of
    from storage import connections

    cipher = _cipher(settings)
    async with db.session() as s:
        conn = await connections.connection_by_id(s, cipher=cipher, connection_id=connection_id)
    if conn is None or conn.status != connections.ACTIVE:
        raise LookupError("mailbox connection is gone or inactive")
    endpoints = _endpoints(settings)
    oauth = GoogleOAuth(settings.google_client_id or "", settings.google_client_secret or "", "",
                        endpoints=endpoints)  # fmt: skip
    creds = oauth.credentials_from_blob(conn.tokens, conn.scopes)

    async def on_refresh(fresh: Any) -> None:
        async with db.transaction() as s:
            await connections.update_tokens(s, cipher=cipher, connection_id=connection_id,
                                            access_token=fresh.token,
                                            expires_at=expires_at_of(fresh))  # fmt: skip

    return GmailClient(creds, endpoint=endpoints.gmail_api, on_refresh=on_refresh)


async def _gmail_recent(gmail: Any, limit: int) -> tuple[list[str], str | None]:
    """Newest INBOX message ids and the newest history id among them (HistoryExpired fallback).
    GmailClient has no public list call yet, so this goes through its API wrapper."""
    out = await gmail._api.call(
        lambda s: s.users().messages().list(userId="me", labelIds=["INBOX"], maxResults=limit),
        what="gmail.messages.list",
    )
    ids = [str(m["id"]) for m in out.get("messages") or []][:limit]
    newest: str | None = None
    if ids:
        meta = await gmail._api.call(
            lambda s: s.users().messages().get(userId="me", id=ids[0], format="minimal"),
            what="gmail.messages.get",
        )
        newest = str(meta.get("historyId") or "") or None
    return list(reversed(ids)), newest


async def _gmail_get(gmail: Any, message_id: str) -> Fetched:
    """The raw message and its Gmail thread id (so a reply can join the Gmail thread).
    `GmailClient.get_message_raw` drops the thread id, so this reads the same answer whole."""
    import base64

    out = await gmail._api.call(
        lambda s: s.users().messages().get(userId="me", id=message_id, format="raw"),
        what="gmail.messages.get",
    )
    raw = str(out.get("raw") or "")
    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    return Fetched(message_id, data, str(out.get("threadId") or "") or None)


async def fetch_google(
    ctx: StepContext, connection_id: int
) -> tuple[list[Fetched], str | None, bool]:
    """(new messages, the next history id, whether this was a bounded recent scan)."""
    from connectors.gmail import HistoryExpired
    from connectors.google_api import GoogleAuthError, GoogleError, GoogleRateLimited

    gmail = await gmail_client_for(ctx.db, ctx.settings, connection_id)
    async with ctx.db.session() as s:
        state = await s.get(MailboxState, connection_id)
        start = state.history_id if state is not None else None
    scanned = False
    try:
        try:
            if start is None:
                raise HistoryExpired("no stored history id", status=404)
            page = await gmail.history_since(start)
            ids, next_id = list(page.message_ids), page.history_id
        except HistoryExpired:
            scanned = True
            ids, newest = await _gmail_recent(gmail, RECENT_SCAN_LIMIT)
            pushed = ctx.payload.get("history_id")
            next_id = max(
                (h for h in (newest, pushed) if h and str(h).isdigit()), key=int, default=None
            )
    except GoogleRateLimited as exc:
        raise TransientError("gmail rate limited", exc.retry_after) from None
    except GoogleAuthError:
        raise
    except GoogleError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise TransientError(f"gmail unavailable ({exc.status})") from None
        raise
    fetched: list[Fetched] = []
    async with ctx.db.session() as s:
        user_id = ctx.user_id or 0
        fresh = [i for i in ids if not await repo.message_seen(s, user_id=user_id, provider="google",
                                                               provider_message_id=i)]  # fmt: skip
    for mid in fresh:
        try:
            fetched.append(await _gmail_get(gmail, mid))
        except GoogleError as exc:
            if exc.status == 404:  # deleted since the notification
                continue
            raise TransientError(f"gmail message fetch failed ({exc.status})") from None
    return fetched, next_id, scanned


async def graph_client_for(db: Any, settings: Any, connection_id: int) -> Any:
    """A GraphClient for the stored Microsoft connection (the connector's factory when it has
    one, else the stored access token as is); None when there is no usable connection."""
    from connectors import graph
    from storage import connections

    factory = getattr(graph, "client_for_connection", None)
    if factory is not None:
        try:
            return await factory(db, settings, connection_id)
        except LookupError:
            return None
    async with db.session() as s:
        conn = await connections.connection_by_id(
            s, cipher=_cipher(settings), connection_id=connection_id
        )
    if conn is None or conn.status != connections.ACTIVE or not conn.tokens.get("access_token"):
        return None
    base = getattr(settings, "graph_api_base", None) or graph.GRAPH_BASE
    return graph.GraphClient(str(conn.tokens["access_token"]), base_url=base)


async def fetch_microsoft(ctx: StepContext, connection_id: int, message_id: str) -> list[Fetched]:
    """The message's MIME through the Graph connector."""
    from connectors import graph

    client = await graph_client_for(ctx.db, ctx.settings, connection_id)
    if client is None:
        raise LookupError("mailbox connection is gone or inactive")
    try:
        meta = await client.get_message(message_id)
        if meta.is_draft:
            return []
        raw = await client.get_message_mime(message_id)
    except graph.GraphNotFound:
        return []
    except (graph.GraphRateLimited, graph.GraphUnavailable) as exc:
        raise TransientError("graph unavailable", getattr(exc, "retry_after", None)) from None
    finally:
        await client.aclose()
    return [Fetched(message_id, raw, meta.conversation_id)]


def fresh_delta_link(since: datetime, folder: str = "inbox") -> str:
    """A first inbox delta request limited to mail received since `since` (the one `$filter`
    Graph's message delta accepts), already percent-encoded as the client expects of a link."""
    from urllib.parse import quote, urlencode

    query = urlencode({"$select": "id,conversationId,receivedDateTime,isDraft", "$top": "50",
                       "$filter": f"receivedDateTime ge {since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"},
                      quote_via=quote, safe="$'(),/:@")  # fmt: skip
    return f"/me/mailFolders/{folder}/messages/delta?{query}"


def _received(item: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(item["receivedDateTime"])).astimezone(UTC)
    except (KeyError, ValueError):
        return None


async def graph_delta(ctx: StepContext, connection_id: int, link: str | None) -> dict[str, Any]:
    """One delta pass over the inbox: {"ids": new message ids, oldest first, "link": the next
    delta link or None, "restarted": whether it began again from recent mail}. No stored link,
    or an expired one (`DeltaExpired`, 410), restarts from mail of the last
    `RECENT_SCAN_MAX_AGE`; drafts, removals, mail older than that and messages already stored
    are left out."""
    from connectors import graph

    client = await graph_client_for(ctx.db, ctx.settings, connection_id)
    if client is None:
        raise LookupError("mailbox connection is gone or inactive")
    since = ctx.now() - RECENT_SCAN_MAX_AGE
    restarted = link is None
    try:
        try:
            items, nxt = await client.messages_delta(link or fresh_delta_link(since))
        except graph.GraphError as exc:
            if link is None or not (isinstance(exc, graph.DeltaExpired) or exc.status == 410):
                raise
            restarted = True
            items, nxt = await client.messages_delta(fresh_delta_link(since))
    except (graph.GraphRateLimited, graph.GraphUnavailable) as exc:
        raise TransientError("graph unavailable", getattr(exc, "retry_after", None)) from None
    finally:
        await client.aclose()
    ids: list[str] = []
    async with ctx.db.session() as s:
        for item in items:
            mid = str(item.get("id") or "")
            when = _received(item)
            if (not mid or mid in ids or "@removed" in item or item.get("isDraft")
                    or (when is not None and when < since)):  # fmt: skip
                continue
            if not await repo.message_seen(s, user_id=ctx.user_id or 0, provider="microsoft",
                                           provider_message_id=mid):  # fmt: skip
                ids.append(mid)
    return {"ids": ids, "link": nxt, "restarted": restarted, "seen": len(items)}


async def poll_microsoft(ctx: StepContext, connection_id: int) -> StepResult:
    """The polling fallback for an Outlook inbox: a Graph delta pass from the delta link stored
    in `mailbox_states.history_id`; each new message becomes the same job a change
    notification makes (payload `{provider, connection_id, message_id}`, key
    `email_received:microsoft:{connection_id}:{message_id}`), so push and poll make one job.
    The answer is recorded before the cursor moves, and the cursor (with `last_polled_at`)
    moves before the jobs are created with this one's completion: a crash anywhere loses no
    message. A poll fired before the mailbox's last completed poll does nothing."""
    async with ctx.db.session() as s:
        state = await s.get(MailboxState, connection_id)
        link = state.history_id if state is not None else None
        last = state.last_polled_at if state is not None else None
    fired = ctx.payload.get("fired_at")
    if fired and last is not None and last >= datetime.fromisoformat(str(fired)):
        return StepResult({"message": None, "more": 0, "queued": 0, "polled_after": True})
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
    for mid in delta["ids"]:
        ctx.queue_followup(Event(
            type=EventType.EMAIL_RECEIVED, source=EventSource.ORCHESTRATOR_CHAIN, org_id=ctx.org_id,
            user_id=ctx.user_id, parent_job_id=ctx.job_id,
            payload={"provider": "microsoft", "connection_id": connection_id, "message_id": mid},
            idempotency_key=f"email_received:microsoft:{connection_id}:{mid}",
        ))  # fmt: skip
    log.info("outlook inbox polled", extra={"job_id": ctx.job_id, "connection_id": connection_id,
             "changes": delta["seen"], "new": len(delta["ids"]), "restarted": delta["restarted"]})  # fmt: skip
    return StepResult({"message": None, "more": 0, "queued": len(delta["ids"]),
                       "restarted": delta["restarted"]})  # fmt: skip


def _demo_fetch(payload: dict[str, Any]) -> list[Fetched]:
    raw = str(payload.get("raw") or "").encode("utf-8", errors="replace")
    if not raw.strip():
        return []
    parsed = parse_email(raw)
    mid = parsed.message_id or "demo-" + hashlib.sha256(raw).hexdigest()[:24]
    return [Fetched(mid, raw)]


async def _rep(ctx: StepContext) -> tuple[User, str | None]:
    async with ctx.db.session() as s:
        user = await s.get(User, ctx.user_id) if ctx.user_id else None
        account = None
        conn_id = ctx.payload.get("connection_id")
        if isinstance(conn_id, int):
            from storage.models import Connection

            conn = await s.get(Connection, conn_id)
            account = conn.account_email if conn else None
    if user is None:
        raise LookupError("email_received needs the rep (user_id)")
    return user, account


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


async def fetch(ctx: StepContext) -> StepResult:
    payload = ctx.payload
    if isinstance(payload.get("stored"), dict):  # a child job for one already-stored message
        return StepResult({"message": payload["stored"], "more": 0})
    provider = str(payload.get("provider") or "")
    user, account = await _rep(ctx)
    own = {a.lower() for a in (user.email, account) if a}
    next_history: str | None = None
    min_date: datetime | None = None
    if provider == "google":
        conn_id = int(payload["connection_id"])
        items, next_history, scanned = await fetch_google(ctx, conn_id)
        if scanned:
            min_date = ctx.now() - RECENT_SCAN_MAX_AGE
    elif provider == "microsoft" and not payload.get("message_id"):
        return await poll_microsoft(ctx, int(payload["connection_id"]))
    elif provider == "microsoft":
        items = await fetch_microsoft(
            ctx, int(payload["connection_id"]), str(payload["message_id"])
        )
    elif provider == "demo":
        items = _demo_fetch(payload)
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
    for extra in messages[1:]:
        ctx.queue_followup(Event(
            type=EventType.EMAIL_RECEIVED, source=EventSource.ORCHESTRATOR_CHAIN, org_id=ctx.org_id,
            user_id=ctx.user_id, payload={"provider": provider, "stored": extra},
            idempotency_key=f"email_received:message:{extra['message_id']}", parent_job_id=ctx.job_id,
        ))  # fmt: skip
    log.info("inbound mail fetched", extra={
        "job_id": ctx.job_id, "provider": provider, "new": len(messages), **result["skipped"]})  # fmt: skip
    return StepResult({"message": messages[0] if messages else None, "more": max(0, len(messages) - 1),
                       "skipped": result["skipped"]})  # fmt: skip


# ---------------------------------------------------------------------------------- classify


@dataclass
class Loaded:
    row: EmailMessage
    thread: EmailThread
    email: InboundEmail


async def load_message(ctx: StepContext) -> Loaded:
    meta = ctx.outputs["fetch"]["message"]
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, meta["message_id"])
        thread = await s.get(EmailThread, row.thread_id) if row else None
    if row is None or thread is None:
        raise LookupError(f"email message {meta['message_id']} not found")
    parts = split_body(row.body_text)
    date = datetime.fromisoformat(meta["date"]) if meta.get("date") else row.received_at
    email = InboundEmail(
        sender=Address(meta.get("sender_name") or "", row.from_addr),
        to=tuple(Address("", a) for a in row.to_addrs), cc=tuple(Address("", a) for a in row.cc_addrs),
        subject=row.subject, date=date, message_id=row.message_id_header,
        references=tuple((row.references or "").split()), text=row.body_text, new_text=parts.new,
        quoted_text=parts.quoted, signature=parts.signature,
        auto_reply_signals=tuple(meta.get("auto_reply_signals") or ()),
        has_list_unsubscribe=bool(meta.get("has_list_unsubscribe")), is_bulk=bool(meta.get("is_bulk")),
    )  # fmt: skip
    return Loaded(row, thread, email)


async def classify_with_model(ctx: StepContext, email: InboundEmail) -> Classification:
    """The model's category when one is configured; the offline rules otherwise or on failure."""
    offline = classify_email(email)
    if not ctx.settings.llm_model or offline.details.get("prompt_injection"):
        return offline
    from connectors.llm import LLMClient, LLMError

    try:
        answer = await LLMClient(ctx.settings, ctx.db).complete(
            "email_classification",
            {"subject": email.subject, "body": email.new_text or email.text},
            org_id=ctx.org_id, user_id=ctx.user_id, job_id=ctx.job_id)  # fmt: skip
    except LLMError as exc:
        log.info("email classification fell back to offline", extra={"reason": type(exc).__name__})
        return offline
    category = str(getattr(answer, "category", offline.category))
    confidence = float(getattr(answer, "confidence", offline.confidence))
    details = (
        offline.details if category == offline.category else {"auto_reply": email.is_auto_reply}
    )
    return Classification(category, confidence, "model", details)  # type: ignore[arg-type]


async def classify(ctx: StepContext) -> dict[str, Any]:
    loaded = await load_message(ctx)
    result = await classify_with_model(ctx, loaded.email)
    row, thread = loaded.row, loaded.thread
    sender = loaded.email.sender.name if loaded.email.sender else ""
    async with ctx.db.session() as s:
        match = await repo.match_sender(s, org_id=ctx.org_id, address=row.from_addr)
    contact_id = thread.contact_id or match.contact_id
    deal_id = thread.deal_id or match.deal_id

    async def write() -> int | None:
        async with ctx.db.transaction() as s:
            await repo.set_category(s, message_id=row.id or 0, category=result.category,
                                    confidence=result.confidence)  # fmt: skip
            if deal_id is None and contact_id is None:
                return None
            act = await crm.add_activity(
                s, org_id=ctx.org_id, kind="email_received", deal_id=deal_id, contact_id=contact_id,
                user_id=ctx.user_id, occurred_at=row.received_at,
                summary=f"Email from {display_sender(sender, row.from_addr)}: "
                        f"{result.category.replace('_', ' ')}",
                provenance={"email_message_id": row.id, "thread_id": thread.id, "job_id": ctx.job_id,
                            "category": result.category, "confidence": result.confidence})  # fmt: skip
            return act.id

    activity_id = await ctx.effect("activity", write)
    log.info("inbound mail classified", extra={"job_id": ctx.job_id, "category": result.category,
                                               "confidence": round(result.confidence, 2)})  # fmt: skip
    return {
        "category": result.category, "confidence": result.confidence, "details": result.details,
        "message_id": row.id, "thread_id": thread.id, "contact_id": contact_id, "deal_id": deal_id,
        "company_id": match.company_id, "sender_name": sender, "activity_id": activity_id,
    }  # fmt: skip


def display_sender(name: str, address: str) -> str:
    """A name for Slack and the CRM; never the full address (the domain at most)."""
    if name and "@" not in name:
        return name
    domain = address.rpartition("@")[2]
    return f"someone at {domain}" if domain else "someone"


# ---------------------------------------------------------------------------------- branches


async def _context(ctx: StepContext) -> tuple[dict[str, Any], str, str | None, str]:
    """(classify output, sender display name, deal name, subject) for messages to the rep."""
    out = ctx.outputs["classify"]
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, out["message_id"])
        deal = await s.get(Deal, out["deal_id"]) if out.get("deal_id") else None
    assert row is not None
    return (
        out,
        display_sender(out.get("sender_name") or "", row.from_addr),
        deal.name if deal else None,
        row.subject,
    )


async def _tell(ctx: StepContext, lines: list[str], key: str = "inbound") -> dict[str, Any]:
    from blocks.email_received import InboundView, headline, inbound_blocks

    out, sender, deal, subject = await _context(ctx)
    async with ctx.db.session() as s:
        thread = await s.get(EmailThread, out["thread_id"]) if out.get("thread_id") else None
    view = InboundView(sender=sender, category=out["category"], subject=subject, deal=deal,
                       lines=lines, provider=thread.provider if thread else "")  # fmt: skip
    posted = await ctx.notify("email_received", headline(view), inbound_blocks(view), key=key)
    return {"channel": posted.channel, "ts": posted.ts}


def _follow_up(ctx: StepContext, event_type: str, extra: dict[str, Any]) -> None:
    out = ctx.outputs["classify"]
    ctx.queue_followup(Event(
        type=event_type, source=EventSource.ORCHESTRATOR_CHAIN, org_id=ctx.org_id, user_id=ctx.user_id,
        payload={"contact_id": out.get("contact_id"), "deal_id": out.get("deal_id"),
                 "thread_id": out.get("thread_id"), "email_message_id": out.get("message_id"),
                 "source": "email", **extra},
        idempotency_key=f"{event_type}:email:{out['message_id']}", parent_job_id=ctx.job_id,
    ))  # fmt: skip


async def schedule(ctx: StepContext) -> dict[str, Any]:
    details = ctx.outputs["classify"].get("details") or {}
    _follow_up(ctx, EventType.CALENDAR_FIND_TIMES, {
        "proposed_times": list(details.get("proposed_times") or [])[:5],
        "duration_minutes": details.get("duration_minutes"), "timezone": details.get("timezone")})  # fmt: skip
    return {
        "queued": EventType.CALENDAR_FIND_TIMES.value,
        **await _tell(ctx, ["Finding times that work: suggestions follow in a moment."]),
    }


async def proposal(ctx: StepContext) -> dict[str, Any]:
    """No sequence drafts proposals yet (a later release): say so, and offer the rep a task."""
    out, sender, deal, _ = await _context(ctx)
    task = f"Send a proposal to {sender}" + (f" ({deal})" if deal else "")
    told = await _tell(ctx, ["Proposal drafts are coming in a later release, so I haven't started one.",
                             f"I can put “{task}” on your task list (below)."])  # fmt: skip
    return {"title": "Add this task?", "told": told, "deal_id": out.get("deal_id"),
            "contact_id": out.get("contact_id"), "email_message_id": out.get("message_id"),
            "tasks": [{"n": 0, "title": task, "description": task, "due": None,
                       "source": f"{sender} asked for a proposal by email"}]}  # fmt: skip


async def add_proposal_task(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    p = ctx.approval.payload
    keep = [t for t in p.get("tasks") or [] if isinstance(t, dict)] if ctx.approval.approved else []
    if not keep:
        return {"created": 0}

    async def write() -> int:
        async with ctx.db.transaction() as s:
            for t in keep:
                await crm.add_task(s, org_id=ctx.org_id, user_id=ctx.user_id,
                                   title=str(t.get("description") or t.get("title"))[:500], due_at=None,
                                   owner_kind="rep", deal_id=p.get("deal_id"), contact_id=p.get("contact_id"),
                                   source="email", provenance={"email_message_id": p.get("email_message_id")})  # fmt: skip
        return len(keep)

    return {"created": await ctx.effect("proposal-task", write)}


async def draft_reply_step(ctx: StepContext) -> dict[str, Any]:
    from blocks.email_received import EXCERPT_MAX, WITHHELD, InboundView, headline, why

    out, sender, deal, subject = await _context(ctx)
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, out["message_id"])
        thread = await s.get(EmailThread, out["thread_id"])
        rep = await s.get(User, ctx.user_id) if ctx.user_id else None
        prefs = await s.get(UserPreferences, ctx.user_id) if ctx.user_id else None
    assert row is not None and rep is not None and thread is not None
    new_text = split_body(row.body_text).new or row.body_text
    injected = bool(out["details"].get("prompt_injection"))  # its text is never shown or used
    draft = draft_reply(ReplyInput(
        category=out["category"], sender_name=out.get("sender_name") or "", rep_name=rep.name,
        subject=row.subject, topics=topics_in(new_text) if not injected else (),
        signature=prefs.signature if prefs else None,
        questions=questions_in(new_text) if not injected else ()))  # fmt: skip
    refs = [r for r in (row.references or "").split() if r]
    if row.message_id_header and row.message_id_header not in refs:
        refs.append(row.message_id_header)
    view = InboundView(sender=sender, category=out["category"], subject=subject, deal=deal)
    return {
        "title": headline(view),
        "draft": {"to": [row.from_addr], "cc": [], "subject": draft.subject or reply_subject(row.subject),
                  "body": draft.body, "in_reply_to": row.message_id_header,
                  "references": refs[-20:], "thread_id": out["thread_id"],
                  "provider": thread.provider, "provider_thread_id": thread.external_thread_id},
        "context": f"{headline(view)}. {why(thread.provider)}",
        "answering": {"sender": sender, "to_confirm": list(draft.to_confirm),
                      "excerpt": WITHHELD if injected else new_text[: EXCERPT_MAX * 2]},
        "deal_id": out.get("deal_id"), "contact_id": out.get("contact_id"),
        "email_message_id": out["message_id"],
    }  # fmt: skip


async def deliver_reply(ctx: StepContext) -> dict[str, Any]:
    """After the rep's decision: hand the approved reply to the send flow (undo window, limits,
    recipient rails, do-not-email), or offer it to copy when that flow is not there."""
    from blocks.post_meeting import approved_copy_blocks

    assert ctx.approval is not None
    if not ctx.approval.approved:
        return {"decision": ctx.approval.decision}
    final = ctx.approval.payload.get("draft") or {}
    out = ctx.outputs["classify"]
    hand_off = _send_flow_entry()
    if hand_off is not None:
        sent = await hand_off(ctx, final, deal_id=out.get("deal_id"), contact_id=out.get("contact_id"),
                              email_thread_id=out.get("thread_id"), key="reply-send")  # fmt: skip
        return {"decision": ctx.approval.decision, **sent}
    await ctx.notify("email_reply_approved", "Reply approved: copy it into your mail client",
                     approved_copy_blocks(final.get("to") or [], final.get("subject", ""),
                                          final.get("body", "")), key="approved-copy")  # fmt: skip
    return {"decision": ctx.approval.decision, "copied": True}


def _send_flow_entry() -> Any:
    """`flows.email_send.hand_off(ctx, draft, ...)`, the send flow's entry after an approval."""
    try:
        from flows import email_send
    except ImportError:
        return None
    return getattr(email_send, "hand_off", None)


async def referral_review(ctx: StepContext) -> dict[str, Any]:
    from blocks.email_received import referral_lines

    out, sender, deal, _ = await _context(ctx)
    details = out.get("details") or {}
    name, addr = details.get("referred_name"), details.get("referred_email")
    await _tell(ctx, referral_lines(name, bool(addr)))
    fields = {"Name": name or "—", "Email": addr or "—"}
    if deal:
        fields["Deal"] = deal
    return {"title": f"Add {name or 'the referred contact'} as a contact?",
            "text": f"{sender} pointed you to them.", "fields": fields,
            "referred_name": name, "referred_email": addr, "company_id": out.get("company_id"),
            "deal_id": out.get("deal_id")}  # fmt: skip


async def add_referral(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    if not ctx.approval.approved:
        return {"created": False, "decision": ctx.approval.decision}
    p = ctx.approval.payload
    name = str(p.get("referred_name") or (p.get("fields") or {}).get("Name") or "").strip()
    addr = p.get("referred_email") or (p.get("fields") or {}).get("Email")
    addr = str(addr).strip() if addr and "@" in str(addr) else None

    async def write() -> int | None:
        async with ctx.db.transaction() as s:
            contact = Contact(org_id=ctx.org_id, company_id=p.get("company_id"),
                              name=name or (addr or "New contact"), email=addr)  # fmt: skip
            s.add(contact)
            await s.flush()
            if p.get("deal_id"):
                s.add(DealContact(deal_id=p["deal_id"], contact_id=contact.id, role="referred"))
            await crm.add_activity(s, org_id=ctx.org_id, kind="note", deal_id=p.get("deal_id"),
                                   contact_id=contact.id, user_id=ctx.user_id,
                                   summary=f"Contact added from a referral: {contact.name}",
                                   provenance={"job_id": ctx.job_id})  # fmt: skip
            return contact.id

    return {"created": True, "contact_id": await ctx.effect("create-contact", write)}


_NURTURE_WORDS = (
    "not right now",
    "not now",
    "next year",
    "next quarter",
    "later this year",
    "revisit",
    "in a few months",
    "maybe later",
    "not the right time",
    "timing",
    "down the road",
)


async def close_review(ctx: StepContext) -> dict[str, Any]:
    from blocks.email_received import not_interested_lines

    out, sender, deal, _ = await _context(ctx)
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, out["message_id"])
    text = (split_body(row.body_text).new if row else "").lower()
    action = "nurture" if any(w in text for w in _NURTURE_WORDS) else "closed_lost"
    await _tell(
        ctx,
        not_interested_lines(action)
        if deal
        else ["No deal is linked to this sender, so there is nothing to close."],
    )
    what = "Mark the deal closed lost" if action == "closed_lost" else "Move the deal to nurture"
    return {"title": f"{what}?", "text": f"{sender} said they are not interested.",
            "fields": {"Deal": deal or "—", "Suggested": action.replace("_", " ")},
            "action": action, "deal_id": out.get("deal_id")}  # fmt: skip


async def apply_close(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    p = ctx.approval.payload
    if not ctx.approval.approved or not p.get("deal_id"):
        return {"applied": False, "decision": ctx.approval.decision}
    action = "nurture" if p.get("action") == "nurture" else "closed_lost"
    prov = {
        "source": "email_received",
        "email_message_id": ctx.outputs["classify"]["message_id"],
        "category": "not_interested",
        "approved_by": ctx.approval.actor,
        "job_id": ctx.job_id,
    }

    async def write() -> str:
        async with ctx.db.transaction() as s:
            deal = await s.get(Deal, p["deal_id"])
            if deal is None:
                return "missing"
            if action == "closed_lost":
                await crm.record_field_change(s, deal=deal, name="stage", new="closed_lost", provenance=prov,
                                              apply=True, job_id=ctx.job_id, now=ctx.now())  # fmt: skip
            else:
                await crm.record_field_change(s, deal=deal, name="nurture", new=True, provenance=prov,
                                              apply=True, job_id=ctx.job_id, now=ctx.now())  # fmt: skip
                await crm.add_flags(s, deal=deal, flags=["nurture"])
            return action

    return {"applied": True, "action": await ctx.effect("close-or-nurture", write)}


async def unsubscribe(ctx: StepContext) -> dict[str, Any]:
    from blocks.email_received import unsubscribe_lines

    out = ctx.outputs["classify"]
    contact_id = out.get("contact_id")

    async def write() -> str | None:
        async with ctx.db.transaction() as s:
            contact = await s.get(Contact, contact_id) if contact_id else None
            if contact is None:  # not in the CRM yet: a do-not-email contact, so sends see it
                row = await s.get(EmailMessage, out["message_id"])
                if row is None:
                    return None
                sender = out.get("sender_name") or ""
                contact = Contact(org_id=ctx.org_id, company_id=out.get("company_id"),
                                  name=sender if sender and "@" not in sender
                                  else row.from_addr.partition("@")[0],
                                  email=row.from_addr)  # fmt: skip
            contact.do_not_email = True
            s.add(contact)
            await crm.add_activity(
                s,
                org_id=ctx.org_id,
                kind="note",
                deal_id=out.get("deal_id"),
                contact_id=contact.id,
                user_id=ctx.user_id,
                summary="Asked not to be emailed: marked do-not-email",
                provenance={"email_message_id": out["message_id"], "job_id": ctx.job_id},
            )
            return contact.name

    name = await ctx.effect("do-not-email", write)
    lines = unsubscribe_lines(name) if name else ["The message could not be matched to anyone."]
    return {"do_not_email": bool(name), **await _tell(ctx, lines)}


async def out_of_office(ctx: StepContext) -> dict[str, Any]:
    from blocks.email_received import out_of_office_lines

    out = ctx.outputs["classify"]
    details = out.get("details") or {}
    back = details.get("return_date")
    contact_id = out.get("contact_id")

    async def write() -> str | None:
        if not back or not contact_id:
            return None
        async with ctx.db.transaction() as s:
            contact = await s.get(Contact, contact_id)
            if contact is None:
                return None
            until = datetime.combine(datetime.fromisoformat(back).date(), time(0, 0), tzinfo=UTC)
            contact.paused_until = until
            s.add(contact)
            return until.isoformat()

    paused = await ctx.effect("pause", write)
    label = (
        datetime.fromisoformat(back).strftime("%a %-d %b")
        if back
        else details.get("return_date_text")
    )
    lines = (
        out_of_office_lines(label)
        if paused or not back
        else [f"Back on {label}. They are not a CRM contact, so nothing was paused."]
    )
    return {"paused_until": paused, **await _tell(ctx, lines)}


# ---------------------------------------------------------------------------------- declaration


def _is(*categories: str) -> Condition:
    return Condition("classify.category", "in", list(categories))


HAS_MESSAGE = Condition("fetch.message", "truthy")


def sequence() -> Sequence:
    return Sequence(
        type=SEQUENCE,
        version=VERSION,
        event_types=(EventType.EMAIL_RECEIVED.value,),
        steps=(
            Step("fetch", "email.fetch", on_failure="retry", max_retries=5, timeout_s=60),
            Step("classify", "email.classify", on_failure="stop", timeout_s=60),
            Step(
                "schedule", "email.schedule", condition=_is("meeting_request"), on_failure="retry"
            ),
            Step(
                "proposal", "email.proposal", condition=_is("proposal_request"), on_failure="retry"
            ),
            Step(
                "add_proposal_task",
                "email.add_proposal_task",
                requires_approval=True,
                approval_kind="tasks",
                approval_payload_from="proposal",
                condition=_is("proposal_request"),
                on_failure="stop",
            ),
            Step(
                "draft_reply",
                "email.draft_reply",
                condition=_is(*DRAFT_CATEGORIES),
                on_failure="stop",
            ),
            Step(
                "deliver_reply",
                "email.deliver_reply",
                requires_approval=True,
                approval_kind="email_send",
                approval_payload_from="draft_reply",
                condition=_is(*DRAFT_CATEGORIES),
                on_failure="stop",
            ),
            Step(
                "referral_review",
                "email.referral_review",
                condition=_is("referral"),
                on_failure="stop",
            ),
            Step(
                "add_referral",
                "email.add_referral",
                requires_approval=True,
                approval_kind="contact_add",
                approval_payload_from="referral_review",
                condition=_is("referral"),
                on_failure="stop",
            ),
            Step(
                "close_review",
                "email.close_review",
                condition=_is("not_interested"),
                on_failure="stop",
            ),
            Step(
                "apply_close",
                "email.apply_close",
                requires_approval=True,
                approval_kind="deal_close",
                approval_payload_from="close_review",
                condition=Condition("close_review.deal_id", "truthy"),
                on_failure="stop",
            ),
            Step(
                "unsubscribe", "email.unsubscribe", condition=_is("unsubscribe"), on_failure="retry"
            ),
            Step(
                "out_of_office",
                "email.out_of_office",
                condition=_is("out_of_office"),
                on_failure="retry",
            ),
        ),
        branches=(Branch("fetch", Condition("fetch.message", "falsy"), END),),
    )


def register(registry: SequenceRegistry) -> None:
    for name, fn in (
        ("email.fetch", fetch),
        ("email.classify", classify),
        ("email.schedule", schedule),
        ("email.proposal", proposal),
        ("email.add_proposal_task", add_proposal_task),
        ("email.draft_reply", draft_reply_step),
        ("email.deliver_reply", deliver_reply),
        ("email.referral_review", referral_review),
        ("email.add_referral", add_referral),
        ("email.close_review", close_review),
        ("email.apply_close", apply_close),
        ("email.unsubscribe", unsubscribe),
        ("email.out_of_office", out_of_office),
    ):
        registry.skills.register(name, fn)
    registry.add(sequence())
