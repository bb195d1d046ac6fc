"""`sixty intents` on a huge transcript (issue 11 item 3.9): a 50 MB file is refused at once
with exit status 2 and one line on stderr; a call at the size bound is answered in seconds."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.long_call import long_call
from cli.intents import MAX_TEXT_CHARS, MAX_UTTERANCES


def sixty_intents(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cli.main import main; sys.exit(main())",
            "intents",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def child_cpu_s() -> float:
    """CPU seconds used by finished child processes: a bound on work done that a loaded machine
    (other jobs on the same cores) does not stretch the way it stretches elapsed time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_a_50_mb_transcript_is_refused_clearly(tmp_path: Path) -> None:
    doc: dict[str, Any] = long_call(1)
    line = {
        "speaker": "Mick Halloran",
        "start": 0,
        "end": 1,
        "text": "We're also looking at Vorio alongside you, and I'll send the pricing over by Friday.",
    }
    doc["utterances"] = [line] * 400_000
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(doc))
    assert path.stat().st_size > 50_000_000
    started = child_cpu_s()
    proc = sixty_intents(path)
    assert child_cpu_s() - started < 60
    assert proc.returncode == 2 and proc.stdout == ""
    assert "transcript too long" in proc.stderr and str(MAX_UTTERANCES) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_one_huge_utterance_is_refused_too(tmp_path: Path) -> None:
    doc: dict[str, Any] = long_call(2)
    doc["utterances"][0]["text"] = "so we could maybe look at it " * (MAX_TEXT_CHARS // 29 + 1)
    path = tmp_path / "monologue.json"
    path.write_text(json.dumps(doc))
    proc = sixty_intents(path)
    assert proc.returncode == 2 and str(MAX_TEXT_CHARS) in proc.stderr


@pytest.mark.slow
def test_a_call_at_the_bound_finishes(tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(json.dumps(long_call(MAX_UTTERANCES)))
    started = child_cpu_s()
    proc = sixty_intents(path)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["intents"]) > 1000
    assert child_cpu_s() - started < 60
