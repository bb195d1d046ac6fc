"""Where the reply draft for an inbound email stands: its approval gate's status, if any."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackPendingAction


async def reply_draft_status(session: AsyncSession, *, user_id: int, message_id: int) -> str | None:
    """The status (pending, approved, edited, skipped, cancelled, expired) of the newest reply
    draft gate for inbound email `message_id` owned by `user_id`; None when none was drafted."""
    rows = (
        await session.exec(
            select(SlackPendingAction)
            .where(
                SlackPendingAction.owner_user_id == user_id, SlackPendingAction.kind == "email_send"
            )
            .order_by(col(SlackPendingAction.created_at).desc())
            .limit(500)
        )
    ).all()
    return next(
        (r.status for r in rows if (r.payload or {}).get("email_message_id") == message_id), None
    )
