"""The campaign digest's steps: compose it from the rep's Instantly campaigns, then deliver it.

Nothing is sent when the feature is off, the org has no working Instantly key, the rep has no
campaign to report, or a digest of the same day already went (or was held) for the rep: the
subject is `campaign_check:{user}:{local date}`, so a re-run job posts nothing new. The digest
counts the campaign replies of the last day routed to the rep (`storage.instantly_replies`):
shown for the key holder (whose jobs the replies are) and for any rep with replies. Once
Instantly listed the rep's campaigns, their suggestion rows for campaigns no longer reported
(or older than 90 days) are pruned (`storage.campaign_suggestions.prune`).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from blocks.campaigns import campaign_digest_blocks, campaign_digest_text
from connectors import instantly_connection
from connectors.instantly import InstantlyAuthError
from flows.briefs_common import enabled, job_user, zone
from flows.campaign_check.gather import gather_campaigns, key_holder, rep_addresses
from orchestrator.context import StepContext
from skills.campaign_analysis import Benchmarks, CampaignDigest, analyse
from storage import campaign_suggestions, notifications
from storage.crypto import settings_cipher
from storage.instantly_replies import ReplyCounts, reply_counts
from storage.models import Connection, User
from storage.rows import saved_id

log = logging.getLogger(__name__)

KIND = "campaign_digest"
FEATURE = "campaign_digest"
REPLY_WINDOW = timedelta(days=1)  # the digest is daily: replies since the previous one
BENCHMARK_KEYS = ("reply_rate", "positive_rate", "bounce_watch", "bounce_act")


def subject_key(user_id: int, local_day: str) -> str:
    return f"campaign_check:{user_id}:{local_day}"


def benchmarks(org_settings: dict[str, Any]) -> Benchmarks:
    """The org's benchmarks and minimum lift (`org_settings.campaign_benchmarks`,
    `campaign_min_lift`, set by admins in App Home), else B3's defaults; out-of-range values
    are ignored."""
    raw = org_settings.get("campaign_benchmarks")
    picked: dict[str, float] = {}
    if isinstance(raw, dict):
        picked = {
            k: float(v)
            for k, v in raw.items()
            if k in BENCHMARK_KEYS
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and 0 <= v <= 1
        }
    lift = org_settings.get("campaign_min_lift")
    if isinstance(lift, int | float) and not isinstance(lift, bool) and lift > 0:
        picked["min_lift"] = float(lift)
    return Benchmarks(**picked)


def why_line(user: dict[str, Any], prefs: dict[str, Any] | None = None) -> str:
    own = (prefs or {}).get("campaign_digest_time")
    t = str(own or user.get("briefing_time") or "08:00")[:5]
    return (
        f"You get this each morning at {t} ({user.get('timezone') or 'UTC'}) for the Instantly "
        "campaigns that send from your mailboxes. Change the time in my Home tab."
    )


async def _already_sent(ctx: StepContext, key: str) -> bool:
    if ctx.user_id is None:
        return False
    async with ctx.db.session() as s:
        return await notifications.sent_same_subject(
            s, user_id=ctx.user_id, kind=KIND, key_prefix=key, other_than_job=ctx.job_id
        )


async def compose_campaigns(ctx: StepContext) -> dict[str, Any]:
    if not enabled(ctx, FEATURE):
        return {"empty": True, "reason": "feature off"}
    user = await job_user(ctx)
    now: datetime = ctx.now()
    today = now.astimezone(zone(user.timezone)).date()
    key = subject_key(user.id or 0, today.isoformat())
    if await _already_sent(ctx, key):
        return {"empty": True, "reason": "already sent today"}
    async with ctx.db.session() as s:
        holder = await key_holder(s, user)
        addresses = await rep_addresses(s, user)
        api = None
        if holder is not None:
            api = await instantly_connection.client_for(
                s, cipher=settings_cipher(ctx.settings), user_id=holder, settings=ctx.settings
            )
    if api is None:
        return {"empty": True, "reason": "no Instantly key"}
    try:
        gathered = await gather_campaigns(api, addresses, today, now)
    except InstantlyAuthError:
        await _refused(ctx, holder)
        return {"empty": True, "reason": "Instantly key refused"}
    pruned = await _prune(ctx, user, gathered.listed)
    if not gathered.inputs:
        return {"empty": True, "reason": "no campaigns", "failed": gathered.failed,
                "pruned": pruned}  # fmt: skip
    tier1 = ctx.tiers.get("1") or {}
    bench = benchmarks(tier1.get("settings") or {})
    digests, suggestion_ids = await _suggestions(
        ctx, user, [analyse(c, bench) for c in gathered.inputs]
    )
    counts = await reply_counts_for(ctx, user.id or 0, now)
    shown = (counts.arrived, counts.routed) if counts.arrived or user.id == holder else None
    blocks = campaign_digest_blocks(
        digests,
        why_line(tier1.get("user") or {}, tier1.get("prefs") or {}),
        unread=gathered.failed,
        replies=shown,
        suggestion_ids=suggestion_ids,
    )
    return {
        "empty": False,
        "subject": key,
        "text": campaign_digest_text(digests),
        "blocks": [b.to_dict() for b in blocks],
        "campaigns": len(digests),
        "alerts": sum(len(d.alerts) for d in digests),
        "failed": gathered.failed,
        "replies_arrived": counts.arrived,
        "replies_routed": counts.routed,
        "pruned": pruned,
    }


async def reply_counts_for(ctx: StepContext, user_id: int, now: datetime) -> ReplyCounts:
    """The rep's campaign replies of the last `REPLY_WINDOW` (since the previous digest)."""
    async with ctx.db.session() as s:
        return await reply_counts(s, user_id=user_id, since=now - REPLY_WINDOW, until=now)


