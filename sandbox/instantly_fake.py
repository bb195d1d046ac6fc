"""A fake Instantly API v2 on loopback (port 0), speaking the documented shapes. Used by tests
(`tests.fakes.instantly_server` re-exports it) and by the sandbox (`make run`).

Endpoints (paths, fields and answers per Instantly's `spec/openapi.yaml` and starter-kit docs,
NEXT_BUILDS.md B1, EXTERNAL_APIS.md section 2):
- `GET /api/v2/campaigns`, `GET|PATCH /api/v2/campaigns/{id}` (PATCH replaces the keys it is
  given, e.g. the whole `sequences` array), `GET /api/v2/accounts`.
- `GET /api/v2/campaigns/analytics` (`id` / repeated `ids` / neither = all; a JSON array),
  `/analytics/overview`, `/analytics/daily` (`campaign_id`), `/analytics/steps` (rows with
  zero-based **string** `step` / `variant`).
- `GET /api/v2/campaigns/{id}/sending-status`: `{diagnostics, summary}`; while the campaign is
  sending (active, subsequences, unhealthy accounts) the reason is `diagnostics.status` (with
  `issue_tracking`), otherwise `diagnostics` is null and the reason is `summary.status`
  (starter-kit docs/api/campaigns.md). `set_sending_reason` scripts it; the default is
  `healthy` for a sending campaign, `campaign_draft` for a draft, `all_accounts_unhealthy`
  for status -1.
- `GET /api/v2/emails`: `email_type` (received|sent|manual), `is_unread`, `latest_of_thread`,
  `campaign_id`, `eaccount`, `i_status`, `sort_order` (default desc by creation time),
  limited to **20 requests per sliding minute** (429 + `Retry-After`) on the fake's clock.
- `POST /api/v2/emails/reply` (needs `eaccount`, `reply_to_uuid`, `subject`, `body`) answers
  the created Email; `POST /api/v2/leads/update-interest-status` answers **202**.
Lists answer `{items, next_starting_after}` (the last item's id; absent on the last page).
Every request needs `Authorization: Bearer <api_key>` (401 `{statusCode, error, message}`).
`fail_next(path, status, retry_after=...)` scripts a failure; every call is in `calls`.
`webhook_payload` / `emit_webhook` deliver events like Instantly does: flat JSON, `step` and
`variant` **1-based**, with the custom headers configured on the webhook (no signature).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

BASE_TIME = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EMAILS_PER_MINUTE = 20
INTEREST_VALUES = {0, 1, 2, 3, 4, -1, -2, -3, -4}
WORKSPACE_ID = "019a0000-0000-7000-8000-00000000f00d"
# `event_type` values as delivered (the webhooks guide); custom labels arrive as raw strings.
WEBHOOK_EVENT_TYPES = (
    "email_sent", "email_opened", "reply_received", "auto_reply_received", "link_clicked",
    "email_bounced", "lead_unsubscribed", "account_error", "campaign_completed", "lead_neutral",
    "lead_interested", "lead_not_interested", "lead_meeting_booked", "lead_meeting_completed",
    "lead_closed", "lead_out_of_office", "lead_wrong_person", "lead_no_show",
)  # fmt: skip
# subscription names that differ from the delivered `event_type` (starter-kit webhooks.md)
SUBSCRIPTION_TO_PAYLOAD = {"email_link_clicked": "link_clicked"}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def api_error(status: int, error: str, message: str, **headers: str) -> web.Response:
    return web.json_response({"statusCode": status, "error": error, "message": message},
                             status=status, headers=headers)  # fmt: skip


def _sequence_problem(sequences: Any) -> str | None:
    """What PATCH /campaigns/{id} would reject in `sequences` (steps need type, delay and
    variants with subject and body; `v_disabled` is a boolean)."""
    if sequences is None:
        return None
    if not isinstance(sequences, list):
        return "body/sequences must be array"
    for i, seq in enumerate(sequences):
        steps = seq.get("steps") if isinstance(seq, dict) else None
        if not isinstance(steps, list):
            return f"body/sequences/{i} must have required property 'steps'"
        for j, step in enumerate(steps):
            if not isinstance(step, dict) or step.get("type") != "email" or "delay" not in step:
                return f"body/sequences/{i}/steps/{j} must have type 'email' and a delay"
            for k, v in enumerate(step.get("variants") or []):
                where = f"body/sequences/{i}/steps/{j}/variants/{k}"
                if not isinstance(v, dict) or "subject" not in v or "body" not in v:
                    return f"{where} must have subject and body"
                if "v_disabled" in v and not isinstance(v["v_disabled"], bool):
                    return f"{where}/v_disabled must be boolean"
    return None


@dataclass
class Call:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)


@dataclass
class Failure:
    status: int
    retry_after: str | None = None


@dataclass
class FakeInstantly:
    api_key: str = "instantly-test-key"
    clock: Callable[[], float] = time.monotonic
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    emails: list[dict[str, Any]] = field(default_factory=list)
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)  # email -> lead doc
    analytics: dict[str, dict[str, Any]] = field(default_factory=dict)
    daily: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sending_reasons: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    interest_updates: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[Failure]] = {}
        self._email_hits: deque[float] = deque()
        self._ticks = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeInstantly:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/api/v2/campaigns", self._list_campaigns)
        r.add_get("/api/v2/campaigns/analytics", self._analytics)
        r.add_get("/api/v2/campaigns/analytics/overview", self._analytics)
        r.add_get("/api/v2/campaigns/analytics/daily", self._daily)
        r.add_get("/api/v2/campaigns/analytics/steps", self._steps)
        r.add_get("/api/v2/campaigns/{id}", self._get_campaign)
        r.add_get("/api/v2/campaigns/{id}/sending-status", self._sending_status)
        r.add_patch("/api/v2/campaigns/{id}", self._patch_campaign)
        r.add_get("/api/v2/accounts", self._list_accounts)
        r.add_get("/api/v2/emails", self._list_emails)
        r.add_post("/api/v2/emails/reply", self._reply)
        r.add_post("/api/v2/leads/update-interest-status", self._interest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, path: str, status: int, *, retry_after: str | None = None,
                  times: int = 1) -> None:  # fmt: skip
        for _ in range(times):
            self._failures.setdefault(path, deque()).append(Failure(status, retry_after))

    def calls_to(self, path: str, method: str = "GET") -> list[Call]:
        return [c for c in self.calls if c.path == path and c.method == method]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        self.calls.append(Call(request.method, request.path, list(request.query.items()),
                               dict(request.headers), body))  # fmt: skip
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return api_error(401, "Unauthorized", "Invalid API key")
        queue = self._failures.get(request.path)
        if queue:
            failure = queue.popleft()
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            names = {429: ("Too Many Requests", "Rate limit exceeded"),
                     500: ("Internal Server Error", "Internal server error"),
                     503: ("Service Unavailable", "Service unavailable")}  # fmt: skip
            error, message = names.get(failure.status, ("Bad Request", "Scripted failure"))
            return api_error(failure.status, error, message, **headers)
        if request.method == "GET" and request.path == "/api/v2/emails":
            now = self.clock()
            while self._email_hits and now - self._email_hits[0] >= 60.0:
                self._email_hits.popleft()
            if len(self._email_hits) >= EMAILS_PER_MINUTE:
                wait = max(1, int(self._email_hits[0] + 60.0 - now + 0.999))
                return api_error(429, "Too Many Requests", "Rate limit exceeded",
                                 **{"Retry-After": str(wait)})  # fmt: skip
            self._email_hits.append(now)
        response: web.StreamResponse = await handler(request)
        return response

    # ------------------------------------------------------------------ seeding

    def add_account(self, email: str, first_name: str = "", last_name: str = "") -> dict[str, Any]:
        doc: dict[str, Any] = {"email": email.lower(), "first_name": first_name, "last_name": last_name,
               "status": 1, "warmup_status": 1, "provider_code": 2, "setup_pending": False,
               "is_managed_account": False, "organization": WORKSPACE_ID,
               "timestamp_created": iso(BASE_TIME), "timestamp_updated": iso(BASE_TIME)}  # fmt: skip
        self.accounts[doc["email"]] = doc
        return doc

    def add_campaign(
        self, name: str, *, accounts: tuple[str, ...] | list[str] = (), status: int = 1,
        steps: list[list[tuple[str, str]]] | None = None,
    ) -> str:  # fmt: skip
        """A campaign whose `sequences[0].steps[i].variants[j]` are (subject, body) pairs."""
        cid = str(uuid.uuid4())
        steps = steps if steps is not None else [[("Quick question", "Hi {{firstName}}")]]
        sequence = {"steps": [
            {"type": "email", "delay": 0 if i == 0 else 3,
             "variants": [{"subject": s, "body": b} for s, b in variants]}
            for i, variants in enumerate(steps)]}  # fmt: skip
        self.campaigns[cid] = {
            "id": cid, "name": name, "status": status, "email_list": [a.lower() for a in accounts],
            "sequences": [sequence], "auto_variant_select": None, "stop_on_reply": True,
            "pl_value": 100, "is_evergreen": False, "organization": WORKSPACE_ID,
            "timestamp_created": iso(BASE_TIME + timedelta(seconds=next(self._ticks))),
            "campaign_schedule": {"schedules": []},
        }  # fmt: skip
        return cid

    def add_lead(self, email: str, campaign_id: str, **fields: Any) -> dict[str, Any]:
        doc = {"id": str(uuid.uuid4()), "email": email.lower(), "campaign": campaign_id,
               "lt_interest_status": None, **fields}  # fmt: skip
        self.leads[doc["email"]] = doc
        return doc

    def add_email(
        self, *, campaign_id: str | None, lead: str, eaccount: str, ue_type: int = 2,
        subject: str = "Re: Quick question", text: str = "Sounds good.",
        at: datetime | None = None, thread_id: str | None = None, step: int | None = None,
        i_status: int | None = None, ai_interest_value: float | None = None,
        is_unread: bool = True, is_auto_reply: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """A Unibox email (`ue_type` 1 campaign-sent, 2 received, 3 sent manually)."""
        at = at or BASE_TIME + timedelta(minutes=next(self._ticks))
        received = ue_type == 2
        doc = {
            "id": str(uuid.uuid4()), "thread_id": thread_id or str(uuid.uuid4()),
            "message_id": f"<{uuid.uuid4().hex}@mail.test>", "subject": subject,
            "from_address_email": lead if received else eaccount,
            "to_address_email_list": eaccount if received else lead,
            "body": {"text": text, "html": f"<p>{text}</p>"}, "content_preview": text[:100],
            "organization_id": WORKSPACE_ID, "eaccount": eaccount, "campaign_id": campaign_id,
            "lead": lead, "ue_type": ue_type, "step": step, "is_unread": is_unread,
            "is_auto_reply": is_auto_reply, "ai_interest_value": ai_interest_value,
            "i_status": i_status, "timestamp_created": iso(at), "timestamp_email": iso(at),
        }  # fmt: skip
        self.emails.append(doc)
        return doc

    def set_analytics(self, campaign_id: str, **counters: Any) -> None:
        self.analytics[campaign_id] = counters

    def set_step_rows(self, campaign_id: str, rows: list[dict[str, Any]]) -> None:
        """Rows as the API sends them: `step`/`variant` zero-based strings (or None)."""
        self.steps[campaign_id] = rows

    def set_sending_reason(self, campaign_id: str, reason: str) -> None:
        self.sending_reasons[campaign_id] = reason

    def set_account_status(self, email: str, status: int) -> None:
        """1 Active, 2 Paused, 3 maintenance, -1 connection error, -2 soft bounce, -3 sending
        error (starter-kit docs/api/accounts.md)."""
        self.accounts[email.lower()]["status"] = status

    def set_daily_rows(self, campaign_id: str, rows: list[dict[str, Any]]) -> None:
        self.daily[campaign_id] = rows

    # ------------------------------------------------------------------ webhooks

    def webhook_payload(
        self, event_type: str, campaign_id: str, *, step: int | None = None,
        variant: int | None = None, email: dict[str, Any] | None = None,
        lead_email: str | None = None, timestamp: datetime | None = None, **extra: Any,
    ) -> dict[str, Any]:  # fmt: skip
        """A delivery body. `step` and `variant` are **1-based** here (1 = first step / A)."""
        if (step is not None and step < 1) or (variant is not None and variant < 1):
            raise ValueError("webhook step/variant are 1-based")
        payload: dict[str, Any] = {
            "timestamp": iso(timestamp or BASE_TIME), "event_type": event_type,
            "workspace": WORKSPACE_ID, "campaign_id": campaign_id,
            "campaign_name": self.campaigns.get(campaign_id, {}).get("name", ""),
        }  # fmt: skip
        if email is not None:
            payload.update({
                "lead_email": email["lead"], "email_account": email["eaccount"],
                "email_id": email["id"], "is_first": True,
                "unibox_url": f"https://app.instantly.ai/app/unibox?thread={email['thread_id']}",
            })  # fmt: skip
            if event_type in ("reply_received", "auto_reply_received"):
                text = email["body"]["text"]
                payload.update({"reply_subject": email["subject"], "reply_text": text,
                                "reply_html": email["body"]["html"],
                                "reply_text_snippet": text[:100]})  # fmt: skip
        if lead_email is not None:
            payload["lead_email"] = lead_email
        if step is not None:
            payload["step"] = step
        if variant is not None:
            payload["variant"] = variant
        payload.update(extra)
        return payload

    async def emit_webhook(
        self, url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> int:
        """POST one delivery with the webhook's custom headers; returns the HTTP status."""
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=payload, headers=headers or {}) as resp:
                await resp.read()
                return resp.status

    # ------------------------------------------------------------------ handlers

    @staticmethod
    def _page(items: list[dict[str, Any]], request: web.Request, key: str) -> web.Response:
        try:
            limit = int(request.query.get("limit", "100"))
        except ValueError:
            return api_error(400, "Bad Request", "querystring/limit must be integer")
        if not 1 <= limit <= 100:
            return api_error(400, "Bad Request", "querystring/limit must be <= 100")
        start = 0
        cursor = request.query.get("starting_after")
        if cursor:
            ids = [str(i[key]) for i in items]
            if cursor not in ids:
                return api_error(400, "Bad Request", "starting_after is not a valid cursor")
            start = ids.index(cursor) + 1
        page = items[start : start + limit]
        body: dict[str, Any] = {"items": page}
        if len(page) == limit:  # like the API: a full page has a cursor, even the last one
            body["next_starting_after"] = str(page[-1][key])
        return web.json_response(body)

    async def _list_campaigns(self, request: web.Request) -> web.Response:
        items = list(self.campaigns.values())
        if search := request.query.get("search"):
            items = [c for c in items if search.lower() in c["name"].lower()]
        return self._page(items, request, "id")

    async def _get_campaign(self, request: web.Request) -> web.Response:
        doc = self.campaigns.get(request.match_info["id"])
        if doc is None:
            return api_error(404, "Not Found", "Campaign not found")
        return web.json_response(doc)

    async def _sending_status(self, request: web.Request) -> web.Response:
        cid = request.match_info["id"]
        doc = self.campaigns.get(cid)
        if doc is None:
            return api_error(404, "Not Found", "Campaign not found")
        status = doc.get("status")
        default: dict[Any, str] = {0: "campaign_draft", 1: "healthy", 4: "healthy",
                                   -1: "all_accounts_unhealthy"}  # fmt: skip
        reason = self.sending_reasons.get(cid, default.get(status))
        summary = {"status": reason, "campaign_status": status}
        if status in (1, 4, -1):
            diagnostics = {"status": reason, "issue_tracking": {"first_seen": None}}
            return web.json_response({"diagnostics": diagnostics, "summary": summary})
        return web.json_response({"diagnostics": None, "summary": summary})

    async def _patch_campaign(self, request: web.Request) -> web.Response:
        doc = self.campaigns.get(request.match_info["id"])
        if doc is None:
            return api_error(404, "Not Found", "Campaign not found")
        body = await request.json()
        if not isinstance(body, dict):
            return api_error(400, "Bad Request", "body must be object")
        for key in ("id", "status", "organization", "timestamp_created"):
            if key in body:
                return api_error(400, "Bad Request", f"body/{key} is read-only")
        problem = _sequence_problem(body.get("sequences"))
        if problem:
            return api_error(400, "Bad Request", problem)
        doc.update(body)
        return web.json_response(doc)

    async def _list_accounts(self, request: web.Request) -> web.Response:
        return self._page(list(self.accounts.values()), request, "email")

    def _analytics_row(self, cid: str) -> dict[str, Any]:
        c = self.campaigns[cid]
        row = {"campaign_name": c["name"], "campaign_id": cid, "campaign_status": c["status"],
               "campaign_is_evergreen": False}  # fmt: skip
        row.update(self.analytics.get(cid, {}))
        return row

    async def _analytics(self, request: web.Request) -> web.Response:
        wanted = request.query.getall("ids", []) or request.query.getall("id", [])
        ids = wanted or list(self.campaigns)
        if any(i not in self.campaigns for i in ids):
            return api_error(404, "Not Found", "Campaign not found")
        start, end = request.query.get("start_date"), request.query.get("end_date")
        if start and end and start > end:
            return api_error(400, "Bad Request", "Start Date must be earlier than End Date")
        rows = [self._analytics_row(i) for i in ids]
        if request.path.endswith("/overview"):  # one aggregate object, no campaign id
            total: dict[str, Any] = {}
            for row in rows:
                for k, v in row.items():
                    if isinstance(v, int | float) and not k.startswith("campaign_"):
                        total[k] = total.get(k, 0) + v
            return web.json_response(total)
        return web.json_response(rows)

    async def _daily(self, request: web.Request) -> web.Response:
        rows = self.daily.get(request.query.get("campaign_id", ""), [])
        start, end = request.query.get("start_date"), request.query.get("end_date")
        rows = [r for r in rows if (not start or r["date"] >= start)
                and (not end or r["date"] <= end)]  # fmt: skip
        return web.json_response(rows)

    async def _steps(self, request: web.Request) -> web.Response:
        return web.json_response(self.steps.get(request.query.get("campaign_id", ""), []))

    async def _list_emails(self, request: web.Request) -> web.Response:
        q = request.query
        items = list(self.emails)
        types = {"received": {2}, "sent": {1, 3}, "manual": {3}}
        if (kind := q.get("email_type")) is not None:
            if kind not in types:
                return api_error(400, "Bad Request", "querystring/email_type must be equal to "
                                 "one of the allowed values")  # fmt: skip
            items = [e for e in items if e["ue_type"] in types[kind]]
        if (flag := q.get("is_unread")) is not None:
            items = [e for e in items if e["is_unread"] == (flag == "true")]
        for key in ("campaign_id", "lead"):
            if (value := q.get(key)) is not None:
                items = [e for e in items if e[key] == value]
        if (value := q.get("eaccount")) is not None:
            allowed = set(value.split(","))
            items = [e for e in items if e["eaccount"] in allowed]
        if (value := q.get("min_timestamp_created")) is not None:
            items = [e for e in items if e["timestamp_created"] >= value]
        if (value := q.get("i_status")) is not None:
            items = [e for e in items if str(e["i_status"]) == value]
        items.sort(key=lambda e: (e["timestamp_created"], e["id"]),
                   reverse=q.get("sort_order", "desc") == "desc")  # fmt: skip
        if q.get("latest_of_thread") == "true":
            seen: set[str] = set()
            latest = []
            for e in sorted(self.emails, key=lambda e: e["timestamp_created"], reverse=True):
                if e["thread_id"] not in seen:
                    seen.add(e["thread_id"])
                    latest.append(e["id"])
            items = [e for e in items if e["id"] in set(latest)]
        return self._page(items, request, "id")

    async def _reply(self, request: web.Request) -> web.Response:
        body = await request.json()
        missing = [k for k in ("eaccount", "reply_to_uuid", "subject", "body")
                   if not body.get(k)]  # fmt: skip
        if missing:
            return api_error(400, "Bad Request", f"body must have required property '{missing[0]}'")
        parent = next((e for e in self.emails if e["id"] == body["reply_to_uuid"]), None)
        if parent is None:
            return api_error(404, "Not Found", "Email not found")
        if body["eaccount"] not in self.accounts:
            return api_error(400, "Bad Request", "eaccount is not an account of this workspace")
        content = body["body"]
        self.replies.append(body)
        sent = self.add_email(campaign_id=parent["campaign_id"], lead=parent["lead"],
                              eaccount=body["eaccount"], ue_type=3, subject=body["subject"],
                              text=content.get("text") or "", thread_id=parent["thread_id"],
                              is_unread=False)  # fmt: skip
        if content.get("html"):
            sent["body"]["html"] = content["html"]
        return web.json_response(sent)

    async def _interest(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not isinstance(body.get("lead_email"), str):
            return api_error(400, "Bad Request", "body must have required property 'lead_email'")
        if "interest_value" not in body:
            return api_error(400, "Bad Request",
                             "body must have required property 'interest_value'")  # fmt: skip
        value = body["interest_value"]
        if value is not None and value not in INTEREST_VALUES:
            return api_error(400, "Bad Request", "body/interest_value must be a valid status")
        self.interest_updates.append(body)
        lead = self.leads.get(body["lead_email"].lower())
        if lead is not None:
            lead["lt_interest_status"] = value
        for e in self.emails:
            if e["lead"] == body["lead_email"] and (
                body.get("campaign_id") in (None, e["campaign_id"])
            ):
                e["i_status"] = value
        return web.json_response(
            {"message": "Lead interest status update background job submitted"}, status=202
        )
