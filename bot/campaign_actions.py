"""The campaign digest's A/B suggestion buttons: "Apply suggestion" starts `campaign_apply`
(approve, then disable the losing variant in Instantly); "Keep testing" snoozes the suggestion.

The value is the suggestion row's id (`storage.campaign_suggestions`), authorised as the rep's
own row before the handler runs. Snoozing leaves that campaign and step's suggestion out of the
rep's digest for `storage.campaign_suggestions.SNOOZE`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.ids import CampaignAction
from blocks.text import clip_line, escape
from bot.authz import REFUSALS
from bot.clicks import accept_click
from bot.deps import Deps
from bot.replies import tell
from bot.values import CampaignSuggestionRef
from orchestrator.events import Event, EventSource, EventType
from storage import campaign_suggestions
from storage.access import Ref
from storage.rows import saved_id

log = logging.getLogger(__name__)

Body = dict[str, Any]
Context = dict[str, Any]


async def handle_keep_testing(ack: AsyncAck, body: Body, client: AsyncWebClient,
                              context: Context, value: CampaignSuggestionRef,
                              deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    now = deps.clock()
    async with deps.db.transaction() as s:
        row = await campaign_suggestions.snooze(
            s, suggestion_id=value.suggestion_id, user_id=saved_id(user), now=now
        )
        until = row.snoozed_until if row is not None else None
        name = row.campaign_name if row is not None else ""
        step = row.step if row is not None else 0
    if until is None:
        await tell(client, body, REFUSALS[Ref.CAMPAIGN_SUGGESTION])
        return
    await tell(client, body, f"Keep testing: I'll leave step {step + 1} of "
               f"{escape(clip_line(name, 80))} out of your digest until {until:%b %d}.")  # fmt: skip
    log.info("campaign suggestion snoozed", extra={"user_id": user.id})


async def handle_apply(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                       value: CampaignSuggestionRef, deps: Deps) -> None:  # fmt: skip
    """Start `campaign_apply`: it asks the rep to approve, then disables the losing variant."""
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    await deps.submit(Event(type=EventType.CAMPAIGN_APPLY, source=EventSource.SLACK_BUTTON_APPROVE,
                            org_id=user.org_id, user_id=user.id,
                            payload={"suggestion_id": value.suggestion_id},
                            idempotency_key=f"campaign_apply:{value.suggestion_id}"))  # fmt: skip
    await tell(client, body, "I'll ask you to confirm before I change the campaign.")


def register(app: AsyncApp) -> None:
    app.action(CampaignAction.APPLY)(handle_apply)
    app.action(CampaignAction.KEEP_TESTING)(handle_keep_testing)
