"""The `commitments:overdue` cron: flag overdue commitments, one reminder event each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from flows.commitments.sequence import SEQUENCE
from orchestrator.crons import CronSpec
from orchestrator.events import Event
from storage import crm


def cron_specs(deps: Any) -> list[CronSpec]:
    async def events(scheduled_for: datetime) -> list[Event]:
        async with deps.db.transaction() as s:
            newly = await crm.flag_overdue(s, now=scheduled_for)
        return [
            Event(
                type=SEQUENCE,
                source="cron:commitments",
                org_id=c.org_id,
                user_id=c.user_id,
                payload={"commitment_id": c.id},
                idempotency_key=f"{SEQUENCE}:{c.id}",
            )
            for c in newly
        ]

    return [CronSpec("commitments:overdue", CronTrigger(minute="*/15", timezone="UTC"), events)]
