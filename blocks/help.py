"""The `/60 help` answer and usage help for bad input."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.ids import HelpAction
from blocks.text import SECTION_TEXT_MAX, clip, escape


@dataclass(frozen=True)
class CommandHelp:
    usage: str
    summary: str


def help_blocks(commands: list[CommandHelp], *, problem: str | None = None) -> list[Block]:
    """The command list; with `problem`, it opens by saying what was wrong with the input."""
    blocks: list[Block] = []
    if problem:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(f":warning: {escape(problem)}", SECTION_TEXT_MAX))
            )
        )
    blocks.append(HeaderBlock(text="Sixty: your sales copilot"))
    lines = "\n".join(f"`{escape(c.usage)}`  {escape(c.summary)}" for c in commands)
    blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(lines, SECTION_TEXT_MAX))))
    blocks.append(DividerBlock())
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    "After each meeting I draft your follow-up, update the CRM and list next "
                    "steps. Nothing is sent without your approval. Your settings live in my "
                    "*Home* tab."
                )
            )
        )
    )
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Open my settings", action_id=HelpAction.OPEN_SETTINGS, value="settings"
                ),
            ]
        )
    )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Type `/60 help` any time.")]))
    return blocks


def help_text(commands: list[CommandHelp]) -> str:
    return "Sixty commands: " + ", ".join(c.usage for c in commands)
