"""Issue 7 end to end in the sandbox with the demo org: "Morning brief now" delivers the brief
with real demo data; `/60 pipeline` lists the deals seeded stale on purpose; the batch review
drafts a re-engagement email behind an approval; a meeting 90 minutes out gets its brief;
settings changed in App Home move the next brief; mute and pause hold messages."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from app import Runtime
from blocks.ids import ApprovalAction, ProactiveAction
from flows.morning_brief.crons import morning_event
from flows.pre_meeting_brief.crons import calendar_changed
from orchestrator.events import Event
from services.settings import apply_preferences
from skills.preferences import ValidatedPreferences
from storage.clock import SteppingClock
from storage.demo import STALE_ON_PURPOSE
from storage.models import (
    CalendarEvent,
    Company,
    CronFire,
    Deal,
    OrgSettings,
    SequenceJob,
    SlackNotificationSent,
    User,
    UserPreferences,
)
from tests.e2e.conftest import ALEX, MORGAN, T0, started_app

JAMIE = "U0SXJAMIE1"  # owns four of the five deals seeded stale on purpose


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    async with started_app(tmp_path, seeded_template) as runtime:
        yield runtime


def _text(msg: dict) -> str:
    out = [msg.get("text") or ""]
    for b in msg.get("blocks") or []:
        t = b.get("text")
        if isinstance(t, dict):
            out.append(t.get("text", ""))
        for e in b.get("elements") or []:
            if isinstance(e.get("text"), dict):
                out.append(e["text"].get("text", ""))
            elif isinstance(e.get("text"), str):
                out.append(e["text"])
    return "\n".join(out)


def _actions(msg: dict) -> list[dict]:
    return [e for b in msg.get("blocks") or [] if b.get("type") == "actions" for e in b["elements"]]


async def _alex(rt: Runtime) -> User:
    async with rt.db.session() as s:
        return (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()


async def _listing(sb, who: str) -> str:
    await sb.slash_command(who, "/60", "pipeline")
    listing = await sb.wait_for(
        lambda: next((e for e in sb.ephemerals(who) if "Pipeline:" in _text(e)), None)
    )
    return _text(listing).split("*At risk*")[0]


async def test_morning_brief_now_pipeline_and_revival(app: Runtime) -> None:
    sb = app.sandbox
    index = next(i for i, a in enumerate(sb.panel_actions) if a.label == "Morning brief now")
    said = await sb.run_panel_action(index, JAMIE)
    assert "Jamie" in said
    brief = await sb.wait_for(
        lambda: next((m for m in sb.dm_messages(JAMIE) if "TODAY'S MEETINGS" in _text(m)), None),
        timeout=15,
    )
    text = _text(brief)
    # the demo is seeded at T0 and the app's clock starts there: a Tuesday in London
    assert app.clock is not None and app.clock().date() == T0.date()
    assert "Jamie" in text and "Tuesday" in text
    assert (
        "PIPELINE PULSE" in text
        and "Pipeline review (internal)" in text
        and "days since last activity" in text
    )
    # a seeded meeting later today is prep-ready; one already started is not (issue 11, 2.5)
    assert (
        "Prep ready →" in text or "Already started" in text
    ) and "You asked for this brief" in text
    labels = {a["text"]["text"] for a in _actions(brief)}
    assert {
        "Expand pipeline",
        "Show full inbox",
        "Mute morning briefs",
        "Review stale deals",
    } <= labels

    # /60 pipeline: the admin sees exactly the five deals seeded stale on purpose; a rep their own
    async with app.db.session() as s:
        rows = (
            await s.exec(
                select(Deal.name, Company.domain, User.slack_user_id)
                .join(Company, Company.id == Deal.company_id)
                .join(User, User.id == Deal.owner_id)
            )
        ).all()
    stale_names = [name for name, domain, _ in rows if domain in STALE_ON_PURPOSE]
    fresh = [name for name, domain, _ in rows if domain not in STALE_ON_PURPOSE]
    listed = await _listing(sb, MORGAN)
    assert len(stale_names) == 5 and all(n in listed for n in stale_names)
    assert not any(n in listed for n in fresh)
    mine = await _listing(sb, JAMIE)
    assert [n for n, _, who in rows if n in mine] and all(
        who == JAMIE for n, _, who in rows if n in mine
    )

    # batch review -> Draft re-engagement -> an email_send approval with a draft
    await sb.click(JAMIE, brief, ProactiveAction.REVIEW_STALE, "brief")
    review = await sb.wait_for(
        lambda: next(
            (m for m in sb.dm_messages(JAMIE) if "gone quiet" in (m.get("text") or "")), None
        )
    )
    revive = next(a for a in _actions(review) if a["action_id"] == ProactiveAction.REVIVE)
    await sb.click(JAMIE, review, ProactiveAction.REVIVE, revive["value"])
    gate = await sb.wait_for(
        lambda: next(
            (
                m
                for m in sb.dm_messages(JAMIE)
                if any(a["action_id"] == ApprovalAction.APPROVE for a in _actions(m))
            ),
            None,
        ),
        timeout=15,
    )
    assert "Picking up where we left off" in _text(gate)
    updated = await sb.wait_for(
        lambda: next(
            (
                m
                for m in sb.dm_messages(JAMIE)
                if m["ts"] == review["ts"] and "Drafting" in _text(m)
            ),
            None,
        )
    )
    assert revive["value"] not in [
        a["value"] for a in _actions(updated) if a["action_id"] == ProactiveAction.REVIVE
    ]
    # approving hands the draft to the send flow: with no mailbox connected, the rep gets it to copy
    send = next(a for a in _actions(gate) if a["action_id"] == ApprovalAction.APPROVE)
    await sb.click(JAMIE, gate, ApprovalAction.APPROVE, send["value"])
    await sb.wait_for(
        lambda: any("mail client" in (m.get("text") or "") for m in sb.dm_messages(JAMIE)),
        timeout=20,
    )


async def test_pre_meeting_brief_fires_90_minutes_before(app: Runtime) -> None:
    sb = app.sandbox
    alex = await _alex(app)
    planner = app.deps.proactive_planner
    await planner.ready.wait()
    clock = app.clock
    assert isinstance(clock, SteppingClock)
    start = clock().replace(microsecond=0) + timedelta(hours=3)
    async with app.db.transaction() as s:
        deal = (await s.exec(select(Deal).where(Deal.owner_id == alex.id))).first()
        ev = CalendarEvent(
            org_id=alex.org_id,
            user_id=alex.id,
            title="Brief test — Demo",
            start_at=start,
            end_at=start + timedelta(minutes=30),
            is_external=True,
            deal_id=deal.id,
            contact_id=deal.primary_contact_id,
            attendees=[{"email": alex.email, "name": alex.name}],
        )
        s.add(ev)
        await s.flush()
        event_id = ev.id
    await calendar_changed(alex.id)  # what the calendar sync calls after storing the event
    job = planner.scheduler.get_job(f"pre_meeting:{event_id}")
    assert job.trigger.run_date == start - timedelta(minutes=90)
    # an hour before it is due nothing fires; at 90 minutes before, the brief comes
    since = clock()
    assert f"pre_meeting:{event_id}" not in await planner.run_due(since)
    await app.engine.settled()
    assert not any("Brief test" in _text(m) for m in sb.dm_messages(ALEX))
    since = clock()
    clock.advance_to(start - timedelta(minutes=90))
    assert f"pre_meeting:{event_id}" in await planner.run_due(since)
    msg = await sb.wait_for(
        lambda: next((m for m in sb.dm_messages(ALEX) if "Brief test" in _text(m)), None),
        timeout=15,
    )
    delivered = clock()
    assert delivered - (start - timedelta(minutes=90)) < timedelta(seconds=10)
    assert "Questions to ask" in _text(msg) and "about 90 minutes" in _text(msg)
    async with app.db.session() as s:
        fires = (
            await s.exec(select(CronFire).where(CronFire.cron_id == f"pre_meeting:{event_id}"))
        ).all()
    assert len(fires) == 1


async def test_settings_change_moves_next_brief_and_mute_pause(app: Runtime) -> None:
    sb = app.sandbox
    planner = app.deps.proactive_planner
    await planner.ready.wait()
    alex = await _alex(app)
    before = planner.next_morning_brief(alex.id)
    assert (
        before is not None
        and before.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).hour == 8
    )
    await apply_preferences(
        app.db,
        alex,
        ValidatedPreferences(user={"briefing_time": time(6, 15)}, preferences={}),
        app.deps.settings_listeners,
    )
    after = planner.next_morning_brief(alex.id)
    local = after.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (6, 15)

    await sb.slash_command(ALEX, "/60", "status")
    status = await sb.wait_for(
        lambda: next((e for e in sb.ephemerals(ALEX) if "Next morning brief" in _text(e)), None)
    )
    assert "06:15" in _text(status)

    await sb.slash_command(ALEX, "/60", "pause 2h")
    await sb.wait_for(lambda: any("Paused until" in _text(e) for e in sb.ephemerals(ALEX)))
    async with app.db.session() as s:
        prefs = await s.get(UserPreferences, alex.id)
        assert prefs.paused_until is not None
    await sb.slash_command(ALEX, "/60", "pause forever")
    await sb.wait_for(lambda: any("Usage: `/60 pause" in _text(e) for e in sb.ephemerals(ALEX)))
    await sb.slash_command(ALEX, "/60", "resume")
    await sb.wait_for(lambda: any("Resumed" in _text(e) for e in sb.ephemerals(ALEX)))
    async with app.db.session() as s:
        assert (await s.get(UserPreferences, alex.id)).paused_until is None


async def test_feature_toggles_and_org_settings(app: Runtime) -> None:
    sb = app.sandbox
    planner = app.deps.proactive_planner
    await planner.ready.wait()
    # a rep turns the morning brief off: a scheduled brief is not sent, one they ask for is
    await sb.slash_command(JAMIE, "/60", "features")
    modal = await sb.wait_for(
        lambda: next((v for v in sb.open_views(JAMIE) if "features" in str(v)), None)
    )
    await sb.submit_view(
        JAMIE, modal["id"], {"proactive-field-features": ["pre_meeting", "pipeline"]}
    )
    async with app.db.session() as s:
        jamie = (await s.exec(select(User).where(User.slack_user_id == JAMIE))).one()

    async def features() -> dict:
        async with app.db.session() as s:
            return (await s.get(UserPreferences, jamie.id)).features

    for _ in range(50):
        if (await features()).get("morning_brief") is False:
            break
        await asyncio.sleep(0.05)
    assert await features() == {
        "morning_brief": False,
        "pre_meeting": True,
        "pipeline": True,
        "campaign_digest": False,  # not ticked in the submission
    }
    fire = app.clock()
    scheduled = morning_event(
        jamie, fire
    )  # as the cron builds it (own key: a catch-up may have run)
    ref = await app.deps.submit(
        dataclasses.replace(scheduled, idempotency_key=scheduled.idempotency_key + ":t")
    )
    for _ in range(200):  # the app's workers run it
        async with app.db.session() as s:
            job = await s.get(SequenceJob, ref.job_id)
        if job.status == "completed":
            break
        await asyncio.sleep(0.05)
    assert job.status == "completed"
    assert job.context["outputs"]["compose"] == {"empty": True, "reason": "feature off"}

    # the admin's org settings: validation errors in the modal, then saved and applied
    await sb.slash_command(MORGAN, "/60", "org")
    org_view = await sb.wait_for(
        lambda: next((v for v in sb.open_views(MORGAN) if "Team settings" in str(v)), None)
    )
    assert "Spent this month" in str(org_view)
    bad = await sb.submit_view(MORGAN, org_view["id"], {"proactive-field-stale-days": "0"})
    assert (
        bad.payload["response_action"] == "errors"
        and "proactive-field-stale-days" in bad.payload["errors"]
    )
    await sb.submit_view(
        MORGAN, org_view["id"], {"proactive-field-stale-days": "30", "proactive-field-budget": "75"}
    )
    for _ in range(50):
        async with app.db.session() as s:
            org = await s.get(OrgSettings, jamie.org_id)
        if org.stale_threshold_days == 30:
            break
        await asyncio.sleep(0.05)
    assert (org.stale_threshold_days, org.ai_budget_usd_month) == (30, 75.0)
    listed = await _listing(sb, MORGAN)
    assert "no activity for 30+ days" in listed
    await sb.slash_command(JAMIE, "/60", "org")
    await sb.wait_for(lambda: any("Only an admin" in _text(e) for e in sb.ephemerals(JAMIE)))


async def _finished(app: Runtime, job_id: int) -> SequenceJob:
    await app.engine.settled()  # the app's workers ran it, or it is deferred to later
    async with app.db.session() as s:
        return await s.get(SequenceJob, job_id)


async def test_delivery_rules_unread_mute_pause(app: Runtime) -> None:
    sb = app.sandbox
    sam_id = "U0SXSAM001"
    async with app.db.session() as s:
        sam = (await s.exec(select(User).where(User.slack_user_id == sam_id))).one()
    index = next(i for i, a in enumerate(sb.panel_actions) if a.label == "Morning brief now")
    await sb.run_panel_action(index, sam_id)
    asked = await sb.wait_for(
        lambda: next((m for m in sb.dm_messages(sam_id) if "TODAY'S MEETINGS" in _text(m)), None),
        timeout=15,
    )
    count = len(sb.dm_messages(sam_id))

    def scheduled(tag: str) -> Event:
        ev = morning_event(sam, app.clock())
        return dataclasses.replace(ev, idempotency_key=f"{ev.idempotency_key}:{tag}")

    # unread: the scheduled brief updates the one Sam has not read instead of a second DM
    job = await _finished(app, (await app.deps.submit(scheduled("a"))).job_id)
    assert job.context["outputs"]["deliver"]["updated"] is True
    assert len(sb.dm_messages(sam_id)) == count
    updated = next(m for m in sb.dm_messages(sam_id) if m["ts"] == asked["ts"])
    assert "You get this brief weekdays at 07:45" in _text(updated)

    # a click marks it read; mute from the button: the next scheduled brief is not sent
    await sb.click(sam_id, updated, ProactiveAction.MUTE, "morning_brief")
    await sb.wait_for(lambda: any("Muted morning brief" in _text(e) for e in sb.ephemerals(sam_id)))
    job = await _finished(app, (await app.deps.submit(scheduled("b"))).job_id)
    assert job.context["outputs"]["deliver"] == {"delivered": False, "reason": "muted"}
    assert len(sb.dm_messages(sam_id)) == count
    async with app.db.session() as s:  # held, and recorded as such: nothing is dropped silently
        held = (await s.exec(select(SlackNotificationSent).where(
            SlackNotificationSent.job_id == job.id))).all()  # fmt: skip
    assert [(n.kind, n.status) for n in held] == [("morning_brief", "muted")]
    await sb.slash_command(sam_id, "/60", "unmute morning_brief")
    await sb.wait_for(lambda: any(_text(e) == "Unmuted." for e in sb.ephemerals(sam_id)))

    # paused: held (deferred to the end of the pause), while a brief Sam asks for still comes
    await sb.slash_command(sam_id, "/60", "pause 3h")
    await sb.wait_for(lambda: any("Paused until" in _text(e) for e in sb.ephemerals(sam_id)))
    job = await _finished(app, (await app.deps.submit(scheduled("c"))).job_id)
    assert job.status == "pending" and job.run_after > app.clock() + timedelta(hours=2)
    await sb.slash_command(sam_id, "/60", "brief")
    await sb.wait_for(lambda: len(sb.dm_messages(sam_id)) == count + 1, timeout=15)
