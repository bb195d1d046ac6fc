"""A fake HubSpot API on loopback (port 0), speaking the 2026-09 CRM shapes: used by the tests
(`tests.fakes.hubspot_server` re-exports it) and by `make run` for a connected demo portal.

Endpoints (paths and bodies per HubSpot-public-api-spec-collection and NEXT_BUILDS.md D1):
- `POST /oauth/2026-03/token` (form body, `grant_type=refresh_token`) -> `{access_token,
  refresh_token, expires_in: 1800, token_type: "bearer"}`; access tokens expire on the fake's
  clock (401 `EXPIRED_AUTHENTICATION` after).
- `/crm/objects/2026-09/{type}`: GET list (`limit` <= 100, `after`, `properties`), POST create,
  GET/PATCH `/{id}` (`properties`, `propertiesWithHistory`, `associations`),
  `/batch/{read|create|update|upsert}` (<= 100 inputs, else 400; 207 with per-item errors),
  `/search` (<= 5 groups, <= 10 filters per group, <= 25 filters, `limit` <= 200, and a 400 when
  `after + limit` passes 10,000; `total` is the true count; 5 requests/s, 429 `SECONDLY`).
- Associations: `PUT …/{id}/associations/default/{to}/{toId}`, `PUT …/associations/{to}/{toId}`
  (labelled), `GET …/{id}/associations/{to}`, `POST /crm/associations/2026-09/{from}/{to}/batch/
  associate/default`.
- `GET /crm/owners/2026-09` (paged), `GET /crm/pipelines/2026-09/{type}`.
- Journal: `GET /webhooks-journal/journal-local/2026-09/earliest|offset/{offset}/next` ->
  `{currentOffset, expiresAt, url}` (204 when nothing is newer, 404 for an unknown offset); the
  file at `url` is a JSON array of events and is refused if an Authorization header is sent.
Limits: `burst_limit` per sliding 10 s and `daily_limit` per UTC day over every CRM call
(429 `{status, message, errorType: RATE_LIMIT, policyName: TEN_SECONDLY_ROLLING|DAILY}`),
`X-HubSpot-RateLimit-*` headers on non-search answers. Writes pass the portal's validation
rules (`require_when`): 400 `{category: VALIDATION_ERROR}` (207 item errors in batches).
Every write appends `propertiesWithHistory` entries: API writes are `sourceType: INTEGRATION`
with `sourceId` = the app id; `edit_in_ui` records `CRM_UI`, `userId:N`, `updatedByUserId`.
`emit_webhook` posts signed v3 webhooks (a JSON array of events); every call is in `calls`.
"""

from __future__ import annotations

import functools
import itertools
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from connectors.hubspot_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_v3

V = "2026-09"
PORTAL_ID = 62515
APP_ID = 4242
SEARCH_CAP = 10_000
# default (unlabelled) HUBSPOT_DEFINED association type ids, from -> to
DEFAULT_TYPES = {("notes", "contacts"): 202, ("notes", "companies"): 190, ("notes", "deals"): 214,
                 ("contacts", "companies"): 279, ("companies", "contacts"): 280,
                 ("deals", "contacts"): 3, ("contacts", "deals"): 4, ("deals", "companies"): 341,
                 ("companies", "deals"): 342, ("tasks", "contacts"): 204, ("meetings", "contacts"): 200,
                 ("meetings", "deals"): 212, ("tasks", "deals"): 216}  # fmt: skip


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error(status: int, message: str, category: str, **extra: Any) -> web.Response:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()),
            "category": category, **extra}  # fmt: skip
    return web.json_response(body, status=status)


