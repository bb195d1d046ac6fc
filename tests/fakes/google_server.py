"""A fake Google on loopback (port 0) speaking the wire formats Sixty's Google code uses.

- OAuth 2.0: `/o/oauth2/auth` (redirects back with a code; `deny_scopes` simulates a rep
  unticking a permission), `/token` (authorization_code with PKCE S256 check, refresh_token;
  `invalid_grant` when revoked), `/revoke`, `/oauth2/v1/certs` (PEM x509 certs, the format
  `google.oauth2.id_token.verify_token` reads) for ID tokens and Pub/Sub push OIDC tokens,
  which `sign_id_token` makes with an RSA key of its own (`google.auth.crypt`/`jwt`).
- Gmail v1 (rootUrl `/`): messages.send/list(`q=rfc822msgid:`)/get(format=raw), history.list
  (404 below the oldest kept id), settings.sendAs.list, watch, stop.
- Calendar v3 (rootUrl `/calendar/v3/`): freeBusy, events.insert (conferenceDataVersion=1
  creates a Meet link; client-chosen ids give 409 on repeat), events.get, events.list
  (syncToken / nextSyncToken / 410 when expired), events.watch, channels.stop.

Bearer tokens are checked per mailbox and per scope (401 / 403 insufficientPermissions), errors
use Google's JSON error shape. `fail_next(route, status, ...)` scripts failures (429 with
Retry-After, 403 rateLimitExceeded, 500...). Every request is in `requests` (method, route,
query, headers, body), and every sent message's raw MIME in `mailbox(...).messages`.
`push_gmail` / `notify_calendar` deliver notifications to a webhook like Google does.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import functools
import hashlib
import itertools
import json
import re
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.policy import compat32
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt
from google.auth import jwt as google_jwt
from google.oauth2.credentials import Credentials

from connectors.google_api import GoogleEndpoints

GMAIL_READ = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
CAL = "https://www.googleapis.com/auth/calendar"
CAL_EVENTS = "https://www.googleapis.com/auth/calendar.events"
CAL_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
_READ_ANY = {GMAIL_READ, "https://mail.google.com/", "https://www.googleapis.com/auth/gmail.modify"}
# route -> scopes any one of which allows it (subset of the discovery documents' lists)
ROUTE_SCOPES: dict[str, set[str]] = {
    "gmail.messages.send": {GMAIL_SEND, "https://mail.google.com/"},
    "gmail.messages.list": _READ_ANY,
    "gmail.messages.get": _READ_ANY,
    "gmail.history.list": _READ_ANY,
    "gmail.sendAs.list": _READ_ANY,
    "gmail.watch": _READ_ANY,
    "gmail.stop": _READ_ANY,
    "calendar.freebusy": {CAL, CAL_FREEBUSY, "https://www.googleapis.com/auth/calendar.readonly"},
    "calendar.events.insert": {CAL, CAL_EVENTS},
    "calendar.events.get": {CAL, CAL_EVENTS},
    "calendar.events.list": {CAL, CAL_EVENTS},
    "calendar.events.watch": {CAL, CAL_EVENTS},
    "calendar.channels.stop": {CAL, CAL_EVENTS},
}
ACCOUNT = web.RequestKey("account", str)
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 409: "ALREADY_EXISTS", 410: "GONE", 429: "RESOURCE_EXHAUSTED",
                 500: "INTERNAL", 503: "UNAVAILABLE"}  # fmt: skip


def google_error(status: int, message: str, reason: str, domain: str = "global") -> web.Response:
    body = {"error": {"code": status, "message": message,
                      "errors": [{"message": message, "domain": domain, "reason": reason}],
                      "status": _STATUS_NAMES.get(status, "UNKNOWN")}}  # fmt: skip
    return web.json_response(body, status=status)


@dataclass
class Recorded:
    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Failure:
    status: int
    reason: str
    retry_after: str | None = None
    domain: str = "global"


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    label_ids: list[str]
    raw: bytes
    history_id: int
    message_id_header: str | None

    def header(self, name: str) -> str | None:
        value = email.message_from_bytes(self.raw, policy=compat32)[name]
        return None if value is None else str(value)

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(filename, content type, bytes) of each attachment in the raw MIME."""
        out = []
        for part in email.message_from_bytes(self.raw, policy=compat32).walk():
            if (part.get("Content-Disposition") or "").lower().startswith("attachment"):
                data = part.get_payload(decode=True)
                out.append((str(part.get_filename() or ""), part.get_content_type(),
                            data if isinstance(data, bytes) else b""))  # fmt: skip
        return out


