"""Gmail for one connected rep: send as them, find a sent message again, read their signature,
follow their inbox through history, fetch raw messages, and keep the push watch alive.

google-api-python-client with the shipped gmail v1 discovery document (`connectors.google_api`);
every method is async (the sync client runs in a worker thread). Facts used (EXTERNAL_APIS.md
section 3): `messages.send` takes `{raw, threadId}`; a reply joins the thread when threadId,
In-Reply-To/References and the subject agree; `history.list` answers 404 for an out-of-date
startHistoryId (-> `HistoryExpired`: do a full sync); `watch` must be renewed at least every 7
days; sendAs signatures are HTML and not added by the API, so we add them when composing.
Nothing here logs message content or addresses.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.oauth2.credentials import Credentials

from connectors.google_api import GoogleApi, GoogleNotFound, OnRefresh

log = logging.getLogger(__name__)

__all__ = [
    "GmailClient",
    "HistoryExpired",
    "HistoryPage",
    "RawMessage",
    "RecentInbox",
    "SendAs",
    "Watch",
]


class HistoryExpired(GoogleNotFound):
    """The stored history id is too old (404): re-sync the inbox from scratch."""


@dataclass(frozen=True)
class SendAs:
    email: str
    display_name: str
    signature_html: str
    is_default: bool


@dataclass(frozen=True)
class HistoryPage:
    message_ids: tuple[str, ...]  # messages added since the given id, oldest first, deduplicated
    history_id: str  # store this as the next starting point


@dataclass(frozen=True)
class RawMessage:
    """One message as Gmail stores it: its id, its RFC 822 bytes and its Gmail thread id."""

    id: str
    raw: bytes
    thread_id: str | None


@dataclass(frozen=True)
class RecentInbox:
    message_ids: tuple[str, ...]  # the newest INBOX messages, oldest first
    history_id: str | None  # the newest message's history id (a cursor to start from)


@dataclass(frozen=True)
class Watch:
    history_id: str
    expires_at: datetime


_MSGID = re.compile(r"^<?([^<>\s]+)>?$")


class GmailClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        endpoint: str | None = None,
        on_refresh: OnRefresh | None = None,
        timeout_s: float = 20.0,
    ) -> None:
        self._api = GoogleApi("gmail", "v1", credentials, endpoint=endpoint,
                              on_refresh=on_refresh, timeout_s=timeout_s)  # fmt: skip

    @property
    def credentials(self) -> Credentials:
        return self._api.credentials

    async def send(self, raw_b64: str, thread_id: str | None = None) -> tuple[str, str]:
        """Send a base64url RFC 5322 message; returns (message id, thread id)."""
        body: dict[str, Any] = {"raw": raw_b64}
        if thread_id:
            body["threadId"] = thread_id
        out = await self._api.call(
            lambda s: s.users().messages().send(userId="me", body=body), what="gmail.send"
        )
        log.info("gmail message sent", extra={"gmail_id": out.get("id")})
        return str(out["id"]), str(out.get("threadId") or out["id"])

    async def find_sent_by_message_id(self, message_id: str) -> str | None:
        """The Gmail id of a sent message with this Message-ID header, if it was sent."""
        m = _MSGID.match(message_id.strip())
        if not m:
            raise ValueError("message_id must look like <unique@domain>")
        q = f"rfc822msgid:{m.group(1)}"
        out = await self._api.call(
            lambda s: s.users().messages().list(
                userId="me", q=q, labelIds=["SENT"], includeSpamTrash=True, maxResults=5
            ),
            what="gmail.messages.list",
        )  # fmt: skip
        found = out.get("messages") or []
        return str(found[0]["id"]) if found else None

    async def send_as(self) -> list[SendAs]:
        out = await self._api.call(
            lambda s: s.users().settings().sendAs().list(userId="me"), what="gmail.sendAs.list"
        )
        return [
            SendAs(
                email=str(item.get("sendAsEmail", "")),
                display_name=str(item.get("displayName") or ""),
                signature_html=str(item.get("signature") or ""),
                is_default=bool(item.get("isDefault")),
            )
            for item in out.get("sendAs") or []
        ]

    async def send_as_signature(self) -> str | None:
        """The default send-as address's HTML signature ('' / None when there is none)."""
        entries = await self.send_as()
        chosen = next((e for e in entries if e.is_default), entries[0] if entries else None)
        return (chosen.signature_html or None) if chosen else None

    async def history_since(
        self, history_id: str | int, *, label_id: str | None = "INBOX", max_pages: int = 20
    ) -> HistoryPage:
        """Messages added since `history_id` (all pages); `HistoryExpired` on 404."""
        ids: dict[str, None] = {}
        page_token: str | None = None
        latest = str(history_id)
        for _ in range(max_pages):
            kwargs: dict[str, Any] = {"userId": "me", "startHistoryId": str(history_id),
                                      "historyTypes": ["messageAdded"], "maxResults": 500}  # fmt: skip
            if label_id:
                kwargs["labelId"] = label_id
            if page_token:
                kwargs["pageToken"] = page_token

            def history_list(s: Any, kw: dict[str, Any] = kwargs) -> Any:
                return s.users().history().list(**kw)

            try:
                out = await self._api.call(history_list, what="gmail.history.list")
            except GoogleNotFound as exc:
                raise HistoryExpired(str(exc), status=404, reason=exc.reason) from None
            for entry in out.get("history") or []:
                for added in entry.get("messagesAdded") or []:
                    msg_id = (added.get("message") or {}).get("id")
                    if msg_id:
                        ids.setdefault(str(msg_id), None)
            latest = str(out.get("historyId") or latest)
            page_token = out.get("nextPageToken")
            if not page_token:
                break
        return HistoryPage(message_ids=tuple(ids), history_id=latest)

    async def get_message(self, message_id: str) -> RawMessage:
        """The raw message and its Gmail thread id (so a reply can join the Gmail thread)."""
        import base64

        out = await self._api.call(
            lambda s: s.users().messages().get(userId="me", id=message_id, format="raw"),
            what="gmail.messages.get",
        )
        raw = str(out.get("raw") or "")
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        return RawMessage(message_id, data, str(out.get("threadId") or "") or None)

    async def get_message_raw(self, message_id: str) -> bytes:
        return (await self.get_message(message_id)).raw

    async def recent_inbox(self, limit: int) -> RecentInbox:
        """The newest `limit` INBOX message ids and the newest one's history id: where to start
        again when the stored history id expired (`HistoryExpired`)."""
        out = await self._api.call(
            lambda s: s.users().messages().list(userId="me", labelIds=["INBOX"], maxResults=limit),
            what="gmail.messages.list",
        )
        ids = [str(m["id"]) for m in out.get("messages") or []][:limit]
        newest: str | None = None
        if ids:
            meta = await self._api.call(
                lambda s: s.users().messages().get(userId="me", id=ids[0], format="minimal"),
                what="gmail.messages.get",
            )
            newest = str(meta.get("historyId") or "") or None
        return RecentInbox(tuple(reversed(ids)), newest)

    async def watch(self, topic: str, *, label_ids: tuple[str, ...] = ("INBOX",)) -> Watch:
        body = {"topicName": topic, "labelIds": list(label_ids), "labelFilterBehavior": "INCLUDE"}
        out = await self._api.call(lambda s: s.users().watch(userId="me", body=body),
                                   what="gmail.watch")  # fmt: skip
        expires = datetime.fromtimestamp(int(out["expiration"]) / 1000, UTC)
        return Watch(history_id=str(out["historyId"]), expires_at=expires)

    async def stop(self) -> None:
        await self._api.call(lambda s: s.users().stop(userId="me"), what="gmail.stop")
