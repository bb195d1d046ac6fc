"""The notification digest: one step that posts the user's batched notifications as one DM."""

from __future__ import annotations

from flows.notification_batches import SEQUENCE
from flows.notification_batches.steps import post_digest
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(SEQUENCE, version=2, events=(SEQUENCE,))
async def notification_digest(wf: Workflow) -> None:
    await wf.step(post_digest, on_failure=OnFailure.RETRY)
