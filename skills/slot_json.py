"""The slot finder's JSON contract (`sixty slots`, DESIGN.md 7): liberal in, strict out.

`request_from_json(data)` builds a `SlotRequest` and raises `SlotInputError` with a one-line
message naming the bad field; `result_to_json(result)` gives the contract's output. Also owns
the clock and weekday readers (`parse_clock`, `parse_weekdays`) the calendar flow shares.

JSON input (everything but `rep.timezone` optional; defaults shown):

    {"now": "2025-03-13T09:00:00Z",            # ISO 8601; the CLI uses the clock if absent
     "duration_minutes": 30,                   # 1..1440
     "days": 5,                                # business days, 1..60 (more than 10 clamped)
     "max_options": 5, "offset": 0,            # 1..50; offset 0..1000: "show more" skips
     "step_minutes": 15,                       # candidate grid 5..120 (default 30 for 60+ min)
     "allow_outside_prospect_hours": false,
     "rep": {"timezone": "Europe/London",
             "working_hours": {"start": "09:00", "end": "17:00",  # "9am", "24:00" = midnight
                               "days": ["mon", "tue", "wed", "thu", "fri"]},  # or [1..5] ISO
             "buffer_minutes": 15,             # kept free before and after each busy block
             "busy": [{"start": "...", "end": "..."}],  # or [start, end] pairs
             "tentative": [{"start", "end"}],  # costs score, not availability
             "all_day": ["2025-03-14"], "out_of_office": [{"start": "2025-03-17",
                                                           "end": "2025-03-19"}],
             "min_notice_minutes": 60,         # 0..43200 (30 days)
             "preference": null,               # or "morning" / "afternoon"
             "quiet_hours": {"start": "12:00", "end": "13:00"}},  # or a list; may wrap midnight
     "prospect": {"timezone": "America/New_York",
                  "busy": [...],               # absent or null: their calendar is unknown
                  "working_hours": {...},      # default 09:00-17:00 Mon-Fri, their local time
                  "buffer_minutes": null,      # null: the rep's buffer
                  "stretch_minutes": 60}}      # early/late tolerance, flagged and penalised

Every number is bounded and every instant lies in years 1970..9990 (`now`) or converts to
UTC (others): anything else is a `SlotInputError`, so the finder never meets a value it
cannot compute with. Naive date-times are read in the zone of the calendar they belong to (`now` in the rep's).
Date ranges (`all_day`, `out_of_office`) take a date string or `{start, end}` with `end`
exclusive, as Google Calendar and Microsoft Graph give all-day events (Google's
`{"date": ...}` objects work too). `working_hours` also reads Microsoft Graph's
`{daysOfWeek, startTime, endTime}`; busy entries read `{"dateTime", "timeZone"}` objects and
an optional `status`/`showAs` (`tentative` counts as tentative, `free` is dropped).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from skills.slot_types import (
    DEFAULT_BUFFER_MINUTES,
    DEFAULT_DAYS,
    DEFAULT_DURATION_MINUTES,
    DEFAULT_MAX_OPTIONS,
    DEFAULT_MIN_NOTICE_MINUTES,
    DEFAULT_STRETCH_MINUTES,
    Interval,
    Note,
    Preference,
    ProspectCalendar,
    QuietHours,
    RepCalendar,
    Slot,
    SlotRequest,
    SlotResult,
    WorkingHours,
)
from skills.timezones import DEFAULT_WORKDAYS, UnknownTimezoneError, resolve_timezone

MAX_OPTIONS_LIMIT = 50
MAX_DAYS_ASKED = 60  # accepted, then clamped to MAX_DAYS with a note
MAX_OFFSET = 1000
MAX_NOTICE_MINUTES = 30 * 24 * 60
NOW_YEARS = (1970, 9990)


class SlotInputError(ValueError):
    """Bad slot-finder input; the message is one line and names the field."""


# -- JSON in -------------------------------------------------------------------------------

_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?$", re.I)


def request_from_json(data: Any, *, default_now: datetime | None = None) -> SlotRequest:
    """Build a `SlotRequest` from the JSON contract; `SlotInputError` names the bad field."""
    if not isinstance(data, Mapping):
        raise SlotInputError("input must be a JSON object")
    rep_raw = _mapping(data.get("rep"), "rep", required=True)
    if "timezone" not in rep_raw:
        raise SlotInputError("rep.timezone is required")
    rep_tz = _zone(rep_raw.get("timezone"), "rep.timezone")

    if data.get("now") is None:
        if default_now is None:
            raise SlotInputError("now is required")
        now = default_now
    else:
        now = _instant(data["now"], "now", rep_tz)
    if not NOW_YEARS[0] <= now.astimezone(UTC).year <= NOW_YEARS[1]:
        raise SlotInputError(f"now must be between {NOW_YEARS[0]} and {NOW_YEARS[1]}")

    duration = _int(data.get("duration_minutes"), "duration_minutes", DEFAULT_DURATION_MINUTES)
    if duration <= 0:
        raise SlotInputError(f"duration_minutes must be positive, got {duration}")
    if duration > 24 * 60:
        raise SlotInputError(f"duration_minutes must be at most 1440, got {_shown(duration)}")
    days = _int(data.get("days"), "days", DEFAULT_DAYS)
    if days < 1:
        raise SlotInputError(f"days must be at least 1, got {_shown(days)}")
    if days > MAX_DAYS_ASKED:
        raise SlotInputError(f"days must be 1..{MAX_DAYS_ASKED}, got {_shown(days)}")
    max_options = _int(data.get("max_options"), "max_options", DEFAULT_MAX_OPTIONS)
    if not 1 <= max_options <= MAX_OPTIONS_LIMIT:
        raise SlotInputError(
            f"max_options must be 1..{MAX_OPTIONS_LIMIT}, got {_shown(max_options)}"
        )
    offset = _int(data.get("offset"), "offset", 0)
    if offset < 0:
        raise SlotInputError(f"offset must not be negative, got {_shown(offset)}")
    if offset > MAX_OFFSET:
        raise SlotInputError(f"offset must be 0..{MAX_OFFSET}, got {_shown(offset)}")
    step: int | None = None
    if data.get("step_minutes") is not None:
        step = _int(data["step_minutes"], "step_minutes", 15)
        if not 5 <= step <= 120:
            raise SlotInputError(f"step_minutes must be 5..120, got {_shown(step)}")
    allow_outside = _bool(
        data.get("allow_outside_prospect_hours"), "allow_outside_prospect_hours", False
    )

    rep = _rep(rep_raw, rep_tz)
    prospect = None
    if data.get("prospect") is not None:
        prospect = _prospect(_mapping(data["prospect"], "prospect", required=True))
    return SlotRequest(
        now=now,
        rep=rep,
        prospect=prospect,
        duration_minutes=duration,
        days=days,
        max_options=max_options,
        offset=offset,
        step_minutes=step,
        allow_outside_prospect_hours=allow_outside,
    )


def _rep(raw: Mapping[str, Any], tz: tzinfo) -> RepCalendar:
    hours = _working_hours(raw.get("working_hours"), "rep.working_hours")
    buffer = _int(raw.get("buffer_minutes"), "rep.buffer_minutes", DEFAULT_BUFFER_MINUTES)
    if not 0 <= buffer <= 240:
        raise SlotInputError(f"rep.buffer_minutes must be 0..240, got {_shown(buffer)}")
    busy, tentative_from_busy = _busy(raw.get("busy"), "rep.busy", tz)
    tentative, _ = _busy(raw.get("tentative"), "rep.tentative", tz)
    days_off = _dates(raw.get("all_day"), "rep.all_day") | _dates(
        raw.get("out_of_office"), "rep.out_of_office"
    )
    notice = _int(
        raw.get("min_notice_minutes"), "rep.min_notice_minutes", DEFAULT_MIN_NOTICE_MINUTES
    )
    if notice < 0:
        raise SlotInputError(f"rep.min_notice_minutes must not be negative, got {_shown(notice)}")
    if notice > MAX_NOTICE_MINUTES:
        raise SlotInputError(
            f"rep.min_notice_minutes must be 0..{MAX_NOTICE_MINUTES}, got {_shown(notice)}"
        )
    preference = _preference(raw.get("preference"))
    return RepCalendar(
        timezone=tz,
        working_hours=hours,
        buffer_minutes=buffer,
        busy=busy,
        tentative=tentative + tentative_from_busy,
        days_off=days_off,
        min_notice_minutes=notice,
        preference=preference,
        quiet_hours=_quiet_hours(raw.get("quiet_hours"), "rep.quiet_hours"),
    )


def _preference(value: Any) -> Preference | None:
    if value is None or value in ("", "none", "any"):
        return None
    text = value.lower() if isinstance(value, str) else None
    if text == "morning":
        return "morning"
    if text == "afternoon":
        return "afternoon"
    raise SlotInputError(f"rep.preference must be 'morning' or 'afternoon', got {value!r}")


def _prospect(raw: Mapping[str, Any]) -> ProspectCalendar:
    if raw.get("timezone") is None:
        raise SlotInputError("prospect.timezone is required when prospect is given")
    tz = _zone(raw["timezone"], "prospect.timezone")
    busy: tuple[Interval, ...] | None = None
    if raw.get("busy") is not None:
        busy, _tentative_ignored = _busy(raw["busy"], "prospect.busy", tz)
    buffer = None
    if raw.get("buffer_minutes") is not None:
        buffer = _int(raw["buffer_minutes"], "prospect.buffer_minutes", 0)
        if not 0 <= buffer <= 240:
            raise SlotInputError(f"prospect.buffer_minutes must be 0..240, got {_shown(buffer)}")
    stretch = _int(raw.get("stretch_minutes"), "prospect.stretch_minutes", DEFAULT_STRETCH_MINUTES)
    if not 0 <= stretch <= 240:
        raise SlotInputError(f"prospect.stretch_minutes must be 0..240, got {_shown(stretch)}")
    return ProspectCalendar(
        timezone=tz,
        busy=busy,
        working_hours=_working_hours(raw.get("working_hours"), "prospect.working_hours"),
        buffer_minutes=buffer,
        stretch_minutes=stretch,
    )


def _mapping(value: Any, where: str, *, required: bool) -> Mapping[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise SlotInputError(f"{where} must be an object")
    return value


def _zone(value: Any, where: str) -> tzinfo:
    if not isinstance(value, str):
        raise SlotInputError(f"{where} must be a timezone name such as 'Europe/London'")
    try:
        return resolve_timezone(value)
    except UnknownTimezoneError:
        raise SlotInputError(f"{where}: unknown timezone {value!r}") from None


def _int(value: Any, where: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool):
        raise SlotInputError(f"{where} must be a whole number, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise SlotInputError(f"{where} must be a whole number, got {value!r}") from None
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise SlotInputError(f"{where} must be a whole number, got {value!r}")
        return int(value)
    if isinstance(value, int):
        return value
    raise SlotInputError(f"{where} must be a whole number, got {value!r}")


def _shown(n: int) -> str:
    """A number for an error message: 1e+09, not a line of digits."""
    return str(n) if abs(n) < 10**6 else f"{float(n):.3g}"


def _bool(value: Any, where: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise SlotInputError(f"{where} must be true or false, got {value!r}")


def _instant(value: Any, where: str, default_tz: tzinfo) -> datetime:
    """An ISO 8601 date-time ("Z" allowed); a naive one is read in `default_tz`."""
    if isinstance(value, Mapping) and "dateTime" in value:  # Google / Graph shape
        zone = default_tz
        if value.get("timeZone"):
            zone = _zone(value["timeZone"], f"{where}.timeZone")
        return _instant(value["dateTime"], where, zone)
    if not isinstance(value, str):
        raise SlotInputError(f"{where} must be an ISO 8601 date-time string")
    text = value.strip()
    # Graph writes seven fractional digits; Python reads at most six.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise SlotInputError(f"{where}: not an ISO 8601 date-time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    try:  # year 1 east of UTC or 9999 west of it has no UTC instant
        parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise SlotInputError(f"{where}: out of range: {value!r}") from None
    return parsed


def _busy(value: Any, where: str, tz: tzinfo) -> tuple[tuple[Interval, ...], tuple[Interval, ...]]:
    """Busy entries; returns (busy, tentative). An entry's optional `status` (as Graph's
    `scheduleItems` and `freeBusyStatus` have it) may make it tentative or free."""
    if value is None:
        return (), ()
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise SlotInputError(f"{where} must be a list of {{start, end}} objects")
    busy: list[Interval] = []
    tentative: list[Interval] = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        status = None
        if isinstance(item, Mapping):
            if "start" not in item or "end" not in item:
                raise SlotInputError(f"{here} needs start and end")
            start_raw, end_raw = item["start"], item["end"]
            status = item.get("status") or item.get("showAs")
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            start_raw, end_raw = item[0], item[1]
        else:
            raise SlotInputError(f"{here} must be an object with start and end")
        start = _instant(start_raw, f"{here}.start", tz)
        end = _instant(end_raw, f"{here}.end", tz)
        if end < start:
            raise SlotInputError(f"{here}: end {end_raw} is before start {start_raw}")
        status_text = str(status).lower() if status is not None else "busy"
        if status_text == "free":
            continue
        if status_text == "tentative":
            tentative.append(Interval(start, end))
        else:
            busy.append(Interval(start, end))
    return tuple(busy), tuple(tentative)


def _date(value: Any, where: str) -> date:
    if isinstance(value, Mapping):  # Google's {"date": ...} or {"dateTime": ...}
        value = value.get("date") or value.get("dateTime")
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            pass
    raise SlotInputError(f"{where}: not a date (YYYY-MM-DD): {value!r}")


def _dates(value: Any, where: str) -> frozenset[date]:
    if value is None:
        return frozenset()
    if isinstance(value, str | Mapping):
        value = [value]
    if not isinstance(value, Sequence):
        raise SlotInputError(f"{where} must be a list of dates or {{start, end}} date ranges")
    out: set[date] = set()
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if isinstance(item, Mapping):
            if "start" not in item:
                raise SlotInputError(f"{here} needs start")
            first = _date(item["start"], f"{here}.start")
            end = _date(item["end"], f"{here}.end") if item.get("end") else first
            if end < first:
                raise SlotInputError(f"{here}: end is before start")
            last = first if end == first else end - timedelta(days=1)  # end is exclusive
            if (last - first).days > 366:
                raise SlotInputError(f"{here}: range longer than a year")
            out.update(first + timedelta(days=k) for k in range((last - first).days + 1))
        else:
            out.add(_date(item, here))
    return frozenset(out)


def parse_clock(value: Any, where: str) -> time:
    """ "09:00", "9:30", "17:30:00", "9am", "5:30 pm", 9 or 9.5; "24:00" is end of day."""
    if isinstance(value, bool):
        raise SlotInputError(f"{where}: not a time of day: {value!r}")
    if isinstance(value, int | float):
        if not 0 <= value <= 24:
            raise SlotInputError(f"{where}: not a time of day: {value!r}")
        minutes = round(value * 60)
        return time(0, 0) if minutes == 24 * 60 else time(minutes // 60, minutes % 60)
    if isinstance(value, str):
        m = _CLOCK.match(value.strip())
        if m:
            hour, minute = int(m.group(1)), int(m.group(2) or 0)
            second = int(m.group(3) or 0)
            suffix = (m.group(4) or "").lower().replace(".", "")
            if suffix:
                if not 1 <= hour <= 12:
                    raise SlotInputError(f"{where}: not a time of day: {value!r}")
                hour = hour % 12 + (12 if suffix == "pm" else 0)
            if hour == 24 and minute == 0 and second == 0:
                return time(0, 0)
            if hour < 24 and minute < 60 and second < 60:
                return time(hour, minute, second)
    raise SlotInputError(f"{where}: not a time of day (HH:MM): {value!r}")


def parse_weekdays(value: Any, where: str) -> frozenset[int]:
    """["mon", "tue"], ["Monday"], [1, 2] (ISO: 1 = Monday .. 7 = Sunday) or "mon-fri"."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("weekdays", "workdays"):
            return DEFAULT_WORKDAYS
        if "-" in text and "," not in text:
            first, _, last = text.partition("-")
            a, b = _weekday(first.strip(), where), _weekday(last.strip(), where)
            return frozenset((a + k) % 7 for k in range((b - a) % 7 + 1))
        value = [part for part in re.split(r"[,\s]+", text) if part]
    if not isinstance(value, Sequence) or not value:
        raise SlotInputError(f"{where} must be a non-empty list of weekdays")
    return frozenset(_weekday(item, where) for item in value)


