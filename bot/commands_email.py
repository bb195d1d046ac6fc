"""`/60` subcommands for email and connections (`connect`)."""

from __future__ import annotations

from bot.command_types import Subcommand

SUBCOMMANDS: dict[str, Subcommand] = {}
