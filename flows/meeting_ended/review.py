"""What the rep sees after the call and what each approval does: the recap, the follow-up
draft, the CRM changes and tasks to review as approval payloads, and the steps that run once
the rep approved them (send the follow-up, apply the changes, add the tasks)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from blocks.post_meeting import ItemRow, SummaryModel, summary_blocks
from blocks.text import plural
from flows.crm_writeback.hubspot import recap_note
from flows.crm_writeback.port import CrmPort, MeetingRecord, NewTask, crm_for
from flows.email_send import hand_off
from flows.meeting_ended.call import due_label, load_call, owner_label, parse_dt, when
from flows.meeting_ended.steps import intents_from_outputs, meeting_of
from orchestrator.context import StepContext
from services.language import follow_up_for
from skills.follow_up import FollowUpInput
from skills.follow_up import Step as AgreedStep
from skills.signal_quotes import distinct, quote_signals
from storage import crm

LABEL_WORDS = {
    "commitment:send_proposal": "You committed to send a proposal",
    "commitment:schedule_meeting": "Next meeting to schedule",
    "request:send_content": "They asked for content",
    "commitment:prospect_followup": "They will get back to you",
    "signal:multi_stakeholder": "More people are involved",
    "signal:competitive": "Competitor mentioned",
    "signal:buying_positive": "Buying signal",
    "signal:buying_negative": "Concern raised",
    "signal:timeline": "Timeline",
}


async def notify_summary(ctx: StepContext) -> dict[str, Any]:
    """The recap in the rep's DM (inform only), before the approvals so the rep sees it at once."""
    call = await load_call(ctx, meeting_of(ctx))
    found = intents_from_outputs(ctx)
    items = (ctx.outputs.get("action_items") or {}).get("items") or []
    crm_out = ctx.outputs.get("update_crm") or {}
    tasks_out = ctx.outputs.get("create_tasks") or {}
    said = dict.fromkeys(
        i.utterance
        for i in found
        if i.label.startswith("signal:") and 0 <= i.utterance < len(call.transcript.utterances)
    )  # each sentence once
    moments = distinct(
        [f"{u.speaker}: “{u.text}”" for u in (call.transcript.utterances[n] for n in said)], limit=5
    )
    updated = [f"Logged the meeting on {call.deal.name}" if call.deal else "Logged the meeting"]
    updated += [f"Deal {f.replace('_', ' ')} updated" for f in crm_out.get("applied") or []]
    updated += [f"Flagged: {f.replace('_', ' ')}" for f in crm_out.get("flags") or []]
    if tasks_out.get("created"):
        updated.append(f"{plural(tasks_out['created'], 'task')} added to your list")
    waiting = ["The follow-up email (below)"]
    if crm_out.get("proposed"):
        waiting.append(f"{plural(len(crm_out['proposed']), 'CRM change')} to approve")
    if tasks_out.get("to_review"):
        waiting.append(f"{plural(len(tasks_out['to_review']), 'task')} to review")
    model = SummaryModel(
        title=call.meeting.title or "your meeting",
        when=when(call),
        attendees=[a.name or a.email or "?" for a in call.attendees],
        key_moments=moments,
        action_items=[
            ItemRow(
                i["description"], owner_label(call, i["owner"]), due_label(i["deadline"], call.tz)
            )
            for i in items
        ],
        signals=[
            f"{' · '.join(LABEL_WORDS.get(label, label) for label in q.labels)}: “{q.quote}”"
            for q in quote_signals(found, call.transcript.started_at)
        ],
        updated=updated,
        waiting=waiting,
        why="You were in this meeting and it was recorded. Mute recaps from my Home tab.",
        undo_job_id=ctx.job_id if crm_out.get("applied") else None,
    )
    posted = await ctx.notify(
        "post_meeting_summary",
        f"Recap of {call.meeting.title}",
        summary_blocks(model),
        key="summary",
    )
    return {"channel": posted.channel, "ts": posted.ts}


