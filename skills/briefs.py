"""Briefs as view models from plain data: the morning brief, the pre-meeting brief, the stall
analysis and re-engagement draft for a stale deal. Pure: no I/O, no imports from the app.

The morning brief leaves out sections with nothing to say (`MorningBrief.empty` when none is
left: such a brief is not sent). The pre-meeting brief reads as a delta since the last meeting
with the same people: emails either side, stage changes, commitments kept or overdue; its
questions and goals come from the deal stage and the open items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from skills import human_time

# --------------------------------------------------------------------------- morning brief


@dataclass(frozen=True)
class MeetingInfo:
    event_id: int
    start: datetime
    title: str
    external: bool
    contact: str | None = None
    company: str | None = None
    purpose: str | None = None
    prep: str = "none"  # ready | prepping | none (internal)


@dataclass(frozen=True)
class InboxItem:
    """An inbound email worth the rep's attention (category from the classifier)."""

    message_id: int
    category: str
    sender: str
    subject: str
    company: str | None = None
    contact_id: int | None = None
    deal_id: int | None = None
    known: bool = True  # from a contact in the CRM


@dataclass(frozen=True)
class DealPulse:
    deal_id: int
    name: str
    stage: str
    amount: float | None
    days_quiet: int | None
    reasons: tuple[str, ...] = ()
    company: str | None = None


@dataclass(frozen=True)
class CommitmentDue:
    description: str
    due: datetime
    owner: str  # rep | prospect
    counterparty: str | None = None


@dataclass(frozen=True)
class MorningInput:
    rep_name: str
    timezone: str
    now: datetime
    meetings: list[MeetingInfo] = field(default_factory=list)
    inbox: list[InboxItem] = field(default_factory=list)
    deals: list[DealPulse] = field(default_factory=list)  # from the pipeline scan
    proposals_awaiting: list[DealPulse] = field(default_factory=list)
    commitments: list[CommitmentDue] = field(default_factory=list)
    campaign_replies: int = 0
    crm_notes: int = 0


@dataclass(frozen=True)
class MeetingLine:
    event_id: int
    time: str
    text: str
    prep: str


@dataclass(frozen=True)
class AttentionLine:
    text: str
    actions: tuple[str, ...]  # draft_reply | view_email | check_calendar | qualify
    message_id: int
    contact_id: int | None
    deal_id: int | None


@dataclass(frozen=True)
class PulseLine:
    text: str
    deal_id: int | None = None


@dataclass(frozen=True)
class MorningBrief:
    greeting: str
    meetings: list[MeetingLine]
    attention: list[AttentionLine]
    pulse: list[PulseLine]
    overnight: list[str]
    at_risk_deal_ids: list[int]

    @property
    def empty(self) -> bool:
        return not (self.meetings or self.attention or self.pulse or self.overnight)


ATTENTION_CATEGORIES = {
    "proposal_request": "asked for a proposal",
    "meeting_request": "wants to meet",
    "needs_response": "is waiting for your answer",
    "interested": "is interested",
    "referral": "referred you to someone",
}
STAGE_LABELS = {
    "discovery": "Discovery",
    "qualification": "Qualification",
    "demo": "Demo",
    "proposal": "Proposal",
    "negotiation": "Negotiation",
}


def _local(t: datetime, tz: str) -> datetime:
    try:
        return t.astimezone(ZoneInfo(tz))
    except (KeyError, ValueError):
        return t


def clock(t: datetime, tz: str) -> str:
    """`9:30 AM PST`: in the rep's zone, saying which."""
    return human_time.clock(t, tz)


def money(amount: float | None) -> str:
    if amount is None:
        return "—"
    if amount >= 1000:
        return f"${amount / 1000:,.0f}K" if amount < 1_000_000 else f"${amount / 1e6:,.1f}M"
    return f"${amount:,.0f}"


def greeting(name: str, now: datetime, tz: str) -> str:
    local = _local(now, tz)
    part = "morning" if local.hour < 12 else ("afternoon" if local.hour < 18 else "evening")
    first = name.split()[0] if name.strip() else "there"
    return f"Good {part}, {first}! Here's your {local.strftime('%A')}."


def attention_actions(item: InboxItem) -> tuple[str, ...]:
    if not item.known:
        return ("qualify", "view_email")
    if item.category == "meeting_request":
        return ("check_calendar", "view_email")
    return ("draft_reply", "view_email")


def _meeting_text(m: MeetingInfo) -> str:
    if not m.external:
        return f"{m.title} (internal)"
    who = " — ".join(p for p in (m.contact, m.company) if p) or m.title
    return f"{who}: {m.purpose}" if m.purpose else who


