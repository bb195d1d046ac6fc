"""One error handler: a clear message to the user with a reference, the same reference in the logs."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class UserFacingError(Exception):
    """A domain error whose message is safe and useful to show the user as is."""


async def handle_error(
    error: Exception, body: dict[str, Any], client: AsyncWebClient, logger: Any
) -> None:
    user = (
        (body.get("user") or {}).get("id")
        or body.get("user_id")
        or (body.get("event") or {}).get("user")
    )
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
    if isinstance(error, UserFacingError):
        text = str(error)
    else:
        ref = secrets.token_hex(3)
        log.error("unhandled error", exc_info=error, extra={"ref": ref, "slack_user": user})
        text = f"Something went wrong on my side (ref {ref}). Please try again; if it keeps happening, tell your admin the ref."
    if not user:
        return
    try:
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            dm = await client.conversations_open(users=user)
            await client.chat_postMessage(channel=dm["channel"]["id"], text=text)
    except SlackApiError:
        log.warning("could not tell the user about an error", extra={"slack_user": user})


def register(app: AsyncApp) -> None:
    app.error(handle_error)
