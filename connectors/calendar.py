"""One small interface over the rep's calendar provider: free/busy, invites, incremental sync.

`CalendarProvider` (a Protocol) is what the scheduling and sync flows use:

- `busy(emails, start, end) -> {email: [BusyBlock]}` — busy and tentative time per calendar
  that can be seen; an address missing from the answer is NOT visible (another company's
  calendar, no shared free/busy), which is different from "free all week".
- `create_event(NewEvent) -> CreatedInvite` — the invite with the attendees and a video link
  where the provider offers one. Idempotent on `NewEvent.transaction_id`: Google uses it to
  derive the event id (a retried insert answers 409 and the connector reads the event back),
  the demo provider keys its row on it, Graph takes it as `transactionId`.
- `incremental_sync(token) -> SyncBatch` — changed events since `token` (all when None) and
  the next token; `SyncBatch.full` says the caller must replace what it stored (first sync, or
  the token expired: Google 410 -> full resync).

Implementations: `GoogleCalendar` (over `connectors.google_calendar.GoogleCalendarClient`:
freeBusy, events.insert with a hangoutsMeet `conferenceData` request, events.list with sync
tokens), `GraphCalendar` (over `connectors.graph.GraphClient`: getSchedule, events with
`isOnlineMeeting` and `transactionId` — looked up first with `find_event` —, calendarView
delta with 410 -> full resync) and `DemoCalendar` (the demo org's calendars: provider "demo"
rows of `calendar_events`; users of the org see each other, as in one Google Workspace, and a
prospect's calendar is the demo meetings they attend).

`provider_for(db, settings, user_id)` picks the rep's provider: an active Google connection,
else Microsoft, else the demo calendar; `provider_named(..., name)` is the one named (the
sync asks for it), `google_client(...)` the raw Calendar client (push channels). Google lives at `GOOGLE_API_BASE` (settings) or
`GOOGLE_ENDPOINTS`, Graph at `GRAPH_API_BASE`. Nothing here logs titles or addresses.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from connectors.google_api import GoogleEndpoints
from connectors.google_calendar import Attendee, GoogleCalendarClient, SyncTokenExpired
from storage.engine import Database
from storage.models import CalendarEvent, User

log = logging.getLogger(__name__)

GOOGLE_ENDPOINTS = GoogleEndpoints()
CALENDAR_SCOPES = (
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
)


@dataclass(frozen=True)
class BusyBlock:
    start: datetime
    end: datetime
    tentative: bool = False
    all_day: bool = False


@dataclass(frozen=True)
class NewEvent:
    summary: str
    description: str
    start: datetime
    end: datetime
    tz: str
    attendees: tuple[Attendee, ...]
    transaction_id: str  # stable per booking: retries create the event once
    with_video: bool = True


@dataclass(frozen=True)
class CreatedInvite:
    id: str
    provider: str
    link: str = ""
    video_link: str | None = None


@dataclass(frozen=True)
class EventChange:
    """One event as the sync stores it (`cancelled` rows are deleted)."""

    external_id: str
    start: datetime
    end: datetime
    title: str = ""
    all_day: bool = False
    status: str = "confirmed"  # confirmed | tentative | cancelled
    show_as: str = "busy"  # busy | tentative | free | oof
    attendees: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class SyncBatch:
    changes: list[EventChange]
    next_token: str | None
    full: bool  # replace everything stored for this calendar


class CalendarProvider(Protocol):
    name: str

    async def busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]: ...

    async def create_event(self, event: NewEvent) -> CreatedInvite: ...

    async def incremental_sync(self, token: str | None) -> SyncBatch: ...


def event_id_for(transaction_id: str) -> str:
    """A Google event id (base32hex: 0-9 a-v, 5..1024 chars) stable for a transaction id."""
    return "sx" + hashlib.sha256(transaction_id.encode()).hexdigest()[:30]


# ----------------------------------------------------------------------------- Google


def _google_time(value: dict[str, Any] | None, tz: str | None) -> tuple[datetime, bool] | None:
    if not value:
        return None
    if value.get("dateTime"):
        parsed = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(value.get("timeZone") or tz or "UTC"))
        return parsed.astimezone(UTC), False
    if value.get("date"):
        day = date.fromisoformat(str(value["date"]))
        zone = ZoneInfo(value.get("timeZone") or tz or "UTC")
        return datetime.combine(day, time(0), zone).astimezone(UTC), True
    return None


def change_from_google(item: dict[str, Any], tz: str | None = None) -> EventChange | None:
    """A Google event resource as an `EventChange` (cancelled ones carry no times)."""
    ext = str(item.get("id") or "")
    if not ext:
        return None
    status = str(item.get("status") or "confirmed")
    if status == "cancelled":
        epoch = datetime.fromtimestamp(0, UTC)
        return EventChange(ext, epoch, epoch, status="cancelled")
    start = _google_time(item.get("start"), tz)
    end = _google_time(item.get("end"), tz)
    if start is None or end is None:
        return None
    attendees = [
        {"email": a.get("email"), "name": a.get("displayName") or "",
         "response": a.get("responseStatus") or ""}
        for a in item.get("attendees") or [] if a.get("email")
    ]  # fmt: skip
    me = next((a for a in item.get("attendees") or [] if a.get("self")), None)
    show_as = "busy"
    if item.get("transparency") == "transparent":
        show_as = "free"
    elif item.get("eventType") == "outOfOffice":
        show_as = "oof"
    elif status == "tentative" or (me is not None and me.get("responseStatus") == "tentative"):
        show_as = "tentative"
    if me is not None and me.get("responseStatus") == "declined":
        show_as = "free"
    return EventChange(ext, start[0], end[0], title=str(item.get("summary") or ""),
                       all_day=start[1], status=status, show_as=show_as,
                       attendees=attendees)  # fmt: skip


class GoogleCalendar:
    name = "google"

    def __init__(self, client: GoogleCalendarClient, *, tz: str | None = None) -> None:
        self.client = client
        self.tz = tz

    async def busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]:
        fb = await self.client.freebusy(list(emails), start, end)
        return {
            email: [BusyBlock(s, e) for s, e in fb.busy.get(email, [])]
            for email in emails
            if fb.visible(email)
        }

    async def create_event(self, event: NewEvent) -> CreatedInvite:
        created = await self.client.insert_event(
            summary=event.summary, description=event.description, start=event.start,
            end=event.end, tz=event.tz, attendees=list(event.attendees),
            request_id=event_id_for(event.transaction_id), with_meet=event.with_video,
            event_id=event_id_for(event.transaction_id),
        )  # fmt: skip
        return CreatedInvite(created.id, self.name, created.html_link, created.hangout_link)

    async def incremental_sync(self, token: str | None) -> SyncBatch:
        full = token is None
        try:
            items, next_token = await self.client.list_events_incremental(token)
        except SyncTokenExpired:
            log.info("calendar sync token expired; full resync", extra={"provider": self.name})
            items, next_token = await self.client.list_events_incremental(None)
            full = True
        changes = [c for c in (change_from_google(i, self.tz) for i in items) if c is not None]
        return SyncBatch(changes, next_token, full)


# ----------------------------------------------------------------------------- Microsoft Graph

GRAPH_SHOW_AS = {"busy": "busy", "tentative": "tentative", "oof": "oof", "free": "free",
                 "workingelsewhere": "busy", "unknown": "busy"}  # fmt: skip
GRAPH_SYNC_PAST = timedelta(days=7)
GRAPH_SYNC_AHEAD = timedelta(days=60)


def change_from_graph(item: dict[str, Any]) -> EventChange | None:
    """A Graph event (or `@removed` entry from delta) as an `EventChange`."""
    from connectors.graph import parse_time

    ext = str(item.get("id") or "")
    if not ext:
        return None
    if "@removed" in item or item.get("isCancelled"):
        epoch = datetime.fromtimestamp(0, UTC)
        return EventChange(ext, epoch, epoch, status="cancelled")
    start, end = item.get("start") or {}, item.get("end") or {}
    if not start.get("dateTime") or not end.get("dateTime"):
        return None
    show_as = GRAPH_SHOW_AS.get(str(item.get("showAs") or "busy").lower(), "busy")
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
    """Microsoft 365 over `connectors.graph.GraphClient`: getSchedule, events with a Teams link
    (`isOnlineMeeting`, `transactionId`), and calendarView delta."""

    name = "microsoft"

    def __init__(self, client: Any, *, clock: Any = None) -> None:
        self.client = client
        self.clock = clock or (lambda: datetime.now(UTC))

    async def busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]:
        try:
            schedules = await self.client.get_schedule(list(emails), start, end)
        finally:
            await self.client.aclose()
        by_lower = {k.lower(): v for k, v in schedules.items()}
        out: dict[str, list[BusyBlock]] = {}
        for email in emails:
            sched = by_lower.get(email.lower())
            if sched is None or not sched.visible:
                continue
            out[email] = [BusyBlock(b.start, b.end, tentative=b.status == "tentative")
                          for b in sched.busy if b.status != "free"]  # fmt: skip
        return out

    async def create_event(self, event: NewEvent) -> CreatedInvite:
        from connectors.graph import Attendee as GraphAttendee

        tx = event_id_for(event.transaction_id)
        try:
            made = await self.client.find_event(tx)
            if made is None:
                made = await self.client.create_event(
                    subject=event.summary, body=event.description, start=event.start,
                    end=event.end, tz=event.tz, online_meeting=event.with_video,
                    attendees=[GraphAttendee(a.email, a.name) for a in event.attendees],
                    transaction_id=tx, html=False,
                )  # fmt: skip
        finally:
            await self.client.aclose()
        return CreatedInvite(made.id, self.name, made.web_link, made.join_url)

    async def incremental_sync(self, token: str | None) -> SyncBatch:
        from connectors.graph import DeltaExpired

        now = self.clock()
        full = token is None
        try:
            try:
                items, link = await self.client.events_delta(
                    token, start=now - GRAPH_SYNC_PAST, end=now + GRAPH_SYNC_AHEAD
                )
            except DeltaExpired:
                log.info("calendar delta expired; full resync", extra={"provider": self.name})
                items, link = await self.client.events_delta(
                    None, start=now - GRAPH_SYNC_PAST, end=now + GRAPH_SYNC_AHEAD
                )
                full = True
        finally:
            await self.client.aclose()
        changes = [c for c in (change_from_graph(i) for i in items) if c is not None]
        return SyncBatch(changes, link, full)


async def graph_client(db: Database, settings: Any, user_id: int) -> Any | None:
    """A GraphClient for the rep's active Microsoft connection with a calendar scope."""
    from connectors import graph
    from storage import connections as repo
    from storage.connections import ACTIVE

    async with db.session() as s:
        conn = await repo.load_connection(s, cipher=_cipher(settings), user_id=user_id,
                                          provider="microsoft")  # fmt: skip
    if conn is None or conn.status != ACTIVE or not conn.tokens.get("access_token"):
        return None
    if not any(x.lower().startswith("calendars.") for x in conn.scopes):
        return None
    factory = getattr(graph, "client_for_connection", None)
    if factory is not None:
        return await factory(db, settings, conn.id)
    base = getattr(settings, "graph_api_base", None) or graph.GRAPH_BASE
    return graph.GraphClient(str(conn.tokens["access_token"]), base_url=base)


