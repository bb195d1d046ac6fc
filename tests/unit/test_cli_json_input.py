"""Every JSON-reading CLI (`sixty intents|slots|simulate meeting-ended`) reads input through
the one JSON reader: 100,000-deep nesting and plain garbage are exit 2 with one stderr line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

COMMANDS = (["intents"], ["slots"], ["simulate", "meeting-ended"])
GARBAGE = [
    ("[" * 100_000, "is nested deeper than 64 levels"),
    ('{"utterances": ' * 100_000, "is nested deeper than 64 levels"),
    ("{bad", "is not valid JSON: Expecting property name"),
    ("payload=%7Bx", "is not valid JSON: Expecting value at line 1 column 1"),
    (b"\xff\xfe\x00garbage", "is not UTF-8 text"),
    ('{"days": NaN}', "is not valid JSON: NaN is not allowed"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("content", "reason"), GARBAGE, ids=range(len(GARBAGE)))
def test_bad_json_file_is_exit_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    content: str | bytes,
    reason: str,
) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main([*command, str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"sixty {command[0]}: {path} {reason}")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_bad_json_on_stdin_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"[" * 100_000 + b"\xff")))
    assert main([*command, "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sixty {command[0]}: stdin is not UTF-8 text")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"[" * 100_000)))
    assert main([*command, "-"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"sixty {command[0]}: stdin is nested deeper than 64 levels"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_deep_nesting_in_a_real_process_prints_no_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", *command, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"sixty {command[0]}: {path} is nested deeper than 64 levels\n"
