"""The digest of notifications batched over the hourly cap: "While you were busy: 5 updates".

`digest_message(items, total)` lists each item's one-line summary (escaped, clipped) under a
label for its kind; an item whose original message had buttons gets an Open button
(`NotificationBatchAction.OPEN`, value = the notification id) that shows the original. At most
`MAX_ITEMS` items per message (Slack allows 50 blocks); the rest are counted ("and 7 more")
and come in the next digest. Pure builders, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.ids import NotificationBatchAction
from blocks.text import HEADER_MAX, SECTION_TEXT_MAX, clip, escape, more_line

MAX_ITEMS = 20  # header + why + 20 items + "more" line: well under 50 blocks
SUMMARY_MAX = 300

KIND_LABELS = {
    "morning_brief": "Morning brief",
    "pre_meeting": "Meeting prep",
    "pipeline": "Pipeline",
    "post_meeting_summary": "Meeting recap",
    "meeting_not_recorded": "Meeting",
    "commitment_overdue": "Reminder",
    "email_received": "Email",
}


@dataclass(frozen=True)
class DigestItem:
    """One batched notification: its row id, kind, one-line summary, and whether it had
    buttons (then the digest offers to open it)."""

    id: int
    kind: str
    summary: str
    openable: bool = False


def has_buttons(blocks: list[dict[str, Any]] | None) -> bool:
    """Whether a message's blocks hold any interactive element (actions or an accessory)."""
    for b in blocks or []:
        if b.get("type") == "actions" and b.get("elements"):
            return True
        acc = b.get("accessory")
        if isinstance(acc, dict) and acc.get("type") in ("button", "overflow", "static_select"):
            return True
    return False


def label(kind: str) -> str:
    return KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


def fallback(total: int) -> str:
    return f"While you were busy: {total} update{'s' if total != 1 else ''}"


def digest_message(items: list[DigestItem], total: int | None = None) -> list[Block]:
    """The digest blocks for `items` (shown up to `MAX_ITEMS`) out of `total` waiting."""
    total = max(total or 0, len(items))
    shown = items[:MAX_ITEMS]
    blocks: list[Block] = [
        HeaderBlock(text=clip(fallback(total), HEADER_MAX)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        "You reached your hourly message limit, so I held these back. "
                        "Change the limit in my Home tab."
                    )
                )
            ]
        ),
    ]
    for item in shown:
        text = clip(f"*{escape(label(item.kind))}* · {escape(item.summary)}", SUMMARY_MAX)
        accessory = (
            ButtonElement(
                text="Open",
                action_id=NotificationBatchAction.OPEN.value,
                value=str(item.id),
            )
            if item.openable
            else None
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)),
                accessory=accessory,
            )
        )
    rest = total - len(shown)
    if rest > 0:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more_line(rest)} in my next update")])
        )
    return blocks
