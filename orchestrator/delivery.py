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

`route(kind, answers=..., prefs, recent, now)` is the one decision every DM goes through, asked
through `decide` (the orchestrator's `notify` and gate posts, a brief updated in place, the
digest): a message that answers the rep's own click or command (`answers_rep`) is sent now,
whatever quiet hours, pause, cap or mutes say; only proactive messages (crons, webhooks) are
muted, deferred or batched. The inputs of a proactive decision are read fresh
(`proactive_inputs`), so a raised cap or an ended pause applies at once, and `release_held`
puts a user's held jobs back in line when their settings change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from blocks.text import clip_line
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


def answers_rep(
    *, event_source: str, payload: dict[str, Any], clicked: bool, chained: bool = False
) -> bool:
    """A message of this job answers the rep's own command or click: the job was started by
    one (a `slack:` event, `requested` in the payload), was resumed by the rep's click on one
    of its gates (`clicked`), or was chained from a job that was answering at the time
    (`chained`). Such a message goes now, whatever the quiet hours, pause, cap or mutes."""
    return (
        clicked or chained or event_source.startswith(REP_SOURCES) or bool(payload.get("requested"))
    )


@dataclass(frozen=True)
class Route:
    """What to do with one DM: `send` now, `defer` until `until`, `batch` into the digest
    (over the cap; informational kinds), or record it `mute`d."""

    action: str  # send | defer | batch | mute
    until: datetime | None = None


SEND = Route("send")


def route(
    kind: str,
    *,
    answers: bool,
    prefs: Prefs,
    recent: list[datetime],
    now: datetime,
    replaces_unread: bool = False,
) -> Route:
    """The delivery decision for one DM of `kind` (module docstring).

    `replaces_unread`: the message updates, in place, an unread one of the same subject
    already delivered (a brief sent again): mutes, quiet hours and pauses apply, the hourly
    cap does not (no new message reaches the rep)."""
    if answers:
        return SEND
    if kind not in NEVER_HELD_KINDS and kind in prefs.muted_kinds:
        return Route("mute")
    until = next_window(prefs, now)
    if until is not None:
        return Route("defer", until)
    if replaces_unread:
        return SEND
    until = rate_limited_until(recent, prefs.max_per_hour, now)
    if until is not None:
        return Route("batch" if kind in BATCHABLE_KINDS else "defer", until)
    return SEND


def summary_of(text: str, limit: int = 150) -> str:
    """One line for the digest (the notification's fallback text, shortened)."""
    return clip_line(text, limit)


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
    q = select(col(N.sent_at)).where(
        col(N.user_id) == user_id,
        col(N.status) == "delivered",
        col(N.sent_at) > since,
        col(N.digest_key).is_(None),  # items count through their digest
    )
    return [r[0] for r in (await conn.execute(q)).all()]


async def current_prefs(conn: AsyncConnection, user_id: int) -> Prefs | None:
    """The user's delivery preferences as they are now (None when the user has no row)."""
    from sqlalchemy import select

    from storage.models import User
    from storage.models import UserPreferences as P

    q = (
        select(
            col(User.timezone),
            col(P.quiet_hours_start),
            col(P.quiet_hours_end),
            col(P.max_notifications_per_hour),
            col(P.paused_until),
            col(P.muted_kinds),
        )
        .join(P, col(P.user_id) == col(User.id))
        .where(col(User.id) == user_id)
    )
    row = (await conn.execute(q)).first()
    if row is None:
        return None
    tz, qs, qe, cap, paused, muted = row
    if paused is not None and paused.tzinfo is None:
        paused = paused.replace(tzinfo=UTC)
    return Prefs(
        timezone=tz or "UTC",
        quiet_start=qs,
        quiet_end=qe,
        max_per_hour=int(cap or 10),
        paused_until=paused,
        muted_kinds=frozenset(str(k) for k in (muted or [])),
    )


async def proactive_inputs(
    conn: AsyncConnection, user_id: int, now: datetime, fallback: Prefs
) -> tuple[Prefs, list[datetime]]:
    """What `route` needs for a proactive message: today's preferences and the last hour's
    deliveries (the job's cached tier 1 may be hours old; a raised cap must count now)."""
    prefs = await current_prefs(conn, user_id) or fallback
    return prefs, await recent_deliveries(conn, user_id, now, None)


