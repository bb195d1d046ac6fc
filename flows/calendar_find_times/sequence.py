"""The `calendar_find_times` sequence: one of three modes, chosen by the payload's `action`.

- offer (default): search, then post or update the time picker.
- invite (the picker's "Send invite"): re-check the slot; taken -> the picker shows the next
  best and the job ends; free -> the rep approves the invite (`calendar_invite`), then it is
  booked.
- email (the picker's "Send times"): draft the email with the times; the rep approves it
  (`email_send`), then the email-send flow sends it.
"""

from __future__ import annotations

import enum
from typing import Any

from flows.calendar_find_times.steps import (
    check_slot,
    create_invite,
    draft_times_email,
    find_times,
    offer_times,
    send_times_email,
)
from orchestrator.events import EventType
from orchestrator.sequence import ApprovalKind, OnFailure, sequence
from orchestrator.workflow import Workflow


class Mode(enum.StrEnum):
    OFFER = "offer"
    INVITE = "invite"
    EMAIL = "email"


def mode_of(payload: dict[str, Any]) -> Mode:
    """The payload's `action`; anything else (or none) offers times."""
    try:
        return Mode(str(payload.get("action") or Mode.OFFER))
    except ValueError:
        return Mode.OFFER


@sequence(EventType.CALENDAR_FIND_TIMES, version=2, events=(EventType.CALENDAR_FIND_TIMES,))
async def calendar_find_times(wf: Workflow) -> None:
    match mode_of(wf.payload):
        case Mode.INVITE:
            await send_invite(wf)
        case Mode.EMAIL:
            await email_times(wf)
        case Mode.OFFER:
            await offer(wf)


async def offer(wf: Workflow) -> None:
    found = await wf.step(
        find_times, context=2, on_failure=OnFailure.RETRY, retries=2, timeout_s=30
    )
    await wf.step(offer_times, found, on_failure=OnFailure.RETRY)


async def send_invite(wf: Workflow) -> None:
    checked = await wf.step(check_slot, on_failure=OnFailure.RETRY, retries=2)
    if checked.get("taken"):
        return  # check_slot showed the next best times instead
    await wf.step_if_approved(ApprovalKind.CALENDAR_INVITE, checked, create_invite, checked,
                              on_failure=OnFailure.RETRY, retries=3, timeout_s=60)  # fmt: skip


async def email_times(wf: Workflow) -> None:
    draft = await wf.step(draft_times_email)
    await wf.step_if_approved(ApprovalKind.EMAIL_SEND, draft, send_times_email)
