"""Modals opened from approval messages: edit a draft, say why a suggestion was wrong."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.ids import Callback
from blocks.text import PLAIN_TEXT_INPUT_MAX, clip

SUBJECT = "draft-subject"
BODY = "draft-body"
REASON = "feedback-reason"
BODY_MAX = PLAIN_TEXT_INPUT_MAX  # the body box holds as much as Slack allows
REASON_MAX = 2000  # our cap on a feedback reason (the box and what is stored)


def edit_draft_modal(
    pending_action_id: str, subject: str, body: str, *, undo_seconds: float | None
) -> View:
    """Edit a draft's subject and body; submitting approves the edited email, and says so.

    `undo_seconds` is the undo window when the rep's mailbox may send (the email goes out
    after it unless they cancel); None when they get the email to copy instead.
    """
    if undo_seconds is not None:
        submit = "Save and send"
        note = (
            f"*Save and send* approves this version: it leaves from your mailbox after a "
            f"{round(undo_seconds)}-second undo window, with *Cancel send* until then. "
            "The recipients stay as shown."
        )
    else:
        submit = "Save and approve"
        note = (
            "*Save and approve* approves this version: no mailbox may send for you yet, so you get "
            "it to copy into your mail client. The recipients stay as shown."
        )
    return View(
        type="modal",
        callback_id=Callback.EDIT_DRAFT,
        private_metadata=pending_action_id,
        title="Edit the draft",
        submit=submit,
        close="Cancel",
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=note)]),
            InputBlock(
                block_id=SUBJECT,
                label="Subject",
                element=PlainTextInputElement(
                    action_id=SUBJECT, initial_value=clip(subject, 250), max_length=250
                ),
            ),
            InputBlock(
                block_id=BODY,
                label="Message",
                element=PlainTextInputElement(
                    action_id=BODY,
                    multiline=True,
                    initial_value=clip(body, BODY_MAX),
                    max_length=BODY_MAX,
                ),
            ),
        ],
    )


def feedback_modal(pending_action_id: str) -> View:
    return View(
        type="modal",
        callback_id=Callback.FEEDBACK,
        private_metadata=pending_action_id,
        title="What was wrong?",
        submit="Send",
        close="Cancel",
        blocks=[
            SectionBlock(text="Tell me what I got wrong so I can do better next time."),
            InputBlock(
                block_id=REASON,
                label="What was wrong",
                element=PlainTextInputElement(
                    action_id=REASON, multiline=True, max_length=REASON_MAX
                ),
            ),
        ],
    )


def feedback_thanks_modal() -> View:
    """What the Feedback modal turns into once sent: the rep sees it was received."""
    return View(
        type="modal",
        callback_id=Callback.FEEDBACK,
        title="Thanks",
        close="Done",
        blocks=[
            SectionBlock(
                text=":white_check_mark: Got it, thank you. I've noted what was wrong "
                "and use it to do better next time."
            )
        ],
    )
