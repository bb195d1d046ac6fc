"""Registers every Slack listener on the Bolt app, once, at start."""

from __future__ import annotations

import importlib

from slack_bolt.async_app import AsyncApp

from bot import approvals, commands, errors, home, post_meeting_actions
from bot.acks import KeepAcks
from bot.authz import ParseValues
from bot.deps import Deps
from bot.middleware import DropDuplicateEvents, ResolveActor

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
    async def on_message() -> None:
        """DMs to the bot are acknowledged; conversational replies come with later flows."""
