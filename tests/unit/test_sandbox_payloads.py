"""Payload helpers of the sandbox: ids filled as Slack does, plain values turned into state."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.payloads import action_entry, fill_ids, find_element, state_values
from sandbox.state import Workspace


def opt(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


BLOCKS: list[dict[str, Any]] = [
    {
        "type": "input",
        "block_id": "note",
        "label": {"type": "plain_text", "text": "Note"},
        "element": {"type": "plain_text_input", "action_id": "text", "initial_value": "draft"},
    },
    {
        "type": "input",
        "block_id": "slot",
        "label": {"type": "plain_text", "text": "Slot"},
        "element": {
            "type": "radio_buttons",
            "action_id": "pick",
            "options": [opt("tue"), opt("wed")],
            "initial_option": opt("tue"),
        },
    },
    {
        "type": "input",
        "block_id": "days",
        "label": {"type": "plain_text", "text": "Days"},
        "element": {"type": "checkboxes", "action_id": "d", "options": [opt("mon"), opt("fri")]},
    },
    {
        "type": "input",
        "block_id": "at",
        "label": {"type": "plain_text", "text": "At"},
        "element": {"type": "timepicker", "action_id": "t", "initial_time": "08:30"},
    },
    {
        "type": "actions",
        "block_id": "row",
        "elements": [
            {
                "type": "button",
                "action_id": "go",
                "text": {"type": "plain_text", "text": "Go"},
                "value": "pa-7",
            },
            {"type": "overflow", "action_id": "more", "options": [opt("docs"), opt("mute")]},
        ],
    },
]


def test_initial_values_fill_the_state() -> None:
    values = state_values(BLOCKS)
    assert values["note"]["text"] == {"type": "plain_text_input", "value": "draft"}
    assert values["slot"]["pick"]["selected_option"]["value"] == "tue"
    assert values["days"]["d"] == {"type": "checkboxes", "selected_options": []}
    assert values["at"]["t"] == {"type": "timepicker", "selected_time": "08:30"}
    assert "row" not in values  # buttons and overflow menus hold no state


def test_plain_values_by_action_or_by_block() -> None:
    values = state_values(
        BLOCKS, {"text": "Met the CFO", "days": {"d": ["mon", "fri"]}, "pick": "wed"}
    )
    assert values["note"]["text"]["value"] == "Met the CFO"
    assert [o["value"] for o in values["days"]["d"]["selected_options"]] == ["mon", "fri"]
    assert values["slot"]["pick"]["selected_option"] == opt("wed")
    assert state_values(BLOCKS, {"text": ""})["note"]["text"]["value"] is None
    with pytest.raises(ValueError, match="no option"):
        state_values(BLOCKS, {"pick": "sun"})


def test_action_entries() -> None:
    block, button = find_element(BLOCKS, "go")  # type: ignore[misc]
    entry = action_entry(block, button)
    assert (entry["type"], entry["value"], entry["block_id"]) == ("button", "pa-7", "row")
    block, overflow = find_element(BLOCKS, "more")  # type: ignore[misc]
    assert action_entry(block, overflow, "mute")["selected_option"] == opt("mute")
    assert find_element(BLOCKS, "go", block_id="note") is None


def test_fill_ids_keeps_given_ids_and_adds_missing_ones() -> None:
    blocks = [
        {
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x"}}],
        }
    ]
    filled = fill_ids(blocks)
    assert filled is not None and filled[0]["block_id"] and filled[0]["elements"][0]["action_id"]
    assert "block_id" not in blocks[0]  # the caller's blocks are left alone
    assert fill_ids(BLOCKS)[0]["block_id"] == "note"  # type: ignore[index]


def test_workspace_timestamps_and_ims() -> None:
    ws = Workspace("Acme")
    stamps = [ws.next_ts() for _ in range(1000)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 1000
    assert ws.resolve_channel("C404") is None
    assert ws.bot_user.id not in ws.ims and ws.resolve_channel(ws.bot_user.id) is None
