"""The manager's weekly team digest (`flows.coaching_team`): one section per rep (calls analysed,
talk ratio, questions and open share, follow-up speed, deals at risk and why, focus area), the
two calls most worth listening to and why, Sixty's own numbers for the team with the dismissal
alert, and the win/loss line. Built from coaching analyses and aggregate numbers only: no rep's
draft, email or call transcript is shown. No buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    FALLBACK_TEXT_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    clip,
    escape,
    head_and_rest,
    more_line,
    plural,
)

# header, intro, divider, picks header + 2 picks, divider, numbers, win/loss, context, more line
MAX_REP_SECTIONS = MESSAGE_BLOCKS_MAX - 14
RISKS_SHOWN = 3


@dataclass(frozen=True)
class RiskLine:
    deal: str
    why: str  # e.g. "quiet 21 days, close date passed"


@dataclass(frozen=True)
class RepLine:
    name: str
    calls: int  # analysed calls this week
    talk_ratio: float | None
    questions_per_call: float | None
    open_share: float | None
    follow_up_median_min: float | None
    follow_ups_sent: int
    risks: tuple[RiskLine, ...] = ()
    focus: str | None = None


@dataclass(frozen=True)
class PickLine:
    rep: str
    title: str
    reason: str


@dataclass(frozen=True)
class TeamDigestView:
    manager: str
    week: str  # e.g. "30 Nov – 6 Dec"
    reps: tuple[RepLine, ...]
    picks: tuple[PickLine, ...]
    numbers: str  # Sixty's success numbers for the team, one line
    dismissal_alert: str | None  # set when the team dismisses more than 15 % of suggestions
    win_loss: str  # the honest win/loss line(s)
    why: str = ""  # why the manager gets this
    quiet_reps: tuple[str, ...] = field(default=())  # reps without an analysed call


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{round(100 * v)}%"


def rep_text(r: RepLine) -> str:
    talk = f"talk {_pct(r.talk_ratio)}"
    q = (
        "questions –"
        if r.questions_per_call is None
        else f"{r.questions_per_call:.1f} questions a call ({_pct(r.open_share)} open)"
    )
    follow = (
        f"follow-up median {r.follow_up_median_min:g} min ({r.follow_ups_sent} sent)"
        if r.follow_up_median_min is not None
        else "no follow-up sent through Sixty"
    )
    lines = [f"*{escape(r.name)}* · {plural(r.calls, 'call')} · {talk} · {q} · {follow}"]
    shown, rest = head_and_rest(list(r.risks), RISKS_SHOWN)
    if shown:
        risks = "; ".join(f"{escape(x.deal)} ({escape(x.why)})" for x in shown)
        lines.append(f"Deals at risk: {risks}" + (f" and {rest} more" if rest else ""))
    else:
        lines.append("Deals at risk: none")
    lines.append(f"Focus: {escape(r.focus)}" if r.focus else "Focus: on the team norm this week")
    return "\n".join(lines)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def team_digest_blocks(v: TeamDigestView) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"Your team's coaching week · {v.week}", HEADER_MAX)),
        _section(
            f"From the coaching analyses of your team's calls ({plural(len(v.reps), 'rep')} "
            "with calls). Reps' drafts and emails are never shown here."
        ),
    ]
    shown, rest = head_and_rest(list(v.reps), MAX_REP_SECTIONS)
    blocks.extend(_section(rep_text(r)) for r in shown)
    if rest:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=more_line(rest, "more reps"))])
        )
    if v.quiet_reps:
        names = ", ".join(escape(n) for n in v.quiet_reps)
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=clip(f"No analysed calls this week: {names}", CONTEXT_TEXT_MAX)
                    )
                ]
            )
        )
    blocks.append(DividerBlock())
    if v.picks:
        lines = [
            f"{i}. *{escape(p.title)}* ({escape(p.rep)}): {escape(p.reason)}"
            for i, p in enumerate(v.picks, start=1)
        ]
        heading = "*Worth listening to this week*" if len(v.picks) > 1 else "*Worth a listen*"
        blocks.append(_section(heading + "\n" + "\n".join(lines)))
    else:
        blocks.append(
            _section(
                "*Worth listening to*\nNo call stood out this week (nothing left unanswered "
                "on a late-stage deal, nothing far from the team norm)."
            )
        )
    numbers = f"*Sixty for your team (7 days)*\n{escape(v.numbers)}"
    if v.dismissal_alert:
        numbers += f"\n:warning: {escape(v.dismissal_alert)}"
    blocks.append(_section(numbers))
    blocks.append(_section(f"*Won and lost deals*\n{escape(v.win_loss)}"))
    if v.why:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=clip(escape(v.why), CONTEXT_TEXT_MAX))])
        )
    return blocks[:MESSAGE_BLOCKS_MAX]


def team_digest_text(v: TeamDigestView) -> str:
    """The notification text (fallback for clients without blocks)."""
    calls = sum(r.calls for r in v.reps)
    return clip(
        f"Your team's coaching week ({v.week}): {plural(calls, 'call')} analysed across "
        f"{plural(len(v.reps), 'rep')}, {plural(len(v.picks), 'call')} worth a listen.",
        FALLBACK_TEXT_MAX,
    )
