"""The steps of `coaching_digest`: compose the rep's week (nothing when they had no analysed
call, their mode has no weekly digest or coaching is off for the org), the manager's "add a
note?" card, then the digest to the rep with the manager's note when one was added.

The week reported is the one holding the day before the digest fires, in the rep's zone: a
Friday digest covers Monday to Friday, a Monday digest the week before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from blocks.coaching import digest_blocks, digest_text
from flows.coaching.call_steps import KIND
from orchestrator.context import StepContext
from skills import coaching_digest as cd
from skills.coaching_data import patterns
from skills.win_loss import win_loss
from storage import coaching
from storage.coaching_models import ALL_CALL_TYPES, CoachingAnalysis, CoachingWeekly
from storage.engine import Database
from storage.meetings import meeting_titles
from storage.models import User
from storage.success_stats import rep_stats
from storage.win_loss import closed_deals_with_calls

log = logging.getLogger(__name__)
NOTE_EXPIRES_S = 4 * 3600  # the manager has 4 hours to add a note; then the digest goes as is


def numbers(row: CoachingWeekly) -> cd.WeekNumbers:
    per_call = row.questions / row.meetings if row.meetings else None
    return cd.WeekNumbers(row.meetings, row.talk_ratio_mean, row.longest_monologue_mean_s,
                          per_call, row.open_share)  # fmt: skip


def talk_norm(call_type: str) -> tuple[float, float]:
    for ct in patterns().call_types:
        if ct.name == call_type:
            return ct.norms.talk_ratio_rep
    return (0.4, 0.6)


def winning_line(deals: Sequence[Any]) -> str | None:
    """The pattern when win/loss can claim one; the short honest line below the gate."""
    report = win_loss(deals)
    if not report.enough:
        return f"not enough outcomes yet to claim one ({report.won} won, {report.lost} lost)."
    if report.converged and any(r.claim for r in report.model):
        return report.message
    return None


def moments_of(
    calls: Sequence[CoachingAnalysis], titles: dict[int, str], user: User
) -> list[cd.Moment]:
    out = []
    for a in calls:
        day = a.started_at.astimezone(coaching.zone_of(user)).strftime("%a %-d %b")
        for m in a.moments or []:
            if isinstance(m, dict) and m.get("kind") and m.get("at"):
                out.append(cd.Moment(a.id or 0, titles.get(a.meeting_id, "a call"), day,
                                     str(m["kind"]), str(m["at"]), str(m.get("quote") or ""),
                                     str(m.get("text") or "")))  # fmt: skip
    return out


async def compose_digest(ctx: StepContext) -> dict[str, Any]:
    assert ctx.user_id is not None
    return await compose_for(ctx.db, ctx.user_id, ctx.now())


async def compose_for(db: Database, user_id: int, now: datetime) -> dict[str, Any]:
    """The rep's digest for the week before `now` as JSON (`{"empty": True, "reason"}` when
    nothing goes); the week's aggregate is rebuilt first."""
    async with db.transaction() as s:
        user = await s.get(User, user_id)
        if user is None or not user.active:
            return {"empty": True, "reason": "rep gone"}
        settings = await coaching.coaching_settings(s, user_id=user_id)
        if not settings.weekly:
            reason = (
                "coaching off for the org" if not settings.org_enabled else f"mode {settings.mode}"
            )
            return {"empty": True, "reason": reason}
        zone = coaching.zone_of(user)
        week = coaching.week_start_for(now - timedelta(days=1), zone)
        rows = {r.call_type: r for r in await coaching.rebuild_weekly(
            s, org_id=user.org_id, user_id=user_id, week_start=week, now=now)}  # fmt: skip
        if not rows:
            log.info("no analysed calls this week, no digest", extra={"user_id": user_id})
            return {"empty": True, "reason": "no analysed calls this week"}
        counts = {k: r.meetings for k, r in rows.items() if k != ALL_CALL_TYPES}
        main = cd.main_call_type(counts)
        previous = await coaching.weekly_history(s, user_id=user_id, call_type=main, before=week)
        start, end = coaching.week_bounds(week, zone)
        baseline = await coaching.team_baseline_weekly(
            s, org_id=user.org_id, call_type=main, week_start=week, manager_id=user.manager_id
        )
        calls = await coaching.analyses_for_rep(s, user_id=user_id, start=start, end=end)
        titles = await meeting_titles(s, meeting_ids=[a.meeting_id for a in calls])
        this_week = await rep_stats(s, user_id=user_id, now=now, days=7)
        last_week = await rep_stats(s, user_id=user_id, now=now - timedelta(days=7), days=7)
        winning = winning_line(await closed_deals_with_calls(s, org_id=user.org_id))
        manager = await s.get(User, user.manager_id) if user.manager_id else None
    moments = moments_of(calls, titles, user)
    links = [cd.CallLink(m.analysis_id, m.call, m.day) for m in
             {m.analysis_id: m for m in moments}.values()]  # fmt: skip
    linked = {c.analysis_id for c in links}
    links += [cd.CallLink(a.id or 0, titles.get(a.meeting_id, "a call"),
                          a.started_at.astimezone(zone).strftime("%a %-d %b"))
              for a in calls if a.id not in linked]  # fmt: skip
    digest = cd.build_digest(
        week_label=f"week of {week.strftime('%-d %b')}", type_counts=counts,
        week=numbers(rows[main]), previous=[numbers(r) for r in previous],
        team=baseline.metrics if baseline.reps else {}, talk_norm=talk_norm(main),
        moments=moments, calls=links,
        follow_ups=(this_week.follow_ups_within_10min, this_week.follow_ups_sent,
                    (last_week.follow_ups_within_10min, last_week.follow_ups_sent)),
        briefs=(this_week.briefs_opened, this_week.briefs_due,
                (last_week.briefs_opened, last_week.briefs_due)),
        winning=winning,
    )  # fmt: skip
    if digest is None:
        return {"empty": True, "reason": "no analysed calls this week"}
    return {
        "empty": False,
        "digest": digest.to_json(),
        "rep_name": user.name,
        "manager_id": manager.id if manager is not None and manager.active else None,
        "manager_name": manager.name if manager is not None else None,
        "week_start": week.isoformat(),
    }