# ----------------------------------------------------------------------------- demo


class DemoCalendar:
    """The demo org's calendars in `calendar_events` (provider "demo")."""

    name = "demo"

    def __init__(self, db: Database, org_id: int, user_id: int) -> None:
        self.db = db
        self.org_id = org_id
        self.user_id = user_id

    async def busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]:
        """Org users' calendars, and a prospect's as far as the demo knows it: the meetings
        they attend with anyone in the org (a prospect in no demo meeting is not visible)."""
        wanted = {e.strip().lower(): e for e in emails}
        async with self.db.session() as s:
            users = (
                await s.exec(
                    select(User).where(
                        User.org_id == self.org_id, func.lower(User.email).in_(list(wanted))
                    )
                )
            ).all()
            by_id = {u.id: wanted[u.email.lower()] for u in users}
            rows = (
                await s.exec(
                    select(CalendarEvent).where(
                        CalendarEvent.org_id == self.org_id,
                        CalendarEvent.provider == self.name,
                    )
                )
            ).all()
        out: dict[str, list[BusyBlock]] = {email: [] for email in by_id.values()}
        others = {k: v for k, v in wanted.items() if v not in out}
        for row in rows:
            if row.status == "cancelled" or row.show_as == "free":
                continue
            inside = row.start_at < end and row.end_at > start
            tentative = row.status == "tentative" or row.show_as == "tentative"
            block = BusyBlock(row.start_at, row.end_at, tentative=tentative, all_day=row.all_day)
            owner = by_id.get(row.user_id)
            if owner is not None and inside:
                out[owner].append(block)
            for a in row.attendees or []:
                email = others.get(str(a.get("email") or "").lower())
                if email is not None:
                    blocks = out.setdefault(email, [])
                    if inside and block not in blocks:
                        blocks.append(block)
        return out

    async def create_event(self, event: NewEvent) -> CreatedInvite:
        ext = event_id_for(event.transaction_id)
        async with self.db.transaction() as s:
            found = (
                await s.exec(
                    select(CalendarEvent).where(
                        CalendarEvent.user_id == self.user_id,
                        CalendarEvent.provider == self.name,
                        CalendarEvent.external_id == ext,
                    )
                )
            ).first()
            if found is None:
                s.add(
                    CalendarEvent(
                        org_id=self.org_id, user_id=self.user_id, provider=self.name,
                        external_id=ext, title=event.summary, start_at=event.start,
                        end_at=event.end, is_external=True,
                        attendees=[{"email": a.email, "name": a.name} for a in event.attendees],
                    )
                )  # fmt: skip
        return CreatedInvite(ext, self.name)

    async def incremental_sync(self, token: str | None) -> SyncBatch:
        return SyncBatch([], token or "demo", full=False)  # the rows are the calendar itself


