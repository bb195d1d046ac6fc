"""blocks/text.py is the one owner of Slack's text limits and of truncation.

Its limits agree with Slack's as python-slack-sdk's models state them and with the sandbox's
own table (the sandbox fakes Slack and imports nothing from the app, so it keeps a copy);
`clip`, `clip_line` and `cut` never exceed their limit and leave short text alone; no other
module of the app defines its own clip or truncate.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

import blocks.text as limits
import sandbox.blocks_check as fake_slack
from blocks.approval import ApprovalView, approval_message, fallback_text
from blocks.post_meeting import SummaryModel, summary_blocks
from blocks.text import clip, clip_line, cut
from sandbox.blocks_check import message_block_errors

ROOT = Path(__file__).resolve().parents[2]
SLACK_LIMITS = sorted(
    name for name in vars(limits) if name.endswith("_MAX") and name != "FALLBACK_TEXT_MAX"
)

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
limits_st = st.integers(min_value=1, max_value=300)


def test_the_sandbox_enforces_the_same_limits_the_app_clips_to() -> None:
    assert len(SLACK_LIMITS) >= 20
    theirs = {name: getattr(fake_slack, name, None) for name in SLACK_LIMITS}
    ours = {name: getattr(limits, name) for name in SLACK_LIMITS}
    assert theirs == ours


def test_the_limits_are_the_ones_slack_sdk_models_state() -> None:
    assert {
        "SECTION_TEXT_MAX": SectionBlock.text_max_length,
        "SECTION_FIELDS_MAX": SectionBlock.fields_max_length,
        "CONTEXT_ELEMENTS_MAX": ContextBlock.elements_max_length,
        "HEADER_MAX": HeaderBlock.text_max_length,
        "INPUT_LABEL_MAX": InputBlock.label_max_length,
        "ACTIONS_ELEMENTS_MAX": ActionsBlock.elements_max_length,
        "BLOCK_ID_MAX": SectionBlock.block_id_max_length,
        "ACTION_ID_MAX": ButtonElement.action_id_max_length,
        "BUTTON_TEXT_MAX": ButtonElement.text_max_length,
        "BUTTON_VALUE_MAX": ButtonElement.value_max_length,
        "PLACEHOLDER_MAX": PlainTextInputElement.placeholder_max_length,
        "OPTION_TEXT_MAX": Option.label_max_length,
        "OPTION_VALUE_MAX": Option.value_max_length,
        "VIEW_BLOCKS_MAX": View.blocks_max_length,
        "MODAL_TITLE_MAX": View.title_max_length,
        "PRIVATE_METADATA_MAX": View.private_metadata_max_length,
        "CALLBACK_ID_MAX": View.callback_id_max_length,
    } == {name: getattr(limits, name) for name in (
        "SECTION_TEXT_MAX", "SECTION_FIELDS_MAX", "CONTEXT_ELEMENTS_MAX", "HEADER_MAX",
        "INPUT_LABEL_MAX", "ACTIONS_ELEMENTS_MAX", "BLOCK_ID_MAX", "ACTION_ID_MAX",
        "BUTTON_TEXT_MAX", "BUTTON_VALUE_MAX", "PLACEHOLDER_MAX", "OPTION_TEXT_MAX",
        "OPTION_VALUE_MAX", "VIEW_BLOCKS_MAX", "MODAL_TITLE_MAX", "PRIVATE_METADATA_MAX",
        "CALLBACK_ID_MAX",
    )}  # fmt: skip


@given(texts, limits_st)
def test_clip_never_exceeds_its_limit_and_keeps_short_text(text: str, limit: int) -> None:
    out = clip(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
    else:
        assert out.endswith("…")
        assert text.startswith(out[:-1])
        assert out[:-1] == out[:-1].rstrip()  # never "word …"


@given(texts, limits_st)
def test_clip_line_is_one_line_within_its_limit(text: str, limit: int) -> None:
    out = clip_line(text, limit)
    assert len(out) <= limit
    assert out == out.strip() and not re.search(r"\s\s|[\n\t\r]", out)
    one_line = " ".join(text.split())
    if len(one_line) <= limit:
        assert out == one_line


@given(texts, limits_st)
def test_cut_is_a_prefix_within_its_limit_with_no_ellipsis(value: str, limit: int) -> None:
    out = cut(value, limit)
    assert len(out) <= limit and value.startswith(out)
    assert out == value if len(value) <= limit else len(out) == limit


def test_no_module_of_the_app_defines_its_own_clip_or_truncate() -> None:
    copies = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for folder in ("blocks", "bot", "flows", "connectors", "storage", "cli")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "blocks" / "text.py"
        for m in re.finditer(r"def _?(clip|truncate|shorten|ellipsize)\w*\(", path.read_text())
    ]
    assert copies == []


def test_a_long_pending_id_is_cut_from_the_button_value_not_given_an_ellipsis() -> None:
    pending = "p" * (limits.BUTTON_VALUE_MAX + 40)
    view = ApprovalView(pending_action_id=pending, title="T " * 200, text="x")
    dicts = [b.to_dict() for b in approval_message(view)]
    values = [el["value"] for b in dicts if b["type"] == "actions" for el in b["elements"]]
    assert values and all(v == pending[: limits.BUTTON_VALUE_MAX] for v in values)
    assert len(fallback_text(view)) <= limits.HEADER_MAX
    assert message_block_errors(dicts) == []


def test_context_text_is_clipped_at_slacks_limit_not_shorter() -> None:
    why = "w" * 2500  # over the 2000 the recap used to cut at, under Slack's 3000
    recap = SummaryModel(title="Call", when="Tue 18 Nov, 15:00 EST", attendees=["A"], why=why)
    dicts = [b.to_dict() for b in summary_blocks(recap)]
    context = [el["text"] for b in dicts if b["type"] == "context" for el in b["elements"]]
    assert why in context
    assert message_block_errors(dicts) == []
