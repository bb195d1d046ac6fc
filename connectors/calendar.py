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
tokens) and `DemoCalendar` (the demo org's calendars: provider "demo" rows of
`calendar_events`; other users of the org are visible to each other, as in one Google
Workspace). Microsoft Graph plugs in as a third implementation of the same Protocol
(`getSchedule`, `isOnlineMeeting`, `events/delta`) when `connectors/graph.py` lands.

`provider_for(db, settings, user_id)` picks the rep's provider: an active Google connection,
else the demo calendar. `GOOGLE_ENDPOINTS` is where Google lives (tests point it at the
loopback fake). Nothing here logs titles or addresses.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

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
            out: dict[str, list[BusyBlock]] = {email: [] for email in by_id.values()}
            if not by_id:
                return out
            rows = (
                await s.exec(
                    select(CalendarEvent).where(
                        col(CalendarEvent.user_id).in_(list(by_id)),
                        CalendarEvent.provider == self.name,
                        CalendarEvent.start_at < end,
                        CalendarEvent.end_at > start,
                    )
                )
            ).all()
        for row in rows:
            if row.status == "cancelled" or row.show_as == "free":
                continue
            tentative = row.status == "tentative" or row.show_as == "tentative"
            out[by_id[row.user_id]].append(
                BusyBlock(row.start_at, row.end_at, tentative=tentative, all_day=row.all_day)
            )
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
    from storage.crypto import TokenCipher, load_key

    return TokenCipher(load_key(settings.encryption_key, settings.data_dir))


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
    oauth = GoogleOAuth(settings.google_client_id, settings.google_client_secret, "",
                        endpoints=GOOGLE_ENDPOINTS)  # fmt: skip
    creds = oauth.credentials_from_blob(conn.tokens, conn.scopes)

    async def on_refresh(fresh: Any) -> None:
        from connectors.google_oauth import expires_at_of

        async with db.transaction() as s:
            await repo.update_tokens(s, cipher=cipher, connection_id=conn.id,
                                     access_token=fresh.token, expires_at=expires_at_of(fresh))  # fmt: skip

    return GoogleCalendarClient(creds, endpoint=GOOGLE_ENDPOINTS.calendar_api,
                                on_refresh=on_refresh)  # fmt: skip


async def provider_for(db: Database, settings: Any, user_id: int) -> CalendarProvider:
    """The rep's calendar: Google when connected (with a calendar scope), else the demo one."""
    async with db.session() as s:
        user = await s.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} not found")
    client = await google_client(db, settings, user_id)
    if client is not None:
        return GoogleCalendar(client, tz=user.timezone)
    assert user.id is not None
    return DemoCalendar(db, user.org_id, user.id)


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The free/busy window for a search over `days` business days (weekends included)."""
    return now - timedelta(hours=1), now + timedelta(days=days * 7 // 5 + 4)
