"""Sequences the copilot starts on its own: `morning_brief`, `pre_meeting_90min`,
`pipeline_scan` and `stale_deal_revival`.

Each gathers its data from storage, builds a view model with `skills.briefs`, renders it with
`blocks.briefs` / `blocks.pipeline`, and delivers it through `deliver()`, which keeps the
delivery rules: a kind the rep muted is not sent (unless they asked for it), quiet hours, a
pause and the hourly cap defer it (`ctx.notify`), a message the rep asked for (`/60 brief`,
a click) goes at once, and a brief of the same subject still unread is updated in place
rather than sent twice. Every delivery is recorded in `slack_notifications_sent`.

Idempotency keys (one job per subject and run): `morning_brief:{user}:{local date}[:req…]`,
`pre_meeting_90min:{event}:{start}`, `pipeline_scan:{user}:{date}`, `stale_deal_revival:{deal}:…`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from blocks.briefs import (
    morning_brief_blocks,
    morning_brief_text,
    pre_meeting_blocks,
    pre_meeting_text,
)
from blocks.pipeline import DealRow, batch_review_blocks
from connectors.apollo import apollo_client
from orchestrator import delivery
from orchestrator.sequence import Condition, Sequence, SequenceRegistry, Step
from orchestrator.context import DeferDelivery, StepContext
from skills import briefs as sk
from storage import pipeline
from storage.models import (
    Activity,
    CalendarEvent,
    Commitment,
    Company,
    Contact,
    CrmFieldChange,
    Deal,
    EmailMessage,
    EmailThread,
    Meeting,
    SequenceJob,
    SlackNotificationSent,
    User,
)

log = logging.getLogger(__name__)

PRE_MEETING_MINUTES = 90
ATTENTION = tuple(sk.ATTENTION_CATEGORIES)
DAY_NAMES = {"mon-fri": "weekdays", "mon-sun": "every day", "daily": "every day"}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _aware(t: datetime | None) -> datetime | None:
    return None if t is None else (t if t.tzinfo else t.replace(tzinfo=UTC))


def enabled(ctx: StepContext, feature: str) -> bool:
    """The feature is on for this org and rep (a message the rep asked for always goes)."""
    tier1 = ctx.tiers.get("1") or {}
    on = sk.feature_on(feature, tier1.get("features"), (tier1.get("prefs") or {}).get("features"))
    if not on and not ctx.payload.get("requested"):
        log.info("proactive feature off", extra={"feature": feature, "job_id": ctx.job_id})
        return False
    return True


def stale_days(ctx: StepContext) -> int:
    return int((ctx.tiers.get("1") or {}).get("settings", {}).get("stale_threshold_days") or 14)


# --------------------------------------------------------------------------- delivery rules


async def _unread_same_subject(
    ctx: StepContext, kind: str, key_prefix: str
) -> tuple[str, str] | None:
    """(channel, ts) of a delivered, unread message of this kind for the same subject."""
    n, j = SlackNotificationSent, SequenceJob
    q = (
        select(n.channel, n.message_ts)
        .join(j, j.id == n.job_id)
        .where(
            n.user_id == ctx.user_id,
            n.kind == kind,
            n.status == "delivered",
            n.read_at.is_(None),
            n.message_ts.is_not(None),
            j.id != ctx.job_id,
            j.idempotency_key.startswith(key_prefix),
        )
        .order_by(n.sent_at.desc())
        .limit(1)
    )
    async with ctx.db.engine.connect() as conn:
        row = (await conn.execute(q)).first()
    return (row[0], row[1]) if row else None


async def deliver(
    ctx: StepContext,
    kind: str,
    text: str,
    blocks: list[dict[str, Any]],
    *,
    subject_key: str,
    key: str = "brief",
) -> dict[str, Any]:
    """Deliver a proactive message under the delivery rules (module docstring)."""
    tier1 = ctx.tiers.get("1") or {}
    prefs = tier1.get("prefs") or {}
    requested = ctx.answers_rep  # `/60 brief`, a click, or chained from one: goes at once
    muted = kind in (prefs.get("muted_kinds") or []) and not requested
    # a muted kind goes to `ctx.notify`, which records it as muted (nothing is dropped)
    same = None if muted else await _unread_same_subject(ctx, kind, subject_key)
    slack_id = (tier1.get("user") or {}).get("slack_user_id")
    if (same is not None or requested) and slack_id and ctx.delivery is not None:
        if not requested:  # an in-place update still waits for quiet hours and pauses to end
            until = delivery.next_window(delivery.Prefs.from_tier1(tier1), ctx.now())
            if until is not None:
                raise DeferDelivery(until)
        d = ctx.delivery

        async def update(at: tuple[str, str]) -> dict[str, str]:
            p = await d.update_message(at[0], at[1], text, blocks)
            return {"channel": p.channel, "ts": p.ts}

        if same is not None:
            posted = await ctx.effect(f"post:{key}", lambda: update(same))
        else:  # exactly once, even when the process dies right after the post
            p = await ctx.post_dm(text, blocks, key=f"post:{key}", to=slack_id)
            posted = {"channel": p.channel, "ts": p.ts}
        async with ctx.db.engine.begin() as conn:
            await delivery.record(
                conn,
                org_id=ctx.org_id,
                user_id=ctx.user_id or 0,
                kind=kind,
                dedupe_key=f"job:{ctx.job_id}:{ctx.step.name}:{key}",
                job_id=ctx.job_id,
                status="delivered",
                at=ctx.now(),
                channel=posted["channel"],
                ts=posted["ts"],
            )
        return {"delivered": True, "updated": same is not None, **posted}
    p = await ctx.notify(kind, text, blocks, key=key)
    held = getattr(p, "status", None)  # muted or batched into a digest by the orchestrator
    if held and not p.ts:
        return {"delivered": False, "reason": held}
    return {"delivered": True, "updated": False, "channel": p.channel, "ts": p.ts}


def briefing_why(user: dict[str, Any], requested: bool) -> str:
    if requested:
        return "You asked for this brief (/60 brief). Change your briefing time in my Home tab."
    t = str(user.get("briefing_time") or "08:00")[:5]
    days = DAY_NAMES.get(str(user.get("briefing_days") or "mon-fri"), user.get("briefing_days"))
    return (
        f"You get this brief {days} at {t} ({user.get('timezone') or 'UTC'}), your briefing time. "
        "Change it in my Home tab."
    )


# --------------------------------------------------------------------------- morning brief


async def gather_morning(db: Any, user: User, now: datetime, stale: int) -> sk.MorningInput:
    """Everything the morning brief shows for `user` at `now`, read in one connection."""
    tz = _zone(user.timezone)
    local = now.astimezone(tz)
    day_start = datetime.combine(local.date(), time(0), tz).astimezone(UTC)
    day_end = day_start + timedelta(days=1)
    ev, co, cm, ct = CalendarEvent, Company, Contact, Commitment
    async with db.engine.connect() as conn:
        events = (
            await conn.execute(
                select(ev.id, ev.title, ev.start_at, ev.is_external, ev.deal_id, cm.name, co.name)
                .select_from(ev)
                .outerjoin(cm, cm.id == ev.contact_id)
                .outerjoin(co, co.id == cm.company_id)
                .where(
                    ev.user_id == user.id,
                    ev.start_at >= day_start,
                    ev.start_at < day_end,
                    ev.status != "cancelled",
                    ev.all_day.is_(False),
                )
                .order_by(ev.start_at)
            )
        ).all()
        running = {
            int(k.split(":")[1])
            for (k,) in (
                await conn.execute(
                    select(SequenceJob.idempotency_key).where(
                        SequenceJob.user_id == user.id,
                        SequenceJob.sequence_type == "pre_meeting_90min",
                        SequenceJob.status.in_(("pending", "running")),
                        SequenceJob.created_at >= now - timedelta(hours=3),
                    )
                )
            ).all()
            if k.split(":")[1].isdigit()
        }
        meetings = [
            sk.MeetingInfo(
                event_id=r[0],
                start=_aware(r[2]) or now,
                title=r[1],
                external=bool(r[3]),
                contact=r[5],
                company=r[6],
                purpose=r[1].split(" — ", 1)[1] if " — " in r[1] else None,
                prep=("prepping" if r[0] in running else "ready") if r[3] else "none",
            )
            for r in events
        ]
        th, msg = EmailThread, EmailMessage
        inbox_rows = (
            await conn.execute(
                select(
                    msg.id,
                    msg.category,
                    msg.from_addr,
                    msg.subject,
                    th.contact_id,
                    th.deal_id,
                    cm.name,
                    co.name,
                )
                .select_from(msg)
                .join(th, th.id == msg.thread_id)
                .outerjoin(cm, cm.id == th.contact_id)
                .outerjoin(co, co.id == cm.company_id)
                .where(
                    th.user_id == user.id,
                    msg.direction == "inbound",
                    msg.category.in_(ATTENTION),
                    msg.received_at >= now - timedelta(hours=36),
                )
                .order_by(msg.received_at.desc())
                .limit(30)
            )
        ).all()
        inbox = [
            sk.InboxItem(
                message_id=r[0],
                category=r[1] or "",
                sender=r[6] or r[2],
                subject=r[3] or "",
                company=r[7],
                contact_id=r[4],
                deal_id=r[5],
                known=r[4] is not None,
            )
            for r in inbox_rows
        ]
        flagged = await pipeline.scan(
            conn, org_id=user.org_id, now=now, stale_days=stale, owner_id=user.id
        )
        deals = [
            sk.DealPulse(h.deal_id, h.name, h.stage, h.amount, h.days_quiet, h.reasons, h.company)
            for h in flagged
        ]
        proposals = (
            await conn.execute(
                select(Deal.id, Deal.name, Deal.stage, Deal.amount).where(
                    Deal.owner_id == user.id, Deal.stage == "proposal"
                )
            )
        ).all()
        commitments = (
            await conn.execute(
                select(ct.description, ct.due_at, ct.owner, ct.counterparty).where(
                    ct.user_id == user.id,
                    ct.status.in_(("open", "overdue")),
                    ct.due_at.is_not(None),
                    ct.due_at < day_end,
                )
            )
        ).all()
        notes = (
            await conn.execute(
                select(Activity.id)
                .join(Deal, Deal.id == Activity.deal_id)
                .where(
                    Deal.owner_id == user.id,
                    Activity.kind == "note",
                    Activity.occurred_at >= now - timedelta(hours=24),
                )
            )
        ).all()
    return sk.MorningInput(
        rep_name=user.name,
        timezone=user.timezone,
        now=now,
        meetings=meetings,
        inbox=inbox,
        deals=deals,
        proposals_awaiting=[sk.DealPulse(r[0], r[1], r[2], r[3], None) for r in proposals],
        commitments=[sk.CommitmentDue(r[0], _aware(r[1]) or now, r[2], r[3]) for r in commitments],
        crm_notes=len(notes),
    )


async def _user(ctx: StepContext) -> User:
    async with ctx.db.session() as s:
        user = await s.get(User, ctx.user_id)
    if user is None:
        raise LookupError("the job's user is gone")
    return user


async def compose_morning(ctx: StepContext) -> dict[str, Any]:
    if not enabled(ctx, "morning_brief"):
        return {"empty": True, "reason": "feature off"}
    user = await _user(ctx)
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


async def deliver_morning(ctx: StepContext) -> dict[str, Any]:
    out = ctx.outputs["compose"]
    local = ctx.now().astimezone(_zone((ctx.tiers.get("1") or {}).get("user", {}).get("timezone")))
    return await deliver(
        ctx,
        "morning_brief",
        out["text"],
        out["blocks"],
        subject_key=f"morning_brief:{ctx.user_id}:{local.date().isoformat()}",
    )


# --------------------------------------------------------------------------- pre-meeting brief


async def gather_pre_meeting(
    db: Any,
    user: User,
    event: CalendarEvent,
    now: datetime,
    enrich: Callable[[str], Awaitable[str | None]] | None = None,
) -> sk.PreMeetingInput:
    """The brief's data for one calendar event: attendees from the CRM and the delta since the
    last meeting with the same people (emails either side, stage changes, commitments)."""
    emails_in = [str(a.get("email") or "").lower() for a in event.attendees or []]
    emails_in = [e for e in emails_in if e and e != (user.email or "").lower()]
    async with db.engine.connect() as conn:
        contacts = (
            await conn.execute(
                select(Contact.id, Contact.name, Contact.title, Company.name, Contact.email)
                .outerjoin(Company, Company.id == Contact.company_id)
                .where(
                    Contact.org_id == user.org_id,
                    Contact.email.in_(emails_in) if emails_in else Contact.id == event.contact_id,
                )
            )
        ).all()
        contact_ids = [r[0] for r in contacts] or ([event.contact_id] if event.contact_id else [])
        deal = (
            await conn.execute(
                select(Deal).where(Deal.id == event.deal_id, Deal.org_id == user.org_id)
            )
            if event.deal_id
            else None
        )
        deal_row = deal.first() if deal is not None else None
        deal_id = deal_row.id if deal_row is not None else None
        about = []
        if deal_id is not None:
            about.append(("deal", deal_id))
        last_meet = None
        if deal_id is not None or contact_ids:
            cond = (
                (Meeting.deal_id == deal_id)
                if deal_id is not None
                else Meeting.contact_id.in_(contact_ids)
            )
            last_meet = (
                await conn.execute(
                    select(Meeting.started_at)
                    .where(cond, Meeting.started_at < now)
                    .order_by(Meeting.started_at.desc())
                    .limit(1)
                )
            ).scalar()
            cal_cond = (
                (CalendarEvent.deal_id == deal_id)
                if deal_id is not None
                else (CalendarEvent.contact_id.in_(contact_ids))
            )
            last_cal = (
                await conn.execute(
                    select(CalendarEvent.end_at)
                    .where(
                        cal_cond,
                        CalendarEvent.id != event.id,
                        CalendarEvent.end_at < now,
                        CalendarEvent.status != "cancelled",
                    )
                    .order_by(CalendarEvent.end_at.desc())
                    .limit(1)
                )
            ).scalar()
            cands = [t for t in (_aware(last_meet), _aware(last_cal)) if t is not None]
            last_meet = max(cands) if cands else None
        th, msg = EmailThread, EmailMessage
        since = last_meet or now - timedelta(days=30)
        thread_cond = [th.contact_id.in_(contact_ids)] if contact_ids else []
        if deal_id is not None:
            thread_cond.append(th.deal_id == deal_id)
        emails = []
        if thread_cond:
            emails = (
                await conn.execute(
                    select(msg.direction, msg.subject, msg.received_at)
                    .join(th, th.id == msg.thread_id)
                    .where(th.user_id == user.id, or_(*thread_cond), msg.received_at > since)
                    .order_by(msg.received_at)
                    .limit(50)
                )
            ).all()
        stages = []
        if deal_id is not None:
            stages = (
                await conn.execute(
                    select(
                        CrmFieldChange.old_value,
                        CrmFieldChange.new_value,
                        CrmFieldChange.created_at,
                    )
                    .where(
                        CrmFieldChange.deal_id == deal_id,
                        CrmFieldChange.field == "stage",
                        CrmFieldChange.status == "applied",
                    )
                    .order_by(CrmFieldChange.created_at)
                )
            ).all()
        ccond = [Commitment.contact_id.in_(contact_ids)] if contact_ids else []
        if deal_id is not None:
            ccond.append(Commitment.deal_id == deal_id)
        commitments = []
        if ccond:
            commitments = (
                await conn.execute(
                    select(
                        Commitment.owner,
                        Commitment.description,
                        Commitment.due_at,
                        Commitment.status,
                        Commitment.closed_at,
                    )
                    .where(
                        Commitment.user_id == user.id, or_(*ccond), Commitment.status != "cancelled"
                    )
                    .limit(30)
                )
            ).all()
    attendees = [sk.Attendee(r[1], r[2], r[3]) for r in contacts]
    emails_of = [r[4] for r in contacts]
    known = set(emails_in)
    if not attendees:
        guests = [a for a in event.attendees or [] if str(a.get("email") or "").lower() in known]
        attendees = [sk.Attendee(str(a.get("name") or "Guest")) for a in guests]
        emails_of = [str(a.get("email")) for a in guests]
    if enrich is not None:  # Apollo, when configured: a headline per attendee, best effort
        attendees = [
            sk.Attendee(a.name, a.title, a.company, await enrich(e) if e else None)
            for a, e in zip(attendees[:5], emails_of[:5], strict=False)
        ] + attendees[5:]
    return sk.PreMeetingInput(
        title=event.title,
        start=_aware(event.start_at) or now,
        timezone=user.timezone,
        now=now,
        attendees=attendees,
        deal_name=deal_row.name if deal_row is not None else None,
        stage=deal_row.stage if deal_row is not None else None,
        amount=deal_row.amount if deal_row is not None else None,
        close_date=deal_row.close_date if deal_row is not None else None,
        last_meeting_at=last_meet,
        emails=[sk.EmailNote(r[0], r[1] or "", _aware(r[2]) or now) for r in emails],
        stage_changes=[sk.StageNote(r[0], str(r[1]), _aware(r[2]) or now) for r in stages],
        commitments=[
            sk.CommitmentNote(r[0], r[1], _aware(r[2]), r[3], _aware(r[4])) for r in commitments
        ],
    )


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
        and (_aware(event.start_at) != datetime.fromisoformat(planned))
    ):
        log.info("pre-meeting brief skipped", extra={"job_id": ctx.job_id, "reason": "moved"})
        return {"skip": "moved"}
    user = await _user(ctx)
    now = ctx.now()
    apollo = apollo_client(ctx.settings)
    enrich = None
    if apollo is not None:

        async def enrich(email: str) -> str | None:
            person = await apollo.match(email)
            return person.note() if person is not None else None

    brief = sk.build_pre_meeting_brief(await gather_pre_meeting(ctx.db, user, event, now, enrich))
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


async def deliver_pre_meeting(ctx: StepContext) -> dict[str, Any]:
    out = ctx.outputs["compose"]
    res = await deliver(
        ctx,
        "pre_meeting",
        out["text"],
        out["blocks"],
        subject_key=f"pre_meeting_90min:{out['event_id']}:",
    )
    res["delivered_at"] = ctx.now().isoformat()
    return res


# --------------------------------------------------------------------------- pipeline scan


def rows_of(
    found: list[pipeline.DealHealth], owners: dict[int, str] | None = None
) -> list[DealRow]:
    """List rows; with `owners` (user id -> name) each row says whose deal it is."""
    names = owners or {}
    return [
        DealRow(h.deal_id, h.name, h.stage, h.amount, h.days_quiet, h.reasons,
                names.get(h.owner_id or 0))
        for h in found
    ]  # fmt: skip


async def scan_for_user(ctx: StepContext) -> dict[str, Any]:
    if not enabled(ctx, "pipeline"):
        return {"stale": [], "at_risk": [], "blocks": []}
    user = await _user(ctx)
    async with ctx.db.engine.connect() as conn:
        found = await pipeline.scan(
            conn, org_id=user.org_id, now=ctx.now(), stale_days=stale_days(ctx), owner_id=user.id
        )
    stale = [h for h in found if h.stale]
    return {
        "stale": [h.deal_id for h in stale],
        "at_risk": [h.deal_id for h in found if not h.stale],
        "blocks": batch_review_blocks(
            rows_of(stale),
            why=f"Your daily pipeline scan found deals with no activity for "
            f"{stale_days(ctx)}+ days.",
        )
        if stale
        else [],
    }


async def offer_review(ctx: StepContext) -> dict[str, Any]:
    out = ctx.outputs["scan"]
    return await deliver(
        ctx,
        "pipeline",
        f"{len(out['stale'])} deals have gone quiet",
        out["blocks"],
        subject_key=f"pipeline_scan:{ctx.user_id}:",
    )


# --------------------------------------------------------------------------- stale-deal revival


async def analyse_stall(ctx: StepContext) -> dict[str, Any]:
    if not sk.feature_on("stale_deal_revival", (ctx.tiers.get("1") or {}).get("features"), None):
        return {"skip": "feature off"}
    deal_id = ctx.payload.get("deal_id")
    user = await _user(ctx)
    async with ctx.db.session() as s:
        deal = await s.get(Deal, deal_id) if isinstance(deal_id, int) else None
        if deal is None or deal.org_id != user.org_id:
            return {"skip": "no such deal"}
        contact = await s.get(Contact, deal.primary_contact_id) if deal.primary_contact_id else None
        company = await s.get(Company, deal.company_id) if deal.company_id else None
        last = (
            (
                await s.execute(
                    select(Activity)
                    .where(Activity.deal_id == deal.id)
                    .order_by(Activity.occurred_at.desc())
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )
        commitments = (
            (
                await s.execute(
                    select(Commitment).where(
                        Commitment.deal_id == deal.id, Commitment.status.in_(("open", "overdue"))
                    )
                )
            )
            .scalars()
            .all()
        )
    stall = sk.analyse_stall(
        sk.StallInput(
            deal_name=deal.name,
            company=company.name if company else None,
            stage=deal.stage,
            contact_name=contact.name if contact else None,
            rep_name=user.name,
            days_quiet=sk.quiet_days(_aware(last.occurred_at) if last else None, ctx.now()),
            last_touch=last.summary if last else None,
            open_commitments=[
                sk.CommitmentNote(c.owner, c.description, _aware(c.due_at), c.status)
                for c in commitments
            ],
            flags=list(deal.flags or []),
        )
    )
    return {
        "skip": None,
        "deal_id": deal.id,
        "deal_name": deal.name,
        "reasons": stall.reasons,
        "contact_id": contact.id if contact else None,
        "to": [contact.email] if contact and contact.email and not contact.do_not_email else [],
        "subject": stall.subject,
        "body": stall.body,
    }


async def draft_revival(ctx: StepContext) -> dict[str, Any]:
    a = ctx.outputs["analyse"]
    return {
        "title": f"Re-engage {a['deal_name']}",
        "text": "Why it stalled: " + "; ".join(a["reasons"]),
        "context": "Why it stalled: " + "; ".join(a["reasons"]),
        "draft": {"to": a["to"], "cc": [], "subject": a["subject"], "body": a["body"]},
        "deal_id": a["deal_id"],
        "contact_id": a["contact_id"],
    }


async def deliver_revival(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    final = ctx.approval.payload.get("draft") or {}
    if not ctx.approval.approved:
        return {"decision": ctx.approval.decision}
    # Sent as the rep through the undo window when their mailbox may send; else copy + ask once.
    from flows.email_send import hand_off

    drafted = ctx.outputs.get("draft") or {}
    handed = await hand_off(ctx, final, deal_id=drafted.get("deal_id"), contact_id=drafted.get("contact_id"),
                            key="revival-send")
    return {"decision": ctx.approval.decision, "subject": final.get("subject"), **handed}


# --------------------------------------------------------------------------- registration

NOT_EMPTY = Condition("compose.empty", "falsy")
NOT_SKIPPED = Condition("compose.skip", "falsy")
HAS_STALE = Condition("scan.stale", "truthy")
ANALYSED = Condition("analyse.skip", "falsy")

SEQUENCES = (
    Sequence(
        type="morning_brief",
        version=1,
        event_types=("morning_brief",),
        steps=(
            Step("compose", "proactive.compose_morning", on_failure="retry", timeout_s=60),
            Step("deliver", "proactive.deliver_morning", condition=NOT_EMPTY, on_failure="retry"),
        ),
    ),
    Sequence(
        type="pre_meeting_90min",
        version=1,
        event_types=("pre_meeting_90min",),
        steps=(
            Step("compose", "proactive.compose_pre_meeting", on_failure="retry", timeout_s=60),
            Step(
                "deliver",
                "proactive.deliver_pre_meeting",
                condition=NOT_SKIPPED,
                on_failure="retry",
            ),
        ),
    ),
    Sequence(
        type="pipeline_scan",
        version=1,
        event_types=("pipeline_scan",),
        steps=(
            Step("scan", "proactive.scan_for_user", on_failure="retry", timeout_s=60),
            Step("offer_review", "proactive.offer_review", condition=HAS_STALE, on_failure="retry"),
        ),
    ),
    Sequence(
        type="stale_deal_revival",
        version=1,
        event_types=("stale_deal_revival",),
        steps=(
            Step("analyse", "proactive.analyse_stall", requires_context=2, on_failure="retry"),
            Step("draft", "proactive.draft_revival", condition=ANALYSED),
            Step(
                "deliver",
                "proactive.deliver_revival",
                requires_approval=True,
                approval_kind="email_send",
                approval_payload_from="draft",
                condition=ANALYSED,
                on_failure="stop",
            ),
        ),
    ),
)


def register(registry: SequenceRegistry) -> None:
    for name, fn in (
        ("proactive.compose_morning", compose_morning),
        ("proactive.deliver_morning", deliver_morning),
        ("proactive.compose_pre_meeting", compose_pre_meeting),
        ("proactive.deliver_pre_meeting", deliver_pre_meeting),
        ("proactive.scan_for_user", scan_for_user),
        ("proactive.offer_review", offer_review),
        ("proactive.analyse_stall", analyse_stall),
        ("proactive.draft_revival", draft_revival),
        ("proactive.deliver_revival", deliver_revival),
    ):
        registry.skills.register(name, fn)
    registry.add_all(SEQUENCES)


async def mark_read(
    db: Any, channel: str, ts: str, now: datetime, user_id: int | None = None
) -> None:
    """A click on a message means the rep has read it (no duplicate of it is sent while unread).

    `user_id`: only that user's notification (the channel and ts come from the click's payload).
    """
    n = SlackNotificationSent
    mine = [n.user_id == user_id] if user_id is not None else []
    async with db.engine.begin() as conn:
        await conn.execute(
            update(n)
            .where(n.channel == channel, n.message_ts == ts, n.read_at.is_(None), *mine)
            .values(read_at=now)
        )


def local_date(user: User, now: datetime) -> date:
    return now.astimezone(_zone(user.timezone)).date()
