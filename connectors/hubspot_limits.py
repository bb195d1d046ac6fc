"""HubSpot rate limits for one portal: the 10-second burst, a daily budget and CRM search.

Figures (NEXT_BUILDS.md D1, HubSpot usage guidelines): burst per app per 10 s is 100 on
Free/Starter, 190 on Professional/Enterprise, 250 with the API limit increase and 110 per
installing account for public OAuth apps; daily calls are 250,000 / 625,000 / 1,000,000 per
account and are **shared by every app in the account**, so we only spend `daily_share` of
them (public OAuth apps have no daily limit; we still cap at a configurable number). CRM search
is 5 requests/s per account and is not counted in the burst limit of OAuth apps.

`PortalLimits.for_portal(portal_id, …)` returns one shared object per portal so every client
for a portal draws from the same buckets. The clock is seconds since the epoch (the daily
budget resets at the UTC day boundary; HubSpot resets at midnight in the account's time zone,
so counting per UTC day can only be stricter by the difference, never exceed a whole day).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from connectors.rate_bucket import Clock, TokenBucket

BURST_WINDOW_S = 10.0
# a token returns this much after the window: a call takes milliseconds to reach HubSpot and
# reaches it a little earlier or later than its neighbours, so an exact 10 s spacing measured
# here can be 9.99 s on HubSpot's side (a 429 seen in the crm_writeback bench)
BURST_MARGIN_S = 0.25
SEARCH_PER_SECOND = 5


@dataclass(frozen=True)
class Tier:
    name: str
    burst_per_10s: int
    daily: int | None  # None: not daily-limited (public OAuth apps)


TIERS: dict[str, Tier] = {
    "free": Tier("free", 100, 250_000),
    "starter": Tier("starter", 100, 250_000),
    "professional": Tier("professional", 190, 625_000),
    "enterprise": Tier("enterprise", 190, 1_000_000),
    "api_limit_increase": Tier("api_limit_increase", 250, 2_000_000),
    "oauth": Tier("oauth", 110, None),
}
DEFAULT_DAILY_SHARE = 0.5
OAUTH_DAILY_CAP = 250_000  # our own ceiling for OAuth installs (HubSpot sets none)


class DailyBudgetExhausted(Exception):
    """Our share of the portal's daily calls is spent (or HubSpot answered 429 DAILY)."""

    def __init__(self, message: str, *, used: int, budget: int) -> None:
        super().__init__(message)
        self.used = used
        self.budget = budget


class DailyBudget:
    """Calls counted per UTC day; `spend()` refuses once `budget` is reached."""

    def __init__(self, budget: int, *, clock: Clock = time.time) -> None:
        self.budget = max(1, budget)
        self.clock = clock
        self._day = -1
        self.used = 0

    def _roll(self) -> None:
        day = int(self.clock() // 86_400)
        if day != self._day:
            self._day, self.used = day, 0

    @property
    def remaining(self) -> int:
        self._roll()
        return max(0, self.budget - self.used)

    def spend(self) -> None:
        self._roll()
        if self.used >= self.budget:
            raise DailyBudgetExhausted(
                f"HubSpot: today's API budget for this portal is spent ({self.used:,} of "
                f"{self.budget:,} calls)", used=self.used, budget=self.budget)  # fmt: skip
        self.used += 1

    def exhaust(self) -> None:
        """HubSpot said DAILY: stop for the rest of the day whatever our count says."""
        self._roll()
        self.used = max(self.used, self.budget)


class PortalLimits:
    """The buckets one portal's calls share."""

    _registry: dict[tuple[str, str], PortalLimits] = {}

    def __init__(
        self, tier: str | Tier = "professional", *, daily_share: float = DEFAULT_DAILY_SHARE,
        daily_cap: int | None = None, clock: Clock = time.time,
    ) -> None:  # fmt: skip
        self.tier = tier if isinstance(tier, Tier) else TIERS[tier]
        if not 0 < daily_share <= 1:
            raise ValueError("daily_share must be in (0, 1]")
        self.clock = clock
        self.burst = TokenBucket(
            self.tier.burst_per_10s, BURST_WINDOW_S + BURST_MARGIN_S, clock=clock
        )
        self.search = TokenBucket(SEARCH_PER_SECOND, 1.0, clock=clock)
        daily = self.tier.daily if self.tier.daily is not None else OAUTH_DAILY_CAP
        budget = int(daily * daily_share)
        self.daily = DailyBudget(min(budget, daily_cap) if daily_cap else budget, clock=clock)

    @classmethod
    def for_portal(cls, portal_id: int | str, tier: str = "professional",
                   **kw: object) -> PortalLimits:  # fmt: skip
        """One shared instance per (portal, tier) for the process."""
        key = (str(portal_id), tier)
        if key not in cls._registry:
            cls._registry[key] = cls(tier, **kw)  # type: ignore[arg-type]
        return cls._registry[key]

    def buckets(self, *, search: bool) -> tuple[TokenBucket, ...]:
        return (self.search,) if search else (self.burst,)
