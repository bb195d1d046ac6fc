"""One campaign's morning digest (Sixty issue 15; NEXT_BUILDS.md B1, B3, B4). Pure.

Owns the numbers and wording of a campaign's digest, from counters the flow fetched:

- **Last 24 h** (`recent`): sent, replied (unique *human* replies: `reply_count_unique` −
  `reply_count_automatic_unique`), positive (`total_interested`).
- **Trend**: each of those against the daily average of the 7 days before (`week` / 7; the
  sent and replied averages come from the daily rows when there are any, since the totals
  endpoint may ignore dates). `change` is relative (+0.25 = 25% above the average), None when
  the average is 0.
- **Rates** over the 24 h and the week before together (8 days: one day alone is too few leads):
  reply rate = unique human replies / new leads contacted (Instantly's own skill's definition);
  positive rate = interested / new leads contacted; bounce rate = bounced / emails sent;
  unsubscribe rate = unsubscribed / new leads contacted. Each is clamped to [0, 1] (the API's
  counters are not always consistent) and None without a denominator.
- **Alerts**: reply or positive rate under the org's benchmark (only with at least
  `MIN_LEADS_FOR_RATE` new leads contacted, below that a rate says nothing); bounce ≥ watch (2%)
  is "watch", ≥ act (5%) is "act"; sending stopped (status paused, unhealthy accounts, bounce
  protect, suspended) with the reason: first the campaign's own mailboxes that are not sending
  (Instantly account status: disconnected, soft-bounce paused, sending error, paused; "the
  mailbox x is disconnected (reconnect it in Instantly)"), else Instantly's sending-status
  reason in words (`SENDING_REASONS`), else the campaign status. An *active* campaign that sent
  nothing in the last 24 h gets a "watch" alert when one of those says why (a schedule gap,
  `out_of_schedule`, is not a problem and says nothing).
- **Opens** only when open tracking is on (zero opens with tracking off is not a real zero), and
  they never drive a suggestion.
- **At most one suggestion**, from `skills.ab_test.decide` on each step's variants (arms A, B…,
  events = unique human replies). With Instantly's auto-optimise on, allocation is no longer
  random, so no suggestion, only a note saying so. Otherwise the first of: a winner ("disable
  variant X"), a no-difference, a keep-testing (with days to go at the current pace: each arm's
  sends per day over `test_days`), lowest step first within a kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from skills.ab_test import ABTest, Arm, decide

MIN_LEADS_FOR_RATE = 100
ACTIVE, PAUSED, RUNNING_SUBSEQUENCES = 1, 2, 4
STOPPED_REASONS: dict[int, str] = {
    PAUSED: "paused",
    -1: "sending accounts unhealthy",
    -2: "bounce protection stopped it",
    -99: "sending account suspended",
}

# Instantly's sending-status reasons (`diagnostics.status ?? summary.status`) in words, each
# with what to do; `healthy` and unknown reasons add nothing.
SENDING_REASONS: dict[str, str] = {
    "all_accounts_unhealthy": "every sending mailbox is unhealthy (check them in Instantly)",
    "daily_limit_met": "the daily sending limit is reached (raise it in Instantly to send more)",
    "waiting_for_leads": "no leads are left to contact (add leads in Instantly)",
    "out_of_schedule": "it is outside its sending schedule",
    "campaign_draft": "it is still a draft",
    "campaign_completed": "it has finished its sequence",
}
QUIET_REASONS = frozenset({"healthy", "out_of_schedule"})  # no alert for an active campaign
# Instantly account `status` values that stop a mailbox sending (starter-kit accounts.md).
MAILBOX_PROBLEMS: dict[int, str] = {
    -1: "is disconnected (reconnect it in Instantly)",
    -2: "is paused after soft bounces (check it in Instantly)",
    -3: "has a sending error (check it in Instantly)",
    2: "is paused (resume it in Instantly)",
}


@dataclass(frozen=True)
class Benchmarks:
    """The org's benchmarks (defaults: NEXT_BUILDS.md B3)."""

    reply_rate: float = 0.0343
    positive_rate: float = 0.01
    bounce_watch: float = 0.02
    bounce_act: float = 0.05
    min_lift: float = 0.5  # the A/B test's minimum detectable relative lift (org setting)


@dataclass(frozen=True)
class Counts:
    """A window's totals (campaign analytics / overview fields)."""

    new_leads_contacted: int = 0
    sent: int = 0
    unique_replies: int = 0
    unique_replies_automatic: int = 0
    interested: int = 0
    bounced: int = 0
    unsubscribed: int = 0
    unique_opened: int = 0

    @property
    def human_replies(self) -> int:
        return max(0, self.unique_replies - self.unique_replies_automatic)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            *(
                a + b
                for a, b in zip(
                    (self.new_leads_contacted, self.sent, self.unique_replies,
                     self.unique_replies_automatic, self.interested, self.bounced,
                     self.unsubscribed, self.unique_opened),
                    (other.new_leads_contacted, other.sent, other.unique_replies,
                     other.unique_replies_automatic, other.interested, other.bounced,
                     other.unsubscribed, other.unique_opened),
                    strict=True,
                )
            )
        )  # fmt: skip


