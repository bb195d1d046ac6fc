"""Post-meeting messages: the summary, the follow-up preview, task batch review, stage change.

Pure builders over small view models, within Slack's limits for any input: long lists are
cut with "…and N more", long texts are clipped, and every message stays under 50 blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

from blocks.ids import ApprovalAction, PostMeetingAction
from blocks.text import (
    BLOCK_ID_MAX,
    CONTEXT_TEXT_MAX,
    FIELD_TEXT_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    clip,
    cut,
    escape,
    head_and_rest,
    more_line,
)

PREVIEW_BODY_CHARS = 900


@dataclass(frozen=True)
class ItemRow:
    text: str
    owner: str | None  # "You", "Sarah (Acme)", or None when unsure
    due: str | None = None


@dataclass(frozen=True)
class SummaryModel:
    title: str
    when: str  # "Tue 18 Nov, 15:00 EST"
    attendees: list[str]
    key_moments: list[str] = field(default_factory=list)
    action_items: list[ItemRow] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    why: str = "You were in this meeting and Sixty recorded it."
    undo_job_id: int | None = None  # offer "Undo CRM changes" for this job's applied changes


@dataclass(frozen=True)
class FollowUpPreview:
    pending_action_id: str
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    context: str = ""  # e.g. "From your call with Acme Corp, Tue 15:00"
    expanded: bool = False
    send_label: str = "Send"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def _bullets(title: str, lines: list[str], keep: int) -> SectionBlock | None:
    shown, hidden = head_and_rest(lines, keep)
    if not shown:
        return None
    body = "\n".join(f"• {escape(line)}" for line in shown)
    if hidden:
        body += "\n" + more_line(hidden)
    return _section(f"*{title}*\n{body}")


def summary_blocks(m: SummaryModel) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(f"Meeting recap: {m.title}", HEADER_MAX))]
    people, more_people = head_and_rest(m.attendees, 8)
    who = ", ".join(escape(p) for p in people) + (f" +{more_people}" if more_people else "")
    blocks.append(_section(f"{escape(m.when)} · {who}"))
    items = [
        f"{escape(i.text)} — {escape(i.owner) if i.owner else ':grey_question: owner unclear'}"
        + (f", due {escape(i.due)}" if i.due else "")
        for i in m.action_items
    ]
    for title, lines, keep in (
        ("Key moments", [escape(k) for k in m.key_moments], 5),
        ("Action items", items, 8),
        ("Signals", [escape(s) for s in m.signals], 6),
        ("Updated for you", [escape(u) for u in m.updated], 6),
        ("Waiting for you", [escape(w) for w in m.waiting], 6),
    ):
        shown, hidden = head_and_rest(lines, keep)
        if shown:
            text = "\n".join(f"• {line}" for line in shown) + (
                f"\n{more_line(hidden)}" if hidden else ""
            )
            blocks.append(_section(f"*{title}*\n{text}"))
    if m.undo_job_id is not None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Undo CRM changes",
                        action_id=PostMeetingAction.ROLLBACK,
                        value=str(m.undo_job_id),
                    )
                ]
            )
        )
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=clip(escape(m.why), CONTEXT_TEXT_MAX))])
    )
    return blocks[:MESSAGE_BLOCKS_MAX]


def _split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def follow_up_preview(p: FollowUpPreview) -> list[Block]:
    """Pattern 1: to, cc, subject, body (cut with an expand button), Send / Edit / Skip / Feedback."""
    value = p.pending_action_id
    blocks: list[Block] = [HeaderBlock(text=clip(f"Follow-up ready: {p.subject}", HEADER_MAX))]
    fields = [
        MarkdownTextObject(text=clip(f"*To*\n{escape(', '.join(p.to)) or '—'}", FIELD_TEXT_MAX)),
        MarkdownTextObject(text=clip(f"*Subject*\n{escape(p.subject)}", FIELD_TEXT_MAX)),
    ]
    if p.cc:
        fields.insert(
            1, MarkdownTextObject(text=clip(f"*Cc*\n{escape(', '.join(p.cc))}", FIELD_TEXT_MAX))
        )
    blocks.append(SectionBlock(fields=fields))
    body = escape(p.body)
    if p.expanded or len(body) <= PREVIEW_BODY_CHARS:
        chunks = _split(body, SECTION_TEXT_MAX - 10)[:20]
        blocks.extend(_section(f"```{c}```") for c in chunks)
        expand = None
    else:
        blocks.append(_section(f"```{clip(body, PREVIEW_BODY_CHARS)}```"))
        expand = ButtonElement(
            text="Show full draft", action_id=PostMeetingAction.EXPAND_DRAFT, value=value
        )
    buttons = [
        ButtonElement(
            text=p.send_label, action_id=ApprovalAction.APPROVE, value=value, style="primary"
        ),
        ButtonElement(text="Edit", action_id=ApprovalAction.EDIT, value=value),
        ButtonElement(text="Skip", action_id=ApprovalAction.SKIP, value=value),
        ButtonElement(text="Feedback", action_id=ApprovalAction.FEEDBACK, value=value),
    ]
    if expand is not None:
        buttons.append(expand)
    blocks.append(ActionsBlock(block_id=cut(f"followup:{value}", BLOCK_ID_MAX), elements=buttons))
    if p.context:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=clip(escape(p.context), CONTEXT_TEXT_MAX))]
            )
        )
    return blocks[:MESSAGE_BLOCKS_MAX]


@dataclass(frozen=True)
class TaskRow:
    index: int
    title: str
    due: str | None
    source: str  # "Sarah: 'Can you send me the whitepaper?'"


def tasks_review(pending_action_id: str, title: str, tasks: list[TaskRow]) -> list[Block]:
    """Pattern 3: one row per task with its own Add/Skip, then Add all / Dismiss."""
    blocks: list[Block] = [HeaderBlock(text=clip(title, HEADER_MAX))]
    shown, hidden = head_and_rest(tasks, 20)
    for t in shown:
        due = f" · due {escape(t.due)}" if t.due else ""
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(f"*{escape(t.title)}*{due}\n_{escape(t.source)}_", SECTION_TEXT_MAX)
                ),
                accessory=ButtonElement(
                    text="Skip this one",
                    action_id=PostMeetingAction.SKIP_TASK,
                    value=f"{pending_action_id}:{t.index}",
                ),
            )
        )
    if hidden:
        blocks.append(_section(more_line(hidden, "more tasks (added with Add all)")))
    blocks.append(
        ActionsBlock(
            block_id=cut(f"tasks:{pending_action_id}", BLOCK_ID_MAX),
            elements=[
                ButtonElement(
                    text="Add all",
                    action_id=ApprovalAction.APPROVE,
                    value=pending_action_id,
                    style="primary",
                ),
                ButtonElement(
                    text="Dismiss", action_id=ApprovalAction.SKIP, value=pending_action_id
                ),
            ],
        )
    )
    return blocks[:MESSAGE_BLOCKS_MAX]


@dataclass(frozen=True)
class FieldChangeRow:
    field: str
    old: str
    new: str
    quote: str
    at: str  # "14:32"


def crm_changes_review(
    pending_action_id: str, deal_name: str, changes: list[FieldChangeRow]
) -> list[Block]:
    """A proposed diff ("Stage: Discovery -> Proposal, from 'budget is approved' at 14:32")."""
    blocks: list[Block] = [HeaderBlock(text=clip(f"CRM update for {deal_name}", HEADER_MAX))]
    shown, hidden = head_and_rest(changes, 10)
    for c in shown:
        blocks.append(
            _section(
                f"*{escape(c.field)}*: {escape(c.old) or '—'} → *{escape(c.new)}*\n"
                f"_from “{escape(clip(c.quote, 300))}” at {escape(c.at)}_"
            )
        )
    if hidden:
        blocks.append(_section(more_line(hidden, "more changes")))
    blocks.append(
        ActionsBlock(
            block_id=cut(f"crm:{pending_action_id}", BLOCK_ID_MAX),
            elements=[
                ButtonElement(
                    text="Apply",
                    action_id=ApprovalAction.APPROVE,
                    value=pending_action_id,
                    style="primary",
                ),
                ButtonElement(
                    text="Not now", action_id=ApprovalAction.SKIP, value=pending_action_id
                ),
            ],
        )
    )
    blocks.append(DividerBlock())
    return blocks[:MESSAGE_BLOCKS_MAX]


def not_recorded_blocks(title: str, reason: str) -> list[Block]:
    return [
        _section(
            f":warning: *Your meeting “{escape(clip(title, 200))}” was not recorded.*\n{escape(reason)}"
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="No follow-up was drafted. You can still ask me with `/60 help`."
                )
            ]
        ),
    ]


def approved_copy_blocks(to: list[str], subject: str, body: str) -> list[Block]:
    """Until sending as the rep is connected: the approved draft, ready to copy."""
    text = f"To: {', '.join(to)}\nSubject: {subject}\n\n{body}"
    chunks = _split(escape(text), SECTION_TEXT_MAX - 10)[:20]
    blocks: list[Block] = [
        _section(":white_check_mark: *Follow-up approved.* Copy it into your mail client:"),
        *(_section(f"```{c}```") for c in chunks),
    ]
    return blocks[:MESSAGE_BLOCKS_MAX]
