"""Who may act on what: the ownership queries behind every id a Slack payload carries.

Deals open to their owner and to the owner's manager, never across orgs. A contact opens to whoever
may act on one of its deals, and to the rep whose own mail thread, calendar event or meeting it is
on. Everything personal (approval gates, jobs, sends, calendar events, mail, notifications) opens to
its own user only; a call's coaching analysis to its rep and the rep's manager. An unknown id answers like someone else's, so a refusal says nothing about what
exists elsewhere. Repository rules: keyword arguments, the caller owns the session.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from typing import Any

from sqlalchemy import union
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.coaching_models import CoachingAnalysis
from storage.instantly_models import CampaignSuggestion
from storage.models import (
    CalendarEvent,
    Contact,
    Deal,
    DealContact,
    EmailMessage,
    EmailSend,
    EmailThread,
    Meeting,
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
    User,
)
from storage.proposal_models import Proposal


class Ref(enum.StrEnum):
    """What an id in a button value or modal metadata points at."""

    DEAL = "deal"
    CONTACT = "contact"
    PENDING = "pending"
    JOB = "job"
    SEND = "send"
    EVENT = "event"
    MESSAGE = "message"
    NOTIFICATION = "notification"
    PROPOSAL = "proposal"
    CAMPAIGN_SUGGESTION = "campaign_suggestion"
    COACHING_ANALYSIS = "coaching_analysis"


# Personal rows: (model, id column, owner column); only their own user may act on them.
_PERSONAL: dict[Ref, tuple[Any, Any, Any]] = {
    Ref.PENDING: (SlackPendingAction, SlackPendingAction.id, SlackPendingAction.owner_user_id),
    Ref.JOB: (SequenceJob, SequenceJob.id, SequenceJob.user_id),
    Ref.SEND: (EmailSend, EmailSend.id, EmailSend.user_id),
    Ref.EVENT: (CalendarEvent, CalendarEvent.id, CalendarEvent.user_id),
    Ref.NOTIFICATION: (
        SlackNotificationSent,
        SlackNotificationSent.id,
        SlackNotificationSent.user_id,
    ),
    Ref.PROPOSAL: (Proposal, Proposal.id, Proposal.user_id),
    Ref.CAMPAIGN_SUGGESTION: (
        CampaignSuggestion,
        CampaignSuggestion.id,
        CampaignSuggestion.user_id,
    ),
}


async def acting_for(session: AsyncSession, *, actor: User) -> list[int]:
    """The users `actor` may act for: themselves and the reps they manage (same org)."""
    managed = (
        await session.exec(
            select(User.id).where(User.org_id == actor.org_id, User.manager_id == actor.id)
        )
    ).all()
    return [actor.id or 0, *(u for u in managed if u is not None)]


async def allowed(
    session: AsyncSession, *, actor: User, ref: Ref, ids: Collection[Any]
) -> set[Any]:
    """The subset of `ids` (of kind `ref`) that `actor` may act on."""
    wanted = set(ids)
    if not wanted:
        return set()
    if ref is Ref.DEAL:
        return await _deals(session, actor=actor, ids=wanted)
    if ref is Ref.CONTACT:
        return await _contacts(session, actor=actor, ids=wanted)
    if ref is Ref.MESSAGE:
        rows = await session.exec(
            select(EmailMessage.id)
            .join(EmailThread, col(EmailThread.id) == col(EmailMessage.thread_id))
            .where(col(EmailMessage.id).in_(wanted), EmailThread.user_id == actor.id,
                   EmailThread.org_id == actor.org_id)
        )  # fmt: skip
        return set(rows.all())
    if ref is Ref.COACHING_ANALYSIS:  # the rep's own calls, and their manager's
        people = await acting_for(session, actor=actor)
        rows = await session.exec(
            select(CoachingAnalysis.id).where(col(CoachingAnalysis.id).in_(wanted),
                                              CoachingAnalysis.org_id == actor.org_id,
                                              col(CoachingAnalysis.user_id).in_(people))
        )  # fmt: skip
        return set(rows.all())
    _model, id_col, owner_col = _PERSONAL[ref]
    rows = await session.exec(select(id_col).where(col(id_col).in_(wanted), owner_col == actor.id))
    return set(rows.all())


async def message_context(
    session: AsyncSession, *, actor: User, message_ids: Collection[int]
) -> tuple[set[int], set[int]]:
    """(contact ids, deal ids) of the actor's own mail threads holding `message_ids`.

    An email the rep received may be matched to a deal someone else owns; the buttons on it carry
    that deal as the email's context, which the rep may use for this email.
    """
    if not message_ids:
        return set(), set()
    rows = (
        await session.exec(
            select(EmailThread.contact_id, EmailThread.deal_id)
            .join(EmailMessage, col(EmailMessage.thread_id) == col(EmailThread.id))
            .where(col(EmailMessage.id).in_(set(message_ids)), EmailThread.user_id == actor.id)
        )
    ).all()
    return {c for c, _ in rows if c is not None}, {d for _, d in rows if d is not None}


async def _deals(session: AsyncSession, *, actor: User, ids: set[Any]) -> set[Any]:
    people = await acting_for(session, actor=actor)
    rows = await session.exec(
        select(Deal.id).where(col(Deal.id).in_(ids), Deal.org_id == actor.org_id,
                              col(Deal.owner_id).in_(people))
    )  # fmt: skip
    return set(rows.all())


async def _contacts(session: AsyncSession, *, actor: User, ids: set[Any]) -> set[Any]:
    people = await acting_for(session, actor=actor)
    mine = (col(Deal.org_id) == actor.org_id) & col(Deal.owner_id).in_(people)
    linked = union(
        select(Deal.primary_contact_id).where(mine, col(Deal.primary_contact_id).in_(ids)),
        select(DealContact.contact_id)
        .join(Deal, col(Deal.id) == col(DealContact.deal_id))
        .where(mine, col(DealContact.contact_id).in_(ids)),
        select(EmailThread.contact_id).where(col(EmailThread.user_id).in_(people),
                                             col(EmailThread.contact_id).in_(ids)),
        select(CalendarEvent.contact_id).where(col(CalendarEvent.user_id).in_(people),
                                               col(CalendarEvent.contact_id).in_(ids)),
        select(Meeting.contact_id).where(col(Meeting.user_id).in_(people),
                                         col(Meeting.contact_id).in_(ids)),
    ).subquery()  # fmt: skip
    rows = await session.exec(
        select(Contact.id).where(Contact.org_id == actor.org_id,
                                 col(Contact.id).in_(select(linked.c[0])))
    )  # fmt: skip
    return set(rows.all())
