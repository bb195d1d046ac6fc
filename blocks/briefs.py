"""Block Kit for the morning brief and the pre-meeting brief, from `skills.briefs` view models.

Morning brief: greeting with name and weekday; TODAY'S MEETINGS (time, contact, company,
purpose, prep state); NEEDS YOUR ATTENTION (Draft reply / View email / Check calendar /
Qualify first); PIPELINE PULSE; OVERNIGHT UPDATES; Expand pipeline / Show full inbox. Empty
sections are left out. Every proactive message ends with one line saying why the rep sees it
and a one-click mute for that kind. Within Slack's limits whatever the data ("…and N more").
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.ids import ProactiveAction, keyed
from blocks.text import (
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    CONTEXT_TEXT_MAX,
    FALLBACK_TEXT_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    clip,
    cut,
    escape,
)
from skills.briefs import MorningBrief, PreMeetingBrief

MAX_MEETINGS = 8
MAX_ATTENTION = 5
MAX_PULSE = 8
MAX_PREP_BUTTONS = 5
KIND_LABELS = {
    "morning_brief": "morning briefs",
    "pre_meeting": "pre-meeting briefs",
    "pipeline": "pipeline alerts",
}
PREP_LABELS = {
    "ready": "Prep ready →",
    "prepping": "Prepping now…",
    "none": "No prep needed",
    "started": "Already started",
}
ACTION_LABELS = {
    "draft_reply": ("Draft reply", ProactiveAction.DRAFT_REPLY),
    "view_email": ("View email", ProactiveAction.VIEW_EMAIL),
    "check_calendar": ("Check calendar", ProactiveAction.CHECK_CALENDAR),
    "qualify": ("Qualify first", ProactiveAction.QUALIFY),
}


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=clip(text, BUTTON_TEXT_MAX),
        action_id=action_id,
        value=cut(value, BUTTON_VALUE_MAX),
        style=style,
    )


def lines_with_more(lines: list[str], keep: int) -> str:
    shown = lines[:keep]
    hidden = len(lines) - len(shown)
    body = "\n".join(shown)
    return body + (f"\n…and {hidden} more" if hidden else "")


def why_blocks(kind: str, why: str) -> list[Block]:
    """The one line saying why the rep sees this, and a one-click mute for this kind."""
    label = KIND_LABELS.get(kind, kind.replace("_", " "))
    return [
        ContextBlock(elements=[MarkdownTextObject(text=clip(escape(why), CONTEXT_TEXT_MAX))]),
        ActionsBlock(elements=[button(f"Mute {label}", ProactiveAction.MUTE, kind)]),
    ]


def morning_brief_text(b: MorningBrief) -> str:
    return clip(
        f"{b.greeting} {len(b.meetings)} meetings today, {len(b.attention)} emails need you.",
        FALLBACK_TEXT_MAX,
    )


def morning_brief_blocks(b: MorningBrief, why: str) -> list[dict[str, Any]]:
    blocks: list[Block] = [section(f"*{escape(b.greeting)}*")]
    if b.meetings:
        lines = [
            f"• *{m.time}* — {escape(m.text)} · _{PREP_LABELS.get(m.prep, m.prep)}_"
            for m in b.meetings
        ]
        blocks.append(section("*TODAY'S MEETINGS*\n" + lines_with_more(lines, MAX_MEETINGS)))
        prep = [m for m in b.meetings if m.prep == "ready"][:MAX_PREP_BUTTONS]
        if prep:
            blocks.append(
                ActionsBlock(
                    elements=[
                        button(
                            f"Prep {m.time}: {m.text}",
                            keyed(ProactiveAction.PREP, m.event_id),
                            str(m.event_id),
                        )
                        for m in prep
                    ]
                )
            )
    if b.attention:
        blocks.append(section("*NEEDS YOUR ATTENTION*"))
        for a in b.attention[:MAX_ATTENTION]:
            blocks.append(section(f"• {escape(a.text)}"))
            value = json.dumps(
                {"message_id": a.message_id, "contact_id": a.contact_id, "deal_id": a.deal_id}
            )
            blocks.append(
                ActionsBlock(
                    elements=[
                        button(ACTION_LABELS[x][0], ACTION_LABELS[x][1], value)
                        for x in a.actions
                        if x in ACTION_LABELS
                    ]
                )
            )
        if len(b.attention) > MAX_ATTENTION:
            blocks.append(section(f"…and {len(b.attention) - MAX_ATTENTION} more"))
    if b.pulse:
        lines = [f"• {escape(p.text)}" for p in b.pulse]
        blocks.append(section("*PIPELINE PULSE*\n" + lines_with_more(lines, MAX_PULSE)))
        if b.at_risk_deal_ids:
            blocks.append(
                ActionsBlock(
                    elements=[button("Review stale deals", ProactiveAction.REVIEW_STALE, "brief")]
                )
            )
    if b.overnight:
        blocks.append(
            section("*OVERNIGHT UPDATES*\n" + "\n".join(f"• {escape(o)}" for o in b.overnight))
        )
    blocks.append(
        ActionsBlock(
            elements=[
                button("Expand pipeline", ProactiveAction.EXPAND_PIPELINE, "pipeline"),
                button("Show full inbox", ProactiveAction.SHOW_INBOX, "inbox"),
            ]
        )
    )
    blocks.append(DividerBlock())
    blocks.extend(why_blocks("morning_brief", why))
    return [blk.to_dict() for blk in blocks[:MESSAGE_BLOCKS_MAX]]


def pre_meeting_text(b: PreMeetingBrief) -> str:
    return clip(f"Prep for {b.headline}", FALLBACK_TEXT_MAX)


def pre_meeting_blocks(b: PreMeetingBrief, why: str) -> list[dict[str, Any]]:
    blocks: list[Block] = [HeaderBlock(text=clip(f"Prep: {b.headline}", HEADER_MAX))]
    if b.who:
        blocks.append(
            section("*Who's coming*\n" + lines_with_more([f"• {escape(w)}" for w in b.who], 6))
        )
    if b.deal:
        blocks.append(section(f"*Deal* {escape(b.deal)}"))
    delta = [f"• {escape(c)}" for c in b.changes]
    blocks.append(
        section(f"*{escape(b.since)}*" + ("\n" + lines_with_more(delta, 8) if delta else ""))
    )
    if b.open_items:
        blocks.append(
            section("*Open items*\n" + lines_with_more([f"• {escape(o)}" for o in b.open_items], 6))
        )
    if b.news:
        blocks.append(section("*Company news*\n" + "\n".join(f"• {escape(n)}" for n in b.news)))
    if b.goals:
        blocks.append(
            section("*Goals for the call*\n" + "\n".join(f"• {escape(g)}" for g in b.goals))
        )
    if b.questions:
        blocks.append(
            section("*Questions to ask*\n" + "\n".join(f"• {escape(q)}" for q in b.questions))
        )
    if b.deal_id is not None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Draft proposal",
                        action_id=ProactiveAction.DRAFT_PROPOSAL.value,
                        value=str(b.deal_id),
                    )
                ]
            )
        )
    blocks.append(DividerBlock())
    blocks.extend(why_blocks("pre_meeting", why))
    return [blk.to_dict() for blk in blocks[:MESSAGE_BLOCKS_MAX]]
