"""Coaching storage on SQLite and PostgreSQL: one analysis per meeting version, weekly aggregates
per rep (in the rep's week) rebuilt idempotently, the team baseline, settings, and migration 0012."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlmodel import func, select

from skills.win_loss import win_loss
from storage import coaching
from storage.coaching_models import CoachingAnalysis, CoachingWeekly
from storage.engine import Database
from storage.migrate import downgrade, upgrade
from storage.models import Deal, Meeting, Org, User
from storage.win_loss import closed_deals_with_calls

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday
WEEK = date(2026, 11, 23)  # the Monday before


async def seed(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        boss = User(org_id=org.id, slack_user_id="UM", email="m@x.test", name="Max Manager",
                    role="manager")  # fmt: skip
        s.add(boss)
        await s.flush()
        ids = {"org": int(org.id or 0), "boss": int(boss.id or 0)}
        for key, name, zone in (("rita", "Rita", "America/New_York"), ("sam", "Sam", "UTC"),
                                ("tess", "Tess", "UTC")):  # fmt: skip
            rep = User(org_id=org.id, slack_user_id=f"U{key}", email=f"{key}@x.test", name=name,
                       timezone=zone, manager_id=boss.id)  # fmt: skip
            s.add(rep)
            await s.flush()
            ids[key] = int(rep.id or 0)
    return ids


async def meeting(db: Database, org_id: int, user_id: int, at: datetime) -> int:
    async with db.transaction() as s:
        m = Meeting(org_id=org_id, user_id=user_id, title="Call", started_at=at, status="processed")
        s.add(m)
        await s.flush()
        return int(m.id or 0)


def q(kind: str, discovery: bool = False) -> dict[str, Any]:
    return {"utterance": 0, "text": "?", "kind": kind, "discovery": discovery}


async def save(db: Database, ids: dict[str, int], rep: str, meeting_id: int, at: datetime,
               **kw: Any) -> tuple[CoachingAnalysis, bool]:  # fmt: skip
    args: dict[str, Any] = {
        "version": 1,
        "call_type": "discovery",
        "duration_s": 1800.0,
        "speaker_confidence": 0.9,
        "mapping_sure": True,
        "metrics": {},
    }
    args.update(kw)
    async with db.transaction() as s:
        return await coaching.save_analysis(s, org_id=ids["org"], user_id=ids[rep],
                                            meeting_id=meeting_id, started_at=at, now=NOW,
                                            **args)  # fmt: skip


async def test_stored_once_per_meeting_version_and_a_new_version_adds_a_row(db: Database) -> None:
    ids = await seed(db)
    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    mid = await meeting(db, ids["org"], ids["sam"], at)
    first, created = await save(db, ids, "sam", mid, at, metrics={"talk_ratio_rep": 0.6})
    again, created_again = await save(db, ids, "sam", mid, at, metrics={"talk_ratio_rep": 0.1})
    assert created and not created_again
    assert again.id == first.id and again.metrics == {"talk_ratio_rep": 0.6}  # kept, not rewritten
    v2, created_v2 = await save(db, ids, "sam", mid, at, version=2, call_type="demo",
                                metrics={"talk_ratio_rep": 0.5},
                                skipped={"patience_s": "no prospect speech"})  # fmt: skip
    assert created_v2 and v2.id != first.id
    async with db.session() as s:
        count = (await s.exec(select(func.count()).select_from(CoachingAnalysis))).one()
        latest = await coaching.latest_analysis(s, meeting_id=mid)
        listed = await coaching.analyses_for_rep(
            s, user_id=ids["sam"], start=NOW - timedelta(days=7), end=NOW
        )
        demos = await coaching.analyses_for_rep(
            s, user_id=ids["sam"], start=NOW - timedelta(days=7), end=NOW, call_type="discovery"
        )
        none = await coaching.latest_analysis(s, meeting_id=mid + 1000)
    assert count == 2 and none is None
    assert latest is not None and latest.version == 2 and latest.call_type == "demo"
    assert latest.skipped == {"patience_s": "no prospect speech"}
    assert latest.started_at == at and latest.started_at.tzinfo is not None
    assert [(a.meeting_id, a.version) for a in listed] == [(mid, 2)]  # the latest version only
    assert demos == []  # version 1 was discovery; the latest says demo


async def test_weekly_aggregates_in_the_reps_week_and_rebuilt_idempotently(db: Database) -> None:
    ids = await seed(db)
    # Rita is in New York: Sunday 22:00 local on 29 Nov is 03:00 UTC on Monday 30 Nov, still
    # her week of 23 Nov; Monday 23 Nov 01:00 UTC is Sunday evening the week before.
    calls = [
        (datetime(2026, 11, 24, 15, 0, tzinfo=UTC), "discovery",
         {"talk_ratio_rep": 0.40, "longest_monologue_s": 60.0, "interactivity": 3.0},
         [q("open", True), q("open", True), q("closed")], [{"type": "price"}], {}),
        (datetime(2026, 11, 26, 15, 0, tzinfo=UTC), "discovery",
         {"talk_ratio_rep": 0.80, "longest_monologue_s": 120.0},
         [q("closed")], [], {}),
        (datetime(2026, 11, 30, 3, 0, tzinfo=UTC), "demo",
         {"talk_ratio_rep": 0.99, "longest_monologue_s": 300.0},
         [q("open")], [{"type": "timing"}, {"type": "need"}],
         {"talk_ratio_rep": "speaker mapping unsure"}),
        (datetime(2026, 11, 23, 1, 0, tzinfo=UTC), "discovery",  # the week before, locally
         {"talk_ratio_rep": 0.10}, [], [], {}),
    ]  # fmt: skip
    for at, call_type, metrics, questions, objections, skipped in calls:
        mid = await meeting(db, ids["org"], ids["rita"], at)
        await save(db, ids, "rita", mid, at, call_type=call_type, metrics=metrics,
                   questions=questions, objections=objections, skipped=skipped)  # fmt: skip
    for _ in range(2):  # rebuilding again changes nothing
        async with db.transaction() as s:
            await coaching.rebuild_weekly(s, org_id=ids["org"], user_id=ids["rita"],
                                          week_start=WEEK, now=NOW)  # fmt: skip
        async with db.session() as s:
            rows = await coaching.weekly_for_rep(s, user_id=ids["rita"], week_start=WEEK)
            total = (await s.exec(select(func.count()).select_from(CoachingWeekly))).one()
        assert total == 3 and set(rows) == {"all", "discovery", "demo"}
        week = rows["all"]
        assert week.meetings == 3 and week.duration_s == 5400.0
        assert week.talk_ratio_calls == 2  # the demo's talk ratio was skipped
        assert week.talk_ratio_mean == pytest.approx(0.60)
        assert week.longest_monologue_calls == 3
        assert week.longest_monologue_mean_s == pytest.approx(160.0)
        assert (week.questions, week.open_questions, week.discovery_questions) == (5, 3, 2)
        assert week.open_share == pytest.approx(0.6)
        assert week.objections == 3
        assert week.metric_means == pytest.approx(
            {"talk_ratio_rep": 0.6, "longest_monologue_s": 160.0, "interactivity": 3.0}
        )
        disc, demo = rows["discovery"], rows["demo"]
        assert (disc.meetings, disc.questions, disc.open_share) == (2, 4, 0.5)
        assert disc.longest_monologue_mean_s == pytest.approx(90.0)
        assert demo.talk_ratio_mean is None and demo.talk_ratio_calls == 0
    async with db.transaction() as s:  # the week before holds only the Sunday-evening call
        before = await coaching.rebuild_weekly(s, org_id=ids["org"], user_id=ids["rita"],
                                               week_start=WEEK - timedelta(days=7), now=NOW)  # fmt: skip
    assert [(r.call_type, r.meetings, r.talk_ratio_mean) for r in before] == [
        ("all", 1, 0.10), ("discovery", 1, 0.10)]  # fmt: skip


async def test_a_new_version_replaces_the_old_in_the_week(db: Database) -> None:
    ids = await seed(db)
    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    mid = await meeting(db, ids["org"], ids["sam"], at)
    await save(db, ids, "sam", mid, at, metrics={"talk_ratio_rep": 0.9})
    await save(db, ids, "sam", mid, at, version=2, metrics={"talk_ratio_rep": 0.5})
    async with db.transaction() as s:
        (row, _disc) = await coaching.rebuild_weekly(s, org_id=ids["org"], user_id=ids["sam"],
                                                     week_start=WEEK, now=NOW)  # fmt: skip
    assert row.meetings == 1 and row.talk_ratio_mean == pytest.approx(0.5)


async def test_a_rep_with_no_calls_has_no_weekly_row(db: Database) -> None:
    ids = await seed(db)
    at = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    mid = await meeting(db, ids["org"], ids["sam"], at)
    await save(db, ids, "sam", mid, at, metrics={"talk_ratio_rep": 0.5}, questions=[q("open")])
    async with db.transaction() as s:
        for rep in ("sam", "tess"):
            await coaching.rebuild_weekly(s, org_id=ids["org"], user_id=ids[rep],
                                          week_start=WEEK, now=NOW)  # fmt: skip
    async with db.session() as s:
        team = await coaching.weekly_for_team(s, manager_id=ids["boss"], week_start=WEEK)
        tess = await coaching.weekly_for_rep(s, user_id=ids["tess"], week_start=WEEK)
    assert tess == {}
    by_name = {u.name: row for u, row in team}
    assert set(by_name) == {"Rita", "Sam", "Tess"}
    assert by_name["Tess"] is None and by_name["Rita"] is None
    sam = by_name["Sam"]
    assert sam is not None and sam.meetings == 1 and sam.open_share == 1.0


async def test_week_start_must_be_a_monday(db: Database) -> None:
    ids = await seed(db)
    async with db.transaction() as s:
        with pytest.raises(ValueError, match="Monday"):
            await coaching.rebuild_weekly(s, org_id=ids["org"], user_id=ids["sam"],
                                          week_start=WEEK + timedelta(days=1), now=NOW)  # fmt: skip


async def test_team_baseline_is_the_median_of_rep_means_per_call_type(db: Database) -> None:
    ids = await seed(db)
    plan = {  # rep -> talk ratios of their discovery calls in the window
        "rita": [0.30, 0.50],  # mean 0.40
        "sam": [0.70, 0.70, 0.70, 0.70, 0.70],  # the busy rep: mean 0.70
        "tess": [0.50],
    }
    for rep, ratios in plan.items():
        for k, ratio in enumerate(ratios):
            at = NOW - timedelta(days=3 + k)
            mid = await meeting(db, ids["org"], ids[rep], at)
            await save(db, ids, rep, mid, at, metrics={"talk_ratio_rep": ratio},
                       questions=[q("open"), q("closed")] if rep == "rita" else [])  # fmt: skip
    old = NOW - timedelta(weeks=5)  # outside the 4-week window
    mid = await meeting(db, ids["org"], ids["tess"], old)
    await save(db, ids, "tess", mid, old, metrics={"talk_ratio_rep": 0.99})
    demo_at = NOW - timedelta(days=1)
    mid = await meeting(db, ids["org"], ids["tess"], demo_at)
    await save(db, ids, "tess", mid, demo_at, call_type="demo", metrics={"talk_ratio_rep": 0.9})
    async with db.session() as s:
        base = await coaching.team_baseline(s, org_id=ids["org"], call_type="discovery", now=NOW,
                                            manager_id=ids["boss"])  # fmt: skip
        demo = await coaching.team_baseline(s, org_id=ids["org"], call_type="demo", now=NOW)
        nobody = await coaching.team_baseline(s, org_id=ids["org"], call_type="negotiation",
                                              now=NOW)  # fmt: skip
    assert (base.reps, base.calls) == (3, 8)
    assert base.metrics["talk_ratio_rep"] == pytest.approx(0.50)  # median of 0.40, 0.70, 0.50
    assert base.metrics["questions"] == pytest.approx(0.0)  # median of 2, 0, 0 per call
    assert base.metrics["open_share"] == pytest.approx(0.5)  # only Rita asked
    assert base.reps_per_metric["open_share"] == 1
    assert (demo.reps, demo.metrics["talk_ratio_rep"]) == (1, pytest.approx(0.9))
    assert (nobody.reps, nobody.calls, nobody.metrics) == (0, 0, {})


async def test_coaching_settings_defaults_changes_and_the_org_switch(db: Database) -> None:
    ids = await seed(db)
    async with db.transaction() as s:
        before = await coaching.coaching_settings(s, user_id=ids["sam"])
        with pytest.raises(ValueError, match="coaching mode"):
            await coaching.save_coaching_settings(s, user_id=ids["sam"], now=NOW, mode="hourly")
        with pytest.raises(ValueError, match="day"):
            await coaching.save_coaching_settings(s, user_id=ids["sam"], now=NOW,
                                                  digest_day="friday")  # fmt: skip
        await coaching.save_coaching_settings(s, user_id=ids["sam"], now=NOW, mode="weekly",
                                              digest_day="thu", digest_time=time(9, 30),
                                              manager_digest_day="tue")  # fmt: skip
        await coaching.set_org_coaching(s, org_id=ids["org"], enabled=False, now=NOW)
    async with db.session() as s:
        after = await coaching.coaching_settings(s, user_id=ids["sam"])
    assert (before.mode, before.digest_day, before.digest_time, before.manager_digest_day) == (
        "both", "fri", time(16, 0), "mon")  # fmt: skip
    assert before.org_enabled and before.micro and before.weekly
    assert (after.mode, after.digest_day, after.digest_time, after.manager_digest_day) == (
        "weekly", "thu", time(9, 30), "tue")  # fmt: skip
    assert not after.org_enabled and not after.weekly and not after.micro


async def test_migration_0012_down_and_up(db_url: str) -> None:
    async def tables() -> tuple[set[str], set[str]]:
        database = Database(db_url)
        try:
            async with database.engine.connect() as conn:
                return await conn.run_sync(lambda c: (
                    set(inspect(c).get_table_names()),
                    {col["name"] for col in inspect(c).get_columns("user_preferences")}))  # fmt: skip
        finally:
            await database.dispose()

    downgrade(db_url, "0010")
    names, columns = await tables()
    assert not {"coaching_analyses", "coaching_weekly"} & names
    assert "coaching_digest_day" not in columns and "coaching_frequency" in columns
    upgrade(db_url)
    names, columns = await tables()
    assert {"coaching_analyses", "coaching_weekly"} <= names
    assert {"coaching_digest_day", "coaching_digest_time", "manager_digest_day"} <= columns
    database = Database(db_url)
    try:
        async with database.engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    finally:
        await database.dispose()
    assert version is not None and version >= "0012"  # up to the head (later migrations too)


async def test_concurrent_saves_of_one_version_keep_one_row(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    ids = await seed(db)
    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    mid = await meeting(db, ids["org"], ids["sam"], at)
    async with db.sessions() as first:
        row_a, created_a = await coaching.save_analysis(
            first, org_id=ids["org"], user_id=ids["sam"], meeting_id=mid, version=1,
            call_type="discovery", started_at=at, duration_s=60.0, speaker_confidence=0.9,
            mapping_sure=True, metrics={"talk_ratio_rep": 0.6}, now=NOW,
        )  # fmt: skip
        # the second run sees no row yet and waits on the unique index until the first commits
        second = asyncio.create_task(save(db, ids, "sam", mid, at, metrics={"talk_ratio_rep": 0.1}))
        await asyncio.sleep(0.3)
        await first.commit()
    row_b, created_b = await second
    assert created_a and not created_b
    assert row_b.id == row_a.id and row_b.metrics == {"talk_ratio_rep": 0.6}


async def test_closed_deals_carry_their_calls_latest_analysis(db: Database) -> None:
    ids = await seed(db)
    async with db.transaction() as s:
        deals = {}
        for name, stage in (("Won", "closed_won"), ("Lost", "closed_lost"), ("Open", "proposal"),
                            ("Quiet", "closed_lost")):  # fmt: skip
            d = Deal(org_id=ids["org"], owner_id=ids["sam"], name=name, stage=stage)
            s.add(d)
            await s.flush()
            deals[name] = int(d.id or 0)
    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    made = {}
    for deal, title in (("Won", "Kick-off"), ("Lost", "Demo"), ("Open", "Intro")):
        async with db.transaction() as s:
            m = Meeting(org_id=ids["org"], user_id=ids["sam"], title=title, started_at=at,
                        deal_id=deals[deal])  # fmt: skip
            s.add(m)
            await s.flush()
            made[deal] = int(m.id or 0)
    await save(db, ids, "sam", made["Won"], at, metrics={"talk_ratio_rep": 0.9})
    await save(db, ids, "sam", made["Won"], at, version=2, call_type="demo",
               metrics={"talk_ratio_rep": 0.4, "longest_monologue_s": 80.0},
               questions=[q("open"), q("closed"), q("open"), q("open")])  # fmt: skip
    await save(db, ids, "sam", made["Lost"], at, metrics={"talk_ratio_rep": 0.7},
               questions=[q("open")], skipped={"questions": "no prospect speech",
                                                "longest_monologue_s": "unsure mapping"})  # fmt: skip
    await save(db, ids, "sam", made["Open"], at, metrics={"talk_ratio_rep": 0.5})
    async with db.session() as s:
        outcomes = await closed_deals_with_calls(s, org_id=ids["org"])
        none = await closed_deals_with_calls(s, org_id=ids["org"], owner_ids=[ids["tess"]])
    assert none == []
    by_name = {o.deal_name: o for o in outcomes}
    assert set(by_name) == {"Won", "Lost", "Quiet"}
    (won,) = by_name["Won"].calls
    assert (won.meeting_id, won.title, won.call_type, won.talk_ratio) == (
        made["Won"], "Kick-off", "demo", 0.4)  # fmt: skip
    assert (won.questions, won.open_share, won.longest_monologue_s) == (4, 0.75, 80.0)
    (lost,) = by_name["Lost"].calls
    assert (lost.talk_ratio, lost.questions, lost.open_share, lost.longest_monologue_s) == (
        0.7, None, None, None)  # fmt: skip
    assert by_name["Quiet"].calls == ()
    report = win_loss(outcomes)
    assert (report.won, report.lost, report.enough) == (1, 1, False)
