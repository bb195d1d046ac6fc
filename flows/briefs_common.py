"""What the proactive briefs share (`morning_brief`, `pre_meeting_brief`, `pipeline_scan`):
whether a feature is on for the rep, the org's stale threshold, the job's rep, and `deliver`.

`deliver` sends a brief under the delivery rules, which `orchestrator.delivery` decides: a
brief of the same subject still unread is updated in place rather than sent twice (mutes,
quiet hours and pauses still apply to the update, the hourly cap does not: no new message);
anything else goes through `ctx.notify` (muted, deferred, batched or posted). A brief the rep
asked for (`/60 brief`, a click) goes at once. Every delivery is recorded in
`slack_notifications_sent`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator import delivery
from orchestrator.context import DeferDelivery, StepContext
from skills import briefs as sk
from storage import notifications
from storage.models import User

log = logging.getLogger(__name__)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def aware(t: datetime | None) -> datetime | None:
    return None if t is None else (t if t.tzinfo else t.replace(tzinfo=UTC))


def enabled(ctx: StepContext, feature: str) -> bool:
    """The feature is on for this org and rep (a message the rep asked for always goes)."""
    tier1 = ctx.tiers.get("1") or {}
    on = sk.feature_on(feature, tier1.get("features"), (tier1.get("prefs") or {}).get("features"))
    if not on and not ctx.payload.get("requested"):
        log.info("proactive feature off", extra={"feature": feature, "job_id": ctx.job_id})
        return False
    return True


def stale_days(ctx: StepContext) -> int:
    return int((ctx.tiers.get("1") or {}).get("settings", {}).get("stale_threshold_days") or 14)


async def job_user(ctx: StepContext) -> User:
    async with ctx.db.session() as s:
        user = await s.get(User, ctx.user_id)
    if user is None:
        raise LookupError("the job's user is gone")
    return user


async def deliver(
    ctx: StepContext,
    kind: str,
    text: str,
    blocks: list[dict[str, Any]],
    *,
    subject_key: str,
    key: str = "brief",
) -> dict[str, Any]:
    """Deliver a proactive message under the delivery rules (module docstring)."""
    tier1 = ctx.tiers.get("1") or {}
    slack_id = (tier1.get("user") or {}).get("slack_user_id")
    answers = ctx.answers_rep  # `/60 brief`, a click, or chained from one
    same, r = None, delivery.SEND
    if slack_id and ctx.delivery is not None and ctx.user_id is not None:
        async with ctx.db.session() as s:
            same = await notifications.unread_same_subject(
                s, user_id=ctx.user_id, kind=kind, key_prefix=subject_key, other_than_job=ctx.job_id
            )
            if same is not None:
                r = await delivery.decide(
                    await s.connection(), kind, answers=answers, user_id=ctx.user_id,
                    now=ctx.now(), fallback=delivery.Prefs.from_tier1(tier1), replaces_unread=True,
                )  # fmt: skip
    if same is not None and r.action == "defer":
        assert r.until is not None
        raise DeferDelivery(r.until)
    if same is not None and r.action == "send":
        return await _update_in_place(ctx, kind, same, text, blocks, key)
    # no unread one (or muted: `notify` records it muted, nothing is dropped)
    p = await ctx.notify(kind, text, blocks, key=key)
    held = getattr(p, "status", None)  # muted or batched into a digest
    if held and not p.ts:
        return {"delivered": False, "reason": held}
    return {"delivered": True, "updated": False, "channel": p.channel, "ts": p.ts}


async def _update_in_place(
    ctx: StepContext,
    kind: str,
    at: tuple[str, str],
    text: str,
    blocks: list[dict[str, Any]],
    key: str,
) -> dict[str, Any]:
    d = ctx.delivery
    assert d is not None

    async def update() -> dict[str, str]:
        p = await d.update_message(at[0], at[1], text, blocks)
        return {"channel": p.channel, "ts": p.ts}

    posted = await ctx.effect(f"post:{key}", update)
    async with ctx.db.transaction() as s:
        await delivery.record(
            await s.connection(),
            org_id=ctx.org_id,
            user_id=ctx.user_id or 0,
            kind=kind,
            dedupe_key=f"job:{ctx.job_id}:{ctx.step.name}:{key}",
            job_id=ctx.job_id,
            status="delivered",
            at=ctx.now(),
            channel=posted["channel"],
            ts=posted["ts"],
        )
    return {"delivered": True, "updated": True, **posted}


async def mark_read(
    db: Any, channel: str, ts: str, now: datetime, user_id: int | None = None
) -> None:
    """A click on a message means the rep has read it: no brief of its subject updates it in
    place any more (the next one is a new message). `user_id`: only that user's notification
    (the channel and ts come from the click's payload)."""
    async with db.transaction() as s:
        await notifications.mark_read(s, channel=channel, ts=ts, now=now, user_id=user_id)
