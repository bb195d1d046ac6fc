"""The pre-meeting brief's steps: compose it (skipped when the meeting moved or was
cancelled since it was planned), then deliver it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from blocks.briefs import pre_meeting_blocks, pre_meeting_text
from connectors.apollo import apollo_client
from flows.briefs_common import aware, deliver, enabled, job_user
from flows.pre_meeting_brief.gather import gather_pre_meeting
from orchestrator.context import StepContext
from skills import briefs as sk
from storage.models import CalendarEvent

log = logging.getLogger(__name__)

PRE_MEETING_MINUTES = 90


async def compose_pre_meeting(ctx: StepContext) -> dict[str, Any]:
    if not enabled(ctx, "pre_meeting"):
        return {"skip": "feature off"}
    event_id = ctx.payload.get("event_id")
    async with ctx.db.session() as s:
        event = await s.get(CalendarEvent, event_id) if isinstance(event_id, int) else None
    if event is not None and event.user_id != ctx.user_id:  # only a rep's own meeting is prepped
        event = None
    if event is None or event.status == "cancelled":
        log.info("pre-meeting brief skipped", extra={"job_id": ctx.job_id, "reason": "cancelled"})
        return {"skip": "cancelled"}
    planned = ctx.payload.get("start")
    if (
        planned
        and not ctx.payload.get("requested")
        and (aware(event.start_at) != datetime.fromisoformat(planned))
    ):
        log.info("pre-meeting brief skipped", extra={"job_id": ctx.job_id, "reason": "moved"})
        return {"skip": "moved"}
    user = await job_user(ctx)
    apollo = apollo_client(ctx.settings)
    enrich = None
    if apollo is not None:

        async def enrich(email: str) -> str | None:
            person = await apollo.match(email)
            return person.note() if person is not None else None

    brief = sk.build_pre_meeting_brief(
        await gather_pre_meeting(ctx.db, user, event, ctx.now(), enrich)
    )
    why = (
        "You asked for this prep (/60 prep)."
        if ctx.payload.get("requested")
        else f"You have an external meeting in about {PRE_MEETING_MINUTES} minutes; "
        "I send prep for each one."
    )
    return {
        "skip": None,
        "event_id": event.id,
        "text": pre_meeting_text(brief),
        "blocks": pre_meeting_blocks(brief, why),
    }


async def deliver_pre_meeting(ctx: StepContext, composed: dict[str, Any]) -> dict[str, Any]:
    res = await deliver(
        ctx,
        "pre_meeting",
        composed["text"],
        composed["blocks"],
        subject_key=f"pre_meeting_90min:{composed['event_id']}:",
    )
    res["delivered_at"] = ctx.now().isoformat()
    return res
