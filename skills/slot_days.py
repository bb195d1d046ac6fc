"""The slot finder's time model: busy intervals, business days and free blocks (pure).

Owns the integer-epoch view the finder works in: busy time merged once into sorted disjoint
intervals (`merge`, searched with bisect), the rep's next business days and the prospect's
local days around them (windows computed per local date with zoneinfo, never by adding 24
hours, so DST weeks are right in both zones), quiet hours, each day's free blocks, and the
`Prepared` request that `skills.slots` and `skills.slot_scan` share.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from skills.slot_types import (
    MAX_DAYS,
    Interval,
    ProspectCalendar,
    RepCalendar,
    SlotRequest,
    WorkingHours,
)
from skills.timezones import local_datetime

_NOON = time(12, 0)


@dataclass(frozen=True, slots=True)
class Merged:
    """Sorted, disjoint [start, end) intervals in epoch seconds."""

    starts: list[int]
    ends: list[int]

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect_right(self.ends, s)  # first interval ending after s
        return i < len(self.starts) and self.starts[i] < e

    def within(self, ws: int, we: int) -> Iterable[tuple[int, int]]:
        i = bisect_right(self.ends, ws)
        n = len(self.starts)
        while i < n and self.starts[i] < we:
            yield self.starts[i], self.ends[i]
            i += 1


def epoch(dt: datetime) -> int:
    return math.floor(dt.timestamp())


def _epochs(intervals: Sequence[Interval], pad_s: int) -> list[tuple[int, int]]:
    """Whole seconds, rounded outwards, widened by `pad_s`; empty intervals are not busy.

    (`int()` floors the positive epoch values of any date after 1970.)"""
    pairs = [(iv.start.timestamp(), iv.end.timestamp()) for iv in intervals]
    return [(int(s) - pad_s, pad_s - int(-e)) for s, e in pairs if e > s]


def merge(intervals: Iterable[tuple[int, int]]) -> Merged:
    """Merge [start, end) pairs (touching ones too) into sorted disjoint intervals."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if ends and s <= ends[-1]:
            if e > ends[-1]:
                ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
    return Merged(starts, ends)


def _widened(intervals: Sequence[Interval], pad_s: int) -> Merged:
    return merge(_epochs(intervals, pad_s))


@dataclass(frozen=True, slots=True)
class Day:
    index: int  # business-day index, 0 = first day in range
    day: date
    ws: int  # working window in epoch seconds
    we: int
    noon: int
    off: bool  # all-day event or out of office


@dataclass(frozen=True, slots=True)
class ProspectDays:
    """Prospect local dates around the range: midnight, working window, working or not."""

    midnights: list[int]
    starts: list[int]
    ends: list[int]
    works: list[bool]
    inside_starts: list[int]  # working windows only, for bisect
    inside_ends: list[int]


@dataclass(frozen=True, slots=True)
class Prepared:
    request: SlotRequest
    rep_tz: tzinfo
    rep_busy: Merged  # widened by the buffer
    prospect_busy: Merged | None
    tentative: Merged
    now: int
    days_by_duration: dict[int, list[Day]]  # the next MAX_DAYS business days; use a prefix
    pdays: ProspectDays | None  # the prospect's local days around them
    blocks: dict[date, list[tuple[int, int]]]  # free blocks per day, filled on first use


def prepare(request: SlotRequest) -> Prepared:
    rep = request.rep
    prospect = request.prospect
    prospect_busy = None
    if prospect is not None and prospect.busy is not None:
        pad = rep.buffer_minutes if prospect.buffer_minutes is None else prospect.buffer_minutes
        prospect_busy = _widened(prospect.busy, pad * 60)
    now = epoch(request.now)
    all_days = business_days(rep, now, MAX_DAYS, request.duration_minutes * 60)
    pdays = None
    if prospect is not None and all_days:
        # From the day before the first (today may be skipped for a shorter meeting's sake).
        pdays = _prospect_days(prospect, all_days[0].ws - 86400, all_days[-1].we)
    return Prepared(
        request=request,
        rep_tz=rep.timezone,
        rep_busy=_widened(rep.busy, rep.buffer_minutes * 60),
        prospect_busy=prospect_busy,
        tentative=_widened(rep.tentative, 0),
        now=now,
        days_by_duration={request.duration_minutes: all_days},
        pdays=pdays,
        blocks={},
    )


