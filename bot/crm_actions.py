"""App Home buttons for the workspace's HubSpot connection (admins only): Connect HubSpot (the
install link, `bot.webhooks.hubspot.start_install`) and Disconnect HubSpot (stops the sync and
says what stays). Thin: the role check, the call, the reply, the Home refresh."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.email_send import connect_link_blocks
from blocks.ids import HomeAction
from bot.deps import Deps
from bot.home import publish_home
from bot.middleware import actor_of
from bot.replies import tell
from bot.webhooks.hubspot import start_install
from storage import hubspot

ADMINS_ONLY = "Only a workspace admin can connect or disconnect HubSpot."
DISCONNECTED = ("HubSpot disconnected: Sixty has stopped syncing with your portal. The companies, "
                "contacts, deals and notes imported from HubSpot stay in Sixty, and nothing was "
                "deleted in HubSpot.")  # fmt: skip


async def handle_crm_connect(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                             context: dict[str, Any], deps: Deps) -> None:  # fmt: skip
    await ack()
    if (actor := await actor_of(context)) is None:
        return
    if actor.role != "admin":
        await tell(client, body, ADMINS_ONLY)
        return
    started = await start_install(deps, actor)
    if started.url:
        await tell(client, body, started.message, connect_link_blocks("HubSpot", started.url))
    else:
        await tell(client, body, started.message)


async def handle_crm_disconnect(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                                context: dict[str, Any], deps: Deps) -> None:  # fmt: skip
    await ack()
    if (actor := await actor_of(context)) is None:
        return
    if actor.role != "admin":
        await tell(client, body, ADMINS_ONLY)
        return
    async with deps.db.transaction() as s:
        existed = await hubspot.disconnect(s, actor.org_id, now=deps.clock())
    await tell(client, body, DISCONNECTED if existed else "HubSpot was not connected.")
    await publish_home(deps, client, actor)


def register(app: AsyncApp) -> None:
    app.action(HomeAction.CRM_CONNECT)(handle_crm_connect)
    app.action(HomeAction.CRM_DISCONNECT)(handle_crm_disconnect)
