"""Human relative times (skills/human_time.py), issue 11, 2.5: "(in 1041 min)" for tomorrow and
"(in 0 min)" for a meeting six hours gone become "tomorrow at 10:00 AM PST" and "started 6 h
ago"; every clock time carries its zone. Edges: midnight, DST changes, past/future, zones."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from skills import briefs as sk
from skills.human_time import clock, day_phrase, relative, span, when

LA = "America/Los_Angeles"
ZONES = [LA, "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]


def la(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(LA))


def test_the_reported_cases() -> None:
    now = la(2026, 12, 6, 16, 59)
    assert when(la(2026, 12, 7, 10, 0), now, LA) == "tomorrow at 10:00 AM PST"  # was (in 1041 min)
    assert when(now - timedelta(hours=6), now, LA) == "today at 10:59 AM PST (started 6 h ago)"
    assert when(now + timedelta(minutes=25), now, LA) == "today at 5:24 PM PST (in 25 min)"
    assert relative(now + timedelta(hours=3), now) == "in 3 h"
    assert relative(now + timedelta(seconds=20), now) == "now"
    assert span(timedelta(minutes=90)) == "1 h 30 min"
    assert span(timedelta(days=2, hours=1)) == "2 days"


def test_midnight_and_dst() -> None:
    now = la(2026, 12, 6, 23, 58)
    assert when(la(2026, 12, 7, 0, 5), now, LA) == "tomorrow at 12:05 AM PST (in 7 min)"
    assert when(la(2026, 12, 6, 23, 50), la(2026, 12, 7, 0, 1), LA) == (
        "yesterday at 11:50 PM PST (started 11 min ago)"
    )
    # US clocks spring forward on 2027-03-14 at 02:00: the day still counts as tomorrow and
    # the zone name changes with the offset.
    spring_eve = la(2027, 3, 13, 22, 0)
    assert when(la(2027, 3, 14, 10, 0), spring_eve, LA) == "tomorrow at 10:00 AM PDT (in 11 h)"
    # 01:30 to 03:30 local across the change is one hour of real time.
    assert relative(la(2027, 3, 14, 3, 30), la(2027, 3, 14, 1, 30)) == "in 1 h"
    assert clock(datetime(2027, 3, 14, 9, 45, tzinfo=UTC), LA) == "1:45 AM PST"
    assert clock(datetime(2027, 3, 14, 10, 15, tzinfo=UTC), LA) == "3:15 AM PDT"


def test_week_and_beyond() -> None:
    now = la(2026, 12, 7, 9, 0)  # a Monday
    assert day_phrase(la(2026, 12, 10, 9, 0), now, LA) == "on Thursday"
    assert day_phrase(la(2026, 12, 17, 9, 0), now, LA) == "on Thu 17 Dec"
    assert day_phrase(la(2026, 12, 1, 9, 0), now, LA) == "on Tue 1 Dec"


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)


@given(t=instants, now=instants, tz=st.sampled_from(ZONES))
def test_phrases_read_as_people_say_them(t: datetime, now: datetime, tz: str) -> None:
    rel, full = relative(t, now), when(t, now, tz)
    assert not re.search(r"\b0 min", rel)  # never "in 0 min"
    assert all(int(n) < 60 for n in re.findall(r"(\d+) min", rel))  # never "in 1041 min"
    if t - now >= timedelta(minutes=1):
        assert rel.startswith("in ") and "ago" not in full
    elif now - t >= timedelta(minutes=1):
        assert rel.startswith("started ") and rel.endswith(" ago") and "(in " not in full
    local = t.astimezone(ZoneInfo(tz))
    assert f" {local.strftime('%Z')}" in full  # the zone is always said
    days = (local.date() - now.astimezone(ZoneInfo(tz)).date()).days
    assert full.startswith("tomorrow") == (days == 1)
    assert full.startswith("today") == (days == 0)


def test_pre_meeting_headline_and_past_meetings_in_the_brief() -> None:
    now = datetime(2026, 12, 7, 0, 59, tzinfo=UTC)  # 4:59 PM PST, Dec 6
    tomorrow = sk.build_pre_meeting_brief(
        sk.PreMeetingInput("Acme demo", la(2026, 12, 7, 10, 0), LA, now)
    )
    assert tomorrow.headline == "Acme demo tomorrow at 10:00 AM PST"
    gone = sk.build_pre_meeting_brief(
        sk.PreMeetingInput("Acme demo", now - timedelta(hours=6), LA, now)
    )
    assert gone.headline == "Acme demo today at 10:59 AM PST (started 6 h ago)"
    meetings = [
        sk.MeetingInfo(1, now - timedelta(hours=6), "Acme — Demo", True, prep="ready"),
        sk.MeetingInfo(2, now + timedelta(minutes=30), "TechFlow — Intro", True, prep="ready"),
    ]
    brief = sk.build_morning_brief(sk.MorningInput("Alex", LA, now, meetings=meetings))
    assert [(m.event_id, m.prep) for m in brief.meetings] == [(1, "started"), (2, "ready")]
    assert brief.meetings[1].time == "5:29 PM PST"
