"""When a person may be messaged: quiet hours, pauses and `max_notifications_per_hour`.

`next_window(prefs, tz, now)` answers "deliver now" (None) or "defer until" (an aware UTC
time: the end of the quiet window in the user's timezone, or the end of a pause).
`rate_limited_until` does the same for the hourly cap given the delivery times of the last
hour. Nothing is dropped: the orchestrator parks the job with `run_after` set to the answer
and records every delivery (and deferral) in `slack_notifications_sent` with a dedupe key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Prefs:
    timezone: str = "UTC"
    quiet_start: time | None = None
    quiet_end: time | None = None
    max_per_hour: int = 10
    paused_until: datetime | None = None

    @classmethod
    def from_tier1(cls, tier1: dict[str, Any]) -> Prefs:
        user = tier1.get("user") or {}
        p = tier1.get("prefs") or {}

        def t(v: Any) -> time | None:
            return time.fromisoformat(v) if isinstance(v, str) and v else None

        paused = p.get("paused_until")
        return cls(
            timezone=user.get("timezone") or "UTC",
            quiet_start=t(p.get("quiet_hours_start")),
            quiet_end=t(p.get("quiet_hours_end")),
            max_per_hour=int(p.get("max_notifications_per_hour") or 10),
            paused_until=datetime.fromisoformat(paused) if paused else None,
        )


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight


def next_window(prefs: Prefs, now: datetime) -> datetime | None:
    """None when a message may go now, else the UTC time the next active window opens."""
    if prefs.paused_until and prefs.paused_until.astimezone(UTC) > now:
        return prefs.paused_until.astimezone(UTC)
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return None
    try:
        tz = ZoneInfo(prefs.timezone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    local = now.astimezone(tz)
    if not in_quiet_hours(local.time(), prefs.quiet_start, prefs.quiet_end):
        return None
    end_today = datetime.combine(local.date(), prefs.quiet_end, tzinfo=tz)
    end = (
        end_today
        if end_today > local
        else datetime.combine(local.date() + timedelta(days=1), prefs.quiet_end, tzinfo=tz)
    )
    return end.astimezone(UTC)


def rate_limited_until(recent: list[datetime], max_per_hour: int, now: datetime) -> datetime | None:
    """None when under the cap, else when the oldest delivery of the last hour ages out."""
    window = [t for t in recent if t > now - timedelta(hours=1)]
    if max_per_hour <= 0 or len(window) < max_per_hour:
        return None
    window.sort()
    return window[len(window) - max_per_hour] + timedelta(hours=1)


async def recent_deliveries(
    conn: AsyncConnection, user_id: int, now: datetime, sql_at: Any
) -> list[datetime]:
    from sqlalchemy import select

    from storage.models import SlackNotificationSent as N

    since = now - timedelta(hours=1)
    q = select(N.sent_at).where(N.user_id == user_id, N.status == "delivered", N.sent_at > since)
    return [r[0] for r in (await conn.execute(q)).all()]


async def record(
    conn: AsyncConnection,
    *,
    org_id: int,
    user_id: int,
    kind: str,
    dedupe_key: str,
    job_id: int | None,
    status: str,
    at: datetime,
    channel: str | None = None,
    ts: str | None = None,
) -> None:
    """Insert or update the notification row for `dedupe_key` (one row per delivery)."""
    from sqlalchemy import update
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from storage.models import SlackNotificationSent as N

    values = {
        "org_id": org_id,
        "user_id": user_id,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "job_id": job_id,
        "status": status,
        "sent_at": at,
        "channel": channel,
        "message_ts": ts,
    }
    ins = pg_insert(N) if conn.dialect.name == "postgresql" else sqlite_insert(N)
    stmt = (
        ins.values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(N.id)
    )
    if (await conn.execute(stmt)).first() is None:
        await conn.execute(
            update(N)
            .where(N.dedupe_key == dedupe_key, N.status != "delivered")
            .values(status=status, sent_at=at, channel=channel, message_ts=ts)
        )
