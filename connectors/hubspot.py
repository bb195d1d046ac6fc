"""HubSpot CRM client (aiohttp) on the date-versioned `2026-09` paths, for one portal.

Facts used (NEXT_BUILDS.md D1, EXTERNAL_APIS.md 7, HubSpot-public-api-spec-collection):
- Base `https://api.hubapi.com`, `Authorization: Bearer <token>`: a static private-app or
  service key (`StaticToken`) or an OAuth access token (`OAuthToken`) living `expires_in` s
  (30 min) and refreshed with the refresh token at `POST /oauth/2026-03/token`, every parameter
  form-encoded in the body (`grant_type=refresh_token, client_id, client_secret,
  refresh_token`) -> `{access_token, refresh_token, expires_in, token_type}`. A 401 refreshes
  once and retries.
- Objects `GET /crm/objects/2026-09/{type}` (`limit` <= 100, `after` cursor from
  `paging.next.after`, opt-in `properties`), `GET/PATCH …/{id}` (`propertiesWithHistory`),
  `POST …/{type}` create `{properties, associations[{to{id}, types[…]}]}`,
  `POST …/batch/{read|create|update|upsert}` `{inputs[]}` at most 100 each (chunked here),
  answering 200/201 or 207 with per-item `errors`; a batch read asking for
  `propertiesWithHistory` takes at most 50 ("…for property histories is 50").
- Search `POST …/{type}/search` `{filterGroups, sorts, properties, limit <= 200, after}`:
  5 requests/s per account (own bucket), and a query never reads past 10,000 results (HubSpot
  answers 400), so `search_modified` splits the date range on `hs_lastmodifieddate`
  (`lastmodifieddate` for contacts) until every window holds <= 10,000.
- Associations (v4 style): `PUT /crm/objects/2026-09/{from}/{id}/associations/default/{to}/{toId}`,
  labelled `PUT …/associations/{to}/{toId}` with `[{associationCategory, associationTypeId}]`,
  `POST /crm/associations/2026-09/{from}/{to}/batch/associate/default`, read
  `GET /crm/objects/2026-09/{from}/{id}/associations/{to}`.
- Owners `GET /crm/owners/2026-09` (paged); pipelines `GET /crm/pipelines/2026-09/{type}`.
- Webhooks journal (local): `GET /webhooks-journal/journal-local/2026-09/earliest` or
  `…/offset/{offset}/next` `?installPortalId=` -> `{currentOffset, expiresAt, url}`; the entry
  is a JSON file at the pre-signed `url`, fetched **without** Authorization. A 404 means the
  offset expired (3 days) -> `JournalOffsetExpired`. These endpoints are exempt from the daily
  and ten-secondly limits (spec `x-hubspot-rate-limit-exemptions`), so they take no tokens.
- Limits (`hubspot_limits`): a sliding 10-second burst bucket per portal, our share of the
  shared daily limit, search 5/s. A 429 body carries `policyName`: `TEN_SECONDLY_ROLLING` (and
  search's secondly limit) -> wait (`Retry-After` or the window) and retry, bounded; `DAILY`
  -> `HubSpotDailyLimit`, the portal budget is marked spent and nothing is retried.
- 2026-09 enforces admin validation rules on writes: a 400 `category: VALIDATION_ERROR` on a
  write raises `NeedsAPerson` with HubSpot's message and is never retried (batch chunks record
  it as item errors and go on).
Logs carry method, path, status and counts: never property values, addresses or note bodies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp

from connectors.hubspot_limits import DailyBudgetExhausted, PortalLimits
from connectors.hubspot_models import (
    Association,
    AssociationSpec,
    AssociationType,
    BatchError,
    BatchResult,
    CrmObject,
    JournalEntry,
    ObjectInput,
    ObjectUpdate,
    Owner,
    Pipeline,
    TokenGrant,
    WebhookEvent,
    epoch_ms,
    iso_ms,
    parse_time,
)
from connectors.instantly import retry_after_s
from connectors.rate_bucket import Clock, Limiter, Sleep

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.hubapi.com"
VERSION = "2026-09"
TOKEN_PATH = "/oauth/2026-03/token"
USER_AGENT = "Sixty/1.0 (hubspot-connector)"
PAGE_LIMIT = 100
BATCH_LIMIT = 100
HISTORY_BATCH_LIMIT = 50  # batch read with propertiesWithHistory ([3P] HubSpot's 400 message)
SEARCH_PAGE_LIMIT = 200
SEARCH_RESULT_CAP = 10_000
NOTE_BODY_MAX = 65_536
DEFAULT_MAX_PAGES = 200
_READ_POST_SUFFIXES = ("/batch/read", "/search")


class HubSpotError(Exception):
    """A HubSpot call failed. `status` 0 = no answer; `retryable` = trying later can help."""

    retryable = False

    def __init__(self, message: str, *, status: int = 0, category: str = "",
                 correlation_id: str | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.category = category
        self.correlation_id = correlation_id


class HubSpotAuthError(HubSpotError):
    """401/403: the token is wrong, expired beyond refresh, revoked, or lacks a scope."""


class HubSpotRequestError(HubSpotError):
    """A 4xx other than auth and 429; the message is HubSpot's own."""


