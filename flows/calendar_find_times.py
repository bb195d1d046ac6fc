"""The `calendar_find_times` sequence: mutual free time offered in Slack, then the invite or an
email with the times, each behind the rep's approval. Also registers `calendar_changed`.

Triggers (event `calendar_find_times`, payload below): the `commitment:schedule_meeting`
intent (child of `meeting_ended`: `{meeting_id, deal_id, contact_id, ...}`), `meeting_request`
emails (`{contact_id, deal_id, thread_id, duration_minutes?}`), `/60 find times for ...`
(`{contact_id, duration_minutes?}`, source `slack:command`) and the morning brief's "Check
calendar" button (`{contact_id, deal_id?, duration_minutes?}`). Optional: `email` (a prospect
not in the CRM), `days`, `offset`, `allow_outside_prospect_hours`, `timezone` (the prospect's,
when the rep told us), `picker` `{channel, ts}` (update that message instead of a new DM).

Modes (`action` in the payload; the picker's buttons submit them, see bot/schedule_actions.py):

- offer (default): `find_times` loads availability — the rep's busy time from synced
  `calendar_events` (tentative costs score; all-day and out-of-office days are excluded), plus
  ONE provider free/busy call for the prospect (visible in the same Workspace / tenant; for a
  Google rep never synced yet it also covers the rep) — the prospect's timezone (CRM contact,
  else company timezone / location, else their email signature, else asked in the message), the
  rep's working hours, buffer, quiet hours and minimum notice (`user_preferences`), runs
  `skills.slots.find_slots`; `offer_times` posts (or updates) the picker.
- invite (`{source_job_id, slot: {start, end}, ...}`): `check_slot` re-checks the slot on fresh
  busy data (`slot_is_free`); taken -> the picker says so and shows the next best; else the
  approval gate (kind `calendar_invite`), then `create_invite` makes the event with the prospect
  as attendee and a video link (idempotent through `ctx.effect` and the provider's event id /
  transaction id), stores it in `calendar_events` and closes the `schedule_meeting`
  commitments (`meeting_booked`).
- email (`{source_job_id, options: [...]}`): `draft_times_email` writes the times in the
  prospect's zone; `send_times_email` is gated with kind `email_send` and a `draft` payload
  (to, cc, subject, body; `thread_id` alongside); the email-send flow does the sending.

All search inputs and the options shown are in this job's outputs (`find_times`), so clicks
read them from the database, never from the Slack message.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from blocks.scheduling import (
    InviteReview,
    PickerModel,
    SlotChoice,
    WayOut,
    booked_text,
    closed_blocks,
    picker_blocks,
    way_out_label,
)
from connectors.calendar import (
    BusyBlock,
    CalendarProvider,
    NewEvent,
    provider_for,
    window,
)
from connectors.google_calendar import Attendee
from orchestrator.sequence import END, Branch, Condition, Sequence, SequenceRegistry, Step
from orchestrator.context import APPROVED_DECISIONS, StepContext
from skills.slot_types import (
    DEFAULT_DURATION_MINUTES,
    Interval,
    ProspectCalendar,
    QuietHours,
    RepCalendar,
    SlotRequest,
    SlotResult,
    WorkingHours,
    parse_weekdays,
)
from skills.slots import find_slots, slot_is_free
from skills.timezones import UnknownTimezoneError, local_label, resolve_timezone
from storage import crm
from storage.models import (
    CalendarEvent,
    CalendarSyncState,
    Commitment,
    Company,
    Contact,
    EmailMessage,
    EmailThread,
    MeetingAttendee,
    User,
    UserPreferences,
)

log = logging.getLogger(__name__)

SEQUENCE = "calendar_find_times"
VERSION = 1
MAX_OPTIONS = 5

# City, region and abbreviation hints for a prospect's zone (company location, signature).
ZONE_HINTS: tuple[tuple[str, str], ...] = (
    ("new york", "America/New_York"), ("boston", "America/New_York"),
    ("atlanta", "America/New_York"), ("miami", "America/New_York"),
    ("toronto", "America/Toronto"), ("chicago", "America/Chicago"),
    ("austin", "America/Chicago"), ("dallas", "America/Chicago"),
    ("houston", "America/Chicago"), ("minneapolis", "America/Chicago"),
    ("denver", "America/Denver"), ("phoenix", "America/Phoenix"),
    ("san francisco", "America/Los_Angeles"), ("los angeles", "America/Los_Angeles"),
    ("seattle", "America/Los_Angeles"), ("portland", "America/Los_Angeles"),
    ("san diego", "America/Los_Angeles"), ("vancouver", "America/Vancouver"),
    ("london", "Europe/London"), ("manchester", "Europe/London"),
    ("dublin", "Europe/Dublin"), ("paris", "Europe/Paris"), ("berlin", "Europe/Berlin"),
    ("munich", "Europe/Berlin"), ("amsterdam", "Europe/Amsterdam"),
    ("madrid", "Europe/Madrid"), ("stockholm", "Europe/Stockholm"),
    ("zurich", "Europe/Zurich"), ("singapore", "Asia/Singapore"), ("tokyo", "Asia/Tokyo"),
    ("bangalore", "Asia/Kolkata"), ("bengaluru", "Asia/Kolkata"), ("mumbai", "Asia/Kolkata"),
    ("sydney", "Australia/Sydney"), ("melbourne", "Australia/Melbourne"),
    ("sao paulo", "America/Sao_Paulo"), ("são paulo", "America/Sao_Paulo"),
)  # fmt: skip
ABBREVIATIONS = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles", "bst": "Europe/London",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "ist": "Asia/Kolkata",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
}  # fmt: skip
_ABBR = re.compile(r"\b(" + "|".join(ABBREVIATIONS) + r")\b", re.I)


def zone_from_text(text: str | None) -> str | None:
    """A zone named by a place or an abbreviation in `text` ("Chicago, US", "9-5 PT")."""
    if not text:
        return None
    low = text.lower()
    for place, zone in ZONE_HINTS:
        if place in low:
            return zone
    m = _ABBR.search(text)
    return ABBREVIATIONS[m.group(1).lower()] if m else None


# ---------------------------------------------------------------------------------- loading


@dataclass
class Who:
    rep: User
    prefs: UserPreferences
    contact: Contact | None
    company: Company | None
    email: str | None

    @property
    def name(self) -> str:
        if self.contact is not None:
            return self.contact.name
        return self.email or "them"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.company.name})" if self.company else self.name


async def load_who(ctx: StepContext, params: dict[str, Any]) -> Who:
    assert ctx.user_id is not None
    async with ctx.db.session() as s:
        rep = await s.get(User, ctx.user_id)
        if rep is None:
            raise LookupError("rep not found")
        prefs = await s.get(UserPreferences, ctx.user_id) or UserPreferences(user_id=ctx.user_id)
        contact = None
        if params.get("contact_id"):
            contact = await s.get(Contact, int(params["contact_id"]))
            if contact is not None and contact.org_id != ctx.org_id:
                contact = None
        email = params.get("email")
        if contact is None and not email and params.get("meeting_id"):
            # a commitment from a call with no CRM contact: its first prospect attendee
            attendees = (
                await s.exec(
                    select(MeetingAttendee).where(
                        MeetingAttendee.meeting_id == int(params["meeting_id"]),
                        MeetingAttendee.role == "prospect",
                    )
                )
            ).all()
            first = next((a for a in attendees if a.contact_id or a.email), None)
            if first is not None and first.contact_id:
                contact = await s.get(Contact, first.contact_id)
            elif first is not None:
                email = first.email
        company = (
            await s.get(Company, contact.company_id) if contact and contact.company_id else None
        )
    email = (contact.email if contact else None) or email
    return Who(rep, prefs, contact, company, email)


async def prospect_zone(
    ctx: StepContext, who: Who, params: dict[str, Any]
) -> tuple[str | None, str]:
    """(zone name, where it came from): told, contact, company, location, signature or None."""
    told = params.get("timezone")
    if told and _zone(told) is None:
        told = zone_from_text(str(told))  # "ET" from an email's details
    candidates: list[tuple[str | None, str]] = [(told, "told")]
    if who.contact is not None:
        candidates.append((who.contact.timezone, "contact"))
    if who.company is not None:
        candidates.append((who.company.timezone, "company"))
        candidates.append((zone_from_text(who.company.location), "company_location"))
    for zone, source in candidates:
        if zone and _zone(zone) is not None:
            return zone, source
    sig = await _signature_zone(ctx, who, params)
    return (sig, "signature") if sig else (None, "unknown")


async def _signature_zone(ctx: StepContext, who: Who, params: dict[str, Any]) -> str | None:
    if not who.email:
        return None
    async with ctx.db.session() as s:
        q = (
            select(EmailMessage)
            .join(EmailThread, col(EmailThread.id) == col(EmailMessage.thread_id))
            .where(EmailThread.user_id == who.rep.id, EmailMessage.direction == "inbound",
                   EmailMessage.from_addr == who.email)
            .order_by(col(EmailMessage.received_at).desc())
            .limit(3)
        )  # fmt: skip
        rows = (await s.exec(q)).all()
    for row in rows:
        tail = "\n".join(row.body_text.strip().splitlines()[-8:])  # the signature block
        zone = zone_from_text(tail)
        if zone:
            return zone
    return None


def _zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return resolve_timezone(name)
    except UnknownTimezoneError:
        return None


@dataclass
class RepBusy:
    busy: list[Interval]
    tentative: list[Interval]
    days_off: set[date]
    synced: bool


async def stored_rep_busy(ctx: StepContext, rep: User, start: datetime, end: datetime) -> RepBusy:
    """The rep's synced calendar: busy, tentative, and all-day / out-of-office days (local)."""
    tz = ZoneInfo(rep.timezone or "UTC")
    async with ctx.db.session() as s:
        rows = (
            await s.exec(
                select(CalendarEvent).where(
                    CalendarEvent.user_id == rep.id, CalendarEvent.start_at < end,
                    CalendarEvent.end_at > start,
                )
            )
        ).all()  # fmt: skip
        synced = (
            await s.exec(
                select(CalendarSyncState).where(
                    CalendarSyncState.user_id == rep.id,
                    col(CalendarSyncState.sync_token).is_not(None),
                )
            )
        ).first() is not None
    out = RepBusy([], [], set(), synced)
    for row in rows:
        if row.status == "cancelled" or row.show_as == "free":
            continue
        if row.all_day or row.show_as == "oof":
            first = row.start_at.astimezone(tz).date() if not row.all_day else row.start_at.date()
            last_instant = row.end_at - timedelta(seconds=1)
            last = last_instant.astimezone(tz).date() if not row.all_day else last_instant.date()
            while first <= last:
                out.days_off.add(first)
                first += timedelta(days=1)
            continue
        iv = Interval(row.start_at, row.end_at)
        (out.tentative if "tentative" in (row.status, row.show_as) else out.busy).append(iv)
    return out


