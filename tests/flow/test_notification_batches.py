"""Over the hourly cap, informational notifications are batched and flushed as one digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import literal_column, select, update

from blocks.notification_batch import MAX_ITEMS, DigestItem, digest_message
from config.settings import Settings
from flows.notification_batches import crons as digest_crons
from flows.notification_batches.sequence import notification_digest
from orchestrator import delivery
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef
from orchestrator.sequence import SequenceRegistry, sequence
from orchestrator.store import Sql
from orchestrator.workflow import Workflow
from storage.models import SequenceJob, SlackNotificationSent
from tests.support.sequences import RecordingDelivery, noop, noop_registry, seed_org


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


BUTTON = {
    "type": "actions",
    "elements": [
        {"type": "button", "action_id": "x", "text": {"type": "plain_text", "text": "Go"}}
    ],
}


def registry(kind: str = "commitment_overdue") -> SequenceRegistry:
    reg = noop_registry()

    async def remind(ctx: StepContext) -> dict[str, Any]:
        n = int(ctx.payload["n"])
        blocks = [BUTTON] if n % 2 else []
        posted = await ctx.notify(kind, f"Reminder number {n}", blocks, key="r")
        return {"ts": posted.ts, "status": getattr(posted, "status", "delivered")}

    @sequence("remind", version=1)
    async def reminder(wf: Workflow) -> None:
        await wf.step(remind)
        await wf.step(noop, name="after")

    reg.add(reminder)
    reg.add(notification_digest)
    return reg


async def rows(db: Any) -> list[SlackNotificationSent]:
    async with db.session() as s:
        q = select(SlackNotificationSent).order_by(SlackNotificationSent.id)
        return list((await s.execute(q)).scalars())


async def job_rows(db: Any) -> list[SequenceJob]:
    async with db.session() as s:
        return list((await s.execute(select(SequenceJob).order_by(SequenceJob.id))).scalars())


async def make_due(db: Any) -> None:
    now = Sql(db.engine.dialect.name, injected_clock=db.clock is not None).now  # the claim's clock
    async with db.transaction() as s:
        await s.execute(
            update(SequenceJob)
            .where(SequenceJob.status == "pending")
            .values(run_after=literal_column(now))
        )


async def flush(db: Any, engine: Engine, at: datetime) -> list[Any]:
    [spec] = digest_crons.cron_specs(SimpleNamespace(db=db))
    return [await engine.submit(ev) for ev in await spec.events(at)]


async def test_over_the_cap_batches_then_one_digest(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=2)
    clock = Clock(datetime(2030, 3, 2, 15, 0, tzinfo=UTC))
    slack = RecordingDelivery()
    engine = Engine(db, Settings(), slack, registry(), clock=clock, heartbeat_s=None)
    for n in range(5):
        await engine.submit(Event("remind", "test", org, users[1], {"n": n}, f"remind:{n}"))
        await engine.drain()
        clock.now += timedelta(minutes=1)
    # the job continues without posting: all five complete, two posts, three batched
    assert [j.status for j in await job_rows(db)] == ["completed"] * 5
    assert slack.methods().count("chat.postMessage") == 2
    outputs = [j.context["outputs"]["remind"] for j in await job_rows(db)]
    assert [o["status"] for o in outputs] == ["delivered"] * 2 + ["batched"] * 3
    assert [o["ts"] for o in outputs[2:]] == ["", "", ""]
    batched = [r for r in await rows(db) if r.status == "batched"]
    assert [r.summary for r in batched] == [f"Reminder number {n}" for n in (2, 3, 4)]
    assert batched[1].blocks == [BUTTON]

    # flush while still over the cap: the digest job waits for the window, nothing posted
    [ref] = await flush(db, engine, clock.now)
    assert isinstance(ref, JobRef)
    await engine.drain()
    digest_job = (await job_rows(db))[-1]
    assert digest_job.status == "pending"
    assert digest_job.run_after == datetime(2030, 3, 2, 16, 0, tzinfo=UTC)  # oldest ages out
    assert slack.methods().count("chat.postMessage") == 2
    assert await flush(db, engine, clock.now + timedelta(minutes=5)) == []  # one on its way

    clock.now = datetime(2030, 3, 2, 16, 2, tzinfo=UTC)
    await make_due(db)
    await engine.drain()
    posts = [c for m, c in slack.calls if m == "chat.postMessage"]
    assert len(posts) == 3
    digest = posts[-1]
    assert digest["text"] == "While you were busy: 3 updates"
    sections = [b for b in digest["blocks"] if b["type"] == "section"]
    assert [("Reminder number" in b["text"]["text"]) for b in sections] == [True] * 3
    assert ["accessory" in b for b in sections] == [False, True, False]  # n=3 had a button
    after = await rows(db)
    assert {r.status for r in after} == {"delivered"}
    items = [r for r in after if r.digest_key == f"digest:{digest_job.id}"]
    assert len(items) == 3 and {r.message_ts for r in items} == {digest["ts"]}
    assert [r.kind for r in after].count("notification_digest") == 1
    # the digest counts once against the cap, not once per item
    async with db.engine.connect() as conn:
        recent = await delivery.recent_deliveries(conn, users[1], clock.now, None)
    assert len(recent) == 1  # the two first posts aged out; the digest remains
    assert await flush(db, engine, clock.now + timedelta(minutes=10)) == []  # nothing left


async def test_approvals_and_other_kinds_defer_instead_of_batching(db: Any) -> None:
    org, users = await seed_org(db, max_per_hour=1)
    clock = Clock(datetime(2030, 3, 2, 15, 0, tzinfo=UTC))
    slack = RecordingDelivery()
    engine = Engine(db, Settings(), slack, registry("custom_kind"), clock=clock, heartbeat_s=None)
    for n in range(2):
        await engine.submit(Event("remind", "test", org, users[1], {"n": n}, f"remind:{n}"))
        await engine.drain()
    assert [j.status for j in await job_rows(db)] == ["completed", "pending"]
    assert [r.status for r in await rows(db)] == ["delivered", "deferred"]


def test_digest_stays_within_slack_limits() -> None:
    items = [DigestItem(i, "email_received", "x" * 5000, openable=True) for i in range(60)]
    blocks = [b.to_dict() for b in digest_message(items, 75)]
    assert len(blocks) <= 50
    assert blocks[0]["text"]["text"] == "While you were busy: 75 updates"
    assert sum(1 for b in blocks if b["type"] == "section") == MAX_ITEMS
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "55 more" in blocks[-1]["elements"][0]["text"]
    assert [b["accessory"]["value"] for b in blocks if b["type"] == "section"][:2] == ["0", "1"]


async def test_items_of_a_digest_job_that_failed_are_delivered_by_the_next(db: Any) -> None:
    org, users = await seed_org(db)
    async with db.transaction() as s:
        dead = SequenceJob(org_id=org, user_id=users[0], sequence_type="notification_digest",
                           status="failed", event_type="notification_digest", event_source="t",
                           idempotency_key="notification_digest:dead")  # fmt: skip
        s.add(dead)
        await s.flush()
        s.add(SlackNotificationSent(org_id=org, user_id=users[0], kind="pipeline",
                                    dedupe_key="n:1", status="batched", summary="3 deals quiet",
                                    digest_key=f"digest:{dead.id}"))  # fmt: skip
    clock = Clock(datetime(2030, 3, 2, 15, 0, tzinfo=UTC))
    slack = RecordingDelivery()
    engine = Engine(db, Settings(), slack, registry(), clock=clock, heartbeat_s=None)
    [ref] = await flush(db, engine, clock.now)
    assert isinstance(ref, JobRef)
    await engine.drain()
    [post] = [c for m, c in slack.calls if m == "chat.postMessage"]
    assert post["text"] == "While you were busy: 1 update"
    assert "3 deals quiet" in str(post["blocks"])
    [item] = [r for r in await rows(db) if r.dedupe_key == "n:1"]
    assert (item.status, item.digest_key) == ("delivered", f"digest:{ref.job_id}")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=0, max_value=80), extra=st.integers(min_value=0, max_value=40),
       summary=st.text(min_size=0, max_size=400))  # fmt: skip
def test_digest_blocks_fit_slack_whatever_the_count(n: int, extra: int, summary: str) -> None:
    items = [DigestItem(i, "x_kind", summary, openable=i % 2 == 0) for i in range(n)]
    blocks = [b.to_dict() for b in digest_message(items, n + extra)]
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(blocks) <= 50 and len(sections) == min(n, MAX_ITEMS)
    hidden = n + extra - len(sections)
    tail = blocks[-1]
    assert (tail["type"] == "context" and len(blocks) > 2) == (hidden > 0)
    if hidden:
        assert f"{hidden} more" in tail["elements"][0]["text"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
