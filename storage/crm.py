"""Repository for CRM writes Sixty makes: activities, tasks, commitments, deal fields and flags.

Every field change is recorded in `crm_field_changes` with its provenance, so it can be shown,
approved when it was only proposed, and rolled back. Functions take an AsyncSession and never
commit: the flow step that opened the session owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Activity, Commitment, Contact, CrmFieldChange, Deal, DealContact, Task
from storage.types import utcnow


async def add_activity(
    session: AsyncSession,
    *,
    org_id: int,
    kind: str,
    summary: str,
    deal_id: int | None = None,
    contact_id: int | None = None,
    user_id: int | None = None,
    occurred_at: datetime | None = None,
    source: str = "sixty",
    provenance: dict[str, Any] | None = None,
) -> Activity:
    row = Activity(
        org_id=org_id,
        deal_id=deal_id,
        contact_id=contact_id,
        user_id=user_id,
        kind=kind,
        summary=summary,
        occurred_at=occurred_at or utcnow(),
        source=source,
        provenance=provenance or {},
    )
    session.add(row)
    await session.flush()
    return row


async def add_contact(
    session: AsyncSession,
    *,
    org_id: int,
    name: str,
    email: str | None,
    company_id: int | None = None,
    deal_id: int | None = None,
    role: str | None = None,
) -> Contact:
    """A new contact (on the deal with `role` when `deal_id` is given)."""
    row = Contact(org_id=org_id, company_id=company_id, name=name, email=email)
    session.add(row)
    await session.flush()
    assert row.id is not None
    if deal_id:
        session.add(DealContact(deal_id=deal_id, contact_id=row.id, role=role))
        await session.flush()
    return row


async def add_task(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int | None,
    title: str,
    due_at: datetime | None,
    owner_kind: str | None,
    deal_id: int | None = None,
    contact_id: int | None = None,
    meeting_id: int | None = None,
    source: str = "meeting",
    provenance: dict[str, Any] | None = None,
) -> Task:
    row = Task(
        org_id=org_id,
        user_id=user_id,
        title=title,
        due_at=due_at,
        owner_kind=owner_kind,
        deal_id=deal_id,
        contact_id=contact_id,
        meeting_id=meeting_id,
        source=source,
        provenance=provenance or {},
    )
    session.add(row)
    await session.flush()
    return row


async def add_commitment(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    owner: str,
    kind: str,
    description: str,
    due_at: datetime | None,
    counterparty: str | None = None,
    deal_id: int | None = None,
    contact_id: int | None = None,
    meeting_id: int | None = None,
) -> Commitment:
    row = Commitment(
        org_id=org_id,
        user_id=user_id,
        owner=owner,
        kind=kind,
        description=description,
        due_at=due_at,
        counterparty=counterparty,
        deal_id=deal_id,
        contact_id=contact_id,
        meeting_id=meeting_id,
    )
    session.add(row)
    await session.flush()
    return row


async def open_commitments(session: AsyncSession, *, user_id: int) -> list[Commitment]:
    rows = await session.exec(
        select(Commitment)
        .where(Commitment.user_id == user_id, col(Commitment.status).in_(("open", "overdue")))
        .order_by(col(Commitment.due_at).asc().nulls_last())
    )
    return list(rows.all())


async def close_commitments(
    session: AsyncSession,
    *,
    user_id: int,
    kinds: set[str],
    closed_by: str,
    deal_id: int | None = None,
    contact_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Close the rep's open or overdue commitments of `kinds` (of that deal / contact when given)."""
    query = select(Commitment).where(
        Commitment.user_id == user_id,
        col(Commitment.kind).in_(kinds),
        col(Commitment.status).in_(("open", "overdue")),
    )
    if deal_id is not None:
        query = query.where(Commitment.deal_id == deal_id)
    if contact_id is not None:
        query = query.where(Commitment.contact_id == contact_id)
    rows = list((await session.exec(query)).all())
    for row in rows:
        row.status, row.closed_by, row.closed_at = "done", closed_by, now or utcnow()
        session.add(row)
    await session.flush()
    return len(rows)


def _set_field(deal: Deal, name: str, value: Any, now: datetime) -> Any:
    old: Any
    if name == "stage":
        old = deal.stage
        deal.stage = str(value)
        deal.stage_changed_at = now
    else:
        props = dict(deal.properties or {})
        old = props.get(name)
        props[name] = value
        deal.properties = props
    edits = dict(deal.field_edits or {})
    edits[name] = {"by": "sixty", "at": now.isoformat()}
    deal.field_edits = edits
    deal.updated_at = now
    return old


