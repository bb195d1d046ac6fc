"""The `email_received` sequence: fetch new inbound mail, classify it, start the right work.

One job per message: a fetch that stores several messages handles the first and starts a job
for each further one; a poll of an Outlook inbox starts, for each new message, the job its
change notification would have made (same key, so push and poll make one job).
"""

from __future__ import annotations

from typing import Any

from flows.email_received import actions
from flows.email_received.classify import classify
from flows.email_received.fetch import fetch
from flows.email_received.reply import deliver_reply, draft_reply_step
from orchestrator.events import Event, EventSource, EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow

VERSION = 2


@sequence(EventType.EMAIL_RECEIVED, version=VERSION, events=(EventType.EMAIL_RECEIVED,))
async def email_received(wf: Workflow) -> None:
    fetched = await wf.step(fetch, on_failure=OnFailure.RETRY, retries=5, timeout_s=60)
    for event in message_jobs(wf, fetched):
        wf.follow_up(event)
    if not fetched.get("message"):
        return
    c = await wf.step(classify, fetched["message"], timeout_s=60)
    match c["category"]:
        case "meeting_request":
            wf.follow_up(find_times(wf, c))
            await wf.step(actions.schedule, c, on_failure=OnFailure.RETRY)
        case "proposal_request":
            asked = await wf.step(actions.proposal, c, on_failure=OnFailure.RETRY)
            wf.follow_up(proposal_job(wf, c))
            if asked.get("content"):  # documents named beside the proposal (a DPA, the SOC 2)
                wf.follow_up(content_job(wf, c))
        case "needs_response" | "interested":
            draft = await wf.step(draft_reply_step, c, name="draft_reply")
            await wf.step_if_approved(ApprovalKind.EMAIL_SEND, draft, deliver_reply, c)
        case "referral":
            review = await wf.step(actions.referral_review, c)
            await wf.step_if_approved(ApprovalKind.CONTACT_ADD, review, actions.add_referral)
        case "not_interested":
            review = await wf.step(actions.close_review, c)
            if review.get("deal_id"):
                await wf.step_if_approved(ApprovalKind.DEAL_CLOSE, review, actions.apply_close, c)
        case "unsubscribe":
            await wf.step(actions.unsubscribe, c, on_failure=OnFailure.RETRY)
        case "out_of_office":
            await wf.step(actions.out_of_office, c, on_failure=OnFailure.RETRY)
        case _:  # fyi: the activity `classify` logged is all
            pass


def message_jobs(wf: Workflow, fetched: dict[str, Any]) -> list[Event]:
    """One `email_received` job per further stored message and per message a poll found."""
    provider = str(wf.payload.get("provider") or "")
    events = [
        Event(type=EventType.EMAIL_RECEIVED, source=EventSource.ORCHESTRATOR_CHAIN, org_id=wf.org_id,
              user_id=wf.user_id, payload={"provider": provider, "stored": meta},
              idempotency_key=f"email_received:message:{meta['message_id']}", parent_job_id=wf.job_id)
        for meta in fetched.get("others") or []
    ]  # fmt: skip
    conn = wf.payload.get("connection_id")
    events += [
        Event(type=EventType.EMAIL_RECEIVED, source=EventSource.ORCHESTRATOR_CHAIN, org_id=wf.org_id,
              user_id=wf.user_id, parent_job_id=wf.job_id,
              payload={"provider": "microsoft", "connection_id": conn, "message_id": mid},
              idempotency_key=f"email_received:microsoft:{conn}:{mid}")
        for mid in fetched.get("polled") or []
    ]  # fmt: skip
    return events


def proposal_job(wf: Workflow, c: dict[str, Any]) -> Event:
    """The `proposal_generation` job a proposal request starts (drafted from the deal's last call
    when there is one, else from the email)."""
    return Event(
        type=EventType.PROPOSAL_GENERATION, source=EventSource.ORCHESTRATOR_CHAIN, org_id=wf.org_id,
        user_id=wf.user_id, parent_job_id=wf.job_id,
        payload={"origin": "email", "message_id": c.get("message_id"), "thread_id": c.get("thread_id"),
                 "deal_id": c.get("deal_id"), "contact_id": c.get("contact_id"),
                 "sender_name": c.get("sender_name")},
        idempotency_key=f"{EventType.PROPOSAL_GENERATION}:email:{c['message_id']}",
    )  # fmt: skip


def content_job(wf: Workflow, c: dict[str, Any]) -> Event:
    return Event(
        type=EventType.CONTENT_RETRIEVAL, source=EventSource.ORCHESTRATOR_CHAIN, org_id=wf.org_id,
        user_id=wf.user_id, parent_job_id=wf.job_id,
        payload={"message_id": c.get("message_id"), "deal_id": c.get("deal_id"),
                 "contact_id": c.get("contact_id")},
        idempotency_key=f"{EventType.CONTENT_RETRIEVAL}:email:{c['message_id']}",
    )  # fmt: skip


def find_times(wf: Workflow, c: dict[str, Any]) -> Event:
    """The `calendar_find_times` job a meeting request starts, with the times it proposed."""
    details = c.get("details") or {}
    return Event(
        type=EventType.CALENDAR_FIND_TIMES, source=EventSource.ORCHESTRATOR_CHAIN, org_id=wf.org_id,
        user_id=wf.user_id, parent_job_id=wf.job_id,
        payload={"contact_id": c.get("contact_id"), "deal_id": c.get("deal_id"),
                 "thread_id": c.get("thread_id"), "email_message_id": c.get("message_id"),
                 "source": "email", "proposed_times": list(details.get("proposed_times") or [])[:5],
                 "duration_minutes": details.get("duration_minutes"), "timezone": details.get("timezone")},
        idempotency_key=f"{EventType.CALENDAR_FIND_TIMES}:email:{c['message_id']}",
    )  # fmt: skip