async def draft_follow_up(ctx: StepContext) -> dict[str, Any]:
    """The follow-up email in the rep's voice, as the `email_send` approval payload."""
    call = await load_call(ctx, meeting_of(ctx))
    found = intents_from_outputs(ctx)
    to = [a.email for a in call.prospects if a.email]
    # The meeting's own start (not when Sixty heard of it), as a day in the rep's zone.
    own_start, zone = call.meeting.started_at, ZoneInfo(call.tz)
    meeting_day = (own_start or call.transcript.started_at).astimezone(zone).date()
    steps = [
        AgreedStep(
            text=i.phrase,
            owner="rep" if i.speaker == "rep" else "prospect",
            due=date.fromisoformat(i.deadline) if i.deadline else None,
        )
        for i in found
        if i.label in ("commitment:send_proposal", "commitment:prospect_followup")
        or (i.label == "request:send_content" and i.speaker == "rep")
    ]
    meeting_next = next((i for i in found if i.label == "commitment:schedule_meeting"), None)
    highlights = distinct(
        [i.phrase for i in found if i.label in ("signal:buying_positive", "signal:timeline")]
    )
    draft = await follow_up_for(
        ctx,
        FollowUpInput(
            rep_name=call.rep.name,
            prospect_names=[a.name or "" for a in call.prospects],
            company=call.company.name if call.company else None,
            meeting_title=call.meeting.title,
            meeting_date=meeting_day,
            highlights=highlights,
            steps=steps,
            next_meeting="as discussed" if meeting_next else None,
            signature=call.prefs.signature if call.prefs else None,
            written_on=ctx.now().astimezone(zone).date(),
            meeting_date_known=own_start is not None,
        ),
    )
    return {
        "title": f"Follow-up for {call.company.name if call.company else call.meeting.title}",
        "draft": {"to": to, "cc": [], "subject": draft.subject, "body": draft.body},
        "context": f"From your call “{call.meeting.title}”, {when(call)}",
        "meeting_id": call.meeting.id,
        "deal_id": call.meeting.deal_id,
    }


async def deliver_follow_up(ctx: StepContext) -> dict[str, Any]:
    """The approved follow-up, sent as the rep through the undo window when their mailbox may
    send; else a copy and a one-time ask to connect it."""
    assert ctx.approval is not None and ctx.approval.approved
    approved = ctx.approval.payload
    final = approved.get("draft") or {}
    handed = await hand_off(
        ctx, final, deal_id=approved.get("deal_id"), meeting_id=approved.get("meeting_id")
    )
    return {
        "decision": ctx.approval.decision,
        "subject": final.get("subject"),
        "to": final.get("to"),
        **handed,
    }


async def crm_review(ctx: StepContext) -> dict[str, Any]:
    """The proposed CRM changes (stage moves, protected fields) as a `stage_change` payload."""
    proposed = (ctx.outputs.get("update_crm") or {}).get("proposed") or []
    call = await load_call(ctx, meeting_of(ctx))
    async with ctx.db.session() as s:
        rows = await crm.field_changes(s, change_ids=proposed)
    fields = {}
    for r in rows:
        at = (
            datetime.fromisoformat(r.provenance["at"])
            .astimezone(ZoneInfo(call.tz))
            .strftime("%H:%M")
        )
        fields[r.field.replace("_", " ").capitalize()] = (
            f"{r.old_value or '—'} → {r.new_value}\nfrom “{r.provenance.get('quote', '')}” at {at}"
        )
    return {
        "title": f"CRM update for {call.deal.name if call.deal else call.meeting.title}",
        "text": "From your call. Apply these changes?",
        "fields": fields,
        "change_ids": proposed,
    }


async def apply_crm(ctx: StepContext) -> dict[str, Any]:
    """The approved CRM changes, applied through the org's CRM (Sixty's tables, then HubSpot
    when connected). `update_crm` logged the meeting and its recap note already; recording it
    again here finds it linked and adds nothing, or adds it if HubSpot was down then."""
    assert ctx.approval is not None and ctx.approval.approved
    proposed = ctx.approval.payload.get("change_ids") or []
    port = await crm_for(ctx)
    result = await port.apply_deal_changes(ctx, proposed)
    if port.name != "sixty":
        result["meeting"] = await record_meeting_on_records(ctx, port)
    return result


