"""The digest's flush cron: every 5 minutes, one `notification_digest` event per user with
batched notifications waiting and no digest job on its way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from flows.notification_batches import CRON_ID, SEQUENCE, SOURCE
from orchestrator.crons import CronSpec
from orchestrator.events import Event
from storage.notifications import users_with_batches


def cron_specs(deps: Any) -> list[CronSpec]:
    async def events(scheduled_for: datetime) -> list[Event]:
        async with deps.db.session() as s:
            waiting = await users_with_batches(s)
        at = scheduled_for.strftime("%Y%m%dT%H%M")
        return [
            Event(
                type=SEQUENCE,
                source=SOURCE,
                org_id=org_id,
                user_id=user_id,
                payload={},
                idempotency_key=f"{SEQUENCE}:{user_id}:{at}",
            )
            for org_id, user_id in waiting
        ]

    return [CronSpec(CRON_ID, CronTrigger(minute="*/5", timezone="UTC"), events)]
