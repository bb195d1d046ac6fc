"""Registers every Slack listener on the Bolt app, once, at start."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import approvals, commands, errors, home
from bot.deps import Deps
from bot.middleware import DropDuplicateEvents, ResolveActor


def register_all(app: AsyncApp, deps: Deps) -> None:
    app.use(DropDuplicateEvents(deps))
    app.use(ResolveActor(deps))
    errors.register(app)
    commands.register(app, deps)
    home.register(app, deps)
    approvals.register(app, deps)

    @app.event("message")
    async def on_message() -> None:
        """DMs to the bot are acknowledged; conversational replies come with later flows."""
