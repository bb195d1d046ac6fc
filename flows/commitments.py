"""Commitment ledger upkeep: flag overdue promises and remind the rep, whoever made them.

The cron `commitments:overdue` (every 15 minutes, aligned on the clock so every process agrees
on fire times) marks open commitments past due as overdue and submits one
`commitment_reminder` event per newly overdue commitment; that sequence DMs the rep (quiet
hours, pause and rate limits apply through `ctx.notify`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from blocks.commitments import reminder_blocks
from orchestrator.context import StepContext
from orchestrator.crons import CronSpec
from orchestrator.events import Event
from orchestrator.sequence import Sequence, SequenceRegistry, Step
from storage import crm
from storage.models import Commitment, Contact, User

SEQUENCE = "commitment_reminder"


def cron_specs(deps: Any) -> list[CronSpec]:
    async def events(scheduled_for: datetime) -> list[Event]:
        async with deps.db.transaction() as s:
            newly = await crm.flag_overdue(s, now=scheduled_for)
        return [Event(type=SEQUENCE, source="cron:commitments", org_id=c.org_id, user_id=c.user_id,
                      payload={"commitment_id": c.id}, idempotency_key=f"{SEQUENCE}:{c.id}") for c in newly]

    return [CronSpec("commitments:overdue", CronTrigger(minute="*/15", timezone="UTC"), events)]


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
    posted = await ctx.notify("commitment_overdue", f"Overdue: {c.description}",
                              reminder_blocks(owner=c.owner, who=who, what=c.description, due=due), key="reminder")
    return {"sent": True, "ts": posted.ts}


def register(registry: SequenceRegistry) -> None:
    registry.skills.register("commitments.remind", remind)
    registry.add(Sequence(type=SEQUENCE, version=1, event_types=(SEQUENCE,),
                          steps=(Step("remind", "commitments.remind", on_failure="retry"),)))
