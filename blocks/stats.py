"""`/60 stats`: Sixty's own success numbers for a rep, or for a manager's team (each rep and
the total). The figures and what each one counts come from `skills.success_metrics`; a dismissal
rate above 15 % is flagged."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.text import (
    CONTEXT_TEXT_MAX,
    FIELD_TEXT_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    clip,
    escape,
    plural,
)
from skills.success_metrics import DISMISSAL_ALERT, RepFigures, SuccessFigures

HOW = (
    "Follow-ups: emails I sent for you after a recorded call. Briefs: on time means at least 5 "
    "minutes before an external meeting; opened means you clicked one of its buttons before "
    "the meeting (Slack does not tell me when you only read it). Suggestions: everything I asked "
    "you to approve; ignored ones expired."
)
ALERT = f":warning: more than {round(DISMISSAL_ALERT * 100)}% dismissed"
# header + total + divider + context, then one section per rep, the last one saying how many more
MAX_REP_SECTIONS = MESSAGE_BLOCKS_MAX - 6


def pct(rate: float | None) -> str:
    return "no data" if rate is None else f"{round(rate * 100)}%"


def has_data(f: SuccessFigures) -> bool:
    """Anything counted at all."""
    return any(
        (f.meetings, f.briefs_due, f.suggestions, f.messages, f.stale_deals_suggested,
         f.scheduling_requests)
    )  # fmt: skip


def figure_lines(f: SuccessFigures) -> list[tuple[str, str]]:
    """(label, text) for each figure, in the order shown."""
    median = (
        f", median {f.follow_up_median_minutes:g} min after the call"
        if f.follow_up_median_minutes is not None
        else ""
    )
    dismissed = f"{f.suggestions_dismissed} dismissed ({pct(f.dismissal_rate)})"
    if f.dismissal_alert:
        dismissed += f" {ALERT}"
    per_week = (
        f" ({f.re_engaged_per_rep_week:g} per rep per week)"
        if f.re_engaged_per_rep_week is not None
        else ""
    )
    return [
        ("Follow-ups", f"{f.follow_ups_within_10min} of {plural(f.meetings, 'recorded meeting')} "
                       f"followed up within 10 minutes ({pct(f.follow_up_within_10min_rate)}); "
                       f"{f.follow_ups_sent} sent in all{median}"),
        ("Pre-meeting briefs", f"{f.briefs_on_time} of {f.briefs_due} on time "
                               f"({pct(f.brief_on_time_rate)}); {f.briefs_opened} opened before the "
                               f"meeting ({pct(f.brief_opened_rate)})"),
        ("CRM after meetings", f"{f.crm_complete} of {plural(f.meetings, 'meeting')} fully updated "
                               f"({pct(f.crm_complete_rate)})"),
        ("Suggestions", f"{f.suggestions_accepted} of {f.suggestions} accepted "
                        f"({pct(f.acceptance_rate)}), {dismissed}, {f.suggestions_ignored} ignored"),
        ("Buttons", f"{f.messages_engaged} of {plural(f.messages, 'message')} clicked "
                    f"({pct(f.button_engagement_rate)})"),
        ("Stale deals", f"{f.stale_deals_re_engaged} of {plural(f.stale_deals_suggested, 'deal')} "
                        f"re-engaged{per_week}"),
        ("Scheduling", f"{f.scheduling_handled} of {plural(f.scheduling_requests, 'request')} "
                       f"answered with times ({pct(f.scheduling_handled_rate)}); "
                       f"{plural(f.meetings_booked, 'meeting')} booked"),
    ]  # fmt: skip


def _fields(f: SuccessFigures) -> SectionBlock:
    return SectionBlock(
        fields=[
            MarkdownTextObject(text=clip(f"*{label}*\n{escape(text)}", FIELD_TEXT_MAX))
            for label, text in figure_lines(f)
        ]
    )


def _window(days: int) -> str:
    return f"last {plural(days, 'day')}"


def _nothing(days: int, who: str) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(
            text=f"Nothing to count for {who} in the {_window(days)} yet: the numbers start with a "
            "recorded meeting, a pre-meeting brief or something I asked you to approve."
        )
    )


def rep_stats_blocks(f: SuccessFigures) -> list[Block]:
    """A rep's own numbers."""
    blocks: list[Block] = [HeaderBlock(text=clip(f"Your numbers, {_window(f.days)}", HEADER_MAX))]
    blocks.append(_fields(f) if has_data(f) else _nothing(f.days, "you"))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(HOW, CONTEXT_TEXT_MAX))]))
    return blocks


def _rep_line(r: RepFigures) -> str:
    f = r.figures
    if not has_data(f):
        return f"*{escape(r.name)}*: nothing to count yet"
    alert = f" {ALERT}" if f.dismissal_alert else ""
    return (
        f"*{escape(r.name)}*: follow-ups within 10 min {f.follow_ups_within_10min}/{f.meetings}"
        f" · briefs on time {f.briefs_on_time}/{f.briefs_due}"
        f" · CRM complete {f.crm_complete}/{f.meetings}"
        f" · accepted {pct(f.acceptance_rate)} · dismissed {pct(f.dismissal_rate)}{alert}"
        f" · buttons {pct(f.button_engagement_rate)}"
        f" · stale deals re-engaged {f.stale_deals_re_engaged}"
        f" · scheduling {f.scheduling_handled}/{f.scheduling_requests}"
    )


def team_stats_blocks(total: SuccessFigures, reps: list[RepFigures]) -> list[Block]:
    """A manager's team: the total, then one line per rep (in the order given)."""
    blocks: list[Block] = [
        HeaderBlock(
            text=clip(
                f"Your team's numbers, {_window(total.days)} ({plural(len(reps), 'rep')})",
                HEADER_MAX,
            )
        )
    ]
    blocks.append(_fields(total) if has_data(total) else _nothing(total.days, "your team"))
    blocks.append(DividerBlock())
    shown = reps if len(reps) <= MAX_REP_SECTIONS else reps[: MAX_REP_SECTIONS - 1]
    for r in shown:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip(_rep_line(r), SECTION_TEXT_MAX)))
        )
    if len(shown) < len(reps):
        more = plural(len(reps) - len(shown), "more rep")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"…and {more} not shown here.")))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(HOW, CONTEXT_TEXT_MAX))]))
    return blocks


def stats_text(f: SuccessFigures, *, team: bool = False) -> str:
    """The notification text (the blocks carry the detail)."""
    whose = "Your team's" if team else "Your"
    alert = f" {ALERT}" if f.dismissal_alert else ""
    return (
        f"{whose} numbers, {_window(f.days)}: {pct(f.follow_up_within_10min_rate)} of meetings "
        f"followed up within 10 minutes, {pct(f.acceptance_rate)} of suggestions accepted{alert}"
    )
