"""Ephemeral answers to brief and pipeline buttons: one email, the inbox summary, a plain section,
and the batch review rewritten after a click (the deals left, with a note on what was done)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from blocks.pipeline import DealRow, batch_review_blocks
from blocks.text import SECTION_TEXT_MAX, clip

EMAIL_BODY_MAX = 2500
INBOX_DAYS = 3


class InboxItem(Protocol):
    @property
    def subject(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def from_addr(self) -> str: ...


def text_section(text: str) -> list[Block]:
    """One mrkdwn section, clipped to Slack's limit."""
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))]


def email_blocks(subject: str | None, from_addr: str, body: str | None) -> list[Block]:
    """One email: subject, sender and the start of its body."""
    return text_section(
        f"*{subject or '(no subject)'}*\nFrom {from_addr}\n\n{(body or '')[:EMAIL_BODY_MAX]}"
    )


def inbox_blocks(items: Iterable[InboxItem]) -> list[Block]:
    """The rep's inbound mail of the last days, one line each."""
    lines = [
        f"• {m.subject or '(no subject)'} — {m.from_addr} ({(m.category or 'unclassified').replace('_', ' ')})"
        for m in items
    ] or [f"Nothing new in the last {INBOX_DAYS} days."]
    return text_section(f"*Inbox, last {INBOX_DAYS} days*\n" + "\n".join(lines))


def review_after_click(rows: list[DealRow], note: str) -> list[dict[str, Any]]:
    """The batch review with the deals still listed and `note` under its header; just `note` when none are."""
    if not rows:
        return [b.to_dict() for b in [SectionBlock(text=MarkdownTextObject(text=note))]]
    blocks = batch_review_blocks(rows)
    blocks.insert(1, ContextBlock(elements=[MarkdownTextObject(text=note)]).to_dict())
    return blocks
