"""Run every benchmark module in its own process; each prints JSON lines on stdout.

`python -m bench [NAME ...]` runs only the named ones: a module (`python -m bench slots` runs
`bench_slots`) or one bench of a module that lists its benches in a module-level
`BENCHES = (...)` (`python -m bench resume_latency` runs `bench_orchestrator resume_latency`).
A name that is neither is an error. Each line: {"bench", "metric", "value", "unit", "peer"?,
"peer_value"?, "ratio"?} (DESIGN.md 7).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


def declared_benches(path: Path) -> tuple[str, ...]:
    """The module's `BENCHES` tuple, read from its source (the module is not imported)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "BENCHES" for t in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    return ()


def plan(here: Path, argv: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Which modules to run with which bench names (empty: all of it), and unknown names."""
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    if not argv:
        return {m: [] for m in modules}, []
    owners = {b: m for m in modules for b in declared_benches(here / f"{m}.py")}
    runs: dict[str, list[str]] = {}
    unknown: list[str] = []
    for a in argv:
        mod = f"bench_{a.removeprefix('bench_')}"
        if mod in modules:
            runs[mod] = []
        elif a in owners:
            if runs.get(owners[a]) != []:  # not already running the whole module
                runs.setdefault(owners[a], []).append(a)
        else:
            unknown.append(a)
    return runs, unknown


def main(argv: list[str]) -> int:
    runs, unknown = plan(Path(__file__).parent, argv)
    if unknown:
        print(f"no bench or bench module named {', '.join(unknown)}", file=sys.stderr)
        return 2
    failed = 0
    for mod, names in runs.items():
        proc = subprocess.run([sys.executable, "-m", f"bench.{mod}", *names], check=False)
        if proc.returncode != 0:
            print(f"bench {mod} failed with exit status {proc.returncode}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
