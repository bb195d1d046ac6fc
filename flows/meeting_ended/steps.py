"""The analysis and CRM steps of `meeting_ended`: load the transcript, find action items,
intents and next actions, update the CRM, record tasks and commitments, or say the call was
not recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from blocks.post_meeting import not_recorded_blocks
from connectors.hubspot import HubSpotError
from flows.meeting_ended.call import (
    CallData,
    load_call,
    parse_dt,
    prospect_label,
    unattributed_speakers,
)
from flows.meeting_ended.speakers import attribute_meeting
from orchestrator.context import StepContext, TransientError
from orchestrator.events import EventType
from orchestrator.offload import off_loop
from services.language import intents_for
from skills.action_items import ActionItem, extract_action_items
from skills.commitments import commitments_from_intents
from skills.crm_updates import DealSnapshot, PriorStageChange, plan_crm_updates
from skills.intents import Intent
from skills.next_actions import suggest_next_actions
from skills.signal_quotes import content_key
from storage import crm, meetings
from storage.models import User

log = logging.getLogger(__name__)

# Follow-ups a sequence performs today. A promised proposal or requested content is a task to
# review and a commitment (`create_tasks`); their sequences come in later releases, so no job is
# queued for them (one would wait forever).
QUEUED_FOLLOW_UPS = {
    "commitment:schedule_meeting": EventType.CALENDAR_FIND_TIMES,
    "commitment:send_proposal": EventType.PROPOSAL_GENERATION,
    "request:send_content": EventType.CONTENT_RETRIEVAL,
}


def meeting_of(ctx: StepContext) -> int:
    return int(ctx.outputs["load_transcript"]["meeting_id"])


async def load_transcript(ctx: StepContext) -> dict[str, Any]:
    """Fetch and store the transcript once (v2 URL, v1 API, Recall), attribute its speakers."""
    from connectors.meetingbaas import RecorderError, ensure_transcript

    payload = ctx.payload
    if payload.get("recorded") is False:
        return {"recorded": False, "reason": str(payload.get("reason") or "the recorder failed")}
    try:
        transcript_id = await ensure_transcript(ctx.db, payload)
    except RecorderError as exc:
        if getattr(exc, "transient", False):
            raise TransientError(str(exc), getattr(exc, "retry_after", None)) from exc
        raise
    if transcript_id is None:
        return {"recorded": False, "reason": "no transcript was produced"}
    meeting_id = int(payload["meeting_id"])
    speakers = await unattributed_speakers(ctx, meeting_id)
    if speakers is not None:  # who spoke, kept with the transcript: every step reads their roles
        await attribute_meeting(ctx.db, meeting_id, speakers)
    call = await load_call(ctx, meeting_id)
    return {
        "recorded": True,
        "transcript_id": transcript_id,
        "meeting_id": call.meeting.id,
        "deal_id": call.deal.id if call.deal else None,
        "utterances": len(call.transcript.utterances),
    }


def _item_json(item: ActionItem) -> dict[str, Any]:
    return {
        "owner": item.owner,
        "description": item.description,
        "utterance": item.utterance,
        "deadline": item.deadline.isoformat() if item.deadline else None,
        "label": item.label,
    }


def _intent_from_json(r: dict[str, Any]) -> Intent:
    return Intent(
        label=r["label"],
        utterance=r["utterance"],
        speaker=r["speaker"],
        phrase=r["phrase"],
        confidence=r["confidence"],
        event=r.get("event"),
        deadline=date.fromisoformat(r["deadline"]) if r.get("deadline") else None,
    )


async def action_items(ctx: StepContext) -> dict[str, Any]:
    """Action items need the intents; they are kept here so `intents` does not detect twice."""
    call = await load_call(ctx, meeting_of(ctx))
    found = await intents_for(ctx, call.transcript)
    items = await off_loop(
        extract_action_items, call.transcript, found, size=len(call.transcript.utterances)
    )
    return {
        "items": [_item_json(i) for i in items],
        "owner_unsure": sum(1 for i in items if i.owner is None),
        "intents": [i.to_json() for i in found],
    }


async def intents(ctx: StepContext) -> dict[str, Any]:
    """The intents, and the follow-up jobs they ask for (queued by the sequence)."""
    call = await load_call(ctx, meeting_of(ctx))
    known = (ctx.outputs.get("action_items") or {}).get("intents")
    found = (
        [_intent_from_json(r) for r in known]
        if known is not None
        else await intents_for(ctx, call.transcript)
    )
    follow_ups: list[dict[str, Any]] = []
    for intent in found:
        if intent.label in QUEUED_FOLLOW_UPS and all(
            f["label"] != intent.label for f in follow_ups
        ):
            follow_ups.append({"label": intent.label, "payload": {  # one per kind and meeting
                "meeting_id": call.meeting.id, "deal_id": call.deal.id if call.deal else None,
                "contact_id": call.contact.id if call.contact else None,
                "deadline": intent.deadline.isoformat() if intent.deadline else None,
                "utterance": intent.utterance}})  # fmt: skip
    return {"intents": [i.to_json() for i in found], "follow_ups": follow_ups}


async def next_actions(ctx: StepContext) -> dict[str, Any]:
    found = intents_from_outputs(ctx)
    return {
        "actions": [
            {"text": a.text, "label": a.label, "event": a.follow_up_event}
            for a in suggest_next_actions(found)
        ]
    }


@dataclass
class StoredIntent:
    """An intent as the `intents` step output it (what the planning skills read)."""

    label: str
    utterance: int
    speaker: str
    phrase: str
    confidence: float
    deadline: str | None = None


def intents_from_outputs(ctx: StepContext) -> list[StoredIntent]:
    raw = (ctx.outputs.get("intents") or {}).get("intents") or []
    return [
        StoredIntent(
            r["label"],
            r["utterance"],
            r["speaker"],
            r["phrase"],
            r["confidence"],
            r.get("deadline"),
        )
        for r in raw
    ]


async def update_crm(ctx: StepContext) -> dict[str, Any]:
    """The meeting as an activity, deal properties with provenance, flags; changes a person made
    recently and stage moves are only proposed (`proposed`: change ids)."""
    call = await load_call(ctx, meeting_of(ctx))
    found = intents_from_outputs(ctx)
    started = call.transcript.started_at
    applied: list[str] = []
    proposed: list[int] = []
    flags: list[str] = []

    async def write() -> dict[str, Any]:
        async with ctx.db.transaction() as s:
            await crm.add_activity(
                s,
                org_id=ctx.org_id,
                kind="meeting",
                deal_id=call.meeting.deal_id,
                contact_id=call.meeting.contact_id,
                user_id=call.rep.id,
                occurred_at=started,
                summary=f"Meeting: {call.meeting.title} ({len(found)} signals, notes by Sixty)",
                provenance={"meeting_id": call.meeting.id, "job_id": ctx.job_id},
            )
            if call.deal is None:
                return {"applied": [], "proposed": [], "flags": []}
            deal = await crm.lock_deal(
                s, deal_id=call.deal.id or 0
            )  # one call's plan at a time per deal
            assert deal is not None
            history = [
                PriorStageChange(**h) for h in await crm.stage_history(s, deal_id=deal.id or 0)
            ]
            plan = plan_crm_updates(
                DealSnapshot(
                    deal.id or 0,
                    deal.stage,
                    dict(deal.properties or {}),
                    list(deal.flags or []),
                    dict(deal.field_edits or {}),
                ),
                found,
                meeting_id=call.meeting.id or 0,
                meeting_started_at=started,
                utterance_offsets=[u.start for u in call.transcript.utterances],
                now=ctx.now(),
                stage_history=history,
            )
            for change in plan.changes:
                row = await crm.record_field_change(
                    s,
                    deal=deal,
                    name=change.field,
                    new=change.new,
                    provenance=change.provenance.to_dict(),
                    apply=not change.needs_approval,
                    job_id=ctx.job_id,
                    now=ctx.now(),
                )
                if change.needs_approval:
                    assert row.id is not None
                    proposed.append(row.id)
                else:
                    applied.append(change.field)
            flags.extend(await crm.add_flags(s, deal=deal, flags=plan.flags_to_add))
            return {
                "applied": applied,
                "proposed": proposed,
                "flags": flags,
                "notify_manager": plan.notify_manager,
            }

    result = await ctx.effect("crm-writes", write)
    if result.get("notify_manager"):
        await _tell_manager(ctx, call, found)
    if (logged := await _log_meeting_in_crm(ctx)) is not None:
        result = {**result, "external_meeting": logged}
    return result


async def _log_meeting_in_crm(ctx: StepContext) -> dict[str, Any] | None:
    """The meeting and its recap note in the org's external CRM after every recorded call, as
    Sixty's own activity above (logging a meeting needs no approval, DESIGN.md section 3).
    Exactly once: the port's effects are keyed per meeting and its link check stops a later
    approval from adding a second one. None with no external CRM; a HubSpot outage is logged
    and left to the approval steps, which record the meeting again if it is still missing."""
    from flows.crm_writeback.port import crm_for
    from flows.meeting_ended.review import meeting_record  # review imports this module

    port = await crm_for(ctx)
    if port.name == "sixty":
        return None
    try:
        return await port.record_meeting(ctx, await meeting_record(ctx))
    except HubSpotError as exc:
        log.warning("meeting not logged in %s: %s", port.name, type(exc).__name__)
        return {"error": type(exc).__name__}


async def _tell_manager(ctx: StepContext, call: CallData, found: list[StoredIntent]) -> None:
    if call.rep.manager_id is None or ctx.delivery is None:
        return
    async with ctx.db.session() as s:
        manager = await s.get(User, call.rep.manager_id)
    if manager is None:
        return
    concern = next((i.phrase for i in found if i.label == "signal:buying_negative"), "a concern")
    deal = call.deal.name if call.deal else call.meeting.title
    text = (
        f":warning: Risk on *{deal}* ({call.rep.name}'s call): “{concern}”. "
        "You're seeing this because you manage this rep."
    )
    await ctx.post_dm(text, key="manager-risk-dm", to=manager.slack_user_id)  # exactly once


async def create_tasks(ctx: StepContext) -> dict[str, Any]:
    """Tasks from the rep's own commitments and the commitment ledger; the rest (detected
    intents, unsure owners) is `to_review`."""
    call = await load_call(ctx, meeting_of(ctx))
    items = (ctx.outputs.get("action_items") or {}).get("items") or []
    direct = [i for i in items if i["owner"] == "rep" and not i.get("label")]
    review = [i for i in items if i.get("label") or i["owner"] is None]
    found = intents_from_outputs(ctx)

    async def write() -> dict[str, Any]:
        created = 0
        async with ctx.db.transaction() as s:
            for item in direct:
                await crm.add_task(
                    s,
                    org_id=ctx.org_id,
                    user_id=call.rep.id,
                    title=item["description"],
                    due_at=parse_dt(item["deadline"]),
                    owner_kind="rep",
                    deal_id=call.meeting.deal_id,
                    contact_id=call.meeting.contact_id,
                    meeting_id=call.meeting.id,
                    provenance={"utterance": item["utterance"]},
                )
                created += 1
            held = {
                (c.owner, c.kind, c.deal_id, c.contact_id, content_key(c.description))
                for c in await crm.open_commitments(s, user_id=call.rep.id or 0)
            }
            for c in commitments_from_intents(found, rep_timezone=call.tz):
                same = (
                    c.owner,
                    c.kind,
                    call.meeting.deal_id,
                    call.meeting.contact_id,
                    content_key(c.description),
                )
                if same in held:  # the call replayed or run again: the promise is on record already
                    continue
                held.add(same)
                await crm.add_commitment(
                    s,
                    org_id=ctx.org_id,
                    user_id=call.rep.id or 0,
                    owner=c.owner,
                    kind=c.kind,
                    description=c.description,
                    due_at=c.due_at,
                    counterparty=prospect_label(call),
                    deal_id=call.meeting.deal_id,
                    contact_id=call.meeting.contact_id,
                    meeting_id=call.meeting.id,
                )
        return {"created": created}

    result = await ctx.effect("tasks-and-commitments", write)
    return {**result, "to_review": review}


async def tell_not_recorded(ctx: StepContext) -> dict[str, Any]:
    reason = ctx.outputs["load_transcript"].get("reason") or "the recorder could not join"
    title = "your meeting"
    meeting_id = ctx.payload.get("meeting_id")
    if isinstance(meeting_id, int):
        async with ctx.db.session() as s:
            meeting = await meetings.get_meeting(s, meeting_id=meeting_id)
        title = meeting.title if meeting and meeting.title else title
    posted = await ctx.notify(
        "meeting_not_recorded",
        f"Your meeting “{title}” was not recorded",
        not_recorded_blocks(title, f"Reason: {reason}."),
        key="not-recorded",
    )
    return {"channel": posted.channel, "ts": posted.ts}
