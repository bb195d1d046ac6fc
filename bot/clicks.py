"""What every brief and pipeline button does before its own work: ack, check, mark the message read.

`accept_click` acks, checks that the clicking user may act on every id the (parsed) value carries
(`bot/authz.py`) and marks the clicked message read (an unread brief is then updated rather than
sent twice); it returns the user, or None when the handler must stop. `tell_user` answers with an
ephemeral where the click happened, or in the user's DM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from bot.authz import permitted
from bot.deps import Deps
from bot.values import ActionValue
from flows.proactive import mark_read
from storage.models import User


def channel_ts(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and message ts of the click (None for App Home and modals)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    return channel, ts


async def tell_user(
    client: AsyncWebClient, body: dict[str, Any], user: User, text: str,
    blocks: Sequence[Block | dict[str, Any]] | None = None,
) -> None:  # fmt: skip
    channel, _ = channel_ts(body)
    if channel is None:
        channel = (await client.conversations_open(users=user.slack_user_id))["channel"]["id"]
    dicts = [b.to_dict() if isinstance(b, Block) else b for b in blocks] if blocks else None
    await client.chat_postEphemeral(channel=channel, user=user.slack_user_id, text=text, blocks=dicts)


async def accept_click(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
    value: ActionValue | None, deps: Deps,
) -> User | None:  # fmt: skip
    """Ack, then the clicking user when they may act on `value` (the message is marked read)."""
    await ack()
    user = await permitted(deps, client, body, context, value)
    if user is None:
        return None
    channel, ts = channel_ts(body)
    if channel and ts:
        await mark_read(deps.db, channel, ts, deps.clock(), user_id=user.id)
    return user
