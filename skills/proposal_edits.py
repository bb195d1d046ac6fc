"""The rep's edits to a proposal draft (the Edit first modal): section texts, quantities and one
discount for every line. Prices stay the price book's: an edit can change how many, never the
unit price. Pure."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from skills.proposal_types import ProposalDraft


def apply_edits(draft: ProposalDraft, edits: dict[str, Any]) -> ProposalDraft:
    """`edits` as the modal's parser writes them: `sections` (key → text; an empty text keeps
    the section's words), `quantities` (sku → a whole number; 0 drops the line) and `discount`
    (a share, "0.1" for 10%)."""
    texts = {str(k): str(v) for k, v in (edits.get("sections") or {}).items()}
    sections = tuple(
        replace(s, text=texts[s.key], citations=() if texts[s.key] != s.text else s.citations)
        if texts.get(s.key, "").strip()
        else s
        for s in draft.sections
    )
    quantities = {str(k): int(v) for k, v in (edits.get("quantities") or {}).items()}
    try:
        discount = Decimal(str(edits.get("discount", "0") or "0"))
    except InvalidOperation as exc:
        raise ValueError(f"not a discount: {edits.get('discount')!r}") from exc
    if not Decimal(0) <= discount <= Decimal(1):
        raise ValueError("a discount is a share from 0 to 1")
    lines = []
    for li in draft.line_items:
        qty = quantities.get(li.sku, li.quantity)
        if qty < 0:
            raise ValueError(f"{li.sku}: a quantity cannot be negative")
        if qty == 0:
            continue
        lines.append(
            replace(li, quantity=qty, discount=discount if "discount" in edits else li.discount)
        )
    return replace(draft, sections=sections, line_items=tuple(lines))
