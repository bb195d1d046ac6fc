"""Issue 16 coaching flows through the engine, on SQLite and PostgreSQL.

`coaching_call`: a recorded call through the real webhook and `meeting_ended` chains the
coaching job: the analysis is stored once per meeting and version (a replayed job finds it),
the week's aggregate is rebuilt, and the micro-feedback DM goes for mode "both" and not for
"weekly", "off" or with coaching off for the org.

`coaching_digest`: a rep with a manager and analysed calls this week and before: the manager is
asked for a note first; the note appears in the rep's digest, with the week's numbers against
the rep's trend and the team, the focus tied to a call, minute and quote, and the honest win/loss
line. No calls that week: no gate, no digest. An unanswered gate expires and the digest goes
without a note.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from config import Settings
from flows.coaching.crons import digest_event
from flows.registry import build_registry
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, EventSource, EventType
from storage import coaching
from storage.coaching_models import CoachingAnalysis, CoachingWeekly
from storage.engine import Database
from storage.models import Meeting, SlackPendingAction, User
from tests.flow.post_meeting_world import World, acme_pilot_call, make_world, text_of
from tests.support.sequences import RecordingDelivery, seed_org

FIRE = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # Friday 16:00, the default digest time


async def set_mode(db: Database, user_id: int, mode: str) -> None:
    async with db.transaction() as s:
        await coaching.save_coaching_settings(s, user_id=user_id, now=FIRE, mode=mode)


async def analyses(db: Database) -> list[CoachingAnalysis]:
    async with db.session() as s:
        return list((await s.exec(select(CoachingAnalysis))).all())


def coaching_posts(w: World) -> list[dict[str, Any]]:
    return [m for m in w.posted() if "Coaching on" in text_of(m)]


async def after_call(w: World, bot_id: str = "bot-1") -> None:
    await w.webhook(acme_pilot_call(bot_id))
    await w.engine.drain()


async def test_a_call_is_analysed_once_and_the_rep_gets_micro_feedback(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        await after_call(w)
        rows = await analyses(db)
        assert len(rows) == 1 and rows[0].version == 1
        row = rows[0]
        assert row.user_id == w.ids["alex"] and row.call_type == "discovery"
        assert 0.8 <= row.speaker_confidence <= 1.0 and row.mapping_sure
        assert row.metrics["talk_ratio_rep"] > 0 and row.skipped == {}
        async with db.session() as s:
            week = await coaching.weekly_for_rep(
                s, user_id=row.user_id, week_start=coaching.week_start_for(row.started_at, UTC)
            )
        assert week["all"].meetings == 1 and week["discovery"].meetings == 1
        posts = coaching_posts(w)
        assert len(posts) == 1
        body = text_of(posts[0])
        assert "00:14" in body and "how did the team find the two-week trial?" in body
        assert "View detailed analysis" in body and "Adjust coaching preferences" in body
        # the job replays (a new run of the same meeting): nothing stored or sent twice
        event = Event(type=EventType.COACHING_CALL, source=EventSource.ORCHESTRATOR_CHAIN,
                      org_id=w.ids["org"], user_id=w.ids["alex"],
                      payload={"meeting_id": row.meeting_id},
                      idempotency_key=f"coaching_call:meeting:{row.meeting_id}:again")  # fmt: skip
        await w.engine.submit(event)
        await w.engine.drain()
        assert [r.id for r in await analyses(db)] == [row.id]
        assert len(coaching_posts(w)) == 1
    finally:
        await w.client.close()


@pytest.mark.parametrize("mode", ["weekly", "off", "org_off"])
async def test_no_micro_feedback_unless_the_rep_chose_it(
    db: Database, tmp_path: Path, mode: str
) -> None:
    w = await make_world(db, tmp_path)
    try:
        if mode == "org_off":
            async with db.transaction() as s:
                await coaching.set_org_coaching(s, org_id=w.ids["org"], enabled=False, now=FIRE)
        else:
            await set_mode(db, w.ids["alex"], mode)
        await after_call(w)
        assert len(await analyses(db)) == 1  # still analysed: the weekly numbers need it
        assert coaching_posts(w) == []
        assert any("recap" in text_of(m).lower() for m in w.posted())  # the recap still went
    finally:
        await w.client.close()


# ------------------------------------------------------------------------------ weekly digest


async def seed_team(db: Database) -> dict[str, int]:
    org_id, (manager_id, alex_id, jo_id) = await seed_org(db, users=3, admin=False, max_per_hour=50)
    async with db.transaction() as s:
        for uid, name in ((manager_id, "Morgan Lee"), (alex_id, "Alex Rivera"), (jo_id, "Jo Park")):
            u = await s.get(User, uid)
            assert u is not None
            u.name = name
            u.manager_id = manager_id if uid != manager_id else None
            s.add(u)
    return {"org": org_id, "manager": manager_id, "alex": alex_id, "jo": jo_id}


def q(kind: str) -> dict[str, Any]:
    return {"utterance": 1, "text": "How does that work today?", "kind": kind, "discovery": True}


async def add_call(db: Database, ids: dict[str, int], rep: str, at: datetime, *, title: str,
                   talk: float, mono: float, questions: list[str],
                   moments: list[dict[str, Any]] = ()) -> int:  # type: ignore[assignment]  # fmt: skip
    async with db.transaction() as s:
        m = Meeting(org_id=ids["org"], user_id=ids[rep], title=title, started_at=at,
                    status="processed")  # fmt: skip
        s.add(m)
        await s.flush()
        assert m.id is not None
        await coaching.save_analysis(
            s, org_id=ids["org"], user_id=ids[rep], meeting_id=m.id, version=1,
            call_type="discovery", started_at=at, duration_s=1800, speaker_confidence=0.95,
            mapping_sure=True, metrics={"talk_ratio_rep": talk, "longest_monologue_s": mono},
            questions=[q(k) for k in questions], moments=list(moments), now=at,
        )  # fmt: skip
        # as the `coaching_call` job does after each call
        await coaching.rebuild_weekly(s, org_id=ids["org"], user_id=ids[rep], now=at,
                                      week_start=coaching.week_start_for(at, UTC))  # fmt: skip
        return m.id


MONOLOGUE = {
    "kind": "change",
    "utterance": 7,
    "at": "12:40",
    "quote": "so the platform also covers reporting and the admin side",
    "text": "You spoke for 02:55 without the prospect coming in from here; on a discovery call "
    "keep it under 150 s and check in with a question.",
}


async def seed_weeks(db: Database, ids: dict[str, int]) -> None:
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    for weeks_ago in (1, 2, 3):  # the rep's trend: talking a lot
        start = monday - timedelta(weeks=weeks_ago)
        await add_call(db, ids, "alex", start, title=f"Old call {weeks_ago}", talk=0.68,
                       mono=200, questions=["closed", "closed", "open"])  # fmt: skip
        await add_call(db, ids, "jo", start, title="Jo's call", talk=0.45, mono=80,
                       questions=["open", "open", "closed", "open"])  # fmt: skip
    await add_call(db, ids, "alex", monday, title="Acme discovery", talk=0.52, mono=190,
                   questions=["open", "open", "closed", "open"], moments=[MONOLOGUE])  # fmt: skip
    await add_call(db, ids, "alex", monday + timedelta(days=2), title="Globex intro", talk=0.5,
                   mono=175, questions=["open", "closed", "open"], moments=[MONOLOGUE])  # fmt: skip


def digest_engine(db: Database, now: datetime) -> tuple[Engine, RecordingDelivery]:
    slack = RecordingDelivery()
    engine = Engine(db, Settings(_env_file=None), slack, build_registry(), heartbeat_s=None,
                    clock=lambda: now)  # fmt: skip
    return engine, slack


def posts_to(slack: RecordingDelivery, slack_id: str) -> list[dict[str, Any]]:
    return [c for m, c in slack.calls if m == "chat.postMessage" and c["channel"] == f"D{slack_id}"]


async def rep(db: Database, user_id: int) -> User:
    async with db.session() as s:
        u = await s.get(User, user_id)
    assert u is not None
    return u


async def pending_gates(db: Database) -> list[SlackPendingAction]:
    async with db.session() as s:
        rows = (await s.exec(select(SlackPendingAction))).all()
    return [g for g in rows if g.status == "pending"]


async def test_the_manager_adds_a_note_and_the_rep_gets_the_digest_with_it(db: Database) -> None:
    ids = await seed_team(db)
    await seed_weeks(db, ids)
    engine, slack = digest_engine(db, FIRE)
    alex = await rep(db, ids["alex"])
    await engine.submit(digest_event(alex, FIRE))
    await engine.drain()
    assert posts_to(slack, alex.slack_user_id) == []  # held for the manager's note
    (gate,) = await pending_gates(db)
    assert gate.owner_user_id == ids["manager"] and gate.kind == "coaching_note"
    manager_post = posts_to(slack, "U1")
    assert len(manager_post) == 1
    card = text_of(manager_post[0])
    assert "Alex's weekly coaching digest goes out" in card and "Add a note" in card
    assert "Send as is" in card and "4 hours" in card
    result = await engine.resume(gate.id, Decision.EDIT, "U1", {"note": "Great week, keep asking."})
    assert result.ok, result.message
    await engine.drain()
    (digest,) = posts_to(slack, alex.slack_user_id)
    body = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "A note from Morgan Lee" in body and "Great week, keep asking." in body
    assert "2 analysed calls: 2 discovery" in body
    # this week 51% against the rep's own 68% and the team's (medians of rep means)
    assert "Talk ratio (aim" in body and "*51%*" in body and "68%" in body
    assert "talk ratio (51%, from 68%)" in body  # improving against the trend
    # the team: the median of Alex's 4-week mean (61%) and Jo's (45%)
    assert "68% · 53%" in body
    assert "Focus this week: long monologues* (on 2 calls)" in body
    assert "Acme discovery, Mon 30 Nov at 12:40" in body and "admin side" in body
    assert "not enough outcomes yet to claim one (0 won, 0 lost)" in body
    assert body.count("View detailed analysis") == 2 and "Adjust coaching preferences" in body
    # a replay of the cron's fire sends nothing more
    await engine.submit(digest_event(alex, FIRE))
    await engine.drain()
    assert len(posts_to(slack, alex.slack_user_id)) == 1


async def test_an_unanswered_note_gate_expires_and_the_digest_goes_as_is(db: Database) -> None:
    ids = await seed_team(db)
    await seed_weeks(db, ids)
    engine, slack = digest_engine(db, FIRE)
    alex = await rep(db, ids["alex"])
    await engine.submit(digest_event(alex, FIRE))
    await engine.drain()
    (gate,) = await pending_gates(db)
    assert gate.expires_at is not None
    assert abs(gate.expires_at - gate.created_at - timedelta(hours=4)) < timedelta(seconds=5)
    async with db.transaction() as s:  # the 4 hours pass
        await s.execute(update(SlackPendingAction).where(SlackPendingAction.id == gate.id)
                        .values(expires_at=gate.created_at))  # fmt: skip
    assert await engine.sweep_expired() == 1
    await engine.drain()
    (digest,) = posts_to(slack, alex.slack_user_id)
    body = json.dumps(digest["blocks"])
    assert "Weekly coaching" in body and "A note from" not in body


async def test_no_calls_this_week_no_digest_and_no_gate(db: Database) -> None:
    ids = await seed_team(db)
    await seed_weeks(db, ids)
    later = FIRE + timedelta(weeks=2)  # nothing analysed in the week of 14 Dec
    engine, slack = digest_engine(db, later)
    alex = await rep(db, ids["alex"])
    await engine.submit(digest_event(alex, later))
    await engine.drain()
    assert posts_to(slack, alex.slack_user_id) == [] and posts_to(slack, "U1") == []
    assert await pending_gates(db) == []


async def test_a_rep_without_a_manager_or_on_micro_only(db: Database) -> None:
    ids = await seed_team(db)
    await seed_weeks(db, ids)
    async with db.transaction() as s:
        u = await s.get(User, ids["alex"])
        assert u is not None
        u.manager_id = None
        s.add(u)
    engine, slack = digest_engine(db, FIRE)
    alex = await rep(db, ids["alex"])
    await engine.submit(digest_event(alex, FIRE))
    await engine.drain()
    assert await pending_gates(db) == [] and len(posts_to(slack, alex.slack_user_id)) == 1
    await set_mode(db, ids["alex"], "per_meeting")
    event = dataclasses.replace(digest_event(alex, FIRE), idempotency_key="coaching_digest:again")
    await engine.submit(event)
    await engine.drain()
    assert len(posts_to(slack, alex.slack_user_id)) == 1


async def test_weekly_aggregates_follow_the_analyses(db: Database) -> None:
    ids = await seed_team(db)
    await seed_weeks(db, ids)
    engine, _slack = digest_engine(db, FIRE)
    alex = await rep(db, ids["alex"])
    await engine.submit(digest_event(alex, FIRE))
    await engine.drain()
    async with db.session() as s:
        rows = (await s.exec(select(CoachingWeekly).where(CoachingWeekly.user_id == ids["alex"],
                                                          CoachingWeekly.call_type == "all"))).all()  # fmt: skip
    by_week = {r.week_start.isoformat(): r for r in rows}
    this = by_week["2026-11-30"]
    assert this.meetings == 2 and this.talk_ratio_mean == pytest.approx(0.51)
    assert this.questions == 7 and this.open_questions == 5
    assert by_week["2026-11-23"].talk_ratio_mean == pytest.approx(0.68)


async def test_the_digest_cron_follows_the_reps_day_and_time(sqlite_db: Database) -> None:
    """`coaching_weekly:{rep}` at Friday 16:00 in the rep's zone by default; moved at once when
    the rep picks Monday 09:00 (the settings listener), and its fire submits one digest event."""
    from datetime import time

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from flows.planner import ProactivePlanner
    from tests.flow.test_proactive_crons import NOW, FakeDeps
    from tests.flow.test_proactive_crons import seed as seed_rep

    _org, rep_id = await seed_rep(sqlite_db)
    deps = FakeDeps(sqlite_db)
    planner = ProactivePlanner(AsyncIOScheduler(timezone="UTC"), deps)
    await planner.start(catch_up=False)
    job = planner.scheduler.get_job(f"coaching_weekly:{rep_id}")
    assert job is not None
    nxt = job.trigger.get_next_fire_time(None, NOW)
    assert (nxt.strftime("%a %H:%M"), str(nxt.tzinfo)) == ("Fri 16:00", "America/New_York")
    async with sqlite_db.transaction() as s:
        await coaching.save_coaching_settings(s, user_id=rep_id, now=NOW, digest_day="mon",
                                              digest_time=time(9, 0))  # fmt: skip
    await planner.on_settings_changed(rep_id)
    job = planner.scheduler.get_job(f"coaching_weekly:{rep_id}")
    nxt = job.trigger.get_next_fire_time(None, NOW)
    assert nxt.strftime("%a %H:%M") == "Mon 09:00"
    deps.now = nxt.astimezone(UTC)
    assert f"coaching_weekly:{rep_id}" in await planner.run_due(
        nxt.astimezone(UTC) - timedelta(minutes=1)
    )
    digests = [e for e in deps.submitted if e.type == "coaching_digest"]
    assert [e.source for e in digests] == ["cron:coaching_weekly"]
    assert digests[0].idempotency_key == f"coaching_digest:{rep_id}:{nxt.date().isoformat()}"
