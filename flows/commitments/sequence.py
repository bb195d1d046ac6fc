"""The `commitment_reminder` sequence (v2: code-first): one reminder for one overdue commitment."""

from __future__ import annotations

from flows.commitments.steps import remind
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow

SEQUENCE = EventType.COMMITMENT_REMINDER


@sequence(SEQUENCE, version=2, events=(SEQUENCE,))
async def commitment_reminder(wf: Workflow) -> None:
    await wf.step(remind, on_failure=OnFailure.RETRY)
