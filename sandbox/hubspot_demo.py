"""`make run` with a connected HubSpot portal: the HubSpot fake (`sandbox.hubspot_fake`) on
loopback, seeded for the demo org with a few companies (two the demo already has, matched by
domain on import), contacts and deals, its owners being the demo users (mapped by email). The
demo org gets a service-key connection to it and the import runs once in the background, so
App Home's admin section shows a connected portal with its import progress.

Started by `app.Runtime.start` in sandbox mode when no real HubSpot app is configured
(HUBSPOT_CLIENT_ID / HUBSPOT_API_BASE unset). Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from flows.crm_sync.connection import client_for
from flows.crm_sync.import_portal import import_portal
from sandbox.hubspot_fake import PORTAL_ID, FakeHubSpot
from storage import hubspot
from storage.crypto import TokenCipher
from storage.demo import demo_org
from storage.engine import Database
from storage.models import Company, User

log = logging.getLogger(__name__)

EXTRA = (  # companies only HubSpot knows: (name, domain, industry, city, contact, title, deal, amount, stage)
    ("Lumen Analytics", "lumen-analytics.example", "Software", "Berlin", ("Ada", "Novak"), "VP Sales",
     "Lumen: analytics rollout", "36000", "presentationscheduled"),
    ("Harbor Freight Co", "harbor-freight.example", "Logistics", "Rotterdam", ("Joost", "Bakker"),
     "COO", "Harbor: pilot", "12000", "qualifiedtobuy"),
    ("Pinecrest Health", "pinecrest.example", "Healthcare", "Denver", ("Maya", "Ortiz"), "CIO",
     "Pinecrest: security review", "54000", "contractsent"),
)  # fmt: skip
STAGES = [
    ("appointmentscheduled", "Appointment Scheduled", {"isClosed": "false", "probability": "0.2"}),
    ("qualifiedtobuy", "Qualified To Buy", {"isClosed": "false", "probability": "0.4"}),
    (
        "presentationscheduled",
        "Presentation Scheduled",
        {"isClosed": "false", "probability": "0.6"},
    ),
    ("contractsent", "Contract Sent", {"isClosed": "false", "probability": "0.9"}),
    ("closedwon", "Closed Won", {"isClosed": "true", "probability": "1.0"}),
    ("closedlost", "Closed Lost", {"isClosed": "true", "probability": "0.0"}),
]
_tasks: set[asyncio.Task[Any]] = set()


async def seed_portal(fake: FakeHubSpot, db: Database) -> int | None:
    """Seed the fake for the demo org; the org's id, or None when there is no demo org."""
    async with db.session() as s:
        org = await demo_org(s)
        if org is None or org.id is None:
            return None
        users = (await s.exec(select(User).where(User.org_id == org.id)
                              .order_by(col(User.id)))).all()  # fmt: skip
        known = (await s.exec(select(Company).where(Company.org_id == org.id)
                              .order_by(col(Company.id)).limit(2))).all()  # fmt: skip
    for i, u in enumerate(users):
        first, _, last = u.name.partition(" ")
        fake.add_owner(str(501 + i), 9001 + i, u.email, first, last)
    fake.add_pipeline("deals", "default", "Sales Pipeline", STAGES)
    owner = "501"
    for c in known:  # the same companies as the demo's: linked by domain, not duplicated
        if c.domain:
            fake.seed("companies", {"name": c.name, "domain": c.domain,
                                    "industry": c.industry or "", "city": c.location or ""})  # fmt: skip
    for name, domain, industry, city, (first, last), title, deal, amount, stage in EXTRA:
        co = fake.seed("companies", {"name": name, "domain": domain, "industry": industry,
                                     "city": city})  # fmt: skip
        person = fake.seed("contacts", {"email": f"{first.lower()}@{domain}", "firstname": first,
                                        "lastname": last, "jobtitle": title})  # fmt: skip
        fake.associate("contacts", person, "companies", co)
        d = fake.seed("deals", {"dealname": deal, "amount": amount, "dealstage": stage,
                                "pipeline": "default", "hubspot_owner_id": owner})  # fmt: skip
        fake.associate("deals", d, "companies", co)
        fake.associate("deals", d, "contacts", person)
    return org.id


async def start_demo_portal(db: Database, settings: Any, cipher: TokenCipher,
                            clock: Callable[[], datetime]) -> tuple[FakeHubSpot, Any]:  # fmt: skip
    """Start the fake, seed it, connect the demo org and import in the background. Returns
    the fake and the settings pointing HubSpot calls at it."""
    fake = await FakeHubSpot().start()
    settings = settings.model_copy(update={"hubspot_api_base": fake.url,
                                           "hubspot_client_secret": fake.app_secret})  # fmt: skip
    org_id = await seed_portal(fake, db)
    if org_id is None:
        return fake, settings
    async with db.transaction() as s:
        row = await hubspot.save_connection(
            s, cipher=cipher, org_id=org_id, portal_id=str(PORTAL_ID),
            auth_kind=hubspot.SERVICE_KEY, access_token=fake.static_token, refresh_token=None,
            expires_at=None, scopes=(), connected_by=None, now=clock(),
        )  # fmt: skip

    async def run() -> None:
        try:
            await import_portal(db, client_for(row, db=db, settings=settings, cipher=cipher), org_id,
                                clock=clock)  # fmt: skip
        except Exception as exc:  # shown as failed in App Home; the sandbox goes on
            log.warning("sandbox hubspot import failed", extra={"error": type(exc).__name__})

    task = asyncio.get_running_loop().create_task(run())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    log.info("sandbox hubspot portal", extra={"url": fake.url, "org_id": org_id})
    return fake, settings