class NeedsAPerson(HubSpotRequestError):
    """A write HubSpot refused under the portal's validation rules (2026-09): a person must
    fix the record or the rule. Never retried. `message` is HubSpot's."""

    def __init__(self, message: str, *, status: int = 400, errors: Sequence[BatchError] = (),
                 context: Mapping[str, list[str]] | None = None,
                 correlation_id: str | None = None) -> None:  # fmt: skip
        super().__init__(message, status=status, category="VALIDATION_ERROR",
                         correlation_id=correlation_id)  # fmt: skip
        self.errors = list(errors)
        self.context = dict(context or {})


class JournalOffsetExpired(HubSpotRequestError):
    """The journal offset is older than the 3-day retention (404): reconcile, then restart."""


class HubSpotRateLimited(HubSpotError):
    retryable = True

    def __init__(self, message: str, *, policy: str, retry_after: float | None,
                 status: int = 429) -> None:  # fmt: skip
        super().__init__(message, status=status, category="RATE_LIMIT")
        self.policy = policy
        self.retry_after = retry_after


class HubSpotDailyLimit(HubSpotError):
    """The portal's daily allowance (ours, or HubSpot's DAILY 429) is spent: stop, report."""


class HubSpotUnavailable(HubSpotError):
    """5xx, a timeout or a network error."""

    retryable = True


def _message(doc: Any) -> str:
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return str(doc["message"])[:500]
    return ""


def map_error(status: int, doc: Any, headers: Mapping[str, str], *, write: bool) -> HubSpotError:
    message = _message(doc)
    category = (
        str(doc.get("category") or doc.get("errorType") or "") if isinstance(doc, dict) else ""
    )
    corr = (
        str(doc.get("correlationId"))
        if isinstance(doc, dict) and doc.get("correlationId")
        else None
    )
    if status == 429:
        policy = str(doc.get("policyName") or "") if isinstance(doc, dict) else ""
        if policy == "DAILY":
            return HubSpotDailyLimit(f"HubSpot: the portal's daily API limit is reached ({message})"
                                     if message else "HubSpot: the portal's daily API limit is reached",
                                     status=429, category="RATE_LIMIT")  # fmt: skip
        return HubSpotRateLimited(f"HubSpot: rate limited ({policy or 'unknown policy'})",
                                  policy=policy, retry_after=retry_after_s(headers.get("Retry-After")))  # fmt: skip
    if status in (401, 403):
        return HubSpotAuthError(f"HubSpot refused the token{f' ({message})' if message else ''}",
                                status=status, category=category, correlation_id=corr)  # fmt: skip
    if status >= 500:
        return HubSpotUnavailable(f"HubSpot answered {status}", status=status, correlation_id=corr)
    if status == 400 and write and category == "VALIDATION_ERROR":
        errors = [BatchError.from_api(e) for e in (doc.get("errors") or []) if isinstance(e, dict)]
        ctx = doc.get("context") if isinstance(doc.get("context"), dict) else {}
        return NeedsAPerson(message or "HubSpot refused the change under a validation rule",
                            errors=errors, context=ctx, correlation_id=corr)  # fmt: skip
    return HubSpotRequestError(message or f"HubSpot answered {status}", status=status,
                               category=category, correlation_id=corr)  # fmt: skip


# ---------------------------------------------------------------------- tokens


