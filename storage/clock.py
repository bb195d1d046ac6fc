"""The process's one clock: what "now" is for the engine, planners, crons, the demo seed and
the sandbox.

Production reads the wall clock (`wall_clock`). Tests and fixed-instant demos inject a
`SteppingClock`: it starts at a fixed instant, moves forward with real elapsed time (so
timeouts, leases and short deferrals behave as they do live) and jumps when told to
(`advance`), so a test can be at "90 minutes before the meeting" without waiting for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class SteppingClock:
    """A clock anchored at a fixed instant that advances with monotonic time and on demand."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SteppingClock needs an aware start instant")
        self._start = start.astimezone(UTC)
        self._t0 = time.monotonic()
        self._jumped = timedelta(0)

    def __call__(self) -> datetime:
        return self._start + self._jumped + timedelta(seconds=time.monotonic() - self._t0)

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward by `delta` (never back: leases and fences rely on time moving on)."""
        if delta < timedelta(0):
            raise ValueError("a clock only moves forward")
        self._jumped += delta
        return self()

    def advance_to(self, when: datetime) -> datetime:
        """Jump to `when` if it is ahead of now; a moment already passed is left as it is."""
        now = self()
        if when > now:
            self._jumped += when - now
        return self()