# ----------------------------------------------------------------------------- choice


def _cipher(settings: Any) -> Any:
    return _cipher_for(settings.encryption_key, str(settings.data_dir))


@functools.lru_cache(maxsize=8)
def _cipher_for(encryption_key: str | None, data_dir: str) -> Any:
    from pathlib import Path

    from storage.crypto import TokenCipher, load_key

    return TokenCipher(load_key(encryption_key, Path(data_dir)))


def google_endpoints(settings: Any) -> GoogleEndpoints:
    base = getattr(settings, "google_api_base", None)
    return GoogleEndpoints.at(base) if base else GOOGLE_ENDPOINTS


async def google_client(db: Database, settings: Any, user_id: int) -> GoogleCalendarClient | None:
    """A Calendar client for the rep's active Google connection with a calendar scope."""
    from connectors.google_oauth import GoogleOAuth
    from storage import connections as repo
    from storage.connections import ACTIVE

    if not settings.google_client_id or not settings.google_client_secret:
        return None
    cipher = _cipher(settings)
    async with db.session() as s:
        conn = await repo.load_connection(s, cipher=cipher, user_id=user_id, provider="google")
    if conn is None or conn.status != ACTIVE or not any(conn.has_scope(x) for x in CALENDAR_SCOPES):
        return None
    endpoints = google_endpoints(settings)
    oauth = GoogleOAuth(settings.google_client_id, settings.google_client_secret, "",
                        endpoints=endpoints)  # fmt: skip
    creds = oauth.credentials_from_blob(conn.tokens, conn.scopes)

    async def on_refresh(fresh: Any) -> None:
        from connectors.google_oauth import expires_at_of

        async with db.transaction() as s:
            await repo.update_tokens(s, cipher=cipher, connection_id=conn.id,
                                     access_token=fresh.token, expires_at=expires_at_of(fresh))  # fmt: skip

    return GoogleCalendarClient(creds, endpoint=endpoints.calendar_api,
                                on_refresh=on_refresh)  # fmt: skip


