"""Getting a reviewed proposal to the buyer, and telling the rep when it is read.

`freeze_version` writes the version the buyer gets (HTML and PDF with their SHA-256, immutable)
and its link (and, delivered `email_pdf`, the email with that PDF attached by reference);
`give_link` hands the rep the link; `send_email` goes through the send flow
(`flows.email_send.handoff`: the rep's mailbox, the undo window, exactly once). The manager's
side of a discount past the limit is `discount_card` / `manager_decided`; `tell_viewed` is the
note after a buyer opened the link. Logs carry ids only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from blocks.proposals import discount_card_text, opened_text, shared_blocks
from flows.email_send.handoff import hand_off
from flows.proposal_generation.render import freeze
from orchestrator.context import StepContext
from services.money_format import format_money
from skills.proposal_types import ProposalDraft
from storage import crm
from storage import proposals as store
from storage.models import Company, Contact, Deal, User

log = logging.getLogger(__name__)

PDF_FILENAME = "Proposal.pdf"
VIEW_SUMMARY_AFTER = timedelta(minutes=3)  # a view session is summed up this long after it opened
SECTION_NAMES = {
    "summary": "the summary",
    "requirements": "the requirements",
    "pricing": "pricing",
    "roi": "the ROI",
    "case_study": "the case study",
    "terms": "the terms",
    "next_steps": "next steps",
}


async def _about(ctx: StepContext, p: dict[str, Any]) -> dict[str, Any]:
    """The recipient, company and deal of the proposal `p` (the plan) is about."""
    async with ctx.db.session() as s:
        deal = await s.get(Deal, p["deal_id"]) if p.get("deal_id") else None
        contact_id = p.get("contact_id") or (deal.primary_contact_id if deal else None)
        contact = await s.get(Contact, contact_id) if contact_id else None
        company_id = (deal.company_id if deal else None) or (
            contact.company_id if contact else None
        )
        company = await s.get(Company, company_id) if company_id else None
    return {
        "deal": deal.name if deal else None,
        "company": company.name if company else "",
        "recipient": {"name": contact.name, "email": contact.email} if contact else None,
        "do_not_email": bool(contact and contact.do_not_email),
    }


def _email(
    draft: ProposalDraft, about: dict[str, Any], rep: User | None, frozen: dict[str, Any],
    *, attach_pdf: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The email to the buyer; with `attach_pdf` the frozen PDF goes as an attachment (by
    reference to its snapshot, read when the mail leaves) instead of its link."""
    recipient = about["recipient"] or {}
    first = (recipient.get("name") or "").split()[0] if recipient.get("name") else "there"
    lines = [
        f"Hi {first},",
        "",
        f"As promised, here is our proposal: {draft.title}.",
        f"You can read it here: {frozen['url']}",
    ]
    if attach_pdf:
        lines.append(f"I've also attached it as a PDF ({PDF_FILENAME}).")
    elif frozen.get("pdf_url"):
        lines.append(f"A PDF copy: {frozen['pdf_url']}")
    lines += ["", "Happy to walk through it together.", "", rep.name if rep else ""]
    out = {"to": [recipient["email"]], "cc": [], "subject": f"Proposal: {draft.title}"[:200],
           "body": "\n".join(lines).strip()}  # fmt: skip
    if attach_pdf:
        out["attachments"] = [{"kind": "proposal_snapshot", "id": int(frozen["snapshot_id"]),
                               "filename": PDF_FILENAME}]  # fmt: skip
    return out


async def freeze_version(ctx: StepContext, plan: dict[str, Any]) -> dict[str, Any]:
    """The version the buyer gets, frozen, with its link (and the email when it goes by email)."""
    proposal_id = int(plan["proposal_id"])
    about = await _about(ctx, plan)
    frozen = await freeze(ctx, proposal_id, about)
    async with ctx.db.session() as s:
        row = await store.get_proposal(s, proposal_id)
        rep = await s.get(User, ctx.user_id) if ctx.user_id else None
    draft = ProposalDraft.from_json(row.draft)
    # the deal and contact go on: the email is logged on the deal, its recipients are known
    out = {**frozen, "proposal_id": proposal_id, "title": draft.title,
           "total": format_money(draft.total, draft.currency), "deal": about["deal"],
           "deal_id": plan.get("deal_id"), "contact_id": plan.get("contact_id")}  # fmt: skip
    recipient = about["recipient"] or {}
    how = plan.get("delivery")
    by_email = how != "link"
    if by_email and not recipient.get("email"):
        out["why_no_email"] = (
            "The contact has no email address, so here is the link to send yourself."
        )
    elif by_email and about["do_not_email"]:
        out["why_no_email"] = "The contact asked not to be emailed, so I haven't emailed it."
    elif by_email:
        email = _email(draft, about, rep, frozen, attach_pdf=how == "email_pdf")
        out["email"] = {"title": "Send the proposal?", "draft": email,
                        "context": f"Proposal v{frozen['version']} · {out['total']}"}  # fmt: skip
    log.info("proposal frozen", extra={"job_id": ctx.job_id, "proposal_id": proposal_id,
                                       "snapshot_id": frozen["snapshot_id"]})  # fmt: skip
    return out


