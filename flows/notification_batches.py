"""The digest of notifications batched over the hourly cap: one message per user, later.

`orchestrator.delivery` records an informational notification over `max_notifications_per_hour` as
`batched` (summary and blocks kept). The cron `notifications:flush` (every 5 minutes, aligned
on the clock so every process agrees on fire times) submits one `notification_digest` event
per user with batched items and no digest job on its way. That sequence's single step waits
(`DeferDelivery`) until the user is outside quiet hours and pause and under the cap, then
claims up to `MAX_ITEMS` items (compare-and-set on `digest_key`), posts ONE digest ("While
you were busy: 5 updates", built by `blocks.notification_batch`) with `ctx.post_dm` (exactly
once per job, a crash after the post included), marks the items delivered and records the digest itself as the one
delivery that counts against the cap. Items beyond `MAX_ITEMS` stay batched for the next
digest; items claimed by a digest job that ended without posting are released again.
Nothing is dropped.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from blocks.notification_batch import MAX_ITEMS, DigestItem, digest_message, fallback, has_buttons
from orchestrator import delivery
from orchestrator.crons import CronSpec
from orchestrator.events import Event
from orchestrator.sequence import Sequence, SequenceRegistry, Step
from orchestrator.context import DeferDelivery, StepContext
from storage.models import SequenceJob
from storage.models import SlackNotificationSent as N

log = logging.getLogger(__name__)

SEQUENCE = "notification_digest"
CRON_ID = "notifications:flush"
SOURCE = "cron:notification_batches"
DIGEST_KIND = "notification_digest"


def digest_key(job_id: int) -> str:
    return f"digest:{job_id}"


async def users_with_batches(conn: AsyncConnection) -> list[tuple[int, int]]:
    """(org_id, user_id) of every user with batched notifications waiting and no digest job
    already on its way (a parked one waits for the user's next active window)."""
    live = select(SequenceJob.user_id).where(
        SequenceJob.sequence_type == SEQUENCE,
        SequenceJob.status.in_(("pending", "running")),  # type: ignore[attr-defined]
        SequenceJob.user_id.is_not(None),  # type: ignore[union-attr]
    )
    q = (
        select(N.org_id, N.user_id)
        .where(N.status == "batched", N.user_id.not_in(live))  # type: ignore[attr-defined]
        .distinct()
    )
    return [(int(o), int(u)) for o, u in (await conn.execute(q)).all()]


def cron_specs(deps: Any) -> list[CronSpec]:
    async def events(scheduled_for: datetime) -> list[Event]:
        async with deps.db.engine.connect() as conn:
            waiting = await users_with_batches(conn)
        at = scheduled_for.strftime("%Y%m%dT%H%M")
        return [
            Event(
                type=SEQUENCE,
                source=SOURCE,
                org_id=org_id,
                user_id=user_id,
                payload={},
                idempotency_key=f"{SEQUENCE}:{user_id}:{at}",
            )
            for org_id, user_id in waiting
        ]

    return [CronSpec(CRON_ID, CronTrigger(minute="*/5", timezone="UTC"), events)]


async def _release_orphans(conn: AsyncConnection, user_id: int) -> None:
    """Unclaim items whose digest job ended without delivering them (never dropped)."""
    ended = select(literal("digest:") + cast(SequenceJob.id, String)).where(
        SequenceJob.status.in_(("failed", "cancelled", "completed"))  # type: ignore[attr-defined]
    )
    await conn.execute(
        update(N)
        .where(
            N.user_id == user_id,
            N.status == "batched",
            N.digest_key.in_(ended),  # type: ignore[union-attr]
        )
        .values(digest_key=None)
    )


async def _claim(conn: AsyncConnection, user_id: int, key: str) -> None:
    """Mark up to MAX_ITEMS unclaimed batched items (oldest first) as this digest's."""
    ids = (
        select(N.id)
        .where(N.user_id == user_id, N.status == "batched", N.digest_key.is_(None))  # type: ignore[union-attr]
        .order_by(N.sent_at, N.id)
        .limit(MAX_ITEMS)
    )
    picked = [r[0] for r in (await conn.execute(ids)).all()]
    if picked:
        await conn.execute(
            update(N)
            .where(
                N.id.in_(picked),  # type: ignore[union-attr]
                N.status == "batched",
                N.digest_key.is_(None),  # type: ignore[union-attr]
            )
            .values(digest_key=key)
        )


async def _claimed(conn: AsyncConnection, key: str) -> list[DigestItem]:
    q = (
        select(N.id, N.kind, N.summary, N.blocks)
        .where(N.digest_key == key)
        .order_by(N.sent_at, N.id)
    )
    return [
        DigestItem(int(i), k, s or k.replace("_", " "), has_buttons(b))
        for i, k, s, b in (await conn.execute(q)).all()
    ]


async def _waiting(conn: AsyncConnection, user_id: int) -> int:
    q = select(func.count()).where(
        N.user_id == user_id,
        N.status == "batched",
        N.digest_key.is_(None),  # type: ignore[union-attr]
    )
    return int((await conn.execute(q)).scalar_one())


async def post_digest(ctx: StepContext) -> dict[str, Any]:
    tier1 = ctx.tiers.get("1") or {}
    slack_id = (tier1.get("user") or {}).get("slack_user_id")
    if ctx.user_id is None or not slack_id or ctx.delivery is None:
        return {"posted": False, "reason": "no Slack user"}
    user_id, key, now = ctx.user_id, digest_key(ctx.job_id), ctx.now()
    prefs = delivery.Prefs.from_tier1(tier1)
    async with ctx.db.engine.begin() as conn:
        items = await _claimed(conn, key)  # a replay finds what it claimed before
        if not items:
            fresh, recent = await delivery.proactive_inputs(conn, user_id, now, prefs)
            r = delivery.route(DIGEST_KIND, answers=False, prefs=fresh, recent=recent, now=now)
            if r.until is not None:  # quiet hours, pause or the cap: wait for the window
                raise DeferDelivery(r.until)
            await _release_orphans(conn, user_id)
            await _claim(conn, user_id, key)
            items = await _claimed(conn, key)
        rest = await _waiting(conn, user_id)
    if not items:
        return {"posted": False, "reason": "nothing batched"}
    total = len(items) + rest
    text = fallback(total)
    blocks = [b.to_dict() for b in digest_message(items, total)]
    p = await ctx.post_dm(text, blocks, key="digest")  # exactly once, even across a crash
    posted = {"channel": p.channel, "ts": p.ts}
    async with ctx.db.engine.begin() as conn:
        await conn.execute(
            update(N)
            .where(N.digest_key == key, N.status == "batched")
            .values(status="delivered", channel=posted["channel"], message_ts=posted["ts"])
        )
        await delivery.record(
            conn,
            org_id=ctx.org_id,
            user_id=user_id,
            kind=DIGEST_KIND,
            dedupe_key=key,
            job_id=ctx.job_id,
            status="delivered",
            at=now,
            channel=posted["channel"],
            ts=posted["ts"],
            summary=text,
        )
    log.info(
        "notification digest posted",
        extra={"job_id": ctx.job_id, "items": len(items), "left": rest},
    )
    return {"posted": True, "items": len(items), "left": rest, **posted}


def register(registry: SequenceRegistry) -> None:
    registry.skills.register("notification_batches.post_digest", post_digest)
    registry.add(
        Sequence(
            type=SEQUENCE,
            version=1,
            event_types=(SEQUENCE,),
            steps=(Step("post_digest", "notification_batches.post_digest", on_failure="retry"),),
        )
    )
