"""Who the rep is scheduling with: the rep (and their preferences), the prospect as a CRM
contact or an address, their company, and the prospect's time zone with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.calendar_find_times.zones import zone_from_text, zone_or_none
from orchestrator.context import StepContext
from storage import email_threads, meetings
from storage.models import Company, Contact, User, UserPreferences


@dataclass
class Who:
    rep: User
    prefs: UserPreferences
    contact: Contact | None
    company: Company | None
    email: str | None

    @property
    def name(self) -> str:
        if self.contact is not None:
            return self.contact.name
        return self.email or "them"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.company.name})" if self.company else self.name


async def load_who(ctx: StepContext, params: dict[str, Any]) -> Who:
    """The rep and the prospect the search params name (`contact_id`, `email`, else the first
    prospect attendee of `meeting_id`: a commitment from a call with no CRM contact)."""
    assert ctx.user_id is not None
    async with ctx.db.session() as s:
        rep = await s.get(User, ctx.user_id)
        if rep is None:
            raise LookupError("rep not found")
        prefs = await s.get(UserPreferences, ctx.user_id) or UserPreferences(user_id=ctx.user_id)
        contact = None
        if params.get("contact_id"):
            contact = await s.get(Contact, int(params["contact_id"]))
            if contact is not None and contact.org_id != ctx.org_id:
                contact = None
        email = params.get("email")
        if contact is None and not email and params.get("meeting_id"):
            attendees = await meetings.prospect_attendees(s, meeting_id=int(params["meeting_id"]))
            first = next((a for a in attendees if a.contact_id or a.email), None)
            if first is not None and first.contact_id:
                contact = await s.get(Contact, first.contact_id)
            elif first is not None:
                email = first.email
        company = (
            await s.get(Company, contact.company_id) if contact and contact.company_id else None
        )
    email = (contact.email if contact else None) or email
    return Who(rep, prefs, contact, company, email)


async def prospect_zone(
    ctx: StepContext, who: Who, params: dict[str, Any]
) -> tuple[str | None, str]:
    """(zone name, where it came from): told, contact, company, location, signature or None."""
    told = params.get("timezone")
    if told and zone_or_none(told) is None:
        told = zone_from_text(str(told))  # "ET" from an email's details
    candidates: list[tuple[str | None, str]] = [(told, "told")]
    if who.contact is not None:
        candidates.append((who.contact.timezone, "contact"))
    if who.company is not None:
        candidates.append((who.company.timezone, "company"))
        candidates.append((zone_from_text(who.company.location), "company_location"))
    for zone, source in candidates:
        if zone and zone_or_none(zone) is not None:
            return zone, source
    sig = await _signature_zone(ctx, who)
    return (sig, "signature") if sig else (None, "unknown")


async def _signature_zone(ctx: StepContext, who: Who) -> str | None:
    """A zone named in the signature of the prospect's latest emails to the rep."""
    if not who.email:
        return None
    async with ctx.db.session() as s:
        rows = await email_threads.latest_inbound_from(
            s, user_id=who.rep.id or 0, address=who.email, limit=3
        )
    for row in rows:
        tail = "\n".join(row.body_text.strip().splitlines()[-8:])  # the signature block
        zone = zone_from_text(tail)
        if zone:
            return zone
    return None