async def record_meeting_on_records(ctx: StepContext, port: CrmPort) -> dict[str, Any]:
    """The meeting and its note (recorded at the call's end, so usually found), associated with
    the deal and contact as linked now: one linked after the call ended gets them too."""
    record = await meeting_record(ctx)
    result = await port.record_meeting(ctx, record)
    for kind in ("meeting", "note"):
        for to_type, to_id in (("deal", record.deal_id), ("contact", record.contact_id)):
            if to_id is not None:
                await port.associate(ctx, kind, record.meeting_id, to_type, to_id)
    return result


async def meeting_record(ctx: StepContext) -> MeetingRecord:
    """The call as the CRM keeps it: title, times, deal and contact, the recap as a note."""
    call = await load_call(ctx, meeting_of(ctx))
    items = (ctx.outputs.get("action_items") or {}).get("items") or []
    found = intents_from_outputs(ctx)
    started = call.meeting.started_at or call.transcript.started_at
    ended = call.meeting.ended_at or started
    lines = [f"Attendees: {', '.join(a.name or a.email or '?' for a in call.attendees)}"]
    lines += [f"Action: {i['description']}" for i in items]
    lines += [
        f"{' · '.join(LABEL_WORDS.get(label, label) for label in q.labels)}: “{q.quote}”"
        for q in quote_signals(found, call.transcript.started_at)
    ]
    return MeetingRecord(
        meeting_id=call.meeting.id or 0, title=call.meeting.title or "Meeting", started_at=started,
        ended_at=ended, recap=recap_note(call.meeting.title or "Meeting", lines),
        deal_id=call.meeting.deal_id, contact_id=call.meeting.contact_id, user_id=call.rep.id,
    )  # fmt: skip


async def tasks_review(ctx: StepContext) -> dict[str, Any]:
    """Tasks from detected intents (and unsure owners), batched into one `tasks` payload."""
    call = await load_call(ctx, meeting_of(ctx))
    review = (ctx.outputs.get("create_tasks") or {}).get("to_review") or []
    utterances = call.transcript.utterances
    tasks = []
    for n, i in enumerate(review):
        owner = owner_label(call, i["owner"]) or "owner unclear — yours if you approve"
        said = utterances[i["utterance"]] if 0 <= i["utterance"] < len(utterances) else None
        source = f"{said.speaker}: “{said.text[:200]}”" if said else ""
        tasks.append(
            {
                **i,
                "n": n,
                "title": f"{i['description']} — {owner}",
                "due": due_label(i["deadline"], call.tz),
                "source": source,
            }
        )
    return {"title": f"{plural(len(tasks), 'task')} from your call", "tasks": tasks}


async def add_reviewed_tasks(ctx: StepContext) -> dict[str, Any]:
    """The tasks the rep kept (an edit may drop some), added to their list (and to HubSpot when
    connected, with the meeting and its recap note if `update_crm` could not log them)."""
    assert ctx.approval is not None and ctx.approval.approved
    call = await load_call(ctx, meeting_of(ctx))
    keep = ctx.approval.payload.get("tasks") or []
    tasks = [
        NewTask(
            title=i["description"],
            due_at=parse_dt(i["deadline"]),
            owner_kind=i["owner"] or "rep",
            user_id=call.rep.id,
            deal_id=call.meeting.deal_id,
            contact_id=call.meeting.contact_id,
            meeting_id=call.meeting.id,
            source="intent",
            provenance={"utterance": i["utterance"], "label": i.get("label")},
        )
        for i in keep
    ]
    port = await crm_for(ctx)
    created = await port.add_tasks(ctx, tasks)
    if port.name != "sixty":
        await record_meeting_on_records(ctx, port)
    return {"created": created}
