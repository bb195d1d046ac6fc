"""The manager's team digest: compose (nothing is sent without analysed calls or with coaching
off), then deliver."""

from __future__ import annotations

from flows.coaching_team.steps import compose_team, deliver_team
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.COACHING_TEAM_DIGEST, version=1, events=(EventType.COACHING_TEAM_DIGEST,))
async def coaching_team_digest(wf: Workflow) -> None:
    composed = await wf.step(compose_team, name="compose", on_failure=OnFailure.RETRY,
                             timeout_s=120)  # fmt: skip
    if composed.get("empty"):
        return
    await wf.step(deliver_team, composed, name="deliver", on_failure=OnFailure.RETRY)
