"""The slot search: the rep's busy time (synced `calendar_events`, plus one provider free/busy
call that also covers the prospect when visible), the prospect's zone, the rep's working hours,
buffer, quiet hours and minimum notice, as a `skills.slot_types.SlotRequest`; and its result as
the JSON a step returns.

All-day and out-of-office events are whole days off (in the rep's zone); tentative ones cost
score instead of blocking. A provider failure counts as "not visible", never as free.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.calendar import BusyBlock, CalendarProvider, provider_for, window
from flows.calendar_find_times.who import Who, prospect_zone
from orchestrator.context import StepContext
from skills.slot_json import parse_weekdays
from skills.slot_types import (
    DEFAULT_DURATION_MINUTES,
    Interval,
    ProspectCalendar,
    QuietHours,
    RepCalendar,
    SlotRequest,
    SlotResult,
    WorkingHours,
)
from skills.timezones import resolve_timezone
from storage import calendar as calendars
from storage.models import CalendarEvent, User, UserPreferences

log = logging.getLogger(__name__)

MAX_OPTIONS = 5
SEARCH_KEYS = ("contact_id", "email", "deal_id", "meeting_id", "thread_id", "duration_minutes",
               "days", "offset", "allow_outside_prospect_hours", "timezone", "max_options",
               "proposed_times")  # fmt: skip
# carried along with the search (not inputs to it): the campaign reply that asked for the
# meeting, so the booked invite is written back to Instantly (`flows.campaign_reply.booked`)
CARRIED_KEYS = ("instantly_reply_id",)


def search_params(payload: dict[str, Any]) -> dict[str, Any]:
    """The search inputs named in a trigger payload (what a later click searches again with)."""
    return {k: payload[k] for k in (*SEARCH_KEYS, *CARRIED_KEYS) if payload.get(k) is not None}


# ---------------------------------------------------------------------------------- busy time


@dataclass
class RepBusy:
    busy: list[Interval]
    tentative: list[Interval]
    days_off: set[date]
    synced: bool


def _days(row: CalendarEvent, tz: ZoneInfo) -> list[date]:
    """The local days an all-day or out-of-office event covers."""
    last_instant = row.end_at - timedelta(seconds=1)
    if row.all_day:
        first, last = row.start_at.date(), last_instant.date()
    else:
        first, last = row.start_at.astimezone(tz).date(), last_instant.astimezone(tz).date()
    out = []
    while first <= last:
        out.append(first)
        first += timedelta(days=1)
    return out


async def stored_rep_busy(ctx: StepContext, rep: User, start: datetime, end: datetime) -> RepBusy:
    """The rep's synced calendar: busy, tentative, and all-day / out-of-office days (local)."""
    tz = ZoneInfo(rep.timezone or "UTC")
    async with ctx.db.session() as s:
        rows = await calendars.events_between(s, user_id=rep.id or 0, start=start, end=end)
        synced = await calendars.has_synced(s, user_id=rep.id or 0)
    out = RepBusy([], [], set(), synced)
    for row in rows:
        if row.status == "cancelled" or row.show_as == "free":
            continue
        if row.all_day or row.show_as == "oof":
            out.days_off.update(_days(row, tz))
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


# ---------------------------------------------------------------------------------- the request


@dataclass
class Search:
    request: SlotRequest
    prospect_visible: bool
    prospect_tz: str | None
    tz_source: str
    provider: CalendarProvider


def _rep_calendar(
    rep: User, prefs: UserPreferences, busy: list[Interval], tentative: list[Interval],
    days_off: set[date],
) -> RepCalendar:  # fmt: skip
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
    return RepCalendar(
        timezone=ZoneInfo(rep.timezone or "UTC"), working_hours=hours,
        buffer_minutes=prefs.meeting_buffer_minutes, busy=tuple(busy), tentative=tuple(tentative),
        days_off=frozenset(days_off), min_notice_minutes=prefs.min_notice_minutes,
        preference=preference, quiet_hours=quiet,  # type: ignore[arg-type]
    )  # fmt: skip


async def build_search(
    ctx: StepContext, who: Who, params: dict[str, Any], *, live_rep: bool = False
) -> Search:
    """The slot request; `live_rep` also asks the provider for the rep's busy time (in the
    same single call), to re-check a chosen slot against changes not synced yet."""
    rep = who.rep
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
    request = SlotRequest(
        now=now,
        rep=_rep_calendar(rep, who.prefs, busy, tentative, stored.days_off),
        prospect=prospect,
        duration_minutes=int(params.get("duration_minutes") or DEFAULT_DURATION_MINUTES),
        days=days,
        max_options=int(params.get("max_options") or MAX_OPTIONS),
        offset=int(params.get("offset") or 0),
        allow_outside_prospect_hours=bool(params.get("allow_outside_prospect_hours")),
    )  # fmt: skip
    return Search(request, visible, zone_name, source, provider)


# ---------------------------------------------------------------------------------- the result


def _slot_json(slot: Any) -> dict[str, Any]:
    return {"start": slot.start.astimezone(UTC).isoformat(),
            "end": slot.end.astimezone(UTC).isoformat(), "score": round(slot.score, 2),
            "rep_local": slot.rep_local, "prospect_local": slot.prospect_local,
            "flags": list(slot.flags)}  # fmt: skip


def result_json(result: SlotResult) -> dict[str, Any]:
    """Options, whether there are more, and (when nothing fits) the reasons and ways out."""
    out: dict[str, Any] = {"options": [_slot_json(s) for s in result.slots],
                           "has_more": result.has_more, "reasons": [], "ways_out": []}  # fmt: skip
    if result.explanation is not None:
        out["reasons"] = [n.message for n in result.explanation.reasons]
        out["ways_out"] = [{"code": n.code, "text": n.message, "params": dict(n.params)}
                           for n in result.explanation.suggestions]  # fmt: skip
    return out


def notes(who: Who, search: Search) -> list[str]:
    """What the picker says about the prospect's zone and calendar."""
    out = []
    if search.prospect_tz is None:
        out.append(f"I don't know {who.name}'s time zone, so these are in your hours only.")
    elif search.tz_source in ("company", "company_location", "signature"):
        where = {"company": "their company's time zone", "company_location": "their company's "
                 "location", "signature": "their email signature"}[search.tz_source]  # fmt: skip
        out.append(f"{who.name}'s time zone ({search.prospect_tz}) is a guess from {where}.")
    if search.prospect_tz and not search.prospect_visible:
        out.append(f"I can't see {who.name}'s calendar, only their usual business hours.")
    elif search.prospect_visible:
        out.append(f"Checked against {who.name}'s calendar too.")
    return out


def proposed_note(who: Who, params: dict[str, Any]) -> list[str]:
    """The times the prospect suggested themselves (from their email), if any."""
    times = [str(t)[:40] for t in params.get("proposed_times") or [] if t][:5]
    return [f"{who.name} suggested: {', '.join(times)}."] if times else []
