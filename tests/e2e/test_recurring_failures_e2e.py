"""Issue 11, 2.3 end to end in the sandbox: after `/60 connect google` (a demo mailbox, no Google
app configured) the inbox poll says nothing; a failed job's Retry button is handled (no
"Unhandled request ... job-retry") and re-queues the rep's job from the failed step."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from app import Runtime
from blocks.ids import JobAction
from flows.email_received import crons as email_crons
from orchestrator.crons import fire_once
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage.models import SequenceJob, User
from tests.e2e.conftest import ALEX, T0
from tests.e2e.test_meeting_ended import buttons

FIRE = T0 - timedelta(minutes=10)  # poll intervals just before the runtime's clock


async def settled(app: Runtime, job_id: int) -> SequenceJob:
    """The job once the app's engine is drained (nothing running or due)."""
    assert app.engine is not None
    await app.engine.settled()
    async with app.db.session() as s:
        job = await s.get(SequenceJob, job_id)
    assert job is not None
    return job


async def test_demo_mailbox_poll_is_quiet(running: Runtime) -> None:
    sb = running.sandbox
    assert running.deps is not None and running.engine is not None
    await sb.slash_command(ALEX, "/60", "connect google")
    await sb.wait_for(
        lambda: any("demo mailbox" in json.dumps(e) for e in sb.ephemerals(ALEX)), timeout=10
    )
    before = len(sb.dm_messages(ALEX))
    [poll] = [c for c in email_crons.cron_specs(running.deps) if c.id == "email:poll"]
    for n in range(3):  # three polls, two minutes apart
        refs = await fire_once(
            running.db, poll, FIRE + timedelta(minutes=2 * n), running.engine.submit, "test"
        )
        assert refs is not None
        for ref in refs:
            assert isinstance(ref, JobRef)
            job = await settled(running, ref.job_id)
            assert job.status == "completed", job.error
    await running.engine.settled()
    assert len(sb.dm_messages(ALEX)) == before  # nothing new, nothing said
    assert not any("stopped at step" in json.dumps(m) for m in sb.dm_messages(ALEX))


async def test_retry_button_requeues_the_failed_job(running: Runtime) -> None:
    sb = running.sandbox
    assert running.engine is not None
    async with running.db.session() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
    ref = await running.engine.submit(Event(
        type=EventType.EMAIL_RECEIVED, source=EventSource.WEBHOOK_EMAIL, org_id=alex.org_id, user_id=alex.id,
        payload={"provider": "carrier-pigeon"}, idempotency_key="email_received:test:retry"))  # fmt: skip
    assert isinstance(ref, JobRef)

    def failures() -> list[dict]:
        return [m for m in sb.dm_messages(ALEX) if JobAction.RETRY in buttons(m)]

    [failure] = await sb.wait_for(failures, timeout=10)
    first = await settled(running, ref.job_id)
    assert first.status == "failed"
    await sb.click(ALEX, failure, JobAction.RETRY, value=buttons(failure)[JobAction.RETRY]["value"])
    await sb.wait_for(lambda: any("Retrying *email received*" in json.dumps(e) for e in sb.ephemerals(ALEX)),
                      timeout=10)  # fmt: skip
    # it ran again from the failed step (and, the provider still being unknown, failed again: told)
    await sb.wait_for(lambda: len(failures()) == 2, timeout=10)
    again = await settled(running, ref.job_id)
    assert again.status == "failed" and again.attempts > first.attempts
    assert not any(
        "Unhandled" in json.dumps(e) or "went wrong" in json.dumps(e) for e in sb.ephemerals(ALEX)
    )
