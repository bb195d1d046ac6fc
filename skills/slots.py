"""The availability slot finder: mutual free time, ranked and explained (pure, no I/O).

`find_slots(request) -> SlotResult` offers meeting times over the rep's next N business days
(N = `days`, 1..10, larger values clamped with a `days_clamped` note). Business days are the
rep's working days in the rep's zone; today counts while the meeting could still fit before
its working hours end; out-of-office and all-day days count but offer nothing.

- hard rules: inside the rep's working hours in the rep's zone, on the rep's working days,
  not on all-day / out-of-office days, not in quiet hours, after now + minimum notice, never
  overlapping rep busy time or visible prospect busy time widened by the buffer on both sides,
  and (unless `allow_outside_prospect_hours`) within the prospect's business hours give or
  take `stretch_minutes`;
- scoring (higher is better, about 0..100): inside the prospect's hours, the rep's morning /
  afternoon preference, no tentative clash, not fragmenting a free block (a slot against a
  block edge beats one leaving a useless 15-minute sliver), sooner is better;
- ranking: greedy re-rank that penalises a second pick on the same day, near-duplicates and
  the same time of day on another day, so the top options spread over days and hours; ties
  go to the earlier start. `offset` pages on ("show more"); reported scores are the re-ranked
  ones, so the list is sorted by score.
- flags per slot: `early_for_prospect`, `late_for_prospect` (within the stretch, or beyond it
  together with `outside_prospect_hours`), `prospect_non_working_day` (with
  `outside_prospect_hours`), `tentative_conflict`, `fragments_block`.
- explanation when fewer than `max_options` are offered or fewer than 3 are free of problem
  flags: reasons (`rep_fully_booked`, `rep_out_of_office`, `no_business_hours_overlap`,
  `rep_busy_in_prospect_hours`, `prospect_busy`, `min_notice_excludes_today`,
  `prospect_calendar_unknown`, `no_more_options`, else `few_good_options` / `few_options`)
  and ways out that were checked to help (`widen_range`, `shorter_meeting`,
  `allow_outside_hours`, with `params` to apply), each with a sentence for people.

Local windows are computed per local date with zoneinfo, never by adding 24 hours, so DST
weeks are right in both zones. Internally all instants are integer epoch seconds; busy time is
merged once into sorted disjoint intervals and searched with bisect (no per-minute loops).

`slot_is_free(request, start, end)` re-checks one chosen slot against fresh calendars ("taken
in the meantime").
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from skills.slot_types import (
    MAX_DAYS,
    Explanation,
    Interval,
    Note,
    ProspectCalendar,
    RepCalendar,
    Slot,
    SlotRequest,
    SlotResult,
    WorkingHours,
)
from skills.timezones import local_datetime, local_label, short_label

FLAG_EARLY = "early_for_prospect"
FLAG_LATE = "late_for_prospect"
FLAG_OUTSIDE = "outside_prospect_hours"
FLAG_NON_WORKING_DAY = "prospect_non_working_day"
FLAG_TENTATIVE = "tentative_conflict"
FLAG_FRAGMENTS = "fragments_block"
FLAG_OUTSIDE_REP = "outside_rep_hours"  # reserved: the finder never offers such slots today

# Flags that make an option less than good (fragments_block is the rep's concern only).
PROBLEM_FLAGS = frozenset({FLAG_EARLY, FLAG_LATE, FLAG_OUTSIDE, FLAG_TENTATIVE})

BASE_SCORE = 100.0
PENALTY_STRETCH = 15.0  # early/late for the prospect, plus up to 10 more with the distance
PENALTY_STRETCH_SCALE = 10.0
PENALTY_OUTSIDE = 50.0
PENALTY_PREFERENCE = 10.0
PENALTY_TENTATIVE = 20.0
PENALTY_SLIVER = 6.0  # per side leaving a gap too short to use
PENALTY_SPLIT = 2.0  # per side leaving a usable but split remainder
PENALTY_PER_DAY = 2.0  # per business day later
PENALTY_LATER_IN_DAY = 1.0  # spread over the working day
PENALTY_SAME_DAY = 12.0  # diversity: per option already picked on that day
PENALTY_NEAR = 25.0  # diversity: within the meeting length (plus buffer) of a picked option
PENALTY_SAME_TIME = 3.0  # diversity: the same time of day as an option picked on another day
MIN_USABLE_MINUTES = 30

_NOON = time(12, 0)


@dataclass(frozen=True, slots=True)
class _Merged:
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


def _epoch(dt: datetime) -> int:
    return math.floor(dt.timestamp())


def _epochs(intervals: Sequence[Interval], pad_s: int) -> list[tuple[int, int]]:
    """Whole seconds, rounded outwards, widened by `pad_s`; empty intervals are not busy.

    (`int()` floors the positive epoch values of any date after 1970.)"""
    pairs = [(iv.start.timestamp(), iv.end.timestamp()) for iv in intervals]
    return [(int(s) - pad_s, pad_s - int(-e)) for s, e in pairs if e > s]


def merge(intervals: Iterable[tuple[int, int]]) -> _Merged:
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
    return _Merged(starts, ends)


def _widened(intervals: Sequence[Interval], pad_s: int) -> _Merged:
    return merge(_epochs(intervals, pad_s))


@dataclass(frozen=True, slots=True)
class _Day:
    index: int  # business-day index, 0 = first day in range
    day: date
    ws: int  # working window in epoch seconds
    we: int
    noon: int
    off: bool  # all-day event or out of office


@dataclass(frozen=True, slots=True)
class _ProspectDays:
    """Prospect local dates around the range: midnight, working window, working or not."""

    midnights: list[int]
    starts: list[int]
    ends: list[int]
    works: list[bool]
    inside_starts: list[int]  # working windows only, for bisect
    inside_ends: list[int]


@dataclass(slots=True)
class _Stats:
    days: int = 0
    days_off: int = 0
    rep_free: int = 0  # candidate starts free for the rep
    today_without_notice: int = 0  # today's starts lost only to the minimum notice
    today_with_notice: int = 0
    today_in_range: bool = False
    rep_free_inside: int = 0  # ... inside the prospect's hours, before their busy time
    prospect_clear: int = 0  # ... and clear of visible prospect busy time
    hours_overlap_days: int = 0  # days whose rep and prospect hours share a meeting's length
    inside: int = 0  # ... and inside the prospect's hours
    stretch: int = 0  # ... or within the stretch (early / late)
    outside: int = 0  # ... or further out / their non-working day
    offerable: int = 0  # ... and offered under the request's rules
    good: int = 0  # ... of which inside the prospect's hours and clear of tentative events
    offerable_days: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Candidate:
    score: float
    s: int
    day: int
    flags: tuple[str, ...]
    tod: int  # seconds after the rep's working day starts: the same "time of day" across days


@dataclass(frozen=True, slots=True)
class _Prepared:
    request: SlotRequest
    rep_tz: tzinfo
    rep_busy: _Merged  # widened by the buffer
    prospect_busy: _Merged | None
    tentative: _Merged
    now: int
    days_by_duration: dict[int, list[_Day]]  # the next MAX_DAYS business days; use a prefix
    pdays: _ProspectDays | None  # the prospect's local days around them
    blocks: dict[date, list[tuple[int, int]]]  # free blocks per day, filled on first use


def _prepare(request: SlotRequest) -> _Prepared:
    rep = request.rep
    prospect = request.prospect
    prospect_busy = None
    if prospect is not None and prospect.busy is not None:
        pad = rep.buffer_minutes if prospect.buffer_minutes is None else prospect.buffer_minutes
        prospect_busy = _widened(prospect.busy, pad * 60)
    now = _epoch(request.now)
    all_days = _business_days(rep, now, MAX_DAYS, request.duration_minutes * 60)
    pdays = None
    if prospect is not None and all_days:
        # From the day before the first (today may be skipped for a shorter meeting's sake).
        pdays = _prospect_days(prospect, all_days[0].ws - 86400, all_days[-1].we)
    return _Prepared(
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


def _window(day: date, hours: WorkingHours, tz: tzinfo) -> tuple[int, int]:
    ws = _epoch(local_datetime(day, hours.start, tz))
    end_day = day + timedelta(days=1) if hours.end == time(0, 0) else day
    we = _epoch(local_datetime(end_day, hours.end, tz))
    return ws, we


def _business_days(rep: RepCalendar, now: int, count: int, duration_s: int) -> list[_Day]:
    """The next `count` working days in the rep's zone; today counts if a meeting still fits
    before its working hours end (ignoring busy time and notice, which are explained)."""
    tz = rep.timezone
    today = datetime.fromtimestamp(now, tz).date()
    out: list[_Day] = []
    d = today
    while len(out) < count and (d - today).days <= 7 * count + 7:
        if d.weekday() in rep.working_hours.days:
            ws, we = _window(d, rep.working_hours, tz)
            if d != today or now + duration_s <= we:
                noon = _epoch(local_datetime(d, _NOON, tz))
                out.append(_Day(len(out), d, ws, we, noon, d in rep.days_off))
        d += timedelta(days=1)
    return out


def _prospect_days(prospect: ProspectCalendar, first: int, last: int) -> _ProspectDays:
    tz = prospect.timezone
    d = datetime.fromtimestamp(first, tz).date() - timedelta(days=1)
    end = datetime.fromtimestamp(last, tz).date() + timedelta(days=1)
    pd = _ProspectDays([], [], [], [], [], [])
    hours = prospect.working_hours
    while d <= end:
        ws, we = _window(d, hours, tz)
        works = d.weekday() in hours.days
        pd.midnights.append(_epoch(local_datetime(d, time(0, 0), tz)))
        pd.starts.append(ws)
        pd.ends.append(we)
        pd.works.append(works)
        if works:
            pd.inside_starts.append(ws)
            pd.inside_ends.append(we)
        d += timedelta(days=1)
    return pd


def _quiet(rep: RepCalendar, day: date) -> list[tuple[int, int]]:
    tz = rep.timezone
    out = []
    for q in rep.quiet_hours:
        if q.start < q.end or q.end == time(0, 0):
            out.append(_window(day, WorkingHours(q.start, q.end, frozenset(range(7))), tz))
        else:  # wraps midnight: evening of this day and morning of this day
            out.append((_epoch(local_datetime(day, q.start, tz)), _window(day, _ALL_DAY, tz)[1]))
            out.append((_window(day, _ALL_DAY, tz)[0], _epoch(local_datetime(day, q.end, tz))))
    return out


_ALL_DAY = WorkingHours(time(0, 0), time(0, 0), frozenset(range(7)))


def _free_blocks(prep: _Prepared, d: _Day) -> list[tuple[int, int]]:
    """The day's working window minus busy (with buffers) and quiet hours (cached)."""
    cached = prep.blocks.get(d.day)
    if cached is None:
        cached = prep.blocks[d.day] = _compute_free_blocks(prep, d)
    return cached


