"""Slack listeners for email: connect/disconnect, cancel send, confirm new recipients."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    return None
