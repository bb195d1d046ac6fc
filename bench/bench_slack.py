"""Slack-facing figures: ack latency of `/60 help` through the sandbox, and idle memory.

- `slack_ack`: 500 slash-command envelopes over Socket Mode, 50 in flight, time from the
  sandbox sending the envelope to receiving the app's ack (p50, p99 in ms).
- `idle_rss`: resident memory of `python app.py` in sandbox mode (the sandbox runs in the same
  process), 5 s after it printed its URL, with the demo org seeded.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import emit, percentile

ROOT = Path(__file__).resolve().parents[1]


async def _seed(url: str) -> None:
    from storage.demo import seed_demo
    from storage.engine import Database
    from storage.migrate import upgrade

    upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        await seed_demo(s, now=datetime.now(UTC))
    await db.dispose()


async def ack_latency(tmp: Path, total: int = 500, in_flight: int = 50) -> list[float]:
    from app import Runtime
    from config import load_settings

    url = f"sqlite:///{tmp / 'ack.db'}"
    await _seed(url)
    settings = load_settings(
        database_url=url, port=0, sandbox_port=0, data_dir=tmp, log_level="WARNING"
    )
    runtime = Runtime(settings)
    await runtime.start()
    sb = runtime.sandbox
    users = [u.id for u in sb.users]
    gate = asyncio.Semaphore(in_flight)
    latencies: list[float] = []

    async def one(i: int) -> None:
        async with gate:
            ack = await sb.slash_command(users[i % len(users)], "/60", "help", timeout=30)
            latencies.append(ack.latency_s * 1000)

    try:
        await asyncio.gather(*(one(i) for i in range(total)))
    finally:
        await runtime.stop()
    return latencies


def idle_rss_mb(tmp: Path) -> float:
    url = f"sqlite:///{tmp / 'rss.db'}"
    asyncio.run(_seed(url))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": "0",
        "SANDBOX_PORT": "0",
        "DATA_DIR": str(tmp),
        "LOG_LEVEL": "WARNING",
    }
    for k in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "LLM_MODEL"):
        env.pop(k, None)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "sandbox workspace" in line or not line:
                break
        time.sleep(5)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kb / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lat = asyncio.run(ack_latency(tmp))
        emit("slack_ack", "p50_ms", percentile(lat, 50), "ms", n=len(lat), in_flight=50)
        emit("slack_ack", "p99_ms", percentile(lat, 99), "ms", n=len(lat), in_flight=50)
        emit(
            "idle_rss",
            "mb",
            idle_rss_mb(tmp),
            "MB",
            note="app + in-process sandbox, demo org seeded",
        )


if __name__ == "__main__":
    main()