def _compute_free_blocks(prep: _Prepared, d: _Day) -> list[tuple[int, int]]:
    blocked: Iterable[tuple[int, int]] = prep.rep_busy.within(d.ws, d.we)
    quiet = _quiet(prep.request.rep, d.day)
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


def _align_up(x: int, step_s: int, tz: tzinfo) -> int:
    """The first instant at or after x whose local wall-clock time is on the step grid."""
    offset = datetime.fromtimestamp(x, tz).utcoffset() or timedelta(0)
    off = int(offset.total_seconds())
    return -((-(x + off)) // step_s) * step_s - off


def _scan(
    prep: _Prepared,
    days: int,
    duration_min: int,
    step_min: int,
    allow_outside: bool,
    *,
    count_only: bool = False,
) -> tuple[list[_Candidate], _Stats]:
    """Every offerable candidate start, scored (before diversity), and counts for explaining.

    With `count_only`, candidates are counted in the stats but neither scored nor returned.
    """
    req = prep.request
    rep = req.rep
    tz = prep.rep_tz
    dur = duration_min * 60
    step = step_min * 60
    usable = min(duration_min, MIN_USABLE_MINUTES) * 60
    earliest = prep.now + rep.min_notice_minutes * 60
    stats = _Stats()
    out: list[_Candidate] = []
    all_days = prep.days_by_duration.get(duration_min)
    if all_days is None:
        all_days = _business_days(rep, prep.now, MAX_DAYS, duration_min * 60)
        prep.days_by_duration[duration_min] = all_days
    bdays = all_days[:days]
    stats.days = len(bdays)
    if not bdays:
        return out, stats
    prospect = req.prospect
    pdays = prep.pdays
    stretch = (prospect.stretch_minutes * 60) if prospect else 0
    pbusy = prep.prospect_busy
    tentative = prep.tentative
    prefer = rep.preference
    today = datetime.fromtimestamp(prep.now, tz).date()

    for d in bdays:
        if d.off:
            stats.days_off += 1
            continue
        is_today = d.day == today
        if is_today:
            stats.today_in_range = True
        span = max(d.we - d.ws, 1)
        if pdays is not None and _hours_overlap(pdays, d.ws, d.we) >= dur:
            stats.hours_overlap_days += 1
        for fs, fe in _free_blocks(prep, d):
            if is_today:  # count what the minimum notice alone takes away
                first = _align_up(max(fs, prep.now), step, tz)
                if first + dur <= fe:
                    stats.today_without_notice += (fe - dur - first) // step + 1
            lower = max(fs, earliest)
            s = _align_up(lower, step, tz)
            while s + dur <= fe:
                e = s + dur
                stats.rep_free += 1
                if is_today:
                    stats.today_with_notice += 1
                flags: tuple[str, ...] = ()
                penalty = 0.0
                kind = 0
                if pdays is not None:
                    flags, penalty, kind = _prospect_fit(pdays, s, e, stretch)
                    if kind == 0:
                        stats.rep_free_inside += 1
                if pbusy is not None and pbusy.overlaps(s, e):
                    s += step
                    continue
                stats.prospect_clear += 1
                if kind == 0:
                    stats.inside += 1
                elif kind == 1:
                    stats.stretch += 1
                else:
                    stats.outside += 1
                    if not allow_outside:
                        s += step
                        continue
                stats.offerable += 1
                stats.offerable_days.add(d.index)
                clash = bool(tentative.starts) and tentative.overlaps(s, e)
                if kind == 0 and not clash:
                    stats.good += 1
                if count_only:
                    s += step
                    continue
                score = BASE_SCORE - penalty
                if prefer is not None and (prefer == "morning") != (s < d.noon):
                    score -= PENALTY_PREFERENCE
                if clash:
                    score -= PENALTY_TENTATIVE
                    flags = (*flags, FLAG_TENTATIVE)
                left = s - max(fs, earliest)
                right = fe - e
                sliver = False
                for gap in (left, right):
                    if gap >= step and gap < usable:
                        score -= PENALTY_SLIVER
                        sliver = True
                    elif gap >= usable:
                        score -= PENALTY_SPLIT
                if sliver:
                    flags = (*flags, FLAG_FRAGMENTS)
                score -= PENALTY_PER_DAY * d.index + PENALTY_LATER_IN_DAY * (s - d.ws) / span
                out.append(_Candidate(score, s, d.index, flags, s - d.ws))
                s += step
    return out, stats


def _hours_overlap(pd: _ProspectDays, ws: int, we: int) -> int:
    """Longest overlap (seconds) of the rep's window [ws, we) with one prospect working window."""
    best = 0
    j = max(0, bisect_right(pd.inside_ends, ws))
    while j < len(pd.inside_starts) and pd.inside_starts[j] < we:
        best = max(best, min(we, pd.inside_ends[j]) - max(ws, pd.inside_starts[j]))
        j += 1
    return best


def _prospect_fit(
    pd: _ProspectDays, s: int, e: int, stretch: int
) -> tuple[tuple[str, ...], float, int]:
    """(flags, penalty, kind) with kind 0 inside, 1 within the stretch, 2 outside."""
    j = bisect_right(pd.inside_starts, s) - 1
    if j >= 0 and e <= pd.inside_ends[j]:
        return (), 0.0, 0
    k = bisect_right(pd.midnights, s) - 1
    if k < 0 or not pd.works[k]:
        return (FLAG_OUTSIDE, FLAG_NON_WORKING_DAY), PENALTY_OUTSIDE, 2
    ps, pe = pd.starts[k], pd.ends[k]
    flags: list[str] = []
    beyond = 0
    if s < ps:
        flags.append(FLAG_EARLY)
        beyond = max(beyond, ps - s)
    if e > pe:
        flags.append(FLAG_LATE)
        beyond = max(beyond, e - pe)
    if not flags:  # starts inside their day but the window lookup missed: treat as inside
        return (), 0.0, 0
    if beyond <= stretch:
        frac = beyond / stretch if stretch else 1.0
        return tuple(flags), PENALTY_STRETCH + PENALTY_STRETCH_SCALE * frac, 1
    return (*flags, FLAG_OUTSIDE), PENALTY_OUTSIDE, 2


def _within(sorted_values: list[int], x: int, distance: int) -> bool:
    """Whether some value lies strictly within `distance` of x."""
    i = bisect_right(sorted_values, x - distance)
    return i < len(sorted_values) and sorted_values[i] < x + distance


def _rank(cands: list[_Candidate], take: int, near: int) -> list[tuple[_Candidate, float]]:
    """Greedy diversity re-rank: returns up to `take` (candidate, effective score), best first.

    Each pick adds penalties to what is left: per option already on that day, for starting
    within `near` seconds of a picked option, and for the same time of day as one picked on
    another day. Penalties only grow, so the effective scores come out non-increasing.
    """
    by_day: dict[int, list[_Candidate]] = {}
    for c in cands:
        by_day.setdefault(c.day, []).append(c)
    for lst in by_day.values():
        lst.sort(key=lambda c: (-round(c.score, 6), c.s))
    picked_on: dict[int, list[int]] = {day: [] for day in by_day}
    picked_tods: list[int] = []

    def day_best(day: int) -> tuple[float, int, _Candidate] | None:
        picks = picked_on[day]
        day_pen = PENALTY_SAME_DAY * len(picks)
        best: tuple[float, int, _Candidate] | None = None
        for c in by_day[day]:
            if best is not None and round(c.score - day_pen, 6) < best[0]:
                break  # sorted by score: neither this one nor any later one can win
            extra = 0.0
            if _within(picks, c.s, near):
                extra += PENALTY_NEAR
            if _within(picked_tods, c.tod, near):
                extra += PENALTY_SAME_TIME
            eff = round(c.score - day_pen - extra, 6)
            if best is None or (-eff, c.s) < (-best[0], best[1]):
                best = (eff, c.s, c)
            if not extra:
                break  # sorted by score: the rest cannot beat one without extra penalties
        return best

    # Penalties only grow, so a day's best stays its best unless the pick was on that day
    # or lands on the best's own time of day: only those days are looked at again.
    bests = {day: day_best(day) for day in by_day}
    out: list[tuple[_Candidate, float]] = []
    while len(out) < take:
        top: tuple[float, int, _Candidate] | None = None
        for entry in bests.values():
            if entry is not None and (top is None or (-entry[0], entry[1]) < (-top[0], top[1])):
                top = entry
        if top is None:
            break
        eff, s, c = top
        by_day[c.day].remove(c)
        insort(picked_on[c.day], s)
        insort(picked_tods, c.tod)
        out.append((c, eff))
        for day, entry in bests.items():
            if day == c.day or (entry is not None and abs(entry[2].tod - c.tod) < near):
                bests[day] = day_best(day)
    return out


def _default_step(duration: int) -> int:
    return 30 if duration >= 60 else 15


def find_slots(request: SlotRequest) -> SlotResult:
    """Ranked meeting options for `request`; see the module docstring for the rules."""
    days = max(1, min(request.days, MAX_DAYS))
    step = request.step_minutes or _default_step(request.duration_minutes)
    prep = _prepare(request)
    cands, stats = _scan(
        prep, days, request.duration_minutes, step, request.allow_outside_prospect_hours
    )
    want = request.offset + request.max_options
    near = (request.duration_minutes + request.rep.buffer_minutes) * 60
    ranked = _rank(cands, want + 1, near)
    page = ranked[request.offset : want]
    rep_tz = request.rep.timezone
    p_tz = request.prospect.timezone if request.prospect else None
    slots = []
    for c, eff in page:
        start = datetime.fromtimestamp(c.s, rep_tz)
        end = datetime.fromtimestamp(c.s + request.duration_minutes * 60, rep_tz)
        slots.append(
            Slot(
                start=start,
                end=end,
                score=round(eff, 2),
                rep_local=local_label(start, rep_tz),
                prospect_local=local_label(start, p_tz) if p_tz is not None else None,
                flags=c.flags,
            )
        )
    notes = _notes(request, days)
    good = sum(1 for s in slots if not PROBLEM_FLAGS.intersection(s.flags))
    explanation = None
    if len(slots) < request.max_options or good < min(3, request.max_options):
        explanation = _explain(prep, days, step, stats, slots, good)
        explained = {n.code for n in explanation.reasons}
        notes = [n for n in notes if n.code not in explained]  # say each thing once
    return SlotResult(
        slots=tuple(slots),
        explanation=explanation,
        notes=tuple(notes),
        has_more=len(ranked) > want,
    )


# -- Explaining ----------------------------------------------------------------------------


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


def _notes(request: SlotRequest, days: int) -> list[Note]:
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


def _what_if(prep: _Prepared, days: int, duration: int, step: int, allow_outside: bool) -> _Stats:
    """Counts for a variant of the request (wider range, shorter meeting)."""
    return _scan(prep, days, duration, step, allow_outside, count_only=True)[1]


def _helps(now: _Stats, then: _Stats, wanted: int) -> bool:
    """A way out helps if it adds good options, or any options while there are too few."""
    return then.good > now.good or (now.offerable < wanted and then.offerable > now.offerable)


def _explain(
    prep: _Prepared,
    days: int,
    step: int,
    stats: _Stats,
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
        step_then = req.step_minutes or _default_step(shorter)
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


# -- Re-checking one slot ------------------------------------------------------------------


def slot_is_free(request: SlotRequest, start: datetime, end: datetime) -> bool:
    """Whether [start, end) still satisfies the hard rules against the request's calendars.

    For "the chosen slot was taken in the meantime": rebuild the request from fresh busy
    data and check the chosen slot; if False, call `find_slots` for the next best. Minimum
    notice is not re-applied (the prospect may have accepted minutes ago); `now` is.
    """
    prep = _prepare(request)
    s, e = _epoch(start), _epoch(end)
    rep = request.rep
    tz = rep.timezone
    if e <= s or s < prep.now:
        return False
    day = datetime.fromtimestamp(s, tz).date()
    if day.weekday() not in rep.working_hours.days or day in rep.days_off:
        return False
    ws, we = _window(day, rep.working_hours, tz)
    if s < ws or e > we:
        return False
    if prep.rep_busy.overlaps(s, e):
        return False
    if any(qs < e and s < qe for qs, qe in _quiet(rep, day)):
        return False
    return not (prep.prospect_busy is not None and prep.prospect_busy.overlaps(s, e))


__all__ = [
    "FLAG_EARLY",
    "FLAG_FRAGMENTS",
    "FLAG_LATE",
    "FLAG_NON_WORKING_DAY",
    "FLAG_OUTSIDE",
    "FLAG_OUTSIDE_REP",
    "FLAG_TENTATIVE",
    "PROBLEM_FLAGS",
    "find_slots",
    "merge",
    "slot_is_free",
]
