"""Coaching messages and modals: the micro-feedback after a call, the rep's weekly digest, the
manager's "add a note?" gate and its note modal, a call's detailed analysis, and the rep's
coaching preferences. Pure builders over small view models (`skills.coaching_digest.Digest`,
`MicroBullet`, `CallDetail`), clipped to Slack's limits from `blocks.text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from blocks.approval import ApprovalView
from blocks.ids import ApprovalAction, CoachingAction, keyed
from blocks.text import (
    BUTTON_VALUE_MAX,
    CONTEXT_TEXT_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    OPTION_TEXT_MAX,
    SECTION_TEXT_MAX,
    VIEW_BLOCKS_MAX,
    clip,
    cut,
    escape,
    plural,
)
from skills.coaching_digest import Digest
from skills.preferences import COACHING_CHOICES, WEEKDAYS

MODE_FIELD, DAY_FIELD = "coaching-field-mode", "coaching-field-day"
TIME_FIELD, NOTE_FIELD = "coaching-field-time", "coaching-field-note"
KIND_LABELS = {"strength": "Strength", "change": "One thing to change", "try": "Try next time"}
NOTE_MAX = 1000  # the manager's note on a digest
CALLS_SHOWN_MAX = 8  # the week's calls with a "View detailed analysis" button
MODAL_LIST_MAX = 12  # questions, objections and moments listed in a call's modal
DIGEST_TIMES = tuple(f"{h:02d}:00" for h in range(6, 21))


@dataclass(frozen=True)
class MicroBullet:
    kind: str  # strength | change | try
    at: str  # mm:ss
    quote: str
    text: str


@dataclass(frozen=True)
class CallDetail:
    """One analysed call as its modal shows it."""

    title: str
    day: str
    call_type: str
    duration: str
    metrics: tuple[tuple[str, str], ...]  # (label, value) already formatted
    questions: tuple[tuple[str, str], ...]  # (kind, text)
    objections: tuple[tuple[str, str, str], ...]  # (type, what was said, what followed)
    moments: tuple[MicroBullet, ...]
    skipped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _md(text: str) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX) if text.strip() else "—")
    )


def _bullet(b: MicroBullet) -> str:
    label = KIND_LABELS.get(b.kind, b.kind.capitalize())
    return f"*{label}* · {escape(b.at)} — “{escape(b.quote)}”\n{escape(b.text)}"


def _buttons(analysis_id: int | None, block_id: str) -> ActionsBlock:
    buttons = []
    if analysis_id is not None:
        buttons.append(ButtonElement(text="View detailed analysis",
                                     action_id=keyed(CoachingAction.VIEW_CALL, analysis_id),
                                     value=str(analysis_id)))  # fmt: skip
    buttons.append(ButtonElement(text="Adjust coaching preferences",
                                 action_id=CoachingAction.OPEN_PREFS, value="prefs"))  # fmt: skip
    return ActionsBlock(block_id=block_id, elements=buttons)


def micro_feedback_blocks(
    title: str, day: str, bullets: Sequence[MicroBullet], analysis_id: int
) -> list[Block]:
    """The 2–3 bullets after a call, each tied to a moment (empty when there is none)."""
    if not bullets:
        return []
    out: list[Block] = [_md(f"*Coaching on {escape(title)}* ({escape(day)})")]
    out.extend(_md(_bullet(b)) for b in bullets[:3])
    out.append(
        ContextBlock(elements=[MarkdownTextObject(
            text="You get this after each recorded call (your coaching preference).")])
    )  # fmt: skip
    out.append(_buttons(analysis_id, "coaching-micro"))
    return out


def micro_feedback_text(title: str, bullets: Sequence[MicroBullet]) -> str:
    return clip(f"Coaching on {title}: {plural(len(bullets), 'note')} from the call", 3000)


def digest_text(d: Digest) -> str:
    return clip(f"Your weekly coaching digest ({d.week_label}): {d.call_mix}", 3000)


def digest_blocks(d: Digest, note: str | None = None, manager: str | None = None) -> list[Block]:
    """The rep's weekly digest: numbers against their trend and the team, what improved, one
    focus area tied to a call, the winning pattern only when it can be claimed, the buttons."""
    out: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"Weekly coaching · {d.week_label}", HEADER_MAX))),
        _md(escape(d.call_mix)),
    ]  # fmt: skip
    if note:
        who = escape(manager) if manager else "Your manager"
        out.append(_md(f"*A note from {who}*\n>{escape(note)}"))
    ct = escape(d.call_type.replace("_", "-"))
    rows = [f"*Your {ct} calls* — this week · your last weeks · team"]
    for ln in d.lines:
        mark = " ↑" if ln.improving else ""
        rows.append(f"{escape(ln.label)}: *{escape(ln.week)}*{mark} · {escape(ln.trend or '—')}"
                    f" · {escape(ln.team or '—')}")  # fmt: skip
    out.append(_md("\n".join(rows)))
    if d.improving:
        out.append(_md("*Improving:* " + escape("; ".join(d.improving))))
    if d.focus is not None:
        m = d.focus.moment
        out.append(_md(
            f"*Focus this week: {escape(d.focus.topic)}* (on {plural(d.focus.calls, 'call')})\n"
            f"{escape(m.call)}, {escape(m.day)} at {escape(m.at)}: “{escape(m.quote)}”\n{escape(m.text)}"
        ))  # fmt: skip
    habits = [x for x in (d.follow_ups, d.briefs) if x]
    if habits:
        out.append(_md("\n".join(escape(x) for x in habits)))
    if d.winning:
        out.append(
            ContextBlock(elements=[MarkdownTextObject(
                text=clip(f"Winning patterns: {escape(d.winning)}", CONTEXT_TEXT_MAX))])
        )  # fmt: skip
    out.append(DividerBlock())
    for c in d.calls_shown[:CALLS_SHOWN_MAX]:
        out.append(SectionBlock(
            text=MarkdownTextObject(text=clip(f"{escape(c.call)} · {escape(c.day)}", SECTION_TEXT_MAX)),
            accessory=ButtonElement(text="View detailed analysis",
                                    action_id=keyed(CoachingAction.VIEW_CALL, c.analysis_id),
                                    value=str(c.analysis_id)),
        ))  # fmt: skip
    out.append(_buttons(None, "coaching-digest"))
    return out[:MESSAGE_BLOCKS_MAX]


def note_request(view: ApprovalView) -> list[Block]:
    """The manager's gate before a rep's digest goes: add a note, or send it as is."""
    value = cut(view.pending_action_id, BUTTON_VALUE_MAX)
    out: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(view.title, HEADER_MAX))),
    ]
    if view.text:
        out.append(_md(view.text))
    out.append(ActionsBlock(block_id=cut(f"coaching-note:{value}", 255), elements=[
        ButtonElement(text="Add a note", action_id=CoachingAction.ADD_NOTE, value=value,
                      style="primary"),
        ButtonElement(text="Send as is", action_id=ApprovalAction.APPROVE, value=value),
    ]))  # fmt: skip
    return out


def note_modal(pending_action_id: str, rep_name: str) -> View:
    return View(
        type="modal",
        callback_id=CoachingAction.NOTE_MODAL,
        private_metadata=pending_action_id,
        title="Add a note",
        submit="Send digest",
        close="Cancel",
        blocks=[
            _md(
                clip(
                    f"Your note goes at the top of {escape(rep_name)}'s weekly coaching digest.",
                    SECTION_TEXT_MAX,
                )
            ),
            InputBlock(
                block_id=NOTE_FIELD,
                label="Note",
                element=PlainTextInputElement(
                    action_id=NOTE_FIELD, multiline=True, max_length=NOTE_MAX
                ),
            ),
        ],
    )


def call_detail_modal(c: CallDetail) -> View:
    """A call's detailed analysis: metrics, questions by type, objections and what followed,
    the moments with their timestamps."""
    out: list[Block] = [
        _md(f"*{escape(c.title)}*\n{escape(c.day)} · {escape(c.call_type.replace('_', '-'))} call"
            f" · {escape(c.duration)}"),
    ]  # fmt: skip
    if c.skipped:
        out.append(_md(f"_{escape(c.skipped)}_"))
    if c.metrics:
        out.append(_md("\n".join(f"{escape(k)}: *{escape(v)}*" for k, v in c.metrics)))
    if c.questions:
        lines = [f"• _{escape(k)}_ — {escape(t)}" for k, t in c.questions[:MODAL_LIST_MAX]]
        out.append(_md(f"*Your questions* ({len(c.questions)})\n" + "\n".join(lines)))
    if c.objections:
        lines = [f"• *{escape(t)}*: “{escape(said)}” — {escape(after)}"
                 for t, said, after in c.objections[:MODAL_LIST_MAX]]  # fmt: skip
        out.append(_md("*Objections and what followed*\n" + "\n".join(lines)))
    if c.moments:
        out.append(_md("*Moments*\n" + "\n\n".join(_bullet(b) for b in c.moments[:MODAL_LIST_MAX])))
    return View(type="modal", title="Call analysis", close="Close", blocks=out[:VIEW_BLOCKS_MAX])


def _opt(value: str, label: str) -> Option:
    return Option(value=value, text=clip(label, OPTION_TEXT_MAX))


def preferences_modal(mode: str, day: str, at: str) -> View:
    """The rep's coaching: after each call, weekly, both or off; the digest's day and time."""
    modes = [_opt(v, label) for v, label in COACHING_CHOICES]
    days = [_opt(k, label) for k, label in WEEKDAYS]
    times = [_opt(t, t) for t in DIGEST_TIMES]
    if at not in DIGEST_TIMES and len(at) == 5:
        times.append(_opt(at, at))
    return View(
        type="modal",
        callback_id=CoachingAction.PREFS_MODAL,
        title="Coaching",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(block_id=MODE_FIELD, label="Coaching I get",
                       element=RadioButtonsElement(
                           action_id=MODE_FIELD, options=modes,
                           initial_option=next((o for o in modes if o.value == mode), modes[0]))),
            InputBlock(block_id=DAY_FIELD, label="Weekly digest day",
                       element=StaticSelectElement(
                           action_id=DAY_FIELD, options=days,
                           initial_option=next((o for o in days if o.value == day), days[0]))),
            InputBlock(block_id=TIME_FIELD, label="Weekly digest time (your zone)",
                       element=StaticSelectElement(
                           action_id=TIME_FIELD, options=times,
                           initial_option=next((o for o in times if o.value == at), times[0]))),
        ],
    )  # fmt: skip
