"""Team rule: tests never read the wall clock (one injected clock, fixed instants).

Scans tests/bot, flow, unit, e2e and support for `datetime.now(`, `datetime.utcnow(`, `time.time()` and
`date.today(`, with no exceptions: where a library would judge a test's data against the wall
clock (a webhook signature's replay window), the app judges it on its injected clock instead;
APScheduler is given fixed slots it finds due; processes start together on a signal, not at an
instant. tests/fakes is left out: a fake server's clock stands for Google's or Microsoft's own,
which the client libraries (google-auth, msal) check against the wall clock themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALL_CLOCK = re.compile(r"\bdatetime\.(now|utcnow)\(|\btime\.time\(\)|\bdate\.today\(")


def wall_clock_reads() -> list[str]:
    found = []
    for folder in ("bot", "flow", "unit", "e2e", "support"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for i, line in enumerate(lines):
                code = line.split("#", 1)[0]
                if WALL_CLOCK.search(code):
                    found.append(f"{path.relative_to(ROOT)}:{i + 1}: {line.strip()}")
    return found


def test_the_scan_sees_a_wall_clock_read() -> None:
    assert WALL_CLOCK.search("now = datetime.now(UTC)")
    assert WALL_CLOCK.search("t = time.time() + 1")
    assert not WALL_CLOCK.search('"broke after the update today"')


def test_no_test_reads_the_wall_clock_unmarked() -> None:
    assert wall_clock_reads() == []
