"""The morning campaign digest through the engine against the Instantly fake, on SQLite and
PostgreSQL: a rep with two campaigns (one healthy, one bouncing 6% with a step where B beats A
at the planned size) gets one DM with both, the bounce "act" alert and "disable variant A";
another rep's campaign is not in it; re-running the job (same day) posts nothing new."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from cryptography.fernet import Fernet

from config import Settings
from connectors.instantly_connection import save_api_key
from flows.campaign_check.crons import campaign_event
from flows.registry import build_registry
from orchestrator.engine import Engine
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.models import SlackNotificationSent, User
from tests.fakes.instantly_server import FakeInstantly
from tests.support.sequences import RecordingDelivery, seed_org

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeInstantly]:
    server = await FakeInstantly().start()
    yield server
    await server.stop()


def seed_campaigns(fake: FakeInstantly, rep_email: str) -> None:
    fake.add_account(rep_email)
    fake.add_account("someone.else@example.com")
    healthy = fake.add_campaign("Healthy outbound", accounts=[rep_email])
    fake.set_analytics(healthy, new_leads_contacted_count=400, emails_sent_count=600,
                       reply_count_unique=20, reply_count_automatic_unique=2,
                       total_interested=6, bounced_count=4)  # fmt: skip
    bouncy = fake.add_campaign("Bouncy list", accounts=[rep_email],
                               steps=[[("Hi", "A body"), ("Hey", "B body")]])  # fmt: skip
    fake.set_analytics(bouncy, new_leads_contacted_count=1000, emails_sent_count=1000,
                       reply_count_unique=50, total_interested=15, bounced_count=60)  # fmt: skip
    fake.set_step_rows(bouncy, [
        {"step": "0", "variant": "0", "sent": 2000, "unique_replies": 40},
        {"step": "0", "variant": "1", "sent": 2000, "unique_replies": 120},
    ])  # fmt: skip
    other = fake.add_campaign("Not mine", accounts=["someone.else@example.com"])
    fake.set_analytics(other, new_leads_contacted_count=10, emails_sent_count=10)
    fake.add_campaign("Old draft", accounts=[rep_email], status=0)


async def test_one_digest_with_both_campaigns_then_nothing_on_rerun(
    db: Database, fake: FakeInstantly
) -> None:
    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id,) = await seed_org(db, users=1, admin=False)
    async with db.transaction() as s:
        rep = await s.get(User, rep_id)
        assert rep is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=rep_id,
                           api_key=fake.api_key)  # fmt: skip
    seed_campaigns(fake, rep.email)
    slack = RecordingDelivery()
    engine = Engine(db, settings, slack, build_registry(), clock=lambda: NOW, listen=False)
    event = campaign_event(rep, NOW)
    assert event.idempotency_key == f"campaign_check:{rep_id}:2026-11-20"
    for ev in (
        event,
        event,
        dataclasses.replace(event, idempotency_key=f"{event.idempotency_key}:again"),
    ):
        await engine.submit(ev)
        await engine.drain()
    posts = [c for m, c in slack.calls if m == "chat.postMessage"]
    assert len(posts) == 1, posts
    body = str(posts[0]["blocks"])
    assert "Healthy outbound" in body and "Bouncy list" in body
    assert "Not mine" not in body and "Old draft" not in body
    assert "Bounce 6.0% ≥ 5.0%" in body
    assert "disable variant A" in body
    assert "Opens" not in body  # open tracking is off in the fake's campaigns
    assert "0 replies arrived, 0 routed" in body  # the key holder's reply line, none lost
    async with db.session() as s:
        from sqlmodel import select

        rows = (await s.exec(select(SlackNotificationSent))).all()
    assert [r.kind for r in rows] == ["campaign_digest"]
    # analytics went through the client: 2 overviews, daily and steps per campaign of the rep
    assert len(fake.calls_to("/api/v2/campaigns/analytics/overview")) == 4


async def test_planned_per_rep_at_the_briefing_time(sqlite_db: Database) -> None:
    """The planner adds `campaign_check:{rep}` beside the morning brief, at the same time; a
    restart within the grace catches up once across two processes."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from flows.planner import ProactivePlanner
    from tests.flow.test_proactive_crons import FakeDeps, seed

    _org, rep_id = await seed(sqlite_db)
    a, b = FakeDeps(sqlite_db), FakeDeps(sqlite_db)
    for deps in (a, b):
        planner = ProactivePlanner(AsyncIOScheduler(timezone="UTC"), deps)
        await planner.start()
        job = planner.scheduler.get_job(f"campaign_check:{rep_id}")
        brief = planner.scheduler.get_job(f"morning_brief:{rep_id}")
        assert job is not None and brief is not None
        assert str(job.trigger) == str(brief.trigger)
    checks = [e for e in a.submitted + b.submitted if e.type == "campaign_check"]
    assert [e.idempotency_key for e in checks] == [f"campaign_check:{rep_id}:2026-11-23"]


