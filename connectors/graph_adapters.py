"""Microsoft 365 behind the provider-neutral interfaces the flows use, so Gmail/Google Calendar
and Outlook/Graph are treated alike.

- `microsoft_oauth_for(settings)` -> `MicrosoftOAuth` (None without MICROSOFT_CLIENT_ID), with
  the authority from MICROSOFT_AUTHORITY_BASE when set (MSAL needs https; a private CA is
  trusted through REQUESTS_CA_BUNDLE).
- `client_for_connection(db, settings, connection_id)` -> `GraphClient` for a stored
  Microsoft connection, base URL from GRAPH_API_BASE, refreshing (and storing the rotated
  tokens) on a 401. The caller closes it (`aclose()`). Also reachable as
  `connectors.graph.client_for_connection`.
- `GraphMailbox` implements `connectors.mailbox.Mailbox` (`connectors.graph.graph_mailbox`):
  `send(composed, thread_id)` turns the composed RFC 5322 message into Graph JSON (subject,
  HTML or text body, to/cc/bcc) and sends it with the composed `Message-ID` as the send marker;
  with `thread_id` — for Graph, the Graph id of the message being answered — it uses
  `/messages/{id}/reply`, so Exchange threads it (In-Reply-To, References, conversation).
  `find_sent(message_id_header)` is the exactly-once lookup by that marker. Outlook signatures
  are not readable through Graph: `signature()` is None (the App Home one applies).
- `GraphCalendar` implements `connectors.calendar.CalendarProvider` (name `microsoft`):
  `busy` via getSchedule (tentative kept as tentative; invisible calendars left out),
  `create_event` looks the transaction up first, then creates with `transactionId` and a
  Teams link, `incremental_sync` via calendarView delta over `SYNC_PAST`..`SYNC_AHEAD`
  (an expired delta link -> a full sync).
- Subscriptions with settings: `webhook_urls(settings)` (under PUBLIC_BASE_URL; None without
  one: use the polling fallback), `subscribe_connection(db, settings, connection_id, now)`
  (inbox, plus calendar when granted; call it after a connect), `graph_factory_for(db,
  settings)` and `renew_all(db, settings, now)` — the one call a cron needs.
Nothing here logs addresses, subjects or bodies.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from connectors.graph import (
    GRAPH_BASE,
    Attendee,
    DeltaExpired,
    GraphClient,
    OutgoingMail,
    Recipient,
    marker_fields,
    parse_time,
)
from connectors.microsoft_oauth import MAIL_SEND, PROVIDER, MicrosoftOAuth, has_scope
from storage.connections import ACTIVE, StoredConnection, connection_by_id
from storage.engine import Database

log = logging.getLogger(__name__)

SYNC_PAST = timedelta(days=30)
SYNC_AHEAD = timedelta(days=120)


def _cipher(settings: Any) -> Any:
    from storage.crypto import TokenCipher, load_key

    return TokenCipher(load_key(settings.encryption_key, settings.data_dir))


def _redirect(settings: Any) -> str:
    base = (settings.public_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return f"{base}/oauth/microsoft/callback"


def microsoft_oauth_for(settings: Any) -> MicrosoftOAuth | None:
    if not settings.microsoft_client_id:
        return None
    extra: dict[str, Any] = {}
    if getattr(settings, "microsoft_authority_base", None):
        extra["authority_base"] = settings.microsoft_authority_base
    return MicrosoftOAuth(settings.microsoft_client_id, settings.microsoft_client_secret or "",
                          _redirect(settings), tenant=settings.microsoft_tenant, **extra)  # fmt: skip


def graph_base_for(settings: Any) -> str:
    return str(getattr(settings, "graph_api_base", None) or GRAPH_BASE)


def client_from(db: Database, settings: Any, conn: StoredConnection) -> GraphClient:
    oauth = microsoft_oauth_for(settings)
    refresh = oauth.refresher(db, _cipher(settings), conn) if oauth is not None else None
    return GraphClient(str(conn.tokens.get("access_token") or ""),
                       base_url=graph_base_for(settings), refresh=refresh)  # fmt: skip


async def client_for_connection(db: Database, settings: Any, connection_id: int) -> GraphClient:
    async with db.session() as s:
        conn = await connection_by_id(s, cipher=_cipher(settings), connection_id=connection_id)
    if conn is None or conn.provider != PROVIDER:
        raise LookupError("no Microsoft connection with that id")
    if conn.status != ACTIVE or not conn.tokens.get("access_token"):
        raise LookupError("the Microsoft connection is not usable (reconnect)")
    return client_from(db, settings, conn)


# --------------------------------------------------------------------------- mail


def _recipients(msg: EmailMessage, header: str) -> list[Recipient]:
    return [Recipient(addr, name) for name, addr in getaddresses(msg.get_all(header, [])) if addr]


def graph_message_from_mime(raw: bytes) -> tuple[dict[str, Any], str | None]:
    """(writable Graph message properties, Message-ID) from an RFC 5322 message."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(preferencelist=("html", "plain"))
    content = part.get_content() if part is not None else ""
    html = part is not None and part.get_content_subtype() == "html"
    out = OutgoingMail(subject=str(msg.get("Subject") or ""), body=str(content),
                       to=_recipients(msg, "To"), cc=_recipients(msg, "Cc"),
                       bcc=_recipients(msg, "Bcc"), html=html).as_graph()  # fmt: skip
    mid = msg.get("Message-ID")
    return out, (str(mid).strip() if mid else None)


