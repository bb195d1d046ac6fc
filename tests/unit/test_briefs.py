"""Briefs: view models (skills/briefs.py) and their Block Kit (blocks/briefs.py, blocks/pipeline.py).

Property tests: whatever the data, every message fits Slack's limits (50 blocks, 3000-char
sections, 75-char buttons) and long lists end with "…and N more"; empty sections are left out
and a brief with nothing to say is empty (not sent)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.briefs import morning_brief_blocks, pre_meeting_blocks
from blocks.pipeline import DealRow, batch_review_blocks, pipeline_list_blocks, rows_from_value
from bot.commands_proactive import parse_duration
from skills import briefs as sk

NOW = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)  # a Monday, 07:30 in New York


def _meeting(i: int, external: bool = True, day: int = 0) -> sk.MeetingInfo:
    return sk.MeetingInfo(
        event_id=i,
        start=NOW + timedelta(days=day, hours=1 + i % 5),
        title=f"Acme — Demo {i}",
        external=external,
        contact="Dana Smith",
        company="Acme",
        purpose="Demo",
        prep="ready" if external else "none",
    )


def test_morning_brief_format_and_sections() -> None:
    inp = sk.MorningInput(
        rep_name="Alex Rivera",
        timezone="America/New_York",
        now=NOW,
        meetings=[_meeting(1), _meeting(2, external=False), _meeting(3, day=1)],
        inbox=[
            sk.InboxItem(1, "proposal_request", "Dana Smith", "Pricing?", "Acme", 5, 6),
            sk.InboxItem(2, "meeting_request", "Lee", "Catch up next week", "Beta", 7, None),
            sk.InboxItem(
                3, "needs_response", "x@unknown.example", "Hello", None, None, None, known=False
            ),
            sk.InboxItem(4, "fyi", "Newsletter", "Weekly", None, None, None),
        ],
        deals=[
            sk.DealPulse(9, "Granite — Pilot", "proposal", 40000, 21, ("stale",)),
            sk.DealPulse(10, "Cobalt — Platform", "demo", 12000, 3, ("close_date_passed",)),
        ],
        proposals_awaiting=[sk.DealPulse(9, "Granite — Pilot", "proposal", 40000, 21)],
        commitments=[sk.CommitmentDue("Send the security review", NOW - timedelta(days=1), "rep")],
        crm_notes=2,
    )
    b = sk.build_morning_brief(inp)
    assert b.greeting == "Good morning, Alex! Here's your Monday."
    assert [m.event_id for m in b.meetings] == [1, 2]  # tomorrow's left out
    assert b.meetings[0].prep == "ready" and b.meetings[1].prep == "none"
    assert [a.actions for a in b.attention] == [
        ("draft_reply", "view_email"),
        ("check_calendar", "view_email"),
        ("qualify", "view_email"),
    ]
    pulse = "\n".join(p.text for p in b.pulse)
    assert "You: Send the security review (overdue)" in pulse
    assert "Act today: Cobalt — Platform — close date passed" in pulse
    assert "At risk: Granite — Pilot (Proposal, $40K) — 21 days since last activity" in pulse
    assert "$40K in 1 proposal awaiting response" in pulse
    assert b.overnight == ["2 CRM notes synced"]
    text = str(morning_brief_blocks(b, "why"))
    for title in (
        "TODAY'S MEETINGS",
        "NEEDS YOUR ATTENTION",
        "PIPELINE PULSE",
        "OVERNIGHT UPDATES",
        "Expand pipeline",
        "Show full inbox",
        "Draft reply",
        "Check calendar",
        "Qualify first",
        "Prep ready",
        "No prep needed",
        "Mute morning briefs",
    ):
        assert title in text, title


def test_empty_brief_is_empty_and_sections_left_out() -> None:
    b = sk.build_morning_brief(
        sk.MorningInput("Sam Patel", "America/Los_Angeles", NOW, meetings=[_meeting(1, day=1)])
    )
    assert b.empty
    only_meetings = sk.build_morning_brief(
        sk.MorningInput("Sam", "UTC", NOW, meetings=[_meeting(1)])
    )
    text = str(morning_brief_blocks(only_meetings, "why"))
    assert (
        "TODAY'S MEETINGS" in text
        and "PIPELINE PULSE" not in text
        and "NEEDS YOUR ATTENTION" not in text
    )


names = st.text(min_size=0, max_size=200)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_meetings=st.integers(0, 60),
    n_inbox=st.integers(0, 60),
    n_deals=st.integers(0, 80),
    name=names,
    title=names,
    subject=names,
)
def test_morning_brief_fits_slack_limits(
    n_meetings: int, n_inbox: int, n_deals: int, name: str, title: str, subject: str
) -> None:
    inp = sk.MorningInput(
        rep_name=name,
        timezone="Europe/London",
        now=NOW,
        meetings=[
            sk.MeetingInfo(i, NOW + timedelta(minutes=i), title, bool(i % 2), name, title, subject)
            for i in range(n_meetings)
        ],
        inbox=[
            sk.InboxItem(i, "needs_response", name, subject, title, i, i) for i in range(n_inbox)
        ],
        deals=[
            sk.DealPulse(i, title, "proposal", 1e9, i, ("stale", "negative_signal"))
            for i in range(n_deals)
        ],
    )
    b = sk.build_morning_brief(inp)
    blocks = morning_brief_blocks(b, subject * 10)
    assert len(blocks) <= 50
    for blk in blocks:
        assert len(blk.get("text", {}).get("text", "")) <= 3000
        for e in blk.get("elements", []):
            if e.get("type") == "button":
                assert len(e["text"]["text"]) <= 75
    if n_inbox > 5:
        assert f"…and {n_inbox - 5} more" in str(blocks)
    if n_deals > 8:
        assert "more" in str(blocks)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(0, 120), name=names)
def test_pipeline_blocks_fit(n: int, name: str) -> None:
    rows = [
        DealRow(i, name, "negotiation", 5000.0, i, ("stale",) if i % 2 else ("close_date_passed",))
        for i in range(n)
    ]
    for blocks in (pipeline_list_blocks(rows, 14), batch_review_blocks(rows, why=name)):
        assert len(blocks) <= 50
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    review = batch_review_blocks(rows)
    assert rows_from_value(review) == [r.deal_id for r in rows[:10]]
    if n > 10:
        assert f"…and {n - 10} more" in str(review)


def test_pre_meeting_brief_reads_as_a_delta() -> None:
    last = NOW - timedelta(days=7)
    inp = sk.PreMeetingInput(
        title="Acme — Proposal review",
        start=NOW + timedelta(minutes=90),
        timezone="America/New_York",
        now=NOW,
        attendees=[sk.Attendee("Dana Smith", "VP Sales", "Acme")],
        deal_name="Acme — Pilot",
        stage="proposal",
        amount=48000,
        close_date=date(2026, 12, 15),
        last_meeting_at=last,
        emails=[
            sk.EmailNote("inbound", "Old thread", last - timedelta(days=1)),
            sk.EmailNote("inbound", "Security questions", last + timedelta(days=2)),
            sk.EmailNote("outbound", "Proposal v2", last + timedelta(days=3)),
        ],
        stage_changes=[sk.StageNote("demo", "proposal", last + timedelta(days=1))],
        commitments=[
            sk.CommitmentNote(
                "rep",
                "Send the proposal",
                last + timedelta(days=2),
                "done",
                last + timedelta(days=3),
            ),
            sk.CommitmentNote(
                "prospect", "Share the security questionnaire", NOW - timedelta(days=1), "open"
            ),
        ],
    )
    b = sk.build_pre_meeting_brief(inp)
    assert b.since.startswith("Since your last meeting on Nov 16")
    assert "1 email from them (latest: “Security questions”)" in b.changes
    assert "1 email from you (latest: “Proposal v2”)" in b.changes
    assert "Stage moved Demo → Proposal" in b.changes
    assert any(c.startswith("Kept: you — Send the proposal") for c in b.changes)
    assert b.open_items == ["They: Share the security questionnaire (overdue)"]
    assert b.questions[0].startswith("Where are you on what you said")
    assert b.goals[0].startswith("Walk through the proposal")
    assert b.headline.endswith("today at 9:00 AM EST (in 1 h 30 min)")  # 7:30 AM EST + 90 min
    blocks = str(pre_meeting_blocks(b, "why"))
    assert "Who's coming" in blocks and "Mute pre-meeting briefs" in blocks
    assert "Draft proposal" not in blocks  # no deal on this meeting
    with_deal = pre_meeting_blocks(sk.build_pre_meeting_brief(replace(inp, deal_id=42)), "why")
    [button] = [e for blk in with_deal if blk["type"] == "actions" for e in blk["elements"]
                if e["action_id"] == "proactive-draft-proposal"]  # fmt: skip
    assert button["value"] == "42" and button["text"]["text"] == "Draft proposal"


def test_first_meeting_and_stall_draft() -> None:
    b = sk.build_pre_meeting_brief(
        sk.PreMeetingInput("Intro", NOW + timedelta(hours=1), "UTC", NOW)
    )
    assert b.since == "First meeting with these people" and b.changes == []
    stall = sk.analyse_stall(
        sk.StallInput(
            "Granite — Pilot",
            "Granite",
            "proposal",
            "Robin Diaz",
            "Jamie Chen",
            23,
            "Call with Robin",
            [sk.CommitmentNote("rep", "Send the ROI model", None, "open")],
            ["at_risk"],
        )
    )
    assert stall.reasons[0] == "23 days since the last touch (Call with Robin)"
    assert "You still owe: Send the ROI model" in stall.reasons
    assert stall.body.startswith("Hi Robin,") and "send the roi model" in stall.body.lower()
    assert stall.body.rstrip().endswith("Jamie")


def test_parse_duration() -> None:
    assert parse_duration("") == timedelta(days=1)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("30 min") == timedelta(minutes=30)
    assert parse_duration("3 days") == timedelta(days=3)
    assert (
        parse_duration("forever") is None
        and parse_duration("90d") is None
        and parse_duration("0m") is None
    )