def _prep_state(m: MeetingInfo, now: datetime) -> str:
    """`started` for a meeting already under way or over: nothing left to prep for."""
    if not m.external:
        return "none"
    return "started" if m.start <= now else m.prep


def build_morning_brief(inp: MorningInput) -> MorningBrief:
    tz = inp.timezone
    local_today = _local(inp.now, tz).date()
    meetings = [
        MeetingLine(m.event_id, clock(m.start, tz), _meeting_text(m), _prep_state(m, inp.now))
        for m in sorted(inp.meetings, key=lambda m: m.start)
        if _local(m.start, tz).date() == local_today
    ]
    attention = []
    for item in inp.inbox:
        what = ATTENTION_CATEGORIES.get(item.category)
        if what is None:
            continue
        who = f"{item.sender} ({item.company})" if item.company else item.sender
        if not item.known:
            what = "new inbound request"
        attention.append(
            AttentionLine(
                f"{who} {what} — “{item.subject}”",
                attention_actions(item),
                item.message_id,
                item.contact_id,
                item.deal_id,
            )
        )
    pulse: list[PulseLine] = []
    for c in sorted(inp.commitments, key=lambda c: c.due):
        due_local = _local(c.due, tz).date()
        if due_local > local_today:
            continue
        when = "overdue" if due_local < local_today else "due today"
        whose = "You" if c.owner == "rep" else (c.counterparty or "They")
        pulse.append(PulseLine(f"{whose}: {c.description} ({when})"))
    today = [d for d in inp.deals if {"close_date_passed", "closing_soon_quiet"} & set(d.reasons)]
    for d in today:
        why = "close date passed" if "close_date_passed" in d.reasons else "closes this week"
        pulse.append(PulseLine(f"Act today: {d.name} — {why}", d.deal_id))
    risky = [d for d in inp.deals if d not in today]
    for d in sorted(risky, key=lambda d: -(d.days_quiet or 0)):
        quiet = (
            f"{d.days_quiet} days since last activity"
            if d.days_quiet is not None
            else "no activity yet"
        )
        signal = ", negative signal" if "negative_signal" in d.reasons else ""
        pulse.append(
            PulseLine(
                f"At risk: {d.name} ({STAGE_LABELS.get(d.stage, d.stage)}, "
                f"{money(d.amount)}) — {quiet}{signal}",
                d.deal_id,
            )
        )
    if inp.proposals_awaiting:
        total = sum(d.amount or 0 for d in inp.proposals_awaiting)
        n = len(inp.proposals_awaiting)
        pulse.append(
            PulseLine(f"{money(total)} in {n} proposal{'s' if n != 1 else ''} awaiting response")
        )
    overnight = []
    if inp.campaign_replies:
        overnight.append(
            f"{inp.campaign_replies} campaign repl{'ies' if inp.campaign_replies != 1 else 'y'}"
        )
    if inp.crm_notes:
        overnight.append(f"{inp.crm_notes} CRM note{'s' if inp.crm_notes != 1 else ''} synced")
    return MorningBrief(
        greeting=greeting(inp.rep_name, inp.now, tz),
        meetings=meetings,
        attention=attention,
        pulse=pulse,
        overnight=overnight,
        at_risk_deal_ids=[d.deal_id for d in inp.deals if "stale" in d.reasons],
    )


# --------------------------------------------------------------------------- pre-meeting brief


@dataclass(frozen=True)
class Attendee:
    name: str
    title: str | None = None
    company: str | None = None
    note: str | None = None  # enrichment (Apollo headline, seniority)


@dataclass(frozen=True)
class EmailNote:
    direction: str  # inbound | outbound
    subject: str
    at: datetime


@dataclass(frozen=True)
class StageNote:
    old: str | None
    new: str
    at: datetime


@dataclass(frozen=True)
class CommitmentNote:
    owner: str  # rep | prospect
    description: str
    due: datetime | None
    status: str  # open | done | overdue | cancelled
    closed_at: datetime | None = None


@dataclass(frozen=True)
class PreMeetingInput:
    title: str
    start: datetime
    timezone: str
    now: datetime
    attendees: list[Attendee] = field(default_factory=list)
    deal_name: str | None = None
    stage: str | None = None
    amount: float | None = None
    close_date: date | None = None
    last_meeting_at: datetime | None = None
    deal_id: int | None = None
    emails: list[EmailNote] = field(default_factory=list)
    stage_changes: list[StageNote] = field(default_factory=list)
    commitments: list[CommitmentNote] = field(default_factory=list)
    news: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PreMeetingBrief:
    headline: str
    who: list[str]
    deal: str | None
    since: str
    changes: list[str]
    open_items: list[str]
    questions: list[str]
    goals: list[str]
    news: list[str]
    deal_id: int | None = None  # for the brief's Draft proposal button


