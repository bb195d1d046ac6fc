"""The code-first sequence API (`orchestrator.workflow`): gather with a gate per branch, cancels in
and out of a gather, sleep_until on the injected clock, follow-ups once across replays, replays
that never rerun completed steps, and repeated names."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import literal_column, select, update

from config.settings import Settings
from orchestrator.context import Approval, StepContext, TransientError
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import ApprovalKind, OnFailure, SequenceDef, sequence
from orchestrator.store import Sql
from orchestrator.workflow import Workflow
from storage.clock import SteppingClock
from storage.engine import Database
from storage.models import SequenceJob
from tests.support.sequences import (
    RecordingDelivery,
    gates_of,
    job_row,
    noop,
    noop_registry,
    seed_org,
)

T0 = datetime(2030, 3, 3, 12, 0, tzinfo=UTC)  # ahead of any database clock: see sleep_until


def make_engine(db: Any, *seqs: SequenceDef, **kw: Any) -> tuple[Engine, RecordingDelivery]:
    reg = noop_registry()
    reg.add_all(seqs)
    delivery = RecordingDelivery()
    kw.setdefault("heartbeat_s", None)
    kw.setdefault("retry_base_s", 0.0)
    return Engine(db, Settings(), delivery, reg, **kw), delivery


async def start(db: Any, engine: Engine, etype: str, ext: str = "1") -> int:
    org, users = await seed_org(db)
    ref = await engine.submit(Event(etype, "test", org, users[0], {"id": ext}))
    assert isinstance(ref, JobRef)
    await engine.drain()
    return ref.job_id


def approval_cards(delivery: RecordingDelivery) -> list[dict[str, Any]]:
    return [
        c
        for m, c in delivery.calls
        if m == "chat.postMessage" and "approval-approve" in str(c["blocks"])
    ]


# --------------------------------------------------------------------------- gather

ACTED: list[str] = []


async def act(ctx: StepContext, which: str, decision: Approval) -> dict[str, str]:
    ACTED.append(which)
    return {"did": which, "by": decision.actor or ""}


async def ask_then_act(wf: Workflow, which: str) -> str:
    """One branch of a gather: ask for its approval, act if approved."""
    decision = await wf.approval(
        ApprovalKind.GENERIC, {"title": f"Do {which}?"}, name=f"ask_{which}"
    )
    if decision.approved:
        await wf.step(act, which, decision, name=f"do_{which}")
    return decision.status


@sequence("two_gates", version=1)
async def two_gates(wf: Workflow) -> None:
    statuses = await wf.gather(ask_then_act(wf, "a"), ask_then_act(wf, "b"))
    await wf.step(noop, name="end")
    final = await wf.approval(ApprovalKind.GENERIC, {"title": f"Wrap up {statuses}?"}, name="wrap")
    if final.approved:
        await wf.step(noop, name="wrapped")


async def test_gather_posts_both_gates_at_once_and_each_branch_goes_on_alone(db: Any) -> None:
    ACTED.clear()
    engine, delivery = make_engine(db, two_gates)
    job_id = await start(db, engine, "two_gates")
    j = await job_row(db, job_id)
    assert j.status == "awaiting_approval" and j.context["done"] == []
    pas = await gates_of(db, job_id)
    assert set(pas) == {"ask_a", "ask_b"}  # both asked in the one run
    assert all(pa.status == "pending" and pa.message_ts for pa in pas.values())
    assert len(approval_cards(delivery)) == 2
    # the second gate first: only its own branch goes on
    assert (await engine.resume(pas["ask_b"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert ACTED == ["b"] and j.status == "awaiting_approval"
    assert j.context["done"] == ["do_b"] and j.context["outputs"]["do_b"] == {
        "did": "b",
        "by": "U1",
    }
    assert len(approval_cards(delivery)) == 2  # nothing asked again
    # then the first: its branch runs, the gather ends and the job goes on to the next gate
    assert (await engine.resume(pas["ask_a"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert ACTED == ["b", "a"]
    assert j.context["done"] == ["do_b", "do_a", "end"] and j.status == "awaiting_approval"
    wrap = (await gates_of(db, job_id))["wrap"]
    assert "approved" in str(approval_cards(delivery)[-1]["blocks"])  # the statuses, in order
    assert (await engine.resume(wrap.id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "completed" and j.context["done"][-1] == "wrapped"
    assert ACTED == ["b", "a"]  # the replays ran neither branch's step again


async def test_a_cancel_inside_gather_skips_its_branch_and_outside_cancels_the_job(db: Any) -> None:
    ACTED.clear()
    engine, _ = make_engine(db, two_gates)
    job_id = await start(db, engine, "two_gates")
    pas = await gates_of(db, job_id)
    assert (await engine.resume(pas["ask_a"].id, Decision.CANCEL, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "awaiting_approval"  # only branch a ended; b still waits
    assert j.context["approvals"]["ask_a"]["status"] == "cancelled"
    assert (await engine.resume(pas["ask_b"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert ACTED == ["b"] and j.context["done"] == ["do_b", "end"]
    assert "do_a" not in j.context["outputs"]
    assert j.status == "awaiting_approval"  # on to the gate after the gather
    # a cancel outside a gather ends the job
    wrap = (await gates_of(db, job_id))["wrap"]
    assert (await engine.resume(wrap.id, Decision.CANCEL, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "cancelled" and "wrap" in (j.error or "")
    assert "wrapped" not in j.context["done"] and ACTED == ["b"]


# --------------------------------------------------------------------------- sleep_until

SLEEP_SHIFT = {"h": 0}  # what a replay would compute differently (code must not, but may)
WOKE: list[datetime] = []


async def woke(ctx: StepContext) -> dict[str, str]:
    WOKE.append(ctx.now())
    return {"at": ctx.now().isoformat()}


@sequence("sleeper", version=1)
async def sleeper(wf: Workflow) -> None:
    await wf.step(noop, name="before")
    await wf.sleep_until(T0 + timedelta(hours=1 + SLEEP_SHIFT["h"]), name="nap")
    await wf.step(woke)


async def make_due(db: Any) -> None:
    """PostgreSQL keeps its own clock: make the parked job due on it."""
    now = Sql(db.engine.dialect.name, injected_clock=db.clock is not None).now
    async with db.transaction() as s:
        await s.execute(
            update(SequenceJob)
            .where(SequenceJob.status == "pending")
            .values(run_after=literal_column(now))
        )


async def test_sleep_until_parks_until_t_on_the_clock_and_a_replay_keeps_the_first_t(
    db_url: str,
) -> None:
    SLEEP_SHIFT["h"], WOKE[:] = 0, []
    clock = SteppingClock(T0)
    db = Database(db_url, clock=clock)  # SQLite's job times follow it; PostgreSQL keeps its own
    try:
        engine, _ = make_engine(db, sleeper, clock=clock)
        job_id = await start(db, engine, "sleeper")
        t = T0 + timedelta(hours=1)
        j = await job_row(db, job_id)
        assert j.status == "pending" and j.run_after == t
        assert j.context["outputs"]["nap"] == {"until": t.isoformat()}
        assert j.context["done"] == ["before"] and WOKE == []
        clock.advance(timedelta(minutes=30))
        assert await engine.drain() == 0  # not yet
        SLEEP_SHIFT["h"] = 5  # a replay now computes t + 5 h: the recorded t wins
        clock.advance_to(t + timedelta(seconds=1))
        if db.clock is None:
            await make_due(db)
        assert await engine.drain() == 1
        j = await job_row(db, job_id)
        assert j.status == "completed" and j.context["done"] == ["before", "woke"]
        assert j.context["outputs"]["nap"] == {"until": t.isoformat()}
        assert len(WOKE) == 1 and t <= WOKE[0] < t + timedelta(minutes=5)
    finally:
        SLEEP_SHIFT["h"] = 0
        await db.dispose()


# --------------------------------------------------------------------------- follow-ups and retries

CALLS: Counter[str] = Counter()


async def counted(ctx: StepContext) -> dict[str, int]:
    CALLS[ctx.step.name] += 1
    return {"n": CALLS[ctx.step.name]}


async def flaky(ctx: StepContext) -> dict[str, int]:
    CALLS[ctx.step.name] += 1
    if CALLS[ctx.step.name] < 3:
        raise TransientError("503 from the CRM", retry_after=0.0)
    return {"tries": CALLS[ctx.step.name]}


@sequence("chainer", version=1)
async def chainer(wf: Workflow) -> None:
    await wf.step(counted, name="before")
    # no idempotency key: a second spawn would get another chain key and a second child
    wf.follow_up(Event("noop7", "orchestrator:chain", wf.org_id, wf.user_id, {"id": "child"}))
    decision = await wf.approval(ApprovalKind.GENERIC, {"title": "Go on?"}, name="go")
    if decision.approved:
        await wf.step(flaky, on_failure=OnFailure.RETRY, retries=3)
    await wf.step(counted, name="after")


async def test_follow_up_makes_one_child_across_a_pause_retries_and_replays(db: Any) -> None:
    CALLS.clear()
    engine, _ = make_engine(db, chainer)
    spawned: list[int | None] = []  # every child insert tried, duplicates included
    insert_job = engine.insert_job

    async def counting_insert(*a: Any, **kw: Any) -> int | None:
        new = await insert_job(*a, **kw)
        if kw.get("parent") is not None:
            spawned.append(new)
        return new

    engine.insert_job = counting_insert  # type: ignore[method-assign]
    job_id = await start(db, engine, "chainer")  # the child runs too (noop7)
    pa = (await gates_of(db, job_id))["go"]
    assert (await engine.resume(pa.id, Decision.APPROVE, "U1")).ok
    for _ in range(5):  # two transient failures, each a release and a replay
        await engine.drain()
    parent = await job_row(db, job_id)
    assert parent.status == "completed" and parent.attempts >= 4
    assert CALLS == Counter({"before": 1, "flaky": 3, "after": 1})
    async with db.session() as s:
        children = (
            (await s.execute(select(SequenceJob).where(SequenceJob.parent_job_id == job_id)))
            .scalars()
            .all()
        )
    assert len(children) == 1 and children[0].status == "completed"
    assert spawned == [children[0].id]  # spawned once, not deduplicated away
    assert parent.context["children"] == [children[0].id]
    assert parent.event_chain["children"] == [children[0].id]
    assert parent.context["meta"]["followups_queued"] == 1 and parent.context["followups"] == []


async def test_a_replay_after_a_transient_failure_reruns_no_completed_step(db: Any) -> None:
    CALLS.clear()

    @sequence("retrying", version=1)
    async def retrying(wf: Workflow) -> None:
        await wf.step(counted, name="a")
        await wf.step(counted, name="b")
        await wf.step(flaky, on_failure=OnFailure.RETRY, retries=3)
        await wf.step(counted, name="c")

    engine, _ = make_engine(db, retrying)
    job_id = await start(db, engine, "retrying")
    for _ in range(3):
        await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "completed" and j.attempts == 3  # the first run and two replays
    assert CALLS == Counter({"a": 1, "b": 1, "flaky": 3, "c": 1})
    assert j.context["done"] == ["a", "b", "flaky", "c"] and j.context["retries"] == {"flaky": 2}
    assert j.context["outputs"]["b"] == {"n": 1} and j.context["outputs"]["flaky"] == {"tries": 3}


# --------------------------------------------------------------------------- names


async def load_first(ctx: StepContext) -> dict[str, str]:
    return {"from": "first"}


async def load_second(ctx: StepContext, arg: str) -> dict[str, str]:
    return {"from": "second", "arg": arg}


async def test_a_name_used_twice_in_one_scope_gets_a_suffix_and_keeps_both(db: Any) -> None:
    @sequence("twice", version=1)
    async def twice(wf: Workflow) -> None:
        await wf.step(load_first, name="load")
        await wf.step(load_second, "x", name="load")
        decision = await wf.approval(ApprovalKind.GENERIC, {"title": "More?"}, name="more")
        if decision.approved:
            await wf.step(counted, name="load")  # replayed past the first two: the third

    CALLS.clear()
    engine, _ = make_engine(db, twice)
    job_id = await start(db, engine, "twice")
    assert (await job_row(db, job_id)).context["done"] == ["load", "load#2"]
    assert (await engine.resume((await gates_of(db, job_id))["more"].id, Decision.APPROVE, "U1")).ok
    await engine.drain()
    j = await job_row(db, job_id)
    assert j.status == "completed"
    assert j.context["done"] == ["load", "load#2", "load#3"]
    assert j.context["outputs"]["load"] == {"from": "first"}
    assert j.context["outputs"]["load#2"] == {"from": "second", "arg": "x"}
    assert j.context["outputs"]["load#3"] == {"n": 1} and CALLS == Counter({"load#3": 1})
    assert list(j.context["at"].values()) == ["load", "load#2", "more", "load#3"]


# --------------------------------------------------------------------------- errors in the code


def retry_buttons(delivery: RecordingDelivery) -> list[str]:
    return [
        el["value"]
        for m, c in delivery.calls
        if m == "chat.postMessage"
        for b in c["blocks"] or []
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"] == "job-retry"
    ]


async def test_an_error_in_the_sequence_code_fails_the_job_and_tells_the_rep(db: Any) -> None:
    """Not a step's error (its failure policy decides) but the sequence's own code: the job
    fails at once instead of crashing its worker after every lease."""
    CALLS.clear()

    @sequence("body_bug", version=1)
    async def body_bug(wf: Workflow) -> None:
        out = await wf.step(counted, name="a")
        await wf.step(counted, name=out["category"])  # the step returned no category

    engine, delivery = make_engine(db, body_bug)
    job_id = await start(db, engine, "body_bug")
    j = await job_row(db, job_id)
    assert j.status == "failed" and (j.error or "").startswith("KeyError: 'category'")
    assert j.locked_by is None and j.context["done"] == ["a"] and CALLS == Counter({"a": 1})
    assert retry_buttons(delivery) == [str(job_id)]
    assert await engine.drain() == 0


async def test_one_name_in_two_scopes_fails_the_job_before_the_second_runs(db: Any) -> None:
    """Suffixes count within a scope; one name in two gather branches (or a step and a sleep)
    would overwrite an output or a gate: the job fails, naming both positions."""
    CALLS.clear()

    async def branch(wf: Workflow, which: str) -> None:
        await wf.step(counted, name="draft")  # the same in both branches
        decision = await wf.approval(ApprovalKind.GENERIC, {"title": which}, name=f"ask_{which}")
        if decision.approved:
            await wf.step(noop, name=f"do_{which}")

    async def gate_only(wf: Workflow, which: str) -> None:
        await wf.approval(ApprovalKind.GENERIC, {"title": which})  # default names: the same

    @sequence("same_step", version=1)
    async def same_step(wf: Workflow) -> None:
        await wf.gather(branch(wf, "a"), branch(wf, "b"))

    @sequence("same_gate", version=1)
    async def same_gate(wf: Workflow) -> None:
        await wf.gather(gate_only(wf, "a"), gate_only(wf, "b"))

    @sequence("step_and_sleep", version=1)
    async def step_and_sleep(wf: Workflow) -> None:
        await wf.step(counted, name="wait")
        await wf.sleep_until(T0, name="wait")

    engine, delivery = make_engine(db, same_step, same_gate, step_and_sleep)
    for etype, name, positions in (
        ("same_step", "draft", "0.0.0 and 0.1.0"),
        ("same_gate", "approve_generic", "0.0.0 and 0.1.0"),
        ("step_and_sleep", "wait", "0 and 1"),
    ):
        job_id = await start(db, engine, etype, etype)
        j = await job_row(db, job_id)
        assert j.status == "failed" and j.locked_by is None, etype
        assert (j.error or "").startswith(f"NameTaken: job {job_id}: '{name}' is asked for")
        assert f"positions {positions}" in (j.error or "")
        assert await gates_of(db, job_id) == {}  # no gate opened
    assert CALLS == Counter({"draft": 1, "wait": 1})  # the second never ran
    assert len(retry_buttons(delivery)) == 3 and approval_cards(delivery) == []
