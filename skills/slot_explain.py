"""Explaining a short slot list: reasons, and ways out checked to help (pure).

Owns the notes on a result (`days_clamped`, `prospect_timezone_unknown`,
`prospect_calendar_unknown`) and, when fewer than `max_options` are offered or fewer than 3
are free of problem flags, the explanation: reasons (`rep_fully_booked`, `rep_out_of_office`,
`no_business_hours_overlap`, `rep_busy_in_prospect_hours`, `prospect_busy`,
`min_notice_excludes_today`, `prospect_calendar_unknown`, `no_more_options`, else
`few_good_options` / `few_options`) and ways out re-scanned to check they help
(`widen_range`, `shorter_meeting`, `allow_outside_hours`), each with a sentence for people.
"""

from __future__ import annotations

from datetime import datetime, time, tzinfo

from skills.slot_days import Prepared
from skills.slot_scan import Stats, default_step, scan
from skills.slot_types import MAX_DAYS, Explanation, Note, Slot, SlotRequest, WorkingHours
from skills.timezones import short_label


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _minutes_text(minutes: int) -> str:
    """ "45 minutes", "2 hours", "1 hour 30 minutes", "1 day"."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_plural(days, "day"))
    if hours:
        parts.append(_plural(hours, "hour"))
    if mins or not parts:
        parts.append(_plural(mins, "minute"))
    return " ".join(parts)


def _hours_text(hours: WorkingHours, tz: tzinfo, at: datetime) -> str:
    end = "24:00" if hours.end == time(0, 0) else f"{hours.end:%H:%M}"
    return f"{hours.start:%H:%M}–{end} {short_label(tz, at)}"


def notes_for(request: SlotRequest, days: int) -> list[Note]:
    notes = []
    if request.days > MAX_DAYS:
        notes.append(
            Note(
                "days_clamped",
                f"Looked {MAX_DAYS} business days ahead, the most the finder covers "
                f"(asked for {request.days}).",
                {"days": MAX_DAYS, "asked": request.days},
            )
        )
    if request.prospect is None:
        notes.append(
            Note(
                "prospect_timezone_unknown",
                "The prospect's timezone is unknown, so times are not checked against "
                "their business hours.",
            )
        )
    elif request.prospect.busy is None:
        notes.append(_calendar_unknown())
    return notes


def _calendar_unknown() -> Note:
    return Note(
        "prospect_calendar_unknown",
        "The prospect's calendar isn't visible, so these times only respect their "
        "business hours, not their meetings.",
    )


def _what_if(prep: Prepared, days: int, duration: int, step: int, allow_outside: bool) -> Stats:
    """Counts for a variant of the request (wider range, shorter meeting)."""
    return scan(prep, days, duration, step, allow_outside, count_only=True)[1]


def _helps(now: Stats, then: Stats, wanted: int) -> bool:
    """A way out helps if it adds good options, or any options while there are too few."""
    return then.good > now.good or (now.offerable < wanted and then.offerable > now.offerable)


def explain(
    prep: Prepared,
    days: int,
    step: int,
    stats: Stats,
    slots: list[Slot],
    good: int,
) -> Explanation:
    req = prep.request
    rep = req.rep
    prospect = req.prospect
    dur = req.duration_minutes
    at = req.now
    reasons: list[Note] = []
    span = "the next business day" if stats.days == 1 else f"the next {stats.days} business days"

    if req.offset > 0 and len(slots) < req.max_options:
        reasons.append(
            Note("no_more_options", "There are no more options beyond the ones already shown.")
        )
    if stats.days_off:
        all_off = stats.days_off == stats.days
        reasons.append(
            Note(
                "rep_out_of_office",
                f"You're out of office or have all-day events on all of {span}."
                if all_off
                else f"You're out of office or have all-day events on {stats.days_off} of {span}.",
                {"days_off": stats.days_off, "days": stats.days},
            )
        )
    lost_today = stats.today_without_notice - stats.today_with_notice
    if stats.rep_free + lost_today == 0 and stats.days_off < stats.days:
        reasons.append(
            Note(
                "rep_fully_booked",
                f"You have no free {dur}-minute window in your working hours "
                f"({_hours_text(rep.working_hours, rep.timezone, at)}) over {span}.",
                {"duration_minutes": dur, "days": stats.days},
            )
        )
    if stats.today_in_range and lost_today > 0 and stats.today_with_notice == 0:
        reasons.append(
            Note(
                "min_notice_excludes_today",
                f"Your minimum notice of {_minutes_text(rep.min_notice_minutes)} rules out "
                "the rest of today.",
                {"min_notice_minutes": rep.min_notice_minutes},
            )
        )
    open_days = stats.days - stats.days_off
    if prospect is not None and open_days > 0 and stats.hours_overlap_days == 0:
        ours = _hours_text(rep.working_hours, rep.timezone, at)
        theirs = _hours_text(prospect.working_hours, prospect.timezone, at)
        edge = " The options are early or late for them." if stats.stretch else ""
        reasons.append(
            Note(
                "no_business_hours_overlap",
                f"Your working hours ({ours}) don't overlap the prospect's business hours "
                f"({theirs}) for a {dur}-minute meeting.{edge}",
            )
        )
    elif prospect is not None and stats.rep_free > 0 and stats.rep_free_inside == 0:
        reasons.append(
            Note(
                "rep_busy_in_prospect_hours",
                "You're free only at times outside the prospect's business hours.",
            )
        )
    elif stats.rep_free_inside > 0 and stats.inside == 0 and stats.prospect_clear < stats.rep_free:
        reasons.append(
            Note(
                "prospect_busy",
                "The prospect's calendar is busy whenever you're free in their business hours.",
            )
        )
    elif stats.rep_free > 0 and stats.prospect_clear == 0:
        reasons.append(
            Note("prospect_busy", "The prospect's calendar is busy whenever you're free.")
        )
    if prospect is not None and prospect.busy is None:
        reasons.append(_calendar_unknown())
    if not reasons and slots and good < len(slots):
        reasons.append(
            Note(
                "few_good_options",
                "Only a few options suit both of you; the others are marked with why.",
            )
        )
    elif not reasons:
        reasons.append(
            Note(
                "few_options",
                f"Only {_plural(len(slots), 'option')} fit over {span}.",
                {"options": len(slots)},
            )
        )

    suggestions: list[Note] = []
    wanted = req.offset + req.max_options
    allow = req.allow_outside_prospect_hours
    if days < MAX_DAYS:
        wider = _what_if(prep, MAX_DAYS, dur, step, allow)
        if _helps(stats, wider, wanted):
            more_days = len(wider.offerable_days) - len(stats.offerable_days)
            suggestions.append(
                Note(
                    "widen_range",
                    f"Looking {MAX_DAYS} business days ahead instead of {days} finds options "
                    f"on {_plural(more_days, 'more day')}."
                    if more_days > 0
                    else f"Looking {MAX_DAYS} business days ahead instead of {days} finds "
                    "more options.",
                    {"days": MAX_DAYS},
                )
            )
    for shorter in (45, 30, 15):
        if shorter >= dur:
            continue
        step_then = req.step_minutes or default_step(shorter)
        if _helps(stats, _what_if(prep, days, shorter, step_then, allow), wanted):
            suggestions.append(
                Note(
                    "shorter_meeting",
                    f"A {shorter}-minute meeting would fit more times.",
                    {"duration_minutes": shorter},
                )
            )
            break
    if prospect is not None and not req.allow_outside_prospect_hours and stats.outside > 0:
        suggestions.append(
            Note(
                "allow_outside_hours",
                "Offer times outside the prospect's business hours, marked as such.",
                {"allow_outside_prospect_hours": True},
            )
        )
    return Explanation(reasons=tuple(reasons), suggestions=tuple(suggestions))
