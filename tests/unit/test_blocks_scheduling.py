"""The time picker blocks: Slack's limits for any input (hypothesis), both local times, flags,
the buttons, and the no-options explanation with its ways out."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.ids import ScheduleAction
from blocks.scheduling import (
    MAX_OPTIONS,
    OPTION_TEXT_MAX,
    PickerModel,
    SlotChoice,
    WayOut,
    flags_text,
    option_text,
    picker_blocks,
    way_out_label,
)
from sandbox.blocks_check import message_block_errors

FLAGS = ["early_for_prospect", "late_for_prospect", "outside_prospect_hours",
         "prospect_non_working_day", "tentative_conflict", "fragments_block", "weird_new_flag"]  # fmt: skip

text = st.text(min_size=1, max_size=120)
choices = st.builds(
    SlotChoice,
    rep_local=text,
    prospect_local=st.none() | text,
    flags=st.lists(st.sampled_from(FLAGS), max_size=7).map(tuple),
)
models = st.builds(
    PickerModel,
    job_id=st.integers(min_value=1, max_value=10**12),
    who=text,
    duration_minutes=st.integers(min_value=1, max_value=1440),
    options=st.lists(choices, max_size=15).map(tuple),
    has_more=st.booleans(),
    headline=st.none() | text,
    notes=st.lists(text, max_size=12).map(tuple),
    reasons=st.lists(st.text(min_size=1, max_size=500), max_size=8).map(tuple),
    ways_out=st.lists(
        st.builds(
            WayOut,
            code=st.sampled_from(["widen_range", "shorter_meeting", "allow_outside_hours"]),
            text=text,
        ),
        max_size=5,
    ).map(tuple),
    ask_timezone=st.booleans(),
)


def _elements(blocks: list[dict]) -> list[dict]:
    out = []
    for b in blocks:
        out.extend(b.get("elements", []) if b["type"] == "actions" else [])
        if b.get("accessory"):
            out.append(b["accessory"])
    return out


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(models)
def test_any_picker_is_within_slack_limits(model: PickerModel) -> None:
    blocks = [b.to_dict() for b in picker_blocks(model)]
    assert message_block_errors(blocks) == []  # the sandbox's Slack rules (lengths, counts, ids)
    els = _elements(blocks)
    radios = [e for e in els if e["action_id"] == ScheduleAction.CHOOSE]
    if model.options:
        (radio,) = radios
        assert len(radio["options"]) == min(len(model.options), MAX_OPTIONS)
        for o in radio["options"]:
            assert len(o["text"]["text"]) <= OPTION_TEXT_MAX
            assert len(o.get("description", {}).get("text", "")) <= OPTION_TEXT_MAX
    else:
        assert not radios
        assert ScheduleAction.SEND_INVITE not in json.dumps(blocks)
    ids = [e["action_id"] for e in els]
    assert ScheduleAction.HANDLE in ids
    assert (ScheduleAction.MORE in ids) == (bool(model.options) and model.has_more)
    assert (ScheduleAction.TIMEZONE in ids) == model.ask_timezone
    for e in els:  # every value names the job the picker belongs to
        value = e.get("value") or ""
        for opt in e.get("options", []) if e["action_id"] == ScheduleAction.TIMEZONE else []:
            assert opt["value"].startswith(f"{model.job_id}:")
        if e["type"] == "button":
            assert value.split(":")[0] == str(model.job_id)


def test_both_local_times_and_flags() -> None:
    assert option_text(SlotChoice("Thu 14:00 GMT", "Thu 09:00 EST")) == "Thu 14:00 GMT / 09:00 EST"
    # across midnight the other weekday is kept
    assert option_text(SlotChoice("Mon 08:00 AEDT", "Sun 16:00 EST")) == (
        "Mon 08:00 AEDT / Sun 16:00 EST"
    )
    assert option_text(SlotChoice("Thu 14:00 GMT", None)) == "Thu 14:00 GMT"
    assert flags_text(("early_for_prospect", "tentative_conflict")) == (
        "early for them, over a tentative event"
    )
    model = PickerModel(job_id=7, who="Sarah Chen (Acme Corp)", duration_minutes=30,
                        options=(SlotChoice("Thu 14:00 GMT", "Thu 08:00 CST",
                                            ("early_for_prospect",)),))  # fmt: skip
    dumped = json.dumps([b.to_dict() for b in picker_blocks(model)])
    assert "Thu 14:00 GMT / 08:00 CST" in dumped and "early for them" in dumped
    assert "Send calendar invite" in dumped and "Send these times via email" in dumped


def test_no_options_explains_and_offers_ways_out() -> None:
    model = PickerModel(
        job_id=9, who="Lee", duration_minutes=60,
        reasons=("You have no free 60-minute window in your working hours.",),
        ways_out=(WayOut("shorter_meeting", way_out_label("shorter_meeting",
                                                         {"duration_minutes": 30})),
                  WayOut("widen_range", way_out_label("widen_range", {"days": 10}))),
    )  # fmt: skip
    blocks = [b.to_dict() for b in picker_blocks(model)]
    dumped = json.dumps(blocks)
    assert "No good options." in dumped and "no free 60-minute window" in dumped
    buttons = {e["value"]: e["text"]["text"] for e in _elements(blocks) if e["type"] == "button"}
    assert buttons["9:shorter_meeting"] == "Try 30 minutes"
    assert buttons["9:widen_range"] == "Look 10 business days ahead"


def test_picker_rows_carry_dates() -> None:
    """Issue 11, 2.13: rows showed weekdays without dates ("Thu 14:00"); two Thursdays in a
    two-week search read the same."""
    from flows.calendar_find_times.picker import picker_model

    found = {
        "who": "Dana", "duration_minutes": 30, "rep_tz": "Europe/London",
        "prospect_tz": "America/New_York",
        "options": [
            {"start": "2026-12-10T14:00:00+00:00", "rep_local": "Thu 14:00 GMT",
             "prospect_local": "Thu 09:00 EST", "flags": []},
            {"start": "2026-12-17T23:30:00+00:00", "rep_local": "Thu 23:30 GMT",
             "prospect_local": "Thu 18:30 EST", "flags": []},
        ],
    }  # fmt: skip
    texts = [option_text(c) for c in picker_model(7, found).options]
    assert texts == ["Thu 10 Dec 14:00 GMT / 09:00 EST", "Thu 17 Dec 23:30 GMT / 18:30 EST"]
    found["prospect_tz"] = "Australia/Sydney"
    assert option_text(picker_model(7, found).options[1]) == (
        "Thu 17 Dec 23:30 GMT / Fri 18 Dec 10:30 AEDT"
    )
    old = {**found, "rep_tz": None}  # a picker stored before dates were kept still renders
    assert option_text(picker_model(7, old).options[0]) == "Thu 14:00 GMT / 09:00 EST"
