"""Issue 16 (manager side) end to end in the sandbox with the demo org: Morgan, who manages the
reps, sees the team digest's day on App Home, moves it to Thursday in the settings modal (the
cron moves), and on Thursday at the digest time receives the team digest built from the reps'
coaching analyses, with the call worth a listen and why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from app import Runtime
from blocks.ids import HomeAction
from storage import coaching
from storage.clock import SteppingClock
from storage.models import Deal, Meeting, User, UserPreferences
from tests.e2e.conftest import ALEX, MORGAN, started_app

JAMIE = "U0SXJAMIE1"
DAY_FIELD = "settings-manager-digest-day"


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
            if isinstance(e.get("text"), str):
                out.append(e["text"])
    return "\n".join(out)


async def _user(app: Runtime, slack_id: str) -> User:
    async with app.db.session() as s:
        return (await s.exec(select(User).where(User.slack_user_id == slack_id))).one()


async def _seed_call(app: Runtime, rep: User, title: str, at: datetime, **kw: object) -> None:
    async with app.db.transaction() as s:
        deal = None
        if kw.get("objections"):  # a late-stage deal of the rep's for the call
            deal = Deal(org_id=rep.org_id, owner_id=rep.id, name="Northwind expansion",
                        stage="negotiation", amount=45000.0)  # fmt: skip
            s.add(deal)
            await s.flush()
        m = Meeting(org_id=rep.org_id, user_id=rep.id, title=title, started_at=at,
                    ended_at=at + timedelta(minutes=30), status="processed",
                    deal_id=deal.id if deal else None)  # fmt: skip
        s.add(m)
        await s.flush()
        await coaching.save_analysis(
            s, org_id=rep.org_id, user_id=rep.id or 0, meeting_id=m.id or 0, version=1,
            call_type=str(kw.get("call_type", "discovery")), started_at=at, duration_s=1800.0,
            speaker_confidence=0.95, mapping_sure=True,
            metrics={"talk_ratio_rep": kw.get("talk", 0.5), "longest_monologue_s": 60.0},
            questions=[{"utterance": i, "text": "?", "kind": "open" if i < 3 else "closed",
                        "discovery": False} for i in range(6)],
            objections=kw.get("objections") or [], now=at,  # type: ignore[arg-type]
        )  # fmt: skip


async def test_manager_moves_the_day_and_receives_the_team_digest(app: Runtime) -> None:
    sb = app.sandbox
    planner = app.deps.proactive_planner
    await planner.ready.wait()
    clock = app.clock
    assert isinstance(clock, SteppingClock)
    morgan, alex, jamie = [await _user(app, u) for u in (MORGAN, ALEX, JAMIE)]
    assert planner.scheduler.get_job(f"coaching_team:{morgan.id}") is not None
    assert planner.scheduler.get_job(f"coaching_team:{alex.id}") is None  # no reports

    # App Home shows the team digest's day; the settings modal moves it to Thursday
    await sb.app_home_opened(MORGAN)
    home = await sb.wait_for(lambda: sb.home_view(MORGAN), timeout=15)
    assert "*Team coaching digest*\\nMonday" in str(home["blocks"])  # repr of the field
    await sb.click(MORGAN, home, HomeAction.OPEN_SETTINGS)
    modal = await sb.wait_for(
        lambda: next((v for v in sb.open_views(MORGAN) if DAY_FIELD in str(v)), None), timeout=15
    )
    await sb.submit_view(MORGAN, modal["id"], {DAY_FIELD: {DAY_FIELD: "thu"}})
    await sb.wait_for(lambda: "Thursday" in str(sb.home_view(MORGAN)), timeout=15)
    async with app.db.session() as s:
        assert (await s.get(UserPreferences, morgan.id)).manager_digest_day == "thu"
    # Thursday 5 March 16:00 in New York (EST) = 21:00 UTC, the default digest time
    fire = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)
    assert planner.next_team_digest(morgan.id) == fire

    # the reps' week: Alex left a price objection unanswered on a negotiation deal
    now = clock()
    await _seed_call(app, alex, "Alex negotiation call", now - timedelta(days=1),
                     call_type="negotiation",
                     objections=[{"utterance": 9, "type": "price", "text": "x", "start": 425.0,
                                  "response": "no_reply", "question_back": False}])  # fmt: skip
    await _seed_call(app, jamie, "Jamie discovery call", now - timedelta(hours=5), talk=0.48)

    since = clock()
    clock.advance_to(fire + timedelta(seconds=1))
    assert f"coaching_team:{morgan.id}" in await planner.run_due(since)
    digest = await sb.wait_for(
        lambda: next(
            (m for m in sb.dm_messages(MORGAN) if "Your team's coaching week" in _text(m)), None
        ),
        timeout=15,
    )
    body = _text(digest)
    assert "*Alex Rivera* · 1 call" in body and "*Jamie Chen* · 1 call" in body
    assert "*Alex negotiation call* (Alex Rivera)" in body
    assert ("Northwind expansion is at negotiation, $45,000, and the price objection at 7:05 got "
            "no reply.") in body  # fmt: skip
    assert "Northwind expansion (negotiation, no activity yet)" in body
    assert "Not enough outcomes to claim a pattern" in body
    assert "You get this every Thursday at 16:00 (America/New_York)" in body
    # the reps get nothing from it
    assert not any("Your team's coaching week" in _text(m) for m in sb.dm_messages(ALEX))
