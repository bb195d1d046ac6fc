"""What each category leads to, besides a reply (`reply.py`): scheduling, a proposal task, a
referred contact, closing or nurturing the deal, do-not-email, an out-of-office pause. Steps
named `*_review` / `proposal` build an approval card's payload; the step after the approval
does the write, once (`ctx.effect`)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flows.crm_writeback.port import crm_for
from flows.email_received.tell import about, tell
from orchestrator.context import StepContext
from skills.email_body import split_body
from storage import crm
from storage.models import Contact, Deal, EmailMessage

NURTURE_WORDS = (
    "not right now",
    "not now",
    "next year",
    "next quarter",
    "later this year",
    "revisit",
    "in a few months",
    "maybe later",
    "not the right time",
    "timing",
    "down the road",
)


async def schedule(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """The rep is told times are being found (the sequence queued `calendar_find_times`)."""
    told = await tell(ctx, c, ["Finding times that work: suggestions follow in a moment."])
    return {"queued": "calendar_find_times", **told}


async def proposal(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """The rep is told a proposal is being drafted (the sequence queued `proposal_generation`),
    and whether the email also names documents the content library holds."""
    from skills.content_match import best, match_requests
    from storage.library import load_library

    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, c["message_id"])
        library = await load_library(s, ctx.org_id)
    text = (row.body_text if row else "")[:4000]
    docs = [r for r in match_requests(text, library.content) if best(r)]
    lines = ["Drafting a proposal from your last call with them: the card follows in a moment."]
    if docs:
        lines.append(
            "They also asked for documents your content library has: an email with them follows."
        )
    told = await tell(ctx, c, lines)
    return {"queued": "proposal_generation", "content": bool(docs), **told}


async def referral_review(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    from blocks.email_received import referral_lines

    sender, deal, _ = await about(ctx, c)
    details = c.get("details") or {}
    name, addr = details.get("referred_name"), details.get("referred_email")
    await tell(ctx, c, referral_lines(name, bool(addr)))
    fields = {"Name": name or "—", "Email": addr or "—"}
    if deal:
        fields["Deal"] = deal
    return {"title": f"Add {name or 'the referred contact'} as a contact?",
            "text": f"{sender} pointed you to them.", "fields": fields,
            "referred_name": name, "referred_email": addr, "company_id": c.get("company_id"),
            "deal_id": c.get("deal_id")}  # fmt: skip


async def add_referral(ctx: StepContext) -> dict[str, Any]:
    """The approved referred contact, on the deal as `referred`."""
    assert ctx.approval is not None
    p = ctx.approval.payload
    name = str(p.get("referred_name") or (p.get("fields") or {}).get("Name") or "").strip()
    addr = p.get("referred_email") or (p.get("fields") or {}).get("Email")
    addr = str(addr).strip() if addr and "@" in str(addr) else None

    async def write() -> int | None:
        async with ctx.db.transaction() as s:
            contact = await crm.add_contact(s, org_id=ctx.org_id, company_id=p.get("company_id"),
                                            name=name or (addr or "New contact"), email=addr,
                                            deal_id=p.get("deal_id"), role="referred")  # fmt: skip
            await crm.add_activity(s, org_id=ctx.org_id, kind="note", deal_id=p.get("deal_id"),
                                   contact_id=contact.id, user_id=ctx.user_id,
                                   summary=f"Contact added from a referral: {contact.name}",
                                   provenance={"job_id": ctx.job_id})  # fmt: skip
            return contact.id

    return {"created": True, "contact_id": await ctx.effect("create-contact", write)}


async def close_review(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """Closed lost, or nurture when the sender says "not now"; the rep decides."""
    from blocks.email_received import not_interested_lines

    sender, deal, _ = await about(ctx, c)
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, c["message_id"])
    text = (split_body(row.body_text).new if row else "").lower()
    action = "nurture" if any(w in text for w in NURTURE_WORDS) else "closed_lost"
    await tell(
        ctx,
        c,
        not_interested_lines(action)
        if deal
        else ["No deal is linked to this sender, so there is nothing to close."],
    )
    what = "Mark the deal closed lost" if action == "closed_lost" else "Move the deal to nurture"
    return {"title": f"{what}?", "text": f"{sender} said they are not interested.",
            "fields": {"Deal": deal or "—", "Suggested": action.replace("_", " ")},
            "action": action, "deal_id": c.get("deal_id")}  # fmt: skip


async def apply_close(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """The approved stage change (closed_lost) or nurture flag, with its provenance."""
    assert ctx.approval is not None
    p = ctx.approval.payload
    if not p.get("deal_id"):
        return {"applied": False, "decision": ctx.approval.decision}
    action = "nurture" if p.get("action") == "nurture" else "closed_lost"
    prov = {"source": "email_received", "email_message_id": c["message_id"],
            "category": "not_interested", "approved_by": ctx.approval.actor, "job_id": ctx.job_id}  # fmt: skip

    async def write() -> str:
        async with ctx.db.transaction() as s:
            deal = await s.get(Deal, p["deal_id"])
            if deal is None:
                return "missing"
            if action == "closed_lost":
                await crm.record_field_change(s, deal=deal, name="stage", new="closed_lost", provenance=prov,
                                              apply=True, job_id=ctx.job_id, now=ctx.now())  # fmt: skip
            else:
                await crm.record_field_change(s, deal=deal, name="nurture", new=True, provenance=prov,
                                              apply=True, job_id=ctx.job_id, now=ctx.now())  # fmt: skip
                await crm.add_flags(s, deal=deal, flags=["nurture"])
            return action

    done = await ctx.effect("close-or-nurture", write)
    if done == "closed_lost":  # mirrored to HubSpot when connected (Sixty owns the stage)
        await (await crm_for(ctx)).sync_deal(ctx, int(p["deal_id"]), {"stage": "closed_lost"})
    return {"applied": True, "action": done}


async def unsubscribe(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """The sender is marked do-not-email (a new do-not-email contact when the CRM lacks them)."""
    from blocks.email_received import unsubscribe_lines

    contact_id = c.get("contact_id")

    async def write() -> str | None:
        async with ctx.db.transaction() as s:
            contact = await s.get(Contact, contact_id) if contact_id else None
            if contact is None:  # not in the CRM yet: a do-not-email contact, so sends see it
                row = await s.get(EmailMessage, c["message_id"])
                if row is None:
                    return None
                sender = c.get("sender_name") or ""
                contact = await crm.add_contact(
                    s, org_id=ctx.org_id, company_id=c.get("company_id"), email=row.from_addr,
                    name=sender if sender and "@" not in sender else row.from_addr.partition("@")[0])  # fmt: skip
            contact.do_not_email = True
            s.add(contact)
            await crm.add_activity(
                s, org_id=ctx.org_id, kind="note", deal_id=c.get("deal_id"), contact_id=contact.id,
                user_id=ctx.user_id, summary="Asked not to be emailed: marked do-not-email",
                provenance={"email_message_id": c["message_id"], "job_id": ctx.job_id})  # fmt: skip
            return contact.name

    name = await ctx.effect("do-not-email", write)
    lines = unsubscribe_lines(name) if name else ["The message could not be matched to anyone."]
    return {"do_not_email": bool(name), **await tell(ctx, c, lines)}


async def out_of_office(ctx: StepContext, c: dict[str, Any]) -> dict[str, Any]:
    """The contact's follow-ups paused until the return date; the rep told."""
    from blocks.email_received import out_of_office_lines

    details = c.get("details") or {}
    back = details.get("return_date")
    contact_id = c.get("contact_id")

    async def write() -> str | None:
        if not back or not contact_id:
            return None
        async with ctx.db.transaction() as s:
            contact = await s.get(Contact, contact_id)
            if contact is None:
                return None
            until = datetime.combine(datetime.fromisoformat(back).date(), time(0, 0), tzinfo=UTC)
            contact.paused_until = until
            s.add(contact)
            return until.isoformat()

    paused = await ctx.effect("pause", write)
    label = (
        datetime.fromisoformat(back).strftime("%a %-d %b")
        if back
        else details.get("return_date_text")
    )
    lines = (
        out_of_office_lines(label)
        if paused or not back
        else [f"Back on {label}. They are not a CRM contact, so nothing was paused."]
    )
    return {"paused_until": paused, **await tell(ctx, c, lines)}