STAGE_QUESTIONS = {
    "discovery": [
        "What made this a priority now?",
        "How do you handle this today, and what does it cost?",
        "Who else is affected by the problem?",
    ],
    "qualification": [
        "Who signs off on a purchase like this?",
        "Is there budget set aside this quarter?",
        "What would make this a clear yes for the team?",
    ],
    "demo": [
        "Which workflow matters most to see working?",
        "Who else should see the demo?",
        "What would you compare us against?",
    ],
    "proposal": [
        "Does the proposal match what you need?",
        "What is left before a decision?",
        "Who else reviews the terms?",
    ],
    "negotiation": [
        "What stands between us and a signature?",
        "What timeline does legal need?",
        "Is anything in the terms a blocker?",
    ],
}
STAGE_GOALS = {
    "discovery": "Confirm the pain, the decision process and a next meeting",
    "qualification": "Qualify budget, authority and timeline",
    "demo": "Show the two workflows they care about and agree on a trial or proposal",
    "proposal": "Walk through the proposal and agree on a decision date",
    "negotiation": "Resolve the open terms and agree on a signing date",
}


def build_pre_meeting_brief(inp: PreMeetingInput) -> PreMeetingBrief:
    tz = inp.timezone
    since_t = inp.last_meeting_at
    stage = inp.stage or "discovery"
    if since_t is not None:
        since = f"Since your last meeting on {_local(since_t, tz).strftime('%b %-d')}"
    elif stage != "discovery" or inp.emails or inp.stage_changes or inp.commitments:
        since = (
            "No earlier meeting with them on record"
            + (  # a deal with history is no first meeting
                f" (the deal is in {STAGE_LABELS.get(stage, stage)})" if inp.deal_name else ""
            )
        )
    else:
        since = "First meeting with these people"

    def after(t: datetime | None) -> bool:
        return t is not None and (since_t is None or t > since_t)

    changes = []
    ins = [e for e in inp.emails if after(e.at) and e.direction == "inbound"]
    outs = [e for e in inp.emails if after(e.at) and e.direction == "outbound"]
    if ins:
        changes.append(
            f"{len(ins)} email{'s' if len(ins) != 1 else ''} from them (latest: “{ins[-1].subject}”)"
        )
    if outs:
        changes.append(
            f"{len(outs)} email{'s' if len(outs) != 1 else ''} from you (latest: “{outs[-1].subject}”)"
        )
    for s in inp.stage_changes:
        if after(s.at):
            changes.append(
                f"Stage moved {STAGE_LABELS.get(s.old or '', s.old or '—')} → "
                f"{STAGE_LABELS.get(s.new, s.new)}"
            )
    open_items = []
    seen: set[tuple[str, str, str]] = set()  # the same commitment recorded twice is one line
    for c in inp.commitments:
        whose = "You" if c.owner == "rep" else "They"
        kept = c.status == "done" and after(c.closed_at)
        key = (
            whose,
            "kept" if kept else "open",
            " ".join(re.findall(r"[a-z0-9]+", c.description.lower())),
        )
        if key in seen:
            continue
        if kept:
            seen.add(key)
            changes.append(f"Kept: {whose.lower() if whose == 'They' else 'you'} — {c.description}")
        elif c.status in ("open", "overdue"):
            seen.add(key)
            late = c.status == "overdue" or (c.due is not None and c.due < inp.now)
            open_items.append(f"{whose}: {c.description}" + (" (overdue)" if late else ""))
    if since_t is not None and not changes:
        changes.append("Nothing new since then")
    questions = list(STAGE_QUESTIONS.get(stage, STAGE_QUESTIONS["discovery"]))
    if any(i.startswith("They") for i in open_items):
        questions.insert(0, "Where are you on what you said you'd send over?")
    goals = [STAGE_GOALS.get(stage, STAGE_GOALS["discovery"])]
    if any(i.startswith("You") for i in open_items):
        goals.append("Close the loop on what you owe them")
    deal = None
    if inp.deal_name:
        parts = [inp.deal_name, STAGE_LABELS.get(stage, stage), money(inp.amount)]
        if inp.close_date:
            parts.append(f"closes {inp.close_date.strftime('%b %-d')}")
        deal = " · ".join(parts)
    who = []
    for a in inp.attendees:
        bits = [a.name] + [b for b in (a.title, a.company) if b]
        who.append(", ".join(bits) + (f" — {a.note}" if a.note else ""))
    headline = f"{inp.title} {human_time.when(inp.start, inp.now, tz)}"
    return PreMeetingBrief(
        headline, who, deal, since, changes, open_items, questions[:4], goals, list(inp.news[:3]),
        inp.deal_id,
    )  # fmt: skip


