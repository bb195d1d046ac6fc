"""Authorisation of every id a Slack payload carries, against the user who clicked.

Two halves. `ParseValues` (middleware, no I/O) reads the value of every button, select and modal
we know with the one typed parser (`bot/values.py`) and puts it in `context["value"]`; a missing
or malformed value is acked at once and answered with a clear line, and no listener runs.
After its ack, a listener calls `permitted(...)`: the actor may act on every id in the value
(same org; their own row, or a deal or contact of a rep they manage: `storage/access.py`) or is
told, in one ephemeral line, that nothing was done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.middleware import actor_of
from bot.replies import tell
from bot.value_routes import wire_value
from bot.values import ActionValue, BadValue, parse
from storage import access
from storage.access import Ref
from storage.engine import Database
from storage.models import User

log = logging.getLogger(__name__)

REFUSALS = {
    Ref.DEAL: "That deal is not yours or your team's, so I did nothing.",
    Ref.CONTACT: "That contact is not on your deals or your team's, so I did nothing.",
    Ref.PENDING: "That request is not yours, so I did nothing.",
    Ref.JOB: "That is not one of your requests, so I did nothing.",
    Ref.SEND: "Only the rep who approved this email can cancel it.",
    Ref.EVENT: "That meeting is not on your calendar, so I did nothing.",
    Ref.MESSAGE: "I can't find that email in your inbox, so I did nothing.",
    Ref.NOTIFICATION: "That update is not yours or not available any more.",
    Ref.PROPOSAL: "That proposal is not yours, so I did nothing.",
    Ref.CAMPAIGN_SUGGESTION: "That campaign suggestion is not yours, so I did nothing.",
    Ref.COACHING_ANALYSIS: "That call is not yours or your team's, so I did nothing.",
}
UNKNOWN_USER = "I couldn't tell who you are just now, so I did nothing. Please try again."


async def check(db: Database, actor: User | None, value: ActionValue | None) -> str | None:
    """None when `actor` may act on every id in `value`, else what to tell them."""
    if actor is None:
        return UNKNOWN_USER
    if value is None:  # an action we register but never parsed: refuse rather than guess
        return "That button is not one I know, so I did nothing."
    wanted = value.ids()
    async with db.session() as s:
        # The contact and deal of the actor's own email are that email's context (bot/values.BriefItem).
        contacts, deals = await access.message_context(
            s, actor=actor, message_ids=wanted.get(Ref.MESSAGE, set())
        )
        context: dict[Ref, set[Any]] = {Ref.CONTACT: contacts, Ref.DEAL: deals}
        for ref, ids in wanted.items():
            ids = ids - context.get(ref, set())
            if ids and await access.allowed(s, actor=actor, ref=ref, ids=ids) != ids:
                log.info("action refused", extra={"user_id": actor.id, "ref": ref.value})
                return REFUSALS[ref]
    return None


async def permitted(
    deps: Deps, client: AsyncWebClient, body: dict[str, Any], context: dict[str, Any],
    value: ActionValue | None,
) -> User | None:  # fmt: skip
    """The clicking user when they may act on every id in `value`; else None, after telling them."""
    actor = await actor_of(context)
    refusal = await check(deps.db, actor, value)
    if refusal is None:
        return actor
    await tell(client, body, refusal)
    return None


async def acked_actor(
    ack: Any, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
    value: ActionValue | None, deps: Deps,
) -> User | None:  # fmt: skip
    """Ack the click, then the clicking user when they may act on `value` (else None, told)."""
    await ack()
    return await permitted(deps, client, body, context, value)


class ParseValues(AsyncMiddleware):
    """Parses every known action / modal value before any listener; answers bad ones itself."""

    def __init__(self) -> None:
        self._answers: set[asyncio.Task[None]] = set()

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        found = wire_value(req.body)
        if found is None:
            return await next()
        kind, raw = found
        try:
            req.context["value"] = parse(kind, raw)
        except BadValue as exc:
            log.info("bad action value", extra={"kind": kind.__name__, "present": raw is not None})
            response = await req.context.ack()
            self._answer(req.context.client, req.body, str(exc))
            return response
        return await next()

    def _answer(self, client: AsyncWebClient | None, body: dict[str, Any], text: str) -> None:
        """Tell the user after the ack has gone (the ack must not wait on Slack's Web API)."""
        if client is None:
            return

        async def answer() -> None:
            try:
                await tell(client, body, text)
            except SlackApiError as exc:
                log.warning(
                    "could not answer a bad value", extra={"error": exc.response.get("error")}
                )

        task = asyncio.get_running_loop().create_task(answer())
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)
