"""Slack listeners for email: Cancel send (undo window), Connect / Disconnect from App Home,
the "Grant send permission" button, and URL buttons (connect link, mailto:) which only ack.

New-recipient confirmations are approval gates of the `email_send` sequence, answered through
`bot/approvals.py` like every other gate.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.email_send import cancelled_blocks, connect_link_blocks
from blocks.ids import EmailAction, HomeAction
from bot.authz import acked_actor
from bot.deps import Deps
from bot.home import publish_home
from bot.middleware import actor_of
from bot.replies import tell
from bot.values import Provider, SendRef
from bot.webhooks.oauth import PROVIDERS, disconnect, set_home_refresher, start_connect
from storage import email_sends as sends
from storage.models import User

log = logging.getLogger(__name__)

TOO_LATE = {
    sends.SENDING: "Too late to cancel: it is being sent right now.",
    sends.SENT: "Too late to cancel: it was already sent.",
    sends.CANCELLED: "This email was already cancelled.",
    sends.FAILED: "This email was not sent (it failed); nothing to cancel.",
}


async def cancel_send(deps: Deps, actor: User, send_id: int) -> tuple[bool, str]:
    """Cancel a send inside its undo window; (cancelled?, what to tell the rep)."""
    async with deps.db.transaction() as s:
        row = await sends.get_send(s, send_id)
        if row is None or row.user_id != actor.id:
            return False, "Only the rep who approved this email can cancel it."
        won = await sends.transition(s, send_id, to_state=sends.CANCELLED, from_states=sends.CANCELLABLE,
                                     actor=actor.slack_user_id, detail={"via": "cancel_button"},
                                     now=deps.clock())  # fmt: skip
        status = row.status
    if won:
        log.info("email send cancelled", extra={"send_id": send_id})
        return True, "Cancelled — the email was not sent."
    return False, TOO_LATE.get(status, "This email can no longer be cancelled.")


async def offer_connect(
    deps: Deps, client: AsyncWebClient, body: dict[str, Any], actor: User, provider: str
) -> None:
    if provider not in PROVIDERS:
        await tell(client, body, "Only Google and Microsoft 365 mailboxes can be connected here.")
        return
    started = await start_connect(deps, actor, provider)
    if started.url:
        await tell(
            client, body, started.message, connect_link_blocks(PROVIDERS[provider], started.url)
        )
    else:
        await tell(client, body, started.message)
    if started.demo:
        await publish_home(deps, client, actor)


def wire_home_refresh(deps: Deps, client: AsyncWebClient) -> None:
    """Let the OAuth callback republish a user's Home after a connect (`bot/webhooks/oauth.py`)."""

    async def refresh(user: User) -> None:
        await publish_home(deps, client, user)

    set_home_refresher(deps, refresh)


async def handle_cancel(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                        context: dict[str, Any], value: SendRef, deps: Deps) -> None:  # fmt: skip
    actor = await acked_actor(ack, body, client, context, value, deps)
    if actor is None:
        return
    send_id = value.send_id
    ok, text = await cancel_send(deps, actor, send_id)
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    if ok and channel and message.get("ts"):
        async with deps.db.session() as s:
            row = await sends.get_send(s, send_id)
        subject = row.subject if row else ""
        await client.chat_update(channel=channel, ts=message["ts"], text="Cancelled — not sent",
                                 blocks=[b.to_dict() for b in cancelled_blocks(subject=subject,
                                                                               by=actor.slack_user_id)])  # fmt: skip
    else:
        await tell(client, body, text)


async def handle_connect(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                         context: dict[str, Any], value: Provider, deps: Deps) -> None:  # fmt: skip
    """Connect (App Home) and Grant send permission (a copy fallback): the OAuth link for the provider."""
    await ack()
    if (actor := await actor_of(context)) is not None:
        await offer_connect(deps, client, body, actor, value.provider)


async def handle_disconnect(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                            context: dict[str, Any], value: Provider, deps: Deps) -> None:  # fmt: skip
    await ack()
    if (actor := await actor_of(context)) is None:
        return
    provider = value.provider
    if provider not in PROVIDERS:
        await tell(
            client, body, "Only Google and Microsoft 365 mailboxes can be disconnected here."
        )
        return
    existed = await disconnect(deps, actor, provider)
    await tell(client, body, f"Disconnected {PROVIDERS[provider]}: tokens revoked and deleted."
               if existed else f"{PROVIDERS[provider]} was not connected.")  # fmt: skip
    await publish_home(deps, client, actor)


async def handle_link(ack: AsyncAck) -> None:
    """URL buttons (connect link, mailto:): the browser opens the link; Slack only needs the ack."""
    await ack()


def register(app: AsyncApp) -> None:
    app.action(EmailAction.CANCEL_SEND)(handle_cancel)
    app.action(HomeAction.CONNECT)(handle_connect)
    app.action(EmailAction.GRANT_SEND)(handle_connect)
    app.action(HomeAction.DISCONNECT)(handle_disconnect)
    app.action(EmailAction.OPEN_LINK)(handle_link)