class TokenSource(Protocol):
    async def token(self, client: HubSpotClient) -> str: ...

    async def refresh(self, client: HubSpotClient, stale: str | None = None) -> bool:
        """Get a new access token (unless `stale` was already replaced); False when this
        kind of token cannot be refreshed."""
        ...


class StaticToken:
    """A private-app token or a service key: no expiry, no refresh."""

    def __init__(self, value: str) -> None:
        if not value:
            raise HubSpotAuthError("HubSpot: no access token is configured")
        self._value = value

    def __repr__(self) -> str:
        return "StaticToken(…)"

    async def token(self, client: HubSpotClient) -> str:
        return self._value

    async def refresh(self, client: HubSpotClient, stale: str | None = None) -> bool:
        return False


OnRefresh = Callable[[TokenGrant], Awaitable[None]]


class OAuthToken:
    """An OAuth install: the current grant, refreshed `skew_s` before `expires_at`.
    `on_refresh(grant)` is awaited after every refresh so the caller stores it encrypted
    (`TokenGrant.token_blob()` -> `storage.connections.update_tokens`)."""

    def __init__(self, *, client_id: str, client_secret: str, grant: TokenGrant,
                 on_refresh: OnRefresh | None = None, skew_s: float = 60.0) -> None:  # fmt: skip
        self.client_id = client_id
        self._client_secret = client_secret
        self.grant = grant
        self.on_refresh = on_refresh
        self.skew_s = skew_s
        self.refreshes = 0
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"OAuthToken(client_id={self.client_id!r}, expires_at={self.grant.expires_at})"

    async def token(self, client: HubSpotClient) -> str:
        remaining = (self.grant.expires_at - client.now()).total_seconds()
        if remaining <= self.skew_s:
            await self.refresh(client, stale=self.grant.access_token)
        return self.grant.access_token

    async def refresh(self, client: HubSpotClient, stale: str | None = None) -> bool:
        async with self._lock:
            if stale is not None and self.grant.access_token != stale:
                return True  # another task refreshed while we waited
            if not self.grant.refresh_token:
                raise HubSpotAuthError(
                    "HubSpot: the access token expired and there is no refresh token"
                )
            form = {"grant_type": "refresh_token", "client_id": self.client_id,
                    "client_secret": self._client_secret,
                    "refresh_token": self.grant.refresh_token}  # fmt: skip
            status, doc, _ = await client.raw("POST", client.base_url + TOKEN_PATH, form=form)
            if (
                status >= 400
                or not isinstance(doc, dict)
                or not (doc.get("access_token") or doc.get("accessToken"))
            ):
                if status >= 500:
                    raise HubSpotUnavailable(
                        f"HubSpot token endpoint answered {status}", status=status
                    )
                raise HubSpotAuthError("HubSpot: the refresh token was refused; reconnect HubSpot",
                                       status=status or 400)  # fmt: skip
            grant = TokenGrant.from_api(doc, client.now())
            if grant.refresh_token is None:
                grant = TokenGrant(grant.access_token, self.grant.refresh_token, grant.expires_at,
                                   grant.hub_id or self.grant.hub_id, grant.scopes)  # fmt: skip
            self.grant = grant
            self.refreshes += 1
            log.info("hubspot token refreshed", extra={"expires_at": grant.expires_at.isoformat()})
            if self.on_refresh is not None:
                await self.on_refresh(grant)
            return True


# ---------------------------------------------------------------------- client


def _csv(names: Iterable[str]) -> str | None:
    joined = ",".join(n for n in names if n)
    return joined or None


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def modified_property(object_type: str) -> str:
    """The last-modified property search can filter and sort on."""
    return "lastmodifieddate" if object_type in ("contacts", "0-1") else "hs_lastmodifieddate"


