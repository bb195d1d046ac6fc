"""`sixty coach FILE.json`: the DESIGN.md 7 contract, and bad input as bad input."""

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
    "title": "Acme discovery",
    "started_at": "2026-11-18T15:00:00Z",
    "rep": {"name": "Alex Rivera", "email": "alex@sixty.example"},
    "attendees": [{"name": "Sarah Chen", "email": "sarah.chen@acme.example"}],
    "utterances": [
        {
            "speaker": "Alex Rivera",
            "start": 0,
            "end": 6,
            "text": "Walk me through your quoting today",
        },
        {
            "speaker": "Sarah Chen",
            "start": 8,
            "end": 30,
            "text": "It is manual. And the price seems high.",
        },
        {"speaker": "Alex Rivera", "start": 30, "end": 36, "text": "Is there a budget set aside?"},
        {
            "speaker": "Sarah Chen",
            "start": 40,
            "end": 44,
            "text": "The price looks fine, to be fair.",
        },
    ],
}


def run(tmp_path: Path, payload: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "t.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    code = main(["coach", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, TRANSCRIPT, capsys)
    assert code == 0 and err == ""
    doc = json.loads(out)
    m = doc["metrics"]
    assert m["talk_ratio_rep"] == round(12 / 38, 3)
    assert m["longest_monologue_s"] == 6 and m["longest_story_s"] == 22
    assert m["interactivity"] == round(3 / (44 / 60), 3)
    assert m["patience_s"] == 0  # the rep came in right at 30: max(0, 30 - 30)
    assert doc["questions"] == [
        {
            "utterance": 0,
            "text": "Walk me through your quoting today",
            "kind": "open",
            "discovery": True,
            "topic": "situation",
        },
        {
            "utterance": 2,
            "text": "Is there a budget set aside?",
            "kind": "closed",
            "discovery": True,
            "topic": "budget",
        },
    ]
    assert [(o["utterance"], o["type"]) for o in doc["objections"]] == [(1, "price")]
    assert doc["objections"][0]["text"] == "And the price seems high."
    assert doc["call_type"]["type"] == "discovery"
    assert all({"kind", "utterance", "at", "quote", "text"} <= set(f) for f in doc["feedback"])
    assert doc["skipped"] is None


def test_roles_given_in_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roled = [
        dict(u, speaker=f"spk {i}", role=("rep" if i % 2 == 0 else "prospect"))
        for i, u in enumerate(TRANSCRIPT["utterances"])
    ]
    code, out, _ = run(tmp_path, {**TRANSCRIPT, "utterances": roled}, capsys)
    assert code == 0 and json.loads(out)["metrics"]["talk_ratio_rep"] == round(12 / 38, 3)


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "must be a JSON object"),
        ({**TRANSCRIPT, "utterances": [{"speaker": "A", "start": 0, "end": 1}]}, "text"),
        (
            {**TRANSCRIPT, "utterances": [{"speaker": "A", "start": 5, "end": 1, "text": "x"}]},
            "before its start",
        ),
        (
            {
                **TRANSCRIPT,
                "utterances": [{"speaker": "A", "start": 0, "end": 1, "text": "x", "role": "boss"}],
            },
            "role must be one of",
        ),
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
            "coach",
            str(tmp_path / "absent.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_the_sample_gives_three_moments(capsys: pytest.CaptureFixture[str]) -> None:
    sample = Path(__file__).resolve().parents[2] / "cli" / "samples" / "coach.json"
    assert main(["coach", str(sample)]) == 0
    doc = json.loads(capsys.readouterr().out)
    texts = [u["text"] for u in json.loads(sample.read_text())["utterances"]]
    assert [f["kind"] for f in doc["feedback"]] == ["strength", "change", "try"]
    assert all(f["quote"] in texts[f["utterance"]] for f in doc["feedback"])