async def _suggestions(
    ctx: StepContext, user: User, digests: list[CampaignDigest]
) -> tuple[list[CampaignDigest], dict[str, int]]:
    """Leave out suggestions the rep snoozed ("Keep testing"); record each "winner" shown, so
    its button names the rep's own row (`storage.campaign_suggestions`)."""
    uid = saved_id(user)
    out: list[CampaignDigest] = []
    ids: dict[str, int] = {}
    async with ctx.db.transaction() as s:
        quiet = await campaign_suggestions.snoozed(s, user_id=uid, now=ctx.now())
        for d in digests:
            sug = d.suggestion
            if sug is not None and (d.campaign_id, sug.step) in quiet:
                d = dataclasses.replace(d, suggestion=None)
            elif sug is not None and sug.kind == "winner":
                ids[d.campaign_id] = await campaign_suggestions.record(
                    s, org_id=user.org_id, user_id=uid, campaign_id=d.campaign_id,
                    campaign_name=d.name, step=sug.step, variants=tuple(sug.disable),
                    now=ctx.now())  # fmt: skip
            out.append(d)
    return out, ids


async def _prune(ctx: StepContext, user: User, listed: tuple[str, ...]) -> int:
    """Suggestion rows of campaigns this digest no longer reports, or past retention, go
    (`campaign_suggestions.prune`); once per job run, after Instantly answered."""
    uid = saved_id(user)

    async def run() -> int:
        async with ctx.db.transaction() as s:
            return await campaign_suggestions.prune(s, user_id=uid, keep_campaigns=listed,
                                                    now=ctx.now())  # fmt: skip

    return int(await ctx.effect("prune-suggestions", run))


async def _refused(ctx: StepContext, holder: int | None) -> None:
    from sqlalchemy import select
    from sqlmodel import col

    async with ctx.db.transaction() as s:
        row = (
            await s.execute(
                select(col(Connection.id)).where(
                    col(Connection.user_id) == holder,
                    col(Connection.provider) == instantly_connection.PROVIDER,
                )
            )
        ).first()
        if row is not None:
            await instantly_connection.mark_refused(s, connection_id=int(row[0]))
    log.warning("Instantly key refused", extra={"job_id": ctx.job_id})


async def deliver_campaigns(ctx: StepContext, composed: dict[str, Any]) -> dict[str, Any]:
    if await _already_sent(ctx, str(composed["subject"])):
        return {"delivered": False, "reason": "already sent today"}
    p = await ctx.notify(KIND, composed["text"], composed["blocks"], key="campaign_digest")
    held = getattr(p, "status", None)
    if held and not p.ts:
        return {"delivered": False, "reason": held}
    return {"delivered": True, "channel": p.channel, "ts": p.ts}
