"""The success numbers read from stored rows (SQLite and PostgreSQL): a seeded week of one rep's
meetings, follow-ups, briefs, approvals, DMs, revivals and scheduling jobs gives the figures the
definitions say; a team and an org add their reps' rows; someone with nothing stored gets None."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from storage import success_stats as stats
from storage.engine import Database
from storage.models import User
from tests.support.sequences import seed_org
from tests.support.success_world import OTHER_EXPECTED, REP_EXPECTED, seed_week

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


async def test_a_reps_week_gives_the_defined_figures(db: Database) -> None:
    org_id, (_manager, rep, other) = await seed_org(db, users=3)
    await seed_week(db, org_id=org_id, rep_id=rep, other_rep_id=other, now=NOW)
    async with db.session() as s:
        f = await stats.rep_stats(s, user_id=rep, now=NOW)
    got = asdict(f)
    assert {k: got[k] for k in REP_EXPECTED} == REP_EXPECTED
    assert f.follow_up_within_10min_rate == pytest.approx(1 / 3)
    assert f.brief_on_time_rate == pytest.approx(1 / 3) and f.brief_opened_rate == 1.0
    assert f.acceptance_rate == pytest.approx(4 / 6) and f.dismissal_rate == pytest.approx(1 / 6)
    assert f.button_engagement_rate == pytest.approx(2 / 3)


async def test_a_longer_window_takes_in_older_rows(db: Database) -> None:
    org_id, (_manager, rep, other) = await seed_org(db, users=3)
    await seed_week(db, org_id=org_id, rep_id=rep, other_rep_id=other, now=NOW)
    async with db.session() as s:
        f = await stats.rep_stats(s, user_id=rep, now=NOW, days=14)
    assert f.meetings == REP_EXPECTED["meetings"] + 1  # the meeting 10 days ago
    assert f.follow_ups_sent == REP_EXPECTED["follow_ups_sent"] + 1
    assert f.suggestions == REP_EXPECTED["suggestions"] + 1  # the skip 9 days ago
    assert f.scheduling_requests == REP_EXPECTED["scheduling_requests"] + 1


async def test_team_and_org_figures_add_their_reps(db: Database) -> None:
    org_id, (manager, rep, other) = await seed_org(db, users=3)
    await seed_week(db, org_id=org_id, rep_id=rep, other_rep_id=other, now=NOW, manager_id=manager)
    async with db.session() as s:
        boss = await s.get(User, manager)
        assert boss is not None
        team = await stats.team_stats(s, manager=boss, now=NOW)
        org = await stats.org_stats(s, org_id=org_id, now=NOW)
    assert [r.user_id for r in team.reps] == [rep, other]
    assert {k: asdict(team.reps[1].figures)[k] for k in OTHER_EXPECTED} == OTHER_EXPECTED
    assert team.total.reps == 2
    assert team.total.meetings == REP_EXPECTED["meetings"] + OTHER_EXPECTED["meetings"]
    assert team.total.follow_ups_within_10min == 2
    assert team.total.re_engaged_per_rep_week == 0.5
    assert [r.user_id for r in org.reps] == [manager, rep, other]
    assert org.total.meetings == team.total.meetings and org.total.reps == 3


async def test_someone_with_nothing_stored_gets_none_not_zero(db: Database) -> None:
    org_id, (manager, rep, other) = await seed_org(db, users=3)
    await seed_week(db, org_id=org_id, rep_id=rep, other_rep_id=other, now=NOW)
    async with db.session() as s:
        f = await stats.rep_stats(s, user_id=manager, now=NOW)
        boss = await s.get(User, manager)
        assert boss is not None
        empty_team = await stats.team_stats(s, manager=boss, now=NOW)
    assert f.meetings == 0 and f.follow_up_within_10min_rate is None
    assert f.acceptance_rate is None and f.button_engagement_rate is None
    assert empty_team.reps == [] and empty_team.total.reps == 0


async def test_rows_after_the_window_are_left_out(db: Database) -> None:
    org_id, (_manager, rep, other) = await seed_org(db, users=3)
    await seed_week(db, org_id=org_id, rep_id=rep, other_rep_id=other, now=NOW)
    async with db.session() as s:
        f = await stats.rep_stats(s, user_id=rep, now=NOW - timedelta(days=1, hours=1))
    # the window ends before meeting B, meeting E and brief X
    assert f.meetings == 1 and f.briefs_due == 2 and f.briefs_on_time == 0
