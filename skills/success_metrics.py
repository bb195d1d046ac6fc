"""Sixty's own success numbers: typed rows in (loaded by `storage.success_stats`), figures out.

Pure: no I/O, no clock. Every figure is over one window `[since, until)` of `days` days and a
set of reps (one rep, a manager's team, or an org). A rate is a float in [0, 1], or None when its
denominator is 0 (nothing to measure is not 0 %). The definitions, exactly:

- **Follow-up time** (`MeetingRow`): the base is every meeting of the rep that *ended* in the
  window and that Sixty recorded (a `transcripts` row exists). A follow-up is *sent* when an
  `email_sends` row sent as the rep carries that meeting (`draft.meeting_id`, written by the
  meeting follow-up's `hand_off`) and reached status `sent`; its time is its first `sent_at`
  minus the meeting's `ended_at`, in minutes. `follow_up_median_minutes` is the median over
  meetings with a sent follow-up; `follow_ups_within_10min` counts those sent at most 10
  minutes after the end; `follow_up_within_10min_rate` = that count / all meetings in the base
  (a meeting whose follow-up was never sent, or went out as a copy for the rep's mail client
  because no mailbox is connected, counts as not within 10 minutes).
- **Pre-meeting briefs on time** (`BriefRow`): the base is every external, not cancelled, not
  all-day `calendar_events` row of the rep that *started* in the window (the meetings a brief is
  planned for). On time = a `pre_meeting` brief for that event was posted (a delivered
  `slack_notifications_sent` row of a `pre_meeting_90min` job naming the event) at least 5
  minutes before the start (the planner's last call). `brief_on_time_rate` = on time / base.
- **Briefs opened before meetings**: Slack tells an app nothing when a message is *read*; the
  only signal stored is a click on any button of the brief (`read_at`, set by every brief
  button). Opened = an on-time brief whose first click came before the meeting started;
  `brief_opened_rate` = opened / briefs on time. It undercounts: a rep who read the brief
  without clicking is not counted.
- **CRM update completeness** (`MeetingRow`): over the same recorded meetings, complete = the
  meeting was logged on the CRM record (an `activities` row of kind `meeting` naming it,
  written by the meeting flow) and no CRM change it proposed is still waiting for the rep
  (no `crm_field_changes` row of its job left `proposed`). `crm_complete_rate` = complete / base.
- **Suggestion acceptance and dismissal** (`SuggestionRow`): the base is every approval gate
  (`slack_pending_actions`: follow-ups, stage changes, tasks, invites, revivals, ...) of the rep
  *created* in the window and no longer pending, except gates an operator closed
  (`resolved_by = "operator"`). Accepted = `approved` or `edited`; dismissed = `skipped` or
  `cancelled` by the rep; ignored = `expired`. `acceptance_rate` and `dismissal_rate` are over
  the whole base (accepted + dismissed + ignored). `dismissal_alert` is set when the dismissal
  rate is above 15 % over at least `MIN_DECIDED_FOR_ALERT` decided suggestions (the
  false-positive trust killer; fewer is too few to call).
- **Button engagement** (`MessageRow`): the base is every DM Sixty posted to the rep in the
  window (a `slack_notifications_sent` row `delivered` with a message ts; a message updated in
  place counts once). Engaged = a button on it was clicked: `read_at` set (brief and pipeline
  buttons) or an approval gate on that message resolved by a person. `button_engagement_rate` =
  engaged / base. Messages without buttons are in the base.
- **Stale deals re-engaged** (`RevivalRow`): a `stale_deal_revival` job created in the window
  that put a revival email in front of the rep (it opened an approval gate) is a suggestion for
  its deal; the deal is re-engaged when that job's email reached `sent`. Counted per distinct
  deal; `re_engaged_per_rep_week` = re-engaged deals / reps / (days / 7).
- **Scheduling requests handled** (`SchedulingRow`): a request is a `calendar_find_times` job
  in offer mode (from `/60 find times` or a meeting's "let's meet again") created in the
  window; handled = the job completed (times were offered); `scheduling_handled_rate` = handled
  / requests. `meetings_booked` counts invite-mode jobs of the window that completed after the
  rep approved the invite.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

FOLLOW_UP_FAST = timedelta(minutes=10)
BRIEF_LAST_CALL = timedelta(minutes=5)  # flows.pre_meeting_brief.crons.PRE_MEETING_LAST_CALL
DISMISSAL_ALERT = 0.15
MIN_DECIDED_FOR_ALERT = 5
ACCEPTED = ("approved", "edited")
DISMISSED = ("skipped", "cancelled")
IGNORED = ("expired",)


@dataclass(frozen=True)
class MeetingRow:
    """A meeting of the rep's that ended in the window and that Sixty recorded."""

    user_id: int
    meeting_id: int
    ended_at: datetime
    follow_up_sent_at: datetime | None = None  # the first follow-up email for it that left
    crm_logged: bool = False  # an `activities` row of kind meeting names it
    crm_waiting: int = 0  # CRM changes it proposed still waiting for the rep


