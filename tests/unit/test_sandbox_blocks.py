"""The sandbox's Block Kit checks: Slack's limits, each reported with a JSON pointer."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from sandbox.blocks_check import message_block_errors, view_errors


def section(text: str = "hi") -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Go", value: str = "v", action_id: str = "go") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


def options(n: int, label: str = "o", value: str = "v") -> list[dict[str, Any]]:
    return [
        {"text": {"type": "plain_text", "text": f"{label}{i}"}, "value": f"{value}{i}"}
        for i in range(n)
    ]


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Title"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks,
        **extra,
    }


def test_what_the_sdk_builds_is_accepted() -> None:
    opts = [Option(text=f"Slot {i}", value=f"s{i}") for i in range(3)]
    blocks = [
        HeaderBlock(text="Morning brief"),
        SectionBlock(
            text=MarkdownTextObject(text="*Acme* is stale"),
            fields=[MarkdownTextObject(text="*Stage*\nProposal")],
            accessory=OverflowMenuElement(action_id="more", options=opts),
        ),
        DividerBlock(),
        ContextBlock(elements=[MarkdownTextObject(text="updated now")]),
        ActionsBlock(
            elements=[
                ButtonElement(text="Approve", action_id="approve", value="pa-1", style="primary"),
                ButtonElement(text="Skip", action_id="skip", value="pa-1", style="danger"),
                StaticSelectElement(action_id="slot", options=opts, placeholder="Pick"),
                RadioButtonsElement(action_id="radio", options=opts),
            ]
        ),
    ]
    dicts = [b.to_dict() for b in blocks]
    assert message_block_errors(dicts) == []
    view = View(
        type="modal",
        title="Edit draft",
        submit="Send",
        close="Cancel",
        private_metadata="pa-1",
        blocks=[
            InputBlock(
                label="Body", element=PlainTextInputElement(action_id="body", multiline=True)
            ),
            InputBlock(
                label="When", element=TimePickerElement(action_id="t", initial_time="09:30")
            ),
        ],
    )
    assert view_errors(view.to_dict()) == []


def test_message_limits() -> None:
    assert message_block_errors([section()] * 50) == []
    assert message_block_errors([section()] * 51) == [
        "must have at most 50 items (got 51) [json-pointer:/blocks]"
    ]
    assert message_block_errors([section("x" * 3000)]) == []
    assert message_block_errors([section("x" * 3001)]) == [
        "must be at most 3000 characters (got 3001) [json-pointer:/blocks/0/text/text]"
    ]
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert "150" in message_block_errors([header])[0]
    assert message_block_errors([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]) == [
        "type must be one of plain_text (got 'mrkdwn') [json-pointer:/blocks/0/text/type]"
    ]
    assert message_block_errors([{"type": "carousel"}]) == [
        "unsupported block type 'carousel' [json-pointer:/blocks/0/type]"
    ]
    assert message_block_errors([{"type": "section"}]) == [
        "section needs text or fields [json-pointer:/blocks/0]"
    ]


def test_element_limits_each_named() -> None:
    actions = {
        "type": "actions",
        "block_id": "b" * 256,
        "elements": [
            button(text="t" * 76, value="v" * 2001, action_id="a" * 256),
            {"type": "overflow", "action_id": "o", "options": options(6)},
            {"type": "radio_buttons", "action_id": "r", "options": options(11)},
            {"type": "checkboxes", "action_id": "c", "options": options(11)},
            {"type": "static_select", "action_id": "s", "options": options(101)},
            {**button(), "style": "loud"},
        ],
    }
    errors = message_block_errors([actions])
    expected_pointers = [
        "/blocks/0/block_id",
        "/blocks/0/elements/0/action_id",
        "/blocks/0/elements/0/text/text",
        "/blocks/0/elements/0/value",
        "/blocks/0/elements/1/options",
        "/blocks/0/elements/2/options",
        "/blocks/0/elements/3/options",
        "/blocks/0/elements/4/options",
        "/blocks/0/elements/5/style",
    ]
    assert [e.rsplit("[json-pointer:", 1)[1][:-1] for e in errors] == expected_pointers
    too_many = {"type": "actions", "elements": [button(action_id=f"b{i}") for i in range(26)]}
    assert message_block_errors([too_many]) == [
        "must have at most 25 items (got 26) [json-pointer:/blocks/0/elements]"
    ]
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}
    assert "at most 10" in message_block_errors([context])[0]
    option = {
        "type": "static_select",
        "action_id": "s",
        "options": options(1, label="l" * 75, value="v" * 150),
    }
    assert message_block_errors([{"type": "actions", "elements": [option]}]) == [
        "must be at most 75 characters (got 76) [json-pointer:/blocks/0/elements/0/options/0/text/text]",
        "must be at most 150 characters (got 151) [json-pointer:/blocks/0/elements/0/options/0/value]",
    ]


def test_fields_and_duplicates() -> None:
    fields = [{"type": "mrkdwn", "text": "f"}] * 11
    assert "at most 10" in message_block_errors([{"type": "section", "fields": fields}])[0]
    long_field = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}
    assert "/blocks/0/fields/0/text" in message_block_errors([long_field])[0]
    twice = [{**section(), "block_id": "same"}, {**section(), "block_id": "same"}]
    assert message_block_errors(twice) == [
        "duplicate block_id 'same' [json-pointer:/blocks/1/block_id]"
    ]


def test_action_ids_unique_within_a_block() -> None:
    """Issue 11, 2.4: two Prep buttons sharing `proactive-prep` in one actions block are refused
    (Slack answers `invalid_blocks`); the same action_id in two different blocks is fine."""
    twice = {
        "type": "actions",
        "elements": [
            button(value="1", action_id="proactive-prep"),
            button(value="2", action_id="proactive-prep"),
        ],
    }
    assert message_block_errors([twice]) == [
        "duplicate action_id 'proactive-prep': action_ids must be unique within a block "
        "[json-pointer:/blocks/0/elements/1/action_id]"
    ]
    keyed = {
        "type": "actions",
        "elements": [
            button(value="1", action_id="proactive-prep:1"),
            button(value="2", action_id="proactive-prep:2"),
        ],
    }
    assert message_block_errors([keyed]) == []
    one_each = [{"type": "actions", "elements": [button(action_id="go")]}] * 2
    assert message_block_errors(one_each) == []
    assert "duplicate action_id" in view_errors(modal([twice]))[0]


def test_view_limits() -> None:
    assert view_errors(modal([section()] * 100)) == []
    assert "at most 100" in view_errors(modal([section()] * 101))[0]
    long = modal(
        [section()],
        title={"type": "plain_text", "text": "t" * 25},
        submit={"type": "plain_text", "text": "s" * 25},
        close={"type": "plain_text", "text": "c" * 25},
        private_metadata="m" * 3001,
    )
    pointers = [e.rsplit("[json-pointer:", 1)[1][:-1] for e in view_errors(long)]
    assert pointers == [
        "/view/title/text",
        "/view/submit/text",
        "/view/close/text",
        "/view/private_metadata",
    ]
    no_submit = {k: v for k, v in modal([]).items() if k != "submit"}
    no_submit["blocks"] = [
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "x"},
            "element": {"type": "plain_text_input", "action_id": "x"},
        }
    ]
    assert view_errors(no_submit) == [
        "a modal with input blocks needs submit [json-pointer:/view/submit]"
    ]
    assert view_errors({"type": "home", "blocks": [section()]}) == []
    assert view_errors({"type": "sheet", "blocks": []}) == [
        "type must be modal or home (got 'sheet') [json-pointer:/view/type]"
    ]


@given(n=st.integers(min_value=0, max_value=120), length=st.integers(min_value=1, max_value=3100))
def test_limits_hold_at_every_size(n: int, length: int) -> None:
    errors = message_block_errors([section("x" * length)] * n)
    too_many = n > 50
    too_long = length > 3000 and n > 0
    assert bool(errors) == (too_many or too_long)
    assert len(errors) == int(too_many) + (n if too_long else 0)


@given(text=st.text(min_size=1, max_size=90))
def test_button_label_limit_matches_the_sdk(text: str) -> None:
    from slack_sdk.errors import SlackObjectFormationError

    block = {"type": "actions", "elements": [button(text=text)]}
    ours_ok = message_block_errors([block]) == []
    try:
        ActionsBlock(elements=[ButtonElement(text=text, action_id="go", value="v")]).to_dict()
        sdk_ok = True
    except SlackObjectFormationError:
        sdk_ok = False
    assert ours_ok == sdk_ok
