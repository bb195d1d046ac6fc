"""The `instantly_reply` sequence: a campaign reply from Instantly, fetched, stored, triaged and
routed to the rep within the job (interested / needs a response / asks for pricing or a
proposal: a drafted answer to approve,
sent through Instantly once the undo window closes unless the rep cancels it;
a meeting request: `calendar_find_times`; not interested: write-back on approval; else a DM)."""

from __future__ import annotations

from flows.campaign_reply import respond, send
from flows.campaign_reply.fetch import fetch_reply
from flows.campaign_reply.triage import classify_reply
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow

VERSION = 2


@sequence(EventType.INSTANTLY_REPLY, version=VERSION, events=(EventType.INSTANTLY_REPLY,))
async def instantly_reply(wf: Workflow) -> None:
    r = await wf.step(fetch_reply, on_failure=OnFailure.RETRY, retries=5, timeout_s=60)
    c = await wf.step(classify_reply, r, timeout_s=60)
    match c["category"]:
        case "interested" | "needs_response" | "proposal_request":
            draft = await wf.step(respond.draft_response, c)
            held = await wf.step_if_approved(ApprovalKind.EMAIL_SEND, draft, send.hold_response, c)
            if held and held.get("send_id") and not held.get("stop"):  # the undo window
                await wf.step(send.wait_window, held, on_failure=OnFailure.RETRY, retries=5)
                await wf.step(send.send_response, c, held)
        case "meeting_request":
            wf.follow_up(respond.find_times(wf.job_id, wf.org_id, wf.user_id, c))
            await wf.step(respond.tell_reply, c)
        case "not_interested":
            await wf.step(respond.tell_reply, c)
            await wf.step_if_approved(
                ApprovalKind.GENERIC, respond.close_review(c), respond.mark_not_interested, c
            )
        case _:
            await wf.step(respond.tell_reply, c)
