"""Reading slot-finder JSON (liberal shapes, strict errors) and the zone helpers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from skills.slot_json import (
    SlotInputError,
    parse_clock,
    parse_weekdays,
    request_from_json,
    result_to_json,
)
from skills.slot_types import SlotRequest
from skills.slots import find_slots
from skills.timezones import (
    UnknownTimezoneError,
    local_label,
    resolve_timezone,
    short_label,
)


def base(**rep: Any) -> dict[str, Any]:
    return {"now": "2026-03-05T08:00:00Z", "rep": {"timezone": "Europe/London", **rep}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["mon", "Tue", "WEDNESDAY"], {0, 1, 2}),
        ([1, 2, 3, 4, 5], {0, 1, 2, 3, 4}),
        (["6", 7], {5, 6}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sat, sun", {5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
    ],
)
def test_weekdays_in_many_spellings(raw: Any, expected: set[int]) -> None:
    assert parse_weekdays(raw, "days") == frozenset(expected)


@pytest.mark.parametrize("raw", [[0], ["funday"], [], [8], "mon-xyz"])
def test_bad_weekdays(raw: Any) -> None:
    with pytest.raises(SlotInputError, match="^days"):
        parse_weekdays(raw, "days")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09:00", time(9)),
        ("9:30", time(9, 30)),
        ("17:30:00", time(17, 30)),
        ("9am", time(9)),
        ("5:30 pm", time(17, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        (9, time(9)),
        (9.5, time(9, 30)),
        ("24:00", time(0)),
    ],
)
def test_clock_times(raw: Any, expected: time) -> None:
    assert parse_clock(raw, "t") == expected


@pytest.mark.parametrize("raw", ["25:00", "9:75", "13pm", "noonish", True, -1, None])
def test_bad_clock_times(raw: Any) -> None:
    with pytest.raises(SlotInputError):
        parse_clock(raw, "t")


def test_defaults() -> None:
    req = request_from_json(base())
    assert (req.duration_minutes, req.days, req.max_options, req.offset) == (30, 5, 5, 0)
    assert req.rep.buffer_minutes == 15
    assert req.rep.working_hours.start == time(9) and req.rep.working_hours.end == time(17)
    assert req.rep.working_hours.days == frozenset(range(5))
    assert req.prospect is None


def test_liberal_busy_shapes_and_statuses() -> None:
    req = request_from_json(
        base(
            busy=[
                {"start": "2026-03-05T10:00:00Z", "end": "2026-03-05T11:00:00Z"},
                ["2026-03-05T12:00:00", "2026-03-05T12:30:00"],  # naive: the rep's zone
                {
                    "start": {
                        "dateTime": "2026-03-05T09:00:00.0000000",
                        "timeZone": "Eastern Standard Time",
                    },
                    "end": {
                        "dateTime": "2026-03-05T09:30:00.0000000",
                        "timeZone": "Eastern Standard Time",
                    },
                    "status": "tentative",
                },
                {"start": "2026-03-05T15:00:00Z", "end": "2026-03-05T16:00:00Z", "status": "free"},
            ]
        )
    )
    assert [
        (iv.start.astimezone(UTC).hour, iv.end.astimezone(UTC).minute) for iv in req.rep.busy
    ] == [
        (10, 0),
        (12, 30),
    ]
    [tentative] = req.rep.tentative
    assert tentative.start == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


def test_all_day_ranges_are_end_exclusive() -> None:
    req = request_from_json(
        base(
            all_day=["2026-03-05"],
            out_of_office=[{"start": "2026-03-09", "end": "2026-03-11"}, "2026-03-20T00:00:00Z"],
        )
    )
    assert req.rep.days_off == {
        date(2026, 3, 5),
        date(2026, 3, 9),
        date(2026, 3, 10),
        date(2026, 3, 20),
    }


def test_now_may_be_left_to_the_caller() -> None:
    data = base()
    del data["now"]
    with pytest.raises(SlotInputError, match="now is required"):
        request_from_json(data)
    now = datetime(2026, 3, 5, tzinfo=UTC)
    assert request_from_json(data, default_now=now).now == now


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "input must be a JSON object"),
        ({"now": "2026-03-05T08:00:00Z"}, "rep must be an object"),
        ({"rep": {}}, "rep.timezone is required"),
        (base() | {"rep": {"timezone": "Mars/Olympus"}}, "rep.timezone: unknown timezone"),
        (base() | {"duration_minutes": -30}, "duration_minutes must be positive"),
        (base() | {"duration_minutes": "half an hour"}, "duration_minutes must be a whole"),
        (base() | {"duration_minutes": 2000}, "at most 1440"),
        (base() | {"days": 0}, "days must be at least 1"),
        (base() | {"max_options": 0}, "max_options must be"),
        (base() | {"offset": -1}, "offset must not be negative"),
        (base() | {"step_minutes": 1}, "step_minutes must be"),
        (base() | {"now": "yesterday"}, "now: not an ISO 8601"),
        (base() | {"prospect": {"busy": []}}, "prospect.timezone is required"),
        (base() | {"prospect": {"timezone": "Atlantis"}}, "prospect.timezone: unknown"),
        (base() | {"allow_outside_prospect_hours": "yes"}, "must be true or false"),
        (base(busy=[{"start": "2026-03-05T10:00:00Z"}]), r"rep.busy\[0\] needs start and end"),
        (
            base(busy=[{"start": "2026-03-05T10:00:00Z", "end": "2026-03-05T09:00:00Z"}]),
            r"rep.busy\[0\]: end .* is before start",
        ),
        (base(busy="all day"), "rep.busy must be a list"),
        (base(working_hours={"start": "17:00", "end": "09:00"}), "is not after start"),
        (base(working_hours={"start": "09:00", "end": "17:00", "days": []}), "non-empty"),
        (base(buffer_minutes=-5), "rep.buffer_minutes must be 0..240"),
        (base(min_notice_minutes=-1), "must not be negative"),
        (base(preference="evening"), "rep.preference must be"),
        (base(out_of_office=[{"start": "2026-03-09", "end": "2026-03-01"}]), "end is before start"),
        (base(all_day=["soon"]), r"rep.all_day\[0\]: not a date"),
        (base(quiet_hours={"start": "12:00"}), "rep.quiet_hours needs start and end"),
    ],
)
def test_bad_input_is_named(data: Any, message: str) -> None:
    with pytest.raises(SlotInputError, match=message) as info:
        request_from_json(data)
    assert "\n" not in str(info.value)


def test_days_beyond_ten_are_clamped_with_a_note() -> None:
    result = find_slots(request_from_json(base() | {"days": 30, "max_options": 50}))
    assert result.notes[0].code == "days_clamped"
    assert result.notes[0].params == {"days": 10, "asked": 30}
    assert len({s.start.date() for s in result.slots}) == 10


def test_json_out_has_the_contract_fields() -> None:
    data = base() | {"prospect": {"timezone": "America/New_York", "busy": []}}
    out = result_to_json(find_slots(request_from_json(data)))
    slot = out["slots"][0]
    assert set(slot) == {"start", "end", "score", "rep_local", "prospect_local", "flags"}
    start = datetime.fromisoformat(slot["start"])
    assert start.utcoffset() == timedelta(0)  # London in March: +00:00, offset written
    assert slot["start"].endswith("+00:00")
    assert isinstance(out["has_more"], bool)
    assert "explanation" not in out


def test_empty_result_json_explains() -> None:
    data = base(busy=[{"start": "2026-03-05T00:00:00Z", "end": "2026-03-20T00:00:00Z"}])
    out = result_to_json(find_slots(request_from_json(data)))
    assert out["slots"] == []
    reasons = out["explanation"]["reasons"]
    assert reasons[0]["code"] == "rep_fully_booked"
    assert reasons[0]["message"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("  America/New_York ", "America/New_York"),
        ("UTC", "UTC"),
        ("Z", "UTC"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("GMT Standard Time", "Europe/London"),
    ],
)
def test_resolve_timezone(name: str, key: str) -> None:
    assert resolve_timezone(name).key == key


@pytest.mark.parametrize("name", ["Nowhere/Land", "", "../etc/passwd", "EST5EDT/../x"])
def test_unknown_timezones(name: str) -> None:
    with pytest.raises(UnknownTimezoneError):
        resolve_timezone(name)


@pytest.mark.parametrize(
    ("zone", "when", "label"),
    [
        ("Europe/London", datetime(2026, 1, 15, 12, tzinfo=UTC), "GMT"),
        ("Europe/London", datetime(2026, 7, 15, 12, tzinfo=UTC), "BST"),
        ("Europe/Paris", datetime(2026, 1, 15, 12, tzinfo=UTC), "CET"),
        ("America/New_York", datetime(2026, 1, 15, 12, tzinfo=UTC), "EST"),
        ("Australia/Sydney", datetime(2026, 1, 15, 12, tzinfo=UTC), "AEDT"),
        ("Asia/Dubai", datetime(2026, 1, 15, 12, tzinfo=UTC), "UTC+4"),
        ("Asia/Kathmandu", datetime(2026, 1, 15, 12, tzinfo=UTC), "UTC+5:45"),
        ("America/Sao_Paulo", datetime(2026, 1, 15, 12, tzinfo=UTC), "UTC-3"),
        ("UTC", datetime(2026, 1, 15, 12, tzinfo=UTC), "UTC"),
    ],
)
def test_short_labels(zone: str, when: datetime, label: str) -> None:
    assert short_label(ZoneInfo(zone), when) == label


def test_local_label_with_and_without_date() -> None:
    at = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)
    assert local_label(at, ZoneInfo("Europe/London")) == "Thu 14:00 GMT"
    assert local_label(at, ZoneInfo("America/New_York"), with_date=True) == "Thu 12 Mar 10:00 EDT"


def test_python_api_rejects_nonsense() -> None:
    rep = request_from_json(base()).rep
    now = datetime(2026, 3, 5, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="step_minutes"):
        SlotRequest(now=now, rep=rep, step_minutes=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        SlotRequest(now=now.replace(tzinfo=None), rep=rep)
    with pytest.raises(ValueError, match="duration"):
        SlotRequest(now=now, rep=rep, duration_minutes=0)
    with pytest.raises(ValueError, match="must not be negative"):
        replace(rep, buffer_minutes=-1)


def test_calendar_api_shapes() -> None:
    req = request_from_json(
        base(
            working_hours={
                "daysOfWeek": ["monday", "tuesday"],
                "startTime": "08:00:00.0000000",
                "endTime": "16:30:00.0000000",
            },
            all_day=[{"start": {"date": "2026-03-09"}, "end": {"date": "2026-03-10"}}],
        )
    )
    hours = req.rep.working_hours
    assert (hours.start, hours.end, hours.days) == (time(8), time(16, 30), frozenset({0, 1}))
    assert req.rep.days_off == {date(2026, 3, 9)}
