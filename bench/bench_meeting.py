"""Post-meeting figures with the offline engine, through the running app and the sandbox.

- `meeting_to_dm` (p50_ms, p99_ms): from POSTing a MeetingBaaS v1 `complete` webhook with a
  45-minute transcript to the follow-up approval message appearing in the rep's DM; 200
  meetings, one at a time, 2 workers.
- `meetings_per_minute`: 200 such meetings posted at once, 2 workers, until every approval
  message is in a DM.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import emit, percentile

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
REPS = [
    ("U0SXALEX01", "Alex Rivera", "alex@sixty-demo.example"),
    ("U0SXJAMIE1", "Jamie Chen", "jamie@sixty-demo.example"),
    ("U0SXSAM001", "Sam Patel", "sam@sixty-demo.example"),
]


def long_call(rep_name: str, rep_email: str, minutes: int = 45) -> dict[str, Any]:
    """A 45-minute sales call: the demo calls' lines, reworded and repeated, with word-based times."""
    specs = json.loads((ROOT / "storage/demo_data/transcripts.json").read_text())
    acme = specs[0]
    utterances, t, i = [], 0.0, 0
    while t < minutes * 60:
        speaker, text = acme["utterances"][i % len(acme["utterances"])]
        if i >= len(acme["utterances"]):  # later rounds: the same conversation style, new words
            text = f"Going back to what we said earlier, {text[0].lower()}{text[1:]}"
        length = max(2.0, len(text.split()) / 2.6)
        utterances.append(
            {
                "speaker": rep_name if speaker == "Alex Rivera" else speaker,
                "start": round(t, 1),
                "end": round(t + length, 1),
                "text": text,
            }
        )
        t += length + 0.8
        i += 1
    return {
        "meeting_id": uuid.uuid4().hex,
        "title": acme["title"],
        "started_at": (datetime.now(UTC) - timedelta(minutes=minutes + 2)).isoformat(),
        "rep": {"name": rep_name, "email": rep_email},
        "attendees": acme["attendees"],
        "utterances": utterances,
    }


async def _start(tmp: Path) -> Any:
    from app import Runtime
    from config import load_settings
    from storage.demo import seed_demo
    from storage.engine import Database
    from storage.migrate import upgrade
    from storage.models import UserPreferences

    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        await seed_demo(s, now=datetime.now(UTC))
        from sqlmodel import select

        for p in (await s.exec(select(UserPreferences))).all():
            p.quiet_hours_start = p.quiet_hours_end = None
            p.max_notifications_per_hour = 10_000
            s.add(p)
    await db.dispose()
    settings = load_settings(
        database_url=url,
        port=0,
        sandbox_port=0,
        data_dir=tmp,
        workers=2,
        meetingbaas_api_key=KEY,
        log_level="WARNING",
    )
    runtime = Runtime(settings)
    await runtime.start()
    return runtime


def _gates(sb: Any, user: str) -> int:
    """Follow-up approvals in `user`'s DM, read in place: `dm_messages` deep-copies every message
    with its blocks, and `wait_for` re-checks on every post, which made the harness's own cost
    grow with the square of the messages and took CPU from the app it measures (the app shares
    the process)."""
    messages = sb.workspace.messages.get(sb.im_channel(user), [])
    return sum(1 for m in messages if str(m.get("text", "")).startswith("Follow-up for"))


async def run(count: int = 200) -> tuple[list[float], float, int]:
    from skills.transcript import meetingbaas_v1_body

    with tempfile.TemporaryDirectory() as d:
        runtime = await _start(Path(d))
        sb = runtime.sandbox
        url = runtime.urls["web"] + "/webhooks/meetingbaas"
        bodies = []
        for n in range(2 * count):
            slack_id, name, email = REPS[n % len(REPS)]
            bodies.append(
                (slack_id, meetingbaas_v1_body(long_call(name, email), bot_id=f"bench-{n}"))
            )
        utterances = len(bodies[0][1]["data"]["transcript"])
        latencies: list[float] = []
        try:
            async with aiohttp.ClientSession() as http:
                for slack_id, body in bodies[:count]:
                    before = _gates(sb, slack_id)
                    t0 = time.perf_counter()
                    async with http.post(
                        url, json=body, headers={"x-meeting-baas-api-key": KEY}
                    ) as r:
                        assert r.status == 200, await r.text()
                    await sb.wait_for(lambda s=slack_id, b=before: _gates(sb, s) > b, timeout=120)
                    latencies.append((time.perf_counter() - t0) * 1000)
                totals = {s: _gates(sb, s) for s, _, _ in REPS}
                t0 = time.perf_counter()
                await asyncio.gather(
                    *(
                        http.post(url, json=b, headers={"x-meeting-baas-api-key": KEY})
                        for _, b in bodies[count:]
                    )
                )
                await sb.wait_for(
                    lambda: sum(_gates(sb, s) for s, _, _ in REPS) >= sum(totals.values()) + count,
                    timeout=1800,
                )
                elapsed = time.perf_counter() - t0
        finally:
            await runtime.stop()
    return latencies, count / (elapsed / 60), utterances


def main() -> None:
    latencies, per_minute, utterances = asyncio.run(run())
    emit(
        "meeting_to_dm",
        "p50_ms",
        percentile(latencies, 50),
        "ms",
        n=len(latencies),
        utterances=utterances,
        engine="offline",
        workers=2,
    )
    emit(
        "meeting_to_dm",
        "p99_ms",
        percentile(latencies, 99),
        "ms",
        n=len(latencies),
        utterances=utterances,
        engine="offline",
        workers=2,
    )
    emit(
        "meetings_per_minute",
        "meetings_per_minute",
        per_minute,
        "meetings/min",
        workers=2,
        db="sqlite",
        utterances=utterances,
    )


if __name__ == "__main__":
    main()
