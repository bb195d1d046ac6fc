"""Instantly API v2 client (aiohttp): campaigns, analytics, Unibox emails, replies, lead
interest, A/Z variant switches and sending accounts, for one workspace API key.

Facts used (NEXT_BUILDS.md B1, EXTERNAL_APIS.md section 2, Instantly's `spec/openapi.yaml`):
- Base `https://api.instantly.ai` (`settings.instantly_api_base`), paths under `/api/v2`,
  `Authorization: Bearer <key>`. A `User-Agent` is always sent: Cloudflare blocks default
  client agents (comment in the official SDK).
- Lists page with `limit` (<= 100) + `starting_after`; the answer is `{items,
  next_starting_after}` and the listing ends when `next_starting_after` is absent (or a page is
  empty). `max_pages` bounds every walk.
- Limits: 100 req/s and 6,000 req/min per workspace (shared by all keys), and 20/min for
  `GET /api/v2/emails`. Enforced client-side with sliding-window buckets (`rate_bucket`), the
  emails one separate; a 429 that still happens is retried after `Retry-After` (bounded).
- Errors are `{statusCode, error, message}`: 401/403 -> `InstantlyAuthError` ("the API key
  was refused"), other 4xx -> `InstantlyRequestError` carrying the API's message, 429 ->
  `InstantlyRateLimited`, 5xx / timeouts / network -> `InstantlyUnavailable` (transient).
  GETs are retried on 5xx; POST/PATCH are not (a reply sends a real email).
- `POST /emails/reply {eaccount, reply_to_uuid, subject, body{text,html}}` -> the Email.
- `POST /leads/update-interest-status {lead_email, interest_value, campaign_id?}` -> 202.
- `GET /campaigns/{id}/sending-status` -> `{diagnostics, summary}`: the reason a campaign is
  or is not sending (`SendingStatus`).
- A/Z variants are switched with `v_disabled` on `sequences[0].steps[i].variants[j]` via
  `PATCH /campaigns/{id}` with the whole `sequences` array (read-modify-write).

Nothing here logs email bodies, subjects or addresses: log lines carry method, path, status.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from connectors.instantly_models import (
    Account,
    Campaign,
    CampaignAnalytics,
    DailyAnalytics,
    Email,
    EmailWatermark,
    SendingStatus,
    StepAnalytics,
)
from connectors.rate_bucket import Clock, Limiter, Sleep, TokenBucket

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.instantly.ai"
USER_AGENT = "Sixty/1.0 (+https://github.com/sixty; instantly-connector)"
PAGE_LIMIT = 100  # the API's maximum `limit`
DEFAULT_MAX_PAGES = 50
EMAILS_PATH = "/api/v2/emails"


class InstantlyError(Exception):
    """An Instantly call failed. `status` 0 = no answer; `retryable` = trying later can help."""

    retryable = False

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class InstantlyAuthError(InstantlyError):
    """401/403: the key is wrong, revoked, or lacks the scope."""


class InstantlyRequestError(InstantlyError):
    """A 4xx other than auth and 429; the message is the API's own."""


