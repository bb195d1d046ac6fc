"""Repository for call coaching: analyses per meeting version, weekly aggregates per rep, the
team baseline per call type, and the coaching settings (rep mode and digest schedule, org switch).

- `save_analysis` stores one analysis per (meeting, version): a second save of the same version
  returns the stored row untouched (`created` False); a new version adds a row.
- `latest_analysis` / `analyses_for_rep` read the highest version of each meeting only.
- `rebuild_weekly` deletes and recomputes a rep's `coaching_weekly` rows for one week (Monday in
  the rep's zone) from the analyses: one "all" row and one per call type; no calls, no rows.
- `team_baseline` is the median over the team's reps of each rep's mean per metric, for one call
  type over the last N weeks, so one busy rep does not set the team's norm; `team_baseline_weekly`
  is the same read from the weekly rows (the four metrics a digest shows), for a whole team's run.

What is counted: a metric is left out of a call's contribution when it is absent, not a finite
number, or listed in the analysis' `skipped` (e.g. talk ratio with an unsure speaker mapping).
Questions are `{"kind": "open"|"closed", "discovery": bool}` items (DESIGN.md `sixty coach`);
they are not counted for a call whose `skipped` names "questions".

Settings: the rep's mode is `UserPreferences.coaching_frequency` (`per_meeting` is the micro
feedback after each call; default `both`), the digest day/time and the manager's digest day are
`UserPreferences.coaching_digest_day/_time` and `manager_digest_day`; the org switch is
`OrgSettings.features["coaching"]` (absent means on), the key the orchestrator already honours.

Keyword arguments; the caller owns the session and the transaction.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from skills.preferences import COACHING_CHOICES, WEEKDAYS
from skills.timezones import UnknownTimezoneError, local_datetime, resolve_timezone
from storage.coaching_models import ALL_CALL_TYPES, CoachingAnalysis, CoachingWeekly
from storage.models import User, UserPreferences
from storage.users import org_settings, preferences

TALK_RATIO = "talk_ratio_rep"
LONGEST_MONOLOGUE = "longest_monologue_s"
QUESTIONS = "questions"
COACHING_MODES = tuple(c for c, _ in COACHING_CHOICES)  # per_meeting | weekly | both | off
ORG_FEATURE = "coaching"
_DAY_KEYS = tuple(k for k, _ in WEEKDAYS)


# --------------------------------------------------------------------------- weeks


def zone_of(user: User) -> tzinfo:
    try:
        return resolve_timezone(user.timezone or "UTC")
    except UnknownTimezoneError:
        return resolve_timezone("UTC")


def week_start_for(at: datetime, zone: tzinfo) -> date:
    """The Monday (local date in `zone`) of the week holding the instant `at`."""
    local = at.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def week_bounds(week_start: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) local, as aware datetimes (DST-safe)."""
    return (local_datetime(week_start, time(0, 0), zone),
            local_datetime(week_start + timedelta(days=7), time(0, 0), zone))  # fmt: skip


# --------------------------------------------------------------------------- analyses


async def save_analysis(
    s: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    meeting_id: int,
    version: int,
    call_type: str,
    started_at: datetime,
    duration_s: float,
    speaker_confidence: float,
    mapping_sure: bool,
    metrics: Mapping[str, Any],
    questions: Sequence[Mapping[str, Any]] = (),
    objections: Sequence[Mapping[str, Any]] = (),
    moments: Sequence[Any] = (),
    skipped: Mapping[str, str] | None = None,
    now: datetime,
) -> tuple[CoachingAnalysis, bool]:
    """Store the analysis of `meeting_id` at `version`; (row, True) when stored now, (the row
    already stored, False) when that version exists (a retry or a concurrent run)."""
    existing = await _analysis(s, meeting_id=meeting_id, version=version)
    if existing is not None:
        return existing, False
    row = CoachingAnalysis(
        org_id=org_id, user_id=user_id, meeting_id=meeting_id, version=version,
        call_type=call_type, started_at=started_at, duration_s=float(duration_s),
        speaker_confidence=float(speaker_confidence), mapping_sure=bool(mapping_sure),
        metrics=dict(metrics), questions=[dict(q) for q in questions],
        objections=[dict(o) for o in objections], moments=list(moments),
        skipped=dict(skipped or {}), created_at=now,
    )  # fmt: skip
    try:
        async with s.begin_nested():
            s.add(row)
            await s.flush()
    except IntegrityError:  # stored concurrently by another run of the same version
        again = await _analysis(s, meeting_id=meeting_id, version=version)
        if again is None:
            raise
        return again, False
    return row, True


