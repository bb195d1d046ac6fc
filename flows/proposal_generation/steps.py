"""The `proposal_generation` steps: draft from the call, show the rep a preview page and the
card, apply the rep's edits and route the result (straight to delivery, or to the manager when
the discount is past the team's limit). With `LLM_MODEL` set the slot prose of the draft is
the model's when it passes the check (`model_prose`), the offline prose otherwise.

The draft (with its quotes from the call) lives in the `proposals` table; job state and the
card carry its id and the line items only. Nothing here logs text from the call or addresses.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from flows.proposal_generation.model_prose import model_prose
from flows.proposal_generation.render import preview_link
from flows.proposal_generation.sources import Source, load_source
from orchestrator.context import StepContext
from orchestrator.offload import off_loop
from services.language import model_client
from skills.proposal_edits import apply_edits
from skills.proposal_types import ProposalDraft
from skills.proposals import draft_proposal
from storage import proposals as store
from storage.library import load_library
from storage.models import User

log = logging.getLogger(__name__)

NO_LIBRARY = (
    "There's no proposal library for your team yet, so I can't draft one. An admin loads it "
    "with `sixty library import DIR` (templates, price book, case studies)."
)


async def _tell(ctx: StepContext, text: str, key: str) -> None:
    await ctx.notify("proposal", text, key=key)


def card_draft(draft: dict[str, Any]) -> dict[str, Any]:
    """What the card shows: the line items, the total and the open questions."""
    keep = ("template", "title", "line_items", "total", "currency", "open_questions")
    return {k: draft[k] for k in keep if k in draft}


async def draft(ctx: StepContext) -> dict[str, Any]:
    """Draft the proposal and store it; say why when there is nothing to draft from."""
    src = await load_source(ctx)
    if isinstance(src, str):
        await _tell(ctx, src, "no-source")
        return {"skipped": "no source"}
    async with ctx.db.session() as s:
        library = await load_library(s, ctx.org_id)
    if not library.templates or not library.price_book:
        await _tell(ctx, NO_LIBRARY, "no-library")
        return {"skipped": "no library"}
    try:
        made: ProposalDraft = await off_loop(
            draft_proposal, src.transcript, src.deal, src.company, src.contacts, library,
            size=len(src.transcript.utterances) * 200,
        )  # fmt: skip
    except ValueError as exc:  # the library cannot price this call (say which rule)
        await _tell(ctx, f"I couldn't draft the proposal: {exc}", "draft-error")
        return {"skipped": "draft error"}
    client = model_client(ctx)
    if client is not None:  # the model rewrites the slot prose; offline prose on any failure
        made = (await model_prose(client, made, library, src.transcript, src.company.name,
                                  org_id=ctx.org_id, user_id=ctx.user_id, job_id=ctx.job_id)).draft  # fmt: skip
    user_id, now = ctx.user_id, ctx.now()
    assert user_id is not None

    async def create() -> int:
        """A new proposal, or the next version of the one already sent on this deal (its
        sent version keeps its snapshot and link; this one gets its own)."""
        async with ctx.db.transaction() as s:
            sent = await store.latest_sent(s, org_id=ctx.org_id, deal_id=src.deal_id)
            if sent is not None and sent.id is not None:
                await store.update_draft(s, sent.id, made.to_store(), now=now)
                return sent.id
            row = await store.create_proposal(s, org_id=ctx.org_id, user_id=user_id,
                                              source=src.origin, draft=made.to_store(), now=now,
                                              deal_id=src.deal_id)  # fmt: skip
            assert row.id is not None
            return row.id

    proposal_id = await ctx.effect("proposal", create)
    log.info("proposal drafted", extra={"job_id": ctx.job_id, "proposal_id": proposal_id})
    return {"proposal_id": proposal_id, **_about(src, library.discount_limit)}


def _about(src: Source, limit: Decimal) -> dict[str, Any]:
    recipient = src.contacts[0] if src.contacts else None
    return {
        "said": src.said,
        "deal": src.deal.name,
        "deal_id": src.deal_id,
        "contact_id": src.contact_id,
        "company": src.company.name,
        "recipient": {"name": recipient.name, "email": recipient.email} if recipient else None,
        "discount_limit": str(limit),
    }


async def review(ctx: StepContext, drafted: dict[str, Any]) -> dict[str, Any]:
    """The card's payload, with a preview page of the current draft for Review draft."""
    proposal_id = int(drafted["proposal_id"])
    async with ctx.db.session() as s:
        row = await store.get_proposal(s, proposal_id)
    url = await preview_link(ctx, proposal_id, row.draft, drafted)
    recipient = drafted.get("recipient") or {}
    notes = [f"Deal: {drafted['deal']}"]
    if recipient.get("email"):
        notes.append(f"For {recipient.get('name') or recipient['email']}")
    else:
        notes.append("No email address for the contact: Copy link, or add one to the contact")
    return {
        "title": str(row.draft.get("title") or "Proposal draft")[:150],
        "text": drafted["said"],
        "proposal_id": proposal_id,
        "draft": card_draft(row.draft),
        "preview_url": url,
        "notes": notes,
    }


