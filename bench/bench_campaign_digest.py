"""Benchmark `campaign_digest`: ms to build the digests of 50 campaigns for one rep, from the
Instantly fake on loopback (`tests.fakes.instantly_server`).

`python -m bench.bench_campaign_digest`. Timed: `flows.campaign_check.gather.gather_campaigns`
(list accounts and campaigns, then per campaign two overviews, the daily rows and the step rows
through the real `InstantlyClient` and its rate buckets: 202 HTTP calls), `analyse` of each and
the Block Kit message. Also given: the analysis and blocks alone (no HTTP). Median of 5 runs
after one warm-up. Measured 2.0 s (analysis and blocks ~4 ms): the 202 calls are held to the
client's 100 requests/second bucket (Instantly's workspace limit), not by the fake; against the
real API, reading 4 campaigns at once (`gather.CONCURRENCY`) hides the per-call latency.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime

from bench.common import emit
from blocks.campaigns import campaign_digest_blocks
from connectors.instantly import InstantlyClient
from flows.campaign_check.gather import gather_campaigns
from skills.campaign_analysis import analyse
from tests.fakes.instantly_server import FakeInstantly

CAMPAIGNS = 50
RUNS = 5
REP = "rep@bench.example"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def seed(fake: FakeInstantly) -> None:
    fake.add_account(REP)
    for i in range(CAMPAIGNS):
        steps = [[("A", "a"), ("B", "b"), ("C", "c")], [("A", "a"), ("B", "b")]]
        cid = fake.add_campaign(f"Campaign {i}", accounts=[REP], steps=steps)
        fake.set_analytics(cid, new_leads_contacted_count=800 + i, emails_sent_count=1200 + i,
                           reply_count_unique=30 + i % 7, reply_count_automatic_unique=2,
                           total_interested=8, bounced_count=10 + i % 50,
                           unsubscribed_count=3)  # fmt: skip
        fake.set_daily_rows(cid, [
            {"date": f"2026-11-{d:02d}", "sent": 150, "unique_replies": 5} for d in range(12, 19)
        ])  # fmt: skip
        fake.set_step_rows(cid, [
            {"step": str(s), "variant": str(v), "sent": 900 + 100 * v, "unique_replies": 20 + 5 * v}
            for s in range(2) for v in range(3 - s)
        ])  # fmt: skip


async def run() -> None:
    fake = await FakeInstantly().start()
    try:
        seed(fake)
        api = InstantlyClient(fake.api_key, base_url=fake.url)

        async def once() -> tuple[float, float, int]:
            t0 = time.perf_counter()
            got = await gather_campaigns(api, {REP}, NOW.date(), NOW)
            t1 = time.perf_counter()
            digests = [analyse(c) for c in got.inputs]
            campaign_digest_blocks(digests, "why")
            t2 = time.perf_counter()
            return (t2 - t0) * 1000, (t2 - t1) * 1000, len(digests)

        await once()  # warm-up
        calls_before = len(fake.calls)
        runs = [await once() for _ in range(RUNS)]
        calls = (len(fake.calls) - calls_before) // RUNS
        assert all(n == CAMPAIGNS for _, _, n in runs)
        emit("campaign_digest", "ms", statistics.median(r[0] for r in runs), "ms",
             campaigns=CAMPAIGNS, http_calls=calls,
             analysis_and_blocks_ms=round(statistics.median(r[1] for r in runs), 3))  # fmt: skip
    finally:
        await fake.stop()


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
