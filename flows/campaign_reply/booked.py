"""The meeting a campaign reply asked for is booked: tell Instantly (interest value 2, Meeting
booked, NEXT_BUILDS.md B1) and keep the stored reply's Instantly value current.

Called by `calendar_find_times` once its invite was created (`create_invite`) for a search that a
campaign reply started (the trigger payload's `instantly_reply_id`, carried through the picker
into the invite job). Once per job (`ctx.effect`). The invite is already booked, so an Instantly
error does not fail the step: the rep is told to set the label in Instantly themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.instantly_models import INTEREST_MEETING_BOOKED
from flows.campaign_reply.fetch import instantly_client
from orchestrator.context import StepContext
from storage.instantly_models import InstantlyReply

log = logging.getLogger(__name__)


async def mark_meeting_booked(ctx: StepContext, reply_id: int) -> dict[str, Any]:
    async with ctx.db.session() as s:
        row = await s.get(InstantlyReply, reply_id)
    if row is None or row.org_id != ctx.org_id:
        return {"marked": False, "reason": "no such campaign reply"}
    lead, campaign = row.lead_email, row.campaign_id

    async def write_back() -> dict[str, Any]:
        try:
            client = await instantly_client(ctx)
            await client.update_interest_status(
                lead_email=lead, interest_value=INTEREST_MEETING_BOOKED, campaign_id=campaign
            )
        except Exception as exc:  # the meeting stands; the label is the rep's to set then
            return {"marked": False, "reason": type(exc).__name__}
        async with ctx.db.transaction() as s:
            stored = await s.get(InstantlyReply, reply_id)
            if stored is not None:
                stored.i_status = INTEREST_MEETING_BOOKED
                s.add(stored)
        return {"marked": True}

    out: dict[str, Any] = await ctx.effect("instantly-meeting-booked", write_back)
    if not out.get("marked"):
        log.warning("meeting booked not written to Instantly",
                    extra={"job_id": ctx.job_id, "error": out.get("reason")})  # fmt: skip
        await ctx.post_dm("The meeting is booked, but Instantly could not be told "
                          f"({out.get('reason')}): mark the lead as meeting booked in Instantly.",
                          key="instantly-booked")  # fmt: skip
    return out
