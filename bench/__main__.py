"""Run every benchmark module in its own process; each prints JSON lines on stdout.

`python -m bench [NAME ...]` runs only the named ones (e.g. `python -m bench slots`).
Each line: {"bench", "metric", "value", "unit", "peer"?, "peer_value"?, "ratio"?} (DESIGN.md 7).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    if argv:
        wanted = {f"bench_{a.removeprefix('bench_')}" for a in argv}
        modules = [m for m in modules if m in wanted]
    failed = 0
    for mod in modules:
        proc = subprocess.run([sys.executable, "-m", f"bench.{mod}"], check=False)
        if proc.returncode != 0:
            print(f"bench {mod} failed with exit status {proc.returncode}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
