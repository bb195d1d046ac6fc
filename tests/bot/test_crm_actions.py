"""HubSpot buttons in App Home, called directly: only an admin connects or disconnects; without
an app configured, Connect says how to connect with a service key; Disconnect stops the sync,
says what stays, and keeps the imported records."""

from __future__ import annotations

from sqlmodel import select

from bot import crm_actions
from storage import hubspot
from storage.crypto import TokenCipher
from storage.models import Company
from tests.bot.conftest import NOW, World
from tests.bot.fakes import click, context_for

CIPHER = TokenCipher(b"3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")


async def _connected(w: World) -> None:
    async with w.deps.db.transaction() as s:
        await hubspot.save_connection(
            s, cipher=CIPHER, org_id=w.org_id, portal_id="62515", auth_kind=hubspot.SERVICE_KEY,
            access_token="pat-key", refresh_token=None, expires_at=None, scopes=(),
            connected_by=w.admin_id, now=NOW,
        )  # fmt: skip
        s.add(Company(org_id=w.org_id, name="Imported Co", domain="imported.test"))


async def test_a_rep_cannot_disconnect_hubspot(world: World) -> None:
    await _connected(world)
    await crm_actions.handle_crm_disconnect(world.ack, click("U2"), world.client,
                                            context_for(world.deps, "U2"), world.deps)  # fmt: skip
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [crm_actions.ADMINS_ONLY]
    async with world.deps.db.session() as s:
        row = await hubspot.get_connection(s, world.org_id)
    assert row is not None and row.status == hubspot.ACTIVE


async def test_an_admin_disconnects_and_the_records_stay(world: World) -> None:
    await _connected(world)
    await crm_actions.handle_crm_disconnect(world.ack, click("U1"), world.client,
                                            context_for(world.deps, "U1"), world.deps)  # fmt: skip
    texts = [m["text"] for m in world.client.of("chat.postEphemeral")]
    assert texts == [crm_actions.DISCONNECTED]
    assert "stay in Sixty" in texts[0] and "nothing was deleted in HubSpot" in texts[0]
    async with world.deps.db.session() as s:
        row = await hubspot.get_connection(s, world.org_id)
        names = (await s.exec(select(Company.name))).all()
    assert row is not None and row.status == hubspot.DISCONNECTED
    assert row.access_token_sealed is None and "Imported Co" in names
    home = world.client.of("views.publish")[-1]
    assert "Disconnected. Records imported earlier stay in Sixty." in str(home["view"])


async def test_connect_without_an_app_points_to_the_service_key(world: World) -> None:
    await crm_actions.handle_crm_connect(world.ack, click("U1"), world.client,
                                         context_for(world.deps, "U1"), world.deps)  # fmt: skip
    [msg] = world.client.of("chat.postEphemeral")
    assert "sixty hubspot connect --service-key" in msg["text"]