async def test_planned_at_the_reps_own_digest_time_in_their_zone(sqlite_db: Database) -> None:
    """A rep who set a campaign digest time (App Home) gets the digest then, in their zone, while
    the morning brief stays at the briefing time; changing it reschedules at once; clearing it
    (None) puts the digest back with the morning brief."""
    from zoneinfo import ZoneInfo

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from flows.planner import ProactivePlanner
    from services.settings import apply_preferences
    from skills.preferences import ValidatedPreferences
    from storage.users import update_preferences
    from tests.flow.test_proactive_crons import FakeDeps, seed

    _org, rep_id = await seed(sqlite_db)  # America/New_York, briefing 08:00 mon-fri
    async with sqlite_db.transaction() as s:
        await update_preferences(s, user_id=rep_id, changes={"campaign_digest_time": time(6, 45)})
    deps = FakeDeps(sqlite_db)
    planner = ProactivePlanner(AsyncIOScheduler(timezone="UTC"), deps)
    deps.settings_listeners.append(planner.on_settings_changed)
    await planner.start(catch_up=False)
    ny = ZoneInfo("America/New_York")

    def local(at: datetime | None) -> tuple[str, int, int]:
        assert at is not None
        t = at.astimezone(ny)
        return (t.strftime("%a"), t.hour, t.minute)

    digest, brief = planner.next_campaign_digest(rep_id), planner.next_morning_brief(rep_id)
    assert local(digest)[1:] == (6, 45) and local(brief)[1:] == (8, 0)
    assert local(digest)[0] in {"Mon", "Tue", "Wed", "Thu", "Fri"}
    async with sqlite_db.session() as s:
        rep = await s.get(User, rep_id)
    assert rep is not None
    await apply_preferences(sqlite_db, rep, ValidatedPreferences(
        user={}, preferences={"campaign_digest_time": time(10, 30)}), deps.settings_listeners)  # fmt: skip
    assert local(planner.next_campaign_digest(rep_id))[1:] == (10, 30)
    await apply_preferences(sqlite_db, rep, ValidatedPreferences(
        user={}, preferences={"campaign_digest_time": None}), deps.settings_listeners)  # fmt: skip
    assert local(planner.next_campaign_digest(rep_id))[1:] == (8, 0)


async def test_auto_optimise_and_stopped_campaign_and_no_key(
    sqlite_db: Database, fake: FakeInstantly
) -> None:
    """Auto-optimise on: the note and no A/B suggestion; bounce protect: the stop and why; an
    org without an Instantly key: no DM at all."""
    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id, other_id) = await seed_org(sqlite_db, users=2, admin=False)
    async with sqlite_db.transaction() as s:
        rep = await s.get(User, rep_id)
        other = await s.get(User, other_id)
        assert rep is not None and other is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=other_id,
                           api_key=fake.api_key)  # fmt: skip
    fake.add_account(rep.email)
    cid = fake.add_campaign("Auto", accounts=[rep.email], status=-2,
                            steps=[[("Hi", "A"), ("Hey", "B")]])  # fmt: skip
    fake.campaigns[cid]["auto_variant_select"] = {"trigger": "reply_rate"}
    fake.set_analytics(cid, new_leads_contacted_count=100, emails_sent_count=100)
    fake.set_step_rows(cid, [
        {"step": "0", "variant": "0", "sent": 2000, "unique_replies": 40},
        {"step": "0", "variant": "1", "sent": 2000, "unique_replies": 120},
    ])  # fmt: skip
    slack = RecordingDelivery()
    engine = Engine(sqlite_db, settings, slack, build_registry(), clock=lambda: NOW, listen=False)
    await engine.submit(campaign_event(rep, NOW))  # the key is the org's (another user's)
    await engine.drain()
    (post,) = [c for m, c in slack.calls if m == "chat.postMessage"]
    body = str(post["blocks"])
    assert "no longer random" in body and "disable variant" not in body
    assert "Sending stopped: bounce protection" in body
    async with sqlite_db.transaction() as s:
        from sqlmodel import delete

        from storage.models import Connection

        await s.exec(delete(Connection))  # type: ignore[call-overload]
    fake.add_account(other.email)
    fake.add_campaign("Other's", accounts=[other.email])
    await engine.submit(campaign_event(other, NOW))
    await engine.drain()
    assert len([c for m, c in slack.calls if m == "chat.postMessage"]) == 1
    async with sqlite_db.session() as s:
        from sqlmodel import select

        from storage.models import SequenceJob

        job = (await s.exec(select(SequenceJob).where(
            SequenceJob.idempotency_key == campaign_event(other, NOW).idempotency_key))).one()  # fmt: skip
    assert job.status == "completed" and "no Instantly key" in str(job.context)


