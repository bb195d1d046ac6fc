"""Microsoft Graph (v1.0) for one connected rep: send mail and replies as them and find a sent
message again, read messages, free/busy (getSchedule), Teams invites, incremental calendar
(and inbox) sync with delta links, and change-notification subscriptions.

aiohttp against `https://graph.microsoft.com/v1.0` (base URL overridable: the loopback fake).
Facts used (EXTERNAL_APIS.md section 5 and the Graph docs it cites):

- `POST /me/sendMail` and `POST /me/messages/{id}/reply` answer 202 with no body and no id.
  Graph does not let a client choose the `internetMessageId` (Exchange assigns it) and
  `internetMessageHeaders` (only `x-` names) cannot be filtered on. So every send carries a
  **send marker**: a string `singleValueExtendedProperty` (`String {GUID} Name SixtySendId`,
  `MARKER_PROPERTY_ID`) with a value chosen before sending (the EmailSend's Message-ID or
  uuid), and `find_sent(marker)` looks it up with the documented extended-property filter
  `singleValueExtendedProperties/Any(ep: ep/id eq '<id>' and ep/value eq '<marker>')` over
  the whole mailbox (Sent Items and, while queued, the Outbox); drafts are ignored. Exactly
  once for the send flow: record the intent with the marker, call `send_mail`, and on recovery
  call `find_sent(marker)` before sending again. Sending is asynchronous at Exchange: a 202
  whose copy is not yet visible is possible for a few seconds, so a `sending` row younger than
  `SENT_VISIBILITY_GRACE` should be re-checked later rather than re-sent. The marker is a
  MAPI named property of the mailbox copy (it does not travel to recipients); the same value is
  also sent as the `x-sixty-send-id` internet header for support diagnostics. This keeps the
  scopes at Mail.Send + Mail.Read (a draft-then-send design would need Mail.ReadWrite).
  This is the approach the Graph docs owner recommends for finding a sendMail message in Sent
  Items (github.com/microsoftgraph/microsoft-graph-docs/issues/3766); extended properties do
  not reach recipients (…/microsoft-graph-docs/issues/12962).
- `POST /me/calendar/getSchedule` (work/school accounts) with times in UTC and
  `Prefer: outlook.timezone="UTC"`: scheduleItems give busy / tentative / oof /
  workingElsewhere intervals; workingHours come with a Windows time-zone name, mapped to IANA.
- `POST /me/events` with `isOnlineMeeting` + `onlineMeetingProvider: teamsForBusiness` makes
  a Teams link; `transactionId` is Graph's documented guard against duplicate creates on client
  retries, and the same value is stored as an extended property so `find_event` can find the
  event after a crash without trusting the dedup behaviour.
- `GET /me/calendarView/delta?startDateTime&endDateTime` then `@odata.nextLink` pages and an
  `@odata.deltaLink` at the end; an expired delta token answers 410 / `syncStateNotFound`
  (-> `DeltaExpired`: start a new full sync).
- Subscriptions: `POST /subscriptions`, `PATCH /subscriptions/{id}` to renew, `DELETE` (204);
  max lifetime for Outlook messages/events 10,080 minutes (`MAX_SUBSCRIPTION_MINUTES`).
- Throttling: 429 with `Retry-After` seconds (retried here when short, else
  `GraphRateLimited(retry_after)` for the orchestrator to schedule the retry).

Errors are typed like the Google ones: `GraphAuthError` (401 after one refresh: reconnect),
`GraphInsufficientScope` (403 ErrorAccessDenied: ask for the permission), `GraphRateLimited`,
`GraphUnavailable` (5xx, network), `GraphNotFound`, `GraphConflict`, `GraphBadRequest`.
A 401 calls `refresh()` once (a callback that returns a new access token and stores it).
Nothing here logs bodies, subjects or addresses.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from yarl import URL

log = logging.getLogger(__name__)

GRAPH_BASE = "https://graph.microsoft.com/v1.0"
MARKER_GUID = "{7f0b6a3e-51c2-4d8e-9a7b-5e1c2f6d8a90}"  # our own property set id
MARKER_PROPERTY_ID = f"String {MARKER_GUID} Name SixtySendId"
EVENT_MARKER_PROPERTY_ID = f"String {MARKER_GUID} Name SixtyEventTxn"
MARKER_HEADER = "x-sixty-send-id"
MAX_SUBSCRIPTION_MINUTES = 10_080
SENT_VISIBILITY_GRACE = timedelta(minutes=2)
SCOPE_CODES = frozenset({"ErrorAccessDenied", "AccessDenied", "Authorization_RequestDenied",
                         "ErrorInsufficientPermissionsInAccessToken"})  # fmt: skip
DELTA_EXPIRED_CODES = frozenset({"syncStateNotFound", "syncStateInvalid", "resyncRequired",
                                 "ErrorSyncStateNotFound", "ErrorInvalidSyncStateData"})  # fmt: skip


class GraphError(Exception):
    """A Graph call failed; `status` is the HTTP status (0 when it never answered)."""

    def __init__(self, message: str, *, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class GraphAuthError(GraphError):
    """401 after a refresh (or no way to refresh): the rep must reconnect."""


class GraphInsufficientScope(GraphError):
    """403 ErrorAccessDenied: the grant lacks the permission (e.g. Mail.Send)."""


class GraphForbidden(GraphError):
    """Another 403 (mailbox policy, send-as denied...)."""


class GraphRateLimited(GraphError):
    def __init__(self, message: str, *, status: int, code: str, retry_after: float | None):
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class GraphUnavailable(GraphError):
    """5xx or no answer: retry later with backoff."""


class GraphNotFound(GraphError):
    pass


class GraphConflict(GraphError):
    pass


class GraphBadRequest(GraphError):
    pass


class DeltaExpired(GraphError):
    """The delta link is no longer valid (410 / syncStateNotFound): do a full sync."""


RefreshToken = Callable[[], Awaitable[str]]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def map_error(status: int, body: Any, retry_after: str | None = None) -> GraphError:
    err = body.get("error") if isinstance(body, dict) else None
    code = str(err.get("code") or "") if isinstance(err, dict) else ""
    message = f"Graph answered {status} {code}".strip()
    if status == 401:
        return GraphAuthError(message, status=status, code=code)
    if status == 429:
        return GraphRateLimited(message, status=status, code=code,
                                retry_after=_retry_after(retry_after))  # fmt: skip
    if status == 410 or code in DELTA_EXPIRED_CODES:
        return DeltaExpired(message, status=status, code=code)
    if status == 403:
        kind = GraphInsufficientScope if code in SCOPE_CODES else GraphForbidden
        return kind(message, status=status, code=code)
    if status >= 500:
        return GraphUnavailable(message, status=status, code=code)
    kinds: dict[int, type[GraphError]] = {404: GraphNotFound, 409: GraphConflict}
    return kinds.get(status, GraphBadRequest)(message, status=status, code=code)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""

    def as_graph(self) -> dict[str, Any]:
        addr: dict[str, str] = {"address": self.address}
        if self.name:
            addr["name"] = self.name
        return {"emailAddress": addr}


def _recipients(items: Sequence[Recipient | str]) -> list[dict[str, Any]]:
    return [(r if isinstance(r, Recipient) else Recipient(r)).as_graph() for r in items]


@dataclass(frozen=True)
class OutgoingMail:
    """What `send_mail` sends; `marker` makes it findable again (`find_sent`)."""

    subject: str
    body: str
    to: Sequence[Recipient | str]
    cc: Sequence[Recipient | str] = ()
    bcc: Sequence[Recipient | str] = ()
    html: bool = True
    marker: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # x- names only
    attachments: Sequence[dict[str, Any]] = ()  # `file_attachment(...)` items

    def as_graph(self) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "subject": self.subject,
            "body": {"contentType": "HTML" if self.html else "Text", "content": self.body},
            "toRecipients": _recipients(self.to),
        }
        if self.cc:
            msg["ccRecipients"] = _recipients(self.cc)
        if self.bcc:
            msg["bccRecipients"] = _recipients(self.bcc)
        if self.attachments:
            msg["attachments"] = list(self.attachments)
        msg.update(marker_fields(self.marker, self.headers))
        return msg


def file_attachment(
    name: str, data: bytes, content_type: str = "application/pdf"
) -> dict[str, Any]:
    """A `#microsoft.graph.fileAttachment` sent inline with the message (under 3 MB in all)."""
    return {"@odata.type": "#microsoft.graph.fileAttachment", "name": name,
            "contentType": content_type, "contentBytes": base64.b64encode(data).decode("ascii")}  # fmt: skip


def marker_fields(marker: str | None, headers: Mapping[str, str] = {}) -> dict[str, Any]:
    """The message properties that carry a send marker (and extra x- headers)."""
    out: dict[str, Any] = {}
    hdrs = dict(headers)
    for name in hdrs:
        if not name.lower().startswith("x-"):
            raise ValueError("Graph only accepts x- internet message headers")
    if marker:
        out["singleValueExtendedProperties"] = [{"id": MARKER_PROPERTY_ID, "value": marker}]
        hdrs.setdefault(MARKER_HEADER, marker)
    if hdrs:
        out["internetMessageHeaders"] = [{"name": k, "value": v} for k, v in hdrs.items()]
    return out


@dataclass(frozen=True)
class GraphMessage:
    id: str
    internet_message_id: str | None
    conversation_id: str | None
    subject: str
    from_address: str | None
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    body: str
    body_is_html: bool
    received_at: datetime | None
    sent_at: datetime | None
    is_draft: bool
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class BusyInterval:
    start: datetime
    end: datetime
    status: str  # busy | tentative | oof | workingElsewhere | free | unknown


@dataclass(frozen=True)
class WorkingHours:
    days: tuple[str, ...]  # "monday", ...
    start: str  # "08:00:00"
    end: str
    time_zone: str  # IANA when known, else what Graph said


@dataclass(frozen=True)
class Schedule:
    email: str
    busy: tuple[BusyInterval, ...]
    working_hours: WorkingHours | None
    availability_view: str
    error: str | None = None

    @property
    def visible(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class GraphEvent:
    id: str
    web_link: str
    join_url: str | None
    transaction_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Subscription:
    id: str
    resource: str
    expires_at: datetime
    client_state: str | None = None


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    optional: bool = False


def parse_time(value: str, tz: str | None = "UTC") -> datetime:
    """Graph dateTime strings ('2025-03-15T12:00:00.0000000', maybe 'Z') as aware datetimes."""
    text = value.strip().replace("Z", "+00:00")
    if "." in text:  # up to 7 fractional digits; Python takes 6
        head, _, frac = text.partition(".")
        digits = "".join(ch for ch in frac if ch.isdigit())
        rest = frac[len(digits) :]
        text = f"{head}.{digits[:6]}{rest}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(tz))
    return parsed.astimezone(UTC)


def _zone(name: str | None) -> Any:
    from zoneinfo import ZoneInfo

    iana = windows_to_iana(name or "UTC")
    try:
        return ZoneInfo(iana)
    except Exception:  # unknown name: Graph gave UTC because we asked for it
        return UTC


def windows_to_iana(name: str) -> str:
    """'Pacific Standard Time' -> 'America/Los_Angeles' (IANA names pass through)."""
    if name in ("UTC", "Coordinated Universal Time", "tzone://Microsoft/Utc"):
        return "UTC"
    try:
        from tzlocal.windows_tz import win_tz
    except ImportError:  # pragma: no cover - tzlocal comes with APScheduler
        return name
    return str(win_tz.get(name, name))


def _maybe_time(value: Any) -> datetime | None:
    return parse_time(str(value)) if value else None


def _graph_time(when: datetime) -> dict[str, str]:
    if when.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return {"dateTime": when.astimezone(UTC).replace(tzinfo=None).isoformat(), "timeZone": "UTC"}


def _address(item: Any) -> str | None:
    addr = (item or {}).get("emailAddress") or {}
    return addr.get("address")


def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _odata_quote(value: str) -> str:
    return value.replace("'", "''")


# --------------------------------------------------------------------------- client


class GraphClient:
    """One rep's Graph. Use `async with GraphClient(...)` or call `aclose()`; pass `session`
    to share a connection pool (then it is not closed here)."""

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = GRAPH_BASE,
        refresh: RefreshToken | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout_s: float = 20.0,
        max_retry_wait_s: float = 5.0,
        max_attempts: int = 3,
    ) -> None:
        self.access_token = access_token
        self.base_url = base_url.rstrip("/")
        self._refresh = refresh
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_retry_wait_s = max_retry_wait_s
        self._max_attempts = max(1, max_attempts)
        self._refresh_lock = asyncio.Lock()

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        raw: bool = False,
    ) -> Any:
        """One Graph call: refresh once on 401, wait out short 429s, retry 5xx only when the
        call is idempotent (a POST that may have been applied is never repeated blindly)."""
        safe = method in ("GET", "PUT", "DELETE", "PATCH") if idempotent is None else idempotent
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            hdrs = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json",
                    **(headers or {})}  # fmt: skip
            try:
                async with self._http().request(
                    method, _with_query(self._url(path), params), json=json_body, headers=hdrs,
                    timeout=self._timeout,
                ) as resp:  # fmt: skip
                    status = resp.status
                    data = await resp.read()
                    retry_after = resp.headers.get("Retry-After")
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                if safe and attempt < self._max_attempts:
                    await asyncio.sleep(min(0.2 * attempt, 1.0))
                    continue
                log.info("graph unreachable", extra={"call": what, "error": type(exc).__name__})
                raise GraphUnavailable(f"Graph unreachable ({type(exc).__name__})") from None
            if status < 400:
                if raw:
                    return data
                if not data:
                    return None
                try:
                    import json

                    return json.loads(data)
                except ValueError:
                    raise GraphUnavailable("Graph answered non-JSON", status=status) from None
            body = _json_or_none(data)
            err = map_error(status, body, retry_after)
            if isinstance(err, GraphAuthError) and not refreshed and self._refresh is not None:
                refreshed = True
                await self._refresh_token()
                continue
            if attempt < self._max_attempts:
                if isinstance(err, GraphRateLimited):
                    wait = err.retry_after if err.retry_after is not None else 1.0
                    if wait <= self._max_retry_wait_s:
                        log.info("graph throttled; waiting", extra={"call": what, "wait_s": wait})
                        await asyncio.sleep(wait)
                        continue
                elif isinstance(err, GraphUnavailable) and safe:
                    await asyncio.sleep(min(0.2 * attempt, 1.0))
                    continue
            log.info("graph call failed", extra={"call": what, "status": status, "code": err.code})
            raise err

    async def _refresh_token(self) -> None:
        assert self._refresh is not None
        before = self.access_token
        async with self._refresh_lock:
            if self.access_token != before:  # a concurrent call already refreshed
                return
            self.access_token = await self._refresh()

    # ------------------------------------------------------------------ account

    async def me(self) -> dict[str, Any]:
        """`id`, `mail`, `userPrincipalName`, `displayName` (User.Read)."""
        out = await self.request("GET", "/me", what="me",
                                 params={"$select": "id,mail,userPrincipalName,displayName"})  # fmt: skip
        return dict(out or {})

    # ------------------------------------------------------------------ mail

    async def send_mail(self, message: OutgoingMail | dict[str, Any], *,
                        save_to_sent: bool = True) -> None:  # fmt: skip
        """POST /me/sendMail (202, no id). Give the mail a `marker` to find it again."""
        msg = message.as_graph() if isinstance(message, OutgoingMail) else message
        await self.request("POST", "/me/sendMail", what="mail.send", idempotent=False,
                           json_body={"message": msg, "saveToSentItems": save_to_sent})  # fmt: skip
        log.info("graph mail sent", extra={"marked": bool(_marker_of(msg))})

    async def reply(
        self,
        message_id: str,
        *,
        comment: str | None = None,
        message: dict[str, Any] | None = None,
        marker: str | None = None,
    ) -> None:
        """POST /me/messages/{id}/reply (202; Graph threads it and saves it in Sent Items).
        Either `comment` or a `message` with a body, not both (Graph answers 400)."""
        if (comment is None) == (message is None or "body" not in message):
            raise ValueError("give either comment or message with a body")
        msg = {**(message or {}), **marker_fields(marker)}
        body: dict[str, Any] = {}
        if comment is not None:
            body["comment"] = comment
        if msg:
            body["message"] = msg
        await self.request("POST", f"/me/messages/{quote(message_id, safe='')}/reply",
                           what="mail.reply", idempotent=False, json_body=body)  # fmt: skip
        log.info("graph reply sent", extra={"marked": bool(marker)})

    async def find_sent(self, marker: str) -> str | None:
        """The id of a sent (not draft) message carrying this send marker, if any."""
        flt = (f"singleValueExtendedProperties/Any(ep: ep/id eq '{MARKER_PROPERTY_ID}' "
               f"and ep/value eq '{_odata_quote(marker)}')")  # fmt: skip
        out = await self.request("GET", "/me/messages", what="mail.find_sent",
                                 params={"$filter": flt, "$select": "id,isDraft", "$top": "5"})  # fmt: skip
        for item in (out or {}).get("value") or []:
            if not item.get("isDraft"):
                return str(item["id"])
        return None

    async def get_message(self, message_id: str) -> GraphMessage:
        select = ("id,internetMessageId,conversationId,subject,from,toRecipients,ccRecipients,"
                  "body,receivedDateTime,sentDateTime,isDraft")  # fmt: skip
        out = await self.request("GET", f"/me/messages/{quote(message_id, safe='')}",
                                 what="mail.get", params={"$select": select})  # fmt: skip
        body = out.get("body") or {}
        sender = (out.get("from") or {}).get("emailAddress") or {}
        return GraphMessage(
            id=str(out["id"]),
            internet_message_id=out.get("internetMessageId"),
            conversation_id=out.get("conversationId"),
            subject=str(out.get("subject") or ""),
            from_address=sender.get("address"),
            from_name=str(sender.get("name") or ""),
            to=tuple(a for a in map(_address, out.get("toRecipients") or []) if a),
            cc=tuple(a for a in map(_address, out.get("ccRecipients") or []) if a),
            body=str(body.get("content") or ""),
            body_is_html=str(body.get("contentType") or "").lower() == "html",
            received_at=_maybe_time(out.get("receivedDateTime")),
            sent_at=_maybe_time(out.get("sentDateTime")),
            is_draft=bool(out.get("isDraft")),
            raw=out,
        )

    async def get_message_mime(self, message_id: str) -> bytes:
        """The RFC 5322 source (GET /me/messages/{id}/$value), for the email parser."""
        return bytes(await self.request("GET", f"/me/messages/{quote(message_id, safe='')}/$value",
                                        what="mail.get_mime", raw=True))  # fmt: skip

    async def messages_delta(self, delta_link: str | None, *, folder: str = "inbox",
                             max_pages: int = 50) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
        """Inbox changes since `delta_link` (all messages when None) and the next delta link
        (the polling fallback). `DeltaExpired` when the link is too old."""
        first = delta_link or f"/me/mailFolders/{folder}/messages/delta"
        params = None if delta_link else {"$select": "id,conversationId,receivedDateTime,isDraft"}
        return await self._delta(first, params, what="mail.delta", max_pages=max_pages)

    # ------------------------------------------------------------------ calendar

    async def get_schedule(
        self,
        emails: Sequence[str],
        start: datetime,
        end: datetime,
        *,
        interval: int = 30,
    ) -> dict[str, Schedule]:
        """Busy intervals (UTC) per address; a schedule Graph cannot see has `error` set."""
        if not 5 <= interval <= 1440:
            raise ValueError("availabilityViewInterval is 5..1440 minutes")
        body = {"schedules": list(dict.fromkeys(emails)), "startTime": _graph_time(start),
                "endTime": _graph_time(end), "availabilityViewInterval": interval}  # fmt: skip
        out = await self.request("POST", "/me/calendar/getSchedule", what="calendar.getSchedule",
                                 json_body=body, idempotent=True,
                                 headers={"Prefer": 'outlook.timezone="UTC"'})  # fmt: skip
        result: dict[str, Schedule] = {}
        for info in (out or {}).get("value") or []:
            email = str(info.get("scheduleId") or "")
            err = info.get("error")
            busy = []
            for item in info.get("scheduleItems") or []:
                status = str(item.get("status") or "busy")
                if status == "free":
                    continue
                s, e = item.get("start") or {}, item.get("end") or {}
                busy.append(BusyInterval(parse_time(s["dateTime"], s.get("timeZone")),
                                         parse_time(e["dateTime"], e.get("timeZone")), status))  # fmt: skip
            wh = info.get("workingHours")
            hours = None
            if isinstance(wh, dict) and wh.get("daysOfWeek"):
                tz_name = str((wh.get("timeZone") or {}).get("name") or "UTC")
                hours = WorkingHours(days=tuple(wh["daysOfWeek"]),
                                     start=str(wh.get("startTime") or "")[:8],
                                     end=str(wh.get("endTime") or "")[:8],
                                     time_zone=windows_to_iana(tz_name))  # fmt: skip
            result[email] = Schedule(
                email=email, busy=tuple(sorted(busy, key=lambda b: (b.start, b.end))),
                working_hours=hours, availability_view=str(info.get("availabilityView") or ""),
                error=(str(err.get("responseCode") or err.get("message") or "error")
                       if isinstance(err, dict) else None),
            )  # fmt: skip
        return result

    async def create_event(
        self,
        *,
        subject: str,
        body: str,
        start: datetime,
        end: datetime,
        tz: str,
        attendees: Sequence[Attendee | str],
        online_meeting: bool = True,
        transaction_id: str | None = None,
        html: bool = True,
    ) -> GraphEvent:
        """Create the event and invite the attendees (Graph sends the invitations), with a
        Teams link when `online_meeting`. `transaction_id` guards against duplicate creates."""
        if end <= start:
            raise ValueError("end must be after start")
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)

        def local(when: datetime) -> dict[str, str]:
            if when.tzinfo is None:
                raise ValueError("times must be timezone-aware")
            return {"dateTime": when.astimezone(zone).replace(tzinfo=None).isoformat(),
                    "timeZone": tz}  # fmt: skip

        people = [a if isinstance(a, Attendee) else Attendee(a) for a in attendees]
        event: dict[str, Any] = {
            "subject": subject,
            "body": {"contentType": "HTML" if html else "Text", "content": body},
            "start": local(start),
            "end": local(end),
            "attendees": [
                {"emailAddress": {"address": a.email, **({"name": a.name} if a.name else {})},
                 "type": "optional" if a.optional else "required"}
                for a in people
            ],
        }  # fmt: skip
        if online_meeting:
            event["isOnlineMeeting"] = True
            event["onlineMeetingProvider"] = "teamsForBusiness"
        if transaction_id:
            event["transactionId"] = transaction_id
            event["singleValueExtendedProperties"] = [
                {"id": EVENT_MARKER_PROPERTY_ID, "value": transaction_id}]  # fmt: skip
        out = await self.request("POST", "/me/events", what="calendar.events.create",
                                 json_body=event, idempotent=bool(transaction_id))  # fmt: skip
        log.info("graph event created", extra={"event_id": out.get("id")})
        return _event(out)

    async def find_event(self, transaction_id: str) -> GraphEvent | None:
        """The event created with this transaction id, if it exists (crash recovery)."""
        flt = (f"singleValueExtendedProperties/Any(ep: ep/id eq '{EVENT_MARKER_PROPERTY_ID}' "
               f"and ep/value eq '{_odata_quote(transaction_id)}')")  # fmt: skip
        out = await self.request("GET", "/me/events", what="calendar.events.find",
                                 params={"$filter": flt, "$top": "2"})  # fmt: skip
        items = (out or {}).get("value") or []
        return _event(items[0]) if items else None

    async def events_delta(
        self,
        delta_link: str | None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        max_pages: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Calendar changes since `delta_link`, or every event in [start, end) when None, and
        the next delta link (None if there were more than `max_pages` pages: keep the old one).
        Deleted events come as `{"id", "@removed": {...}}`. `DeltaExpired` when too old."""
        if delta_link:
            return await self._delta(delta_link, None, what="calendar.delta", max_pages=max_pages)
        if start is None or end is None:
            raise ValueError("a first sync needs start and end")
        params = {"startDateTime": _iso(start), "endDateTime": _iso(end)}
        return await self._delta("/me/calendarView/delta", params, what="calendar.delta",
                                 max_pages=max_pages)  # fmt: skip

    async def _delta(self, first: str, params: Mapping[str, str] | None, *, what: str,
                     max_pages: int) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
        items: list[dict[str, Any]] = []
        url: str | None = first
        for _ in range(max_pages):
            assert url is not None
            out = await self.request("GET", url, what=what, params=params,
                                     headers={"Prefer": 'outlook.timezone="UTC"'})  # fmt: skip
            params = None  # next/delta links carry their own query
            items.extend((out or {}).get("value") or [])
            if (out or {}).get("@odata.deltaLink"):
                return items, str(out["@odata.deltaLink"])
            url = (out or {}).get("@odata.nextLink")
            if not url:
                return items, None
        return items, None

    # ------------------------------------------------------------------ subscriptions

    async def create_subscription(
        self,
        *,
        resource: str,
        notification_url: str,
        client_state: str,
        expiration: datetime,
        lifecycle_url: str | None = None,
        change_type: str = "created",
    ) -> Subscription:
        """Graph validates `notification_url` (and `lifecycle_url`) with a validationToken
        handshake before it answers 201."""
        if len(client_state) > 128:
            raise ValueError("clientState is at most 128 characters")
        body: dict[str, Any] = {"changeType": change_type, "notificationUrl": notification_url,
                                "resource": resource, "expirationDateTime": _iso(expiration),
                                "clientState": client_state}  # fmt: skip
        if lifecycle_url:
            body["lifecycleNotificationUrl"] = lifecycle_url
        out = await self.request("POST", "/subscriptions", what="subscriptions.create",
                                 json_body=body, idempotent=False)  # fmt: skip
        log.info("graph subscription created", extra={"subscription_id": out.get("id")})
        return _subscription(out, client_state)

    async def renew_subscription(self, subscription_id: str, expiration: datetime) -> Subscription:
        out = await self.request("PATCH", f"/subscriptions/{quote(subscription_id, safe='')}",
                                 what="subscriptions.renew",
                                 json_body={"expirationDateTime": _iso(expiration)})  # fmt: skip
        return _subscription(out, None)

    async def delete_subscription(self, subscription_id: str) -> bool:
        """True when deleted, False when Graph no longer knew it."""
        try:
            await self.request("DELETE", f"/subscriptions/{quote(subscription_id, safe='')}",
                               what="subscriptions.delete")  # fmt: skip
        except GraphNotFound:
            return False
        return True


