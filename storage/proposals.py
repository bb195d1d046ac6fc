"""Repository for proposals: drafts and their status, immutable snapshots (what was sent),
share links (`/p/{token}`) and the recipient's page views.

A draft is edited in place until it is sent; an edit after sending starts version + 1 (back
to `draft`), so the snapshot a link points to never changes. Snapshots are written once:
there is no update path here. Times come from the caller (`now`), never the wall clock.
The caller owns the session/transaction: nothing here commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.proposal_models import Proposal, ProposalLink, ProposalSnapshot, ProposalView

DRAFT, AWAITING_MANAGER, APPROVED, SENT, SKIPPED = (
    "draft",
    "awaiting_manager",
    "approved",
    "sent",
    "skipped",
)
STATUSES = (DRAFT, AWAITING_MANAGER, APPROVED, SENT, SKIPPED)
SOURCES = ("meeting", "email", "command")
OPEN = "_open"  # the section of the view row written at a session's first view
LinkProblem = Literal["unknown", "expired", "revoked"]


class ProposalError(Exception):
    """A request the proposal's state does not allow (unknown id, bad status)."""


@dataclass(frozen=True)
class Resolved:
    """A link that can be shown: the link and its snapshot."""

    link: ProposalLink
    snapshot: ProposalSnapshot


@dataclass(frozen=True)
class Refused:
    reason: LinkProblem


@dataclass(frozen=True)
class ViewsSummary:
    token: str
    sessions: int
    seconds_by_section: dict[str, int]
    first_opened_at: datetime | None


async def get_proposal(session: AsyncSession, proposal_id: int) -> Proposal:
    row = await session.get(Proposal, proposal_id)
    if row is None:
        raise ProposalError(f"no proposal {proposal_id}")
    return row


async def create_proposal(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    source: str,
    draft: dict[str, Any],
    now: datetime,
    deal_id: int | None = None,
) -> Proposal:
    if source not in SOURCES:
        raise ProposalError(f"unknown source {source!r}")
    row = Proposal(org_id=org_id, user_id=user_id, deal_id=deal_id, source=source, status=DRAFT,
                   draft=dict(draft), version=1, created_at=now, updated_at=now)  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def latest_sent(
    session: AsyncSession, *, org_id: int, deal_id: int | None
) -> Proposal | None:
    """The deal's most recently updated proposal that was sent (None without a deal)."""
    if deal_id is None:
        return None
    found = await session.exec(
        select(Proposal)
        .where(col(Proposal.org_id) == org_id, col(Proposal.deal_id) == deal_id,
               col(Proposal.status) == SENT)
        .order_by(col(Proposal.updated_at).desc())
        .limit(1)
    )  # fmt: skip
    return found.first()


async def update_draft(
    session: AsyncSession, proposal_id: int, draft: dict[str, Any], *, now: datetime
) -> Proposal:
    """Replace the draft. After sending, the edit is version + 1 and the status is `draft`
    again (the sent version stays in its snapshot); a skipped proposal cannot be edited."""
    row = await get_proposal(session, proposal_id)
    if row.status == SKIPPED:
        raise ProposalError(f"proposal {proposal_id} was skipped")
    if row.status == SENT:
        row.version += 1
        row.status = DRAFT
    row.draft = dict(draft)
    row.updated_at = now
    session.add(row)
    await session.flush()
    return row


async def set_status(
    session: AsyncSession, proposal_id: int, status: str, *, now: datetime
) -> Proposal:
    if status not in STATUSES:
        raise ProposalError(f"unknown status {status!r}")
    row = await get_proposal(session, proposal_id)
    row.status = status
    row.updated_at = now
    session.add(row)
    await session.flush()
    return row


async def freeze_snapshot(
    session: AsyncSession, proposal_id: int, html: str, pdf: bytes | None, *, now: datetime
) -> ProposalSnapshot:
    """Write the proposal's current version as sent: its HTML, PDF and their SHA-256
    (over the HTML's UTF-8 bytes, then the PDF's). Written once, never updated."""
    row = await get_proposal(session, proposal_id)
    digest = hashlib.sha256(html.encode("utf-8"))
    if pdf is not None:
        digest.update(pdf)
    snap = ProposalSnapshot(proposal_id=proposal_id, version=row.version, html=html, pdf=pdf,
                            sha256=digest.hexdigest(), created_at=now)  # fmt: skip
    session.add(snap)
    await session.flush()
    return snap