@dataclass(frozen=True)
class BriefRow:
    """An external meeting of the rep's that started in the window (a brief is planned for it)."""

    user_id: int
    event_id: int
    starts_at: datetime
    delivered_at: datetime | None = None  # the first pre-meeting brief posted for it
    clicked_at: datetime | None = None  # the first click on a button of one of its briefs


@dataclass(frozen=True)
class SuggestionRow:
    """An approval gate created in the window and no longer pending."""

    user_id: int
    kind: str
    status: str  # approved | edited | skipped | cancelled | expired


@dataclass(frozen=True)
class MessageRow:
    """A DM posted to the rep in the window (one per message)."""

    user_id: int
    kind: str
    clicked: bool


@dataclass(frozen=True)
class RevivalRow:
    """A stale deal Sixty suggested re-engaging in the window."""

    user_id: int
    deal_id: int
    re_engaged: bool  # the revival email was sent


@dataclass(frozen=True)
class SchedulingRow:
    """A `calendar_find_times` job created in the window."""

    user_id: int
    mode: str  # offer | invite | email
    completed: bool
    approved: bool = False  # its approval gate (invite or email) was approved or edited


@dataclass(frozen=True)
class SuccessRows:
    """Everything the figures are computed from, for some reps and one window."""

    meetings: tuple[MeetingRow, ...] = ()
    briefs: tuple[BriefRow, ...] = ()
    suggestions: tuple[SuggestionRow, ...] = ()
    messages: tuple[MessageRow, ...] = ()
    revivals: tuple[RevivalRow, ...] = ()
    scheduling: tuple[SchedulingRow, ...] = ()

    def of(self, user_ids: Iterable[int]) -> SuccessRows:
        """Only the rows of `user_ids`."""
        ids = set(user_ids)
        return SuccessRows(
            tuple(r for r in self.meetings if r.user_id in ids),
            tuple(r for r in self.briefs if r.user_id in ids),
            tuple(r for r in self.suggestions if r.user_id in ids),
            tuple(r for r in self.messages if r.user_id in ids),
            tuple(r for r in self.revivals if r.user_id in ids),
            tuple(r for r in self.scheduling if r.user_id in ids),
        )


@dataclass(frozen=True)
class SuccessFigures:
    """The numbers for some reps over `days` days (module docstring: the definitions)."""

    days: int
    reps: int
    meetings: int
    follow_ups_sent: int
    follow_up_median_minutes: float | None
    follow_ups_within_10min: int
    follow_up_within_10min_rate: float | None
    briefs_due: int
    briefs_on_time: int
    brief_on_time_rate: float | None
    briefs_opened: int
    brief_opened_rate: float | None
    crm_complete: int
    crm_complete_rate: float | None
    suggestions: int
    suggestions_accepted: int
    suggestions_dismissed: int
    suggestions_ignored: int
    acceptance_rate: float | None
    dismissal_rate: float | None
    dismissal_alert: bool
    messages: int
    messages_engaged: int
    button_engagement_rate: float | None
    stale_deals_suggested: int
    stale_deals_re_engaged: int
    re_engaged_per_rep_week: float | None
    scheduling_requests: int
    scheduling_handled: int
    scheduling_handled_rate: float | None
    meetings_booked: int


@dataclass(frozen=True)
class RepFigures:
    user_id: int
    name: str
    figures: SuccessFigures


