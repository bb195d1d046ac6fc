"""The HubSpot sync tables: tokens stored sealed, links unique both ways, events seen once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import text

from storage import hubspot
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import Org

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CIPHER = TokenCipher(Fernet.generate_key())


async def _org(db: Database) -> int:
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        return org.id


async def test_connection_tokens_are_sealed_and_disconnect_drops_them(db: Database) -> None:
    org_id = await _org(db)
    async with db.transaction() as s:
        await hubspot.save_connection(
            s, cipher=CIPHER, org_id=org_id, portal_id="123", auth_kind=hubspot.OAUTH,
            access_token="access-abc", refresh_token="refresh-xyz",
            expires_at=NOW + timedelta(minutes=30), scopes=["crm.objects.deals.read"],
            connected_by=None, now=NOW,
        )  # fmt: skip
    async with db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT access_token_sealed FROM crm_connections"))).one()
    assert "access-abc" not in raw[0]
    async with db.session() as s:
        row = await hubspot.get_connection(s, org_id)
        assert row is not None
        creds = hubspot.credentials(row, CIPHER)
        assert (creds.access_token, creds.refresh_token) == ("access-abc", "refresh-xyz")
        assert hubspot.sync_settings(row)["protection_window_days"] == 14
        assert hubspot.sync_settings(row)["daily_budget_share"] == 0.25
    async with db.transaction() as s:
        assert await hubspot.disconnect(s, org_id, now=NOW)
        assert not await hubspot.disconnect(s, org_id, now=NOW)
    async with db.session() as s:
        row = await hubspot.get_connection(s, org_id)
        assert row is not None and row.status == hubspot.DISCONNECTED
        assert hubspot.credentials(row, CIPHER).access_token is None
        assert await hubspot.connection_by_portal(s, "123") is None


async def test_links_are_unique_both_ways(db: Database) -> None:
    org_id = await _org(db)
    async with db.transaction() as s:
        await hubspot.link(s, org_id, "company", 1, "901")
        await hubspot.link(s, org_id, "company", 1, "901")  # again: no-op
        await hubspot.link(s, org_id, "company", 2, "902")
        await hubspot.link(s, org_id, "company", 2, "903")  # re-pointed
    async with db.session() as s:
        assert await hubspot.links_of(s, org_id, "company") == {"901": 1, "903": 2}
        assert await hubspot.sixty_id_for(s, org_id, "company", "903") == 2
        assert await hubspot.external_id_for(s, org_id, "company", 1) == "901"
        assert await hubspot.sixty_id_for(s, org_id, "contact", "901") is None
    async with db.transaction() as s:
        assert await hubspot.unlink(s, org_id, "company", 1)
    async with db.session() as s:
        assert await hubspot.external_id_for(s, org_id, "company", 1) is None


async def test_an_event_is_seen_once_per_org(db: Database) -> None:
    org_id = await _org(db)
    other = await _org(db)
    async with db.transaction() as s:
        assert await hubspot.mark_event_seen(s, org_id, "e1", now=NOW)
        assert not await hubspot.mark_event_seen(s, org_id, "e1", now=NOW)
        assert await hubspot.mark_event_seen(s, other, "e1", now=NOW)