@dataclass(frozen=True)
class DayRow:
    """One daily-analytics row of the week before."""

    date: str
    sent: int
    unique_replies: int
    unique_replies_automatic: int = 0


@dataclass(frozen=True)
class VariantRow:
    """One steps-analytics row: `step` and `variant` zero-based."""

    step: int
    variant: int
    sent: int
    unique_replies: int
    unique_replies_automatic: int = 0
    disabled: bool = False


@dataclass(frozen=True)
class CampaignInput:
    campaign_id: str
    name: str
    status: int | None
    recent: Counts
    week: Counts
    daily: tuple[DayRow, ...] = ()
    steps: tuple[VariantRow, ...] = ()
    open_tracking: bool = False
    auto_optimise: bool = False
    sending_reason: str | None = None  # sending-status diagnostics, when known
    # the campaign's sending mailboxes whose Instantly account status stops them (address, status)
    mailbox_problems: tuple[tuple[str, int], ...] = ()
    test_days: float | None = None  # days the steps' counts cover (for the pace)


@dataclass(frozen=True)
class Trend:
    last_24h: int
    week_avg: float
    change: float | None  # relative to the average; None when it is 0


@dataclass(frozen=True)
class Alert:
    kind: str  # "reply_rate" | "positive_rate" | "bounce" | "stopped"
    level: str  # "watch" | "act"
    text: str


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "winner" | "no_difference" | "keep_testing"
    step: int  # zero-based
    text: str
    disable: tuple[str, ...] = ()  # variant letters to switch off (winner only)
    days_to_go: int | None = None


@dataclass(frozen=True)
class CampaignDigest:
    campaign_id: str
    name: str
    status: str
    sent: Trend
    replied: Trend
    positive: Trend
    new_leads_contacted: int
    reply_rate: float | None
    positive_rate: float | None
    bounce_rate: float | None
    unsubscribe_rate: float | None
    open_rate: float | None  # only with open tracking on
    alerts: tuple[Alert, ...] = ()
    suggestion: Suggestion | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def healthy(self) -> bool:
        return not self.alerts


def letter(variant: int) -> str:
    return chr(ord("A") + variant) if 0 <= variant < 26 else str(variant + 1)


def rate(part: int, whole: int) -> float | None:
    if whole <= 0:
        return None
    return min(1.0, max(0.0, part / whole))


def trend(last: int, week_total: float) -> Trend:
    avg = week_total / 7.0
    change = (last - avg) / avg if avg > 0 else None
    return Trend(last_24h=last, week_avg=round(avg, 2), change=change)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def status_name(status: int | None) -> str:
    names = {0: "draft", 1: "active", 2: "paused", 3: "completed", 4: "running subsequences"}
    if status is None:
        return "unknown"
    return names.get(status) or STOPPED_REASONS.get(status, "unknown")


def stop_reason(c: CampaignInput) -> str | None:
    """Why the campaign is not sending, in words, or None when nothing says (module docstring)."""
    mailboxes = [
        f"the mailbox {address} {MAILBOX_PROBLEMS[status]}"
        for address, status in c.mailbox_problems
        if status in MAILBOX_PROBLEMS
    ]
    if mailboxes:
        return "; ".join(mailboxes)
    if c.sending_reason and c.sending_reason not in QUIET_REASONS:
        return SENDING_REASONS.get(c.sending_reason)
    return None


def alerts_for(
    c: CampaignInput, bench: Benchmarks, total: Counts, reply: float | None,
    positive: float | None, bounce: float | None,
) -> tuple[Alert, ...]:  # fmt: skip
    out: list[Alert] = []
    why = stop_reason(c)
    if c.status in STOPPED_REASONS:
        text = STOPPED_REASONS[c.status]
        if why:  # a paused or unhealthy campaign's status says less than its reason
            text = why if c.status in (PAUSED, -1) else f"{text}; {why}"
        out.append(Alert("stopped", "act", f"Sending stopped: {text}"))
    elif c.status in (ACTIVE, RUNNING_SUBSEQUENCES) and c.recent.sent == 0 and why:
        out.append(Alert("stopped", "watch", f"Nothing sent in the last 24 h: {why}"))
    if bounce is not None and bounce >= bench.bounce_act:
        out.append(Alert("bounce", "act", f"Bounce {_pct(bounce)} ≥ {_pct(bench.bounce_act)}: "
                                          "pause and clean the list"))  # fmt: skip
    elif bounce is not None and bounce >= bench.bounce_watch:
        out.append(Alert("bounce", "watch", f"Bounce {_pct(bounce)} ≥ {_pct(bench.bounce_watch)}: "
                                            "watch it"))  # fmt: skip
    if total.new_leads_contacted >= MIN_LEADS_FOR_RATE:
        if reply is not None and reply < bench.reply_rate:
            out.append(Alert("reply_rate", "watch",
                             f"Reply rate {_pct(reply)} under the {_pct(bench.reply_rate)} "
                             "benchmark"))  # fmt: skip
        if positive is not None and positive < bench.positive_rate:
            out.append(Alert("positive_rate", "watch",
                             f"Positive rate {_pct(positive)} under the "
                             f"{_pct(bench.positive_rate)} benchmark"))  # fmt: skip
    return tuple(out)


