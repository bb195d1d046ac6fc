"""The proactive sequences run through the engine on the demo org, on a fixed clock: the morning
brief (asked for, then scheduled: the unread one updated in place; read, muted, paused), a
feature turned off, the pre-meeting brief (sent; skipped when moved or cancelled), the pipeline
scan's review offer and the stale-deal revival's approval. What the e2e tests check through
Slack, here without the app (they need every flow ported)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from config.settings import Settings
from flows.briefs_common import mark_read
from flows.morning_brief.crons import morning_event
from flows.pre_meeting_brief.crons import PlannedBrief, pre_meeting_event
from flows.registry import build_registry
from orchestrator import delivery
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, EventSource, EventType, JobRef
from storage.demo import STALE_ON_PURPOSE, seed_demo
from storage.engine import Database
from storage.models import (
    CalendarEvent,
    Company,
    Deal,
    EmailSend,
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
    User,
    UserPreferences,
)
from tests.conftest import sqlite_copy
from tests.support.sequences import RecordingDelivery

T0 = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # a Tuesday, as the e2e demo
JAMIE, ALEX = "U0SXJAMIE1", "U0SXALEX01"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The migrated database with the demo org seeded at T0 and no quiet hours, made once."""
    import asyncio

    path = tmp_path_factory.mktemp("demo")
    url = sqlite_copy(sqlite_template, path)

    async def seed() -> None:
        db = Database(url)
        async with db.transaction() as s:
            await seed_demo(s, now=T0)
            await s.execute(update(UserPreferences).values(quiet_hours_start=None,
                                                           quiet_hours_end=None))  # fmt: skip
        await db.dispose()

    asyncio.run(seed())
    return path / "sixty.db"


def at_t0() -> datetime:
    return T0


