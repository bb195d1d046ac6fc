"""Repository for `slack_notifications_sent` beyond the delivery record itself: what the rep
has read, the unread message a brief updates in place, and the digest's claim on batched items.

`orchestrator.delivery` writes the rows (`record`) and decides what may go; these are the
reads and small updates the proactive flows and the digest make. The caller owns the session
(`async def x(session, ...)`) and commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, literal, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SequenceJob
from storage.models import SlackNotificationSent as N

DIGEST_SEQUENCE = "notification_digest"
LIVE = ("pending", "running")
ENDED = ("failed", "cancelled", "completed")


async def unread_same_subject(
    session: AsyncSession, *, user_id: int, kind: str, key_prefix: str, other_than_job: int
) -> tuple[str, str] | None:
    """(channel, ts) of the newest delivered, unread message of `kind` to the user posted by
    another job whose idempotency key starts with `key_prefix` (the same subject)."""
    q = (
        select(col(N.channel), col(N.message_ts))
        .join(SequenceJob, col(SequenceJob.id) == col(N.job_id))
        .where(
            col(N.user_id) == user_id,
            col(N.kind) == kind,
            col(N.status) == "delivered",
            col(N.read_at).is_(None),
            col(N.message_ts).is_not(None),
            col(SequenceJob.id) != other_than_job,
            col(SequenceJob.idempotency_key).startswith(key_prefix),
        )
        .order_by(col(N.sent_at).desc())
        .limit(1)
    )
    row = (await session.execute(q)).first()
    return (row[0], row[1]) if row else None


async def mark_read(
    session: AsyncSession, *, channel: str, ts: str, now: datetime, user_id: int | None = None
) -> None:
    """The message at (channel, ts) was read (only `user_id`'s row, when given)."""
    mine = [col(N.user_id) == user_id] if user_id is not None else []
    await session.execute(
        update(N)
        .where(col(N.channel) == channel, col(N.message_ts) == ts, col(N.read_at).is_(None), *mine)
        .values(read_at=now)
    )


# --------------------------------------------------------------------------- the digest


def digest_key(job_id: int) -> str:
    return f"digest:{job_id}"


async def users_with_batches(session: AsyncSession) -> list[tuple[int, int]]:
    """(org_id, user_id) of every user with batched notifications waiting and no digest job
    already on its way."""
    live = select(col(SequenceJob.user_id)).where(
        col(SequenceJob.sequence_type) == DIGEST_SEQUENCE,
        col(SequenceJob.status).in_(LIVE),
        col(SequenceJob.user_id).is_not(None),
    )
    q = (
        select(col(N.org_id), col(N.user_id))
        .where(col(N.status) == "batched", col(N.user_id).not_in(live))
        .distinct()
    )
    return [(int(o), int(u)) for o, u in (await session.execute(q)).all()]


async def release_orphans(session: AsyncSession, *, user_id: int) -> None:
    """Unclaim items whose digest job ended without delivering them (never dropped)."""
    ended = select(literal("digest:") + cast(SequenceJob.id, String)).where(
        col(SequenceJob.status).in_(ENDED)
    )
    await session.execute(
        update(N)
        .where(
            col(N.user_id) == user_id,
            col(N.status) == "batched",
            col(N.digest_key).in_(ended),
        )
        .values(digest_key=None)
    )


async def claim(session: AsyncSession, *, user_id: int, key: str, limit: int) -> None:
    """Mark up to `limit` unclaimed batched items (oldest first) as the digest `key`'s."""
    ids = (
        select(col(N.id))
        .where(col(N.user_id) == user_id, col(N.status) == "batched", col(N.digest_key).is_(None))
        .order_by(col(N.sent_at), col(N.id))
        .limit(limit)
    )
    picked = [r[0] for r in (await session.execute(ids)).all()]
    if picked:
        await session.execute(
            update(N)
            .where(
                col(N.id).in_(picked),
                col(N.status) == "batched",
                col(N.digest_key).is_(None),
            )
            .values(digest_key=key)
        )


@dataclass(frozen=True)
class HeldItem:
    """A batched notification: what the digest lists (and opens) for it."""

    id: int
    kind: str
    summary: str | None
    blocks: list[Any] | None


async def claimed(session: AsyncSession, *, key: str) -> list[HeldItem]:
    """The items the digest `key` claimed, oldest first."""
    q = (
        select(col(N.id), col(N.kind), col(N.summary), col(N.blocks))
        .where(col(N.digest_key) == key)
        .order_by(col(N.sent_at), col(N.id))
    )
    return [HeldItem(int(i), k, s, b) for i, k, s, b in (await session.execute(q)).all()]


async def waiting(session: AsyncSession, *, user_id: int) -> int:
    """How many batched items of the user no digest has claimed yet."""
    q = select(func.count()).where(
        col(N.user_id) == user_id,
        col(N.status) == "batched",
        col(N.digest_key).is_(None),
    )
    return int((await session.execute(q)).scalar_one())


async def mark_claimed_delivered(session: AsyncSession, *, key: str, channel: str, ts: str) -> None:
    """The digest `key` was posted as (channel, ts): its items are delivered as that message."""
    await session.execute(
        update(N)
        .where(col(N.digest_key) == key, col(N.status) == "batched")
        .values(status="delivered", channel=channel, message_ts=ts)
    )


async def sent_same_subject(
    session: AsyncSession, *, user_id: int, kind: str, key_prefix: str, other_than_job: int
) -> bool:
    """Another job whose idempotency key starts with `key_prefix` already recorded a message
    of `kind` to the user (delivered, muted, deferred or batched: nothing is to go twice)."""
    q = (
        select(col(N.id))
        .join(SequenceJob, col(SequenceJob.id) == col(N.job_id))
        .where(
            col(N.user_id) == user_id,
            col(N.kind) == kind,
            col(SequenceJob.id) != other_than_job,
            col(SequenceJob.idempotency_key).startswith(key_prefix),
        )
        .limit(1)
    )
    return (await session.execute(q)).first() is not None
