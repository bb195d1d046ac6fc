"""The Open button (the digest's, and Home's for held notifications): shows the original message.

The button value is the `slack_notifications_sent` id; only the user it was meant for may
open it. The original blocks are posted into the channel of the click (the rep's DM; from
Home, the DM), so their own buttons work as they would have. A notification still held
(batched or deferred) is then recorded delivered with that message, so neither the digest nor
the deferred job posts it again.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.ids import NotificationBatchAction
from bot.authz import acked_actor
from bot.deps import Deps
from bot.replies import tell
from bot.values import NotificationRef
from orchestrator.delivery import mark_opened
from storage.models import SlackNotificationSent
from storage.rows import saved_id

log = logging.getLogger(__name__)


async def handle_open(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                      context: dict[str, Any], value: NotificationRef, deps: Deps) -> None:  # fmt: skip
    actor = await acked_actor(ack, body, client, context, value, deps)
    if actor is None:
        return
    async with deps.db.session() as s:
        row = await s.get(SlackNotificationSent, value.notification_id)
    if row is None or row.user_id != actor.id or not (row.blocks or row.summary):
        await tell(client, body, "That update is not available any more.")
        return
    channel = (body.get("channel") or {}).get("id") or (
        await client.conversations_open(users=body["user"]["id"])
    )["channel"]["id"]
    posted = await client.chat_postMessage(
        channel=channel, text=row.summary or row.kind, blocks=row.blocks or None
    )
    async with deps.db.engine.begin() as conn:
        await mark_opened(conn, saved_id(row), str(posted["channel"]), str(posted["ts"]))
    log.info("batched notification opened", extra={"notification_id": row.id, "kind": row.kind})


def register(app: AsyncApp) -> None:
    app.action(NotificationBatchAction.OPEN.value)(handle_open)