async def _analysis(s: AsyncSession, *, meeting_id: int, version: int) -> CoachingAnalysis | None:
    rows = await s.exec(
        select(CoachingAnalysis).where(
            CoachingAnalysis.meeting_id == meeting_id, CoachingAnalysis.version == version
        )
    )
    return rows.first()


async def latest_analysis(s: AsyncSession, *, meeting_id: int) -> CoachingAnalysis | None:
    """The meeting's analysis at its highest version, or None."""
    rows = await s.exec(
        select(CoachingAnalysis)
        .where(CoachingAnalysis.meeting_id == meeting_id)
        .order_by(col(CoachingAnalysis.version).desc())
        .limit(1)
    )
    return rows.first()


def latest_per_meeting(rows: Iterable[CoachingAnalysis]) -> list[CoachingAnalysis]:
    """The highest version of each meeting, by start time."""
    best: dict[int, CoachingAnalysis] = {}
    for r in rows:
        if r.meeting_id not in best or r.version > best[r.meeting_id].version:
            best[r.meeting_id] = r
    return sorted(best.values(), key=lambda r: (r.started_at, r.meeting_id))


async def analyses_for_rep(
    s: AsyncSession, *, user_id: int, start: datetime, end: datetime, call_type: str | None = None
) -> list[CoachingAnalysis]:
    """The rep's calls that started in [start, end), latest version each, oldest first."""
    return await _analyses(s, user_ids=[user_id], start=start, end=end, call_type=call_type)


async def _analyses(
    s: AsyncSession,
    *,
    user_ids: Sequence[int],
    start: datetime,
    end: datetime,
    call_type: str | None = None,
) -> list[CoachingAnalysis]:
    if not user_ids:
        return []
    query = select(CoachingAnalysis).where(
        col(CoachingAnalysis.user_id).in_(list(user_ids)),
        col(CoachingAnalysis.started_at) >= start,
        col(CoachingAnalysis.started_at) < end,
    )
    rows = latest_per_meeting((await s.exec(query)).all())
    # the call type of the latest version decides, so filter after picking it
    return [r for r in rows if call_type is None or r.call_type == call_type]


# --------------------------------------------------------------------------- aggregation


