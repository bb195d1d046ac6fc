"""`/60` subcommands for briefs and the pipeline: `brief`, `prep`, `pipeline`.

Answers are ephemeral; `brief` and `prep` start a job whose result arrives in the rep's DM.
`submit_prep` and `pipeline_blocks` are shared with the brief buttons (`bot/brief_actions.py`).
"""

from __future__ import annotations

import uuid
from typing import Any

from blocks.pipeline import pipeline_list_blocks
from bot.command_types import CommandContext, Subcommand
from bot.deps import Deps
from flows.morning_brief.steps import local_date
from flows.pipeline_scan.steps import rows_of
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage import pipeline
from storage.calendar_events import next_external_meeting
from storage.models import CalendarEvent, User
from storage.users import org_settings, user_names


async def _ephemeral(
    ctx: CommandContext, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    await ctx.respond(text=text, blocks=blocks, response_type="ephemeral")


async def _brief(ctx: CommandContext) -> None:
    day = local_date(ctx.actor, ctx.deps.clock()).isoformat()
    res = await ctx.deps.submit(
        Event(
            type=EventType.MORNING_BRIEF,
            source=EventSource.SLACK_COMMAND,
            org_id=ctx.actor.org_id,
            user_id=ctx.actor.id,
            payload={"requested": True},
            idempotency_key=f"morning_brief:{ctx.actor.id}:{day}:req:{uuid.uuid4().hex[:12]}",
        )
    )
    if isinstance(res, JobRef):
        await _ephemeral(ctx, "Putting your brief together — it will be in our DM in a moment.")
    else:
        await _ephemeral(ctx, f"I couldn't start your brief just now ({res.reason}).")


async def submit_prep(deps: Deps, user: User, event: CalendarEvent) -> Any:
    return await deps.submit(
        Event(
            type=EventType.PRE_MEETING_90MIN,
            source=EventSource.SLACK_COMMAND,
            org_id=user.org_id,
            user_id=user.id,
            payload={"event_id": event.id, "requested": True},
            idempotency_key=f"pre_meeting_90min:{event.id}:req:{uuid.uuid4().hex[:12]}",
        )
    )


async def _prep(ctx: CommandContext) -> None:
    async with ctx.deps.db.session() as s:
        event = await next_external_meeting(
            s, user_id=ctx.actor.id or 0, query=ctx.args, now=ctx.deps.clock()
        )
    if event is None:
        what = f" matching “{ctx.args.strip()}”" if ctx.args.strip() else ""
        await _ephemeral(ctx, f"I found no external meeting{what} in the next 7 days. "
                         "Usage: `/60 prep <meeting or contact>`")  # fmt: skip
        return
    res = await submit_prep(ctx.deps, ctx.actor, event)
    if isinstance(res, JobRef):
        await _ephemeral(
            ctx, f"Preparing your brief for “{event.title}” — it will be in our DM in a moment."
        )
    else:
        await _ephemeral(ctx, f"I couldn't start the prep just now ({res.reason}).")


async def pipeline_blocks(deps: Deps, user: User) -> list[dict[str, Any]]:
    everyone = user.role in ("manager", "admin")  # the whole org's deals: say whose each is
    async with deps.db.session() as s:
        days = (await org_settings(s, org_id=user.org_id)).stale_threshold_days
        owners = await user_names(s, org_id=user.org_id) if everyone else None
    async with deps.db.engine.connect() as conn:
        found = await pipeline.scan(conn, org_id=user.org_id, now=deps.clock(), stale_days=days,
                                    owner_id=None if everyone else user.id)  # fmt: skip
    return pipeline_list_blocks(rows_of(found, owners), days)


async def _pipeline(ctx: CommandContext) -> None:
    await _ephemeral(
        ctx, "Your stale and at-risk deals", await pipeline_blocks(ctx.deps, ctx.actor)
    )


SUBCOMMANDS: dict[str, Subcommand] = {
    "brief": Subcommand("/60 brief", "your morning brief, now", _brief),
    "prep": Subcommand(
        "/60 prep <meeting or contact>", "a prep brief for your next meeting with them", _prep
    ),
    "pipeline": Subcommand(
        "/60 pipeline", "stale and at-risk deals (yours; the team's for managers)", _pipeline
    ),
}
