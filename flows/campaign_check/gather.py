"""Read a rep's campaigns from Instantly into `skills.campaign_analysis.CampaignInput`s.

**Which campaigns are the rep's:** a campaign belongs to a rep when one of its sending accounts
(`email_list`, the mailboxes it sends from, as `InstantlyClient.campaign_senders` maps them)
is one of the rep's addresses: their Sixty login email or the account email of one of their
connected mailboxes (Google, Microsoft). Instantly has no campaign owner field; a campaign
sending from several reps' mailboxes shows in each of their digests.

**Whose key:** the org's Instantly key is stored by whoever connected it
(`connectors.instantly_connection`): the rep's own connection first, otherwise the oldest active
one in the rep's org.

**What is read, per campaign** (each call through the client's rate buckets, in order):
the overview for the last 24 h (Instantly's dates are whole days, so: yesterday, the last
full day before the morning digest) and for the 7 days before it, the daily rows of those 7 days, and the step × variant rows of the whole
campaign (the A/B test runs since the campaign started; the pace is over the days since it was
created). **Why it stopped**: for a stopped campaign (paused, unhealthy accounts, bounce protect,
suspended) and for an active one that sent nothing in the last 24 h, the sending-status reason
(`InstantlyClient.sending_status`) and which of its sending mailboxes Instantly marks as not
sending (the account statuses from the accounts list already read; no extra call). Only
campaigns that are sending or were stopped (active, running subsequences,
paused, unhealthy accounts, bounce protect, suspended) are read; drafts and completed ones are
not. A campaign whose analytics fail for a reason other than the key or the rate limit is left
out and counted, the others still go (one broken campaign does not cost the digest). Up to
`CONCURRENCY` campaigns are read at once, in the API's order in the digest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.instantly import (
    InstantlyAuthError,
    InstantlyClient,
    InstantlyError,
    InstantlyRateLimited,
    InstantlyUnavailable,
)
from connectors.instantly_models import Account, Campaign, CampaignAnalytics
from skills.campaign_analysis import (
    MAILBOX_PROBLEMS,
    STOPPED_REASONS,
    CampaignInput,
    Counts,
    DayRow,
    VariantRow,
)
from storage.models import Connection, User

log = logging.getLogger(__name__)

PROVIDER = "instantly"
DIGEST_STATUSES = frozenset({1, 2, 4, -1, -2, -99})
MAILBOX_PROVIDERS = ("google", "microsoft")
CONCURRENCY = 4  # campaigns read at once; the client's buckets still cap the request rate


@dataclass(frozen=True)
class Gathered:
    inputs: list[CampaignInput]
    failed: int = 0
    listed: tuple[str, ...] = ()  # every campaign reported, read or not (its suggestions stay)


async def rep_addresses(session: AsyncSession, user: User) -> set[str]:
    """The rep's login email and their connected mailboxes' addresses, lower-case."""
    rows = await session.execute(
        select(col(Connection.account_email)).where(
            col(Connection.user_id) == user.id,
            col(Connection.provider).in_(MAILBOX_PROVIDERS),
            col(Connection.account_email).is_not(None),
        )
    )
    found = {str(e).strip().lower() for (e,) in rows if e}
    if user.email:
        found.add(user.email.strip().lower())
    return found


async def key_holder(session: AsyncSession, user: User) -> int | None:
    """The user whose stored Instantly key the digest uses (module docstring)."""
    mine = case((col(Connection.user_id) == user.id, 0), else_=1)
    q = (
        select(col(Connection.user_id))
        .where(
            col(Connection.org_id) == user.org_id,
            col(Connection.provider) == PROVIDER,
            col(Connection.status) == "active",
            col(Connection.user_id).is_not(None),
        )
        .order_by(mine, col(Connection.id))
        .limit(1)
    )
    row = (await session.execute(q)).first()
    return int(row[0]) if row is not None else None


def campaigns_for_rep(
    campaigns: Iterable[Campaign], accounts: Iterable[Account], addresses: set[str]
) -> list[Campaign]:
    """The rep's campaigns to digest: sending from one of `addresses` (a workspace account),
    in a status worth reporting; in the API's order."""
    known = {a.email.lower() for a in accounts}
    mine = known & addresses
    return [
        c for c in campaigns if c.status in DIGEST_STATUSES and any(e in mine for e in c.email_list)
    ]