def metric_value(analysis: CoachingAnalysis, name: str) -> float | None:
    """The call's value for metric `name`, or None when skipped, absent or not a number."""
    if name in (analysis.skipped or {}):
        return None
    value = (analysis.metrics or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _question_counts(analysis: CoachingAnalysis) -> tuple[int, int, int]:
    """(questions, open, discovery) of one call; zeros when questions were skipped."""
    if QUESTIONS in (analysis.skipped or {}):
        return 0, 0, 0
    qs = [q for q in analysis.questions or [] if isinstance(q, dict)]
    return (len(qs), sum(1 for q in qs if q.get("kind") == "open"),
            sum(1 for q in qs if q.get("discovery") is True))  # fmt: skip


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


@dataclass(frozen=True)
class WeekFigures:
    """The aggregate of some calls (the fields of a `coaching_weekly` row)."""

    meetings: int
    duration_s: float
    talk_ratio_mean: float | None
    talk_ratio_calls: int
    longest_monologue_mean_s: float | None
    longest_monologue_calls: int
    questions: int
    open_questions: int
    open_share: float | None
    discovery_questions: int
    objections: int
    metric_means: dict[str, float]


def aggregate(analyses: Sequence[CoachingAnalysis]) -> WeekFigures:
    """Aggregate calls: metric means over the calls that have the metric, question counts."""
    talk = [v for a in analyses if (v := metric_value(a, TALK_RATIO)) is not None]
    mono = [v for a in analyses if (v := metric_value(a, LONGEST_MONOLOGUE)) is not None]
    counts = [_question_counts(a) for a in analyses]
    questions = sum(c[0] for c in counts)
    open_q = sum(c[1] for c in counts)
    per_metric: dict[str, list[float]] = defaultdict(list)
    for a in analyses:
        for name in a.metrics or {}:
            if (v := metric_value(a, name)) is not None:
                per_metric[name].append(v)
    return WeekFigures(
        meetings=len(analyses),
        duration_s=math.fsum(a.duration_s for a in analyses),
        talk_ratio_mean=_mean(talk), talk_ratio_calls=len(talk),
        longest_monologue_mean_s=_mean(mono), longest_monologue_calls=len(mono),
        questions=questions, open_questions=open_q,
        open_share=open_q / questions if questions else None,
        discovery_questions=sum(c[2] for c in counts),
        objections=sum(len(a.objections or []) for a in analyses
                       if "objections" not in (a.skipped or {})),
        metric_means={k: math.fsum(v) / len(v) for k, v in sorted(per_metric.items())},
    )  # fmt: skip


async def rebuild_weekly(
    s: AsyncSession, *, org_id: int, user_id: int, week_start: date, now: datetime
) -> list[CoachingWeekly]:
    """Recompute the rep's rows for the week starting on Monday `week_start` (the rep's zone):
    "all" first, then one per call type; none when the rep had no analysed call that week."""
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, not {week_start:%A}")
    user = await s.get(User, user_id)
    if user is None:
        raise ValueError(f"no user {user_id}")
    start, end = week_bounds(week_start, zone_of(user))
    calls = await _analyses(s, user_ids=[user_id], start=start, end=end)
    await s.exec(
        delete(CoachingWeekly).where(
            col(CoachingWeekly.user_id) == user_id, col(CoachingWeekly.week_start) == week_start
        )
    )
    groups: dict[str, list[CoachingAnalysis]] = defaultdict(list)
    for a in calls:
        groups[a.call_type].append(a)
    rows: list[CoachingWeekly] = []
    if calls:
        for call_type, group in [(ALL_CALL_TYPES, calls), *sorted(groups.items())]:
            figures = aggregate(group)
            rows.append(CoachingWeekly(org_id=org_id, user_id=user_id, week_start=week_start,
                                       call_type=call_type, computed_at=now,
                                       **asdict(figures)))  # fmt: skip
    s.add_all(rows)
    await s.flush()
    return rows


async def weekly_for_rep(
    s: AsyncSession, *, user_id: int, week_start: date
) -> dict[str, CoachingWeekly]:
    """The rep's stored rows for the week, by call type ("all" included)."""
    rows = await s.exec(
        select(CoachingWeekly).where(
            CoachingWeekly.user_id == user_id, CoachingWeekly.week_start == week_start
        )
    )
    return {r.call_type: r for r in rows.all()}


async def weekly_history(
    s: AsyncSession, *, user_id: int, call_type: str, before: date, weeks: int = 4
) -> list[CoachingWeekly]:
    """The rep's rows of `call_type` for the `weeks` weeks before the Monday `before`, oldest
    first (weeks without calls have no row)."""
    rows = await s.exec(
        select(CoachingWeekly).where(
            CoachingWeekly.user_id == user_id,
            CoachingWeekly.call_type == call_type,
            col(CoachingWeekly.week_start) >= before - timedelta(weeks=weeks),
            col(CoachingWeekly.week_start) < before,
        )
    )
    return sorted(rows.all(), key=lambda r: r.week_start)


async def analysis_by_id(s: AsyncSession, *, analysis_id: int) -> CoachingAnalysis | None:
    return await s.get(CoachingAnalysis, analysis_id)


async def team_members(s: AsyncSession, *, manager_id: int) -> list[User]:
    """The manager's active direct reports, by name."""
    rows = await s.exec(
        select(User).where(User.manager_id == manager_id, col(User.active).is_(True))
    )
    return sorted(rows.all(), key=lambda u: (u.name.lower(), u.id or 0))


async def weekly_for_team(
    s: AsyncSession, *, manager_id: int, week_start: date, call_type: str = ALL_CALL_TYPES
) -> list[tuple[User, CoachingWeekly | None]]:
    """Each direct report with their stored row for the week and call type (None: no calls)."""
    reps = await team_members(s, manager_id=manager_id)
    ids = [u.id for u in reps if u.id is not None]
    found: dict[int, CoachingWeekly] = {}
    if ids:
        rows = await s.exec(
            select(CoachingWeekly).where(
                col(CoachingWeekly.user_id).in_(ids),
                CoachingWeekly.week_start == week_start,
                CoachingWeekly.call_type == call_type,
            )
        )
        found = {r.user_id: r for r in rows.all()}
    return [(u, found.get(u.id or 0)) for u in reps]


# --------------------------------------------------------------------------- baseline


@dataclass(frozen=True)
class TeamBaseline:
    """Per metric, the median over reps of each rep's mean (over their calls of this type)."""

    call_type: str
    reps: int  # reps with at least one call of this type in the window
    calls: int
    metrics: dict[str, float]  # metric -> median of rep means; also "questions" (per call)
    # and "open_share" (open / questions, per rep) when any rep asked questions
    reps_per_metric: dict[str, int]


def baseline_of(call_type: str, by_rep: Mapping[int, Sequence[CoachingAnalysis]]) -> TeamBaseline:
    """The baseline from each rep's calls (pure; `team_baseline` loads them)."""
    rep_means: dict[str, list[float]] = defaultdict(list)
    for calls in by_rep.values():
        if not calls:
            continue
        figures = aggregate(calls)
        for name, value in figures.metric_means.items():
            rep_means[name].append(value)
        counted = [a for a in calls if QUESTIONS not in (a.skipped or {})]
        if counted:
            rep_means[QUESTIONS].append(figures.questions / len(counted))
        if figures.open_share is not None:
            rep_means["open_share"].append(figures.open_share)
    return TeamBaseline(
        call_type=call_type,
        reps=sum(1 for c in by_rep.values() if c),
        calls=sum(len(c) for c in by_rep.values()),
        metrics={k: float(statistics.median(v)) for k, v in sorted(rep_means.items())},
        reps_per_metric={k: len(v) for k, v in sorted(rep_means.items())},
    )


async def team_baseline(
    s: AsyncSession,
    *,
    org_id: int,
    call_type: str,
    now: datetime,
    weeks: int = 4,
    manager_id: int | None = None,
) -> TeamBaseline:
    """The baseline for `call_type` over calls started in the last `weeks` weeks before `now`:
    the manager's active direct reports, or every active user of the org when no manager is given."""
    query = select(User).where(User.org_id == org_id, col(User.active).is_(True))
    if manager_id is not None:
        query = query.where(User.manager_id == manager_id)
    ids = [u.id for u in (await s.exec(query)).all() if u.id is not None]
    calls = await _analyses(s, user_ids=ids, start=now - timedelta(weeks=weeks), end=now,
                            call_type=call_type)  # fmt: skip
    by_rep: dict[int, list[CoachingAnalysis]] = defaultdict(list)
    for a in calls:
        by_rep[a.user_id].append(a)
    return baseline_of(call_type, by_rep)


async def team_baseline_weekly(
    s: AsyncSession,
    *,
    org_id: int,
    call_type: str,
    week_start: date,
    weeks: int = 4,
    manager_id: int | None = None,
) -> TeamBaseline:
    """`team_baseline` read from the stored weekly rows of the `weeks` weeks ending with the week
    of `week_start` (each rep's own Monday), not from the calls: what a run of every rep's digest
    can afford. Per rep: talk ratio and longest monologue weighted by the calls that had them,
    questions per call, open share; the team's value is the median over reps, as there."""
    query = select(User.id).where(User.org_id == org_id, col(User.active).is_(True))
    if manager_id is not None:
        query = query.where(User.manager_id == manager_id)
    ids = [i for i in (await s.exec(query)).all() if i is not None]
    rows: list[CoachingWeekly] = []
    if ids:
        found = await s.exec(
            select(CoachingWeekly).where(
                col(CoachingWeekly.user_id).in_(ids),
                CoachingWeekly.call_type == call_type,
                col(CoachingWeekly.week_start) > week_start - timedelta(weeks=weeks),
                col(CoachingWeekly.week_start) <= week_start,
            )
        )
        rows = list(found.all())
    by_rep: dict[int, list[CoachingWeekly]] = defaultdict(list)
    for r in rows:
        by_rep[r.user_id].append(r)
    rep_values: dict[str, list[float]] = defaultdict(list)
    for weeks_of in by_rep.values():
        talk_n = sum(w.talk_ratio_calls for w in weeks_of if w.talk_ratio_mean is not None)
        if talk_n:
            rep_values[TALK_RATIO].append(math.fsum(
                (w.talk_ratio_mean or 0.0) * w.talk_ratio_calls for w in weeks_of) / talk_n)  # fmt: skip
        mono_n = sum(w.longest_monologue_calls for w in weeks_of
                     if w.longest_monologue_mean_s is not None)  # fmt: skip
        if mono_n:
            rep_values[LONGEST_MONOLOGUE].append(math.fsum(
                (w.longest_monologue_mean_s or 0.0) * w.longest_monologue_calls
                for w in weeks_of) / mono_n)  # fmt: skip
        meetings = sum(w.meetings for w in weeks_of)
        questions = sum(w.questions for w in weeks_of)
        if meetings:
            rep_values[QUESTIONS].append(questions / meetings)
        if questions:
            rep_values["open_share"].append(sum(w.open_questions for w in weeks_of) / questions)
    return TeamBaseline(
        call_type=call_type,
        reps=len(by_rep),
        calls=sum(w.meetings for w in rows),
        metrics={k: float(statistics.median(v)) for k, v in sorted(rep_values.items())},
        reps_per_metric={k: len(v) for k, v in sorted(rep_values.items())},
    )


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class CoachingSettings:
    mode: str  # per_meeting (micro) | weekly | both | off
    digest_day: str  # mon..sun, the rep's weekly digest
    digest_time: time  # local
    manager_digest_day: str  # mon..sun, the team digest when the user manages reps
    org_enabled: bool

    @property
    def micro(self) -> bool:
        return self.org_enabled and self.mode in ("per_meeting", "both")

    @property
    def weekly(self) -> bool:
        return self.org_enabled and self.mode in ("weekly", "both")


async def org_coaching_enabled(s: AsyncSession, *, org_id: int) -> bool:
    row = await org_settings(s, org_id=org_id)
    return (row.features or {}).get(ORG_FEATURE) is not False


async def set_org_coaching(s: AsyncSession, *, org_id: int, enabled: bool, now: datetime) -> None:
    row = await org_settings(s, org_id=org_id)
    row.features = {**(row.features or {}), ORG_FEATURE: enabled}
    row.updated_at = now
    s.add(row)
    await s.flush()


async def coaching_settings(s: AsyncSession, *, user_id: int) -> CoachingSettings:
    user = await s.get(User, user_id)
    if user is None:
        raise ValueError(f"no user {user_id}")
    prefs = await preferences(s, user_id=user_id)
    return CoachingSettings(
        mode=prefs.coaching_frequency,
        digest_day=prefs.coaching_digest_day,
        digest_time=prefs.coaching_digest_time,
        manager_digest_day=prefs.manager_digest_day,
        org_enabled=await org_coaching_enabled(s, org_id=user.org_id),
    )


async def save_coaching_settings(
    s: AsyncSession,
    *,
    user_id: int,
    now: datetime,
    mode: str | None = None,
    digest_day: str | None = None,
    digest_time: time | None = None,
    manager_digest_day: str | None = None,
) -> UserPreferences:
    """Change the given settings; ValueError names the first bad value (nothing is changed)."""
    if mode is not None and mode not in COACHING_MODES:
        raise ValueError(f"coaching mode must be one of {', '.join(COACHING_MODES)}")
    for day in (digest_day, manager_digest_day):
        if day is not None and day not in _DAY_KEYS:
            raise ValueError(f"day must be one of {', '.join(_DAY_KEYS)}")
    prefs = await preferences(s, user_id=user_id)
    if mode is not None:
        prefs.coaching_frequency = mode
    if digest_day is not None:
        prefs.coaching_digest_day = digest_day
    if digest_time is not None:
        prefs.coaching_digest_time = digest_time
    if manager_digest_day is not None:
        prefs.manager_digest_day = manager_digest_day
    prefs.updated_at = now
    s.add(prefs)
    await s.flush()
    return prefs