# --------------------------------------------------------------------------- stale-deal revival


@dataclass(frozen=True)
class StallInput:
    deal_name: str
    company: str | None
    stage: str
    contact_name: str | None
    rep_name: str
    days_quiet: int | None
    last_touch: str | None  # summary of the last activity
    open_commitments: list[CommitmentNote] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Stall:
    reasons: list[str]
    subject: str
    body: str


def analyse_stall(inp: StallInput) -> Stall:
    reasons = []
    if inp.days_quiet is None:
        reasons.append("No activity logged on this deal yet")
    else:
        reasons.append(
            f"{inp.days_quiet} days since the last touch"
            + (f" ({inp.last_touch})" if inp.last_touch else "")
        )
    mine = [c for c in inp.open_commitments if c.owner == "rep"]
    theirs = [c for c in inp.open_commitments if c.owner == "prospect"]
    if mine:
        reasons.append(f"You still owe: {mine[0].description}")
    if theirs:
        reasons.append(f"They still owe: {theirs[0].description}")
    if "at_risk" in inp.flags or "buying_negative" in inp.flags:
        reasons.append("A negative signal was noted on the last call")
    first = (inp.contact_name or "there").split()[0]
    company = inp.company or inp.deal_name
    subject = f"Picking up where we left off — {company}"
    if mine:
        opener = f"I owe you {mine[0].description.rstrip('.').lower()} — sorry it slipped."
    elif inp.stage in ("proposal", "negotiation"):
        opener = "I wanted to check whether the proposal still fits what you're planning."
    else:
        opener = f"It's been a few weeks since we last spoke about {company}, and I didn't want to lose the thread."
    ask = (
        "Would a 20-minute call next week help to decide on next steps?"
        if inp.stage not in ("negotiation",)
        else "Is there anything in the terms I can help unblock?"
    )
    body = f"Hi {first},\n\n{opener}\n\n{ask}\n\nBest,\n{inp.rep_name.split()[0] if inp.rep_name else ''}"
    return Stall(reasons, subject, body)


def quiet_days(last: datetime | None, now: datetime) -> int | None:
    return None if last is None else max(0, (now - last) // timedelta(days=1))


# --------------------------------------------------------------------------- feature toggles

REP_FEATURES: tuple[tuple[str, str], ...] = (
    ("morning_brief", "Morning brief"),
    ("pre_meeting", "Pre-meeting briefs"),
    ("pipeline", "Pipeline alerts (daily scan)"),
    ("campaign_digest", "Campaign digest (Instantly)"),
)
ORG_FEATURES: tuple[tuple[str, str], ...] = (
    *REP_FEATURES,
    ("stale_deal_revival", "Stale-deal re-engagement drafts"),
    ("coaching", "Call coaching (analyses and digests)"),
)


def feature_on(name: str, org: dict[str, bool] | None, rep: dict[str, bool] | None) -> bool:
    """On unless the org or the rep turned it off (features default to on)."""
    return bool((org or {}).get(name, True)) and bool((rep or {}).get(name, True))


@dataclass(frozen=True)
class OrgSettingsChange:
    features: dict[str, bool]
    ai_budget_usd_month: float
    stale_threshold_days: int


def validate_org_settings(
    checked: list[str], budget: str | None, stale_days: str | None
) -> tuple[OrgSettingsChange | None, dict[str, str]]:
    """Raw modal values in; the change or errors keyed by field ("budget", "stale_days")."""
    errors: dict[str, str] = {}
    try:
        amount = float(budget or "")
        if not 0 <= amount <= 100_000:
            errors["budget"] = "between 0 and 100,000 USD"
    except ValueError:
        errors["budget"] = "a number of US dollars, e.g. 50"
        amount = 0.0
    try:
        days = int(stale_days or "")
        if not 1 <= days <= 365:
            errors["stale_days"] = "between 1 and 365 days"
    except ValueError:
        errors["stale_days"] = "a whole number of days, e.g. 14"
        days = 14
    if errors:
        return None, errors
    features = {k: k in checked for k, _ in ORG_FEATURES}
    return OrgSettingsChange(features, amount, days), {}
