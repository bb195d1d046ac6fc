"""The pipeline scan: scan, then offer a review when any deal went stale."""

from __future__ import annotations

from flows.pipeline_scan.steps import offer_review, scan_for_user
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow


@sequence(EventType.PIPELINE_SCAN, version=2, events=(EventType.PIPELINE_SCAN,))
async def pipeline_scan(wf: Workflow) -> None:
    scanned = await wf.step(scan_for_user, name="scan", on_failure=OnFailure.RETRY, timeout_s=60)
    if not scanned.get("stale"):
        return
    await wf.step(offer_review, scanned, on_failure=OnFailure.RETRY)
