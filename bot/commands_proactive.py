"""`/60` subcommands for briefs and the pipeline: `brief`, `prep`, `pipeline`, `pause`, `resume`,
`unmute`, `status`. Answers are ephemeral unless they start work; bad input gets usage help."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import col

from blocks.briefs import KIND_LABELS
from blocks.pipeline import pipeline_list_blocks
from blocks.text import SECTION_TEXT_MAX, clip, escape
from bot.command_types import CommandContext, Subcommand
from flows.morning_brief.steps import local_date
from flows.pipeline_scan.steps import rows_of
from orchestrator.events import Event, EventSource, EventType, JobRef
from services.home import held_for
from skills.human_time import clock_24
from storage import pipeline
from storage.models import CalendarEvent, Company, Contact, User
from storage.users import (
    connections,
    org_settings,
    pending_actions_for,
    preferences,
    update_preferences,
    user_names,
)

DURATION = re.compile(
    r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$", re.I
)
UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_PAUSE = timedelta(days=30)


def parse_duration(text: str) -> timedelta | None:
    """`2h`, `30 min`, `1 day`, `1w` -> a timedelta (1 minute .. 30 days); empty -> 1 day."""
    if not text.strip():
        return timedelta(days=1)
    m = DURATION.match(text)
    if m is None:
        return None
    delta = timedelta(seconds=int(m.group(1)) * UNITS[m.group(2)[0].lower()])
    return delta if timedelta(minutes=1) <= delta <= MAX_PAUSE else None


async def _ephemeral(
    ctx: CommandContext, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    await ctx.respond(text=text, blocks=blocks, response_type="ephemeral")


async def _brief(ctx: CommandContext) -> None:
    now = ctx.deps.clock()
    day = local_date(ctx.actor, now).isoformat()
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


async def find_meeting(db: Any, user: User, query: str, now: datetime) -> CalendarEvent | None:
    """The rep's next external meeting (within 7 days) matching a title, contact or company."""
    ev = CalendarEvent
    q = (
        select(ev)
        .outerjoin(Contact, col(Contact.id) == ev.contact_id)
        .outerjoin(Company, col(Company.id) == Contact.company_id)
        .where(
            col(ev.user_id) == user.id,
            col(ev.end_at) > now,
            col(ev.start_at) < now + timedelta(days=7),
            col(ev.status) != "cancelled",
            col(ev.is_external).is_(True),
        )
        .order_by(col(ev.start_at))
        .limit(1)
    )
    words = query.strip()
    if words:
        like = f"%{words.lower()}%"
        from sqlalchemy import func

        q = q.where(
            or_(
                func.lower(ev.title).like(like),
                func.lower(Contact.name).like(like),
                func.lower(Company.name).like(like),
            )
        )
    async with db.session() as s:
        return (await s.execute(q)).scalars().first()


async def submit_prep(deps: Any, user: User, event: CalendarEvent) -> Any:
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
    event = await find_meeting(ctx.deps.db, ctx.actor, ctx.args, ctx.deps.clock())
    if event is None:
        what = f" matching “{ctx.args.strip()}”" if ctx.args.strip() else ""
        await _ephemeral(
            ctx,
            f"I found no external meeting{what} in the next 7 days. "
            "Usage: `/60 prep <meeting or contact>`",
        )
        return
    res = await submit_prep(ctx.deps, ctx.actor, event)
    if isinstance(res, JobRef):
        await _ephemeral(
            ctx, f"Preparing your brief for “{event.title}” — it will be in our DM in a moment."
        )
    else:
        await _ephemeral(ctx, f"I couldn't start the prep just now ({res.reason}).")


async def pipeline_blocks(deps: Any, user: User) -> list[dict[str, Any]]:
    everyone = user.role in ("manager", "admin")  # the whole org's deals: say whose each is
    async with deps.db.session() as s:
        days = (await org_settings(s, org_id=user.org_id)).stale_threshold_days
        owners = await user_names(s, org_id=user.org_id) if everyone else None
    async with deps.db.engine.connect() as conn:
        found = await pipeline.scan(
            conn,
            org_id=user.org_id,
            now=deps.clock(),
            stale_days=days,
            owner_id=None if everyone else user.id,
        )
    return pipeline_list_blocks(rows_of(found, owners), days)


async def _pipeline(ctx: CommandContext) -> None:
    blocks = await pipeline_blocks(ctx.deps, ctx.actor)
    await _ephemeral(ctx, "Your stale and at-risk deals", blocks)


async def _pause(ctx: CommandContext) -> None:
    delta = parse_duration(ctx.args)
    if delta is None:
        await _ephemeral(
            ctx,
            "Usage: `/60 pause [duration]`, e.g. `/60 pause 2h`, `/60 pause 3d` "
            "(1 minute to 30 days; default 1 day).",
        )
        return
    until = ctx.deps.clock() + delta
    async with ctx.deps.db.transaction() as s:
        await update_preferences(s, user_id=ctx.actor_id, changes={"paused_until": until})
    local = clock_24(until, ctx.actor.timezone)  # "Mon 7 Dec 15:14 PST": with its zone
    await _ephemeral(
        ctx,
        f"Paused until {local}. I'll hold briefs and alerts until then "
        "(replies to your own clicks still come). `/60 resume` to undo.",
    )


