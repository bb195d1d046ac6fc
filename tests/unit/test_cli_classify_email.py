"""`sixty classify-email FILE.eml`: the JSON contract and bad input as exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

MEETING = (
    b"From: Sarah Chen <sarah@acme.example>\nTo: alex@sixty-demo.example\n"
    b"Subject: Re: Next steps\nDate: Wed, 18 Nov 2026 09:00:00 +0000\n"
    b"Content-Type: text/plain; charset=utf-8\n\n"
    b"Could we get 30 minutes on the calendar next week? Tuesday afternoon is ideal.\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["classify-email", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_category_and_confidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(MEETING)
    code, out, err = run(capsys, str(path))
    assert code == 0 and err == ""
    result = json.loads(out)
    assert set(result) == {"category", "confidence"}
    assert result["category"] == "meeting_request"
    assert 0.7 <= result["confidence"] <= 1.0


def test_details_flag_adds_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(MEETING)
    code, out, _ = run(capsys, "--details", str(path))
    result = json.loads(out)
    assert code == 0 and result["evidence"] and "proposed_times" in result["details"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"  \n\n ", "is empty"),
        (bytes(range(256)) * 8, "not an RFC 5322 email"),
        (b"just a note to self\nno headers here\n", "not an RFC 5322 email"),
        (b'{"category": "fyi"}', "not an RFC 5322 email"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.eml"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, str(path))
    assert code == 2 and out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_directory_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "not a file" in err


def test_the_installed_command_runs_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "junk.eml"
    path.write_bytes(b"\x00\x01\x02 junk")
    sixty = Path(sys.executable).with_name("sixty")
    if not sixty.exists():
        pytest.skip("the sixty console script is not installed in this environment")
    proc = subprocess.run(
        [str(sixty), "classify-email", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("sixty classify-email: ")
    assert "Traceback" not in proc.stderr


def test_mime_nested_thousands_deep_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    depth = 3000
    lines = ["From: a@b.example", "To: c@d.example", "Subject: hi", "MIME-Version: 1.0",
             'Content-Type: multipart/mixed; boundary="b0"', ""]  # fmt: skip
    for i in range(1, depth):
        lines += [f"--b{i - 1}", f'Content-Type: multipart/mixed; boundary="b{i}"', ""]
    lines += [f"--b{depth - 1}", "Content-Type: text/plain", "", "hello"]
    lines += [f"--b{i}--" for i in reversed(range(depth))]
    path = tmp_path / "deep.eml"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run(capsys, str(path))
    assert (code, out) == (2, "")
    assert err == f"sixty classify-email: {path} is not an RFC 5322 email (unparseable message)\n"
