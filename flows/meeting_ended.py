"""The `meeting_ended` sequence: from a recorded call to a recap, CRM updates, tasks and a draft.

Steps (DESIGN.md section 3 decides the approvals):

1. `load_transcript`    fetch/store the transcript once (v2 URL, v1 API) — critical, retried;
                        a meeting that was not recorded branches to `tell_not_recorded`
2. `action_items`       who owes what by when; owner left empty when attribution is unsure — critical
3. `intents`            commitments and buying signals — best effort
4. `next_actions`       suggestions from the intents — best effort
5. `update_crm`         meeting note as an activity, deal properties with provenance, flags;
                        changes a person made recently and stage moves are only proposed — best effort
6. `create_tasks`       tasks from the rep's own commitments, the commitment ledger — best effort
7. `notify_summary`     the recap in the rep's DM (inform only)
8. `draft_follow_up`    the follow-up email in the rep's voice — critical
9. `crm_review`         proposed CRM changes (stage moves), as an approval payload
10. `tasks_review`      tasks from detected intents, one batch, as an approval payload
11. one gate group, shown together and answered in any order, each step running on its own answer:
    `deliver_follow_up` the email (Send / Edit / Skip / Feedback) — **approval**
    `apply_crm`         the proposed CRM changes — **approval**
    `add_reviewed_tasks` the tasks — **approval**

Follow-ups from intents are queued as child jobs where a sequence performs them
(schedule_meeting -> calendar_find_times); a promised proposal or content is a task to review
and a commitment until their sequences exist. The recap goes out
before the gates so the rep sees what happened at once; the gates come after it.
The transcript is read from storage by id in each step; it never enters job state or logs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, type_coerce
from sqlmodel import select

from blocks.post_meeting import (
    ItemRow,
    SummaryModel,
    not_recorded_blocks,
    summary_blocks,
)
from blocks.text import plural
from orchestrator.context import StepContext, StepResult, TransientError
from orchestrator.events import Event, EventSource, EventType
from orchestrator.offload import off_loop
from orchestrator.sequence import Branch, Condition, Sequence, SequenceRegistry, Step
from services.language import follow_up_for, intents_for
from skills.action_items import ActionItem, extract_action_items
from skills.commitments import commitments_from_intents
from skills.crm_updates import DealSnapshot, PriorStageChange, plan_crm_updates
from skills.follow_up import FollowUpInput
from skills.follow_up import Step as AgreedStep
from skills.intents import Intent
from skills.next_actions import suggest_next_actions
from skills.signal_quotes import content_key, distinct, quote_signals
from skills.transcript_types import Transcript as CallTranscript
from skills.transcript_types import parse_transcript
from storage import crm
from storage.models import (
    Company,
    Contact,
    CrmFieldChange,
    Deal,
    Meeting,
    MeetingAttendee,
    Transcript,
    User,
    UserPreferences,
)

log = logging.getLogger(__name__)

SEQUENCE = "meeting_ended"
VERSION = 2  # 2: the follow-up, CRM and task approvals are one gate group

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


@dataclass
class CallData:
    """Everything a step needs about the call, read from storage (never kept in job state)."""

    meeting: Meeting
    rep: User
    prefs: UserPreferences | None
    attendees: list[MeetingAttendee]
    transcript: CallTranscript
    deal: Deal | None
    company: Company | None
    contact: Contact | None

    @property
    def prospects(self) -> list[MeetingAttendee]:
        return [a for a in self.attendees if a.role == "prospect"]

    @property
    def tz(self) -> str:
        return self.rep.timezone or "UTC"


async def load_call(ctx: StepContext, meeting_id: int) -> CallData:
    async with ctx.db.session() as s:
        meeting = await s.get(Meeting, meeting_id)
        if meeting is None or meeting.user_id is None:
            raise LookupError(f"meeting {meeting_id} not found")
        rep = await s.get(User, meeting.user_id)
        assert rep is not None
        prefs = await s.get(UserPreferences, rep.id)
        attendees = list((await s.exec(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id))).all())
        stored = (await s.exec(select(Transcript.id, Transcript.created_at)
                               .where(Transcript.meeting_id == meeting_id))).first()
        key = (ctx.db.url, *stored) if stored is not None else None
        utterances = _utterances.get(key) if key is not None else None
        raw: Any = None
        if stored is not None and utterances is None:
            # the JSON text as stored: decoded with the rest, off the loop when it is long
            raw = (await s.exec(select(type_coerce(Transcript.utterances, Text))
                                .where(Transcript.id == stored[0]))).first()
        deal = await s.get(Deal, meeting.deal_id) if meeting.deal_id else None
        company = await s.get(Company, meeting.company_id) if meeting.company_id else None
        contact = await s.get(Contact, meeting.contact_id) if meeting.contact_id else None
    if key is None:
        raise LookupError(f"meeting {meeting_id} has no transcript")
    started = meeting.started_at or meeting.created_at
    header = {
        "meeting_id": str(meeting.id),
        "title": meeting.title or "Meeting",
        "started_at": started.isoformat(),
        "rep": {"name": rep.name, "email": rep.email},
        "attendees": [{"name": a.name or "", "email": a.email} for a in attendees if a.role != "rep"],
    }
    if utterances is None:
        transcript = await off_loop(_parse_call, header, raw, size=len(raw or ""), inline_max=64 * 1024)
        _utterances[key] = utterances = transcript.utterances
        while len(_utterances) > 2:
            _utterances.pop(next(iter(_utterances)))
    else:
        transcript = replace(parse_transcript({**header, "utterances": []}), utterances=utterances)
    return CallData(meeting, rep, prefs, attendees, transcript, deal, company, contact)


def _parse_call(header: dict[str, Any], raw: Any) -> CallTranscript:
    return parse_transcript({**header, "utterances": json.loads(raw) if isinstance(raw, str | bytes) else raw})


# A stored transcript never changes: each step of a job reads and validates its utterances once
# per process (a long call's are megabytes of JSON), keyed by database, id and creation time.
_utterances: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _intent_from_json(r: dict[str, Any]) -> Intent:
    return Intent(label=r["label"], utterance=r["utterance"], speaker=r["speaker"], phrase=r["phrase"],
                  confidence=r["confidence"], event=r.get("event"),
                  deadline=date.fromisoformat(r["deadline"]) if r.get("deadline") else None)


# ---------------------------------------------------------------------------------- steps


async def load_transcript(ctx: StepContext) -> StepResult:
    from connectors.meetingbaas import RecorderError, ensure_transcript

    payload = ctx.payload
    if payload.get("recorded") is False:
        return StepResult({"recorded": False, "reason": str(payload.get("reason") or "the recorder failed")})
    try:
        transcript_id = await ensure_transcript(ctx.db, payload)
    except RecorderError as exc:
        if getattr(exc, "transient", False):
            raise TransientError(str(exc), getattr(exc, "retry_after", None)) from exc
        raise
    if transcript_id is None:
        return StepResult({"recorded": False, "reason": "no transcript was produced"})
    call = await load_call(ctx, int(payload["meeting_id"]))
    return StepResult({
        "recorded": True, "transcript_id": transcript_id, "meeting_id": call.meeting.id,
        "deal_id": call.deal.id if call.deal else None, "utterances": len(call.transcript.utterances),
    })


def _item_json(item: ActionItem) -> dict[str, Any]:
    return {"owner": item.owner, "description": item.description, "utterance": item.utterance,
            "deadline": item.deadline.isoformat() if item.deadline else None, "label": item.label}


async def action_items(ctx: StepContext) -> dict[str, Any]:
    """Action items need the intents; they are kept here so `intents` does not detect twice."""
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    found = await intents_for(ctx, call.transcript)
    items = await off_loop(extract_action_items, call.transcript, found, size=len(call.transcript.utterances))
    return {"items": [_item_json(i) for i in items], "owner_unsure": sum(1 for i in items if i.owner is None),
            "intents": [i.to_json() for i in found]}


# Follow-ups a sequence performs today. A promised proposal or requested content is a task to
# review and a commitment (`create_tasks`); their sequences come in later releases, so no job is
# queued for them (one would wait forever).
QUEUED_FOLLOW_UPS = {"commitment:schedule_meeting": EventType.CALENDAR_FIND_TIMES}


async def intents(ctx: StepContext) -> dict[str, Any]:
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    known = (ctx.outputs.get("action_items") or {}).get("intents")
    found = [_intent_from_json(r) for r in known] if known is not None else await intents_for(ctx, call.transcript)
    for intent in found:
        event_type = QUEUED_FOLLOW_UPS.get(intent.label)
        if event_type and ctx.user_id is not None:
            ctx.queue_followup(Event(
                type=event_type, source=EventSource.ORCHESTRATOR_CHAIN, org_id=ctx.org_id, user_id=ctx.user_id,
                payload={"meeting_id": call.meeting.id, "deal_id": call.deal.id if call.deal else None,
                         "contact_id": call.contact.id if call.contact else None,
                         "deadline": intent.deadline.isoformat() if intent.deadline else None,
                         "utterance": intent.utterance},
                idempotency_key=f"{event_type}:meeting:{call.meeting.id}",
                parent_job_id=ctx.job_id,
            ))
    return {"intents": [i.to_json() for i in found]}


async def next_actions(ctx: StepContext) -> dict[str, Any]:
    found = _intents_from_outputs(ctx)
    return {"actions": [{"text": a.text, "label": a.label, "event": a.follow_up_event}
                        for a in suggest_next_actions(found)]}


@dataclass(frozen=True)
class StoredIntent:
    label: str
    utterance: int
    speaker: str
    phrase: str
    confidence: float
    deadline: str | None = None


def _intents_from_outputs(ctx: StepContext) -> list[StoredIntent]:
    raw = (ctx.outputs.get("intents") or {}).get("intents") or []
    return [StoredIntent(r["label"], r["utterance"], r["speaker"], r["phrase"], r["confidence"], r.get("deadline"))
            for r in raw]


async def update_crm(ctx: StepContext) -> dict[str, Any]:
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    found = _intents_from_outputs(ctx)
    started = call.transcript.started_at
    applied: list[str] = []
    proposed: list[int] = []
    flags: list[str] = []

    async def write() -> dict[str, Any]:
        async with ctx.db.transaction() as s:
            await crm.add_activity(
                s, org_id=ctx.org_id, kind="meeting", deal_id=call.meeting.deal_id, contact_id=call.meeting.contact_id,
                user_id=call.rep.id, occurred_at=started,
                summary=f"Meeting: {call.meeting.title} ({len(found)} signals, notes by Sixty)",
                provenance={"meeting_id": call.meeting.id, "job_id": ctx.job_id})
            if call.deal is None:
                return {"applied": [], "proposed": [], "flags": []}
            deal = await s.get(Deal, call.deal.id, with_for_update=True)  # one call's plan at a time per deal
            assert deal is not None
            history = [PriorStageChange(**h) for h in await crm.stage_history(s, deal_id=deal.id or 0)]
            plan = plan_crm_updates(
                DealSnapshot(deal.id or 0, deal.stage, dict(deal.properties or {}), list(deal.flags or []),
                             dict(deal.field_edits or {})),
                found, meeting_id=call.meeting.id or 0, meeting_started_at=started,
                utterance_offsets=[u.start for u in call.transcript.utterances], now=ctx.now(),
                stage_history=history)
            for change in plan.changes:
                row = await crm.record_field_change(s, deal=deal, name=change.field, new=change.new,
                                                    provenance=change.provenance.to_dict(),
                                                    apply=not change.needs_approval, job_id=ctx.job_id, now=ctx.now())
                if change.needs_approval:
                    proposed.append(row.id)
                else:
                    applied.append(change.field)
            flags.extend(await crm.add_flags(s, deal=deal, flags=plan.flags_to_add))
            return {"applied": applied, "proposed": proposed, "flags": flags, "notify_manager": plan.notify_manager}

    result = await ctx.effect("crm-writes", write)
    if result.get("notify_manager"):
        await _tell_manager(ctx, call, found)
    return result


async def _tell_manager(ctx: StepContext, call: CallData, found: list[StoredIntent]) -> None:
    if call.rep.manager_id is None or ctx.delivery is None:
        return
    async with ctx.db.session() as s:
        manager = await s.get(User, call.rep.manager_id)
    if manager is None:
        return
    concern = next((i.phrase for i in found if i.label == "signal:buying_negative"), "a concern")
    deal = call.deal.name if call.deal else call.meeting.title
    text = (f":warning: Risk on *{deal}* ({call.rep.name}'s call): “{concern}”. "
            "You're seeing this because you manage this rep.")

    await ctx.post_dm(text, key="manager-risk-dm", to=manager.slack_user_id)  # exactly once


async def create_tasks(ctx: StepContext) -> dict[str, Any]:
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    items = (ctx.outputs.get("action_items") or {}).get("items") or []
    direct = [i for i in items if i["owner"] == "rep" and not i.get("label")]
    review = [i for i in items if i.get("label") or i["owner"] is None]
    found = _intents_from_outputs(ctx)

    async def write() -> dict[str, Any]:
        created = 0
        async with ctx.db.transaction() as s:
            for item in direct:
                await crm.add_task(s, org_id=ctx.org_id, user_id=call.rep.id, title=item["description"],
                                   due_at=_parse_dt(item["deadline"]), owner_kind="rep",
                                   deal_id=call.meeting.deal_id, contact_id=call.meeting.contact_id,
                                   meeting_id=call.meeting.id, provenance={"utterance": item["utterance"]})
                created += 1
            held = {(c.owner, c.kind, c.deal_id, c.contact_id, content_key(c.description))
                    for c in await crm.open_commitments(s, user_id=call.rep.id or 0)}
            for c in commitments_from_intents(found, rep_timezone=call.tz):
                same = (c.owner, c.kind, call.meeting.deal_id, call.meeting.contact_id, content_key(c.description))
                if same in held:  # the call replayed or run again: the promise is on record already
                    continue
                held.add(same)
                await crm.add_commitment(s, org_id=ctx.org_id, user_id=call.rep.id or 0, owner=c.owner,
                                         kind=c.kind, description=c.description, due_at=c.due_at,
                                         counterparty=_prospect_label(call), deal_id=call.meeting.deal_id,
                                         contact_id=call.meeting.contact_id, meeting_id=call.meeting.id)
        return {"created": created}

    result = await ctx.effect("tasks-and-commitments", write)
    return {**result, "to_review": review}


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _prospect_label(call: CallData) -> str | None:
    names = [a.name for a in call.prospects if a.name]
    company = call.company.name if call.company else None
    if names and company:
        return f"{names[0]} ({company})"
    return names[0] if names else company


def _when(call: CallData) -> str:
    local = call.transcript.started_at.astimezone(ZoneInfo(call.tz))
    return local.strftime("%a %-d %b, %H:%M ") + (local.tzname() or "")


def _owner_label(call: CallData, owner: str | None) -> str | None:
    if owner == "rep":
        return "You"
    if owner == "prospect":
        return _prospect_label(call) or "Them"
    return None


def _due_label(value: str | None, tz: str) -> str | None:
    dt = _parse_dt(value)
    return dt.astimezone(ZoneInfo(tz)).strftime("%a %-d %b") if dt else None


async def notify_summary(ctx: StepContext) -> dict[str, Any]:
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    found = _intents_from_outputs(ctx)
    items = (ctx.outputs.get("action_items") or {}).get("items") or []
    crm_out = ctx.outputs.get("update_crm") or {}
    tasks_out = ctx.outputs.get("create_tasks") or {}
    said = dict.fromkeys(i.utterance for i in found if i.label.startswith("signal:")
                         and 0 <= i.utterance < len(call.transcript.utterances))  # each sentence once
    moments = distinct([f"{u.speaker}: “{u.text}”" for u in (call.transcript.utterances[n] for n in said)],
                       limit=5)
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
        title=call.meeting.title or "your meeting", when=_when(call),
        attendees=[a.name or a.email or "?" for a in call.attendees],
        key_moments=moments,
        action_items=[ItemRow(i["description"], _owner_label(call, i["owner"]), _due_label(i["deadline"], call.tz))
                      for i in items],
        signals=[f"{' · '.join(LABEL_WORDS.get(label, label) for label in q.labels)}: “{q.quote}”"
                 for q in quote_signals(found, call.transcript.started_at)],
        updated=updated, waiting=waiting,
        why="You were in this meeting and it was recorded. Mute recaps from my Home tab.",
        undo_job_id=ctx.job_id if crm_out.get("applied") else None)
    posted = await ctx.notify("post_meeting_summary", f"Recap of {call.meeting.title}", summary_blocks(model),
                              key="summary")
    return {"channel": posted.channel, "ts": posted.ts}


async def draft_follow_up_step(ctx: StepContext) -> dict[str, Any]:
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    found = _intents_from_outputs(ctx)
    to = [a.email for a in call.prospects if a.email]
    # The meeting's own start (not when Sixty heard of it), as a day in the rep's zone.
    own_start, zone = call.meeting.started_at, ZoneInfo(call.tz)
    meeting_day = (own_start or call.transcript.started_at).astimezone(zone).date()
    steps = [AgreedStep(text=i.phrase, owner="rep" if i.speaker == "rep" else "prospect",
                        due=date.fromisoformat(i.deadline) if i.deadline else None)
             for i in found if i.label in ("commitment:send_proposal", "commitment:prospect_followup")
             or (i.label == "request:send_content" and i.speaker == "rep")]
    meeting_next = next((i for i in found if i.label == "commitment:schedule_meeting"), None)
    highlights = distinct([i.phrase for i in found if i.label in ("signal:buying_positive", "signal:timeline")])
    draft = await follow_up_for(ctx, FollowUpInput(
        rep_name=call.rep.name, prospect_names=[a.name or "" for a in call.prospects],
        company=call.company.name if call.company else None, meeting_title=call.meeting.title,
        meeting_date=meeting_day, highlights=highlights, steps=steps,
        next_meeting="as discussed" if meeting_next else None,
        signature=call.prefs.signature if call.prefs else None,
        written_on=ctx.now().astimezone(zone).date(), meeting_date_known=own_start is not None))
    return {
        "title": f"Follow-up for {call.company.name if call.company else call.meeting.title}",
        "draft": {"to": to, "cc": [], "subject": draft.subject, "body": draft.body},
        "context": f"From your call “{call.meeting.title}”, {_when(call)}",
        "meeting_id": call.meeting.id, "deal_id": call.meeting.deal_id,
    }




async def deliver_follow_up(ctx: StepContext) -> dict[str, Any]:
    """After the rep's decision on the draft (the gate before this step)."""
    assert ctx.approval is not None
    final = ctx.approval.payload.get("draft") or {}
    if not ctx.approval.approved:
        return {"decision": ctx.approval.decision}
    # Sent as the rep through the undo window when their mailbox may send; else copy + ask once.
    from flows.email_send import hand_off

    drafted = ctx.outputs.get("draft_follow_up") or {}
    handed = await hand_off(ctx, final, deal_id=drafted.get("deal_id"), meeting_id=drafted.get("meeting_id"))
    return {"decision": ctx.approval.decision, "subject": final.get("subject"), "to": final.get("to"), **handed}


