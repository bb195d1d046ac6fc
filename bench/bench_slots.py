"""Benchmark `slots` `ms`: median time to rank slots for 10 business days, two calendars of
200 events each (rep and prospect busy, different zones), goal under 5 ms (issue 6).

`python -m bench slots`. Calendars are seeded-random meetings of 15-90 minutes between 07:00
and 19:00 local over the two weeks ahead, overlapping at times, plus a few tentative ones.
Busy times are UTC-aware datetimes, as storage and the calendar APIs hand them over. The timed
call is `find_slots` on a ready `SlotRequest` (JSON parsing is not included), including the
explanation and its what-if rescans when the busy calendars leave few good options; the
median is over 200 calls after one warm-up (wall clock; `cpu_ms` is the CPU-time median,
steadier when the machine is busy).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import emit
from skills.slot_types import (
    Interval,
    ProspectCalendar,
    RepCalendar,
    SlotRequest,
    WorkingHours,
)
from skills.slots import find_slots

EVENTS = 200
RUNS = 200


def _calendar(rng: random.Random, zone: ZoneInfo, start: datetime, n: int) -> list[Interval]:
    out = []
    for _ in range(n):
        day = start.astimezone(zone).date() + timedelta(days=rng.randrange(14))
        minute = rng.randrange(7 * 60, 19 * 60, 15)
        s = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
        e = s + timedelta(minutes=rng.choice((15, 30, 30, 45, 60, 90)))
        out.append(Interval(s.astimezone(UTC), e.astimezone(UTC)))  # as stored: UTC
    return out


def build_request(seed: int = 6) -> SlotRequest:
    rng = random.Random(seed)
    now = datetime(2026, 3, 5, 8, 30, tzinfo=UTC)
    rep_zone, prospect_zone = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
    rep = RepCalendar(
        timezone=rep_zone,
        working_hours=WorkingHours(),
        busy=tuple(_calendar(rng, rep_zone, now, EVENTS)),
        tentative=tuple(_calendar(rng, rep_zone, now, 10)),
        min_notice_minutes=60,
        preference="afternoon",
    )
    prospect = ProspectCalendar(
        timezone=prospect_zone, busy=tuple(_calendar(rng, prospect_zone, now, EVENTS))
    )
    return SlotRequest(
        now=now, rep=rep, prospect=prospect, duration_minutes=30, days=10, max_options=5
    )


def main() -> None:
    request = build_request()
    find_slots(request)  # warm caches (zone files, label lookups)
    times = []
    cpu = []
    for _ in range(RUNS):
        t0, c0 = time.perf_counter(), time.process_time()
        result = find_slots(request)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    emit(
        "slots",
        "ms",
        statistics.median(times),
        "ms",
        cpu_ms=round(statistics.median(cpu), 4),
        events_per_calendar=EVENTS,
        business_days=10,
        options=len(result.slots),
        explained=result.explanation is not None,
    )


if __name__ == "__main__":
    main()
