"""The pre-meeting brief: compose (skipped for a moved or cancelled meeting), then deliver."""

from __future__ import annotations

from flows.pre_meeting_brief.steps import compose_pre_meeting, deliver_pre_meeting
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.PRE_MEETING_90MIN, version=2, events=(EventType.PRE_MEETING_90MIN,))
async def pre_meeting_brief(wf: Workflow) -> None:
    composed = await wf.step(compose_pre_meeting, name="compose", on_failure=OnFailure.RETRY,
                             timeout_s=60)  # fmt: skip
    if composed.get("skip"):
        return
    await wf.step(deliver_pre_meeting, composed, name="deliver", on_failure=OnFailure.RETRY)
