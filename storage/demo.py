"""The demo org (`sixty demo seed`): people, CRM, 60 days of activities, calendar, two calls.

Idempotent: the org, people, CRM and transcripts are created once; calendar events for
today and tomorrow are re-planned on every run so the demo always has a live day.
Everything is generated from a fixed seed, relative to `now`.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.library import import_library
from storage.library_files import read_library_folder
from storage.models import (
    Activity,
    CalendarEvent,
    Company,
    Contact,
    Deal,
    DealContact,
    Meeting,
    MeetingAttendee,
    Org,
    OrgSettings,
    Transcript,
    User,
    UserPreferences,
)
from storage.rows import saved_id

DEMO_TEAM_ID = "T0SIXTYDEMO"
DEMO_DOMAIN = "sixty-demo.example"
DATA = Path(__file__).parent / "demo_data"


@dataclass(frozen=True)
class DemoPerson:
    slack_user_id: str
    name: str
    email: str
    role: str
    timezone: str
    briefing: time


PEOPLE = (
    DemoPerson(
        "U0SXMORGAN", "Morgan Lee", f"morgan@{DEMO_DOMAIN}", "admin", "America/New_York", time(8, 0)
    ),
    DemoPerson(
        "U0SXALEX01", "Alex Rivera", f"alex@{DEMO_DOMAIN}", "rep", "America/New_York", time(8, 0)
    ),
    DemoPerson(
        "U0SXJAMIE1", "Jamie Chen", f"jamie@{DEMO_DOMAIN}", "rep", "Europe/London", time(8, 30)
    ),
    DemoPerson(
        "U0SXSAM001", "Sam Patel", f"sam@{DEMO_DOMAIN}", "rep", "America/Los_Angeles", time(7, 45)
    ),
)

# name, domain, industry, location, timezone, contact name, title
COMPANIES = (
    (
        "Acme Corp",
        "acme.example",
        "Manufacturing",
        "Chicago, US",
        "America/Chicago",
        "Sarah Chen",
        "VP Operations",
    ),
    (
        "Northwind Logistics",
        "northwind.example",
        "Logistics",
        "Rotterdam, NL",
        "Europe/Amsterdam",
        "Daniel Okoro",
        "Head of Sales",
    ),
    (
        "TechFlow",
        "techflow.example",
        "Software",
        "Austin, US",
        "America/Chicago",
        "James Wright",
        "CRO",
    ),
    (
        "Bluebird Health",
        "bluebird.example",
        "Healthcare",
        "Boston, US",
        "America/New_York",
        "Emily Novak",
        "Director of Sales Ops",
    ),
    (
        "Granite Partners",
        "granite.example",
        "Financial services",
        "London, UK",
        "Europe/London",
        "Oliver Hughes",
        "Managing Director",
    ),
    (
        "Lumen Analytics",
        "lumen.example",
        "Software",
        "Berlin, DE",
        "Europe/Berlin",
        "Katrin Vogel",
        "VP Sales",
    ),
    (
        "Harbor Freight Co",
        "harborfreight.example",
        "Logistics",
        "Seattle, US",
        "America/Los_Angeles",
        "Marcus Bell",
        "Sales Director",
    ),
    (
        "Cobalt Energy",
        "cobalt.example",
        "Energy",
        "Houston, US",
        "America/Chicago",
        "Rachel Kim",
        "Head of Revenue",
    ),
    (
        "Pinnacle Retail",
        "pinnacle.example",
        "Retail",
        "Toronto, CA",
        "America/Toronto",
        "Liam O'Brien",
        "VP Commercial",
    ),
    (
        "Solstice Media",
        "solstice.example",
        "Media",
        "Los Angeles, US",
        "America/Los_Angeles",
        "Ava Martinez",
        "CEO",
    ),
    (
        "Ironclad Security",
        "ironclad.example",
        "Security",
        "Washington, US",
        "America/New_York",
        "Nathan Brooks",
        "CISO",
    ),
    (
        "Meridian Bank",
        "meridian.example",
        "Banking",
        "Edinburgh, UK",
        "Europe/London",
        "Fiona Campbell",
        "Head of Partnerships",
    ),
    (
        "Vertex Robotics",
        "vertex.example",
        "Robotics",
        "Munich, DE",
        "Europe/Berlin",
        "Jonas Weber",
        "Sales Lead",
    ),
    (
        "Orchid Biotech",
        "orchid.example",
        "Biotech",
        "San Diego, US",
        "America/Los_Angeles",
        "Grace Liu",
        "COO",
    ),
    (
        "Summit Outdoor",
        "summit.example",
        "Retail",
        "Denver, US",
        "America/Denver",
        "Tyler Reed",
        "Director of Sales",
    ),
    (
        "Atlas Construction",
        "atlas.example",
        "Construction",
        "Dallas, US",
        "America/Chicago",
        "Maria Gonzalez",
        "VP Business Development",
    ),
    (
        "Nimbus Cloud",
        "nimbus.example",
        "Software",
        "Dublin, IE",
        "Europe/Dublin",
        "Ciaran Walsh",
        "VP Sales EMEA",
    ),
    (
        "Redwood Insurance",
        "redwood.example",
        "Insurance",
        "Hartford, US",
        "America/New_York",
        "Paul Anderson",
        "Sales Operations Manager",
    ),
    (
        "Quartz Logistics",
        "quartz.example",
        "Logistics",
        "Singapore, SG",
        "Asia/Singapore",
        "Wei Tan",
        "Regional Director",
    ),
    (
        "Beacon Education",
        "beacon.example",
        "Education",
        "Sydney, AU",
        "Australia/Sydney",
        "Chloe Harris",
        "Head of Growth",
    ),
    (
        "Falcon Aerospace",
        "falcon.example",
        "Aerospace",
        "Toulouse, FR",
        "Europe/Paris",
        "Julien Moreau",
        "Commercial Director",
    ),
    (
        "Evergreen Foods",
        "evergreen.example",
        "Food & beverage",
        "Portland, US",
        "America/Los_Angeles",
        "Hannah Scott",
        "VP Sales",
    ),
    (
        "Keystone Legal",
        "keystone.example",
        "Legal",
        "New York, US",
        "America/New_York",
        "David Levi",
        "Partner",
    ),
    (
        "Mosaic Travel",
        "mosaic.example",
        "Travel",
        "Barcelona, ES",
        "Europe/Madrid",
        "Lucia Fernandez",
        "Head of Sales",
    ),
    (
        "Polar Data",
        "polardata.example",
        "Software",
        "Stockholm, SE",
        "Europe/Stockholm",
        "Erik Lindqvist",
        "CRO",
    ),
    (
        "Riverbend Hospitality",
        "riverbend.example",
        "Hospitality",
        "Nashville, US",
        "America/Chicago",
        "Megan Price",
        "Director of Revenue",
    ),
    (
        "Sterling Pharma",
        "sterling.example",
        "Pharma",
        "Basel, CH",
        "Europe/Zurich",
        "Lukas Meier",
        "Head of Commercial Ops",
    ),
    (
        "Tidal Marine",
        "tidal.example",
        "Maritime",
        "Oslo, NO",
        "Europe/Oslo",
        "Ingrid Hansen",
        "Sales Manager",
    ),
    (
        "Union Telecom",
        "union.example",
        "Telecom",
        "Madrid, ES",
        "Europe/Madrid",
        "Carlos Ruiz",
        "VP Enterprise Sales",
    ),
    (
        "Vantage Realty",
        "vantage.example",
        "Real estate",
        "Miami, US",
        "America/New_York",
        "Sofia Rossi",
        "Managing Broker",
    ),
    (
        "Willow Wellness",
        "willow.example",
        "Healthcare",
        "Vancouver, CA",
        "America/Vancouver",
        "Noah Thompson",
        "Head of Sales",
    ),
    (
        "Zenith Motors",
        "zenith.example",
        "Automotive",
        "Detroit, US",
        "America/Detroit",
        "Brian Walker",
        "Fleet Sales Director",
    ),
    (
        "Apex Staffing",
        "apex.example",
        "Staffing",
        "Phoenix, US",
        "America/Phoenix",
        "Laura Mitchell",
        "VP Operations",
    ),
    (
        "Brightpath Learning",
        "brightpath.example",
        "Education",
        "Manchester, UK",
        "Europe/London",
        "Sophie Turner",
        "Commercial Lead",
    ),
    (
        "Crescent Capital",
        "crescent.example",
        "Financial services",
        "Dubai, AE",
        "Asia/Dubai",
        "Omar Haddad",
        "Head of Sales",
    ),
    (
        "Delta Dynamics",
        "deltadyn.example",
        "Engineering",
        "Pittsburgh, US",
        "America/New_York",
        "Kevin Murphy",
        "Sales Director",
    ),
    (
        "Echo Audio",
        "echo.example",
        "Consumer electronics",
        "Copenhagen, DK",
        "Europe/Copenhagen",
        "Freja Nielsen",
        "VP Sales",
    ),
    (
        "Fable Games",
        "fable.example",
        "Gaming",
        "Montreal, CA",
        "America/Toronto",
        "Antoine Roy",
        "Business Development Lead",
    ),
    (
        "Glacier Water",
        "glacier.example",
        "Utilities",
        "Reykjavik, IS",
        "Atlantic/Reykjavik",
        "Sigrun Jonsdottir",
        "Commercial Manager",
    ),
    (
        "Horizon Airlines",
        "horizonair.example",
        "Airline",
        "Atlanta, US",
        "America/New_York",
        "Derek Coleman",
        "Procurement Director",
    ),
)

EXTRA_CONTACTS = {
    "acme.example": [("Tom Becker", "IT Director"), ("Linda Park", "CFO")],
    "techflow.example": [("Priya Nair", "RevOps Manager")],
    "granite.example": [("Charlotte Evans", "Head of Procurement")],
}

STAGES = (
    "discovery",
    "qualification",
    "demo",
    "proposal",
    "negotiation",
    "closed_won",
    "closed_lost",
)
STAGE_WEIGHTS = (6, 5, 5, 6, 4, 2, 2)
STALE_ON_PURPOSE = (
    "granite.example",
    "cobalt.example",
    "meridian.example",
    "orchid.example",
    "keystone.example",
)


def _email(name: str, domain: str) -> str:
    first, *rest = name.lower().replace("'", "").split()
    return f"{first}.{rest[-1]}@{domain}" if rest else f"{first}@{domain}"


async def demo_org(session: AsyncSession) -> Org | None:
    return (await session.exec(select(Org).where(Org.slack_team_id == DEMO_TEAM_ID))).first()


async def seed_demo(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """Create the demo org if missing and re-plan today's and tomorrow's calendar."""
    org = await demo_org(session)
    created = org is None
    if org is None:
        org = await _create_org(session, now)
    users = list((await session.exec(select(User).where(User.org_id == org.id))).all())
    events = await _plan_calendar(session, org, users, now)
    assert org.id is not None
    library = await import_library(session, org.id, read_library_folder(DATA / "library"))
    return {"created": int(created), "users": len(users), "calendar_events": events,
            "library_price_items": library.price_items}  # fmt: skip


async def _create_org(session: AsyncSession, now: datetime) -> Org:
    rng = random.Random(60)
    org = Org(name="Sixty Demo Co", slack_team_id=DEMO_TEAM_ID, timezone="America/New_York")
    session.add(org)
    await session.flush()
    assert org.id is not None
    session.add(OrgSettings(org_id=org.id, ai_budget_usd_month=50.0, stale_threshold_days=14))

    by_email: dict[str, User] = {}
    manager: User | None = None
    for p in PEOPLE:
        user = User(
            org_id=org.id,
            slack_user_id=p.slack_user_id,
            email=p.email,
            name=p.name,
            role=p.role,
            timezone=p.timezone,
            briefing_time=p.briefing,
            manager_id=manager.id if manager else None,
        )
        session.add(user)
        await session.flush()
        manager = manager or user
        by_email[p.email] = user
        session.add(UserPreferences(user_id=saved_id(user)))
    # Quiet hours off, so that a newcomer trying the sandbox in the evening sees every message at
    # once; reps set their own in the Home tab. (An UPDATE: on INSERT, None means "use the default".)
    await session.flush()
    await session.exec(
        update(UserPreferences)
        .where(col(UserPreferences.user_id).in_([u.id for u in by_email.values()]))
        .values(quiet_hours_start=None, quiet_hours_end=None)
    )
    reps = [u for u in by_email.values() if u.role == "rep"]

    companies: dict[str, Company] = {}
    contacts: dict[str, Contact] = {}
    for name, domain, industry, location, tz, contact_name, title in COMPANIES:
        company = Company(
            org_id=org.id,
            name=name,
            domain=domain,
            industry=industry,
            location=location,
            timezone=tz,
        )
        session.add(company)
        await session.flush()
        companies[domain] = company
        for cname, ctitle in [(contact_name, title), *EXTRA_CONTACTS.get(domain, [])]:
            contact = Contact(
                org_id=org.id,
                company_id=company.id,
                name=cname,
                email=_email(cname, domain),
                title=ctitle,
                timezone=tz,
            )
            session.add(contact)
            await session.flush()
            contacts[contact.email or cname] = contact

    deals = 0
    for i, (name, domain, *_rest) in enumerate(COMPANIES[:30]):
        company = companies[domain]
        primary = next(c for c in contacts.values() if c.company_id == company.id)
        owner = (
            by_email["alex@sixty-demo.example"]
            if domain in ("acme.example", "techflow.example")
            else (
                by_email["jamie@sixty-demo.example"]
                if domain == "northwind.example"
                else reps[i % len(reps)]
            )
        )
        stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        if domain == "acme.example":
            stage = "demo"
        elif domain in STALE_ON_PURPOSE:
            stage = rng.choice(("qualification", "proposal", "negotiation"))
        amount = float(rng.randrange(12, 180) * 1000)
        close = (now + timedelta(days=rng.randrange(-10, 120))).date()
        deal = Deal(
            org_id=org.id,
            company_id=company.id,
            primary_contact_id=primary.id,
            owner_id=owner.id,
            name=f"{name} — {rng.choice(('Pilot', 'Platform', 'Expansion', 'Team plan'))}",
            stage=stage,
            amount=amount,
            close_date=close,
            stage_changed_at=now - timedelta(days=rng.randrange(3, 40)),
        )
        session.add(deal)
        await session.flush()
        deals += 1
        for c in contacts.values():
            if c.company_id == company.id:
                session.add(DealContact(deal_id=saved_id(deal), contact_id=saved_id(c)))
        _activities(
            session, rng, org.id, deal, primary, owner, now, stale=domain in STALE_ON_PURPOSE
        )

    for spec in json.loads((DATA / "transcripts.json").read_text()):
        await _recorded_meeting(session, org.id, spec, by_email, companies, contacts, now)
    await session.flush()
    return org


def _activities(
    session: AsyncSession,
    rng: random.Random,
    org_id: int,
    deal: Deal,
    contact: Contact,
    owner: User,
    now: datetime,
    *,
    stale: bool,
) -> None:
    """Sixty days of touches; stale deals go quiet 18–45 days ago."""
    quiet_since = rng.randrange(18, 45) if stale else rng.randrange(0, 6)
    day = 60
    kinds = ("email_sent", "email_received", "meeting", "call", "note")
    while day > quiet_since:
        kind = rng.choice(kinds)
        session.add(
            Activity(
                org_id=org_id,
                deal_id=deal.id,
                contact_id=contact.id,
                user_id=owner.id,
                kind=kind,
                occurred_at=now - timedelta(days=day, hours=rng.randrange(0, 9)),
                summary=f"{kind.replace('_', ' ').capitalize()} with {contact.name}",
                source="demo",
            )
        )
        day -= rng.randrange(3, 9)
    session.add(
        Activity(
            org_id=org_id,
            deal_id=deal.id,
            contact_id=contact.id,
            user_id=owner.id,
            kind="note",
            occurred_at=now - timedelta(days=quiet_since, hours=2),
            summary=f"Last touch with {contact.name}",
            source="demo",
        )
    )


async def _recorded_meeting(
    session: AsyncSession,
    org_id: int,
    spec: dict[str, Any],
    by_email: dict[str, User],
    companies: dict[str, Company],
    contacts: dict[str, Contact],
    now: datetime,
) -> None:
    rep = by_email[spec["rep_email"]]
    company = companies[spec["company_domain"]]
    started = (now - timedelta(days=spec["days_ago"])).replace(
        hour=spec["hour_utc"], minute=0, second=0, microsecond=0
    )
    deal = (await session.exec(select(Deal).where(Deal.company_id == company.id))).first()
    first_contact = contacts.get(spec["attendees"][0]["email"])
    utterances, t = [], 0.0
    names = {rep.name: "rep", **{a["name"]: "prospect" for a in spec["attendees"]}}
    for speaker, text in spec["utterances"]:
        length = max(2.0, len(text.split()) / 2.6)
        utterances.append(
            {
                "speaker": speaker,
                "start": round(t, 1),
                "end": round(t + length, 1),
                "text": text,
                "role": names.get(speaker),
            }
        )
        t += length + 0.6
    meeting = Meeting(
        org_id=org_id,
        user_id=rep.id,
        source="demo",
        external_id=f"demo-{spec['key']}",
        title=spec["title"],
        started_at=started,
        ended_at=started + timedelta(seconds=t),
        status="recorded",
        deal_id=deal.id if deal else None,
        company_id=company.id,
        contact_id=first_contact.id if first_contact else None,
    )
    session.add(meeting)
    await session.flush()
    meeting_id = saved_id(meeting)
    session.add(
        MeetingAttendee(
            meeting_id=meeting_id, name=rep.name, email=rep.email, role="rep", user_id=rep.id
        )
    )
    for a in spec["attendees"]:
        c = contacts.get(a["email"])
        session.add(
            MeetingAttendee(
                meeting_id=meeting_id,
                name=a["name"],
                email=a["email"],
                role="prospect",
                contact_id=c.id if c else None,
            )
        )
    session.add(
        Transcript(
            org_id=org_id,
            meeting_id=meeting_id,
            utterances=utterances,
            source="demo",
            speaker_map={k: {"role": v} for k, v in names.items()},
        )
    )


SEED_EVENT_PREFIX = "seed-"  # external ids of the meetings the seed plans (and re-plans)


def _seed_event_id() -> str:
    return SEED_EVENT_PREFIX + uuid.uuid4().hex


def _planned_by_seed() -> Any:
    """Rows the seed planned: its prefix, or (seeded before the prefix) a bare uuid4 hex id,
    which an id the product gives a booked meeting never is (those start with "sx", not hex)."""
    ext = col(CalendarEvent.external_id)
    legacy = and_(func.length(ext) == 32, ~ext.startswith("sx"), ~ext.contains("-"))
    return or_(ext.startswith(SEED_EVENT_PREFIX), legacy)


def _at(day: date, hh: int, mm: int, tz: str) -> datetime:
    return datetime.combine(day, time(hh, mm), ZoneInfo(tz)).astimezone(UTC)


async def _plan_calendar(session: AsyncSession, org: Org, users: list[User], now: datetime) -> int:
    """Replace the meetings the seed planned with meetings today and tomorrow in each rep's
    timezone. What the product put on the demo calendar (a meeting booked through Sixty) stays."""
    org_id = saved_id(org)
    await session.exec(delete(CalendarEvent).where(col(CalendarEvent.org_id) == org_id, col(CalendarEvent.provider) == "demo",
                                                   _planned_by_seed()))  # fmt: skip
    reps = sorted((u for u in users if u.role == "rep"), key=lambda u: u.id or 0)
    deals = list(
        (await session.exec(select(Deal).where(Deal.org_id == org_id).order_by(col(Deal.id)))).all()
    )
    # Meetings are with live deals: a meeting that ended counts as a touch, and the deals seeded
    # stale on purpose must stay quiet for the pipeline scan to show them.
    quiet = {c.id for c in (await session.exec(select(Company).where(
        Company.org_id == org.id, col(Company.domain).in_(STALE_ON_PURPOSE)))).all()}  # fmt: skip
    open_deals = [d for d in deals if d.stage not in ("closed_won", "closed_lost")
                  and d.company_id not in quiet]  # fmt: skip
    count = 0
    for r_index, rep in enumerate(reps):
        local_today = now.astimezone(ZoneInfo(rep.timezone)).date()
        mine = [d for d in open_deals if d.owner_id == rep.id] or open_deals
        for offset, slots in ((0, ((10, 0), (14, 0), (16, 30))), (1, ((9, 30), (11, 0), (15, 0)))):
            day = local_today + timedelta(days=offset)
            for s_index, (hh, mm) in enumerate(slots):
                internal = s_index == 2 and offset == 0
                start = _at(day, hh, mm, rep.timezone)
                if internal:
                    session.add(
                        CalendarEvent(
                            org_id=org_id,
                            user_id=saved_id(rep),
                            provider="demo",
                            title="Pipeline review",
                            external_id=_seed_event_id(),
                            start_at=start,
                            end_at=start + timedelta(minutes=30),
                            is_external=False,
                            attendees=[{"email": rep.email, "name": rep.name}],
                        )
                    )
                    count += 1
                    continue
                deal = mine[(r_index + s_index + offset * 3) % len(mine)]
                contact = (
                    await session.get(Contact, deal.primary_contact_id)
                    if deal.primary_contact_id
                    else None
                )
                company = await session.get(Company, deal.company_id) if deal.company_id else None
                title = f"{company.name if company else deal.name} — {('Discovery', 'Demo', 'Proposal review')[s_index % 3]}"
                session.add(
                    CalendarEvent(
                        org_id=org_id,
                        user_id=saved_id(rep),
                        provider="demo",
                        title=title,
                        start_at=start,
                        external_id=_seed_event_id(),
                        end_at=start + timedelta(minutes=45),
                        is_external=True,
                        deal_id=deal.id,
                        contact_id=contact.id if contact else None,
                        attendees=[{"email": rep.email, "name": rep.name}]
                        + ([{"email": contact.email, "name": contact.name}] if contact else []),
                    )
                )
                count += 1
    await session.flush()
    return count


async def demo_users(session: AsyncSession) -> list[dict[str, object]]:
    """Every user we know, shaped as Slack profiles for the sandbox workspace."""
    rows = (await session.exec(select(User).order_by(col(User.id)))).all()
    return [
        {
            "id": u.slack_user_id,
            "name": u.email.split("@")[0],
            "real_name": u.name,
            "email": u.email,
            "tz": u.timezone,
            "is_admin": u.role == "admin",
        }
        for u in rows
    ]
