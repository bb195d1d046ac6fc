"""The `email_send` sequence (payload `{send_id}`), queued by `hand_off` after the rep approved.

`email_send_sequence(steps)` builds it over a `SendSteps` (tests pass one with their own mailbox
opener or kill points); `email_send` is the product's, over `DEFAULT_STEPS`.
"""

from __future__ import annotations

from flows.email_send.handoff import EVENT
from flows.email_send.steps import SendSteps
from orchestrator.sequence import ApprovalKind, OnFailure, SequenceDef, sequence
from orchestrator.workflow import Workflow

VERSION = 2
RECIPIENTS_EXPIRE_S = 3600.0


def email_send_sequence(steps: SendSteps) -> SequenceDef:
    """The `email_send` sequence running `steps`."""

    @sequence(EVENT, version=VERSION, events=(EVENT,))
    async def email_send(wf: Workflow) -> None:
        check = await wf.step(steps.check, name="check", on_failure=OnFailure.RETRY, retries=5)
        if check.get("stop"):  # not approved any more, no recipient left, or over the limit
            return
        confirmed: list[str] = []
        if check["new_recipients"]:  # Skip (or no answer within the hour): known ones only
            done = await wf.step_if_approved(
                ApprovalKind.EMAIL_RECIPIENTS, check, steps.confirm_recipients, check["new_recipients"],
                name="confirm_recipients", expires_after_s=RECIPIENTS_EXPIRE_S)  # fmt: skip
            confirmed = done["confirmed"] if done else []
        scheduled = await wf.step(steps.schedule, check, confirmed, name="schedule",
                                  on_failure=OnFailure.RETRY, retries=5)  # fmt: skip
        if scheduled.get("stop"):
            return
        await wf.step(steps.wait_window, name="wait_window", on_failure=OnFailure.RETRY, retries=5)
        sent = await wf.step(steps.send, name="send", on_failure=OnFailure.RETRY, retries=8,
                             timeout_s=60.0)  # fmt: skip
        if not sent.get("sent"):
            return
        await wf.step(steps.record, scheduled, name="record", on_failure=OnFailure.RETRY, retries=5)

    return email_send


DEFAULT_STEPS = SendSteps()
email_send = email_send_sequence(DEFAULT_STEPS)
