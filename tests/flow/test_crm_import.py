"""Importing a HubSpot portal (the loopback fake) into Sixty: owners mapped by email, companies
by domain, contacts by email, deals with Sixty stage names and HubSpot's labels, recent notes
and meetings, all linked; a second run changes nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import functools
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func
from sqlmodel import select

from cli.main import main as cli_main
from flows.crm_sync.connection import client_for_org
from flows.crm_sync.dry_run import dry_run, format_diff
from flows.crm_sync.import_portal import import_portal
from storage import hubspot
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.hubspot_models import CrmLink
from storage.models import Activity, Company, Contact, Deal, DealContact, Org, User
from tests.fakes.hubspot_server import PORTAL_ID, FakeHubSpot

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CIPHER = TokenCipher(Fernet.generate_key())


def settings(fake: FakeHubSpot) -> SimpleNamespace:
    return SimpleNamespace(hubspot_client_id=fake.client_id, hubspot_client_secret=fake.client_secret,
                           hubspot_api_base=fake.url)  # fmt: skip


@pytest.fixture
async def fake() -> AsyncIterator[FakeHubSpot]:
    server = await FakeHubSpot(clock=lambda: NOW.timestamp()).start()
    yield server
    await server.stop()


async def connect(db: Database, fake: FakeHubSpot) -> tuple[int, int]:
    """An org with two reps (one a HubSpot owner by email) and a service-key connection."""
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        rep = User(org_id=org.id, slack_user_id="U1", email="Rep.One@acme.test", name="Rep One")
        s.add(rep)
        s.add(User(org_id=org.id, slack_user_id="U2", email="two@acme.test", name="Rep Two"))
        await s.flush()
        assert rep.id is not None
        # a company Sixty already had: the import links it by domain instead of duplicating it
        s.add(Company(org_id=org.id, name="Northwind (Sixty)", domain="northwind.test"))
        await hubspot.save_connection(
            s, cipher=CIPHER, org_id=org.id, portal_id=str(PORTAL_ID),
            auth_kind=hubspot.SERVICE_KEY, access_token=fake.static_token, refresh_token=None,
            expires_at=None, scopes=(), connected_by=rep.id, now=NOW,
        )  # fmt: skip
        return org.id, rep.id


def seed_portal(fake: FakeHubSpot) -> dict[str, str]:
    fake.add_owner("501", 9001, "rep.one@acme.test", "Rep", "One")
    fake.add_owner("502", 9002, "stranger@elsewhere.test", "Not", "Here")
    fake.add_pipeline("deals", "default", "Sales Pipeline", [
        ("appointmentscheduled", "Appointment Scheduled", {"isClosed": "false", "probability": "0.2"}),
        ("qualifiedtobuy", "Qualified To Buy", {"isClosed": "false", "probability": "0.4"}),
        ("contractsent", "Contract Sent", {"isClosed": "false", "probability": "0.9"}),
        ("closedwon", "Closed Won", {"isClosed": "true", "probability": "1.0"}),
    ])  # fmt: skip
    ids = {
        "northwind": fake.seed("companies", {"name": "Northwind", "domain": "www.Northwind.test",
                                             "industry": "Logistics", "city": "Leeds"}),
        "globex": fake.seed("companies", {"name": "Globex", "domain": "globex.test"}),
    }  # fmt: skip
    ids["dana"] = fake.seed("contacts", {"email": "Dana@Northwind.test", "firstname": "Dana",
                                         "lastname": "Lee", "jobtitle": "CFO"})  # fmt: skip
    ids["sam"] = fake.seed("contacts", {"email": "sam@globex.test", "firstname": "Sam"})
    fake.associate("contacts", ids["dana"], "companies", ids["northwind"])
    fake.associate("contacts", ids["sam"], "companies", ids["globex"])
    ids["deal"] = fake.seed("deals", {"dealname": "Northwind rollout", "amount": "48000",
                                      "dealstage": "contractsent", "pipeline": "default",
                                      "closedate": "2027-01-31T00:00:00.000Z",
                                      "hubspot_owner_id": "501"})  # fmt: skip
    ids["deal2"] = fake.seed("deals", {"dealname": "Globex pilot", "dealstage": "qualifiedtobuy",
                                       "pipeline": "default", "hubspot_owner_id": "502"})  # fmt: skip
    fake.associate("deals", ids["deal"], "companies", ids["northwind"])
    fake.associate("deals", ids["deal"], "contacts", ids["dana"])
    recent = int((NOW - timedelta(days=3)).timestamp() * 1000)
    old = int((NOW - timedelta(days=200)).timestamp() * 1000)
    ids["note"] = fake.seed("notes", {"hs_timestamp": str(recent), "hubspot_owner_id": "501",
                                      "hs_note_body": "<p>Budget signed off &amp; legal next</p>"})  # fmt: skip
    fake.associate("notes", ids["note"], "deals", ids["deal"])
    fake.associate("notes", ids["note"], "contacts", ids["dana"])
    fake.seed("notes", {"hs_timestamp": str(old), "hs_note_body": "ancient"})
    ids["meeting"] = fake.seed("meetings", {"hs_timestamp": str(recent),
                                            "hs_meeting_title": "Kick-off"})  # fmt: skip
    return ids


async def counts(db: Database, org_id: int) -> dict[str, int]:
    out = {}
    async with db.session() as s:
        for name, model in (("companies", Company), ("contacts", Contact), ("deals", Deal),
                            ("activities", Activity), ("links", CrmLink)):  # fmt: skip
            stmt = select(func.count()).select_from(model).where(model.org_id == org_id)
            out[name] = int((await s.exec(stmt)).one())
        out["deal_contacts"] = int(
            (await s.exec(select(func.count()).select_from(DealContact))).one()
        )
    return out


async def test_import_maps_owners_stages_and_links_and_is_idempotent(
    db: Database, fake: FakeHubSpot
) -> None:
    org_id, rep_id = await connect(db, fake)
    ids = seed_portal(fake)
    client = await client_for_org(db, settings(fake), CIPHER, org_id, clock=lambda: NOW.timestamp())  # fmt: skip
    result = await import_portal(db, client, org_id, clock=lambda: NOW)
    assert result.owners_mapped == 1 and result.owners_total == 2
    assert result.done == {"company": 2, "contact": 2, "deal": 2, "note": 1, "meeting": 1}
    first = await counts(db, org_id)
    assert first == {"companies": 2, "contacts": 2, "deals": 2, "activities": 2, "links": 8,
                     "deal_contacts": 1}  # fmt: skip

    async with db.session() as s:
        nw_id = await hubspot.sixty_id_for(s, org_id, "company", ids["northwind"])
        northwind = await s.get(Company, nw_id)
        assert northwind is not None
        assert (northwind.name, northwind.domain, northwind.location) == (
            "Northwind",
            "northwind.test",
            "Leeds",
        )  # the Sixty row, HubSpot's owned fields
        dana = await s.get(Contact, await hubspot.sixty_id_for(s, org_id, "contact", ids["dana"]))
        assert dana is not None
        assert (dana.name, dana.email, dana.title, dana.company_id) == (
            "Dana Lee",
            "dana@northwind.test",
            "CFO",
            nw_id,
        )
        deal = await s.get(Deal, await hubspot.sixty_id_for(s, org_id, "deal", ids["deal"]))
        assert deal is not None
        assert (deal.stage, deal.amount, deal.owner_id, str(deal.close_date)) == (
            "negotiation",
            48000.0,
            rep_id,
            "2027-01-31",
        )
        assert deal.properties["hubspot_stage_label"] == "Contract Sent"
        assert deal.properties["hubspot_pipeline"] == "Sales Pipeline"
        assert (deal.company_id, deal.primary_contact_id) == (nw_id, dana.id)
        deal2 = await s.get(Deal, await hubspot.sixty_id_for(s, org_id, "deal", ids["deal2"]))
        assert deal2 is not None and deal2.stage == "qualification" and deal2.owner_id is None
        note = (await s.exec(select(Activity).where(Activity.kind == "note"))).one()
        assert note.summary == "Budget signed off & legal next"
        assert (note.deal_id, note.contact_id, note.user_id) == (deal.id, dana.id, rep_id)
        conn = await hubspot.get_connection(s, org_id)
        assert conn is not None and conn.import_status == "done"
        assert conn.import_progress["done"]["contact"] == 2 and conn.last_sync_at == NOW

    again = await import_portal(db, client, org_id, clock=lambda: NOW)
    assert await counts(db, org_id) == first
    assert sum(again.created.values()) == 0


async def test_dry_run_prints_both_directions_and_writes_nothing(
    db: Database, fake: FakeHubSpot, db_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    org_id, _rep = await connect(db, fake)
    ids = seed_portal(fake)
    client = await client_for_org(db, settings(fake), CIPHER, org_id, clock=lambda: NOW.timestamp())
    await import_portal(db, client, org_id, clock=lambda: NOW)
    fake.edit_in_ui("deals", ids["deal"], "amount", "52000", user_id=9001)  # HubSpot owns amount
    async with db.transaction() as s:
        deal = await s.get(Deal, await hubspot.sixty_id_for(s, org_id, "deal", ids["deal"]))
        assert deal is not None
        deal.stage = "closed_won"  # the rep approved a stage move in Sixty: Sixty owns stage
        s.add(deal)
        s.add(Activity(org_id=org_id, deal_id=deal.id, kind="note", summary="Sixty's note",
                       source="meeting"))  # fmt: skip
    before = await counts(db, org_id)
    writes_before = len([c for c in fake.calls if c.method in ("PATCH", "PUT")
                         or c.path.endswith(("/batch/update", "/batch/create"))])  # fmt: skip

    result = await dry_run(db, client, org_id)
    lines = format_diff(result)
    to_sixty = [d for d in result.diffs if d.direction == "to_sixty"]
    to_hubspot = [d for d in result.diffs if d.direction == "to_hubspot"]
    assert [(d.field, d.sixty_value, d.hubspot_value) for d in to_sixty] == [
        ("amount", 48000.0, 52000.0)
    ]
    assert [(d.hubspot_property, d.sixty_value, d.hubspot_value) for d in to_hubspot] == [
        ("dealstage", "closed_won", "contractsent")
    ]
    assert result.creates == {"note": 1, "task": 0}
    assert "HubSpot -> Sixty (HubSpot owns these fields): 1" in lines
    assert "Sixty -> HubSpot (Sixty owns these fields): 1" in lines
    assert any("dealstage: contractsent -> closed_won" in ln for ln in lines)
    assert "Sixty -> HubSpot: 1 note to create" in lines

    # the same through the CLI, with the connection's key from the database
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HUBSPOT_API_BASE", fake.url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr("storage.crypto.settings_cipher", lambda _s: CIPHER)
    assert (
        await asyncio.to_thread(cli_main, ["crm", "sync", "--dry-run", "--org", str(org_id)]) == 0
    )
    out = capsys.readouterr().out
    assert "amount: 48000.0 -> 52000.0" in out and "dealstage: contractsent -> closed_won" in out
    assert out.strip().endswith("Dry run: nothing was written.")

    assert await counts(db, org_id) == before
    async with db.session() as s:
        deal = await s.get(Deal, await hubspot.sixty_id_for(s, org_id, "deal", ids["deal"]))
        assert deal is not None and deal.amount == 48000.0 and deal.stage == "closed_won"
    writes_after = len([c for c in fake.calls if c.method in ("PATCH", "PUT")
                        or c.path.endswith(("/batch/update", "/batch/create"))])  # fmt: skip
    assert writes_after == writes_before
    assert fake.objects["deals"][ids["deal"]]["properties"]["dealstage"] == "contractsent"


async def test_cli_connects_a_service_key_after_verifying_it(
    db: Database, fake: FakeHubSpot, db_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        s.add(User(org_id=org.id, slack_user_id="U1", email="admin@acme.test", name="Ad",
                   role="admin"))  # fmt: skip
        s.add(User(org_id=org.id, slack_user_id="U2", email="rep@acme.test", name="Rep"))
        org_id = org.id
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HUBSPOT_API_BASE", fake.url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong-key\n"))
    assert (
        await asyncio.to_thread(
            cli_main, ["hubspot", "connect", "--service-key", "admin@acme.test"]
        )
        == 2
    )
    assert "HubSpot refused the key" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(fake.static_token + "\n"))
    assert (
        await asyncio.to_thread(cli_main, ["hubspot", "connect", "--service-key", "rep@acme.test"])
        == 2
    )
    assert "not an admin" in capsys.readouterr().err
    async with db.session() as s:
        assert await hubspot.get_connection(s, org_id) is None
    monkeypatch.setattr("sys.stdin", io.StringIO(fake.static_token + "\n"))
    assert await asyncio.to_thread(
        functools.partial(cli_main, ["hubspot", "connect", "--service-key", "admin@acme.test"],
                          clock=lambda: NOW)) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["portal_id"] == str(PORTAL_ID)
    async with db.session() as s:
        row = await hubspot.get_connection(s, org_id)
        assert row is not None and row.auth_kind == "service_key" and row.connected_at == NOW
        assert fake.static_token not in (row.access_token_sealed or "")
    assert await asyncio.to_thread(cli_main, ["crm", "fields"]) == 0
    assert "deal     stage       -> dealstage         (Sixty owns)" in capsys.readouterr().out
