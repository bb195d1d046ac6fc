"""Proposal messages: the drafted-proposal card (Review draft / Edit first / Email it / Copy link
/ Skip), its edit modal (sections, quantities, discount, how to send) and the parser of that
modal, the manager's discount card, and the "opened your proposal" note.

Pure builders over the approval payload the `proposal_generation` sequence writes; within
Slack's limits for any input.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.ids import ApprovalAction, Callback, ProposalAction
from blocks.text import (
    BLOCK_ID_MAX,
    BUTTON_VALUE_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    PLAIN_TEXT_INPUT_MAX,
    SECTION_TEXT_MAX,
    clip,
    cut,
    escape,
)
from services.money_format import format_money

DELIVERIES = {
    "email_link": "Email it with a link to the proposal page",
    "email_pdf": "Email it with the PDF attached and the link",
    "link": "Only give me the link (I'll share it myself)",
}
DISCOUNT = "proposal-discount"
DELIVERY = "proposal-delivery"
MAX_QUANTITY = 100_000
MODAL_SECTIONS_MAX = 8  # sections editable in the modal (the rest keep their text)


def money(amount: Any, currency: str) -> str:
    """As on the proposal page (`services.money_format`): "$12,400.00"."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return "—"
    if not value.is_finite():
        return "—"
    return format_money(value, currency or "USD")


def _lines(draft: dict[str, Any]) -> str:
    currency = str(draft.get("currency") or "")
    rows = []
    for li in draft.get("line_items") or []:
        rows.append(
            f"• {escape(str(li.get('name')))} × {li.get('quantity')} — "
            f"{money(li.get('total'), currency)}"
            + (f" (−{round(float(li['discount']) * 100, 1)}%)" if li.get("discount") else "")
        )
    rows.append(f"*Total: {money(draft.get('total'), currency)}*")
    return "\n".join(rows)


def review_card(view: Any) -> list[Block]:
    """The drafted proposal for the rep: what it holds and what to do with it."""
    p = view.payload
    draft = p.get("draft") or {}
    value = cut(view.pending_action_id, BUTTON_VALUE_MAX)
    out: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(view.title, HEADER_MAX), emoji=True))
    ]
    intro = str(p.get("text") or "").strip()
    if intro:
        out.append(SectionBlock(text=MarkdownTextObject(text=clip(intro, SECTION_TEXT_MAX))))
    out.append(SectionBlock(text=MarkdownTextObject(text=clip(_lines(draft), SECTION_TEXT_MAX))))
    questions = [str(q) for q in draft.get("open_questions") or [] if str(q).strip()]
    if questions:
        text = "*Still open from the call:*\n" + "\n".join(f"• {escape(q)}" for q in questions[:5])
        out.append(SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX))))
    notes = [str(n) for n in p.get("notes") or [] if str(n).strip()]
    if notes:
        out.append(ContextBlock(elements=[MarkdownTextObject(text=clip(" · ".join(notes), 2000))]))
    buttons: list[ButtonElement] = []
    if p.get("preview_url"):
        buttons.append(
            ButtonElement(
                text="Review draft",
                action_id=ProposalAction.REVIEW.value,
                url=str(p["preview_url"]),
                value=value,
            )
        )
    buttons += [
        ButtonElement(text="Edit first", action_id=ApprovalAction.EDIT.value, value=value),
        ButtonElement(
            text="Email it", action_id=ApprovalAction.APPROVE.value, value=value, style="primary"
        ),
        ButtonElement(text="Copy link", action_id=ProposalAction.COPY_LINK.value, value=value),
        ButtonElement(text="Skip", action_id=ApprovalAction.SKIP.value, value=value),
    ]
    out.append(ActionsBlock(block_id=cut(f"approval:{value}", BLOCK_ID_MAX), elements=buttons))
    return out[:MESSAGE_BLOCKS_MAX]


def _section_block(key: str) -> str:
    return cut(f"proposal-section:{key}", BLOCK_ID_MAX)


def _quantity_block(sku: str) -> str:
    return cut(f"proposal-qty:{sku}", BLOCK_ID_MAX)


