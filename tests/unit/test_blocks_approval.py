"""Approval and job-status blocks: buttons, ids, Slack limits, resolved and expired forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from blocks.approval import (
    ApprovalView,
    approval_message,
    expired_message,
    fallback_text,
    resolved_message,
)
from blocks.ids import ApprovalAction, JobAction
from blocks.job_status import budget_exhausted, job_failed


def dicts(blocks: list) -> list[dict]:
    return [b.to_dict() for b in blocks]  # to_dict() runs slack_sdk's validators


def test_approval_message_has_four_buttons_carrying_the_pending_id() -> None:
    view = ApprovalView.from_payload(
        "pa123",
        "email_send",
        {"title": "Send follow-up", "text": "Hi Ana", "fields": {"To": "Ana"}},
    )
    out = dicts(approval_message(view))
    assert out[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Send follow-up", "emoji": True},
    }
    assert out[1]["text"]["text"] == "Hi Ana"
    assert out[2]["fields"][0]["text"] == "*To*\nAna"
    actions = out[-1]
    assert [e["action_id"] for e in actions["elements"]] == [
        ApprovalAction.APPROVE,
        ApprovalAction.EDIT,
        ApprovalAction.SKIP,
        ApprovalAction.CANCEL,
    ]
    assert {e["value"] for e in actions["elements"]} == {"pa123"}
    assert actions["elements"][0]["style"] == "primary"
    assert actions["elements"][3]["style"] == "danger"
    assert fallback_text(view) == "Send follow-up"


def test_kind_gives_a_title_when_the_payload_has_none() -> None:
    view = ApprovalView.from_payload("p", "stage_change", {})
    assert view.title == "Approval needed: stage change"
    assert [b["type"] for b in dicts(approval_message(view))] == ["header", "actions"]


@settings(max_examples=40, deadline=None)
@given(
    title=st.text(min_size=1, max_size=400),
    text=st.text(max_size=6000),
    n_fields=st.integers(min_value=0, max_value=25),
    value=st.text(min_size=1, max_size=40),
)
def test_long_content_is_truncated_to_slack_limits(
    title: str, text: str, n_fields: int, value: str
) -> None:
    fields = {f"f{i}": value * 100 for i in range(n_fields)}
    view = ApprovalView("pa", title, text, fields)
    out = dicts(approval_message(view))  # raises SlackObjectFormationError beyond a limit
    assert len(out[0]["text"]["text"]) <= 150
    for b in out:
        if b["type"] == "section":
            assert len(b.get("text", {}).get("text", "")) <= 3000
            assert len(b.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in b.get("fields", []))
    json.dumps(out)


def test_resolved_rendering_says_who_and_when_in_the_reps_timezone() -> None:
    view = ApprovalView("pa", "Send follow-up", "Hi")
    at = datetime(2026, 6, 1, 12, 32, tzinfo=UTC)
    out = dicts(resolved_message(view, "approve", "U42", at, "Europe/Paris"))
    assert out[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Approved by <@U42> at 14:32 CEST"}],
    }
    assert all(b["type"] != "actions" for b in out)
    skipped = dicts(resolved_message(view, "skip", "U42", at))
    assert skipped[-1]["elements"][0]["text"] == "Skipped by <@U42> at 12:32 UTC"  # zone named
    edited = dicts(resolved_message(view, "edit", "U1", at))
    assert edited[-1]["elements"][0]["text"].startswith("Edited and approved by <@U1>")


def test_expired_rendering_names_the_path_taken() -> None:
    view = ApprovalView("pa", "Send follow-up")
    assert "skipped" in dicts(expired_message(view, "skip"))[-1]["elements"][0]["text"]
    assert "cancelled" in dicts(expired_message(view, "cancel"))[-1]["elements"][0]["text"]
    assert all(b["type"] != "actions" for b in dicts(expired_message(view, "skip")))


def test_failure_message_has_a_retry_button_with_the_job_id() -> None:
    out = dicts(job_failed(77, "meeting_ended", "draft_follow_up", "TimeoutError" + "x" * 4000))
    assert "meeting ended" in out[0]["text"]["text"] and len(out[0]["text"]["text"]) <= 3000
    button = out[1]["elements"][0]
    assert (button["action_id"], button["value"]) == (JobAction.RETRY, "77")
    assert "$1.00 of $1.00" in dicts(budget_exhausted("2026-06", 1.0, 1.0))[0]["text"]["text"]
