"""Approval-gate messages: the request with its buttons, and its resolved and expired forms.

Pure functions from a small view model to `slack_sdk.models.blocks` blocks, truncated to
Slack's limits from `blocks.text`. Every button's value is the pending action id;
the action ids come from `blocks.ids.ApprovalAction`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from blocks.email_received import answering_blocks
from blocks.ids import ApprovalAction
from blocks.text import (
    BLOCK_ID_MAX,
    BUTTON_VALUE_MAX,
    FIELD_TEXT_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_FIELDS_MAX,
    SECTION_TEXT_MAX,
    clip,
    cut,
    escape,
)

DECISION_WORDS = {
    "approve": "Approved",
    "approved": "Approved",
    "edit": "Edited and approved",
    "edited": "Edited and approved",
    "skip": "Skipped",
    "skipped": "Skipped",
    "cancel": "Cancelled",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class ApprovalView:
    """What the rep is asked to approve. `fields` are short label/value pairs."""

    pending_action_id: str
    title: str
    text: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    allow_edit: bool = True
    allow_cancel: bool = True
    kind: str = "generic"
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(
        cls, pending_action_id: str, kind: str, payload: dict[str, Any]
    ) -> ApprovalView:
        title = str(payload.get("title") or f"Approval needed: {kind.replace('_', ' ')}")
        text = str(payload.get("text") or payload.get("body") or payload.get("summary") or "")
        raw = payload.get("fields") or {}
        fields = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        draft = payload.get("draft")
        if isinstance(draft, dict) and not text:
            text = draft_summary(draft)
        return cls(
            pending_action_id,
            title,
            text,
            fields,
            allow_edit=kind not in NOT_EDITABLE,
            kind=kind,
            payload=payload,
        )


# Gates whose payload has nothing a person could edit in a modal (a yes/no question).
NOT_EDITABLE = frozenset(
    {"email_recipients", "stage_change", "calendar_invite", "proposal_discount", "coaching_note"}
)


def draft_summary(draft: dict[str, Any]) -> str:
    """One short paragraph for a resolved or expired email approval."""
    to = ", ".join(str(a) for a in draft.get("to") or []) or "—"
    return clip(f"*To:* {to}\n*Subject:* {draft.get('subject', '')}", SECTION_TEXT_MAX)


def _email_request(view: ApprovalView) -> list[Block] | None:
    """Pattern 1 for email approvals: to, cc, subject, body, Send / Edit / Skip / Feedback."""
    from blocks.post_meeting import FollowUpPreview, follow_up_preview

    draft = view.payload.get("draft")
    if not isinstance(draft, dict):
        return None
    answering = view.payload.get("answering")
    extra = (
        answering_blocks(str(answering.get("sender") or ""), str(answering.get("excerpt") or ""),
                         [str(q) for q in answering.get("to_confirm") or []])
        if isinstance(answering, dict) else []
    )  # fmt: skip
    preview = follow_up_preview(
        FollowUpPreview(
            pending_action_id=view.pending_action_id,
            to=[str(a) for a in draft.get("to") or []],
            cc=[str(a) for a in draft.get("cc") or []],
            subject=str(draft.get("subject") or ""),
            body=str(draft.get("body") or ""),
            context=str(view.payload.get("context") or ""),
            expanded=bool(view.payload.get("expanded")),
        )
    )
    files = [
        str(a.get("filename") or "") for a in draft.get("attachments") or [] if isinstance(a, dict)
    ]
    if files:  # what goes with the email: "📎 Proposal.pdf"
        line = "  ".join(f"📎 {escape(f)}" for f in files if f)
        extra = [
            ContextBlock(elements=[MarkdownTextObject(text=clip(line, SECTION_TEXT_MAX))]),
            *extra,
        ]
    # The email being answered (and its attachments) sit between the draft and its buttons.
    at = next((i for i, b in enumerate(preview) if isinstance(b, ActionsBlock)), len(preview))
    return (preview[:at] + extra + preview[at:])[:MESSAGE_BLOCKS_MAX]


def _tasks_request(view: ApprovalView) -> list[Block] | None:
    """Pattern 3 for a batch of tasks: one row each with its own Skip, then Add all / Dismiss."""
    from blocks.post_meeting import TaskRow, tasks_review

    tasks = view.payload.get("tasks")
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and "n" in t for t in tasks):
        return None
    rows = [
        TaskRow(
            index=int(t["n"]),
            title=str(t.get("title") or t.get("description") or ""),
            due=t.get("due"),
            source=str(t.get("source") or ""),
        )
        for t in tasks
    ]
    return tasks_review(view.pending_action_id, view.title, rows)


def _proposal_request(view: ApprovalView) -> list[Block] | None:
    from blocks.proposals import review_card

    return review_card(view) if isinstance(view.payload.get("draft"), dict) else None


def _coaching_note_request(view: ApprovalView) -> list[Block] | None:
    from blocks.coaching import note_request

    return note_request(view)


REQUEST_RENDERERS: dict[str, Callable[[ApprovalView], list[Block] | None]] = {
    "coaching_note": _coaching_note_request,
    "email_send": _email_request,
    "tasks": _tasks_request,
    "proposal_review": _proposal_request,
}


def _header(title: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(title, HEADER_MAX), emoji=True))


def _body(view: ApprovalView) -> list[Block]:
    out: list[Block] = [_header(view.title)]
    if view.text:
        out.append(SectionBlock(text=MarkdownTextObject(text=clip(view.text, SECTION_TEXT_MAX))))
    if view.fields:
        items = list(view.fields.items())[:SECTION_FIELDS_MAX]
        out.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=clip(f"*{k}*\n{v}", FIELD_TEXT_MAX)) for k, v in items
                ]
            )
        )
    return out


def approval_message(view: ApprovalView) -> list[Block]:
    """The request: header, text, fields and Approve / Edit / Skip / Cancel buttons.

    Kinds with a richer form (an email draft) are rendered by `REQUEST_RENDERERS`.
    """
    renderer = REQUEST_RENDERERS.get(view.kind)
    custom = renderer(view) if renderer is not None else None
    if custom is not None:
        return custom
    value = cut(view.pending_action_id, BUTTON_VALUE_MAX)
    buttons = [
        ButtonElement(
            text="Approve", action_id=ApprovalAction.APPROVE.value, value=value, style="primary"
        )
    ]
    if view.allow_edit:
        buttons.append(ButtonElement(text="Edit", action_id=ApprovalAction.EDIT.value, value=value))
    buttons.append(ButtonElement(text="Skip", action_id=ApprovalAction.SKIP.value, value=value))
    if view.allow_cancel:
        buttons.append(
            ButtonElement(
                text="Cancel", action_id=ApprovalAction.CANCEL.value, value=value, style="danger"
            )
        )
    block_id = cut(f"approval:{value}", BLOCK_ID_MAX)
    return [*_body(view), ActionsBlock(block_id=block_id, elements=buttons)]


def resolved_message(
    view: ApprovalView, decision: str, actor: str, at: datetime, tz: str = "UTC"
) -> list[Block]:
    """The request after a decision: buttons replaced by "Approved by <@U> at 14:32"."""
    word = DECISION_WORDS.get(decision, decision.capitalize())
    local = at.astimezone(ZoneInfo(tz)).strftime("%H:%M %Z")  # with its zone: "14:32 CEST"
    note = f"{word} by <@{actor}> at {local}"
    return [
        *_body(view),
        *_tasks_named(view, decision),
        ContextBlock(elements=[MarkdownTextObject(text=note)]),
    ]


def _tasks_named(view: ApprovalView, decision: str) -> list[Block]:
    """A resolved batch of tasks names them ("Added: • Send the proposal — You"), not only a count."""
    tasks = view.payload.get("tasks") if view.kind == "tasks" else None
    if not isinstance(tasks, list) or not tasks or view.text or view.fields:
        return []
    names = [
        str(t.get("title") or t.get("description") or "") for t in tasks if isinstance(t, dict)
    ]
    lead = (
        "Added to your tasks:"
        if decision in ("approve", "approved", "edit", "edited")
        else "Not added:"
    )
    lines = "\n".join(f"• {escape(n)}" for n in names if n)
    return (
        [SectionBlock(text=MarkdownTextObject(text=clip(f"{lead}\n{lines}", SECTION_TEXT_MAX)))]
        if lines
        else []
    )


def expired_message(view: ApprovalView, path: str) -> list[Block]:
    """The request after its expiry: says so and what happened instead (skipped/cancelled)."""
    what = "skipped" if path == "skip" else "cancelled"
    note = f":hourglass: Expired without an answer; {what}."
    return [*_body(view), ContextBlock(elements=[MarkdownTextObject(text=note)])]


def fallback_text(view: ApprovalView) -> str:
    """The notification text that goes with the blocks."""
    return clip(view.title, HEADER_MAX)  # the header's title, as long as the header allows
