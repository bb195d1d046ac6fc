"""Reads of an org's contacts for Slack commands and the sandbox panel: contacts with their
company, the open deals a contact is on, and a rep's latest deal with a reachable contact.

Functions take an AsyncSession (the caller owns it) and only read.
"""

from __future__ import annotations

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Company, Contact, Deal, DealContact

CLOSED_STAGES = ("closed_won", "closed_lost")


async def contacts_with_companies(
    session: AsyncSession, *, org_id: int
) -> list[tuple[Contact, Company | None]]:
    """Every contact of the org with its company (None when it has none)."""
    rows = (
        await session.exec(
            select(Contact, Company)
            .join(Company, col(Company.id) == col(Contact.company_id), isouter=True)
            .where(Contact.org_id == org_id)
        )
    ).all()
    return [(c, co) for c, co in rows]


async def open_deals_of_contact(
    session: AsyncSession, *, org_id: int, contact_id: int
) -> list[Deal]:
    """Open deals whose primary contact is `contact_id` or that link it, most recently updated first."""
    linked = select(DealContact.deal_id).where(DealContact.contact_id == contact_id)
    q = (
        select(Deal)
        .where(Deal.org_id == org_id, col(Deal.stage).not_in(CLOSED_STAGES),
               or_(Deal.primary_contact_id == contact_id, col(Deal.id).in_(linked)))
        .order_by(col(Deal.updated_at).desc())
    )  # fmt: skip
    return list((await session.exec(q)).all())


async def latest_deal_with_email(
    session: AsyncSession, *, owner_id: int
) -> tuple[Deal, Contact] | None:
    """The owner's most recently updated deal whose primary contact has an email address."""
    found = (
        await session.exec(
            select(Deal, Contact)
            .join(Contact, col(Contact.id) == col(Deal.primary_contact_id))
            .where(Deal.owner_id == owner_id, col(Contact.email).is_not(None))
            .order_by(col(Deal.updated_at).desc())
        )
    ).first()
    return (found[0], found[1]) if found else None
