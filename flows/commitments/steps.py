"""The reminder step: DM the rep about one overdue commitment (unless it was kept meanwhile)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from blocks.commitments import reminder_blocks
from orchestrator.context import StepContext
from storage.models import Commitment, Contact, User


async def remind(ctx: StepContext) -> dict[str, Any]:
    async with ctx.db.session() as s:
        c = await s.get(Commitment, int(ctx.payload["commitment_id"]))
        if c is None or c.status != "overdue":
            return {"sent": False, "reason": "no longer overdue"}
        user = await s.get(User, c.user_id)
        contact = await s.get(Contact, c.contact_id) if c.contact_id else None
    tz = ZoneInfo(user.timezone if user else "UTC")
    due = c.due_at.astimezone(tz).strftime("%a %-d %b") if c.due_at else "—"
    who = contact.name if contact else (c.counterparty or "the prospect")
    posted = await ctx.notify(
        "commitment_overdue",
        f"Overdue: {c.description}",
        reminder_blocks(owner=c.owner, who=who, what=c.description, due=due),
        key="reminder",
    )
    return {"sent": True, "ts": posted.ts}
