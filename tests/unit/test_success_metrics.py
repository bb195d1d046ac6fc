"""Sixty's success figures from typed rows: each definition on hand-built rows, rates always in
[0, 1] or None (never a 0/0 crash), and a team's total equal to its reps' rows together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills import success_metrics as sm

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RATES = (
    "follow_up_within_10min_rate",
    "brief_on_time_rate",
    "brief_opened_rate",
    "crm_complete_rate",
    "acceptance_rate",
    "dismissal_rate",
    "button_engagement_rate",
    "scheduling_handled_rate",
)


def mins(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_empty_input_gives_none_rates_and_zero_counts() -> None:
    f = sm.figures(sm.SuccessRows(), days=7, reps=1)
    assert all(getattr(f, r) is None for r in RATES)
    assert f.follow_up_median_minutes is None and f.dismissal_alert is False
    assert f.meetings == f.briefs_due == f.suggestions == f.messages == 0
    assert f.re_engaged_per_rep_week == 0.0
    assert sm.figures(sm.SuccessRows(), days=7, reps=0).re_engaged_per_rep_week is None


def test_follow_up_times_median_and_within_ten_minutes() -> None:
    rows = sm.SuccessRows(
        meetings=(
            sm.MeetingRow(1, 1, T0, follow_up_sent_at=T0 + mins(4)),
            sm.MeetingRow(1, 2, T0, follow_up_sent_at=T0 + mins(10)),
            sm.MeetingRow(1, 3, T0, follow_up_sent_at=T0 + mins(50)),
            sm.MeetingRow(1, 4, T0),  # never sent
        )
    )
    f = sm.figures(rows, days=7, reps=1)
    assert (f.meetings, f.follow_ups_sent, f.follow_ups_within_10min) == (4, 3, 2)
    assert f.follow_up_median_minutes == 10.0
    assert f.follow_up_within_10min_rate == 0.5


def test_briefs_on_time_need_five_minutes_and_opened_needs_a_click_before_the_start() -> None:
    start = T0 + timedelta(hours=2)
    rows = sm.SuccessRows(
        briefs=(
            sm.BriefRow(1, 1, start, delivered_at=start - mins(90), clicked_at=start - mins(30)),
            sm.BriefRow(1, 2, start, delivered_at=start - mins(5), clicked_at=start + mins(1)),
            sm.BriefRow(1, 3, start, delivered_at=start - mins(4), clicked_at=start - mins(1)),
            sm.BriefRow(1, 4, start),  # no brief went
        )
    )
    f = sm.figures(rows, days=7, reps=1)
    assert (f.briefs_due, f.briefs_on_time, f.briefs_opened) == (4, 2, 1)
    assert f.brief_on_time_rate == 0.5 and f.brief_opened_rate == 0.5


def test_crm_complete_needs_the_meeting_logged_and_nothing_waiting() -> None:
    rows = sm.SuccessRows(
        meetings=(
            sm.MeetingRow(1, 1, T0, crm_logged=True),
            sm.MeetingRow(1, 2, T0, crm_logged=True, crm_waiting=1),
            sm.MeetingRow(1, 3, T0),
        )
    )
    f = sm.figures(rows, days=7, reps=1)
    assert f.crm_complete == 1 and f.crm_complete_rate == pytest.approx(1 / 3)


def test_acceptance_dismissal_and_the_fifteen_percent_alert() -> None:
    statuses = ["approved"] * 5 + ["edited"] + ["skipped", "cancelled"] + ["expired"] * 2
    rows = sm.SuccessRows(suggestions=tuple(sm.SuggestionRow(1, "email_send", s) for s in statuses))
    f = sm.figures(rows, days=7, reps=1)
    assert (f.suggestions, f.suggestions_accepted, f.suggestions_dismissed) == (10, 6, 2)
    assert f.suggestions_ignored == 2
    assert f.acceptance_rate == 0.6 and f.dismissal_rate == 0.2 and f.dismissal_alert
    at_limit = sm.SuccessRows(
        suggestions=tuple(
            sm.SuggestionRow(1, "tasks", "approved" if i < 17 else "skipped") for i in range(20)
        )
    )
    assert sm.figures(at_limit, days=7, reps=1).dismissal_alert is False  # 15 % is not above


def test_too_few_decisions_never_alert() -> None:
    rows = sm.SuccessRows(
        suggestions=(
            sm.SuggestionRow(1, "tasks", "skipped"),
            sm.SuggestionRow(1, "tasks", "approved"),
        )
    )
    f = sm.figures(rows, days=7, reps=1)
    assert f.dismissal_rate == 0.5 and f.dismissal_alert is False


def test_revivals_count_distinct_deals_per_rep_week() -> None:
    rows = sm.SuccessRows(
        revivals=(
            sm.RevivalRow(1, 10, True),
            sm.RevivalRow(1, 10, False),  # the same deal suggested again
            sm.RevivalRow(1, 11, False),
            sm.RevivalRow(2, 12, True),
        )
    )
    f = sm.figures(rows, days=14, reps=2)
    assert (f.stale_deals_suggested, f.stale_deals_re_engaged) == (3, 2)
    assert f.re_engaged_per_rep_week == 0.5  # 2 deals / 2 reps / 2 weeks


def test_scheduling_handled_counts_offers_and_booked_counts_approved_invites() -> None:
    rows = sm.SuccessRows(
        scheduling=(
            sm.SchedulingRow(1, "offer", True),
            sm.SchedulingRow(1, "offer", False),
            sm.SchedulingRow(1, "invite", True, approved=True),
            sm.SchedulingRow(1, "invite", True),  # the slot was taken: new times shown
        )
    )
    f = sm.figures(rows, days=7, reps=1)
    assert (f.scheduling_requests, f.scheduling_handled, f.meetings_booked) == (2, 1, 1)
    assert f.scheduling_handled_rate == 0.5


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        sm.figures(sm.SuccessRows(), days=0, reps=1)


users = st.integers(1, 4)
moment = st.integers(-600, 600).map(lambda m: T0 + mins(m))
maybe_moment = st.none() | moment
rows_strategy = st.builds(
    sm.SuccessRows,
    meetings=st.lists(
        st.builds(
            sm.MeetingRow,
            users,
            st.integers(1, 50),
            moment,
            maybe_moment,
            st.booleans(),
            st.integers(0, 3),
        ),
        max_size=15,
    ).map(tuple),
    briefs=st.lists(
        st.builds(sm.BriefRow, users, st.integers(1, 50), moment, maybe_moment, maybe_moment),
        max_size=15,
    ).map(tuple),
    suggestions=st.lists(
        st.builds(
            sm.SuggestionRow,
            users,
            st.just("email_send"),
            st.sampled_from(["approved", "edited", "skipped", "cancelled", "expired", "odd"]),
        ),
        max_size=30,
    ).map(tuple),
    messages=st.lists(
        st.builds(sm.MessageRow, users, st.just("pre_meeting"), st.booleans()), max_size=30
    ).map(tuple),
    revivals=st.lists(
        st.builds(sm.RevivalRow, users, st.integers(1, 9), st.booleans()), max_size=15
    ).map(tuple),
    scheduling=st.lists(
        st.builds(
            sm.SchedulingRow,
            users,
            st.sampled_from(["offer", "invite", "email"]),
            st.booleans(),
            st.booleans(),
        ),
        max_size=15,
    ).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(rows=rows_strategy, days=st.integers(1, 90))
def test_rates_are_fractions_or_none_and_counts_fit(rows: sm.SuccessRows, days: int) -> None:
    f = sm.figures(rows, days=days, reps=4)
    for name in RATES:
        r = getattr(f, name)
        assert r is None or 0.0 <= r <= 1.0, name
    assert f.follow_ups_within_10min <= f.follow_ups_sent <= f.meetings
    assert f.briefs_opened <= f.briefs_on_time <= f.briefs_due
    assert f.suggestions_accepted + f.suggestions_dismissed + f.suggestions_ignored == f.suggestions
    assert f.stale_deals_re_engaged <= f.stale_deals_suggested
    assert f.follow_up_median_minutes is None or f.follow_up_median_minutes >= 0
    assert f.dismissal_alert == (
        f.dismissal_rate is not None and f.dismissal_rate > 0.15 and f.suggestions >= 5
    )


@settings(max_examples=100, deadline=None)
@given(rows=rows_strategy)
def test_team_total_is_its_reps_rows_together(rows: sm.SuccessRows) -> None:
    team = sm.team_figures(rows, [(1, "Ana"), (2, "Ben")], days=7)
    assert [r.name for r in team.reps] == ["Ana", "Ben"]
    assert team.total.meetings == sum(r.figures.meetings for r in team.reps)
    assert team.total.suggestions == sum(r.figures.suggestions for r in team.reps)
    assert team.total.messages_engaged == sum(r.figures.messages_engaged for r in team.reps)
    assert team.total == sm.figures(rows.of([1, 2]), days=7, reps=2)