async def give_link(ctx: StepContext, frozen: dict[str, Any]) -> dict[str, Any]:
    """The link for the rep to share, and the proposal marked sent (the buyer can read it)."""
    text = (
        (f"{frozen['why_no_email']}\n" if frozen.get("why_no_email") else "")
        + f"Your proposal *{frozen['title']}* ({frozen['total']}) is ready to share:\n{frozen['url']}\n"
        f"PDF: {frozen['pdf_url']}\nThe link works for 30 days; I'll tell you when it's opened."
    )
    blocks = shared_blocks(text, int(frozen["proposal_id"]))
    await ctx.notify("proposal", text, blocks, key="link")
    await _mark_sent(ctx, frozen)
    return {"shared": "link"}


async def send_email(ctx: StepContext, frozen: dict[str, Any]) -> dict[str, Any]:
    """The approved email, sent as the rep through the send flow (once, after the undo window)."""
    assert ctx.approval is not None
    email = ctx.approval.payload.get("draft") or {}
    out = await hand_off(ctx, email, deal_id=frozen.get("deal_id"),
                         contact_id=frozen.get("contact_id"), key="proposal-email")  # fmt: skip
    if "send_id" in out:  # queued from the rep's mailbox (else the rep got it to copy)
        await _mark_sent(ctx, frozen)
    return out


async def _mark_sent(ctx: StepContext, frozen: dict[str, Any]) -> None:
    proposal_id = int(frozen["proposal_id"])
    now = ctx.now()

    async def write() -> bool:
        async with ctx.db.transaction() as s:
            await store.set_status(s, proposal_id, store.SENT, now=now)
            if frozen.get("deal_id"):
                await crm.add_activity(s, org_id=ctx.org_id, kind="proposal_sent",
                                       summary="Proposal shared", deal_id=frozen.get("deal_id"),
                                       contact_id=frozen.get("contact_id"), user_id=ctx.user_id,
                                       occurred_at=now, provenance={"proposal_id": proposal_id})  # fmt: skip
        return True

    await ctx.effect(f"sent:{proposal_id}", write)


async def discount_card(ctx: StepContext, plan: dict[str, Any]) -> dict[str, Any]:
    """The manager's card: who wants what discount on which deal, and the total after it."""
    async with ctx.db.session() as s:
        rep = await s.get(User, int(plan["rep_id"]))
        row = await store.get_proposal(s, int(plan["proposal_id"]))
        deal = await s.get(Deal, plan["deal_id"]) if plan.get("deal_id") else None
    draft = ProposalDraft.from_json(row.draft)
    total = format_money(draft.total, draft.currency)
    text = discount_card_text(rep.slack_user_id if rep else "", deal.name if deal else draft.title,
                              Decimal(plan["discount"]), Decimal(plan["limit"]), total)  # fmt: skip
    return {"title": "Approve a discount?", "text": text,
            "fields": {"Discount": f"{Decimal(plan['discount']) * 100:g}%",
                       "Team limit": f"{Decimal(plan['limit']) * 100:g}%", "Total": total}}  # fmt: skip


async def manager_decided(ctx: StepContext, plan: dict[str, Any]) -> dict[str, Any]:
    """Approved: the proposal goes on. Not approved: the rep is told, the draft stays a draft."""
    assert ctx.approval is not None
    proposal_id = int(plan["proposal_id"])
    approved = ctx.approval.approved
    async with ctx.db.transaction() as s:
        await store.set_status(
            s, proposal_id, store.APPROVED if approved else store.DRAFT, now=ctx.now()
        )
    if approved:
        await ctx.notify(
            "proposal", "Your manager approved the discount: the proposal goes on.", key="approved"
        )
    else:
        await ctx.notify("proposal", "Your manager didn't approve the discount on your proposal, so it "
                         "hasn't been sent. Lower the discount and start again with `/60 proposal`.",
                         key="declined")  # fmt: skip
    return {"approved": approved}


def summary_due(payload: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(payload["at"])) + VIEW_SUMMARY_AFTER


async def tell_viewed(ctx: StepContext) -> dict[str, Any]:
    """ "Sarah opened your proposal (2nd view, 4 min on pricing)", once per view session."""
    p = ctx.payload
    async with ctx.db.session() as s:
        summary = await store.views_summary(s, str(p["token"]))
        row = await store.get_proposal(s, int(p["proposal_id"]))
        deal = await s.get(Deal, row.deal_id) if row.deal_id else None
        company = await s.get(Company, deal.company_id) if deal and deal.company_id else None
    top = max(summary.seconds_by_section.items(), key=lambda kv: kv[1], default=None)
    section = SECTION_NAMES.get(top[0], top[0].replace("_", " ")) if top else None
    text = opened_text(str(p.get("recipient_name") or "The buyer"), company.name if company else None,
                       max(1, summary.sessions), section, top[1] if top else 0)  # fmt: skip
    await ctx.notify("proposal_viewed", text, key="opened")
    if row.deal_id:
        at = ctx.now()

        async def write() -> bool:
            async with ctx.db.transaction() as s:
                await crm.add_activity(s, org_id=ctx.org_id, kind="proposal_viewed",
                                       summary=text.removeprefix(":eyes: "), deal_id=row.deal_id,
                                       user_id=row.user_id, occurred_at=at,
                                       provenance={"proposal_id": row.id})  # fmt: skip
            return True

        await ctx.effect("timeline", write)
    return {"sessions": summary.sessions}