class HubSpotClient:
    """One portal. `clock` (seconds since the epoch) and `sleep` drive the limiter, backoff,
    token expiry and the daily reset in tests; pass `limits` (or `portal_id` to share the
    process-wide buckets of that portal)."""

    def __init__(
        self, token: TokenSource | str, *, portal_id: int | None = None,
        base_url: str = DEFAULT_BASE_URL, session: aiohttp.ClientSession | None = None,
        limits: PortalLimits | None = None, tier: str = "professional",
        daily_share: float = 0.5, clock: Clock | None = None, sleep: Sleep | None = None,
        timeout_s: float = 30.0, max_attempts: int = 5, max_retry_wait_s: float = 60.0,
    ) -> None:  # fmt: skip
        self.tokens: TokenSource = StaticToken(token) if isinstance(token, str) else token
        self.portal_id = portal_id
        self.base_url = base_url.rstrip("/")
        self._session = session
        self.clock: Clock = clock or time.time
        self.sleep: Sleep = sleep or asyncio.sleep
        if limits is None:
            limits = (PortalLimits.for_portal(portal_id, tier, daily_share=daily_share)
                      if portal_id is not None and clock is None
                      else PortalLimits(tier, daily_share=daily_share, clock=self.clock))  # fmt: skip
        self.limits = limits
        self.limiter = Limiter(sleep=self.sleep)
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.max_retry_wait_s = max_retry_wait_s
        self.calls = 0

    def __repr__(self) -> str:
        return f"HubSpotClient(portal_id={self.portal_id!r}, base_url={self.base_url!r})"

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)

    # ------------------------------------------------------------------ transport

    async def raw(
        self, method: str, url: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
        form: Mapping[str, str] | None = None, token: str | None = None,
    ) -> tuple[int, Any, Mapping[str, str]]:  # fmt: skip
        """One HTTP exchange, no limits or retries: (status, JSON or None, headers)."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        query = [(k, str(v)) for k, v in (params or {}).items() if v is not None]

        async def go(session: aiohttp.ClientSession) -> tuple[int, Any, Mapping[str, str]]:
            async with session.request(
                method, url, params=query, headers=headers,
                json=body if form is None else None, data=dict(form) if form is not None else None,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as resp:  # fmt: skip
                text = await resp.text()
                try:
                    doc: Any = await resp.json(content_type=None) if text else None
                except ValueError:
                    doc = None
                return resp.status, doc, dict(resp.headers)

        try:
            if self._session is not None:
                return await go(self._session)
            async with aiohttp.ClientSession() as session:
                return await go(session)
        except TimeoutError:
            raise HubSpotUnavailable("HubSpot: timed out") from None
        except aiohttp.ClientError as exc:
            raise HubSpotUnavailable(f"HubSpot: {type(exc).__name__}") from None

    async def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
        search: bool = False, limited: bool = True,
    ) -> tuple[int, Any]:  # fmt: skip
        """(status, JSON) of one API call through the portal's limits, with bounded 429 and
        (reads only) 5xx retries, one token refresh on 401, and the error mapping above."""
        write = method in ("PATCH", "PUT", "DELETE") or (
            method == "POST" and not path.endswith(_READ_POST_SUFFIXES))  # fmt: skip
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            if limited:
                try:
                    self.limits.daily.spend()
                except DailyBudgetExhausted as exc:
                    log.warning("hubspot daily budget spent", extra={"used": exc.used})
                    raise HubSpotDailyLimit(str(exc), category="RATE_LIMIT") from None
                await self.limiter.acquire(*self.limits.buckets(search=search))
            token = await self.tokens.token(self)
            self.calls += 1
            status, doc, headers = await self.raw(method, self.base_url + path, params=params,
                                                  body=body, token=token)  # fmt: skip
            log.debug("hubspot call", extra={"method": method, "path": path, "status": status})
            if status < 400:
                return status, doc
            error = map_error(status, doc, headers, write=write)
            if isinstance(error, HubSpotAuthError) and status == 401 and not refreshed:
                refreshed = True
                if await self.tokens.refresh(self, stale=token):
                    continue
            if isinstance(error, HubSpotDailyLimit):
                self.limits.daily.exhaust()
                log.warning("hubspot daily limit reached", extra={"path": path})
                raise error
            if isinstance(error, HubSpotRateLimited) and attempt < self.max_attempts:
                wait = error.retry_after
                if wait is None:
                    wait = 1.0 if search or error.policy == "SECONDLY" else 10.0
                if wait <= self.max_retry_wait_s:
                    log.info("hubspot rate limited", extra={"path": path, "policy": error.policy,
                                                             "wait_s": wait})  # fmt: skip
                    await self.sleep(wait)
                    continue
            if isinstance(error, HubSpotUnavailable) and not write and attempt < self.max_attempts:
                await self.sleep(min(2.0**attempt, self.max_retry_wait_s))
                continue
            raise error

    # ------------------------------------------------------------------ objects

    def _objects(self, object_type: str) -> str:
        return f"/crm/objects/{VERSION}/{object_type}"

    async def get_object(
        self, object_type: str, object_id: str, *, properties: Sequence[str] = (),
        properties_with_history: Sequence[str] = (), associations: Sequence[str] = (),
        id_property: str | None = None,
    ) -> CrmObject:  # fmt: skip
        _, doc = await self.request("GET", f"{self._objects(object_type)}/{object_id}", params={
            "properties": _csv(properties), "propertiesWithHistory": _csv(properties_with_history),
            "associations": _csv(associations), "idProperty": id_property})  # fmt: skip
        return CrmObject.from_api(doc if isinstance(doc, dict) else {})

    async def property_history(
        self, object_type: str, object_id: str, properties: Sequence[str]
    ) -> CrmObject:
        """The record with `properties` and each one's change history (newest first)."""
        return await self.get_object(object_type, object_id, properties=properties,
                                     properties_with_history=properties)  # fmt: skip

    async def iter_objects(
        self, object_type: str, *, properties: Sequence[str] = (),
        associations: Sequence[str] = (), archived: bool = False, limit: int = PAGE_LIMIT,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> AsyncIterator[CrmObject]:  # fmt: skip
        """Every record, following `paging.next.after` for at most `max_pages`."""
        params: dict[str, Any] = {"limit": max(1, min(limit, PAGE_LIMIT)),
                                  "properties": _csv(properties),
                                  "associations": _csv(associations),
                                  "archived": "true" if archived else None}  # fmt: skip
        async for doc in self._pages(self._objects(object_type), params, max_pages):
            yield CrmObject.from_api(doc)

    async def list_objects(self, object_type: str, **kw: Any) -> list[CrmObject]:
        return [o async for o in self.iter_objects(object_type, **kw)]

    async def _pages(
        self, path: str, params: dict[str, Any], max_pages: int
    ) -> AsyncIterator[dict[str, Any]]:
        query = dict(params)
        for _ in range(max_pages):
            _, doc = await self.request("GET", path, params=query)
            doc = doc if isinstance(doc, dict) else {}
            for row in doc.get("results") or []:
                if isinstance(row, dict):
                    yield row
            after = ((doc.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            query["after"] = after

    async def create(
        self, object_type: str, properties: Mapping[str, str],
        associations: Sequence[AssociationSpec] = (),
    ) -> CrmObject:  # fmt: skip
        body = ObjectInput(dict(properties), tuple(associations)).to_api()
        _, doc = await self.request("POST", self._objects(object_type), body=body)
        return CrmObject.from_api(doc if isinstance(doc, dict) else {})

    async def update(
        self, object_type: str, object_id: str, properties: Mapping[str, str],
        id_property: str | None = None,
    ) -> CrmObject:  # fmt: skip
        _, doc = await self.request("PATCH", f"{self._objects(object_type)}/{object_id}",
                                    params={"idProperty": id_property},
                                    body={"properties": dict(properties)})  # fmt: skip
        return CrmObject.from_api(doc if isinstance(doc, dict) else {})

    # ------------------------------------------------------------------ batch

    async def _batch(self, object_type: str, action: str, inputs: Sequence[Any],
                     extra: Mapping[str, Any] | None = None,
                     size: int = BATCH_LIMIT) -> BatchResult:  # fmt: skip
        result = BatchResult()
        path = f"{self._objects(object_type)}/batch/{action}"
        for chunk in _chunks(list(inputs), size):
            body = {"inputs": [i.to_api() if hasattr(i, "to_api") else i for i in chunk],
                    **(extra or {})}  # fmt: skip
            try:
                _, doc = await self.request("POST", path, body=body)
            except NeedsAPerson as exc:
                result.calls += 1
                result.errors += exc.errors or [BatchError("error", "VALIDATION_ERROR", str(exc),
                                                           exc.context)]  # fmt: skip
                continue
            result.extend(doc)
        log.info("hubspot batch", extra={"action": action, "object_type": object_type,
                                         "items": len(inputs), "calls": result.calls,
                                         "errors": len(result.errors)})  # fmt: skip
        return result

    async def batch_read(
        self, object_type: str, ids: Sequence[str], *, properties: Sequence[str] = (),
        properties_with_history: Sequence[str] = (), id_property: str | None = None,
    ) -> list[CrmObject]:  # fmt: skip
        extra: dict[str, Any] = {"properties": list(properties),
                                 "propertiesWithHistory": list(properties_with_history)}  # fmt: skip
        if id_property:
            extra["idProperty"] = id_property
        size = HISTORY_BATCH_LIMIT if properties_with_history else BATCH_LIMIT
        result = await self._batch(object_type, "read", [{"id": str(i)} for i in ids], extra, size)
        return result.results

    async def batch_create(self, object_type: str, inputs: Sequence[ObjectInput]) -> BatchResult:
        return await self._batch(object_type, "create", inputs)

    async def batch_update(self, object_type: str, inputs: Sequence[ObjectUpdate]) -> BatchResult:
        return await self._batch(object_type, "update", inputs)

    async def batch_upsert(self, object_type: str, inputs: Sequence[ObjectUpdate]) -> BatchResult:
        """Create or update by a unique property (`ObjectUpdate.id_property`, e.g. `email`)."""
        return await self._batch(object_type, "upsert", inputs)

    # ------------------------------------------------------------------ search

    async def search_page(
        self, object_type: str, *, filter_groups: Sequence[Mapping[str, Any]] = (),
        sorts: Sequence[Any] = (), properties: Sequence[str] = (), query: str | None = None,
        limit: int = SEARCH_PAGE_LIMIT, after: str | None = None,
    ) -> tuple[int, list[CrmObject], str | None]:  # fmt: skip
        """One search page: (total, records, next `after` or None)."""
        body: dict[str, Any] = {"filterGroups": list(filter_groups), "sorts": list(sorts),
                                "properties": list(properties),
                                "limit": max(1, min(limit, SEARCH_PAGE_LIMIT))}  # fmt: skip
        if query:
            body["query"] = query
        if after:
            body["after"] = after
        _, doc = await self.request("POST", f"{self._objects(object_type)}/search", body=body,
                                    search=True)  # fmt: skip
        doc = doc if isinstance(doc, dict) else {}
        rows = [CrmObject.from_api(r) for r in doc.get("results") or [] if isinstance(r, dict)]
        nxt = ((doc.get("paging") or {}).get("next") or {}).get("after")
        return int(doc.get("total") or 0), rows, (str(nxt) if nxt else None)

    async def search(
        self, object_type: str, *, filter_groups: Sequence[Mapping[str, Any]] = (),
        sorts: Sequence[Any] = (), properties: Sequence[str] = (), query: str | None = None,
        limit: int = SEARCH_PAGE_LIMIT,
    ) -> list[CrmObject]:  # fmt: skip
        """All results of one query, never asking past HubSpot's 10,000 (a longer result is
        cut there with a warning: use `search_modified` to cover everything)."""
        out: list[CrmObject] = []
        after: str | None = None
        page = max(1, min(limit, SEARCH_PAGE_LIMIT))
        while True:
            total, rows, after = await self.search_page(
                object_type, filter_groups=filter_groups, sorts=sorts, properties=properties,
                query=query, limit=min(page, SEARCH_RESULT_CAP - len(out)), after=after)  # fmt: skip
            out += rows
            if not after or not rows:
                return out
            if len(out) >= SEARCH_RESULT_CAP:
                log.warning("hubspot search cut at 10,000", extra={"total": total})
                return out

    async def search_modified(
        self, object_type: str, since: datetime, until: datetime, *,
        properties: Sequence[str] = (), filters: Sequence[Mapping[str, Any]] = (),
        date_property: str | None = None,
    ) -> list[CrmObject]:  # fmt: skip
        """Records whose last-modified time is in [since, until), oldest first, splitting the
        range into windows that each hold at most 10,000 results (a window one millisecond
        wide that still holds more is read up to the cap, with a warning)."""
        prop = date_property or modified_property(object_type)
        sorts = [{"propertyName": prop, "direction": "ASCENDING"}]
        windows = [(epoch_ms(since), epoch_ms(until))]
        seen: dict[str, CrmObject] = {}
        splits = 0
        while windows:
            lo, hi = windows.pop(0)
            group = {"filters": [*filters,
                                 {"propertyName": prop, "operator": "GTE", "value": str(lo)},
                                 {"propertyName": prop, "operator": "LT", "value": str(hi)}]}  # fmt: skip
            total, rows, after = await self.search_page(
                object_type, filter_groups=[group], sorts=sorts, properties=properties
            )
            if total > SEARCH_RESULT_CAP and hi - lo > 1:
                mid = lo + (hi - lo) // 2
                windows[0:0] = [(lo, mid), (mid, hi)]
                splits += 1
                continue
            for row in rows:
                seen[row.id] = row
            fetched = len(rows)
            while after and rows and fetched < SEARCH_RESULT_CAP:
                total, rows, after = await self.search_page(
                    object_type, filter_groups=[group], sorts=sorts, properties=properties,
                    limit=min(SEARCH_PAGE_LIMIT, SEARCH_RESULT_CAP - fetched), after=after)  # fmt: skip
                fetched += len(rows)
                for row in rows:
                    seen[row.id] = row
            if total > SEARCH_RESULT_CAP:
                log.warning("hubspot search window over 10,000", extra={"at_ms": lo})
        log.info("hubspot search_modified", extra={"object_type": object_type,
                                                   "records": len(seen), "splits": splits})  # fmt: skip

        def key(o: CrmObject) -> tuple[datetime, str]:
            moment = parse_time(o.get(prop)) or o.updated_at or datetime.min.replace(tzinfo=UTC)
            return moment, o.id

        return sorted(seen.values(), key=key)

    # ------------------------------------------------------------------ associations

    async def associate_default(self, from_type: str, from_id: str, to_type: str,
                                to_id: str) -> None:  # fmt: skip
        await self.request("PUT", f"{self._objects(from_type)}/{from_id}/associations/default/"
                                  f"{to_type}/{to_id}")  # fmt: skip

    async def associate(self, from_type: str, from_id: str, to_type: str, to_id: str,
                        types: Sequence[AssociationType]) -> None:  # fmt: skip
        await self.request("PUT", f"{self._objects(from_type)}/{from_id}/associations/"
                                  f"{to_type}/{to_id}", body=[t.to_api() for t in types])  # fmt: skip

    async def batch_associate_default(
        self, from_type: str, to_type: str, pairs: Sequence[tuple[str, str]]
    ) -> BatchResult:
        result = BatchResult()
        path = f"/crm/associations/{VERSION}/{from_type}/{to_type}/batch/associate/default"
        for chunk in _chunks(list(pairs), BATCH_LIMIT):
            body = {"inputs": [{"from": {"id": a}, "to": {"id": b}} for a, b in chunk]}
            try:
                _, doc = await self.request("POST", path, body=body)
            except NeedsAPerson as exc:
                result.calls += 1
                result.errors += exc.errors or [BatchError("error", "VALIDATION_ERROR", str(exc))]
                continue
            result.calls += 1
            if isinstance(doc, dict):
                result.errors += [BatchError.from_api(e) for e in doc.get("errors") or []
                                  if isinstance(e, dict)]  # fmt: skip
        return result

    async def associations(self, from_type: str, from_id: str, to_type: str) -> list[Association]:
        path = f"{self._objects(from_type)}/{from_id}/associations/{to_type}"
        return [Association.from_api(d) async for d in self._pages(path, {"limit": 500},
                                                                    DEFAULT_MAX_PAGES)]  # fmt: skip

    # ------------------------------------------------------------------ engagements

    async def create_note(
        self, *, body: str, timestamp: datetime, owner_id: str | None = None,
        associations: Sequence[AssociationSpec] = (),
    ) -> CrmObject:  # fmt: skip
        if len(body) > NOTE_BODY_MAX:
            raise ValueError(f"a HubSpot note body holds at most {NOTE_BODY_MAX:,} characters")
        props = {"hs_timestamp": iso_ms(timestamp), "hs_note_body": body}
        if owner_id:
            props["hubspot_owner_id"] = owner_id
        return await self.create("notes", props, associations)

    async def create_meeting(
        self, *, title: str, start: datetime, end: datetime, body: str | None = None,
        internal_notes: str | None = None, outcome: str | None = None,
        external_url: str | None = None, owner_id: str | None = None,
        associations: Sequence[AssociationSpec] = (),
    ) -> CrmObject:  # fmt: skip
        props = {"hs_timestamp": iso_ms(start), "hs_meeting_title": title,
                 "hs_meeting_start_time": iso_ms(start), "hs_meeting_end_time": iso_ms(end)}  # fmt: skip
        for key, value in (("hs_meeting_body", body), ("hs_internal_meeting_notes", internal_notes),
                           ("hs_meeting_outcome", outcome), ("hs_meeting_external_url", external_url),
                           ("hubspot_owner_id", owner_id)):  # fmt: skip
            if value:
                props[key] = value
        return await self.create("meetings", props, associations)

    async def create_task(
        self, *, subject: str, due: datetime, body: str | None = None,
        status: str = "NOT_STARTED", priority: str | None = None, owner_id: str | None = None,
        associations: Sequence[AssociationSpec] = (),
    ) -> CrmObject:  # fmt: skip
        props = {"hs_timestamp": iso_ms(due), "hs_task_subject": subject, "hs_task_status": status}
        for key, value in (("hs_task_body", body), ("hs_task_priority", priority),
                           ("hubspot_owner_id", owner_id)):  # fmt: skip
            if value:
                props[key] = value
        return await self.create("tasks", props, associations)

    # ------------------------------------------------------------------ account

    async def account_details(self) -> dict[str, Any]:
        """`GET /account-info/2026-09/details` -> `{portalId, accountType, timeZone, ...}`:
        verifies a token and names its portal."""
        _, doc = await self.request("GET", f"/account-info/{VERSION}/details")
        return doc if isinstance(doc, dict) else {}

    # ------------------------------------------------------------------ owners, pipelines

    async def owners(self, *, archived: bool = False) -> list[Owner]:
        params = {"limit": PAGE_LIMIT, "archived": "true" if archived else None}
        return [Owner.from_api(d) async for d in self._pages(f"/crm/owners/{VERSION}", params,
                                                             DEFAULT_MAX_PAGES)]  # fmt: skip

    async def pipelines(self, object_type: str = "deals") -> list[Pipeline]:
        _, doc = await self.request("GET", f"/crm/pipelines/{VERSION}/{object_type}")
        rows = doc.get("results") if isinstance(doc, dict) else None
        pipes = [Pipeline.from_api(r) for r in rows or [] if isinstance(r, dict)]
        return sorted(pipes, key=lambda p: p.display_order)

    # ------------------------------------------------------------------ webhooks journal

    async def journal_next(self, offset: str | None, *,
                           install_portal_id: int | None = None) -> JournalEntry | None:  # fmt: skip
        """The journal entry after `offset` (the earliest kept when None), or None when there
        is nothing newer yet. Exempt from the rate limits; the file is fetched unauthenticated."""
        base = f"/webhooks-journal/journal-local/{VERSION}"
        path = f"{base}/offset/{offset}/next" if offset else f"{base}/earliest"
        params = {"installPortalId": install_portal_id or self.portal_id}
        try:
            status, doc = await self.request("GET", path, params=params, limited=False)
        except HubSpotRequestError as exc:
            if exc.status == 404 and offset:
                raise JournalOffsetExpired(
                    "HubSpot: the journal offset has expired", status=404
                ) from None
            raise
        if status == 204 or not isinstance(doc, dict) or not doc.get("url"):
            return None
        file_status, events, _ = await self.raw("GET", str(doc["url"]))
        if file_status >= 400:
            raise HubSpotUnavailable(
                f"HubSpot journal file answered {file_status}", status=file_status
            )
        if isinstance(events, dict):
            events = events.get("events") or events.get("results") or []
        parsed = tuple(WebhookEvent.from_api(e) for e in events or [] if isinstance(e, dict))
        return JournalEntry(offset=str(doc.get("currentOffset")),
                            expires_at=parse_time(doc.get("expiresAt")), events=parsed)  # fmt: skip


def client_from_settings(settings: Any, token: TokenSource | str, **kw: Any) -> HubSpotClient:
    """A client on `settings.hubspot_api_base` (a loopback fake in tests) when present."""
    base = getattr(settings, "hubspot_api_base", None) or DEFAULT_BASE_URL
    return HubSpotClient(token, base_url=base, **kw)
