"""`/60` subcommands for what a rep gets and when: `pause`, `resume`, `unmute`, `features`, `org`,
`status`. Answers are ephemeral; bad input gets usage help. (`brief`, `prep`, `pipeline`:
`bot/commands_brief.py`.)"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from blocks.brief_replies import text_section
from blocks.briefs import KIND_LABELS
from blocks.text import escape
from bot.command_types import CommandContext, Subcommand
from bot.proactive_settings_actions import open_features, open_org
from orchestrator.delivery import release_held
from services.home import held_for
from skills.human_time import clock_24
from storage.users import connections, pending_actions_for, preferences, update_preferences

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
        lines.append(f"*Paused* until {clock_24(paused, ctx.actor.timezone)}")
    if prefs.muted_kinds:
        lines.append("*Muted*: " + ", ".join(KIND_LABELS.get(k, k) for k in prefs.muted_kinds))
    planner = getattr(ctx.deps, "proactive_planner", None)
    nxt = planner.next_morning_brief(ctx.actor.id) if planner is not None else None
    if nxt is not None:
        lines.append(f"*Next morning brief*: {clock_24(nxt, ctx.actor.timezone)}")
    text = "\n".join(lines)
    await _ephemeral(ctx, text, [b.to_dict() for b in text_section(text)])


async def _features(ctx: CommandContext) -> None:
    if not ctx.trigger_id:
        await _ephemeral(ctx, "Open my Home tab to change which briefs and alerts you get.")
        return
    await open_features(ctx.deps, ctx.client, ctx.actor, ctx.trigger_id)


async def _org(ctx: CommandContext) -> None:
    if not ctx.trigger_id:
        await _ephemeral(ctx, "Open my Home tab to change the team's settings.")
        return
    if not await open_org(ctx.deps, ctx.client, ctx.actor, ctx.trigger_id):
        await _ephemeral(ctx, "Only an admin can change the team's settings.")


SUBCOMMANDS: dict[str, Subcommand] = {
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