def _as_ms(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return _text_ms(str(value))


@functools.lru_cache(maxsize=65_536)
def _text_ms(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return None


def _cmp_key(value: Any) -> tuple[int, float, str]:
    number = _as_ms(value)
    return (0, number, "") if number is not None else (1, 0.0, str(value or "").lower())


def _matches(props: dict[str, Any], flt: dict[str, Any]) -> bool:
    name, op = str(flt.get("propertyName")), flt.get("operator", "EQ")
    have = props.get(name)
    if op == "HAS_PROPERTY":
        return have not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return have in (None, "")
    if have in (None, ""):
        return op in ("NEQ", "NOT_IN")
    if op in ("IN", "NOT_IN"):
        inside = str(have).lower() in {str(v).lower() for v in flt.get("values") or []}
        return inside if op == "IN" else not inside
    if op == "CONTAINS_TOKEN":
        return str(flt.get("value", "")).lower().strip("*") in str(have).lower()
    a = _cmp_key(have)
    if op == "BETWEEN":
        return _cmp_key(flt.get("value")) <= a <= _cmp_key(flt.get("highValue"))
    b = _cmp_key(flt.get("value"))
    return {"EQ": a == b, "NEQ": a != b, "GT": a > b, "GTE": a >= b, "LT": a < b,
            "LTE": a <= b}.get(str(op), False)  # fmt: skip


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Rule:
    object_type: str
    when_property: str
    when_value: str
    required: str

    def message(self) -> str:
        return (f"Property \"{self.required}\" is required when \"{self.when_property}\" is "
                f"\"{self.when_value}\" (a validation rule set by an admin in this account)")  # fmt: skip


@dataclass
class FakeHubSpot:
    clock: Callable[[], float] = time.time  # seconds since the epoch
    static_token: str = "pat-na1-fake-token"
    client_id: str = "client-id-1"
    client_secret: str = "client-secret-1"
    refresh_token: str = "refresh-token-1"
    app_secret: str = "app-secret-1"
    burst_limit: int = 190
    daily_limit: int = 625_000
    search_per_s: int = 5
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    links: set[tuple[str, str, str, str, str, int]] = field(default_factory=set)
    owners: list[dict[str, Any]] = field(default_factory=list)
    pipelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    journal: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    rate_limited: list[str] = field(default_factory=list)  # policyName of every 429 sent
    url: str = ""

    def __post_init__(self) -> None:
        self.tokens: dict[str, float | None] = {self.static_token: None}  # token -> expiry
        self._ids = itertools.count(1001)
        self._burst: deque[float] = deque()
        self._search: deque[float] = deque()
        self._daily: dict[int, int] = {}
        self._failures: dict[str, deque[tuple[int, dict[str, Any]]]] = {}
        self._runner: web.AppRunner | None = None
        self.refreshes = 0
        self._writes = 0
        self._memo: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        self._by_from: dict[tuple[str, str], set[tuple[str, str, str, str, str, int]]] = {}
        self.auth_codes: dict[str, str] = {}  # code -> redirect_uri it was issued for

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeHubSpot:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        o = f"/crm/objects/{V}/{{type}}"
        r.add_post("/oauth/2026-03/token", self._token)
        r.add_get(o, self._list)
        r.add_post(o, self._create)
        r.add_post(o + "/search", self._search_handler)
        r.add_post(o + "/batch/{action}", self._batch)
        r.add_get(o + "/{id}", self._get)
        r.add_patch(o + "/{id}", self._patch)
        r.add_put(o + "/{id}/associations/default/{to}/{to_id}", self._assoc_default)
        r.add_put(o + "/{id}/associations/{to}/{to_id}", self._assoc_labelled)
        r.add_get(o + "/{id}/associations/{to}", self._assoc_list)
        r.add_post(
            f"/crm/associations/{V}/{{type}}/{{to}}/batch/associate/default", self._assoc_batch
        )
        r.add_get(f"/crm/owners/{V}", self._owners)
        r.add_get(f"/account-info/{V}/details", self._account)
        r.add_get(f"/crm/pipelines/{V}/{{type}}", self._pipelines)
        j = f"/webhooks-journal/journal-local/{V}"
        r.add_get(j + "/earliest", self._journal_earliest)
        r.add_get(j + "/offset/{offset}/next", self._journal_next)
        r.add_get("/_journal_files/{offset}", self._journal_file)
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

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)

    def fail_next(self, path: str, status: int, body: dict[str, Any] | None = None,
                  times: int = 1) -> None:  # fmt: skip
        for _ in range(times):
            self._failures.setdefault(path, deque()).append((status, body or {}))

    def calls_to(self, suffix: str, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.path.endswith(suffix)
                and (method is None or c.method == method)]  # fmt: skip

    # ------------------------------------------------------------------ middleware

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        now = self.clock()
        self.calls.append(Call(request.method, request.path, dict(request.query),
                               dict(request.headers), body, now))  # fmt: skip
        path = request.path
        if path.startswith("/oauth/") or path.startswith("/_journal_files/"):
            return await handler(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or token not in self.tokens:
            return error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        expiry = self.tokens[token]
        if expiry is not None and now >= expiry:
            return error(401, "The OAuth token used to make this call expired.",
                         "EXPIRED_AUTHENTICATION")  # fmt: skip
        queue = self._failures.get(path)
        if queue:
            status, extra = queue.popleft()
            return web.json_response({"status": "error", "message": "Scripted failure",
                                      "correlationId": str(uuid.uuid4()), **extra}, status=status)  # fmt: skip
        if path.startswith("/webhooks-journal/"):
            return await handler(request)
        search = path.endswith("/search")
        headers: dict[str, str] = {}
        day = int(now // 86_400)
        if self._daily.get(day, 0) >= self.daily_limit:
            self.rate_limited.append("DAILY")
            return error(429, "You have reached your daily limit.", "RATE_LIMIT",
                         errorType="RATE_LIMIT", policyName="DAILY")  # fmt: skip
        if search:
            while self._search and now - self._search[0] >= 1.0:
                self._search.popleft()
            if len(self._search) >= self.search_per_s:
                self.rate_limited.append("SECONDLY")
                return error(429, "You have reached your secondly limit.", "RATE_LIMIT",
                             errorType="RATE_LIMIT", policyName="SECONDLY")  # fmt: skip
            self._search.append(now)
        else:
            while self._burst and now - self._burst[0] >= 10.0:
                self._burst.popleft()
            if len(self._burst) >= self.burst_limit:
                self.rate_limited.append("TEN_SECONDLY_ROLLING")
                return error(429, "You have reached your ten_secondly_rolling limit.",
                             "RATE_LIMIT", errorType="RATE_LIMIT",
                             policyName="TEN_SECONDLY_ROLLING")  # fmt: skip
            self._burst.append(now)
            headers = {"X-HubSpot-RateLimit-Max": str(self.burst_limit),
                       "X-HubSpot-RateLimit-Remaining": str(self.burst_limit - len(self._burst)),
                       "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}  # fmt: skip
        self._daily[day] = self._daily.get(day, 0) + 1
        response: web.StreamResponse = await handler(request)
        response.headers.update(headers)
        return response

    # ------------------------------------------------------------------ seeding

    def _store(self, object_type: str) -> dict[str, dict[str, Any]]:
        return self.objects.setdefault(object_type, {})

    def _write(self, object_type: str, rec: dict[str, Any], props: dict[str, Any],
               at: datetime, source: dict[str, Any]) -> None:  # fmt: skip
        for name, value in props.items():
            value = None if value is None else str(value)
            rec["properties"][name] = value
            rec["history"].setdefault(name, []).insert(0, {
                "value": value if value is not None else "", "timestamp": iso(at), **source})  # fmt: skip
        self._writes += 1
        rec["updatedAt"] = iso(at)
        stamp = iso(at)
        rec["properties"]["hs_lastmodifieddate"] = stamp
        if object_type == "contacts":
            rec["properties"]["lastmodifieddate"] = stamp

    def _api_source(self) -> dict[str, Any]:
        return {"sourceType": "INTEGRATION", "sourceId": str(APP_ID)}

    def seed(self, object_type: str, properties: dict[str, Any], *,
             modified_at: datetime | None = None, object_id: str | None = None) -> str:  # fmt: skip
        """A record as if it had been imported (sourceType IMPORT) at `modified_at`."""
        at = modified_at or self.now()
        oid = object_id or str(next(self._ids))
        rec: dict[str, Any] = {"id": oid, "properties": {"hs_object_id": oid, "createdate": iso(at)},
                               "history": {}, "createdAt": iso(at), "archived": False}  # fmt: skip
        self._write(
            object_type, rec, properties, at, {"sourceType": "IMPORT", "sourceId": "import-1"}
        )
        self._store(object_type)[oid] = rec
        return oid

    def edit_in_ui(self, object_type: str, object_id: str, name: str, value: str, *,
                   user_id: int, at: datetime | None = None) -> None:  # fmt: skip
        """A person changes a property in HubSpot's web app."""
        rec = self._store(object_type)[object_id]
        self._write(object_type, rec, {name: value}, at or self.now(),
                    {"sourceType": "CRM_UI", "sourceId": f"userId:{user_id}",
                     "updatedByUserId": user_id})  # fmt: skip

    def add_owner(self, owner_id: str, user_id: int, email: str, first: str, last: str) -> None:
        self.owners.append({"id": owner_id, "userId": user_id, "email": email, "firstName": first,
                            "lastName": last, "archived": False, "teams": [],
                            "createdAt": iso(self.now()), "updatedAt": iso(self.now())})  # fmt: skip

    def add_pipeline(self, object_type: str, pipeline_id: str, label: str,
                     stages: list[tuple[str, str, dict[str, str]]]) -> None:  # fmt: skip
        self.pipelines.setdefault(object_type, []).append({
            "id": pipeline_id, "label": label, "displayOrder": len(self.pipelines[object_type]),
            "archived": False, "createdAt": iso(self.now()), "updatedAt": iso(self.now()),
            "stages": [{"id": sid, "label": lab, "displayOrder": i, "metadata": meta,
                        "archived": False, "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"}
                       for i, (sid, lab, meta) in enumerate(stages)]})  # fmt: skip

    def require_when(self, object_type: str, when_property: str, when_value: str,
                     required: str) -> None:  # fmt: skip
        """An admin's conditional required-property rule (enforced on 2026-09 writes)."""
        self.rules.append(Rule(object_type, when_property, when_value, required))

    def add_journal_entry(self, events: list[dict[str, Any]]) -> str:
        offset = str(uuid.uuid4())
        self.journal.append((offset, events))
        return offset

    def event(self, subscription_type: str, object_id: str, *, property_name: str | None = None,
              property_value: str | None = None, change_source: str = "CRM_UI",
              source_id: str | None = None, event_id: int | None = None) -> dict[str, Any]:  # fmt: skip
        doc: dict[str, Any] = {"eventId": event_id or next(self._ids), "subscriptionId": 77,
               "portalId": PORTAL_ID, "appId": APP_ID, "occurredAt": int(self.clock() * 1000),
               "subscriptionType": subscription_type, "attemptNumber": 0,
               "objectId": int(object_id), "changeFlag": "NEW", "isSensitive": False,
               "changeSource": change_source}  # fmt: skip
        if property_name is not None:
            doc["propertyName"] = property_name
            doc["propertyValue"] = property_value
        if source_id is not None:
            doc["sourceId"] = source_id
        return doc

    async def emit_webhook(self, url: str, events: list[dict[str, Any]], *,
                           secret: str | None = None, timestamp_ms: int | None = None) -> int:  # fmt: skip
        """POST `events` to `url` as HubSpot does (array body, v3 signature headers)."""
        body = json.dumps(events, separators=(",", ":")).encode()
        ts = timestamp_ms if timestamp_ms is not None else int(self.clock() * 1000)
        sig = sign_v3(secret or self.app_secret, "POST", url, body, ts)
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=body, headers={
                    "Content-Type": "application/json", SIGNATURE_HEADER: sig,
                    TIMESTAMP_HEADER: str(ts)}) as resp:  # fmt: skip
                return resp.status

    # ------------------------------------------------------------------ rendering & rules

    def _render(self, rec: dict[str, Any], props: list[str], history: list[str],
                object_type: str | None = None, assoc: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        wanted = set(props) | {"hs_object_id", "createdate", "hs_lastmodifieddate"}
        doc: dict[str, Any] = {"id": rec["id"], "createdAt": rec["createdAt"],
                               "updatedAt": rec["updatedAt"], "archived": rec["archived"],
                               "properties": {k: v for k, v in rec["properties"].items()
                                              if k in wanted}}  # fmt: skip
        for p in props:
            doc["properties"].setdefault(p, None)
        if history:
            doc["propertiesWithHistory"] = {p: list(rec["history"].get(p, [])) for p in history}
        if assoc and object_type:
            doc["associations"] = {t: {"results": [
                {"id": to_id, "type": f"{object_type[:-1]}_to_{t[:-1]}"}
                for (_f, _fid, tt, to_id, _c, _i) in self._links_from(object_type, rec["id"])
                if tt == t]} for t in assoc}  # fmt: skip
        return doc

    def _violation(
        self, object_type: str, current: dict[str, Any], props: dict[str, Any]
    ) -> str | None:
        merged = {**current, **props}
        for rule in self.rules:
            if rule.object_type == object_type and str(merged.get(rule.when_property)) == rule.when_value \
                    and merged.get(rule.required) in (None, ""):  # fmt: skip
                return rule.message()
        return None

    @staticmethod
    def _split(request: web.Request, name: str) -> list[str]:
        return [p for v in request.query.getall(name, []) for p in v.split(",") if p]

    def _link(self, f: str, fid: str, t: str, tid: str, category: str, type_id: int) -> None:
        back = DEFAULT_TYPES.get((t, f), type_id)
        for row in ((f, fid, t, tid, category, type_id), (t, tid, f, fid, category, back)):
            self.links.add(row)
            self._by_from.setdefault((row[0], row[1]), set()).add(row)

    def _links_from(self, f: str, fid: str) -> list[tuple[str, str, str, str, str, int]]:
        return sorted(self._by_from.get((f, fid), ()))

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Seed a default (unlabelled) association, both ways."""
        self._link(from_type, from_id, to_type, to_id, "HUBSPOT_DEFINED",
                   DEFAULT_TYPES.get((from_type, to_type), 1))  # fmt: skip

    # ------------------------------------------------------------------ handlers

    def issue_code(self, redirect_uri: str) -> str:
        """What HubSpot's install page would hand the callback after the admin consents."""
        code = f"code-{uuid.uuid4().hex[:12]}"
        self.auth_codes[code] = redirect_uri
        return code

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") == "authorization_code":
            code = str(form.get("code") or "")
            if (self.auth_codes.pop(code, None) != form.get("redirect_uri")
                    or form.get("client_id") != self.client_id
                    or form.get("client_secret") != self.client_secret):  # fmt: skip
                return web.json_response({"status": "BAD_AUTH_CODE",
                                          "message": "missing or unknown auth code"}, status=400)  # fmt: skip
            self.refreshes += 1
            token = f"oauth-access-{self.refreshes}-{uuid.uuid4().hex[:8]}"
            self.tokens[token] = self.clock() + 1800
            return web.json_response({"token_type": "bearer", "access_token": token,
                                      "expires_in": 1800, "refresh_token": self.refresh_token,
                                      "hub_id": PORTAL_ID})  # fmt: skip
        if (form.get("grant_type") != "refresh_token" or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret
                or form.get("refresh_token") != self.refresh_token):  # fmt: skip
            return web.json_response({"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"},
                                     status=400)  # fmt: skip
        self.refreshes += 1
        token = f"oauth-access-{self.refreshes}-{uuid.uuid4().hex[:8]}"
        self.tokens[token] = self.clock() + 1800
        return web.json_response({"token_type": "bearer", "access_token": token, "expires_in": 1800,
                                  "refresh_token": self.refresh_token, "hub_id": PORTAL_ID})  # fmt: skip

    async def _list(self, request: web.Request) -> web.Response:
        t = request.match_info["type"]
        limit = int(request.query.get("limit", "10"))
        if limit > 100:
            return error(400, "limit must be at most 100", "VALIDATION_ERROR")
        rows = sorted(self._store(t).values(), key=lambda r: int(r["id"]))
        start = int(request.query.get("after", "0"))
        page = rows[start : start + limit]
        doc: dict[str, Any] = {"results": [self._render(r, self._split(request, "properties"), [],
                                                        t, self._split(request, "associations"))
                                           for r in page]}  # fmt: skip
        if start + limit < len(rows):
            nxt = str(start + limit)
            doc["paging"] = {"next": {"after": nxt, "link": f"{request.path}?after={nxt}"}}
        return web.json_response(doc)

    async def _get(self, request: web.Request) -> web.Response:
        t, oid = request.match_info["type"], request.match_info["id"]
        rec = self._store(t).get(oid)
        if rec is None:
            return error(404, "resource not found", "OBJECT_NOT_FOUND")
        return web.json_response(self._render(rec, self._split(request, "properties"),
                                              self._split(request, "propertiesWithHistory"), t,
                                              self._split(request, "associations")))  # fmt: skip

    def _new(self, t: str, item: dict[str, Any]) -> dict[str, Any]:
        at = self.now()
        oid = str(next(self._ids))
        rec: dict[str, Any] = {"id": oid, "properties": {"hs_object_id": oid, "createdate": iso(at)},
                               "history": {}, "createdAt": iso(at), "archived": False}  # fmt: skip
        self._write(t, rec, item.get("properties") or {}, at, self._api_source())
        self._store(t)[oid] = rec
        for a in item.get("associations") or []:
            for ty in a.get("types") or []:
                self._link(t, oid, self._type_of(str(a["to"]["id"])), str(a["to"]["id"]),
                           ty["associationCategory"], int(ty["associationTypeId"]))  # fmt: skip
        return rec

    def _type_of(self, object_id: str) -> str:
        return next((t for t, rows in self.objects.items() if object_id in rows), "contacts")

    async def _create(self, request: web.Request) -> web.Response:
        t = request.match_info["type"]
        item = await request.json()
        problem = self._violation(t, {}, item.get("properties") or {})
        if problem:
            return error(400, problem, "VALIDATION_ERROR")
        rec = self._new(t, item)
        return web.json_response(
            self._render(rec, list(item.get("properties") or {}), []), status=201
        )

    async def _patch(self, request: web.Request) -> web.Response:
        t, oid = request.match_info["type"], request.match_info["id"]
        rec = self._store(t).get(oid)
        if rec is None:
            return error(404, "resource not found", "OBJECT_NOT_FOUND")
        props = (await request.json()).get("properties") or {}
        problem = self._violation(t, rec["properties"], props)
        if problem:
            return error(400, problem, "VALIDATION_ERROR")
        self._write(t, rec, props, self.now(), self._api_source())
        return web.json_response(self._render(rec, list(props), []))

    async def _batch(self, request: web.Request) -> web.Response:
        t, action = request.match_info["type"], request.match_info["action"]
        doc = await request.json()
        inputs = doc.get("inputs") or []
        if len(inputs) > 100:
            return error(400, "Batch input limit is 100 inputs", "VALIDATION_ERROR")
        if action == "read" and doc.get("propertiesWithHistory") and len(inputs) > 50:
            return error(400, "The maximum number of inputs supported in a batch request for "
                         "property histories is 50. Please reduce the number of items and try "
                         "again", "VALIDATION_ERROR")  # fmt: skip
        store = self._store(t)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        started = iso(self.now())
        for item in inputs:
            props = item.get("properties") or {}
            if action == "read":
                idp = doc.get("idProperty")
                rec = (store.get(str(item["id"])) if not idp else next(
                    (r for r in store.values() if r["properties"].get(idp) == str(item["id"])), None))  # fmt: skip
                if rec is None:
                    errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                                   "message": "Could not get some records", "context": {"ids": [str(item["id"])]}})  # fmt: skip
                    continue
                results.append(self._render(rec, doc.get("properties") or [],
                                            doc.get("propertiesWithHistory") or []))  # fmt: skip
                continue
            current: dict[str, Any] | None = None
            if action == "update":
                current = store.get(str(item.get("id")))
                if current is None:
                    errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                                   "message": "resource not found", "context": {"ids": [str(item.get("id"))]}})  # fmt: skip
                    continue
            elif action == "upsert":
                idp = item.get("idProperty")
                current = next((r for r in store.values()
                                if idp and r["properties"].get(idp) == str(item.get("id"))), None)  # fmt: skip
                if current is None and idp:
                    props = {idp: str(item.get("id")), **props}
            problem = self._violation(t, current["properties"] if current else {}, props)
            if problem:
                err: dict[str, Any] = {"status": "error", "category": "VALIDATION_ERROR",
                                       "message": problem, "context": {"properties": [problem]}}  # fmt: skip
                if item.get("objectWriteTraceId"):
                    err["context"]["objectWriteTraceId"] = [item["objectWriteTraceId"]]
                errors.append(err)
                continue
            if current is None:
                rec = self._new(t, {**item, "properties": props})
                row = self._render(rec, list(props), [])
                row["new"] = True
            else:
                self._write(t, current, props, self.now(), self._api_source())
                row = self._render(current, list(props), [])
                row["new"] = False
            results.append(row)
        body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started,
                                "completedAt": iso(self.now())}  # fmt: skip
        if errors:
            body.update(errors=errors, numErrors=len(errors))
            return web.json_response(body, status=207)
        return web.json_response(body, status=200 if action in ("read", "update") else 201)

    async def _search_handler(self, request: web.Request) -> web.Response:
        t = request.match_info["type"]
        doc = await request.json()
        groups = doc.get("filterGroups") or []
        limit = int(doc.get("limit", 10))
        after = int(doc.get("after") or 0)
        if len(groups) > 5 or any(len(g.get("filters") or []) > 10 for g in groups) \
                or sum(len(g.get("filters") or []) for g in groups) > 25:  # fmt: skip
            return error(400, "Too many filters or filter groups", "VALIDATION_ERROR")
        if limit > 200:
            return error(400, "limit must be at most 200", "VALIDATION_ERROR")
        if after + limit > SEARCH_CAP:
            return error(400, "The maximum number of results you can page through is 10,000.",
                         "VALIDATION_ERROR")  # fmt: skip
        rows = self._query(t, groups, doc.get("sorts") or [])
        page = rows[after : after + limit]
        body: dict[str, Any] = {"total": len(rows), "results": [
            self._render(r, doc.get("properties") or [], []) for r in page]}  # fmt: skip
        if after + limit < len(rows):
            body["paging"] = {"next": {"after": str(after + limit)}}
        return web.json_response(body)

    def _query(self, t: str, groups: list[Any], sorts: list[Any]) -> list[dict[str, Any]]:
        """Matching records in sort order; memoised per query until the next write (paging
        through one query re-reads the same ordered list, as HubSpot's index does)."""
        key = (t, json.dumps([groups, sorts], sort_keys=True), self._writes)
        if key in self._memo:
            return self._memo[key]
        rows = [r for r in self._store(t).values() if not groups or any(
            all(_matches(r["properties"], f) for f in g.get("filters") or []) for g in groups)]  # fmt: skip
        rows.sort(key=lambda r: int(r["id"]))
        for s in reversed(sorts):
            name = str(s if isinstance(s, str) else s.get("propertyName"))
            desc = isinstance(s, dict) and s.get("direction") == "DESCENDING"

            def by(r: dict[str, Any], n: str = name) -> tuple[int, float, str]:
                return _cmp_key(r["properties"].get(n))

            rows.sort(key=by, reverse=desc)
        self._memo = {key: rows}
        return rows

    async def _assoc_default(self, request: web.Request) -> web.Response:
        m = request.match_info
        type_id = DEFAULT_TYPES.get((m["type"], m["to"]), 1)
        self._link(m["type"], m["id"], m["to"], m["to_id"], "HUBSPOT_DEFINED", type_id)
        return web.json_response({"status": "COMPLETE", "results": [
            {"from": {"id": m["id"]}, "to": {"id": m["to_id"]},
             "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}}]})  # fmt: skip

    async def _assoc_labelled(self, request: web.Request) -> web.Response:
        m = request.match_info
        for ty in await request.json():
            self._link(m["type"], m["id"], m["to"], m["to_id"], ty["associationCategory"],
                       int(ty["associationTypeId"]))  # fmt: skip
        return web.json_response({"fromObjectTypeId": m["type"], "fromObjectId": int(m["id"]),
                                  "toObjectTypeId": m["to"], "toObjectId": int(m["to_id"]), "labels": []})  # fmt: skip

    async def _assoc_list(self, request: web.Request) -> web.Response:
        m = request.match_info
        grouped: dict[str, list[dict[str, Any]]] = {}
        for _f, _fid, t, tid, cat, type_id in self._links_from(m["type"], m["id"]):
            if t == m["to"]:
                grouped.setdefault(tid, []).append(
                    {"category": cat, "typeId": type_id, "label": None}
                )
        return web.json_response({"results": [{"toObjectId": int(k), "associationTypes": v}
                                              for k, v in grouped.items()]})  # fmt: skip

    async def _assoc_batch(self, request: web.Request) -> web.Response:
        m = request.match_info
        inputs = (await request.json()).get("inputs") or []
        type_id = DEFAULT_TYPES.get((m["type"], m["to"]), 1)
        for item in inputs:
            self._link(m["type"], str(item["from"]["id"]), m["to"], str(item["to"]["id"]),
                       "HUBSPOT_DEFINED", type_id)  # fmt: skip
        return web.json_response({"status": "COMPLETE", "results": [
            {"from": i["from"], "to": i["to"], "associationSpec": {
                "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}} for i in inputs]})  # fmt: skip

    async def _account(self, request: web.Request) -> web.Response:
        return web.json_response({"portalId": PORTAL_ID, "accountType": "STANDARD",
                                  "timeZone": "Europe/London", "companyCurrency": "USD",
                                  "uiDomain": "app.hubspot.com", "dataHostingLocation": "na1"})  # fmt: skip

    async def _owners(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", "100"))
        start = int(request.query.get("after", "0"))
        doc: dict[str, Any] = {"results": self.owners[start : start + limit]}
        if start + limit < len(self.owners):
            doc["paging"] = {"next": {"after": str(start + limit)}}
        return web.json_response(doc)

    async def _pipelines(self, request: web.Request) -> web.Response:
        return web.json_response({"results": self.pipelines.get(request.match_info["type"], [])})

    def _journal_answer(self, index: int) -> web.Response:
        if index >= len(self.journal):
            return web.Response(status=204)
        offset, _ = self.journal[index]
        return web.json_response({"currentOffset": offset,
                                  "expiresAt": iso(datetime.fromtimestamp(self.clock() + 300, tz=UTC)),
                                  "url": f"{self.url}/_journal_files/{offset}"})  # fmt: skip

    async def _journal_earliest(self, request: web.Request) -> web.Response:
        return self._journal_answer(0)

    async def _journal_next(self, request: web.Request) -> web.Response:
        offsets = [o for o, _ in self.journal]
        offset = request.match_info["offset"]
        if offset not in offsets:
            return error(404, "Offset not found or expired", "OBJECT_NOT_FOUND")
        return self._journal_answer(offsets.index(offset) + 1)

    async def _journal_file(self, request: web.Request) -> web.Response:
        if "Authorization" in request.headers:  # pre-signed URL: a bearer header is refused
            return web.Response(status=400, text="Only one auth mechanism allowed")
        entry = next((e for o, e in self.journal if o == request.match_info["offset"]), None)
        if entry is None:
            return web.Response(status=404)
        return web.json_response(entry)
