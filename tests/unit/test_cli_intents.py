"""`sixty intents FILE.json`: the DESIGN.md 7 contract, and bad input as bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

TRANSCRIPT: dict[str, Any] = {
    "meeting_id": "m-1",
    "title": "Acme follow-up",
    "started_at": "2026-11-18T15:00:00Z",
    "rep": {"name": "Alex Rivera", "email": "alex@sixty.example"},
    "attendees": [{"name": "Sarah Chen", "email": "sarah.chen@acme.example"}],
    "utterances": [
        {"speaker": "Sarah Chen", "start": 0, "end": 4, "text": "We're also evaluating Clari."},
        {
            "speaker": "Alex Rivera",
            "start": 5,
            "end": 9,
            "text": "Understood. I'll send you a proposal by Friday.",
        },
        {"speaker": "Sarah Chen", "start": 10, "end": 12, "text": "How was your weekend?"},
    ],
}


def run(tmp_path: Path, payload: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "t.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    code = main(["intents", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, TRANSCRIPT, capsys)
    assert code == 0 and err == ""
    intents = json.loads(out)["intents"]
    assert [(i["utterance"], i["label"]) for i in intents] == [
        (0, "signal:competitive"),
        (1, "commitment:send_proposal"),
    ]
    proposal = intents[1]
    assert proposal["speaker"] == "rep"
    assert proposal["phrase"] == "I'll send you a proposal by Friday"
    assert proposal["event"] == "proposal_generation"
    assert proposal["deadline"] == "2026-11-20"
    assert all(i["confidence"] >= 0.7 for i in intents)
    assert intents[0]["speaker"] == "prospect" and "event" not in intents[0]


def test_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(tmp_path, TRANSCRIPT, capsys)[1]
    assert run(tmp_path, TRANSCRIPT, capsys)[1] == first


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "must be a JSON object"),
        ({**TRANSCRIPT, "started_at": "2026-11-18T15:00:00"}, "timezone"),
        ({**TRANSCRIPT, "utterances": [{"speaker": "A", "start": 0, "end": 1}]}, "text"),
        ({**TRANSCRIPT, "utterances": "nope"}, "utterances"),
        ({k: v for k, v in TRANSCRIPT.items() if k != "rep"}, "rep"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], payload: Any, needle: str
) -> None:
    code, out, err = run(tmp_path, payload, capsys)
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1


def test_missing_file_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cli.main import main; sys.exit(main())",
            "intents",
            str(tmp_path / "absent.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr
