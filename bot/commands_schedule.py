"""`/60` subcommands for scheduling (`find times for`)."""

from __future__ import annotations

from bot.command_types import Subcommand

SUBCOMMANDS: dict[str, Subcommand] = {}