@dataclass
class Mailbox:
    address: str
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    oldest_history_id: int = 1
    send_as: list[dict[str, Any]] = field(default_factory=list)
    watch_topic: str | None = None

    @property
    def sent(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if "SENT" in m.label_ids]


@dataclass
class Calendar:
    owner: str
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed_at: dict[str, int] = field(default_factory=dict)
    oldest_sync: int = 0


@dataclass
class Token:
    account: str
    scopes: set[str]
    expires_at: float
    refresh_token: str | None = None


class FakeGoogle:
    CLIENT_ID = "sixty-test.apps.googleusercontent.com"
    CLIENT_SECRET = "fake-secret"

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[Recorded] = []
        self.deny_scopes: set[str] = set()
        self.account = "rep@acme.test"  # who signs in at /o/oauth2/auth
        self.access_token_ttl_s = 3600
        self._codes: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, Token] = {}
        self._refresh: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._mailboxes: dict[str, Mailbox] = {}
        self._calendars: dict[str, Calendar] = {}
        self.busy: dict[str, list[dict[str, str]]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self._seq = itertools.count(1000)
        self._cal_seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.key_id, self._signer, self._cert_pem = _signing_material()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeGoogle:
        app = web.Application(middlewares=[self._record])
        r = app.router
        r.add_get("/o/oauth2/auth", self._authorize)
        r.add_post("/token", self._token)
        r.add_post("/revoke", self._revoke)
        r.add_get("/oauth2/v1/certs", self._certs)
        g = "/gmail/v1/users/{user}"
        r.add_post(g + "/messages/send", self._gmail_send, name="gmail.messages.send")
        r.add_get(g + "/messages", self._gmail_list, name="gmail.messages.list")
        r.add_get(g + "/messages/{id}", self._gmail_get, name="gmail.messages.get")
        r.add_get(g + "/history", self._gmail_history, name="gmail.history.list")
        r.add_get(g + "/settings/sendAs", self._gmail_send_as, name="gmail.sendAs.list")
        r.add_post(g + "/watch", self._gmail_watch, name="gmail.watch")
        r.add_post(g + "/stop", self._gmail_stop, name="gmail.stop")
        c = "/calendar/v3"
        r.add_post(c + "/freeBusy", self._freebusy, name="calendar.freebusy")
        r.add_post(c + "/calendars/{cal}/events", self._event_insert, name="calendar.events.insert")
        r.add_get(c + "/calendars/{cal}/events", self._event_list, name="calendar.events.list")
        r.add_post(c + "/calendars/{cal}/events/watch", self._event_watch,
                   name="calendar.events.watch")  # fmt: skip
        r.add_get(c + "/calendars/{cal}/events/{id}", self._event_get, name="calendar.events.get")
        r.add_post(c + "/channels/stop", self._channel_stop, name="calendar.channels.stop")
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

    # ------------------------------------------------------------------ endpoints to hand out

    @property
    def auth_uri(self) -> str:
        return f"{self.url}/o/oauth2/auth"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    @property
    def revoke_uri(self) -> str:
        return f"{self.url}/revoke"

    @property
    def certs_url(self) -> str:
        return f"{self.url}/oauth2/v1/certs"

    @property
    def gmail_endpoint(self) -> str:
        return f"{self.url}/"

    @property
    def calendar_endpoint(self) -> str:
        return f"{self.url}/calendar/v3/"

    def endpoints(self) -> GoogleEndpoints:
        return GoogleEndpoints.at(self.url)

    def credentials(self, account: str, scopes: set[str], *, ttl_s: float = 3600) -> Credentials:
        """Credentials as after a completed consent: an access and a refresh token."""
        access = self.issue_token(account, scopes, ttl_s=ttl_s)
        return Credentials(
            token=access, refresh_token=self.issue_refresh_token(account, scopes),
            token_uri=self.token_uri, client_id=self.CLIENT_ID, client_secret=self.CLIENT_SECRET,
            expiry=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=ttl_s),
        )  # fmt: skip

    # ------------------------------------------------------------------ scripting

    def fail_next(
        self, route: str, status: int, *, reason: str = "", retry_after: str | None = None,
        times: int = 1, domain: str = "global",
    ) -> None:  # fmt: skip
        default = {429: "rateLimitExceeded", 500: "backendError", 503: "backendError",
                   404: "notFound", 401: "authError", 410: "fullSyncRequired"}  # fmt: skip
        for _ in range(times):
            self._failures[route].append(
                Failure(status, reason or default.get(status, "failed"), retry_after, domain)
            )

    def issue_token(self, account: str, scopes: set[str], *, ttl_s: float = 3600) -> str:
        token = "ya29." + secrets.token_urlsafe(24)
        self._tokens[token] = Token(account, set(scopes), time.time() + ttl_s)
        return token

    def issue_refresh_token(self, account: str, scopes: set[str]) -> str:
        rt = "1//" + secrets.token_urlsafe(24)
        self._refresh[rt] = {"account": account, "scopes": set(scopes), "revoked": False}
        return rt

    def expire_access_tokens(self) -> None:
        for tok in self._tokens.values():
            tok.expires_at = 0

    def mailbox(self, address: str) -> Mailbox:
        return self._mailboxes.setdefault(address, Mailbox(address))

    def calendar(self, owner: str) -> Calendar:
        return self._calendars.setdefault(owner, Calendar(owner))

    def deliver(self, address: str, raw: bytes, *, thread_id: str | None = None) -> str:
        """An inbound message lands in INBOX (recorded in history as messageAdded)."""
        return self._store(self.mailbox(address), raw, thread_id, ["INBOX", "UNREAD"]).id

    def expire_history(self, address: str) -> None:
        box = self.mailbox(address)
        box.oldest_history_id = next(self._seq)

    def change_event(self, owner: str, event_id: str, **changes: Any) -> None:
        cal = self.calendar(owner)
        cal.events[event_id] = {**cal.events[event_id], **changes}
        cal.changed_at[event_id] = next(self._cal_seq)

    def expire_sync_tokens(self, owner: str) -> None:
        self.calendar(owner).oldest_sync = next(self._cal_seq)

    def sign_id_token(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload = {"iss": "https://accounts.google.com", "iat": now, "exp": now + 3600, **claims}
        return google_jwt.encode(self._signer, payload).decode("ascii")

    def routes_called(self) -> list[str]:
        return [r.route for r in self.requests]

    async def push_gmail(
        self, endpoint: str, address: str, history_id: int | str, *, audience: str,
        service_account: str = "gmail-push@sixty-test.iam.gserviceaccount.com",
        bearer: str | None = None,
    ) -> aiohttp.ClientResponse:  # fmt: skip
        """POST a Pub/Sub push envelope like Google does (OIDC JWT in Authorization)."""
        data = json.dumps({"emailAddress": address, "historyId": int(history_id)}).encode()
        envelope = {
            "message": {"data": base64.urlsafe_b64encode(data).decode(),
                        "messageId": str(next(self._seq)), "publishTime": _rfc3339(time.time())},
            "subscription": "projects/sixty-test/subscriptions/gmail-push",
        }  # fmt: skip
        token = bearer if bearer is not None else self.sign_id_token(
            {"aud": audience, "email": service_account, "email_verified": True,
             "sub": "1234567890", "azp": "1234567890"})  # fmt: skip
        async with (
            aiohttp.ClientSession() as s,
            s.post(endpoint, json=envelope, headers={"Authorization": f"Bearer {token}"}) as resp,
        ):
            await resp.read()
            return resp

    async def notify_calendar(
        self, endpoint: str, channel_id: str, state: str, *, number: int = 1,
        token: str | None = None,
    ) -> aiohttp.ClientResponse:  # fmt: skip
        ch = self.channels[channel_id]
        headers = {
            "X-Goog-Channel-ID": channel_id,
            "X-Goog-Channel-Token": ch.get("token", "") if token is None else token,
            "X-Goog-Channel-Expiration": "Tue, 19 Nov 2030 01:13:52 GMT",
            "X-Goog-Resource-ID": ch["resourceId"],
            "X-Goog-Resource-URI": ch["resourceUri"],
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(number),
        }
        async with aiohttp.ClientSession() as s, s.post(endpoint, headers=headers) as resp:
            await resp.read()
            return resp

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        route = request.match_info.route.name or request.path
        self.requests.append(Recorded(request.method, route, request.path, dict(request.query),
                                      dict(request.headers), body))  # fmt: skip
        if route in ROUTE_SCOPES:
            denied = self._check_auth(request, route)
            if denied is not None:
                return denied
            if self._failures[route]:
                f = self._failures[route].popleft()
                resp = google_error(f.status, f"scripted {f.status}", f.reason, f.domain)
                if f.retry_after is not None:
                    resp.headers["Retry-After"] = f.retry_after
                return resp
        return await handler(request)

    def _check_auth(self, request: web.Request, route: str) -> web.Response | None:
        auth = request.headers.get("Authorization", "")
        tok = self._tokens.get(auth.removeprefix("Bearer ").strip())
        if tok is None or tok.expires_at < time.time():
            resp = google_error(401, "Request had invalid authentication credentials.",
                                "authError")  # fmt: skip
            resp.headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
            return resp
        if not tok.scopes & ROUTE_SCOPES[route]:
            return google_error(403, "Request had insufficient authentication scopes.",
                                "insufficientPermissions")  # fmt: skip
        request[ACCOUNT] = tok.account
        return None

    def _box(self, request: web.Request) -> Mailbox:
        user = request.match_info["user"]
        return self.mailbox(request[ACCOUNT] if user == "me" else user)

    def _store(self, box: Mailbox, raw: bytes, thread_id: str | None,
               labels: list[str]) -> StoredMessage:  # fmt: skip
        msg_id = format(next(self._seq) * 7919, "x")
        if thread_id is None or not any(m.thread_id == thread_id for m in box.messages.values()):
            thread_id = msg_id
        parsed = email.message_from_bytes(raw, policy=compat32)
        hid = next(self._seq)
        stored = StoredMessage(msg_id, thread_id, labels, raw, hid,
                               (parsed["Message-ID"] or "").strip() or None)  # fmt: skip
        box.messages[msg_id] = stored
        ref = {"id": msg_id, "threadId": thread_id}
        box.history.append({"id": str(hid), "messages": [ref],
                            "messagesAdded": [{"message": {**ref, "labelIds": labels}}]})  # fmt: skip
        return stored

    def _current_history(self, box: Mailbox) -> int:
        return int(box.history[-1]["id"]) if box.history else box.oldest_history_id

    # ------------------------------------------------------------------ OAuth

    async def _authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        if q.get("client_id") != self.CLIENT_ID or q.get("response_type") != "code":
            return web.Response(status=400, text="Error 400: invalid_request")
        requested = set(q.get("scope", "").split())
        if q.get("include_granted_scopes") == "true":
            requested |= self._previously_granted(self.account)
        granted = requested - self.deny_scopes
        code = "4/" + secrets.token_urlsafe(16)
        self._codes[code] = {
            "redirect_uri": q.get("redirect_uri"), "scopes": granted,
            "challenge": q.get("code_challenge"), "method": q.get("code_challenge_method"),
            "offline": q.get("access_type") == "offline", "account": self.account,
        }  # fmt: skip
        params = {"state": q.get("state", ""), "code": code, "scope": " ".join(sorted(granted))}
        raise web.HTTPFound(f"{q.get('redirect_uri')}?{urlencode(params)}")

    def _previously_granted(self, account: str) -> set[str]:
        out: set[str] = set()
        for rt in self._refresh.values():
            if rt["account"] == account and not rt["revoked"]:
                out |= rt["scopes"]
        return out

    def _client_ok(self, request: web.Request, form: Any) -> bool:
        cid, secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        return cid == self.CLIENT_ID and secret == self.CLIENT_SECRET

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._client_ok(request, form):
            return web.json_response({"error": "invalid_client"}, status=401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            code = self._codes.pop(str(form.get("code", "")), None)
            if code is None or code["redirect_uri"] != form.get("redirect_uri"):
                return web.json_response({"error": "invalid_grant",
                                          "error_description": "Bad Request"}, status=400)  # fmt: skip
            if code["challenge"]:
                verifier = str(form.get("code_verifier", ""))
                digest = hashlib.sha256(verifier.encode()).digest()
                expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if code["method"] != "S256" or expected != code["challenge"]:
                    return web.json_response({"error": "invalid_grant",
                                              "error_description": "Invalid code verifier."},
                                             status=400)  # fmt: skip
            account, scopes = code["account"], code["scopes"]
            body = self._access(account, scopes)
            if code["offline"]:
                body["refresh_token"] = self.issue_refresh_token(account, scopes)
            if "openid" in scopes:
                body["id_token"] = self.sign_id_token(
                    {"aud": self.CLIENT_ID, "sub": "sub-" + account, "email": account,
                     "email_verified": True, "azp": self.CLIENT_ID})  # fmt: skip
            return web.json_response(body)
        if grant == "refresh_token":
            rt = self._refresh.get(str(form.get("refresh_token", "")))
            if rt is None or rt["revoked"]:
                return web.json_response({"error": "invalid_grant",
                                          "error_description": "Token has been expired or revoked."},
                                         status=400)  # fmt: skip
            return web.json_response(self._access(rt["account"], rt["scopes"]))
        return web.json_response({"error": "unsupported_grant_type"}, status=400)

    def _access(self, account: str, scopes: set[str]) -> dict[str, Any]:
        token = self.issue_token(account, scopes, ttl_s=self.access_token_ttl_s)
        return {"access_token": token, "expires_in": self.access_token_ttl_s,
                "scope": " ".join(sorted(scopes)), "token_type": "Bearer"}  # fmt: skip

    async def _revoke(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = str(form.get("token") or request.query.get("token") or "")
        if token in self._refresh and not self._refresh[token]["revoked"]:
            self._refresh[token]["revoked"] = True
            account = self._refresh[token]["account"]
            for tok in self._tokens.values():
                if tok.account == account:
                    tok.expires_at = 0
            return web.json_response({})
        if token in self._tokens:
            self._tokens[token].expires_at = 0
            return web.json_response({})
        return web.json_response({"error": "invalid_token", "error_description": "Bad Request"},
                                 status=400)  # fmt: skip

    async def _certs(self, request: web.Request) -> web.Response:
        return web.json_response({self.key_id: self._cert_pem},
                                 headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip

    # ------------------------------------------------------------------ Gmail

    async def _gmail_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        raw = str(body.get("raw", ""))
        try:
            data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        except ValueError:
            return google_error(400, "Invalid raw", "invalidArgument")
        if not data:
            return google_error(400, "'raw' RFC822 payload message string or uploading message "
                                "via /upload/* URL required", "invalidArgument")  # fmt: skip
        stored = self._store(self._box(request), data, body.get("threadId"), ["SENT"])
        return web.json_response({"id": stored.id, "threadId": stored.thread_id,
                                  "labelIds": stored.label_ids})  # fmt: skip

    async def _gmail_list(self, request: web.Request) -> web.Response:
        box, q = self._box(request), request.query.get("q", "")
        labels = request.query.getall("labelIds", [])
        found = list(box.messages.values())
        m = re.search(r"rfc822msgid:(\S+)", q)
        if m:
            wanted = m.group(1).strip("<>")
            found = [x for x in found if (x.message_id_header or "").strip("<>") == wanted]
        found = [x for x in found if all(lab in x.label_ids for lab in labels)]
        out: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if found:
            out["messages"] = [{"id": x.id, "threadId": x.thread_id} for x in reversed(found)]
        return web.json_response(out)

    async def _gmail_get(self, request: web.Request) -> web.Response:
        msg = self._box(request).messages.get(request.match_info["id"])
        if msg is None:
            return google_error(404, "Requested entity was not found.", "notFound")
        out = {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_ids,
               "historyId": str(msg.history_id), "sizeEstimate": len(msg.raw),
               "internalDate": str(int(time.time() * 1000)), "snippet": ""}  # fmt: skip
        if request.query.get("format") == "raw":
            out["raw"] = base64.urlsafe_b64encode(msg.raw).decode()
        return web.json_response(out)

    async def _gmail_history(self, request: web.Request) -> web.Response:
        box = self._box(request)
        try:
            start = int(request.query["startHistoryId"])
        except (KeyError, ValueError):
            return google_error(400, "Invalid startHistoryId", "invalidArgument")
        if start < box.oldest_history_id:
            return google_error(404, "Requested entity was not found.", "notFound")
        types = set(request.query.getall("historyTypes", []))
        label = request.query.get("labelId")
        entries = [h for h in box.history if int(h["id"]) > start]
        if types and "messageAdded" not in types:
            entries = []
        if label:
            entries = [h for h in entries
                       if label in h["messagesAdded"][0]["message"]["labelIds"]]  # fmt: skip
        size = int(request.query.get("maxResults", 100))
        offset = int(request.query.get("pageToken", 0))
        page = entries[offset : offset + size]
        out: dict[str, Any] = {"historyId": str(self._current_history(box))}
        if page:
            out["history"] = page
        if offset + size < len(entries):
            out["nextPageToken"] = str(offset + size)
        return web.json_response(out)

    async def _gmail_send_as(self, request: web.Request) -> web.Response:
        box = self._box(request)
        send_as = box.send_as or [{"sendAsEmail": box.address, "displayName": "",
                                   "replyToAddress": "", "signature": "", "isPrimary": True,
                                   "isDefault": True}]  # fmt: skip
        return web.json_response({"sendAs": send_as})

    async def _gmail_watch(self, request: web.Request) -> web.Response:
        body, box = await request.json(), self._box(request)
        box.watch_topic = body.get("topicName")
        expiration = int((time.time() + 7 * 86400) * 1000)
        return web.json_response({"historyId": str(self._current_history(box)),
                                  "expiration": str(expiration)})  # fmt: skip

    async def _gmail_stop(self, request: web.Request) -> web.Response:
        self._box(request).watch_topic = None
        return web.Response(status=204)

    # ------------------------------------------------------------------ Calendar

    def _cal(self, request: web.Request) -> Calendar:
        cal = request.match_info["cal"]
        return self.calendar(request[ACCOUNT] if cal == "primary" else cal)

    async def _freebusy(self, request: web.Request) -> web.Response:
        body = await request.json()
        calendars: dict[str, Any] = {}
        for item in body.get("items", []):
            cid = item.get("id", "")
            who = request[ACCOUNT] if cid == "primary" else cid
            if who in self.busy:
                lo, hi = body["timeMin"], body["timeMax"]
                busy = [
                    b
                    for b in self.busy[who]
                    if _ts(b["end"]) > _ts(lo) and _ts(b["start"]) < _ts(hi)
                ]
                calendars[cid] = {"busy": busy}
            else:
                calendars[cid] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
        return web.json_response({"kind": "calendar#freeBusy", "timeMin": body.get("timeMin"),
                                  "timeMax": body.get("timeMax"), "calendars": calendars})  # fmt: skip

    async def _event_insert(self, request: web.Request) -> web.Response:
        body, cal = await request.json(), self._cal(request)
        event_id = body.get("id") or secrets.token_hex(13)
        if event_id in cal.events:
            return google_error(409, "The requested identifier already exists.", "duplicate")
        event = {**body, "kind": "calendar#event", "id": event_id, "status": "confirmed",
                 "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
                 "organizer": {"email": cal.owner, "self": True},
                 "created": _rfc3339(time.time()), "updated": _rfc3339(time.time())}  # fmt: skip
        create = (body.get("conferenceData") or {}).get("createRequest")
        if request.query.get("conferenceDataVersion") == "1" and create:
            code = "-".join(secrets.token_hex(2)[:3] for _ in range(3))
            link = f"https://meet.google.com/{code}"
            event["hangoutLink"] = link
            event["conferenceData"] = {
                "createRequest": {**create, "status": {"statusCode": "success"}},
                "entryPoints": [{"entryPointType": "video", "uri": link, "label": link[8:]}],
                "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
                "conferenceId": code,
            }
        else:
            event.pop("conferenceData", None)
        cal.events[event_id] = event
        cal.changed_at[event_id] = next(self._cal_seq)
        return web.json_response(event)

    async def _event_get(self, request: web.Request) -> web.Response:
        event = self._cal(request).events.get(request.match_info["id"])
        if event is None:
            return google_error(404, "Not Found", "notFound")
        return web.json_response(event)

    async def _event_list(self, request: web.Request) -> web.Response:
        cal, q = self._cal(request), request.query
        token = q.get("syncToken")
        if token is not None:
            since = int(token.removeprefix("sync-")) if token.startswith("sync-") else -1
            if since < cal.oldest_sync:
                return google_error(410, "Sync token is no longer valid, a full sync is required.",
                                    "fullSyncRequired")  # fmt: skip
            items = [e for i, e in cal.events.items() if cal.changed_at[i] > since]
        else:
            items = [e for e in cal.events.values() if e.get("status") != "cancelled"]
        size = int(q.get("maxResults", 250))
        offset = int(q.get("pageToken", 0))
        page = items[offset : offset + size]
        out: dict[str, Any] = {"kind": "calendar#events", "items": page}
        if offset + size < len(items):
            out["nextPageToken"] = str(offset + size)
        else:
            out["nextSyncToken"] = f"sync-{max(cal.changed_at.values(), default=0)}"
        return web.json_response(out)

    async def _event_watch(self, request: web.Request) -> web.Response:
        body, cal = await request.json(), self._cal(request)
        resource_id = "res-" + secrets.token_hex(6)
        channel = {"kind": "api#channel", "id": body["id"], "resourceId": resource_id,
                   "resourceUri": f"{self.url}/calendar/v3/calendars/{cal.owner}/events?alt=json",
                   "token": body.get("token"), "address": body.get("address"),
                   "expiration": str(body.get("expiration")
                                     or int((time.time() + 7 * 86400) * 1000))}  # fmt: skip
        self.channels[body["id"]] = channel
        return web.json_response({k: v for k, v in channel.items() if k != "address"})

    async def _channel_stop(self, request: web.Request) -> web.Response:
        body = await request.json()
        ch = self.channels.get(body.get("id", ""))
        if ch is None or ch["resourceId"] != body.get("resourceId"):
            return google_error(404, "Channel not found", "notFound")
        del self.channels[body["id"]]
        return web.Response(status=204)


def _rfc3339(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@functools.cache
def _signing_material() -> tuple[str, crypt.RSASigner, str]:
    """One RSA key and certificate per test process (generating one takes ~100 ms)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_id = secrets.token_hex(8)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_id, crypt.RSASigner.from_string(pem, key_id=key_id), _self_signed(key)


def _self_signed(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-google.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()
