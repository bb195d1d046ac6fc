"""The nightly Instantly reconcile (`flows.campaign_reply.crons`) against the loopback fake: a
reply the webhook missed is found over `GET /emails` and routed once (a second pass adds
nothing); a reply the webhook delivered makes no second job; the digest line counts replies
arrived against routed, with the unrouted ones in bold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from blocks.campaigns import campaign_digest_blocks, replies_line
from flows.campaign_reply import crons
from orchestrator.crons import CronSpec
from storage.clock import SteppingClock
from storage.engine import Database
from storage.instantly_models import InstantlyReply
from storage.instantly_replies import reply_counts
from storage.models import Connection, SequenceJob
from tests.flow.test_instantly_reply import NOW, World, deliver, make_world, reply, rows


@pytest.fixture
async def w(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    clock = SteppingClock(NOW)
    db = Database(sqlite_url, clock=clock)
    async for world in make_world(db, tmp_path, clock):
        yield world
    await db.dispose()


@pytest.fixture
async def pg(pg_url: str, tmp_path: Path) -> AsyncIterator[World]:
    from tests.conftest import truncate_pg

    truncate_pg(pg_url)
    clock = SteppingClock(NOW)
    db = Database(pg_url, clock=clock)
    async for world in make_world(db, tmp_path, clock):
        yield world
    await db.dispose()


async def reconcile(w: World) -> int:
    """One nightly pass; submits its events like the scheduler would; returns how many."""
    events = await crons.reconcile(SimpleNamespace(db=w.db, settings=w.engine.settings))
    for event in events:
        await w.engine.submit(event)
    await w.engine.drain()
    return len(events)


async def missed_reply_found_and_routed_once(w: World) -> None:
    email, _ = reply(w, "Sounds interesting, tell me more.")  # the webhook never came
    assert await reconcile(w) == 1
    [stored] = await rows(w, InstantlyReply)
    assert stored.instantly_email_id == email["id"] and stored.routed_at is not None
    assert stored.body_text.startswith("Sounds interesting")
    assert len(await rows(w, SequenceJob)) == 1
    posted = [c for m, c in w.delivery.calls if m == "chat.postMessage"]
    assert any("Campaign reply" in str(c.get("blocks")) for c in posted)
    [conn] = await rows(w, Connection)
    assert conn.meta[crons.META_KEY]["last_id"] == email["id"]
    # the next night: nothing new, nothing submitted, still one job
    assert await reconcile(w) == 0
    assert len(await rows(w, SequenceJob)) == 1 and len(await rows(w, InstantlyReply)) == 1


async def test_a_missed_reply_is_found_and_routed_once(w: World) -> None:
    await missed_reply_found_and_routed_once(w)


async def test_a_missed_reply_is_found_and_routed_once_postgres(pg: World) -> None:
    await missed_reply_found_and_routed_once(pg)


async def test_a_reply_the_webhook_delivered_is_not_duplicated(w: World) -> None:
    _, payload = reply(w, "Sounds interesting, tell me more.")
    assert (await deliver(w, payload))[0] == 200
    await w.engine.drain()
    assert await reconcile(w) == 0  # already stored: no event at all
    assert len(await rows(w, SequenceJob)) == 1 and len(await rows(w, InstantlyReply)) == 1


async def test_a_webhook_job_not_yet_run_is_not_doubled_by_the_same_key(w: World) -> None:
    _, payload = reply(w, "Sounds interesting, tell me more.")
    assert (await deliver(w, payload))[0] == 200  # job queued, not run: no reply row yet
    events = await crons.reconcile(SimpleNamespace(db=w.db, settings=w.engine.settings))
    assert len(events) == 1
    assert "skipped" in str(await w.engine.submit(events[0])).lower()
    await w.engine.drain()
    assert len(await rows(w, SequenceJob)) == 1 and len(await rows(w, InstantlyReply)) == 1


async def test_counts_and_the_digest_line_show_a_reply_not_routed(w: World) -> None:
    reply(w, "Sounds interesting, tell me more.")
    await reconcile(w)
    async with w.db.transaction() as s:  # a second reply stored but never routed (lost)
        s.add(InstantlyReply(org_id=w.org, user_id=w.user, lead_email="x@y.test",
                             instantly_email_id="lost-1", eaccount="a@b.test",
                             received_at=NOW))  # fmt: skip
    async with w.db.session() as s:
        counts = await reply_counts(s, user_id=w.user, since=NOW - timedelta(days=1),
                                    until=NOW + timedelta(minutes=5))  # fmt: skip
    assert (counts.arrived, counts.routed, counts.unrouted) == (2, 1, 1)
    line = replies_line(counts.arrived, counts.routed)
    assert line == "2 replies arrived, 1 routed · *1 not routed yet*"
    body = str([b.to_dict() for b in campaign_digest_blocks([], "why", replies=(2, 1))])
    assert "*1 not routed yet*" in body
    assert replies_line(1, 1) == "1 reply arrived, 1 routed"


def test_the_cron_runs_at_0230_utc() -> None:
    [spec] = crons.cron_specs(SimpleNamespace())
    assert isinstance(spec, CronSpec) and spec.id == "instantly:reconcile"
    assert "hour='2'" in str(spec.trigger) and "minute='30'" in str(spec.trigger)
