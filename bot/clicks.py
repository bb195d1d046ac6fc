"""What every brief and pipeline button does before its own work: ack, check, mark the message read.

`accept_click` acks, checks that the clicking user may act on every id the (parsed) value carries
(`bot/authz.py`) and marks the clicked message read (an unread brief is then updated rather than
sent twice); it returns the user, or None when the handler must stop.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.authz import acked_actor
from bot.deps import Deps
from bot.replies import channel_ts
from bot.values import ActionValue
from flows.briefs_common import mark_read
from storage.models import User


async def accept_click(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
    value: ActionValue | None, deps: Deps,
) -> User | None:  # fmt: skip
    """Ack, then the clicking user when they may act on `value` (the message is marked read)."""
    user = await acked_actor(ack, body, client, context, value, deps)
    if user is None:
        return None
    channel, ts = channel_ts(body)
    if channel and ts:
        await mark_read(deps.db, channel, ts, deps.clock(), user_id=user.id)
    return user
