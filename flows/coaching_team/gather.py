"""Everything the manager's team digest shows, read in one session: each rep's analysed calls of
the 7 days before `now` (latest analysis version each), the team's norms per call type (4 weeks),
Sixty's success numbers for the team, each rep's deals at risk (the pipeline scan's reasons) and
the team's closed deals with their calls' metrics (win/loss). Analyses and CRM deals only: no
draft, email or transcript is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from flows.coaching.digest_steps import moments_of
from skills import coaching_digest as cd
from skills import coaching_team as ct
from skills.success_metrics import TeamFigures
from skills.win_loss import DealOutcome
from storage import coaching, pipeline, success_stats, win_loss
from storage.coaching_models import CoachingAnalysis
from storage.models import Deal, Meeting, User

WEEK = timedelta(days=7)
NORM_WEEKS = 4


@dataclass(frozen=True)
class RepWeek:
    rep: User
    calls: list[ct.TeamCall]
    figures: coaching.WeekFigures
    risks: list[pipeline.DealHealth]
    moments: list[cd.Moment]  # the feedback moments of the rep's calls (their own digest's focus)


@dataclass(frozen=True)
class TeamWeek:
    manager: User
    start: datetime
    end: datetime
    reps: list[RepWeek]
    norms: dict[str, ct.Norm]
    success: TeamFigures
    closed: list[DealOutcome]


def _moments(a: CoachingAnalysis) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(m["kind"]), str(m["at"]))
        for m in a.moments or []
        if isinstance(m, dict) and m.get("kind") and m.get("at")
    )


def _objections(a: CoachingAnalysis) -> tuple[ct.ObjectionSeen, ...]:
    if "objections" in (a.skipped or {}):
        return ()
    out = []
    for o in a.objections or []:
        if isinstance(o, dict) and isinstance(o.get("start"), int | float):
            out.append(ct.ObjectionSeen(str(o.get("type") or "other"), float(o["start"]),
                                        str(o.get("response") or "")))  # fmt: skip
    return tuple(out)


def team_call(
    a: CoachingAnalysis, rep: User, meeting: Meeting | None, deal: Deal | None
) -> ct.TeamCall:
    """One stored analysis as the ranking reads it."""
    qs_skipped = coaching.QUESTIONS in (a.skipped or {})
    qs = [q for q in a.questions or [] if isinstance(q, dict)]
    return ct.TeamCall(
        meeting_id=a.meeting_id, rep_id=rep.id or 0, rep_name=rep.name,
        title=(meeting.title if meeting is not None else "") or "Call",
        call_type=a.call_type, started_at=a.started_at.isoformat(),
        talk_ratio=coaching.metric_value(a, coaching.TALK_RATIO),
        questions=None if qs_skipped else len(qs),
        open_questions=None if qs_skipped else sum(1 for q in qs if q.get("kind") == "open"),
        longest_monologue_s=coaching.metric_value(a, coaching.LONGEST_MONOLOGUE),
        objections=_objections(a), moments=_moments(a),
        deal=None if deal is None else ct.DealInfo(deal.name, deal.stage, deal.amount),
    )  # fmt: skip


async def gather_team(db: Any, manager: User, now: datetime, stale_days: int) -> TeamWeek:
    assert manager.id is not None
    start = now - WEEK
    async with db.session() as s:
        reps = await coaching.team_members(s, manager_id=manager.id)
        by_rep = {
            u.id: await coaching.analyses_for_rep(s, user_id=u.id, start=start, end=now)
            for u in reps
            if u.id is not None
        }
        meeting_ids = [a.meeting_id for calls in by_rep.values() for a in calls]
        meetings: dict[int, Meeting] = {}
        if meeting_ids:
            rows = await s.exec(select(Meeting).where(col(Meeting.id).in_(meeting_ids)))
            meetings = {m.id: m for m in rows.all() if m.id is not None}
        deal_ids = {m.deal_id for m in meetings.values() if m.deal_id is not None}
        deals: dict[int, Deal] = {}
        if deal_ids:
            rows_d = await s.exec(select(Deal).where(col(Deal.id).in_(list(deal_ids))))
            deals = {d.id: d for d in rows_d.all() if d.id is not None}
        types = sorted({a.call_type for calls in by_rep.values() for a in calls})
        norms: dict[str, ct.Norm] = {}
        for t in types:
            b = await coaching.team_baseline(s, org_id=manager.org_id, call_type=t, now=now,
                                             weeks=NORM_WEEKS, manager_id=manager.id)  # fmt: skip
            norms[t] = ct.Norm(
                b.metrics.get(coaching.TALK_RATIO), b.metrics.get(coaching.QUESTIONS)
            )
        weeks: list[RepWeek] = []
        conn = await s.connection()
        for u in reps:
            calls = by_rep.get(u.id or 0, [])
            risks = await pipeline.scan(conn, org_id=manager.org_id, now=now,
                                        stale_days=stale_days, owner_id=u.id)  # fmt: skip
            team_calls = []
            for a in calls:
                m = meetings.get(a.meeting_id)
                d = deals.get(m.deal_id) if m is not None and m.deal_id is not None else None
                team_calls.append(team_call(a, u, m, d))
            titles = {i: m.title for i, m in meetings.items()}
            weeks.append(RepWeek(u, team_calls, coaching.aggregate(calls), risks,
                                 moments_of(calls, titles, u)))  # fmt: skip
        success = await success_stats.team_stats(s, manager=manager, now=now, days=7)
        closed = await win_loss.closed_deals_with_calls(
            s, org_id=manager.org_id, owner_ids=[u.id for u in reps if u.id is not None]
        )
    return TeamWeek(manager, start, now, weeks, norms, success, closed)