async def record_field_change(
    session: AsyncSession,
    *,
    deal: Deal,
    name: str,
    new: Any,
    provenance: dict[str, Any],
    apply: bool,
    job_id: int | None = None,
    now: datetime | None = None,
) -> CrmFieldChange:
    """Apply a change now, or record it as proposed (applied later by `apply_proposed`)."""
    now = now or utcnow()
    assert deal.id is not None
    old = deal.stage if name == "stage" else (deal.properties or {}).get(name)
    if apply:
        _set_field(deal, name, new, now)
        session.add(deal)
    row = CrmFieldChange(
        org_id=deal.org_id,
        deal_id=deal.id,
        field=name,
        old_value=old,
        new_value=new,
        status="applied" if apply else "proposed",
        provenance=provenance,
        job_id=job_id,
    )
    session.add(row)
    await session.flush()
    return row


async def stage_history(session: AsyncSession, *, deal_id: int) -> list[dict[str, Any]]:
    """Every stage change recorded on the deal, oldest first: {meeting_id, quote, new, status}."""
    rows = (
        await session.exec(
            select(CrmFieldChange)
            .where(CrmFieldChange.deal_id == deal_id, CrmFieldChange.field == "stage")
            .order_by(col(CrmFieldChange.id))
        )
    ).all()
    return [
        {
            "meeting_id": (r.provenance or {}).get("meeting_id"),
            "quote": str((r.provenance or {}).get("quote") or ""),
            "new": str(r.new_value),
            "status": r.status,
        }
        for r in rows
    ]


async def lock_deal(session: AsyncSession, *, deal_id: int) -> Deal | None:
    """The deal, locked for the rest of the transaction (one writer's plan at a time per deal)."""
    return await session.get(Deal, deal_id, with_for_update=True)


async def field_changes(session: AsyncSession, *, change_ids: list[int]) -> list[CrmFieldChange]:
    """The recorded changes with these ids, in the order asked (missing ones left out)."""
    rows = [await session.get(CrmFieldChange, cid) for cid in change_ids]
    return [r for r in rows if r is not None]


async def apply_proposed(
    session: AsyncSession, *, change_ids: list[int], now: datetime | None = None
) -> int:
    now = now or utcnow()
    applied = 0
    for cid in change_ids:
        change = await session.get(CrmFieldChange, cid)
        if change is None or change.status != "proposed":
            continue
        deal = await session.get(Deal, change.deal_id)
        if deal is None:
            continue
        change.old_value = _set_field(deal, change.field, change.new_value, now)
        change.status = "applied"
        session.add_all([deal, change])
        applied += 1
    await session.flush()
    return applied


async def reject_proposed(session: AsyncSession, *, change_ids: list[int]) -> None:
    for cid in change_ids:
        change = await session.get(CrmFieldChange, cid)
        if change is not None and change.status == "proposed":
            change.status = "rejected"
            session.add(change)
    await session.flush()


async def roll_back(session: AsyncSession, *, change_id: int, now: datetime | None = None) -> bool:
    """Undo an applied change (restores the old value); False when there is nothing to undo."""
    change = await session.get(CrmFieldChange, change_id)
    if change is None or change.status != "applied":
        return False
    deal = await session.get(Deal, change.deal_id)
    if deal is None:
        return False
    _set_field(deal, change.field, change.old_value, now or utcnow())
    change.status = "rolled_back"
    session.add_all([deal, change])
    await session.flush()
    return True


async def applied_changes(session: AsyncSession, *, job_id: int) -> list[CrmFieldChange]:
    """The changes a job applied and that still stand, newest first (the order to undo them)."""
    return list(
        (
            await session.exec(
                select(CrmFieldChange)
                .where(CrmFieldChange.job_id == job_id, CrmFieldChange.status == "applied")
                .order_by(col(CrmFieldChange.id).desc())
            )
        ).all()
    )


async def add_flags(session: AsyncSession, *, deal: Deal, flags: list[str]) -> list[str]:
    current = list(deal.flags or [])
    added = [f for f in flags if f not in current]
    if added:
        deal.flags = current + added
        session.add(deal)
        await session.flush()
    return added


async def flag_overdue(session: AsyncSession, *, now: datetime) -> list[Commitment]:
    """Mark open commitments past their due time as overdue; returns the ones newly flagged."""
    rows = list(
        (
            await session.exec(
                select(Commitment).where(
                    Commitment.status == "open",
                    col(Commitment.due_at).is_not(None),
                    col(Commitment.due_at) < now,
                )
            )
        ).all()
    )
    for row in rows:
        row.status = "overdue"
        session.add(row)
    await session.flush()
    return rows
