"""Client-side rate limiting: token buckets over an injectable clock and sleep.

`TokenBucket(limit, per_s)` allows at most `limit` takes in **any** window of `per_s` seconds:
each spent token returns to the bucket `per_s` seconds after it was taken (a sliding-window
bucket). A plain refill-rate bucket would let `limit + 1` requests through in one window after
an initial burst, which is exactly what a server counting per window answers with 429.

`Limiter(buckets…)` takes one token from each of several buckets at once (e.g. a workspace's
100/s and 6,000/min plus an endpoint's 20/min), sleeping until all of them have one. Tests pass
`clock` and `sleep` so nothing reads the wall clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    def __init__(self, limit: int, per_s: float, *, clock: Clock = time.monotonic) -> None:
        if limit < 1 or per_s <= 0:
            raise ValueError("a bucket needs limit >= 1 and per_s > 0")
        self.limit = limit
        self.per_s = per_s
        self.clock = clock
        self._spent: deque[float] = deque()  # times tokens were taken, oldest first

    def _expire(self, now: float) -> None:
        while self._spent and now - self._spent[0] >= self.per_s:
            self._spent.popleft()

    def wait_s(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        now = self.clock()
        self._expire(now)
        if len(self._spent) < self.limit:
            return 0.0
        return max(0.0, self._spent[0] + self.per_s - now)

    def take(self) -> None:
        self._spent.append(self.clock())

    @property
    def available(self) -> int:
        self._expire(self.clock())
        return self.limit - len(self._spent)


class Limiter:
    """Take one token from every given bucket, waiting (with `sleep`) until all have one."""

    def __init__(self, *, sleep: Sleep = asyncio.sleep) -> None:
        self.sleep = sleep
        self.waited_s = 0.0  # total time spent waiting, for tests and metrics
        self._lock = asyncio.Lock()

    async def acquire(self, *buckets: TokenBucket) -> None:
        async with self._lock:
            while True:
                wait = max((b.wait_s() for b in buckets), default=0.0)
                if wait <= 0:
                    break
                self.waited_s += wait
                await self.sleep(wait)
            for bucket in buckets:
                bucket.take()