def window(day: date, hours: WorkingHours, tz: tzinfo) -> tuple[int, int]:
    ws = epoch(local_datetime(day, hours.start, tz))
    end_day = day + timedelta(days=1) if hours.end == time(0, 0) else day
    we = epoch(local_datetime(end_day, hours.end, tz))
    return ws, we


def business_days(rep: RepCalendar, now: int, count: int, duration_s: int) -> list[Day]:
    """The next `count` working days in the rep's zone; today counts if a meeting still fits
    before its working hours end (ignoring busy time and notice, which are explained)."""
    tz = rep.timezone
    today = datetime.fromtimestamp(now, tz).date()
    out: list[Day] = []
    d = today
    while len(out) < count and (d - today).days <= 7 * count + 7:
        if d.weekday() in rep.working_hours.days:
            ws, we = window(d, rep.working_hours, tz)
            if d != today or now + duration_s <= we:
                noon = epoch(local_datetime(d, _NOON, tz))
                out.append(Day(len(out), d, ws, we, noon, d in rep.days_off))
        d += timedelta(days=1)
    return out


def _prospect_days(prospect: ProspectCalendar, first: int, last: int) -> ProspectDays:
    tz = prospect.timezone
    d = datetime.fromtimestamp(first, tz).date() - timedelta(days=1)
    end = datetime.fromtimestamp(last, tz).date() + timedelta(days=1)
    pd = ProspectDays([], [], [], [], [], [])
    hours = prospect.working_hours
    while d <= end:
        ws, we = window(d, hours, tz)
        works = d.weekday() in hours.days
        pd.midnights.append(epoch(local_datetime(d, time(0, 0), tz)))
        pd.starts.append(ws)
        pd.ends.append(we)
        pd.works.append(works)
        if works:
            pd.inside_starts.append(ws)
            pd.inside_ends.append(we)
        d += timedelta(days=1)
    return pd


def quiet_windows(rep: RepCalendar, day: date) -> list[tuple[int, int]]:
    tz = rep.timezone
    out = []
    for q in rep.quiet_hours:
        if q.start < q.end or q.end == time(0, 0):
            out.append(window(day, WorkingHours(q.start, q.end, frozenset(range(7))), tz))
        else:  # wraps midnight: evening of this day and morning of this day
            out.append((epoch(local_datetime(day, q.start, tz)), window(day, _ALL_DAY, tz)[1]))
            out.append((window(day, _ALL_DAY, tz)[0], epoch(local_datetime(day, q.end, tz))))
    return out


_ALL_DAY = WorkingHours(time(0, 0), time(0, 0), frozenset(range(7)))


def free_blocks(prep: Prepared, d: Day) -> list[tuple[int, int]]:
    """The day's working window minus busy (with buffers) and quiet hours (cached)."""
    cached = prep.blocks.get(d.day)
    if cached is None:
        cached = prep.blocks[d.day] = _compute_free_blocks(prep, d)
    return cached


def _compute_free_blocks(prep: Prepared, d: Day) -> list[tuple[int, int]]:
    blocked: Iterable[tuple[int, int]] = prep.rep_busy.within(d.ws, d.we)
    quiet = quiet_windows(prep.request.rep, d.day)
    if quiet:
        blocked = merge([*blocked, *quiet]).within(d.ws, d.we)
    free = []
    cursor = d.ws
    for bs, be in blocked:
        if bs > cursor:
            free.append((cursor, min(bs, d.we)))
        cursor = max(cursor, be)
        if cursor >= d.we:
            break
    if cursor < d.we:
        free.append((cursor, d.we))
    return free


def align_up(x: int, step_s: int, tz: tzinfo) -> int:
    """The first instant at or after x whose local wall-clock time is on the step grid."""
    offset = datetime.fromtimestamp(x, tz).utcoffset() or timedelta(0)
    off = int(offset.total_seconds())
    return -((-(x + off)) // step_s) * step_s - off
