"""The slot finder's candidate scan: every offerable start, scored, with counts (pure).

Owns the hard rules applied per candidate start (free for the rep after the minimum notice,
clear of visible prospect busy time, inside the prospect's hours or within the stretch unless
outside ones are allowed), the score before diversity (prospect hours, morning / afternoon
preference, tentative clash, fragmenting a free block, sooner is better) with its penalties,
and the `Stats` that `skills.slot_explain` turns into reasons and ways out.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime

from skills.slot_days import Prepared, ProspectDays, align_up, business_days, free_blocks
from skills.slot_types import (
    FLAG_EARLY,
    FLAG_FRAGMENTS,
    FLAG_LATE,
    FLAG_NON_WORKING_DAY,
    FLAG_OUTSIDE,
    FLAG_TENTATIVE,
    MAX_DAYS,
)

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
MIN_USABLE_MINUTES = 30


@dataclass(slots=True)
class Stats:
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
class Candidate:
    score: float
    s: int
    day: int
    flags: tuple[str, ...]
    tod: int  # seconds after the rep's working day starts: the same "time of day" across days


def default_step(duration: int) -> int:
    return 30 if duration >= 60 else 15


def scan(
    prep: Prepared,
    days: int,
    duration_min: int,
    step_min: int,
    allow_outside: bool,
    *,
    count_only: bool = False,
) -> tuple[list[Candidate], Stats]:
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
    stats = Stats()
    out: list[Candidate] = []
    all_days = prep.days_by_duration.get(duration_min)
    if all_days is None:
        all_days = business_days(rep, prep.now, MAX_DAYS, duration_min * 60)
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
        for fs, fe in free_blocks(prep, d):
            if is_today:  # count what the minimum notice alone takes away
                first = align_up(max(fs, prep.now), step, tz)
                if first + dur <= fe:
                    stats.today_without_notice += (fe - dur - first) // step + 1
            lower = max(fs, earliest)
            s = align_up(lower, step, tz)
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
                out.append(Candidate(score, s, d.index, flags, s - d.ws))
                s += step
    return out, stats


def _hours_overlap(pd: ProspectDays, ws: int, we: int) -> int:
    """Longest overlap (seconds) of the rep's window [ws, we) with one prospect working window."""
    best = 0
    j = max(0, bisect_right(pd.inside_ends, ws))
    while j < len(pd.inside_starts) and pd.inside_starts[j] < we:
        best = max(best, min(we, pd.inside_ends[j]) - max(ws, pd.inside_starts[j]))
        j += 1
    return best


def _prospect_fit(
    pd: ProspectDays, s: int, e: int, stretch: int
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
