"""A crash between a Slack post and its record posts nothing twice (issue 11 item 3.2).

A worker PROCESS posts an approval (or a notification) to the sandbox Slack and is SIGKILLed
right after `chat.postMessage` answered, before the ledger records the message. The next
worker finds the message by the client key in its metadata (`conversations.history` with
`include_all_metadata`) instead of posting again: the DM holds exactly one copy, and its ts
is the one recorded for the gate (so the rep's click updates the message they see).

Also the worker for it: `python -m tests.flow.test_slack_post_kill URL SLACK_API TOKEN MARKER`
runs jobs until none is left, dying after the first post (the marker makes it happen once).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import Settings
from connectors.slack import Posted, SlackDelivery
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import ApprovalKind, SequenceRegistry, sequence
from orchestrator.workflow import Workflow
from sandbox.server import Sandbox
from sandbox.state import SandboxUser
from storage.engine import Database
from storage.models import SequenceJob, SlackNotificationSent, SlackPendingAction
from tests.support.sequences import seed_org

ROOT = Path(__file__).resolve().parents[2]


def registry() -> SequenceRegistry:
    reg = SequenceRegistry()

    async def propose(ctx: StepContext) -> dict[str, str]:
        return {"title": "4 tasks from your call", "text": "Add them?"}

    async def noop(ctx: StepContext) -> None:
        return None

    async def remind(ctx: StepContext) -> dict[str, str]:
        posted = await ctx.notify("commitment_overdue", "Overdue: send the deck", key="r")
        return {"ts": posted.ts}

    @sequence("review", version=1)
    async def review(wf: Workflow) -> None:
        shown = await wf.step(propose)
        decision = await wf.approval(ApprovalKind.TASKS, shown, name="add")
        if decision.approved:
            await wf.step(noop, name="add", approval=decision)

    @sequence("remind", version=1)
    async def remind_seq(wf: Workflow) -> None:
        await wf.step(remind)

    reg.add_all([review, remind_seq])
    return reg


class DyingDelivery(SlackDelivery):
    """Real Slack calls; SIGKILL right after the first post is answered (once: the marker)."""

    def __init__(self, marker: Path, **kw: Any) -> None:
        super().__init__(**kw)
        self.marker = marker

    async def post_message(
        self, channel: str, text: str, blocks: list[Any] | None = None, *, key: str | None = None
    ) -> Posted:
        posted = await super().post_message(channel, text, blocks, **({"key": key} if key else {}))
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)  # the message is in Slack; no record of it
        return posted


@pytest.mark.parametrize("sequence", ["review", "remind"])
async def test_sigkill_after_the_post_leaves_one_message_and_records_its_ts(
    sqlite_db: Database, tmp_path: Path, sequence: str
) -> None:
    sb = await Sandbox(
        users=[SandboxUser(name="rep1", id="U1"), SandboxUser(name="rep2", id="U2")]
    ).start()
    try:
        org, users = await seed_org(sqlite_db)
        settings = Settings(database_url=sqlite_db.url, lease_seconds=1.0)
        slack = SlackDelivery(token=sb.bot_token, base_url=sb.api_url)
        engine = Engine(sqlite_db, settings, slack, registry(), heartbeat_s=None)
        ref = await engine.submit(
            Event(sequence, "webhook:test", org, users[1], {}, f"{sequence}:1")
        )
        assert isinstance(ref, JobRef)

        marker = tmp_path / "killed"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.flow.test_slack_post_kill", sqlite_db.url, sb.api_url,
            sb.bot_token, str(marker), cwd=ROOT)  # fmt: skip
        assert await proc.wait() == -signal.SIGKILL
        assert len(sb.dm_messages("U2")) == 1  # posted, then the process died before recording it

        # the dead worker's lease runs out (1 s); this process finishes the job
        done = "awaiting_approval" if sequence == "review" else "completed"
        for _ in range(100):
            await engine.drain()
            if await status(sqlite_db, ref.job_id) == done:
                break
            await asyncio.sleep(0.05)
        assert await status(sqlite_db, ref.job_id) == done
        [message] = sb.dm_messages("U2")  # found again, not posted a second time
        assert sb.calls_to("conversations.history")
        async with sqlite_db.session() as s:
            note = (await s.execute(select(SlackNotificationSent))).scalars().one()
        assert (note.status, note.message_ts) == ("delivered", message["ts"])
        if sequence == "review":
            async with sqlite_db.session() as s:
                pa = (await s.execute(select(SlackPendingAction))).scalars().one()
            assert (pa.channel, pa.message_ts) == (message["channel"], message["ts"])
            assert (await engine.resume(pa.id, Decision.APPROVE, "U2")).ok
            await engine.drain()
            [shown] = sb.dm_messages("U2")  # the click updated the one message the rep sees
            assert "Approved by" in str(shown["blocks"]) and "actions" not in str(shown["blocks"])
    finally:
        await sb.stop()


async def status(db: Database, job_id: int) -> str:
    async with db.session() as s:
        job = await s.get(SequenceJob, job_id)
        assert job is not None
        return job.status


# --------------------------------------------------------------------------- the worker process


async def work(url: str, api: str, token: str, marker: Path) -> int:
    db = Database(url)
    settings = Settings(database_url=url, lease_seconds=1.0)
    engine = Engine(db, settings, DyingDelivery(marker, token=token, base_url=api), registry(),
                    heartbeat_s=None)  # fmt: skip
    try:
        for _ in range(200):
            await engine.drain()
            await asyncio.sleep(0.05)
        return 1  # never reached: the first post kills this process
    finally:
        await db.dispose()


if __name__ == "__main__":
    url, api, token, marker = sys.argv[1:5]
    raise SystemExit(asyncio.run(work(url, api, token, Path(marker))))
