"""Types shared by `/60` subcommand modules: the context a handler gets and its declaration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from storage.models import User
from storage.rows import saved_id


@dataclass(frozen=True)
class CommandContext:
    deps: Deps
    actor: User
    args: str
    respond: AsyncRespond
    client: AsyncWebClient
    trigger_id: str | None

    @property
    def actor_id(self) -> int:
        """The actor's id (whoever reaches a command has been saved)."""
        return saved_id(self.actor)


Handler = Callable[[CommandContext], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    usage: str
    summary: str
    handler: Handler