async def test_stopped_campaign_says_which_mailbox_is_disconnected(
    db: Database, fake: FakeInstantly
) -> None:
    """A paused campaign whose mailbox Instantly marks disconnected: the alert names the mailbox
    and what to do; an active one that sent nothing because it ran out of leads says so; the
    sending-status endpoint is asked only for those two, not for the one that is sending."""
    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id,) = await seed_org(db, users=1, admin=False)
    async with db.transaction() as s:
        rep = await s.get(User, rep_id)
        assert rep is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=rep_id,
                           api_key=fake.api_key)  # fmt: skip
    fake.add_account(rep.email)
    fake.add_account("second@example.com")
    fake.set_account_status(rep.email, -1)
    paused = fake.add_campaign("Paused one", accounts=[rep.email, "second@example.com"], status=2)
    fake.set_sending_reason(paused, "daily_limit_met")
    dry = fake.add_campaign("Out of leads", accounts=["second@example.com", rep.email])
    fake.set_sending_reason(dry, "waiting_for_leads")
    busy = fake.add_campaign("Busy", accounts=[rep.email])
    fake.set_analytics(busy, new_leads_contacted_count=40, emails_sent_count=40)
    slack = RecordingDelivery()
    now = [NOW]
    engine = Engine(db, settings, slack, build_registry(), clock=lambda: now[0], listen=False)
    await engine.submit(campaign_event(rep, NOW))
    await engine.drain()
    (post,) = [c for m, c in slack.calls if m == "chat.postMessage"]
    body = str(post["blocks"])
    assert (f"Sending stopped: the mailbox {rep.email} is disconnected (reconnect it in Instantly)"
            in body)  # fmt: skip
    assert f"Nothing sent in the last 24 h: the mailbox {rep.email} is disconnected" in body
    asked = {c.path.split("/")[4] for c in fake.calls if c.path.endswith("/sending-status")}
    assert asked == {paused, dry}
    # the next morning, with the mailbox reconnected, Instantly's own reason is the one shown
    fake.set_account_status(rep.email, 1)
    now[0] = NOW + timedelta(days=1)
    await engine.submit(campaign_event(rep, now[0]))
    await engine.drain()
    body = str([c for m, c in slack.calls if m == "chat.postMessage"][-1]["blocks"])
    assert "Sending stopped: the daily sending limit is reached" in body
    assert "Nothing sent in the last 24 h: no leads are left to contact (add leads in" in body


async def test_org_settings_change_the_digest(db: Database, fake: FakeInstantly) -> None:
    """Stored org settings (as App Home saves them) are read by the digest: with the bounce act
    threshold at 8% the 6% campaign is a "watch", not an "act"; a minimum lift of 0.4 plans
    more sends, so the A/B test says keep testing."""
    from storage.models import OrgSettings

    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id,) = await seed_org(db, users=1, admin=False)
    async with db.transaction() as s:
        rep = await s.get(User, rep_id)
        assert rep is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=rep_id,
                           api_key=fake.api_key)  # fmt: skip
        org = await s.get(OrgSettings, org_id)
        assert org is not None and org.campaign_min_lift == 0.5
        org.campaign_benchmarks = {"bounce_watch": 0.03, "bounce_act": 0.08}
        org.campaign_min_lift = 0.4
        s.add(org)
    async with db.session() as s:
        org = await s.get(OrgSettings, org_id)
        assert org is not None and org.campaign_benchmarks["bounce_act"] == 0.08
    seed_campaigns(fake, rep.email)
    slack = RecordingDelivery()
    engine = Engine(db, settings, slack, build_registry(), clock=lambda: NOW, listen=False)
    await engine.submit(campaign_event(rep, NOW))
    await engine.drain()
    posts = [c for m, c in slack.calls if m == "chat.postMessage"]
    assert len(posts) == 1, posts
    body = str(posts[0]["blocks"])
    assert "Bounce 6.0% ≥ 5.0%" not in body
    assert "Bounce 6.0% ≥ 3.0%: watch it" in body
    # a smaller minimum lift needs more sends: 2,000 of 2,801 per variant, so no winner yet
    assert "disable variant A" not in body
    assert "2,000 of the 2,801 sends needed per variant" in body


