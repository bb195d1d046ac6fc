"""When a person may be messaged: quiet hours, pauses and `max_notifications_per_hour`.

`next_window(prefs, tz, now)` answers "deliver now" (None) or "defer until" (an aware UTC
time: the end of the quiet window in the user's timezone, or the end of a pause).
`rate_limited_until` does the same for the hourly cap given the delivery times of the last
hour. Nothing is dropped: the orchestrator parks the job with `run_after` set to the answer
and records every delivery (and deferral) in `slack_notifications_sent` with a dedupe key.

Over the hourly cap, an informational kind (`BATCHABLE_KINDS`: recaps, reminders, briefs) is
not deferred but recorded `batched` with its summary and blocks; `flows.notification_batches`
later posts one digest per user and marks the items delivered. A kind the rep muted
(`user_preferences.muted_kinds`) is recorded `muted` instead of posted, unless `never_held`
(approval gates, failures, replies to the rep's own clicks). Statuses: delivered | deferred
| batched | muted (| delivering while a digest is being posted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.slack import Posted


@dataclass(frozen=True)
class Prefs:
    timezone: str = "UTC"
    quiet_start: time | None = None
    quiet_end: time | None = None
    max_per_hour: int = 10
    paused_until: datetime | None = None
    muted_kinds: frozenset[str] = frozenset()

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
            muted_kinds=frozenset(str(k) for k in (p.get("muted_kinds") or [])),
        )


# Kinds that are never muted nor batched: they need their own message (buttons, a failure).
NEVER_HELD_KINDS = frozenset({"approval", "job_failed", "budget_exhausted"})

# Informational kinds batched into a digest when over the hourly cap (others defer).
BATCHABLE_KINDS = frozenset(
    {
        "morning_brief",
        "pre_meeting",
        "pipeline",
        "post_meeting_summary",
        "meeting_not_recorded",
        "commitment_overdue",
        "email_received",
    }
)

# Event sources that mean the rep asked (a command or a click): the answer is never held.
REP_SOURCES = ("slack:",)


def rep_asked(*, event_source: str, payload: dict[str, Any], after_click: bool) -> bool:
    """A reply to the rep's own command or click (a `slack:` event, `requested` in the
    payload, or a job past an approval gate the rep resolved): it goes now, whatever the
    quiet hours, pause, cap or mutes."""
    return after_click or event_source.startswith(REP_SOURCES) or bool(payload.get("requested"))


def never_held(kind: str, *, asked: bool) -> bool:
    """True for messages that must go as their own message: gates, failures, replies."""
    return asked or kind in NEVER_HELD_KINDS


def is_muted(prefs: Prefs, kind: str, *, held_ok: bool) -> bool:
    return held_ok and kind in prefs.muted_kinds


def is_batchable(kind: str, *, held_ok: bool) -> bool:
    return held_ok and kind in BATCHABLE_KINDS


def summary_of(text: str, limit: int = 150) -> str:
    """One line for the digest (the notification's fallback text, shortened)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


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
    q = select(N.sent_at).where(
        N.user_id == user_id,
        N.status == "delivered",
        N.sent_at > since,
        N.digest_key.is_(None),  # type: ignore[union-attr]  # items count through their digest
    )
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
    summary: str | None = None,
    blocks: list[Any] | None = None,
) -> None:
    """Insert or update the notification row for `dedupe_key` (one row per delivery).

    A delivered row never changes again; a batched row keeps its summary and blocks."""
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
        "summary": summary,
        "blocks": blocks,
    }
    ins = pg_insert(N) if conn.dialect.name == "postgresql" else sqlite_insert(N)
    stmt = (
        ins.values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(N.id)
    )
    if (await conn.execute(stmt)).first() is None:
        changes: dict[str, Any] = {
            "status": status,
            "sent_at": at,
            "channel": channel,
            "message_ts": ts,
        }
        if summary is not None:
            changes["summary"] = summary
        if blocks is not None:
            changes["blocks"] = blocks
        await conn.execute(
            update(N)
            .where(
                N.dedupe_key == dedupe_key,
                N.status.not_in(("delivered", "batched", "delivering")),  # type: ignore[attr-defined]
            )
            .values(**changes)
        )


async def status_of(
    conn: AsyncConnection, dedupe_key: str
) -> tuple[str, str | None, str | None] | None:
    """(status, channel, ts) of the notification row for `dedupe_key`, or None."""
    from sqlalchemy import select

    from storage.models import SlackNotificationSent as N

    q = select(N.status, N.channel, N.message_ts).where(N.dedupe_key == dedupe_key)
    row = (await conn.execute(q)).first()
    return (row[0], row[1], row[2]) if row else None


@dataclass(frozen=True)
class Held(Posted):
    """What `ctx.notify` returns for a notification recorded but not posted (muted/batched):
    a `Posted` with empty channel and ts; `.status` says why."""

    status: str = "batched"
