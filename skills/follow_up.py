"""Drafting the post-meeting follow-up email (offline engine: templates over what was said).

The draft references what was actually said (highlights quoted from the call), restates
the agreed next steps with their dates on both sides, and ends with the rep's signature.
It is written in the first person, plainly, the way a rep writes to a prospect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from skills.signal_quotes import distinct


@dataclass(frozen=True)
class Step:
    """An agreed next step: what, who owes it, and by when."""

    text: str
    owner: str  # rep | prospect
    due: date | None = None


@dataclass(frozen=True)
class FollowUpInput:
    rep_name: str
    prospect_names: list[str]
    company: str | None
    meeting_title: str
    meeting_date: date
    highlights: list[str] = field(
        default_factory=list
    )  # short paraphrases of what the prospect said
    steps: list[Step] = field(default_factory=list)
    next_meeting: str | None = None  # e.g. "Tuesday morning"
    signature: str | None = None
    written_on: date | None = None  # the rep's local date when drafting ("today", "yesterday")
    meeting_date_known: bool = True  # False: no recorded start, so no day is named


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str


def _first_name(name: str) -> str:
    return name.strip().split()[0] if name.strip() else ""


def _greeting(names: list[str]) -> str:
    firsts = [f for f in (_first_name(n) for n in names) if f]
    if not firsts:
        return "Hi,"
    if len(firsts) == 1:
        return f"Hi {firsts[0]},"
    if len(firsts) == 2:
        return f"Hi {firsts[0]} and {firsts[1]},"
    return "Hi all,"


def due_phrase(due: date | None, today: date) -> str:
    if due is None:
        return ""
    delta = (due - today).days
    if delta == 0:
        return " today"
    if delta == 1:
        return " tomorrow"
    if 1 < delta < 7:
        return f" by {due:%A}"
    return f" by {due:%A %-d %B}"


_PRONOUNS = (
    (re.compile(r"^(?:i'll|i will|i'm going to|i am going to|let me)\s+", re.I), ""),
    (re.compile(r"^(?:we'll|we will)\s+", re.I), ""),
)


def _as_action(text: str) -> str:
    """ "I'll send you a proposal by Friday." -> "send you a proposal" (deadline handled apart)."""
    t = text.strip().rstrip(".!")
    for pattern, repl in _PRONOUNS:
        t = pattern.sub(repl, t)
    t = re.sub(r"\s+(?:by|before|on|this|next)\s+(?:end of\s+)?\w+(?:\s+\w+)?$", "", t, flags=re.I)
    return t[:1].lower() + t[1:] if t else t


_LEAD_IN = re.compile(
    r"^(?:(?:but|and|so|well|honestly|okay|ok|yeah|yes|look|also)\b[,\s]*)+", re.I
)


def _highlight(text: str) -> str:
    """A spoken line as a bullet: no leading "But"/"So"/"Honestly", capitalised, no full stop."""
    t = _LEAD_IN.sub("", text.strip()).rstrip(".!")
    return t[:1].upper() + t[1:]


def _rep_line(step: Step, today: date) -> str:
    action = (
        _as_action(step.text)
        .replace("send you", "send over")
        .replace("send both over", "send both")
    )
    return f"- I'll {action}{due_phrase(step.due, today)}"


def _prospect_line(step: Step, today: date) -> str:
    action = _as_action(step.text)
    action = re.sub(r"\b(?:our|my)\b", "your", action)
    action = re.sub(r"\bget back to you\b", "get back to me", action)
    return f"- You'll {action}{due_phrase(step.due, today)}"


def subject_for(company: str | None, meeting_title: str) -> str:
    if company:
        return f"Following up: {company} and Sixty"
    title = meeting_title.strip() or "our call"
    return f"Following up on {title}"[:120]


def _when_met(data: FollowUpInput) -> str:
    """`today`, `yesterday`, `on Tuesday`, `on Tuesday 3 November`: the meeting's own date."""
    met, now = data.meeting_date, data.written_on
    if not data.meeting_date_known:
        return "earlier"
    if now is not None and (now - met).days == 0:
        return "today"
    if now is not None and (now - met).days == 1:
        return "yesterday"
    if now is None or 0 < (now - met).days < 7:
        return f"on {met:%A}"
    return f"on {met:%A} {met.day} {met:%B}"


def draft_follow_up(data: FollowUpInput) -> Draft:
    today = data.meeting_date
    lines: list[str] = [_greeting(data.prospect_names), ""]
    lines.append(f"Thanks for the time {_when_met(data)}, it was a useful conversation.")
    highlights = distinct([h for h in (_highlight(h) for h in data.highlights) if h])
    if highlights:
        lines.append("")
        lines.append("What I took away:")
        lines.extend(f"- {h}" for h in highlights[:4])
    rep_steps = [s for s in data.steps if s.owner == "rep"]
    prospect_steps = [s for s in data.steps if s.owner == "prospect"]
    if rep_steps or prospect_steps or data.next_meeting:
        lines.append("")
        lines.append("Next steps as agreed:")
        lines.extend(_rep_line(s, today) for s in rep_steps)
        lines.extend(_prospect_line(s, today) for s in prospect_steps)
        if data.next_meeting:
            lines.append(f"- We'll meet again {data.next_meeting}; I'll send an invite.")
    lines.append("")
    lines.append("If I missed anything, just reply and I'll pick it up.")
    lines.append("")
    lines.append("Best,")
    lines.append(
        data.signature.strip() if data.signature else _first_name(data.rep_name) or data.rep_name
    )
    return Draft(subject=subject_for(data.company, data.meeting_title), body="\n".join(lines))
