"""Text helpers for builders: truncate to Slack's limits, escape mrkdwn, "and N more"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MODAL_TITLE_MAX = 24
FALLBACK_TEXT_MAX = 3000


def clip(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def head_and_rest(items: Sequence[T], keep: int) -> tuple[list[T], int]:
    """The first `keep` items and how many were left out."""
    keep = max(0, keep)
    return list(items[:keep]), max(0, len(items) - keep)


def more_line(count: int, noun: str = "more") -> str:
    return f"…and {count} {noun}" if count else ""


def plural(count: int, one: str, many: str | None = None) -> str:
    """`plural(1, "task")` -> "1 task", `plural(3, "task")` -> "3 tasks" (never "task(s)");
    irregular nouns pass `many` ("1 reply" / `plural(2, "reply", "replies")`)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