def _step_tests(rows: tuple[VariantRow, ...]) -> list[tuple[int, tuple[Arm, ...]]]:
    by_step: dict[int, list[VariantRow]] = {}
    for r in rows:
        if r.step >= 0 and r.variant >= 0 and not r.disabled:
            by_step.setdefault(r.step, []).append(r)
    tests = []
    for step in sorted(by_step):
        variants = sorted(by_step[step], key=lambda r: r.variant)
        seen: set[int] = set()
        arms: list[Arm] = []
        for r in variants:
            if r.variant in seen:
                continue
            seen.add(r.variant)
            sent = max(0, r.sent)
            human = min(sent, max(0, r.unique_replies - r.unique_replies_automatic))
            arms.append(Arm(name=letter(r.variant), sent=sent, events=human))
        if 2 <= len(arms) <= 26:
            tests.append((step, tuple(arms)))
    return tests


def _days_to_go(result: dict[str, object], arms: tuple[Arm, ...], days: float | None) -> int | None:
    short = result.get("sends_short")
    if not isinstance(short, dict) or days is None or days <= 0:
        return None
    worst = 0.0
    for arm in arms:
        need = short.get(arm.name)
        if not isinstance(need, int):
            return None
        if need <= 0:
            continue
        pace = arm.sent / days
        if pace <= 0:
            return None
        worst = max(worst, need / pace)
    return math.ceil(worst)


def suggestion_for(c: CampaignInput, min_lift: float = 0.5) -> Suggestion | None:
    """At most one A/B suggestion (module docstring); None with auto-optimise on."""
    if c.auto_optimise:
        return None
    found: dict[str, Suggestion] = {}
    for step, arms in _step_tests(c.steps):
        result = decide(ABTest(arms=arms, min_detectable_lift=min_lift))
        decision = str(result["decision"])
        if decision in found:
            continue
        where = f"Step {step + 1}: "
        message = str(result["message"])
        if decision == "winner":
            winner = str(result["winner"])
            losers = tuple(a.name for a in arms if a.name != winner)
            found[decision] = Suggestion("winner", step, f"{where}disable variant "
                                         f"{', '.join(losers)} — {message}", disable=losers)  # fmt: skip
        elif decision == "no_difference":
            found[decision] = Suggestion("no_difference", step, f"{where}{message}")
        else:
            days = _days_to_go(result, arms, c.test_days)
            pace = f" (about {days} more days at the current pace)" if days else ""
            found[decision] = Suggestion("keep_testing", step, f"{where}{message}{pace}",
                                         days_to_go=days)  # fmt: skip
    for kind in ("winner", "no_difference", "keep_testing"):
        if kind in found:
            return found[kind]
    return None


def analyse(c: CampaignInput, bench: Benchmarks | None = None) -> CampaignDigest:
    """The digest of one campaign (module docstring)."""
    bench = bench or Benchmarks()
    total = c.recent + c.week
    if c.daily:
        week_sent: float = sum(max(0, d.sent) for d in c.daily)
        week_replied: float = sum(
            max(0, d.unique_replies - d.unique_replies_automatic) for d in c.daily
        )
    else:
        week_sent, week_replied = c.week.sent, c.week.human_replies
    reply = rate(total.human_replies, total.new_leads_contacted)
    positive = rate(total.interested, total.new_leads_contacted)
    bounce = rate(total.bounced, total.sent)
    unsub = rate(total.unsubscribed, total.new_leads_contacted)
    opens = rate(total.unique_opened, total.new_leads_contacted) if c.open_tracking else None
    notes: list[str] = []
    if c.auto_optimise:
        notes.append("Instantly's auto-optimise is on: variant allocation is no longer random, "
                     "so no A/B suggestion.")  # fmt: skip
    return CampaignDigest(
        campaign_id=c.campaign_id,
        name=c.name,
        status=status_name(c.status),
        sent=trend(c.recent.sent, week_sent),
        replied=trend(c.recent.human_replies, week_replied),
        positive=trend(c.recent.interested, c.week.interested),
        new_leads_contacted=total.new_leads_contacted,
        reply_rate=reply,
        positive_rate=positive,
        bounce_rate=bounce,
        unsubscribe_rate=unsub,
        open_rate=opens,
        alerts=alerts_for(c, bench, total, reply, positive, bounce),
        suggestion=suggestion_for(c, bench.min_lift),
        notes=tuple(notes),
    )
