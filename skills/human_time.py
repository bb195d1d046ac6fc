"""Times as a rep reads them: "in 25 min", "in 3 h", "tomorrow at 10:00 AM PST",
"started 6 h ago", always with the zone where a clock time could be read in another zone.

Pure functions over aware datetimes and an IANA zone name; `now` is passed in (no clock is
read here). Day words ("today", "tomorrow", "yesterday") compare calendar dates in the given
zone, so they stay right across midnight and daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

NEAR = timedelta(hours=12)  # within this, a day phrase also says how long until / since


def zone_of(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def clock(t: datetime, tz: str | None) -> str:
    """`10:00 AM PST`: the clock time in `tz` with its abbreviation (or UTC offset)."""
    local = t.astimezone(zone_of(tz))
    return f"{local.strftime('%I:%M %p').lstrip('0')} {local.strftime('%Z')}"


def clock_24(t: datetime, tz: str | None, *, with_day: bool = True) -> str:
    """`Mon 7 Dec 15:14 GMT`: a 24-hour time in `tz` with its zone (and the day)."""
    local = t.astimezone(zone_of(tz))
    day = f"{local.strftime('%a')} {local.day} {local.strftime('%b')} " if with_day else ""
    return f"{day}{local.strftime('%H:%M %Z')}"


def span(delta: timedelta) -> str:
    """`25 min`, `1 h 30 min`, `3 h`, `2 days` for a non-negative duration (at least `1 min`)."""
    minutes = max(1, int(delta.total_seconds() / 60 + 0.5))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 180:
        h, m = divmod(minutes, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    hours = int(minutes / 60 + 0.5)
    if hours < 24:
        return f"{hours} h"
    days = int(hours / 24 + 0.5)
    return f"{days} day{'s' if days != 1 else ''}"


def between(now: datetime, t: datetime) -> timedelta:
    """Real time from `now` to `t` (Python subtracts wall clocks when both share a tzinfo)."""
    return t.astimezone(UTC) - now.astimezone(UTC)


def relative(t: datetime, now: datetime, *, past: str = "started") -> str:
    """`in 25 min`, `in 3 h`, `now`, `started 6 h ago` (`past` names what happened)."""
    delta = between(now, t)
    if abs(delta) < timedelta(minutes=1):
        return "now"
    if delta > timedelta(0):
        return f"in {span(delta)}"
    return f"{past} {span(-delta)} ago"


def day_phrase(t: datetime, now: datetime, tz: str | None) -> str:
    """`today`, `tomorrow`, `yesterday`, `on Thursday` (within a week), `on Thu 12 Mar`."""
    zone = zone_of(tz)
    days = (t.astimezone(zone).date() - now.astimezone(zone).date()).days
    local = t.astimezone(zone)
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    if 1 < days < 7:
        return f"on {local.strftime('%A')}"
    return f"on {local.strftime('%a')} {local.day} {local.strftime('%b')}"


def when(t: datetime, now: datetime, tz: str | None, *, past: str = "started") -> str:
    """`today at 2:00 PM PST (in 25 min)`, `tomorrow at 10:00 AM PST`,
    `today at 9:00 AM PST (started 6 h ago)`: the day, the zoned clock time, and within
    `NEAR` of now how long until or since."""
    phrase = f"{day_phrase(t, now, tz)} at {clock(t, tz)}"
    if abs(between(now, t)) < NEAR:
        phrase += f" ({relative(t, now, past=past)})"
    return phrase
