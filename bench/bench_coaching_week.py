"""Benchmark `coaching_week` `ms`: time to build every rep's weekly coaching digest for a team
of 50 reps (one manager) with 40 analysed meetings each, on SQLite.

`python -m bench coaching_week`. Seeded: 50 reps, 40 analyses each over the last 8 weeks (five
a week, three call types, metrics, questions and feedback moments as `sixty coach` stores them)
and their `coaching_weekly` rows. Timed: `flows.coaching.digest_steps.compose_for` for every rep
(rebuild the week's aggregate, the rep's trend, the team baseline, the week's calls and moments,
follow-up and brief figures, win/loss) and the digest's Block Kit message. Median of 3 runs after
one warm-up (wall clock); `ms_per_rep` alongside. Measured on a loaded machine: 12.6 s for the
50 digests (251 ms a rep; reading the team baseline from the calls instead of the weekly rows
took it to 61 s). Most of a rep's time is the two weeks of success figures and the win/loss read.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import emit
from blocks.coaching import digest_blocks
from flows.coaching.digest_steps import compose_for
from skills.coaching_digest import Digest
from storage import coaching
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Meeting, Org, OrgSettings, User, UserPreferences

REPS = 50
MEETINGS = 40
WEEKS = 8
RUNS = 3
NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # a Friday at the default digest time
TYPES = ("discovery", "demo", "negotiation")
MOMENT = {"kind": "change", "utterance": 7, "at": "12:40", "quote": "so the platform also covers",
          "text": "You spoke for 02:55 without the prospect coming in from here."}  # fmt: skip


async def seed(db: Database) -> list[int]:
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    async with db.transaction() as s:
        org = Org(name="Bench")
        s.add(org)
        await s.flush()
        assert org.id is not None
        s.add(OrgSettings(org_id=org.id))
        boss = User(org_id=org.id, slack_user_id="UBOSS", email="boss@b.example", name="Boss",
                    role="manager")  # fmt: skip
        s.add(boss)
        await s.flush()
        reps = []
        for r in range(REPS):
            u = User(org_id=org.id, slack_user_id=f"UR{r}", email=f"r{r}@b.example",
                     name=f"Rep {r}", manager_id=boss.id)  # fmt: skip
            s.add(u)
            await s.flush()
            assert u.id is not None
            s.add(UserPreferences(user_id=u.id))
            reps.append(u.id)
            for m in range(MEETINGS):
                at = monday - timedelta(weeks=m // 5) + timedelta(days=m % 5)
                meeting = Meeting(org_id=org.id, user_id=u.id, title=f"Call {m}", started_at=at)
                s.add(meeting)
                await s.flush()
                assert meeting.id is not None
                qs = [{"utterance": i, "text": "How?", "kind": "open" if (i + m) % 3 else "closed",
                       "discovery": True} for i in range(6)]  # fmt: skip
                await coaching.save_analysis(
                    s, org_id=org.id, user_id=u.id, meeting_id=meeting.id, version=1,
                    call_type=TYPES[(m + r) % 3], started_at=at, duration_s=1800,
                    speaker_confidence=0.93, mapping_sure=True,
                    metrics={"talk_ratio_rep": 0.4 + (m % 7) / 20, "longest_monologue_s": 60.0 + m,
                             "interactivity": 3.1, "patience_s": 0.8},
                    questions=qs, moments=[MOMENT] if m % 2 else [], now=at,
                )  # fmt: skip
            for w in range(WEEKS):
                await coaching.rebuild_weekly(s, org_id=org.id, user_id=u.id, now=NOW,
                                              week_start=(monday - timedelta(weeks=w)).date())  # fmt: skip
    return reps


async def run(url: str) -> tuple[float, int]:
    db = Database(url)
    try:
        reps = await seed(db)

        async def once() -> tuple[float, int]:
            t0 = time.perf_counter()
            sent = 0
            for uid in reps:
                got = await compose_for(db, uid, NOW)
                if not got.get("empty"):
                    digest_blocks(Digest.from_json(got["digest"]), "A note", "Boss")
                    sent += 1
            return (time.perf_counter() - t0) * 1000, sent

        await once()  # warm-up
        runs = [await once() for _ in range(RUNS)]
        return statistics.median(ms for ms, _ in runs), runs[0][1]
    finally:
        await db.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'coaching.db'}"
        upgrade(url)
        ms, digests = asyncio.run(run(url))
    emit("coaching_week", "ms", ms, "ms", reps=REPS, meetings_per_rep=MEETINGS,
         digests=digests, ms_per_rep=round(ms / REPS, 2), db="sqlite")  # fmt: skip


if __name__ == "__main__":
    main()
