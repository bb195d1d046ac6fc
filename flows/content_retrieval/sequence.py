"""The `content_retrieval` sequence: find the documents asked for; the email with their links
waits for the rep's approval and goes through the send flow."""

from __future__ import annotations

from flows.content_retrieval.steps import find, send
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.CONTENT_RETRIEVAL, version=1, events=(EventType.CONTENT_RETRIEVAL,))
async def content_retrieval(wf: Workflow) -> None:
    found = await wf.step(find, on_failure=OnFailure.RETRY, timeout_s=60)
    if found.get("email"):
        await wf.step_if_approved(ApprovalKind.EMAIL_SEND, found["email"], send, found)
