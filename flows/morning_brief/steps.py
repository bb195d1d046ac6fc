"""The morning brief's steps: compose it from the rep's day, then deliver it."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from blocks.briefs import morning_brief_blocks, morning_brief_text
from flows.briefs_common import deliver, enabled, job_user, stale_days, zone
from flows.morning_brief.gather import gather_morning
from orchestrator.context import StepContext
from skills import briefs as sk
from storage.models import User

log = logging.getLogger(__name__)

DAY_NAMES = {"mon-fri": "weekdays", "mon-sun": "every day", "daily": "every day"}


def local_date(user: User, now: datetime) -> date:
    return now.astimezone(zone(user.timezone)).date()


def briefing_why(user: dict[str, Any], requested: bool) -> str:
    if requested:
        return "You asked for this brief (/60 brief). Change your briefing time in my Home tab."
    t = str(user.get("briefing_time") or "08:00")[:5]
    days = DAY_NAMES.get(str(user.get("briefing_days") or "mon-fri"), user.get("briefing_days"))
    return (
        f"You get this brief {days} at {t} ({user.get('timezone') or 'UTC'}), your briefing time. "
        "Change it in my Home tab."
    )


async def compose_morning(ctx: StepContext) -> dict[str, Any]:
    if not enabled(ctx, "morning_brief"):
        return {"empty": True, "reason": "feature off"}
    user = await job_user(ctx)
    inp = await gather_morning(ctx.db, user, ctx.now(), stale_days(ctx))
    brief = sk.build_morning_brief(inp)
    requested = bool(ctx.payload.get("requested"))
    if brief.empty and not requested:
        log.info("morning brief empty, not sent", extra={"job_id": ctx.job_id})
        return {"empty": True}
    why = briefing_why((ctx.tiers.get("1") or {}).get("user") or {}, requested)
    if brief.empty:
        text = (
            f"{brief.greeting} Nothing needs you right now: no meetings, emails or deals to act on."
        )
        return {
            "empty": False,
            "text": text,
            "meetings": 0,
            "attention": 0,
            "pulse": 0,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
    return {
        "empty": False,
        "text": morning_brief_text(brief),
        "blocks": morning_brief_blocks(brief, why),
        "meetings": len(brief.meetings),
        "attention": len(brief.attention),
        "pulse": len(brief.pulse),
    }


async def deliver_morning(ctx: StepContext, composed: dict[str, Any]) -> dict[str, Any]:
    tz = (ctx.tiers.get("1") or {}).get("user", {}).get("timezone")
    local = ctx.now().astimezone(zone(tz))
    return await deliver(
        ctx,
        "morning_brief",
        composed["text"],
        composed["blocks"],
        subject_key=f"morning_brief:{ctx.user_id}:{local.date().isoformat()}",
    )
