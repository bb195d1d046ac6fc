"""Reminders from the commitment ledger."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from blocks.text import SECTION_TEXT_MAX, clip, escape


def reminder_blocks(*, owner: str, who: str, what: str, due: str) -> list[Block]:
    if owner == "rep":
        text = f":alarm_clock: *You promised {escape(who)}:* “{escape(what)}” — due {escape(due)}, now overdue."
    else:
        text = (
            f":hourglass: *{escape(who)} has not got back to you* on “{escape(what)}” (due {escape(due)}). "
            "A short nudge usually helps."
        )
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX))),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="You're seeing this because the commitment came from one of your calls."
                )
            ]
        ),
    ]
