"""The manager's weekly team digest (flows/coaching_team) on SQLite and PostgreSQL, on a fixed
clock: the team table from seeded analyses (calls, talk ratio, questions, follow-up speed, deals at
risk, focus), the two calls worth a listen and why, the win/loss line below the gate, no draft or
email text; nothing without analysed calls; once per week; the manager's day moves the cron; with
coaching off for the org nothing is planned or run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config.settings import Settings
from flows.coaching_team.crons import TeamDigests, team_cron_id, team_event
from flows.registry import build_registry
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef, Skipped
from storage import coaching
from storage.engine import Database
from storage.models import Deal, EmailSend, Meeting, Org, SequenceJob, Transcript, User
from tests.support.sequences import RecordingDelivery

NOW = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # Monday 16:00 UTC, the default team digest
SECRET = "PRIVATE-DRAFT-TEXT"


async def seed(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        org = Org(name="Acme", timezone="UTC")
        s.add(org)
        await s.flush()
        boss = User(org_id=org.id, slack_user_id="UMAX", email="max@x.test", name="Max",
                    role="manager", timezone="UTC")  # fmt: skip
        s.add(boss)
        await s.flush()
        ids = {"org": int(org.id or 0), "boss": int(boss.id or 0)}
        for key, name in (("rita", "Rita"), ("sam", "Sam"), ("tess", "Tess")):
            rep = User(org_id=org.id, slack_user_id=f"U{key.upper()}", email=f"{key}@x.test",
                       name=name, timezone="UTC", manager_id=boss.id)  # fmt: skip
            s.add(rep)
            await s.flush()
            ids[key] = int(rep.id or 0)
        deals = (("globex", "Globex renewal", "negotiation", 80000.0, "rita"),
                 ("initech", "Initech pilot", "discovery", 20000.0, "sam"),
                 ("won", "Hooli", "closed_won", 5000.0, "rita"),
                 ("lost", "Umbrella", "closed_lost", 7000.0, "sam"))  # fmt: skip
        for key, name, stage, amount, owner in deals:
            d = Deal(org_id=org.id, owner_id=ids[owner], name=name, stage=stage, amount=amount,
                     stage_changed_at=NOW - timedelta(days=20))  # fmt: skip
            s.add(d)
            await s.flush()
            ids[key] = int(d.id or 0)
    return ids


def qs(total: int, open_n: int) -> list[dict[str, Any]]:
    return [{"utterance": i, "text": "?", "kind": "open" if i < open_n else "closed",
             "discovery": False} for i in range(total)]  # fmt: skip


async def call(db: Database, ids: dict[str, int], rep: str, title: str, at: datetime, *,
               call_type: str, talk: float, questions: list[dict[str, Any]],
               deal: str | None = None, objections: list[dict[str, Any]] | None = None,
               moments: list[dict[str, Any]] | None = None) -> int:  # fmt: skip
    async with db.transaction() as s:
        m = Meeting(org_id=ids["org"], user_id=ids[rep], title=title, started_at=at,
                    ended_at=at + timedelta(minutes=30), status="processed",
                    deal_id=ids[deal] if deal else None)  # fmt: skip
        s.add(m)
        await s.flush()
        mid = int(m.id or 0)
        await coaching.save_analysis(
            s, org_id=ids["org"], user_id=ids[rep], meeting_id=mid, version=1,
            call_type=call_type, started_at=at, duration_s=1800.0, speaker_confidence=0.95,
            mapping_sure=True, metrics={"talk_ratio_rep": talk, "longest_monologue_s": 60.0},
            questions=questions, objections=objections or [], moments=moments or [], now=at,
        )  # fmt: skip
    return mid


async def seed_week(db: Database, ids: dict[str, int]) -> dict[str, int]:
    """Rita: a negotiation call on Globex with a price objection left unanswered at 12:34 and a
    balanced discovery call; Sam: a discovery call where he talked 82%; Tess: only an older call."""
    old = NOW - timedelta(days=14)
    await call(db, ids, "rita", "Rita old discovery", old, call_type="discovery", talk=0.45,
               questions=qs(8, 4))  # fmt: skip
    await call(db, ids, "tess", "Tess old discovery", old, call_type="discovery", talk=0.40,
               questions=qs(7, 4))  # fmt: skip
    out = {}
    out["globex"] = await call(
        db, ids, "rita", "Globex pricing call", NOW - timedelta(days=3), call_type="negotiation",
        talk=0.55, questions=qs(6, 3), deal="globex",
        objections=[{"utterance": 40, "type": "price", "text": "too expensive", "start": 754.0,
                     "response": "no_reply", "question_back": False}],
    )  # fmt: skip
    out["balanced"] = await call(
        db, ids, "rita", "Wayne discovery", NOW - timedelta(days=2), call_type="discovery",
        talk=0.50, questions=qs(10, 6), moments=[{"kind": "strength", "at": "4:05", "quote": "x",
                                                  "text": "y"}],
    )  # fmt: skip
    out["initech"] = await call(
        db, ids, "sam", "Initech intro", NOW - timedelta(days=1), call_type="discovery",
        talk=0.82, questions=qs(2, 0), deal="initech",
        moments=[{"kind": "change", "at": "3:10", "quote": "QUOTE-TEXT",
                  "text": "You spoke for 3 minutes without a question."}],
    )  # fmt: skip
    # Rita's Globex follow-up left 8 minutes after the call: its draft must never show
    async with db.transaction() as s:
        m = await s.get(Meeting, out["globex"])
        assert m is not None and m.ended_at is not None
        s.add(Transcript(org_id=ids["org"], meeting_id=out["globex"], utterances=[]))
        s.add(EmailSend(org_id=ids["org"], user_id=ids["rita"], message_id_header="<f1@x.test>",
                        subject=f"Re: {SECRET}", status="sent",
                        draft={"meeting_id": out["globex"], "body": SECRET},
                        sent_at=m.ended_at + timedelta(minutes=8)))  # fmt: skip
    return out


def engine_for(db: Database, now: datetime = NOW) -> tuple[Engine, RecordingDelivery]:
    slack = RecordingDelivery()
    engine = Engine(db, Settings(), slack, build_registry(), clock=lambda: now, listen=False,
                    heartbeat_s=None, retry_base_s=0.0)  # fmt: skip
    return engine, slack


async def manager(db: Database, ids: dict[str, int]) -> User:
    async with db.session() as s:
        u = await s.get(User, ids["boss"])
    assert u is not None
    return u


async def run(db: Database, engine: Engine, event: Event) -> SequenceJob:
    ref = await engine.submit(event)
    assert isinstance(ref, JobRef), ref
    await engine.drain()
    async with db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
    assert job is not None
    return job


def flat(blocks: Any) -> str:
    """Every text of the blocks, in order, one per line."""
    if isinstance(blocks, dict):
        own = [blocks["text"]] if isinstance(blocks.get("text"), str) else []
        return "\n".join(own + [flat(v) for k, v in blocks.items() if k != "text" or not own])
    if isinstance(blocks, list):
        return "\n".join(flat(b) for b in blocks)
    return ""


def posts(slack: RecordingDelivery) -> list[dict[str, Any]]:
    return [c for m, c in slack.calls if m == "chat.postMessage"]


async def test_team_digest_content(db: Database) -> None:
    ids = await seed(db)
    await seed_week(db, ids)
    engine, slack = engine_for(db)
    job = await run(db, engine, team_event(await manager(db, ids), NOW))
    assert job.status == "completed", job.context
    [post] = posts(slack)
    assert post["channel"] == "DUMAX"
    body = post["text"] + "\n" + flat(post["blocks"])
    assert "3 calls analysed across 2 reps, 2 calls worth a listen" in post["text"]
    # the team table: Rita 2 calls, talk (55+50)/2, 8 questions a call, 9 of 16 open, follow-up 8 min
    assert (
        "*Rita* · 2 calls · talk 52% · 8.0 questions a call (56% open) · follow-up median 8 min (1 sent)"
        in body
    )
    assert "*Sam* · 1 call · talk 82% · 2.0 questions a call (0% open) · no follow-up sent" in body
    # deals at risk with why (no activity ever: the pipeline scan's reason)
    assert "Globex renewal (negotiation, no activity yet)" in body
    assert "Initech pilot (discovery, no activity yet)" in body
    # focus areas from the analyses
    assert "Focus: Answer objections: 1 of 1 left unanswered" in body
    # Sam's focus is the one his own digest gives him (a change moment), without its quote
    assert "Focus: long monologues (on 1 call; Initech intro at 3:10)" in body
    assert "QUOTE-TEXT" not in body
    assert "No analysed calls this week: Tess" in body
    # the two calls and why, with the minute: the late-stage unanswered objection first
    assert ("1. *Globex pricing call* (Rita): Globex renewal is at negotiation, $80,000, and the "
            "price objection at 12:34 got no reply.") in body  # fmt: skip
    assert ("2. *Initech intro* (Sam): Sam asked 2 questions (team norm 7) and talked 82% of the "
            "time (team norm 48%) on this discovery call; listen from 3:10.") in body  # fmt: skip
    assert "Wayne discovery" not in body  # a strong call, ranked after the two
    # win/loss below the gate: the one line, no claim
    assert "Not enough outcomes to claim a pattern (0 won, 0 lost; 50 and 150 needed)." in body
    # Sixty's own numbers for the team
    assert ("Follow-ups within 10 min: 100% of 1 recorded meeting, median 8 min · briefs on time: "
            "no data · no suggestion answered yet") in body  # fmt: skip
    # never the reps' drafts or emails
    assert SECRET not in body


async def test_win_loss_line_below_the_gate_names_calls(db: Database) -> None:
    ids = await seed(db)
    await seed_week(db, ids)
    outcomes = (("closed_won", 0.40), ("closed_won", 0.44), ("closed_won", 0.42),
                ("closed_lost", 0.70), ("closed_lost", 0.66), ("closed_lost", 0.68))  # fmt: skip
    for i, (stage, talk) in enumerate(outcomes):
        name = f"{'Won' if stage == 'closed_won' else 'Lost'} {i}"
        async with db.transaction() as s:
            d = Deal(org_id=ids["org"], owner_id=ids["rita"], name=name, stage=stage)
            s.add(d)
            await s.flush()
            ids[name] = int(d.id or 0)
        await call(db, ids, "rita", f"{name} demo", NOW - timedelta(days=30 + i), call_type="demo",
                   talk=talk, questions=qs(5, 2), deal=name)  # fmt: skip
    engine, slack = engine_for(db)
    await run(db, engine, team_event(await manager(db, ids), NOW))
    body = flat(posts(slack)[0]["blocks"])
    # won 3 + Hooli without calls (left out), lost 3
    assert "Not enough outcomes to claim a pattern (3 won, 3 lost; 50 and 150 needed)." in body
    found = re.search(r"Descriptive only: rep talk ratio averaged 42% on 3 won deals \(95% CI "
                      r"\d+%–\d+%\) and 68% on 3 lost \(95% CI \d+%–\d+%\); difference -26 points "
                      r"\(95% CI -\d+ points to -\d+ points\)\. Calls behind it: Won \d demo "
                      r"\(Won \d, won\) and Lost \d demo \(Lost \d, lost\)\.", body)  # fmt: skip
    assert found, body
    assert body.count("Descriptive only") == 1  # at most one comparison below the gate


async def test_no_digest_without_calls_and_once_per_week(db: Database) -> None:
    ids = await seed(db)
    boss = await manager(db, ids)
    engine, slack = engine_for(db)
    before = NOW - timedelta(days=7)
    engine, slack = engine_for(db, before)
    job = await run(db, engine, team_event(boss, before))
    assert job.status == "completed"
    assert job.context["outputs"]["compose"] == {"empty": True, "reason": "no analysed calls"}
    assert posts(slack) == []

    await seed_week(db, ids)
    engine, slack = engine_for(db)
    await run(db, engine, team_event(boss, NOW))
    assert len(posts(slack)) == 1
    again = await engine.submit(team_event(boss, NOW + timedelta(days=3)))  # same week, re-run
    assert isinstance(again, Skipped)
    await engine.drain()
    assert len(posts(slack)) == 1


@dataclass
class FakeDeps:
    db: Database
    now: datetime = NOW
    submitted: list[Event] = field(default_factory=list)
    settings_listeners: list[Any] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    async def submit(self, event: Event) -> JobRef:
        self.submitted.append(event)
        return JobRef(len(self.submitted), event.type)


async def test_manager_day_moves_the_cron_and_org_off_plans_nothing(db: Database) -> None:
    ids = await seed(db)
    deps = FakeDeps(db)
    planner = TeamDigests(AsyncIOScheduler(timezone="UTC"), deps)
    await planner.start_team_digests(catch_up=True)
    # only the manager has a cron; Monday 16:00 is now, so the restart catch-up fires it once
    assert [j.id for j in planner.scheduler.get_jobs()] == [team_cron_id(ids["boss"])]
    assert [e.idempotency_key for e in deps.submitted] == [
        f"coaching_team_digest:{ids['boss']}:2026-W49"
    ]
    deps.now = NOW + timedelta(minutes=1)
    assert planner.next_team_digest(ids["boss"]) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)

    async with db.transaction() as s:
        await coaching.save_coaching_settings(s, user_id=ids["boss"], now=NOW,
                                              manager_digest_day="thu",
                                              digest_time=time(9, 30))  # fmt: skip
    await planner.on_team_settings_changed(ids["boss"])
    assert planner.next_team_digest(ids["boss"]) == datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    # a rep (no reports) gets no team cron
    await planner.on_team_settings_changed(ids["rita"])
    assert planner.scheduler.get_job(team_cron_id(ids["rita"])) is None

    # coaching off for the org: the fire submits nothing, and the engine refuses the event
    async with db.transaction() as s:
        await coaching.set_org_coaching(s, org_id=ids["org"], enabled=False, now=NOW)
    deps.now = datetime(2026, 12, 3, 9, 31, tzinfo=UTC)
    ran = await planner.run_due(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert ran == [team_cron_id(ids["boss"])]
    assert len(deps.submitted) == 1
    engine, slack = engine_for(db)
    refused = await engine.submit(team_event(await manager(db, ids), deps.now))
    assert isinstance(refused, Skipped) and "disabled" in refused.reason
    await engine.drain()
    assert posts(slack) == []


async def test_manager_without_reports_left_loses_the_cron(db: Database) -> None:
    ids = await seed(db)
    planner = TeamDigests(
        AsyncIOScheduler(timezone="UTC"), FakeDeps(db, now=NOW + timedelta(days=2))
    )
    await planner.start_team_digests(catch_up=False)
    assert planner.scheduler.get_job(team_cron_id(ids["boss"])) is not None
    async with db.transaction() as s:
        for key in ("rita", "sam", "tess"):
            rep = await s.get(User, ids[key])
            assert rep is not None
            rep.manager_id = None
            s.add(rep)
    await planner.on_team_settings_changed(ids["boss"])
    assert planner.scheduler.get_job(team_cron_id(ids["boss"])) is None
