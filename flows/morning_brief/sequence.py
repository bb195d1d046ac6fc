"""The morning brief: compose (nothing is sent when the brief would be empty), then deliver."""

from __future__ import annotations

from flows.morning_brief.steps import compose_morning, deliver_morning
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.MORNING_BRIEF, version=2, events=(EventType.MORNING_BRIEF,))
async def morning_brief(wf: Workflow) -> None:
    composed = await wf.step(compose_morning, name="compose", on_failure=OnFailure.RETRY,
                             timeout_s=60)  # fmt: skip
    if composed.get("empty"):
        return
    await wf.step(deliver_morning, composed, name="deliver", on_failure=OnFailure.RETRY)
