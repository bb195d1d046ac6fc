"""The rep's mailbox behind one small interface, whichever provider it lives at.

`Mailbox` (protocol): `send(composed, thread_id) -> SentRef`, `find_sent(message_id_header)
-> SentRef | None` (the exactly-once recovery lookup), `signature()` (HTML from the provider,
or None), `can_send`, `provider`, `address`, `demo`. Implementations: `GoogleMailbox` (Gmail
over `connectors.gmail`), `GraphMailbox` (Outlook over `connectors.graph`; the Message-ID is the
send marker) and `connectors.demo_mailbox.DemoMailbox` (sandbox without Google).

`open_mailbox(db, settings, user_id)` picks the rep's connected mailbox (or None), refreshing
and storing tokens as needed; `mailbox_status(...)` says whether sending can happen at all:
`ready`, `no_permission` (connected without the send scope), `expired` or `none`.
`google_oauth(settings)` builds the OAuth client for the Connect flow (redirect under
PUBLIC_BASE_URL, endpoints under GOOGLE_API_BASE when set). Nothing here logs addresses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from config.settings import Settings
from connectors.google_api import GoogleEndpoints
from skills.email_compose import Composed, base64url_raw
from storage.connections import ACTIVE, StoredConnection, load_connection, update_tokens
from storage.crypto import TokenCipher, load_key
from storage.engine import Database

log = logging.getLogger(__name__)

PROVIDERS = ("google", "microsoft")
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
GRAPH_SEND = "Mail.Send"


@dataclass(frozen=True)
class SentRef:
    """Where a sent message lives at the provider."""

    message_id: str
    thread_id: str | None
    provider: str


class Mailbox(Protocol):
    provider: str
    address: str
    demo: bool

    @property
    def can_send(self) -> bool: ...

    async def send(self, composed: Composed, thread_id: str | None) -> SentRef: ...

    async def find_sent(self, message_id_header: str) -> SentRef | None: ...

    async def signature(self) -> str | None: ...


def cipher_for(settings: Settings) -> TokenCipher:
    return TokenCipher(load_key(settings.encryption_key, settings.data_dir))


def google_endpoints(settings: Settings) -> GoogleEndpoints:
    return (
        GoogleEndpoints.at(settings.google_api_base)
        if settings.google_api_base
        else GoogleEndpoints()
    )


def redirect_uri(settings: Settings, provider: str) -> str:
    base = (settings.public_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return f"{base}/oauth/{provider}/callback"


def google_oauth(settings: Settings) -> Any:
    """The Google OAuth client, or None when GOOGLE_CLIENT_ID is not configured."""
    if not settings.google_client_id:
        return None
    from connectors.google_oauth import GoogleOAuth

    return GoogleOAuth(settings.google_client_id, settings.google_client_secret or "",
                       redirect_uri(settings, "google"), endpoints=google_endpoints(settings))  # fmt: skip


def is_demo(conn: StoredConnection) -> bool:
    return bool(conn.meta.get("demo"))


def send_scope_of(provider: str) -> str:
    return GMAIL_SEND if provider == "google" else GRAPH_SEND


def conn_can_send(conn: StoredConnection) -> bool:
    if is_demo(conn):
        return True
    scope = send_scope_of(conn.provider)
    return any(s == scope or s.endswith("/" + scope) for s in conn.scopes)


class GoogleMailbox:
    """Gmail for one connected rep; refreshed access tokens are stored encrypted."""

    provider = "google"
    demo = False

    def __init__(self, db: Database, settings: Settings, conn: StoredConnection) -> None:
        from connectors.gmail import GmailClient
        from connectors.google_oauth import GoogleOAuth

        self._db = db
        self._conn = conn
        self._cipher = cipher_for(settings)
        self.address = conn.account_email or ""
        endpoints = google_endpoints(settings)
        oauth = GoogleOAuth(settings.google_client_id or "sixty", settings.google_client_secret or "",
                            redirect_uri(settings, "google"), endpoints=endpoints)  # fmt: skip
        creds = oauth.credentials_from_blob(conn.tokens, conn.scopes)
        self._gmail = GmailClient(creds, endpoint=endpoints.gmail_api, on_refresh=self._store)

    async def _store(self, creds: Any) -> None:
        from connectors.google_oauth import expires_at_of

        async with self._db.transaction() as s:
            await update_tokens(s, cipher=self._cipher, connection_id=self._conn.id,
                                access_token=creds.token, expires_at=expires_at_of(creds))  # fmt: skip

    @property
    def can_send(self) -> bool:
        return conn_can_send(self._conn)

    async def send(self, composed: Composed, thread_id: str | None) -> SentRef:
        mid, tid = await self._gmail.send(base64url_raw(composed), thread_id)
        return SentRef(mid, tid, "google")

    async def find_sent(self, message_id_header: str) -> SentRef | None:
        found = await self._gmail.find_sent_by_message_id(message_id_header)
        return SentRef(found, None, "google") if found else None

    async def signature(self) -> str | None:
        return await self._gmail.send_as_signature()


def _parts(composed: Composed) -> tuple[str, list[Any], list[Any]]:
    """The HTML body and the recipients of a composed message (for providers that take JSON)."""
    import email
    from email.policy import default as default_policy
    from email.utils import getaddresses

    msg = email.message_from_bytes(composed.raw, policy=default_policy)
    part = msg.get_body(preferencelist=("html", "plain"))
    body = str(part.get_content()) if part is not None else ""
    to = getaddresses([str(v) for v in msg.get_all("To", [])])
    cc = getaddresses([str(v) for v in msg.get_all("Cc", [])])
    return body, to, cc


class GraphMailbox:
    """Outlook / Microsoft 365 over Graph. Graph picks the Message-ID itself, so the recorded
    Message-ID travels as the send marker (`connectors.graph`) and `find_sent` looks for it;
    a reply goes through `/messages/{parent}/reply` so Exchange threads it."""

    provider = "microsoft"
    demo = False

    def __init__(self, db: Database, settings: Settings, conn: StoredConnection) -> None:
        from connectors.graph import GRAPH_BASE, GraphClient

        self._conn = conn
        self.address = conn.account_email or ""
        refresh = None
        if settings.microsoft_client_id:
            from connectors.microsoft_oauth import MicrosoftOAuth

            kw: dict[str, Any] = {"tenant": settings.microsoft_tenant}
            if getattr(settings, "microsoft_authority_base", None):
                kw["authority_base"] = settings.microsoft_authority_base
            oauth = MicrosoftOAuth(settings.microsoft_client_id, settings.microsoft_client_secret or "",
                                   redirect_uri(settings, "microsoft"), **kw)  # fmt: skip
            refresh = oauth.refresher(db, cipher_for(settings), conn)
        base = getattr(settings, "graph_api_base", None) or GRAPH_BASE
        self._graph = GraphClient(
            str(conn.tokens.get("access_token") or ""), base_url=base, refresh=refresh
        )

    @property
    def can_send(self) -> bool:
        return conn_can_send(self._conn)

    async def send(self, composed: Composed, thread_id: str | None) -> SentRef:
        from connectors.graph import OutgoingMail, Recipient, file_attachment

        body, to, cc = _parts(composed)
        marker = composed.message_id
        files = [file_attachment(a.filename, a.data, a.content_type) for a in composed.attachments]
        try:
            if thread_id:  # the parent's Graph message id: reply in its conversation
                message = {"body": {"contentType": "HTML", "content": body},
                           "toRecipients": [Recipient(a, n).as_graph() for n, a in to],
                           "ccRecipients": [Recipient(a, n).as_graph() for n, a in cc]}  # fmt: skip
                if files:
                    message["attachments"] = files
                await self._graph.reply(thread_id, message=message, marker=marker)
            else:
                await self._graph.send_mail(OutgoingMail(
                    subject=composed.headers.get("Subject", ""), body=body,
                    to=[Recipient(a, n) for n, a in to], cc=[Recipient(a, n) for n, a in cc],
                    marker=marker, attachments=files))  # fmt: skip
            found = await self._graph.find_sent(marker)
        finally:
            await self._graph.aclose()
        return SentRef(found or marker, thread_id, "microsoft")

    async def find_sent(self, message_id_header: str) -> SentRef | None:
        try:
            found = await self._graph.find_sent(message_id_header)
        finally:
            await self._graph.aclose()
        return SentRef(found, None, "microsoft") if found else None

    async def signature(self) -> str | None:
        return None  # Graph exposes no signature: the one set in App Home is used


async def load_active(db: Database, settings: Settings, user_id: int) -> StoredConnection | None:
    """The rep's mail connection (Google first, then Microsoft), whatever its status."""
    cipher = cipher_for(settings)
    async with db.session() as s:
        for provider in PROVIDERS:
            conn = await load_connection(s, cipher=cipher, user_id=user_id, provider=provider)
            if conn is not None:
                return conn
    return None


async def mailbox_status(db: Database, settings: Settings, user_id: int) -> tuple[str, str | None]:
    """(`ready` | `no_permission` | `expired` | `none`, provider: google | microsoft | demo)."""
    conn = await load_active(db, settings, user_id)
    if conn is None:
        return "none", None
    if conn.status != ACTIVE:
        return "expired", conn.provider
    provider = "demo" if is_demo(conn) else conn.provider
    return ("ready" if conn_can_send(conn) else "no_permission"), provider


async def open_mailbox(db: Database, settings: Settings, user_id: int) -> Mailbox | None:
    conn = await load_active(db, settings, user_id)
    if conn is None or conn.status != ACTIVE:
        return None
    if is_demo(conn):
        from connectors.demo_mailbox import DemoMailbox

        return DemoMailbox(db, conn)
    if conn.provider == "google":
        return GoogleMailbox(db, settings, conn)
    if conn.provider == "microsoft":
        return GraphMailbox(db, settings, conn)
    return None