async def test_rep_turned_the_digest_off(sqlite_db: Database, fake: FakeInstantly) -> None:
    """Per rep on/off (App Home's feature checkboxes, `UserPreferences.features`)."""
    from storage.models import UserPreferences

    db = sqlite_db
    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id,) = await seed_org(db, users=1, admin=False)
    async with db.transaction() as s:
        rep = await s.get(User, rep_id)
        assert rep is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=rep_id,
                           api_key=fake.api_key)  # fmt: skip
        prefs = await s.get(UserPreferences, rep_id)
        if prefs is None:
            prefs = UserPreferences(user_id=rep_id)
        prefs.features = {"campaign_digest": False}
        s.add(prefs)
    seed_campaigns(fake, rep.email)
    slack = RecordingDelivery()
    engine = Engine(db, settings, slack, build_registry(), clock=lambda: NOW, listen=False)
    await engine.submit(campaign_event(rep, NOW))
    await engine.drain()
    assert [c for m, c in slack.calls if m == "chat.postMessage"] == []


async def test_keep_testing_hides_the_suggestion_for_a_week(
    db: Database, fake: FakeInstantly
) -> None:
    """The winner suggestion carries "Keep testing" (the rep's recorded suggestion row); once
    snoozed, the next digests leave it out until 7 days have passed."""
    from datetime import timedelta

    from storage import campaign_suggestions

    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id,) = await seed_org(db, users=1, admin=False)
    async with db.transaction() as s:
        rep = await s.get(User, rep_id)
        assert rep is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=rep_id,
                           api_key=fake.api_key)  # fmt: skip
    seed_campaigns(fake, rep.email)
    slack = RecordingDelivery()

    async def digest_on(day: datetime) -> str:
        engine = Engine(db, settings, slack, build_registry(), clock=lambda: day, listen=False)
        await engine.submit(campaign_event(rep, day))
        await engine.drain()
        return str([c for m, c in slack.calls if m == "chat.postMessage"][-1]["blocks"])

    first = await digest_on(NOW)
    assert "disable variant A" in first and "campaign-keep-testing" in first
    [button] = [e for b in [c for m, c in slack.calls if m == "chat.postMessage"][-1]["blocks"]
                if b.get("type") == "actions" for e in b["elements"]
                if e.get("action_id") == "campaign-keep-testing"]  # fmt: skip
    async with db.transaction() as s:
        row = await campaign_suggestions.snooze(
            s, suggestion_id=int(button["value"]), user_id=rep_id, now=NOW
        )
        assert row is not None and row.step == 0 and row.variants == "A"
        assert await campaign_suggestions.snooze(
            s, suggestion_id=int(button["value"]), user_id=rep_id + 999, now=NOW
        ) is None  # fmt: skip
    later = await digest_on(NOW + timedelta(days=1))
    assert "Bouncy list" in later and "disable variant A" not in later
    assert "campaign-keep-testing" not in later
    again = await digest_on(NOW + timedelta(days=8))
    assert "disable variant A" in again


