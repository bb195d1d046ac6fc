"""Typed input and output of the slot finder (`SlotRequest` in, `SlotResult` out).

Owns the dataclasses (`SlotRequest`, `RepCalendar`, `ProspectCalendar`, `WorkingHours`,
`QuietHours`, `Interval`, `Slot`, `SlotResult`, `Explanation`, `Note`), their defaults, and the
flag codes a `Slot` carries. Their JSON forms (`sixty slots`, DESIGN.md 7) are
`skills.slot_json`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any, Literal

from skills.timezones import DEFAULT_WORKDAY_END, DEFAULT_WORKDAY_START, DEFAULT_WORKDAYS

MAX_DAYS = 10
DEFAULT_DAYS = 5
DEFAULT_DURATION_MINUTES = 30
DEFAULT_MAX_OPTIONS = 5
DEFAULT_BUFFER_MINUTES = 15
DEFAULT_MIN_NOTICE_MINUTES = 60
DEFAULT_STRETCH_MINUTES = 60

Preference = Literal["morning", "afternoon"]

# -- Input ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span [start, end) of aware datetimes, kept in UTC.

    Stored in UTC because Python compares two datetimes that share a tzinfo by wall-clock
    time: across a DST fall-back, 01:28 BST would compare after 01:00 GMT an hour later.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("interval times must be timezone-aware")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end < self.start:
            raise ValueError("interval ends before it starts")


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Local wall-clock hours on the given weekdays (Python weekdays, Monday = 0).

    `end` of `time(0, 0)` means midnight at the end of the day.
    """

    start: time = DEFAULT_WORKDAY_START
    end: time = DEFAULT_WORKDAY_END
    days: frozenset[int] = DEFAULT_WORKDAYS

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError("working days must be a non-empty set of weekdays 0..6")
        if self.end != time(0, 0) and self.end <= self.start:
            raise ValueError("working hours must end after they start")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours never offered (lunch, school run); may wrap midnight (20:00-08:00)."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class RepCalendar:
    timezone: tzinfo
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    buffer_minutes: int = DEFAULT_BUFFER_MINUTES
    busy: tuple[Interval, ...] = ()
    tentative: tuple[Interval, ...] = ()
    days_off: frozenset[date] = frozenset()  # all-day events and out-of-office days
    min_notice_minutes: int = DEFAULT_MIN_NOTICE_MINUTES
    preference: Preference | None = None
    quiet_hours: tuple[QuietHours, ...] = ()

    def __post_init__(self) -> None:
        if self.buffer_minutes < 0 or self.min_notice_minutes < 0:
            raise ValueError("buffer_minutes and min_notice_minutes must not be negative")


@dataclass(frozen=True, slots=True)
class ProspectCalendar:
    timezone: tzinfo
    busy: tuple[Interval, ...] | None = None  # None: their calendar cannot be seen
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    buffer_minutes: int | None = None  # None: the rep's buffer
    stretch_minutes: int = DEFAULT_STRETCH_MINUTES

    def __post_init__(self) -> None:
        if (self.buffer_minutes or 0) < 0 or self.stretch_minutes < 0:
            raise ValueError("buffer_minutes and stretch_minutes must not be negative")


@dataclass(frozen=True, slots=True)
class SlotRequest:
    now: datetime
    rep: RepCalendar
    prospect: ProspectCalendar | None = None
    duration_minutes: int = DEFAULT_DURATION_MINUTES
    days: int = DEFAULT_DAYS  # clamped to 1..MAX_DAYS by the finder, with a note
    max_options: int = DEFAULT_MAX_OPTIONS
    offset: int = 0
    step_minutes: int | None = None  # None: 15, or 30 for meetings of an hour or more
    allow_outside_prospect_hours: bool = False

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.max_options <= 0 or self.offset < 0:
            raise ValueError("max_options must be positive and offset not negative")
        if self.step_minutes is not None and not 1 <= self.step_minutes <= 240:
            raise ValueError("step_minutes must be 1..240")


# -- Output --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # in the rep's zone
    end: datetime
    score: float  # higher is better; the ranked list is sorted by it
    rep_local: str  # "Thu 14:00 GMT"
    prospect_local: str | None  # "Thu 09:00 EST"; None without a prospect zone
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    """A reason, suggestion or remark: a stable code and a sentence for people."""

    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Explanation:
    reasons: tuple[Note, ...]
    suggestions: tuple[Note, ...]


@dataclass(frozen=True, slots=True)
class SlotResult:
    slots: tuple[Slot, ...]
    explanation: Explanation | None = None  # set when there are few or no good options
    notes: tuple[Note, ...] = ()  # e.g. days_clamped, prospect_calendar_unknown
    has_more: bool = False  # "show more" (offset += max_options) would return options


# -- Flags ---------------------------------------------------------------------------------

FLAG_EARLY = "early_for_prospect"
FLAG_LATE = "late_for_prospect"
FLAG_OUTSIDE = "outside_prospect_hours"
FLAG_NON_WORKING_DAY = "prospect_non_working_day"
FLAG_TENTATIVE = "tentative_conflict"
FLAG_FRAGMENTS = "fragments_block"
FLAG_OUTSIDE_REP = "outside_rep_hours"  # reserved: the finder never offers such slots today

# Flags that make an option less than good (fragments_block is the rep's concern only).
PROBLEM_FLAGS = frozenset({FLAG_EARLY, FLAG_LATE, FLAG_OUTSIDE, FLAG_TENTATIVE})
