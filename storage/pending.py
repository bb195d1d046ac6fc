"""Repository for approval gates as listeners see them (the orchestrator owns their resolution)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackPendingAction


async def owned_pending(
    session: AsyncSession, *, pending_id: str, user_id: int | None
) -> SlackPendingAction | None:
    """The gate if it is still pending and belongs to `user_id`, else None."""
    row = await session.get(SlackPendingAction, pending_id)
    if row is None or user_id is None or row.owner_user_id != user_id or row.status != "pending":
        return None
    return row


async def replace_payload(
    session: AsyncSession, *, row: SlackPendingAction, payload: dict[str, Any]
) -> bool:
    """Compare-and-set the shown payload of a pending gate; False when it changed meanwhile."""
    result = await session.exec(
        update(SlackPendingAction)
        .where(
            col(SlackPendingAction.id) == row.id,
            col(SlackPendingAction.status) == "pending",
            col(SlackPendingAction.version) == row.version,
        )
        .values(payload=payload, version=row.version + 1)
    )
    return bool(result.rowcount)
