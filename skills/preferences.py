"""Validation of the rep's settings form: raw modal values in, typed changes or errors out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from skills.timezones import UnknownTimezoneError, resolve_timezone, zone_name

COACHING_CHOICES: tuple[tuple[str, str], ...] = (
    ("weekly", "Weekly digest"),
    ("per_meeting", "After each meeting"),
    ("both", "Both"),
    ("off", "Off"),
)


@dataclass(frozen=True)
class PreferenceForm:
    """The settings as the modal shows them (strings, as Slack sends them)."""

    briefing_time: str
    timezone: str
    working_hours_start: str
    working_hours_end: str
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    max_notifications_per_hour: int
    meeting_buffer_minutes: int
    daily_send_limit: int
    coaching_frequency: str
    working_days: str = "mon-fri"
    campaign_digest_time: str | None = None  # None: at the morning brief's time
    manager_digest_day: str | None = None  # only for users with reports (the team digest)


@dataclass(frozen=True)
class ValidatedPreferences:
    user: dict[str, object]  # fields of users
    preferences: dict[str, object]  # fields of user_preferences


def hhmm(t: time | None) -> str | None:
    return None if t is None else f"{t.hour:02d}:{t.minute:02d}"


def _parse_time(raw: str | None) -> time | None:
    if raw is None or raw == "":
        return None
    try:
        hours, minutes = raw.split(":")[:2]
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise ValueError("use HH:MM, e.g. 08:30") from None


def _required_time(raw: str | None) -> time:
    parsed = _parse_time(raw)
    if parsed is None:
        raise ValueError("required")
    return parsed


def _int_in(raw: object, lo: int, hi: int) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        raise ValueError(f"a whole number from {lo} to {hi}") from None
    if not lo <= value <= hi:
        raise ValueError(f"must be from {lo} to {hi}")
    return value


WEEKDAYS: tuple[tuple[str, str], ...] = (
    ("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
    ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday"),
)  # fmt: skip
_DAY_KEYS = tuple(k for k, _ in WEEKDAYS)


def weekday_keys(text: str | None) -> list[str]:
    """ "mon-fri" or "mon,wed,fri" -> ["mon", ...] in week order (unknown parts are ignored)."""
    days: set[str] = set()
    for part in (text or "").lower().replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if dash and first in _DAY_KEYS and last in _DAY_KEYS:
            a, b = _DAY_KEYS.index(first), _DAY_KEYS.index(last)
            days.update(_DAY_KEYS[(a + k) % 7] for k in range((b - a) % 7 + 1))
        elif part in _DAY_KEYS:
            days.add(part)
    return [k for k in _DAY_KEYS if k in days]


def weekdays_text(keys: list[str]) -> str:
    """["mon", ..., "fri"] -> "mon-fri"; a run of three or more days is written as a range."""
    idx = sorted({_DAY_KEYS.index(k) for k in keys if k in _DAY_KEYS})
    runs: list[list[int]] = []
    for i in idx:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = [f"{_DAY_KEYS[r[0]]}-{_DAY_KEYS[r[-1]]}" if len(r) >= 3
             else ",".join(_DAY_KEYS[i] for i in r) for r in runs]  # fmt: skip
    return ",".join(parts)


def _weekday(raw: object) -> str:
    day = str(raw or "").strip().lower()
    if day not in _DAY_KEYS:
        raise ValueError("pick a day of the week")
    return day


def _working_days(raw: object) -> str:
    keys = (
        [str(v).lower() for v in raw] if isinstance(raw, list | tuple) else weekday_keys(str(raw))
    )
    days = [k for k in _DAY_KEYS if k in keys]
    if not days:
        raise ValueError("pick at least one working day")
    return weekdays_text(days)


def validate_preferences(
    raw: dict[str, object], field_ids: dict[str, str]
) -> tuple[ValidatedPreferences | None, dict[str, str]]:
    """Check every field; returns (changes, {}) or (None, {block_id: message}).

    `raw` maps logical names to the submitted values; `field_ids` maps logical names to the
    modal's block ids, so errors can be shown next to the right input.
    """
    errors: dict[str, str] = {}
    values: dict[str, object] = {}

    def take(name: str, parse: Callable[[Any], object]) -> None:
        try:
            values[name] = parse(raw.get(name))
        except ValueError as exc:
            errors[field_ids[name]] = str(exc)

    take("briefing_time", _required_time)
    take("working_hours_start", _required_time)
    take("working_hours_end", _required_time)
    take("quiet_hours_start", _parse_time)
    take("quiet_hours_end", _parse_time)
    take("max_notifications_per_hour", lambda v: _int_in(v, 1, 60))
    take("meeting_buffer_minutes", lambda v: _int_in(v, 0, 120))
    take("daily_send_limit", lambda v: _int_in(v, 1, 500))

    if "working_days" in raw:
        take("working_days", _working_days)
    if "campaign_digest_time" in raw:  # older modals had no such field: left as it was
        take("campaign_digest_time", _parse_time)
    if raw.get("manager_digest_day") is not None:  # the field is only shown to managers
        take("manager_digest_day", _weekday)
    # A zone typed in the text box wins over the list; any case or spelling Slack users type
    # ("america/new_york", "US/Eastern", "Eastern Standard Time") is stored under its IANA name.
    typed = str(raw.get("timezone_text") or "").strip()
    tz = typed or str(raw.get("timezone") or "").strip()
    tz_field = (
        field_ids.get("timezone_text", field_ids["timezone"]) if typed else field_ids["timezone"]
    )
    try:
        values["timezone"] = zone_name(resolve_timezone(tz))
    except UnknownTimezoneError:
        errors[tz_field] = (f"unknown timezone {tz!r}; pick one from the list or type a name like "
                            "Europe/London" if tz else "pick your timezone")  # fmt: skip

    coaching = str(raw.get("coaching_frequency") or "")
    if coaching not in {c for c, _ in COACHING_CHOICES}:
        errors[field_ids["coaching_frequency"]] = "choose one of the options"
    values["coaching_frequency"] = coaching

    ws, we = values.get("working_hours_start"), values.get("working_hours_end")
    if isinstance(ws, time) and isinstance(we, time) and ws >= we:
        errors[field_ids["working_hours_end"]] = "must be after the start of working hours"
    qs, qe = values.get("quiet_hours_start"), values.get("quiet_hours_end")
    if (qs is None) != (qe is None):
        errors[field_ids["quiet_hours_end" if qe is None else "quiet_hours_start"]] = (
            "set both ends of quiet hours, or neither"
        )
    elif qs is not None and qs == qe:
        errors[field_ids["quiet_hours_end"]] = "quiet hours cannot start and end at the same time"
    if errors:
        return None, errors
    user = {k: values[k] for k in ("briefing_time", "timezone")}
    prefs = {k: v for k, v in values.items() if k not in user}
    return ValidatedPreferences(user=user, preferences=prefs), {}
