"""The time picker in Slack: its model from a search's output, and showing a message (updating
the picker named in the payload, else a new DM)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from blocks.scheduling import PickerModel, SlotChoice, WayOut, way_out_label
from orchestrator.context import StepContext
from skills.slot_types import DEFAULT_DURATION_MINUTES
from skills.timezones import local_label, resolve_timezone
from storage.models import User


def _dated(found: dict[str, Any], o: dict[str, Any]) -> tuple[str, str | None]:
    """The option's times as "Thu 12 Mar 14:00 GMT": a weekday alone is ambiguous."""
    if not found.get("rep_tz") or not o.get("start"):
        return o["rep_local"], o.get("prospect_local")  # a picker stored before dates were kept
    start = datetime.fromisoformat(o["start"])
    theirs = found.get("prospect_tz")
    return (local_label(start, ZoneInfo(found["rep_tz"]), with_date=True),
            local_label(start, resolve_timezone(theirs), with_date=True) if theirs else None)  # fmt: skip


def picker_model(job_id: int, found: dict[str, Any], headline: str | None = None) -> PickerModel:
    options = tuple(
        SlotChoice(*_dated(found, o), tuple(o.get("flags") or ()))
        for o in found.get("options") or []
    )
    ways = tuple(
        WayOut(w["code"], way_out_label(w["code"], w.get("params") or {}))
        for w in found.get("ways_out") or []
    )
    return PickerModel(
        job_id=job_id, who=found.get("who") or "them",
        duration_minutes=int(found.get("duration_minutes") or DEFAULT_DURATION_MINUTES),
        options=options, has_more=bool(found.get("has_more")), headline=headline,
        notes=tuple(found.get("notes") or ()), reasons=tuple(found.get("reasons") or ()),
        ways_out=ways, ask_timezone=found.get("prospect_tz") is None,
    )  # fmt: skip


async def show(
    ctx: StepContext, kind: str, text: str, blocks: list[Any], key: str = "picker"
) -> dict[str, Any]:
    """Update the picker named in the payload, else a new DM. Quiet hours apply, except when
    the rep asked just now in Slack (`requested: "slack"`: a command or a click)."""
    dicts = [b.to_dict() for b in blocks]
    picker = ctx.payload.get("picker") or {}
    delivery = ctx.delivery
    if picker.get("channel") and picker.get("ts") and delivery is not None:

        async def update() -> dict[str, str]:
            posted = await delivery.update_message(picker["channel"], picker["ts"], text, dicts)
            return {"channel": posted.channel, "ts": posted.ts}

        return dict(await ctx.effect(f"update:{key}", update))
    if ctx.payload.get("requested") == "slack" and delivery is not None and ctx.user_id:
        async with ctx.db.session() as s:
            rep = await s.get(User, ctx.user_id)
        slack_id = rep.slack_user_id if rep is not None else None
        if slack_id:  # exactly once, even when the process dies right after the post
            posted = await ctx.post_dm(text, dicts, key=f"post:{key}", to=slack_id)
            return {"channel": posted.channel, "ts": posted.ts}
    posted = await ctx.notify(kind, text, dicts, key=key)
    return {"channel": posted.channel, "ts": posted.ts}
