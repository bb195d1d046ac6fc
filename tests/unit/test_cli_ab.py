"""`sixty ab FILE.json`: the DESIGN.md 7 contract, and bad input as bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

SAMPLE_PATH = Path(__file__).resolve().parents[2] / "cli" / "samples" / "ab.json"
SAMPLE = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
KEYS = [
    "decision",
    "winner",
    "p_value",
    "needed_per_arm",
    "test",
    "alpha",
    "min_detectable_lift",
    "pooled_rate",
    "rates",
    "leader",
    "runner_up",
    "difference_pp",
    "ci_95_pp",
    "ci_method",
    "sends_short",
    "comparisons",
    "message",
]


def run(tmp_path: Path, payload: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "ab.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    code = main(["ab", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, SAMPLE, capsys)
    assert code == 0 and err == ""
    results = json.loads(out)["results"]
    assert list(json.loads(out)) == ["results"]
    assert len(results) == len(SAMPLE["tests"])
    for res, test in zip(results, SAMPLE["tests"], strict=True):
        assert list(res) == KEYS
        assert res["decision"] in {"winner", "keep_testing", "no_difference"}
        names = [a["name"] for a in test["arms"]]
        assert list(res["rates"]) == names == list(res["sends_short"])
        assert res["winner"] is None or res["winner"] in names
        assert isinstance(res["message"], str)
    # in order: keep testing, winner, no difference, a three-arm winner, no replies yet
    assert [r["decision"] for r in results] == [
        "keep_testing",
        "winner",
        "no_difference",
        "winner",
        "keep_testing",
    ]
    assert results[0]["p_value"] is None and results[0]["needed_per_arm"] > 640
    assert results[1]["winner"] == "B" and results[1]["p_value"] < 0.05
    assert results[2]["p_value"] >= 0.05
    assert results[3]["winner"] == "Question" and results[3]["alpha"] == 0.025
    assert results[4]["needed_per_arm"] is None and "No replies yet" in results[4]["message"]
    assert run(tmp_path, SAMPLE, capsys)[1] == out  # deterministic


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(SAMPLE).encode())))
    assert main(["ab", "-"]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 5


def test_empty_list_of_tests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(tmp_path, {"tests": []}, capsys)
    assert code == 0 and json.loads(out) == {"results": []}


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ("{not json", "not valid JSON"),
        (
            {
                "tests": [
                    {
                        "arms": [
                            {"name": "A", "sent": 5, "events": 6},
                            {"name": "B", "sent": 5, "events": 0},
                        ]
                    }
                ]
            },
            "events (6) is more than",
        ),
        ({"tests": [{"arms": [{"name": "A", "sent": 5, "events": 0}]}]}, "at least two arms"),
        (
            {"tests": [{"arms": [{"name": "A", "sent": 5, "events": 0}] * 2}]},
            "used by an earlier arm",
        ),
        (
            {
                "tests": [
                    {
                        "arms": [
                            {"name": "A", "sent": -5, "events": 0},
                            {"name": "B", "sent": 5, "events": 0},
                        ]
                    }
                ]
            },
            "must not be negative",
        ),
        (
            {"tests": [{"arms": SAMPLE["tests"][0]["arms"], "min_detectable_lift": 0}]},
            "min_detectable_lift",
        ),
        ({"arms": []}, "unknown field"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], payload: Any, needle: str
) -> None:
    code, out, err = run(tmp_path, payload, capsys)
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1
    assert err.startswith("sixty ab: ")


def test_bad_file_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"tests": [{"arms": [{"name": "A", "sent": 1, "events": 2}]}]}')
    for path in (str(tmp_path / "absent.json"), str(bad)):
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from cli.main import main; sys.exit(main())",
                "ab",
                path,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2 and proc.stdout == ""
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
