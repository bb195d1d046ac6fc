"""Slack listeners for scheduling: slot choice, send times, send invite, show more."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    return None