@dataclass(frozen=True)
class TeamFigures:
    """Each rep's figures (in the order given) and the total over all of them."""

    total: SuccessFigures
    reps: list[RepFigures] = field(default_factory=list)


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to measure."""
    return part / whole if whole > 0 else None


def _minutes(d: timedelta) -> float:
    return d.total_seconds() / 60


def figures(rows: SuccessRows, *, days: int, reps: int) -> SuccessFigures:
    """The figures for `rows` of `reps` reps over a window of `days` days."""
    if days <= 0:
        raise ValueError("days must be positive")
    waits = [
        r.follow_up_sent_at - r.ended_at for r in rows.meetings if r.follow_up_sent_at is not None
    ]
    waits = [max(w, timedelta(0)) for w in waits]
    fast = sum(1 for w in waits if w <= FOLLOW_UP_FAST)
    on_time = [
        b
        for b in rows.briefs
        if b.delivered_at is not None and b.delivered_at <= b.starts_at - BRIEF_LAST_CALL
    ]
    opened = sum(1 for b in on_time if b.clicked_at is not None and b.clicked_at < b.starts_at)
    complete = sum(1 for m in rows.meetings if m.crm_logged and m.crm_waiting == 0)
    decided = [s for s in rows.suggestions if s.status in ACCEPTED + DISMISSED + IGNORED]
    accepted = sum(1 for s in decided if s.status in ACCEPTED)
    dismissed = sum(1 for s in decided if s.status in DISMISSED)
    ignored = sum(1 for s in decided if s.status in IGNORED)
    dismissal = rate(dismissed, len(decided))
    suggested = {(r.user_id, r.deal_id) for r in rows.revivals}
    revived = {(r.user_id, r.deal_id) for r in rows.revivals if r.re_engaged}
    rep_weeks = reps * days / 7
    offers = [s for s in rows.scheduling if s.mode == "offer"]
    handled = sum(1 for s in offers if s.completed)
    return SuccessFigures(
        days=days,
        reps=reps,
        meetings=len(rows.meetings),
        follow_ups_sent=len(waits),
        follow_up_median_minutes=(
            round(statistics.median(_minutes(w) for w in waits), 1) if waits else None
        ),
        follow_ups_within_10min=fast,
        follow_up_within_10min_rate=rate(fast, len(rows.meetings)),
        briefs_due=len(rows.briefs),
        briefs_on_time=len(on_time),
        brief_on_time_rate=rate(len(on_time), len(rows.briefs)),
        briefs_opened=opened,
        brief_opened_rate=rate(opened, len(on_time)),
        crm_complete=complete,
        crm_complete_rate=rate(complete, len(rows.meetings)),
        suggestions=len(decided),
        suggestions_accepted=accepted,
        suggestions_dismissed=dismissed,
        suggestions_ignored=ignored,
        acceptance_rate=rate(accepted, len(decided)),
        dismissal_rate=dismissal,
        dismissal_alert=(
            dismissal is not None
            and dismissal > DISMISSAL_ALERT
            and len(decided) >= MIN_DECIDED_FOR_ALERT
        ),
        messages=len(rows.messages),
        messages_engaged=sum(1 for m in rows.messages if m.clicked),
        button_engagement_rate=rate(sum(1 for m in rows.messages if m.clicked), len(rows.messages)),
        stale_deals_suggested=len(suggested),
        stale_deals_re_engaged=len(revived),
        re_engaged_per_rep_week=round(len(revived) / rep_weeks, 2) if rep_weeks > 0 else None,
        scheduling_requests=len(offers),
        scheduling_handled=handled,
        scheduling_handled_rate=rate(handled, len(offers)),
        meetings_booked=sum(
            1 for s in rows.scheduling if s.mode == "invite" and s.completed and s.approved
        ),
    )


def team_figures(rows: SuccessRows, reps: Sequence[tuple[int, str]], *, days: int) -> TeamFigures:
    """Each rep's figures (`reps`: (user_id, name), in the order shown) and their total."""
    ids = [u for u, _ in reps]
    return TeamFigures(
        total=figures(rows.of(ids), days=days, reps=len(ids)),
        reps=[RepFigures(u, name, figures(rows.of([u]), days=days, reps=1)) for u, name in reps],
    )


# One line per figure (the module docstring has the full definitions): for `sixty stats --json`.
DEFINITIONS: dict[str, str] = {
    "meetings": "meetings that ended in the window and that Sixty recorded (a transcript is stored)",
    "follow_ups_sent": "of those, meetings whose follow-up email Sixty sent as the rep",
    "follow_up_median_minutes": "median minutes from meeting end to the first follow-up sent",
    "follow_up_within_10min_rate": "meetings followed up within 10 minutes of the end / meetings",
    "brief_on_time_rate": "external meetings that started in the window with a pre-meeting "
    "brief posted at least 5 minutes before the start / those meetings",
    "brief_opened_rate": "on-time briefs with a click on one of their buttons before the "
    "meeting / on-time briefs (Slack gives no read signal; a read without a click is not counted)",
    "crm_complete_rate": "recorded meetings logged on the CRM record with no proposed CRM "
    "change still waiting for the rep / recorded meetings",
    "acceptance_rate": "approval requests created in the window and answered or expired that "
    "were approved or edited / all of those (an operator's cancel is left out)",
    "dismissal_rate": "of the same, skipped or cancelled by the rep / all of those",
    "dismissal_alert": f"dismissal rate above {DISMISSAL_ALERT:.0%} over at least "
    f"{MIN_DECIDED_FOR_ALERT} answered requests",
    "button_engagement_rate": "DMs posted in the window with a button clicked (a brief or "
    "pipeline button, or an approval answered on it) / DMs posted",
    "stale_deals_re_engaged": "distinct deals whose revival email (suggested in the window) was sent",
    "re_engaged_per_rep_week": "stale deals re-engaged / reps / (days / 7)",
    "scheduling_handled_rate": "find-times requests created in the window that offered times "
    "(the job completed) / those requests",
    "meetings_booked": "invites sent after the rep approved them (invite jobs in the window)",
}