async def live_busy(
    provider: CalendarProvider, emails: list[str], start: datetime, end: datetime
) -> dict[str, list[BusyBlock]]:
    """One provider free/busy call; a failure counts as "not visible", never as free."""
    if not emails:
        return {}
    try:
        return await provider.busy(emails, start, end)
    except Exception as exc:  # any provider failure: carry on without it
        log.warning("free/busy unavailable", extra={"provider": provider.name,
                                                    "error": type(exc).__name__})  # fmt: skip
        return {}


@dataclass
class Search:
    request: SlotRequest
    prospect_visible: bool
    prospect_tz: str | None
    tz_source: str
    provider: CalendarProvider


async def build_search(
    ctx: StepContext, who: Who, params: dict[str, Any], *, live_rep: bool = False
) -> Search:
    """The slot request; `live_rep` also asks the provider for the rep's busy time (in the
    same single call), to re-check a chosen slot against changes not synced yet."""
    rep, prefs = who.rep, who.prefs
    rep_tz = ZoneInfo(rep.timezone or "UTC")
    now = ctx.now()
    days = max(1, min(10, int(params.get("days") or 5)))
    start, end = window(now, days)
    stored = await stored_rep_busy(ctx, rep, start, end)
    provider = await provider_for(ctx.db, ctx.settings, rep.id or 0)
    emails = [who.email] if who.email else []
    with_rep = provider.name != "demo" and (live_rep or not stored.synced)
    if with_rep:
        emails.append(rep.email)
    live = await live_busy(provider, emails, start, end)
    busy, tentative = list(stored.busy), list(stored.tentative)
    if with_rep:
        known_tentative = set(stored.tentative)
        for b in live.get(rep.email, []):
            iv = Interval(b.start, b.end)
            if iv not in known_tentative:  # free/busy shows tentative events as busy
                (tentative if b.tentative else busy).append(iv)
    zone_name, source = await prospect_zone(ctx, who, params)
    prospect = None
    visible = bool(who.email and who.email in live)
    if zone_name:
        pbusy = None
        if visible and who.email:
            pbusy = tuple(Interval(b.start, b.end) for b in live[who.email] if not b.tentative)
        prospect = ProspectCalendar(timezone=resolve_timezone(zone_name), busy=pbusy)
    quiet: tuple[QuietHours, ...] = ()
    if prefs.quiet_hours_start and prefs.quiet_hours_end:
        quiet = (QuietHours(prefs.quiet_hours_start, prefs.quiet_hours_end),)
    hours = WorkingHours(
        start=prefs.working_hours_start or time(9), end=prefs.working_hours_end or time(17),
        days=parse_weekdays(prefs.working_days or "mon-fri", "working_days"),
    )  # fmt: skip
    preference = (
        prefs.time_preference if prefs.time_preference in ("morning", "afternoon") else None
    )
    request = SlotRequest(
        now=now,
        rep=RepCalendar(
            timezone=rep_tz, working_hours=hours, buffer_minutes=prefs.meeting_buffer_minutes,
            busy=tuple(busy), tentative=tuple(tentative), days_off=frozenset(stored.days_off),
            min_notice_minutes=prefs.min_notice_minutes, preference=preference,  # type: ignore[arg-type]
            quiet_hours=quiet,
        ),
        prospect=prospect,
        duration_minutes=int(params.get("duration_minutes") or DEFAULT_DURATION_MINUTES),
        days=days,
        max_options=int(params.get("max_options") or MAX_OPTIONS),
        offset=int(params.get("offset") or 0),
        allow_outside_prospect_hours=bool(params.get("allow_outside_prospect_hours")),
    )  # fmt: skip
    return Search(request, visible, zone_name, source, provider)


