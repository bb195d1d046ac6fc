"""The `/60` command: ack at once, route the subcommand, answer bad input with usage help.

Each subcommand is a `Subcommand(usage, summary, handler)` in `SUBCOMMANDS`; handlers get a
`CommandContext` and answer through `respond` (ephemeral unless they start work).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from blocks.help import CommandHelp, help_blocks, help_text
from bot import (
    commands_brief,
    commands_email,
    commands_proactive,
    commands_proposal,
    commands_schedule,
    commands_stats,
)
from bot.command_types import CommandContext, Subcommand
from bot.deps import Deps
from bot.home import open_settings
from bot.middleware import actor_of

log = logging.getLogger(__name__)

COMMAND = "/60"


async def _help(ctx: CommandContext) -> None:
    await ctx.respond(
        text=help_text(command_help()),
        blocks=help_blocks(command_help()),
        response_type="ephemeral",
    )


async def _settings(ctx: CommandContext) -> None:
    if not ctx.trigger_id:
        await ctx.respond(
            text="Open my Home tab to change your settings.", response_type="ephemeral"
        )
        return
    await open_settings(ctx.deps, ctx.client, ctx.actor, ctx.trigger_id)


# Feature modules each export `SUBCOMMANDS: dict[str, Subcommand]`; they are merged in order.
SUBCOMMAND_MODULES = (
    commands_email,
    commands_schedule,
    commands_proposal,
    commands_brief,
    commands_proactive,
    commands_stats,
)

SUBCOMMANDS: dict[str, Subcommand] = {
    "help": Subcommand("/60 help", "what I can do and how to ask", _help),
    "settings": Subcommand(
        "/60 settings", "change your briefing time, hours and limits", _settings
    ),
}
for _module in SUBCOMMAND_MODULES:
    SUBCOMMANDS.update(_module.SUBCOMMANDS)


def command_help() -> list[CommandHelp]:
    return [CommandHelp(usage=s.usage, summary=s.summary) for s in SUBCOMMANDS.values()]


def parse(text: str) -> tuple[str, str]:
    """`"Find times for Dana 45"` -> `("find", "times for Dana 45")`; empty -> help."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return "help", ""
    return words[0].lower(), words[1] if len(words) > 1 else ""


async def handle_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         client: AsyncWebClient, context: dict[str, Any], deps: Deps) -> None:  # fmt: skip
    await ack()
    name, args = parse(command.get("text", ""))
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        problem = f"I don't know `{name}`. Here is what I can do:"
        await respond(
            text=problem,
            blocks=help_blocks(command_help(), problem=problem),
            response_type="ephemeral",
        )
        return
    actor = await actor_of(context)
    if actor is None:
        await respond(
            text="I couldn't look you up in Slack just now; please try again in a minute.",
            response_type="ephemeral",
        )
        return
    log.info("command", extra={"subcommand": name, "user_id": actor.id})
    await sub.handler(
        CommandContext(
            deps=deps,
            actor=actor,
            args=args,
            respond=respond,
            client=client,
            trigger_id=command.get("trigger_id"),
        )
    )


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(handle_command)
