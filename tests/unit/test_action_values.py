"""bot/values.py: every value our own builders put on a button or select parses into its typed
model with the ids it was built from; missing, malformed and wrong-typed values are `BadValue`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from blocks.briefs import morning_brief_blocks
from blocks.notification_batch import DigestItem, digest_message
from blocks.pipeline import DealRow, batch_review_blocks
from blocks.post_meeting import TaskRow, tasks_review
from blocks.scheduling import PickerModel, SlotChoice, WayOut, picker_blocks
from bot.value_routes import ACTION_VALUES
from bot.values import BadValue, BriefItem, DealsRef, NoValue, PendingRef, parse
from skills import briefs as sk
from storage.access import Ref

NOW = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)


def _elements(blocks: list[Any]) -> list[dict[str, Any]]:
    out = []
    for b in blocks:
        d = b.to_dict() if hasattr(b, "to_dict") else b
        out += [e for e in d.get("elements") or [] if isinstance(e, dict) and e.get("action_id")]
        if isinstance(d.get("accessory"), dict) and d["accessory"].get("action_id"):
            out.append(d["accessory"])
    return out


def _raws(e: dict[str, Any]) -> list[str]:
    return [e["value"]] if "value" in e else [o["value"] for o in e.get("options") or []]


def _built() -> list[dict[str, Any]]:
    brief = sk.build_morning_brief(sk.MorningInput(
        rep_name="Alex Rivera", timezone="America/New_York", now=NOW,
        meetings=[sk.MeetingInfo(event_id=41, start=NOW + timedelta(hours=2), title="Acme — Demo", external=True,
                                 contact="Dana", company="Acme", purpose="Demo", prep="ready")],
        inbox=[sk.InboxItem(7, "meeting_request", "Dana", "Catch up?", "Acme", 5, 6),
               sk.InboxItem(8, "needs_response", "x@unknown.example", "Hello", None, None, None, known=False)],
        deals=[], proposals_awaiting=[], commitments=[], crm_notes=0))  # fmt: skip
    picker = PickerModel(
        job_id=12,
        who="Dana (Acme)",
        duration_minutes=30,
        options=(SlotChoice("Thu 14:00 GMT", None),),
        has_more=True,
        ways_out=(WayOut("widen_range", "Look further out"),),
        ask_timezone=True,
    )
    blocks: list[Any] = [
        *morning_brief_blocks(brief, "why"),
        *batch_review_blocks(
            [
                DealRow(3, "Granite", "proposal", 1.0, 20, ("stale",)),
                DealRow(4, "Cobalt", "demo", 2.0, 30, ("stale",)),
            ],
            "why",
        ),
        *picker_blocks(picker),
        *tasks_review(
            "6f1c2d3e-aaaa-bbbb-cccc-1234567890ab", "2 tasks", [TaskRow(1, "Send deck", None, "x")]
        ),
        *digest_message([DigestItem(55, "pipeline", "3 deals", openable=True)]),
    ]
    return _elements(blocks)


def test_every_built_value_parses_with_its_ids() -> None:
    found: dict[str, list[Any]] = {}
    for e in _built():
        action = e["action_id"].split(":", 1)[0]  # keyed ids (blocks.ids.keyed) share a model
        model = ACTION_VALUES[action]
        for raw in _raws(e):
            found.setdefault(action, []).append(parse(model, raw))
    brief = found["proactive-check-calendar"][0]
    assert isinstance(brief, BriefItem) and brief.ids() == {
        Ref.MESSAGE: {7},
        Ref.CONTACT: {5},
        Ref.DEAL: {6},
    }
    assert [v.ids() for v in found["proactive-prep"]] == [{Ref.EVENT: {41}}]
    assert [v.ids() for v in found["proactive-revive"]] == [{Ref.DEAL: {3}}, {Ref.DEAL: {4}}]
    assert found["proactive-handle-all"] == [DealsRef(deal_ids=[3, 4])]
    assert {v.ids()[Ref.JOB].pop() for a in ("sched-more", "sched-way-out", "sched-timezone")
            for v in found[a]} == {12}  # fmt: skip
    assert found["sched-way-out"][0].code == "widen_range"
    assert found["postmeeting-skip-task"][0].ids() == {
        Ref.PENDING: {"6f1c2d3e-aaaa-bbbb-cccc-1234567890ab"}
    }
    assert found["notification-batch-open"][0].ids() == {Ref.NOTIFICATION: {55}}
    assert found["proactive-mute"][0].kind in ("morning_brief", "pipeline")


@pytest.mark.parametrize(
    "action_id", sorted(a for a, m in ACTION_VALUES.items() if m is not NoValue)
)
@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "{bad",
        "[1]",
        json.dumps({"message_id": [1], "deal_id": True}),
        "x" * 2001,
        "[" * 1500 + "]" * 1500,
    ],
)
def test_bad_values_are_refused(action_id: str, raw: str | None) -> None:
    with pytest.raises(BadValue):
        parse(ACTION_VALUES[action_id], raw)


@pytest.mark.parametrize(("action_id", "raw"), [
    ("proactive-revive", "0"), ("proactive-revive", "-3"), ("proactive-revive", "1e3"),
    ("proactive-handle-all", "1,,2"), ("proactive-handle-all", ",".join(["1"] * 51)),
    ("postmeeting-skip-task", "abc"), ("postmeeting-skip-task", "abc:x"),
    ("sched-timezone", "12:Mars/Olympus"), ("sched-way-out", "12:a b"),
    ("approval-approve", "'; drop table x"), ("home-connect", "dropbox"), ("proactive-mute", "Morning Brief"),
    ("proactive-check-calendar", json.dumps({"message_id": 1, "extra": 2})),
    ("proactive-check-calendar", json.dumps({"contact_id": 3})),
])  # fmt: skip
def test_values_of_the_right_shape_but_wrong_content_are_refused(action_id: str, raw: str) -> None:
    with pytest.raises(BadValue):
        parse(ACTION_VALUES[action_id], raw)


def test_no_value_kinds_ignore_what_they_are_given() -> None:
    assert parse(NoValue, None) == parse(NoValue, "{bad") == NoValue()
    assert parse(PendingRef, "abc-123").ids() == {Ref.PENDING: {"abc-123"}}