class GraphMailbox:
    """Outlook for one connected rep (the `connectors.mailbox.Mailbox` protocol)."""

    provider = PROVIDER
    demo = False

    def __init__(self, db: Database, settings: Any, conn: StoredConnection) -> None:
        self._db = db
        self._settings = settings
        self._conn = conn
        self.address = conn.account_email or ""

    @property
    def can_send(self) -> bool:
        return has_scope(self._conn.scopes, MAIL_SEND)

    def _client(self) -> GraphClient:
        return client_from(self._db, self._settings, self._conn)

    async def send(self, composed: Any, thread_id: str | None) -> Any:
        from connectors.mailbox import SentRef

        message, marker = graph_message_from_mime(composed.raw)
        marker = marker or composed.message_id
        async with self._client() as graph:
            if thread_id:
                await graph.reply(thread_id, message=message, marker=marker)
            else:
                await graph.send_mail({**message, **marker_fields(marker)})
            found = await graph.find_sent(marker)
        # Exchange sends asynchronously: the Sent Items copy may not be visible yet
        return SentRef(found or marker, thread_id, PROVIDER)

    async def find_sent(self, message_id_header: str) -> Any:
        from connectors.mailbox import SentRef

        async with self._client() as graph:
            found = await graph.find_sent(message_id_header.strip())
        return SentRef(found, None, PROVIDER) if found else None

    async def signature(self) -> str | None:
        return None  # Graph v1.0 exposes no Outlook signature


def graph_mailbox(db: Database, settings: Any, conn: StoredConnection) -> GraphMailbox:
    return GraphMailbox(db, settings, conn)


# --------------------------------------------------------------------------- calendar


def change_from_graph(item: dict[str, Any]) -> Any:
    """A Graph event (or `@removed` entry) as a `connectors.calendar.EventChange`."""
    from connectors.calendar import EventChange

    ext = str(item.get("id") or "")
    if not ext:
        return None
    if "@removed" in item or item.get("isCancelled"):
        epoch = datetime.fromtimestamp(0, UTC)
        return EventChange(ext, epoch, epoch, status="cancelled")
    start, end = item.get("start") or {}, item.get("end") or {}
    if not start.get("dateTime") or not end.get("dateTime"):
        return None
    show_as = str(item.get("showAs") or "busy")
    show_as = show_as if show_as in ("busy", "tentative", "free", "oof") else "busy"
    attendees = [
        {"email": (a.get("emailAddress") or {}).get("address"),
         "name": (a.get("emailAddress") or {}).get("name") or "",
         "response": (a.get("status") or {}).get("response") or ""}
        for a in item.get("attendees") or [] if (a.get("emailAddress") or {}).get("address")
    ]  # fmt: skip
    return EventChange(
        ext, parse_time(start["dateTime"], start.get("timeZone")),
        parse_time(end["dateTime"], end.get("timeZone")), title=str(item.get("subject") or ""),
        all_day=bool(item.get("isAllDay")),
        status="tentative" if show_as == "tentative" else "confirmed", show_as=show_as,
        attendees=attendees,
    )  # fmt: skip