async def crm_review(ctx: StepContext) -> dict[str, Any]:
    """The proposed CRM changes as an approval payload (stage moves, protected fields)."""
    proposed = (ctx.outputs.get("update_crm") or {}).get("proposed") or []
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    async with ctx.db.session() as s:
        rows = [r for r in [await s.get(CrmFieldChange, cid) for cid in proposed] if r is not None]
    fields = {}
    for r in rows:
        at = datetime.fromisoformat(r.provenance["at"]).astimezone(ZoneInfo(call.tz)).strftime("%H:%M")
        fields[r.field.replace("_", " ").capitalize()] = (
            f"{r.old_value or '—'} → {r.new_value}\nfrom “{r.provenance.get('quote', '')}” at {at}")
    return {"title": f"CRM update for {call.deal.name if call.deal else call.meeting.title}",
            "text": "From your call. Apply these changes?", "fields": fields, "change_ids": proposed}


async def apply_crm(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    proposed = ctx.approval.payload.get("change_ids") or []
    async with ctx.db.transaction() as s:
        if ctx.approval.approved:
            return {"applied": await crm.apply_proposed(s, change_ids=proposed, now=ctx.now())}
        await crm.reject_proposed(s, change_ids=proposed)
    return {"applied": 0}


async def tasks_review(ctx: StepContext) -> dict[str, Any]:
    """Tasks from detected intents (and unsure owners), batched into one approval payload."""
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    review = (ctx.outputs.get("create_tasks") or {}).get("to_review") or []
    utterances = call.transcript.utterances
    tasks = []
    for n, i in enumerate(review):
        owner = _owner_label(call, i["owner"]) or "owner unclear — yours if you approve"
        said = utterances[i["utterance"]] if 0 <= i["utterance"] < len(utterances) else None
        source = f"{said.speaker}: “{said.text[:200]}”" if said else ""
        tasks.append({**i, "n": n, "title": f"{i['description']} — {owner}",
                      "due": _due_label(i["deadline"], call.tz), "source": source})
    return {"title": f"{plural(len(tasks), 'task')} from your call", "tasks": tasks}


async def add_reviewed_tasks(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    if not ctx.approval.approved:
        return {"created": 0}
    call = await load_call(ctx, ctx.outputs["load_transcript"]["meeting_id"])
    keep = ctx.approval.payload.get("tasks") or []

    async def write() -> int:
        async with ctx.db.transaction() as s:
            for i in keep:
                await crm.add_task(s, org_id=ctx.org_id, user_id=call.rep.id, title=i["description"],
                                   due_at=_parse_dt(i["deadline"]), owner_kind=i["owner"] or "rep",
                                   deal_id=call.meeting.deal_id, contact_id=call.meeting.contact_id,
                                   meeting_id=call.meeting.id, source="intent",
                                   provenance={"utterance": i["utterance"], "label": i.get("label")})
        return len(keep)

    return {"created": await ctx.effect("approved-tasks", write)}


async def tell_not_recorded(ctx: StepContext) -> dict[str, Any]:
    reason = ctx.outputs["load_transcript"].get("reason") or "the recorder could not join"
    title = "your meeting"
    meeting_id = ctx.payload.get("meeting_id")
    if isinstance(meeting_id, int):
        async with ctx.db.session() as s:
            meeting = await s.get(Meeting, meeting_id)
        title = meeting.title if meeting and meeting.title else title
    posted = await ctx.notify("meeting_not_recorded", f"Your meeting “{title}” was not recorded",
                              not_recorded_blocks(title, f"Reason: {reason}."), key="not-recorded")
    return {"channel": posted.channel, "ts": posted.ts}


# ---------------------------------------------------------------------------------- declaration

RECORDED = Condition("load_transcript.recorded", "truthy")
HAS_PROPOSALS = Condition("update_crm.proposed", "truthy")
HAS_REVIEW = Condition("create_tasks.to_review", "truthy")
AFTER_CALL = "after_call"


def sequence() -> Sequence:
    return Sequence(
        type=SEQUENCE,
        version=VERSION,
        event_types=("meeting_ended",),
        steps=(
            Step("load_transcript", "meeting.load_transcript", on_failure="retry", max_retries=5, timeout_s=60),
            Step("action_items", "meeting.action_items", requires_context=2, on_failure="stop"),
            Step("intents", "meeting.intents", on_failure="continue"),
            Step("next_actions", "meeting.next_actions", on_failure="continue"),
            Step("update_crm", "meeting.update_crm", requires_context=2, on_failure="continue"),
            Step("create_tasks", "meeting.create_tasks", on_failure="continue"),
            Step("notify_summary", "meeting.notify_summary", on_failure="retry"),
            Step("draft_follow_up", "meeting.draft_follow_up", on_failure="stop"),
            Step("crm_review", "meeting.crm_review", condition=HAS_PROPOSALS, on_failure="continue"),
            Step("tasks_review", "meeting.tasks_review", condition=HAS_REVIEW, on_failure="continue"),
            # the three approvals are independent: shown together, each answered on its own
            Step("deliver_follow_up", "meeting.deliver_follow_up", requires_approval=True,
                 approval_kind="email_send", approval_payload_from="draft_follow_up", on_failure="stop",
                 gate_group=AFTER_CALL),
            Step("apply_crm", "meeting.apply_crm", requires_approval=True, approval_kind="stage_change",
                 approval_payload_from="crm_review", condition=HAS_PROPOSALS, on_failure="continue",
                 gate_group=AFTER_CALL),
            Step("add_reviewed_tasks", "meeting.add_reviewed_tasks", requires_approval=True,
                 approval_kind="tasks", approval_payload_from="tasks_review", condition=HAS_REVIEW,
                 on_failure="continue", gate_group=AFTER_CALL),
            Step("tell_not_recorded", "meeting.tell_not_recorded", on_failure="retry",
                 condition=Condition("load_transcript.recorded", "falsy")),
        ),
        branches=(
            Branch("load_transcript", Condition("load_transcript.recorded", "falsy"), "tell_not_recorded"),
        ),
    )


def register(registry: SequenceRegistry) -> None:
    skills = registry.skills
    for name, fn in (
        ("meeting.load_transcript", load_transcript),
        ("meeting.action_items", action_items),
        ("meeting.intents", intents),
        ("meeting.next_actions", next_actions),
        ("meeting.update_crm", update_crm),
        ("meeting.create_tasks", create_tasks),
        ("meeting.notify_summary", notify_summary),
        ("meeting.draft_follow_up", draft_follow_up_step),
        ("meeting.deliver_follow_up", deliver_follow_up),
        ("meeting.crm_review", crm_review),
        ("meeting.apply_crm", apply_crm),
        ("meeting.tasks_review", tasks_review),
        ("meeting.add_reviewed_tasks", add_reviewed_tasks),
        ("meeting.tell_not_recorded", tell_not_recorded),
    ):
        skills.register(name, fn)
    registry.add(sequence())

