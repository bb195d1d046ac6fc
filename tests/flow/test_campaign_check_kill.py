"""A campaign digest job killed between its Slack post and its record sends one digest.

A worker PROCESS runs the rep's `campaign_check` job against the Instantly fake and the sandbox
Slack, and is SIGKILLed right after `chat.postMessage` answered (the digest is in the rep's DM)
before the ledger records it or the `deliver` step's checkpoint is written. After its lease runs
out, this process picks the job up again: `compose` is not re-run (its checkpoint holds the
digest), `deliver` finds the posted message by its client key instead of posting again, and the
rep's DM holds exactly one digest, recorded with its ts.

The worker: `python -m tests.flow.test_campaign_check_kill URL SLACK_API TOKEN MARKER
INSTANTLY_URL ENCRYPTION_KEY`, running jobs until none is left and dying after the first post.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from config.settings import Settings
from connectors.instantly_connection import save_api_key
from connectors.slack import SlackDelivery
from flows.campaign_check.crons import campaign_event
from flows.registry import build_registry
from orchestrator.engine import Engine
from orchestrator.events import JobRef
from sandbox.server import Sandbox
from sandbox.state import SandboxUser
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.models import SequenceJob, SlackNotificationSent, User
from tests.fakes.instantly_server import FakeInstantly
from tests.flow.test_slack_post_kill import DyingDelivery
from tests.support.sequences import seed_org

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def settings_for(url: str, instantly: str, key: str) -> Settings:
    return Settings(database_url=url, lease_seconds=1.0, instantly_api_base=instantly,
                    encryption_key=key)  # fmt: skip


async def test_sigkill_after_the_digest_post_leaves_one_digest(
    sqlite_db: Database, tmp_path: Path
) -> None:
    fake = await FakeInstantly().start()
    sb = await Sandbox(users=[SandboxUser(name="rep1", id="U1")]).start()
    try:
        key = Fernet.generate_key().decode()
        settings = settings_for(sqlite_db.url, fake.url, key)
        org_id, (rep_id,) = await seed_org(sqlite_db, users=1, admin=False)
        async with sqlite_db.transaction() as s:
            rep = await s.get(User, rep_id)
            assert rep is not None
            await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id,
                               user_id=rep_id, api_key=fake.api_key)  # fmt: skip
        fake.add_account(rep.email)
        cid = fake.add_campaign("Q4 founders", accounts=[rep.email])
        fake.set_analytics(cid, new_leads_contacted_count=300, emails_sent_count=300,
                           reply_count_unique=9, total_interested=3, bounced_count=2)  # fmt: skip
        slack = SlackDelivery(token=sb.bot_token, base_url=sb.api_url)
        engine = Engine(sqlite_db, settings, slack, build_registry(), clock=lambda: NOW,
                        heartbeat_s=None)  # fmt: skip
        ref = await engine.submit(campaign_event(rep, NOW))
        assert isinstance(ref, JobRef)

        marker = tmp_path / "killed"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.flow.test_campaign_check_kill", sqlite_db.url,
            sb.api_url, sb.bot_token, str(marker), fake.url, key, cwd=ROOT)  # fmt: skip
        assert await proc.wait() == -signal.SIGKILL
        assert len(sb.dm_messages("U1")) == 1  # posted, then the worker died before recording it
        overviews = len(fake.calls_to("/api/v2/campaigns/analytics/overview"))
        assert overviews == 2

        for _ in range(100):  # the dead worker's lease runs out (1 s); this process finishes
            await engine.drain()
            if await status(sqlite_db, ref.job_id) == "completed":
                break
            await asyncio.sleep(0.05)
        assert await status(sqlite_db, ref.job_id) == "completed"
        [message] = sb.dm_messages("U1")  # found again, not posted a second time
        assert "Q4 founders" in str(message["blocks"])
        assert sb.calls_to("conversations.history")
        # compose's checkpoint held the digest: Instantly was not read again
        assert len(fake.calls_to("/api/v2/campaigns/analytics/overview")) == overviews
        async with sqlite_db.session() as s:
            note = (await s.execute(select(SlackNotificationSent))).scalars().one()
        assert (note.kind, note.status, note.message_ts) == (
            "campaign_digest", "delivered", message["ts"])  # fmt: skip
    finally:
        await sb.stop()
        await fake.stop()


async def status(db: Database, job_id: int) -> str:
    async with db.session() as s:
        job = await s.get(SequenceJob, job_id)
        assert job is not None
        return job.status


# --------------------------------------------------------------------------- the worker process


async def work(url: str, api: str, token: str, marker: Path, instantly: str, key: str) -> int:
    db = Database(url)
    engine = Engine(db, settings_for(url, instantly, key),
                    DyingDelivery(marker, token=token, base_url=api), build_registry(),
                    clock=lambda: NOW, heartbeat_s=None)  # fmt: skip
    try:
        for _ in range(200):
            await engine.drain()
            await asyncio.sleep(0.05)
        return 1  # never reached: the first post kills this process
    finally:
        await db.dispose()


if __name__ == "__main__":
    url, api, token, marker, instantly, key = sys.argv[1:7]
    raise SystemExit(asyncio.run(work(url, api, token, Path(marker), instantly, key)))
