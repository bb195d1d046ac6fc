"""The digest's one step: wait for the user's window, claim the batched items, post one digest."""

from __future__ import annotations

import logging
from typing import Any

from blocks.notification_batch import MAX_ITEMS, DigestItem, digest_message, fallback, has_buttons
from flows.notification_batches import DIGEST_KIND
from orchestrator import delivery
from orchestrator.context import DeferDelivery, StepContext
from storage import notifications
from storage.notifications import digest_key

log = logging.getLogger(__name__)


async def post_digest(ctx: StepContext) -> dict[str, Any]:
    tier1 = ctx.tiers.get("1") or {}
    slack_id = (tier1.get("user") or {}).get("slack_user_id")
    if ctx.user_id is None or not slack_id or ctx.delivery is None:
        return {"posted": False, "reason": "no Slack user"}
    user_id, key, now = ctx.user_id, digest_key(ctx.job_id), ctx.now()
    async with ctx.db.transaction() as s:
        rows = await notifications.claimed(s, key=key)  # a replay finds what it claimed before
        if not rows:
            r = await delivery.decide(await s.connection(), DIGEST_KIND, answers=False,
                                      user_id=user_id, now=now,
                                      fallback=delivery.Prefs.from_tier1(tier1))  # fmt: skip
            if r.until is not None:  # quiet hours, pause or the cap: wait for the window
                raise DeferDelivery(r.until)
            await notifications.release_orphans(s, user_id=user_id)
            await notifications.claim(s, user_id=user_id, key=key, limit=MAX_ITEMS)
            rows = await notifications.claimed(s, key=key)
        rest = await notifications.waiting(s, user_id=user_id)
    items = [
        DigestItem(r.id, r.kind, r.summary or r.kind.replace("_", " "), has_buttons(r.blocks))
        for r in rows
    ]
    if not items:
        return {"posted": False, "reason": "nothing batched"}
    total = len(items) + rest
    text = fallback(total)
    blocks = [b.to_dict() for b in digest_message(items, total)]
    p = await ctx.post_dm(text, blocks, key="digest")  # exactly once, even across a crash
    async with ctx.db.transaction() as s:
        await notifications.mark_claimed_delivered(s, key=key, channel=p.channel, ts=p.ts)
        await delivery.record(
            await s.connection(),
            org_id=ctx.org_id,
            user_id=user_id,
            kind=DIGEST_KIND,
            dedupe_key=key,
            job_id=ctx.job_id,
            status="delivered",
            at=now,
            channel=p.channel,
            ts=p.ts,
            summary=text,
        )
    log.info(
        "notification digest posted",
        extra={"job_id": ctx.job_id, "items": len(items), "left": rest},
    )
    return {"posted": True, "items": len(items), "left": rest, "channel": p.channel, "ts": p.ts}
