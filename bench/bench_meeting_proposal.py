"""`meeting_to_proposal`: from POSTing a MeetingBaaS `complete` webhook (a 45-minute call in which
the rep promises a proposal) to the drafted-proposal card in the rep's DM, through the running
app and the sandbox, offline engine, 2 workers, 100 meetings one at a time. Also the gap between
the meeting-ended DM (the follow-up card) and the proposal card: the goal is p99 within 10 s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.bench_meeting import KEY, REPS, _start, long_call
from bench.common import emit, percentile

BENCHES = ("meeting_to_proposal",)


def _count(sb: Any, user: str, mark: str) -> int:
    messages = sb.workspace.messages.get(sb.im_channel(user), [])
    if mark == "follow-up":
        return sum(1 for m in messages if str(m.get("text", "")).startswith("Follow-up for"))
    return sum(1 for m in messages if "proposal-copy-link" in str(m.get("blocks", "")))


async def run(count: int = 100) -> tuple[list[float], list[float]]:
    from skills.transcript import meetingbaas_v1_body

    with tempfile.TemporaryDirectory() as d:
        runtime = await _start(Path(d))
        sb = runtime.sandbox
        url = runtime.urls["web"] + "/webhooks/meetingbaas"
        to_card: list[float] = []
        after_dm: list[float] = []
        try:
            async with aiohttp.ClientSession() as http:
                for n in range(count):
                    slack_id, name, email = REPS[n % len(REPS)]
                    body = meetingbaas_v1_body(long_call(name, email), bot_id=f"bench-p{n}")
                    dms, cards = _count(sb, slack_id, "follow-up"), _count(sb, slack_id, "card")
                    t0 = time.perf_counter()
                    async with http.post(
                        url, json=body, headers={"x-meeting-baas-api-key": KEY}
                    ) as r:
                        assert r.status == 200, await r.text()
                    await sb.wait_for(
                        lambda s=slack_id, b=dms: _count(sb, s, "follow-up") > b, timeout=120
                    )
                    t1 = time.perf_counter()
                    await sb.wait_for(
                        lambda s=slack_id, b=cards: _count(sb, s, "card") > b, timeout=120
                    )
                    t2 = time.perf_counter()
                    to_card.append((t2 - t0) * 1000)
                    after_dm.append((t2 - t1) * 1000)
        finally:
            await runtime.stop()
    return to_card, after_dm


def main() -> None:
    to_card, after_dm = asyncio.run(run())
    for metric, values in (("p50_ms", to_card), ("p99_ms", to_card)):
        emit("meeting_to_proposal", metric, percentile(values, 50 if metric == "p50_ms" else 99),
             "ms", n=len(values), engine="offline", workers=2)  # fmt: skip
    emit("meeting_to_proposal", "after_meeting_dm_p99_ms", percentile(after_dm, 99), "ms",
         n=len(after_dm), goal_ms=10_000)  # fmt: skip


if __name__ == "__main__":
    main()
