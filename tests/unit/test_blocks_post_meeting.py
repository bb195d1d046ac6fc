"""Post-meeting builders stay valid within Slack's limits for any input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from blocks.post_meeting import (
    FieldChangeRow,
    FollowUpPreview,
    ItemRow,
    SummaryModel,
    TaskRow,
    crm_changes_review,
    follow_up_preview,
    summary_blocks,
    tasks_review,
)

texts = st.text(max_size=5000)
short = st.text(max_size=300)


def as_dicts(blocks: list) -> list[dict]:
    return [b.to_dict() for b in blocks]  # to_dict runs slack_sdk's validators


@settings(max_examples=40, deadline=None)
@given(
    title=texts,
    attendees=st.lists(short, max_size=60),
    moments=st.lists(texts, max_size=40),
    items=st.lists(
        st.tuples(texts, st.one_of(st.none(), short), st.one_of(st.none(), short)), max_size=80
    ),
)
def test_summary_is_valid_for_any_data(
    title: str, attendees: list[str], moments: list[str], items: list
) -> None:
    model = SummaryModel(
        title=title,
        when="Tue 15:00",
        attendees=attendees,
        key_moments=moments,
        action_items=[ItemRow(t, o, d) for t, o, d in items],
        signals=moments,
        updated=moments,
        waiting=moments,
    )
    blocks = as_dicts(summary_blocks(model))
    assert len(blocks) <= 50
    if len(items) > 8:
        assert f"and {len(items) - 8} more" in str(blocks)


def test_unsure_owner_is_shown_as_unclear_not_guessed() -> None:
    blocks = str(
        as_dicts(
            summary_blocks(
                SummaryModel("Call", "Tue", ["A"], action_items=[ItemRow("Send deck", None)])
            )
        )
    )
    assert "owner unclear" in blocks


@settings(max_examples=40, deadline=None)
@given(
    to=st.lists(short, max_size=20),
    subject=texts,
    body=st.text(max_size=40000),
    expanded=st.booleans(),
)
def test_follow_up_preview_is_valid(to: list[str], subject: str, body: str, expanded: bool) -> None:
    blocks = as_dicts(
        follow_up_preview(FollowUpPreview("pa1", to, to[:2], subject, body, "ctx", expanded))
    )
    assert len(blocks) <= 50
    actions = next(b for b in blocks if b["type"] == "actions")
    labels = [e["text"]["text"] for e in actions["elements"]]
    assert labels[:4] == ["Send", "Edit", "Skip", "Feedback"]
    assert all(e["value"] == "pa1" for e in actions["elements"])


def test_long_draft_is_cut_with_expand_button_and_expands() -> None:
    body = "word " * 600
    short_form = str(
        as_dicts(follow_up_preview(FollowUpPreview("pa1", ["a@x.test"], [], "S", body)))
    )
    assert "Show full draft" in short_form
    long_form = as_dicts(
        follow_up_preview(FollowUpPreview("pa1", ["a@x.test"], [], "S", body, expanded=True))
    )
    assert "Show full draft" not in str(long_form)
    assert sum(str(b).count("word") for b in long_form) >= 600


@settings(max_examples=30, deadline=None)
@given(tasks=st.lists(st.tuples(texts, st.one_of(st.none(), short), texts), max_size=70))
def test_task_review_is_valid(tasks: list) -> None:
    rows = [TaskRow(i, t, d, s) for i, (t, d, s) in enumerate(tasks)]
    blocks = as_dicts(tasks_review("pa2", "Tasks from your call", rows))
    assert len(blocks) <= 50


def test_crm_diff_shows_provenance() -> None:
    blocks = str(
        as_dicts(
            crm_changes_review(
                "pa3",
                "Acme",
                [FieldChangeRow("Stage", "Discovery", "Proposal", "budget is approved", "14:32")],
            )
        )
    )
    assert (
        "Discovery" in blocks
        and "Proposal" in blocks
        and "budget is approved" in blocks
        and "14:32" in blocks
    )
