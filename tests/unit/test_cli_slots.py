"""`sixty slots FILE.json` through `cli.main.main`: JSON out, and bad input as exit 2."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday
REQUEST = {
    "now": "2026-03-05T09:00:00Z",
    "duration_minutes": 30,
    "days": 3,
    "max_options": 3,
    "rep": {
        "timezone": "Europe/London",
        "working_hours": {
            "start": "09:00",
            "end": "17:30",
            "days": ["mon", "tue", "wed", "thu", "fri"],
        },
        "buffer_minutes": 15,
        "busy": [{"start": "2026-03-05T13:00:00Z", "end": "2026-03-05T14:00:00Z"}],
    },
    "prospect": {"timezone": "America/New_York", "busy": []},
}


def write(tmp_path: Path, data: Any, name: str = "req.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_slots_json_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slots", write(tmp_path, REQUEST)]) == 0
    out = json.loads(capsys.readouterr().out)
    slots = out["slots"]
    assert len(slots) == 3
    assert [s["score"] for s in slots] == sorted((s["score"] for s in slots), reverse=True)
    for s in slots:
        start, end = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        assert start.tzinfo is not None and (end - start).total_seconds() == 1800
        assert s["rep_local"].endswith("GMT")
        assert s["prospect_local"].split()[-1] in {"EST", "EDT"}
        assert s["flags"] == []
    # Nothing overlaps the busy hour and its 15-minute buffers.
    busy_from = datetime.fromisoformat("2026-03-05T12:45:00+00:00")
    busy_to = datetime.fromisoformat("2026-03-05T14:15:00+00:00")
    assert all(
        datetime.fromisoformat(s["end"]) <= busy_from
        or datetime.fromisoformat(s["start"]) >= busy_to
        for s in slots
    )


def test_slots_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(REQUEST)))
    assert main(["slots", "-", "--indent", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("{\n") and json.loads(out)["slots"]


def test_without_now_uses_the_clock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = {k: v for k, v in REQUEST.items() if k != "now"} | {"days": 10}
    assert main(["slots", write(tmp_path, data)], clock=lambda: NOW) == 0
    slots = json.loads(capsys.readouterr().out)["slots"]
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert starts and all(start > NOW for start in starts)
    assert min(starts) < NOW + timedelta(days=2)  # counted from the clock's "now"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "input must be a JSON object"),
        (
            {**REQUEST, "rep": {**REQUEST["rep"], "timezone": "Mars/Base"}},
            "unknown timezone 'Mars/Base'",
        ),
        ({**REQUEST, "duration_minutes": -15}, "duration_minutes must be positive"),
        (
            {
                **REQUEST,
                "rep": {
                    **REQUEST["rep"],
                    "busy": [{"start": "2026-03-05T14:00:00Z", "end": "2026-03-05T13:00:00Z"}],
                },
            },
            "is before start",
        ),
        ({**REQUEST, "prospect": "New York"}, "prospect must be an object"),
        (
            {**REQUEST, "rep": {**REQUEST["rep"], "working_hours": {"days": ["mon", "noday"]}}},
            "not a weekday",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, message: str
) -> None:
    assert main(["slots", write(tmp_path, content)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("sixty slots: ") and message in err
    assert "\n" not in err and "Traceback" not in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slots", str(tmp_path / "nope.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_stdin_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("nope"))
    assert main(["slots", "-"]) == 2
    assert "stdin is not valid JSON" in capsys.readouterr().err
