"""Time-zone helpers for skills: resolving zone names, short labels, business-hours defaults.

Owns:
- `resolve_timezone(name)`: an IANA name (exact, or case-insensitive), "UTC"/"GMT"/"Z", or a
  common Windows zone name as Microsoft Graph returns them ("Pacific Standard Time") to a
  `ZoneInfo`; raises `UnknownTimezoneError` otherwise.
- `short_label(zone, at)`: the abbreviation people read ("GMT", "BST", "EST", "CET", "AEDT"),
  or "UTC+4" / "UTC+5:45" where the database only has a numeric name ("+04").
- `local_label(at, zone)`: "Thu 14:00 GMT"; `local_label(at, zone, with_date=True)`:
  "Thu 12 Mar 14:00 GMT".
- `local_datetime(day, t, zone)`: wall-clock time on a local date, DST-correct (never by adding
  24 hours to a previous day).
- Business-hours defaults: 09:00-17:00, Monday to Friday (`DEFAULT_WORKDAY_START`,
  `DEFAULT_WORKDAY_END`, `DEFAULT_WORKDAYS` as Python weekdays, Monday = 0).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_WORKDAY_START = time(9, 0)
DEFAULT_WORKDAY_END = time(17, 0)
DEFAULT_WORKDAYS: frozenset[int] = frozenset({0, 1, 2, 3, 4})

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# The Windows names Microsoft Graph most often returns, mapped as in CLDR's windowsZones.xml
# (territory "001"). Not exhaustive: unknown names fail loudly rather than guess.
WINDOWS_ZONES: dict[str, str] = {
    "utc": "UTC",
    "gmt standard time": "Europe/London",
    "greenwich standard time": "Atlantic/Reykjavik",
    "w. europe standard time": "Europe/Berlin",
    "romance standard time": "Europe/Paris",
    "central europe standard time": "Europe/Budapest",
    "central european standard time": "Europe/Warsaw",
    "e. europe standard time": "Europe/Chisinau",
    "fle standard time": "Europe/Kiev",
    "gtb standard time": "Europe/Bucharest",
    "russian standard time": "Europe/Moscow",
    "israel standard time": "Asia/Jerusalem",
    "arabian standard time": "Asia/Dubai",
    "india standard time": "Asia/Kolkata",
    "singapore standard time": "Asia/Singapore",
    "china standard time": "Asia/Shanghai",
    "tokyo standard time": "Asia/Tokyo",
    "korea standard time": "Asia/Seoul",
    "aus eastern standard time": "Australia/Sydney",
    "e. australia standard time": "Australia/Brisbane",
    "w. australia standard time": "Australia/Perth",
    "new zealand standard time": "Pacific/Auckland",
    "eastern standard time": "America/New_York",
    "central standard time": "America/Chicago",
    "mountain standard time": "America/Denver",
    "us mountain standard time": "America/Phoenix",
    "pacific standard time": "America/Los_Angeles",
    "alaskan standard time": "America/Anchorage",
    "hawaiian standard time": "Pacific/Honolulu",
    "atlantic standard time": "America/Halifax",
    "e. south america standard time": "America/Sao_Paulo",
    "canada central standard time": "America/Regina",
    "south africa standard time": "Africa/Johannesburg",
}

_UTC_ALIASES = {"utc", "gmt", "z", "etc/utc", "etc/gmt", "universal", "zulu"}
_NUMERIC_ABBR = re.compile(r"^([+-])(\d{2})(\d{2})?$")


class UnknownTimezoneError(ValueError):
    """The name is not an IANA zone, a UTC alias or a known Windows zone name."""


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@lru_cache(maxsize=512)
def resolve_timezone(name: str) -> ZoneInfo:
    """Return the zone for `name`, liberal in spelling; raise `UnknownTimezoneError`."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownTimezoneError(f"unknown timezone {name!r}")
    key = name.strip()
    lower = key.lower()
    if lower in _UTC_ALIASES:
        return ZoneInfo("UTC")
    if ".." not in key and not key.startswith("/"):
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    canonical = _zones_by_lower_name().get(lower) or WINDOWS_ZONES.get(lower)
    if canonical is None:
        raise UnknownTimezoneError(f"unknown timezone {name!r}")
    return ZoneInfo(canonical)


def zone_name(zone: tzinfo) -> str:
    """The IANA key of a zone where it has one, else its `str()`."""
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) and key else str(zone)


def short_label(zone: tzinfo, at: datetime) -> str:
    """The abbreviation in force in `zone` at the instant `at` ("GMT", "EDT", "UTC+4")."""
    local = at.astimezone(zone)
    abbr = local.tzname() or ""
    if abbr and not _NUMERIC_ABBR.match(abbr):
        return abbr
    offset = local.utcoffset() or timedelta(0)
    return offset_label(offset)


def offset_label(offset: timedelta) -> str:
    """ "UTC", "UTC+4", "UTC-3", "UTC+5:45"."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def local_label(at: datetime, zone: tzinfo, *, with_date: bool = False) -> str:
    """ "Thu 14:00 GMT", or with the date "Thu 12 Mar 14:00 GMT"."""
    local = at.astimezone(zone)
    day = WEEKDAY_NAMES[local.weekday()]
    when = f"{day} {local.day} {local.strftime('%b')}" if with_date else day
    return f"{when} {local:%H:%M} {short_label(zone, at)}"


def local_datetime(day: date, t: time, zone: tzinfo) -> datetime:
    """The aware datetime for wall-clock `t` on local date `day` in `zone`.

    A wall time skipped by a DST jump resolves as zoneinfo does (fold=0: the offset before
    the jump, so 02:30 on a spring-forward night is 03:30 summer time); a repeated wall time
    takes its first occurrence. Normalised through UTC so arithmetic on the result is exact.
    """
    return datetime.combine(day, t, tzinfo=zone).astimezone(UTC).astimezone(zone)


def local_midnight_after(day: date, zone: tzinfo) -> datetime:
    """Midnight at the start of the local day after `day` (the end of `day`)."""
    return local_datetime(day + timedelta(days=1), time(0, 0), zone)
