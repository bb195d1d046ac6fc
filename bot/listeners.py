"""Registers every Slack listener on the Bolt app, once, at start.

Middleware first (sticky acks, `deps` into the context, redelivery guard, the acting user, the
parsed value); then each feature module's `register(app)`, which only wires its module-level
handlers to their action ids, callback ids and events.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import (
    approvals,
    brief_actions,
    campaign_actions,
    coaching_actions,
    commands,
    crm_actions,
    email_actions,
    errors,
    home,
    job_actions,
    notification_batch_actions,
    pipeline_actions,
    post_meeting_actions,
    proactive_settings_actions,
    schedule_actions,
)
from bot.acks import KeepAcks
from bot.authz import ParseValues
from bot.deps import Deps
from bot.email_actions import wire_home_refresh
from bot.middleware import DropDuplicateEvents, ProvideDeps, ResolveActor, actor_of
from services.dm_pointer import claim_pointer

# Feature modules with `register(app)` for their commands, buttons, modals and events.
LISTENER_MODULES = (commands, home, approvals, post_meeting_actions, email_actions, schedule_actions,
                    brief_actions, pipeline_actions, proactive_settings_actions,
                    notification_batch_actions, job_actions, campaign_actions, coaching_actions,
                    crm_actions)  # fmt: skip


async def handle_message(
    event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any], deps: Deps
) -> None:
    """A rep's plain DM gets a pointer to `/60 help` and what is waiting, once per lull
    (`services.dm_pointer`); bots' messages and edits are left alone."""
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
        return
    if (actor := await actor_of(context)) is None:
        return
    text = await claim_pointer(deps.db, actor, deps.clock())
    if text is not None:
        await client.chat_postMessage(channel=event["channel"], text=text)


def register_all(app: AsyncApp, deps: Deps) -> None:
    app.use(KeepAcks())
    app.use(ProvideDeps(deps))
    app.use(DropDuplicateEvents(deps))
    app.use(ResolveActor(deps))
    app.use(ParseValues())
    errors.register(app)
    for module in LISTENER_MODULES:
        module.register(app)
    app.event("message")(handle_message)
    wire_home_refresh(deps, app.client)