async def test_apply_asks_then_disables_the_losing_variant_once(
    db: Database, fake: FakeInstantly
) -> None:
    """ "Apply suggestion" starts `campaign_apply`: a gate asks "Disable variant A of step 1 in
    Bouncy list?"; nothing changes before the approval, then exactly one PATCH sets
    `v_disabled` on variant A (index 0) of step 0, and the rep is told."""
    import json

    from sqlmodel import select

    from orchestrator.events import Decision, Event, EventSource, EventType
    from storage.models import SlackPendingAction

    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id,) = await seed_org(db, users=1, admin=False)
    async with db.transaction() as s:
        rep = await s.get(User, rep_id)
        assert rep is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=rep_id,
                           api_key=fake.api_key)  # fmt: skip
    seed_campaigns(fake, rep.email)
    slack = RecordingDelivery()
    engine = Engine(db, settings, slack, build_registry(), clock=lambda: NOW, listen=False)
    await engine.submit(campaign_event(rep, NOW))
    await engine.drain()
    [digest] = [c for m, c in slack.calls if m == "chat.postMessage"]
    [sid] = [e["value"] for b in digest["blocks"] if b.get("type") == "actions"
             for e in b["elements"] if e.get("action_id") == "campaign-apply"]  # fmt: skip
    await engine.submit(Event(type=EventType.CAMPAIGN_APPLY,
                              source=EventSource.SLACK_BUTTON_APPROVE, org_id=org_id,
                              user_id=rep_id, payload={"suggestion_id": int(sid)},
                              idempotency_key=f"campaign_apply:{sid}"))  # fmt: skip
    await engine.drain()
    async with db.session() as s:
        [gate] = (await s.exec(select(SlackPendingAction))).all()
    assert "Disable variant A of step 1 in Bouncy list?" in json.dumps(gate.payload)
    [campaign_id] = [c for c, v in fake.campaigns.items() if v["name"] == "Bouncy list"]
    path = f"/api/v2/campaigns/{campaign_id}"
    assert fake.calls_to(path, "PATCH") == []
    assert (await engine.resume(gate.id, Decision.APPROVE, rep.slack_user_id)).ok
    await engine.drain()
    [patch] = fake.calls_to(path, "PATCH")
    variants = json.loads(patch.body)["sequences"][0]["steps"][0]["variants"]
    assert [v.get("v_disabled", False) for v in variants] == [True, False]
    assert "is off in Instantly" in str(slack.calls[-1])


async def test_the_digest_prunes_suggestions_of_gone_campaigns_and_old_ones(
    db: Database, fake: FakeInstantly
) -> None:
    """Rows for a campaign the digest no longer reports (a draft, another's, deleted) and rows
    older than 90 days go when the digest runs; a recent row and an old one still snoozed stay;
    another rep's rows are not touched."""
    from datetime import timedelta

    from sqlmodel import select

    from storage import campaign_suggestions
    from storage.instantly_models import CampaignSuggestion

    settings = Settings(instantly_api_base=fake.url, encryption_key=Fernet.generate_key().decode())
    org_id, (rep_id, other_id) = await seed_org(db, users=2, admin=False)
    async with db.transaction() as s:
        rep = await s.get(User, rep_id)
        assert rep is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org_id, user_id=rep_id,
                           api_key=fake.api_key)  # fmt: skip
    seed_campaigns(fake, rep.email)
    [healthy] = [cid for cid, c in fake.campaigns.items() if c["name"] == "Healthy outbound"]
    [draft] = [cid for cid, c in fake.campaigns.items() if c["name"] == "Old draft"]
    old = NOW - timedelta(days=91)

    async def add(user: int, campaign: str, at: datetime, snoozed: datetime | None = None) -> int:
        async with db.transaction() as s:
            sid = await campaign_suggestions.record(
                s, org_id=org_id, user_id=user, campaign_id=campaign, campaign_name="x",
                step=0, variants=("A",), now=at)  # fmt: skip
            if snoozed is not None:
                row = await s.get(CampaignSuggestion, sid)
                assert row is not None
                row.snoozed_until = snoozed
                s.add(row)
        return sid

    recent = await add(rep_id, healthy, NOW - timedelta(days=3))
    old_snoozed = await add(rep_id, healthy, old, snoozed=NOW + timedelta(days=2))
    await add(rep_id, healthy, old)  # past retention
    await add(rep_id, draft, NOW - timedelta(days=1))  # a draft: not reported
    await add(rep_id, "deleted-campaign-id", NOW - timedelta(days=1))
    others = await add(other_id, "deleted-campaign-id", old)
    engine = Engine(db, settings, RecordingDelivery(), build_registry(), clock=lambda: NOW,
                    listen=False)  # fmt: skip
    await engine.submit(campaign_event(rep, NOW))
    await engine.drain()
    async with db.session() as s:
        left = {r.id for r in (await s.exec(select(CampaignSuggestion))).all()}
    # the digest records today's "disable variant A" for the bouncy campaign: kept too
    assert {recent, old_snoozed, others} <= left
    async with db.session() as s:
        rows = (await s.exec(select(CampaignSuggestion).where(
            CampaignSuggestion.user_id == rep_id))).all()  # fmt: skip
    assert {r.campaign_id for r in rows} <= {healthy} | {
        cid for cid, c in fake.campaigns.items() if c["name"] == "Bouncy list"
    }
    assert len([r for r in rows if r.campaign_id == healthy]) == 2
