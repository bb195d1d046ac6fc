"""`sixty slots` input bounds: every numeric field and instant is bounded with a clear error
(issue 11, 3.9: `days=1e9` was accepted silently), and any JSON the reader accepts either
becomes a request the finder answers or a `SlotInputError` naming the field."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from skills.slot_json import SlotInputError, request_from_json
from skills.slots import find_slots


def base(**fields: Any) -> dict[str, Any]:
    return {"now": "2026-03-05T08:00:00Z", "rep": {"timezone": "Europe/London"}, **fields}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": 1e9}, "days must be 1..60, got 1e+09"),
        ({"days": 61}, "days must be 1..60, got 61"),
        ({"days": "1e400"}, "days must be a whole number"),
        ({"duration_minutes": 10**30}, "duration_minutes must be at most 1440, got 1e+30"),
        ({"max_options": 1e6}, "max_options must be 1..50, got 1e+06"),
        ({"offset": 10**9}, "offset must be 0..1000, got 1e+09"),
        (
            {"rep": {"timezone": "UTC", "min_notice_minutes": 1e18}},
            "rep.min_notice_minutes must be 0..43200, got 1e+18",
        ),
        ({"now": "9999-12-31T23:00:00Z"}, "now must be between 1970 and 9990"),
        ({"now": "0001-01-01T00:00:00+05:00"}, "now: out of range"),
        ({"now": "1969-12-31T23:00:00Z"}, "now must be between 1970 and 9990"),
        (
            {
                "rep": {
                    "timezone": "UTC",
                    "busy": [{"start": "0001-01-01T00:00:00+05:00", "end": "2026-03-05T09:00:00Z"}],
                }
            },
            "rep.busy[0].start: out of range",
        ),
        (
            {
                "prospect": {
                    "timezone": "Asia/Tokyo",
                    "busy": [["2026-03-05T09:00:00", "9999-12-31T23:59:59-05:00"]],
                }
            },
            "prospect.busy[0].end: out of range",
        ),
    ],
)
def test_out_of_range_numbers_and_instants_are_named(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SlotInputError, match=re.escape(message)):
        request_from_json(base(**fields))


def test_days_within_the_bound_are_still_clamped_to_ten() -> None:
    result = find_slots(request_from_json(base(days=60)))
    assert result.notes[0].code == "days_clamped"


def test_cli_exits_2_on_days_1e9(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "req.json"
    path.write_text(json.dumps(base(days=1e9)))
    assert main(["slots", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "sixty slots: days must be 1..60, got 1e+09\n"


NUMBERS = (
    st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0, 1, 5, 10, 30, 60, 240, 1440, 1e9, "12", "x"])
)
ZONES = [timezone(timedelta(hours=h)) for h in (-12, -5, 0, 5, 14)]
INSTANTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.sampled_from(ZONES)
).map(lambda d: d.isoformat())
REQUESTS = st.fixed_dictionaries(
    {"now": st.sampled_from(["2026-03-05T08:00:00Z", "2026-11-01T06:30:00-07:00"]) | INSTANTS,
     "rep": st.fixed_dictionaries(
         {"timezone": st.sampled_from(["Europe/London", "America/New_York", "Pacific/Kiritimati"])},
         optional={"buffer_minutes": NUMBERS, "min_notice_minutes": NUMBERS,
                   "busy": st.lists(st.tuples(INSTANTS, INSTANTS).map(sorted), max_size=3)})},
    optional={"days": NUMBERS, "duration_minutes": NUMBERS, "max_options": NUMBERS,
              "offset": NUMBERS, "step_minutes": NUMBERS,
              "prospect": st.fixed_dictionaries({"timezone": st.just("Asia/Tokyo")},
                                                optional={"stretch_minutes": NUMBERS})},
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(REQUESTS)
def test_any_request_is_answered_or_named(data: dict[str, Any]) -> None:
    try:
        request = request_from_json(data)
    except SlotInputError as exc:
        assert "\n" not in str(exc)
        return
    result = find_slots(request)
    assert len(result.slots) <= request.max_options
