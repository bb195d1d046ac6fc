"""What a proposal is drafted from: the call (or the latest recorded call on the deal), the
deal, its company and contacts, and who the proposal is for, read from storage by the
`proposal_generation` job's payload (a meeting, an email or a command)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col, select

from flows.meeting_ended.call import load_call
from orchestrator.context import StepContext
from skills.proposal_types import CompanyInfo, ContactInfo, DealInfo
from skills.transcript_types import Participant, Transcript, Utterance
from storage.models import Company, Contact, Deal, EmailMessage, Meeting
from storage.models import Transcript as TranscriptRow


@dataclass(frozen=True)
class Source:
    transcript: Transcript
    deal: DealInfo
    company: CompanyInfo
    contacts: tuple[ContactInfo, ...]
    deal_id: int | None
    contact_id: int | None
    origin: str  # meeting | email | command
    said: str  # the first line of the rep's card: why there is a proposal


def _first(name: str | None) -> str:
    return (name or "").split()[0] if name else ""


async def _latest_meeting(ctx: StepContext, deal_id: int | None) -> int | None:
    if deal_id is None:
        return None
    async with ctx.db.session() as s:
        rows = await s.exec(
            select(Meeting.id)
            .join(TranscriptRow, col(TranscriptRow.meeting_id) == col(Meeting.id))
            .where(col(Meeting.deal_id) == deal_id, col(Meeting.org_id) == ctx.org_id)
            .order_by(col(Meeting.started_at).desc())
            .limit(1)
        )
        found = rows.first()
    return int(found) if found is not None else None


def _empty(title: str, at: datetime) -> Transcript:
    return Transcript("none", title, at, Participant(None, None), (), ())


def _from_email(text: str, sender: str | None, at: datetime) -> Transcript:
    """An email asking for a proposal, read as one prospect utterance (quotes cite it)."""
    who = sender or "Prospect"
    return Transcript(
        "email", "Email", at, Participant(None, None), (Participant(who, None),),
        (Utterance(who, 0.0, 0.0, text, "prospect"),),
    )  # fmt: skip


async def _deal_parts(
    ctx: StepContext, deal_id: int | None, contact_id: int | None
) -> tuple[DealInfo, CompanyInfo, tuple[ContactInfo, ...], int | None]:
    async with ctx.db.session() as s:
        deal = await s.get(Deal, deal_id) if deal_id else None
        company = await s.get(Company, deal.company_id) if deal and deal.company_id else None
        primary = contact_id or (deal.primary_contact_id if deal else None)
        contact = await s.get(Contact, primary) if primary else None
        if company is None and contact is not None and contact.company_id:
            company = await s.get(Company, contact.company_id)
        others: list[Contact] = []
        if company is not None:
            found = await s.exec(
                select(Contact).where(col(Contact.company_id) == company.id).limit(10)
            )
            others = [c for c in found.all() if contact is None or c.id != contact.id]
    info = DealInfo(
        name=deal.name if deal else (company.name if company else "Proposal"),
        stage=deal.stage if deal else None,
        amount=Decimal(str(deal.amount)) if deal and deal.amount is not None else None,
        currency=deal.currency if deal else "USD",
        type=str((deal.properties or {}).get("deal_type") or "") or None if deal else None,
    )
    comp = CompanyInfo(
        company.name if company else info.name, company.industry if company else None
    )
    people = tuple(
        ContactInfo(c.name, c.email, c.title) for c in ([contact] if contact else []) + others
    )
    return info, comp, people, contact.id if contact else None


async def load_source(ctx: StepContext) -> Source | str:
    """The inputs, or why there are none (said to the rep as is)."""
    p: dict[str, Any] = ctx.payload
    origin = str(
        p.get("origin")
        or ("meeting" if p.get("meeting_id") else "email" if p.get("message_id") else "command")
    )
    deal_id = p.get("deal_id")
    contact_id = p.get("contact_id")
    meeting_id = p.get("meeting_id") or None
    transcript: Transcript | None = None
    if meeting_id:
        call = await load_call(ctx, int(meeting_id))
        transcript = call.transcript
        deal_id = deal_id or (call.deal.id if call.deal else None)
        contact_id = contact_id or (call.contact.id if call.contact else None)
    email_text, sender = None, None
    if p.get("message_id"):
        async with ctx.db.session() as s:
            msg = await s.get(EmailMessage, int(p["message_id"]))
        if msg is not None:
            email_text, sender = (msg.body_text or "")[:8000], p.get("sender_name")
    if deal_id is None and contact_id is None:
        return "I couldn't tell which deal or contact this proposal is for."
    deal, company, contacts, contact_id = await _deal_parts(ctx, deal_id, contact_id)
    if transcript is None:
        latest = await _latest_meeting(ctx, deal_id)
        if latest is not None:
            transcript = (await load_call(ctx, latest)).transcript
        elif email_text:
            transcript = _from_email(email_text, sender, ctx.now())
        else:
            transcript = _empty(deal.name, ctx.now())
    who = contacts[0].name if contacts else None
    at = f"{_first(who)} at {company.name}" if who else company.name
    said = {
        "meeting": f"You said you'd send {at} a proposal. I've drafted one from today's call.",
        "email": f"{at} asked for a proposal by email. I've drafted one"
        + (
            " from your last call."
            if meeting_id or transcript.meeting_id not in ("email", "none")
            else "."
        ),
        "command": f"Here's a proposal draft for {at}"
        + (
            " from your last call."
            if transcript.utterances and transcript.meeting_id != "email"
            else "."
        ),
    }.get(origin, f"A proposal draft for {at}.")
    return Source(transcript, deal, company, contacts, deal_id, contact_id, origin, said)
