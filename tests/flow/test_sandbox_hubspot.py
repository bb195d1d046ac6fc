"""`make run`'s demo portal: the HubSpot fake seeded for the demo org, connected, and imported
(two companies the demo already has are linked by domain, not duplicated)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import func
from sqlmodel import select

from config.settings import Settings
from sandbox import hubspot_demo
from storage import hubspot
from storage.crypto import TokenCipher
from storage.demo import demo_org, seed_demo
from storage.engine import Database
from storage.models import Company, Deal

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_demo_portal_is_connected_and_imported(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as s:
        await seed_demo(s, now=NOW)
    async with db.session() as s:
        org = await demo_org(s)
        assert org is not None
        before = int((await s.exec(select(func.count()).select_from(Company)
                                   .where(Company.org_id == org.id))).one())  # fmt: skip
    settings = Settings(_env_file=None, data_dir=tmp_path)
    fake, patched = await hubspot_demo.start_demo_portal(db, settings, TokenCipher(Fernet.generate_key()),
                                                         lambda: NOW)  # fmt: skip
    try:
        assert patched.hubspot_api_base == fake.url
        await asyncio.gather(*hubspot_demo._tasks)
        async with db.session() as s:
            conn = await hubspot.get_connection(s, org.id or 0)
            assert conn is not None and conn.status == hubspot.ACTIVE
            assert conn.import_status == "done"
            assert conn.import_progress["done"]["company"] == 5
            after = int((await s.exec(select(func.count()).select_from(Company)
                                      .where(Company.org_id == org.id))).one())  # fmt: skip
            assert after == before + 3  # 2 of the 5 were the demo's own, matched by domain
            lumen = (
                await s.exec(select(Deal).where(Deal.name == "Lumen: analytics rollout"))
            ).one()
            assert lumen.stage == "demo" and lumen.owner_id is not None
    finally:
        await fake.stop()