class InstantlyRateLimited(InstantlyError):
    retryable = True

    def __init__(self, message: str, *, status: int = 429, retry_after: float | None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class InstantlyUnavailable(InstantlyError):
    """5xx, a timeout or a network error."""

    retryable = True


def retry_after_s(value: str | None) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def iso_z(moment: datetime) -> str:
    """An aware datetime as the API writes times (`2026-06-26T10:51:13.921Z`)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _api_message(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
    return ""


def map_error(status: int, body: Any, retry_after: str | None = None) -> InstantlyError:
    message = _api_message(body)
    if status in (401, 403):
        detail = f" ({message})" if message else ""
        return InstantlyAuthError(f"Instantly: the API key was refused{detail}", status=status)
    if status == 429:
        return InstantlyRateLimited(
            f"Instantly: rate limited{f' ({message})' if message else ''}",
            retry_after=retry_after_s(retry_after),
        )
    if status >= 500:
        return InstantlyUnavailable(f"Instantly answered {status}", status=status)
    if status == 402 and not message:
        message = "Instantly: the workspace has no active paid plan"
    return InstantlyRequestError(message or f"Instantly answered {status}", status=status)


def _query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs: None dropped, booleans as true/false, lists repeated (`ids=a&ids=b`)."""
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            out.append((key, ("true" if v else "false") if isinstance(v, bool) else str(v)))
    return out


class InstantlyClient:
    """One workspace's API key. Pass `session` to share one (else one per call), and `clock`
    / `sleep` to drive the rate limiter and the Retry-After waits in tests."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        timeout_s: float = 30.0,
        max_attempts: int = 3,
        max_retry_wait_s: float = 60.0,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        workspace_id: str | None = None,
    ) -> None:
        if not api_key:
            raise InstantlyAuthError("Instantly: no API key is configured")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self._session = session
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.max_retry_wait_s = max_retry_wait_s
        self.sleep: Sleep = sleep or asyncio.sleep
        kw = {"clock": clock} if clock is not None else {}
        self.per_second = TokenBucket(100, 1.0, **kw)
        self.per_minute = TokenBucket(6000, 60.0, **kw)
        self.emails_bucket = TokenBucket(20, 60.0, **kw)
        self.limiter = Limiter(sleep=self.sleep)
        self.workspace_id = workspace_id  # admin keys: act on a sub-workspace

    def __repr__(self) -> str:  # never show the key
        return f"InstantlyClient(base_url={self.base_url!r})"

    # ------------------------------------------------------------------ transport

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._api_key}", "User-Agent": USER_AGENT,
                   "Accept": "application/json"}  # fmt: skip
        if self.workspace_id:
            headers["x-as-workspace"] = self.workspace_id
        return headers

    def _buckets(self, method: str, path: str) -> tuple[TokenBucket, ...]:
        if method == "GET" and path == EMAILS_PATH:
            return self.per_second, self.per_minute, self.emails_bucket
        return self.per_second, self.per_minute

    async def _once(
        self, session: aiohttp.ClientSession, method: str, path: str,
        params: Mapping[str, Any] | None, body: Any,
    ) -> tuple[int, Any]:  # fmt: skip
        await self.limiter.acquire(*self._buckets(method, path))
        try:
            async with session.request(
                method, self.base_url + path, params=_query(params or {}),
                json=body, headers=self._headers(),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as resp:  # fmt: skip
                text = await resp.text()
                try:
                    doc: Any = await resp.json(content_type=None) if text else None
                except ValueError:
                    doc = None
                if resp.status >= 400:
                    raise map_error(resp.status, doc, resp.headers.get("Retry-After"))
                return resp.status, doc
        except TimeoutError:
            raise InstantlyUnavailable("Instantly: timed out") from None
        except aiohttp.ClientError as exc:
            raise InstantlyUnavailable(f"Instantly: {type(exc).__name__}") from None

    async def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[int, Any]:  # fmt: skip
        """(status, JSON) of one call, with 429 (all methods) and 5xx (GET only) retries."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                if self._session is not None:
                    status, doc = await self._once(self._session, method, path, params, body)
                else:
                    async with aiohttp.ClientSession() as session:
                        status, doc = await self._once(session, method, path, params, body)
                log.debug("instantly call", extra={"method": method, "path": path,
                                                   "status": status})  # fmt: skip
                return status, doc
            except InstantlyRateLimited as exc:
                wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
                if attempt == self.max_attempts or wait > self.max_retry_wait_s:
                    raise
                log.info("instantly rate limited", extra={"path": path, "wait_s": wait})
                await self.sleep(wait)
            except InstantlyUnavailable as exc:
                if method != "GET" or attempt == self.max_attempts:
                    raise
                log.info("instantly unavailable", extra={"path": path, "status": exc.status})
                await self.sleep(min(2.0**attempt, self.max_retry_wait_s))
        raise AssertionError("unreachable")

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return (await self.request("GET", path, params=params))[1]

    async def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *,
        limit: int = PAGE_LIMIT, max_pages: int = DEFAULT_MAX_PAGES,
    ) -> AsyncIterator[list[dict[str, Any]]]:  # fmt: skip
        """Each page's `items`, following `next_starting_after` for at most `max_pages`."""
        query = dict(params or {})
        query["limit"] = max(1, min(limit, PAGE_LIMIT))
        for _ in range(max_pages):
            doc = await self._get(path, query)
            items = doc.get("items") if isinstance(doc, dict) else None
            items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
            if not items:
                return
            yield items
            cursor = doc.get("next_starting_after") if isinstance(doc, dict) else None
            if not cursor:
                return
            query["starting_after"] = cursor

    async def _all(
        self, path: str, params: Mapping[str, Any] | None, max_pages: int
    ) -> list[dict[str, Any]]:
        return [i async for page in self.pages(path, params, max_pages=max_pages) for i in page]

    # ------------------------------------------------------------------ campaigns & accounts

    async def list_campaigns(
        self, *, search: str | None = None, max_pages: int = DEFAULT_MAX_PAGES
    ) -> list[Campaign]:
        items = await self._all("/api/v2/campaigns", {"search": search}, max_pages)
        return [Campaign.from_api(doc) for doc in items]

    async def get_campaign(self, campaign_id: str) -> Campaign:
        doc = await self._get(f"/api/v2/campaigns/{campaign_id}")
        if not isinstance(doc, dict):
            raise InstantlyRequestError("Instantly: campaign answer was not an object")
        return Campaign.from_api(doc)

    async def sending_status(self, campaign_id: str) -> SendingStatus:
        """Why the campaign is or is not sending (`SendingStatus.reason`)."""
        return SendingStatus.from_api(
            await self._get(f"/api/v2/campaigns/{campaign_id}/sending-status")
        )

    async def list_accounts(self, *, max_pages: int = DEFAULT_MAX_PAGES) -> list[Account]:
        return [Account.from_api(d) for d in await self._all("/api/v2/accounts", {}, max_pages)]

    async def campaign_senders(self) -> dict[str, list[Account]]:
        """campaign id -> the sending accounts it uses (`email_list`): who owns which campaign."""
        accounts = {a.email: a for a in await self.list_accounts()}
        return {
            c.id: [accounts[e] for e in c.email_list if e in accounts]
            for c in await self.list_campaigns()
        }

    async def set_variant_disabled(
        self, campaign_id: str, step: int, variant: int, disabled: bool = True
    ) -> Campaign:
        """Switch one A/Z variant off (or on). `step`/`variant` are zero-based, as in the
        steps analytics; convert webhook numbers with `webhook_to_analytics` first."""
        current = await self.get_campaign(campaign_id)
        sequences = copy.deepcopy(current.raw.get("sequences"))
        try:
            target = sequences[0]["steps"][step]["variants"][variant]  # type: ignore[index]
        except (IndexError, KeyError, TypeError):
            raise InstantlyRequestError(
                f"Instantly: campaign has no step {step} variant {variant}"
            ) from None
        if not isinstance(target, dict) or step < 0 or variant < 0:
            raise InstantlyRequestError(f"Instantly: campaign has no step {step} variant {variant}")
        target["v_disabled"] = disabled
        _, doc = await self.request(
            "PATCH", f"/api/v2/campaigns/{campaign_id}", body={"sequences": sequences}
        )
        return Campaign.from_api(doc) if isinstance(doc, dict) and doc.get("id") else current

    # ------------------------------------------------------------------ analytics

    async def campaign_analytics(
        self, campaign_ids: list[str] | None = None, *, start_date: str | None = None,
        end_date: str | None = None,
    ) -> list[CampaignAnalytics]:  # fmt: skip
        """`GET /campaigns/analytics`: one row per campaign (all when `campaign_ids` is None).
        Practitioners report the dates may be ignored here (all-time totals)."""
        doc = await self._get("/api/v2/campaigns/analytics", {
            "ids": campaign_ids or None, "start_date": start_date, "end_date": end_date,
            "exclude_total_leads_count": True})  # fmt: skip
        rows = doc if isinstance(doc, list) else []
        return [CampaignAnalytics.from_api(r) for r in rows if isinstance(r, dict)]

    async def campaign_overview(
        self, campaign_ids: list[str] | None = None, *, start_date: str | None = None,
        end_date: str | None = None, expand_crm_events: bool | None = None,
    ) -> CampaignAnalytics:  # fmt: skip
        """`GET /campaigns/analytics/overview`: **one** aggregate object over the campaigns
        given (all when None), with the unique, automatic-reply and interest counters; it
        carries no campaign id. Interest totals count a contact once unless
        `expand_crm_events`."""
        doc = await self._get("/api/v2/campaigns/analytics/overview", {
            "ids": campaign_ids or None, "start_date": start_date, "end_date": end_date,
            "expand_crm_events": expand_crm_events})  # fmt: skip
        return CampaignAnalytics.from_api(doc if isinstance(doc, dict) else {})

    async def daily_analytics(
        self, campaign_id: str, *, start_date: str | None = None, end_date: str | None = None
    ) -> list[DailyAnalytics]:
        doc = await self._get("/api/v2/campaigns/analytics/daily",
                              {"campaign_id": campaign_id, "start_date": start_date,
                               "end_date": end_date})  # fmt: skip
        return [DailyAnalytics.from_api(r) for r in doc or [] if isinstance(r, dict)]

    async def step_analytics(
        self, campaign_id: str, *, start_date: str | None = None, end_date: str | None = None
    ) -> list[StepAnalytics]:
        """Per step x variant rows; indexes zero-based (see `instantly_models`)."""
        doc = await self._get("/api/v2/campaigns/analytics/steps",
                              {"campaign_id": campaign_id, "start_date": start_date,
                               "end_date": end_date, "include_opportunities_count": True})  # fmt: skip
        return [StepAnalytics.from_api(r) for r in doc or [] if isinstance(r, dict)]

    # ------------------------------------------------------------------ unibox

    async def iter_emails(
        self, *, email_type: str | None = None, is_unread: bool | None = None,
        latest_of_thread: bool | None = None, campaign_id: str | None = None,
        eaccount: str | None = None, i_status: int | None = None,
        min_timestamp_created: datetime | None = None, limit: int = PAGE_LIMIT,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> AsyncIterator[Email]:  # fmt: skip
        """Unibox emails newest first (`email_type` received|sent|manual; `eaccount` may be a
        comma list). Each page costs one of the 20 `GET /emails` calls a minute."""
        since = min_timestamp_created
        params = {"email_type": email_type, "is_unread": is_unread,
                  "latest_of_thread": latest_of_thread, "campaign_id": campaign_id,
                  "eaccount": eaccount, "i_status": i_status, "sort_order": "desc",
                  "min_timestamp_created": iso_z(since) if since is not None else None}  # fmt: skip
        async for page in self.pages(EMAILS_PATH, params, limit=limit, max_pages=max_pages):
            for doc in page:
                yield Email.from_api(doc)

    async def list_emails(self, **filters: Any) -> list[Email]:
        return [e async for e in self.iter_emails(**filters)]

    async def emails_since(
        self, watermark: EmailWatermark | None, *, email_type: str | None = "received",
        campaign_id: str | None = None, max_pages: int = 5, first_run_limit: int = 100,
    ) -> tuple[list[Email], EmailWatermark | None]:  # fmt: skip
        """Emails newer than `watermark`, oldest first, and the new watermark.

        Walks the newest-first listing from `min_timestamp_created` = the watermark's time and
        stops at the last seen id or timestamp. Without a
        watermark (first run) it takes at most `first_run_limit` emails. If `max_pages` ends the
        walk before the watermark is reached, the emails found are returned and the watermark is
        not moved, so no email older than them is skipped for good."""
        found: list[Email] = []
        since = watermark.timestamp if watermark is not None else None
        reached = False
        async for email in self.iter_emails(email_type=email_type, campaign_id=campaign_id,
                                            min_timestamp_created=since,
                                            max_pages=max_pages, limit=PAGE_LIMIT):  # fmt: skip
            if watermark is not None and watermark.reached_by(email):
                reached = True
                break
            found.append(email)
            if watermark is None and len(found) >= first_run_limit:
                break
        if watermark is not None and not reached and len(found) >= max_pages * PAGE_LIMIT:
            # the page limit ended the walk before the watermark: older new emails are unseen,
            # so the watermark stays where it was (the next pass sees them; repeats are deduped)
            log.warning("instantly emails walk cut short", extra={"emails": len(found)})
            return list(reversed(found)), watermark
        newest = next((m for e in found if (m := EmailWatermark.of(e)) is not None), None)
        return list(reversed(found)), newest or watermark

    async def reply(
        self, *, eaccount: str, reply_to_uuid: str, subject: str, body_text: str,
        body_html: str | None = None,
    ) -> Email:  # fmt: skip
        """Reply in-thread from `eaccount` (the mailbox that received the email). Sends a real
        email; never retried on 5xx/timeouts."""
        body: dict[str, str] = {"text": body_text}
        if body_html is not None:
            body["html"] = body_html
        _, doc = await self.request("POST", "/api/v2/emails/reply", body={
            "eaccount": eaccount, "reply_to_uuid": reply_to_uuid, "subject": subject,
            "body": body})  # fmt: skip
        return Email.from_api(doc if isinstance(doc, dict) else {})

    async def update_interest_status(
        self, *, lead_email: str, interest_value: int | None, campaign_id: str | None = None,
        list_id: str | None = None, disable_auto_interest: bool | None = None,
    ) -> int:  # fmt: skip
        """Set a lead's interest (`INTEREST_*`; None resets to plain lead). Returns the status
        (202: accepted, applied in the background)."""
        body: dict[str, Any] = {"lead_email": lead_email, "interest_value": interest_value}
        for key, value in (("campaign_id", campaign_id), ("list_id", list_id),
                           ("disable_auto_interest", disable_auto_interest)):  # fmt: skip
            if value is not None:
                body[key] = value
        status, _ = await self.request("POST", "/api/v2/leads/update-interest-status", body=body)
        return status


def client_from_settings(settings: Any, api_key: str, **kw: Any) -> InstantlyClient:
    """A client on `settings.instantly_api_base` (a loopback fake in tests)."""
    base = getattr(settings, "instantly_api_base", None) or DEFAULT_BASE_URL
    return InstantlyClient(api_key, base_url=base, **kw)
