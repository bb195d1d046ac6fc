"""The polling fallback for Outlook inboxes, against the loopback fake Graph, on SQLite and
PostgreSQL: the `email:poll` cron's event for a Microsoft mailbox runs a Graph inbox delta pass
from the stored delta link, each new message becomes the job a change notification would make
(same key: push and poll make one job), an expired link restarts from recent mail, and with a
public URL only never-polled mailboxes (Graph lifecycle `missed`) are polled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from config.settings import Settings
from flows.email_received import crons as email_crons
from flows.email_received.sequence import email_received
from orchestrator.crons import fire_once
from orchestrator.engine import Engine
from orchestrator.events import Event, EventSource, EventType, JobRef, Skipped
from orchestrator.sequence import SequenceRegistry
from storage import connections
from storage.clock import SteppingClock
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import Company, Contact, EmailMessage, MailboxState, SequenceJob
from tests.fakes.graph_server import FakeGraph
from tests.support.sequences import RecordingDelivery, seed_org

REP = "rep1@contoso.test"
BUYER = "dana.buyer@northwind.test"
QUESTION = "Do you support SAML single sign-on with Okta?"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday afternoon


@dataclass
class World:
    db: Database
    engine: Engine
    graph: FakeGraph
    org: int
    user: int
    conn: int


@dataclass
class CronDeps:
    db: Database
    settings: Settings


@pytest.fixture
async def world(db: Database, tmp_path: Path) -> AsyncIterator[World]:
    graph = await FakeGraph().start()
    key = Fernet.generate_key()
    settings = Settings(
        _env_file=None,
        encryption_key=key.decode(),
        graph_api_base=graph.graph_base,
        data_dir=tmp_path,
        email_poll_interval_s=60,
    )
    org, [user, _] = await seed_org(db)
    token = graph.issue_token(REP, {"Mail.Read"}, ttl_s=600)
    async with db.transaction() as s:
        company = Company(org_id=org, name="Northwind", domain="northwind.test")
        s.add(company)
        await s.flush()
        s.add(Contact(org_id=org, company_id=company.id, name="Dana Buyer", email=BUYER))
        conn = await connections.save_connection(
            s, cipher=TokenCipher(key), org_id=org, user_id=user, provider="microsoft",
            tokens={"access_token": token}, scopes=["Mail.Read"], expires_at=None,
            account_email=REP)  # fmt: skip
        await s.flush()
        assert conn.id is not None
        conn_id = conn.id
    registry = SequenceRegistry([email_received])
    engine = Engine(db, settings, RecordingDelivery(), registry, clock=SteppingClock(NOW),
                    heartbeat_s=None)  # fmt: skip
    yield World(db, engine, graph, org, user, conn_id)
    await graph.stop()


async def rows(w: World, model: Any) -> list[Any]:
    async with w.db.session() as s:
        return list((await s.exec(select(model))).all())


async def state(w: World) -> MailboxState | None:
    async with w.db.session() as s:
        return await s.get(MailboxState, w.conn)


async def poll(w: World, fire: datetime, settings: Settings | None = None) -> list[Any]:
    """Fire the polling cron once (as the scheduler would) and run every job it leads to."""
    deps = CronDeps(w.db, settings or w.engine.settings)
    [spec] = [
        c for c in email_crons.cron_specs(deps) if c.id in ("email:poll", "email:graph_missed")
    ]
    fired = await fire_once(w.db, spec, fire, w.engine.submit, "test")
    assert fired is not None
    await w.engine.drain()
    return fired


def push_event(w: World, message_id: str) -> Event:
    """What `/webhooks/graph` submits for a `created` change notification."""
    return Event(
        type=EventType.EMAIL_RECEIVED, source=EventSource.WEBHOOK_EMAIL, org_id=w.org,
        user_id=w.user, payload={"provider": "microsoft", "connection_id": w.conn,
                                 "message_id": message_id},
        idempotency_key=f"email_received:microsoft:{w.conn}:{message_id}")  # fmt: skip


def delta_calls(w: World) -> list[Any]:
    return [r for r in w.graph.requests if r.route == "mail.delta"]


async def test_poll_makes_one_job_per_new_message_shared_with_push(world: World) -> None:
    w = world
    first = w.graph.deliver(REP, sender=BUYER, subject="SSO", body=QUESTION)
    old = w.graph.deliver(REP, sender=BUYER, subject="Old", body="An old thread.")
    long_ago = NOW - timedelta(days=30)
    w.graph.messages[REP][old]["receivedDateTime"] = f"{long_ago:%Y-%m-%dT%H:%M:%SZ}"
    t0 = NOW

    [ref] = await poll(w, t0)
    assert isinstance(ref, JobRef)
    [msg] = await rows(w, EmailMessage)  # the old message is outside the recent window
    assert msg.provider_message_id == first and msg.category == "needs_response"
    box = await state(w)
    assert box is not None and box.last_polled_at is not None
    assert box.history_id is not None and "$deltatoken=" in box.history_id
    assert "receivedDateTime%20ge%20" in delta_calls(w)[0].raw_path  # the first pass: recent only
    assert isinstance(await w.engine.submit(push_event(w, first)), Skipped)  # push after poll

    pushed = w.graph.deliver(
        REP,
        sender=BUYER,
        subject="Onboarding",
        body="What does onboarding look like for a team of 12?",
    )
    assert isinstance(await w.engine.submit(push_event(w, pushed)), JobRef)  # push before poll
    later = w.graph.deliver(REP, sender=BUYER, subject="Security", body=QUESTION + " And SCIM?")
    await poll(w, t0 + timedelta(minutes=1))
    assert "$deltatoken=" in delta_calls(w)[-1].raw_path  # from the stored link
    stored = sorted(m.provider_message_id for m in await rows(w, EmailMessage))
    assert stored == sorted([first, pushed, later])
    jobs = await rows(w, SequenceJob)
    keys = [j.idempotency_key for j in jobs]
    for mid in (first, pushed, later):
        assert keys.count(f"email_received:microsoft:{w.conn}:{mid}") == 1
    assert all(j.status in ("completed", "awaiting_approval") for j in jobs), [
        j.error for j in jobs
    ]

    calls = len(delta_calls(w))  # a poll fired before the last completed one does nothing
    [stale] = email_crons.poll_events(
        await email_crons.active_mailboxes(w.db, ("microsoft",)), t0 - timedelta(hours=1)
    )
    assert isinstance(await w.engine.submit(stale), JobRef)
    await w.engine.drain()
    assert len(delta_calls(w)) == calls and len(await rows(w, EmailMessage)) == 3


async def test_an_expired_delta_link_restarts_from_recent_mail(world: World) -> None:
    w = world
    async with w.db.transaction() as s:
        link = f"{w.graph.graph_base}/me/mailFolders/inbox/messages/delta?$deltatoken=0"
        s.add(MailboxState(connection_id=w.conn, history_id=link))
    mid = w.graph.deliver(REP, sender=BUYER, subject="SSO", body=QUESTION)
    w.graph.fail_next("mail.delta", 410)  # syncStateNotFound
    await poll(w, NOW)
    [msg] = await rows(w, EmailMessage)
    assert msg.provider_message_id == mid
    old_link, fresh = delta_calls(w)
    assert "$deltatoken=0" in old_link.raw_path and "receivedDateTime%20ge%20" in fresh.raw_path
    polls = [
        j for j in await rows(w, SequenceJob) if j.idempotency_key.startswith("email_received:poll")
    ]
    assert len(polls) == 1 and polls[0].status == "completed"
    box = await state(w)
    assert box is not None and box.history_id != link and box.last_polled_at is not None


async def test_with_a_public_url_only_never_polled_graph_mailboxes_are_polled(
    world: World,
) -> None:
    w = world
    public = w.engine.settings.model_copy(update={"public_base_url": "https://sixty.test"})
    ids = [c.id for c in email_crons.cron_specs(CronDeps(w.db, public))]
    assert "email:graph_missed" in ids and "email:poll" not in ids
    t0 = NOW
    assert len(await poll(w, t0, public)) == 1  # no state row yet: its first pass
    box = await state(w)
    assert box is not None and box.last_polled_at is not None
    assert await poll(w, t0 + timedelta(minutes=1), public) == []  # pushed from now on

    mid = w.graph.deliver(REP, sender=BUYER, subject="SSO", body=QUESTION)
    async with w.db.transaction() as s:  # what a lifecycle `missed` notification does
        row = await s.get(MailboxState, w.conn)
        assert row is not None
        row.last_polled_at = None
        s.add(row)
    assert len(await poll(w, t0 + timedelta(minutes=2), public)) == 1
    [msg] = await rows(w, EmailMessage)
    assert msg.provider_message_id == mid
    assert await poll(w, t0 + timedelta(minutes=3), public) == []
