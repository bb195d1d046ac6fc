"""Google Calendar for one connected rep: free/busy, invites with a Meet link, incremental
event sync, and push channels.

google-api-python-client with the shipped calendar v3 discovery document
(`connectors.google_api`); async methods over the sync client in a worker thread. Facts used
(EXTERNAL_APIS.md section 4): freeBusy busy ranges are [start, end) and per-calendar `errors`
(e.g. notFound when the prospect's calendar is not visible) — at most 50 calendars per query;
events.insert with `conferenceDataVersion=1` + `createRequest` makes a Meet link and
`sendUpdates=all` emails the guests; a client-chosen event id makes a retried insert answer 409,
which we resolve by reading the event (exactly once); events.list with a syncToken returns
changes including cancelled events, `nextSyncToken` only on the last page, 410 when the token
expired (-> `SyncTokenExpired`: wipe and full sync); push channels via events.watch, ended with
channels.stop. No titles, descriptions or addresses are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.oauth2.credentials import Credentials

from connectors.google_api import GoogleApi, GoogleConflict, GoogleGone, OnRefresh

log = logging.getLogger(__name__)

MAX_FREEBUSY_ITEMS = 50


class SyncTokenExpired(GoogleGone):
    """410 on events.list: the sync token is no longer valid; do a full sync."""


@dataclass(frozen=True)
class FreeBusy:
    busy: dict[str, list[tuple[datetime, datetime]]]
    errors: dict[str, list[str]] = field(default_factory=dict)  # email -> reasons (notFound...)

    def visible(self, email: str) -> bool:
        return email in self.busy and email not in self.errors


@dataclass(frozen=True)
class CreatedEvent:
    id: str
    html_link: str
    hangout_link: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Channel:
    id: str
    resource_id: str
    expires_at: datetime | None
    token: str | None = None


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    optional: bool = False


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rfc3339(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return when.isoformat()


class GoogleCalendarClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        endpoint: str | None = None,
        on_refresh: OnRefresh | None = None,
        timeout_s: float = 20.0,
        calendar_id: str = "primary",
    ) -> None:
        self._api = GoogleApi("calendar", "v3", credentials, endpoint=endpoint,
                              on_refresh=on_refresh, timeout_s=timeout_s)  # fmt: skip
        self.calendar_id = calendar_id

    async def freebusy(
        self, emails: Sequence[str], time_min: datetime, time_max: datetime
    ) -> FreeBusy:
        busy: dict[str, list[tuple[datetime, datetime]]] = {}
        errors: dict[str, list[str]] = {}
        unique = list(dict.fromkeys(emails))
        for i in range(0, len(unique), MAX_FREEBUSY_ITEMS):
            chunk = unique[i : i + MAX_FREEBUSY_ITEMS]
            body = {"timeMin": _rfc3339(time_min), "timeMax": _rfc3339(time_max),
                    "timeZone": "UTC", "items": [{"id": e} for e in chunk]}  # fmt: skip

            def freebusy(s: Any, b: dict[str, Any] = body) -> Any:
                return s.freebusy().query(body=b)

            out = await self._api.call(freebusy, what="calendar.freebusy")
            for cal_id, info in (out.get("calendars") or {}).items():
                reasons = [str(e.get("reason", "")) for e in info.get("errors") or []]
                if reasons:
                    errors[cal_id] = reasons
                busy[cal_id] = sorted(
                    (_parse_time(b["start"]), _parse_time(b["end"])) for b in info.get("busy") or []
                )
        return FreeBusy(busy=busy, errors=errors)

    async def insert_event(
        self,
        *,
        summary: str,
        description: str,
        start: datetime,
        end: datetime,
        tz: str,
        attendees: Sequence[Attendee],
        request_id: str,
        with_meet: bool = True,
        event_id: str | None = None,
    ) -> CreatedEvent:
        """Create the event and invite the attendees. With `event_id` (base32hex, 5-1024 chars)
        a retry after a crash finds the event already there and returns it."""
        if end <= start:
            raise ValueError("end must be after start")
        body: dict[str, Any] = {
            "summary": summary,
            "description": description,
            "start": {"dateTime": _rfc3339(start), "timeZone": tz},
            "end": {"dateTime": _rfc3339(end), "timeZone": tz},
            "attendees": [
                {"email": a.email, **({"displayName": a.name} if a.name else {}),
                 **({"optional": True} if a.optional else {})}
                for a in attendees
            ],
        }  # fmt: skip
        if event_id:
            body["id"] = event_id
        if with_meet:
            body["conferenceData"] = {"createRequest": {
                "requestId": request_id, "conferenceSolutionKey": {"type": "hangoutsMeet"}}}  # fmt: skip
        try:
            out = await self._api.call(
                lambda s: s.events().insert(calendarId=self.calendar_id, body=body,
                                            conferenceDataVersion=1 if with_meet else 0,
                                            sendUpdates="all"),
                what="calendar.events.insert",
            )  # fmt: skip
        except GoogleConflict:
            if not event_id:
                raise
            out = await self._api.call(
                lambda s: s.events().get(calendarId=self.calendar_id, eventId=event_id),
                what="calendar.events.get",
            )
            log.info("calendar event already existed", extra={"event_id": event_id})
        return CreatedEvent(id=str(out["id"]), html_link=str(out.get("htmlLink") or ""),
                            hangout_link=out.get("hangoutLink"), raw=out)  # fmt: skip

    async def list_events_incremental(
        self, sync_token: str | None, *, max_pages: int = 50, page_size: int = 250
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Changes since `sync_token` (all events when None) and the next sync token.
        Raises SyncTokenExpired on 410."""
        events: list[dict[str, Any]] = []
        page_token: str | None = None
        for _ in range(max_pages):
            kwargs: dict[str, Any] = {"calendarId": self.calendar_id, "maxResults": page_size,
                                      "singleEvents": True}  # fmt: skip
            if sync_token:
                kwargs["syncToken"] = sync_token
            if page_token:
                kwargs["pageToken"] = page_token

            def events_list(s: Any, kw: dict[str, Any] = kwargs) -> Any:
                return s.events().list(**kw)

            try:
                out = await self._api.call(events_list, what="calendar.events.list")
            except GoogleGone as exc:
                raise SyncTokenExpired(str(exc), status=410, reason=exc.reason) from None
            events.extend(out.get("items") or [])
            page_token = out.get("nextPageToken")
            if not page_token:
                return events, out.get("nextSyncToken")
        return events, None  # too many pages: caller keeps its old token and tries again

    async def watch_events(
        self, channel_id: str, address: str, token: str, ttl: timedelta | None = None
    ) -> Channel:
        body: dict[str, Any] = {"id": channel_id, "type": "web_hook", "address": address,
                                "token": token}  # fmt: skip
        if ttl is not None:
            body["params"] = {"ttl": str(int(ttl.total_seconds()))}
        out = await self._api.call(
            lambda s: s.events().watch(calendarId=self.calendar_id, body=body),
            what="calendar.events.watch",
        )
        exp = out.get("expiration")
        expires = datetime.fromtimestamp(int(exp) / 1000, UTC) if exp else None
        return Channel(id=str(out["id"]), resource_id=str(out["resourceId"]), expires_at=expires,
                       token=out.get("token"))  # fmt: skip

    async def stop_channel(self, channel_id: str, resource_id: str) -> None:
        body = {"id": channel_id, "resourceId": resource_id}
        await self._api.call(lambda s: s.channels().stop(body=body), what="calendar.channels.stop")
