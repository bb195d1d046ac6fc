"""Benchmark `crm_import`: s to import a HubSpot portal of 10,000 companies, 30,000 contacts
(each with its company) and 5,000 deals (each with a company and a contact) from the HubSpot
fake on loopback (`tests.fakes.hubspot_server`) into a fresh SQLite database.

`python -m bench.bench_crm_import [--unthrottled]`. Timed: `flows.crm_sync.import_portal.
import_portal` end to end: owners, pipelines, 451 paged list calls of 100 with associations
through the real `HubSpotClient` (its 190-per-10-s burst bucket, a Professional portal), one
transaction per page with links and dedupe keys. Also given: the re-run (nothing new; every
record found by its link). `--unthrottled` lifts the burst bucket to see our own cost.
One run (the import is long). Measured 2026-12-07 on the shared machine under load (load
average ~11): 228.6 s (Professional limiter; 454 calls, whose 190-per-10-s floor is ~24 s), the
re-run 78.8 s. Most of the time is ours: one SQLModel object and one ORM INSERT per row
(aiosqlite executes them one by one) plus the fake rendering pages in the same process; an
earlier build (a link per ORM insert, an UPDATE per contact for its company) took 345.8 s
unthrottled.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bench.common import emit
from connectors.hubspot import HubSpotClient
from connectors.hubspot_limits import PortalLimits, Tier
from flows.crm_sync.connection import sync_context
from flows.crm_sync.import_portal import import_portal
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Org, User
from tests.fakes.hubspot_server import PORTAL_ID, FakeHubSpot

COMPANIES, CONTACTS, DEALS = 10_000, 30_000, 5_000
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def seed(fake: FakeHubSpot) -> None:
    fake.add_owner("501", 9001, "rep@bench.example", "Rep", "One")
    fake.add_pipeline("deals", "default", "Sales", [
        ("appointmentscheduled", "Appointment Scheduled", {"isClosed": "false"}),
        ("qualifiedtobuy", "Qualified To Buy", {"isClosed": "false"}),
        ("contractsent", "Contract Sent", {"isClosed": "false"}),
        ("closedwon", "Closed Won", {"isClosed": "true", "probability": "1.0"}),
    ])  # fmt: skip
    stages = ("appointmentscheduled", "qualifiedtobuy", "contractsent", "closedwon")
    companies = [fake.seed("companies", {"name": f"Company {i}", "domain": f"c{i}.example",
                                         "industry": "Software", "city": "Leeds"})
                 for i in range(COMPANIES)]  # fmt: skip
    contacts = []
    for i in range(CONTACTS):
        cid = fake.seed("contacts", {"email": f"p{i}@c{i % COMPANIES}.example",
                                     "firstname": f"P{i}", "lastname": "Person",
                                     "jobtitle": "Buyer"})  # fmt: skip
        fake.associate("contacts", cid, "companies", companies[i % COMPANIES])
        contacts.append(cid)
    for i in range(DEALS):
        did = fake.seed("deals", {"dealname": f"Deal {i}", "amount": str(1000 + i),
                                  "dealstage": stages[i % 4], "pipeline": "default",
                                  "hubspot_owner_id": "501"})  # fmt: skip
        fake.associate("deals", did, "companies", companies[i % COMPANIES])
        fake.associate("deals", did, "contacts", contacts[i])


async def run(unthrottled: bool) -> None:
    fake = await FakeHubSpot(clock=lambda: NOW.timestamp(), burst_limit=10**9,
                             daily_limit=10**9).start()  # fmt: skip
    tmp = tempfile.mkdtemp(prefix="bench-crm-")
    url = f"sqlite:///{Path(tmp) / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    try:
        seed(fake)
        async with db.transaction() as s:
            org = Org(name="Bench")
            s.add(org)
            await s.flush()
            assert org.id is not None
            s.add(User(org_id=org.id, slack_user_id="U1", email="rep@bench.example", name="Rep"))
            org_id = org.id
        tier = Tier("bench", 10**9, None) if unthrottled else "professional"
        async with aiohttp.ClientSession() as session:
            api = HubSpotClient(fake.static_token, portal_id=PORTAL_ID, base_url=fake.url,
                                session=session, limits=PortalLimits(tier, daily_share=1.0))  # fmt: skip
            t0 = time.perf_counter()
            ctx = await sync_context(db, api, org_id)
            got = await import_portal(db, api, org_id, clock=lambda: NOW, ctx=ctx)
            first = time.perf_counter() - t0
            calls = api.calls
            t1 = time.perf_counter()
            again = await import_portal(db, api, org_id, clock=lambda: NOW, ctx=ctx)
            rerun = time.perf_counter() - t1
        assert got.done == {"company": COMPANIES, "contact": CONTACTS, "deal": DEALS,
                            "note": 0, "meeting": 0}, got.done  # fmt: skip
        assert sum(again.created.values()) == 0
        emit("crm_import", "import_s", first, "s", companies=COMPANIES, contacts=CONTACTS,
             deals=DEALS, calls=calls, rerun_s=round(rerun, 2),
             limiter="unthrottled" if unthrottled else "professional 190/10s")  # fmt: skip
    finally:
        await db.dispose()
        await fake.stop()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    asyncio.run(run("--unthrottled" in args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