def counts(a: CampaignAnalytics) -> Counts:
    return Counts(
        new_leads_contacted=a.new_leads_contacted_count,
        sent=a.emails_sent_count,
        unique_replies=a.reply_count_unique,
        unique_replies_automatic=a.reply_count_automatic_unique,
        interested=a.total_interested,
        bounced=a.bounced_count,
        unsubscribed=a.unsubscribed_count,
        unique_opened=a.open_count_unique,
    )


def _disabled(c: Campaign) -> set[tuple[int, int]]:
    return {(s.index, v.index) for s in c.steps for v in s.variants if v.disabled}


def mailbox_problems(c: Campaign, accounts: Iterable[Account]) -> tuple[tuple[str, int], ...]:
    """The campaign's sending mailboxes whose Instantly status stops them, in `email_list` order."""
    status = {a.email: a.status for a in accounts}
    return tuple(
        (e, s) for e in c.email_list if (s := status.get(e)) is not None and s in MAILBOX_PROBLEMS
    )


async def campaign_input(
    api: InstantlyClient, c: Campaign, today: date, now: datetime,
    accounts: Iterable[Account] = (),
) -> CampaignInput:  # fmt: skip
    """Every read for one campaign (module docstring)."""
    d = date.isoformat
    yesterday, week_start, week_end = (
        today - timedelta(days=1),
        today - timedelta(days=8),
        today - timedelta(days=2),
    )
    recent = await api.campaign_overview([c.id], start_date=d(yesterday), end_date=d(yesterday))
    week = await api.campaign_overview([c.id], start_date=d(week_start), end_date=d(week_end))
    daily = await api.daily_analytics(c.id, start_date=d(week_start), end_date=d(week_end))
    steps = await api.step_analytics(c.id)
    reason: str | None = None
    problems: tuple[tuple[str, int], ...] = ()
    if c.status in STOPPED_REASONS or recent.emails_sent_count == 0:
        reason = (await api.sending_status(c.id)).reason
        problems = mailbox_problems(c, accounts)
    off = _disabled(c)
    created = c.timestamp_created
    days = max(1.0, (now - created).total_seconds() / 86400.0) if created is not None else None
    return CampaignInput(
        campaign_id=c.id,
        name=c.name,
        status=c.status,
        recent=counts(recent),
        week=counts(week),
        daily=tuple(
            DayRow(r.date, r.sent, r.unique_replies, r.unique_replies_automatic) for r in daily
        ),
        steps=tuple(
            VariantRow(
                r.step,
                r.variant,
                r.sent,
                r.unique_replies,
                r.unique_replies_automatic,
                disabled=(r.step, r.variant) in off,
            )
            for r in steps
            if r.step is not None and r.variant is not None
        ),
        open_tracking=bool(c.raw.get("open_tracking")),
        auto_optimise=c.raw.get("auto_variant_select") is not None,
        test_days=days,
        sending_reason=reason,
        mailbox_problems=problems,
    )


async def gather_campaigns(
    api: InstantlyClient, addresses: set[str], today: date, now: datetime
) -> Gathered:
    """The rep's campaign inputs; auth and rate-limit errors propagate (the step retries or
    stops), any other failure of one campaign leaves that campaign out."""
    accounts = await api.list_accounts()
    campaigns = campaigns_for_rep(await api.list_campaigns(), accounts, addresses)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(c: Campaign) -> CampaignInput | None:
        async with gate:
            try:
                return await campaign_input(api, c, today, now, accounts)
            except (InstantlyAuthError, InstantlyRateLimited, InstantlyUnavailable):
                raise
            except InstantlyError as exc:
                log.warning("campaign analytics failed",
                            extra={"campaign_id": c.id, "error": str(exc)})  # fmt: skip
                return None

    got = await asyncio.gather(*(one(c) for c in campaigns))
    inputs = [g for g in got if g is not None]
    return Gathered(inputs, len(got) - len(inputs), tuple(c.id for c in campaigns))
