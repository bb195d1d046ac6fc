"""The steps of `calendar_find_times`, one mode at a time.

Offer: `find_times` searches (its output holds every search input and the options shown, so a
click reads them from the database, never from the Slack message), `offer_times` posts or
updates the picker. Invite: `check_slot` re-checks the chosen slot on fresh busy data and
builds the invite review; after the rep's approval `create_invite` creates the event
(idempotent: `ctx.effect` and the provider's transaction id), stores it and closes the
`schedule_meeting` commitments. Email: `draft_times_email` writes the times in the prospect's
zone; after approval `send_times_email` gives the draft to the email-send flow.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from blocks.scheduling import InviteReview, booked_text, closed_blocks, picker_blocks
from connectors.calendar import NewEvent, provider_for
from connectors.google_calendar import Attendee
from flows.calendar_find_times.picker import picker_model, show
from flows.calendar_find_times.search import (
    build_search,
    notes,
    proposed_note,
    result_json,
    search_params,
)
from flows.calendar_find_times.who import Who, load_who
from flows.calendar_find_times.zones import zone_or_none
from flows.campaign_reply.booked import mark_meeting_booked
from orchestrator.context import StepContext
from skills.slot_types import DEFAULT_DURATION_MINUTES
from skills.slots import find_slots, slot_is_free
from skills.timezones import local_label, resolve_timezone
from storage import calendar as calendars
from storage import crm
from storage.models import CalendarEvent

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------- offer


async def find_times(ctx: StepContext) -> dict[str, Any]:
    """Search the rep's and the prospect's calendars; `{"error": "unknown_contact"}` when the
    payload names nobody we can schedule with."""
    params = search_params(ctx.payload)
    who = await load_who(ctx, params)
    if not who.email and who.contact is None:
        return {"error": "unknown_contact", "params": params}
    search = await build_search(ctx, who, params)
    result = find_slots(search.request)
    return {
        "params": params,
        "who": who.label,
        "contact_name": who.name,
        "contact_email": who.email,
        "deal_id": params.get("deal_id"),
        "duration_minutes": search.request.duration_minutes,
        "rep_tz": who.rep.timezone or "UTC",
        "prospect_tz": search.prospect_tz,
        "tz_source": search.tz_source,
        "prospect_visible": search.prospect_visible,
        "provider": search.provider.name,
        "notes": notes(who, search) + proposed_note(who, params),
        **result_json(result),
    }


async def offer_times(ctx: StepContext, found: dict[str, Any]) -> dict[str, Any]:
    """Post (or update) the picker with what `find_times` found."""
    if found.get("error"):
        blocks = closed_blocks("I couldn't find who to schedule with: the contact is unknown.")
        return await show(ctx, "scheduling", "Couldn't find the contact", blocks)
    model = picker_model(ctx.job_id, found)
    text = f"Times for a meeting with {model.who}"
    return await show(ctx, "scheduling", text, picker_blocks(model))


# ---------------------------------------------------------------------------------- invite


async def check_slot(ctx: StepContext) -> dict[str, Any]:
    """Is the chosen slot still free? If not, say so and show the next best (`taken`); else the
    invite review the rep approves."""
    params = search_params(ctx.payload)
    slot = ctx.payload.get("slot") or {}
    start = datetime.fromisoformat(slot["start"])
    end = datetime.fromisoformat(slot["end"])
    who = await load_who(ctx, params)
    search = await build_search(ctx, who, {**params, "offset": 0}, live_rep=True)
    fresh = search.request
    when_rep = local_label(start, ZoneInfo(who.rep.timezone or "UTC"), with_date=True)
    if not slot_is_free(fresh, start, end):
        result = find_slots(fresh)
        found = {"who": who.label, "duration_minutes": fresh.duration_minutes,
                 "prospect_tz": search.prospect_tz, "notes": notes(who, search),
                 **result_json(result)}  # fmt: skip
        model = picker_model(ctx.job_id, found, headline=f":warning: {when_rep} was just taken.")
        shown = await show(ctx, "scheduling", f"{when_rep} was just taken", picker_blocks(model))
        return {"taken": True, "params": params, **found, "picker": shown}
    when = when_rep
    if search.prospect_tz:
        when += f" / {local_label(start, resolve_timezone(search.prospect_tz))}"
    review = InviteReview(who=who.label, when=when, duration_minutes=fresh.duration_minutes,
                          attendee=who.email or "", video=search.provider.name != "demo")  # fmt: skip
    return {"taken": False, "slot": {"start": start.isoformat(), "end": end.isoformat()},
            "provider": search.provider.name, **review.payload()}  # fmt: skip


def _new_event(ctx: StepContext, who: Who, start: datetime, end: datetime) -> NewEvent:
    assert who.email is not None
    tx = f"sixty:{ctx.payload.get('source_job_id')}:{start.astimezone(UTC).isoformat()}"
    title = f"{who.company.name if who.company else who.name} <> {who.rep.name}"
    return NewEvent(
        summary=title, description="Scheduled with Sixty.", start=start, end=end,
        tz=who.rep.timezone or "UTC", attendees=(Attendee(who.email, who.name),),
        transaction_id=tx, with_video=True,
    )  # fmt: skip


async def create_invite(ctx: StepContext, checked: dict[str, Any]) -> dict[str, Any]:
    """The approved invite: the event with the prospect and a video link, created once; kept in
    `calendar_events` before the next sync brings it; `schedule_meeting` commitments closed."""
    assert ctx.approval is not None
    decision = ctx.approval.decision
    params = search_params(ctx.payload)
    who = await load_who(ctx, params)
    if not who.email:
        return {"decision": decision, "error": "no_address"}
    start = datetime.fromisoformat(checked["slot"]["start"])
    end = datetime.fromisoformat(checked["slot"]["end"])
    provider = await provider_for(ctx.db, ctx.settings, who.rep.id or 0)
    event = _new_event(ctx, who, start, end)

    async def create() -> dict[str, Any]:
        made = await provider.create_event(event)
        return {"id": made.id, "provider": made.provider, "link": made.link,
                "video_link": made.video_link}  # fmt: skip

    made = await ctx.effect("create-event", create)
    deal_id = int(params["deal_id"]) if params.get("deal_id") else None
    contact_id = who.contact.id if who.contact is not None else None

    async def record() -> int:
        async with ctx.db.transaction() as s:
            if made["provider"] != "demo":  # the demo provider's rows are the calendar itself
                await calendars.add_event(s, event=CalendarEvent(
                    org_id=ctx.org_id, user_id=who.rep.id or 0, provider=made["provider"],
                    external_id=made["id"], title=event.summary, start_at=event.start,
                    end_at=event.end, is_external=True, deal_id=deal_id, contact_id=contact_id,
                    attendees=[{"email": a.email, "name": a.name} for a in event.attendees],
                ))  # fmt: skip
            closed = 0
            if deal_id:
                closed += await crm.close_commitments(
                    s, user_id=who.rep.id or 0, kinds={"schedule_meeting"},
                    closed_by="meeting_booked", deal_id=deal_id, now=ctx.now(),
                )  # fmt: skip
            if contact_id is not None:  # promises tied to the contact rather than a deal
                closed += await crm.close_commitments(
                    s, user_id=who.rep.id or 0, kinds={"schedule_meeting"},
                    closed_by="meeting_booked", contact_id=contact_id, now=ctx.now(),
                )  # fmt: skip
            return closed

    closed = await ctx.effect("record-booking", record)
    if params.get("instantly_reply_id"):  # a campaign reply asked for it: tell Instantly
        await mark_meeting_booked(ctx, int(params["instantly_reply_id"]))
    text = booked_text(who.label, checked.get("fields", {}).get("When", ""), made.get("video_link"),
                       made.get("link") or None)  # fmt: skip
    await show(ctx, "scheduling", "Invite sent", closed_blocks(text), key="booked")
    log.info("meeting booked", extra={"job_id": ctx.job_id, "provider": made["provider"]})
    return {"decision": decision, "event_id": made["id"], "provider": made["provider"],
            "commitments_closed": closed, "video": bool(made.get("video_link"))}  # fmt: skip


# ---------------------------------------------------------------------------------- email


def _source_options(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in payload.get("options") or [] if isinstance(o, dict)]


async def draft_times_email(ctx: StepContext) -> dict[str, Any]:
    """The email offering the picked times, in the prospect's zone (the rep's when unknown)."""
    params = search_params(ctx.payload)
    who = await load_who(ctx, params)
    zone = zone_or_none(ctx.payload.get("prospect_tz")) or ZoneInfo(who.rep.timezone or "UTC")
    lines = [f"- {local_label(datetime.fromisoformat(o['start']), zone, with_date=True)}"
             for o in _source_options(ctx.payload)]  # fmt: skip
    first = who.name.split()[0] if who.contact else "there"
    duration = int(params.get("duration_minutes") or DEFAULT_DURATION_MINUTES)
    body = (
        f"Hi {first},\n\nWould any of these work for a {duration}-minute call?\n\n"
        + "\n".join(lines)
        + "\n\nHappy to send an invite for whichever suits you best.\n"
    )
    body += f"\n{who.prefs.signature or who.rep.name}\n"
    draft = {"to": [who.email] if who.email else [], "cc": [],
             "subject": "Times for our next conversation", "body": body}  # fmt: skip
    return {"draft": draft, "thread_id": params.get("thread_id"),
            "contact_id": params.get("contact_id"), "deal_id": params.get("deal_id"),
            "context": f"Times for {who.label}", "title": f"Email times to {who.label}"}  # fmt: skip


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def send_times_email(ctx: StepContext) -> dict[str, Any]:
    """The approved draft (as edited) goes to the email-send flow's `hand_off` (undo window,
    limits, audit); without send permission the rep gets a copy instead."""
    assert ctx.approval is not None
    decision = ctx.approval.decision
    payload = ctx.approval.payload
    draft = payload.get("draft") or {}
    from flows.email_send import hand_off  # the send flow's one entry point

    result = await hand_off(
        ctx, draft, deal_id=_int_or_none(payload.get("deal_id")),
        contact_id=_int_or_none(payload.get("contact_id")),
        meeting_id=_int_or_none(ctx.payload.get("meeting_id")),
        email_thread_id=_int_or_none(payload.get("thread_id")), key="times-email",
    )  # fmt: skip
    if result.get("send_id"):
        text = ":email: Sending these times from your mailbox (you can still undo it)."
        await show(ctx, "scheduling", "Times on their way", closed_blocks(text), key="emailed")
    return {"decision": decision, "subject": draft.get("subject"), **result}
