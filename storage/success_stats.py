"""The reads behind Sixty's own success numbers: the rows `skills.success_metrics` counts, for
one rep, a manager's team or an org, over a window `[since, until)`.

What each row means (and so each figure) is defined in `skills.success_metrics`. Links that live
in JSON columns (a follow-up's `draft.meeting_id`, a job's `trigger_payload`, an activity's
`provenance`) are read in Python, so the same queries run on SQLite and PostgreSQL. Repository
rules: keyword arguments, the caller owns the session.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from skills import success_metrics as sm
from storage.models import (
    Activity,
    CalendarEvent,
    CrmFieldChange,
    EmailSend,
    Meeting,
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
    Transcript,
    User,
)

PRE_MEETING_SEQUENCE = "pre_meeting_90min"
REVIVAL_SEQUENCE = "stale_deal_revival"
FIND_TIMES_SEQUENCE = "calendar_find_times"
OPERATOR = "operator"  # `resolved_by` of a gate closed by `sixty jobs cancel`
BRIEF_LOOKBACK = timedelta(days=9)  # briefs are planned up to 8 days ahead
ACTIVITY_LOOKBACK = timedelta(days=2)  # a meeting's activity is dated at its start


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """`[now - days, now)`."""
    return now - timedelta(days=days), now


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


async def _meetings(
    s: AsyncSession, ids: Collection[int], since: datetime, until: datetime
) -> tuple[sm.MeetingRow, ...]:
    ended = (
        await s.execute(
            select(col(Meeting.id), col(Meeting.user_id), col(Meeting.ended_at))
            .join(Transcript, col(Transcript.meeting_id) == col(Meeting.id))
            .where(
                col(Meeting.user_id).in_(ids),
                col(Meeting.ended_at) >= since,
                col(Meeting.ended_at) < until,
            )
            .order_by(col(Meeting.id))
        )
    ).all()
    if not ended:
        return ()
    wanted = {m for m, _, _ in ended}
    sent: dict[int, datetime] = {}
    for draft, at in (
        await s.execute(
            select(col(EmailSend.draft), col(EmailSend.sent_at)).where(
                col(EmailSend.user_id).in_(ids),
                col(EmailSend.status) == "sent",
                col(EmailSend.sent_at) >= since,
            )
        )
    ).all():
        m = _int((draft or {}).get("meeting_id"))
        if m is not None and m in wanted and at is not None and (m not in sent or at < sent[m]):
            sent[m] = at
    logged: dict[int, set[int]] = {}  # meeting -> its meeting_ended jobs
    for (prov,) in (
        await s.execute(
            select(col(Activity.provenance)).where(
                col(Activity.user_id).in_(ids),
                col(Activity.kind) == "meeting",
                col(Activity.occurred_at) >= since - ACTIVITY_LOOKBACK,
            )
        )
    ).all():
        m, job = _int((prov or {}).get("meeting_id")), _int((prov or {}).get("job_id"))
        if m is not None and m in wanted:
            logged.setdefault(m, set()).update([job] if job is not None else [])
    jobs = {j for js in logged.values() for j in js}
    waiting: dict[int, int] = {}
    if jobs:
        for job, n in (
            await s.execute(
                select(col(CrmFieldChange.job_id), func.count())
                .where(
                    col(CrmFieldChange.job_id).in_(jobs), col(CrmFieldChange.status) == "proposed"
                )
                .group_by(col(CrmFieldChange.job_id))
            )
        ).all():
            waiting[job] = int(n)
    return tuple(
        sm.MeetingRow(
            user_id=u,
            meeting_id=m,
            ended_at=end,
            follow_up_sent_at=sent.get(m),
            crm_logged=m in logged,
            crm_waiting=sum(waiting.get(j, 0) for j in logged.get(m, ())),
        )
        for m, u, end in ended
    )


async def _briefs(
    s: AsyncSession, ids: Collection[int], since: datetime, until: datetime
) -> tuple[sm.BriefRow, ...]:
    ev = CalendarEvent
    events = (
        await s.execute(
            select(col(ev.id), col(ev.user_id), col(ev.start_at))
            .where(
                col(ev.user_id).in_(ids),
                col(ev.is_external).is_(True),
                col(ev.all_day).is_(False),
                col(ev.status) != "cancelled",
                col(ev.start_at) >= since,
                col(ev.start_at) < until,
            )
            .order_by(col(ev.start_at), col(ev.id))
        )
    ).all()
    if not events:
        return ()
    n = SlackNotificationSent
    delivered: dict[int, datetime] = {}
    clicked: dict[int, datetime] = {}
    for payload, sent_at, read_at in (
        await s.execute(
            select(col(SequenceJob.trigger_payload), col(n.sent_at), col(n.read_at))
            .join(SequenceJob, col(SequenceJob.id) == col(n.job_id))
            .where(
                col(n.user_id).in_(ids),
                col(n.kind) == "pre_meeting",
                col(n.status) == "delivered",
                col(n.message_ts).is_not(None),
                col(SequenceJob.sequence_type) == PRE_MEETING_SEQUENCE,
                col(n.sent_at) >= since - BRIEF_LOOKBACK,
            )
        )
    ).all():
        e = _int((payload or {}).get("event_id"))
        if e is None:
            continue
        if e not in delivered or sent_at < delivered[e]:
            delivered[e] = sent_at
        if read_at is not None and (e not in clicked or read_at < clicked[e]):
            clicked[e] = read_at
    return tuple(
        sm.BriefRow(
            user_id=u,
            event_id=e,
            starts_at=start,
            delivered_at=delivered.get(e),
            clicked_at=clicked.get(e),
        )
        for e, u, start in events
    )


def _by_person() -> Any:
    p = SlackPendingAction
    return or_(col(p.resolved_by).is_(None), col(p.resolved_by) != OPERATOR)


async def _suggestions(
    s: AsyncSession, ids: Collection[int], since: datetime, until: datetime
) -> tuple[sm.SuggestionRow, ...]:
    p = SlackPendingAction
    rows = (
        await s.execute(
            select(col(p.owner_user_id), col(p.kind), col(p.status))
            .where(
                col(p.owner_user_id).in_(ids),
                col(p.created_at) >= since,
                col(p.created_at) < until,
                col(p.status) != "pending",
                _by_person(),
            )
            .order_by(col(p.created_at))
        )
    ).all()
    return tuple(sm.SuggestionRow(user_id=u, kind=k, status=st) for u, k, st in rows)


async def _messages(
    s: AsyncSession, ids: Collection[int], since: datetime, until: datetime
) -> tuple[sm.MessageRow, ...]:
    n, p = SlackNotificationSent, SlackPendingAction
    rows = (
        await s.execute(
            select(col(n.user_id), col(n.kind), col(n.channel), col(n.message_ts), col(n.read_at))
            .where(
                col(n.user_id).in_(ids),
                col(n.status) == "delivered",
                col(n.message_ts).is_not(None),
                col(n.sent_at) >= since,
                col(n.sent_at) < until,
            )
            .order_by(col(n.sent_at), col(n.id))
        )
    ).all()
    if not rows:
        return ()
    resolved = {
        (c, ts)
        for c, ts in (
            await s.execute(
                select(col(p.channel), col(p.message_ts)).where(
                    col(p.owner_user_id).in_(ids),
                    col(p.message_ts).is_not(None),
                    col(p.status).in_(sm.ACCEPTED + sm.DISMISSED),
                    col(p.resolved_by).is_not(None),
                    col(p.resolved_by) != OPERATOR,
                    col(p.resolved_at) >= since,
                )
            )
        ).all()
    }
    messages: dict[tuple[str | None, str], list[Any]] = {}
    for u, kind, channel, ts, read_at in rows:
        m = messages.setdefault((channel, ts), [u, kind, False])
        m[2] = m[2] or read_at is not None or (channel, ts) in resolved
    return tuple(sm.MessageRow(user_id=u, kind=k, clicked=c) for u, k, c in messages.values())


async def _jobs(
    s: AsyncSession, sequence: str, ids: Collection[int], since: datetime, until: datetime
) -> list[Any]:
    j = SequenceJob
    return list(
        (
            await s.execute(
                select(col(j.id), col(j.user_id), col(j.status), col(j.trigger_payload))
                .where(
                    col(j.sequence_type) == sequence,
                    col(j.user_id).in_(ids),
                    col(j.created_at) >= since,
                    col(j.created_at) < until,
                )
                .order_by(col(j.id))
            )
        ).all()
    )


async def _gates(s: AsyncSession, job_ids: Collection[int]) -> dict[int, set[str]]:
    """Job id -> the statuses of its approval gates."""
    if not job_ids:
        return {}
    p = SlackPendingAction
    out: dict[int, set[str]] = {}
    for job, status in (
        await s.execute(select(col(p.job_id), col(p.status)).where(col(p.job_id).in_(job_ids)))
    ).all():
        out.setdefault(job, set()).add(status)
    return out


async def _revivals(
    s: AsyncSession, ids: Collection[int], since: datetime, until: datetime
) -> tuple[sm.RevivalRow, ...]:
    jobs = await _jobs(s, REVIVAL_SEQUENCE, ids, since, until)
    gates = await _gates(s, [j for j, *_ in jobs])
    sent: set[int] = set()
    if gates:
        sent = {
            j
            for (j,) in (
                await s.execute(
                    select(col(EmailSend.job_id)).where(
                        col(EmailSend.job_id).in_(list(gates)), col(EmailSend.status) == "sent"
                    )
                )
            ).all()
            if j is not None
        }
    out = []
    for job, u, _status, payload in jobs:
        deal = _int((payload or {}).get("deal_id"))
        if job in gates and deal is not None:
            out.append(sm.RevivalRow(user_id=u, deal_id=deal, re_engaged=job in sent))
    return tuple(out)


async def _scheduling(
    s: AsyncSession, ids: Collection[int], since: datetime, until: datetime
) -> tuple[sm.SchedulingRow, ...]:
    jobs = await _jobs(s, FIND_TIMES_SEQUENCE, ids, since, until)
    gates = await _gates(s, [j for j, *_ in jobs])
    out = []
    for job, u, status, payload in jobs:
        mode = str((payload or {}).get("action") or "offer")
        out.append(
            sm.SchedulingRow(
                user_id=u,
                mode=mode if mode in ("invite", "email") else "offer",
                completed=status == "completed",
                approved=bool(gates.get(job, set()) & set(sm.ACCEPTED)),
            )
        )
    return tuple(out)


async def load_rows(
    session: AsyncSession, *, user_ids: Collection[int], since: datetime, until: datetime
) -> sm.SuccessRows:
    """Every row the figures of `user_ids` over `[since, until)` are computed from."""
    ids = sorted(set(user_ids))
    if not ids:
        return sm.SuccessRows()
    return sm.SuccessRows(
        meetings=await _meetings(session, ids, since, until),
        briefs=await _briefs(session, ids, since, until),
        suggestions=await _suggestions(session, ids, since, until),
        messages=await _messages(session, ids, since, until),
        revivals=await _revivals(session, ids, since, until),
        scheduling=await _scheduling(session, ids, since, until),
    )


async def team_of(session: AsyncSession, *, manager: User) -> list[tuple[int, str]]:
    """(id, name) of the active reps `manager` manages (same org), by name."""
    rows = (
        await session.execute(
            select(col(User.id), col(User.name))
            .where(
                col(User.org_id) == manager.org_id,
                col(User.manager_id) == manager.id,
                col(User.active).is_(True),
            )
            .order_by(col(User.name), col(User.id))
        )
    ).all()
    return [(int(i), str(n)) for i, n in rows]


async def org_people(session: AsyncSession, *, org_id: int) -> list[tuple[int, str]]:
    """(id, name) of every active user of the org, by name."""
    rows = (
        await session.execute(
            select(col(User.id), col(User.name))
            .where(col(User.org_id) == org_id, col(User.active).is_(True))
            .order_by(col(User.name), col(User.id))
        )
    ).all()
    return [(int(i), str(n)) for i, n in rows]


async def rep_stats(
    session: AsyncSession, *, user_id: int, now: datetime, days: int = 7
) -> sm.SuccessFigures:
    """One rep's figures over the `days` days before `now`."""
    since, until = window(now, days)
    rows = await load_rows(session, user_ids=[user_id], since=since, until=until)
    return sm.figures(rows, days=days, reps=1)


async def people_stats(
    session: AsyncSession, *, people: list[tuple[int, str]], now: datetime, days: int = 7
) -> sm.TeamFigures:
    """Each of `people`'s figures and their total over the `days` days before `now`."""
    since, until = window(now, days)
    rows = await load_rows(session, user_ids=[u for u, _ in people], since=since, until=until)
    return sm.team_figures(rows, people, days=days)


async def team_stats(
    session: AsyncSession, *, manager: User, now: datetime, days: int = 7
) -> sm.TeamFigures:
    """The figures of each rep `manager` manages, and the team's total."""
    return await people_stats(
        session, people=await team_of(session, manager=manager), now=now, days=days
    )


async def org_stats(
    session: AsyncSession, *, org_id: int, now: datetime, days: int = 7
) -> sm.TeamFigures:
    """The figures of each active user of the org, and the org's total."""
    return await people_stats(
        session, people=await org_people(session, org_id=org_id), now=now, days=days
    )