async def apply_answer(ctx: StepContext, drafted: dict[str, Any]) -> dict[str, Any]:
    """The rep's answer: edits applied to the stored draft (prices stay the price book's), and
    where it goes next: delivery, or the rep's manager past the discount limit."""
    assert ctx.approval is not None and ctx.user_id is not None
    answer = ctx.approval.payload
    proposal_id = int(drafted["proposal_id"])
    edits = answer.get("edits") or {}
    delivery = str(edits.get("delivery") or answer.get("delivery") or "email_link")
    now = ctx.now()
    async with ctx.db.transaction() as s:
        row = await store.get_proposal(s, proposal_id)
        new = apply_edits(ProposalDraft.from_json(row.draft), edits) if edits else None
        if new is not None:
            await store.update_draft(s, proposal_id, new.to_store(), now=now)
        current = new or ProposalDraft.from_json(row.draft)
        limit = Decimal(str(drafted.get("discount_limit") or "0.15"))
        over = current.max_discount > limit
        rep = await s.get(User, ctx.user_id)
        manager = await s.get(User, rep.manager_id) if rep is not None and rep.manager_id else None
        # a manager who cannot get the card in Slack cannot approve it
        manager_id = manager.id if manager is not None and manager.slack_user_id else None
        status = store.AWAITING_MANAGER if over else store.APPROVED
        await store.set_status(s, proposal_id, status, now=now)
    if over and manager_id is None:
        await store_status(ctx, proposal_id, store.DRAFT)
        await _tell(ctx, f"The discount ({current.max_discount * 100:g}%) is past your team's limit "
                         f"({limit * 100:g}%) and no manager of yours is on Slack to approve it, so I haven't "
                         "sent it. Lower the discount, or ask an admin to set your manager.", "no-manager")  # fmt: skip
        return {"next": "stopped"}
    plan = {"proposal_id": proposal_id, "delivery": delivery, "rep_id": ctx.user_id,
            "deal_id": drafted.get("deal_id"), "contact_id": drafted.get("contact_id"),
            "discount": str(current.max_discount), "limit": str(limit)}  # fmt: skip
    if over:
        await _tell(ctx, f"The discount ({current.max_discount * 100:g}%) is past your team's limit "
                         f"({limit * 100:g}%): I've asked your manager to approve it before it goes.", "to-manager")  # fmt: skip
        return {**plan, "next": "manager", "manager_id": manager_id}
    return {**plan, "next": "delivery"}


async def store_status(ctx: StepContext, proposal_id: int, status: str) -> None:
    async with ctx.db.transaction() as s:
        await store.set_status(s, proposal_id, status, now=ctx.now())


async def skipped(ctx: StepContext, drafted: dict[str, Any]) -> dict[str, Any]:
    await store_status(ctx, int(drafted["proposal_id"]), store.SKIPPED)
    return {"skipped": True}