async def decide(
    conn: AsyncConnection,
    kind: str,
    *,
    answers: bool,
    user_id: int | None,
    now: datetime,
    fallback: Prefs,
    replaces_unread: bool = False,
) -> Route:
    """`route` for one DM of `kind` to `user_id`, its inputs read fresh: what every sender asks
    (a job's `notify` and gates, a brief updated in place, the digest). A message that answers
    the rep (or has no user to hold it for) goes without a read."""
    if answers or user_id is None:
        return SEND
    prefs, recent = await proactive_inputs(conn, user_id, now, fallback)
    return route(kind, answers=False, prefs=prefs, recent=recent, now=now,
                 replaces_unread=replaces_unread)  # fmt: skip


async def release_held(conn: AsyncConnection, user_id: int) -> list[int]:
    """Put the user's jobs held by the delivery rules back in line (due now), so each one
    decides again under the user's current settings: what now fits goes, the rest is held
    again. Held jobs are the pending ones with a `deferred` notification and the user's
    parked digest. Returns their ids (the caller commits)."""
    from sqlalchemy import literal_column, or_, select, update

    from orchestrator.store import Sql
    from storage.models import SequenceJob as J
    from storage.models import SlackNotificationSent as N

    deferred = select(col(N.job_id)).where(
        col(N.user_id) == user_id,
        col(N.status) == "deferred",
        col(N.job_id).is_not(None),
    )
    ids = [
        int(r[0])
        for r in (
            await conn.execute(
                select(col(J.id)).where(
                    col(J.user_id) == user_id,
                    col(J.status) == "pending",
                    or_(
                        col(J.id).in_(deferred),
                        col(J.sequence_type) == "notification_digest",
                    ),
                )
            )
        ).all()
        if r[0] is not None  # a key: never None
    ]
    if ids:
        await conn.execute(
            update(J)
            .where(col(J.id).in_(ids), col(J.status) == "pending")
            .values(run_after=literal_column(Sql(conn.dialect.name).now))
        )
    return ids


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
        ins.values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(N.id))
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
                col(N.dedupe_key) == dedupe_key,
                col(N.status).not_in(("delivered", "batched", "delivering")),
            )
            .values(**changes)
        )


async def mark_opened(conn: AsyncConnection, note_id: int, channel: str, ts: str) -> bool:
    """A held notification (batched or deferred) the rep opened from Home or a digest: it is
    delivered now, as that message, and the job that deferred it runs on at once (finding it
    delivered, it does not post it again). False when it was not held any more."""
    from sqlalchemy import literal_column, select, update

    from orchestrator.store import Sql
    from storage.models import SequenceJob as J
    from storage.models import SlackNotificationSent as N

    job = (
        await conn.execute(select(col(N.job_id)).where(col(N.id) == note_id))
    ).scalar_one_or_none()
    res = await conn.execute(
        update(N)
        .where(col(N.id) == note_id, col(N.status).in_(("batched", "deferred")))
        .values(status="delivered", channel=channel, message_ts=ts)
    )
    if res.rowcount and job is not None:
        await conn.execute(
            update(J)
            .where(col(J.id) == job, col(J.status) == "pending")
            .values(run_after=literal_column(Sql(conn.dialect.name).now))
        )
    return bool(res.rowcount)


async def status_of(
    conn: AsyncConnection, dedupe_key: str
) -> tuple[str, str | None, str | None] | None:
    """(status, channel, ts) of the notification row for `dedupe_key`, or None."""
    from sqlalchemy import select

    from storage.models import SlackNotificationSent as N

    q = select(col(N.status), col(N.channel), col(N.message_ts)).where(
        col(N.dedupe_key) == dedupe_key
    )
    row = (await conn.execute(q)).first()
    return (row[0], row[1], row[2]) if row else None


@dataclass(frozen=True)
class Held(Posted):
    """What `ctx.notify` returns for a notification recorded but not posted (muted/batched):
    a `Posted` with empty channel and ts; `.status` says why."""

    status: str = "batched"
