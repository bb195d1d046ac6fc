"""Slack's text limits and the one truncation family, for every builder and listener.

This module is the single owner of Block Kit's size limits in the app: builders (blocks/),
listeners (bot/) and sequences (flows/) import the names below instead of writing numbers.
Each limit is Slack's documented one (docs.slack.dev, Block Kit reference; the same figures
as python-slack-sdk's model constants, which tests/unit/test_blocks_text.py checks). The
sandbox (sandbox/blocks_check.py) is a fake of Slack and keeps its own table on purpose
(nothing imports sandbox, and it must not trust our side); a unit test asserts both agree.

Truncation: `clip` cuts text for people (ending "…"), `clip_line` does the same to one
line of collapsed whitespace, and `cut` cuts an identifier or value (no ellipsis: an id
with "…" appended would be another id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# Text objects and blocks (https://docs.slack.dev/reference/block-kit/blocks).
SECTION_TEXT_MAX = 3000  # section block `text`: max 3000 characters
FIELD_TEXT_MAX = 2000  # section block `fields`: max 2000 characters each
SECTION_FIELDS_MAX = 10  # section block `fields`: "Maximum number of items is 10"
CONTEXT_ELEMENTS_MAX = 10  # context block `elements`: "Maximum number of items is 10"
CONTEXT_TEXT_MAX = 3000  # a text object in a context block: a text object's 3000-character `text`
HEADER_MAX = 150  # header block `text`: max 150 characters
INPUT_LABEL_MAX = 2000  # input block `label` and `hint`: "Maximum length ... is 2000 characters"
ACTIONS_ELEMENTS_MAX = 25  # actions block `elements`: "There is a maximum of 25 elements"
BLOCK_ID_MAX = 255  # any block's `block_id`: "Maximum length for this field is 255 characters"
# Block elements (https://docs.slack.dev/reference/block-kit/block-elements).
ACTION_ID_MAX = 255  # any interactive element's `action_id`: "Maximum length is 255 characters"
BUTTON_TEXT_MAX = 75  # button `text`: max 75 characters
BUTTON_VALUE_MAX = 2000  # button `value`: "Maximum length for this field is 2000 characters"
PLACEHOLDER_MAX = 150  # an element's `placeholder`: "Maximum length ... is 150 characters"
PLAIN_TEXT_INPUT_MAX = 3000  # plain_text_input `max_length`/`initial_value`: at most 3000
RADIO_OPTIONS_MAX = 10  # radio_buttons `options`: "A maximum of 10 options are allowed"
# Composition objects (https://docs.slack.dev/reference/block-kit/composition-objects).
OPTION_TEXT_MAX = 75  # option `text` and `description`: "Maximum length ... is 75 characters"
OPTION_VALUE_MAX = 150  # option `value`: "Maximum length for this field is 150 characters"
# Surfaces (https://docs.slack.dev/surfaces).
MESSAGE_BLOCKS_MAX = 50  # chat.postMessage `blocks`: "up to 50 blocks in each message"
VIEW_BLOCKS_MAX = 100  # modals and App Home `blocks`: "up to 100 blocks"
MODAL_TITLE_MAX = 24  # modal `title`, `submit`, `close`: "Max length of 24 characters"
PRIVATE_METADATA_MAX = 3000  # view `private_metadata`: "Max length of 3000 characters"
CALLBACK_ID_MAX = 255  # view `callback_id` and `external_id`: "Max length of 255 characters"
# Not a Slack limit: our cap on a message's top-level `text` (the notification fallback).
# Slack truncates `text` at 40,000 characters and advises staying under 4,000.
FALLBACK_TEXT_MAX = 3000


def clip(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def clip_line(text: str, limit: int) -> str:
    """`text` as one line (runs of whitespace become one space), clipped to `limit`."""
    return clip(" ".join(text.split()), limit)


def cut(value: str, limit: int) -> str:
    """An identifier or button value cut to `limit` characters, with no ellipsis."""
    return value[: max(0, limit)]


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
