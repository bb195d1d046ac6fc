"""`/60` subcommands for briefs and the pipeline (`brief`, `prep`, `pipeline`, `pause`, `resume`, `status`)."""

from __future__ import annotations

from bot.command_types import Subcommand

SUBCOMMANDS: dict[str, Subcommand] = {}
