"""The HubSpot import as a durable `crm_import` job: it imports the portal and DMs the admin who
connected the counts; a step re-run after HubSpot interrupted it mid-import (contacts refused
with per-second 429s after the companies were stored) continues without duplicates; a refused
token ends it with a DM that says what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func
from sqlmodel import select

from bot.webhooks.hubspot import import_event
from config.settings import Settings
from flows.registry import build_registry
from orchestrator.engine import Engine
from orchestrator.events import JobRef
from storage import hubspot
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.hubspot_models import CrmLink
from storage.models import Company, Contact, Deal, Org, User
from tests.fakes.hubspot_server import PORTAL_ID, FakeHubSpot
from tests.flow.test_crm_import import seed_portal
from tests.support.sequences import RecordingDelivery, job_row

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONTACTS = "/crm/objects/2026-09/contacts"


@pytest.fixture
async def fake() -> AsyncIterator[FakeHubSpot]:
    server = await FakeHubSpot(clock=lambda: NOW.timestamp()).start()
    yield server
    await server.stop()


async def connect(db: Database, fake: FakeHubSpot, settings: Settings) -> tuple[int, int]:
    """An org whose admin (a HubSpot owner by email) connected a service key."""
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        admin = User(org_id=org.id, slack_user_id="U1", email="rep.one@acme.test", name="Rep One",
                     role="admin")  # fmt: skip
        s.add(admin)
        await s.flush()
        assert admin.id is not None
        await hubspot.save_connection(
            s, cipher=settings_cipher(settings), org_id=org.id, portal_id=str(PORTAL_ID),
            auth_kind=hubspot.SERVICE_KEY, access_token=fake.static_token, refresh_token=None,
            expires_at=None, scopes=(), connected_by=admin.id, now=NOW,
        )  # fmt: skip
        return org.id, admin.id


async def counts(db: Database, org_id: int) -> dict[str, int]:
    out = {}
    async with db.session() as s:
        for name, model in (("companies", Company), ("contacts", Contact), ("deals", Deal),
                            ("links", CrmLink)):  # fmt: skip
            stmt = select(func.count()).select_from(model).where(model.org_id == org_id)
            out[name] = int((await s.exec(stmt)).one())
    return out


def dms(slack: RecordingDelivery) -> list[str]:
    return [c["text"] for m, c in slack.calls if m == "chat.postMessage" and c["channel"] == "DU1"]


async def run_job(db: Database, settings: Settings, org: int, admin: int) -> tuple[int, Engine]:
    slack = RecordingDelivery()
    engine = Engine(db, settings, slack, build_registry(), clock=lambda: NOW, listen=False,
                    retry_base_s=0.0)  # fmt: skip
    ref = await engine.submit(import_event(org, admin, NOW))
    assert isinstance(ref, JobRef) and ref.sequence_type == "crm_import"
    await engine.drain()
    return ref.job_id, engine


async def test_a_step_interrupted_mid_import_is_rerun_without_duplicates(
    db: Database, fake: FakeHubSpot, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, hubspot_api_base=fake.url,
                        encryption_key=Fernet.generate_key().decode(), data_dir=tmp_path)  # fmt: skip
    org, admin = await connect(db, fake, settings)
    seed_portal(fake)
    # contacts are refused (per-second limit) until the client gives up: companies are stored,
    # the step fails transiently and the job runs it again
    fake.fail_next(CONTACTS, 429, {"policyName": "SECONDLY"}, times=5)
    job_id, engine = await run_job(db, settings, org, admin)
    job = await job_row(db, job_id)
    assert job.status == "completed"
    runs = [e for e in job.context["log"] if e["step"] == "import_hubspot"]
    assert [e["status"] for e in runs] == ["failed", "completed"]
    assert len(fake.calls_to("/crm/objects/2026-09/companies", "GET")) == 2  # read in both runs
    # each record once: 2 companies, 2 contacts, 2 deals, the recent note and meeting linked
    assert await counts(db, org) == {"companies": 2, "contacts": 2, "deals": 2, "links": 8}
    slack = engine.delivery
    assert isinstance(slack, RecordingDelivery)
    assert dms(slack) == ["HubSpot import done: 2 companies, 2 contacts, 2 deals; "
                          "owners matched: 1 of 2."]  # fmt: skip
    async with db.session() as s:
        row = await hubspot.get_connection(s, org)
        assert row is not None and row.import_status == "done"
    # the same connection submitted again is the same job: nothing runs twice
    again = await engine.submit(import_event(org, admin, NOW))
    assert not isinstance(again, JobRef)


async def test_a_refused_token_ends_the_import_with_what_to_do(
    db: Database, fake: FakeHubSpot, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, hubspot_api_base=fake.url,
                        encryption_key=Fernet.generate_key().decode(), data_dir=tmp_path)  # fmt: skip
    org, admin = await connect(db, fake, settings)
    seed_portal(fake)
    fake.fail_next(CONTACTS, 403, {"category": "MISSING_SCOPES"})
    job_id, engine = await run_job(db, settings, org, admin)
    assert (await job_row(db, job_id)).status == "completed"
    assert isinstance(engine.delivery, RecordingDelivery)
    [dm] = dms(engine.delivery)
    assert dm.startswith("HubSpot import stopped: HubSpot refused Sixty's access")
    assert "Connect HubSpot again from Sixty's Home tab" in dm
    async with db.session() as s:
        row = await hubspot.get_connection(s, org)
        assert row is not None and row.import_status == "failed"
