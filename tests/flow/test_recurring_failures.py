"""Issue 11, 2.3: the sandbox's demo mailbox polls like a mailbox (nothing new, nothing said);
a recurring job that keeps failing is told to the rep once until it succeeds again; the failure
message's Retry re-queues the rep's own failed job and nobody else's."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.settings import Settings
from connectors.google_oauth import GMAIL_READONLY
from flows.email_received import crons as email_crons
from flows.email_received.sequence import email_received
from orchestrator.admin import retry_for_rep
from orchestrator.engine import Engine
from orchestrator.sequence import SequenceRegistry
from storage import connections
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import SequenceJob
from tests.fakes.google_server import FakeGoogle
from tests.support.sequences import RecordingDelivery, seed_org

REP = "rep1@example.com"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BROKEN = {"access_token": "revoked", "refresh_token": "revoked"}


@dataclass
class World:
    db: Database
    engine: Engine
    delivery: RecordingDelivery
    google: FakeGoogle
    cipher: TokenCipher
    org: int
    users: list[int]


@pytest.fixture
async def world(db: Database, tmp_path: Path) -> AsyncIterator[World]:
    google = await FakeGoogle().start()
    key = Fernet.generate_key()
    settings = Settings(_env_file=None, google_api_base=google.url, encryption_key=key.decode(),
                        google_client_id=FakeGoogle.CLIENT_ID,
                        google_client_secret=FakeGoogle.CLIENT_SECRET, data_dir=tmp_path)  # fmt: skip
    org, users = await seed_org(db)
    registry = SequenceRegistry([email_received])
    delivery = RecordingDelivery()
    engine = Engine(db, settings, delivery, registry, heartbeat_s=None, clock=lambda: T0)
    yield World(db, engine, delivery, google, TokenCipher(key), org, users)
    await google.stop()


async def connect(
    w: World, user: int, tokens: dict[str, str], meta: dict[str, object] | None = None
) -> int:
    async with w.db.transaction() as s:
        conn = await connections.save_connection(
            s, cipher=w.cipher, org_id=w.org, user_id=user, provider="google", tokens=tokens,
            scopes=[GMAIL_READONLY], expires_at=None, account_email=REP, meta=meta)  # fmt: skip
    assert conn.id is not None
    return conn.id


async def poll(w: World, n: int) -> None:
    """Fire the inbox poll for interval `n` (as the `email:poll` cron does) and run it out."""
    conns = await email_crons.active_mailboxes(w.db, email_crons.POLL_PROVIDERS)
    for ev in email_crons.poll_events(conns, T0 + timedelta(minutes=2 * n)):
        await w.engine.submit(ev)
    await w.engine.drain()


def failure_posts(w: World) -> list[str]:
    return [
        c["text"] for m, c in w.delivery.calls if m == "chat.postMessage" and "stopped" in c["text"]
    ]


async def jobs(w: World) -> list[SequenceJob]:
    from sqlmodel import select

    async with w.db.session() as s:
        return list((await s.exec(select(SequenceJob).order_by(SequenceJob.id))).all())  # type: ignore[arg-type]


async def test_demo_mailbox_poll_is_silent(world: World) -> None:
    w = world
    # what `/60 connect google` stores in the sandbox with no Google app (bot/webhooks/oauth.py)
    await connect(w, w.users[0], {}, meta={"demo": True, "address": REP})
    for n in range(3):
        await poll(w, n)
    done = await jobs(w)
    assert [j.status for j in done] == ["completed"] * 3, [j.error for j in done]
    assert [j.trigger_payload["provider"] for j in done] == ["demo"] * 3
    assert w.delivery.calls == []  # nothing new: nothing said
    assert w.google.routes_called() == []  # the placeholder tokens never went to Google


async def test_a_failing_mailbox_is_told_once_until_it_succeeds_again(world: World) -> None:
    w = world
    conn = await connect(w, w.users[0], BROKEN)
    for n in range(3):
        await poll(w, n)
    assert [j.status for j in await jobs(w)] == ["failed"] * 3
    assert len(failure_posts(w)) == 1  # not one per poll
    # the rep reconnects: the next poll succeeds
    creds = w.google.credentials(REP, {GMAIL_READONLY})
    await connect(
        w, w.users[0], {"access_token": creds.token, "refresh_token": creds.refresh_token}
    )
    await poll(w, 3)
    assert (await jobs(w))[-1].status == "completed"
    # it breaks again: told once more, then quiet again
    await connect(w, w.users[0], BROKEN)
    for n in range(4, 6):
        await poll(w, n)
    assert [j.status for j in await jobs(w)][-2:] == ["failed", "failed"]
    assert len(failure_posts(w)) == 2
    assert {j.trigger_payload["series"] for j in await jobs(w)} == {f"email:poll:{conn}"}


async def test_retry_requeues_only_the_reps_own_failed_job(world: World) -> None:
    w = world
    await connect(w, w.users[0], BROKEN)
    await poll(w, 0)
    [failed] = await jobs(w)
    assert failed.status == "failed" and failed.id is not None
    retried: list[int] = []

    async def retry(job_id: int) -> bool:
        retried.append(job_id)
        return await w.engine.retry(job_id)

    # another rep of the org, another org, a made-up id: nothing re-queued
    for job_id, user, org in ((failed.id, w.users[1], w.org), (failed.id, w.users[0], w.org + 1),
                              (999_999, w.users[0], w.org), (0, w.users[0], w.org)):  # fmt: skip
        text = await retry_for_rep(w.db, retry, job_id=job_id, user_id=user, org_id=org)
        assert "nothing to retry" in text
    assert retried == []
    text = await retry_for_rep(w.db, retry, job_id=failed.id, user_id=w.users[0], org_id=w.org)
    assert text.startswith("Retrying *email received*")
    assert retried == [failed.id]
    [again] = await jobs(w)
    assert again.status == "pending"
    # a second click while it is queued says so and does nothing
    text = await retry_for_rep(w.db, retry, job_id=failed.id, user_id=w.users[0], org_id=w.org)
    assert "already running again" in text and retried == [failed.id]
    # the retried run fails again: the rep asked, so the answer comes (a second failure message)
    await w.engine.drain()
    assert [j.status for j in await jobs(w)] == ["failed"]
    assert len(failure_posts(w)) == 2


async def test_watch_renewal_leaves_a_demo_mailbox_alone(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    w = world
    caplog.set_level(logging.INFO, logger="flows.email_received.crons")
    await connect(w, w.users[0], {}, meta={"demo": True, "address": REP})

    @dataclass
    class Deps:
        db: Database
        settings: Settings

    settings = w.engine.settings.model_copy(update={"google_pubsub_topic": "projects/x/topics/y"})
    assert await email_crons.renew_gmail_watches(Deps(w.db, settings), T0) == 0
    assert w.google.routes_called() == []
    assert not [r for r in caplog.records if "failed" in r.getMessage()]  # not even tried


async def test_every_interval_sync_is_one_series_per_rep(world: World) -> None:
    """The other recurring per-rep job, the 30-minute calendar sync, is a series too."""
    from flows.calendar_sync.crons import sync_events

    w = world
    await connect(w, w.users[0], BROKEN)
    fires = [await sync_events(w.db, T0 + timedelta(minutes=m)) for m in (0, 30)]
    assert [e.payload["series"] for events in fires for e in events] == [
        f"calendar:sync:{w.users[0]}"
    ] * 2
