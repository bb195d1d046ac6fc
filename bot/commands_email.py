"""`/60` subcommands for email and connections: `/60 connect google|microsoft`."""

from __future__ import annotations

from blocks.email_send import connect_link_blocks
from bot.command_types import CommandContext, Subcommand
from bot.webhooks.oauth import PROVIDERS, start_connect

USAGE = "/60 connect google|microsoft"


async def _connect(ctx: CommandContext) -> None:
    provider = ctx.args.strip().lower()
    if provider in ("gmail", "google"):
        provider = "google"
    elif provider in ("microsoft", "outlook", "office365", "o365", "m365"):
        provider = "microsoft"
    else:
        shown = f" (got “{ctx.args.strip()[:40]}”)" if ctx.args.strip() else ""
        await ctx.respond(text=f"Usage: `{USAGE}`{shown}: connect your Gmail or Microsoft 365 mailbox "
                               "so I can send follow-ups you approve.", response_type="ephemeral")  # fmt: skip
        return
    started = await start_connect(ctx.deps, ctx.actor, provider)
    if started.url:
        blocks = [b.to_dict() for b in connect_link_blocks(PROVIDERS[provider], started.url)]
        await ctx.respond(text=started.message, blocks=blocks, response_type="ephemeral")
    else:
        await ctx.respond(text=started.message, response_type="ephemeral")


SUBCOMMANDS: dict[str, Subcommand] = {
    "connect": Subcommand(USAGE, "connect your mailbox so I can send what you approve", _connect),
}