def _weekday(item: Any, where: str) -> int:
    if isinstance(item, int) and not isinstance(item, bool):
        if 1 <= item <= 7:
            return item - 1
        raise SlotInputError(f"{where}: weekday numbers are ISO, 1 (Mon) to 7 (Sun), got {item}")
    if isinstance(item, str):
        key = item.strip().lower()
        if key.isdigit():
            return _weekday(int(key), where)
        if key in _WEEKDAYS:
            return _WEEKDAYS[key]
    raise SlotInputError(f"{where}: not a weekday: {item!r}")


def _working_hours(value: Any, where: str) -> WorkingHours:
    if value is None:
        return WorkingHours()
    raw = dict(_mapping(value, where, required=True))
    for ours, graphs in (("start", "startTime"), ("end", "endTime"), ("days", "daysOfWeek")):
        if ours not in raw and graphs in raw:  # Microsoft Graph's workingHours shape
            raw[ours] = raw[graphs]
    start = parse_clock(raw.get("start", "09:00"), f"{where}.start")
    end = parse_clock(raw.get("end", "17:00"), f"{where}.end")
    days = DEFAULT_WORKDAYS
    if raw.get("days") is not None:
        days = parse_weekdays(raw["days"], f"{where}.days")
    if end != time(0, 0) and end <= start:
        raise SlotInputError(
            f"{where}: end {raw.get('end')} is not after start {raw.get('start')} "
            "(overnight hours are not supported)"
        )
    return WorkingHours(start=start, end=end, days=days)


