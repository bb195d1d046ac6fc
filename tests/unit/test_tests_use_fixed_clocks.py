"""Team rule: tests never read the wall clock (one injected clock, fixed instants).

Scans tests/bot, flow, unit, e2e and support for `datetime.now(`, `datetime.utcnow(`, `time.time()` and
`date.today(`. A read that must stay (a library that checks against the wall clock itself,
such as svix's timestamp window or APScheduler's triggers) carries the marker
"wall clock on purpose" on its line or the line above, with the reason. tests/fakes is left
out: a fake server's clock stands for Google's or Microsoft's own, which the client libraries
(google-auth, msal) check against the wall clock themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALL_CLOCK = re.compile(r"\bdatetime\.(now|utcnow)\(|\btime\.time\(\)|\bdate\.today\(")
MARKER = "wall clock on purpose"


def wall_clock_reads() -> list[str]:
    found = []
    for folder in ("bot", "flow", "unit", "e2e", "support"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for i, line in enumerate(lines):
                code = line.split("#", 1)[0]
                if not WALL_CLOCK.search(code):
                    continue
                if MARKER in line or (i > 0 and MARKER in lines[i - 1]):
                    continue
                found.append(f"{path.relative_to(ROOT)}:{i + 1}: {line.strip()}")
    return found


def test_the_scan_sees_a_wall_clock_read() -> None:
    assert WALL_CLOCK.search("now = datetime.now(UTC)")
    assert WALL_CLOCK.search("t = time.time() + 1")
    assert not WALL_CLOCK.search('"broke after the update today"')


def test_no_test_reads_the_wall_clock_unmarked() -> None:
    assert wall_clock_reads() == []
