"""Reading new mail from the rep's provider: Gmail history, a Graph message, a Graph inbox delta
pass, or the sandbox's demo text. Each returns `Fetched` messages (id, raw bytes, thread id)
and leaves storing them to `fetch.py`. Provider outages become `TransientError` (retried).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.inbox import gmail_client_for, graph_client_for
from orchestrator.context import StepContext, TransientError
from skills.email_parse import parse_email
from storage import email_threads as repo
from storage.models import MailboxState

RECENT_SCAN_LIMIT = 25
RECENT_SCAN_MAX_AGE = timedelta(days=3)


@dataclass(frozen=True)
class Fetched:
    """One message read from a provider: its id there, its thread id there (if known), bytes."""

    provider_message_id: str
    raw: bytes
    provider_thread_id: str | None = None


async def fetch_google(
    ctx: StepContext, connection_id: int
) -> tuple[list[Fetched], str | None, bool]:
    """(new messages, the next history id, whether this was a bounded recent scan). Gmail
    `history.list` from the stored history id; an expired one (or none) scans recent INBOX
    messages instead and moves on to the newest history id seen or pushed."""
    from connectors.gmail import HistoryExpired
    from connectors.google_api import GoogleAuthError, GoogleError, GoogleRateLimited

    gmail = await gmail_client_for(ctx.db, ctx.settings, connection_id)
    async with ctx.db.session() as s:
        state = await s.get(MailboxState, connection_id)
        start = state.history_id if state is not None else None
    scanned = False
    next_id: str | None
    try:
        try:
            if start is None:
                raise HistoryExpired("no stored history id", status=404)
            page = await gmail.history_since(start)
            ids, next_id = list(page.message_ids), page.history_id
        except HistoryExpired:
            scanned = True
            recent = await gmail.recent_inbox(RECENT_SCAN_LIMIT)
            ids, pushed = list(recent.message_ids), ctx.payload.get("history_id")
            next_id = max(
                (h for h in (recent.history_id, pushed) if h and str(h).isdigit()),
                key=int,
                default=None,
            )
    except GoogleRateLimited as exc:
        raise TransientError("gmail rate limited", exc.retry_after) from None
    except GoogleAuthError:
        raise
    except GoogleError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise TransientError(f"gmail unavailable ({exc.status})") from None
        raise
    async with ctx.db.session() as s:
        user_id = ctx.user_id or 0
        fresh = [i for i in ids if not await repo.message_seen(s, user_id=user_id, provider="google",
                                                               provider_message_id=i)]  # fmt: skip
    fetched: list[Fetched] = []
    for mid in fresh:
        try:
            got = await gmail.get_message(mid)
        except GoogleError as exc:
            if exc.status == 404:  # deleted since the notification
                continue
            raise TransientError(f"gmail message fetch failed ({exc.status})") from None
        fetched.append(Fetched(got.id, got.raw, got.thread_id))
    return fetched, next_id, scanned


async def fetch_microsoft(ctx: StepContext, connection_id: int, message_id: str) -> list[Fetched]:
    """The message's MIME through the Graph connector (nothing for a draft or a deleted one)."""
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


def demo_fetch(payload: dict[str, Any]) -> list[Fetched]:
    """The sandbox's demo message: its RFC 822 text in the payload (a poll has none)."""
    raw = str(payload.get("raw") or "").encode("utf-8", errors="replace")
    if not raw.strip():
        return []
    parsed = parse_email(raw)
    mid = parsed.message_id or "demo-" + hashlib.sha256(raw).hexdigest()[:24]
    return [Fetched(mid, raw)]