def _quiet_hours(value: Any, where: str) -> tuple[QuietHours, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise SlotInputError(f"{where} must be {{start, end}} or a list of them")
    out = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]" if not isinstance(value, Mapping) else where
        raw = _mapping(item, here, required=True)
        if "start" not in raw or "end" not in raw:
            raise SlotInputError(f"{here} needs start and end")
        start = parse_clock(raw["start"], f"{here}.start")
        end = parse_clock(raw["end"], f"{here}.end")
        if start != end:
            out.append(QuietHours(start, end))
    return tuple(out)


# -- JSON out ------------------------------------------------------------------------------


def note_to_json(note: Note) -> dict[str, Any]:
    out: dict[str, Any] = {"code": note.code, "message": note.message}
    if note.params:
        out["params"] = dict(note.params)
    return out


def slot_to_json(slot: Slot) -> dict[str, Any]:
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "score": slot.score,
        "rep_local": slot.rep_local,
        "prospect_local": slot.prospect_local,
        "flags": list(slot.flags),
    }


def result_to_json(result: SlotResult) -> dict[str, Any]:
    """`{"slots": [...], "has_more", "explanation"?, "notes"?}` (DESIGN.md 7)."""
    out: dict[str, Any] = {"slots": [slot_to_json(s) for s in result.slots]}
    out["has_more"] = result.has_more
    if result.explanation is not None:
        out["explanation"] = {
            "reasons": [note_to_json(n) for n in result.explanation.reasons],
            "suggestions": [note_to_json(n) for n in result.explanation.suggestions],
        }
    if result.notes:
        out["notes"] = [note_to_json(n) for n in result.notes]
    return out