def edit_modal(pending_action_id: str, draft: dict[str, Any], delivery: str = "email_link") -> View:
    """Edit the draft before it goes: the prose sections, each line's quantity, a discount, and
    how to send. Prices come from the price book and cannot be typed here."""
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Prices come from your price book. A discount above your team's limit "
                    "goes to your manager before anything is sent."
                )
            ]
        )
    ]
    seen: set[str] = set()
    for s in (draft.get("sections") or [])[:MODAL_SECTIONS_MAX]:
        key = str(s.get("key"))
        if _section_block(key) in seen:
            continue
        seen.add(_section_block(key))
        blocks.append(
            InputBlock(
                block_id=_section_block(key),
                label=clip(str(s.get("title") or "").strip() or key.strip() or "Section", 2000),
                optional=True,
                element=PlainTextInputElement(
                    action_id="text",
                    multiline=True,
                    initial_value=clip(str(s.get("text") or ""), PLAIN_TEXT_INPUT_MAX),
                    max_length=PLAIN_TEXT_INPUT_MAX,
                ),
            )
        )
    for li in draft.get("line_items") or []:
        if _quantity_block(str(li.get("sku"))) in seen:
            continue
        seen.add(_quantity_block(str(li.get("sku"))))
        blocks.append(
            InputBlock(
                block_id=_quantity_block(str(li.get("sku"))),
                label=clip(f"{li.get('name')}: quantity", 2000),
                element=NumberInputElement(
                    action_id="qty",
                    is_decimal_allowed=False,
                    initial_value=str(li.get("quantity")),
                    min_value="0",
                    max_value=str(MAX_QUANTITY),
                ),
            )
        )
    current = max(
        (float(li.get("discount") or 0) for li in draft.get("line_items") or []), default=0.0
    )
    blocks.append(
        InputBlock(
            block_id=DISCOUNT,
            label="Discount (%)",
            optional=True,
            element=NumberInputElement(
                action_id="pct",
                is_decimal_allowed=True,
                initial_value=f"{current * 100:g}",
                min_value="0",
                max_value="100",
            ),
        )
    )
    options = [Option(value=k, text=v) for k, v in DELIVERIES.items()]
    initial = next((o for o in options if o.value == delivery), options[0])
    blocks.append(
        InputBlock(
            block_id=DELIVERY,
            label="How to send",
            element=RadioButtonsElement(action_id="how", options=options, initial_option=initial),
        )
    )
    return View(
        type="modal",
        callback_id=Callback.PROPOSAL_EDIT,
        private_metadata=pending_action_id,
        title="Edit the proposal",
        submit="Save and continue",
        close="Cancel",
        blocks=blocks[:100],
    )


@dataclass(frozen=True)
class ProposalEdits:
    sections: dict[str, str]
    quantities: dict[str, int]
    discount: Decimal
    delivery: str

    def to_json(self) -> dict[str, Any]:
        return {
            "sections": self.sections,
            "quantities": self.quantities,
            "discount": str(self.discount),
            "delivery": self.delivery,
        }


def parse_edit(values: dict[str, Any]) -> tuple[ProposalEdits | None, dict[str, str]]:
    """The modal's state as edits, or the errors to show (block id → message)."""
    errors: dict[str, str] = {}
    sections: dict[str, str] = {}
    quantities: dict[str, int] = {}
    for block_id, actions in values.items():
        if block_id.startswith("proposal-section:"):
            text = str((actions.get("text") or {}).get("value") or "").strip()
            sections[block_id.split(":", 1)[1]] = text
        elif block_id.startswith("proposal-qty:"):
            raw = str((actions.get("qty") or {}).get("value") or "").strip()
            try:
                qty = int(raw)
            except ValueError:
                errors[block_id] = "A whole number, please."
                continue
            if not 0 <= qty <= MAX_QUANTITY:
                errors[block_id] = f"Between 0 and {MAX_QUANTITY:,}."
                continue
            quantities[block_id.split(":", 1)[1]] = qty
    raw_pct = str(((values.get(DISCOUNT) or {}).get("pct") or {}).get("value") or "0").strip()
    try:
        pct = Decimal(raw_pct or "0")
    except InvalidOperation:
        pct = Decimal(-1)
    if not Decimal(0) <= pct <= Decimal(100):
        errors[DISCOUNT] = "A percentage from 0 to 100."
    how = (((values.get(DELIVERY) or {}).get("how") or {}).get("selected_option") or {}).get(
        "value"
    )
    delivery = str(how or "email_link")
    if delivery not in DELIVERIES:
        errors[DELIVERY] = "Choose how to send it."
    if quantities and not any(quantities.values()):
        errors[next(iter(_quantity_keys(values)))] = "At least one line needs a quantity."
    if errors:
        return None, errors
    return ProposalEdits(
        sections, quantities, (pct / 100).quantize(Decimal("0.0001")), delivery
    ), {}


def _quantity_keys(values: dict[str, Any]) -> list[str]:
    return [k for k in values if k.startswith("proposal-qty:")]


def shared_blocks(text: str, proposal_id: int) -> list[Block]:
    """The link handed to the rep, with Revoke link (every buyer link of it stops opening)."""
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX))),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Revoke link",
                    action_id=ProposalAction.REVOKE.value,
                    value=str(proposal_id),
                    style="danger",
                )
            ]
        ),
    ]


def discount_card_text(rep: str, deal: str, discount: Decimal, limit: Decimal, total: str) -> str:
    return (
        f"<@{rep}> wants to send *{escape(deal)}* a proposal at {discount * 100:g}% off "
        f"(your team's limit is {limit * 100:g}%). Total after the discount: {total}."
    )


def opened_text(
    contact: str, company: str | None, nth_view: int, top_section: str | None, seconds: int
) -> str:
    """ "Sarah opened your proposal (2nd view, 4 min on pricing)"."""
    who = escape(contact) + (f" at {escape(company)}" if company else "")
    nth = {1: "1st", 2: "2nd", 3: "3rd"}.get(nth_view, f"{nth_view}th")
    bits = [f"{nth} view"]
    if top_section and seconds >= 30:
        minutes = round(seconds / 60)
        spent = f"{minutes} min" if minutes >= 1 else f"{seconds} s"
        bits.append(f"{spent} on {escape(top_section)}")
    return f":eyes: {who} opened your proposal ({', '.join(bits)})"
