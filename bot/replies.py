"""One ephemeral answer to the user who clicked or submitted: where the click happened, or in
their DM when it came from App Home or a modal (which have no channel)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient


def channel_ts(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and message ts of the click (None for App Home and modals)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    return channel, ts


async def tell(
    client: AsyncWebClient, body: dict[str, Any], text: str,
    blocks: Sequence[Block | dict[str, Any]] | None = None,
) -> None:  # fmt: skip
    """An ephemeral to the payload's user; nothing when the payload names no user."""
    user = (body.get("user") or {}).get("id")
    if not user:
        return
    channel, _ = channel_ts(body)
    if not channel:
        channel = (await client.conversations_open(users=user))["channel"]["id"]
    dicts = [b.to_dict() if isinstance(b, Block) else b for b in blocks] if blocks else None
    await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=dicts)
