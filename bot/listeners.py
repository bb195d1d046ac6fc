"""Registers every Slack listener on the Bolt app, once, at start."""

from __future__ import annotations

import importlib
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import approvals, commands, errors, home, post_meeting_actions
from bot.acks import KeepAcks
from bot.authz import ParseValues
from bot.deps import Deps
from bot.middleware import DropDuplicateEvents, ResolveActor, actor_of
from services.dm_pointer import claim_pointer

# Feature modules with `register(app, deps)` for their buttons, modals and events.
LISTENER_MODULES = ("bot.email_actions", "bot.schedule_actions", "bot.proactive_actions", "bot.notification_batch_actions",
                    "bot.job_actions")


def register_all(app: AsyncApp, deps: Deps) -> None:
    app.use(KeepAcks())
    app.use(DropDuplicateEvents(deps))
    app.use(ResolveActor(deps))
    app.use(ParseValues())
    errors.register(app)
    commands.register(app, deps)
    home.register(app, deps)
    approvals.register(app, deps)
    post_meeting_actions.register(app, deps)
    for name in LISTENER_MODULES:
        importlib.import_module(name).register(app, deps)

    @app.event("message")
    async def on_message(event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
        """A rep's plain DM gets a pointer to `/60 help` and what is waiting, once per lull
        (`services.dm_pointer`); bots' messages and edits are left alone."""
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        if (actor := await actor_of(context)) is None:
            return
        text = await claim_pointer(deps.db, actor, deps.clock())
        if text is not None:
            await client.chat_postMessage(channel=event["channel"], text=text)
