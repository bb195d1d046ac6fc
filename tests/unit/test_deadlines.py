"""Deadlines resolved against the meeting start (Wednesday 18 Nov 2026 unless stated)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills.deadlines import WEEKDAYS, find_deadline

ANCHOR = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'll send it by Friday.", date(2026, 11, 20)),
        ("Let's meet next Tuesday.", date(2026, 11, 24)),
        ("You'll have it tomorrow.", date(2026, 11, 19)),
        ("We can revisit in two weeks.", date(2026, 12, 2)),
        ("by the end of the month", date(2026, 11, 30)),
        ("We'd want to be live by the end of Q1 though.", date(2027, 3, 31)),
        ("the redlines back by the fifteenth", date(2026, 12, 15)),
        ("early next week", date(2026, 11, 24)),
        ("before Christmas", date(2026, 12, 24)),
        ("on March 3rd", date(2027, 3, 3)),
        ("on 12/5", date(2026, 12, 5)),
        ("after the call", date(2026, 11, 18)),
        ("within three business days", date(2026, 11, 23)),
        ("by end of next month", date(2026, 12, 31)),
        ("this Friday", date(2026, 11, 20)),
        ("in January", date(2027, 1, 31)),
    ],
)
def test_resolves(text: str, expected: date) -> None:
    found = find_deadline(text, ANCHOR)
    assert found is not None
    assert found.day == expected
    assert text[found.start : found.end] == found.phrase


@pytest.mark.parametrize("text", ["no date here", "may I ask something", "we met last year"])
def test_no_deadline(text: str) -> None:
    assert find_deadline(text, ANCHOR) is None


def test_end_of_day_keeps_the_meeting_timezone() -> None:
    anchor = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    found = find_deadline("tomorrow", anchor)
    assert found is not None
    due = found.at_end_of_day(anchor)
    assert due.tzinfo is not None and due.date() == date(2026, 11, 19)


anchors = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@given(anchors, st.sampled_from(WEEKDAYS), st.sampled_from(["by", "next", "on", ""]))
def test_weekdays_are_in_the_future_and_right(anchor: datetime, weekday: str, mod: str) -> None:
    found = find_deadline(f"{mod} {weekday}".strip(), anchor)
    assert found is not None
    assert found.day.weekday() == WEEKDAYS.index(weekday)
    assert anchor.date() < found.day <= anchor.date() + timedelta(days=13)


@given(anchors, st.sampled_from(["Q1", "Q2", "Q3", "Q4", "end of the month", "next week"]))
def test_period_ends_are_never_in_the_past(anchor: datetime, text: str) -> None:
    found = find_deadline(text, anchor)
    assert found is not None
    assert anchor.date() <= found.day <= anchor.date() + timedelta(days=366)
