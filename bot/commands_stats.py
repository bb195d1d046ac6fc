"""`/60 stats [days]`: Sixty's own success numbers over the last 7 days (or `days`, 1 to 90).

A rep sees their own; someone who manages reps (`users.manager_id`) sees each of their reps and
the team's total, never another team's. The reads are `storage.success_stats`; what each figure
counts is defined in `skills.success_metrics`.
"""

from __future__ import annotations

import logging

from blocks.stats import rep_stats_blocks, stats_text, team_stats_blocks
from bot.command_types import CommandContext, Subcommand
from storage import success_stats

log = logging.getLogger(__name__)

USAGE = "/60 stats [days]"
DEFAULT_DAYS = 7
MAX_DAYS = 90


def parse_days(args: str) -> int | None:
    """`""` -> 7; a whole number of days from 1 to 90; anything else None."""
    text = args.strip().lower().removesuffix("days").removesuffix("d").strip()
    if not text:
        return DEFAULT_DAYS
    if not text.isdigit():
        return None
    days = int(text)
    return days if 1 <= days <= MAX_DAYS else None


async def _stats(ctx: CommandContext) -> None:
    days = parse_days(ctx.args)
    if days is None:
        shown = ctx.args.strip()[:40]
        await ctx.respond(
            text=f"Usage: `{USAGE}`: the number of days to look back, from 1 to {MAX_DAYS} "
            f"(got “{shown}”).",
            response_type="ephemeral",
        )
        return
    now = ctx.deps.clock()
    async with ctx.deps.db.session() as s:
        team = await success_stats.team_of(s, manager=ctx.actor)
        if team:
            team_figs = await success_stats.people_stats(s, people=team, now=now, days=days)
            blocks = team_stats_blocks(team_figs.total, team_figs.reps)
            text = stats_text(team_figs.total, team=True)
        else:
            mine = await success_stats.rep_stats(s, user_id=ctx.actor_id, now=now, days=days)
            blocks, text = rep_stats_blocks(mine), stats_text(mine)
    log.info("stats shown", extra={"user_id": ctx.actor_id, "team": len(team), "days": days})
    await ctx.respond(text=text, blocks=[b.to_dict() for b in blocks], response_type="ephemeral")


SUBCOMMANDS: dict[str, Subcommand] = {
    "stats": Subcommand(
        USAGE, "your numbers: follow-up speed, briefs, suggestions (a manager: the team's)", _stats
    ),
}