async def _resume(ctx: CommandContext) -> None:
    from orchestrator.delivery import release_held

    async with ctx.deps.db.transaction() as s:
        await update_preferences(s, user_id=ctx.actor_id, changes={"paused_until": None})
        await release_held(await s.connection(), ctx.actor_id)  # held jobs decide again now
    await _ephemeral(ctx, "Resumed: anything I held will arrive shortly.")


def _kinds_line(kinds: list[str]) -> str:
    return ", ".join(f"`{k}` ({KIND_LABELS.get(k, k.replace('_', ' '))})" for k in kinds)


def unmute_problem(asked: str, muted: list[str]) -> str:
    """What to say when `asked` is not a muted kind: the kinds that can be unmuted now."""
    if not muted:
        return (f"Nothing is muted, so there is no “{asked}” to unmute. Kinds a Mute button can "
                f"silence: {_kinds_line(list(KIND_LABELS))}.")  # fmt: skip
    return (f"“{asked}” is not muted. Muted now: {_kinds_line(muted)}.\n"
            f"Usage: `/60 unmute [{'|'.join(muted)}]` (empty: everything).")  # fmt: skip


async def _unmute(ctx: CommandContext) -> None:
    asked = ctx.args.strip()
    kind = asked.lower().replace(" ", "_")
    by_label = {label.replace(" ", "_"): k for k, label in KIND_LABELS.items()}  # "morning briefs"
    kind = by_label.get(kind, kind)
    async with ctx.deps.db.transaction() as s:
        prefs = await preferences(s, user_id=ctx.actor_id)
        muted = list(prefs.muted_kinds or [])
        if kind and kind not in muted:
            await _ephemeral(ctx, unmute_problem(escape(asked[:40]), muted))
            return
        keep = [k for k in muted if kind and k != kind]
        await update_preferences(s, user_id=ctx.actor_id, changes={"muted_kinds": keep})
    await _ephemeral(ctx, "Unmuted." if muted else "Nothing was muted.")


async def _status(ctx: CommandContext) -> None:
    now = ctx.deps.clock()
    async with ctx.deps.db.session() as s:
        conns = await connections(s, user_id=ctx.actor_id)
        waiting = await pending_actions_for(s, user_id=ctx.actor_id)
        prefs = await preferences(s, user_id=ctx.actor_id)
        held = await held_for(s, ctx.actor_id)
    lines = ["*Connections*"]
    lines += [f"• {p}: {c.status}" for p, c in sorted(conns.items())] or [
        "• none yet — `/60 connect google`"
    ]
    lines.append(f"*Waiting for you*: {len(waiting)} approval{'s' if len(waiting) != 1 else ''}")
    if held:
        lines.append(
            f"*Held back*: {len(held)} (hourly limit, quiet hours or a pause); "
            "open my Home tab to act on them now"
        )
    paused = prefs.paused_until
    if paused is not None and paused.astimezone(now.tzinfo) > now:
        lines.append(
            f"*Paused* until {clock_24(paused, ctx.actor.timezone)}"
        )
    if prefs.muted_kinds:
        lines.append("*Muted*: " + ", ".join(KIND_LABELS.get(k, k) for k in prefs.muted_kinds))
    planner = getattr(ctx.deps, "proactive_planner", None)
    nxt = planner.next_morning_brief(ctx.actor.id) if planner is not None else None
    if nxt is not None:
        lines.append(
            f"*Next morning brief*: {clock_24(nxt, ctx.actor.timezone)}"
        )
    text = "\n".join(lines)
    await _ephemeral(
        ctx, text, [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX)}}]
    )


async def _features(ctx: CommandContext) -> None:
    from bot.proactive_actions import open_features

    if not ctx.trigger_id:
        await _ephemeral(ctx, "Open my Home tab to change which briefs and alerts you get.")
        return
    await open_features(ctx.deps, ctx.client, ctx.actor, ctx.trigger_id)


async def _org(ctx: CommandContext) -> None:
    from bot.proactive_actions import open_org

    if not ctx.trigger_id:
        await _ephemeral(ctx, "Open my Home tab to change the team's settings.")
        return
    if not await open_org(ctx.deps, ctx.client, ctx.actor, ctx.trigger_id):
        await _ephemeral(ctx, "Only an admin can change the team's settings.")


SUBCOMMANDS: dict[str, Subcommand] = {
    "brief": Subcommand("/60 brief", "your morning brief, now", _brief),
    "prep": Subcommand(
        "/60 prep <meeting or contact>", "a prep brief for your next meeting with them", _prep
    ),
    "pipeline": Subcommand(
        "/60 pipeline", "stale and at-risk deals (yours; the team's for managers)", _pipeline
    ),
    "pause": Subcommand("/60 pause [duration]", "hold briefs and alerts (e.g. 2h, 3d)", _pause),
    "resume": Subcommand("/60 resume", "end a pause", _resume),
    "unmute": Subcommand("/60 unmute [kind]", "get a muted kind of message again", _unmute),
    "features": Subcommand("/60 features", "choose which briefs and alerts you get", _features),
    "org": Subcommand(
        "/60 org", "team settings: features, AI budget, stale threshold (admins)", _org
    ),
    "status": Subcommand(
        "/60 status", "connections, approvals waiting, pause and next brief", _status
    ),
}
