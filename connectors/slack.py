"""Slack delivery: open a DM, post, update and post ephemeral messages through slack_sdk.

`SlackDelivery` wraps `slack_sdk.web.async_client.AsyncWebClient` (the one given, or one built
from a token and optional base URL, e.g. the sandbox) with slack_sdk's async retry handlers
for rate limits (429, honouring Retry-After) and connection errors. Every call returns a
`Posted(channel, ts)`. `Delivery` is the interface the orchestrator depends on, so tests can
hand it a recording implementation instead of a network client.

Exactly-once posts: a post may carry a client key (`post_message(..., key=...)`), sent as the
message's metadata (`event_type` `POST_KEY_EVENT`, `event_payload` `{"key": ...}`);
`find_posted(channel, key)` looks for it in the channel's recent history
(`conversations.history` with `include_all_metadata`), so a job that crashed between the
post and recording it finds its message instead of posting a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

POST_KEY_EVENT = "sixty_post"
HISTORY_LOOKBACK = 200  # messages searched for a post's key (a crash is seconds old)


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


def key_metadata(key: str) -> dict[str, Any]:
    """The message metadata that carries a post's client key."""
    return {"event_type": POST_KEY_EVENT, "event_payload": {"key": key}}


def key_of(message: dict[str, Any]) -> str | None:
    """The client key a message was posted with (from its metadata), if any."""
    meta = message.get("metadata") or {}
    if meta.get("event_type") != POST_KEY_EVENT:
        return None
    key = (meta.get("event_payload") or {}).get("key")
    return str(key) if key is not None else None


class Delivery(Protocol):
    async def open_dm(self, slack_user_id: str) -> str: ...

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        key: str | None = None,
    ) -> Posted: ...

    async def find_posted(self, channel: str, key: str) -> Posted | None: ...

    async def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> Posted: ...

    async def post_ephemeral(
        self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> Posted: ...


def _blocks(blocks: list[Any] | None) -> list[dict[str, Any]] | None:
    if blocks is None:
        return None
    return [b if isinstance(b, dict) else b.to_dict() for b in blocks]


class SlackDelivery:
    """The production `Delivery`: slack_sdk's async client with retry handlers installed."""

    def __init__(
        self,
        client: AsyncWebClient | None = None,
        *,
        token: str | None = None,
        base_url: str | None = None,
        max_retries: int = 3,
    ) -> None:
        if client is None:
            kwargs: dict[str, Any] = {"token": token}
            if base_url:
                kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
            client = AsyncWebClient(**kwargs)
        kinds = {type(h) for h in client.retry_handlers}
        if AsyncRateLimitErrorRetryHandler not in kinds:
            client.retry_handlers.append(
                AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries)
            )
        if AsyncConnectionErrorRetryHandler not in kinds:
            client.retry_handlers.append(
                AsyncConnectionErrorRetryHandler(max_retry_count=max_retries)
            )
        self.client = client

    async def open_dm(self, slack_user_id: str) -> str:
        resp = await self.client.conversations_open(users=slack_user_id)
        return str(resp["channel"]["id"])

    async def post_message(
        self, channel: str, text: str, blocks: list[Any] | None = None, *, key: str | None = None
    ) -> Posted:
        extra: dict[str, Any] = {"metadata": key_metadata(key)} if key is not None else {}
        resp = await self.client.chat_postMessage(
            channel=channel, text=text, blocks=_blocks(blocks), **extra
        )
        return Posted(str(resp["channel"]), str(resp["ts"]))

    async def find_posted(self, channel: str, key: str) -> Posted | None:
        """The message posted to `channel` with client key `key`, among the latest ones."""
        resp = await self.client.conversations_history(
            channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
        )
        for message in resp.get("messages") or []:
            if key_of(message) == key:
                return Posted(channel, str(message["ts"]))
        return None

    async def update_message(
        self, channel: str, ts: str, text: str, blocks: list[Any] | None = None
    ) -> Posted:
        resp = await self.client.chat_update(
            channel=channel, ts=ts, text=text, blocks=_blocks(blocks)
        )
        return Posted(str(resp.get("channel") or channel), str(resp.get("ts") or ts))

    async def post_ephemeral(
        self, channel: str, user: str, text: str, blocks: list[Any] | None = None
    ) -> Posted:
        resp = await self.client.chat_postEphemeral(
            channel=channel, user=user, text=text, blocks=_blocks(blocks)
        )
        return Posted(channel, str(resp.get("message_ts") or ""))
