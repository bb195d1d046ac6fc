"""The manager's team digest steps: compose it from the team's week (nothing when coaching is
off for the org or no rep had an analysed call), then deliver it under the delivery rules."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from blocks.coaching_team import (
    PickLine,
    RepLine,
    RiskLine,
    TeamDigestView,
    team_digest_blocks,
    team_digest_text,
)
from blocks.pipeline import REASON_WORDS
from blocks.text import plural
from flows.briefs_common import deliver, enabled, job_user, stale_days, zone
from flows.coaching_team.gather import RepWeek, TeamWeek, gather_team
from orchestrator.context import StepContext
from skills import coaching_digest as cd
from skills import coaching_team as ct
from skills.success_metrics import DISMISSAL_ALERT, SuccessFigures
from skills.win_loss import MeanComparison, WinLossReport, win_loss
from storage import pipeline
from storage.coaching import org_coaching_enabled
from storage.models import User, UserPreferences
from storage.users import preferences

log = logging.getLogger(__name__)

DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
             "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}  # fmt: skip


def week_key(user: User, at: datetime) -> str:
    """`{ISO year}-W{ISO week}` of the instant `at` in the user's zone (one digest a week)."""
    year, week, _ = at.astimezone(zone(user.timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def risk_why(h: pipeline.DealHealth) -> str:
    words = []
    for r in h.reasons:
        if r == "stale":
            words.append(
                "no activity yet" if h.days_quiet is None else f"quiet {h.days_quiet} days"
            )
        else:
            words.append(REASON_WORDS.get(r, r.replace("_", " ")))
    return f"{h.stage}, " + ", ".join(words)


def focus_of(w: RepWeek, norms: dict[str, ct.Norm]) -> str | None:
    """The focus the rep's own digest gives them (the change that came up on most calls, with
    the call and minute; no quote), else the largest gap to the team norm."""
    own = cd.focus_area(w.moments)
    if own is not None:
        return (f"{own.topic} (on {plural(own.calls, 'call')}; {own.moment.call} at "
                f"{own.moment.at})")  # fmt: skip
    return ct.focus_area(w.calls, norms)


def rep_line(w: RepWeek, follow: SuccessFigures | None, norms: dict[str, ct.Norm]) -> RepLine:
    f = w.figures
    counted = [c for c in w.calls if c.questions is not None]
    return RepLine(
        name=w.rep.name, calls=f.meetings, talk_ratio=f.talk_ratio_mean,
        questions_per_call=(sum(c.questions or 0 for c in counted) / len(counted)) if counted else None,
        open_share=f.open_share,
        follow_up_median_min=follow.follow_up_median_minutes if follow else None,
        follow_ups_sent=follow.follow_ups_sent if follow else 0,
        risks=tuple(RiskLine(h.name, risk_why(h)) for h in w.risks),
        focus=focus_of(w, norms),
    )  # fmt: skip


def numbers_line(f: SuccessFigures) -> tuple[str, str | None]:
    """Sixty's numbers for the team in one line, and the dismissal alert when it is raised."""

    def pct(v: float | None) -> str:
        return "no data" if v is None else f"{round(100 * v)}%"

    median = (
        "" if f.follow_up_median_minutes is None else f", median {f.follow_up_median_minutes:g} min"
    )
    answered = (
        f"suggestions accepted: {pct(f.acceptance_rate)}, dismissed: {pct(f.dismissal_rate)} "
        f"of {f.suggestions}"
        if f.suggestions
        else "no suggestion answered yet"
    )
    line = (
        f"Follow-ups within 10 min: {pct(f.follow_up_within_10min_rate)} of "
        f"{plural(f.meetings, 'recorded meeting')}{median} · briefs on time: "
        f"{pct(f.brief_on_time_rate)} · {answered}"
    )
    alert = None
    if f.dismissal_alert:
        alert = (f"Your team dismissed {pct(f.dismissal_rate)} of my suggestions (above "
                 f"{round(100 * DISMISSAL_ALERT)}%): they may not fit how your team works. "
                 "Ask the reps which ones miss.")  # fmt: skip
    return line, alert


def _fmt(metric: str, v: float) -> str:
    if metric in ("talk_ratio", "open_share"):
        return f"{round(100 * v)}%"
    if metric == "longest_monologue_s":
        return ct.mmss(v)
    return f"{v:.1f}"


def _fmt_diff(metric: str, v: float) -> str:
    if metric in ("talk_ratio", "open_share"):
        return f"{100 * v:+.0f} points"
    if metric == "longest_monologue_s":
        return f"{v:+.0f} s"
    return f"{v:+.1f}"


def comparison_line(c: MeanComparison) -> str | None:
    if (c.won_mean is None or c.lost_mean is None or c.won_ci is None or c.lost_ci is None
            or c.difference is None or c.difference_ci is None):  # fmt: skip
        return None
    m = c.metric
    calls = [f"{e.title} ({e.deal_name}, {e.outcome})" for e in
             (next((e for e in c.examples if e.outcome == o), None) for o in ("won", "lost"))
             if e is not None]  # fmt: skip
    named = f" Calls behind it: {' and '.join(calls)}." if calls else ""
    return (f"Descriptive only: {c.label.lower()} averaged {_fmt(m, c.won_mean)} on {c.won_n} won "
            f"deals (95% CI {_fmt(m, c.won_ci[0])}–{_fmt(m, c.won_ci[1])}) and "
            f"{_fmt(m, c.lost_mean)} on {c.lost_n} lost (95% CI {_fmt(m, c.lost_ci[0])}–"
            f"{_fmt(m, c.lost_ci[1])}); difference {_fmt_diff(m, c.difference)} (95% CI "
            f"{_fmt_diff(m, c.difference_ci[0])} to {_fmt_diff(m, c.difference_ci[1])}).{named}")  # fmt: skip


def win_loss_line(report: WinLossReport) -> str:
    """Below the gate: the plain 'not enough outcomes' line and at most one descriptive
    comparison with its intervals; above it, the model's message (claims name their calls)."""
    if report.enough:
        return report.message
    if report.won == 0 and report.lost == 0:
        return report.message + " No closed deal of your team has an analysed call yet."
    first = next((line for c in report.comparisons if (line := comparison_line(c))), None)
    return report.message + (f"\n{first}" if first else "")


def build_view(week: TeamWeek, prefs: UserPreferences) -> TeamDigestView | None:
    """The digest, or None when no rep had an analysed call."""
    active = [w for w in week.reps if w.calls]
    if not active:
        return None
    follow = {r.user_id: r.figures for r in week.success.reps}
    calls = [c for w in active for c in w.calls]
    picks = ct.pick_calls(calls, week.norms)
    numbers, alert = numbers_line(week.success.total)
    z = zone(week.manager.timezone)
    first = week.start.astimezone(z)
    last = (week.end - timedelta(minutes=1)).astimezone(z)
    day = DAY_NAMES.get(prefs.manager_digest_day, prefs.manager_digest_day)
    at = prefs.coaching_digest_time.strftime("%H:%M")
    return TeamDigestView(
        manager=week.manager.name,
        week=f"{first:%-d %b} – {last:%-d %b}",
        reps=tuple(rep_line(w, follow.get(w.rep.id or 0), week.norms) for w in active),
        picks=tuple(PickLine(p.rep_name, p.title, p.reason) for p in picks),
        numbers=numbers, dismissal_alert=alert,
        win_loss=win_loss_line(win_loss(week.closed)),
        why=(f"You get this every {day} at {at} ({week.manager.timezone or 'UTC'}) as the manager "
             f"of your team. Change the day with Edit settings in my Home tab."),
        quiet_reps=tuple(w.rep.name for w in week.reps if not w.calls),
    )  # fmt: skip


async def compose_team(ctx: StepContext) -> dict[str, Any]:
    manager = await job_user(ctx)
    async with ctx.db.session() as s:
        org_on = await org_coaching_enabled(s, org_id=manager.org_id)
        prefs = await preferences(s, user_id=manager.id or 0)
    if not org_on or not enabled(ctx, "coaching"):
        log.info("team digest skipped: coaching off", extra={"job_id": ctx.job_id})
        return {"empty": True, "reason": "coaching off"}
    week = await gather_team(ctx.db, manager, ctx.now(), stale_days(ctx))
    view = build_view(week, prefs)
    if view is None:
        log.info("team digest not sent: no analysed calls", extra={"job_id": ctx.job_id})
        return {"empty": True, "reason": "no analysed calls"}
    blocks = [b.to_dict() for b in team_digest_blocks(view)]
    return {
        "empty": False,
        "text": team_digest_text(view),
        "blocks": blocks,
        "week": week_key(manager, ctx.now()),
        "reps": len(view.reps),
        "picks": [p.title for p in view.picks],
    }


async def deliver_team(ctx: StepContext, composed: dict[str, Any]) -> dict[str, Any]:
    return await deliver(
        ctx,
        "coaching_team",
        composed["text"],
        composed["blocks"],
        subject_key=f"coaching_team_digest:{ctx.user_id}:{composed['week']}",
    )