async def note_card(ctx: StepContext, composed: dict[str, Any]) -> dict[str, Any]:
    """The manager's card: what the digest says in two lines, and that it goes as is later."""
    d = cd.Digest.from_json(composed["digest"])
    first = (composed.get("rep_name") or "Your rep").split()[0]
    lines = [d.call_mix]
    if d.focus is not None:
        lines.append(f"Focus: {d.focus.topic} ({d.focus.moment.call}, {d.focus.moment.at}).")
    if d.improving:
        lines.append("Improving: " + "; ".join(d.improving) + ".")
    lines.append(f"If you don't answer within {NOTE_EXPIRES_S // 3600} hours it goes as is.")
    return {
        "title": f"{first}'s weekly coaching digest goes out — add a note?",
        "text": "\n".join(lines),
        "rep_name": composed.get("rep_name") or "",
    }


async def deliver_digest(ctx: StepContext, composed: dict[str, Any]) -> dict[str, Any]:
    answer = ctx.approval
    note = None
    if answer is not None and answer.approved:
        raw = answer.payload.get("note")
        note = raw.strip() if isinstance(raw, str) and raw.strip() else None
    d = cd.Digest.from_json(composed["digest"])
    blocks = digest_blocks(d, note, composed.get("manager_name") if note else None)
    p = await ctx.notify(KIND, digest_text(d), [b.to_dict() for b in blocks], key="digest")
    held = getattr(p, "status", None)
    if held and not p.ts:
        return {"delivered": False, "reason": held, "note": note is not None}
    return {"delivered": True, "note": note is not None, "channel": p.channel, "ts": p.ts}
