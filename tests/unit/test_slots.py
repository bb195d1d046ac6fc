"""Example tests of the slot finder: labels, flags, ranking, explanations, DST weeks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from skills.slot_json import request_from_json
from skills.slot_types import (
    FLAG_EARLY,
    FLAG_FRAGMENTS,
    FLAG_LATE,
    FLAG_NON_WORKING_DAY,
    FLAG_OUTSIDE,
    FLAG_TENTATIVE,
    Interval,
    SlotResult,
)
from skills.slots import find_slots, slot_is_free

THU = "2026-03-05"  # London on GMT, New York on EST


def run(**overrides: Any) -> SlotResult:
    return find_slots(request_from_json(make(**overrides)))


def make(**overrides: Any) -> dict[str, Any]:
    rep = {
        "timezone": "Europe/London",
        "working_hours": {
            "start": "09:00",
            "end": "17:00",
            "days": ["mon", "tue", "wed", "thu", "fri"],
        },
        "buffer_minutes": 0,
        "min_notice_minutes": 0,
        "busy": [],
    }
    rep.update(overrides.pop("rep", {}))
    data: dict[str, Any] = {
        "now": f"{THU}T08:00:00Z",
        "duration_minutes": 30,
        "days": 1,
        "max_options": 5,
        "rep": rep,
    }
    data.update(overrides)
    return data


def only_free(day: str, start: str, end: str, zone: str = "Z") -> list[dict[str, str]]:
    """Busy all of `day` except [start, end)."""
    return [
        {"start": f"{day}T00:00:00{zone}", "end": f"{day}T{start}:00{zone}"},
        {"start": f"{day}T{end}:00{zone}", "end": f"{day}T23:59:00{zone}"},
    ]


def codes(notes: Any) -> list[str]:
    return [n.code for n in notes]


def test_labels_show_both_local_times() -> None:
    result = run(
        rep={"busy": only_free(THU, "14:00", "14:30")},
        prospect={"timezone": "America/New_York", "busy": []},
    )
    [slot] = result.slots
    assert slot.start == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert slot.start.utcoffset() == timedelta(0)
    assert (slot.rep_local, slot.prospect_local) == ("Thu 14:00 GMT", "Thu 09:00 EST")
    assert slot.flags == ()


def test_slot_an_hour_before_the_prospects_day_is_flagged_early_and_ranked_lower() -> None:
    busy = [
        {"start": f"{THU}T09:00:00Z", "end": f"{THU}T13:00:00Z"},
        {"start": f"{THU}T13:30:00Z", "end": f"{THU}T14:00:00Z"},
        {"start": f"{THU}T14:30:00Z", "end": f"{THU}T17:00:00Z"},
    ]
    result = run(rep={"busy": busy}, prospect={"timezone": "America/New_York"})
    assert [s.rep_local for s in result.slots] == ["Thu 14:00 GMT", "Thu 13:00 GMT"]
    inside, early = result.slots
    assert inside.flags == () and early.flags == (FLAG_EARLY,)
    assert early.prospect_local == "Thu 08:00 EST"
    assert early.score < inside.score


def test_outside_hours_only_with_the_way_out() -> None:
    rep = {"busy": only_free(THU, "10:00", "10:30")}  # 05:00 in New York
    prospect = {"timezone": "America/New_York"}
    closed = run(rep=rep, prospect=prospect)
    assert closed.slots == ()
    assert closed.explanation is not None
    assert "rep_busy_in_prospect_hours" in codes(closed.explanation.reasons)
    assert "allow_outside_hours" in codes(closed.explanation.suggestions)

    opened = run(rep=rep, prospect=prospect, allow_outside_prospect_hours=True)
    [slot] = opened.slots
    assert set(slot.flags) == {FLAG_EARLY, FLAG_OUTSIDE}
    assert slot.prospect_local == "Thu 05:00 EST"


def test_late_for_prospect() -> None:
    result = run(
        rep={"timezone": "America/New_York", "busy": only_free(THU, "12:30", "13:00", "-05:00")},
        prospect={"timezone": "Europe/London"},
    )
    [slot] = result.slots
    assert slot.flags == (FLAG_LATE,)
    assert (slot.rep_local, slot.prospect_local) == ("Thu 12:30 EST", "Thu 17:30 GMT")


def test_prospects_weekend_is_outside_their_hours() -> None:
    # Monday 09:00 in Sydney is Sunday afternoon in New York.
    result = run(
        now="2026-03-08T20:00:00Z",
        rep={
            "timezone": "Australia/Sydney",
            "busy": only_free("2026-03-09", "09:00", "09:30", "+11:00"),
        },
        prospect={"timezone": "America/New_York"},
        allow_outside_prospect_hours=True,
    )
    [slot] = result.slots
    assert set(slot.flags) == {FLAG_OUTSIDE, FLAG_NON_WORKING_DAY}
    assert slot.prospect_local == "Sun 18:00 EDT"


def test_tentative_costs_score_not_availability() -> None:
    busy = [
        {"start": f"{THU}T09:00:00Z", "end": f"{THU}T10:00:00Z"},
        {"start": f"{THU}T10:30:00Z", "end": f"{THU}T15:00:00Z"},
        {"start": f"{THU}T15:30:00Z", "end": f"{THU}T17:00:00Z"},
    ]
    tentative = [{"start": f"{THU}T10:00:00Z", "end": f"{THU}T10:30:00Z"}]
    result = run(rep={"busy": busy, "tentative": tentative})
    assert [s.rep_local for s in result.slots] == ["Thu 15:00 GMT", "Thu 10:00 GMT"]
    assert result.slots[1].flags == (FLAG_TENTATIVE,)
    assert result.slots[0].score - result.slots[1].score > 10


def test_a_slot_leaving_slivers_is_flagged_and_ranked_last() -> None:
    result = run(rep={"busy": only_free(THU, "10:00", "11:00")}, max_options=10)
    by_label = {s.rep_local: s for s in result.slots}
    assert list(by_label) == ["Thu 10:00 GMT", "Thu 10:30 GMT", "Thu 10:15 GMT"]
    assert by_label["Thu 10:15 GMT"].flags == (FLAG_FRAGMENTS,)
    assert by_label["Thu 10:00 GMT"].flags == by_label["Thu 10:30 GMT"].flags == ()


def test_buffer_keeps_time_around_meetings_free() -> None:
    busy = [{"start": f"{THU}T09:00:00Z", "end": f"{THU}T16:00:00Z"}]
    tight = run(rep={"busy": busy, "buffer_minutes": 0}, max_options=50)
    padded = run(rep={"busy": busy, "buffer_minutes": 15}, max_options=50)
    assert min(s.start for s in tight.slots).hour == 16
    assert min(s.start for s in padded.slots) == datetime(2026, 3, 5, 16, 15, tzinfo=UTC)


def test_options_spread_over_days_and_sooner_first() -> None:
    result = run(days=5)
    days = [s.start.date() for s in result.slots]
    assert len(set(days)) == 5
    assert days[0] == datetime(2026, 3, 5).date()
    assert all(s.start.weekday() < 5 for s in result.slots)


def test_options_on_one_day_do_not_overlap() -> None:
    result = run(max_options=4)
    starts = sorted(s.start for s in result.slots)
    assert len(starts) == 4
    assert all(b - a >= timedelta(minutes=30) for a, b in pairwise(starts))


def test_morning_or_afternoon_preference_leads() -> None:
    morning = run(rep={"preference": "morning"})
    afternoon = run(rep={"preference": "afternoon"})
    assert morning.slots[0].start.hour < 12
    assert afternoon.slots[0].start.hour >= 12


def test_saturday_offered_only_when_a_working_day() -> None:
    fri = "2026-03-06T08:00:00Z"
    weekdays = run(now=fri, days=2, max_options=50)
    assert {s.start.strftime("%a") for s in weekdays.slots} == {"Fri", "Mon"}
    six_days = run(
        now=fri,
        days=2,
        max_options=50,
        rep={"working_hours": {"start": "10:00", "end": "14:00", "days": [1, 2, 3, 4, 5, 6]}},
    )
    assert {s.start.strftime("%a") for s in six_days.slots} == {"Fri", "Sat"}


def test_out_of_office_days_are_skipped_and_explained() -> None:
    result = run(days=3, max_options=50, rep={"out_of_office": ["2026-03-06"], "all_day": [THU]})
    assert {s.start.date().isoformat() for s in result.slots} == {"2026-03-09"}
    result = run(days=2, rep={"out_of_office": [{"start": THU, "end": "2026-03-07"}]})
    assert result.slots == ()
    assert result.explanation is not None
    assert codes(result.explanation.reasons) == ["rep_out_of_office"]
    assert "widen_range" in codes(result.explanation.suggestions)


def test_min_notice_rules_out_the_rest_of_today() -> None:
    result = run(now=f"{THU}T15:00:00Z", rep={"min_notice_minutes": 120})
    assert result.slots == ()
    assert result.explanation is not None
    assert "min_notice_excludes_today" in codes(result.explanation.reasons)
    assert "2 hours" in result.explanation.reasons[0].message
    # After working hours, today does not count: the one day is Friday.
    late = run(now=f"{THU}T18:00:00Z")
    assert {s.start.date().isoformat() for s in late.slots} == {"2026-03-06"}
    # Nor when the meeting no longer fits before the working day ends.
    almost = run(now=f"{THU}T16:45:00Z", duration_minutes=30)
    assert {s.start.date().isoformat() for s in almost.slots} == {"2026-03-06"}
    still = run(now=f"{THU}T16:15:00Z", duration_minutes=30, max_options=50)
    assert {s.rep_local for s in still.slots} == {"Thu 16:15 GMT", "Thu 16:30 GMT"}


def test_fully_booked_suggests_wider_range_and_shorter_meeting() -> None:
    busy = [
        {"start": f"{THU}T09:00:00Z", "end": f"{THU}T12:00:00Z"},
        {"start": f"{THU}T12:15:00Z", "end": f"{THU}T17:00:00Z"},
    ]
    result = run(rep={"busy": busy})
    assert result.slots == ()
    assert result.explanation is not None
    assert codes(result.explanation.reasons) == ["rep_fully_booked"]
    suggestions = {n.code: n for n in result.explanation.suggestions}
    assert set(suggestions) == {"widen_range", "shorter_meeting"}
    assert suggestions["shorter_meeting"].params == {"duration_minutes": 15}
    assert suggestions["widen_range"].params == {"days": 10}
    assert all(n.message.endswith(".") for n in result.explanation.reasons)


def test_no_business_hours_overlap_london_sydney() -> None:
    result = run(days=5, prospect={"timezone": "Australia/Sydney", "stretch_minutes": 0})
    assert result.slots == ()
    assert result.explanation is not None
    assert codes(result.explanation.reasons) == [
        "no_business_hours_overlap",
        "prospect_calendar_unknown",
    ]
    assert "AEDT" in result.explanation.reasons[0].message
    assert codes(result.explanation.suggestions) == ["allow_outside_hours"]
    assert codes(result.notes) == []  # said once, in the explanation


def test_working_day_to_midnight() -> None:
    result = run(rep={"working_hours": {"start": "20:00", "end": "24:00"}}, max_options=50, days=1)
    assert {s.rep_local for s in result.slots} >= {"Thu 20:00 GMT", "Thu 23:30 GMT"}
    assert max(s.end for s in result.slots) == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)


def test_prospect_busy_is_respected_and_explained() -> None:
    result = run(
        rep={"busy": only_free(THU, "14:00", "15:00")},
        prospect={
            "timezone": "America/New_York",
            "busy": [{"start": f"{THU}T09:00:00-05:00", "end": f"{THU}T10:00:00-05:00"}],
            "buffer_minutes": 0,
        },
    )
    assert result.slots == ()
    assert result.explanation is not None
    assert "prospect_busy" in codes(result.explanation.reasons)


def test_notes_say_what_was_assumed() -> None:
    assert codes(run(days=14).notes) == ["days_clamped", "prospect_timezone_unknown"]
    assert codes(run(prospect={"timezone": "America/New_York"}).notes) == [
        "prospect_calendar_unknown"
    ]
    assert codes(run(prospect={"timezone": "America/New_York", "busy": []}).notes) == []


def test_london_spring_forward_week_with_new_york() -> None:
    # US clocks went forward on 8 March, UK on 29 March: New York is 4 hours behind on
    # Friday 27 March (GMT vs EDT) and 5 hours again from Monday 30 March (BST vs EDT).
    result = run(
        now="2026-03-27T07:00:00Z",
        days=2,
        max_options=50,
        prospect={"timezone": "America/New_York", "stretch_minutes": 0, "busy": []},
    )
    labels = {s.rep_local: s.prospect_local for s in result.slots}
    assert labels["Fri 13:00 GMT"] == "Fri 09:00 EDT"
    assert labels["Mon 14:00 BST"] == "Mon 09:00 EDT"
    assert "Fri 12:45 GMT" not in labels and "Mon 13:45 BST" not in labels
    assert "Mon 16:30 BST" in labels and "Mon 16:45 BST" not in labels


def test_sydney_autumn_back_week() -> None:
    # Sydney leaves daylight time on Sunday 5 April 2026: 09:00 is 22:00Z, then 23:00Z.
    result = run(
        now="2026-04-02T20:00:00Z",
        days=2,
        max_options=50,
        rep={"timezone": "Australia/Sydney"},
    )
    starts = sorted(s.start.astimezone(UTC) for s in result.slots)
    assert starts[0] == datetime(2026, 4, 2, 22, 0, tzinfo=UTC)
    monday = [s for s in result.slots if s.rep_local.startswith("Mon")]
    assert min(s.start.astimezone(UTC) for s in monday) == datetime(2026, 4, 5, 23, 0, tzinfo=UTC)
    assert max(s.end.astimezone(UTC) for s in monday) == datetime(2026, 4, 6, 7, 0, tzinfo=UTC)
    assert {s.rep_local.split()[-1] for s in result.slots} == {"AEDT", "AEST"}


def test_new_york_spring_forward_week() -> None:
    result = run(
        now="2026-03-06T12:00:00Z", days=2, max_options=50, rep={"timezone": "America/New_York"}
    )
    mondays = sorted(s.start.astimezone(UTC) for s in result.slots if s.rep_local.startswith("Mon"))
    fridays = sorted(s.start.astimezone(UTC) for s in result.slots if s.rep_local.startswith("Fri"))
    assert fridays[0] == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert mondays[0] == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_quiet_hours_are_not_offered() -> None:
    result = run(rep={"quiet_hours": {"start": "12:00", "end": "13:30"}}, max_options=50)
    assert result.slots
    for s in result.slots:
        assert s.end <= datetime(2026, 3, 5, 12, 0, tzinfo=UTC) or s.start >= datetime(
            2026, 3, 5, 13, 30, tzinfo=UTC
        )
    wrapping = run(rep={"quiet_hours": [{"start": "16:00", "end": "10:00"}]}, max_options=50)
    assert {s.start.hour for s in wrapping.slots} == {10, 11, 12, 13, 14, 15}


def test_show_more_pages_on() -> None:
    first = run(days=5, max_options=3)
    more = run(days=5, max_options=3, offset=3)
    assert first.has_more and more.slots
    assert not {s.start for s in first.slots} & {s.start for s in more.slots}
    assert more.slots[0].score <= first.slots[-1].score


def test_slot_taken_in_the_meantime() -> None:
    data = make(prospect={"timezone": "America/New_York", "busy": []})
    request = request_from_json(data)
    best = find_slots(request).slots[0]
    assert slot_is_free(request, best.start, best.end)
    clash = Interval(best.start + timedelta(minutes=10), best.end + timedelta(minutes=10))
    taken = replace(request, rep=replace(request.rep, busy=(clash,)))
    assert not slot_is_free(taken, best.start, best.end)
    assert best.start not in {s.start for s in find_slots(taken).slots}
    prospect_taken = replace(request, prospect=replace(request.prospect, busy=(clash,)))
    assert not slot_is_free(prospect_taken, best.start, best.end)
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    assert not slot_is_free(request, saturday, saturday + timedelta(minutes=30))
