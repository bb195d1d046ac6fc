"""A fake Microsoft identity platform + Microsoft Graph on loopback (port 0).

- Login (served over TLS with a self-signed certificate for 127.0.0.1, because MSAL only accepts
  https authorities; hand `ca_file` to `MicrosoftOAuth(verify=...)`):
  `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/oauth2/v2.0/authorize`
  (redirects back with a code, binding PKCE challenge, nonce and granted scopes; `deny_scopes`
  simulates a consent without some permission) and `/{tenant}/oauth2/v2.0/token`
  (authorization_code with the S256 PKCE check, refresh_token with rotation; `invalid_grant`
  once `revoke_refresh_tokens()` ran). ID tokens are unsigned-JWT shaped (MSAL only decodes).
- Graph v1.0 (plain http at `graph_base`): `/me`, `/me/sendMail`, `/me/messages/{id}/reply`,
  `/me/messages` (`$filter` on the send-marker extended property), `/me/messages/{id}` and
  `/$value`, inbox messages delta (id, conversationId, receivedDateTime, isDraft; the one
  `$filter` Graph allows there, `receivedDateTime ge|gt`; `fail_next("mail.delta", 410)` for an
  expired link), `/me/calendar/getSchedule`, `/me/events` (create with
  transactionId dedup — `dedupe_transactions=False` to model a server that does not — and list
  with the extended-property filter), `/me/calendarView/delta` (paged by `delta_page_size`, 410
  `syncStateNotFound` after `expire_delta_tokens()`), `/subscriptions` (create runs the
  validationToken handshake against notificationUrl and lifecycleNotificationUrl like Graph
  does; PATCH renew; DELETE).

Bearer tokens are checked per account and scope (401 InvalidAuthenticationToken, 403
ErrorAccessDenied). `fail_next(route, status, code=, retry_after=)` scripts failures. Every
request lands in `requests`; sent mail in `sent` (`SentMail`: message JSON, recipients, headers,
marker), events in `events`, subscriptions in `subscriptions`. `notify(...)` / `lifecycle(...)`
POST change and lifecycle notifications to the subscription's URLs like Graph.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import ipaddress
import itertools
import json
import re
import secrets
import ssl
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.graph import EVENT_MARKER_PROPERTY_ID, MAX_SUBSCRIPTION_MINUTES
from storage.clock import wall_clock

MAIL_READ_ANY = {"Mail.Read", "Mail.ReadWrite"}
CAL_READ_ANY = {"Calendars.Read", "Calendars.ReadWrite"}
ROUTE_SCOPES: dict[str, set[str]] = {
    "me": {"User.Read", "User.ReadBasic.All"},
    "mail.send": {"Mail.Send"},
    "mail.reply": {"Mail.Send"},
    "mail.list": MAIL_READ_ANY,
    "mail.get": MAIL_READ_ANY,
    "mail.mime": MAIL_READ_ANY,
    "mail.delta": MAIL_READ_ANY,
    "calendar.getSchedule": CAL_READ_ANY,
    "events.create": {"Calendars.ReadWrite"},
    "events.list": CAL_READ_ANY,
    "calendar.delta": CAL_READ_ANY,
    "subscriptions.create": MAIL_READ_ANY | CAL_READ_ANY,
    "subscriptions.update": MAIL_READ_ANY | CAL_READ_ANY,
    "subscriptions.delete": MAIL_READ_ANY | CAL_READ_ANY,
}
ACCOUNT = web.RequestKey("graph_account", str)
_FILTER = re.compile(
    r"singleValueExtendedProperties/Any\(ep: ep/id eq '(?P<id>[^']+)' and ep/value eq "
    r"'(?P<value>(?:[^']|'')*)'\)"
)


def graph_error(status: int, code: str, message: str = "") -> web.Response:
    body = {"error": {"code": code, "message": message or code,
                      "innerError": {"request-id": secrets.token_hex(8)}}}  # fmt: skip
    return web.json_response(body, status=status)


@dataclass
class Recorded:
    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    raw_path: str = ""  # as sent, query still percent-encoded

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Failure:
    status: int
    code: str
    retry_after: str | None = None


INLINE_ATTACHMENTS_MAX = 3 * 1024 * 1024  # Graph: larger files need an upload session


def _bad_attachments(msg: dict[str, Any]) -> web.Response | None:
    """Graph's answer to malformed or too large inline attachments, else None."""
    total = 0
    for a in msg.get("attachments") or []:
        if a.get("@odata.type") != "#microsoft.graph.fileAttachment" or not a.get("name"):
            return graph_error(400, "ErrorInvalidRequest", "Invalid attachment")
        try:
            total += len(base64.b64decode(str(a.get("contentBytes") or ""), validate=True))
        except ValueError:
            return graph_error(400, "ErrorInvalidRequest", "contentBytes is not base64")
    if total > INLINE_ATTACHMENTS_MAX:
        return graph_error(413, "ErrorRequestEntityTooLarge", "The request is too large")
    return None