SEARCH_KEYS = ("contact_id", "email", "deal_id", "meeting_id", "thread_id", "duration_minutes",
               "days", "offset", "allow_outside_prospect_hours", "timezone", "max_options",
               "proposed_times")  # fmt: skip


def search_params(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: payload[k] for k in SEARCH_KEYS if payload.get(k) is not None}


def _slot_json(slot: Any) -> dict[str, Any]:
    return {"start": slot.start.astimezone(UTC).isoformat(),
            "end": slot.end.astimezone(UTC).isoformat(), "score": round(slot.score, 2),
            "rep_local": slot.rep_local, "prospect_local": slot.prospect_local,
            "flags": list(slot.flags)}  # fmt: skip


def result_json(result: SlotResult) -> dict[str, Any]:
    out: dict[str, Any] = {"options": [_slot_json(s) for s in result.slots],
                           "has_more": result.has_more, "reasons": [], "ways_out": []}  # fmt: skip
    if result.explanation is not None:
        out["reasons"] = [n.message for n in result.explanation.reasons]
        out["ways_out"] = [{"code": n.code, "text": n.message, "params": dict(n.params)}
                           for n in result.explanation.suggestions]  # fmt: skip
    return out


def _notes(who: Who, search: Search) -> list[str]:
    notes = []
    if search.prospect_tz is None:
        notes.append(f"I don't know {who.name}'s time zone, so these are in your hours only.")
    elif search.tz_source in ("company", "company_location", "signature"):
        where = {"company": "their company's time zone", "company_location": "their company's "
                 "location", "signature": "their email signature"}[search.tz_source]  # fmt: skip
        notes.append(f"{who.name}'s time zone ({search.prospect_tz}) is a guess from {where}.")
    if search.prospect_tz and not search.prospect_visible:
        notes.append(f"I can't see {who.name}'s calendar, only their usual business hours.")
    elif search.prospect_visible:
        notes.append(f"Checked against {who.name}'s calendar too.")
    return notes