async def create_link(
    session: AsyncSession,
    snapshot_id: int,
    *,
    now: datetime,
    recipient_email: str | None = None,
    recipient_name: str | None = None,
    days: int = 30,
) -> ProposalLink:
    if await session.get(ProposalSnapshot, snapshot_id) is None:
        raise ProposalError(f"no snapshot {snapshot_id}")
    link = ProposalLink(token=secrets.token_urlsafe(24), snapshot_id=snapshot_id,
                        recipient_email=recipient_email, recipient_name=recipient_name,
                        created_at=now, expires_at=now + timedelta(days=days))  # fmt: skip
    session.add(link)
    await session.flush()
    return link


async def revoke_link(session: AsyncSession, token: str, *, now: datetime) -> bool:
    """Revoke the link; False when there is no such link (revoking twice keeps the first)."""
    link = await session.get(ProposalLink, token)
    if link is None:
        return False
    if link.revoked_at is None:
        link.revoked_at = now
        session.add(link)
        await session.flush()
    return True


async def revoke_proposal_links(session: AsyncSession, proposal_id: int, *, now: datetime) -> int:
    """Revoke every buyer link of the proposal's snapshots; how many were still open."""
    rows = await session.exec(
        select(ProposalLink)
        .join(ProposalSnapshot, col(ProposalSnapshot.id) == col(ProposalLink.snapshot_id))
        .where(col(ProposalSnapshot.proposal_id) == proposal_id, col(ProposalLink.revoked_at).is_(None),
               col(ProposalLink.recipient_name).is_not(None))  # the rep's previews have none
    )  # fmt: skip
    n = 0
    for link in rows.all():
        link.revoked_at = now
        session.add(link)
        n += 1
    await session.flush()
    return n


async def resolve_link(session: AsyncSession, token: str, now: datetime) -> Resolved | Refused:
    link = await session.get(ProposalLink, token) if token else None
    if link is None:
        return Refused("unknown")
    if link.revoked_at is not None:
        return Refused("revoked")
    if now >= link.expires_at:
        return Refused("expired")
    snap = await session.get(ProposalSnapshot, link.snapshot_id)
    if snap is None:
        return Refused("unknown")
    return Resolved(link=link, snapshot=snap)


async def session_seen(session: AsyncSession, token: str, session_id: str) -> bool:
    stmt = select(func.count()).where(
        col(ProposalView.link_token) == token, col(ProposalView.session_id) == session_id
    )
    return int((await session.exec(stmt)).one()) > 0


async def record_view(
    session: AsyncSession, token: str, session_id: str, section: str, seconds: int, now: datetime
) -> bool:
    """Record `seconds` on `section`; the session's first view also writes an `_open` row.
    True when this call opened the session (the moment to tell the rep)."""
    opened = not await session_seen(session, token, session_id)
    if opened:
        session.add(ProposalView(link_token=token, session_id=session_id, section=OPEN,
                                 seconds=0, started_at=now))  # fmt: skip
    if section != OPEN and seconds > 0:
        session.add(ProposalView(link_token=token, session_id=session_id, section=section,
                                 seconds=seconds, started_at=now))  # fmt: skip
    await session.flush()
    return opened


async def views_summary(session: AsyncSession, token: str) -> ViewsSummary:
    """Sessions that opened the link, seconds read per section, the first opening."""
    stmt = (
        select(
            ProposalView.section,
            func.sum(ProposalView.seconds),
            func.count(func.distinct(ProposalView.session_id)),
        )
        .where(col(ProposalView.link_token) == token)
        .group_by(col(ProposalView.section))
    )
    sessions, seconds = 0, {}
    for section, total, n in (await session.exec(stmt)).all():
        if section == OPEN:
            sessions = int(n)
        else:
            seconds[section] = int(total or 0)
    first = (
        await session.exec(
            select(ProposalView)
            .where(col(ProposalView.link_token) == token, col(ProposalView.section) == OPEN)
            .order_by(col(ProposalView.started_at))
            .limit(1)
        )
    ).first()
    return ViewsSummary(
        token=token,
        sessions=sessions,
        seconds_by_section=seconds,
        first_opened_at=first.started_at if first else None,
    )