async def provider_for(db: Database, settings: Any, user_id: int) -> CalendarProvider:
    """The rep's calendar: Google, else Microsoft 365 when connected with a calendar scope,
    else the demo one."""
    from storage.models import Connection

    async with db.session() as s:
        user = await s.get(User, user_id)
        connected = set(
            (
                await s.exec(
                    select(Connection.provider).where(
                        Connection.user_id == user_id, Connection.status == "active"
                    )
                )
            ).all()
        )
    if user is None:
        raise LookupError(f"user {user_id} not found")
    client = await google_client(db, settings, user_id) if "google" in connected else None
    if client is not None:
        return GoogleCalendar(client, tz=user.timezone)
    graph = await graph_client(db, settings, user_id) if "microsoft" in connected else None
    if graph is not None:
        return GraphCalendar(graph)
    assert user.id is not None
    return DemoCalendar(db, user.org_id, user.id)


async def provider_named(
    db: Database, settings: Any, user_id: int, name: str, *, clock: Any = None
) -> CalendarProvider | None:
    """The rep's connected calendar by provider name (google | microsoft), if connected;
    `clock` is the "now" Graph's sync window is centred on (default: the wall clock)."""
    if name == "google":
        async with db.session() as s:
            user = await s.get(User, user_id)
        client = await google_client(db, settings, user_id)
        if client is None or user is None:
            return None
        return GoogleCalendar(client, tz=user.timezone)
    if name == "microsoft":
        graph = await graph_client(db, settings, user_id)
        return GraphCalendar(graph, clock=clock) if graph is not None else None
    return None


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The free/busy window for a search over `days` business days (weekends included)."""
    return now - timedelta(hours=1), now + timedelta(days=days * 7 // 5 + 4)
