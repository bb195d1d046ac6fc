"""The campaign digest: compose (nothing is sent when there is nothing to report), then deliver."""

from __future__ import annotations

from flows.campaign_check.steps import compose_campaigns, deliver_campaigns
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.CAMPAIGN_CHECK, version=1, events=(EventType.CAMPAIGN_CHECK,))
async def campaign_check(wf: Workflow) -> None:
    composed = await wf.step(compose_campaigns, name="compose", on_failure=OnFailure.RETRY,
                             timeout_s=120)  # fmt: skip
    if composed.get("empty"):
        return
    await wf.step(deliver_campaigns, composed, name="deliver", on_failure=OnFailure.RETRY)
