"""The `calendar_changed` sequence (a push notification, or the sync cron): renew the Google push
channel when the payload asks (`renew`), then sync the calendar."""

from __future__ import annotations

from flows.calendar_sync.steps import renew_channel, sync
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence("calendar_changed", version=2, events=(EventType.CALENDAR_CHANGED,))
async def calendar_changed(wf: Workflow) -> None:
    if wf.payload.get("renew"):
        await wf.step(renew_channel, name="channel", on_failure=OnFailure.CONTINUE)
    await wf.step(sync, name="sync", on_failure=OnFailure.RETRY, retries=3, timeout_s=120)
