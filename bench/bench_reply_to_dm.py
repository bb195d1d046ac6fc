"""Campaign reply to DM, through the running app and the sandbox.

- `reply_to_dm` (p50_ms, p99_ms): from POSTing an Instantly `reply_received` webhook delivery
  (shared-secret header, carrying `reply_text` so the job needs no Unibox fetch) to
  `/webhooks/instantly` until the reply's message (the drafted answer to approve) appears in the
  rep's DM; `COUNT` replies one at a time, 2 workers, offline engine, SQLite.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet

from bench.common import emit, percentile

BENCHES = ("reply_to_dm",)
COUNT = 100
SECRET = "bench-instantly-secret"
WORKSPACE = "bench-workspace"
REP_SLACK = "U0SXALEX01"
TEXTS = (
    "This sounds interesting - we'd love to learn more about it.",
    "Thanks for reaching out. Could you send over pricing for a team of 20?",
    "Interesting timing, we are looking at this quarter. What does onboarding look like?",
)


async def _start(tmp: Path) -> Any:
    from sqlmodel import select

    from app import Runtime
    from config import load_settings
    from connectors.instantly_connection import save_api_key
    from storage.crypto import settings_cipher
    from storage.demo import seed_demo
    from storage.engine import Database
    from storage.migrate import upgrade
    from storage.models import User, UserPreferences

    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    settings = load_settings(database_url=url, port=0, sandbox_port=0, data_dir=tmp, workers=2,
                             log_level="WARNING", instantly_webhook_secret=SECRET,
                             encryption_key=Fernet.generate_key().decode(),
                             instantly_api_base="http://127.0.0.1:9")  # fmt: skip
    db = Database(url)
    async with db.transaction() as s:
        await seed_demo(s, now=datetime.now(UTC))
        for p in (await s.exec(select(UserPreferences))).all():
            p.quiet_hours_start = p.quiet_hours_end = None
            p.max_notifications_per_hour = 10_000
            s.add(p)
        rep = (await s.exec(select(User).where(User.slack_user_id == REP_SLACK))).one()
        assert rep.id is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=rep.org_id,
                           user_id=rep.id, api_key="bench-key", workspace_id=WORKSPACE)  # fmt: skip
    await db.dispose()
    runtime = Runtime(settings)
    await runtime.start()
    return runtime


def delivery(n: int) -> dict[str, Any]:
    return {
        "timestamp": datetime.now(UTC).isoformat(), "event_type": "reply_received",
        "workspace": WORKSPACE, "campaign_id": "bench-campaign", "email_id": str(uuid.uuid4()),
        "lead_email": f"lead{n}@prospect{n}.example", "email_account": "alex@sixty-demo.example",
        "reply_subject": "Re: Quick question", "reply_text": TEXTS[n % len(TEXTS)],
    }  # fmt: skip


def _dm_count(sb: Any) -> int:
    return len(sb.workspace.messages.get(sb.im_channel(REP_SLACK), []))


async def run(count: int = COUNT) -> list[float]:
    from bot.webhooks.instantly import PATH, SECRET_HEADER

    with tempfile.TemporaryDirectory() as d:
        runtime = await _start(Path(d))
        sb = runtime.sandbox
        url = runtime.urls["web"] + PATH
        latencies: list[float] = []
        try:
            async with aiohttp.ClientSession() as http:
                for n in range(count):
                    before = _dm_count(sb)
                    t0 = time.perf_counter()
                    async with http.post(url, json=delivery(n),
                                         headers={SECRET_HEADER: SECRET}) as r:  # fmt: skip
                        body = await r.json()
                        assert r.status == 200 and body.get("job_id"), body
                    await sb.wait_for(lambda b=before: _dm_count(sb) > b, timeout=60)
                    latencies.append((time.perf_counter() - t0) * 1000)
        finally:
            await runtime.stop()
    return latencies


def main() -> None:
    latencies = asyncio.run(run())
    for p in (50, 99):
        emit("reply_to_dm", f"p{p}_ms", percentile(latencies, p), "ms", n=len(latencies),
             engine="offline", workers=2, db="sqlite")  # fmt: skip


if __name__ == "__main__":
    main()
