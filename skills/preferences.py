"""Validation of the rep's settings form: raw modal values in, typed changes or errors out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def validate_preferences(raw: dict[str, object], field_ids: dict[str, str]) -> tuple[ValidatedPreferences | None, dict[str, str]]:
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

    tz = str(raw.get("timezone") or "").strip()
    try:
        ZoneInfo(tz)
        values["timezone"] = tz
    except (ZoneInfoNotFoundError, ValueError):
        errors[field_ids["timezone"]] = f"unknown timezone {tz!r}; use a name like Europe/London"

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