class GraphCalendar:
    """The rep's Outlook calendar (the `connectors.calendar.CalendarProvider` protocol)."""

    name = PROVIDER

    def __init__(self, client: GraphClient, *, now: Any = None) -> None:
        self.client = client
        self._now = now or (lambda: datetime.now(UTC))

    async def busy(self, emails: Sequence[str], start: datetime, end: datetime) -> dict[str, Any]:
        from connectors.calendar import BusyBlock

        schedules = await self.client.get_schedule(list(emails), start, end)
        by_lower = {k.lower(): v for k, v in schedules.items()}
        out: dict[str, Any] = {}
        for addr in emails:
            sched = by_lower.get(addr.lower())
            if sched is None or not sched.visible:
                continue
            out[addr] = [BusyBlock(b.start, b.end, tentative=b.status == "tentative")
                         for b in sched.busy]  # fmt: skip
        return out

    async def create_event(self, event: Any) -> Any:
        from connectors.calendar import CreatedInvite

        found = await self.client.find_event(event.transaction_id)
        if found is None:
            found = await self.client.create_event(
                subject=event.summary, body=event.description, start=event.start, end=event.end,
                tz=event.tz, attendees=[Attendee(a.email, a.name, a.optional)
                                        for a in event.attendees],
                online_meeting=event.with_video, transaction_id=event.transaction_id,
            )  # fmt: skip
        return CreatedInvite(found.id, self.name, found.web_link, found.join_url)

    async def incremental_sync(self, token: str | None) -> Any:
        from connectors.calendar import SyncBatch

        now = self._now()
        full = token is None
        try:
            items, link = await self.client.events_delta(token, start=now - SYNC_PAST,
                                                         end=now + SYNC_AHEAD)  # fmt: skip
        except DeltaExpired:
            log.info("graph delta link expired; full resync", extra={"provider": self.name})
            items, link = await self.client.events_delta(None, start=now - SYNC_PAST,
                                                         end=now + SYNC_AHEAD)  # fmt: skip
            full = True
        changes = [c for c in (change_from_graph(i) for i in items) if c is not None]
        return SyncBatch(changes, link, full)


async def graph_calendar_for(db: Database, settings: Any, user_id: int) -> GraphCalendar | None:
    """The rep's Outlook calendar when they connected Microsoft with a calendar scope."""
    from storage.connections import load_connection

    async with db.session() as s:
        conn = await load_connection(s, cipher=_cipher(settings), user_id=user_id,
                                     provider=PROVIDER)  # fmt: skip
    if conn is None or conn.status != ACTIVE or not has_scope(conn.scopes, "Calendars.Read"):
        return None
    return GraphCalendar(client_from(db, settings, conn))


# --------------------------------------------------------------------------- subscriptions


def webhook_urls(settings: Any) -> tuple[str, str] | None:
    """(notificationUrl, lifecycleNotificationUrl) under PUBLIC_BASE_URL, or None."""
    from connectors.graph_subscriptions import LIFECYCLE_PATH, WEBHOOK_PATH

    base = getattr(settings, "public_base_url", None)
    if not base:
        return None
    base = str(base).rstrip("/")
    return base + WEBHOOK_PATH, base + LIFECYCLE_PATH


def graph_factory_for(db: Database, settings: Any) -> Any:
    """`connection_id -> GraphClient | None` for `renew_graph_subscriptions`."""

    async def factory(connection_id: int) -> GraphClient | None:
        try:
            return await client_for_connection(db, settings, connection_id)
        except LookupError:
            return None

    return factory


async def subscribe_connection(
    db: Database, settings: Any, connection_id: int, now: datetime
) -> list[str]:
    """Subscribe to the rep's inbox (and calendar when granted); [] without a public URL."""
    from connectors.graph_subscriptions import (
        ensure_calendar_subscription,
        ensure_mail_subscription,
    )

    urls = webhook_urls(settings)
    if urls is None:
        return []
    async with db.session() as s:
        conn = await connection_by_id(s, cipher=_cipher(settings), connection_id=connection_id)
    if conn is None or conn.provider != PROVIDER or conn.user_id is None:
        raise LookupError("no Microsoft connection with that id")
    made: list[str] = []
    async with client_from(db, settings, conn) as graph:
        if has_scope(conn.scopes, "Mail.Read"):
            made.append(await ensure_mail_subscription(db, graph, connection_id, urls[0], now,
                                                       lifecycle_url=urls[1]))  # fmt: skip
        if has_scope(conn.scopes, "Calendars.Read"):
            made.append(await ensure_calendar_subscription(db, graph, conn.user_id, urls[0], now,
                                                           lifecycle_url=urls[1]))  # fmt: skip
    return made


async def renew_all(db: Database, settings: Any, now: datetime) -> int:
    """Renew due Microsoft subscriptions (re-creating lost ones when there is a public URL)."""
    from connectors.graph_subscriptions import renew_graph_subscriptions

    urls = webhook_urls(settings)
    return await renew_graph_subscriptions(
        db, graph_factory_for(db, settings), now,
        notification_url=urls[0] if urls else None, lifecycle_url=urls[1] if urls else None,
    )  # fmt: skip