@pytest.fixture
async def demo(demo_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """A copy of the demo database whose job clock (SQLite's) is the engine's: T0."""
    db = Database(sqlite_copy(demo_template, tmp_path), clock=at_t0)
    yield db
    await db.dispose()


def engine_for(db: Database) -> tuple[Engine, RecordingDelivery]:
    slack = RecordingDelivery()
    engine = Engine(db, Settings(), slack, build_registry(), clock=at_t0, heartbeat_s=None,
                    retry_base_s=0.0)  # fmt: skip
    return engine, slack


async def user(db: Database, slack_id: str) -> User:
    async with db.session() as s:
        return (await s.execute(select(User).where(User.slack_user_id == slack_id))).scalars().one()


async def run(db: Database, engine: Engine, event: Event) -> SequenceJob:
    ref = await engine.submit(event)
    assert isinstance(ref, JobRef), ref
    await engine.drain()
    async with db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
    assert job is not None
    return job


def texts(slack: RecordingDelivery, method: str = "chat.postMessage") -> list[str]:
    return [c["text"] + str(c.get("blocks")) for m, c in slack.calls if m == method]


def scheduled(rep: User, tag: str, at: datetime = T0) -> Event:
    ev = morning_event(rep, at)
    return dataclasses.replace(ev, idempotency_key=f"{ev.idempotency_key}:{tag}")


async def set_prefs(db: Database, user_id: int, **values: Any) -> None:
    async with db.transaction() as s:
        await s.execute(
            update(UserPreferences).where(UserPreferences.user_id == user_id).values(**values)
        )


async def test_morning_brief_asked_then_scheduled_read_muted_paused(demo: Database) -> None:
    jamie = await user(demo, JAMIE)
    assert jamie.id is not None
    engine, slack = engine_for(demo)
    asked = Event(EventType.MORNING_BRIEF, EventSource.SLACK_COMMAND, jamie.org_id, jamie.id,
                  {"requested": True}, f"morning_brief:{jamie.id}:2026-03-03:req1")  # fmt: skip
    job = await run(demo, engine, asked)
    assert job.status == "completed"
    [brief] = texts(slack)
    assert "TODAY'S MEETINGS" in brief and "Jamie" in brief and "You asked for this brief" in brief
    first = job.context["outputs"]["deliver"]
    assert first["delivered"] and not first["updated"]

    # scheduled while the asked one is unread: updated in place, no second DM
    job = await run(demo, engine, scheduled(jamie, "a"))
    out = job.context["outputs"]["deliver"]
    assert out["updated"] is True and (out["channel"], out["ts"]) == (first["channel"], first["ts"])
    assert len(texts(slack)) == 1
    [update_text] = texts(slack, "chat.update")
    assert "You get this brief weekdays at 08:30" in update_text

    # read (a click on it): the next scheduled brief is a new message
    await mark_read(demo, first["channel"], first["ts"], T0, user_id=jamie.id)
    job = await run(demo, engine, scheduled(jamie, "b"))
    assert job.context["outputs"]["deliver"]["updated"] is False and len(texts(slack)) == 2

    # muted: recorded muted, not posted, even with an unread one of the same subject
    await set_prefs(demo, jamie.id, muted_kinds=["morning_brief"])
    job = await run(demo, engine, scheduled(jamie, "c"))
    assert job.context["outputs"]["deliver"] == {"delivered": False, "reason": "muted"}
    assert len(texts(slack)) == 2 and len(texts(slack, "chat.update")) == 1
    async with demo.session() as s:
        held = (await s.execute(select(SlackNotificationSent.kind, SlackNotificationSent.status)
                                .where(SlackNotificationSent.job_id == job.id))).all()  # fmt: skip
    assert [tuple(r) for r in held] == [("morning_brief", "muted")]

    # paused: the in-place update waits for the end of the pause; one asked for goes now
    pause_end = T0 + timedelta(hours=3)
    await set_prefs(demo, jamie.id, muted_kinds=[], paused_until=pause_end)
    job = await run(demo, engine, scheduled(jamie, "d"))
    assert job.status == "pending" and job.run_after == pause_end
    job = await run(
        demo, engine, dataclasses.replace(asked, idempotency_key=asked.idempotency_key + "2")
    )
    assert job.status == "completed" and job.context["outputs"]["deliver"]["updated"] is True


async def test_a_feature_turned_off_sends_nothing_unless_asked(demo: Database) -> None:
    jamie = await user(demo, JAMIE)
    assert jamie.id is not None
    await set_prefs(demo, jamie.id, features={"morning_brief": False})
    engine, slack = engine_for(demo)
    job = await run(demo, engine, scheduled(jamie, "off"))
    assert job.status == "completed"
    assert job.context["outputs"] == {"compose": {"empty": True, "reason": "feature off"}}
    assert slack.calls == []


async def test_pre_meeting_brief_sent_or_skipped_when_moved_or_cancelled(demo: Database) -> None:
    alex = await user(demo, ALEX)
    assert alex.id is not None
    start = T0 + timedelta(hours=3)
    async with demo.transaction() as s:
        deal = (await s.execute(select(Deal).where(Deal.owner_id == alex.id))).scalars().first()
        assert deal is not None
        ev = CalendarEvent(org_id=alex.org_id, user_id=alex.id, title="Brief test — Demo",
                           start_at=start, end_at=start + timedelta(minutes=30), is_external=True,
                           deal_id=deal.id, contact_id=deal.primary_contact_id,
                           attendees=[{"email": alex.email, "name": alex.name}])  # fmt: skip
        s.add(ev)
        await s.flush()
        assert ev.id is not None
        event_id = ev.id
    planned = PlannedBrief(event_id, alex.id, alex.org_id, start, start - timedelta(minutes=90))
    engine, slack = engine_for(demo)
    job = await run(demo, engine, pre_meeting_event(planned))
    assert job.status == "completed" and job.context["outputs"]["deliver"]["delivered"]
    [brief] = texts(slack)
    assert "Brief test" in brief and "Questions to ask" in brief and "about 90 minutes" in brief

    moved = dataclasses.replace(planned, start=start - timedelta(hours=1))
    job = await run(demo, engine, pre_meeting_event(moved))
    assert job.context["outputs"] == {"compose": {"skip": "moved"}}
    async with demo.transaction() as s:
        await s.execute(update(CalendarEvent).where(CalendarEvent.id == event_id)
                        .values(status="cancelled"))  # fmt: skip
    again = pre_meeting_event(planned)
    job = await run(
        demo, engine, dataclasses.replace(again, idempotency_key=again.idempotency_key + ":2")
    )
    assert job.context["outputs"] == {"compose": {"skip": "cancelled"}}
    assert len(texts(slack)) == 1


async def test_pipeline_scan_offers_a_review_of_the_stale_deals(demo: Database) -> None:
    jamie = await user(demo, JAMIE)
    assert jamie.id is not None
    engine, slack = engine_for(demo)
    event = Event(EventType.PIPELINE_SCAN, EventSource.CRON_PIPELINE_SCAN, jamie.org_id, jamie.id,
                  {}, f"pipeline_scan:{jamie.id}:2026-03-03")  # fmt: skip
    job = await run(demo, engine, event)
    scanned = job.context["outputs"]["scan"]
    async with demo.session() as s:
        stale_on_purpose = set((await s.execute(
            select(Deal.id).join(Company, Company.id == Deal.company_id)
            .where(Deal.owner_id == jamie.id, Company.domain.in_(STALE_ON_PURPOSE)))).scalars())  # fmt: skip
    assert stale_on_purpose and stale_on_purpose <= set(scanned["stale"])
    assert job.context["outputs"]["offer_review"]["delivered"]
    [offer] = texts(slack)
    assert f"{len(scanned['stale'])} deals have gone quiet" in offer


async def revival_awaiting(
    demo: Database,
) -> tuple[User, int, Engine, RecordingDelivery, SequenceJob]:
    """A revival of one of Jamie's quiet deals, run to its approval."""
    jamie = await user(demo, JAMIE)
    assert jamie.id is not None
    async with demo.session() as s:
        deal_id = (await s.execute(
            select(Deal.id).join(Company, Company.id == Deal.company_id)
            .where(Deal.owner_id == jamie.id, Company.domain.in_(STALE_ON_PURPOSE)))).scalars().first()  # fmt: skip
    assert deal_id is not None
    engine, slack = engine_for(demo)
    event = Event(EventType.STALE_DEAL_REVIVAL, EventSource.SLACK_BUTTON_APPROVE, jamie.org_id,
                  jamie.id, {"deal_id": deal_id}, f"stale_deal_revival:{deal_id}:2026-03-03")  # fmt: skip
    return jamie, deal_id, engine, slack, await run(demo, engine, event)


async def test_stale_deal_revival_drafts_behind_an_approval(demo: Database) -> None:
    jamie, deal_id, engine, slack, job = await revival_awaiting(demo)
    assert job.status == "awaiting_approval"
    analysed = job.context["outputs"]["analyse"]
    assert analysed["skip"] is None and analysed["deal_id"] == deal_id and analysed["reasons"]
    [gate] = texts(slack)
    assert "Picking up where we left off" in gate
    async with demo.session() as s:
        pa = (await s.execute(select(SlackPendingAction))).scalars().one()
    assert pa.kind == "email_send"
    assert (await engine.resume(pa.id, Decision.SKIP, JAMIE)).ok  # skipped: nothing is sent
    await engine.drain()
    async with demo.session() as s:
        done = await s.get(SequenceJob, job.id)
    assert done is not None and done.status == "completed"
    assert "deliver" not in done.context["outputs"]

    other = Event(EventType.STALE_DEAL_REVIVAL, EventSource.SLACK_BUTTON_APPROVE, jamie.org_id,
                  jamie.id, {"deal_id": 999_999}, "stale_deal_revival:999999:2026-03-03")  # fmt: skip
    job = await run(demo, engine, other)
    assert job.context["outputs"] == {"analyse": {"skip": "no such deal"}}


def test_an_update_in_place_keeps_mutes_and_quiet_hours_but_not_the_cap() -> None:
    recent = [T0 - timedelta(minutes=m) for m in (1, 2, 3)]
    capped = delivery.Prefs(max_per_hour=3)
    assert delivery.route("morning_brief", answers=False, prefs=capped, recent=recent, now=T0,
                          replaces_unread=True) == delivery.SEND  # fmt: skip
    assert delivery.route("morning_brief", answers=False, prefs=capped, recent=recent,
                          now=T0).action == "batch"  # fmt: skip
    muted = delivery.Prefs(muted_kinds=frozenset({"pipeline"}))
    assert delivery.route("pipeline", answers=False, prefs=muted, recent=[], now=T0,
                          replaces_unread=True).action == "mute"  # fmt: skip
    paused = delivery.Prefs(paused_until=T0 + timedelta(hours=1))
    r = delivery.route("pipeline", answers=False, prefs=paused, recent=[], now=T0,
                       replaces_unread=True)  # fmt: skip
    assert (r.action, r.until) == ("defer", T0 + timedelta(hours=1))
    assert delivery.route("pipeline", answers=True, prefs=paused, recent=[], now=T0,
                          replaces_unread=True) == delivery.SEND  # fmt: skip


@pytest.mark.parametrize("mailbox", [False, True], ids=["no-mailbox", "demo-mailbox"])
async def test_an_approved_revival_hands_the_edited_draft_to_the_send_flow(
    demo: Database, mailbox: bool
) -> None:
    if mailbox:
        from bot.deps import Deps
        from bot.webhooks.oauth import connect_demo

        await connect_demo(Deps(settings=Settings(), db=demo), await user(demo, JAMIE))
    jamie, deal_id, engine, slack, job = await revival_awaiting(demo)
    async with demo.session() as s:
        pa = (await s.execute(select(SlackPendingAction))).scalars().one()
    edit = {"draft": {"subject": "Quick check-in"}}
    assert (await engine.resume(pa.id, Decision.EDIT, JAMIE, edit)).ok
    await engine.drain()
    async with demo.session() as s:
        done = await s.get(SequenceJob, job.id)
        sends = (
            (await s.execute(select(EmailSend).where(EmailSend.user_id == jamie.id)))
            .scalars()
            .all()
        )
    assert done is not None and done.status == "completed"
    delivered = done.context["outputs"]["deliver"]
    assert delivered["decision"] == "edit" and delivered["subject"] == "Quick check-in"
    if not mailbox:  # no mailbox that may send: the rep gets the edited draft to copy
        assert delivered["fallback"] == "none" and not sends
        assert any("Quick check-in" in str(call) for call in slack.calls)
    else:  # the send flow has it: the edited subject and the drafted body, for this deal
        assert "fallback" not in delivered
        [send] = sends
        assert (
            send.subject == "Quick check-in" and send.draft.get("body") and send.deal_id == deal_id
        )


async def test_a_meeting_synced_in_gets_its_brief_90_minutes_before(demo: Database) -> None:
    """The calendar sync calls `calendar_changed`; the planner's date job fires through
    `fire_once` at start − 90 minutes and the engine delivers the brief."""
    from dataclasses import field

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from flows.planner import ProactivePlanner
    from flows.pre_meeting_brief.crons import calendar_changed
    from storage.models import CronFire

    clock = {"now": T0}
    db = Database(demo.url, clock=lambda: clock["now"])
    slack = RecordingDelivery()
    engine = Engine(db, Settings(), slack, build_registry(), clock=lambda: clock["now"],
                    heartbeat_s=None)  # fmt: skip

    @dataclasses.dataclass
    class Deps:
        db: Database
        settings_listeners: list[Any] = field(default_factory=list)

        def clock(self) -> datetime:
            return clock["now"]

        async def submit(self, event: Event) -> Any:
            return await engine.submit(event)

    try:
        alex = await user(db, ALEX)
        assert alex.id is not None
        planner = ProactivePlanner(AsyncIOScheduler(timezone="UTC"), Deps(db))
        planner.follow_calendars()
        start = T0 + timedelta(hours=3)
        async with db.transaction() as s:
            ev = CalendarEvent(org_id=alex.org_id, user_id=alex.id, title="Brief test — Demo",
                               start_at=start, end_at=start + timedelta(minutes=30),
                               is_external=True, attendees=[{"email": alex.email}])  # fmt: skip
            s.add(ev)
            await s.flush()
            event_id = ev.id
        await calendar_changed(alex.id)
        job_id = f"pre_meeting:{event_id}"
        assert planner.scheduler.get_job(job_id).trigger.run_date == start - timedelta(minutes=90)
        since = clock["now"]
        clock["now"] = start - timedelta(minutes=91)
        assert job_id not in await planner.run_due(since)
        since, clock["now"] = clock["now"], start - timedelta(minutes=90)
        assert job_id in await planner.run_due(since)
        await engine.drain()  # Alex's demo meetings due in the meantime got theirs too
        [brief] = [t for t in texts(slack) if "Brief test" in t]
        assert "about 90 minutes" in brief
        async with db.session() as s:
            fires = (await s.execute(select(CronFire).where(CronFire.cron_id == job_id))).all()
        assert len(fires) == 1
        planner.detach()
        async with db.transaction() as s:
            await s.execute(update(CalendarEvent).where(CalendarEvent.id == event_id)
                            .values(start_at=start + timedelta(hours=1)))  # fmt: skip
        await calendar_changed(alex.id)  # a detached planner follows no calendar
        assert planner.scheduler.get_job(job_id).trigger.run_date == start - timedelta(minutes=90)
    finally:
        await db.dispose()
