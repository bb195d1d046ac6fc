"""A week of stored rows for the success numbers, seeded as the flows write them, with what each
row should count for by the definitions in `skills.success_metrics` (see `seed_week`)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.models import (
    Activity,
    CalendarEvent,
    CrmFieldChange,
    Deal,
    EmailSend,
    Meeting,
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
    Transcript,
    User,
)

_n = itertools.count(1)


@dataclass
class Seeder:
    s: Any
    org_id: int
    now: datetime

    async def add(self, row: Any) -> Any:
        self.s.add(row)
        await self.s.flush()
        return row

    async def job(self, user_id: int, seq: str, *, status: str = "completed",
                  payload: dict[str, Any] | None = None, ago: timedelta = timedelta(days=1)) -> int:  # fmt: skip
        at = self.now - ago
        j = await self.add(SequenceJob(org_id=self.org_id, user_id=user_id, sequence_type=seq,
                                       event_type=seq, event_source="test", status=status,
                                       trigger_payload=payload or {}, idempotency_key=f"{seq}:{next(_n)}",
                                       created_at=at, run_after=at))  # fmt: skip
        return int(j.id)

    async def gate(self, user_id: int, job_id: int, status: str, *, ago: timedelta = timedelta(days=1),
                   by: str | None = None, channel: str | None = None, ts: str | None = None) -> None:  # fmt: skip
        at = self.now - ago
        await self.add(SlackPendingAction(job_id=job_id, org_id=self.org_id, owner_user_id=user_id,
                                          step_name="approve", kind="email_send", status=status,
                                          expires_at=at + timedelta(days=1), created_at=at,
                                          resolved_by=by, channel=channel, message_ts=ts,
                                          resolved_at=None if status == "pending" else at + timedelta(minutes=5)))  # fmt: skip

    async def meeting(self, user_id: int, ended_ago: timedelta, *, recorded: bool = True) -> int:
        end = self.now - ended_ago
        m = await self.add(Meeting(org_id=self.org_id, user_id=user_id, title="Call",
                                   started_at=end - timedelta(minutes=30), ended_at=end))  # fmt: skip
        if recorded:
            await self.add(Transcript(org_id=self.org_id, meeting_id=m.id))
        return int(m.id)

    async def sent(self, user_id: int, at: datetime, *, meeting_id: int | None = None,
                   job_id: int | None = None, status: str = "sent") -> None:  # fmt: skip
        await self.add(EmailSend(org_id=self.org_id, user_id=user_id, job_id=job_id,
                                 message_id_header=f"<{next(_n)}@example.com>", status=status,
                                 draft={"body": "b", "meeting_id": meeting_id},
                                 sent_at=at if status == "sent" else None))  # fmt: skip

    async def logged(self, user_id: int, meeting_id: int, job_id: int) -> None:
        await self.add(Activity(org_id=self.org_id, user_id=user_id, kind="meeting",
                                occurred_at=self.now - timedelta(days=1),
                                provenance={"meeting_id": meeting_id, "job_id": job_id}))  # fmt: skip

    async def event(self, user_id: int, start: datetime, *, external: bool = True,
                    status: str = "confirmed") -> int:  # fmt: skip
        e = await self.add(CalendarEvent(org_id=self.org_id, user_id=user_id, start_at=start,
                                         end_at=start + timedelta(minutes=30), is_external=external,
                                         status=status))  # fmt: skip
        return int(e.id)

    async def dm(self, user_id: int, kind: str, at: datetime, *, job_id: int | None = None,
                 ts: str | None = None, read_at: datetime | None = None, status: str = "delivered") -> None:  # fmt: skip
        await self.add(SlackNotificationSent(org_id=self.org_id, user_id=user_id, kind=kind,
                                             dedupe_key=f"k{next(_n)}", job_id=job_id,
                                             channel=f"D{user_id}" if ts else None, message_ts=ts,
                                             status=status, sent_at=at, read_at=read_at))  # fmt: skip


# What `seed_week` stores for the rep, by definition (the flow tests check these).
REP_EXPECTED = {
    "meetings": 3, "follow_ups_sent": 2, "follow_ups_within_10min": 1,
    "follow_up_median_minutes": 25.5, "crm_complete": 1,
    "briefs_due": 3, "briefs_on_time": 1, "briefs_opened": 1,
    "suggestions": 6, "suggestions_accepted": 4, "suggestions_dismissed": 1,
    "suggestions_ignored": 1, "dismissal_alert": True,
    "messages": 3, "messages_engaged": 2,
    "stale_deals_suggested": 2, "stale_deals_re_engaged": 1, "re_engaged_per_rep_week": 1.0,
    "scheduling_requests": 2, "scheduling_handled": 1, "meetings_booked": 1,
}  # fmt: skip
OTHER_EXPECTED = {"meetings": 1, "follow_ups_sent": 1, "follow_ups_within_10min": 1}


async def seed_week(db: Any, *, org_id: int, rep_id: int, other_rep_id: int,
                    now: datetime, manager_id: int | None = None) -> None:  # fmt: skip
    """The rep's week (REP_EXPECTED) and the other rep's (OTHER_EXPECTED), window = 7 days
    before `now`; rows outside the window or outside the definitions are there to be left out.
    With `manager_id`, both reps report to that user."""
    d, m_ = timedelta(days=1), timedelta(minutes=1)
    async with db.transaction() as s:
        w = Seeder(s, org_id, now)
        if manager_id is not None:
            for uid in (rep_id, other_rep_id):
                u = await s.get(User, uid)
                u.manager_id = manager_id
        deal = await w.add(Deal(org_id=org_id, owner_id=rep_id, name="Acme renewal"))
        # meetings: A fast follow-up and logged; B slow follow-up, a CRM change still waiting;
        # E nothing; C not recorded and D ended before the window: left out
        a, b = await w.meeting(rep_id, 2 * d), await w.meeting(rep_id, d)
        e = await w.meeting(rep_id, timedelta(hours=4))
        await w.meeting(rep_id, 3 * d, recorded=False)
        old = await w.meeting(rep_id, 10 * d)
        await w.sent(rep_id, now - 2 * d + 6 * m_, meeting_id=a)
        await w.sent(rep_id, now - 2 * d + 9 * m_, meeting_id=a)  # a second send: the first counts
        await w.sent(rep_id, now - d + 45 * m_, meeting_id=b)
        await w.sent(rep_id, now - 10 * d + 2 * m_, meeting_id=old)
        await w.sent(rep_id, now - 4 * 60 * m_ + m_, meeting_id=e, status="failed")
        ja, jb = await w.job(rep_id, "meeting_ended"), await w.job(rep_id, "meeting_ended")
        await w.logged(rep_id, a, ja)
        await w.logged(rep_id, b, jb)
        await w.add(
            CrmFieldChange(
                org_id=org_id, deal_id=deal.id, field="stage", status="proposed", job_id=jb
            )
        )
        await w.add(
            CrmFieldChange(
                org_id=org_id, deal_id=deal.id, field="amount", status="applied", job_id=ja
            )
        )
        # briefs: X on time and clicked before the start; Y 3 minutes before; V none;
        # an internal and a cancelled meeting are not briefed
        sx, sy = now - d, now - 2 * d
        x, y = await w.event(rep_id, sx), await w.event(rep_id, sy)
        await w.event(rep_id, now - 5 * d)
        await w.event(rep_id, now - 3 * d, external=False)
        await w.event(rep_id, now - 3 * d, status="cancelled")
        bx = await w.job(rep_id, "pre_meeting_90min", payload={"event_id": x})
        by_ = await w.job(rep_id, "pre_meeting_90min", payload={"event_id": y})
        await w.dm(rep_id, "pre_meeting", sx - 90 * m_, job_id=bx, ts="1.1", read_at=sx - 20 * m_)
        await w.dm(
            rep_id, "pre_meeting", sx - 60 * m_, job_id=bx, ts="1.1", read_at=sx - 20 * m_
        )  # updated in place
        await w.dm(rep_id, "pre_meeting", sy - 3 * m_, job_id=by_, ts="1.2")
        await w.dm(rep_id, "post_meeting_summary", now - d, ts="1.3")
        await w.dm(rep_id, "morning_brief", now - d, status="muted")
        # suggestions: approved (on message 1.3), edited, skipped, expired count; an operator's
        # cancel, one still pending and one from before the window do not
        await w.gate(rep_id, ja, "approved", by="U2", channel=f"D{rep_id}", ts="1.3")
        await w.gate(rep_id, ja, "edited", by="U2")
        await w.gate(rep_id, jb, "skipped", by="U2")
        await w.gate(rep_id, jb, "expired")
        await w.gate(rep_id, jb, "cancelled", by="operator")
        await w.gate(rep_id, jb, "pending")
        await w.gate(rep_id, jb, "skipped", by="U2", ago=9 * d)
        # revivals: deal 1 re-engaged (its email sent), deal 2 drafted not sent, deal 3 skipped
        r1 = await w.job(rep_id, "stale_deal_revival", payload={"deal_id": 1})
        r2 = await w.job(
            rep_id, "stale_deal_revival", payload={"deal_id": 2}, status="awaiting_approval"
        )
        await w.job(rep_id, "stale_deal_revival", payload={"deal_id": 3})
        await w.gate(rep_id, r1, "approved", by="U2")
        await w.gate(rep_id, r2, "pending")
        await w.sent(rep_id, now - d, job_id=r1)
        # scheduling: one offer handled, one failed, an invite booked, an email mode job
        await w.job(rep_id, "calendar_find_times", payload={"contact": "Dana"})
        await w.job(rep_id, "calendar_find_times", status="failed")
        inv = await w.job(rep_id, "calendar_find_times", payload={"action": "invite"})
        await w.gate(rep_id, inv, "approved", by="U2")
        await w.job(rep_id, "calendar_find_times", payload={"action": "email"})
        await w.job(rep_id, "calendar_find_times", ago=8 * d)  # before the window
        # the other rep: one meeting, its follow-up out in 2 minutes
        o = await w.meeting(other_rep_id, d)
        await w.sent(other_rep_id, now - d + 2 * m_, meeting_id=o)
