"""Quiet hours and hourly caps (orchestrator.delivery): pure time arithmetic, property-tested."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.delivery import Prefs, in_quiet_hours, next_window, rate_limited_until

ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney"]


@settings(max_examples=120, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2032, 1, 1), timezones=st.just(UTC)
    ),
    tz=st.sampled_from(ZONES),
    start=st.times(),
    end=st.times(),
)
def test_deferral_lands_outside_quiet_hours_and_never_drops(
    now: datetime, tz: str, start: time, end: time
) -> None:
    start, end = start.replace(microsecond=0, second=0), end.replace(microsecond=0, second=0)
    prefs = Prefs(timezone=tz, quiet_start=start, quiet_end=end)
    until = next_window(prefs, now)
    local_now = now.astimezone(ZoneInfo(tz)).time()
    if until is None:
        assert not in_quiet_hours(local_now, start, end)
        return
    assert in_quiet_hours(local_now, start, end)
    assert now < until <= now + timedelta(hours=25)  # deferred, never dropped, within a day
    local = until.astimezone(ZoneInfo(tz))
    assert local.time().replace(second=0, microsecond=0) == end or not in_quiet_hours(
        local.time(), start, end
    )


def test_examples_across_midnight_and_pause() -> None:
    ny = Prefs(timezone="America/New_York", quiet_start=time(19), quiet_end=time(7))
    assert next_window(ny, datetime(2030, 1, 15, 3, 0, tzinfo=UTC)) == datetime(
        2030, 1, 15, 12, 0, tzinfo=UTC
    )
    assert next_window(ny, datetime(2030, 1, 15, 15, 0, tzinfo=UTC)) is None  # 10:00 local
    paused = Prefs(paused_until=datetime(2030, 2, 1, tzinfo=UTC))
    assert next_window(paused, datetime(2030, 1, 20, tzinfo=UTC)) == datetime(
        2030, 2, 1, tzinfo=UTC
    )
    assert next_window(Prefs(), datetime(2030, 1, 20, tzinfo=UTC)) is None


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=7200), max_size=30),
    cap=st.integers(min_value=1, max_value=10),
)
def test_hourly_cap(offsets: list[int], cap: int) -> None:
    now = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    recent = [now - timedelta(seconds=s) for s in offsets]
    until = rate_limited_until(recent, cap, now)
    in_window = sorted(t for t in recent if t > now - timedelta(hours=1))
    if len(in_window) < cap:
        assert until is None
    else:
        assert until is not None and now < until <= now + timedelta(hours=1)
        # at `until`, fewer than `cap` deliveries remain in the trailing hour
        assert sum(1 for t in in_window if t > until - timedelta(hours=1)) < cap