# ---------------------------------------------------------------------------------- steps


async def route(ctx: StepContext) -> dict[str, Any]:
    mode = str(ctx.payload.get("action") or "offer")
    return {"mode": mode if mode in ("offer", "invite", "email") else "offer"}


async def find_times(ctx: StepContext) -> dict[str, Any]:
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
        "notes": _notes(who, search) + _proposed_note(who, params),
        **result_json(result),
    }


def _proposed_note(who: Who, params: dict[str, Any]) -> list[str]:
    times = [str(t)[:40] for t in params.get("proposed_times") or [] if t][:5]
    return [f"{who.name} suggested: {', '.join(times)}."] if times else []


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


async def offer_times(ctx: StepContext) -> dict[str, Any]:
    found = ctx.outputs["find_times"]
    if found.get("error"):
        blocks = closed_blocks("I couldn't find who to schedule with: the contact is unknown.")
        return await show(ctx, "scheduling", "Couldn't find the contact", blocks)
    model = picker_model(ctx.job_id, found)
    text = f"Times for a meeting with {model.who}"
    return await show(ctx, "scheduling", text, picker_blocks(model))


def _source_options(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in payload.get("options") or [] if isinstance(o, dict)]


async def check_slot(ctx: StepContext) -> dict[str, Any]:
    """Is the chosen slot still free? If not, say so and show the next best."""
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
                 "prospect_tz": search.prospect_tz, "notes": _notes(who, search),
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