@dataclass
class SentMail:
    account: str
    kind: str  # sendMail | reply
    message: dict[str, Any]
    save_to_sent: bool
    id: str
    reply_to_id: str | None = None
    comment: str | None = None

    @property
    def to(self) -> list[str]:
        return [r["emailAddress"]["address"] for r in self.message.get("toRecipients") or []]

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(name, content type, bytes) of each fileAttachment sent with the message."""
        return [(str(a.get("name") or ""), str(a.get("contentType") or ""),
                 base64.b64decode(str(a.get("contentBytes") or "")))
                for a in self.message.get("attachments") or []]  # fmt: skip

    @property
    def cc(self) -> list[str]:
        return [r["emailAddress"]["address"] for r in self.message.get("ccRecipients") or []]

    @property
    def headers(self) -> dict[str, str]:
        return {h["name"]: h["value"] for h in self.message.get("internetMessageHeaders") or []}

    @property
    def marker(self) -> str | None:
        for p in self.message.get("singleValueExtendedProperties") or []:
            return str(p["value"])
        return None


@dataclass
class Token:
    account: str
    scopes: set[str]
    expires_at: float


@dataclass
class Calendar:
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    working_hours: dict[str, Any] | None = None
    visible: bool = True
    delta_epoch: int = 0


class FakeGraph:
    CLIENT_ID = "00000000-aaaa-bbbb-cccc-000000000001"
    CLIENT_SECRET = "fake-ms-secret"
    TENANT = "common"
    TENANT_ID = "11111111-2222-3333-4444-555555555555"

    def __init__(self, clock: Callable[[], dt.datetime] | None = None) -> None:
        # Graph's clock: stamps messages and bounds subscription expiry (a test may fix it);
        # by default the server's own time, as Microsoft's is: the wall clock on purpose
        self.clock = clock or wall_clock
        self.login_base = ""
        self.graph_url = ""
        self.ca_file = ""
        self.account = "rep@contoso.test"  # who signs in at /authorize
        self.deny_scopes: set[str] = set()
        self.dedupe_transactions = True
        self.delta_page_size = 50
        self.handshake_timeout_s = 10.0
        self.requests: list[Recorded] = []
        self.sent: list[SentMail] = []
        self.messages: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # acct -> id -> msg
        self.events: list[dict[str, Any]] = []  # every created event (in order)
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.handshakes: list[tuple[str, int, str]] = []  # (url, status, body)
        self._calendars: dict[str, Calendar] = defaultdict(Calendar)
        self._codes: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, Token] = {}
        self._refresh: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeGraph:
        app = web.Application(middlewares=[self._record])
        r = app.router
        t = "/{tenant}"
        r.add_get(t + "/v2.0/.well-known/openid-configuration", self._openid, name="openid")
        r.add_get(t + "/oauth2/v2.0/authorize", self._authorize, name="authorize")
        r.add_post(t + "/oauth2/v2.0/token", self._token, name="token")
        g = "/v1.0"
        r.add_get(g + "/me", self._me, name="me")
        r.add_post(g + "/me/sendMail", self._send_mail, name="mail.send")
        r.add_post(g + "/me/messages/{id}/reply", self._reply, name="mail.reply")
        r.add_get(g + "/me/messages", self._list_messages, name="mail.list")
        r.add_get(g + "/me/messages/{id}/$value", self._mime, name="mail.mime")
        r.add_get(g + "/me/messages/{id}", self._get_message, name="mail.get")
        r.add_get(g + "/me/mailFolders/{folder}/messages/delta", self._mail_delta,
                  name="mail.delta")  # fmt: skip
        r.add_post(g + "/me/calendar/getSchedule", self._get_schedule, name="calendar.getSchedule")
        r.add_post(g + "/me/events", self._create_event, name="events.create")
        r.add_get(g + "/me/events", self._list_events, name="events.list")
        r.add_get(g + "/me/calendarView/delta", self._calendar_delta, name="calendar.delta")
        r.add_post(g + "/subscriptions", self._create_sub, name="subscriptions.create")
        r.add_patch(g + "/subscriptions/{id}", self._update_sub, name="subscriptions.update")
        r.add_delete(g + "/subscriptions/{id}", self._delete_sub, name="subscriptions.delete")
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-graph-")
        cert_pem, key_pem = _tls_material()
        self.ca_file = f"{self._tmp.name}/ca.pem"
        key_file = f"{self._tmp.name}/key.pem"
        Path(self.ca_file).write_text(cert_pem)  # noqa: ASYNC240 - tiny files, test setup
        Path(key_file).write_text(key_pem)  # noqa: ASYNC240
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.ca_file, key_file)
        tls = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ctx)
        await tls.start()
        plain = web.TCPSite(self._runner, "127.0.0.1", 0)
        await plain.start()
        self.login_base = f"https://127.0.0.1:{_port(tls)}"
        self.graph_url = f"http://127.0.0.1:{_port(plain)}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._tmp is not None:
            self._tmp.cleanup()

    @property
    def graph_base(self) -> str:
        return f"{self.graph_url}/v1.0"

    # ------------------------------------------------------------------ scripting

    def fail_next(self, route: str, status: int, *, code: str = "", retry_after: str | None = None,
                  times: int = 1) -> None:  # fmt: skip
        default = {429: "TooManyRequests", 503: "ServiceNotAvailable", 500: "InternalServerError",
                   401: "InvalidAuthenticationToken", 404: "ErrorItemNotFound",
                   410: "syncStateNotFound", 400: "ErrorInvalidRequest"}  # fmt: skip
        for _ in range(times):
            self._failures[route].append(Failure(status, code or default.get(status, "Failed"),
                                                 retry_after))  # fmt: skip

    def issue_token(self, account: str, scopes: set[str], *, ttl_s: float = 3600) -> str:
        token = "eyFake." + secrets.token_urlsafe(24)
        self._tokens[token] = Token(account, set(scopes), time.time() + ttl_s)
        return token

    def issue_refresh_token(self, account: str, scopes: set[str]) -> str:
        token = "M.R3_" + secrets.token_urlsafe(24)
        self._refresh[token] = {"account": account, "scopes": set(scopes), "revoked": False}
        return token

    def expire_access_tokens(self) -> None:
        for tok in self._tokens.values():
            tok.expires_at = 0

    def revoke_refresh_tokens(self) -> None:
        for rt in self._refresh.values():
            rt["revoked"] = True

    def calendar(self, owner: str) -> Calendar:
        return self._calendars[owner.lower()]

    def add_event(self, owner: str, start: dt.datetime, end: dt.datetime, *,
                  show_as: str = "busy", subject: str = "Busy", **extra: Any) -> str:  # fmt: skip
        """Put an event on someone's calendar (UTC times stored)."""
        ev_id = f"AAMkEv{next(self._seq)}"
        self.calendar(owner).events[ev_id] = {
            "id": ev_id, "subject": subject, "showAs": show_as,
            "start": _dtz(start), "end": _dtz(end), "attendees": [], **extra,
        }  # fmt: skip
        return ev_id

    def remove_event(self, owner: str, event_id: str) -> None:
        ev = self.calendar(owner).events[event_id]
        ev["@removed"] = {"reason": "deleted"}

    def expire_delta_tokens(self, owner: str) -> None:
        self.calendar(owner).delta_epoch += 1

    def deliver(self, account: str, *, sender: str, subject: str, body: str,
                to: list[str] | None = None, conversation_id: str | None = None) -> str:  # fmt: skip
        """A message arriving in `account`'s inbox; returns its Graph id."""
        msg_id = f"AAMkMsg{next(self._seq)}"
        now = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.messages[account.lower()][msg_id] = {
            "id": msg_id, "parentFolderId": "inbox", "isDraft": False,
            "internetMessageId": f"<{msg_id.lower()}@mail.contoso.test>",
            "conversationId": conversation_id or f"AAQkConv{next(self._seq)}",
            "subject": subject, "from": {"emailAddress": {"address": sender, "name": ""}},
            "toRecipients": [{"emailAddress": {"address": a}} for a in (to or [account])],
            "ccRecipients": [], "body": {"contentType": "Text", "content": body},
            "receivedDateTime": now, "sentDateTime": now,
        }  # fmt: skip
        return msg_id

    def routes_called(self) -> list[str]:
        return [r.route for r in self.requests]

    async def notify(
        self, subscription_id: str, resource_id: str, *, change_type: str = "created",
        client_state: str | None = None, extra: list[dict[str, Any]] | None = None,
    ) -> aiohttp.ClientResponse:  # fmt: skip
        """POST a change notification for `resource_id` to the subscription's notificationUrl."""
        sub = self.subscriptions[subscription_id]
        kind = "Message" if "message" in sub["resource"].lower() else "Event"
        item = {
            "id": secrets.token_hex(8), "subscriptionId": subscription_id,
            "subscriptionExpirationDateTime": sub["expirationDateTime"],
            "clientState": sub["clientState"] if client_state is None else client_state,
            "changeType": change_type, "tenantId": self.TENANT_ID,
            "resource": f"Users/{sub['account']}/{kind}s/{resource_id}",
            "resourceData": {"@odata.type": f"#Microsoft.Graph.{kind}",
                             "@odata.id": f"Users/{sub['account']}/{kind}s/{resource_id}",
                             "@odata.etag": 'W/"CQAAABYAAAA"', "id": resource_id},
        }  # fmt: skip
        return await self._post_json(sub["notificationUrl"], {"value": [item, *(extra or [])]})

    async def lifecycle(self, subscription_id: str, event: str) -> aiohttp.ClientResponse:
        """A lifecycle notification (reauthorizationRequired, subscriptionRemoved, missed)."""
        sub = self.subscriptions[subscription_id]
        item = {"subscriptionId": subscription_id, "lifecycleEvent": event,
                "subscriptionExpirationDateTime": sub["expirationDateTime"],
                "clientState": sub["clientState"], "tenantId": self.TENANT_ID,
                "resource": sub["resource"]}  # fmt: skip
        url = sub.get("lifecycleNotificationUrl") or sub["notificationUrl"]
        return await self._post_json(url, {"value": [item]})

    async def _post_json(self, url: str, body: Any) -> aiohttp.ClientResponse:
        async with aiohttp.ClientSession() as s, s.post(url, json=body) as resp:
            await resp.read()
            return resp

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        route = request.match_info.route.name or request.path
        self.requests.append(Recorded(request.method, route, request.path, dict(request.query),
                                      dict(request.headers), body, request.raw_path))  # fmt: skip
        if route in ROUTE_SCOPES:
            auth = request.headers.get("Authorization", "")
            tok = self._tokens.get(auth.removeprefix("Bearer ").strip())
            if tok is None or tok.expires_at < time.time():
                return graph_error(401, "InvalidAuthenticationToken", "Access token has expired.")
            if not tok.scopes & ROUTE_SCOPES[route]:
                return graph_error(403, "ErrorAccessDenied", "Access is denied.")
            request[ACCOUNT] = tok.account.lower()
            if self._failures[route]:
                f = self._failures[route].popleft()
                resp = graph_error(f.status, f.code)
                if f.retry_after is not None:
                    resp.headers["Retry-After"] = f.retry_after
                return resp
        return await handler(request)

    # ------------------------------------------------------------------ login

    async def _openid(self, request: web.Request) -> web.Response:
        t = request.match_info["tenant"]
        base = f"{self.login_base}/{t}"
        return web.json_response({
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "issuer": f"{self.login_base}/{{tenantid}}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        })  # fmt: skip

    async def _authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        if q.get("client_id") != self.CLIENT_ID or q.get("response_type") != "code":
            return web.Response(status=400, text="AADSTS900144: invalid_request")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.Response(status=400, text="AADSTS501491: PKCE required")
        requested = set(q.get("scope", "").split())
        code = "0.A" + secrets.token_urlsafe(24)
        self._codes[code] = {"redirect_uri": q.get("redirect_uri"), "scopes": requested,
                             "challenge": q["code_challenge"], "nonce": q.get("nonce"),
                             "account": self.account}  # fmt: skip
        params = {"code": code, "state": q.get("state", ""), "session_state": "s1"}
        raise web.HTTPFound(f"{q.get('redirect_uri')}?{urlencode(params)}")

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (
            form.get("client_id") != self.CLIENT_ID
            or form.get("client_secret") != self.CLIENT_SECRET
        ):
            return web.json_response({"error": "invalid_client",
                                      "error_description": "AADSTS7000215"}, status=401)  # fmt: skip
        grant = form.get("grant_type")
        if grant == "authorization_code":
            info = self._codes.pop(str(form.get("code", "")), None)
            if info is None or info["redirect_uri"] != form.get("redirect_uri"):
                return _oauth_error("invalid_grant", "AADSTS70000: code is invalid or used")
            verifier = str(form.get("code_verifier", ""))
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if challenge.decode().rstrip("=") != info["challenge"]:
                return _oauth_error("invalid_grant", "AADSTS501481: code_verifier mismatch")
            account, requested, nonce = info["account"], info["scopes"], info["nonce"]
        elif grant == "refresh_token":
            rt = self._refresh.get(str(form.get("refresh_token", "")))
            if rt is None or rt["revoked"]:
                return _oauth_error("invalid_grant", "AADSTS700082: refresh token expired")
            account, requested, nonce = rt["account"], set(str(form.get("scope", "")).split()), None
            requested = (requested & rt["scopes"]) | {"openid", "profile", "offline_access"}
        else:
            return _oauth_error("unsupported_grant_type", "AADSTS70003")
        resource = {s for s in requested if s not in ("openid", "profile", "offline_access",
                                                      "email")}  # fmt: skip
        granted = (resource - self.deny_scopes) if grant == "authorization_code" else resource
        body: dict[str, Any] = {
            "token_type": "Bearer", "scope": " ".join(sorted(granted)), "expires_in": 3599,
            "ext_expires_in": 3599, "access_token": self.issue_token(account, granted),
            "client_info": _b64json({"uid": "oid-" + _h(account), "utid": self.TENANT_ID}),
        }  # fmt: skip
        if "offline_access" in requested:
            body["refresh_token"] = self.issue_refresh_token(account, granted)
        if "openid" in requested:
            now = int(time.time())
            claims = {"aud": self.CLIENT_ID, "iss": f"{self.login_base}/{self.TENANT_ID}/v2.0",
                      "iat": now, "nbf": now, "exp": now + 3600, "name": "Rep",
                      "preferred_username": account, "oid": "oid-" + _h(account),
                      "sub": _h(account), "tid": self.TENANT_ID, "ver": "2.0"}  # fmt: skip
            if nonce:
                claims["nonce"] = nonce
            body["id_token"] = ".".join([_b64json({"alg": "none", "typ": "JWT"}),
                                         _b64json(claims), ""])  # fmt: skip
        return web.json_response(body)

    # ------------------------------------------------------------------ mail

    async def _me(self, request: web.Request) -> web.Response:
        acct = request[ACCOUNT]
        return web.json_response({"id": "oid-" + _h(acct), "mail": acct,
                                  "userPrincipalName": acct, "displayName": "Rep"})  # fmt: skip

    def _store_sent(self, acct: str, message: dict[str, Any], **extra: Any) -> dict[str, Any]:
        msg_id = f"AAMkSent{next(self._seq)}"
        now = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        stored = {**message, "id": msg_id, "parentFolderId": "sentitems", "isDraft": False,
                  "internetMessageId": f"<{msg_id.lower()}@mail.contoso.test>",
                  "from": {"emailAddress": {"address": acct}}, "sentDateTime": now,
                  "receivedDateTime": now, **extra}  # fmt: skip
        self.messages[acct][msg_id] = stored
        return stored

    async def _send_mail(self, request: web.Request) -> web.Response:
        body = await request.json()
        msg = body.get("message")
        if not isinstance(msg, dict) or not msg.get("toRecipients"):
            return graph_error(400, "ErrorInvalidRecipients", "At least one recipient is required")
        if (bad := _bad_attachments(msg)) is not None:
            return bad
        for h in msg.get("internetMessageHeaders") or []:
            if not str(h.get("name", "")).lower().startswith("x-"):
                return graph_error(400, "InvalidInternetMessageHeader")
        acct = request[ACCOUNT]
        save = body.get("saveToSentItems", True) is not False
        stored = self._store_sent(acct, msg, conversationId=f"AAQkConv{next(self._seq)}")
        if not save:
            del self.messages[acct][stored["id"]]
        self.sent.append(SentMail(acct, "sendMail", msg, save, stored["id"]))
        return web.Response(status=202)

    async def _reply(self, request: web.Request) -> web.Response:
        acct = request[ACCOUNT]
        original = self.messages[acct].get(request.match_info["id"])
        if original is None:
            return graph_error(404, "ErrorItemNotFound", "The specified object was not found")
        body = await request.json()
        msg = dict(body.get("message") or {})
        if (bad := _bad_attachments(msg)) is not None:
            return bad
        comment = body.get("comment")
        if comment is not None and "body" in msg:
            return graph_error(400, "ErrorInvalidRequest", "comment and message.body both set")
        if comment is not None:
            msg["body"] = {"contentType": "Text", "content": str(comment)}
        msg.setdefault("toRecipients", [original["from"]])
        msg.setdefault("subject", "RE: " + str(original.get("subject") or ""))
        stored = self._store_sent(acct, msg, conversationId=original.get("conversationId"))
        self.sent.append(SentMail(acct, "reply", msg, True, stored["id"],
                                  reply_to_id=original["id"], comment=comment))  # fmt: skip
        return web.Response(status=202)

    async def _list_messages(self, request: web.Request) -> web.Response:
        acct = request[ACCOUNT]
        items = list(self.messages[acct].values())
        flt = request.query.get("$filter")
        if flt:
            m = _FILTER.fullmatch(flt)
            if m is None:
                return graph_error(400, "ErrorInvalidUrlQueryFilter")
            value = m["value"].replace("''", "'")
            items = [x for x in items if any(
                p.get("id") == m["id"] and str(p.get("value")).lower() == value.lower()
                for p in x.get("singleValueExtendedProperties") or [])]  # fmt: skip
        top = int(request.query.get("$top", "10"))
        return web.json_response({"value": [_select(x, request) for x in items[:top]]})

    def _message(self, request: web.Request) -> dict[str, Any] | None:
        return self.messages[request[ACCOUNT]].get(request.match_info["id"])

    async def _get_message(self, request: web.Request) -> web.Response:
        msg = self._message(request)
        if msg is None:
            return graph_error(404, "ErrorItemNotFound", "The specified object was not found")
        return web.json_response(_select(msg, request))

    async def _mime(self, request: web.Request) -> web.Response:
        msg = self._message(request)
        if msg is None:
            return graph_error(404, "ErrorItemNotFound")
        mime = EmailMessage()
        mime["From"] = msg["from"]["emailAddress"]["address"]
        mime["To"] = ", ".join(r["emailAddress"]["address"] for r in msg.get("toRecipients") or [])
        mime["Subject"] = str(msg.get("subject") or "")
        mime["Message-ID"] = str(msg.get("internetMessageId"))
        mime.set_content(str((msg.get("body") or {}).get("content") or ""))
        return web.Response(body=mime.as_bytes(), content_type="text/plain")

    async def _mail_delta(self, request: web.Request) -> web.Response:
        acct = request[ACCOUNT]
        inbox = [m for m in self.messages[acct].values() if m.get("parentFolderId") == "inbox"]
        start = int(request.query.get("$deltatoken", "0"))
        items = inbox[start:]
        flt = request.query.get("$filter")  # Graph allows only receivedDateTime ge|gt here
        if flt:
            m = re.fullmatch(r"receivedDateTime (ge|gt) (\S+)", flt)
            if m is None:
                return graph_error(400, "ErrorInvalidUrlQueryFilter")
            since = dt.datetime.fromisoformat(m[2])
            items = [x for x in items if (dt.datetime.fromisoformat(x["receivedDateTime"]) >= since
                     if m[1] == "ge" else dt.datetime.fromisoformat(x["receivedDateTime"]) > since)]  # fmt: skip
        link = f"{self.graph_base}/me/mailFolders/inbox/messages/delta?$deltatoken={len(inbox)}"
        fields = ("id", "conversationId", "receivedDateTime", "isDraft")
        return web.json_response({"value": [{k: x[k] for k in fields if k in x} for x in items],
                                  "@odata.deltaLink": link})  # fmt: skip

    # ------------------------------------------------------------------ calendar

    async def _get_schedule(self, request: web.Request) -> web.Response:
        body = await request.json()
        start = _parse(body["startTime"])
        end = _parse(body["endTime"])
        interval = int(body.get("availabilityViewInterval", 30))
        out = []
        for sid in body.get("schedules") or []:
            cal = self._calendars.get(str(sid).lower())
            if cal is None or not cal.visible:
                out.append({"scheduleId": sid, "availabilityView": "",
                            "error": {"message": "not visible", "responseCode": "ErrorMailRecipientNotFound"}})  # fmt: skip
                continue
            items = []
            for ev in cal.events.values():
                if "@removed" in ev or ev.get("showAs") == "free":
                    continue
                s, e = _parse(ev["start"]), _parse(ev["end"])
                if s < end and e > start:
                    items.append({"isPrivate": False, "status": ev.get("showAs", "busy"),
                                  "subject": ev.get("subject", ""), "location": "",
                                  "start": _dtz(s, frac=True), "end": _dtz(e, frac=True)})  # fmt: skip
            view = _availability_view(items, start, end, interval)
            info: dict[str, Any] = {"scheduleId": sid, "availabilityView": view,
                                    "scheduleItems": items}  # fmt: skip
            if cal.working_hours is not None:
                info["workingHours"] = cal.working_hours
            out.append(info)
        return web.json_response({"value": out})

    async def _create_event(self, request: web.Request) -> web.Response:
        acct = request[ACCOUNT]
        body = await request.json()
        cal = self.calendar(acct)
        txn = body.get("transactionId")
        if txn and self.dedupe_transactions:
            for ev in cal.events.values():
                if ev.get("transactionId") == txn:
                    return web.json_response(ev, status=201)
        ev_id = f"AAMkEv{next(self._seq)}"
        event = {**body, "id": ev_id, "showAs": "busy",
                 "webLink": f"https://outlook.office365.com/owa/?itemid={ev_id}",
                 "start": _dtz(_parse(body["start"])), "end": _dtz(_parse(body["end"])),
                 "organizer": {"emailAddress": {"address": acct}}}  # fmt: skip
        if body.get("isOnlineMeeting"):
            event["onlineMeeting"] = {
                "joinUrl": f"https://teams.microsoft.com/l/meetup-join/{secrets.token_hex(6)}"
            }
        cal.events[ev_id] = event
        self.events.append(event)
        return web.json_response(event, status=201)

    async def _list_events(self, request: web.Request) -> web.Response:
        cal = self.calendar(request[ACCOUNT])
        items = [e for e in cal.events.values() if "@removed" not in e]
        flt = request.query.get("$filter")
        if flt:
            m = _FILTER.fullmatch(flt)
            if m is None or m["id"] != EVENT_MARKER_PROPERTY_ID:
                return graph_error(400, "ErrorInvalidUrlQueryFilter")
            value = m["value"].replace("''", "'")
            items = [e for e in items if any(p.get("id") == m["id"] and p.get("value") == value
                     for p in e.get("singleValueExtendedProperties") or [])]  # fmt: skip
        return web.json_response({"value": items})

    async def _calendar_delta(self, request: web.Request) -> web.Response:
        acct = request[ACCOUNT]
        cal = self.calendar(acct)
        q = request.query
        if "$deltatoken" in q or "$skiptoken" in q:
            token = json.loads(base64.urlsafe_b64decode(q.get("$deltatoken") or q["$skiptoken"]))
            if token["epoch"] != cal.delta_epoch:
                return graph_error(410, "syncStateNotFound", "The sync state is not found.")
            start, end, seen, offset = token["start"], token["end"], token["seen"], token["offset"]
        else:
            start, end, seen, offset = q["startDateTime"], q["endDateTime"], {}, 0
        s, e = _ts(start), _ts(end)
        changed = []
        for ev in cal.events.values():
            version = json.dumps(ev, sort_keys=True)
            if seen.get(ev["id"]) == _h(version):
                continue
            if "@removed" in ev:
                if ev["id"] in seen:
                    changed.append({"id": ev["id"], "@removed": ev["@removed"]})
                continue
            if _parse(ev["start"]) < e and _parse(ev["end"]) > s:
                changed.append(ev)
        page = changed[offset : offset + self.delta_page_size]
        more = offset + self.delta_page_size < len(changed)
        if not more:
            seen = {ev["id"]: _h(json.dumps(ev, sort_keys=True)) for ev in cal.events.values()}
        token_body = {"epoch": cal.delta_epoch, "start": start, "end": end, "seen": seen,
                      "offset": offset + self.delta_page_size if more else 0}  # fmt: skip
        tok = base64.urlsafe_b64encode(json.dumps(token_body).encode()).decode()
        link_key = "@odata.nextLink" if more else "@odata.deltaLink"
        param = "$skiptoken" if more else "$deltatoken"
        return web.json_response({"value": page,
                                  link_key: f"{self.graph_base}/me/calendarView/delta?"
                                            f"{urlencode({param: tok})}"})  # fmt: skip

    # ------------------------------------------------------------------ subscriptions

    async def _handshake(self, url: str) -> bool:
        token = "Validation: Testing client application reachability " + secrets.token_hex(6)
        try:
            async with aiohttp.ClientSession() as s, s.post(
                url, params={"validationToken": token}, data=b"",
                headers={"Content-Type": "text/plain; charset=utf-8"},
                timeout=aiohttp.ClientTimeout(total=self.handshake_timeout_s),
            ) as resp:  # fmt: skip
                text = await resp.text()
                self.handshakes.append((url, resp.status, text))
                return (resp.status == 200 and text == token
                        and resp.content_type == "text/plain")  # fmt: skip
        except (TimeoutError, aiohttp.ClientError):
            self.handshakes.append((url, 0, ""))
            return False

    def _check_expiry(self, value: str) -> str | None:
        exp = _ts(value)
        now = self.clock()
        if exp <= now or exp > now + dt.timedelta(minutes=MAX_SUBSCRIPTION_MINUTES):
            return "Subscription expiration can only be 10080 minutes in the future."
        return None

    async def _create_sub(self, request: web.Request) -> web.Response:
        body = await request.json()
        problem = self._check_expiry(str(body.get("expirationDateTime", "")))
        if problem:
            return graph_error(400, "ExtensionError", problem)
        for key in ("notificationUrl", "lifecycleNotificationUrl"):
            if body.get(key) and not await self._handshake(body[key]):
                return graph_error(400, "ValidationError",
                                   f"Subscription validation request failed for {key}.")  # fmt: skip
        sub_id = secrets.token_hex(4) + "-" + secrets.token_hex(2) + "-sub"
        sub = {**body, "id": sub_id, "account": request[ACCOUNT],
               "applicationId": self.CLIENT_ID}  # fmt: skip
        self.subscriptions[sub_id] = sub
        out = {k: v for k, v in sub.items() if k != "account"}
        return web.json_response(out, status=201)

    async def _update_sub(self, request: web.Request) -> web.Response:
        sub = self.subscriptions.get(request.match_info["id"])
        if sub is None:
            return graph_error(404, "ResourceNotFound", "Object was not found in the store.")
        body = await request.json()
        problem = self._check_expiry(str(body.get("expirationDateTime", "")))
        if problem:
            return graph_error(400, "ExtensionError", problem)
        sub["expirationDateTime"] = body["expirationDateTime"]
        return web.json_response({k: v for k, v in sub.items() if k != "account"})

    async def _delete_sub(self, request: web.Request) -> web.Response:
        if self.subscriptions.pop(request.match_info["id"], None) is None:
            return graph_error(404, "ResourceNotFound", "Object was not found in the store.")
        return web.Response(status=204)


# --------------------------------------------------------------------------- helpers


def _oauth_error(error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description,
                              "error_codes": [70000]}, status=400)  # fmt: skip


def _b64json(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _port(site: web.TCPSite) -> int:
    return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]


def _ts(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _parse(value: dict[str, str]) -> dt.datetime:
    """A DateTimeTimeZone (UTC or IANA/Windows zone) as aware UTC."""
    from connectors.graph import parse_time

    return parse_time(value["dateTime"], value.get("timeZone") or "UTC")


def _dtz(when: dt.datetime, *, frac: bool = False) -> dict[str, str]:
    text = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {"dateTime": text + (".0000000" if frac else ""), "timeZone": "UTC"}


def _availability_view(items: list[dict[str, Any]], start: dt.datetime, end: dt.datetime,
                       interval: int) -> str:  # fmt: skip
    codes = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
    out = []
    slot = start
    step = dt.timedelta(minutes=interval)
    while slot < end:
        best = "0"
        for it in items:
            if _parse(it["start"]) < slot + step and _parse(it["end"]) > slot:
                best = max(best, codes.get(it["status"], "2"))
        out.append(best)
        slot += step
    return "".join(out)


def _select(item: dict[str, Any], request: web.Request) -> dict[str, Any]:
    fields = request.query.get("$select")
    if not fields:
        return item
    keep = {f.strip() for f in fields.split(",")} | {"id"}
    return {k: v for k, v in item.items() if k in keep}


@functools.cache
def _tls_material() -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (EC key: fast), once per test process."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()  # fmt: skip
    return cert_pem, key_pem