def _with_query(url: str, params: Mapping[str, str] | None) -> URL:
    """The URL with OData query options percent-encoded (spaces as %20, never `+`, which
    a `$filter` would otherwise carry literally)."""
    if not params:
        return URL(url, encoded=True) if "%" in url or "?" in url else URL(url)
    query = urlencode(params, quote_via=quote, safe="$'(),/:@")
    sep = "&" if "?" in url else "?"
    return URL(f"{url}{sep}{query}", encoded=True)


def _json_or_none(data: bytes) -> Any:
    import json

    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def _marker_of(msg: Mapping[str, Any]) -> str | None:
    for prop in msg.get("singleValueExtendedProperties") or []:
        if prop.get("id") == MARKER_PROPERTY_ID:
            return str(prop.get("value"))
    return None


def _event(out: dict[str, Any]) -> GraphEvent:
    meeting = out.get("onlineMeeting") or {}
    return GraphEvent(id=str(out["id"]), web_link=str(out.get("webLink") or ""),
                      join_url=meeting.get("joinUrl") if isinstance(meeting, dict) else None,
                      transaction_id=out.get("transactionId"), raw=out)  # fmt: skip


def _subscription(out: dict[str, Any], client_state: str | None) -> Subscription:
    return Subscription(id=str(out["id"]), resource=str(out.get("resource") or ""),
                        expires_at=parse_time(str(out["expirationDateTime"])),
                        client_state=client_state or out.get("clientState"))  # fmt: skip


# --------------------------------------------------------------------------- hooks


async def client_for_connection(db: Any, settings: Any, connection_id: int) -> GraphClient:
    """A client for a stored Microsoft connection (`connectors.graph_adapters`)."""
    from connectors.graph_adapters import client_for_connection as make

    return await make(db, settings, connection_id)