async def create_invite(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    if not ctx.approval.approved:
        return {"decision": ctx.approval.decision}
    params = search_params(ctx.payload)
    who = await load_who(ctx, params)
    if not who.email:
        return {"decision": ctx.approval.decision, "error": "no_address"}
    checked = ctx.outputs["check_slot"]
    start = datetime.fromisoformat(checked["slot"]["start"])
    end = datetime.fromisoformat(checked["slot"]["end"])
    provider = await provider_for(ctx.db, ctx.settings, who.rep.id or 0)
    tx = f"sixty:{ctx.payload.get('source_job_id')}:{start.astimezone(UTC).isoformat()}"
    title = f"{who.company.name if who.company else who.name} <> {who.rep.name}"
    event = NewEvent(
        summary=title, description="Scheduled with Sixty.", start=start, end=end,
        tz=who.rep.timezone or "UTC", attendees=(Attendee(who.email, who.name),),
        transaction_id=tx, with_video=True,
    )  # fmt: skip

    async def create() -> dict[str, Any]:
        made = await provider.create_event(event)
        return {"id": made.id, "provider": made.provider, "link": made.link,
                "video_link": made.video_link}  # fmt: skip

    made = await ctx.effect("create-event", create)
    deal_id = params.get("deal_id")

    async def record() -> int:
        async with ctx.db.transaction() as s:
            if made["provider"] != "demo":
                await _store_event(s, ctx, who, made, event, deal_id)
            closed = 0
            if deal_id:
                closed = await crm.close_commitments(
                    s, user_id=who.rep.id or 0, kinds={"schedule_meeting"},
                    closed_by="meeting_booked", deal_id=int(deal_id), now=ctx.now(),
                )  # fmt: skip
            if who.contact is not None:  # promises tied to the contact rather than a deal
                rows = (
                    await s.exec(
                        select(Commitment).where(
                            Commitment.user_id == who.rep.id,
                            Commitment.kind == "schedule_meeting",
                            Commitment.contact_id == who.contact.id,
                            col(Commitment.status).in_(("open", "overdue")),
                        )
                    )
                ).all()
                for row in rows:
                    row.status, row.closed_by, row.closed_at = "done", "meeting_booked", ctx.now()
                    s.add(row)
                closed += len(rows)
            return closed

    closed = await ctx.effect("record-booking", record)
    text = booked_text(who.label, checked.get("fields", {}).get("When", ""), made.get("video_link"),
                       made.get("link") or None)  # fmt: skip
    await show(ctx, "scheduling", "Invite sent", closed_blocks(text), key="booked")
    log.info("meeting booked", extra={"job_id": ctx.job_id, "provider": made["provider"]})
    return {"decision": ctx.approval.decision, "event_id": made["id"],
            "provider": made["provider"], "commitments_closed": closed,
            "video": bool(made.get("video_link"))}  # fmt: skip


async def _store_event(
    s: Any, ctx: StepContext, who: Who, made: dict[str, Any], event: NewEvent, deal_id: Any
) -> None:
    """Keep the new event in `calendar_events` now, before the next sync brings it."""
    found = (
        await s.exec(
            select(CalendarEvent).where(
                CalendarEvent.user_id == who.rep.id, CalendarEvent.provider == made["provider"],
                CalendarEvent.external_id == made["id"],
            )
        )
    ).first()  # fmt: skip
    if found is None:
        s.add(CalendarEvent(
            org_id=ctx.org_id, user_id=who.rep.id or 0, provider=made["provider"],
            external_id=made["id"], title=event.summary, start_at=event.start, end_at=event.end,
            is_external=True, attendees=[{"email": a.email, "name": a.name} for a in event.attendees],
            deal_id=int(deal_id) if deal_id else None,
            contact_id=who.contact.id if who.contact else None,
        ))  # fmt: skip


async def draft_times_email(ctx: StepContext) -> dict[str, Any]:
    params = search_params(ctx.payload)
    who = await load_who(ctx, params)
    options = _source_options(ctx.payload)
    zone_name = ctx.payload.get("prospect_tz")
    zone = _zone(zone_name) or ZoneInfo(who.rep.timezone or "UTC")
    lines = []
    for o in options:
        start = datetime.fromisoformat(o["start"])
        lines.append(f"- {local_label(start, zone, with_date=True)}")
    first = who.name.split()[0] if who.contact else "there"
    duration = int(params.get("duration_minutes") or DEFAULT_DURATION_MINUTES)
    body = (
        f"Hi {first},\n\nWould any of these work for a {duration}-minute call?\n\n"
        + "\n".join(lines)
        + "\n\nHappy to send an invite for whichever suits you best.\n"
    )
    if who.prefs.signature:
        body += f"\n{who.prefs.signature}\n"
    else:
        body += f"\n{who.rep.name}\n"
    draft = {"to": [who.email] if who.email else [], "cc": [],
             "subject": "Times for our next conversation", "body": body}  # fmt: skip
    return {"draft": draft, "thread_id": params.get("thread_id"),
            "contact_id": params.get("contact_id"), "deal_id": params.get("deal_id"),
            "context": f"Times for {who.label}", "title": f"Email times to {who.label}"}  # fmt: skip


async def send_times_email(ctx: StepContext) -> dict[str, Any]:
    """The approved draft goes to `flows.email_send.hand_off` (undo window, limits, audit)."""
    assert ctx.approval is not None
    decision = ctx.approval.decision
    if decision not in APPROVED_DECISIONS:
        return {"decision": decision}
    payload = ctx.approval.payload
    draft = payload.get("draft") or {}
    thread = payload.get("thread_id")
    from flows import email_send

    hand_off = getattr(email_send, "hand_off", None)
    if hand_off is None:  # the send flow is not installed: the rep copies the draft
        return {"decision": decision, "sent": False}
    result = await hand_off(
        ctx, draft, deal_id=_int_or_none(payload.get("deal_id")),
        contact_id=_int_or_none(payload.get("contact_id")),
        meeting_id=_int_or_none(ctx.payload.get("meeting_id")),
        email_thread_id=_int_or_none(thread), key="times-email",
    )  # fmt: skip
    if result.get("send_id"):
        text = ":email: Sending these times from your mailbox (you can still undo it)."
        await show(ctx, "scheduling", "Times on their way", closed_blocks(text), key="emailed")
    return {"decision": decision, "subject": draft.get("subject"), **result}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def sequence() -> Sequence:
    mode = "route.mode"
    return Sequence(
        type=SEQUENCE,
        version=VERSION,
        steps=(
            Step("route", "schedule.route"),
            Step(
                "find_times",
                "schedule.find_times",
                requires_context=2,
                on_failure="retry",
                max_retries=2,
                timeout_s=30,
            ),
            Step("offer_times", "schedule.offer_times", on_failure="retry"),
            Step("check_slot", "schedule.check_slot", on_failure="retry", max_retries=2),
            Step(
                "create_invite",
                "schedule.create_invite",
                requires_approval=True,
                approval_kind="calendar_invite",
                approval_payload_from="check_slot",
                on_failure="retry",
                max_retries=3,
                timeout_s=60,
            ),
            Step("draft_times_email", "schedule.draft_times_email"),
            Step(
                "send_times_email",
                "schedule.send_times_email",
                requires_approval=True,
                approval_kind="email_send",
                approval_payload_from="draft_times_email",
            ),
        ),
        branches=(
            Branch("route", Condition(mode, "eq", "invite"), "check_slot"),
            Branch("route", Condition(mode, "eq", "email"), "draft_times_email"),
            Branch("offer_times", Condition(mode, "exists"), END),
            Branch("check_slot", Condition("check_slot.taken", "truthy"), END),
            Branch("create_invite", Condition(mode, "exists"), END),
        ),
    )


def register(registry: SequenceRegistry) -> None:
    skills = registry.skills
    skills.register("schedule.route", route)
    skills.register("schedule.find_times", find_times)
    skills.register("schedule.offer_times", offer_times)
    skills.register("schedule.check_slot", check_slot)
    skills.register("schedule.create_invite", create_invite)
    skills.register("schedule.draft_times_email", draft_times_email)
    skills.register("schedule.send_times_email", send_times_email)
    registry.add(sequence())
    from flows import calendar_sync

    calendar_sync.register(registry)
